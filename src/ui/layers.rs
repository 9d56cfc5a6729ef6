//! The landscape plot's layers, drawn bottom to top: zoom input, the heatmap, contours, known
//! minima, paths with their markers, and the gradient and step arrows. (The methods' overlays
//! are `ui/overlay.rs`.)

use egui::Color32;
use egui_plot::{Arrows, Line, MarkerShape, PlotImage, PlotPoint, PlotPoints, PlotUi, Points};

use super::landscape::LandscapeUi;
use super::status::racer_color;
use super::{View, thin};
use crate::engine::{Grid, RunInfo};

/// Wheel zoom around the pointer.
pub fn zoom_layer(p: &mut PlotUi<'_>) {
    if p.response().hovered() {
        let scroll = p
            .ctx()
            .input(|i| i.smooth_scroll_delta.y + i.zoom_delta().ln() * 200.0);
        if scroll != 0.0 {
            let z = (scroll * 0.003).exp();
            p.zoom_bounds_around_hovered(egui::vec2(z, z));
        }
    }
}

/// The grid's texture, placed over its window.
pub fn heatmap_layer(p: &mut PlotUi<'_>, tex: egui::TextureId, g: &Grid) {
    let b = g.spec.bounds;
    let (nx, ny) = (g.spec.nx as f64, g.spec.ny as f64);
    let w = (b.x.1 - b.x.0) * nx / (nx - 1.0);
    let h = (b.y.1 - b.y.0) * ny / (ny - 1.0);
    let centre = PlotPoint::new((b.x.0 + b.x.1) / 2.0, (b.y.0 + b.y.1) / 2.0);
    p.image(PlotImage::new(
        "",
        tex,
        centre,
        egui::vec2(w as f32, h as f32),
    ));
}

/// Thin, light contour lines.
pub fn contour_layer<'a>(p: &mut PlotUi<'a>, lines: &'a [Vec<PlotPoint>], color: Color32) {
    for (k, line) in lines.iter().enumerate() {
        p.line(
            Line::new("", PlotPoints::Borrowed(line))
                .color(color)
                .width(1.0)
                .allow_hover(false)
                .allow_band(false)
                .id(("contour", k)),
        );
    }
}

/// The known minima, as haloed asterisks.
pub fn minima_layer(p: &mut PlotUi<'_>, info: &RunInfo, dark: bool) {
    if info.minima.is_empty() {
        return;
    }
    let (halo, mark) = if dark {
        (Color32::BLACK, Color32::WHITE)
    } else {
        (Color32::WHITE, Color32::BLACK)
    };
    p.points(
        Points::new("", info.minima.clone())
            .shape(MarkerShape::Asterisk)
            .radius(9.0)
            .color(halo)
            .allow_hover(false),
    );
    p.points(
        Points::new(
            if info.minima_numerical {
                "minima (found numerically)"
            } else {
                "known minima"
            },
            info.minima.clone(),
        )
        .shape(MarkerShape::Asterisk)
        .radius(7.0)
        .color(mark),
    );
}

/// Pixels per plot unit along each axis.
pub fn px_per_unit(p: &PlotUi<'_>) -> [f64; 2] {
    let bounds = p.plot_bounds();
    let rect = p.response().rect;
    [
        rect.width() as f64 / (bounds.max()[0] - bounds.min()[0]).abs().max(1e-300),
        rect.height() as f64 / (bounds.max()[1] - bounds.min()[1]).abs().max(1e-300),
    ]
}

/// Each racer's haloed path, with a hollow start marker and a filled current one (a ✕ where
/// it stopped).
pub fn paths_layer(p: &mut PlotUi<'_>, view: &View, info: &RunInfo, dark: bool) {
    let scale = px_per_unit(p);
    let halo = Color32::from_black_alpha(150);
    for (i, r) in view.racers.iter().enumerate() {
        let (label, color) = (&info.labels[i], racer_color(info.colors[i], dark));
        let pts = thin::by_distance(r.history.samples().iter().map(|s| s.xy), scale, 0.75);
        let (Some(first), Some(last)) = (pts.first().copied(), pts.last().copied()) else {
            continue;
        };
        // A dark halo under each path keeps it legible on every colormap.
        p.line(
            Line::new("", pts.clone())
                .color(halo)
                .width(5.0)
                .allow_band(false)
                .allow_hover(false),
        );
        p.line(
            Line::new(label.clone(), pts)
                .color(color)
                .width(2.0)
                .allow_band(false),
        );
        p.points(
            Points::new(label.clone(), vec![first])
                .shape(MarkerShape::Circle)
                .filled(false)
                .radius(6.0)
                .color(color),
        );
        let (shape, radius, filled) = if r.stopped.is_some() {
            (MarkerShape::Cross, 9.0, false)
        } else {
            (MarkerShape::Circle, 5.0, true)
        };
        p.points(
            Points::new(label.clone(), vec![last])
                .shape(shape)
                .filled(filled)
                .radius(radius)
                .color(color),
        );
    }
}

/// −∇f and last-step arrows at the current points.
pub fn arrows_layer(p: &mut PlotUi<'_>, view: &View, info: &RunInfo, st: &LandscapeUi, dark: bool) {
    let bounds = p.plot_bounds();
    let arrow_len = 0.08 * (bounds.max()[0] - bounds.min()[0]).abs();
    for (i, r) in view.racers.iter().enumerate() {
        let (Some(rec), None) = (r.history.last(), &r.stopped) else {
            continue;
        };
        let color = racer_color(info.colors[i], dark);
        let at = rec.xy;
        let mut arrow = |dir: [f64; 2], color: Color32, tip: f32| {
            let n = (dir[0] * dir[0] + dir[1] * dir[1]).sqrt();
            if n > 0.0 && n.is_finite() {
                let end = [
                    at[0] + arrow_len * dir[0] / n,
                    at[1] + arrow_len * dir[1] / n,
                ];
                p.arrows(
                    Arrows::new("", vec![at], vec![end])
                        .color(color)
                        .tip_length(tip),
                );
            }
        };
        if st.show_gradient {
            arrow(
                [-rec.grad_xy[0], -rec.grad_xy[1]],
                color.gamma_multiply(0.6),
                10.0,
            );
        }
        if st.show_step
            && let Some(prev) = &r.previous
        {
            arrow([at[0] - prev.xy[0], at[1] - prev.xy[1]], color, 14.0);
        }
    }
}
