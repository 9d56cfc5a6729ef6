//! The Newton family beyond the plain step: Levenberg–Marquardt's adaptive damping, saddle-free
//! Newton's |H|, and cubic-regularised Newton, the first method of order three in the
//! review's ladder (a second-order model plus a cubic term).
//!
//! ## References
//! - Levenberg (1944); Marquardt (1963); Nocedal & Wright (2006), §10.3: the damped step
//!   (H + λI)d = ∇f, with λ shrunk after a success and grown after a failure.
//! - Dauphin et al. (2014), "Identifying and attacking the saddle point problem in
//!   high-dimensional non-convex optimization", NeurIPS: saddle-free Newton, |H| = Q|Λ|Qᵀ.
//! - Nesterov & Polyak (2006), "Cubic regularization of Newton method and its global
//!   performance", Math. Programming 108: s* = argmin gᵀs + ½sᵀHs + (M/6)‖s‖³, characterised by
//!   (H + (M/2)‖s*‖I)s* = −g with H + (M/2)‖s*‖I ⪰ 0; Conn, Gould & Toint (2000), *Trust-Region
//!   Methods*, §7.3, for the secular equation and its hard case.

use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::{
    Matrix, Vector, cholesky_in_place, cholesky_solve_in_place, symmetric_eigen_in_place,
};
use crate::params::Params;

crate::params! {
    /// Levenberg–Marquardt with the exact Hessian.
    pub struct LmConfig {
        /// Initial damping λ₀.
        lambda0: f64 = 1e-3, "λ₀, the initial damping", (1e-8, 1e3), Log, Positive, restart;
        /// Factor by which λ grows after a refused step.
        up: f64 = 10.0, "growth factor after a failure", (1.5, 100.0), Log, Within(1.0001, 1e6), live;
        /// Factor by which λ shrinks after an accepted step.
        down: f64 = 0.1, "shrink factor after a success", (0.01, 0.9), Log, Within(1e-6, 0.9999), live;
    }
}

crate::params! {
    /// Saddle-free Newton: x ← x − η |H|⁻¹ ∇f.
    pub struct SaddleFreeConfig {
        /// Step scale η.
        lr: f64 = 1.0, "step scale η", (1e-3, 1.0), Log, Positive, live;
        /// Added to every |λᵢ|, so that flat directions do not get infinite steps.
        damping: f64 = 1e-6, "damping added to |λ|", (0.0, 10.0), Linear, NonNegative, live;
    }
}

crate::params! {
    /// Cubic-regularised Newton.
    pub struct CubicConfig {
        /// The cubic weight M, about the Lipschitz constant of the Hessian.
        m: f64 = 1.0, "M, the cubic weight", (1e-3, 1e3), Log, Positive, live;
    }
}

const LM_DIAGNOSTICS: [Diagnostic; 1] = [Diagnostic {
    key: "damping",
    name: "damping λ",
    log: true,
}];

const CURVATURE_DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "min_eigenvalue",
        name: "smallest eigenvalue of H",
        log: false,
    },
    Diagnostic {
        key: "step_norm",
        name: "step length ‖s‖",
        log: true,
    },
];

/// Dense buffers every method here needs: the gradient, the Hessian and its factorisation or
/// eigen-decomposition, and the last step for the overlay.
#[derive(Clone)]
struct Dense {
    g: Vector,
    h: Matrix,
    work: Matrix,
    vectors: Matrix,
    /// Eigenvalues (or a solve's right-hand side), and a second scratch vector.
    a: Vector,
    b: Vector,
    from: Vector,
    to: Vector,
    taken: bool,
}

impl Dense {
    fn new(dim: usize) -> Self {
        let z = Vector::zeros(dim);
        let m = Matrix::zeros((dim, dim));
        Self {
            g: z.clone(),
            h: m.clone(),
            work: m.clone(),
            vectors: m,
            a: z.clone(),
            b: z.clone(),
            from: z.clone(),
            to: z,
            taken: false,
        }
    }

    /// ∇f and ∇²f at `x`, counted.
    fn derivatives(&mut self, x: &Vector, oracle: &mut Oracle<'_>) {
        oracle.gradient_into(x.view(), &mut self.g);
        oracle.hessian_into(x.view(), &mut self.h);
    }

