//! Valleys and plateaus: the classic non-convex benchmarks with curved valleys, several basins or flat regions.

use super::*;

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

    fn hvp_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        mut out: ArrayViewMut1<'_, f64>,
    ) {
        debug_assert_eq!(x.len(), self.d);
        out.fill(0.0);
        for i in 0..self.d - 1 {
            let off = -4.0 * self.b * x[i];
            out[i] += (2.0 - 4.0 * self.b * x[i + 1] + 12.0 * self.b * x[i] * x[i]) * v[i]
                + off * v[i + 1];
            out[i + 1] += off * v[i] + 2.0 * self.b * v[i + 1];
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

    hvp_via_2x2_hessian!();

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

    hvp_via_2x2_hessian!();

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

    hvp_via_2x2_hessian!();

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
