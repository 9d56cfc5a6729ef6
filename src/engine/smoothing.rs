//! The smoothed landscape f_σ(x) = E f(x + σu), u ~ N(0, I): what a zeroth-order method with
//! smoothing radius σ really descends. In the plane of a problem of at most two dimensions it is
//! exact up to the grid: a Gaussian convolution of f sampled on a padded grid. Beyond, the
//! smoothing also reaches the coordinates off the plane, and f_σ is a mean over fixed
//! directions.

use rayon::prelude::*;

use super::Projection;
use super::landscape::{GridSpec, rows, sample_plain};
use crate::problem::{Objective, ViewBounds};

/// Monte Carlo samples of f_σ per grid point for problems of more than two dimensions (in
/// antithetic pairs, the same for every point, so that the surface stays smooth).
pub const SMOOTHING_SAMPLES: usize = 64;

/// f_σ over `spec`'s window (σ = `spec.smoothing` > 0), rows in parallel; rows are skipped
/// once `cancelled` says so.
pub(super) fn sample(
    objective: &dyn Objective,
    projection: &Projection,
    spec: GridSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Vec<f64> {
    let sigma = spec.smoothing;
    if projection.dim() <= 2 {
        // f_σ varies on the scale of σ: a grid of spacing σ/16 resolves it, and is
        // resampled to the size asked for (a fine window with a large σ would otherwise
        // convolve with kernels hundreds of samples wide).
        let fit = |(lo, hi): (f64, f64), n: usize| {
            (((hi - lo) / (sigma / 16.0)).ceil() as usize + 1)
                .max(16)
                .min(n)
        };
        let (mx, my) = (fit(spec.bounds.x, spec.nx), fit(spec.bounds.y, spec.ny));
        let coarse = GridSpec {
            nx: mx,
            ny: my,
            ..spec
        };
        let values = smoothed_on_grid(objective, projection, coarse, cancelled);
        return resample(&values, (mx, my), (spec.nx, spec.ny));
    }
    smoothed_by_sampling(objective, projection, spec, cancelled)
}

/// f_σ in the plane of a problem of at most two dimensions, exactly up to the grid's
/// resolution: f sampled on the window padded by 4σ, then convolved with the Gaussian kernel,
/// one axis after the other (the Gaussian is separable). The padding is capped at twice the
/// window; the kernel is renormalised where it is cut.
fn smoothed_on_grid(
    objective: &dyn Objective,
    projection: &Projection,
    spec: GridSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Vec<f64> {
    let (nx, ny) = (spec.nx, spec.ny);
    let hx = (spec.bounds.x.1 - spec.bounds.x.0) / (nx - 1) as f64;
    let hy = (spec.bounds.y.1 - spec.bounds.y.0) / (ny - 1) as f64;
    let sigma = spec.smoothing;
    let pad = |h: f64, n: usize| ((4.0 * sigma / h).ceil() as usize).min(2 * n);
    let (px, py) = (pad(hx, nx), pad(hy, ny));
    let wide = GridSpec {
        bounds: ViewBounds {
            x: (
                spec.bounds.x.0 - px as f64 * hx,
                spec.bounds.x.1 + px as f64 * hx,
            ),
            y: (
                spec.bounds.y.0 - py as f64 * hy,
                spec.bounds.y.1 + py as f64 * hy,
            ),
        },
        nx: nx + 2 * px,
        ny: ny + 2 * py,
        ..spec
    };
    let f = sample_plain(objective, projection, wide, cancelled);
    if cancelled() {
        return vec![f64::NAN; nx * ny];
    }
    let kernel = |h: f64, r: usize| -> Vec<f64> {
        (0..=2 * r)
            .map(|k| {
                let t = (k as f64 - r as f64) * h / sigma;
                (-0.5 * t * t).exp()
            })
            .collect()
    };
    let (kx, ky) = (kernel(hx, px), kernel(hy, py));
    // Along x: each wide row to nx values.
    let wx = wide.nx;
    let mut along_x = vec![0.0; nx * wide.ny];
    along_x.par_chunks_mut(nx).enumerate().for_each(|(j, out)| {
        let row = &f[j * wx..(j + 1) * wx];
        for (i, o) in out.iter_mut().enumerate() {
            *o = convolve(&row[i..i + kx.len()], &kx, 1);
        }
    });
    // Along y: columns of the x-smoothed rows.
    let mut values = vec![f64::NAN; nx * ny];
    values.par_chunks_mut(nx).enumerate().for_each(|(j, out)| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = convolve(&along_x[j * nx + i..], &ky, nx);
        }
    });
    values
}

/// Bilinear resampling of an `from.0 × from.1` grid (rows from the bottom up) to `to`, over the
/// same window.
fn resample(values: &[f64], from: (usize, usize), to: (usize, usize)) -> Vec<f64> {
    if from == to {
        return values.to_vec();
    }
    let ((mx, my), (nx, ny)) = (from, to);
    let coordinate = |i: usize, n: usize, m: usize| -> (usize, f64) {
        let t = i as f64 * (m - 1) as f64 / (n.max(2) - 1) as f64;
        let k = (t.floor() as usize).min(m - 2);
        (k, t - k as f64)
    };
    let mut out = vec![f64::NAN; nx * ny];
    out.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
        let (b, v) = coordinate(j, ny, my);
        for (i, o) in row.iter_mut().enumerate() {
            let (a, u) = coordinate(i, nx, mx);
            let at = |x: usize, y: usize| values[y * mx + x];
            *o = (1.0 - v) * ((1.0 - u) * at(a, b) + u * at(a + 1, b))
                + v * ((1.0 - u) * at(a, b + 1) + u * at(a + 1, b + 1));
        }
    });
    out
}

