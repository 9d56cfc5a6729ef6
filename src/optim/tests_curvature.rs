//! Fidelity tests of the curvature ladder: line-search methods against SciPy's efficiency,
//! quadratic termination, the exact Newton iterates, and what each method draws.

use super::tests::{Solo, method, trajectory};
use super::*;
use crate::problem::Problem;
use crate::spec;

fn problem(s: &str) -> Problem {
    spec::parse(s, "problem", Problem::keys()).unwrap()
}

/// Steps `m` on `p` from `start` until ‖x − x*‖ < 1e-6; returns the iterations and the
/// function plus gradient evaluations it took.
fn to_tolerance(p: &Problem, m: &Method, start: &[f64], star: &[f64]) -> Option<(u64, u64)> {
    let mut solo = Solo::new(p, m, start);
    for k in 1..=1000 {
        solo.step().unwrap();
        let d: f64 = solo
            .x
            .iter()
            .zip(star)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        if d < 1e-6 {
            return Some((k, solo.state.counts.f + solo.state.counts.g));
        }
    }
    None
}

/// A problem, a start, its minimum, and SciPy's (iterations, evaluations) for BFGS and L-BFGS-B.
type Reference = (
    &'static str,
    &'static [f64],
    &'static [f64],
    (u64, u64),
    (u64, u64),
);

/// Iterations and function plus gradient evaluations SciPy 1.17.1 took to reach
/// ‖x − x*‖ < 1e-6 with `minimize(method="BFGS")` and `method="L-BFGS-B"`, default options
/// (for L-BFGS-B from (−1.2, 1) and in 5-D, whose default ftol stops short of 1e-6, with
/// gtol = 1e-9 and ftol = 1e-15), counted by wrapping fun and jac.
const SCIPY: [Reference; 7] = [
    ("rosenbrock", &[-1.5, 2.0], &[1.0, 1.0], (37, 88), (43, 106)),
    ("rosenbrock", &[-1.2, 1.0], &[1.0, 1.0], (32, 78), (37, 90)),
    ("rosenbrock", &[2.0, 2.0], &[1.0, 1.0], (30, 70), (26, 58)),
    (
        "rosenbrock:d=5",
        &[-1.2, 1.0, -1.2, 1.0, -1.2],
        &[1.0; 5],
        (48, 118),
        (50, 134),
    ),
    ("beale", &[1.0, 1.0], &[3.0, 0.5], (15, 34), (15, 32)),
    ("himmelblau", &[0.0, 0.0], &[3.0, 2.0], (10, 32), (10, 32)),
    (
        "quadratic:kappa=10,angle=30",
        &[-1.5, 2.0],
        &[0.0, 0.0],
        (6, 14),
        (8, 18),
    ),
];

#[test]
fn bfgs_and_lbfgs_are_as_efficient_as_scipy() {
    for (p, start, star, bfgs, lbfgs) in SCIPY {
        for (m, (iters, evals)) in [("bfgs", bfgs), ("lbfgs", lbfgs)] {
            let (k, n) = to_tolerance(&problem(p), &method(m), start, star)
                .unwrap_or_else(|| panic!("{m} on {p} from {start:?} never reached 1e-6"));
            assert!(
                k as f64 <= 1.2 * iters as f64 && n as f64 <= 1.2 * evals as f64,
                "{m} on {p} from {start:?}: {k} iterations and {n} evaluations; SciPy {iters} and {evals}"
            );
        }
    }
}

/// A = R diag(κ, 1) Rᵀ and its inverse, written out for κ = 10 and a 30° rotation.
fn quadratic_matrices() -> ([[f64; 2]; 2], [[f64; 2]; 2]) {
    let (s, c) = (0.5f64, 3f64.sqrt() / 2.0);
    let k = 10.0;
    let a = [
        [k * c * c + s * s, (k - 1.0) * c * s],
        [(k - 1.0) * c * s, k * s * s + c * c],
    ];
    let ki = 1.0 / k;
    let inv = [
        [ki * c * c + s * s, (ki - 1.0) * c * s],
        [(ki - 1.0) * c * s, ki * s * s + c * c],
    ];
    (a, inv)
}

