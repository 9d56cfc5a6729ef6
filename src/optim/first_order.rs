//! First-order methods, with torch.optim's documented update rules, parameter names and defaults.
//!
//! ## References
//! - Cauchy (1847), gradient descent; Robbins & Monro (1951), SGD.
//! - Polyak (1964), heavy ball; Sutskever et al. (2013), Nesterov momentum in the form torch uses.
//! - Duchi, Hazan & Singer (2011), AdaGrad. Tieleman & Hinton (2012), RMSProp (lecture 6.5).
//! - Kingma & Ba (2015), Adam; Reddi, Kale & Kumar (2018), AMSGrad; Loshchilov & Hutter (2019), AdamW.
//! - The update rules follow the pseudo-code of the torch.optim documentation (PyTorch 2.x),
//!   including its operation order (`lerp`, `addcmul`, `addcdiv`) so that float64 trajectories
//!   agree with PyTorch's to rounding.

use super::{Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order};
use crate::linalg::Vector;
use crate::params::Params;

/// The contiguous storage of an owned vector.
pub(super) fn sl(v: &mut Vector) -> &mut [f64] {
    v.as_slice_mut().expect("owned vectors are contiguous")
}

/// torch's `lerp`: `a + w (b − a)`, computed as PyTorch does for each half of the weight range.
pub(super) fn lerp(a: f64, b: f64, w: f64) -> f64 {
    if w.abs() < 0.5 {
        a + w * (b - a)
    } else {
        b - (b - a) * (1.0 - w)
    }
}

crate::scheduled_params! {
    /// Plain gradient descent.
    pub struct GdConfig {
        /// Learning rate η: the step is −η∇f.
        lr: f64 = 1e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
    }
}

crate::scheduled_params! {
    /// torch.optim.SGD.
    pub struct SgdConfig {
        /// Learning rate η.
        lr: f64 = 1e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// Momentum factor μ of the velocity buffer b ← μb + (1 − τ)g.
        momentum: f64 = 0.0, "momentum μ", (0.0, 0.999), Linear, UnitOpen, live;
        /// Dampening τ of the gradient added to the velocity.
        dampening: f64 = 0.0, "dampening τ", (0.0, 1.0), Linear, Within(0.0, 1.0), live;
        /// Nesterov momentum: step along g + μb instead of b.
        nesterov: bool = false, "Nesterov momentum", (0, 1), Linear, Finite, restart;
        /// L2 penalty λ added to the gradient: g ← g + λx.
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
    }
}

crate::scheduled_params! {
    /// torch.optim.Adagrad.
    pub struct AdagradConfig {
        /// Learning rate η.
        lr: f64 = 1e-2, "learning rate η", (1e-4, 10.0), Log, Positive, live;
        /// Learning-rate decay: the step size is η / (1 + (t − 1)·lr_decay).
        lr_decay: f64 = 0.0, "learning-rate decay", (0.0, 0.1), Linear, NonNegative, live;
        /// Added to √(Σg²) for numerical stability.
        eps: f64 = 1e-10, "ε, the stabiliser", (1e-12, 1e-2), Log, Positive, live;
        /// Starting value of the squared-gradient sum.
        initial_accumulator_value: f64 = 0.0, "initial accumulator", (0.0, 1.0), Linear, NonNegative, restart;
        /// L2 penalty λ added to the gradient.
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
    }
}

crate::scheduled_params! {
    /// torch.optim.RMSprop.
    pub struct RmspropConfig {
        /// Learning rate η.
        lr: f64 = 1e-2, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// Smoothing constant α of the squared-gradient average.
        alpha: f64 = 0.99, "α, the smoothing constant", (0.5, 0.9999), Linear, UnitOpen, live;
        /// Added to the RMS for numerical stability.
        eps: f64 = 1e-8, "ε, the stabiliser", (1e-12, 1e-2), Log, Positive, live;
        /// Momentum factor applied to the scaled step.
        momentum: f64 = 0.0, "momentum μ", (0.0, 0.999), Linear, UnitOpen, live;
        /// Centered RMSProp: divide by an estimate of the gradient's variance, not its raw second moment.
        centered: bool = false, "centered", (0, 1), Linear, Finite, restart;
        /// L2 penalty λ added to the gradient.
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
    }
}

