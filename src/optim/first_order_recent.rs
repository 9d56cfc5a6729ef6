//! The rest of the first-order family as optax and torch.optim users know it: NAdam, Lion and
//! schedule-free AdamW, each with its reference implementation's rule, names and defaults.
//!
//! ## References
//! - Dozat (2016), "Incorporating Nesterov momentum into Adam", ICLR workshop: NAdam, with the
//!   momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)) of torch.optim.NAdam (PyTorch 2.x), whose
//!   documented rule and operation order this follows.
//! - Chen et al. (2023), "Symbolic discovery of optimization algorithms", NeurIPS: Lion, as
//!   `optax.lion` computes it.
//! - Defazio et al. (2024), "The road less scheduled", NeurIPS: schedule-free AdamW, as the
//!   authors' `schedulefree.AdamWScheduleFree` computes it (the AlgoPerf self-tuning winner).

use super::first_order::{lerp, sl};
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::Vector;
use crate::params::Params;

crate::scheduled_params! {
    /// torch.optim.NAdam.
    pub struct NadamConfig {
        /// Learning rate η.
        lr: f64 = 2e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// Decay rate β₁ of the first-moment estimate.
        beta1: f64 = 0.9, "β₁, the first-moment decay", (0.0, 0.999), Linear, UnitOpen, live;
        /// Decay rate β₂ of the second-moment estimate.
        beta2: f64 = 0.999, "β₂, the second-moment decay", (0.5, 0.99999), Linear, UnitOpen, live;
        /// Added to √v̂ for numerical stability.
        eps: f64 = 1e-8, "ε, the stabiliser", (1e-12, 1e-2), Log, Positive, live;
        /// Weight decay λ: added to the gradient, or decoupled (x ← x(1 − ηλ)).
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
        /// Momentum decay ψ of the schedule μ_t = β₁(1 − ½·0.96^(tψ)).
        momentum_decay: f64 = 4e-3, "ψ, the momentum decay", (0.0, 0.05), Linear, NonNegative, live;
        /// Decoupled weight decay, as AdamW (NAdamW).
        decoupled_weight_decay: bool = false, "decoupled weight decay", (0, 1), Linear, Finite, live;
    }
}

crate::scheduled_params! {
    /// Lion: the sign of an interpolated momentum.
    pub struct LionConfig {
        /// Learning rate η (Lion's steps are ±η per coordinate, so η is small).
        lr: f64 = 1e-4, "learning rate η", (1e-6, 0.1), Log, Positive, live;
        /// β₁: how much of the momentum enters the update's sign.
        beta1: f64 = 0.9, "β₁, the update's interpolation", (0.0, 0.999), Linear, UnitOpen, live;
        /// β₂: the decay of the momentum itself.
        beta2: f64 = 0.99, "β₂, the momentum decay", (0.0, 0.9999), Linear, UnitOpen, live;
        /// Decoupled weight decay λ: the step is −η(sign(c) + λx).
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 1.0), Linear, NonNegative, live;
    }
}

crate::params! {
    /// Schedule-free AdamW.
    pub struct ScheduleFreeAdamWConfig {
        /// Learning rate η (the peak, reached after the warm-up).
        lr: f64 = 2.5e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// β₁: the interpolation between the average x and the base sequence z where ∇f is taken.
        beta1: f64 = 0.9, "β₁, the interpolation", (0.0, 0.999), Linear, Within(1e-6, 0.999_999), live;
        /// Decay rate β₂ of the second-moment estimate.
        beta2: f64 = 0.999, "β₂, the second-moment decay", (0.5, 0.99999), Linear, UnitOpen, live;
        /// Added to √v̂ for numerical stability.
        eps: f64 = 1e-8, "ε, the stabiliser", (1e-12, 1e-2), Log, Positive, live;
        /// Weight decay λ, applied at the gradient point y.
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
        /// Linear warm-up of the step size over this many steps.
        warmup_steps: usize = 0, "warm-up steps", (0, 1000), Linear, Finite, live;
        /// Polynomial weighting t^r of the average.
        r: f64 = 0.0, "r, the averaging power", (0.0, 2.0), Linear, NonNegative, live;
        /// The average weights steps by η_max^p (p = 0: uniform).
        weight_lr_power: f64 = 2.0, "p, the weight's step-size power", (0.0, 4.0), Linear, NonNegative, live;
    }
}

