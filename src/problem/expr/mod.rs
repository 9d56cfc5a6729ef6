//! A safe parser for user-typed objective formulas, with exact derivatives.
//!
//! It is written by hand because no parser crate fits: the expression-evaluation crates
//! (evalexpr, meval, fasteval) evaluate over their own value types and hide their trees, so
//! they cannot be evaluated over dual numbers, and none reports errors by column; exmex
//! differentiates symbolically rather than by forward-mode automatic differentiation. The
//! grammar is small (a precedence climber of about a hundred lines), and owning it lets every
//! limit be checked at parse time and evaluation stay off the heap.
//!
//! A formula such as `(1-x)^2 + 100*(y-x^2)^2` is parsed once by [`Expr::parse`]
//! into a flat postfix program. The program is then evaluated by a small stack
//! machine that lives entirely on the call stack, so [`Expr::value`],
//! [`Expr::gradient`], [`Expr::hvp`] and [`Expr::hessian`] never touch the heap.
//!
//! # Grammar
//!
//! Numbers are written as `3`, `2.5`, `1e-3` or `.5`. The binary operators are
//! `+ - * / ^` (with `**` accepted for `^`), and `+` and `-` may also be used as
//! signs. Parentheses group, and the functions `sin cos tan exp log sqrt abs tanh
//! sinh cosh` take one argument while `min max` take two. The constants are `pi`
//! (also `π`) and `e`, and `log` is the natural logarithm.
//!
//! The power operator binds tighter than a sign on its left (`-x^2` is −(x²)),
//! it is right-associative (`2^3^2` is 2⁹), and its exponent may carry a sign
//! (`2^-1`). Implicit multiplication such as `2x` is rejected with a hint. The
//! Unicode minus sign `−` is read as `-`, `×`, `·` and `⋅` are read as `*`, and
//! `÷` is read as `/`. Sub-expressions without variables are folded into
//! constants at parse time, and constant exponents get specialised code.
//!
//! # Variables
//!
//! A formula uses either `x` and `y` (and then has dimension 2, even if only `x`
//! appears) or the indexed variables `x1`, `x2`, … up to `x16` (and then has the
//! largest index as its dimension, but at least 2). The two styles cannot be
//! mixed. A formula without variables has dimension 2.
//!
//! # Derivatives
//!
//! Derivatives are exact up to rounding: they come from forward-mode automatic
//! differentiation and never from finite differences. Gradients use dual numbers
//! with one tangent lane per variable, so one pass yields the whole gradient.
//! Hessian-vector products use hyper-dual numbers whose first infinitesimal has
//! one lane per coordinate direction and whose second infinitesimal is the
//! vector `v`, so one pass yields the whole product; the Hessian takes one such
//! pass per column and is then symmetrised exactly.
//!
//! The following conventions apply where a function is not smooth. The
//! derivative of `abs` is the sign of its argument (0 at 0) and its second
//! derivative is 0. `min` and `max` pick the derivatives of the chosen argument,
//! and a tie chooses the first argument; a NaN argument propagates. When the
//! tangent of an argument is exactly zero, the chain rule contributes exactly
//! zero even if the elementary derivative is infinite or NaN, so `sqrt(y)` has
//! ∂/∂x = 0 at y = 0 and `sqrt(x^2+y^2)` has the gradient 0 at the origin.
//!
//! A constant exponent is treated like `powf`: `(-2)^2` is 4 and `(-8)^(1/3)` is
//! NaN, and an integer exponent such as in `x^2` has the derivative 0 at x = 0. A
//! variable exponent `a^b` takes its value from `powf` and its derivatives from
//! exp(b·log a), so the derivative with respect to `b` is NaN for a negative `a`.
//!
//! # Limits
//!
//! The source may have at most [`MAX_SOURCE_CHARS`] characters, the nesting of
//! parentheses, calls, signs and exponents may be at most [`MAX_NESTING`] deep
//! (the formula itself is the first level, so 199 nested parentheses are fine),
//! the program may have at most [`MAX_OPS`] operations, and its evaluation may
//! need at most [`STACK_CAPACITY`] stack slots. Each limit is checked at parse
//! time and reported as a [`ParseError`].
//!
//! Evaluation uses at most about 80 KiB of the caller's stack (for a formula that
//! needs the full stack in 16 dimensions), and much less for typical formulas,
//! because the stack size and the number of derivative lanes are chosen from the
//! formula's needs.
#![forbid(unsafe_code)]

use std::fmt;

/// The longest accepted formula, counted in characters.
pub const MAX_SOURCE_CHARS: usize = 10_000;

/// The longest accepted compiled program, counted in operations.
pub const MAX_OPS: usize = 4096;

/// The number of slots of the fixed-size evaluation stack.
pub const STACK_CAPACITY: usize = 256;

/// The deepest accepted nesting of parentheses, function calls, signs and exponents.
pub const MAX_NESTING: usize = 200;

