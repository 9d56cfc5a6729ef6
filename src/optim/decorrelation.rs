//! Activity-based node perturbation with per-layer decorrelation (ANP, DANP).
//!
//! Every unit of every layer is jittered, as in node perturbation, but the rule never reads the
//! noise: it measures how each pre-activation changed between a clean and a noisy pass, δa, and
//! reinforces each synapse by √N·δL/‖δa‖² times δa_post times x_pre (the slope of the loss
//! along the unit direction δa/‖δa‖). In front of every weight layer sits a decorrelation
//! matrix D, learned by a local anti-Hebbian rule that removes the correlations of the layer's
//! inputs: x̂ = D x, D ← D − η_D (⟨x̂ x̂ᵀ⟩ ⊙ (1 − I)) D. Decorrelated inputs make the layer's
//! curvature closer to isotropic, which perturbation rules need most.
//!
//! The decorrelated network computes x̂ W = x (Dᵀ W): the same function as a plain network with
//! weights Dᵀ W. The optimizer keeps W and D, and writes Dᵀ W into θ, so the problem, its
//! landscape and every other method see a plain network.
//!
//! ## References
//! - Dalm, van Gerven & Ahmad (2023), "Effective learning with node perturbation in deep neural
//!   networks" (arXiv 2310.00965): activity-based node perturbation and decorrelation.
//! - Ahmad (2024), "Correlations are ruining your gradient descent" (arXiv 2407.10780).

use ndarray::ArrayView1;
use rand_distr::{Distribution as _, StandardNormal};

use super::estimator::{Directions, EstimatorKind};
use super::zeroth_order::{draw_step, remember};
use super::{Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay};
use crate::linalg::Vector;
use crate::params::Params;
use crate::problem::ParamBlock;

crate::params! {
    /// Activity-based node perturbation: noise σ on every unit, the measured change δa of every
    /// pre-activation as the probe, ΔW = −η·√N·(δL/‖δa‖²)·δa·x̂ᵀ per sample, averaged over the
    /// batch; with decorrelation, x̂ = D x in front of each layer and
    /// D ← D − η_D·(⟨x̂x̂ᵀ⟩ ⊙ (1 − I))·D.
    pub struct AnpConfig {
        /// Plasticity rate η.
        /// Its estimate has the gradient's norm but a √N-times shorter mean, so η runs larger
        /// than node perturbation's.
        lr: f64 = 0.5, "learning rate η", (1e-4, 10.0), Log, Positive, live;
        /// The standard deviation σ of the node noise.
        sigma: f64 = 1e-3, "node noise σ", (1e-6, 1.0), Log, Positive, live;
        /// Whether each layer's inputs pass through a learned decorrelation matrix.
        decorrelate: bool = true, "decorrelate each layer's inputs", (0, 1), Linear, Finite, restart;
        /// The decorrelation rate η_D.
        lr_decor: f64 = 1e-3, "decorrelation rate η_D", (1e-7, 0.1), Log, Positive, live;
    }
}

impl MethodConfig for AnpConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Anp {
            c: self.clone(),
            psi: Vec::new(),
            g: Vector::zeros(dim),
            step: Vector::zeros(dim),
            from: Vector::zeros(dim),
            moments: Vec::new(),
            w: Vec::new(),
            d: Vec::new(),
            scratch: Vec::new(),
            blocks: Vec::new(),
            biases: Vec::new(),
            correlation: f64::NAN,
            k: 0,
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs {
            network: true,
            ..Needs::VALUES
        }
    }
    fn estimator(&self) -> Option<EstimatorKind> {
        Some(EstimatorKind {
            directions: Directions::Nodes,
            q: 1,
        })
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[Diagnostic {
            key: "input_correlation",
            name: "mean |correlation| between the first layer's (decorrelated) inputs",
            log: false,
        }]
    }
    fn reference(&self) -> &'static str {
        "Dalm, van Gerven & Ahmad (2023), arXiv 2310.00965; Ahmad (2024), arXiv 2407.10780"
    }
}

