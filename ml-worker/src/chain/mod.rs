//! The worker's view of the chain, through subxt: finalized blocks, pallet-poc's runtime API
//! (`PocApi`) and storage, and the few calls a worker submits.
//!
//! The worker decodes with sprint-core's SCALE types (the crate pallet-poc stores them from),
//! reads storage through subxt's metadata-checked queries (the key built from the chain's own
//! metadata, never by hand) and encodes its calls itself; subxt checks every call against the chain's
//! metadata before it is signed, so a runtime that renamed or reshaped a call is refused with a
//! clear error instead of a garbled extrinsic.

pub mod audit;
pub mod inference;
pub mod sends;
pub mod signer;

use codec::{Decode, Encode};
use polkadot_sdk::sp_core::H256;
use sprint_core::{
	Commitment, Displacement, DrawProgress, EpochIndex, EpochStatus, ForfeitReason, HostInfo, Seat,
	SignedOpening, TallyLine, TallyProgress, Verdict,
};
use subxt::{
	client::{ClientAtBlock, OnlineClientAtBlockImpl},
	config::{RpcConfigFor, SubstrateExtrinsicParamsBuilder},
	rpcs::{LegacyRpcMethods, RpcClient},
	tx::TransactionStatus,
	OnlineClient, SubstrateConfig,
};
use thiserror::Error;

pub use sends::{CallKey, Sends, State as CallState, VoteOn};
pub use signer::AccountSigner;

/// An account on Sprint (sr25519 public key bytes; SCALE-encodes as the runtime's `AccountId`).
pub type AccountId = [u8; 32];

/// The runtime's block number.
pub type BlockNumber = u32;

/// The chain client.
pub type Client = OnlineClient<SubstrateConfig>;

/// A client pinned at one block.
pub type AtBlock = ClientAtBlock<SubstrateConfig, OnlineClientAtBlockImpl<SubstrateConfig>>;

