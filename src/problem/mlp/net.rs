//! The multilayer perceptron itself: its layout in the flat parameter vector, its seeded
//! initialisation, and its passes: the forward pass and loss, backpropagation, exact
//! Hessian-vector products by Pearlmutter's R-operator, and Gauss–Newton products.
//!
//! A dense layer is z = h·W + b with W stored [fan_in][fan_out] row-major; the flat vector
//! holds W₁, b₁, W₂, b₂, … in that order. Rows of a batch are samples.
//!
//! ## References
//! - Rumelhart, Hinton & Williams (1986), "Learning representations by back-propagating
//!   errors", Nature 323.
//! - Pearlmutter (1994), "Fast exact multiplication by the Hessian", Neural Computation 6(1):
//!   the R-operator.
//! - Schraudolph (2002), "Fast curvature matrix-vector products for second-order gradient
//!   descent", Neural Computation 14(7): the Gauss–Newton product Jᵀ H_L J v.
//! - Glorot & Bengio (2010) and He et al. (2015) for the initialisations.

use std::cell::RefCell;

use rand::RngExt as _;
use rand_pcg::Pcg64;

use super::kernels::{self as k, SimdPath};
use crate::problem::ParamBlock as Block;

crate::choice! {
    /// A hidden unit's activation function.
    pub enum Activation {
        Tanh = "tanh", "tanh";
        Relu = "relu", "ReLU";
        Sigmoid = "sigmoid", "logistic σ";
        Gelu = "gelu", "GELU (tanh form)";
    }
}

/// The output and its loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Head {
    /// One linear output, mean squared error (1/m) Σ (z − y)².
    Mse,
    /// One logit, binary cross-entropy (1/m) Σ softplus(z) − y·z.
    Bce,
    /// One logit per class, softmax cross-entropy (1/m) Σ logsumexp(z) − z_y.
    Ce,
}

/// The shape of a network: widths from the input to the output, the activation and the head.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Widths w₀ (inputs) … w_L (outputs).
    pub widths: Vec<usize>,
    /// The hidden activation.
    pub act: Activation,
    /// The output and loss.
    pub head: Head,
    /// Where each layer's weights and bias start.
    offsets: Vec<(usize, usize)>,
}

impl Layout {
    /// A layout of the given widths (at least an input and an output).
    pub fn new(widths: Vec<usize>, act: Activation, head: Head) -> Self {
        let mut offsets = Vec::with_capacity(widths.len().saturating_sub(1));
        let mut at = 0;
        for w in widths.windows(2) {
            offsets.push((at, at + w[0] * w[1]));
            at += w[0] * w[1] + w[1];
        }
        Self {
            widths,
            act,
            head,
            offsets,
        }
    }

    /// The number of layers of weights.
    pub fn layers(&self) -> usize {
        self.offsets.len()
    }

    /// The number of parameters.
    pub fn params(&self) -> usize {
        self.widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
    }

    /// The units of every layer after the input (the nodes a node perturbation probes).
    pub fn units(&self) -> usize {
        self.widths[1..].iter().sum()
    }

    /// Layer l's weights (fan_in × fan_out) and bias, as ranges of the flat vector.
    pub fn layer(&self, l: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (w, b) = self.offsets[l];
        let (fi, fo) = (self.widths[l], self.widths[l + 1]);
        (w..w + fi * fo, b..b + fo)
    }

    /// Every weight matrix and bias, in order.
    pub fn blocks(&self) -> Vec<Block> {
        (0..self.layers())
            .flat_map(|l| {
                let (w, b) = self.layer(l);
                let (fi, fo) = (self.widths[l], self.widths[l + 1]);
                [
                    Block {
                        offset: w.start,
                        rows: fi,
                        cols: fo,
                        layer: l,
                        bias: false,
                    },
                    Block {
                        offset: b.start,
                        rows: 1,
                        cols: fo,
                        layer: l,
                        bias: true,
                    },
                ]
            })
            .collect()
    }

    /// Seeded initial parameters: weights uniform in ±√(6/(fan_in + fan_out)) (Glorot) for
    /// tanh and σ, ±√(6/fan_in) (He) for ReLU and GELU, drawn layer by layer in row-major
    /// order; biases zero.
    pub fn init(&self, rng: &mut Pcg64) -> Vec<f64> {
        let mut theta = vec![0.0; self.params()];
        for l in 0..self.layers() {
            let (fi, fo) = (self.widths[l] as f64, self.widths[l + 1] as f64);
            let a = match self.act {
                Activation::Tanh | Activation::Sigmoid => (6.0 / (fi + fo)).sqrt(),
                Activation::Relu | Activation::Gelu => (6.0 / fi).sqrt(),
            };
            for w in &mut theta[self.layer(l).0] {
                *w = a * (2.0 * rng.random::<f64>() - 1.0);
            }
        }
        theta
    }

