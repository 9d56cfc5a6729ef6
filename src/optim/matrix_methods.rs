//! Methods that treat a network's weight matrices as matrices rather than as lists of numbers.
//!
//! Muon keeps a momentum per weight matrix and steps along its orthogonalisation, the nearest
//! semi-orthogonal matrix UVᵀ of the momentum UΣVᵀ, found by a few Newton–Schulz iterations:
//! every direction of the update gets the same size, however ill-conditioned the gradient.
//! Biases (and weight vectors, such as a one-unit output layer) take AdamW steps.
//!
//! ## References
//! - Jordan et al. (2024), "Muon: an optimizer for hidden layers in neural networks",
//!   kellerjordan.github.io/posts/muon, and its reference implementation: Nesterov momentum
//!   by `lerp`, the quintic iteration with (a, b, c) = (3.4445, −4.7750, 2.0315), five steps,
//!   and the scale max(1, fan_out/fan_in)^½.
//! - Loshchilov & Hutter (2019), "Decoupled weight decay regularization", ICLR: AdamW, as
//!   torch.optim.AdamW computes it.

use super::{Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay};
use crate::linalg::Vector;
use crate::params::Params;
use crate::problem::ParamBlock;

/// The quintic Newton–Schulz coefficients of the reference implementation.
const NS: (f64, f64, f64) = (3.4445, -4.7750, 2.0315);

crate::params! {
    /// Muon: Nesterov momentum per weight matrix, orthogonalised by Newton–Schulz iterations,
    /// W ← W − η·max(1, fan_out/fan_in)^½·NS(m); AdamW on biases and weight vectors.
    pub struct MuonConfig {
        /// Muon's learning rate η for the weight matrices.
        lr: f64 = 0.02, "learning rate η (matrices)", (1e-4, 1.0), Log, Positive, live;
        /// Momentum β.
        momentum: f64 = 0.95, "momentum β", (0.0, 0.999), Linear, UnitOpen, live;
        /// Nesterov momentum (the reference's default).
        nesterov: bool = true, "Nesterov", (0, 1), Linear, Finite, live;
        /// Newton–Schulz iterations.
        ns_steps: usize = 5, "Newton–Schulz steps", (1, 10), Linear, Within(1.0, 20.0), live;
        /// Decoupled weight decay λ on the matrices (W ← (1 − ηλ)W).
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
        /// AdamW's learning rate for biases and weight vectors.
        adam_lr: f64 = 3e-3, "AdamW learning rate (biases)", (1e-5, 1.0), Log, Positive, live;
        /// AdamW's β₁.
        beta1: f64 = 0.9, "AdamW β₁", (0.0, 0.999), Linear, UnitOpen, live;
        /// AdamW's β₂.
        beta2: f64 = 0.95, "AdamW β₂", (0.0, 0.9999), Linear, UnitOpen, live;
        /// AdamW's ε.
        eps: f64 = 1e-8, "AdamW ε", (1e-12, 1e-4), Log, Positive, live;
    }
}

impl MethodConfig for MuonConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Muon {
            c: self.clone(),
            mom: Vector::zeros(dim),
            m: Vector::zeros(dim),
            v: Vector::zeros(dim),
            g: Vector::zeros(dim),
            from: Vector::zeros(dim),
            matrices: Vec::new(),
            rest: Vec::new(),
            work: Work::default(),
            t: 0,
            ns_error: f64::NAN,
        })
    }
    fn order(&self) -> Order {
        Order::First
    }
    fn needs(&self) -> Needs {
        Needs {
            gradient: true,
            network: true,
            ..Needs::VALUES
        }
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &[Diagnostic {
            key: "orthogonality_error",
            name: "‖OᵀO − I‖_F / ‖I‖_F of Muon's update (first matrix)",
            log: true,
        }]
    }
    fn reference(&self) -> &'static str {
        "Jordan et al. (2024), Muon: an optimizer for hidden layers in neural networks; Loshchilov & Hutter (2019), ICLR"
    }
}

