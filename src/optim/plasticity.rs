//! Plasticity rules whose probe is the learner's own noise and whose reinforcement is one
//! scalar reward, read as a neuroscientist would: reward-modulated Hebbian learning, which
//! never sees the noise and estimates it from the activity, and Ornstein–Uhlenbeck adaptation,
//! in which the parameters themselves jitter around a mean that follows the reward.
//!
//! ## References
//! - Legenstein, Chase, Schwartz & Maass (2010), "A reward-modulated Hebbian learning rule
//!   can explain experimentally observed network reorganization in a brain control task",
//!   J. Neurosci. 30(25): ΔW = η (R − R̄)(a − ā) xᵀ, the exploratory Hebbian rule.
//! - Hoerzer, Legenstein & Maass (2014), "Emergence of complex computational structures from
//!   chaotic neural networks through reward-modulated Hebbian learning", Cerebral Cortex 24.
//! - García Fernández, Ahmad & van Gerven (2024), "Ornstein–Uhlenbeck adaptation as a
//!   mechanism for learning in brains and machines", Entropy 26(12): dθ = λ(μ − θ)dt + σdW,
//!   dμ = η(r − r̄)(θ − μ)dt, dr̄ = ε(r − r̄)dt.

use rand_distr::{Distribution as _, StandardNormal};

use super::perturbation::{PROBE, RPE};
use super::zeroth_order::{draw_step, remember};
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::Vector;
use crate::params::Params;

// ---------------------------------------------------------------------------------------------
// Reward-modulated Hebbian learning.

crate::params! {
    /// Reward-modulated Hebbian learning: in each trial of T time steps the neuron's drive
    /// carries fresh intrinsic noise ψ ~ N(0, σ²) it cannot read, and its response at the last
    /// step is rewarded. It takes the deviation of that response's drive from its mean drive
    /// over the trial's earlier steps, ψ̂ = a_T − ā, as the probe, and the reward's deviation
    /// from the running mean reward for that input, R − R̄, as the reinforcement:
    /// Δθ = η (R − R̄) ψ̂ (x, 1). Without the 1/σ² of node perturbation its effective rate is
    /// η·σ².
    pub struct RmhlConfig {
        /// Plasticity rate η.
        lr: f64 = 0.5, "learning rate η", (1e-2, 1000.0), Log, Positive, live;
        /// The standard deviation σ of the intrinsic noise on the drive.
        sigma: f64 = 0.1, "intrinsic noise σ", (1e-4, 1.0), Log, NonNegative, live;
        /// Time steps per trial T: the last one is the response, the earlier ones give ā.
        steps: usize = 10, "time steps per trial T", (2, 100), Log, Within(2.0, 10_000.0), live;
        /// The rate γ at which the critic R̄ follows each input's reward.
        gamma: f64 = 0.5, "reward averaging rate γ", (1e-3, 1.0), Log, Within(1e-9, 1.0), live;
    }
}

impl MethodConfig for RmhlConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Rmhl {
            c: self.clone(),
            psi: Vec::new(),
            rewards: Vec::new(),
            e: Vector::zeros(dim),
            from: Vector::zeros(dim),
            loss: f64::NAN,
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
            neuron: true,
            ..Needs::VALUES
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[
            PROBE,
            RPE,
            Diagnostic {
                key: "heard_loss",
                name: "the trial's loss as the neuron heard it (reward noise included)",
                log: true,
            },
        ]
    }
    fn reference(&self) -> &'static str {
        "Legenstein, Chase, Schwartz & Maass (2010), J. Neurosci. 30(25); Hoerzer, Legenstein & Maass (2014), Cerebral Cortex 24"
    }
}

#[derive(Clone)]
struct Rmhl {
    c: RmhlConfig,
    /// σ·ξ per time step, unit and sample of the trial (sized at the first step).
    psi: Vec<f64>,
    /// The running mean reward R̄ per input.
    rewards: Vec<f64>,
    /// The trial's reinforced eligibility (R − R̄) ψ̂ (x, 1): the step is η times it.
    e: Vector,
    from: Vector,
    /// The last trial's loss as heard.
    loss: f64,
    probe: f64,
    rpe: f64,
    k: u64,
}

