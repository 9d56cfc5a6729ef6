//! The `Objective` trait: what every problem that Optiscope minimises provides.

use ndarray::{ArrayView1, ArrayViewMut1, ArrayViewMut2};

use super::view::ViewKind;
use crate::linalg::{Matrix, Vector};

/// The default plotting window of a problem: the first two coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBounds {
    /// Range of the first coordinate, `(min, max)`.
    pub x: (f64, f64),
    /// Range of the second coordinate, `(min, max)`.
    pub y: (f64, f64),
}

/// A known local or global minimum.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// Its location.
    pub x: Vec<f64>,
    /// The objective's value there.
    pub f: f64,
}

/// What a problem can compute exactly, beyond its value. Methods declare what they need
/// ([`crate::optim::Needs`]); a scene that pairs a method with a problem that lacks it is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provides {
    /// Exact gradients.
    pub gradient: bool,
    /// Exact Hessian-vector products H·v.
    pub hvp: bool,
    /// Dense Hessians (d × d). Large problems (networks) offer products only.
    pub hessian: bool,
    /// Residuals r with f = Σ rᵢ², and their Jacobian (least-squares problems).
    pub residuals: bool,
    /// A Fisher metric (problems that fit a probability model).
    pub fisher: bool,
    /// Gauss–Newton products Jᵀ H_L J v (networks: the loss's curvature through the outputs).
    pub gauss_newton: bool,
    /// A network's passes: noise on every unit's pre-activation (node perturbation), weight
    /// matrices, a backward pass with other feedback weights.
    pub network: bool,
    /// A neuron model's trials: the noisy pass whose activity a Hebbian rule reads
    /// ([`Objective::hebbian`]).
    pub neuron: bool,
}

impl Provides {
    /// Exact gradients, Hessian-vector products and Hessians, as every built-in test function
    /// has (least-squares and probabilistic problems add residuals or a Fisher metric).
    pub const DERIVATIVES: Provides = Provides {
        gradient: true,
        hvp: true,
        hessian: true,
        residuals: false,
        fisher: false,
        gauss_newton: false,
        network: false,
        neuron: false,
    };
}

/// A weight matrix or bias vector inside a network's flat parameter vector, for the methods
/// that treat them apart (Muon, Shampoo, node perturbation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamBlock {
    /// Where it starts.
    pub offset: usize,
    /// Rows (fan-in; 1 for a bias).
    pub rows: usize,
    /// Columns (fan-out).
    pub cols: usize,
    /// The layer, from 0.
    pub layer: usize,
    /// Whether it is a bias.
    pub bias: bool,
}

impl ParamBlock {
    /// Whether it is a weight matrix with two sides of at least 2 (what Muon orthogonalises;
    /// a bias or a one-unit layer's weight vector is not).
    pub fn is_matrix(&self) -> bool {
        !self.bias && self.rows >= 2 && self.cols >= 2
    }
}

/// f on one plane of parameter space, evaluated from its plane coordinates (see
/// [`Objective::plane`]).
pub trait PlaneSampler: Sync {
    /// f(o + a·u + b·v) at `ab` = (a, b).
    fn value(&self, ab: [f64; 2]) -> f64;
}

/// What a data problem measures besides its training loss (NaN where it does not apply: no
/// accuracy for regression, no test loss without test points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// The fraction of training points classified correctly.
    pub accuracy: f64,
    /// The loss on the test points.
    pub test_loss: f64,
    /// The fraction of test points classified correctly.
    pub test_accuracy: f64,
}

impl Metrics {
    /// Nothing measured.
    pub const NONE: Metrics = Metrics {
        accuracy: f64::NAN,
        test_loss: f64::NAN,
        test_accuracy: f64::NAN,
    };

    /// As an array, in the CSV's column order.
    pub fn to_array(self) -> [f64; 3] {
        [self.accuracy, self.test_loss, self.test_accuracy]
    }
}