/// The shape matrix of the method's inverse-Hessian ellipse.
fn estimate(solo: &Solo) -> Option<Vec<f64>> {
    let o = solo.overlay();
    o.items().iter().find_map(|item| match item.shape {
        Shape::Ellipse { shape, .. } if item.role == Role::InverseHessianEstimate => {
            Some(o.get_matrix(shape).iter().copied().collect())
        }
        _ => None,
    })
}

#[test]
fn bfgs_with_exact_searches_learns_a_quadratics_inverse_hessian_in_two_steps() {
    let (a, inv) = quadratic_matrices();
    let p = problem("quadratic:kappa=10,angle=30");
    for spec in ["bfgs:search=exact", "bfgs:search=exact,scale_h0=true"] {
        let mut solo = Solo::new(&p, &method(spec), &[-1.5, 2.0]);
        solo.step().unwrap();
        let after_one = estimate(&solo).unwrap();
        assert!(
            (after_one[0] - inv[0][0]).abs() > 1e-3,
            "one step cannot know the curvature yet"
        );
        solo.step().unwrap();
        let h = estimate(&solo).unwrap();
        for (got, want) in h.iter().zip(inv.iter().flatten()) {
            assert!(
                (got - want).abs() < 1e-10,
                "{spec}: H = {h:?}, A⁻¹ = {inv:?}"
            );
        }
        assert!(solo.x.iter().all(|v| v.abs() < 1e-12), "{spec}: {}", solo.x);
        // The matrices are inverse to each other (a check on the hand-written A⁻¹).
        let id = a[0][0] * inv[0][0] + a[0][1] * inv[1][0];
        assert!((id - 1.0).abs() < 1e-14);
    }
}

#[test]
fn conjugate_gradient_with_exact_searches_solves_a_2d_quadratic_in_two_steps() {
    let p = problem("quadratic:kappa=10,angle=30");
    for beta in ["polak_ribiere_plus", "fletcher_reeves"] {
        let m = method(&format!("conjugate_gradient:search=exact,beta={beta}"));
        let xs = trajectory(&p, &m, &[-1.5, 2.0], 2);
        assert!(
            xs[1].iter().any(|v| v.abs() > 0.1),
            "{beta}: one step is not enough"
        );
        assert!(xs[2].iter().all(|v| v.abs() < 1e-12), "{beta}: {:?}", xs[2]);
    }
    // Without conjugacy (restarting along −∇f every step) two steps do not reach it.
    let sd = method("conjugate_gradient:search=exact,restart_every=1");
    let xs = trajectory(&p, &sd, &[-1.5, 2.0], 2);
    assert!(xs[2].iter().any(|v| v.abs() > 1e-3), "{:?}", xs[2]);
}

#[test]
fn lbfgs_ellipse_meets_the_secant_equation_of_its_newest_pair() {
    let p = problem("rosenbrock");
    let f = p.build();
    let mut solo = Solo::new(&p, &method("lbfgs"), &[-1.5, 2.0]);
    for _ in 0..6 {
        let before = solo.x.clone();
        solo.step().unwrap();
        let Some(h) = estimate(&solo) else {
            panic!("L-BFGS draws its ellipse once it has a pair")
        };
        let s = &solo.x - &before;
        let y = f.gradient(solo.x.view()) - f.gradient(before.view());
        let hy = [h[0] * y[0] + h[1] * y[1], h[2] * y[0] + h[3] * y[1]];
        for i in 0..2 {
            assert!(
                (hy[i] - s[i]).abs() <= 1e-9 * s[i].abs().max(1e-12),
                "{hy:?} vs {s}"
            );
        }
        assert!((h[1] - h[2]).abs() < 1e-12 && h[0] > 0.0 && h[0] * h[3] > h[1] * h[2]);
    }
}

