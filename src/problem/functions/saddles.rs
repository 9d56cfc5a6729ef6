//! Saddles and wells: the landscapes of the saddle-escape and flat-minima scenes.

use super::*;

/// A strict saddle at the origin stabilised by a quartic term.
///
/// f(x, y) = ½(x² − y²) + ¼y⁴. The origin is a saddle with Hessian diag(1, −1); the minima are
/// (0, ±1) with f = −¼.
///
/// Reference: the strict-saddle setting of R. Ge, F. Huang, C. Jin and Y. Yuan, "Escaping from
/// saddle points — online stochastic gradient for tensor decomposition", COLT 2015; compare
/// Y. Dauphin et al., "Identifying and attacking the saddle point problem in high-dimensional
/// non-convex optimization", NeurIPS 2014.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Saddle;

impl Saddle {
    /// Creates the saddle function.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for Saddle {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let q2 = q * q;
        0.5 * (p * p - q2) + 0.25 * q2 * q2
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        g[0] = p;
        g[1] = -q + q * q * q;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let q = x[1];
        write_hessian_2d(h, 1.0, 0.0, -1.0 + 3.0 * q * q);
    }

    hvp_via_2x2_hessian!();

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        vec![
            Minimum {
                x: vec![0.0, 1.0],
                f: -0.25,
            },
            Minimum {
                x: vec![0.0, -1.0],
                f: -0.25,
            },
        ]
    }
}

/// The monkey saddle.
///
/// f(x, y) = x³ − 3xy², a degenerate saddle at the origin (zero gradient and zero Hessian) with
/// three descending valleys; it is unbounded below and has no minima.
///
/// Reference: D. Hilbert and S. Cohn-Vossen, *Geometry and the Imagination*, Chelsea, 1952,
/// §29 (the monkey saddle).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MonkeySaddle;

impl MonkeySaddle {
    /// Creates the monkey saddle.
    pub fn new() -> Self {
        Self
    }
}

impl Objective for MonkeySaddle {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        p * p * p - 3.0 * p * q * q
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        g[0] = 3.0 * p * p - 3.0 * q * q;
        g[1] = -6.0 * p * q;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        write_hessian_2d(h, 6.0 * p, -6.0 * q, -6.0 * p);
    }

    hvp_via_2x2_hessian!();

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        Vec::new()
    }
}

/// A double well, tilted by a linear term.
///
/// f(x, y) = (x² − 1)² + ½y² + t·x. At t = 0 its minima are (±1, 0), f = 0, separated by a
/// saddle at the origin with f = 1; a tilt t > 0 deepens the left well and raises the right
/// one (f ≈ ∓t), until at |t| = 8/(3√3) ≈ 1.54 the shallower well disappears.
///
/// Reference: the quartic double-well potential of Landau theory, with the linear term of an
/// applied field; see e.g. P. M. Chaikin and T. C. Lubensky, *Principles of Condensed Matter
/// Physics*, Cambridge University Press, 1995, ch. 4.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DoubleWell {
    tilt: f64,
}

impl DoubleWell {
    /// The symmetric double well (no tilt).
    pub fn new() -> Self {
        Self::tilted(0.0)
    }

    /// The double well with tilt t.
    pub fn tilted(tilt: f64) -> Self {
        Self { tilt }
    }
}

