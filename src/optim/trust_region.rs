//! Trust-region Newton: the quadratic model is trusted only within a radius Δ, which grows
//! when the model predicts the decrease well and shrinks when it does not. The subproblem is
//! solved by the dogleg (dense Hessian) or by Steihaug's truncated conjugate gradient, which
//! asks only for Hessian-vector products.
//!
//! ## References
//! - Powell (1970): the dogleg; Steihaug (1983), "The conjugate gradient method and trust
//!   regions in large scale optimization", SIAM J. Numer. Anal. 20; Toint (1981).
//! - Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., Algorithm 4.1 (the radius
//!   update with ¼ and 2, the acceptance threshold η), §4.1 (the Cauchy point (4.11)–(4.12)
//!   and the dogleg (4.15)–(4.16)) and Algorithm 7.2 (CG–Steihaug, with the forcing tolerance
//!   min(½, √‖g‖)‖g‖ of (7.3)).

use super::line_search::is_positive;
use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::{Matrix, Vector, cholesky_in_place, cholesky_solve_in_place};
use crate::params::Params;

crate::choice! {
    /// How the trust-region subproblem is solved.
    pub enum Subproblem {
        Dogleg = "dogleg", "dogleg (dense Hessian)";
        Steihaug = "steihaug", "Steihaug–CG (Hessian-vector products)";
    }
}

crate::params! {
    /// Trust-region Newton.
    pub struct TrustRegionConfig {
        /// The subproblem solver.
        solver: Subproblem = Subproblem::Dogleg, "subproblem solver", (0, 0), Linear, Finite, restart;
        /// Initial radius Δ₀.
        radius0: f64 = 1.0, "Δ₀, the initial radius", (1e-3, 10.0), Log, Positive, restart;
        /// Largest radius Δ_max.
        max_radius: f64 = 1000.0, "Δ_max, the largest radius", (1.0, 1e4), Log, Positive, live;
        /// A step is accepted when the actual decrease is more than η times the predicted one.
        eta: f64 = 0.15, "η, the acceptance threshold", (0.0, 0.25), Linear, Within(0.0, 0.25), live;
    }
}

const DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "radius",
        name: "trust radius Δ",
        log: true,
    },
    Diagnostic {
        key: "rho",
        name: "ρ = actual / predicted decrease",
        log: false,
    },
];

