//! Bounded histories for drawing long runs: every recent sample is kept, and older ones are
//! thinned by a shape-preserving decimation, so a 100 000-step run draws as fast as a short one.

use crate::engine::StepRecord;

/// Recent samples kept in full.
pub const RECENT: usize = 1024;
/// Bucket size for keeping loss extremes during decimation.
const BUCKET: usize = 16;

/// A sequence of step records, exact for the last [`RECENT`] and decimated before.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Decimated older samples, then the recent ones; in step order.
    samples: Vec<StepRecord>,
    /// Index in `samples` where the full-resolution tail starts.
    recent_from: usize,
    /// Samples received in total.
    received: u64,
}

impl History {
    /// Appends a record.
    pub fn push(&mut self, r: StepRecord) {
        self.samples.push(r);
        self.received += 1;
        if self.samples.len() - self.recent_from >= 2 * RECENT {
            self.compact();
        }
    }

    /// The samples to draw, in step order.
    pub fn samples(&self) -> &[StepRecord] {
        &self.samples
    }

    /// The last record.
    pub fn last(&self) -> Option<&StepRecord> {
        self.samples.last()
    }

    /// The first record (the start point).
    pub fn first(&self) -> Option<&StepRecord> {
        self.samples.first()
    }

    /// How many records arrived in total.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Moves every sample to its new drawn position after the plane's directions changed:
    /// `path` holds (step, position) for the engine's recorded steps, in step order; a sample
    /// takes the position of the nearest recorded step. The last sample's gradient becomes
    /// `grad_xy`.
    pub fn reproject(&mut self, path: &[(u64, [f64; 2])], grad_xy: [f64; 2]) {
        if path.is_empty() {
            return;
        }
        for s in &mut self.samples {
            let k = path.partition_point(|(step, _)| *step < s.step);
            let nearest = match (path.get(k.wrapping_sub(1)), path.get(k)) {
                (Some(a), Some(b)) => {
                    if s.step - a.0 <= b.0 - s.step {
                        a
                    } else {
                        b
                    }
                }
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => continue,
            };
            s.xy = nearest.1;
        }
        if let Some(last) = self.samples.last_mut() {
            last.grad_xy = grad_xy;
        }
    }

    /// Moves the older half of the full-resolution tail into the decimated part, thinning it;
    /// when the decimated part grows past its budget it is thinned again.
    fn compact(&mut self) {
        let split = self.samples.len() - RECENT;
        let old: Vec<StepRecord> = self.samples[self.recent_from..split].to_vec();
        let mut kept = self.samples[..self.recent_from].to_vec();
        kept.extend(decimate(&old));
        if kept.len() > 2 * RECENT {
            kept = decimate(&kept);
        }
        self.recent_from = kept.len();
        kept.extend_from_slice(&self.samples[split..]);
        self.samples = kept;
    }
}

/// Thins older samples while keeping the path's shape and the curves' spikes: a sample is kept
/// when it lies at least `tol` away from the last kept one (so every jump survives and only
/// clusters are thinned), with `tol` doubled until at most a quarter remain; in addition each
/// bucket of [`BUCKET`] samples keeps its lowest- and highest-loss samples. The first and last
/// samples always stay.
fn decimate(s: &[StepRecord]) -> Vec<StepRecord> {
    let n = s.len();
    if n <= 2 {
        return s.to_vec();
    }
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for r in s.iter().filter(|r| r.xy.iter().all(|v| v.is_finite())) {
        for k in 0..2 {
            lo[k] = lo[k].min(r.xy[k]);
            hi[k] = hi[k].max(r.xy[k]);
        }
    }
    let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    let mut keep = vec![false; n];
    if extent.is_finite() && extent > 0.0 {
        let mut tol = extent * 1e-4;
        loop {
            keep.fill(false);
            let mut last = s[0].xy;
            let mut kept = 0;
            for (i, r) in s.iter().enumerate().skip(1) {
                if dist(r.xy, last) >= tol {
                    keep[i] = true;
                    last = r.xy;
                    kept += 1;
                }
            }
            if kept <= n / 4 || tol > extent {
                break;
            }
            tol *= 2.0;
        }
    }
    keep[0] = true;
    keep[n - 1] = true;
    for (b, chunk) in s.chunks(BUCKET).enumerate() {
        let by_loss =
            |a: &(usize, &StepRecord), c: &(usize, &StepRecord)| a.1.loss.total_cmp(&c.1.loss);
        if let Some((i, _)) = chunk.iter().enumerate().min_by(by_loss) {
            keep[b * BUCKET + i] = true;
        }
        if let Some((i, _)) = chunk.iter().enumerate().max_by(by_loss) {
            keep[b * BUCKET + i] = true;
        }
    }
    s.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(r, _)| *r)
        .collect()
}

