//! Newton-like steps with a positive semi-definite stand-in for the Hessian: Gauss–Newton's
//! JᵀJ for least squares, and the Fisher metric for the natural gradient.
//!
//! ## References
//! - Gauss (1809); Nocedal & Wright (2006), *Numerical Optimization*, §10.3: for f = Σ rᵢ²,
//!   ∇f = 2Jᵀr and ∇²f ≈ 2JᵀJ, so the step solves (JᵀJ + λI)d = Jᵀr. The matrix is positive
//!   semi-definite, so the step is one of descent and Gauss–Newton is not drawn to saddles.
//! - Amari (1998), "Natural gradient works efficiently in learning", Neural Computation 10:
//!   x ← x − η(F + λI)⁻¹∇f, steepest descent in the geometry of the model's distributions,
//!   which does not depend on how the parameters are written.

use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::{Matrix, Vector, cholesky_in_place, cholesky_solve_in_place};
use crate::params::Params;

crate::params! {
    /// Gauss–Newton, optionally damped.
    pub struct GaussNewtonConfig {
        /// Step scale η; 1 is the full Gauss–Newton step.
        lr: f64 = 1.0, "step scale η", (1e-3, 1.0), Log, Positive, live;
        /// Damping λ added to JᵀJ's diagonal (Levenberg's damping, fixed).
        damping: f64 = 0.0, "damping λ", (0.0, 100.0), Linear, NonNegative, live;
    }
}

crate::params! {
    /// The natural gradient.
    pub struct NaturalGradientConfig {
        /// Learning rate η.
        lr: f64 = 0.1, "learning rate η", (1e-3, 1.0), Log, Positive, live;
        /// Damping λ added to the Fisher metric's diagonal.
        damping: f64 = 0.0, "damping λ", (0.0, 1.0), Linear, NonNegative, live;
    }
}

const DIAGNOSTICS: [Diagnostic; 1] = [Diagnostic {
    key: "step_norm",
    name: "step length ‖s‖",
    log: true,
}];

impl MethodConfig for GaussNewtonConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(GaussNewton {
            c: self.clone(),
            m: Metric::new(dim),
            r: Vector::zeros(0),
            j: Matrix::zeros((0, dim)),
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        Needs {
            residuals: true,
            ..Needs::VALUES
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Gauss (1809); Nocedal & Wright (2006), §10.3"
    }
}

impl MethodConfig for NaturalGradientConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(NaturalGradient {
            c: self.clone(),
            m: Metric::new(dim),
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        Needs {
            gradient: true,
            fisher: true,
            ..Needs::VALUES
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Amari (1998), Natural gradient works efficiently in learning"
    }
}

/// The shared part: a gradient, a metric G, its factor, and the step d = (G + λI)⁻¹g.
#[derive(Clone)]
struct Metric {
    g: Vector,
    metric: Matrix,
    factor: Matrix,
    d: Vector,
    from: Vector,
    to: Vector,
    taken: bool,
    step_norm: f64,
}

impl Metric {
    fn new(dim: usize) -> Self {
        let z = Vector::zeros(dim);
        let m = Matrix::zeros((dim, dim));
        Self {
            g: z.clone(),
            metric: m.clone(),
            factor: m,
            d: z.clone(),
            from: z.clone(),
            to: z,
            taken: false,
            step_norm: f64::NAN,
        }
    }

    /// Takes x ← x − η(G + λI)⁻¹g.
    fn step(&mut self, x: &mut Vector, lr: f64, damping: f64) -> Result<(), Halt> {
        self.factor.assign(&self.metric);
        self.factor.diag_mut().mapv_inplace(|v| v + damping);
        if !cholesky_in_place(&mut self.factor) {
            return Err(Halt::SingularHessian);
        }
        self.d.assign(&self.g);
        cholesky_solve_in_place(&self.factor, &mut self.d);
        self.from.assign(x);
        x.scaled_add(-lr, &self.d);
        self.to.assign(x);
        self.step_norm = lr * self.d.dot(&self.d).sqrt();
        self.taken = true;
        Ok(())
    }

    /// The step as an arrow; `model` adds the quadratic model f + gᵀz + ½zᵀ(2G)z … drawn with
    /// the given curvature, `ellipse` the metric's ellipse {x + G^(−½)w}.
    fn draw(&self, out: &mut Overlay, model_scale: Option<f64>, ellipse: bool) {
        if !self.taken {
            return;
        }
        let from = out.vector(self.from.view());
        let to = out.vector(self.to.view());
        if let Some(k) = model_scale {
            let gradient = out.vector_along(self.g.view(), k - 1.0, self.g.view());
            let (hessian, mut h) = out.matrix_mut();
            h.assign(&self.metric);
            h *= k;
            out.draw(
                Role::Model,
                Shape::Model {
                    centre: from,
                    gradient,
                    hessian,
                },
            );
        }
        if ellipse && self.metric.nrows() <= 64 {
            // The ellipse of G⁻¹ (the directions the metric makes cheap), at the step's start.
            let n = self.metric.nrows();
            let (shape, mut inv) = out.matrix_mut();
            for j in 0..n {
                let mut col = inv.column_mut(j);
                col[j] = 1.0;
                cholesky_solve_in_place(&self.factor, &mut col);
            }
            out.draw(
                Role::FisherMetric,
                Shape::Ellipse {
                    centre: from,
                    shape,
                },
            );
        }
        out.draw(Role::Step, Shape::Arrow(from, to));
    }
}

/// Gauss–Newton for f = Σ rᵢ²: d = (JᵀJ + λI)⁻¹Jᵀr.
#[derive(Clone)]
struct GaussNewton {
    c: GaussNewtonConfig,
    m: Metric,
    /// The residuals and their Jacobian (sized at the first step).
    r: Vector,
    j: Matrix,
}

impl Optimizer for GaussNewton {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.residuals_into(x.view(), &mut self.r);
        oracle.jacobian_into(x.view(), &mut self.j);
        // g = Jᵀr (half the gradient) and G = JᵀJ; the factor 2 cancels in the step.
        ndarray::linalg::general_mat_vec_mul(1.0, &self.j.t(), &self.r, 0.0, &mut self.m.g);
        // JᵀJ by hand: the matrix product would allocate packing buffers on every call.
        let d = self.m.metric.nrows();
        for a in 0..d {
            for b in a..d {
                let s = self.j.column(a).dot(&self.j.column(b));
                self.m.metric[[a, b]] = s;
                self.m.metric[[b, a]] = s;
            }
        }
        if self.m.g.iter().all(|v| *v == 0.0) {
            return Ok(());
        }
        self.m.step(x, self.c.lr, self.c.damping)
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The step, and the Gauss–Newton model f + 2(Jᵀr)ᵀz + zᵀJᵀJz it minimised.
    fn overlay(&self, out: &mut Overlay) {
        self.m.draw(out, Some(2.0), false);
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.m.step_norm;
    }
}

/// The natural gradient: x ← x − η(F + λI)⁻¹∇f.
#[derive(Clone)]
struct NaturalGradient {
    c: NaturalGradientConfig,
    m: Metric,
}

impl Optimizer for NaturalGradient {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.m.g);
        oracle.fisher_into(x.view(), &mut self.m.metric);
        self.m.step(x, self.c.lr, self.c.damping)
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The step and the ellipse of F⁻¹: the directions that change the distribution least.
    fn overlay(&self, out: &mut Overlay) {
        self.m.draw(out, None, true);
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.m.step_norm;
    }
}
