//! The directions of a fitted plane through a d-dimensional problem: filter-normalized random
//! directions, the principal directions of a path, and the Hessian's leading eigenvectors.
//!
//! References: Li, Xu, Taylor, Studer & Goldstein (2018), "Visualizing the loss landscape of
//! neural nets" (filter normalization, §4, and the PCA plane of a trajectory, §7); the
//! Hessian's eigenvectors by subspace iteration with Rayleigh–Ritz (Golub & Van Loan, 2013,
//! §8.2.4) on exact Hessian-vector products.

use rand_distr::{Distribution as _, StandardNormal};

use super::Projection;
use crate::linalg::{Matrix, Vector, symmetric_eigen_in_place};
use crate::problem::Objective;

/// Most path points a PCA plane is fitted to (evenly spaced along the path, the last always
/// among them).
pub const PCA_POINTS: usize = 96;

/// Subspace iterations for the Hessian's eigenvectors.
const HESSIAN_ITERATIONS: usize = 40;

/// Two Gaussian directions, each unit's incoming weights rescaled to the norm of that unit's
/// weights at `through`, and zero on biases (Li et al. 2018, §4). A problem without weight
/// matrices gets two Gaussian directions scaled to ‖through‖ (or unit ones at the origin).
pub fn filter_normalized(objective: &dyn Objective, through: &[f64], seed: u64) -> Projection {
    let dim = through.len();
    let mut rng = super::run::stream(seed, usize::MAX, 10);
    let mut gaussian = || Vector::from_shape_fn(dim, |_| StandardNormal.sample(&mut rng));
    let (mut u, mut v) = (gaussian(), gaussian());
    let blocks = objective.blocks();
    let weights: Vec<_> = blocks.iter().filter(|b| !b.bias).collect();
    if weights.is_empty() {
        let norm = through.iter().map(|t| t * t).sum::<f64>().sqrt();
        for d in [&mut u, &mut v] {
            let scale = if norm > 0.0 { norm } else { 1.0 } / d.dot(d).sqrt();
            *d *= scale;
        }
    } else {
        let mut keep = vec![false; dim];
        for b in &weights {
            for d in [&mut u, &mut v] {
                normalize_filters(d, through, b.offset, b.rows, b.cols);
            }
            keep[b.offset..b.offset + b.rows * b.cols].fill(true);
        }
        for (k, keep) in keep.iter().enumerate() {
            if !keep {
                u[k] = 0.0;
                v[k] = 0.0;
            }
        }
    }
    Projection::along(
        through,
        u,
        v,
        [
            "α (filter-normalized d₁)".into(),
            "β (filter-normalized d₂)".into(),
        ],
    )
}

/// Rescales the columns (one unit's incoming weights, in a [fan_in][fan_out] row-major block)
/// of `d` to the norms of the same columns of `theta`.
fn normalize_filters(d: &mut Vector, theta: &[f64], offset: usize, rows: usize, cols: usize) {
    for j in 0..cols {
        let at = |i: usize| offset + i * cols + j;
        let (mut dn, mut tn) = (0.0, 0.0);
        for i in 0..rows {
            dn += d[at(i)] * d[at(i)];
            tn += theta[at(i)] * theta[at(i)];
        }
        let scale = if dn > 0.0 { (tn / dn).sqrt() } else { 0.0 };
        for i in 0..rows {
            d[at(i)] *= scale;
        }
    }
}

/// The plane through `through` along the top two principal directions of `path` (points in
/// order), with the share of the path's variance each explains in its axis name. `None` when
/// the path spans fewer than two directions. The signs follow `previous` (a refit does not flip
/// the picture).
pub fn pca(path: &[&[f64]], through: &[f64], previous: Option<&Projection>) -> Option<Projection> {
    let dim = through.len();
    let n = path.len();
    if n < 3 || dim < 3 {
        return None;
    }
    let mut mean = Vector::zeros(dim);
    for p in path {
        mean += &ndarray::ArrayView1::from(*p);
    }
    mean /= n as f64;
    let centred: Vec<Vector> = path
        .iter()
        .map(|p| &ndarray::ArrayView1::from(*p) - &mean)
        .collect();
    let mut gram = Matrix::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let g = centred[i].dot(&centred[j]);
            gram[[i, j]] = g;
            gram[[j, i]] = g;
        }
    }
    let mut vectors = Matrix::zeros((n, n));
    symmetric_eigen_in_place(&mut gram, &mut vectors);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| gram[[b, b]].total_cmp(&gram[[a, a]]));
    let total: f64 = (0..n).map(|k| gram[[k, k]].max(0.0)).sum();
    let (l1, l2) = (gram[[order[0], order[0]]], gram[[order[1], order[1]]]);
    if !(total > 0.0 && l2 > 1e-12 * l1) {
        return None;
    }
    let direction = |k: usize| {
        let mut d = Vector::zeros(dim);
        for (i, c) in centred.iter().enumerate() {
            d.scaled_add(vectors[[i, k]], c);
        }
        d
    };
    let mut u = direction(order[0]);
    u /= u.dot(&u).sqrt();
    let mut v = direction(order[1]);
    let along = v.dot(&u);
    v.scaled_add(-along, &u);
    v /= v.dot(&v).sqrt();
    let (u, v) = follow_signs(u, v, previous);
    let share = |l: f64| 100.0 * l / total;
    Some(Projection::along(
        through,
        u,
        v,
        [
            format!("PC₁ ({:.0}% of the path's variance)", share(l1)),
            format!("PC₂ ({:.1}%)", share(l2)),
        ],
    ))
}

