//! The desktop app: owns the engine handle, the received [`View`], the edited scene and the
//! panels' states; wiring only. Panels live in `ui/` and reach the engine and the app through
//! an [`Outbox`] that is emptied here at the end of each frame.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::cli::UsageError;
use crate::engine::{Command, EngineHandle, Snapshot};
use crate::scene::{Change, Scene};
use crate::ui::status::FrameStats;
use crate::ui::{Action, Outbox, PRESENTER_ZOOM, Prefs, View, controls, landscape, side, status};

/// Time the app may spend draining engine events per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(3);
/// A file dialog that answers faster than this was never shown (no portal, no zenity).
const NO_DIALOG: Duration = Duration::from_millis(150);
const PREFS_KEY: &str = "optiscope.prefs";

/// What a file dialog was opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DialogFor {
    Data,
    Open,
    Save,
    Export,
}

/// A file dialog running on its own thread, so that the frame never waits for it.
struct Dialog {
    purpose: DialogFor,
    opened: Instant,
    answer: Receiver<Option<PathBuf>>,
}

/// What a finished file dialog means.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    /// A file was chosen.
    Chosen(PathBuf),
    /// The person cancelled.
    Cancelled,
    /// No dialog was shown: it answered before anyone could have (no portal, no zenity).
    Unavailable,
}

impl Outcome {
    fn of(answer: Option<PathBuf>, elapsed: Duration) -> Self {
        match answer {
            Some(p) => Outcome::Chosen(p),
            None if elapsed < NO_DIALOG => Outcome::Unavailable,
            None => Outcome::Cancelled,
        }
    }
}

/// A file to write once the engine's snapshot arrives.
#[derive(Clone, Debug)]
enum Pending {
    Save(PathBuf),
    Export(PathBuf),
}

/// The Optiscope app.
pub struct App {
    engine: EngineHandle,
    /// What the engine has reported.
    pub view: View,
    /// The scene as the controls show it; edits are sent to the engine.
    pub scene: Scene,
    /// Persistent preferences.
    pub prefs: Prefs,
    /// Landscape panel state.
    pub landscape: landscape::LandscapeUi,
    /// The right-hand panel's state: its tabs and the curves.
    pub side: side::SideUi,
    /// Controls panel state.
    pub controls: controls::ControlsUi,
    /// Frame timing.
    pub frames: FrameStats,
    /// When the process started, and how long until the first frame was drawn.
    pub startup: (Instant, Option<Duration>),
    outbox: Outbox,
    dialog: Option<Dialog>,
    pending: HashMap<u64, Pending>,
    next_id: u64,
}

impl App {
    /// Builds the app on `scene` and starts the engine, which wakes the UI when it has news.
    pub fn new(cc: &eframe::CreationContext<'_>, scene: Scene, path: Option<PathBuf>) -> Self {
        let mut prefs: Prefs = cc
            .storage
            .and_then(|s| eframe::get_value(s, PREFS_KEY))
            .unwrap_or_default();
        if path.is_some() {
            prefs.last_scene = path;
        }
        crate::ui::fonts::install(&cc.egui_ctx);
        cc.egui_ctx.set_theme(prefs.theme);
        if prefs.presenter {
            cc.egui_ctx.set_zoom_factor(PRESENTER_ZOOM);
        }
        let ctx = cc.egui_ctx.clone();
        let engine = EngineHandle::spawn(scene.clone(), move || ctx.request_repaint())
            .expect("the engine thread starts");
        let mut side = crate::ui::side::SideUi::default();
        side.curves.x_axis = scene.view.curves_x.into();
        let mut controls = controls::ControlsUi::default();
        if let Some(p) = &prefs.last_scene {
            controls.path = p.display().to_string();
        }
        Self {
            engine,
            view: View::default(),
            landscape: landscape::LandscapeUi::default(),
            scene: Scene {
                edits: Vec::new(),
                ..scene
            },
            prefs,
            side,
            controls,
            frames: Default::default(),
            startup: (Instant::now(), None),
            outbox: Outbox::default(),
            dialog: None,
            pending: HashMap::new(),
            next_id: 1,
        }
    }

