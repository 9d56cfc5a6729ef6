//! Second-order methods: curvature from the exact Hessian.
//!
//! ## Reference
//! - Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., chapter 3 (Newton's method) and
//!   chapter 10 (damping as in Levenberg 1944 and Marquardt 1963).
//! - Boyd & Vandenberghe (2004), *Convex Optimization*, §9.5.1: the Newton decrement
//!   λ(x) = (∇fᵀ H⁻¹ ∇f)^½, reported as a diagnostic.
//! - Armijo (1966) and Nocedal & Wright §3.1, Algorithm 3.1: backtracking from the full step.

use super::line_search::{LineSearch, is_positive};
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::{Matrix, Vector, solve_in_place};
use crate::params::Params;

crate::params! {
    /// Newton's method: x ← x − η (H + λI)⁻¹ ∇f.
    pub struct NewtonConfig {
        /// Step scale η; 1 is the pure Newton step.
        lr: f64 = 1.0, "step scale η", (1e-3, 1.0), Log, Positive, live;
        /// Damping λ added to the Hessian's diagonal; 0 is the pure Newton step.
        damping: f64 = 0.0, "damping λ", (0.0, 100.0), Linear, NonNegative, live;
        /// Armijo backtracking from the full step η, instead of taking it as it is.
        line_search: bool = false, "Armijo line search", (0, 1), Linear, Finite, live;
        /// Sufficient-decrease constant c₁ of the Armijo search.
        c1: f64 = 1e-4, "c₁, the sufficient decrease", (1e-6, 0.5), Log, Within(1e-12, 0.999), live;
        /// Factor ρ by which the Armijo search shrinks a refused step.
        shrink: f64 = 0.5, "ρ, the backtracking factor", (0.1, 0.9), Linear, Within(0.01, 0.99), live;
    }
}

const DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "newton_decrement",
        name: "Newton decrement λ(x)",
        log: true,
    },
    Diagnostic {
        key: "step_length",
        name: "step length taken (η, or the search's α)",
        log: true,
    },
];

impl MethodConfig for NewtonConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Newton {
            c: self.clone(),
            g: Vector::zeros(dim),
            dir: Vector::zeros(dim),
            h: Matrix::zeros((dim, dim)),
            lu: Matrix::zeros((dim, dim)),
            from: Vector::zeros(dim),
            centre: Vector::zeros(dim),
            taken: false,
            decrement: f64::NAN,
            alpha: f64::NAN,
            search: LineSearch::new(dim),
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        Needs {
            gradient: true,
            hessian: true,
            ..Needs::VALUES
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Nocedal & Wright (2006), Numerical Optimization, ch. 3"
    }
}

/// Copies between owned arrays of one shape (contiguous, so a plain memory copy).
fn copy<D: ndarray::Dimension>(to: &mut ndarray::Array<f64, D>, from: &ndarray::Array<f64, D>) {
    match (to.as_slice_mut(), from.as_slice()) {
        (Some(t), Some(f)) => t.copy_from_slice(f),
        _ => to.assign(from),
    }
}

/// Newton's method with optional damping and step scale.
#[derive(Clone)]
struct Newton {
    c: NewtonConfig,
    /// ∇f at the point the last step was taken from.
    g: Vector,
    /// The last Newton direction (H + λI)⁻¹∇f.
    dir: Vector,
    /// H + λI at that point (the local model's curvature).
    h: Matrix,
    /// Scratch for the factorisation, so that `h` survives for the overlay.
    lu: Matrix,
    /// The point the last step was taken from.
    from: Vector,
    /// The stationary point of the model, from − (H + λI)⁻¹∇f.
    centre: Vector,
    /// Whether a step has been taken.
    taken: bool,
    /// The Newton decrement λ(x) = (∇fᵀ(H + λI)⁻¹∇f)^½ at the last step's start.
    decrement: f64,
    /// The step length of the last step along −(H + λI)⁻¹∇f.
    alpha: f64,
    /// The Armijo search, when on.
    search: LineSearch,
}

impl Optimizer for Newton {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        oracle.hessian_into(x.view(), &mut self.h);
        if self.c.damping != 0.0 {
            self.h.diag_mut().mapv_inplace(|d| d + self.c.damping);
        }
        copy(&mut self.lu, &self.h);
        copy(&mut self.dir, &self.g);
        if !solve_in_place(&mut self.lu, &mut self.dir) {
            return Err(Halt::SingularHessian);
        }
        copy(&mut self.from, x);
        copy(&mut self.centre, x);
        self.centre.scaled_add(-1.0, &self.dir);
        self.taken = true;
        let gd = self.g.dot(&self.dir);
        self.decrement = gd.abs().sqrt();
        self.alpha = self.c.lr;
        if !self.c.line_search {
            self.search.clear();
            x.scaled_add(-self.c.lr, &self.dir);
            return Ok(());
        }
        // The search runs along p = −dir. Where H + λI is indefinite, p may point uphill; the
        // search then runs along −∇f instead, so that the step is one of descent.
        self.dir.mapv_inplace(|v| -v);
        if !is_positive(gd) {
            copy(&mut self.dir, &self.g);
            self.dir.mapv_inplace(|v| -v);
        }
        let f0 = oracle.value(x.view());
        let dphi0 = self.g.dot(&self.dir);
        let found = self.search.armijo(
            x,
            f0,
            dphi0,
            &self.dir,
            self.c.lr,
            self.c.c1,
            self.c.shrink,
            oracle,
        );
        // `dir` is kept as the direction of −(step), as without the search.
        self.dir.mapv_inplace(|v| -v);
        match found {
            Some(a) => {
                self.alpha = a.alpha;
                x.scaled_add(-a.alpha, &self.dir);
                Ok(())
            }
            // No decrease even along −∇f: f is flat to rounding here; stay.
            None => {
                self.alpha = 0.0;
                Ok(())
            }
        }
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The last step as an arrow, and the contours of the quadratic model
    /// m₂(x₀ + z) = f(x₀) + ∇fᵀz + ½ zᵀ(H + λI)z built at its start x₀, whose stationary point is
    /// x₀ − (H + λI)⁻¹∇f (where a step with η = 1 lands).
    fn overlay(&self, out: &mut Overlay) {
        if !self.taken {
            return;
        }
        let from = out.vector(self.from.view());
        let to = out.vector_along(self.from.view(), -self.alpha, self.dir.view());
        let centre = out.vector(self.centre.view());
        let gradient = out.vector(self.g.view());
        let hessian = out.matrix(self.h.view());
        out.draw(
            Role::Model,
            Shape::Model {
                centre: from,
                gradient,
                hessian,
            },
        );
        out.draw(Role::ModelCentre, Shape::Point(centre));
        self.search.draw(&self.from, &self.dir, -1.0, out);
        out.draw(Role::Step, Shape::Arrow(from, to));
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.alpha)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.decrement;
        out[1] = self.alpha;
    }
}
