//! The engine thread's loop: handle commands, compute in short slices, flush batches, and send
//! overlays (at the flush rate) and problem views (at most 10 times a second).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::time::{Duration, Instant};

mod emit;
mod plane;

use super::grids::GridThread;
use super::landscape::GridSpec;
use super::record::Recorder;
use super::tape::TAPE_BUDGET;
use super::{
    Command, Event, LensAt, LensKind, Msg, PlaneId, Projection, Run, RunInfo, Snapshot, StepRecord,
    views,
};
use crate::optim::memory;
use crate::problem::{Problem, ViewKind};
use crate::scene::{Change, Scene, SliceMode};

/// Longest stretch of computing between two looks at the command channel.
const SLICE: Duration = Duration::from_millis(4);
/// Shortest time between two step batches (about 60 per second).
const FLUSH_EVERY: Duration = Duration::from_millis(16);
/// Shortest time between two computations of the problem views, and between two moves of a
/// plane that follows an iterate.
const VIEWS_EVERY: Duration = Duration::from_millis(100);
/// Unsent records beyond which the engine stops computing until the app catches up (about a
/// second of drawing at "max" speed, so what is shown never lags far behind).
const BACKLOG_LIMIT: usize = 1 << 17;

/// What identifies the plane's directions: a change starts a new plane epoch.
type DirectionsKey = (Problem, usize, SliceMode, [usize; 2], u64);

pub(super) struct Worker {
    inbox: Receiver<Msg>,
    events: SyncSender<Event>,
    wake: Arc<dyn Fn() + Send + Sync>,
    grids: GridThread,
    /// The scene with the values in force now (no edits in it).
    scene: Scene,
    /// The scene the run started from, with its schedule of edits.
    initial: Scene,
    run: Run,
    run_id: u64,
    recorders: Vec<Recorder>,
    minima: Vec<Vec<f64>>,
    projection: Projection,
    plane: PlaneId,
    directions: Option<DirectionsKey>,
    /// The last landscape request, re-issued when the plane moves.
    window: Option<(u64, GridSpec)>,
    last_move: Instant,
    /// Refits of a fitted plane in this run, when the last one was, and at which step.
    refits: u64,
    last_refit: Instant,
    refit_at: Option<u64>,
    playing: bool,
    speed: f64,
    steps_left: u64,
    credit: f64,
    last_tick: Instant,
    clock: Duration,
    batch: Vec<StepRecord>,
    queue: VecDeque<Event>,
    /// Events that do not depend on the order of steps (grids, query answers, views,
    /// snapshots): they go out before the queue, so that a backlog of steps never holds them.
    priority: VecDeque<Event>,
    /// Records queued here or waiting in the channel, shared with the handle, which subtracts
    /// what the app receives.
    backlog: Arc<AtomicUsize>,
    last_flush: Instant,
    views: Vec<ViewKind>,
    /// The lens asked for, and the racer step it was last computed at.
    pub(super) lens: Option<(LensKind, LensAt)>,
    pub(super) lens_step: Option<u64>,
    last_views: Option<Instant>,
    /// The run's step when the views were last computed.
    views_step: Option<u64>,
    /// The smoothed view's last grid.
    smooth_cache: super::views::SmoothCache,
    /// Log entries already mirrored into `scene`.
    logged: usize,
}

impl Worker {
    pub(super) fn new(
        scene: Scene,
        inbox: Receiver<Msg>,
        events: SyncSender<Event>,
        backlog: Arc<AtomicUsize>,
        grids: GridThread,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        let run = Run::from_scene(&scene);
        let projection = Projection::new(&scene.view.slice, &scene.start, scene.seed);
        let mut w = Self {
            inbox,
            events,
            wake,
            grids,
            playing: scene.playback.playing,
            speed: scene.playback.speed,
            initial: scene.clone(),
            scene,
            run,
            run_id: 0,
            recorders: Vec::new(),
            minima: Vec::new(),
            projection,
            plane: PlaneId::default(),
            directions: None,
            window: None,
            last_move: Instant::now(),
            refits: 0,
            last_refit: Instant::now(),
            refit_at: None,
            steps_left: 0,
            credit: 0.0,
            last_tick: Instant::now(),
            clock: Duration::ZERO,
            batch: Vec::new(),
            queue: VecDeque::new(),
            priority: VecDeque::new(),
            backlog,
            last_flush: Instant::now(),
            views: Vec::new(),
            lens: None,
            lens_step: None,
            last_views: None,
            views_step: None,
            smooth_cache: Default::default(),
            logged: 0,
        };
        w.queue.push_back(Event::Playing(w.playing));
        let initial = w.initial.clone();
        w.start_run(initial);
        w
    }

