//! Quasi-Newton methods: curvature learned from gradient differences, with a strong Wolfe line
//! search. Second order in the taxonomy, yet they ask only for values and gradients.
//!
//! ## References
//! - Broyden (1970), Fletcher (1970), Goldfarb (1970), Shanno (1970): the BFGS update.
//! - Liu & Nocedal (1989), "On the limited memory BFGS method for large scale optimization",
//!   Math. Programming 45: L-BFGS and its two-loop recursion.
//! - Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., §6.1 (BFGS, the update (6.17),
//!   the initial scaling (6.20)) and §7.2 (L-BFGS, Algorithm 7.4, the scaling (7.20)).
//!
//! Both keep the value and gradient of the point their last search ended at, so a step costs
//! only its line search's evaluations, as in SciPy. If the point was moved between steps (a
//! noise channel that moves iterates), they evaluate again.

use super::line_search::{Accepted, LineSearch, Wolfe, initial_step, is_descent, is_positive};
use super::{
    Diagnostic, Halt, MAX_DENSE_DIM, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role,
    Shape,
};
use crate::linalg::{Matrix, Vector};
use crate::params::Params;

crate::choice! {
    /// How precisely the line search minimises along the search direction.
    pub enum Search {
        StrongWolfe = "strong_wolfe", "strong Wolfe (c₁, c₂)";
        Exact = "exact", "exact (c₂ = 10⁻¹²)";
    }
}

impl Search {
    /// The Wolfe constants in force.
    pub(super) fn wolfe(self, c1: f64, c2: f64) -> Wolfe {
        match self {
            Search::StrongWolfe => Wolfe { c1, c2 },
            Search::Exact => Wolfe { c1, c2: 1e-12 },
        }
    }
}

crate::params! {
    /// BFGS with a dense inverse-Hessian estimate.
    pub struct BfgsConfig {
        /// Sufficient-decrease constant c₁ of the Wolfe conditions.
        c1: f64 = 1e-4, "c₁, the sufficient decrease", (1e-6, 0.1), Log, Within(1e-12, 0.5), live;
        /// Curvature constant c₂ of the Wolfe conditions (c₁ < c₂ < 1).
        c2: f64 = 0.9, "c₂, the curvature condition", (0.1, 0.99), Linear, Within(1e-6, 0.999_999), live;
        /// Line search: strong Wolfe, or exact (the minimiser along the line, to rounding).
        search: Search = Search::StrongWolfe, "line search", (0, 0), Linear, Finite, live;
        /// Scale H₀ = I by sᵀy/yᵀy before the first update (Nocedal & Wright (6.20)); SciPy does not.
        scale_h0: bool = false, "scale H₀ before the first update", (0, 1), Linear, Finite, restart;
    }
}

crate::params! {
    /// L-BFGS: the last m curvature pairs instead of a dense matrix.
    pub struct LbfgsConfig {
        /// Memory m: how many (s, y) pairs are kept.
        m: usize = 10, "memory m (pairs kept)", (1, 30), Linear, Within(1.0, 64.0), restart;
        /// Sufficient-decrease constant c₁ of the Wolfe conditions.
        c1: f64 = 1e-4, "c₁, the sufficient decrease", (1e-6, 0.1), Log, Within(1e-12, 0.5), live;
        /// Curvature constant c₂ of the Wolfe conditions (c₁ < c₂ < 1).
        c2: f64 = 0.9, "c₂, the curvature condition", (0.1, 0.99), Linear, Within(1e-6, 0.999_999), live;
        /// Line search: strong Wolfe, or exact (the minimiser along the line, to rounding).
        search: Search = Search::StrongWolfe, "line search", (0, 0), Linear, Finite, live;
    }
}

/// The diagnostics of both methods.
const DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "step_length",
        name: "accepted step length α",
        log: true,
    },
    Diagnostic {
        key: "trials",
        name: "line-search trials per step",
        log: false,
    },
];

/// The inverse-Hessian ellipse is drawn up to this dimension (L-BFGS forms it from its pairs).
const MAX_ELLIPSE_DIM: usize = 64;

pub(super) fn check_c1_c2(c1: f64, c2: f64) -> Result<(), String> {
    if c1 < c2 {
        Ok(())
    } else {
        Err(format!("`c1` ({c1}) must be smaller than `c2` ({c2})"))
    }
}