    /// Eigen-decomposes H: eigenvalues in `a`, eigenvectors as the columns of `vectors`, and
    /// g̃ = Qᵀg in `b`. Returns the smallest eigenvalue.
    fn eigen(&mut self) -> f64 {
        self.work.assign(&self.h);
        symmetric_eigen_in_place(&mut self.work, &mut self.vectors);
        for i in 0..self.a.len() {
            self.a[i] = self.work[[i, i]];
        }
        ndarray::linalg::general_mat_vec_mul(1.0, &self.vectors.t(), &self.g, 0.0, &mut self.b);
        self.a.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// Records a step from `x` by `s` (`b` holds it in the eigenbasis: s = Q b) and takes it.
    fn take_from_eigenbasis(&mut self, x: &mut Vector) -> f64 {
        self.from.assign(x);
        ndarray::linalg::general_mat_vec_mul(1.0, &self.vectors, &self.b, 0.0, &mut self.to);
        let norm = self.to.dot(&self.to).sqrt();
        *x += &self.to;
        self.to.assign(x);
        self.taken = true;
        norm
    }

    /// The step as an arrow, and the quadratic model m₂ of the point it left.
    fn draw(&self, out: &mut Overlay) {
        if !self.taken {
            return;
        }
        let from = out.vector(self.from.view());
        let to = out.vector(self.to.view());
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
        out.draw(Role::Step, Shape::Arrow(from, to));
    }
}

/// What the dense curvature methods ask for: gradients and dense Hessians.
fn curvature_needs() -> Needs {
    Needs {
        gradient: true,
        hessian: true,
        ..Needs::VALUES
    }
}

impl MethodConfig for LmConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Lm {
            c: self.clone(),
            dense: Dense::new(dim),
            lambda: self.lambda0,
            f: f64::NAN,
            at: Vector::zeros(dim),
            known: false,
            f_known: false,
            trial: Vector::zeros(dim),
            accepted: false,
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        curvature_needs()
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &LM_DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Levenberg (1944); Marquardt (1963); Nocedal & Wright (2006), §10.3"
    }
}

impl MethodConfig for SaddleFreeConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(EigenNewton::new(self.clone(), dim))
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        curvature_needs()
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &CURVATURE_DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Dauphin et al. (2014), Identifying and attacking the saddle point problem"
    }
}

impl MethodConfig for CubicConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(EigenNewton::new(self.clone(), dim))
    }
    fn order(&self) -> Order {
        Order::Third
    }
    fn needs(&self) -> Needs {
        curvature_needs()
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &CURVATURE_DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Nesterov & Polyak (2006), Cubic regularization of Newton method"
    }
}

/// Levenberg–Marquardt: a step that fails to decrease f is refused and λ grows, so the method
/// moves between Newton (λ → 0) and short gradient steps (large λ, d ≈ ∇f/λ).
#[derive(Clone)]
struct Lm {
    c: LmConfig,
    dense: Dense,
    lambda: f64,
    /// f at `at`, and whether ∇f and H there are in `dense` (f is kept from the accepted
    /// trial, so each step asks one value).
    f: f64,
    at: Vector,
    known: bool,
    f_known: bool,
    trial: Vector,
    accepted: bool,
}

impl Optimizer for Lm {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if !self.known || self.at != *x {
            if !self.f_known || self.at != *x {
                self.f = oracle.value(x.view());
            }
            self.dense.derivatives(x, oracle);
            self.at.assign(x);
            self.known = true;
            self.f_known = true;
        }
        if self.dense.g.iter().all(|v| *v == 0.0) {
            return Ok(());
        }
        // (H + λI) d = ∇f by Cholesky; an indefinite H + λI counts as a failure.
        let d = &mut self.dense;
        d.work.assign(&d.h);
        d.work.diag_mut().mapv_inplace(|v| v + self.lambda);
        d.from.assign(x);
        if !cholesky_in_place(&mut d.work) {
            self.lambda *= self.c.up;
            self.accepted = false;
            return Ok(());
        }
        d.a.assign(&d.g);
        cholesky_solve_in_place(&d.work, &mut d.a);
        self.trial.assign(x);
        self.trial -= &d.a;
        let f_trial = oracle.value(self.trial.view());
        d.to.assign(&self.trial);
        d.taken = true;
        self.accepted = f_trial < self.f;
        if self.accepted {
            x.assign(&self.trial);
            self.at.assign(x);
            self.f = f_trial;
            self.known = false;
            self.lambda *= self.c.down;
        } else {
            self.lambda *= self.c.up;
        }
        // λ stays where numbers mean something.
        self.lambda = self.lambda.clamp(1e-300, 1e300);
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The model it stepped by, and the step: taken (an arrow) or refused (a crossed point).
    fn overlay(&self, out: &mut Overlay) {
        if !self.dense.taken {
            return;
        }
        if self.accepted {
            self.dense.draw(out);
        } else {
            let from = out.vector(self.dense.from.view());
            let to = out.vector(self.dense.to.view());
            out.draw(Role::SearchLine, Shape::Segment(from, to));
            out.draw(Role::TrialRejected, Shape::Point(to));
        }
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.lambda;
    }
}