#[derive(Clone)]
struct Anp {
    c: AnpConfig,
    /// σ·ξ for every unit of every sample of the batch.
    psi: Vec<f64>,
    /// The last estimate of ∇f (in θ's coordinates), for the inspector.
    g: Vector,
    /// The last displacement over η, for the step arrow.
    step: Vector,
    from: Vector,
    /// Each layer's input second moments ⟨x xᵀ⟩ (fan-in² per layer).
    moments: Vec<f64>,
    /// The weights W behind the decorrelation matrices, laid out as θ (biases unused).
    w: Vec<f64>,
    /// Each layer's D (fan-in²), identity at the start.
    d: Vec<f64>,
    scratch: Vec<f64>,
    /// The weight matrices, in layer order, and the coordinates outside them.
    blocks: Vec<ParamBlock>,
    biases: Vec<std::ops::Range<usize>>,
    correlation: f64,
    k: u64,
}

impl Anp {
    /// Takes the network's shape and its weights at the first step (D = I, so W = θ).
    fn start(&mut self, x: &Vector, oracle: &Oracle<'_>) {
        self.blocks = oracle
            .blocks()
            .iter()
            .filter(|b| !b.bias)
            .copied()
            .collect();
        self.biases = bias_ranges(&self.blocks, x.len());
        self.w = x.to_vec();
        let total: usize = self.blocks.iter().map(|b| b.rows * b.rows).sum();
        self.moments = vec![0.0; total];
        self.d = vec![0.0; total];
        let mut at = 0;
        let mut widest = 0;
        for b in &self.blocks {
            for i in 0..b.rows {
                self.d[at + i * b.rows + i] = 1.0;
            }
            at += b.rows * b.rows;
            widest = widest.max(b.rows.max(b.cols));
        }
        self.scratch = vec![0.0; 2 * widest * widest];
    }
}

impl Anp {
    /// Draws the node noise σ·ξ for every unit of every sample of the step's batch.
    fn draw(&mut self, oracle: &mut Oracle<'_>) {
        let (units, rows) = oracle.units_and_rows();
        self.psi.resize(units * rows, 0.0);
        let sigma = self.c.sigma;
        let rng = oracle.rng();
        for v in &mut self.psi {
            let z: f64 = StandardNormal.sample(rng);
            *v = sigma * z;
        }
    }
}

/// out (r × c) = a (r × r) · b (r × c), row-major.
fn product(a: &[f64], b: &[f64], out: &mut [f64], r: usize, c: usize) {
    for i in 0..r {
        let row = &mut out[i * c..(i + 1) * c];
        row.fill(0.0);
        for k in 0..r {
            let aik = a[i * r + k];
            for (o, bv) in row.iter_mut().zip(&b[k * c..(k + 1) * c]) {
                *o += aik * bv;
            }
        }
    }
}

/// out (r × c) = aᵀ (r × r) · b (r × c), row-major.
fn product_tn(a: &[f64], b: &[f64], out: &mut [f64], r: usize, c: usize) {
    out[..r * c].fill(0.0);
    for k in 0..r {
        for i in 0..r {
            let aki = a[k * r + i];
            let row = &mut out[i * c..(i + 1) * c];
            for (o, bv) in row.iter_mut().zip(&b[k * c..(k + 1) * c]) {
                *o += aki * bv;
            }
        }
    }
}

