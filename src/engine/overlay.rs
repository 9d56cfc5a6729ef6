//! Projecting a method's [`Overlay`] (parameter space) onto the drawn plane, for the UI.

use super::Projection;
use super::landscape::{self, GridSpec};
use ndarray::ArrayView1;

use crate::linalg::{
    Matrix, Vector, cholesky_in_place, cholesky_solve_in_place, symmetric_eigen_2x2,
};
use crate::optim::{MAX_DENSE_DIM, Overlay, Role, Shape};
use crate::problem::{Objective, ViewBounds};

/// A shape in plane coordinates.
#[derive(Clone, Debug, PartialEq)]
pub enum Drawn {
    /// A dot.
    Point([f64; 2]),
    /// A line.
    Segment([f64; 2], [f64; 2]),
    /// An arrow from the first point to the second.
    Arrow([f64; 2], [f64; 2]),
    /// A circle.
    Circle {
        /// The centre.
        centre: [f64; 2],
        /// The radius.
        radius: f64,
    },
    /// The ellipse {c + S^½ w : ‖w‖ = 1}.
    Ellipse {
        /// The centre c.
        centre: [f64; 2],
        /// The 2 × 2 shape matrix S.
        shape: [[f64; 2]; 2],
    },
    /// A polyline (a model contour).
    Polyline(Vec<[f64; 2]>),
}

/// One drawn overlay item.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnItem {
    /// What it shows (the UI colours by role and names it on hover).
    pub role: Role,
    /// Where.
    pub shape: Drawn,
}

/// A racer's overlay as the UI draws it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrawnOverlay {
    /// The racer's step when the overlay was taken.
    pub step: u64,
    /// The items, in drawing order.
    pub items: Vec<DrawnItem>,
}

/// Samples per side of the grid a quadratic model is contoured on.
const MODEL_GRID: usize = 64;

/// Projects `overlay` onto the plane; quadratic models are contoured over `window`. Beside a
/// method's inverse-Hessian estimate, the true H⁻¹ ellipse at the same point is drawn when the
/// objective has a positive-definite Hessian there (a reference outside the method's counts).
pub(super) fn project(
    overlay: &Overlay,
    projection: &Projection,
    window: ViewBounds,
    step: u64,
    objective: &dyn Objective,
) -> DrawnOverlay {
    let p = |v| projection.project(overlay.get(v));
    let mut items = Vec::with_capacity(overlay.items().len());
    for item in overlay.items() {
        let role = item.role;
        match item.shape {
            Shape::Point(a) => items.push(DrawnItem {
                role,
                shape: Drawn::Point(p(a)),
            }),
            Shape::Segment(a, b) => items.push(DrawnItem {
                role,
                shape: Drawn::Segment(p(a), p(b)),
            }),
            Shape::Arrow(a, b) => items.push(DrawnItem {
                role,
                shape: Drawn::Arrow(p(a), p(b)),
            }),
            Shape::Circle { centre, radius } => items.push(DrawnItem {
                role,
                shape: Drawn::Circle {
                    centre: p(centre),
                    radius,
                },
            }),
            Shape::Ellipse { centre, shape } => {
                items.push(DrawnItem {
                    role,
                    shape: Drawn::Ellipse {
                        centre: p(centre),
                        shape: projection.project_form(overlay.get_matrix(shape)),
                    },
                });
                if role == Role::InverseHessianEstimate
                    && let Some(inverse) = true_inverse_hessian(objective, overlay.get(centre))
                {
                    items.push(DrawnItem {
                        role: Role::InverseHessianTrue,
                        shape: Drawn::Ellipse {
                            centre: p(centre),
                            shape: projection.project_form(inverse.view()),
                        },
                    });
                }
                // Beside a search distribution, the shape it should learn: H⁻¹ scaled to the
                // same area in the plane (only the shape is comparable; σ sets the size).
                if role == Role::SearchDistribution
                    && let Some(inverse) = true_inverse_hessian(objective, overlay.get(centre))
                {
                    let drawn = projection.project_form(overlay.get_matrix(shape));
                    let target = projection.project_form(inverse.view());
                    let det = |m: [[f64; 2]; 2]| m[0][0] * m[1][1] - m[0][1] * m[1][0];
                    let scale = (det(drawn) / det(target)).sqrt();
                    if scale.is_finite() && scale > 0.0 {
                        let s = target.map(|row| row.map(|v| v * scale));
                        items.push(DrawnItem {
                            role: Role::SearchDistributionTarget,
                            shape: Drawn::Ellipse {
                                centre: p(centre),
                                shape: s,
                            },
                        });
                    }
                }
            }
            Shape::Model {
                centre,
                gradient,
                hessian,
            } => {
                let g = projection.project_direction(overlay.get(gradient));
                let h = projection.project_form(overlay.get_matrix(hessian));
                for line in model_contours(p(centre), g, h, window) {
                    items.push(DrawnItem {
                        role,
                        shape: Drawn::Polyline(line),
                    });
                }
            }
        }
    }
    DrawnOverlay { step, items }
}

