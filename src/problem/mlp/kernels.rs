//! The network's numeric kernels: dense products and the elementwise functions (exp, tanh,
//! the logistic, log1p), written so that the compiler vectorises them, and dispatched at run
//! time to the widest instruction set the CPU has.
//!
//! Every path computes the same numbers, bit for bit. Each output of a product accumulates its
//! terms in ascending order with fused multiply-adds, whatever the tiling; the elementwise
//! functions use only correctly rounded operations (add, multiply, divide, fused multiply-add)
//! and integer bit operations. So a scene and a seed give the same run on an AVX-512 machine,
//! an AVX2 machine and any other; only the speed differs. On x86-64 CPUs without FMA (before
//! 2013) the portable path computes fused multiply-adds in software, exactly but slowly.
//!
//! The elementwise functions are accurate to a few units in the last place (tested against the
//! standard library's over their ranges).

#![allow(clippy::excessive_precision)]

use std::sync::OnceLock;

/// The instruction set the kernels run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimdPath {
    /// AVX-512F with FMA: eight doubles a vector.
    Avx512,
    /// AVX2 with FMA: four doubles a vector.
    Avx2,
    /// Whatever the build's baseline target offers.
    Portable,
}

impl SimdPath {
    /// Its name, for benchmark output.
    pub fn name(self) -> &'static str {
        match self {
            SimdPath::Avx512 => "avx512f+fma",
            SimdPath::Avx2 => "avx2+fma",
            SimdPath::Portable => "portable",
        }
    }
}