/// Buffers for one orthogonalisation, sized for the largest matrix.
#[derive(Clone, Debug, Default)]
struct Work {
    x: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    bx: Vec<f64>,
}

#[derive(Clone)]
struct Muon {
    c: MuonConfig,
    /// Muon's momentum (on the matrices' entries).
    mom: Vector,
    /// AdamW's moments (on the rest).
    m: Vector,
    v: Vector,
    /// The last step's update direction, for the overlay.
    g: Vector,
    from: Vector,
    /// The weight matrices Muon steps (rows and columns at least 2).
    matrices: Vec<ParamBlock>,
    /// The other blocks (biases, weight vectors), which take AdamW steps.
    rest: Vec<ParamBlock>,
    work: Work,
    t: u64,
    ns_error: f64,
}

/// Writes into `x` (r × c, r ≤ c, row-major) the Newton–Schulz orthogonalisation of `g`
/// (r × c, or its transpose when `transposed`): X₀ = G/(‖G‖_F + 10⁻⁷), then
/// X ← aX + (bA + cA²)X with A = XXᵀ, `steps` times.
fn newton_schulz(
    g: &[f64],
    rows: usize,
    cols: usize,
    transposed: bool,
    steps: usize,
    w: &mut Work,
) {
    let (r, c) = if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let (a_, b_, c_) = NS;
    w.x.resize(r * c, 0.0);
    w.a.resize(r * r, 0.0);
    w.b.resize(r * r, 0.0);
    w.bx.resize(r * c, 0.0);
    let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt() + 1e-7;
    for i in 0..r {
        for j in 0..c {
            let v = if transposed {
                g[j * cols + i]
            } else {
                g[i * cols + j]
            };
            w.x[i * c + j] = v / norm;
        }
    }
    for _ in 0..steps {
        // A = XXᵀ.
        for i in 0..r {
            for k in 0..r {
                let mut s = 0.0;
                for j in 0..c {
                    s += w.x[i * c + j] * w.x[k * c + j];
                }
                w.a[i * r + k] = s;
            }
        }
        // B = bA + cA².
        for i in 0..r {
            for k in 0..r {
                let mut s = 0.0;
                for j in 0..r {
                    s += w.a[i * r + j] * w.a[j * r + k];
                }
                w.b[i * r + k] = b_ * w.a[i * r + k] + c_ * s;
            }
        }
        // X ← aX + BX.
        for i in 0..r {
            for j in 0..c {
                let mut s = 0.0;
                for k in 0..r {
                    s += w.b[i * r + k] * w.x[k * c + j];
                }
                w.bx[i * c + j] = a_ * w.x[i * c + j] + s;
            }
        }
        std::mem::swap(&mut w.x, &mut w.bx);
    }
}

/// ‖XXᵀ − I‖_F/√r of the r × c matrix in `w.x` (r ≤ c): how far from semi-orthogonal.
fn orthogonality_error(w: &Work, r: usize, c: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..r {
        for k in 0..r {
            let dot: f64 = (0..c).map(|j| w.x[i * c + j] * w.x[k * c + j]).sum();
            let e = dot - f64::from(u8::from(i == k));
            s += e * e;
        }
    }
    (s / r as f64).sqrt()
}

