//! The network's data: seeded built-in sets, the bundled Iris set, and CSV files the user
//! brings, split into training and test points and standardised.

use std::path::Path;

use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, StandardNormal};
use rand_pcg::Pcg64;

/// The bundled Iris data (Fisher 1936, from the UCI repository; see `assets/data/README.md`).
pub const IRIS_CSV: &str = include_str!("../../../assets/data/iris.csv");

/// The largest CSV file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// The most data rows a CSV file may have.
pub const MAX_ROWS: usize = 100_000;
/// The most feature columns a CSV file may have.
pub const MAX_FEATURES: usize = 1_024;
/// The most classes.
pub const MAX_CLASSES: usize = 64;

crate::choice! {
    /// A built-in data set.
    pub enum Builtin {
        TwoSpirals = "two_spirals", "two spirals";
        Circles = "circles", "circles";
        Xor = "xor", "xor";
        Moons = "moons", "moons";
        Blobs = "blobs", "Gaussian blobs (k classes)";
        Linear = "linear", "linear regression";
        Sine = "sine", "sine regression";
        Iris = "iris", "Iris (4 features, 3 classes)";
    }
}

impl Builtin {
    /// Whether the set's targets are real values rather than classes.
    pub fn is_regression(self) -> bool {
        matches!(self, Builtin::Linear | Builtin::Sine)
    }
}

/// What the generators are asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recipe {
    /// Points in all (training and test).
    pub n: usize,
    /// Classes, for the blobs.
    pub classes: usize,
    /// The standard deviation of the noise on the inputs (on the targets, for regression).
    pub noise: f64,
    /// The fraction of class labels replaced by another class.
    pub label_noise: f64,
    /// The correlation ρ mixed into consecutive input features: x₂ ← ρx₁ + √(1 − ρ²)x₂.
    pub correlation: f64,
    /// The seed of the points and of the split.
    pub seed: u64,
}

/// Points and targets before the split: rows of `p` features, and a target per row (a class
/// index, or a real value for regression).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Features per point.
    pub p: usize,
    /// The points, row-major.
    pub x: Vec<f64>,
    /// The targets.
    pub y: Vec<f64>,
    /// The class names (empty for regression).
    pub classes: Vec<String>,
    /// The feature names.
    pub features: Vec<String>,
}

impl Table {
    /// The number of points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    fn two_d(x: Vec<f64>, y: Vec<f64>, classes: usize) -> Self {
        Self {
            p: 2,
            x,
            y,
            classes: (0..classes).map(|c| format!("class {c}")).collect(),
            features: vec!["x₁".into(), "x₂".into()],
        }
    }
}

