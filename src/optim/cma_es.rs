//! CMA-ES: a Gaussian population whose covariance learns the shape of the landscape (it
//! approaches the shape of H⁻¹ from function values alone), with cumulative step-size
//! adaptation, active covariance updates and optional IPOP restarts.
//!
//! ## References
//! - Hansen (2016), "The CMA evolution strategy: a tutorial", arXiv:1604.00772: the algorithm
//!   and every default used here (Table 1, eqs. (44)–(55), Appendix A and B.3).
//! - Hansen & Ostermeier (2001), "Completely derandomized self-adaptation in evolution
//!   strategies", Evolutionary Computation 9(2).
//! - Auger & Hansen (2005), "A restart CMA evolution strategy with increasing population size",
//!   IEEE CEC: IPOP restarts.

use ndarray::ArrayView1;
use rand_distr::{Distribution as _, StandardNormal};

use super::evolution::{draw_population, rank};
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::{Matrix, Vector, symmetric_eigen_in_place};
use crate::params::Params;

crate::params! {
    /// CMA-ES with the defaults of Hansen's tutorial: λ = 4 + ⌊3 ln d⌋, μ = ⌊λ/2⌋, logarithmic
    /// weights, cumulative step-size adaptation and rank-one plus rank-μ covariance updates.
    pub struct CmaEsConfig {
        /// The initial step size σ₀, about a third of the region the optimum may lie in.
        sigma0: f64 = 0.5, "initial step size σ₀", (1e-3, 10.0), Log, Positive, restart;
        /// Members per generation λ; 0 takes the default 4 + ⌊3 ln d⌋.
        popsize: usize = 0, "population λ (0 = 4 + ⌊3 ln d⌋)", (0, 200), Linear, Within(0.0, 10_000.0), restart;
        /// Restart with a doubled population when the search stalls (IPOP), up to
        /// `max_restarts` times.
        ipop: bool = false, "IPOP restarts (λ doubles)", (0, 1), Linear, Finite, live;
        /// The most IPOP restarts.
        max_restarts: usize = 9, "most restarts", (0, 12), Linear, Within(0.0, 12.0), live;
        /// Active CMA: the worst members' directions also shrink the covariance (negative
        /// weights, the tutorial's default).
        active: bool = true, "active covariance update", (0, 1), Linear, Finite, restart;
    }
}

const CMA_DIAGNOSTICS: [Diagnostic; 4] = [
    Diagnostic {
        key: "sigma",
        name: "step size σ",
        log: true,
    },
    Diagnostic {
        key: "axis_ratio",
        name: "axis ratio √(λmax/λmin) of C",
        log: true,
    },
    Diagnostic {
        key: "popsize",
        name: "population λ",
        log: false,
    },
    Diagnostic {
        key: "best_f",
        name: "best f seen",
        log: true,
    },
];

/// The largest dimension whose search ellipse the overlay draws.
const MAX_ELLIPSE_DIM: usize = 64;

impl MethodConfig for CmaEsConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let lambda = if self.popsize == 0 {
            default_lambda(dim)
        } else {
            self.popsize.max(2)
        };
        Box::new(CmaEs::new(self.clone(), dim, lambda))
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs {
            dense_state: true,
            ..Needs::VALUES
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &CMA_DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Hansen (2016), arXiv:1604.00772; IPOP: Auger & Hansen (2005), IEEE CEC"
    }
}

/// The tutorial's default population size 4 + ⌊3 ln d⌋.
pub fn default_lambda(dim: usize) -> usize {
    4 + (3.0 * (dim.max(1) as f64).ln()).floor() as usize
}

