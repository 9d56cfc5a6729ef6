//! Learning by perturbing the weights: weight perturbation, the plasticity rule in which a
//! synapse's own noise is the probe and one global scalar (the change in loss) reinforces it,
//! and MeZO, the same two-point estimate done in place with the probe regenerated from a seed,
//! so that it needs the memory of one parameter vector.
//!
//! Node perturbation probes the units instead: noise on every pre-activation, and each
//! synapse changes by its postsynaptic noise times its presynaptic activity times the change in
//! loss, a three-factor rule (it needs a network, whose passes can carry that noise).
//!
//! ## References
//! - Jabri & Flower (1992), "Weight perturbation: an optimal architecture and learning
//!   technique for analog VLSI feedforward and recurrent multilayer networks", IEEE Trans.
//!   Neural Networks 3(1): ΔW = −(η/σ²)(L(W + ξ) − L(W))·ξ.
//! - Williams (1992), "Simple statistical gradient-following algorithms for connectionist
//!   reinforcement learning", Machine Learning 8: the one-pass form against a running baseline.
//! - Fiete & Seung (2006), "Gradient learning in spiking neural networks by dynamic
//!   perturbation of conductances", Phys. Rev. Lett. 97: node perturbation.
//! - Malladi et al. (2023), "Fine-tuning language models with just forward passes" (MeZO),
//!   NeurIPS, Algorithm 1.

use ndarray::ArrayView1;
use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, StandardNormal};
use rand_pcg::Pcg64;

use super::estimator::{Directions, EstimatorKind};
use super::zeroth_order::{descend, draw_step, remember};
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::Vector;
use crate::params::Params;

/// Fills `u` with standard normals from `rng`.
fn gaussian(rng: &mut Pcg64, u: &mut [f64]) {
    for v in u {
        *v = StandardNormal.sample(rng);
    }
}

/// The noise a plasticity rule probed with in its last trial: the first unit's (or weight's).
pub(super) const PROBE: Diagnostic = Diagnostic {
    key: "probe",
    name: "probe: the noise on the first unit (or weight) in the last trial",
    log: false,
};

/// The reinforcement of the last trial: the reward R = −L heard, less its reference.
pub(super) const RPE: Diagnostic = Diagnostic {
    key: "rpe",
    name: "reward prediction error R − R̄ (R = −L as heard; R̄ the clean pass or the baseline)",
    log: false,
};

// ---------------------------------------------------------------------------------------------
// Weight perturbation.

crate::params! {
    /// Weight perturbation: every weight is jittered by ξ ~ N(0, σ²), and the change in loss it
    /// caused, one scalar broadcast to all, scales the jitter into an update:
    /// ΔW = −(η/σ²)(L(W + ξ) − L)·ξ, with L the clean loss (two passes) or a running average
    /// of the noisy losses (one pass, as a synapse with a reward baseline would).
    pub struct WeightPerturbationConfig {
        /// Plasticity rate η.
        lr: f64 = 2e-4, "learning rate η", (1e-6, 1.0), Log, Positive, live;
        /// The standard deviation σ of the weight noise.
        sigma: f64 = 1e-3, "weight noise σ", (1e-6, 1.0), Log, Positive, live;
        /// One pass against a running baseline L̄ instead of a clean second pass.
        baseline: bool = false, "one pass, running baseline", (0, 1), Linear, Finite, live;
        /// The baseline's averaging rate γ: L̄ ← L̄ + γ(L(W + ξ) − L̄).
        gamma: f64 = 0.1, "baseline rate γ", (1e-3, 1.0), Log, Within(1e-9, 1.0), live;
    }
}

impl MethodConfig for WeightPerturbationConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(WeightPerturbation {
            c: self.clone(),
            xi: Vector::zeros(dim),
            probe: Vector::zeros(dim),
            g: Vector::zeros(dim),
            from: Vector::zeros(dim),
            baseline: f64::NAN,
            reference: f64::NAN,
            last_probe: f64::NAN,
            rpe: f64::NAN,
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
            directions: Directions::Gaussian,
            q: 1,
        })
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[
            Diagnostic {
                key: "reference_loss",
                name: "reference loss: the clean L, or the baseline L̄ in one pass",
                log: true,
            },
            PROBE,
            RPE,
        ]
    }
    fn reference(&self) -> &'static str {
        "Jabri & Flower (1992), IEEE Trans. Neural Networks 3(1); Williams (1992), Machine Learning 8"
    }
}