/// A Newton-like method that steps in H's eigenbasis: its rule maps the eigenvalues λ and the
/// gradient's coordinates g̃ = Qᵀg to the step's coordinates there.
trait EigenRule: Params + Clone + Send + 'static {
    /// Writes the step's coordinates in the eigenbasis into `s`.
    fn step_in_eigenbasis(&self, lambda: &[f64], g: &[f64], s: &mut [f64]) -> Result<(), Halt>;
}

impl EigenRule for SaddleFreeConfig {
    /// Newton's step with every eigenvalue replaced by its absolute value (plus the damping), so
    /// that it runs away from negative curvature instead of towards it.
    fn step_in_eigenbasis(&self, lambda: &[f64], g: &[f64], s: &mut [f64]) -> Result<(), Halt> {
        for i in 0..s.len() {
            let curvature = lambda[i].abs() + self.damping;
            s[i] = if g[i] == 0.0 {
                0.0
            } else if curvature <= 0.0 || curvature.is_nan() {
                return Err(Halt::SingularHessian);
            } else {
                g[i] * (-self.lr / curvature)
            };
        }
        Ok(())
    }
}

impl EigenRule for CubicConfig {
    /// The global minimiser of the cubic model.
    fn step_in_eigenbasis(&self, lambda: &[f64], g: &[f64], s: &mut [f64]) -> Result<(), Halt> {
        cubic_step(lambda, g, self.m, s);
        Ok(())
    }
}

/// Saddle-free or cubic-regularised Newton: H's eigen-decomposition, then the rule's step.
#[derive(Clone)]
struct EigenNewton<C> {
    c: C,
    dense: Dense,
    min_eigenvalue: f64,
    step_norm: f64,
}

impl<C: EigenRule> EigenNewton<C> {
    fn new(c: C, dim: usize) -> Self {
        Self {
            c,
            dense: Dense::new(dim),
            min_eigenvalue: f64::NAN,
            step_norm: f64::NAN,
        }
    }
}

impl<C: EigenRule> Optimizer for EigenNewton<C> {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        let d = &mut self.dense;
        d.derivatives(x, oracle);
        self.min_eigenvalue = d.eigen();
        self.c.step_in_eigenbasis(
            d.a.as_slice().expect("owned vectors are contiguous"),
            d.b.as_slice().expect("owned vectors are contiguous"),
            d.to.as_slice_mut().expect("owned vectors are contiguous"),
        )?;
        d.b.assign(&d.to);
        self.step_norm = d.take_from_eigenbasis(x);
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn overlay(&self, out: &mut Overlay) {
        self.dense.draw(out);
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.min_eigenvalue;
        out[1] = self.step_norm;
    }
}

