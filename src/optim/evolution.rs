//! Evolution strategies: a population probes around a search distribution, and the distribution
//! moves towards the members that did best. OpenAI's ES estimates a gradient from the
//! population; CMA-ES (in `cma_es.rs`) also learns the distribution's shape; the (1+1)-ES adapts
//! one step size by its success rate.
//!
//! ## References
//! - Salimans, Ho, Chen, Sidor & Sutskever (2017), "Evolution strategies as a scalable
//!   alternative to reinforcement learning", arXiv:1703.03864: antithetic sampling and
//!   centred-rank fitness shaping.
//! - CMA-ES has its own file, `cma_es.rs`.
//! - Kern, Müller, Hansen, Büche, Ocenasek & Koumoutsakos (2004), "Learning probability
//!   distributions in continuous evolutionary algorithms – a comparative review", Natural
//!   Computing 3: the (1+1)-ES with the 1/5th success rule, damping 1 + d/2.

use ndarray::ArrayView1;
use rand_distr::{Distribution as _, StandardNormal};

use super::estimator::{Directions, EstimatorKind};
use super::zeroth_order::{axpy, descend, remember};
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::Vector;
use crate::params::Params;

/// The most population members an overlay draws.
const MAX_DRAWN: usize = 64;

/// Draws the population rows of `pop` (n × d) as probes.
pub(super) fn draw_population(pop: &[f64], d: usize, n: usize, out: &mut Overlay) {
    for i in 0..n.min(MAX_DRAWN) {
        let p = out.vector(ArrayView1::from(&pop[i * d..(i + 1) * d]));
        out.draw(Role::Population, Shape::Point(p));
    }
}

/// Sorts `order` (0..n) by the values `f`, best (lowest) first; NaN last.
pub(super) fn rank(order: &mut [usize], f: &[f64]) {
    for (i, o) in order.iter_mut().enumerate() {
        *o = i;
    }
    order.sort_unstable_by(|a, b| {
        let (fa, fb) = (f[*a], f[*b]);
        fa.is_nan().cmp(&fb.is_nan()).then(fa.total_cmp(&fb))
    });
}

// ---------------------------------------------------------------------------------------------
// OpenAI-style evolution strategy.

crate::params! {
    /// OpenAI-style ES: a Gaussian population θ + σεᵢ, the gradient estimate
    /// ĝ = (1/(nσ)) Σ F̃ᵢ εᵢ, then θ ← θ − ηĝ.
    pub struct EsConfig {
        /// Step size η.
        lr: f64 = 0.02, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// The population's spread σ: the radius the objective is smoothed over.
        sigma: f64 = 0.1, "population spread σ", (1e-4, 2.0), Log, Positive, live;
        /// Members per generation (an even number with antithetic sampling).
        popsize: usize = 20, "population size n", (2, 200), Linear, Within(2.0, 10_000.0), live;
        /// Sample in pairs ±ε, which cancels the even part of f and the need for a baseline.
        antithetic: bool = true, "antithetic pairs ±ε", (0, 1), Linear, Finite, live;
        /// Replace values by centred ranks in [−½, ½]: invariant to monotone changes of f, robust
        /// to outliers, but no longer an unbiased gradient estimate.
        shaping: bool = true, "rank-based fitness shaping", (0, 1), Linear, Finite, live;
    }
}

impl MethodConfig for EsConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let mut es = Es {
            c: self.clone(),
            eps: Vec::new(),
            f: Vec::new(),
            order: Vec::new(),
            probe: Vector::zeros(dim),
            g: Vector::zeros(dim),
            from: Vector::zeros(dim),
            k: 0,
        };
        es.retuned();
        Box::new(es)
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn check(&self) -> Result<(), String> {
        if self.antithetic && self.popsize % 2 == 1 {
            return Err(format!(
                "`popsize` = {} must be even with `antithetic` pairs",
                self.popsize
            ));
        }
        Ok(())
    }
    fn estimator(&self) -> Option<EstimatorKind> {
        Some(EstimatorKind {
            directions: if self.shaping {
                Directions::Shaped
            } else {
                Directions::Gaussian
            },
            q: if self.antithetic {
                self.popsize / 2
            } else {
                self.popsize
            },
        })
    }
    fn reference(&self) -> &'static str {
        "Salimans et al. (2017), arXiv:1703.03864"
    }
}

