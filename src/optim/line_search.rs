//! Line searches along a search direction p from a point x: Armijo backtracking, and a search
//! for a step that meets the strong Wolfe conditions by bracketing and zoom.
//!
//! Every trial step is recorded, so that a method can draw where it looked along the line and
//! which step it kept. The buffers are sized once, so a search allocates nothing.
//!
//! ## References
//! - Armijo (1966), "Minimization of functions having Lipschitz continuous first partial
//!   derivatives", Pacific J. Math. 16: the sufficient-decrease condition.
//! - Wolfe (1969), "Convergence conditions for ascent methods", SIAM Review 11: the curvature
//!   condition.
//! - Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., §3.1 (the conditions), §3.5
//!   (Algorithms 3.5 and 3.6, bracketing and zoom; the interpolation formulas (3.57)–(3.59);
//!   the initial step (3.60)).

use super::{Oracle, Overlay, Role, Shape};
use crate::linalg::Vector;

/// The most trial steps one search takes.
pub const MAX_TRIALS: usize = 40;

/// Trials in the bracketing phase of the Wolfe search, before it gives up widening.
const MAX_BRACKET: usize = 20;

/// One step length a search tried.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trial {
    /// The step length α along p.
    pub alpha: f64,
    /// f(x + αp) as the method saw it.
    pub f: f64,
    /// Whether the search kept this step.
    pub accepted: bool,
}

/// The step a search kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accepted {
    /// The step length α.
    pub alpha: f64,
    /// f(x + αp).
    pub f: f64,
}

/// The constants of the strong Wolfe conditions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wolfe {
    /// The sufficient-decrease constant c₁: φ(α) ≤ φ(0) + c₁αφ′(0).
    pub c1: f64,
    /// The curvature constant c₂: |φ′(α)| ≤ c₂|φ′(0)|, with c₁ < c₂ < 1.
    pub c2: f64,
}

/// The initial step of a line search from the last two values, Nocedal & Wright (3.60):
/// α₀ = min(1, 1.01 · 2(f − f_prev)/φ′(0)), or 1 when that is not a positive number. Before a
/// first step, `f_prev` = f + ‖∇f‖/2 makes the first step about 1.01 long (as SciPy's BFGS).
pub fn initial_step(f: f64, f_prev: f64, dphi0: f64) -> f64 {
    let a = 1.01 * 2.0 * (f - f_prev) / dphi0;
    if a > 0.0 && a.is_finite() {
        a.min(1.0)
    } else {
        1.0
    }
}

/// Whether a slope φ′(0) is one of descent (negative; NaN is not).
pub fn is_descent(dphi0: f64) -> bool {
    dphi0 < 0.0
}

/// Whether a number is positive and finite (a usable curvature yᵀs or a norm).
pub fn is_positive(v: f64) -> bool {
    v > 0.0 && v.is_finite()
}

/// A line search's buffers and its record of the last search's trials.
#[derive(Clone, Debug)]
pub struct LineSearch {
    trials: Vec<Trial>,
    /// The trial point x + αp.
    xt: Vector,
    /// ∇f at the last trial whose gradient was taken.
    gt: Vector,
    /// ∇f at the accepted step (Wolfe searches only).
    g_accepted: Vector,
}

