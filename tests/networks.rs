//! Networks trained end to end through `Run::step`: the fidelity targets of the networks
//! issue, mini-batches as reproducible noise, and measurements every k steps.
#![allow(clippy::unwrap_used)] // A panic in a test is a failure with a message.

use optiscope::engine::Run;
use optiscope::noise::Noise;
use optiscope::optim::Method;
use optiscope::problem::Problem;
use optiscope::spec;

fn problem(s: &str) -> Problem {
    spec::parse(s, "problem", Problem::keys()).unwrap()
}

fn method(s: &str) -> Method {
    spec::parse(s, "optimizer", Method::keys()).unwrap()
}

/// A run of one method from the seed's initial weights.
fn run(p: &Problem, m: &str, seed: u64, noise: Noise) -> Run {
    Run::new(
        p,
        &[(m.into(), method(m))],
        &p.seeded_start(seed),
        seed,
        noise,
    )
}

/// Steps until the racer's training accuracy (measured every k steps) reaches `target`, or
/// `None` within `budget`.
fn steps_to_accuracy(run: &mut Run, target: f64, budget: u64) -> Option<u64> {
    for _ in 0..budget {
        run.step();
        let r = &run.racers()[0];
        if r.measured() && r.metrics().accuracy >= target {
            return Some(r.step_idx());
        }
    }
    None
}

#[test]
fn adam_learns_the_two_spirals() {
    let p = problem("mlp:data=two_spirals,n=256,noise=0,hidden=32x32,act=tanh,test=0");
    let mut r = run(&p, "adam:lr=0.01", 0, Noise::default());
    let reached = steps_to_accuracy(&mut r, 0.97, 5_000);
    assert!(
        reached.is_some(),
        "accuracy {}",
        r.racers()[0].metrics().accuracy
    );
}

#[test]
fn a_small_net_learns_iris() {
    let p = problem("mlp:data=iris,hidden=16,act=tanh,loss=ce");
    assert_eq!(p.dim(), 4 * 16 + 16 + 16 * 3 + 3);
    let mut r = run(&p, "adam:lr=0.01", 0, Noise::default());
    let reached = steps_to_accuracy(&mut r, 0.97, 3_000);
    assert!(
        reached.is_some(),
        "accuracy {}",
        r.racers()[0].metrics().accuracy
    );
}

#[test]
fn spsa_halves_the_loss_on_xor_from_function_values_alone() {
    let p = problem("mlp:data=xor,n=200,hidden=8");
    let mut r = run(&p, "spsa:a=1,c=0.01,big_a=100", 1, Noise::default());
    let first = r.racers()[0].loss();
    for _ in 0..3_000 {
        r.step();
    }
    let racer = &r.racers()[0];
    assert!(racer.measured());
    assert!(racer.loss() < 0.5 * first, "{first} → {}", racer.loss());
    assert_eq!(racer.counts().g, 0, "SPSA asked for a gradient");
}

#[test]
fn mini_batches_are_reproducible_noise_and_epochs_are_counted() {
    let p = problem("mlp:data=moons,n=100,hidden=8,test=0");
    let mut noise = Noise::default();
    noise.batch.size = 10;
    let mut a = run(&p, "sgd:lr=0.5", 3, noise.clone());
    let mut b = run(&p, "sgd:lr=0.5", 3, noise.clone());
    let mut full = run(&p, "sgd:lr=0.5", 3, Noise::default());
    for _ in 0..25 {
        a.step();
        b.step();
        full.step();
    }
    let (ra, rb) = (&a.racers()[0], &b.racers()[0]);
    assert_eq!(ra.x(), rb.x(), "a scene and a seed must replay bit for bit");
    assert_ne!(ra.x(), full.racers()[0].x(), "the batch changed nothing");
    assert_eq!(ra.epochs(100), 2.5);
    assert_eq!(full.racers()[0].epochs(100), 0.0);
    // Another seed draws other batches (and other weights).
    let c = run(&p, "sgd:lr=0.5", 4, noise);
    assert_ne!(c.racers()[0].x(), ra.x());
}

