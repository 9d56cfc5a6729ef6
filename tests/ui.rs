//! The real app under egui_kittest: found by label, clicked, stepped with deadlines.
#![allow(clippy::unwrap_used)] // A panic in a test is a failure with a message.

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use optiscope::app::App;
use optiscope::engine::Run;
use optiscope::scene::Scene;

const DEADLINE: Duration = Duration::from_secs(20);

fn scene(text: &str) -> Scene {
    Scene::from_toml(text, "test").unwrap()
}

/// A paused race on a quadratic: gd and adam.
const PAUSED: &str = r#"
version = 1
start = [-1.5, 1.5]
[problem]
kind = "quadratic"
[[optimizers]]
kind = "gd"
lr = 0.05
[[optimizers]]
kind = "adam"
lr = 0.05
[playback]
speed = 200
playing = false
"#;

fn harness(s: Scene) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(cc, s, None))
}

/// Steps frames until `done` holds, failing after the deadline.
fn step_until(h: &mut Harness<'_, App>, what: &str, mut done: impl FnMut(&App) -> bool) {
    let end = Instant::now() + DEADLINE;
    while !done(h.state()) {
        assert!(
            Instant::now() < end,
            "timed out waiting for: {what} (run {}, received {:?}, message {:?})",
            h.state().view.run(),
            h.state()
                .view
                .racers
                .iter()
                .map(|r| r.history.received())
                .collect::<Vec<_>>(),
            h.state().controls.message()
        );
        h.step();
    }
}

fn received(app: &App) -> u64 {
    app.view.racers.iter().map(|r| r.history.received()).sum()
}

#[test]
fn the_default_scene_starts_playing_with_all_three_orders() {
    let mut h = harness(Scene::default_scene());
    step_until(&mut h, "steps of every racer", |a| {
        a.view.racers.len() == 5 && a.view.racers.iter().all(|r| r.history.received() > 3)
    });
    let info = h.state().view.info.clone().unwrap();
    let keys: Vec<_> = info.scene.racers().iter().map(|(_, m)| m.key()).collect();
    assert_eq!(keys, ["gd", "sgd", "adam", "newton", "spsa"]);
    h.get_by_label("‖ Pause");
    step_until(&mut h, "a landscape grid", |a| a.view.grid.is_some());
}

#[test]
fn pressing_play_makes_the_trajectories_grow() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "the start points", |a| received(a) == 2);
    for _ in 0..5 {
        h.step();
    }
    assert_eq!(received(h.state()), 2, "paused: nothing moves");
    h.get_by_label("▶ Play").click();
    step_until(&mut h, "trajectories to grow", |a| received(a) > 40);
    assert!(h.state().view.playing);
    h.get_by_label("‖ Pause");
}

#[test]
fn choosing_another_method_by_label_changes_the_run() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let run = h.state().view.run();
    h.get_all_by_role_and_label(Role::ComboBox, "method")
        .next()
        .unwrap()
        .click();
    h.step();
    h.step();
    h.get_by_label("newton").click();
    step_until(&mut h, "a new run with newton", |a| {
        a.view.run() > run
            && a.view.info.as_ref().unwrap().scene.entries[0].method.key() == "newton"
    });
    h.get_by_label("Step").click();
    step_until(&mut h, "newton's first step", |a| {
        a.view.racers[0].history.received() >= 2
    });
    let xy = h.state().view.racers[0].history.last().unwrap().xy;
    assert!(
        xy[0].abs() < 1e-9 && xy[1].abs() < 1e-9,
        "Newton solves the quadratic in one step: {xy:?}"
    );
}

#[test]
fn clicking_the_landscape_sets_the_start_and_reset_starts_a_new_run() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.step();
    let run = h.state().view.run();
    let old_start = h.state().scene.start.clone();
    // The middle of the landscape plot, between the side panels.
    let pos = egui::pos2(640.0, 420.0);
    h.hover_at(pos);
    h.step();
    h.drag_at(pos);
    h.step();
    h.drop_at(pos);
    step_until(&mut h, "a run from the clicked start", |a| {
        a.view.run() > run
    });
    let start = h.state().scene.start.clone();
    assert_ne!(start, old_start);
    step_until(&mut h, "the new start's records", |a| {
        a.view
            .racers
            .first()
            .and_then(|r| r.history.first())
            .is_some_and(|f| f.xy == [start[0], start[1]])
    });
    let run = h.state().view.run();
    h.get_by_label("Reset").click();
    step_until(&mut h, "a reset run", |a| a.view.run() > run);
    assert_eq!(h.state().scene.start, start, "reset keeps the start");
}

