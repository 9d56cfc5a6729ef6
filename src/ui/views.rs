//! The problem views' panels: pure drawings of the data the engine sent.

use egui::{RichText, Ui};
use egui_plot::{Legend, Line, MarkerShape, Plot, Points};

use super::View;
use super::format::num;
use super::status::racer_color;
use crate::problem::view::Section;
use crate::problem::{ViewData, ViewKind};

/// Shows the view `kind`.
pub fn show(ui: &mut Ui, view: &View, kind: ViewKind, out: &mut super::Outbox) {
    ui.label(RichText::new(kind.about()).weak());
    let dark = ui.visuals().dark_mode;
    let (Some(info), Some(data)) = (&view.info, view.views.get(&kind)) else {
        ui.spinner();
        return;
    };
    match data.as_ref() {
        ViewData::Decision(space) => super::network::decision(ui, view, info, space, dark, out),
        ViewData::Profiles(profiles) => super::profiles::show(ui, info, profiles, dark),
        ViewData::Tuning(curves) => super::neuron::show(ui, view, info, curves, dark),
        ViewData::Smoothed {
            values,
            nx,
            ny,
            bounds,
            sigma,
            racer,
            points,
        } => {
            let Some(racer) = racer else {
                ui.label(
                    "No optimizer here smooths the objective: add a zeroth-order one (fd, rge, \
                     spsa, es, cma_es, …), or tick f_σ above the landscape for any σ.",
                );
                return;
            };
            smoothed(
                ui,
                view,
                info,
                Smoothed {
                    values,
                    nx: *nx,
                    ny: *ny,
                    bounds: *bounds,
                    sigma: *sigma,
                    racer: *racer,
                    points,
                },
                dark,
            );
        }
        ViewData::Section(sections) => {
            let shown: Vec<&Section> = sections
                .iter()
                .filter(|s| {
                    view.racers
                        .get(s.racer as usize)
                        .is_some_and(|r| r.stopped.is_none())
                })
                .collect();
            if shown.is_empty() {
                ui.label("Every optimizer has stopped.");
                return;
            }
            let title_h = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
            let height = (ui.available_height() / shown.len() as f32 - title_h).max(70.0);
            for s in shown {
                let i = s.racer as usize;
                let color = racer_color(info.colors[i], dark);
                let line = match (s.along_gradient, s.step) {
                    (false, _) => format!(
                        "{} · step {} · ‖Δx‖ = {}",
                        info.labels[i],
                        s.step,
                        num(s.length)
                    ),
                    (true, 0) => format!("{} · before its first step: f along −∇f", info.labels[i]),
                    (true, _) => format!(
                        "{} · step {}: it did not move; f along −∇f",
                        info.labels[i], s.step
                    ),
                };
                ui.label(RichText::new(line).color(color));
                let (lo, hi) =
                    s.f.iter()
                        .filter(|f| f.is_finite())
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), f| {
                            (a.min(*f), b.max(*f))
                        });
                if lo > hi || hi - lo <= 1e-12 * (1.0 + lo.abs()) {
                    ui.label(
                        RichText::new(
                            "f is flat along this line (a stationary point, to rounding).",
                        )
                        .weak(),
                    );
                    continue;
                }
                let pts: Vec<[f64; 2]> =
                    s.t.iter()
                        .zip(&s.f)
                        .filter(|(_, f)| f.is_finite())
                        .map(|(t, f)| [*t, *f])
                        .collect();
                let at = |t: f64| {
                    s.t.iter()
                        .zip(&s.f)
                        .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
                        .map(|(t, f)| [*t, *f])
                };
                Plot::new(("section", i))
                    .height(height)
                    .x_grid_spacer(|g| super::curves::x_marks(g, false))
                    .y_axis_formatter(|m, _| num(m.value))
                    .x_axis_formatter(|m, _| super::curves::x_label(m))
                    .x_axis_label("t (multiples of the step)")
                    .y_axis_label("f")
                    .legend(Legend::default().position(egui_plot::Corner::RightTop))
                    .allow_scroll(false)
                    .show(ui, |p| {
                        p.line(
                            Line::new("f along the step", pts)
                                .color(color)
                                .width(2.0)
                                .allow_band(false),
                        );
                        if let Some(a) = at(0.0) {
                            p.points(
                                Points::new("from (t = 0)", vec![a])
                                    .shape(MarkerShape::Circle)
                                    .filled(false)
                                    .radius(6.0)
                                    .color(color),
                            );
                        }
                        if !s.along_gradient
                            && let Some(b) = at(1.0)
                        {
                            p.points(
                                Points::new("landed (t = 1)", vec![b])
                                    .shape(MarkerShape::Circle)
                                    .filled(true)
                                    .radius(5.0)
                                    .color(color),
                            );
                        }
                    });
            }
        }
        ViewData::Coordinates {
            racers,
            minimum,
            dim,
        } => {
            if *dim > racers.first().map_or(0, Vec::len) {
                ui.label(format!(
                    "The first {} of {dim} coordinates.",
                    racers.first().map_or(0, Vec::len)
                ));
            }
            let text = ui.visuals().text_color();
            Plot::new("coordinates")
                .y_axis_formatter(|m, _| num(m.value))
                .x_axis_label("coordinate index i")
                .y_axis_label("xᵢ")
                .legend(Legend::default().position(egui_plot::Corner::RightTop))
                .show(ui, |p| {
                    if let Some(m) = minimum {
                        let pts: Vec<[f64; 2]> =
                            m.iter().enumerate().map(|(k, v)| [k as f64, *v]).collect();
                        p.points(
                            Points::new("nearest known minimum", pts)
                                .shape(MarkerShape::Asterisk)
                                .radius(7.0)
                                .color(text),
                        );
                    }
                    for (i, x) in racers.iter().enumerate() {
                        let (Some(label), Some(c)) = (info.labels.get(i), info.colors.get(i))
                        else {
                            continue;
                        };
                        let pts: Vec<[f64; 2]> =
                            x.iter().enumerate().map(|(k, v)| [k as f64, *v]).collect();
                        p.line(
                            Line::new(label.clone(), pts.clone())
                                .color(racer_color(*c, dark))
                                .width(1.5)
                                .allow_band(false),
                        );
                        p.points(
                            Points::new(label.clone(), pts)
                                .radius(3.5)
                                .color(racer_color(*c, dark)),
                        );
                    }
                });
        }
    }
}

