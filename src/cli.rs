//! The headless command line: `optiscope run`, `optiscope sweep` and `optiscope list`.

pub mod sweep;

use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

use crate::engine::Run;
use crate::noise::NoiseChannel;
use crate::optim::Method;
use crate::params::Params;
use crate::problem::Problem;
use crate::scene::{MAX_RACERS, OptimizerSpec, Scene, SceneFile};
use crate::spec;

/// Watch optimization happen. With no command, opens the app on SCENE (or the default scene).
#[derive(Debug, Parser)]
#[command(name = "optiscope", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A scene file to open in the app.
    pub scene: Option<PathBuf>,
    /// A headless command.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Headless commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scene (or a race given by flags) headless and write a long-format CSV.
    Run(Box<RunArgs>),
    /// Run a scene over a grid of parameter values and seeds, on every core, and write one
    /// CSV row per cell, seed and optimizer; `sweep merge` joins the files of a sharded sweep.
    Sweep(Box<sweep::SweepCommand>),
    /// List every problem, method and noise channel with its parameters and defaults.
    List,
}

/// Arguments of `optiscope run`. Flags override the scene's values.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A scene file; without it the race is built from the flags (problem default: rosenbrock).
    pub scene: Option<PathBuf>,
    /// The problem, as `name` or `name:key=value,...` (e.g. `quadratic:kappa=50,angle=30`).
    #[arg(long, value_name = "SPEC")]
    pub problem: Option<String>,
    /// An optimizer, as `name` or `name:key=value,...`; repeat to race several. Replaces the
    /// scene's list.
    #[arg(long = "optimizer", value_name = "SPEC")]
    pub optimizers: Vec<String>,
    /// The start point, comma-separated (write `--start=-1.5,2`).
    #[arg(long, value_name = "X,Y,...", allow_hyphen_values = true)]
    pub start: Option<String>,
    /// Steps to take.
    #[arg(long, value_name = "N")]
    pub steps: Option<String>,
    /// The first seed.
    #[arg(long, value_name = "S")]
    pub seed: Option<String>,
    /// How many seeds to run, from S upward.
    #[arg(long, value_name = "N", default_value = "1")]
    pub seeds: String,
    /// A noise channel, as `name:key=value` (e.g. `grad:std=0.5`); repeat for several.
    #[arg(long = "noise", value_name = "SPEC")]
    pub noise: Vec<String>,
    /// Write the CSV here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The most seeds one `run` takes.
pub const MAX_SEEDS: u64 = 100_000;
/// The most `--noise` flags one `run` takes.
pub const MAX_NOISE_FLAGS: usize = 64;

/// Bad input: printed as one line, exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub(crate) fn parse_u64(s: &str, what: &str) -> Result<u64, UsageError> {
    s.trim()
        .parse()
        .map_err(|_| UsageError(format!("{what}: `{s}` is not a whole number ≥ 0")))
}

