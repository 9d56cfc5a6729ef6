//! `Run`: several optimizers racing in lock step on one objective. `Run::step` is the one loop
//! body of Optiscope; the engine thread, the CLI and the tests all drive it.

use std::fmt;

use rand::SeedableRng as _;
use rand_pcg::Pcg64;

use crate::noise::Noise;
use crate::optim::{Counts, Halt, Method, Optimizer, Oracle};
use crate::problem::{Objective, Problem, Vector};

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
pub struct Racer {
    label: String,
    method: Method,
    optimizer: Box<dyn Optimizer>,
    x: Vector,
    grad: Vector,
    counts: Counts,
    noise_rng: Pcg64,
    probe_rng: Pcg64,
    step: u64,
    loss: f64,
    stopped: Option<StopReason>,
}

impl Racer {
    /// Its label.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// Its method and parameters.
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
    /// The clean objective value at the current iterate.
    pub fn loss(&self) -> f64 {
        self.loss
    }
    /// ‖∇f‖ at the current iterate, noise-free.
    pub fn grad_norm(&self) -> f64 {
        self.grad.dot(&self.grad).sqrt()
    }
    /// Cumulative oracle counts.
    pub fn counts(&self) -> Counts {
        self.counts
    }
    /// Steps taken; 0 is the start point.
    pub fn step_idx(&self) -> u64 {
        self.step
    }
    /// Why it stopped, if it did.
    pub fn stopped(&self) -> Option<&StopReason> {
        self.stopped.as_ref()
    }

    /// Recomputes the clean metrics at `x`, outside the oracle's counts.
    fn measure(&mut self, objective: &dyn Objective) {
        self.loss = objective.value_and_gradient_into(self.x.view(), self.grad.view_mut());
    }
}

/// SplitMix64, to derive independent stream seeds from a scene seed.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream `stream` of racer `index` under `seed`.
fn stream(seed: u64, index: usize, stream: u64) -> Pcg64 {
    let s = splitmix(splitmix(seed) ^ splitmix((index as u64) << 8 | stream));
    Pcg64::seed_from_u64(s)
}

/// Several optimizers racing from one start on one objective, with one noise model.
pub struct Run {
    objective: Box<dyn Objective>,
    noise: Noise,
    racers: Vec<Racer>,
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
        let objective = problem.build();
        let dim = objective.dim();
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
                    counts: Counts::default(),
                    noise_rng: stream(seed, i, 1),
                    probe_rng: stream(seed, i, 2),
                    step: 0,
                    loss: f64::NAN,
                    stopped: None,
                };
                r.measure(objective.as_ref());
                if !r.loss.is_finite() {
                    r.stopped = Some(StopReason::Diverged { step: 0 });
                }
                r
            })
            .collect();
        Self {
            objective,
            noise,
            racers,
        }
    }

    /// Advances every running racer by one step, in lock step. Returns how many still run.
    pub fn step(&mut self) -> usize {
        let objective = self.objective.as_ref();
        let mut running = 0;
        for r in self.racers.iter_mut().filter(|r| r.stopped.is_none()) {
            let mut oracle = Oracle::new(
                objective,
                &self.noise,
                &mut r.noise_rng,
                &mut r.probe_rng,
                &mut r.counts,
            );
            let result = r.optimizer.step(&mut r.x, &mut oracle);
            r.step += 1;
            if let Err(why) = result {
                r.stopped = Some(StopReason::Halted { step: r.step, why });
                continue;
            }
            r.measure(objective);
            if !r.loss.is_finite() || !r.x.iter().all(|v| v.is_finite()) {
                r.stopped = Some(StopReason::Diverged { step: r.step });
                continue;
            }
            running += 1;
        }
        running
    }

    /// The racers, in the order they were given.
    pub fn racers(&self) -> &[Racer] {
        &self.racers
    }

    /// The objective being minimised.
    pub fn objective(&self) -> &dyn Objective {
        self.objective.as_ref()
    }

    /// The noise model in force.
    pub fn noise(&self) -> &Noise {
        &self.noise
    }

    /// Changes the noise model; the run goes on (a live dial).
    pub fn set_noise(&mut self, noise: Noise) {
        self.noise = noise;
    }

    /// Gives racer `i` new live parameters, keeping its state. Returns `false` when that needs
    /// a new run instead.
    pub fn retune(&mut self, i: usize, method: &Method) -> bool {
        let Some(r) = self.racers.get_mut(i) else {
            return false;
        };
        if !r.method.differs_only_live(method) || !r.optimizer.retune(method) {
            return false;
        }
        r.method = method.clone();
        true
    }

    /// How many racers have not stopped.
    pub fn running(&self) -> usize {
        self.racers.iter().filter(|r| r.stopped.is_none()).count()
    }
}
