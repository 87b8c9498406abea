//! The worker's outgoing calls, each keyed by what it is for (`commit/7`, `verdicts/7`, …), and
//! watched to its fate: a call is sent again only when it never made it into a block (dropped,
//! invalid), or after [`RETRY_FAILED_AFTER`] blocks when it failed on chain, never while one is
//! in flight — so a lagging finality never makes the worker send a call twice.

use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
};

use super::{AccountSigner, BlockNumber, Call, Chain, Fate};

/// Blocks after a failed call before the same call may be tried again.
pub const RETRY_FAILED_AFTER: BlockNumber = 10;
/// Blocks after which a call still not finalized is presumed lost and may be sent again.
pub const PRESUMED_LOST_AFTER: BlockNumber = 20;

#[derive(Clone, Copy, Debug)]
enum State {
	InFlight,
	Landed,
	Failed,
}

/// Tracks and sends this worker's calls.
#[derive(Clone)]
pub struct Sends {
	chain: Chain,
	signer: AccountSigner,
	state: Arc<Mutex<HashMap<String, (State, BlockNumber)>>>,
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
	pub fn due(&self, what: &str, now: BlockNumber) -> bool {
		let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
		let due = match state.get(what) {
			None => true,
			Some((State::InFlight, at)) => now >= at.saturating_add(PRESUMED_LOST_AFTER),
			Some((State::Landed, _)) => false,
			Some((State::Failed, at)) => now >= at.saturating_add(RETRY_FAILED_AFTER),
		};
		if due {
			state.insert(what.to_string(), (State::InFlight, now));
		}
		due
	}

	/// Forgets calls older than `horizon` blocks.
	pub fn forget_older_than(&self, now: BlockNumber, horizon: BlockNumber) {
		let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
		state.retain(|_, (_, at)| now.saturating_sub(*at) < horizon);
	}

	/// Sends `call` for `what` (marked due by [`Self::due`]) and follows it in the background;
	/// the outcome is logged: a failure with the pallet's error, which says what to fix.
	pub async fn send(&self, what: String, call: Call, now: BlockNumber) {
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
							state.insert(what, (State::Landed, now));
						}
						Fate::Failed(error) => {
							tracing::warn!("{name} ({what}) failed on chain: {error}");
							state.insert(what, (State::Failed, now));
						}
						Fate::NotIncluded(why) => {
							tracing::warn!("{name} ({what}) was not included ({why}); will retry");
							state.remove(&what);
						}
					}
				});
			}
			Err(e) => {
				tracing::warn!("{e}; will retry");
				self.state.lock().unwrap_or_else(|p| p.into_inner()).remove(&what);
			}
		}
	}
}