#[derive(Clone)]
struct Es {
    c: EsConfig,
    /// The population's noise vectors εᵢ, n × d.
    eps: Vec<f64>,
    f: Vec<f64>,
    order: Vec<usize>,
    probe: Vector,
    g: Vector,
    from: Vector,
    k: u64,
}

impl Es {
    /// The members of a generation: antithetic pairs need an even population, so an odd one
    /// (a live edit) drops its last.
    fn members(&self) -> usize {
        let n = self.c.popsize.max(2);
        if self.c.antithetic { n & !1 } else { n }
    }

    fn estimate_into(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) {
        let (n, d, sigma) = (self.members(), x.len(), self.c.sigma);
        let (Some(xs), Some(gs)) = (x.as_slice(), g.as_slice_mut()) else {
            return;
        };
        let rng = oracle.rng();
        for i in 0..n {
            if self.c.antithetic && i % 2 == 1 {
                // The mirror image −ε of the previous member.
                let (prev, row) = self.eps[(i - 1) * d..(i + 1) * d].split_at_mut(d);
                row.iter_mut().zip(prev.iter()).for_each(|(r, p)| *r = -p);
            } else {
                for e in &mut self.eps[i * d..(i + 1) * d] {
                    *e = StandardNormal.sample(&mut *rng);
                }
            }
        }
        for i in 0..n {
            let Some(probe) = self.probe.as_slice_mut() else {
                return;
            };
            probe.copy_from_slice(xs);
            axpy(probe, sigma, &self.eps[i * d..(i + 1) * d]);
            self.f[i] = oracle.value(self.probe.view());
        }
        // The fitness F̃ᵢ: centred ranks, or the values themselves (antithetic pairs make the
        // weights differences f₊ − f₋), or the values less their mean (a baseline).
        if self.c.shaping {
            rank(&mut self.order[..n], &self.f[..n]);
            let denom = (n - 1) as f64;
            for (r, &i) in self.order[..n].iter().enumerate() {
                self.f[i] = r as f64 / denom - 0.5;
            }
        } else if !self.c.antithetic {
            let mean = self.f[..n].iter().sum::<f64>() / n as f64;
            self.f[..n].iter_mut().for_each(|v| *v -= mean);
        }
        gs.fill(0.0);
        let scale = 1.0 / (n as f64 * sigma);
        for i in 0..n {
            axpy(gs, scale * self.f[i], &self.eps[i * d..(i + 1) * d]);
        }
    }
}

impl Optimizer for Es {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, x);
        let mut g = std::mem::take(&mut self.g);
        self.estimate_into(x, oracle, &mut g);
        descend(x, self.c.lr, &g);
        self.g = g;
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn retuned(&mut self) {
        let (d, n) = (self.probe.len(), self.c.popsize.max(2));
        self.eps.resize(n * d, 0.0);
        self.f.resize(n, 0.0);
        self.order.resize(n, 0);
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn smoothing_radius(&self) -> Option<f64> {
        Some(self.c.sigma)
    }

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        self.estimate_into(x, oracle, g);
        true
    }

    /// The last population θ + σεᵢ, its σ-circle and the step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let d = self.from.len();
        let n = self.members();
        let centre = out.vector(self.from.view());
        for i in 0..n.min(MAX_DRAWN) {
            let p = out.vector_along(
                self.from.view(),
                self.c.sigma,
                ArrayView1::from(&self.eps[i * d..(i + 1) * d]),
            );
            out.draw(Role::Population, Shape::Point(p));
        }
        out.draw(
            Role::SearchRadius,
            Shape::Circle {
                centre,
                radius: self.c.sigma,
            },
        );
        let to = out.vector_along(self.from.view(), -self.c.lr, self.g.view());
        out.draw(Role::Step, Shape::Arrow(centre, to));
    }
}

