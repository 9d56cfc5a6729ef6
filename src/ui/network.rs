//! The network's decision view: the class a racer's network predicts over the input plane
//! (shaded by its confidence) or the curve it fits, with the data on top. A pure drawing of the
//! engine's [`InputSpace`].

use egui::{Color32, ComboBox, RichText, Ui};
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotImage, PlotPoint, Points};

use super::status::racer_color;
use super::{Action, Outbox, View};
use crate::engine::RunInfo;
use crate::params::Choice;
use crate::problem::mlp::data::Builtin;
use crate::problem::mlp::{DataSource, Hidden, MlpConfig};
use crate::problem::view::InputSpace;

/// Class colours: blue and vermillion for two classes (as in TensorFlow Playground), then the
/// rest of the Okabe–Ito palette.
const CLASS_COLORS: [[u8; 3]; 8] = [
    [0x00, 0x72, 0xB2],
    [0xD5, 0x5E, 0x00],
    [0x00, 0x9E, 0x73],
    [0xCC, 0x79, 0xA7],
    [0xE6, 0x9F, 0x00],
    [0x56, 0xB4, 0xE9],
    [0xF0, 0xE4, 0x42],
    [0x70, 0x70, 0x70],
];

/// The colour of class `c`.
pub fn class_color(c: usize) -> Color32 {
    let [r, g, b] = CLASS_COLORS[c % CLASS_COLORS.len()];
    Color32::from_rgb(r, g, b)
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

fn rgb(c: Color32) -> [f32; 3] {
    [c.r() as f32, c.g() as f32, c.b() as f32]
}

/// One pixel's colour: the predicted class's colour over the background, by confidence (for a
/// regression, the value on the scene's colormap).
fn pixel(
    space: &InputSpace,
    values: &[f64],
    i: usize,
    bg: [f32; 3],
    range: (f64, f64),
    map: crate::scene::Colormap,
) -> Color32 {
    let k = space.classes.len();
    let [r, g, b] = if k == 0 {
        let t = ((values[i] - range.0) / (range.1 - range.0).max(1e-12)).clamp(0.0, 1.0);
        let [r, g, b] = super::colormap::sample(map, t);
        return Color32::from_rgb(r, g, b);
    } else if k == 2 {
        let p = values[i] as f32;
        let c = mix(rgb(class_color(0)), rgb(class_color(1)), p);
        mix(bg, c, (2.0 * p - 1.0).abs() * 0.75)
    } else {
        let probs = &values[i * k..(i + 1) * k];
        let (best, top) =
            probs.iter().enumerate().fold(
                (0, 0.0),
                |(bi, bp), (j, p)| if *p > bp { (j, *p) } else { (bi, bp) },
            );
        let conf = ((top - 1.0 / k as f64) / (1.0 - 1.0 / k as f64)) as f32;
        mix(bg, rgb(class_color(best)), conf.clamp(0.0, 1.0) * 0.75)
    };
    Color32::from_rgb(r as u8, g as u8, b as u8)
}

/// Draws the decision view.
pub fn decision(
    ui: &mut Ui,
    view: &View,
    info: &RunInfo,
    space: &InputSpace,
    dark: bool,
    out: &mut Outbox,
) {
    if space.surfaces.is_empty() || space.nx < 2 {
        ui.spinner();
        return;
    }
    let id = ui.make_persistent_id("decision-racer");
    let mut chosen: usize = ui.ctx().data(|d| d.get_temp(id)).unwrap_or(0);
    chosen = chosen.min(space.surfaces.len() - 1);
    ui.horizontal(|ui| {
        ui.label("network of");
        ComboBox::from_id_salt("decision-racer-pick")
            .selected_text(info.labels.get(chosen).cloned().unwrap_or_default())
            .show_ui(ui, |ui| {
                for (i, label) in info.labels.iter().enumerate().take(space.surfaces.len()) {
                    ui.selectable_value(&mut chosen, i, label);
                }
            });
    });
    ui.ctx().data_mut(|d| d.insert_temp(id, chosen));
    let (racer, values) = &space.surfaces[chosen];
    let color = info
        .colors
        .get(*racer as usize)
        .map(|c| racer_color(*c, dark))
        .unwrap_or(Color32::GRAY);
    let curve = space.ny == 1;
    let painting = space.paintable && paint_bar(ui, info, space, out);
    // The plot takes at most 55 % of the tab's height; the diagram, the confusion matrix and
    // the cost table follow below it.
    let side = ui
        .available_width()
        .min(ui.available_height() * 0.55)
        .max(120.0);
    let mut plot = Plot::new("decision")
        .width(side)
        .height(side)
        .include_x(space.bounds.x.0)
        .include_x(space.bounds.x.1)
        .include_y(space.bounds.y.0)
        .include_y(space.bounds.y.1)
        .x_axis_label(space.features.first().cloned().unwrap_or_default())
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .allow_scroll(false)
        .allow_drag(!painting);
    if !curve {
        plot = plot
            .data_aspect(
                ((space.bounds.x.1 - space.bounds.x.0) / (space.bounds.y.1 - space.bounds.y.0))
                    as f32,
            )
            .y_axis_label(space.features.get(1).cloned().unwrap_or_default());
    }
    let texture =
        (!curve).then(|| surface_texture(ui, space, values, dark, info.scene.view.colormap));
    let shown = plot.show(ui, |p| {
        if let Some(tex) = &texture {
            let b = space.bounds;
            let (nx, ny) = (space.nx as f64, space.ny as f64);
            let w = (b.x.1 - b.x.0) * nx / (nx - 1.0);
            let h = (b.y.1 - b.y.0) * ny / (ny - 1.0);
            let centre = PlotPoint::new((b.x.0 + b.x.1) / 2.0, (b.y.0 + b.y.1) / 2.0);
            p.image(PlotImage::new(
                "",
                tex.id(),
                centre,
                egui::vec2(w as f32, h as f32),
            ));
        } else {
            let xs = (0..space.nx).map(|i| {
                space.bounds.x.0
                    + (space.bounds.x.1 - space.bounds.x.0) * i as f64 / (space.nx - 1) as f64
            });
            let line: Vec<[f64; 2]> = xs.zip(values.iter()).map(|(x, y)| [x, *y]).collect();
            p.line(
                Line::new(
                    info.labels
                        .get(*racer as usize)
                        .cloned()
                        .unwrap_or_default(),
                    line,
                )
                .color(color)
                .width(2.5),
            );
        }
        // Painted points, ringed: the last training points before the test points.
        let n_train = space.test.iter().filter(|t| !**t).count();
        if space.painted > 0 {
            let ringed: Vec<[f64; 2]> =
                space.points[n_train - space.painted.min(n_train)..n_train].to_vec();
            p.points(
                Points::new("painted", ringed)
                    .shape(MarkerShape::Circle)
                    .filled(false)
                    .radius(6.0)
                    .color(ui_point_color(dark)),
            );
        }
        let k = space.classes.len().max(1);
        for class in 0..k {
            for test in [false, true] {
                let pts: Vec<[f64; 2]> = space
                    .points
                    .iter()
                    .zip(&space.labels)
                    .zip(&space.test)
                    .filter(|((_, y), t)| {
                        **t == test && (space.classes.is_empty() || **y as usize == class)
                    })
                    .map(|((pt, _), _)| *pt)
                    .collect();
                if pts.is_empty() {
                    continue;
                }
                let name = match (space.classes.get(class), test) {
                    (Some(c), false) => c.clone(),
                    (Some(c), true) => format!("{c} (test)"),
                    (None, false) => "training points".into(),
                    (None, true) => "test points".into(),
                };
                let c = if space.classes.is_empty() {
                    ui_point_color(dark)
                } else {
                    class_color(class)
                };
                p.points(
                    Points::new(name, pts)
                        .shape(MarkerShape::Circle)
                        .filled(!test)
                        .radius(if test { 3.5 } else { 3.0 })
                        .color(c),
                );
            }
        }
    });
    if painting
        && shown.response.clicked()
        && let Some(p) = shown.response.interact_pointer_pos()
    {
        let v = shown.transform.value_from_position(p);
        let class = if curve {
            0.0
        } else {
            ui.ctx()
                .data(|d| d.get_temp::<usize>(ui.make_persistent_id(PAINT_CLASS)))
                .unwrap_or(0) as f64
        };
        out.act(Action::Paint(Some([v.x, v.y, class])));
    }
    // The input under the cursor, in the data's units (one feature for a curve).
    let hovered = shown.response.hover_pos().map(|p| {
        let v = shown.transform.value_from_position(p);
        if curve { vec![v.x] } else { vec![v.x, v.y] }
    });
    let r = view.racers.get(*racer as usize);
    let line = match r {
        Some(r) if r.stopped.is_some() => "this optimizer has stopped".to_owned(),
        _ => "live: redrawn as the network trains".to_owned(),
    };
    ui.label(RichText::new(line).weak());
    // Everything below keeps to the panel's width (less the scroll bar), so that nothing in it
    // widens the panel frame after frame.
    let width = ui.available_width();
    egui::ScrollArea::vertical()
        .id_salt("decision-below")
        .max_width(width)
        .show(ui, |ui| {
            ui.set_max_width(width - super::diagram::SLACK);
            if let Some(net) = &space.network
                && let Some((_, theta)) = net.weights.iter().find(|(r, _)| r == racer)
            {
                ui.separator();
                ui.label(RichText::new("The network").strong());
                let height = (ui.available_height() * 0.6).clamp(150.0, 240.0);
                super::diagram::show(ui, net, theta, hovered.as_deref(), dark, height);
            }
            if let Some((_, conf)) = space.confusion.iter().find(|(r, _)| r == racer) {
                ui.separator();
                super::confusion::show(ui, conf, &space.classes);
            }
            ui.separator();
            ui.label(RichText::new("What each rule costs per step").strong());
            super::cost::show(ui, view, info, dark);
        });
}

/// Where the class to paint is kept.
const PAINT_CLASS: &str = "paint-class";

/// The paint bar: a switch, the class to paint and a button that clears the painted points;
/// returns whether painting is on.
fn paint_bar(ui: &mut Ui, info: &RunInfo, space: &InputSpace, out: &mut Outbox) -> bool {
    let on_id = ui.make_persistent_id("paint-on");
    let class_id = ui.make_persistent_id(PAINT_CLASS);
    let mut on: bool = ui.ctx().data(|d| d.get_temp(on_id)).unwrap_or(false);
    let mut class: usize = ui.ctx().data(|d| d.get_temp(class_id)).unwrap_or(0);
    let painted = match &info.scene.problem {
        crate::problem::Problem::Mlp(c) => c.points.len(),
        _ => 0,
    };
    ui.horizontal_wrapped(|ui| {
        ui.toggle_value(&mut on, "✏ paint points").on_hover_text(
            "Click in the view to add a training point (of the chosen class). The data changes, \
             so each point starts a new run from the same seed; the scene keeps the points.",
        );
        if on && !space.classes.is_empty() {
            for (i, name) in space.classes.iter().enumerate() {
                let text = RichText::new(format!("● {name}")).color(class_color(i));
                ui.selectable_value(&mut class, i, text)
                    .on_hover_text(format!("paint points of class {name}"));
            }
        }
        if painted > 0
            && ui
                .button(format!("clear {painted} painted"))
                .on_hover_text("remove every painted point (a new run)")
                .clicked()
        {
            out.act(Action::Paint(None));
        }
    });
    ui.ctx().data_mut(|d| {
        d.insert_temp(on_id, on);
        d.insert_temp(class_id, class);
    });
    on
}

fn ui_point_color(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(230)
    } else {
        Color32::from_gray(30)
    }
}

