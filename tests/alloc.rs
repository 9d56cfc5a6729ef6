//! The optimizer loop body allocates nothing in the steady state.
#![allow(clippy::unwrap_used)] // A panic in a test is a failure with a message.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use optiscope::engine::Run;
use optiscope::noise::{Decay, Noise};
use optiscope::optim::{Method, Overlay};
use optiscope::problem::Problem;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

/// Counts allocations made on the current thread while counting is switched on.
struct Counting;

// SAFETY: every call is forwarded to the system allocator unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Rosenbrock, or the problem with the residuals or Fisher metric the method needs.
fn home(m: &Method) -> Problem {
    let key = if m.needs().network {
        "mlp:data=xor,n=64,hidden=4"
    } else if m.needs().fisher {
        "gaussian_fit:parametrization=log_scale"
    } else if m.needs().residuals {
        "rosenbrock_residuals"
    } else {
        "rosenbrock"
    };
    optiscope::spec::parse(key, "problem", Problem::keys()).unwrap()
}

/// Every noise channel on, one of them decaying.
fn every_channel_on() -> Noise {
    let mut n = Noise::default();
    n.grad.std = 0.1;
    n.grad.decay = Decay::Power;
    n.eval.std = 1e-3;
    n.param.std = 1e-4;
    n.quant.bits = 24;
    n.langevin.temperature = 1e-6;
    n
}

#[test]
fn run_step_does_not_allocate_for_any_method() {
    for m in Method::defaults() {
        for noise in [Noise::default(), every_channel_on()] {
            let p = home(&m);
            let mut run = Run::new(
                &p,
                &[(m.key().into(), m.clone())],
                &p.seeded_start(0),
                0,
                noise,
            );
            run.step();
            COUNTING.with(|c| c.set(true));
            for _ in 0..1000 {
                run.step();
            }
            COUNTING.with(|c| c.set(false));
            let n = COUNT.with(|c| c.replace(0));
            assert_eq!(n, 0, "{} allocated {n} times in 1000 steps", m.key());
        }
    }
}

/// On a network, with and without mini-batches: after the first step (which sizes a thread's
/// pass buffers and a method's per-batch state), steps, measurements every k steps and the
/// sharpness's power iterations allocate nothing.
#[test]
fn network_steps_do_not_allocate() {
    let p: Problem =
        optiscope::spec::parse("mlp:data=moons,n=64,hidden=6x5", "problem", Problem::keys())
            .unwrap();
    for key in [
        "adam",
        "sgd",
        "spsa",
        "rge",
        "mezo",
        "weight_perturbation",
        "node_perturbation",
        "anp_decorrelation",
        "feedback_alignment",
        "muon",
        "shampoo",
        "lbfgs",
    ] {
        let m: Method = optiscope::spec::parse(key, "optimizer", Method::keys()).unwrap();
        for batch in [0, 16] {
            let mut noise = Noise::default();
            noise.batch.size = batch;
            let mut run = Run::new(&p, &[(key.into(), m.clone())], &p.seeded_start(0), 0, noise);
            run.step();
            COUNTING.with(|c| c.set(true));
            for _ in 0..300 {
                run.step();
            }
            COUNTING.with(|c| c.set(false));
            let n = COUNT.with(|c| c.replace(0));
            assert_eq!(
                n, 0,
                "{key} (batch {batch}) allocated {n} times in 300 steps"
            );
            assert!(run.racers()[0].stopped().is_none(), "{key} stopped");
        }
    }
}

#[test]
fn overlays_and_diagnostics_refill_without_allocating() {
    for m in Method::defaults() {
        let p = home(&m);
        let mut run = Run::new(
            &p,
            &[(m.key().into(), m.clone())],
            &p.seeded_start(0),
            0,
            Noise::default(),
        );
        let mut overlay = Overlay::new(p.dim());
        // The first fill sizes the buffer; after that every step's refill reuses it.
        run.step();
        run.racers()[0].overlay(&mut overlay);
        COUNTING.with(|c| c.set(true));
        let mut drawn = 0;
        for _ in 0..1000 {
            run.step();
            run.racers()[0].overlay(&mut overlay);
            drawn += overlay.items().len();
            std::hint::black_box(run.racers()[0].diagnostics());
        }
        COUNTING.with(|c| c.set(false));
        let n = COUNT.with(|c| c.replace(0));
        assert_eq!(
            n,
            0,
            "{} allocated {n} times refilling its overlay",
            m.key()
        );
        if matches!(m.key(), "newton" | "spsa") {
            assert!(
                drawn >= 1000,
                "{} drew {drawn} items in 1000 overlays",
                m.key()
            );
        }
    }
}

#[test]
fn the_counter_sees_allocations() {
    COUNTING.with(|c| c.set(true));
    let v: Vec<u64> = std::hint::black_box(Vec::with_capacity(10));
    COUNTING.with(|c| c.set(false));
    drop(v);
    assert!(COUNT.with(|c| c.replace(0)) >= 1);
}

#[test]
fn objectives_evaluate_without_allocating() {
    use optiscope::linalg::{Matrix, Vector};
    for p in Problem::defaults() {
        let f = p.build();
        let n = f.dim();
        let x = Vector::from_shape_fn(n, |i| 0.3 + 0.1 * i as f64);
        let (mut g, mut h, mut hv) = (Vector::zeros(n), Matrix::zeros((n, n)), Vector::zeros(n));
        // A network's first evaluation on a thread sizes that thread's buffers; the ones after
        // it must not allocate.
        let evaluate = |g: &mut Vector, h: &mut Matrix, hv: &mut Vector| {
            let v = f.value(x.view());
            f.gradient_into(x.view(), g.view_mut());
            f.hessian_into(x.view(), h.view_mut());
            f.hvp_into(x.view(), g.view(), hv.view_mut());
            v
        };
        evaluate(&mut g, &mut h, &mut hv);
        COUNTING.with(|c| c.set(true));
        let v = evaluate(&mut g, &mut h, &mut hv);
        COUNTING.with(|c| c.set(false));
        assert_eq!(COUNT.with(|c| c.replace(0)), 0, "{} allocated", p.key());
        assert!(v.is_finite());
    }
}
