//! Learning-rate schedules for the first-order methods: constant, step decay, cosine annealing
//! and 1/t decay, each optionally after a linear warm-up. The step size of step t (counted from
//! 0, the steps already taken) is η·factor(t), as torch.optim.lr_scheduler sets a group's lr
//! before its t-th step.
//!
//! A method that takes a schedule declares its parameters with [`scheduled_params!`] instead of
//! [`crate::params!`], which appends the schedule's fields (`schedule`, `step_size`, `gamma`,
//! `t_max`, `min_factor`, `warmup`, `warmup_start`, `tau`) to the struct, so that scenes, the
//! command line, live edits and the parameter widgets reach them like any other field.
//!
//! ## References
//! - torch.optim.lr_scheduler (PyTorch 2.x): StepLR, CosineAnnealingLR (its closed form),
//!   LinearLR and SequentialLR, whose sequences the tests reproduce.
//! - Loshchilov & Hutter (2017), "SGDR: stochastic gradient descent with warm restarts": the
//!   cosine schedule; Goyal et al. (2017): linear warm-up; Robbins & Monro (1951): 1/t decay.

crate::choice! {
    /// The shape of the learning rate over the steps.
    pub enum ScheduleKind {
        Constant = "constant", "constant";
        Step = "step", "step decay γ^⌊t/n⌋";
        Cosine = "cosine", "cosine annealing";
        InverseTime = "inverse_time", "1/t decay 1/(1 + t/τ)";
    }
}

/// The keys a schedule adds to a method's parameters (the app groups them).
pub const KEYS: [&str; 8] = [
    "schedule",
    "step_size",
    "gamma",
    "t_max",
    "min_factor",
    "warmup",
    "warmup_start",
    "tau",
];

/// A schedule's values, as a method's parameters hold them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    /// The shape.
    pub kind: ScheduleKind,
    /// Step decay: steps between reductions.
    pub step_size: usize,
    /// Step decay: the factor of each reduction.
    pub gamma: f64,
    /// Cosine: the steps over which the rate falls to its floor (after the warm-up).
    pub t_max: usize,
    /// Cosine: the floor, as a fraction of η.
    pub min_factor: f64,
    /// Steps of linear warm-up before the shape starts (0: none).
    pub warmup: usize,
    /// The warm-up's first factor; it rises linearly to 1.
    pub warmup_start: f64,
    /// 1/t decay: the time scale τ.
    pub tau: f64,
}

impl Schedule {
    /// The factor of the step size at step t (steps already taken).
    pub fn factor(&self, t: u64) -> f64 {
        let warmup = self.warmup as u64;
        if t < warmup {
            return self.warmup_start + (1.0 - self.warmup_start) * t as f64 / warmup as f64;
        }
        let t = t - warmup;
        match self.kind {
            ScheduleKind::Constant => 1.0,
            ScheduleKind::Step => {
                let k = t / self.step_size.max(1) as u64;
                self.gamma.powi(k.min(i32::MAX as u64) as i32)
            }
            ScheduleKind::Cosine => {
                let t_max = self.t_max.max(1) as f64;
                let progress = (t as f64).min(t_max) / t_max;
                self.min_factor
                    + (1.0 - self.min_factor)
                        * 0.5
                        * (1.0 + (std::f64::consts::PI * progress).cos())
            }
            ScheduleKind::InverseTime => 1.0 / (1.0 + t as f64 / self.tau),
        }
    }
}

