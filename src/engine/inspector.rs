//! The estimator inspector: how well a zeroth-order method's gradient estimate ĝ matches the
//! true gradient, measured against the problem's exact ∇f (outside every count).
//!
//! - **Running statistics**, after every step of a gradient-estimating racer: the cosine of ĝ
//!   and ∇f at the point the estimate was taken, its running mean, the mean squared error
//!   E‖ĝ − ∇f‖² (the estimator's variance, for an unbiased one) and the signal-to-noise ratio
//!   ‖∇f‖² / E‖ĝ − ∇f‖², both averaged over about the last 50 steps.
//! - **The cloud**: at a chosen point, 200 estimates drawn by a copy of the method (from a
//!   stream of its own, so the run is not disturbed), as arrows with their covariance ellipse,
//!   beside the true gradient, with their measured statistics next to what theory says for that
//!   d and q ([`crate::optim::EstimatorKind`]).

use ndarray::ArrayView1;

use super::lens::{Lens, LensKind};
use super::overlay::DrawnItem;
use super::run::{Racer, stream};
use super::{Drawn, Projection};
use crate::linalg::Vector;
use crate::noise::Noise;
use crate::optim::estimator::measure;
use crate::optim::{EstimatorKind, Oracle, OracleState, Role};
use crate::problem::{Objective, ViewBounds};

/// Estimates in a cloud.
pub const CLOUD_SIZE: usize = 200;

/// The window of the running averages, in steps.
const WINDOW: f64 = 50.0;

/// A racer's running estimator statistics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inspector {
    cos: f64,
    cos_sum: f64,
    n: u64,
    err: f64,
    signal: f64,
}

impl Inspector {
    /// Takes in one estimate ĝ and the true gradient g at the same point.
    pub fn observe(&mut self, g_hat: ArrayView1<'_, f64>, g: ArrayView1<'_, f64>) {
        let (mut dot, mut hh, mut gg, mut err) = (0.0, 0.0, 0.0, 0.0);
        for (a, b) in g_hat.iter().zip(g.iter()) {
            dot += a * b;
            hh += a * a;
            gg += b * b;
            err += (a - b) * (a - b);
        }
        // At a stationary point (∇f = 0) the cosine means nothing; an estimate of zero (at a
        // rounding floor) has cosine 0 and still counts its error.
        if gg == 0.0 || !(dot.is_finite() && hh.is_finite() && gg.is_finite()) {
            return;
        }
        self.cos = if hh > 0.0 {
            dot / (hh * gg).sqrt()
        } else {
            0.0
        };
        self.n += 1;
        self.cos_sum += self.cos;
        // The exact mean for the first steps, then an exponential average over ~50 (no
        // division once the window is full).
        let w = if (self.n as f64) < WINDOW {
            1.0 / self.n as f64
        } else {
            1.0 / WINDOW
        };
        self.err += w * (err - self.err);
        self.signal += w * (gg - self.signal);
    }

    /// [cos, mean cos, E‖ĝ − ∇f‖², ‖∇f‖² / E‖ĝ − ∇f‖²], NaN before the first estimate.
    pub fn values(&self) -> [f64; 4] {
        if self.n == 0 {
            return [f64::NAN; 4];
        }
        [
            self.cos,
            self.cos_sum / self.n as f64,
            self.err,
            self.signal / self.err,
        ]
    }
}

/// What a cloud measured, and what theory says.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudStats {
    /// The racer whose method drew the estimates.
    pub racer: u32,
    /// The dimension and the number of estimates.
    pub dim: usize,
    /// Estimates drawn.
    pub n: usize,
    /// The method's estimator kind.
    pub kind: EstimatorKind,
    /// Mean cosine of ĝ and ∇f.
    pub mean_cos: f64,
    /// E‖ĝ‖² / ‖∇f‖².
    pub second_moment: f64,
    /// ‖E ĝ‖² / tr Cov ĝ.
    pub snr: f64,
    /// ‖E ĝ − ∇f‖ / ‖∇f‖: the measured relative bias.
    pub bias: f64,
}

impl CloudStats {
    /// Theory's E cos, where it has a closed form.
    pub fn theory_cos(&self) -> Option<f64> {
        self.kind.mean_cosine(self.dim)
    }
    /// Theory's E‖ĝ‖² / ‖∇f‖² (NaN where it has none).
    pub fn theory_second_moment(&self) -> f64 {
        self.kind.second_moment_ratio(self.dim)
    }
    /// Theory's signal-to-noise ratio.
    pub fn theory_snr(&self) -> f64 {
        self.kind.snr(self.dim)
    }
}

