//! Problem views and point queries, computed on the engine thread from the run's state.

use super::landscape::{self, GridSpec};
use super::record::Recorder;
use super::{PlaneId, Projection, QueryReply, Run};
use crate::linalg::Vector;
use crate::problem::ViewBounds;
use crate::problem::view::{MAX_SHOWN, PROFILE_POINTS, PathProfile, Profiles, Section};
use crate::problem::{ViewData, ViewKind};

/// Samples along a step section.
const SECTION_SAMPLES: usize = 97;
/// The section's range, in units of the step.
const SECTION_RANGE: (f64, f64) = (-0.5, 2.5);

/// Points per side of the decision view's grid (one forward pass of 6 400 rows per racer).
const DECISION_SIDE: usize = 80;

/// Inputs a tuning curve is drawn at.
const TUNING_POINTS: usize = 161;

/// Samples per side of the smoothed view's grid (exact convolution in 2-D), and beyond 2-D,
/// where every sample costs [`super::smoothing::SMOOTHING_SAMPLES`] evaluations on the engine
/// thread.
const SMOOTHED_SIDE: usize = 96;
const SMOOTHED_SIDE_SAMPLED: usize = 40;

/// The last smoothed grid and what it was computed for (σ, the window, the plane). It is
/// computed again when the window or the plane changes, or when σ has moved by more than 15%
/// from the σ it was computed at: a σ that adapts every step (CMA-ES, SPSA's c_k) then asks
/// for a new grid only now and then, and a fixed σ is shown exactly.
#[derive(Debug, Default)]
pub(super) struct SmoothCache {
    key: Option<([u64; 4], PlaneId)>,
    sigma: f64,
    values: Vec<f64>,
}

/// Where the views are drawn: the plane, its id and the landscape's window.
pub(super) struct Frame<'a> {
    pub projection: &'a Projection,
    pub plane: PlaneId,
    pub window: ViewBounds,
    /// The run's start θ₀.
    pub start: &'a [f64],
    /// The racer the plane follows (or the first).
    pub followed: Option<usize>,
}

/// The data of `kind` for the run's current state.
pub(super) fn compute(
    kind: ViewKind,
    run: &Run,
    recorders: &[Recorder],
    minima: &[Vec<f64>],
    frame: &Frame<'_>,
    cache: &mut SmoothCache,
) -> ViewData {
    match kind {
        ViewKind::Smoothed => smoothed(run, frame, cache),
        ViewKind::Profiles => ViewData::Profiles(profiles(run, recorders, frame)),
        ViewKind::Decision => {
            let racers = iterates(run);
            // A problem without data offers no such view; asked anyway, it answers empty.
            ViewData::Decision(
                run.objective()
                    .input_space(&racers, DECISION_SIDE)
                    .unwrap_or_else(|| crate::problem::view::InputSpace {
                        classes: Vec::new(),
                        features: Vec::new(),
                        bounds: frame.window,
                        nx: 0,
                        ny: 0,
                        surfaces: Vec::new(),
                        points: Vec::new(),
                        labels: Vec::new(),
                        test: Vec::new(),
                        painted: 0,
                        network: None,
                        confusion: Vec::new(),
                        paintable: false,
                    }),
            )
        }
        ViewKind::Tuning => {
            let racers = iterates(run);
            ViewData::Tuning(
                run.objective()
                    .tuning(&racers, TUNING_POINTS)
                    .unwrap_or_else(|| crate::problem::view::TuningCurve {
                        x: Vec::new(),
                        target: Vec::new(),
                        racers: Vec::new(),
                        inputs: Vec::new(),
                        transfer: String::new(),
                    }),
            )
        }
        ViewKind::Section => ViewData::Section(
            recorders
                .iter()
                .enumerate()
                .map(|(i, rec)| section(run, i, &rec.prev, rec.has_prev))
                .collect(),
        ),
        ViewKind::Coordinates => {
            let dim = run.objective().dim();
            let racers: Vec<Vec<f64>> = run
                .racers()
                .iter()
                .map(|r| r.x().iter().take(MAX_SHOWN).copied().collect())
                .collect();
            let first = run.racers().first().map(|r| r.x());
            let minimum = first.and_then(|x| {
                minima
                    .iter()
                    .min_by(|a, b| distance(a, x).total_cmp(&distance(b, x)))
                    .map(|m| m.iter().take(MAX_SHOWN).copied().collect())
            });
            ViewData::Coordinates {
                racers,
                minimum,
                dim,
            }
        }
    }
}

