//! Lenses: the local picture of the objective at a point, computed by the engine from the
//! problem's exact derivatives (outside every method's counts).
//!
//! - The **curvature lens** draws the Hessian's eigenvectors in the plane, scaled by |λ| and
//!   coloured by the sign of λ, the quadratic model's contours and the Newton step, and reports
//!   the eigenvalues and the condition number.
//! - The **Taylor lens** draws the review's unifying picture: the first-order (proximal) model
//!   f + gᵀz + ‖z‖²/(2η), the second-order model f + gᵀz + ½zᵀHz and the cubic-regularised
//!   model f + gᵀz + ½zᵀHz + (M/6)‖z‖³ around the point, each with its minimiser: each order's
//!   step is the minimiser of its model, and higher orders model more.
//!
//! In a slice of a higher-dimensional problem the lens shows the models restricted to the
//! plane (z in the plane), and the eigenvalues are those of the full Hessian.

use ndarray::ArrayView1;

use super::Projection;
use super::overlay::{DrawnItem, model_contours, sampled_contours};
use crate::engine::Drawn;
use crate::linalg::{
    Matrix, Vector, solve_in_place, symmetric_eigen_2x2, symmetric_eigen_in_place,
};
use crate::optim::{MAX_DENSE_DIM, Role, cubic_step};
use crate::problem::{Objective, ViewBounds};

/// Which lens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LensKind {
    /// Eigenvectors, the quadratic model and the Newton step.
    Curvature,
    /// The first-, second- and third-order models and their minimisers.
    Taylor,
    /// The estimator inspector's cloud: many gradient estimates of a zeroth-order method at
    /// the point ([`super::inspector`]).
    Cloud,
}

/// Where a lens looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LensAt {
    /// At a racer's current iterate (it follows the racer).
    Racer(u32),
    /// At a point of the drawn plane (the cursor, when paused).
    Point([f64; 2]),
}

/// The cubic weight M of the Taylor lens's third-order model.
pub const LENS_CUBIC_WEIGHT: f64 = 1.0;

/// A lens as the UI draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lens {
    /// Which lens.
    pub kind: LensKind,
    /// Where it looks, in plane coordinates.
    pub at: [f64; 2],
    /// The full Hessian's eigenvalues, smallest first.
    pub eigenvalues: Vec<f64>,
    /// The proximal model's step size η = 1/max|λ| (the Taylor lens).
    pub eta: f64,
    /// The shapes.
    pub items: Vec<DrawnItem>,
    /// The cloud's statistics (the cloud lens).
    pub cloud: Option<super::inspector::CloudStats>,
}

impl Lens {
    /// The condition number max|λ| / min|λ| (infinite for a singular Hessian).
    pub fn condition(&self) -> f64 {
        let abs = self.eigenvalues.iter().map(|l| l.abs());
        let (lo, hi) = abs.fold((f64::INFINITY, 0.0f64), |(lo, hi), a| {
            (lo.min(a), hi.max(a))
        });
        hi / lo
    }
}

