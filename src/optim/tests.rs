//! Conformance tests of the optimizers: torch.optim's documented rules, Newton's exact
//! convergence, and table tests over every method (reference trajectories are in
//! `tests_reference.rs`, the curvature ladder's fidelity in `tests_curvature.rs`).

use rand::SeedableRng as _;
use rand_pcg::Pcg64;

use super::*;
use crate::noise::{GradNoise, Noise};
use crate::params::ParamValue;
use crate::problem::{Objective, Problem, Provides, QuadraticConfig, RosenbrockConfig};
use crate::spec;

const START: [f64; 2] = [-1.5, 2.0];

/// One method stepping alone through the oracle (the engine's racers do the same, with streams
/// derived from the scene seed).
#[derive(Clone)]
pub(super) struct Solo {
    pub(super) objective: std::sync::Arc<dyn Objective>,
    pub(super) optimizer: Box<dyn Optimizer>,
    pub(super) x: Vector,
    pub(super) noise: Noise,
    pub(super) state: OracleState,
}

impl Solo {
    pub(super) fn new(problem: &Problem, method: &Method, start: &[f64]) -> Self {
        let objective: std::sync::Arc<dyn Objective> = std::sync::Arc::from(problem.build());
        Self {
            optimizer: method.build(objective.dim()),
            x: Vector::from(start.to_vec()),
            objective,
            noise: Noise::default(),
            state: OracleState::new(
                start.len(),
                Pcg64::seed_from_u64(1),
                Pcg64::seed_from_u64(2),
            ),
        }
    }

    /// The same, with streams from `seed`.
    pub(super) fn seeded(problem: &Problem, method: &Method, start: &[f64], seed: u64) -> Self {
        let mut solo = Self::new(problem, method, start);
        solo.state = OracleState::new(
            start.len(),
            Pcg64::seed_from_u64(2 * seed + 1),
            Pcg64::seed_from_u64(2 * seed + 2),
        );
        solo
    }

    pub(super) fn step(&mut self) -> Result<(), Halt> {
        let mut oracle = Oracle::new(self.objective.as_ref(), &self.noise, &mut self.state);
        let result = self.optimizer.step(&mut self.x, &mut oracle);
        let optimizer = &self.optimizer;
        oracle.end_step(&mut self.x, || optimizer.step_size().unwrap_or(1.0));
        result
    }

    pub(super) fn loss(&self) -> f64 {
        self.objective.value(self.x.view())
    }

    /// The method's overlay now.
    pub(super) fn overlay(&self) -> Overlay {
        let mut o = Overlay::new(self.x.len());
        self.optimizer.overlay(&mut o);
        o
    }
}

/// Runs one method on `problem` and returns the iterates x_0 … x_n.
pub(super) fn trajectory(
    problem: &Problem,
    method: &Method,
    start: &[f64],
    n: usize,
) -> Vec<Vec<f64>> {
    let mut solo = Solo::new(problem, method, start);
    let mut xs = vec![solo.x.to_vec()];
    for _ in 0..n {
        solo.step().unwrap();
        xs.push(solo.x.to_vec());
    }
    xs
}

/// Rosenbrock, or for a method that needs residuals Rosenbrock written as residuals (the same
/// landscape), or for one that needs a Fisher metric the Gaussian fit in (μ, log s).
pub(super) fn home(m: &Method) -> Problem {
    let key = if m.needs().neuron {
        "neuron_tuning"
    } else if m.needs().network {
        "mlp:data=xor,n=64,hidden=4"
    } else if m.needs().fisher {
        "gaussian_fit:parametrization=log_scale"
    } else if m.needs().residuals {
        "rosenbrock_residuals"
    } else {
        "rosenbrock"
    };
    spec::parse(key, "problem", Problem::keys()).unwrap()
}

/// The start on a method's home problem: Rosenbrock's classic start, or a network's initial
/// weights.
pub(super) fn home_start(m: &Method) -> Vec<f64> {
    let p = home(m);
    if p.dim() == 2 {
        START.to_vec()
    } else {
        p.seeded_start(0)
    }
}