    /// The number of floats a pass over `m` rows keeps per sample for backpropagation (the
    /// activations and pre-activations of every layer).
    pub fn activation_floats(&self, m: usize) -> usize {
        m * 2 * self.widths.iter().sum::<usize>()
    }
}

/// Buffers for passes over up to `rows` samples, kept per thread.
#[derive(Default)]
struct Workspace {
    /// Gathered inputs and targets of a mini-batch.
    input: Vec<f64>,
    target: Vec<f64>,
    /// Pre-activations of each layer (m × w_{l+1}).
    z: Vec<Vec<f64>>,
    /// Activations fed to each layer after the first (m × w_l), `h[l]` for layer l ≥ 1.
    h: Vec<Vec<f64>>,
    /// φ′(z) of each hidden layer.
    dphi: Vec<Vec<f64>>,
    /// R{z} and R{h} of the R-operator.
    rz: Vec<Vec<f64>>,
    rh: Vec<Vec<f64>>,
    /// Back-propagated errors and their R-images.
    d: Vec<f64>,
    d2: Vec<f64>,
    rd: Vec<f64>,
    rd2: Vec<f64>,
    /// Transposes of a layer's W and V.
    wt: Vec<f64>,
    vt: Vec<f64>,
    /// Per-sample loss terms.
    terms: Vec<f64>,
}

impl Workspace {
    /// Sizes every buffer for `m` rows of `layout` (growing only, so that a thread that runs
    /// several networks keeps buffers for the largest).
    fn fit(&mut self, layout: &Layout, m: usize) {
        let layers = layout.layers();
        let widest = *layout.widths.iter().max().unwrap_or(&1);
        let grow = |v: &mut Vec<f64>, n: usize| {
            if v.len() < n {
                v.resize(n, 0.0);
            }
        };
        for v in [
            &mut self.z,
            &mut self.h,
            &mut self.dphi,
            &mut self.rz,
            &mut self.rh,
        ] {
            if v.len() < layers {
                v.resize(layers, Vec::new());
            }
        }
        for l in 0..layers {
            let (wi, wo) = (layout.widths[l], layout.widths[l + 1]);
            grow(&mut self.z[l], m * wo);
            grow(&mut self.rz[l], m * wo);
            grow(&mut self.h[l], m * wi);
            grow(&mut self.rh[l], m * wi);
            grow(&mut self.dphi[l], m * wi);
        }
        grow(&mut self.input, m * layout.widths[0]);
        grow(&mut self.target, m);
        for v in [&mut self.d, &mut self.d2, &mut self.rd, &mut self.rd2] {
            grow(v, m * widest);
        }
        grow(&mut self.wt, widest * widest);
        grow(&mut self.vt, widest * widest);
        grow(&mut self.terms, m);
    }
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// The rows a pass runs over: the whole set, or some of its rows by index.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    /// Inputs, row-major (p per row).
    pub x: &'a [f64],
    /// Targets.
    pub y: &'a [f64],
    /// Indices into them, or all of them.
    pub pick: Option<&'a [u32]>,
}

impl Rows<'_> {
    fn count(&self) -> usize {
        self.pick.map_or(self.y.len(), <[u32]>::len)
    }
}

