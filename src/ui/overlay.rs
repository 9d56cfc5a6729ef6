//! The overlay layer: what each method shows of its state (probes, steps, model contours,
//! ellipses, trust regions), drawn in the racer's colour and styled by role, and the role's
//! name for the hover readout.

use egui::Color32;
use egui_plot::{Arrows, Line, LineStyle, MarkerShape, PlotPoint, PlotTransform, PlotUi, Points};

use super::View;
use super::status::racer_color;
use crate::engine::{Drawn, DrawnItem, Lens, RunInfo};
use crate::linalg::symmetric_eigen_2x2;
use crate::optim::Role;

/// Vertices of a drawn ellipse or circle.
const RING: usize = 72;

/// The theme's ink: near-white on the dark theme, near-black on the light one (the true
/// gradient is drawn in it, apart from every racer's colour and the colormap's).
fn ink(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(245)
    } else {
        Color32::from_gray(15)
    }
}

/// How an item of `role` is drawn: its colour (from the racer's, or the theme's ink) and line
/// width.
fn style(role: Role, racer: Color32, dark: bool) -> (Color32, f32) {
    match role {
        Role::Probe => (racer, 4.0),
        Role::Population => (racer.gamma_multiply(0.85), 3.5),
        Role::SearchRadius => (racer.gamma_multiply(0.6), 1.25),
        Role::SearchDistribution => (racer, 2.0),
        Role::SearchDistributionTarget => (racer.gamma_multiply(0.7), 1.5),
        Role::Simplex => (racer.gamma_multiply(0.8), 1.5),
        Role::Best => (racer, 6.0),
        Role::Estimate => (racer, 2.5),
        Role::TrueGradient => (ink(dark), 2.5),
        Role::EstimateSample => (racer.gamma_multiply(0.55), 1.0),
        Role::EstimateMean => (racer, 3.0),
        Role::EstimateSpread => (racer, 1.75),
        Role::ProbeLink => (racer.gamma_multiply(0.45), 1.0),
        Role::Step => (racer, 2.0),
        Role::Model => (racer.gamma_multiply(0.75), 1.25),
        Role::ModelCentre => (racer, 5.0),
        Role::SearchLine => (racer.gamma_multiply(0.4), 1.0),
        Role::TrialRejected => (racer.gamma_multiply(0.8), 4.0),
        Role::TrialAccepted => (racer, 4.5),
        Role::InverseHessianEstimate => (racer, 2.0),
        Role::InverseHessianTrue => (racer.gamma_multiply(0.7), 1.5),
        Role::GradientPoint => (racer, 4.0),
        Role::BaseSequence => (racer.gamma_multiply(0.6), 4.0),
        Role::TrustRegion => (racer.gamma_multiply(0.8), 1.5),
        Role::Dogleg => (racer.gamma_multiply(0.55), 1.25),
        Role::FisherMetric => (racer.gamma_multiply(0.8), 1.5),
        // The lenses are the problem's, not a racer's: fixed colours, one per model.
        Role::CurvaturePositive => (Color32::from_rgb(70, 130, 235), 2.5),
        Role::CurvatureNegative => (Color32::from_rgb(235, 60, 60), 3.5),
        Role::NewtonStep => (racer, 2.0),
        Role::TaylorFirst => (FIRST, 1.25),
        Role::TaylorSecond => (SECOND, 1.25),
        Role::TaylorThird => (THIRD, 1.5),
        Role::TaylorFirstMinimiser => (FIRST, 5.5),
        Role::TaylorSecondMinimiser => (SECOND, 5.5),
        Role::TaylorThirdMinimiser => (THIRD, 5.5),
    }
}

/// The Taylor lens's colours: first, second and third order.
const FIRST: Color32 = Color32::from_rgb(60, 185, 95);
const SECOND: Color32 = Color32::from_rgb(245, 150, 40);
const THIRD: Color32 = Color32::from_rgb(175, 105, 230);

/// The marker of a point of `role`: rejected trials are crosses, the model's centre a diamond.
fn marker(role: Role) -> MarkerShape {
    match role {
        Role::ModelCentre
        | Role::TaylorFirstMinimiser
        | Role::TaylorSecondMinimiser
        | Role::TaylorThirdMinimiser => MarkerShape::Diamond,
        Role::TrialRejected => MarkerShape::Cross,
        Role::BaseSequence => MarkerShape::Square,
        Role::Best => MarkerShape::Asterisk,
        _ => MarkerShape::Circle,
    }
}

/// The line style of `role`: dashed for references the method does not know (the true H⁻¹,
/// the lenses' models) and the trust region, solid otherwise.
fn line_style(role: Role) -> LineStyle {
    let dashed = matches!(
        role,
        Role::InverseHessianTrue
            | Role::SearchDistributionTarget
            | Role::SearchRadius
            | Role::TrustRegion
            | Role::TaylorFirst
            | Role::TaylorSecond
            | Role::TaylorThird
    );
    if dashed {
        LineStyle::dashed_dense()
    } else {
        LineStyle::Solid
    }
}

