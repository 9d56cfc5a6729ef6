//! Optimizers, ordered by the derivative information they use (the review's taxonomy).
//!
//! One small trait, [`Optimizer`], and one serde enum, [`Method`], which is at once the scene
//! schema, the UI picker and the factory. Every method reaches its objective only through the
//! [`Oracle`], which counts evaluations and applies the noise model. What a method may ask of the
//! oracle is declared in its [`Needs`], not implied by its [`Order`]: BFGS is second order in the
//! taxonomy but asks only for gradients.

mod cma_es;
mod conjugate_gradient;
mod decorrelation;
mod direct_search;
pub mod estimator;
mod evolution;
mod feedback_alignment;
mod first_order;
mod first_order_recent;
pub mod line_search;
mod matrix_methods;
pub mod memory;
mod metric_newton;
mod newton_family;
mod oracle;
mod overlay;
mod perturbation;
mod plasticity;
mod quasi_newton;
pub mod schedule;
mod second_order;
mod shampoo;
mod trust_region;
mod zeroth_order;

pub use cma_es::{CmaEsConfig, CmaParams, default_lambda};
pub use conjugate_gradient::{Beta, CgConfig};
pub use decorrelation::AnpConfig;
pub use direct_search::{AnnealingConfig, Cooling, NelderMeadConfig, RandomSearchConfig, Sampling};
pub use estimator::{Directions, EstimatorKind};
pub use evolution::{EsConfig, OnePlusOneConfig};
pub use feedback_alignment::FeedbackAlignmentConfig;
pub use first_order::{AdagradConfig, AdamConfig, AdamWConfig, GdConfig, RmspropConfig, SgdConfig};
pub use first_order_recent::{LionConfig, NadamConfig, ScheduleFreeAdamWConfig};
pub use matrix_methods::MuonConfig;
pub use metric_newton::{GaussNewtonConfig, NaturalGradientConfig};
pub use newton_family::{CubicConfig, LmConfig, SaddleFreeConfig, cubic_step};
pub use oracle::{Counts, Oracle, OracleState};
pub use overlay::{Item, MatId, Overlay, Role, Shape, VecId};
pub use perturbation::{MezoConfig, NodePerturbationConfig, WeightPerturbationConfig};
pub use plasticity::{OuaConfig, RmhlConfig};
pub use quasi_newton::{BfgsConfig, LbfgsConfig, Search};
pub use schedule::{Schedule, ScheduleKind};
pub use second_order::NewtonConfig;
pub use shampoo::ShampooConfig;
pub use trust_region::{Subproblem, TrustRegionConfig};
pub use zeroth_order::{Dist, FdConfig, RgeConfig, Scheme, SpsaConfig};

use crate::linalg::Vector;
use crate::params::Params;
use crate::problem::Provides;

/// The largest dimension for methods that form a dense d × d matrix (memory d², and for a
/// Hessian solve time d³ per step).
pub const MAX_DENSE_DIM: usize = 500;

/// The most diagnostics a method reports after a step.
pub const MAX_DIAGNOSTICS: usize = 4;

/// Why an optimizer cannot take another step.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Halt {
    /// The Hessian (plus damping) could not be factorised.
    #[error("singular Hessian")]
    SingularHessian,
}

/// One optimization method. Its state (moments, curvature estimates) lives inside; a reset
/// builds it again from its [`Method`], and a fork clones it.
pub trait Optimizer: Send + OptimizerClone {
    /// Advances `x` by one iteration, asking the oracle for what it needs.
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt>;

    /// The parameters the method steps with. A live edit during a run writes its value here
    /// (only parameters declared `live` in [`crate::params!`] are ever written).
    fn config_mut(&mut self) -> &mut dyn Params;

    /// Called after a live edit, for state derived from the parameters.
    fn retuned(&mut self) {}

    /// Writes what the method can show of its state into `out`, in parameter space. The engine
    /// calls it at most at its flush rate, never once per step.
    fn overlay(&self, _out: &mut Overlay) {}

    /// The step size η the method used in its last step, for methods that have one (the
    /// Langevin channel's noise scales with √η; methods without one count as η = 1).
    fn step_size(&self) -> Option<f64> {
        None
    }

