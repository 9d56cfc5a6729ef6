//! Typed objectives: a formula in x and y (or x1 … xn) that the user writes, with exact
//! gradients, Hessians and Hessian-vector products by forward-mode automatic differentiation
//! ([`super::expr`]), a window the user sets, and minima found numerically.

use ndarray::{ArrayView1, ArrayViewMut1, ArrayViewMut2};

use super::expr::{Expr, MAX_DIM};
use super::{Minimum, Objective, ProblemConfig, ViewBounds};
use crate::linalg::{Matrix, Vector, cholesky_in_place, cholesky_solve_in_place};
use crate::params::{ParamMeta, ParamMut, ParamValue, Params, Scale, Valid};

/// The formula a new typed objective starts with (the example: Rosenbrock with a ripple).
pub const DEFAULT_FORMULA: &str = "(1-x)^2 + 100*(y-x^2)^2 + 0.5*sin(3*x)";

/// A typed objective: the formula and the window it is drawn in.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExprConfig {
    /// The formula, for example `(1-x)^2 + 100*(y-x^2)^2`.
    pub f: String,
    /// The window's x range.
    pub x_min: f64,
    /// The window's x range.
    pub x_max: f64,
    /// The window's y range.
    pub y_min: f64,
    /// The window's y range.
    pub y_max: f64,
}

impl Default for ExprConfig {
    fn default() -> Self {
        Self {
            f: DEFAULT_FORMULA.into(),
            x_min: -2.0,
            x_max: 2.0,
            y_min: -1.0,
            y_max: 3.0,
        }
    }
}

/// The metadata of the window's four parameters.
fn window_meta(key: &'static str, name: &'static str, doc: &'static str) -> ParamMeta {
    ParamMeta {
        key,
        name,
        doc,
        range: (-20.0, 20.0),
        scale: Scale::Linear,
        valid: Valid::Finite,
        live: false,
        options: &[],
    }
}

/// The window's parameters in order, with their metadata.
const WINDOW: [(&str, &str, &str); 4] = [
    (
        "x_min",
        "window: x from",
        "The left edge of the drawn window.",
    ),
    (
        "x_max",
        "window: x to",
        "The right edge of the drawn window.",
    ),
    (
        "y_min",
        "window: y from",
        "The bottom edge of the drawn window.",
    ),
    ("y_max", "window: y to", "The top edge of the drawn window."),
];

impl Params for ExprConfig {
    /// The window; the formula itself is text and edited in its own field.
    fn params(&self) -> Vec<(ParamMeta, ParamValue)> {
        let values = [self.x_min, self.x_max, self.y_min, self.y_max];
        WINDOW
            .iter()
            .zip(values)
            .map(|((k, n, d), v)| (window_meta(k, n, d), ParamValue::F64(v)))
            .collect()
    }

    fn params_mut(&mut self) -> Vec<(ParamMeta, ParamMut<'_>)> {
        let values = [
            &mut self.x_min,
            &mut self.x_max,
            &mut self.y_min,
            &mut self.y_max,
        ];
        WINDOW
            .iter()
            .zip(values)
            .map(|((k, n, d), v)| (window_meta(k, n, d), ParamMut::F64(v)))
            .collect()
    }
}

impl ProblemConfig for ExprConfig {
    fn build(&self) -> Box<dyn Objective> {
        // Validation parsed the formula already; a formula that fails here (it cannot) would
        // give the zero function rather than a panic.
        let expr = Expr::parse(&self.f)
            .or_else(|_| Expr::parse("0"))
            .unwrap_or_else(|_| unreachable!("`0` parses"));
        Box::new(ExprObjective::new(expr, self.bounds()))
    }

    fn default_start(&self) -> Vec<f64> {
        let d = Expr::parse(&self.f).map_or(2, |e| e.dim());
        let mut x = vec![0.0; d];
        x[0] = self.x_min + 0.2 * (self.x_max - self.x_min);
        x[1] = self.y_min + 0.8 * (self.y_max - self.y_min);
        x
    }

    fn check(&self) -> Result<(), String> {
        Expr::parse(&self.f).map_err(|e| format!("`f`: {e}"))?;
        if !(self.x_min < self.x_max && self.y_min < self.y_max) {
            return Err(format!(
                "the window must have x_min < x_max and y_min < y_max, got x {}…{} and y {}…{}",
                self.x_min, self.x_max, self.y_min, self.y_max
            ));
        }
        Ok(())
    }
}

