//! Scenario N1, "a noisy neuron learns its tuning": one rate neuron y = φ(w·x + b + ψ) learns
//! a teacher's curve y*(x) = φ(w*·x + b*) from trials, one input x a trial. Its two parameters
//! (w, b) are the whole weight space, so the landscape L(w, b) = E_x (φ(wx + b) − y*(x))² is
//! drawn exactly: the inputs are the n midpoints of [−r, r], and the expectation is their mean.
//!
//! The neuron offers what the plasticity rules need: passes with intrinsic noise ψ on its
//! drive a (node perturbation, two-pass and one-pass), the measured change of its drive
//! (activity-based node perturbation), and the noisy activity a Hebbian rule reads
//! (reward-modulated Hebbian learning); weight perturbation and OU adaptation need only its
//! values, the delta rule its gradient.
//!
//! ## References
//! - Fiete & Seung (2006), "Gradient learning in spiking neural networks by dynamic
//!   perturbation of conductances", Phys. Rev. Lett. 97.
//! - Werfel, Xie & Seung (2005), "Learning curves for stochastic gradient descent in linear
//!   feedforward networks", Neural Computation 17.
//! - Legenstein, Chase, Schwartz & Maass (2010), "A reward-modulated Hebbian learning rule
//!   can explain experimentally observed network reorganization in a brain control task",
//!   J. Neurosci. 30.

use ndarray::{ArrayView1, ArrayViewMut1, ArrayViewMut2};

use crate::problem::view::{TuningCurve, ViewKind};
use crate::problem::{Minimum, Objective, ParamBlock, ProblemConfig, Provides, ViewBounds};

crate::choice! {
    /// A rate neuron's transfer function φ.
    pub enum Transfer {
        Tanh = "tanh", "tanh";
        Logistic = "logistic", "logistic 1/(1 + e^(−a))";
        Linear = "linear", "linear";
    }
}

impl Transfer {
    /// φ(a), φ′(a) and φ″(a).
    #[inline]
    pub fn eval(self, a: f64) -> (f64, f64, f64) {
        match self {
            Transfer::Tanh => {
                let t = a.tanh();
                let s = 1.0 - t * t;
                (t, s, -2.0 * t * s)
            }
            Transfer::Logistic => {
                let y = 1.0 / (1.0 + (-a).exp());
                let s = y * (1.0 - y);
                (y, s, s * (1.0 - 2.0 * y))
            }
            Transfer::Linear => (a, 1.0, 0.0),
        }
    }
}

crate::params! {
    /// Parameters of the tuning neuron.
    pub struct NeuronTuningConfig {
        /// The teacher's weight w*.
        w_target: f64 = 1.5, "teacher's weight w*", (-3.0, 3.0), Linear, Finite, restart;
        /// The teacher's bias b*.
        b_target: f64 = -0.5, "teacher's bias b*", (-3.0, 3.0), Linear, Finite, restart;
        /// The inputs span [−r, r].
        range: f64 = 2.0, "input range r", (0.5, 5.0), Linear, Positive, restart;
        /// How many inputs (the midpoints of [−r, r]) the expected loss averages over; the
        /// batch channel draws a trial's input from them.
        inputs: usize = 64, "inputs n", (4, 512), Log, Within(2.0, 100_000.0), restart;
        /// The transfer function φ.
        transfer: Transfer = Transfer::Tanh, "transfer φ", (0, 0), Linear, Finite, restart;
    }
}

impl ProblemConfig for NeuronTuningConfig {
    fn build(&self) -> Box<dyn Objective> {
        Box::new(NeuronTuning::new(self))
    }
    fn default_start(&self) -> Vec<f64> {
        vec![-1.0, 1.0]
    }
}

/// The tuning neuron as an objective over θ = (w, b).
#[derive(Clone, Debug)]
pub struct NeuronTuning {
    transfer: Transfer,
    teacher: [f64; 2],
    range: f64,
    /// The inputs xᵢ.
    x: Vec<f64>,
    /// The teacher's outputs y*(xᵢ).
    y: Vec<f64>,
    blocks: [ParamBlock; 2],
}

