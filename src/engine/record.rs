//! What the engine records of each racer after a step: the record sent to the UI (projected
//! onto the plane) and the exact tape, plus the state they need (the previous iterate, the
//! overlay buffer).

use super::tape::{Tape, TapeRow};
use super::{Projection, Racer, StepRecord};
use crate::linalg::Vector;
use crate::optim::Overlay;

/// The engine's own state for one racer.
pub(super) struct Recorder {
    /// The iterate at the previous record (for the step length and the step section).
    pub prev: Vector,
    /// Whether `prev` holds a step's start yet.
    pub has_prev: bool,
    /// The step last recorded.
    pub recorded: Option<u64>,
    /// The exact trajectory.
    pub tape: Tape,
    /// The reused overlay buffer.
    pub overlay: Overlay,
    /// The step whose overlay was sent last.
    pub overlay_sent: Option<u64>,
    /// Whether its stop was reported.
    pub stop_reported: bool,
}

impl Recorder {
    pub fn new(dim: usize, tape_budget: usize) -> Self {
        Self {
            prev: Vector::zeros(dim),
            has_prev: false,
            recorded: None,
            tape: Tape::new(dim, tape_budget),
            overlay: Overlay::new(dim),
            overlay_sent: None,
            stop_reported: false,
        }
    }

    /// The record of `racer`'s current state, if it has a step not yet recorded; the tape
    /// records it too.
    pub fn record(
        &mut self,
        index: usize,
        racer: &Racer,
        projection: &Projection,
        minima: &[Vec<f64>],
        wall: f64,
    ) -> Option<StepRecord> {
        let step = racer.step_idx();
        if self.recorded == Some(step) {
            return None;
        }
        self.recorded = Some(step);
        let x = racer.x();
        let step_length = if self.has_prev {
            x.iter()
                .zip(&self.prev)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        } else {
            f64::NAN
        };
        let dist_min = minima
            .iter()
            .map(|m| {
                m.iter()
                    .zip(x)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(f64::NAN, f64::min);
        let counts = racer.counts();
        // A step whose clean values were not measured (a network measures every k steps) is
        // recorded with NaN for them, so that no record passes an old value off as new.
        let (loss, grad_norm, metrics) = if racer.measured() {
            (racer.loss(), racer.grad_norm(), racer.metrics().to_array())
        } else {
            (f64::NAN, f64::NAN, [f64::NAN; 3])
        };
        if let Some(coords) = x.as_slice() {
            self.tape.push(
                TapeRow {
                    step,
                    loss,
                    grad_norm,
                    seen: racer.seen(),
                    metrics,
                    counts,
                },
                coords,
            );
        }
        Some(StepRecord {
            racer: index as u32,
            step,
            xy: projection.project(x.view()),
            grad_xy: if racer.measured() {
                projection.project_direction(racer.grad().view())
            } else {
                [f64::NAN; 2]
            },
            loss,
            grad_norm,
            metrics,
            sharpness: racer.sharpness().unwrap_or([f64::NAN; 2]),
            seen: racer.seen(),
            dist_min,
            step_length,
            counts,
            wall,
            diagnostics: racer.diagnostics(),
            estimate_xy: racer
                .estimate()
                .map_or([f64::NAN; 2], |(_, g)| projection.project_direction(g)),
            estimator: racer.estimator_values(),
        })
    }

    /// Remembers the iterate before the next step.
    pub fn before_step(&mut self, racer: &Racer) {
        self.prev.assign(racer.x());
        self.has_prev = true;
    }
}
