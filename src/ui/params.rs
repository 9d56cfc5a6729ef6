//! Widgets for a parameter struct: a slider (logarithmic where the range spans decades) with a
//! typed-value box, a checkbox, or a menu of named options, each labelled by the parameter's readable name, with its
//! documentation, accepted values, liveness and scene key in the tooltip.

use egui::{Slider, Ui};

use crate::params::{ParamMut, Params, Scale};

/// Widgets for every parameter, labelled by their readable names; returns whether one changed.
/// Invalid typed values are refused.
pub fn params_ui(ui: &mut Ui, p: &mut dyn Params) -> bool {
    let mut changed = false;
    for (meta, value) in p.params_mut() {
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
                let r = ui.add(
                    Slider::new(v, lo..=hi)
                        .text(meta.name)
                        .logarithmic(meta.scale == Scale::Log)
                        .smallest_positive(lo.max(1e-12).min(hi * 1e-3))
                        .clamping(egui::SliderClamping::Never),
                );
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
                ui.horizontal(|ui| {
                    egui::ComboBox::from_id_salt(meta.key)
                        .selected_text(labels.get(old).copied().unwrap_or("?"))
                        .show_ui(ui, |ui| {
                            for (i, label) in labels.iter().enumerate() {
                                ui.selectable_value(&mut index, i, *label);
                            }
                        })
                        .response
                        .on_hover_text(&tip);
                    ui.label(meta.name).on_hover_text(&tip);
                });
                if index != old {
                    c.set_index(index);
                    changed = true;
                }
            }
        }
    }
    changed
}
