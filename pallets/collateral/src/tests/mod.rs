//! pallet-collateral's tests, by topic (docs/protocol.md §5).

mod activation;
mod deposits;
mod invariants;
mod params;
mod pruning;
mod slashing;