fn dist(p: [f64; 2], q: [f64; 2]) -> f64 {
    let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
    (dx * dx + dy * dy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Counts;

    fn rec(step: u64, xy: [f64; 2], loss: f64) -> StepRecord {
        StepRecord {
            metrics: [f64::NAN; 3],
            sharpness: [f64::NAN; 2],
            racer: 0,
            step,
            xy,
            grad_xy: [0.0; 2],
            loss,
            grad_norm: 0.0,
            dist_min: 0.0,
            step_length: 0.0,
            counts: Counts::default(),
            wall: 0.0,
            diagnostics: [f64::NAN; crate::optim::MAX_DIAGNOSTICS],
            seen: f64::NAN,
            estimate_xy: [f64::NAN; 2],
            estimator: [f64::NAN; 4],
        }
    }

    #[test]
    fn reprojection_moves_each_sample_to_its_step() {
        let mut h = History::default();
        for k in 0..10u64 {
            h.push(rec(k, [k as f64, 0.0], 1.0));
        }
        // The engine kept every second step.
        let path: Vec<(u64, [f64; 2])> = (0..10).step_by(2).map(|k| (k, [0.0, k as f64])).collect();
        h.reproject(&path, [1.0, 2.0]);
        let ys: Vec<f64> = h.samples().iter().map(|s| s.xy[1]).collect();
        assert_eq!(ys, vec![0.0, 0.0, 2.0, 2.0, 4.0, 4.0, 6.0, 6.0, 8.0, 8.0]);
        assert_eq!(h.last().unwrap().grad_xy, [1.0, 2.0]);
    }

    #[test]
    fn long_histories_stay_bounded_and_keep_recent_steps_exactly() {
        let mut h = History::default();
        for k in 0..100_000u64 {
            let t = k as f64 * 1e-3;
            h.push(rec(k, [t.cos(), t.sin()], 1.0 / (1.0 + t)));
        }
        let s = h.samples();
        assert!(s.len() <= 6 * RECENT, "kept {}", s.len());
        assert_eq!(h.received(), 100_000);
        assert_eq!(s[0].step, 0, "the start survives");
        assert!(s.windows(2).all(|w| w[0].step < w[1].step), "in order");
        let tail: Vec<u64> = s[s.len() - RECENT..].iter().map(|r| r.step).collect();
        assert_eq!(tail, (100_000 - RECENT as u64..100_000).collect::<Vec<_>>());
    }

    #[test]
    fn decimation_keeps_loss_spikes_and_corners() {
        let mut s: Vec<StepRecord> = (0..64).map(|k| rec(k, [k as f64, 0.0], 1.0)).collect();
        s[13].loss = 50.0;
        s[42].xy = [42.0, 9.0];
        let d = decimate(&s);
        assert!(d.len() < s.len());
        assert!(d.iter().any(|r| r.step == 13), "spike kept");
        assert!(d.iter().any(|r| r.step == 42), "corner kept");
    }

    #[test]
    fn decimation_keeps_every_big_jump() {
        // Newton-like: a few long jumps, then a long stay at the minimum.
        let jumps = [
            [-1.5, 2.0],
            [-1.45, 2.1],
            [0.2, -2.7],
            [0.21, 0.04],
            [1.0, 0.37],
            [1.0, 1.0],
        ];
        let s: Vec<StepRecord> = (0..256)
            .map(|k| {
                rec(
                    k,
                    jumps[(k as usize).min(jumps.len() - 1)],
                    1.0 / (1.0 + k as f64),
                )
            })
            .collect();
        let d = decimate(&s);
        assert!(d.len() <= s.len() / 2, "kept {}", d.len());
        for (k, j) in jumps.iter().enumerate() {
            assert!(d.iter().any(|r| r.xy == *j), "jump {k} to {j:?} lost");
        }
    }
}