#[test]
fn quasi_newton_methods_ask_only_for_values_and_gradients_and_draw_their_search() {
    for m in ["bfgs", "lbfgs", "conjugate_gradient"] {
        let mut solo = Solo::new(&problem("rosenbrock"), &method(m), &[-1.5, 2.0]);
        for _ in 0..5 {
            solo.step().unwrap();
        }
        assert_eq!((solo.state.counts.h, solo.state.counts.hv), (0, 0), "{m}");
        let o = solo.overlay();
        let count = |r: Role| o.items().iter().filter(|i| i.role == r).count();
        assert_eq!(count(Role::TrialAccepted), 1, "{m}");
        assert_eq!(count(Role::SearchLine), 1, "{m}");
        // The kept trial is where the method now is.
        let kept = o
            .items()
            .iter()
            .find_map(|i| match i.shape {
                Shape::Point(v) if i.role == Role::TrialAccepted => Some(o.get(v).to_vec()),
                _ => None,
            })
            .unwrap();
        for (a, b) in kept.iter().zip(&solo.x) {
            assert!((a - b).abs() < 1e-12, "{m}: {kept:?} vs {}", solo.x);
        }
        let drawn_ellipse = count(Role::InverseHessianEstimate);
        assert_eq!(drawn_ellipse, usize::from(m != "conjugate_gradient"), "{m}");
    }
}

#[test]
fn wolfe_constants_must_be_ordered() {
    for m in ["bfgs", "lbfgs", "conjugate_gradient"] {
        let e = method(&format!("{m}:c1=0.5,c2=0.4"))
            .validate()
            .unwrap_err();
        assert!(e.contains("c1") && e.contains("c2") && e.contains(m), "{e}");
        assert!(method(&format!("{m}:c1=0.01,c2=0.4")).validate().is_ok());
    }
}

/// Rosenbrock's gradient and Hessian, written out by hand.
fn rosenbrock_derivatives(x: f64, y: f64) -> ([f64; 2], [[f64; 2]; 2]) {
    let g = [
        -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
        200.0 * (y - x * x),
    ];
    let h = [
        [2.0 - 400.0 * (y - x * x) + 800.0 * x * x, -400.0 * x],
        [-400.0 * x, 200.0],
    ];
    (g, h)
}

#[test]
fn pure_newton_follows_the_exact_newton_iterates_on_rosenbrock() {
    let xs = trajectory(&problem("rosenbrock"), &method("newton"), &[-1.5, 2.0], 7);
    let mut p = [-1.5, 2.0];
    for (k, x) in xs.iter().enumerate().skip(1) {
        let (g, h) = rosenbrock_derivatives(p[0], p[1]);
        // Cramer's rule for the 2 × 2 system H d = g.
        let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        let d = [
            (g[0] * h[1][1] - h[0][1] * g[1]) / det,
            (h[0][0] * g[1] - h[1][0] * g[0]) / det,
        ];
        p = [p[0] - d[0], p[1] - d[1]];
        for i in 0..2 {
            assert!(
                (x[i] - p[i]).abs() <= 1e-12 * p[i].abs().max(1.0),
                "step {k}: {x:?} vs {p:?}"
            );
        }
    }
    assert_eq!(xs[7], vec![1.0, 1.0]);
}

#[test]
fn newton_with_an_armijo_search_descends_at_every_step() {
    let p = problem("rosenbrock");
    let f = p.build();
    let pure = trajectory(&p, &method("newton"), &[-1.5, 2.0], 3);
    assert!(
        pure.windows(2)
            .any(|w| f.value(w[1].as_slice().into()) > f.value(w[0].as_slice().into())),
        "pure Newton climbs on its way (which the search prevents)"
    );
    let mut solo = Solo::new(&p, &method("newton:line_search=true"), &[-1.5, 2.0]);
    let mut last = solo.loss();
    for k in 0..30 {
        solo.step().unwrap();
        let now = solo.loss();
        assert!(now <= last, "{now} > {last}");
        last = now;
        if k == 0 {
            // Its overlay shows the search beside the model.
            let o = solo.overlay();
            assert!(o.items().iter().any(|i| i.role == Role::TrialAccepted));
            assert!(o.items().iter().any(|i| i.role == Role::Model));
        }
    }
    assert!(last < 1e-20, "{last}");
    assert!(solo.state.counts.f > 30, "the search asks for values");
}