/// What a pass computes besides the loss.
pub enum Want<'a> {
    /// The loss alone.
    Value,
    /// The loss alone, with the first layer's pre-activations (m × w₁) given instead of
    /// computed: a plane of parameters moves them linearly (see `plane.rs`).
    ValueFrom(&'a [f64]),
    /// The loss and its gradient.
    Gradient(&'a mut [f64]),
    /// H·v (and the loss).
    Hvp(&'a [f64], &'a mut [f64]),
    /// The Gauss–Newton product Jᵀ H_L J v (and the loss).
    GaussNewton(&'a [f64], &'a mut [f64]),
    /// The number of correct predictions (and the loss).
    Correct(&'a mut usize),
    /// The outputs (m × w_L), for views.
    Outputs(&'a mut [f64]),
    /// Feedback alignment: backpropagation with the fixed weights `feedback` (laid out as θ,
    /// biases ignored) in place of the forward weights on the way back; the update into `g`.
    Feedback(&'a [f64], &'a mut [f64]),
    /// Node perturbation: a pass with the noise ψ added to every pre-activation, against a
    /// clean pass (or against a baseline loss, in one pass); the estimate into `g`, the noisy
    /// loss into `noisy`.
    Nodes {
        /// σ·ξ for every unit of every sample, layer after layer (m × w_{l+1} each).
        psi: &'a [f64],
        /// The noise's standard deviation σ.
        sigma: f64,
        /// The baseline of the one-pass rule (`None`: the two-pass rule).
        baseline: Option<f64>,
        /// Empty, or the noise on each sample's loss as the rule sees it: m values for the
        /// noisy pass, then m for the clean pass (two passes).
        reward_noise: &'a [f64],
        /// The estimate of ∇L.
        g: &'a mut [f64],
        /// The noisy pass's mean loss.
        noisy: &'a mut f64,
        /// Activity-based node perturbation (Dalm et al.): the measured change of every
        /// pre-activation δa = ã − a stands in for ψ, scaled by √N/‖δa‖² per sample (N units);
        /// two passes always.
        activity: bool,
        /// When given, each layer's clean input second moments ⟨x xᵀ⟩ (w_l × w_l, layer after
        /// layer).
        moments: Option<&'a mut [f64]>,
    },
}

/// Runs a pass of `layout` at `theta` over `rows`: returns the mean loss, and fills what `want`
/// asks for. Compiled for the widest instruction set the CPU has.
pub fn pass(layout: &Layout, theta: &[f64], rows: Rows<'_>, want: Want<'_>) -> f64 {
    pass_on(k::simd_path(), layout, theta, rows, want)
}

/// [`pass`] on a chosen instruction set (for tests that compare them).
pub fn pass_on(
    path: SimdPath,
    layout: &Layout,
    theta: &[f64],
    rows: Rows<'_>,
    want: Want<'_>,
) -> f64 {
    WORKSPACE.with(|cell| run_on(path, &mut cell.borrow_mut(), layout, theta, rows, want))
}

crate::simd_dispatch! {
    /// [`run`] compiled for the chosen instruction set.
    fn run_on(
        ws: &mut Workspace,
        layout: &Layout,
        theta: &[f64],
        rows: Rows<'_>,
        want: Want<'_>,
    ) -> f64 = run;
}

#[inline(always)]
fn run(ws: &mut Workspace, layout: &Layout, theta: &[f64], rows: Rows<'_>, want: Want<'_>) -> f64 {
    let m = rows.count();
    if m == 0 {
        return 0.0;
    }
    ws.fit(layout, m);
    let ws = &mut *ws;
    let p = layout.widths[0];
    // The inputs and targets: borrowed for the whole set, gathered for a batch (into buffers
    // taken out of the workspace while the pass uses the rest of it).
    let (mut input, mut target) = (
        std::mem::take(&mut ws.input),
        std::mem::take(&mut ws.target),
    );
    let f = match rows.pick {
        None => compute(ws, layout, theta, rows.x, rows.y, m, want),
        Some(pick) => {
            for (r, &i) in pick.iter().enumerate() {
                let i = i as usize;
                input[r * p..(r + 1) * p].copy_from_slice(&rows.x[i * p..(i + 1) * p]);
                target[r] = rows.y[i];
            }
            compute(ws, layout, theta, &input[..m * p], &target[..m], m, want)
        }
    };
    ws.input = input;
    ws.target = target;
    f
}

#[inline(always)]
fn compute(
    ws: &mut Workspace,
    layout: &Layout,
    theta: &[f64],
    x: &[f64],
    y: &[f64],
    m: usize,
    want: Want<'_>,
) -> f64 {
    if let Want::Nodes {
        psi,
        sigma,
        baseline,
        reward_noise,
        g,
        noisy,
        activity,
        moments,
    } = want
    {
        let baseline = if activity { None } else { baseline };
        let probe = Probe {
            psi,
            sigma,
            baseline,
            reward_noise,
            activity,
        };
        return nodes(ws, layout, theta, x, y, m, probe, g, noisy, moments);
    }
    let need_dphi = !matches!(
        want,
        Want::Value | Want::ValueFrom(_) | Want::Correct(_) | Want::Outputs(_)
    );
    let first = match want {
        Want::ValueFrom(first) => Some(first),
        _ => None,
    };
    forward(
        layout,
        theta,
        x,
        m,
        &mut ws.z,
        &mut ws.h,
        &mut ws.dphi,
        need_dphi,
        first,
    );
    let last = layout.layers() - 1;
    let c = layout.widths[last + 1];
    let out = &ws.z[last][..m * c];
    match want {
        Want::Value | Want::ValueFrom(_) => {
            head_loss(layout.head, out, y, m, c, None, &mut ws.terms)
        }
        Want::Correct(n) => {
            *n = correct(layout.head, out, y, m, c);
            head_loss(layout.head, out, y, m, c, None, &mut ws.terms)
        }
        Want::Outputs(o) => {
            o[..m * c].copy_from_slice(out);
            head_loss(layout.head, out, y, m, c, None, &mut ws.terms)
        }
        Want::Gradient(g) => {
            let f = head_loss(layout.head, out, y, m, c, Some(&mut ws.d), &mut ws.terms);
            backward(layout, theta, x, m, ws, g);
            f
        }
        Want::GaussNewton(v, gv) => {
            let f = head_loss(layout.head, out, y, m, c, None, &mut ws.terms);
            r_forward(layout, theta, v, x, m, ws);
            head_curvature(layout.head, &ws.z[last], &ws.rz[last], m, c, &mut ws.d);
            backward(layout, theta, x, m, ws, gv);
            f
        }
        Want::Nodes { .. } => unreachable!("handled above"),
        Want::Feedback(feedback, g) => {
            let f = head_loss(layout.head, out, y, m, c, Some(&mut ws.d), &mut ws.terms);
            backward(layout, feedback, x, m, ws, g);
            f
        }
        Want::Hvp(v, hv) => {
            let f = head_loss(layout.head, out, y, m, c, Some(&mut ws.d), &mut ws.terms);
            r_forward(layout, theta, v, x, m, ws);
            head_curvature(layout.head, &ws.z[last], &ws.rz[last], m, c, &mut ws.rd);
            r_backward(layout, theta, v, x, m, ws, hv);
            f
        }
    }
}

/// Node perturbation (Williams 1992; Fiete & Seung 2006): with ℓₙ the loss of sample n in the
/// clean pass and ℓ̃ₙ with ψ added to every pre-activation, ∂L/∂W_l is estimated by
/// (1/m) Σₙ (ℓ̃ₙ − ℓₙ)/σ² · ψ_{l,n} x_{l,n}ᵀ, x_{l,n} the clean input of layer l (postsynaptic
/// noise × presynaptic activity × a scalar: a three-factor rule). In one pass, ℓₙ is the
/// baseline. Returns the clean mean loss (NaN in one pass).
///
/// In the activity-based form (Dalm et al. 2023) the noise itself is not used: the measured
/// change δa_{l,n} of each pre-activation (the injected noise plus what the noise upstream did)
/// takes its place, and each sample is scaled by √N·(ℓ̃ₙ − ℓₙ)/‖δaₙ‖², the slope of the loss
/// along the unit direction δaₙ/‖δaₙ‖ times √N.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn nodes(
    ws: &mut Workspace,
    layout: &Layout,
    theta: &[f64],
    x: &[f64],
    y: &[f64],
    m: usize,
    probe: Probe<'_>,
    g: &mut [f64],
    noisy: &mut f64,
    moments: Option<&mut [f64]>,
) -> f64 {
    let Probe {
        psi,
        sigma,
        baseline,
        reward_noise,
        activity,
    } = probe;
    let layers = layout.layers();
    let last = layers - 1;
    let c = layout.widths[last + 1];
    // The clean pass, its per-sample losses kept in `rd`.
    let clean = match baseline {
        Some(_) => f64::NAN,
        None => {
            forward(
                layout,
                theta,
                x,
                m,
                &mut ws.z,
                &mut ws.h,
                &mut ws.dphi,
                false,
                None,
            );
            let f = head_loss(
                layout.head,
                &ws.z[last][..m * c],
                y,
                m,
                c,
                None,
                &mut ws.terms,
            );
            ws.rd[..m].copy_from_slice(&ws.terms[..m]);
            f
        }
    };
    // The noisy pass, in the R-operator's buffers: z̃ = h̃W + b + ψ, h̃ = φ(z̃).
    let mut at = 0;
    for l in 0..layers {
        let (wr, br) = layout.layer(l);
        let (wi, wo) = (layout.widths[l], layout.widths[l + 1]);
        let input: &[f64] = if l == 0 { x } else { &ws.rh[l][..m * wi] };
        let rz = &mut ws.rz[l][..m * wo];
        rz.copy_from_slice(&psi[at..at + m * wo]);
        k::gemm_nn(input, &theta[wr], k::Init::Out, rz, m, wi, wo);
        for (r, b) in rz
            .chunks_mut(wo)
            .flat_map(|row| row.iter_mut().zip(&theta[br.clone()]))
        {
            *r += b;
        }
        at += m * wo;
        if l + 1 < layers {
            let (rzl, rh) = (&ws.rz[l][..m * wo], &mut ws.rh[l + 1][..m * wo]);
            activate(layout.act, rzl, rh, None);
        }
    }
    *noisy = head_loss(
        layout.head,
        &ws.rz[last][..m * c],
        y,
        m,
        c,
        None,
        &mut ws.terms,
    );
    // The per-sample reinforcement (ℓ̃ₙ − ℓₙ)/(mσ²), then each layer's estimate from its noise
    // and its clean input. The activity-based form turns the noisy pre-activations into δa
    // (in place) and scales by √N/(m‖δaₙ‖²).
    if activity {
        ws.rd2[..m].fill(0.0);
        for l in 0..layers {
            let wo = layout.widths[l + 1];
            let (rz, z) = (&mut ws.rz[l][..m * wo], &ws.z[l][..m * wo]);
            for n in 0..m {
                let mut q = 0.0;
                for j in 0..wo {
                    let d = rz[n * wo + j] - z[n * wo + j];
                    rz[n * wo + j] = d;
                    q += d * d;
                }
                ws.rd2[n] += q;
            }
        }
        let root = (layout.units() as f64).sqrt() / m as f64;
        for n in 0..m {
            let q = ws.rd2[n];
            let dl = ws.terms[n] - ws.rd[n];
            ws.terms[n] = if q > 0.0 { root * dl / q } else { 0.0 };
        }
    } else {
        // No noise probes nothing: the estimate is zero, not 0/0.
        let scale = if sigma > 0.0 {
            1.0 / (m as f64 * sigma * sigma)
        } else {
            0.0
        };
        let (on_noisy, on_clean) = match reward_noise.len() {
            0 => (&[][..], &[][..]),
            _ => reward_noise.split_at(m),
        };
        for n in 0..m {
            let reference = baseline.unwrap_or(ws.rd[n]) + on_clean.get(n).copied().unwrap_or(0.0);
            let seen = ws.terms[n] + on_noisy.get(n).copied().unwrap_or(0.0);
            ws.terms[n] = (seen - reference) * scale;
        }
    }
    if baseline.is_some() {
        // One pass: the clean inputs were never computed; the rule uses the activity it saw.
        for l in 1..layers {
            let w = layout.widths[l];
            ws.h[l][..m * w].copy_from_slice(&ws.rh[l][..m * w]);
        }
    }
    let mut at = 0;
    for l in 0..layers {
        let (wr, br) = layout.layer(l);
        let (wi, wo) = (layout.widths[l], layout.widths[l + 1]);
        let e = &mut ws.d[..m * wo];
        let probe: &[f64] = if activity {
            &ws.rz[l][..m * wo]
        } else {
            &psi[at..at + m * wo]
        };
        for n in 0..m {
            let r = ws.terms[n];
            for j in 0..wo {
                e[n * wo + j] = r * probe[n * wo + j];
            }
        }
        at += m * wo;
        let input: &[f64] = if l == 0 { x } else { &ws.h[l][..m * wi] };
        k::gemm_tn(input, &ws.d[..m * wo], &mut g[wr], m, wi, wo);
        k::column_sums(&ws.d, &mut g[br], m, wo);
    }
    if let Some(moments) = moments {
        let mut at = 0;
        for l in 0..layers {
            let wi = layout.widths[l];
            let input: &[f64] = if l == 0 { x } else { &ws.h[l][..m * wi] };
            let out = &mut moments[at..at + wi * wi];
            k::gemm_tn(input, input, out, m, wi, wi);
            let inv = 1.0 / m as f64;
            out.iter_mut().for_each(|v| *v *= inv);
            at += wi * wi;
        }
    }
    clean
}

/// What a node-perturbation pass probes with.
#[derive(Clone, Copy)]
struct Probe<'a> {
    psi: &'a [f64],
    sigma: f64,
    baseline: Option<f64>,
    reward_noise: &'a [f64],
    activity: bool,
}

/// φ(z), and φ′(z) when asked, elementwise.
#[inline(always)]
fn activate(act: Activation, z: &[f64], h: &mut [f64], dphi: Option<&mut [f64]>) {
    match act {
        Activation::Tanh => k::tanh_slice(z, h, dphi),
        Activation::Sigmoid => {
            for (hv, zv) in h.iter_mut().zip(z) {
                *hv = k::sigmoid(*zv);
            }
            if let Some(d) = dphi {
                for (dv, hv) in d.iter_mut().zip(h.iter()) {
                    *dv = hv * (1.0 - hv);
                }
            }
        }
        Activation::Relu => {
            for (hv, zv) in h.iter_mut().zip(z) {
                *hv = zv.max(0.0);
            }
            if let Some(d) = dphi {
                for (dv, zv) in d.iter_mut().zip(z) {
                    *dv = if *zv > 0.0 { 1.0 } else { 0.0 };
                }
            }
        }
        Activation::Gelu => match dphi {
            None => {
                for (hv, zv) in h.iter_mut().zip(z) {
                    *hv = gelu(*zv).0;
                }
            }
            Some(d) => {
                for ((hv, dv), zv) in h.iter_mut().zip(d.iter_mut()).zip(z) {
                    (*hv, *dv, _) = gelu(*zv);
                }
            }
        },
    }
}

/// √(2/π) and the cubic coefficient of GELU's tanh form.
const GELU_K: f64 = 0.797_884_560_802_865_4;
const GELU_C: f64 = 0.044_715;

/// GELU's tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's `approximate="tanh"`),
/// with its first and second derivatives.
#[inline(always)]
fn gelu(x: f64) -> (f64, f64, f64) {
    let x2 = x * x;
    let u = GELU_K * (GELU_C * x2).mul_add(x, x);
    let t = k::tanh(u);
    let du = GELU_K * (3.0 * GELU_C).mul_add(x2, 1.0);
    let ddu = 6.0 * GELU_K * GELU_C * x;
    let s = (-t).mul_add(t, 1.0);
    let f = 0.5 * x * (1.0 + t);
    let df = 0.5 * (1.0 + t) + 0.5 * x * s * du;
    let ddf = s * (du + 0.5 * x * (ddu - 2.0 * t * du * du));
    (f, df, ddf)
}

/// φ″(z) from z and h = φ(z).
#[inline(always)]
fn second_derivative(act: Activation, z: f64, h: f64) -> f64 {
    match act {
        Activation::Tanh => -2.0 * h * (-h).mul_add(h, 1.0),
        Activation::Sigmoid => h * (1.0 - h) * (1.0 - 2.0 * h),
        Activation::Relu => 0.0,
        Activation::Gelu => gelu(z).2,
    }
}

/// Every layer's values for one standardised input: the input, each hidden layer's
/// activations φ(z), and the output through the head's link (σ(z), softmax(z), or z).
pub fn unit_activations(layout: &Layout, theta: &[f64], input: &[f64]) -> Vec<Vec<f64>> {
    let mut out = vec![input.to_vec()];
    for l in 0..layout.layers() {
        let (w, b) = layout.layer(l);
        let (fi, fo) = (layout.widths[l], layout.widths[l + 1]);
        let h = &out[l];
        let z: Vec<f64> = (0..fo)
            .map(|j| {
                theta[b.start + j]
                    + (0..fi)
                        .map(|i| h[i] * theta[w.start + i * fo + j])
                        .sum::<f64>()
            })
            .collect();
        let mut a = vec![0.0; fo];
        if l + 1 < layout.layers() {
            activate(layout.act, &z, &mut a, None);
        } else {
            match layout.head {
                Head::Mse => a.copy_from_slice(&z),
                Head::Bce => {
                    for (av, zv) in a.iter_mut().zip(&z) {
                        *av = k::sigmoid(*zv);
                    }
                }
                Head::Ce => {
                    let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|v| (v - top).exp()).sum();
                    for (av, zv) in a.iter_mut().zip(&z) {
                        *av = (zv - top).exp() / sum;
                    }
                }
            }
        }
        out.push(a);
    }
    out
}