/// The largest supported number of variables (`x1` … `x16`).
pub const MAX_DIM: usize = 16;

/// The largest magnitude of an integer constant exponent that is evaluated with `powi`.
const MAX_POWI: f64 = 1024.0;

/// The names of all functions, as listed in error messages.
const FUNCTION_NAMES: &str = "sin, cos, tan, exp, log, sqrt, abs, tanh, sinh, cosh, min and max";

/// The message for a formula that stops where an operand is needed.
const ENDS_TOO_EARLY: &str = "the formula ends too early; expected a number, a name or `(`";

/// An error found while parsing a formula, with the column where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based column of the problem, counted in characters (not bytes).
    pub column: usize,
    /// A human-readable description of the problem.
    pub message: String,
}

impl ParseError {
    /// Creates an error at the given 1-based column.
    fn new(column: usize, message: impl Into<String>) -> Self {
        Self {
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A one-argument elementary function of the compiled program.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Un {
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Sqrt,
    Abs,
    Tanh,
    Sinh,
    Cosh,
    /// The square, used for the exponent 2.
    Sqr,
    /// An integer constant power, evaluated with `powi`.
    PowI(i32),
    /// Any other constant power, evaluated with `powf`.
    PowF(f64),
}

/// A two-argument operation of the compiled program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    /// A power whose exponent is not a constant.
    Pow,
    Min,
    Max,
}

/// One instruction of the postfix program.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    /// Pushes a constant.
    Const(f64),
    /// Pushes the variable with this 0-based index.
    Var(u8),
    /// Negates the top of the stack.
    Neg,
    /// Applies a one-argument function to the top of the stack.
    Un(Un),
    /// Pops the right operand and combines it with the new top of the stack.
    Bin(Bin),
}

/// A parsed formula, compiled to a postfix program that evaluates without allocating.
///
/// An `Expr` is immutable after parsing, so it is `Send` and `Sync` and can be
/// shared between threads freely.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The formula as typed.
    source: String,
    /// The postfix program.
    ops: Vec<Op>,
    /// The number of variables.
    dim: usize,
    /// The largest stack depth that the program reaches.
    max_stack: usize,
}

impl std::str::FromStr for Expr {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Expr {
    /// Parses and compiles a formula.
    ///
    /// The error names the 1-based character column of the first problem found,
    /// including formulas that exceed one of the limits described in the module
    /// documentation.
    ///
    /// # Errors
    ///
    /// Returns a [`ParseError`] for any syntax error, unknown name, wrong number
    /// of arguments, invalid variable, or exceeded limit.
    pub fn parse(src: &str) -> Result<Expr, ParseError> {
        let chars = src.chars().count();
        if chars > MAX_SOURCE_CHARS {
            return Err(ParseError::new(
                MAX_SOURCE_CHARS + 1,
                format!(
                    "the formula is too long ({chars} characters; the limit is {MAX_SOURCE_CHARS})"
                ),
            ));
        }
        if src.trim().is_empty() {
            return Err(ParseError::new(1, "the formula is empty"));
        }
        let mut parser = Parser::new(src)?;
        parser.parse_sum()?;
        if !matches!(parser.tok.kind, Tok::End) {
            return Err(parser.after_operand_error(Ctx::Top));
        }
        parser.finish(src)
    }

    /// Returns the formula exactly as it was typed.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Returns the number of variables, which is at least 2.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Evaluates the formula at `x`.
    ///
    /// # Panics
    ///
    /// Panics if `x.len()` differs from [`Expr::dim`].
    #[must_use]
    pub fn value(&self, x: &[f64]) -> f64 {
        assert_eq!(x.len(), self.dim, "x must have dim() entries");
        let mut vars = [0.0; MAX_DIM];
        for (var, &xi) in vars.iter_mut().zip(x) {
            *var = xi;
        }
        self.run(&vars)
    }

    /// Writes the gradient at `x` into `g` and returns the value at `x`.
    ///
    /// The returned value is bit-for-bit the same as [`Expr::value`] gives.
    ///
    /// # Panics
    ///
    /// Panics if `x.len()` or `g.len()` differs from [`Expr::dim`].
    pub fn gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        assert_eq!(x.len(), self.dim, "x must have dim() entries");
        assert_eq!(g.len(), self.dim, "g must have dim() entries");
        match lanes(self.dim) {
            2 => self.gradient_lanes::<2>(x, g),
            4 => self.gradient_lanes::<4>(x, g),
            8 => self.gradient_lanes::<8>(x, g),
            _ => self.gradient_lanes::<MAX_DIM>(x, g),
        }
    }