crate::scheduled_params! {
    /// torch.optim.Adam.
    pub struct AdamConfig {
        /// Learning rate η.
        lr: f64 = 1e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// Decay rate β₁ of the first-moment (mean) estimate.
        beta1: f64 = 0.9, "β₁, the first-moment decay", (0.0, 0.999), Linear, UnitOpen, live;
        /// Decay rate β₂ of the second-moment estimate.
        beta2: f64 = 0.999, "β₂, the second-moment decay", (0.5, 0.99999), Linear, UnitOpen, live;
        /// Added to √v̂ for numerical stability.
        eps: f64 = 1e-8, "ε, the stabiliser", (1e-12, 1e-2), Log, Positive, live;
        /// L2 penalty λ added to the gradient (coupled, unlike AdamW).
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
        /// AMSGrad: divide by the running maximum of v̂.
        amsgrad: bool = false, "AMSGrad", (0, 1), Linear, Finite, restart;
    }
}

crate::scheduled_params! {
    /// torch.optim.AdamW.
    pub struct AdamWConfig {
        /// Learning rate η.
        lr: f64 = 1e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
        /// Decay rate β₁ of the first-moment (mean) estimate.
        beta1: f64 = 0.9, "β₁, the first-moment decay", (0.0, 0.999), Linear, UnitOpen, live;
        /// Decay rate β₂ of the second-moment estimate.
        beta2: f64 = 0.999, "β₂, the second-moment decay", (0.5, 0.99999), Linear, UnitOpen, live;
        /// Added to √v̂ for numerical stability.
        eps: f64 = 1e-8, "ε, the stabiliser", (1e-12, 1e-2), Log, Positive, live;
        /// Decoupled weight decay λ: x ← x(1 − ηλ) before the Adam step.
        weight_decay: f64 = 1e-2, "decoupled weight decay λ", (0.0, 0.5), Linear, NonNegative, live;
        /// AMSGrad: divide by the running maximum of v̂.
        amsgrad: bool = false, "AMSGrad", (0, 1), Linear, Finite, restart;
    }
}

/// The one diagnostic of the first-order family: the step size in force.
const STEP_SIZE: [Diagnostic; 1] = [Diagnostic {
    key: "step_size",
    name: "step size η_t",
    log: true,
}];

macro_rules! first_order_config {
    ($cfg:ty, $build:expr) => {
        impl MethodConfig for $cfg {
            fn build(&self, dim: usize) -> Box<dyn Optimizer> {
                #[allow(clippy::redundant_closure_call)]
                Box::new(($build)(self.clone(), dim))
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
                "torch.optim documentation (PyTorch 2.x); see the module doc for the papers"
            }
        }
    };
}

first_order_config!(GdConfig, |c: GdConfig, dim| {
    let mut sgd = SgdConfig {
        lr: c.lr,
        ..SgdConfig::default()
    };
    sgd.set_lr_schedule(c.lr_schedule());
    Sgd::new(sgd, dim)
});
first_order_config!(SgdConfig, Sgd::new);
first_order_config!(AdagradConfig, Adagrad::new);
first_order_config!(RmspropConfig, Rmsprop::new);
first_order_config!(AdamConfig, |c: AdamConfig, dim| Adam::new(c, false, dim));
first_order_config!(AdamWConfig, |c: AdamWConfig, dim| {
    let mut adam = AdamConfig {
        lr: c.lr,
        beta1: c.beta1,
        beta2: c.beta2,
        eps: c.eps,
        weight_decay: c.weight_decay,
        amsgrad: c.amsgrad,
        ..AdamConfig::default()
    };
    adam.set_lr_schedule(c.lr_schedule());
    Adam::new(adam, true, dim)
});

