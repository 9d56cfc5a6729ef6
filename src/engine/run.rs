//! `Run`: several optimizers racing in lock step on one objective. `Run::step` is the one loop
//! body of Optiscope; the engine thread, the CLI and the tests all drive it.
//!
//! A run is its scene, its seed and its edit log: edits scheduled in the scene apply when their
//! step is reached, and live edits made while it runs join the log, so that the log replays the
//! run exactly. A run can be cloned (its optimizers' states and random streams included) to
//! fork it.

use std::fmt;
use std::sync::Arc;

use rand::SeedableRng as _;
use rand_pcg::Pcg64;

use super::inspector::Inspector;
use crate::edit::{self, Edit, EditPath, EditValue};
use crate::linalg::Vector;
use crate::noise::{Levels, Noise};
use crate::optim::{
    Counts, Halt, MAX_DIAGNOSTICS, Method, Optimizer, Oracle, OracleState, Overlay,
};
use crate::problem::{Metrics, Objective, Problem};
use crate::scene::Scene;
use ndarray::ArrayView1;

/// Why a racer stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum StopReason {
    /// Its loss or iterate became non-finite at this step.
    Diverged {
        /// The step at which the loss turned non-finite.
        step: u64,
    },
    /// The method itself could not continue.
    Halted {
        /// The step it could not take.
        step: u64,
        /// Why.
        why: Halt,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Diverged { step } => write!(f, "diverged at step {step}"),
            StopReason::Halted { step, why } => write!(f, "{why} at step {step}"),
        }
    }
}

/// One optimizer in a race, with its iterate, counts and random streams.
#[derive(Clone)]
pub struct Racer {
    label: String,
    method: Method,
    optimizer: Box<dyn Optimizer>,
    x: Vector,
    grad: Vector,
    oracle: OracleState,
    step: u64,
    loss: f64,
    /// The mean of the function values the method saw in its last step (NaN if none).
    seen: f64,
    /// The estimator inspector's running statistics, for gradient-estimating methods.
    inspector: Option<Inspector>,
    stopped: Option<StopReason>,
    /// Whether the clean loss and gradient were measured at this step.
    measured: bool,
    /// What a data problem measures besides the loss, at the last measurement.
    metrics: Metrics,
    /// The top Hessian eigenvalue λ_max and η·λ_max/2, when measured at this step.
    sharpness: Option<[f64; 2]>,
    /// The power iteration's vector, kept between measurements (its warm start), and H·v.
    eigvec: Vector,
    hv: Vector,
}