#[test]
fn the_noise_dial_changes_the_next_steps_without_a_reset() {
    let text = PAUSED.replace("[[optimizers]]\nkind = \"adam\"\nlr = 0.05\n", "");
    let s = scene(&text);
    let mut h = harness(s.clone());
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let run = h.state().view.run();
    h.get_by_label("Step ×10").click();
    step_until(&mut h, "ten steps", |a| {
        a.view.racers[0].history.received() == 11
    });
    h.get_by_role_and_label(Role::Slider, "gradient noise σ")
        .set_value_accesskit(0.5);
    step_until(&mut h, "the noise to reach the scene", |a| {
        a.scene.noise.grad.std == 0.5
    });
    h.step();
    h.get_by_label("Step ×10").click();
    step_until(&mut h, "ten more steps", |a| {
        a.view.racers[0].history.received() == 21
    });
    assert_eq!(h.state().view.run(), run, "no reset");
    // The same scene without noise, headless: the first ten steps agree, the next ten do not.
    let mut clean = Run::new(&s.problem, &s.racers(), &s.start, s.seed, s.noise.clone());
    let samples = h.state().view.racers[0].history.samples().to_vec();
    for (k, sample) in samples.iter().enumerate().skip(1) {
        clean.step();
        let x = clean.racers()[0].x();
        let ui = sample.xy;
        let same = (ui[0] - x[0]).abs() < 1e-12 && (ui[1] - x[1]).abs() < 1e-12;
        assert_eq!(same, k <= 10, "step {k}: app {ui:?} vs noise-free {x:?}");
    }
}

#[test]
fn keyboard_shortcuts_drive_playback_and_view() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.key_press(egui::Key::Space);
    step_until(&mut h, "Space plays", |a| a.view.playing);
    h.key_press(egui::Key::Space);
    step_until(&mut h, "Space pauses", |a| !a.view.playing);
    // The engine reports every step taken before the pause ahead of the pause itself.
    let before = h.state().view.racers[0].history.received();
    h.key_press(egui::Key::ArrowRight);
    step_until(&mut h, "→ steps once", |a| {
        a.view.racers[0].history.received() == before + 1
    });
    let run = h.state().view.run();
    h.key_press(egui::Key::R);
    step_until(&mut h, "R resets", |a| a.view.run() > run);
    let log = h.state().scene.view.log_scale;
    h.key_press(egui::Key::L);
    h.step();
    assert_eq!(
        h.state().scene.view.log_scale,
        !log,
        "L toggles the log scale"
    );
}

#[test]
fn zooming_recomputes_the_landscape_and_textures_upload_once_per_grid() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a finished grid", |a| {
        a.view.grids_received[1] >= 1 && a.landscape.uploads >= 1
    });
    let first = h.state().view.grid.as_ref().unwrap().0.spec.bounds;
    // Frames without new grids upload nothing, even while the race plays.
    h.get_by_label("▶ Play").click();
    for _ in 0..30 {
        h.step();
    }
    let received: u64 = h.state().view.grids_received.iter().sum();
    let uploads = h.state().landscape.uploads;
    assert!(
        uploads >= 1 && uploads <= received,
        "{uploads} uploads for {received} grids over 30+ frames"
    );
    // Zoom in with the wheel over the landscape.
    let centre = egui::pos2(640.0, 420.0);
    h.hover_at(centre);
    h.step();
    let [coarse0, fine0] = h.state().view.grids_received;
    for _ in 0..5 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 120.0),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        h.step();
    }
    step_until(&mut h, "a preview and a grid for the zoomed window", |a| {
        a.view.grids_received[0] > coarse0 && a.view.grids_received[1] > fine0
    });
    let zoomed = h.state().view.grid.as_ref().unwrap().0.spec.bounds;
    let width = |b: optiscope::problem::ViewBounds| b.x.1 - b.x.0;
    assert!(
        width(zoomed) < 0.9 * width(first),
        "zoomed {zoomed:?} vs first {first:?}"
    );
}

#[test]
fn hovering_the_landscape_reads_out_f_and_the_gradient_norm() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a finished grid", |a| a.view.grids_received[1] >= 1);
    h.hover_at(egui::pos2(640.0, 420.0));
    // f and ∇f come from the engine (a point query), not from the UI.
    step_until(&mut h, "the engine's answer", |a| a.view.query.is_some());
    h.step();
    let q = h.state().view.query.clone().unwrap();
    let f = optiscope::problem::Problem::Quadratic(Default::default()).build();
    let x = ndarray::Array1::from(q.xy.to_vec());
    assert_eq!(q.f, f.value(x.view()), "the exact value at the cursor");
    // One readout line carries x, y, f and |∇f| (each query fails unless exactly one matches).
    h.get_by_label_contains("  f = ");
    h.get_by_label_contains("|∇f| = ");
    h.get_by_label_contains("  y = ");
}