#[test]
fn newton_is_drawn_to_the_saddle_and_saddle_free_and_cubic_newton_escape_it() {
    // ½(x² − y²) + ¼y⁴ from (1, 10⁻⁶): a strict saddle at the origin, minima at (0, ±1).
    let p = problem("saddle");
    let near = |x: &[f64], to: [f64; 2]| (x[0] - to[0]).abs() < 1e-8 && (x[1] - to[1]).abs() < 1e-8;
    let xs = trajectory(&p, &method("newton"), &[1.0, 1e-6], 100);
    assert!(near(&xs[100], [0.0, 0.0]), "newton: {:?}", xs[100]);
    for m in [
        "saddle_free_newton",
        "cubic_newton",
        "trust_region",
        "trust_region:solver=steihaug",
    ] {
        let xs = trajectory(&p, &method(m), &[1.0, 1e-6], 100);
        let x = &xs[100];
        assert!(
            near(x, [0.0, 1.0]) || near(x, [0.0, -1.0]),
            "{m} should reach a minimum: {x:?}"
        );
    }
}

#[test]
fn trust_region_solvers_match_scipys_dogleg_and_trust_ncg() {
    // SciPy 1.17.1, minimize(method="dogleg") and "trust-ncg" from (−1.5, 2) on Rosenbrock
    // (gtol = 1e-9, since the default stops before 1e-6): ‖x − x*‖ < 1e-6 at iteration 25 with
    // 26 values and 22 gradients, and at 52 with 53 and 45.
    for (m, iters, evals) in [
        ("trust_region", 25, 48),
        ("trust_region:solver=steihaug", 52, 98),
    ] {
        let (k, n) = to_tolerance(
            &problem("rosenbrock"),
            &method(m),
            &[-1.5, 2.0],
            &[1.0, 1.0],
        )
        .unwrap_or_else(|| panic!("{m} never converged"));
        assert!(
            k as f64 <= 1.2 * iters as f64 && n as f64 <= 1.2 * evals as f64,
            "{m}: {k} iterations, {n} evaluations; SciPy {iters} and {evals}"
        );
    }
}

#[test]
fn steihaug_asks_only_for_products_and_the_dogleg_for_the_dense_hessian() {
    let p = problem("rosenbrock");
    for (m, dense) in [
        ("trust_region", true),
        ("trust_region:solver=steihaug", false),
    ] {
        let m = method(m);
        assert_eq!(m.needs().hessian, dense);
        assert_eq!(m.needs().hvp, !dense);
        let mut solo = Solo::new(&p, &m, &[-1.5, 2.0]);
        for _ in 0..10 {
            solo.step().unwrap();
        }
        assert_eq!(solo.state.counts.h > 0, dense, "{:?}", solo.state.counts);
        assert_eq!(solo.state.counts.hv > 0, !dense, "{:?}", solo.state.counts);
    }
}

/// Steps `m` and yields, per step, whether x moved and the diagnostics before and after.
fn moves_and_diagnostics(m: &str, start: &[f64], n: usize) -> Vec<(bool, Vec<f64>, Vec<f64>)> {
    let p = problem("rosenbrock");
    let m = method(m);
    let k = m.config().diagnostics().len();
    let mut solo = Solo::new(&p, &m, start);
    let read = |s: &Solo| {
        let mut d = vec![f64::NAN; k];
        s.optimizer.diagnostics(&mut d);
        d
    };
    (0..n)
        .map(|_| {
            let (x0, d0) = (solo.x.clone(), read(&solo));
            solo.step().unwrap();
            (solo.x != x0, d0, read(&solo))
        })
        .collect()
}