impl Racer {
    /// Its label.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// Its method and parameters, as edited so far.
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The current iterate.
    pub fn x(&self) -> &Vector {
        &self.x
    }
    /// The clean (noise-free, uncounted) gradient at the current iterate.
    pub fn grad(&self) -> &Vector {
        &self.grad
    }
    /// The clean objective value at the last measured step (every step, except on a network,
    /// whose measurement is a full pass over the data; see [`Racer::measured`]).
    pub fn loss(&self) -> f64 {
        self.loss
    }
    /// Whether the clean loss, gradient and metrics were measured at the current step (else
    /// they are those of the last measured step).
    pub fn measured(&self) -> bool {
        self.measured
    }
    /// The training accuracy, test loss and test accuracy of a data problem at the last
    /// measurement (NaN otherwise).
    pub fn metrics(&self) -> Metrics {
        self.metrics
    }
    /// The top Hessian eigenvalue λ_max (by power iteration on H·v) and η·λ_max/2, if they were
    /// measured at this step (a network's, every ten measurements): gradient descent is
    /// unstable along directions with η·λ > 2, the edge of stability.
    pub fn sharpness(&self) -> Option<[f64; 2]> {
        self.sharpness
    }
    /// Mini-batch epochs so far: training points drawn over their number (0 when full-batch).
    pub fn epochs(&self, samples: usize) -> f64 {
        self.oracle.epochs(samples)
    }
    /// ‖∇f‖ at the current iterate, noise-free.
    pub fn grad_norm(&self) -> f64 {
        self.grad.dot(&self.grad).sqrt()
    }
    /// Cumulative oracle counts.
    pub fn counts(&self) -> Counts {
        self.oracle.counts
    }
    /// The mean of the function values the method saw during its last step, noise included
    /// (NaN if it saw none): what the optimizer experienced, beside the clean loss.
    pub fn seen(&self) -> f64 {
        self.seen
    }
    /// Steps taken; 0 is the start point.
    pub fn step_idx(&self) -> u64 {
        self.step
    }
    /// Why it stopped, if it did.
    pub fn stopped(&self) -> Option<&StopReason> {
        self.stopped.as_ref()
    }
    /// The method's diagnostics after its last step, in the order its method declares them;
    /// the rest of the slots are NaN.
    pub fn diagnostics(&self) -> [f64; MAX_DIAGNOSTICS] {
        let mut out = [f64::NAN; MAX_DIAGNOSTICS];
        self.optimizer.diagnostics(&mut out);
        out
    }
    /// The estimator inspector's [cos, mean cos, E‖ĝ − ∇f‖², SNR] after the last step (NaN for
    /// methods that estimate no gradient).
    pub fn estimator_values(&self) -> [f64; 4] {
        self.inspector
            .as_ref()
            .map_or([f64::NAN; 4], Inspector::values)
    }
    /// The method's last gradient estimate and the point it was taken at.
    pub fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        self.optimizer.estimate()
    }
    /// The radius over which the method smooths the objective now, for zeroth-order methods.
    pub fn smoothing_radius(&self) -> Option<f64> {
        self.optimizer.smoothing_radius()
    }
    /// A copy of the method with all its state (for work beside the run, such as a cloud).
    pub(crate) fn optimizer_copy(&self) -> Box<dyn Optimizer> {
        self.optimizer.clone()
    }
    /// Writes what the method can show of its state into `out` (cleared first).
    pub fn overlay(&self, out: &mut Overlay) {
        out.clear();
        self.optimizer.overlay(out);
    }

    /// λ_max by [`POWER_STEPS`] power iterations on the clean full-batch H·v, from the last
    /// measurement's vector; outside the counts.
    fn measure_sharpness(&mut self, objective: &dyn Objective) {
        let mut lambda = f64::NAN;
        for _ in 0..POWER_STEPS {
            objective.hvp_into(self.x.view(), self.eigvec.view(), self.hv.view_mut());
            lambda = self.eigvec.dot(&self.hv);
            let n = self.hv.dot(&self.hv).sqrt();
            if !(n.is_finite() && n > 0.0) {
                break;
            }
            self.eigvec.assign(&self.hv);
            self.eigvec /= n;
        }
        let eta = self.optimizer.step_size().unwrap_or(f64::NAN);
        self.sharpness = Some([lambda, eta * lambda / 2.0]);
    }

    /// Recomputes the clean metrics at `x`, outside the oracle's counts.
    fn measure(&mut self, objective: &dyn Objective) {
        (self.loss, self.metrics) = objective.measure_into(self.x.view(), self.grad.view_mut());
        self.measured = true;
    }
}

/// Power iterations per sharpness measurement (warm-started from the previous one).
const POWER_STEPS: usize = 8;

/// A network's sharpness is measured every this many of its measurements.
const SHARPNESS_EVERY: u64 = 10;

/// SplitMix64, to derive independent stream seeds from a scene seed.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream `stream` of racer `index` under `seed`.
pub(crate) fn stream(seed: u64, index: usize, stream: u64) -> Pcg64 {
    let s = splitmix(splitmix(seed) ^ splitmix((index as u64) << 8 | stream));
    Pcg64::seed_from_u64(s)
}

/// Several optimizers racing from one start on one objective, with one noise model.
#[derive(Clone)]
pub struct Run {
    objective: Arc<dyn Objective>,
    noise: Noise,
    racers: Vec<Racer>,
    /// For each scene entry (disabled ones included), its racer, if it runs.
    racer_of: Vec<Option<usize>>,
    /// Edits to apply when their step is reached, sorted by step.
    schedule: Arc<[Edit]>,
    next: usize,
    /// The step count at which the next scheduled edit applies (`u64::MAX` when none is left).
    next_due: u64,
    /// Every edit applied so far, in order.
    log: Vec<Edit>,
    /// Whether an edit was refused because the log was full.
    log_full: bool,
    steps: u64,
    seed: u64,
    /// Whether every noise channel is off (then no racer works out levels).
    quiet: bool,
    /// Every how many steps the clean loss and gradient are measured.
    measure_every: u64,
}

