//! Parameter reflection shared by problems, methods and noise channels.
//!
//! Each configurable struct is declared once with [`params!`]. The macro derives serde (with
//! defaults and `deny_unknown_fields`), `Default`, and a [`Params`] impl that lists every parameter
//! with its documentation, slider range and validity rule. The CLI's `list`, scene validation and
//! the UI's parameter widgets all read that one list.

use std::fmt;

/// How a parameter's slider maps values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// A linear slider.
    Linear,
    /// A logarithmic slider, for ranges that span decades.
    Log,
}

/// Which values a parameter accepts; checked during validation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Valid {
    /// Any finite number.
    Finite,
    /// A finite number > 0.
    Positive,
    /// A finite number ≥ 0.
    NonNegative,
    /// A finite number in [0, 1).
    UnitOpen,
    /// A finite number in [lo, hi].
    Within(f64, f64),
}

impl Valid {
    /// Whether `v` satisfies the rule.
    pub fn accepts(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Valid::Finite => true,
                Valid::Positive => v > 0.0,
                Valid::NonNegative => v >= 0.0,
                Valid::UnitOpen => (0.0..1.0).contains(&v),
                Valid::Within(lo, hi) => (lo..=hi).contains(&v),
            }
    }
}

impl fmt::Display for Valid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Valid::Finite => write!(f, "a finite number"),
            Valid::Positive => write!(f, "a finite number > 0"),
            Valid::NonNegative => write!(f, "a finite number ≥ 0"),
            Valid::UnitOpen => write!(f, "a number in [0, 1)"),
            Valid::Within(lo, hi) => write!(f, "a number in [{lo}, {hi}]"),
        }
    }
}

/// A parameter's current value, by type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamValue {
    /// A real number.
    F64(f64),
    /// A count or dimension.
    Usize(usize),
    /// A switch.
    Bool(bool),
    /// One of a fixed set of names (a [`Choice`]), by its key.
    Choice(&'static str),
}

impl fmt::Display for ParamValue {
    /// Honours width and alignment (`{:<8}`), as the CLI's listing needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ParamValue::F64(v) => v.to_string(),
            ParamValue::Usize(v) => v.to_string(),
            ParamValue::Bool(v) => v.to_string(),
            ParamValue::Choice(k) => (*k).to_string(),
        };
        f.pad(&text)
    }
}

/// A mutable reference to a parameter, for editing widgets.
#[derive(Debug)]
pub enum ParamMut<'a> {
    /// A real number.
    F64(&'a mut f64),
    /// A count or dimension.
    Usize(&'a mut usize),
    /// A switch.
    Bool(&'a mut bool),
    /// One of a fixed set of names.
    Choice(&'a mut dyn ChoiceField),
}

/// A field whose value is one of a fixed set of names, declared with [`choice!`].
pub trait Choice: Copy + PartialEq + Send + 'static {
    /// The keys as scene files write them, in declaration order.
    const KEYS: &'static [&'static str];
    /// The readable names shown in the app, in the same order.
    const LABELS: &'static [&'static str];
    /// The position of the value among [`Choice::KEYS`].
    fn index(self) -> usize;
    /// The value at a position among [`Choice::KEYS`] (clamped to the last).
    fn from_index(i: usize) -> Self;
}

/// A [`Choice`] behind a reference, for widgets that edit any of them.
pub trait ChoiceField {
    /// The position of the current value.
    fn index(&self) -> usize;
    /// Sets the value by position.
    fn set_index(&mut self, i: usize);
    /// The keys, in order.
    fn keys(&self) -> &'static [&'static str];
    /// The readable names, in order.
    fn labels(&self) -> &'static [&'static str];
}

impl<T: Choice> ChoiceField for T {
    fn index(&self) -> usize {
        Choice::index(*self)
    }
    fn set_index(&mut self, i: usize) {
        *self = T::from_index(i);
    }
    fn keys(&self) -> &'static [&'static str] {
        T::KEYS
    }
    fn labels(&self) -> &'static [&'static str] {
        T::LABELS
    }
}