/// The plane through `through` along the two eigenvectors of ∇²f(through) with the largest
/// |λ|, by subspace iteration on Hessian-vector products, started from `previous`'s directions
/// when there are some (a refit then converges in a few products) or else from seeded Gaussian
/// ones. The axis names give the eigenvalues.
pub fn hessian(
    objective: &dyn Objective,
    through: &[f64],
    previous: Option<&Projection>,
    seed: u64,
) -> Projection {
    let dim = through.len();
    let x = ndarray::ArrayView1::from(through);
    let (mut u, mut v) = match previous {
        Some(p) if p.dim() == dim => (p.directions().0.clone(), p.directions().1.clone()),
        _ => {
            let mut rng = super::run::stream(seed, usize::MAX, 11);
            let mut gaussian = || Vector::from_shape_fn(dim, |_| StandardNormal.sample(&mut rng));
            (gaussian(), gaussian())
        }
    };
    let (mut hu, mut hv) = (Vector::zeros(dim), Vector::zeros(dim));
    let mut lambda = [0.0, 0.0];
    for _ in 0..HESSIAN_ITERATIONS {
        orthonormalize(&mut u, &mut v);
        objective.hvp_into(x, u.view(), hu.view_mut());
        objective.hvp_into(x, v.view(), hv.view_mut());
        // Rayleigh–Ritz on span{u, v}: the 2×2 form and its eigenvectors rotate (Hu, Hv).
        let form = [[u.dot(&hu), u.dot(&hv)], [v.dot(&hu), v.dot(&hv)]];
        let (values, vecs) = crate::linalg::symmetric_eigen_2x2(form);
        let mut pairs = [(values[0], 0usize), (values[1], 1usize)];
        pairs.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        lambda = [pairs[0].0, pairs[1].0];
        let col = |k: usize| [vecs[0][k], vecs[1][k]];
        let (a, b) = (col(pairs[0].1), col(pairs[1].1));
        let nu = &hu * a[0] + &hv * a[1];
        let nv = &hu * b[0] + &hv * b[1];
        if !(nu.iter().all(|z| z.is_finite()) && nv.iter().all(|z| z.is_finite())) {
            break;
        }
        if nu.dot(&nu) == 0.0 || nv.dot(&nv) == 0.0 {
            break;
        }
        u = nu;
        v = nv;
    }
    orthonormalize(&mut u, &mut v);
    let (u, v) = follow_signs(u, v, previous);
    Projection::along(
        through,
        u,
        v,
        [
            format!("Hessian eigenvector 1 (λ = {})", short(lambda[0])),
            format!("eigenvector 2 (λ = {})", short(lambda[1])),
        ],
    )
}

fn short(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e4 || x.abs() < 1e-2) {
        format!("{x:.2e}")
    } else {
        format!("{x:.3}")
    }
}

/// Gram–Schmidt on (u, v); a degenerate v is replaced by a coordinate direction.
fn orthonormalize(u: &mut Vector, v: &mut Vector) {
    let n = u.dot(u).sqrt();
    if n > 0.0 && n.is_finite() {
        *u /= n;
    } else {
        u.fill(0.0);
        u[0] = 1.0;
    }
    for attempt in 0..=u.len() {
        let along = v.dot(u);
        v.scaled_add(-along, u);
        let m = v.dot(v).sqrt();
        if m > 1e-12 && m.is_finite() {
            *v /= m;
            return;
        }
        v.fill(0.0);
        v[attempt % u.len()] = 1.0;
    }
}

