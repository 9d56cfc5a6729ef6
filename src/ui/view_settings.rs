//! The controls' View section: the slice of a d > 2 landscape, the colormap and log scale,
//! the theme and presenter mode.

use egui::{CollapsingHeader, RichText, Ui};

use super::{Action, Outbox, Prefs, View, colormap};
use crate::scene::{Scene, SliceMode};

pub fn view_section(ui: &mut Ui, view: &View, scene: &mut Scene, prefs: &Prefs, out: &mut Outbox) {
    CollapsingHeader::new("View")
        .default_open(false)
        .show(ui, |ui| {
            let dim = view.info.as_ref().map_or(scene.start.len(), |i| i.dim);
            if dim > 2 {
                slice_ui(ui, scene, dim);
                ui.separator();
            }
            let v = &mut scene.view;
            egui::ComboBox::from_label("colormap")
                .selected_text(colormap::name(v.colormap))
                .show_ui(ui, |ui| {
                    for m in colormap::ALL {
                        ui.selectable_value(&mut v.colormap, m, colormap::name(m));
                    }
                });
            ui.checkbox(&mut v.log_scale, "log scale")
                .on_hover_text("Colour by log(f − min) (L).");
            ui.separator();
            ui.horizontal(|ui| {
                let mut theme = prefs.theme;
                ui.selectable_value(&mut theme, egui::ThemePreference::System, "System");
                ui.selectable_value(&mut theme, egui::ThemePreference::Dark, "Dark");
                ui.selectable_value(&mut theme, egui::ThemePreference::Light, "Light");
                if theme != prefs.theme {
                    out.act(Action::Theme(theme));
                }
            });
            let mut presenter = prefs.presenter;
            if ui
                .checkbox(&mut presenter, "presenter mode")
                .on_hover_text("Everything 1.6× larger, for projectors.")
                .changed()
            {
                out.act(Action::Presenter(presenter));
            }
        });
}

/// The plane a d > 2 landscape shows: two coordinates or two random directions, through the
/// start or following an optimizer.
fn slice_ui(ui: &mut Ui, scene: &mut Scene, dim: usize) {
    let s = &mut scene.view.slice;
    ui.label(RichText::new("slice of the landscape").strong());
    ui.horizontal(|ui| {
        ui.selectable_value(&mut s.mode, SliceMode::Coordinates, "coordinates")
            .on_hover_text("The plane of two coordinate axes.");
        ui.selectable_value(&mut s.mode, SliceMode::Random, "random directions")
            .on_hover_text("The plane of two random orthonormal directions.");
    });
    match s.mode {
        SliceMode::Coordinates => {
            ui.horizontal(|ui| {
                let [mut i, mut j] = s.axes;
                ui.add(
                    egui::DragValue::new(&mut i)
                        .range(0..=dim - 1)
                        .prefix("x axis: x"),
                )
                .on_hover_text("The coordinate along the horizontal axis.");
                ui.add(
                    egui::DragValue::new(&mut j)
                        .range(0..=dim - 1)
                        .prefix("y axis: x"),
                )
                .on_hover_text("The coordinate along the vertical axis.");
                if i != j {
                    s.axes = [i, j];
                }
            });
        }
        SliceMode::Random => {
            if ui
                .button("new directions")
                .on_hover_text("Draw two other random directions.")
                .clicked()
            {
                s.directions_seed = s.directions_seed.wrapping_add(1);
            }
        }
    }
    let label = |k: Option<usize>| match k.and_then(|k| scene.entries.get(k)) {
        Some(e) => format!("follow {}", e.label),
        None => "through the start".to_owned(),
    };
    let mut follow = scene.view.slice.follow;
    egui::ComboBox::from_label("plane")
        .selected_text(label(follow))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut follow, None, label(None));
            for (k, e) in scene.entries.iter().enumerate().filter(|(_, e)| e.enabled) {
                ui.selectable_value(&mut follow, Some(k), format!("follow {}", e.label));
            }
        })
        .response
        .on_hover_text("The plane passes through the start, or through an optimizer's iterate and moves with it.");
    scene.view.slice.follow = follow;
}