impl fmt::Debug for dyn ChoiceField + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keys().get(self.index()).copied().unwrap_or("?"))
    }
}

/// Everything known about one parameter besides its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamMeta {
    /// The snake_case key used in specs and scene files.
    pub key: &'static str,
    /// The readable name shown in the app, for example "A, the stability constant".
    pub name: &'static str,
    /// One sentence on what it does.
    pub doc: &'static str,
    /// The slider range, `(lo, hi)`; typed values may go beyond it if valid.
    pub range: (f64, f64),
    /// How the slider maps values.
    pub scale: Scale,
    /// Which values are accepted.
    pub valid: Valid,
    /// Whether the parameter may change while a run goes on (a live dial) without starting a
    /// new run; declared next to the field in [`params!`].
    pub live: bool,
    /// For a [`Choice`], its keys; empty for numbers and switches.
    pub options: &'static [&'static str],
}

impl ParamMeta {
    /// The value a scene file's text names, for a [`Choice`] parameter.
    pub fn option(&self, text: &str) -> Result<ParamValue, String> {
        match self.options.iter().find(|o| **o == text) {
            Some(o) => Ok(ParamValue::Choice(o)),
            None if self.options.is_empty() => Err(format!(
                "`{}` must be a number or a boolean, got {text:?}",
                self.key
            )),
            None => Err(format!(
                "`{}` must be one of {}, got {text:?}",
                self.key,
                self.options.join(", ")
            )),
        }
    }
}

/// Types whose fields are listed as parameters.
pub trait Params {
    /// Metadata and current values of every parameter, in declaration order.
    fn params(&self) -> Vec<(ParamMeta, ParamValue)>;
    /// Mutable access to every parameter, in declaration order.
    fn params_mut(&mut self) -> Vec<(ParamMeta, ParamMut<'_>)>;

    /// Checks every parameter against its rule; the error names the key, what it must be and
    /// what it is.
    fn validate_params(&self) -> Result<(), String> {
        for (meta, value) in self.params() {
            check(&meta, value)?;
        }
        Ok(())
    }

    /// The metadata and value of the parameter named `key`.
    fn param(&self, key: &str) -> Option<(ParamMeta, ParamValue)> {
        self.params().into_iter().find(|(m, _)| m.key == key)
    }

    /// Sets the parameter named `key`, after checking the value against its type and rule.
    /// A number is accepted for a count when it is a whole number ≥ 0.
    fn set_param(&mut self, key: &str, value: ParamValue) -> Result<(), String> {
        let keys: Vec<&str> = self.params().iter().map(|(m, _)| m.key).collect();
        let Some((meta, slot)) = self.params_mut().into_iter().find(|(m, _)| m.key == key) else {
            return Err(format!(
                "unknown parameter `{key}`; valid: {}",
                keys.join(", ")
            ));
        };
        let value = match (&slot, value) {
            (ParamMut::Usize(_), ParamValue::F64(v))
                if v >= 0.0 && v.fract() == 0.0 && v <= usize::MAX as f64 =>
            {
                ParamValue::Usize(v as usize)
            }
            (ParamMut::F64(_), ParamValue::Usize(v)) => ParamValue::F64(v as f64),
            (_, v) => v,
        };
        check(&meta, value)?;
        match (slot, value) {
            (ParamMut::F64(s), ParamValue::F64(v)) => *s = v,
            (ParamMut::Usize(s), ParamValue::Usize(v)) => *s = v,
            (ParamMut::Bool(s), ParamValue::Bool(v)) => *s = v,
            (ParamMut::Choice(s), ParamValue::Choice(k)) if s.keys().contains(&k) => {
                let i = s.keys().iter().position(|o| *o == k).unwrap_or(0);
                s.set_index(i);
            }
            (slot, value) => {
                let want = match slot {
                    ParamMut::F64(_) => "a number".to_string(),
                    ParamMut::Usize(_) => "a whole number ≥ 0".to_string(),
                    ParamMut::Bool(_) => "true or false".to_string(),
                    ParamMut::Choice(s) => format!("one of {}", s.keys().join(", ")),
                };
                return Err(format!("`{key}` must be {want}, got {value}"));
            }
        }
        Ok(())
    }

    /// Whether `other` differs from `self` only in live parameters. Both must be the same type.
    fn differs_only_live(&self, other: &dyn Params) -> bool {
        self.params()
            .iter()
            .zip(other.params())
            .all(|((m, a), (_, b))| m.live || *a == b)
    }
}

/// Checks one value against its parameter's rule.
fn check(meta: &ParamMeta, value: ParamValue) -> Result<(), String> {
    let v = match value {
        ParamValue::F64(v) => v,
        ParamValue::Usize(v) => v as f64,
        ParamValue::Bool(_) | ParamValue::Choice(_) => return Ok(()),
    };
    if meta.valid.accepts(v) {
        Ok(())
    } else {
        Err(format!(
            "`{}` must be {}, got {}",
            meta.key, meta.valid, value
        ))
    }
}

/// Converts a field to [`ParamValue`] and [`ParamMut`].
pub trait ParamField {
    /// For a [`Choice`], its keys.
    const OPTIONS: &'static [&'static str] = &[];
    /// The value.
    fn value(&self) -> ParamValue;
    /// A mutable reference.
    fn value_mut(&mut self) -> ParamMut<'_>;
}

