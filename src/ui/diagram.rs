//! The network diagram: a racer's network as layers of units joined by its weights, each edge
//! coloured by its sign and as wide as its size, and each unit filled with its activation for
//! the input under the cursor in the decision view. A pure drawing of the engine's
//! [`NetworkPicture`].

use egui::{Align2, Color32, FontId, Pos2, RichText, Sense, Stroke, Ui, vec2};

use crate::params::Choice;
use crate::problem::mlp::net::Head;
use crate::problem::view::NetworkPicture;

/// Room kept free on the right: a widget as wide as a scrolled panel's whole width widens the
/// panel by the scroll bar, frame after frame.
pub const SLACK: f32 = 14.0;

/// The most units drawn in one layer; the rest are counted in a label.
pub const MAX_UNITS: usize = 12;

/// Positive values are warm, negative ones cool (the app's sign convention).
const WARM: [u8; 3] = [0xD5, 0x5E, 0x00];
const COOL: [u8; 3] = [0x00, 0x72, 0xB2];

/// A colour for a signed value in [−1, 1], fading to `neutral` at 0.
fn signed(v: f64, neutral: Color32) -> Color32 {
    let t = v.clamp(-1.0, 1.0).abs() as f32;
    let [r, g, b] = if v >= 0.0 { WARM } else { COOL };
    let mix = |a: u8, b: u8| (a as f32 + (b as f32 - a as f32) * t) as u8;
    Color32::from_rgb(
        mix(neutral.r(), r),
        mix(neutral.g(), g),
        mix(neutral.b(), b),
    )
}

/// Which units of a layer of `n` are drawn.
fn shown(n: usize) -> usize {
    n.min(MAX_UNITS)
}

/// Draws racer `theta`'s network, `height` points tall, with the activations for `input` (in
/// the data's units) when the cursor is over the decision view.
pub fn show(
    ui: &mut Ui,
    net: &NetworkPicture,
    theta: &[f64],
    input: Option<&[f64]>,
    dark: bool,
    height: f32,
) {
    let layout = &net.layout;
    let widths = &layout.widths;
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::hover());
    let painter = ui.painter_at(rect);
    let neutral = if dark {
        Color32::from_gray(70)
    } else {
        Color32::from_gray(200)
    };
    let text = ui.visuals().text_color();
    let font = FontId::proportional(12.0);
    let columns = widths.len();
    // Room for the input values on the left and the output values and label on the right.
    let inner = egui::Rect::from_min_max(rect.min + vec2(44.0, 14.0), rect.max - vec2(52.0, 22.0));
    let most = widths.iter().map(|w| shown(*w)).max().unwrap_or(1) as f32;
    let radius = (inner.height() / (most * 2.6)).clamp(2.5, 9.0);
    let pos = |l: usize, i: usize| -> Pos2 {
        let x = inner.left() + inner.width() * l as f32 / (columns - 1).max(1) as f32;
        let n = shown(widths[l]) as f32;
        let y = inner.center().y + (i as f32 - (n - 1.0) / 2.0) * inner.height() / most;
        Pos2::new(x, y)
    };
    let acts = input.map(|x| net.activations(theta, x));
    // Edges, layer by layer, scaled by the layer's largest weight.
    for l in 0..layout.layers() {
        let (w, _) = layout.layer(l);
        let (fi, fo) = (widths[l], widths[l + 1]);
        let top = theta[w.clone()]
            .iter()
            .fold(1e-12_f64, |m, v| m.max(v.abs()));
        for i in 0..shown(fi) {
            for j in 0..shown(fo) {
                let v = theta[w.start + i * fo + j] / top;
                let width = 0.4 + 2.6 * v.abs() as f32;
                let color = signed(v, neutral).gamma_multiply(0.35 + 0.65 * v.abs() as f32);
                painter.line_segment([pos(l, i), pos(l + 1, j)], Stroke::new(width, color));
            }
        }
    }
    // Units, filled by their activation (the output by its probability or value).
    for (l, &n) in widths.iter().enumerate() {
        let last = l + 1 == columns;
        for i in 0..shown(n) {
            let fill = match &acts {
                Some(a) => {
                    let v = a[l][i];
                    let v = if last && layout.head != Head::Mse {
                        2.0 * v - 1.0
                    } else if l == 0 {
                        v / 2.0
                    } else {
                        v
                    };
                    signed(v, neutral)
                }
                None => neutral,
            };
            let c = pos(l, i);
            painter.circle(c, radius, fill, Stroke::new(1.0, text.gamma_multiply(0.6)));
            if let (Some(a), true) = (&acts, last || l == 0) {
                let anchor = if last {
                    (c + vec2(radius + 3.0, 0.0), Align2::LEFT_CENTER)
                } else {
                    (c - vec2(radius + 3.0, 0.0), Align2::RIGHT_CENTER)
                };
                if shown(n) <= 6 {
                    painter.text(
                        anchor.0,
                        anchor.1,
                        format!("{:.2}", a[l][i]),
                        font.clone(),
                        text,
                    );
                }
            }
        }
        if n > MAX_UNITS {
            painter.text(
                pos(l, shown(n) - 1) + vec2(0.0, radius + 2.0),
                Align2::CENTER_TOP,
                format!("+{}", n - MAX_UNITS),
                font.clone(),
                text,
            );
        }
        let name = match l {
            0 => "input".to_owned(),
            _ if last => "output".to_owned(),
            _ => format!("hidden {l}"),
        };
        painter.text(
            Pos2::new(pos(l, 0).x, rect.bottom() - 2.0),
            Align2::CENTER_BOTTOM,
            format!("{name} ({n})"),
            font.clone(),
            text.gamma_multiply(0.8),
        );
    }
    let act = crate::problem::mlp::net::Activation::LABELS[Choice::index(layout.act)];
    response.on_hover_text(format!(
        "{act} hidden units; the output is {}",
        match layout.head {
            Head::Mse => "the fitted value",
            Head::Bce => "P(class 1)",
            Head::Ce => "each class's probability",
        }
    ));
    legend(ui, acts.is_some());
}

/// The line under the diagram that says how to read it.
fn legend(ui: &mut Ui, live: bool) {
    let text = if live {
        "units: activation for the input under the cursor (warm positive, cool negative)"
    } else {
        "hover the decision view: units show their activations for that input"
    };
    ui.label(RichText::new(text).weak().small());
    ui.label(
        RichText::new("edges: warm positive, cool negative weights; width ∝ |w| per layer")
            .weak()
            .small(),
    );
}
