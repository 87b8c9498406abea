//! pallet-collateral's tests, by topic (SPEC.md §5).

mod activation;
mod deposits;
mod invariants;
mod params;
mod pruning;
mod slashing;