#[test]
fn the_problem_picker_and_the_optimizer_list_change_the_race() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let run = h.state().view.run();
    h.get_by_role_and_label(Role::ComboBox, "problem").click();
    h.step();
    h.step();
    h.get_by_label("himmelblau").click();
    step_until(&mut h, "a new run on himmelblau", |a| {
        a.view.run() > run && a.view.info.as_ref().unwrap().scene.problem.key() == "himmelblau"
    });
    assert_eq!(
        h.state().scene.start,
        vec![-0.5, -0.5],
        "the problem's classic start"
    );
    h.get_by_label("+ Add optimizer").click();
    step_until(&mut h, "three racers", |a| a.view.racers.len() == 3);
    h.get_all_by_label("copy").next().unwrap().click();
    step_until(&mut h, "four racers", |a| a.view.racers.len() == 4);
    let labels = h.state().view.info.as_ref().unwrap().labels.clone();
    assert_eq!(labels[3], "gd 2", "a copy gets a unique label: {labels:?}");
    h.get_all_by_label("✕").next().unwrap().click();
    step_until(&mut h, "three racers again", |a| a.view.racers.len() == 3);
    // The curves' x axis switches by label.
    h.get_by_label("function evaluations").click();
    h.step();
    assert_eq!(
        h.state().side.curves.x_axis,
        optiscope::ui::curves::XAxis::FEvals
    );
}

/// A temporary directory of this test process.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("optiscope-ui-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_run_saved_from_the_app_replays_headless_bit_for_bit() {
    let text = PAUSED.replace(
        "playing = false",
        "playing = false\n[noise.grad]\nstd = 0.2",
    );
    let mut h = harness(scene(&text));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let run = h.state().view.run();
    h.get_by_label("Step ×10").click();
    step_until(&mut h, "ten steps", |a| a.view.max_step() == 10);
    // Live edits: the noise dial, then Adam's learning rate.
    h.get_by_role_and_label(Role::Slider, "gradient noise σ")
        .set_value_accesskit(0.5);
    step_until(&mut h, "the noise edit", |a| {
        a.view.info.as_ref().is_some_and(|i| i.edits.0 == 1)
    });
    h.get_by_label("Step ×10").click();
    step_until(&mut h, "twenty steps", |a| a.view.max_step() == 20);
    h.get_all_by_label("parameters").nth(1).unwrap().click();
    h.step();
    h.step();
    h.get_by_role_and_label(Role::Slider, "learning rate η")
        .set_value_accesskit(0.2);
    step_until(&mut h, "the learning-rate edit", |a| {
        a.view.info.as_ref().is_some_and(|i| i.edits.0 == 2)
    });
    h.get_by_label("Step ×10").click();
    step_until(&mut h, "thirty steps", |a| a.view.max_step() == 30);
    assert_eq!(h.state().view.run(), run, "live edits keep the run");
    // Save through the typed path, and export the exact trajectories.
    let dir = temp_dir("replay");
    let saved = dir.join("saved.toml");
    let exported = dir.join("app.csv");
    h.state_mut().controls.path = saved.display().to_string();
    h.step();
    h.get_by_label("Save").click();
    step_until(&mut h, "the saved file", |a| {
        a.controls.message().is_some_and(|m| m.starts_with("Saved"))
    });
    h.state_mut()
        .request(optiscope::ui::Action::Export(exported.clone()));
    step_until(&mut h, "the exported file", |a| {
        a.controls
            .message()
            .is_some_and(|m| m.starts_with("Exported"))
    });
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("path = \"noise.grad.std\""), "{text}");
    assert!(text.contains("path = \"optimizers.1.lr\""), "{text}");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_optiscope"))
        .args(["run", saved.to_str().unwrap(), "--steps", "30"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let headless = String::from_utf8(o.stdout).unwrap();
    let app = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(headless.lines().count(), 1 + 2 * 31);
    assert_eq!(
        app, headless,
        "the app's run and the saved scene run headless agree byte for byte"
    );
}

/// Whether any shape (nested ones included) is a filled band.
fn has_band(shapes: &[egui::epaint::ClippedShape]) -> bool {
    fn band(s: &egui::Shape) -> bool {
        match s {
            egui::Shape::Band(_) => true,
            egui::Shape::Vec(v) => v.iter().any(band),
            _ => false,
        }
    }
    shapes.iter().any(|c| band(&c.shape))
}

#[test]
fn curves_stay_lines_with_a_long_history() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "the start points", |a| received(a) == 2);
    // Five million steps, as at max speed: one racer reaches loss 0 at step 7 (as Newton does),
    // the other decays with noise.
    let template = h.state().view.racers[0].history.last().copied().unwrap();
    for k in 1..5_000_000u64 {
        if k > 4096 && k % 64 != 0 {
            continue;
        }
        for (i, r) in h.state_mut().view.racers.iter_mut().enumerate() {
            let loss = if i == 0 {
                if k < 7 {
                    10f64.powi(-(k as i32) * 2)
                } else {
                    0.0
                }
            } else {
                (1.0 + (k as f64 * 0.37).sin().abs()) / (1.0 + k as f64).sqrt()
            };
            r.history.push(optiscope::engine::StepRecord {
                racer: i as u32,
                step: k,
                loss,
                grad_norm: loss.sqrt(),
                dist_min: loss.sqrt(),
                ..template
            });
        }
    }
    for _ in 0..3 {
        h.step();
    }
    assert!(h.state().view.max_step() > 4_000_000);
    assert!(
        !has_band(&h.output().shapes),
        "a curve was drawn as a filled band"
    );
}

