//! Validation (docs/protocol.md §4): what a worker does in its seats.
//!
//! - In the validation window, for each participant P it checks: derive P's sample indices from
//!   this worker's secret ([`sprint_core::sampling::sample_indices`], the runtime's own function),
//!   fetch the signed openings from P's proof server ([`fetch`], bounded retries), check each
//!   exactly as the runtime will (signature, path, order, target: [`sprint_core::opening::check`])
//!   and recompute each nonce's digest. The verdict: `Fraud` with the first opening that fails,
//!   `Unavailable` naming every sampled index when P did not serve them (P must then post them
//!   on chain), else `Valid`. All seats are checked at once, each against a deadline derived
//!   from the window, each verdict sent as soon as its check ends ([`seats`]). Off dev and local
//!   chains a proof URL is resolved once, every address checked, and the request pinned to it
//!   ([`fetch::pinned_client`]).
//! - In the answer period it votes on the seats' fraud claims, and in the check period on the
//!   leaves P posted to answer a challenge — its own challenge's first of all, since that vote is
//!   its verdict for the seat — by recomputing those nonces from on-chain data.

pub mod cost;
pub mod fetch;
pub mod seats;
pub mod secret;

use std::sync::{Arc, Mutex};

use polkadot_sdk::sp_core::H256;
use sprint_core::{
	opening::Fault, sampling::sample_indices, Commitment, EpochIndex, Leaf, PostedLeaf, Verdict,
	MAX_SAMPLES,
};

use crate::{
	chain::AccountId,
	model::Weights,
	proofs::check,
	sprint::backend::{Backend, BackendError},
};

/// What a validator needs to recompute nonces of one epoch.
#[derive(Clone)]
pub struct EpochWork {
	pub epoch: EpochIndex,
	pub genesis_hash: H256,
	pub seed: H256,
	pub target: H256,
	pub samples_per_seat: u32,
	/// Whether proof URLs on private addresses are fetched (dev and local chains only).
	pub allow_private_urls: bool,
	pub weights: Arc<Weights>,
	pub backend: Arc<Mutex<Backend>>,
}

impl EpochWork {
	/// The true digests of `nonces` for `participant` (run off the async runtime).
	pub async fn digests(
		&self,
		participant: AccountId,
		nonces: Vec<u64>,
	) -> Result<Vec<H256>, BackendError> {
		let work = self.clone();
		tokio::task::spawn_blocking(move || {
			let mut backend = work.backend.lock().unwrap_or_else(|p| p.into_inner());
			backend
				.digests(&work.weights, &work.seed.0, &participant, &nonces)
				.map(|d| d.into_iter().map(H256).collect())
		})
		.await
		.expect("the PoW never panics on a valid shape; qed")
	}

	/// Whether `leaf` is what `participant`'s PoW gives for its nonce.
	pub async fn leaf_is_true(
		&self,
		participant: AccountId,
		leaf: &Leaf,
	) -> Result<bool, BackendError> {
		Ok(self.digests(participant, vec![leaf.nonce]).await?.first() == Some(&leaf.digest))
	}
}

/// A seat's verdict and why, for the log.
pub struct Checked {
	pub verdict: Verdict,
	pub reason: String,
}

