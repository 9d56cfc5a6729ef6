//! Second-order methods: curvature from the exact Hessian.
//!
//! ## Reference
//! - Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., chapter 3 (Newton's method) and
//!   chapter 10 (damping as in Levenberg 1944 and Marquardt 1963).

use super::{Halt, Method, MethodConfig, Optimizer, Oracle, Order};
use crate::linalg::solve_in_place;
use crate::problem::{Matrix, Vector};

crate::params! {
    /// Newton's method: x ← x − η (H + λI)⁻¹ ∇f.
    pub struct NewtonConfig {
        /// Step scale η; 1 is the pure Newton step.
        lr: f64 = 1.0, (1e-3, 1.0), Log, Positive;
        /// Damping λ added to the Hessian's diagonal; 0 is the pure Newton step.
        damping: f64 = 0.0, (0.0, 100.0), Linear, NonNegative;
    }
}

impl MethodConfig for NewtonConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Newton {
            c: self.clone(),
            g: Vector::zeros(dim),
            h: Matrix::zeros((dim, dim)),
        })
    }
    fn order(&self) -> Order {
        Order::Second
    }
    fn is_live(&self, _key: &str) -> bool {
        true
    }
    fn reference(&self) -> &'static str {
        "Nocedal & Wright (2006), Numerical Optimization, ch. 3"
    }
}

/// Newton's method with optional damping and step scale.
struct Newton {
    c: NewtonConfig,
    g: Vector,
    h: Matrix,
}

impl Optimizer for Newton {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        oracle.gradient_into(x.view(), &mut self.g);
        oracle.hessian_into(x.view(), &mut self.h);
        if self.c.damping != 0.0 {
            self.h.diag_mut().mapv_inplace(|d| d + self.c.damping);
        }
        // On return `g` holds the Newton direction H⁻¹∇f.
        if !solve_in_place(&mut self.h, &mut self.g) {
            return Err(Halt::SingularHessian);
        }
        x.scaled_add(-self.c.lr, &self.g);
        Ok(())
    }

    fn retune(&mut self, method: &Method) -> bool {
        let Method::Newton(c) = method else {
            return false;
        };
        self.c = c.clone();
        true
    }
}
