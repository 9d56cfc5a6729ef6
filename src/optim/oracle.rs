//! The oracle: the only door from an optimizer to its objective.
//!
//! It counts every function, gradient, Hessian and Hessian-vector evaluation and applies the
//! noise model, so that every method sees the same noise and the counts can be trusted (a
//! zeroth-order method's gradient count stays 0 because it can only ask for values).

use ndarray::ArrayView1;
use rand_pcg::Pcg64;

use crate::linalg::{Matrix, Vector};
use crate::noise::Noise;
use crate::problem::Objective;

/// Cumulative evaluation counts of one optimizer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Function evaluations.
    pub f: u64,
    /// Gradient evaluations.
    pub g: u64,
    /// Full Hessian evaluations (and Fisher metrics: dense curvature matrices).
    pub h: u64,
    /// Hessian-vector products.
    pub hv: u64,
}

/// What an optimizer may ask about the objective during one step.
pub struct Oracle<'a> {
    objective: &'a dyn Objective,
    noise: &'a Noise,
    noise_rng: &'a mut Pcg64,
    probe_rng: &'a mut Pcg64,
    counts: &'a mut Counts,
}

impl<'a> Oracle<'a> {
    /// Wraps `objective` for one step. `noise_rng` feeds the noise channels and `probe_rng` the
    /// method's own randomness, so changing a noise level never changes a method's probes.
    pub fn new(
        objective: &'a dyn Objective,
        noise: &'a Noise,
        noise_rng: &'a mut Pcg64,
        probe_rng: &'a mut Pcg64,
        counts: &'a mut Counts,
    ) -> Self {
        Self {
            objective,
            noise,
            noise_rng,
            probe_rng,
            counts,
        }
    }

    /// The number of parameters.
    pub fn dim(&self) -> usize {
        self.objective.dim()
    }

    /// f(x), counted.
    pub fn value(&mut self, x: ArrayView1<'_, f64>) -> f64 {
        self.counts.f += 1;
        self.objective.value(x)
    }

    /// ∇f(x) plus the gradient noise, written into `g`; counted.
    pub fn gradient_into(&mut self, x: ArrayView1<'_, f64>, g: &mut Vector) {
        self.counts.g += 1;
        self.objective.gradient_into(x, g.view_mut());
        if let Some(s) = g.as_slice_mut() {
            self.noise.perturb_gradient(s, self.noise_rng);
        }
    }

    /// ∇²f(x), written into `h`; counted.
    pub fn hessian_into(&mut self, x: ArrayView1<'_, f64>, h: &mut Matrix) {
        self.counts.h += 1;
        self.objective.hessian_into(x, h.view_mut());
    }

    /// ∇²f(x)·v, written into `out`; counted.
    pub fn hvp_into(&mut self, x: ArrayView1<'_, f64>, v: ArrayView1<'_, f64>, out: &mut Vector) {
        self.counts.hv += 1;
        self.objective.hvp_into(x, v, out.view_mut());
    }

    /// The number of residuals of a least-squares problem.
    pub fn residual_count(&self) -> usize {
        self.objective.residual_count()
    }

    /// The residuals r(x), written into `r` (resized to m the first time); counted as a
    /// function evaluation.
    pub fn residuals_into(&mut self, x: ArrayView1<'_, f64>, r: &mut Vector) {
        self.counts.f += 1;
        let m = self.objective.residual_count();
        if r.len() != m {
            *r = Vector::zeros(m);
        }
        self.objective.residuals_into(x, r.view_mut());
    }

    /// The residuals' Jacobian (m × d), written into `j` (resized the first time); counted as
    /// a gradient evaluation (it is the gradient of every residual).
    pub fn jacobian_into(&mut self, x: ArrayView1<'_, f64>, j: &mut Matrix) {
        self.counts.g += 1;
        let shape = (self.objective.residual_count(), self.objective.dim());
        if j.dim() != shape {
            *j = Matrix::zeros(shape);
        }
        self.objective.jacobian_into(x, j.view_mut());
    }

    /// The Fisher metric at x, written into `f`; counted with the dense curvature matrices
    /// (`Counts::h`).
    pub fn fisher_into(&mut self, x: ArrayView1<'_, f64>, f: &mut Matrix) {
        self.counts.h += 1;
        self.objective.fisher_into(x, f.view_mut());
    }

    /// The method's own random stream (probe directions, populations).
    pub fn rng(&mut self) -> &mut Pcg64 {
        self.probe_rng
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        *self.counts
    }
}
