//! pallet-emission's tests, by topic (docs/protocol.md §6).

mod caps;
mod claims;
mod invariants;
mod params;
mod slashing;