impl Optimizer for Anp {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if self.k == 0 {
            self.start(x, oracle);
        }
        remember(&mut self.from, x);
        self.draw(oracle);
        let mut g = std::mem::take(&mut self.g);
        oracle.activity_perturbation(x.view(), &self.psi, &mut g, &mut self.moments);
        let lr = self.c.lr;
        let mut at = 0;
        for b in &self.blocks {
            let (r, c) = (b.rows, b.cols);
            let range = b.offset..b.offset + r * c;
            let dl = &mut self.d[at..at + r * r];
            let (gw, rest) = self.scratch.split_at_mut(r * c.max(r));
            if self.c.decorrelate {
                // In W's coordinates the estimate is D·G (the inputs it multiplies are D x).
                product(dl, &g.as_slice().unwrap_or(&[])[range.clone()], gw, r, c);
            } else {
                gw[..r * c].copy_from_slice(&g.as_slice().unwrap_or(&[])[range.clone()]);
            }
            for (w, gv) in self.w[range.clone()].iter_mut().zip(&gw[..r * c]) {
                *w -= lr * gv;
            }
            if self.c.decorrelate {
                // C = D M Dᵀ, the decorrelated inputs' second moments; D ← D − η_D (C ⊙ (1 − I)) D.
                let m = &self.moments[at..at + r * r];
                let dm = &mut rest[..r * r];
                product(dl, m, dm, r, r);
                let cm = &mut gw[..r * r];
                for i in 0..r {
                    for j in 0..r {
                        cm[i * r + j] = (0..r).map(|k| dm[i * r + k] * dl[j * r + k]).sum();
                    }
                }
                if b.layer == 0 {
                    self.correlation = correlation(cm, r);
                }
                for i in 0..r {
                    cm[i * r + i] = 0.0;
                }
                let delta = &mut rest[..r * r];
                product(cm, dl, delta, r, r);
                let eta = self.c.lr_decor;
                for (dv, e) in dl.iter_mut().zip(&delta[..r * r]) {
                    *dv -= eta * e;
                }
                // θ's block: the plain network's weights Dᵀ W.
                let out = &mut x.as_slice_mut().unwrap_or(&mut [])[range.clone()];
                product_tn(dl, &self.w[range.clone()], out, r, c);
            } else {
                for (t, w) in x.as_slice_mut().unwrap_or(&mut [])[range.clone()]
                    .iter_mut()
                    .zip(&self.w[range.clone()])
                {
                    *t = *w;
                }
            }
            at += r * r;
        }
        // Biases step along the estimate directly.
        for range in &self.biases {
            for k in range.clone() {
                x[k] -= lr * g[k];
            }
        }
        if !self.c.decorrelate
            && let Some(b) = self.blocks.first()
        {
            self.correlation = correlation(&self.moments[..b.rows * b.rows], b.rows);
        }
        for k in 0..x.len() {
            self.step[k] = (self.from[k] - x[k]) / lr;
        }
        self.g = g;
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn estimate(&self) -> Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)> {
        (self.k > 0).then(|| (self.from.view(), self.g.view()))
    }

    fn estimate_at(&mut self, x: &Vector, oracle: &mut Oracle<'_>, g: &mut Vector) -> bool {
        if self.k == 0 {
            self.start(x, oracle);
        }
        self.draw(oracle);
        oracle.activity_perturbation(x.view(), &self.psi, g, &mut self.moments);
        true
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.correlation;
    }

    /// The step.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        draw_step(&self.from, self.c.lr, &self.step, out);
    }
}

/// The coordinates of θ outside every weight matrix (the biases), as ranges.
fn bias_ranges(weights: &[ParamBlock], dim: usize) -> Vec<std::ops::Range<usize>> {
    let mut spans: Vec<(usize, usize)> = weights
        .iter()
        .map(|b| (b.offset, b.offset + b.rows * b.cols))
        .collect();
    spans.sort_unstable();
    let mut gaps = Vec::with_capacity(spans.len() + 1);
    let mut at = 0;
    for (s, e) in spans {
        if s > at {
            gaps.push(at..s);
        }
        at = e;
    }
    if at < dim {
        gaps.push(at..dim);
    }
    gaps
}

/// The mean |correlation| between distinct inputs, from their r × r second moments.
fn correlation(moments: &[f64], r: usize) -> f64 {
    if r < 2 {
        return 0.0;
    }
    let mut s = 0.0;
    for i in 0..r {
        for j in 0..r {
            if i != j {
                let den = (moments[i * r + i] * moments[j * r + j]).sqrt();
                if den > 0.0 {
                    s += (moments[i * r + j] / den).abs();
                }
            }
        }
    }
    s / (r * (r - 1)) as f64
}