/// Checks `participant` (committed `commitment`, proof server at `proof_url`) from seat `seat`
/// with this worker's `secret`.
pub async fn check_seat(
	http: &reqwest::Client,
	work: &EpochWork,
	participant: AccountId,
	seat: u32,
	secret: &H256,
	commitment: &Commitment,
	proof_url: Option<&str>,
) -> Result<Checked, BackendError> {
	let indices = sample_indices(
		secret,
		&participant,
		&commitment.root,
		commitment.count,
		seat,
		work.samples_per_seat.min(MAX_SAMPLES),
	);
	let unavailable = |reason: String| Checked {
		verdict: Verdict::Unavailable(
			indices.clone().try_into().expect("at most MAX_SAMPLES indices; qed"),
		),
		reason,
	};
	let Some(url) = proof_url else {
		return Ok(unavailable("the host has no proof server registered".into()));
	};
	let http = match fetch::pinned_client(url, work.allow_private_urls, http).await {
		Ok(http) => http,
		Err(why) => return Ok(unavailable(format!("its proof URL {url} is refused: {why}"))),
	};
	let openings = match fetch::openings(&http, url, work.epoch, &indices).await {
		Ok(openings) => openings,
		Err(e) => return Ok(unavailable(e.to_string())),
	};
	let mut sound = Vec::with_capacity(openings.len());
	for signed in openings {
		match check(
			&signed,
			&commitment.proof_key,
			&work.genesis_hash,
			work.epoch,
			&participant,
			commitment,
			&work.target,
		) {
			Ok(()) => sound.push(signed),
			Err(fault @ (Fault::BrokenProof | Fault::BadLeaf)) => {
				let index = signed.opening.index;
				let what = match fault {
					Fault::BadLeaf => "misses the target",
					_ => "fails its path or order",
				};
				return Ok(Checked {
					verdict: Verdict::Fraud(signed),
					reason: format!("opening of leaf {index} {what}"),
				});
			}
			Err(Fault::BadSignature) => {
				return Ok(unavailable(format!(
					"the opening of leaf {} is not signed by the host's proof key",
					signed.opening.index
				)))
			}
		}
	}
	let nonces = sound.iter().map(|s| s.opening.leaf.nonce).collect();
	let digests = work.digests(participant, nonces).await?;
	if let Some((signed, _)) =
		sound.iter().zip(&digests).find(|(s, d)| s.opening.leaf.digest != **d)
	{
		let (index, nonce) = (signed.opening.index, signed.opening.leaf.nonce);
		return Ok(Checked {
			verdict: Verdict::Fraud(signed.clone()),
			reason: format!("leaf {index}: nonce {nonce}'s digest is not the PoW's"),
		});
	}
	Ok(Checked {
		verdict: Verdict::Valid,
		reason: format!("{} sampled leaves recomputed", sound.len()),
	})
}

