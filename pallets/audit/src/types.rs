//! The structs pallet-audit takes and stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
pub use sprint_core::{
	market::{Receipt, SignatureBytes},
	merkle::Hash32,
	EpochIndex,
};

/// Most jurors of one dispute (docs/protocol.md §7: min(5, eligible)).
pub const MAX_RERUN_SEATS: u32 = 5;

/// Fewest votes that decide a dispute, when at least as many jurors are eligible
/// (docs/protocol.md §7: min(3, eligible)).
pub const MIN_JURY_VOTES: u32 = 3;

/// Most levels of a receipt's inclusion proof: batches hold at most 1,024 receipts.
pub const MAX_PATH: u32 = 16;

/// What an auditor found, for one receipt.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum AuditResult {
	/// The exact replay gave the executor's tokens, counts and commitment.
	Pass,
	/// The replay differs, first at token `position`, for the payload whose blake2-256 is
	/// `payload_hash`, which the executor signed (`payload_statement`) when it served it.
	Fail { position: u32, payload_hash: Hash32, executor_signature: SignatureBytes },
	/// The executor did not serve the payload: it must post it on chain in the answer period.
	Unavailable,
}

/// One audit in a [`crate::Pallet::submit_audits`] chunk: the receipt, where it is settled
/// (batch `batch` of the epoch, leaf `index`, with its sibling `path`), and the result.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Audit<AccountId, Balance> {
	/// The settled batch's number in its epoch.
	pub batch: u32,
	/// The receipt's place in the batch.
	pub index: u32,
	/// The receipt, as settled.
	pub receipt: Receipt<AccountId, Balance>,
	/// Its sibling path up to the batch root (`sprint_core::market::batch_path`).
	pub path: BoundedVec<Hash32, ConstU32<MAX_PATH>>,
	/// What the replay found.
	pub result: AuditResult,
}

/// What a dispute is about.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Claim {
	/// A `Fail` at `position` over the payload hashing to `payload_hash`.
	Fail { position: u32, payload_hash: Hash32 },
	/// An `Unavailable` payload; `posted` is the hash of the payload the executor then posted.
	Unavailable { posted: Option<Hash32> },
}

/// How a dispute ended.
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
pub enum Resolution {
	/// Fraud confirmed (by a majority of the re-run seats, or a payload never posted).
	Fraud,
	/// A `Fail` refuted: the re-run seats did not confirm it.
	Refuted,
	/// A posted payload the re-run seats did not find fraudulent.
	Answered,
	/// A `Fail` nobody could re-run (no eligible validator): neither side is charged.
	Undecided,
}

/// A re-run seat: the validator and its vote (`Some(true)`: fraud confirmed).
pub type RerunSeat<AccountId> = (AccountId, Option<bool>);

/// A `Fail` or `Unavailable` being decided.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Dispute<AccountId, Balance> {
	/// The receipt, as settled (its executor is the ticket's).
	pub receipt: Receipt<AccountId, Balance>,
	/// The validator that made the claim.
	pub auditor: AccountId,
	/// The claim.
	pub claim: Claim,
	/// The re-run voters, drawn when there is something to re-run.
	pub seats: BoundedVec<RerunSeat<AccountId>, ConstU32<MAX_RERUN_SEATS>>,
	/// How it ended, once it has.
	pub resolution: Option<Resolution>,
}

/// An executor's reputation: epochs since the later of its first settlement and its last
/// invalidation, with the value before a change made in the current epoch (draws of the
/// previous epoch's receipts use the reputation as it stood when that epoch ended).
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
pub struct Standing {
	/// The epoch its clean record starts from.
	pub clean_since: EpochIndex,
	/// The epoch `clean_since` was last set in.
	pub changed: EpochIndex,
	/// `clean_since` before that change; `None` before its first settlement.
	pub before: Option<EpochIndex>,
}

impl Standing {
	/// Clean epochs counted at the end of `epoch`, as the record stood then.
	pub fn clean_epochs_at(&self, epoch: EpochIndex) -> Option<u32> {
		let since = if self.changed > epoch { self.before? } else { self.clean_since };
		Some(epoch.saturating_sub(since))
	}
}

/// An epoch's audit counts, for dashboards.
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
pub struct AuditStats {
	/// `Pass` results.
	pub passed: u32,
	/// `Fail` results.
	pub failed: u32,
	/// `Unavailable` results.
	pub unavailable: u32,
	/// Disputes that ended in confirmed fraud.
	pub frauds: u32,
	/// `Fail`s refuted.
	pub refuted: u32,
	/// Missed audits reported.
	pub missed: u32,
}