    /// Queues a command for the engine; sent at the end of the frame.
    pub fn send(&mut self, c: Command) {
        self.outbox.send(c);
    }

    /// Queues an app action (as a panel would); carried out at the end of the frame.
    pub fn request(&mut self, a: Action) {
        self.outbox.act(a);
    }

    /// Loads a scene into the app and the engine (a new run that replays the scene's edits).
    pub fn load_scene(&mut self, scene: Scene) {
        self.landscape = landscape::LandscapeUi::default();
        self.side.curves.x_axis = scene.view.curves_x.into();
        self.scene = Scene {
            edits: Vec::new(),
            ..scene.clone()
        };
        self.outbox.send(Command::Load(Box::new(scene)));
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        use egui::Key;
        let pressed = |k| ctx.input(|i| i.key_pressed(k));
        if pressed(Key::Space) {
            let c = if self.view.playing {
                Command::Pause
            } else {
                Command::Play
            };
            self.outbox.send(c);
        }
        if pressed(Key::ArrowRight) {
            self.outbox.send(Command::Step(1));
        }
        if pressed(Key::R) {
            self.outbox.send(Command::Reset);
        }
        if pressed(Key::L) {
            self.scene.view.log_scale = !self.scene.view.log_scale;
        }
        if pressed(Key::F) {
            self.landscape.fit = true;
        }
    }

    /// Sends an edited scene to the engine, after the checks a scene file gets, and says when
    /// it starts a new run.
    fn apply_edit(&mut self, before: Scene) {
        if let Err(e) = self.scene.to_file().validate("this edit") {
            self.controls.error(e.to_string());
            self.scene = before;
            return;
        }
        self.controls.clear_error();
        if let Change::NewRun(why) = self.scene.diff(&before) {
            self.controls.note(format!("New run: {why}"));
        }
        self.outbox
            .send(Command::Configure(Box::new(self.scene.clone())));
    }