/// With batches on, SPSA's two evaluations of a step see one batch, and the batches differ
/// from step to step.
#[test]
fn a_step_sees_one_batch_and_the_next_step_another() {
    let p = problem("mlp:data=moons,n=100,hidden=4,test=0");
    let mut noise = Noise::default();
    noise.batch.size = 25;
    let mut r = run(&p, "spsa", 0, noise);
    let mut seen = Vec::new();
    for _ in 0..8 {
        r.step();
        seen.push(r.racers()[0].seen());
    }
    assert!(seen.iter().all(|s| s.is_finite()));
    assert!(seen.windows(2).any(|w| w[0] != w[1]));
    assert_eq!(r.racers()[0].epochs(100), 2.0);
}

#[test]
fn a_network_measures_every_k_steps_and_says_which() {
    let p = problem("mlp:data=circles,n=80,hidden=6,measure_every=5");
    let mut r = run(&p, "adam:lr=0.01", 0, Noise::default());
    assert_eq!(r.measure_every(), 5);
    assert!(r.racers()[0].measured(), "the start is measured");
    let mut measured = Vec::new();
    for _ in 0..12 {
        r.step();
        measured.push(r.racers()[0].measured());
    }
    let at: Vec<usize> = (1..=12).filter(|s| measured[s - 1]).collect();
    assert_eq!(at, vec![5, 10]);
    let m = r.racers()[0].metrics();
    assert!((0.0..=1.0).contains(&m.accuracy) && (0.0..=1.0).contains(&m.test_accuracy));
    assert!(m.test_loss > 0.0);
    // Closed-form problems still measure every step.
    let f = problem("rosenbrock");
    let r = Run::new(
        &f,
        &[("sgd".into(), method("sgd:lr=0.001"))],
        &[-1.5, 2.0],
        0,
        Noise::default(),
    );
    assert_eq!(r.measure_every(), 1);
}

#[test]
fn node_perturbation_halves_the_loss_on_xor_and_needs_a_network() {
    let p = problem("mlp:data=xor,n=200,hidden=8");
    let mut r = run(
        &p,
        "node_perturbation:lr=0.5,sigma=0.001",
        1,
        Noise::default(),
    );
    let first = r.racers()[0].loss();
    for _ in 0..3_000 {
        r.step();
    }
    let racer = &r.racers()[0];
    assert!(racer.loss() < 0.5 * first, "{first} → {}", racer.loss());
    assert_eq!((racer.counts().f, racer.counts().g), (6_000, 0));
    let e = method("node_perturbation")
        .check_fits("rosenbrock", problem("rosenbrock").build().provides(), 2)
        .unwrap_err();
    assert!(e.contains("a network"), "{e}");
}

#[test]
fn muon_steps_its_matrices_orthogonally_and_its_biases_by_adamw() {
    let p = problem("mlp:data=xor,n=64,hidden=8x8,test=0");
    let mut r = run(&p, "muon", 0, Noise::default());
    let start = r.racers()[0].x().clone();
    let first = r.racers()[0].loss();
    for _ in 0..300 {
        r.step();
    }
    let racer = &r.racers()[0];
    assert!(racer.loss() < 0.5 * first, "{first} → {}", racer.loss());
    // The first weight matrix's last update was within the quintic iteration's band of UVᵀ.
    let error = racer.diagnostics()[0];
    assert!(
        error.is_finite() && error < 0.5,
        "orthogonality error {error}"
    );
    // Biases start at zero and moved (AdamW's part): the first layer's 8 biases follow its
    // 2 × 8 weights.
    let moved = (16..24).filter(|&i| racer.x()[i] != start[i]).count();
    assert_eq!(moved, 8);
}

/// Feedback alignment learns through fixed random feedback, and its last layer's weights turn
/// towards that feedback (Lillicrap et al.'s alignment), while backprop's need not.
#[test]
fn feedback_alignment_learns_and_its_weights_align_with_the_feedback() {
    let p = problem("mlp:data=circles,n=128,hidden=16,test=0");
    let mut r = run(&p, "feedback_alignment:lr=0.5", 2, Noise::default());
    let first = r.racers()[0].loss();
    let mut alignment = Vec::new();
    for k in 0..3_000 {
        r.step();
        if k % 500 == 0 {
            alignment.push(r.racers()[0].diagnostics()[0]);
        }
    }
    let racer = &r.racers()[0];
    assert!(racer.loss() < 0.5 * first, "{first} → {}", racer.loss());
    let last = racer.diagnostics()[0];
    assert!(
        last > 0.3 && last > alignment[0],
        "alignment {alignment:?} → {last}"
    );
    assert_eq!((racer.counts().f, racer.counts().g), (0, 3_000));
}

