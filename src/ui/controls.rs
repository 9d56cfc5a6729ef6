//! The controls panel: scene, problem, optimizers, noise, playback and view settings.

use std::time::{Duration, Instant};

use egui::{CollapsingHeader, RichText, Slider, Ui};

use super::colormap;
use crate::app::App;
use crate::engine::Command;
use crate::optim::{Method, Order};
use crate::params::{ParamMut, Params, Scale};
use crate::problem::Problem;
use crate::scene::Scene;

/// How long a notice about a new run stays visible.
const NOTICE: Duration = Duration::from_secs(4);

/// State of the controls panel.
#[derive(Debug, Default)]
pub struct ControlsUi {
    /// A short message about the last structural change, and when it was set.
    pub notice: Option<(String, Instant)>,
    /// The last error from opening or saving a scene.
    pub error: Option<String>,
}

impl ControlsUi {
    fn note(&mut self, text: impl Into<String>) {
        self.notice = Some((text.into(), Instant::now()));
    }
}

/// Shows the left panel.
pub fn controls_panel(ui: &mut Ui, app: &mut App) {
    egui::Panel::left("controls")
        .resizable(true)
        .default_size(330.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                scene_section(ui, app);
                let before = app.scene.clone();
                problem_section(ui, app);
                optimizers_section(ui, app);
                noise_section(ui, app);
                playback_section(ui, app);
                view_section(ui, app);
                if app.scene != before {
                    apply_edit(app, &before);
                }
            });
        });
}

/// Sends an edited scene to the engine and says when it starts a new run.
fn apply_edit(app: &mut App, before: &Scene) {
    // The same checks as a scene file: an edit that would not load (Newton at d = 10⁵, say)
    // is refused, and the controls say why.
    if let Err(e) = app.scene.to_file().validate("this edit") {
        app.controls.error = Some(e.to_string());
        app.scene = before.clone();
        return;
    }
    app.controls.error = None;
    let s = &app.scene;
    let why = if s.problem != before.problem {
        Some("problem changed")
    } else if s.seed != before.seed {
        Some("seed changed")
    } else if s.start != before.start {
        Some("start moved")
    } else if s.racers().len() != before.racers().len()
        || s.racers()
            .iter()
            .zip(before.racers())
            .any(|((_, a), (_, b))| !b.differs_only_live(a))
    {
        Some("optimizers changed")
    } else {
        None
    };
    if let Some(why) = why {
        app.controls.note(format!("New run: {why}"));
    }
    let scene = app.scene.clone();
    app.send(Command::Configure(Box::new(scene)));
}

fn scene_section(ui: &mut Ui, app: &mut App) {
    ui.add_space(4.0);
    let title = if app.scene.title.is_empty() {
        "Optiscope"
    } else {
        &app.scene.title
    };
    ui.label(RichText::new(title).heading());
    if !app.scene.description.is_empty() {
        ui.label(RichText::new(&app.scene.description).weak());
    }
    ui.horizontal(|ui| {
        if ui
            .button("Open scene…")
            .on_hover_text("Open a scene file (.toml).")
            .clicked()
            && let Some(path) = rfd::FileDialog::new()
                .add_filter("scene", &["toml"])
                .pick_file()
        {
            match Scene::load(&path) {
                Ok(scene) => {
                    app.prefs.last_scene = Some(path);
                    app.controls.error = None;
                    app.load_scene(scene);
                    app.controls.note("New run: scene opened");
                }
                Err(e) => app.controls.error = Some(e.to_string()),
            }
        }
        if ui
            .button("Save scene…")
            .on_hover_text("Save the current settings as a scene file.")
            .clicked()
            && let Some(path) = rfd::FileDialog::new()
                .add_filter("scene", &["toml"])
                .set_file_name("scene.toml")
                .save_file()
        {
            match app.scene.save(&path) {
                Ok(()) => app.prefs.last_scene = Some(path),
                Err(e) => app.controls.error = Some(e.to_string()),
            }
        }
    });
    if let Some(e) = &app.controls.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    if let Some((text, at)) = &app.controls.notice
        && at.elapsed() < NOTICE
    {
        ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
        ui.ctx().request_repaint_after(NOTICE);
    }
    ui.separator();
}

fn problem_section(ui: &mut Ui, app: &mut App) {
    CollapsingHeader::new("Problem")
        .default_open(true)
        .show(ui, |ui| {
            let current = app.scene.problem.key();
            let mut chosen = None;
            egui::ComboBox::from_label("problem")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for p in Problem::defaults() {
                        if ui
                            .selectable_label(p.key() == current, p.key())
                            .on_hover_text(p.summary())
                            .clicked()
                        {
                            chosen = Some(p);
                        }
                    }
                })
                .response
                .on_hover_text(app.scene.problem.summary());
            if let Some(p) = chosen.filter(|p| p.key() != current) {
                app.scene.set_problem(p);
                app.landscape.fit = true;
            }
            ui.label(RichText::new(app.scene.problem.summary()).weak());
            let mut problem = app.scene.problem.clone();
            if params_ui(ui, problem.config_mut()) {
                app.scene.set_problem(problem);
                app.landscape.fit = true;
            }
        });
}