#[test]
fn the_trust_radius_shrinks_after_a_refusal_and_grows_after_a_good_step() {
    let steps = moves_and_diagnostics("trust_region:radius0=5", &[-1.5, 2.0], 40);
    let (mut refused, mut grown) = (0, 0);
    // Once at the minimum (∇f = 0 exactly) nothing changes; those steps are left out.
    for (moved, before, after) in steps.iter().skip(1).filter(|(m, b, a)| *m || b != a) {
        let (r0, r1, rho) = (before[0], after[0], after[1]);
        if !moved {
            refused += 1;
            assert_eq!(r1, 0.25 * r0, "a refused step quarters Δ");
            assert!(rho <= 0.15, "refused with ρ = {rho}");
        } else if r1 > r0 {
            grown += 1;
            assert!(rho > 0.75 && r1 == (2.0 * r0).min(1000.0));
        }
    }
    assert!(
        refused > 0 && grown > 0,
        "{refused} refusals, {grown} expansions"
    );
}

#[test]
fn levenberg_marquardt_trades_damping_for_success() {
    let steps = moves_and_diagnostics("levenberg_marquardt:lambda0=100", &[-1.5, 2.0], 60);
    let (mut up, mut down) = (0, 0);
    for (moved, before, after) in steps.iter().skip(1).filter(|(m, b, a)| *m || b != a) {
        if *moved {
            down += 1;
            assert!((after[0] - 0.1 * before[0]).abs() <= 1e-15 * before[0]);
        } else {
            up += 1;
            assert!((after[0] - 10.0 * before[0]).abs() <= 1e-15 * after[0]);
        }
    }
    assert!(down > 5, "{up} failures, {down} successes");
    let xs = trajectory(
        &problem("rosenbrock"),
        &method("levenberg_marquardt"),
        &[-1.5, 2.0],
        100,
    );
    assert!((xs[100][0] - 1.0).abs() < 1e-9 && (xs[100][1] - 1.0).abs() < 1e-9);
}

#[test]
fn trust_region_and_damped_methods_draw_their_region_and_their_refusals() {
    let mut solo = Solo::new(
        &problem("rosenbrock"),
        &method("trust_region"),
        &[-1.5, 2.0],
    );
    solo.step().unwrap();
    let o = solo.overlay();
    let radius = o.items().iter().find_map(|i| match i.shape {
        Shape::Circle { radius, .. } if i.role == Role::TrustRegion => Some(radius),
        _ => None,
    });
    assert_eq!(radius, Some(1.0), "the first step's region has radius Δ₀");
    assert!(
        o.items()
            .iter()
            .any(|i| matches!(i.role, Role::Step | Role::TrialRejected))
    );
}

#[test]
fn gauss_newton_solves_rosenbrocks_residuals_in_two_exact_steps() {
    // At (−1.5, 2): r = (2.5, −2.5), J = [[−1, 0], [30, 10]], so (JᵀJ)⁻¹Jᵀr = (−2.5, 7.25) and
    // the step lands on (1, −5.25); there r = (0, −62.5), J = [[−1, 0], [−20, 10]], and the
    // second step, (0, −6.25), lands on the minimum.
    let xs = trajectory(
        &problem("rosenbrock_residuals"),
        &method("gauss_newton"),
        &[-1.5, 2.0],
        2,
    );
    for (got, want) in xs[1..].iter().zip([[1.0, -5.25], [1.0, 1.0]]) {
        for i in 0..2 {
            assert!((got[i] - want[i]).abs() < 1e-12, "{xs:?}");
        }
    }
}

#[test]
fn gauss_newton_converges_quadratically_on_a_zero_residual_fit() {
    let p = problem("curve_fit:noise=0");
    let mut solo = Solo::new(&p, &method("gauss_newton"), &[3.0, 1.5]);
    let mut errors = Vec::new();
    for _ in 0..12 {
        solo.step().unwrap();
        errors.push(((solo.x[0] - 2.0).powi(2) + (solo.x[1] - 0.7).powi(2)).sqrt());
    }
    assert!(errors[11] < 1e-13, "{errors:?}");
    // Quadratic: once close, each error is about the square of the last.
    let k = errors.iter().position(|e| *e < 1e-2).unwrap();
    assert!(errors[k + 1] < 10.0 * errors[k] * errors[k], "{errors:?}");
    assert_eq!(
        (solo.state.counts.h, solo.state.counts.hv),
        (0, 0),
        "residuals and Jacobians only"
    );
}

