//! The oracle: the only door from an optimizer to its objective.
//!
//! It counts every function, gradient, Hessian and Hessian-vector evaluation and applies the
//! noise model ([`crate::noise`]), so that every method sees the same noise and the counts can be
//! trusted (a zeroth-order method's gradient count stays 0 because it can only ask for values).
//! Parameter noise perturbs the point of every evaluation; evaluation noise and rounding touch
//! function values only; gradient noise touches gradients only; the Fisher metric, a property of
//! the model, stays clean. On a data problem the batch channel draws each step's mini-batch, and
//! every evaluation of that step sees it.

use ndarray::ArrayView1;
use rand::RngExt as _;
use rand_pcg::Pcg64;

use crate::linalg::{Matrix, Vector};
use crate::noise::{Levels, Noise};
use crate::problem::{Objective, ViewBounds};

/// Cumulative evaluation counts of one optimizer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Function evaluations.
    pub f: u64,
    /// Gradient evaluations.
    pub g: u64,
    /// Full Hessian evaluations (and Fisher metrics: dense curvature matrices).
    pub h: u64,
    /// Hessian-vector products.
    pub hv: u64,
}

/// What an oracle keeps between steps: the counts, the random streams, a scratch point for
/// perturbed evaluations and the function values the method saw during the step.
#[derive(Clone, Debug)]
pub struct OracleState {
    /// Cumulative counts.
    pub counts: Counts,
    noise_rng: Pcg64,
    probe_rng: Pcg64,
    scratch: Vector,
    /// Steps taken (the time of the noise levels' decay).
    step: u64,
    /// Sum and number of the function values returned during the current step.
    seen: (f64, u32),
    /// The mini-batches of a data problem.
    batches: Batches,
    /// The reward noise on each sample's loss in a node-perturbation pass (sized once).
    rewards: Vec<f64>,
}

/// Mini-batches drawn from the noise stream: a shuffled order of the training points, walked
/// through a batch at a time and reshuffled when fewer than a batch are left.
#[derive(Clone, Debug, Default)]
struct Batches {
    order: Vec<u32>,
    cursor: usize,
    /// The current step's batch, as a range of `order` (empty: the full batch).
    now: (usize, usize),
    /// Training points drawn so far.
    drawn: u64,
}

impl Batches {
    /// Draws the next batch of `size` from `n` points.
    fn draw(&mut self, n: usize, size: usize, rng: &mut Pcg64) {
        if self.order.len() != n {
            self.order = (0..n as u32).collect();
            self.cursor = n;
        }
        if self.cursor + size > n {
            // Fisher–Yates, from the noise stream.
            for i in (1..n).rev() {
                let j = rng.random_range(0..=i);
                self.order.swap(i, j);
            }
            self.cursor = 0;
        }
        self.now = (self.cursor, self.cursor + size);
        self.cursor += size;
        self.drawn += size as u64;
    }

    fn pick(&self) -> Option<&[u32]> {
        (self.now.1 > self.now.0).then(|| &self.order[self.now.0..self.now.1])
    }
}

impl OracleState {
    /// A fresh state for dimension `dim`. `noise_rng` feeds the noise channels and `probe_rng`
    /// the method's own randomness, so changing a noise level never changes a method's probes.
    pub fn new(dim: usize, noise_rng: Pcg64, probe_rng: Pcg64) -> Self {
        Self {
            counts: Counts::default(),
            noise_rng,
            probe_rng,
            scratch: Vector::zeros(dim),
            step: 0,
            seen: (0.0, 0),
            batches: Batches::default(),
            rewards: Vec::new(),
        }
    }

    /// The training points seen in mini-batches so far, divided by the number of points: the
    /// epochs (0 for full-batch runs and problems without data).
    pub fn epochs(&self, samples: usize) -> f64 {
        if samples == 0 {
            0.0
        } else {
            self.batches.drawn as f64 / samples as f64
        }
    }

