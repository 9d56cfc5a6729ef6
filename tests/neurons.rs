//! Neurons that learn with their own noise: no noise, no learning; an optimal noise level
//! where theory puts it; and the plasticity rules against the gradient they estimate.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, AtomicUsize};

use optiscope::engine::Run;
use optiscope::engine::sweep::{self, Axis, Shard, Sweep};
use optiscope::problem::neuron::{NeuronTuning, NeuronTuningConfig};
use optiscope::scene::Scene;

fn scene(toml: &str) -> Scene {
    Scene::from_toml(toml, "test").unwrap()
}

/// The N1 neuron with one trial a step and reward noise σ_r, raced by `optimizers`.
fn tuning(sigma_r: f64, optimizers: &str) -> Scene {
    scene(&format!(
        r#"
version = 1
seed = 11
start = [-1.0, 1.0]
[problem]
kind = "neuron_tuning"
[noise.batch]
size = 1
[noise.eval]
std = {sigma_r}
{optimizers}
"#
    ))
}

#[test]
fn without_noise_node_perturbation_learns_nothing() {
    let base = tuning(
        0.05,
        r#"
[[optimizers]]
kind = "node_perturbation"
lr = 0.05
sigma = 0.0
[[optimizers]]
kind = "node_perturbation"
lr = 0.05
sigma = 0.1
"#,
    );
    let mut run = Run::from_scene(&base);
    let start = run.racers()[0].loss();
    for _ in 0..500 {
        run.step();
    }
    // The noiseless neuron ran its trials and heard their (noisy) rewards, and did not move.
    let still = &run.racers()[0];
    assert_eq!(still.x().to_vec(), vec![-1.0, 1.0]);
    assert_eq!(still.loss(), start);
    assert_eq!(still.counts().f, 1000);
    // With noise the same rule learns.
    assert!(
        run.racers()[1].loss() < 0.5 * start,
        "{}",
        run.racers()[1].loss()
    );
}

/// The mean final loss of two-pass node perturbation over a log sweep of σ (with its 95%
/// intervals), for reward noise σ_r.
fn noise_sweep(sigma_r: f64, points: usize, seeds: u64) -> (Vec<f64>, Vec<(f64, f64)>) {
    let base = tuning(
        sigma_r,
        r#"
[[optimizers]]
kind = "node_perturbation"
lr = 0.02
sigma = 0.1
"#,
    );
    let axis = Axis::parse(&format!("optimizers.0.sigma=log:0.01:1:{points}")).unwrap();
    let sigmas = axis.values.clone();
    let s = Sweep {
        axes: vec![axis],
        seeds,
        steps: 3000,
        target: None,
    };
    let rows = s
        .run(
            &base,
            Shard::ALL,
            &AtomicBool::new(false),
            &AtomicUsize::new(0),
        )
        .unwrap();
    let cells = sweep::summarise(&rows)
        .iter()
        .map(|c| (c.mean_loss, c.half_width))
        .collect();
    (sigmas, cells)
}

#[test]
fn the_final_loss_is_u_shaped_in_the_noise_with_its_optimum_where_theory_puts_it() {
    let sigma_r = 0.05;
    let (sigmas, cells) = noise_sweep(sigma_r, 9, 24);
    let best = (0..cells.len())
        .min_by(|&a, &b| cells[a].0.total_cmp(&cells[b].0))
        .unwrap();
    // An interior σ beats both ends of the range, beyond their 95% intervals.
    assert!(
        best > 0 && best + 1 < cells.len(),
        "best at the end: {cells:?}"
    );
    let (lo, hi) = (cells[best].0 + cells[best].1, cells.len() - 1);
    for end in [0, hi] {
        assert!(
            cells[end].0 - cells[end].1 > lo,
            "end {end} is not clearly worse: {cells:?}"
        );
    }
    // The two-pass estimator's error ≈ c + (15/4)L″²σ² + 2σ_r²/σ² is least at
    // σ* = (8σ_r²/(15L″²))^{1/4}, L″ the curvature of a trial's loss in the drive.
    let neuron = NeuronTuning::new(&NeuronTuningConfig::default());
    let l2 = neuron.drive_curvature();
    let star = (8.0 * sigma_r * sigma_r / (15.0 * l2 * l2)).powf(0.25);
    let found = sigmas[best];
    assert!(
        found / star < 2.0 && star / found < 2.0,
        "σ = {found} against σ* = {star}"
    );
}

#[test]
fn without_reward_noise_small_probes_do_no_harm() {
    // With σ_r = 0 the estimator's variance has no 1/σ² term: the smallest σ is as good as
    // any, and the large-σ end is worst (bias and the performance cost of noise).
    let (_, cells) = noise_sweep(0.0, 5, 8);
    let (first, last) = (cells[0], cells[4]);
    assert!(first.0 < 0.1 * last.0, "{cells:?}");
}

#[test]
fn every_plasticity_rule_improves_the_tuning_and_the_delta_rule_fits_it() {
    let base = tuning(
        0.05,
        r#"
[[optimizers]]
kind = "node_perturbation"
lr = 0.02
sigma = 0.2
[[optimizers]]
kind = "node_perturbation"
lr = 0.01
sigma = 0.1
baseline = true
[[optimizers]]
kind = "weight_perturbation"
lr = 0.05
sigma = 0.1
[[optimizers]]
kind = "rmhl"
lr = 0.5
sigma = 0.1
[[optimizers]]
kind = "oua"
[[optimizers]]
kind = "sgd"
lr = 0.05
"#,
    );
    let mut run = Run::from_scene(&base);
    let start = run.racers()[0].loss();
    for _ in 0..3000 {
        run.step();
    }
    for r in run.racers() {
        assert!(
            r.loss() < 0.25 * start,
            "{}: {} from {start}",
            r.label(),
            r.loss()
        );
    }
    let delta = &run.racers()[5];
    assert!(delta.loss() < 1e-6, "{}", delta.loss());
    for (got, want) in delta.x().iter().zip([1.5, -0.5]) {
        assert!((got - want).abs() < 1e-3);
    }
}
