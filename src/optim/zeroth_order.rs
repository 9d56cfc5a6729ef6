//! Zeroth-order gradient estimators: coordinate finite differences, the random gradient
//! estimator and SPSA. They learn from function values and randomness alone, never asking for a
//! gradient: they probe the objective around the iterate and reinforce the directions in which
//! it fell, the review's reading of learning without derivatives.
//!
//! Each keeps its last estimate ĝ and the iterate it was taken at, so the engine's estimator
//! inspector can set it beside the true gradient, and each can estimate at any point without
//! stepping (the inspector's cloud).
//!
//! ## References
//! - Kiefer & Wolfowitz (1952), "Stochastic estimation of the maximum of a regression function",
//!   Ann. Math. Statist. 23(3): finite-difference stochastic approximation.
//! - Nesterov & Spokoiny (2017), "Random gradient-free minimization of convex functions",
//!   Found. Comput. Math. 17: the Gaussian-smoothing estimator, E‖ĝ‖² = (d + 2)‖∇f‖².
//! - Liu et al. (2020), "A primer on zeroth-order optimization in signal processing and machine
//!   learning", IEEE Signal Processing Magazine 37(5): sphere and Rademacher directions, q-point
//!   averaging.
//! - Spall (1992), "Multivariate stochastic approximation using a simultaneous perturbation
//!   gradient approximation", IEEE Trans. Automatic Control 37(3).
//! - Spall (1998), "Implementation of the simultaneous perturbation algorithm for stochastic
//!   optimization", IEEE Trans. Aerospace and Electronic Systems 34(3): the gains
//!   a_k = a/(k + 1 + A)^α and c_k = c/(k + 1)^γ with α = 0.602 and γ = 0.101, and averaging of
//!   several estimates per step.

use ndarray::ArrayView1;
use rand::RngExt as _;
use rand_distr::{Distribution as _, StandardNormal};
use rand_pcg::Pcg64;

use super::estimator::{Directions, EstimatorKind};
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::Vector;
use crate::params::Params;

/// The most probe points an overlay draws (a large q or d would only hide the landscape).
const MAX_DRAWN_PROBES: usize = 64;

crate::choice! {
    /// One-sided or two-sided differences.
    pub enum Scheme {
        Forward = "forward", "forward (f(x + μu) − f(x))/μ";
        Central = "central", "central (f(x + μu) − f(x − μu))/(2μ)";
    }
}

crate::choice! {
    /// The distribution of the random directions.
    pub enum Dist {
        Gaussian = "gaussian", "Gaussian u ~ N(0, I)";
        Sphere = "sphere", "uniform on the sphere, scaled by d";
        Rademacher = "rademacher", "Rademacher u ∈ {±1}ᵈ";
    }
}

impl Dist {
    fn directions(self) -> Directions {
        match self {
            Dist::Gaussian => Directions::Gaussian,
            Dist::Sphere => Directions::Sphere,
            Dist::Rademacher => Directions::Rademacher,
        }
    }
}

/// Draws one direction into `u`. Sphere directions are unit vectors (the estimator multiplies
/// by d, so that E[d·uuᵀ] = I).
fn draw(dist: Dist, rng: &mut Pcg64, u: &mut [f64]) {
    match dist {
        Dist::Gaussian | Dist::Sphere => {
            for ui in u.iter_mut() {
                *ui = StandardNormal.sample(rng);
            }
            if dist == Dist::Sphere {
                let n = u.iter().map(|v| v * v).sum::<f64>().sqrt();
                if n > 0.0 {
                    u.iter_mut().for_each(|v| *v /= n);
                }
            }
        }
        Dist::Rademacher => {
            for ui in u.iter_mut() {
                *ui = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
            }
        }
    }
}

/// The random-direction estimate shared by RGE and SPSA:
/// ĝ = (s/q) Σᵢ δᵢ uᵢ with δᵢ the forward or central difference quotient along uᵢ and s = d for
/// sphere directions (1 otherwise). Directions are drawn from the method's own stream and kept
/// in `dirs` (q × d, row after row).
#[derive(Clone)]
struct Directional {
    dist: Dist,
    scheme: Scheme,
    q: usize,
    dirs: Vec<f64>,
    probe: Vector,
}

impl Directional {
    fn new(dim: usize, dist: Dist, scheme: Scheme, q: usize) -> Self {
        Self {
            dist,
            scheme,
            q,
            dirs: vec![0.0; q * dim],
            probe: Vector::zeros(dim),
        }
    }

