//! Tests of the formula parser and its exact derivatives.
use super::*;
use std::f64::consts::{E, LN_2, PI};

/// A real function of one real variable.
type F = fn(f64) -> f64;

/// Parses a formula that must be valid.
fn p(src: &str) -> Expr {
    match Expr::parse(src) {
        Ok(e) => e,
        Err(err) => panic!("{src:?} should parse but gave {err}"),
    }
}

/// Parses a formula that must be invalid and returns the error.
fn perr(src: &str) -> ParseError {
    match Expr::parse(src) {
        Ok(e) => panic!("{src:?} should fail but parsed to {:?}", e.ops),
        Err(err) => err,
    }
}

/// Evaluates a formula at a point.
fn val(src: &str, x: &[f64]) -> f64 {
    p(src).value(x)
}

/// Asserts that two numbers agree to a relative tolerance.
fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    let ok = (got - want).abs() <= tol * (1.0 + want.abs());
    assert!(ok, "{what}: got {got}, want {want}");
}

/// Checks the value, gradient, Hessian and HVP of a formula at a point.
fn check_derivs(src: &str, x: &[f64], f: f64, grad: &[f64], hess: &[f64]) {
    let e = p(src);
    let n = e.dim();
    assert_eq!(n, x.len(), "{src}: dimension");
    let tol = 1e-12;
    let what = format!("{src} at {x:?}");
    assert_close(e.value(x), f, tol, &format!("{what}: value"));

    let mut g = vec![0.0; n];
    let fg = e.gradient(x, &mut g);
    assert_eq!(fg.to_bits(), e.value(x).to_bits(), "{what}: gradient's f");
    for i in 0..n {
        assert_close(g[i], grad[i], tol, &format!("{what}: g[{i}]"));
    }

    let mut h = vec![0.0; n * n];
    e.hessian(x, &mut h);
    for i in 0..n {
        for j in 0..n {
            let hij = h[i * n + j];
            assert_close(hij, hess[i * n + j], tol, &format!("{what}: H[{i}][{j}]"));
            assert_eq!(hij.to_bits(), h[j * n + i].to_bits(), "{what}: symmetry");
        }
    }
    check_hvp(&e, x);
}

/// Checks that the HVP equals the Hessian times a few vectors.
fn check_hvp(e: &Expr, x: &[f64]) {
    let n = e.dim();
    let mut h = vec![0.0; n * n];
    e.hessian(x, &mut h);
    let vectors: [Vec<f64>; 3] = [
        (0..n).map(|i| 1.0 + i as f64).collect(),
        (0..n)
            .map(|i| if i % 2 == 0 { -0.5 } else { 2.0 })
            .collect(),
        (0..n).map(|i| if i == 0 { 1.0 } else { 0.0 }).collect(),
    ];
    for v in &vectors {
        let mut out = vec![0.0; n];
        e.hvp(x, v, &mut out);
        for i in 0..n {
            let hv: f64 = (0..n).map(|j| h[i * n + j] * v[j]).sum();
            let scale: f64 = (0..n).map(|j| (h[i * n + j] * v[j]).abs()).sum();
            assert!(
                (out[i] - hv).abs() <= 1e-12 * (1.0 + scale),
                "{}: hvp[{i}] = {} but (H·v)[{i}] = {hv}",
                e.source(),
                out[i]
            );
        }
    }
}

/// Asserts that parsing fails at a column with a message containing a text.
fn assert_err(src: &str, column: usize, text: &str) {
    let err = perr(src);
    let src: String = src.chars().take(60).collect();
    assert_eq!(err.column, column, "{src:?}: column of {err}");
    assert!(
        err.message.contains(text),
        "{src:?}: message {:?} should contain {text:?}",
        err.message
    );
}

#[test]
fn numbers() {
    let z = [0.0, 0.0];
    assert_eq!(val("3", &z), 3.0);
    assert_eq!(val("2.5", &z), 2.5);
    assert_eq!(val("1e-3", &z), 1e-3);
    assert_eq!(val(".5", &z), 0.5);
    assert_eq!(val("5.", &z), 5.0);
    assert_eq!(val("1E3", &z), 1000.0);
    assert_eq!(val("2.5e+2", &z), 250.0);
    assert_eq!(val("  7  ", &z), 7.0);
}

