//! The network's numeric kernels: dense products and the elementwise functions (exp, tanh,
//! the logistic, log1p), written so that the compiler vectorises them, and dispatched at run
//! time to the widest instruction set the CPU has.
//!
//! Every path computes the same numbers, bit for bit. Each output of a product accumulates its
//! terms in an order fixed by the shape alone (ascending, or for one-column products and column
//! sums a fixed set of interleaved partial sums) with fused multiply-adds, whatever the tiling
//! and the vector width; the elementwise
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
/// ascending order after its initial value, whatever the tiling; a one-column product sums
/// in the fixed order of [`nn_column`].
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
    if n == 1 {
        nn_column(a, b, init, out, m, k);
        return;
    }
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

/// A one-column product (a network's single logit): out[i] = init + Σₚ a[i][p]·b[p]. Each row's
/// sum runs as eight partial sums of fused multiply-adds, over p ≡ 0 … 7 (mod 8) in ascending
/// order, added as ((s₀ + s₄) + (s₂ + s₆)) + ((s₁ + s₅) + (s₃ + s₇)); then the last k mod 8
/// terms in order, then the initial value. A fixed order (the same bits on every path) that
/// reads each row once, contiguously.
#[inline(always)]
fn nn_column(a: &[f64], b: &[f64], init: Init<'_>, out: &mut [f64], m: usize, k: usize) {
    let whole = k - k % 8;
    let b = &b[..k];
    for i in 0..m {
        let row = &a[i * k..(i + 1) * k];
        let mut acc = [0.0; 8];
        for (rc, bc) in row[..whole].chunks_exact(8).zip(b[..whole].chunks_exact(8)) {
            for t in 0..8 {
                acc[t] = rc[t].mul_add(bc[t], acc[t]);
            }
        }
        let mut s =
            ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
        for c in whole..k {
            s = row[c].mul_add(b[c], s);
        }
        out[i] = match init {
            Init::Zero => s,
            Init::Row(bias) => bias[0] + s,
            Init::Out => out[i] + s,
        };
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
    // The last k mod 4 rows of out in one tile, so that their chains of additions overlap.
    match k - p {
        3 => tn_rows::<3, L>(a, b, out, p, m, k, n, whole, add),
        2 => tn_rows::<2, L>(a, b, out, p, m, k, n, whole, add),
        1 => tn_rows::<1, L>(a, b, out, p, m, k, n, whole, add),
        _ => {}
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

/// out[j] = Σᵢ a[i][j] over the m rows of a (m × n): a bias gradient. Each column sums as
/// four partial sums over the rows i ≡ 0, 1, 2, 3 (mod 4) in ascending order, added as
/// (s₀ + s₁) + (s₂ + s₃), then the last m mod 4 rows in order: a fixed order (the same bits on
/// every path) whose four chains of additions overlap.
#[inline(always)]
pub fn column_sums(a: &[f64], out: &mut [f64], m: usize, n: usize) {
    assert!(a.len() >= m * n && out.len() >= n);
    let whole = m - m % 4;
    let mut j = 0;
    while j + 8 <= n {
        let mut acc = [[0.0; 8]; 4];
        for i in (0..whole).step_by(4) {
            for (r, accr) in acc.iter_mut().enumerate() {
                let row = &a[(i + r) * n + j..(i + r) * n + j + 8];
                for t in 0..8 {
                    accr[t] += row[t];
                }
            }
        }
        for t in 0..8 {
            let mut s = (acc[0][t] + acc[1][t]) + (acc[2][t] + acc[3][t]);
            for i in whole..m {
                s += a[i * n + j + t];
            }
            out[j + t] = s;
        }
        j += 8;
    }
    for jj in j..n {
        let mut acc = [0.0; 4];
        for i in (0..whole).step_by(4) {
            for (r, accr) in acc.iter_mut().enumerate() {
                *accr += a[(i + r) * n + jj];
            }
        }
        let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for i in whole..m {
            s += a[i * n + jj];
        }
        out[jj] = s;
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

/// 2^(j/16) for j = 0 … 15: the double nearest (`HI`) and the rest (`LO`, to 10⁻¹⁶ of it).
const EXP2_16_HI: [f64; 16] = [
    1.0,
    1.044_273_782_427_413_8,
    1.090_507_732_665_257_7,
    1.138_788_634_756_691_6,
    1.189_207_115_002_721,
    1.241_857_812_073_484,
    1.296_839_554_651_009_6,
    1.354_255_546_936_892_7,
    std::f64::consts::SQRT_2,
    1.476_826_145_939_499_3,
    1.542_210_825_407_940_7,
    1.610_490_331_949_254_3,
    1.681_792_830_507_429,
    1.756_252_160_373_299_5,
    1.834_008_086_409_342_4,
    1.915_206_561_397_147_4,
];
const EXP2_16_LO: [f64; 16] = [
    0.0,
    8.551_889_705_537_965e-17,
    -3.046_782_079_812_471e-17,
    8.912_812_676_025_408e-17,
    3.982_015_231_465_646e-17,
    4.658_027_591_836_937e-17,
    2.538_250_279_488_831_5e-17,
    7.700_948_379_802_99e-17,
    -9.667_293_313_452_913e-17,
    -3.483_994_556_892_796e-17,
    7.949_834_809_697_621e-17,
    2.470_719_256_979_788_8e-17,
    8.199_010_020_581_497e-17,
    2.960_140_695_448_873e-17,
    3.283_107_224_245_627e-17,
    -1.061_994_605_619_596_3e-16,
];

/// 2ᵏ/k! for k = 7 down to 1: the Taylor series of e^(2r) − 1 in r, enough on |r| ≤ ln 2 / 64.
const EXPM1_2R_TAYLOR: [f64; 7] = [
    128.0 / 5_040.0,
    64.0 / 720.0,
    32.0 / 120.0,
    16.0 / 24.0,
    8.0 / 6.0,
    2.0,
    2.0,
];

/// A cubic near 1/d on [1, 2] (its Chebyshev interpolant, relative error below 1.8·10⁻³),
/// highest power first.
const RECIP_SEED: [f64; 4] = [
    -0.221_837_088_388_216_59,
    1.331_022_530_329_297_3,
    -2.939_341_421_143_859_5,
    2.828_422_876_949_746,
];

const SIGN: u64 = 1 << 63;
const EXPONENT_BITS: u64 = 0xFFF0_0000_0000_0000;
const ONE_BITS: u64 = 1023 << 52;

/// tanh x, with no division: e = e^(−2|x|) − 1 (by a table of 2^(j/16) and a short series),
/// then −e/(2 + e) with 1/(2 + e) from a cubic and a sixth-order Newton step (2 + e lies in
/// [1, 2]); the sign restored. A few units in the last place; NaN stays NaN. On AVX-512,
/// [`tanh_slice`] computes exactly these operations eight lanes at a time.
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    // −|x|, held at −20 (tanh 20 rounds to 1).
    let na = f64::from_bits(x.to_bits() | SIGN);
    let na = if na < -20.0 { -20.0 } else { na };
    // −2|x| = K ln 2 / 16 + 2r, K = 16n + j.
    let t = na.mul_add(32.0 / std::f64::consts::LN_2, ROUNDER);
    let kf = t - ROUNDER;
    let r = (-kf).mul_add(LN2_HI / 32.0, na);
    let r = (-kf).mul_add(LN2_LO / 32.0, r);
    let mut p = EXPM1_2R_TAYLOR[0];
    for c in &EXPM1_2R_TAYLOR[1..] {
        p = p.mul_add(r, *c);
    }
    let pm1 = p * r;
    let tb = t.to_bits();
    let j = (tb & 15) as usize;
    let n52 = (tb << 48) & EXPONENT_BITS;
    // s = 2ⁿ·HI[j] (exactly, by the exponent), 2ⁿ·LO[j] added to s − 1 (exact by Sterbenz
    // where it matters), then s·(e^(2r) − 1).
    let s = f64::from_bits(EXP2_16_HI[j].to_bits().wrapping_add(n52));
    let scale = f64::from_bits(n52.wrapping_add(ONE_BITS));
    let em = s.mul_add(pm1, EXP2_16_LO[j].mul_add(scale, s - 1.0));
    let d = 2.0 + em;
    let [s3, s2, s1, s0] = RECIP_SEED;
    let y = s3.mul_add(d, s2).mul_add(d, s1).mul_add(d, s0);
    // y(1 + e)(1 + e² + e⁴) = y(1 + e + … + e⁵), e = 1 − dy: the relative error becomes e⁶.
    let e = (-d).mul_add(y, 1.0);
    let e2 = e * e;
    let y1 = y.mul_add(e, y);
    let w = e2.mul_add(e2, e2);
    let u = em * y1;
    u.mul_add(w, u).copysign(x)
}

/// h = tanh z elementwise, and φ′ = 1 − h² when asked, as [`tanh`] computes them.
#[inline(always)]
pub fn tanh_slice(z: &[f64], h: &mut [f64], dphi: Option<&mut [f64]>) {
    #[cfg(target_arch = "x86_64")]
    if wide() && has(SimdPath::Avx512) {
        // SAFETY: the CPU has AVX-512F (checked just above).
        #[allow(unsafe_code)]
        unsafe {
            avx512::tanh_slice(z, h, dphi)
        };
        return;
    }
    for (hv, zv) in h.iter_mut().zip(z) {
        *hv = tanh(*zv);
    }
    if let Some(d) = dphi {
        for (dv, hv) in d.iter_mut().zip(h.iter()) {
            *dv = (-hv).mul_add(*hv, 1.0);
        }
    }
}

/// The AVX-512 forms of the kernels whose tables the compiler would read with gathers:
/// here they are permutes of registers. Each is the scalar kernel's sequence of operations,
/// lane by lane, so the bits are the same.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use super::*;
    use std::arch::x86_64::*;

    /// [`super::tanh`] on eight lanes; `table` holds HI[0..8], HI[8..16], LO[0..8], LO[8..16].
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn tanh8(x: __m512d, table: &[__m512d; 4]) -> __m512d {
        let c = _mm512_set1_pd;
        let ci = _mm512_set1_epi64;
        let na = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(x), ci(SIGN as i64)));
        // max(−20, na) returns na when na is NaN, as the scalar comparison does.
        let na = _mm512_max_pd(c(-20.0), na);
        let t = _mm512_fmadd_pd(na, c(32.0 / std::f64::consts::LN_2), c(ROUNDER));
        let kf = _mm512_sub_pd(t, c(ROUNDER));
        let r = _mm512_fnmadd_pd(kf, c(LN2_HI / 32.0), na);
        let r = _mm512_fnmadd_pd(kf, c(LN2_LO / 32.0), r);
        let mut p = c(EXPM1_2R_TAYLOR[0]);
        for k in &EXPM1_2R_TAYLOR[1..] {
            p = _mm512_fmadd_pd(p, r, c(*k));
        }
        let pm1 = _mm512_mul_pd(p, r);
        let tb = _mm512_castpd_si512(t);
        // The permutes read the index's low four bits: j.
        let hi = _mm512_permutex2var_pd(table[0], tb, table[1]);
        let lo = _mm512_permutex2var_pd(table[2], tb, table[3]);
        let n52 = _mm512_and_si512(_mm512_slli_epi64(tb, 48), ci(EXPONENT_BITS as i64));
        let s = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(hi), n52));
        let scale = _mm512_castsi512_pd(_mm512_add_epi64(n52, ci(ONE_BITS as i64)));
        let inner = _mm512_fmadd_pd(lo, scale, _mm512_sub_pd(s, c(1.0)));
        let em = _mm512_fmadd_pd(s, pm1, inner);
        let d = _mm512_add_pd(c(2.0), em);
        let [s3, s2, s1, s0] = RECIP_SEED;
        let y = _mm512_fmadd_pd(c(s3), d, c(s2));
        let y = _mm512_fmadd_pd(y, d, c(s1));
        let y = _mm512_fmadd_pd(y, d, c(s0));
        let e = _mm512_fnmadd_pd(d, y, c(1.0));
        let e2 = _mm512_mul_pd(e, e);
        let y1 = _mm512_fmadd_pd(y, e, y);
        let w = _mm512_fmadd_pd(e2, e2, e2);
        let u = _mm512_mul_pd(em, y1);
        let q = _mm512_fmadd_pd(u, w, u);
        // copysign(q, x): the sign bit from x, the rest from q.
        _mm512_castsi512_pd(_mm512_ternarylogic_epi64(
            _mm512_castpd_si512(q),
            _mm512_castpd_si512(x),
            ci(SIGN as i64),
            0xD8,
        ))
    }

    /// [`super::tanh_slice`]: four vectors at a time (their chains of dependent operations
    /// overlap), then one, then the scalar kernel for the last few.
    #[target_feature(enable = "avx512f,fma")]
    pub(super) fn tanh_slice(z: &[f64], h: &mut [f64], mut dphi: Option<&mut [f64]>) {
        let n = z.len().min(h.len());
        let n = dphi.as_deref().map_or(n, |d| n.min(d.len()));
        // SAFETY: every load and store below reads or writes eight doubles at i … i + 8 with
        // i + 8 ≤ n, within all three slices.
        unsafe {
            let table = [
                _mm512_loadu_pd(EXP2_16_HI.as_ptr()),
                _mm512_loadu_pd(EXP2_16_HI[8..].as_ptr()),
                _mm512_loadu_pd(EXP2_16_LO.as_ptr()),
                _mm512_loadu_pd(EXP2_16_LO[8..].as_ptr()),
            ];
            let one = _mm512_set1_pd(1.0);
            let (zp, hp) = (z.as_ptr(), h.as_mut_ptr());
            let dp = dphi.as_deref_mut().map(|d| d.as_mut_ptr());
            let mut i = 0;
            let store = |i: usize, v: __m512d| {
                _mm512_storeu_pd(hp.add(i), v);
                if let Some(dp) = dp {
                    _mm512_storeu_pd(dp.add(i), _mm512_fnmadd_pd(v, v, one));
                }
            };
            while i + 32 <= n {
                let v0 = tanh8(_mm512_loadu_pd(zp.add(i)), &table);
                let v1 = tanh8(_mm512_loadu_pd(zp.add(i + 8)), &table);
                let v2 = tanh8(_mm512_loadu_pd(zp.add(i + 16)), &table);
                let v3 = tanh8(_mm512_loadu_pd(zp.add(i + 24)), &table);
                store(i, v0);
                store(i + 8, v1);
                store(i + 16, v2);
                store(i + 24, v3);
                i += 32;
            }
            while i + 8 <= n {
                store(i, tanh8(_mm512_loadu_pd(zp.add(i)), &table));
                i += 8;
            }
            for k in i..n {
                h[k] = super::tanh(z[k]);
                if let Some(d) = dphi.as_deref_mut() {
                    d[k] = (-h[k]).mul_add(h[k], 1.0);
                }
            }
        }
    }
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

    /// The slice form of tanh (eight lanes at a time where the CPU has AVX-512) gives the
    /// scalar kernel's bits, and its φ′ is 1 − h², over a range that crosses every table entry
    /// and the clamp, with the special values and a length that leaves a tail.
    #[test]
    fn the_slice_tanh_is_the_scalar_tanh_bit_for_bit() {
        let mut z: Vec<f64> = (0..20_003)
            .map(|i| -25.0 + 50.0 * i as f64 / 20_000.0)
            .collect();
        z.extend([
            0.0,
            -0.0,
            1e-300,
            -5e-324,
            20.0,
            -20.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]);
        z.extend((0..40).map(|i| 1e-9 * i as f64));
        let mut h = vec![0.0; z.len()];
        let mut d = vec![0.0; z.len()];
        tanh_slice(&z, &mut h, Some(&mut d));
        for ((zv, hv), dv) in z.iter().zip(&h).zip(&d) {
            assert_eq!(hv.to_bits(), tanh(*zv).to_bits(), "tanh({zv:e})");
            assert_eq!(
                dv.to_bits(),
                (-hv).mul_add(*hv, 1.0).to_bits(),
                "φ′({zv:e})"
            );
        }
        assert_eq!(h[20_003].to_bits(), 0.0f64.to_bits());
        assert_eq!(h[20_004].to_bits(), (-0.0f64).to_bits());
        assert_eq!(h[20_010], 1.0);
        assert_eq!(h[20_011], -1.0);
        let mut nan = [0.0; 9];
        tanh_slice(&[f64::NAN; 9], &mut nan, None);
        assert!(nan.iter().all(|v| v.is_nan()), "NaN stays NaN: {nan:?}");
        assert!(tanh(f64::NAN).is_nan());
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
            (256, 16, 1),
            (7, 21, 1),
            (6, 12, 12),
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
                    if n == 1 {
                        // Eight partial sums over p mod 8, added pairwise, then the tail.
                        let mut part = [0.0; 8];
                        let whole = k - k % 8;
                        for p in 0..whole {
                            part[p % 8] = a[i * k + p].mul_add(b[p], part[p % 8]);
                        }
                        let mut d = ((part[0] + part[4]) + (part[2] + part[6]))
                            + ((part[1] + part[5]) + (part[3] + part[7]));
                        for p in whole..k {
                            d = a[i * k + p].mul_add(b[p], d);
                        }
                        assert!((bias[0] + d - s).abs() <= 1e-14 * s.abs().max(1.0));
                        s = bias[0] + d;
                    }
                    assert_eq!(out[i * n + j], s, "nn {m}×{k}×{n} at ({i}, {j})");
                }
            }
            // Column sums: four partial sums over the rows mod 4, then the tail.
            let mut sums = vec![0.0; k];
            column_sums(&a, &mut sums, m, k);
            for (j, got) in sums.iter().enumerate() {
                let whole = m - m % 4;
                let mut part = [0.0; 4];
                for i in 0..whole {
                    part[i % 4] += a[i * k + j];
                }
                let mut want = (part[0] + part[1]) + (part[2] + part[3]);
                for i in whole..m {
                    want += a[i * k + j];
                }
                assert_eq!(*got, want, "column sum {j} of {m}×{k}");
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