    /// Writes the Hessian-vector product ∇²f(x)·v into `out`.
    ///
    /// # Panics
    ///
    /// Panics if `x.len()`, `v.len()` or `out.len()` differs from [`Expr::dim`].
    pub fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        assert_eq!(x.len(), self.dim, "x must have dim() entries");
        assert_eq!(v.len(), self.dim, "v must have dim() entries");
        assert_eq!(out.len(), self.dim, "out must have dim() entries");
        match lanes(self.dim) {
            2 => self.hvp_lanes::<2>(x, v, out),
            4 => self.hvp_lanes::<4>(x, v, out),
            8 => self.hvp_lanes::<8>(x, v, out),
            _ => self.hvp_lanes::<MAX_DIM>(x, v, out),
        }
    }

    /// Writes the Hessian at `x` into `h` as a row-major `dim × dim` matrix.
    ///
    /// The matrix is exactly symmetric: each off-diagonal pair is the mean of
    /// the two computed entries.
    ///
    /// # Panics
    ///
    /// Panics if `x.len()` differs from [`Expr::dim`] or `h.len()` differs from
    /// its square.
    pub fn hessian(&self, x: &[f64], h: &mut [f64]) {
        assert_eq!(x.len(), self.dim, "x must have dim() entries");
        assert_eq!(h.len(), self.dim * self.dim, "h must have dim()² entries");
        match lanes(self.dim) {
            2 => self.hessian_lanes::<2>(x, h),
            4 => self.hessian_lanes::<4>(x, h),
            8 => self.hessian_lanes::<8>(x, h),
            _ => self.hessian_lanes::<MAX_DIM>(x, h),
        }
    }

    /// Computes the gradient with `L` tangent lanes, where `L >= dim`.
    fn gradient_lanes<const L: usize>(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let mut vars = [Dual::<L>::ZERO; MAX_DIM];
        for (i, (var, &xi)) in vars.iter_mut().zip(x).enumerate() {
            var.v = xi;
            if let Some(d) = var.d.get_mut(i) {
                *d = 1.0;
            }
        }
        let r = self.run(&vars);
        for (gi, &di) in g.iter_mut().zip(&r.d) {
            *gi = di;
        }
        r.v
    }

    /// Computes a Hessian-vector product with `L` lanes, where `L >= dim`.
    fn hvp_lanes<const L: usize>(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let mut vars = [Hyper::<L>::ZERO; MAX_DIM];
        for (i, ((var, &xi), &vi)) in vars.iter_mut().zip(x).zip(v).enumerate() {
            var.v = xi;
            var.d2 = vi;
            if let Some(d) = var.d1.get_mut(i) {
                *d = 1.0;
            }
        }
        let r = self.run(&vars);
        for (oi, &di) in out.iter_mut().zip(&r.d12) {
            *oi = di;
        }
    }

    /// Computes the Hessian column by column with `L` lanes, where `L >= dim`.
    fn hessian_lanes<const L: usize>(&self, x: &[f64], h: &mut [f64]) {
        let n = self.dim;
        let mut vars = [Hyper::<L>::ZERO; MAX_DIM];
        for (i, (var, &xi)) in vars.iter_mut().zip(x).enumerate() {
            var.v = xi;
            if let Some(d) = var.d1.get_mut(i) {
                *d = 1.0;
            }
        }
        for j in 0..n {
            // The second infinitesimal points along coordinate j.
            for (i, var) in vars.iter_mut().enumerate() {
                var.d2 = if i == j { 1.0 } else { 0.0 };
            }
            let r = self.run(&vars);
            for (i, &hij) in r.d12.iter().take(n).enumerate() {
                h[i * n + j] = hij;
            }
        }
        // Rounding can make H[i][j] and H[j][i] differ in the last bits, so the
        // two are replaced by their mean, which is the same in both orders.
        for i in 0..n {
            for j in (i + 1)..n {
                let mean = 0.5 * (h[i * n + j] + h[j * n + i]);
                h[i * n + j] = mean;
                h[j * n + i] = mean;
            }
        }
    }

    /// Runs the program on a stack just large enough for it.
    fn run<T: Num>(&self, vars: &[T; MAX_DIM]) -> T {
        if self.max_stack <= 8 {
            run_program::<T, 8>(&self.ops, vars)
        } else if self.max_stack <= 32 {
            run_program::<T, 32>(&self.ops, vars)
        } else {
            run_program::<T, STACK_CAPACITY>(&self.ops, vars)
        }
    }
}

/// Returns the number of derivative lanes used for a dimension.
fn lanes(dim: usize) -> usize {
    match dim {
        0..=2 => 2,
        3..=4 => 4,
        5..=8 => 8,
        _ => MAX_DIM,
    }
}

