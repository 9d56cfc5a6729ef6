//! Landscape grids: objective values over a window of the drawn plane, contour levels and
//! contour polylines. Computed on the engine side, rows in parallel, and shared with the UI
//! behind an `Arc`.

use std::collections::HashMap;

use rayon::prelude::*;

use super::Projection;
use crate::linalg::Vector;
use crate::problem::{Objective, ViewBounds};

/// What to compute: a window, a resolution and a number of contour levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridSpec {
    /// The window.
    pub bounds: ViewBounds,
    /// Samples along x.
    pub nx: usize,
    /// Samples along y.
    pub ny: usize,
    /// Contour levels to trace.
    pub levels: usize,
    /// When positive, the grid holds the smoothed objective f_σ(x) = E f(x + σu), u ~ N(0, I),
    /// with this σ: what a zeroth-order method with that smoothing radius descends.
    pub smoothing: f64,
}

/// One contour level and its polylines, in data coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Contour {
    /// The level f = c.
    pub level: f64,
    /// Polylines; a closed one repeats its first point at the end.
    pub lines: Vec<Vec<[f64; 2]>>,
}

/// Sampled objective values over a window, row-major from the bottom row (y = min) up.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The spec it was computed for.
    pub spec: GridSpec,
    /// `ny` rows of `nx` values; non-finite values are possible.
    pub values: Vec<f64>,
    /// The smallest finite value.
    pub min: f64,
    /// The largest finite value.
    pub max: f64,
    /// Contours at quantiles of the sampled values.
    pub contours: Vec<Contour>,
}

impl Grid {
    /// The sample at column `i`, row `j`.
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.values[j * self.spec.nx + i]
    }

    /// The x coordinate of column `i`.
    pub fn x(&self, i: usize) -> f64 {
        lerp(self.spec.bounds.x, i, self.spec.nx)
    }

    /// The y coordinate of row `j`.
    pub fn y(&self, j: usize) -> f64 {
        lerp(self.spec.bounds.y, j, self.spec.ny)
    }
}

pub(super) fn lerp((lo, hi): (f64, f64), i: usize, n: usize) -> f64 {
    lo + (hi - lo) * i as f64 / (n.max(2) - 1) as f64
}

/// Samples `objective` over `spec`'s window of the plane `projection`.
pub fn compute(objective: &dyn Objective, projection: &Projection, spec: GridSpec) -> Grid {
    let spec = GridSpec {
        nx: spec.nx.max(2),
        ny: spec.ny.max(2),
        ..spec
    };
    with_contours(spec, sample(objective, projection, spec, &|| false), None)
}

/// The objective's values over the window of the plane (or the smoothed objective's, see
/// [`GridSpec::smoothing`]), rows in parallel; rows are skipped (left NaN) once `cancelled` says
/// so, and the caller then discards the result.
pub(super) fn sample(
    objective: &dyn Objective,
    projection: &Projection,
    spec: GridSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Vec<f64> {
    if spec.smoothing > 0.0 && spec.smoothing.is_finite() {
        return super::smoothing::sample(objective, projection, spec, cancelled);
    }
    sample_plain(objective, projection, spec, cancelled)
}

pub(super) fn sample_plain(
    objective: &dyn Objective,
    projection: &Projection,
    spec: GridSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Vec<f64> {
    if projection.axes().is_none() {
        let (u, v) = projection.directions();
        if let Some(plane) = objective.plane(projection.origin().view(), u.view(), v.view()) {
            return plane_rows(spec, cancelled, &|xy| plane.value(xy));
        }
    }
    rows(projection, spec, cancelled, &|p, _| {
        objective.value(p.view())
    })
}

/// `at(xy)` at every grid point, rows in parallel; rows are skipped once `cancelled` says so.
fn plane_rows(
    spec: GridSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
    at: &(dyn Fn([f64; 2]) -> f64 + Sync),
) -> Vec<f64> {
    let (nx, ny) = (spec.nx, spec.ny);
    let mut values = vec![f64::NAN; nx * ny];
    values.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
        if cancelled() {
            return;
        }
        let y = lerp(spec.bounds.y, j, ny);
        for (i, v) in row.iter_mut().enumerate() {
            *v = at([lerp(spec.bounds.x, i, nx), y]);
        }
    });
    values
}

/// `at(p, scratch)` at every grid point p lifted into parameter space, rows in parallel (each
/// row with its own scratch vector); rows are skipped once `cancelled` says so.
pub(super) fn rows(
    projection: &Projection,
    spec: GridSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
    at: &(dyn Fn(&Vector, &mut Vector) -> f64 + Sync),
) -> Vec<f64> {
    let (nx, ny) = (spec.nx, spec.ny);
    let mut values = vec![f64::NAN; nx * ny];
    values.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
        if cancelled() {
            return;
        }
        let (mut p, mut scratch) = (
            Vector::zeros(projection.dim()),
            Vector::zeros(projection.dim()),
        );
        let y = lerp(spec.bounds.y, j, ny);
        for (i, v) in row.iter_mut().enumerate() {
            projection.lift_into([lerp(spec.bounds.x, i, nx), y], &mut p);
            *v = at(&p, &mut scratch);
        }
    });
    values
}