    fn resize(&mut self, q: usize) {
        let d = self.probe.len();
        self.q = q;
        self.dirs.resize(q * d, 0.0);
    }

    fn estimate(&mut self, x: &Vector, mu: f64, oracle: &mut Oracle<'_>, g: &mut Vector) {
        let d = x.len();
        // Plain slices: ndarray's general zips cost more than the arithmetic at small d.
        let (Some(xs), Some(gs)) = (x.as_slice(), g.as_slice_mut()) else {
            return;
        };
        gs.fill(0.0);
        let base = match self.scheme {
            Scheme::Forward => oracle.value(x.view()),
            Scheme::Central => f64::NAN,
        };
        let scale = if self.dist == Dist::Sphere {
            d as f64
        } else {
            1.0
        } / self.q as f64;
        for i in 0..self.q {
            let row = &mut self.dirs[i * d..(i + 1) * d];
            draw(self.dist, oracle.rng(), row);
            let Some(probe) = self.probe.as_slice_mut() else {
                return;
            };
            for ((p, xv), u) in probe.iter_mut().zip(xs).zip(row.iter()) {
                *p = xv + mu * u;
            }
            let plus = oracle.value(self.probe.view());
            let quotient = match self.scheme {
                Scheme::Forward => (plus - base) / mu,
                Scheme::Central => {
                    let Some(probe) = self.probe.as_slice_mut() else {
                        return;
                    };
                    for ((p, xv), u) in probe.iter_mut().zip(xs).zip(row.iter()) {
                        *p = xv - mu * u;
                    }
                    (plus - oracle.value(self.probe.view())) / (2.0 * mu)
                }
            };
            axpy(gs, scale * quotient, row);
        }
    }

    /// The probes of the last estimate around `from`, joined to it.
    fn draw(&self, from: &Vector, mu: f64, out: &mut Overlay) {
        let d = from.len();
        let centre = out.vector(from.view());
        let signs: &[f64] = match self.scheme {
            Scheme::Forward => &[1.0],
            Scheme::Central => &[1.0, -1.0],
        };
        let shown = self.q.min(MAX_DRAWN_PROBES / signs.len());
        for i in 0..shown {
            let u = ArrayView1::from(&self.dirs[i * d..(i + 1) * d]);
            for s in signs {
                let p = out.vector_along(from.view(), s * mu, u);
                out.draw(Role::ProbeLink, Shape::Segment(centre, p));
                out.draw(Role::Probe, Shape::Point(p));
            }
        }
    }
}

/// y ← y + a·x, on slices.
#[inline]
pub(super) fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Takes the step x ← x − η·g.
pub(super) fn descend(x: &mut Vector, eta: f64, g: &Vector) {
    if let (Some(xs), Some(gs)) = (x.as_slice_mut(), g.as_slice()) {
        axpy(xs, -eta, gs);
    }
}

/// Keeps the iterate an estimate was taken at.
pub(super) fn remember(from: &mut Vector, x: &Vector) {
    if let (Some(f), Some(xs)) = (from.as_slice_mut(), x.as_slice()) {
        f.copy_from_slice(xs);
    }
}

/// Draws the step x ← from − η·g.
pub(super) fn draw_step(from: &Vector, lr: f64, g: &Vector, out: &mut Overlay) {
    let a = out.vector(from.view());
    let b = out.vector_along(from.view(), -lr, g.view());
    out.draw(Role::Step, Shape::Arrow(a, b));
}

// ---------------------------------------------------------------------------------------------
// Coordinate finite differences.

crate::params! {
    /// Coordinate finite differences, then a gradient step: ĝᵢ = (f(x + μeᵢ) − f(x))/μ or the
    /// central quotient.
    pub struct FdConfig {
        /// Step size η of x ← x − ηĝ.
        lr: f64 = 1e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// The difference step μ. Too small and rounding (or evaluation noise) dominates; too
        /// large and the truncation bias does.
        mu: f64 = 1e-5, "difference step μ", (1e-10, 1.0), Log, Positive, live;
        /// Forward (d + 1 evaluations, bias O(μ)) or central (2d evaluations, bias O(μ²)).
        scheme: Scheme = Scheme::Forward, "scheme", (0.0, 0.0), Linear, Finite, live;
    }
}

impl MethodConfig for FdConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(Fd {
            c: self.clone(),
            g: z.clone(),
            from: z.clone(),
            probe: z,
            k: 0,
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn estimator(&self) -> Option<EstimatorKind> {
        Some(EstimatorKind {
            directions: Directions::Coordinates,
            q: 1,
        })
    }
    fn reference(&self) -> &'static str {
        "Kiefer & Wolfowitz (1952), Ann. Math. Statist. 23(3)"
    }
}