impl ExprConfig {
    fn bounds(&self) -> ViewBounds {
        ViewBounds {
            x: (self.x_min, self.x_max),
            y: (self.y_min, self.y_max),
        }
    }
}

/// A typed formula as an objective.
#[derive(Clone, Debug)]
pub struct ExprObjective {
    expr: Expr,
    bounds: ViewBounds,
    minima: Vec<Minimum>,
}

/// Copies a view into a stack buffer (a formula has at most [`MAX_DIM`] variables).
fn stack(x: ArrayView1<'_, f64>) -> [f64; MAX_DIM] {
    let mut buf = [0.0; MAX_DIM];
    for (b, v) in buf.iter_mut().zip(x.iter()) {
        *b = *v;
    }
    buf
}

impl ExprObjective {
    /// The objective of `expr` drawn over `bounds`; its minima are searched for in the window.
    pub fn new(expr: Expr, bounds: ViewBounds) -> Self {
        let minima = find_minima(&expr, bounds);
        Self {
            expr,
            bounds,
            minima,
        }
    }
}

impl Objective for ExprObjective {
    fn dim(&self) -> usize {
        self.expr.dim()
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let d = self.dim();
        self.expr.value(&stack(x)[..d])
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>) {
        self.value_and_gradient_into(x, g);
    }

    fn value_and_gradient_into(
        &self,
        x: ArrayView1<'_, f64>,
        mut g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        let d = self.dim();
        let mut out = [0.0; MAX_DIM];
        let f = self.expr.gradient(&stack(x)[..d], &mut out[..d]);
        for (gi, o) in g.iter_mut().zip(out) {
            *gi = o;
        }
        f
    }

    fn hvp_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        mut out: ArrayViewMut1<'_, f64>,
    ) {
        let d = self.dim();
        let mut hv = [0.0; MAX_DIM];
        self.expr.hvp(&stack(x)[..d], &stack(v)[..d], &mut hv[..d]);
        for (o, h) in out.iter_mut().zip(hv) {
            *o = h;
        }
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        let d = self.dim();
        let mut buf = [0.0; MAX_DIM * MAX_DIM];
        self.expr.hessian(&stack(x)[..d], &mut buf[..d * d]);
        for i in 0..d {
            for j in 0..d {
                h[[i, j]] = buf[i * d + j];
            }
        }
    }

    fn bounds(&self) -> ViewBounds {
        self.bounds
    }

    fn minima(&self) -> Vec<Minimum> {
        self.minima.clone()
    }

    fn minima_found_numerically(&self) -> bool {
        true
    }
}

/// The most minima marked for a typed objective.
const MAX_MINIMA: usize = 16;

/// Local minima of `expr` found by damped Newton from a 7 × 7 grid of starts over the window
/// (further coordinates start at 0): points where ∇f vanishes to 1e-9 and H is positive
/// definite, inside the window enlarged by a tenth, without repeats, lowest first.
fn find_minima(expr: &Expr, bounds: ViewBounds) -> Vec<Minimum> {
    let d = expr.dim();
    let (w, h) = (bounds.x.1 - bounds.x.0, bounds.y.1 - bounds.y.0);
    let scale = (w * w + h * h).sqrt();
    let mut found: Vec<Minimum> = Vec::new();
    for i in 0..7 {
        for j in 0..7 {
            let mut x = Vector::zeros(d);
            x[0] = bounds.x.0 + w * (i as f64 + 0.5) / 7.0;
            x[1] = bounds.y.0 + h * (j as f64 + 0.5) / 7.0;
            let Some((x, f)) = local_minimum(expr, x) else {
                continue;
            };
            let inside = x[0] >= bounds.x.0 - 0.1 * w
                && x[0] <= bounds.x.1 + 0.1 * w
                && x[1] >= bounds.y.0 - 0.1 * h
                && x[1] <= bounds.y.1 + 0.1 * h;
            let new = found.iter().all(|m| {
                let dist: f64 = m.x.iter().zip(&x).map(|(a, b)| (a - b) * (a - b)).sum();
                dist.sqrt() > 1e-6 * scale
            });
            if inside && new {
                found.push(Minimum { x: x.to_vec(), f });
            }
        }
    }
    found.sort_by(|a, b| a.f.total_cmp(&b.f));
    found.truncate(MAX_MINIMA);
    found
}