impl NeuronTuning {
    /// The neuron and its teacher.
    pub fn new(c: &NeuronTuningConfig) -> Self {
        let n = c.inputs.max(1);
        let x: Vec<f64> = (0..n)
            .map(|i| -c.range + (i as f64 + 0.5) * 2.0 * c.range / n as f64)
            .collect();
        let y = x
            .iter()
            .map(|xi| c.transfer.eval(c.w_target * xi + c.b_target).0)
            .collect();
        let block = |offset, bias| ParamBlock {
            offset,
            rows: 1,
            cols: 1,
            layer: 0,
            bias,
        };
        Self {
            transfer: c.transfer,
            teacher: [c.w_target, c.b_target],
            range: c.range,
            x,
            y,
            blocks: [block(0, false), block(1, true)],
        }
    }

    /// The inputs the expected loss averages over.
    pub fn inputs(&self) -> &[f64] {
        &self.x
    }

    /// The curvature of one trial's loss ℓ(a) = (φ(a) − y*)² in the drive a at the teacher's
    /// parameters, as the root mean square over the inputs: 2φ′(a*)² there, since the error is
    /// zero. It is the L″ of the node-perturbation noise optimum σ* = (8σ_r²/(15L″²))^{1/4}.
    pub fn drive_curvature(&self) -> f64 {
        let [w, b] = self.teacher;
        let m = self
            .x
            .iter()
            .map(|xi| {
                let s = self.transfer.eval(w * xi + b).1;
                (2.0 * s * s).powi(2)
            })
            .sum::<f64>()
            / self.x.len() as f64;
        m.sqrt()
    }

    /// The sample indices of `batch`, or all of them.
    fn rows<'a>(&'a self, batch: Option<&'a [u32]>) -> impl Iterator<Item = usize> + 'a {
        let (pick, all) = match batch {
            Some(b) => (b, 0),
            None => (&[][..], self.x.len()),
        };
        pick.iter().map(|&i| i as usize).chain(0..all)
    }

