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

/// The name of a kind of plane.
fn mode_name(mode: SliceMode) -> &'static str {
    match mode {
        SliceMode::Coordinates => "coordinates",
        SliceMode::Random => "random",
        SliceMode::FilterNormalized => "filter-normalized",
        SliceMode::Pca => "PCA of the path",
        SliceMode::Hessian => "Hessian eigenvectors",
    }
}

/// The plane a d > 2 landscape shows: two coordinates or two random directions, through the
/// start or following an optimizer.
fn slice_ui(ui: &mut Ui, scene: &mut Scene, dim: usize) {
    let s = &mut scene.view.slice;
    ui.label(RichText::new("slice of the landscape").strong());
    egui::ComboBox::from_label("directions")
        .selected_text(mode_name(s.mode))
        .show_ui(ui, |ui| {
            for (mode, about) in [
                (SliceMode::Coordinates, "The plane of two coordinate axes."),
                (
                    SliceMode::Random,
                    "The plane of two random orthonormal directions.",
                ),
                (
                    SliceMode::FilterNormalized,
                    "Two random directions, each unit's weights scaled to that unit's weights now, \
                     biases fixed (Li et al. 2018): the plane that makes networks comparable.",
                ),
                (
                    SliceMode::Pca,
                    "The top two principal directions of the followed optimizer's path so far, \
                     refitted every 2 s: the plane the path moves in most.",
                ),
                (
                    SliceMode::Hessian,
                    "The two Hessian eigenvectors of largest |λ| at the plane's point, refitted \
                     every 2 s: the sharpest directions.",
                ),
            ] {
                ui.selectable_value(&mut s.mode, mode, mode_name(mode))
                    .on_hover_text(about);
            }
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
        SliceMode::Random | SliceMode::FilterNormalized | SliceMode::Hessian => {
            let what = if s.mode == SliceMode::Hessian {
                "start again"
            } else {
                "new directions"
            };
            if ui
                .button(what)
                .on_hover_text(
                    "Draw two other random directions (the Hessian's iteration starts from them).",
                )
                .clicked()
            {
                s.directions_seed = s.directions_seed.wrapping_add(1);
            }
        }
        SliceMode::Pca => {}
    }
    ui.label(
        RichText::new(format!(
            "A 2-D slice of a {dim}-dimensional landscape is not the landscape: hover a path \
             point for its distance off the plane."
        ))
        .weak(),
    );
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
