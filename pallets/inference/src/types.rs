//! The structs pallet-inference stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{traits::ConstU32, BoundedVec},
	sp_arithmetic::Perbill,
};
use scale_info::TypeInfo;
pub use sprint_core::{
	market::{ModelId, PublicKey, Receipt, Sampling, SignatureBytes, Ticket},
	EpochIndex,
};

/// The market's parameters (docs/protocol.md §7), chain state set from genesis.
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
#[serde(
	rename_all = "camelCase",
	deny_unknown_fields,
	bound(
		serialize = "Balance: serde::Serialize",
		deserialize = "Balance: serde::Deserialize<'de> + From<u64>"
	)
)]
pub struct InferenceParams<Balance> {
	/// The community fund's share of every settled cost (default 20%); the executor's pending
	/// fees get the rest.
	pub community_fee_share: Perbill,
	/// The highest price per token any ticket may carry and the dynamic price's ceiling.
	pub max_price: Balance,
	/// How many blocks ahead of its issue a ticket may expire (the TA's and the executor's rule;
	/// the chain uses it to decide which tickets of a revoked key may still settle).
	pub ticket_lifetime: u32,
	/// Epochs after its settlement during which a receipt can be audited: its fees are claimable
	/// from `settle epoch + audit_window_epochs + 1`, and its executor's collateral free of it
	/// after that epoch's tally.
	pub audit_window_epochs: u32,
	/// The blocks whose settled tokens make the dynamic price's utilization ("the last minute":
	/// 10 blocks of 6 s).
	pub utilization_window: u32,
	/// Seconds per block, to turn declared tokens/s into tokens per window.
	pub block_seconds: u32,
	/// Epochs during which a host whose energy declaration a dispute cleared may not declare
	/// one again (docs/protocol.md §9).
	pub energy_dispute_epochs: u32,
	/// The fewest missed tickets of an executor in an epoch that can cost the downtime slash
	/// (with more than 5% of its accepted tickets missed): a requester that drops a few
	/// connections, or a user cancelling a stream, must not cost an honest host 10%.
	#[serde(default = "default_min_missed")]
	pub min_missed: u32,
	/// What a host holds while its service is declared (docs/protocol.md §9: no state grows
	/// without a deposit); returned when it withdraws the service.
	#[serde(default = "default_service_deposit")]
	pub service_deposit: Balance,
}

/// docs/protocol.md §7's `service_deposit`: 100 SPR (in planck).
pub const DEFAULT_SERVICE_DEPOSIT: u64 = 100_000_000_000;

fn default_service_deposit<Balance: From<u64>>() -> Balance {
	Balance::from(DEFAULT_SERVICE_DEPOSIT)
}

/// docs/protocol.md §7's `min_missed`.
pub const DEFAULT_MIN_MISSED: u32 = 10;

fn default_min_missed() -> u32 {
	DEFAULT_MIN_MISSED
}

impl<Balance: From<u64>> InferenceParams<Balance> {
	/// docs/protocol.md §7's defaults: 20% to the fund, 100 blocks of ticket lifetime, one epoch of
	/// audit window, a one-minute utilization window at 6 s per block, and a ceiling of 1 SPR per
	/// token; §9's: a disputed energy declaration blocks a new one for 30 epochs.
	pub fn defaults() -> Self {
		Self {
			community_fee_share: Perbill::from_percent(20),
			max_price: Balance::from(1_000_000_000),
			ticket_lifetime: 100,
			audit_window_epochs: 1,
			utilization_window: 10,
			block_seconds: 6,
			energy_dispute_epochs: 30,
			min_missed: DEFAULT_MIN_MISSED,
			service_deposit: Balance::from(DEFAULT_SERVICE_DEPOSIT),
		}
	}
}

/// [`InferenceParams`] as storage version 0 stored them from spec 105 (before `min_missed`):
/// read once by the upgrade to storage version 1.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct InferenceParamsV0<Balance> {
	pub community_fee_share: Perbill,
	pub max_price: Balance,
	pub ticket_lifetime: u32,
	pub audit_window_epochs: u32,
	pub utilization_window: u32,
	pub block_seconds: u32,
	pub energy_dispute_epochs: u32,
}