impl Run {
    /// Builds a run. `start` must have the problem's dimension (the scene validates it).
    pub fn new(
        problem: &Problem,
        methods: &[(String, Method)],
        start: &[f64],
        seed: u64,
        noise: Noise,
    ) -> Self {
        Self::with_objective(Arc::from(problem.build()), methods, start, seed, noise)
    }

    /// Builds a run on an objective already built (shared by the runs of a sweep, which
    /// differ only in their start, methods, seed or noise).
    pub fn with_objective(
        objective: Arc<dyn Objective>,
        methods: &[(String, Method)],
        start: &[f64],
        seed: u64,
        noise: Noise,
    ) -> Self {
        let dim = objective.dim();
        // A network's sharpness is tracked (its H·v products are exact and cheap).
        let data = objective.samples() > 0 && objective.provides().hvp;
        let mut x0 = Vector::zeros(dim);
        for (xi, s) in x0.iter_mut().zip(start) {
            *xi = *s;
        }
        let racers = methods
            .iter()
            .enumerate()
            .map(|(i, (label, method))| {
                let mut r = Racer {
                    label: label.clone(),
                    method: method.clone(),
                    optimizer: method.build(dim),
                    x: x0.clone(),
                    grad: Vector::zeros(dim),
                    oracle: OracleState::new(dim, stream(seed, i, 1), stream(seed, i, 2)),
                    step: 0,
                    loss: f64::NAN,
                    seen: f64::NAN,
                    inspector: method.config().estimator().map(|_| Inspector::default()),
                    stopped: None,
                    measured: false,
                    metrics: Metrics::NONE,
                    sharpness: None,
                    eigvec: if data {
                        Vector::from_elem(dim, 1.0 / (dim as f64).sqrt())
                    } else {
                        Vector::zeros(0)
                    },
                    hv: Vector::zeros(if data { dim } else { 0 }),
                };
                r.measure(objective.as_ref());
                if data {
                    r.measure_sharpness(objective.as_ref());
                }
                if !r.loss.is_finite() {
                    r.stopped = Some(StopReason::Diverged { step: 0 });
                }
                r
            })
            .collect();
        let quiet = !noise.any();
        let measure_every = objective.measure_every();
        Self {
            objective,
            noise,
            racers,
            racer_of: (0..methods.len()).map(Some).collect(),
            schedule: Arc::from(Vec::new()),
            next: 0,
            next_due: u64::MAX,
            log: Vec::new(),
            log_full: false,
            steps: 0,
            seed,
            quiet,
            measure_every,
        }
    }

    /// Builds the run a scene describes: its enabled optimizers, its start, seed and noise,
    /// and its edits, which apply at their steps.
    pub fn from_scene(scene: &Scene) -> Self {
        Self::from_scene_on(scene, Arc::from(scene.problem.build()))
    }

