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
//! - W3_small: a 101×101 filter-normalized slice over [−1, 1]² of that net at trained weights
//!   (the references' 50 000 W1 steps from the initialisation, in `data/`). Target ≤ 0.1 s on
//!   2 cores.
//! - W3_big: the 51×51 slice of a 784-64-64-10 tanh net with softmax cross-entropy on 1 000
//!   inputs, at its initialisation. Target ≤ 2 s on 2 cores.
//!
//! The slices run as the app's landscape thread runs them (`compute_grid`, rows in parallel on
//! every core, contours included), in float64, with the network's plane evaluation: the first
//! layer's pre-activations are linear on the plane, so each point costs the later layers only.
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

/// The workloads' problem and initial parameters.
fn workload() -> (Problem, Vec<f64>) {
    let config = MlpConfig {
        test: 0.0,
        standardize: false,
        ..MlpConfig::default()
    };
    // The same network as `mlp::workload::small_workload`, as a problem the app's loop runs.
    let (_, layout) = config.model().unwrap();
    let theta = mlp::workload_init(&layout, 1);
    (Problem::Mlp(config), theta)
}

#[inline(always)]
fn tanh_all(v: &[f64], out: &mut [f64]) -> f64 {
    kernels::tanh_slice(v, out, None);
    out[0]
}

#[inline(always)]
fn gemm(a: &[f64], b: &[f64], out: &mut [f64]) -> f64 {
    kernels::gemm_nn(a, b, kernels::Init::Zero, out, 256, 16, 16);
    out[0]
}

optiscope::simd_dispatch! {
    fn tanh_on(v: &[f64], out: &mut [f64]) -> f64 = tanh_all;
}

optiscope::simd_dispatch! {
    fn gemm_on(a: &[f64], b: &[f64], out: &mut [f64]) -> f64 = gemm;
}

/// The two kernels a W1 step spends most of its time in, alone.
fn kernel_parts(c: &mut Criterion) {
    let path = kernels::simd_path();
    let mut group = c.benchmark_group("kernels");
    let v: Vec<f64> = (0..8192).map(|i| (i as f64 - 4096.0) / 2048.0).collect();
    let mut out = vec![0.0; 8192];
    group.bench_function("tanh_8192", |b| {
        b.iter(|| black_box(tanh_on(path, &v, &mut out)));
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
                let u = mlp::workload::uniform(6, k * d as u64 + i as u64);
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

/// The landscape slices W3_small and W3_big.
fn landscapes(c: &mut Criterion) {
    use optiscope::engine::{GridSpec, Projection, compute_grid};
    use optiscope::problem::ViewBounds;
    use optiscope::problem::mlp::workload;
    eprintln!(
        "landscapes: {} path, float64, {} threads",
        kernels::simd_path().name(),
        rayon::current_num_threads()
    );
    let spec = |n: usize| GridSpec {
        bounds: ViewBounds {
            x: (-1.0, 1.0),
            y: (-1.0, 1.0),
        },
        nx: n,
        ny: n,
        levels: 12,
        smoothing: 0.0,
    };
    let mut group = c.benchmark_group("landscape");
    group.sample_size(10);

    // The references' trained weights: 50 000 W1 steps from the initialisation, which the
    // plateau near step 10 000 makes sensitive to rounding, so they are read, not retrained.
    let (small, _) = workload::small_workload();
    let theta = workload::parse_weights(include_str!("data/w3_small_trained_weights.csv")).unwrap();
    let [d1, d2] = workload::workload_directions(small.layout(), &theta, 2);
    let names = || ["α".to_owned(), "β".to_owned()];
    let plane = Projection::along(&theta, Array1::from(d1), Array1::from(d2), names());
    let grid = compute_grid(&small, &plane, spec(101));
    eprintln!(
        "W3_small: centre {:.6}, min {:.6}, max {:.4} (the reference: 0.006102, 0.006102, 16.13)",
        grid.at(50, 50),
        grid.min,
        grid.max
    );
    group.bench_function("w3_small_101x101", |b| {
        b.iter(|| black_box(compute_grid(&small, &plane, spec(101))));
    });

    let (big, theta) = workload::big_workload();
    let [e1, e2] = workload::workload_directions(big.layout(), &theta, 5);
    let plane = Projection::along(&theta, Array1::from(e1), Array1::from(e2), names());
    let grid = compute_grid(&big, &plane, spec(51));
    eprintln!(
        "W3_big: centre {:.6}, min {:.6}, max {:.6} (the reference: 2.452651, 2.409683, 3.506371)",
        grid.at(25, 25),
        grid.min,
        grid.max
    );
    group.bench_function("w3_big_51x51", |b| {
        b.iter(|| black_box(compute_grid(&big, &plane, spec(51))));
    });
    group.finish();
}

criterion_group!(benches, kernel_parts, network, landscapes);
criterion_main!(benches);
