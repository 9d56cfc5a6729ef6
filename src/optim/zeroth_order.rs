//! Zeroth-order methods: function values and randomness only. They never ask for a gradient.
//!
//! ## References
//! - Spall (1992), "Multivariate stochastic approximation using a simultaneous perturbation
//!   gradient approximation", IEEE Trans. Automatic Control 37(3).
//! - Spall (1998), "Implementation of the simultaneous perturbation algorithm for stochastic
//!   optimization", IEEE Trans. Aerospace and Electronic Systems 34(3): the gains
//!   a_k = a/(k + 1 + A)^α and c_k = c/(k + 1)^γ with α = 0.602 and γ = 0.101.

use rand::RngExt as _;

use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::Vector;
use crate::params::Params;

crate::params! {
    /// SPSA with Spall's gain sequences.
    pub struct SpsaConfig {
        /// Step gain a in a_k = a / (k + 1 + A)^α.
        a: f64 = 2e-3, "a, the step gain", (1e-5, 1.0), Log, Positive, live;
        /// Perturbation size c in c_k = c / (k + 1)^γ; about the noise level of f.
        c: f64 = 1e-2, "c, the perturbation size", (1e-5, 1.0), Log, Positive, live;
        /// Stability constant A, about a tenth of the iteration budget.
        big_a: f64 = 10.0, "A, the stability constant", (0.0, 1000.0), Linear, NonNegative, live;
        /// Decay exponent α of the step gain (Spall's practical value 0.602).
        alpha: f64 = 0.602, "α, the step-gain decay", (0.0, 1.0), Linear, Within(0.0, 1.0), live;
        /// Decay exponent γ of the perturbation size (Spall's practical value 0.101).
        gamma: f64 = 0.101, "γ, the perturbation decay", (0.0, 0.5), Linear, Within(0.0, 1.0), live;
    }
}

const DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "a_k",
        name: "step gain a_k",
        log: true,
    },
    Diagnostic {
        key: "c_k",
        name: "perturbation size c_k",
        log: true,
    },
];

impl MethodConfig for SpsaConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        Box::new(Spsa {
            c: self.clone(),
            delta: z.clone(),
            probe: z.clone(),
            from: z,
            k: 0,
            gains: [f64::NAN; 2],
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Spall (1992), IEEE TAC 37(3); gains from Spall (1998), IEEE TAES 34(3)"
    }
}

/// Simultaneous perturbation stochastic approximation.
#[derive(Clone)]
struct Spsa {
    c: SpsaConfig,
    /// The last perturbation direction Δ ∈ {−1, 1}ᵈ.
    delta: Vector,
    probe: Vector,
    /// The iterate the last probes were taken around.
    from: Vector,
    k: u64,
    /// The gains (a_k, c_k) of the last step.
    gains: [f64; 2],
}

impl Optimizer for Spsa {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        let k = self.k as f64;
        self.k += 1;
        let ak = self.c.a / (k + 1.0 + self.c.big_a).powf(self.c.alpha);
        let ck = self.c.c / (k + 1.0).powf(self.c.gamma);
        self.gains = [ak, ck];
        if let (Some(to), Some(from)) = (self.from.as_slice_mut(), x.as_slice()) {
            to.copy_from_slice(from);
        }
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

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The two probes x ± c_kΔ of the last step, joined to the iterate they were taken around.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let ck = self.gains[1];
        let from = out.vector(self.from.view());
        for sign in [1.0, -1.0] {
            let probe = out.vector_along(self.from.view(), sign * ck, self.delta.view());
            out.draw(Role::ProbeLink, Shape::Segment(from, probe));
            out.draw(Role::Probe, Shape::Point(probe));
        }
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[..2].copy_from_slice(&self.gains);
    }
}