/// What went wrong talking to the node.
#[derive(Debug, Error)]
pub enum ChainError {
	#[error(
		"could not reach sprint-node at {url}: {reason}. Is the node running, and is `node_url` \
		 (config) or --node the node's WebSocket RPC (e.g. ws://127.0.0.1:9944)?"
	)]
	Connect { url: String, reason: String },
	#[error("the node's RPC failed: {0}")]
	Rpc(String),
	#[error("could not decode {what} from the node: {reason}. Is this worker built for this chain's runtime?")]
	Decode { what: &'static str, reason: String },
	#[error("the chain's metadata has no call {pallet}.{call}: is this a Sprint chain, and is the worker up to date?")]
	UnknownCall { pallet: &'static str, call: &'static str },
	#[error("the node refused {call}: {reason}")]
	Submit { call: &'static str, reason: String },
}

fn rpc(e: impl std::fmt::Display) -> ChainError {
	ChainError::Rpc(e.to_string())
}

/// A connection to sprint-node.
#[derive(Clone)]
pub struct Chain {
	client: Client,
	legacy: LegacyRpcMethods<RpcConfigFor<SubstrateConfig>>,
	url: String,
	/// `Development`, `Local` or `Live` (the chain spec's `chainType`).
	chain_type: String,
}

/// One finalized block and the PoC state at it.
pub struct BlockView {
	pub number: BlockNumber,
	pub at: AtBlock,
	/// `None` before the first epoch starts (block 1).
	pub status: Option<EpochStatus<BlockNumber>>,
}

impl Chain {
	/// Connects to the node's WebSocket RPC at `url`.
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let connect_error = |reason: String| ChainError::Connect { url: url.to_string(), reason };
		let rpc_client =
			RpcClient::from_insecure_url(url).await.map_err(|e| connect_error(e.to_string()))?;
		let client = Client::from_rpc_client(rpc_client.clone())
			.await
			.map_err(|e| connect_error(e.to_string()))?;
		let legacy = LegacyRpcMethods::new(rpc_client);
		let chain_type =
			legacy.system_chain_type().await.map_err(|e| connect_error(e.to_string()))?;
		Ok(Self { client, legacy, url: url.to_string(), chain_type })
	}

	/// The node's URL.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// Whether this is a dev or local test chain (where every host is on loopback).
	pub fn is_test_chain(&self) -> bool {
		matches!(self.chain_type.as_str(), "Development" | "Local")
	}

	/// The genesis hash (bound into every opening's signature).
	pub fn genesis_hash(&self) -> H256 {
		H256(self.client.genesis_hash().0)
	}

	/// The stream of finalized blocks.
	pub async fn finalized_blocks(
		&self,
	) -> Result<subxt::client::Blocks<SubstrateConfig>, ChainError> {
		self.client.stream_blocks().await.map_err(rpc)
	}

	/// The latest finalized block.
	pub async fn latest(&self) -> Result<BlockView, ChainError> {
		let at = self.client.at_current_block().await.map_err(rpc)?;
		self.view(at).await
	}

	/// The PoC state at `at`.
	pub async fn view(&self, at: AtBlock) -> Result<BlockView, ChainError> {
		let number = at.block_number() as BlockNumber;
		let status = runtime_call(&at, "PocApi_epoch_status", &()).await?;
		Ok(BlockView { number, at, status })
	}

	/// The receipts of every `Inference.settle` call in finalized block `number`, in block order
	/// (the chain stores only each batch's root: auditors read the receipts from block bodies).
	/// A call that failed is listed too; its batch root is then found nowhere on chain.
	pub async fn settlements_in(
		&self,
		number: BlockNumber,
	) -> Result<Vec<Vec<inference::Receipt>>, ChainError> {
		let at = self.client.at_block(u64::from(number)).await.map_err(rpc)?;
		let extrinsics = at.extrinsics().fetch().await.map_err(rpc)?;
		let mut out = Vec::new();
		for extrinsic in extrinsics.iter() {
			let Ok(extrinsic) = extrinsic else { continue };
			if extrinsic.pallet_name() != "Inference" || extrinsic.call_name() != "settle" {
				continue;
			}
			let receipts = Vec::<inference::Receipt>::decode(
				&mut extrinsic.call_data_field_bytes(),
			)
			.map_err(|e| ChainError::Decode { what: "Inference.settle", reason: e.to_string() })?;
			out.push(receipts);
		}
		Ok(out)
	}

	/// How many of `account`'s calls the node holds that block `at` does not include yet (in
	/// its pool or in unfinalized blocks): a restarted worker waits for them to settle rather
	/// than send the same calls again.
	pub async fn calls_in_flight(
		&self,
		at: &AtBlock,
		account: &AccountId,
	) -> Result<u64, ChainError> {
		let included: u32 = runtime_call(at, "AccountNonceApi_account_nonce", account).await?;
		let next = self
			.legacy
			.system_account_next_index(&subxt::utils::AccountId32(*account))
			.await
			.map_err(rpc)?;
		Ok(next.saturating_sub(u64::from(included)))
	}

	/// Submits `call` signed by `signer`, with the account's next nonce as the node's pool sees
	/// it (so that calls sent in consecutive blocks never collide). Returns once the node's pool
	/// accepted it, with a future that resolves to the call's fate.
	pub async fn submit(
		&self,
		signer: &AccountSigner,
		call: &Call,
	) -> Result<impl std::future::Future<Output = Fate> + Send + 'static, ChainError> {
		let at = self.client.at_current_block().await.map_err(rpc)?;
		let (pallet, name) = call.name();
		let metadata = at.metadata_ref();
		let pallet_meta = metadata
			.pallet_by_name(pallet)
			.ok_or(ChainError::UnknownCall { pallet, call: name })?;
		let variant = pallet_meta
			.call_variant_by_name(name)
			.ok_or(ChainError::UnknownCall { pallet, call: name })?;
		let mut call_data = vec![pallet_meta.call_index(), variant.index];
		call.encode_args(&mut call_data);
		let submit_error =
			|e: &dyn std::fmt::Display| ChainError::Submit { call: name, reason: e.to_string() };
		let tx = at.tx();
		let payload = tx.from_call_data_bytes(&call_data).map_err(|e| submit_error(&e))?;
		let nonce = self
			.legacy
			.system_account_next_index(&subxt::utils::AccountId32(signer.account()))
			.await
			.map_err(rpc)?;
		let params = SubstrateExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(nonce).build();
		let mut signable =
			tx.create_signable_offline(&payload, params).map_err(|e| submit_error(&e))?;
		let signed = signable.sign(signer).map_err(|e| submit_error(&e))?;
		let mut progress = signed.submit_and_watch().await.map_err(|e| submit_error(&e))?;
		Ok(async move {
			while let Some(status) = progress.next().await {
				match status {
					Ok(TransactionStatus::InFinalizedBlock(in_block)) => {
						return match in_block.wait_for_success().await {
							Ok(_) => Fate::Succeeded,
							Err(e) => Fate::Failed(e.to_string()),
						}
					}
					Ok(
						TransactionStatus::Invalid { message }
						| TransactionStatus::Dropped { message }
						| TransactionStatus::Error { message },
					) => return Fate::NotIncluded(message),
					Ok(_) => {}
					Err(e) => return Fate::NotIncluded(e.to_string()),
				}
			}
			Fate::NotIncluded("the node stopped reporting on it".into())
		})
	}
}