/// The strategy parameters that follow from d and λ (Hansen 2016, Table 1 and eqs. (49)–(55)).
#[derive(Clone, Debug, PartialEq)]
pub struct CmaParams {
    /// Population size λ.
    pub lambda: usize,
    /// Parents μ.
    pub mu: usize,
    /// The λ weights: w₁ ≥ … ≥ w_μ > 0 summing to 1 (recombination), then, with active CMA,
    /// negative weights for the worst λ − μ (the covariance update only), else zeros.
    pub weights: Vec<f64>,
    /// The variance-effective selection mass μ_eff = 1/Σ_{i≤μ} wᵢ².
    pub mueff: f64,
    /// Learning rate of the evolution path p_c.
    pub cc: f64,
    /// Learning rate of the step-size path p_σ.
    pub cs: f64,
    /// Rank-one learning rate.
    pub c1: f64,
    /// Rank-μ learning rate.
    pub cmu: f64,
    /// Damping of the step-size update.
    pub damps: f64,
    /// E‖N(0, I)‖, approximated as √d(1 − 1/(4d) + 1/(21d²)).
    pub chi_n: f64,
}

impl CmaParams {
    /// The defaults for dimension d and population λ; `active` keeps the negative weights.
    pub fn new(d: usize, lambda: usize, active: bool) -> Self {
        let n = d as f64;
        let mu = lambda / 2;
        let raw: Vec<f64> = (1..=lambda)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln())
            .collect();
        let (pos, neg) = raw.split_at(mu);
        let sum_pos: f64 = pos.iter().sum();
        let mueff = sum_pos * sum_pos / pos.iter().map(|w| w * w).sum::<f64>();
        let cc = (4.0 + mueff / n) / (n + 4.0 + 2.0 * mueff / n);
        let cs = (mueff + 2.0) / (n + mueff + 5.0);
        let c1 = 2.0 / ((n + 1.3).powi(2) + mueff);
        let cmu =
            (1.0 - c1).min(2.0 * (0.25 + mueff - 2.0 + 1.0 / mueff) / ((n + 2.0).powi(2) + mueff));
        let damps = 1.0 + 2.0 * (((mueff - 1.0) / (n + 1.0)).sqrt() - 1.0).max(0.0) + cs;
        let chi_n = n.sqrt() * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
        // Negative weights (eq. (53)): scaled so that their sum is −min(α_μ⁻, α_μeff⁻,
        // α_posdef⁻).
        let sum_neg: f64 = neg.iter().map(|w| w.abs()).sum();
        let scale_neg = if active && sum_neg > 0.0 {
            let neg_sq: f64 = neg.iter().map(|w| w * w).sum();
            let mueff_neg = sum_neg * sum_neg / neg_sq;
            let alpha_mu = 1.0 + c1 / cmu;
            let alpha_mueff = 1.0 + 2.0 * mueff_neg / (mueff + 2.0);
            let alpha_posdef = (1.0 - c1 - cmu) / (n * cmu);
            alpha_mu.min(alpha_mueff).min(alpha_posdef) / sum_neg
        } else {
            0.0
        };
        let weights = pos
            .iter()
            .map(|w| w / sum_pos)
            .chain(neg.iter().map(|w| w * scale_neg))
            .collect();
        Self {
            lambda,
            mu,
            weights,
            mueff,
            cc,
            cs,
            c1,
            cmu,
            damps,
            chi_n,
        }
    }
}

#[derive(Clone)]
struct CmaEs {
    c: CmaEsConfig,
    p: CmaParams,
    sigma: f64,
    pc: Vector,
    ps: Vector,
    cov: Matrix,
    /// Eigenvectors of C (columns) and the square roots of its eigenvalues.
    b: Matrix,
    dvec: Vector,
    work: Matrix,
    eigen_gen: u64,
    /// The last generation: standard normal zₖ, yₖ = B D zₖ, the points and their values.
    z: Vec<f64>,
    y: Vec<f64>,
    xs: Vec<f64>,
    f: Vec<f64>,
    order: Vec<usize>,
    /// Each member's weight in the covariance update (by member, not by rank).
    f_weight: Vec<f64>,
    y_w: Vector,
    tmp: Vector,
    generation: u64,
    /// Generations since the last (re)start.
    gen_in_start: u64,
    /// Best value of each recent generation, for the stall test (a ring).
    recent: Vec<f64>,
    start: Vector,
    started: bool,
    restarts: usize,
    /// Whether the search met a stopping criterion with no restart left: it evaluates nothing
    /// more.
    stopped: bool,
    best_f: f64,
    /// The mean the last generation was sampled around.
    from: Vector,
}