fn optimizers_section(ui: &mut Ui, app: &mut App) {
    CollapsingHeader::new("Optimizers").default_open(true).show(ui, |ui| {
        let mut remove = None;
        let mut duplicate = None;
        for (i, e) in app.scene.entries.iter_mut().enumerate() {
            ui.push_id(i, |ui| {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        egui::color_picker::color_edit_button_srgb(ui, &mut e.color)
                            .on_hover_text("The colour of this optimizer everywhere: path, marker, curves and status.");
                        ui.checkbox(&mut e.enabled, "").on_hover_text("Take part in the race.");
                        ui.add(egui::TextEdit::singleline(&mut e.label).desired_width(110.0))
                            .on_hover_text("The legend label.");
                        if ui.small_button("copy").on_hover_text("Duplicate this optimizer.").clicked() {
                            duplicate = Some(i);
                        }
                        if ui.small_button("✕").on_hover_text("Remove this optimizer.").clicked() {
                            remove = Some(i);
                        }
                    });
                    method_picker(ui, &mut e.method);
                    CollapsingHeader::new("parameters").id_salt(("params", i)).show(ui, |ui| {
                        params_ui(ui, e.method.config_mut());
                        ui.label(RichText::new(format!("Reference: {}", e.method.config().reference())).weak().small());
                    });
                });
            });
        }
        if let Some(i) = remove {
            app.scene.entries.remove(i);
        }
        if let Some(i) = duplicate {
            let e = app.scene.entries[i].clone();
            app.scene.add_optimizer(e.method, Some(&e.label));
        }
        if app.scene.entries.len() < 8
            && ui
                .button("+ Add optimizer")
                .on_hover_text("Add another racer (up to eight).")
                .clicked()
        {
            app.scene.add_optimizer(Method::Adam(Default::default()), None);
        }
    });
}

/// A combo box over every method, grouped by derivative order.
fn method_picker(ui: &mut Ui, method: &mut Method) {
    let current = method.key();
    let mut chosen = None;
    egui::ComboBox::from_label("method")
        .selected_text(format!("{current}  ·  {}", method.order().label()))
        .show_ui(ui, |ui| {
            for order in [Order::First, Order::Second, Order::Zeroth] {
                ui.label(RichText::new(order.label()).weak());
                for m in Method::defaults()
                    .into_iter()
                    .filter(|m| m.order() == order)
                {
                    if ui
                        .selectable_label(m.key() == current, m.key())
                        .on_hover_text(m.summary())
                        .clicked()
                    {
                        chosen = Some(m);
                    }
                }
            }
        })
        .response
        .on_hover_text(format!(
            "{}\n\nThe optimization method. Changing it starts a new run.",
            method.summary()
        ));
    if let Some(m) = chosen.filter(|m| m.key() != current) {
        *method = m;
    }
}

/// Widgets for every parameter; returns whether one changed. Invalid typed values are refused.
pub fn params_ui(ui: &mut Ui, p: &mut dyn Params) -> bool {
    let mut changed = false;
    for (meta, value) in p.params_mut() {
        let tip = format!("{} ({})", meta.doc, meta.valid);
        match value {
            ParamMut::F64(v) => {
                let old = *v;
                let (lo, hi) = meta.range;
                let r = ui.add(
                    Slider::new(v, lo..=hi)
                        .text(meta.key)
                        .logarithmic(meta.scale == Scale::Log)
                        .smallest_positive(lo.max(1e-12).min(hi * 1e-3))
                        .clamping(egui::SliderClamping::Never),
                );
                r.on_hover_text(tip);
                if !meta.valid.accepts(*v) {
                    *v = old;
                }
                changed |= *v != old;
            }
            ParamMut::Usize(v) => {
                let old = *v;
                let (lo, hi) = meta.range;
                ui.add(
                    Slider::new(v, lo as usize..=hi as usize)
                        .text(meta.key)
                        .clamping(egui::SliderClamping::Never),
                )
                .on_hover_text(tip);
                if !meta.valid.accepts(*v as f64) {
                    *v = old;
                }
                changed |= *v != old;
            }
            ParamMut::Bool(v) => {
                changed |= ui.checkbox(v, meta.key).on_hover_text(tip).changed();
            }
        }
    }
    changed
}