    /// Carries out what the panels asked for.
    fn act(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::OpenDialog => self.dialog(DialogFor::Open),
            Action::DataDialog => self.dialog(DialogFor::Data),
            Action::Data(path) => {
                // The network keeps its layout and dials (a new one if the problem is not a
                // network); a file that cannot be read is refused with its line, and the data
                // loaded before stays.
                let before = self.scene.clone();
                let mut config = match &self.scene.problem {
                    crate::problem::Problem::Mlp(c) => c.clone(),
                    _ => crate::problem::mlp::MlpConfig::default(),
                };
                config.data =
                    crate::problem::mlp::DataSource::File(crate::problem::mlp::DataFile::new(path));
                if let Err(e) = config.model() {
                    self.controls.error(format!("Data not loaded: {e}"));
                    return;
                }
                self.scene.set_problem(crate::problem::Problem::Mlp(config));
                self.apply_edit(before);
            }
            Action::Paint(point) => {
                // Painting edits the data, which starts a new run from the same seed: the scene
                // keeps the points, so the run replays.
                let crate::problem::Problem::Mlp(c) = &self.scene.problem else {
                    return;
                };
                let before = self.scene.clone();
                let mut config = c.clone();
                match point {
                    Some(p) => config.points.push(p),
                    None => config.points.clear(),
                }
                if let Err(e) = config.model() {
                    self.controls.error(format!("Point not added: {e}"));
                    return;
                }
                self.scene.set_problem(crate::problem::Problem::Mlp(config));
                self.apply_edit(before);
            }
            Action::SaveDialog => self.dialog(DialogFor::Save),
            Action::ExportDialog => self.dialog(DialogFor::Export),
            Action::Open(path) => match Scene::load(&path) {
                Ok(scene) => {
                    self.controls.path = path.display().to_string();
                    self.prefs.last_scene = Some(path);
                    self.controls.clear_error();
                    self.load_scene(scene);
                    self.controls.note("New run: scene opened");
                }
                Err(e) => self.controls.error(e.to_string()),
            },
            Action::Save(path) => self.snapshot(Pending::Save(path)),
            Action::Export(path) => self.snapshot(Pending::Export(path)),
            Action::Theme(t) => {
                self.prefs.theme = t;
                ctx.set_theme(t);
            }
            Action::Presenter(on) => {
                self.prefs.presenter = on;
                ctx.set_zoom_factor(if on { PRESENTER_ZOOM } else { 1.0 });
            }
        }
    }

    /// Asks the engine for the run's snapshot; the file is written when it arrives.
    fn snapshot(&mut self, then: Pending) {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, then);
        self.outbox.send(Command::Snapshot { id });
    }

    /// Writes the file a snapshot was asked for.
    fn write(&mut self, id: u64, snapshot: &Snapshot) {
        let Some(what) = self.pending.remove(&id) else {
            return;
        };
        let result = match &what {
            Pending::Save(path) => snapshot
                .replay
                .save(path)
                .map(|()| {
                    format!(
                        "Saved {} ({} edits)",
                        path.display(),
                        snapshot.replay.edits.len()
                    )
                })
                .map_err(|e| e.to_string()),
            Pending::Export(path) => write_csv(path, snapshot)
                .map(|rows| format!("Exported {rows} rows to {}", path.display()))
                .map_err(|e| format!("{}: {e}", path.display())),
        };
        match result {
            Ok(text) => {
                if let Pending::Save(path) = what {
                    self.controls.path = path.display().to_string();
                    self.prefs.last_scene = Some(path);
                }
                self.controls.note(text);
            }
            Err(e) => self.controls.error(e),
        }
    }

    /// Opens a file dialog on its own thread.
    fn dialog(&mut self, purpose: DialogFor) {
        if self.dialog.is_some() {
            return;
        }
        let (tx, answer) = mpsc::channel();
        let start = self
            .prefs
            .last_scene
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf);
        let spawned = std::thread::Builder::new()
            .name("optiscope-file-dialog".into())
            .spawn(move || {
                let mut d = rfd::FileDialog::new();
                if let Some(dir) = start {
                    d = d.set_directory(dir);
                }
                let path = match purpose {
                    DialogFor::Open => d.add_filter("scene", &["toml"]).pick_file(),
                    DialogFor::Data => d.add_filter("CSV data", &["csv"]).pick_file(),
                    DialogFor::Save => d
                        .add_filter("scene", &["toml"])
                        .set_file_name("scene.toml")
                        .save_file(),
                    DialogFor::Export => d
                        .add_filter("CSV", &["csv"])
                        .set_file_name("trajectories.csv")
                        .save_file(),
                };
                let _ = tx.send(path);
            });
        match spawned {
            Ok(_) => {
                self.dialog = Some(Dialog {
                    purpose,
                    opened: Instant::now(),
                    answer,
                })
            }
            Err(e) => self
                .controls
                .error(format!("could not open a file dialog: {e}")),
        }
    }

    /// Takes a finished dialog's answer.
    fn poll_dialog(&mut self, ctx: &egui::Context) {
        let Some(d) = &self.dialog else {
            return;
        };
        let Ok(answer) = d.answer.try_recv() else {
            ctx.request_repaint_after(Duration::from_millis(100));
            return;
        };
        let (purpose, outcome) = (d.purpose, Outcome::of(answer, d.opened.elapsed()));
        self.dialog = None;
        match (outcome, purpose) {
            (Outcome::Chosen(p), DialogFor::Open) => self.act(ctx, Action::Open(p)),
            (Outcome::Chosen(p), DialogFor::Data) => self.act(ctx, Action::Data(p)),
            (Outcome::Chosen(p), DialogFor::Save) => self.act(ctx, Action::Save(p)),
            (Outcome::Chosen(p), DialogFor::Export) => self.act(ctx, Action::Export(p)),
            (Outcome::Unavailable, _) => self.controls.no_dialog(),
            (Outcome::Cancelled, _) => {}
        }
    }

    /// Opens scene files dropped onto the window.
    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            // A CSV file is data for the network; anything else is opened as a scene.
            let csv = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            self.act(
                ctx,
                if csv {
                    Action::Data(path)
                } else {
                    Action::Open(path)
                },
            );
        }
    }
}