/// Each racer's index and iterate.
fn iterates(run: &Run) -> Vec<(u32, ndarray::ArrayView1<'_, f64>)> {
    run.racers()
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u32, r.x().view()))
        .collect()
}

/// f_σ over the window at the first smoothing racer's σ (or at the cached σ within 15% of it).
fn smoothed(run: &Run, frame: &Frame<'_>, cache: &mut SmoothCache) -> ViewData {
    let points = run
        .racers()
        .iter()
        .map(|r| frame.projection.project(r.x().view()))
        .collect();
    let found = run.racers().iter().enumerate().find_map(|(i, r)| {
        r.smoothing_radius()
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| (i as u32, s))
    });
    let Some((racer, sigma)) = found else {
        return ViewData::Smoothed {
            values: Vec::new(),
            nx: 0,
            ny: 0,
            bounds: frame.window,
            sigma: f64::NAN,
            racer: None,
            points,
        };
    };
    let side = if frame.projection.dim() <= 2 {
        SMOOTHED_SIDE
    } else {
        SMOOTHED_SIDE_SAMPLED
    };
    let b = frame.window;
    let key = (
        [
            b.x.0.to_bits(),
            b.x.1.to_bits(),
            b.y.0.to_bits(),
            b.y.1.to_bits(),
        ],
        frame.plane,
    );
    if cache.key != Some(key) || (sigma / cache.sigma - 1.0).abs() > 0.15 {
        let spec = GridSpec {
            bounds: b,
            nx: side,
            ny: side,
            levels: 0,
            smoothing: sigma,
        };
        cache.values = landscape::sample(run.objective(), frame.projection, spec, &|| false);
        cache.key = Some(key);
        cache.sigma = sigma;
    }
    let sigma = cache.sigma;
    ViewData::Smoothed {
        values: cache.values.clone(),
        nx: side,
        ny: side,
        bounds: b,
        sigma,
        racer: Some(racer),
        points,
    }
}

/// Positions on the line from θ₀ to an iterate: a quarter of the way beyond each end.
const INTERPOLATION_SAMPLES: usize = 49;

