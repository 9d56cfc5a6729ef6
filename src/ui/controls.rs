//! The controls panel: scene, problem, optimizers, noise, playback and view settings. It edits
//! the scene; the app sends the edited scene to the engine, which decides (through
//! `Scene::diff`) whether it is a live change or a new run.

use std::time::{Duration, Instant};

use egui::{CollapsingHeader, RichText, Slider, Ui};

use super::{Action, Outbox, Prefs, View};
use crate::engine::Command;
use crate::optim::{Method, Order};
use crate::problem::Problem;
use crate::scene::Scene;

/// How long a notice stays visible.
const NOTICE: Duration = Duration::from_secs(6);
/// The most optimizers added from the app (the palette's eight colours); scene files may race
/// more.
pub const UI_MAX_RACERS: usize = 8;
/// Lines reserved for notices and errors, so that nothing below them moves.
const MESSAGE_LINES: f32 = 2.0;

/// A notice or an error, shown in the reserved lines under the scene buttons.
#[derive(Clone, Debug)]
struct Message {
    text: String,
    error: bool,
    at: Instant,
}

/// State of the controls panel.
#[derive(Debug, Default)]
pub struct ControlsUi {
    message: Option<Message>,
    /// The typed scene path, for opening and saving without a dialog.
    pub path: String,
    /// A typed objective's formula as being edited, and why it was refused, if it was.
    pub formula: FormulaEdit,
    /// A network's hidden layers as being edited.
    pub hidden: super::network::HiddenEdit,
}

/// The formula field of a typed objective: the text being edited (applied with Enter or the
/// button, and only when it parses) and the last refusal, with its column.
#[derive(Clone, Debug, Default)]
pub struct FormulaEdit {
    /// The text in the field.
    pub text: String,
    /// The formula the text was last taken from, so that a new scene's formula replaces it.
    from: String,
    /// Why the last formula applied was refused.
    pub error: Option<String>,
}

impl ControlsUi {
    /// Shows a notice for a few seconds.
    pub fn note(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
            at: Instant::now(),
        });
    }

    /// Shows an error until the next successful action.
    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
            at: Instant::now(),
        });
    }

    /// Clears a shown error.
    pub fn clear_error(&mut self) {
        if self.message.as_ref().is_some_and(|m| m.error) {
            self.message = None;
        }
    }

    /// Says that no file dialog could be shown, and what to do instead.
    pub fn no_dialog(&mut self) {
        self.error(
            "No file dialog is available on this desktop (it needs xdg-desktop-portal or zenity). \
             Type a path below, drop a scene file onto the window, or start with \
             `optiscope SCENE.toml`.",
        );
    }

    /// The message shown now, if any.
    pub fn message(&self) -> Option<&str> {
        self.message
            .as_ref()
            .filter(|m| m.error || m.at.elapsed() < NOTICE)
            .map(|m| m.text.as_str())
    }
}

/// Shows the left panel.
pub fn show(
    ui: &mut Ui,
    view: &View,
    scene: &mut Scene,
    st: &mut ControlsUi,
    prefs: &Prefs,
    out: &mut Outbox,
) {
    // The landscape keeps the largest share: this panel takes at most a quarter of the window
    // (in presenter mode too, where everything is larger), and its widgets shrink to fit.
    let width = ui.ctx().content_rect().width();
    egui::Panel::left("controls")
        .resizable(true)
        .default_size((0.22 * width).clamp(200.0, 340.0))
        .size_range(180.0..=(0.25 * width).max(200.0))
        .show(ui, |ui| {
            ui.spacing_mut().slider_width = (0.35 * ui.available_width()).clamp(60.0, 120.0);
            egui::ScrollArea::vertical().show(ui, |ui| {
                scene_section(ui, scene, st, out);
                problem_section(ui, scene, st, out);
                optimizers_section(ui, scene);
                noise_section(ui, scene);
                playback_section(ui, view, scene, out);
                super::view_settings::view_section(ui, view, scene, prefs, out);
            });
        });
}

