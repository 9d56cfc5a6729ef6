//! Direct search: methods that compare function values without estimating a gradient. The
//! Nelder–Mead simplex reflects its worst vertex through the others; random search keeps a
//! random candidate when it is better; simulated annealing also accepts a worse one with
//! probability e^(−Δf/T), a noise-driven search whose temperature falls over the steps.
//!
//! ## References
//! - Nelder & Mead (1965), "A simplex method for function minimization", The Computer
//!   Journal 7(4).
//! - Gao & Han (2012), "Implementing the Nelder–Mead simplex algorithm with adaptive
//!   parameters", Computational Optimization and Applications 51: the coefficients
//!   1, 1 + 2/d, 0.75 − 1/(2d) and 1 − 1/d (SciPy's `adaptive=True`).
//! - Rastrigin (1963), "The convergence of the random search method in the extremal control of
//!   a many parameter system", Automation and Remote Control 24; Brooks (1958), Operations
//!   Research 6: local and global random search.
//! - Kirkpatrick, Gelatt & Vecchi (1983), "Optimization by simulated annealing", Science 220:
//!   the Metropolis acceptance rule; Geman & Geman (1984): the logarithmic cooling schedule.

use ndarray::ArrayView1;
use rand::RngExt as _;
use rand_distr::{Distribution as _, StandardNormal};

use super::{
    Diagnostic, Halt, MethodConfig, Needs, Optimizer, Oracle, Order, Overlay, Role, Shape,
};
use crate::linalg::Vector;
use crate::params::Params;

/// The most vertices whose every edge the overlay draws (beyond, only the vertices).
const MAX_EDGES_DIM: usize = 8;

// ---------------------------------------------------------------------------------------------
// Nelder–Mead.

crate::params! {
    /// The Nelder–Mead simplex with Gao & Han's adaptive coefficients (in 2-D the classic 1, 2,
    /// ½, ½).
    pub struct NelderMeadConfig {
        /// The initial simplex: the start and the start moved this far along each axis.
        initial_size: f64 = 0.25, "initial simplex size", (1e-4, 10.0), Log, Positive, restart;
        /// Use the adaptive coefficients (off: the classic 1, 2, ½, ½ in every dimension).
        adaptive: bool = true, "adaptive coefficients", (0, 1), Linear, Finite, restart;
    }
}

const NM_DIAGNOSTICS: [Diagnostic; 1] = [Diagnostic {
    key: "simplex_size",
    name: "simplex size (largest distance from the best vertex)",
    log: true,
}];

impl MethodConfig for NelderMeadConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let n = dim as f64;
        let (expand, contract, shrink) = if self.adaptive && dim > 1 {
            (1.0 + 2.0 / n, 0.75 - 1.0 / (2.0 * n), 1.0 - 1.0 / n)
        } else {
            (2.0, 0.5, 0.5)
        };
        Box::new(NelderMead {
            c: self.clone(),
            coefficients: [1.0, expand, contract, shrink],
            simplex: vec![0.0; (dim + 1) * dim],
            f: vec![f64::NAN; dim + 1],
            order: vec![0; dim + 1],
            centroid: Vector::zeros(dim),
            trial: Vector::zeros(dim),
            trial2: Vector::zeros(dim),
            ready: false,
        })
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &NM_DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Nelder & Mead (1965), Comput. J. 7(4); adaptive coefficients: Gao & Han (2012), COAP 51"
    }
}

#[derive(Clone)]
struct NelderMead {
    c: NelderMeadConfig,
    /// Reflection, expansion, contraction and shrink coefficients.
    coefficients: [f64; 4],
    /// The d + 1 vertices, row after row, and their values.
    simplex: Vec<f64>,
    f: Vec<f64>,
    order: Vec<usize>,
    centroid: Vector,
    trial: Vector,
    trial2: Vector,
    ready: bool,
}