/// [`crate::params!`] for a method that takes a learning-rate schedule: the same fields, plus
/// the schedule's (see the module documentation), and `lr_schedule`, `set_lr_schedule` and
/// `lr_at(t)` (the step size of step t).
#[macro_export]
macro_rules! scheduled_params {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($body:tt)*
        }
    ) => {
        $crate::params! {
            $(#[$meta])*
            pub struct $name {
                $($body)*
                /// Learning-rate schedule: the step size of step t is η times its factor.
                schedule: $crate::optim::ScheduleKind = $crate::optim::ScheduleKind::Constant, "schedule shape", (0, 0), Linear, Finite, live;
                /// Step decay: steps between reductions by γ.
                step_size: usize = 100, "step decay: every n steps", (1, 1000), Linear, Within(1.0, 1e12), live;
                /// Step decay: the factor γ of each reduction.
                gamma: f64 = 0.5, "step decay: factor γ", (0.01, 1.0), Linear, Within(1e-9, 1.0), live;
                /// Cosine: the steps (after the warm-up) over which the rate falls to its floor.
                t_max: usize = 1000, "cosine: steps T", (1, 10000), Linear, Within(1.0, 1e12), live;
                /// Cosine: the floor of the rate, as a fraction of η.
                min_factor: f64 = 0.0, "cosine: floor η_min/η", (0.0, 1.0), Linear, Within(0.0, 1.0), live;
                /// Steps of linear warm-up before the schedule starts (0: none).
                warmup: usize = 0, "warm-up steps", (0, 1000), Linear, Finite, live;
                /// The warm-up's first factor; it rises linearly to 1.
                warmup_start: f64 = 0.1, "warm-up: first factor", (0.0, 1.0), Linear, Within(0.0, 1.0), live;
                /// 1/t decay: the time scale τ of η/(1 + t/τ).
                tau: f64 = 100.0, "1/t decay: τ", (1.0, 10000.0), Log, Positive, live;
            }
        }

        impl $name {
            /// The learning-rate schedule.
            pub fn lr_schedule(&self) -> $crate::optim::Schedule {
                $crate::optim::Schedule {
                    kind: self.schedule,
                    step_size: self.step_size,
                    gamma: self.gamma,
                    t_max: self.t_max,
                    min_factor: self.min_factor,
                    warmup: self.warmup,
                    warmup_start: self.warmup_start,
                    tau: self.tau,
                }
            }

            /// Sets the learning-rate schedule.
            pub fn set_lr_schedule(&mut self, s: $crate::optim::Schedule) {
                self.schedule = s.kind;
                self.step_size = s.step_size;
                self.gamma = s.gamma;
                self.t_max = s.t_max;
                self.min_factor = s.min_factor;
                self.warmup = s.warmup;
                self.warmup_start = s.warmup_start;
                self.tau = s.tau;
            }

            /// The step size η·factor(t) of step t (steps already taken).
            pub fn lr_at(&self, t: u64) -> f64 {
                if self.schedule == $crate::optim::ScheduleKind::Constant && self.warmup == 0 {
                    self.lr
                } else {
                    self.lr * self.lr_schedule().factor(t)
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(kind: ScheduleKind) -> Schedule {
        Schedule {
            kind,
            step_size: 10,
            gamma: 0.5,
            t_max: 100,
            min_factor: 0.1,
            warmup: 0,
            warmup_start: 0.1,
            tau: 20.0,
        }
    }

    #[test]
    fn each_shape_starts_at_one_and_follows_its_formula() {
        for kind in [
            ScheduleKind::Constant,
            ScheduleKind::Step,
            ScheduleKind::Cosine,
            ScheduleKind::InverseTime,
        ] {
            assert_eq!(schedule(kind).factor(0), 1.0, "{kind:?}");
        }
        let step = schedule(ScheduleKind::Step);
        assert_eq!(
            (step.factor(9), step.factor(10), step.factor(25)),
            (1.0, 0.5, 0.25)
        );
        let cosine = schedule(ScheduleKind::Cosine);
        assert!((cosine.factor(50) - 0.55).abs() < 1e-15);
        assert_eq!((cosine.factor(100), cosine.factor(1000)), (0.1, 0.1));
        assert_eq!(schedule(ScheduleKind::InverseTime).factor(20), 0.5);
    }

    #[test]
    fn a_warm_up_rises_linearly_and_then_the_shape_starts() {
        let s = Schedule {
            warmup: 10,
            ..schedule(ScheduleKind::Step)
        };
        assert_eq!(s.factor(0), 0.1);
        assert!((s.factor(5) - 0.55).abs() < 1e-15);
        assert_eq!((s.factor(10), s.factor(19), s.factor(20)), (1.0, 1.0, 0.5));
    }
}
