//! Benchmarks of pallet-poc: every call, and every step the hooks run (the seat draw, the three
//! tally stages and their ends, pruning), each in its worst case. `make bench` runs them through
//! `sprint-node benchmark pallet` to generate `weights.rs`.
//!
//! Openings come from a real tree of [`LEAVES`] leaves: the cost of checking one is dominated by
//! its sr25519 verification, not by its path (a path 19 levels deep, the production worst case,
//! adds ~26 blake2 hashes of 75 bytes, a few microseconds).

use super::*;
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		pallet_prelude::ConstU32,
		traits::{Get, Hooks},
		BoundedVec,
	},
	frame_system::RawOrigin,
	sp_core::{crypto::KeyTypeId, sr25519},
	sp_crypto_hashing::blake2_256,
	sp_io,
};
use sprint_primitives::merkle::Tree;

/// The key type under which the benchmarks keep their proof keys.
const PROOF_KEY: KeyTypeId = KeyTypeId(*b"sprf");

/// Leaves in the benchmarks' trees.
const LEAVES: u32 = 128;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::BenchmarkHelper::fund(&who);
	who
}

/// Puts the chain in `phase` of `epoch` (the current epoch), with a target every digest meets.
fn enter_phase<T: Config>(epoch: EpochIndex, phase: Phase) -> PocParams {
	let params = Params::<T>::get().unwrap_or_else(PocParams::dev_defaults);
	let offset = match phase {
		Phase::Generation => 0,
		Phase::Commit => params.generation_window,
		Phase::Validation => params.generation_window + params.commit_window,
		Phase::Answer => params.generation_window + params.commit_window + params.validation_window,
		Phase::Check => {
			params.generation_window
				+ params.commit_window
				+ params.validation_window
				+ params.answer_period
		}
		Phase::Tally => params.epoch_length - 1,
	};
	CurrentEpoch::<T>::put(epoch);
	EpochStart::<T>::put(BlockNumberFor::<T>::from(1u32));
	EpochParams::<T>::insert(epoch, params.clone());
	Seeds::<T>::insert(epoch, H256::repeat_byte(1));
	Targets::<T>::insert(epoch, H256::repeat_byte(0xff));
	frame_system::Pallet::<T>::set_block_number(BlockNumberFor::<T>::from(1 + offset));
	params
}

fn leaves() -> Vec<(u64, [u8; 32])> {
	(0..LEAVES).map(|i| (u64::from(3 * i + 1), blake2_256(&i.to_le_bytes()))).collect()
}

fn proof_key() -> sr25519::Public {
	sp_io::crypto::sr25519_generate(PROOF_KEY, None)
}

/// A committed host with a proof key, a tree of [`LEAVES`] leaves and its commitment.
fn committed_host<T: Config>(
	name: &'static str,
	index: u32,
	epoch: EpochIndex,
) -> (T::AccountId, sr25519::Public, Tree) {
	let host = funded::<T>(name, index);
	let key = proof_key();
	let tree = Tree::new(&leaves());
	let commitment = Commitment { root: H256(tree.root()), count: LEAVES, proof_key: key.0 };
	Commitments::<T>::insert(epoch, &host, commitment);
	(host, key, tree)
}

fn opening(tree: &Tree, index: u32) -> Opening {
	let all = leaves();
	let leaf = |i: u32| Leaf { nonce: all[i as usize].0, digest: H256(all[i as usize].1) };
	let path = |i: u32| -> Path {
		BoundedVec::truncate_from(tree.path(i).into_iter().map(H256).collect::<Vec<_>>())
	};
	Opening {
		index,
		leaf: leaf(index),
		path: path(index),
		next: (index + 1 < LEAVES).then(|| (leaf(index + 1), path(index + 1))),
	}
}

fn sign<T: Config>(
	key: &sr25519::Public,
	epoch: EpochIndex,
	host: &T::AccountId,
	opening: Opening,
) -> SignedOpening {
	let commitment = Commitments::<T>::get(epoch, host).expect("committed above; qed");
	let payload =
		opening::signing_payload(&Pallet::<T>::genesis_hash(), epoch, host, &commitment, &opening);
	let signature = sp_io::crypto::sr25519_sign(PROOF_KEY, key, &payload)
		.expect("the key was generated in this keystore; qed");
	SignedOpening { opening, signature: signature.0 }
}

