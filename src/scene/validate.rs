//! Reading a scene: parsing TOML into a [`SceneFile`] and validating it into a [`Scene`], with
//! errors that name the file, the field and what was expected, and the limits that keep every
//! input bounded.

use std::path::Path;

use super::{
    Entry, MAX_LABEL, MAX_RACERS, MAX_SCENE_BYTES, MAX_STEPS, PALETTE, Scene, SceneError,
    SceneFile, Slice, View,
};
use crate::edit::MAX_EDITS;

/// Parses `#rrggbb`.
pub fn parse_color(s: &str) -> Option<[u8; 3]> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([c(0)?, c(2)?, c(4)?])
}

impl SceneFile {
    /// Parses TOML text; `origin` names the source in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, SceneError> {
        toml::from_str(text).map_err(|e| SceneError::Parse {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().replace('\n', " "),
        })
    }

    /// Checks and completes the scene.
    pub fn validate(self, origin: &str) -> Result<Scene, SceneError> {
        let bad = |message: String| SceneError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        if self.version != 1 {
            return Err(bad(format!("`version` must be 1, got {}", self.version)));
        }
        self.problem.validate().map_err(bad)?;
        let dim = self.problem.dim();
        let start = self
            .start
            .unwrap_or_else(|| self.problem.seeded_start(self.seed));
        if start.len() != dim {
            return Err(bad(format!(
                "`start` has {} coordinates but problem `{}` has {dim}",
                start.len(),
                self.problem.key()
            )));
        }
        if let Some(v) = start.iter().find(|v| !v.is_finite()) {
            return Err(bad(format!("`start` must be finite, got {v}")));
        }
        if self.steps == 0 {
            return Err(bad("`steps` must be at least 1".into()));
        }
        if self.steps > MAX_STEPS {
            return Err(bad(format!(
                "`steps` must be at most {MAX_STEPS}, got {}",
                self.steps
            )));
        }
        self.noise.validate().map_err(bad)?;
        if self.optimizers.len() > MAX_RACERS {
            return Err(bad(format!(
                "{} optimizers; a scene races at most {MAX_RACERS}",
                self.optimizers.len()
            )));
        }
        if self.edits.len() > MAX_EDITS {
            return Err(bad(format!(
                "{} edits; a scene carries at most {MAX_EDITS}",
                self.edits.len()
            )));
        }
        let objective = self.problem.build();
        let mut entries = Vec::with_capacity(self.optimizers.len());
        for (i, spec) in self.optimizers.into_iter().enumerate() {
            spec.method
                .validate()
                .map_err(|e| bad(format!("optimizers[{i}]: {e}")))?;
            spec.method
                .check_fits(self.problem.key(), objective.provides(), dim)
                .map_err(|e| bad(format!("optimizers[{i}]: {e}")))?;
            let color = match &spec.color {
                Some(c) => parse_color(c).ok_or_else(|| {
                    bad(format!(
                        "optimizers[{i}]: `color` must be #rrggbb, got {c:?}"
                    ))
                })?,
                None => PALETTE[i % PALETTE.len()],
            };
            let base = spec.label.unwrap_or_else(|| spec.method.key().to_owned());
            if base.chars().count() > MAX_LABEL {
                return Err(bad(format!(
                    "optimizers[{i}]: `label` is longer than {MAX_LABEL} characters"
                )));
            }
            let label = unique_label(&base, entries.iter().map(|e: &Entry| e.label.as_str()));
            entries.push(Entry {
                label,
                color,
                enabled: spec.enabled,
                method: spec.method,
            });
        }
        let b = objective.bounds();
        let slice = Slice {
            mode: self.view.slice.unwrap_or_default(),
            axes: self.view.axes.unwrap_or([0, 1]),
            directions_seed: self.view.directions_seed.unwrap_or(0),
            follow: self.view.follow,
        };
        let view = View {
            x: self.view.x.unwrap_or([b.x.0, b.x.1]),
            y: self.view.y.unwrap_or([b.y.0, b.y.1]),
            log_scale: self.view.log_scale.unwrap_or(true),
            colormap: self.view.colormap,
            lens: self.view.lens,
            smoothing: self.view.smoothing.unwrap_or(0.0),
            curves_x: self.view.curves_x.unwrap_or_default(),
            slice,
        };
        if !(view.smoothing.is_finite() && view.smoothing >= 0.0) {
            return Err(bad(format!(
                "`view.smoothing` must be a σ > 0, got {}",
                view.smoothing
            )));
        }
        for (name, r) in [("view.x", view.x), ("view.y", view.y)] {
            if !(r[0].is_finite() && r[1].is_finite() && r[0] < r[1]) {
                return Err(bad(format!(
                    "`{name}` must be [min, max] with min < max, got {r:?}"
                )));
            }
        }
        let [i, j] = slice.axes;
        if dim >= 2 && (i >= dim || j >= dim || i == j) {
            return Err(bad(format!(
                "`view.axes` must be two different coordinates below {dim}, got [{i}, {j}]"
            )));
        }
        if let Some(k) = slice.follow
            && !entries.get(k).is_some_and(|e| e.enabled)
        {
            return Err(bad(format!(
                "`view.follow` must name an enabled optimizer (0 to {}), got {k}",
                entries.len().saturating_sub(1)
            )));
        }
        let speed = self.playback.speed;
        if speed.is_nan() || speed <= 0.0 {
            return Err(bad(format!(
                "`playback.speed` must be > 0 (or inf), got {speed}"
            )));
        }
        let mut scene = Scene {
            title: self.title,
            description: self.description,
            problem: self.problem,
            entries,
            start,
            seed: self.seed,
            steps: self.steps,
            noise: self.noise,
            view,
            playback: self.playback,
            edits: Vec::new(),
        };
        // Each edit must name a live field and carry a value that field accepts, given the
        // edits before it.
        let mut edits = self.edits;
        edits.sort_by_key(|e| e.step);
        let mut probe = scene.clone();
        for (k, e) in edits.iter().enumerate() {
            probe
                .apply_edit(&e.path, &e.value)
                .map_err(|m| bad(format!("edits[{k}] (step {}): {m}", e.step)))?;
        }
        scene.edits = edits;
        Ok(scene)
    }
}

/// Reads a scene file's text, refusing files above [`MAX_SCENE_BYTES`].
pub fn read_scene_text(path: &Path) -> Result<String, SceneError> {
    let io = |source| SceneError::Io {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_SCENE_BYTES {
        return Err(SceneError::Invalid {
            origin: path.display().to_string(),
            message: format!(
                "the file has {size} bytes; a scene file may have at most {MAX_SCENE_BYTES}"
            ),
        });
    }
    std::fs::read_to_string(path).map_err(io)
}

/// `base`, or `base 2`, `base 3`, … if it is taken.
pub(super) fn unique_label<'a>(base: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let mut label = base.to_owned();
    let mut n = 2;
    while taken.clone().any(|t| t == label) {
        label = format!("{base} {n}");
        n += 1;
    }
    label
}