/// The sharpness a network run reports is the Hessian's eigenvalue of largest magnitude (here
/// against a dense Hessian's eigen-decomposition), measured every ten measurements, and
/// η·λ_max/2 puts it against the edge of stability.
#[test]
fn the_sharpness_is_the_top_hessian_eigenvalue() {
    use optiscope::linalg::{Matrix, symmetric_eigen_in_place};
    let p = problem("mlp:data=xor,n=64,hidden=4,test=0,measure_every=5");
    let mut r = run(&p, "gd:lr=0.3", 0, Noise::default());
    assert!(r.racers()[0].sharpness().is_some(), "measured at the start");
    let mut measured = Vec::new();
    for _ in 0..1_000 {
        r.step();
        if let Some(s) = r.racers()[0].sharpness() {
            measured.push((r.racers()[0].step_idx(), s));
        }
    }
    // Every 10 × 5 steps.
    assert_eq!(measured.len(), 20);
    assert!(measured.iter().all(|(step, _)| step % 50 == 0));
    let [lambda, edge] = measured.last().unwrap().1;
    assert!((edge - 0.3 * lambda / 2.0).abs() < 1e-12);
    let objective = p.build();
    let x = r.racers()[0].x().clone();
    let mut h = objective.hessian(x.view());
    let mut v = Matrix::zeros(h.dim());
    symmetric_eigen_in_place(&mut h, &mut v);
    let top = (0..h.nrows())
        .map(|i| h[[i, i]])
        .max_by(|a, b| a.abs().total_cmp(&b.abs()))
        .unwrap();
    assert!(
        (lambda - top).abs() < 0.02 * top.abs(),
        "power iteration {lambda}, eigen {top}"
    );
}

/// The big landscape workload (W3_big) at its centre and corners, against the float64 numpy
/// reference's numbers: the inputs, the initialisation, the filter-normalized directions and
/// the plane's fast evaluation together.
#[test]
fn the_big_workloads_plane_matches_the_reference() {
    use ndarray::ArrayView1;
    use optiscope::problem::Objective as _;
    use optiscope::problem::mlp::workload;
    let (net, theta) = workload::big_workload();
    assert_eq!(
        [0, 1, 2].map(|i| workload::uniform(4, i)),
        [0.43145581774497377, 0.8924068459997183, 0.8591171495049661]
    );
    let [d1, d2] = workload::workload_directions(net.layout(), &theta, 5);
    let norm = |d: &[f64]| d.iter().map(|v| v * v).sum::<f64>().sqrt();
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs();
    assert!(close(norm(&d1), 14.081792525772974, 1e-12), "{}", norm(&d1));
    assert!(close(norm(&d2), 14.081792525771604, 1e-12), "{}", norm(&d2));
    let plane = net
        .plane(
            ArrayView1::from(&theta),
            ArrayView1::from(&d1),
            ArrayView1::from(&d2),
        )
        .unwrap();
    for (ab, want) in [
        ([0.0, 0.0], 2.452651389733837),
        ([-1.0, -1.0], 3.428649246368753),
        ([1.0, 1.0], 3.4513583560083405),
    ] {
        let got = plane.value(ab);
        assert!(close(got, want, 1e-12), "at {ab:?}: {got} vs {want}");
    }
    assert!(close(
        net.value(ArrayView1::from(&theta)),
        2.452651389733837,
        1e-12
    ));
}