    pub(super) fn run(mut self) {
        loop {
            let active = (self.playing || self.steps_left > 0) && self.run.running() > 0;
            let waiting =
                !self.queue.is_empty() || !self.priority.is_empty() || !self.batch.is_empty();
            let timeout = if active {
                self.time_to_next_step()
            } else if waiting {
                Some(FLUSH_EVERY)
            } else {
                None
            };
            let first = match timeout {
                None => self
                    .inbox
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(t) if t.is_zero() => Err(RecvTimeoutError::Timeout),
                Some(t) => self.inbox.recv_timeout(t),
            };
            match first {
                Ok(m) => {
                    if !self.handle(m) {
                        return;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            loop {
                match self.inbox.try_recv() {
                    Ok(m) => {
                        if !self.handle(m) {
                            return;
                        }
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                }
            }
            self.compute_slice();
            self.flush(false);
        }
    }

    /// Whether the app is so far behind that computing should wait.
    fn over_backlog(&self) -> bool {
        self.backlog.load(Ordering::Relaxed) > BACKLOG_LIMIT
    }

    /// How long until the next step is due at the set speed (zero when one is due now).
    fn time_to_next_step(&self) -> Option<Duration> {
        if self.over_backlog() {
            // Wait for the app to catch up instead of spinning.
            return Some(FLUSH_EVERY);
        }
        if self.steps_left > 0 || self.speed.is_infinite() || self.credit >= 1.0 {
            return Some(Duration::ZERO);
        }
        let secs = (1.0 - self.credit) / self.speed - self.last_tick.elapsed().as_secs_f64();
        Some(Duration::from_secs_f64(
            secs.clamp(0.0, FLUSH_EVERY.as_secs_f64()),
        ))
    }

    /// Handles one message; returns `false` when the engine should stop.
    fn handle(&mut self, msg: Msg) -> bool {
        let command = match msg {
            Msg::Stop => return false,
            Msg::Grid {
                id,
                plane,
                coarse,
                grid,
            } => {
                if plane.epoch == self.plane.epoch {
                    self.priority.push_back(Event::Landscape {
                        id,
                        plane,
                        coarse,
                        grid,
                    });
                }
                return true;
            }
            Msg::Command(c) => c,
        };
        match command {
            Command::Load(scene) => {
                self.speed = scene.playback.speed;
                let playing = scene.playback.playing;
                self.start_run(*scene);
                self.set_playing(playing);
            }
            Command::Configure(scene) => self.configure(*scene),
            Command::Play => self.set_playing(true),
            Command::Pause => {
                self.steps_left = 0;
                self.set_playing(false);
            }
            Command::Step(n) => {
                self.set_playing(false);
                self.steps_left += u64::from(n);
            }
            Command::Reset => {
                let fresh = Scene {
                    edits: Vec::new(),
                    ..self.scene.clone()
                };
                self.start_run(fresh);
            }
            Command::Replay => {
                let replay = self.replay_scene();
                self.start_run(replay);
            }
            Command::SetStartAt(xy) => {
                if xy.iter().all(|v| v.is_finite()) {
                    let start = self.projection.lift(xy).to_vec();
                    let fresh = Scene {
                        start,
                        edits: Vec::new(),
                        ..self.scene.clone()
                    };
                    self.start_run(fresh);
                }
            }
            Command::Landscape { id, spec } => {
                self.window = Some((id, spec));
                self.submit_grid();
            }
            Command::Query { id, xy, nearest } => {
                let reply = views::query(
                    id,
                    self.run_id,
                    &self.run,
                    &self.projection,
                    xy,
                    nearest,
                    &self.recorders,
                );
                self.priority.push_back(Event::Query(reply));
            }
            Command::Lens(lens) => {
                self.lens = lens;
                self.lens_step = None;
                self.push_lens();
            }
            Command::Views(kinds) => {
                self.views = kinds;
                self.views_step = None;
                self.last_views = None;
            }
            Command::Snapshot { id } => {
                let snapshot = Snapshot {
                    replay: self.replay_scene(),
                    tapes: self.recorders.iter().map(|r| r.tape.clone()).collect(),
                    labels: self
                        .run
                        .racers()
                        .iter()
                        .map(|r| r.label().to_owned())
                        .collect(),
                };
                self.priority.push_back(Event::Snapshot {
                    id,
                    run: self.run_id,
                    snapshot: Arc::new(snapshot),
                });
            }
        }
        true
    }

    /// The scene that replays the run: its start values, today's labels and view, and every
    /// edit, applied or still scheduled.
    fn replay_scene(&self) -> Scene {
        let mut log = self.run.log().to_vec();
        log.extend_from_slice(self.run.pending());
        Scene {
            edits: Vec::new(),
            ..self.initial.clone()
        }
        .with_log(&self.scene, &log)
    }

    fn set_playing(&mut self, playing: bool) {
        if self.playing != playing {
            self.playing = playing;
            self.credit = 0.0;
            self.last_tick = Instant::now();
            // Steps taken before the change are reported before it: once the app sees
            // `Playing(false)`, nothing more arrives until it asks for it.
            self.push_batch();
            self.queue.push_back(Event::Playing(playing));
        }
    }

    /// Applies an edited scene: a live change keeps the run, anything else starts a new one.
    fn configure(&mut self, scene: Scene) {
        match scene.diff(&self.scene) {
            Change::NewRun(_) => {
                self.speed = scene.playback.speed;
                self.start_run(Scene {
                    edits: Vec::new(),
                    ..scene
                });
            }
            Change::Live(edits) => {
                for e in &edits {
                    // The app validated the scene; an edit the run refuses changes nothing.
                    let _ = self.run.apply_edit(&e.path, &e.value);
                }
                self.logged = self.run.log().len();
                self.speed = scene.playback.speed;
                let slice_changed = scene.view.slice != self.scene.view.slice;
                self.scene = Scene {
                    edits: Vec::new(),
                    ..scene
                };
                if slice_changed {
                    self.replane(false);
                }
                self.queue
                    .push_back(Event::Retuned(Arc::new(self.info(false))));
            }
        }
    }

    fn info(&self, replayed: bool) -> RunInfo {
        let objective = self.run.objective();
        let enabled = self.scene.entries.iter().filter(|e| e.enabled);
        let slice = &self.scene.view.slice;
        let through = match slice.follow.and_then(|k| self.scene.entries.get(k)) {
            Some(e) => format!("through {}'s iterate, following it", e.label),
            None => "through the start".to_owned(),
        };
        let plane_label = if objective.dim() <= 2 {
            String::new()
        } else {
            let what = match slice.mode {
                _ if self.projection.axes().is_some() => "coordinate plane",
                SliceMode::Coordinates | SliceMode::Random => "plane of two random directions",
                SliceMode::FilterNormalized => "plane of two filter-normalized random directions",
                SliceMode::Pca => "plane of the path's top two principal directions",
                SliceMode::Hessian => "plane of the Hessian's top two eigenvectors",
            };
            format!(
                "2-D slice ({what}) of the {}-dimensional {}, {through}",
                objective.dim(),
                self.scene.problem.key()
            )
        };
        RunInfo {
            run: self.run_id,
            scene: self.scene.clone(),
            labels: enabled.clone().map(|e| e.label.clone()).collect(),
            colors: enabled.clone().map(|e| e.color).collect(),
            diagnostics: enabled
                .clone()
                .map(|e| e.method.config().diagnostics())
                .collect(),
            estimating: enabled
                .clone()
                .map(|e| e.method.config().estimator().is_some())
                .collect(),
            memory: {
                let batch = self.scene.noise.batch.size;
                let rows = if batch > 0 {
                    batch.min(objective.samples())
                } else {
                    objective.samples()
                };
                let net = memory::NetShape::from_blocks(objective.blocks(), rows);
                enabled
                    .map(|e| net.as_ref().map(|n| memory::estimate(&e.method, n)))
                    .collect()
            },
            minima: self
                .minima
                .iter()
                .map(|m| self.projection.project(ndarray::ArrayView1::from(m)))
                .collect(),
            minima_numerical: objective.minima_found_numerically(),
            dim: objective.dim(),
            plane: self.plane,
            axis_names: self.projection.axis_names(),
            plane_label,
            views: objective.views(),
            edits: (self.run.log().len(), self.run.pending().len()),
            log_full: self.run.log_full(),
            replayed,
        }
    }

    /// Starts a new run of `scene` (whose edits are the run's schedule): a new id, a `Started`
    /// event and the step-0 records.
    fn start_run(&mut self, scene: Scene) {
        self.run = Run::from_scene(&scene);
        self.initial = scene;
        self.scene = Scene {
            edits: Vec::new(),
            ..self.initial.clone()
        };
        // The new run's schedule may have applied edits at step 0.
        self.logged = 0;
        self.mirror_log();
        self.run_id += 1;
        self.steps_left = 0;
        self.credit = 0.0;
        self.clock = Duration::ZERO;
        let dim = self.run.objective().dim();
        let budget = TAPE_BUDGET / self.run.racers().len().max(1);
        self.recorders = (0..self.run.racers().len())
            .map(|_| Recorder::new(dim, budget))
            .collect();
        self.minima = self
            .run
            .objective()
            .minima()
            .into_iter()
            .map(|m| m.x)
            .collect();
        self.views_step = None;
        self.lens_step = None;
        // Records of the previous run are stale; drop them rather than send them.
        self.batch.clear();
        let dropped: usize = self
            .queue
            .iter()
            .map(|e| match e {
                Event::Steps { records, .. } => records.len(),
                _ => 0,
            })
            .sum();
        self.backlog.fetch_sub(dropped, Ordering::Relaxed);
        self.queue.retain(|e| matches!(e, Event::Playing(_)));
        self.priority
            .retain(|e| matches!(e, Event::Landscape { .. } | Event::Snapshot { .. }));
        self.replane(true);
        self.queue
            .push_back(Event::Started(Arc::new(self.info(false))));
        self.record(0.0);
        self.report_stops();
        self.flush(true);
    }

    /// Mirrors the edits the run applied since the last look (its schedule) into the current
    /// scene, and takes the speed they may have set.
    fn mirror_log(&mut self) {
        let log = self.run.log();
        for e in &log[self.logged.min(log.len())..] {
            let _ = self.scene.apply_edit(&e.path, &e.value);
        }
        self.speed = self.scene.playback.speed;
        self.logged = log.len();
    }

    /// Runs due steps for at most one slice.
    fn compute_slice(&mut self) {
        let now = Instant::now();
        let dt = now.duration_since(self.last_tick).as_secs_f64();
        self.last_tick = now;
        if self.run.running() == 0 {
            self.steps_left = 0;
            return;
        }
        let due = if self.steps_left > 0 {
            self.steps_left
        } else if self.playing {
            if self.speed.is_infinite() {
                u64::MAX
            } else {
                // At most a tenth of a second of steps is owed, so a stall does not cause a burst.
                self.credit = (self.credit + dt * self.speed).min(self.speed * 0.1 + 1.0);
                self.credit.floor() as u64
            }
        } else {
            0
        };
        if due == 0 || self.over_backlog() {
            return;
        }
        let t0 = Instant::now();
        let mut taken = 0;
        while taken < due && self.run.running() > 0 {
            for (rec, racer) in self.recorders.iter_mut().zip(self.run.racers()) {
                rec.before_step(racer);
            }
            self.run.step();
            taken += 1;
            let elapsed = t0.elapsed();
            self.record((self.clock + elapsed).as_secs_f64());
            self.report_stops();
            if self.run.log().len() != self.logged {
                // A scheduled edit applied: the controls should show it.
                self.mirror_log();
                self.push_batch();
                self.queue
                    .push_back(Event::Retuned(Arc::new(self.info(true))));
            }
            if elapsed >= SLICE {
                break;
            }
        }
        self.clock += t0.elapsed();
        if self.steps_left > 0 {
            self.steps_left -= taken;
        } else if !self.speed.is_infinite() {
            self.credit -= taken as f64;
        }
        self.follow();
    }
}