/// The step size in force.
const STEP_SIZE: [Diagnostic; 1] = [Diagnostic {
    key: "step_size",
    name: "step size η_t",
    log: true,
}];

/// Schedule-free's diagnostics: its step size and the averaging weight c_t.
const SCHEDULE_FREE: [Diagnostic; 2] = [
    Diagnostic {
        key: "step_size",
        name: "step size η_t",
        log: true,
    },
    Diagnostic {
        key: "average_weight",
        name: "averaging weight c_t",
        log: true,
    },
];

impl MethodConfig for NadamConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(Nadam {
            c: self.clone(),
            g: z.clone(),
            m: z.clone(),
            v: z,
            t: 0,
            mu_product: 1.0,
            lr_t: self.lr_at(0),
        })
    }
    fn order(&self) -> Order {
        Order::First
    }
    fn needs(&self) -> Needs {
        Needs::GRADIENTS
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &STEP_SIZE
    }
    fn reference(&self) -> &'static str {
        "Dozat (2016); torch.optim.NAdam documentation (PyTorch 2.x)"
    }
}

impl MethodConfig for LionConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Lion {
            c: self.clone(),
            g: Vector::zeros(dim),
            m: Vector::zeros(dim),
            t: 0,
            lr_t: self.lr_at(0),
        })
    }
    fn order(&self) -> Order {
        Order::First
    }
    fn needs(&self) -> Needs {
        Needs::GRADIENTS
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &STEP_SIZE
    }
    fn reference(&self) -> &'static str {
        "Chen et al. (2023), Symbolic discovery of optimization algorithms; optax.lion"
    }
}

impl MethodConfig for ScheduleFreeAdamWConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(ScheduleFree {
            c: self.clone(),
            g: z.clone(),
            y: z.clone(),
            z: z.clone(),
            v: z.clone(),
            last: z,
            started: false,
            k: 0,
            lr_max: -1.0,
            weight_sum: 0.0,
            lr_t: f64::NAN,
            c_t: f64::NAN,
        })
    }
    fn order(&self) -> Order {
        Order::First
    }
    fn needs(&self) -> Needs {
        Needs::GRADIENTS
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &SCHEDULE_FREE
    }
    fn reference(&self) -> &'static str {
        "Defazio et al. (2024), The road less scheduled; schedulefree.AdamWScheduleFree"
    }
}

/// NAdam: Adam with a Nesterov look-ahead of the first moment.
#[derive(Clone)]
struct Nadam {
    c: NadamConfig,
    g: Vector,
    m: Vector,
    v: Vector,
    t: u64,
    /// ∏ μ_s over the steps so far.
    mu_product: f64,
    /// The step size of the last step.
    lr_t: f64,
}

impl Optimizer for Nadam {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        self.t += 1;
        let c = &self.c;
        let lr = c.lr_at(self.t - 1);
        self.lr_t = lr;
        let t = self.t as f64;
        let bias_correction2 = 1.0 - c.beta2.powf(t);
        let mu = c.beta1 * (1.0 - 0.5 * 0.96f64.powf(t * c.momentum_decay));
        let mu_next = c.beta1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * c.momentum_decay));
        self.mu_product *= mu;
        let mu_product_next = self.mu_product * mu_next;
        let s_grad = -lr * (1.0 - mu) / (1.0 - self.mu_product);
        let s_moment = (-lr * mu_next) / (1.0 - mu_product_next);
        let (x, g, m, v) = (sl(x), sl(&mut self.g), sl(&mut self.m), sl(&mut self.v));
        for i in 0..x.len() {
            let mut gi = g[i];
            if c.weight_decay != 0.0 {
                if c.decoupled_weight_decay {
                    x[i] *= 1.0 - lr * c.weight_decay;
                } else {
                    gi += c.weight_decay * x[i];
                }
            }
            m[i] = lerp(m[i], gi, 1.0 - c.beta1);
            v[i] = v[i] * c.beta2 + (1.0 - c.beta2) * gi * gi;
            let denom = (v[i] / bias_correction2).sqrt() + c.eps;
            x[i] += (s_grad * gi) / denom;
            x[i] += (s_moment * m[i]) / denom;
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.lr_t)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.lr_t;
    }
}

