//! Many minima: rugged and multimodal benchmarks.

use super::*;

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

    fn hvp_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        mut out: ArrayViewMut1<'_, f64>,
    ) {
        debug_assert_eq!(x.len(), self.d);
        for i in 0..self.d {
            out[i] = (2.0 + 10.0 * TAU * TAU * (TAU * x[i]).cos()) * v[i];
        }
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
    pub(super) fn radius(&self, x: ArrayView1<'_, f64>) -> (f64, f64, f64) {
        let m = x.iter().fold(0.0_f64, |m, &v| m.max(v.abs()));
        if m == 0.0 || !m.is_finite() {
            return (m, 0.0, m);
        }
        let s: f64 = x.iter().map(|&v| (v / m) * (v / m)).sum();
        (m, s, m * (s / self.d as f64).sqrt())
    }

    /// The cone term's curvatures at radius r: across the radius and along it (both 0 at the
    /// origin; see the type's documentation).
    fn cone_curvature(&self, r: f64) -> (f64, f64) {
        if r > 0.0 {
            let d = self.d as f64;
            let decay = (-0.2 * r).exp();
            (
                4.0 * decay / (d * r.max(Self::MIN_CURVATURE_RADIUS)),
                0.8 * decay / d,
            )
        } else {
            (0.0, 0.0)
        }
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
        let (across, radial) = self.cone_curvature(r);
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

    fn hvp_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        mut out: ArrayViewMut1<'_, f64>,
    ) {
        debug_assert_eq!(x.len(), self.d);
        let d = self.d as f64;
        let (m, s, r) = self.radius(x);
        // The Hessian written in `hessian_into` is
        //   across·I − (across + radial)/s · w wᵀ + wave·diag(cos 2πx) − (wave/d) · σ σᵀ
        // with w = x / m and σ = sin 2πx, so the product needs two dot products.
        let wave = TAU * TAU * self.cosine_exp(x) / d;
        let (across, radial) = self.cone_curvature(r);
        let scaled = |k: usize| if r > 0.0 { x[k] / m } else { 0.0 };
        let (mut wv, mut sv) = (0.0, 0.0);
        for k in 0..self.d {
            wv += scaled(k) * v[k];
            sv += (TAU * x[k]).sin() * v[k];
        }
        let rank_one = if r > 0.0 {
            (across + radial) * wv / s
        } else {
            0.0
        };
        for i in 0..self.d {
            out[i] = across * v[i] - rank_one * scaled(i) + wave * (TAU * x[i]).cos() * v[i]
                - wave / d * (TAU * x[i]).sin() * sv;
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

    hvp_via_2x2_hessian!();

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

    hvp_via_2x2_hessian!();

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

    fn hvp_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        mut out: ArrayViewMut1<'_, f64>,
    ) {
        debug_assert_eq!(x.len(), self.d);
        for i in 0..self.d {
            out[i] = (6.0 * x[i] * x[i] - 16.0) * v[i];
        }
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
