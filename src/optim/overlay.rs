//! Overlays: what a method can show of its state (probes, populations, trial points, model
//! contours, ellipses, trust radii), written in parameter space into a reused buffer.
//!
//! An optimizer fills an [`Overlay`] when the engine asks (at most at the flush rate, never per
//! step); the engine projects it onto the drawn plane and sends it to the UI, which colours each
//! item by its [`Role`] and names the role on hover. Points and matrices live in flat arenas that
//! keep their capacity, so refilling an overlay allocates nothing once it has reached its size.

use ndarray::{ArrayView1, ArrayView2};

/// What an overlay item is, for colour and for the hover text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A point where a zeroth-order method evaluated f.
    Probe,
    /// A member of an evolution strategy's population (or a simplex vertex).
    Population,
    /// A population's spread σ, or a (1+1)-ES's step size, as a circle.
    SearchRadius,
    /// CMA-ES's search distribution: the ellipse {m + σC^½w : ‖w‖ = 1}.
    SearchDistribution,
    /// The shape of H⁻¹ at the mean, scaled to the search ellipse's area: what C learns.
    SearchDistributionTarget,
    /// An edge of the Nelder–Mead simplex.
    Simplex,
    /// The best point a method has seen.
    Best,
    /// The inspector: a method's last gradient estimate, drawn downhill (−ĝ).
    Estimate,
    /// The inspector: the true −∇f where the estimate was taken, scaled like the estimate.
    TrueGradient,
    /// The inspector's cloud: one of many estimates at a point, downhill.
    EstimateSample,
    /// The inspector's cloud: the mean of the estimates.
    EstimateMean,
    /// The inspector's cloud: the estimates' covariance ellipse (one standard deviation).
    EstimateSpread,
    /// A faint line from the iterate to one of its probes.
    ProbeLink,
    /// The step the method just took.
    Step,
    /// A contour of the method's local quadratic model m₂.
    Model,
    /// The point the model says is best (its minimiser, or stationary point).
    ModelCentre,
    /// The line a line search looked along.
    SearchLine,
    /// A step length the line search tried and refused.
    TrialRejected,
    /// The step length the line search kept.
    TrialAccepted,
    /// The ellipse {x + B⁻¹ᐟ² w : ‖w‖ = 1} of a quasi-Newton method's inverse-Hessian estimate.
    InverseHessianEstimate,
    /// The same ellipse of the true inverse Hessian at the iterate, drawn beside the estimate.
    InverseHessianTrue,
    /// Where a method took its gradient, when that is not the iterate shown.
    GradientPoint,
    /// Schedule-free's base sequence z, which the shown average x follows.
    BaseSequence,
    /// The trust region: the ball of radius Δ in which the model was trusted.
    TrustRegion,
    /// The dogleg path: to the Cauchy point along −∇f, then towards the Newton point.
    Dogleg,
    /// The ellipse {x + F^(−½) w : ‖w‖ = 1} of the Fisher metric: the directions in which a
    /// step changes the model's distribution least.
    FisherMetric,
    /// A lens: a curvature direction of H with a positive eigenvalue, scaled by it.
    CurvaturePositive,
    /// A lens: a curvature direction with a negative eigenvalue (the way down from a saddle).
    CurvatureNegative,
    /// A lens: the Newton step −H⁻¹∇f from the point.
    NewtonStep,
    /// A lens: a contour of the first-order (proximal) model f + gᵀz + ‖z‖²/(2η).
    TaylorFirst,
    /// A lens: a contour of the second-order model f + gᵀz + ½zᵀHz.
    TaylorSecond,
    /// A lens: a contour of the cubic-regularised model m₂ + (M/6)‖z‖³.
    TaylorThird,
    /// A lens: the first-order model's minimiser, x − η∇f.
    TaylorFirstMinimiser,
    /// A lens: the second-order model's stationary point, x − H⁻¹∇f.
    TaylorSecondMinimiser,
    /// A lens: the cubic-regularised model's global minimiser.
    TaylorThirdMinimiser,
}

