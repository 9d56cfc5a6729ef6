//! A small neural network as a problem: a multilayer perceptron on a data set, its parameters
//! one flat θ so that every method trains it unchanged.
//!
//! `--problem mlp:data=two_spirals,n=256,hidden=16x16,act=tanh,loss=bce`. The data is a
//! built-in seeded set or a CSV file (`data=path.csv`); mini-batches come from the noise
//! model's `batch` channel (`--noise batch:size=32`, or `batch=32` in the CLI spec). Backprop
//! gives the exact gradient, the R-operator exact Hessian-vector products, and the Gauss–Newton
//! product serves second-order methods. The clean full-batch loss, accuracy and test loss are
//! measured every `measure_every` steps, not at every step: a network's measurement is a full
//! pass over the data and would otherwise double the cost of a step.

pub mod data;
pub mod kernels;
pub mod net;
mod plane;
pub mod workload;

pub use workload::workload_init;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use ndarray::{ArrayView1, ArrayViewMut1, ArrayViewMut2};
use rand::SeedableRng as _;
use rand_pcg::Pcg64;

use self::data::{Builtin, Dataset, Recipe, Table};
use self::net::{Activation, Head, Layout, Rows, Want};
use super::view::{Confusion, InputSpace, NetworkPicture};
use super::{
    Metrics, Minimum, Objective, ParamBlock, ProblemConfig, Provides, ViewBounds, ViewKind,
};

/// The most points painted into a data set.
pub const MAX_PAINTED: usize = 2_000;

/// The most hidden layers.
pub const MAX_LAYERS: usize = 8;
/// The widest hidden layer.
pub const MAX_WIDTH: usize = 1024;

/// The widths of the hidden layers, written `16x16` (an empty list is a linear model).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hidden(pub Vec<usize>);

impl Hidden {
    /// Parses `16x16`, `32`, or `` (no hidden layer).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s == "0" {
            return Ok(Self(Vec::new()));
        }
        let widths = s
            .split(['x', 'X', '×'])
            .map(|w| {
                w.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|w| (1..=MAX_WIDTH).contains(w))
                    .ok_or_else(|| {
                        format!(
                            "`hidden`: `{w}` is not a width from 1 to {MAX_WIDTH} (write 16x16)"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if widths.len() > MAX_LAYERS {
            return Err(format!(
                "`hidden`: {} layers; at most {MAX_LAYERS}",
                widths.len()
            ));
        }
        Ok(Self(widths))
    }
}

impl std::fmt::Display for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(usize::to_string).collect();
        f.write_str(&parts.join("x"))
    }
}

impl serde::Serialize for Hidden {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Hidden {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            One(u64),
            List(Vec<u64>),
        }
        let text = match Form::deserialize(d)? {
            Form::Text(t) => t,
            Form::One(w) => w.to_string(),
            Form::List(ws) => ws.iter().map(u64::to_string).collect::<Vec<_>>().join("x"),
        };
        Hidden::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Where the data comes from: a built-in set or a CSV file (read once, when first needed).
#[derive(Clone, Debug)]
pub enum DataSource {
    /// A built-in set.
    Builtin(Builtin),
    /// A CSV file.
    File(DataFile),
}

/// A CSV file of data and, once read, its contents (or why they could not be read).
#[derive(Clone, Debug)]
pub struct DataFile {
    /// The path, as given.
    pub path: PathBuf,
    loaded: Arc<OnceLock<Result<Table, String>>>,
}

impl DataFile {
    /// A file not yet read.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            loaded: Arc::new(OnceLock::new()),
        }
    }

    /// The contents: read at the first call, then kept.
    pub fn table(&self, regression: bool) -> Result<&Table, String> {
        self.loaded
            .get_or_init(|| data::read_csv(&self.path, regression))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl PartialEq for DataSource {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (DataSource::Builtin(a), DataSource::Builtin(b)) => a == b,
            (DataSource::File(a), DataSource::File(b)) => a.path == b.path,
            _ => false,
        }
    }
}

