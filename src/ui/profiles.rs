//! The loss profiles view: the loss on the line from the start to each iterate (the 1-D
//! interpolation of Goodfellow, Vinyals & Saxe 2015), and the loss along the plane's path beside
//! the loss the plane shows at its projection, with the path's distance off the plane.

use egui::{RichText, Ui};
use egui_plot::{Legend, Line, LineStyle, Plot, VLine};

use super::format::num;
use super::status::racer_color;
use crate::engine::RunInfo;
use crate::problem::view::Profiles;

/// Draws the profiles.
pub fn show(ui: &mut Ui, info: &RunInfo, data: &Profiles, dark: bool) {
    let label_h = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let height = ((ui.available_height() - 3.0 * label_h) / 3.0).max(90.0);
    let weak = ui.visuals().weak_text_color();
    // Losses on a log axis when they are all positive (as a network's are), so the end of
    // training is not a flat line at zero.
    let positive = |v: &[f64]| v.iter().filter(|f| f.is_finite()).all(|f| *f > 0.0);
    let log = data.interpolation.iter().all(|(_, f)| positive(f))
        && data
            .path
            .as_ref()
            .is_none_or(|p| positive(&p.loss) && positive(&p.plane));
    let y = move |f: f64| if log { f.max(1e-16).log10() } else { f };
    let loss_axis = move |plot: Plot<'static>| {
        if log {
            plot.y_axis_label("loss (log₁₀)")
                .y_axis_formatter(|m, _| super::curves::log_label(m))
        } else {
            plot.y_axis_label("loss")
                .y_axis_formatter(|m, _| num(m.value))
        }
    };
    ui.label(
        RichText::new("The loss on the line from θ₀ (α = 0) to each iterate (α = 1)").strong(),
    );
    loss_axis(Plot::new("profile interpolation"))
        .height(height)
        .x_axis_label("α")
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .allow_scroll(false)
        .show(ui, |p| {
            for (racer, f) in &data.interpolation {
                let i = *racer as usize;
                let Some(label) = info.labels.get(i) else {
                    continue;
                };
                let pts: Vec<[f64; 2]> = data
                    .alpha
                    .iter()
                    .zip(f)
                    .filter(|(_, f)| f.is_finite())
                    .map(|(a, f)| [*a, y(*f)])
                    .collect();
                p.line(
                    Line::new(label.as_str(), pts)
                        .color(racer_color(info.colors[i], dark))
                        .width(2.0)
                        .allow_band(false),
                );
            }
            p.vline(
                VLine::new("θ₀", 0.0)
                    .color(weak)
                    .style(LineStyle::dashed_loose()),
            );
            p.vline(
                VLine::new("θ", 1.0)
                    .color(weak)
                    .style(LineStyle::dashed_loose()),
            );
        });
    let Some(path) = &data.path else {
        ui.label("No path yet.");
        return;
    };
    let i = path.racer as usize;
    let (Some(label), Some(&color)) = (info.labels.get(i), info.colors.get(i)) else {
        return;
    };
    let color = racer_color(color, dark);
    let gap = path
        .loss
        .iter()
        .zip(&path.plane)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (a - b).abs() / a.abs().max(1e-12))
        .fold(0.0, f64::max);
    let off = path
        .off_plane
        .iter()
        .copied()
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    let far = path
        .from_start
        .iter()
        .copied()
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    ui.label(
        RichText::new(format!(
            "Along {label}'s path: its loss (solid) and the plane's loss at its projection \
             (dashed): they differ by up to {:.0}%",
            100.0 * gap
        ))
        .strong(),
    );
    let series = |values: &[f64], scale: &dyn Fn(f64) -> f64| -> Vec<[f64; 2]> {
        path.steps
            .iter()
            .zip(values)
            .filter(|(_, v)| v.is_finite())
            .map(|(s, v)| [*s as f64, scale(*v)])
            .collect()
    };
    loss_axis(Plot::new("profile path loss"))
        .height(height)
        .x_axis_label("step")
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(
                Line::new("true loss", series(&path.loss, &y))
                    .color(color)
                    .width(2.0)
                    .allow_band(false),
            );
            p.line(
                Line::new("loss on the plane", series(&path.plane, &y))
                    .color(color)
                    .width(2.0)
                    .style(LineStyle::dashed_loose())
                    .allow_band(false),
            );
        });
    ui.label(
        RichText::new(format!(
            "Distance off the plane (solid; at most {}) and from θ₀ (dashed; at most {})",
            num(off),
            num(far)
        ))
        .strong(),
    );
    Plot::new("profile path distance")
        .height(height)
        .x_axis_label("step")
        .y_axis_label("‖·‖")
        .y_axis_formatter(|m, _| num(m.value))
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(
                Line::new("off the plane", series(&path.off_plane, &|v| v))
                    .color(color)
                    .width(2.0)
                    .allow_band(false),
            );
            p.line(
                Line::new("from θ₀", series(&path.from_start, &|v| v))
                    .color(weak)
                    .width(1.5)
                    .style(LineStyle::dashed_loose())
                    .allow_band(false),
            );
        });
}