impl NelderMead {
    fn vertex(&self, i: usize) -> ArrayView1<'_, f64> {
        let d = self.centroid.len();
        ArrayView1::from(&self.simplex[i * d..(i + 1) * d])
    }

    fn set_vertex(&mut self, i: usize, v: &Vector, f: f64) {
        let d = self.centroid.len();
        for (s, x) in self.simplex[i * d..(i + 1) * d].iter_mut().zip(v.iter()) {
            *s = *x;
        }
        self.f[i] = f;
    }

    /// Builds the simplex around x: x and x + s·eᵢ.
    fn init(&mut self, x: &Vector, oracle: &mut Oracle<'_>) {
        let d = x.len();
        for i in 0..=d {
            self.trial.assign(x);
            if i > 0 {
                self.trial[i - 1] += self.c.initial_size;
            }
            let f = oracle.value(self.trial.view());
            let t = std::mem::take(&mut self.trial);
            self.set_vertex(i, &t, f);
            self.trial = t;
        }
        self.sort();
        self.ready = true;
    }

    fn sort(&mut self) {
        for (i, o) in self.order.iter_mut().enumerate() {
            *o = i;
        }
        let f = &self.f;
        self.order.sort_unstable_by(|a, b| {
            let (fa, fb) = (f[*a], f[*b]);
            fa.is_nan().cmp(&fb.is_nan()).then(fa.total_cmp(&fb))
        });
    }

    /// trial ← c + t(w − c): a point on the line through the centroid c and the worst vertex w.
    fn along(&mut self, worst: usize, t: f64, out2: bool) {
        let d = self.centroid.len();
        let target = if out2 {
            &mut self.trial2
        } else {
            &mut self.trial
        };
        for i in 0..d {
            let c = self.centroid[i];
            target[i] = c + t * (self.simplex[worst * d + i] - c);
        }
    }
}

impl Optimizer for NelderMead {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        let d = x.len();
        // Start, or start again if the iterate was moved from outside (the Langevin channel).
        if !self.ready || self.vertex(self.order[0]) != x.view() {
            self.init(x, oracle);
            x.assign(&self.vertex(self.order[0]));
            return Ok(());
        }
        let [rho, chi, psi, sigma] = self.coefficients;
        let (best, worst, second) = (self.order[0], self.order[d], self.order[d - 1]);
        self.centroid.fill(0.0);
        for &i in &self.order[..d] {
            let v = ArrayView1::from(&self.simplex[i * d..(i + 1) * d]);
            self.centroid.scaled_add(1.0 / d as f64, &v);
        }
        self.along(worst, -rho, false);
        let fr = oracle.value(self.trial.view());
        if fr < self.f[best] {
            self.along(worst, -rho * chi, true);
            let fe = oracle.value(self.trial2.view());
            let (v, f) = if fe < fr {
                (std::mem::take(&mut self.trial2), fe)
            } else {
                (std::mem::take(&mut self.trial), fr)
            };
            self.set_vertex(worst, &v, f);
            if fe < fr {
                self.trial2 = v;
            } else {
                self.trial = v;
            }
        } else if fr < self.f[second] {
            let v = std::mem::take(&mut self.trial);
            self.set_vertex(worst, &v, fr);
            self.trial = v;
        } else {
            // Contract outside (towards the reflection) or inside (towards the worst vertex).
            let outside = fr < self.f[worst];
            self.along(worst, if outside { -rho * psi } else { psi }, true);
            let fc = oracle.value(self.trial2.view());
            let accept = if outside {
                fc <= fr
            } else {
                fc < self.f[worst]
            };
            if accept {
                let v = std::mem::take(&mut self.trial2);
                self.set_vertex(worst, &v, fc);
                self.trial2 = v;
            } else {
                // Shrink every vertex towards the best.
                for r in 1..=d {
                    let i = self.order[r];
                    for j in 0..d {
                        let b = self.simplex[best * d + j];
                        self.trial[j] = b + sigma * (self.simplex[i * d + j] - b);
                    }
                    let f = oracle.value(self.trial.view());
                    let v = std::mem::take(&mut self.trial);
                    self.set_vertex(i, &v, f);
                    self.trial = v;
                }
            }
        }
        self.sort();
        x.assign(&self.vertex(self.order[0]));
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        &mut self.c
    }

    /// The simplex: its edges (up to 9 vertices) and its vertices.
    fn overlay(&self, out: &mut Overlay) {
        if !self.ready {
            return;
        }
        let n = self.f.len();
        let first = out.vector(self.vertex(0));
        for i in 1..n {
            out.vector(self.vertex(i));
        }
        let id = |i: usize| crate::optim::VecId::nth(first, i);
        if n - 1 <= MAX_EDGES_DIM {
            for i in 0..n {
                for j in i + 1..n {
                    out.draw(Role::Simplex, Shape::Segment(id(i), id(j)));
                }
            }
        }
        for i in 0..n {
            out.draw(Role::Population, Shape::Point(id(i)));
        }
    }

    fn diagnostics(&self, out: &mut [f64]) {
        let best = self.order[0];
        let size = (0..self.f.len())
            .map(|i| {
                self.vertex(i)
                    .iter()
                    .zip(self.vertex(best).iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(0.0, f64::max);
        out[0] = if self.ready { size } else { f64::NAN };
    }
}

// ---------------------------------------------------------------------------------------------
// Random search.

crate::choice! {
    /// Where random search draws its candidates.
    pub enum Sampling {
        Local = "local", "around the best point, x + σz";
        Window = "window", "uniformly over the problem's window";
    }
}

crate::params! {
    /// Random search: one random candidate per step, kept if it is better than the best so far.
    pub struct RandomSearchConfig {
        /// Local candidates' spread σ.
        sigma: f64 = 0.1, "candidate spread σ", (1e-4, 10.0), Log, Positive, live;
        /// Local (around the best point) or global (uniform over the window) candidates.
        sampling: Sampling = Sampling::Local, "candidates", (0.0, 0.0), Linear, Finite, live;
    }
}

impl MethodConfig for RandomSearchConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Accepting::new(Rule::Greedy(self.clone()), dim, f64::NAN))
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn reference(&self) -> &'static str {
        "Rastrigin (1963), Autom. Remote Control 24; Brooks (1958), Oper. Res. 6"
    }
}