/// The first layer's pre-activations x·W₁ + b₁ (m × w₁) with the first layer's weights and
/// biases taken from `theta` (any vector laid out as θ).
pub fn first_layer(layout: &Layout, theta: &[f64], x: &[f64], m: usize, out: &mut [f64]) {
    first_layer_on(k::simd_path(), layout, theta, x, m, out);
}

crate::simd_dispatch! {
    /// [`first_layer`] compiled for the chosen instruction set.
    fn first_layer_on(
        layout: &Layout,
        theta: &[f64],
        x: &[f64],
        m: usize,
        out: &mut [f64],
    ) -> () = first_layer_kernel;
}

#[inline(always)]
fn first_layer_kernel(layout: &Layout, theta: &[f64], x: &[f64], m: usize, out: &mut [f64]) {
    let (wr, br) = layout.layer(0);
    let (wi, wo) = (layout.widths[0], layout.widths[1]);
    k::gemm_nn(
        x,
        &theta[wr],
        k::Init::Row(&theta[br]),
        &mut out[..m * wo],
        m,
        wi,
        wo,
    );
}

/// The forward pass: z and h of every layer (and φ′ when asked); with `first`, the first
/// layer's pre-activations are copied from it.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn forward(
    layout: &Layout,
    theta: &[f64],
    x: &[f64],
    m: usize,
    z: &mut [Vec<f64>],
    h: &mut [Vec<f64>],
    dphi: &mut [Vec<f64>],
    need_dphi: bool,
    first: Option<&[f64]>,
) {
    let layers = layout.layers();
    for l in 0..layers {
        let (wr, br) = layout.layer(l);
        let (wi, wo) = (layout.widths[l], layout.widths[l + 1]);
        match first {
            Some(first) if l == 0 => z[0][..m * wo].copy_from_slice(&first[..m * wo]),
            _ => {
                let input: &[f64] = if l == 0 { x } else { &h[l][..m * wi] };
                k::gemm_nn(
                    input,
                    &theta[wr],
                    k::Init::Row(&theta[br]),
                    &mut z[l][..m * wo],
                    m,
                    wi,
                    wo,
                );
            }
        }
        if l + 1 < layers {
            let zl = &z[l][..m * wo];
            let (hl, dl) = (&mut h[l + 1][..m * wo], &mut dphi[l + 1][..m * wo]);
            activate(layout.act, zl, hl, need_dphi.then_some(dl));
        }
    }
}