impl CmaEs {
    fn new(c: CmaEsConfig, d: usize, lambda: usize) -> Self {
        let mut s = Self {
            sigma: c.sigma0,
            p: CmaParams::new(d, lambda, c.active),
            c,
            pc: Vector::zeros(d),
            ps: Vector::zeros(d),
            cov: Matrix::eye(d),
            b: Matrix::eye(d),
            dvec: Vector::ones(d),
            work: Matrix::zeros((d, d)),
            eigen_gen: 0,
            z: Vec::new(),
            y: Vec::new(),
            xs: Vec::new(),
            f: Vec::new(),
            order: Vec::new(),
            f_weight: Vec::new(),
            y_w: Vector::zeros(d),
            tmp: Vector::zeros(d),
            generation: 0,
            gen_in_start: 0,
            recent: Vec::new(),
            start: Vector::zeros(d),
            started: false,
            restarts: 0,
            stopped: false,
            best_f: f64::INFINITY,
            from: Vector::zeros(d),
        };
        s.resize();
        s
    }

    /// Sizes the generation's buffers for λ, and the stall window 10 + ⌈30d/λ⌉.
    fn resize(&mut self) {
        let (d, l) = (self.pc.len(), self.p.lambda);
        self.z.resize(l * d, 0.0);
        self.y.resize(l * d, 0.0);
        self.xs.resize(l * d, 0.0);
        self.f.resize(l, 0.0);
        self.order.resize(l, 0);
        self.f_weight.resize(l, 0.0);
        let window = 10 + (30 * d).div_ceil(l);
        self.recent.clear();
        self.recent.resize(window, f64::NAN);
    }

    /// Starts afresh from the run's start point with population λ (an IPOP restart).
    fn restart(&mut self, x: &mut Vector, lambda: usize) {
        let d = self.pc.len();
        self.p = CmaParams::new(d, lambda, self.c.active);
        self.sigma = self.c.sigma0;
        self.pc.fill(0.0);
        self.ps.fill(0.0);
        self.cov = Matrix::eye(d);
        self.b = Matrix::eye(d);
        self.dvec.fill(1.0);
        self.gen_in_start = 0;
        self.eigen_gen = self.generation;
        self.resize();
        x.assign(&self.start);
    }

    /// Whether the search has stalled (Hansen 2016, Appendix B.3): the step is below 10⁻¹²σ₀ in
    /// every axis, the best values of recent generations (and this one's values) lie within
    /// 10⁻¹², or C's condition number exceeds 10¹⁴.
    fn stalled(&self) -> bool {
        let max_d = self.dvec.iter().copied().fold(0.0, f64::max);
        let min_d = self.dvec.iter().copied().fold(f64::INFINITY, f64::min);
        let tolx = self.sigma * max_d < 1e-12 * self.c.sigma0;
        let full = self.gen_in_start as usize >= self.recent.len();
        let (lo, hi) = self
            .recent
            .iter()
            .chain(self.f.iter())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        let tolfun = full && hi - lo < 1e-12;
        let condition = (max_d / min_d).powi(2) > 1e14;
        let broken = !self.sigma.is_finite() || self.dvec.iter().any(|v| !v.is_finite());
        tolx || tolfun || condition || broken
    }

