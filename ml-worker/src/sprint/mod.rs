//! The Sprint: the PoW function, the nonce search and the leaves it keeps on disk.

pub mod backend;
pub mod leaves;
pub mod pow;
pub mod search;