impl DataSource {
    /// A built-in set by key, or else a file path.
    pub fn parse(s: &str) -> Self {
        match <Builtin as crate::params::Choice>::KEYS
            .iter()
            .position(|k| *k == s)
        {
            Some(i) => DataSource::Builtin(<Builtin as crate::params::Choice>::from_index(i)),
            None => DataSource::File(DataFile::new(s)),
        }
    }

    /// How specs and scenes write it.
    pub fn key(&self) -> String {
        match self {
            DataSource::Builtin(b) => <Builtin as crate::params::Choice>::KEYS
                [crate::params::Choice::index(*b)]
            .to_owned(),
            DataSource::File(f) => f.path.display().to_string(),
        }
    }
}

impl serde::Serialize for DataSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl<'de> serde::Deserialize<'de> for DataSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(DataSource::parse(&s))
    }
}

crate::choice! {
    /// The output and loss.
    pub enum Loss {
        Auto = "auto", "by the data (mse, bce or ce)";
        Mse = "mse", "mean squared error";
        Bce = "bce", "sigmoid + binary cross-entropy";
        Ce = "ce", "softmax + cross-entropy";
    }
}

crate::params! {
    /// A multilayer perceptron trained on a data set.
    pub struct MlpConfig {
        /// The hidden activation (Glorot initialisation for tanh and σ, He for ReLU and GELU).
        act: Activation = Activation::Tanh, "activation", (0, 0), Linear, Finite, restart;
        /// The output and loss; `auto` picks MSE for regression, BCE for two classes and
        /// softmax cross-entropy for more.
        loss: Loss = Loss::Auto, "loss", (0, 0), Linear, Finite, restart;
        /// Points generated by a built-in set (training and test together).
        n: usize = 256, "data points n", (16, 2000), Linear, Within(4.0, 100_000.0), restart;
        /// Classes of the Gaussian blobs.
        classes: usize = 3, "classes (blobs)", (2, 10), Linear, Within(2.0, 64.0), restart;
        /// The standard deviation of the noise on the inputs (on the targets, for regression).
        noise: f64 = 0.0, "input noise σ", (0.0, 0.5), Linear, NonNegative, restart;
        /// The fraction of labels replaced by another class.
        label_noise: f64 = 0.0, "label noise (fraction)", (0.0, 0.5), Linear, Within(0.0, 1.0), restart;
        /// The fraction of the points held out as the test set.
        test: f64 = 0.2, "test fraction", (0.0, 0.5), Linear, Within(0.0, 0.9), restart;
        /// Correlation ρ mixed into consecutive input features.
        correlation: f64 = 0.0, "input correlation ρ", (-0.95, 0.95), Linear, Within(-0.999, 0.999), restart;
        /// Whether features become z-scores of the training split.
        standardize: bool = true, "standardise features", (0, 1), Linear, Finite, restart;
        /// The seed of the generated points and of the train/test split (the scene seed
        /// draws the initial weights).
        data_seed: usize = 0, "data seed", (0, 100), Linear, Within(0.0, 1e15), restart;
        /// Every how many steps the clean full-batch loss, accuracy and test loss are measured.
        measure_every: usize = 10, "measure every k steps", (1, 100), Log, Within(1.0, 1e6), restart;
        @extra {
            /// The data: a built-in set (two_spirals, circles, xor, moons, blobs, linear, sine,
            /// iris) or the path of a CSV file.
            data: DataSource = DataSource::Builtin(Builtin::TwoSpirals);
            /// The hidden layers' widths, `16x16`.
            hidden: Hidden = Hidden(vec![16, 16]);
            /// Points painted in the decision view, always training points, in the data's own
            /// units: `[x₁, x₂, class]` for a classification of two features, `[x, y, 0]` for
            /// a regression on one.
            points: Vec<[f64; 3]> = Vec::new();
        }
    }
}