/// The points of the ellipse {c + S^½ w : ‖w‖ = 1}.
fn ellipse(centre: [f64; 2], shape: [[f64; 2]; 2]) -> Vec<[f64; 2]> {
    let ([l0, l1], [v0, v1]) = symmetric_eigen_2x2(shape);
    let (r0, r1) = (l0.max(0.0).sqrt(), l1.max(0.0).sqrt());
    (0..=RING)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / RING as f64;
            let (a, b) = (r0 * t.cos(), r1 * t.sin());
            [
                centre[0] + a * v0[0] + b * v1[0],
                centre[1] + a * v0[1] + b * v1[1],
            ]
        })
        .collect()
}

/// Draws every racer's overlay.
pub fn draw(p: &mut PlotUi<'_>, view: &View, info: &RunInfo, dark: bool) {
    for (i, r) in view.racers.iter().enumerate() {
        let (Some(o), None) = (&r.overlay, &r.stopped) else {
            continue;
        };
        let racer = racer_color(info.colors[i], dark);
        for (k, item) in o.items.iter().enumerate() {
            draw_item(p, item, racer, dark, ("overlay", i, k));
        }
    }
}

/// Draws a lens; `ink` is the theme's foreground, for its Newton step. The estimator cloud is
/// drawn in the colour of the racer whose estimates it shows.
pub fn draw_lens(p: &mut PlotUi<'_>, lens: &Lens, info: &RunInfo, ink: Color32, dark: bool) {
    let base = lens
        .cloud
        .as_ref()
        .and_then(|c| info.colors.get(c.racer as usize))
        .map_or(ink, |c| racer_color(*c, dark));
    for (k, item) in lens.items.iter().enumerate() {
        draw_item(p, item, base, dark, ("lens", 0, k));
    }
}

/// Draws one item, styled by its role from `base`.
fn draw_item(
    p: &mut PlotUi<'_>,
    item: &DrawnItem,
    base: Color32,
    dark: bool,
    id: (&str, usize, usize),
) {
    let (color, width) = style(item.role, base, dark);
    // A cloud's many arrows get small heads, so that they read as a spray.
    let tip = if item.role == Role::EstimateSample {
        5.0
    } else {
        12.0
    };
    match &item.shape {
        Drawn::Point(a) => p.points(
            Points::new("", vec![*a])
                .shape(marker(item.role))
                .filled(true)
                .radius(width)
                .color(color)
                .allow_hover(false)
                .id(id),
        ),
        Drawn::Segment(a, b) => p.line(
            Line::new("", vec![*a, *b])
                .color(color)
                .width(width)
                .allow_hover(false)
                .allow_band(false)
                .id(id),
        ),
        Drawn::Arrow(a, b) => p.arrows(
            Arrows::new("", vec![*a], vec![*b])
                .color(color)
                .tip_length(tip)
                .allow_hover(false)
                .id(id),
        ),
        Drawn::Circle { centre, radius } => p.line(
            Line::new(
                "",
                ellipse(*centre, [[radius * radius, 0.0], [0.0, radius * radius]]),
            )
            .color(color)
            .style(line_style(item.role))
            .width(width)
            .allow_hover(false)
            .allow_band(false)
            .id(id),
        ),
        Drawn::Ellipse { centre, shape } => p.line(
            Line::new("", ellipse(*centre, *shape))
                .color(color)
                .style(line_style(item.role))
                .width(width)
                .allow_hover(false)
                .allow_band(false)
                .id(id),
        ),
        Drawn::Polyline(pts) => p.line(
            Line::new("", pts.clone())
                .color(color)
                .style(line_style(item.role))
                .width(width)
                .allow_hover(false)
                .allow_band(false)
                .id(id),
        ),
    }
}

/// Screen distance from `cursor` to the segment a–b.
fn to_segment(cursor: egui::Pos2, a: egui::Pos2, b: egui::Pos2) -> f32 {
    let ab = b - a;
    let t = ((cursor - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    cursor.distance(a + t * ab)
}

/// The overlay item nearest to the cursor within `radius` pixels: its racer and role.
pub fn nearest(
    view: &View,
    transform: &PlotTransform,
    cursor: egui::Pos2,
    radius: f32,
) -> Option<(usize, Role)> {
    let screen = |p: &[f64; 2]| transform.position_from_point(&PlotPoint::new(p[0], p[1]));
    let path_distance = |pts: &[[f64; 2]]| {
        pts.windows(2)
            .map(|w| to_segment(cursor, screen(&w[0]), screen(&w[1])))
            .fold(f32::INFINITY, f32::min)
    };
    let mut best: Option<(f32, usize, Role)> = None;
    for (i, r) in view.racers.iter().enumerate() {
        let Some(o) = &r.overlay else { continue };
        for item in &o.items {
            let d = match &item.shape {
                Drawn::Point(a) => screen(a).distance(cursor),
                Drawn::Segment(a, b) | Drawn::Arrow(a, b) => {
                    to_segment(cursor, screen(a), screen(b))
                }
                Drawn::Circle { centre, radius } => path_distance(&ellipse(
                    *centre,
                    [[radius * radius, 0.0], [0.0, radius * radius]],
                )),
                Drawn::Ellipse { centre, shape } => path_distance(&ellipse(*centre, *shape)),
                Drawn::Polyline(pts) => path_distance(pts),
            };
            // Points win over lines they sit on.
            let d = if matches!(item.shape, Drawn::Point(_)) {
                d - 3.0
            } else {
                d
            };
            if d < radius && best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, i, item.role));
            }
        }
    }
    best.map(|(_, i, role)| (i, role))
}
