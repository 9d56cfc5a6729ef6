//! Sweeps and basin maps: parsing, replay, independence from sharding and threads, and the
//! double well's basins with and without noise.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, AtomicUsize};

use optiscope::engine::Run;
use optiscope::engine::sweep::{self, Axis, Row, Shard, Spacing, Sweep};
use optiscope::scene::Scene;

fn scene(toml: &str) -> Scene {
    Scene::from_toml(toml, "test").unwrap()
}

fn run(s: &Sweep, base: &Scene, shard: Shard) -> Vec<Row> {
    s.run(base, shard, &AtomicBool::new(false), &AtomicUsize::new(0))
        .unwrap()
}

const NOISY_ROSENBROCK: &str = r#"
version = 1
seed = 7
start = [-1.2, 1.0]
[problem]
kind = "rosenbrock"
[[optimizers]]
kind = "adam"
lr = 0.02
[[optimizers]]
kind = "spsa"
[noise.grad]
std = 0.1
"#;

#[test]
fn axes_parse_linear_log_and_listed_ranges_and_refuse_bad_ones() {
    let a = Axis::parse("noise.grad.std=log:1e-4:1:5").unwrap();
    assert_eq!(a.path, "noise.grad.std");
    assert_eq!(a.spacing, Spacing::Log);
    assert_eq!(a.values.len(), 5);
    for (v, want) in a.values.iter().zip([1e-4, 1e-3, 1e-2, 1e-1, 1.0]) {
        assert!((v / want - 1.0).abs() < 1e-12, "{v} against {want}");
    }
    let l = Axis::parse("optimizers.0.lr=lin:0.01:0.1:10").unwrap();
    assert_eq!(l.values.first(), Some(&0.01));
    assert!((l.values[9] - 0.1).abs() < 1e-15);
    assert!((l.values[1] - 0.02).abs() < 1e-15);
    assert_eq!(
        Axis::parse("start.0=-1,0.5,2").unwrap().values,
        [-1.0, 0.5, 2.0]
    );
    for (bad, names) in [
        ("lr", "PATH=lin"),
        ("x=lin:0:1:0", "from 1"),
        ("x=log:0:1:3", "both ends > 0"),
        ("x=lin:0:nan:3", "`nan`"),
        ("x=lin:0:1:many", "`many`"),
        ("x=cubic:0:1:3", "not a range"),
        ("=1,2", "no parameter path"),
    ] {
        let e = Axis::parse(bad).unwrap_err();
        assert!(e.contains(names), "{bad}: {e}");
    }
}

#[test]
fn paths_set_the_start_methods_noise_and_problem_and_name_what_is_wrong() {
    let mut s = scene(NOISY_ROSENBROCK);
    sweep::set(&mut s, "start.1", 0.25).unwrap();
    assert_eq!(s.start, [-1.2, 0.25]);
    sweep::set(&mut s, "optimizers.0.lr", 0.5).unwrap();
    assert_eq!(
        s.entries[0]
            .method
            .config()
            .param("lr")
            .unwrap()
            .1
            .to_string(),
        "0.5"
    );
    sweep::set(&mut s, "noise.grad.std", 0.3).unwrap();
    sweep::set(&mut s, "problem.b", 10.0).unwrap();
    for (path, names) in [
        ("start.2", "coordinates 0 to 1"),
        ("optimizers.5.lr", "optimizers 0 to 1"),
        (
            "optimizers.0.momentum",
            "has no parameter `momentum` (it has: lr",
        ),
        ("noise.wind.std", "unknown noise channel"),
        ("problem.kappa", "has no parameter `kappa`"),
        ("problem.d", "dimension"),
        ("steps", "unknown parameter path"),
    ] {
        let e = sweep::set(&mut s, path, 3.0).unwrap_err();
        assert!(e.contains(names), "{path}: {e}");
    }
    // A value the field's rule refuses.
    assert!(sweep::set(&mut s, "optimizers.0.lr", -1.0).is_err());
}