/// The lens of `kind` at `x`, drawn over `window`; `None` when the problem has no dense Hessian
/// (or is too large for one) or the point is not finite.
pub fn compute(
    kind: LensKind,
    objective: &dyn Objective,
    projection: &Projection,
    window: ViewBounds,
    x: ArrayView1<'_, f64>,
) -> Option<Lens> {
    let d = objective.dim();
    // The cloud is the inspector's (it needs a racer's method).
    if kind == LensKind::Cloud
        || !objective.provides().hessian
        || d > MAX_DENSE_DIM
        || x.iter().any(|v| !v.is_finite())
    {
        return None;
    }
    let g = objective.gradient(x);
    let h = objective.hessian(x);
    if g.iter().chain(h.iter()).any(|v| !v.is_finite()) {
        return None;
    }
    let mut work = h.clone();
    let mut vectors = Matrix::zeros((d, d));
    symmetric_eigen_in_place(&mut work, &mut vectors);
    let mut eigenvalues: Vec<f64> = (0..d).map(|i| work[[i, i]]).collect();
    eigenvalues.sort_by(f64::total_cmp);
    let c = projection.project(x);
    let gp = projection.project_direction(g.view());
    let hp = projection.project_form(h.view());
    let span = (window.x.1 - window.x.0)
        .abs()
        .max((window.y.1 - window.y.0).abs());
    let big = eigenvalues.iter().fold(0.0f64, |m, l| m.max(l.abs()));
    let mut items = Vec::new();
    let mut push = |role, shape| items.push(DrawnItem { role, shape });
    let eta = if big > 0.0 { 1.0 / big } else { f64::NAN };
    match kind {
        LensKind::Cloud => {}
        LensKind::Curvature => {
            // The plane's curvature directions, scaled by |λ| (the largest to a fifth of the
            // window), both ways from the point.
            let ([l0, l1], [v0, v1]) = symmetric_eigen_2x2(hp);
            let top = l0.abs().max(l1.abs());
            for (l, v) in [(l0, v0), (l1, v1)] {
                if top == 0.0 {
                    break;
                }
                let len = 0.2 * span * l.abs() / top;
                let role = if l < 0.0 {
                    Role::CurvatureNegative
                } else {
                    Role::CurvaturePositive
                };
                for side in [1.0, -1.0] {
                    let tip = [c[0] + side * len * v[0], c[1] + side * len * v[1]];
                    push(role, Drawn::Arrow(c, tip));
                }
            }
            for line in model_contours(c, gp, hp, window) {
                push(Role::Model, Drawn::Polyline(line));
            }
            // The full Newton step −H⁻¹∇f, projected.
            let mut a = h.clone();
            let mut step = g.clone();
            if solve_in_place(&mut a, &mut step) {
                let to = Vector::from_iter(x.iter().zip(&step).map(|(xi, si)| xi - si));
                push(
                    Role::NewtonStep,
                    Drawn::Arrow(c, projection.project(to.view())),
                );
            }
        }
        LensKind::Taylor => {
            // m₁(z) = gᵀz + ‖z‖²/(2η): circles around z* = −ηg.
            if eta.is_finite() {
                let star = [c[0] - eta * gp[0], c[1] - eta * gp[1]];
                let through = eta * (gp[0] * gp[0] + gp[1] * gp[1]).sqrt();
                let radius = if through > 0.0 { through } else { 0.05 * span };
                for s in [0.5, 1.0, 1.5, 2.0] {
                    push(
                        Role::TaylorFirst,
                        Drawn::Circle {
                            centre: star,
                            radius: s * radius,
                        },
                    );
                }
                push(Role::TaylorFirstMinimiser, Drawn::Point(star));
            }
            // m₂: exact ellipses or hyperbolas, and its stationary point.
            for line in model_contours(c, gp, hp, window) {
                push(Role::TaylorSecond, Drawn::Polyline(line));
            }
            let det = hp[0][0] * hp[1][1] - hp[0][1] * hp[1][0];
            if det != 0.0 && det.is_finite() {
                let z = [
                    -(hp[1][1] * gp[0] - hp[0][1] * gp[1]) / det,
                    -(hp[0][0] * gp[1] - hp[1][0] * gp[0]) / det,
                ];
                push(
                    Role::TaylorSecondMinimiser,
                    Drawn::Point([c[0] + z[0], c[1] + z[1]]),
                );
            }
            // m₃ = m₂ + (M/6)‖z‖³: contoured on a grid, and its global minimiser.
            let m = LENS_CUBIC_WEIGHT;
            let cubic = |px: f64, py: f64| {
                let (a, b) = (px - c[0], py - c[1]);
                gp[0] * a
                    + gp[1] * b
                    + 0.5 * (hp[0][0] * a * a + (hp[0][1] + hp[1][0]) * a * b + hp[1][1] * b * b)
                    + m / 6.0 * (a * a + b * b).powf(1.5)
            };
            let ([l0, l1], [v0, v1]) = symmetric_eigen_2x2(hp);
            let gt = [gp[0] * v0[0] + gp[1] * v0[1], gp[0] * v1[0] + gp[1] * v1[1]];
            let mut s = [0.0; 2];
            cubic_step(&[l0, l1], &gt, m, &mut s);
            let z = [s[0] * v0[0] + s[1] * v1[0], s[0] * v0[1] + s[1] * v1[1]];
            let minimum = cubic(c[0] + z[0], c[1] + z[1]);
            let lines = sampled_contours(window, cubic, |_| {
                // Levels from the minimum up through the point (m₃ = 0 there) and beyond.
                let depth = (-minimum).max(f64::MIN_POSITIVE);
                [0.25, 0.5, 1.0, 2.0, 4.0]
                    .iter()
                    .map(|k| minimum + k * depth)
                    .collect()
            });
            for line in lines {
                push(Role::TaylorThird, Drawn::Polyline(line));
            }
            push(
                Role::TaylorThirdMinimiser,
                Drawn::Point([c[0] + z[0], c[1] + z[1]]),
            );
        }
    }
    Some(Lens {
        kind,
        at: c,
        eigenvalues,
        eta,
        items,
        cloud: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;
    use crate::scene::Slice;

    fn plane() -> Projection {
        Projection::new(&Slice::default(), &[0.0, 0.0], 0)
    }

    fn window() -> ViewBounds {
        ViewBounds {
            x: (-3.0, 3.0),
            y: (-3.0, 3.0),
        }
    }

    fn saddle() -> Box<dyn Objective> {
        let p: Problem = toml::from_str("kind = \"saddle\"").unwrap();
        p.build()
    }

    #[test]
    fn the_curvature_lens_reports_eigenvalues_and_marks_negative_curvature() {
        // ½(x² − y²) + ¼y⁴ at (0.5, 0.2): H = diag(1, −1 + 3·0.04) = diag(1, −0.88).
        let f = saddle();
        let x = ndarray::arr1(&[0.5, 0.2]);
        let lens = compute(
            LensKind::Curvature,
            f.as_ref(),
            &plane(),
            window(),
            x.view(),
        )
        .unwrap();
        assert_eq!(lens.eigenvalues, vec![-1.0 + 3.0 * 0.04, 1.0]);
        assert!((lens.condition() - 1.0 / 0.88).abs() < 1e-12);
        let count = |r: Role| lens.items.iter().filter(|i| i.role == r).count();
        assert_eq!(
            (
                count(Role::CurvaturePositive),
                count(Role::CurvatureNegative)
            ),
            (2, 2)
        );
        // The negative direction is y, and its arrows are 0.88 as long as the positive ones.
        let length = |r: Role| {
            lens.items
                .iter()
                .find_map(|i| match (i.role == r, &i.shape) {
                    (true, Drawn::Arrow(a, b)) => {
                        Some(((b[0] - a[0]).hypot(b[1] - a[1]), b[1] - a[1]))
                    }
                    _ => None,
                })
                .unwrap()
        };
        let (neg, neg_dy) = length(Role::CurvatureNegative);
        let (pos, _) = length(Role::CurvaturePositive);
        assert!((neg / pos - 0.88).abs() < 1e-12 && (neg_dy.abs() - neg).abs() < 1e-12);
        // The Newton step lands on the model's stationary point: x − H⁻¹∇f.
        let step = lens
            .items
            .iter()
            .find_map(|i| match (i.role, &i.shape) {
                (Role::NewtonStep, Drawn::Arrow(_, b)) => Some(*b),
                _ => None,
            })
            .unwrap();
        let gy = -0.2 + 0.2f64.powi(3);
        assert!(step[0].abs() < 1e-12 && (step[1] - (0.2 - gy / -0.88)).abs() < 1e-12);
        assert!(count(Role::Model) > 0);
    }

    #[test]
    fn the_taylor_lens_draws_each_orders_model_and_minimiser() {
        // On a quadratic the second- and third-order minimisers are where the models say:
        // m₂'s at the true minimum, m₁'s at x − η∇f with η = 1/λ_max.
        let p: Problem = toml::from_str("kind = \"quadratic\"\nkappa = 4\nangle = 0").unwrap();
        let f = p.build();
        let x = ndarray::arr1(&[1.0, 1.0]);
        let lens = compute(LensKind::Taylor, f.as_ref(), &plane(), window(), x.view()).unwrap();
        let point = |r: Role| {
            lens.items
                .iter()
                .find_map(|i| match (i.role == r, &i.shape) {
                    (true, Drawn::Point(p)) => Some(*p),
                    _ => None,
                })
                .unwrap()
        };
        assert_eq!(lens.eta, 0.25);
        let first = point(Role::TaylorFirstMinimiser);
        assert!(
            (first[0] - 0.0).abs() < 1e-12 && (first[1] - 0.75).abs() < 1e-12,
            "{first:?}"
        );
        let second = point(Role::TaylorSecondMinimiser);
        assert!(
            second[0].abs() < 1e-12 && second[1].abs() < 1e-12,
            "{second:?}"
        );
        // The cubic term shortens the step: m₃'s minimiser lies between x and m₂'s.
        let third = point(Role::TaylorThirdMinimiser);
        assert!(
            third[0] > 0.0 && third[0] < 1.0 && third[1] > 0.0 && third[1] < 1.0,
            "{third:?}"
        );
        for r in [Role::TaylorFirst, Role::TaylorSecond, Role::TaylorThird] {
            assert!(lens.items.iter().any(|i| i.role == r), "{r:?}");
        }
    }

    #[test]
    fn a_problem_without_a_dense_hessian_has_no_lens() {
        struct Flat;
        impl Objective for Flat {
            fn dim(&self) -> usize {
                2
            }
            fn value(&self, _: ArrayView1<'_, f64>) -> f64 {
                0.0
            }
            fn gradient_into(
                &self,
                _: ArrayView1<'_, f64>,
                mut g: ndarray::ArrayViewMut1<'_, f64>,
            ) {
                g.fill(0.0);
            }
            fn hvp_into(
                &self,
                _: ArrayView1<'_, f64>,
                _: ArrayView1<'_, f64>,
                mut o: ndarray::ArrayViewMut1<'_, f64>,
            ) {
                o.fill(0.0);
            }
            fn provides(&self) -> crate::problem::Provides {
                crate::problem::Provides {
                    hessian: false,
                    ..crate::problem::Provides::DERIVATIVES
                }
            }
            fn bounds(&self) -> ViewBounds {
                window()
            }
            fn minima(&self) -> Vec<crate::problem::Minimum> {
                Vec::new()
            }
        }
        let x = ndarray::arr1(&[0.0, 0.0]);
        assert!(compute(LensKind::Curvature, &Flat, &plane(), window(), x.view()).is_none());
    }
}
