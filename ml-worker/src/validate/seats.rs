//! Checking all of a validator's seats in an epoch, so that no host can stall the others
//! (docs/protocol.md §4: a verdict must land in the validation window).
//!
//! - Every seat is checked at once (up to [`PARALLEL_SEATS`]): fetching is I/O, so a host that
//!   accepts connections and never replies holds one slot, not the queue; recomputing digests is
//!   serialised by the backend anyway.
//! - Every check has a deadline derived from the window ([`deadline`]); a check still running
//!   then ends as `Unavailable` for every sampled index, which the host can answer on chain.
//! - Each verdict is handed over as soon as its own check ends ([`check_seats`] is a stream), so
//!   an honest host's verdict is sent while slow ones are still being fetched.

use std::time::{Duration, Instant};

use futures::{Stream, StreamExt as _};
use polkadot_sdk::sp_core::H256;
use sprint_core::{sampling::sample_indices, Commitment, Verdict, MAX_SAMPLES};

use super::{check_seat, Checked, EpochWork};
use crate::{chain::AccountId, sprint::backend::BackendError};

/// Seats checked at the same time. High, since a check mostly waits on the network: 256 silent
/// hosts at [`super::fetch::ATTEMPTS`] × [`super::fetch::TIMEOUT`] each still leave the rest of a
/// 50-block window for everyone else.
pub const PARALLEL_SEATS: usize = 256;

/// Blocks kept free at the end of the validation window for the last verdicts to be included.
pub const INCLUSION_MARGIN_BLOCKS: u32 = 3;

/// One seat to check: the participant, this validator's seat number on it, its commitment, and
/// its registered proof URL.
#[derive(Clone, Debug)]
pub struct SeatToCheck {
	pub participant: AccountId,
	pub seat: u32,
	pub commitment: Commitment,
	pub proof_url: Option<String>,
}

/// A seat's verdict, when its check ended.
pub struct SeatChecked {
	pub participant: AccountId,
	pub seat: u32,
	pub checked: Result<Checked, BackendError>,
	pub took: Duration,
}

/// The instant by which checks must end so that verdicts sent then still land in the window:
/// `blocks_left` blocks of `block_time`, less [`INCLUSION_MARGIN_BLOCKS`], and never less than
/// one block from now.
pub fn deadline(now: Instant, blocks_left: u32, block_time: Duration) -> Instant {
	let blocks = blocks_left.saturating_sub(INCLUSION_MARGIN_BLOCKS).max(1);
	now + block_time.saturating_mul(blocks)
}

/// Checks `seats` concurrently, each until `deadline` at the latest, and yields each verdict as
/// soon as its check ends. A check cut off by the deadline yields `Unavailable` for every sampled
/// index: the host did not serve its openings in time.
pub fn check_seats(
	http: reqwest::Client,
	work: EpochWork,
	secret: H256,
	seats: Vec<SeatToCheck>,
	deadline: Instant,
) -> impl Stream<Item = SeatChecked> {
	futures::stream::iter(seats)
		.map(move |seat| {
			let (http, work) = (http.clone(), work.clone());
			async move {
				let started = Instant::now();
				let check = check_seat(
					&http,
					&work,
					seat.participant,
					seat.seat,
					&secret,
					&seat.commitment,
					seat.proof_url.as_deref(),
				);
				let checked = match tokio::time::timeout_at(deadline.into(), check).await {
					Ok(checked) => checked,
					Err(_) => Ok(past_deadline(&work, &secret, &seat, started.elapsed())),
				};
				SeatChecked {
					participant: seat.participant,
					seat: seat.seat,
					checked,
					took: started.elapsed(),
				}
			}
		})
		.buffer_unordered(PARALLEL_SEATS)
}

fn past_deadline(work: &EpochWork, secret: &H256, seat: &SeatToCheck, took: Duration) -> Checked {
	let indices = sample_indices(
		secret,
		&seat.participant,
		&seat.commitment.root,
		seat.commitment.count,
		seat.seat,
		work.samples_per_seat.min(MAX_SAMPLES),
	);
	Checked {
		verdict: Verdict::Unavailable(indices.try_into().expect("at most MAX_SAMPLES; qed")),
		reason: format!("no openings within {:.1} s, the window's deadline", took.as_secs_f64()),
	}
}