fn noise_section(ui: &mut Ui, app: &mut App) {
    CollapsingHeader::new("Noise").default_open(true).show(ui, |ui| {
        let std = &mut app.scene.noise.grad.std;
        let old = *std;
        ui.add(
            Slider::new(std, 0.0..=100.0)
                .logarithmic(true)
                .smallest_positive(1e-3)
                .text("gradient noise σ")
                .clamping(egui::SliderClamping::Never),
        )
        .on_hover_text(
            "Standard deviation of Gaussian noise added to every gradient the optimizers see. \
             Live: the running trajectories react without a reset. Zeroth-order methods never see gradients.",
        );
        if !(std.is_finite() && *std >= 0.0) {
            *std = old;
        }
        if *std != old {
            let noise = app.scene.noise.clone();
            app.send(Command::SetNoise(noise));
        }
    });
}

fn playback_section(ui: &mut Ui, app: &mut App) {
    CollapsingHeader::new("Playback").default_open(true).show(ui, |ui| {
        ui.horizontal(|ui| {
            let (text, tip, cmd) = if app.view.playing {
                ("‖ Pause", "Pause the race (Space).", Command::Pause)
            } else {
                ("▶ Play", "Run the race (Space).", Command::Play)
            };
            if ui.button(text).on_hover_text(tip).clicked() {
                app.send(cmd);
            }
            if ui.button("Step").on_hover_text("Take one step and pause (→).").clicked() {
                app.send(Command::Step(1));
            }
            if ui.button("Step ×10").on_hover_text("Take ten steps and pause.").clicked() {
                app.send(Command::Step(10));
            }
            if ui.button("Reset").on_hover_text("Start the race again from the start point (R).").clicked() {
                app.send(Command::Reset);
                app.controls.note("New run: reset");
            }
        });
        let pb = &mut app.scene.playback;
        let mut max = pb.speed.is_infinite();
        let mut speed = if max { 1e6 } else { pb.speed };
        ui.horizontal(|ui| {
            let slider = Slider::new(&mut speed, 1.0..=1e6)
                .logarithmic(true)
                .clamping(egui::SliderClamping::Never)
                .text("steps/s");
            ui.add_enabled(!max, slider)
                .on_hover_text("Playback speed, from 1 step per second upward.");
            ui.checkbox(&mut max, "max").on_hover_text("As fast as the engine goes.");
        });
        let new = if max { f64::INFINITY } else { speed };
        if new != pb.speed && new > 0.0 {
            pb.speed = new;
            app.send(Command::SetSpeed(new));
        }
        ui.add(egui::DragValue::new(&mut app.scene.seed).prefix("seed "))
            .on_hover_text("The seed of every random stream (noise, probes). Same scene + seed = same run, bit for bit.");
        let shown = app.scene.start.iter().take(4).map(|v| super::format::num(*v));
        let mut start = shown.collect::<Vec<_>>().join(", ");
        if app.scene.start.len() > 4 {
            start += &format!(", … ({} coordinates)", app.scene.start.len());
        }
        ui.label(format!("start ({start})")).on_hover_text("Click or drag on the landscape to move the start point.");
    });
}

fn view_section(ui: &mut Ui, app: &mut App) {
    CollapsingHeader::new("View")
        .default_open(false)
        .show(ui, |ui| {
            let v = &mut app.scene.view;
            egui::ComboBox::from_label("colormap")
                .selected_text(colormap::name(v.colormap))
                .show_ui(ui, |ui| {
                    for m in colormap::ALL {
                        ui.selectable_value(&mut v.colormap, m, colormap::name(m));
                    }
                });
            ui.checkbox(&mut v.log_scale, "log scale")
                .on_hover_text("Colour by log(f − min) (L).");
            let l = &mut app.landscape;
            ui.checkbox(&mut l.show_contours, "contours")
                .on_hover_text("Contour lines computed by the engine.");
            ui.checkbox(&mut l.show_gradient, "gradient arrows")
                .on_hover_text("−∇f at each current point (direction only).");
            ui.checkbox(&mut l.show_step, "step arrows")
                .on_hover_text("The direction of each optimizer's last step.");
            if ui
                .button("Fit view")
                .on_hover_text("Show the problem's default window (F).")
                .clicked()
            {
                l.fit = true;
            }
            ui.separator();
            ui.horizontal(|ui| {
                let p = &mut app.prefs;
                let before = p.theme;
                ui.selectable_value(&mut p.theme, egui::ThemePreference::System, "System");
                ui.selectable_value(&mut p.theme, egui::ThemePreference::Dark, "Dark");
                ui.selectable_value(&mut p.theme, egui::ThemePreference::Light, "Light");
                if p.theme != before {
                    ui.ctx().set_theme(p.theme);
                }
            });
            if ui
                .checkbox(&mut app.prefs.presenter, "presenter mode")
                .on_hover_text("Everything 1.6× larger, for projectors.")
                .changed()
            {
                ui.ctx()
                    .set_zoom_factor(if app.prefs.presenter { 1.6 } else { 1.0 });
            }
        });
}
