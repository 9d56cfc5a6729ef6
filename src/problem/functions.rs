//! Analytic test functions for optimisation, each implementing [`Objective`].
//!
//! Every function provides its exact value, gradient and Hessian. The `*_into` methods and
//! `value` write into caller-owned buffers and never allocate on the heap. Each function also
//! has a default view window and its known minima; minima that have no closed form are refined
//! to full `f64` precision by Newton's method each time `minima()` is called, so they stay
//! consistent with the public parameter fields even if those are changed after construction.

use std::f64::consts::{E, PI, TAU};

use ndarray::{ArrayView1, ArrayViewMut1, ArrayViewMut2};

use super::objective::{Matrix, Minimum, Objective, Vector, ViewBounds};

/// The maximum number of Newton iterations used to refine a minimum.
const NEWTON_ITERATIONS: usize = 50;

/// The largest gradient component a refined point may have and still count as a minimum.
const STATIONARY_TOLERANCE: f64 = 1e-9;

/// Builds a view window from the ranges of the first two coordinates.
const fn view(x: (f64, f64), y: (f64, f64)) -> ViewBounds {
    ViewBounds { x, y }
}

/// Returns the largest absolute entry of `v` (the max-norm).
fn max_norm(v: &Vector) -> f64 {
    v.iter().fold(0.0, |m, &a| m.max(a.abs()))
}

/// Solves `a s = b` by Gaussian elimination with partial pivoting.
///
/// Returns `None` when a pivot is zero or not finite, that is when `a` is (numerically) singular.
fn solve(mut a: Matrix, mut b: Vector) -> Option<Vector> {
    let n = b.len();
    for k in 0..n {
        let p = (k..n).max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))?;
        let pivot = a[[p, k]];
        if pivot == 0.0 || !pivot.is_finite() {
            return None;
        }
        if p != k {
            for j in 0..n {
                a.swap([k, j], [p, j]);
            }
            b.swap(k, p);
        }
        for i in k + 1..n {
            let m = a[[i, k]] / a[[k, k]];
            for j in k..n {
                let akj = a[[k, j]];
                a[[i, j]] -= m * akj;
            }
            let bk = b[k];
            b[i] -= m * bk;
        }
    }
    for k in (0..n).rev() {
        let mut s = b[k];
        for j in k + 1..n {
            s -= a[[k, j]] * b[j];
        }
        b[k] = s / a[[k, k]];
    }
    Some(b)
}

/// Refines a stationary point of `objective` by Newton's method started at `start`.
///
/// The iteration runs until the gradient is exactly zero, the Hessian becomes singular or
/// [`NEWTON_ITERATIONS`] steps have been taken; it returns the iterate with the smallest
/// gradient max-norm seen, so the ulp-level oscillation after convergence does no harm.
fn newton_refine<O: Objective + ?Sized>(objective: &O, start: &[f64]) -> Vec<f64> {
    let mut x = Vector::from(start.to_vec());
    let mut best = x.clone();
    let mut best_norm = max_norm(&objective.gradient(x.view()));
    for _ in 0..NEWTON_ITERATIONS {
        if best_norm == 0.0 {
            break;
        }
        let g = objective.gradient(x.view());
        let Some(step) = solve(objective.hessian(x.view()), g) else {
            break;
        };
        x -= &step;
        let norm = max_norm(&objective.gradient(x.view()));
        if !norm.is_finite() {
            break;
        }
        if norm < best_norm {
            best.assign(&x);
            best_norm = norm;
        }
    }
    best.to_vec()
}

