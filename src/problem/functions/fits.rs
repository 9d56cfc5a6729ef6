//! Fitting problems: least squares with residuals and their Jacobian (for Gauss–Newton), and
//! a maximum-likelihood fit with its Fisher metric (for the natural gradient).
//!
//! Their data are drawn once, from a fixed seed, so a problem and its parameters give the same
//! data everywhere.

use rand::SeedableRng as _;
use rand_distr::{Distribution as _, StandardNormal};
use rand_pcg::Pcg64;

use super::*;

/// The seed every fitting problem draws its data with.
const DATA_SEED: u64 = 20_251_021;

/// Fitting the decay y = a·e^(−b t) to n noisy points on t ∈ [0, 4]: the residuals are
/// rᵢ = a·e^(−b tᵢ) − yᵢ and f = Σ rᵢ².
///
/// Reference: the exponential-decay example of Nocedal & Wright (2006), *Numerical
/// Optimization*, §10.1.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveFit {
    t: Vec<f64>,
    y: Vec<f64>,
    truth: [f64; 2],
}

impl CurveFit {
    /// `n` points of 2·e^(−0.7 t) … with amplitude `a`, rate `b` and Gaussian noise `noise`.
    pub fn new(a: f64, b: f64, noise: f64, n: usize) -> Self {
        let n = n.max(2);
        let mut rng = Pcg64::seed_from_u64(DATA_SEED);
        let t: Vec<f64> = (0..n).map(|i| 4.0 * i as f64 / (n - 1) as f64).collect();
        let y = t
            .iter()
            .map(|t| {
                let e: f64 = StandardNormal.sample(&mut rng);
                a * (-b * t).exp() + noise * e
            })
            .collect();
        Self {
            t,
            y,
            truth: [a, b],
        }
    }
}

impl Objective for CurveFit {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (a, b) = (x[0], x[1]);
        self.t
            .iter()
            .zip(&self.y)
            .map(|(t, y)| {
                let r = a * (-b * t).exp() - y;
                r * r
            })
            .sum()
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (a, b) = (x[0], x[1]);
        let (mut ga, mut gb) = (0.0, 0.0);
        for (t, y) in self.t.iter().zip(&self.y) {
            let e = (-b * t).exp();
            let r = a * e - y;
            ga += 2.0 * r * e;
            gb += 2.0 * r * (-a * t * e);
        }
        g[0] = ga;
        g[1] = gb;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        // H = 2 Σ (∇rᵢ ∇rᵢᵀ + rᵢ ∇²rᵢ), with ∇²rᵢ = [[0, −t e], [−t e, a t² e]].
        let (a, b) = (x[0], x[1]);
        let (mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0);
        for (t, y) in self.t.iter().zip(&self.y) {
            let e = (-b * t).exp();
            let r = a * e - y;
            let (ja, jb) = (e, -a * t * e);
            haa += 2.0 * ja * ja;
            hab += 2.0 * (ja * jb + r * (-t * e));
            hbb += 2.0 * (jb * jb + r * (a * t * t * e));
        }
        write_hessian_2d(h, haa, hab, hbb);
    }

    hvp_via_2x2_hessian!();

    fn provides(&self) -> Provides {
        Provides {
            residuals: true,
            ..Provides::DERIVATIVES
        }
    }

    fn residual_count(&self) -> usize {
        self.t.len()
    }

    fn residuals_into(&self, x: ArrayView1<'_, f64>, mut r: ArrayViewMut1<'_, f64>) {
        for (i, (t, y)) in self.t.iter().zip(&self.y).enumerate() {
            r[i] = x[0] * (-x[1] * t).exp() - y;
        }
    }

    fn jacobian_into(&self, x: ArrayView1<'_, f64>, mut j: ArrayViewMut2<'_, f64>) {
        for (i, t) in self.t.iter().enumerate() {
            let e = (-x[1] * t).exp();
            j[[i, 0]] = e;
            j[[i, 1]] = -x[0] * t * e;
        }
    }

    fn bounds(&self) -> ViewBounds {
        view((-0.5, 4.0), (-0.5, 2.5))
    }

    fn minima(&self) -> Vec<Minimum> {
        let x = newton_refine(self, &self.truth);
        let f = self.value(ArrayView1::from(&x));
        if max_norm(&self.gradient(ArrayView1::from(&x))) <= STATIONARY_TOLERANCE * (1.0 + f) {
            vec![Minimum { x, f }]
        } else {
            Vec::new()
        }
    }
}

/// Rosenbrock's function written as residuals, r = (1 − x, 10(y − x²)), so that
/// f = Σ rᵢ² = (1 − x)² + 100(y − x²)²: the same landscape, with a Jacobian for Gauss–Newton.
///
/// Reference: Moré, Garbow & Hillstrom (1981), "Testing unconstrained optimization software",
/// ACM TOMS 7, problem 1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RosenbrockResiduals;

