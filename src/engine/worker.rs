//! The engine thread's loop: handle commands, compute in short slices, flush batches.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use super::landscape::{self, GridSpec};
use super::{Command, Event, Run, RunInfo, StepRecord};
use crate::scene::Scene;

/// Longest stretch of computing between two looks at the command channel.
const SLICE: Duration = Duration::from_millis(4);
/// Shortest time between two step batches (about 60 per second).
const FLUSH_EVERY: Duration = Duration::from_millis(16);
/// Unsent records beyond which the engine stops computing until the app catches up.
const BACKLOG_LIMIT: usize = 1 << 20;
/// Side of the coarse landscape preview.
const COARSE: usize = 64;

pub(super) struct Worker {
    commands: Receiver<Command>,
    events: SyncSender<Event>,
    wake: Box<dyn Fn() + Send>,
    scene: Scene,
    run: Run,
    run_id: u64,
    epoch: u64,
    epoch_key: Option<(crate::problem::Problem, Vec<f64>)>,
    reported: Vec<bool>,
    minima: Vec<Vec<f64>>,
    playing: bool,
    speed: f64,
    steps_left: u64,
    credit: f64,
    last_tick: Instant,
    clock: Duration,
    batch: Vec<StepRecord>,
    queue: VecDeque<Event>,
    /// Records queued here or waiting in the channel, shared with the handle, which subtracts
    /// what the app receives.
    backlog: Arc<AtomicUsize>,
    last_flush: Instant,
}

fn build_run(scene: &Scene) -> Run {
    Run::new(
        &scene.problem,
        &scene.racers(),
        &scene.start,
        scene.seed,
        scene.noise.clone(),
    )
}

impl Worker {
    pub(super) fn new(
        scene: Scene,
        commands: Receiver<Command>,
        events: SyncSender<Event>,
        backlog: Arc<AtomicUsize>,
        wake: Box<dyn Fn() + Send>,
    ) -> Self {
        let run = build_run(&scene);
        let mut w = Self {
            commands,
            events,
            wake,
            playing: scene.playback.playing,
            speed: scene.playback.speed,
            scene,
            run,
            run_id: 0,
            epoch: 0,
            epoch_key: None,
            reported: Vec::new(),
            minima: Vec::new(),
            steps_left: 0,
            credit: 0.0,
            last_tick: Instant::now(),
            clock: Duration::ZERO,
            batch: Vec::new(),
            queue: VecDeque::new(),
            backlog,
            last_flush: Instant::now(),
        };
        w.queue.push_back(Event::Playing(w.playing));
        w.start_run();
        w
    }