fn rosenbrock() -> Problem {
    Problem::Rosenbrock(RosenbrockConfig::default())
}

/// ∇ of (1 − x)² + 100(y − x²)², written out independently of `problem::functions`.
fn rosen_grad(p: [f64; 2]) -> [f64; 2] {
    let [x, y] = p;
    [
        -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
        200.0 * (y - x * x),
    ]
}

/// The update rules exactly as torch.optim's documentation writes them, one coordinate at a time.
enum Reference {
    Sgd {
        lr: f64,
        momentum: f64,
        dampening: f64,
        nesterov: bool,
        wd: f64,
    },
    Adagrad {
        lr: f64,
        lr_decay: f64,
        eps: f64,
        init: f64,
        wd: f64,
    },
    Rmsprop {
        lr: f64,
        alpha: f64,
        eps: f64,
        momentum: f64,
        centered: bool,
        wd: f64,
    },
    Adam {
        lr: f64,
        b1: f64,
        b2: f64,
        eps: f64,
        wd: f64,
        amsgrad: bool,
        decoupled: bool,
    },
}

impl Reference {
    fn run(&self, n: usize) -> Vec<[f64; 2]> {
        let mut th = START;
        let (mut b, mut s, mut v, mut m, mut gave, mut vmax) = (
            [0.0f64; 2],
            [0.0f64; 2],
            [0.0f64; 2],
            [0.0f64; 2],
            [0.0f64; 2],
            [0.0f64; 2],
        );
        if let Reference::Adagrad { init, .. } = self {
            s = [*init; 2];
        }
        let mut out = vec![th];
        for t in 1..=n {
            let g0 = rosen_grad(th);
            for i in 0..2 {
                let mut g = g0[i];
                match *self {
                    Reference::Sgd {
                        lr,
                        momentum,
                        dampening,
                        nesterov,
                        wd,
                    } => {
                        g += wd * th[i];
                        if momentum != 0.0 {
                            b[i] = if t > 1 {
                                momentum * b[i] + (1.0 - dampening) * g
                            } else {
                                g
                            };
                            g = if nesterov { g + momentum * b[i] } else { b[i] };
                        }
                        th[i] -= lr * g;
                    }
                    Reference::Adagrad {
                        lr,
                        lr_decay,
                        eps,
                        wd,
                        ..
                    } => {
                        g += wd * th[i];
                        let clr = lr / (1.0 + (t as f64 - 1.0) * lr_decay);
                        s[i] += g * g;
                        th[i] -= clr * g / (s[i].sqrt() + eps);
                    }
                    Reference::Rmsprop {
                        lr,
                        alpha,
                        eps,
                        momentum,
                        centered,
                        wd,
                    } => {
                        g += wd * th[i];
                        v[i] = alpha * v[i] + (1.0 - alpha) * g * g;
                        let mut vt = v[i];
                        if centered {
                            gave[i] = gave[i] * alpha + (1.0 - alpha) * g;
                            vt -= gave[i] * gave[i];
                        }
                        if momentum > 0.0 {
                            b[i] = momentum * b[i] + g / (vt.sqrt() + eps);
                            th[i] -= lr * b[i];
                        } else {
                            th[i] -= lr * g / (vt.sqrt() + eps);
                        }
                    }
                    Reference::Adam {
                        lr,
                        b1,
                        b2,
                        eps,
                        wd,
                        amsgrad,
                        decoupled,
                    } => {
                        if decoupled {
                            th[i] -= lr * wd * th[i];
                        } else {
                            g += wd * th[i];
                        }
                        m[i] = b1 * m[i] + (1.0 - b1) * g;
                        v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                        let mhat = m[i] / (1.0 - b1.powi(t as i32));
                        vmax[i] = vmax[i].max(v[i]);
                        let vhat = if amsgrad { vmax[i] } else { v[i] } / (1.0 - b2.powi(t as i32));
                        th[i] -= lr * mhat / (vhat.sqrt() + eps);
                    }
                }
            }
            out.push(th);
        }
        out
    }
}

pub(super) fn method(s: &str) -> Method {
    spec::parse(s, "optimizer", Method::keys()).unwrap()
}