/// What became of a submitted call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
	/// Finalized, and it succeeded.
	Succeeded,
	/// Finalized, and it failed (the pallet's error, decoded from the metadata).
	Failed(String),
	/// Never included: invalid, dropped, or the node went away.
	NotIncluded(String),
}

/// Calls runtime API `function` with SCALE `args` at `at` and decodes its result.
pub async fn runtime_call<R: Decode>(
	at: &AtBlock,
	function: &'static str,
	args: &impl Encode,
) -> Result<R, ChainError> {
	let bytes = at.runtime_apis().call_raw(function, Some(&args.encode())).await.map_err(rpc)?;
	R::decode(&mut &bytes[..])
		.map_err(|e| ChainError::Decode { what: function, reason: e.to_string() })
}

/// Reads pallet-poc's storage item `entry` at `keys`, `None` when absent (see [`decoded`]).
async fn poc_storage<R: Decode, K>(
	at: &AtBlock,
	entry: &'static str,
	keys: K,
) -> Result<Option<R>, ChainError>
where
	K: subxt::ext::frame_decode::storage::IntoEncodableValues
		+ subxt::ext::frame_decode::storage::IntoDecodableValues,
{
	decoded(at, "Poc", entry, keys).await
}

/// Reads `pallet.entry(keys)`, `None` when absent. subxt builds the key from the chain's
/// metadata (the item's hashers and key types), so an item that a runtime renamed or re-keyed
/// is an error, never a silent miss; the value is decoded with the worker's SCALE type for it
/// (sprint-core's, or a mirror of the pallet's), and a reshaped one fails to decode.
async fn decoded<R: Decode, K>(
	at: &AtBlock,
	pallet: &'static str,
	entry: &'static str,
	keys: K,
) -> Result<Option<R>, ChainError>
where
	K: subxt::ext::frame_decode::storage::IntoEncodableValues
		+ subxt::ext::frame_decode::storage::IntoDecodableValues,
{
	storage_bytes(at, pallet, entry, keys)
		.await?
		.map(|bytes| R::decode(&mut &bytes[..]))
		.transpose()
		.map_err(|e| ChainError::Decode { what: entry, reason: e.to_string() })
}

/// The raw value of `pallet.entry(keys)`, the key built from the chain's metadata.
async fn storage_bytes<K>(
	at: &AtBlock,
	pallet: &'static str,
	entry: &'static str,
	keys: K,
) -> Result<Option<Vec<u8>>, ChainError>
where
	K: subxt::ext::frame_decode::storage::IntoEncodableValues
		+ subxt::ext::frame_decode::storage::IntoDecodableValues,
{
	let address = subxt::storage::dynamic::<K, subxt::dynamic::Value>(pallet, entry);
	let value = at.storage().try_fetch(address, keys).await.map_err(|e| match e {
		subxt::error::StorageError::PalletNameNotFound(_)
		| subxt::error::StorageError::StorageEntryNotFound { .. } => ChainError::Decode {
			what: entry,
			reason: format!("the chain's metadata has no {pallet}.{entry}: {e}"),
		},
		e => rpc(e),
	})?;
	Ok(value.map(|v| v.into_bytes()))
}

/// Typed reads at one block, through the chain's metadata (see [`poc_storage`]).
pub mod read {
	use super::*;
	use subxt::utils::AccountId32;

	fn account(who: &AccountId) -> AccountId32 {
		AccountId32(*who)
	}

	pub async fn host(at: &AtBlock, host: &AccountId) -> Result<Option<HostInfo>, ChainError> {
		poc_storage(at, "Hosts", (account(host),)).await
	}

