//! pallet-inference's state as the worker reads it: the registered models, hosts' service
//! declarations, API keys and what they spent, deposits, used nonces and pending fees.
//!
//! The worker shares the market's signed messages with the runtime (`sprint_core::market`), but
//! not pallet-inference's storage types (a FRAME crate): those are mirrored here field for field,
//! in SCALE order, and every read goes through the chain's metadata, so a renamed or re-keyed
//! item is an error rather than a silent miss; a reshaped one fails to decode, with a message
//! that says to update the worker.

use codec::{Decode, Encode};
use sprint_core::{
	market::{ModelId, PublicKey},
	EpochIndex,
};
use subxt::utils::AccountId32;

use super::{decoded, rpc, runtime_call, storage_bytes, AccountId, AtBlock, ChainError};

/// The runtime's balance.
pub type Balance = u128;

/// A ticket as the runtime settles it.
pub type Ticket = sprint_core::market::Ticket<AccountId, Balance>;

/// A receipt as the runtime settles it.
pub type Receipt = sprint_core::market::Receipt<AccountId, Balance>;

/// pallet-inference's `InferenceParams`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub struct Params {
	/// Parts per billion of every cost that goes to the community fund.
	pub community_fee_share: u32,
	pub max_price: Balance,
	pub ticket_lifetime: u32,
	pub audit_window_epochs: u32,
	pub utilization_window: u32,
	pub block_seconds: u32,
	pub energy_dispute_epochs: u32,
	/// The fewest missed tickets in an epoch that can cost the downtime slash.
	pub min_missed: u32,
	/// What a host holds while its service is declared.
	pub service_deposit: Balance,
}

/// pallet-inference's `ModelInfo`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub struct ModelInfo {
	pub name: Vec<u8>,
	pub file_sha256: [u8; 32],
	pub architecture: Vec<u8>,
	pub context_length: u32,
	pub engine_recipe: u32,
	pub compute_units_per_token: u32,
	pub initial_price: Balance,
}

impl ModelInfo {
	/// The name `/v1/models` shows and requests use.
	pub fn name(&self) -> String {
		String::from_utf8_lossy(&self.name).into_owned()
	}
}

/// A registered model with its current price per token.
#[derive(Clone, Debug)]
pub struct Model {
	pub id: ModelId,
	pub info: ModelInfo,
	pub price: Balance,
}

/// pallet-inference's `EnergySource` (SCALE: the variant's index).
#[derive(Clone, Copy, Debug, Decode, Encode, PartialEq, Eq)]
pub enum EnergySource {
	Solar,
	Wind,
	Hydro,
	Nuclear,
	GridMixed,
	Fossil,
}

impl EnergySource {
	/// Whether it emits no carbon where it is generated (what `sprint_green` asks for).
	pub fn is_green(self) -> bool {
		matches!(self, Self::Solar | Self::Wind | Self::Hydro | Self::Nuclear)
	}
}

impl std::str::FromStr for EnergySource {
	type Err = String;
	fn from_str(s: &str) -> Result<Self, Self::Err> {
		Ok(match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
			"solar" => Self::Solar,
			"wind" => Self::Wind,
			"hydro" => Self::Hydro,
			"nuclear" => Self::Nuclear,
			"gridmixed" | "grid" => Self::GridMixed,
			"fossil" => Self::Fossil,
			other => {
				return Err(format!(
					"unknown energy source `{other}`: use solar, wind, hydro, nuclear, grid-mixed or fossil"
				))
			}
		})
	}
}

/// pallet-inference's `ServiceDeclaration`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub struct Service {
	pub models: Vec<ModelId>,
	/// Tokens per second.
	pub capacity: u32,
	/// Its OpenAI-compatible API (`…/v1`).
	pub api_url: Vec<u8>,
	pub energy: EnergySource,
	pub region: Vec<u8>,
}

impl Service {
	/// The API's base URL, without a trailing slash.
	pub fn api_url(&self) -> String {
		String::from_utf8_lossy(&self.api_url).trim_end_matches('/').to_owned()
	}
}

/// pallet-inference's `ApiKey`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub struct ApiKey {
	pub owner: AccountId,
	pub cap_per_epoch: Balance,
	pub price_cap: Balance,
	pub expires_at: u32,
	/// `(block, epoch)` of its revocation.
	pub revoked: Option<(u32, EpochIndex)>,
}

/// pallet-inference's `DepositLedger`.
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq, Default)]
pub struct Deposit {
	pub held: Balance,
	pub withdrawal: Option<(Balance, EpochIndex)>,
}

fn account(who: &AccountId) -> AccountId32 {
	AccountId32(*who)
}

async fn inference<R: Decode, K>(
	at: &AtBlock,
	entry: &'static str,
	keys: K,
) -> Result<Option<R>, ChainError>
where
	K: subxt::ext::frame_decode::storage::IntoEncodableValues
		+ subxt::ext::frame_decode::storage::IntoDecodableValues,
{
	decoded(at, "Inference", entry, keys).await
}

/// The market's parameters (`None` on a chain without pallet-inference's genesis).
pub async fn params(at: &AtBlock) -> Result<Option<Params>, ChainError> {
	inference(at, "Params", ()).await
}