// ---------------------------------------------------------------------------------------------
// Simulated annealing.

crate::choice! {
    /// How the temperature falls.
    pub enum Cooling {
        Exponential = "exponential", "exponential T₀αᵏ";
        Logarithmic = "logarithmic", "logarithmic T₀/ln(k + e)";
        Fast = "fast", "fast T₀/(1 + k)";
    }
}

crate::params! {
    /// Simulated annealing: a Gaussian proposal x + σz, accepted if it is better, or else with
    /// probability e^(−Δf/T), the temperature T falling over the steps.
    pub struct AnnealingConfig {
        /// The starting temperature T₀, in units of f.
        t0: f64 = 1.0, "start temperature T₀", (1e-4, 100.0), Log, Positive, live;
        /// The cooling schedule.
        cooling: Cooling = Cooling::Exponential, "cooling", (0.0, 0.0), Linear, Finite, live;
        /// The exponential schedule's factor α per step.
        alpha: f64 = 0.995, "cooling factor α", (0.9, 0.99999), Linear, Within(0.0, 1.0), live;
        /// The proposals' spread σ.
        sigma: f64 = 0.1, "proposal spread σ", (1e-4, 10.0), Log, Positive, live;
    }
}

const SA_DIAGNOSTICS: [Diagnostic; 2] = [
    Diagnostic {
        key: "temperature",
        name: "temperature T",
        log: true,
    },
    Diagnostic {
        key: "acceptance",
        name: "acceptance rate (last ~50 steps)",
        log: false,
    },
];

impl MethodConfig for AnnealingConfig {
    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Accepting::new(Rule::Annealing(self.clone()), dim, self.t0))
    }
    fn order(&self) -> Order {
        Order::Zeroth
    }
    fn needs(&self) -> Needs {
        Needs::VALUES
    }
    fn diagnostics(&self) -> &'static [Diagnostic] {
        &SA_DIAGNOSTICS
    }
    fn reference(&self) -> &'static str {
        "Kirkpatrick, Gelatt & Vecchi (1983), Science 220; Geman & Geman (1984)"
    }
}

/// Which candidates a one-candidate method accepts.
#[derive(Clone)]
enum Rule {
    /// Random search: only improvements.
    Greedy(RandomSearchConfig),
    /// Simulated annealing: improvements, and worse points with probability e^(−Δf/T).
    Annealing(AnnealingConfig),
}