/// ∇²f(x)⁻¹ when the objective provides a dense Hessian of a size the dense methods allow and it
/// is positive definite at x.
fn true_inverse_hessian(objective: &dyn Objective, x: ArrayView1<'_, f64>) -> Option<Matrix> {
    let d = objective.dim();
    if !objective.provides().hessian || d > MAX_DENSE_DIM {
        return None;
    }
    let mut l = objective.hessian(x);
    if !cholesky_in_place(&mut l) {
        return None;
    }
    let mut inverse = Matrix::zeros((d, d));
    let mut e = Vector::zeros(d);
    for j in 0..d {
        e.fill(0.0);
        e[j] = 1.0;
        cholesky_solve_in_place(&l, &mut e);
        inverse.column_mut(j).assign(&e);
    }
    Some(inverse)
}

/// Vertices of one drawn model contour.
const CONTOUR_POINTS: usize = 120;

/// Contours of the model m(c + z) = gᵀz + ½ zᵀHz in the plane, drawn exactly: in the
/// eigenbasis of H the level sets are ellipses (H definite) or hyperbolas (H indefinite) around
/// the stationary point z* = −H⁻¹g. For a definite H the levels are m* (1 − s²) for
/// s = ½, 1, 3⁄2, 2, 3, ellipses scaled by s (s = 1 passes through c, where the model was
/// built); for an indefinite H they are the level through c and levels a quarter and four
/// times as far from m*. A (nearly) singular H, whose contours are parabolas or lines, is
/// contoured on a grid over `window` instead.
pub(super) fn model_contours(
    c: [f64; 2],
    g: [f64; 2],
    h: [[f64; 2]; 2],
    window: ViewBounds,
) -> Vec<Vec<[f64; 2]>> {
    let ([l0, l1], [v0, v1]) = symmetric_eigen_2x2(h);
    let scale = l0.abs().max(l1.abs());
    if !(scale > 0.0 && scale.is_finite()) || l0.abs().min(l1.abs()) <= 1e-9 * scale {
        return grid_contours(c, g, h, window);
    }
    let lambda = [l0, l1];
    let b = [g[0] * v0[0] + g[1] * v0[1], g[0] * v1[0] + g[1] * v1[1]];
    let star = [-b[0] / l0, -b[1] / l1];
    let m_star = -0.5 * (b[0] * b[0] / l0 + b[1] * b[1] / l1);
    let to_plot = |y: [f64; 2]| {
        let z = [star[0] + y[0], star[1] + y[1]];
        [
            c[0] + z[0] * v0[0] + z[1] * v1[0],
            c[1] + z[0] * v0[1] + z[1] * v1[1],
        ]
    };
    let width = (window.x.1 - window.x.0)
        .abs()
        .max((window.y.1 - window.y.0).abs());
    // A share of the window along the softest direction, for a model at its own stationary point.
    let fallback = |k: f64| {
        let soft = lambda[0].abs().min(lambda[1].abs());
        0.5 * soft * (0.05 * k * width).powi(2)
    };
    let mut out = Vec::new();
    if l0.signum() == l1.signum() {
        // Ellipses Σ |λ_k| y_k² = r.
        let levels: Vec<f64> = if m_star.abs() > 1e-12 * scale * width * width {
            [0.5, 1.0, 1.5, 2.0, 3.0]
                .iter()
                .map(|s| 2.0 * m_star.abs() * s * s)
                .collect()
        } else {
            (1..=3).map(|k| 2.0 * fallback(k as f64)).collect()
        };
        for r in levels {
            let axes = [(r / l0.abs()).sqrt(), (r / l1.abs()).sqrt()];
            let mut ring: Vec<[f64; 2]> = (0..CONTOUR_POINTS)
                .map(|k| {
                    let t = std::f64::consts::TAU * k as f64 / CONTOUR_POINTS as f64;
                    to_plot([axes[0] * t.cos(), axes[1] * t.sin()])
                })
                .collect();
            ring.push(ring[0]);
            out.push(ring);
        }
    } else {
        // Hyperbolas Σ λ_k y_k² = w, each with its two branches.
        let through = -2.0 * m_star;
        let base = if through.abs() > 1e-12 * scale * width * width {
            through.abs()
        } else {
            2.0 * fallback(2.0)
        };
        let mut levels = vec![through];
        for f in [0.25, 4.0] {
            levels.extend([f * base, -f * base]);
        }
        levels.retain(|w| w.abs() > 0.0);
        levels.dedup();
        let reach = 2.0 * width + star[0].abs() + star[1].abs();
        for w in levels {
            // p: the axis whose curvature has w's sign (the branches open along it).
            let (p, q) = if lambda[0].signum() == w.signum() {
                (0, 1)
            } else {
                (1, 0)
            };
            let a = (w / lambda[p]).abs().sqrt();
            let bq = (w / lambda[q]).abs().sqrt();
            let t_max = (reach / bq).asinh();
            for side in [1.0, -1.0] {
                out.push(
                    (0..=CONTOUR_POINTS)
                        .map(|k| {
                            let t = t_max * (2.0 * k as f64 / CONTOUR_POINTS as f64 - 1.0);
                            let mut y = [0.0; 2];
                            y[p] = side * a * t.cosh();
                            y[q] = bq * t.sinh();
                            to_plot(y)
                        })
                        .collect(),
                );
            }
        }
    }
    out
}