/// Generates a built-in set.
pub fn generate(which: Builtin, r: &Recipe) -> Table {
    let mut rng = Pcg64::seed_from_u64(data_seed(r.seed, 1));
    let n = r.n.max(2);
    let gauss = move |rng: &mut Pcg64| -> f64 { StandardNormal.sample(rng) };
    let mut t = match which {
        Builtin::TwoSpirals => {
            // Point 2k is class 0 and point 2k + 1 class 1, on mirrored arms:
            // t = k/(n/2 − 1), θ = 3πt, r = 0.1 + 0.9t.
            let half = n / 2;
            let mut x = Vec::with_capacity(4 * half);
            let mut y = Vec::with_capacity(2 * half);
            for k in 0..half {
                let t = k as f64 / (half.max(2) - 1) as f64;
                let (theta, rad) = (3.0 * std::f64::consts::PI * t, 0.1 + 0.9 * t);
                let (px, py) = (rad * theta.cos(), rad * theta.sin());
                x.extend([px, py, -px, -py]);
                y.extend([0.0, 1.0]);
            }
            Table::two_d(x, y, 2)
        }
        Builtin::Circles => {
            let mut x = Vec::with_capacity(2 * n);
            let mut y = Vec::with_capacity(n);
            for i in 0..n {
                let a = std::f64::consts::TAU * rng.random::<f64>();
                let rad = if i % 2 == 0 { 0.5 } else { 1.0 };
                x.extend([rad * a.cos(), rad * a.sin()]);
                y.push((i % 2) as f64);
            }
            Table::two_d(x, y, 2)
        }
        Builtin::Xor => {
            let mut x = Vec::with_capacity(2 * n);
            let mut y = Vec::with_capacity(n);
            for _ in 0..n {
                // Each coordinate at least 0.1 from the axes, so the quadrant is never in doubt.
                let mut c = || {
                    let v: f64 = rng.random_range(0.1..1.0);
                    if rng.random::<bool>() { v } else { -v }
                };
                let (a, b) = (c(), c());
                x.extend([a, b]);
                y.push(f64::from(u8::from((a > 0.0) != (b > 0.0))));
            }
            Table::two_d(x, y, 2)
        }
        Builtin::Moons => {
            let mut x = Vec::with_capacity(2 * n);
            let mut y = Vec::with_capacity(n);
            for i in 0..n {
                let a = std::f64::consts::PI * rng.random::<f64>();
                let (px, py) = if i % 2 == 0 {
                    (a.cos(), a.sin())
                } else {
                    (1.0 - a.cos(), 0.5 - a.sin())
                };
                x.extend([px - 0.5, py - 0.25]);
                y.push((i % 2) as f64);
            }
            Table::two_d(x, y, 2)
        }
        Builtin::Blobs => {
            let k = r.classes.clamp(2, MAX_CLASSES);
            let mut x = Vec::with_capacity(2 * n);
            let mut y = Vec::with_capacity(n);
            for i in 0..n {
                let c = i % k;
                let a = std::f64::consts::TAU * c as f64 / k as f64;
                x.extend([
                    a.cos() + 0.25 * gauss(&mut rng),
                    a.sin() + 0.25 * gauss(&mut rng),
                ]);
                y.push(c as f64);
            }
            Table::two_d(x, y, k)
        }
        Builtin::Linear | Builtin::Sine => {
            let mut x = Vec::with_capacity(n);
            let mut y = Vec::with_capacity(n);
            for _ in 0..n {
                let v: f64 = rng.random_range(-1.0..1.0);
                let clean = if which == Builtin::Linear {
                    1.5 * v - 0.5
                } else {
                    (std::f64::consts::PI * v).sin()
                };
                x.push(v);
                y.push(clean + r.noise * gauss(&mut rng));
            }
            Table {
                p: 1,
                x,
                y,
                classes: Vec::new(),
                features: vec!["x".into()],
            }
        }
        Builtin::Iris => {
            parse_csv(IRIS_CSV, false).unwrap_or_else(|_| Table::two_d(vec![], vec![], 0))
        }
    };
    if !which.is_regression() {
        if r.noise > 0.0 {
            for v in &mut t.x {
                *v += r.noise * gauss(&mut rng);
            }
        }
        relabel(&mut t, r.label_noise, &mut rng);
    }
    correlate(&mut t, r.correlation);
    t
}

/// Replaces a fraction of the labels by another class, drawn uniformly.
fn relabel(t: &mut Table, fraction: f64, rng: &mut Pcg64) {
    let k = t.classes.len();
    if fraction <= 0.0 || k < 2 {
        return;
    }
    for y in &mut t.y {
        if rng.random::<f64>() < fraction {
            let other = rng.random_range(0..k - 1);
            let c = *y as usize;
            *y = (if other >= c { other + 1 } else { other }) as f64;
        }
    }
}

/// Mixes correlation ρ into consecutive features: x₂ ← ρx₁ + √(1 − ρ²)x₂ for each pair.
fn correlate(t: &mut Table, rho: f64) {
    if rho == 0.0 || t.p < 2 {
        return;
    }
    let c = (1.0 - rho * rho).max(0.0).sqrt();
    for row in t.x.chunks_mut(t.p) {
        for j in (1..row.len()).step_by(2) {
            row[j] = rho * row[j - 1] + c * row[j];
        }
    }
}