/// The mean loss of the outputs; with `dz`, also ∂loss/∂z (m × c), scaled by 1/m.
#[inline(always)]
fn head_loss(
    head: Head,
    out: &[f64],
    y: &[f64],
    m: usize,
    c: usize,
    dz: Option<&mut Vec<f64>>,
    terms: &mut [f64],
) -> f64 {
    let inv = 1.0 / m as f64;
    match head {
        Head::Mse => {
            for ((t, o), yv) in terms.iter_mut().zip(out).zip(y) {
                let r = o - yv;
                *t = r * r;
            }
            if let Some(d) = dz {
                for ((dv, o), yv) in d.iter_mut().zip(out).zip(y) {
                    *dv = 2.0 * (o - yv) * inv;
                }
            }
        }
        Head::Bce => {
            for ((t, o), yv) in terms.iter_mut().zip(out).zip(y) {
                *t = k::softplus(*o) - yv * o;
            }
            if let Some(d) = dz {
                for ((dv, o), yv) in d.iter_mut().zip(out).zip(y) {
                    *dv = (k::sigmoid(*o) - yv) * inv;
                }
            }
        }
        Head::Ce => {
            let mut d = dz;
            for i in 0..m {
                let row = &out[i * c..(i + 1) * c];
                let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut s = 0.0;
                for v in row {
                    s += k::exp(v - top);
                }
                let label = y[i] as usize;
                terms[i] = top + s.ln() - row[label.min(c - 1)];
                if let Some(d) = d.as_deref_mut() {
                    let dr = &mut d[i * c..(i + 1) * c];
                    for (j, (dv, v)) in dr.iter_mut().zip(row).enumerate() {
                        let p = k::exp(v - top) / s;
                        *dv = (p - f64::from(u8::from(j == label))) * inv;
                    }
                }
            }
        }
    }
    terms[..m].iter().sum::<f64>() * inv
}

