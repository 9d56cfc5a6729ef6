//! Bowls: convex quadratic-like test functions.

use super::*;

/// A rotated, possibly ill-conditioned quadratic bowl in two dimensions.
///
/// f(p) = ½ pᵀ R diag(κ, 1) Rᵀ p, where R is the rotation by `angle_deg` degrees, so the
/// eigenvalue κ belongs to the direction (cos θ, sin θ). For κ ≥ 1 the condition number is κ.
/// The minimum is f = 0 at the origin whenever κ ≥ 0 (for κ = 0 it is not isolated); for κ < 0
/// the origin is a saddle and no minimum is listed.
///
/// Reference: the model problem for steepest descent in J. Nocedal and S. J. Wright,
/// *Numerical Optimization*, 2nd ed., Springer, 2006, §3.3.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quadratic {
    /// The eigenvalue along the rotated first axis; the other eigenvalue is 1.
    pub kappa: f64,
    /// The rotation angle in degrees.
    pub angle_deg: f64,
}

impl Quadratic {
    /// Creates the quadratic with eigenvalues `kappa` and 1, rotated by `angle_deg` degrees.
    pub fn new(kappa: f64, angle_deg: f64) -> Self {
        Self { kappa, angle_deg }
    }

    /// Returns the entries `(a₁₁, a₁₂, a₂₂)` of the symmetric matrix A = R diag(κ, 1) Rᵀ.
    fn matrix(&self) -> (f64, f64, f64) {
        let (s, c) = sin_cos_degrees(self.angle_deg);
        let k = self.kappa;
        (k * c * c + s * s, (k - 1.0) * c * s, k * s * s + c * c)
    }
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (a, b, c) = self.matrix();
        let (p, q) = (x[0], x[1]);
        0.5 * (a * p * p + 2.0 * b * p * q + c * q * q)
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (a, b, c) = self.matrix();
        let (p, q) = (x[0], x[1]);
        g[0] = a * p + b * q;
        g[1] = b * p + c * q;
    }

    fn hessian_into(&self, _x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (a, b, c) = self.matrix();
        write_hessian_2d(h, a, b, c);
    }

    hvp_via_2x2_hessian!();

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        if self.kappa >= 0.0 {
            vec![Minimum {
                x: vec![0.0, 0.0],
                f: 0.0,
            }]
        } else {
            Vec::new()
        }
    }
}

/// The sphere function in `d ≥ 1` dimensions.
///
/// f(x) = Σᵢ xᵢ², with minimum f = 0 at the origin.
///
/// Reference: K. A. De Jong, *An analysis of the behavior of a class of genetic adaptive
/// systems*, PhD thesis, University of Michigan, 1975 (test function F1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sphere {
    /// The dimension, at least 1.
    pub d: usize,
}

impl Sphere {
    /// Creates the sphere function in `d` dimensions.
    ///
    /// # Panics
    ///
    /// Panics if `d == 0`.
    pub fn new(d: usize) -> Self {
        assert!(d >= 1, "the sphere function needs d >= 1");
        Self { d }
    }
}

impl Objective for Sphere {
    fn dim(&self) -> usize {
        self.d
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        debug_assert_eq!(x.len(), self.d);
        x.iter().map(|v| v * v).sum()
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        g.zip_mut_with(&x, |gi, &xi| *gi = 2.0 * xi);
    }

    fn hessian_into(&self, _x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        h.fill(0.0);
        h.diag_mut().fill(2.0);
    }

    fn hvp_into(
        &self,
        _x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        mut out: ArrayViewMut1<'_, f64>,
    ) {
        out.zip_mut_with(&v, |o, &vi| *o = 2.0 * vi);
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: vec![0.0; self.d],
            f: 0.0,
        }]
    }
}

/// Booth's function.
///
/// f(x, y) = (x + 2y − 7)² + (2x + y − 5)², a convex quadratic with minimum f = 0 at (1, 3).
///
/// Reference: M. Jamil and X.-S. Yang, "A literature survey of benchmark functions for global
/// optimization problems", *Int. J. Math. Model. Numer. Optim.* 4(2):150–194, 2013 (function 24).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Booth;

impl Booth {
    /// Creates Booth's function.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for Booth {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let u = x[0] + 2.0 * x[1] - 7.0;
        let v = 2.0 * x[0] + x[1] - 5.0;
        u * u + v * v
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let u = x[0] + 2.0 * x[1] - 7.0;
        let v = 2.0 * x[0] + x[1] - 5.0;
        g[0] = 2.0 * u + 4.0 * v;
        g[1] = 4.0 * u + 2.0 * v;
    }

    fn hessian_into(&self, _x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        write_hessian_2d(h, 10.0, 8.0, 10.0);
    }

    hvp_via_2x2_hessian!();

    fn bounds(&self) -> ViewBounds {
        view((-10.0, 10.0), (-10.0, 10.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: vec![1.0, 3.0],
            f: 0.0,
        }]
    }
}
