//! The landscape's heatmap: grid values to colours (linear or log), the texture image, the
//! colorbar with real values, and bilinear interpolation for the hover readout.

use egui::{Color32, ColorImage, Stroke, Ui};

use super::colormap;
use super::format::num;
use crate::app::App;
use crate::engine::Grid;
use crate::scene::Colormap;

/// Width of the colorbar strip.
pub const COLORBAR: f32 = 96.0;

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

/// f at (x, y) by bilinear interpolation of the grid, when inside it.
pub fn interpolate(grid: &Grid, x: f64, y: f64) -> Option<f64> {
    let b = grid.spec.bounds;
    let (nx, ny) = (grid.spec.nx, grid.spec.ny);
    let u = (x - b.x.0) / (b.x.1 - b.x.0) * (nx - 1) as f64;
    let v = (y - b.y.0) / (b.y.1 - b.y.0) * (ny - 1) as f64;
    if !(0.0..=(nx - 1) as f64).contains(&u) || !(0.0..=(ny - 1) as f64).contains(&v) {
        return None;
    }
    let (i, j) = ((u as usize).min(nx - 2), (v as usize).min(ny - 2));
    let (s, t) = (u - i as f64, v - j as f64);
    let f = (1.0 - s) * (1.0 - t) * grid.at(i, j)
        + s * (1.0 - t) * grid.at(i + 1, j)
        + (1.0 - s) * t * grid.at(i, j + 1)
        + s * t * grid.at(i + 1, j + 1);
    f.is_finite().then_some(f)
}

/// A vertical colorbar with real values at its ticks.
pub(super) fn colorbar(ui: &mut Ui, app: &App, height: f32) {
    let Some((grid, _)) = &app.view.grid else {
        return;
    };
    let scale = Scale::new(grid, app.scene.view.log_scale);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(COLORBAR, height), egui::Sense::hover());
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
        let [r, g, b] = colormap::sample(app.scene.view.colormap, (k as f64 + 0.5) / n as f64);
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
    for k in 0..=5 {
        let t = k as f64 / 5.0;
        let y = bar.bottom() - t as f32 * bar.height();
        painter.line_segment(
            [egui::pos2(bar.right(), y), egui::pos2(bar.right() + 4.0, y)],
            Stroke::new(1.0, text),
        );
        painter.text(
            egui::pos2(bar.right() + 6.0, y),
            egui::Align2::LEFT_CENTER,
            num(scale.value(t)),
            egui::FontId::monospace(11.0),
            text,
        );
    }
    let label = if scale.log { "f (log)" } else { "f" };
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
    fn log_scale_round_trips_and_interpolation_matches_the_function() {
        let f = Problem::Sphere(SphereConfig { d: 2 }).build();
        let bounds = ViewBounds {
            x: (-2.0, 2.0),
            y: (-2.0, 2.0),
        };
        let g = compute_grid(
            f.as_ref(),
            &[0.0, 0.0],
            GridSpec {
                bounds,
                nx: 101,
                ny: 101,
                levels: 0,
            },
        );
        for log in [false, true] {
            let s = Scale::new(&g, log);
            for v in [0.0, 0.01, 1.0, 7.9] {
                assert!((s.value(s.t(v)) - v).abs() < 1e-9 * (1.0 + v), "{log} {v}");
            }
            assert!((s.t(g.min)).abs() < 1e-12 && (s.t(g.max) - 1.0).abs() < 1e-12);
        }
        let v = interpolate(&g, 0.52, -1.13).unwrap();
        assert!(
            (v - (0.52f64.powi(2) + 1.13f64.powi(2))).abs() < 2e-3,
            "{v}"
        );
        assert!(interpolate(&g, 2.5, 0.0).is_none());
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