/// Builds the validated scene of a `run` invocation.
pub fn scene_for(args: &RunArgs) -> Result<Scene, UsageError> {
    let (mut file, origin) = match &args.scene {
        Some(path) => {
            let text =
                crate::scene::read_scene_text(path).map_err(|e| UsageError(e.to_string()))?;
            let origin = path.display().to_string();
            (
                SceneFile::parse(&text, &origin).map_err(|e| UsageError(e.to_string()))?,
                origin,
            )
        }
        None => (
            SceneFile::parse("version = 1", "command line")
                .map_err(|e| UsageError(e.to_string()))?,
            "command line".to_owned(),
        ),
    };
    let mut batch = None;
    if let Some(p) = &args.problem {
        let (p, b) = split_batch(p).map_err(UsageError)?;
        batch = b;
        file.problem = spec::parse(&p, "problem", Problem::keys()).map_err(UsageError)?;
        file.start = None;
        file.view = Default::default();
    }
    if args.optimizers.len() > MAX_RACERS {
        return Err(UsageError(format!(
            "{} --optimizer flags; a race has at most {MAX_RACERS}",
            args.optimizers.len()
        )));
    }
    if args.noise.len() > MAX_NOISE_FLAGS {
        return Err(UsageError(format!(
            "{} --noise flags; at most {MAX_NOISE_FLAGS}",
            args.noise.len()
        )));
    }
    if !args.optimizers.is_empty() {
        file.optimizers = args
            .optimizers
            .iter()
            .map(|o| spec::parse::<Method>(o, "optimizer", Method::keys()).map(OptimizerSpec::new))
            .collect::<Result<_, _>>()
            .map_err(UsageError)?;
    }
    if let Some(s) = &args.start {
        file.start = Some(spec::numbers(s, "--start").map_err(UsageError)?);
    }
    if let Some(s) = &args.steps {
        file.steps = parse_u64(s, "--steps")?;
    }
    if let Some(s) = &args.seed {
        file.seed = parse_u64(s, "--seed")?;
    }
    for n in &args.noise {
        let channel: NoiseChannel =
            spec::parse(n, "noise", NoiseChannel::keys()).map_err(UsageError)?;
        file.noise.set(channel);
    }
    if let Some(size) = batch {
        file.noise.batch.size = size;
    }
    if file.optimizers.is_empty() {
        return Err(UsageError(format!(
            "{origin}: no optimizers; give --optimizer SPEC (valid: {})",
            Method::keys().join(", ")
        )));
    }
    let scene = file
        .validate(&origin)
        .map_err(|e| UsageError(e.to_string()))?;
    if scene.racers().is_empty() {
        return Err(UsageError(format!(
            "{origin}: every optimizer is disabled (enabled = false)"
        )));
    }
    Ok(scene)
}

/// Takes `batch=B` out of a network's spec (`mlp:…,batch=32`): the mini-batch size belongs to
/// the noise model's `batch` channel, and the spec is a shorthand for `--noise batch:size=B`.
fn split_batch(spec: &str) -> Result<(String, Option<usize>), String> {
    let Some(rest) = spec.strip_prefix("mlp:") else {
        return Ok((spec.to_owned(), None));
    };
    let mut batch = None;
    let mut kept = Vec::new();
    for pair in rest.split(',') {
        match pair.split_once('=') {
            Some((k, v)) if k.trim() == "batch" => {
                batch = Some(v.trim().parse::<usize>().map_err(|_| {
                    format!(
                        "problem `mlp`: `batch`: `{}` is not a count of points",
                        v.trim()
                    )
                })?);
            }
            _ => kept.push(pair),
        }
    }
    Ok((format!("mlp:{}", kept.join(",")), batch))
}

