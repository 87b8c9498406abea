//! `sprint-worker`'s library: the pieces of the process a Sprint host runs next to its node,
//! in pipeline order (STYLE.md): `chain/` (subxt: blocks, PoC state, calls), `sprint/` (the PoW
//! function, the nonce search, the leaves kept on disk), `proofs/` (commitments, signed
//! openings, the proof server), `validate/` (seats: fetch, check, recompute, vote), `model/`
//! (the PoW model's shape and weights), `kernels/` (the integer ops: WGSL kernels with their CPU
//! twins), and `run` (the loop that ties them to the chain's phases).

pub mod api;
pub mod chain;
pub mod config;
pub mod dashboard;
pub mod inference;
pub mod init;
pub mod kernels;
pub mod keys;
pub mod market;
pub mod metrics;
pub mod model;
pub mod proofs;
pub mod run;
pub mod sprint;
pub mod status;
pub mod validate;
