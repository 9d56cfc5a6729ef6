//! Nonlinear conjugate gradient: each direction is the negative gradient plus β times the last
//! direction, with a strong Wolfe line search. First order: it asks only for values and
//! gradients, and keeps two vectors.
//!
//! ## References
//! - Fletcher & Reeves (1964), "Function minimization by conjugate gradients", Computer J. 7.
//! - Polak & Ribière (1969); Powell (1986) for the non-negative β of PR+; Powell (1977) for the
//!   restart when successive gradients are far from orthogonal.
//! - Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., §5.2 (Algorithm 5.4 and the
//!   formulas (5.41a), (5.44) and (5.45); restarts every d steps and when (5.52) fails).

use super::line_search::{is_descent, is_positive};
use super::quasi_newton::{Core, Search, check_c1_c2};
use super::{Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay};
use crate::linalg::Vector;
use crate::params::Params;

crate::choice! {
    /// The formula for β, the weight of the last direction.
    pub enum Beta {
        PolakRibierePlus = "polak_ribiere_plus", "Polak–Ribière+";
        FletcherReeves = "fletcher_reeves", "Fletcher–Reeves";
    }
}

crate::params! {
    /// Nonlinear conjugate gradient.
    pub struct CgConfig {
        /// β formula: Polak–Ribière+ (max(0, gᵀ(g − g₋)/‖g₋‖²)) or Fletcher–Reeves (‖g‖²/‖g₋‖²).
        beta: Beta = Beta::PolakRibierePlus, "β formula", (0, 0), Linear, Finite, live;
        /// Sufficient-decrease constant c₁ of the Wolfe conditions.
        c1: f64 = 1e-4, "c₁, the sufficient decrease", (1e-6, 0.1), Log, Within(1e-12, 0.5), live;
        /// Curvature constant c₂ (below ½ keeps Fletcher–Reeves directions downhill).
        c2: f64 = 0.1, "c₂, the curvature condition", (0.01, 0.9), Linear, Within(1e-6, 0.999_999), live;
        /// Line search: strong Wolfe, or exact (the minimiser along the line, to rounding).
        search: Search = Search::StrongWolfe, "line search", (0, 0), Linear, Finite, live;
        /// Restart along −∇f every this many steps; 0 means every d steps.
        restart_every: usize = 0, "restart every n steps (0: d)", (0, 100), Linear, Finite, live;
        /// Also restart when |gᵀg₋| ≥ ν‖g‖² (successive gradients far from orthogonal); 0 turns it off.
        nu: f64 = 0.1, "ν, the orthogonality restart test", (0.0, 1.0), Linear, Within(0.0, 1.0), live;
    }
}

const DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "step_length",
        name: "accepted step length α",
        log: true,
    },
    Diagnostic {
        key: "beta",
        name: "β, the weight of the last direction",
        log: false,
    },
];

impl MethodConfig for CgConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Cg {
            c: self.clone(),
            core: Core::new(dim),
            have_dir: false,
            gg_prev: 0.0,
            since_restart: 0,
            beta: 0.0,
        })
    }
    fn order(&self) -> Order {
        Order::First
    }
    fn needs(&self) -> Needs {
        Needs::GRADIENTS
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn check(&self) -> Result<(), String> {
        check_c1_c2(self.c1, self.c2)
    }
    fn reference(&self) -> &'static str {
        "Fletcher & Reeves (1964); Polak & Ribière (1969); Nocedal & Wright (2006), §5.2"
    }
}

/// Nonlinear conjugate gradient with restarts.
#[derive(Clone)]
struct Cg {
    c: CgConfig,
    core: Core,
    /// Whether `core.dir` holds the last direction and `core.yv` the last gradient change.
    have_dir: bool,
    /// ‖g₋‖² of the gradient the last direction was built from.
    gg_prev: f64,
    since_restart: usize,
    beta: f64,
}

impl Cg {
    /// β for the current gradient g, from g − g₋ (`core.yv`) and ‖g₋‖²; `None` to restart.
    fn beta(&self) -> Option<f64> {
        let g = &self.core.g;
        let gg = g.dot(g);
        let period = match self.c.restart_every {
            0 => g.len(),
            n => n,
        };
        if !self.have_dir || self.since_restart >= period || !is_positive(self.gg_prev) {
            return None;
        }
        let gy = g.dot(&self.core.yv);
        // gᵀg₋ = gᵀg − gᵀ(g − g₋).
        if self.c.nu > 0.0 && (gg - gy).abs() >= self.c.nu * gg {
            return None;
        }
        Some(match self.c.beta {
            Beta::FletcherReeves => gg / self.gg_prev,
            Beta::PolakRibierePlus => (gy / self.gg_prev).max(0.0),
        })
    }
}

impl Optimizer for Cg {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        let moved = self.core.known && self.core.at != *x;
        if !self.core.evaluate(x, oracle) {
            self.core.search.clear();
            return Ok(());
        }
        if moved {
            self.have_dir = false;
        }
        let beta = self.beta();
        self.beta = beta.unwrap_or(0.0);
        // p = −g + β p₋ (the last direction is still in `core.dir`).
        self.core.steepest_descent();
        if let Some(b) = beta {
            self.core.p.scaled_add(b, &self.core.dir);
            self.since_restart += 1;
        } else {
            self.since_restart = 1;
        }
        if !is_descent(self.core.g.dot(&self.core.p)) {
            self.core.restarts += 1;
            self.beta = 0.0;
            self.since_restart = 1;
            self.core.steepest_descent();
        }
        self.gg_prev = self.core.g.dot(&self.core.g);
        let wolfe = self.c.search.wolfe(self.c.c1, self.c.c2);
        if self.core.search_and_move(x, None, wolfe, oracle).is_some() {
            self.have_dir = true;
        } else if beta.is_some() {
            // No acceptable step along the conjugate direction: restart along −∇f next.
            self.have_dir = false;
            self.core.restarts += 1;
        } else {
            self.core.stalled = true;
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn overlay(&self, out: &mut Overlay) {
        self.core.draw_search(out);
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.core.alpha;
        out[1] = self.beta;
    }
}