#[test]
fn precedence() {
    let x = [3.0, 2.0];
    assert_eq!(val("-x^2", &x), -9.0);
    assert_eq!(val("(-x)^2", &x), 9.0);
    assert_eq!(val("-2^2", &x), -4.0);
    assert_eq!(val("(-2)^2", &x), 4.0);
    assert_eq!(val("2^3^2", &x), 512.0);
    assert_eq!(val("(2^3)^2", &x), 64.0);
    assert_eq!(val("2^-1", &x), 0.5);
    assert_eq!(val("2^-x", &x), 0.125);
    assert_eq!(val("2^-1^2", &x), 0.5);
    assert_eq!(val("x^y^2", &[2.0, 3.0]), 512.0);
    assert_eq!(val("-x^-y", &[2.0, 1.0]), -0.5);
    assert_eq!(val("2*3^2", &x), 18.0);
    assert_eq!(val("2^3*2", &x), 16.0);
    assert_eq!(val("1+2*3", &x), 7.0);
    assert_eq!(val("(1+2)*3", &x), 9.0);
    assert_eq!(val("x1*x2/x3", &[2.0, 3.0, 4.0]), 1.5);
    assert_eq!(val("x/y*2", &[8.0, 2.0]), 8.0);
    assert_eq!(val("8/4/2", &x), 1.0);
    assert_eq!(val("10-4-3", &x), 3.0);
    assert_eq!(val("x-y-1", &x), 0.0);
    assert_eq!(val("--x", &x), 3.0);
    assert_eq!(val("-+-x", &x), 3.0);
    assert_eq!(val("- - -x", &x), -3.0);
    assert_eq!(val("+x", &x), 3.0);
    assert_eq!(val("2*-3", &x), -6.0);
    assert_eq!(val("2--3", &x), 5.0);
    assert_eq!(val("x*-y", &x), -6.0);
    assert_eq!(val("-x*y", &x), -6.0);
    assert_eq!(val("x**2", &x), 9.0);
    assert_eq!(val("2**3**2", &x), 512.0);
}

#[test]
fn unicode_operators_and_whitespace() {
    let x = [3.0, 2.0];
    assert_eq!(val("2×3·4 − 1", &x), 23.0);
    assert_eq!(val("−x⋅y", &x), -6.0);
    assert_eq!(val("x÷y", &x), 1.5);
    assert_eq!(val("\t x \n +\u{a0}y ", &x), 5.0);
    // Columns count characters, not bytes.
    assert_err("−x + $", 6, "unexpected character `$`");
}

#[test]
fn constants() {
    let z = [0.0, 0.0];
    assert_eq!(val("pi", &z), PI);
    assert_eq!(val("π", &z), PI);
    assert_eq!(val("e", &z), E);
    assert_eq!(val("2*pi", &z), 2.0 * PI);
    assert_eq!(val("e^2", &z), E.powf(2.0));
    assert_eq!(val("-e", &z), -E);
}

#[test]
fn function_values() {
    let cases: [(&str, F); 10] = [
        ("sin(x)", f64::sin),
        ("cos(x)", f64::cos),
        ("tan(x)", f64::tan),
        ("exp(x)", f64::exp),
        ("log(x)", f64::ln),
        ("sqrt(x)", f64::sqrt),
        ("abs(x)", f64::abs),
        ("tanh(x)", f64::tanh),
        ("sinh(x)", f64::sinh),
        ("cosh(x)", f64::cosh),
    ];
    for (src, f) in cases {
        for x in [0.3, 1.7, 4.0] {
            assert_eq!(val(src, &[x, 0.0]), f(x), "{src} at {x}");
        }
    }
    assert_eq!(val("abs(x)", &[-2.5, 0.0]), 2.5);
    assert_eq!(val("min(x, y)", &[1.0, 2.0]), 1.0);
    assert_eq!(val("max(x, y)", &[1.0, 2.0]), 2.0);
    assert_eq!(val("min(3, -1)", &[0.0, 0.0]), -1.0);
    assert!(val("min(x, y)", &[f64::NAN, 2.0]).is_nan());
    assert!(val("max(x, y)", &[2.0, f64::NAN]).is_nan());
    // Constant calls are folded into a single constant.
    assert_eq!(p("sin(pi/2) + max(1, 2)").ops, vec![Op::Const(3.0)]);
}