/// [`InferenceParams`] as spec 104 and older stored them (before `energy_dispute_epochs`): read
/// once by the upgrade that adds it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct OldInferenceParams<Balance> {
	pub community_fee_share: Perbill,
	pub max_price: Balance,
	pub ticket_lifetime: u32,
	pub audit_window_epochs: u32,
	pub utilization_window: u32,
	pub block_seconds: u32,
}

/// Bytes of a model's name and architecture.
pub type ModelName = BoundedVec<u8, ConstU32<64>>;

/// A registered model (docs/protocol.md §7): workers serve it only with a matching engine recipe.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ModelInfo<Balance> {
	/// What `/v1/models` shows (e.g. `SmolLM2-135M-Instruct.Q4_1`).
	pub name: ModelName,
	/// sha256 of the model file: a worker loads it only if its file hashes to this.
	pub file_sha256: [u8; 32],
	/// `general.architecture` (e.g. `llama`).
	pub architecture: ModelName,
	/// The longest prompt plus completion a ticket may use.
	pub context_length: u32,
	/// The integer engine's recipe version its audits replay under.
	pub engine_recipe: u32,
	/// Compute units per token (how much heavier than the smallest model a token is).
	pub compute_units_per_token: u32,
	/// The price per token it starts at.
	pub initial_price: Balance,
}

pub use sprint_primitives::{EnergyDeclaration, EnergySource, Region};

/// How many energy changes a host's history keeps (the pending one included): a change takes
/// effect the epoch after it was made and replaces one still pending, so the declaration in force
/// is known exactly for the current epoch and the two before it — the epochs whose carbon
/// certificates are being minted.
pub const ENERGY_HISTORY: u32 = 4;

/// A host's energy declarations, oldest first: `(first epoch in force, declaration)`; `None`
/// is a withdrawal.
pub type EnergyHistory =
	BoundedVec<(sprint_core::EpochIndex, Option<EnergyDeclaration>), ConstU32<ENERGY_HISTORY>>;

/// Most models one host serves.
pub const MAX_MODELS_PER_HOST: u32 = 8;

/// A host's inference service (docs/protocol.md §7, §9).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ServiceDeclaration {
	/// The models it serves.
	pub models: BoundedVec<ModelId, ConstU32<MAX_MODELS_PER_HOST>>,
	/// Tokens per second it can serve (all models together).
	pub capacity: u32,
	/// Its OpenAI-compatible API (`https://…/v1`).
	pub api_url: BoundedVec<u8, ConstU32<256>>,
	/// Its energy source.
	pub energy: EnergySource,
	/// Its grid region (e.g. `DE`, `US-CAL`).
	pub region: Region,
}

/// A requester's inference deposit: held from its free balance.
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
pub struct DepositLedger<Balance> {
	/// Held, and what settlements draw on (a pending withdrawal included, until it completes).
	pub held: Balance,
	/// A requested withdrawal: the amount and the epoch from which it completes.
	pub withdrawal: Option<(Balance, EpochIndex)>,
}

/// An API key's terms (docs/protocol.md §7).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ApiKey<AccountId, Balance> {
	/// The account whose deposit pays its tickets.
	pub owner: AccountId,
	/// The most its tickets may cost in one epoch.
	pub cap_per_epoch: Balance,
	/// The highest price per token its tickets may carry.
	pub price_cap: Balance,
	/// The last block a ticket of it may expire at.
	pub expires_at: u32,
	/// When it was revoked: `(block, epoch)`.
	pub revoked: Option<(u32, EpochIndex)>,
}

/// One settled batch: receipts are not stored, their Merkle root is.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct BatchRecord<AccountId, Balance> {
	/// Who settled it.
	pub executor: AccountId,
	/// Receipts in it.
	pub count: u32,
	/// [`sprint_core::market::batch_root`] of their ids, in order.
	pub root: [u8; 32],
	/// Tokens charged.
	pub tokens: u64,
	/// What the requesters paid.
	pub cost: Balance,
}

/// The fee buckets an executor keeps at most: one per epoch of the audit window and one more.
pub type FeeBuckets<Balance> = BoundedVec<(EpochIndex, Balance), ConstU32<8>>;
