//! The landscape panel: the objective on the drawn plane as a heatmap with contours, known
//! minima, one coloured trajectory per optimizer, the methods' overlays, optional gradient and
//! step arrows, a colorbar and a hover readout. Click or drag to move the start point;
//! right-drag pans and the wheel zooms, and the engine recomputes the grid for the new window
//! (a coarse preview first). Each layer is its own function.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, PointerButton, RichText, TextureHandle, TextureOptions, Ui};
use egui_plot::{Legend, Plot, PlotBounds, PlotPoint, PlotTransform};

use super::format::num;
use super::heatmap;
use super::{Outbox, View, layers, overlay};
use crate::engine::{Command, Grid, GridSpec, LensAt, LensKind, RunInfo};
use crate::problem::ViewBounds;
use crate::scene::{Colormap, LensChoice, Scene};

/// Largest grid side requested from the engine.
const MAX_SIDE: usize = 512;
/// How long the window must rest before a new grid is requested.
const SETTLE: Duration = Duration::from_millis(120);
/// Extra margin around the visible window in requested grids, so small pans stay covered.
const MARGIN: f64 = 0.1;
/// Contour levels requested.
const LEVELS: usize = 14;
/// A point query that has not been answered in this long is given up.
const QUERY_TIMEOUT: Duration = Duration::from_millis(250);

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
    /// Draw the methods' overlays (probes, model contours, …).
    pub show_overlays: bool,
    texture: Option<Texture>,
    next_id: u64,
    requested: Option<(ViewBounds, u64)>,
    /// The smoothing σ of the last request (0: f itself).
    requested_smoothing: f64,
    moving: Option<(ViewBounds, Instant)>,
    last_start: Option<[f64; 2]>,
    fitted_epoch: Option<u64>,
    query: Option<(u64, [f64; 2], Instant)>,
    /// Textures uploaded so far (one per grid and colouring, never one per frame).
    pub uploads: u64,
    /// Where the plot was drawn in the last frame, and the window it showed.
    pub plot_rect: Option<(egui::Rect, ViewBounds)>,
    /// The lens last asked of the engine.
    lens_sent: Option<Option<(LensKind, LensAt)>>,
}

