//! The Sprint: the PoW function and, next, the nonce search and commitments.

pub mod pow;
