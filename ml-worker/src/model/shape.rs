//! The PoW model's shape: sprint-core's [`ModelShape`], the one type the chain and the engine
//! share (genesis refuses any shape [`ModelShape::validate`] refuses), and its fixed-point scales.

pub use sprint_core::shape::{requant_shift, score_shift, ModelShape, ShapeError};
