//! Engine tests: real thread, deadlines instead of sleeps (the waker signals a channel).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::*;
use crate::scene::Scene;

const DEADLINE: Duration = Duration::from_secs(10);

fn scene(text: &str) -> Scene {
    Scene::from_toml(text, "test").unwrap()
}

const RACE: &str = r#"
version = 1
start = [-1.5, 2.0]
[problem]
kind = "rosenbrock"
[[optimizers]]
kind = "adam"
lr = 0.01
[[optimizers]]
kind = "gd"
lr = 0.001
[playback]
speed = inf
playing = false
"#;

/// An engine plus a channel that the waker signals.
struct Probe {
    engine: EngineHandle,
    woken: mpsc::Receiver<()>,
}

impl Probe {
    fn new(s: Scene) -> Self {
        let (tx, woken) = mpsc::channel();
        let engine = EngineHandle::spawn(s, move || {
            let _ = tx.send(());
        })
        .unwrap();
        Self { engine, woken }
    }

    /// Collects events until `done` says so, failing after the deadline.
    fn until(&self, mut done: impl FnMut(&Event) -> bool) -> Vec<Event> {
        let end = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        loop {
            while let Some(e) = self.engine.try_recv() {
                let stop = done(&e);
                seen.push(e);
                if stop {
                    return seen;
                }
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "deadline passed; saw {} events: {:?}",
                seen.len(),
                seen.iter()
                    .map(|e| match e {
                        Event::Steps { records, .. } => format!(
                            "steps {}..{} x{}",
                            records[0].step,
                            records[records.len() - 1].step,
                            records.len()
                        ),
                        other => format!("{other:?}").chars().take(60).collect(),
                    })
                    .collect::<Vec<_>>()
            );
            let _ = self.woken.recv_timeout(left.min(Duration::from_millis(50)));
        }
    }
}

fn started_run(events: &[Event]) -> Option<u64> {
    events.iter().rev().find_map(|e| match e {
        Event::Started(info) => Some(info.run),
        _ => None,
    })
}

#[test]
fn steps_arrive_in_order_and_the_loss_falls() {
    let p = Probe::new(scene(RACE));
    let first = p.until(|e| matches!(e, Event::Steps { .. }));
    let run = started_run(&first).expect("a Started event comes first");
    p.engine.send(Command::Step(300));
    let mut last = [0u64; 2];
    let mut losses = [Vec::new(), Vec::new()];
    p.until(|e| {
        if let Event::Steps { run: r, records } = e {
            assert_eq!(*r, run);
            for rec in records {
                let i = rec.racer as usize;
                assert!(
                    rec.step == 0 || rec.step == last[i] + 1,
                    "steps arrive in order"
                );
                last[i] = rec.step;
                losses[i].push(rec.loss);
            }
        }
        last == [300, 300]
    });
    for l in &losses {
        assert!(
            l.last().unwrap() < &l[0],
            "loss falls: {} → {}",
            l[0],
            l.last().unwrap()
        );
    }
}

#[test]
fn reset_and_set_start_bump_the_run_id() {
    let p = Probe::new(scene(RACE));
    let events = p.until(|e| matches!(e, Event::Steps { .. }));
    let first = started_run(&events).unwrap();
    p.engine.send(Command::Reset);
    let events = p.until(|e| matches!(e, Event::Started(_)));
    let second = started_run(&events).unwrap();
    assert!(second > first);
    p.engine.send(Command::SetStartAt([0.5, 0.5]));
    let mut start_xy = None;
    p.until(|e| {
        if let Event::Steps { run, records } = e
            && *run > second
        {
            start_xy = Some(records[0].xy);
            return true;
        }
        false
    });
    assert_eq!(start_xy, Some([0.5, 0.5]));
}

#[test]
fn a_diverging_racer_stops_and_the_other_goes_on() {
    let text = RACE.replace("lr = 0.001\n[playback]", "lr = 0.5\n[playback]");
    let p = Probe::new(scene(&text));
    p.engine.send(Command::Step(200));
    let mut reason = None;
    let mut adam_last = 0;
    p.until(|e| {
        match e {
            Event::Stopped {
                racer: 1,
                reason: r,
                ..
            } => reason = Some(r.to_string()),
            Event::Steps { records, .. } => {
                for r in records.iter().filter(|r| r.racer == 0) {
                    adam_last = r.step;
                }
            }
            _ => {}
        }
        adam_last == 200
    });
    let reason = reason.expect("gd with lr 0.5 diverges");
    assert!(reason.starts_with("diverged at step "), "{reason}");
}

#[test]
fn live_noise_keeps_the_run_and_structural_edits_start_a_new_one() {
    let s = scene(RACE);
    let p = Probe::new(s.clone());
    let run = started_run(&p.until(|e| matches!(e, Event::Steps { .. }))).unwrap();
    let mut noisy = s.clone();
    noisy.noise.grad.std = 1.0;
    p.engine.send(Command::Configure(Box::new(noisy.clone())));
    let ev = p.until(|e| matches!(e, Event::Retuned(_)));
    assert!(
        ev.iter().all(|e| !matches!(e, Event::Started(_))),
        "noise is live"
    );
    let Some(Event::Retuned(info)) = ev.last() else {
        unreachable!()
    };
    assert_eq!(info.run, run);
    let mut restarted = noisy;
    restarted.start = vec![0.0, 0.0];
    p.engine.send(Command::Configure(Box::new(restarted)));
    let ev = p.until(|e| matches!(e, Event::Started(_)));
    assert!(started_run(&ev).unwrap() > run);
}

#[test]
fn landscape_requests_send_a_coarse_preview_then_the_grid() {
    let p = Probe::new(scene(RACE));
    let bounds = crate::problem::ViewBounds {
        x: (-2.0, 2.0),
        y: (-1.0, 3.0),
    };
    p.engine.send(Command::Landscape {
        id: 9,
        spec: GridSpec {
            bounds,
            nx: 200,
            ny: 150,
            levels: 10,
        },
    });
    let mut got = Vec::new();
    p.until(|e| {
        if let Event::Landscape {
            id, coarse, grid, ..
        } = e
        {
            got.push((*id, *coarse, grid.spec.nx, grid.spec.ny));
            return !*coarse;
        }
        false
    });
    assert_eq!(got, vec![(9, true, 64, 64), (9, false, 200, 150)]);
}

#[test]
fn dropping_the_handle_joins_promptly_even_while_playing() {
    let p = Probe::new(scene(RACE));
    p.engine.send(Command::Play);
    p.until(|e| matches!(e, Event::Steps { records, .. } if records.iter().any(|r| r.step > 10)));
    let t = Instant::now();
    drop(p);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "join took {:?}",
        t.elapsed()
    );
}

#[test]
fn loading_a_scene_starts_a_new_run_that_plays_as_the_scene_says() {
    let p = Probe::new(scene(RACE));
    let first = started_run(&p.until(|e| matches!(e, Event::Steps { .. }))).unwrap();
    let playing = RACE.replace("playing = false", "playing = true");
    p.engine.send(Command::Load(Box::new(scene(&playing))));
    let mut run = None;
    let mut saw_play = false;
    p.until(|e| {
        match e {
            Event::Started(info) => run = Some(info.run),
            Event::Playing(true) => saw_play = true,
            Event::Steps { run: r, records } => {
                return Some(*r) == run && records.iter().any(|rec| rec.step > 5);
            }
            _ => {}
        }
        false
    });
    assert!(run.unwrap() > first && saw_play);
}
