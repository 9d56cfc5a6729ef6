//! The landscape's heatmap: grid values to colours (linear or log), the texture image, and the
//! colorbar with real values, as wide as its labels need.

use egui::{Color32, ColorImage, Stroke, Ui};

use super::colormap;
use super::format::num;
use crate::engine::Grid;
use crate::scene::Colormap;

/// The narrowest colorbar strip.
pub const MIN_COLORBAR: f32 = 72.0;
/// Ticks on the colorbar.
const TICKS: usize = 5;
/// The tick labels' font size.
const TICK_FONT: f32 = 11.0;

/// Maps values to [0, 1] for colouring, linearly or on a log scale over six decades.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scale {
    lo: f64,
    hi: f64,
    eps: f64,
    log: bool,
}

impl Scale {
    pub(super) fn new(grid: &Grid, log: bool) -> Self {
        let span = (grid.max - grid.min).max(1e-300);
        Self {
            lo: grid.min,
            hi: grid.max,
            eps: span * 1e-6,
            log,
        }
    }

    fn t(&self, v: f64) -> f64 {
        if self.log {
            let e = self.eps.ln();
            ((v - self.lo + self.eps).ln() - e) / ((self.hi - self.lo + self.eps).ln() - e)
        } else {
            (v - self.lo) / (self.hi - self.lo).max(1e-300)
        }
    }

    fn value(&self, t: f64) -> f64 {
        if self.log {
            let e = self.eps.ln();
            (e + t * ((self.hi - self.lo + self.eps).ln() - e)).exp() - self.eps + self.lo
        } else {
            self.lo + t * (self.hi - self.lo)
        }
    }
}

pub(super) fn image(grid: &Grid, map: Colormap, log: bool) -> ColorImage {
    let lut = colormap::lut(map);
    let scale = Scale::new(grid, log);
    let (nx, ny) = (grid.spec.nx, grid.spec.ny);
    let mut pixels = Vec::with_capacity(nx * ny);
    for row in 0..ny {
        let j = ny - 1 - row;
        for i in 0..nx {
            let v = grid.at(i, j);
            pixels.push(if v.is_finite() {
                let [r, g, b] = lut[(scale.t(v) * 255.0).round().clamp(0.0, 255.0) as usize];
                Color32::from_rgb(r, g, b)
            } else {
                Color32::TRANSPARENT
            });
        }
    }
    ColorImage {
        size: [nx, ny],
        source_size: egui::vec2(nx as f32, ny as f32),
        pixels,
    }
}

/// The tick labels of the colorbar, bottom to top.
fn tick_labels(grid: &Grid, log: bool) -> Vec<String> {
    let scale = Scale::new(grid, log);
    (0..=TICKS)
        .map(|k| num(scale.value(k as f64 / TICKS as f64)))
        .collect()
}

/// The width the colorbar needs for its widest label.
pub fn colorbar_width(ui: &Ui, grid: &Grid, log: bool) -> f32 {
    let font = egui::FontId::monospace(TICK_FONT);
    let widest = tick_labels(grid, log)
        .into_iter()
        .map(|t| {
            ui.painter()
                .layout_no_wrap(t, font.clone(), Color32::WHITE)
                .size()
                .x
        })
        .fold(0.0, f32::max);
    (6.0 + 16.0 + 10.0 + widest + 8.0).max(MIN_COLORBAR)
}

/// A vertical colorbar with real values at its ticks.
pub(super) fn colorbar(
    ui: &mut Ui,
    grid: &Grid,
    map: Colormap,
    log: bool,
    height: f32,
    width: f32,
) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let bar = egui::Rect::from_min_size(
        rect.min + egui::vec2(6.0, 12.0),
        egui::vec2(16.0, height - 40.0),
    );
    let n = 64;
    for k in 0..n {
        let t0 = k as f32 / n as f32;
        let y1 = bar.bottom() - t0 * bar.height();
        let y0 = bar.bottom() - (k + 1) as f32 / n as f32 * bar.height();
        let [r, g, b] = colormap::sample(map, (k as f64 + 0.5) / n as f64);
        painter.rect_filled(
            egui::Rect::from_x_y_ranges(bar.x_range(), y0..=y1),
            0.0,
            Color32::from_rgb(r, g, b),
        );
    }
    let text = ui.visuals().text_color();
    painter.rect_stroke(
        bar,
        0.0,
        Stroke::new(1.0, text.gamma_multiply(0.5)),
        egui::StrokeKind::Outside,
    );
    for (k, label) in tick_labels(grid, log).into_iter().enumerate() {
        let t = k as f32 / TICKS as f32;
        let y = bar.bottom() - t * bar.height();
        painter.line_segment(
            [egui::pos2(bar.right(), y), egui::pos2(bar.right() + 4.0, y)],
            Stroke::new(1.0, text),
        );
        painter.text(
            egui::pos2(bar.right() + 6.0, y),
            egui::Align2::LEFT_CENTER,
            label,
            egui::FontId::monospace(TICK_FONT),
            text,
        );
    }
    let label = if log { "f (log)" } else { "f" };
    painter.text(
        egui::pos2(bar.left(), bar.bottom() + 6.0),
        egui::Align2::LEFT_TOP,
        label,
        egui::FontId::proportional(12.0),
        text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{GridSpec, compute_grid};
    use crate::problem::ViewBounds;
    use crate::problem::{Problem, SphereConfig};

    #[test]
    fn log_scale_round_trips_and_the_image_is_upright() {
        let f = Problem::Sphere(SphereConfig { d: 2 }).build();
        let bounds = ViewBounds {
            x: (-2.0, 2.0),
            y: (-2.0, 2.0),
        };
        let g = compute_grid(
            f.as_ref(),
            &crate::engine::Projection::new(&crate::scene::Slice::default(), &[0.0, 0.0], 0),
            GridSpec {
                bounds,
                nx: 101,
                ny: 101,
                levels: 0,
                smoothing: 0.0,
            },
        );
        for log in [false, true] {
            let s = Scale::new(&g, log);
            for v in [0.0, 0.01, 1.0, 7.9] {
                assert!((s.value(s.t(v)) - v).abs() < 1e-9 * (1.0 + v), "{log} {v}");
            }
            assert!((s.t(g.min)).abs() < 1e-12 && (s.t(g.max) - 1.0).abs() < 1e-12);
        }
        let img = image(&g, Colormap::Viridis, true);
        assert_eq!(img.size, [101, 101]);
        // The top-left pixel is the grid's top row (y = max), first column.
        let corner = colormap::sample(Colormap::Viridis, 1.0);
        assert_eq!(
            img.pixels[0],
            Color32::from_rgb(corner[0], corner[1], corner[2])
        );
    }
}