/// The same rows whatever the thread count and however the jobs are sharded, and each row is
/// the run its cell's scene and seed describe.
#[test]
fn a_cells_result_does_not_depend_on_threads_or_shards_and_replays_from_its_scene() {
    let base = scene(NOISY_ROSENBROCK);
    let s = Sweep {
        axes: vec![
            Axis::parse("noise.grad.std=log:0.01:1:3").unwrap(),
            Axis::parse("optimizers.0.lr=0.01,0.05").unwrap(),
        ],
        seeds: 3,
        steps: 300,
        target: Some(4.0),
    };
    assert_eq!((s.cells(), s.jobs()), (6, 18));
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| run(&s, &base, Shard::ALL));
    let two = pool(2).install(|| run(&s, &base, Shard::ALL));
    assert_eq!(one.len(), 36);
    assert_eq!(one, two);
    let mut sharded: Vec<Row> = (0..4)
        .flat_map(|i| run(&s, &base, Shard { index: i, count: 4 }))
        .collect();
    sharded.sort_by_key(|r| (r.cell, r.seed));
    assert_eq!(sharded, one);
    // Adam's runs all differ (the values and the seeds reach them); SPSA uses neither the
    // gradient noise nor Adam's rate, so its runs differ by seed only.
    let adam: Vec<u64> = one
        .iter()
        .filter(|r| r.optimizer == "adam")
        .map(|r| r.outcome.final_loss.to_bits())
        .collect();
    let mut distinct = adam.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 18);
    for r in one.iter().filter(|r| r.optimizer == "spsa") {
        let first = one
            .iter()
            .find(|q| q.optimizer == "spsa" && q.seed == r.seed)
            .unwrap();
        assert_eq!(r.outcome, first.outcome);
    }
    // Replay: the cell's scene, run as the app and `optiscope run` run it.
    for row in one.iter().step_by(5) {
        let cell_scene = s.scene(&base, row.cell, row.seed).unwrap();
        assert_eq!(cell_scene.seed, row.seed);
        let mut replay = Run::from_scene(&cell_scene);
        for _ in 0..s.steps {
            replay.step();
        }
        let r = replay
            .racers()
            .iter()
            .find(|r| r.label() == row.optimizer)
            .unwrap();
        let f = replay.objective().value(r.x().view());
        assert_eq!(f.to_bits(), row.outcome.final_loss.to_bits(), "{row:?}");
    }
    // The steps to the target are the first measured step at or below it.
    for row in &one {
        if let Some(k) = row.outcome.steps_to_target {
            assert!(k <= s.steps && row.outcome.reached());
            assert!(row.outcome.evals_to_target.unwrap() >= k);
        }
    }
    assert!(one.iter().any(|r| r.outcome.reached()));
}

const DOUBLE_WELL: &str = r#"
version = 1
seed = 1
start = [0.5, 0.5]
[problem]
kind = "double_well"
[[optimizers]]
kind = "gd"
lr = 0.02
"#;

/// Gradient descent without noise on (x² − 1)² + ½y²: the basins split at x = 0.
#[test]
fn the_double_wells_basin_map_splits_at_x_zero() {
    let base = scene(DOUBLE_WELL);
    let n = 16;
    let s = sweep::basin_sweep(n, [-2.0, 2.0], [-2.0, 2.0], 1, 600, None);
    let rows = run(&s, &base, Shard::ALL);
    let minima = base.problem.build().minima();
    let left = minima.iter().position(|m| m.x == [-1.0, 0.0]).unwrap();
    let right = minima.iter().position(|m| m.x == [1.0, 0.0]).unwrap();
    let cells = sweep::basin_cells(&rows, "gd", n * n, minima.len());
    for (c, cell) in cells.iter().enumerate() {
        let x = s.values(c)[1];
        let want = if x > 0.0 { right } else { left };
        assert_eq!(cell.mode(), Some(want), "start x = {x}: {cell:?}");
        assert_eq!(cell.probability(want), 1.0);
    }
}