/// Tells whether `x` is a strict local minimum: a stationary point with a positive-definite Hessian.
///
/// Stationarity means every gradient component is at most [`STATIONARY_TOLERANCE`]; positive
/// definiteness is tested by attempting a Cholesky factorisation.
fn is_strict_local_minimum<O: Objective + ?Sized>(objective: &O, x: &[f64]) -> bool {
    let x = ArrayView1::from(x);
    let g_norm = max_norm(&objective.gradient(x));
    if g_norm.is_nan() || g_norm > STATIONARY_TOLERANCE {
        return false;
    }
    let h = objective.hessian(x);
    let n = h.nrows();
    let mut l = Matrix::zeros((n, n));
    for j in 0..n {
        let mut d = h[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let d = d.sqrt();
        l[[j, j]] = d;
        for i in j + 1..n {
            let mut s = h[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / d;
        }
    }
    true
}

/// Refines each starting point by Newton's method and keeps those that converge to distinct
/// strict local minima, with the objective's value there.
fn refined_minima<O: Objective + ?Sized>(objective: &O, starts: &[&[f64]]) -> Vec<Minimum> {
    let mut minima: Vec<Minimum> = Vec::new();
    for start in starts {
        let x = newton_refine(objective, start);
        if !is_strict_local_minimum(objective, &x) {
            continue;
        }
        let duplicate = minima.iter().any(|m| {
            m.x.iter()
                .zip(&x)
                .all(|(a, b)| (a - b).abs() <= 1e-8 * (1.0 + a.abs()))
        });
        if !duplicate {
            let f = objective.value(ArrayView1::from(&x));
            minima.push(Minimum { x, f });
        }
    }
    minima
}

/// Returns `(sin θ, cos θ)` for an angle in degrees, exactly at multiples of 90°.
fn sin_cos_degrees(degrees: f64) -> (f64, f64) {
    let reduced = degrees.rem_euclid(360.0);
    if reduced == 0.0 {
        (0.0, 1.0)
    } else if reduced == 90.0 {
        (1.0, 0.0)
    } else if reduced == 180.0 {
        (0.0, -1.0)
    } else if reduced == 270.0 {
        (-1.0, 0.0)
    } else {
        reduced.to_radians().sin_cos()
    }
}

/// Writes a symmetric 2 × 2 Hessian `[[xx, xy], [xy, yy]]` into `h`.
fn write_hessian_2d(mut h: ArrayViewMut2<'_, f64>, xx: f64, xy: f64, yy: f64) {
    h[[0, 0]] = xx;
    h[[0, 1]] = xy;
    h[[1, 0]] = xy;
    h[[1, 1]] = yy;
}

// ---------------------------------------------------------------------------------------------
// Quadratic.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Rosenbrock.
// ---------------------------------------------------------------------------------------------

/// The (extended) Rosenbrock "banana" function in `d ≥ 2` dimensions.
///
/// f(x) = Σ_{i=0}^{d−2} [ (a − xᵢ)² + b (xᵢ₊₁ − xᵢ²)² ], with the classical choice a = 1, b = 100.
///
/// Listed minima (f = 0): (a, a²) when d = 2, and (1, …, 1) when a = 1 for any d. For d > 2 and
/// a ≠ 1 the minimiser has no closed form and none is listed. For 4 ≤ d ≤ 7 and a = 1 there is
/// also a local minimum near (−1, 1, …, 1), which is not listed.
///
/// Reference: H. H. Rosenbrock, "An automatic method for finding the greatest or least value of
/// a function", *The Computer Journal* 3(3):175–184, 1960; the chained d-dimensional form is as
/// in M. Jamil and X.-S. Yang, "A literature survey of benchmark functions for global
/// optimization problems", *Int. J. Math. Model. Numer. Optim.* 4(2):150–194, 2013.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rosenbrock {
    /// The location parameter (classically 1).
    pub a: f64,
    /// The valley steepness (classically 100).
    pub b: f64,
    /// The dimension, at least 2.
    pub d: usize,
}

impl Rosenbrock {
    /// Creates the Rosenbrock function with parameters `a`, `b` in `d` dimensions.
    ///
    /// # Panics
    ///
    /// Panics if `d < 2`.
    pub fn new(a: f64, b: f64, d: usize) -> Self {
        assert!(d >= 2, "the Rosenbrock function needs d >= 2, got {d}");
        Self { a, b, d }
    }
}

impl Default for Rosenbrock {
    /// The classical two-dimensional function, a = 1, b = 100.
    fn default() -> Self {
        Self::new(1.0, 100.0, 2)
    }
}

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        self.d
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        debug_assert_eq!(x.len(), self.d);
        (0..self.d - 1)
            .map(|i| {
                let u = self.a - x[i];
                let t = x[i + 1] - x[i] * x[i];
                u * u + self.b * t * t
            })
            .sum()
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        g.fill(0.0);
        for i in 0..self.d - 1 {
            let t = x[i + 1] - x[i] * x[i];
            g[i] += -2.0 * (self.a - x[i]) - 4.0 * self.b * x[i] * t;
            g[i + 1] += 2.0 * self.b * t;
        }
    }

    fn value_and_gradient_into(
        &self,
        x: ArrayView1<'_, f64>,
        mut g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        debug_assert_eq!(x.len(), self.d);
        g.fill(0.0);
        let mut f = 0.0;
        for i in 0..self.d - 1 {
            let u = self.a - x[i];
            let t = x[i + 1] - x[i] * x[i];
            f += u * u + self.b * t * t;
            g[i] += -2.0 * u - 4.0 * self.b * x[i] * t;
            g[i + 1] += 2.0 * self.b * t;
        }
        f
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        h.fill(0.0);
        for i in 0..self.d - 1 {
            h[[i, i]] += 2.0 - 4.0 * self.b * x[i + 1] + 12.0 * self.b * x[i] * x[i];
            let off = -4.0 * self.b * x[i];
            h[[i, i + 1]] += off;
            h[[i + 1, i]] += off;
            h[[i + 1, i + 1]] += 2.0 * self.b;
        }
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-1.0, 3.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        if self.d == 2 {
            vec![Minimum {
                x: vec![self.a, self.a * self.a],
                f: 0.0,
            }]
        } else if self.a == 1.0 {
            vec![Minimum {
                x: vec![1.0; self.d],
                f: 0.0,
            }]
        } else {
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sphere.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Himmelblau.
// ---------------------------------------------------------------------------------------------

/// Himmelblau's function.
///
/// f(x, y) = (x² + y − 11)² + (x + y² − 7)², with four global minima f = 0: (3, 2) exactly and
/// three more without closed form, near (−2.805118, 3.131313), (−3.779310, −3.283186) and
/// (3.584428, −1.848127), which `minima()` refines by Newton's method.
///
/// Reference: D. M. Himmelblau, *Applied Nonlinear Programming*, McGraw-Hill, 1972.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Himmelblau;

impl Himmelblau {
    /// Creates Himmelblau's function.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for Himmelblau {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let u = p * p + q - 11.0;
        let v = p + q * q - 7.0;
        u * u + v * v
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let u = p * p + q - 11.0;
        let v = p + q * q - 7.0;
        g[0] = 4.0 * p * u + 2.0 * v;
        g[1] = 2.0 * u + 4.0 * q * v;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let u = p * p + q - 11.0;
        let v = p + q * q - 7.0;
        write_hessian_2d(
            h,
            4.0 * u + 8.0 * p * p + 2.0,
            4.0 * (p + q),
            2.0 + 4.0 * v + 8.0 * q * q,
        );
    }

    fn bounds(&self) -> ViewBounds {
        view((-5.0, 5.0), (-5.0, 5.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        let mut minima = vec![Minimum {
            x: vec![3.0, 2.0],
            f: 0.0,
        }];
        minima.extend(refined_minima(
            self,
            &[
                &[-2.805_118_086_952_745, 3.131_312_518_250_573],
                &[-3.779_310_253_377_747, -3.283_185_991_286_169],
                &[3.584_428_340_330_492, -1.848_126_526_964_404],
            ],
        ));
        minima
    }
}

// ---------------------------------------------------------------------------------------------
// Beale.
// ---------------------------------------------------------------------------------------------

/// Beale's function.
///
/// f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², with global minimum
/// f = 0 at (3, 0.5).
///
/// Reference: E. M. L. Beale, "On an iterative method for finding a local minimum of a function
/// of more than one variable", Technical Report 25, Statistical Techniques Research Group,
/// Princeton University, 1958.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Beale;

impl Beale {
    /// The constants c_k of the three residuals c_k − x + x y^k.
    const C: [f64; 3] = [1.5, 2.25, 2.625];

    /// Creates Beale's function.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for Beale {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let mut y_k = 1.0;
        let mut f = 0.0;
        for c in Self::C {
            y_k *= q;
            let t = c - p + p * y_k;
            f += t * t;
        }
        f
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let (mut gx, mut gy) = (0.0, 0.0);
        // The loop keeps y^(k−1) and y^k for k = 1, 2, 3.
        let mut y_km1 = 1.0;
        for (k, c) in (1..).zip(Self::C) {
            let k = f64::from(k);
            let y_k = y_km1 * q;
            let t = c - p + p * y_k;
            gx += 2.0 * t * (y_k - 1.0);
            gy += 2.0 * t * k * p * y_km1;
            y_km1 = y_k;
        }
        g[0] = gx;
        g[1] = gy;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let (mut hxx, mut hxy, mut hyy) = (0.0, 0.0, 0.0);
        // The loop keeps y^(k−2), y^(k−1) and y^k; for k = 1 the y^(k−2) term has the factor
        // k − 1 = 0, so its placeholder value does not matter.
        let mut y_km2 = 0.0;
        let mut y_km1 = 1.0;
        for (k, c) in (1..).zip(Self::C) {
            let k = f64::from(k);
            let y_k = y_km1 * q;
            let t = c - p + p * y_k;
            let t_x = y_k - 1.0;
            let t_y = k * p * y_km1;
            hxx += 2.0 * t_x * t_x;
            hxy += 2.0 * (t_x * t_y + t * k * y_km1);
            hyy += 2.0 * (t_y * t_y + t * k * (k - 1.0) * p * y_km2);
            y_km2 = y_km1;
            y_km1 = y_k;
        }
        write_hessian_2d(h, hxx, hxy, hyy);
    }

    fn bounds(&self) -> ViewBounds {
        view((-4.5, 4.5), (-4.5, 4.5))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: vec![3.0, 0.5],
            f: 0.0,
        }]
    }
}

// ---------------------------------------------------------------------------------------------
// Booth.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Rastrigin.
// ---------------------------------------------------------------------------------------------