/// The cloud of `racer`'s estimator at x: `None` when its method estimates no gradient or the
/// point is not finite. `seed` and `salt` pick the cloud's own stream; `n` estimates are drawn
/// ([`CLOUD_SIZE`] in the app).
#[allow(clippy::too_many_arguments)]
pub fn cloud(
    racer: &Racer,
    index: u32,
    objective: &dyn Objective,
    noise: &Noise,
    projection: &Projection,
    window: ViewBounds,
    x: &Vector,
    seed: u64,
    salt: u64,
    n: usize,
) -> Option<Lens> {
    let kind = racer.method().config().estimator()?;
    if x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let d = x.len();
    let mut method = racer.optimizer_copy();
    // The cloud's own streams, at the racer's step (decaying noise levels are today's).
    let mut state = OracleState::new(
        d,
        stream(seed ^ salt, index as usize, 3),
        stream(seed ^ salt, index as usize, 4),
    )
    .at_step(racer.step_idx());
    let mut samples = vec![0.0; n * d];
    let mut g_hat = Vector::zeros(d);
    for row in samples.chunks_exact_mut(d) {
        let mut oracle = Oracle::new(objective, noise, &mut state);
        if !method.estimate_at(x, &mut oracle, &mut g_hat) {
            return None;
        }
        row.iter_mut().zip(g_hat.iter()).for_each(|(r, v)| *r = *v);
    }
    let g = objective.gradient(x.view());
    let (mean_cos, second_moment, snr, bias) = measure(&samples, g.view());
    // Arrows point downhill (−ĝ), scaled so that the true −∇f is an eighth of the window.
    let c = projection.project(x.view());
    let gp = projection.project_direction(g.view());
    let span = (window.x.1 - window.x.0)
        .abs()
        .max((window.y.1 - window.y.0).abs());
    let scale = 0.125 * span / gp[0].hypot(gp[1]).max(f64::MIN_POSITIVE);
    let tip = |v: [f64; 2]| [c[0] - scale * v[0], c[1] - scale * v[1]];
    let mut items = Vec::with_capacity(n + 3);
    let (mut m, mut s) = ([0.0; 2], [[0.0; 2]; 2]);
    let projected: Vec<[f64; 2]> = samples
        .chunks_exact(d)
        .map(|row| projection.project_direction(ArrayView1::from(row)))
        .collect();
    for p in &projected {
        m[0] += p[0] / n as f64;
        m[1] += p[1] / n as f64;
    }
    for p in &projected {
        let (a, b) = (p[0] - m[0], p[1] - m[1]);
        let w = scale * scale / (n as f64 - 1.0);
        s[0][0] += w * a * a;
        s[0][1] += w * a * b;
        s[1][1] += w * b * b;
        items.push(DrawnItem {
            role: Role::EstimateSample,
            shape: Drawn::Arrow(c, tip(*p)),
        });
    }
    s[1][0] = s[0][1];
    items.push(DrawnItem {
        role: Role::EstimateSpread,
        shape: Drawn::Ellipse {
            centre: tip(m),
            shape: s,
        },
    });
    items.push(DrawnItem {
        role: Role::EstimateMean,
        shape: Drawn::Arrow(c, tip(m)),
    });
    items.push(DrawnItem {
        role: Role::TrueGradient,
        shape: Drawn::Arrow(c, tip(gp)),
    });
    Some(Lens {
        kind: LensKind::Cloud,
        at: c,
        eigenvalues: Vec::new(),
        eta: f64::NAN,
        items,
        cloud: Some(CloudStats {
            racer: index,
            dim: d,
            n,
            kind,
            mean_cos,
            second_moment,
            snr,
            bias,
        }),
    })
}

/// Appends a racer's last estimate −ĝ and the true −∇f at the same point, both scaled so that
/// the true one is a tenth of the window.
pub(crate) fn draw_estimate(
    items: &mut Vec<DrawnItem>,
    objective: &dyn Objective,
    projection: &Projection,
    window: ViewBounds,
    from: ArrayView1<'_, f64>,
    g_hat: ArrayView1<'_, f64>,
) {
    let g = objective.gradient(from);
    if g.iter().chain(g_hat.iter()).any(|v| !v.is_finite()) {
        return;
    }
    let c = projection.project(from);
    let gp = projection.project_direction(g.view());
    let hp = projection.project_direction(g_hat);
    let span = (window.x.1 - window.x.0)
        .abs()
        .max((window.y.1 - window.y.0).abs());
    let scale = 0.1 * span / gp[0].hypot(gp[1]).max(f64::MIN_POSITIVE);
    let tip = |v: [f64; 2]| [c[0] - scale * v[0], c[1] - scale * v[1]];
    items.push(DrawnItem {
        role: Role::TrueGradient,
        shape: Drawn::Arrow(c, tip(gp)),
    });
    items.push(DrawnItem {
        role: Role::Estimate,
        shape: Drawn::Arrow(c, tip(hp)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_estimate_counts_with_cosine_zero_and_its_whole_error() {
        let g = ndarray::array![3.0, 4.0];
        let mut ins = Inspector::default();
        ins.observe(ndarray::array![0.0, 0.0].view(), g.view());
        assert_eq!(ins.values()[..3], [0.0, 0.0, 25.0]);
        // At a stationary point nothing is counted.
        ins.observe(g.view(), ndarray::array![0.0, 0.0].view());
        assert_eq!(ins.values()[..3], [0.0, 0.0, 25.0]);
    }

    #[test]
    fn the_running_statistics_see_an_exact_and_a_halved_estimate() {
        let g = ndarray::array![3.0, 4.0];
        let mut exact = Inspector::default();
        exact.observe(g.view(), g.view());
        assert_eq!(exact.values()[..3], [1.0, 1.0, 0.0]);
        let mut half = Inspector::default();
        for _ in 0..10 {
            half.observe((&g * 0.5).view(), g.view());
        }
        let [cos, mean, err, snr] = half.values();
        assert!((cos - 1.0).abs() < 1e-15 && (mean - 1.0).abs() < 1e-15);
        assert!((err - 6.25).abs() < 1e-12, "{err}");
        assert!((snr - 4.0).abs() < 1e-12, "{snr}");
        let orthogonal = ndarray::array![-4.0, 3.0];
        half.observe(orthogonal.view(), g.view());
        assert!(half.values()[0].abs() < 1e-15);
        assert!((half.values()[1] - 10.0 / 11.0).abs() < 1e-12);
    }
}