impl LineSearch {
    /// Buffers for a problem of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Self {
            trials: Vec::with_capacity(MAX_TRIALS + 1),
            xt: Vector::zeros(dim),
            gt: Vector::zeros(dim),
            g_accepted: Vector::zeros(dim),
        }
    }

    /// The trials of the last search, in the order they were tried.
    pub fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// ∇f at the step the last Wolfe search kept.
    pub fn gradient(&self) -> &Vector {
        &self.g_accepted
    }

    /// Forgets the last search (for a method that took no search this step).
    pub fn clear(&mut self) {
        self.trials.clear();
    }

    /// Draws the last search from `from` along `dir` (the points from + s·α·dir for each trial
    /// α, with s = `scale`): the line, the refused trials and the kept one.
    pub fn draw(&self, from: &Vector, dir: &Vector, scale: f64, out: &mut Overlay) {
        let Some(far) = self.trials.iter().map(|t| t.alpha).reduce(f64::max) else {
            return;
        };
        let start = out.vector(from.view());
        let end = out.vector_along(from.view(), scale * far, dir.view());
        out.draw(Role::SearchLine, Shape::Segment(start, end));
        for t in &self.trials {
            let v = out.vector_along(from.view(), scale * t.alpha, dir.view());
            let role = if t.accepted {
                Role::TrialAccepted
            } else {
                Role::TrialRejected
            };
            out.draw(role, Shape::Point(v));
        }
    }

    /// φ(α) = f(x + αp), counted by the oracle, and recorded as a trial.
    fn phi(&mut self, x: &Vector, p: &Vector, alpha: f64, oracle: &mut Oracle<'_>) -> f64 {
        self.point(x, p, alpha);
        let f = oracle.value(self.xt.view());
        self.trials.push(Trial {
            alpha,
            f,
            accepted: false,
        });
        f
    }

    /// φ′(α) = ∇f(x + αp)ᵀp at the last φ's point, counted; the gradient stays in `gt`.
    fn dphi(&mut self, p: &Vector, oracle: &mut Oracle<'_>) -> f64 {
        oracle.gradient_into(self.xt.view(), &mut self.gt);
        self.gt.dot(p)
    }

    /// Writes x + αp into the trial buffer.
    fn point(&mut self, x: &Vector, p: &Vector, alpha: f64) {
        self.xt.assign(x);
        self.xt.scaled_add(alpha, p);
    }

    /// Marks the trial with step `alpha` as kept (the latest such trial).
    fn accept(&mut self, alpha: f64, f: f64, with_gradient: bool) -> Accepted {
        if let Some(t) = self.trials.iter_mut().rev().find(|t| t.alpha == alpha) {
            t.accepted = true;
        }
        if with_gradient {
            self.g_accepted.assign(&self.gt);
        }
        Accepted { alpha, f }
    }

    /// Armijo backtracking: tries α₀, ρα₀, ρ²α₀, … until φ(α) ≤ φ(0) + c₁αφ′(0). Asks only for
    /// values. `None` when p is not a descent direction or no trial decreased f enough.
    #[allow(clippy::too_many_arguments)]
    pub fn armijo(
        &mut self,
        x: &Vector,
        f0: f64,
        dphi0: f64,
        p: &Vector,
        alpha0: f64,
        c1: f64,
        shrink: f64,
        oracle: &mut Oracle<'_>,
    ) -> Option<Accepted> {
        self.trials.clear();
        if !is_descent(dphi0) {
            return None;
        }
        let mut alpha = alpha0;
        for _ in 0..MAX_TRIALS {
            let f = self.phi(x, p, alpha, oracle);
            if f <= f0 + c1 * alpha * dphi0 {
                return Some(self.accept(alpha, f, false));
            }
            alpha *= shrink;
        }
        None
    }

    /// A step that meets the strong Wolfe conditions, by Nocedal & Wright's Algorithm 3.5
    /// (bracketing, doubling the step) and 3.6 (zoom, by safeguarded cubic or quadratic
    /// interpolation). f is asked at every trial and ∇f only where the sufficient decrease
    /// holds, so the kept step's gradient is always known ([`LineSearch::gradient`]).
    ///
    /// When the trials run out, the lowest trial that decreased f enough is kept (its gradient
    /// is then taken). `None` when p is not a descent direction or no trial decreased f enough
    /// (at the precision floor of f).
    #[allow(clippy::too_many_arguments)]
    pub fn strong_wolfe(
        &mut self,
        x: &Vector,
        f0: f64,
        dphi0: f64,
        p: &Vector,
        alpha0: f64,
        wolfe: Wolfe,
        oracle: &mut Oracle<'_>,
    ) -> Option<Accepted> {
        self.trials.clear();
        if !is_descent(dphi0) {
            return None;
        }
        let Wolfe { c1, c2 } = wolfe;
        let armijo = |alpha: f64, f: f64| f <= f0 + c1 * alpha * dphi0;
        let curvature = |d: f64| d.abs() <= -c2 * dphi0;
        // The previous trial: its step, value and slope.
        let mut prev = End {
            alpha: 0.0,
            f: f0,
            d: Some(dphi0),
        };
        let mut alpha = alpha0;
        let mut bracket = None;
        for _ in 0..MAX_BRACKET {
            let f = self.phi(x, p, alpha, oracle);
            // (At the first trial f ≥ φ(0) already fails the sufficient decrease.)
            if !armijo(alpha, f) || f >= prev.f {
                bracket = Some((prev, End { alpha, f, d: None }));
                break;
            }
            let d = self.dphi(p, oracle);
            if curvature(d) {
                return Some(self.accept(alpha, f, true));
            }
            let here = End {
                alpha,
                f,
                d: Some(d),
            };
            if d >= 0.0 {
                bracket = Some((here, prev));
                break;
            }
            prev = here;
            alpha *= 2.0;
        }
        let Some((mut lo, mut hi)) = bracket else {
            return self.best_armijo(x, p, f0, dphi0, c1, oracle);
        };
        // Zoom: `lo` always satisfies the sufficient decrease with the lowest value so far, and
        // its slope points into the bracket.
        while self.trials.len() < MAX_TRIALS {
            let width = (hi.alpha - lo.alpha).abs();
            if width <= f64::EPSILON * lo.alpha.abs().max(hi.alpha.abs()) {
                break;
            }
            let alpha = interpolate(&lo, &hi);
            let f = self.phi(x, p, alpha, oracle);
            if !armijo(alpha, f) || f >= lo.f {
                hi = End { alpha, f, d: None };
                continue;
            }
            let d = self.dphi(p, oracle);
            if curvature(d) {
                return Some(self.accept(alpha, f, true));
            }
            let here = End {
                alpha,
                f,
                d: Some(d),
            };
            if d * (hi.alpha - lo.alpha) >= 0.0 {
                hi = lo;
            }
            lo = here;
        }
        self.best_armijo(x, p, f0, dphi0, c1, oracle)
    }

    /// Keeps the lowest trial that satisfied the sufficient decrease, taking its gradient.
    fn best_armijo(
        &mut self,
        x: &Vector,
        p: &Vector,
        f0: f64,
        dphi0: f64,
        c1: f64,
        oracle: &mut Oracle<'_>,
    ) -> Option<Accepted> {
        let best = self
            .trials
            .iter()
            .filter(|t| t.f <= f0 + c1 * t.alpha * dphi0)
            .min_by(|a, b| a.f.total_cmp(&b.f))
            .copied()?;
        self.point(x, p, best.alpha);
        oracle.gradient_into(self.xt.view(), &mut self.gt);
        Some(self.accept(best.alpha, best.f, true))
    }
}