#[derive(Clone)]
struct WeightPerturbation {
    c: WeightPerturbationConfig,
    /// The unit direction u = ξ/σ of the last step.
    xi: Vector,
    probe: Vector,
    g: Vector,
    from: Vector,
    baseline: f64,
    /// The loss the last step's noisy loss was compared with.
    reference: f64,
    /// The last trial's probe (the first weight's noise) and reward prediction error.
    last_probe: f64,
    rpe: f64,
    k: u64,
}

impl WeightPerturbation {
    /// ĝ = (L(x + σu) − L)/σ · u, with L the clean loss or the baseline.
    fn estimate(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector, learn: bool) {
        let sigma = self.c.sigma;
        let (Some(u), Some(p), Some(xs)) = (
            self.xi.as_slice_mut(),
            self.probe.as_slice_mut(),
            x.as_slice(),
        ) else {
            return;
        };
        gaussian(oracle.rng(), u);
        for ((pv, xv), uv) in p.iter_mut().zip(xs).zip(u.iter()) {
            *pv = xv + sigma * uv;
        }
        let noisy = oracle.value(self.probe.view());
        let reference = if self.c.baseline {
            if self.baseline.is_nan() {
                self.baseline = noisy;
            }
            self.baseline
        } else {
            oracle.value(x.view())
        };
        if learn {
            self.reference = reference;
            self.last_probe = sigma * self.xi.first().copied().unwrap_or(f64::NAN);
            self.rpe = reference - noisy;
        }
        let scale = (noisy - reference) / sigma;
        if let (Some(gs), Some(u)) = (g.as_slice_mut(), self.xi.as_slice()) {
            for (gv, uv) in gs.iter_mut().zip(u) {
                *gv = scale * uv;
            }
        }
        if learn && self.c.baseline {
            self.baseline += self.c.gamma * (noisy - self.baseline);
        }
    }
}

impl Optimizer for WeightPerturbation {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, x);
        let mut g = std::mem::take(&mut self.g);
        self.estimate(x, oracle, &mut g, true);
        descend(x, self.c.lr, &g);
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
        Some(self.c.sigma)
    }

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        self.estimate(x, oracle, g, false);
        true
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.reference;
        out[1] = self.last_probe;
        out[2] = self.rpe;
    }

    /// The perturbed point and the step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let a = out.vector(self.from.view());
        let p = out.vector_along(self.from.view(), self.c.sigma, self.xi.view());
        out.draw(Role::ProbeLink, Shape::Segment(a, p));
        out.draw(Role::Probe, Shape::Point(p));
        draw_step(&self.from, self.c.lr, &self.g, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Node perturbation.

crate::params! {
    /// Node perturbation: noise ψ ~ N(0, σ²) on every unit's pre-activation, in every layer at
    /// once; each weight changes by −(η/σ²)·(ℓ̃ − ℓ)·ψ_post·x_pre, averaged over the batch: the
    /// postsynaptic noise, the presynaptic activity and one scalar per sample, the change in
    /// its loss (against a clean pass, or against a running baseline in one pass).
    pub struct NodePerturbationConfig {
        /// Plasticity rate η.
        lr: f64 = 0.05, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// The standard deviation σ of the node noise (0: no probe, and nothing is learned).
        sigma: f64 = 1e-3, "node noise σ", (1e-6, 1.0), Log, NonNegative, live;
        /// One noisy pass against a running baseline L̄ instead of a clean pass.
        baseline: bool = false, "one pass, running baseline", (0, 1), Linear, Finite, live;
        /// The baseline's averaging rate γ.
        gamma: f64 = 0.1, "baseline rate γ", (1e-3, 1.0), Log, Within(1e-9, 1.0), live;
    }
}

impl MethodConfig for NodePerturbationConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(NodePerturbation {
            c: self.clone(),
            psi: Vec::new(),
            g: Vector::zeros(dim),
            from: Vector::zeros(dim),
            baseline: f64::NAN,
            reference: f64::NAN,
            probe: f64::NAN,
            rpe: f64::NAN,
            k: 0,
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs {
            network: true,
            ..Needs::VALUES
        }
    }
    fn estimator(&self) -> Option<EstimatorKind> {
        Some(EstimatorKind {
            directions: Directions::Nodes,
            q: 1,
        })
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[
            Diagnostic {
                key: "reference_loss",
                name: "reference loss: the clean L, or the baseline L̄ in one pass",
                log: true,
            },
            PROBE,
            RPE,
        ]
    }
    fn reference(&self) -> &'static str {
        "Williams (1992), Machine Learning 8; Fiete & Seung (2006), Phys. Rev. Lett. 97; Werfel, Xie & Seung (2005), Neural Computation 17"
    }
}

