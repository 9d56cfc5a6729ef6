//! What each method keeps in memory to train a network: the cost model beside the measured
//! evaluations per step.
//!
//! Backpropagation keeps every layer's activations and pre-activations for the backward pass,
//! forms a full gradient, and adds its optimizer's state. A perturbation rule runs forward
//! passes only: it can stream the layers, keeping two of them at a time, and keeps what its
//! probe needs (a perturbation vector, per-unit noise and presynaptic activity, or, for MeZO,
//! nothing but a seed). The counts are floats of the algorithm, not of this program's buffers
//! (which also keep what the views draw); multiply by 8 for bytes at float64.
//!
//! ## References
//! - Malladi et al. (2023), "Fine-tuning language models with just forward passes", NeurIPS:
//!   the memory comparison of backprop, ZO-SGD and MeZO (in-place perturbation from a seed).
//! - Gupta, Koren & Singer (2018) for Shampoo's statistics and roots; Jordan et al. (2024)
//!   for Muon's momentum; torch.optim's documentation for the state of each first-order rule.

use super::{Method, shampoo::FULL_SIDE};
use crate::problem::ParamBlock;

/// A network's shape, as the memory model sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct NetShape {
    /// Widths from the input to the output.
    pub widths: Vec<usize>,
    /// The weight matrices and biases in θ.
    pub blocks: Vec<ParamBlock>,
    /// The samples one pass runs over: the mini-batch, or every training point.
    pub rows: usize,
}

impl NetShape {
    /// The shape of the network whose parameter blocks these are (`None` without blocks:
    /// not a network).
    pub fn from_blocks(blocks: &[ParamBlock], rows: usize) -> Option<Self> {
        let first = blocks.iter().find(|b| !b.bias)?;
        let mut widths = vec![first.rows];
        widths.extend(blocks.iter().filter(|b| !b.bias).map(|b| b.cols));
        Some(NetShape {
            widths,
            blocks: blocks.to_vec(),
            rows: rows.max(1),
        })
    }

    /// The number of parameters d.
    pub fn params(&self) -> usize {
        self.blocks.iter().map(|b| b.rows * b.cols).sum()
    }

    /// The units after the input (the nodes node perturbation probes).
    pub fn units(&self) -> usize {
        self.widths[1..].iter().sum()
    }

    /// What backprop keeps for its backward pass: each layer's activations and
    /// pre-activations (the input's once), per row.
    pub fn stored_activations(&self) -> usize {
        self.rows * (self.widths[0] + 2 * self.units())
    }

    /// What a forward pass that keeps nothing needs: two layers at a time, per row.
    pub fn streamed_activations(&self) -> usize {
        let most = self.widths.windows(2).map(|w| w[0] + w[1]).max();
        self.rows * most.unwrap_or(self.widths[0])
    }

    fn matrices(&self) -> impl Iterator<Item = &ParamBlock> {
        self.blocks.iter().filter(|b| !b.bias)
    }
}

/// Floats a method keeps to train a network, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    /// The parameters θ.
    pub params: usize,
    /// Activations kept or streamed by the passes.
    pub activations: usize,
    /// The gradient, or the estimate or update the method forms at θ's size.
    pub gradient: usize,
    /// The optimizer's state: moments, statistics, perturbations, a population, a matrix.
    pub state: usize,
    /// Whether the method backpropagates (otherwise it runs forward passes only).
    pub backprop: bool,
}

impl Memory {
    /// Every float together.
    pub fn total(&self) -> usize {
        self.params + self.activations + self.gradient + self.state
    }
}

