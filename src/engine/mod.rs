//! The engine: one named background thread that owns the runs. Commands go in; batched events,
//! each tagged with its run id, come out on a bounded channel; after each send the engine calls
//! the waker (the app's `request_repaint`). A second named thread computes landscape grids, one
//! at a time, so that stepping never waits for a grid. It never imports egui.

pub mod directions;
mod grids;
pub mod inspector;
mod landscape;
mod lens;
mod overlay;
mod projection;
mod record;
mod run;
mod smoothing;
pub mod sweep;
mod tape;
mod views;
mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

pub use landscape::{Contour, Grid, GridSpec, compute as compute_grid};
pub use lens::{LENS_CUBIC_WEIGHT, Lens, LensAt, LensKind};
pub use overlay::{Drawn, DrawnItem, DrawnOverlay};
pub use projection::Projection;
pub use run::{Racer, Run, StopReason};
pub use tape::{TAPE_BUDGET, Tape, TapeRow};

use crate::optim::{Counts, Diagnostic, MAX_DIAGNOSTICS};
use crate::problem::{ViewData, ViewKind};
use crate::scene::Scene;

/// Capacity of the event channel, in events (each event is a batch).
pub const EVENT_CAPACITY: usize = 64;

/// What the app asks of the engine.
#[derive(Clone, Debug)]
pub enum Command {
    /// Load a scene: always a new run, which applies the scene's edits at their steps.
    Load(Box<Scene>),
    /// Apply an edited scene: [`Scene::diff`] decides whether it is a live change (noise, live
    /// hyperparameters, speed, labels, the slice) or a new run (problem, methods, start, seed).
    Configure(Box<Scene>),
    /// Start stepping at the set speed.
    Play,
    /// Stop stepping.
    Pause,
    /// Take exactly this many steps, then pause.
    Step(u32),
    /// Start a fresh run from the start point with the current settings (a new run id).
    Reset,
    /// Run again exactly as recorded: the run's start values, its seed and every edit at its
    /// step (a new run id).
    Replay,
    /// Move the common start point to the point of the drawn plane at these coordinates (a new
    /// run id).
    SetStartAt([f64; 2]),
    /// Compute a landscape for this window of the plane: a coarse preview first, then this
    /// resolution. A newer request replaces an older one that has not finished.
    Landscape {
        /// The request's id, echoed in the reply.
        id: u64,
        /// The window and resolution.
        spec: GridSpec,
    },
    /// f and ∇f at a point of the plane, and the off-plane distance of a recorded point.
    Query {
        /// The query's id, echoed in the reply.
        id: u64,
        /// The point, in plane coordinates.
        xy: [f64; 2],
        /// A racer's recorded step whose distance from the plane is wanted.
        nearest: Option<(u32, u64)>,
    },
    /// The problem views the app shows; the engine computes these (at most 10 times a second).
    Views(Vec<ViewKind>),
    /// Show a lens (curvature, or the Taylor models) at a racer's iterate, following it, or at a
    /// point of the plane; `None` hides it.
    Lens(Option<(LensKind, LensAt)>),
    /// The run as it can be saved (its scene with the edit log) and its exact trajectories.
    Snapshot {
        /// The request's id, echoed in the reply.
        id: u64,
    },
}

/// One racer's state after one step (or at the start, step 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepRecord {
    /// The racer's index in the run.
    pub racer: u32,
    /// Its step; 0 is the start point.
    pub step: u64,
    /// The iterate, projected onto the drawn plane.
    pub xy: [f64; 2],
    /// The plane's part of the clean gradient there.
    pub grad_xy: [f64; 2],
    /// The clean objective value.
    pub loss: f64,
    /// The clean gradient norm.
    pub grad_norm: f64,
    /// A data problem's training accuracy, test loss and test accuracy (NaN otherwise). Loss,
    /// gradient norm and these are NaN at the steps a network did not measure.
    pub metrics: [f64; 3],
    /// A network's top Hessian eigenvalue λ_max and η·λ_max/2 (NaN at the steps not measured).
    pub sharpness: [f64; 2],
    /// The mean function value the method saw in the step, noise included (NaN if it saw none).
    pub seen: f64,
    /// Distance from the iterate to the nearest known minimum (NaN when none is known).
    pub dist_min: f64,
    /// ‖x_k − x_{k−1}‖ (NaN at the start).
    pub step_length: f64,
    /// Cumulative oracle counts.
    pub counts: Counts,
    /// Seconds since the run started (computing time, pauses excluded).
    pub wall: f64,
    /// The method's diagnostics, in the order its method declares them (NaN beyond).
    pub diagnostics: [f64; MAX_DIAGNOSTICS],
    /// The plane's part of the method's last gradient estimate ĝ, taken at the previous
    /// iterate (NaN for methods that estimate no gradient).
    pub estimate_xy: [f64; 2],
    /// The estimator inspector: cos(ĝ, ∇f), its running mean, E‖ĝ − ∇f‖² and the
    /// signal-to-noise ratio ‖∇f‖²/E‖ĝ − ∇f‖² (NaN for other methods).
    pub estimator: [f64; 4],
}