/// The path the kernels take on this CPU (detected once). Setting the environment variable
/// `OPTISCOPE_SIMD=portable` forces the portable path, for comparisons.
pub fn simd_path() -> SimdPath {
    static PATH: OnceLock<SimdPath> = OnceLock::new();
    *PATH.get_or_init(|| {
        if std::env::var("OPTISCOPE_SIMD").is_ok_and(|v| v == "portable") {
            return SimdPath::Portable;
        }
        detect()
    })
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdPath {
    if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma")
    {
        SimdPath::Avx512
    } else if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        SimdPath::Avx2
    } else {
        SimdPath::Portable
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdPath {
    SimdPath::Portable
}

/// Declares `fn $name(path, args…) -> R` that runs `$body(args…)` compiled for the chosen
/// instruction set. `$body` and everything it calls must be `#[inline(always)]` for the wider
/// instructions to reach them.
#[macro_export]
macro_rules! simd_dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty = $body:path;) => {
        $(#[$meta])*
        $vis fn $name(path: $crate::problem::mlp::kernels::SimdPath, $($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                use $crate::problem::mlp::kernels::{SimdPath, has};
                #[target_feature(enable = "avx512f,fma")]
                fn avx512($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                match path {
                    // SAFETY: each arm runs only when the CPU reports the features its
                    // function is compiled for.
                    #[allow(unsafe_code)]
                    SimdPath::Avx512 if has(SimdPath::Avx512) => return unsafe { avx512($($arg),*) },
                    #[allow(unsafe_code)]
                    SimdPath::Avx2 if has(SimdPath::Avx2) => return unsafe { avx2($($arg),*) },
                    _ => {}
                }
            }
            let _ = path;
            $body($($arg),*)
        }
    };
}

/// Whether this CPU can run `path`.
pub fn has(path: SimdPath) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let fma = std::arch::is_x86_feature_detected!("fma");
        match path {
            SimdPath::Avx512 => fma && std::arch::is_x86_feature_detected!("avx512f"),
            SimdPath::Avx2 => fma && std::arch::is_x86_feature_detected!("avx2"),
            SimdPath::Portable => true,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        path == SimdPath::Portable
    }
}

/// Where a product's sums start.
#[derive(Clone, Copy)]
pub enum Init<'a> {
    /// At zero.
    Zero,
    /// At a row of n values, the same for every output row (a bias).
    Row(&'a [f64]),
    /// At the values already in the output (the product is added to them).
    Out,
}

/// The rows a tile covers at once (they share the loads of the other operand).
const ROWS: usize = 4;

/// Whether to use the tiles of sixteen columns (eight AVX-512 accumulators) rather than eight.
#[inline(always)]
fn wide() -> bool {
    simd_path() == SimdPath::Avx512
}

/// out (m × n) = init + a (m × k) · b (k × n), all row-major. Each output sums its k terms in
/// ascending order after its initial value, whatever the tiling.
#[inline(always)]
pub fn gemm_nn(
    a: &[f64],
    b: &[f64],
    init: Init<'_>,
    out: &mut [f64],
    m: usize,
    k: usize,
    n: usize,
) {
    if wide() {
        gemm_nn_tiled::<16>(a, b, init, out, m, k, n);
    } else {
        gemm_nn_tiled::<8>(a, b, init, out, m, k, n);
    }
}

#[inline(always)]
fn gemm_nn_tiled<const L: usize>(
    a: &[f64],
    b: &[f64],
    init: Init<'_>,
    out: &mut [f64],
    m: usize,
    k: usize,
    n: usize,
) {
    assert!(a.len() >= m * k && b.len() >= k * n && out.len() >= m * n);
    let mut i = 0;
    while i + ROWS <= m {
        nn_rows::<ROWS, L>(a, b, init, out, i, k, n);
        i += ROWS;
    }
    while i < m {
        nn_rows::<1, L>(a, b, init, out, i, k, n);
        i += 1;
    }
}

/// Rows i … i + R of out = init + a·b: tiles of L columns held in registers, then the columns
/// past the last whole tile one at a time, each output in the same order.
#[inline(always)]
fn nn_rows<const R: usize, const L: usize>(
    a: &[f64],
    b: &[f64],
    init: Init<'_>,
    out: &mut [f64],
    i: usize,
    k: usize,
    n: usize,
) {
    let a = &a[i * k..(i + R) * k];
    let out = &mut out[i * n..(i + R) * n];
    let mut j = 0;
    while j + L <= n {
        let mut acc = [[0.0; L]; R];
        for r in 0..R {
            let start = match init {
                Init::Zero => None,
                Init::Row(bias) => Some(&bias[j..j + L]),
                Init::Out => Some(&out[r * n + j..r * n + j + L]),
            };
            if let Some(s) = start {
                acc[r].copy_from_slice(s);
            }
        }
        for kk in 0..k {
            let brow = &b[kk * n + j..kk * n + j + L];
            for r in 0..R {
                let av = a[r * k + kk];
                for t in 0..L {
                    acc[r][t] = av.mul_add(brow[t], acc[r][t]);
                }
            }
        }
        for r in 0..R {
            out[r * n + j..r * n + j + L].copy_from_slice(&acc[r]);
        }
        j += L;
    }
    // The columns past the last whole tile (a narrow output: one logit): the R rows' sums run
    // side by side, so that their chains of dependent additions overlap; each still adds its
    // terms in ascending order.
    for jj in j..n {
        let mut s = [0.0; R];
        for (r, sr) in s.iter_mut().enumerate() {
            *sr = match init {
                Init::Zero => 0.0,
                Init::Row(bias) => bias[jj],
                Init::Out => out[r * n + jj],
            };
        }
        for kk in 0..k {
            let bv = b[kk * n + jj];
            for (r, sr) in s.iter_mut().enumerate() {
                *sr = a[r * k + kk].mul_add(bv, *sr);
            }
        }
        for (r, sr) in s.iter().enumerate() {
            out[r * n + jj] = *sr;
        }
    }
}

/// out (k × n) = aᵀ (k × m) · b (m × n), with a (m × k) and b (m × n) row-major: the weight
/// gradient hᵀδ. Each output sums its m terms in ascending order.
#[inline(always)]
pub fn gemm_tn(a: &[f64], b: &[f64], out: &mut [f64], m: usize, k: usize, n: usize) {
    if wide() {
        gemm_tn_tiled::<16>(a, b, out, m, k, n, false);
    } else {
        gemm_tn_tiled::<8>(a, b, out, m, k, n, false);
    }
}

/// out += aᵀ·b, continuing each output's sum from its value, in ascending order.
#[inline(always)]
pub fn gemm_tn_acc(a: &[f64], b: &[f64], out: &mut [f64], m: usize, k: usize, n: usize) {
    if wide() {
        gemm_tn_tiled::<16>(a, b, out, m, k, n, true);
    } else {
        gemm_tn_tiled::<8>(a, b, out, m, k, n, true);
    }
}

#[inline(always)]
fn gemm_tn_tiled<const L: usize>(
    a: &[f64],
    b: &[f64],
    out: &mut [f64],
    m: usize,
    k: usize,
    n: usize,
    add: bool,
) {
    assert!(a.len() >= m * k && b.len() >= m * n && out.len() >= k * n);
    // Whole tiles of b's columns here; the rest in `tn_narrow`.
    let whole = n - n % L;
    let mut p = 0;
    while p + ROWS <= k {
        tn_rows::<ROWS, L>(a, b, out, p, m, k, n, whole, add);
        p += ROWS;
    }
    while p < k {
        tn_rows::<1, L>(a, b, out, p, m, k, n, whole, add);
        p += 1;
    }
    tn_narrow::<L>(a, b, out, whole, m, k, n, add);
}

/// Rows p … p + R of out = aᵀ·b (plus out, with `add`), over b's first `whole` columns, as
/// [`nn_rows`] tiles them.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tn_rows<const R: usize, const L: usize>(
    a: &[f64],
    b: &[f64],
    out: &mut [f64],
    p: usize,
    m: usize,
    k: usize,
    n: usize,
    whole: usize,
    add: bool,
) {
    let out = &mut out[p * n..(p + R) * n];
    let mut j = 0;
    while j + L <= whole {
        let mut acc = [[0.0; L]; R];
        if add {
            for r in 0..R {
                acc[r].copy_from_slice(&out[r * n + j..r * n + j + L]);
            }
        }
        for i in 0..m {
            let brow = &b[i * n + j..i * n + j + L];
            let arow = &a[i * k + p..i * k + p + R];
            for r in 0..R {
                let av = arow[r];
                for t in 0..L {
                    acc[r][t] = av.mul_add(brow[t], acc[r][t]);
                }
            }
        }
        for r in 0..R {
            out[r * n + j..r * n + j + L].copy_from_slice(&acc[r]);
        }
        j += L;
    }
}

