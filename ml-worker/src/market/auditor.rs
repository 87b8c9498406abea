//! The auditor (docs/protocol.md §7): receipts settled in epoch `e` are audited in `e + 1` with
//! this validator's secret of `e + 1`, once it is revealed.
//!
//! - **Settlements** are read from finalized block bodies (the chain keeps only each batch's
//!   root): every `Inference.settle` call's receipts, placed in their batch by matching the
//!   batch root stored for the epoch (a failed call matches none and is ignored).
//! - **Draws**: receipt `r` is this validator's to audit when `audit_draw(secret, id)` falls
//!   under the probability the runtime computes (`AuditApi::audit_probability`).
//! - **Audits**: the payload is fetched from the executor's API with the same hostile-input
//!   rules as proofs (a size limit, a timeout, nothing trusted before its signature is checked);
//!   no payload, or one not signed by the executor's proof key, is `Unavailable`. A signed
//!   payload is [`judge`]d: the request must hash to the ticket's `request_hash`, render to the
//!   receipt's prompt token count, and replay exactly — the sampler with the ticket's seed and
//!   parameters, the stop rule, the counts and the commitment. Results go on chain in chunks.
//! - **Evidence**: the payload of every `Fail` is kept on disk and, once the dispute is open,
//!   posted on chain (`post_payload`), so the re-run voters can read it even when the executor
//!   withholds it from them (docs/protocol.md §7: voters fetch it from the auditor or the
//!   executor).
//! - **Re-run votes**: in disputes where this validator holds a seat, the payload (posted on
//!   chain, or fetched from the executor and matched to the claimed hash) is judged the same
//!   way; a `Fail` whose payload cannot be had by the check period is voted down.
//! - **As executor**: a payload an auditor found unavailable is posted on chain.
//!
//! The replays run in a task of their own, so the block loop never waits for them.

use std::{
	collections::{BTreeMap, HashMap, HashSet},
	sync::{Arc, Mutex},
	time::Duration,
};

use codec::Decode;
use polkadot_sdk::{
	sp_core::{crypto::Pair as _, sr25519},
	sp_crypto_hashing::blake2_256,
};
use sprint_core::{
	market::{audit_draw, batch_path, batch_root, draw_hits, payload_statement},
	merkle::Hash32,
	EpochIndex, EpochStatus, Phase,
};

use super::{
	apply_ticket,
	executor::{short, InferenceCheat},
	payload_request_statement, request_hash,
	store::Store,
	Payload, MAX_PAYLOAD, PAYLOAD_PATH, PAYLOAD_REQUESTER_HEADER, PAYLOAD_REQUEST_BLOCK_HEADER,
	PAYLOAD_REQUEST_SIGNATURE_HEADER, PAYLOAD_SIGNATURE_HEADER,
};
use crate::{
	api::prepare,
	chain::{
		audit::{self, AuditEntry, AuditResult, Claim, MAX_AUDITS_PER_CALL, MAX_CLAIMS_PER_CALL},
		inference::{self, Receipt},
		read, AccountId, BlockNumber, BlockView, Call, CallKey, Chain, Sends,
	},
	inference::{replay::replay, LanguageModel},
};

/// Blocks scanned for settlements per step at most.
const SCAN_PER_STEP: u32 = 64;
/// How long a payload fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

/// What a replay found: `None` when the answer is exactly what the ticket's request produces,
/// else the first position where it is not.
pub fn judge(lm: &LanguageModel, payload: &Payload) -> Option<u32> {
	let receipt = &payload.receipt;
	let ticket = &receipt.ticket;
	if request_hash(payload.endpoint, &payload.request) != ticket.request_hash {
		return Some(0);
	}
	let Ok(mut prepared) = prepare(lm, payload.endpoint, &payload.request) else {
		return Some(0);
	};
	if apply_ticket(&mut prepared.generation, ticket, lm.model.config.context).is_err() {
		return Some(0);
	}
	prepared.generation.top_logprobs = 0;
	if prepared.generation.prompt.len() != receipt.prompt_tokens as usize {
		return Some(0);
	}
	let output = &payload.output;
	if output.len() != receipt.completion_tokens as usize
		|| output.iter().any(|t| *t as usize >= lm.model.config.vocab)
	{
		return Some(output.len().min(receipt.completion_tokens as usize) as u32);
	}
	let Ok(report) = replay(lm, &prepared.generation, output) else {
		return Some(0);
	};
	if let Some(at) = report.first_difference {
		return Some(at as u32);
	}
	if report.finish.is_none() {
		return Some(output.len() as u32);
	}
	if report.commitment != receipt.output_commitment {
		// The tokens replay, but the committed log-probabilities are not the engine's.
		return Some(0);
	}
	None
}

