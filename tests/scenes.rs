//! Every scene in `scenes/` loads, validates and runs headless; saving round-trips.
#![allow(clippy::unwrap_used)] // A panic in a test is a failure with a message.

use optiscope::engine::Run;
use optiscope::scene::{Scene, SceneError};

fn scene_files() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenes");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scene_loads_and_runs_200_steps() {
    let files = scene_files();
    assert!(files.iter().any(|f| f.ends_with("default.toml")));
    for path in files {
        let scene = Scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!scene.title.is_empty(), "{} has no title", path.display());
        assert!(
            !scene.racers().is_empty(),
            "{} has no optimizers",
            path.display()
        );
        let mut run = Run::from_scene(&scene);
        for _ in 0..200 {
            run.step();
        }
        // A scene that shows a method failing says so: its description names the racer and
        // that it halts or diverges. Every other racer runs the 200 steps.
        let text = scene.description.to_lowercase().replace('–', " ");
        let announced = |label: &str| {
            (text.contains("halts") || text.contains("diverges"))
                && text.contains(&label.replace('_', " "))
        };
        for r in run.racers() {
            match r.stopped() {
                None => assert!(r.loss().is_finite()),
                Some(why) => assert!(
                    announced(r.label()),
                    "{}: {} stopped unannounced: {why:?}",
                    path.display(),
                    r.label()
                ),
            }
        }
    }
}

#[test]
fn the_default_scene_races_all_three_orders() {
    let s = Scene::default_scene();
    let orders: std::collections::BTreeSet<_> = s.racers().iter().map(|(_, m)| m.order()).collect();
    assert_eq!(orders.len(), 3);
    assert_eq!(s.problem.key(), "rosenbrock");
    assert!(s.playback.playing);
}

#[test]
fn a_scene_is_reproducible_bit_for_bit() {
    let s = Scene::default_scene();
    let trace = || {
        let mut run = Run::from_scene(&s);
        let mut out = Vec::new();
        for _ in 0..300 {
            run.step();
            out.extend(
                run.racers()
                    .iter()
                    .flat_map(|r| r.x().iter().map(|v| v.to_bits())),
            );
        }
        out
    };
    assert_eq!(trace(), trace());
}

#[test]
fn saving_writes_a_scene_that_loads_back_equal() {
    let dir = std::env::temp_dir().join(format!("optiscope-scenes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("saved.toml");
    let mut s = Scene::default_scene();
    s.noise.grad.std = 0.25;
    s.view.slice.follow = Some(2);
    s.edits = vec![optiscope::edit::Edit {
        step: 40,
        path: "optimizers.2.lr".into(),
        value: optiscope::edit::EditValue::Number(0.01),
    }];
    s.save(&path).unwrap();
    let back = Scene::load(&path).unwrap();
    assert_eq!(back, s);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[[edits]]") && text.contains("path = \"optimizers.2.lr\""),
        "{text}"
    );
}

#[test]
fn errors_name_the_origin_and_the_field() {
    let cases = [
        ("version = 2", "version"),
        ("version = 1\nstart = [1.0]", "start"),
        ("version = 1\n[problem]\nkind = \"rosenbrok\"", "rosenbrock"),
        ("version = 1\n[[optimizers]]\nkind = \"adam\"\nlr = 0", "lr"),
        (
            "version = 1\n[[optimizers]]\nkind = \"sgd\"\nmomentum = 1.5",
            "momentum",
        ),
        (
            "version = 1\n[[optimizers]]\nkind = \"adam\"\ncolor = \"red\"",
            "color",
        ),
        ("version = 1\nsteps = 0", "steps"),
        ("version = 1\n[view]\nx = [1.0, -1.0]", "view.x"),
        ("version = 1\n[noise.grad]\nstd = -1.0", "std"),
        ("version = 1\ncolour = 3", "colour"),
        ("version = 1\nsteps = 2000000000", "steps"),
        (
            "version = 1\n[problem]\nkind = \"sphere\"\nd = 600\n[[optimizers]]\nkind = \"newton\"",
            "`newton`",
        ),
        (
            "version = 1\n[[edits]]\nstep = 1\npath = \"noise.grad.sigma\"\nvalue = 1",
            "edits[0]",
        ),
        (
            "version = 1\n[[edits]]\nstep = 1\npath = \"optimizers.0.lr\"\nvalue = 1",
            "0 optimizers",
        ),
        ("version = 1\n[view]\naxes = [0, 0]", "view.axes"),
        ("version = 1\n[view]\nfollow = 3", "view.follow"),
    ];
    for (text, field) in cases {
        let e = Scene::from_toml(text, "case.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("case.toml"), "{msg}");
        assert!(msg.contains(field), "{text:?}: {msg}");
        assert!(matches!(
            e,
            SceneError::Parse { .. } | SceneError::Invalid { .. }
        ));
    }
}
