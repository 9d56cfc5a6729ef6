//! Derivative checks and known values of every test function.
use super::*;
use proptest::prelude::*;
// ---- The functions under test. ----

/// Every function, with its default and some other parameters, and for d = 1, 2, 3, 5
/// where it has a dimension (d = 2, 3, 5 for Rosenbrock).
fn cases() -> Vec<(String, Box<dyn Objective>)> {
    let mut cases: Vec<(String, Box<dyn Objective>)> = vec![
        (
            "Quadratic(10, 30)".into(),
            Box::new(Quadratic::new(10.0, 30.0)),
        ),
        ("Quadratic(1, 0)".into(), Box::new(Quadratic::new(1.0, 0.0))),
        (
            "Quadratic(0.1, 135)".into(),
            Box::new(Quadratic::new(0.1, 135.0)),
        ),
        (
            "Quadratic(100, -20)".into(),
            Box::new(Quadratic::new(100.0, -20.0)),
        ),
        ("Himmelblau".into(), Box::new(Himmelblau::new())),
        ("Beale".into(), Box::new(Beale::new())),
        ("Booth".into(), Box::new(Booth::new())),
        ("SixHumpCamel".into(), Box::new(SixHumpCamel::new())),
        ("Branin".into(), Box::new(Branin::new())),
        ("GoldsteinPrice".into(), Box::new(GoldsteinPrice::new())),
        ("Saddle".into(), Box::new(Saddle::new())),
        ("MonkeySaddle".into(), Box::new(MonkeySaddle::new())),
        ("DoubleWell".into(), Box::new(DoubleWell::new())),
        (
            "DoubleWell tilted".into(),
            Box::new(DoubleWell::tilted(0.4)),
        ),
        ("SharpFlat default".into(), Box::new(SharpFlat::default())),
        (
            "SharpFlat(0.3, 0.5)".into(),
            Box::new(SharpFlat::new(0.3, 0.5)),
        ),
        (
            "Rosenbrock(1.5, 100, 2)".into(),
            Box::new(Rosenbrock::new(1.5, 100.0, 2)),
        ),
        (
            "Rosenbrock(-0.5, 10, 3)".into(),
            Box::new(Rosenbrock::new(-0.5, 10.0, 3)),
        ),
    ];
    for d in [2, 3, 5] {
        cases.push((
            format!("Rosenbrock d={d}"),
            Box::new(Rosenbrock::new(1.0, 100.0, d)),
        ));
    }
    for d in [1, 2, 3, 5] {
        cases.push((format!("Sphere d={d}"), Box::new(Sphere::new(d))));
        cases.push((format!("Rastrigin d={d}"), Box::new(Rastrigin::new(d))));
        cases.push((format!("Ackley d={d}"), Box::new(Ackley::new(d))));
        cases.push((
            format!("StyblinskiTang d={d}"),
            Box::new(StyblinskiTang::new(d)),
        ));
    }
    cases
}

/// Maps unit-cube coordinates `u` into the view window: coordinate 1 uses the y range and
/// every other coordinate the x range.
fn point_in_bounds(objective: &dyn Objective, u: &[f64]) -> Vector {
    let b = objective.bounds();
    Vector::from_shape_fn(objective.dim(), |i| {
        let (lo, hi) = if i == 1 { b.y } else { b.x };
        lo + (hi - lo) * u[i]
    })
}

