//! Optiscope: watch optimization happen.
//!
//! A loss landscape and live optimizer trajectories side by side, for first-order (gradient),
//! second-order (Hessian) and zeroth-order (function values plus randomness) methods, after the
//! review "A Unified Perspective on Optimization in Machine Learning and Neuroscience"
//! (arXiv 2510.18812).
//!
//! The compute side ([`problem`], [`optim`], [`noise`], [`engine`], [`scene`]) never touches the
//! UI; the CLI, the tests and the desktop app all drive the same [`engine::Run::step`].
//!
//! A headless race, as the CLI runs it:
//!
//! ```
//! use optiscope::engine::Run;
//! use optiscope::noise::Noise;
//! use optiscope::optim::Method;
//! use optiscope::problem::Problem;
//!
//! let adam: Method = optiscope::spec::parse("adam:lr=0.05", "optimizer", Method::keys()).unwrap();
//! let newton: Method = optiscope::spec::parse("newton", "optimizer", Method::keys()).unwrap();
//! let racers = [("adam".to_owned(), adam), ("newton".to_owned(), newton)];
//! let mut run = Run::new(&Problem::default(), &racers, &[-1.5, 2.0], 0, Noise::default());
//! for _ in 0..7 {
//!     run.step();
//! }
//! // Newton lands exactly on Rosenbrock's minimum at step 7; Adam is still on its way.
//! assert_eq!(run.racers()[1].x().to_vec(), vec![1.0, 1.0]);
//! assert!(run.racers()[0].loss() > 0.0 && run.racers()[0].loss() < 12.5);
//! ```

pub mod app;
pub mod cli;
pub mod csv;
pub mod edit;
pub mod engine;
pub mod linalg;
pub mod noise;
pub mod optim;
pub mod params;
pub mod problem;
pub mod scene;
pub mod spec;
pub mod ui;