/// H_z·R{z} for the loss's Hessian with respect to the outputs, scaled by 1/m, into `out`.
#[inline(always)]
fn head_curvature(head: Head, z: &[f64], rz: &[f64], m: usize, c: usize, out: &mut [f64]) {
    let inv = 1.0 / m as f64;
    match head {
        Head::Mse => {
            for (o, r) in out[..m].iter_mut().zip(rz) {
                *o = 2.0 * r * inv;
            }
        }
        Head::Bce => {
            for ((o, r), zv) in out[..m].iter_mut().zip(rz).zip(z) {
                let s = k::sigmoid(*zv);
                *o = s * (1.0 - s) * r * inv;
            }
        }
        Head::Ce => {
            for i in 0..m {
                let row = &z[i * c..(i + 1) * c];
                let rrow = &rz[i * c..(i + 1) * c];
                let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let s: f64 = row.iter().map(|v| k::exp(v - top)).sum();
                let pr: f64 = row
                    .iter()
                    .zip(rrow)
                    .map(|(v, r)| k::exp(v - top) / s * r)
                    .sum();
                for j in 0..c {
                    let p = k::exp(row[j] - top) / s;
                    out[i * c + j] = p * (rrow[j] - pr) * inv;
                }
            }
        }
    }
}

/// The class one sample's outputs predict: the sign of the logit, or its largest entry (the
/// first of equals); 0 for a regression.
pub fn predicted(head: Head, row: &[f64]) -> usize {
    match head {
        Head::Mse => 0,
        Head::Bce => usize::from(row[0] > 0.0),
        Head::Ce => (0..row.len()).fold(0, |b, j| if row[j] > row[b] { j } else { b }),
    }
}

