//! `sprint-worker`'s library: the pieces of the process a Sprint host runs next to its node,
//! in pipeline order (STYLE.md): `model/` (the PoW model's shape and weights), `kernels/` (the
//! integer ops, each with its CPU twin), `sprint/` (the PoW function, the nonce search, the leaves
//! kept on disk). The chain client, proof server and validator come next (issue #4).

pub mod kernels;
pub mod model;
pub mod sprint;