/// The auditor's memory between blocks.
/// Who signs this worker's payload requests: its account key, on this chain.
#[derive(Clone)]
pub struct PayloadRequester {
	/// The account's key (the account is its public key).
	pub key: sr25519::Pair,
	/// The chain's genesis hash.
	pub genesis: Hash32,
}

pub struct Auditor {
	me: AccountId,
	requester: PayloadRequester,
	lm: Arc<LanguageModel>,
	http: reqwest::Client,
	state: Arc<Mutex<AuditState>>,
	task: Option<tokio::task::JoinHandle<()>>,
	cheat: InferenceCheat,
}

#[derive(Default)]
struct AuditState {
	/// The next block to scan for settlements.
	cursor: Option<BlockNumber>,
	/// Settlements found: settle epoch → `(batch, receipts)`.
	batches: BTreeMap<EpochIndex, Vec<(u32, Vec<Receipt>)>>,
	/// Receipts this validator audited (or found it needs not).
	done: HashSet<Hash32>,
	/// Disputed receipts voted on.
	voted: HashSet<Hash32>,
	/// `(receipt, validator)` pairs found audited or already reported.
	accounted: HashSet<(Hash32, AccountId)>,
	/// Audits done, for the log.
	pub audits: u64,
}

/// A payload fetched from its executor: its bytes and the executor's signature.
async fn fetch_payload(
	http: &reqwest::Client,
	requester: &PayloadRequester,
	view: &BlockView,
	receipt: &Receipt,
) -> Option<(Vec<u8>, [u8; 64])> {
	let at = &view.at;
	let executor = receipt.ticket.executor;
	let service = inference::service(at, &executor).await.ok()??;
	let host = read::host(at, &executor).await.ok()??;
	let id = receipt.id();
	let url =
		format!("{}{PAYLOAD_PATH}/{}/{}", service.api_url(), receipt.ticket.epoch, hex::encode(id));
	// Payloads are private: the executor serves them only to a signed request of a validator
	// auditing the receipt or a juror of its dispute.
	let statement = payload_request_statement(&requester.genesis, &id, view.number);
	let signature = requester.key.sign(&statement);
	let mut response = http
		.get(&url)
		.header(PAYLOAD_REQUESTER_HEADER, hex::encode(requester.key.public().0))
		.header(PAYLOAD_REQUEST_BLOCK_HEADER, view.number.to_string())
		.header(PAYLOAD_REQUEST_SIGNATURE_HEADER, hex::encode(signature.0))
		.timeout(FETCH_TIMEOUT)
		.send()
		.await
		.ok()?;
	if !response.status().is_success()
		|| response.content_length().is_some_and(|l| l > MAX_PAYLOAD as u64)
	{
		return None;
	}
	let signature: [u8; 64] = response
		.headers()
		.get(PAYLOAD_SIGNATURE_HEADER)
		.and_then(|v| hex::decode(v.as_bytes()).ok())
		.and_then(|v| v.try_into().ok())?;
	let mut bytes = Vec::new();
	while let Ok(Some(chunk)) = response.chunk().await {
		if bytes.len() + chunk.len() > MAX_PAYLOAD {
			return None;
		}
		bytes.extend_from_slice(&chunk);
	}
	let statement = payload_statement(&id, &blake2_256(&bytes));
	let key = sr25519::Public::from_raw(host.proof_key);
	sr25519::Pair::verify(&sr25519::Signature::from_raw(signature), statement, &key)
		.then_some((bytes, signature))
}

impl Auditor {
	pub fn new(
		me: AccountId,
		requester: PayloadRequester,
		lm: Arc<LanguageModel>,
		cheat: InferenceCheat,
	) -> Self {
		let http = reqwest::Client::builder()
			.redirect(reqwest::redirect::Policy::none())
			.connect_timeout(Duration::from_secs(5))
			.build()
			.unwrap_or_default();
		Self { me, requester, lm, http, state: Arc::default(), task: None, cheat }
	}