    /// The radius σ over which a zeroth-order method smooths the objective now (its μ, σ or
    /// c_k): the landscape it descends is f_σ. `None` for methods that do not smooth.
    fn smoothing_radius(&self) -> Option<f64> {
        None
    }

    /// A gradient-estimating method's last estimate: the point it was taken at (the iterate
    /// the step started from) and ĝ (`None` before the first step and for other methods).
    fn estimate(&self) -> Option<(ndarray::ArrayView1<'_, f64>, ndarray::ArrayView1<'_, f64>)> {
        None
    }

    /// Estimates the gradient at `x` into `g` without stepping, drawing from the oracle's
    /// streams as a step would (the inspector's cloud calls it on a copy of the method).
    /// Returns false for methods that do not estimate a gradient.
    fn estimate_at(&mut self, _x: &Vector, _oracle: &mut Oracle<'_>, _g: &mut Vector) -> bool {
        false
    }

    /// Writes the current values of the method's declared diagnostics
    /// ([`MethodConfig::diagnostics`]) into `out`, in the same order.
    fn diagnostics(&self, _out: &mut [f64]) {}
}

/// Cloning of boxed optimizers, so that a run can be forked at a step.
pub trait OptimizerClone {
    /// A copy of the optimizer with all its state.
    fn clone_box(&self) -> Box<dyn Optimizer>;
}

impl<T: Optimizer + Clone + 'static> OptimizerClone for T {
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Optimizer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// How much derivative information a method uses: the taxonomy label shown to users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Order {
    /// Function values and randomness only.
    Zeroth,
    /// Gradients.
    First,
    /// Hessians (or curvature estimates).
    Second,
    /// A model of order three: the second-order model plus a cubic term (cubic-regularised
    /// Newton), the review's higher-order rung.
    Third,
}

impl Order {
    /// A short label for legends and pickers.
    pub fn label(self) -> &'static str {
        match self {
            Order::Zeroth => "0th order",
            Order::First => "1st order",
            Order::Second => "2nd order",
            Order::Third => "3rd order",
        }
    }
}

/// What a method asks of the oracle, and what it keeps. Function values are always available.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Gradients ∇f.
    pub gradient: bool,
    /// Hessian-vector products H·v.
    pub hvp: bool,
    /// Dense Hessians ∇²f.
    pub hessian: bool,
    /// A dense d × d matrix of state (a BFGS inverse Hessian, a CMA covariance).
    pub dense_state: bool,
    /// Residuals and their Jacobian (Gauss–Newton).
    pub residuals: bool,
    /// A Fisher metric (natural gradient).
    pub fisher: bool,
    /// A network: passes with noise on its units (node perturbation), its weight matrices
    /// (Muon), its backward pass (feedback alignment).
    pub network: bool,
    /// A neuron model's noisy activity (reward-modulated Hebbian learning).
    pub neuron: bool,
}

impl Needs {
    /// Function values only.
    pub const VALUES: Needs = Needs {
        gradient: false,
        hvp: false,
        hessian: false,
        dense_state: false,
        residuals: false,
        fisher: false,
        network: false,
        neuron: false,
    };
    /// Values and gradients.
    pub const GRADIENTS: Needs = Needs {
        gradient: true,
        ..Needs::VALUES
    };

    /// Whether the method keeps or forms a d × d matrix.
    pub fn dense(self) -> bool {
        self.hessian || self.dense_state || self.residuals || self.fisher
    }
}

/// A scalar that a method reports after each step, plotted beside the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// A snake_case key, for the CSV and the curve picker.
    pub key: &'static str,
    /// What it is, as the curves panel titles it.
    pub name: &'static str,
    /// Whether it is positive and spans decades (then drawn on a log axis).
    pub log: bool,
}

