//! The engine: one named background thread that owns the runs. Commands go in; batched events,
//! each tagged with its run id, come out on a bounded channel; after each send the engine calls
//! the waker (the app's `request_repaint`). It never imports egui.

mod landscape;
mod run;
mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

pub use landscape::{Contour, Grid, GridSpec, compute as compute_grid};
pub use run::{Racer, Run, StopReason};

use crate::noise::Noise;
use crate::optim::Counts;
use crate::scene::Scene;

/// Capacity of the event channel, in events (each event is a batch).
pub const EVENT_CAPACITY: usize = 64;

/// What the app asks of the engine.
#[derive(Clone, Debug)]
pub enum Command {
    /// Load a scene: always a new run.
    Load(Box<Scene>),
    /// Apply an edited scene: live changes (noise, live hyperparameters, speed) keep the run;
    /// structural ones (problem, methods, start, seed) start a new run.
    Configure(Box<Scene>),
    /// Start stepping at the set speed.
    Play,
    /// Stop stepping.
    Pause,
    /// Take exactly this many steps, then pause.
    Step(u32),
    /// Start the run again from its start point (a new run id).
    Reset,
    /// Move the common start point (a new run id).
    SetStart(Vec<f64>),
    /// Steps per second; infinity is as fast as the engine goes.
    SetSpeed(f64),
    /// A new noise model, applied to the running run.
    SetNoise(Noise),
    /// Compute a landscape for this window: a coarse preview first, then this resolution.
    Landscape {
        /// The request's id, echoed in the reply.
        id: u64,
        /// The window and resolution.
        spec: GridSpec,
    },
}

/// One racer's state after one step (or at the start, step 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepRecord {
    /// The racer's index in the run.
    pub racer: u32,
    /// Its step; 0 is the start point.
    pub step: u64,
    /// The first two coordinates of the iterate.
    pub xy: [f64; 2],
    /// The first two components of the clean gradient there.
    pub grad_xy: [f64; 2],
    /// The clean objective value.
    pub loss: f64,
    /// The clean gradient norm.
    pub grad_norm: f64,
    /// Distance from the iterate to the nearest known minimum (NaN when none is known).
    pub dist_min: f64,
    /// Cumulative oracle counts.
    pub counts: Counts,
    /// Seconds since the run started (computing time, pauses excluded).
    pub wall: f64,
}

/// What a new run looks like, sent once when it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    /// The run id.
    pub run: u64,
    /// The scene as the engine applies it.
    pub scene: Scene,
    /// The labels of the racers, in index order.
    pub labels: Vec<String>,
    /// The colours of the racers, in index order.
    pub colors: Vec<[u8; 3]>,
    /// Known minima, as their first two coordinates.
    pub minima: Vec<[f64; 2]>,
    /// The problem's dimension.
    pub dim: usize,
    /// Changes whenever the landscape changes (a new problem, or a new slice for d > 2);
    /// landscape grids carry the epoch they were computed for.
    pub landscape_epoch: u64,
}

/// What the engine reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// A new run started; every later event of this run carries the same id.
    Started(Arc<RunInfo>),
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
    /// A live change was applied to the run (noise, hyperparameters, labels or colours); the
    /// run and its history go on.
    Retuned(Arc<RunInfo>),
    /// A landscape grid is ready.
    Landscape {
        /// The request id.
        id: u64,
        /// The landscape epoch it was computed for (see [`RunInfo::landscape_epoch`]).
        epoch: u64,
        /// Whether it is the coarse preview.
        coarse: bool,
        /// The grid.
        grid: Arc<Grid>,
    },
}

/// The app's handle on the engine thread. Dropping it stops and joins the thread.
pub struct EngineHandle {
    commands: Option<Sender<Command>>,
    events: Receiver<Event>,
    /// Step records sent or queued by the engine and not yet received here.
    backlog: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl EngineHandle {
    /// Starts the engine thread on `scene`, paused or playing as the scene says. `wake` is called
    /// after events are sent.
    pub fn spawn(scene: Scene, wake: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        let (cmd_tx, cmd_rx) = mpsc::channel();
        let (ev_tx, ev_rx): (SyncSender<Event>, _) = mpsc::sync_channel(EVENT_CAPACITY);
        let backlog = Arc::new(AtomicUsize::new(0));
        let shared = backlog.clone();
        let thread = std::thread::Builder::new()
            .name("optiscope-engine".into())
            .spawn(move || {
                worker::Worker::new(scene, cmd_rx, ev_tx, shared, Box::new(wake)).run()
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
            let _ = tx.send(command);
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
        // Closing the command channel tells the worker to stop; draining the events unblocks
        // nothing (sends never block) but frees memory early.
        self.commands = None;
        while self.events.try_recv().is_ok() {}
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