/// A buffered writer to the file, or to standard output without one.
pub(crate) fn output(out: &Option<PathBuf>) -> Result<Box<dyn Write>, UsageError> {
    Ok(match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| UsageError(format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// `optiscope run`: runs every seed and writes the CSV.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let scene = scene_for(args)?;
    let seeds = parse_u64(&args.seeds, "--seeds")?;
    if !(1..=MAX_SEEDS).contains(&seeds) {
        return Err(UsageError(format!(
            "--seeds must be from 1 to {MAX_SEEDS}, got {seeds}"
        ))
        .into());
    }
    if scene.seed.checked_add(seeds - 1).is_none() {
        return Err(UsageError(format!(
            "--seed {} plus --seeds {seeds} runs past the largest seed, {}",
            scene.seed,
            u64::MAX
        ))
        .into());
    }
    let mut out = output(&args.out)?;
    let progress = std::io::stderr().is_terminal();
    write_csv(&scene, scene.seed, seeds, &mut out, progress)?;
    out.flush()?;
    Ok(())
}

/// Writes the long-format CSV for seeds `first..first + count`. Each seed's run is the one the
/// scene describes, its edits applied at their steps.
pub fn write_csv(
    scene: &Scene,
    first: u64,
    count: u64,
    out: &mut dyn Write,
    progress: bool,
) -> std::io::Result<()> {
    let data = crate::csv::is_data(&scene.problem);
    crate::csv::header(out, scene.problem.dim(), data)?;
    let racers = scene.racers();
    let mut last_report = Instant::now();
    for seed in (0..count).map(|k| first.wrapping_add(k)) {
        let mut run = Run::from_scene(&Scene {
            seed,
            ..scene.clone()
        });
        let mut written = vec![u64::MAX; racers.len()];
        let mut told = vec![false; racers.len()];
        for step in 0..=scene.steps {
            if step > 0 {
                run.step();
            }
            // A racer's row is written once per step it took, so the row of the step at which
            // it stopped (with its non-finite loss, if it diverged) is the last one.
            for (i, r) in run.racers().iter().enumerate() {
                if written[i] != r.step_idx() {
                    written[i] = r.step_idx();
                    crate::csv::row(
                        out,
                        &crate::csv::Row {
                            label: r.label(),
                            seed,
                            step: r.step_idx(),
                            counts: r.counts(),
                            loss: if r.measured() { r.loss() } else { f64::NAN },
                            grad_norm: if r.measured() {
                                r.grad_norm()
                            } else {
                                f64::NAN
                            },
                            seen: r.seen(),
                            metrics: data.then(|| {
                                if r.measured() {
                                    r.metrics().to_array()
                                } else {
                                    [f64::NAN; 3]
                                }
                            }),
                            x: r.x().as_slice().unwrap_or_default(),
                        },
                    )?;
                }
                if let (Some(reason), false) = (r.stopped(), told[i]) {
                    told[i] = true;
                    eprintln!("{} (seed {seed}): {reason}", r.label());
                }
            }
            if run.running() == 0 {
                break;
            }
            if progress && last_report.elapsed() > Duration::from_millis(200) {
                last_report = Instant::now();
                eprint!("\rseed {seed}: step {step}/{}", scene.steps);
            }
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    Ok(())
}

/// What a method asks of the oracle, in words.
fn needs_text(n: crate::optim::Needs) -> String {
    let mut parts = vec!["values"];
    if n.gradient {
        parts.push("gradients");
    }
    if n.hvp {
        parts.push("Hessian-vector products");
    }
    if n.hessian {
        parts.push("dense Hessians");
    }
    if n.dense_state {
        parts.push("a dense d×d state");
    }
    parts.join(", ")
}

/// `optiscope list`: every problem, method and noise channel with parameters and defaults.
pub fn list(out: &mut dyn Write) -> std::io::Result<()> {
    fn params(out: &mut dyn Write, p: &dyn Params) -> std::io::Result<()> {
        for (meta, value) in p.params() {
            let live = if meta.live { "live" } else { "    " };
            let options = if meta.options.is_empty() {
                String::new()
            } else {
                format!(" One of: {}.", meta.options.join(" | "))
            };
            writeln!(
                out,
                "      {:<26} default {:<8} {live}  {}{options}",
                meta.key, value, meta.doc
            )?;
        }
        Ok(())
    }
    writeln!(out, "PROBLEMS (--problem name:key=value,...)")?;
    for p in Problem::defaults() {
        writeln!(out, "  {:<16} d={:<3} {}", p.key(), p.dim(), p.summary())?;
        params(out, p.config())?;
    }
    writeln!(out, "\nMETHODS (--optimizer name:key=value,...)")?;
    for m in Method::defaults() {
        writeln!(
            out,
            "  {:<16} {:<10} {}",
            m.key(),
            m.order().label(),
            m.summary()
        )?;
        writeln!(out, "      needs: {}", needs_text(m.needs()))?;
        params(out, m.config())?;
    }
    writeln!(out, "\nNOISE CHANNELS (--noise name:key=value,...)")?;
    for n in NoiseChannel::defaults() {
        writeln!(out, "  {:<16} {}", n.key(), n.summary())?;
        params(out, n.config())?;
    }
    Ok(())
}
