//! The landscape thread: computes one grid at a time, a coarse preview first and then the full
//! resolution. A new request replaces the pending one and cancels the one in flight (its
//! remaining rows are skipped), so there is never more than one grid in flight and a moving
//! view or a followed iterate never queues stale work. Results go to the engine thread, which
//! sends them on with its other events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::landscape::{self, GridSpec};
use super::{Msg, PlaneId, Projection};
use crate::problem::Objective;

/// Side of the coarse landscape preview.
const COARSE: usize = 64;

/// One grid to compute.
pub(super) struct Job {
    pub id: u64,
    pub plane: PlaneId,
    pub spec: GridSpec,
    pub objective: Arc<dyn Objective>,
    pub projection: Projection,
}

#[derive(Default)]
struct Pending {
    job: Option<Job>,
    stop: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    ready: Condvar,
    /// Bumped by every submission; a job in flight stops when it no longer matches.
    generation: AtomicU64,
}

/// The handle on the landscape thread; dropping it stops and joins the thread.
pub(super) struct GridThread {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl GridThread {
    /// Starts the thread; results go to `out`.
    pub fn spawn(out: Sender<Msg>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            ready: Condvar::new(),
            generation: AtomicU64::new(0),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("optiscope-landscape".into())
            .spawn(move || work(&s, &out))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Replaces whatever is pending or in flight with `job`.
    pub fn submit(&self, job: Job) {
        let mut p = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        p.job = Some(job);
        self.shared.ready.notify_one();
    }
}

impl Drop for GridThread {
    fn drop(&mut self) {
        {
            let mut p = self
                .shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            p.stop = true;
            self.shared.generation.fetch_add(1, Ordering::SeqCst);
        }
        self.shared.ready.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn work(shared: &Shared, out: &Sender<Msg>) {
    loop {
        let (job, generation) = {
            let mut p = shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            while p.job.is_none() && !p.stop {
                p = shared.ready.wait(p).unwrap_or_else(PoisonError::into_inner);
            }
            if p.stop {
                return;
            }
            let Some(job) = p.job.take() else { continue };
            (job, shared.generation.load(Ordering::SeqCst))
        };
        let cancelled = || shared.generation.load(Ordering::SeqCst) != generation;
        let coarse = GridSpec {
            nx: job.spec.nx.min(COARSE),
            ny: job.spec.ny.min(COARSE),
            ..job.spec
        };
        let passes: &[(GridSpec, bool)] = if coarse == job.spec {
            &[(job.spec, false)]
        } else {
            &[(coarse, true), (job.spec, false)]
        };
        for &(spec, is_coarse) in passes {
            let spec = GridSpec {
                nx: spec.nx.max(2),
                ny: spec.ny.max(2),
                ..spec
            };
            let values =
                landscape::sample(job.objective.as_ref(), &job.projection, spec, &cancelled);
            if cancelled() {
                break;
            }
            let grid = landscape::with_contours(spec, values, None);
            let msg = Msg::Grid {
                id: job.id,
                plane: job.plane,
                coarse: is_coarse,
                grid: Arc::new(grid),
            };
            if out.send(msg).is_err() {
                return;
            }
        }
    }
}