/// The small landscape workload (W3_small) at the references' trained weights: the directions
/// and the plane's centre and corners against the float64 numpy reference's numbers.
#[test]
fn the_small_workloads_plane_matches_the_reference() {
    use ndarray::ArrayView1;
    use optiscope::problem::Objective as _;
    use optiscope::problem::mlp::workload;
    let (net, _) = workload::small_workload();
    let theta =
        workload::parse_weights(include_str!("../benches/data/w3_small_trained_weights.csv"))
            .unwrap();
    assert_eq!(theta.len(), 337);
    let [d1, d2] = workload::workload_directions(net.layout(), &theta, 2);
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs().max(1e-300);
    for (got, want) in d1[..3].iter().zip([
        -0.027854196644649692,
        0.42838504692321655,
        -2.836907213985982,
    ]) {
        assert!(close(*got, want, 1e-12), "{got} vs {want}");
    }
    // d₂'s last matrix (16 × 1): its first column's first entries.
    let w3 = net.layout().layer(2).0.start;
    for (got, want) in
        d2[w3..w3 + 3]
            .iter()
            .zip([-6.751013361778895, 0.28392271907767513, 0.8979980637558522])
    {
        assert!(close(*got, want, 1e-12), "{got} vs {want}");
    }
    let plane = net
        .plane(
            ArrayView1::from(&theta),
            ArrayView1::from(&d1),
            ArrayView1::from(&d2),
        )
        .unwrap();
    for (ab, want) in [
        ([0.0, 0.0], 0.0061017502380219385),
        ([-1.0, -1.0], 15.920264333737563),
        ([1.0, 1.0], 9.188539569849276),
    ] {
        let got = plane.value(ab);
        assert!(close(got, want, 1e-10), "at {ab:?}: {got} vs {want}");
    }
}

#[test]
fn activity_based_node_perturbation_learns_and_decorrelates_its_inputs() {
    let p = problem("mlp:data=xor,n=200,hidden=8");
    let mut r = run(
        &p,
        "anp_decorrelation:lr=0.2,decorrelate=false",
        1,
        Noise::default(),
    );
    let first = r.racers()[0].loss();
    for _ in 0..3_000 {
        r.step();
    }
    let racer = &r.racers()[0];
    assert!(racer.loss() < 0.5 * first, "{first} → {}", racer.loss());
    assert_eq!((racer.counts().f, racer.counts().g), (6_000, 0));
    // On inputs correlated at ρ = 0.95 the decorrelation matrix removes the correlation while
    // the network learns; without it the inputs stay correlated.
    let p = problem("mlp:data=blobs,classes=3,n=300,noise=0.3,hidden=8,correlation=0.95");
    for (spec, decorrelates) in [
        ("anp_decorrelation:lr=0.1,lr_decor=0.01", true),
        ("anp_decorrelation:lr=0.1,decorrelate=false", false),
    ] {
        let mut r = run(&p, spec, 1, Noise::default());
        r.step();
        let (first, before) = (r.racers()[0].loss(), r.racers()[0].diagnostics()[0]);
        assert!(before > 0.9, "ρ = 0.95 inputs: {before}");
        for _ in 0..1_000 {
            r.step();
        }
        let racer = &r.racers()[0];
        let after = racer.diagnostics()[0];
        assert!(
            racer.loss() < 0.5 * first,
            "{spec}: {first} → {}",
            racer.loss()
        );
        if decorrelates {
            assert!(after < 0.05, "{spec}: correlation {before} → {after}");
        } else {
            assert!((after - before).abs() < 1e-9, "{spec}: {before} → {after}");
        }
    }
}

