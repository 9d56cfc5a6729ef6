//! The user interface: one file per panel. Panels are views: each takes what it draws (the
//! [`View`], what the app has received from the engine), what it may change (the edited
//! [`Scene`](crate::scene::Scene) and its own state) and an [`Outbox`] for engine commands and
//! app actions (file dialogs, theme). They never call an objective or an optimizer, and they
//! never see the app itself.

pub mod colormap;
pub mod confusion;
pub mod controls;
pub mod cost;
pub mod curves;
pub mod diagram;
pub mod fonts;
pub mod format;
pub mod heatmap;
pub mod history;
pub mod landscape;
pub mod layers;
pub mod network;
pub mod neuron;
pub mod overlay;
pub mod params;
pub mod profiles;
pub mod side;
pub mod status;
pub mod thin;
pub mod view_settings;
pub mod views;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::{
    Command, DrawnOverlay, Event, Grid, Lens, PlaneId, QueryReply, RunInfo, Snapshot, StepRecord,
    StopReason,
};
use crate::problem::{ViewData, ViewKind};
use history::History;

/// What the UI knows about one racer.
#[derive(Clone, Debug, Default)]
pub struct RacerView {
    /// Its records, decimated for drawing.
    pub history: History,
    /// The record before the last, for the step arrow.
    pub previous: Option<StepRecord>,
    /// Why it stopped, if it did.
    pub stopped: Option<StopReason>,
    /// Its latest overlay.
    pub overlay: Option<Arc<DrawnOverlay>>,
}

/// Everything the UI has received from the engine.
#[derive(Default)]
pub struct View {
    /// The current run, once started.
    pub info: Option<Arc<RunInfo>>,
    /// One entry per racer of the current run.
    pub racers: Vec<RacerView>,
    /// Whether the engine is playing.
    pub playing: bool,
    /// The newest landscape grid for the current plane, whether it is the coarse preview, and
    /// the plane it was computed in.
    pub grid: Option<(Arc<Grid>, bool, PlaneId)>,
    /// The latest data of each problem view.
    pub views: HashMap<ViewKind, Arc<ViewData>>,
    /// The latest answer to a point query.
    pub query: Option<QueryReply>,
    /// The latest lens (curvature or Taylor models at a point), when one is shown.
    pub lens: Option<Arc<Lens>>,
    /// Snapshots received and not yet taken by the app.
    pub snapshots: Vec<(u64, Arc<Snapshot>)>,
    /// Whether the last change came from the run's own schedule (the app then shows its values).
    pub replayed: bool,
    /// Whether a new run started since the app last looked.
    pub started: bool,
    /// Events applied so far (for tests and diagnostics).
    pub events: u64,
    /// Landscape grids accepted so far: coarse previews and finished grids.
    pub grids_received: [u64; 2],
}

impl View {
    /// The id of the current run (0 before the first).
    pub fn run(&self) -> u64 {
        self.info.as_ref().map_or(0, |i| i.run)
    }

    /// The current plane.
    pub fn plane(&self) -> PlaneId {
        self.info
            .as_ref()
            .map_or_else(PlaneId::default, |i| i.plane)
    }

