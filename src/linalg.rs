//! Small dense linear algebra: the vector and matrix types every compute module shares, and the
//! factorisations the curvature methods and the problem checks need (dimensions are small here).

use ndarray::{Array1, Array2};

/// A point in parameter space, or a direction.
pub type Vector = Array1<f64>;
/// A dense matrix, for Hessians and curvature estimates.
pub type Matrix = Array2<f64>;

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

/// Factorises a symmetric matrix as `L Lᵀ` in place: on success the lower triangle of `a` holds
/// `L` (the strict upper triangle is left as it was). Returns `false`, with `a` partly
/// overwritten, when `a` is not positive definite (or holds a NaN).
pub fn cholesky_in_place(a: &mut Matrix) -> bool {
    let n = a.nrows();
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= a[[j, k]] * a[[j, k]];
        }
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let d = d.sqrt();
        a[[j, j]] = d;
        for i in j + 1..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= a[[i, k]] * a[[j, k]];
            }
            a[[i, j]] = s / d;
        }
    }
    true
}

/// Diagonalises a symmetric matrix in place by cyclic Jacobi rotations: on return the diagonal
/// of `a` holds the eigenvalues and the columns of `v` the unit eigenvectors (unsorted), so that
/// A = V diag(a) Vᵀ. Converges quadratically; stops when the off-diagonal part is below rounding
/// (at most 64 sweeps). Allocates nothing.
///
/// Reference: Golub & Van Loan (2013), *Matrix Computations*, 4th ed., §8.5 (Algorithm 8.5.3).
pub fn symmetric_eigen_in_place(a: &mut Matrix, v: &mut Matrix) {
    let n = a.nrows();
    v.fill(0.0);
    v.diag_mut().fill(1.0);
    for _ in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[[i, j]] * a[[i, j]])
            .sum();
        let scale: f64 = a.iter().map(|x| x * x).sum();
        if off <= f64::EPSILON * f64::EPSILON * scale || off == 0.0 {
            return;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.5.1).
                let tau = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let t = tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt());
                let t = if tau == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[[k, p]], a[[k, q]]);
                    a[[k, p]] = c * akp - s * akq;
                    a[[k, q]] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[[p, k]], a[[q, k]]);
                    a[[p, k]] = c * apk - s * aqk;
                    a[[q, k]] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
}

/// Solves `L Lᵀ x = b` in place (b becomes x), with L the lower triangle that
/// [`cholesky_in_place`] left in `l`: forward, then back substitution.
pub fn cholesky_solve_in_place<S: ndarray::DataMut<Elem = f64>>(
    l: &Matrix,
    b: &mut ndarray::ArrayBase<S, ndarray::Ix1>,
) {
    let n = b.len();
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[[i, k]] * b[k];
        }
        b[i] = s / l[[i, i]];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[[k, i]] * b[k];
        }
        b[i] = s / l[[i, i]];
    }
}

/// The eigen-decomposition of a symmetric 2 × 2 matrix `[[a, b], [b, c]]`: the eigenvalues in
/// increasing order and their unit eigenvectors (as the columns' pairs `[x, y]`).
pub fn symmetric_eigen_2x2(m: [[f64; 2]; 2]) -> ([f64; 2], [[f64; 2]; 2]) {
    let (a, b, c) = (m[0][0], 0.5 * (m[0][1] + m[1][0]), m[1][1]);
    let mean = 0.5 * (a + c);
    let radius = (0.25 * (a - c) * (a - c) + b * b).sqrt();
    let (lo, hi) = (mean - radius, mean + radius);
    // The eigenvector of the larger eigenvalue, from whichever row is better conditioned.
    let v_hi = if b == 0.0 {
        if a >= c { [1.0, 0.0] } else { [0.0, 1.0] }
    } else if (hi - a).abs() > (hi - c).abs() {
        [b, hi - a]
    } else {
        [hi - c, b]
    };
    let n = (v_hi[0] * v_hi[0] + v_hi[1] * v_hi[1]).sqrt();
    let v_hi = [v_hi[0] / n, v_hi[1] / n];
    let v_lo = [-v_hi[1], v_hi[0]];
    ([lo, hi], [v_lo, v_hi])
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

    #[test]
    fn cholesky_factorises_positive_definite_matrices_only() {
        let a0 = array![[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]];
        let mut a = a0.clone();
        assert!(cholesky_in_place(&mut a));
        let mut l = a.clone();
        for i in 0..3 {
            for j in i + 1..3 {
                l[[i, j]] = 0.0;
            }
        }
        let back = l.dot(&l.t());
        for (x, y) in back.iter().zip(&a0) {
            assert!((x - y).abs() < 1e-13, "{back}");
        }
        let x_true = array![1.0, -2.0, 0.5];
        let mut b = a0.dot(&x_true);
        cholesky_solve_in_place(&a, &mut b);
        for (x, t) in b.iter().zip(&x_true) {
            assert!((x - t).abs() < 1e-14, "{b}");
        }
        assert!(!cholesky_in_place(&mut array![[1.0, 2.0], [2.0, 1.0]]));
        assert!(!cholesky_in_place(&mut array![[f64::NAN]]));
    }

    #[test]
    fn jacobi_diagonalises_symmetric_matrices() {
        let a0 = array![
            [4.0, 1.0, -2.0, 0.5],
            [1.0, -3.0, 0.0, 2.0],
            [-2.0, 0.0, 1.0, 1.0],
            [0.5, 2.0, 1.0, 0.0]
        ];
        let mut a = a0.clone();
        let mut v = Matrix::zeros((4, 4));
        symmetric_eigen_in_place(&mut a, &mut v);
        for k in 0..4 {
            let av = a0.dot(&v.column(k));
            for i in 0..4 {
                assert!((av[i] - a[[k, k]] * v[[i, k]]).abs() < 1e-12, "{a}");
            }
        }
        let vtv = v.t().dot(&v);
        for i in 0..4 {
            for j in 0..4 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((vtv[[i, j]] - want).abs() < 1e-13);
            }
        }
        // The trace is the sum of the eigenvalues.
        let sum: f64 = (0..4).map(|k| a[[k, k]]).sum();
        assert!((sum - 2.0).abs() < 1e-12);
    }

    #[test]
    fn eigen_2x2_diagonalises() {
        for m in [
            [[3.0, 1.0], [1.0, -2.0]],
            [[1.0, 0.0], [0.0, 5.0]],
            [[2.0, 0.0], [0.0, 2.0]],
            [[0.0, 1e-9], [1e-9, 0.0]],
        ] {
            let (l, v) = symmetric_eigen_2x2(m);
            assert!(l[0] <= l[1]);
            for k in 0..2 {
                let mv = [
                    m[0][0] * v[k][0] + m[0][1] * v[k][1],
                    m[1][0] * v[k][0] + m[1][1] * v[k][1],
                ];
                for c in 0..2 {
                    assert!((mv[c] - l[k] * v[k][c]).abs() < 1e-12, "{m:?}: {l:?} {v:?}");
                }
            }
            let dot = v[0][0] * v[1][0] + v[0][1] * v[1][1];
            assert!(dot.abs() < 1e-12);
        }
    }
}
