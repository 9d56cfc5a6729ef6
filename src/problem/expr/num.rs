//! The numbers the program is evaluated over: f64, dual numbers (value and gradient lanes)
//! and hyper-dual numbers (second derivatives along two directions), with each elementary
//! function's first and second derivatives.

use super::*;

/// The arithmetic that the stack machine needs from a number type.
///
/// The operations update `self` in place, with `o` as the right operand.
pub(super) trait Num: Copy {
    /// The zero element, used to initialise stacks.
    const ZERO: Self;
    /// Returns a constant, whose derivatives are zero.
    fn constant(c: f64) -> Self;
    /// Returns the real (value) part.
    fn re(&self) -> f64;
    /// Adds `o`.
    fn plus(&mut self, o: &Self);
    /// Subtracts `o`.
    fn minus(&mut self, o: &Self);
    /// Multiplies by `o`.
    fn times(&mut self, o: &Self);
    /// Divides by `o`.
    fn over(&mut self, o: &Self);
    /// Negates.
    fn negate(&mut self);
    /// Applies a one-argument function.
    fn unary(&mut self, u: Un);
    /// Raises to the non-constant power `o`.
    fn pow(&mut self, o: &Self);
}

impl Num for f64 {
    const ZERO: Self = 0.0;

    fn constant(c: f64) -> Self {
        c
    }

    fn re(&self) -> f64 {
        *self
    }

    fn plus(&mut self, o: &Self) {
        *self += *o;
    }

    fn minus(&mut self, o: &Self) {
        *self -= *o;
    }

    fn times(&mut self, o: &Self) {
        *self *= *o;
    }

    fn over(&mut self, o: &Self) {
        *self /= *o;
    }

    fn negate(&mut self) {
        *self = -*self;
    }

    fn unary(&mut self, u: Un) {
        *self = apply_un(u, *self);
    }

    fn pow(&mut self, o: &Self) {
        *self = self.powf(*o);
    }
}

/// Evaluates a one-argument function; `derivs` must return the same value.
#[inline]
pub(super) fn apply_un(u: Un, x: f64) -> f64 {
    match u {
        Un::Sin => x.sin(),
        Un::Cos => x.cos(),
        Un::Tan => x.tan(),
        Un::Exp => x.exp(),
        Un::Ln => x.ln(),
        Un::Sqrt => x.sqrt(),
        Un::Abs => x.abs(),
        Un::Tanh => x.tanh(),
        Un::Sinh => x.sinh(),
        Un::Cosh => x.cosh(),
        Un::Sqr => x * x,
        Un::PowI(n) => x.powi(n),
        Un::PowF(c) => x.powf(c),
    }
}

/// Returns the value and the first and second derivatives of a one-argument function.
#[inline]
pub(super) fn derivs(u: Un, x: f64) -> (f64, f64, f64) {
    match u {
        Un::Sin => {
            let (s, c) = (x.sin(), x.cos());
            (s, c, -s)
        }
        Un::Cos => {
            let (s, c) = (x.sin(), x.cos());
            (c, -s, -c)
        }
        Un::Tan => {
            // With t = tan x, the derivative is 1 + t² and the second is 2t(1 + t²).
            let t = x.tan();
            let d = 1.0 + t * t;
            (t, d, 2.0 * t * d)
        }
        Un::Exp => {
            let e = x.exp();
            (e, e, e)
        }
        Un::Ln => {
            // Outside the domain the derivatives are NaN like the value.
            if x < 0.0 {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                (x.ln(), 1.0 / x, -1.0 / (x * x))
            }
        }
        Un::Sqrt => {
            // The derivative is 1/(2√x) and the second is −1/(4·x·√x).
            let s = x.sqrt();
            (s, 0.5 / s, -0.25 / (x * s))
        }
        Un::Abs => {
            let sign = if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else if x == 0.0 {
                0.0
            } else {
                f64::NAN
            };
            (x.abs(), sign, 0.0)
        }
        Un::Tanh => {
            // With t = tanh x, the derivative is 1 − t² and the second is −2t(1 − t²).
            let t = x.tanh();
            let d = 1.0 - t * t;
            (t, d, -2.0 * t * d)
        }
        Un::Sinh => (x.sinh(), x.cosh(), x.sinh()),
        Un::Cosh => (x.cosh(), x.sinh(), x.cosh()),
        Un::Sqr => (x * x, 2.0 * x, 2.0),
        Un::PowI(n) => match n {
            // The exponents 0 and 1 are special so that no 0·∞ appears at x = 0.
            0 => (1.0, 0.0, 0.0),
            1 => (x, 1.0, 0.0),
            _ => {
                let nf = f64::from(n);
                (
                    x.powi(n),
                    nf * x.powi(n - 1),
                    nf * (nf - 1.0) * x.powi(n - 2),
                )
            }
        },
        Un::PowF(c) => (
            x.powf(c),
            c * x.powf(c - 1.0),
            // The grouping keeps a huge c times a vanishing power at zero, not NaN.
            c * ((c - 1.0) * x.powf(c - 2.0)),
        ),
    }
}