impl Optimizer for Rmhl {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, x);
        let (units, rows) = oracle.units_and_rows();
        let steps = self.c.steps.max(2);
        self.psi.resize(units * rows * steps, 0.0);
        for v in &mut self.psi {
            let z: f64 = StandardNormal.sample(oracle.rng());
            *v = self.c.sigma * z;
        }
        let samples = oracle.samples();
        if self.rewards.len() != samples {
            self.rewards = vec![f64::NAN; samples];
        }
        let (loss, rpe) = oracle.hebbian(
            x.view(),
            &self.psi,
            steps,
            &mut self.rewards,
            self.c.gamma,
            &mut self.e,
        );
        self.loss = loss;
        self.rpe = rpe;
        self.probe = self.psi.first().copied().unwrap_or(f64::NAN);
        if let (Some(xs), Some(es)) = (x.as_slice_mut(), self.e.as_slice()) {
            super::zeroth_order::axpy(xs, self.c.lr, es);
        }
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.probe;
        out[1] = self.rpe;
        out[2] = self.loss;
    }

    /// The step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k > 0 {
            draw_step(&self.from, -self.c.lr, &self.e, out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ornstein–Uhlenbeck adaptation.

crate::params! {
    /// Ornstein–Uhlenbeck adaptation: the parameters θ jitter around a mean μ (an OU process,
    /// the probe), μ moves toward where the jitter found more reward than expected (the
    /// reinforcement), and r̄ tracks the expected reward, by Euler–Maruyama steps of Δt:
    /// θ ← θ + λ(μ − θ)Δt + σ√Δt·z, μ ← μ + η(r − r̄)(θ − μ)Δt, r̄ ← r̄ + ε(r − r̄)Δt, with
    /// r = −f(θ). On average μ climbs the reward at the rate η·σ²/(2λ): no noise, no learning.
    /// The iterate shown is μ; θ is the jittering dot beside it.
    pub struct OuaConfig {
        /// Mean reversion λ: how fast θ returns to μ.
        lambda: f64 = 1.0, "mean reversion λ", (0.01, 100.0), Log, Positive, live;
        /// The noise σ driving θ's jitter.
        sigma: f64 = 0.5, "noise σ", (1e-4, 10.0), Log, NonNegative, live;
        /// Plasticity rate η of the mean.
        lr: f64 = 1.0, "learning rate η", (1e-3, 100.0), Log, Positive, live;
        /// The rate ε at which r̄ follows the reward.
        epsilon: f64 = 1.0, "reward averaging rate ε", (1e-3, 100.0), Log, Positive, live;
        /// The time step Δt.
        dt: f64 = 0.05, "time step Δt", (1e-4, 1.0), Log, Positive, live;
    }
}

impl MethodConfig for OuaConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Oua {
            c: self.clone(),
            theta: Vector::zeros(dim),
            from: Vector::zeros(dim),
            g: Vector::zeros(dim),
            reward: f64::NAN,
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
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[
            Diagnostic {
                key: "probe",
                name: "probe: the jitter θ − μ of the first parameter",
                log: false,
            },
            RPE,
            Diagnostic {
                key: "reward_baseline",
                name: "the running mean reward r̄",
                log: false,
            },
        ]
    }
    fn reference(&self) -> &'static str {
        "García Fernández, Ahmad & van Gerven (2024), Entropy 26(12)"
    }
}

#[derive(Clone)]
struct Oua {
    c: OuaConfig,
    /// The jittering parameters θ (set to μ at the first step).
    theta: Vector,
    from: Vector,
    /// The step taken, as −Δμ/η (for the overlay).
    g: Vector,
    /// The expected reward r̄.
    reward: f64,
    rpe: f64,
    k: u64,
}

impl Oua {
    /// The jitter's stationary spread σ/√(2λ): the radius over which OUA smooths the reward.
    fn spread(&self) -> f64 {
        self.c.sigma / (2.0 * self.c.lambda).sqrt()
    }
}

