//! The PoW model (docs/protocol.md §3): its shape and its weights, generated from the epoch's seed.

pub mod prng;
pub mod shape;
pub mod weights;

pub use shape::ModelShape;
pub use weights::Weights;