/// A smooth function to minimise, with analytic derivatives.
///
/// Implementations write into caller-owned buffers so that the optimizer hot loop does not allocate.
pub trait Objective: Send + Sync {
    /// The number of parameters.
    fn dim(&self) -> usize;
    /// f(x).
    fn value(&self, x: ArrayView1<'_, f64>) -> f64;
    /// Writes ∇f(x) into `g` (length `dim`).
    fn gradient_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>);
    /// Writes the Hessian-vector product ∇²f(x)·v into `out`, exactly.
    fn hvp_into(&self, x: ArrayView1<'_, f64>, v: ArrayView1<'_, f64>, out: ArrayViewMut1<'_, f64>);
    /// Writes ∇²f(x) into `h` (`dim` × `dim`). The default builds it column by column from
    /// [`Objective::hvp_into`] (it allocates two vectors); the built-in functions write it directly.
    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        let n = self.dim();
        let mut e = Vector::zeros(n);
        let mut col = Vector::zeros(n);
        for j in 0..n {
            e[j] = 1.0;
            self.hvp_into(x, e.view(), col.view_mut());
            h.column_mut(j).assign(&col);
            e[j] = 0.0;
        }
    }
    /// What this problem computes exactly.
    fn provides(&self) -> Provides {
        Provides::DERIVATIVES
    }
    /// The number m of residuals, for a least-squares problem (f = Σ rᵢ²); 0 otherwise.
    fn residual_count(&self) -> usize {
        0
    }
    /// Writes the residuals r(x) into `r` (length m); only called when residuals are provided.
    fn residuals_into(&self, _x: ArrayView1<'_, f64>, _r: ArrayViewMut1<'_, f64>) {}
    /// Writes the residuals' Jacobian ∂r/∂x into `j` (m × d); only called when residuals are
    /// provided.
    fn jacobian_into(&self, _x: ArrayView1<'_, f64>, _j: ArrayViewMut2<'_, f64>) {}
    /// Writes the Fisher metric at x into `f` (d × d); only called when it is provided.
    fn fisher_into(&self, _x: ArrayView1<'_, f64>, _f: ArrayViewMut2<'_, f64>) {}
    /// The views this problem offers beside the landscape (every problem has the generic ones).
    fn views(&self) -> &'static [ViewKind] {
        &[ViewKind::Section, ViewKind::Coordinates, ViewKind::Smoothed]
    }
    /// The default view window.
    fn bounds(&self) -> ViewBounds;
    /// Known minima; empty when the function has none (for example the monkey saddle).
    fn minima(&self) -> Vec<Minimum>;
    /// Whether the minima were found numerically (a typed formula) rather than known exactly.
    fn minima_found_numerically(&self) -> bool {
        false
    }

    /// The training points the objective averages over, for mini-batches (0: not a data
    /// problem; the batch channel then does nothing).
    fn samples(&self) -> usize {
        0
    }
    /// f on the training points `batch` (indices below [`Objective::samples`]).
    fn value_on(&self, x: ArrayView1<'_, f64>, _batch: &[u32]) -> f64 {
        self.value(x)
    }
    /// f and ∇f on the training points `batch`.
    fn value_and_gradient_on(
        &self,
        x: ArrayView1<'_, f64>,
        _batch: &[u32],
        g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        self.value_and_gradient_into(x, g)
    }
    /// H·v on the training points `batch`.
    fn hvp_on(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        _batch: &[u32],
        out: ArrayViewMut1<'_, f64>,
    ) {
        self.hvp_into(x, v, out);
    }
    /// The Gauss–Newton product Jᵀ H_L J v, on `batch` or all points; only called when
    /// provided.
    fn gauss_newton_into(
        &self,
        _x: ArrayView1<'_, f64>,
        _v: ArrayView1<'_, f64>,
        _batch: Option<&[u32]>,
        _out: ArrayViewMut1<'_, f64>,
    ) {
    }
    /// Every how many steps a run measures the clean loss and gradient (1 for closed-form
    /// functions, where it is cheap; a network's is a full-batch pass and its own dial).
    fn measure_every(&self) -> u64 {
        1
    }
    /// The clean loss, its gradient into `g`, and what a data problem measures besides.
    fn measure_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>) -> (f64, Metrics) {
        (self.value_and_gradient_into(x, g), Metrics::NONE)
    }
    /// For a data problem: what the model computes over its input space at each racer's
    /// parameters, on a grid of about `side` × `side` points.
    fn input_space(
        &self,
        _racers: &[(u32, ArrayView1<'_, f64>)],
        _side: usize,
    ) -> Option<super::view::InputSpace> {
        None
    }
    /// For a neuron model: its input-output curve at each racer's parameters, on `points`
    /// inputs, beside its teacher's.
    fn tuning(
        &self,
        _racers: &[(u32, ArrayView1<'_, f64>)],
        _points: usize,
    ) -> Option<super::view::TuningCurve> {
        None
    }
    /// For a network: the units whose pre-activations node perturbation probes (every layer's
    /// outputs), per sample.
    fn units(&self) -> usize {
        0
    }
    /// For a network: a pass with `psi` (m × units, layer after layer) added to the
    /// pre-activations on `batch` (or all points), against a clean pass (or `baseline`); writes
    /// the node-perturbation estimate of ∇f into `g` and returns (clean loss, noisy loss).
    /// `reward_noise` is empty, or holds the noise on each sample's loss as the rule sees it:
    /// m values for the noisy pass, then m for the clean pass (two passes only). σ = 0 probes
    /// nothing and estimates zero. Only called when provided.
    #[allow(clippy::too_many_arguments)]
    fn node_perturbation(
        &self,
        _x: ArrayView1<'_, f64>,
        _batch: Option<&[u32]>,
        _psi: &[f64],
        _sigma: f64,
        _baseline: Option<f64>,
        _reward_noise: &[f64],
        _g: ArrayViewMut1<'_, f64>,
    ) -> (f64, f64) {
        (f64::NAN, f64::NAN)
    }
    /// For a neuron model: one trial of `steps` time steps on each input of `batch` (or all
    /// points), for a reward-modulated Hebbian rule. The drive carries fresh noise each time
    /// step (`psi`: steps values per unit and input, time innermost), which the rule cannot
    /// read: it estimates the last step's as ψ̂ = a_T − ā, with ā the mean drive over the
    /// trial's earlier steps. The response at the last step is rewarded: R = −ℓ(a_T) − ν, ν
    /// its reward noise (`reward_noise`: empty or one per input), compared with the running
    /// mean reward for the same input (`reward`, one per sample, NaN until first seen, moving
    /// at rate `rate`): a critic that knows the stimulus. Writes (1/m) Σₙ (Rₙ − R̄ₙ) ψ̂ₙ xₙᵀ
    /// (laid out as x) into `e` and returns the mean loss heard and the mean reward prediction
    /// error. Only called when provided.
    #[allow(clippy::too_many_arguments)]
    fn hebbian(
        &self,
        _x: ArrayView1<'_, f64>,
        _batch: Option<&[u32]>,
        _psi: &[f64],
        _steps: usize,
        _reward_noise: &[f64],
        _reward: &mut [f64],
        _rate: f64,
        _e: ArrayViewMut1<'_, f64>,
    ) -> (f64, f64) {
        (f64::NAN, f64::NAN)
    }
    /// For a network: activity-based node perturbation (Dalm et al. 2023): a clean pass and a
    /// pass with `psi` added to the pre-activations on `batch` (or all points); the measured
    /// changes δa of the pre-activations, scaled by √N/‖δa‖² per sample, stand in for the
    /// noise. Writes the estimate of ∇f into `g`, each layer's clean input second moments
    /// ⟨x xᵀ⟩ into `moments` (fan-in² per layer, layer after layer) and returns (clean loss,
    /// noisy loss). Only called when provided.
    fn activity_perturbation(
        &self,
        _x: ArrayView1<'_, f64>,
        _batch: Option<&[u32]>,
        _psi: &[f64],
        _g: ArrayViewMut1<'_, f64>,
        _moments: &mut [f64],
    ) -> (f64, f64) {
        (f64::NAN, f64::NAN)
    }
    /// For a network: backpropagation with `feedback` (laid out as x) in place of the forward
    /// weights on the way back (feedback alignment); writes the update into `g` and returns the
    /// loss. Only called when provided.
    fn feedback_alignment(
        &self,
        _x: ArrayView1<'_, f64>,
        _batch: Option<&[u32]>,
        _feedback: &[f64],
        _g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        f64::NAN
    }
    /// The weight matrices and biases of a network's parameter vector (empty otherwise).
    fn blocks(&self) -> &[ParamBlock] {
        &[]
    }

    /// f over the plane o + a·u + b·v, for problems that evaluate many points of one plane
    /// faster than point by point (a network's first layer is linear in its weights); `None`
    /// means lifting each point and calling [`Objective::value`].
    fn plane(
        &self,
        _origin: ArrayView1<'_, f64>,
        _u: ArrayView1<'_, f64>,
        _v: ArrayView1<'_, f64>,
    ) -> Option<Box<dyn PlaneSampler + '_>> {
        None
    }

    /// f(x), with ∇f(x) written into `g`; objectives that share work between the two override it.
    fn value_and_gradient_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>) -> f64 {
        self.gradient_into(x, g);
        self.value(x)
    }

    /// ∇f(x) as a new vector.
    fn gradient(&self, x: ArrayView1<'_, f64>) -> Vector {
        let mut g = Vector::zeros(self.dim());
        self.gradient_into(x, g.view_mut());
        g
    }

    /// ∇²f(x) as a new matrix.
    fn hessian(&self, x: ArrayView1<'_, f64>) -> Matrix {
        let n = self.dim();
        let mut h = Matrix::zeros((n, n));
        self.hessian_into(x, h.view_mut());
        h
    }
}