/// Returns `k * t`, or exactly zero when the tangent `t` is zero.
///
/// This keeps an infinite or NaN elementary derivative from polluting a
/// direction in which the argument does not change.
#[inline]
pub(super) fn sz(k: f64, t: f64) -> f64 {
    if t == 0.0 { 0.0 } else { k * t }
}

/// Returns `p * q`, or exactly zero when `p` is zero.
#[inline]
pub(super) fn mul0(p: f64, q: f64) -> f64 {
    if p == 0.0 { 0.0 } else { p * q }
}

/// The value and partial derivatives of `a^b` with respect to `a` and `b`.
pub(super) struct PowPartials {
    pub(super) f: f64,
    pub(super) fa: f64,
    pub(super) fb: f64,
    pub(super) faa: f64,
    pub(super) fab: f64,
    pub(super) fbb: f64,
}

/// Returns the value and first partial derivatives of `a^b`.
pub(super) fn pow_partials1(a: f64, b: f64) -> (f64, f64, f64) {
    let f = a.powf(b);
    // ∂/∂a = b·a^(b−1), and ∂/∂b = a^b·ln a, which is zero wherever a^b is.
    let fa = if b == 0.0 { 0.0 } else { b * a.powf(b - 1.0) };
    let fb = mul0(f, a.ln());
    (f, fa, fb)
}

/// Returns the value and first and second partial derivatives of `a^b`.
pub(super) fn pow_partials(a: f64, b: f64) -> PowPartials {
    let (f, fa, fb) = pow_partials1(a, b);
    let ln = a.ln();
    // ∂²/∂a² = b(b−1)·a^(b−2), ∂²/∂a∂b = a^(b−1)·(1 + b·ln a), ∂²/∂b² = a^b·ln²a.
    let faa = if b == 0.0 || b == 1.0 {
        0.0
    } else {
        b * (b - 1.0) * a.powf(b - 2.0)
    };
    let fab = mul0(a.powf(b - 1.0), 1.0 + b * ln);
    let fbb = mul0(f, ln * ln);
    PowPartials {
        f,
        fa,
        fb,
        faa,
        fab,
        fbb,
    }
}

/// A dual number with `L` tangent lanes: `v + Σ d[i]·εᵢ` with `εᵢεⱼ = 0`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Dual<const L: usize> {
    pub(super) v: f64,
    pub(super) d: [f64; L],
}

impl<const L: usize> Num for Dual<L> {
    const ZERO: Self = Self {
        v: 0.0,
        d: [0.0; L],
    };

    fn constant(c: f64) -> Self {
        Self { v: c, d: [0.0; L] }
    }

    fn re(&self) -> f64 {
        self.v
    }

    fn plus(&mut self, o: &Self) {
        self.v += o.v;
        for (a, b) in self.d.iter_mut().zip(&o.d) {
            *a += b;
        }
    }

    fn minus(&mut self, o: &Self) {
        self.v -= o.v;
        for (a, b) in self.d.iter_mut().zip(&o.d) {
            *a -= b;
        }
    }

    fn times(&mut self, o: &Self) {
        let (av, bv) = (self.v, o.v);
        for (a, b) in self.d.iter_mut().zip(&o.d) {
            *a = *a * bv + av * b;
        }
        self.v = av * bv;
    }

    fn over(&mut self, o: &Self) {
        // With r = a/b, the tangent is (a′ − r·b′)/b.
        let r = self.v / o.v;
        let inv = 1.0 / o.v;
        for (a, b) in self.d.iter_mut().zip(&o.d) {
            *a = (*a - r * b) * inv;
        }
        self.v = r;
    }

    fn negate(&mut self) {
        self.v = -self.v;
        for a in &mut self.d {
            *a = -*a;
        }
    }

    fn unary(&mut self, u: Un) {
        let (f0, f1, _) = derivs(u, self.v);
        self.v = f0;
        for a in &mut self.d {
            *a = sz(f1, *a);
        }
    }

    fn pow(&mut self, o: &Self) {
        let (f, fa, fb) = pow_partials1(self.v, o.v);
        self.v = f;
        for (a, b) in self.d.iter_mut().zip(&o.d) {
            *a = sz(fa, *a) + sz(fb, *b);
        }
    }
}