    pub(super) fn run(mut self) {
        loop {
            let active = (self.playing || self.steps_left > 0) && self.run.running() > 0;
            let waiting = !self.queue.is_empty() || !self.batch.is_empty();
            let timeout = if active {
                self.time_to_next_step()
            } else if waiting {
                Some(FLUSH_EVERY)
            } else {
                None
            };
            let first = match timeout {
                None => self
                    .commands
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(t) if t.is_zero() => Err(RecvTimeoutError::Timeout),
                Some(t) => self.commands.recv_timeout(t),
            };
            match first {
                Ok(c) => self.handle(c),
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            loop {
                match self.commands.try_recv() {
                    Ok(c) => self.handle(c),
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
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

    fn handle(&mut self, command: Command) {
        match command {
            Command::Load(scene) => {
                self.speed = scene.playback.speed;
                let playing = scene.playback.playing;
                self.scene = *scene;
                self.start_run();
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
            Command::Reset => self.start_run(),
            Command::SetStart(start) => {
                if start.len() == self.scene.start.len() && start.iter().all(|v| v.is_finite()) {
                    self.scene.start = start;
                    self.start_run();
                }
            }
            Command::SetSpeed(speed) => {
                if speed > 0.0 {
                    self.speed = speed;
                    self.scene.playback.speed = speed;
                    self.credit = self.credit.min(1.0);
                }
            }
            Command::SetNoise(noise) => {
                if noise.validate().is_ok() {
                    self.run.set_noise(noise.clone());
                    self.scene.noise = noise;
                    self.queue.push_back(Event::Retuned(Arc::new(self.info())));
                }
            }
            Command::Landscape { id, spec } => self.landscape(id, spec),
        }
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

    /// Applies an edited scene, keeping the run when only live values changed.
    fn configure(&mut self, scene: Scene) {
        let old = &self.scene;
        let same_structure = scene.problem == old.problem
            && scene.start == old.start
            && scene.seed == old.seed
            && scene.racers().len() == old.racers().len()
            && scene
                .racers()
                .iter()
                .zip(old.racers())
                .all(|((_, new), (_, old))| old.differs_only_live(new));
        self.speed = scene.playback.speed;
        if !same_structure {
            self.scene = scene;
            self.start_run();
            return;
        }
        let retuned = scene
            .racers()
            .iter()
            .enumerate()
            .all(|(i, (_, m))| self.run.racers()[i].method() == m || self.run.retune(i, m));
        if !retuned {
            self.scene = scene;
            self.start_run();
            return;
        }
        self.run.set_noise(scene.noise.clone());
        self.scene = scene;
        self.queue.push_back(Event::Retuned(Arc::new(self.info())));
    }

    fn info(&self) -> RunInfo {
        let objective = self.run.objective();
        let enabled = self.scene.entries.iter().filter(|e| e.enabled);
        RunInfo {
            run: self.run_id,
            scene: self.scene.clone(),
            labels: enabled.clone().map(|e| e.label.clone()).collect(),
            colors: enabled.map(|e| e.color).collect(),
            minima: objective
                .minima()
                .iter()
                .map(|m| [m.x[0], m.x.get(1).copied().unwrap_or(0.0)])
                .collect(),
            dim: objective.dim(),
            landscape_epoch: self.epoch,
        }
    }

    /// Starts a new run of the current scene: a new id, a `Started` event and the step-0 records.
    fn start_run(&mut self) {
        self.run = build_run(&self.scene);
        self.run_id += 1;
        // For d > 2 the landscape is a slice through the start's other coordinates; x₀ and x₁
        // are the grid's own axes, so only the rest of the start matters.
        let slice = self.scene.start.get(2..).unwrap_or_default().to_vec();
        let key = Some((self.scene.problem.clone(), slice));
        if key != self.epoch_key {
            self.epoch += 1;
            self.epoch_key = key;
        }
        self.steps_left = 0;
        self.credit = 0.0;
        self.clock = Duration::ZERO;
        self.reported = vec![false; self.run.racers().len()];
        self.minima = self
            .run
            .objective()
            .minima()
            .into_iter()
            .map(|m| m.x)
            .collect();
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
        self.queue
            .retain(|e| matches!(e, Event::Landscape { .. } | Event::Playing(_)));
        self.queue.push_back(Event::Started(Arc::new(self.info())));
        self.record(0.0);
        self.report_stops();
        self.flush(true);
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
            self.run.step();
            taken += 1;
            let elapsed = t0.elapsed();
            self.record((self.clock + elapsed).as_secs_f64());
            self.report_stops();
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
    }

    /// Appends one record per running racer at its current state.
    fn record(&mut self, wall: f64) {
        for (i, r) in self.run.racers().iter().enumerate() {
            if r.stopped().is_some() {
                continue;
            }
            let (x, g) = (r.x(), r.grad());
            let dist_min = self
                .minima
                .iter()
                .map(|m| {
                    m.iter()
                        .zip(x)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(f64::NAN, f64::min);
            self.batch.push(StepRecord {
                racer: i as u32,
                step: r.step_idx(),
                xy: [x[0], x.get(1).copied().unwrap_or(0.0)],
                grad_xy: [g[0], g.get(1).copied().unwrap_or(0.0)],
                loss: r.loss(),
                grad_norm: r.grad_norm(),
                dist_min,
                counts: r.counts(),
                wall,
            });
        }
    }

    /// Queues a `Stopped` event for each racer that stopped since the last look.
    fn report_stops(&mut self) {
        let stops: Vec<(usize, _)> = self
            .run
            .racers()
            .iter()
            .enumerate()
            .filter(|(i, r)| r.stopped().is_some() && !self.reported[*i])
            .filter_map(|(i, r)| r.stopped().cloned().map(|s| (i, s)))
            .collect();
        for (i, reason) in stops {
            self.reported[i] = true;
            // Keep the order: the steps before the stop go first.
            self.push_batch();
            self.queue.push_back(Event::Stopped {
                run: self.run_id,
                racer: i as u32,
                reason,
            });
        }
    }

    fn push_batch(&mut self) {
        if !self.batch.is_empty() {
            self.backlog.fetch_add(self.batch.len(), Ordering::Relaxed);
            let records = std::mem::take(&mut self.batch);
            self.queue.push_back(Event::Steps {
                run: self.run_id,
                records,
            });
        }
    }

    /// Sends what is queued, without blocking; what does not fit waits for the next flush.
    fn flush(&mut self, force: bool) {
        if force || self.last_flush.elapsed() >= FLUSH_EVERY {
            self.push_batch();
            self.last_flush = Instant::now();
        }
        let mut sent = false;
        while let Some(event) = self.queue.pop_front() {
            match self.events.try_send(event) {
                Ok(()) => {
                    sent = true;
                }
                Err(TrySendError::Full(event)) => {
                    self.queue.push_front(event);
                    break;
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.queue.clear();
                    break;
                }
            }
        }
        if sent {
            (self.wake)();
        }
    }

    /// Computes a coarse preview and then the requested grid, sending each as it is ready.
    fn landscape(&mut self, id: u64, spec: GridSpec) {
        let slice = self.scene.start.clone();
        let coarse = GridSpec {
            nx: spec.nx.min(COARSE),
            ny: spec.ny.min(COARSE),
            ..spec
        };
        let passes: &[(GridSpec, bool)] = if coarse == spec {
            &[(spec, false)]
        } else {
            &[(coarse, true), (spec, false)]
        };
        for &(s, is_coarse) in passes {
            let grid = landscape::compute(self.run.objective(), &slice, s);
            self.queue.push_back(Event::Landscape {
                id,
                epoch: self.epoch,
                coarse: is_coarse,
                grid: Arc::new(grid),
            });
            self.flush(true);
        }
    }
}