impl MethodConfig for BfgsConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Bfgs {
            c: self.clone(),
            core: Core::new(dim),
            h: Matrix::eye(dim),
            hy: Vector::zeros(dim),
            updates: 0,
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        Needs {
            dense_state: true,
            ..Needs::GRADIENTS
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn check(&self) -> Result<(), String> {
        check_c1_c2(self.c1, self.c2)
    }
    fn reference(&self) -> &'static str {
        "Broyden, Fletcher, Goldfarb, Shanno (1970); Nocedal & Wright (2006), §6.1"
    }
}

impl MethodConfig for LbfgsConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let m = self.m.max(1);
        Box::new(Lbfgs {
            c: self.clone(),
            core: Core::new(dim),
            pairs: Pairs {
                s: Matrix::zeros((m, dim)),
                y: Matrix::zeros((m, dim)),
                rho: vec![0.0; m],
                len: 0,
                head: 0,
            },
            alpha: vec![0.0; m],
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        Needs::GRADIENTS
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn check(&self) -> Result<(), String> {
        check_c1_c2(self.c1, self.c2)
    }
    fn reference(&self) -> &'static str {
        "Liu & Nocedal (1989); Nocedal & Wright (2006), §7.2"
    }
}

/// What the line-search methods share: the cached point, its value and gradient, the search and
/// its record.
#[derive(Clone)]
pub(super) struct Core {
    /// The point `f` and `g` belong to.
    pub(super) at: Vector,
    /// Whether `at`, `f` and `g` are known.
    pub(super) known: bool,
    pub(super) f: f64,
    /// The value before the last step, for the initial step length.
    pub(super) f_prev: f64,
    pub(super) g: Vector,
    /// The search direction p.
    pub(super) p: Vector,
    /// The point the last step was taken from, and its direction, for the overlay.
    pub(super) from: Vector,
    pub(super) dir: Vector,
    pub(super) s: Vector,
    pub(super) yv: Vector,
    pub(super) search: LineSearch,
    pub(super) alpha: f64,
    /// How often the direction was not one of descent and the method restarted along −∇f.
    pub(super) restarts: u64,
    /// Whether no step decreased f even along −∇f: f is flat to rounding here (the precision
    /// floor, or noise hides the decrease). The method then waits, asking nothing, until the
    /// point is moved.
    pub(super) stalled: bool,
}

impl Core {
    pub(super) fn new(dim: usize) -> Self {
        let z = Vector::zeros(dim);
        Self {
            at: z.clone(),
            known: false,
            f: f64::NAN,
            f_prev: f64::NAN,
            g: z.clone(),
            p: z.clone(),
            from: z.clone(),
            dir: z.clone(),
            s: z.clone(),
            yv: z,
            search: LineSearch::new(dim),
            alpha: f64::NAN,
            restarts: 0,
            stalled: false,
        }
    }

    /// Makes sure f and ∇f at `x` are known; returns false when there is nothing to do (∇f = 0,
    /// or stalled at the precision floor).
    pub(super) fn evaluate(&mut self, x: &Vector, oracle: &mut Oracle<'_>) -> bool {
        if !self.known || self.at != *x {
            self.stalled = false;
            self.f = oracle.value(x.view());
            oracle.gradient_into(x.view(), &mut self.g);
            self.at.assign(x);
            self.known = true;
            // Nocedal & Wright's rule, as SciPy starts it: a first step about 1.01 long.
            self.f_prev = self.f + 0.5 * self.g.dot(&self.g).sqrt();
        }
        if self.stalled {
            self.search.clear();
            return false;
        }
        self.g.iter().any(|v| *v != 0.0)
    }

    /// Sets the search direction to steepest descent, p = −∇f.
    pub(super) fn steepest_descent(&mut self) {
        self.p.assign(&self.g);
        self.p *= -1.0;
    }