/// Identifies the drawn plane: `epoch` changes with the problem or the plane's directions
/// (earlier grids and drawn points are then stale); `version` changes when the plane moves
/// parallel to itself (earlier grids are outdated but drawn points stay where they are).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlaneId {
    /// The directions' epoch.
    pub epoch: u64,
    /// The origin's version within the epoch.
    pub version: u64,
}

/// What a run looks like, sent when it starts and after each live change.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    /// The run id.
    pub run: u64,
    /// The scene with the values the run uses now (its edits applied).
    pub scene: Scene,
    /// The labels of the racers, in index order.
    pub labels: Vec<String>,
    /// The colours of the racers, in index order.
    pub colors: Vec<[u8; 3]>,
    /// The diagnostics each racer's method reports.
    pub diagnostics: Vec<&'static [Diagnostic]>,
    /// Whether each racer's method estimates gradients from values (the estimator inspector
    /// follows those).
    pub estimating: Vec<bool>,
    /// For a network: what each racer's method keeps in memory to train it (the cost model),
    /// at the run's mini-batch size.
    pub memory: Vec<Option<crate::optim::memory::Memory>>,
    /// Known minima, projected onto the plane.
    pub minima: Vec<[f64; 2]>,
    /// Whether the minima were found numerically (a typed formula), not known exactly.
    pub minima_numerical: bool,
    /// The problem's dimension.
    pub dim: usize,
    /// The plane the landscape and the records are drawn in.
    pub plane: PlaneId,
    /// The plane's axis labels.
    pub axis_names: [String; 2],
    /// What the plane is, in words (for d > 2: "slice through the start", …).
    pub plane_label: String,
    /// The views the problem offers.
    pub views: &'static [ViewKind],
    /// Edits applied in this run so far, and edits still scheduled.
    pub edits: (usize, usize),
    /// Whether the edit log filled up (the saved scene then does not replay exactly).
    pub log_full: bool,
    /// Whether this change came from the run's own scheduled edits (a replay), so that the
    /// controls should show its values.
    pub replayed: bool,
}

/// The answer to [`Command::Query`].
#[derive(Clone, Debug, PartialEq)]
pub struct QueryReply {
    /// The query's id.
    pub id: u64,
    /// The run it was answered in.
    pub run: u64,
    /// The point asked about, in plane coordinates.
    pub xy: [f64; 2],
    /// The clean f there.
    pub f: f64,
    /// ‖∇f‖ there (the full gradient, not only the plane's part).
    pub grad_norm: f64,
    /// The recorded point asked about: racer, step (the nearest recorded one) and its distance
    /// from the plane.
    pub off_plane: Option<(u32, u64, f64)>,
}

/// A run as it can be saved and exported.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The scene that replays the run: its start values, labels and view, and every edit.
    pub replay: Scene,
    /// Each racer's exact trajectory.
    pub tapes: Vec<Tape>,
    /// Each racer's label.
    pub labels: Vec<String>,
}