/// One end of a bracket: a step, its value and, where it was taken, its slope.
#[derive(Clone, Copy, Debug)]
struct End {
    alpha: f64,
    f: f64,
    d: Option<f64>,
}

/// The next trial inside the bracket: the minimiser of the cubic through both ends when both
/// slopes are known (N&W (3.59)), else of the quadratic through `lo`'s value and slope and
/// `hi`'s value (N&W (3.57)); safeguarded to the bracket's inner 80 %, else its midpoint.
fn interpolate(lo: &End, hi: &End) -> f64 {
    let (a, b) = (lo.alpha, hi.alpha);
    let width = b - a;
    let inside = |t: f64| {
        let (l, h) = (a.min(b), a.max(b));
        let margin = 0.1 * width.abs();
        t.is_finite() && t >= l + margin && t <= h - margin
    };
    let da = lo.d.unwrap_or(f64::NAN);
    if let Some(db) = hi.d {
        let d1 = da + db - 3.0 * (lo.f - hi.f) / (a - b);
        let disc = d1 * d1 - da * db;
        if disc >= 0.0 {
            let d2 = width.signum() * disc.sqrt();
            let t = b - width * (db + d2 - d1) / (db - da + 2.0 * d2);
            if inside(t) {
                return t;
            }
        }
    }
    let curv = hi.f - lo.f - da * width;
    if curv > 0.0 {
        let t = a - da * width * width / (2.0 * curv);
        if inside(t) {
            return t;
        }
    }
    a + 0.5 * width
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::Noise;
    use crate::optim::{Counts, OracleState};
    use crate::problem::Problem;
    use ndarray::array;
    use rand::SeedableRng;
    use rand_pcg::Pcg64;

    /// Runs `f` with an oracle on `problem`, returning its result and the counts.
    fn with_oracle<T>(problem: &Problem, f: impl FnOnce(&mut Oracle<'_>) -> T) -> (T, Counts) {
        let objective = problem.build();
        let noise = Noise::default();
        let mut state = OracleState::new(
            objective.dim(),
            Pcg64::seed_from_u64(1),
            Pcg64::seed_from_u64(2),
        );
        let mut oracle = Oracle::new(objective.as_ref(), &noise, &mut state);
        let out = f(&mut oracle);
        (out, state.counts)
    }

    fn rosenbrock() -> Problem {
        toml::from_str("kind = \"rosenbrock\"").unwrap()
    }

    const WOLFE: Wolfe = Wolfe { c1: 1e-4, c2: 0.9 };

    #[test]
    fn the_wolfe_step_meets_both_strong_wolfe_conditions() {
        let problem = rosenbrock();
        let objective = problem.build();
        for start in [[-1.5, 2.0], [0.0, 0.0], [1.2, 1.0], [-0.5, 0.8]] {
            let x = array![start[0], start[1]];
            let g = objective.gradient(x.view());
            let f0 = objective.value(x.view());
            for scale in [1e-4, 1e-2, 1.0] {
                let p = g.mapv(|v| -scale * v);
                let dphi0 = g.dot(&p);
                let mut ls = LineSearch::new(2);
                let (found, counts) = with_oracle(&problem, |o| {
                    ls.strong_wolfe(&x, f0, dphi0, &p, 1.0, WOLFE, o)
                });
                let a = found.expect("a Wolfe step exists along −∇f");
                let xa = &x + &(a.alpha * &p);
                let fa = objective.value(xa.view());
                let da = objective.gradient(xa.view()).dot(&p);
                assert_eq!(fa, a.f);
                assert!(fa <= f0 + WOLFE.c1 * a.alpha * dphi0, "{start:?} {scale}");
                assert!(
                    da.abs() <= -WOLFE.c2 * dphi0,
                    "{start:?} {scale}: {da} {dphi0}"
                );
                assert_eq!(ls.gradient(), &objective.gradient(xa.view()));
                assert_eq!(counts.f as usize, ls.trials().len());
                assert!(counts.g as usize <= ls.trials().len());
                assert_eq!(ls.trials().iter().filter(|t| t.accepted).count(), 1);
                assert_eq!(
                    ls.trials().iter().find(|t| t.accepted).unwrap().alpha,
                    a.alpha
                );
            }
        }
    }

    #[test]
    fn a_small_c2_finds_the_exact_minimiser_along_the_line_of_a_quadratic() {
        let problem: Problem =
            toml::from_str("kind = \"quadratic\"\nkappa = 50\nangle = 20").unwrap();
        let objective = problem.build();
        let x = array![-1.5, 2.0];
        let g = objective.gradient(x.view());
        let p = -&g;
        let h = objective.hessian(x.view());
        let exact = g.dot(&g) / p.dot(&h.dot(&p));
        let mut ls = LineSearch::new(2);
        let (found, _) = with_oracle(&problem, |o| {
            ls.strong_wolfe(
                &x,
                objective.value(x.view()),
                g.dot(&p),
                &p,
                1.0,
                Wolfe {
                    c1: 1e-4,
                    c2: 1e-12,
                },
                o,
            )
        });
        let a = found.unwrap();
        assert!(
            (a.alpha - exact).abs() <= 1e-12 * exact,
            "{} vs {exact}",
            a.alpha
        );
    }

    #[test]
    fn armijo_backtracks_by_its_factor_and_asks_only_values() {
        let problem = rosenbrock();
        let objective = problem.build();
        let x = array![-1.5, 2.0];
        let g = objective.gradient(x.view());
        let p = -&g;
        let f0 = objective.value(x.view());
        let mut ls = LineSearch::new(2);
        let (found, counts) = with_oracle(&problem, |o| {
            ls.armijo(&x, f0, g.dot(&p), &p, 1.0, 1e-4, 0.5, o)
        });
        let a = found.unwrap();
        let alphas: Vec<f64> = ls.trials().iter().map(|t| t.alpha).collect();
        for (k, alpha) in alphas.iter().enumerate() {
            assert_eq!(*alpha, 0.5f64.powi(k as i32));
        }
        assert_eq!(a.alpha, *alphas.last().unwrap());
        assert!(a.f <= f0 + 1e-4 * a.alpha * g.dot(&p));
        // The step before the kept one did not decrease f enough.
        let before = ls.trials()[alphas.len() - 2];
        assert!(before.f > f0 + 1e-4 * before.alpha * g.dot(&p));
        assert_eq!((counts.f as usize, counts.g), (alphas.len(), 0));
    }

    #[test]
    fn an_ascent_direction_is_refused_without_evaluations() {
        let problem = rosenbrock();
        let objective = problem.build();
        let x = array![-1.5, 2.0];
        let g = objective.gradient(x.view());
        let f0 = objective.value(x.view());
        let mut ls = LineSearch::new(2);
        let (found, counts) = with_oracle(&problem, |o| {
            (
                ls.strong_wolfe(&x, f0, g.dot(&g), &g, 1.0, WOLFE, o),
                ls.armijo(&x, f0, g.dot(&g), &g, 1.0, 1e-4, 0.5, o),
            )
        });
        assert_eq!(found, (None, None));
        assert_eq!(counts, Counts::default());
    }

    #[test]
    fn the_initial_step_follows_nocedal_and_wright() {
        assert_eq!(initial_step(10.0, 10.5, -2.0), 0.505);
        assert_eq!(initial_step(10.0, 30.0, -2.0), 1.0);
        assert_eq!(initial_step(10.0, 9.0, -2.0), 1.0);
        assert_eq!(initial_step(10.0, 10.0, 0.0), 1.0);
    }

    #[test]
    fn interpolation_finds_a_cubics_minimiser_and_stays_inside() {
        // φ(α) = (α − 0.3)²(α + 1) has its local minimum at 0.3; the cubic through two points
        // with their slopes is φ itself, so it finds 0.3 exactly.
        let phi = |a: f64| (a - 0.3) * (a - 0.3) * (a + 1.0);
        let dphi = |a: f64| (a - 0.3) * (3.0 * a + 1.7);
        let end = |a: f64, slope: bool| End {
            alpha: a,
            f: phi(a),
            d: slope.then(|| dphi(a)),
        };
        let cubic = interpolate(&end(0.05, true), &end(0.8, true));
        assert!((cubic - 0.3).abs() < 1e-12, "{cubic}");
        // With the ends the other way round (a bracket from above).
        let cubic = interpolate(&end(0.8, true), &end(0.05, true));
        assert!((cubic - 0.3).abs() < 1e-12, "{cubic}");
        // The quadratic through lo's value and slope and hi's value is exact for a parabola.
        let q = |a: f64| 2.0 * (a - 0.3) * (a - 0.3) + 1.0;
        let quadratic = interpolate(
            &End {
                alpha: 0.05,
                f: q(0.05),
                d: Some(4.0 * (0.05 - 0.3)),
            },
            &End {
                alpha: 0.8,
                f: q(0.8),
                d: None,
            },
        );
        assert!((quadratic - 0.3).abs() < 1e-12, "{quadratic}");
        // A minimiser outside the inner 80 % falls back to the midpoint.
        let edge = interpolate(&end(0.29, true), &end(1.0, false));
        assert_eq!(edge, 0.29 + 0.5 * 0.71);
    }
}