/// Writes a snapshot's exact trajectories as the CLI's long CSV; returns the number of rows.
fn write_csv(path: &Path, snapshot: &Snapshot) -> std::io::Result<usize> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let rows = crate::csv::write_tapes(&mut out, snapshot)?;
    out.flush()?;
    Ok(rows)
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let t0 = Instant::now();
        while let Some(event) = self.engine.try_recv() {
            self.view.apply(event);
            if t0.elapsed() > DRAIN_BUDGET {
                // More is waiting; come back next frame rather than stall this one.
                ctx.request_repaint();
                break;
            }
        }
        if let Some(info) = &self.view.info {
            if std::mem::take(&mut self.view.replayed) {
                self.scene.adopt_live(&info.scene);
            }
            // The engine owns the start (a click on the plane is lifted into parameter space
            // there); a new run of the same problem tells the controls where it starts.
            if std::mem::take(&mut self.view.started) && info.scene.problem == self.scene.problem {
                self.scene.start = info.scene.start.clone();
            }
        }
        for (id, snapshot) in std::mem::take(&mut self.view.snapshots) {
            self.write(id, &snapshot);
        }
        self.poll_dialog(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frames.tick();
        if self.startup.1.is_none() {
            let t = self.startup.0.elapsed();
            self.startup.1 = Some(t);
            if std::env::var_os("OPTISCOPE_TIMING").is_some() {
                eprintln!("first frame {:.1} ms after launch", t.as_secs_f64() * 1e3);
            }
        }
        let ctx = ui.ctx().clone();
        self.shortcuts(&ctx);
        self.dropped_files(&ctx);
        let before = self.scene.clone();
        let out = &mut self.outbox;
        status::show(ui, &self.view, &self.frames);
        controls::show(
            ui,
            &self.view,
            &mut self.scene,
            &mut self.controls,
            &self.prefs,
            out,
        );
        side::show(ui, &self.view, &mut self.side, out);
        // The curves' axis is a view setting of the scene (saved with it).
        self.scene.view.curves_x = self.side.curves.x_axis.into();
        landscape::show(ui, &self.view, &mut self.scene, &mut self.landscape, out);
        if self.scene != before {
            self.apply_edit(before);
        }
        for a in std::mem::take(&mut self.outbox.actions) {
            self.act(&ctx, a);
        }
        for c in self.outbox.commands.drain(..) {
            self.engine.send(c);
        }
        if self.view.playing {
            // Keep the frame clock alive for the fps readout even between engine batches.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
    }
}

/// Opens the app on the scene at `path`, or on the built-in default scene. `started` is when the
/// process started; with `OPTISCOPE_TIMING` set, the time to the first frame goes to stderr.
pub fn launch(path: Option<&Path>, started: Instant) -> anyhow::Result<()> {
    let scene = match path {
        Some(p) => Scene::load(p).map_err(|e| UsageError(e.to_string()))?,
        None => Scene::default_scene(),
    };
    let title = if scene.title.is_empty() {
        "Optiscope".to_owned()
    } else {
        format!("Optiscope — {}", scene.title)
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(title)
            .with_app_id("optiscope")
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let path = path.map(Path::to_path_buf);
    eframe::run_native(
        "Optiscope",
        options,
        Box::new(move |cc| {
            let mut app = App::new(cc, scene, path);
            app.startup.0 = started;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dialog_that_answers_at_once_was_never_shown() {
        let p = PathBuf::from("a.toml");
        assert_eq!(
            Outcome::of(Some(p.clone()), Duration::ZERO),
            Outcome::Chosen(p)
        );
        assert_eq!(
            Outcome::of(None, Duration::from_millis(3)),
            Outcome::Unavailable
        );
        assert_eq!(
            Outcome::of(None, Duration::from_secs(4)),
            Outcome::Cancelled
        );
        // What the controls then say names the other ways in.
        let mut c = controls::ControlsUi::default();
        c.no_dialog();
        let m = c.message().unwrap_or_default();
        assert!(
            m.contains("Type a path") && m.contains("drop") && m.contains("optiscope SCENE.toml"),
            "{m}"
        );
    }
}