impl ParamField for f64 {
    fn value(&self) -> ParamValue {
        ParamValue::F64(*self)
    }
    fn value_mut(&mut self) -> ParamMut<'_> {
        ParamMut::F64(self)
    }
}

impl ParamField for usize {
    fn value(&self) -> ParamValue {
        ParamValue::Usize(*self)
    }
    fn value_mut(&mut self) -> ParamMut<'_> {
        ParamMut::Usize(self)
    }
}

impl ParamField for bool {
    fn value(&self) -> ParamValue {
        ParamValue::Bool(*self)
    }
    fn value_mut(&mut self) -> ParamMut<'_> {
        ParamMut::Bool(self)
    }
}

impl<T: Choice> ParamField for T {
    const OPTIONS: &'static [&'static str] = T::KEYS;
    fn value(&self) -> ParamValue {
        ParamValue::Choice(T::KEYS[self.index()])
    }
    fn value_mut(&mut self) -> ParamMut<'_> {
        ParamMut::Choice(self)
    }
}

/// Declares a [`Choice`]: a field that takes one of a few named values. Each variant reads
/// `Variant = "key", "readable name";`; the first is the default.
///
/// ```text
/// choice! {
///     /// Which β the conjugate-gradient method uses.
///     pub enum Beta {
///         FletcherReeves = "fletcher_reeves", "Fletcher–Reeves";
///         PolakRibierePlus = "polak_ribiere_plus", "Polak–Ribière+";
///     }
/// }
/// ```
#[macro_export]
macro_rules! choice {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $first:ident = $first_key:literal, $first_label:literal;
            $( $variant:ident = $key:literal, $label:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            #[doc = $first_label]
            #[default]
            #[serde(rename = $first_key)]
            $first,
            $(
                #[doc = $label]
                #[serde(rename = $key)]
                $variant,
            )*
        }

        impl $crate::params::Choice for $name {
            const KEYS: &'static [&'static str] = &[$first_key, $($key,)*];
            const LABELS: &'static [&'static str] = &[$first_label, $($label,)*];
            fn index(self) -> usize {
                [Self::$first, $(Self::$variant,)*]
                    .iter()
                    .position(|v| *v == self)
                    .unwrap_or(0)
            }
            fn from_index(i: usize) -> Self {
                let all = [Self::$first, $(Self::$variant,)*];
                all[i.min(all.len() - 1)]
            }
        }
    };
}

