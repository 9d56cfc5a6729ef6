//! The status bar: per optimizer its step, evaluation counts and stop reason; plus the run id,
//! the playback state and frames per second. Each optimizer gets a fixed-width cell, so nothing
//! moves as the numbers grow.

use egui::{Color32, RichText};

use super::format::count;
use crate::app::App;

/// An optimizer's colour as an egui colour.
pub fn color32(c: [u8; 3]) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

/// Width of one optimizer's cell: room for a label and counts in the millions.
const CELL: f32 = 360.0;

/// Shows the status bar along the bottom.
pub fn status_bar(ui: &mut egui::Ui, app: &mut App) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            let playing = if app.view.playing { "▶ playing" } else { "‖ paused " };
            ui.label(RichText::new(format!("{playing} {:>3.0} fps", app.frames.fps)).monospace())
                .on_hover_text("Playback state, and frames drawn per second (frames are only drawn when something changes).");
            let Some(info) = app.view.info.clone() else {
                ui.label("starting…");
                return;
            };
            ui.label(RichText::new(format!("run #{:<3}", info.run)).monospace()).on_hover_text(
                "A new run starts whenever the problem, a method, the start point or the seed changes, or on Reset.",
            );
            let height = ui.spacing().interact_size.y;
            for (i, r) in app.view.racers.iter().enumerate() {
                ui.allocate_ui(egui::vec2(CELL, height), |ui| {
                    ui.set_width(CELL);
                    ui.horizontal(|ui| {
                        ui.separator();
                        ui.label(RichText::new("●").color(color32(info.colors[i])));
                        ui.label(RichText::new(&info.labels[i]).strong());
                        let (step, c) = r.history.last().map_or((0, Default::default()), |l| (l.step, l.counts));
                        let text = if let Some(reason) = &r.stopped {
                            RichText::new(format!("✕ {reason}")).color(ui.visuals().error_fg_color)
                        } else {
                            RichText::new(format!("{} · f {} · ∇ {} · H {}", count(step), count(c.f), count(c.g), count(c.h)))
                                .monospace()
                        };
                        ui.label(text).on_hover_text(
                            "Steps taken, then the cumulative oracle counts: function values (f), gradients (∇) and Hessians (H).",
                        );
                    });
                });
            }
        });
    });
}
