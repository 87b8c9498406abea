//! The worker's live dashboard, beside `/metrics` on `metrics_listen` (loopback by default):
//! `GET /dashboard` is one self-contained page (no external assets), `GET /dashboard/events`
//! streams Server-Sent Events, a JSON [`Snapshot`] each time the chain's finalized head moves:
//! the host's [`Status`] as `sprint-worker status` reads it (epoch, phase timeline, outcomes,
//! rewards and their vesting schedule, seats, fees) and this process's own counters (nonces/s,
//! leaves this sprint, verdicts, challenges, proofs served).
//!
//! Snapshots are built only while someone watches, at most one per finalized block.

use std::{convert::Infallible, time::Duration};

use axum::{
	http::header,
	response::{
		sse::{Event, KeepAlive, Sse},
		Html, IntoResponse,
	},
	routing::get,
	Router,
};
use futures::StreamExt as _;
use serde::Serialize;
use tokio::sync::watch;

use crate::{
	chain::{AccountId, Chain},
	metrics::METRICS,
	status::{status_on, Status},
};

/// The page.
const PAGE: &str = include_str!("dashboard.html");

/// Epochs the page lists.
const EPOCHS: u32 = 8;

/// What the page shows at one finalized block.
#[derive(Debug, Serialize)]
pub struct Snapshot {
	/// When the worker saw the block (Unix milliseconds): the page measures its update latency
	/// from it.
	pub block_seen_ms: u128,
	/// When it was built (Unix milliseconds).
	pub built_at_ms: u128,
	pub status: Status,
	pub worker: WorkerCounters,
}

/// This process's counters (see [`crate::metrics`]).
#[derive(Debug, Serialize)]
pub struct WorkerCounters {
	pub nonces_per_second: f64,
	pub sprint_leaves: i64,
	pub nonces_total: u64,
	pub leaves_total: u64,
	pub commits: u64,
	pub proofs_served: u64,
	pub verdicts_valid: u64,
	pub verdicts_fraud: u64,
	pub verdicts_unavailable: u64,
	pub challenges_answered: u64,
	pub inference_answers: u64,
	pub inference_tokens: u64,
	pub inference_settled: u64,
	pub inference_audits: u64,
}

impl WorkerCounters {
	fn now() -> Self {
		let verdicts = |kind: &str| METRICS.verdicts.with_label_values(&[kind]).get();
		Self {
			nonces_per_second: METRICS.nonce_rate.get(),
			sprint_leaves: METRICS.sprint_leaves.get(),
			nonces_total: METRICS.nonces.get(),
			leaves_total: METRICS.leaves.get(),
			commits: METRICS.commits.get(),
			proofs_served: METRICS.proofs_served.get(),
			verdicts_valid: verdicts("valid"),
			verdicts_fraud: verdicts("fraud"),
			verdicts_unavailable: verdicts("unavailable"),
			challenges_answered: METRICS.challenges_answered.get(),
			inference_answers: METRICS.inference_answers.get(),
			inference_tokens: METRICS.inference_tokens.get(),
			inference_settled: METRICS.inference_settled.get(),
			inference_audits: METRICS.inference_audits.get(),
		}
	}
}

/// Feeds the dashboard: call [`Feed::block`] with each finalized block number.
#[derive(Clone)]
pub struct Feed {
	blocks: watch::Sender<(u32, u128)>,
	snapshots: watch::Sender<Option<String>>,
}

impl Feed {
	/// Starts building snapshots of `who` through `chain` as blocks arrive (while watched).
	pub fn start(chain: Chain, who: AccountId) -> Self {
		let (blocks, mut new_block) = watch::channel((0u32, 0u128));
		let (snapshots, _) = watch::channel(None);
		let feed = Self { blocks, snapshots: snapshots.clone() };
		tokio::spawn(async move {
			while new_block.changed().await.is_ok() {
				if snapshots.receiver_count() == 0 {
					continue;
				}
				let (_, block_seen_ms) = *new_block.borrow_and_update();
				match status_on(&chain, who, EPOCHS).await {
					Ok(status) => {
						let snapshot = Snapshot {
							block_seen_ms,
							built_at_ms: unix_ms(),
							status,
							worker: WorkerCounters::now(),
						};
						if let Ok(json) = serde_json::to_string(&snapshot) {
							snapshots.send_replace(Some(json));
						}
					}
					Err(e) => tracing::debug!("dashboard: {e:#}"),
				}
			}
		});
		feed
	}

	/// A new finalized block.
	pub fn block(&self, number: u32) {
		self.blocks.send_replace((number, unix_ms()));
	}

	/// The routes: `/dashboard` and `/dashboard/events`.
	pub fn router(&self) -> Router {
		let snapshots = self.snapshots.clone();
		Router::new()
			.route(
				"/dashboard",
				get(|| async {
					([(header::CACHE_CONTROL, "no-store")], Html(PAGE)).into_response()
				}),
			)
			.route(
				"/dashboard/events",
				get(move || {
					let receiver = snapshots.subscribe();
					async move { events(receiver) }
				}),
			)
	}
}

fn unix_ms() -> u128 {
	std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

/// Each snapshot, the latest first, as an SSE `data:` line.
fn events(receiver: watch::Receiver<Option<String>>) -> impl IntoResponse {
	let stream = futures::stream::unfold((receiver, true), |(mut receiver, first)| async move {
		if !first && receiver.changed().await.is_err() {
			return None;
		}
		let data = receiver.borrow_and_update().clone();
		Some((data, (receiver, false)))
	})
	.filter_map(|data| async move { data })
	.map(|json| Ok::<_, Infallible>(Event::default().data(json)));
	Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