#[derive(Clone)]
struct NodePerturbation {
    c: NodePerturbationConfig,
    /// σ·ξ for every unit of every sample of the batch (sized at the first step).
    psi: Vec<f64>,
    g: Vector,
    from: Vector,
    baseline: f64,
    reference: f64,
    /// The last trial's probe and reward prediction error.
    probe: f64,
    rpe: f64,
    k: u64,
}

impl NodePerturbation {
    fn estimate(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector, learn: bool) {
        let (units, rows) = oracle.units_and_rows();
        self.psi.resize(units * rows, 0.0);
        gaussian(oracle.rng(), &mut self.psi);
        let sigma = self.c.sigma;
        self.psi.iter_mut().for_each(|v| *v *= sigma);
        let baseline = self.c.baseline.then_some(self.baseline);
        // The first one-pass step has no baseline yet: it takes its own loss (and learns nothing).
        let first = baseline.is_some_and(f64::is_nan);
        let (clean, noisy) = if first {
            let (_, noisy) = oracle.node_perturbation(x.view(), &self.psi, sigma, Some(0.0), g);
            g.fill(0.0);
            (f64::NAN, noisy)
        } else {
            oracle.node_perturbation(x.view(), &self.psi, sigma, baseline, g)
        };
        if learn {
            self.reference = if self.c.baseline {
                self.baseline
            } else {
                clean
            };
            self.probe = self.psi.first().copied().unwrap_or(f64::NAN);
            self.rpe = if first { 0.0 } else { self.reference - noisy };
            if self.c.baseline {
                self.baseline = if first {
                    noisy
                } else {
                    self.baseline + self.c.gamma * (noisy - self.baseline)
                };
                if first {
                    self.reference = noisy;
                }
            }
        }
    }
}

impl Optimizer for NodePerturbation {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, x);
        let mut g = std::mem::take(&mut self.g);
        self.estimate(x, oracle, &mut g, true);
        descend(x, self.c.lr, &g);
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

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        self.estimate(x, oracle, g, false);
        true
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.reference;
        out[1] = self.probe;
        out[2] = self.rpe;
    }

    /// The step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        draw_step(&self.from, self.c.lr, &self.g, out);
    }
}

// ---------------------------------------------------------------------------------------------
// MeZO.

crate::params! {
    /// MeZO: memory-efficient zeroth-order SGD. Each step draws a seed, perturbs θ in place by
    /// ±εz with z regenerated from the seed, and steps θ ← θ − η·(ℓ₊ − ℓ₋)/(2ε)·z with z
    /// regenerated once more: no probe vector is ever stored.
    pub struct MezoConfig {
        /// Learning rate η.
        lr: f64 = 2e-4, "learning rate η", (1e-6, 1.0), Log, Positive, live;
        /// The perturbation scale ε.
        eps: f64 = 1e-3, "perturbation ε", (1e-6, 1.0), Log, Positive, live;
    }
}