/// The surface as a texture, uploaded again only when its values change.
fn surface_texture(
    ui: &Ui,
    space: &InputSpace,
    values: &[f64],
    dark: bool,
    map: crate::scene::Colormap,
) -> egui::TextureHandle {
    let content = values.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, v| {
        (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3)
    }) ^ u64::from(dark);
    let id = egui::Id::unique("decision-texture");
    let cached: Option<(u64, egui::TextureHandle)> = ui.ctx().data(|d| d.get_temp(id));
    if let Some((k, t)) = cached
        && k == content
    {
        return t;
    }
    let bg = if dark {
        [27.0, 27.0, 27.0]
    } else {
        [248.0, 248.0, 248.0]
    };
    let range = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let (nx, ny) = (space.nx, space.ny);
    let mut pixels = Vec::with_capacity(nx * ny);
    // Image rows run from the top; the grid's from the bottom.
    for row in (0..ny).rev() {
        for col in 0..nx {
            pixels.push(pixel(space, values, row * nx + col, bg, range, map));
        }
    }
    let image = egui::ColorImage::new([nx, ny], pixels);
    let t = ui
        .ctx()
        .load_texture("decision", image, egui::TextureOptions::LINEAR);
    ui.ctx()
        .data_mut(|d| d.insert_temp(id, (content, t.clone())));
    t
}