impl Objective for RosenbrockResiduals {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (r0, r1) = (1.0 - x[0], 10.0 * (x[1] - x[0] * x[0]));
        r0 * r0 + r1 * r1
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (r0, r1) = (1.0 - x[0], 10.0 * (x[1] - x[0] * x[0]));
        g[0] = 2.0 * (-r0 + r1 * (-20.0 * x[0]));
        g[1] = 2.0 * r1 * 10.0;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let r1 = 10.0 * (x[1] - x[0] * x[0]);
        write_hessian_2d(
            h,
            2.0 * (1.0 + 400.0 * x[0] * x[0] - 20.0 * r1),
            -400.0 * x[0],
            200.0,
        );
    }

    hvp_via_2x2_hessian!();

    fn provides(&self) -> Provides {
        Provides {
            residuals: true,
            ..Provides::DERIVATIVES
        }
    }

    fn residual_count(&self) -> usize {
        2
    }

    fn residuals_into(&self, x: ArrayView1<'_, f64>, mut r: ArrayViewMut1<'_, f64>) {
        r[0] = 1.0 - x[0];
        r[1] = 10.0 * (x[1] - x[0] * x[0]);
    }

    fn jacobian_into(&self, x: ArrayView1<'_, f64>, mut j: ArrayViewMut2<'_, f64>) {
        j[[0, 0]] = -1.0;
        j[[0, 1]] = 0.0;
        j[[1, 0]] = -20.0 * x[0];
        j[[1, 1]] = 10.0;
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-1.0, 3.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: vec![1.0, 1.0],
            f: 0.0,
        }]
    }
}

/// Fitting a Gaussian N(μ, s²) to n samples by maximum likelihood: f is the average negative
/// log-likelihood (without its constant ½ log 2π), written in (μ, s) or in (μ, log s). The
/// Fisher metric is diag(1/s², 2/s²) in (μ, s) and diag(1/s², 2) in (μ, log s); the natural
/// gradient's path does not depend on which.
///
/// Reference: Amari (1998), "Natural gradient works efficiently in learning", Neural
/// Computation 10; the Fisher information of the normal family, e.g. Lehmann & Casella (1998),
/// *Theory of Point Estimation*, §2.6.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaussianFit {
    /// The samples' mean.
    mean: f64,
    /// The samples' (biased) variance.
    var: f64,
    /// Whether the second coordinate is log s instead of s.
    log_scale: bool,
}

impl GaussianFit {
    /// `n` samples of N(`mu`, `sigma`²), fitted in (μ, s) or, with `log_scale`, (μ, log s).
    pub fn new(mu: f64, sigma: f64, n: usize, log_scale: bool) -> Self {
        let mut rng = Pcg64::seed_from_u64(DATA_SEED);
        let xs: Vec<f64> = (0..n.max(2))
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                mu + sigma * e
            })
            .collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        Self {
            mean,
            var,
            log_scale,
        }
    }

    /// s and, for the log parametrisation, nothing else changes: (s, q = v + (m − μ)²).
    fn parts(&self, x: ArrayView1<'_, f64>) -> (f64, f64, f64) {
        let d = self.mean - x[0];
        let s = if self.log_scale { x[1].exp() } else { x[1] };
        (s, d, self.var + d * d)
    }
}

impl Objective for GaussianFit {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (s, _, q) = self.parts(x);
        let log_s = if self.log_scale { x[1] } else { s.ln() };
        log_s + q / (2.0 * s * s)
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (s, d, q) = self.parts(x);
        let s2 = s * s;
        g[0] = -d / s2;
        g[1] = if self.log_scale {
            1.0 - q / s2
        } else {
            1.0 / s - q / (s2 * s)
        };
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (s, d, q) = self.parts(x);
        let s2 = s * s;
        if self.log_scale {
            write_hessian_2d(h, 1.0 / s2, 2.0 * d / s2, 2.0 * q / s2);
        } else {
            write_hessian_2d(
                h,
                1.0 / s2,
                2.0 * d / (s2 * s),
                -1.0 / s2 + 3.0 * q / (s2 * s2),
            );
        }
    }

    hvp_via_2x2_hessian!();

    fn provides(&self) -> Provides {
        Provides {
            fisher: true,
            ..Provides::DERIVATIVES
        }
    }

    fn fisher_into(&self, x: ArrayView1<'_, f64>, f: ArrayViewMut2<'_, f64>) {
        let (s, _, _) = self.parts(x);
        let s2 = s * s;
        let second = if self.log_scale { 2.0 } else { 2.0 / s2 };
        write_hessian_2d(f, 1.0 / s2, 0.0, second);
    }

    fn bounds(&self) -> ViewBounds {
        if self.log_scale {
            view((-2.0, 2.0), (-2.0, 1.5))
        } else {
            view((-2.0, 2.0), (0.05, 3.0))
        }
    }

    fn minima(&self) -> Vec<Minimum> {
        let s = self.var.sqrt();
        let y = if self.log_scale { s.ln() } else { s };
        vec![Minimum {
            x: vec![self.mean, y],
            f: s.ln() + 0.5,
        }]
    }
}