/// The Rastrigin function in `d ≥ 1` dimensions.
///
/// f(x) = 10 d + Σᵢ (xᵢ² − 10 cos 2πxᵢ), highly multimodal, with global minimum f = 0 at the
/// origin (only the global minimum is listed).
///
/// Reference: L. A. Rastrigin, *Systems of Extremal Control*, Nauka, Moscow, 1974; the
/// d-dimensional form is from H. Mühlenbein, M. Schomisch and J. Born, "The parallel genetic
/// algorithm as function optimizer", *Parallel Computing* 17(6–7):619–632, 1991.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rastrigin {
    /// The dimension, at least 1.
    pub d: usize,
}

impl Rastrigin {
    /// Creates the Rastrigin function in `d` dimensions.
    ///
    /// # Panics
    ///
    /// Panics if `d == 0`.
    pub fn new(d: usize) -> Self {
        assert!(d >= 1, "the Rastrigin function needs d >= 1");
        Self { d }
    }
}

impl Objective for Rastrigin {
    fn dim(&self) -> usize {
        self.d
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        debug_assert_eq!(x.len(), self.d);
        let d = self.d as f64;
        10.0 * d
            + x.iter()
                .map(|&v| v * v - 10.0 * (TAU * v).cos())
                .sum::<f64>()
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        g.zip_mut_with(&x, |gi, &xi| *gi = 2.0 * xi + 10.0 * TAU * (TAU * xi).sin());
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        h.fill(0.0);
        h.diag_mut().zip_mut_with(&x, |hi, &xi| {
            *hi = 2.0 + 10.0 * TAU * TAU * (TAU * xi).cos()
        });
    }

    fn bounds(&self) -> ViewBounds {
        view((-5.12, 5.12), (-5.12, 5.12))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: vec![0.0; self.d],
            f: 0.0,
        }]
    }
}

// ---------------------------------------------------------------------------------------------
// Ackley.
// ---------------------------------------------------------------------------------------------

/// The Ackley function in `d ≥ 1` dimensions.
///
/// f(x) = −20 exp(−0.2 r) − exp(Σᵢ cos(2πxᵢ) / d) + 20 + e, with r = √(Σᵢ xᵢ² / d); global
/// minimum f = 0 at the origin (only the global minimum is listed).
///
/// The term −20 exp(−0.2 r) is a cone at the origin, so f is not differentiable there. At
/// exactly x = 0 this implementation returns:
/// * the gradient 0, which is the minimum-norm element of the subdifferential (and the limit
///   of the symmetric difference quotient);
/// * as Hessian, the Hessian of the smooth cosine term alone, (4π² e / d) I, which is finite
///   and positive definite; the cone's curvature, which grows like 1/r across the radial
///   direction, is left out.
///
/// Away from the origin the exact formulas are used, arranged so that tiny (even subnormal) x
/// gives no overflow, cancellation or NaN. The norm is computed with scaling, so r is zero only
/// at exactly x = 0. The gradient uses the bounded direction x / r. The cone's Hessian is
/// written as (4 e^(−0.2r) / (d r)) P − (0.8 e^(−0.2r) / d) x xᵀ / ‖x‖², where
/// P = I − x xᵀ / ‖x‖² projects across the radial direction and is formed without cancellation
/// (its diagonal is Σ_{k≠i} x_k² / ‖x‖²); so along the radial direction the curvature stays at
/// its finite exact value, and only the 1/r factor in front of P grows, capped by flooring r at
/// [`Ackley::MIN_CURVATURE_RADIUS`] = 10⁻³⁰⁰. In one dimension P = 0, so the Hessian is
/// exact and bounded for every x ≠ 0.
///
/// Reference: D. H. Ackley, *A Connectionist Machine for Genetic Hillclimbing*, Kluwer, 1987;
/// d-dimensional form from T. Bäck, *Evolutionary Algorithms in Theory and Practice*, Oxford
/// University Press, 1996.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ackley {
    /// The dimension, at least 1.
    pub d: usize,
}

impl Ackley {
    /// The floor on r in the cone's 1/r curvature factor, which keeps the Hessian finite.
    pub const MIN_CURVATURE_RADIUS: f64 = 1e-300;

    /// Creates the Ackley function in `d` dimensions.
    ///
    /// # Panics
    ///
    /// Panics if `d == 0`.
    pub fn new(d: usize) -> Self {
        assert!(d >= 1, "the Ackley function needs d >= 1");
        Self { d }
    }

    /// Returns `(m, s, r)`: the scale m = maxᵢ |xᵢ|, the scaled squared norm s = Σ (xᵢ/m)²
    /// (zero when m is zero) and r = √(Σ xᵢ² / d) = m √(s / d).
    ///
    /// The scaling avoids underflow and overflow, so r is zero exactly when every xᵢ is zero.
    fn radius(&self, x: ArrayView1<'_, f64>) -> (f64, f64, f64) {
        let m = x.iter().fold(0.0_f64, |m, &v| m.max(v.abs()));
        if m == 0.0 || !m.is_finite() {
            return (m, 0.0, m);
        }
        let s: f64 = x.iter().map(|&v| (v / m) * (v / m)).sum();
        (m, s, m * (s / self.d as f64).sqrt())
    }

    /// Returns exp(Σ cos(2πxᵢ) / d).
    fn cosine_exp(&self, x: ArrayView1<'_, f64>) -> f64 {
        (x.iter().map(|&v| (TAU * v).cos()).sum::<f64>() / self.d as f64).exp()
    }
}

impl Objective for Ackley {
    fn dim(&self) -> usize {
        self.d
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        debug_assert_eq!(x.len(), self.d);
        let (_, _, r) = self.radius(x);
        // Grouping the terms this way makes the value exactly 0 at the origin.
        20.0 * (1.0 - (-0.2 * r).exp()) + (E - self.cosine_exp(x))
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        let d = self.d as f64;
        let (_, _, r) = self.radius(x);
        // ∂f/∂xᵢ = (4 e^(−0.2r) / d) xᵢ / r + (2π / d) e^C sin 2πxᵢ; the first term is taken as
        // 0 at r = 0.
        let cone = if r > 0.0 {
            4.0 * (-0.2 * r).exp() / d
        } else {
            0.0
        };
        let wave = TAU / d * self.cosine_exp(x);
        g.zip_mut_with(&x, |gi, &xi| {
            let direction = if r > 0.0 { xi / r } else { 0.0 };
            *gi = cone * direction + wave * (TAU * xi).sin();
        });
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        let n = self.d;
        let d = n as f64;
        let (m, s, r) = self.radius(x);
        // The cosine term's Hessian is (4π² e^C / d) [δᵢⱼ cos 2πxᵢ − sin 2πxᵢ sin 2πxⱼ / d].
        let wave = TAU * TAU * self.cosine_exp(x) / d;
        // The cone term's Hessian is `across` P − `radial` w wᵀ / s with w = x / m; both are
        // zero at the origin (see the type's documentation).
        let (across, radial) = if r > 0.0 {
            let decay = (-0.2 * r).exp();
            (
                4.0 * decay / (d * r.max(Self::MIN_CURVATURE_RADIUS)),
                0.8 * decay / d,
            )
        } else {
            (0.0, 0.0)
        };
        let scaled = |k: usize| if r > 0.0 { x[k] / m } else { 0.0 };
        for i in 0..n {
            let wi = scaled(i);
            let si = (TAU * x[i]).sin();
            for j in 0..i {
                let wj = scaled(j);
                let cone = if r > 0.0 {
                    -(across + radial) * wi * wj / s
                } else {
                    0.0
                };
                let v = cone - wave * si * (TAU * x[j]).sin() / d;
                h[[i, j]] = v;
                h[[j, i]] = v;
            }
            let cone = if r > 0.0 {
                let others: f64 = (0..n)
                    .filter(|&k| k != i)
                    .map(|k| scaled(k) * scaled(k))
                    .sum();
                (across * others - radial * wi * wi) / s
            } else {
                0.0
            };
            h[[i, i]] = cone + wave * ((TAU * x[i]).cos() - si * si / d);
        }
    }

