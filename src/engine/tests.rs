//! Engine tests: real thread, deadlines instead of sleeps (the waker signals a channel).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::*;
use crate::optim::Method;
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

/// The current run's info, asked for afresh (a reset sends it).
fn started_run_info(p: &Probe) -> Arc<RunInfo> {
    p.engine.send(Command::Reset);
    let mut info = None;
    p.until(|e| {
        if let Event::Started(i) = e {
            info = Some(i.clone());
            return true;
        }
        false
    });
    info.unwrap()
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
            smoothing: 0.0,
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

/// Collects every record of the current run until racer 0 reaches `step`.
fn records_until(p: &Probe, step: u64) -> Vec<StepRecord> {
    let mut out = Vec::new();
    p.until(|e| {
        if let Event::Steps { records, .. } = e {
            out.extend(records.iter().copied());
        }
        out.iter().any(|r| r.racer == 0 && r.step >= step)
    });
    out
}

#[test]
fn a_live_learning_rate_keeps_the_run_and_a_structural_parameter_starts_a_new_one() {
    let s = scene(RACE);
    let p = Probe::new(s.clone());
    let run = started_run(&p.until(|e| matches!(e, Event::Steps { .. }))).unwrap();
    p.engine.send(Command::Step(40));
    records_until(&p, 40);
    let mut edited = s.clone();
    edited.entries[0]
        .method
        .config_mut()
        .set_param("lr", crate::params::ParamValue::F64(0.05))
        .unwrap();
    p.engine.send(Command::Configure(Box::new(edited.clone())));
    let ev = p.until(|e| matches!(e, Event::Retuned(_)));
    assert!(!ev.iter().any(|e| matches!(e, Event::Started(_))));
    p.engine.send(Command::Step(40));
    let after = records_until(&p, 80);
    // Headless: the same edit at step 40 gives the same trajectory, moments kept.
    let mut reference = Run::from_scene(&s);
    for _ in 0..40 {
        reference.step();
    }
    reference
        .apply_edit("optimizers.0.lr", &crate::edit::EditValue::Number(0.05))
        .unwrap();
    assert_eq!(reference.log()[0].step, 40);
    for _ in 0..40 {
        reference.step();
    }
    let last = after.iter().rev().find(|r| r.racer == 0).unwrap();
    assert_eq!(last.step, 80);
    assert_eq!(
        last.xy,
        [reference.racers()[0].x()[0], reference.racers()[0].x()[1]]
    );
    let Some(Event::Retuned(info)) = ev.last() else {
        unreachable!()
    };
    assert_eq!((info.run, info.edits), (run, (1, 0)));
    // Adagrad's initial accumulator is structural.
    let mut structural = edited;
    structural.entries[1].method = crate::spec::parse(
        "adagrad:initial_accumulator_value=0.1",
        "optimizer",
        Method::keys(),
    )
    .unwrap();
    p.engine.send(Command::Configure(Box::new(structural)));
    let ev = p.until(|e| matches!(e, Event::Started(_)));
    assert!(started_run(&ev).unwrap() > run);
}

const NEWTON_SPSA: &str = r#"
version = 1
start = [-1.5, 2.0]
[problem]
kind = "rosenbrock"
[[optimizers]]
kind = "newton"
damping = 5.0
[[optimizers]]
kind = "spsa"
c = 0.05
[playback]
speed = inf
playing = false
"#;

#[test]
fn overlays_come_once_per_flush_with_the_latest_step_and_the_methods_shapes() {
    use crate::engine::Drawn;
    use crate::optim::Role;
    let sc = scene(NEWTON_SPSA);
    let span = (sc.view.x[1] - sc.view.x[0]).max(sc.view.y[1] - sc.view.y[0]);
    let p = Probe::new(sc);
    p.engine.send(Command::Step(20_000));
    let (mut steps, mut overlays, mut latest) = (0, 0, [0u64; 2]);
    let mut last = [None, None];
    p.until(|e| {
        match e {
            Event::Steps { records, .. } => {
                steps += records.len();
                for r in records {
                    latest[r.racer as usize] = r.step;
                }
            }
            Event::Overlays { overlays: o, .. } => {
                overlays += 1;
                for (i, d) in o {
                    assert_eq!(
                        d.step, latest[*i as usize],
                        "the overlay of the newest step"
                    );
                    last[*i as usize] = Some(d.clone());
                }
            }
            _ => {}
        }
        latest == [20_000, 20_000] && last[1].as_ref().is_some_and(|d| d.step == 20_000)
    });
    assert!(
        overlays * 50 < steps,
        "{overlays} overlay events for {steps} records: not one per step"
    );
    let newton = last[0].clone().unwrap();
    assert!(
        newton
            .items
            .iter()
            .any(|i| i.role == Role::Model && matches!(i.shape, Drawn::Polyline(_)))
    );
    assert!(
        newton
            .items
            .iter()
            .any(|i| i.role == Role::Step && matches!(i.shape, Drawn::Arrow(..)))
    );
    let spsa = last[1].clone().unwrap();
    let probes: Vec<[f64; 2]> = spsa
        .items
        .iter()
        .filter_map(|i| match (i.role, &i.shape) {
            (Role::Probe, Drawn::Point(p)) => Some(*p),
            _ => None,
        })
        .collect();
    assert_eq!(probes.len(), 2);
    // x ± c_kΔ: symmetric about the iterate, 2 c_k √2 apart with c_k = c / (k + 1)^γ.
    let ck = 0.05 / (20_000f64).powf(0.101);
    let gap =
        ((probes[0][0] - probes[1][0]).powi(2) + (probes[0][1] - probes[1][1]).powi(2)).sqrt();
    assert!(
        (gap - 2.0 * ck * 2f64.sqrt()).abs() < 1e-12,
        "gap {gap}, c_k {ck}"
    );
    // The inspector's arrows: the last estimate −ĝ and the true −∇f from the same point, the
    // true one a tenth of the window long.
    let arrow = |role| {
        spsa.items.iter().find_map(|i| match (i.role, &i.shape) {
            (r, Drawn::Arrow(a, b)) if r == role => Some((*a, *b)),
            _ => None,
        })
    };
    let (Some((ea, _)), Some((ta, tb))) = (arrow(Role::Estimate), arrow(Role::TrueGradient)) else {
        panic!("no estimate arrows: {:?}", spsa.items)
    };
    assert_eq!(ea, ta);
    let length = ((tb[0] - ta[0]).powi(2) + (tb[1] - ta[1]).powi(2)).sqrt();
    assert!(
        (length - 0.1 * span).abs() < 1e-9 * span,
        "{length} vs {span}"
    );
}

#[test]
fn views_are_computed_only_when_shown() {
    use crate::problem::{ViewData, ViewKind};
    let p = Probe::new(scene(RACE));
    p.engine.send(Command::Step(30));
    let seen = p.until(
        |e| matches!(e, Event::Steps { records, .. } if records.iter().any(|r| r.step == 30)),
    );
    assert!(!seen.iter().any(|e| matches!(e, Event::View { .. })));
    p.engine.send(Command::Views(vec![ViewKind::Section]));
    p.engine.send(Command::Step(1));
    let mut data = None;
    p.until(|e| {
        if let Event::View { data: d, .. } = e {
            data = Some(d.clone());
            return true;
        }
        false
    });
    let ViewData::Section(sections) = data.unwrap().as_ref().clone() else {
        panic!("a section")
    };
    assert_eq!(sections.len(), 2);
    for s in &sections {
        assert_eq!(s.step, 31);
        assert!(!s.along_gradient && s.length > 0.0);
        // t = 1 is where the step landed: f there is the racer's loss after the step.
        let at_one = s.t.iter().position(|t| (t - 1.0).abs() < 1e-12).unwrap();
        assert!(s.f[at_one].is_finite());
    }
}

#[test]
fn a_query_answers_with_the_objective_at_the_lifted_point() {
    let text = "version = 1\nstart = [0.5, 0.5, -0.5, 1.0]\n[problem]\nkind = \"rosenbrock\"\nd = 4\n\
                [[optimizers]]\nkind = \"adam\"\n[view]\naxes = [2, 0]\n[playback]\nplaying = false\n";
    let p = Probe::new(scene(text));
    p.engine.send(Command::Query {
        id: 3,
        xy: [0.25, -1.0],
        nearest: Some((0, 0)),
    });
    let mut reply = None;
    p.until(|e| {
        if let Event::Query(q) = e {
            reply = Some(q.clone());
            return true;
        }
        false
    });
    let q = reply.unwrap();
    let info = started_run_info(&p);
    assert!(
        info.plane_label.contains("coordinate plane"),
        "{}",
        info.plane_label
    );
    assert_eq!(info.axis_names, ["x₂".to_owned(), "x₀".to_owned()]);
    let f = crate::problem::Problem::Rosenbrock(crate::problem::RosenbrockConfig {
        d: 4,
        ..Default::default()
    })
    .build();
    // Axis 0 of the plane is x₂ and axis 1 is x₀; x₁ and x₃ stay at the start's.
    let x = ndarray::array![-1.0, 0.5, 0.25, 1.0];
    assert_eq!((q.id, q.f), (3, f.value(x.view())));
    // The start lies in the plane through the start.
    assert_eq!(q.off_plane, Some((0, 0, 0.0)));
}

#[test]
fn a_plane_that_follows_an_iterate_moves_and_keeps_one_epoch() {
    let text = "version = 1\n[problem]\nkind = \"rosenbrock\"\nd = 4\n[[optimizers]]\nkind = \"adam\"\nlr = 0.02\n\
                [view]\nfollow = 0\n[playback]\nspeed = inf\nplaying = false\n";
    let p = Probe::new(scene(text));
    let bounds = crate::problem::ViewBounds {
        x: (-2.0, 2.0),
        y: (-1.0, 3.0),
    };
    p.engine.send(Command::Landscape {
        id: 1,
        spec: GridSpec {
            bounds,
            nx: 48,
            ny: 48,
            levels: 4,
            smoothing: 0.0,
        },
    });
    p.engine.send(Command::Play);
    let mut planes = Vec::new();
    p.until(|e| {
        if let Event::Landscape { plane, .. } = e {
            planes.push(*plane);
        }
        planes.iter().map(|p| p.version).max().unwrap_or(0) >= 3
    });
    assert!(
        planes.iter().all(|p| p.epoch == planes[0].epoch),
        "{planes:?}"
    );
    assert!(
        planes.windows(2).all(|w| w[0].version <= w[1].version),
        "{planes:?}"
    );
}

#[test]
fn changing_the_directions_reprojects_every_recorded_step() {
    let text = "version = 1\nstart = [1.0, -1.0, 0.5]\n[problem]\nkind = \"sphere\"\nd = 3\n\
                [[optimizers]]\nkind = \"gd\"\nlr = 0.1\n[playback]\nplaying = false\n";
    let s = scene(text);
    let p = Probe::new(s.clone());
    p.engine.send(Command::Step(20));
    records_until(&p, 20);
    let mut random = s.clone();
    random.view.slice.mode = crate::scene::SliceMode::Random;
    p.engine.send(Command::Configure(Box::new(random)));
    let mut paths = None;
    let ev = p.until(|e| {
        if let Event::Replaned { paths: ps, .. } = e {
            paths = Some(ps.clone());
        }
        paths.is_some() && matches!(e, Event::Retuned(_))
    });
    let paths = paths.unwrap();
    assert_eq!(paths[0].len(), 21, "every step on the tape");
    assert_eq!(
        paths[0].iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (0..=20).collect::<Vec<_>>()
    );
    // The start is the plane's origin: drawn at (0, 0).
    assert_eq!(paths[0][0].1, [0.0, 0.0]);
    let info = ev.iter().rev().find_map(|e| match e {
        Event::Retuned(i) => Some(i.clone()),
        _ => None,
    });
    assert!(info.unwrap().plane_label.contains("random"));
}

#[test]
fn a_newer_grid_request_cancels_the_one_in_flight() {
    let text = "version = 1\n[problem]\nkind = \"rastrigin\"\nd = 2000\n[[optimizers]]\nkind = \"gd\"\n[playback]\nplaying = false\n";
    let p = Probe::new(scene(text));
    let bounds = crate::problem::ViewBounds {
        x: (-5.0, 5.0),
        y: (-5.0, 5.0),
    };
    let spec = |n| GridSpec {
        bounds,
        nx: n,
        ny: n,
        levels: 4,
        smoothing: 0.0,
    };
    // 512² points of a 2000-dimensional function take far longer than the next request does.
    p.engine.send(Command::Landscape {
        id: 1,
        spec: spec(512),
    });
    p.engine.send(Command::Landscape {
        id: 2,
        spec: spec(40),
    });
    let mut got = Vec::new();
    p.until(|e| {
        if let Event::Landscape { id, coarse, .. } = e {
            got.push((*id, *coarse));
        }
        got.contains(&(2, false))
    });
    assert!(
        !got.contains(&(1, false)),
        "the first grid was finished anyway: {got:?}"
    );
}

#[test]
fn a_snapshot_replays_the_run_with_its_edits_bit_for_bit() {
    let s = scene(&RACE.replace(
        "playing = false",
        "playing = false\n[noise.grad]\nstd = 0.1",
    ));
    let p = Probe::new(s.clone());
    p.engine.send(Command::Step(25));
    records_until(&p, 25);
    let mut edited = s.clone();
    edited.noise.grad.std = 2.0;
    edited.entries[1]
        .method
        .config_mut()
        .set_param("lr", crate::params::ParamValue::F64(0.0005))
        .unwrap();
    p.engine.send(Command::Configure(Box::new(edited)));
    p.engine.send(Command::Step(25));
    records_until(&p, 50);
    p.engine.send(Command::Snapshot { id: 5 });
    let mut snap = None;
    p.until(|e| {
        if let Event::Snapshot {
            id: 5, snapshot, ..
        } = e
        {
            snap = Some(snapshot.clone());
            return true;
        }
        false
    });
    let snap = snap.unwrap();
    assert_eq!(snap.replay.edits.len(), 2);
    assert!(snap.replay.edits.iter().all(|e| e.step == 25));
    // The saved scene, read back and run headless, retraces every recorded step.
    let text = toml::to_string_pretty(&snap.replay.to_file()).unwrap();
    let back = Scene::from_toml(&text, "saved").unwrap();
    let mut run = Run::from_scene(&back);
    for step in 0..=50u64 {
        if step > 0 {
            run.step();
        }
        for (i, tape) in snap.tapes.iter().enumerate() {
            let (row, x) = tape.nearest(step).unwrap();
            assert_eq!(row.step, step);
            assert_eq!(
                x,
                run.racers()[i].x().as_slice().unwrap(),
                "racer {i} step {step}"
            );
        }
    }
}

#[test]
fn a_cloned_run_forks_bit_for_bit() {
    let s = scene(&RACE.replace(
        "playing = false",
        "playing = false\n[noise.grad]\nstd = 0.3",
    ));
    let mut a = Run::from_scene(&s);
    for _ in 0..25 {
        a.step();
    }
    let mut b = a.clone();
    for _ in 0..25 {
        a.step();
        b.step();
    }
    for (ra, rb) in a.racers().iter().zip(b.racers()) {
        assert_eq!(
            ra.x(),
            rb.x(),
            "{}: the noise and probe streams fork too",
            ra.label()
        );
        assert_eq!(ra.counts(), rb.counts());
    }
    assert_eq!((a.steps(), b.steps()), (50, 50));
    // A fresh run from the scene is the same run again.
    let mut c = Run::from_scene(&s);
    for _ in 0..50 {
        c.step();
    }
    assert_eq!(a.racers()[0].x(), c.racers()[0].x());
    assert_eq!(a.step(), 2, "step returns how many racers still run");
}

#[test]
fn a_racer_stops_at_the_first_step_whose_loss_is_not_finite() {
    // Gradient descent far too fast: the iterate grows until x⁴ overflows while x is finite.
    let text = "version = 1\nstart = [-1.5, 2.0]\n[[optimizers]]\nkind = \"gd\"\nlr = 0.5\n";
    let s = scene(text);
    let f = s.problem.build();
    let mut run = Run::from_scene(&s);
    let mut x = ndarray::Array1::from(s.start.clone());
    let mut first = None;
    for k in 1..=20u64 {
        // The rule itself, stepping until the loss leaves the finite numbers.
        let g = f.gradient(x.view());
        x.scaled_add(-0.5, &g);
        if first.is_none() && !f.value(x.view()).is_finite() {
            first = Some(k);
        }
    }
    let first = first.expect("it overflows");
    while run.step() > 0 {}
    assert_eq!(
        run.racers()[0].stopped(),
        Some(&StopReason::Diverged { step: first })
    );
}

#[test]
fn the_log_says_when_it_is_full_and_the_schedule_what_is_left() {
    let text = "version = 1\n[[optimizers]]\nkind = \"adam\"\n\
                [[edits]]\nstep = 3\npath = \"optimizers.0.lr\"\nvalue = 0.01\n";
    let mut run = Run::from_scene(&scene(text));
    assert_eq!(run.pending().len(), 1);
    for _ in 0..3 {
        run.step();
    }
    assert!(run.pending().is_empty() && run.log().len() == 1 && run.log()[0].step == 3);
    assert!(!run.log_full());
    // Two paths in turn never coalesce: the log fills at its limit.
    for k in 0..crate::edit::MAX_EDITS {
        let path = if k % 2 == 0 {
            "noise.grad.std"
        } else {
            "optimizers.0.lr"
        };
        run.apply_edit(path, &crate::edit::EditValue::Number(0.01))
            .unwrap();
    }
    assert!(run.log_full());
    assert_eq!(run.log().len(), crate::edit::MAX_EDITS);
}

#[test]
fn the_smoothed_view_follows_the_zeroth_order_racers_sigma() {
    use crate::problem::{ViewData, ViewKind};
    // On f = x² + y² the smoothed landscape is f + 2σ²; σ is the rge racer's μ (the first
    // racer, gradient descent, does not smooth).
    let text = "version = 1\n[problem]\nkind = \"sphere\"\n[[optimizers]]\nkind = \"gd\"\n\
                [[optimizers]]\nkind = \"rge\"\nmu = 0.5\n[view]\nx = [-2.0, 2.0]\ny = [-2.0, 2.0]\n\
                [playback]\nplaying = false\n";
    let p = Probe::new(scene(text));
    p.engine.send(Command::Views(vec![ViewKind::Smoothed]));
    p.engine.send(Command::Step(1));
    let mut data = None;
    p.until(|e| {
        if let Event::View { data: d, .. } = e {
            data = Some(d.clone());
            return true;
        }
        false
    });
    let ViewData::Smoothed {
        values,
        nx,
        ny,
        bounds,
        sigma,
        racer,
        points,
    } = data.unwrap().as_ref().clone()
    else {
        panic!("the smoothed view")
    };
    assert_eq!((sigma, racer, points.len()), (0.5, Some(1), 2));
    let (i, j) = (nx / 3, ny / 2);
    let x = bounds.x.0 + (bounds.x.1 - bounds.x.0) * i as f64 / (nx - 1) as f64;
    let y = bounds.y.0 + (bounds.y.1 - bounds.y.0) * j as f64 / (ny - 1) as f64;
    let want = x * x + y * y + 2.0 * 0.25;
    assert!(
        (values[j * nx + i] - want).abs() < 0.02,
        "{} vs {want}",
        values[j * nx + i]
    );
}

#[test]
fn the_inspector_follows_each_estimators_quality() {
    // Finite differences estimate the gradient almost exactly (cos = 1, a tiny variance) while
    // ∇f is large (near the minimum their bias takes over);
    // random Gaussian directions in 2-D have E cos = 2/π and SNR = 1/(d + 1) = 1/3; gradient
    // descent estimates nothing.
    let text = "version = 1\nstart = [1.5, 1.2]\n[problem]\nkind = \"quadratic\"\nkappa = 10\nangle = 30\n\
                [[optimizers]]\nkind = \"fd\"\nlr = 0.01\n[[optimizers]]\nkind = \"rge\"\nlr = 0.001\nmu = 1e-6\n\
                scheme = \"central\"\n[[optimizers]]\nkind = \"gd\"\nlr = 0.01\n";
    let mut run = Run::from_scene(&scene(text));
    // Early on, while ∇f is large beside forward differences' O(μ) bias.
    for _ in 0..30 {
        run.step();
    }
    let [cos, mean, var, snr] = run.racers()[0].estimator_values();
    assert!(cos > 1.0 - 1e-9 && mean > 1.0 - 1e-9, "fd: {cos} {mean}");
    assert!(var < 1e-8 && snr > 1e6, "fd: {var} {snr}");
    for _ in 30..3000 {
        run.step();
    }
    let [cos, mean, _, snr] = run.racers()[1].estimator_values();
    assert!((0.0..=1.0).contains(&cos));
    assert!(
        (mean - 2.0 / std::f64::consts::PI).abs() < 0.03,
        "rge mean cos {mean}"
    );
    assert!(snr > 0.1 && snr < 1.0, "rge SNR {snr}");
    assert!(
        run.racers()[2]
            .estimator_values()
            .iter()
            .all(|v| v.is_nan())
    );
}

/// A network scene whose plane follows Adam along `slice`.
fn plane_scene(slice: &str) -> Scene {
    scene(&format!(
        "version = 1\nseed = 2\n[problem]\nkind = \"mlp\"\ndata = \"circles\"\nn = 64\n\
         hidden = \"6x6\"\n[[optimizers]]\nkind = \"adam\"\nlr = 0.02\n[[optimizers]]\n\
         kind = \"sgd\"\nlr = 0.5\n[view]\nslice = \"{slice}\"\nfollow = 0\n\
         [playback]\nplaying = false\n"
    ))
}

fn profiles_after(p: &Probe, steps: u32) -> crate::problem::view::Profiles {
    use crate::problem::{ViewData, ViewKind};
    p.engine.send(Command::Step(steps));
    records_until(p, u64::from(steps));
    p.engine.send(Command::Views(vec![ViewKind::Profiles]));
    p.engine.send(Command::Step(1));
    let mut data = None;
    p.until(|e| {
        if let Event::View { data: d, .. } = e {
            data = Some(d.clone());
            return true;
        }
        false
    });
    let ViewData::Profiles(profiles) = data.unwrap().as_ref().clone() else {
        panic!("profiles")
    };
    profiles
}

#[test]
fn the_profiles_interpolate_from_the_start_and_follow_the_path_off_the_plane() {
    let p = Probe::new(plane_scene("pca"));
    let info = started_run_info(&p);
    let profiles = profiles_after(&p, 300);
    assert_eq!(profiles.interpolation.len(), 2);
    let at = |a: f64| {
        profiles
            .alpha
            .iter()
            .position(|x| (x - a).abs() < 1e-12)
            .unwrap()
    };
    let path = profiles.path.as_ref().expect("the followed racer's path");
    assert_eq!(path.racer, 0);
    assert_eq!(path.steps.first(), Some(&0));
    assert_eq!(path.steps.last(), Some(&301));
    let (adam, sgd) = (&profiles.interpolation[0].1, &profiles.interpolation[1].1);
    // α = 0 is the start for both racers, and α = 1 each one's iterate.
    assert_eq!(adam[at(0.0)], sgd[at(0.0)]);
    assert_eq!(adam[at(0.0)], path.loss[0]);
    assert_eq!(adam[at(1.0)], *path.loss.last().unwrap());
    assert!(
        adam[at(1.0)] < 0.5 * adam[at(0.0)],
        "Adam learned: {adam:?}"
    );
    // The PCA plane holds most of the path: it is much nearer the plane than the start.
    let off = path.off_plane.iter().copied().fold(0.0, f64::max);
    let far = path.from_start.iter().copied().fold(0.0, f64::max);
    assert!(off < 0.5 * far, "off the plane {off}, from the start {far}");
    assert_eq!(path.from_start[0], 0.0);
    // On the plane the loss is the true loss; off it, the two part.
    for k in 0..path.steps.len() {
        if path.off_plane[k] < 1e-9 {
            assert!((path.plane[k] - path.loss[k]).abs() <= 1e-9 * path.loss[k].abs().max(1.0));
        }
    }
    assert!(
        info.plane_label.contains("principal"),
        "{}",
        info.plane_label
    );
}

#[test]
fn every_fitted_plane_passes_through_the_followed_iterate() {
    for (slice, says) in [
        ("filter_normalized", "filter-normalized"),
        ("hessian", "Hessian"),
        ("pca", "principal"),
    ] {
        let p = Probe::new(plane_scene(slice));
        assert!(started_run_info(&p).plane_label.contains(says), "{slice}");
        // Before the first step the plane passes through the start, which Adam is at.
        p.engine.send(Command::Query {
            id: 7,
            xy: [0.0, 0.0],
            nearest: Some((0, 0)),
        });
        let mut reply = None;
        p.until(|e| {
            if let Event::Query(r) = e {
                reply = Some(r.clone());
                return true;
            }
            false
        });
        let reply = reply.unwrap();
        let (_, step, off) = reply.off_plane.unwrap();
        assert_eq!(step, 0);
        assert!(off < 1e-9, "{slice}: the start is {off} off the plane");
    }
}