#[test]
fn presenter_mode_keeps_the_landscape_the_largest_share() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| App::new(cc, Scene::default_scene(), None));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.state_mut()
        .request(optiscope::ui::Action::Presenter(true));
    step_until(&mut h, "presenter mode", |a| a.prefs.presenter);
    for _ in 0..10 {
        h.step();
    }
    let width = h.ctx.content_rect().width();
    let plot = h.state().landscape.plot_rect.unwrap().0;
    assert!(
        plot.width() > 0.3 * width,
        "the landscape is {} of {width} points wide",
        plot.width()
    );
    // Each side panel is narrower than the landscape.
    let controls = h.get_by_label("Problem").rect();
    let curves = h.get_by_label("Curves").rect();
    assert!(controls.right() < plot.left() && curves.left() > plot.right());
    assert!(
        curves.left() - plot.right() < 150.0,
        "the colorbar sits beside the plot"
    );
    assert!(
        controls.right() < plot.width(),
        "controls {} wide",
        controls.right()
    );
    assert!(
        width - curves.left() < plot.width(),
        "curves {} wide",
        width - curves.left()
    );
}

#[test]
fn a_new_run_notice_moves_nothing() {
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let reset = h.get_by_label("Reset").rect();
    let problem = h.get_by_role_and_label(Role::ComboBox, "problem").rect();
    let run = h.state().view.run();
    h.get_all_by_role_and_label(Role::ComboBox, "method")
        .next()
        .unwrap()
        .click();
    h.step();
    h.step();
    h.get_by_label("newton").click();
    step_until(&mut h, "the new run", |a| a.view.run() > run);
    h.step();
    assert!(
        h.state()
            .controls
            .message()
            .is_some_and(|m| m.starts_with("New run")),
        "{:?}",
        h.state().controls.message()
    );
    assert_eq!(h.get_by_label("Reset").rect(), reset);
    assert_eq!(
        h.get_by_role_and_label(Role::ComboBox, "problem").rect(),
        problem
    );
}

#[test]
fn parameters_are_labelled_by_name_with_the_key_in_the_tooltip() {
    let mut h = harness(Scene::default_scene());
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    // SPSA is the fifth optimizer.
    h.get_all_by_label("parameters").nth(4).unwrap().click();
    h.step();
    h.step();
    let slider = h.get_by_role_and_label(Role::Slider, "A, the stability constant");
    slider.hover();
    for _ in 0..60 {
        h.step();
    }
    h.get_by_label_contains("Scene key: `big_a`");
    assert!(h.query_by_role_and_label(Role::Slider, "big_a").is_none());
}

#[test]
fn a_typed_path_opens_a_scene_and_a_bad_file_says_why() {
    let dir = temp_dir("open");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "version = 1\n[[optimizers]]\nkind = \"adam\"\nbetta = 1\n",
    )
    .unwrap();
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        "version = 1\ntitle = \"Typed in\"\n[problem]\nkind = \"booth\"\n[[optimizers]]\nkind = \"gd\"\n",
    )
    .unwrap();
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let run = h.state().view.run();
    h.state_mut().controls.path = bad.display().to_string();
    h.step();
    h.get_by_label("Open").click();
    step_until(&mut h, "the error", |a| {
        a.controls
            .message()
            .is_some_and(|m| m.contains("bad.toml") && m.contains("betta"))
    });
    assert_eq!(
        h.state().view.run(),
        run,
        "a bad file never replaces the scene"
    );
    h.state_mut().controls.path = good.display().to_string();
    h.step();
    h.get_by_label("Open").click();
    step_until(&mut h, "the typed-in scene", |a| {
        a.view
            .info
            .as_ref()
            .is_some_and(|i| i.scene.title == "Typed in")
    });
}