/// What `method` keeps to train the network `net`.
pub fn estimate(method: &Method, net: &NetShape) -> Memory {
    let d = net.params();
    let on = |b: bool| usize::from(b);
    // Backprop's memory with `state` floats of optimizer state.
    let bp = |state: usize| Memory {
        params: d,
        activations: net.stored_activations(),
        gradient: d,
        state,
        backprop: true,
    };
    // A forward-only rule's memory: an estimate of θ's size (or none) and `state`.
    let forward = |gradient: usize, state: usize| Memory {
        params: d,
        activations: net.streamed_activations(),
        gradient,
        state,
        backprop: false,
    };
    let dense = d * d;
    match method {
        Method::Gd(_) => bp(0),
        Method::Sgd(c) => bp(d * on(c.momentum > 0.0)),
        Method::Adagrad(_) | Method::Lion(_) => bp(d),
        Method::Rmsprop(c) => bp(d * (1 + on(c.momentum > 0.0) + on(c.centered))),
        Method::Adam(c) => bp(d * (2 + on(c.amsgrad))),
        Method::AdamW(c) => bp(d * (2 + on(c.amsgrad))),
        Method::Nadam(_) | Method::ScheduleFreeAdamW(_) => bp(2 * d),
        Method::FeedbackAlignment(c) => {
            // The fixed feedback matrices of every layer but the first.
            let feedback: usize = net.matrices().skip(1).map(|b| b.rows * b.cols).sum();
            bp(feedback + d * on(c.momentum > 0.0))
        }
        Method::Muon(_) => {
            let matrices: usize = net
                .blocks
                .iter()
                .filter(|b| b.is_matrix())
                .map(|b| b.rows * b.cols)
                .sum();
            bp(matrices + 2 * (d - matrices))
        }
        Method::Shampoo(c) => {
            // A statistic and its root per side (a diagonal past FULL_SIDE).
            let side = |n: usize| 2 * if n <= FULL_SIDE { n * n } else { n };
            let factors: usize = net
                .blocks
                .iter()
                .map(|b| {
                    if b.bias {
                        side(b.rows * b.cols)
                    } else {
                        side(b.rows) + side(b.cols)
                    }
                })
                .sum();
            bp(factors + d * on(c.momentum > 0.0))
        }
        Method::ConjugateGradient(_) => bp(2 * d),
        Method::Lbfgs(c) => bp(2 * c.m * d + d),
        Method::Bfgs(_) => bp(dense + 2 * d),
        Method::Newton(_)
        | Method::NaturalGradient(_)
        | Method::LevenbergMarquardt(_)
        | Method::SaddleFreeNewton(_)
        | Method::CubicNewton(_)
        | Method::TrustRegion(_) => bp(dense + d),
        Method::GaussNewton(_) => bp(dense + net.rows * d),
        // Finite differences along the axes form the gradient one coordinate at a time.
        Method::Fd(_) => forward(d, 0),
        // A direction and the estimate.
        Method::Rge(_) | Method::Spsa(_) => forward(d, d),
        // The perturbation, applied in place, scaled by the change in loss.
        Method::WeightPerturbation(_) => forward(0, d),
        // Regenerated from its seed: nothing but θ.
        Method::Mezo(_) => forward(0, 0),
        Method::NodePerturbation(c) => {
            // Per row, every unit's noise and every layer's presynaptic activity, kept until
            // the loss is known; the update is formed at θ's size; the clean pass's loss per
            // row (or, in one pass, the running baseline).
            let presynaptic: usize = net.widths[..net.widths.len() - 1].iter().sum();
            Memory {
                activations: net.rows * (net.units() + presynaptic),
                ..forward(d, if c.baseline { 1 } else { net.rows })
            }
        }
        // Every unit's running mean drive for every input, the eligibility and the step.
        Method::Rmhl(_) => Memory {
            activations: net.rows * net.units(),
            ..forward(d, d + net.units() * net.rows)
        },
        // The jittering θ beside the mean μ, and the step.
        Method::Oua(_) => forward(0, 2 * d),
        Method::AnpDecorrelation(c) => {
            // The clean and noisy drives of every unit and the layers' inputs, per row; W kept
            // beside θ = DᵀW, and a square D in front of each layer.
            let presynaptic: usize = net.widths[..net.widths.len() - 1].iter().sum();
            let decorrelation: usize = if c.decorrelate {
                net.matrices().map(|b| b.rows * b.rows).sum::<usize>() + d
            } else {
                0
            };
            Memory {
                activations: net.rows * (2 * net.units() + presynaptic),
                ..forward(d, decorrelation)
            }
        }
        Method::Es(c) => forward(d, c.popsize * d),
        Method::CmaEs(c) => {
            let lambda = if c.popsize == 0 {
                4 + (3.0 * (d as f64).ln()).floor() as usize
            } else {
                c.popsize
            };
            // C and its eigenvectors, the population, two paths and the eigenvalues.
            forward(0, 2 * dense + lambda * d + 3 * d)
        }
        Method::NelderMead(_) => forward(0, (d + 1) * d),
        Method::OnePlusOneEs(_) | Method::RandomSearch(_) | Method::SimulatedAnnealing(_) => {
            forward(0, d)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::spec;

    fn net(widths: &[usize], rows: usize) -> NetShape {
        let mut blocks = Vec::new();
        let mut at = 0;
        for (l, w) in widths.windows(2).enumerate() {
            for (bias, r) in [(false, w[0]), (true, 1)] {
                blocks.push(ParamBlock {
                    offset: at,
                    rows: r,
                    cols: w[1],
                    layer: l,
                    bias,
                });
                at += r * w[1];
            }
        }
        NetShape::from_blocks(&blocks, rows).unwrap()
    }

    fn method(s: &str) -> Method {
        spec::parse(s, "optimizer", Method::keys()).unwrap()
    }

    /// The 2-8-8-1 network of the tiny_net scene on 200 points.
    #[test]
    fn the_model_counts_what_each_rule_keeps() {
        let n = net(&[2, 8, 8, 1], 200);
        assert_eq!(n.widths, [2, 8, 8, 1]);
        let d = 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1;
        assert_eq!(n.params(), d);
        // Backprop keeps x and 2 × (8 + 8 + 1) values per point.
        let adam = estimate(&method("adam"), &n);
        assert_eq!(adam.activations, 200 * (2 + 2 * 17));
        assert_eq!((adam.gradient, adam.state), (d, 2 * d));
        assert!(adam.backprop);
        assert_eq!(estimate(&method("sgd"), &n).state, 0);
        assert_eq!(estimate(&method("sgd:momentum=0.9"), &n).state, d);
        // Muon's momentum on the 2×8 and 8×8 matrices, AdamW's two moments on the rest (the
        // 8×1 output vector and the biases).
        let muon = estimate(&method("muon"), &n);
        assert_eq!(muon.state, (16 + 64) + 2 * (8 + 8 + 8 + 1));
        // Shampoo: 2·(m² + n²) per matrix, 2n² per bias, and the momentum.
        let shampoo = estimate(&method("shampoo"), &n);
        let factors = 2 * (4 + 64) + 2 * (64 + 64) + 2 * (64 + 1) + 2 * (64 + 64 + 1);
        assert_eq!(shampoo.state, factors + d);
        // A forward-only rule streams two layers at a time: the widest pair is 8 + 8.
        let mezo = estimate(&method("mezo"), &n);
        assert!(!mezo.backprop);
        assert_eq!(mezo.activations, 200 * 16);
        assert_eq!(mezo.total(), d + 200 * 16, "MeZO keeps θ and a pass");
        let spsa = estimate(&method("spsa"), &n);
        assert_eq!(spsa.total(), mezo.total() + 2 * d);
        // Node perturbation keeps the noise on 17 units and the inputs of 3 layers per point.
        let np = estimate(&method("node_perturbation"), &n);
        assert_eq!(np.activations, 200 * (17 + 2 + 8 + 8));
        // The ordering the networks issue asks to show: MeZO < SPSA < backprop with Adam.
        assert!(mezo.total() < spsa.total() && spsa.total() < adam.total());
    }

    /// Activations scale with the rows of a pass; parameters and most state do not.
    #[test]
    fn a_mini_batch_shrinks_only_the_activations() {
        let (full, batch) = (net(&[2, 16, 16, 1], 256), net(&[2, 16, 16, 1], 32));
        for key in ["adam", "node_perturbation", "mezo", "shampoo"] {
            let (a, b) = (
                estimate(&method(key), &full),
                estimate(&method(key), &batch),
            );
            assert_eq!(a.activations, 8 * b.activations, "{key}");
            assert_eq!(a.params, b.params, "{key}");
            if key != "node_perturbation" {
                assert_eq!(a.state, b.state, "{key}");
            }
        }
        // Node perturbation's two passes compare each row's clean and noisy loss.
        let np = |n: &NetShape| estimate(&method("node_perturbation"), n).state;
        assert_eq!(np(&full), 256);
        assert_eq!(np(&batch), 32);
        assert!(NetShape::from_blocks(&[], 10).is_none());
    }
}