#[test]
fn first_order_methods_follow_torch_documented_rules_for_500_steps() {
    use Reference as R;
    let cases = [
        (
            "gd:lr=0.001",
            R::Sgd {
                lr: 1e-3,
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                wd: 0.0,
            },
        ),
        (
            "sgd:lr=0.001",
            R::Sgd {
                lr: 1e-3,
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                wd: 0.0,
            },
        ),
        (
            "sgd:lr=0.0002,momentum=0.9",
            R::Sgd {
                lr: 2e-4,
                momentum: 0.9,
                dampening: 0.0,
                nesterov: false,
                wd: 0.0,
            },
        ),
        (
            "sgd:lr=0.0002,momentum=0.8,nesterov=true",
            R::Sgd {
                lr: 2e-4,
                momentum: 0.8,
                dampening: 0.0,
                nesterov: true,
                wd: 0.0,
            },
        ),
        (
            "sgd:lr=0.0005,momentum=0.5,dampening=0.3,weight_decay=0.05",
            R::Sgd {
                lr: 5e-4,
                momentum: 0.5,
                dampening: 0.3,
                nesterov: false,
                wd: 0.05,
            },
        ),
        (
            "adagrad:lr=0.2",
            R::Adagrad {
                lr: 0.2,
                lr_decay: 0.0,
                eps: 1e-10,
                init: 0.0,
                wd: 0.0,
            },
        ),
        (
            "adagrad:lr=0.3,lr_decay=0.002,eps=1e-6,initial_accumulator_value=0.5,weight_decay=0.02",
            R::Adagrad {
                lr: 0.3,
                lr_decay: 0.002,
                eps: 1e-6,
                init: 0.5,
                wd: 0.02,
            },
        ),
        (
            "rmsprop:lr=0.002",
            R::Rmsprop {
                lr: 2e-3,
                alpha: 0.99,
                eps: 1e-8,
                momentum: 0.0,
                centered: false,
                wd: 0.0,
            },
        ),
        (
            "rmsprop:lr=0.001,alpha=0.95,momentum=0.5,weight_decay=0.01",
            R::Rmsprop {
                lr: 1e-3,
                alpha: 0.95,
                eps: 1e-8,
                momentum: 0.5,
                centered: false,
                wd: 0.01,
            },
        ),
        (
            "rmsprop:lr=0.0005,centered=true,eps=0.001",
            R::Rmsprop {
                lr: 5e-4,
                alpha: 0.99,
                eps: 1e-3,
                momentum: 0.0,
                centered: true,
                wd: 0.0,
            },
        ),
        (
            "adam:lr=0.02",
            R::Adam {
                lr: 0.02,
                b1: 0.9,
                b2: 0.999,
                eps: 1e-8,
                wd: 0.0,
                amsgrad: false,
                decoupled: false,
            },
        ),
        (
            "adam:lr=0.01,beta1=0.7,beta2=0.99,eps=1e-6,weight_decay=0.03,amsgrad=true",
            R::Adam {
                lr: 0.01,
                b1: 0.7,
                b2: 0.99,
                eps: 1e-6,
                wd: 0.03,
                amsgrad: true,
                decoupled: false,
            },
        ),
        (
            "adamw:lr=0.02",
            R::Adam {
                lr: 0.02,
                b1: 0.9,
                b2: 0.999,
                eps: 1e-8,
                wd: 0.01,
                amsgrad: false,
                decoupled: true,
            },
        ),
        (
            "adamw:lr=0.01,beta1=0.6,weight_decay=0.2,amsgrad=true",
            R::Adam {
                lr: 0.01,
                b1: 0.6,
                b2: 0.999,
                eps: 1e-8,
                wd: 0.2,
                amsgrad: true,
                decoupled: true,
            },
        ),
    ];
    for (spec, reference) in cases {
        let ours = trajectory(&rosenbrock(), &method(spec), &START, 500);
        let theirs = reference.run(500);
        for (t, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            for i in 0..2 {
                assert!(
                    (a[i] - b[i]).abs() <= 1e-9,
                    "{spec}: step {t} coordinate {i}: ours {} documented rule {}",
                    a[i],
                    b[i]
                );
            }
        }
        // The trajectory must actually move, or the comparison proves nothing.
        assert!(
            (ours[500][0] - START[0]).abs() > 1e-3,
            "{spec} did not move"
        );
    }
}

