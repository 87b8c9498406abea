//! pallet-emission's tests, by topic (SPEC.md §6).

mod caps;
mod claims;
mod invariants;
mod params;
mod slashing;