impl MlpConfig {
    /// The table of points, before the split.
    fn table(&self) -> Result<Table, String> {
        match &self.data {
            DataSource::Builtin(b) => Ok(data::generate(
                *b,
                &Recipe {
                    n: self.n,
                    classes: self.classes,
                    noise: self.noise,
                    label_noise: self.label_noise,
                    correlation: self.correlation,
                    seed: self.data_seed as u64,
                },
            )),
            DataSource::File(f) => f.table(self.loss == Loss::Mse).cloned(),
        }
    }

    /// The head for this data.
    fn head(&self, d: &Dataset) -> Result<Head, String> {
        let k = d.classes.len();
        match (self.loss, d.is_classification()) {
            (Loss::Auto, false) | (Loss::Mse, false) => Ok(Head::Mse),
            (Loss::Auto, true) if k == 2 => Ok(Head::Bce),
            (Loss::Auto, true) | (Loss::Ce, true) => Ok(Head::Ce),
            (Loss::Bce, true) if k == 2 => Ok(Head::Bce),
            (Loss::Bce, true) => Err(format!(
                "`loss = bce` needs two classes; the data has {k} (use ce)"
            )),
            (Loss::Mse, true) => Err(
                "`loss = mse` needs a regression data set (linear, sine, or a CSV with loss = mse)"
                    .into(),
            ),
            (_, false) => {
                Err("`loss = bce` and `ce` need class labels; this data is a regression".into())
            }
        }
    }

    /// Appends the painted points to `t`; returns how many, or why they do not fit the data.
    fn paint(&self, t: &mut Table) -> Result<usize, String> {
        if self.points.is_empty() {
            return Ok(0);
        }
        if self.points.len() > MAX_PAINTED {
            return Err(format!(
                "{} painted points; at most {MAX_PAINTED}",
                self.points.len()
            ));
        }
        let classify = !t.classes.is_empty();
        let features = if classify { 2 } else { 1 };
        if t.p != features {
            return Err(format!(
                "painted points need {} on {features} feature(s); this data has {}",
                if classify {
                    "a classification"
                } else {
                    "a regression"
                },
                t.p
            ));
        }
        for (i, &[a, b, c]) in self.points.iter().enumerate() {
            if !(a.is_finite() && b.is_finite() && c.is_finite()) {
                return Err(format!("painted point {}: not a finite number", i + 1));
            }
            if classify {
                let k = t.classes.len();
                if c < 0.0 || c.fract() != 0.0 || c as usize >= k {
                    return Err(format!(
                        "painted point {}: class {c} is not one of 0 … {}",
                        i + 1,
                        k - 1
                    ));
                }
                t.x.extend([a, b]);
                t.y.push(c);
            } else {
                t.x.push(a);
                t.y.push(b);
            }
        }
        Ok(self.points.len())
    }

    /// The data and the layout, or why they cannot be made.
    pub fn model(&self) -> Result<(Dataset, Layout), String> {
        let mut table = self.table()?;
        let painted = self.paint(&mut table)?;
        let d = Dataset::split_keeping(
            table,
            painted,
            self.test,
            self.standardize,
            self.data_seed as u64,
        );
        if d.is_empty() {
            return Err("no training points".into());
        }
        let head = self.head(&d)?;
        let out = if head == Head::Ce { d.classes.len() } else { 1 };
        let mut widths = vec![d.p];
        widths.extend(&self.hidden.0);
        widths.push(out);
        Ok((d, Layout::new(widths, self.act, head)))
    }

    /// The initial parameters for a run's seed.
    pub fn init(&self, seed: u64) -> Vec<f64> {
        match self.model() {
            Ok((_, layout)) => layout.init(&mut Pcg64::seed_from_u64(init_seed(seed))),
            Err(_) => vec![0.0; 2],
        }
    }
}

/// The stream of a run's initial weights.
fn init_seed(seed: u64) -> u64 {
    seed ^ 0x6D6C_705F_696E_6974
}