    fn bounds(&self) -> ViewBounds {
        view((-5.0, 5.0), (-5.0, 5.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: vec![0.0; self.d],
            f: 0.0,
        }]
    }
}

// ---------------------------------------------------------------------------------------------
// Six-hump camel.
// ---------------------------------------------------------------------------------------------

/// The six-hump camel function.
///
/// f(x, y) = (4 − 2.1x² + x⁴/3) x² + xy + (−4 + 4y²) y², with six local minima of which two
/// are global, ±(0.08984201310031806, −0.7126564030207396) with f = −1.0316284534898774 (values
/// from a 40-digit computation; `minima()` refines them by Newton's method to the nearest
/// doubles, and only the global pair is listed).
///
/// Reference: L. C. W. Dixon and G. P. Szegö, "The global optimisation problem: an
/// introduction", in *Towards Global Optimisation 2*, North-Holland, 1978, pp. 1–15.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SixHumpCamel;

impl SixHumpCamel {
    /// Creates the six-hump camel function.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for SixHumpCamel {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let p2 = p * p;
        let q2 = q * q;
        (4.0 - 2.1 * p2 + p2 * p2 / 3.0) * p2 + p * q + (-4.0 + 4.0 * q2) * q2
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let p2 = p * p;
        g[0] = 8.0 * p - 8.4 * p2 * p + 2.0 * p2 * p2 * p + q;
        g[1] = p - 8.0 * q + 16.0 * q * q * q;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let p2 = p * p;
        write_hessian_2d(
            h,
            8.0 - 25.2 * p2 + 10.0 * p2 * p2,
            1.0,
            -8.0 + 48.0 * q * q,
        );
    }

    fn bounds(&self) -> ViewBounds {
        view((-3.0, 3.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        refined_minima(
            self,
            &[
                &[0.089_842_013_100_3, -0.712_656_403_021],
                &[-0.089_842_013_100_3, 0.712_656_403_021],
            ],
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Branin.
// ---------------------------------------------------------------------------------------------

/// The Branin (Branin–Hoo) function with its standard parameters.
///
/// f(x, y) = a (y − b x² + c x − r)² + s (1 − t) cos x + s, with a = 1, b = 5.1 / (4π²),
/// c = 5/π, r = 6, s = 10, t = 1/(8π). It has three global minima f = s t = 5/(4π) ≈ 0.397887
/// at x ∈ {−π, π, 3π} with y = b x² − c x + r, that is y ∈ {12.275, 2.275, 2.475}; these are
/// exact (up to the rounding of π), since there the residual and sin x both vanish.
///
/// Reference: F. H. Branin, "Widely convergent method for finding multiple solutions of
/// simultaneous nonlinear equations", *IBM J. Res. Dev.* 16(5):504–522, 1972; standard
/// parameters as in L. C. W. Dixon and G. P. Szegö, *Towards Global Optimisation 2*,
/// North-Holland, 1978.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Branin;

impl Branin {
    const A: f64 = 1.0;
    const B: f64 = 5.1 / (4.0 * PI * PI);
    const C: f64 = 5.0 / PI;
    const R: f64 = 6.0;
    const S: f64 = 10.0;
    const T: f64 = 1.0 / (8.0 * PI);

    /// Creates the Branin function.
    pub fn new() -> Self {
        Self
    }

    /// Returns the residual u = y − b x² + c x − r.
    fn residual(p: f64, q: f64) -> f64 {
        q - Self::B * p * p + Self::C * p - Self::R
    }
}

impl Objective for Branin {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let u = Self::residual(p, q);
        Self::A * u * u + Self::S * (1.0 - Self::T) * p.cos() + Self::S
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let u = Self::residual(p, q);
        let u_x = -2.0 * Self::B * p + Self::C;
        g[0] = 2.0 * Self::A * u * u_x - Self::S * (1.0 - Self::T) * p.sin();
        g[1] = 2.0 * Self::A * u;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        let u = Self::residual(p, q);
        let u_x = -2.0 * Self::B * p + Self::C;
        write_hessian_2d(
            h,
            2.0 * Self::A * (u_x * u_x - 2.0 * Self::B * u) - Self::S * (1.0 - Self::T) * p.cos(),
            2.0 * Self::A * u_x,
            2.0 * Self::A,
        );
    }

    fn bounds(&self) -> ViewBounds {
        view((-5.0, 10.0), (0.0, 15.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        let f = Self::S * Self::T;
        [-PI, PI, 3.0 * PI]
            .into_iter()
            .map(|p| Minimum {
                x: vec![p, Self::B * p * p - Self::C * p + Self::R],
                f,
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Goldstein–Price.
// ---------------------------------------------------------------------------------------------

/// The value, gradient and Hessian of a two-variable function.
type Jet2 = (f64, [f64; 2], [[f64; 2]; 2]);

/// Returns the value, gradient and Hessian of ℓ² Q, where ℓ is linear with gradient `l_g` and
/// Q is quadratic with gradient `q_g` and (constant) Hessian `q_h`.
fn squared_linear_times_quadratic(
    l: f64,
    l_g: [f64; 2],
    q: f64,
    q_g: [f64; 2],
    q_h: [[f64; 2]; 2],
) -> Jet2 {
    let value = l * l * q;
    let grad = [
        2.0 * l * l_g[0] * q + l * l * q_g[0],
        2.0 * l * l_g[1] * q + l * l * q_g[1],
    ];
    let entry = |i: usize, j: usize| {
        2.0 * l_g[i] * l_g[j] * q
            + 2.0 * l * (l_g[i] * q_g[j] + l_g[j] * q_g[i])
            + l * l * q_h[i][j]
    };
    let off = entry(0, 1);
    (value, grad, [[entry(0, 0), off], [off, entry(1, 1)]])
}

/// The Goldstein–Price function.
///
/// f(x, y) = [1 + (x + y + 1)² (19 − 14x + 3x² − 14y + 6xy + 3y²)]
///         · [30 + (2x − 3y)² (18 − 32x + 12x² + 48y − 36xy + 27y²)],
/// with global minimum f = 3 at (0, −1) (only the global minimum is listed).
///
/// Reference: A. A. Goldstein and I. F. Price, "On descent from local minima", *Mathematics of
/// Computation* 25(115):569–574, 1971.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GoldsteinPrice;

impl GoldsteinPrice {
    /// Creates the Goldstein–Price function.
    pub fn new() -> Self {
        Self
    }

    /// Returns the jets of the two factors A = 1 + ℓ₁² Q₁ and B = 30 + ℓ₂² Q₂ with f = A B.
    fn factors(p: f64, q: f64) -> (Jet2, Jet2) {
        let (a, a_g, a_h) = squared_linear_times_quadratic(
            p + q + 1.0,
            [1.0, 1.0],
            19.0 - 14.0 * p + 3.0 * p * p - 14.0 * q + 6.0 * p * q + 3.0 * q * q,
            [-14.0 + 6.0 * p + 6.0 * q, -14.0 + 6.0 * p + 6.0 * q],
            [[6.0, 6.0], [6.0, 6.0]],
        );
        let (b, b_g, b_h) = squared_linear_times_quadratic(
            2.0 * p - 3.0 * q,
            [2.0, -3.0],
            18.0 - 32.0 * p + 12.0 * p * p + 48.0 * q - 36.0 * p * q + 27.0 * q * q,
            [-32.0 + 24.0 * p - 36.0 * q, 48.0 - 36.0 * p + 54.0 * q],
            [[24.0, -36.0], [-36.0, 54.0]],
        );
        ((1.0 + a, a_g, a_h), (30.0 + b, b_g, b_h))
    }
}

impl Objective for GoldsteinPrice {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let ((a, _, _), (b, _, _)) = Self::factors(x[0], x[1]);
        a * b
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let ((a, a_g, _), (b, b_g, _)) = Self::factors(x[0], x[1]);
        g[0] = a_g[0] * b + a * b_g[0];
        g[1] = a_g[1] * b + a * b_g[1];
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let ((a, a_g, a_h), (b, b_g, b_h)) = Self::factors(x[0], x[1]);
        let entry =
            |i: usize, j: usize| a_h[i][j] * b + a_g[i] * b_g[j] + a_g[j] * b_g[i] + a * b_h[i][j];
        write_hessian_2d(h, entry(0, 0), entry(0, 1), entry(1, 1));
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![Minimum {
            x: vec![0.0, -1.0],
            f: 3.0,
        }]
    }
}

// ---------------------------------------------------------------------------------------------
// Styblinski–Tang.
// ---------------------------------------------------------------------------------------------

/// The Styblinski–Tang function in `d ≥ 1` dimensions.
///
/// f(x) = ½ Σᵢ (xᵢ⁴ − 16xᵢ² + 5xᵢ). Each coordinate has two local minima, the roots of
/// 2x³ − 16x + 2.5 = 0 near −2.9035 and 2.7468; the global minimum has every
/// xᵢ = x* = −2.9035340277711770951… with f = d · ½(x*⁴ − 16x*² + 5x*) =
/// −39.166165703771415464… · d (40-digit values). Only the global minimum is listed; x* is
/// refined by Newton's method in `minima()`, which gives the double −2.903534027771177.
///
/// Reference: M. A. Styblinski and T.-S. Tang, "Experiments in nonconvex optimization:
/// stochastic approximation with function smoothing and simulated annealing", *Neural
/// Networks* 3(4):467–483, 1990.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StyblinskiTang {
    /// The dimension, at least 1.
    pub d: usize,
}

impl StyblinskiTang {
    /// Creates the Styblinski–Tang function in `d` dimensions.
    ///
    /// # Panics
    ///
    /// Panics if `d == 0`.
    pub fn new(d: usize) -> Self {
        assert!(d >= 1, "the Styblinski-Tang function needs d >= 1");
        Self { d }
    }

    /// Returns one coordinate's term ½(x⁴ − 16x² + 5x).
    fn term(v: f64) -> f64 {
        let v2 = v * v;
        0.5 * (v2 * v2 - 16.0 * v2 + 5.0 * v)
    }
}

impl Objective for StyblinskiTang {
    fn dim(&self) -> usize {
        self.d
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        debug_assert_eq!(x.len(), self.d);
        x.iter().map(|&v| Self::term(v)).sum()
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        g.zip_mut_with(&x, |gi, &v| *gi = 2.0 * v * v * v - 16.0 * v + 2.5);
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        debug_assert_eq!(x.len(), self.d);
        h.fill(0.0);
        h.diag_mut()
            .zip_mut_with(&x, |hi, &v| *hi = 6.0 * v * v - 16.0);
    }

    fn bounds(&self) -> ViewBounds {
        view((-5.0, 5.0), (-5.0, 5.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        // The problem separates, so the one-dimensional minimiser is refined and repeated.
        let x_star = newton_refine(&StyblinskiTang { d: 1 }, &[-2.903_534_027_771_178]);
        let x_star = x_star.first().copied().unwrap_or(-2.903_534_027_771_178);
        vec![Minimum {
            x: vec![x_star; self.d],
            f: self.d as f64 * Self::term(x_star),
        }]
    }
}

// ---------------------------------------------------------------------------------------------
// Saddle.
// ---------------------------------------------------------------------------------------------

/// A strict saddle at the origin stabilised by a quartic term.
///
/// f(x, y) = ½(x² − y²) + ¼y⁴. The origin is a saddle with Hessian diag(1, −1); the minima are
/// (0, ±1) with f = −¼.
///
/// Reference: the strict-saddle setting of R. Ge, F. Huang, C. Jin and Y. Yuan, "Escaping from
/// saddle points — online stochastic gradient for tensor decomposition", COLT 2015; compare
/// Y. Dauphin et al., "Identifying and attacking the saddle point problem in high-dimensional
/// non-convex optimization", NeurIPS 2014.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Saddle;

impl Saddle {
    /// Creates the saddle function.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for Saddle {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let q2 = q * q;
        0.5 * (p * p - q2) + 0.25 * q2 * q2
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        g[0] = p;
        g[1] = -q + q * q * q;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let q = x[1];
        write_hessian_2d(h, 1.0, 0.0, -1.0 + 3.0 * q * q);
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![
            Minimum {
                x: vec![0.0, 1.0],
                f: -0.25,
            },
            Minimum {
                x: vec![0.0, -1.0],
                f: -0.25,
            },
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Monkey saddle.
// ---------------------------------------------------------------------------------------------

/// The monkey saddle.
///
/// f(x, y) = x³ − 3xy², a degenerate saddle at the origin (zero gradient and zero Hessian) with
/// three descending valleys; it is unbounded below and has no minima.
///
/// Reference: D. Hilbert and S. Cohn-Vossen, *Geometry and the Imagination*, Chelsea, 1952,
/// §29 (the monkey saddle).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MonkeySaddle;

impl MonkeySaddle {
    /// Creates the monkey saddle.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for MonkeySaddle {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        p * p * p - 3.0 * p * q * q
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        g[0] = 3.0 * p * p - 3.0 * q * q;
        g[1] = -6.0 * p * q;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        write_hessian_2d(h, 6.0 * p, -6.0 * q, -6.0 * p);
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Double well.
// ---------------------------------------------------------------------------------------------

/// A symmetric double well.
///
/// f(x, y) = (x² − 1)² + ½y², with minima (±1, 0), f = 0, separated by a saddle at the origin
/// with f = 1.
///
/// Reference: the quartic double-well potential of Landau theory; see e.g. P. M. Chaikin and
/// T. C. Lubensky, *Principles of Condensed Matter Physics*, Cambridge University Press, 1995,
/// ch. 4.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DoubleWell;

impl DoubleWell {
    /// Creates the double well.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for DoubleWell {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let u = p * p - 1.0;
        u * u + 0.5 * q * q
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        g[0] = 4.0 * p * (p * p - 1.0);
        g[1] = q;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let p = x[0];
        write_hessian_2d(h, 12.0 * p * p - 4.0, 0.0, 1.0);
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![
            Minimum {
                x: vec![-1.0, 0.0],
                f: 0.0,
            },
            Minimum {
                x: vec![1.0, 0.0],
                f: 0.0,
            },
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Sharp and flat wells.
// ---------------------------------------------------------------------------------------------

/// Two Gaussian wells of equal depth, one sharp and one flat.
///
/// f(p) = −exp(−‖p − c₁‖² / (2s₁²)) − exp(−‖p − c₂‖² / (2s₂²)), with the sharp well at
/// c₁ = (−1, 0) of width s₁ = `sharp_width` (default 0.15) and the flat well at c₂ = (1.2, 0)
/// of width s₂ = `flat_width` (default 0.7).
///
/// Each well's minimum is shifted slightly towards the other well by the other's tail, so
/// `minima()` refines both by Newton's method from the centres and lists those that converge to
/// distinct strict local minima (if the widths are so large that the wells merge, fewer are
/// listed). With the defaults the sharp minimum is at x ≈ −0.999273 with f ≈ −1.00716, and the
/// flat one is at c₂ up to about 10⁻⁴⁷ with f = −1 to double precision.
///
/// Reference: an illustration of sharp versus flat minima after S. Hochreiter and
/// J. Schmidhuber, "Flat minima", *Neural Computation* 9(1):1–42, 1997, and N. S. Keskar et al.,
/// "On large-batch training for deep learning: generalization gap and sharp minima", ICLR 2017.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharpFlat {
    /// The width s₁ of the sharp well centred at (−1, 0).
    pub sharp_width: f64,
    /// The width s₂ of the flat well centred at (1.2, 0).
    pub flat_width: f64,
}

impl SharpFlat {
    /// The centre of the sharp well.
    pub const SHARP_CENTRE: [f64; 2] = [-1.0, 0.0];
    /// The centre of the flat well.
    pub const FLAT_CENTRE: [f64; 2] = [1.2, 0.0];

    /// Creates the two wells with the given widths.
    pub fn new(sharp_width: f64, flat_width: f64) -> Self {
        Self {
            sharp_width,
            flat_width,
        }
    }

    /// Returns each well as (centre, width).
    fn wells(&self) -> [([f64; 2], f64); 2] {
        [
            (Self::SHARP_CENTRE, self.sharp_width),
            (Self::FLAT_CENTRE, self.flat_width),
        ]
    }

    /// Returns, for one well, the offset p − c, 1/s² and the Gaussian e = exp(−‖p − c‖²/(2s²)).
    fn well_terms(x: ArrayView1<'_, f64>, centre: [f64; 2], width: f64) -> ([f64; 2], f64, f64) {
        let dx = [x[0] - centre[0], x[1] - centre[1]];
        let inv = 1.0 / (width * width);
        let e = (-0.5 * (dx[0] * dx[0] + dx[1] * dx[1]) * inv).exp();
        (dx, inv, e)
    }
}

impl Default for SharpFlat {
    /// The default widths, 0.15 for the sharp well and 0.7 for the flat one.
    fn default() -> Self {
        Self::new(0.15, 0.7)
    }
}

impl Objective for SharpFlat {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        self.wells()
            .into_iter()
            .map(|(c, s)| -Self::well_terms(x, c, s).2)
            .sum()
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        // ∇f = Σₖ eₖ (p − cₖ) / sₖ².
        let (mut gx, mut gy) = (0.0, 0.0);
        for (c, s) in self.wells() {
            let (dx, inv, e) = Self::well_terms(x, c, s);
            gx += e * dx[0] * inv;
            gy += e * dx[1] * inv;
        }
        g[0] = gx;
        g[1] = gy;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        // ∇²f = Σₖ eₖ [I / sₖ² − (p − cₖ)(p − cₖ)ᵀ / sₖ⁴].
        let (mut hxx, mut hxy, mut hyy) = (0.0, 0.0, 0.0);
        for (c, s) in self.wells() {
            let (dx, inv, e) = Self::well_terms(x, c, s);
            hxx += e * inv * (1.0 - dx[0] * dx[0] * inv);
            hxy -= e * inv * inv * dx[0] * dx[1];
            hyy += e * inv * (1.0 - dx[1] * dx[1] * inv);
        }
        write_hessian_2d(h, hxx, hxy, hyy);
    }

    fn bounds(&self) -> ViewBounds {
        view((-2.5, 3.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        refined_minima(self, &[&Self::SHARP_CENTRE, &Self::FLAT_CENTRE])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    // ---- The functions under test. ----

    /// Every function, with its default and some other parameters, and for d = 1, 2, 3, 5
    /// where it has a dimension (d = 2, 3, 5 for Rosenbrock).
    fn cases() -> Vec<(String, Box<dyn Objective>)> {
        let mut cases: Vec<(String, Box<dyn Objective>)> = vec![
            (
                "Quadratic(10, 30)".into(),
                Box::new(Quadratic::new(10.0, 30.0)),
            ),
            ("Quadratic(1, 0)".into(), Box::new(Quadratic::new(1.0, 0.0))),
            (
                "Quadratic(0.1, 135)".into(),
                Box::new(Quadratic::new(0.1, 135.0)),
            ),
            (
                "Quadratic(100, -20)".into(),
                Box::new(Quadratic::new(100.0, -20.0)),
            ),
            ("Himmelblau".into(), Box::new(Himmelblau::new())),
            ("Beale".into(), Box::new(Beale::new())),
            ("Booth".into(), Box::new(Booth::new())),
            ("SixHumpCamel".into(), Box::new(SixHumpCamel::new())),
            ("Branin".into(), Box::new(Branin::new())),
            ("GoldsteinPrice".into(), Box::new(GoldsteinPrice::new())),
            ("Saddle".into(), Box::new(Saddle::new())),
            ("MonkeySaddle".into(), Box::new(MonkeySaddle::new())),
            ("DoubleWell".into(), Box::new(DoubleWell::new())),
            ("SharpFlat default".into(), Box::new(SharpFlat::default())),
            (
                "SharpFlat(0.3, 0.5)".into(),
                Box::new(SharpFlat::new(0.3, 0.5)),
            ),
            (
                "Rosenbrock(1.5, 100, 2)".into(),
                Box::new(Rosenbrock::new(1.5, 100.0, 2)),
            ),
            (
                "Rosenbrock(-0.5, 10, 3)".into(),
                Box::new(Rosenbrock::new(-0.5, 10.0, 3)),
            ),
        ];
        for d in [2, 3, 5] {
            cases.push((
                format!("Rosenbrock d={d}"),
                Box::new(Rosenbrock::new(1.0, 100.0, d)),
            ));
        }
        for d in [1, 2, 3, 5] {
            cases.push((format!("Sphere d={d}"), Box::new(Sphere::new(d))));
            cases.push((format!("Rastrigin d={d}"), Box::new(Rastrigin::new(d))));
            cases.push((format!("Ackley d={d}"), Box::new(Ackley::new(d))));
            cases.push((
                format!("StyblinskiTang d={d}"),
                Box::new(StyblinskiTang::new(d)),
            ));
        }
        cases
    }

    /// Maps unit-cube coordinates `u` into the view window: coordinate 1 uses the y range and
    /// every other coordinate the x range.
    fn point_in_bounds(objective: &dyn Objective, u: &[f64]) -> Vector {
        let b = objective.bounds();
        Vector::from_shape_fn(objective.dim(), |i| {
            let (lo, hi) = if i == 1 { b.y } else { b.x };
            lo + (hi - lo) * u[i]
        })
    }

    /// Compares the gradient with central differences of the value, the Hessian with central
    /// differences of the gradient, and checks that the Hessian is exactly symmetric.
    ///
    /// The tolerance is 1e-5 (1 + |analytic|) for truncation error plus 1e-9 times the size of
    /// the differenced quantity, which bounds the rounding error (about 1e-10 relative for the
    /// step 1e-6 (1 + |xⱼ|)).
    fn check_derivatives(
        name: &str,
        objective: &dyn Objective,
        x: &Vector,
    ) -> Result<(), TestCaseError> {
        let n = objective.dim();
        let f = objective.value(x.view());
        let g = objective.gradient(x.view());
        let h = objective.hessian(x.view());
        prop_assert!(f.is_finite(), "{name}: f({x}) = {f}");
        for j in 0..n {
            let mut xp = x.clone();
            let mut xm = x.clone();
            xp[j] += 1e-6 * (1.0 + x[j].abs());
            xm[j] -= 1e-6 * (1.0 + x[j].abs());
            // The representable step, so that the quotient has no error from the step itself.
            let step = xp[j] - xm[j];

            let fp = objective.value(xp.view());
            let fm = objective.value(xm.view());
            let fd = (fp - fm) / step;
            let tol = 1e-5 * (1.0 + g[j].abs()) + 1e-9 * f.abs().max(fp.abs()).max(fm.abs());
            prop_assert!(
                (g[j] - fd).abs() <= tol,
                "{name}: gradient[{j}] at {x}: analytic {} vs finite difference {fd}",
                g[j]
            );

            let gp = objective.gradient(xp.view());
            let gm = objective.gradient(xm.view());
            let scale = max_norm(&gp).max(max_norm(&gm));
            for i in 0..n {
                let fd = (gp[i] - gm[i]) / step;
                let tol = 1e-5 * (1.0 + h[[i, j]].abs()) + 1e-9 * scale;
                prop_assert!(
                    (h[[i, j]] - fd).abs() <= tol,
                    "{name}: hessian[{i}, {j}] at {x}: analytic {} vs finite difference {fd}",
                    h[[i, j]]
                );
            }
        }
        for i in 0..n {
            for j in 0..i {
                prop_assert!(
                    h[[i, j]] == h[[j, i]],
                    "{name}: Hessian not symmetric at {x}: h[{i},{j}] = {} but h[{j},{i}] = {}",
                    h[[i, j]],
                    h[[j, i]]
                );
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn derivatives_match_finite_differences(u in prop::collection::vec(0.0_f64..=1.0, 5)) {
            for (name, objective) in cases() {
                let x = point_in_bounds(objective.as_ref(), &u);
                check_derivatives(&name, objective.as_ref(), &x)?;
            }
        }
    }

    #[test]
    fn minima_have_stated_values_and_vanishing_gradients() {
        for (name, objective) in cases() {
            for m in objective.minima() {
                assert_eq!(m.x.len(), objective.dim(), "{name}: {m:?}");
                let x = ArrayView1::from(&m.x);
                let f = objective.value(x);
                assert!(
                    (f - m.f).abs() <= 1e-9 * m.f.abs() + 1e-15,
                    "{name}: f at {:?} is {f}, stated {}",
                    m.x,
                    m.f
                );
                let g = max_norm(&objective.gradient(x));
                assert!(g < 1e-8, "{name}: gradient max-norm at {:?} is {g}", m.x);
                assert!(
                    is_strict_local_minimum(objective.as_ref(), &m.x),
                    "{name}: {:?} is not a strict local minimum",
                    m.x
                );
            }
        }
    }

    #[test]
    fn exact_minima_have_exactly_zero_gradient() {
        let exact: Vec<(Box<dyn Objective>, Vec<f64>)> = vec![
            (Box::new(Quadratic::new(10.0, 30.0)), vec![0.0, 0.0]),
            (Box::new(Rosenbrock::default()), vec![1.0, 1.0]),
            (Box::new(Rosenbrock::new(2.0, 100.0, 2)), vec![2.0, 4.0]),
            (Box::new(Rosenbrock::new(1.0, 100.0, 5)), vec![1.0; 5]),
            (Box::new(Sphere::new(3)), vec![0.0; 3]),
            (Box::new(Himmelblau::new()), vec![3.0, 2.0]),
            (Box::new(Beale::new()), vec![3.0, 0.5]),
            (Box::new(Booth::new()), vec![1.0, 3.0]),
            (Box::new(Rastrigin::new(3)), vec![0.0; 3]),
            (Box::new(Ackley::new(3)), vec![0.0; 3]),
            (Box::new(GoldsteinPrice::new()), vec![0.0, -1.0]),
            (Box::new(Saddle::new()), vec![0.0, 1.0]),
            (Box::new(Saddle::new()), vec![0.0, -1.0]),
            (Box::new(DoubleWell::new()), vec![1.0, 0.0]),
            (Box::new(DoubleWell::new()), vec![-1.0, 0.0]),
        ];
        for (objective, x) in exact {
            let listed = objective.minima();
            let m = listed.iter().find(|m| m.x == x);
            assert!(m.is_some(), "{x:?} is not listed among {listed:?}");
            let x = ArrayView1::from(&x);
            assert!(
                objective.gradient(x).iter().all(|&v| v == 0.0),
                "gradient at {x} is {}",
                objective.gradient(x)
            );
            let f = objective.value(x);
            assert!(
                m.is_some_and(|m| m.f == f),
                "value at {x} is {f}, listed {m:?}"
            );
        }
    }

    #[test]
    fn refined_minima_agree_with_literature() {
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol;

        let himmelblau = Himmelblau::new().minima();
        assert_eq!(himmelblau.len(), 4);
        let literature = [
            [3.0, 2.0],
            [-2.805_118_086_952_745, 3.131_312_518_250_573],
            [-3.779_310_253_377_747, -3.283_185_991_286_169],
            [3.584_428_340_330_492, -1.848_126_526_964_404],
        ];
        for (m, l) in himmelblau.iter().zip(literature) {
            assert!(
                close(m.x[0], l[0], 1e-12) && close(m.x[1], l[1], 1e-12),
                "{m:?}"
            );
            assert!(m.f.abs() < 1e-20, "{m:?}");
        }

        let camel = SixHumpCamel::new().minima();
        assert_eq!(camel.len(), 2);
        for (m, sign) in camel.iter().zip([1.0, -1.0]) {
            assert!(close(m.x[0], sign * 0.089_842_013_100_3, 1e-11), "{m:?}");
            assert!(close(m.x[1], -sign * 0.712_656_403_021, 1e-11), "{m:?}");
            assert!(close(m.f, -1.031_628_453_489_877, 1e-14), "{m:?}");
        }
        assert_eq!(camel[0].x[0], -camel[1].x[0]);
        assert_eq!(camel[0].x[1], -camel[1].x[1]);

        let branin = Branin::new().minima();
        assert_eq!(branin.len(), 3);
        for (m, y) in branin.iter().zip([12.275, 2.275, 2.475]) {
            assert!(close(m.x[1], y, 1e-13), "{m:?}");
            assert!(close(m.f, 0.397_887_357_729_738, 1e-14), "{m:?}");
        }

        for d in [1, 2, 3, 5] {
            let st = StyblinskiTang::new(d).minima();
            assert_eq!(st.len(), 1);
            assert!(
                st[0]
                    .x
                    .iter()
                    .all(|&v| close(v, -2.903_534_027_771_178, 1e-14))
            );
            assert!(
                close(st[0].f / d as f64, -39.166_165_703_771_42, 1e-12),
                "{st:?}"
            );
        }

        let sf = SharpFlat::default().minima();
        assert_eq!(sf.len(), 2);
        assert!(close(sf[0].x[0], -1.0, 1e-3) && sf[0].x[0] > -1.0, "{sf:?}");
        assert!(sf[0].x[1] == 0.0 && sf[1].x[1] == 0.0, "{sf:?}");
        assert!(close(sf[1].x[0], 1.2, 1e-12), "{sf:?}");
        assert!(sf[0].f < -1.0 && close(sf[1].f, -1.0, 1e-12), "{sf:?}");
    }

    #[test]
    fn functions_without_minima_or_with_saddles_list_no_spurious_minima() {
        assert!(MonkeySaddle::new().minima().is_empty());
        assert!(Quadratic::new(-1.0, 0.0).minima().is_empty());
        assert!(Rosenbrock::new(2.0, 100.0, 3).minima().is_empty());
        // Two equally wide wells close together merge into one minimum between them.
        let merged = SharpFlat::new(2.0, 2.0).minima();
        assert_eq!(merged.len(), 1, "{merged:?}");
    }

    #[test]
    fn quadratic_hessian_is_diagonal_at_right_angles() {
        let origin = Vector::zeros(2);
        let kappa = 7.5;
        let h0 = Quadratic::new(kappa, 0.0).hessian(origin.view());
        assert_eq!(h0, ndarray::arr2(&[[kappa, 0.0], [0.0, 1.0]]));
        let h90 = Quadratic::new(kappa, 90.0).hessian(origin.view());
        assert_eq!(h90, ndarray::arr2(&[[1.0, 0.0], [0.0, kappa]]));
        let h450 = Quadratic::new(kappa, 450.0).hessian(origin.view());
        assert_eq!(h450, h90);
        // At 45 degrees the eigenvalue kappa belongs to the direction (1, 1) / √2.
        let h45 = Quadratic::new(kappa, 45.0).hessian(origin.view());
        let v = ndarray::arr1(&[1.0, 1.0]) / 2.0_f64.sqrt();
        let hv = h45.dot(&v);
        assert!(
            (&hv - &(kappa * &v)).iter().all(|e| e.abs() < 1e-14),
            "{hv}"
        );
    }

    #[test]
    fn ackley_is_finite_at_and_near_the_origin() {
        for d in [1, 2, 3, 5] {
            let ackley = Ackley::new(d);
            let origin = Vector::zeros(d);
            assert_eq!(ackley.value(origin.view()), 0.0);
            assert!(ackley.gradient(origin.view()).iter().all(|&v| v == 0.0));
            let h = ackley.hessian(origin.view());
            let expected = 4.0 * PI * PI * E / d as f64;
            for i in 0..d {
                for j in 0..d {
                    let want = if i == j { expected } else { 0.0 };
                    assert!((h[[i, j]] - want).abs() <= 1e-12 * expected, "{h}");
                }
            }
            for tiny in [1e-3, 1e-100, 1e-170, 1e-310, f64::MIN_POSITIVE / 8.0] {
                let mut x = Vector::zeros(d);
                x[0] = tiny;
                let g = ackley.gradient(x.view());
                let h = ackley.hessian(x.view());
                assert!(ackley.value(x.view()).is_finite());
                assert!(g.iter().all(|v| v.is_finite()), "d = {d}, x0 = {tiny}: {g}");
                assert!(h.iter().all(|v| v.is_finite()), "d = {d}, x0 = {tiny}: {h}");
                // Along a coordinate axis the cone's slope is 4 / √d.
                let slope = 4.0 / (d as f64).sqrt();
                assert!(
                    (g[0] - slope).abs() < 0.1 * slope,
                    "d = {d}, x0 = {tiny}: {g}"
                );
                // Along the radial direction the curvature stays bounded: the cone contributes
                // −0.8 e^(−0.2r) / d and the cosine term about 4π² e / d.
                let radial = -0.8 * (-0.2 * ackley.radius(x.view()).2).exp() / d as f64;
                let want = radial + expected * (TAU * tiny).cos();
                assert!(
                    (h[[0, 0]] - want).abs() <= 1e-3 * want.abs(),
                    "d = {d}, x0 = {tiny}: {h}"
                );
            }
        }
    }

    #[test]
    fn bounds_are_as_specified() {
        let rosenbrock = Rosenbrock::default().bounds();
        assert_eq!((rosenbrock.x, rosenbrock.y), ((-2.0, 2.0), (-1.0, 3.0)));
        let branin = Branin::new().bounds();
        assert_eq!((branin.x, branin.y), ((-5.0, 10.0), (0.0, 15.0)));
        let sharp_flat = SharpFlat::default().bounds();
        assert_eq!((sharp_flat.x, sharp_flat.y), ((-2.5, 3.0), (-2.0, 2.0)));
        for (name, objective) in cases() {
            let b = objective.bounds();
            assert!(b.x.0 < b.x.1 && b.y.0 < b.y.1, "{name}: {b:?}");
            for m in objective.minima() {
                assert!(
                    m.x[0] >= b.x.0 && m.x[0] <= b.x.1,
                    "{name}: {m:?} outside {b:?}"
                );
                if m.x.len() > 1 {
                    assert!(
                        m.x[1] >= b.y.0 && m.x[1] <= b.y.1,
                        "{name}: {m:?} outside {b:?}"
                    );
                }
            }
        }
    }
}