#[test]
fn newton_reaches_the_rosenbrock_minimum_exactly_at_step_7() {
    let xs = trajectory(&rosenbrock(), &method("newton"), &START, 8);
    assert_ne!(xs[6], vec![1.0, 1.0], "step 6 is not yet exact");
    assert_eq!(xs[7], vec![1.0, 1.0]);
    assert_eq!(xs[8], vec![1.0, 1.0]);
}

#[test]
fn newton_solves_a_quadratic_in_one_step() {
    let q = Problem::Quadratic(QuadraticConfig {
        kappa: 100.0,
        angle: 30.0,
    });
    let xs = trajectory(&q, &method("newton"), &[-1.5, 1.5], 1);
    assert!(xs[1].iter().all(|v| v.abs() < 1e-12), "{:?}", xs[1]);
}

#[test]
fn every_method_descends_on_a_quadratic_and_on_rosenbrock() {
    let problems = [
        (
            Problem::Quadratic(QuadraticConfig {
                kappa: 10.0,
                angle: 30.0,
            }),
            vec![-1.5, 1.5],
            1e-2,
        ),
        (rosenbrock(), START.to_vec(), 0.5),
    ];
    // Step sizes that suit these two problems (the quadratic's curvatures are 1 and 10);
    // defaults elsewhere.
    let tuned = |m: Method, quadratic: bool| -> Method {
        match m {
            Method::Gd(_) if quadratic => method("gd:lr=0.05"),
            Method::Gd(_) => method("gd:lr=0.001"),
            Method::Sgd(_) => method("sgd:lr=0.0005,momentum=0.9"),
            Method::Adagrad(_) => method("adagrad:lr=0.5"),
            Method::Rmsprop(_) => method("rmsprop:lr=0.01"),
            Method::Adam(_) => method("adam:lr=0.05"),
            Method::AdamW(_) => method("adamw:lr=0.05"),
            Method::Nadam(_) => method("nadam:lr=0.05"),
            Method::Lion(_) => method("lion:lr=0.003"),
            Method::ScheduleFreeAdamW(_) => method("schedule_free_adamw:lr=0.05"),
            Method::Spsa(_) if quadratic => method("spsa:a=0.1"),
            Method::Fd(_) if quadratic => method("fd:lr=0.05"),
            Method::Rge(_) if quadratic => method("rge:lr=0.02"),
            Method::WeightPerturbation(_) if quadratic => method("weight_perturbation:lr=0.02"),
            Method::Mezo(_) if quadratic => method("mezo:lr=0.02"),
            Method::Es(_) if quadratic => method("es:lr=0.05,shaping=false"),
            // OU adaptation's steps scale with the reward itself: Rosenbrock's rewards run to
            // the hundreds.
            Method::Oua(_) if quadratic => method("oua:lr=3,sigma=0.1,dt=0.2"),
            Method::Oua(_) => method("oua:lr=0.01,sigma=0.1"),
            other => other,
        }
    };
    let fits = |p: &str| -> (Problem, Vec<f64>, f64) {
        let p: Problem = spec::parse(p, "problem", Problem::keys()).unwrap();
        let start = p.default_start();
        (p, start, 1e-2)
    };
    for m in Method::defaults() {
        // Methods that need residuals or a Fisher metric race on the problems that have them.
        let own = if m.needs().residuals {
            vec![fits("curve_fit"), fits("rosenbrock_residuals")]
        } else if m.needs().fisher {
            vec![
                fits("gaussian_fit"),
                fits("gaussian_fit:parametrization=log_scale"),
            ]
        } else if m.needs().network {
            // Methods that perturb a network's units race on a small network, to half its loss.
            let p = home(&m);
            let start = p.seeded_start(0);
            vec![(p, start, 0.5)]
        } else {
            problems.to_vec()
        };
        for (problem, start, factor) in &own {
            let m = tuned(m.clone(), problem.key() == "quadratic");
            let m = match m {
                Method::NodePerturbation(_) => method("node_perturbation:lr=0.5"),
                m => m,
            };
            let mut solo = Solo::new(problem, &m, start);
            let f0 = solo.loss();
            for k in 0..2000 {
                solo.step().unwrap_or_else(|e| {
                    panic!("{} halted on {} at {k}: {e}", m.key(), problem.key())
                });
            }
            // The loss left above the lowest minimum must shrink by `factor`.
            let f_star = solo
                .objective
                .minima()
                .iter()
                .map(|m| m.f)
                .reduce(f64::min)
                .unwrap_or(0.0);
            assert!(
                solo.loss() - f_star < factor * (f0 - f_star),
                "{} on {}: loss {} → {} (minimum {f_star}; needed < {factor}× of the gap)",
                m.key(),
                problem.key(),
                f0,
                solo.loss()
            );
            // The counts follow what the method declares it needs, whatever its order.
            let (c, needs) = (solo.state.counts, m.needs());
            let name = m.key();
            assert!(c.f > 0 || c.g > 0, "{name} asked for nothing");
            // A Jacobian counts as a gradient evaluation, a Fisher metric as a dense
            // curvature matrix.
            let (gradients, matrices) = (
                needs.gradient || needs.residuals,
                needs.hessian || needs.fisher,
            );
            if !gradients {
                assert_eq!(c.g, 0, "{name} asked for gradients it does not declare");
            }
            if !matrices {
                assert_eq!(c.h, 0, "{name} asked for Hessians it does not declare");
            }
            if !needs.hvp {
                assert_eq!(
                    c.hv, 0,
                    "{name} asked for Hessian-vector products it does not declare"
                );
            }
            // Line-search methods use several per step, and none once converged.
            if gradients {
                assert!(c.g > 0, "{name} declares gradients but used none");
            }
            if matrices {
                assert!(c.h > 0, "{name} declares Hessians but used none");
            }
            if needs.hvp {
                assert!(
                    c.hv > 0,
                    "{name} declares Hessian-vector products but used none"
                );
            }
        }
    }
}