/// The global minimiser of gᵀs + ½sᵀΛs + (M/6)‖s‖³ in H's eigenbasis (`lambda` the eigenvalues,
/// `g` the gradient's coordinates there), written into `s`.
///
/// The minimiser is s(r) = −(Λ + (M r/2) I)⁻¹ g at the r ≥ r₀ = max(0, −2λ_min/M) where
/// ‖s(r)‖ = r. ‖s(r)‖ − r decreases in r, so r is found by bisection to the last bit. In the
/// hard case g has no part along λ_min's eigenvectors and ‖s(r₀)‖ < r₀: then s = s(r₀) plus
/// the λ_min eigenvector scaled to make ‖s‖ = r₀.
pub fn cubic_step(lambda: &[f64], g: &[f64], m: f64, s: &mut [f64]) {
    let n = lambda.len();
    let l_min = lambda.iter().copied().fold(f64::INFINITY, f64::min);
    let r0 = (-2.0 * l_min / m).max(0.0);
    let g_norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let scale = lambda
        .iter()
        .fold(0.0f64, |a, v| a.max(v.abs()))
        .max(m * r0);
    let flat = |i: usize| lambda[i] + 0.5 * m * r0 <= 1e-12 * scale.max(f64::MIN_POSITIVE);
    // The norm of s(r), leaving out the directions whose shifted curvature vanishes at r₀.
    let norm = |r: f64| -> f64 {
        (0..n)
            .filter(|i| r > r0 || !flat(*i))
            .map(|i| {
                let v = g[i] / (lambda[i] + 0.5 * m * r);
                v * v
            })
            .sum::<f64>()
            .sqrt()
    };
    let hard = (0..n)
        .filter(|i| flat(*i))
        .all(|i| g[i].abs() <= 1e-14 * g_norm.max(f64::MIN_POSITIVE));
    if r0 > 0.0 && hard && norm(r0) < r0 {
        let mut filled = false;
        let rest = norm(r0);
        for i in 0..n {
            if flat(i) {
                s[i] = if filled {
                    0.0
                } else {
                    (r0 * r0 - rest * rest).sqrt()
                };
                filled = true;
            } else {
                s[i] = -g[i] / (lambda[i] + 0.5 * m * r0);
            }
        }
        return;
    }
    if g_norm == 0.0 {
        s.fill(0.0);
        return;
    }
    // Bracket the root of ‖s(r)‖ = r above r₀, then bisect.
    let mut lo = r0;
    let mut hi = r0 + 1.0;
    while norm(hi) > hi {
        hi = r0 + 2.0 * (hi - r0);
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if norm(mid) > mid {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    for i in 0..n {
        s[i] = -g[i] / (lambda[i] + 0.5 * m * hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cubic model in the eigenbasis.
    fn model(lambda: &[f64], g: &[f64], m: f64, s: &[f64]) -> f64 {
        let norm = s.iter().map(|v| v * v).sum::<f64>().sqrt();
        (0..s.len())
            .map(|i| g[i] * s[i] + 0.5 * lambda[i] * s[i] * s[i])
            .sum::<f64>()
            + m / 6.0 * norm.powi(3)
    }

    #[test]
    fn the_cubic_step_is_the_models_global_minimiser() {
        for (lambda, g, m) in [
            (vec![2.0, 5.0], vec![1.0, -3.0], 1.0),
            (vec![-1.0, 1.0], vec![0.3, 1.0], 2.0),
            (vec![-2.0, 0.5], vec![1e-3, 0.0], 0.5),
            // The hard case: no gradient along the negative curvature.
            (vec![-1.0, 1.0], vec![0.0, 1.0], 1.0),
            // A gradient whose entries sum to zero (its norm is not their sum).
            (vec![3.0, 0.5], vec![1.0, -1.0], 2.0),
        ] {
            let mut s = [0.0; 2];
            cubic_step(&lambda, &g, m, &mut s);
            let best = model(&lambda, &g, m, &s);
            // No point on a fine polar grid around the origin does better.
            for k in 0..720 {
                let t = k as f64 * std::f64::consts::TAU / 720.0;
                for j in 1..=400 {
                    let r = j as f64 * 0.02;
                    let p = [r * t.cos(), r * t.sin()];
                    assert!(
                        model(&lambda, &g, m, &p) >= best - 1e-9,
                        "{lambda:?} {g:?}: {p:?} beats {s:?}"
                    );
                }
            }
            // The optimality conditions: (Λ + (M/2)‖s‖) s = −g, Λ + (M/2)‖s‖ ⪰ 0.
            let r = (s[0] * s[0] + s[1] * s[1]).sqrt();
            for i in 0..2 {
                let shifted = lambda[i] + 0.5 * m * r;
                assert!(shifted >= -1e-9, "{lambda:?}: {shifted}");
                assert!(
                    (shifted * s[i] + g[i]).abs() < 1e-9,
                    "{lambda:?} {g:?}: {s:?}"
                );
            }
        }
    }

    #[test]
    fn the_hard_case_steps_along_the_negative_curvature() {
        let mut s = [0.0; 2];
        cubic_step(&[-1.0, 1.0], &[0.0, 1.0], 1.0, &mut s);
        // r₀ = 2; s₂ = −1/(1 + 1) = −½, and s₁ makes ‖s‖ = 2.
        assert_eq!(s[1], -0.5);
        assert!((s[0] - (4.0f64 - 0.25).sqrt()).abs() < 1e-15);
    }
}