    /// Searches along `p` (already written), and on success moves `x` and keeps s = x⁺ − x and
    /// y = ∇f⁺ − ∇f for the update. `first` chooses the initial step: `None` for Nocedal &
    /// Wright's rule (3.60), `Some(a)` for a fixed one.
    pub(super) fn search_and_move(
        &mut self,
        x: &mut Vector,
        first: Option<f64>,
        wolfe: Wolfe,
        oracle: &mut Oracle<'_>,
    ) -> Option<Accepted> {
        let dphi0 = self.g.dot(&self.p);
        let alpha0 = first.unwrap_or_else(|| initial_step(self.f, self.f_prev, dphi0));
        self.from.assign(x);
        self.dir.assign(&self.p);
        let a = self
            .search
            .strong_wolfe(x, self.f, dphi0, &self.p, alpha0, wolfe, oracle)?;
        self.alpha = a.alpha;
        self.s.assign(&self.p);
        self.s *= a.alpha;
        *x += &self.s;
        self.yv.assign(self.search.gradient());
        self.yv -= &self.g;
        self.g.assign(self.search.gradient());
        self.f_prev = self.f;
        self.f = a.f;
        self.at.assign(x);
        Some(a)
    }

    /// The line search's trials along the last direction, and the line itself.
    pub(super) fn draw_search(&self, out: &mut Overlay) {
        self.search.draw(&self.from, &self.dir, 1.0, out);
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.alpha;
        out[1] = self.search.trials().len() as f64;
    }
}

/// BFGS with a dense inverse-Hessian estimate H ≈ ∇²f⁻¹.
#[derive(Clone)]
struct Bfgs {
    c: BfgsConfig,
    core: Core,
    h: Matrix,
    hy: Vector,
    updates: u64,
}

impl Bfgs {
    /// The BFGS update (6.17) of H with the last s and y, written as
    /// H ← H − ρ(Hy sᵀ + s (Hy)ᵀ) + (ρ² yᵀHy + ρ) s sᵀ, ρ = 1/yᵀs. Skipped when yᵀs ≤ 0 (the
    /// curvature condition failed, which only noise can cause after a Wolfe step).
    fn update(&mut self) {
        let (s, y) = (&self.core.s, &self.core.yv);
        let sy = s.dot(y);
        if !is_positive(sy) {
            return;
        }
        if self.updates == 0 && self.c.scale_h0 {
            let gamma = sy / y.dot(y);
            self.h.fill(0.0);
            self.h.diag_mut().fill(gamma);
        }
        let rho = 1.0 / sy;
        ndarray::linalg::general_mat_vec_mul(1.0, &self.h, y, 0.0, &mut self.hy);
        let yhy = y.dot(&self.hy);
        let k = rho * rho * yhy + rho;
        let n = s.len();
        for i in 0..n {
            for j in 0..n {
                self.h[[i, j]] += -rho * (self.hy[i] * s[j] + s[i] * self.hy[j]) + k * s[i] * s[j];
            }
        }
        self.updates += 1;
    }

    fn reset(&mut self) {
        self.h.fill(0.0);
        self.h.diag_mut().fill(1.0);
        self.updates = 0;
    }
}