// ---------------------------------------------------------------------------------------------
// (1+1)-ES.

crate::params! {
    /// The (1+1)-ES: one Gaussian candidate x + σz per step, kept if it is no worse; σ grows
    /// after a success and shrinks after a failure so that about a fifth of candidates succeed.
    pub struct OnePlusOneConfig {
        /// The initial step size σ₀.
        sigma0: f64 = 0.3, "initial step size σ₀", (1e-4, 10.0), Log, Positive, restart;
        /// The success rate σ is tuned to (Rechenberg's 1/5).
        target: f64 = 0.2, "target success rate", (0.05, 0.5), Linear, Within(0.01, 0.99), live;
    }
}

const ONE_PLUS_ONE_DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "sigma",
        name: "step size σ",
        log: true,
    },
    Diagnostic {
        key: "success_rate",
        name: "success rate (last ~20 steps)",
        log: false,
    },
];

impl MethodConfig for OnePlusOneConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(OnePlusOne {
            sigma: self.sigma0,
            c: self.clone(),
            fx: f64::NAN,
            at: z.clone(),
            from: z.clone(),
            candidate: z,
            accepted: false,
            success_rate: self.target,
            k: 0,
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &ONE_PLUS_ONE_DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Rechenberg (1973); the update of Kern et al. (2004), Natural Computing 3"
    }
}

#[derive(Clone)]
struct OnePlusOne {
    c: OnePlusOneConfig,
    sigma: f64,
    /// f at `at`, the parent (re-evaluated if the iterate was moved from outside, by the
    /// Langevin channel).
    fx: f64,
    at: Vector,
    from: Vector,
    candidate: Vector,
    accepted: bool,
    success_rate: f64,
    k: u64,
}

impl Optimizer for OnePlusOne {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if self.fx.is_nan() || *x != self.at {
            self.fx = oracle.value(x.view());
            self.at.assign(x);
        }
        self.from.assign(x);
        let d = x.len() as f64;
        {
            let rng = oracle.rng();
            for (ci, xi) in self.candidate.iter_mut().zip(x.iter()) {
                let z: f64 = StandardNormal.sample(&mut *rng);
                *ci = xi + self.sigma * z;
            }
        }
        let fc = oracle.value(self.candidate.view());
        self.accepted = fc <= self.fx;
        if self.accepted {
            x.assign(&self.candidate);
            self.at.assign(&self.candidate);
            self.fx = fc;
        }
        // σ ← σ exp((1_success − p)/(d_σ(1 − p))) with d_σ = 1 + d/2.
        let p = self.c.target;
        let s = if self.accepted { 1.0 } else { 0.0 };
        self.sigma *= ((s - p) / ((1.0 + d / 2.0) * (1.0 - p))).exp();
        self.success_rate += (s - self.success_rate) / 20.0;
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn smoothing_radius(&self) -> Option<f64> {
        Some(self.sigma)
    }

    /// The σ-circle around the parent, and the candidate (kept or refused).
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let centre = out.vector(self.from.view());
        out.draw(
            Role::SearchRadius,
            Shape::Circle {
                centre,
                radius: self.sigma,
            },
        );
        let c = out.vector(self.candidate.view());
        let role = if self.accepted {
            Role::TrialAccepted
        } else {
            Role::TrialRejected
        };
        out.draw(Role::ProbeLink, Shape::Segment(centre, c));
        out.draw(role, Shape::Point(c));
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.sigma;
        out[1] = self.success_rate;
    }
}
