//! The drawn plane: built from the slice settings, moved to follow an iterate, and the grids
//! and re-projected paths that a new plane needs.

use std::sync::Arc;
use std::time::Instant;

use super::super::directions;
use super::super::grids::Job;
use super::super::{Event, PlaneId, Projection};
use super::{VIEWS_EVERY, Worker};

/// How often a fitted plane (PCA, Hessian) is fitted again while the run moves.
const REFIT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
use crate::scene::{Slice, SliceMode};

impl Worker {
    /// The point the plane passes through: the followed racer's iterate, or the start.
    pub(super) fn anchor(&self) -> Vec<f64> {
        let followed = self.scene.view.slice.follow.and_then(|k| {
            let i = self
                .scene
                .entries
                .iter()
                .take(k + 1)
                .filter(|e| e.enabled)
                .count()
                .checked_sub(1)?;
            self.run.racers().get(i).map(|r| r.x().to_vec())
        });
        followed.unwrap_or_else(|| self.scene.start.clone())
    }

    /// Rebuilds the projection after the slice settings or the run changed. A change of
    /// directions starts a new plane epoch and re-projects the recorded paths; a plane that only
    /// moved keeps its epoch. `fresh` is set for a new run (its history is empty).
    pub(super) fn replane(&mut self, fresh: bool) {
        let slice: Slice = self.scene.view.slice;
        let dim = self.run.objective().dim();
        if fresh {
            self.refits = 0;
        }
        let key = (
            self.scene.problem.clone(),
            dim,
            slice.mode,
            slice.axes,
            match slice.mode {
                SliceMode::Coordinates => 0,
                // A fitted plane's directions change with every refit.
                m if m.is_fitted() => (slice.directions_seed ^ self.scene.seed)
                    .wrapping_add(self.refits.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                _ => slice.directions_seed ^ self.scene.seed,
            },
        );
        let anchor = self.anchor();
        let same = self.directions.as_ref() == Some(&key);
        let projection = if same && slice.mode.is_offset() && slice.mode != SliceMode::Random {
            let mut p = self.projection.clone();
            p.move_through(ndarray::ArrayView1::from(&anchor));
            p
        } else {
            self.build_projection(&slice, &anchor)
        };
        if !same {
            self.directions = Some(key);
            self.plane = PlaneId {
                epoch: self.plane.epoch + 1,
                version: 0,
            };
            self.projection = projection;
            if !fresh {
                self.send_replaned();
            }
            self.queue
                .push_back(Event::Retuned(Arc::new(self.info(false))));
        } else if projection != self.projection {
            self.plane.version += 1;
            self.projection = projection;
        } else {
            return;
        }
        self.submit_grid();
    }

    /// The plane `slice` asks for through `anchor`: fitted planes from the run's state, with
    /// the previous plane's signs.
    fn build_projection(&self, slice: &Slice, anchor: &[f64]) -> Projection {
        let seed = self.scene.seed ^ slice.directions_seed;
        let objective = self.run.objective();
        if objective.dim() <= 2 {
            return Projection::new(slice, anchor, self.scene.seed);
        }
        let previous = (self.projection.dim() == anchor.len() && self.projection.axes().is_none())
            .then_some(&self.projection);
        match slice.mode {
            SliceMode::Coordinates | SliceMode::Random => {
                Projection::new(slice, anchor, self.scene.seed)
            }
            SliceMode::FilterNormalized => directions::filter_normalized(objective, anchor, seed),
            SliceMode::Hessian => directions::hessian(objective, anchor, previous, seed),
            SliceMode::Pca => {
                let path = self.followed_path();
                let refs: Vec<&[f64]> = path.iter().map(Vec::as_slice).collect();
                directions::pca(&refs, anchor, previous).unwrap_or_else(|| {
                    // Too short a path: filter-normalized directions until it has grown.
                    let mut p = directions::filter_normalized(objective, anchor, seed);
                    p.rename([
                        "α (PCA once the path has grown)".into(),
                        "β (filter-normalized meanwhile)".into(),
                    ]);
                    p
                })
            }
        }
    }

    /// The followed racer's index in the run (the first racer when the plane follows none).
    pub(super) fn followed(&self) -> Option<usize> {
        let k = self.scene.view.slice.follow;
        let i = match k {
            Some(k) => self
                .scene
                .entries
                .iter()
                .take(k + 1)
                .filter(|e| e.enabled)
                .count()
                .checked_sub(1)?,
            None => 0,
        };
        (i < self.run.racers().len()).then_some(i)
    }

    /// Up to [`directions::PCA_POINTS`] points of the followed racer's recorded path, evenly
    /// spaced, ending at its iterate.
    fn followed_path(&self) -> Vec<Vec<f64>> {
        let Some(i) = self.followed() else {
            return Vec::new();
        };
        let rows: Vec<&[f64]> = self.recorders[i].tape.rows().map(|(_, x)| x).collect();
        let keep = directions::PCA_POINTS - 1;
        let mut path: Vec<Vec<f64>> = if rows.len() <= keep {
            rows.iter().map(|x| x.to_vec()).collect()
        } else {
            (0..keep)
                .map(|k| rows[k * (rows.len() - 1) / (keep - 1)].to_vec())
                .collect()
        };
        path.push(self.run.racers()[i].x().to_vec());
        path
    }

    /// Sends every recorded step's new drawn position, after the directions changed.
    pub(super) fn send_replaned(&mut self) {
        let paths = self
            .recorders
            .iter()
            .map(|r| {
                r.tape
                    .rows()
                    .map(|(row, x)| {
                        (
                            row.step,
                            self.projection.project(ndarray::ArrayView1::from(x)),
                        )
                    })
                    .collect()
            })
            .collect();
        let grad_xy = self
            .run
            .racers()
            .iter()
            .map(|r| self.projection.project_direction(r.grad().view()))
            .collect();
        self.push_batch();
        self.queue.push_back(Event::Replaned {
            run: self.run_id,
            plane: self.plane,
            paths,
            grad_xy,
        });
        for r in &mut self.recorders {
            r.overlay_sent = None;
        }
        // A racer's lens is drawn again in the new plane (a point lens waits for the cursor).
        if matches!(self.lens, Some((_, super::super::LensAt::Racer(_)))) {
            self.lens_step = None;
        }
    }

    /// Moves a following plane to its racer's iterate, at most 10 times a second, when the
    /// iterate has left it; refits a fitted plane (PCA, Hessian) every [`REFIT_EVERY`] while
    /// the run moves, and when it comes to rest.
    pub(super) fn follow(&mut self) {
        let mode = self.scene.view.slice.mode;
        let steps = self.run.racers().iter().map(|r| r.step_idx()).max();
        // A run at rest (paused after its steps) is refitted at once, so the picture matches it.
        let resting = !self.playing && self.steps_left == 0;
        if mode.is_fitted()
            && self.run.objective().dim() > 2
            && (resting || self.last_refit.elapsed() >= REFIT_EVERY)
            && steps != self.refit_at
        {
            self.last_refit = Instant::now();
            self.refit_at = steps;
            self.refits += 1;
            self.replane(false);
            return;
        }
        if self.scene.view.slice.follow.is_none()
            || self.run.objective().dim() <= 2
            || self.last_move.elapsed() < VIEWS_EVERY
        {
            return;
        }
        let anchor = self.anchor();
        let off = self
            .projection
            .off_plane(ndarray::ArrayView1::from(&anchor));
        let width = self
            .window
            .map_or(1.0, |(_, s)| (s.bounds.x.1 - s.bounds.x.0).abs());
        if off > 1e-3 * width {
            self.last_move = Instant::now();
            self.projection
                .move_through(ndarray::ArrayView1::from(&anchor));
            self.plane.version += 1;
            self.submit_grid();
        }
    }

    /// Asks the landscape thread for the last requested window in the current plane.
    pub(super) fn submit_grid(&mut self) {
        if let Some((id, spec)) = self.window {
            self.grids.submit(Job {
                id,
                plane: self.plane,
                spec,
                objective: self.run.shared_objective(),
                projection: self.projection.clone(),
            });
        }
    }
}
