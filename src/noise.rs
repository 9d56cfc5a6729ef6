//! The noise model: composable channels that only the [`Oracle`](crate::optim::Oracle) applies,
//! so that every method, of every order, sees the same noise.
//!
//! The review treats intrinsic noise as a computational resource; every channel here is a live
//! dial: changing it alters the next steps of the running optimizers without a reset. Each run
//! draws its noise from its own seeded stream, apart from the methods' own randomness, so a scene
//! plus a seed replays bit for bit and a noise level never changes a method's probes.
//!
//! The channels are declared once, in [`noise_model!`]'s invocation below: the `Noise` struct
//! (the scene's `[noise]` table), the `NoiseChannel` registry (`--noise` on the command line and
//! `optiscope list`) and the app's dials all come from that one list.
//!
//! | channel | what it does |
//! |---|---|
//! | `grad` | g̃ = ∇f(θ) + σ_g ξ |
//! | `eval` | f̃ = f(θ) + σ_e ξ, on every function value a method sees |
//! | `param` | every evaluation is taken at θ + σ_p ξ (device noise) |
//! | `quant` | function values rounded to `bits` significant bits (24: float32) |
//! | `langevin` | after each step θ ← θ + √(2ηT)·ξ, η the method's step size |
//! | `batch` | on a network, each step sees a mini-batch of `size` training points |
//!
//! A level can decay over the steps: constant, 1/(1 + t)^γ or e^(−t/τ), with t the racer's
//! step count.
//!
//! ## References
//! - Welling & Teh (2011), "Bayesian learning via stochastic gradient Langevin dynamics", ICML:
//!   the √(2ηT) step of the `langevin` channel.
//! - Higham (2002), "Accuracy and stability of numerical algorithms", ch. 2: rounding to p
//!   significant bits, ties to even.

use rand_distr::{Distribution as _, StandardNormal};
use rand_pcg::Pcg64;

use crate::edit::EditValue;
use crate::params::Params;

crate::choice! {
    /// How a noise level changes over the steps.
    pub enum Decay {
        Constant = "constant", "constant";
        Power = "power", "1/(1 + t)^γ";
        Exponential = "exponential", "e^(−t/τ)";
    }
}

/// The keys of a level's decay (the app groups them).
pub const DECAY_KEYS: [&str; 3] = ["decay", "decay_power", "decay_steps"];