#[test]
fn a_slice_follows_its_optimizer_through_a_higher_dimensional_problem() {
    let text = "version = 1\n[problem]\nkind = \"rosenbrock\"\nd = 5\n[[optimizers]]\nkind = \"adam\"\nlr = 0.02\n\
                [view]\nfollow = 0\n[playback]\nspeed = 2000\nplaying = true\n";
    let mut h = harness(scene(text));
    step_until(&mut h, "a moving plane", |a| {
        a.view.grid.as_ref().is_some_and(|(_, _, p)| p.version >= 2)
    });
    let info = h.state().view.info.clone().unwrap();
    assert!(
        info.plane_label.contains("following it"),
        "{}",
        info.plane_label
    );
    assert_eq!(info.axis_names, ["x₀".to_owned(), "x₁".to_owned()]);
    // The hover readout reports the nearest point's distance from the plane.
    let last = h.state().view.racers[0].history.last().unwrap().xy;
    let (rect, b) = h.state().landscape.plot_rect.unwrap();
    let at = egui::pos2(
        rect.left() + ((last[0] - b.x.0) / (b.x.1 - b.x.0)) as f32 * rect.width(),
        rect.bottom() - ((last[1] - b.y.0) / (b.y.1 - b.y.0)) as f32 * rect.height(),
    );
    h.get_by_label("‖ Pause").click();
    h.hover_at(at);
    step_until(&mut h, "the off-plane distance", |a| {
        a.view.query.as_ref().is_some_and(|q| q.off_plane.is_some())
    });
}

#[test]
fn a_schedule_shows_only_its_own_parameters_and_changes_the_step_size_live() {
    let text = PAUSED.replace(
        "lr = 0.05\n[[optimizers]]",
        "lr = 0.05\nschedule = \"cosine\"\nt_max = 50\n[[optimizers]]",
    );
    let mut h = harness(scene(&text));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let run = h.state().view.run();
    h.get_all_by_label("parameters").next().unwrap().click();
    // Let the section finish opening before clicking inside it.
    for _ in 0..30 {
        h.step();
    }
    h.get_all_by_label("learning-rate schedule")
        .next()
        .unwrap()
        .click();
    for _ in 0..30 {
        h.step();
    }
    // Cosine's parameters are shown; step decay's and 1/t's are not.
    assert!(
        h.query_by_role_and_label(Role::Slider, "cosine: steps T")
            .is_some()
    );
    assert!(
        h.query_by_role_and_label(Role::Slider, "step decay: factor γ")
            .is_none()
    );
    assert!(
        h.query_by_role_and_label(Role::Slider, "1/t decay: τ")
            .is_none()
    );
    // Another shape is a live edit: the run goes on.
    h.get_by_role_and_label(Role::ComboBox, "schedule shape")
        .click();
    h.step();
    h.step();
    h.get_by_label("step decay γ^⌊t/n⌋").click();
    for _ in 0..5 {
        h.step();
    }
    let method = &h.state().scene.entries[0].method;
    assert_eq!(
        method.config().param("schedule").unwrap().1,
        optiscope::params::ParamValue::Choice("step")
    );
    assert!(
        h.query_by_role_and_label(Role::Slider, "step decay: factor γ")
            .is_some()
    );
    assert!(
        h.query_by_role_and_label(Role::Slider, "cosine: steps T")
            .is_none()
    );
    assert_eq!(h.state().view.run(), run);
}

#[test]
fn a_typed_formula_applies_when_it_parses_and_says_where_it_does_not() {
    let text = PAUSED.replace(
        "kind = \"quadratic\"",
        "kind = \"expr\"\nf = \"x^2 + 3*y^2\"",
    );
    let mut h = harness(scene(&text));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    let run = h.state().view.run();
    // A malformed formula: a message with its column, and the problem stays as it was.
    h.state_mut().controls.formula.text = "x^2 + (3*y^2".into();
    h.step();
    h.get_by_label("Apply").click();
    for _ in 0..3 {
        h.step();
    }
    let error = h.state().controls.formula.error.clone().unwrap_or_default();
    assert!(error.contains("column 7"), "{error}");
    h.get_by_label_contains("column 7");
    let f = |a: &App| match &a.scene.problem {
        optiscope::problem::Problem::Expr(c) => c.f.clone(),
        p => panic!("{p:?}"),
    };
    assert_eq!(f(h.state()), "x^2 + 3*y^2");
    assert_eq!(h.state().view.run(), run);
    // A good one starts a new run on the new formula, and clears the message.
    h.state_mut().controls.formula.text = "(x - 1)^2 + 3*y^2".into();
    h.step();
    h.get_by_label("Apply").click();
    step_until(&mut h, "a run on the new formula", |a| a.view.run() > run);
    assert_eq!(f(h.state()), "(x - 1)^2 + 3*y^2");
    assert!(h.state().controls.formula.error.is_none());
    // Its minimum, found numerically, is marked as such.
    let info = h.state().view.info.clone().unwrap();
    assert!(info.minima_numerical);
    assert_eq!(info.minima.len(), 1);
    assert!((info.minima[0][0] - 1.0).abs() < 1e-8);
}

