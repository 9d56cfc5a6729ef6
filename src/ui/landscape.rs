//! The landscape panel: the objective as a heatmap with contours, known minima, one coloured
//! trajectory per optimizer, optional gradient and step arrows, a colorbar and a hover readout.
//! Click or drag to move the start point; right-drag pans and the wheel zooms, and the engine
//! recomputes the grid for the new window (a coarse preview first).

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, PointerButton, RichText, TextureHandle, TextureOptions, Ui};
use egui_plot::{
    Arrows, Legend, Line, MarkerShape, Plot, PlotBounds, PlotImage, PlotPoint, PlotPoints, Points,
};

use super::format::num;
use super::heatmap::{self, interpolate};
use super::status::color32;
use super::thin;
use crate::app::App;
use crate::engine::{Command, Grid, GridSpec};
use crate::problem::ViewBounds;
use crate::scene::Colormap;

/// Largest grid side requested from the engine.
const MAX_SIDE: usize = 512;
/// How long the window must rest before a new grid is requested.
const SETTLE: Duration = Duration::from_millis(120);
/// Extra margin around the visible window in requested grids, so small pans stay covered.
const MARGIN: f64 = 0.1;
/// Contour levels requested.
const LEVELS: usize = 14;

/// The texture of one grid under one colouring.
struct Texture {
    grid: Arc<Grid>,
    colormap: Colormap,
    log: bool,
    handle: TextureHandle,
    /// The grid's contour polylines as plot points, converted once per grid.
    contours: Arc<Vec<Vec<PlotPoint>>>,
}

/// State of the landscape panel.
pub struct LandscapeUi {
    /// Set the plot window to the scene's view on the next frame.
    pub fit: bool,
    /// Draw contour lines.
    pub show_contours: bool,
    /// Draw −∇f arrows at the current points.
    pub show_gradient: bool,
    /// Draw the last step's direction at the current points.
    pub show_step: bool,
    texture: Option<Texture>,
    next_id: u64,
    requested: Option<(ViewBounds, u64)>,
    moving: Option<(ViewBounds, Instant)>,
    last_start: Option<[f64; 2]>,
    /// Textures uploaded so far (one per grid and colouring, never one per frame).
    pub uploads: u64,
}

impl Default for LandscapeUi {
    /// Fresh state: fit the view on the first frame, contours and gradient arrows on.
    fn default() -> Self {
        Self {
            fit: true,
            show_contours: true,
            show_gradient: true,
            show_step: false,
            texture: None,
            next_id: 1,
            requested: None,
            moving: None,
            last_start: None,
            uploads: 0,
        }
    }
}

fn bounds_of(b: &PlotBounds) -> ViewBounds {
    ViewBounds {
        x: (b.min()[0], b.max()[0]),
        y: (b.min()[1], b.max()[1]),
    }
}

fn close(a: &ViewBounds, b: &ViewBounds) -> bool {
    let w = (a.x.1 - a.x.0).abs().max(1e-300);
    let h = (a.y.1 - a.y.0).abs().max(1e-300);
    (a.x.0 - b.x.0).abs() < 0.01 * w
        && (a.x.1 - b.x.1).abs() < 0.01 * w
        && (a.y.0 - b.y.0).abs() < 0.01 * h
        && (a.y.1 - b.y.1).abs() < 0.01 * h
}

