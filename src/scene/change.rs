//! How an edited scene differs from the one a run started with: a live change that the run
//! absorbs, or a new run. One function decides; the app (to say "new run: …") and the engine
//! (to act) both call it.

use crate::edit::{Edit, EditPath, EditValue};

use super::Scene;

/// What an edited scene means for the running run.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The run goes on. These edits (their steps not yet stamped) carry the live changes;
    /// labels, colours and view settings are taken from the new scene as they are.
    Live(Vec<Edit>),
    /// A new run must start, for this reason.
    NewRun(&'static str),
}

impl Scene {
    /// How `self` differs from `old`, the scene of the running run.
    pub fn diff(&self, old: &Scene) -> Change {
        if self.problem != old.problem {
            return Change::NewRun("problem changed");
        }
        if self.seed != old.seed {
            return Change::NewRun("seed changed");
        }
        if self.start != old.start {
            return Change::NewRun("start moved");
        }
        let same_racers = self.entries.len() == old.entries.len()
            && self.entries.iter().zip(&old.entries).all(|(new, old)| {
                new.enabled == old.enabled && old.method.differs_only_live(&new.method)
            });
        if !same_racers {
            return Change::NewRun("optimizers changed");
        }
        let mut edits = Vec::new();
        let mut edit = |path: String, value: EditValue| {
            edits.push(Edit {
                step: 0,
                path,
                value,
            })
        };
        for (i, (new, old)) in self.entries.iter().zip(&old.entries).enumerate() {
            for ((meta, a), (_, b)) in new
                .method
                .config()
                .params()
                .iter()
                .zip(old.method.config().params())
            {
                if *a != b {
                    edit(format!("optimizers.{i}.{}", meta.key), EditValue::of(*a));
                }
            }
        }
        for (new, old) in self.noise.channels().iter().zip(old.noise.channels()) {
            for ((meta, a), (_, b)) in new.config().params().iter().zip(old.config().params()) {
                if *a != b {
                    edit(
                        format!("noise.{}.{}", new.key(), meta.key),
                        EditValue::of(*a),
                    );
                }
            }
        }
        if self.playback.speed != old.playback.speed {
            edit(
                "playback.speed".into(),
                EditValue::Number(self.playback.speed),
            );
        }
        Change::Live(edits)
    }

    /// Applies one edit to the scene, checking that the path names a live field and that the
    /// field accepts the value.
    pub fn apply_edit(&mut self, path: &str, value: &EditValue) -> Result<(), String> {
        match EditPath::parse(path)? {
            EditPath::Optimizer { index, key } => {
                let n = self.entries.len();
                let entry = self.entries.get_mut(index).ok_or_else(|| {
                    format!(
                        "`{path}`: the scene has {n} optimizers (0 to {})",
                        n.saturating_sub(1)
                    )
                })?;
                let config = entry.method.config_mut();
                if let Some((meta, _)) = config.param(key)
                    && !meta.live
                {
                    return Err(format!(
                        "`{path}` cannot change during a run (changing it starts a new run)"
                    ));
                }
                value.set(config, key).map_err(|e| format!("`{path}`: {e}"))
            }
            EditPath::Noise { channel, key } => self
                .noise
                .set_param(channel, key, value)
                .map_err(|e| format!("`{path}`: {e}")),
            EditPath::Speed => match value {
                EditValue::Number(v) if *v > 0.0 => {
                    self.playback.speed = *v;
                    Ok(())
                }
                other => Err(format!(
                    "`{path}` must be a number > 0 (or inf), got {other}"
                )),
            },
        }
    }

    /// Takes the live values of `other` (the engine's scene after a replayed edit): methods'
    /// parameters, noise and speed, when the two race the same optimizers.
    pub fn adopt_live(&mut self, other: &Scene) {
        if self.entries.len() == other.entries.len() {
            for (e, o) in self.entries.iter_mut().zip(&other.entries) {
                if e.method.key() == o.method.key() {
                    e.method = o.method.clone();
                }
            }
        }
        self.noise = other.noise.clone();
        self.playback.speed = other.playback.speed;
    }