#[test]
fn a_live_learning_rate_change_keeps_adams_moments() {
    // 50 steps at lr 0.01, then 50 at 0.05, as one run; the reference keeps m and v across the
    // change (torch.optim's param_groups[0]["lr"] = 0.05 between steps).
    let mut solo = Solo::new(&rosenbrock(), &method("adam:lr=0.01"), &START);
    for _ in 0..50 {
        solo.step().unwrap();
    }
    let lr = solo.optimizer.config_mut().param("lr").map(|(m, _)| m.live);
    assert_eq!(lr, Some(true), "lr is declared live");
    solo.optimizer
        .config_mut()
        .set_param("lr", ParamValue::F64(0.05))
        .unwrap();
    solo.optimizer.retuned();
    for _ in 0..50 {
        solo.step().unwrap();
    }
    let (mut th, mut m, mut v) = (START, [0.0f64; 2], [0.0f64; 2]);
    for t in 1..=100 {
        let lr = if t <= 50 { 0.01 } else { 0.05 };
        let g = rosen_grad(th);
        for i in 0..2 {
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
            let mhat = m[i] / (1.0 - 0.9f64.powi(t));
            let vhat = v[i] / (1.0 - 0.999f64.powi(t));
            th[i] -= lr * mhat / (vhat.sqrt() + 1e-8);
        }
    }
    for i in 0..2 {
        assert!((solo.x[i] - th[i]).abs() < 1e-9, "{:?} vs {th:?}", solo.x);
    }
    // Restarting the moments instead lands elsewhere: the test can tell the two apart.
    let mut fresh = Solo::new(&rosenbrock(), &method("adam:lr=0.05"), &START);
    fresh.x.assign(&Vector::from(
        trajectory(&rosenbrock(), &method("adam:lr=0.01"), &START, 50)[50].clone(),
    ));
    for _ in 0..50 {
        fresh.step().unwrap();
    }
    assert!((fresh.x[0] - th[0]).abs() > 1e-6);
}