fn scene_section(ui: &mut Ui, scene: &Scene, st: &mut ControlsUi, out: &mut Outbox) {
    ui.add_space(4.0);
    let title = if scene.title.is_empty() {
        "Optiscope"
    } else {
        &scene.title
    };
    ui.label(RichText::new(title).heading());
    if !scene.description.is_empty() {
        ui.label(RichText::new(&scene.description).weak());
    }
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("Open scene…")
            .on_hover_text("Open a scene file (.toml) with the system's file dialog. You can also drop a file onto the window.")
            .clicked()
        {
            out.act(Action::OpenDialog);
        }
        if ui
            .button("Save scene…")
            .on_hover_text("Save the run as a scene file: its settings at the start and every live edit at its step, so that it replays exactly.")
            .clicked()
        {
            out.act(Action::SaveDialog);
        }
        if ui
            .button("Export CSV…")
            .on_hover_text("Write every optimizer's exact trajectory as a long CSV, the same columns as `optiscope run`.")
            .clicked()
        {
            out.act(Action::ExportDialog);
        }
    });
    // Right to left, so that the path field takes exactly the width the buttons leave.
    let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(
        row,
        egui::Layout::right_to_left(egui::Align::Center),
        |ui| {
            let path = std::path::PathBuf::from(st.path.trim());
            let has_path = !st.path.trim().is_empty();
            if ui
                .add_enabled(has_path, egui::Button::new("Save"))
                .on_hover_text("Save the run (settings and edit log) to this path.")
                .clicked()
            {
                out.act(Action::Save(path.clone()));
            }
            if ui
                .add_enabled(has_path, egui::Button::new("Open"))
                .on_hover_text("Open the scene at this path.")
                .clicked()
            {
                out.act(Action::Open(path));
            }
            let field = egui::TextEdit::singleline(&mut st.path)
                .hint_text("scene path")
                .desired_width(ui.available_width());
            ui.add(field)
                .on_hover_text("A scene file's path, to open or save without a dialog.");
        },
    );
    message_lines(ui, st);
    ui.separator();
}

/// The reserved lines for notices and errors: always the same height.
fn message_lines(ui: &mut Ui, st: &ControlsUi) {
    let row = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    let size = egui::vec2(ui.available_width(), row * MESSAGE_LINES);
    ui.allocate_ui_with_layout(size, egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.set_min_size(size);
        ui.set_max_size(size);
        if let Some(m) = &st.message
            && (m.error || m.at.elapsed() < NOTICE)
        {
            let color = if m.error {
                ui.visuals().error_fg_color
            } else {
                ui.visuals().warn_fg_color
            };
            let mut job = egui::text::LayoutJob::simple(
                m.text.clone(),
                egui::FontId::proportional(ui.text_style_height(&egui::TextStyle::Body) - 2.0),
                color,
                size.x,
            );
            job.wrap.max_rows = MESSAGE_LINES as usize;
            ui.label(job).on_hover_text(&m.text);
            if !m.error {
                ui.ctx().request_repaint_after(NOTICE);
            }
        }
    });
}

fn problem_section(ui: &mut Ui, scene: &mut Scene, st: &mut ControlsUi, out: &mut Outbox) {
    let formula = &mut st.formula;
    CollapsingHeader::new("Problem")
        .default_open(true)
        .show(ui, |ui| {
            let current = scene.problem.key();
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
                .on_hover_text(format!(
                    "{}\n\nThe objective. Changing it starts a new run.",
                    scene.problem.summary()
                ));
            if let Some(p) = chosen.filter(|p| p.key() != current) {
                scene.set_problem(p);
            }
            ui.label(RichText::new(scene.problem.summary()).weak());
            if let Problem::Expr(c) = &scene.problem
                && let Some(f) = formula_field(ui, &c.f, formula)
            {
                let mut p = c.clone();
                p.f = f;
                scene.set_problem(Problem::Expr(p));
            }
            if let Problem::Mlp(c) = &scene.problem
                && let Some(p) = super::network::data_fields(ui, c, &mut st.hidden, out)
            {
                scene.set_problem(Problem::Mlp(p));
            }
            let mut problem = scene.problem.clone();
            if super::params::params_ui(ui, problem.config_mut()) {
                scene.set_problem(problem);
            }
        });
}