impl Default for LandscapeUi {
    /// Fresh state: fit the view on the first frame, contours, gradient arrows and overlays on.
    fn default() -> Self {
        Self {
            fit: true,
            show_contours: true,
            show_gradient: true,
            show_step: false,
            show_overlays: true,
            texture: None,
            next_id: 1,
            requested: None,
            requested_smoothing: 0.0,
            moving: None,
            last_start: None,
            fitted_epoch: None,
            query: None,
            uploads: 0,
            plot_rect: None,
            lens_sent: None,
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

/// The window a fit shows: the scene's view, centred on the plane's origin for random planes
/// (whose coordinates are offsets along the directions).
fn fit_window(scene: &Scene, dim: usize) -> ([f64; 2], [f64; 2]) {
    let (x, y) = (scene.view.x, scene.view.y);
    if dim > 2 && scene.view.slice.mode.is_offset() {
        let (hw, hh) = (0.5 * (x[1] - x[0]), 0.5 * (y[1] - y[0]));
        ([-hw, hw], [-hh, hh])
    } else {
        (x, y)
    }
}

impl LandscapeUi {
    /// Uploads the newest grid as a texture when it or the colouring changed.
    fn sync_texture(&mut self, ctx: &egui::Context, view: &View, map: Colormap, log: bool) {
        let Some((grid, _, _)) = &view.grid else {
            // A new problem or plane: the old heatmap must not linger until the new grid arrives.
            self.texture = None;
            return;
        };
        let stale = self
            .texture
            .as_ref()
            .is_none_or(|t| !Arc::ptr_eq(&t.grid, grid) || t.colormap != map || t.log != log);
        if stale {
            let handle = ctx.load_texture(
                "landscape",
                heatmap::image(grid, map, log),
                TextureOptions::LINEAR,
            );
            self.uploads += 1;
            let contours = grid
                .contours
                .iter()
                .flat_map(|c| &c.lines)
                .map(|line| line.iter().map(|p| PlotPoint::new(p[0], p[1])).collect())
                .collect();
            self.texture = Some(Texture {
                grid: grid.clone(),
                colormap: map,
                log,
                handle,
                contours: Arc::new(contours),
            });
        }
    }

    /// Asks the engine for a grid over the visible window once it has settled.
    fn request_grid(
        &mut self,
        ctx: &egui::Context,
        view: &View,
        visible: ViewBounds,
        px: egui::Vec2,
        smoothing: f64,
        out: &mut Outbox,
    ) {
        let epoch = view.plane().epoch;
        if let Some((b, e)) = &self.requested
            && *e == epoch
            && close(b, &visible)
            && self.requested_smoothing == smoothing
        {
            self.moving = None;
            return;
        }
        let settled = match self.moving {
            Some((b, t)) if close(&b, &visible) => t.elapsed() >= SETTLE,
            _ => {
                self.moving = Some((visible, Instant::now()));
                false
            }
        };
        // With nothing on screen yet there is no reason to wait for the window to rest.
        if !settled && view.grid.is_some() {
            ctx.request_repaint_after(SETTLE);
            return;
        }
        self.requested = Some((visible, epoch));
        self.requested_smoothing = smoothing;
        self.moving = None;
        let (w, h) = (visible.x.1 - visible.x.0, visible.y.1 - visible.y.0);
        let bounds = ViewBounds {
            x: (visible.x.0 - MARGIN * w, visible.x.1 + MARGIN * w),
            y: (visible.y.0 - MARGIN * h, visible.y.1 + MARGIN * h),
        };
        let scale = (1.0 + 2.0 * MARGIN) as f32;
        let nx = ((px.x * scale) as usize).clamp(32, MAX_SIDE);
        let ny = ((px.y * scale) as usize).clamp(32, MAX_SIDE);
        let id = self.next_id;
        self.next_id += 1;
        out.send(Command::Landscape {
            id,
            spec: GridSpec {
                bounds,
                nx,
                ny,
                levels: LEVELS,
                smoothing,
            },
        });
    }
}

/// Shows the central panel.
pub fn show(ui: &mut Ui, view: &View, scene: &mut Scene, st: &mut LandscapeUi, out: &mut Outbox) {
    egui::CentralPanel::default().show(ui, |ui| {
        let Some(info) = view.info.clone() else {
            ui.spinner();
            return;
        };
        if st.fitted_epoch != Some(info.plane.epoch) {
            // New directions (or a new problem): the old window means nothing now.
            st.fitted_epoch = Some(info.plane.epoch);
            st.fit = true;
        }
        st.sync_texture(ui.ctx(), view, scene.view.colormap, scene.view.log_scale);
        header(
            ui,
            &info,
            st,
            &mut scene.view.lens,
            &mut scene.view.smoothing,
        );
        // Two lines for the hover readout, and room for a lens's line (two for the cloud's).
        let lines = match scene.view.lens {
            LensChoice::Off => 2.0,
            LensChoice::Cloud => 4.0,
            _ => 3.0,
        };
        let readout_h = lines * ui.text_style_height(&egui::TextStyle::Monospace) + 8.0;
        let colorbar_w = st.texture.as_ref().map_or(heatmap::MIN_COLORBAR, |t| {
            heatmap::colorbar_width(ui, &t.grid, scene.view.log_scale)
        });
        let size = ui.available_size();
        let plot_size = egui::vec2(
            (size.x - colorbar_w).max(100.0),
            (size.y - readout_h).max(100.0),
        );
        let mut readout = String::new();
        ui.horizontal(|ui| {
            let fit = std::mem::take(&mut st.fit);
            let response = plot_ui(ui, view, scene, st, &info, plot_size, fit);
            let pointer = response.inner;
            let resp = &response.response;
            st.plot_rect = Some((resp.rect, bounds_of(response.transform.bounds())));
            input(resp, pointer, st, out);
            let mut cursor = None;
            if let Some(pt) = pointer
                && resp.hovered()
            {
                readout = hover(view, &info, st, pt, &response.transform, out);
                cursor = Some([pt.x, pt.y]);
            }
            let lens = match scene.view.lens {
                LensChoice::Off => None,
                LensChoice::Curvature => Some(LensKind::Curvature),
                LensChoice::Taylor => Some(LensKind::Taylor),
                LensChoice::Cloud => Some(LensKind::Cloud),
            };
            st.ask_lens(view, lens, cursor, out);
            if let Some(line) = lens_readout(view, lens) {
                if !readout.is_empty() {
                    readout.push('\n');
                }
                readout.push_str(&line);
            }
            let visible = bounds_of(response.transform.bounds());
            if fit {
                // The window settles on the next frame (the plot applies its aspect ratio), so
                // ask for the grid then rather than twice.
                ui.ctx().request_repaint();
            } else {
                let smoothing = scene.view.smoothing;
                st.request_grid(
                    &ui.ctx().clone(),
                    view,
                    visible,
                    resp.rect.size(),
                    smoothing,
                    out,
                );
            }
            if let Some(t) = &st.texture {
                heatmap::colorbar(
                    ui,
                    &t.grid,
                    scene.view.colormap,
                    scene.view.log_scale,
                    plot_size.y,
                    colorbar_w,
                );
            }
        });
        ui.add(egui::Label::new(RichText::new(readout).monospace()).wrap());
    });
}

impl LandscapeUi {
    /// Asks the engine for the lens wanted now: at the cursor while paused, else at the first
    /// racer's iterate; only when that changed.
    fn ask_lens(
        &mut self,
        view: &View,
        lens: Option<LensKind>,
        cursor: Option<[f64; 2]>,
        out: &mut Outbox,
    ) {
        let wanted = lens.map(|k| match cursor {
            Some(xy) if !view.playing => (k, LensAt::Point(xy)),
            _ => (k, LensAt::Racer(0)),
        });
        if self.lens_sent != Some(wanted) {
            self.lens_sent = Some(wanted);
            out.send(Command::Lens(wanted));
        }
    }
}

/// The lens's numbers: the Hessian's eigenvalues and its condition number (and the proximal
/// model's step size, for the Taylor lens).
fn lens_readout(view: &View, lens: Option<LensKind>) -> Option<String> {
    let kind = lens?;
    let Some(lens) = &view.lens else {
        return Some(if kind == LensKind::Cloud {
            "estimator cloud: no optimizer here estimates a gradient from values (try fd, rge, spsa or es)".into()
        } else {
            "lens: no dense Hessian for this problem".into()
        });
    };
    if let Some(c) = &lens.cloud {
        return Some(cloud_readout(view, c));
    }
    let shown: Vec<String> = lens.eigenvalues.iter().take(6).map(|l| num(*l)).collect();
    let more = if lens.eigenvalues.len() > 6 {
        ", …"
    } else {
        ""
    };
    let mut line = format!(
        "λ(H) = {}{more}   κ = {}",
        shown.join(", "),
        num(lens.condition())
    );
    if lens.kind == LensKind::Taylor {
        line.push_str(&format!(
            "   η = 1/max|λ| = {}   M = {}",
            num(lens.eta),
            num(crate::engine::LENS_CUBIC_WEIGHT)
        ));
    }
    Some(line)
}

/// The cloud's measured statistics, each with theory's value in brackets, kept short enough
/// for two lines at 1280 pixels.
fn cloud_readout(view: &View, c: &crate::engine::inspector::CloudStats) -> String {
    let label = view
        .info
        .as_ref()
        .and_then(|i| i.labels.get(c.racer as usize).cloned())
        .unwrap_or_default();
    let theory = |v: f64| {
        if v.is_finite() {
            format!(" [{}]", num(v))
        } else {
            String::new()
        }
    };
    // An unbiased estimator's mean of n draws misses ∇f by about √((E‖ĝ‖²/‖∇f‖² − 1)/n).
    let spread = ((c.theory_second_moment() - 1.0) / c.n as f64).sqrt();
    format!(
        "cloud of {} × {label} (d = {}, q = {}), measured [theory]: cos {}{}  E‖ĝ‖²/‖∇f‖² {}{}  SNR {}{}  mean off ∇f by {}%{}",
        c.n,
        c.dim,
        c.kind.q,
        num(c.mean_cos),
        theory(c.theory_cos().unwrap_or(f64::NAN)),
        num(c.second_moment),
        theory(c.theory_second_moment()),
        num(c.snr),
        theory(c.theory_snr()),
        num(100.0 * c.bias),
        theory(100.0 * spread).replace(']', "%]"),
    )
}

/// The smoothing radius of the first zeroth-order optimizer (its μ, σ, c or σ₀), for the
/// smoothed landscape's default σ.
fn method_sigma(info: &RunInfo) -> Option<f64> {
    info.scene.racers().iter().find_map(|(_, m)| {
        (m.order() == crate::optim::Order::Zeroth)
            .then(|| {
                ["mu", "sigma", "c", "sigma0"]
                    .iter()
                    .find_map(|k| match m.config().param(k) {
                        Some((_, crate::params::ParamValue::F64(v))) if v > 0.0 => Some(v),
                        _ => None,
                    })
            })
            .flatten()
    })
}

fn header(
    ui: &mut Ui,
    info: &RunInfo,
    st: &mut LandscapeUi,
    lens: &mut LensChoice,
    smoothing: &mut f64,
) {
    ui.horizontal_wrapped(|ui| {
        let title = if info.dim > 2 {
            info.plane_label.clone()
        } else {
            format!("{} landscape", info.scene.problem.key())
        };
        let title = if *smoothing > 0.0 {
            format!("{title}, smoothed: f_σ with σ = {}", num(*smoothing))
        } else {
            title
        };
        ui.label(RichText::new(title).strong());
        ui.separator();
        ui.checkbox(&mut st.show_contours, "contours")
            .on_hover_text("Contour lines computed by the engine.");
        ui.checkbox(&mut st.show_gradient, "−∇f")
            .on_hover_text("−∇f at each current point (direction only, the plane's part).");
        ui.checkbox(&mut st.show_step, "steps")
            .on_hover_text("The direction of each optimizer's last step.");
        ui.checkbox(&mut st.show_overlays, "method state")
            .on_hover_text("What each method shows of itself: probes, its quadratic model's contours, its step.");
        let label = |k: LensChoice| match k {
            LensChoice::Off => "off",
            LensChoice::Curvature => "curvature",
            LensChoice::Taylor => "Taylor models",
            LensChoice::Cloud => "estimator cloud",
        };
        egui::ComboBox::from_label("lens")
            .selected_text(label(*lens))
            .show_ui(ui, |ui| {
                for k in [
                    LensChoice::Off,
                    LensChoice::Curvature,
                    LensChoice::Taylor,
                    LensChoice::Cloud,
                ] {
                    ui.selectable_value(lens, k, label(k));
                }
            })
            .response
            .on_hover_text(
                "The local picture at the first optimizer's iterate (at the cursor when paused). \
                 Curvature: H's eigenvectors scaled by |λ| (red: λ < 0), the quadratic model and \
                 the Newton step. Taylor: the first-order (green), second-order (orange) and \
                 cubic-regularised (purple) models, each with its minimiser. Estimator cloud: 200 \
                 gradient estimates of the first zeroth-order optimizer as arrows (downhill), their \
                 mean and covariance, beside the true −∇f (green, dashed), with theory's values.",
            );
        let mut smoothed = *smoothing > 0.0;
        if ui
            .checkbox(&mut smoothed, "f_σ")
            .on_hover_text(
                "Show the smoothed landscape f_σ(x) = E f(x + σu), u ~ N(0, I), instead of f: \
                 what a zeroth-order method with smoothing radius σ really descends. Large σ \
                 smooths away local minima (and shifts the minimum towards flat regions).",
            )
            .changed()
        {
            *smoothing = if smoothed {
                method_sigma(info).unwrap_or(0.25)
            } else {
                0.0
            };
        }
        if smoothed {
            ui.add(
                egui::DragValue::new(smoothing)
                    .range(1e-4..=100.0)
                    .speed(0.01)
                    .prefix("σ = "),
            )
            .on_hover_text("The smoothing radius σ of the smoothed landscape.");
        }
        if ui.button("Fit").on_hover_text("Show the problem's default window (F).").clicked() {
            st.fit = true;
        }
    });
}

/// The plot and its layers; returns the pointer's plot coordinates.
fn plot_ui(
    ui: &mut Ui,
    view: &View,
    scene: &Scene,
    st: &LandscapeUi,
    info: &RunInfo,
    size: egui::Vec2,
    fit: bool,
) -> egui_plot::PlotResponse<Option<PlotPoint>> {
    let [x_name, y_name] = info.axis_names.clone();
    let window = fit_window(scene, info.dim);
    let texture = st
        .texture
        .as_ref()
        .map(|t| (t.handle.id(), t.grid.clone(), t.contours.clone()));
    let contour_color = if ui.visuals().dark_mode {
        Color32::from_white_alpha(70)
    } else {
        Color32::from_black_alpha(60)
    };
    // The theme: legends, minima markers and the palette's eighth colour follow it.
    let legend_bg = ui.visuals().dark_mode;
    Plot::new("landscape")
        .width(size.x)
        .height(size.y)
        .data_aspect(1.0)
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .pan_pointer_button(PointerButton::Secondary)
        .show_x(false)
        .show_y(false)
        .show_grid(false)
        .x_grid_spacer(super::curves::major_marks)
        .y_grid_spacer(super::curves::major_marks)
        .x_axis_formatter(|m, _| super::curves::x_label(m))
        .y_axis_formatter(|m, _| super::curves::x_label(m))
        .x_axis_label(x_name)
        .y_axis_label(y_name)
        .legend(
            Legend::default()
                .position(egui_plot::Corner::LeftTop)
                .background_alpha(if legend_bg { 0.5 } else { 0.8 }),
        )
        .show(ui, |p| {
            if fit {
                let (x, y) = window;
                p.set_plot_bounds(PlotBounds::from_min_max([x[0], y[0]], [x[1], y[1]]));
            }
            layers::zoom_layer(p);
            if let Some((tex, grid, contours)) = &texture {
                layers::heatmap_layer(p, *tex, grid);
                if st.show_contours {
                    layers::contour_layer(p, contours, contour_color);
                }
            }
            layers::minima_layer(p, info, legend_bg);
            if st.show_overlays {
                overlay::draw(p, view, info, legend_bg);
            }
            if scene.view.lens != LensChoice::Off
                && let Some(lens) = &view.lens
            {
                overlay::draw_lens(p, lens, info, contour_color, legend_bg);
            }
            layers::paths_layer(p, view, info, legend_bg);
            layers::arrows_layer(p, view, info, st, legend_bg);
            p.pointer_coordinate()
        })
}

/// Moving the start: a click, or a drag with the primary button.
fn input(
    resp: &egui::Response,
    pointer: Option<PlotPoint>,
    st: &mut LandscapeUi,
    out: &mut Outbox,
) {
    if let Some(pt) = pointer
        && (resp.clicked_by(PointerButton::Primary) || resp.dragged_by(PointerButton::Primary))
    {
        let xy = [pt.x, pt.y];
        if st.last_start != Some(xy) {
            st.last_start = Some(xy);
            out.send(Command::SetStartAt(xy));
        }
    }
}

/// The text under the plot: the cursor's x, y, f and |∇f| (from the engine), the nearest
/// trajectory point, and the overlay item under the cursor.
fn hover(
    view: &View,
    info: &RunInfo,
    st: &mut LandscapeUi,
    pt: PlotPoint,
    transform: &PlotTransform,
    out: &mut Outbox,
) -> String {
    let [xn, yn] = &info.axis_names;
    let mut s = format!("{xn} = {:>10}  {yn} = {:>10}", num(pt.x), num(pt.y));
    // The nearest recorded point within 10 px.
    let cursor = transform.position_from_point(&pt);
    let mut best: Option<(f32, usize, &crate::engine::StepRecord)> = None;
    for (i, r) in view.racers.iter().enumerate() {
        for rec in r.history.samples() {
            let p = transform.position_from_point(&PlotPoint::new(rec.xy[0], rec.xy[1]));
            let d = p.distance(cursor);
            if d < 10.0 && best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, i, rec));
            }
        }
    }
    let nearest = best.map(|(_, i, rec)| (i as u32, rec.step));
    // One query in flight at a time, for the newest cursor position.
    let xy = [pt.x, pt.y];
    let answered = view
        .query
        .as_ref()
        .is_some_and(|q| st.query.is_some_and(|(id, _, _)| q.id == id));
    let idle = st
        .query
        .is_none_or(|(_, _, t)| answered || t.elapsed() > QUERY_TIMEOUT);
    if idle && st.query.is_none_or(|(_, at, _)| at != xy) {
        let id = st.query.map_or(1, |(id, _, _)| id + 1);
        st.query = Some((id, xy, Instant::now()));
        out.send(Command::Query { id, xy, nearest });
    }
    if let Some(q) = &view.query {
        s += &format!("  f = {:>10}  |∇f| = {:>10}", num(q.f), num(q.grad_norm));
    }
    if let Some((_, i, rec)) = best {
        // A network measures its loss every k steps; between them the record has none.
        let f = if rec.loss.is_nan() {
            "not measured".to_owned()
        } else {
            num(rec.loss)
        };
        s += &format!("   ·  {} step {} f = {f}", info.labels[i], rec.step);
        if info.dim > 2
            && let Some((_, step, d)) = view
                .query
                .as_ref()
                .and_then(|q| q.off_plane)
                .filter(|(r, _, _)| *r as usize == i)
        {
            let approx = if step == rec.step { "" } else { "≈ " };
            s += &format!(", {approx}{} off the plane", num(d));
        }
    }
    if let Some((i, role)) = overlay::nearest(view, transform, cursor, 8.0) {
        s += &format!("   ·  {}: {}", info.labels[i], role.label());
    }
    s
}
