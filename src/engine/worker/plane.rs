//! The drawn plane: built from the slice settings, moved to follow an iterate, and the grids
//! and re-projected paths that a new plane needs.

use std::sync::Arc;
use std::time::Instant;

use super::super::grids::Job;
use super::super::{Event, PlaneId, Projection};
use super::{VIEWS_EVERY, Worker};
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
        let key = (
            self.scene.problem.clone(),
            dim,
            slice.mode,
            slice.axes,
            if slice.mode == SliceMode::Random {
                slice.directions_seed ^ self.scene.seed
            } else {
                0
            },
        );
        let projection = Projection::new(&slice, &self.anchor(), self.scene.seed);
        if self.directions.as_ref() != Some(&key) {
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
    /// iterate has left it.
    pub(super) fn follow(&mut self) {
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