/// Declares a channel whose level may decay: its level field, then the three decay fields.
macro_rules! decaying_channel {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(#[doc = $doc:literal])*
            $level:ident = $default:expr, $label:literal, ($lo:expr, $hi:expr);
        }
    ) => {
        crate::params! {
            $(#[$meta])*
            pub struct $name {
                $(#[doc = $doc])*
                $level: f64 = $default, $label, ($lo, $hi), Log, NonNegative, live;
                /// How the level changes over the steps.
                decay: Decay = Decay::Constant, "decay of the level", (0.0, 0.0), Linear, Finite, live;
                /// The exponent γ of the 1/(1 + t)^γ decay.
                decay_power: f64 = 0.5, "decay exponent γ", (0.0, 2.0), Linear, NonNegative, live;
                /// The time constant τ (steps) of the e^(−t/τ) decay.
                decay_steps: f64 = 1000.0, "decay time τ (steps)", (1.0, 1e6), Log, Positive, live;
            }
        }

        impl $name {
            /// The level at step t (the steps already taken).
            pub fn level(&self, t: u64) -> f64 {
                let base = self.$level;
                if base == 0.0 {
                    return 0.0;
                }
                match self.decay {
                    Decay::Constant => base,
                    Decay::Power => base * (1.0 + t as f64).powf(-self.decay_power),
                    Decay::Exponential => base * (-(t as f64) / self.decay_steps).exp(),
                }
            }
        }
    };
}

decaying_channel! {
    /// Additive Gaussian noise on every gradient the oracle returns: g̃ = ∇f + σ·ξ, ξ ~ N(0, I).
    pub struct GradNoise {
        /// Standard deviation of the noise added to each gradient component.
        std = 0.0, "gradient noise σ", (1e-3, 100.0);
    }
}

decaying_channel! {
    /// Additive Gaussian noise on every function value a method sees: f̃ = f + σ·ξ.
    pub struct EvalNoise {
        /// Standard deviation of the noise added to each function value.
        std = 0.0, "evaluation noise σ", (1e-6, 10.0);
    }
}

decaying_channel! {
    /// Perturbed parameters: every evaluation (value, gradient, curvature) is taken at θ + σ·ξ
    /// instead of θ, as on noisy analogue or neuromorphic hardware.
    pub struct ParamNoise {
        /// Standard deviation of the perturbation of each parameter.
        std = 0.0, "parameter noise σ", (1e-6, 1.0);
    }
}

crate::params! {
    /// Function values rounded to a number of significant bits: 24 is float32, 11 float16,
    /// 8 bfloat16. It shows the precision floor of finite-difference estimates.
    pub struct QuantNoise {
        /// Significant bits kept (0: full float64 precision).
        bits: usize = 0, "significant bits (0 = off)", (0, 53), Linear, Within(0.0, 53.0), live;
    }
}

decaying_channel! {
    /// Langevin dynamics: after each step the iterate moves by √(2·η·T)·ξ, with η the method's
    /// current step size (1 for methods without one). Gradient descent with this channel samples
    /// from e^(−f/T).
    pub struct LangevinNoise {
        /// The temperature T.
        temperature = 0.0, "temperature T", (1e-6, 10.0);
    }
}

crate::params! {
    /// Mini-batches: on a data problem (a network), each step sees `size` training points
    /// instead of all of them, drawn from the run's noise stream: every epoch is a fresh
    /// shuffle, walked through in batches (a last partial batch is dropped). Every evaluation
    /// of one step sees the same batch. This is the natural noise of SGD.
    pub struct BatchNoise {
        /// Points per mini-batch (0: the full batch).
        size: usize = 0, "mini-batch size (0 = full batch)", (0, 512), Linear, Within(0.0, 1e6), live;
    }
}

/// Configuration shared by all noise channels.
pub trait ChannelConfig: Params {}
impl ChannelConfig for GradNoise {}
impl ChannelConfig for EvalNoise {}
impl ChannelConfig for ParamNoise {}
impl ChannelConfig for QuantNoise {}
impl ChannelConfig for LangevinNoise {}
impl ChannelConfig for BatchNoise {}

/// Declares the noise model once: the `Noise` struct (one field per channel), the
/// `NoiseChannel` registry, and the plumbing between them.
macro_rules! noise_model {
    ($( $field:ident: $variant:ident($ty:ty) = $key:literal, $summary:literal; )*) => {
        crate::registry! {
            /// One noise channel, as named on the command line (`--noise grad:std=0.5`).
            pub enum NoiseChannel: ChannelConfig {
                $( $variant($ty) = $key, $summary; )*
            }
        }

        /// The full noise model of a run: one field per channel; a zero level means off.
        #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Noise {
            $(
                #[doc = $summary]
                pub $field: $ty,
            )*
        }

        impl Noise {
            /// Sets one channel, leaving the others as they are.
            pub fn set(&mut self, channel: NoiseChannel) {
                match channel {
                    $( NoiseChannel::$variant(c) => self.$field = c, )*
                }
            }

            /// The channels as registry entries, for listing, validation and diffs.
            pub fn channels(&self) -> Vec<NoiseChannel> {
                vec![$( NoiseChannel::$variant(self.$field.clone()), )*]
            }

            /// Every channel's parameters, mutably, with the channel's key and summary (for the
            /// app's dials).
            pub fn channels_mut(&mut self) -> Vec<(&'static str, &'static str, &mut dyn Params)> {
                vec![$( ($key, $summary, &mut self.$field as &mut dyn Params), )*]
            }

            /// One channel's parameters by key.
            fn channel_mut(&mut self, key: &str) -> Option<&mut dyn Params> {
                match key {
                    $( $key => Some(&mut self.$field), )*
                    _ => None,
                }
            }
        }
    };
}