#[derive(Clone)]
struct Fd {
    c: FdConfig,
    g: Vector,
    from: Vector,
    probe: Vector,
    k: u64,
}

impl Fd {
    fn estimate_into(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) {
        let mu = self.c.mu;
        let base = match self.c.scheme {
            Scheme::Forward => oracle.value(x.view()),
            Scheme::Central => f64::NAN,
        };
        self.probe.assign(x);
        for i in 0..x.len() {
            let xi = x[i];
            self.probe[i] = xi + mu;
            let plus = oracle.value(self.probe.view());
            g[i] = match self.c.scheme {
                Scheme::Forward => (plus - base) / mu,
                Scheme::Central => {
                    self.probe[i] = xi - mu;
                    (plus - oracle.value(self.probe.view())) / (2.0 * mu)
                }
            };
            self.probe[i] = xi;
        }
    }
}

impl Optimizer for Fd {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, x);
        let mut g = std::mem::take(&mut self.g);
        self.estimate_into(x, oracle, &mut g);
        descend(x, self.c.lr, &g);
        // Taking and returning the buffer moves it; nothing is allocated.
        self.g = g;
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn smoothing_radius(&self) -> Option<f64> {
        Some(self.c.mu)
    }

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        self.estimate_into(x, oracle, g);
        true
    }

    /// The probes x ± μeᵢ of the last step and the step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let centre = out.vector(self.from.view());
        let d = self.from.len();
        let signs: &[f64] = match self.c.scheme {
            Scheme::Forward => &[1.0],
            Scheme::Central => &[1.0, -1.0],
        };
        for i in 0..d.min(MAX_DRAWN_PROBES / signs.len()) {
            for s in signs {
                let p = out.vector(self.from.view());
                out.set_entry(p, i, self.from[i] + s * self.c.mu);
                out.draw(Role::ProbeLink, Shape::Segment(centre, p));
                out.draw(Role::Probe, Shape::Point(p));
            }
        }
        draw_step(&self.from, self.c.lr, &self.g, out);
    }
}

// ---------------------------------------------------------------------------------------------
// The random gradient estimator.

crate::params! {
    /// The random gradient estimator (ZO-SGD): ĝ = (1/q) Σᵢ (f(x + μuᵢ) − f(x))/μ · uᵢ over q
    /// random directions, then x ← x − ηĝ.
    pub struct RgeConfig {
        /// Step size η; about η_GD/(d + 2) for q = 1.
        lr: f64 = 2e-4, "learning rate η", (1e-6, 1.0), Log, Positive, live;
        /// The smoothing radius μ: the estimate is unbiased for the smoothed f_μ.
        mu: f64 = 1e-3, "smoothing radius μ", (1e-10, 1.0), Log, Positive, live;
        /// Directions averaged per step; the variance falls as 1/q.
        q: usize = 1, "directions per step q", (1, 100), Linear, Within(1.0, 10_000.0), live;
        /// The distribution of the directions.
        dist: Dist = Dist::Gaussian, "directions", (0.0, 0.0), Linear, Finite, live;
        /// Forward (q + 1 evaluations) or central (2q evaluations) differences.
        scheme: Scheme = Scheme::Forward, "scheme", (0.0, 0.0), Linear, Finite, live;
    }
}

impl MethodConfig for RgeConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(Rge {
            est: Directional::new(dim, self.dist, self.scheme, self.q),
            c: self.clone(),
            g: z.clone(),
            from: z,
            k: 0,
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn estimator(&self) -> Option<EstimatorKind> {
        Some(EstimatorKind {
            directions: self.dist.directions(),
            q: self.q,
        })
    }
    fn reference(&self) -> &'static str {
        "Nesterov & Spokoiny (2017), Found. Comput. Math. 17; Liu et al. (2020), IEEE SPM 37(5)"
    }
}

#[derive(Clone)]
struct Rge {
    c: RgeConfig,
    est: Directional,
    g: Vector,
    from: Vector,
    k: u64,
}

