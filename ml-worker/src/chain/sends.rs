//! The worker's outgoing calls, each keyed by what it is for ([`CallKey`]: `commit/7`,
//! `verdicts/7/0x…`, …), and watched to its fate: a call is sent again only when it never made it into a block (dropped,
//! invalid), or after [`RETRY_FAILED_AFTER`] blocks when it failed on chain, never while one is
//! in flight — so a lagging finality never makes the worker send a call twice.

use std::{
	collections::HashMap,
	fmt,
	sync::{Arc, Mutex},
};

use sprint_core::EpochIndex;

use super::{AccountId, AccountSigner, BlockNumber, Call, Chain, Fate};

/// What an outgoing call is for: at most one call per key is in flight.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CallKey {
	/// `register_host`.
	Register,
	/// `commit_secret` for an epoch.
	Secret(EpochIndex),
	/// `reveal_secret` for an epoch (a validator with no seat in it).
	Reveal(EpochIndex),
	/// `commit` of an epoch's sprint.
	Commit(EpochIndex),
	/// Not a call: the once-per-epoch report that the leaves on disk miss the committed root.
	RootMismatch(EpochIndex),
	/// The verdict on one participant (one call per seat).
	Verdict(EpochIndex, AccountId),
	/// Votes on one participant's claims or posted answers.
	Vote(EpochIndex, VoteOn, AccountId),
	/// The answer to one validator's challenge.
	Answer(EpochIndex, AccountId),
	/// `compensate_displaced` for this host in an epoch.
	Compensation(EpochIndex),
	/// `declare_service`.
	Service,
	/// A batch of receipts, by its first receipt's id.
	Settle(u64),
	/// `claim_fees`, once per epoch.
	ClaimFees(EpochIndex),
	/// A chunk of audits of a settle epoch, by its first receipt's id.
	Audits(EpochIndex, u64),
	/// A re-run vote on a disputed receipt.
	AuditVote(EpochIndex, u64),
	/// A payload posted for a disputed receipt.
	PostPayload(EpochIndex, u64),
	/// A missed ticket reported, by the ticket's hash.
	MissedTicket(u64),
	/// A missed audit reported, by receipt and validator.
	MissedAudit(EpochIndex, u64, u64),
}

/// What a vote is on: fraud claims (answer period) or posted answers (check period).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum VoteOn {
	Claims,
	Answers,
}

impl fmt::Display for CallKey {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Register => write!(f, "register"),
			Self::Secret(e) => write!(f, "secret/{e}"),
			Self::Reveal(e) => write!(f, "reveal/{e}"),
			Self::Commit(e) => write!(f, "commit/{e}"),
			Self::RootMismatch(e) => write!(f, "mismatch/{e}"),
			Self::Verdict(e, p) => write!(f, "verdicts/{e}/0x{}", hex::encode(p)),
			Self::Vote(e, on, p) => write!(f, "vote/{e}/{on:?}/0x{}", hex::encode(p)),
			Self::Answer(e, v) => write!(f, "answer/{e}/0x{}", hex::encode(v)),
			Self::Compensation(e) => write!(f, "compensation/{e}"),
			Self::Service => write!(f, "service"),
			Self::Settle(id) => write!(f, "settle/{id:016x}"),
			Self::ClaimFees(e) => write!(f, "fees/{e}"),
			Self::Audits(e, id) => write!(f, "audits/{e}/{id:016x}"),
			Self::AuditVote(e, id) => write!(f, "audit-vote/{e}/{id:016x}"),
			Self::PostPayload(e, id) => write!(f, "payload/{e}/{id:016x}"),
			Self::MissedTicket(hash) => write!(f, "missed-ticket/{hash:016x}"),
			Self::MissedAudit(e, id, v) => write!(f, "missed-audit/{e}/{id:016x}/{v:016x}"),
		}
	}
}

/// Blocks after a failed call before the same call may be tried again.
pub const RETRY_FAILED_AFTER: BlockNumber = 10;
/// Blocks after which a call still not finalized is presumed lost and may be sent again.
pub const PRESUMED_LOST_AFTER: BlockNumber = 20;

/// Where a call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
	InFlight,
	Landed,
	Failed,
}

