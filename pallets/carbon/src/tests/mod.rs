//! pallet-carbon's tests, by topic.

mod minting;
mod retirement;