/// `validator` sits in seat `number` of `participant`'s `seats` seats (the others held by
/// stand-ins), with its secret committed.
fn seat<T: Config>(epoch: EpochIndex, participant: &T::AccountId, seats: &[T::AccountId]) {
	let mut list = BoundedVec::<Seat<T::AccountId>, ConstU32<MAX_SEATS>>::default();
	for (number, validator) in seats.iter().enumerate() {
		Assignments::<T>::insert((epoch, validator, participant), number as u32);
		let _ = list.try_push(Seat {
			validator: validator.clone(),
			verdict: SeatVerdict::Silent,
			votes: Default::default(),
		});
	}
	Seats::<T>::insert(epoch, participant, list);
}

fn secret_of(index: u32) -> H256 {
	H256(blake2_256(&(b"benchmark secret", index).encode()))
}

fn with_secret<T: Config>(epoch: EpochIndex, validator: &T::AccountId, index: u32) -> H256 {
	let secret = secret_of(index);
	SecretCommitments::<T>::insert(epoch, validator, H256(blake2_256(secret.as_ref())));
	secret
}

/// A full ranking heap of `cap` entries at `epoch` — weights 1, 2, …, so a newcomer heavier than
/// all sifts to the bottom — with `each(slot)` storing what the slot holds.
fn fill_ranks<T: Config>(epoch: EpochIndex, cap: u32, mut each: impl FnMut(u32)) {
	for slot in 0..cap {
		let rank = Rank { weight: u128::from(slot) + 1, slot };
		ParticipantRanks::<T>::insert(epoch, slot, rank);
		SecretCommitterRanks::<T>::insert(epoch, slot, rank);
		each(slot);
	}
}