	pub async fn commitment(
		at: &AtBlock,
		epoch: EpochIndex,
		host: &AccountId,
	) -> Result<Option<Commitment>, ChainError> {
		poc_storage(at, "Commitments", (epoch, account(host))).await
	}

	/// Whether `host` was displaced from `epoch`'s participants, and where it sat.
	pub async fn displaced(
		at: &AtBlock,
		epoch: EpochIndex,
		host: &AccountId,
	) -> Result<Option<Displacement>, ChainError> {
		poc_storage(at, "Displaced", (epoch, account(host))).await
	}

	/// Who holds `slot` among `epoch`'s participants.
	pub async fn participant(
		at: &AtBlock,
		epoch: EpochIndex,
		slot: u32,
	) -> Result<Option<AccountId>, ChainError> {
		poc_storage(at, "Participants", (epoch, slot)).await
	}

	pub async fn secret_commitment(
		at: &AtBlock,
		epoch: EpochIndex,
		validator: &AccountId,
	) -> Result<Option<H256>, ChainError> {
		poc_storage(at, "SecretCommitments", (epoch, account(validator))).await
	}

	pub async fn revealed_secret(
		at: &AtBlock,
		epoch: EpochIndex,
		validator: &AccountId,
	) -> Result<Option<H256>, ChainError> {
		poc_storage(at, "RevealedSecrets", (epoch, account(validator))).await
	}

	/// Whether `epoch`'s seat draw has seated every participant.
	pub async fn draw_done(at: &AtBlock, epoch: EpochIndex) -> Result<bool, ChainError> {
		let progress: Option<DrawProgress> = poc_storage(at, "DrawStatus", (epoch,)).await?;
		Ok(progress.is_some_and(|p| p.done))
	}

	/// `who`'s host bond held by pallet-collateral (zero when none, or unbonding), read by
	/// field name through the metadata: the worker shares no types with pallet-collateral.
	pub async fn host_bond(at: &AtBlock, who: &AccountId) -> Result<u128, ChainError> {
		let address = subxt::storage::dynamic::<(AccountId32,), subxt::dynamic::Value>(
			"Collateral",
			"Collaterals",
		);
		let what = "Collateral.Collaterals";
		let Some(value) = at.storage().try_fetch(address, (account(who),)).await.map_err(rpc)?
		else {
			return Ok(0);
		};
		let value =
			value.decode().map_err(|e| ChainError::Decode { what, reason: e.to_string() })?;
		use subxt::dynamic::At as _;
		value.at("host_bond").and_then(|bond| bond.as_u128()).ok_or_else(|| ChainError::Decode {
			what,
			reason: "no `host_bond` field: is the worker up to date with this runtime?".into(),
		})
	}

	pub async fn seats(
		at: &AtBlock,
		epoch: EpochIndex,
		participant: &AccountId,
	) -> Result<Vec<Seat<AccountId>>, ChainError> {
		Ok(poc_storage(at, "Seats", (epoch, account(participant))).await?.unwrap_or_default())
	}

	/// `who`'s line in `epoch`'s tally: its outcome and activated weight.
	pub async fn outcome(
		at: &AtBlock,
		epoch: EpochIndex,
		who: &AccountId,
	) -> Result<Option<TallyLine>, ChainError> {
		poc_storage(at, "Outcomes", (epoch, account(who))).await
	}

	/// The epoch whose tally is running, if one is.
	pub async fn tallying(at: &AtBlock) -> Result<Option<EpochIndex>, ChainError> {
		poc_storage(at, "Tallying", ()).await
	}

	/// `epoch`'s tally as it stands (its W(e) once done).
	pub async fn tally_status(
		at: &AtBlock,
		epoch: EpochIndex,
	) -> Result<Option<TallyProgress>, ChainError> {
		poc_storage(at, "TallyStatus", (epoch,)).await
	}

	/// `who`'s accepted weight ŵ in `epoch` (activated, capped).
	pub async fn accepted_weight(
		at: &AtBlock,
		epoch: EpochIndex,
		who: &AccountId,
	) -> Result<Option<u128>, ChainError> {
		poc_storage(at, "AcceptedWeights", (epoch, account(who))).await
	}

	/// Why `who` earns nothing for `epoch`, if it does not.
	pub async fn forfeited(
		at: &AtBlock,
		epoch: EpochIndex,
		who: &AccountId,
	) -> Result<Option<ForfeitReason>, ChainError> {
		poc_storage(at, "Forfeited", (epoch, account(who))).await
	}