impl MethodConfig for MezoConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Mezo {
            c: self.clone(),
            g: Vector::zeros(dim),
            from: Vector::zeros(dim),
            scratch: Vector::zeros(dim),
            z: Vector::zeros(dim),
            projected: f64::NAN,
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
            directions: Directions::Gaussian,
            q: 1,
        })
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[Diagnostic {
            key: "projected_gradient",
            name: "MeZO's projected gradient (ℓ₊ − ℓ₋)/(2ε)",
            log: false,
        }]
    }
    fn reference(&self) -> &'static str {
        "Malladi et al. (2023), Fine-tuning language models with just forward passes, NeurIPS"
    }
}

/// MeZO. Its algorithm keeps θ and a seed; `g`, `from`, `scratch` and `z` are the app's
/// instruments (the estimator inspector's ĝ, the cloud's scratch point, the drawn probe), not
/// its memory.
#[derive(Clone)]
struct Mezo {
    c: MezoConfig,
    g: Vector,
    from: Vector,
    scratch: Vector,
    z: Vector,
    projected: f64,
    k: u64,
}

/// θ ← θ + a·z, with z regenerated from `seed`.
fn shift(theta: &mut [f64], seed: u64, a: f64) {
    let mut rng = Pcg64::seed_from_u64(seed);
    for t in theta {
        let z: f64 = StandardNormal.sample(&mut rng);
        *t += a * z;
    }
}

/// MeZO's two evaluations around `theta` (perturbed and restored in place): the projected
/// gradient (ℓ₊ − ℓ₋)/(2ε).
fn projected_gradient(theta: &mut Vector, seed: u64, eps: f64, oracle: &mut Oracle<'_>) -> f64 {
    let Some(t) = theta.as_slice_mut() else {
        return 0.0;
    };
    shift(t, seed, eps);
    let plus = oracle.value(theta.view());
    let Some(t) = theta.as_slice_mut() else {
        return 0.0;
    };
    shift(t, seed, -2.0 * eps);
    let minus = oracle.value(theta.view());
    let Some(t) = theta.as_slice_mut() else {
        return 0.0;
    };
    shift(t, seed, eps);
    (plus - minus) / (2.0 * eps)
}

impl Mezo {
    /// The inspector's ĝ = projected·z.
    fn materialise(g: &mut Vector, seed: u64, projected: f64) {
        if let Some(gs) = g.as_slice_mut() {
            gs.fill(0.0);
            shift(gs, seed, projected);
        }
    }
}