/// Runs a validated program on a stack of `N` slots.
///
/// The parser guarantees that the program is well formed, that it never needs
/// more than `N` slots when it is called here, and that every variable index is
/// below `MAX_DIM`, so the indexing below cannot go out of bounds.
fn run_program<T: Num, const N: usize>(ops: &[Op], vars: &[T; MAX_DIM]) -> T {
    let mut stack = [T::ZERO; N];
    let mut sp = 0usize;
    for op in ops {
        match *op {
            Op::Const(c) => {
                stack[sp] = T::constant(c);
                sp += 1;
            }
            Op::Var(i) => {
                stack[sp] = vars[usize::from(i)];
                sp += 1;
            }
            Op::Neg => stack[sp - 1].negate(),
            Op::Un(u) => stack[sp - 1].unary(u),
            Op::Bin(b) => {
                sp -= 1;
                // The left operand is updated in place, which avoids copying
                // large derivative numbers around.
                let (lower, upper) = stack.split_at_mut(sp);
                binary(b, &mut lower[sp - 1], &upper[0]);
            }
        }
    }
    stack[0]
}

/// Applies a two-argument operation in place; both evaluation and constant folding use this.
#[inline]
fn binary<T: Num>(b: Bin, l: &mut T, r: &T) {
    match b {
        Bin::Add => l.plus(r),
        Bin::Sub => l.minus(r),
        Bin::Mul => l.times(r),
        Bin::Div => l.over(r),
        Bin::Pow => l.pow(r),
        Bin::Min => {
            // A tie keeps the first argument, and a NaN on either side propagates.
            let (a, c) = (l.re(), r.re());
            let keep_first = a <= c || a.is_nan();
            if !keep_first {
                *l = *r;
            }
        }
        Bin::Max => {
            let (a, c) = (l.re(), r.re());
            let keep_first = a >= c || a.is_nan();
            if !keep_first {
                *l = *r;
            }
        }
    }
}

/// The arithmetic that the stack machine needs from a number type.
///
/// The operations update `self` in place, with `o` as the right operand.
trait Num: Copy {
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
fn apply_un(u: Un, x: f64) -> f64 {
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
fn derivs(u: Un, x: f64) -> (f64, f64, f64) {
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
fn sz(k: f64, t: f64) -> f64 {
    if t == 0.0 { 0.0 } else { k * t }
}

/// Returns `p * q`, or exactly zero when `p` is zero.
#[inline]
fn mul0(p: f64, q: f64) -> f64 {
    if p == 0.0 { 0.0 } else { p * q }
}

/// The value and partial derivatives of `a^b` with respect to `a` and `b`.
struct PowPartials {
    f: f64,
    fa: f64,
    fb: f64,
    faa: f64,
    fab: f64,
    fbb: f64,
}

/// Returns the value and first partial derivatives of `a^b`.
fn pow_partials1(a: f64, b: f64) -> (f64, f64, f64) {
    let f = a.powf(b);
    // ∂/∂a = b·a^(b−1), and ∂/∂b = a^b·ln a, which is zero wherever a^b is.
    let fa = if b == 0.0 { 0.0 } else { b * a.powf(b - 1.0) };
    let fb = mul0(f, a.ln());
    (f, fa, fb)
}

/// Returns the value and first and second partial derivatives of `a^b`.
fn pow_partials(a: f64, b: f64) -> PowPartials {
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
struct Dual<const L: usize> {
    v: f64,
    d: [f64; L],
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
struct Hyper<const L: usize> {
    v: f64,
    d1: [f64; L],
    d2: f64,
    d12: [f64; L],
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

/// The kind of a token.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    /// Tells whether the token is a binary operator or a sign.
    fn is_operator(self) -> bool {
        matches!(
            self,
            Tok::Plus | Tok::Minus | Tok::Star | Tok::Slash | Tok::Caret
        )
    }
}

/// A token with its 1-based character column and its text in the source.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Tok,
    col: usize,
    text: &'a str,
}

/// Splits the source into tokens on demand.
struct Lexer<'a> {
    src: &'a str,
    /// The byte offset of the next character.
    pos: usize,
    /// The 1-based character column of the next character.
    col: usize,
}

impl<'a> Lexer<'a> {
    /// Returns the character `n` places after the next one.
    fn peek_nth(&self, n: usize) -> Option<char> {
        self.src
            .get(self.pos..)
            .and_then(|rest| rest.chars().nth(n))
    }

    /// Consumes one character.
    fn bump(&mut self) {
        if let Some(c) = self.peek_nth(0) {
            self.pos += c.len_utf8();
            self.col += 1;
        }
    }

    /// Returns the source text from byte offset `start` to the current position.
    fn text_from(&self, start: usize) -> &'a str {
        self.src.get(start..self.pos).unwrap_or("")
    }

    /// Reads the next token.
    fn next_token(&mut self) -> Result<Token<'a>, ParseError> {
        while self.peek_nth(0).is_some_and(char::is_whitespace) {
            self.bump();
        }
        let (start, col) = (self.pos, self.col);
        let Some(c) = self.peek_nth(0) else {
            return Ok(Token {
                kind: Tok::End,
                col,
                text: "",
            });
        };
        if c.is_ascii_digit() || c == '.' {
            return self.number(start, col);
        }
        let kind = if c.is_ascii_alphabetic() || c == '_' {
            while self
                .peek_nth(0)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                self.bump();
            }
            Tok::Ident
        } else {
            self.bump();
            match c {
                'π' => Tok::Ident,
                '+' => Tok::Plus,
                '-' | '−' => Tok::Minus,
                '*' if self.peek_nth(0) == Some('*') => {
                    self.bump();
                    Tok::Caret
                }
                '*' | '×' | '·' | '⋅' => Tok::Star,
                '/' | '÷' => Tok::Slash,
                '^' => Tok::Caret,
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                ',' => Tok::Comma,
                '²' | '³' | '¹' | '⁰' | '⁴' | '⁵' | '⁶' | '⁷' | '⁸' | '⁹' => {
                    return Err(ParseError::new(
                        col,
                        format!("unexpected character `{c}`; write powers with `^`, as in x^2"),
                    ));
                }
                _ => {
                    return Err(ParseError::new(col, format!("unexpected character `{c}`")));
                }
            }
        };
        Ok(Token {
            kind,
            col,
            text: self.text_from(start),
        })
    }