/// The smoothed view's data, borrowed.
struct Smoothed<'a> {
    values: &'a [f64],
    nx: usize,
    ny: usize,
    bounds: crate::problem::ViewBounds,
    sigma: f64,
    racer: u32,
    points: &'a [[f64; 2]],
}

/// f_σ as a heatmap over the landscape's window (in the scene's colormap and scale), with every
/// racer's current point. The texture is uploaded once per received grid.
fn smoothed(ui: &mut Ui, view: &View, info: &crate::engine::RunInfo, s: Smoothed<'_>, dark: bool) {
    use crate::engine::{Grid, GridSpec};
    let label = info
        .labels
        .get(s.racer as usize)
        .cloned()
        .unwrap_or_default();
    ui.label(format!(
        "σ = {} (the smoothing radius of {label}, recomputed when it moves by 15%)",
        num(s.sigma)
    ));
    let (min, max) = s
        .values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if min > max || s.nx < 2 || s.ny < 2 {
        ui.spinner();
        return;
    }
    // Where the image goes (its values are only needed to upload it).
    let mut grid = Grid {
        spec: GridSpec {
            bounds: s.bounds,
            nx: s.nx,
            ny: s.ny,
            levels: 0,
            smoothing: s.sigma,
        },
        values: Vec::new(),
        min,
        max,
        contours: Vec::new(),
    };
    let (map, log) = (info.scene.view.colormap, info.scene.view.log_scale);
    // The texture is uploaded again only when the values (or the colouring) change: the engine
    // resends the same grid at its views' rate.
    let content = s.values.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, v| {
        (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3)
    });
    let id = egui::Id::unique("smoothed-view-texture");
    let key = (content, map, log);
    let cached: Option<((u64, crate::scene::Colormap, bool), egui::TextureHandle)> =
        ui.ctx().data(|d| d.get_temp(id));
    let texture = match cached {
        Some((k, t)) if k == key => t,
        _ => {
            grid.values = s.values.to_vec();
            let t = ui.ctx().load_texture(
                "smoothed",
                super::heatmap::image(&grid, map, log),
                egui::TextureOptions::LINEAR,
            );
            ui.ctx().data_mut(|d| d.insert_temp(id, (key, t.clone())));
            t
        }
    };
    ui.label(
        RichText::new(format!(
            "f_σ from {} to {} over the window",
            num(min),
            num(max)
        ))
        .weak(),
    );
    // A square plot over the grid's window (the panel is tall and narrow).
    let side = ui.available_width().min(ui.available_height());
    Plot::new("smoothed")
        .data_aspect(1.0)
        .width(side)
        .height(side)
        .include_x(s.bounds.x.0)
        .include_x(s.bounds.x.1)
        .include_y(s.bounds.y.0)
        .include_y(s.bounds.y.1)
        .x_axis_label(info.axis_names[0].clone())
        .y_axis_label(info.axis_names[1].clone())
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .allow_scroll(false)
        .show(ui, |p| {
            super::layers::heatmap_layer(p, texture.id(), &grid);
            for (i, xy) in s.points.iter().enumerate() {
                let (Some(name), Some(c)) = (info.labels.get(i), info.colors.get(i)) else {
                    continue;
                };
                if view.racers.get(i).is_some_and(|r| r.stopped.is_some()) {
                    continue;
                }
                p.points(
                    Points::new(name.clone(), vec![*xy])
                        .shape(MarkerShape::Circle)
                        .filled(true)
                        .radius(5.0)
                        .color(racer_color(*c, dark)),
                );
            }
        });
}
