//! pallet-audit's calls and state as the worker uses them (mirrored field for field, in SCALE
//! order, like [`super::inference`]): the audit entries it submits, the disputes it votes on,
//! the payloads executors post, and the runtime API's draw probability.

use codec::{Decode, Encode};
use sprint_core::{merkle::Hash32, EpochIndex};
use subxt::utils::AccountId32;

use super::{
	decoded, inference::Receipt, runtime_call, storage_bytes, AccountId, AtBlock, ChainError,
};

/// pallet-audit's `AuditResult`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub enum AuditResult {
	Pass,
	Fail { position: u32, payload_hash: Hash32, executor_signature: [u8; 64] },
	Unavailable,
}

/// pallet-audit's `Audit`: one entry of a `submit_audits` chunk.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub struct AuditEntry {
	pub batch: u32,
	pub index: u32,
	pub receipt: Receipt,
	pub path: Vec<Hash32>,
	pub result: AuditResult,
}

/// pallet-audit's `Claim`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub enum Claim {
	Fail { position: u32, payload_hash: Hash32 },
	Unavailable { posted: Option<Hash32> },
}

/// pallet-audit's `Resolution`.
#[derive(Clone, Copy, Debug, Decode, Encode, PartialEq, Eq)]
pub enum Resolution {
	Fraud,
	Refuted,
	Answered,
	Undecided,
}

/// pallet-audit's `Dispute`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub struct Dispute {
	pub receipt: Receipt,
	pub auditor: AccountId,
	pub claim: Claim,
	pub seats: Vec<(AccountId, Option<bool>)>,
	pub resolution: Option<Resolution>,
}

/// Most audits in one `submit_audits` call.
pub const MAX_AUDITS_PER_CALL: usize = 64;

/// Most claims (`Fail`s and `Unavailable`s) per `submit_audits` (the runtime's
/// `MAX_CLAIMS_PER_CHUNK`).
pub const MAX_CLAIMS_PER_CALL: usize = 8;

/// The probability (parts per billion) that `validator` audits a receipt of `executor` settled
/// in `epoch` (runtime API `AuditApi::audit_probability`).
pub async fn probability(
	at: &AtBlock,
	epoch: EpochIndex,
	validator: &AccountId,
	executor: &AccountId,
) -> Result<u64, ChainError> {
	runtime_call(at, "AuditApi_audit_probability", &(epoch, validator, executor)).await
}

/// The receipts of `epoch`'s settlements under dispute and not decided yet.
pub async fn open_disputes(at: &AtBlock, epoch: EpochIndex) -> Result<Vec<Hash32>, ChainError> {
	runtime_call(at, "AuditApi_open_disputes", &epoch).await
}

/// The jury of the dispute over receipt `id` of `epoch`: `None` until its randomness is fixed,
/// when the auditing epoch's answer period opens (runtime API `AuditApi::jury`).
pub async fn jury(
	at: &AtBlock,
	epoch: EpochIndex,
	id: &Hash32,
) -> Result<Option<Vec<AccountId>>, ChainError> {
	runtime_call(at, "AuditApi_jury", &(epoch, *id)).await
}

/// A dispute over receipt `id` of `epoch`.
pub async fn dispute(
	at: &AtBlock,
	epoch: EpochIndex,
	id: &Hash32,
) -> Result<Option<Dispute>, ChainError> {
	decoded(at, "Audit", "Disputes", (epoch, *id)).await
}

/// The payload an executor posted for receipt `id` of `epoch`.
pub async fn posted_payload(
	at: &AtBlock,
	epoch: EpochIndex,
	id: &Hash32,
) -> Result<Option<Vec<u8>>, ChainError> {
	decoded(at, "Audit", "Payloads", (epoch, *id)).await
}

/// Whether `validator` submitted an audit of receipt `id` of `epoch`.
pub async fn audited(
	at: &AtBlock,
	epoch: EpochIndex,
	id: &Hash32,
	validator: &AccountId,
) -> Result<bool, ChainError> {
	Ok(storage_bytes(at, "Audit", "Audited", (epoch, *id, AccountId32(*validator)))
		.await?
		.is_some())
}

/// Whether a missed audit of receipt `id` by `validator` was reported already.
pub async fn reported(
	at: &AtBlock,
	epoch: EpochIndex,
	id: &Hash32,
	validator: &AccountId,
) -> Result<bool, ChainError> {
	Ok(storage_bytes(at, "Audit", "Reported", (epoch, *id, AccountId32(*validator)))
		.await?
		.is_some())
}

/// The validators who audit the receipts settled in `epoch - 1`, with their power (pallet-poc's
/// pool of `epoch`'s seat draw).
pub async fn pool(at: &AtBlock, epoch: EpochIndex) -> Result<Vec<(AccountId, u128)>, ChainError> {
	Ok(decoded(at, "Poc", "AuditPool", (epoch,)).await?.unwrap_or_default())
}
