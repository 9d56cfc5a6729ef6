//! What each rule costs on the network: its measured evaluations per step (forward passes,
//! gradients, Hessian-vector products) and the memory model's floats, backprop's activations,
//! gradient and optimizer state against a perturbation rule's forward passes. A pure view of
//! the run's records and of the engine's [`Memory`] estimates.

use egui::{RichText, Ui};

use super::View;
use super::status::racer_color;
use crate::engine::RunInfo;
use crate::optim::Counts;
use crate::optim::memory::Memory;

/// Floats as kibibytes at float64.
fn kib(floats: usize) -> String {
    let k = floats as f64 * 8.0 / 1024.0;
    if k < 10.0 {
        format!("{k:.1} KiB")
    } else {
        format!("{k:.0} KiB")
    }
}

/// Evaluations per step from cumulative counts, in three significant digits.
fn per_step(count: u64, steps: u64) -> String {
    if steps == 0 {
        return "–".into();
    }
    let v = count as f64 / steps as f64;
    if v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The parts of the memory bar: θ, activations, gradient (or estimate), optimizer state.
const PARTS: [(&str, [u8; 3]); 4] = [
    ("θ", [0x99, 0x99, 0x99]),
    ("activations", [0x56, 0xB4, 0xE9]),
    ("gradient", [0xE6, 0x9F, 0x00]),
    ("optimizer state", [0xCC, 0x79, 0xA7]),
];

/// The cost table: per rule, its measured evaluations per step and a bar of its memory, split
/// into θ, activations, gradient and state, on one scale for every rule.
pub fn show(ui: &mut Ui, view: &View, info: &RunInfo, dark: bool) {
    if info.memory.iter().all(Option::is_none) {
        return;
    }
    let most = info
        .memory
        .iter()
        .flatten()
        .map(Memory::total)
        .max()
        .unwrap_or(1)
        .max(1);
    // Two lines per rule, so that the table fits the narrowest panel: its name and measured
    // evaluations, then its memory bar on one scale for every rule.
    let bar_width = ui.available_width().max(60.0);
    for (i, label) in info.labels.iter().enumerate() {
        let Some(Some(m)) = info.memory.get(i) else {
            continue;
        };
        let color = info
            .colors
            .get(i)
            .map(|c| racer_color(*c, dark))
            .unwrap_or(ui.visuals().text_color());
        let last = view.racers.get(i).and_then(|r| r.history.last());
        let (steps, counts) = last.map_or((0, Counts::default()), |r| (r.step, r.counts));
        // Plain lines, which wrap: a row of widgets could widen the panel.
        ui.label(RichText::new(label).color(color).strong());
        ui.label(
            RichText::new(format!(
                "f/step {} · ∇f/step {} · {}",
                per_step(counts.f, steps),
                per_step(counts.g + counts.hv, steps),
                kib(m.total())
            ))
            .monospace(),
        );
        {
            let (rect, resp) =
                ui.allocate_exact_size(egui::vec2(bar_width, 12.0), egui::Sense::hover());
            let mut x = rect.left();
            for (part, (_, c)) in [m.params, m.activations, m.gradient, m.state]
                .into_iter()
                .zip(PARTS)
            {
                let w = bar_width * part as f32 / most as f32;
                let r = egui::Rect::from_min_size(
                    egui::pos2(x, rect.top()),
                    egui::vec2(w, rect.height()),
                );
                ui.painter()
                    .rect_filled(r, 0.0, egui::Color32::from_rgb(c[0], c[1], c[2]));
                x += w;
            }
            resp.on_hover_text(how(m));
        }
        ui.add_space(2.0);
    }
    ui.horizontal_wrapped(|ui| {
        for (name, c) in PARTS {
            let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter()
                .rect_filled(r, 1.0, egui::Color32::from_rgb(c[0], c[1], c[2]));
            ui.label(RichText::new(name).small());
        }
    });
    ui.label(
        RichText::new(
            "Measured: forward passes (f) and gradients or H·v products (∇f) per step. \
             Modelled: the algorithm's memory. Backprop keeps every layer's activations for \
             its backward pass and forms a gradient; a perturbation rule streams forward \
             passes and keeps only its probe.",
        )
        .weak()
        .small(),
    );
}

/// A tooltip that names what the memory holds.
fn how(m: &Memory) -> String {
    let kind = if m.backprop {
        "backprop: activations kept for the backward pass"
    } else {
        "forward passes only"
    };
    format!(
        "{kind}\nθ {} floats, activations {}, gradient or estimate {}, optimizer state {}",
        m.params, m.activations, m.gradient, m.state
    )
}