    /// Recomputes B and D from C, symmetrised.
    fn decompose(&mut self) {
        let d = self.pc.len();
        for i in 0..d {
            for j in 0..d {
                self.work[[i, j]] = 0.5 * (self.cov[[i, j]] + self.cov[[j, i]]);
            }
        }
        symmetric_eigen_in_place(&mut self.work, &mut self.b);
        for i in 0..d {
            self.dvec[i] = self.work[[i, i]].max(1e-300).sqrt();
        }
        self.eigen_gen = self.generation;
    }
}

impl Optimizer for CmaEs {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if !self.started {
            self.start.assign(x);
            self.started = true;
        }
        if self.stopped {
            return Ok(());
        }
        let (d, lambda) = (x.len(), self.p.lambda);
        let sigma = self.sigma;
        self.from.assign(x);
        // Sample λ points m + σ B D zₖ and evaluate them.
        for k in 0..lambda {
            let rows = k * d..(k + 1) * d;
            {
                let rng = oracle.rng();
                for zi in &mut self.z[rows.clone()] {
                    *zi = StandardNormal.sample(&mut *rng);
                }
            }
            for i in 0..d {
                let mut yi = 0.0;
                for j in 0..d {
                    yi += self.b[[i, j]] * self.dvec[j] * self.z[k * d + j];
                }
                self.y[k * d + i] = yi;
                self.xs[k * d + i] = x[i] + sigma * yi;
            }
            self.f[k] = oracle.value(ArrayView1::from(&self.xs[rows]));
        }
        rank(&mut self.order, &self.f);
        let best = self.f[self.order[0]];
        self.best_f = self.best_f.min(best);
        // Recombination: y_w = Σ wᵢ y_{i:λ}, m ← m + σ y_w.
        self.y_w.fill(0.0);
        for (w, &k) in self.p.weights[..self.p.mu].iter().zip(&self.order) {
            self.y_w
                .scaled_add(*w, &ArrayView1::from(&self.y[k * d..(k + 1) * d]));
        }
        x.scaled_add(sigma, &self.y_w);
        // Step-size path: p_σ ← (1 − c_σ)p_σ + √(c_σ(2 − c_σ)μ_eff) C^(−½) y_w, with
        // C^(−½) = B D⁻¹ Bᵀ.
        let p = &self.p;
        for j in 0..d {
            let mut s = 0.0;
            for i in 0..d {
                s += self.b[[i, j]] * self.y_w[i];
            }
            self.tmp[j] = s / self.dvec[j];
        }
        let ks = (p.cs * (2.0 - p.cs) * p.mueff).sqrt();
        for i in 0..d {
            let mut s = 0.0;
            for j in 0..d {
                s += self.b[[i, j]] * self.tmp[j];
            }
            self.ps[i] = (1.0 - p.cs) * self.ps[i] + ks * s;
        }
        let ps_norm = self.ps.dot(&self.ps).sqrt();
        let t = (self.gen_in_start + 1) as f64;
        let hsig = ps_norm / (1.0 - (1.0 - p.cs).powf(2.0 * t)).sqrt() / p.chi_n
            < 1.4 + 2.0 / (d as f64 + 1.0);
        let hsig = if hsig { 1.0 } else { 0.0 };
        let kc = hsig * (p.cc * (2.0 - p.cc) * p.mueff).sqrt();
        for i in 0..d {
            self.pc[i] = (1.0 - p.cc) * self.pc[i] + kc * self.y_w[i];
        }
        // C ← (1 + c₁δ(h_σ) − c₁ − c_μΣwⱼ)C + c₁p_c p_cᵀ + c_μ Σ wᵢ° yᵢ yᵢᵀ, where a negative
        // weight is rescaled to wᵢ° = wᵢ·d/‖C^(−½)yᵢ‖² (eq. (46)) so C stays positive definite.
        for (slot, &k) in self.order.iter().enumerate() {
            let w = p.weights[slot];
            self.f_weight[k] = if w >= 0.0 {
                w
            } else {
                // ‖C^(−½)y‖ = ‖D⁻¹Bᵀy‖, and Bᵀy = D z, so it is ‖z‖.
                let zz: f64 = self.z[k * d..(k + 1) * d].iter().map(|v| v * v).sum();
                w * d as f64 / zz.max(f64::MIN_POSITIVE)
            };
        }
        let sum_w: f64 = p.weights.iter().sum();
        let delta = (1.0 - hsig) * p.cc * (2.0 - p.cc);
        let keep = 1.0 + p.c1 * delta - p.c1 - p.cmu * sum_w;
        for i in 0..d {
            for j in 0..=i {
                let mut rank_mu = 0.0;
                for k in 0..lambda {
                    let w = self.f_weight[k];
                    if w != 0.0 {
                        rank_mu += w * self.y[k * d + i] * self.y[k * d + j];
                    }
                }
                let v = keep * self.cov[[i, j]] + p.c1 * self.pc[i] * self.pc[j] + p.cmu * rank_mu;
                self.cov[[i, j]] = v;
                self.cov[[j, i]] = v;
            }
        }
        // σ ← σ exp((c_σ/d_σ)(‖p_σ‖/E‖N(0, I)‖ − 1)), the exponent capped at 1 as pycma does.
        self.sigma *= ((p.cs / p.damps) * (ps_norm / p.chi_n - 1.0))
            .min(1.0)
            .exp();
        self.generation += 1;
        self.gen_in_start += 1;
        // A fresh eigendecomposition every 1/(10 d (c₁ + c_μ)) generations (every one in 2-D).
        let every = (1.0 / (10.0 * d as f64 * (p.c1 + p.cmu))).max(1.0) as u64;
        if self.generation - self.eigen_gen >= every {
            self.decompose();
        }
        let slot = self.gen_in_start as usize % self.recent.len();
        self.recent[slot] = best;
        if self.stalled() {
            if self.c.ipop && self.restarts < self.c.max_restarts {
                self.restarts += 1;
                let lambda = 2 * self.p.lambda;
                self.restart(x, lambda);
            } else {
                // Converged to the precision of the arithmetic (or degenerate): further
                // updates would only amplify rounding, so the search stops, as pycma's does.
                self.stopped = true;
            }
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// A stopped search looks again after a live edit (IPOP switched on, more restarts).
    fn retuned(&mut self) {
        self.stopped = false;
    }

    /// σ times the geometric mean of C's axes: the radius of a round distribution of the
    /// same volume.
    fn smoothing_radius(&self) -> Option<f64> {
        let d = self.dvec.len() as f64;
        let log_mean = self.dvec.iter().map(|v| v.ln()).sum::<f64>() / d;
        Some(self.sigma * log_mean.exp())
    }

    /// The last generation, and the search distribution the next one is drawn from: the
    /// ellipse {m + σC^½w : ‖w‖ = 1}.
    fn overlay(&self, out: &mut Overlay) {
        if self.generation == 0 {
            return;
        }
        let d = self.pc.len();
        draw_population(&self.xs, d, self.p.lambda, out);
        if d <= MAX_ELLIPSE_DIM {
            // The mean is the racer's iterate; the ellipse is drawn around where the population
            // was sampled, with the shape it now has.
            let centre = out.vector(self.from.view());
            let (shape, mut m) = out.matrix_mut();
            let s2 = self.sigma * self.sigma;
            for i in 0..d {
                for j in 0..d {
                    m[[i, j]] = s2 * self.cov[[i, j]];
                }
            }
            out.draw(Role::SearchDistribution, Shape::Ellipse { centre, shape });
        }
    }

    fn diagnostics(&self, out: &mut [f64]) {
        let max_d = self.dvec.iter().copied().fold(0.0, f64::max);
        let min_d = self.dvec.iter().copied().fold(f64::INFINITY, f64::min);
        out[0] = self.sigma;
        out[1] = max_d / min_d;
        out[2] = self.p.lambda as f64;
        out[3] = self.best_f;
    }
}
