//! The structs pallet-collateral stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{pallet_prelude::ConstU32, BoundedVec},
	sp_arithmetic::Perbill,
};
use scale_info::TypeInfo;
pub use sprint_primitives::{EpochIndex, OffenceKind};

/// Collateral parameters (docs/protocol.md §5, Gonka's values as defaults): chain state, set from
/// genesis.
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
pub struct CollateralParams<Balance> {
	/// The bond a host holds to register (default 1,000 SPR).
	pub min_host_bond: Balance,
	/// Epochs between `request_unbond` and `withdraw_unbonded` (default 2, at least 2: a
	/// seat's epoch is tallied before its collateral can leave); still slashable.
	pub unbonding_epochs: u32,
	/// Epochs a fraud keeps the offender jailed (default 1).
	pub jail_epochs: u32,
	/// PoC or inference fraud, and an unanswered PoC challenge: share of collateral (and of
	/// unvested rewards) slashed (default 20%).
	pub fraud_slash: Perbill,
	/// Inference downtime (default 10%).
	pub downtime_slash: Perbill,
	/// A lazy `Valid` (default 10%).
	pub lazy_validation_slash: Perbill,
	/// A silent seat (default 1%).
	pub silent_seat_slash: Perbill,
	/// A fraud claim refuted by a majority (default 5%).
	pub refuted_claim_slash: Perbill,
	/// Of a slash with confirmers, their share (default 10%); the rest goes to the community fund.
	pub confirmers_share: Perbill,
	/// Share of a host's weight that counts with no collateral beyond its bond (default 20%).
	pub base_weight_ratio: Perbill,
	/// Collateral beyond the bond that activates one unit of the rest of the weight (10 SPR).
	pub collateral_per_weight_unit: Balance,
	/// Before this epoch all weight counts, collateral or not (default 180).
	pub grace_epochs: EpochIndex,
	/// Each missed audit or silent juror, charged per instance (default 0.1%).
	#[serde(default = "default_instance_slash")]
	pub instance_slash: Perbill,
	/// The most per-instance offences cost one validator in one epoch, together (default 10%).
	#[serde(default = "default_instance_slash_cap")]
	pub instance_slash_cap: Perbill,
}

fn default_instance_slash() -> Perbill {
	Perbill::from_parts(1_000_000)
}

fn default_instance_slash_cap() -> Perbill {
	Perbill::from_percent(10)
}

/// [`CollateralParams`] as storage version 0 stored them (before the per-instance slashes):
/// read once by the upgrade to storage version 1.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CollateralParamsV0<Balance> {
	pub min_host_bond: Balance,
	pub unbonding_epochs: u32,
	pub jail_epochs: u32,
	pub fraud_slash: Perbill,
	pub downtime_slash: Perbill,
	pub lazy_validation_slash: Perbill,
	pub silent_seat_slash: Perbill,
	pub refuted_claim_slash: Perbill,
	pub confirmers_share: Perbill,
	pub base_weight_ratio: Perbill,
	pub collateral_per_weight_unit: Balance,
	pub grace_epochs: EpochIndex,
}

impl<Balance> CollateralParams<Balance> {
	/// The share of collateral an offence of `kind` costs.
	pub fn slash_fraction(&self, kind: OffenceKind) -> Perbill {
		match kind {
			OffenceKind::PocFraud | OffenceKind::InferenceFraud => self.fraud_slash,
			OffenceKind::Downtime => self.downtime_slash,
			OffenceKind::LazyValidation => self.lazy_validation_slash,
			OffenceKind::SilentSeat => self.silent_seat_slash,
			OffenceKind::RefutedClaim => self.refuted_claim_slash,
			OffenceKind::MissedAudit | OffenceKind::SilentJuror => self.instance_slash,
		}
	}
}

/// Collateral leaving: it unlocks at `unlock_epoch` and stays slashable until withdrawn.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct UnbondingChunk<Balance> {
	/// The first epoch in which `withdraw_unbonded` releases it.
	pub unlock_epoch: EpochIndex,
	/// Still held.
	pub amount: Balance,
}

/// The most unbonding requests in flight per account (requests of one epoch merge).
pub type MaxUnbondingChunks = ConstU32<16>;

/// An account's collateral. Everything here is held (`HoldReason::Collateral`):
/// `held = active + Σ unbonding`.
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
pub struct CollateralLedger<Balance> {
	/// Backing weight now; includes `host_bond`.
	pub active: Balance,
	/// The part of `active` that is the host bond: it cannot be unbonded while registered.
	pub host_bond: Balance,
	/// Requested to leave, oldest first.
	pub unbonding: BoundedVec<UnbondingChunk<Balance>, MaxUnbondingChunks>,
}
