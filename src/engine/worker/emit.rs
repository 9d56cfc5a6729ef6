//! What the engine sends: records, stops, overlays and views, flushed at most 60 times a
//! second without blocking.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::TrySendError;
use std::time::Instant;

use super::super::{Event, LensAt, LensKind, inspector, lens, overlay, views};
use super::{FLUSH_EVERY, VIEWS_EVERY, Worker};
use crate::problem::ViewBounds;

impl Worker {
    /// Appends one record per racer that took a step since the last record.
    pub(super) fn record(&mut self, wall: f64) {
        for (i, (rec, racer)) in self.recorders.iter_mut().zip(self.run.racers()).enumerate() {
            if let Some(r) = rec.record(i, racer, &self.projection, &self.minima, wall) {
                self.batch.push(r);
            }
        }
    }

    /// Queues a `Stopped` event for each racer that stopped since the last look.
    pub(super) fn report_stops(&mut self) {
        for i in 0..self.recorders.len() {
            let Some(reason) = self.run.racers()[i].stopped().cloned() else {
                continue;
            };
            if self.recorders[i].stop_reported {
                continue;
            }
            self.recorders[i].stop_reported = true;
            // Keep the order: the steps before the stop go first.
            self.push_batch();
            self.queue.push_back(Event::Stopped {
                run: self.run_id,
                racer: i as u32,
                reason,
            });
        }
    }

    pub(super) fn push_batch(&mut self) {
        if !self.batch.is_empty() {
            self.backlog.fetch_add(self.batch.len(), Ordering::Relaxed);
            let records = std::mem::take(&mut self.batch);
            self.queue.push_back(Event::Steps {
                run: self.run_id,
                records,
            });
        }
    }

    /// Queues the overlays of racers whose step changed since their last overlay.
    pub(super) fn push_overlays(&mut self) {
        let Some(window) = self.overlay_window() else {
            return;
        };
        let mut overlays = Vec::new();
        for (i, (rec, racer)) in self.recorders.iter_mut().zip(self.run.racers()).enumerate() {
            let step = racer.step_idx();
            if rec.overlay_sent == Some(step) {
                continue;
            }
            rec.overlay_sent = Some(step);
            racer.overlay(&mut rec.overlay);
            if rec.overlay.is_empty() {
                continue;
            }
            let mut drawn = overlay::project(
                &rec.overlay,
                &self.projection,
                window,
                step,
                self.run.objective(),
            );
            if let Some((from, g_hat)) = racer.estimate() {
                inspector::draw_estimate(
                    &mut drawn.items,
                    self.run.objective(),
                    &self.projection,
                    window,
                    from,
                    g_hat,
                );
            }
            overlays.push((i as u32, Arc::new(drawn)));
        }
        if !overlays.is_empty() {
            self.queue.push_back(Event::Overlays {
                run: self.run_id,
                overlays,
            });
        }
    }

    /// The window overlays are drawn for: the last landscape request's, or the scene's view.
    pub(super) fn overlay_window(&self) -> Option<ViewBounds> {
        Some(match self.window {
            Some((_, spec)) => spec.bounds,
            None => ViewBounds {
                x: (self.scene.view.x[0], self.scene.view.x[1]),
                y: (self.scene.view.y[0], self.scene.view.y[1]),
            },
        })
    }

    /// Queues the views the app shows, when the run moved on and a tenth of a second passed.
    pub(super) fn push_views(&mut self) {
        if self.views.is_empty()
            || self.views_step == Some(self.run.steps())
            || self.last_views.is_some_and(|t| t.elapsed() < VIEWS_EVERY)
        {
            return;
        }
        self.views_step = Some(self.run.steps());
        self.last_views = Some(Instant::now());
        let offered = self.run.objective().views();
        let Some(window) = self.overlay_window() else {
            return;
        };
        let frame = views::Frame {
            projection: &self.projection,
            plane: self.plane,
            window,
            start: &self.scene.start,
            followed: self.followed(),
        };
        for &kind in self.views.iter().filter(|k| offered.contains(k)) {
            let data = views::compute(
                kind,
                &self.run,
                &self.recorders,
                &self.minima,
                &frame,
                &mut self.smooth_cache,
            );
            self.priority.push_back(Event::View {
                run: self.run_id,
                data: Arc::new(data),
            });
        }
    }

    /// Queues the lens, when one is asked for and its point moved (a racer's step) or it was
    /// just asked for.
    pub(super) fn push_lens(&mut self) {
        let Some((kind, at)) = self.lens else {
            return;
        };
        let Some(window) = self.overlay_window() else {
            return;
        };
        // The cloud is drawn by the first racer whose method estimates gradients.
        let estimating = self
            .run
            .racers()
            .iter()
            .position(|r| r.method().config().estimator().is_some());
        let x = match at {
            LensAt::Racer(i) => {
                let i = match (kind, estimating) {
                    (LensKind::Cloud, Some(e)) => e as u32,
                    _ => i,
                };
                let Some(r) = self.run.racers().get(i as usize) else {
                    return;
                };
                if self.lens_step == Some(r.step_idx()) {
                    return;
                }
                self.lens_step = Some(r.step_idx());
                r.x().clone()
            }
            LensAt::Point(xy) => {
                if self.lens_step.is_some() {
                    return;
                }
                self.lens_step = Some(0);
                self.projection.lift(xy)
            }
        };
        let lens = match (kind, estimating) {
            (LensKind::Cloud, Some(e)) => inspector::cloud(
                &self.run.racers()[e],
                e as u32,
                self.run.objective(),
                self.run.noise(),
                &self.projection,
                window,
                &x,
                self.run.seed(),
                self.run.steps(),
                inspector::CLOUD_SIZE,
            ),
            (LensKind::Cloud, None) => None,
            _ => lens::compute(
                kind,
                self.run.objective(),
                &self.projection,
                window,
                x.view(),
            ),
        };
        self.priority.push_back(Event::Lens {
            run: self.run_id,
            lens: lens.map(Arc::new),
        });
    }

    /// Sends what is queued, without blocking; what does not fit waits for the next flush.
    pub(super) fn flush(&mut self, force: bool) {
        if force || self.last_flush.elapsed() >= FLUSH_EVERY {
            self.push_batch();
            self.push_overlays();
            self.push_lens();
            self.push_views();
            self.last_flush = Instant::now();
        }
        let mut sent = false;
        for queue in [&mut self.priority, &mut self.queue] {
            while let Some(event) = queue.pop_front() {
                match self.events.try_send(event) {
                    Ok(()) => sent = true,
                    Err(TrySendError::Full(event)) => {
                        queue.push_front(event);
                        break;
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        queue.clear();
                        break;
                    }
                }
            }
        }
        if sent {
            (self.wake)();
        }
    }
}