impl Optimizer for Bfgs {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if !self.core.evaluate(x, oracle) {
            self.core.search.clear();
            return Ok(());
        }
        ndarray::linalg::general_mat_vec_mul(-1.0, &self.h, &self.core.g, 0.0, &mut self.core.p);
        if !is_descent(self.core.g.dot(&self.core.p)) {
            // H lost positive definiteness (noise, or rounding): restart from the identity.
            self.reset();
            self.core.restarts += 1;
            self.core.steepest_descent();
        }
        let wolfe = self.c.search.wolfe(self.c.c1, self.c.c2);
        if self.core.search_and_move(x, None, wolfe, oracle).is_some() {
            self.update();
        } else if self.updates > 0 {
            // No acceptable step along the quasi-Newton direction: try steepest descent next.
            self.reset();
            self.core.restarts += 1;
        } else {
            self.core.stalled = true;
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The last search's trials, and the ellipse of H at the iterate (the engine draws the true
    /// H⁻¹ ellipse beside it).
    fn overlay(&self, out: &mut Overlay) {
        if !self.core.known {
            return;
        }
        self.core.draw_search(out);
        let centre = out.vector(self.core.at.view());
        let shape = out.matrix(self.h.view());
        out.draw(
            Role::InverseHessianEstimate,
            Shape::Ellipse { centre, shape },
        );
    }

    fn diagnostics(&self, out: &mut [f64]) {
        self.core.diagnostics(out);
    }
}

/// L-BFGS: the inverse Hessian is applied implicitly from the last m pairs (s, y).
#[derive(Clone)]
struct Lbfgs {
    c: LbfgsConfig,
    core: Core,
    pairs: Pairs,
    /// Scratch for the two-loop recursion.
    alpha: Vec<f64>,
}

/// The last m curvature pairs, as rows of ring buffers.
#[derive(Clone)]
struct Pairs {
    s: Matrix,
    y: Matrix,
    rho: Vec<f64>,
    /// How many pairs are stored, and where the next goes.
    len: usize,
    head: usize,
}

impl Pairs {
    /// The two-loop recursion (Algorithm 7.4): replaces q by H q, with H₀ = γI and
    /// γ = sᵀy/yᵀy of the newest pair (7.20).
    fn apply(&self, q: &mut ndarray::ArrayViewMut1<'_, f64>, alpha: &mut [f64]) {
        let m = self.s.nrows();
        let slot = |k: usize| (self.head + m - 1 - k) % m;
        for k in 0..self.len {
            let i = slot(k);
            let a = self.rho[i] * self.s.row(i).dot(&*q);
            alpha[i] = a;
            q.scaled_add(-a, &self.y.row(i));
        }
        if self.len > 0 {
            let i = slot(0);
            let y = self.y.row(i);
            *q *= 1.0 / (self.rho[i] * y.dot(&y));
        }
        for k in (0..self.len).rev() {
            let i = slot(k);
            let b = self.rho[i] * self.y.row(i).dot(&*q);
            q.scaled_add(alpha[i] - b, &self.s.row(i));
        }
    }

    /// Stores the newest pair, dropping the oldest when full; skipped when yᵀs ≤ 0.
    fn push(&mut self, s: &Vector, y: &Vector) {
        let sy = s.dot(y);
        if !is_positive(sy) {
            return;
        }
        let m = self.s.nrows();
        self.s.row_mut(self.head).assign(s);
        self.y.row_mut(self.head).assign(y);
        self.rho[self.head] = 1.0 / sy;
        self.head = (self.head + 1) % m;
        self.len = (self.len + 1).min(m);
    }
}

impl Optimizer for Lbfgs {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if !self.core.evaluate(x, oracle) {
            self.core.search.clear();
            return Ok(());
        }
        self.core.p.assign(&self.core.g);
        self.pairs
            .apply(&mut self.core.p.view_mut(), &mut self.alpha);
        self.core.p *= -1.0;
        let mut first = (self.pairs.len == 0).then(|| 1.0 / self.core.g.dot(&self.core.g).sqrt());
        if !is_descent(self.core.g.dot(&self.core.p)) {
            self.pairs.len = 0;
            self.core.restarts += 1;
            self.core.steepest_descent();
            first = Some(1.0 / self.core.g.dot(&self.core.g).sqrt());
        }
        // With stored pairs the scaled quasi-Newton step has a natural length of 1.
        let first = first.or(Some(1.0));
        let wolfe = self.c.search.wolfe(self.c.c1, self.c.c2);
        if self.core.search_and_move(x, first, wolfe, oracle).is_some() {
            self.pairs.push(&self.core.s, &self.core.yv);
        } else if self.pairs.len > 0 {
            self.pairs.len = 0;
            self.core.restarts += 1;
        } else {
            self.core.stalled = true;
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The last search's trials and, for d ≤ 64, the ellipse of the implicit inverse Hessian
    /// (formed column by column from the pairs, in the overlay's own storage).
    fn overlay(&self, out: &mut Overlay) {
        if !self.core.known {
            return;
        }
        self.core.draw_search(out);
        let d = self.core.at.len();
        if d > MAX_ELLIPSE_DIM.min(MAX_DENSE_DIM) || self.pairs.len == 0 {
            return;
        }
        let centre = out.vector(self.core.at.view());
        let mut alpha = [0.0; 64];
        let (shape, mut h) = out.matrix_mut();
        for j in 0..d {
            let mut col = h.column_mut(j);
            col[j] = 1.0;
            self.pairs.apply(&mut col, &mut alpha);
        }
        out.draw(
            Role::InverseHessianEstimate,
            Shape::Ellipse { centre, shape },
        );
    }

    fn diagnostics(&self, out: &mut [f64]) {
        self.core.diagnostics(out);
    }
}
