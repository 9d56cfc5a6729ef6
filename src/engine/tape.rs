//! The exact record of a racer's trajectory, kept by the engine: every coordinate, the clean
//! loss and gradient norm, and the counts, at every step while it fits in its budget; past the
//! budget it keeps every k-th step (k doubling each time it fills) plus the newest one. Export
//! and the re-projection of histories onto a new plane read it; the UI's thinned histories are
//! views of it.

use crate::optim::Counts;

/// Memory for all the tapes of one run, in bytes: every step of the first 41 000 or so of each
/// of eight racers on a 2-D problem (327 000 of a lone racer) before the first thinning.
pub const TAPE_BUDGET: usize = 33 << 20;

/// One recorded step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TapeRow {
    /// The racer's step (0 is the start).
    pub step: u64,
    /// The clean loss.
    pub loss: f64,
    /// The clean gradient norm.
    pub grad_norm: f64,
    /// The mean function value the method saw in the step (NaN if none).
    pub seen: f64,
    /// A data problem's training accuracy, test loss and test accuracy (NaN otherwise, and at
    /// steps that were not measured, as loss and gradient norm are then).
    pub metrics: [f64; 3],
    /// Cumulative oracle counts.
    pub counts: Counts,
}

/// A racer's exact trajectory, bounded.
#[derive(Clone, Debug, PartialEq)]
pub struct Tape {
    dim: usize,
    capacity: usize,
    stride: u64,
    rows: Vec<TapeRow>,
    coords: Vec<f64>,
    /// The newest step, kept also when the stride skips it.
    last: Option<TapeRow>,
    last_x: Vec<f64>,
}

impl Tape {
    /// An empty tape for a problem of dimension `dim`, holding at most about `budget` bytes.
    pub fn new(dim: usize, budget: usize) -> Self {
        let row = std::mem::size_of::<TapeRow>() + 8 * dim;
        Self {
            dim,
            capacity: (budget / row).max(256),
            stride: 1,
            rows: Vec::new(),
            coords: Vec::new(),
            last: None,
            last_x: vec![0.0; dim],
        }
    }

    /// Records a step with its iterate `x`.
    pub fn push(&mut self, row: TapeRow, x: &[f64]) {
        debug_assert_eq!(x.len(), self.dim);
        if row.step.is_multiple_of(self.stride) {
            if self.rows.len() >= self.capacity {
                self.thin();
            }
            if row.step.is_multiple_of(self.stride) {
                self.rows.push(row);
                self.coords.extend_from_slice(x);
            }
        }
        self.last = Some(row);
        self.last_x.copy_from_slice(x);
    }

    /// Keeps every other kept step (those at multiples of twice the stride).
    fn thin(&mut self) {
        let stride = 2 * self.stride;
        let dim = self.dim;
        let mut kept = 0;
        for k in 0..self.rows.len() {
            if self.rows[k].step.is_multiple_of(stride) {
                self.rows[kept] = self.rows[k];
                self.coords.copy_within(k * dim..(k + 1) * dim, kept * dim);
                kept += 1;
            }
        }
        self.rows.truncate(kept);
        self.coords.truncate(kept * dim);
        self.stride = stride;
    }

    /// Every k-th step is kept; k is 1 until the tape first fills.
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// The recorded steps in order, each with its iterate; the newest step comes last even when
    /// the stride skips it.
    pub fn rows(&self) -> impl Iterator<Item = (&TapeRow, &[f64])> {
        let dim = self.dim;
        let newest = self
            .last
            .as_ref()
            .filter(|l| self.rows.last().is_none_or(|r| r.step != l.step))
            .map(|l| (l, self.last_x.as_slice()));
        self.rows
            .iter()
            .enumerate()
            .map(move |(k, r)| (r, &self.coords[k * dim..(k + 1) * dim]))
            .chain(newest)
    }

    /// The recorded step nearest to `step`, with its iterate.
    pub fn nearest(&self, step: u64) -> Option<(&TapeRow, &[f64])> {
        self.rows().min_by_key(|(r, _)| r.step.abs_diff(step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(step: u64) -> TapeRow {
        TapeRow {
            step,
            loss: step as f64,
            grad_norm: 0.0,
            metrics: [f64::NAN; 3],
            seen: f64::NAN,
            counts: Counts::default(),
        }
    }

    #[test]
    fn the_budget_keeps_long_runs_of_a_full_race_exactly() {
        // Eight racers on a 2-D problem: every step of 40 000 each before the first thinning,
        // within the budget.
        let t = Tape::new(2, TAPE_BUDGET / 8);
        assert!(t.capacity >= 40_000, "{}", t.capacity);
        let row = std::mem::size_of::<TapeRow>() + 16;
        assert!(8 * t.capacity * row <= TAPE_BUDGET);
    }

    #[test]
    fn keeps_every_step_until_full_then_every_kth_plus_the_newest() {
        let mut t = Tape::new(2, 0);
        assert_eq!(t.capacity, 256);
        for s in 0..256 {
            t.push(row(s), &[s as f64, -(s as f64)]);
        }
        assert_eq!(t.stride(), 1);
        assert_eq!(t.rows().count(), 256);
        for s in 256..1001 {
            t.push(row(s), &[s as f64, -(s as f64)]);
        }
        assert!(t.stride() >= 4, "stride {}", t.stride());
        let rows: Vec<(u64, Vec<f64>)> = t.rows().map(|(r, x)| (r.step, x.to_vec())).collect();
        assert!(rows.len() <= 257);
        assert_eq!(
            rows.last().map(|r| r.0),
            Some(1000),
            "the newest step stays"
        );
        for (s, x) in &rows {
            assert_eq!(
                x,
                &vec![*s as f64, -(*s as f64)],
                "coordinates stay with their step"
            );
        }
        let kept: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let stride = t.stride();
        let mut expected: Vec<u64> = (0..1001).step_by(stride as usize).collect();
        if expected.last() != Some(&1000) {
            expected.push(1000);
        }
        assert_eq!(kept, expected);
        assert_eq!(t.nearest(999).map(|(r, _)| r.step), Some(1000));
    }
}
