//! The user interface: one file per panel. Panels are views of the [`View`] (what the app has
//! received from the engine) plus the edited [`Scene`](crate::scene::Scene); they never call an
//! objective or an optimizer, and they change things only by sending engine commands.

pub mod colormap;
pub mod controls;
pub mod curves;
pub mod fonts;
pub mod format;
pub mod heatmap;
pub mod history;
pub mod landscape;
pub mod status;
pub mod thin;

use std::sync::Arc;

use crate::engine::{Event, Grid, RunInfo, StepRecord, StopReason};
use history::History;

/// What the UI knows about one racer.
#[derive(Clone, Debug, Default)]
pub struct RacerView {
    /// Its records, decimated for drawing.
    pub history: History,
    /// The record before the last, for the step arrow.
    pub previous: Option<StepRecord>,
    /// Why it stopped, if it did.
    pub stopped: Option<StopReason>,
}

/// Everything the UI has received from the engine.
#[derive(Default)]
pub struct View {
    /// The current run, once started.
    pub info: Option<Arc<RunInfo>>,
    /// One entry per racer of the current run.
    pub racers: Vec<RacerView>,
    /// Whether the engine is playing.
    pub playing: bool,
    /// The newest landscape grid for the current problem, and whether it is the coarse preview.
    pub grid: Option<(Arc<Grid>, bool)>,
    /// Events applied so far (for tests and diagnostics).
    pub events: u64,
    /// Landscape grids accepted so far: coarse previews and finished grids.
    pub grids_received: [u64; 2],
}

impl View {
    /// The id of the current run (0 before the first).
    pub fn run(&self) -> u64 {
        self.info.as_ref().map_or(0, |i| i.run)
    }

    /// Applies one engine event; events of older runs are dropped.
    pub fn apply(&mut self, event: Event) {
        self.events += 1;
        match event {
            Event::Started(info) => {
                if self.info.as_ref().map(|i| i.landscape_epoch) != Some(info.landscape_epoch) {
                    // The landscape of another problem (or another slice) is stale.
                    self.grid = None;
                }
                self.racers = vec![RacerView::default(); info.labels.len()];
                self.info = Some(info);
            }
            Event::Retuned(info) => {
                if info.run == self.run() {
                    self.info = Some(info);
                }
            }
            Event::Steps { run, records } => {
                if run != self.run() {
                    return;
                }
                for r in records {
                    if let Some(v) = self.racers.get_mut(r.racer as usize) {
                        v.previous = v.history.last().copied();
                        v.history.push(r);
                    }
                }
            }
            Event::Stopped { run, racer, reason } => {
                if run == self.run()
                    && let Some(v) = self.racers.get_mut(racer as usize)
                {
                    v.stopped = Some(reason);
                }
            }
            Event::Playing(p) => self.playing = p,
            Event::Landscape {
                epoch,
                coarse,
                grid,
                ..
            } => {
                let fresh = self
                    .info
                    .as_ref()
                    .is_some_and(|i| i.landscape_epoch == epoch);
                let replaces_fine = coarse
                    && matches!(&self.grid, Some((g, false)) if g.spec.bounds == grid.spec.bounds);
                if fresh && !replaces_fine {
                    self.grids_received[usize::from(!coarse)] += 1;
                    self.grid = Some((grid, coarse));
                }
            }
        }
    }

    /// The largest step any racer has reached.
    pub fn max_step(&self) -> u64 {
        self.racers
            .iter()
            .filter_map(|r| r.history.last())
            .map(|r| r.step)
            .max()
            .unwrap_or(0)
    }
}