#[test]
fn the_lens_shows_the_curvature_at_the_iterate_and_the_taylor_models() {
    // The quadratic's Hessian has eigenvalues 1 and κ = 10 everywhere.
    let mut h = harness(scene(PAUSED));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.get_by_role_and_label(Role::ComboBox, "lens").click();
    h.step();
    h.step();
    h.get_by_label("curvature").click();
    // While paused the lens follows the cursor: take the pointer off the landscape, where
    // the closed popup may have left it, so that the lens sits at the iterate.
    h.step();
    h.input_mut().events.push(egui::Event::PointerGone);
    // It is drawn at the first racer's start.
    let start = h.state().view.racers[0].history.last().unwrap().xy;
    let at_start =
        |at: [f64; 2]| (at[0] - start[0]).abs() < 1e-12 && (at[1] - start[1]).abs() < 1e-12;
    step_until(&mut h, "a curvature lens at the start", |a| {
        a.view
            .lens
            .as_ref()
            .is_some_and(|l| l.kind == optiscope::engine::LensKind::Curvature && at_start(l.at))
    });
    let lens = h.state().view.lens.clone().unwrap();
    assert!(
        (lens.eigenvalues[0] - 1.0).abs() < 1e-12 && (lens.eigenvalues[1] - 10.0).abs() < 1e-12
    );
    assert!((lens.condition() - 10.0).abs() < 1e-12);
    h.get_by_role_and_label(Role::ComboBox, "lens").click();
    h.step();
    h.step();
    h.get_by_label("Taylor models").click();
    step_until(&mut h, "a Taylor lens", |a| {
        a.view
            .lens
            .as_ref()
            .is_some_and(|l| l.kind == optiscope::engine::LensKind::Taylor)
    });
    let lens = h.state().view.lens.clone().unwrap();
    assert_eq!(lens.eta, 0.1);
    for role in [
        optiscope::optim::Role::TaylorFirstMinimiser,
        optiscope::optim::Role::TaylorSecondMinimiser,
        optiscope::optim::Role::TaylorThirdMinimiser,
    ] {
        assert!(lens.items.iter().any(|i| i.role == role), "{role:?}");
    }
}

#[test]
fn the_estimator_cloud_and_the_smoothed_landscape_follow_the_zeroth_order_racer() {
    let mut h = harness(scene(
        r#"
version = 1
seed = 1
start = [0.7, -0.4]
[problem]
kind = "quadratic"
kappa = 10
angle = 30
[[optimizers]]
kind = "gd"
lr = 0.05
[[optimizers]]
kind = "rge"
mu = 0.2
q = 1
[playback]
playing = false
"#,
    ));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.get_by_role_and_label(Role::ComboBox, "lens").click();
    h.step();
    h.step();
    h.get_by_label("estimator cloud").click();
    step_until(&mut h, "an estimator cloud", |a| {
        a.view.lens.as_ref().is_some_and(|l| l.cloud.is_some())
    });
    let lens = h.state().view.lens.clone().unwrap();
    let cloud = lens.cloud.clone().unwrap();
    // The cloud is drawn by the second racer, the one that estimates, at its iterate: 200
    // arrows and theory's values for Gaussian directions in 2-D.
    assert_eq!((cloud.racer, cloud.n, cloud.dim), (1, 200, 2));
    let samples = lens
        .items
        .iter()
        .filter(|i| i.role == optiscope::optim::Role::EstimateSample)
        .count();
    assert_eq!(samples, 200);
    assert!((cloud.theory_cos().unwrap() - 2.0 / std::f64::consts::PI).abs() < 1e-12);
    assert!((cloud.mean_cos - 0.637).abs() < 0.1, "{}", cloud.mean_cos);
    // The smoothed landscape: ticking f_σ takes σ from the racer's μ and asks for f_σ.
    h.get_by_label("f_σ").click();
    h.step();
    assert_eq!(h.state().scene.view.smoothing, 0.2);
    step_until(&mut h, "a smoothed grid", |a| {
        a.view
            .grid
            .as_ref()
            .is_some_and(|g| g.0.spec.smoothing == 0.2)
    });
}