impl Role {
    /// What the item is, in words, for the hover readout.
    pub fn label(self) -> &'static str {
        match self {
            Role::Probe => "probe: a point where f was evaluated",
            Role::Population => "member of the population",
            Role::SearchRadius => "step size σ",
            Role::SearchDistribution => "search distribution σ²C (one-σ ellipse)",
            Role::SearchDistributionTarget => "shape of H⁻¹ at the mean, scaled to the same area",
            Role::Simplex => "Nelder–Mead simplex",
            Role::Best => "best point seen",
            Role::Estimate => "last gradient estimate −ĝ",
            Role::TrueGradient => "true −∇f at the same point",
            Role::EstimateSample => "one estimate −ĝ of the cloud",
            Role::EstimateMean => "mean of the cloud's estimates",
            Role::EstimateSpread => "covariance of the estimates (1 s.d.)",
            Role::ProbeLink => "probe direction",
            Role::Step => "step",
            Role::Model => "contour of the quadratic model m₂",
            Role::ModelCentre => "stationary point of m₂",
            Role::SearchLine => "line-search direction",
            Role::TrialRejected => "trial point, rejected",
            Role::TrialAccepted => "trial point, accepted",
            Role::InverseHessianEstimate => "B⁻¹ ellipse (the method's estimate)",
            Role::InverseHessianTrue => "true H⁻¹ ellipse at the iterate",
            Role::GradientPoint => "gradient point y = β₁x + (1 − β₁)z",
            Role::BaseSequence => "base sequence z",
            Role::TrustRegion => "trust region, radius Δ",
            Role::Dogleg => "dogleg path (Cauchy point, then Newton point)",
            Role::FisherMetric => "F⁻¹ ellipse (the Fisher metric)",
            Role::CurvaturePositive => "curvature direction, λ > 0 (length ∝ |λ|)",
            Role::CurvatureNegative => "curvature direction, λ < 0 (length ∝ |λ|)",
            Role::NewtonStep => "Newton step −H⁻¹∇f",
            Role::TaylorFirst => "first-order model f + gᵀz + ‖z‖²/(2η)",
            Role::TaylorSecond => "second-order model f + gᵀz + ½zᵀHz",
            Role::TaylorThird => "cubic-regularised model m₂ + (M/6)‖z‖³",
            Role::TaylorFirstMinimiser => "minimiser of the first-order model, x − η∇f",
            Role::TaylorSecondMinimiser => "stationary point of the second-order model",
            Role::TaylorThirdMinimiser => "minimiser of the cubic-regularised model",
        }
    }
}

/// A vector stored in an overlay: a point, or a direction such as a gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VecId(u32);

impl VecId {
    /// The vector stored `i` places after `first` (vectors stored one after another).
    pub fn nth(first: VecId, i: usize) -> VecId {
        VecId(first.0 + i as u32)
    }
}

/// A d × d matrix stored in an overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatId(u32);

/// A drawable shape in parameter space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// A dot.
    Point(VecId),
    /// A line between two points.
    Segment(VecId, VecId),
    /// An arrow from the first point to the second.
    Arrow(VecId, VecId),
    /// A sphere of this radius around a point (a trust region); it projects to a circle.
    Circle {
        /// The centre.
        centre: VecId,
        /// The radius, in parameter units.
        radius: f64,
    },
    /// The ellipsoid {c + S^½ w : ‖w‖ = 1} of a positive semi-definite shape matrix S (a
    /// covariance, or an inverse Hessian); it projects to the ellipse of the plane's part of S.
    Ellipse {
        /// The centre c.
        centre: VecId,
        /// The shape matrix S.
        shape: MatId,
    },
    /// The quadratic model m(c + z) = m₀ + gᵀz + ½ zᵀHz around c, drawn as contours through the
    /// plane.
    Model {
        /// The expansion point c.
        centre: VecId,
        /// The model's gradient g at c.
        gradient: VecId,
        /// The model's Hessian H.
        hessian: MatId,
    },
}

/// One item: a shape and what it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Item {
    /// What it shows.
    pub role: Role,
    /// The shape, in parameter space.
    pub shape: Shape,
}

/// Vectors and items an overlay has room for from the start: a full line search
/// ([`super::line_search::MAX_TRIALS`] trials) plus a few shapes.
const RESERVED: usize = super::line_search::MAX_TRIALS + 24;

/// A method's drawable state, in parameter space.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    dim: usize,
    vectors: Vec<f64>,
    matrices: Vec<f64>,
    items: Vec<Item>,
}

impl Overlay {
    /// An empty overlay for a problem of dimension `dim`, with room for a line search's trials
    /// (so that refilling it does not grow it) when the dimension is small enough to draw them.
    pub fn new(dim: usize) -> Self {
        let room = if dim <= 64 { RESERVED } else { 4 };
        Self {
            dim,
            vectors: Vec::with_capacity(room * dim),
            matrices: Vec::with_capacity(2 * dim * dim.min(64)),
            items: Vec::with_capacity(room),
        }
    }