/// The number of correct predictions ([`predicted`] against the labels).
fn correct(head: Head, out: &[f64], y: &[f64], m: usize, c: usize) -> usize {
    if head == Head::Mse {
        return 0;
    }
    (0..m)
        .filter(|&i| predicted(head, &out[i * c..(i + 1) * c]) == y[i] as usize)
        .count()
}

/// Backpropagates the output error in `ws.d` (m × w_L) into the gradient `g`, sending errors
/// back through `back` (θ itself for backprop, fixed random weights for feedback alignment).
#[inline(always)]
fn backward(layout: &Layout, back: &[f64], x: &[f64], m: usize, ws: &mut Workspace, g: &mut [f64]) {
    for l in (0..layout.layers()).rev() {
        let (wr, br) = layout.layer(l);
        let (wi, wo) = (layout.widths[l], layout.widths[l + 1]);
        let input: &[f64] = if l == 0 { x } else { &ws.h[l][..m * wi] };
        k::gemm_tn(input, &ws.d[..m * wo], &mut g[wr.clone()], m, wi, wo);
        k::column_sums(&ws.d, &mut g[br], m, wo);
        if l > 0 {
            k::transpose(&back[wr], &mut ws.wt, wi, wo);
            k::gemm_nn(
                &ws.d[..m * wo],
                &ws.wt[..wo * wi],
                k::Init::Zero,
                &mut ws.d2[..m * wi],
                m,
                wo,
                wi,
            );
            for (dv, f) in ws.d2[..m * wi].iter_mut().zip(&ws.dphi[l][..m * wi]) {
                *dv *= f;
            }
            std::mem::swap(&mut ws.d, &mut ws.d2);
        }
    }
}