#[test]
fn a_cloned_optimizer_forks_the_run_exactly() {
    for m in Method::defaults() {
        // OU adaptation's defaults (the authors') diverge on Rosenbrock's large rewards.
        let m = match m {
            Method::Oua(_) => method("oua:lr=0.01,sigma=0.1"),
            m => m,
        };
        let mut a = Solo::new(&home(&m), &m, &home_start(&m));
        for _ in 0..20 {
            a.step().unwrap();
        }
        let mut b = a.clone();
        for _ in 0..30 {
            a.step().unwrap();
            b.step().unwrap();
        }
        assert_eq!(
            a.x,
            b.x,
            "{}: the fork follows the original bit for bit",
            m.key()
        );
        assert_eq!(a.state.counts, b.state.counts);
    }
}

#[test]
fn methods_report_their_declared_diagnostics() {
    for m in Method::defaults() {
        let declared = m.config().diagnostics();
        assert!(declared.len() <= MAX_DIAGNOSTICS, "{}", m.key());
        let mut solo = Solo::new(&home(&m), &m, &home_start(&m));
        solo.step().unwrap();
        let mut out = [f64::NAN; MAX_DIAGNOSTICS];
        solo.optimizer.diagnostics(&mut out);
        for (k, d) in declared.iter().enumerate() {
            assert!(out[k].is_finite(), "{}: {} = {}", m.key(), d.key, out[k]);
            if d.log {
                assert!(
                    out[k] > 0.0,
                    "{}: {} = {} on a log axis",
                    m.key(),
                    d.key,
                    out[k]
                );
            }
        }
        assert!(
            out[declared.len()..].iter().all(|v| v.is_nan()),
            "{}",
            m.key()
        );
    }
}

#[test]
fn a_method_is_refused_by_a_problem_that_lacks_what_it_needs() {
    let newton = method("newton");
    let no_hessian = Provides {
        hessian: false,
        ..Provides::DERIVATIVES
    };
    let e = newton.check_fits("mlp", no_hessian, 10).unwrap_err();
    assert!(
        e.contains("`newton`") && e.contains("`mlp`") && e.contains("dense Hessians"),
        "{e}"
    );
    assert!(method("adam").check_fits("mlp", no_hessian, 10).is_ok());
    let e = newton
        .check_fits("rosenbrock", Provides::DERIVATIVES, 600)
        .unwrap_err();
    assert!(e.contains("`rosenbrock`") && e.contains("d ≤ 500"), "{e}");
    let no_gradient = Provides {
        gradient: false,
        ..Provides::DERIVATIVES
    };
    assert!(
        method("spsa")
            .check_fits("black_box", no_gradient, 10)
            .is_ok()
    );
    assert!(
        method("gd")
            .check_fits("black_box", no_gradient, 10)
            .is_err()
    );
}

#[test]
fn methods_round_trip_through_toml_and_validate_defaults() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Wrap {
        m: Method,
    }
    for m in Method::defaults() {
        assert!(m.validate().is_ok(), "{}: {:?}", m.key(), m.validate());
        let text = toml::to_string(&Wrap { m: m.clone() }).unwrap();
        let back: Wrap = toml::from_str(&text).unwrap();
        assert_eq!(back.m, m, "{text}");
        let reference = m.config().reference();
        assert!(
            reference.contains("torch.optim")
                || reference.chars().filter(char::is_ascii_digit).count() >= 4,
            "{}: a reference names its source and year: {reference:?}",
            m.key()
        );
    }
    let bad = method("adam:lr=-0.1").validate().unwrap_err();
    assert!(bad.contains("lr") && bad.contains("> 0"), "{bad}");
}