/// Flips u and v to point the way `previous`'s did.
fn follow_signs(mut u: Vector, mut v: Vector, previous: Option<&Projection>) -> (Vector, Vector) {
    if let Some(p) = previous.filter(|p| p.dim() == u.len()) {
        let (pu, pv) = p.directions();
        if u.dot(pu) < 0.0 {
            u *= -1.0;
        }
        if v.dot(pv) < 0.0 {
            v *= -1.0;
        }
    }
    (u, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    fn net() -> (Box<dyn Objective>, Vec<f64>) {
        let p: Problem =
            crate::spec::parse("mlp:data=xor,n=64,hidden=5x4", "problem", Problem::keys()).unwrap();
        let start = p.seeded_start(3);
        (p.build(), start)
    }

    #[test]
    fn filter_normalized_directions_match_each_units_weights_and_leave_biases() {
        let (objective, theta) = net();
        let p = filter_normalized(objective.as_ref(), &theta, 5);
        let (u, v) = p.directions();
        for b in objective.blocks() {
            for j in 0..b.cols {
                let norm = |z: &[f64]| {
                    (0..b.rows)
                        .map(|i| z[b.offset + i * b.cols + j].powi(2))
                        .sum::<f64>()
                        .sqrt()
                };
                let (t, du, dv) = (
                    norm(&theta),
                    norm(u.as_slice().unwrap()),
                    norm(v.as_slice().unwrap()),
                );
                if b.bias {
                    assert_eq!((du, dv), (0.0, 0.0), "a bias moves along no direction");
                } else {
                    assert!((du - t).abs() < 1e-12 * t.max(1.0), "{du} vs {t}");
                    assert!((dv - t).abs() < 1e-12 * t.max(1.0));
                }
            }
        }
        // The drawn coordinates are the directions' own: lifting (α, β) and projecting back
        // gives (α, β), though the directions are neither unit nor orthogonal.
        let x = p.lift([0.3, -0.7]);
        let back = p.project(x.view());
        assert!((back[0] - 0.3).abs() < 1e-10 && (back[1] + 0.7).abs() < 1e-10);
        assert!(p.off_plane(x.view()) < 1e-9);
        assert_eq!(p.project(ndarray::ArrayView1::from(&theta)), [0.0, 0.0]);
    }

    #[test]
    fn the_pca_plane_holds_a_path_that_lies_in_a_plane() {
        // A path in the plane of e₁ + e₂ and e₃, with most of its spread along the first.
        let dim = 6;
        let path: Vec<Vec<f64>> = (0..40)
            .map(|t| {
                let s = t as f64 / 39.0;
                let mut p = vec![0.5; dim];
                p[0] += 3.0 * s;
                p[1] += 3.0 * s;
                p[2] += 0.5 * (std::f64::consts::TAU * s).cos();
                p
            })
            .collect();
        let refs: Vec<&[f64]> = path.iter().map(Vec::as_slice).collect();
        let last = path.last().unwrap();
        let p = pca(&refs, last, None).expect("the path spans two directions");
        for q in &path {
            assert!(p.off_plane(ndarray::ArrayView1::from(q)) < 1e-9);
        }
        let (u, _) = p.directions();
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!(
            (u[0].abs() - r).abs() < 0.05 && (u[1].abs() - r).abs() < 0.05,
            "{u}"
        );
        let flipped = Projection::along(last, -u.clone(), p.directions().1.clone(), p.axis_names());
        let again = pca(&refs, last, Some(&flipped)).unwrap();
        assert!(
            again.directions().0.dot(u) < 0.0,
            "a refit keeps the previous signs"
        );
        assert!(pca(&refs[..2], last, None).is_none());
    }

    #[test]
    fn the_hessian_plane_is_spanned_by_the_two_largest_eigenvectors() {
        let (objective, theta) = net();
        let x = ndarray::ArrayView1::from(&theta);
        let h = objective.hessian(x);
        let mut a = h.clone();
        let mut vecs = Matrix::zeros(h.raw_dim());
        symmetric_eigen_in_place(&mut a, &mut vecs);
        let n = h.nrows();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| a[[j, j]].abs().total_cmp(&a[[i, i]].abs()));
        let p = hessian(objective.as_ref(), &theta, None, 1);
        let (u, v) = p.directions();
        // Each found direction lies in the span of the top two eigenvectors.
        for d in [u, v] {
            let inside: f64 = order[..2]
                .iter()
                .map(|&k| d.dot(&vecs.column(k)).powi(2))
                .sum();
            assert!(inside > 0.999, "share in the top eigenspace {inside}");
        }
        assert!(p.axis_names()[0].contains(&short(a[[order[0], order[0]]])));
    }
}