/// The vote on posted `answer` leaves: the first whose digest is wrong, or `None` (all good).
pub async fn vote_on_answer(
	work: &EpochWork,
	participant: AccountId,
	answer: &[PostedLeaf],
) -> Result<Option<u32>, BackendError> {
	let digests = work.digests(participant, answer.iter().map(|p| p.leaf.nonce).collect()).await?;
	Ok(answer.iter().zip(&digests).find(|(p, d)| p.leaf.digest != **d).map(|(p, _)| p.index))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		model::ModelShape,
		proofs::{server, Committed},
		sprint::{
			leaves::LeafStore,
			search::{search, Cheat},
		},
	};
	use polkadot_sdk::sp_core::{crypto::Pair as _, sr25519};

	const SEED: [u8; 32] = [8; 32];
	const HOST: AccountId = [5; 32];

	fn target() -> H256 {
		let mut t = [0xff; 32];
		t[0] = 0x1f; // one in 8
		H256(t)
	}

	fn work() -> EpochWork {
		EpochWork {
			epoch: 2,
			genesis_hash: H256::repeat_byte(3),
			seed: H256(SEED),
			target: target(),
			samples_per_seat: 32,
			allow_private_urls: true,
			weights: Arc::new(Weights::generate(&SEED, ModelShape::DEV)),
			backend: Arc::new(Mutex::new(Backend::cpu(2))),
		}
	}

	/// A host's sprint of 400 nonces, served on loopback; returns its URL and commitment.
	async fn host(cheat: Cheat, withhold: bool) -> (String, Commitment) {
		let work = work();
		let dir = std::env::temp_dir()
			.join(format!("sprint-validate-{}-{cheat:?}-{withhold}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let mut store = LeafStore::open(dir.join("leaves")).expect("opens");
		let mut backend = Backend::cpu(2);
		search(
			&mut backend,
			&work.weights,
			&SEED,
			&HOST,
			&work.target.0,
			&mut store,
			0,
			400,
			cheat,
		)
		.expect("searches");
		let proof = sr25519::Pair::from_string("//Host//proof", None).expect("dev URI");
		let committed = Committed::new(work.epoch, HOST, store.leaves(), proof.public().0);
		let commitment = committed.commitment;
		let state = server::ProofState::new(proof, work.genesis_hash, withhold);
		state.insert(committed);
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
		let url = format!("http://{}", listener.local_addr().expect("bound"));
		tokio::spawn(async move { axum::serve(listener, server::router(state)).await });
		let _ = std::fs::remove_dir_all(&dir);
		(url, commitment)
	}

	async fn verdict_on(cheat: Cheat, withhold: bool) -> Verdict {
		let (url, commitment) = host(cheat, withhold).await;
		let secret = H256::repeat_byte(0x42);
		let http = reqwest::Client::new();
		check_seat(&http, &work(), HOST, 0, &secret, &commitment, Some(&url))
			.await
			.expect("the PoW runs")
			.verdict
	}

	#[tokio::test]
	async fn an_honest_host_is_valid() {
		assert_eq!(verdict_on(Cheat::default(), false).await, Verdict::Valid);
	}

	#[tokio::test]
	async fn a_host_faking_half_its_leaves_is_caught_with_its_own_signed_opening() {
		let Verdict::Fraud(signed) = verdict_on(Cheat { fake_even_nonces: true }, false).await
		else {
			panic!("a faked leaf among 32 samples is found");
		};
		let leaf = signed.opening.leaf;
		assert_eq!(leaf.nonce % 2, 0, "the faked leaves are the even nonces");
		assert!(!work().leaf_is_true(HOST, &leaf).await.expect("runs"));
	}

	#[tokio::test]
	async fn a_withholding_host_is_challenged_for_every_sampled_index() {
		let Verdict::Unavailable(indices) = verdict_on(Cheat::default(), true).await else {
			panic!("no openings, no verdict but Unavailable");
		};
		assert_eq!(indices.len(), 32);
	}

	#[tokio::test]
	async fn twenty_silent_hosts_never_delay_an_honest_hosts_verdict() {
		use futures::StreamExt as _;
		use seats::{check_seats, SeatToCheck};
		use std::time::{Duration, Instant};

		// Twenty proof servers that accept connections and never reply.
		let mut seats = Vec::new();
		for i in 0..20u8 {
			let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
			let url = format!("http://{}", listener.local_addr().expect("bound"));
			tokio::spawn(async move {
				let mut open = Vec::new();
				while let Ok((socket, _)) = listener.accept().await {
					open.push(socket);
				}
			});
			let commitment =
				Commitment { root: H256::repeat_byte(i), count: 400, proof_key: [0; 32] };
			seats.push(SeatToCheck {
				participant: [100 + i; 32],
				seat: 0,
				commitment,
				proof_url: Some(url),
			});
		}
		// One honest host, last in line.
		let (url, commitment) = host(Cheat::default(), false).await;
		seats.push(SeatToCheck { participant: HOST, seat: 0, commitment, proof_url: Some(url) });

		let started = Instant::now();
		let deadline = started + Duration::from_secs(4);
		let secret = H256::repeat_byte(0x42);
		let checks = check_seats(fetch::client(), work(), secret, seats, deadline);
		let mut checks = std::pin::pin!(checks);
		let mut verdicts = Vec::new();
		while let Some(seat) = checks.next().await {
			let verdict = seat.checked.expect("the PoW runs").verdict;
			verdicts.push((seat.participant, verdict, started.elapsed()));
		}
		assert_eq!(verdicts.len(), 21);
		let (first, verdict, at) = &verdicts[0];
		assert_eq!((*first, verdict), (HOST, &Verdict::Valid), "the honest verdict comes first");
		assert!(*at < fetch::TIMEOUT, "before any silent host's first attempt times out: {at:?}");
		for (_, verdict, at) in &verdicts[1..] {
			let Verdict::Unavailable(indices) = verdict else { panic!("silent: {verdict:?}") };
			assert_eq!(indices.len(), 32, "every sampled index");
			assert!(
				*at < Duration::from_secs(5),
				"cut off at the deadline, not after retries: {at:?}"
			);
		}
	}
}
