//! Small dense linear algebra for curvature methods (dimensions are small here).

use crate::problem::{Matrix, Vector};

/// Solves `a · x = b` in place by Gaussian elimination with partial pivoting; on return `b`
/// holds `x` and `a` is overwritten. Returns `false` when `a` is singular to working precision.
pub fn solve_in_place(a: &mut Matrix, b: &mut Vector) -> bool {
    let n = b.len();
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return false;
    }
    let tiny = scale * f64::EPSILON * n as f64;
    for k in 0..n {
        let (mut p, mut best) = (k, a[[k, k]].abs());
        for i in k + 1..n {
            if a[[i, k]].abs() > best {
                (p, best) = (i, a[[i, k]].abs());
            }
        }
        if best <= tiny {
            return false;
        }
        if p != k {
            for j in 0..n {
                a.swap([k, j], [p, j]);
            }
            b.swap(k, p);
        }
        for i in k + 1..n {
            let factor = a[[i, k]] / a[[k, k]];
            if factor != 0.0 {
                for j in k..n {
                    a[[i, j]] -= factor * a[[k, j]];
                }
                b[i] -= factor * b[k];
            }
        }
    }
    for k in (0..n).rev() {
        let mut s = b[k];
        for j in k + 1..n {
            s -= a[[k, j]] * b[j];
        }
        b[k] = s / a[[k, k]];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn solves_a_pivoting_system() {
        let mut a = array![[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]];
        let a0 = a.clone();
        let x_true = array![1.0, -2.0, 0.5];
        let mut b = a0.dot(&x_true);
        assert!(solve_in_place(&mut a, &mut b));
        for (x, t) in b.iter().zip(&x_true) {
            assert!((x - t).abs() < 1e-14, "{b}");
        }
    }

    #[test]
    fn reports_singular_matrices() {
        let mut a = array![[1.0, 2.0], [2.0, 4.0]];
        let mut b = array![1.0, 1.0];
        assert!(!solve_in_place(&mut a, &mut b));
        let mut z = Matrix::zeros((2, 2));
        assert!(!solve_in_place(&mut z, &mut b));
    }
}
