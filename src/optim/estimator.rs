//! What theory says of a zeroth-order gradient estimator, for the inspector to set beside what
//! it measures.
//!
//! In the limit of a small smoothing radius the directional estimators reduce to ĝ = s·(uᵀ∇f)u
//! averaged over q directions, so their moments depend on d, q and the directions alone:
//!
//! | directions | E‖ĝ‖² / ‖∇f‖² | E cos(ĝ, ∇f), q = 1 |
//! |---|---|---|
//! | coordinates (finite differences) | 1 | 1 |
//! | Gaussian | 1 + (d + 1)/q | Γ(d/2) / (√π Γ((d + 1)/2)) ≈ √(2/(πd)) |
//! | sphere, scaled by d | 1 + (d − 1)/q | as Gaussian |
//! | Rademacher (SPSA) | 1 + (d − 1)/q | depends on ∇f's direction |
//! | rank-shaped population (ES) | — | — |
//!
//! ## References
//! - Nesterov & Spokoiny (2017), Found. Comput. Math. 17: E‖ĝ‖² = (d + 2)‖∇f‖² for Gaussian
//!   directions.
//! - Liu et al. (2020), IEEE Signal Processing Magazine 37(5): q-point averaging and sphere
//!   directions.
//! - Spall (1992), IEEE TAC 37(3): E‖ĝ‖² = d‖∇f‖² for Rademacher perturbations.

/// The kind of directions an estimator probes along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directions {
    /// Every coordinate axis in turn (finite differences): deterministic.
    Coordinates,
    /// u ~ N(0, I).
    Gaussian,
    /// u uniform on the unit sphere, the estimate scaled by d.
    Sphere,
    /// u ∈ {±1}ᵈ, as SPSA's Δ.
    Rademacher,
    /// Gaussian directions weighted by centred ranks (an ES with fitness shaping): a descent
    /// direction, but not scaled as a gradient, so without closed-form moments.
    Shaped,
    /// Noise on a network's units rather than its weights (node perturbation): the probe
    /// lives in activity space, so the moments of parameter-space directions do not apply.
    Nodes,
    /// Backpropagation through fixed random feedback weights (feedback alignment): no random
    /// draw per step at all, and a bias, not a variance.
    Feedback,
}

/// An estimator's kind, as its method declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EstimatorKind {
    /// The directions.
    pub directions: Directions,
    /// Directions (or estimates) averaged per step.
    pub q: usize,
}

impl EstimatorKind {
    /// E‖ĝ‖² / ‖∇f‖² in the small-radius limit, in dimension d.
    pub fn second_moment_ratio(self, d: usize) -> f64 {
        let (d, q) = (d as f64, self.q.max(1) as f64);
        match self.directions {
            Directions::Coordinates => 1.0,
            Directions::Gaussian => 1.0 + (d + 1.0) / q,
            Directions::Sphere | Directions::Rademacher => 1.0 + (d - 1.0) / q,
            Directions::Shaped | Directions::Nodes | Directions::Feedback => f64::NAN,
        }
    }

    /// E cos(ĝ, ∇f) in the small-radius limit, where it has a closed form: q = 1 with Gaussian
    /// or sphere directions (the cosine is |u₁|/‖u‖), and finite differences (1).
    pub fn mean_cosine(self, d: usize) -> Option<f64> {
        match self.directions {
            Directions::Coordinates => Some(1.0),
            Directions::Gaussian | Directions::Sphere if self.q == 1 => Some(mean_abs_cosine(d)),
            _ => None,
        }
    }

    /// The signal-to-noise ratio ‖E ĝ‖² / tr Cov ĝ of an unbiased estimator in the small-radius
    /// limit (infinite for finite differences).
    pub fn snr(self, d: usize) -> f64 {
        1.0 / (self.second_moment_ratio(d) - 1.0)
    }
}