/// The hidden-layers field of a network: the text being edited (applied with Enter or the
/// button, and only when it parses) and the last refusal.
#[derive(Clone, Debug, Default)]
pub struct HiddenEdit {
    text: String,
    from: String,
    error: Option<String>,
}

/// The network's data set and hidden layers, which are no sliders: returns the changed
/// configuration. "Open CSV…" asks the app for a file (a CSV dropped on the window does too).
pub fn data_fields(
    ui: &mut Ui,
    config: &MlpConfig,
    st: &mut HiddenEdit,
    out: &mut super::Outbox,
) -> Option<MlpConfig> {
    let mut changed = None;
    ui.horizontal(|ui| {
        let current = match &config.data {
            DataSource::Builtin(b) => Builtin::LABELS[Choice::index(*b)].to_owned(),
            DataSource::File(f) => f.path.file_name().map_or_else(
                || f.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
        };
        ComboBox::from_id_salt("mlp-data")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (i, label) in Builtin::LABELS.iter().enumerate() {
                    let b = <Builtin as Choice>::from_index(i);
                    let on = config.data == DataSource::Builtin(b);
                    if ui.selectable_label(on, *label).clicked() && !on {
                        changed = Some(MlpConfig {
                            data: DataSource::Builtin(b),
                            ..config.clone()
                        });
                    }
                }
            })
            .response
            .on_hover_text("The data the network learns. Changing it starts a new run.");
        if ui
            .button("Open CSV…")
            .on_hover_text(
                "A CSV file with a header row and numeric feature columns; the target is the \
                 column named label (else the last one). You can also drop a CSV file on the \
                 window.",
            )
            .clicked()
        {
            out.act(super::Action::DataDialog);
        }
        ui.label("data");
    });
    let current = config.hidden.to_string();
    if st.from != current {
        st.text = current.clone();
        st.from = current.clone();
        st.error = None;
    }
    let mut apply = false;
    ui.horizontal(|ui| {
        let r = ui.add(
            egui::TextEdit::singleline(&mut st.text)
                .font(egui::TextStyle::Monospace)
                .desired_width(90.0)
                .hint_text("16x16"),
        );
        apply |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        apply |= ui.button("Apply").clicked();
        ui.label("hidden layers").on_hover_text(
            "Widths of the hidden layers, such as 16x16 or 32x32x32 (empty: a linear model). \
             Changing them starts a new run with new initial weights.",
        );
    });
    if let Some(e) = &st.error {
        ui.label(RichText::new(e).color(ui.visuals().error_fg_color).small());
    }
    if apply && st.text != current {
        match Hidden::parse(&st.text) {
            Ok(h) => {
                st.error = None;
                changed = Some(MlpConfig {
                    hidden: h,
                    ..changed.unwrap_or_else(|| config.clone())
                });
            }
            Err(e) => st.error = Some(format!("Not applied: {e}")),
        }
    }
    changed
}