/// The columns of aᵀ·b past the last whole tile of b's columns (a narrow output: one logit),
/// with lanes across a's columns instead: out[p][jj] = Σᵢ a[i][p]·b[i][jj], in ascending i.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tn_narrow<const L: usize>(
    a: &[f64],
    b: &[f64],
    out: &mut [f64],
    from: usize,
    m: usize,
    k: usize,
    n: usize,
    add: bool,
) {
    for jj in from..n {
        let mut p = 0;
        while p + L <= k {
            let mut acc = [0.0; L];
            if add {
                for t in 0..L {
                    acc[t] = out[(p + t) * n + jj];
                }
            }
            for i in 0..m {
                let bv = b[i * n + jj];
                let arow = &a[i * k + p..i * k + p + L];
                for t in 0..L {
                    acc[t] = arow[t].mul_add(bv, acc[t]);
                }
            }
            for t in 0..L {
                out[(p + t) * n + jj] = acc[t];
            }
            p += L;
        }
        for pp in p..k {
            let o = pp * n + jj;
            let mut s = if add { out[o] } else { 0.0 };
            for i in 0..m {
                s = a[i * k + pp].mul_add(b[i * n + jj], s);
            }
            out[o] = s;
        }
    }
}

/// out[j] = Σᵢ a[i][j] over the m rows of a (m × n), in ascending i: a bias gradient.
#[inline(always)]
pub fn column_sums(a: &[f64], out: &mut [f64], m: usize, n: usize) {
    out[..n].fill(0.0);
    for i in 0..m {
        for (o, v) in out[..n].iter_mut().zip(&a[i * n..i * n + n]) {
            *o += v;
        }
    }
}

/// The transpose of a (rows × cols) into out (cols × rows).
#[inline(always)]
pub fn transpose(a: &[f64], out: &mut [f64], rows: usize, cols: usize) {
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = a[r * cols + c];
        }
    }
}

/// 1.5 · 2⁵²: adding it rounds a double of magnitude below 2⁵¹ to an integer, held in the low
/// bits of the sum.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;

