//! Shampoo: a Kronecker-factored preconditioner per weight matrix.
//!
//! For a weight matrix W (m × n) with gradient G, Shampoo keeps a left statistic L = Σ GGᵀ
//! (m × m) and a right one R = Σ GᵀG (n × n), and steps
//! W ← W − η (L + εI)^{−1/4} G (R + εI)^{−1/4}.
//! (L + εI)^{1/2} ⊗ (R + εI)^{1/2} bounds full-matrix AdaGrad's d × d statistic, so two small
//! roots stand in for one impossible one. A vector (a bias) is an order-1 tensor, and there
//! Shampoo is full-matrix AdaGrad: g ← (Σ ggᵀ + εI)^{−1/2} g.
//!
//! On the first step, with ε small, L^{−1/4} G R^{−1/4} = UVᵀ for G = UΣVᵀ: Shampoo starts
//! where Muon always is. The sums then remember the gradients' shape, which Muon forgets.
//!
//! The roots come from a symmetric eigendecomposition every `update_every` steps, as in the
//! paper's experiments; between refreshes the stale roots precondition. A side longer than
//! [`FULL_SIDE`] keeps only its diagonal, as large-scale implementations do.
//!
//! ## Reference
//! Gupta, Koren & Singer (2018), "Shampoo: Preconditioned stochastic tensor optimization",
//! ICML, Algorithms 1 (matrices) and 2 (tensors; order 1 is full-matrix AdaGrad). The
//! exponent is the paper's −1/(2k) for an order-k tensor. `momentum` and `weight_decay` follow
//! torch.optim.SGD's heavy ball (no dampening) and L2 penalty; `beta2` < 1 turns the sums into
//! exponential averages with Adam's bias correction, as later practice does.

use super::{Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay};
use crate::linalg::{Matrix, Vector};
use crate::params::Params;
use crate::problem::ParamBlock;

/// The longest side Shampoo preconditions with a full matrix; a longer side keeps its diagonal.
pub const FULL_SIDE: usize = 128;

crate::params! {
    /// Shampoo: W ← W − η (L + εI)^{−1/4} G (R + εI)^{−1/4} per weight matrix, with L = ΣGGᵀ
    /// and R = ΣGᵀG; full-matrix AdaGrad on biases.
    pub struct ShampooConfig {
        /// The learning rate η.
        lr: f64 = 0.03, "learning rate η", (1e-4, 10.0), Log, Positive, live;
        /// Heavy-ball momentum μ on the preconditioned step.
        momentum: f64 = 0.9, "momentum μ", (0.0, 0.999), Linear, UnitOpen, live;
        /// ε: the statistics are L + εI and R + εI.
        eps: f64 = 1e-4, "ε (εI added to L and R)", (1e-12, 1.0), Log, Positive, live;
        /// The statistics' decay: 1 sums them (the paper), less averages them. Summed
        /// statistics shrink the steps like AdaGrad's; averages keep them alive.
        beta2: f64 = 0.999, "statistics' decay β₂ (1 sums)", (0.9, 1.0), Linear, Within(0.5, 1.0), live;
        /// How many steps the roots are kept before they are recomputed.
        update_every: usize = 10, "roots recomputed every k steps", (1, 100), Log, Within(1.0, 10000.0), live;
        /// An L2 penalty λ added to the gradient (g ← g + λW).
        weight_decay: f64 = 0.0, "weight decay λ", (0.0, 0.1), Linear, NonNegative, live;
    }
}

impl MethodConfig for ShampooConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Shampoo {
            c: self.clone(),
            g: Vector::zeros(dim),
            step: Vector::zeros(dim),
            buf: Vector::zeros(dim),
            from: Vector::zeros(dim),
            blocks: Vec::new(),
            scratch: Vec::new(),
            t: 0,
            condition: f64::NAN,
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
            key: "condition",
            name: "condition number of the first matrix's left preconditioner (L + εI)",
            log: true,
        }]
    }
    fn reference(&self) -> &'static str {
        "Gupta, Koren & Singer (2018), Shampoo: Preconditioned stochastic tensor optimization, ICML"
    }
}

/// One side's statistic and its root: full (n × n) or, past [`FULL_SIDE`], its diagonal.
#[derive(Clone, Debug)]
struct Factor {
    n: usize,
    full: bool,
    /// Σ GGᵀ (or its diagonal), without the εI.
    stat: Matrix,
    /// (stat + εI)^{−p}.
    root: Matrix,
    /// The eigendecomposition's working copy and eigenvectors.
    a: Matrix,
    v: Matrix,
    /// The exponent p: 1/4 for a matrix's side, 1/2 for a vector.
    power: f64,
}

impl Factor {
    fn new(n: usize, power: f64) -> Self {
        let full = n <= FULL_SIDE;
        let (r, c) = if full { (n, n) } else { (n, 1) };
        let work = if full { n } else { 0 };
        Factor {
            n,
            full,
            stat: Matrix::zeros((r, c)),
            root: Matrix::zeros((r, c)),
            a: Matrix::zeros((work, work)),
            v: Matrix::zeros((work, work)),
            power,
        }
    }

