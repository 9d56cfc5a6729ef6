//! Scenes: typed TOML experiments. A file is parsed into [`SceneFile`] (raw serde, with
//! `deny_unknown_fields`) and then validated into [`Scene`], with errors that name the file, the
//! field and what was expected. [`Scene::diff`] decides whether an edited scene is a live change
//! of the running run or a new run; the app and the engine both ask it.

mod change;
mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use change::Change;
use validate::unique_label;
pub use validate::{parse_color, read_scene_text};

use crate::edit::Edit;
use crate::noise::Noise;
use crate::optim::Method;
use crate::problem::Problem;

/// The scene the app opens with, embedded in the binary.
pub const DEFAULT_SCENE: &str = include_str!("../../scenes/default.toml");

/// The most optimizers a scene may race (enabled or not).
pub const MAX_RACERS: usize = 32;
/// The most steps a headless run may take.
pub const MAX_STEPS: u64 = 1_000_000_000;
/// The largest scene file read, in bytes.
pub const MAX_SCENE_BYTES: u64 = 16 << 20;
/// The longest optimizer label, in characters.
pub const MAX_LABEL: usize = 64;

/// The Okabe–Ito colour-blind-safe palette, in the order optimizers receive it. Yellow comes
/// late because it vanishes against the bright end of viridis.
pub const PALETTE: [[u8; 3]; 8] = [
    [0xE6, 0x9F, 0x00],
    [0x56, 0xB4, 0xE9],
    [0x00, 0x9E, 0x73],
    [0xD5, 0x5E, 0x00],
    [0xCC, 0x79, 0xA7],
    [0x00, 0x72, 0xB2],
    [0xF0, 0xE4, 0x42],
    [0xEE, 0xEE, 0xEE],
];

/// A scene that could not be read, parsed or validated.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The TOML did not match the schema.
    #[error("{origin}: {message}")]
    Parse {
        /// The file (or "built-in scene").
        origin: String,
        /// What went wrong, with the field.
        message: String,
    },
    /// The values are inconsistent or out of range.
    #[error("{origin}: {message}")]
    Invalid {
        /// The file (or "built-in scene").
        origin: String,
        /// What went wrong, with the field.
        message: String,
    },
}

/// One optimizer entry of a scene: a method plus how it is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerSpec {
    /// The legend label; defaults to the method's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The colour as `#rrggbb`; defaults to the palette entry for its position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Whether it takes part; disabled entries stay in the scene but do not run.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// The method and its parameters (`kind = "adam"`, `lr = 0.01`, …).
    #[serde(flatten)]
    pub method: Method,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl OptimizerSpec {
    /// An enabled entry with default label and colour.
    pub fn new(method: Method) -> Self {
        Self {
            label: None,
            color: None,
            enabled: true,
            method,
        }
    }
}

/// Colormaps for the landscape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colormap {
    /// Viridis (the default).
    #[default]
    Viridis,
    /// Magma.
    Magma,
    /// Cividis.
    Cividis,
}

/// What the curves are plotted against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveAxis {
    /// Optimizer steps (the default).
    #[default]
    Step,
    /// Function evaluations: the fair cost axis for zeroth-order methods.
    FEvals,
    /// Gradient evaluations.
    GEvals,
    /// Computing time.
    Time,
}

/// The lens drawn over the landscape at the first optimizer's iterate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LensChoice {
    /// No lens (the default).
    #[default]
    Off,
    /// The Hessian's eigenvectors, the quadratic model and the Newton step.
    Curvature,
    /// The first-, second- and third-order models with their minimisers.
    Taylor,
    /// The estimator inspector's cloud: 200 gradient estimates of the first zeroth-order
    /// optimizer, with their spread, beside the true gradient and theory's values.
    Cloud,
}

/// How the landscape is shown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViewFile {
    /// Range of the first coordinate; defaults to the problem's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<[f64; 2]>,
    /// Range of the second coordinate; defaults to the problem's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<[f64; 2]>,
    /// Colour by log₁₀(f − min + ε); defaults to on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_scale: Option<bool>,
    /// The colormap.
    pub colormap: Colormap,
    /// The lens: `off`, `curvature`, `taylor` or `cloud`.
    pub lens: LensChoice,
    /// When set, the heatmap and contours show the smoothed objective f_σ(x) = E f(x + σu)
    /// with this σ (> 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoothing: Option<f64>,
    /// The curves' x axis: `step`, `f_evals`, `g_evals` or `time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curves_x: Option<CurveAxis>,
    /// For d > 2: which plane the landscape shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slice: Option<SliceMode>,
    /// For `slice = "coordinates"`: the two coordinates on the axes; defaults to `[0, 1]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub axes: Option<[usize; 2]>,
    /// For `slice = "random"`: the seed of the two random orthonormal directions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directions_seed: Option<u64>,
    /// The plane passes through this optimizer's iterate (its position in `[[optimizers]]`)
    /// and follows it; without it, through the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow: Option<usize>,
}

