//! Sweeps: a scene run over a grid of parameter values and a number of seeds, each run on
//! its own, in parallel on every core. Any scene field a number can set is an axis: a noise
//! level (`noise.grad.std`), a method's parameter (`optimizers.0.lr`), a problem's parameter
//! (`problem.tilt`) or a start coordinate (`start.0`). The basin map is the sweep over the two
//! start coordinates.
//!
//! A run of a sweep (a job) is the run its scene, its seed and its cell's values describe,
//! exactly the run `optiscope run` or the app would take from that scene: so any row can be
//! replayed, and a job's outcome does not depend on the sharding, the thread count or the
//! order the jobs ran in.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::edit::EditValue;
use crate::params::Params;
use crate::problem::Objective;
use crate::scene::Scene;

use super::{Run, StopReason};

/// The most values one axis takes.
pub const MAX_VALUES: usize = 100_000;
/// The most runs (cells × seeds) one sweep takes.
pub const MAX_JOBS: usize = 100_000_000;

/// How an axis spaces its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    /// Evenly.
    Linear,
    /// Evenly in the logarithm (both ends > 0).
    Log,
    /// As listed.
    Listed,
}

/// One swept parameter: the scene field and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The scene field, as [`set`] reads it.
    pub path: String,
    /// Its values, in order.
    pub values: Vec<f64>,
    /// How they are spaced.
    pub spacing: Spacing,
}