#[test]
fn a_scene_sets_the_curves_axis_and_saving_keeps_the_one_shown() {
    let mut h = harness(scene(
        r#"
version = 1
[problem]
kind = "sphere"
d = 10
[[optimizers]]
kind = "rge"
[view]
curves_x = "f_evals"
[playback]
playing = false
"#,
    ));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    assert_eq!(
        h.state().side.curves.x_axis,
        optiscope::ui::curves::XAxis::FEvals
    );
    h.get_by_label("step").click();
    h.step();
    assert_eq!(
        h.state().scene.view.curves_x,
        optiscope::scene::CurveAxis::Step
    );
}

#[test]
fn a_network_draws_its_decision_boundary_and_its_data_can_change() {
    let mut h = harness(scene(
        r#"
version = 1
seed = 1
[problem]
kind = "mlp"
data = "xor"
n = 80
hidden = "6x3"
[[optimizers]]
kind = "adam"
lr = 0.05
[playback]
speed = 20
"#,
    ));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.get_by_label("Decision boundary").click();
    step_until(&mut h, "a decision surface", |a| {
        a.view
            .views
            .get(&optiscope::problem::ViewKind::Decision)
            .is_some_and(|d| {
                matches!(d.as_ref(), optiscope::problem::ViewData::Decision(s)
                if s.surfaces.len() == 1 && s.points.len() == 80)
            })
    });
    let Some(optiscope::problem::ViewData::Decision(space)) = h
        .state()
        .view
        .views
        .get(&optiscope::problem::ViewKind::Decision)
        .map(|d| d.as_ref().clone())
    else {
        unreachable!()
    };
    // Two classes: one probability per grid point, in [0, 1].
    assert_eq!(space.surfaces[0].1.len(), space.nx * space.ny);
    assert!(space.surfaces[0].1.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!(space.test.iter().filter(|t| **t).count(), 16);
    // The hidden layers are typed; a bad width is refused and the run goes on.
    let run = h.state().view.run();
    let hidden = || {
        egui_kittest::kittest::By::new()
            .role(Role::TextInput)
            .value("6x3")
    };
    h.get(hidden()).click();
    h.step();
    h.get(hidden()).type_text("x0");
    h.step();
    h.get_all_by_label("Apply").next().unwrap().click();
    h.step();
    let optiscope::problem::Problem::Mlp(c) = &h.state().scene.problem else {
        unreachable!()
    };
    assert_eq!(c.hidden.to_string(), "6x3");
    assert_eq!(h.state().view.run(), run);
    // A data file that cannot be read leaves the data as it was.
    let dir = temp_dir("network-data");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "a,b,label\n1,2,x\n3,oops,y\n").unwrap();
    h.state_mut().request(optiscope::ui::Action::Data(bad));
    h.step();
    let optiscope::problem::Problem::Mlp(c) = &h.state().scene.problem else {
        unreachable!()
    };
    assert_eq!(c.data.key(), "xor");
    assert!(
        h.state()
            .controls
            .message()
            .is_some_and(|m| m.contains("line 3"))
    );
    let good = dir.join("good.csv");
    std::fs::write(&good, "a,b,label\n1,2,x\n3,4,y\n5,1,x\n2,2,y\n").unwrap();
    h.state_mut()
        .request(optiscope::ui::Action::Data(good.clone()));
    h.step();
    let optiscope::problem::Problem::Mlp(c) = &h.state().scene.problem else {
        unreachable!()
    };
    assert_eq!(c.data.key(), good.display().to_string());
}

