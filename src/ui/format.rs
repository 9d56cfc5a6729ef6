//! Number formatting for readouts: 3–4 significant digits, scientific below 1e-3 and above 1e4.

/// Formats `v` for a readout.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e4).contains(&a) {
        format!("{v:.3e}")
    } else {
        let digits = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    }
}

/// Formats a count with thin-space thousands groups (`1 240`).
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readouts_use_four_significant_digits() {
        assert_eq!(num(1.23456), "1.235");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(0.012), "0.012");
        assert_eq!(num(3.2e-4), "3.200e-4");
        assert_eq!(num(123456.0), "1.235e5");
        assert_eq!(num(0.0), "0");
        assert_eq!(count(1240), "1\u{2009}240");
        assert_eq!(count(12), "12");
    }
}