noise_model! {
    grad: Grad(GradNoise) = "grad", "Gradient noise: Gaussian noise on every gradient (SGD-like).";
    eval: Eval(EvalNoise) = "eval", "Evaluation noise: Gaussian noise on every function value a method sees.";
    param: Param(ParamNoise) = "param", "Parameter noise: every evaluation at a perturbed θ + σξ (device noise).";
    quant: Quant(QuantNoise) = "quant", "Quantisation: function values rounded to a number of significant bits.";
    langevin: Langevin(LangevinNoise) = "langevin", "Langevin: after each step θ moves by √(2ηT)·ξ (a temperature).";
    batch: Batch(BatchNoise) = "batch", "Mini-batches: each step of a network sees `size` training points, reshuffled every epoch.";
}

impl Noise {
    /// Sets parameter `key` of channel `channel` (an edit such as `noise.grad.std`).
    pub fn set_param(&mut self, channel: &str, key: &str, value: &EditValue) -> Result<(), String> {
        let Some(config) = self.channel_mut(channel) else {
            return Err(format!(
                "unknown noise channel `{channel}`; valid: {}",
                NoiseChannel::keys().join(", ")
            ));
        };
        if let Some((meta, _)) = config.param(key)
            && !meta.live
        {
            return Err(format!("`{key}` cannot change during a run"));
        }
        value.set(config, key)
    }

    /// Checks every channel's parameters.
    pub fn validate(&self) -> Result<(), String> {
        for c in self.channels() {
            c.config()
                .validate_params()
                .map_err(|e| format!("noise `{}`: {e}", c.key()))?;
        }
        Ok(())
    }

    /// The levels in force at step t (the steps already taken).
    pub fn levels(&self, t: u64) -> Levels {
        Levels {
            grad: self.grad.level(t),
            eval: self.eval.level(t),
            param: self.param.level(t),
            bits: self.quant.bits as u32,
            temperature: self.langevin.level(t),
            batch: self.batch.size,
        }
    }

    /// Whether any channel is on.
    pub fn any(&self) -> bool {
        self.levels(0) != Levels::default()
    }
}

/// The channels' levels at one step; zero means off.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Levels {
    /// Gradient noise σ.
    pub grad: f64,
    /// Evaluation noise σ.
    pub eval: f64,
    /// Parameter noise σ.
    pub param: f64,
    /// Significant bits of function values (0: unrounded).
    pub bits: u32,
    /// Langevin temperature.
    pub temperature: f64,
    /// Mini-batch size (0: the full batch).
    pub batch: usize,
}

impl Levels {
    /// Whether every channel is off (the oracle then passes values through untouched).
    pub fn quiet(&self) -> bool {
        *self == Levels::default()
    }

    /// Adds σ·ξ to each entry of `v`.
    #[inline]
    pub(crate) fn add_gaussian(v: &mut [f64], std: f64, rng: &mut Pcg64) {
        if std > 0.0 {
            for vi in v {
                let z: f64 = StandardNormal.sample(rng);
                *vi += std * z;
            }
        }
    }

    /// A function value as a method sees it: plus the evaluation noise, then rounded.
    #[inline]
    pub(crate) fn seen_value(&self, f: f64, rng: &mut Pcg64) -> f64 {
        if self.eval == 0.0 && self.bits == 0 {
            return f;
        }
        let mut f = f;
        if self.eval > 0.0 {
            let z: f64 = StandardNormal.sample(rng);
            f += self.eval * z;
        }
        round_to_bits(f, self.bits)
    }
}

