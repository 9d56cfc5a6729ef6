//! Analytic test functions for optimisation, each implementing [`Objective`].
//!
//! Every function provides its exact value, gradient and Hessian. The `*_into` methods and
//! `value` write into caller-owned buffers and never allocate on the heap. Each function also
//! has a default view window and its known minima; minima that have no closed form are refined
//! to full `f64` precision by Newton's method each time `minima()` is called, so they stay
//! consistent with the public parameter fields even if those are changed after construction.

use std::f64::consts::{E, PI, TAU};

use ndarray::{ArrayView1, ArrayViewMut1, ArrayViewMut2};

use super::objective::{Minimum, Objective, Provides, ViewBounds};
use crate::linalg::{Matrix, Vector};

pub use bowls::*;
pub use fits::*;
pub use multimodal::*;
pub use saddles::*;
pub use valleys::*;

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

/// Solves `a s = b`; `None` when `a` is (numerically) singular.
fn solve(mut a: Matrix, mut b: Vector) -> Option<Vector> {
    crate::linalg::solve_in_place(&mut a, &mut b).then_some(b)
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
    let mut h = objective.hessian(x);
    crate::linalg::cholesky_in_place(&mut h)
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

/// `hvp_into` for a two-dimensional function: exact, through its 2 × 2 Hessian on the stack.
macro_rules! hvp_via_2x2_hessian {
    () => {
        fn hvp_into(
            &self,
            x: ArrayView1<'_, f64>,
            v: ArrayView1<'_, f64>,
            out: ArrayViewMut1<'_, f64>,
        ) {
            hvp_2d(self, x, v, out);
        }
    };
}

/// H·v for a two-dimensional function, through its 2 × 2 Hessian written on the stack.
fn hvp_2d<O: Objective + ?Sized>(
    objective: &O,
    x: ArrayView1<'_, f64>,
    v: ArrayView1<'_, f64>,
    mut out: ArrayViewMut1<'_, f64>,
) {
    let mut h = [0.0; 4];
    if let Ok(view) = ArrayViewMut2::from_shape((2, 2), &mut h[..]) {
        objective.hessian_into(x, view);
    }
    out[0] = h[0] * v[0] + h[1] * v[1];
    out[1] = h[2] * v[0] + h[3] * v[1];
}

/// Writes a symmetric 2 × 2 Hessian `[[xx, xy], [xy, yy]]` into `h`.
fn write_hessian_2d(mut h: ArrayViewMut2<'_, f64>, xx: f64, xy: f64, yy: f64) {
    h[[0, 0]] = xx;
    h[[0, 1]] = xy;
    h[[1, 0]] = xy;
    h[[1, 1]] = yy;
}

// The child modules come after `hvp_via_2x2_hessian`, which they use.
mod bowls;
mod fits;
mod multimodal;
mod saddles;
#[cfg(test)]
mod tests;
mod valleys;
