//! A network's loss over a plane of its parameters, fast. On the plane θ = o + a·u + b·v the
//! first layer's pre-activations are x·W₁(θ) + b₁(θ) = Z_o + a·Z_u + b·Z_v, where each
//! Z_d = x·W₁(d) + b₁(d) is computed once per plane. A grid point then costs the layers after the first only:
//! for a 784-64-64-10 network, a tenth of a forward pass. The values are the loss at the lifted
//! points to rounding (the sums are associated differently).

use std::cell::RefCell;

use ndarray::ArrayView1;

use super::Mlp;
use super::net::{self, Rows, Want};
use crate::problem::PlaneSampler;

/// The plane o + a·u + b·v of `mlp`'s parameters and its first layer's three parts.
pub(super) struct Plane<'a> {
    mlp: &'a Mlp,
    origin: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
    /// Z_o, Z_u and Z_v (m × w₁ each) over the training rows.
    z: [Vec<f64>; 3],
}

thread_local! {
    /// A grid thread's lifted θ and first-layer pre-activations.
    static SCRATCH: RefCell<(Vec<f64>, Vec<f64>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl<'a> Plane<'a> {
    pub(super) fn new(
        mlp: &'a Mlp,
        origin: ArrayView1<'_, f64>,
        u: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
    ) -> Self {
        let m = mlp.data.y.len();
        let w1 = mlp.layout.widths[1];
        let part = |d: &[f64]| {
            let mut z = vec![0.0; m * w1];
            net::first_layer(&mlp.layout, d, &mlp.data.x, m, &mut z);
            z
        };
        let (origin, u, v) = (origin.to_vec(), u.to_vec(), v.to_vec());
        let z = [part(&origin), part(&u), part(&v)];
        Self {
            mlp,
            origin,
            u,
            v,
            z,
        }
    }
}

impl PlaneSampler for Plane<'_> {
    fn value(&self, [a, b]: [f64; 2]) -> f64 {
        SCRATCH.with(|cell| {
            let (theta, first) = &mut *cell.borrow_mut();
            theta.clear();
            theta.extend(
                self.origin
                    .iter()
                    .zip(&self.u)
                    .zip(&self.v)
                    .map(|((o, u), v)| o + a * u + b * v),
            );
            let [zo, zu, zv] = &self.z;
            first.clear();
            first.extend(
                zo.iter()
                    .zip(zu)
                    .zip(zv)
                    .map(|((o, u), v)| o + a * u + b * v),
            );
            net::pass(
                &self.mlp.layout,
                theta,
                Rows {
                    x: &self.mlp.data.x,
                    y: &self.mlp.data.y,
                    pick: None,
                },
                Want::ValueFrom(first),
            )
        })
    }
}
