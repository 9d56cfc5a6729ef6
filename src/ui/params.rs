//! Widgets for a parameter struct: a slider (logarithmic where the range spans decades) with a
//! typed-value box, a checkbox, or a menu of named options, each labelled by the parameter's
//! readable name, with its documentation, accepted values, liveness and scene key in the
//! tooltip. A learning-rate schedule's parameters, and a noise level's decay, are grouped under
//! their own headers, and only those that matter now are shown.

use egui::{CollapsingHeader, Slider, Ui};

use crate::noise::DECAY_KEYS;
use crate::optim::schedule;
use crate::params::{ParamMeta, ParamMut, ParamValue, Params, Scale};

/// Whether a schedule parameter matters for the schedule `p` has now.
fn schedule_relevant(p: &dyn Params, key: &str) -> bool {
    let kind = match p.param("schedule") {
        Some((_, ParamValue::Choice(k))) => k,
        _ => return true,
    };
    let warmup = matches!(p.param("warmup"), Some((_, ParamValue::Usize(w))) if w > 0);
    match key {
        "schedule" | "warmup" => true,
        "warmup_start" => warmup,
        "step_size" | "gamma" => kind == "step",
        "t_max" | "min_factor" => kind == "cosine",
        "tau" => kind == "inverse_time",
        _ => true,
    }
}

/// Whether a noise level's decay parameter matters: only for a channel that is on (its level,
/// the first parameter, is not zero), and each shape's own constant only for that shape.
fn decay_relevant(p: &dyn Params, key: &str) -> bool {
    let params = p.params();
    let on = matches!(params.first(), Some((_, ParamValue::F64(v))) if *v != 0.0);
    let kind = match p.param("decay") {
        Some((_, ParamValue::Choice(k))) => k,
        _ => return on,
    };
    on && match key {
        "decay_power" => kind == "power",
        "decay_steps" => kind == "exponential",
        _ => true,
    }
}

/// A group of parameters shown under their own header: its keys, its title and which of them
/// matter now.
struct Group {
    keys: &'static [&'static str],
    title: &'static str,
    relevant: fn(&dyn Params, &str) -> bool,
}

const GROUPS: [Group; 2] = [
    Group {
        keys: &schedule::KEYS,
        title: "learning-rate schedule",
        relevant: schedule_relevant,
    },
    Group {
        keys: &DECAY_KEYS,
        title: "decay over the steps",
        relevant: decay_relevant,
    },
];

/// Widgets for every parameter, labelled by their readable names; returns whether one changed.
/// Invalid typed values are refused.
pub fn params_ui(ui: &mut Ui, p: &mut dyn Params) -> bool {
    let group_of = |key: &str| GROUPS.iter().position(|g| g.keys.contains(&key));
    let shown: Vec<bool> = p
        .params()
        .iter()
        .map(|(m, _)| group_of(m.key).is_none_or(|g| (GROUPS[g].relevant)(p, m.key)))
        .collect();
    let mut changed = false;
    let mut grouped: [Vec<_>; GROUPS.len()] = Default::default();
    for ((meta, value), show) in p.params_mut().into_iter().zip(shown) {
        match group_of(meta.key) {
            Some(g) => {
                if show {
                    grouped[g].push((meta, value));
                }
            }
            None => changed |= param_ui(ui, &meta, value),
        }
    }
    for (group, members) in GROUPS.iter().zip(grouped) {
        if !members.is_empty() {
            CollapsingHeader::new(group.title)
                .id_salt(group.title)
                .show(ui, |ui| {
                    for (meta, value) in members {
                        changed |= param_ui(ui, &meta, value);
                    }
                });
        }
    }
    changed
}

/// The widget for one parameter; returns whether it changed.
fn param_ui(ui: &mut Ui, meta: &ParamMeta, value: ParamMut<'_>) -> bool {
    let mut changed = false;
    let when = if meta.live {
        "Live: the running race reacts without a reset."
    } else {
        "Changing it starts a new run."
    };
    let tip = format!(
        "{}\nAccepts {}. {when}\nScene key: `{}`",
        meta.doc, meta.valid, meta.key
    );
    match value {
        ParamMut::F64(v) => {
            let old = *v;
            let (lo, hi) = meta.range;
            let log = meta.scale == Scale::Log;
            let mut slider = Slider::new(v, lo..=hi)
                .text(meta.name)
                .logarithmic(log)
                .smallest_positive(lo.max(1e-12).min(hi * 1e-3))
                .clamping(egui::SliderClamping::Never);
            if log {
                // Values that span decades read as 4 significant digits (`0`, `3e-4`), not as
                // a row of zeros.
                slider = slider.custom_formatter(|v, _| super::format::num(v));
            }
            let r = ui.add(slider);
            r.on_hover_text(tip);
            if !meta.valid.accepts(*v) {
                *v = old;
            }
            changed |= *v != old;
        }
        ParamMut::Usize(v) => {
            let old = *v;
            let (lo, hi) = meta.range;
            ui.add(
                Slider::new(v, lo as usize..=hi as usize)
                    .text(meta.name)
                    .clamping(egui::SliderClamping::Never),
            )
            .on_hover_text(tip);
            if !meta.valid.accepts(*v as f64) {
                *v = old;
            }
            changed |= *v != old;
        }
        ParamMut::Bool(v) => {
            changed |= ui.checkbox(v, meta.name).on_hover_text(tip).changed();
        }
        ParamMut::Choice(c) => {
            let labels = c.labels();
            let old = c.index();
            let mut index = old;
            egui::ComboBox::new(meta.key, meta.name)
                .selected_text(labels.get(old).copied().unwrap_or("?"))
                .show_ui(ui, |ui| {
                    for (i, label) in labels.iter().enumerate() {
                        ui.selectable_value(&mut index, i, *label);
                    }
                })
                .response
                .on_hover_text(&tip);
            if index != old {
                c.set_index(index);
                changed = true;
            }
        }
    }
    changed
}
