//! Feedback alignment: backpropagation with the transport of weights removed. The errors flow
//! back through fixed random matrices B instead of the forward weights Wᵀ; the forward weights
//! then come to align with B, so that the updates become useful, and the network learns
//! without any synapse knowing another's strength.
//!
//! ## References
//! - Lillicrap, Cownden, Tweed & Akerman (2016), "Random synaptic feedback weights support
//!   error backpropagation for deep learning", Nature Communications 7, 13276.

use rand::RngExt as _;

use super::estimator::{Directions, EstimatorKind};
use super::{Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay};
use crate::linalg::Vector;
use crate::params::Params;

crate::params! {
    /// Feedback alignment: the backward pass sends errors through fixed random weights B
    /// (drawn once, uniform in ±√(6/(fan_in + fan_out)), from the method's stream) in place of
    /// Wᵀ; each layer's update is its input times the error that reached it, then an SGD step
    /// with momentum.
    pub struct FeedbackAlignmentConfig {
        /// Learning rate η.
        lr: f64 = 0.1, "learning rate η", (1e-4, 2.0), Log, Positive, live;
        /// Momentum (heavy ball, as torch.optim.SGD).
        momentum: f64 = 0.0, "momentum", (0.0, 0.99), Linear, UnitOpen, live;
    }
}

impl MethodConfig for FeedbackAlignmentConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(FeedbackAlignment {
            c: self.clone(),
            feedback: Vec::new(),
            g: Vector::zeros(dim),
            buf: Vector::zeros(dim),
            from: Vector::zeros(dim),
            alignment: f64::NAN,
            last: None,
            t: 0,
        })
    }
    fn order(&self) -> Order {
        Order::First
    }
    fn needs(&self) -> Needs {
        // A backward pass, if not backprop's: counted with the gradients.
        Needs {
            gradient: true,
            network: true,
            ..Needs::VALUES
        }
    }
    fn estimator(&self) -> Option<EstimatorKind> {
        Some(EstimatorKind {
            directions: Directions::Feedback,
            q: 1,
        })
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[Diagnostic {
            key: "alignment",
            name: "cos(W, B) of the last layer's feedback (the alignment)",
            log: false,
        }]
    }
    fn reference(&self) -> &'static str {
        "Lillicrap, Cownden, Tweed & Akerman (2016), Nature Communications 7, 13276"
    }
}

#[derive(Clone)]
struct FeedbackAlignment {
    c: FeedbackAlignmentConfig,
    /// B, laid out as θ (biases zero), drawn at the first step.
    feedback: Vec<f64>,
    g: Vector,
    buf: Vector,
    from: Vector,
    alignment: f64,
    last: Option<crate::problem::ParamBlock>,
    t: u64,
}

impl Optimizer for FeedbackAlignment {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if self.t == 0 {
            self.feedback = vec![0.0; x.len()];
            // The last weight matrix, whose alignment is reported.
            self.last = oracle.blocks().iter().rev().find(|b| !b.bias).copied();
            for b in oracle.blocks().to_vec().iter().filter(|b| !b.bias) {
                let a = (6.0 / (b.rows + b.cols) as f64).sqrt();
                for v in &mut self.feedback[b.offset..b.offset + b.rows * b.cols] {
                    *v = a * (2.0 * oracle.rng().random::<f64>() - 1.0);
                }
            }
        }
        self.from.assign(x);
        oracle.feedback_alignment(x.view(), &self.feedback, &mut self.g);
        // SGD with heavy-ball momentum, as torch.optim.SGD.
        if self.c.momentum > 0.0 {
            if self.t == 0 {
                self.buf.assign(&self.g);
            } else {
                self.buf *= self.c.momentum;
                self.buf += &self.g;
            }
            x.scaled_add(-self.c.lr, &self.buf);
        } else {
            x.scaled_add(-self.c.lr, &self.g);
        }
        // How far the last weight matrix has turned towards its feedback B.
        if let Some(b) = self.last {
            let r = b.offset..b.offset + b.rows * b.cols;
            let (w, f) = (
                &x.as_slice().unwrap_or_default()[r.clone()],
                &self.feedback[r],
            );
            let dot: f64 = w.iter().zip(f).map(|(p, q)| p * q).sum();
            let n = (w.iter().map(|v| v * v).sum::<f64>() * f.iter().map(|v| v * v).sum::<f64>())
                .sqrt();
            self.alignment = if n > 0.0 { dot / n } else { 0.0 };
        }
        self.t += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn estimate(&self) -> Option<(ndarray::ArrayView1<'_, f64>, ndarray::ArrayView1<'_, f64>)> {
        (self.t > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        if self.feedback.len() != x.len() {
            return false;
        }
        oracle.feedback_alignment(x.view(), &self.feedback, g);
        true
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.alignment;
    }

    /// The step.
    fn overlay(&self, out: &mut Overlay) {
        if self.t == 0 {
            return;
        }
        super::zeroth_order::draw_step(&self.from, self.c.lr, &self.g, out);
    }
}