/// With gradient noise the cells beside x = 0 turn mixed, and the map stays mirror-symmetric:
/// P(x, y) + P(−x, y) = 1 within 0.1.
#[test]
fn with_gradient_noise_the_cells_at_the_divide_mix_and_the_map_stays_symmetric() {
    let base = scene(&format!("{DOUBLE_WELL}\n[noise.grad]\nstd = 2.0\n"));
    let (nx, seeds) = (6, 1200);
    let s = Sweep {
        axes: vec![
            Axis::parse("start.1=-1,1").unwrap(),
            Axis::linear("start.0", -0.3, 0.3, nx),
        ],
        seeds,
        steps: 150,
        target: None,
    };
    let rows = run(&s, &base, Shard::ALL);
    let minima = base.problem.build().minima();
    let right = minima.iter().position(|m| m.x == [1.0, 0.0]).unwrap();
    let cells = sweep::basin_cells(&rows, "gd", s.cells(), minima.len());
    for row in 0..2 {
        let p: Vec<f64> = (0..nx)
            .map(|j| cells[row * nx + j].probability(right))
            .collect();
        for (j, pj) in p.iter().enumerate() {
            let sum = pj + p[nx - 1 - j];
            assert!((sum - 1.0).abs() <= 0.1, "row {row}: P = {p:?}");
            assert_eq!(cells[row * nx + j].runs, seeds as u32);
        }
        // Beside the divide, mixed; far from it, (nearly) decided; rising left to right.
        let mid = nx / 2;
        assert!(
            p[mid] > 0.0 && p[mid] < 1.0 && p[mid - 1] > 0.0 && p[mid - 1] < 1.0,
            "{p:?}"
        );
        assert!(p[0] < 0.25 && p[nx - 1] > 0.75, "{p:?}");
        assert!(p[mid] > p[mid - 1], "{p:?}");
    }
}

/// On a tilted double well, noise that cools (σ = 5.5·e^(−t/5000)) lets gradient descent hop
/// out of the shallow well while it is hot: far more start points end in the deeper one than
/// without noise.
#[test]
fn on_a_tilted_double_well_noise_finds_the_deeper_minimum_more_often() {
    let tilted = DOUBLE_WELL.replace(
        "kind = \"double_well\"",
        "kind = \"double_well\"\ntilt = 0.3",
    );
    let deep_fraction = |noise: f64| {
        let base = scene(&format!(
            "{tilted}\n[noise.grad]\nstd = {noise}\ndecay = \"exponential\"\ndecay_steps = 5000\n"
        ));
        let minima = base.problem.build().minima();
        let deep = (0..minima.len())
            .min_by(|a, b| minima[*a].f.total_cmp(&minima[*b].f))
            .unwrap();
        let s = sweep::basin_sweep(6, [-2.0, 2.0], [-1.0, 1.0], 6, 4000, None);
        let rows = run(&s, &base, Shard::ALL);
        let ends = rows
            .iter()
            .filter(|r| r.outcome.minimum == Some(deep))
            .count();
        ends as f64 / rows.len() as f64
    };
    let (quiet, noisy) = (deep_fraction(0.0), deep_fraction(5.5));
    assert!((0.4..0.7).contains(&quiet), "without noise {quiet}");
    assert!(noisy > quiet + 0.2, "with noise {noisy}, without {quiet}");
}

#[test]
fn coarse_cells_come_first_and_every_cell_once() {
    let order = sweep::coarse_first(10);
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    // The first cells lie on the coarsest grid (stride 8), then stride 4 adds its own.
    assert_eq!(&order[..4], &[0, 8, 80, 88]);
    assert!(
        order[4..9]
            .iter()
            .all(|c| (c / 10) % 4 == 0 && (c % 10) % 4 == 0)
    );
    assert!(
        order[9..25]
            .iter()
            .all(|c| (c / 10) % 2 == 0 && (c % 10) % 2 == 0)
    );
}

