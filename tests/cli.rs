//! The headless CLI, run as the built binary.
#![allow(clippy::unwrap_used)] // A panic in a test is a failure with a message.

use std::process::{Command, Output};

fn optiscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parses the CSV into a header and rows of fields.
fn csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_owned)
        .collect();
    (
        header,
        lines
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect(),
    )
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn the_documented_race_writes_the_long_csv() {
    let dir = std::env::temp_dir().join(format!("optiscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("traj.csv");
    let o = optiscope(&[
        "run",
        "--problem",
        "rosenbrock",
        "--start=-1.5,2",
        "--optimizer",
        "adam:lr=0.01",
        "--optimizer",
        "sgd:lr=0.001,momentum=0.9",
        "--steps",
        "500",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = csv(&std::fs::read_to_string(&out).unwrap());
    for name in [
        "optimizer",
        "seed",
        "step",
        "f_evals",
        "g_evals",
        "h_evals",
        "hv_evals",
        "loss",
        "x0",
        "x1",
    ] {
        col(&header, name);
    }
    assert_eq!(rows.len(), 2 * 501);
    let (opt, step, g, loss, x0) = (
        col(&header, "optimizer"),
        col(&header, "step"),
        col(&header, "g_evals"),
        col(&header, "loss"),
        col(&header, "x0"),
    );
    let adam: Vec<_> = rows.iter().filter(|r| r[opt] == "adam").collect();
    assert_eq!(adam.len(), 501);
    assert_eq!(adam[0][step], "0");
    assert_eq!(adam[0][x0], "-1.5");
    assert_eq!(adam[0][loss].parse::<f64>().unwrap(), 12.5);
    assert_eq!(adam[500][step], "500");
    assert_eq!(adam[500][g], "500");
    // Adam's step 500 from the PyTorch golden file.
    assert!((adam[500][x0].parse::<f64>().unwrap() - -1.05192299719273).abs() < 1e-9);
    assert!(adam[500][loss].parse::<f64>().unwrap() < 12.5);
    assert!(rows.iter().any(|r| r[opt] == "sgd"));
}

#[test]
fn seeds_are_told_apart_and_reproducible() {
    let args = [
        "run",
        "--optimizer",
        "spsa",
        "--steps",
        "20",
        "--seed",
        "5",
        "--seeds",
        "3",
        "--noise",
        "grad:std=0.1",
    ];
    let a = optiscope(&args);
    assert!(a.status.success(), "{}", stderr(&a));
    let (header, rows) = csv(&stdout(&a));
    let seed = col(&header, "seed");
    let seeds: std::collections::BTreeSet<_> = rows.iter().map(|r| r[seed].clone()).collect();
    assert_eq!(seeds.into_iter().collect::<Vec<_>>(), ["5", "6", "7"]);
    assert_eq!(
        stdout(&optiscope(&args)),
        stdout(&a),
        "same seed, same bytes"
    );
    let f = col(&header, "f_evals");
    let g = col(&header, "g_evals");
    let last = rows.last().unwrap();
    assert_eq!((last[f].as_str(), last[g].as_str()), ("40", "0"));
}

#[test]
fn a_scene_runs_and_flags_override_it() {
    let scene = concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/default.toml");
    let o = optiscope(&["run", scene, "--steps", "10"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = csv(&stdout(&o));
    let opt = col(&header, "optimizer");
    let names: std::collections::BTreeSet<_> = rows.iter().map(|r| r[opt].as_str()).collect();
    assert!(
        names.contains("newton") && names.contains("spsa") && names.contains("adam"),
        "{names:?}"
    );
    assert_eq!(rows.len(), names.len() * 11);
    let o = optiscope(&[
        "run",
        scene,
        "--steps",
        "3",
        "--optimizer",
        "gd",
        "--problem",
        "quadratic:kappa=50,angle=30",
    ]);
    let (header, rows) = csv(&stdout(&o));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][col(&header, "x0")], "-1.5");
}

#[test]
fn list_names_every_problem_method_and_channel() {
    let o = optiscope(&["list"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for word in [
        "rosenbrock",
        "quadratic",
        "kappa",
        "sharp_flat",
        "styblinski_tang",
        "sgd",
        "nesterov",
        "adagrad",
        "initial_accumulator_value",
        "rmsprop",
        "centered",
        "adamw",
        "amsgrad",
        "newton",
        "spsa",
        "big_a",
        "grad",
        "std",
        "eval",
        "param",
        "quant",
        "bits",
        "langevin",
        "temperature",
        "decay_power",
        "cma_es",
        "nelder_mead",
        "simulated_annealing",
        "needs: values, gradients, dense Hessians",
        "live",
    ] {
        assert!(text.contains(word), "`list` lacks {word}");
    }
}

/// Bad input exits with 2 and one clear line, never a panic.
#[test]
fn bad_input_exits_2_with_a_message() {
    let dir = std::env::temp_dir().join(format!("optiscope-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let malformed = dir.join("malformed.toml");
    std::fs::write(&malformed, "version = 1\n[problem\nkind = 3").unwrap();
    let typo = dir.join("typo.toml");
    std::fs::write(
        &typo,
        "version = 1\n[[optimizers]]\nkind = \"adam\"\nbetta = 0.9\n",
    )
    .unwrap();
    let missing = dir.join("missing.toml");
    // 100 000 optimizers once ran for ever; now they are refused at once.
    let crowd = dir.join("crowd.toml");
    std::fs::write(
        &crowd,
        format!(
            "version = 1\n{}",
            "[[optimizers]]\nkind = \"gd\"\n".repeat(100_000)
        ),
    )
    .unwrap();
    let edits = dir.join("edits.toml");
    std::fs::write(
        &edits,
        "version = 1\n[[optimizers]]\nkind = \"adam\"\n[[edits]]\nstep = 3\npath = \"optimizers.0.amsgrad\"\nvalue = true\n",
    )
    .unwrap();
    let disabled = dir.join("disabled.toml");
    std::fs::write(
        &disabled,
        "version = 1\n[[optimizers]]\nkind = \"adam\"\nenabled = false\n",
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", "--problem", "rosenbrok", "--optimizer", "gd"],
            "rosenbrock",
        ),
        (vec!["run", "--optimizer", "adma"], "adam"),
        (vec!["run", "--optimizer", "adam:betta=0.9"], "beta1"),
        (vec!["run", "--optimizer", "adam:lr=abc"], "abc"),
        (
            vec!["run", "--optimizer", "adam", "--steps", "ten"],
            "--steps",
        ),
        (vec!["run", "--optimizer", "adam", "--start=1,2,3"], "start"),
        (vec!["run", "--optimizer", "adam", "--start=1,x"], "--start"),
        (vec!["run", "--optimizer", "adam:lr=0"], "lr"),
        (vec!["run", "--optimizer", "adam:lr=-1"], "lr"),
        (vec!["run", "--optimizer", "adam:lr=inf"], "lr"),
        (vec!["run", "--optimizer", "adam:lr=NaN"], "lr"),
        (vec!["run", "--optimizer", "adam", "--steps", "0"], "steps"),
        (
            vec!["run", "--optimizer", "adam", "--noise", "grad:std=-1"],
            "std",
        ),
        (
            vec!["run", "--optimizer", "adam", "--noise", "temperature:t=1"],
            "grad",
        ),
        (
            vec!["run", "--optimizer", "spsa", "--noise", "quant:bits=60"],
            "bits",
        ),
        (
            vec!["run", "--optimizer", "spsa", "--noise", "eval:decay=linear"],
            "decay",
        ),
        (vec!["run", "--optimizer", "es:popsize=7"], "even"),
        (vec!["run"], "optimizer"),
        (vec!["run", disabled.to_str().unwrap()], "disabled"),
        (
            vec![
                "run",
                "--optimizer",
                "gd",
                "--seed",
                "18446744073709551615",
                "--seeds",
                "2",
            ],
            "--seed",
        ),
        (
            vec!["run", "--problem", "sphere:d=1000", "--optimizer", "newton"],
            "Hessian",
        ),
        (
            vec!["run", "--problem", "sphere:d=0", "--optimizer", "gd"],
            "`d`",
        ),
        (vec!["run", "--bogus"], "--bogus"),
        (vec!["run", crowd.to_str().unwrap()], "at most 32"),
        (vec!["run", edits.to_str().unwrap()], "edits[0]"),
        (
            vec!["run", "--optimizer", "gd", "--steps", "2000000000"],
            "at most",
        ),
        (
            vec!["run", "--optimizer", "gd", "--seeds", "1000000"],
            "--seeds",
        ),
        (vec!["run", malformed.to_str().unwrap()], "malformed.toml"),
        (vec!["run", typo.to_str().unwrap()], "betta"),
        (vec!["run", missing.to_str().unwrap()], "missing.toml"),
        (vec![missing.to_str().unwrap()], "missing.toml"),
    ];
    for (args, needle) in cases {
        let o = optiscope(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?} → {:?}: {err}", o.status);
        assert!(
            err.contains(needle),
            "{args:?}: message {err:?} lacks {needle:?}"
        );
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(o.stdout.is_empty(), "{args:?} wrote to stdout");
    }
}

#[test]
fn edits_in_a_scene_apply_at_their_steps() {
    let dir = std::env::temp_dir().join(format!("optiscope-edits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = "version = 1\nsteps = 20\n[[optimizers]]\nkind = \"gd\"\nlr = 0.001\n";
    let plain = dir.join("plain.toml");
    std::fs::write(&plain, base).unwrap();
    let edited = dir.join("edited.toml");
    std::fs::write(
        &edited,
        format!("{base}[[edits]]\nstep = 10\npath = \"optimizers.0.lr\"\nvalue = 0.002\n"),
    )
    .unwrap();
    let rows = |p: &std::path::Path| {
        let o = optiscope(&["run", p.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        csv(&stdout(&o))
    };
    let (header, a) = rows(&plain);
    let (_, b) = rows(&edited);
    let x0 = col(&header, "x0");
    // Steps 0 … 10 agree; from step 11 on the edited run moves with twice the rate.
    for k in 0..=10 {
        assert_eq!(a[k][x0], b[k][x0], "step {k}");
    }
    for k in 11..=20 {
        assert_ne!(a[k][x0], b[k][x0], "step {k}");
    }
    // GD's step is linear in the rate: the 11th step of the edited run is twice as long.
    let x = |r: &Vec<Vec<String>>, k: usize| r[k][x0].parse::<f64>().unwrap();
    let (da, db) = (x(&a, 11) - x(&a, 10), x(&b, 11) - x(&b, 10));
    assert!(
        (db - 2.0 * da).abs() < 1e-12 * da.abs().max(1.0),
        "{da} {db}"
    );
}

#[test]
fn a_typed_objective_runs_with_exact_derivatives_and_a_bad_one_says_where() {
    // Newton on a typed Rosenbrock follows the built-in Rosenbrock's exact iterates.
    let typed = optiscope(&[
        "run",
        "--problem",
        "expr:f=(1-x)^2 + 100*(y-x^2)^2",
        "--optimizer",
        "newton",
        "--start=-1.5,2",
        "--steps",
        "7",
    ]);
    let built_in = optiscope(&[
        "run",
        "--optimizer",
        "newton",
        "--start=-1.5,2",
        "--steps",
        "7",
    ]);
    assert!(typed.status.success(), "{}", stderr(&typed));
    let ((h, a), (_, b)) = (csv(&stdout(&typed)), csv(&stdout(&built_in)));
    let (x0, x1) = (col(&h, "x0"), col(&h, "x1"));
    let last = |rows: &[Vec<String>], c: usize| rows.last().unwrap()[c].parse::<f64>().unwrap();
    assert_eq!((last(&a, x0), last(&a, x1)), (1.0, 1.0));
    assert_eq!((last(&b, x0), last(&b, x1)), (1.0, 1.0));
    // Commas inside a formula's calls stay in the formula.
    let minmax = optiscope(&[
        "run",
        "--problem",
        "expr:f=max(x,y)^2 + min(x,2*y)^2,x_min=-3",
        "--optimizer",
        "bfgs",
        "--steps",
        "2",
    ]);
    assert!(minmax.status.success(), "{}", stderr(&minmax));
    // A malformed formula: exit 2 and the column.
    for (formula, column) in [
        ("(1-x)^2 + sin(x", "column 14"),
        ("", "column 1"),
        ("2x", "column 2"),
    ] {
        let o = optiscope(&[
            "run",
            "--problem",
            &format!("expr:f={formula}"),
            "--optimizer",
            "gd",
        ]);
        assert_eq!(o.status.code(), Some(2), "{formula}");
        let e = stderr(&o);
        assert!(
            e.contains("problem `expr`") && e.contains(column),
            "{formula}: {e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}

#[test]
fn every_noise_channel_is_a_flag_and_the_csv_shows_what_a_method_saw() {
    // Evaluation noise on a zeroth-order racer: `loss` stays the clean objective at the
    // iterate, `seen` is what SPSA was given (its two noisy values, averaged).
    let o = optiscope(&[
        "run",
        "--problem",
        "sphere",
        "--optimizer",
        "spsa",
        "--optimizer",
        "gd",
        "--steps",
        "50",
        "--noise",
        "eval:std=0.5",
        "--noise",
        "quant:bits=24",
        "--noise",
        "param:std=0.001",
        "--noise",
        "langevin:temperature=0.0001,decay=exponential,decay_steps=10",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = csv(&stdout(&o));
    let (name, loss, seen, x0, x1) = (
        col(&header, "optimizer"),
        col(&header, "loss"),
        col(&header, "seen"),
        col(&header, "x0"),
        col(&header, "x1"),
    );
    let mut spread = 0.0;
    for r in rows
        .iter()
        .filter(|r| r[name] == "spsa" && r[seen] != "NaN")
    {
        let (x, y): (f64, f64) = (r[x0].parse().unwrap(), r[x1].parse().unwrap());
        let l: f64 = r[loss].parse().unwrap();
        assert!((l - (x * x + y * y)).abs() < 1e-12, "loss is the clean f");
        spread += (r[seen].parse::<f64>().unwrap() - l).abs();
    }
    // Two values with noise σ = 0.5 average to noise of s.d. 0.35: far from the clean loss.
    assert!(
        spread / 50.0 > 0.1,
        "seen tracks the noisy values: {spread}"
    );
    // Gradient descent asks for no values.
    assert!(
        rows.iter()
            .filter(|r| r[name] == "gd")
            .all(|r| r[seen] == "NaN")
    );
}

#[test]
fn a_network_trains_from_the_command_line_and_its_csv_says_what_was_measured() {
    let o = optiscope(&[
        "run",
        "--problem",
        "mlp:data=xor,n=64,hidden=4,act=tanh,loss=bce,batch=16",
        "--optimizer",
        "sgd:lr=0.5",
        "--steps",
        "12",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = csv(&stdout(&o));
    for name in ["accuracy", "test_loss", "test_accuracy", "seen"] {
        col(&header, name);
    }
    // 2·4 + 4 + 4 + 1 = 17 parameters: too many for coordinate columns.
    assert!(!header.iter().any(|h| h == "x0"), "{header:?}");
    let (loss, acc, seen) = (
        col(&header, "loss"),
        col(&header, "accuracy"),
        col(&header, "seen"),
    );
    assert_eq!(rows.len(), 13);
    for (step, row) in rows.iter().enumerate() {
        let measured = step % 10 == 0;
        let l: f64 = row[loss].parse().unwrap();
        let a: f64 = row[acc].parse().unwrap();
        assert_eq!(l.is_finite(), measured, "step {step}: loss {l}");
        assert_eq!(a.is_finite(), measured, "step {step}: accuracy {a}");
        if measured {
            assert!((0.0..=1.0).contains(&a));
        }
        // Each step's gradient comes with its mini-batch's loss, which the method saw (none
        // before the first step).
        assert_eq!(
            row[seen].parse::<f64>().unwrap().is_finite(),
            step > 0,
            "step {step}"
        );
    }
    // The same run with `--noise batch:size=16` is the same run.
    let o2 = optiscope(&[
        "run",
        "--problem",
        "mlp:data=xor,n=64,hidden=4,act=tanh,loss=bce",
        "--noise",
        "batch:size=16",
        "--optimizer",
        "sgd:lr=0.5",
        "--steps",
        "12",
    ]);
    assert_eq!(stdout(&o), stdout(&o2));
    // And a full-batch run is another.
    let o3 = optiscope(&[
        "run",
        "--problem",
        "mlp:data=xor,n=64,hidden=4",
        "--optimizer",
        "sgd:lr=0.5",
        "--steps",
        "12",
    ]);
    assert_ne!(stdout(&o), stdout(&o3));
    let bad = optiscope(&[
        "run",
        "--problem",
        "mlp:data=nowhere.csv",
        "--optimizer",
        "sgd",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("nowhere.csv"), "{}", stderr(&bad));
}

/// `optiscope sweep` writes a row per cell, seed and optimizer, read by header; the shards of
/// `--shard I/N`, joined by `sweep merge`, give the same file; bad sweeps exit 2 and say why.
#[test]
fn a_sweep_writes_its_grid_and_its_shards_merge_into_the_same_file() {
    let dir = std::env::temp_dir().join(format!("optiscope-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let common = [
        "sweep",
        "--problem",
        "double_well",
        "--optimizer",
        "gd:lr=0.05",
        "--param",
        "start.0=-0.5,0.5",
        "--param",
        "noise.grad.std=log:0.01:1:3",
        "--seeds",
        "2",
        "--steps",
        "300",
    ];
    let whole = optiscope(&common);
    assert!(whole.status.success(), "{}", stderr(&whole));
    let text = stdout(&whole);
    let (header, rows) = csv(&text);
    assert_eq!(rows.len(), 2 * 3 * 2);
    for name in [
        "cell",
        "start.0",
        "noise.grad.std",
        "seed",
        "optimizer",
        "final_loss",
        "steps_to_target",
        "evals_to_target",
        "reached",
        "minimum",
        "minimum_f",
        "diverged",
    ] {
        col(&header, name);
    }
    let (x, m, seed) = (
        col(&header, "start.0"),
        col(&header, "minimum"),
        col(&header, "seed"),
    );
    for r in &rows {
        // From x = ±0.5 with little noise, descent ends in the well on its side.
        let x: f64 = r[x].parse().unwrap();
        assert!(["0", "1"].contains(&r[m].as_str()), "{r:?}");
        assert!(["0", "1"].contains(&r[seed].as_str()));
        if r[col(&header, "noise.grad.std")] == "0.01" {
            assert_eq!(r[m] == "1", x > 0.0, "{r:?}");
        }
    }
    let mut shards = Vec::new();
    for i in 0..3 {
        let path = dir.join(format!("shard{i}.csv"));
        let shard = format!("{i}/3");
        let mut args = common.to_vec();
        args.extend(["--shard", &shard, "--out", path.to_str().unwrap()]);
        let o = optiscope(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        shards.push(path);
    }
    let paths: Vec<&str> = shards.iter().map(|p| p.to_str().unwrap()).collect();
    let mut merge = vec!["sweep", "merge"];
    merge.extend(&paths);
    let merged = optiscope(&merge);
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert_eq!(stdout(&merged), text);
    // A shard merged twice is refused.
    let twice = optiscope(&["sweep", "merge", paths[0], paths[0]]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("appears twice"),
        "{}",
        stderr(&twice)
    );
    std::fs::remove_dir_all(&dir).ok();
    // A sweep longer than one chunk of jobs: every row, in cell order.
    let long = optiscope(&[
        "sweep",
        "--problem",
        "sphere",
        "--optimizer",
        "gd",
        "--param",
        "start.0=lin:-1:1:170",
        "--param",
        "start.1=lin:-1:1:100",
        "--steps",
        "1",
    ]);
    assert!(long.status.success(), "{}", stderr(&long));
    let (_, rows) = csv(&stdout(&long));
    assert_eq!(rows.len(), 17_000);
    assert!(rows.iter().enumerate().all(|(i, r)| r[0] == i.to_string()));
    for (args, says) in [
        (
            vec!["--param", "start.0=lin:0:1:0"],
            "the count must be from 1",
        ),
        (vec!["--param", "start.0=log:-1:1:3"], "both ends > 0"),
        (vec!["--param", "optimizers.3.lr=0.1"], "optimizers 0 to 0"),
        (vec!["--param", "wind=1,2"], "unknown parameter path `wind`"),
        (
            vec!["--param", "optimizers.0.beta=1"],
            "has no parameter `beta`",
        ),
        (vec!["--seeds", "0"], "--seeds must be at least 1"),
        (vec!["--steps", "0"], "`steps` must be at least 1"),
        (vec!["--shard", "3/3"], "--shard `3/3`"),
        (vec!["--target", "low"], "--target: `low`"),
    ] {
        let mut all = vec!["sweep", "--problem", "double_well", "--optimizer", "gd"];
        all.extend(args);
        let o = optiscope(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{all:?}: {}", stderr(&o));
    }
}

/// `sweep --summary` writes one row per cell and optimizer: the mean of the raw rows' final
/// losses, with its interval and the fraction reaching the target; it cannot take a shard.
#[test]
fn a_sweep_summary_averages_the_seeds_of_each_cell() {
    let args = [
        "sweep",
        "--problem",
        "double_well",
        "--optimizer",
        "gd:lr=0.05",
        "--param",
        "start.0=-0.5,0.05,0.5",
        "--noise",
        "grad:std=1",
        "--seeds",
        "20",
        "--steps",
        "200",
        "--target",
        "0.05",
    ];
    let raw = optiscope(&args);
    assert!(raw.status.success(), "{}", stderr(&raw));
    let (rh, rows) = csv(&stdout(&raw));
    let mut with = args.to_vec();
    with.push("--summary");
    let sum = optiscope(&with);
    assert!(sum.status.success(), "{}", stderr(&sum));
    let (sh, cells) = csv(&stdout(&sum));
    assert_eq!(cells.len(), 3);
    for c in &cells {
        let cell = &c[col(&sh, "cell")];
        let mine: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| &r[col(&rh, "cell")] == cell)
            .collect();
        assert_eq!(c[col(&sh, "runs")], mine.len().to_string());
        let mean = mine
            .iter()
            .map(|r| r[col(&rh, "final_loss")].parse::<f64>().unwrap())
            .sum::<f64>()
            / mine.len() as f64;
        let got: f64 = c[col(&sh, "mean_final_loss")].parse().unwrap();
        assert!(
            (got - mean).abs() <= 1e-12 * mean.abs().max(1e-300),
            "{got} against {mean}"
        );
        let reached = mine
            .iter()
            .filter(|r| r[col(&rh, "reached")] == "true")
            .count();
        let p: f64 = c[col(&sh, "p_reached")].parse().unwrap();
        assert_eq!(p, reached as f64 / mine.len() as f64);
        assert!(c[col(&sh, "ci95")].parse::<f64>().unwrap() > 0.0);
    }
    with.extend(["--shard", "0/2"]);
    assert_eq!(optiscope(&with).status.code(), Some(2));
}