	/// What pallet-emission may mint for `epoch` (its budget), while it keeps it (two epochs).
	pub async fn epoch_budget(at: &AtBlock, epoch: EpochIndex) -> Result<Option<u128>, ChainError> {
		/// pallet-emission's `EpochBudget<u128>`, mirrored field for field.
		#[derive(Decode)]
		struct EpochBudget {
			budget: u128,
			_minted: u128,
		}
		let budget: Option<EpochBudget> = decoded(at, "Emission", "EpochBudgets", (epoch,)).await?;
		Ok(budget.map(|b| b.budget))
	}

	/// `who`'s free balance (pallet-balances, through frame-system's account record).
	pub async fn free_balance(at: &AtBlock, who: &AccountId) -> Result<u128, ChainError> {
		/// frame-system's `AccountInfo<u32, AccountData<u128>>`, mirrored field for field.
		#[derive(Decode)]
		struct AccountInfo {
			_nonce: u32,
			_consumers: u32,
			_providers: u32,
			_sufficients: u32,
			free: u128,
			_reserved: u128,
			_frozen: u128,
			_flags: u128,
		}
		let info: Option<AccountInfo> = decoded(at, "System", "Account", (account(who),)).await?;
		Ok(info.map_or(0, |i| i.free))
	}

	/// The host bond a registration holds (pallet-collateral's `min_host_bond`), read by field
	/// name through the metadata.
	pub async fn min_host_bond(at: &AtBlock) -> Result<u128, ChainError> {
		let what = "Collateral.Params";
		let address = subxt::storage::dynamic::<(), subxt::dynamic::Value>("Collateral", "Params");
		let value = at.storage().try_fetch(address, ()).await.map_err(rpc)?.ok_or_else(|| {
			ChainError::Decode { what, reason: "pallet-collateral has no parameters".into() }
		})?;
		let value =
			value.decode().map_err(|e| ChainError::Decode { what, reason: e.to_string() })?;
		use subxt::dynamic::At as _;
		value
			.at("min_host_bond")
			.and_then(|bond| bond.as_u128())
			.ok_or_else(|| ChainError::Decode { what, reason: "no `min_host_bond` field".into() })
	}

	/// `who`'s rewards held by pallet-emission: `(vested, [(start, duration, amount)])`.
	pub async fn reward_ledger(
		at: &AtBlock,
		who: &AccountId,
	) -> Result<Option<(u128, Vec<(EpochIndex, u32, u128)>)>, ChainError> {
		decoded(at, "Emission", "Ledgers", (account(who),)).await
	}

	/// Whom `validator` checks in `epoch`: `(participant, seat)` (runtime API).
	pub async fn assignments(
		at: &AtBlock,
		epoch: EpochIndex,
		validator: &AccountId,
	) -> Result<Vec<(AccountId, u32)>, ChainError> {
		runtime_call(at, "PocApi_assignments", &(epoch, validator)).await
	}
}

/// The calls a worker submits (each pallet's call arguments, SCALE-encoded in order).
#[derive(Clone, Debug)]
pub enum Call {
	/// pallet-collateral's `deposit`: hold `amount` more as collateral.
	DepositCollateral {
		amount: u128,
	},
	RegisterHost {
		proof_key: [u8; 32],
		proof_url: Vec<u8>,
		metadata: Vec<u8>,
	},
	CommitSecret {
		epoch: EpochIndex,
		commitment: H256,
	},
	RevealSecret {
		epoch: EpochIndex,
		secret: H256,
	},
	Commit {
		epoch: EpochIndex,
		root: H256,
		count: u32,
	},
	SubmitVerdicts {
		epoch: EpochIndex,
		secret: Option<H256>,
		verdicts: Vec<(AccountId, Verdict)>,
	},
	AnswerChallenge {
		epoch: EpochIndex,
		validator: AccountId,
		openings: Vec<SignedOpening>,
	},
	Vote {
		epoch: EpochIndex,
		participant: AccountId,
		votes: Vec<(u32, Option<u32>)>,
	},
	/// pallet-poc: this host was displaced from `epoch`'s participants by a displacer that
	/// was not accepted: claim its expected reward.
	CompensateDisplaced {
		epoch: EpochIndex,
		displaced: AccountId,
	},
	/// pallet-inference: declare (or replace) this host's service.
	DeclareService(inference::Service),
	/// pallet-inference: settle a batch of receipts.
	Settle(Vec<inference::Receipt>),
	/// pallet-inference: claim the pending fees whose audit windows closed.
	ClaimFees,
	/// pallet-inference: a ticket its executor accepted and never settled.
	ReportMissedTicket(Box<(inference::Ticket, [u8; 64], [u8; 64])>),
	/// pallet-audit: validator `validator` was drawn for a receipt of `epoch` and never audited it.
	ReportMissedAudit {
		epoch: EpochIndex,
		validator: AccountId,
		audit: Box<audit::AuditEntry>,
	},
	/// pallet-audit: audit results for receipts settled in `epoch`.
	SubmitAudits {
		epoch: EpochIndex,
		audits: Vec<audit::AuditEntry>,
	},
	/// pallet-audit: a re-run seat's vote on a disputed receipt.
	AuditVote {
		epoch: EpochIndex,
		receipt: [u8; 32],
		fraud: bool,
	},
	/// pallet-audit: an executor posts a payload an auditor could not fetch.
	PostPayload {
		epoch: EpochIndex,
		receipt: [u8; 32],
		payload: Vec<u8>,
	},
}

