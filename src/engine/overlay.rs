//! Projecting a method's [`Overlay`] (parameter space) onto the drawn plane, for the UI.

use super::Projection;
use super::landscape::{self, GridSpec};
use crate::linalg::symmetric_eigen_2x2;
use crate::optim::{Overlay, Role, Shape};
use crate::problem::ViewBounds;

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

/// Projects `overlay` onto the plane; quadratic models are contoured over `window`.
pub(super) fn project(
    overlay: &Overlay,
    projection: &Projection,
    window: ViewBounds,
    step: u64,
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
            Shape::Ellipse { centre, shape } => items.push(DrawnItem {
                role,
                shape: Drawn::Ellipse {
                    centre: p(centre),
                    shape: projection.project_form(overlay.get_matrix(shape)),
                },
            }),
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

/// Contours of m(c + z) = gᵀz + ½ zᵀHz over `window`. When H is positive definite the levels
/// are the ellipses m* (1 − s²) around the minimiser, s = ½, 1, 3⁄2, 2, 3 (s = 1 passes through
/// c); otherwise they spread evenly around 0 (the level through c).
fn model_contours(
    c: [f64; 2],
    g: [f64; 2],
    h: [[f64; 2]; 2],
    window: ViewBounds,
) -> Vec<Vec<[f64; 2]>> {
    let spec = GridSpec {
        bounds: window,
        nx: MODEL_GRID,
        ny: MODEL_GRID,
        levels: 0,
    };
    let m = |x: f64, y: f64| {
        let (a, b) = (x - c[0], y - c[1]);
        g[0] * a
            + g[1] * b
            + 0.5 * (h[0][0] * a * a + (h[0][1] + h[1][0]) * a * b + h[1][1] * b * b)
    };
    let mut values = Vec::with_capacity(MODEL_GRID * MODEL_GRID);
    let (wx, wy) = (window.x.1 - window.x.0, window.y.1 - window.y.0);
    let step = |lo: f64, w: f64, i: usize| lo + w * i as f64 / (MODEL_GRID - 1) as f64;
    for j in 0..MODEL_GRID {
        for i in 0..MODEL_GRID {
            values.push(m(step(window.x.0, wx, i), step(window.y.0, wy, j)));
        }
    }
    let ([lo, _], _) = symmetric_eigen_2x2(h);
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    let levels: Vec<f64> = if lo > 0.0 && det > 0.0 {
        // m* = −½ gᵀH⁻¹g.
        let hinv_g = [
            (h[1][1] * g[0] - h[0][1] * g[1]) / det,
            (h[0][0] * g[1] - h[1][0] * g[0]) / det,
        ];
        let m_star = -0.5 * (g[0] * hinv_g[0] + g[1] * hinv_g[1]);
        if m_star < 0.0 {
            [0.5, 1.0, 1.5, 2.0, 3.0]
                .iter()
                .map(|s| m_star * (1.0 - s * s))
                .collect()
        } else {
            // At a stationary point: ellipses of a fixed share of the window.
            let r = 0.08 * wx.abs().min(wy.abs());
            (1..=4).map(|k| 0.5 * lo * (k as f64 * r).powi(2)).collect()
        }
    } else {
        let scale = values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, |a, v| a.max(v.abs()));
        [-0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5]
            .iter()
            .map(|f| f * scale)
            .collect()
    };
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

    #[test]
    fn a_positive_definite_model_is_drawn_as_ellipses_around_its_minimiser() {
        let window = ViewBounds {
            x: (-3.0, 3.0),
            y: (-3.0, 3.0),
        };
        let c = [1.0, 0.5];
        let h = [[2.0, 0.5], [0.5, 1.0]];
        let g = [1.0, -0.3];
        let lines = model_contours(c, g, h, window);
        assert!(!lines.is_empty());
        // The s = 1 level passes through c: some contour point lies next to it.
        let to_segment = |a: [f64; 2], b: [f64; 2]| {
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let t = (((c[0] - a[0]) * dx + (c[1] - a[1]) * dy) / (dx * dx + dy * dy).max(1e-300))
                .clamp(0.0, 1.0);
            ((a[0] + t * dx - c[0]).powi(2) + (a[1] + t * dy - c[1]).powi(2)).sqrt()
        };
        let near = lines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|w| to_segment(w[0], w[1]))
            .fold(f64::INFINITY, f64::min);
        // Within a quarter of a model-grid cell (6 / 63 wide), the contours' simplification.
        assert!(near < 0.03, "nearest contour {near} from c");
        // Every contour is closed (an ellipse inside the window, or cut by its edge).
        let inside = lines.iter().filter(|l| l.first() == l.last()).count();
        assert!(inside >= 2, "{inside} closed ellipses");
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
        let d = project(&o, &proj, window, 12);
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
}