    /// stat ← β stat + (1 − β)·M or, for β = 1, stat + M, where M = XXᵀ of the n × k matrix
    /// X (row-major; `transposed` reads a k × n matrix as its transpose).
    fn accumulate(&mut self, x: &[f64], k: usize, transposed: bool, beta: f64) {
        let n = self.n;
        let at = |i: usize, j: usize| {
            if transposed {
                x[j * n + i]
            } else {
                x[i * k + j]
            }
        };
        let (keep, add) = if beta >= 1.0 {
            (1.0, 1.0)
        } else {
            (beta, 1.0 - beta)
        };
        if self.full {
            for i in 0..n {
                for l in i..n {
                    let s: f64 = (0..k).map(|j| at(i, j) * at(l, j)).sum();
                    let v = keep * self.stat[[i, l]] + add * s;
                    self.stat[[i, l]] = v;
                    self.stat[[l, i]] = v;
                }
            }
        } else {
            for i in 0..n {
                let s: f64 = (0..k).map(|j| at(i, j) * at(i, j)).sum();
                self.stat[[i, 0]] = keep * self.stat[[i, 0]] + add * s;
            }
        }
    }

    /// root ← (stat/c + εI)^{−p} by a symmetric eigendecomposition, with c the bias correction
    /// 1 − β₂ᵗ of an average (1 for a sum); returns the condition number of stat/c + εI.
    fn refresh(&mut self, eps: f64, correction: f64) -> f64 {
        let n = self.n;
        if !self.full {
            let (mut lo, mut hi) = (f64::INFINITY, 0.0_f64);
            for i in 0..n {
                let l = self.stat[[i, 0]] / correction + eps;
                lo = lo.min(l);
                hi = hi.max(l);
                self.root[[i, 0]] = l.powf(-self.power);
            }
            return hi / lo;
        }
        self.a.assign(&self.stat);
        self.a /= correction;
        for i in 0..n {
            self.a[[i, i]] += eps;
        }
        crate::linalg::symmetric_eigen_in_place(&mut self.a, &mut self.v);
        let (mut lo, mut hi) = (f64::INFINITY, 0.0_f64);
        for i in 0..n {
            // Rounding may leave an eigenvalue of a singular sum a hair below ε.
            let l = self.a[[i, i]].max(eps);
            lo = lo.min(l);
            hi = hi.max(l);
            self.a[[i, i]] = l.powf(-self.power);
        }
        for i in 0..n {
            for l in i..n {
                let s: f64 = (0..n)
                    .map(|k| self.v[[i, k]] * self.a[[k, k]] * self.v[[l, k]])
                    .sum();
                self.root[[i, l]] = s;
                self.root[[l, i]] = s;
            }
        }
        hi / lo
    }

    /// out[i][j] = Σ_k root[i][k] · x[k][j] for the n × k matrix x, or with `right`,
    /// out[j][i] = Σ_k x[j][k] · root[k][i] for the k × n matrix x.
    fn apply(&self, x: &[f64], k: usize, right: bool, out: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            for j in 0..k {
                let s = if !self.full {
                    let at = if right { j * n + i } else { i * k + j };
                    self.root[[i, 0]] * x[at]
                } else if right {
                    (0..n).map(|l| x[j * n + l] * self.root[[l, i]]).sum()
                } else {
                    (0..n).map(|l| self.root[[i, l]] * x[l * k + j]).sum()
                };
                out[if right { j * n + i } else { i * k + j }] = s;
            }
        }
    }
}

/// A block of θ and its factors: a weight matrix has a left (fan-in) and a right (fan-out)
/// factor; a bias has one.
#[derive(Clone, Debug)]
struct Block {
    block: ParamBlock,
    left: Factor,
    right: Option<Factor>,
}

#[derive(Clone)]
struct Shampoo {
    c: ShampooConfig,
    g: Vector,
    /// The preconditioned step P (before momentum), and the momentum buffer.
    step: Vector,
    buf: Vector,
    from: Vector,
    blocks: Vec<Block>,
    /// L^{−1/4}G for the largest matrix.
    scratch: Vec<f64>,
    t: u64,
    condition: f64,
}

impl Shampoo {
    fn layout(&mut self, blocks: &[ParamBlock]) {
        self.blocks = blocks
            .iter()
            .map(|&b| {
                if b.bias {
                    Block {
                        block: b,
                        left: Factor::new(b.rows * b.cols, 0.5),
                        right: None,
                    }
                } else {
                    Block {
                        block: b,
                        left: Factor::new(b.rows, 0.25),
                        right: Some(Factor::new(b.cols, 0.25)),
                    }
                }
            })
            .collect();
        let most = blocks.iter().map(|b| b.rows * b.cols).max().unwrap_or(0);
        self.scratch = vec![0.0; most];
    }
}