/// Asks the engine for a grid over the visible window once it has settled.
fn request_grid(ctx: &egui::Context, app: &mut App, visible: ViewBounds, px: egui::Vec2) {
    let epoch = app.view.info.as_ref().map_or(0, |i| i.landscape_epoch);
    let st = &mut app.landscape;
    if let Some((b, e)) = &st.requested
        && *e == epoch
        && close(b, &visible)
    {
        st.moving = None;
        return;
    }
    let settled = match st.moving {
        Some((b, t)) if close(&b, &visible) => t.elapsed() >= SETTLE,
        _ => {
            st.moving = Some((visible, Instant::now()));
            false
        }
    };
    // With nothing on screen yet there is no reason to wait for the window to rest.
    if !settled && app.view.grid.is_some() {
        ctx.request_repaint_after(SETTLE);
        return;
    }
    let st = &mut app.landscape;
    st.requested = Some((visible, epoch));
    st.moving = None;
    let (w, h) = (visible.x.1 - visible.x.0, visible.y.1 - visible.y.0);
    let bounds = ViewBounds {
        x: (visible.x.0 - MARGIN * w, visible.x.1 + MARGIN * w),
        y: (visible.y.0 - MARGIN * h, visible.y.1 + MARGIN * h),
    };
    let scale = (1.0 + 2.0 * MARGIN) as f32;
    let nx = ((px.x * scale) as usize).clamp(32, MAX_SIDE);
    let ny = ((px.y * scale) as usize).clamp(32, MAX_SIDE);
    let id = st.next_id;
    st.next_id += 1;
    app.send(Command::Landscape {
        id,
        spec: GridSpec {
            bounds,
            nx,
            ny,
            levels: LEVELS,
        },
    });
}

