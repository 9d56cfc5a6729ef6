//! Network benchmarks: the workloads W1 and W2 of the performance notes, exactly as defined
//! there (2-16-16-1 tanh, sigmoid + BCE, 256 two-spiral points, float64, the reference's
//! Glorot initialisation from SplitMix64 stream 1), on one thread.
//!
//! - W1: one full-batch backprop gradient plus one SGD update (lr 0.1). Target ≤ 15 µs.
//! - W2: one SPSA step (two forward passes, Rademacher Δ, c = 10⁻³, a = 0.01). Target ≤ 10 µs.
//!
//! Each is timed twice: the bare work (the objective's passes and the update), and the app's
//! own loop `Run::step` with the `sgd` or `spsa` method, which adds the oracle, the records'
//! bookkeeping and the clean full-batch measurement every `measure_every` = 10 steps.
//! The output names the instruction set the kernels ran on.
#![allow(clippy::unwrap_used)] // A panic in a benchmark is a failure with a message.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array1;
use optiscope::engine::Run;
use optiscope::noise::Noise;
use optiscope::optim::Method;
use optiscope::problem::Problem;
use optiscope::problem::mlp::{self, MlpConfig, kernels};
use optiscope::spec;

/// Draw i of SplitMix64 stream 6 (W2's Δ) as a uniform in [0, 1), as the workloads define it.
fn rademacher_uniform(i: u64) -> f64 {
    let mut z = 6u64.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * 2f64.powi(-53)
}

/// The workloads' problem and initial parameters.
fn workload() -> (Problem, Vec<f64>) {
    let config = MlpConfig {
        test: 0.0,
        standardize: false,
        ..MlpConfig::default()
    };
    let (_, layout) = config.model().unwrap();
    let theta = mlp::workload_init(&layout, 1);
    (Problem::Mlp(config), theta)
}

#[inline(always)]
fn tanh_all(v: &mut [f64]) -> f64 {
    for x in v.iter_mut() {
        *x = kernels::tanh(*x);
    }
    v[0]
}

#[inline(always)]
fn gemm(a: &[f64], b: &[f64], out: &mut [f64]) -> f64 {
    kernels::gemm_nn(a, b, kernels::Init::Zero, out, 256, 16, 16);
    out[0]
}

optiscope::simd_dispatch! {
    fn tanh_on(v: &mut [f64]) -> f64 = tanh_all;
}

optiscope::simd_dispatch! {
    fn gemm_on(a: &[f64], b: &[f64], out: &mut [f64]) -> f64 = gemm;
}

/// The two kernels a W1 step spends most of its time in, alone.
fn kernel_parts(c: &mut Criterion) {
    let path = kernels::simd_path();
    let mut group = c.benchmark_group("kernels");
    let mut v: Vec<f64> = (0..8192).map(|i| (i as f64 - 4096.0) / 2048.0).collect();
    group.bench_function("tanh_8192", |b| {
        b.iter(|| {
            // Keep the inputs in range: tanh of tanh shrinks towards 0 slowly.
            black_box(tanh_on(path, &mut v))
        });
    });
    let a: Vec<f64> = (0..256 * 16).map(|i| (i % 7) as f64 * 0.1).collect();
    let w: Vec<f64> = (0..16 * 16).map(|i| (i % 5) as f64 * 0.1).collect();
    let mut out = vec![0.0; 256 * 16];
    group.bench_function("gemm_256x16x16", |b| {
        b.iter(|| black_box(gemm_on(path, &a, &w, &mut out)));
    });
    group.finish();
}

fn method(s: &str) -> Method {
    spec::parse(s, "optimizer", Method::keys()).unwrap()
}

fn network(c: &mut Criterion) {
    eprintln!(
        "kernels: {} path, float64, one thread",
        kernels::simd_path().name()
    );
    let (problem, theta0) = workload();
    let objective = problem.build();
    let mut group = c.benchmark_group("mlp_2_16_16_1_spirals_256");

    // W1, bare: gradient and update.
    let mut theta = Array1::from(theta0.clone());
    let mut g = Array1::zeros(theta.len());
    group.bench_function("w1_backprop_sgd_step", |b| {
        b.iter(|| {
            objective.gradient_into(theta.view(), g.view_mut());
            theta.scaled_add(-0.1, &g);
            black_box(&theta);
        });
    });

    // W2, bare: two forward passes along a Rademacher Δ and the update.
    let mut theta = Array1::from(theta0.clone());
    let mut k = 0u64;
    let d = theta.len();
    let mut delta = Array1::zeros(d);
    let mut probe = Array1::zeros(d);
    group.bench_function("w2_spsa_step", |b| {
        b.iter(|| {
            for (i, v) in delta.iter_mut().enumerate() {
                let u = rademacher_uniform(k * d as u64 + i as u64);
                *v = if u < 0.5 { 1.0 } else { -1.0 };
            }
            k += 1;
            probe.assign(&theta);
            probe.scaled_add(1e-3, &delta);
            let plus = objective.value(probe.view());
            probe.scaled_add(-2e-3, &delta);
            let minus = objective.value(probe.view());
            theta.scaled_add(-0.01 * (plus - minus) / 2e-3, &delta);
            black_box(&theta);
        });
    });

    // The same two through the app's loop.
    for (name, spec) in [
        ("w1_run_step_sgd", "sgd:lr=0.1"),
        (
            "w2_run_step_spsa",
            "spsa:a=0.01,c=0.001,big_a=0,alpha=0,gamma=0",
        ),
    ] {
        let mut run = Run::new(
            &problem,
            &[(name.into(), method(spec))],
            &theta0,
            0,
            Noise::default(),
        );
        group.bench_function(name, |b| b.iter(|| black_box(run.step())));
    }
    group.finish();
}

criterion_group!(benches, kernel_parts, network);
criterion_main!(benches);
