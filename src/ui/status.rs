//! The status bar: per optimizer its step, evaluation counts and stop reason; plus the run id
//! and frames per second.

use egui::{Color32, RichText};

use super::format::count;
use crate::app::App;

/// An optimizer's colour as an egui colour.
pub fn color32(c: [u8; 3]) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

/// Shows the status bar along the bottom.
pub fn status_bar(ui: &mut egui::Ui, app: &mut App) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            let Some(info) = app.view.info.clone() else {
                ui.label("starting…");
                return;
            };
            ui.label(RichText::new(format!("run #{}", info.run)).monospace())
                .on_hover_text("A new run starts whenever the problem, a method, the start point or the seed changes, or on Reset.");
            ui.separator();
            for (i, r) in app.view.racers.iter().enumerate() {
                let color = color32(info.colors[i]);
                ui.label(RichText::new("●").color(color));
                ui.label(RichText::new(&info.labels[i]).strong());
                let (step, c) = r.history.last().map_or((0, Default::default()), |l| (l.step, l.counts));
                let text = format!("step {:>7}  f {:>7}  ∇ {:>7}  H {:>5}", count(step), count(c.f), count(c.g), count(c.h));
                ui.label(RichText::new(text).monospace()).on_hover_text(
                    "Steps taken and cumulative oracle counts: function values (f), gradients (∇) and Hessians (H).",
                );
                if let Some(reason) = &r.stopped {
                    ui.label(RichText::new(format!("✕ {reason}")).color(ui.visuals().error_fg_color));
                }
                ui.separator();
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(RichText::new(format!("{:>3.0} fps", app.frames.fps)).monospace())
                    .on_hover_text("Frames drawn per second (frames are only drawn when something changes).");
                let state = if app.view.playing { "▶ playing" } else { "‖ paused" };
                ui.label(state);
            });
        });
    });
}