/// What every method's parameter struct provides besides its parameters.
pub trait MethodConfig: Params {
    /// Builds a fresh optimizer for a problem with `dim` parameters.
    fn build(&self, dim: usize) -> Box<dyn Optimizer>;
    /// The taxonomy label: the derivative order the method belongs to.
    fn order(&self) -> Order;
    /// What the method asks of the oracle.
    fn needs(&self) -> Needs;
    /// The scalars it reports after each step (at most [`MAX_DIAGNOSTICS`]).
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[]
    }
    /// What the method's gradient estimate is, for the estimator inspector's theory (only
    /// for methods that estimate a gradient from values).
    fn estimator(&self) -> Option<EstimatorKind> {
        None
    }
    /// Checks what one parameter's rule cannot (for example c₁ < c₂); the message names the
    /// keys.
    fn check(&self) -> Result<(), String> {
        Ok(())
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
        Nadam(NadamConfig) = "nadam", "NAdam: Adam with Nesterov momentum and a momentum schedule (torch.optim.NAdam).";
        Lion(LionConfig) = "lion", "Lion: steps of ±η per coordinate, the sign of an interpolated momentum (Chen et al. 2023).";
        FeedbackAlignment(FeedbackAlignmentConfig) = "feedback_alignment", "Feedback alignment: backprop with the errors sent back through fixed random weights instead of Wᵀ (networks; Lillicrap et al. 2016).";
        Muon(MuonConfig) = "muon", "Muon: momentum per weight matrix, orthogonalised by Newton–Schulz iterations; AdamW on biases (networks; Jordan et al. 2024).";
        Shampoo(ShampooConfig) = "shampoo", "Shampoo: per weight matrix, the gradient preconditioned on both sides by (ΣGGᵀ)^{−1/4} and (ΣGᵀG)^{−1/4}; full-matrix AdaGrad on biases (networks; Gupta, Koren & Singer 2018).";
        ScheduleFreeAdamW(ScheduleFreeAdamWConfig) = "schedule_free_adamw", "Schedule-free AdamW: averaging replaces the learning-rate schedule (Defazio et al. 2024).";
        ConjugateGradient(CgConfig) = "conjugate_gradient", "Nonlinear conjugate gradient (Fletcher–Reeves or Polak–Ribière+) with a strong Wolfe line search and restarts.";
        Bfgs(BfgsConfig) = "bfgs", "BFGS: a dense inverse-Hessian estimate learned from gradient changes, with a strong Wolfe line search.";
        Lbfgs(LbfgsConfig) = "lbfgs", "L-BFGS: BFGS from the last m gradient changes only, in O(m·d) memory.";
        Newton(NewtonConfig) = "newton", "Newton's method: x ← x − η(H + λI)⁻¹∇f with the exact Hessian, optionally with an Armijo line search.";
        GaussNewton(GaussNewtonConfig) = "gauss_newton", "Gauss–Newton for least squares: (JᵀJ + λI)⁻¹Jᵀr steps, from the residuals' Jacobian alone.";
        NaturalGradient(NaturalGradientConfig) = "natural_gradient", "Natural gradient: x ← x − η F⁻¹∇f, steepest descent in the model's own geometry (Amari 1998).";
        LevenbergMarquardt(LmConfig) = "levenberg_marquardt", "Levenberg–Marquardt: (H + λI)⁻¹∇f steps, λ shrunk after a success and grown after a failure.";
        SaddleFreeNewton(SaddleFreeConfig) = "saddle_free_newton", "Saddle-free Newton: |H|⁻¹∇f steps, which flee negative curvature (Dauphin et al. 2014).";
        CubicNewton(CubicConfig) = "cubic_newton", "Cubic-regularised Newton: the global minimiser of the second-order model plus (M/6)‖s‖³ (Nesterov & Polyak 2006).";
        TrustRegion(TrustRegionConfig) = "trust_region", "Trust-region Newton: the model's best step within a radius Δ that adapts to how well the model predicts (dogleg or Steihaug–CG).";
        Fd(FdConfig) = "fd", "Finite differences: the gradient from d + 1 (forward) or 2d (central) values along the axes.";
        Rge(RgeConfig) = "rge", "Random gradient estimator (ZO-SGD): difference quotients along q random directions.";
        Spsa(SpsaConfig) = "spsa", "SPSA: a two-evaluation gradient estimate along a random ±1 direction, with decaying gains.";
        NodePerturbation(NodePerturbationConfig) = "node_perturbation", "Node perturbation: noise on every unit's pre-activation; the change in each sample's loss times the noise times the presynaptic activity (a three-factor rule).";
        AnpDecorrelation(AnpConfig) = "anp_decorrelation", "Activity-based node perturbation with decorrelation: the measured change of every unit's drive as the probe, √N·δL/‖δa‖² as the reinforcement, and a local anti-Hebbian matrix in front of each layer that decorrelates its inputs (Dalm, van Gerven & Ahmad 2023).";
        Rmhl(RmhlConfig) = "rmhl", "Reward-modulated Hebbian learning: the drive's deviation from its running mean as the probe, the reward's deviation from its running mean as the reinforcement (neurons; Legenstein et al. 2010).";
        Oua(OuaConfig) = "oua", "Ornstein–Uhlenbeck adaptation: parameters jitter around a mean that moves where the jitter found more reward than expected (García Fernández et al. 2024).";
        WeightPerturbation(WeightPerturbationConfig) = "weight_perturbation", "Weight perturbation: jitter every weight, scale the jitter by the change in loss (a global scalar), step (Jabri & Flower 1992).";
        Mezo(MezoConfig) = "mezo", "MeZO: two-point ZO-SGD with the probe perturbed in place and regenerated from a seed: the memory of one parameter vector (Malladi et al. 2023).";
        Es(EsConfig) = "es", "Evolution strategy (OpenAI): a Gaussian population, antithetic pairs and rank shaping estimate a gradient.";
        CmaEs(CmaEsConfig) = "cma_es", "CMA-ES: a population whose covariance learns the landscape's shape, with step-size adaptation (Hansen).";
        OnePlusOneEs(OnePlusOneConfig) = "one_plus_one_es", "(1+1)-ES: one candidate per step, kept if no worse; σ tuned by the 1/5th success rule.";
        NelderMead(NelderMeadConfig) = "nelder_mead", "Nelder–Mead: a simplex that reflects, expands, contracts and shrinks (adaptive coefficients).";
        RandomSearch(RandomSearchConfig) = "random_search", "Random search: one random candidate per step, kept if better.";
        SimulatedAnnealing(AnnealingConfig) = "simulated_annealing", "Simulated annealing: worse points accepted with probability e^(−Δf/T) as T cools.";
    }
}

