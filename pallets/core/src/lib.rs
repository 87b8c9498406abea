//! # Sprint core
//!
//! The protocol code that pallet-poc (in the runtime) and sprint-worker (on the host) must compute
//! exactly alike, without FRAME: the SCALE types the chain stores and the worker reads
//! ([`types`]), the seat draw and the sampled indices ([`sampling`]), the commitment tree
//! ([`merkle`]), the checks on a signed opening ([`opening`]), the proof-URL rules
//! ([`proof_url`]) and the PoW model's shape with every bound the engine needs ([`shape`]).
//!
//! `no_std`, and no dependency on frame-support, sp-runtime or sp-io: signatures are checked by a
//! verifier the caller passes in ([`opening::Sr25519Verify`]), so the runtime uses its host
//! function and the worker sp-core's code.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod market;
pub mod merkle;
pub mod opening;
pub mod proof_url;
pub mod sampling;
pub mod shape;
pub mod types;

pub use shape::{ModelShape, ShapeError};
pub use types::*;