	/// Audits done so far.
	pub fn audits(&self) -> u64 {
		self.state.lock().unwrap_or_else(|p| p.into_inner()).audits
	}

	/// Reads the settlements in blocks not scanned yet.
	async fn scan(
		&self,
		chain: &Chain,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let start = {
			let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
			state.cursor.unwrap_or_else(|| {
				status.epoch_start.saturating_sub(status.params.epoch_length).max(1)
			})
		};
		let end = view.number.min(start.saturating_add(SCAN_PER_STEP - 1));
		for number in start..=end {
			for receipts in chain.settlements_in(number).await? {
				let ids: Vec<Hash32> = receipts.iter().map(Receipt::id).collect();
				let root = batch_root(&ids);
				// The batch's epoch is the current one or the one before.
				let mut placed = None;
				'epochs: for epoch in [status.epoch, status.epoch.saturating_sub(1)] {
					let count = storage_batch_count(&view.at, epoch).await?;
					for b in 0..count {
						if storage_batch_root(&view.at, epoch, b).await? == Some(root) {
							placed = Some((epoch, b));
							break 'epochs;
						}
					}
				}
				if let Some((epoch, b)) = placed {
					let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
					let batches = state.batches.entry(epoch).or_default();
					if !batches.iter().any(|(known, _)| *known == b) {
						batches.push((b, receipts));
					}
				}
			}
		}
		let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
		state.cursor = Some(end + 1);
		// Settlements are of use until their missed audits can no longer be reported.
		let keep_from = status.epoch.saturating_sub(2);
		state.batches.retain(|e, _| *e >= keep_from);
		Ok(())
	}

	/// Each block: scans settlements, and while epoch `e + 1`'s audit periods run, starts (when
	/// none is running) the task that audits `e`'s draws, votes in re-runs, and posts payloads
	/// this worker withheld.
	pub async fn step(
		&mut self,
		chain: &Chain,
		sends: &Sends,
		store: &Store,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		self.scan(chain, view, status).await?;
		if self.task.as_ref().is_some_and(|t| !t.is_finished()) {
			return Ok(());
		}
		let Some(settle_epoch) = status.epoch.checked_sub(1) else { return Ok(()) };
		let auditing = matches!(status.phase, Phase::Validation | Phase::Answer)
			&& self.cheat != InferenceCheat::SkipAudits;
		let voting = matches!(status.phase, Phase::Validation | Phase::Answer | Phase::Check);
		// Missed audits: from `e + 1`'s check period to the end of `e + 2`.
		let mut report_epochs = Vec::new();
		if matches!(status.phase, Phase::Check | Phase::Tally) {
			report_epochs.push(settle_epoch);
		}
		if let Some(older) = status.epoch.checked_sub(2) {
			report_epochs.push(older);
		}
		let secret = if auditing {
			read::revealed_secret(&view.at, status.epoch, &self.me).await?
		} else {
			None
		};
		let work = Work {
			me: self.me,
			requester: self.requester.clone(),
			lm: self.lm.clone(),
			http: self.http.clone(),
			state: self.state.clone(),
			chain: chain.clone(),
			sends: sends.clone(),
			store: store.clone(),
			phase: status.phase,
			cheat: self.cheat,
			number: view.number,
			settle_epoch,
			secret: secret.map(|s| s.0),
			voting,
			report_epochs,
		};
		self.task = Some(tokio::spawn(async move {
			if let Err(e) = work.run().await {
				tracing::warn!(target: "sprint::audit", "audit step: {e:#}");
			}
		}));
		Ok(())
	}
}

async fn storage_batch_count(at: &crate::chain::AtBlock, epoch: EpochIndex) -> anyhow::Result<u32> {
	Ok(inference::batch_count(at, epoch).await?)
}

async fn storage_batch_root(
	at: &crate::chain::AtBlock,
	epoch: EpochIndex,
	batch: u32,
) -> anyhow::Result<Option<Hash32>> {
	Ok(inference::batch_root(at, epoch, batch).await?)
}