#[test]
fn one_variable_derivatives_by_hand() {
    let cases: [(&str, F, F, F); 19] = [
        ("sin(x)", |x| x.sin(), |x| x.cos(), |x| -x.sin()),
        ("cos(x)", |x| x.cos(), |x| -x.sin(), |x| -x.cos()),
        (
            "tan(x)",
            |x| x.tan(),
            |x| 1.0 / (x.cos() * x.cos()),
            |x| 2.0 * x.sin() / x.cos().powi(3),
        ),
        ("exp(x)", |x| x.exp(), |x| x.exp(), |x| x.exp()),
        ("log(x)", |x| x.ln(), |x| 1.0 / x, |x| -1.0 / (x * x)),
        (
            "sqrt(x)",
            |x| x.sqrt(),
            |x| 0.5 / x.sqrt(),
            |x| -0.25 * x.powf(-1.5),
        ),
        ("abs(x)", |x| x.abs(), |_| 1.0, |_| 0.0),
        (
            "tanh(x)",
            |x| x.tanh(),
            |x| 1.0 / (x.cosh() * x.cosh()),
            |x| -2.0 * x.sinh() / x.cosh().powi(3),
        ),
        ("sinh(x)", |x| x.sinh(), |x| x.cosh(), |x| x.sinh()),
        ("cosh(x)", |x| x.cosh(), |x| x.sinh(), |x| x.cosh()),
        ("x^2", |x| x * x, |x| 2.0 * x, |_| 2.0),
        ("x^3", |x| x * x * x, |x| 3.0 * x * x, |x| 6.0 * x),
        (
            "x^-1",
            |x| 1.0 / x,
            |x| -1.0 / (x * x),
            |x| 2.0 / (x * x * x),
        ),
        (
            "1/x",
            |x| 1.0 / x,
            |x| -1.0 / (x * x),
            |x| 2.0 / (x * x * x),
        ),
        (
            "x^2.5",
            |x| x.powf(2.5),
            |x| 2.5 * x.powf(1.5),
            |x| 3.75 * x.sqrt(),
        ),
        (
            "x^(1/3)",
            |x| x.cbrt(),
            |x| x.cbrt() / (3.0 * x),
            |x| -2.0 * x.cbrt() / (9.0 * x * x),
        ),
        (
            "2^x",
            |x| 2f64.powf(x),
            |x| LN_2 * 2f64.powf(x),
            |x| LN_2 * LN_2 * 2f64.powf(x),
        ),
        ("x^1", |x| x, |_| 1.0, |_| 0.0),
        ("x^0", |_| 1.0, |_| 0.0, |_| 0.0),
    ];
    for (src, f, d1, d2) in cases {
        for x in [0.3, 0.8, 1.7] {
            check_derivs(
                src,
                &[x, -0.6],
                f(x),
                &[d1(x), 0.0],
                &[d2(x), 0.0, 0.0, 0.0],
            );
        }
    }
    // The same functions of y land in the second coordinate.
    check_derivs(
        "exp(y)",
        &[0.2, 0.5],
        0.5f64.exp(),
        &[0.0, 0.5f64.exp()],
        &[0.0, 0.0, 0.0, 0.5f64.exp()],
    );
}

#[test]
fn integer_powers_at_zero_and_negative_bases() {
    check_derivs("x^2", &[0.0, 0.0], 0.0, &[0.0, 0.0], &[2.0, 0.0, 0.0, 0.0]);
    check_derivs("x^3", &[0.0, 0.0], 0.0, &[0.0, 0.0], &[0.0; 4]);
    check_derivs("x^1", &[0.0, 0.0], 0.0, &[1.0, 0.0], &[0.0; 4]);
    check_derivs("x^0", &[0.0, 0.0], 1.0, &[0.0, 0.0], &[0.0; 4]);
    check_derivs("x^4", &[0.0, 0.0], 0.0, &[0.0, 0.0], &[0.0; 4]);
    check_derivs(
        "x^3",
        &[-2.0, 0.0],
        -8.0,
        &[12.0, 0.0],
        &[-12.0, 0.0, 0.0, 0.0],
    );
    check_derivs(
        "x^-2",
        &[-2.0, 0.0],
        0.25,
        &[0.25, 0.0],
        &[6.0 / 16.0, 0.0, 0.0, 0.0],
    );
    assert_eq!(val("(-2)^2", &[0.0, 0.0]), 4.0);
    assert!(val("(-8)^(1/3)", &[0.0, 0.0]).is_nan());
    assert!(val("x^(1/3)", &[-8.0, 0.0]).is_nan());
    assert_eq!(val("x^2", &[-2.0, 0.0]), 4.0);
}

