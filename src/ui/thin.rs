//! Screen-space thinning for drawing: a plot never needs more points than it has pixels, so
//! long series are reduced before egui_plot sees them. Both thinnings keep the first and last
//! points, and so the shape as drawn.

/// Drops points that lie within `min_px` pixels of the last kept point, given the scale in
/// pixels per data unit along each axis. Non-finite points are skipped.
pub fn by_distance(
    points: impl Iterator<Item = [f64; 2]>,
    px_per_unit: [f64; 2],
    min_px: f64,
) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::new();
    let mut pending: Option<[f64; 2]> = None;
    let min2 = min_px * min_px;
    for p in points.filter(|p| p[0].is_finite() && p[1].is_finite()) {
        match out.last() {
            None => out.push(p),
            Some(q) => {
                let dx = (p[0] - q[0]) * px_per_unit[0];
                let dy = (p[1] - q[1]) * px_per_unit[1];
                if dx * dx + dy * dy >= min2 {
                    out.push(p);
                    pending = None;
                } else {
                    pending = Some(p);
                }
            }
        }
    }
    out.extend(pending);
    out
}

/// Keeps, in each of `buckets` equal slices of the x range, the points with the smallest and
/// largest y (in x order), so that spikes survive: the classic min/max decimation for line
/// charts. `y` maps a sample to its value; samples must be in increasing x.
pub fn min_max<T>(
    samples: &[T],
    x: impl Fn(&T) -> f64,
    y: impl Fn(&T) -> f64,
    buckets: usize,
) -> Vec<[f64; 2]> {
    let n = samples.len();
    if n <= 2 * buckets.max(1) {
        return samples
            .iter()
            .map(|s| [x(s), y(s)])
            .filter(|p| p[1].is_finite())
            .collect();
    }
    let (x0, x1) = (x(&samples[0]), x(&samples[n - 1]));
    let scale = buckets as f64 / (x1 - x0).max(f64::MIN_POSITIVE);
    // Truncation is the floor here: x − x0 ≥ 0 for samples in increasing x.
    let bucket = |s: &T| ((x(s) - x0) * scale) as usize;
    let mut out = Vec::with_capacity(2 * buckets + 2);
    let mut i = 0;
    while i < n {
        // The extremes among the bucket's finite values: a metric measured only now and then
        // (a network's, every k steps) has NaN between its measurements.
        let b = bucket(&samples[i]);
        let mut extremes: Option<((usize, f64), (usize, f64))> = None;
        let mut j = i;
        while j < n && bucket(&samples[j]) == b {
            let v = y(&samples[j]);
            if v.is_finite() {
                extremes = Some(match extremes {
                    None => ((j, v), (j, v)),
                    Some((lo, hi)) => (
                        if v < lo.1 { (j, v) } else { lo },
                        if v > hi.1 { (j, v) } else { hi },
                    ),
                });
            }
            j += 1;
        }
        if let Some(((lo, _), (hi, _))) = extremes {
            let (a, c) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            out.push([x(&samples[a]), y(&samples[a])]);
            if c != a {
                out.push([x(&samples[c]), y(&samples[c])]);
            }
        }
        i = j;
    }
    if let Some(last) = samples.last() {
        let p = [x(last), y(last)];
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out.retain(|p| p[1].is_finite());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_thinning_keeps_ends_and_far_points() {
        let pts: Vec<[f64; 2]> = (0..1000).map(|k| [k as f64 * 1e-3, 0.0]).collect();
        let thin = by_distance(pts.iter().copied(), [100.0, 100.0], 1.0);
        // 1 px is 0.01 data units: about 100 points survive, plus the last.
        assert!((95..=102).contains(&thin.len()), "{}", thin.len());
        assert_eq!(thin[0], pts[0]);
        assert_eq!(*thin.last().unwrap(), pts[999]);
    }

    /// A series measured every 100th sample, NaN between, keeps every measurement however
    /// finely the buckets are cut.
    #[test]
    fn min_max_keeps_sparse_measurements() {
        let ys: Vec<f64> = (0..10_000)
            .map(|k| if k % 100 == 0 { k as f64 } else { f64::NAN })
            .collect();
        let idx: Vec<usize> = (0..ys.len()).collect();
        let thin = min_max(&idx, |k| *k as f64, |k| ys[*k], 300);
        assert_eq!(thin.len(), 100, "{thin:?}");
        assert!(thin.iter().all(|p| p[1] == p[0]));
    }

    #[test]
    fn min_max_keeps_spikes() {
        let mut s: Vec<(f64, f64)> = (0..10_000).map(|k| (k as f64, 1.0)).collect();
        s[4321].1 = 99.0;
        s[777].1 = -5.0;
        let out = min_max(&s, |p| p.0, |p| p.1, 100);
        assert!(out.len() <= 202);
        assert!(out.contains(&[4321.0, 99.0]) && out.contains(&[777.0, -5.0]));
        assert_eq!(out[0], [0.0, 1.0]);
        assert_eq!(*out.last().unwrap(), [9999.0, 1.0]);
        assert!(out.windows(2).all(|w| w[0][0] < w[1][0]));
    }
}