/// The decision tab draws the network, its confusion matrix and what each rule costs; the
/// diagram shows activations for the hovered input; painting a point adds a training point of
/// the chosen class and starts a new run that keeps it.
#[test]
fn a_networks_tab_shows_its_diagram_confusion_and_costs_and_takes_painted_points() {
    let mut h = harness(scene(
        r#"
version = 1
seed = 2
[problem]
kind = "mlp"
data = "blobs"
classes = 3
n = 90
hidden = "6"
[[optimizers]]
kind = "adam"
lr = 0.05
[[optimizers]]
kind = "mezo"
[playback]
speed = 20
"#,
    ));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.get_by_label("Decision boundary").click();
    let decision = |a: &App| match a
        .view
        .views
        .get(&optiscope::problem::ViewKind::Decision)
        .map(|d| d.as_ref())
    {
        Some(optiscope::problem::ViewData::Decision(s)) => Some(s.clone()),
        _ => None,
    };
    step_until(&mut h, "a decision view with its network", |a| {
        decision(a).is_some_and(|s| s.network.is_some() && s.confusion.len() == 2)
    });
    h.step();
    h.get_by_label("The network");
    h.get_by_label("What each rule costs per step");
    h.get_by_label("Confusion matrix (rows: true class, columns: predicted)");
    // The memory model: Adam backpropagates, MeZO keeps θ and a forward pass.
    let info = h.state().view.info.clone().unwrap();
    let (adam, mezo) = (info.memory[0].unwrap(), info.memory[1].unwrap());
    assert!(adam.backprop && !mezo.backprop);
    assert!(mezo.total() < adam.total());
    // A 3 × 3 matrix of the 72 training points (a fifth is held out).
    let space = decision(h.state()).unwrap();
    let conf = &space.confusion[0].1;
    assert_eq!((conf.k, conf.train.iter().sum::<u32>()), (3, 72));
    assert!(space.paintable);
    // Paint a point of class 2 by clicking in the plot, above its status line.
    h.get_by_label("✏ paint points").click();
    h.step();
    h.get_by_label("● class 2").click();
    h.step();
    let below = h.get_by_label("live: redrawn as the network trains").rect();
    let at = egui::pos2(
        below.left() + 0.5 * below.width().min(300.0),
        below.top() - 80.0,
    );
    let run = h.state().view.run();
    h.hover_at(at);
    h.step();
    h.drag_at(at);
    h.step();
    h.drop_at(at);
    step_until(&mut h, "a new run with the painted point", |a| {
        a.view.run() > run
            && matches!(&a.scene.problem, optiscope::problem::Problem::Mlp(c)
                if c.points.len() == 1 && c.points[0][2] == 2.0)
    });
    step_until(&mut h, "the painted point in the view", |a| {
        a.view.run() > run && decision(a).is_some_and(|s| s.points.len() == 91 && s.painted == 1)
    });
    // The clear button removes it again.
    h.get_by_label("clear 1 painted").click();
    step_until(
        &mut h,
        "no painted points",
        |a| matches!(&a.scene.problem, optiscope::problem::Problem::Mlp(c) if c.points.is_empty()),
    );
}

/// The Loss profiles tab fills for a network, and the directions picker turns the plane into
/// the PCA plane of the path.
#[test]
fn the_loss_profiles_tab_and_the_slice_picker_work_on_a_network() {
    let mut h = harness(scene(
        r#"
version = 1
[problem]
kind = "mlp"
data = "xor"
n = 64
hidden = "4"
[[optimizers]]
kind = "adam"
lr = 0.05
[view]
follow = 0
[playback]
speed = 50
"#,
    ));
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.get_by_label("Loss profiles").click();
    step_until(&mut h, "the loss profiles", |a| {
        a.view
            .views
            .get(&optiscope::problem::ViewKind::Profiles)
            .is_some_and(|d| {
                matches!(d.as_ref(), optiscope::problem::ViewData::Profiles(p)
                if !p.interpolation.is_empty())
            })
    });
    // Fold the long sections so that the view settings are on screen.
    for section in ["Problem", "Optimizers", "View"] {
        h.get_by_label(section).click();
        h.step();
    }
    h.get_by_role_and_label(Role::ComboBox, "directions")
        .click();
    h.step();
    h.step();
    h.get_by_label("PCA of the path").click();
    step_until(&mut h, "the PCA plane", |a| {
        a.view
            .info
            .as_ref()
            .is_some_and(|i| i.plane_label.contains("principal"))
    });
    assert_eq!(
        h.state().scene.view.slice.mode,
        optiscope::scene::SliceMode::Pca
    );
}

/// The neuron scene offers the Neuron tab, which fills with each racer's tuning curve beside
/// the teacher's, and the probe and reinforcement traces from the rules' diagnostics.
#[test]
fn the_neuron_tab_shows_the_tuning_curves_and_the_probe() {
    let s = Scene::load(std::path::Path::new("scenes/neuron_tuning.toml")).unwrap();
    let racers = s.entries.len();
    let mut h = harness(s);
    step_until(&mut h, "a run", |a| a.view.run() > 0);
    h.get_by_label("Neuron").click();
    step_until(&mut h, "the tuning curves", |a| {
        a.view
            .views
            .get(&optiscope::problem::ViewKind::Tuning)
            .is_some_and(|d| {
                matches!(d.as_ref(), optiscope::problem::ViewData::Tuning(t)
                if t.racers.len() == racers && t.target.len() == t.x.len() && t.inputs.len() == 64)
            })
    });
    // Playing, the rules report their probes: the traces are drawn, not the hint.
    h.get_by_label("Probe: the noise on the drive, trial by trial");
    h.get_by_label("Reinforcement: the reward prediction error R − R̄");
}
