//! The lexer and the precedence-climbing parser, which compile a formula to the postfix
//! program and report errors by column.

use super::*;

/// The kind of a token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Tok {
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
    pub(super) fn is_operator(self) -> bool {
        matches!(
            self,
            Tok::Plus | Tok::Minus | Tok::Star | Tok::Slash | Tok::Caret
        )
    }
}

/// A token with its 1-based character column and its text in the source.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'a> {
    pub(super) kind: Tok,
    pub(super) col: usize,
    pub(super) text: &'a str,
}

/// Splits the source into tokens on demand.
pub(super) struct Lexer<'a> {
    pub(super) src: &'a str,
    /// The byte offset of the next character.
    pub(super) pos: usize,
    /// The 1-based character column of the next character.
    pub(super) col: usize,
}

impl<'a> Lexer<'a> {
    /// Returns the character `n` places after the next one.
    pub(super) fn peek_nth(&self, n: usize) -> Option<char> {
        self.src
            .get(self.pos..)
            .and_then(|rest| rest.chars().nth(n))
    }

    /// Consumes one character.
    pub(super) fn bump(&mut self) {
        if let Some(c) = self.peek_nth(0) {
            self.pos += c.len_utf8();
            self.col += 1;
        }
    }

    /// Returns the source text from byte offset `start` to the current position.
    pub(super) fn text_from(&self, start: usize) -> &'a str {
        self.src.get(start..self.pos).unwrap_or("")
    }

    /// Reads the next token.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, ParseError> {
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
    pub(super) fn number(&mut self, start: usize, col: usize) -> Result<Token<'a>, ParseError> {
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
pub(super) enum Ctx<'a> {
    /// At the top level of the formula.
    Top,
    /// Inside parentheses opened by this token.
    Paren(Token<'a>),
    /// Inside the argument list of a call opened by this token.
    Args(Token<'a>),
}

/// A function name's meaning.
#[derive(Clone, Copy)]
pub(super) enum Func {
    Un(Un),
    Bin(Bin),
}

/// Looks up a function by name.
pub(super) fn lookup_function(name: &str) -> Option<Func> {
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
pub(super) fn lookup_constant(name: &str) -> Option<f64> {
    match name {
        "pi" | "π" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        _ => None,
    }
}

/// Tells whether a name is valid in some formula (used for case hints).
pub(super) fn is_known_name(name: &str) -> bool {
    lookup_function(name).is_some()
        || lookup_constant(name).is_some()
        || name == "x"
        || name == "y"
        || name
            .strip_prefix('x')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Returns the constant exponent's specialised power function.
pub(super) fn pow_const(c: f64) -> Un {
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
pub(super) struct Parser<'a> {
    pub(super) lexer: Lexer<'a>,
    /// The current token.
    pub(super) tok: Token<'a>,
    /// The token before the current one.
    pub(super) prev: Option<Token<'a>>,
    /// The current nesting depth.
    pub(super) depth: usize,
    /// The program emitted so far.
    pub(super) ops: Vec<Op>,
    /// The source column that each operation came from.
    pub(super) cols: Vec<usize>,
    /// The first use of `x` or `y`.
    pub(super) xy_use: Option<(usize, &'a str)>,
    /// The first use of an indexed variable.
    pub(super) indexed_use: Option<(usize, &'a str)>,
    /// The largest variable index seen, 1-based.
    pub(super) max_index: usize,
}

impl<'a> Parser<'a> {
    /// Starts parsing and reads the first token.
    pub(super) fn new(src: &'a str) -> Result<Self, ParseError> {
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
    pub(super) fn advance(&mut self) -> Result<(), ParseError> {
        let next = self.lexer.next_token()?;
        self.prev = Some(self.tok);
        self.tok = next;
        Ok(())
    }

    /// Parses a sum or difference of products.
    pub(super) fn parse_sum(&mut self) -> Result<(), ParseError> {
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
    pub(super) fn parse_product(&mut self) -> Result<(), ParseError> {
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
    pub(super) fn parse_unary(&mut self) -> Result<(), ParseError> {
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
    pub(super) fn parse_signed(&mut self) -> Result<(), ParseError> {
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
    pub(super) fn parse_power(&mut self) -> Result<(), ParseError> {
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
    pub(super) fn parse_primary(&mut self) -> Result<(), ParseError> {
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
    pub(super) fn parse_name(&mut self, t: Token<'a>) -> Result<(), ParseError> {
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
    pub(super) fn variable(&mut self, t: Token<'a>) -> Result<Option<u8>, ParseError> {
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
    pub(super) fn operand_error(&self) -> ParseError {
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
    pub(super) fn after_operand_error(&self, ctx: Ctx<'a>) -> ParseError {
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
    pub(super) fn push(&mut self, op: Op, col: usize) {
        self.ops.push(op);
        self.cols.push(col);
    }

    /// Returns the constant `back` places from the end of the program, if it is one.
    pub(super) fn const_at(&self, back: usize) -> Option<f64> {
        let i = self.ops.len().checked_sub(back + 1)?;
        match self.ops.get(i) {
            Some(Op::Const(c)) => Some(*c),
            _ => None,
        }
    }

    /// Replaces the last operation, which is a constant, by another constant.
    pub(super) fn replace_last(&mut self, c: f64, col: usize) {
        self.ops.pop();
        self.cols.pop();
        self.push(Op::Const(c), col);
    }

    /// Emits a negation, folding it into a constant operand.
    pub(super) fn emit_neg(&mut self, col: usize) {
        match self.const_at(0) {
            Some(c) => self.replace_last(-c, col),
            None => self.push(Op::Neg, col),
        }
    }

    /// Emits a one-argument function, folding it into a constant operand.
    pub(super) fn emit_un(&mut self, u: Un, col: usize) {
        match self.const_at(0) {
            Some(c) => self.replace_last(apply_un(u, c), col),
            None => self.push(Op::Un(u), col),
        }
    }

    /// Emits a two-argument operation, folding constants and specialising powers.
    pub(super) fn emit_bin(&mut self, b: Bin, col: usize) {
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
    pub(super) fn finish(self, src: &str) -> Result<Expr, ParseError> {
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
pub(super) fn unknown_name(t: Token<'_>) -> ParseError {
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
