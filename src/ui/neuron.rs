//! The neuron view: the tuning curve each racer's neuron computes beside its teacher's; the
//! probe (the noise on its drive) and the reinforcement (the reward prediction error), trial
//! by trial; and the loss the neuron experiences beside the clean loss.

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, LineStyle, MarkerShape, Plot, Points};

use super::View;
use super::format::num;
use super::status::racer_color;
use crate::engine::{RunInfo, StepRecord};
use crate::problem::view::TuningCurve;

/// The trials the probe and reinforcement traces show.
const TRIALS: usize = 300;
/// The trials the experienced loss is averaged over.
const AVERAGE: usize = 100;

/// Draws the view.
pub fn show(ui: &mut Ui, view: &View, info: &RunInfo, data: &TuningCurve, dark: bool) {
    if data.x.is_empty() {
        ui.label("This problem is not a neuron model.");
        return;
    }
    let label_h = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let free = ui.available_height() - 4.0 * label_h;
    let weak = ui.visuals().weak_text_color();
    let teacher = if dark {
        Color32::from_gray(230)
    } else {
        Color32::from_gray(30)
    };
    ui.label(RichText::new(format!("Tuning curve y = {}(w·x + b)", data.transfer)).strong());
    Plot::new("neuron tuning")
        .height((free * 0.34).max(120.0))
        .x_axis_label("input x")
        .y_axis_label("output y")
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .allow_scroll(false)
        .show(ui, |p| {
            let pts = |ys: &[f64]| -> Vec<[f64; 2]> {
                data.x.iter().zip(ys).map(|(x, y)| [*x, *y]).collect()
            };
            p.line(
                Line::new("teacher y*", pts(&data.target))
                    .color(teacher)
                    .width(2.5)
                    .style(LineStyle::dashed_loose()),
            );
            for (racer, ys) in &data.racers {
                let i = *racer as usize;
                let Some(label) = info.labels.get(i) else {
                    continue;
                };
                p.line(
                    Line::new(label.as_str(), pts(ys))
                        .color(racer_color(info.colors[i], dark))
                        .width(2.0),
                );
            }
            let low = data
                .target
                .iter()
                .chain(data.racers.iter().flat_map(|(_, y)| y))
                .fold(f64::INFINITY, |a, b| a.min(*b));
            let ticks: Vec<[f64; 2]> = data.inputs.iter().map(|x| [*x, low]).collect();
            p.points(
                Points::new("trial inputs", ticks)
                    .shape(MarkerShape::Up)
                    .radius(2.5)
                    .color(weak),
            );
        });
    let traces = |key: &'static str| {
        move |i: usize, r: &StepRecord| {
            let slot = info.diagnostics.get(i)?.iter().position(|d| d.key == key)?;
            Some(r.diagnostics[slot])
        }
    };
    let any = |key: &str| {
        info.diagnostics
            .iter()
            .any(|d| d.iter().any(|d| d.key == key))
    };
    let trace_h = (free * 0.16).max(70.0);
    if any("probe") && any("rpe") {
        ui.label(RichText::new("Probe: the noise on the drive, trial by trial").strong());
        trace(
            ui,
            view,
            info,
            "neuron probe",
            trace_h,
            dark,
            traces("probe"),
        );
        ui.label(RichText::new("Reinforcement: the reward prediction error R − R̄").strong());
        trace(ui, view, info, "neuron rpe", trace_h, dark, traces("rpe"));
    } else {
        ui.label(
            RichText::new(
                "No racer here learns by its own noise: add node_perturbation, \
                 weight_perturbation, rmhl or oua to see the probe and the reinforcement.",
            )
            .color(weak),
        );
    }
    ui.label(
        RichText::new(format!(
            "Loss: clean (solid) and as experienced (dotted, mean of {AVERAGE} trials; \
             reward noise can make a window's mean negative, and the log axis leaves it out)"
        ))
        .strong(),
    );
    Plot::new("neuron loss")
        .height(ui.available_height().max(90.0))
        .x_axis_label("trial")
        .y_axis_label("loss (log₁₀)")
        .y_axis_formatter(|m, _| super::curves::log_label(m))
        .allow_scroll(false)
        .show(ui, |p| {
            let log = |f: f64| f.max(1e-16).log10();
            for (i, racer) in view.racers.iter().enumerate() {
                let Some(label) = info.labels.get(i) else {
                    continue;
                };
                let color = racer_color(info.colors[i], dark);
                let s = racer.history.samples();
                let clean: Vec<[f64; 2]> = s
                    .iter()
                    .filter(|r| r.loss.is_finite())
                    .map(|r| [r.step as f64, log(r.loss)])
                    .collect();
                p.line(Line::new(label.as_str(), clean).color(color).width(2.0));
                let seen = running_mean(s, AVERAGE);
                if !seen.is_empty() {
                    let pts: Vec<[f64; 2]> = seen
                        .iter()
                        .filter(|(_, f)| *f > 0.0)
                        .map(|(k, f)| [*k, log(*f)])
                        .collect();
                    p.line(
                        Line::new(label.as_str(), pts)
                            .color(color)
                            .width(1.5)
                            .style(LineStyle::dotted_dense()),
                    );
                }
            }
        });
}

/// One trace per racer over the last [`TRIALS`] records.
#[allow(clippy::too_many_arguments)]
fn trace(
    ui: &mut Ui,
    view: &View,
    info: &RunInfo,
    id: &str,
    height: f32,
    dark: bool,
    value: impl Fn(usize, &StepRecord) -> Option<f64>,
) {
    Plot::new(id)
        .height(height)
        .x_axis_label("trial")
        .y_axis_formatter(|m, _| num(m.value))
        .allow_scroll(false)
        .show(ui, |p| {
            for (i, racer) in view.racers.iter().enumerate() {
                let s = racer.history.samples();
                let tail = &s[s.len().saturating_sub(TRIALS)..];
                let pts: Vec<[f64; 2]> = tail
                    .iter()
                    .filter_map(|r| {
                        value(i, r)
                            .filter(|v| v.is_finite())
                            .map(|v| [r.step as f64, v])
                    })
                    .collect();
                if pts.is_empty() {
                    continue;
                }
                let label = info.labels.get(i).cloned().unwrap_or_default();
                p.line(
                    Line::new(label, pts)
                        .color(racer_color(info.colors[i], dark))
                        .width(1.2),
                );
            }
        });
}

/// The mean of the experienced loss over windows of `n` records: (the window's last step, its
/// mean), one point per window.
fn running_mean(s: &[StepRecord], n: usize) -> Vec<(f64, f64)> {
    let seen: Vec<&StepRecord> = s.iter().filter(|r| r.seen.is_finite()).collect();
    seen.chunks(n)
        .filter(|c| c.len() == n)
        .map(|c| {
            let mean = c.iter().map(|r| r.seen).sum::<f64>() / n as f64;
            (c[n - 1].step as f64, mean)
        })
        .collect()
}