impl Optimizer for Oua {
    fn step(&mut self, mu: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        remember(&mut self.from, mu);
        if self.k == 0 {
            self.theta.assign(mu);
        }
        let r = -oracle.value(self.theta.view());
        if self.reward.is_nan() {
            self.reward = r;
        }
        let OuaConfig {
            lambda,
            sigma,
            lr,
            epsilon,
            dt,
        } = self.c;
        self.rpe = r - self.reward;
        let gain = lr * self.rpe * dt;
        let kick = sigma * dt.sqrt();
        let rng = oracle.rng();
        for ((m, t), g) in mu
            .iter_mut()
            .zip(self.theta.iter_mut())
            .zip(self.g.iter_mut())
        {
            let dev = *t - *m;
            let z: f64 = StandardNormal.sample(rng);
            *t += -lambda * dev * dt + kick * z;
            *g = -self.rpe * dev * dt;
            *m += gain * dev;
        }
        self.reward += epsilon * self.rpe * dt;
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
        Some(self.spread())
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.theta.first().copied().unwrap_or(f64::NAN)
            - self.from.first().copied().unwrap_or(f64::NAN);
        out[1] = self.rpe;
        out[2] = self.reward;
    }

    /// The jittering θ beside the mean μ, and the mean's step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let a = out.vector(self.from.view());
        let t = out.vector(self.theta.view());
        out.draw(Role::ProbeLink, Shape::Segment(a, t));
        out.draw(Role::Probe, Shape::Point(t));
        draw_step(&self.from, self.c.lr, &self.g, out);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rand::SeedableRng as _;
    use rand_distr::{Distribution as _, StandardNormal};
    use rand_pcg::Pcg64;

    use super::*;
    use crate::noise::Noise;
    use crate::optim::OracleState;
    use crate::problem::Objective;
    use crate::problem::functions::Sphere;

    /// Three OU adaptation steps on Σxᵢ², written out from the Euler–Maruyama equations with
    /// the same normal draws from the method's stream.
    #[test]
    fn ou_adaptation_follows_its_equations() {
        let (lambda, sigma, eta, epsilon, dt) = (2.0, 0.3, 1.5, 0.7, 0.1);
        let c = OuaConfig {
            lambda,
            sigma,
            lr: eta,
            epsilon,
            dt,
        };
        let f = Sphere::new(2);
        let mut m = c.build(2);
        let mut st = OracleState::new(2, Pcg64::seed_from_u64(1), Pcg64::seed_from_u64(2));
        let mut mu = Vector::from(vec![0.8, -0.4]);
        let noise = Noise::default();
        // By hand: θ starts at μ; r = −f(θ); r̄ starts at the first reward.
        let mut rng = Pcg64::seed_from_u64(2);
        let (mut hm, mut ht) = ([0.8, -0.4], [0.8, -0.4]);
        let mut rbar = f64::NAN;
        for _ in 0..3 {
            let mut o = Oracle::new(&f, &noise, &mut st);
            m.step(&mut mu, &mut o).unwrap();
            let r = -f.value(ndarray::ArrayView1::from(&ht[..]));
            if rbar.is_nan() {
                rbar = r;
            }
            let rpe = r - rbar;
            for i in 0..2 {
                let dev = ht[i] - hm[i];
                let z: f64 = StandardNormal.sample(&mut rng);
                ht[i] += -lambda * dev * dt + sigma * dt.sqrt() * z;
                hm[i] += eta * rpe * dev * dt;
            }
            rbar += epsilon * rpe * dt;
            for i in 0..2 {
                assert!((mu[i] - hm[i]).abs() < 1e-15, "μ {mu} against {hm:?}");
            }
        }
        // The mean moved: the test is not one of a method that never learns.
        assert!((hm[0] - 0.8).abs() > 1e-6);
        let mut d = [f64::NAN; crate::optim::MAX_DIAGNOSTICS];
        m.diagnostics(&mut d);
        assert!((d[2] - rbar).abs() < 1e-15);
    }
}
