//! Perceptual colormaps (viridis, magma, cividis) as piecewise-linear interpolations of
//! anchor colours sampled from matplotlib's definitions.

use crate::scene::Colormap;

const VIRIDIS: [[u8; 3]; 9] = [
    [0x44, 0x01, 0x54],
    [0x47, 0x2c, 0x7a],
    [0x3b, 0x51, 0x8b],
    [0x2c, 0x71, 0x8e],
    [0x21, 0x90, 0x8d],
    [0x27, 0xad, 0x81],
    [0x5c, 0xc8, 0x63],
    [0xaa, 0xdc, 0x32],
    [0xfd, 0xe7, 0x25],
];

const MAGMA: [[u8; 3]; 9] = [
    [0x00, 0x00, 0x04],
    [0x1c, 0x10, 0x44],
    [0x4f, 0x12, 0x7b],
    [0x81, 0x25, 0x81],
    [0xb5, 0x36, 0x7a],
    [0xe5, 0x50, 0x64],
    [0xfb, 0x87, 0x61],
    [0xfe, 0xc2, 0x87],
    [0xfc, 0xfd, 0xbf],
];

const CIVIDIS: [[u8; 3]; 10] = [
    [0x00, 0x22, 0x4e],
    [0x12, 0x35, 0x70],
    [0x3b, 0x49, 0x6c],
    [0x57, 0x5d, 0x6d],
    [0x70, 0x71, 0x73],
    [0x8a, 0x86, 0x78],
    [0xa5, 0x9c, 0x74],
    [0xc3, 0xb3, 0x69],
    [0xe1, 0xcc, 0x55],
    [0xfe, 0xe8, 0x38],
];

fn anchors(map: Colormap) -> &'static [[u8; 3]] {
    match map {
        Colormap::Viridis => &VIRIDIS,
        Colormap::Magma => &MAGMA,
        Colormap::Cividis => &CIVIDIS,
    }
}

/// The colour at `t` ∈ [0, 1] (clamped; NaN gives the lowest colour).
pub fn sample(map: Colormap, t: f64) -> [u8; 3] {
    let a = anchors(map);
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (a.len() - 1) as f64;
    let i = (pos.floor() as usize).min(a.len() - 2);
    let w = pos - i as f64;
    let mix = |k: usize| (a[i][k] as f64 * (1.0 - w) + a[i + 1][k] as f64 * w).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// A 256-entry lookup table.
pub fn lut(map: Colormap) -> Vec<[u8; 3]> {
    (0..256).map(|i| sample(map, i as f64 / 255.0)).collect()
}

/// Display names, for pickers.
pub fn name(map: Colormap) -> &'static str {
    match map {
        Colormap::Viridis => "viridis",
        Colormap::Magma => "magma",
        Colormap::Cividis => "cividis",
    }
}

/// Every colormap.
pub const ALL: [Colormap; 3] = [Colormap::Viridis, Colormap::Magma, Colormap::Cividis];

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative luminance; perceptual maps rise monotonically.
    fn luma(c: [u8; 3]) -> f64 {
        0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64
    }

    #[test]
    fn maps_hit_their_ends_and_brighten_monotonically() {
        for map in ALL {
            let a = anchors(map);
            assert_eq!(sample(map, 0.0), a[0]);
            assert_eq!(sample(map, 1.0), a[a.len() - 1]);
            let l = lut(map);
            for w in l.windows(2) {
                assert!(luma(w[1]) >= luma(w[0]) - 1.0, "{map:?} darkens: {w:?}");
            }
        }
    }
}
