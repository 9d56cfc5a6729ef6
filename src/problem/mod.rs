//! What is minimised: the [`Objective`] trait and the [`Problem`] registry of test functions.
//!
//! `Problem` is the serde enum used by scene files and the CLI (`rosenbrock:a=1,b=100`); its
//! `build` gives the objective. Networks and neuron models join the registry later.

pub mod expr;
pub mod functions;
pub mod mlp;
pub mod neuron;
mod objective;
mod typed;
pub mod view;

pub use objective::{Metrics, Minimum, Objective, ParamBlock, PlaneSampler, Provides, ViewBounds};
pub use typed::{DEFAULT_FORMULA, ExprConfig, ExprObjective};
pub use view::{ViewData, ViewKind};

use crate::params::Params;
use functions as f;

/// What every problem's parameter struct provides besides its parameters.
pub trait ProblemConfig: Params {
    /// Builds the objective.
    fn build(&self) -> Box<dyn Objective>;
    /// A classic start point for this problem.
    fn default_start(&self) -> Vec<f64>;
    /// The start point of a run with this seed: the classic start, or for a network the
    /// initial weights the seed draws.
    fn seeded_start(&self, _seed: u64) -> Vec<f64> {
        self.default_start()
    }
    /// Checks what one parameter's rule cannot (a formula's syntax, a window's order).
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Declares a parameter struct and its `ProblemConfig` impl in one go.
macro_rules! problem {
    ($cfg:ident { $($body:tt)* } => |$c:ident| $build:expr, start |$s:ident| $start:expr) => {
        crate::params! {
            /// Parameters of one test function.
            pub struct $cfg { $($body)* }
        }
        impl ProblemConfig for $cfg {
            fn build(&self) -> Box<dyn Objective> {
                let $c = self;
                Box::new($build)
            }
            fn default_start(&self) -> Vec<f64> {
                let $s = self;
                $start
            }
        }
    };
}

/// A start point whose first two coordinates are given and the rest repeat them.
fn start_d(d: usize, xy: [f64; 2]) -> Vec<f64> {
    (0..d.max(1)).map(|i| xy[i % 2]).collect()
}

problem!(QuadraticConfig {
    /// Condition number κ: the ratio of the largest to the smallest curvature.
    kappa: f64 = 10.0, "condition number κ", (1.0, 1000.0), Log, Positive, restart;
    /// Rotation of the principal axes, in degrees.
    angle: f64 = 30.0, "rotation (degrees)", (0.0, 90.0), Linear, Finite, restart;
} => |c| f::Quadratic::new(c.kappa, c.angle), start |_s| vec![-1.5, 1.5]);

problem!(RosenbrockConfig {
    /// The valley's minimum lies at x = a.
    a: f64 = 1.0, "a, the minimum's x", (0.0, 3.0), Linear, Finite, restart;
    /// Steepness b of the valley walls.
    b: f64 = 100.0, "b, wall steepness", (1.0, 1000.0), Log, Positive, restart;
    /// Number of dimensions d (≥ 2); the view shows a 2-D slice of the first two.
    d: usize = 2, "dimension d", (2, 50), Linear, Within(2.0, 100_000.0), restart;
} => |c| f::Rosenbrock::new(c.a, c.b, c.d), start |s| start_d(s.d, [-1.5, 2.0]));

problem!(SphereConfig {
    /// Number of dimensions d.
    d: usize = 2, "dimension d", (1, 50), Linear, Within(1.0, 100_000.0), restart;
} => |c| f::Sphere::new(c.d), start |s| start_d(s.d, [-1.5, 1.0]));

problem!(HimmelblauConfig {} => |_c| f::Himmelblau::new(), start |_s| vec![-0.5, -0.5]);
problem!(BealeConfig {} => |_c| f::Beale::new(), start |_s| vec![1.0, 1.5]);
problem!(BoothConfig {} => |_c| f::Booth::new(), start |_s| vec![-6.0, -6.0]);

problem!(RastriginConfig {
    /// Number of dimensions d.
    d: usize = 2, "dimension d", (1, 50), Linear, Within(1.0, 100_000.0), restart;
} => |c| f::Rastrigin::new(c.d), start |s| start_d(s.d, [-3.2, 4.1]));

problem!(AckleyConfig {
    /// Number of dimensions d.
    d: usize = 2, "dimension d", (1, 50), Linear, Within(1.0, 100_000.0), restart;
} => |c| f::Ackley::new(c.d), start |s| start_d(s.d, [-3.5, 3.0]));

problem!(SixHumpCamelConfig {} => |_c| f::SixHumpCamel::new(), start |_s| vec![-1.5, 1.2]);
problem!(BraninConfig {} => |_c| f::Branin::new(), start |_s| vec![0.0, 14.0]);
problem!(GoldsteinPriceConfig {} => |_c| f::GoldsteinPrice::new(), start |_s| vec![-1.0, 1.0]);

problem!(StyblinskiTangConfig {
    /// Number of dimensions d.
    d: usize = 2, "dimension d", (1, 50), Linear, Within(1.0, 100_000.0), restart;
} => |c| f::StyblinskiTang::new(c.d), start |s| start_d(s.d, [0.5, 4.5]));

problem!(SaddleConfig {} => |_c| f::Saddle::new(), start |_s| vec![1.5, 1e-3]);
problem!(MonkeySaddleConfig {} => |_c| f::MonkeySaddle::new(), start |_s| vec![1.2, 0.3]);
problem!(DoubleWellConfig {
    /// The tilt t of the linear term t·x: t > 0 makes the left well the deeper one.
    tilt: f64 = 0.0, "tilt t", (-1.0, 1.0), Linear, Finite, restart;
} => |c| f::DoubleWell::tilted(c.tilt), start |_s| vec![0.05, 1.5]);

problem!(SharpFlatConfig {
    /// Width of the narrow (sharp) well.
    sharp_width: f64 = 0.15, "sharp well width", (0.02, 1.0), Log, Positive, restart;
    /// Width of the wide (flat) well.
    flat_width: f64 = 0.7, "flat well width", (0.1, 2.0), Log, Positive, restart;
} => |c| f::SharpFlat::new(c.sharp_width, c.flat_width), start |_s| vec![-1.9, 1.2]);

problem!(CurveFitConfig {
    /// The amplitude a of the decay that made the data.
    a: f64 = 2.0, "true amplitude a", (0.5, 4.0), Linear, Finite, restart;
    /// The rate b of the decay that made the data.
    b: f64 = 0.7, "true rate b", (0.1, 2.0), Linear, Finite, restart;
    /// The standard deviation of the noise on each data point.
    noise: f64 = 0.05, "data noise", (0.0, 0.5), Linear, NonNegative, restart;
    /// How many data points.
    n: usize = 20, "data points n", (2, 200), Linear, Within(2.0, 10_000.0), restart;
} => |c| f::CurveFit::new(c.a, c.b, c.noise, c.n), start |_s| vec![3.0, 1.5]);

problem!(RosenbrockResidualsConfig {} => |_c| f::RosenbrockResiduals, start |_s| vec![-1.5, 2.0]);

crate::choice! {
    /// How the Gaussian fit's scale is written.
    pub enum Parametrization {
        Scale = "scale", "(μ, s)";
        LogScale = "log_scale", "(μ, log s)";
    }
}

problem!(GaussianFitConfig {
    /// The second coordinate: the standard deviation s, or its logarithm.
    parametrization: Parametrization = Parametrization::Scale, "parametrisation", (0, 0), Linear, Finite, restart;
    /// The mean of the distribution the samples come from.
    mu: f64 = 0.0, "true mean μ", (-1.0, 1.0), Linear, Finite, restart;
    /// The standard deviation of the distribution the samples come from.
    sigma: f64 = 1.0, "true deviation σ", (0.2, 2.0), Linear, Positive, restart;
    /// How many samples.
    n: usize = 50, "samples n", (2, 1000), Linear, Within(2.0, 1e6), restart;
} => |c| f::GaussianFit::new(c.mu, c.sigma, c.n, c.parametrization == Parametrization::LogScale),
   start |s| vec![-1.5, if s.parametrization == Parametrization::LogScale { 2.5f64.ln() } else { 2.5 }]);

crate::registry! {
    /// The closed set of problems.
    pub enum Problem: ProblemConfig {
        Quadratic(QuadraticConfig) = "quadratic", "½ pᵀ R diag(κ, 1) Rᵀ p: an ill-conditioned, rotated bowl.";
        Rosenbrock(RosenbrockConfig) = "rosenbrock", "Σ (a − xᵢ)² + b(xᵢ₊₁ − xᵢ²)²: a curved, narrow valley.";
        Sphere(SphereConfig) = "sphere", "Σ xᵢ²: the isotropic bowl.";
        Himmelblau(HimmelblauConfig) = "himmelblau", "(x² + y − 11)² + (x + y² − 7)²: four minima, four basins.";
        Beale(BealeConfig) = "beale", "Beale's function: flat plateaus and steep walls.";
        Booth(BoothConfig) = "booth", "(x + 2y − 7)² + (2x + y − 5)²: a tilted quadratic bowl.";
        Rastrigin(RastriginConfig) = "rastrigin", "10d + Σ (xᵢ² − 10 cos 2πxᵢ): a bowl covered in local minima.";
        Ackley(AckleyConfig) = "ackley", "Ackley's function: a rugged plain around one deep funnel.";
        SixHumpCamel(SixHumpCamelConfig) = "six_hump_camel", "Six-hump camel: six minima, two of them global.";
        Branin(BraninConfig) = "branin", "Branin–Hoo: three global minima, the classic Bayesian-optimization test.";
        GoldsteinPrice(GoldsteinPriceConfig) = "goldstein_price", "Goldstein–Price: values spanning six decades.";
        StyblinskiTang(StyblinskiTangConfig) = "styblinski_tang", "½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ): 2ᵈ minima, one global.";
        Saddle(SaddleConfig) = "saddle", "½(x² − y²) + ¼y⁴: a strict saddle at the origin between two minima.";
        MonkeySaddle(MonkeySaddleConfig) = "monkey_saddle", "x³ − 3xy²: a degenerate third-order saddle.";
        DoubleWell(DoubleWellConfig) = "double_well", "(x² − 1)² + ½y² + t·x: two minima behind a barrier of height 1, one deeper when tilted.";
        SharpFlat(SharpFlatConfig) = "sharp_flat", "Two Gaussian wells of equal depth, one narrow and one wide.";
        CurveFit(CurveFitConfig) = "curve_fit", "Least squares: fitting a·e^(−b t) to noisy data; residuals and their Jacobian for Gauss–Newton.";
        RosenbrockResiduals(RosenbrockResidualsConfig) = "rosenbrock_residuals", "Rosenbrock written as residuals (1 − x, 10(y − x²)): the same valley, with a Jacobian.";
        GaussianFit(GaussianFitConfig) = "gaussian_fit", "Fitting N(μ, s²) to samples by maximum likelihood, in (μ, s) or (μ, log s), with its Fisher metric.";
        Expr(ExprConfig) = "expr", "A formula you type, f = \"…\" in x and y (or x1 … xn), with exact derivatives by automatic differentiation.";
        NeuronTuning(neuron::NeuronTuningConfig) = "neuron_tuning", "A noisy rate neuron y = φ(w·x + b + ψ) learning a teacher's tuning curve from trials (N1); its (w, b) landscape is exact.";
        Mlp(mlp::MlpConfig) = "mlp", "A small neural network (multilayer perceptron) on a data set: two_spirals, circles, xor, moons, blobs, linear, sine, iris or a CSV file.";
    }
}

impl Problem {
    /// Builds the objective.
    pub fn build(&self) -> Box<dyn Objective> {
        self.config().build()
    }

    /// A classic start point.
    pub fn default_start(&self) -> Vec<f64> {
        self.config().default_start()
    }

    /// The start point of a run with `seed` (a network's initial weights depend on it).
    pub fn seeded_start(&self, seed: u64) -> Vec<f64> {
        self.config().seeded_start(seed)
    }

    /// The number of parameters, without building the objective.
    pub fn dim(&self) -> usize {
        self.config().default_start().len()
    }

    /// Checks the parameters; the message names the problem and the key.
    pub fn validate(&self) -> Result<(), String> {
        self.config()
            .validate_params()
            .and_then(|()| self.config().check())
            .map_err(|e| format!("problem `{}`: {e}", self.key()))
    }
}

impl Default for Problem {
    fn default() -> Self {
        Problem::Rosenbrock(RosenbrockConfig::default())
    }
}