/// A stream seed for one purpose of the data seed.
fn data_seed(seed: u64, purpose: u64) -> u64 {
    // SplitMix64's finaliser, so that nearby seeds give unrelated streams.
    let mut z =
        (seed ^ purpose.wrapping_mul(0xA076_1D64_78BD_642F)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Data split into training and test points, standardised.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Features per point.
    pub p: usize,
    /// Training points, row-major (standardised when asked).
    pub x: Vec<f64>,
    /// Training targets.
    pub y: Vec<f64>,
    /// Test points.
    pub test_x: Vec<f64>,
    /// Test targets.
    pub test_y: Vec<f64>,
    /// The class names (empty for regression).
    pub classes: Vec<String>,
    /// The feature names.
    pub features: Vec<String>,
    /// The training split's mean of each feature (zero when not standardised).
    pub mean: Vec<f64>,
    /// The training split's standard deviation of each feature (one when not standardised).
    pub scale: Vec<f64>,
    /// How many of the training points, the last ones, were painted.
    pub painted: usize,
}

impl Dataset {
    /// Splits `t`, holding out `test_fraction` of its points (chosen by a shuffle seeded from
    /// `seed`; the rest keep their order), and standardises by the training points' statistics.
    pub fn split(t: Table, test_fraction: f64, standardize: bool, seed: u64) -> Self {
        Self::split_keeping(t, 0, test_fraction, standardize, seed)
    }

    /// [`Dataset::split`] with the last `keep` points (painted ones) always in the training
    /// split: the test points are drawn from the others, as if those were all there is, so
    /// painting a point changes no other point's split.
    pub fn split_keeping(
        t: Table,
        keep: usize,
        test_fraction: f64,
        standardize: bool,
        seed: u64,
    ) -> Self {
        let n = t.len();
        let drawn = n.saturating_sub(keep);
        let n_test = ((drawn as f64 * test_fraction).round() as usize).min(drawn.saturating_sub(1));
        let mut order: Vec<usize> = (0..drawn).collect();
        let mut rng = Pcg64::seed_from_u64(data_seed(seed, 2));
        for i in (1..drawn).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let mut is_test = vec![false; n];
        for &i in &order[..n_test] {
            is_test[i] = true;
        }
        let p = t.p;
        let (mut x, mut y, mut test_x, mut test_y) = (vec![], vec![], vec![], vec![]);
        for (i, held_out) in is_test.iter().enumerate() {
            let row = &t.x[i * p..(i + 1) * p];
            if *held_out {
                test_x.extend_from_slice(row);
                test_y.push(t.y[i]);
            } else {
                x.extend_from_slice(row);
                y.push(t.y[i]);
            }
        }
        let mut mean = vec![0.0; p];
        let mut scale = vec![1.0; p];
        if standardize && !y.is_empty() {
            let m = y.len() as f64;
            for j in 0..p {
                let mu = x.iter().skip(j).step_by(p).sum::<f64>() / m;
                let var = x
                    .iter()
                    .skip(j)
                    .step_by(p)
                    .map(|v| (v - mu) * (v - mu))
                    .sum::<f64>()
                    / m;
                mean[j] = mu;
                scale[j] = if var > 0.0 { var.sqrt() } else { 1.0 };
            }
            for rows in [&mut x, &mut test_x] {
                for row in rows.chunks_mut(p) {
                    for j in 0..p {
                        row[j] = (row[j] - mean[j]) / scale[j];
                    }
                }
            }
        }
        Self {
            p,
            x,
            y,
            test_x,
            test_y,
            classes: t.classes,
            features: t.features,
            mean,
            scale,
            painted: keep.min(n),
        }
    }

    /// The number of training points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no training points.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Whether the targets are classes.
    pub fn is_classification(&self) -> bool {
        !self.classes.is_empty()
    }
}

/// Reads a CSV file of data (see [`parse_csv`]), refusing files past [`MAX_FILE_BYTES`].
pub fn read_csv(path: &Path, regression: bool) -> Result<Table, String> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{name}: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{name}: {} MB is past the limit of {} MB",
            size >> 20,
            MAX_FILE_BYTES >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text"))?;
    parse_csv(&text, regression).map_err(|e| format!("{name}: {e}"))
}