#[test]
fn the_natural_gradients_path_does_not_depend_on_the_parametrisation() {
    // The Gaussian fit in (μ, s) and in (μ, log s) from the same distribution N(−1.5, 2.5²):
    // the natural gradient takes the same path (to O(η)), plain gradient descent does not.
    let gap = |m: &str| {
        let a = trajectory(&problem("gaussian_fit"), &method(m), &[-1.5, 2.5], 200);
        let b = trajectory(
            &problem("gaussian_fit:parametrization=log_scale"),
            &method(m),
            &[-1.5, 2.5f64.ln()],
            200,
        );
        a.iter()
            .zip(&b)
            .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1].exp()).powi(2)).sqrt())
            .fold(0.0, f64::max)
    };
    let (natural, plain) = (gap("natural_gradient:lr=0.05"), gap("gd:lr=0.05"));
    assert!(natural < 0.01, "natural gradient paths differ by {natural}");
    assert!(
        plain > 0.3,
        "gradient descent's paths differ by only {plain}"
    );
}

#[test]
fn the_gaussian_fits_fisher_metrics_are_one_metric_in_two_coordinates() {
    // With s = e^ℓ, the Jacobian of (μ, ℓ) ↦ (μ, s) is diag(1, s), and F_ℓ = Jᵀ F_s J.
    let (fs, fl) = (
        problem("gaussian_fit").build(),
        problem("gaussian_fit:parametrization=log_scale").build(),
    );
    for (mu, s) in [(0.3, 0.5), (-1.0, 2.0)] {
        let mut a = crate::linalg::Matrix::zeros((2, 2));
        let mut b = a.clone();
        fs.fisher_into(ndarray::arr1(&[mu, s]).view(), a.view_mut());
        fl.fisher_into(ndarray::arr1(&[mu, f64::ln(s)]).view(), b.view_mut());
        let j = [1.0, s];
        for r in 0..2 {
            for c in 0..2 {
                assert!(
                    (b[[r, c]] - j[r] * a[[r, c]] * j[c]).abs() < 1e-12,
                    "{a} {b}"
                );
            }
        }
        // And the metric is the Fisher information of N(μ, s²) per sample: 1/s², 2/s².
        assert!(
            (a[[0, 0]] - 1.0 / (s * s)).abs() < 1e-12 && (a[[1, 1]] - 2.0 / (s * s)).abs() < 1e-12
        );
    }
}

#[test]
fn residual_and_fisher_methods_are_refused_where_those_are_missing() {
    let rosenbrock = problem("rosenbrock").build();
    let e = method("gauss_newton")
        .check_fits("rosenbrock", rosenbrock.provides(), 2)
        .unwrap_err();
    assert!(
        e.contains("`gauss_newton`") && e.contains("residuals"),
        "{e}"
    );
    let e = method("natural_gradient")
        .check_fits("rosenbrock", rosenbrock.provides(), 2)
        .unwrap_err();
    assert!(e.contains("Fisher"), "{e}");
    let fits = problem("curve_fit").build();
    assert!(
        method("gauss_newton")
            .check_fits("curve_fit", fits.provides(), 2)
            .is_ok()
    );
}

#[test]
fn residuals_and_jacobians_agree_with_the_value_and_the_gradient() {
    for p in ["curve_fit", "rosenbrock_residuals"] {
        let f = problem(p).build();
        let m = f.residual_count();
        for x in [[3.0, 1.5], [-0.5, 0.8]] {
            let x = ndarray::arr1(&x);
            let mut r = crate::linalg::Vector::zeros(m);
            let mut j = crate::linalg::Matrix::zeros((m, 2));
            f.residuals_into(x.view(), r.view_mut());
            f.jacobian_into(x.view(), j.view_mut());
            let value = f.value(x.view());
            assert!((r.dot(&r) - value).abs() <= 1e-12 * value.max(1.0), "{p}");
            let g = f.gradient(x.view());
            let jtr = j.t().dot(&r) * 2.0;
            for i in 0..2 {
                assert!(
                    (g[i] - jtr[i]).abs() <= 1e-10 * g[i].abs().max(1.0),
                    "{p}: {g} {jtr}"
                );
            }
        }
    }
}