    /// The scene a run described by `self` (its values at the start) and `log` (its edits)
    /// saves as: the start values, the cosmetic settings of `shown` (labels, colours, view,
    /// title), and the edits. Run headless, it replays the run bit for bit.
    pub fn with_log(&self, shown: &Scene, log: &[Edit]) -> Scene {
        let mut out = self.clone();
        out.title = shown.title.clone();
        out.description = shown.description.clone();
        out.view = shown.view.clone();
        out.steps = shown.steps;
        for (e, s) in out.entries.iter_mut().zip(&shown.entries) {
            e.label = s.label.clone();
            e.color = s.color;
        }
        out.edits = log.to_vec();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(extra: &str) -> Scene {
        Scene::from_toml(
            &format!(
                "version = 1\n[[optimizers]]\nkind = \"adam\"\nlr = 0.01\n[[optimizers]]\nkind = \"adagrad\"\n{extra}"
            ),
            "test",
        )
        .unwrap()
    }

    #[test]
    fn live_parameters_are_edits_and_structural_ones_start_a_new_run() {
        let old = scene("");
        let mut new = old.clone();
        new.entries[0]
            .method
            .config_mut()
            .set_param("lr", crate::params::ParamValue::F64(0.05))
            .unwrap();
        new.noise.grad.std = 0.5;
        new.playback.speed = 100.0;
        new.entries[1].label = "renamed".into();
        let Change::Live(edits) = new.diff(&old) else {
            panic!("a live change")
        };
        let paths: Vec<(&str, EditValue)> = edits
            .iter()
            .map(|e| (e.path.as_str(), e.value.clone()))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("optimizers.0.lr", EditValue::Number(0.05)),
                ("noise.grad.std", EditValue::Number(0.5)),
                ("playback.speed", EditValue::Number(100.0)),
            ]
        );
        let mut structural = old.clone();
        structural.entries[1]
            .method
            .config_mut()
            .set_param(
                "initial_accumulator_value",
                crate::params::ParamValue::F64(0.1),
            )
            .unwrap();
        assert_eq!(structural.diff(&old), Change::NewRun("optimizers changed"));
        let mut moved = old.clone();
        moved.start[0] = 0.0;
        assert_eq!(moved.diff(&old), Change::NewRun("start moved"));
        let mut off = old.clone();
        off.entries[0].enabled = false;
        assert_eq!(off.diff(&old), Change::NewRun("optimizers changed"));
    }

    #[test]
    fn edits_apply_to_live_fields_and_name_what_is_wrong() {
        let mut s = scene("");
        s.apply_edit("optimizers.0.lr", &EditValue::Number(0.2))
            .unwrap();
        assert_eq!(
            s.entries[0].method.config().param("lr").unwrap().1,
            crate::params::ParamValue::F64(0.2)
        );
        s.apply_edit("noise.grad.std", &EditValue::Number(1.5))
            .unwrap();
        assert_eq!(s.noise.grad.std, 1.5);
        s.apply_edit("playback.speed", &EditValue::Number(f64::INFINITY))
            .unwrap();
        assert!(s.playback.speed.is_infinite());
        for (path, value, needle) in [
            ("optimizers.5.lr", EditValue::Number(0.1), "2 optimizers"),
            ("optimizers.0.betta", EditValue::Number(0.1), "beta1"),
            ("optimizers.0.lr", EditValue::Number(-1.0), "> 0"),
            ("optimizers.0.amsgrad", EditValue::Bool(true), "new run"),
            ("optimizers.0.lr", EditValue::Text("fast".into()), "fast"),
            ("noise.heat.std", EditValue::Number(1.0), "grad"),
            ("noise.grad.sd", EditValue::Number(1.0), "std"),
            (
                "playback.speed",
                EditValue::Number(0.0),
                "> 0 (or inf), got 0",
            ),
            ("playback.speed", EditValue::Bool(true), "got true"),
            (
                "playback.speed",
                EditValue::Text("fast".into()),
                "got \"fast\"",
            ),
            ("view.x", EditValue::Number(0.0), "unknown edit path"),
        ] {
            let e = s.clone().apply_edit(path, &value).unwrap_err();
            assert!(e.contains(needle), "{path}: {e}");
        }
    }

    #[test]
    fn the_app_takes_replayed_values_without_its_labels_changing() {
        let mut shown = scene("");
        shown.entries[0].label = "mine".into();
        let mut engine = scene("");
        engine
            .apply_edit("optimizers.0.lr", &EditValue::Number(0.3))
            .unwrap();
        engine
            .apply_edit("noise.grad.std", &EditValue::Number(0.7))
            .unwrap();
        engine
            .apply_edit("playback.speed", &EditValue::Number(9.0))
            .unwrap();
        shown.adopt_live(&engine);
        assert_eq!(
            shown.entries[0].method.config().param("lr").unwrap().1,
            crate::params::ParamValue::F64(0.3)
        );
        assert_eq!((shown.noise.grad.std, shown.playback.speed), (0.7, 9.0));
        assert_eq!(shown.entries[0].label, "mine", "cosmetics stay the app's");
        // A scene racing other methods keeps its own.
        let mut other = Scene::from_toml(
            "version = 1\n[[optimizers]]\nkind = \"sgd\"\n[[optimizers]]\nkind = \"adagrad\"\n",
            "test",
        )
        .unwrap();
        let before = other.entries[0].method.clone();
        other.adopt_live(&engine);
        assert_eq!(other.entries[0].method, before);
    }

    #[test]
    fn a_scene_file_refuses_bad_edits_with_their_index_and_step() {
        let text = "version = 1\n[[optimizers]]\nkind = \"adam\"\n\
                    [[edits]]\nstep = 5\npath = \"optimizers.0.lr\"\nvalue = 0.1\n\
                    [[edits]]\nstep = 9\npath = \"optimizers.0.lr\"\nvalue = -3\n";
        let e = Scene::from_toml(text, "f.toml").unwrap_err().to_string();
        assert!(
            e.contains("f.toml") && e.contains("edits[1]") && e.contains("step 9"),
            "{e}"
        );
        let ok = Scene::from_toml(&text.replace("-3", "0.3"), "f.toml").unwrap();
        assert_eq!(ok.edits.len(), 2);
    }
}