/// Parses CSV data: a header row, then numeric feature columns. The target is the column named
/// `label` (in any case), or else the last column; class labels may be strings or integers
/// (numbered in sorted order), and with `regression` the target is a real value. A byte-order
/// mark and CRLF line ends are accepted; blank lines are skipped. Errors name the line.
pub fn parse_csv(text: &str, regression: bool) -> Result<Table, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("the file is empty")?;
    let names: Vec<String> = split_row(header).into_iter().map(str::to_owned).collect();
    if names.len() < 2 {
        return Err(format!(
            "line 1: the header has {} column; a feature and a label are needed",
            names.len()
        ));
    }
    if names.len() > MAX_FEATURES + 1 {
        return Err(format!(
            "line 1: {} columns, past the limit of {MAX_FEATURES} features",
            names.len() - 1
        ));
    }
    let target = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case("label"))
        .unwrap_or(names.len() - 1);
    let p = names.len() - 1;
    let mut x = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for (line, text) in lines {
        let cells = split_row(text);
        if cells.len() != names.len() {
            return Err(format!(
                "line {line}: {} cells, but the header has {} columns",
                cells.len(),
                names.len()
            ));
        }
        if labels.len() >= MAX_ROWS {
            return Err(format!("more than {MAX_ROWS} rows, the limit"));
        }
        for (j, cell) in cells.iter().enumerate() {
            if j == target {
                continue;
            }
            let v: f64 = cell.parse().map_err(|_| {
                format!(
                    "line {line}, column `{}`: `{cell}` is not a number",
                    names[j]
                )
            })?;
            if !v.is_finite() {
                return Err(format!(
                    "line {line}, column `{}`: `{cell}` is not a finite number",
                    names[j]
                ));
            }
            x.push(v);
        }
        labels.push(cells[target].to_owned());
    }
    if labels.is_empty() {
        return Err("no data rows after the header".into());
    }
    let features: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != target)
        .map(|(_, n)| n.clone())
        .collect();
    if regression {
        let y = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        format!("row {}: the target `{l}` is not a finite number", i + 1)
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Table {
            p,
            x,
            y,
            classes: Vec::new(),
            features,
        });
    }
    let mut classes: Vec<String> = labels.clone();
    // Integer labels sort as numbers, others as text.
    let numeric = classes.iter().all(|c| c.parse::<i64>().is_ok());
    if numeric {
        classes.sort_by_key(|c| c.parse::<i64>().unwrap_or(0));
    } else {
        classes.sort();
    }
    classes.dedup();
    if classes.len() < 2 {
        return Err(format!(
            "every row has the label `{}`: at least two classes are needed",
            classes[0]
        ));
    }
    if classes.len() > MAX_CLASSES {
        return Err(format!(
            "{} classes, past the limit of {MAX_CLASSES} (is the label column right?)",
            classes.len()
        ));
    }
    let y = labels
        .iter()
        .map(|l| classes.iter().position(|c| c == l).unwrap_or(0) as f64)
        .collect();
    Ok(Table {
        p,
        x,
        y,
        classes,
        features,
    })
}

