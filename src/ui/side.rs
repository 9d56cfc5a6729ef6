//! The right-hand panel: the curves, and a tab for each view the problem offers (a step
//! section, the coordinates; a network's decision boundary or a neuron's traces later). The
//! engine computes only the views of the tab shown.

use egui::Ui;

use super::{Outbox, View, curves, views};
use crate::engine::Command;
use crate::problem::ViewKind;

/// Which tab is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// The curves.
    #[default]
    Curves,
    /// A problem view.
    View(ViewKind),
}

/// State of the right-hand panel.
#[derive(Debug, Default)]
pub struct SideUi {
    /// The tab shown.
    pub tab: Tab,
    /// The curves' state.
    pub curves: curves::CurvesUi,
    /// The views the engine was last asked to compute.
    subscribed: Option<Vec<ViewKind>>,
}

/// Shows the right-hand panel.
pub fn show(ui: &mut Ui, view: &View, st: &mut SideUi, out: &mut Outbox) {
    let width = ui.ctx().content_rect().width();
    egui::Panel::right("side")
        .resizable(true)
        .default_size((0.28 * width).clamp(240.0, 460.0))
        .size_range(200.0..=(0.28 * width).max(220.0))
        .show(ui, |ui| {
            let offered = view.info.as_ref().map_or(&[][..], |i| i.views);
            if let Tab::View(k) = st.tab
                && !offered.contains(&k)
            {
                st.tab = Tab::Curves;
            }
            // The tabs wrap rather than widen the panel (four of them overflow in presenter
            // mode).
            ui.horizontal_wrapped(|ui| {
                ui.selectable_value(&mut st.tab, Tab::Curves, "Curves")
                    .on_hover_text("Loss, gradient norm and the methods' diagnostics over time.");
                for &k in offered {
                    ui.selectable_value(&mut st.tab, Tab::View(k), k.title())
                        .on_hover_text(k.about());
                }
            });
            ui.separator();
            let wanted = match st.tab {
                Tab::Curves => Vec::new(),
                Tab::View(k) => vec![k],
            };
            if st.subscribed.as_ref() != Some(&wanted) {
                out.send(Command::Views(wanted.clone()));
                st.subscribed = Some(wanted);
            }
            match st.tab {
                Tab::Curves => curves::show(ui, view, &mut st.curves),
                Tab::View(k) => views::show(ui, view, k, out),
            }
        });
}
