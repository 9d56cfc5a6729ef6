//! Noise channels. Only the [`Oracle`](crate::optim::Oracle) applies them.
//!
//! The review treats intrinsic noise as a computational resource; every channel here is a live
//! dial: changing it alters the next steps of the running optimizers without a reset. Each run
//! draws its noise from its own seeded stream, so a scene plus a seed replays bit for bit.
//! More channels (noisy function values, perturbed parameters, a temperature) join `Noise` as
//! further fields and `NoiseChannel` variants.

use rand_distr::{Distribution as _, StandardNormal};
use rand_pcg::Pcg64;

use crate::edit::EditValue;
use crate::params::Params;

crate::params! {
    /// Additive Gaussian noise on every gradient the oracle returns: g̃ = ∇f + std·ξ, ξ ~ N(0, I).
    pub struct GradNoise {
        /// Standard deviation of the noise added to each gradient component.
        std: f64 = 0.0, "gradient noise σ", (1e-3, 100.0), Log, NonNegative, live;
    }
}

/// Configuration shared by all noise channels.
pub trait ChannelConfig: Params {}
impl ChannelConfig for GradNoise {}

crate::registry! {
    /// One noise channel, as named on the command line (`--noise grad:std=0.5`).
    pub enum NoiseChannel: ChannelConfig {
        Grad(GradNoise) = "grad", "Additive Gaussian noise on every gradient (SGD-like).";
    }
}

/// The full noise model of a run: one field per channel; a zero level means off.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Noise {
    /// Gradient noise.
    pub grad: GradNoise,
}

impl Noise {
    /// Sets one channel, leaving the others as they are.
    pub fn set(&mut self, channel: NoiseChannel) {
        match channel {
            NoiseChannel::Grad(c) => self.grad = c,
        }
    }

    /// The channels as registry entries, for listing and validation.
    pub fn channels(&self) -> Vec<NoiseChannel> {
        vec![NoiseChannel::Grad(self.grad.clone())]
    }

    /// Every channel's parameters, mutably, with the channel's key and summary (for the app's
    /// dials).
    pub fn channels_mut(&mut self) -> Vec<(&'static str, &'static str, &mut dyn Params)> {
        let summary = |key: &str| {
            NoiseChannel::defaults()
                .iter()
                .find(|c| c.key() == key)
                .map_or("", |c| c.summary())
        };
        vec![("grad", summary("grad"), &mut self.grad)]
    }

    /// Sets parameter `key` of channel `channel` (an edit such as `noise.grad.std`).
    pub fn set_param(&mut self, channel: &str, key: &str, value: &EditValue) -> Result<(), String> {
        let config: &mut dyn Params = match channel {
            "grad" => &mut self.grad,
            _ => {
                return Err(format!(
                    "unknown noise channel `{channel}`; valid: {}",
                    NoiseChannel::keys().join(", ")
                ));
            }
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

    /// Adds the gradient channel's noise to `g` in place.
    pub(crate) fn perturb_gradient(&self, g: &mut [f64], rng: &mut Pcg64) {
        let std = self.grad.std;
        if std > 0.0 {
            for gi in g {
                let z: f64 = StandardNormal.sample(rng);
                *gi += std * z;
            }
        }
    }
}