/// A hyper-dual number `v + Σ d1[i]·εᵢ + d2·η + Σ d12[i]·εᵢη`.
///
/// The infinitesimals satisfy `εᵢεⱼ = 0` and `η² = 0`, so `d12[i]` carries the
/// mixed second derivative along coordinate direction `i` and the direction
/// seeded into `d2`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hyper<const L: usize> {
    pub(super) v: f64,
    pub(super) d1: [f64; L],
    pub(super) d2: f64,
    pub(super) d12: [f64; L],
}

impl<const L: usize> Num for Hyper<L> {
    const ZERO: Self = Self {
        v: 0.0,
        d1: [0.0; L],
        d2: 0.0,
        d12: [0.0; L],
    };

    fn constant(c: f64) -> Self {
        Self { v: c, ..Self::ZERO }
    }

    fn re(&self) -> f64 {
        self.v
    }

    fn plus(&mut self, o: &Self) {
        self.v += o.v;
        self.d2 += o.d2;
        for (a, b) in self.d1.iter_mut().zip(&o.d1) {
            *a += b;
        }
        for (a, b) in self.d12.iter_mut().zip(&o.d12) {
            *a += b;
        }
    }

    fn minus(&mut self, o: &Self) {
        self.v -= o.v;
        self.d2 -= o.d2;
        for (a, b) in self.d1.iter_mut().zip(&o.d1) {
            *a -= b;
        }
        for (a, b) in self.d12.iter_mut().zip(&o.d12) {
            *a -= b;
        }
    }

    fn times(&mut self, o: &Self) {
        // The product rule, with the mixed part computed from the old lanes.
        let (av, a2, bv, b2) = (self.v, self.d2, o.v, o.d2);
        let lanes = self.d1.iter_mut().zip(self.d12.iter_mut());
        for ((a1, a12), (b1, b12)) in lanes.zip(o.d1.iter().zip(&o.d12)) {
            *a12 = *a12 * bv + *a1 * b2 + a2 * b1 + av * b12;
            *a1 = *a1 * bv + av * b1;
        }
        self.d2 = a2 * bv + av * b2;
        self.v = av * bv;
    }

    fn over(&mut self, o: &Self) {
        // With r = a/b: r₁ = (a₁ − r·b₁)/b, r₂ = (a₂ − r·b₂)/b, and
        // r₁₂ = (a₁₂ − r₂·b₁ − r·b₁₂ − r₁·b₂)/b.
        let (bv, b2) = (o.v, o.d2);
        let r = self.v / bv;
        let inv = 1.0 / bv;
        let r2 = (self.d2 - r * b2) * inv;
        let lanes = self.d1.iter_mut().zip(self.d12.iter_mut());
        for ((a1, a12), (b1, b12)) in lanes.zip(o.d1.iter().zip(&o.d12)) {
            let r1 = (*a1 - r * b1) * inv;
            *a12 = (*a12 - r2 * b1 - r * b12 - r1 * b2) * inv;
            *a1 = r1;
        }
        self.d2 = r2;
        self.v = r;
    }

    fn negate(&mut self) {
        self.v = -self.v;
        self.d2 = -self.d2;
        for a in &mut self.d1 {
            *a = -*a;
        }
        for a in &mut self.d12 {
            *a = -*a;
        }
    }

    fn unary(&mut self, u: Un) {
        // The chain rule: f(a)₁₂ = f′(a)·a₁₂ + f″(a)·a₁·a₂.
        let (f0, f1, f2) = derivs(u, self.v);
        let a2 = self.d2;
        for (a1, a12) in self.d1.iter_mut().zip(self.d12.iter_mut()) {
            *a12 = sz(f1, *a12) + sz(f2, *a1 * a2);
            *a1 = sz(f1, *a1);
        }
        self.d2 = sz(f1, a2);
        self.v = f0;
    }

    fn pow(&mut self, o: &Self) {
        // The two-argument chain rule for f(a, b) = a^b:
        // f₁₂ = fa·a₁₂ + fb·b₁₂ + faa·a₁a₂ + fab·(a₁b₂ + b₁a₂) + fbb·b₁b₂.
        let p = pow_partials(self.v, o.v);
        let (a2, b2) = (self.d2, o.d2);
        let lanes = self.d1.iter_mut().zip(self.d12.iter_mut());
        for ((a1, a12), (b1, b12)) in lanes.zip(o.d1.iter().zip(&o.d12)) {
            *a12 = sz(p.fa, *a12)
                + sz(p.fb, *b12)
                + sz(p.faa, *a1 * a2)
                + sz(p.fab, *a1 * b2 + b1 * a2)
                + sz(p.fbb, b1 * b2);
            *a1 = sz(p.fa, *a1) + sz(p.fb, *b1);
        }
        self.d2 = sz(p.fa, a2) + sz(p.fb, b2);
        self.v = p.f;
    }
}
