//! The performance workloads' networks, drawn exactly as their reference implementations draw
//! them, so that the benchmarks time the same work and the tests compare the same numbers.
//!
//! Every draw comes from SplitMix64 in counter form: draw i of stream s is the finaliser of
//! s + (i + 1)·γ; a uniform is its top 53 bits; a Gaussian is Box–Muller on two consecutive
//! uniforms, √(−2 ln(1 − u₁))·cos(2π u₂).

use super::Mlp;
use super::data::{Dataset, Table};
use super::net::{Activation, Head, Layout};

/// The stream of the big workload's inputs.
const BIG_DATA: u64 = 4;
/// The stream of the big workload's initial weights.
const BIG_INIT: u64 = 3;

/// Draw `i` of stream `stream`, as a uniform in [0, 1).
pub fn uniform(stream: u64, i: u64) -> f64 {
    let mut z = stream.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * 2f64.powi(-53)
}

/// Gaussian `i` of stream `stream` (uniforms 2i and 2i + 1).
pub fn normal(stream: u64, i: u64) -> f64 {
    let (u1, u2) = (uniform(stream, 2 * i), uniform(stream, 2 * i + 1));
    (-2.0 * (-u1).ln_1p()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The initial parameters of the performance workloads: Glorot-uniform weights, layer by layer
/// in row-major order from one stream, zero biases.
pub fn workload_init(layout: &Layout, stream: u64) -> Vec<f64> {
    let mut theta = vec![0.0; layout.params()];
    let mut pos = 0;
    for l in 0..layout.layers() {
        let (fi, fo) = (layout.widths[l] as f64, layout.widths[l + 1] as f64);
        let a = (6.0 / (fi + fo)).sqrt();
        for w in &mut theta[layout.layer(l).0] {
            *w = (2.0 * uniform(stream, pos) - 1.0) * a;
            pos += 1;
        }
    }
    theta
}

/// The workloads' two filter-normalized directions at `theta` (Li et al. 2018): Gaussians from
/// one stream, d₁'s weight matrices and then d₂'s; each unit's column rescaled to that unit's
/// norm in θ (over its norm plus 10⁻¹⁰); zero on biases.
pub fn workload_directions(layout: &Layout, theta: &[f64], stream: u64) -> [Vec<f64>; 2] {
    let mut pos = 0;
    let mut direction = || {
        let mut d = vec![0.0; layout.params()];
        for l in 0..layout.layers() {
            let range = layout.layer(l).0;
            let cols = layout.widths[l + 1];
            let rows = layout.widths[l];
            for k in range.clone() {
                d[k] = normal(stream, pos);
                pos += 1;
            }
            for j in 0..cols {
                let at = |i: usize| range.start + i * cols + j;
                let norm = |v: &[f64]| (0..rows).map(|i| v[at(i)].powi(2)).sum::<f64>().sqrt();
                let scale = norm(theta) / (norm(&d) + 1e-10);
                for i in 0..rows {
                    d[at(i)] *= scale;
                }
            }
        }
        d
    };
    let d1 = direction();
    let d2 = direction();
    [d1, d2]
}

/// The small workload: a 2-16-16-1 tanh network with sigmoid + BCE on the 256 two-spiral
/// points (unstandardised, none held out), at its initialisation (stream 1).
pub fn small_workload() -> (Mlp, Vec<f64>) {
    let config = super::MlpConfig {
        test: 0.0,
        standardize: false,
        ..super::MlpConfig::default()
    };
    let Ok((data, layout)) = config.model() else {
        unreachable!("the default configuration builds")
    };
    let theta = workload_init(&layout, 1);
    (Mlp::new(data, layout, 1), theta)
}

/// The big workload: a 784-64-64-10 tanh network with softmax cross-entropy on 1 000 inputs
/// U[0, 1) (row-major, stream 4) labelled i mod 10, at its initialisation (stream 3).
pub fn big_workload() -> (Mlp, Vec<f64>) {
    let (n, p, classes) = (1000, 784, 10);
    let table = Table {
        p,
        x: (0..n * p).map(|i| uniform(BIG_DATA, i as u64)).collect(),
        y: (0..n).map(|i| (i % classes) as f64).collect(),
        classes: (0..classes).map(|c| c.to_string()).collect(),
        features: (0..p).map(|k| format!("pixel {k}")).collect(),
    };
    let layout = Layout::new(vec![p, 64, 64, classes], Activation::Tanh, Head::Ce);
    let theta = workload_init(&layout, BIG_INIT);
    (
        Mlp::new(Dataset::split(table, 0.0, false, 0), layout, 1),
        theta,
    )
}

/// Parameters from the references' weights file (a header, then `index,tensor,row,col,value`
/// rows in flattening order).
pub fn parse_weights(text: &str) -> Result<Vec<f64>, String> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(k, line)| {
            let mut cells = line.split(',');
            let index: usize = cells
                .next()
                .and_then(|c| c.trim().parse().ok())
                .ok_or(format!("line {}: no index", k + 2))?;
            if index != k {
                return Err(format!("line {}: index {index}, expected {k}", k + 2));
            }
            cells
                .nth(3)
                .and_then(|c| c.trim().parse().ok())
                .ok_or(format!("line {}: no value", k + 2))
        })
        .collect()
}