impl MethodConfig for TrustRegionConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let z = Vector::zeros(dim);
        let dense = self.solver == Subproblem::Dogleg;
        let m = Matrix::zeros(if dense { (dim, dim) } else { (0, 0) });
        Box::new(TrustRegion {
            c: self.clone(),
            radius: self.radius0,
            at: z.clone(),
            known: false,
            f_known: false,
            f: f64::NAN,
            g: z.clone(),
            h: m.clone(),
            l: m,
            p: z.clone(),
            newton: z.clone(),
            cauchy: z.clone(),
            r: z.clone(),
            d: z.clone(),
            hd: z.clone(),
            trial: z.clone(),
            from: z,
            used_radius: f64::NAN,
            rho: f64::NAN,
            accepted: false,
            taken: false,
            dogleg_path: false,
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn needs(&self) -> Needs {
        match self.solver {
            Subproblem::Dogleg => Needs {
                gradient: true,
                hessian: true,
                ..Needs::VALUES
            },
            Subproblem::Steihaug => Needs {
                gradient: true,
                hvp: true,
                ..Needs::VALUES
            },
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &DIAGNOSTICS
    }
    fn check(&self) -> Result<(), String> {
        if self.radius0 <= self.max_radius {
            Ok(())
        } else {
            Err(format!(
                "`radius0` ({}) must not exceed `max_radius` ({})",
                self.radius0, self.max_radius
            ))
        }
    }
    fn reference(&self) -> &'static str {
        "Powell (1970); Steihaug (1983); Nocedal & Wright (2006), ch. 4 and Algorithm 7.2"
    }
}

/// Trust-region Newton with an adaptive radius.
#[derive(Clone)]
struct TrustRegion {
    c: TrustRegionConfig,
    radius: f64,
    /// The point f, ∇f (and H) belong to.
    at: Vector,
    known: bool,
    /// Whether `f` belongs to `at` (kept from an accepted trial, so each step asks one value).
    f_known: bool,
    f: f64,
    g: Vector,
    h: Matrix,
    /// The Cholesky factor of H (dogleg only).
    l: Matrix,
    /// The step, the Newton point and the Cauchy point of the dogleg.
    p: Vector,
    newton: Vector,
    cauchy: Vector,
    /// Steihaug's residual, direction and H·direction.
    r: Vector,
    d: Vector,
    hd: Vector,
    trial: Vector,
    /// For the overlay: where the last step started and the radius it had.
    from: Vector,
    used_radius: f64,
    rho: f64,
    accepted: bool,
    taken: bool,
    /// Whether the last dogleg step bent at the Cauchy point.
    dogleg_path: bool,
}

/// The τ ≥ 0 with ‖z + τd‖ = Δ (z inside the ball).
fn to_boundary(z: &Vector, d: &Vector, radius: f64) -> f64 {
    let (a, b, c) = (d.dot(d), 2.0 * z.dot(d), z.dot(z) - radius * radius);
    if a == 0.0 {
        return 0.0;
    }
    let disc = (b * b - 4.0 * a * c).max(0.0).sqrt();
    // The positive root, in the form that does not cancel.
    if b >= 0.0 {
        (2.0 * c) / (-b - disc).min(-f64::MIN_POSITIVE)
    } else {
        (-b + disc) / (2.0 * a)
    }
}

impl TrustRegion {
    /// gᵀHg from the dense Hessian.
    fn ghg(&self) -> f64 {
        let n = self.g.len();
        let mut s = 0.0;
        for i in 0..n {
            for j in 0..n {
                s += self.g[i] * self.h[[i, j]] * self.g[j];
            }
        }
        s
    }

    /// The dogleg step (or the Cauchy point, where H is not positive definite), in `p`.
    fn dogleg(&mut self) {
        let gg = self.g.dot(&self.g);
        let g_norm = gg.sqrt();
        let ghg = self.ghg();
        self.dogleg_path = false;
        // The Cauchy point along −g, (4.11)–(4.12).
        let tau = if ghg <= 0.0 {
            1.0
        } else {
            (g_norm * gg / (self.radius * ghg)).min(1.0)
        };
        self.l.assign(&self.h);
        if !cholesky_in_place(&mut self.l) {
            self.p.assign(&self.g);
            self.p *= -tau * self.radius / g_norm;
            return;
        }
        // The Newton point −H⁻¹g.
        self.newton.assign(&self.g);
        cholesky_solve_in_place(&self.l, &mut self.newton);
        self.newton *= -1.0;
        if self.newton.dot(&self.newton).sqrt() <= self.radius {
            self.p.assign(&self.newton);
            return;
        }
        // The unconstrained minimiser along −g.
        self.cauchy.assign(&self.g);
        self.cauchy *= -gg / ghg;
        if self.cauchy.dot(&self.cauchy).sqrt() >= self.radius {
            self.p.assign(&self.g);
            self.p *= -self.radius / g_norm;
            return;
        }
        self.d.assign(&self.newton);
        self.d -= &self.cauchy;
        let t = to_boundary(&self.cauchy, &self.d, self.radius);
        self.p.assign(&self.cauchy);
        self.p.scaled_add(t, &self.d);
        self.dogleg_path = true;
    }

    /// Steihaug's truncated CG on the model, in `p`; returns pᵀHp (from one more product).
    fn steihaug(&mut self, oracle: &mut Oracle<'_>) -> f64 {
        let g_norm = self.g.dot(&self.g).sqrt();
        let tol = g_norm.sqrt().min(0.5) * g_norm;
        self.p.fill(0.0);
        self.r.assign(&self.g);
        self.d.assign(&self.g);
        self.d *= -1.0;
        let mut rr = self.r.dot(&self.r);
        let n = self.g.len();
        for _ in 0..n.max(1) * 2 {
            oracle.hvp_into(self.at.view(), self.d.view(), &mut self.hd);
            let dhd = self.d.dot(&self.hd);
            if dhd <= 0.0 {
                let t = to_boundary(&self.p, &self.d, self.radius);
                self.p.scaled_add(t, &self.d);
                break;
            }
            let alpha = rr / dhd;
            self.trial.assign(&self.p);
            self.trial.scaled_add(alpha, &self.d);
            if self.trial.dot(&self.trial).sqrt() >= self.radius {
                let t = to_boundary(&self.p, &self.d, self.radius);
                self.p.scaled_add(t, &self.d);
                break;
            }
            self.p.assign(&self.trial);
            self.r.scaled_add(alpha, &self.hd);
            let rr_next = self.r.dot(&self.r);
            if rr_next.sqrt() < tol {
                break;
            }
            self.d *= rr_next / rr;
            self.d -= &self.r;
            rr = rr_next;
        }
        oracle.hvp_into(self.at.view(), self.p.view(), &mut self.hd);
        self.p.dot(&self.hd)
    }
}

impl Optimizer for TrustRegion {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        let dense = self.c.solver == Subproblem::Dogleg;
        if !self.known || self.at != *x {
            if !self.f_known || self.at != *x {
                self.f = oracle.value(x.view());
            }
            self.f_known = true;
            oracle.gradient_into(x.view(), &mut self.g);
            if dense {
                oracle.hessian_into(x.view(), &mut self.h);
            }
            self.at.assign(x);
            self.known = true;
        }
        if self.g.iter().all(|v| *v == 0.0) {
            return Ok(());
        }
        self.from.assign(x);
        self.used_radius = self.radius;
        let php = if dense {
            self.dogleg();
            let mut s = 0.0;
            for i in 0..self.p.len() {
                for j in 0..self.p.len() {
                    s += self.p[i] * self.h[[i, j]] * self.p[j];
                }
            }
            s
        } else {
            self.steihaug(oracle)
        };
        let predicted = -(self.g.dot(&self.p) + 0.5 * php);
        self.trial.assign(x);
        self.trial += &self.p;
        let f_trial = oracle.value(self.trial.view());
        self.rho = (self.f - f_trial) / predicted;
        let p_norm = self.p.dot(&self.p).sqrt();
        if !is_positive(predicted) || self.rho < 0.25 {
            self.radius *= 0.25;
        } else if self.rho > 0.75 && p_norm >= (1.0 - 1e-9) * self.radius {
            self.radius = (2.0 * self.radius).min(self.c.max_radius);
        }
        self.accepted = predicted > 0.0 && self.rho > self.c.eta;
        self.taken = true;
        if self.accepted {
            x.assign(&self.trial);
            self.at.assign(x);
            self.f = f_trial;
            self.known = false;
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The region the step was chosen in, the dogleg's bend where it took one, and the step:
    /// taken (an arrow) or refused (a cross).
    fn overlay(&self, out: &mut Overlay) {
        if !self.taken {
            return;
        }
        let from = out.vector(self.from.view());
        out.draw(
            Role::TrustRegion,
            Shape::Circle {
                centre: from,
                radius: self.used_radius,
            },
        );
        let to = out.vector_along(self.from.view(), 1.0, self.p.view());
        if self.dogleg_path {
            let bend = out.vector_along(self.from.view(), 1.0, self.cauchy.view());
            let newton = out.vector_along(self.from.view(), 1.0, self.newton.view());
            out.draw(Role::Dogleg, Shape::Segment(from, bend));
            out.draw(Role::Dogleg, Shape::Segment(bend, newton));
        }
        if self.accepted {
            out.draw(Role::Step, Shape::Arrow(from, to));
        } else {
            out.draw(Role::TrialRejected, Shape::Point(to));
        }
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.radius;
        out[1] = self.rho;
    }
}
