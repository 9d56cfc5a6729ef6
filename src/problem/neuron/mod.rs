//! Neuron models as problems: a noisy rate neuron that learns its tuning curve
//! ([`tuning`]), and the views that show what a neuron computes.
//!
//! A neuron's trial is one input: the oracle's batch channel draws it (one sample a step is one
//! trial), its evaluation channel is the reward noise ("dopamine noise"), and the learning
//! rule's own noise is the intrinsic noise on the neuron's drive.

pub mod tuning;

pub use tuning::{NeuronTuning, NeuronTuningConfig, Transfer};
