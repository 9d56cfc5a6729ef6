//! The map from parameter space to the drawn plane. The engine owns it: landscape grids, step
//! records, overlays, minima and click-to-start all go through it, so the plane is defined in
//! one place.
//!
//! A point θ is drawn at ((θ − o)·u, (θ − o)·v) for orthonormal directions u, v and an origin o.
//! Directions that are not orthonormal (filter-normalized ones) draw θ at the coordinates (a, b)
//! of its least-squares projection o + a·u + b·v, so lifting still inverts projecting.
//! For a coordinate slice u and v are unit vectors eᵢ, eⱼ and o has zeros in coordinates i and
//! j, so the drawn coordinates are θᵢ and θⱼ themselves. To follow an iterate, the origin moves
//! only perpendicular to the plane: drawn coordinates of earlier points do not change.

use ndarray::{ArrayView1, ArrayView2};
use rand_distr::{Distribution as _, StandardNormal};

use crate::linalg::Vector;
use crate::scene::{Slice, SliceMode};

/// A 2-D plane through parameter space.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    origin: Vector,
    u: Vector,
    v: Vector,
    /// The coordinates on the axes of a coordinate slice.
    axes: Option<[usize; 2]>,
    /// For directions that are not orthonormal, the inverse of their Gram matrix.
    gram_inverse: Option<[[f64; 2]; 2]>,
    /// The axes' names, when the directions have their own (PC₁, the Hessian's eigenvectors).
    names: Option<[String; 2]>,
}

impl Projection {
    /// The plane `slice` describes, through `through` (a point of the problem's dimension).
    /// For d ≤ 2 it is always the identity (the landscape is the whole problem).
    pub fn new(slice: &Slice, through: &[f64], seed: u64) -> Self {
        let dim = through.len();
        if dim <= 2 || slice.mode == SliceMode::Coordinates {
            let axes = if dim <= 2 { [0, 1] } else { slice.axes };
            return Self::coordinates(through, axes);
        }
        let mut rng = crate::engine::run::stream(seed ^ slice.directions_seed, usize::MAX, 9);
        let mut gaussian = || Vector::from_shape_fn(dim, |_| StandardNormal.sample(&mut rng));
        let mut u = gaussian();
        u /= u.dot(&u).sqrt();
        let mut v = gaussian();
        let along = v.dot(&u);
        v.scaled_add(-along, &u);
        v /= v.dot(&v).sqrt();
        Self {
            origin: Vector::from(through.to_vec()),
            u,
            v,
            axes: None,
            gram_inverse: None,
            names: None,
        }
    }

    /// The plane through `through` along `u` and `v` (which must be independent), with the
    /// axes named `names`. Orthonormal directions are drawn as they are; others by the
    /// coordinates of the least-squares projection.
    pub fn along(through: &[f64], u: Vector, v: Vector, names: [String; 2]) -> Self {
        let (uu, uv, vv) = (u.dot(&u), u.dot(&v), v.dot(&v));
        let orthonormal = (uu - 1.0).abs() < 1e-12 && (vv - 1.0).abs() < 1e-12 && uv.abs() < 1e-12;
        let det = uu * vv - uv * uv;
        let gram_inverse = (!orthonormal).then(|| {
            let d = if det > 0.0 { det } else { f64::MIN_POSITIVE };
            [[vv / d, -uv / d], [-uv / d, uu / d]]
        });
        Self {
            origin: Vector::from(through.to_vec()),
            u,
            v,
            axes: None,
            gram_inverse,
            names: Some(names),
        }
    }

    /// Names the axes.
    pub fn rename(&mut self, names: [String; 2]) {
        self.names = Some(names);
    }

    /// The directions (u, v).
    pub fn directions(&self) -> (&Vector, &Vector) {
        (&self.u, &self.v)
    }

    /// The point the plane's coordinates are measured from.
    pub fn origin(&self) -> &Vector {
        &self.origin
    }

    fn solve(&self, [a, b]: [f64; 2]) -> [f64; 2] {
        match self.gram_inverse {
            None => [a, b],
            Some(m) => [m[0][0] * a + m[0][1] * b, m[1][0] * a + m[1][1] * b],
        }
    }