/// A grid of `values` with its range and contours: at `levels` when given, else at quantiles
/// of the values.
pub(super) fn with_contours(spec: GridSpec, values: Vec<f64>, levels: Option<Vec<f64>>) -> Grid {
    let (min, max) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let (min, max) = if min <= max { (min, max) } else { (0.0, 0.0) };
    let levels = levels.unwrap_or_else(|| {
        // Contour levels need quantiles, not exact order statistics: a strided sample of at
        // most about 16 000 values is sorted instead of the whole grid.
        let stride = (values.len() / 16_384).max(1);
        let mut sample: Vec<f64> = values
            .iter()
            .step_by(stride)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        sample.sort_unstable_by(f64::total_cmp);
        quantile_levels(&sample, spec.levels)
    });
    let grid = Grid {
        spec,
        values,
        min,
        max,
        contours: Vec::new(),
    };
    let contours = levels
        .par_iter()
        .map(|&level| Contour {
            level,
            lines: trace(&grid, level),
        })
        .collect();
    Grid { contours, ..grid }
}

/// `n` distinct levels at evenly spaced quantiles of the sorted values, so that contours spread
/// over the picture whatever the function's range.
fn quantile_levels(sorted: &[f64], n: usize) -> Vec<f64> {
    if sorted.is_empty() || n == 0 {
        return Vec::new();
    }
    let mut levels: Vec<f64> = (0..n)
        .map(|k| {
            let q = (k as f64 + 0.5) / n as f64;
            // Quantiles of a squared scale pack more contours near the minimum.
            let idx = ((q * q) * (sorted.len() - 1) as f64).round() as usize;
            sorted[idx]
        })
        .collect();
    levels.dedup();
    levels
}

/// Marching squares for one level; segments are joined into polylines through shared edges.
fn trace(grid: &Grid, level: f64) -> Vec<Vec<[f64; 2]>> {
    let (nx, ny) = (grid.spec.nx, grid.spec.ny);
    // Edge ids: horizontal edge (i, j)→(i+1, j) is 2(j·nx + i); vertical (i, j)→(i, j+1) is +1.
    let h_edge = |i: usize, j: usize| 2 * (j * nx + i);
    let v_edge = |i: usize, j: usize| 2 * (j * nx + i) + 1;
    let point = |edge: usize| -> Option<[f64; 2]> {
        let k = edge / 2;
        let (i, j) = (k % nx, k / nx);
        let (i2, j2) = if edge.is_multiple_of(2) {
            (i + 1, j)
        } else {
            (i, j + 1)
        };
        let (a, b) = (grid.at(i, j), grid.at(i2, j2));
        let t = ((level - a) / (b - a)).clamp(0.0, 1.0);
        let t = if t.is_finite() { t } else { 0.5 };
        let (x1, y1, x2, y2) = (grid.x(i), grid.y(j), grid.x(i2), grid.y(j2));
        Some([x1 + t * (x2 - x1), y1 + t * (y2 - y1)])
    };
    let mut segments: Vec<[usize; 2]> = Vec::new();
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let c = [
                grid.at(i, j),
                grid.at(i + 1, j),
                grid.at(i + 1, j + 1),
                grid.at(i, j + 1),
            ];
            if !c.iter().all(|v| v.is_finite()) {
                continue;
            }
            let case = c
                .iter()
                .enumerate()
                .fold(0, |m, (k, v)| m | (usize::from(*v > level) << k));
            // Edges: bottom, right, top, left.
            let (b, r, t, l) = (
                h_edge(i, j),
                v_edge(i + 1, j),
                h_edge(i, j + 1),
                v_edge(i, j),
            );
            let centre_above = (c.iter().sum::<f64>() / 4.0) > level;
            match case {
                0 | 15 => {}
                1 | 14 => segments.push([l, b]),
                2 | 13 => segments.push([b, r]),
                3 | 12 => segments.push([l, r]),
                4 | 11 => segments.push([r, t]),
                6 | 9 => segments.push([b, t]),
                7 | 8 => segments.push([l, t]),
                5 => {
                    if centre_above {
                        segments.extend([[l, t], [b, r]]);
                    } else {
                        segments.extend([[l, b], [r, t]]);
                    }
                }
                10 => {
                    if centre_above {
                        segments.extend([[l, b], [r, t]]);
                    } else {
                        segments.extend([[l, t], [b, r]]);
                    }
                }
                _ => {}
            }
        }
    }
    // Simplify each polyline to within a quarter cell: invisible on screen, and several times
    // fewer vertices for the renderer.
    let cell = ((grid.x(1) - grid.x(0)).abs()).min((grid.y(1) - grid.y(0)).abs());
    join(&segments)
        .into_iter()
        .filter_map(|chain| chain.into_iter().map(point).collect::<Option<Vec<_>>>())
        .map(|line| simplify(&line, 0.25 * cell))
        .collect()
}