/// One round of auditing work, off the block loop.
struct Work {
	me: AccountId,
	requester: PayloadRequester,
	lm: Arc<LanguageModel>,
	http: reqwest::Client,
	state: Arc<Mutex<AuditState>>,
	chain: Chain,
	sends: Sends,
	store: Store,
	/// The auditing epoch's period when this round began.
	phase: Phase,
	cheat: InferenceCheat,
	number: BlockNumber,
	settle_epoch: EpochIndex,
	secret: Option<Hash32>,
	/// Whether re-run votes (and payloads to post) are due.
	voting: bool,
	/// Settle epochs whose missed audits may be reported now.
	report_epochs: Vec<EpochIndex>,
}

impl Work {
	async fn run(self) -> anyhow::Result<()> {
		let view = self.chain.latest().await?;
		if let Some(secret) = self.secret {
			self.audit(&view, &secret).await?;
		}
		if self.voting {
			self.disputes(&view).await?;
		}
		for epoch in &self.report_epochs {
			self.report_missed(&view, *epoch).await?;
		}
		Ok(())
	}

	/// Reports the receipts of `epoch` that another validator's revealed secret drew and that it
	/// never audited (the chain checks the draw again and charges the silent-seat penalty).
	async fn report_missed(&self, view: &BlockView, epoch: EpochIndex) -> anyhow::Result<()> {
		let batches = self
			.state
			.lock()
			.unwrap_or_else(|p| p.into_inner())
			.batches
			.get(&epoch)
			.cloned()
			.unwrap_or_default();
		if batches.is_empty() {
			return Ok(());
		}
		let auditing = epoch + 1;
		for (validator, _) in audit::pool(&view.at, auditing).await? {
			if validator == self.me {
				continue;
			}
			let Some(secret) = read::revealed_secret(&view.at, auditing, &validator).await? else {
				continue;
			};
			let mut probability: HashMap<AccountId, u64> = HashMap::new();
			for (batch, receipts) in &batches {
				let ids: Vec<Hash32> = receipts.iter().map(Receipt::id).collect();
				for (index, receipt) in receipts.iter().enumerate() {
					let id = ids[index];
					let executor = receipt.ticket.executor;
					if executor == validator
						|| self
							.state
							.lock()
							.unwrap_or_else(|p| p.into_inner())
							.accounted
							.contains(&(id, validator))
					{
						continue;
					}
					let p = match probability.get(&executor) {
						Some(p) => *p,
						None => {
							let p =
								audit::probability(&view.at, epoch, &validator, &executor).await?;
							probability.insert(executor, p);
							p
						}
					};
					if !draw_hits(audit_draw(&secret.0, &id), p) {
						continue;
					}
					if audit::audited(&view.at, epoch, &id, &validator).await?
						|| audit::reported(&view.at, epoch, &id, &validator).await?
					{
						self.state
							.lock()
							.unwrap_or_else(|p| p.into_inner())
							.accounted
							.insert((id, validator));
						continue;
					}
					let key = CallKey::MissedAudit(epoch, short(&id), short(&validator));
					if self.sends.due(key, self.number) {
						tracing::info!(target: "sprint::audit", "reporting 0x{}: drawn for receipt {:016x} of epoch {epoch}, never audited", hex::encode(&validator[..4]), short(&id));
						let audit = AuditEntry {
							batch: *batch,
							index: index as u32,
							receipt: receipt.clone(),
							path: batch_path(&ids, index as u32),
							result: AuditResult::Pass,
						};
						self.sends
							.send(
								key,
								Call::ReportMissedAudit {
									epoch,
									validator,
									audit: Box::new(audit),
								},
								self.number,
							)
							.await;
					}
				}
			}
		}
		Ok(())
	}

	async fn judged(&self, payload: Payload) -> Option<u32> {
		let lm = self.lm.clone();
		tokio::task::spawn_blocking(move || judge(&lm, &payload)).await.unwrap_or(Some(0))
	}