/// Shampoo's first step, with ε small, is the polar factor UVᵀ of each weight matrix's
/// gradient G = UΣVᵀ (where Muon always steps: the sums hold only GGᵀ and GᵀG, so
/// (GGᵀ)^{−1/4} G (GᵀG)^{−1/4} = UVᵀ) and g/‖g‖ on each bias (full-matrix AdaGrad's first
/// step); then its sums train the net.
#[test]
fn shampoos_first_step_is_the_polar_factor_and_then_it_learns() {
    let p = problem("mlp:data=iris,hidden=,loss=ce,test=0");
    assert_eq!(p.dim(), 4 * 3 + 3);
    let start = p.seeded_start(0);
    let mut g = ndarray::Array1::zeros(p.dim());
    p.build()
        .gradient_into(ndarray::ArrayView1::from(&start[..]), g.view_mut());
    let lr = 0.01;
    let mut r = run(
        &p,
        &format!("shampoo:lr={lr},eps=1e-14"),
        0,
        Noise::default(),
    );
    r.step();
    let x = r.racers()[0].x();
    let step: Vec<f64> = (0..p.dim()).map(|i| (start[i] - x[i]) / lr).collect();
    // W is 4 × 3 (fan-in × fan-out). Softmax's gradient has columns summing to zero, so G has
    // rank 2, and its polar factor Q = U₂V₂ᵀ has QᵀQ the projector on G's row space.
    let q = |i: usize, j: usize| step[i * 3 + j];
    let gm = |i: usize, j: usize| g[i * 3 + j];
    for i in 0..4 {
        assert!((0..3).map(|j| gm(i, j)).sum::<f64>().abs() < 1e-12);
    }
    let qq: Vec<Vec<f64>> = (0..3)
        .map(|a| {
            (0..3)
                .map(|b| (0..4).map(|i| q(i, a) * q(i, b)).sum())
                .collect()
        })
        .collect();
    let trace = qq[0][0] + qq[1][1] + qq[2][2];
    assert!((trace - 2.0).abs() < 1e-6, "tr QᵀQ = {trace}");
    for a in 0..3 {
        for b in 0..3 {
            let square: f64 = (0..3).map(|k| qq[a][k] * qq[k][b]).sum();
            assert!(
                (square - qq[a][b]).abs() < 1e-6,
                "QᵀQ is not a projector: {qq:?}"
            );
        }
    }
    // S = QᵀG is symmetric with S² = GᵀG and a positive diagonal, and G = QS: the polar
    // decomposition.
    let s: Vec<Vec<f64>> = (0..3)
        .map(|a| {
            (0..3)
                .map(|b| (0..4).map(|i| q(i, a) * gm(i, b)).sum())
                .collect()
        })
        .collect();
    let scale = (0..12).map(|i| g[i].abs()).fold(0.0, f64::max);
    for a in 0..3 {
        assert!(s[a][a] > 0.0, "{s:?}");
        for b in 0..3 {
            assert!((s[a][b] - s[b][a]).abs() < 1e-6 * scale, "{s:?}");
            let s2: f64 = (0..3).map(|k| s[a][k] * s[k][b]).sum();
            let gg: f64 = (0..4).map(|i| gm(i, a) * gm(i, b)).sum();
            assert!(
                (s2 - gg).abs() < 1e-6 * scale * scale,
                "S² {s2} against GᵀG {gg}"
            );
        }
    }
    #[allow(clippy::needless_range_loop)] // G = QS reads as matrix indices.
    for i in 0..4 {
        for b in 0..3 {
            let qs: f64 = (0..3).map(|k| q(i, k) * s[k][b]).sum();
            assert!(
                (qs - gm(i, b)).abs() < 1e-6 * scale,
                "QS {qs} against G {}",
                gm(i, b)
            );
        }
    }
    // The biases step along g/‖g‖.
    let norm = (12..15).map(|i| g[i] * g[i]).sum::<f64>().sqrt();
    for i in 12..15 {
        assert!(
            (step[i] - g[i] / norm).abs() < 1e-6,
            "bias {i}: {} against {}",
            step[i],
            g[i] / norm
        );
    }

    // Heavy-ball momentum: the statistics do not see it, so the second step with μ differs from
    // the one without by μ times the first step.
    let second = |mu: f64| {
        let mut r = run(
            &p,
            &format!("shampoo:lr={lr},momentum={mu}"),
            0,
            Noise::default(),
        );
        r.step();
        let x1 = r.racers()[0].x().clone();
        r.step();
        (x1, r.racers()[0].x().clone())
    };
    let ((x1, with), (_, without)) = (second(0.9), second(0.0));
    for i in 0..p.dim() {
        let want = 0.9 * (start[i] - x1[i]);
        let got = without[i] - with[i];
        assert!(
            (got - want).abs() < 1e-12,
            "coordinate {i}: {got} against {want}"
        );
    }

    // With its sums (and stale roots between refreshes) it trains a hidden layer.
    let p = problem("mlp:data=xor,n=64,hidden=8x8,test=0");
    let mut r = run(&p, "shampoo", 0, Noise::default());
    let first = r.racers()[0].loss();
    for _ in 0..300 {
        r.step();
    }
    let racer = &r.racers()[0];
    assert!(racer.loss() < 0.5 * first, "{first} → {}", racer.loss());
    let kappa = racer.diagnostics()[0];
    assert!(kappa.is_finite() && kappa >= 1.0, "condition {kappa}");
}