/// The loss on the line from the start to each racer's iterate, and along the followed
/// racer's recorded path beside the plane's loss at its projection; evaluations in parallel.
fn profiles(run: &Run, recorders: &[Recorder], frame: &Frame<'_>) -> Profiles {
    use rayon::prelude::*;
    let objective = run.objective();
    let start = ndarray::ArrayView1::from(frame.start);
    let alpha: Vec<f64> = (0..INTERPOLATION_SAMPLES)
        .map(|k| -0.25 + 1.5 * k as f64 / (INTERPOLATION_SAMPLES - 1) as f64)
        .collect();
    let interpolation = run
        .racers()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.x().len() == start.len())
        .map(|(i, r)| {
            let x = r.x().view();
            let f = alpha
                .par_iter()
                .map(|&a| {
                    let p = &start * (1.0 - a) + &(&x * a);
                    objective.value(p.view())
                })
                .collect();
            (i as u32, f)
        })
        .collect();
    let path = frame.followed.and_then(|i| {
        let racer = run.racers().get(i)?;
        let rows: Vec<(u64, &[f64])> = recorders
            .get(i)?
            .tape
            .rows()
            .map(|(row, x)| (row.step, x))
            .filter(|(step, _)| *step < racer.step_idx())
            .collect();
        let keep = PROFILE_POINTS - 1;
        let mut picked: Vec<(u64, &[f64])> = if rows.len() <= keep {
            rows
        } else {
            (0..keep)
                .map(|k| rows[k * (rows.len() - 1) / (keep - 1)])
                .collect()
        };
        let current = racer.x().as_slice()?;
        picked.push((racer.step_idx(), current));
        let projection = frame.projection;
        let evaluated: Vec<[f64; 4]> = picked
            .par_iter()
            .map(|(_, x)| {
                let x = ndarray::ArrayView1::from(*x);
                let on_plane = projection.lift(projection.project(x));
                let from_start = (&x - &start).dot(&(&x - &start)).sqrt();
                [
                    objective.value(x),
                    objective.value(on_plane.view()),
                    projection.off_plane(x),
                    from_start,
                ]
            })
            .collect();
        let column = |k: usize| evaluated.iter().map(|e| e[k]).collect();
        Some(PathProfile {
            racer: i as u32,
            steps: picked.iter().map(|(s, _)| *s).collect(),
            loss: column(0),
            plane: column(1),
            off_plane: column(2),
            from_start: column(3),
        })
    });
    Profiles {
        alpha,
        interpolation,
        path,
    }
}

fn distance(a: &[f64], x: &Vector) -> f64 {
    a.iter().zip(x).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// f along racer `i`'s last step (from `prev` to its iterate), or along −∇f when it has not
/// moved.
fn section(run: &Run, i: usize, prev: &Vector, has_prev: bool) -> Section {
    let r = &run.racers()[i];
    let objective = run.objective();
    let x = r.x();
    let mut dir = x - prev;
    let mut from = prev.clone();
    let mut length = dir.dot(&dir).sqrt();
    let along_gradient = !has_prev || length.is_nan() || length <= 0.0;
    if along_gradient {
        // A tenth of the distance the gradient would go with unit step, capped to stay local.
        let g = r.grad();
        let gn = g.dot(g).sqrt();
        from = x.clone();
        dir = if gn > 0.0 {
            -(g / gn) * gn.min(1.0) * 0.1
        } else {
            Vector::zeros(x.len())
        };
        length = dir.dot(&dir).sqrt();
    }
    let mut p = Vector::zeros(x.len());
    let (lo, hi) = SECTION_RANGE;
    let t: Vec<f64> = (0..SECTION_SAMPLES)
        .map(|k| lo + (hi - lo) * k as f64 / (SECTION_SAMPLES - 1) as f64)
        .collect();
    let f = t
        .iter()
        .map(|&t| {
            p.assign(&from);
            p.scaled_add(t, &dir);
            objective.value(p.view())
        })
        .collect();
    Section {
        racer: i as u32,
        step: r.step_idx(),
        t,
        f,
        length,
        along_gradient,
    }
}

/// f and ∇f at the point of the plane drawn at `xy`, and the distance from the plane of the
/// recorded step of a racer nearest to the asked one.
pub(super) fn query(
    id: u64,
    run_id: u64,
    run: &Run,
    projection: &Projection,
    xy: [f64; 2],
    nearest: Option<(u32, u64)>,
    recorders: &[Recorder],
) -> QueryReply {
    let objective = run.objective();
    let x = projection.lift(xy);
    let mut g = Vector::zeros(x.len());
    let f = objective.value_and_gradient_into(x.view(), g.view_mut());
    let off_plane = nearest.and_then(|(racer, step)| {
        let (row, coords) = recorders.get(racer as usize)?.tape.nearest(step)?;
        let d = projection.off_plane(ndarray::ArrayView1::from(coords));
        Some((racer, row.step, d))
    });
    QueryReply {
        id,
        run: run_id,
        xy,
        f,
        grad_norm: g.dot(&g).sqrt(),
        off_plane,
    }
}