/// Damped Newton (Levenberg's damping, adapted) from `x`; the point and its value when it
/// reaches a point with ∇f ≈ 0 and H positive definite.
fn local_minimum(expr: &Expr, mut x: Vector) -> Option<(Vector, f64)> {
    let d = x.len();
    let mut g = vec![0.0; d];
    let mut hbuf = vec![0.0; d * d];
    let mut mu = 1e-3;
    for _ in 0..300 {
        let slice = x.as_slice()?;
        let f = expr.gradient(slice, &mut g);
        if !f.is_finite() || g.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let g_max = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        expr.hessian(slice, &mut hbuf);
        let h = Matrix::from_shape_vec((d, d), hbuf.clone()).ok()?;
        if g_max <= 1e-9 * (1.0 + f.abs()) {
            let mut l = h;
            return cholesky_in_place(&mut l).then_some((x, f));
        }
        let mut l = h;
        l.diag_mut().mapv_inplace(|v| v + mu);
        if !cholesky_in_place(&mut l) {
            mu *= 10.0;
            continue;
        }
        let mut s = Vector::from(g.clone());
        cholesky_solve_in_place(&l, &mut s);
        let trial = &x - &s;
        let ft = expr.value(trial.as_slice()?);
        if ft < f {
            x = trial;
            mu = (mu * 0.1).max(1e-12);
        } else {
            mu *= 10.0;
            if mu > 1e12 {
                return None;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    fn typed(f: &str) -> ExprConfig {
        ExprConfig {
            f: f.into(),
            ..ExprConfig::default()
        }
    }

    #[test]
    fn a_typed_rosenbrock_has_the_built_in_ones_derivatives() {
        let ours = typed("(1-x)^2 + 100*(y-x^2)^2").build();
        let built_in = Problem::default().build();
        for x in [[-1.5, 2.0], [0.3, -0.7], [1.0, 1.0]] {
            let x = ndarray::arr1(&x);
            let (f, f0) = (ours.value(x.view()), built_in.value(x.view()));
            assert!((f - f0).abs() <= 1e-14 * f0.abs().max(1.0), "{f} {f0}");
            let (g, h) = (ours.gradient(x.view()), ours.hessian(x.view()));
            let (g0, h0) = (built_in.gradient(x.view()), built_in.hessian(x.view()));
            for (a, b) in g.iter().zip(&g0).chain(h.iter().zip(&h0)) {
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                    "{g} {g0} {h} {h0}"
                );
            }
        }
        // Its one minimum is found, and marked as found.
        let minima = ours.minima();
        assert_eq!(minima.len(), 1, "{minima:?}");
        assert!((minima[0].x[0] - 1.0).abs() < 1e-8 && (minima[0].x[1] - 1.0).abs() < 1e-8);
        assert!(ours.minima_found_numerically());
    }

    #[test]
    fn himmelblau_typed_has_four_minima_found() {
        let c = ExprConfig {
            f: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2".into(),
            x_min: -5.0,
            x_max: 5.0,
            y_min: -5.0,
            y_max: 5.0,
        };
        let minima = c.build().minima();
        assert_eq!(minima.len(), 4, "{minima:?}");
        assert!(minima.iter().all(|m| m.f.abs() < 1e-12));
        assert!(
            minima
                .iter()
                .any(|m| (m.x[0] - 3.0).abs() < 1e-8 && (m.x[1] - 2.0).abs() < 1e-8)
        );
    }

    #[test]
    fn a_malformed_formula_or_window_is_refused_with_the_column() {
        let e = typed("(1-x)^2 + sin(x").check().unwrap_err();
        assert!(e.contains("column 14") && e.contains('('), "{e}");
        let e = typed("2x").check().unwrap_err();
        assert!(e.contains("write 2*x"), "{e}");
        let e = ExprConfig {
            x_min: 1.0,
            x_max: -1.0,
            ..ExprConfig::default()
        }
        .check()
        .unwrap_err();
        assert!(e.contains("x_min < x_max"), "{e}");
        assert!(ExprConfig::default().check().is_ok());
    }

    #[test]
    fn indexed_variables_set_the_dimension_and_the_start() {
        let c = typed("x1^2 + x2^2 + (x3 - 1)^2");
        assert_eq!(c.default_start().len(), 3);
        let f = c.build();
        assert_eq!(f.dim(), 3);
        let m = f.minima();
        assert_eq!(m.len(), 1);
        assert!((m[0].x[2] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn a_point_outside_the_domain_is_nan() {
        let f = typed("log(x) + y^2").build();
        assert!(f.value(ndarray::arr1(&[-1.0, 0.0]).view()).is_nan());
    }
}