impl Optimizer for Muon {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if self.t == 0 {
            let blocks = oracle.blocks();
            self.matrices = blocks.iter().filter(|b| b.is_matrix()).copied().collect();
            self.rest = blocks.iter().filter(|b| !b.is_matrix()).copied().collect();
        }
        self.from.assign(x);
        let mut grad = std::mem::take(&mut self.g);
        oracle.gradient_into(x.view(), &mut grad);
        self.t += 1;
        let c = &self.c;
        let (Some(xs), Some(gs), Some(mom)) = (
            x.as_slice_mut(),
            grad.as_slice_mut(),
            self.mom.as_slice_mut(),
        ) else {
            return Ok(());
        };
        // AdamW on every coordinate outside the matrices (torch.optim.AdamW's rule).
        let (bc1, bc2) = (
            1.0 - c.beta1.powi(self.t as i32),
            1.0 - c.beta2.powi(self.t as i32),
        );
        let (Some(m), Some(v)) = (self.m.as_slice_mut(), self.v.as_slice_mut()) else {
            return Ok(());
        };
        for i in self
            .rest
            .iter()
            .flat_map(|b| b.offset..b.offset + b.rows * b.cols)
        {
            let g = gs[i];
            m[i] = c.beta1 * m[i] + (1.0 - c.beta1) * g;
            v[i] = c.beta2 * v[i] + (1.0 - c.beta2) * g * g;
            let step = c.adam_lr * (m[i] / bc1) / ((v[i] / bc2).sqrt() + c.eps);
            gs[i] = step / c.adam_lr;
            xs[i] -= step;
        }
        // Muon on each matrix.
        for (k, b) in self.matrices.iter().enumerate() {
            let range = b.offset..b.offset + b.rows * b.cols;
            for i in range.clone() {
                // momentum.lerp_(grad, 1 − β); update = grad.lerp_(momentum, β) or momentum.
                mom[i] += (1.0 - c.momentum) * (gs[i] - mom[i]);
                gs[i] = if c.nesterov {
                    gs[i] + c.momentum * (mom[i] - gs[i])
                } else {
                    mom[i]
                };
            }
            // Stored [fan_in][fan_out]; orthogonalise with the shorter side as rows.
            let transposed = b.rows > b.cols;
            newton_schulz(
                &gs[range.clone()],
                b.rows,
                b.cols,
                transposed,
                c.ns_steps,
                &mut self.work,
            );
            let (r, cc) = if transposed {
                (b.cols, b.rows)
            } else {
                (b.rows, b.cols)
            };
            if k == 0 {
                self.ns_error = orthogonality_error(&self.work, r, cc);
            }
            let scale = (b.cols as f64 / b.rows as f64).max(1.0).sqrt();
            for i in 0..b.rows {
                for j in 0..b.cols {
                    let o = if transposed {
                        self.work.x[j * cc + i]
                    } else {
                        self.work.x[i * cc + j]
                    };
                    let at = b.offset + i * b.cols + j;
                    xs[at] *= 1.0 - c.lr * c.weight_decay;
                    xs[at] -= c.lr * scale * o;
                    gs[at] = scale * o;
                }
            }
        }
        self.g = grad;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.ns_error;
    }

    /// The step.
    fn overlay(&self, out: &mut Overlay) {
        if self.t == 0 {
            return;
        }
        super::zeroth_order::draw_step(&self.from, self.c.lr, &self.g, out);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The quintic iteration maps every singular value into the band the reference reports,
    /// about [0.7, 1.2], whatever the conditioning: diag(3, 1, 0.05) becomes nearly I.
    #[test]
    fn newton_schulz_equalises_the_singular_values() {
        // G = diag(3, 1, 0.05) in a 3 × 5 matrix, and its transpose.
        let mut g = vec![0.0; 15];
        for (i, s) in [3.0, 1.0, 0.05].iter().enumerate() {
            g[i * 5 + i] = *s;
        }
        let mut w = Work::default();
        newton_schulz(&g, 3, 5, false, 5, &mut w);
        for i in 0..3 {
            let s = w.x[i * 5 + i];
            assert!((0.6..1.25).contains(&s), "singular value {i}: {s}");
            for j in (0..5).filter(|j| *j != i) {
                assert!(w.x[i * 5 + j].abs() < 1e-12);
            }
        }
        let gt: Vec<f64> = (0..15).map(|k| g[(k % 3) * 5 + k / 3]).collect();
        let mut wt = Work::default();
        newton_schulz(&gt, 5, 3, true, 5, &mut wt);
        assert_eq!(
            w.x, wt.x,
            "transposing the input transposes nothing but the reading"
        );
        assert!(orthogonality_error(&w, 3, 5) < 0.45);
        // More steps do not blow up (the iteration's fixed band is stable).
        newton_schulz(&g, 3, 5, false, 10, &mut w);
        assert!((0..3).all(|i| (0.6..1.25).contains(&w.x[i * 5 + i])));
    }
}