impl Optimizer for Rge {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, x);
        self.est.estimate(x, self.c.mu, oracle, &mut self.g);
        descend(x, self.c.lr, &self.g);
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn retuned(&mut self) {
        self.est.dist = self.c.dist;
        self.est.scheme = self.c.scheme;
        self.est.resize(self.c.q);
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn smoothing_radius(&self) -> Option<f64> {
        Some(self.c.mu)
    }

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        self.est.estimate(x, self.c.mu, oracle, g);
        true
    }

    /// The probes x + μuᵢ (and x − μuᵢ) of the last step, and the step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        self.est.draw(&self.from, self.c.mu, out);
        draw_step(&self.from, self.c.lr, &self.g, out);
    }
}

// ---------------------------------------------------------------------------------------------
// SPSA.

crate::params! {
    /// SPSA with Spall's gain sequences: ĝ = (f(x + c_kΔ) − f(x − c_kΔ))/(2c_k) · Δ⁻¹ along a
    /// random Δ ∈ {±1}ᵈ, averaged over q draws, then x ← x − a_k ĝ.
    pub struct SpsaConfig {
        /// Step gain a in a_k = a / (k + 1 + A)^α.
        a: f64 = 2e-3, "a, the step gain", (1e-5, 1.0), Log, Positive, live;
        /// Perturbation size c in c_k = c / (k + 1)^γ; about the noise level of f.
        c: f64 = 1e-2, "c, the perturbation size", (1e-5, 1.0), Log, Positive, live;
        /// Stability constant A, about a tenth of the iteration budget.
        big_a: f64 = 10.0, "A, the stability constant", (0.0, 1000.0), Linear, NonNegative, live;
        /// Decay exponent α of the step gain (Spall's practical value 0.602).
        alpha: f64 = 0.602, "α, the step-gain decay", (0.0, 1.0), Linear, Within(0.0, 1.0), live;
        /// Decay exponent γ of the perturbation size (Spall's practical value 0.101).
        gamma: f64 = 0.101, "γ, the perturbation decay", (0.0, 0.5), Linear, Within(0.0, 1.0), live;
        /// Estimates averaged per step (2q evaluations).
        q: usize = 1, "estimates averaged per step q", (1, 100), Linear, Within(1.0, 10_000.0), live;
    }
}

const SPSA_DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "a_k",
        name: "step gain a_k",
        log: true,
    },
    Diagnostic {
        key: "c_k",
        name: "perturbation size c_k",
        log: true,
    },
];

impl MethodConfig for SpsaConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(Spsa {
            c: self.clone(),
            est: Directional::new(dim, Dist::Rademacher, Scheme::Central, self.q),
            g: z.clone(),
            from: z,
            k: 0,
            gains: [f64::NAN; 2],
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &SPSA_DIAGNOSTICS
    }
    fn estimator(&self) -> Option<EstimatorKind> {
        Some(EstimatorKind {
            directions: Directions::Rademacher,
            q: self.q,
        })
    }
    fn reference(&self) -> &'static str {
        "Spall (1992), IEEE TAC 37(3); gains from Spall (1998), IEEE TAES 34(3)"
    }
}

/// Simultaneous perturbation stochastic approximation.
#[derive(Clone)]
struct Spsa {
    c: SpsaConfig,
    /// Central differences along Rademacher directions: 1/Δᵢ = Δᵢ for Δᵢ = ±1, so SPSA's
    /// estimate is the directional estimate along Δ.
    est: Directional,
    g: Vector,
    /// The iterate the last probes were taken around.
    from: Vector,
    k: u64,
    /// The gains (a_k, c_k) of the last step.
    gains: [f64; 2],
}

impl Spsa {
    /// The gains (a_k, c_k) of step k.
    fn gains(&self, k: u64) -> [f64; 2] {
        let k = k as f64;
        [
            self.c.a / (k + 1.0 + self.c.big_a).powf(self.c.alpha),
            self.c.c / (k + 1.0).powf(self.c.gamma),
        ]
    }
}

impl Optimizer for Spsa {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        let [ak, ck] = self.gains(self.k);
        self.gains = [ak, ck];
        self.k += 1;
        remember(&mut self.from, x);
        self.est.estimate(x, ck, oracle, &mut self.g);
        descend(x, ak, &self.g);
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn retuned(&mut self) {
        self.est.resize(self.c.q);
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.gains[0])
    }

    fn smoothing_radius(&self) -> Option<f64> {
        Some(self.gains(self.k)[1])
    }

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        let [_, ck] = self.gains(self.k);
        self.est.estimate(x, ck, oracle, g);
        true
    }

    /// The probes x ± c_kΔ of the last step, joined to the iterate they were taken around.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        self.est.draw(&self.from, self.gains[1], out);
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[..2].copy_from_slice(&self.gains);
    }
}