/// SGD with momentum (and plain gradient descent when momentum is 0).
#[derive(Clone)]
struct Sgd {
    c: SgdConfig,
    g: Vector,
    buf: Vector,
    /// Whether the momentum buffer exists yet (torch creates it as the first gradient it
    /// sees with momentum on, also when momentum is switched on mid-run).
    has_buf: bool,
    /// Steps taken, and the step size of the last.
    t: u64,
    lr_t: f64,
}

impl Sgd {
    fn new(c: SgdConfig, dim: usize) -> Self {
        let lr_t = c.lr_at(0);
        Self {
            c,
            g: Vector::zeros(dim),
            buf: Vector::zeros(dim),
            has_buf: false,
            t: 0,
            lr_t,
        }
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        let lr = self.c.lr_at(self.t);
        self.t += 1;
        self.lr_t = lr;
        let c = &self.c;
        let first = !self.has_buf;
        self.has_buf |= c.momentum != 0.0;
        let (x, g, buf) = (sl(x), sl(&mut self.g), sl(&mut self.buf));
        for i in 0..x.len() {
            let mut gi = g[i];
            if c.weight_decay != 0.0 {
                gi += c.weight_decay * x[i];
            }
            if c.momentum != 0.0 {
                buf[i] = if first {
                    gi
                } else {
                    buf[i] * c.momentum + (1.0 - c.dampening) * gi
                };
                gi = if c.nesterov {
                    gi + c.momentum * buf[i]
                } else {
                    buf[i]
                };
            }
            x[i] += -lr * gi;
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

/// AdaGrad.
#[derive(Clone)]
struct Adagrad {
    c: AdagradConfig,
    g: Vector,
    sum: Vector,
    t: u64,
    /// The step size of the last step (of the first, before any).
    clr: f64,
}

impl Adagrad {
    fn new(c: AdagradConfig, dim: usize) -> Self {
        let sum = Vector::from_elem(dim, c.initial_accumulator_value);
        let clr = c.lr_at(0);
        Self {
            c,
            g: Vector::zeros(dim),
            sum,
            t: 0,
            clr,
        }
    }
}

impl Optimizer for Adagrad {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        self.t += 1;
        let c = &self.c;
        let clr = c.lr_at(self.t - 1) / (1.0 + (self.t - 1) as f64 * c.lr_decay);
        self.clr = clr;
        let (x, g, sum) = (sl(x), sl(&mut self.g), sl(&mut self.sum));
        for i in 0..x.len() {
            let mut gi = g[i];
            if c.weight_decay != 0.0 {
                gi += c.weight_decay * x[i];
            }
            sum[i] += gi * gi;
            let std = sum[i].sqrt() + c.eps;
            x[i] += -clr * gi / std;
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.clr)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.clr;
    }
}

/// RMSProp, optionally centered and with momentum.
#[derive(Clone)]
struct Rmsprop {
    c: RmspropConfig,
    g: Vector,
    square_avg: Vector,
    grad_avg: Vector,
    buf: Vector,
    /// Steps taken, and the step size of the last.
    t: u64,
    lr_t: f64,
}

impl Rmsprop {
    fn new(c: RmspropConfig, dim: usize) -> Self {
        let z = Vector::zeros(dim);
        let lr_t = c.lr_at(0);
        Self {
            c,
            g: z.clone(),
            square_avg: z.clone(),
            grad_avg: z.clone(),
            buf: z,
            t: 0,
            lr_t,
        }
    }
}

impl Optimizer for Rmsprop {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        let lr = self.c.lr_at(self.t);
        self.t += 1;
        self.lr_t = lr;
        let c = &self.c;
        let (x, g) = (sl(x), sl(&mut self.g));
        let (sq, ga, buf) = (
            sl(&mut self.square_avg),
            sl(&mut self.grad_avg),
            sl(&mut self.buf),
        );
        for i in 0..x.len() {
            let mut gi = g[i];
            if c.weight_decay != 0.0 {
                gi += c.weight_decay * x[i];
            }
            sq[i] = sq[i] * c.alpha + (1.0 - c.alpha) * gi * gi;
            let avg = if c.centered {
                ga[i] = lerp(ga[i], gi, 1.0 - c.alpha);
                // torch: square_avg.addcmul(grad_avg, grad_avg, value=-1).
                (sq[i] - ga[i] * ga[i]).sqrt()
            } else {
                sq[i].sqrt()
            } + c.eps;
            if c.momentum > 0.0 {
                buf[i] = buf[i] * c.momentum + gi / avg;
                x[i] += -lr * buf[i];
            } else {
                x[i] += -lr * gi / avg;
            }
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

/// Adam, AMSGrad and AdamW (decoupled weight decay).
#[derive(Clone)]
struct Adam {
    c: AdamConfig,
    decoupled: bool,
    g: Vector,
    m: Vector,
    v: Vector,
    v_max: Vector,
    t: u64,
    /// Whether 1 − βᵗ has rounded to exactly 1 (it then stays 1, and `powf` can be skipped).
    saturated: [bool; 2],
    /// The effective step size of the last step, α_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ) (Kingma & Ba).
    alpha_t: f64,
}

impl Adam {
    /// 1 − βᵗ as PyTorch computes it (`1 - beta ** step`). Once it rounds to 1 it stays 1
    /// for every later t, because βᵗ only shrinks.
    fn bias_correction(&mut self, k: usize, beta: f64) -> f64 {
        if self.saturated[k] {
            return 1.0;
        }
        let bc = 1.0 - beta.powf(self.t as f64);
        self.saturated[k] = bc == 1.0;
        bc
    }

    fn new(c: AdamConfig, decoupled: bool, dim: usize) -> Self {
        let z = Vector::zeros(dim);
        let c_lr = c.lr_at(0);
        Self {
            c,
            decoupled,
            g: z.clone(),
            m: z.clone(),
            v: z.clone(),
            v_max: z,
            t: 0,
            saturated: [false; 2],
            alpha_t: c_lr,
        }
    }
}

impl Optimizer for Adam {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        self.t += 1;
        let bias_correction1 = self.bias_correction(0, self.c.beta1);
        let bias_correction2 = self.bias_correction(1, self.c.beta2);
        let c = &self.c;
        let lr = c.lr_at(self.t - 1);
        let step_size = lr / bias_correction1;
        let bias_correction2_sqrt = bias_correction2.sqrt();
        self.alpha_t = step_size * bias_correction2_sqrt;
        let (x, g) = (sl(x), sl(&mut self.g));
        let (m, v, v_max) = (sl(&mut self.m), sl(&mut self.v), sl(&mut self.v_max));
        for i in 0..x.len() {
            let mut gi = g[i];
            if c.weight_decay != 0.0 {
                if self.decoupled {
                    x[i] *= 1.0 - lr * c.weight_decay;
                } else {
                    gi += c.weight_decay * x[i];
                }
            }
            m[i] = lerp(m[i], gi, 1.0 - c.beta1);
            v[i] = v[i] * c.beta2 + (1.0 - c.beta2) * gi * gi;
            let second = if c.amsgrad {
                v_max[i] = v_max[i].max(v[i]);
                v_max[i]
            } else {
                v[i]
            };
            let denom = second.sqrt() / bias_correction2_sqrt + c.eps;
            x[i] += -step_size * m[i] / denom;
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn retuned(&mut self) {
        // New betas restart the saturation check.
        self.saturated = [false; 2];
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr_at(self.t.saturating_sub(1)))
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.alpha_t;
    }
}
