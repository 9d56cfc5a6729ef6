//! The curves: loss, gradient norm, distance to the nearest known minimum, step length and
//! every diagnostic the racing methods report, stacked, against steps, evaluations or time.
//! The user picks which are shown; the metrics on offer follow the methods in the race.

use egui::Ui;
use egui_plot::{GridInput, GridMark, Legend, Line, Plot, PlotPoints};

use super::View;
use super::format::num;
use super::status::racer_color;
use super::thin;
use crate::engine::{RunInfo, StepRecord};

/// What the curves' x axis shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XAxis {
    /// Optimizer steps.
    #[default]
    Step,
    /// Cumulative function evaluations.
    FEvals,
    /// Cumulative gradient evaluations.
    GEvals,
    /// Computing time in seconds.
    Wall,
}

impl From<crate::scene::CurveAxis> for XAxis {
    fn from(a: crate::scene::CurveAxis) -> Self {
        use crate::scene::CurveAxis;
        match a {
            CurveAxis::Step => XAxis::Step,
            CurveAxis::FEvals => XAxis::FEvals,
            CurveAxis::GEvals => XAxis::GEvals,
            CurveAxis::Time => XAxis::Wall,
        }
    }
}

impl From<XAxis> for crate::scene::CurveAxis {
    fn from(a: XAxis) -> Self {
        use crate::scene::CurveAxis;
        match a {
            XAxis::Step => CurveAxis::Step,
            XAxis::FEvals => CurveAxis::FEvals,
            XAxis::GEvals => CurveAxis::GEvals,
            XAxis::Wall => CurveAxis::Time,
        }
    }
}

impl XAxis {
    fn label(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::FEvals => "function evaluations",
            XAxis::GEvals => "gradient evaluations",
            XAxis::Wall => "time (s)",
        }
    }

    /// Whether the axis counts whole things.
    fn whole(self) -> bool {
        !matches!(self, XAxis::Wall)
    }

    fn of(self, r: &StepRecord) -> f64 {
        match self {
            XAxis::Step => r.step as f64,
            XAxis::FEvals => r.counts.f as f64,
            XAxis::GEvals => r.counts.g as f64,
            XAxis::Wall => r.wall,
        }
    }
}

/// One plottable quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// The clean loss.
    Loss,
    /// The clean gradient norm.
    GradNorm,
    /// The function values the method saw, noise included.
    Seen,
    /// The distance to the nearest known minimum.
    DistMin,
    /// ‖x_k − x_{k−1}‖.
    StepLength,
    /// The estimator inspector's k-th statistic (cos, mean cos, variance, SNR).
    Estimator(u8),
    /// A diagnostic some method reports, by key.
    Diagnostic(&'static str),
    /// A data problem's k-th metric: training accuracy, test loss, test accuracy.
    Data(u8),
    /// A network's sharpness: λ_max, then η·λ_max/2.
    Sharpness(u8),
}

/// The sharpness curves: title and whether drawn on a log axis.
const SHARPNESS: [(&str, bool); 2] = [
    ("sharpness λ_max (top Hessian eigenvalue)", true),
    ("η·λ_max / 2: the edge of stability at 1 (dashed)", false),
];

/// The data problem's metrics: title and whether drawn on a log axis.
const DATA: [(&str, bool); 3] = [
    ("training accuracy (measured every k steps)", false),
    ("test loss", true),
    ("test accuracy", false),
];

/// The estimator inspector's statistics: title and whether drawn on a log axis.
const ESTIMATOR: [(&str, bool); 4] = [
    ("cos(ĝ, ∇f) of the last estimate", false),
    ("running mean of cos(ĝ, ∇f)", false),
    ("estimator variance E‖ĝ − ∇f‖² (last ~50 steps)", true),
    ("signal-to-noise ‖∇f‖² / E‖ĝ − ∇f‖²", true),
];

impl Metric {
    /// The plot's title.
    pub fn title(self, info: &RunInfo) -> String {
        match self {
            Metric::Loss => "loss f(x)".into(),
            Metric::GradNorm => "gradient norm ‖∇f(x)‖".into(),
            Metric::Seen => "f as the method saw it (noise included)".into(),
            Metric::Estimator(k) => ESTIMATOR[k as usize].0.into(),
            Metric::Data(k) => DATA[k as usize].0.into(),
            Metric::Sharpness(k) => SHARPNESS[k as usize].0.into(),
            Metric::DistMin => "distance to nearest minimum ‖x − x*‖".into(),
            Metric::StepLength => "step length ‖Δx‖".into(),
            Metric::Diagnostic(key) => info
                .diagnostics
                .iter()
                .flat_map(|d| d.iter())
                .find(|d| d.key == key)
                .map_or(key.to_owned(), |d| d.name.to_owned()),
        }
    }