    /// The steps taken so far (the time of the noise levels' decay).
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The same state as if `step` steps had been taken (so that decaying noise levels are
    /// those of that step).
    pub fn at_step(mut self, step: u64) -> Self {
        self.step = step;
        self
    }

    /// The mean of the function values the method saw (noise included) since the last call,
    /// NaN if it saw none; starts the next step's tally.
    #[inline]
    pub fn take_seen(&mut self) -> f64 {
        let (sum, n) = std::mem::take(&mut self.seen);
        if n == 0 { f64::NAN } else { sum / n as f64 }
    }

    /// The method's random stream, for work outside a step (an estimator cloud).
    pub fn probe_rng(&mut self) -> &mut Pcg64 {
        &mut self.probe_rng
    }
}

/// What an optimizer may ask about the objective during one step.
pub struct Oracle<'a> {
    objective: &'a dyn Objective,
    levels: Levels,
    state: &'a mut OracleState,
}

impl<'a> Oracle<'a> {
    /// Wraps `objective` for one step, with the noise levels of the state's step count.
    pub fn new(objective: &'a dyn Objective, noise: &Noise, state: &'a mut OracleState) -> Self {
        let levels = noise.levels(state.step);
        Self::with_levels(objective, levels, state)
    }

    /// The same with the levels already worked out (a run whose noise is all off skips the
    /// work for every racer and step).
    pub fn with_levels(
        objective: &'a dyn Objective,
        levels: Levels,
        state: &'a mut OracleState,
    ) -> Self {
        let n = objective.samples();
        if levels.batch > 0 && levels.batch < n {
            state.batches.draw(n, levels.batch, &mut state.noise_rng);
        } else {
            state.batches.now = (0, 0);
        }
        Self {
            objective,
            levels,
            state,
        }
    }