	async fn audit(&self, view: &BlockView, secret: &Hash32) -> anyhow::Result<()> {
		let e = self.settle_epoch;
		let batches = self
			.state
			.lock()
			.unwrap_or_else(|p| p.into_inner())
			.batches
			.get(&e)
			.cloned()
			.unwrap_or_default();
		let mut probability: HashMap<AccountId, u64> = HashMap::new();
		// Passes and claims go in separate chunks: claims are accepted only in the validation
		// window, and a chunk refused for one claim landing late must not take Passes with it.
		let mut entries = Vec::new();
		let mut claims = Vec::new();
		for (batch, receipts) in batches {
			let ids: Vec<Hash32> = receipts.iter().map(Receipt::id).collect();
			for (index, receipt) in receipts.into_iter().enumerate() {
				let id = ids[index];
				let executor = receipt.ticket.executor;
				if executor == self.me
					|| self.state.lock().unwrap_or_else(|p| p.into_inner()).done.contains(&id)
				{
					continue;
				}
				let p = match probability.get(&executor) {
					Some(p) => *p,
					None => {
						let p = audit::probability(&view.at, e, &self.me, &executor).await?;
						probability.insert(executor, p);
						p
					}
				};
				if !draw_hits(audit_draw(secret, &id), p)
					|| audit::audited(&view.at, e, &id, &self.me).await?
				{
					self.state.lock().unwrap_or_else(|p| p.into_inner()).done.insert(id);
					continue;
				}
				let result = match fetch_payload(&self.http, &self.requester, view, &receipt).await
				{
					None => AuditResult::Unavailable,
					Some((bytes, signature)) => {
						let failed_at = match Payload::decode(&mut &bytes[..]) {
							Ok(payload) if payload.receipt == receipt => self.judged(payload).await,
							// A payload the executor signed that is not this receipt's.
							_ => Some(0),
						};
						match failed_at {
							None => AuditResult::Pass,
							Some(position) => {
								// Kept before the claim is sent: the voters will need it.
								self.store.keep_evidence(e, &id, &bytes)?;
								AuditResult::Fail {
									position,
									payload_hash: blake2_256(&bytes),
									executor_signature: signature,
								}
							}
						}
					}
				};
				tracing::info!(target: "sprint::audit", "receipt {:016x} of epoch {e} by 0x{}: {}", short(&id), hex::encode(&executor[..4]), match &result {
					AuditResult::Pass => "Pass".to_owned(),
					AuditResult::Fail { position, .. } => format!("Fail at token {position}"),
					AuditResult::Unavailable => "payload unavailable".to_owned(),
				});
				let claim = !matches!(result, AuditResult::Pass);
				if claim && self.phase != Phase::Validation {
					// The chain refuses claims after the validation window (the executor must
					// have a whole answer period to post): this one can no longer be filed.
					tracing::warn!(target: "sprint::audit", "receipt {:016x}: too late to file the claim (claims close with the validation window)", short(&id));
					self.state.lock().unwrap_or_else(|p| p.into_inner()).done.insert(id);
					continue;
				}
				let path = batch_path(&ids, index as u32);
				let entry = AuditEntry { batch, index: index as u32, receipt, path, result };
				let chunk = if claim { &mut claims } else { &mut entries };
				chunk.push(entry);
				if chunk.len() == if claim { MAX_CLAIMS_PER_CALL } else { MAX_AUDITS_PER_CALL } {
					self.submit(std::mem::take(chunk)).await;
				}
			}
		}
		for chunk in [entries, claims] {
			if !chunk.is_empty() {
				self.submit(chunk).await;
			}
		}
		Ok(())
	}

	async fn submit(&self, entries: Vec<AuditEntry>) {
		let e = self.settle_epoch;
		let key = CallKey::Audits(e, short(&entries[0].receipt.id()));
		if self.sends.due(key, self.number) {
			{
				let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
				state.audits += entries.len() as u64;
				for entry in &entries {
					state.done.insert(entry.receipt.id());
				}
			}
			self.sends
				.send(key, Call::SubmitAudits { epoch: e, audits: entries }, self.number)
				.await;
		}
	}

	/// Posts `bytes` as the payload of receipt `id` in its dispute, once.
	async fn post(&self, id: Hash32, bytes: Vec<u8>, why: &str) {
		let e = self.settle_epoch;
		let key = CallKey::PostPayload(e, short(&id));
		if self.sends.due(key, self.number) {
			tracing::info!(target: "sprint::audit", "posting the payload of receipt {:016x} {why}", short(&id));
			self.sends
				.send(key, Call::PostPayload { epoch: e, receipt: id, payload: bytes }, self.number)
				.await;
		}
	}