#[test]
fn abs_min_max_derivatives() {
    check_derivs("abs(x)", &[-2.0, 0.0], 2.0, &[-1.0, 0.0], &[0.0; 4]);
    check_derivs("abs(x)", &[0.0, 0.0], 0.0, &[0.0, 0.0], &[0.0; 4]);
    check_derivs(
        "abs(x*y)",
        &[2.0, -3.0],
        6.0,
        &[3.0, -2.0],
        &[0.0, -1.0, -1.0, 0.0],
    );
    check_derivs("min(x, y)", &[1.0, 2.0], 1.0, &[1.0, 0.0], &[0.0; 4]);
    check_derivs("min(x, y)", &[3.0, 2.0], 2.0, &[0.0, 1.0], &[0.0; 4]);
    check_derivs("min(x, y)", &[1.0, 1.0], 1.0, &[1.0, 0.0], &[0.0; 4]);
    check_derivs("max(x, y)", &[1.0, 2.0], 2.0, &[0.0, 1.0], &[0.0; 4]);
    check_derivs("max(x, y)", &[1.0, 1.0], 1.0, &[1.0, 0.0], &[0.0; 4]);
    check_derivs("max(y, x)", &[1.0, 1.0], 1.0, &[0.0, 1.0], &[0.0; 4]);
    check_derivs(
        "min(x^2, y)",
        &[1.5, 4.0],
        2.25,
        &[3.0, 0.0],
        &[2.0, 0.0, 0.0, 0.0],
    );
    check_derivs(
        "max(x^2, x*y)",
        &[1.0, 3.0],
        3.0,
        &[3.0, 1.0],
        &[0.0, 1.0, 1.0, 0.0],
    );
}

