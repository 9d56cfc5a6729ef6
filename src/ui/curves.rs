//! The curves panel: loss, gradient norm and distance to the nearest known minimum, on log
//! axes, against steps, evaluations or time.

use egui::Ui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::format::num;
use super::status::color32;
use super::thin;
use crate::app::App;
use crate::engine::StepRecord;

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

impl XAxis {
    fn label(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::FEvals => "function evaluations",
            XAxis::GEvals => "gradient evaluations",
            XAxis::Wall => "time (s)",
        }
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

/// State of the curves panel.
#[derive(Debug, Default)]
pub struct CurvesUi {
    /// The shared x axis.
    pub x_axis: XAxis,
}

/// One plotted quantity.
struct Metric {
    title: &'static str,
    axis: &'static str,
    value: fn(&StepRecord) -> f64,
}

const METRICS: [Metric; 3] = [
    Metric {
        title: "loss",
        axis: "f(x)",
        value: |r| r.loss,
    },
    Metric {
        title: "gradient norm",
        axis: "‖∇f(x)‖",
        value: |r| r.grad_norm,
    },
    Metric {
        title: "distance to nearest minimum",
        axis: "‖x − x*‖",
        value: |r| r.dist_min,
    },
];

/// log₁₀ of a positive value, with zero and below clamped to 1e-16 so that exact convergence
/// stays on the plot.
fn log10(v: f64) -> f64 {
    v.max(1e-16).log10()
}

/// Shows the right panel.
pub fn curves_panel(ui: &mut Ui, app: &mut App) {
    egui::Panel::right("curves").resizable(true).default_size(460.0).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label("x axis:");
            for x in [XAxis::Step, XAxis::FEvals, XAxis::GEvals, XAxis::Wall] {
                ui.selectable_value(&mut app.curves.x_axis, x, x.label())
                    .on_hover_text("Compare per step, per evaluation (the cost that matters for zeroth-order methods) or per second.");
            }
        });
        let Some(info) = app.view.info.clone() else { return };
        let x_axis = app.curves.x_axis;
        let height = (ui.available_height() / 3.0 - 8.0).max(80.0);
        let link = egui::Id::unique("curves-x");
        for (k, metric) in METRICS.iter().enumerate() {
            if k == 2 && info.minima.is_empty() {
                ui.label("distance to minimum: this problem has no known minimum");
                continue;
            }
            let mut plot = Plot::new(("curve", k))
                .height(height)
                .x_axis_label(x_axis.label())
                .y_axis_label(format!("{} (log₁₀)", metric.axis))
                .link_axis(link, [true, false])
                .link_cursor(link, [true, false])
                .y_axis_formatter(|m, _| format!("1e{}", m.value.round()))
                .label_formatter(move |hover| match hover {
                    egui_plot::HoverPosition::NearDataPoint { plot_name, position: p, .. } => Some(format!(
                        "{plot_name}\n{} = {}\n{} = {}",
                        x_axis.label(),
                        num(p.x),
                        metric.title,
                        num(10f64.powf(p.y))
                    )),
                    egui_plot::HoverPosition::Elsewhere { .. } => None,
                });
            if k == 0 {
                plot = plot.legend(Legend::default().position(egui_plot::Corner::RightTop).background_alpha(0.6));
            }
            ui.label(metric.title);
            let buckets = ui.available_width() as usize;
            plot.show(ui, |plot_ui| {
                for (i, r) in app.view.racers.iter().enumerate() {
                    // Min/max per pixel column on the raw values (log is monotone), then log.
                    let points: PlotPoints<'_> =
                        thin::min_max(r.history.samples(), |s| x_axis.of(s), metric.value, buckets)
                            .into_iter()
                            .map(|[x, y]| [x, log10(y)])
                            .collect();
                    plot_ui.line(Line::new(info.labels[i].clone(), points).color(color32(info.colors[i])).width(2.0));
                }
            });
        }
    });
}