impl ProblemConfig for MlpConfig {
    fn build(&self) -> Box<dyn Objective> {
        match self.model() {
            Ok((data, layout)) => Box::new(Mlp::new(data, layout, self.measure_every as u64)),
            // Validation refuses such a configuration; a file that vanished since gives an
            // empty model rather than a panic.
            Err(_) => Box::new(Mlp::empty()),
        }
    }

    fn default_start(&self) -> Vec<f64> {
        self.init(0)
    }

    fn seeded_start(&self, seed: u64) -> Vec<f64> {
        self.init(seed)
    }

    fn check(&self) -> Result<(), String> {
        self.model().map(|_| ())
    }
}

/// A network and its data, as an objective: the mean loss over the training points.
pub struct Mlp {
    layout: Layout,
    data: Arc<Dataset>,
    blocks: Vec<ParamBlock>,
    measure_every: u64,
}

impl Mlp {
    /// The objective of `layout` on `data`, measured every `measure_every` steps.
    pub fn new(data: Dataset, layout: Layout, measure_every: u64) -> Self {
        Self {
            blocks: layout.blocks(),
            layout,
            data: Arc::new(data),
            measure_every: measure_every.max(1),
        }
    }

    fn empty() -> Self {
        let d = Dataset::split(
            Table {
                p: 1,
                x: vec![0.0],
                y: vec![0.0],
                classes: Vec::new(),
                features: vec!["x".into()],
            },
            0.0,
            false,
            0,
        );
        Self::new(d, Layout::new(vec![1, 1], Activation::Tanh, Head::Mse), 1)
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The data.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    fn train<'a>(&'a self, pick: Option<&'a [u32]>) -> Rows<'a> {
        Rows {
            x: &self.data.x,
            y: &self.data.y,
            pick,
        }
    }

    fn theta<'a>(x: &'a ArrayView1<'_, f64>) -> std::borrow::Cow<'a, [f64]> {
        match x.as_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(x.to_vec()),
        }
    }

    /// The network's outputs at `x` for the rows of `inputs` (p per row): logits, or the
    /// regression's values.
    pub fn outputs(&self, theta: &[f64], inputs: &[f64], out: &mut [f64]) {
        let m = inputs.len() / self.layout.widths[0].max(1);
        let zeros = vec![0.0; m];
        net::pass(
            &self.layout,
            theta,
            Rows {
                x: inputs,
                y: &zeros,
                pick: None,
            },
            Want::Outputs(out),
        );
    }
}

/// Writes into an ndarray view through a slice (views of contiguous vectors always have one).
fn with_slice(mut out: ArrayViewMut1<'_, f64>, f: impl FnOnce(&mut [f64])) {
    match out.as_slice_mut() {
        Some(s) => f(s),
        None => {
            let mut tmp = out.to_vec();
            f(&mut tmp);
            for (o, t) in out.iter_mut().zip(tmp) {
                *o = t;
            }
        }
    }
}

impl Objective for Mlp {
    fn dim(&self) -> usize {
        self.layout.params()
    }

    fn value(&self, x: ArrayView1<'_, f64>) -> f64 {
        net::pass(
            &self.layout,
            &Self::theta(&x),
            self.train(None),
            Want::Value,
        )
    }