    /// The plane of coordinates `axes` through `through`. In one dimension the second axis is
    /// flat (every point is drawn at height 0).
    fn coordinates(through: &[f64], axes: [usize; 2]) -> Self {
        let dim = through.len();
        let unit =
            |k: usize| Vector::from_shape_fn(dim, |i| if i == k && k < dim { 1.0 } else { 0.0 });
        let mut origin = Vector::from(through.to_vec());
        let (u, v) = if dim == 1 {
            (unit(0), Vector::zeros(1))
        } else {
            (unit(axes[0]), unit(axes[1]))
        };
        for k in axes {
            if k < dim {
                origin[k] = 0.0;
            }
        }
        Self {
            origin,
            u,
            v,
            axes: (dim >= 2).then_some(axes),
            gram_inverse: None,
            names: None,
        }
    }

    /// The dimension of parameter space.
    pub fn dim(&self) -> usize {
        self.origin.len()
    }

    /// Whether the plane is spanned by coordinate axes (then drawn values are coordinates).
    pub fn axes(&self) -> Option<[usize; 2]> {
        self.axes
    }

    /// Where θ is drawn.
    pub fn project(&self, x: ArrayView1<'_, f64>) -> [f64; 2] {
        if let Some([i, j]) = self.axes {
            return [x[i], x[j]];
        }
        let (mut a, mut b) = (0.0, 0.0);
        for k in 0..x.len() {
            let r = x[k] - self.origin[k];
            a += r * self.u[k];
            b += r * self.v[k];
        }
        self.solve([a, b])
    }

    /// The plane's part of a direction (a gradient, a step): (d·u, d·v).
    pub fn project_direction(&self, d: ArrayView1<'_, f64>) -> [f64; 2] {
        if let Some([i, j]) = self.axes {
            return [d[i], d[j]];
        }
        self.solve([d.dot(&self.u), d.dot(&self.v)])
    }

    /// The plane's part of a quadratic form M: [[uᵀMu, uᵀMv], [vᵀMu, vᵀMv]].
    pub fn project_form(&self, m: ArrayView2<'_, f64>) -> [[f64; 2]; 2] {
        if let Some([i, j]) = self.axes {
            return [[m[[i, i]], m[[i, j]]], [m[[j, i]], m[[j, j]]]];
        }
        let mu = m.dot(&self.u);
        let mv = m.dot(&self.v);
        [
            [self.u.dot(&mu), self.u.dot(&mv)],
            [self.v.dot(&mu), self.v.dot(&mv)],
        ]
    }

    /// Writes the point of the plane drawn at `xy` into `out`.
    pub fn lift_into(&self, xy: [f64; 2], out: &mut Vector) {
        out.assign(&self.origin);
        if let Some([i, j]) = self.axes {
            out[i] = xy[0];
            out[j] = xy[1];
            return;
        }
        out.scaled_add(xy[0], &self.u);
        out.scaled_add(xy[1], &self.v);
    }

    /// The point of the plane drawn at `xy`.
    pub fn lift(&self, xy: [f64; 2]) -> Vector {
        let mut out = Vector::zeros(self.dim());
        self.lift_into(xy, &mut out);
        out
    }

    /// The distance from θ to the plane.
    pub fn off_plane(&self, x: ArrayView1<'_, f64>) -> f64 {
        let [a, b] = self.project(x);
        let mut s = 0.0;
        for k in 0..x.len() {
            let r = x[k] - self.origin[k] - a * self.u[k] - b * self.v[k];
            s += r * r;
        }
        s.sqrt()
    }

    /// Moves the plane, parallel to itself, so that it passes through θ.
    pub fn move_through(&mut self, x: ArrayView1<'_, f64>) {
        let [a, b] = self.project(x);
        let mut next = x.to_owned();
        next.scaled_add(-a, &self.u);
        next.scaled_add(-b, &self.v);
        self.origin = next;
    }

    /// The axis labels: the coordinates' names, or the directions'.
    pub fn axis_names(&self) -> [String; 2] {
        if let Some(names) = &self.names {
            return names.clone();
        }
        match self.axes {
            _ if self.dim() <= 2 => ["x".into(), "y".into()],
            Some([i, j]) => [subscript("x", i), subscript("x", j)],
            None => ["α (along d₁)".into(), "β (along d₂)".into()],
        }
    }
}