/// Which 2-D plane of a d-dimensional problem the landscape shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SliceMode {
    /// Two coordinate axes.
    #[default]
    Coordinates,
    /// Two random orthonormal directions.
    Random,
    /// Two random directions, filter-normalized (Li et al. 2018): each unit's incoming weights
    /// along a direction have the norm of that unit's weights now; biases do not move. The
    /// axes are in units of the directions, so ±1 doubles or cancels every filter.
    FilterNormalized,
    /// The top two principal directions of the followed optimizer's path so far.
    Pca,
    /// The two Hessian eigenvectors of largest |λ| at the plane's point.
    Hessian,
}

impl SliceMode {
    /// Whether the directions depend on the run (the path, the curvature at the point), so the
    /// engine refits them as the run goes on.
    pub fn is_fitted(self) -> bool {
        matches!(self, SliceMode::Pca | SliceMode::Hessian)
    }

    /// Whether the plane's coordinates are offsets from its point along directions (not
    /// coordinates of θ), so a window is centred on 0.
    pub fn is_offset(self) -> bool {
        !matches!(self, SliceMode::Coordinates)
    }
}

/// The validated slice settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    /// Coordinates or random directions.
    pub mode: SliceMode,
    /// The coordinates on the axes (for coordinate slices).
    pub axes: [usize; 2],
    /// The seed of the random directions.
    pub directions_seed: u64,
    /// The optimizer (position in the scene) whose iterate the plane follows; `None` is the start.
    pub follow: Option<usize>,
}

impl Default for Slice {
    fn default() -> Self {
        Self {
            mode: SliceMode::Coordinates,
            axes: [0, 1],
            directions_seed: 0,
            follow: None,
        }
    }
}

/// How the scene plays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Playback {
    /// Steps per second; `inf` is as fast as the engine goes.
    pub speed: f64,
    /// Whether the app starts playing at once.
    pub playing: bool,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            speed: 30.0,
            playing: true,
        }
    }
}

/// A scene file as written: every field optional except the version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneFile {
    /// The format version; must be 1.
    pub version: u32,
    /// A title shown in the app.
    #[serde(default)]
    pub title: String,
    /// A description shown in the app.
    #[serde(default)]
    pub description: String,
    /// The objective.
    #[serde(default)]
    pub problem: Problem,
    /// The racing optimizers.
    #[serde(default)]
    pub optimizers: Vec<OptimizerSpec>,
    /// The common start point; defaults to the problem's classic start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Vec<f64>>,
    /// The seed of every random stream in the run.
    #[serde(default)]
    pub seed: u64,
    /// How many steps a headless run takes.
    #[serde(default = "default_steps")]
    pub steps: u64,
    /// The noise model.
    #[serde(default)]
    pub noise: Noise,
    /// The landscape view.
    #[serde(default)]
    pub view: ViewFile,
    /// Playback in the app.
    #[serde(default)]
    pub playback: Playback,
    /// Live edits made during the run, applied at their steps (headless and in the app).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<Edit>,
}

fn default_steps() -> u64 {
    500
}

/// The validated view.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// Range of the first coordinate.
    pub x: [f64; 2],
    /// Range of the second coordinate.
    pub y: [f64; 2],
    /// Colour by log value.
    pub log_scale: bool,
    /// The colormap.
    pub colormap: Colormap,
    /// The lens over the landscape.
    pub lens: LensChoice,
    /// σ of the smoothed landscape f_σ shown instead of f (0: f itself).
    pub smoothing: f64,
    /// The curves' x axis.
    pub curves_x: CurveAxis,
    /// The plane shown for d > 2.
    pub slice: Slice,
}

/// One validated racer: label, colour and method.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The legend label (unique within the scene).
    pub label: String,
    /// The colour.
    pub color: [u8; 3],
    /// Whether it runs.
    pub enabled: bool,
    /// The method.
    pub method: Method,
}