/// 1/k! for k = 13 down to 1: the Taylor series of e^r − 1, enough on |r| ≤ ln 2 / 2.
const EXPM1_TAYLOR: [f64; 13] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
    1.0,
];

/// (2ⁿ, e^r − 1) with x = n ln 2 + r, |r| ≤ ln 2 / 2, for x clamped to [−708, 709].
#[inline(always)]
fn exp_parts(x: f64) -> (f64, f64) {
    let x = x.clamp(-708.0, 709.0);
    let t = x.mul_add(LOG2_E, ROUNDER);
    let n = t - ROUNDER;
    let r = (-n).mul_add(LN2_HI, x);
    let r = (-n).mul_add(LN2_LO, r);
    let mut p = EXPM1_TAYLOR[0];
    for c in &EXPM1_TAYLOR[1..] {
        p = p.mul_add(r, *c);
    }
    let em1 = p * r;
    let ni = (t.to_bits() as i64).wrapping_sub(ROUNDER.to_bits() as i64);
    let scale = f64::from_bits(((ni + 1023) as u64) << 52);
    (scale, em1)
}

/// e^x (x below −708 gives e^−708 ≈ 3·10⁻³⁰⁸ rather than a subnormal).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let (s, em1) = exp_parts(x);
    s.mul_add(em1, s)
}

/// e^x − 1, accurate near 0.
#[inline(always)]
pub fn expm1(x: f64) -> f64 {
    let (s, em1) = exp_parts(x);
    s.mul_add(em1, s - 1.0)
}

/// 1/x for x in [1, 10³⁰], to within an ulp or so: the float32 quotient (correctly rounded,
/// so 24 good bits on every instruction set), then two Newton steps y ← y + y(1 − xy), each
/// doubling the good bits. A float64 vector division costs sixteen cycles; this costs a
/// float32 one, two conversions and four fused multiply-adds that pipeline.
#[inline(always)]
pub fn recip(x: f64) -> f64 {
    let mut y = f64::from(1.0 / (x as f32));
    for _ in 0..2 {
        let e = (-x).mul_add(y, 1.0);
        y = y.mul_add(e, y);
    }
    y
}

/// tanh x, as e/(e + 2) with e = e^(2|x|) − 1, its sign restored.
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    let a = x.abs().min(20.0);
    let e = expm1(2.0 * a);
    (e * recip(e + 2.0)).copysign(x)
}

/// The logistic function 1/(1 + e^(−x)).
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    recip(1.0 + exp(-x.clamp(-60.0, 700.0)))
}

/// ln w for w in [1, 2], by w = 2^e·m with m in [√½, √2] and the series of atanh.
#[inline(always)]
fn ln_1_to_2(w: f64) -> f64 {
    let big = w > std::f64::consts::SQRT_2;
    let m = if big { 0.5 * w } else { w };
    let e = if big { std::f64::consts::LN_2 } else { 0.0 };
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // 2·atanh s = 2(s + s³/3 + s⁵/5 + …), to s²³.
    let mut p: f64 = 1.0 / 23.0;
    for k in (0..11).rev() {
        p = p.mul_add(s2, 1.0 / (2 * k + 1) as f64);
    }
    (2.0 * s).mul_add(p, e)
}

/// ln(1 + u) for u in [0, 1], corrected for the rounding of 1 + u.
#[inline(always)]
pub fn ln1p_unit(u: f64) -> f64 {
    let w = 1.0 + u;
    let d = w - 1.0;
    let ratio = u / if d == 0.0 { 1.0 } else { d };
    if d == 0.0 { u } else { ln_1_to_2(w) * ratio }
}

