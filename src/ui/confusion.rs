//! A classifier's confusion matrices on the training and the test points: rows are the true
//! classes, columns the predicted ones, each cell shaded by its share of its row. A pure view
//! of the engine's [`Confusion`].

use egui::{Color32, RichText, Ui};

use super::network::class_color;
use crate::problem::view::Confusion;

/// The confusion matrices on the training and the test points, side by side: rows are the
/// true classes, columns the predicted ones, each cell shaded by its share of its row.
pub fn show(ui: &mut Ui, conf: &Confusion, classes: &[String]) {
    let k = conf.k;
    ui.label(RichText::new("Confusion matrix (rows: true class, columns: predicted)").strong());
    // The classes by number, named once (names would widen the matrices past the panel).
    ui.label(
        (0..k)
            .map(|i| format!("{i} = {}", short(classes, i)))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    // Two columns of half the width each (a layout that cannot widen the panel), the cells
    // sized to fit them.
    let cell = ((ui.available_width() / 2.0 - 100.0) / k as f32 - 2.0).clamp(22.0, 44.0);
    ui.columns(2, |columns| {
        for ((name, m), ui) in [("training", &conf.train), ("test", &conf.test)]
            .into_iter()
            .zip(columns.iter_mut())
        {
            let total: u32 = m.iter().sum();
            if total == 0 {
                continue;
            }
            {
                let right: u32 = (0..k).map(|i| m[i * k + i]).sum();
                ui.label(format!(
                    "{name}: {:.1} % right",
                    100.0 * f64::from(right) / f64::from(total)
                ));
                egui::Grid::new(("confusion", name))
                    .spacing([2.0, 2.0])
                    .show(ui, |ui| {
                        ui.label("");
                        for j in 0..k {
                            ui.label(RichText::new(j.to_string()).color(class_color(j)).strong());
                        }
                        ui.end_row();
                        for i in 0..k {
                            ui.label(RichText::new(i.to_string()).color(class_color(i)).strong());
                            let row: u32 = m[i * k..(i + 1) * k].iter().sum();
                            for j in 0..k {
                                let n = m[i * k + j];
                                let share = if row == 0 {
                                    0.0
                                } else {
                                    f64::from(n) / f64::from(row)
                                };
                                let base = if i == j {
                                    class_color(j)
                                } else {
                                    Color32::from_rgb(0xD5, 0x5E, 0x00)
                                };
                                let fill = base.gamma_multiply(0.15 + 0.7 * share as f32);
                                let (rect, resp) = ui.allocate_exact_size(
                                    egui::vec2(cell, 22.0),
                                    egui::Sense::hover(),
                                );
                                ui.painter().rect_filled(rect, 2.0, fill);
                                ui.painter().text(
                                    rect.center(),
                                    egui::Align2::CENTER_CENTER,
                                    n.to_string(),
                                    egui::FontId::monospace(13.0),
                                    ui.visuals().strong_text_color(),
                                );
                                resp.on_hover_text(format!(
                                    "{n} of {row} {name} points of class {} predicted as {}",
                                    short(classes, i),
                                    short(classes, j)
                                ));
                            }
                            ui.end_row();
                        }
                    });
            }
        }
    });
}

/// A class's name, shortened for a matrix header.
fn short(classes: &[String], i: usize) -> String {
    let name = classes.get(i).cloned().unwrap_or_else(|| i.to_string());
    if name.chars().count() > 8 {
        name.chars().take(7).chain(std::iter::once('…')).collect()
    } else {
        name
    }
}