/// What the engine reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// A new run started; every later event of this run carries the same id.
    Started(Arc<RunInfo>),
    /// A live change was applied to the run; the run and its history go on.
    Retuned(Arc<RunInfo>),
    /// Steps taken, in order.
    Steps {
        /// The run id.
        run: u64,
        /// The records.
        records: Vec<StepRecord>,
    },
    /// One racer stopped; the others go on.
    Stopped {
        /// The run id.
        run: u64,
        /// Which racer.
        racer: u32,
        /// Why, for example "diverged at step 12".
        reason: StopReason,
    },
    /// Playback state changed.
    Playing(bool),
    /// A landscape grid is ready.
    Landscape {
        /// The request id.
        id: u64,
        /// The plane it was computed in.
        plane: PlaneId,
        /// Whether it is the coarse preview.
        coarse: bool,
        /// The grid.
        grid: Arc<Grid>,
    },
    /// The racers' latest overlays (sent at most at the flush rate, when they changed).
    Overlays {
        /// The run id.
        run: u64,
        /// Per racer that has one, its overlay.
        overlays: Vec<(u32, Arc<DrawnOverlay>)>,
    },
    /// The lens asked for, at its point now (`None` where the problem has no dense Hessian).
    Lens {
        /// The run id.
        run: u64,
        /// The lens.
        lens: Option<Arc<Lens>>,
    },
    /// A problem view's data.
    View {
        /// The run id.
        run: u64,
        /// The data.
        data: Arc<ViewData>,
    },
    /// The plane's directions changed: every recorded step's new drawn position, per racer.
    Replaned {
        /// The run id.
        run: u64,
        /// The new plane.
        plane: PlaneId,
        /// Per racer, (step, drawn position) for every step on its tape, in step order.
        paths: Vec<Vec<(u64, [f64; 2])>>,
        /// Per racer, the plane's part of the gradient at its current iterate.
        grad_xy: Vec<[f64; 2]>,
    },
    /// The answer to a query.
    Query(QueryReply),
    /// The answer to a snapshot request.
    Snapshot {
        /// The request id.
        id: u64,
        /// The run id.
        run: u64,
        /// The snapshot.
        snapshot: Arc<Snapshot>,
    },
}

/// What the engine thread receives: the app's commands, the grid thread's results, and the
/// handle's request to stop (the grid thread holds a sender too, so the channel alone never
/// closes while it runs).
enum Msg {
    Command(Command),
    Stop,
    Grid {
        id: u64,
        plane: PlaneId,
        coarse: bool,
        grid: Arc<Grid>,
    },
}

/// The app's handle on the engine thread. Dropping it stops and joins the thread.
pub struct EngineHandle {
    commands: Option<Sender<Msg>>,
    events: Receiver<Event>,
    /// Step records sent or queued by the engine and not yet received here.
    backlog: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl EngineHandle {
    /// Starts the engine thread on `scene`, paused or playing as the scene says. `wake` is called
    /// after events are sent.
    pub fn spawn(scene: Scene, wake: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        let (cmd_tx, cmd_rx) = mpsc::channel();
        let (ev_tx, ev_rx): (SyncSender<Event>, _) = mpsc::sync_channel(EVENT_CAPACITY);
        let backlog = Arc::new(AtomicUsize::new(0));
        let shared = backlog.clone();
        let grids = grids::GridThread::spawn(cmd_tx.clone())?;
        let thread = std::thread::Builder::new()
            .name("optiscope-engine".into())
            .spawn(move || {
                worker::Worker::new(scene, cmd_rx, ev_tx, shared, grids, Arc::new(wake)).run()
            })?;
        Ok(Self {
            commands: Some(cmd_tx),
            events: ev_rx,
            backlog,
            thread: Some(thread),
        })
    }

    /// Sends a command; it is ignored if the engine has stopped.
    pub fn send(&self, command: Command) {
        if let Some(tx) = &self.commands {
            // A closed channel means the engine is gone; there is nobody to tell.
            let _ = tx.send(Msg::Command(command));
        }
    }

    /// The next event, if one is waiting.
    pub fn try_recv(&self) -> Option<Event> {
        let event = self.events.try_recv().ok()?;
        if let Event::Steps { records, .. } = &event {
            self.backlog.fetch_sub(records.len(), Ordering::Relaxed);
        }
        Some(event)
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        // `Stop` ends the worker, which stops and joins the grid thread; draining the events
        // frees memory early.
        if let Some(tx) = self.commands.take() {
            let _ = tx.send(Msg::Stop);
        }
        while self.events.try_recv().is_ok() {}
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