    /// Empties the overlay, keeping its buffers.
    pub fn clear(&mut self) {
        self.vectors.clear();
        self.matrices.clear();
        self.items.clear();
    }

    /// The problem's dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Stores a vector (of the problem's dimension).
    pub fn vector(&mut self, x: ArrayView1<'_, f64>) -> VecId {
        debug_assert_eq!(x.len(), self.dim);
        let id = VecId((self.vectors.len() / self.dim.max(1)) as u32);
        self.vectors.extend(x.iter());
        id
    }

    /// Stores the vector x + s·dir.
    pub fn vector_along(
        &mut self,
        x: ArrayView1<'_, f64>,
        s: f64,
        dir: ArrayView1<'_, f64>,
    ) -> VecId {
        debug_assert_eq!(x.len(), self.dim);
        let id = VecId((self.vectors.len() / self.dim.max(1)) as u32);
        self.vectors
            .extend(x.iter().zip(dir.iter()).map(|(a, d)| a + s * d));
        id
    }

    /// Overwrites entry `i` of a stored vector.
    pub fn set_entry(&mut self, v: VecId, i: usize, value: f64) {
        self.vectors[v.0 as usize * self.dim + i] = value;
    }

    /// Stores a d × d matrix.
    pub fn matrix(&mut self, m: ArrayView2<'_, f64>) -> MatId {
        debug_assert_eq!(m.dim(), (self.dim, self.dim));
        let id = MatId((self.matrices.len() / (self.dim * self.dim).max(1)) as u32);
        self.matrices.extend(m.iter());
        id
    }

    /// Stores a d × d matrix of zeros and lends it for writing.
    pub fn matrix_mut(&mut self) -> (MatId, ndarray::ArrayViewMut2<'_, f64>) {
        let n = self.dim * self.dim;
        let at = self.matrices.len();
        let id = MatId((at / n.max(1)) as u32);
        self.matrices.resize(at + n, 0.0);
        let view =
            ndarray::ArrayViewMut2::from_shape((self.dim, self.dim), &mut self.matrices[at..])
                .unwrap_or_else(|_| unreachable!("a stored matrix is d × d"));
        (id, view)
    }

    /// Adds an item.
    pub fn draw(&mut self, role: Role, shape: Shape) {
        self.items.push(Item { role, shape });
    }

    /// The items, in the order they were drawn.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Whether nothing was drawn.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The coordinates of a stored vector.
    pub fn get(&self, v: VecId) -> ArrayView1<'_, f64> {
        let at = v.0 as usize * self.dim;
        ArrayView1::from(&self.vectors[at..at + self.dim])
    }

    /// A stored matrix, row-major.
    pub fn get_matrix(&self, m: MatId) -> ArrayView2<'_, f64> {
        let n = self.dim * self.dim;
        let at = m.0 as usize * n;
        ArrayView2::from_shape((self.dim, self.dim), &self.matrices[at..at + n])
            .unwrap_or_else(|_| unreachable!("a stored matrix is d × d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn stores_vectors_and_matrices_and_reuses_its_buffers() {
        let mut o = Overlay::new(2);
        let x = array![1.0, 2.0];
        let d = array![0.5, -1.0];
        let a = o.vector(x.view());
        let b = o.vector_along(x.view(), 2.0, d.view());
        let h = o.matrix(array![[2.0, 1.0], [1.0, 3.0]].view());
        o.draw(Role::Probe, Shape::Point(b));
        o.draw(Role::Step, Shape::Arrow(a, b));
        o.draw(
            Role::Model,
            Shape::Model {
                centre: a,
                gradient: b,
                hessian: h,
            },
        );
        assert_eq!(o.get(a).to_vec(), vec![1.0, 2.0]);
        assert_eq!(o.get(b).to_vec(), vec![2.0, 0.0]);
        assert_eq!(o.get_matrix(h)[[1, 0]], 1.0);
        assert_eq!(o.items().len(), 3);
        let capacity = (o.vectors.capacity(), o.items.capacity());
        o.clear();
        assert!(o.is_empty());
        o.vector(x.view());
        assert_eq!((o.vectors.capacity(), o.items.capacity()), capacity);
    }
}