#[test]
fn sweeps_refuse_zero_counts_and_repeated_or_unknown_axes() {
    let base = scene(NOISY_ROSENBROCK);
    let axis = Axis::parse("optimizers.0.lr=0.1,0.2").unwrap();
    let mut s = Sweep {
        axes: vec![axis.clone()],
        seeds: 0,
        steps: 10,
        target: None,
    };
    assert!(s.check(&base).unwrap_err().contains("--seeds"));
    s.seeds = 1;
    s.steps = 0;
    assert!(s.check(&base).unwrap_err().contains("--steps"));
    s.steps = 10;
    s.axes.push(axis);
    assert!(s.check(&base).unwrap_err().contains("swept twice"));
    s.axes = vec![Axis::parse("optimizers.0.lr=0.1,-2").unwrap()];
    assert!(s.check(&base).is_err());
    assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
    for bad in ["4/4", "1", "a/b", "0/0"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
}

/// A cell's summary over its seeds: the mean final loss with Student's 95% interval, the
/// divergences left out, and the fraction that reached the target; and about 95% of such
/// intervals cover the true mean (checked over many cells of one noisy problem).
#[test]
fn cell_summaries_give_the_mean_its_interval_and_the_reached_fraction() {
    let row = |cell, seed, loss: f64, reached: bool, diverged: bool| Row {
        cell,
        values: vec![],
        seed,
        optimizer: "gd".into(),
        outcome: sweep::Outcome {
            final_loss: loss,
            steps_to_target: reached.then_some(3),
            evals_to_target: reached.then_some(3),
            minimum: None,
            diverged,
        },
    };
    let rows = vec![
        row(0, 0, 1.0, true, false),
        row(0, 1, 2.0, false, false),
        row(0, 2, 3.0, true, false),
        row(0, 3, f64::NAN, false, true),
        row(1, 0, 5.0, false, false),
    ];
    let s = sweep::summarise(&rows);
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].runs, s[0].diverged), (4, 1));
    assert_eq!(s[0].mean_loss, 2.0);
    // Sample deviation 1 over 3 seeds: t(2) = 4.303 times 1/√3.
    assert!((s[0].half_width - 4.303 / 3f64.sqrt()).abs() < 1e-12);
    assert_eq!(s[0].p_reached, 0.5);
    assert_eq!(s[1].mean_loss, 5.0);
    assert!(s[1].half_width.is_nan());
    // Coverage: one step of size ½ on Σxᵢ² with gradient noise σ = 1 lands on x₁ = −ξ/2
    // whatever the start, so the final loss is Σξᵢ²/4, of mean ½ over two coordinates (a
    // skewed χ², for which the t interval over 10 seeds covers a little less than 95%).
    // Every cell of a sweep shares its seeds (common random numbers), so each interval here
    // is a sweep of its own, from seeds 10k … 10k + 9.
    let sw = Sweep {
        axes: vec![],
        seeds: 10,
        steps: 1,
        target: None,
    };
    let covered = (0..200u64)
        .filter(|k| {
            let base = scene(&format!(
                "version = 1\nseed = {}\nstart = [0.3, -0.2]\n[problem]\nkind = \"sphere\"\n\
                 [[optimizers]]\nkind = \"gd\"\nlr = 0.5\n[noise.grad]\nstd = 1.0\n",
                10 * k
            ));
            let c = &sweep::summarise(&run(&sw, &base, Shard::ALL))[0];
            (c.mean_loss - 0.5).abs() <= c.half_width
        })
        .count();
    assert!(
        (170..=196).contains(&covered),
        "{covered} of 200 intervals cover the mean"
    );
}