    /// [`Run::from_scene`] on the scene's objective, already built.
    pub fn from_scene_on(scene: &Scene, objective: Arc<dyn Objective>) -> Self {
        let mut run = Self::with_objective(
            objective,
            &scene.racers(),
            &scene.start,
            scene.seed,
            scene.noise.clone(),
        );
        let mut next = 0;
        run.racer_of = scene
            .entries
            .iter()
            .map(|e| {
                e.enabled.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        run.schedule = Arc::from(scene.edits.clone());
        run.apply_due();
        run
    }

    /// Advances every running racer by one step, in lock step, then applies the edits
    /// scheduled at the new step count. Returns how many racers still run.
    pub fn step(&mut self) -> usize {
        let objective = self.objective.as_ref();
        let mut running = 0;
        for r in self.racers.iter_mut().filter(|r| r.stopped.is_none()) {
            let levels = if self.quiet {
                Levels::default()
            } else {
                self.noise.levels(r.oracle.step())
            };
            let measure = (r.step + 1).is_multiple_of(self.measure_every);
            let mut oracle = Oracle::with_levels(objective, levels, &mut r.oracle);
            let result = r.optimizer.step(&mut r.x, &mut oracle);
            let optimizer = &r.optimizer;
            oracle.end_step(&mut r.x, || optimizer.step_size().unwrap_or(1.0));
            r.seen = r.oracle.take_seen();
            r.step += 1;
            if let Err(why) = result {
                r.stopped = Some(StopReason::Halted { step: r.step, why });
                continue;
            }
            // The clean gradient still holds ∇f at the iterate the step started from, where
            // an estimating method took its estimate (when that step was measured).
            if r.measured
                && let Some(ins) = &mut r.inspector
                && let Some((_, g_hat)) = r.optimizer.estimate()
            {
                ins.observe(g_hat, r.grad.view());
            }
            r.sharpness = None;
            if measure {
                r.measure(objective);
                if !r.eigvec.is_empty()
                    && (r.step / self.measure_every).is_multiple_of(SHARPNESS_EVERY)
                {
                    r.measure_sharpness(objective);
                }
            } else {
                r.measured = false;
            }
            if (measure && !r.loss.is_finite()) || !r.x.iter().all(|v| v.is_finite()) {
                r.stopped = Some(StopReason::Diverged { step: r.step });
                continue;
            }
            running += 1;
        }
        self.steps += 1;
        if self.steps >= self.next_due {
            self.apply_due();
        }
        running
    }

    /// Applies the scheduled edits whose step has been reached.
    fn apply_due(&mut self) {
        while let Some(e) = self.schedule.get(self.next)
            && e.step <= self.steps
        {
            let e = e.clone();
            self.next += 1;
            // The scene validated every scheduled edit; one that fails here is skipped.
            let _ = self.apply_edit(&e.path, &e.value);
        }
        self.next_due = self.schedule.get(self.next).map_or(u64::MAX, |e| e.step);
    }

    /// Applies a live edit now (at the current step) and logs it. The path names a scene field
    /// (`optimizers.0.lr`, `noise.grad.std`, `playback.speed`); playback fields are only
    /// logged. An edit of a field that is not live is refused.
    pub fn apply_edit(&mut self, path: &str, value: &EditValue) -> Result<(), String> {
        match EditPath::parse(path)? {
            EditPath::Optimizer { index, key } => {
                let Some(slot) = self.racer_of.get(index) else {
                    return Err(format!("`{path}`: no optimizer {index}"));
                };
                if let Some(i) = *slot {
                    let r = &mut self.racers[i];
                    let live = r.method.config().param(key).map(|(m, _)| m.live);
                    if live != Some(true) {
                        return Err(format!("`{path}` is not a live parameter"));
                    }
                    value.set(r.method.config_mut(), key)?;
                    value.set(r.optimizer.config_mut(), key)?;
                    r.optimizer.retuned();
                }
            }
            EditPath::Noise { channel, key } => {
                self.noise.set_param(channel, key, value)?;
                self.quiet = !self.noise.any();
            }
            EditPath::Speed => {}
        }
        let logged = edit::push(
            &mut self.log,
            Edit {
                step: self.steps,
                path: path.to_owned(),
                value: value.clone(),
            },
        );
        self.log_full |= !logged;
        Ok(())
    }

    /// The racers, in the order they were given.
    pub fn racers(&self) -> &[Racer] {
        &self.racers
    }

    /// The objective being minimised.
    pub fn objective(&self) -> &dyn Objective {
        self.objective.as_ref()
    }

    /// The objective, shared (for work on other threads, such as landscape grids).
    pub fn shared_objective(&self) -> Arc<dyn Objective> {
        self.objective.clone()
    }

    /// The seed the run's streams derive from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The noise model in force.
    pub fn noise(&self) -> &Noise {
        &self.noise
    }

    /// How many times [`Run::step`] has been called.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Every edit applied so far, in order, each with the step at which it took effect.
    pub fn log(&self) -> &[Edit] {
        &self.log
    }

    /// The scheduled edits not yet applied.
    pub fn pending(&self) -> &[Edit] {
        &self.schedule[self.next.min(self.schedule.len())..]
    }

    /// Whether an edit went unlogged because the log reached [`edit::MAX_EDITS`].
    pub fn log_full(&self) -> bool {
        self.log_full
    }

    /// Every how many steps the clean loss and gradient are measured (1 except on networks).
    pub fn measure_every(&self) -> u64 {
        self.measure_every
    }

    /// How many racers have not stopped.
    pub fn running(&self) -> usize {
        self.racers.iter().filter(|r| r.stopped.is_none()).count()
    }
}
