//! Optiscope: watch optimization happen.
//!
//! A loss landscape and live optimizer trajectories side by side, for first-order (gradient),
//! second-order (Hessian) and zeroth-order (function values plus randomness) methods, after the
//! review "A Unified Perspective on Optimization in Machine Learning and Neuroscience"
//! (arXiv 2510.18812).
//!
//! The compute side ([`problem`], [`optim`], [`noise`], [`engine`], [`scene`]) never touches the
//! UI; the CLI, the tests and the desktop app all drive the same [`engine::Run::step`].

pub mod app;
pub mod cli;
pub mod engine;
pub mod linalg;
pub mod noise;
pub mod optim;
pub mod params;
pub mod problem;
pub mod scene;
pub mod spec;
pub mod ui;