    /// Whether it is drawn on a log axis.
    fn log(self, info: &RunInfo) -> bool {
        match self {
            Metric::Diagnostic(key) => info
                .diagnostics
                .iter()
                .flat_map(|d| d.iter())
                .find(|d| d.key == key)
                .is_none_or(|d| d.log),
            Metric::Estimator(k) => ESTIMATOR[k as usize].1,
            Metric::Data(k) => DATA[k as usize].1,
            Metric::Sharpness(k) => SHARPNESS[k as usize].1,
            _ => true,
        }
    }

    /// Its value for racer `i`'s record, or `None` when that racer does not report it.
    fn value(self, info: &RunInfo, i: usize, r: &StepRecord) -> Option<f64> {
        Some(match self {
            Metric::Loss => r.loss,
            Metric::GradNorm => r.grad_norm,
            Metric::Seen => r.seen,
            Metric::Estimator(k) => {
                if !info.estimating.get(i).copied().unwrap_or(false) {
                    return None;
                }
                r.estimator[k as usize]
            }
            Metric::DistMin => r.dist_min,
            Metric::StepLength => r.step_length,
            Metric::Data(k) => r.metrics[k as usize],
            Metric::Sharpness(k) => r.sharpness[k as usize],
            Metric::Diagnostic(key) => {
                let slot = info.diagnostics.get(i)?.iter().position(|d| d.key == key)?;
                r.diagnostics[slot]
            }
        })
    }
}

/// Every metric the current run offers: the built-in ones, then each method's diagnostics.
pub fn available(info: &RunInfo) -> Vec<Metric> {
    let mut out = vec![Metric::Loss, Metric::GradNorm, Metric::Seen];
    if !info.minima.is_empty() {
        out.push(Metric::DistMin);
    }
    out.push(Metric::StepLength);
    if info.estimating.iter().any(|e| *e) {
        out.extend((0..4).map(Metric::Estimator));
    }
    if crate::csv::is_data(&info.scene.problem) {
        out.extend((0..3).map(Metric::Data));
        out.extend((0..2).map(Metric::Sharpness));
    }
    for d in info.diagnostics.iter().flat_map(|d| d.iter()) {
        let m = Metric::Diagnostic(d.key);
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// State of the curves.
#[derive(Debug)]
pub struct CurvesUi {
    /// The shared x axis.
    pub x_axis: XAxis,
    /// The metrics shown, in order.
    pub shown: Vec<Metric>,
    /// Whether a data problem's accuracy, test loss and sharpness were added when first offered.
    data_added: bool,
}

impl Default for CurvesUi {
    fn default() -> Self {
        Self {
            x_axis: XAxis::Step,
            shown: vec![Metric::Loss, Metric::GradNorm, Metric::DistMin],
            data_added: false,
        }
    }
}

/// The theme's ink for reference lines.
fn ui_ink(dark: bool) -> egui::Color32 {
    if dark {
        egui::Color32::from_gray(200)
    } else {
        egui::Color32::from_gray(60)
    }
}

/// log₁₀ of a positive value, with zero and below clamped to 1e-16 so that exact convergence
/// stays on the plot.
fn log10(v: f64) -> f64 {
    v.max(1e-16).log10()
}

/// Pixels between labelled ticks: egui_plot paints an x tick label only when the ticks of its
/// thickness are more than 60 points apart (and the label fits).
const TICK_LABEL_PX: f64 = 66.0;

/// The step between labelled ticks: the smallest 1, 2, 2.5 or 5 times a power of ten whose
/// ticks are at least [`TICK_LABEL_PX`] apart at `px_per_unit`.
fn major_step(px_per_unit: f64) -> f64 {
    let raw = TICK_LABEL_PX / px_per_unit.max(f64::MIN_POSITIVE);
    let decade = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * decade)
}

/// Grid marks for the x axis: labelled ticks a label's width apart, and unlabelled minor
/// marks between them, at every history length. For `whole` axes (steps, evaluation counts)
/// ticks fall on whole numbers.
pub fn x_marks(input: GridInput, whole: bool) -> Vec<GridMark> {
    marks(input, whole, true)
}

/// Labelled ticks only, a label's width apart: for plots without a grid (the landscape), where
/// minor marks would only crowd the axes with labels.
pub fn major_marks(input: GridInput) -> Vec<GridMark> {
    marks(input, false, false)
}

fn marks(input: GridInput, whole: bool, minor_marks: bool) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    // egui_plot's base step is the data span of its smallest grid spacing, 8 points.
    let px_per_unit = 8.0 / input.base_step_size.max(f64::MIN_POSITIVE);
    let major = major_step(px_per_unit);
    let major = if whole { major.max(1.0).round() } else { major };
    let minor = if whole && major < 5.0 {
        major
    } else {
        major / 5.0
    };
    let first = (lo / minor).floor() as i64;
    let last = (hi / minor).ceil() as i64;
    if !(major.is_finite() && major > 0.0) || last - first > 10_000 {
        return Vec::new();
    }
    (first..=last)
        .map(|k| {
            let value = k as f64 * minor;
            let step_size = if minor == major || k % 5 == 0 {
                major
            } else {
                minor
            };
            GridMark { value, step_size }
        })
        .filter(|m| minor_marks || m.step_size == major)
        .collect()
}