impl Method {
    /// Builds a fresh optimizer for a problem with `dim` parameters.
    pub fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        self.config().build(dim)
    }

    /// The taxonomy label.
    pub fn order(&self) -> Order {
        self.config().order()
    }

    /// What the method asks of the oracle.
    pub fn needs(&self) -> Needs {
        self.config().needs()
    }

    /// Checks the parameters; the message names the method and the key.
    pub fn validate(&self) -> Result<(), String> {
        self.config()
            .validate_params()
            .and_then(|()| self.config().check())
            .map_err(|e| format!("optimizer `{}`: {e}", self.key()))
    }

    /// Whether `other` is the same method and differs from `self` only in live parameters.
    pub fn differs_only_live(&self, other: &Method) -> bool {
        self.key() == other.key() && self.config().differs_only_live(other.config())
    }

    /// Checks that a problem provides what the method needs, and that a dense method fits the
    /// dimension; the message names both the method and the problem.
    pub fn check_fits(&self, problem: &str, provides: Provides, dim: usize) -> Result<(), String> {
        let needs = self.needs();
        let missing = [
            (needs.gradient && !provides.gradient, "gradients"),
            (needs.hvp && !provides.hvp, "Hessian-vector products"),
            (needs.hessian && !provides.hessian, "dense Hessians"),
            (
                needs.residuals && !provides.residuals,
                "residuals and their Jacobian (a least-squares problem)",
            ),
            (
                needs.fisher && !provides.fisher,
                "a Fisher metric (a problem that fits a probability model)",
            ),
            (
                needs.network && !provides.network,
                "a network (`--problem mlp`)",
            ),
            (
                needs.neuron && !provides.neuron,
                "a neuron model's activity (`--problem neuron_tuning`)",
            ),
        ];
        if let Some((_, what)) = missing.iter().find(|(m, _)| *m) {
            return Err(format!(
                "optimizer `{}` needs {what}, which problem `{problem}` does not provide",
                self.key()
            ));
        }
        if needs.dense() && dim > MAX_DENSE_DIM {
            let what = if needs.hessian {
                "forms a dense Hessian"
            } else {
                "keeps a dense matrix"
            };
            return Err(format!(
                "optimizer `{}` {what} ({dim}×{dim} for problem `{problem}` with d = {dim}); \
                 it allows d ≤ {MAX_DENSE_DIM}",
                self.key()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_curvature;
#[cfg(test)]
mod tests_reference;
#[cfg(test)]
mod tests_zeroth;