/// Shows the central panel.
pub fn landscape_panel(ui: &mut Ui, app: &mut App) {
    egui::CentralPanel::default().show(ui, |ui| {
        let Some(info) = app.view.info.clone() else {
            ui.spinner();
            return;
        };
        let (map, log) = (app.scene.view.colormap, app.scene.view.log_scale);
        if app.view.grid.is_none() {
            // A new problem: the old heatmap must not linger until the new grid arrives.
            app.landscape.texture = None;
        }
        if let Some((grid, _)) = &app.view.grid {
            let stale =
                app.landscape.texture.as_ref().is_none_or(|t| {
                    !Arc::ptr_eq(&t.grid, grid) || t.colormap != map || t.log != log
                });
            if stale {
                let handle = ui.ctx().load_texture(
                    "landscape",
                    heatmap::image(grid, map, log),
                    TextureOptions::LINEAR,
                );
                app.landscape.uploads += 1;
                let contours = grid
                    .contours
                    .iter()
                    .flat_map(|c| &c.lines)
                    .map(|line| line.iter().map(|p| PlotPoint::new(p[0], p[1])).collect())
                    .collect();
                app.landscape.texture = Some(Texture {
                    grid: grid.clone(),
                    colormap: map,
                    log,
                    handle,
                    contours: Arc::new(contours),
                });
            }
        }
        let title = if info.dim > 2 {
            format!(
                "2-D slice through the start of the {}-dimensional {}",
                info.dim,
                info.scene.problem.key()
            )
        } else {
            format!("{} landscape", info.scene.problem.key())
        };
        ui.label(RichText::new(title).strong());
        let readout_h = 28.0;
        let size = ui.available_size();
        let plot_size = egui::vec2(
            (size.x - heatmap::COLORBAR).max(100.0),
            (size.y - readout_h).max(100.0),
        );
        let (x_name, y_name) = if info.dim > 2 {
            ("x₀", "x₁")
        } else {
            ("x", "y")
        };
        let mut readout = String::new();
        ui.horizontal(|ui| {
            let fit = std::mem::take(&mut app.landscape.fit);
            let view_bounds = (app.scene.view.x, app.scene.view.y);
            let texture = app
                .landscape
                .texture
                .as_ref()
                .map(|t| (t.handle.id(), t.grid.clone()));
            let contours = app.landscape.texture.as_ref().map(|t| t.contours.clone());
            let st = &app.landscape;
            let (show_contours, show_gradient, show_step) =
                (st.show_contours, st.show_gradient, st.show_step);
            let racers = &app.view.racers;
            let halo = Color32::from_black_alpha(150);
            let contour_color = if ui.visuals().dark_mode {
                Color32::from_white_alpha(70)
            } else {
                Color32::from_black_alpha(60)
            };
            let plot = Plot::new("landscape")
                .width(plot_size.x)
                .height(plot_size.y)
                .data_aspect(1.0)
                .allow_scroll(false)
                .allow_zoom(false)
                .allow_boxed_zoom(false)
                .allow_double_click_reset(false)
                .pan_pointer_button(PointerButton::Secondary)
                .show_x(false)
                .show_y(false)
                .show_grid(false)
                .x_axis_label(x_name)
                .y_axis_label(y_name)
                .legend(Legend::default().position(egui_plot::Corner::LeftTop));
            let response = plot.show(ui, |p| {
                if fit {
                    let (x, y) = view_bounds;
                    p.set_plot_bounds(PlotBounds::from_min_max([x[0], y[0]], [x[1], y[1]]));
                }
                if p.response().hovered() {
                    let scroll = p
                        .ctx()
                        .input(|i| i.smooth_scroll_delta.y + i.zoom_delta().ln() * 200.0);
                    if scroll != 0.0 {
                        let z = (scroll * 0.003).exp();
                        p.zoom_bounds_around_hovered(egui::vec2(z, z));
                    }
                }
                if let Some((tex, g)) = &texture {
                    let b = g.spec.bounds;
                    let (nx, ny) = (g.spec.nx as f64, g.spec.ny as f64);
                    let w = (b.x.1 - b.x.0) * nx / (nx - 1.0);
                    let h = (b.y.1 - b.y.0) * ny / (ny - 1.0);
                    let centre = PlotPoint::new((b.x.0 + b.x.1) / 2.0, (b.y.0 + b.y.1) / 2.0);
                    p.image(PlotImage::new(
                        "",
                        *tex,
                        centre,
                        egui::vec2(w as f32, h as f32),
                    ));
                }
                if show_contours && let Some(lines) = &contours {
                    for (k, line) in lines.iter().enumerate() {
                        p.line(
                            Line::new("", PlotPoints::Borrowed(line))
                                .color(contour_color)
                                .width(1.0)
                                .allow_hover(false)
                                .allow_band(false)
                                .id(("contour", k)),
                        );
                    }
                }
                if !info.minima.is_empty() {
                    p.points(
                        Points::new("", info.minima.clone())
                            .shape(MarkerShape::Asterisk)
                            .radius(9.0)
                            .color(Color32::BLACK)
                            .allow_hover(false),
                    );
                    p.points(
                        Points::new("known minima", info.minima.clone())
                            .shape(MarkerShape::Asterisk)
                            .radius(7.0)
                            .color(Color32::WHITE),
                    );
                }
                let bounds = p.plot_bounds();
                let rect = p.response().rect;
                let px_per_unit = [
                    rect.width() as f64 / (bounds.max()[0] - bounds.min()[0]).abs().max(1e-300),
                    rect.height() as f64 / (bounds.max()[1] - bounds.min()[1]).abs().max(1e-300),
                ];
                let arrow_len = 0.08 * (bounds.max()[0] - bounds.min()[0]).abs();
                for (i, r) in racers.iter().enumerate() {
                    let (label, color) = (&info.labels[i], color32(info.colors[i]));
                    let pts = thin::by_distance(
                        r.history.samples().iter().map(|s| s.xy),
                        px_per_unit,
                        0.75,
                    );
                    let (Some(first), Some(last)) = (pts.first().copied(), pts.last().copied())
                    else {
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
                    if r.stopped.is_some() {
                        p.points(
                            Points::new(label.clone(), vec![last])
                                .shape(MarkerShape::Cross)
                                .radius(9.0)
                                .color(color),
                        );
                    } else {
                        p.points(
                            Points::new(label.clone(), vec![last])
                                .shape(MarkerShape::Circle)
                                .filled(true)
                                .radius(5.0)
                                .color(color),
                        );
                    }
                    let Some(rec) = r.history.last() else {
                        continue;
                    };
                    if show_gradient && r.stopped.is_none() {
                        let [gx, gy] = rec.grad_xy;
                        let n = (gx * gx + gy * gy).sqrt();
                        if n > 0.0 && n.is_finite() {
                            let tip = [last[0] - arrow_len * gx / n, last[1] - arrow_len * gy / n];
                            p.arrows(
                                Arrows::new("", vec![last], vec![tip])
                                    .color(color.gamma_multiply(0.6))
                                    .tip_length(10.0),
                            );
                        }
                    }
                    if show_step
                        && r.stopped.is_none()
                        && let Some(prev) = &r.previous
                    {
                        let (dx, dy) = (last[0] - prev.xy[0], last[1] - prev.xy[1]);
                        let n = (dx * dx + dy * dy).sqrt();
                        if n > 0.0 && n.is_finite() {
                            let tip = [last[0] + arrow_len * dx / n, last[1] + arrow_len * dy / n];
                            p.arrows(
                                Arrows::new("", vec![last], vec![tip])
                                    .color(color)
                                    .tip_length(14.0),
                            );
                        }
                    }
                }
                p.pointer_coordinate()
            });
            let pointer = response.inner;
            let resp = &response.response;
            // Moving the start: a click, or a drag with the primary button.
            if let Some(pt) = pointer
                && (resp.clicked_by(PointerButton::Primary)
                    || resp.dragged_by(PointerButton::Primary))
            {
                let xy = [pt.x, pt.y];
                if app.landscape.last_start != Some(xy) {
                    app.landscape.last_start = Some(xy);
                    let mut start = app.scene.start.clone();
                    start[0] = xy[0];
                    if start.len() > 1 {
                        start[1] = xy[1];
                    }
                    app.scene.start = start.clone();
                    app.send(Command::SetStart(start));
                }
            }
            if let Some(pt) = pointer
                && resp.hovered()
            {
                readout = hover_readout(app, pt, &response.transform);
            }
            let visible = bounds_of(response.transform.bounds());
            let px = response.response.rect.size();
            if fit {
                // The window settles on the next frame (the plot applies its aspect ratio), so
                // ask for the grid then rather than twice.
                ui.ctx().request_repaint();
            } else {
                request_grid(&ui.ctx().clone(), app, visible, px);
            }
            heatmap::colorbar(ui, app, plot_size.y);
        });
        ui.label(RichText::new(readout).monospace());
    });
}

/// The text under the plot: x, y, f and |∇f| at the cursor, and the nearest trajectory point.
fn hover_readout(app: &App, pt: PlotPoint, transform: &egui_plot::PlotTransform) -> String {
    let mut s = format!("x = {:>10}  y = {:>10}", num(pt.x), num(pt.y));
    if let Some((g, _)) = &app.view.grid {
        let b = g.spec.bounds;
        let hx = (b.x.1 - b.x.0) / (g.spec.nx - 1) as f64;
        let hy = (b.y.1 - b.y.0) / (g.spec.ny - 1) as f64;
        if let Some(f) = interpolate(g, pt.x, pt.y) {
            s += &format!("  f ≈ {:>10}", num(f));
            let d = |dx: f64, dy: f64| interpolate(g, pt.x + dx, pt.y + dy);
            if let (Some(a), Some(b), Some(c), Some(e)) =
                (d(hx, 0.0), d(-hx, 0.0), d(0.0, hy), d(0.0, -hy))
            {
                let (gx, gy) = ((a - b) / (2.0 * hx), (c - e) / (2.0 * hy));
                s += &format!("  |∇f| ≈ {:>10}", num((gx * gx + gy * gy).sqrt()));
            }
        }
    }
    // The nearest recorded point within 10 px.
    let cursor = transform.position_from_point(&pt);
    let mut best: Option<(f32, usize, &crate::engine::StepRecord)> = None;
    for (i, r) in app.view.racers.iter().enumerate() {
        for rec in r.history.samples() {
            let p = transform.position_from_point(&PlotPoint::new(rec.xy[0], rec.xy[1]));
            let d = p.distance(cursor);
            if d < 10.0 && best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, i, rec));
            }
        }
    }
    if let (Some((_, i, rec)), Some(info)) = (best, &app.view.info) {
        s += &format!(
            "   ·  {} step {} f = {}",
            info.labels[i],
            rec.step,
            num(rec.loss)
        );
    }
    s
}
