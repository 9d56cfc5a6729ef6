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

mod num;
mod parse;

use num::*;
use parse::*;

#[cfg(test)]
mod tests;