/// A validated scene: everything filled in and consistent.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// The objective.
    pub problem: Problem,
    /// The racers.
    pub entries: Vec<Entry>,
    /// The start point (of the problem's dimension).
    pub start: Vec<f64>,
    /// The seed.
    pub seed: u64,
    /// Headless step count (≥ 1).
    pub steps: u64,
    /// The noise model.
    pub noise: Noise,
    /// The view.
    pub view: View,
    /// Playback.
    pub playback: Playback,
    /// Live edits, sorted by step (edits at one step keep their order).
    pub edits: Vec<Edit>,
}

impl Scene {
    /// Parses and validates TOML text.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, SceneError> {
        SceneFile::parse(text, origin)?.validate(origin)
    }

    /// Reads, parses and validates a file.
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        let text = read_scene_text(path)?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// The built-in default scene.
    pub fn default_scene() -> Self {
        Self::from_toml(DEFAULT_SCENE, "built-in scene").expect("the built-in scene is valid")
    }

    /// Switches to another problem, with its classic start, default view and slice.
    pub fn set_problem(&mut self, problem: Problem) {
        let b = problem.build().bounds();
        self.start = problem.seeded_start(self.seed);
        self.view.x = [b.x.0, b.x.1];
        self.view.y = [b.y.0, b.y.1];
        self.view.slice = Slice {
            follow: self.view.slice.follow,
            ..Slice::default()
        };
        self.problem = problem;
    }

    /// Adds an optimizer with the next palette colour and a unique label (up to
    /// [`MAX_RACERS`]; beyond that nothing is added).
    pub fn add_optimizer(&mut self, method: Method, label: Option<&str>) {
        if self.entries.len() >= MAX_RACERS {
            return;
        }
        let base = label.unwrap_or(method.key()).to_owned();
        let label = unique_label(&base, self.entries.iter().map(|e| e.label.as_str()));
        let used: Vec<[u8; 3]> = self.entries.iter().map(|e| e.color).collect();
        let color = PALETTE
            .iter()
            .copied()
            .find(|c| !used.contains(c))
            .unwrap_or(PALETTE[self.entries.len() % PALETTE.len()]);
        self.entries.push(Entry {
            label,
            color,
            enabled: true,
            method,
        });
    }

    /// The racers that run, as (label, method) pairs.
    pub fn racers(&self) -> Vec<(String, Method)> {
        self.entries
            .iter()
            .filter(|e| e.enabled)
            .map(|e| (e.label.clone(), e.method.clone()))
            .collect()
    }

    /// Back to the file form, for saving.
    pub fn to_file(&self) -> SceneFile {
        SceneFile {
            version: 1,
            title: self.title.clone(),
            description: self.description.clone(),
            problem: self.problem.clone(),
            optimizers: self
                .entries
                .iter()
                .map(|e| OptimizerSpec {
                    label: Some(e.label.clone()),
                    color: Some(format!(
                        "#{:02x}{:02x}{:02x}",
                        e.color[0], e.color[1], e.color[2]
                    )),
                    enabled: e.enabled,
                    method: e.method.clone(),
                })
                .collect(),
            // A network's start is the seed's initial weights: written only when it differs.
            start: (self.problem.dim() <= 16 || self.start != self.problem.seeded_start(self.seed))
                .then(|| self.start.clone()),
            seed: self.seed,
            steps: self.steps,
            noise: self.noise.clone(),
            view: ViewFile {
                x: Some(self.view.x),
                y: Some(self.view.y),
                log_scale: Some(self.view.log_scale),
                colormap: self.view.colormap,
                lens: self.view.lens,
                smoothing: (self.view.smoothing > 0.0).then_some(self.view.smoothing),
                curves_x: Some(self.view.curves_x),
                slice: Some(self.view.slice.mode),
                axes: Some(self.view.slice.axes),
                directions_seed: Some(self.view.slice.directions_seed),
                follow: self.view.slice.follow,
            },
            playback: self.playback.clone(),
            edits: self.edits.clone(),
        }
    }

    /// Writes the scene as TOML through a temporary file and a rename, so that the user's file
    /// is never left truncated.
    pub fn save(&self, path: &Path) -> Result<(), SceneError> {
        let io = |source| SceneError::Io {
            path: path.to_owned(),
            source,
        };
        let text = toml::to_string_pretty(&self.to_file()).map_err(|e| SceneError::Invalid {
            origin: path.display().to_string(),
            message: e.to_string(),
        })?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}