/// The formula field: returns a new formula when one that parses is applied. A refused one
/// leaves the current problem loaded and says where it went wrong, under the field.
fn formula_field(ui: &mut Ui, current: &str, st: &mut FormulaEdit) -> Option<String> {
    if st.from != current {
        st.text = current.to_string();
        st.from = current.to_string();
        st.error = None;
    }
    let mut apply = false;
    ui.horizontal(|ui| {
        ui.label("f =");
        let r = ui.add(
            egui::TextEdit::singleline(&mut st.text)
                .font(egui::TextStyle::Monospace)
                .desired_width(ui.available_width() - 60.0)
                .hint_text("a formula in x and y"),
        );
        let r = r.on_hover_text(
            "A formula in x and y (or x1 … xn): + − * / ^, sin cos tan exp log sqrt abs tanh \
             sinh cosh min max, pi and e. Press Enter to apply; derivatives are exact.",
        );
        apply |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        apply |= ui.button("Apply").clicked();
    });
    // One line is kept for the message, so that nothing below moves when it comes or goes.
    let message = st.error.as_deref().unwrap_or(" ");
    ui.label(
        RichText::new(message)
            .color(ui.visuals().error_fg_color)
            .small(),
    );
    if !apply || st.text == current {
        return None;
    }
    match crate::problem::expr::Expr::parse(&st.text) {
        Ok(_) => {
            st.error = None;
            Some(st.text.clone())
        }
        Err(e) => {
            st.error = Some(format!("Not applied: {e}"));
            None
        }
    }
}

fn optimizers_section(ui: &mut Ui, scene: &mut Scene) {
    CollapsingHeader::new("Optimizers").default_open(true).show(ui, |ui| {
        let mut remove = None;
        let mut duplicate = None;
        for (i, e) in scene.entries.iter_mut().enumerate() {
            ui.push_id(i, |ui| {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.horizontal(|ui| {
                        egui::color_picker::color_edit_button_srgb(ui, &mut e.color)
                            .on_hover_text("The colour of this optimizer everywhere: path, marker, curves and status.");
                        ui.checkbox(&mut e.enabled, "").on_hover_text("Take part in the race (changing it starts a new run).");
                        // Right to left: the buttons keep their size and the label takes the rest.
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            if ui.small_button("✕").on_hover_text("Remove this optimizer.").clicked() {
                                remove = Some(i);
                            }
                            if ui.small_button("copy").on_hover_text("Duplicate this optimizer.").clicked() {
                                duplicate = Some(i);
                            }
                            let w = ui.available_width().max(40.0);
                            ui.add(egui::TextEdit::singleline(&mut e.label).desired_width(w).char_limit(crate::scene::MAX_LABEL))
                                .on_hover_text("The legend label.");
                        });
                    });
                    method_picker(ui, &mut e.method);
                    CollapsingHeader::new("parameters").id_salt(("params", i)).show(ui, |ui| {
                        super::params::params_ui(ui, e.method.config_mut());
                        ui.label(RichText::new(format!("Reference: {}", e.method.config().reference())).weak().small());
                    });
                });
            });
        }
        if let Some(i) = remove {
            scene.entries.remove(i);
            if scene.view.slice.follow.is_some_and(|k| k >= i) {
                scene.view.slice.follow = None;
            }
        }
        if let Some(i) = duplicate
            && scene.entries.len() < UI_MAX_RACERS
        {
            let e = scene.entries[i].clone();
            scene.add_optimizer(e.method, Some(&e.label));
        }
        if ui
            .add_enabled(scene.entries.len() < UI_MAX_RACERS, egui::Button::new("+ Add optimizer"))
            .on_hover_text("Add another racer (up to eight from here; a scene file may race 32).")
            .clicked()
        {
            scene.add_optimizer(Method::Adam(Default::default()), None);
        }
    });
}

