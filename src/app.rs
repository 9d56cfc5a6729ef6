//! The desktop app: owns the engine handle, the received [`View`] and the edited scene; wiring
//! only. Panels live in `ui/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::UsageError;
use crate::engine::{Command, EngineHandle};
use crate::scene::Scene;
use crate::ui::{View, controls, curves, landscape, status};

/// Time the app may spend draining engine events per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(3);
const PREFS_KEY: &str = "optiscope.prefs";

/// UI preferences that persist between sessions (experiments live in scene files).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Dark, light, or follow the system.
    pub theme: egui::ThemePreference,
    /// The last scene file opened or saved.
    pub last_scene: Option<PathBuf>,
    /// Presenter mode: everything 1.6× larger.
    pub presenter: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            theme: egui::ThemePreference::System,
            last_scene: None,
            presenter: false,
        }
    }
}

/// Frame timing, for the status bar.
#[derive(Debug)]
pub struct FrameStats {
    last: Instant,
    /// Smoothed frames per second.
    pub fps: f32,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self {
            last: Instant::now(),
            fps: 0.0,
        }
    }
}

impl FrameStats {
    fn tick(&mut self) {
        let dt = self.last.elapsed().as_secs_f32().max(1e-4);
        self.last = Instant::now();
        self.fps = if self.fps == 0.0 {
            1.0 / dt
        } else {
            0.9 * self.fps + 0.1 / dt
        };
    }
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
    /// Curves panel state.
    pub curves: curves::CurvesUi,
    /// Controls panel state.
    pub controls: controls::ControlsUi,
    /// Frame timing.
    pub frames: FrameStats,
    /// When the process started, and how long until the first frame was drawn.
    pub startup: (Instant, Option<Duration>),
    outbox: Vec<Command>,
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
            cc.egui_ctx.set_zoom_factor(1.6);
        }
        let ctx = cc.egui_ctx.clone();
        let engine = EngineHandle::spawn(scene.clone(), move || ctx.request_repaint())
            .expect("the engine thread starts");
        Self {
            engine,
            view: View::default(),
            landscape: landscape::LandscapeUi::default(),
            scene,
            prefs,
            curves: Default::default(),
            controls: Default::default(),
            frames: Default::default(),
            startup: (Instant::now(), None),
            outbox: Vec::new(),
        }
    }

    /// Queues a command for the engine; sent at the end of the frame.
    pub fn send(&mut self, c: Command) {
        self.outbox.push(c);
    }

    /// Loads a scene into the app and the engine.
    pub fn load_scene(&mut self, scene: Scene) {
        self.landscape = landscape::LandscapeUi::default();
        self.scene = scene.clone();
        self.send(Command::Load(Box::new(scene)));
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
            self.send(c);
        }
        if pressed(Key::ArrowRight) {
            self.send(Command::Step(1));
        }
        if pressed(Key::R) {
            self.send(Command::Reset);
        }
        if pressed(Key::L) {
            self.scene.view.log_scale = !self.scene.view.log_scale;
        }
        if pressed(Key::F) {
            self.landscape.fit = true;
        }
    }
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
        status::status_bar(ui, self);
        controls::controls_panel(ui, self);
        curves::curves_panel(ui, self);
        landscape::landscape_panel(ui, self);
        for c in self.outbox.drain(..) {
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
            .with_min_inner_size([900.0, 600.0]),
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