impl Objective for DoubleWell {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        let (p, q) = (x[0], x[1]);
        let u = p * p - 1.0;
        u * u + 0.5 * q * q + self.tilt * p
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        let (p, q) = (x[0], x[1]);
        g[0] = 4.0 * p * (p * p - 1.0) + self.tilt;
        g[1] = q;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        let p = x[0];
        write_hessian_2d(h, 12.0 * p * p - 4.0, 0.0, 1.0);
    }

    hvp_via_2x2_hessian!();

    fn bounds(&self) -> ViewBounds {
        view((-2.0, 2.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        // The roots of 4x³ − 4x + t = 0 with positive curvature 12x² − 4, by Newton's method
        // from each untilted minimum; a well the tilt has removed converges to the other root
        // (or to none with positive curvature) and is dropped.
        let mut out: Vec<Minimum> = Vec::new();
        for from in [-1.0, 1.0] {
            let mut p: f64 = from;
            for _ in 0..100 {
                let step = (4.0 * p * (p * p - 1.0) + self.tilt) / (12.0 * p * p - 4.0);
                p -= step;
                if step.abs() < 1e-15 {
                    break;
                }
            }
            let fresh = out.iter().all(|m| (m.x[0] - p).abs() > 1e-9);
            if p.signum() == from && 12.0 * p * p > 4.0 && fresh {
                let f = (p * p - 1.0).powi(2) + self.tilt * p;
                out.push(Minimum { x: vec![p, 0.0], f });
            }
        }
        out
    }
}

/// Two Gaussian wells of equal depth, one sharp and one flat.
///
/// f(p) = −exp(−‖p − c₁‖² / (2s₁²)) − exp(−‖p − c₂‖² / (2s₂²)), with the sharp well at
/// c₁ = (−1, 0) of width s₁ = `sharp_width` (default 0.15) and the flat well at c₂ = (1.2, 0)
/// of width s₂ = `flat_width` (default 0.7).
///
/// Each well's minimum is shifted slightly towards the other well by the other's tail, so
/// `minima()` refines both by Newton's method from the centres and lists those that converge to
/// distinct strict local minima (if the widths are so large that the wells merge, fewer are
/// listed). With the defaults the sharp minimum is at x ≈ −0.999273 with f ≈ −1.00716, and the
/// flat one is at c₂ up to about 10⁻⁴⁷ with f = −1 to double precision.
///
/// Reference: an illustration of sharp versus flat minima after S. Hochreiter and
/// J. Schmidhuber, "Flat minima", *Neural Computation* 9(1):1–42, 1997, and N. S. Keskar et al.,
/// "On large-batch training for deep learning: generalization gap and sharp minima", ICLR 2017.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharpFlat {
    /// The width s₁ of the sharp well centred at (−1, 0).
    pub sharp_width: f64,
    /// The width s₂ of the flat well centred at (1.2, 0).
    pub flat_width: f64,
}

impl SharpFlat {
    /// The centre of the sharp well.
    pub const SHARP_CENTRE: [f64; 2] = [-1.0, 0.0];
    /// The centre of the flat well.
    pub const FLAT_CENTRE: [f64; 2] = [1.2, 0.0];

    /// Creates the two wells with the given widths.
    pub fn new(sharp_width: f64, flat_width: f64) -> Self {
        Self {
            sharp_width,
            flat_width,
        }
    }

    /// Returns each well as (centre, width).
    fn wells(&self) -> [([f64; 2], f64); 2] {
        [
            (Self::SHARP_CENTRE, self.sharp_width),
            (Self::FLAT_CENTRE, self.flat_width),
        ]
    }

    /// Returns, for one well, the offset p − c, 1/s² and the Gaussian e = exp(−‖p − c‖²/(2s²)).
    fn well_terms(x: ArrayView1<'_, f64>, centre: [f64; 2], width: f64) -> ([f64; 2], f64, f64) {
        let dx = [x[0] - centre[0], x[1] - centre[1]];
        let inv = 1.0 / (width * width);
        let e = (-0.5 * (dx[0] * dx[0] + dx[1] * dx[1]) * inv).exp();
        (dx, inv, e)
    }
}

impl Default for SharpFlat {
    /// The default widths, 0.15 for the sharp well and 0.7 for the flat one.
    fn default() -> Self {
        Self::new(0.15, 0.7)
    }
}

impl Objective for SharpFlat {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        self.wells()
            .into_iter()
            .map(|(c, s)| -Self::well_terms(x, c, s).2)
            .sum()
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, mut g: ArrayViewMut1<'_, f64>) {
        // ∇f = Σₖ eₖ (p − cₖ) / sₖ².
        let (mut gx, mut gy) = (0.0, 0.0);
        for (c, s) in self.wells() {
            let (dx, inv, e) = Self::well_terms(x, c, s);
            gx += e * dx[0] * inv;
            gy += e * dx[1] * inv;
        }
        g[0] = gx;
        g[1] = gy;
    }

    fn hessian_into(&self, x: ArrayView1<'_, f64>, h: ArrayViewMut2<'_, f64>) {
        // ∇²f = Σₖ eₖ [I / sₖ² − (p − cₖ)(p − cₖ)ᵀ / sₖ⁴].
        let (mut hxx, mut hxy, mut hyy) = (0.0, 0.0, 0.0);
        for (c, s) in self.wells() {
            let (dx, inv, e) = Self::well_terms(x, c, s);
            hxx += e * inv * (1.0 - dx[0] * dx[0] * inv);
            hxy -= e * inv * inv * dx[0] * dx[1];
            hyy += e * inv * (1.0 - dx[1] * dx[1] * inv);
        }
        write_hessian_2d(h, hxx, hxy, hyy);
    }

    hvp_via_2x2_hessian!();

    fn bounds(&self) -> ViewBounds {
        view((-2.5, 3.0), (-2.0, 2.0))
    }

    fn minima(&self) -> Vec<Minimum> {
        refined_minima(self, &[&Self::SHARP_CENTRE, &Self::FLAT_CENTRE])
    }
}