/// The R-forward pass along v: R{z} and R{h} of every layer.
#[inline(always)]
fn r_forward(layout: &Layout, theta: &[f64], v: &[f64], x: &[f64], m: usize, ws: &mut Workspace) {
    for l in 0..layout.layers() {
        let (wr, br) = layout.layer(l);
        let (wi, wo) = (layout.widths[l], layout.widths[l + 1]);
        // R{z_l} = R{h_l}·W_l + h_l·V_l + v_b.
        let input: &[f64] = if l == 0 { x } else { &ws.h[l][..m * wi] };
        let (rz, rh) = (&mut ws.rz[l][..m * wo], &ws.rh[l][..m * wi]);
        k::gemm_nn(input, &v[wr.clone()], k::Init::Row(&v[br]), rz, m, wi, wo);
        if l > 0 {
            k::gemm_nn(rh, &theta[wr], k::Init::Out, rz, m, wi, wo);
        }
        if l + 1 < layout.layers() {
            let (next_rh, dphi) = (&mut ws.rh[l + 1][..m * wo], &ws.dphi[l + 1][..m * wo]);
            for ((o, r), f) in next_rh.iter_mut().zip(ws.rz[l][..m * wo].iter()).zip(dphi) {
                *o = r * f;
            }
        }
    }
}

/// The R-backward pass: with the errors δ in `ws.d` and R{δ} in `ws.rd` at the output, writes
/// H·v into `hv`.
#[inline(always)]
fn r_backward(
    layout: &Layout,
    theta: &[f64],
    v: &[f64],
    x: &[f64],
    m: usize,
    ws: &mut Workspace,
    hv: &mut [f64],
) {
    for l in (0..layout.layers()).rev() {
        let (wr, br) = layout.layer(l);
        let (wi, wo) = (layout.widths[l], layout.widths[l + 1]);
        let input: &[f64] = if l == 0 { x } else { &ws.h[l][..m * wi] };
        // R{∇W} = hᵀ R{δ} + R{h}ᵀ δ; R{∇b} = Σ R{δ}.
        k::gemm_tn(input, &ws.rd[..m * wo], &mut hv[wr.clone()], m, wi, wo);
        if l > 0 {
            // The second term, accumulated into the same outputs in a second sweep.
            let (rh, d) = (&ws.rh[l][..m * wi], &ws.d[..m * wo]);
            k::gemm_tn_acc(rh, d, &mut hv[wr.clone()], m, wi, wo);
        }
        k::column_sums(&ws.rd, &mut hv[br], m, wo);
        if l > 0 {
            // g_h = δ Wᵀ and R{g_h} = R{δ} Wᵀ + δ Vᵀ.
            k::transpose(&theta[wr.clone()], &mut ws.wt, wi, wo);
            k::transpose(&v[wr], &mut ws.vt, wi, wo);
            let (wt, vt) = (&ws.wt[..wo * wi], &ws.vt[..wo * wi]);
            k::gemm_nn(
                &ws.d[..m * wo],
                wt,
                k::Init::Zero,
                &mut ws.d2[..m * wi],
                m,
                wo,
                wi,
            );
            k::gemm_nn(
                &ws.rd[..m * wo],
                wt,
                k::Init::Zero,
                &mut ws.rd2[..m * wi],
                m,
                wo,
                wi,
            );
            k::gemm_nn(
                &ws.d[..m * wo],
                vt,
                k::Init::Out,
                &mut ws.rd2[..m * wi],
                m,
                wo,
                wi,
            );
            // R{δ_prev} = R{g_h}·φ′ + g_h·φ″·R{z}; δ_prev = g_h·φ′.
            let zprev = &ws.z[l - 1][..m * wi];
            let hprev = &ws.h[l][..m * wi];
            let rzprev = &ws.rz[l - 1][..m * wi];
            let dphi = &ws.dphi[l][..m * wi];
            for i in 0..m * wi {
                let dd = second_derivative(layout.act, zprev[i], hprev[i]);
                ws.rd2[i] = ws.rd2[i].mul_add(dphi[i], ws.d2[i] * dd * rzprev[i]);
                ws.d2[i] *= dphi[i];
            }
            std::mem::swap(&mut ws.d, &mut ws.d2);
            std::mem::swap(&mut ws.rd, &mut ws.rd2);
        }
    }
}
