//! Live edits: a change to a scene field while a run goes on, and the step at which it took
//! effect. A run is fully described by its scene, its seed and its edit log, so a run seen in
//! the app, saved with its `[[edits]]`, replays bit for bit headless.
//!
//! Paths name scene fields as the file writes them: `optimizers.1.lr` (the second
//! `[[optimizers]]` table, disabled ones included), `noise.grad.std`, `playback.speed`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::params::{ParamMeta, ParamValue, Params};

/// The most edits a scene may carry (and the engine logs for one run).
pub const MAX_EDITS: usize = 100_000;

/// An edit's value as the file writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EditValue {
    /// `true` or `false`.
    Bool(bool),
    /// A number (integers are read as numbers too).
    Number(f64),
    /// Text.
    Text(String),
}

impl fmt::Display for EditValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditValue::Bool(b) => write!(f, "{b}"),
            EditValue::Number(v) => write!(f, "{v}"),
            EditValue::Text(t) => write!(f, "{t:?}"),
        }
    }
}

impl EditValue {
    /// The value for a parameter field; text must name one of a choice's options.
    pub fn param(&self, meta: &ParamMeta) -> Result<ParamValue, String> {
        match self {
            EditValue::Bool(b) => Ok(ParamValue::Bool(*b)),
            EditValue::Number(v) => Ok(ParamValue::F64(*v)),
            EditValue::Text(t) => meta.option(t),
        }
    }

    /// Sets parameter `key` of `p` to this value, checked against its type and rule.
    pub fn set(&self, p: &mut dyn Params, key: &str) -> Result<(), String> {
        let value = match (self, p.param(key)) {
            (EditValue::Text(_), Some((meta, _))) => self.param(&meta)?,
            (EditValue::Text(t), None) => {
                return Err(format!("unknown parameter `{key}` (set to {t:?})"));
            }
            (EditValue::Bool(b), _) => ParamValue::Bool(*b),
            (EditValue::Number(v), _) => ParamValue::F64(*v),
        };
        p.set_param(key, value)
    }

    /// The edit value of a parameter's value.
    pub fn of(value: ParamValue) -> Self {
        match value {
            ParamValue::F64(v) => EditValue::Number(v),
            ParamValue::Usize(v) => EditValue::Number(v as f64),
            ParamValue::Bool(b) => EditValue::Bool(b),
            ParamValue::Choice(k) => EditValue::Text(k.to_string()),
        }
    }
}

/// One live edit: at `step` (after that many steps were taken), `path` took `value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// The number of steps taken when the edit took effect.
    pub step: u64,
    /// The scene field, for example `optimizers.0.lr`.
    pub path: String,
    /// The new value.
    pub value: EditValue,
}

/// An edit path, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditPath<'a> {
    /// A parameter of the optimizer at this position in the scene's `[[optimizers]]`.
    Optimizer {
        /// The position in the scene file (disabled entries count).
        index: usize,
        /// The parameter's key.
        key: &'a str,
    },
    /// A parameter of a noise channel.
    Noise {
        /// The channel's key (`grad`).
        channel: &'a str,
        /// The parameter's key.
        key: &'a str,
    },
    /// The playback speed, in steps per second.
    Speed,
}

impl<'a> EditPath<'a> {
    /// Parses `optimizers.N.key`, `noise.channel.key` or `playback.speed`.
    pub fn parse(path: &'a str) -> Result<Self, String> {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["optimizers", n, key] => n
                .parse()
                .map(|index| EditPath::Optimizer { index, key })
                .map_err(|_| format!("edit path `{path}`: `{n}` is not an optimizer index")),
            ["noise", channel, key] => Ok(EditPath::Noise { channel, key }),
            ["playback", "speed"] => Ok(EditPath::Speed),
            _ => Err(format!(
                "unknown edit path `{path}`; valid: optimizers.<index>.<parameter>, \
                 noise.<channel>.<parameter>, playback.speed"
            )),
        }
    }
}

/// Appends `edit` to a log, replacing the last entry when it names the same path at the same
/// step (a slider dragged while paused leaves one edit, not hundreds). Returns `false`, and
/// logs nothing, when the log is full.
pub fn push(log: &mut Vec<Edit>, edit: Edit) -> bool {
    if let Some(last) = log.last_mut()
        && last.step == edit.step
        && last.path == edit.path
    {
        last.value = edit.value;
        return true;
    }
    if log.len() >= MAX_EDITS {
        return false;
    }
    log.push(edit);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_errors_list_the_forms() {
        assert_eq!(
            EditPath::parse("optimizers.2.lr"),
            Ok(EditPath::Optimizer {
                index: 2,
                key: "lr"
            })
        );
        assert_eq!(
            EditPath::parse("noise.grad.std"),
            Ok(EditPath::Noise {
                channel: "grad",
                key: "std"
            })
        );
        assert_eq!(EditPath::parse("playback.speed"), Ok(EditPath::Speed));
        let e = EditPath::parse("optimizers.x.lr").unwrap_err();
        assert!(e.contains("`x`"), "{e}");
        let e = EditPath::parse("view.x").unwrap_err();
        assert!(e.contains("playback.speed"), "{e}");
    }

    #[test]
    fn the_log_coalesces_repeated_edits_of_a_path_at_one_step() {
        let e = |step, path: &str, v| Edit {
            step,
            path: path.into(),
            value: EditValue::Number(v),
        };
        let mut log = Vec::new();
        push(&mut log, e(3, "optimizers.0.lr", 0.1));
        push(&mut log, e(3, "optimizers.0.lr", 0.2));
        push(&mut log, e(3, "noise.grad.std", 1.0));
        push(&mut log, e(4, "noise.grad.std", 2.0));
        assert_eq!(
            log,
            vec![
                e(3, "optimizers.0.lr", 0.2),
                e(3, "noise.grad.std", 1.0),
                e(4, "noise.grad.std", 2.0)
            ]
        );
    }

    #[test]
    fn values_read_from_toml_as_written() {
        #[derive(Deserialize)]
        struct W {
            edits: Vec<Edit>,
        }
        let w: W = toml::from_str(
            "[[edits]]\nstep = 1\npath = \"a\"\nvalue = 3\n[[edits]]\nstep = 2\npath = \"b\"\nvalue = true\n\
             [[edits]]\nstep = 2\npath = \"c\"\nvalue = inf",
        )
        .unwrap();
        assert_eq!(w.edits[0].value, EditValue::Number(3.0));
        assert_eq!(w.edits[1].value, EditValue::Bool(true));
        assert_eq!(w.edits[2].value, EditValue::Number(f64::INFINITY));
    }
}
