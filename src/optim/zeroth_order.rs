//! Zeroth-order methods: function values and randomness only. They never ask for a gradient.
//!
//! ## References
//! - Spall (1992), "Multivariate stochastic approximation using a simultaneous perturbation
//!   gradient approximation", IEEE Trans. Automatic Control 37(3).
//! - Spall (1998), "Implementation of the simultaneous perturbation algorithm for stochastic
//!   optimization", IEEE Trans. Aerospace and Electronic Systems 34(3): the gains
//!   a_k = a/(k + 1 + A)^α and c_k = c/(k + 1)^γ with α = 0.602 and γ = 0.101.

use rand::RngExt as _;

use super::{Halt, Method, MethodConfig, Optimizer, Oracle, Order};
use crate::problem::Vector;

crate::params! {
    /// SPSA with Spall's gain sequences.
    pub struct SpsaConfig {
        /// Step gain a in a_k = a / (k + 1 + A)^α.
        a: f64 = 2e-3, (1e-5, 1.0), Log, Positive;
        /// Perturbation size c in c_k = c / (k + 1)^γ; about the noise level of f.
        c: f64 = 1e-2, (1e-5, 1.0), Log, Positive;
        /// Stability constant A, about a tenth of the iteration budget.
        big_a: f64 = 10.0, (0.0, 1000.0), Linear, NonNegative;
        /// Decay exponent α of the step gain (Spall's practical value 0.602).
        alpha: f64 = 0.602, (0.0, 1.0), Linear, Within(0.0, 1.0);
        /// Decay exponent γ of the perturbation size (Spall's practical value 0.101).
        gamma: f64 = 0.101, (0.0, 0.5), Linear, Within(0.0, 1.0);
    }
}

impl MethodConfig for SpsaConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(Spsa {
            c: self.clone(),
            delta: z.clone(),
            probe: z,
            k: 0,
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn is_live(&self, _key: &str) -> bool {
        true
    }
    fn reference(&self) -> &'static str {
        "Spall (1992), IEEE TAC 37(3); gains from Spall (1998), IEEE TAES 34(3)"
    }
}

/// Simultaneous perturbation stochastic approximation.
struct Spsa {
    c: SpsaConfig,
    delta: Vector,
    probe: Vector,
    k: u64,
}

impl Optimizer for Spsa {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        let k = self.k as f64;
        self.k += 1;
        let ak = self.c.a / (k + 1.0 + self.c.big_a).powf(self.c.alpha);
        let ck = self.c.c / (k + 1.0).powf(self.c.gamma);
        let rng = oracle.rng();
        for d in self.delta.iter_mut() {
            *d = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        }
        self.probe.assign(x);
        self.probe.scaled_add(ck, &self.delta);
        let f_plus = oracle.value(self.probe.view());
        self.probe.scaled_add(-2.0 * ck, &self.delta);
        let f_minus = oracle.value(self.probe.view());
        // ĝ_i = (f₊ − f₋) / (2 c_k Δ_i), and 1/Δ_i = Δ_i for Δ_i = ±1.
        let scale = (f_plus - f_minus) / (2.0 * ck);
        x.scaled_add(-ak * scale, &self.delta);
        Ok(())
    }

    fn retune(&mut self, method: &Method) -> bool {
        let Method::Spsa(c) = method else {
            return false;
        };
        self.c = c.clone();
        true
    }
}
