//! Problem views: panels a problem offers beside the landscape and the curves. The engine
//! computes their data at a modest rate (at most 10 per second, off the UI thread) for the
//! views the app shows, and sends it behind an `Arc`; the UI only draws it.
//!
//! Every problem offers the generic views here; problem families (networks, neurons) add their
//! own kinds (a decision boundary, voltage traces) and fill them from their own state.

/// A view a problem offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// The objective along each racer's last step: where the step landed on its line.
    Section,
    /// Each racer's coordinates beside the nearest known minimum.
    Coordinates,
    /// The smoothed landscape f_σ at the first zeroth-order racer's smoothing radius.
    Smoothed,
    /// A network's decision boundary (or regression fit) over its input space, with the data.
    Decision,
    /// The loss from the start to each iterate, and the loss along a path beside the loss on
    /// the drawn plane at its projection.
    Profiles,
    /// A neuron's tuning curve beside its teacher's, the noise it probes with and the reward
    /// prediction error that reinforces it, and the loss it experiences beside the clean loss.
    Tuning,
}

impl ViewKind {
    /// The tab title.
    pub fn title(self) -> &'static str {
        match self {
            ViewKind::Section => "Step section",
            ViewKind::Coordinates => "Coordinates",
            ViewKind::Smoothed => "Smoothed f_σ",
            ViewKind::Decision => "Decision boundary",
            ViewKind::Profiles => "Loss profiles",
            ViewKind::Tuning => "Neuron",
        }
    }

    /// One sentence on what the view shows.
    pub fn about(self) -> &'static str {
        match self {
            ViewKind::Section => {
                "f along the line of each optimizer's last step, from where it started (t = 0) \
                 to where it landed (t = 1): did the step undershoot, land in the valley, or \
                 overshoot?"
            }
            ViewKind::Coordinates => {
                "Every coordinate of each optimizer's iterate, beside the nearest known minimum."
            }
            ViewKind::Smoothed => {
                "The smoothed landscape f_σ(x) = E f(x + σu), u ~ N(0, I), over the landscape's \
                 window, at the smoothing radius the first zeroth-order optimizer uses now (its \
                 μ, σ or c_k): what that method really descends."
            }
            ViewKind::Decision => {
                "What the network computes over its input space, live: the class it predicts \
                 (shaded by its confidence) or the function it fits, with the training points \
                 (filled) and the test points (hollow). With more than two features, the plane \
                 of the first two, the others at their training mean."
            }
            ViewKind::Profiles => {
                "Two checks on the landscape picture. Above: the loss on the straight line from \
                 the start θ₀ (α = 0) to each optimizer's iterate (α = 1). Below: along the \
                 plane's optimizer's path, its true loss beside the loss the plane shows at the \
                 path's projection, and how far the path is off the plane. Where they part, \
                 the drawn path is not where the optimizer was."
            }
            ViewKind::Tuning => {
                "What the neuron computes: its tuning curve y = φ(w·x + b) beside the teacher's \
                 (dashed), with the inputs its trials draw from (ticks). Below, the probe and the \
                 reinforcement: the noise on its drive and the reward prediction error, trial by \
                 trial; then the loss it experiences (its noisy output, and reward noise) beside \
                 the clean loss."
            }
        }
    }
}

/// The objective along one racer's last step.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The racer.
    pub racer: u32,
    /// Its step.
    pub step: u64,
    /// Positions along the line, in units of the step (0 is where it started, 1 where it landed).
    pub t: Vec<f64>,
    /// f at each position.
    pub f: Vec<f64>,
    /// The step's length ‖Δx‖ (the line's unit).
    pub length: f64,
    /// Whether the line is −∇f (no step was taken yet, or the last one was zero) rather than
    /// the step.
    pub along_gradient: bool,
}

/// The data of one view.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewData {
    /// One section per running racer.
    Section(Vec<Section>),
    /// Coordinates of each racer (the first [`MAX_SHOWN`] of them).
    Coordinates {
        /// Per racer, its coordinates.
        racers: Vec<Vec<f64>>,
        /// The known minimum nearest to the first racer, if any.
        minimum: Option<Vec<f64>>,
        /// The problem's dimension (more than are shown when it exceeds [`MAX_SHOWN`]).
        dim: usize,
    },
    /// A network's outputs over its input space.
    Decision(InputSpace),
    /// The loss along lines and along a path.
    Profiles(Profiles),
    /// A neuron's tuning curves.
    Tuning(TuningCurve),
    /// The smoothed landscape.
    Smoothed {
        /// f_σ over the window, `ny` rows of `nx` values from the bottom row up (empty when no
        /// racer smooths: no zeroth-order method races).
        values: Vec<f64>,
        /// The grid's size.
        nx: usize,
        /// The grid's size.
        ny: usize,
        /// The window.
        bounds: super::ViewBounds,
        /// The σ it was computed for.
        sigma: f64,
        /// The racer whose σ it is.
        racer: Option<u32>,
        /// Each racer's current point in the plane.
        points: Vec<[f64; 2]>,
    },
}

impl ViewData {
    /// Which view this is.
    pub fn kind(&self) -> ViewKind {
        match self {
            ViewData::Section(_) => ViewKind::Section,
            ViewData::Coordinates { .. } => ViewKind::Coordinates,
            ViewData::Smoothed { .. } => ViewKind::Smoothed,
            ViewData::Decision(_) => ViewKind::Decision,
            ViewData::Profiles(_) => ViewKind::Profiles,
            ViewData::Tuning(_) => ViewKind::Tuning,
        }
    }
}