    /// Reads a number that starts at byte offset `start` and column `col`.
    fn number(&mut self, start: usize, col: usize) -> Result<Token<'a>, ParseError> {
        let (mut digits, mut dots) = (0, 0);
        while let Some(c) = self.peek_nth(0) {
            if c.is_ascii_digit() {
                digits += 1;
            } else if c == '.' {
                dots += 1;
            } else {
                break;
            }
            self.bump();
        }
        let mut bad = digits == 0 || dots > 1;
        if !bad && matches!(self.peek_nth(0), Some('e' | 'E')) {
            let c1 = self.peek_nth(1);
            let c2 = self.peek_nth(2);
            let is_exponent = match c1 {
                Some(c) if c.is_ascii_digit() => true,
                Some('+' | '-') => c2.is_some_and(|c| c.is_ascii_digit()),
                _ => false,
            };
            if is_exponent {
                self.bump();
                if matches!(c1, Some('+' | '-')) {
                    self.bump();
                }
                while self.peek_nth(0).is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
            } else if !c1.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                // A lone `e` right after the digits is an unfinished exponent or
                // a product without `*`; both deserve a precise hint.
                self.bump();
                let text = self.text_from(start);
                return Err(ParseError::new(
                    col,
                    format!(
                        "`{text}` is not a valid number: an exponent needs digits, as in 1e-3, \
                         and a product needs `*`, as in 2*e"
                    ),
                ));
            }
        }
        if self.peek_nth(0) == Some('.') {
            bad = true;
        }
        if bad {
            while self
                .peek_nth(0)
                .is_some_and(|c| c.is_ascii_digit() || c == '.')
            {
                self.bump();
            }
            let text = self.text_from(start);
            return Err(ParseError::new(
                col,
                format!("`{text}` is not a valid number"),
            ));
        }
        let text = self.text_from(start);
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Token {
                kind: Tok::Num(v),
                col,
                text,
            }),
            Ok(_) => Err(ParseError::new(
                col,
                format!("the number `{text}` is too large; the largest is about 1.8e308"),
            )),
            Err(_) => Err(ParseError::new(
                col,
                format!("`{text}` is not a valid number"),
            )),
        }
    }
}