#[test]
fn gradient_noise_has_the_set_spread_and_is_seeded() {
    let objective = rosenbrock().build();
    let noise = Noise {
        grad: GradNoise {
            std: 0.5,
            ..GradNoise::default()
        },
        ..Noise::default()
    };
    let draw = |seed: u64, n: usize| -> Vec<f64> {
        use rand::SeedableRng as _;
        let mut state = OracleState::new(
            2,
            rand_pcg::Pcg64::seed_from_u64(seed),
            rand_pcg::Pcg64::seed_from_u64(0),
        );
        let mut o = Oracle::new(objective.as_ref(), &noise, &mut state);
        let x = Vector::from(vec![0.3, -0.2]);
        let clean = objective.gradient(x.view());
        let mut g = Vector::zeros(2);
        let mut out = Vec::new();
        for _ in 0..n {
            o.gradient_into(x.view(), &mut g);
            out.extend((&g - &clean).iter());
        }
        assert_eq!(o.counts().g, n as u64);
        out
    };
    let e = draw(3, 20_000);
    let n = e.len() as f64;
    let mean = e.iter().sum::<f64>() / n;
    let var = e.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    // Standard errors: mean 0.5/√n ≈ 0.0025; variance 0.25·√(2/n) ≈ 0.0018.
    assert!(mean.abs() < 0.0125, "mean {mean}");
    assert!((var - 0.25).abs() < 0.009, "variance {var}");
    assert_eq!(draw(3, 50), draw(3, 50));
    assert_ne!(draw(3, 50), draw(4, 50));
}

#[test]
fn damped_newton_solves_the_damped_system() {
    use crate::linalg::{Matrix, solve_in_place};
    let q = Problem::Quadratic(QuadraticConfig {
        kappa: 20.0,
        angle: 30.0,
    });
    let x0 = [-1.5, 1.5];
    for (lr, damping) in [(1.0, 3.0), (0.5, 0.7)] {
        let m = method(&format!("newton:lr={lr},damping={damping}"));
        let x1 = &trajectory(&q, &m, &x0, 1)[1];
        let f = q.build();
        let x = Vector::from(x0.to_vec());
        let mut h: Matrix = f.hessian(x.view());
        for i in 0..2 {
            h[[i, i]] += damping;
        }
        let mut dir = f.gradient(x.view());
        assert!(solve_in_place(&mut h, &mut dir));
        for i in 0..2 {
            let want = x0[i] - lr * dir[i];
            assert!((x1[i] - want).abs() < 1e-12, "lr {lr}, λ {damping}: {x1:?}");
        }
        // Undamped, the same start lands elsewhere: the test sees the damping.
        let plain = &trajectory(&q, &method(&format!("newton:lr={lr}")), &x0, 1)[1];
        assert!((plain[0] - x1[0]).abs() > 1e-3);
    }
}

#[test]
fn newtons_overlay_shows_its_step_and_the_model_it_stepped_by() {
    let (lr, damping) = (0.5, 2.0);
    let m = method(&format!("newton:lr={lr},damping={damping}"));
    let mut solo = Solo::new(&rosenbrock(), &m, &START);
    let mut o = Overlay::new(2);
    solo.optimizer.overlay(&mut o);
    assert!(o.is_empty(), "nothing to show before a step");
    solo.step().unwrap();
    solo.optimizer.overlay(&mut o);
    let f = rosenbrock().build();
    let x0 = Vector::from(START.to_vec());
    let g = f.gradient(x0.view());
    let mut h = f.hessian(x0.view());
    for i in 0..2 {
        h[[i, i]] += damping;
    }
    let mut dir = g.clone();
    assert!(crate::linalg::solve_in_place(&mut h.clone(), &mut dir));
    let close = |a: ndarray::ArrayView1<'_, f64>, b: &[f64]| {
        a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-9)
    };
    let items = o.items().to_vec();
    let arrow = items.iter().find_map(|i| match (i.role, i.shape) {
        (Role::Step, Shape::Arrow(a, b)) => Some((a, b)),
        _ => None,
    });
    let (a, b) = arrow.expect("a step arrow");
    assert!(
        close(o.get(a), &START),
        "the arrow starts where the step did"
    );
    assert!(
        close(o.get(b), solo.x.as_slice().unwrap()),
        "and ends at the new iterate"
    );
    let centre = items.iter().find_map(|i| match (i.role, i.shape) {
        (Role::ModelCentre, Shape::Point(p)) => Some(p),
        _ => None,
    });
    let target: Vec<f64> = (0..2).map(|k| START[k] - dir[k]).collect();
    assert!(
        close(o.get(centre.expect("the model's centre")), &target),
        "x − (H + λI)⁻¹∇f"
    );
    let model = items.iter().find_map(|i| match i.shape {
        Shape::Model {
            centre,
            gradient,
            hessian,
        } => Some((centre, gradient, hessian)),
        _ => None,
    });
    let (c, gv, hm) = model.expect("the model");
    assert!(close(o.get(c), &START) && close(o.get(gv), g.as_slice().unwrap()));
    assert!(close(o.get_matrix(hm).row(0), h.row(0).as_slice().unwrap()));
    let mut d = [f64::NAN; MAX_DIAGNOSTICS];
    solo.optimizer.diagnostics(&mut d);
    assert!(
        (d[0] - g.dot(&dir).sqrt()).abs() < 1e-9,
        "the Newton decrement"
    );
}