/// Declares a parameter struct once: fields with defaults, readable names, docs, slider ranges,
/// validity and liveness.
///
/// Each field reads `key: type = default, "readable name", (lo, hi), Scale, Valid, liveness;`
/// where liveness is `live` (a dial that may change while a run goes on, keeping the
/// optimizer's state) or `restart` (changing it starts a new run).
///
/// ```text
/// params! {
///     /// Adam's hyperparameters.
///     pub struct AdamConfig {
///         /// Learning rate η.
///         lr: f64 = 1e-3, "learning rate η", (1e-5, 1.0), Log, Positive, live;
///     }
/// }
/// ```
#[macro_export]
macro_rules! params {
    (@live live) => { true };
    (@live restart) => { false };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $default:expr, $label:literal, ($lo:expr, $hi:expr),
                    $scale:ident, $valid:expr, $live:ident;
            )*
            // Fields that scenes and specs carry but that are no dials (text, lists), with
            // their own editors.
            $(
                @extra {
                    $(
                        $(#[doc = $xdoc:literal])*
                        $xfield:ident : $xty:ty = $xdefault:expr;
                    )*
                }
            )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $($(
                $(#[doc = $xdoc])*
                pub $xfield: $xty,
            )*)?
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $($($xfield: $xdefault,)*)? $($field: $default,)* }
            }
        }

        impl $name {
            /// Metadata of every parameter, in declaration order.
            #[allow(unused_imports)]
            fn metas() -> Vec<$crate::params::ParamMeta> {
                use $crate::params::Valid::*;
                vec![$(
                    $crate::params::ParamMeta {
                        key: stringify!($field),
                        name: $label,
                        doc: concat!($($doc),*).trim_ascii(),
                        range: ($lo as f64, $hi as f64),
                        scale: $crate::params::Scale::$scale,
                        valid: $valid,
                        live: $crate::params!(@live $live),
                        options: <$ty as $crate::params::ParamField>::OPTIONS,
                    },
                )*]
            }
        }

        impl $crate::params::Params for $name {
            fn params(&self) -> Vec<($crate::params::ParamMeta, $crate::params::ParamValue)> {
                #[allow(unused_imports)]
                use $crate::params::ParamField as _;
                Self::metas().into_iter().zip(vec![$(self.$field.value(),)*]).collect()
            }

            fn params_mut(&mut self) -> Vec<($crate::params::ParamMeta, $crate::params::ParamMut<'_>)> {
                #[allow(unused_imports)]
                use $crate::params::ParamField as _;
                Self::metas().into_iter().zip(vec![$(self.$field.value_mut(),)*]).collect()
            }
        }
    };
}

/// Declares a closed registry of configurable kinds: an internally tagged serde enum
/// (`kind = "name"`) whose variants each wrap a [`params!`] struct implementing `$tr`.
///
/// It generates `key`, `summary`, `defaults`, `keys`, `config` and `config_mut`, so that adding a
/// kind is one line here plus its struct.
#[macro_export]
macro_rules! registry {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $tr:path {
            $( $variant:ident($cfg:ty) = $key:literal, $summary:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum $name {
            $(
                #[doc = $summary]
                #[serde(rename = $key)]
                $variant($cfg),
            )*
        }

        impl $name {
            /// The snake_case name used in specs and scene files.
            pub fn key(&self) -> &'static str {
                match self { $(Self::$variant(_) => $key,)* }
            }

            /// A one-line description.
            pub fn summary(&self) -> &'static str {
                match self { $(Self::$variant(_) => $summary,)* }
            }

            /// Every kind with its default parameters, in declaration order.
            pub fn defaults() -> Vec<Self> {
                vec![$(Self::$variant(<$cfg>::default()),)*]
            }

            /// Every key, in declaration order.
            pub fn keys() -> &'static [&'static str] {
                &[$($key,)*]
            }

            /// The configuration behind the variant.
            pub fn config(&self) -> &dyn $tr {
                match self { $(Self::$variant(c) => c,)* }
            }

            /// The configuration behind the variant, mutably.
            pub fn config_mut(&mut self) -> &mut dyn $tr {
                match self { $(Self::$variant(c) => c,)* }
            }
        }
    };
}