/// `x` with `k` written as subscript digits, for example x₁₂.
fn subscript(name: &str, k: usize) -> String {
    const DIGITS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    let digits: String = k
        .to_string()
        .chars()
        .filter_map(|c| c.to_digit(10).map(|d| DIGITS[d as usize]))
        .collect();
    format!("{name}{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn random(dim: usize) -> Projection {
        let through: Vec<f64> = (0..dim).map(|k| 0.1 * k as f64 - 0.3).collect();
        Projection::new(
            &Slice {
                mode: SliceMode::Random,
                directions_seed: 4,
                ..Slice::default()
            },
            &through,
            7,
        )
    }

    #[test]
    fn two_dimensional_problems_are_drawn_as_they_are() {
        let p = Projection::new(&Slice::default(), &[0.5, -1.0], 0);
        assert_eq!(p.project(array![1.5, 2.0].view()), [1.5, 2.0]);
        assert_eq!(p.lift([3.0, -4.0]).to_vec(), vec![3.0, -4.0]);
        assert_eq!(p.off_plane(array![1.0, 1.0].view()), 0.0);
        assert_eq!(p.axis_names(), ["x".to_owned(), "y".to_owned()]);
    }

    #[test]
    fn coordinate_slices_draw_the_chosen_coordinates_through_the_point() {
        let slice = Slice {
            axes: [3, 1],
            ..Slice::default()
        };
        let p = Projection::new(&slice, &[1.0, 2.0, 3.0, 4.0], 0);
        let x = array![9.0, 8.0, 7.0, 6.0];
        assert_eq!(p.project(x.view()), [6.0, 8.0]);
        // Lifting keeps the other coordinates of the point the slice passes through.
        assert_eq!(p.lift([0.5, 0.25]).to_vec(), vec![1.0, 0.25, 3.0, 0.5]);
        let off = ((9.0f64 - 1.0).powi(2) + (7.0f64 - 3.0).powi(2)).sqrt();
        assert!((p.off_plane(x.view()) - off).abs() < 1e-12);
        assert_eq!(p.axis_names()[0], "x₃");
    }

    #[test]
    fn random_directions_are_orthonormal_and_lifting_inverts_projecting() {
        let p = random(7);
        assert!((p.u.dot(&p.u) - 1.0).abs() < 1e-12);
        assert!((p.v.dot(&p.v) - 1.0).abs() < 1e-12);
        assert!(p.u.dot(&p.v).abs() < 1e-12);
        let xy = [0.7, -1.3];
        let x = p.lift(xy);
        let back = p.project(x.view());
        assert!((back[0] - xy[0]).abs() < 1e-12 && (back[1] - xy[1]).abs() < 1e-12);
        assert!(p.off_plane(x.view()) < 1e-12);
        assert_eq!(random(7), p, "the directions are seeded");
    }

    #[test]
    fn following_a_point_keeps_the_drawn_coordinates_of_every_other_point() {
        for mut p in [
            random(5),
            Projection::new(
                &Slice {
                    axes: [0, 2],
                    ..Slice::default()
                },
                &[0.0; 5],
                0,
            ),
        ] {
            let old = array![0.3, -0.2, 1.1, 0.4, -0.9];
            let before = p.project(old.view());
            let followed = array![1.0, 2.0, -1.0, 0.5, 0.25];
            p.move_through(followed.view());
            assert!(p.off_plane(followed.view()) < 1e-12);
            let after = p.project(old.view());
            assert!((before[0] - after[0]).abs() < 1e-12 && (before[1] - after[1]).abs() < 1e-12);
        }
    }

    #[test]
    fn forms_and_directions_project_onto_the_plane() {
        let p = random(3);
        let m = array![[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 4.0]];
        let f = p.project_form(m.view());
        let uu = p.u.dot(&m.dot(&p.u));
        assert!((f[0][0] - uu).abs() < 1e-12);
        assert!((f[0][1] - f[1][0]).abs() < 1e-12);
        let d = array![1.0, -2.0, 0.5];
        let pd = p.project_direction(d.view());
        assert!((pd[0] - d.dot(&p.u)).abs() < 1e-12);
    }
}