/// Ramer–Douglas–Peucker: drops points closer than `tol` to the simplified line, keeping the
/// end points (so closed rings stay closed).
fn simplify(line: &[[f64; 2]], tol: f64) -> Vec<[f64; 2]> {
    if line.len() < 3 {
        return line.to_vec();
    }
    let mut keep = vec![false; line.len()];
    keep[0] = true;
    keep[line.len() - 1] = true;
    let mut stack = vec![(0, line.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (p, q) = (line[a], line[b]);
        let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
        let len = (dx * dx + dy * dy).sqrt();
        let mut best = (0.0, a);
        for (i, r) in line.iter().enumerate().take(b).skip(a + 1) {
            let d = if len > 0.0 {
                ((r[0] - p[0]) * dy - (r[1] - p[1]) * dx).abs() / len
            } else {
                ((r[0] - p[0]).powi(2) + (r[1] - p[1]).powi(2)).sqrt()
            };
            if d > best.0 {
                best = (d, i);
            }
        }
        if best.0 > tol {
            keep[best.1] = true;
            stack.push((a, best.1));
            stack.push((best.1, b));
        }
    }
    line.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

/// Joins segments that share edge ids into chains of edge ids.
fn join(segments: &[[usize; 2]]) -> Vec<Vec<usize>> {
    let mut at: HashMap<usize, [usize; 2]> = HashMap::with_capacity(segments.len() * 2);
    for (s, seg) in segments.iter().enumerate() {
        for e in seg {
            at.entry(*e)
                .and_modify(|v| v[1] = s)
                .or_insert([s, usize::MAX]);
        }
    }
    let mut used = vec![false; segments.len()];
    let mut chains = Vec::new();
    let other_seg = |e: usize, s: usize| -> Option<usize> {
        let v = at.get(&e)?;
        let o = if v[0] == s { v[1] } else { v[0] };
        (o != usize::MAX).then_some(o)
    };
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut chain: std::collections::VecDeque<usize> =
            segments[start].iter().copied().collect();
        // Walk forward from the second end, then backward from the first.
        for forward in [true, false] {
            let mut seg = start;
            loop {
                let end = if forward {
                    chain[chain.len() - 1]
                } else {
                    chain[0]
                };
                let Some(next) = other_seg(end, seg).filter(|n| !used[*n]) else {
                    break;
                };
                used[next] = true;
                let [a, b] = segments[next];
                let new = if a == end { b } else { a };
                if forward {
                    chain.push_back(new)
                } else {
                    chain.push_front(new)
                }
                seg = next;
            }
        }
        chains.push(chain.into_iter().collect());
    }
    chains
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Problem, SphereConfig};

    fn sphere_grid(n: usize, levels: usize) -> Grid {
        let f = Problem::Sphere(SphereConfig { d: 2 }).build();
        let bounds = ViewBounds {
            x: (-2.0, 2.0),
            y: (-2.0, 2.0),
        };
        compute(
            f.as_ref(),
            &Projection::new(&crate::scene::Slice::default(), &[0.0, 0.0], 0),
            GridSpec {
                bounds,
                nx: n,
                ny: n,
                levels,
                smoothing: 0.0,
            },
        )
    }

    #[test]
    fn samples_match_the_objective() {
        let g = sphere_grid(41, 0);
        assert_eq!(g.values.len(), 41 * 41);
        assert_eq!(g.at(20, 20), 0.0);
        assert!((g.at(0, 0) - 8.0).abs() < 1e-12);
        assert!((g.at(40, 20) - 4.0).abs() < 1e-12);
        assert_eq!((g.min, g.max), (0.0, 8.0));
    }

    #[test]
    fn simplification_keeps_corners_and_drops_collinear_points() {
        let line: Vec<[f64; 2]> = (0..=10)
            .map(|i| [i as f64, 0.0])
            .chain((1..=10).map(|i| [10.0, i as f64]))
            .collect();
        assert_eq!(
            simplify(&line, 0.01),
            vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]
        );
    }

    #[test]
    fn sphere_contours_are_closed_circles() {
        let g = sphere_grid(201, 6);
        assert_eq!(g.contours.len(), 6);
        for c in &g.contours {
            let r = c.level.sqrt();
            if r >= 1.95 {
                continue;
            }
            assert_eq!(
                c.lines.len(),
                1,
                "level {} should be one closed ring",
                c.level
            );
            let line = &c.lines[0];
            assert_eq!(line.first(), line.last(), "the ring closes");
            for p in line {
                let pr = (p[0] * p[0] + p[1] * p[1]).sqrt();
                assert!(
                    (pr - r).abs() < 0.02,
                    "point {p:?} off the circle of radius {r}"
                );
            }
        }
    }
}