/// A tick label: whole numbers as they are up to 10⁴, then `2e6`-style; fractions with the
/// digits their step needs (a step of 0.25 needs two).
pub fn x_label(mark: GridMark) -> String {
    let v = mark.value;
    if v.abs() < 1e-12 * mark.step_size.abs().max(1e-300) {
        return "0".into();
    }
    if v.abs() >= 1e4 {
        return format!("{v:e}");
    }
    let decimals = (0..=12usize)
        .find(|d| {
            let scaled = mark.step_size * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(12);
    format!("{v:.decimals$}")
}

/// A log axis tick: `1e-3` at whole decades, the value itself between them.
pub(super) fn log_label(mark: GridMark) -> String {
    if mark.step_size >= 1.0 || (mark.value - mark.value.round()).abs() < 1e-9 {
        format!("1e{}", mark.value.round())
    } else {
        num(10f64.powf(mark.value))
    }
}

/// Shows the curves, with the x-axis and metric pickers.
pub fn show(ui: &mut Ui, view: &View, st: &mut CurvesUi) {
    ui.horizontal_wrapped(|ui| {
        ui.label("x axis:");
        for x in [XAxis::Step, XAxis::FEvals, XAxis::GEvals, XAxis::Wall] {
            ui.selectable_value(&mut st.x_axis, x, x.label())
                .on_hover_text("Compare per step, per evaluation (the cost that matters for zeroth-order methods) or per second.");
        }
    });
    let Some(info) = view.info.clone() else {
        return;
    };
    let offered = available(&info);
    // A network's accuracy, test loss and sharpness are shown the first time they are offered.
    if offered.contains(&Metric::Data(0)) && !st.data_added {
        st.data_added = true;
        for m in [Metric::Data(0), Metric::Data(1), Metric::Sharpness(1)] {
            if !st.shown.contains(&m) {
                st.shown.push(m);
            }
        }
    }
    ui.horizontal(|ui| {
        ui.menu_button("curves ▾", |ui| {
            for m in &offered {
                let mut on = st.shown.contains(m);
                if ui
                    .checkbox(&mut on, m.title(&info))
                    .on_hover_text("Show or hide this curve.")
                    .changed()
                {
                    if on {
                        st.shown.push(*m);
                    } else {
                        st.shown.retain(|s| s != m);
                    }
                }
            }
        })
        .response
        .on_hover_text("Pick the curves: the loss, the gradient norm, the distance to the nearest minimum, the step length, and each racing method's diagnostics.");
        let hidden = offered.iter().filter(|m| !st.shown.contains(m)).count();
        if hidden > 0 {
            ui.label(egui::RichText::new(format!("{hidden} more available")).weak());
        }
    });
    let shown: Vec<Metric> = st
        .shown
        .iter()
        .copied()
        .filter(|m| offered.contains(m))
        .collect();
    if shown.is_empty() {
        ui.label("Pick a curve above.");
        return;
    }
    let x_axis = st.x_axis;
    let dark = ui.visuals().dark_mode;
    let title_h = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    let height = (ui.available_height() / shown.len() as f32 - title_h - 4.0).max(80.0);
    let link = egui::Id::unique("curves-x");
    for (k, metric) in shown.iter().copied().enumerate() {
        let log = metric.log(&info);
        let title = metric.title(&info);
        let mut plot = Plot::new(("curve", k))
            .height(height)
            .x_axis_label(x_axis.label())
            .x_grid_spacer(move |g| x_marks(g, x_axis.whole()))
            .x_axis_formatter(|m, _| x_label(m))
            .link_axis(link, [true, false])
            .link_cursor(link, [true, false]);
        let hover_title = title.clone();
        plot = plot.label_formatter(move |hover| match hover {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name,
                position: p,
                ..
            } => {
                let y = if log { 10f64.powf(p.y) } else { p.y };
                Some(format!(
                    "{plot_name}\n{} = {}\n{hover_title} = {}",
                    x_axis.label(),
                    num(p.x),
                    num(y)
                ))
            }
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        });
        if log {
            plot = plot
                .y_axis_label("log₁₀")
                .y_axis_formatter(|m, _| log_label(m));
        }
        if k == 0 {
            plot = plot.legend(
                Legend::default()
                    .position(egui_plot::Corner::RightTop)
                    .background_alpha(0.6),
            );
        }
        // Beside the clean loss, under noise, a faint line of what each method saw.
        let beside_seen = metric == Metric::Loss && info.scene.noise.any();
        if beside_seen {
            ui.label(format!(
                "{title}; faint: f as each method saw it (noise included)"
            ));
        } else {
            ui.label(title);
        }
        // One min/max pair per two pixel columns: lines as sharp as the screen, half the vertices.
        let buckets = (ui.available_width() / 2.0) as usize;
        plot.show(ui, |plot_ui| {
            if metric == Metric::Sharpness(1) {
                plot_ui.hline(
                    egui_plot::HLine::new("edge of stability η·λ_max = 2", 1.0)
                        .style(egui_plot::LineStyle::dashed_loose())
                        .color(ui_ink(dark)),
                );
            }
            for (i, r) in view.racers.iter().enumerate() {
                let samples = r.history.samples();
                if samples
                    .first()
                    .and_then(|s| metric.value(&info, i, s))
                    .is_none()
                {
                    continue;
                }
                let y = |s: &StepRecord| metric.value(&info, i, s).unwrap_or(f64::NAN);
                // Min/max per pixel column on the raw values (log is monotone), then log.
                let points: PlotPoints<'_> = thin::min_max(samples, |s| x_axis.of(s), y, buckets)
                    .into_iter()
                    .map(|[x, y]| [x, if log { log10(y) } else { y }])
                    .collect();
                // A line, never a filled band: egui_plot would otherwise fill steep drops (a
                // loss reaching 0) as solid shapes.
                plot_ui.line(
                    Line::new(info.labels[i].clone(), points)
                        .color(racer_color(info.colors[i], dark))
                        .width(2.0)
                        .allow_band(false),
                );
                if beside_seen && samples.iter().any(|s| s.seen.is_finite()) {
                    let seen: PlotPoints<'_> =
                        thin::min_max(samples, |s| x_axis.of(s), |s| s.seen, buckets)
                            .into_iter()
                            .map(|[x, y]| [x, if log { log10(y) } else { y }])
                            .collect();
                    plot_ui.line(
                        // Unnamed, so that the legend lists each racer once.
                        Line::new("", seen)
                            .color(racer_color(info.colors[i], dark).gamma_multiply(0.35))
                            .width(1.0)
                            .allow_band(false),
                    );
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays egui_plot 0.38's rule for x tick labels: a label is painted when the marks of its
    /// thickness are more than 60 points apart and further apart than the label is wide.
    fn labelled(lo: f64, hi: f64, width_px: f64) -> Vec<String> {
        let px_per_unit = width_px / (hi - lo);
        let input = GridInput {
            bounds: (lo, hi),
            base_step_size: 8.0 / px_per_unit,
        };
        x_marks(input, true)
            .into_iter()
            .filter(|m| (lo..=hi).contains(&m.value))
            .filter(|m| {
                let text = x_label(*m);
                let label_px = 7.5 * text.chars().count() as f64 + 4.0;
                let spacing = m.step_size * px_per_unit;
                spacing > 60.0 && spacing >= label_px
            })
            .map(x_label)
            .collect()
    }

    #[test]
    fn the_step_axis_is_labelled_at_every_history_length() {
        for hi in [3.0, 846.0, 10_000.0, 123_456.0, 6.45e6, 3.3e9] {
            for width in [260.0, 440.0, 900.0] {
                let labels = labelled(0.0, hi, width);
                assert!(labels.len() >= 3, "0..{hi} at {width} px: only {labels:?}");
                assert!(labels.iter().all(|l| l.len() <= 8), "{labels:?}");
            }
        }
        assert_eq!(
            labelled(0.0, 846.0, 440.0),
            ["0", "200", "400", "600", "800"]
        );
        assert!(labelled(0.0, 6.45e6, 440.0).contains(&"2e6".to_owned()));
        // Steps are whole: two steps get ticks 0, 1, 2, never 0.5.
        assert_eq!(labelled(0.0, 2.0, 440.0), ["0", "1", "2"]);
        // Fractions keep the digits their step needs.
        let mark = |value, step_size| x_label(GridMark { value, step_size });
        assert_eq!(
            [
                mark(1.5, 0.5),
                mark(7.5, 2.5),
                mark(0.25, 0.25),
                mark(-0.5, 0.5)
            ],
            ["1.5", "7.5", "0.25", "-0.5"]
        );
        assert_eq!(mark(3.0000000000000004, 1.0), "3");
    }
}
