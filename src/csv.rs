//! The long-format trajectory CSV: one row per optimizer per recorded step, read by header
//! name. `optiscope run` writes it while it steps; the app's export writes the engine's exact
//! tapes through the same functions, so the two agree byte for byte.
//!
//! Columns: `optimizer, seed, step, f_evals, g_evals, h_evals, hv_evals, loss, grad_norm, seen`,
//! then, for a data problem (a network), `accuracy, test_loss, test_accuracy`, then
//! `x0 … x{d−1}` when d ≤ 16. `loss` and `grad_norm` are clean values, outside the counts;
//! `seen` is the mean of the function values the method saw in that step, noise included (NaN
//! if it asked for none). A network measures its clean values every k steps (its
//! `measure_every`); the rows of the other steps carry NaN in `loss`, `grad_norm` and the three
//! metrics, so every number in the file was measured at its own step.

use std::io::{self, Write};

use crate::engine::{Snapshot, TapeRow};
use crate::optim::Counts;

/// The most coordinates written as columns.
pub const MAX_COORDS: usize = 16;

/// How many coordinate columns a problem of dimension `dim` gets.
pub fn coords(dim: usize) -> usize {
    if dim <= MAX_COORDS { dim } else { 0 }
}

/// Writes the header row; `data` adds the metric columns of a data problem.
pub fn header(out: &mut dyn Write, dim: usize, data: bool) -> io::Result<()> {
    write!(
        out,
        "optimizer,seed,step,f_evals,g_evals,h_evals,hv_evals,loss,grad_norm,seen"
    )?;
    if data {
        write!(out, ",accuracy,test_loss,test_accuracy")?;
    }
    for i in 0..coords(dim) {
        write!(out, ",x{i}")?;
    }
    writeln!(out)
}

/// One racer's state at one step.
pub struct Row<'a> {
    /// The racer's label.
    pub label: &'a str,
    /// The run's seed.
    pub seed: u64,
    /// The step.
    pub step: u64,
    /// Cumulative oracle counts.
    pub counts: Counts,
    /// The clean loss.
    pub loss: f64,
    /// The clean gradient norm.
    pub grad_norm: f64,
    /// The mean function value the method saw in the step.
    pub seen: f64,
    /// A data problem's accuracy, test loss and test accuracy (`None`: not a data problem).
    pub metrics: Option<[f64; 3]>,
    /// The iterate (all coordinates; only the first few are written, see [`coords`]).
    pub x: &'a [f64],
}

/// Writes one row.
pub fn row(out: &mut dyn Write, r: &Row<'_>) -> io::Result<()> {
    let c = r.counts;
    write!(
        out,
        "{},{},{},{},{},{},{},{},{},{}",
        field(r.label),
        r.seed,
        r.step,
        c.f,
        c.g,
        c.h,
        c.hv,
        r.loss,
        r.grad_norm,
        r.seen
    )?;
    if let Some([a, tl, ta]) = r.metrics {
        write!(out, ",{a},{tl},{ta}")?;
    }
    for v in r.x.iter().take(coords(r.x.len())) {
        write!(out, ",{v}")?;
    }
    writeln!(out)
}

/// Writes a snapshot's tapes: the header, then the rows in step order, racers in index order
/// within a step (as `optiscope run` writes them). Returns the number of rows.
pub fn write_tapes(out: &mut dyn Write, snapshot: &Snapshot) -> io::Result<usize> {
    let dim = snapshot.replay.problem.dim();
    let data = is_data(&snapshot.replay.problem);
    header(out, dim, data)?;
    let seed = snapshot.replay.seed;
    let mut rows: Vec<(u64, usize, &TapeRow, &[f64])> = snapshot
        .tapes
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.rows().map(move |(r, x)| (r.step, i, r, x)))
        .collect();
    rows.sort_by_key(|(step, i, _, _)| (*step, *i));
    for (_, i, r, x) in &rows {
        row(
            out,
            &Row {
                label: &snapshot.labels[*i],
                seed,
                step: r.step,
                counts: r.counts,
                loss: r.loss,
                grad_norm: r.grad_norm,
                seen: r.seen,
                metrics: data.then_some(r.metrics),
                x,
            },
        )?;
    }
    Ok(rows.len())
}

/// Whether a problem has data (and so the metric columns).
pub fn is_data(problem: &crate::problem::Problem) -> bool {
    matches!(problem, crate::problem::Problem::Mlp(_))
}

/// Quotes a field when it needs it.
pub fn quote(s: &str) -> String {
    field(s)
}

/// The fields of one CSV line, quotes undone (`"a,b"` is one field, `""` inside quotes one `"`).
pub fn split(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = out.last_mut() {
                    f.push('"');
                }
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => {
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    out
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