/// softplus x = ln(1 + eˣ), stably: max(x, 0) + ln(1 + e^(−|x|)).
#[inline(always)]
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + ln1p_unit(exp(-x.abs()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The relative error against the standard library, in units of 2⁻⁵².
    fn ulps(ours: f64, std: f64) -> f64 {
        ((ours - std) / std.abs().max(f64::MIN_POSITIVE)).abs() / f64::EPSILON
    }

    #[test]
    fn elementwise_functions_match_the_standard_library() {
        let mut worst = [0.0f64; 5];
        for i in 0..200_001 {
            let x = -40.0 + 80.0 * i as f64 / 200_000.0;
            let small = x * 1e-6;
            worst[0] = worst[0].max(ulps(
                exp(x.clamp(-700.0, 700.0)),
                x.clamp(-700.0, 700.0).exp(),
            ));
            worst[1] = worst[1]
                .max(ulps(tanh(x), x.tanh()))
                .max(ulps(tanh(small), small.tanh()));
            worst[2] = worst[2].max(ulps(sigmoid(x), 1.0 / (1.0 + (-x).exp())));
            worst[3] = worst[3].max(ulps(softplus(x), x.max(0.0) + (-x.abs()).exp().ln_1p()));
            worst[4] = worst[4].max(ulps(expm1(small), small.exp_m1()));
            let big = (x.abs() * 1.7).exp();
            worst[4] = worst[4].max(ulps(recip(big), 1.0 / big));
        }
        assert!(
            worst.iter().all(|w| *w < 8.0),
            "worst errors in ulps: {worst:?}"
        );
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(30.0), 1.0);
        assert_eq!(tanh(-30.0), -1.0);
        assert!(exp(-1000.0) > 0.0 && exp(-1000.0) < 1e-300);
        assert_eq!(ln1p_unit(0.0), 0.0);
        assert_eq!(ln1p_unit(1e-300), 1e-300);
    }

    /// The products against a plain triple loop, for shapes with and without whole tiles, in
    /// both tile widths.
    #[test]
    fn products_match_the_definition_in_every_shape() {
        products_match::<8>();
        products_match::<16>();
    }

    fn products_match<const L: usize>() {
        for (m, k, n) in [
            (1, 1, 1),
            (5, 3, 7),
            (9, 16, 16),
            (4, 2, 17),
            (13, 5, 8),
            (3, 9, 1),
        ] {
            let a: Vec<f64> = (0..m * k)
                .map(|i| ((i * 37 % 11) as f64 - 5.0) / 3.0)
                .collect();
            let b: Vec<f64> = (0..k * n)
                .map(|i| ((i * 17 % 13) as f64 - 6.0) / 7.0)
                .collect();
            let bias: Vec<f64> = (0..n).map(|j| j as f64 * 0.25).collect();
            let mut out = vec![0.0; m * n];
            gemm_nn_tiled::<L>(&a, &b, Init::Row(&bias), &mut out, m, k, n);
            for i in 0..m {
                for j in 0..n {
                    let mut s = bias[j];
                    for p in 0..k {
                        s = a[i * k + p].mul_add(b[p * n + j], s);
                    }
                    assert_eq!(out[i * n + j], s, "nn {m}×{k}×{n} at ({i}, {j})");
                }
            }
            // aᵀ·c with c (m × n).
            let c: Vec<f64> = (0..m * n)
                .map(|i| ((i * 7 % 5) as f64 - 2.0) / 9.0)
                .collect();
            let mut t = vec![0.0; k * n];
            gemm_tn_tiled::<L>(&a, &c, &mut t, m, k, n, false);
            for p in 0..k {
                for j in 0..n {
                    let mut s = 0.0;
                    for i in 0..m {
                        s = a[i * k + p].mul_add(c[i * n + j], s);
                    }
                    assert_eq!(t[p * n + j], s, "tn {m}×{k}×{n} at ({p}, {j})");
                }
            }
        }
    }

    #[inline(always)]
    fn eval_all(xs: &[f64]) -> Vec<(f64, f64, f64)> {
        xs.iter()
            .map(|x| (tanh(*x), sigmoid(*x), softplus(*x)))
            .collect()
    }

    crate::simd_dispatch! {
        fn eval_on(xs: &[f64]) -> Vec<(f64, f64, f64)> = eval_all;
    }

    /// Every path this CPU supports gives the same bits.
    #[test]
    fn every_path_computes_the_same_bits() {
        let xs: Vec<f64> = (0..1000).map(|i| (i as f64 - 500.0) / 37.0).collect();
        let eval = |path| eval_on(path, &xs);
        let portable = eval(SimdPath::Portable);
        for path in [SimdPath::Avx2, SimdPath::Avx512] {
            if has(path) {
                assert_eq!(eval(path), portable, "{path:?}");
            }
        }
    }
}