/// The cells of one row, trimmed, with surrounding double quotes removed.
fn split_row(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|c| {
            let c = c.trim();
            c.strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .unwrap_or(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::params::Choice as _;

    fn recipe(n: usize) -> Recipe {
        Recipe {
            n,
            classes: 3,
            noise: 0.0,
            label_noise: 0.0,
            correlation: 0.0,
            seed: 0,
        }
    }

    /// The spirals of the performance workloads: point 2k class 0, 2k + 1 mirrored.
    #[test]
    fn two_spirals_are_the_workloads_spirals() {
        let t = generate(Builtin::TwoSpirals, &recipe(256));
        assert_eq!((t.len(), t.p), (256, 2));
        assert_eq!(&t.x[..4], &[0.1, 0.0, -0.1, -0.0]);
        // The reference's checksums: Σ|x| and the last point.
        let sum: f64 = t.x.iter().map(|v| v.abs()).sum();
        assert!((sum - 178.969_296_839_968_14).abs() < 1e-10, "{sum}");
        assert!((t.x[508] - (-1.0)).abs() < 1e-15 && t.y[254..] == [0.0, 1.0]);
        assert!((t.x[4] - 0.106_791_873_085_802_64).abs() < 1e-15);
    }

    #[test]
    fn every_builtin_set_is_seeded_and_labelled() {
        for which in Builtin::KEYS.iter().map(|k| builtin(k)) {
            let a = generate(
                which,
                &Recipe {
                    noise: 0.1,
                    label_noise: 0.1,
                    ..recipe(120)
                },
            );
            let b = generate(
                which,
                &Recipe {
                    noise: 0.1,
                    label_noise: 0.1,
                    ..recipe(120)
                },
            );
            assert_eq!(a, b, "{which:?} is not reproducible");
            assert!(!a.is_empty() && a.x.len() == a.len() * a.p);
            assert!(a.x.iter().chain(&a.y).all(|v| v.is_finite()));
            if which.is_regression() {
                assert!(a.classes.is_empty());
            } else {
                let k = a.classes.len();
                assert!(k >= 2, "{which:?}");
                // Every class is present.
                for c in 0..k {
                    assert!(a.y.contains(&(c as f64)), "{which:?} lacks class {c}");
                }
            }
            let c = generate(
                which,
                &Recipe {
                    seed: 1,
                    noise: 0.1,
                    ..recipe(120)
                },
            );
            if which != Builtin::TwoSpirals && which != Builtin::Iris {
                assert_ne!(a.x, c.x, "{which:?} ignores its seed");
            }
        }
    }

    fn builtin(key: &str) -> Builtin {
        let i = Builtin::KEYS.iter().position(|k| *k == key).unwrap();
        <Builtin as crate::params::Choice>::from_index(i)
    }

    #[test]
    fn correlation_and_label_noise_do_what_they_say() {
        let r = Recipe {
            correlation: 0.9,
            ..recipe(4000)
        };
        let t = generate(Builtin::Blobs, &r);
        let n = t.len() as f64;
        let (mx, my) = (
            t.x.iter().step_by(2).sum::<f64>() / n,
            t.x.iter().skip(1).step_by(2).sum::<f64>() / n,
        );
        let cov: f64 =
            t.x.chunks(2)
                .map(|p| (p[0] - mx) * (p[1] - my))
                .sum::<f64>()
                / n;
        let sx = (t.x.chunks(2).map(|p| (p[0] - mx).powi(2)).sum::<f64>() / n).sqrt();
        let sy = (t.x.chunks(2).map(|p| (p[1] - my).powi(2)).sum::<f64>() / n).sqrt();
        assert!(cov / (sx * sy) > 0.8, "correlation {}", cov / (sx * sy));
        let clean = generate(Builtin::Xor, &recipe(4000));
        let noisy = generate(
            Builtin::Xor,
            &Recipe {
                label_noise: 0.25,
                ..recipe(4000)
            },
        );
        let flipped = clean.y.iter().zip(&noisy.y).filter(|(a, b)| a != b).count();
        assert!((800..1200).contains(&flipped), "{flipped} of 4000 flipped");
    }

    #[test]
    fn the_split_holds_out_points_and_standardises_by_the_training_points() {
        let t = generate(Builtin::Moons, &recipe(200));
        let d = Dataset::split(t.clone(), 0.25, true, 3);
        assert_eq!((d.len(), d.test_y.len()), (150, 50));
        for j in 0..2 {
            let m: f64 = d.x.iter().skip(j).step_by(2).sum::<f64>() / 150.0;
            let v: f64 = d.x.iter().skip(j).step_by(2).map(|x| x * x).sum::<f64>() / 150.0;
            assert!(
                m.abs() < 1e-12 && (v - 1.0).abs() < 1e-12,
                "feature {j}: {m}, {v}"
            );
        }
        let raw = Dataset::split(t, 0.0, false, 3);
        assert_eq!(raw.len(), 200);
        assert_eq!(raw.scale, vec![1.0, 1.0]);
    }

    #[test]
    fn iris_is_bundled_with_three_classes() {
        let t = parse_csv(IRIS_CSV, false).unwrap();
        assert_eq!((t.len(), t.p, t.classes.len()), (150, 4, 3));
        assert_eq!(t.classes, ["setosa", "versicolor", "virginica"]);
        assert_eq!(t.features[0], "sepal_length");
    }

    #[test]
    fn csv_files_are_read_with_their_quirks() {
        let t = parse_csv(
            "\u{feff}a,b,label\r\n1,2,cat\r\n3,4,dog\r\n\r\n5,6,cat\r\n",
            false,
        )
        .unwrap();
        assert_eq!((t.p, t.len()), (2, 3));
        assert_eq!(t.y, vec![0.0, 1.0, 0.0]);
        // The label column need not be last; integer labels sort as numbers.
        let t = parse_csv("label,x\n10,1\n9,2\n10,3\n", false).unwrap();
        assert_eq!(t.classes, ["9", "10"]);
        assert_eq!(
            (t.x.clone(), t.y.clone()),
            (vec![1.0, 2.0, 3.0], vec![1.0, 0.0, 1.0])
        );
        // Without a `label` column the last one is the target.
        let t = parse_csv("x,y,class\n1,2,0\n3,4,1\n", false).unwrap();
        assert_eq!(t.features, ["x", "y"]);
        let r = parse_csv("x,y\n1,0.5\n2,1.5\n", true).unwrap();
        assert_eq!(r.y, vec![0.5, 1.5]);
    }

    #[test]
    fn bad_csv_files_get_errors_with_line_numbers() {
        let cases = [
            ("", "empty"),
            ("a,label\n", "no data rows"),
            ("a,b,label\n1,2,x\n1,2\n", "line 3"),
            (
                "a,label\n1,x\nq,y\n",
                "line 3, column `a`: `q` is not a number",
            ),
            ("a,label\n1,x\nNaN,y\n", "line 3, column `a`"),
            ("a,label\n1,x\n2,x\n", "two classes"),
            ("label\n1\n", "line 1"),
        ];
        for (text, want) in cases {
            let e = parse_csv(text, false).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let e = parse_csv("a,t\n1,x\n", true).unwrap_err();
        assert!(e.contains("not a finite number"), "{e}");
    }
}