/// A neuron's input-output curve at each racer's parameters, and its teacher's.
#[derive(Clone, Debug, PartialEq)]
pub struct TuningCurve {
    /// The inputs the curves are drawn at.
    pub x: Vec<f64>,
    /// The teacher's output y*(x).
    pub target: Vec<f64>,
    /// Per racer: its index and its output at every x.
    pub racers: Vec<(u32, Vec<f64>)>,
    /// The inputs the trials draw from.
    pub inputs: Vec<f64>,
    /// The transfer function's name.
    pub transfer: String,
}

/// The loss along the line from the start to each iterate, and along one racer's path.
#[derive(Clone, Debug, PartialEq)]
pub struct Profiles {
    /// Positions on the lines: 0 is the start θ₀, 1 the iterate.
    pub alpha: Vec<f64>,
    /// Per racer: its index and f((1 − α)θ₀ + αθ) at every α.
    pub interpolation: Vec<(u32, Vec<f64>)>,
    /// The path of the racer the plane follows (the first racer when it follows none).
    pub path: Option<PathProfile>,
}

/// One racer's recorded path, seen from the drawn plane.
#[derive(Clone, Debug, PartialEq)]
pub struct PathProfile {
    /// The racer.
    pub racer: u32,
    /// The recorded steps sampled (at most [`PROFILE_POINTS`], the last the current one).
    pub steps: Vec<u64>,
    /// The loss at each step's iterate.
    pub loss: Vec<f64>,
    /// The loss at the iterate's projection onto the plane: what the landscape shows there.
    pub plane: Vec<f64>,
    /// The iterate's distance from the plane.
    pub off_plane: Vec<f64>,
    /// The iterate's distance from the start, for scale.
    pub from_start: Vec<f64>,
}

/// The most path points a profile samples.
pub const PROFILE_POINTS: usize = 64;

/// What a data problem's model computes over its input space.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpace {
    /// The classes' names (empty for a regression).
    pub classes: Vec<String>,
    /// The two features drawn (one for a regression on one feature).
    pub features: Vec<String>,
    /// The window, in the features' own units.
    pub bounds: super::ViewBounds,
    /// Grid size: `nx` × `ny` points, rows from the bottom up (`ny` = 1 for a curve).
    pub nx: usize,
    /// Grid size.
    pub ny: usize,
    /// Per racer: its index and, at every grid point, the class probabilities (k per point;
    /// one, P(class 1), for two classes) or the fitted value.
    pub surfaces: Vec<(u32, Vec<f64>)>,
    /// The data: points in the drawn plane (feature, target for a curve).
    pub points: Vec<[f64; 2]>,
    /// Each point's class (or target).
    pub labels: Vec<f64>,
    /// Whether each point is a test point.
    pub test: Vec<bool>,
    /// How many of the training points, the last ones before the test points, were painted.
    pub painted: usize,
    /// For a network: its shape, the data's standardisation and each racer's weights, for the
    /// network diagram.
    pub network: Option<NetworkPicture>,
    /// For a classification: each racer's confusion matrices on the training and test points.
    pub confusion: Vec<(u32, Confusion)>,
    /// Whether points can be painted here (two features of a classification, one of a
    /// regression): then a click in the view adds one.
    pub paintable: bool,
}

/// A network as the diagram draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkPicture {
    /// Its layout: widths, activation, head.
    pub layout: super::mlp::net::Layout,
    /// The training split's mean and scale of each feature: the network sees (raw − mean)/scale.
    pub mean: Vec<f64>,
    /// The scale of each feature.
    pub scale: Vec<f64>,
    /// Per racer: its parameters θ.
    pub weights: Vec<(u32, Vec<f64>)>,
}

impl NetworkPicture {
    /// Each layer's values for one input in the data's own units (features past those given at
    /// their training mean): the standardised input, each hidden layer's activations, and the
    /// output (P(class 1), the class probabilities, or the fitted value).
    pub fn activations(&self, theta: &[f64], raw: &[f64]) -> Vec<Vec<f64>> {
        let p = self.layout.widths[0];
        let input: Vec<f64> = (0..p)
            .map(|j| match raw.get(j) {
                Some(v) => (v - self.mean[j]) / self.scale[j],
                None => 0.0,
            })
            .collect();
        super::mlp::net::unit_activations(&self.layout, theta, &input)
    }
}

/// Counts of (true class, predicted class), k × k, row-major: rows are the true classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confusion {
    /// The classes.
    pub k: usize,
    /// On the training points.
    pub train: Vec<u32>,
    /// On the test points.
    pub test: Vec<u32>,
}

impl Confusion {
    /// The matrix of `truth` against `predicted` over k classes.
    pub fn count(k: usize, truth: &[f64], predicted: &[usize]) -> Vec<u32> {
        let mut m = vec![0; k * k];
        for (t, p) in truth.iter().zip(predicted) {
            let t = *t as usize;
            if t < k && *p < k {
                m[t * k + p] += 1;
            }
        }
        m
    }
}

impl InputSpace {
    /// Values per grid point: k for k > 2 classes, else 1.
    pub fn channels(&self) -> usize {
        if self.classes.len() > 2 {
            self.classes.len()
        } else {
            1
        }
    }
}

/// The most coordinates the coordinates view shows.
pub const MAX_SHOWN: usize = 64;