#[test]
fn bfgs_first_update_follows_the_formula_from_its_scaled_start() {
    // With scale_h0, H₀ = γI with γ = sᵀy/yᵀy, and H₁ = (I − ρsyᵀ)H₀(I − ρysᵀ) + ρssᵀ.
    let p = problem("rosenbrock");
    let f = p.build();
    let mut solo = Solo::new(&p, &method("bfgs:scale_h0=true"), &[-1.5, 2.0]);
    let x0 = solo.x.clone();
    solo.step().unwrap();
    let s = &solo.x - &x0;
    let y = f.gradient(solo.x.view()) - f.gradient(x0.view());
    let (sy, yy) = (s.dot(&y), y.dot(&y));
    let (gamma, rho) = (sy / yy, 1.0 / sy);
    let h = estimate(&solo).unwrap();
    for i in 0..2 {
        for j in 0..2 {
            let id = |a: usize, b: usize| if a == b { 1.0 } else { 0.0 };
            // ((I − ρsyᵀ) γ (I − ρysᵀ))ᵢⱼ = γ Σₖ (δᵢₖ − ρsᵢyₖ)(δₖⱼ − ρyₖsⱼ).
            let mut want = rho * s[i] * s[j];
            for k in 0..2 {
                want += gamma * (id(i, k) - rho * s[i] * y[k]) * (id(k, j) - rho * y[k] * s[j]);
            }
            assert!(
                (h[i * 2 + j] - want).abs() < 1e-12 * want.abs().max(1.0),
                "{h:?}"
            );
        }
    }
    // BFGS keeps a dense matrix, so it is refused where that would be too large.
    assert!(method("bfgs").needs().dense_state);
    let big = f.provides();
    assert!(method("bfgs").check_fits("rosenbrock", big, 600).is_err());
    assert!(method("lbfgs").check_fits("rosenbrock", big, 600).is_ok());
}

#[test]
fn damped_metric_steps_solve_the_damped_system_and_report_their_length() {
    // Natural gradient at (μ, ℓ) = (−1.5, log 2.5) with λ = 0.5: (F + λI)d = ∇f, F = diag(1/s², 2).
    let p = problem("gaussian_fit:parametrization=log_scale");
    let f = p.build();
    let x0 = ndarray::arr1(&[-1.5, 2.5f64.ln()]);
    let g = f.gradient(x0.view());
    let s2 = 2.5f64 * 2.5;
    let d = [g[0] / (1.0 / s2 + 0.5), g[1] / (2.0 + 0.5)];
    let mut solo = Solo::new(
        &p,
        &method("natural_gradient:lr=0.1,damping=0.5"),
        &[x0[0], x0[1]],
    );
    solo.step().unwrap();
    for i in 0..2 {
        assert!(
            (solo.x[i] - (x0[i] - 0.1 * d[i])).abs() < 1e-14,
            "{}",
            solo.x
        );
    }
    let mut norm = [0.0];
    solo.optimizer.diagnostics(&mut norm);
    let moved = ((solo.x[0] - x0[0]).powi(2) + (solo.x[1] - x0[1]).powi(2)).sqrt();
    assert!((norm[0] - moved).abs() < 1e-14, "{} vs {moved}", norm[0]);
    // Gauss–Newton at (−1.5, 2) on Rosenbrock's residuals with λ = 10: (JᵀJ + 10I)d = Jᵀr with
    // JᵀJ = [[901, 300], [300, 100]] and Jᵀr = (−77.5, −25).
    let (a, b, c) = (911.0, 300.0, 110.0);
    let det = a * c - b * b;
    let d = [(c * -77.5 - b * -25.0) / det, (a * -25.0 - b * -77.5) / det];
    let xs = trajectory(
        &problem("rosenbrock_residuals"),
        &method("gauss_newton:damping=10"),
        &[-1.5, 2.0],
        1,
    );
    assert!((xs[1][0] - (-1.5 - d[0])).abs() < 1e-13 && (xs[1][1] - (2.0 - d[1])).abs() < 1e-13);
}
