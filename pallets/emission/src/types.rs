//! The structs pallet-emission stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{pallet_prelude::ConstU32, BoundedVec},
	sp_arithmetic::FixedU128,
};
use scale_info::TypeInfo;

pub use sprint_primitives::EpochIndex;

/// The schedule's parameters: chain state, set from genesis (docs/protocol.md §6, Gonka's values as
/// defaults), read at each epoch's distribution.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmissionParams<Balance> {
	/// R0: the reward of the start epoch, in planck (default 323,000 SPR).
	pub initial_reward: Balance,
	/// λ: the decay per epoch (default 0.000475: half-life 1,459.26 epochs, about 4 years).
	pub decay_per_epoch: FixedU128,
	/// e0: the epoch from which the reward decays; earlier epochs pay R0.
	pub start_epoch: EpochIndex,
	/// The most emission may ever mint, in planck (default 680,000,000 SPR).
	pub emission_cap: Balance,
	/// Rewards vest linearly over this many epochs (default 180).
	pub vesting_epochs: u32,
}

/// What epoch `e` may mint and what it has minted so far: the budget is fixed when the epoch's
/// distribution starts, so that a distribution in several steps pays every host from the same
/// total.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct EpochBudget<Balance> {
	/// `reward(e)`, less what the emission cap and the issuance cap leave no room for.
	pub budget: Balance,
	/// Minted so far for this epoch (never above `budget`).
	pub minted: Balance,
}

/// Rewards credited in one epoch, vesting linearly: `amount · min(now − start, duration) /
/// duration` of it is vested at epoch `now`. Claims and slashes re-base a bucket (what has vested
/// leaves it; `start` moves to now and `duration` shrinks by the elapsed epochs), which keeps the
/// remaining schedule linear and exact.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct RewardBucket<Balance> {
	/// The epoch from which `amount` vests.
	pub start: EpochIndex,
	/// Epochs from `start` until `amount` has fully vested (≥ 1).
	pub duration: u32,
	/// Unvested at `start`.
	pub amount: Balance,
}

/// The most buckets a ledger holds: one per epoch of the longest vesting period a chain may set.
pub type MaxBuckets = ConstU32<1_000>;

/// A host's rewards held by pallet-emission: vested but unclaimed, and vesting buckets.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct RewardLedger<Balance> {
	/// Vested, not yet claimed.
	pub vested: Balance,
	/// Still vesting, oldest first; at most one per epoch.
	pub buckets: BoundedVec<RewardBucket<Balance>, MaxBuckets>,
}
