//! The status bar: per optimizer its step, evaluation counts and stop reason; plus the run id,
//! the playback state and frames per second. Cells have fixed widths and numbers are
//! monospace, so nothing moves as the numbers grow; the cells shrink to fit the window, so the
//! bar stays one line.

use std::time::Instant;

use egui::{Color32, RichText};

use super::View;
use super::format::count;

/// An optimizer's colour as drawn in the current theme: the palette's near-white eighth colour
/// is drawn near-black in the light theme (the palette's "black or white").
pub fn racer_color(c: [u8; 3], dark: bool) -> Color32 {
    if !dark && c == crate::scene::PALETTE[7] {
        Color32::from_rgb(0x22, 0x22, 0x22)
    } else {
        Color32::from_rgb(c[0], c[1], c[2])
    }
}

/// Frame timing, for the status bar.
#[derive(Debug)]
pub struct FrameStats {
    last: Instant,
    /// Smoothed frames per second.
    pub fps: f32,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self {
            last: Instant::now(),
            fps: 0.0,
        }
    }
}

impl FrameStats {
    /// Counts a frame.
    pub fn tick(&mut self) {
        let dt = self.last.elapsed().as_secs_f32().max(1e-4);
        self.last = Instant::now();
        self.fps = if self.fps == 0.0 {
            1.0 / dt
        } else {
            0.9 * self.fps + 0.1 / dt
        };
    }
}

/// The widest optimizer cell.
const CELL: f32 = 330.0;
/// The narrowest: the label, the step and the stop mark.
const MIN_CELL: f32 = 150.0;

/// Shows the status bar along the bottom.
pub fn show(ui: &mut egui::Ui, view: &View, frames: &FrameStats) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            let playing = if view.playing { "▶ playing" } else { "‖ paused " };
            ui.label(RichText::new(format!("{playing} {:>3.0} fps", frames.fps)).monospace())
                .on_hover_text("Playback state, and frames drawn per second (frames are only drawn when something changes).");
            let Some(info) = view.info.clone() else {
                ui.label("starting…");
                return;
            };
            ui.label(RichText::new(format!("run #{:<3}", info.run)).monospace()).on_hover_text(
                "A new run starts whenever the problem, a method, the start point or the seed changes, or on Reset.",
            );
            let n = view.racers.len().max(1) as f32;
            let cell = ((ui.available_width() - 8.0 * n) / n).clamp(MIN_CELL, CELL);
            let font = egui::TextStyle::Monospace.resolve(ui.style());
            let digit = ui.ctx().fonts_mut(|f| f.glyph_width(&font, '0'));
            let height = ui.spacing().interact_size.y;
            for (i, r) in view.racers.iter().enumerate() {
                if ui.available_width() < MIN_CELL {
                    ui.label(RichText::new(format!("+{} more", view.racers.len() - i)).weak());
                    break;
                }
                ui.allocate_ui(egui::vec2(cell, height), |ui| {
                    ui.set_width(cell);
                    ui.horizontal(|ui| {
                        ui.separator();
                        ui.label(RichText::new("●").color(racer_color(info.colors[i], ui.visuals().dark_mode)));
                        ui.label(RichText::new(&info.labels[i]).strong());
                        let (step, c) = r
                            .history
                            .last()
                            .map_or((0, Default::default()), |l| (l.step, l.counts));
                        let text = if let Some(reason) = &r.stopped {
                            RichText::new(format!("✕ {reason}")).color(ui.visuals().error_fg_color)
                        } else {
                            // The step, then the counts the method uses (f, ∇, H, Hv), in
                            // order, as many as fit: a later count never stands in for an
                            // earlier one that did not fit.
                            let room = (ui.available_width() / digit.max(1.0)) as usize;
                            let mut t = count(step);
                            let parts = [("f", c.f), ("∇", c.g), ("H", c.h), ("Hv", c.hv)];
                            for (name, v) in parts.into_iter().filter(|(_, v)| *v > 0) {
                                let part = format!(" · {name} {}", count(v));
                                if t.chars().count() + part.chars().count() > room {
                                    break;
                                }
                                t += &part;
                            }
                            RichText::new(t).monospace()
                        };
                        ui.label(text).on_hover_text(format!(
                            "Step {step}. Oracle counts: {} function values (f), {} gradients (∇), {} Hessians (H), {} Hessian-vector products (Hv).",
                            c.f, c.g, c.h, c.hv
                        ));
                    });
                });
            }
        });
    });
}