    fn gradient_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>) {
        self.value_and_gradient_into(x, g);
    }

    fn value_and_gradient_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>) -> f64 {
        let theta = Self::theta(&x);
        let mut f = 0.0;
        with_slice(g, |g| {
            f = net::pass(&self.layout, &theta, self.train(None), Want::Gradient(g));
        });
        f
    }

    fn hvp_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        out: ArrayViewMut1<'_, f64>,
    ) {
        let (theta, v) = (Self::theta(&x), Self::theta(&v));
        with_slice(out, |o| {
            net::pass(&self.layout, &theta, self.train(None), Want::Hvp(&v, o));
        });
    }

    /// Column by column from H·eⱼ, written into row j (H is symmetric), with a unit vector
    /// kept per thread so that nothing is allocated after the first call.
    fn hessian_into(&self, x: ArrayView1<'_, f64>, mut h: ArrayViewMut2<'_, f64>) {
        thread_local! {
            static UNIT: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let theta = Self::theta(&x);
        let d = self.dim();
        UNIT.with(|unit| {
            let mut e = unit.borrow_mut();
            e.clear();
            e.resize(d, 0.0);
            for j in 0..d {
                e[j] = 1.0;
                with_slice(h.row_mut(j), |row| {
                    net::pass(&self.layout, &theta, self.train(None), Want::Hvp(&e, row));
                });
                e[j] = 0.0;
            }
        });
    }

    fn provides(&self) -> Provides {
        Provides {
            gradient: true,
            hvp: true,
            // Dense Hessians (one product per column) only for small nets.
            hessian: self.dim() <= 1024,
            residuals: false,
            fisher: false,
            gauss_newton: true,
            network: true,
            neuron: false,
        }
    }

    fn bounds(&self) -> ViewBounds {
        ViewBounds {
            x: (-1.0, 1.0),
            y: (-1.0, 1.0),
        }
    }

    fn minima(&self) -> Vec<Minimum> {
        Vec::new()
    }

    fn samples(&self) -> usize {
        self.data.len()
    }

    fn plane(
        &self,
        origin: ArrayView1<'_, f64>,
        u: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
    ) -> Option<Box<dyn super::PlaneSampler + '_>> {
        let d = self.dim();
        (origin.len() == d && u.len() == d && v.len() == d).then(|| {
            Box::new(plane::Plane::new(self, origin, u, v)) as Box<dyn super::PlaneSampler>
        })
    }

    fn value_on(&self, x: ArrayView1<'_, f64>, batch: &[u32]) -> f64 {
        net::pass(
            &self.layout,
            &Self::theta(&x),
            self.train(Some(batch)),
            Want::Value,
        )
    }

    fn value_and_gradient_on(
        &self,
        x: ArrayView1<'_, f64>,
        batch: &[u32],
        g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        let theta = Self::theta(&x);
        let mut f = 0.0;
        with_slice(g, |g| {
            f = net::pass(
                &self.layout,
                &theta,
                self.train(Some(batch)),
                Want::Gradient(g),
            );
        });
        f
    }

    fn hvp_on(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        batch: &[u32],
        out: ArrayViewMut1<'_, f64>,
    ) {
        let (theta, v) = (Self::theta(&x), Self::theta(&v));
        with_slice(out, |o| {
            net::pass(
                &self.layout,
                &theta,
                self.train(Some(batch)),
                Want::Hvp(&v, o),
            );
        });
    }

    fn gauss_newton_into(
        &self,
        x: ArrayView1<'_, f64>,
        v: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        out: ArrayViewMut1<'_, f64>,
    ) {
        let (theta, v) = (Self::theta(&x), Self::theta(&v));
        with_slice(out, |o| {
            net::pass(
                &self.layout,
                &theta,
                self.train(batch),
                Want::GaussNewton(&v, o),
            );
        });
    }

    fn measure_every(&self) -> u64 {
        self.measure_every
    }

    fn measure_into(&self, x: ArrayView1<'_, f64>, g: ArrayViewMut1<'_, f64>) -> (f64, Metrics) {
        let f = self.value_and_gradient_into(x, g);
        let theta = Self::theta(&x);
        let classify = self.data.is_classification();
        let accuracy = |rows: Rows<'_>| {
            let mut right = 0;
            let loss = net::pass(&self.layout, &theta, rows, Want::Correct(&mut right));
            (loss, right as f64 / rows.y.len().max(1) as f64)
        };
        let (_, acc) = if classify {
            accuracy(self.train(None))
        } else {
            (f, f64::NAN)
        };
        let (test_loss, test_acc) = if self.data.test_y.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            let rows = Rows {
                x: &self.data.test_x,
                y: &self.data.test_y,
                pick: None,
            };
            let (l, a) = accuracy(rows);
            (l, if classify { a } else { f64::NAN })
        };
        (
            f,
            Metrics {
                accuracy: acc,
                test_loss,
                test_accuracy: test_acc,
            },
        )
    }

    fn blocks(&self) -> &[ParamBlock] {
        &self.blocks
    }

    fn units(&self) -> usize {
        self.layout.units()
    }

    fn feedback_alignment(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        feedback: &[f64],
        g: ArrayViewMut1<'_, f64>,
    ) -> f64 {
        let theta = Self::theta(&x);
        let mut f = f64::NAN;
        with_slice(g, |g| {
            f = net::pass(
                &self.layout,
                &theta,
                self.train(batch),
                Want::Feedback(feedback, g),
            );
        });
        f
    }

    fn node_perturbation(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        psi: &[f64],
        sigma: f64,
        baseline: Option<f64>,
        reward_noise: &[f64],
        g: ArrayViewMut1<'_, f64>,
    ) -> (f64, f64) {
        let theta = Self::theta(&x);
        let mut noisy = f64::NAN;
        let mut clean = f64::NAN;
        with_slice(g, |g| {
            clean = net::pass(
                &self.layout,
                &theta,
                self.train(batch),
                Want::Nodes {
                    psi,
                    sigma,
                    baseline,
                    reward_noise,
                    g,
                    noisy: &mut noisy,
                    activity: false,
                    moments: None,
                },
            );
        });
        (clean, noisy)
    }

    fn activity_perturbation(
        &self,
        x: ArrayView1<'_, f64>,
        batch: Option<&[u32]>,
        psi: &[f64],
        g: ArrayViewMut1<'_, f64>,
        moments: &mut [f64],
    ) -> (f64, f64) {
        let theta = Self::theta(&x);
        let mut noisy = f64::NAN;
        let mut clean = f64::NAN;
        with_slice(g, |g| {
            clean = net::pass(
                &self.layout,
                &theta,
                self.train(batch),
                Want::Nodes {
                    psi,
                    sigma: f64::NAN,
                    baseline: None,
                    reward_noise: &[],
                    g,
                    noisy: &mut noisy,
                    activity: true,
                    moments: Some(moments),
                },
            );
        });
        (clean, noisy)
    }

    /// The decision boundary, the step section and the first coordinates; not the smoothed
    /// landscape, whose sampled estimate over hundreds of weights would stall the engine.
    fn views(&self) -> &'static [ViewKind] {
        &[
            ViewKind::Decision,
            ViewKind::Profiles,
            ViewKind::Section,
            ViewKind::Coordinates,
        ]
    }

    fn input_space(
        &self,
        racers: &[(u32, ArrayView1<'_, f64>)],
        side: usize,
    ) -> Option<InputSpace> {
        Some(self.input_grid(racers, side))
    }
}

impl Mlp {
    /// The grid of [`Objective::input_space`]: over the first two features (or along the one
    /// feature of a curve fit), in their own units, padded by a tenth of their range.
    fn input_grid(&self, racers: &[(u32, ArrayView1<'_, f64>)], side: usize) -> InputSpace {
        let d = &*self.data;
        let p = d.p;
        let raw = |x: &[f64], j: usize| x[j] * d.scale[j] + d.mean[j];
        let all = || d.x.chunks(p).chain(d.test_x.chunks(p));
        let range = |j: usize| {
            let (lo, hi) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), row| {
                let v = raw(row, j);
                (a.min(v), b.max(v))
            });
            let pad = 0.1 * (hi - lo).max(1e-9);
            (lo - pad, hi + pad)
        };
        let curve = p == 1 && !d.is_classification();
        let (nx, ny) = if curve { (4 * side, 1) } else { (side, side) };
        let bx = range(0);
        let by = if curve {
            let (lo, hi) =
                d.y.iter()
                    .chain(&d.test_y)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                        (a.min(*v), b.max(*v))
                    });
            let pad = 0.1 * (hi - lo).max(1e-9);
            (lo - pad, hi + pad)
        } else if p >= 2 {
            range(1)
        } else {
            (-1.0, 1.0)
        };
        // The grid's inputs in the network's (standardised) units; features past the first two
        // at their training mean, which standardised is 0 (or the mean itself when not).
        let mut inputs = vec![0.0; nx * ny * p];
        for iy in 0..ny {
            for ix in 0..nx {
                let row = &mut inputs[(iy * nx + ix) * p..(iy * nx + ix + 1) * p];
                let gx = bx.0 + (bx.1 - bx.0) * ix as f64 / (nx - 1).max(1) as f64;
                let gy = by.0 + (by.1 - by.0) * iy as f64 / (ny - 1).max(1) as f64;
                for (j, v) in row.iter_mut().enumerate() {
                    let value = match j {
                        0 => gx,
                        1 => gy,
                        _ => d.mean[j],
                    };
                    *v = (value - d.mean[j]) / d.scale[j];
                }
            }
        }
        let c = *self.layout.widths.last().unwrap_or(&1);
        let mut out = vec![0.0; nx * ny * c];
        let surfaces = racers
            .iter()
            .map(|(racer, theta)| {
                let theta = Self::theta(theta);
                self.outputs(&theta, &inputs, &mut out);
                let values = match self.layout.head {
                    Head::Mse => out.clone(),
                    Head::Bce => out.iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect(),
                    Head::Ce => out
                        .chunks(c)
                        .flat_map(|z| {
                            let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                            let e: Vec<f64> = z.iter().map(|v| (v - top).exp()).collect();
                            let s: f64 = e.iter().sum();
                            e.into_iter().map(move |v| v / s)
                        })
                        .collect(),
                };
                (*racer, values)
            })
            .collect();
        let n_train = d.len();
        let points = all()
            .zip(d.y.iter().chain(&d.test_y))
            .map(|(row, y)| {
                if curve {
                    [raw(row, 0), *y]
                } else {
                    [raw(row, 0), if p >= 2 { raw(row, 1) } else { 0.0 }]
                }
            })
            .collect();
        let features = if curve || p == 1 {
            vec![d.features[0].clone()]
        } else {
            d.features[..2].to_vec()
        };
        InputSpace {
            classes: d.classes.clone(),
            features,
            bounds: ViewBounds { x: bx, y: by },
            nx,
            ny,
            surfaces,
            points,
            labels: d.y.iter().chain(&d.test_y).copied().collect(),
            test: (0..d.len() + d.test_y.len())
                .map(|i| i >= n_train)
                .collect(),
            network: Some(NetworkPicture {
                layout: self.layout.clone(),
                mean: d.mean.clone(),
                scale: d.scale.clone(),
                weights: racers.iter().map(|(r, t)| (*r, t.to_vec())).collect(),
            }),
            paintable: p == if d.is_classification() { 2 } else { 1 },
            painted: d.painted,
            confusion: if d.is_classification() {
                racers
                    .iter()
                    .map(|(r, t)| (*r, self.confusion(&Self::theta(t))))
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The confusion matrices of the network at `theta` on the training and test points.
    fn confusion(&self, theta: &[f64]) -> Confusion {
        let d = &*self.data;
        let k = d.classes.len().max(2);
        let c = *self.layout.widths.last().unwrap_or(&1);
        let predict = |x: &[f64]| {
            let mut out = vec![0.0; x.len() / d.p.max(1) * c];
            self.outputs(theta, x, &mut out);
            out.chunks(c)
                .map(|z| net::predicted(self.layout.head, z))
                .collect::<Vec<usize>>()
        };
        Confusion {
            k,
            train: Confusion::count(k, &d.y, &predict(&d.x)),
            test: Confusion::count(k, &d.test_y, &predict(&d.test_x)),
        }
    }
}

#[cfg(test)]
mod tests;