/// Tracks and sends this worker's calls.
#[derive(Clone)]
pub struct Sends {
	chain: Chain,
	signer: AccountSigner,
	state: Arc<Mutex<HashMap<CallKey, (State, BlockNumber)>>>,
}

impl Sends {
	pub fn new(chain: Chain, signer: AccountSigner) -> Self {
		Self { chain, signer, state: Arc::default() }
	}

	/// Replaces the connection (after a reconnect).
	pub fn set_chain(&mut self, chain: Chain) {
		self.chain = chain;
	}

	/// Whether the call for `what` may be sent at block `now`; if so, it is marked in flight.
	pub fn due(&self, what: CallKey, now: BlockNumber) -> bool {
		let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
		let due = match state.get(&what) {
			None => true,
			Some((State::InFlight, at)) => now >= at.saturating_add(PRESUMED_LOST_AFTER),
			Some((State::Landed, _)) => false,
			Some((State::Failed, at)) => now >= at.saturating_add(RETRY_FAILED_AFTER),
		};
		if due {
			state.insert(what, (State::InFlight, now));
		}
		due
	}

	/// Where the call for `what` stands (`None`: never sent, or lost and free to send again).
	pub fn state(&self, what: CallKey) -> Option<State> {
		self.state.lock().unwrap_or_else(|p| p.into_inner()).get(&what).map(|(state, _)| *state)
	}

	/// Forgets calls older than `horizon` blocks.
	pub fn forget_older_than(&self, now: BlockNumber, horizon: BlockNumber) {
		let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
		state.retain(|_, (_, at)| now.saturating_sub(*at) < horizon);
	}

	/// Sends `call` for `what` (marked due by [`Self::due`]) and follows it in the background;
	/// the outcome is logged: a failure with the pallet's error, which says what to fix.
	pub async fn send(&self, what: CallKey, call: Call, now: BlockNumber) {
		let (_, name) = call.name();
		match self.chain.submit(&self.signer, &call).await {
			Ok(fate) => {
				tracing::info!("sent {name} ({what})");
				let state = self.state.clone();
				tokio::spawn(async move {
					let fate = fate.await;
					let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
					match fate {
						Fate::Succeeded => {
							tracing::info!("{name} ({what}) finalized");
							let metrics = &crate::metrics::METRICS;
							metrics.calls_landed.with_label_values(&[name]).inc();
							match what {
								CallKey::Commit(_) => metrics.commits.inc(),
								CallKey::Answer(..) => metrics.challenges_answered.inc(),
								_ => {}
							}
							state.insert(what, (State::Landed, now));
						}
						Fate::Failed(error) => {
							tracing::warn!("{name} ({what}) failed on chain: {error}");
							crate::metrics::METRICS
								.calls_failed
								.with_label_values(&[name, &crate::metrics::error_label(&error)])
								.inc();
							state.insert(what, (State::Failed, now));
						}
						Fate::NotIncluded(why) if already_pooled(&why) => {
							// The same signed call is already in the pool (sent again, e.g. after
							// a reconnect): the earlier send is what will land. It stays in
							// flight, and is sent again only if presumed lost.
							tracing::info!("{name} ({what}) is already in the node's pool");
						}
						Fate::NotIncluded(why) => {
							tracing::warn!("{name} ({what}) was not included ({why}); will retry");
							state.remove(&what);
						}
					}
				});
			}
			Err(e) if already_pooled(&e.to_string()) => {
				tracing::info!("{name} ({what}) is already in the node's pool");
			}
			Err(e) => {
				tracing::warn!("{e}; will retry");
				self.state.lock().unwrap_or_else(|p| p.into_inner()).remove(&what);
			}
		}
	}
}

/// Whether a node's refusal says the very same transaction is already in its pool (so the call is
/// in flight, not lost).
fn already_pooled(why: &str) -> bool {
	why.to_ascii_lowercase().contains("already imported")
}

#[cfg(test)]
mod tests {
	use super::already_pooled;

	#[test]
	fn a_duplicate_in_the_pool_is_told_from_a_lost_call() {
		// The pool's two wordings: the watcher's `Invalid` status and the RPC error of a submit.
		assert!(already_pooled("Transaction is already imported"));
		assert!(already_pooled("rpc error: Transaction Already Imported"));
		assert!(!already_pooled("Transaction is outdated"));
		assert!(!already_pooled("Priority is too low: (100 vs 100)"));
	}
}
