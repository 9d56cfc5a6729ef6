//! The `Objective` trait: what every problem that Optiscope minimises provides.

use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1, ArrayViewMut2};

/// A point in parameter space.
pub type Vector = Array1<f64>;
/// A dense square matrix, for Hessians.
pub type Matrix = Array2<f64>;

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
    /// Writes ∇²f(x) into `h` (`dim` × `dim`).
    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>);
    /// The default view window.
    fn bounds(&self) -> ViewBounds;
    /// Known minima; empty when the function has none (for example the monkey saddle).
    fn minima(&self) -> Vec<Minimum>;

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