/// Every registered model and its price (runtime API `InferenceApi::models`).
pub async fn models(at: &AtBlock) -> Result<Vec<Model>, ChainError> {
	let models: Vec<(ModelId, ModelInfo, Balance)> =
		runtime_call(at, "InferenceApi_models", &()).await?;
	Ok(models.into_iter().map(|(id, info, price)| Model { id, info, price }).collect())
}

/// `model`'s price per token in force (`None`: no such model).
pub async fn price(at: &AtBlock, model: ModelId) -> Result<Option<Balance>, ChainError> {
	inference(at, "Prices", (model,)).await
}

/// `who`'s service declaration.
pub async fn service(at: &AtBlock, who: &AccountId) -> Result<Option<Service>, ChainError> {
	inference(at, "Services", (account(who),)).await
}

/// Every host's service declaration.
pub async fn services(at: &AtBlock) -> Result<Vec<(AccountId, Service)>, ChainError> {
	let address =
		subxt::storage::dynamic::<(AccountId32,), subxt::dynamic::Value>("Inference", "Services");
	let mut entries = at.storage().iter(address, ()).await.map_err(rpc)?;
	let mut out = Vec::new();
	while let Some(entry) = entries.next().await {
		let entry = entry.map_err(rpc)?;
		// `Blake2_128Concat`: the account is the key's last 32 bytes.
		let key = entry.key_bytes();
		let Some(who) = key.len().checked_sub(32).and_then(|at| key[at..].try_into().ok()) else {
			continue;
		};
		let service = Service::decode(&mut entry.value().bytes())
			.map_err(|e| ChainError::Decode { what: "Services", reason: e.to_string() })?;
		out.push((who, service));
	}
	Ok(out)
}

/// An API key's terms.
pub async fn api_key(at: &AtBlock, key: &PublicKey) -> Result<Option<ApiKey>, ChainError> {
	inference(at, "ApiKeys", (*key,)).await
}

/// What `key`'s tickets of `epoch` have cost so far.
pub async fn spent(
	at: &AtBlock,
	epoch: EpochIndex,
	key: &PublicKey,
) -> Result<Balance, ChainError> {
	Ok(inference(at, "Spent", (epoch, *key)).await?.unwrap_or(0))
}

/// `who`'s inference deposit.
pub async fn deposit(at: &AtBlock, who: &AccountId) -> Result<Deposit, ChainError> {
	Ok(inference(at, "Deposits", (account(who),)).await?.unwrap_or_default())
}

/// Whether `(epoch, key, nonce)` settled (or was reported missed).
pub async fn nonce_used(
	at: &AtBlock,
	epoch: EpochIndex,
	key: &PublicKey,
	nonce: u64,
) -> Result<bool, ChainError> {
	Ok(storage_bytes(at, "Inference", "UsedNonces", (epoch, *key, nonce)).await?.is_some())
}

/// `who`'s pending fees: `(epoch from which claimable, amount)`.
pub async fn pending_fees(
	at: &AtBlock,
	who: &AccountId,
) -> Result<Vec<(EpochIndex, Balance)>, ChainError> {
	Ok(inference(at, "PendingFees", (account(who),)).await?.unwrap_or_default())
}

/// Receipts of `executor` settled for the tickets of `epoch`.
pub async fn served(
	at: &AtBlock,
	epoch: EpochIndex,
	executor: &AccountId,
) -> Result<u32, ChainError> {
	Ok(inference(at, "Served", (epoch, account(executor))).await?.unwrap_or(0))
}

/// pallet-carbon's `Certificate`: one accepted epoch of a host's work (docs/protocol.md §9).
#[derive(Clone, Debug, Decode, Encode, PartialEq, Eq)]
pub struct Certificate {
	pub epoch: EpochIndex,
	pub host: AccountId,
	pub weight: u128,
	pub committed: u32,
	/// Estimated energy, millijoules.
	pub energy_mj: u128,
	/// `None`: no declaration in force that epoch.
	pub source: Option<EnergySource>,
	pub region: Vec<u8>,
}

/// The carbon certificates `who` owns, by id (runtime API `CarbonApi::certificates_of`).
pub async fn certificates(
	at: &AtBlock,
	who: &AccountId,
) -> Result<Vec<(u32, Certificate)>, ChainError> {
	runtime_call(at, "CarbonApi_certificates_of", who).await
}

/// The epoch until which `who` is jailed (pallet-collateral), if it is.
pub async fn jailed_until(at: &AtBlock, who: &AccountId) -> Result<Option<EpochIndex>, ChainError> {
	decoded(at, "Collateral", "JailedUntil", (account(who),)).await
}

/// Batches settled in `epoch` so far.
pub async fn batch_count(at: &AtBlock, epoch: EpochIndex) -> Result<u32, ChainError> {
	Ok(inference(at, "BatchCount", (epoch,)).await?.unwrap_or(0))
}

/// The Merkle root of batch `batch` of `epoch`.
pub async fn batch_root(
	at: &AtBlock,
	epoch: EpochIndex,
	batch: u32,
) -> Result<Option<[u8; 32]>, ChainError> {
	#[derive(Decode)]
	struct BatchRecord {
		_executor: AccountId,
		_count: u32,
		root: [u8; 32],
	}
	let record: Option<BatchRecord> = inference(at, "Batches", (epoch, batch)).await?;
	Ok(record.map(|r| r.root))
}