    /// Each trial of `batch` (or all) with the noise `psi` on its drive: its position n in
    /// the batch, its input, and its clean and noisy losses.
    fn probed<'a>(
        &'a self,
        x: &'a ArrayView1<'_, f64>,
        batch: Option<&'a [u32]>,
        psi: &'a [f64],
    ) -> impl Iterator<Item = (usize, f64, f64, f64)> + 'a {
        self.rows(batch).enumerate().map(move |(n, i)| {
            let xi = self.x[i];
            let a = Self::drive(x, xi);
            (n, xi, self.trial(a, i), self.trial(a + psi[n], i))
        })
    }

    fn count(&self, batch: Option<&[u32]>) -> usize {
        batch.map_or(self.x.len(), <[u32]>::len)
    }

    /// One trial's loss at drive a for sample i.
    #[inline]
    fn trial(&self, a: f64, i: usize) -> f64 {
        let e = self.transfer.eval(a).0 - self.y[i];
        e * e
    }

    fn drive(x: &ArrayView1<'_, f64>, xi: f64) -> f64 {
        x[0] * xi + x[1]
    }

    /// The mean loss, gradient and Hessian over `batch`.
    fn moments(&self, x: ArrayView1<'_, f64>, batch: Option<&[u32]>) -> (f64, [f64; 2], [f64; 3]) {
        let (mut f, mut g, mut h) = (0.0, [0.0; 2], [0.0; 3]);
        for i in self.rows(batch) {
            let xi = self.x[i];
            let (p, s, c) = self.transfer.eval(Self::drive(&x, xi));
            let e = p - self.y[i];
            f += e * e;
            let d = 2.0 * e * s;
            g[0] += d * xi;
            g[1] += d;
            let k = 2.0 * (s * s + e * c);
            h[0] += k * xi * xi;
            h[1] += k * xi;
            h[2] += k;
        }
        let inv = 1.0 / self.count(batch).max(1) as f64;
        (
            f * inv,
            [g[0] * inv, g[1] * inv],
            [h[0] * inv, h[1] * inv, h[2] * inv],
        )
    }

    /// The tuning curve of each racer and the teacher's, on `points` inputs over the range
    /// padded by a tenth.
    pub fn curves(&self, racers: &[(u32, ArrayView1<'_, f64>)], points: usize) -> TuningCurve {
        let lo = -1.1 * self.range;
        let hi = 1.1 * self.range;
        let n = points.max(2);
        let xs: Vec<f64> = (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect();
        let [w, b] = self.teacher;
        let target = xs.iter().map(|x| self.transfer.eval(w * x + b).0).collect();
        let racers = racers
            .iter()
            .map(|(i, th)| {
                let ys = xs
                    .iter()
                    .map(|x| self.transfer.eval(th[0] * x + th[1]).0)
                    .collect();
                (*i, ys)
            })
            .collect();
        TuningCurve {
            x: xs,
            target,
            racers,
            inputs: self.x.clone(),
            transfer: <Transfer as crate::params::Choice>::LABELS
                [crate::params::Choice::index(self.transfer)]
            .to_string(),
        }
    }
}

impl Objective for NeuronTuning {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        self.value_on_rows(x, None)
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (_, gr, _) = self.moments(x, None);
        g[0] = gr[0];
        g[1] = gr[1];
    }

    fn value_and_gradient_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>) -> f64 {
        self.value_and_gradient_on_rows(x, None, g)
    }

    fn hvp_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        out: ArrayViewMut1<'_, f64>,
    ) {
        self.hvp_on_rows(x, v, None, out);
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        let (_, _, k) = self.moments(x, None);
        h[[0, 0]] = k[0];
        h[[0, 1]] = k[1];
        h[[1, 0]] = k[1];
        h[[1, 1]] = k[2];
    }

    fn provides(&self) -> Provides {
        Provides {
            network: true,
            neuron: true,
            ..Provides::DERIVATIVES
        }
    }

    fn views(&self) -> &'static [ViewKind] {
        &[
            ViewKind::Tuning,
            ViewKind::Section,
            ViewKind::Coordinates,
            ViewKind::Smoothed,
        ]
    }

    fn bounds(&self) -> ViewBounds {
        ViewBounds {
            x: (-3.0, 3.0),
            y: (-2.5, 2.5),
        }
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: self.teacher.to_vec(),
            f: 0.0,
        }]
    }

    fn samples(&self) -> usize {
        self.x.len()
    }

    fn value_on(&self, x: ArrayView1<'_, f64>, batch: &[u32]) -> f64 {
        self.value_on_rows(x, Some(batch))
    }

    fn value_and_gradient_on(
        &self,
        x: ArrayView1<'_, f64>,
        batch: &[u32],
        g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        self.value_and_gradient_on_rows(x, Some(batch), g)
    }

    fn hvp_on(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        batch: &[u32],
        out: ArrayViewMut1<'_, f64>,
    ) {
        self.hvp_on_rows(x, v, Some(batch), out);
    }

    fn units(&self) -> usize {
        1
    }

    fn node_perturbation(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        psi: &[f64],
        sigma: f64,
        baseline: Option<f64>,
        reward_noise: &[f64],
        mut g: ArrayViewMut1<'_, f64>,
    ) -> (f64, f64) {
        let m = self.count(batch);
        let scale = if sigma > 0.0 {
            1.0 / (m as f64 * sigma * sigma)
        } else {
            0.0
        };
        let (on_noisy, on_clean) = match reward_noise.len() {
            0 => (&[][..], &[][..]),
            _ => reward_noise.split_at(m),
        };
        let (mut clean, mut noisy, mut gw, mut gb) = (0.0, 0.0, 0.0, 0.0);
        for (n, xi, l, lt) in self.probed(&x, batch, psi) {
            clean += l;
            noisy += lt;
            let reference = baseline.unwrap_or(l) + on_clean.get(n).copied().unwrap_or(0.0);
            let r = (lt + on_noisy.get(n).copied().unwrap_or(0.0) - reference) * scale;
            gw += r * psi[n] * xi;
            gb += r * psi[n];
        }
        g[0] = gw;
        g[1] = gb;
        let inv = 1.0 / m.max(1) as f64;
        let clean = if baseline.is_some() {
            f64::NAN
        } else {
            clean * inv
        };
        (clean, noisy * inv)
    }

    fn activity_perturbation(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        psi: &[f64],
        mut g: ArrayViewMut1<'_, f64>,
        moments: &mut [f64],
    ) -> (f64, f64) {
        // One unit and nothing upstream: the measured change of the drive is the noise itself,
        // and the scale √N/‖δa‖² is 1/ψ².
        let m = self.count(batch);
        let (mut clean, mut noisy, mut gw, mut gb, mut xx) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (n, xi, l, lt) in self.probed(&x, batch, psi) {
            clean += l;
            noisy += lt;
            let d = psi[n];
            let r = if d != 0.0 {
                (lt - l) / (d * d * m as f64)
            } else {
                0.0
            };
            gw += r * d * xi;
            gb += r * d;
            xx += xi * xi;
        }
        let inv = 1.0 / m.max(1) as f64;
        g[0] = gw;
        g[1] = gb;
        if let Some(first) = moments.first_mut() {
            *first = xx * inv;
        }
        (clean * inv, noisy * inv)
    }

    fn feedback_alignment(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        _feedback: &[f64],
        g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        // A single neuron has no hidden layer for feedback to reach: its update is the delta
        // rule's.
        self.value_and_gradient_on_rows(x, batch, g)
    }

    fn hebbian(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        psi: &[f64],
        steps: usize,
        reward_noise: &[f64],
        reward: &mut [f64],
        rate: f64,
        mut e: ArrayViewMut1<'_, f64>,
    ) -> (f64, f64) {
        let m = self.count(batch);
        let t = steps.max(2);
        let (mut heard, mut rpe, mut ew, mut eb) = (0.0, 0.0, 0.0, 0.0);
        for (n, i) in self.rows(batch).enumerate() {
            let xi = self.x[i];
            let clean = Self::drive(&x, xi);
            let trial = &psi[n * t..(n + 1) * t];
            let (before, last) = trial.split_at(t - 1);
            let mean = clean + before.iter().sum::<f64>() / before.len() as f64;
            let a = clean + last[0];
            let dev = a - mean;
            let l = self.trial(a, i) + reward_noise.get(n).copied().unwrap_or(0.0);
            heard += l;
            let critic = &mut reward[i];
            // The first trial on an input only sets the critic's expectation.
            let delta = if critic.is_nan() {
                *critic = -l;
                0.0
            } else {
                let d = -l - *critic;
                *critic += rate * d;
                d
            };
            rpe += delta;
            ew += delta * dev * xi;
            eb += delta * dev;
        }
        let inv = 1.0 / m.max(1) as f64;
        e[0] = ew * inv;
        e[1] = eb * inv;
        (heard * inv, rpe * inv)
    }

    fn blocks(&self) -> &[ParamBlock] {
        &self.blocks
    }

    fn tuning(&self, racers: &[(u32, ArrayView1<'_, f64>)], points: usize) -> Option<TuningCurve> {
        Some(self.curves(racers, points))
    }
}

impl NeuronTuning {
    fn value_on_rows(&self, x: ArrayView1<'_, f64>, batch: Option<&[u32]>) -> f64 {
        let f: f64 = self
            .rows(batch)
            .map(|i| self.trial(Self::drive(&x, self.x[i]), i))
            .sum();
        f / self.count(batch).max(1) as f64
    }

    fn value_and_gradient_on_rows(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        mut g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        let (f, gr, _) = self.moments(x, batch);
        g[0] = gr[0];
        g[1] = gr[1];
        f
    }

    fn hvp_on_rows(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        mut out: ArrayViewMut1<'_, f64>,
    ) {
        let (_, _, k) = self.moments(x, batch);
        out[0] = k[0] * v[0] + k[1] * v[1];
        out[1] = k[1] * v[0] + k[2] * v[1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::Vector;
    use ndarray::array;

    fn neuron(transfer: Transfer) -> NeuronTuning {
        NeuronTuning::new(&NeuronTuningConfig {
            transfer,
            ..NeuronTuningConfig::default()
        })
    }

    #[test]
    fn the_derivatives_match_finite_differences() {
        for t in [Transfer::Tanh, Transfer::Logistic, Transfer::Linear] {
            let n = neuron(t);
            let x = array![-0.7, 0.9];
            let g = n.gradient(x.view());
            let h = n.hessian(x.view());
            let eps = 1e-6;
            for j in 0..2 {
                let mut p = x.clone();
                let mut q = x.clone();
                p[j] += eps;
                q[j] -= eps;
                let fd = (n.value(p.view()) - n.value(q.view())) / (2.0 * eps);
                assert!((fd - g[j]).abs() < 1e-7, "{t:?} g[{j}]: {fd} vs {}", g[j]);
                let gp = n.gradient(p.view());
                let gq = n.gradient(q.view());
                for i in 0..2 {
                    let fd = (gp[i] - gq[i]) / (2.0 * eps);
                    assert!((fd - h[[i, j]]).abs() < 1e-6, "{t:?} H[{i},{j}]");
                }
            }
        }
    }

    #[test]
    fn the_teacher_is_the_minimum_and_the_loss_averages_the_trials() {
        let n = neuron(Transfer::Tanh);
        assert_eq!(n.value(array![1.5, -0.5].view()), 0.0);
        let x = array![-1.0, 1.0];
        // The mean over all trials, written out: (tanh(−xᵢ + 1) − tanh(1.5xᵢ − 0.5))².
        let mean = n
            .inputs()
            .iter()
            .map(|xi: &f64| ((1.0 - xi).tanh() - (1.5 * xi - 0.5).tanh()).powi(2))
            .sum::<f64>()
            / 64.0;
        assert!((n.value(x.view()) - mean).abs() < 1e-15);
        let xi = n.inputs()[5];
        let one = ((1.0 - xi).tanh() - (1.5 * xi - 0.5).tanh()).powi(2);
        assert!((n.value_on(x.view(), &[5]) - one).abs() < 1e-15);
    }

    #[test]
    fn node_perturbation_averages_to_the_gradient_for_small_noise() {
        // E[(ℓ(a + ψ) − ℓ(a))ψ/σ²]·(x, 1) = ℓ′(a)(x, 1) + O(σ²): averaged over many draws of
        // ψ on one trial, the estimate approaches that trial's gradient.
        let n = neuron(Transfer::Tanh);
        let x = array![-1.0, 1.0];
        let sigma = 1e-3;
        let mut rng = <rand_pcg::Pcg64 as rand::SeedableRng>::seed_from_u64(3);
        let mut sum = [0.0; 2];
        let draws = 20_000;
        let mut g = Vector::zeros(2);
        for _ in 0..draws {
            let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng);
            let psi = [sigma * z];
            n.node_perturbation(x.view(), Some(&[7]), &psi, sigma, None, &[], g.view_mut());
            sum[0] += g[0] / draws as f64;
            sum[1] += g[1] / draws as f64;
        }
        let mut exact = Vector::zeros(2);
        n.value_and_gradient_on(x.view(), &[7], exact.view_mut());
        for j in 0..2 {
            // The estimate's spread is √2·|ℓ′|·|x| per draw: 1% of it over 20 000 draws.
            assert!(
                (sum[j] - exact[j]).abs() < 0.03 * exact[j].abs().max(0.1),
                "{j}: {} vs {}",
                sum[j],
                exact[j]
            );
        }
    }

    #[test]
    fn no_noise_estimates_nothing() {
        let n = neuron(Transfer::Tanh);
        let mut g = Vector::from_elem(2, 7.0);
        let (clean, noisy) = n.node_perturbation(
            array![-1.0, 1.0].view(),
            Some(&[3]),
            &[0.0],
            0.0,
            None,
            &[],
            g.view_mut(),
        );
        assert_eq!(g.to_vec(), vec![0.0, 0.0]);
        assert_eq!(clean, noisy);
    }

    #[test]
    fn the_hebbian_trial_reads_the_noise_from_the_activity() {
        let n = neuron(Transfer::Tanh);
        let x = array![0.5, 0.2];
        let mut reward = vec![f64::NAN; 64];
        let mut e = Vector::zeros(2);
        let xi = n.inputs()[9];
        let loss = |a: f64| (a.tanh() - (1.5 * xi - 0.5).tanh()).powi(2);
        let clean = 0.5 * xi + 0.2;
        // The first trial on input 9 only sets the critic: the response is the last step's.
        let (heard, rpe) = n.hebbian(
            x.view(),
            Some(&[9]),
            &[0.3, -0.1, 0.2],
            3,
            &[],
            &mut reward,
            0.5,
            e.view_mut(),
        );
        let l1 = loss(clean + 0.2);
        assert_eq!(e.to_vec(), vec![0.0, 0.0]);
        assert!((heard - l1).abs() < 1e-15 && rpe == 0.0);
        assert!((reward[9] + l1).abs() < 1e-15);
        // The second, with reward noise 0.01: ψ̂ = a_T − mean of the earlier drives, and
        // δ = R − R̄, R̄ moving half way.
        let (heard, rpe) = n.hebbian(
            x.view(),
            Some(&[9]),
            &[0.0, 0.4, -0.2],
            3,
            &[0.01],
            &mut reward,
            0.5,
            e.view_mut(),
        );
        let l2 = loss(clean - 0.2) + 0.01;
        let dev = -0.2 - 0.2;
        let delta = -l2 + l1;
        assert!((heard - l2).abs() < 1e-15 && (rpe - delta).abs() < 1e-15);
        assert!((e[0] - delta * dev * xi).abs() < 1e-14);
        assert!((e[1] - delta * dev).abs() < 1e-14);
        assert!((reward[9] - (-l1 + 0.5 * delta)).abs() < 1e-15);
        // Other inputs are untouched.
        assert!(reward[8].is_nan() && reward[10].is_nan());
    }
}