impl Optimizer for Mezo {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, x);
        let seed: u64 = oracle.rng().random();
        let p = projected_gradient(x, seed, self.c.eps, oracle);
        if let Some(t) = x.as_slice_mut() {
            shift(t, seed, -self.c.lr * p);
        }
        self.projected = p;
        Self::materialise(&mut self.g, seed, p);
        Self::materialise(&mut self.z, seed, 1.0);
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
        Some(self.c.eps)
    }

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        self.scratch.assign(x);
        let seed: u64 = oracle.rng().random();
        let mut scratch = std::mem::take(&mut self.scratch);
        let p = projected_gradient(&mut scratch, seed, self.c.eps, oracle);
        self.scratch = scratch;
        Self::materialise(g, seed, p);
        true
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.projected;
    }

    /// The probes θ ± εz and the step along the regenerated direction.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let a = out.vector(self.from.view());
        for s in [1.0, -1.0] {
            let p = out.vector_along(self.from.view(), s * self.c.eps, self.z.view());
            out.draw(Role::ProbeLink, Shape::Segment(a, p));
            out.draw(Role::Probe, Shape::Point(p));
        }
        draw_step(&self.from, self.c.lr, &self.g, out);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::noise::Noise;
    use crate::optim::OracleState;
    use crate::problem::Problem;

    fn quadratic() -> Box<dyn crate::problem::Objective> {
        crate::spec::parse::<Problem>("quadratic:kappa=4,angle=30", "problem", Problem::keys())
            .unwrap()
            .build()
    }

    fn state(seed: u64) -> OracleState {
        OracleState::new(
            2,
            Pcg64::seed_from_u64(seed),
            Pcg64::seed_from_u64(seed + 1),
        )
    }

    /// One MeZO step is −η·(f(θ + εz) − f(θ − εz))/(2ε)·z for the z its seed gives.
    #[test]
    fn a_mezo_step_is_its_definition() {
        let f = quadratic();
        let mut st = state(3);
        // The seed the step will draw, from a copy of the method's stream.
        let seed: u64 = st.clone().probe_rng().random();
        let mut z = [0.0; 2];
        gaussian(&mut Pcg64::seed_from_u64(seed), &mut z);
        let theta = Vector::from(vec![0.8, -0.3]);
        let (eps, lr) = (1e-3, 0.1);
        let at = |s: f64| {
            let p = Vector::from(vec![theta[0] + s * z[0], theta[1] + s * z[1]]);
            f.value(p.view())
        };
        let proj = (at(eps) - at(-eps)) / (2.0 * eps);
        let want = [theta[0] - lr * proj * z[0], theta[1] - lr * proj * z[1]];
        let mut m = MezoConfig { lr, eps }.build(2);
        let mut x = theta.clone();
        let noise = Noise::default();
        let mut oracle = Oracle::new(f.as_ref(), &noise, &mut st);
        m.step(&mut x, &mut oracle).unwrap();
        assert_eq!(oracle.counts().f, 2);
        assert!(
            (x[0] - want[0]).abs() < 1e-12 && (x[1] - want[1]).abs() < 1e-12,
            "{x} vs {want:?}"
        );
    }

    /// Averaged over many probes, each estimate points along the gradient: MeZO's is unbiased
    /// for the smoothed gradient, and so is two-pass weight perturbation's, up to O(σ).
    #[test]
    fn the_estimates_average_to_the_gradient() {
        let f = quadratic();
        let x = Vector::from(vec![0.8, -0.3]);
        let grad = f.gradient(x.view());
        for (name, mut m) in [
            ("mezo", MezoConfig::default().build(2)),
            (
                "weight_perturbation",
                WeightPerturbationConfig {
                    sigma: 1e-4,
                    ..Default::default()
                }
                .build(2),
            ),
        ] {
            let mut st = state(9);
            let noise = Noise::default();
            let mut mean = Vector::zeros(2);
            let mut g = Vector::zeros(2);
            let n = 20_000;
            for _ in 0..n {
                let mut o = Oracle::new(f.as_ref(), &noise, &mut st);
                assert!(m.estimate_at(&x, &mut o, &mut g));
                mean.scaled_add(1.0 / n as f64, &g);
            }
            let err = (&mean - &grad).dot(&(&mean - &grad)).sqrt() / grad.dot(&grad).sqrt();
            assert!(err < 0.05, "{name}: relative error {err}");
        }
    }

    /// The one-pass rule spends one evaluation a step against its running baseline; the
    /// two-pass rule two; both descend.
    #[test]
    fn weight_perturbation_in_one_pass_and_two() {
        let f = quadratic();
        for (baseline, evals) in [(false, 2), (true, 1)] {
            let c = WeightPerturbationConfig {
                lr: if baseline { 0.002 } else { 0.05 },
                sigma: if baseline { 0.1 } else { 0.01 },
                baseline,
                gamma: 0.5,
            };
            let mut m = c.build(2);
            let mut st = state(5);
            let noise = Noise::default();
            let mut x = Vector::from(vec![1.0, 1.0]);
            let f0 = f.value(x.view());
            for _ in 0..2000 {
                let mut o = Oracle::new(f.as_ref(), &noise, &mut st);
                m.step(&mut x, &mut o).unwrap();
            }
            assert_eq!(st.counts.f, 2000 * evals, "baseline {baseline}");
            assert_eq!(st.counts.g, 0);
            let f1 = f.value(x.view());
            assert!(f1 < 0.2 * f0, "baseline {baseline}: {f0} → {f1}");
            let mut d = [f64::NAN; super::super::MAX_DIAGNOSTICS];
            m.diagnostics(&mut d);
            assert!(d[0].is_finite());
        }
    }
}
