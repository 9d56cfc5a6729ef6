//! `optiscope sweep`: a scene over a grid of parameter values and seeds, headless, on every
//! core, one CSV row per cell, seed and racer; and `optiscope sweep merge`, which joins the
//! files of a sharded sweep.

use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{RunArgs, UsageError, output, parse_u64, scene_for};
use crate::engine::sweep::{Axis, Row, Shard, Sweep};

/// `optiscope sweep`: the flags of `run`, plus the swept parameters, or `merge`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepCommand {
    /// Join the CSV files of a sharded sweep.
    #[command(subcommand)]
    pub merge: Option<SweepSub>,
    /// The sweep.
    #[command(flatten)]
    pub args: SweepArgs,
}

/// The subcommands of `optiscope sweep`.
#[derive(Debug, Subcommand)]
pub enum SweepSub {
    /// Join the files of `--shard I/N` runs into one, in cell and seed order.
    Merge(MergeArgs),
}

/// Arguments of `optiscope sweep merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the merged CSV here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Arguments of `optiscope sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scene and the flags of `run` (`--seeds` is the number of seeds per cell).
    #[command(flatten)]
    pub run: RunArgs,
    /// A swept parameter, as PATH=lin:A:B:N, PATH=log:A:B:N or PATH=v1,v2,… (PATH is
    /// start.<i>, optimizers.<index>.<parameter>, noise.<channel>.<parameter> or
    /// problem.<parameter>); repeat for a grid.
    #[arg(long = "param", value_name = "PATH=RANGE")]
    pub params: Vec<String>,
    /// The target loss for `steps_to_target` and `reached` (default: the lowest known
    /// minimum's value plus 10⁻⁶).
    #[arg(long, value_name = "F", allow_hyphen_values = true)]
    pub target: Option<String>,
    /// Run only shard I of N (the jobs j with j mod N = I); join the files with `sweep merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write one row per cell and optimizer instead, over the seeds: `runs`, `diverged`,
    /// `mean_final_loss`, `ci95` (half the width of Student's 95% interval) and `p_reached`.
    #[arg(long, conflicts_with = "shard")]
    pub summary: bool,
}

/// The most `--param` flags.
pub const MAX_AXES: usize = 8;

/// Builds the base scene and the sweep of an invocation, checked.
pub fn sweep_for(args: &SweepArgs) -> Result<(crate::scene::Scene, Sweep, Shard), UsageError> {
    let scene = scene_for(&args.run)?;
    if args.params.len() > MAX_AXES {
        return Err(UsageError(format!(
            "{} --param flags; a sweep has at most {MAX_AXES} axes",
            args.params.len()
        )));
    }
    let axes = args
        .params
        .iter()
        .map(|p| Axis::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError)?;
    let seeds = parse_u64(&args.run.seeds, "--seeds")?;
    let target = match &args.target {
        Some(t) => Some(
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| !v.is_nan())
                .ok_or_else(|| UsageError(format!("--target: `{t}` is not a number")))?,
        ),
        None => scene
            .problem
            .build()
            .minima()
            .iter()
            .map(|m| m.f)
            .reduce(f64::min)
            .map(|f| f + 1e-6),
    };
    let sweep = Sweep {
        axes,
        seeds,
        steps: scene.steps,
        target,
    };
    sweep.check(&scene).map_err(UsageError)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(UsageError)?,
        None => Shard::ALL,
    };
    Ok((scene, sweep, shard))
}

/// `optiscope sweep …`.
pub fn run(cmd: &SweepCommand) -> anyhow::Result<()> {
    match &cmd.merge {
        Some(SweepSub::Merge(m)) => merge(m),
        None => sweep(&cmd.args),
    }
}

/// Jobs per chunk: a chunk's rows are written before the next chunk runs, so memory stays
/// bounded however large the sweep.
const CHUNK: usize = 1 << 14;

fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    let (scene, sweep, shard) = sweep_for(args)?;
    let mut out = output(&args.run.out)?;
    let objective: std::sync::Arc<dyn crate::problem::Objective> =
        std::sync::Arc::from(scene.problem.build());
    let minima: Vec<f64> = objective.minima().iter().map(|m| m.f).collect();
    let (cancel, done) = (AtomicBool::new(false), AtomicUsize::new(0));
    let jobs: Vec<usize> = (shard.index..sweep.jobs()).step_by(shard.count).collect();
    let progress = std::io::stderr().is_terminal();
    if args.summary {
        write_summary_header(&mut out, &sweep)?;
    } else {
        write_header(&mut out, &sweep)?;
    }
    // Whole cells per chunk, so that a summary sees every seed of its cells at once.
    let seeds = sweep.seeds as usize;
    let chunk = CHUNK.div_ceil(seeds) * seeds;
    for chunk in jobs.chunks(chunk) {
        let rows = std::thread::scope(|s| {
            let worker = s.spawn(|| sweep.run_jobs(&scene, &objective, chunk, &cancel, &done));
            while progress && !worker.is_finished() {
                std::thread::sleep(Duration::from_millis(200));
                eprint!("\rrun {}/{}", done.load(Ordering::Relaxed), jobs.len());
            }
            worker.join()
        });
        let rows = match rows {
            Ok(r) => r.map_err(UsageError)?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if args.summary {
            write_summary(&mut out, &sweep, &crate::engine::sweep::summarise(&rows))?;
        } else {
            write_rows(&mut out, &minima, &rows)?;
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    out.flush()?;
    Ok(())
}

/// Writes the header: `cell`, a column per axis (named by its path), `seed`, `optimizer`,
/// `final_loss`, `steps_to_target`, `evals_to_target`, `reached`, `minimum` (the index in the
/// problem's list of known minima, empty if none), `minimum_f` (its value) and `diverged`.
pub fn write_header(out: &mut dyn Write, sweep: &Sweep) -> std::io::Result<()> {
    cell_columns(out, sweep)?;
    writeln!(
        out,
        ",seed,optimizer,final_loss,steps_to_target,evals_to_target,reached,minimum,minimum_f,diverged"
    )
}

/// The columns both headers start with: `cell` and one per axis, named by its path.
fn cell_columns(out: &mut dyn Write, sweep: &Sweep) -> std::io::Result<()> {
    write!(out, "cell")?;
    for a in &sweep.axes {
        write!(out, ",{}", a.path)?;
    }
    Ok(())
}

/// The header of `--summary`: `cell`, a column per axis, `optimizer`, `runs`, `diverged`,
/// `mean_final_loss`, `ci95` and `p_reached`.
pub fn write_summary_header(out: &mut dyn Write, sweep: &Sweep) -> std::io::Result<()> {
    cell_columns(out, sweep)?;
    writeln!(
        out,
        ",optimizer,runs,diverged,mean_final_loss,ci95,p_reached"
    )
}

/// Writes summaries under [`write_summary_header`]'s columns.
pub fn write_summary(
    out: &mut dyn Write,
    sweep: &Sweep,
    cells: &[crate::engine::sweep::CellSummary],
) -> std::io::Result<()> {
    for c in cells {
        write!(out, "{}", c.cell)?;
        for v in sweep.values(c.cell) {
            write!(out, ",{v}")?;
        }
        writeln!(
            out,
            ",{},{},{},{},{},{}",
            crate::csv::quote(&c.optimizer),
            c.runs,
            c.diverged,
            c.mean_loss,
            c.half_width,
            c.p_reached
        )?;
    }
    Ok(())
}

/// Writes rows under [`write_header`]'s columns; a missing value is an empty field.
pub fn write_rows(out: &mut dyn Write, minima: &[f64], rows: &[Row]) -> std::io::Result<()> {
    let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    let num = |v: f64| {
        if v != 0.0 && v.is_finite() && !(1e-4..1e16).contains(&v.abs()) {
            format!("{v:e}")
        } else {
            format!("{v}")
        }
    };
    for r in rows {
        write!(out, "{}", r.cell)?;
        for v in &r.values {
            write!(out, ",{}", num(*v))?;
        }
        let o = &r.outcome;
        writeln!(
            out,
            ",{},{},{},{},{},{},{},{},{}",
            r.seed,
            crate::csv::quote(&r.optimizer),
            num(o.final_loss),
            opt(o.steps_to_target),
            opt(o.evals_to_target),
            o.reached(),
            o.minimum.map_or(String::new(), |k| k.to_string()),
            o.minimum
                .and_then(|k| minima.get(k))
                .map_or(String::new(), |f| num(*f)),
            o.diverged
        )?;
    }
    Ok(())
}

/// `optiscope sweep merge`: every file must have the same header; the rows are sorted by
/// cell and seed (a job's rows stay in their racers' order), and a row seen twice (the same
/// cell, seed and optimizer) is an error.
fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    let mut header: Option<String> = None;
    let mut rows: Vec<((u64, u64), String, String)> = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        let mut lines = text.lines();
        let h = lines
            .next()
            .ok_or_else(|| UsageError(format!("{}: empty file", path.display())))?;
        match &header {
            Some(first) if first != h => {
                return Err(UsageError(format!(
                    "{}: its header differs from the first file's (shards of different sweeps?)",
                    path.display()
                ))
                .into());
            }
            Some(_) => {}
            None => header = Some(h.to_owned()),
        }
        let names: Vec<&str> = h.split(',').collect();
        let col = |name: &str| {
            names.iter().position(|n| *n == name).ok_or_else(|| {
                UsageError(format!(
                    "{}: no `{name}` column: not a sweep file",
                    path.display()
                ))
            })
        };
        let (cell, seed, optimizer) = (col("cell")?, col("seed")?, col("optimizer")?);
        for (k, line) in lines.enumerate().filter(|(_, l)| !l.is_empty()) {
            let fields = crate::csv::split(line);
            let bad = || UsageError(format!("{}:{}: a malformed row", path.display(), k + 2));
            let num = |i: usize| -> Result<u64, UsageError> {
                fields.get(i).and_then(|f| f.parse().ok()).ok_or_else(bad)
            };
            let key = (num(cell)?, num(seed)?);
            let name = fields.get(optimizer).ok_or_else(bad)?.clone();
            rows.push((key, name, line.to_owned()));
        }
    }
    rows.sort_by_key(|r| r.0);
    let mut seen = std::collections::HashSet::new();
    for ((cell, seed), name, _) in &rows {
        if !seen.insert((*cell, *seed, name.as_str())) {
            return Err(UsageError(format!(
                "cell {cell}, seed {seed}, optimizer {name} appears twice: the same shard merged twice?"
            ))
            .into());
        }
    }
    let mut out = output(&args.out)?;
    if let Some(h) = header {
        writeln!(out, "{h}")?;
    }
    for (_, _, line) in rows {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}