/// `v` rounded to `bits` significant bits, ties to even (0 or ≥ 53 bits: unchanged). With 24
/// bits this is the nearest float32 for values in float32's normal range.
pub fn round_to_bits(v: f64, bits: u32) -> f64 {
    if bits == 0 || bits >= 53 || v == 0.0 || !v.is_finite() {
        return v;
    }
    // v = m·2^e with 1 ≤ |m| < 2; keep `bits` bits of m.
    let e = v.abs().log2().floor() as i32;
    // log2 can round up just below a power of two; correct the exponent.
    let e = if v.abs() < 2f64.powi(e) { e - 1 } else { e };
    let shift = bits as i32 - 1 - e;
    // Scale in two factors so that neither overflows for large or tiny values.
    let (a, b) = (2f64.powi(shift / 2), 2f64.powi(shift - shift / 2));
    (v * a * b).round_ties_even() / a / b
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt as _, SeedableRng as _};

    #[test]
    fn twenty_four_bits_is_float32() {
        let mut rng = Pcg64::seed_from_u64(7);
        for _ in 0..20_000 {
            let exp = rng.random_range(-30..30);
            let v: f64 = rng.random_range(-1.0..1.0) * 2f64.powi(exp);
            assert_eq!(round_to_bits(v, 24), v as f32 as f64, "{v:e}");
        }
        // Ties go to even: 1 + 2⁻²⁴ lies halfway between 1 and 1 + 2⁻²³.
        assert_eq!(round_to_bits(1.0 + 2f64.powi(-24), 24), 1.0);
        assert_eq!(
            round_to_bits(1.0 + 3.0 * 2f64.powi(-24), 24),
            1.0 + 2f64.powi(-22)
        );
    }

    #[test]
    fn rounding_keeps_the_bits_asked_for() {
        assert_eq!(round_to_bits(0.7, 1), 0.5);
        assert_eq!(round_to_bits(0.8, 1), 1.0);
        assert_eq!(round_to_bits(-5.3, 3), -5.0);
        assert_eq!(round_to_bits(5.3, 0), 5.3);
        // Zero, infinities and NaN pass through at any precision.
        for bits in [1, 11, 24] {
            assert_eq!(round_to_bits(0.0, bits), 0.0);
            assert_eq!(round_to_bits(f64::INFINITY, bits), f64::INFINITY);
            assert_eq!(round_to_bits(f64::NEG_INFINITY, bits), f64::NEG_INFINITY);
            assert!(round_to_bits(f64::NAN, bits).is_nan());
        }
        assert_eq!(round_to_bits(5.3, 53), 5.3);
        // Far from 1 the same rule holds: 4 bits of 1e300 are a multiple of 2^(e − 3).
        let r = round_to_bits(1e300, 4);
        let e = 1e300_f64.log2().floor() as i32;
        assert_eq!((r / 2f64.powi(e - 3)).fract(), 0.0);
        assert!((r / 1e300 - 1.0).abs() <= 1.0 / 16.0);
    }

    #[test]
    fn levels_decay_as_declared() {
        let mut c = EvalNoise {
            std: 2.0,
            ..EvalNoise::default()
        };
        assert_eq!((c.level(0), c.level(1000)), (2.0, 2.0));
        c.decay = Decay::Power;
        c.decay_power = 0.5;
        assert_eq!(c.level(3), 1.0);
        c.decay = Decay::Exponential;
        c.decay_steps = 10.0;
        assert!((c.level(10) - 2.0 / std::f64::consts::E).abs() < 1e-15);
        c.std = 0.0;
        assert_eq!(c.level(10), 0.0);
    }

    #[test]
    fn every_channel_is_reachable_by_key() {
        let mut n = Noise::default();
        for key in NoiseChannel::keys() {
            assert!(n.channel_mut(key).is_some(), "{key}");
        }
        n.set_param("quant", "bits", &EditValue::Number(24.0))
            .unwrap();
        n.set_param("langevin", "temperature", &EditValue::Number(0.1))
            .unwrap();
        assert_eq!(n.levels(0).bits, 24);
        assert_eq!(n.levels(0).temperature, 0.1);
        assert!(n.set_param("heat", "std", &EditValue::Number(1.0)).is_err());
    }
}