/// A combo box over every method, grouped by derivative order.
fn method_picker(ui: &mut Ui, method: &mut Method) {
    let current = method.key();
    let mut chosen = None;
    egui::ComboBox::from_label("method")
        .selected_text(format!("{current}  ·  {}", method.order().label()))
        .height(f32::INFINITY)
        .show_ui(ui, |ui| {
            // One column per order, side by side, so that the whole ladder fits on screen.
            ui.horizontal_top(|ui| {
                for order in [Order::Zeroth, Order::First, Order::Second, Order::Third] {
                    ui.vertical(|ui| {
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
                    });
                }
            });
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

fn noise_section(ui: &mut Ui, scene: &mut Scene) {
    CollapsingHeader::new("Noise")
        .default_open(true)
        .show(ui, |ui| {
            // One dial per channel (its decay appears once the channel is on); the header's
            // tooltip names every channel.
            for (key, _, channel) in scene.noise.channels_mut() {
                ui.push_id(key, |ui| super::params::params_ui(ui, channel));
            }
        })
        .header_response
        .on_hover_text(noise_help());
}

/// The noise section's tooltip: what each channel does.
fn noise_help() -> String {
    let mut text = String::from(
        "Every level is live: the running race reacts without a reset. The loss curves show the clean objective; \"f as seen\" plots what a method saw.\n",
    );
    for c in crate::noise::NoiseChannel::defaults() {
        text.push_str(&format!("\n`{}`: {}", c.key(), c.summary()));
    }
    text
}

fn playback_section(ui: &mut Ui, view: &View, scene: &mut Scene, out: &mut Outbox) {
    CollapsingHeader::new("Playback").default_open(true).show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            let (text, tip, cmd) = if view.playing {
                ("‖ Pause", "Pause the race (Space).", Command::Pause)
            } else {
                ("▶ Play", "Run the race (Space).", Command::Play)
            };
            if ui.button(text).on_hover_text(tip).clicked() {
                out.send(cmd);
            }
            if ui.button("Step").on_hover_text("Take one step and pause (→).").clicked() {
                out.send(Command::Step(1));
            }
            if ui.button("Step ×10").on_hover_text("Take ten steps and pause.").clicked() {
                out.send(Command::Step(10));
            }
            if ui.button("Reset").on_hover_text("Start a fresh race from the start point with the current settings (R).").clicked() {
                out.send(Command::Reset);
            }
            if ui.button("Replay").on_hover_text("Run the race again exactly as recorded: its settings at the start and every live edit at the step it was made.").clicked() {
                out.send(Command::Replay);
            }
        });
        let pb = &mut scene.playback;
        let mut max = pb.speed.is_infinite();
        let mut speed = if max { 1e6 } else { pb.speed };
        ui.horizontal(|ui| {
            let slider = Slider::new(&mut speed, 1.0..=1e6)
                .logarithmic(true)
                .clamping(egui::SliderClamping::Never)
                .text("steps/s");
            ui.add_enabled(!max, slider)
                .on_hover_text("Playback speed, from 1 step per second upward. Live.");
            ui.checkbox(&mut max, "max").on_hover_text("As fast as the engine goes.");
        });
        let new = if max { f64::INFINITY } else { speed };
        if new != pb.speed && new > 0.0 {
            pb.speed = new;
        }
        ui.add(egui::DragValue::new(&mut scene.seed).prefix("seed "))
            .on_hover_text("The seed of every random stream (noise, probes). Same scene + seed = same run, bit for bit. Changing it starts a new run.");
        let shown = scene.start.iter().take(4).map(|v| super::format::num(*v));
        let mut start = shown.collect::<Vec<_>>().join(", ");
        if scene.start.len() > 4 {
            start += &format!(", … ({} coordinates)", scene.start.len());
        }
        ui.label(format!("start ({start})")).on_hover_text("Click or drag on the landscape to move the start point.");
        if let Some(info) = &view.info {
            let (done, scheduled) = info.edits;
            let mut text = format!("edit log: {done} live edits");
            if scheduled > 0 {
                text += &format!(", {scheduled} still to replay");
            }
            if info.log_full {
                text += " (full: saving will not replay exactly)";
            }
            ui.label(RichText::new(text).weak()).on_hover_text(
                "Every live change (a dial, a parameter, the speed) is recorded with the step at which it took effect; saving the scene writes it, so the run replays exactly.",
            );
        }
    });
}