/// Σ k_m v_{m·stride} / Σ k_m over the finite values (a cut or non-finite sample drops out).
fn convolve(v: &[f64], k: &[f64], stride: usize) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (m, w) in k.iter().enumerate() {
        let x = v[m * stride];
        if x.is_finite() {
            num += w * x;
            den += w;
        }
    }
    if den > 0.0 { num / den } else { f64::NAN }
}

/// f_σ for a problem of more than two dimensions, where the smoothing also reaches the
/// coordinates off the plane: the mean of f(x + σuₖ) over [`SMOOTHING_SAMPLES`] fixed
/// antithetic directions ±uₖ (common random numbers, so neighbouring points share them).
fn smoothed_by_sampling(
    objective: &dyn Objective,
    projection: &Projection,
    spec: GridSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Vec<f64> {
    use rand::SeedableRng as _;
    use rand_distr::{Distribution as _, StandardNormal};
    let d = projection.dim();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(0x5EED_F00D);
    let half = SMOOTHING_SAMPLES / 2;
    let dirs: Vec<f64> = (0..half * d)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect::<Vec<f64>>();
    let sigma = spec.smoothing;
    rows(projection, spec, cancelled, &|p, q| {
        let mut sum = 0.0;
        for u in dirs.chunks_exact(d) {
            for sign in [1.0, -1.0] {
                for ((qi, pi), ui) in q.iter_mut().zip(p.iter()).zip(u) {
                    *qi = pi + sign * sigma * ui;
                }
                sum += objective.value(q.view());
            }
        }
        sum / (2 * half) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::super::landscape::{Grid, compute};
    use super::*;
    use crate::problem::Problem;

    /// f_σ of `problem` over [−2, 2]² at n × n.
    fn smoothed(problem: &str, n: usize, sigma: f64) -> Grid {
        let p: Problem = crate::spec::parse(problem, "problem", Problem::keys()).unwrap();
        let f = p.build();
        let start = vec![0.0; f.dim()];
        compute(
            f.as_ref(),
            &Projection::new(&crate::scene::Slice::default(), &start, 0),
            GridSpec {
                bounds: ViewBounds {
                    x: (-2.0, 2.0),
                    y: (-2.0, 2.0),
                },
                nx: n,
                ny: n,
                levels: 4,
                smoothing: sigma,
            },
        )
    }

    #[test]
    fn resampling_is_exact_for_a_bilinear_surface() {
        // v = 1 + 2x + 3y + xy on the unit square, sampled 5 × 4, resampled to 9 × 7.
        let v = |x: f64, y: f64| 1.0 + 2.0 * x + 3.0 * y + x * y;
        let grid = |nx: usize, ny: usize| -> Vec<f64> {
            (0..ny)
                .flat_map(|j| {
                    (0..nx).map(move |i| v(i as f64 / (nx - 1) as f64, j as f64 / (ny - 1) as f64))
                })
                .collect()
        };
        let out = resample(&grid(5, 4), (5, 4), (9, 7));
        for (a, b) in out.iter().zip(grid(9, 7)) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn smoothing_adds_the_variance_to_a_bowl_and_damps_ripples() {
        // f = x² + y²: f_σ = f + 2σ², everywhere in the window (the padding makes the edges
        // exact too).
        let g = smoothed("sphere", 101, 0.3);
        for (i, j) in [(50, 50), (0, 0), (100, 37), (20, 80)] {
            let (x, y) = (g.x(i), g.y(j));
            let want = x * x + y * y + 2.0 * 0.09;
            assert!(
                (g.at(i, j) - want).abs() < 2e-3,
                "({x}, {y}): {}",
                g.at(i, j)
            );
        }
        // Rastrigin: E cos(2π(x + σz)) = cos(2πx)·e^(−2π²σ²), so at the origin
        // f_σ = 20 + 2σ² − 20e^(−2π²σ²) (two coordinates).
        let sigma = 0.2;
        let g = smoothed("rastrigin", 401, sigma);
        let want = 20.0 + 2.0 * sigma * sigma
            - 20.0 * (-2.0 * std::f64::consts::PI.powi(2) * sigma * sigma).exp();
        assert!(
            (g.at(200, 200) - want).abs() < 0.02 * want,
            "{} vs {want}",
            g.at(200, 200)
        );
        // Beyond two dimensions the smoothing reaches the other coordinates: on the 5-D
        // sphere, f_σ = ‖x‖² + 5σ² (Monte Carlo over 64 fixed directions).
        let g = smoothed("sphere:d=5", 21, 0.3);
        let excess = g.at(10, 10) - g.x(10).powi(2) - g.y(10).powi(2);
        assert!((excess / (5.0 * 0.09) - 1.0).abs() < 0.25, "{excess}");
        let far = g.at(3, 17) - g.x(3).powi(2) - g.y(17).powi(2);
        assert!(
            (far - excess).abs() < 1e-9,
            "common directions: {far} vs {excess}"
        );
    }
}