#[test]
fn rosenbrock_by_hand() {
    let src = "(1-x)^2 + 100*(y-x^2)^2";
    for &(x, y) in &[(0.0, 0.0), (1.0, 1.0), (-1.2, 1.0), (0.5, -0.3), (2.0, 3.5)] {
        let f = (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
        let gx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
        let gy = 200.0 * (y - x * x);
        let hxx = 2.0 - 400.0 * y + 1200.0 * x * x;
        let hxy = -400.0 * x;
        let hyy = 200.0;
        check_derivs(src, &[x, y], f, &[gx, gy], &[hxx, hxy, hxy, hyy]);
    }
}

#[test]
fn two_variable_formulas_by_hand() {
    for &(x, y) in &[(0.3, -0.7), (1.1, 0.4), (-2.0, 1.5)] {
        let (s, c, ey) = (f64::sin(x), f64::cos(x), f64::exp(y));
        check_derivs(
            "sin(x)*exp(y)",
            &[x, y],
            s * ey,
            &[c * ey, s * ey],
            &[-s * ey, c * ey, c * ey, s * ey],
        );

        let r = (x * x + y * y).sqrt();
        let r3 = r * r * r;
        check_derivs(
            "sqrt(x^2+y^2)",
            &[x, y],
            r,
            &[x / r, y / r],
            &[y * y / r3, -x * y / r3, -x * y / r3, x * x / r3],
        );

        let t = (x * y).tanh();
        let s2 = 1.0 - t * t;
        check_derivs(
            "tanh(x*y)",
            &[x, y],
            t,
            &[y * s2, x * s2],
            &[
                -2.0 * y * y * t * s2,
                s2 - 2.0 * x * y * t * s2,
                s2 - 2.0 * x * y * t * s2,
                -2.0 * x * x * t * s2,
            ],
        );

        check_derivs(
            "x/y",
            &[x, y],
            x / y,
            &[1.0 / y, -x / (y * y)],
            &[0.0, -1.0 / (y * y), -1.0 / (y * y), 2.0 * x / (y * y * y)],
        );
    }
    // The variable exponent x^y needs a positive base.
    for &(x, y) in &[(2.0, 3.0), (1.5, 0.5), (0.7, -1.3)] {
        let f = f64::powf(x, y);
        let l = f64::ln(x);
        check_derivs(
            "x^y",
            &[x, y],
            f,
            &[y * x.powf(y - 1.0), f * l],
            &[
                y * (y - 1.0) * x.powf(y - 2.0),
                x.powf(y - 1.0) * (1.0 + y * l),
                x.powf(y - 1.0) * (1.0 + y * l),
                f * l * l,
            ],
        );
    }
}

#[test]
fn three_variable_product_by_hand() {
    let (a, b, c) = (1.5, -2.0, 0.5);
    check_derivs(
        "x1*x2*x3",
        &[a, b, c],
        a * b * c,
        &[b * c, a * c, a * b],
        &[0.0, c, b, c, 0.0, a, b, a, 0.0],
    );
}

#[test]
fn many_dimensions_and_lane_counts() {
    // The sum of i*xi^2 has gradient 2*i*xi and a diagonal Hessian.
    for n in [2usize, 3, 4, 5, 8, 9, 16] {
        let src: Vec<String> = (1..=n).map(|i| format!("{i}*x{i}^2")).collect();
        let src = format!("{} + x1*x{n}", src.join(" + "));
        let x: Vec<f64> = (0..n).map(|i| 0.5 - 0.25 * i as f64).collect();
        let mut f = x[0] * x[n - 1];
        let mut g = vec![0.0; n];
        let mut h = vec![0.0; n * n];
        for i in 0..n {
            let k = (i + 1) as f64;
            f += k * x[i] * x[i];
            g[i] += 2.0 * k * x[i];
            h[i * n + i] += 2.0 * k;
        }
        g[0] += x[n - 1];
        g[n - 1] += x[0];
        h[n - 1] += 1.0;
        h[(n - 1) * n] += 1.0;
        check_derivs(&src, &x, f, &g, &h);
    }
}

#[test]
fn special_values() {
    let z = [0.0, 0.0];
    assert_eq!(val("10^1000", &z), f64::INFINITY);
    assert_eq!(val("x^1e308", &[2.0, 0.0]), f64::INFINITY);
    assert_eq!(val("x^1e308", &[0.5, 0.0]), 0.0);
    let e = p("x^1e308");
    let mut g = [0.0; 2];
    let mut h = [0.0; 4];
    e.gradient(&[0.5, 0.0], &mut g);
    e.hessian(&[0.5, 0.0], &mut h);
    assert_eq!(g, [0.0, 0.0]);
    assert_eq!(h, [0.0; 4]);
    assert!(val("log(x)", &[-1.0, 0.0]).is_nan());
    assert!(val("sqrt(-1)", &z).is_nan());
    assert!(val("sqrt(x)", &[-1.0, 0.0]).is_nan());
    assert_eq!(val("1/x", &z), f64::INFINITY);
    assert_eq!(val("-1/x", &z), f64::NEG_INFINITY);
    assert!(val("x/y", &z).is_nan());
    assert!(val("0/0", &z).is_nan());
    assert_eq!(val("log(0)", &z), f64::NEG_INFINITY);
    assert_eq!(val("exp(1000)", &z), f64::INFINITY);
    // Derivatives outside the domain are NaN as well, not a panic.
    let mut g = [0.0; 2];
    assert!(p("log(x)").gradient(&[-1.0, 0.0], &mut g).is_nan());
    assert!(g[0].is_nan());
    assert_eq!(g[1], 0.0);
}

#[test]
fn strong_zero_convention() {
    // The cone has the subgradient 0 at its tip.
    let mut g = [1.0; 2];
    let f = p("sqrt(x^2+y^2)").gradient(&[0.0, 0.0], &mut g);
    assert_eq!((f, g), (0.0, [0.0, 0.0]));
    // The y-derivative of sqrt(y) at 0 is infinite but x's is exactly 0.
    p("sqrt(y)").gradient(&[5.0, 0.0], &mut g);
    assert_eq!(g, [0.0, f64::INFINITY]);
    // A negative base with an exponent that does not vary has a finite gradient.
    p("x^(y-y+2)").gradient(&[-3.0, 1.0], &mut g);
    assert_eq!(g, [-6.0, 0.0]);
    let mut g = [0.0; 2];
    p("x^y").gradient(&[-2.0, 2.0], &mut g);
    assert_eq!(g[0], -4.0);
    assert!(g[1].is_nan());
}

#[test]
fn dimension_rules() {
    assert_eq!(p("x").dim(), 2);
    assert_eq!(p("y").dim(), 2);
    assert_eq!(p("x*y").dim(), 2);
    assert_eq!(p("3").dim(), 2);
    assert_eq!(p("x1").dim(), 2);
    assert_eq!(p("x3").dim(), 3);
    assert_eq!(p("x2 + x7").dim(), 7);
    assert_eq!(p("x16").dim(), 16);
    assert_eq!(val("x3", &[1.0, 2.0, 3.0]), 3.0);
    assert_err("x1 + y", 6, "cannot mix `y` with `x1` (column 1)");
    assert_err("x + x2", 5, "cannot mix `x2` with `x`");
    assert_err("x17", 1, "at most 16 variables");
    assert_err("x + x300", 5, "at most 16 variables");
    assert_err("x99999999999999999999", 1, "at most 16 variables");
    assert_err("x0", 1, "indices start at 1");
    assert_err("x01", 1, "leading zeros");
}

#[test]
fn error_messages_and_columns() {
    assert_err("", 1, "the formula is empty");
    assert_err("   ", 1, "the formula is empty");
    assert_err("x + $", 5, "unexpected character `$`");
    assert_err("x²", 2, "write powers with `^`");
    assert_err("x +", 4, ENDS_TOO_EARLY);
    assert_err("x^", 3, ENDS_TOO_EARLY);
    assert_err("-", 2, ENDS_TOO_EARLY);
    assert_err("sin(", 5, ENDS_TOO_EARLY);
    assert_err("(x + 1", 1, "unmatched `(`");
    assert_err("((x)", 1, "unmatched `(`");
    assert_err("(x + 1) * (y", 11, "unmatched `(`");
    assert_err("sin(x", 4, "unmatched `(`");
    assert_err("max(x, y", 4, "unmatched `(`");
    assert_err("x + 1)", 6, "unmatched `)`");
    assert_err("(x))", 4, "unmatched `)`");
    assert_err("sin(x, y)", 1, "`sin` takes 1 argument, found 2");
    assert_err("sin()", 1, "`sin` takes 1 argument, found none");
    assert_err("2 + min(x)", 5, "`min` takes 2 arguments, found 1");
    assert_err("max(x, y, 1)", 1, "`max` takes 2 arguments, found 3");
    assert_err("sin x", 1, "`sin` is a function");
    assert_err("max + 1", 1, "as in max(x, y)");
    assert_err("2x", 2, "write 2*x");
    assert_err("3 y", 3, "write 3*y");
    assert_err("2(x+1)", 2, "write 2*(");
    assert_err("(x)(y)", 4, "write )*(");
    assert_err("x sin(y)", 3, "write x*sin");
    assert_err("2e", 1, "an exponent needs digits");
    assert_err("1.2.3", 1, "`1.2.3` is not a valid number");
    assert_err("x + .", 5, "`.` is not a valid number");
    assert_err("1e5.3", 1, "`1e5.3` is not a valid number");
    assert_err("1e400", 1, "too large");
    assert_err("x */ y", 4, "two operators in a row (`*` followed by `/`)");
    assert_err("x + ^2", 5, "two operators in a row");
    assert_err("* x", 1, "expected a number, a name or `(`, found `*`");
    assert_err("()", 2, "empty parentheses");
    assert_err("sin(x,)", 7, "after `,`, found `)`");
    assert_err("(x, y)", 3, "expected `)`, found `,`");
    assert_err("x, y", 2, "unexpected `,`");
    assert_err(
        "foo + 1",
        1,
        "unknown name `foo`; variables are x and y (or x1 … xn)",
    );
    assert_err("x + z", 5, "functions are sin, cos");
    assert_err("Sin(x)", 1, "write `sin`");
    assert_err("ln(x)", 1, "use log");
    let err = perr("(x + 1, 2)");
    assert_eq!(
        err.to_string().split(';').next(),
        Some("column 7: expected `)`, found `,`")
    );
}

#[test]
fn limits_return_errors() {
    let deep = "(".repeat(4000) + "x" + &")".repeat(4000);
    assert_err(&deep, MAX_NESTING + 1, "nested too deeply");
    assert_err(&"-".repeat(5000), MAX_NESTING + 1, "nested too deeply");
    assert_err(&"2^".repeat(3000), 2 * MAX_NESTING + 1, "nested too deeply");
    let long = "(".repeat(100_000);
    assert_err(
        &long,
        MAX_SOURCE_CHARS + 1,
        "the formula is too long (100000 characters",
    );
    assert_err(&"x+".repeat(60_000), MAX_SOURCE_CHARS + 1, "too long");
    // Moderate nesting is fine.
    let ok = "(".repeat(150) + "x" + &")".repeat(150);
    assert_eq!(val(&ok, &[4.0, 0.0]), 4.0);
    // A long flat sum exceeds the program limit but not the source limit.
    let sum = format!("x{}", "+x".repeat(2500));
    assert_err(&sum, 4096, "needs 5001 operations and the limit is 4096");
    // Right-nested sums use one stack slot per level.
    let nested = "x+y*(".repeat(150) + "x" + &")".repeat(150);
    assert_err(&nested, 641, "more than 256 stack slots");
}

#[test]
fn large_programs_evaluate() {
    // A sum close to the limits exercises the largest stack tier.
    let src = "x+y*(".repeat(120) + "x" + &")".repeat(120);
    let e = p(&src);
    assert!(e.max_stack > 32 && e.max_stack <= STACK_CAPACITY);
    let (x, y) = (0.5, 0.9);
    // The value is s(k) = x + y*s(k-1) with s(0) = x.
    let (mut f, mut dfx, mut dfy) = (x, 1.0, 0.0);
    for _ in 0..120 {
        dfy = f + y * dfy;
        dfx = 1.0 + y * dfx;
        f = x + y * f;
    }
    let mut g = [0.0; 2];
    assert_close(e.gradient(&[x, y], &mut g), f, 1e-12, "value");
    assert_close(g[0], dfx, 1e-12, "gx");
    assert_close(g[1], dfy, 1e-12, "gy");
    check_hvp(&e, &[x, y]);
    // A flat sum close to the op limit is accepted.
    let sum = format!("x{}", "+x".repeat(2000));
    assert_eq!(val(&sum, &[1.0, 0.0]), 2001.0);
}

#[test]
fn api_details() {
    let src = "  (1-x)^2 + 100*(y-x^2)^2 ";
    let e = p(src);
    assert_eq!(e.source(), src);
    let parsed: Result<Expr, _> = src.parse();
    assert!(parsed.is_ok());
    let clone = e.clone();
    assert_eq!(clone.value(&[1.0, 1.0]), 0.0);
    let err = perr("(x");
    assert_eq!(
        err.to_string(),
        "column 1: unmatched `(`; the formula ends before its closing `)`"
    );
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(boxed.to_string().starts_with("column 1"));
    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_send_sync::<Expr>();
    assert_send_sync::<ParseError>();
    // Compilation folds constants and specialises powers.
    assert_eq!(
        p("x^2 + x^3 + x^0.5 + 2^x").ops,
        vec![
            Op::Var(0),
            Op::Un(Un::Sqr),
            Op::Var(0),
            Op::Un(Un::PowI(3)),
            Op::Bin(Bin::Add),
            Op::Var(0),
            Op::Un(Un::PowF(0.5)),
            Op::Bin(Bin::Add),
            Op::Const(2.0),
            Op::Var(0),
            Op::Bin(Bin::Pow),
            Op::Bin(Bin::Add),
        ]
    );
    assert_eq!(p("x^-(1+1)").ops, vec![Op::Var(0), Op::Un(Un::PowI(-2))]);
}

#[test]
#[should_panic(expected = "x must have dim() entries")]
fn wrong_length_panics() {
    let _ = p("x1 + x3").value(&[1.0, 2.0]);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Generates smooth formulas over the given variable names.
    fn smooth(vars: &'static [&'static str]) -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            proptest::sample::select(vars).prop_map(str::to_string),
            (-2.0f64..2.0).prop_map(|c| format!("({c:.3})")),
        ];
        leaf.prop_recursive(4, 32, 2, |inner| {
            let two = (inner.clone(), inner.clone());
            prop_oneof![
                two.clone().prop_map(|(a, b)| format!("({a} + {b})")),
                two.clone().prop_map(|(a, b)| format!("({a} - {b})")),
                two.clone().prop_map(|(a, b)| format!("({a} * {b})")),
                two.clone()
                    .prop_map(|(a, b)| format!("({a}) / (1.5 + cos({b}))")),
                two.prop_map(|(a, b)| format!("(1.5 + sin({a}))^({b})")),
                inner.clone().prop_map(|a| format!("sin({a})")),
                inner.clone().prop_map(|a| format!("cos({a})")),
                inner.clone().prop_map(|a| format!("tan(0.5*tanh({a}))")),
                inner.clone().prop_map(|a| format!("tanh({a})")),
                inner.clone().prop_map(|a| format!("exp(sin({a}))")),
                inner.clone().prop_map(|a| format!("sinh(tanh({a}))")),
                inner.clone().prop_map(|a| format!("cosh(sin({a}))")),
                inner.clone().prop_map(|a| format!("sqrt(1 + ({a})^2)")),
                inner.clone().prop_map(|a| format!("log(2 + sin({a}))")),
                inner.clone().prop_map(|a| format!("({a})^2")),
                inner.clone().prop_map(|a| format!("-({a})^3")),
                inner.prop_map(|a| format!("(1 + ({a})^2)^-0.5")),
            ]
        })
    }

    /// Returns a fourth-order central difference of `f` along coordinate `j` and an estimate of
    /// its own error (its change when the step is halved), so that rapidly varying formulas are
    /// judged by what finite differences can resolve.
    fn central(f: &dyn Fn(&[f64]) -> f64, x: &[f64], j: usize) -> (f64, f64) {
        let at = |t: f64| {
            let mut y = x.to_vec();
            y[j] += t;
            f(&y)
        };
        let diff = |h: f64| (-at(2.0 * h) + 8.0 * at(h) - 8.0 * at(-h) + at(-2.0 * h)) / (12.0 * h);
        let (coarse, fine) = (diff(2e-4), diff(1e-4));
        (fine, (coarse - fine).abs())
    }

    /// Checks the derivatives of a formula at a point against each other and
    /// against finite differences.
    fn check(src: &str, x: &[f64]) -> Result<(), TestCaseError> {
        let e = p(src);
        let n = e.dim();
        let mut g = vec![0.0; n];
        let f = e.gradient(x, &mut g);
        prop_assume!(f.is_finite() && f.abs() < 1e4);
        prop_assume!(g.iter().all(|gi| gi.abs() < 1e4));
        prop_assert_eq!(f.to_bits(), e.value(x).to_bits());
        check_hvp(&e, x);
        let mut h = vec![0.0; n * n];
        e.hessian(x, &mut h);
        for j in 0..n {
            let (fd, err) = central(&|y| e.value(y), x, j);
            prop_assert!(
                (fd - g[j]).abs() <= 1e-5 * (1.0 + g[j].abs()) + 10.0 * err,
                "{}: g[{}] = {} but FD gives {}",
                src,
                j,
                g[j],
                fd
            );
            for i in 0..n {
                let gi = |y: &[f64]| {
                    let mut gy = vec![0.0; n];
                    e.gradient(y, &mut gy);
                    gy[i]
                };
                let (fd, err) = central(&gi, x, j);
                let hij = h[i * n + j];
                prop_assert!(
                    (fd - hij).abs() <= 1e-4 * (1.0 + hij.abs()) + 10.0 * err,
                    "{}: H[{}][{}] = {} but FD of the gradient gives {}",
                    src,
                    i,
                    j,
                    hij,
                    fd
                );
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn derivatives_agree_in_2d(
            src in smooth(&["x", "y"]),
            x in prop::array::uniform2(-1.5f64..1.5),
        ) {
            check(&src, &x)?;
        }

        #[test]
        fn derivatives_agree_in_3d(
            src in smooth(&["x1", "x2", "x3"]),
            x in prop::array::uniform3(-1.5f64..1.5),
        ) {
            // The dimension is 2 when x3 does not appear.
            let n = p(&src).dim();
            check(&src, &x[..n])?;
        }

        #[test]
        fn arbitrary_text_never_panics(src in "[xy0-9.e+*/^() ,sincoqrtaxmlph−×²-]{0,40}") {
            match Expr::parse(&src) {
                Ok(e) => {
                let n = e.dim();
                let x = vec![0.7; n];
                let mut g = vec![0.0; n];
                let mut h = vec![0.0; n * n];
                let _ = e.value(&x);
                e.gradient(&x, &mut g);
                e.hvp(&x, &x, &mut g);
                e.hessian(&x, &mut h);
                }
                Err(err) => {
                    prop_assert!(err.column >= 1 && err.column <= src.chars().count() + 1);
                }
            }
        }
    }
}