/// Model contours on a grid over `window`, for models with (nearly) singular curvature.
fn grid_contours(
    c: [f64; 2],
    g: [f64; 2],
    h: [[f64; 2]; 2],
    window: ViewBounds,
) -> Vec<Vec<[f64; 2]>> {
    let m = |x: f64, y: f64| {
        let (a, b) = (x - c[0], y - c[1]);
        g[0] * a
            + g[1] * b
            + 0.5 * (h[0][0] * a * a + (h[0][1] + h[1][0]) * a * b + h[1][1] * b * b)
    };
    sampled_contours(window, m, |values| {
        let scale = values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, |a, v| a.max(v.abs()));
        [-0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5]
            .iter()
            .map(|f| f * scale)
            .collect()
    })
}

/// Contours of any function of the plane, sampled on a grid over `window`, at the levels
/// `levels` picks from the samples.
pub(super) fn sampled_contours(
    window: ViewBounds,
    f: impl Fn(f64, f64) -> f64,
    levels: impl FnOnce(&[f64]) -> Vec<f64>,
) -> Vec<Vec<[f64; 2]>> {
    let spec = GridSpec {
        bounds: window,
        nx: MODEL_GRID,
        ny: MODEL_GRID,
        levels: 0,
        smoothing: 0.0,
    };
    let (wx, wy) = (window.x.1 - window.x.0, window.y.1 - window.y.0);
    let at = |lo: f64, w: f64, i: usize| lo + w * i as f64 / (MODEL_GRID - 1) as f64;
    let mut values = Vec::with_capacity(MODEL_GRID * MODEL_GRID);
    for j in 0..MODEL_GRID {
        for i in 0..MODEL_GRID {
            values.push(f(at(window.x.0, wx, i), at(window.y.0, wy, j)));
        }
    }
    let levels = levels(&values);
    landscape::with_contours(spec, values, Some(levels))
        .contours
        .into_iter()
        .flat_map(|c| c.lines)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::Slice;
    use ndarray::array;

    /// The model's value at `p`, relative to the point it was built at.
    fn model(c: [f64; 2], g: [f64; 2], h: [[f64; 2]; 2], p: [f64; 2]) -> f64 {
        let (a, b) = (p[0] - c[0], p[1] - c[1]);
        g[0] * a + g[1] * b + 0.5 * (h[0][0] * a * a + 2.0 * h[0][1] * a * b + h[1][1] * b * b)
    }

    fn window() -> ViewBounds {
        ViewBounds {
            x: (-3.0, 3.0),
            y: (-3.0, 3.0),
        }
    }

    #[test]
    fn a_definite_model_is_drawn_as_exact_ellipses_one_through_its_point() {
        let (c, g) = ([1.0, 0.5], [1.0, -0.3]);
        for h in [
            [[2.0, 0.5], [0.5, 1.0]],
            [[-2.0, 0.5], [0.5, -1.0]],
            [[1000.0, 0.0], [0.0, 0.4]],
        ] {
            let lines = model_contours(c, g, h, window());
            assert_eq!(lines.len(), 5, "{h:?}");
            for line in &lines {
                assert_eq!(line.first(), line.last(), "an ellipse closes");
                // Every vertex lies on one level set of the model.
                let levels: Vec<f64> = line.iter().map(|p| model(c, g, h, *p)).collect();
                let spread = levels
                    .iter()
                    .fold(0.0_f64, |m, v| m.max((v - levels[0]).abs()));
                assert!(spread < 1e-9 * (1.0 + levels[0].abs()), "{h:?}: {spread}");
            }
            // The second ellipse (s = 1) is the level m = 0: it passes through c.
            assert!(model(c, g, h, lines[1][0]).abs() < 1e-9, "{h:?}");
        }
    }

    #[test]
    fn a_saddle_model_is_drawn_as_hyperbolas_and_the_first_passes_through_its_point() {
        let (c, g) = ([0.5, -0.25], [0.3, 0.8]);
        let h = [[1.0, 0.2], [0.2, -2.0]];
        let lines = model_contours(c, g, h, window());
        assert!(lines.len() >= 6, "{} branches", lines.len());
        for line in &lines {
            let levels: Vec<f64> = line.iter().map(|p| model(c, g, h, *p)).collect();
            let spread = levels
                .iter()
                .fold(0.0_f64, |m, v| m.max((v - levels[0]).abs()));
            assert!(spread < 1e-8 * (1.0 + levels[0].abs()), "{spread}");
        }
        // The first two branches are the level through c (m = 0) and reach across the window.
        assert!(model(c, g, h, lines[0][0]).abs() < 1e-9);
        let near = lines[..2]
            .iter()
            .flatten()
            .map(|p| ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)).sqrt())
            .fold(f64::INFINITY, f64::min);
        assert!(near < 0.2, "the level through c comes within {near}");
    }

    #[test]
    fn a_singular_model_falls_back_to_grid_contours() {
        let lines = model_contours([0.0, 0.0], [1.0, 0.0], [[0.0, 0.0], [0.0, 2.0]], window());
        assert!(!lines.is_empty());
    }

    #[test]
    fn projecting_an_overlay_maps_points_and_forms() {
        let proj = Projection::new(&Slice::default(), &[0.0, 0.0], 0);
        let mut o = Overlay::new(2);
        let a = o.vector(array![1.0, 2.0].view());
        let b = o.vector(array![3.0, -1.0].view());
        let s = o.matrix(array![[4.0, 0.0], [0.0, 1.0]].view());
        o.draw(Role::Probe, Shape::Point(a));
        o.draw(Role::ProbeLink, Shape::Segment(a, b));
        o.draw(
            Role::Step,
            Shape::Ellipse {
                centre: b,
                shape: s,
            },
        );
        let window = ViewBounds {
            x: (-5.0, 5.0),
            y: (-5.0, 5.0),
        };
        let sphere = crate::problem::Problem::defaults()
            .into_iter()
            .find(|p| p.key() == "sphere")
            .unwrap()
            .build();
        let d = project(&o, &proj, window, 12, sphere.as_ref());
        assert_eq!(d.step, 12);
        assert_eq!(d.items[0].shape, Drawn::Point([1.0, 2.0]));
        assert_eq!(d.items[1].shape, Drawn::Segment([1.0, 2.0], [3.0, -1.0]));
        assert_eq!(
            d.items[2].shape,
            Drawn::Ellipse {
                centre: [3.0, -1.0],
                shape: [[4.0, 0.0], [0.0, 1.0]]
            }
        );
    }

    #[test]
    fn an_inverse_hessian_estimate_is_drawn_beside_the_true_inverse() {
        let proj = Projection::new(&Slice::default(), &[0.0, 0.0], 0);
        let rosenbrock = crate::problem::Problem::default().build();
        let window = ViewBounds {
            x: (-2.0, 2.0),
            y: (-1.0, 3.0),
        };
        let mut o = Overlay::new(2);
        let at_minimum = o.vector(array![1.0, 1.0].view());
        let saddle_side = o.vector(array![0.0, 1.0].view());
        let s = o.matrix(array![[1.0, 0.0], [0.0, 1.0]].view());
        for centre in [at_minimum, saddle_side] {
            o.draw(
                Role::InverseHessianEstimate,
                Shape::Ellipse { centre, shape: s },
            );
        }
        let d = project(&o, &proj, window, 3, rosenbrock.as_ref());
        let roles: Vec<Role> = d.items.iter().map(|i| i.role).collect();
        // At (1, 1), H = [[802, −400], [−400, 200]] is definite, with H⁻¹ = [[½, 1], [1, 2.005]];
        // at (0, 1), H = [[−398, 0], [0, 200]] is not, and no true ellipse is drawn.
        assert_eq!(
            roles,
            [
                Role::InverseHessianEstimate,
                Role::InverseHessianTrue,
                Role::InverseHessianEstimate
            ]
        );
        let Drawn::Ellipse { centre, shape } = d.items[1].shape else {
            panic!("{:?}", d.items[1])
        };
        assert_eq!(centre, [1.0, 1.0]);
        let want = [[0.5, 1.0], [1.0, 2.005]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((shape[i][j] - want[i][j]).abs() < 1e-12, "{shape:?}");
            }
        }
    }
}