#[test]
fn spsas_overlay_shows_both_probes_around_the_point_it_left() {
    let mut solo = Solo::new(&rosenbrock(), &method("spsa:c=0.2"), &START);
    solo.step().unwrap();
    solo.step().unwrap();
    let mut o = Overlay::new(2);
    solo.optimizer.overlay(&mut o);
    let mut d = [f64::NAN; MAX_DIAGNOSTICS];
    solo.optimizer.diagnostics(&mut d);
    // The second step: a_1 = a / (2 + A)^α and c_1 = c / 2^γ.
    let cfg = SpsaConfig {
        c: 0.2,
        ..SpsaConfig::default()
    };
    assert!((d[0] - cfg.a / (2.0 + cfg.big_a).powf(cfg.alpha)).abs() < 1e-15);
    assert!((d[1] - cfg.c / 2f64.powf(cfg.gamma)).abs() < 1e-15);
    let probes: Vec<Vec<f64>> = o
        .items()
        .iter()
        .filter_map(|i| match (i.role, i.shape) {
            (Role::Probe, Shape::Point(p)) => Some(o.get(p).to_vec()),
            _ => None,
        })
        .collect();
    assert_eq!(probes.len(), 2);
    let links = o
        .items()
        .iter()
        .filter(|i| i.role == Role::ProbeLink)
        .count();
    assert_eq!(links, 2);
    // Symmetric about the point the step left, each c_k away per coordinate.
    for (a, b) in probes[0].iter().zip(&probes[1]) {
        assert!(((a - b).abs() - 2.0 * d[1]).abs() < 1e-12);
    }
    let mid: Vec<f64> = (0..2)
        .map(|k| 0.5 * (probes[0][k] + probes[1][k]))
        .collect();
    assert_ne!(
        mid,
        solo.x.to_vec(),
        "the probes were taken around the previous iterate"
    );
}

#[test]
fn every_first_order_method_steps_by_its_schedule() {
    // A warm-up that starts at 0 makes the first step size 0: no schedulable method moves.
    let mut schedulable = 0;
    for m in Method::defaults() {
        if m.config().param("schedule").is_none() {
            continue;
        }
        schedulable += 1;
        let key = m.key();
        let plain = trajectory(&rosenbrock(), &m, &START, 1);
        assert_ne!(plain[1], plain[0], "{key} moves without a schedule");
        let mut warm = m.clone();
        warm.config_mut()
            .set_param("warmup", ParamValue::Usize(10))
            .unwrap();
        warm.config_mut()
            .set_param("warmup_start", ParamValue::F64(0.0))
            .unwrap();
        let xs = trajectory(&rosenbrock(), &warm, &START, 2);
        assert_eq!(xs[1], xs[0], "{key} ignored its warm-up's zero step size");
        assert_ne!(xs[2], xs[1], "{key}: the warm-up's second step is not zero");
    }
    assert_eq!(
        schedulable, 8,
        "gd, sgd, adagrad, rmsprop, adam, adamw, nadam, lion"
    );
}