/// Lion: x ← x − η(sign(β₁m + (1 − β₁)g) + λx), then m ← β₂m + (1 − β₂)g.
#[derive(Clone)]
struct Lion {
    c: LionConfig,
    g: Vector,
    m: Vector,
    /// Steps taken, and the step size of the last.
    t: u64,
    lr_t: f64,
}

/// The sign, with sign(0) = 0 (as optax and lion-pytorch take it).
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Optimizer for Lion {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        let lr = self.c.lr_at(self.t);
        self.t += 1;
        self.lr_t = lr;
        let c = &self.c;
        let (x, g, m) = (sl(x), sl(&mut self.g), sl(&mut self.m));
        for i in 0..x.len() {
            let interpolated = (1.0 - c.beta1) * g[i] + c.beta1 * m[i];
            let update = sign(interpolated) + c.weight_decay * x[i];
            x[i] += -lr * update;
            m[i] = (1.0 - c.beta2) * g[i] + c.beta2 * m[i];
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.lr_t)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.lr_t;
    }
}

/// Schedule-free AdamW. The iterate shown is the average x (where the method's guarantees
/// hold, and what its evaluation mode uses); the gradient is taken at y = β₁x + (1 − β₁)z,
/// between x and the base sequence z.
#[derive(Clone)]
struct ScheduleFree {
    c: ScheduleFreeAdamWConfig,
    g: Vector,
    y: Vector,
    z: Vector,
    v: Vector,
    /// The x this method last wrote, to notice a point moved from outside (then it restarts).
    last: Vector,
    started: bool,
    k: u64,
    lr_max: f64,
    weight_sum: f64,
    lr_t: f64,
    c_t: f64,
}

impl Optimizer for ScheduleFree {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if !self.started || self.last != *x {
            self.y.assign(x);
            self.z.assign(x);
            self.started = true;
        }
        oracle.gradient_into(self.y.view(), &mut self.g);
        let c = &self.c;
        let k = self.k as f64;
        let sched = if self.k < c.warmup_steps as u64 {
            (k + 1.0) / c.warmup_steps as f64
        } else {
            1.0
        };
        let bias_correction2 = 1.0 - c.beta2.powf(k + 1.0);
        let lr = c.lr * sched;
        self.lr_max = self.lr_max.max(lr);
        let weight = (k + 1.0).powf(c.r) * self.lr_max.powf(c.weight_lr_power);
        self.weight_sum += weight;
        let ckp1 = if self.weight_sum != 0.0 {
            weight / self.weight_sum
        } else {
            0.0
        };
        self.lr_t = lr;
        self.c_t = ckp1;
        let y_step = lr * (c.beta1 * (1.0 - ckp1) - 1.0);
        let to_x = 1.0 - 1.0 / c.beta1;
        let (xs, g, y, z, v) = (
            sl(x),
            sl(&mut self.g),
            sl(&mut self.y),
            sl(&mut self.z),
            sl(&mut self.v),
        );
        for i in 0..xs.len() {
            v[i] = v[i] * c.beta2 + (1.0 - c.beta2) * g[i] * g[i];
            let denom = (v[i] / bias_correction2).sqrt() + c.eps;
            let mut gn = g[i] / denom;
            if c.weight_decay != 0.0 {
                gn += c.weight_decay * y[i];
            }
            y[i] = lerp(y[i], z[i], ckp1);
            y[i] += y_step * gn;
            z[i] += -lr * gn;
            // The average x = (y − (1 − β₁)z)/β₁, as evaluation mode forms it.
            xs[i] = lerp(y[i], z[i], to_x);
        }
        self.last.assign(x);
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The point y where the gradient was taken and the base sequence z, beside the average x.
    fn overlay(&self, out: &mut Overlay) {
        if !self.started {
            return;
        }
        let x = out.vector(self.last.view());
        let y = out.vector(self.y.view());
        let z = out.vector(self.z.view());
        out.draw(Role::ProbeLink, Shape::Segment(x, z));
        out.draw(Role::GradientPoint, Shape::Point(y));
        out.draw(Role::BaseSequence, Shape::Point(z));
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.lr_t)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.lr_t;
        out[1] = self.c_t;
    }
}