    /// Applies one engine event; events of older runs are dropped.
    pub fn apply(&mut self, event: Event) {
        self.events += 1;
        match event {
            Event::Started(info) => {
                if self.plane().epoch != info.plane.epoch {
                    // The landscape of another problem (or another plane) is stale.
                    self.grid = None;
                }
                self.racers = vec![RacerView::default(); info.labels.len()];
                self.views.clear();
                self.query = None;
                self.lens = None;
                self.started = true;
                self.info = Some(info);
            }
            Event::Retuned(info) => {
                if info.run == self.run() {
                    if self.plane().epoch != info.plane.epoch {
                        self.grid = None;
                    }
                    self.replayed |= info.replayed;
                    self.info = Some(info);
                }
            }
            Event::Steps { run, records } => {
                if run != self.run() {
                    return;
                }
                for r in records {
                    if let Some(v) = self.racers.get_mut(r.racer as usize) {
                        v.history.push(r);
                    }
                }
                for v in &mut self.racers {
                    let s = v.history.samples();
                    if s.len() >= 2 {
                        v.previous = Some(s[s.len() - 2]);
                    }
                }
            }
            Event::Stopped { run, racer, reason } => {
                if run == self.run()
                    && let Some(v) = self.racers.get_mut(racer as usize)
                {
                    v.stopped = Some(reason);
                }
            }
            Event::Playing(p) => self.playing = p,
            Event::Landscape {
                plane,
                coarse,
                grid,
                ..
            } => {
                let current = self.plane();
                let replaces_fine = coarse
                    && matches!(&self.grid, Some((g, false, p)) if g.spec.bounds == grid.spec.bounds && *p == plane);
                let older = self.grid.as_ref().is_some_and(|(_, _, p)| *p > plane);
                if plane.epoch == current.epoch && !replaces_fine && !older {
                    self.grids_received[usize::from(!coarse)] += 1;
                    self.grid = Some((grid, coarse, plane));
                }
            }
            Event::Overlays { run, overlays } => {
                if run == self.run() {
                    for (i, o) in overlays {
                        if let Some(v) = self.racers.get_mut(i as usize) {
                            v.overlay = Some(o);
                        }
                    }
                }
            }
            Event::Lens { run, lens } => {
                if run == self.run() {
                    self.lens = lens;
                }
            }
            Event::View { run, data } => {
                if run == self.run() {
                    self.views.insert(data.kind(), data);
                }
            }
            Event::Replaned {
                run,
                plane,
                paths,
                grad_xy,
            } => {
                if run == self.run() {
                    for ((v, path), g) in self.racers.iter_mut().zip(&paths).zip(&grad_xy) {
                        v.history.reproject(path, *g);
                        v.previous = None;
                        v.overlay = None;
                    }
                    if self.plane().epoch != plane.epoch {
                        self.grid = None;
                    }
                }
            }
            Event::Query(reply) => {
                if reply.run == self.run() {
                    self.query = Some(reply);
                }
            }
            Event::Snapshot { id, snapshot, .. } => self.snapshots.push((id, snapshot)),
        }
    }

    /// The largest step any racer has reached.
    pub fn max_step(&self) -> u64 {
        self.racers
            .iter()
            .filter_map(|r| r.history.last())
            .map(|r| r.step)
            .max()
            .unwrap_or(0)
    }
}

/// Something only the app can do: files, dialogs, the theme.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Ask for a scene file to open, with the system's dialog.
    OpenDialog,
    /// Ask where to save the scene, with the system's dialog.
    SaveDialog,
    /// Ask where to write the exact trajectories as CSV, with the system's dialog.
    ExportDialog,
    /// Open this scene file.
    Open(PathBuf),
    /// Ask for a CSV file of data for the network, with the system's dialog.
    DataDialog,
    /// Train the network on this CSV file (the current data stays if it cannot be read).
    Data(PathBuf),
    /// Save the run (its scene and edit log) to this file.
    Save(PathBuf),
    /// Write the exact trajectories to this CSV file.
    Export(PathBuf),
    /// Switch the theme.
    Theme(egui::ThemePreference),
    /// Switch presenter mode.
    Presenter(bool),
    /// Add a painted point to the network's data (`[x₁, x₂, class]`, or `[x, y, 0]` for a
    /// curve), or, with `None`, clear the painted points.
    Paint(Option<[f64; 3]>),
}

/// What panels ask for during a frame; the app carries it out at the end of the frame.
#[derive(Debug, Default)]
pub struct Outbox {
    /// Commands for the engine.
    pub commands: Vec<Command>,
    /// Actions for the app.
    pub actions: Vec<Action>,
}

impl Outbox {
    /// Queues an engine command.
    pub fn send(&mut self, c: Command) {
        self.commands.push(c);
    }

    /// Queues an app action.
    pub fn act(&mut self, a: Action) {
        self.actions.push(a);
    }
}

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

/// The zoom factor of presenter mode.
pub const PRESENTER_ZOOM: f32 = 1.6;