impl Optimizer for Shampoo {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if self.t == 0 {
            self.layout(oracle.blocks());
        }
        self.from.assign(x);
        oracle.gradient_into(x.view(), &mut self.g);
        let refresh = self.t.is_multiple_of(self.c.update_every.max(1) as u64);
        self.t += 1;
        let c = &self.c;
        // An average's bias correction, as Adam's second moment has (and as Anil et al.'s and
        // later implementations apply).
        let correction = if c.beta2 >= 1.0 {
            1.0
        } else {
            1.0 - c.beta2.powi(self.t.min(i32::MAX as u64) as i32)
        };
        if c.weight_decay > 0.0 {
            self.g.scaled_add(c.weight_decay, x);
        }
        let (Some(gs), Some(ps), Some(buf), Some(xs)) = (
            self.g.as_slice(),
            self.step.as_slice_mut(),
            self.buf.as_slice_mut(),
            x.as_slice_mut(),
        ) else {
            return Ok(());
        };
        for (k, b) in self.blocks.iter_mut().enumerate() {
            let (off, m, n) = (b.block.offset, b.block.rows, b.block.cols);
            let range = off..off + m * n;
            let g = &gs[range.clone()];
            match &mut b.right {
                None => {
                    // Full-matrix AdaGrad on a vector: the statistic of a len × 1 matrix.
                    b.left.accumulate(g, 1, false, c.beta2);
                    if refresh {
                        b.left.refresh(c.eps, correction);
                    }
                    b.left.apply(g, 1, false, &mut ps[range.clone()]);
                }
                Some(right) => {
                    b.left.accumulate(g, n, false, c.beta2);
                    right.accumulate(g, m, true, c.beta2);
                    if refresh {
                        let kappa = b.left.refresh(c.eps, correction);
                        right.refresh(c.eps, correction);
                        if k == 0 {
                            self.condition = kappa;
                        }
                    }
                    let scratch = &mut self.scratch[..m * n];
                    b.left.apply(g, n, false, scratch);
                    right.apply(scratch, m, true, &mut ps[range.clone()]);
                }
            }
            for i in range {
                buf[i] = c.momentum * buf[i] + ps[i];
                xs[i] -= c.lr * buf[i];
            }
        }
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    fn step_size(&self) -> Option<f64> {
        Some(self.c.lr)
    }

    fn diagnostics(&self, out: &mut [f64]) {
        out[0] = self.condition;
    }

    /// The step.
    fn overlay(&self, out: &mut Overlay) {
        if self.t == 0 {
            return;
        }
        super::zeroth_order::draw_step(&self.from, self.c.lr, &self.buf, out);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A root raised to 1/p gives back the inverse of stat + εI, for the full and the diagonal
    /// kinds.
    #[test]
    fn a_factors_root_inverts_its_statistic() {
        let (n, k) = (5, 7);
        let x: Vec<f64> = (0..n * k)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 3.0)
            .collect();
        for power in [0.25, 0.5] {
            let mut f = Factor::new(n, power);
            f.accumulate(&x, k, false, 1.0);
            f.accumulate(&x, k, false, 1.0);
            f.refresh(1e-3, 1.0);
            // root^(1/p) · (stat + εI) = I.
            let mut r = f.root.clone();
            for _ in 1..(1.0 / power).round() as usize {
                r = r.dot(&f.root);
            }
            let mut s = f.stat.clone();
            for i in 0..n {
                s[[i, i]] += 1e-3;
            }
            let id = r.dot(&s);
            for i in 0..n {
                for j in 0..n {
                    let want = f64::from(u8::from(i == j));
                    assert!((id[[i, j]] - want).abs() < 1e-8, "{power}: {id}");
                }
            }
        }
        // The transposed reading of Xᵀ accumulates the same XXᵀ.
        let xt: Vec<f64> = (0..n * k).map(|a| x[(a % n) * k + a / n]).collect();
        let (mut f, mut g) = (Factor::new(n, 0.25), Factor::new(n, 0.25));
        f.accumulate(&x, k, false, 0.9);
        g.accumulate(&xt, k, true, 0.9);
        assert_eq!(f.stat, g.stat);
    }

    /// Past [`FULL_SIDE`] a factor keeps the diagonal of the full one.
    #[test]
    fn a_long_side_keeps_the_diagonal() {
        let (n, k) = (FULL_SIDE + 1, 3);
        let x: Vec<f64> = (0..n * k).map(|i| (i % 13) as f64 - 6.0).collect();
        let mut f = Factor::new(n, 0.25);
        assert!(!f.full);
        f.accumulate(&x, k, false, 1.0);
        f.refresh(0.5, 1.0);
        for i in [0, 7, n - 1] {
            let s: f64 = (0..k).map(|j| x[i * k + j] * x[i * k + j]).sum();
            assert!((f.root[[i, 0]] - (s + 0.5).powf(-0.25)).abs() < 1e-15);
        }
    }
}
