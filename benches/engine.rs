//! Engine benchmarks: the optimizer loop body and landscape grids.
//!
//! Targets (issue: core): ≥ 10 million Adam steps per second on 2-D Rosenbrock on one core
//! (≤ 100 ns per `Run::step`), and a 512×512 grid with contours in ≤ 30 ms on two cores.
//!
//! Sweeps (issue: neurons and sweeps), on every core: a 100×100 basin map of gradient descent
//! on the double well, one seed, 500 steps per cell, ≤ 0.3 s; 100 cells × 10 seeds × 2 000
//! steps of Adam on Rosenbrock, ≤ 0.2 s.
#![allow(clippy::unwrap_used)] // A panic in a test is a failure with a message.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use optiscope::engine::{GridSpec, Projection, Run, compute_grid};
use optiscope::noise::Noise;
use optiscope::optim::Method;
use optiscope::problem::{Problem, ViewBounds};
use optiscope::scene::Slice;
use optiscope::spec;

fn method(s: &str) -> Method {
    spec::parse(s, "optimizer", Method::keys()).expect("valid spec")
}

fn steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("run_step_rosenbrock_2d");
    for name in [
        "adam:lr=0.01",
        "sgd:lr=0.001,momentum=0.9",
        "newton",
        "spsa",
        "rge",
        "cma_es",
        "nelder_mead",
    ] {
        let m = method(name);
        let mut run = Run::new(
            &Problem::default(),
            &[(name.into(), m)],
            &[-1.5, 2.0],
            0,
            Noise::default(),
        );
        group.bench_function(name.split(':').next().unwrap_or(name), |b| {
            b.iter(|| black_box(run.step()));
        });
    }
    // Steps within the first 1000 of a fresh run, where Adam's bias corrections still call
    // `powf` (after about 37 000 steps they round to exactly 1 and are skipped).
    group.bench_function("adam_fresh", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(1000);
                left -= n;
                let m = method("adam:lr=0.01");
                let mut run = Run::new(
                    &Problem::default(),
                    &[("adam".into(), m)],
                    &[-1.5, 2.0],
                    0,
                    Noise::default(),
                );
                let t = std::time::Instant::now();
                for _ in 0..n {
                    black_box(run.step());
                }
                total += t.elapsed();
            }
            total
        });
    });
    group.finish();
}

fn landscape(c: &mut Criterion) {
    let objective = Problem::default().build();
    let bounds = ViewBounds {
        x: (-2.0, 2.0),
        y: (-1.0, 3.0),
    };
    let plane = Projection::new(&Slice::default(), &[0.0, 0.0], 0);
    let mut group = c.benchmark_group("landscape");
    group.sample_size(20);
    group.bench_function("rosenbrock_512x512_12_contours", |b| {
        b.iter(|| {
            let spec = GridSpec {
                bounds,
                nx: 512,
                ny: 512,
                levels: 12,
                smoothing: 0.0,
            };
            black_box(compute_grid(objective.as_ref(), &plane, spec))
        });
    });
    // The smoothed landscape f_σ: the window padded by 4σ, then two Gaussian passes.
    group.bench_function("rosenbrock_512x512_smoothed_sigma_0.5", |b| {
        b.iter(|| {
            let spec = GridSpec {
                bounds,
                nx: 512,
                ny: 512,
                levels: 12,
                smoothing: 0.5,
            };
            black_box(compute_grid(objective.as_ref(), &plane, spec))
        });
    });
    group.finish();
}

fn sweeps(c: &mut Criterion) {
    use std::sync::atomic::{AtomicBool, AtomicUsize};

    use optiscope::engine::sweep::{self, Axis, Shard, Sweep};
    use optiscope::scene::Scene;

    eprintln!("sweeps: {} threads", rayon::current_num_threads());
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    let well = Scene::from_toml(
        "version = 1\n[problem]\nkind = \"double_well\"\n[[optimizers]]\nkind = \"gd\"\nlr = 0.02\n",
        "bench",
    )
    .unwrap();
    let basin = sweep::basin_sweep(100, [-2.0, 2.0], [-2.0, 2.0], 1, 500, None);
    group.bench_function("basin_100x100_gd_500_steps", |b| {
        b.iter(|| {
            let rows = basin
                .run(
                    &well,
                    Shard::ALL,
                    &AtomicBool::new(false),
                    &AtomicUsize::new(0),
                )
                .unwrap();
            black_box(rows.len())
        });
    });
    let rosenbrock = Scene::from_toml(
        "version = 1\n[problem]\nkind = \"rosenbrock\"\n[[optimizers]]\nkind = \"adam\"\n",
        "bench",
    )
    .unwrap();
    let grid = Sweep {
        axes: vec![
            Axis::parse("optimizers.0.lr=log:0.001:0.1:10").unwrap(),
            Axis::parse("start.0=lin:-2:2:10").unwrap(),
        ],
        seeds: 10,
        steps: 2000,
        target: Some(1e-6),
    };
    group.bench_function("adam_rosenbrock_100_cells_10_seeds_2000_steps", |b| {
        b.iter(|| {
            let rows = grid
                .run(
                    &rosenbrock,
                    Shard::ALL,
                    &AtomicBool::new(false),
                    &AtomicUsize::new(0),
                )
                .unwrap();
            black_box(rows.len())
        });
    });
    group.finish();
}

criterion_group!(benches, steps, landscape, sweeps);
criterion_main!(benches);