/// Compares the gradient with central differences of the value, the Hessian with central
/// differences of the gradient, checks that the Hessian is exactly symmetric, and compares the
/// Hessian-vector product with H·v and with a directional difference of the gradient.
///
/// The tolerance is 1e-5 (1 + |analytic|) for truncation error plus 1e-9 times the size of
/// the differenced quantity, which bounds the rounding error (about 1e-10 relative for the
/// step 1e-6 (1 + |xⱼ|)).
fn check_derivatives(
    name: &str,
    objective: &dyn Objective,
    x: &Vector,
) -> Result<(), TestCaseError> {
    let n = objective.dim();
    let f = objective.value(x.view());
    let g = objective.gradient(x.view());
    let h = objective.hessian(x.view());
    prop_assert!(f.is_finite(), "{name}: f({x}) = {f}");
    for j in 0..n {
        let mut xp = x.clone();
        let mut xm = x.clone();
        xp[j] += 1e-6 * (1.0 + x[j].abs());
        xm[j] -= 1e-6 * (1.0 + x[j].abs());
        // The representable step, so that the quotient has no error from the step itself.
        let step = xp[j] - xm[j];

        let fp = objective.value(xp.view());
        let fm = objective.value(xm.view());
        let fd = (fp - fm) / step;
        let tol = 1e-5 * (1.0 + g[j].abs()) + 1e-9 * f.abs().max(fp.abs()).max(fm.abs());
        prop_assert!(
            (g[j] - fd).abs() <= tol,
            "{name}: gradient[{j}] at {x}: analytic {} vs finite difference {fd}",
            g[j]
        );

        let gp = objective.gradient(xp.view());
        let gm = objective.gradient(xm.view());
        let scale = max_norm(&gp).max(max_norm(&gm));
        for i in 0..n {
            let fd = (gp[i] - gm[i]) / step;
            let tol = 1e-5 * (1.0 + h[[i, j]].abs()) + 1e-9 * scale;
            prop_assert!(
                (h[[i, j]] - fd).abs() <= tol,
                "{name}: hessian[{i}, {j}] at {x}: analytic {} vs finite difference {fd}",
                h[[i, j]]
            );
        }
    }
    for i in 0..n {
        for j in 0..i {
            prop_assert!(
                h[[i, j]] == h[[j, i]],
                "{name}: Hessian not symmetric at {x}: h[{i},{j}] = {} but h[{j},{i}] = {}",
                h[[i, j]],
                h[[j, i]]
            );
        }
    }
    // A direction with mixed signs and sizes, from the same sample.
    let v = Vector::from_shape_fn(n, |i| (1.0 + i as f64) * (x[(i + 1) % n].sin() + 0.3));
    let mut hv = Vector::zeros(n);
    objective.hvp_into(x.view(), v.view(), hv.view_mut());
    let exact = h.dot(&v);
    let eps = 1e-6 / (1.0 + max_norm(&v));
    let gp = objective.gradient((x + &(eps * &v)).view());
    let gm = objective.gradient((x - &(eps * &v)).view());
    let scale = max_norm(&gp).max(max_norm(&gm));
    for i in 0..n {
        let h_max = h.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
        let dense = 1e-12 * (1.0 + exact[i].abs() + h_max * max_norm(&v) * n as f64);
        prop_assert!(
            (hv[i] - exact[i]).abs() <= dense,
            "{name}: hvp[{i}] at {x}: {} but (H v)[{i}] = {}",
            hv[i],
            exact[i]
        );
        let fd = (gp[i] - gm[i]) / (2.0 * eps);
        let tol = 1e-5 * (1.0 + hv[i].abs()) + 1e-9 * scale * (1.0 + max_norm(&v));
        prop_assert!(
            (hv[i] - fd).abs() <= tol,
            "{name}: hvp[{i}] at {x}: analytic {} vs finite difference {fd}",
            hv[i]
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn derivatives_match_finite_differences(u in prop::collection::vec(0.0_f64..=1.0, 5)) {
        for (name, objective) in cases() {
            let x = point_in_bounds(objective.as_ref(), &u);
            check_derivatives(&name, objective.as_ref(), &x)?;
        }
    }
}

#[test]
fn minima_have_stated_values_and_vanishing_gradients() {
    for (name, objective) in cases() {
        for m in objective.minima() {
            assert_eq!(m.x.len(), objective.dim(), "{name}: {m:?}");
            let x = ArrayView1::from(&m.x);
            let f = objective.value(x);
            assert!(
                (f - m.f).abs() <= 1e-9 * m.f.abs() + 1e-15,
                "{name}: f at {:?} is {f}, stated {}",
                m.x,
                m.f
            );
            let g = max_norm(&objective.gradient(x));
            assert!(g < 1e-8, "{name}: gradient max-norm at {:?} is {g}", m.x);
            assert!(
                is_strict_local_minimum(objective.as_ref(), &m.x),
                "{name}: {:?} is not a strict local minimum",
                m.x
            );
        }
    }
}

#[test]
fn exact_minima_have_exactly_zero_gradient() {
    let exact: Vec<(Box<dyn Objective>, Vec<f64>)> = vec![
        (Box::new(Quadratic::new(10.0, 30.0)), vec![0.0, 0.0]),
        (Box::new(Rosenbrock::default()), vec![1.0, 1.0]),
        (Box::new(Rosenbrock::new(2.0, 100.0, 2)), vec![2.0, 4.0]),
        (Box::new(Rosenbrock::new(1.0, 100.0, 5)), vec![1.0; 5]),
        (Box::new(Sphere::new(3)), vec![0.0; 3]),
        (Box::new(Himmelblau::new()), vec![3.0, 2.0]),
        (Box::new(Beale::new()), vec![3.0, 0.5]),
        (Box::new(Booth::new()), vec![1.0, 3.0]),
        (Box::new(Rastrigin::new(3)), vec![0.0; 3]),
        (Box::new(Ackley::new(3)), vec![0.0; 3]),
        (Box::new(GoldsteinPrice::new()), vec![0.0, -1.0]),
        (Box::new(Saddle::new()), vec![0.0, 1.0]),
        (Box::new(Saddle::new()), vec![0.0, -1.0]),
        (Box::new(DoubleWell::new()), vec![1.0, 0.0]),
        (Box::new(DoubleWell::new()), vec![-1.0, 0.0]),
    ];
    for (objective, x) in exact {
        let listed = objective.minima();
        let m = listed.iter().find(|m| m.x == x);
        assert!(m.is_some(), "{x:?} is not listed among {listed:?}");
        let x = ArrayView1::from(&x);
        assert!(
            objective.gradient(x).iter().all(|&v| v == 0.0),
            "gradient at {x} is {}",
            objective.gradient(x)
        );
        let f = objective.value(x);
        assert!(
            m.is_some_and(|m| m.f == f),
            "value at {x} is {f}, listed {m:?}"
        );
    }
}

#[test]
fn refined_minima_agree_with_literature() {
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol;

    let himmelblau = Himmelblau::new().minima();
    assert_eq!(himmelblau.len(), 4);
    let literature = [
        [3.0, 2.0],
        [-2.805_118_086_952_745, 3.131_312_518_250_573],
        [-3.779_310_253_377_747, -3.283_185_991_286_169],
        [3.584_428_340_330_492, -1.848_126_526_964_404],
    ];
    for (m, l) in himmelblau.iter().zip(literature) {
        assert!(
            close(m.x[0], l[0], 1e-12) && close(m.x[1], l[1], 1e-12),
            "{m:?}"
        );
        assert!(m.f.abs() < 1e-20, "{m:?}");
    }

    let camel = SixHumpCamel::new().minima();
    assert_eq!(camel.len(), 2);
    for (m, sign) in camel.iter().zip([1.0, -1.0]) {
        assert!(close(m.x[0], sign * 0.089_842_013_100_3, 1e-11), "{m:?}");
        assert!(close(m.x[1], -sign * 0.712_656_403_021, 1e-11), "{m:?}");
        assert!(close(m.f, -1.031_628_453_489_877, 1e-14), "{m:?}");
    }
    assert_eq!(camel[0].x[0], -camel[1].x[0]);
    assert_eq!(camel[0].x[1], -camel[1].x[1]);

    let branin = Branin::new().minima();
    assert_eq!(branin.len(), 3);
    for (m, y) in branin.iter().zip([12.275, 2.275, 2.475]) {
        assert!(close(m.x[1], y, 1e-13), "{m:?}");
        assert!(close(m.f, 0.397_887_357_729_738, 1e-14), "{m:?}");
    }

    for d in [1, 2, 3, 5] {
        let st = StyblinskiTang::new(d).minima();
        assert_eq!(st.len(), 1);
        assert!(
            st[0]
                .x
                .iter()
                .all(|&v| close(v, -2.903_534_027_771_178, 1e-14))
        );
        assert!(
            close(st[0].f / d as f64, -39.166_165_703_771_42, 1e-12),
            "{st:?}"
        );
    }

    let sf = SharpFlat::default().minima();
    assert_eq!(sf.len(), 2);
    assert!(close(sf[0].x[0], -1.0, 1e-3) && sf[0].x[0] > -1.0, "{sf:?}");
    assert!(sf[0].x[1] == 0.0 && sf[1].x[1] == 0.0, "{sf:?}");
    assert!(close(sf[1].x[0], 1.2, 1e-12), "{sf:?}");
    assert!(sf[0].f < -1.0 && close(sf[1].f, -1.0, 1e-12), "{sf:?}");
}

#[test]
fn functions_without_minima_or_with_saddles_list_no_spurious_minima() {
    assert!(MonkeySaddle::new().minima().is_empty());
    assert!(Quadratic::new(-1.0, 0.0).minima().is_empty());
    assert!(Rosenbrock::new(2.0, 100.0, 3).minima().is_empty());
    // Two equally wide wells close together merge into one minimum between them.
    let merged = SharpFlat::new(2.0, 2.0).minima();
    assert_eq!(merged.len(), 1, "{merged:?}");
}

#[test]
fn quadratic_hessian_is_diagonal_at_right_angles() {
    let origin = Vector::zeros(2);
    let kappa = 7.5;
    let h0 = Quadratic::new(kappa, 0.0).hessian(origin.view());
    assert_eq!(h0, ndarray::arr2(&[[kappa, 0.0], [0.0, 1.0]]));
    let h90 = Quadratic::new(kappa, 90.0).hessian(origin.view());
    assert_eq!(h90, ndarray::arr2(&[[1.0, 0.0], [0.0, kappa]]));
    let h450 = Quadratic::new(kappa, 450.0).hessian(origin.view());
    assert_eq!(h450, h90);
    // At 45 degrees the eigenvalue kappa belongs to the direction (1, 1) / √2.
    let h45 = Quadratic::new(kappa, 45.0).hessian(origin.view());
    let v = ndarray::arr1(&[1.0, 1.0]) / 2.0_f64.sqrt();
    let hv = h45.dot(&v);
    assert!(
        (&hv - &(kappa * &v)).iter().all(|e| e.abs() < 1e-14),
        "{hv}"
    );
}

#[test]
fn ackley_is_finite_at_and_near_the_origin() {
    for d in [1, 2, 3, 5] {
        let ackley = Ackley::new(d);
        let origin = Vector::zeros(d);
        assert_eq!(ackley.value(origin.view()), 0.0);
        assert!(ackley.gradient(origin.view()).iter().all(|&v| v == 0.0));
        let h = ackley.hessian(origin.view());
        let expected = 4.0 * PI * PI * E / d as f64;
        for i in 0..d {
            for j in 0..d {
                let want = if i == j { expected } else { 0.0 };
                assert!((h[[i, j]] - want).abs() <= 1e-12 * expected, "{h}");
            }
        }
        for tiny in [1e-3, 1e-100, 1e-170, 1e-310, f64::MIN_POSITIVE / 8.0] {
            let mut x = Vector::zeros(d);
            x[0] = tiny;
            let g = ackley.gradient(x.view());
            let h = ackley.hessian(x.view());
            assert!(ackley.value(x.view()).is_finite());
            assert!(g.iter().all(|v| v.is_finite()), "d = {d}, x0 = {tiny}: {g}");
            assert!(h.iter().all(|v| v.is_finite()), "d = {d}, x0 = {tiny}: {h}");
            // Along a coordinate axis the cone's slope is 4 / √d.
            let slope = 4.0 / (d as f64).sqrt();
            assert!(
                (g[0] - slope).abs() < 0.1 * slope,
                "d = {d}, x0 = {tiny}: {g}"
            );
            // Along the radial direction the curvature stays bounded: the cone contributes
            // −0.8 e^(−0.2r) / d and the cosine term about 4π² e / d.
            let radial = -0.8 * (-0.2 * ackley.radius(x.view()).2).exp() / d as f64;
            let want = radial + expected * (TAU * tiny).cos();
            assert!(
                (h[[0, 0]] - want).abs() <= 1e-3 * want.abs(),
                "d = {d}, x0 = {tiny}: {h}"
            );
        }
    }
}

#[test]
fn bounds_are_as_specified() {
    let rosenbrock = Rosenbrock::default().bounds();
    assert_eq!((rosenbrock.x, rosenbrock.y), ((-2.0, 2.0), (-1.0, 3.0)));
    let branin = Branin::new().bounds();
    assert_eq!((branin.x, branin.y), ((-5.0, 10.0), (0.0, 15.0)));
    let sharp_flat = SharpFlat::default().bounds();
    assert_eq!((sharp_flat.x, sharp_flat.y), ((-2.5, 3.0), (-2.0, 2.0)));
    for (name, objective) in cases() {
        let b = objective.bounds();
        assert!(b.x.0 < b.x.1 && b.y.0 < b.y.1, "{name}: {b:?}");
        for m in objective.minima() {
            assert!(
                m.x[0] >= b.x.0 && m.x[0] <= b.x.1,
                "{name}: {m:?} outside {b:?}"
            );
            if m.x.len() > 1 {
                assert!(
                    m.x[1] >= b.y.0 && m.x[1] <= b.y.1,
                    "{name}: {m:?} outside {b:?}"
                );
            }
        }
    }
}

/// A tilt t > 0 deepens the left well by about 2t relative to the right one; both minima have
/// a vanishing gradient and positive curvature; past |t| = 8/(3√3) only the deeper is left.
#[test]
fn the_tilted_double_well_lists_its_minima_deeper_one_on_the_left() {
    for tilt in [0.1, 0.3, -0.3, 1.0] {
        let w = DoubleWell::tilted(tilt);
        let m = w.minima();
        assert_eq!(m.len(), 2, "tilt {tilt}: {m:?}");
        for min in &m {
            let x = ArrayView1::from(&min.x);
            assert!(w.gradient(x).iter().all(|v| v.abs() < 1e-12), "{min:?}");
            assert_eq!(w.value(x), min.f);
            assert!(w.hessian(x)[[0, 0]] > 0.0);
        }
        let (left, right) = (&m[0], &m[1]);
        assert!(left.x[0] < 0.0 && right.x[0] > 0.0);
        assert_eq!(left.f < right.f, tilt > 0.0, "tilt {tilt}");
        assert!((right.f - left.f - 2.0 * tilt).abs() < 0.05 * tilt.abs().max(0.2));
    }
    let steep = DoubleWell::tilted(1.6).minima();
    assert_eq!(steep.len(), 1, "{steep:?}");
    assert!(steep[0].x[0] < -1.0);
}