impl Call {
	/// `(pallet, call)` as the metadata names them.
	pub fn name(&self) -> (&'static str, &'static str) {
		match self {
			Call::DepositCollateral { .. } => ("Collateral", "deposit"),
			Call::RegisterHost { .. } => ("Poc", "register_host"),
			Call::CommitSecret { .. } => ("Poc", "commit_secret"),
			Call::RevealSecret { .. } => ("Poc", "reveal_secret"),
			Call::Commit { .. } => ("Poc", "commit"),
			Call::SubmitVerdicts { .. } => ("Poc", "submit_verdicts"),
			Call::AnswerChallenge { .. } => ("Poc", "answer_challenge"),
			Call::Vote { .. } => ("Poc", "vote"),
			Call::CompensateDisplaced { .. } => ("Poc", "compensate_displaced"),
			Call::DeclareService(_) => ("Inference", "declare_service"),
			Call::Settle(_) => ("Inference", "settle"),
			Call::ClaimFees => ("Inference", "claim_fees"),
			Call::ReportMissedTicket(_) => ("Inference", "report_missed_ticket"),
			Call::ReportMissedAudit { .. } => ("Audit", "report_missed_audit"),
			Call::SubmitAudits { .. } => ("Audit", "submit_audits"),
			Call::AuditVote { .. } => ("Audit", "vote"),
			Call::PostPayload { .. } => ("Audit", "post_payload"),
		}
	}

	fn encode_args(&self, out: &mut Vec<u8>) {
		match self {
			Call::DepositCollateral { amount } => codec::Compact(*amount).encode_to(out),
			Call::RegisterHost { proof_key, proof_url, metadata } => {
				(proof_key, proof_url, metadata).encode_to(out)
			}
			Call::CommitSecret { epoch, commitment } => (epoch, commitment).encode_to(out),
			Call::RevealSecret { epoch, secret } => (epoch, secret).encode_to(out),
			Call::Commit { epoch, root, count } => (epoch, root, count).encode_to(out),
			Call::SubmitVerdicts { epoch, secret, verdicts } => {
				(epoch, secret, verdicts).encode_to(out)
			}
			Call::AnswerChallenge { epoch, validator, openings } => {
				(epoch, validator, openings).encode_to(out)
			}
			Call::Vote { epoch, participant, votes } => (epoch, participant, votes).encode_to(out),
			Call::CompensateDisplaced { epoch, displaced } => (epoch, displaced).encode_to(out),
			Call::DeclareService(service) => service.encode_to(out),
			Call::Settle(receipts) => receipts.encode_to(out),
			Call::ClaimFees => {}
			Call::ReportMissedTicket(report) => report.as_ref().encode_to(out),
			Call::ReportMissedAudit { epoch, validator, audit } => {
				(epoch, validator, audit.as_ref()).encode_to(out)
			}
			Call::SubmitAudits { epoch, audits } => (epoch, audits).encode_to(out),
			Call::AuditVote { epoch, receipt, fraud } => (epoch, receipt, fraud).encode_to(out),
			Call::PostPayload { epoch, receipt, payload } => {
				(epoch, receipt, payload).encode_to(out)
			}
		}
	}
}
