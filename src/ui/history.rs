//! Bounded histories for drawing long runs: every recent sample is kept, and older ones are
//! thinned by a shape-preserving decimation, so a 100 000-step run draws as fast as a short one.

use crate::engine::StepRecord;

/// Recent samples kept in full.
pub const RECENT: usize = 1024;
/// Bucket size of one decimation pass; each bucket keeps at most four samples.
const BUCKET: usize = 8;

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

/// Keeps, from each bucket, its first sample, its lowest- and highest-loss samples (so curve
/// spikes survive) and the sample farthest from the chord between the bucket's ends (so the
/// trajectory's corners survive), in step order.
fn decimate(s: &[StepRecord]) -> Vec<StepRecord> {
    let mut out = Vec::with_capacity(s.len() / 2 + BUCKET);
    for b in s.chunks(BUCKET) {
        let mut idx = vec![0];
        let by_loss = |a: &&StepRecord, c: &&StepRecord| a.loss.total_cmp(&c.loss);
        if let Some(i) = b.iter().position(|r| Some(r) == b.iter().min_by(by_loss)) {
            idx.push(i);
        }
        if let Some(i) = b.iter().position(|r| Some(r) == b.iter().max_by(by_loss)) {
            idx.push(i);
        }
        let (p, q) = (b[0].xy, b[b.len() - 1].xy);
        let far = (0..b.len())
            .max_by(|&i, &j| chord_dist(p, q, b[i].xy).total_cmp(&chord_dist(p, q, b[j].xy)));
        idx.extend(far);
        idx.sort_unstable();
        idx.dedup();
        out.extend(idx.into_iter().map(|i| b[i]));
    }
    out
}

/// Distance of `r` from the segment p–q (from p when p = q).
fn chord_dist(p: [f64; 2], q: [f64; 2], r: [f64; 2]) -> f64 {
    let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((r[0] - p[0]) * dx + (r[1] - p[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (ex, ey) = (p[0] + t * dx - r[0], p[1] + t * dy - r[1]);
    (ex * ex + ey * ey).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Counts;

    fn rec(step: u64, xy: [f64; 2], loss: f64) -> StepRecord {
        StepRecord {
            racer: 0,
            step,
            xy,
            grad_xy: [0.0; 2],
            loss,
            grad_norm: 0.0,
            dist_min: 0.0,
            counts: Counts::default(),
            wall: 0.0,
        }
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
}