	/// Votes where this validator holds a re-run seat; posts the payloads of its own `Fail`s
	/// (as auditor) and those it withheld (as executor).
	async fn disputes(&self, view: &BlockView) -> anyhow::Result<()> {
		let e = self.settle_epoch;
		for id in audit::open_disputes(&view.at, e).await? {
			let Some(dispute) = audit::dispute(&view.at, e, &id).await? else { continue };
			if dispute.resolution.is_some() {
				continue;
			}
			let receipt = &dispute.receipt;
			if dispute.auditor == self.me {
				if matches!(dispute.claim, Claim::Fail { .. })
					&& audit::posted_payload(&view.at, e, &id).await?.is_none()
				{
					if let Some(bytes) = self.store.evidence(e, &id)? {
						self.post(id, bytes, "this auditor failed, for the re-run voters").await;
					}
				}
				continue;
			}
			if receipt.ticket.executor == self.me {
				// An executor whose payload was failed posts it too when its auditor has not
				// by the check period (it leaves the auditor the first two periods, so the two
				// do not race): the voters then replay what it served, whoever withholds.
				let due = match &dispute.claim {
					Claim::Unavailable { posted: None } => true,
					Claim::Unavailable { posted: Some(_) } => false,
					Claim::Fail { .. } => {
						self.phase == Phase::Check
							&& self.cheat == InferenceCheat::None
							&& audit::posted_payload(&view.at, e, &id).await?.is_none()
					}
				};
				if due {
					if let Some(bytes) = self.store.payload(receipt.ticket.epoch, &id)? {
						self.post(id, bytes, "an auditor disputes, for the re-run voters").await;
					}
				}
				continue;
			}
			// Jurors vote once claims have closed: the jury is drawn then (docs/protocol.md §7),
			// on demand, and stored with its first vote.
			if !matches!(self.phase, Phase::Answer | Phase::Check) {
				continue;
			}
			let seated = if dispute.seats.is_empty() {
				audit::jury(&view.at, e, &id).await?.is_some_and(|jury| jury.contains(&self.me))
			} else {
				dispute.seats.iter().any(|(who, vote)| *who == self.me && vote.is_none())
			};
			if !seated || self.state.lock().unwrap_or_else(|p| p.into_inner()).voted.contains(&id) {
				continue;
			}
			let bytes = match &dispute.claim {
				Claim::Unavailable { posted: Some(_) } => {
					audit::posted_payload(&view.at, e, &id).await?
				}
				Claim::Unavailable { posted: None } => continue, // nothing to re-run yet
				Claim::Fail { payload_hash, .. } => {
					match audit::posted_payload(&view.at, e, &id).await? {
						Some(bytes) => Some(bytes),
						None => fetch_payload(&self.http, &self.requester, view, receipt)
							.await
							.map(|(bytes, _)| bytes)
							.filter(|bytes| blake2_256(bytes) == *payload_hash),
					}
				}
			};
			// The auditor posts a Fail's payload on chain once its claim lands: until the
			// last voting period, a payload not found yet is looked for again next round.
			if bytes.is_none() && self.phase != Phase::Check {
				continue;
			}
			let (fraud, why) = match bytes.and_then(|b| Payload::decode(&mut &b[..]).ok()) {
				Some(payload) if payload.receipt == *receipt => match self.judged(payload).await {
					Some(position) => (true, format!("fraud (differs at token {position})")),
					None => (false, "honest (replays exactly)".to_owned()),
				},
				Some(_) => (true, "fraud (the payload is another receipt's)".to_owned()),
				// A Fail whose payload nobody can fetch is refuted.
				None => (false, "refuted (no payload matching the claim could be had)".to_owned()),
			};
			let key = CallKey::AuditVote(e, short(&id));
			if self.sends.due(key, self.number) {
				tracing::info!(target: "sprint::audit", "re-run of receipt {:016x}: {why}", short(&id));
				self.state.lock().unwrap_or_else(|p| p.into_inner()).voted.insert(id);
				self.sends
					.send(key, Call::AuditVote { epoch: e, receipt: id, fraud }, self.number)
					.await;
			}
		}
		Ok(())
	}
}