/// Where an operand has just ended, for choosing the right error message.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// At the top level of the formula.
    Top,
    /// Inside parentheses opened by this token.
    Paren(Token<'a>),
    /// Inside the argument list of a call opened by this token.
    Args(Token<'a>),
}

/// A function name's meaning.
#[derive(Clone, Copy)]
enum Func {
    Un(Un),
    Bin(Bin),
}

/// Looks up a function by name.
fn lookup_function(name: &str) -> Option<Func> {
    Some(match name {
        "sin" => Func::Un(Un::Sin),
        "cos" => Func::Un(Un::Cos),
        "tan" => Func::Un(Un::Tan),
        "exp" => Func::Un(Un::Exp),
        "log" => Func::Un(Un::Ln),
        "sqrt" => Func::Un(Un::Sqrt),
        "abs" => Func::Un(Un::Abs),
        "tanh" => Func::Un(Un::Tanh),
        "sinh" => Func::Un(Un::Sinh),
        "cosh" => Func::Un(Un::Cosh),
        "min" => Func::Bin(Bin::Min),
        "max" => Func::Bin(Bin::Max),
        _ => return None,
    })
}

/// Looks up a named constant.
fn lookup_constant(name: &str) -> Option<f64> {
    match name {
        "pi" | "π" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        _ => None,
    }
}

/// Tells whether a name is valid in some formula (used for case hints).
fn is_known_name(name: &str) -> bool {
    lookup_function(name).is_some()
        || lookup_constant(name).is_some()
        || name == "x"
        || name == "y"
        || name
            .strip_prefix('x')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Returns the constant exponent's specialised power function.
fn pow_const(c: f64) -> Un {
    if c == 2.0 {
        Un::Sqr
    } else if c.fract() == 0.0 && c.abs() <= MAX_POWI {
        // The magnitude is at most 1024, so the conversion is exact.
        Un::PowI(c as i32)
    } else {
        Un::PowF(c)
    }
}

/// A recursive-descent parser that emits postfix code while it parses.
struct Parser<'a> {
    lexer: Lexer<'a>,
    /// The current token.
    tok: Token<'a>,
    /// The token before the current one.
    prev: Option<Token<'a>>,
    /// The current nesting depth.
    depth: usize,
    /// The program emitted so far.
    ops: Vec<Op>,
    /// The source column that each operation came from.
    cols: Vec<usize>,
    /// The first use of `x` or `y`.
    xy_use: Option<(usize, &'a str)>,
    /// The first use of an indexed variable.
    indexed_use: Option<(usize, &'a str)>,
    /// The largest variable index seen, 1-based.
    max_index: usize,
}

impl<'a> Parser<'a> {
    /// Starts parsing and reads the first token.
    fn new(src: &'a str) -> Result<Self, ParseError> {
        let mut lexer = Lexer {
            src,
            pos: 0,
            col: 1,
        };
        let tok = lexer.next_token()?;
        Ok(Self {
            lexer,
            tok,
            prev: None,
            depth: 0,
            ops: Vec::new(),
            cols: Vec::new(),
            xy_use: None,
            indexed_use: None,
            max_index: 0,
        })
    }

    /// Moves to the next token.
    fn advance(&mut self) -> Result<(), ParseError> {
        let next = self.lexer.next_token()?;
        self.prev = Some(self.tok);
        self.tok = next;
        Ok(())
    }

    /// Parses a sum or difference of products.
    fn parse_sum(&mut self) -> Result<(), ParseError> {
        self.parse_product()?;
        loop {
            let op = match self.tok.kind {
                Tok::Plus => Bin::Add,
                Tok::Minus => Bin::Sub,
                _ => return Ok(()),
            };
            let col = self.tok.col;
            self.advance()?;
            self.parse_product()?;
            self.emit_bin(op, col);
        }
    }

    /// Parses a product or quotient of signed factors.
    fn parse_product(&mut self) -> Result<(), ParseError> {
        self.parse_unary()?;
        loop {
            let op = match self.tok.kind {
                Tok::Star => Bin::Mul,
                Tok::Slash => Bin::Div,
                _ => return Ok(()),
            };
            let col = self.tok.col;
            self.advance()?;
            self.parse_unary()?;
            self.emit_bin(op, col);
        }
    }

    /// Parses a signed power; every level of nesting passes through here.
    fn parse_unary(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError::new(
                self.tok.col,
                format!(
                    "the formula is nested too deeply; the limit is {MAX_NESTING} levels of \
                     parentheses, function calls, signs and exponents"
                ),
            ));
        }
        self.depth += 1;
        let result = self.parse_signed();
        self.depth -= 1;
        result
    }

    /// Parses the signs in front of a power, then the power.
    fn parse_signed(&mut self) -> Result<(), ParseError> {
        match self.tok.kind {
            Tok::Minus => {
                let col = self.tok.col;
                self.advance()?;
                self.parse_unary()?;
                self.emit_neg(col);
                Ok(())
            }
            Tok::Plus => {
                self.advance()?;
                self.parse_unary()
            }
            _ => self.parse_power(),
        }
    }

    /// Parses a primary expression with an optional right-associative exponent.
    fn parse_power(&mut self) -> Result<(), ParseError> {
        self.parse_primary()?;
        if matches!(self.tok.kind, Tok::Caret) {
            let col = self.tok.col;
            self.advance()?;
            // The exponent may carry a sign and may itself be a power.
            self.parse_unary()?;
            self.emit_bin(Bin::Pow, col);
        }
        Ok(())
    }

    /// Parses a number, a name, a function call or a parenthesised expression.
    fn parse_primary(&mut self) -> Result<(), ParseError> {
        let t = self.tok;
        match t.kind {
            Tok::Num(v) => {
                self.push(Op::Const(v), t.col);
                self.advance()
            }
            Tok::Ident => self.parse_name(t),
            Tok::LParen => {
                self.advance()?;
                self.parse_sum()?;
                if matches!(self.tok.kind, Tok::RParen) {
                    self.advance()
                } else {
                    Err(self.after_operand_error(Ctx::Paren(t)))
                }
            }
            _ => Err(self.operand_error()),
        }
    }

    /// Parses a constant, a variable or a function call starting with name `t`.
    fn parse_name(&mut self, t: Token<'a>) -> Result<(), ParseError> {
        if let Some(c) = lookup_constant(t.text) {
            self.push(Op::Const(c), t.col);
            return self.advance();
        }
        if let Some(index) = self.variable(t)? {
            self.push(Op::Var(index), t.col);
            return self.advance();
        }
        let Some(func) = lookup_function(t.text) else {
            return Err(unknown_name(t));
        };
        let arity = match func {
            Func::Un(_) => 1,
            Func::Bin(_) => 2,
        };
        self.advance()?;
        if !matches!(self.tok.kind, Tok::LParen) {
            let args = if arity == 1 { "x" } else { "x, y" };
            return Err(ParseError::new(
                t.col,
                format!(
                    "`{name}` is a function; write its arguments in parentheses, as in {name}({args})",
                    name = t.text
                ),
            ));
        }
        let open = self.tok;
        self.advance()?;
        let mut count = 0usize;
        if matches!(self.tok.kind, Tok::RParen) {
            self.advance()?;
        } else {
            loop {
                self.parse_sum()?;
                count += 1;
                match self.tok.kind {
                    Tok::Comma => self.advance()?,
                    Tok::RParen => {
                        self.advance()?;
                        break;
                    }
                    _ => return Err(self.after_operand_error(Ctx::Args(open))),
                }
            }
        }
        if count != arity {
            let found = if count == 0 {
                "none".to_string()
            } else {
                count.to_string()
            };
            let plural = if arity == 1 { "argument" } else { "arguments" };
            return Err(ParseError::new(
                t.col,
                format!("`{}` takes {arity} {plural}, found {found}", t.text),
            ));
        }
        match func {
            Func::Un(u) => self.emit_un(u, t.col),
            Func::Bin(b) => self.emit_bin(b, t.col),
        }
        Ok(())
    }

    /// Resolves a variable name, or returns `None` if the name is not a variable.
    fn variable(&mut self, t: Token<'a>) -> Result<Option<u8>, ParseError> {
        let name = t.text;
        let index = match name {
            "x" => 0,
            "y" => 1,
            _ => {
                let Some(digits) = name.strip_prefix('x') else {
                    return Ok(None);
                };
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Ok(None);
                }
                if digits.starts_with('0') {
                    return Err(ParseError::new(
                        t.col,
                        format!(
                            "`{name}` is not a valid variable; indices start at 1 and have no \
                             leading zeros, as in x1, x2, …"
                        ),
                    ));
                }
                match digits.parse::<u8>() {
                    Ok(n) if usize::from(n) <= MAX_DIM => n - 1,
                    _ => {
                        return Err(ParseError::new(
                            t.col,
                            format!(
                                "`{name}` is out of range; at most {MAX_DIM} variables are \
                                 supported (x1 … x{MAX_DIM})"
                            ),
                        ));
                    }
                }
            }
        };
        let indexed = name.len() > 1;
        let (mine, other) = if indexed {
            (&mut self.indexed_use, self.xy_use)
        } else {
            (&mut self.xy_use, self.indexed_use)
        };
        if let Some((col, other_name)) = other {
            return Err(ParseError::new(
                t.col,
                format!(
                    "cannot mix `{name}` with `{other_name}` (column {col}); use either x and y, \
                     or x1 … xn"
                ),
            ));
        }
        if mine.is_none() {
            *mine = Some((t.col, name));
        }
        if indexed {
            self.max_index = self.max_index.max(usize::from(index) + 1);
        }
        Ok(Some(index))
    }

    /// Builds the error for a token that cannot start an operand.
    fn operand_error(&self) -> ParseError {
        let t = self.tok;
        let expected = "expected a number, a name or `(`";
        let message = match (t.kind, self.prev) {
            (Tok::End, _) => ENDS_TOO_EARLY.to_string(),
            (Tok::Star | Tok::Slash | Tok::Caret, Some(p)) if p.kind.is_operator() => format!(
                "two operators in a row (`{}` followed by `{}`); {expected}",
                p.text, t.text
            ),
            (Tok::RParen, Some(p)) if matches!(p.kind, Tok::LParen) => {
                format!("empty parentheses; {expected}")
            }
            (_, Some(p)) => format!("{expected} after `{}`, found `{}`", p.text, t.text),
            (_, None) => format!("{expected}, found `{}`", t.text),
        };
        ParseError::new(t.col, message)
    }

    /// Builds the error for an unexpected token right after a complete operand.
    fn after_operand_error(&self, ctx: Ctx<'a>) -> ParseError {
        let t = self.tok;
        match (t.kind, ctx) {
            (Tok::Num(_) | Tok::Ident | Tok::LParen, _) => {
                let prev = self.prev.map_or("", |p| p.text);
                ParseError::new(
                    t.col,
                    format!(
                        "missing operator before `{}`; implicit multiplication is not \
                         supported, write {prev}*{}",
                        t.text, t.text
                    ),
                )
            }
            (Tok::End, Ctx::Paren(open) | Ctx::Args(open)) => ParseError::new(
                open.col,
                "unmatched `(`; the formula ends before its closing `)`",
            ),
            (Tok::RParen, Ctx::Top) => {
                ParseError::new(t.col, "unmatched `)`; there is no `(` before it")
            }
            (Tok::Comma, Ctx::Paren(_)) => ParseError::new(
                t.col,
                "expected `)`, found `,`; only min and max take two arguments",
            ),
            (Tok::Comma, _) => ParseError::new(
                t.col,
                "unexpected `,`; only min and max take two arguments, as in min(x, y)",
            ),
            (Tok::RParen | Tok::End, _) => ParseError::new(t.col, "expected `)`"),
            _ => ParseError::new(t.col, format!("expected an operator, found `{}`", t.text)),
        }
    }

    /// Appends an operation that came from the given column.
    fn push(&mut self, op: Op, col: usize) {
        self.ops.push(op);
        self.cols.push(col);
    }

    /// Returns the constant `back` places from the end of the program, if it is one.
    fn const_at(&self, back: usize) -> Option<f64> {
        let i = self.ops.len().checked_sub(back + 1)?;
        match self.ops.get(i) {
            Some(Op::Const(c)) => Some(*c),
            _ => None,
        }
    }

    /// Replaces the last operation, which is a constant, by another constant.
    fn replace_last(&mut self, c: f64, col: usize) {
        self.ops.pop();
        self.cols.pop();
        self.push(Op::Const(c), col);
    }

    /// Emits a negation, folding it into a constant operand.
    fn emit_neg(&mut self, col: usize) {
        match self.const_at(0) {
            Some(c) => self.replace_last(-c, col),
            None => self.push(Op::Neg, col),
        }
    }

    /// Emits a one-argument function, folding it into a constant operand.
    fn emit_un(&mut self, u: Un, col: usize) {
        match self.const_at(0) {
            Some(c) => self.replace_last(apply_un(u, c), col),
            None => self.push(Op::Un(u), col),
        }
    }

    /// Emits a two-argument operation, folding constants and specialising powers.
    fn emit_bin(&mut self, b: Bin, col: usize) {
        // A postfix subexpression that ends in a constant is that constant, so two
        // trailing constants are exactly the two operands.
        if let (Some(r), Some(l)) = (self.const_at(0), self.const_at(1)) {
            self.ops.truncate(self.ops.len() - 2);
            let lcol = self.cols.get(self.cols.len() - 2).copied().unwrap_or(col);
            self.cols.truncate(self.cols.len() - 2);
            let mut folded = l;
            binary(b, &mut folded, &r);
            self.push(Op::Const(folded), lcol);
            return;
        }
        if b == Bin::Pow
            && let Some(c) = self.const_at(0)
        {
            self.ops.pop();
            self.cols.pop();
            self.push(Op::Un(pow_const(c)), col);
            return;
        }
        self.push(Op::Bin(b), col);
    }

    /// Checks the program's size and stack use and builds the expression.
    fn finish(self, src: &str) -> Result<Expr, ParseError> {
        if self.ops.len() > MAX_OPS {
            let col = self.cols.get(MAX_OPS).copied().unwrap_or(1);
            return Err(ParseError::new(
                col,
                format!(
                    "the formula is too long to compile: it needs {} operations and the limit \
                     is {MAX_OPS}",
                    self.ops.len()
                ),
            ));
        }
        let (mut depth, mut max_stack) = (0usize, 0usize);
        for (op, &col) in self.ops.iter().zip(&self.cols) {
            depth = match op {
                Op::Const(_) | Op::Var(_) => depth + 1,
                Op::Bin(_) => depth.saturating_sub(1),
                Op::Neg | Op::Un(_) => depth,
            };
            if depth > max_stack {
                max_stack = depth;
                if max_stack > STACK_CAPACITY {
                    return Err(ParseError::new(
                        col,
                        format!(
                            "the formula is too complex to evaluate: it needs more than \
                             {STACK_CAPACITY} stack slots; long right-nested chains such as \
                             a+(b+(c+…)) use one slot per level"
                        ),
                    ));
                }
            }
        }
        let dim = if self.indexed_use.is_some() {
            self.max_index.max(2)
        } else {
            2
        };
        Ok(Expr {
            source: src.to_string(),
            ops: self.ops,
            dim,
            max_stack,
        })
    }
}

/// Builds the error for an unknown name, with a hint when one is likely to help.
fn unknown_name(t: Token<'_>) -> ParseError {
    let name = t.text;
    let mut message = format!(
        "unknown name `{name}`; variables are x and y (or x1 … xn), functions are \
         {FUNCTION_NAMES}, and constants are pi and e"
    );
    let lower = name.to_ascii_lowercase();
    if lower != name && is_known_name(&lower) {
        message.push_str(" (names are case-sensitive: write `");
        message.push_str(&lower);
        message.push_str("`)");
    } else if name == "ln" {
        message.push_str(" (use log for the natural logarithm)");
    }
    ParseError::new(t.col, message)
}

#[cfg(test)]
mod tests;
