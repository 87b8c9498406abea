//! pallet-carbon's stored types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
pub use sprint_core::EpochIndex;
pub use sprint_primitives::{EnergySource, Region};

/// A certificate's id: its item id in the certificates' pallet-nfts collection.
pub type CertificateId = u32;

/// What a carbon certificate states (docs/protocol.md §9): one accepted epoch of one host's
/// work, its estimated energy and the host's declared source. Kept until it is retired; the
/// item's metadata in pallet-nfts says the same in JSON.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Certificate<AccountId> {
	/// The epoch of the work.
	pub epoch: EpochIndex,
	/// The host that did it (the first owner).
	pub host: AccountId,
	/// Its accepted weight ŵ.
	pub weight: u128,
	/// The leaves it committed.
	pub committed: u32,
	/// The estimated energy in millijoules (1 kWh = 3.6 · 10^9 mJ); zero when no figure was
	/// set for the epoch's model shape.
	pub energy_mj: u128,
	/// The host's declared energy source for that epoch; `None` only in certificates minted
	/// before revision 4, which certified undeclared work too.
	pub source: Option<EnergySource>,
	/// Its declared grid region (empty if it named none).
	pub region: Region,
}

/// Why an accepted epoch of a host gets no certificate (docs/protocol.md §9, revision 4).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Uncertified {
	/// The host had no energy declaration in force in that epoch.
	Undeclared,
	/// The host's free balance could not hold pallet-nfts' item deposit.
	NoDeposit,
}

/// One retirement in the ledger: a certificate burned to claim its energy.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Retirement<AccountId> {
	/// The certificate retired.
	pub certificate: CertificateId,
	/// The host whose work it certified.
	pub host: AccountId,
	/// The epoch of that work.
	pub epoch: EpochIndex,
	/// Its estimated energy in millijoules.
	pub energy_mj: u128,
	/// Its energy source (`None`: undeclared).
	pub source: Option<EnergySource>,
	/// Its grid region.
	pub region: Region,
	/// The block it was retired in.
	pub block: u32,
}

/// An account's retirements, summed.
#[derive(
	Clone,
	Copy,
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
pub struct RetiredTotal {
	/// Certificates retired.
	pub certificates: u32,
	/// Their energy in millijoules.
	pub energy_mj: u128,
}

/// Certificates of one energy source, minted and retired.
#[derive(
	Clone,
	Copy,
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
pub struct SourceTotals {
	/// Certificates minted.
	pub minted: u64,
	/// Their energy in millijoules.
	pub minted_mj: u128,
	/// Certificates retired.
	pub retired: u64,
	/// Their energy in millijoules.
	pub retired_mj: u128,
}

/// Where minting stands: the epoch being certified and its next participant.
#[derive(
	Clone,
	Copy,
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
pub struct MintCursor {
	/// The epoch whose certificates are minted (once its tally has ended).
	pub epoch: EpochIndex,
	/// Its next participant, in commit order.
	pub next: u32,
	/// Certificates minted for it so far.
	pub minted: u32,
}