/// E|u₁|/‖u‖ for u uniform on the sphere in dimension d: Γ(d/2) / (√π Γ((d + 1)/2)), by the
/// recurrence r(d + 2) = d/(d + 1)·r(d) from r(1) = √π and r(2) = 2/√π (so no Γ of large
/// arguments is formed).
pub fn mean_abs_cosine(d: usize) -> f64 {
    let d = d.max(1);
    let sqrt_pi = std::f64::consts::PI.sqrt();
    let (mut k, mut r) = if d % 2 == 1 {
        (1, sqrt_pi)
    } else {
        (2, 2.0 / sqrt_pi)
    };
    while k < d {
        r *= k as f64 / (k as f64 + 1.0);
        k += 2;
    }
    r / sqrt_pi
}

/// The measured statistics of `samples` (n × d, row after row) against the true gradient g.
pub fn measure(samples: &[f64], g: ndarray::ArrayView1<'_, f64>) -> (f64, f64, f64, f64) {
    let d = g.len();
    let n = samples.len() / d.max(1);
    let gg = g.dot(&g);
    let mut mean = vec![0.0; d];
    let (mut cos, mut sq) = (0.0, 0.0);
    for row in samples.chunks_exact(d) {
        let (mut dot, mut hh) = (0.0, 0.0);
        for ((m, a), b) in mean.iter_mut().zip(row).zip(g.iter()) {
            *m += a / n as f64;
            dot += a * b;
            hh += a * a;
        }
        let c = dot / (hh * gg).sqrt();
        cos += if c.is_finite() { c } else { 0.0 } / n as f64;
        sq += hh / n as f64;
    }
    let mm: f64 = mean.iter().map(|m| m * m).sum();
    // tr Cov, unbiased: n/(n − 1) (E‖ĝ‖² − ‖E ĝ‖²).
    let trace = (sq - mm) * n as f64 / (n as f64 - 1.0).max(1.0);
    let bias = mean
        .iter()
        .zip(g.iter())
        .map(|(m, b)| (m - b) * (m - b))
        .sum::<f64>()
        .sqrt()
        / gg.sqrt();
    (cos, sq / gg, mm / trace, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_moments_of_known_samples() {
        // Two estimates (1, 0) and (3, 0) of g = (2, 0): mean exact, E‖ĝ‖² = 5, tr Cov = 2.
        let (cos, second, snr, bias) =
            measure(&[1.0, 0.0, 3.0, 0.0], ndarray::array![2.0, 0.0].view());
        assert_eq!((cos, second, bias), (1.0, 1.25, 0.0));
        assert_eq!(snr, 2.0);
    }

    #[test]
    fn the_mean_cosine_matches_the_catalogues_values() {
        // methods.md §4.4, fact 3: d = 2: 0.637; d = 10: 0.259; d = 100: 0.0800; d = 1000: 0.0252.
        for (d, want) in [(2, 0.637), (10, 0.259), (100, 0.0800), (1000, 0.0252)] {
            let got = mean_abs_cosine(d);
            assert!((got - want).abs() < 5e-4 * want.max(1.0), "d = {d}: {got}");
        }
        // d = 1: the cosine is always 1; large d: √(2/(πd)).
        assert!((mean_abs_cosine(1) - 1.0).abs() < 1e-15);
        let d = 1_000_000;
        let asymptote = (2.0 / (std::f64::consts::PI * d as f64)).sqrt();
        assert!((mean_abs_cosine(d) / asymptote - 1.0).abs() < 1e-5);
    }

    #[test]
    fn second_moments_follow_the_directions_and_q() {
        let g = |q| EstimatorKind {
            directions: Directions::Gaussian,
            q,
        };
        assert_eq!(g(1).second_moment_ratio(10), 12.0);
        assert_eq!(g(11).second_moment_ratio(10), 2.0);
        assert_eq!(g(1).snr(10), 1.0 / 11.0);
        let r = EstimatorKind {
            directions: Directions::Rademacher,
            q: 1,
        };
        assert_eq!(r.second_moment_ratio(10), 10.0);
        assert_eq!(r.mean_cosine(10), None);
        assert_eq!(g(2).mean_cosine(10), None);
    }
}
