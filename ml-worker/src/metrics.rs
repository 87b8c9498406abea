//! The worker's Prometheus metrics, served as text on `GET /metrics` at `metrics_listen`
//! (loopback, port 9616, by default: the node's own metrics are on 9615).
//!
//! Names follow Prometheus conventions: the `sprint_worker_` prefix, `_total` on counters, base
//! units, labels of bounded cardinality (a call's name, an error's `pallet.Error`, a verdict's
//! kind, an outcome). One registry per process ([`METRICS`]): the worker runs one chain loop.

use std::{net::SocketAddr, sync::LazyLock};

use axum::{http::header, routing::get, Router};
use prometheus::{
	Encoder, Gauge, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Every metric the worker exports.
pub struct Metrics {
	registry: Registry,
	/// The chain's running epoch, as the worker last saw it.
	pub epoch: IntGauge,
	/// Nonces tried, over all sprints.
	pub nonces: IntCounter,
	/// Nonces per second of the running (or last) sprint.
	pub nonce_rate: Gauge,
	/// Valid leaves found, over all sprints.
	pub leaves: IntCounter,
	/// Valid leaves of the running (or last) sprint.
	pub sprint_leaves: IntGauge,
	/// Commitments that landed on chain.
	pub commits: IntCounter,
	/// Openings served by the proof server.
	pub proofs_served: IntCounter,
	/// Verdicts this validator sent, by kind (`valid`, `fraud`, `unavailable`).
	pub verdicts: IntCounterVec,
	/// Challenges to this host answered on chain.
	pub challenges_answered: IntCounter,
	/// Calls that landed, by call.
	pub calls_landed: IntCounterVec,
	/// Calls the chain refused, by call and `pallet.Error`.
	pub calls_failed: IntCounterVec,
	/// The tally's decisions on this host's epochs, by outcome.
	pub outcomes: IntCounterVec,
	/// The PoW's GPU adapter (1), labelled with its name, backend, device type and driver.
	pub gpu_adapter: IntGaugeVec,
	/// Inference answers this executor finished.
	pub inference_answers: IntCounter,
	/// Tokens (prompt and completion) of those answers.
	pub inference_tokens: IntCounter,
	/// Receipts of this executor settled on chain.
	pub inference_settled: IntCounter,
	/// Audits this validator submitted.
	pub inference_audits: IntCounter,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
	fn new() -> Self {
		let registry = Registry::new();
		macro_rules! register {
			($metric:expr) => {{
				let metric = $metric.expect("a valid, constant name and help; qed");
				registry
					.register(Box::new(metric.clone()))
					.expect("each metric is registered once, under its own name; qed");
				metric
			}};
		}
		let opts = |name: &str, help: &str| Opts::new(format!("sprint_worker_{name}"), help);
		Self {
			epoch: register!(IntGauge::with_opts(opts("epoch", "The chain's running epoch."))),
			nonces: register!(IntCounter::with_opts(opts(
				"nonces_total",
				"Nonces tried by this host's sprints."
			))),
			nonce_rate: register!(Gauge::with_opts(opts(
				"nonces_per_second",
				"Nonces per second of the running or last sprint."
			))),
			leaves: register!(IntCounter::with_opts(opts(
				"leaves_total",
				"Valid leaves (digests under the target) found by this host's sprints."
			))),
			sprint_leaves: register!(IntGauge::with_opts(opts(
				"sprint_leaves",
				"Valid leaves of the running or last sprint."
			))),
			commits: register!(IntCounter::with_opts(opts(
				"commits_total",
				"Sprint commitments of this host that landed on chain."
			))),
			proofs_served: register!(IntCounter::with_opts(opts(
				"proofs_served_total",
				"Openings (leaf and path) served by the proof server."
			))),
			verdicts: register!(IntCounterVec::new(
				opts("verdicts_total", "Verdicts sent by this validator, by kind."),
				&["kind"]
			)),
			challenges_answered: register!(IntCounter::with_opts(opts(
				"challenges_answered_total",
				"Challenges to this host answered on chain."
			))),
			calls_landed: register!(IntCounterVec::new(
				opts("calls_landed_total", "Calls of this worker finalized successfully."),
				&["call"]
			)),
			calls_failed: register!(IntCounterVec::new(
				opts("calls_failed_total", "Calls of this worker the chain refused, by error."),
				&["call", "error"]
			)),
			outcomes: register!(IntCounterVec::new(
				opts("outcomes_total", "The tally's decisions on this host's epochs."),
				&["outcome"]
			)),
			gpu_adapter: register!(IntGaugeVec::new(
				opts("gpu_adapter_info", "The GPU adapter the PoW runs on (value 1)."),
				&["name", "backend", "device_type", "driver"]
			)),
			inference_answers: register!(IntCounter::with_opts(opts(
				"inference_answers_total",
				"Inference answers this executor finished."
			))),
			inference_tokens: register!(IntCounter::with_opts(opts(
				"inference_tokens_served_total",
				"Tokens (prompt and completion) of the answers this executor finished."
			))),
			inference_settled: register!(IntCounter::with_opts(opts(
				"inference_receipts_settled_total",
				"Receipts of this executor settled on chain."
			))),
			inference_audits: register!(IntCounter::with_opts(opts(
				"inference_audits_total",
				"Inference audits this validator submitted."
			))),
			registry,
		}
	}

	/// Raises `counter` to `total` (a count kept elsewhere in the process).
	pub fn catch_up(counter: &IntCounter, total: u64) {
		counter.inc_by(total.saturating_sub(counter.get()));
	}

	/// The metrics in Prometheus' text format.
	pub fn render(&self) -> String {
		let mut out = Vec::new();
		// Writing to a Vec cannot fail, and every metric is well-formed by construction.
		let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
		String::from_utf8_lossy(&out).into_owned()
	}
}

/// The label of a refused call's error: `pallet.Error` where the chain's message names one
/// (`Poc::NotInCommitWindow`, or `poc.NotInCommitWindow`), else `other`.
pub fn error_label(message: &str) -> String {
	let token = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':';
	for word in message.split(|c: char| !token(c)) {
		let Some((pallet, error)) = word.split_once("::").or_else(|| word.split_once('.')) else {
			continue;
		};
		let alphanumeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
		if alphanumeric(pallet)
			&& alphanumeric(error)
			&& pallet.starts_with(|c: char| c.is_ascii_alphabetic())
			&& error.starts_with(|c: char| c.is_ascii_uppercase())
		{
			return format!("{}{}.{error}", pallet[..1].to_ascii_lowercase(), &pallet[1..]);
		}
	}
	"other".to_owned()
}

/// Binds `listen` (fails at once if taken) and serves `GET /metrics`, and `routes` beside it,
/// until the process ends.
pub async fn bind(
	listen: SocketAddr,
	routes: Router,
) -> std::io::Result<impl std::future::Future<Output = std::io::Result<()>>> {
	let listener = tokio::net::TcpListener::bind(listen).await?;
	let app = routes.route(
		"/metrics",
		get(|| async { ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], METRICS.render()) }),
	);
	Ok(async move { axum::serve(listener, app).await })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn errors_are_labelled_by_pallet_and_name() {
		assert_eq!(error_label("Pallet error: Poc::NotInCommitWindow"), "poc.NotInCommitWindow");
		assert_eq!(error_label("failed: poc.AlreadyCommitted"), "poc.AlreadyCommitted");
		assert_eq!(
			error_label("Module error: Collateral::BondTooLow { .. }"),
			"collateral.BondTooLow"
		);
		assert_eq!(error_label("the node went away. Retrying"), "other");
		assert_eq!(error_label("Other: BadOrigin"), "other");
	}

	#[test]
	fn renders_in_the_text_format_with_conventional_names() {
		METRICS.nonces.inc_by(5);
		METRICS.verdicts.with_label_values(&["valid"]).inc();
		METRICS.calls_failed.with_label_values(&["commit", "poc.NotInCommitWindow"]).inc();
		let text = METRICS.render();
		assert!(text.contains("# TYPE sprint_worker_nonces_total counter"), "{text}");
		assert!(text.contains("sprint_worker_verdicts_total{kind=\"valid\"} 1"), "{text}");
		assert!(text.contains(
			"sprint_worker_calls_failed_total{call=\"commit\",error=\"poc.NotInCommitWindow\"} 1"
		));
		assert!(text.contains("# TYPE sprint_worker_nonces_per_second gauge"));
	}
}
