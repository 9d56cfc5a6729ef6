//! Optimizers, ordered by the derivative information they use (the review's taxonomy).
//!
//! One small trait, [`Optimizer`], and one serde enum, [`Method`], which is at once the scene
//! schema, the UI picker and the factory. Every method reaches its objective only through the
//! [`Oracle`], which counts evaluations and applies the noise model.

mod first_order;
mod oracle;
mod second_order;
mod zeroth_order;

pub use first_order::{AdagradConfig, AdamConfig, AdamWConfig, GdConfig, RmspropConfig, SgdConfig};
pub use oracle::{Counts, Oracle};
pub use second_order::NewtonConfig;
pub use zeroth_order::SpsaConfig;

use crate::params::Params;
use crate::problem::Vector;

/// Why an optimizer cannot take another step.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Halt {
    /// The Hessian (plus damping) could not be factorised.
    #[error("singular Hessian")]
    SingularHessian,
}

/// One optimization method. Its state (moments, curvature estimates) lives inside; a reset
/// builds it again from its [`Method`].
pub trait Optimizer: Send {
    /// Advances `x` by one iteration, asking the oracle for what it needs.
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt>;

    /// Takes new values of live parameters from `method`, keeping the state. Returns `false`
    /// when the method cannot be retuned in place, and the run must start again.
    fn retune(&mut self, _method: &Method) -> bool {
        false
    }
}

/// How much derivative information a method uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Order {
    /// Function values and randomness only.
    Zeroth,
    /// Gradients.
    First,
    /// Hessians (or curvature estimates).
    Second,
}

impl Order {
    /// A short label for legends and pickers.
    pub fn label(self) -> &'static str {
        match self {
            Order::Zeroth => "0th order",
            Order::First => "1st order",
            Order::Second => "2nd order",
        }
    }
}

/// What every method's parameter struct provides besides its parameters.
pub trait MethodConfig: Params {
    /// Builds a fresh optimizer for a problem with `dim` parameters.
    fn build(&self, dim: usize) -> Box<dyn Optimizer>;
    /// The derivative order the method uses.
    fn order(&self) -> Order;
    /// Whether a parameter may change while a run goes on, keeping the optimizer's state.
    fn is_live(&self, _key: &str) -> bool {
        false
    }
    /// The reference paper or documentation of the update rule.
    fn reference(&self) -> &'static str;
}

crate::registry! {
    /// The closed set of optimization methods.
    pub enum Method: MethodConfig {
        Gd(GdConfig) = "gd", "Gradient descent: x ← x − η∇f.";
        Sgd(SgdConfig) = "sgd", "SGD with momentum, dampening, Nesterov and weight decay (torch.optim.SGD).";
        Adagrad(AdagradConfig) = "adagrad", "AdaGrad: per-coordinate steps shrink with the summed squared gradients (torch.optim.Adagrad).";
        Rmsprop(RmspropConfig) = "rmsprop", "RMSProp: steps scaled by a running RMS of the gradient (torch.optim.RMSprop).";
        Adam(AdamConfig) = "adam", "Adam: bias-corrected first and second moments (torch.optim.Adam).";
        AdamW(AdamWConfig) = "adamw", "AdamW: Adam with decoupled weight decay (torch.optim.AdamW).";
        Newton(NewtonConfig) = "newton", "Newton's method: x ← x − η(H + λI)⁻¹∇f with the exact Hessian.";
        Spsa(SpsaConfig) = "spsa", "SPSA: a two-evaluation gradient estimate along a random ±1 direction.";
    }
}

impl Method {
    /// Builds a fresh optimizer for a problem with `dim` parameters.
    pub fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        self.config().build(dim)
    }

    /// The derivative order the method uses.
    pub fn order(&self) -> Order {
        self.config().order()
    }

    /// Checks the parameters; the message names the method and the key.
    pub fn validate(&self) -> Result<(), String> {
        self.config()
            .validate_params()
            .map_err(|e| format!("optimizer `{}`: {e}", self.key()))
    }

    /// Whether `other` differs from `self` only in parameters that can change live.
    pub fn differs_only_live(&self, other: &Method) -> bool {
        if self.key() != other.key() {
            return false;
        }
        let a = self.config().params();
        let b = other.config().params();
        a.iter()
            .zip(&b)
            .all(|((m, va), (_, vb))| va == vb || self.config().is_live(m.key))
    }
}

#[cfg(test)]
mod tests;