impl Axis {
    /// Parses `path=lin:A:B:N` (N values from A to B), `path=log:A:B:N` (evenly in log) or
    /// `path=v1,v2,…`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (path, range) = spec.split_once('=').ok_or_else(|| {
            format!("`{spec}`: write PATH=lin:A:B:N, PATH=log:A:B:N or PATH=v1,v2,…")
        })?;
        let path = path.trim().to_owned();
        if path.is_empty() {
            return Err(format!("`{spec}`: no parameter path before `=`"));
        }
        let number = |t: &str| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("`{spec}`: `{t}` is not a finite number"))
        };
        let parts: Vec<&str> = range.split(':').collect();
        let (values, spacing) = match parts.as_slice() {
            [kind @ ("lin" | "log"), a, b, n] => {
                let (a, b) = (number(a)?, number(b)?);
                let n: usize = n
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{spec}`: `{n}` is not a count of values"))?;
                if n == 0 || n > MAX_VALUES {
                    return Err(format!(
                        "`{spec}`: the count must be from 1 to {MAX_VALUES}, got {n}"
                    ));
                }
                let log = *kind == "log";
                if log && !(a > 0.0 && b > 0.0) {
                    return Err(format!("`{spec}`: a log range needs both ends > 0"));
                }
                // The ends are exactly A and B.
                let values = (0..n)
                    .map(|i| {
                        let t = if n == 1 {
                            0.0
                        } else {
                            i as f64 / (n - 1) as f64
                        };
                        match (i + 1 == n && n > 1, log) {
                            (true, _) => b,
                            (false, true) => a * (b / a).powf(t),
                            (false, false) => a + (b - a) * t,
                        }
                    })
                    .collect();
                (values, if log { Spacing::Log } else { Spacing::Linear })
            }
            [list]
                if !list.trim().is_empty()
                    && !list
                        .contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
            {
                let values = list.split(',').map(number).collect::<Result<Vec<_>, _>>()?;
                if values.len() > MAX_VALUES {
                    return Err(format!("`{spec}`: more than {MAX_VALUES} values"));
                }
                (values, Spacing::Listed)
            }
            _ => {
                return Err(format!(
                    "`{spec}`: `{range}` is not a range; write lin:A:B:N, log:A:B:N or v1,v2,…"
                ));
            }
        };
        Ok(Self {
            path,
            values,
            spacing,
        })
    }

    /// An evenly spaced axis.
    pub fn linear(path: &str, from: f64, to: f64, n: usize) -> Self {
        Self::parse(&format!("{path}=lin:{from}:{to}:{n}")).expect("a valid linear axis")
    }
}

/// Sets the scene field `path` to `value`: `start.I`, `optimizers.N.key` (any parameter of
/// the N-th `[[optimizers]]` entry, disabled ones included), `noise.channel.key` or
/// `problem.key`.
pub fn set(scene: &mut Scene, path: &str, value: f64) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let v = EditValue::Number(value);
    match parts.as_slice() {
        ["start", i] => {
            let d = scene.start.len();
            let i: usize = i
                .parse()
                .ok()
                .filter(|i| *i < d)
                .ok_or_else(|| format!("`{path}`: the start has coordinates 0 to {}", d - 1))?;
            scene.start[i] = value;
            Ok(())
        }
        ["optimizers", n, key] => {
            let count = scene.entries.len();
            let entry = n
                .parse::<usize>()
                .ok()
                .and_then(|n| scene.entries.get_mut(n))
                .ok_or_else(|| {
                    format!(
                        "`{path}`: the scene has optimizers 0 to {}",
                        count.saturating_sub(1)
                    )
                })?;
            if entry.method.config().param(key).is_none() {
                return Err(format!(
                    "`{path}`: `{}` has no parameter `{key}` (it has: {})",
                    entry.method.key(),
                    keys(entry.method.config())
                ));
            }
            v.set(entry.method.config_mut(), key)
                .map_err(|e| format!("`{path}`: {e}"))
        }
        ["noise", channel, key] => scene
            .noise
            .set_param(channel, key, &v)
            .map_err(|e| format!("`{path}`: {e}")),
        ["problem", key] => {
            let dim = scene.problem.dim();
            let config: &mut dyn Params = scene.problem.config_mut();
            if config.param(key).is_none() {
                return Err(format!(
                    "`{path}`: `{}` has no parameter `{key}` (it has: {})",
                    scene.problem.key(),
                    keys(scene.problem.config_mut())
                ));
            }
            v.set(config, key).map_err(|e| format!("`{path}`: {e}"))?;
            scene
                .problem
                .validate()
                .map_err(|e| format!("`{path}`: {e}"))?;
            if scene.problem.dim() != dim {
                return Err(format!(
                    "`{path}` changes the problem's dimension; sweep it in separate scenes"
                ));
            }
            Ok(())
        }
        _ => Err(format!(
            "unknown parameter path `{path}`; valid: start.<i>, optimizers.<index>.<parameter>, \
             noise.<channel>.<parameter>, problem.<parameter>"
        )),
    }
}

fn keys(p: &dyn Params) -> String {
    p.params()
        .iter()
        .map(|(m, _)| m.key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a sweep runs: the axes (their product is the grid of cells), the seeds per cell, the
/// steps per run and the target loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The swept parameters; the last varies fastest along the cells.
    pub axes: Vec<Axis>,
    /// Seeds per cell: the scene's seed and the next ones.
    pub seeds: u64,
    /// Steps per run.
    pub steps: u64,
    /// The loss a run must reach to count as reaching the target (`None`: no target).
    pub target: Option<f64>,
}

/// One part of a sweep: the jobs j with j mod `count` = `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 0.
    pub index: usize,
    /// Of how many.
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` with I < N.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard `{s}`: write I/N with 0 ≤ I < N (e.g. 0/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

/// How one racer's run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The clean loss at the last iterate (NaN or infinite if it diverged).
    pub final_loss: f64,
    /// The first measured step at which the clean loss was at or below the target.
    pub steps_to_target: Option<u64>,
    /// The oracle's evaluations (values, gradients, Hessians and H·v products) by then.
    pub evals_to_target: Option<u64>,
    /// The known minimum the last iterate sits in ([`nearest_minimum`]), by its index in the
    /// objective's list.
    pub minimum: Option<usize>,
    /// Whether the run diverged (its loss or iterate turned non-finite).
    pub diverged: bool,
}

impl Outcome {
    /// Whether the run reached the target.
    pub fn reached(&self) -> bool {
        self.steps_to_target.is_some()
    }
}

/// One row of a sweep: a cell, a seed, a racer and its outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The cell's index (row-major over the axes, the last fastest).
    pub cell: usize,
    /// The swept values of the cell, one per axis.
    pub values: Vec<f64>,
    /// The seed.
    pub seed: u64,
    /// The racer's label.
    pub optimizer: String,
    /// How it ended.
    pub outcome: Outcome,
}

/// The index of the known minimum nearest `x`, if `x` lies within half the distance from that
/// minimum to the next nearest one (within 0.5 when only one is known): nearer to it than to
/// any other, and not far off in a part of the landscape no known minimum describes.
pub fn nearest_minimum(minima: &[Vec<f64>], x: &[f64]) -> Option<usize> {
    let dist = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| (p - q) * (p - q))
            .sum::<f64>()
            .sqrt()
    };
    let (best, d) = minima
        .iter()
        .enumerate()
        .map(|(i, m)| (i, dist(m, x)))
        .filter(|(_, d)| d.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let gap = minima
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, m)| dist(m, &minima[best]))
        .fold(f64::INFINITY, f64::min);
    let radius = if gap.is_finite() { 0.5 * gap } else { 0.5 };
    (d <= radius).then_some(best)
}

impl Sweep {
    /// The number of cells (the product of the axes' lengths; 1 with no axes).
    pub fn cells(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// The number of runs: cells × seeds.
    pub fn jobs(&self) -> usize {
        self.cells().saturating_mul(self.seeds as usize)
    }

    /// The swept values of a cell.
    pub fn values(&self, cell: usize) -> Vec<f64> {
        let mut rest = cell;
        let mut out = vec![0.0; self.axes.len()];
        for (k, axis) in self.axes.iter().enumerate().rev() {
            let n = axis.values.len();
            out[k] = axis.values[rest % n];
            rest /= n;
        }
        out
    }

    /// The scene of a cell and seed: the base scene with the cell's values set.
    pub fn scene(&self, base: &Scene, cell: usize, seed: u64) -> Result<Scene, String> {
        let mut scene = base.clone();
        scene.seed = seed;
        scene.steps = self.steps;
        for (axis, v) in self.axes.iter().zip(self.values(cell)) {
            set(&mut scene, &axis.path, v)?;
        }
        Ok(scene)
    }

    /// Checks the sweep against its base scene: counts in range, and every value of every
    /// axis accepted by its field.
    pub fn check(&self, base: &Scene) -> Result<(), String> {
        if self.seeds == 0 {
            return Err("--seeds must be at least 1".into());
        }
        if self.steps == 0 {
            return Err("--steps must be at least 1".into());
        }
        if base.seed.checked_add(self.seeds - 1).is_none() {
            return Err(format!(
                "seed {} plus {} seeds runs past the largest seed",
                base.seed, self.seeds
            ));
        }
        let jobs = self.axes.iter().try_fold(self.seeds as usize, |acc, a| {
            acc.checked_mul(a.values.len())
        });
        if jobs.is_none_or(|j| j > MAX_JOBS) {
            return Err(format!(
                "the sweep has more than {MAX_JOBS} runs (cells × seeds)"
            ));
        }
        for (k, axis) in self.axes.iter().enumerate() {
            if self.axes[..k].iter().any(|a| a.path == axis.path) {
                return Err(format!("`{}` is swept twice", axis.path));
            }
            for v in &axis.values {
                set(&mut base.clone(), &axis.path, *v)?;
            }
        }
        Ok(())
    }

    /// Whether any axis changes the problem (then each cell builds its own objective).
    fn sweeps_problem(&self) -> bool {
        self.axes.iter().any(|a| a.path.starts_with("problem."))
    }

    /// Runs job `job` (cell job / seeds, seed base + job mod seeds) and returns a row per
    /// enabled racer. `objective`, when given, is the base scene's (shared when no axis
    /// changes the problem).
    pub fn run_job(
        &self,
        base: &Scene,
        objective: Option<&Arc<dyn Objective>>,
        job: usize,
    ) -> Result<Vec<Row>, String> {
        let seeds = self.seeds as usize;
        let (cell, s) = (job / seeds, job % seeds);
        let seed = base.seed.wrapping_add(s as u64);
        let scene = self.scene(base, cell, seed)?;
        let objective = match objective {
            Some(o) if !self.sweeps_problem() => Arc::clone(o),
            _ => Arc::from(scene.problem.build()),
        };
        let minima: Vec<Vec<f64>> = objective.minima().into_iter().map(|m| m.x).collect();
        let mut run = Run::from_scene_on(&scene, Arc::clone(&objective));
        let n = run.racers().len();
        let mut hit: Vec<Option<(u64, u64)>> = vec![None; n];
        let check = |run: &Run, hit: &mut Vec<Option<(u64, u64)>>| {
            if let Some(target) = self.target {
                for (h, r) in hit.iter_mut().zip(run.racers()) {
                    if h.is_none() && r.measured() && r.loss() <= target {
                        let c = r.counts();
                        *h = Some((r.step_idx(), c.f + c.g + c.h + c.hv));
                    }
                }
            }
        };
        check(&run, &mut hit);
        for _ in 0..self.steps {
            if run.step() == 0 {
                break;
            }
            check(&run, &mut hit);
        }
        let values = self.values(cell);
        Ok(run
            .racers()
            .iter()
            .zip(hit)
            .map(|(r, h)| {
                let x = r.x();
                let diverged = matches!(r.stopped(), Some(StopReason::Diverged { .. }))
                    || !x.iter().all(|v| v.is_finite());
                let final_loss = if diverged {
                    f64::NAN
                } else {
                    objective.value(x.view())
                };
                let diverged = diverged || !final_loss.is_finite();
                let minimum = if diverged {
                    None
                } else {
                    nearest_minimum(&minima, x.as_slice().unwrap_or_default())
                };
                Row {
                    cell,
                    values: values.clone(),
                    seed,
                    optimizer: r.label().to_owned(),
                    outcome: Outcome {
                        final_loss,
                        steps_to_target: h.map(|h| h.0),
                        evals_to_target: h.map(|h| h.1),
                        minimum,
                        diverged,
                    },
                }
            })
            .collect())
    }

    /// Runs the jobs of `shard` on the current rayon pool (every core), in job order, and
    /// returns their rows. `done` counts finished jobs (for a progress bar); setting `cancel`
    /// stops the sweep early (the rows of jobs not run are missing).
    pub fn run(
        &self,
        base: &Scene,
        shard: Shard,
        cancel: &AtomicBool,
        done: &AtomicUsize,
    ) -> Result<Vec<Row>, String> {
        self.run_order(
            base,
            (shard.index..self.jobs()).step_by(shard.count).collect(),
            cancel,
            done,
        )
    }

    /// Runs the listed jobs (in parallel; the rows come back in the list's order), after
    /// checking the sweep.
    pub fn run_order(
        &self,
        base: &Scene,
        jobs: Vec<usize>,
        cancel: &AtomicBool,
        done: &AtomicUsize,
    ) -> Result<Vec<Row>, String> {
        self.check(base)?;
        let objective: Arc<dyn Objective> = Arc::from(base.problem.build());
        self.run_jobs(base, &objective, &jobs, cancel, done)
    }

    /// Runs the listed jobs of a sweep already [`checked`](Sweep::check), on `objective` (the
    /// base scene's, built once), in parallel; the rows come back in the list's order. A long
    /// sweep runs in chunks of jobs this way, each written before the next starts.
    pub fn run_jobs(
        &self,
        base: &Scene,
        objective: &Arc<dyn Objective>,
        jobs: &[usize],
        cancel: &AtomicBool,
        done: &AtomicUsize,
    ) -> Result<Vec<Row>, String> {
        let rows: Vec<Result<Vec<Row>, String>> = jobs
            .par_iter()
            .map(|&job| {
                if cancel.load(Ordering::Relaxed) {
                    return Ok(Vec::new());
                }
                let rows = self.run_job(base, Some(objective), job);
                done.fetch_add(1, Ordering::Relaxed);
                rows
            })
            .collect();
        let mut out = Vec::new();
        for r in rows {
            out.extend(r?);
        }
        Ok(out)
    }
}

/// The cells of an n × n grid, coarse ones first: the cells on a grid of stride 2ᵏ for the
/// largest k, then those new on each halved stride, so a map drawn as results arrive sharpens
/// progressively. Each cell appears once.
pub fn coarse_first(n: usize) -> Vec<usize> {
    let mut stride = 1;
    while stride * 2 < n {
        stride *= 2;
    }
    let mut seen = vec![false; n * n];
    let mut out = Vec::with_capacity(n * n);
    loop {
        for i in (0..n).step_by(stride) {
            for j in (0..n).step_by(stride) {
                if !seen[i * n + j] {
                    seen[i * n + j] = true;
                    out.push(i * n + j);
                }
            }
        }
        if stride == 1 {
            break;
        }
        stride /= 2;
    }
    out
}

/// A basin map: the sweep over the two start coordinates of one racer, at the centres of an
/// n × n grid over `x` × `y`.
pub fn basin_sweep(
    n: usize,
    x: [f64; 2],
    y: [f64; 2],
    seeds: u64,
    steps: u64,
    target: Option<f64>,
) -> Sweep {
    let centres = |r: [f64; 2]| -> Vec<f64> {
        (0..n)
            .map(|i| r[0] + (r[1] - r[0]) * (i as f64 + 0.5) / n as f64)
            .collect()
    };
    // The first start coordinate varies fastest: cell i·n + j starts at (x_j, y_i).
    Sweep {
        axes: vec![
            Axis {
                path: "start.1".into(),
                values: centres(y),
                spacing: Spacing::Linear,
            },
            Axis {
                path: "start.0".into(),
                values: centres(x),
                spacing: Spacing::Linear,
            },
        ],
        seeds,
        steps,
        target,
    }
}

/// One cell of a basin map, over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct BasinCell {
    /// How many seeds ended in each known minimum (by index).
    pub ends: Vec<u32>,
    /// How many seeds ran.
    pub runs: u32,
    /// How many diverged.
    pub diverged: u32,
    /// The mean steps to the target over the seeds that reached it.
    pub mean_steps: Option<f64>,
}

impl BasinCell {
    /// The fraction of the seeds that ended in minimum `k`.
    pub fn probability(&self, k: usize) -> f64 {
        f64::from(self.ends.get(k).copied().unwrap_or(0)) / f64::from(self.runs.max(1))
    }

    /// The minimum most seeds ended in (the first of equals), if any did.
    pub fn mode(&self) -> Option<usize> {
        let (k, &c) = self
            .ends
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
        (c > 0).then_some(k)
    }
}

/// Gathers a basin sweep's rows for one racer into its n × n cells (row-major, y slowest).
pub fn basin_cells(rows: &[Row], racer: &str, cells: usize, minima: usize) -> Vec<BasinCell> {
    let mut out = vec![
        BasinCell {
            ends: vec![0; minima],
            runs: 0,
            diverged: 0,
            mean_steps: None,
        };
        cells
    ];
    let mut steps = vec![(0.0, 0u32); cells];
    for r in rows.iter().filter(|r| r.optimizer == racer) {
        let c = &mut out[r.cell];
        c.runs += 1;
        c.diverged += u32::from(r.outcome.diverged);
        if let Some(k) = r.outcome.minimum {
            c.ends[k] += 1;
        }
        if let Some(s) = r.outcome.steps_to_target {
            steps[r.cell].0 += s as f64;
            steps[r.cell].1 += 1;
        }
    }
    for (c, (sum, n)) in out.iter_mut().zip(steps) {
        c.mean_steps = (n > 0).then(|| sum / f64::from(n));
    }
    out
}

/// One cell's outcome for one racer, over its seeds: what a sweep's curve or heatmap draws.
#[derive(Clone, Debug, PartialEq)]
pub struct CellSummary {
    /// The cell.
    pub cell: usize,
    /// The racer's label.
    pub optimizer: String,
    /// Seeds run.
    pub runs: u32,
    /// Seeds that diverged (left out of the mean).
    pub diverged: u32,
    /// The mean final loss over the seeds that did not diverge (NaN if all did).
    pub mean_loss: f64,
    /// Half the width of its 95% confidence interval (Student's t over the seeds; NaN with
    /// fewer than two).
    pub half_width: f64,
    /// The fraction of the seeds that reached the target.
    pub p_reached: f64,
}

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom (1.96 beyond 30).
fn t95(df: u32) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df as usize - 1],
        _ => 1.96,
    }
}

/// Summarises a sweep's rows by cell and racer, in the order each pair first appears.
pub fn summarise(rows: &[Row]) -> Vec<CellSummary> {
    let mut order: Vec<(usize, String)> = Vec::new();
    let mut groups: std::collections::HashMap<(usize, &str), Vec<&Row>> =
        std::collections::HashMap::new();
    for r in rows {
        let g = groups.entry((r.cell, r.optimizer.as_str())).or_default();
        if g.is_empty() {
            order.push((r.cell, r.optimizer.clone()));
        }
        g.push(r);
    }
    order
        .into_iter()
        .map(|(cell, optimizer)| {
            let g = &groups[&(cell, optimizer.as_str())];
            let losses: Vec<f64> = g
                .iter()
                .filter(|r| !r.outcome.diverged)
                .map(|r| r.outcome.final_loss)
                .collect();
            let n = losses.len();
            let mean = losses.iter().sum::<f64>() / n as f64;
            let var = losses.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
            let half_width = if n >= 2 {
                t95(n as u32 - 1) * (var / n as f64).sqrt()
            } else {
                f64::NAN
            };
            CellSummary {
                cell,
                runs: g.len() as u32,
                diverged: (g.len() - n) as u32,
                mean_loss: if n > 0 { mean } else { f64::NAN },
                half_width,
                p_reached: g.iter().filter(|r| r.outcome.reached()).count() as f64 / g.len() as f64,
                optimizer,
            }
        })
        .collect()
}