    /// The point an evaluation at x is taken at: x itself, or x + σ_p ξ under parameter noise
    /// (held in the scratch buffer).
    #[inline]
    fn at<'x>(
        levels: &Levels,
        scratch: &'x mut Vector,
        rng: &mut Pcg64,
        x: ArrayView1<'x, f64>,
    ) -> ArrayView1<'x, f64> {
        if levels.param > 0.0 {
            scratch.assign(&x);
            if let Some(s) = scratch.as_slice_mut() {
                Levels::add_gaussian(s, levels.param, rng);
            }
            scratch.view()
        } else {
            x
        }
    }

    /// The number of parameters.
    pub fn dim(&self) -> usize {
        self.objective.dim()
    }

    /// f(x) as the noise model lets the method see it (at a perturbed point, plus evaluation
    /// noise, rounded); counted.
    #[inline]
    pub fn value(&mut self, x: ArrayView1<'_, f64>) -> f64 {
        let st = &mut *self.state;
        st.counts.f += 1;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        let clean = match st.batches.pick() {
            Some(pick) => self.objective.value_on(at, pick),
            None => self.objective.value(at),
        };
        let f = self.levels.seen_value(clean, &mut st.noise_rng);
        st.seen.0 += f;
        st.seen.1 += 1;
        f
    }

    /// ∇f(x) (at a perturbed point under parameter noise) plus the gradient noise, written into `g`; counted.
    #[inline]
    pub fn gradient_into(&mut self, x: ArrayView1<'_, f64>, g: &mut Vector) {
        let st = &mut *self.state;
        st.counts.g += 1;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        match st.batches.pick() {
            // The batch's loss comes with its gradient: it counts as seen, so that a gradient
            // method's mini-batch losses can be drawn beside the full-batch loss.
            Some(pick) => {
                let f = self.objective.value_and_gradient_on(at, pick, g.view_mut());
                st.seen.0 += f;
                st.seen.1 += 1;
            }
            None => self.objective.gradient_into(at, g.view_mut()),
        }
        if let Some(s) = g.as_slice_mut() {
            Levels::add_gaussian(s, self.levels.grad, &mut st.noise_rng);
        }
    }

    /// ∇²f(x), written into `h`; counted.
    pub fn hessian_into(&mut self, x: ArrayView1<'_, f64>, h: &mut Matrix) {
        let st = &mut *self.state;
        st.counts.h += 1;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        self.objective.hessian_into(at, h.view_mut());
    }

    /// ∇²f(x)·v, written into `out`; counted.
    pub fn hvp_into(&mut self, x: ArrayView1<'_, f64>, v: ArrayView1<'_, f64>, out: &mut Vector) {
        let st = &mut *self.state;
        st.counts.hv += 1;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        match st.batches.pick() {
            Some(pick) => self.objective.hvp_on(at, v, pick, out.view_mut()),
            None => self.objective.hvp_into(at, v, out.view_mut()),
        }
    }

    /// The Gauss–Newton product Jᵀ H_L J v on the step's batch, written into `out`; counted
    /// with the Hessian-vector products (it costs about as much).
    pub fn gauss_newton_into(
        &mut self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        out: &mut Vector,
    ) {
        let st = &mut *self.state;
        st.counts.hv += 1;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        self.objective
            .gauss_newton_into(at, v, st.batches.pick(), out.view_mut());
    }

    /// The units node perturbation probes per sample, and the rows of this step's batch (a
    /// network's; zeros for other problems).
    pub fn units_and_rows(&self) -> (usize, usize) {
        let rows = match self.state.batches.pick() {
            Some(p) => p.len(),
            None => self.objective.samples(),
        };
        (self.objective.units(), rows)
    }

    /// Node perturbation on the step's batch (see [`Objective::node_perturbation`]): counted as
    /// two function evaluations, or one against a baseline. Under evaluation noise every
    /// sample's loss carries its own reward noise, in each pass. Returns the clean and noisy
    /// mean losses as the rule heard them (reward noise included); the noisy one counts as seen.
    pub fn node_perturbation(
        &mut self,
        x: ArrayView1<'_, f64>,
        psi: &[f64],
        sigma: f64,
        baseline: Option<f64>,
        g: &mut Vector,
    ) -> (f64, f64) {
        let st = &mut *self.state;
        let passes = if baseline.is_some() { 1 } else { 2 };
        st.counts.f += passes;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        let rows = match st.batches.pick() {
            Some(p) => p.len(),
            None => self.objective.samples(),
        };
        let noise = Self::reward_noise(
            &self.levels,
            &mut st.rewards,
            &mut st.noise_rng,
            rows * passes as usize,
        );
        let (clean, noisy) = self.objective.node_perturbation(
            at,
            st.batches.pick(),
            psi,
            sigma,
            baseline,
            noise,
            g.view_mut(),
        );
        // The losses as the rule heard them: each pass's mean plus its mean reward noise.
        let heard = |part: &[f64]| {
            if part.is_empty() {
                0.0
            } else {
                part.iter().sum::<f64>() / part.len() as f64
            }
        };
        let (on_noisy, on_clean) = noise.split_at(noise.len().min(rows));
        let noisy = noisy + heard(on_noisy);
        let clean = clean + heard(on_clean);
        st.seen.0 += noisy;
        st.seen.1 += 1;
        (clean, noisy)
    }

    /// `n` draws of the reward noise on the losses of a pass (empty without evaluation noise),
    /// in the state's buffer.
    fn reward_noise<'s>(
        levels: &Levels,
        rewards: &'s mut Vec<f64>,
        rng: &mut Pcg64,
        n: usize,
    ) -> &'s [f64] {
        if levels.eval > 0.0 {
            rewards.clear();
            rewards.resize(n, 0.0);
            Levels::add_gaussian(rewards, levels.eval, rng);
            rewards
        } else {
            &[]
        }
    }

    /// A neuron model's trial for a Hebbian rule (see [`Objective::hebbian`]): one evaluation
    /// per time step, each input's trial with its own reward noise under evaluation
    /// noise. Returns the mean loss heard, which counts as seen, and the mean reward
    /// prediction error.
    pub fn hebbian(
        &mut self,
        x: ArrayView1<'_, f64>,
        psi: &[f64],
        steps: usize,
        reward: &mut [f64],
        rate: f64,
        e: &mut Vector,
    ) -> (f64, f64) {
        let st = &mut *self.state;
        st.counts.f += steps.max(1) as u64;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        let rows = match st.batches.pick() {
            Some(p) => p.len(),
            None => self.objective.samples(),
        };
        let noise = Self::reward_noise(&self.levels, &mut st.rewards, &mut st.noise_rng, rows);
        let (heard, rpe) = self.objective.hebbian(
            at,
            st.batches.pick(),
            psi,
            steps,
            noise,
            reward,
            rate,
            e.view_mut(),
        );
        st.seen.0 += heard;
        st.seen.1 += 1;
        (heard, rpe)
    }

    /// The number of training points a data problem averages over (0 otherwise).
    pub fn samples(&self) -> usize {
        self.objective.samples()
    }

    /// Activity-based node perturbation on the step's batch (see
    /// [`Objective::activity_perturbation`]): two passes, counted as two evaluations.
    pub fn activity_perturbation(
        &mut self,
        x: ArrayView1<'_, f64>,
        psi: &[f64],
        g: &mut Vector,
        moments: &mut [f64],
    ) -> (f64, f64) {
        let st = &mut *self.state;
        st.counts.f += 2;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        let (clean, noisy) =
            self.objective
                .activity_perturbation(at, st.batches.pick(), psi, g.view_mut(), moments);
        st.seen.0 += noisy;
        st.seen.1 += 1;
        (clean, noisy)
    }

    /// Feedback alignment's update on the step's batch (see
    /// [`Objective::feedback_alignment`]): one backward pass, counted as a gradient evaluation;
    /// the loss counts as seen.
    pub fn feedback_alignment(&mut self, x: ArrayView1<'_, f64>, feedback: &[f64], g: &mut Vector) {
        let st = &mut *self.state;
        st.counts.g += 1;
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        let f = self
            .objective
            .feedback_alignment(at, st.batches.pick(), feedback, g.view_mut());
        st.seen.0 += f;
        st.seen.1 += 1;
    }

    /// The weight matrices and biases of a network's parameters (empty for other problems).
    pub fn blocks(&self) -> &[crate::problem::ParamBlock] {
        self.objective.blocks()
    }

    /// The number of residuals of a least-squares problem.
    pub fn residual_count(&self) -> usize {
        self.objective.residual_count()
    }

    /// The residuals r(x), written into `r` (resized to m the first time); counted as a
    /// function evaluation.
    pub fn residuals_into(&mut self, x: ArrayView1<'_, f64>, r: &mut Vector) {
        let st = &mut *self.state;
        st.counts.f += 1;
        let m = self.objective.residual_count();
        if r.len() != m {
            *r = Vector::zeros(m);
        }
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        self.objective.residuals_into(at, r.view_mut());
    }

    /// The residuals' Jacobian (m × d), written into `j` (resized the first time); counted as
    /// a gradient evaluation (it is the gradient of every residual).
    pub fn jacobian_into(&mut self, x: ArrayView1<'_, f64>, j: &mut Matrix) {
        let st = &mut *self.state;
        st.counts.g += 1;
        let shape = (self.objective.residual_count(), self.objective.dim());
        if j.dim() != shape {
            *j = Matrix::zeros(shape);
        }
        let at = Self::at(&self.levels, &mut st.scratch, &mut st.noise_rng, x);
        self.objective.jacobian_into(at, j.view_mut());
    }

    /// The Fisher metric at x, written into `f`; counted with the dense curvature matrices
    /// (`Counts::h`).
    pub fn fisher_into(&mut self, x: ArrayView1<'_, f64>, f: &mut Matrix) {
        self.state.counts.h += 1;
        self.objective.fisher_into(x, f.view_mut());
    }

    /// The problem's window (its plotting bounds), for methods that sample globally; not an
    /// evaluation.
    pub fn bounds(&self) -> ViewBounds {
        self.objective.bounds()
    }

    /// The method's own random stream (probe directions, populations).
    pub fn rng(&mut self) -> &mut Pcg64 {
        &mut self.state.probe_rng
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        self.state.counts
    }

    /// The noise levels in force during this step.
    pub fn levels(&self) -> Levels {
        self.levels
    }

    /// Ends the step: under the Langevin channel the iterate moves by √(2ηT)·ξ, with η the
    /// method's step size (asked for only then); the step count advances.
    #[inline]
    pub(crate) fn end_step(self, x: &mut Vector, step_size: impl FnOnce() -> f64) {
        let st = self.state;
        let t = self.levels.temperature;
        if t > 0.0
            && let Some(s) = x.as_slice_mut()
        {
            Levels::add_gaussian(s, (2.0 * step_size() * t).sqrt(), &mut st.noise_rng);
        }
        st.step += 1;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use ndarray::{ArrayView1, ArrayViewMut1};
    use rand::SeedableRng as _;

    use super::*;
    use crate::problem::Minimum;

    /// A data problem of 100 points whose value on a batch is the sum of the batch's indices,
    /// so that a value tells which points it saw.
    struct Indices;

    impl Objective for Indices {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, _x: ArrayView1<'_, f64>) -> f64 {
            -1.0
        }
        fn gradient_into(&self, _x: ArrayView1<'_, f64>, _g: ArrayViewMut1<'_, f64>) {}
        fn hvp_into(
            &self,
            _: ArrayView1<'_, f64>,
            _: ArrayView1<'_, f64>,
            _: ArrayViewMut1<'_, f64>,
        ) {
        }
        fn bounds(&self) -> ViewBounds {
            ViewBounds {
                x: (0.0, 1.0),
                y: (0.0, 1.0),
            }
        }
        fn minima(&self) -> Vec<Minimum> {
            Vec::new()
        }
        fn samples(&self) -> usize {
            100
        }
        fn value_on(&self, _x: ArrayView1<'_, f64>, batch: &[u32]) -> f64 {
            batch.iter().map(|&i| f64::from(i)).sum()
        }
    }

    #[test]
    fn every_epoch_visits_each_point_once_and_a_step_keeps_its_batch() {
        let mut noise = Noise::default();
        noise.batch.size = 20;
        let mut state = OracleState::new(1, Pcg64::seed_from_u64(1), Pcg64::seed_from_u64(2));
        let x = Vector::zeros(1);
        let mut sums = Vec::new();
        for _ in 0..15 {
            let mut o = Oracle::new(&Indices, &noise, &mut state);
            let (a, b) = (o.value(x.view()), o.value(x.view()));
            assert_eq!(a, b, "two values of one step saw different batches");
            sums.push(a);
            o.end_step(&mut x.clone(), || 1.0);
        }
        // Five batches make an epoch: together they hold every index 0 … 99 once.
        for epoch in sums.chunks(5) {
            assert_eq!(epoch.iter().sum::<f64>(), 4950.0);
        }
        assert_ne!(
            sums[..5],
            sums[5..10],
            "the second epoch was not reshuffled"
        );
        assert_eq!(state.epochs(100), 3.0);
        // A batch as large as the data is the full batch.
        noise.batch.size = 100;
        let mut o = Oracle::new(&Indices, &noise, &mut state);
        assert_eq!(o.value(x.view()), -1.0);
        // A batch of 30 leaves 10 points: the epoch's last partial batch is dropped.
        noise.batch.size = 30;
        let mut state = OracleState::new(1, Pcg64::seed_from_u64(1), Pcg64::seed_from_u64(2));
        for _ in 0..6 {
            let mut o = Oracle::new(&Indices, &noise, &mut state);
            let v = o.value(x.view());
            assert!(v >= 435.0, "{v}: fewer than 30 points");
        }
    }

    /// Under reward noise, node perturbation's estimate is the change in the losses as heard,
    /// each pass with its own noise, and the oracle returns those same heard losses.
    #[test]
    fn node_perturbation_hears_reward_noise_in_both_passes() {
        use crate::problem::neuron::{NeuronTuning, NeuronTuningConfig};
        let neuron = NeuronTuning::new(&NeuronTuningConfig::default());
        let mut noise = Noise::default();
        for spec in ["eval:std=0.05", "batch:size=1"] {
            let keys = crate::noise::NoiseChannel::keys();
            noise.set(crate::spec::parse(spec, "noise", keys).unwrap());
        }
        let mut st = OracleState::new(2, Pcg64::seed_from_u64(4), Pcg64::seed_from_u64(5));
        let x = ndarray::array![-1.0, 1.0];
        let (sigma, psi) = (0.1, [0.07]);
        let mut g = Vector::zeros(2);
        let mut oracle = Oracle::new(&neuron, &noise, &mut st);
        let trial = oracle.state.batches.pick().unwrap()[0] as usize;
        let (clean, noisy) = oracle.node_perturbation(x.view(), &psi, sigma, None, &mut g);
        let xi = neuron.inputs()[trial];
        let a = -xi + 1.0;
        let target = (1.5 * xi - 0.5).tanh();
        let (l, lt) = (
            (a.tanh() - target).powi(2),
            ((a + 0.07).tanh() - target).powi(2),
        );
        // Both heard losses carry noise, of different draws.
        assert!(clean != l && noisy != lt && (clean - l) != (noisy - lt));
        assert!((clean - l).abs() < 0.3 && (noisy - lt).abs() < 0.3);
        let r = (noisy - clean) / (sigma * sigma);
        assert!((g[0] - r * 0.07 * xi).abs() < 1e-12 * r.abs().max(1.0));
        assert!((g[1] - r * 0.07).abs() < 1e-12 * r.abs().max(1.0));
    }
}