/// A method that proposes one candidate per step and accepts or refuses it.
#[derive(Clone)]
struct Accepting {
    rule: Rule,
    /// f at `at`, the current point (re-evaluated if the iterate was moved from outside).
    fx: f64,
    at: Vector,
    from: Vector,
    best: Vector,
    best_f: f64,
    candidate: Vector,
    accepted: bool,
    acceptance: f64,
    temperature: f64,
    k: u64,
}

impl Accepting {
    fn new(rule: Rule, dim: usize, temperature: f64) -> Self {
        let z = Vector::zeros(dim);
        Self {
            rule,
            fx: f64::NAN,
            at: z.clone(),
            from: z.clone(),
            best: z.clone(),
            best_f: f64::INFINITY,
            candidate: z,
            accepted: false,
            acceptance: 1.0,
            temperature,
            k: 0,
        }
    }
}

impl Optimizer for Accepting {
    fn step(&mut self, x: &mut Vector, oracle: &mut Oracle<'_>) -> Result<(), Halt> {
        if self.fx.is_nan() || *x != self.at {
            self.fx = oracle.value(x.view());
            self.at.assign(x);
        }
        self.from.assign(x);
        let bounds = oracle.bounds();
        let rng = oracle.rng();
        let sigma = match &self.rule {
            Rule::Greedy(c) => c.sigma,
            Rule::Annealing(c) => c.sigma,
        };
        let window = matches!(&self.rule, Rule::Greedy(c) if c.sampling == Sampling::Window);
        for (i, (ci, xi)) in self.candidate.iter_mut().zip(x.iter()).enumerate() {
            *ci = if window {
                // The window spans the first two coordinates; the others share the first's.
                let (lo, hi) = if i % 2 == 1 { bounds.y } else { bounds.x };
                rng.random_range(lo..=hi)
            } else {
                let z: f64 = StandardNormal.sample(&mut *rng);
                xi + sigma * z
            };
        }
        let uniform: f64 = rng.random();
        let fc = oracle.value(self.candidate.view());
        let delta = fc - self.fx;
        self.accepted = match &self.rule {
            Rule::Greedy(_) => delta < 0.0,
            Rule::Annealing(c) => {
                let k = self.k as f64;
                self.temperature = match c.cooling {
                    Cooling::Exponential => c.t0 * c.alpha.powf(k),
                    Cooling::Logarithmic => c.t0 / (k + std::f64::consts::E).ln(),
                    Cooling::Fast => c.t0 / (1.0 + k),
                };
                delta <= 0.0 || uniform < (-delta / self.temperature).exp()
            }
        };
        if self.accepted {
            x.assign(&self.candidate);
            self.at.assign(&self.candidate);
            self.fx = fc;
        }
        if self.fx < self.best_f {
            self.best_f = self.fx;
            self.best.assign(&self.at);
        }
        let a = if self.accepted { 1.0 } else { 0.0 };
        self.acceptance += (a - self.acceptance) / 50.0;
        self.k += 1;
        Ok(())
    }

    fn config_mut(&mut self) -> &mut dyn Params {
        match &mut self.rule {
            Rule::Greedy(c) => c,
            Rule::Annealing(c) => c,
        }
    }

    fn smoothing_radius(&self) -> Option<f64> {
        match &self.rule {
            Rule::Greedy(c) => (c.sampling == Sampling::Local).then_some(c.sigma),
            Rule::Annealing(c) => Some(c.sigma),
        }
    }

    /// The candidate (kept or refused), joined to the point it was proposed from, and for
    /// annealing the best point seen.
    fn overlay(&self, out: &mut Overlay) {
        if self.k == 0 {
            return;
        }
        let from = out.vector(self.from.view());
        let c = out.vector(self.candidate.view());
        out.draw(Role::ProbeLink, Shape::Segment(from, c));
        let role = if self.accepted {
            Role::TrialAccepted
        } else {
            Role::TrialRejected
        };
        out.draw(role, Shape::Point(c));
        if let Rule::Annealing(_) = self.rule {
            let b = out.vector(self.best.view());
            out.draw(Role::Best, Shape::Point(b));
        }
    }

    fn diagnostics(&self, out: &mut [f64]) {
        if let Rule::Annealing(_) = self.rule {
            out[0] = self.temperature;
            out[1] = self.acceptance;
        }
    }
}