use codec::Encode;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_host() {
		let caller = funded::<T>("host", 0);
		// The longest valid URL: every byte is checked.
		let mut url = b"http://".to_vec();
		url.resize(256, b'x');
		let metadata = vec![b'm'; 1024];

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), [7; 32], url, metadata);

		assert!(Hosts::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn deregister_host() {
		let caller = funded::<T>("host", 0);
		Pallet::<T>::register_host(
			RawOrigin::Signed(caller.clone()).into(),
			[7; 32],
			b"http://127.0.0.1:8090".to_vec(),
			vec![],
		)
		.expect("funded above; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(!Hosts::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn commit_secret() {
		let caller = funded::<T>("validator", 0);
		Pallet::<T>::register_host(
			RawOrigin::Signed(caller.clone()).into(),
			[7; 32],
			b"http://127.0.0.1:8090".to_vec(),
			vec![],
		)
		.expect("funded above; qed");
		enter_phase::<T>(0, Phase::Tally);
		// The worst case: the cap is full at the runtime's largest, and the caller displaces
		// the lightest commitment, which sifts through every level of the heap.
		let cap = T::MaxParticipants::get();
		let mut params = Params::<T>::get().unwrap_or_else(PocParams::dev_defaults);
		params.max_participants = cap;
		Params::<T>::put(params);
		fill_ranks::<T>(2, cap, |slot| {
			let who: T::AccountId = account("committer", slot, 0);
			SecretCommitters::<T>::insert(2, slot, &who);
			SecretCommitments::<T>::insert(2, &who, H256::repeat_byte(9));
		});
		SecretCommitterCount::<T>::insert(2, cap);
		LastAccepted::<T>::put(0);
		AcceptedWeights::<T>::insert(0, &caller, u128::MAX);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), 2, H256::repeat_byte(3));

		assert!(SecretCommitments::<T>::contains_key(2, &caller));
		assert_eq!(SecretCommitterCount::<T>::get(2), cap);
	}

	/// Governance sets the parameters: checked as genesis checks them (the hook-work model at
	/// the cap included).
	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin = <T::ParamsOrigin as polkadot_sdk::frame_support::traits::EnsureOrigin<
			T::RuntimeOrigin,
		>>::try_successful_origin()
		.map_err(|_| BenchmarkError::Weightless)?;
		let params = PocParams::production_defaults();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());

		assert_eq!(Params::<T>::get(), Some(params));
		Ok(())
	}

	#[benchmark]
	fn reveal_secret() {
		enter_phase::<T>(0, Phase::Validation);
		let caller = funded::<T>("validator", 0);
		let secret = with_secret::<T>(0, &caller, 0);
		RevealDigest::<T>::insert(0, H256::repeat_byte(1));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), 0, secret);

		assert_eq!(RevealedSecrets::<T>::get(0, &caller), Some(secret));
	}

	/// A committer that never revealed: the silent seat's forfeit and slash.
	#[benchmark]
	fn tally_reveal_step() {
		enter_phase::<T>(0, Phase::Tally);
		let validator = funded::<T>("validator", 0);
		T::HostBond::bond_host(&validator).expect("funded above; qed");
		with_secret::<T>(0, &validator, 0);

		#[block]
		{
			Pallet::<T>::check_reveal(0, &validator);
		}

		assert!(Forfeited::<T>::contains_key(0, &validator));
	}

	#[benchmark]
	fn commit() {
		let caller = funded::<T>("host", 0);
		Pallet::<T>::register_host(
			RawOrigin::Signed(caller.clone()).into(),
			[7; 32],
			b"http://127.0.0.1:8090".to_vec(),
			vec![],
		)
		.expect("funded above; qed");
		let mut params = enter_phase::<T>(0, Phase::Commit);
		// The worst case: the cap is full at the runtime's largest, and the caller displaces
		// the smallest participant, whose slot sifts through every level of the heap.
		let cap = T::MaxParticipants::get();
		params.max_participants = cap;
		EpochParams::<T>::insert(0, params.clone());
		fill_ranks::<T>(0, cap, |slot| {
			let who: T::AccountId = account("participant", slot, 0);
			Participants::<T>::insert(0, slot, &who);
			Commitments::<T>::insert(
				0,
				&who,
				Commitment { root: H256::repeat_byte(1), count: slot + 1, proof_key: [1; 32] },
			);
		});
		CommitmentCount::<T>::insert(0, cap);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), 0, H256::repeat_byte(5), params.max_count);

		assert!(Commitments::<T>::contains_key(0, &caller));
		assert_eq!(DisplacedCount::<T>::get(0), 1);
	}

	/// A displaced host is paid its expected reward from the bond of its slot's holder.
	#[benchmark]
	fn compensate_displaced() {
		let displaced = funded::<T>("displaced", 0);
		let holder = funded::<T>("holder", 0);
		Pallet::<T>::register_host(
			RawOrigin::Signed(holder.clone()).into(),
			[7; 32],
			b"http://127.0.0.1:8090".to_vec(),
			vec![],
		)
		.expect("funded above; qed");
		enter_phase::<T>(1, Phase::Commit);
		Participants::<T>::insert(0, 0, &holder);
		Displaced::<T>::insert(0, &displaced, Displacement { slot: 0, count: 100, settled: false });
		Outcomes::<T>::insert(0, &holder, TallyLine { outcome: Outcome::Rejected, activated: 200 });
		let mut tally = TallyProgress::at(TallyStage::Done);
		tally.total_weight = 200;
		tally.cap = u128::MAX;
		TallyStatus::<T>::insert(0, tally);

		#[extrinsic_call]
		_(RawOrigin::Signed(displaced.clone()), 0, displaced.clone());

		assert!(Displaced::<T>::get(0, &displaced).is_some_and(|d| d.settled));
	}

	/// `n` `Fraud` verdicts with sound openings: each costs a signature and two paths.
	#[benchmark]
	fn submit_verdicts(n: Linear<1, MAX_VERDICTS_PER_CHUNK>) {
		let params = enter_phase::<T>(0, Phase::Validation);
		let validator = funded::<T>("validator", 0);
		let secret = with_secret::<T>(0, &validator, 0);
		let mut verdicts = Vec::new();
		for i in 0..n {
			let (host, key, tree) = committed_host::<T>("host", i, 0);
			seat::<T>(0, &host, core::slice::from_ref(&validator));
			let sampled = sampling::sample_indices(
				&secret,
				&host,
				&H256(tree.root()),
				LEAVES,
				0,
				params.samples_per_seat,
			);
			let index = sampled.into_iter().find(|i| *i + 1 < LEAVES).unwrap_or(0);
			verdicts.push((
				host.clone(),
				Verdict::Fraud(sign::<T>(&key, 0, &host, opening(&tree, index))),
			));
		}
		let verdicts = BoundedVec::truncate_from(verdicts);

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), 0, Some(secret), verdicts);

		assert!(RevealedSecrets::<T>::contains_key(0, &validator));
	}

	/// An answer of `n` openings, each checked in full.
	#[benchmark]
	fn answer_challenge(n: Linear<1, MAX_SAMPLES>) {
		enter_phase::<T>(0, Phase::Answer);
		let validator = funded::<T>("validator", 0);
		let (host, key, tree) = committed_host::<T>("host", 0, 0);
		seat::<T>(0, &host, core::slice::from_ref(&validator));
		let indices: Vec<u32> = (0..n).collect();
		Seats::<T>::mutate(0, &host, |seats| {
			if let Some(seat) = seats.as_mut().and_then(|s| s.get_mut(0)) {
				seat.verdict = SeatVerdict::Unavailable {
					indices: BoundedVec::truncate_from(indices.clone()),
					answer: None,
				};
			}
		});
		let openings = BoundedVec::truncate_from(
			indices
				.iter()
				.map(|i| sign::<T>(&key, 0, &host, opening(&tree, *i)))
				.collect::<Vec<_>>(),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(host.clone()), 0, validator, openings);

		let seats = Seats::<T>::get(0, &host).expect("seated above; qed");
		assert!(matches!(seats[0].verdict, SeatVerdict::Unavailable { answer: Some(_), .. }));
	}

	/// `n` votes on `n` claims about one participant with the most seats.
	#[benchmark]
	fn vote(n: Linear<1, MAX_SEATS>) {
		enter_phase::<T>(0, Phase::Answer);
		let (host, _, _) = committed_host::<T>("host", 0, 0);
		let validators: Vec<T::AccountId> =
			(0..MAX_SEATS).map(|i| account("validator", i, 0)).collect();
		seat::<T>(0, &host, &validators);
		Seats::<T>::mutate(0, &host, |seats| {
			for seat in seats.iter_mut().flat_map(|s| s.iter_mut()) {
				seat.verdict = SeatVerdict::FraudClaim {
					index: 3,
					leaf: Leaf { nonce: 10, digest: H256::zero() },
				};
			}
		});
		let votes = BoundedVec::truncate_from((0..n).map(|s| (s, Some(3))).collect::<Vec<_>>());

		#[extrinsic_call]
		_(RawOrigin::Signed(validators[0].clone()), 0, host.clone(), votes);

		let seats = Seats::<T>::get(0, &host).expect("seated above; qed");
		assert_eq!(seats[0].votes.len(), 1);
	}

	/// Filtering a pool of `v` candidates (secret, jail and bond checks) at the draw's first
	/// block: every one eligible, so every one is also kept slashable. From `2 · k_v` (16) up, so
	/// every sample takes the same path; a smaller pool is charged with the genesis stand-ins
	/// counted in (`draw_steps`).
	#[benchmark]
	fn start_draw(v: Linear<16, 1_000>) {
		// Epoch 2: genesis commits secrets for epochs 0 and 1 only, so no stand-in joins.
		enter_phase::<T>(2, Phase::Validation);
		let mut pool = Vec::new();
		for i in 0..v {
			let who = funded::<T>("candidate", i);
			T::HostBond::bond_host(&who).expect("funded above; qed");
			with_secret::<T>(2, &who, i);
			pool.push((who, u128::from(i) + 1));
		}
		ValidatorPool::<T>::insert(2, BoundedVec::truncate_from(pool));
		let progress;

		#[block]
		{
			progress = Pallet::<T>::start_draw(2);
		}

		assert!(!progress.done);
		assert_eq!(DrawPool::<T>::get().len() as u32, v);
	}

	/// Seating one participant with `k` seats from a pool of 1,000.
	#[benchmark]
	fn draw_step(k: Linear<1, MAX_SEATS>) {
		enter_phase::<T>(1, Phase::Validation);
		let pool = sampling::SeatPool::new(
			(0..1_000u32)
				.map(|i| (account::<T::AccountId>("candidate", i, 0), u128::from(i) + 1))
				.collect(),
		);
		let participant: T::AccountId = account("host", 0, 0);

		#[block]
		{
			Pallet::<T>::seat(1, &participant, &pool, &H256::repeat_byte(4), k);
		}

		assert_eq!(Seats::<T>::get(1, &participant).map(|s| s.len() as u32), Some(k));
	}

	/// Deciding a participant whose every seat is slashed: one proven fraud and `k_v − 1` lazy
	/// `Valid`s, each checked from its secret.
	#[benchmark]
	fn tally_decide_step() {
		let params = enter_phase::<T>(0, Phase::Tally);
		let host = funded::<T>("host", 0);
		T::HostBond::bond_host(&host).expect("funded above; qed");
		// Two leaves: every seat's 32 samples include the bad one.
		Commitments::<T>::insert(
			0,
			&host,
			Commitment { root: H256::zero(), count: 2, proof_key: [0; 32] },
		);
		let validators: Vec<T::AccountId> = (0..params.seats_per_participant)
			.map(|i| {
				let v = funded::<T>("validator", i);
				T::HostBond::bond_host(&v).expect("funded above; qed");
				RevealedSecrets::<T>::insert(0, &v, secret_of(i));
				v
			})
			.collect();
		seat::<T>(0, &host, &validators);
		Seats::<T>::mutate(0, &host, |seats| {
			for (number, seat) in seats.iter_mut().flat_map(|s| s.iter_mut()).enumerate() {
				// The worst case: a leaf proven bad as committed makes every other seat, whose
				// samples all cover it, a lazy `Valid` (a seat penalty each) besides the fraud.
				seat.verdict = if number == 0 {
					SeatVerdict::ProvenBadLeaf { index: 0 }
				} else {
					SeatVerdict::Valid
				};
			}
		});
		let mut progress = fresh_progress();

		#[block]
		{
			Pallet::<T>::decide_participant(0, &host, &mut progress);
		}

		assert_eq!(Outcomes::<T>::get(0, &host).map(|l| l.outcome), Some(Outcome::Fraud));
		assert_eq!(Forfeited::<T>::get(0, &validators[1]), Some(ForfeitReason::LazyValid));
	}

	#[benchmark]
	fn tally_weigh_step() {
		enter_phase::<T>(0, Phase::Tally);
		let host: T::AccountId = account("host", 0, 0);
		Outcomes::<T>::insert(0, &host, TallyLine { outcome: Outcome::Accepted, activated: 10 });
		let mut progress = fresh_progress();

		#[block]
		{
			Pallet::<T>::weigh_participant(0, &host, &mut progress);
		}

		assert_eq!(progress.total_weight, 10);
	}

	/// Crediting an accepted host: accepted weight, the next pool, a reward minted.
	#[benchmark]
	fn tally_credit_step() {
		enter_phase::<T>(0, Phase::Tally);
		let host = funded::<T>("host", 0);
		Outcomes::<T>::insert(0, &host, TallyLine { outcome: Outcome::Accepted, activated: 10 });
		let mut progress = fresh_progress();
		progress.total_weight = 20;

		#[block]
		{
			Pallet::<T>::credit_participant(0, &host, &mut progress);
		}

		assert_eq!(AcceptedWeights::<T>::get(0, &host), Some(10));
	}

	#[benchmark]
	fn tally_finish() {
		enter_phase::<T>(0, Phase::Tally);
		let mut progress = fresh_progress();
		progress.accepted_nonces = 1_000;

		#[block]
		{
			Pallet::<T>::finish_tally(0, &progress);
		}

		assert!(Targets::<T>::contains_key(1));
	}

	/// One block of pruning: `PRUNE_PER_BLOCK` entries of an epoch ended three epochs ago.
	#[benchmark]
	fn prune_step() {
		enter_phase::<T>(3, Phase::Generation);
		// pallet-carbon (the runtime's reader) has minted epoch 0's certificates.
		T::Readers::done_reading(0);
		for i in 0..PRUNE_PER_BLOCK {
			let host: T::AccountId = account("host", i, 0);
			Commitments::<T>::insert(
				0,
				&host,
				Commitment { root: H256::zero(), count: 1, proof_key: [0; 32] },
			);
		}

		#[block]
		{
			Pallet::<T>::prune_step();
		}

		assert!(Commitments::<T>::iter_prefix(0).next().is_none());
	}

	/// The first block of an epoch: the seed, the parameters' snapshot, the target carried over.
	#[benchmark]
	fn start_epoch() {
		let params = enter_phase::<T>(0, Phase::Tally);
		Targets::<T>::remove(1);
		let now = frame_system::Pallet::<T>::block_number() + BlockNumberFor::<T>::from(1u32);

		#[block]
		{
			Pallet::<T>::start_epoch(now);
		}

		assert_eq!(CurrentEpoch::<T>::get(), 1);
		assert_eq!(EpochParams::<T>::get(1), Some(params));
		assert!(Targets::<T>::contains_key(1));
	}

	/// A whole `on_initialize` of a block with nothing due (the fixed per-block cost).
	#[benchmark]
	fn on_initialize_idle() {
		enter_phase::<T>(0, Phase::Generation);
		let now = frame_system::Pallet::<T>::block_number();

		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}

fn fresh_progress() -> TallyProgress {
	TallyProgress::at(TallyStage::Decide)
}
