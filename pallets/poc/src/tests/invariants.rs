//! A property test across pallet-poc, pallet-collateral and pallet-emission: random sequences of
//! registrations, deregistrations (seats that leave), deposits, unbonds, withdrawals, claims and
//! whole epochs in which each host behaves honestly, cheats, stays silent as a seat, withholds
//! proofs, or files false `Unavailable`s against honest hosts as a seat. After every step:
//! - total issuance = Σ balances, and issuance ≤ the 1B cap;
//! - each host's held collateral = bonds + deposits − slashes − withdrawals;
//! - vested + unvested + claimed + slashed-unvested = rewards minted (the pot's existential
//!   deposit, minted with the first reward, counted apart);
//! - no honest account (an honest host, or a genesis validator) is ever slashed.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256).

use polkadot_sdk::{
	frame_support::traits::fungible::Inspect,
	frame_system,
	sp_core::{Pair, H256},
};
use proptest::prelude::*;
use sprint_primitives::TOTAL_ISSUANCE_CAP;

use super::*;
use crate::{mock::*, Phase};

const HOSTS: [AccountId; 4] = [10, 11, 12, 13];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Behaviour {
	Honest,
	/// Its seats report a self-proving bad opening.
	Cheat,
	/// Withholds proofs: one seat challenges it and it never answers.
	Withhold,
	/// Sits silent in every seat it holds.
	Silent,
	/// As a seat, files `Unavailable` against every host it checks and never votes on the
	/// leaves they post.
	FalseUnavailable,
}

#[derive(Debug, Clone)]
enum Op {
	Register(usize),
	Deregister(usize),
	Deposit(usize, u128),
	Unbond(usize, u128),
	Withdraw(usize),
	Claim(usize),
	Epoch([Behaviour; 4], [u64; 4]),
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
	prop_oneof![
		4 => Just(Behaviour::Honest),
		1 => Just(Behaviour::Cheat),
		1 => Just(Behaviour::Withhold),
		1 => Just(Behaviour::Silent),
		1 => Just(Behaviour::FalseUnavailable),
	]
}

fn op() -> impl Strategy<Value = Op> {
	let host = 0usize..4;
	prop_oneof![
		4 => host.clone().prop_map(Op::Register),
		1 => host.clone().prop_map(Op::Deregister),
		1 => (host.clone(), 1u128..400).prop_map(|(h, a)| Op::Deposit(h, a * SPR)),
		1 => (host.clone(), 1u128..400).prop_map(|(h, a)| Op::Unbond(h, a * SPR)),
		1 => host.clone().prop_map(Op::Withdraw),
		2 => host.prop_map(Op::Claim),
		4 => (proptest::array::uniform4(behaviour()), proptest::array::uniform4(1u64..20))
			.prop_map(|(b, c)| Op::Epoch(b, c)),
	]
}

#[derive(Default)]
struct Books {
	/// Per host: bonds + deposits − withdrawals (free-balance movements into and out of holds).
	put_in: [i128; 4],
	/// Per host: collateral slashed (from events).
	slashed: [u128; 4],
	claimed: u128,
	slashed_unvested: u128,
	/// Honest accounts slashed, and for what.
	wrongly_slashed: Vec<(AccountId, sprint_primitives::OffenceKind)>,
}

fn index_of(who: AccountId) -> Option<usize> {
	HOSTS.iter().position(|h| *h == who)
}

/// Runs one block and books the slashes it made.
fn step(books: &mut Books, behaviours: &[Behaviour; 4]) {
	run_to_block(System::block_number() + 1);
	for record in System::events() {
		if let RuntimeEvent::Collateral(pallet_collateral::Event::Slashed {
			who,
			amount,
			unvested,
			kind,
			..
		}) = record.event
		{
			books.slashed_unvested += unvested;
			if let Some(i) = index_of(who) {
				books.slashed[i] += amount;
				if behaviours[i] == Behaviour::Honest {
					books.wrongly_slashed.push((who, kind));
				}
			}
			if VALIDATORS.contains(&who) {
				books.wrongly_slashed.push((who, kind));
			}
		}
	}
}

fn run_until(books: &mut Books, behaviours: &[Behaviour; 4], done: impl Fn() -> bool) {
	for _ in 0..200 {
		if done() {
			return;
		}
		step(books, behaviours);
	}
	panic!("did not get there in 200 blocks");
}

fn play_epoch(books: &mut Books, behaviours: [Behaviour; 4], counts: [u64; 4]) {
	let epoch = crate::CurrentEpoch::<Test>::get();
	let sprints: Vec<Sprint> = HOSTS.iter().zip(counts).map(|(h, c)| Sprint::new(*h, c)).collect();
	// Everyone who may sit two epochs on publishes its secret now (docs/protocol.md §4).
	let ahead = epoch + 2;
	for v in VALIDATORS.iter().chain(HOSTS.iter()) {
		let _ = Poc::commit_secret(
			RuntimeOrigin::signed(*v),
			ahead,
			commitment_of(secret_of(*v, ahead)),
		);
	}
	run_until(books, &behaviours, || Poc::current_phase() == Some(Phase::Commit));
	let committed: Vec<&Sprint> = sprints
		.iter()
		.filter(|s| Poc::commit(RuntimeOrigin::signed(s.host), epoch, s.root(), s.count()).is_ok())
		.collect();
	run_until(books, &behaviours, || Poc::current_phase() == Some(Phase::Validation));
	let seat_behaviour =
		|validator: AccountId| index_of(validator).map_or(Behaviour::Honest, |i| behaviours[i]);
	for sprint in &committed {
		let behaviour = behaviours[index_of(sprint.host).expect("a host")];
		for (number, validator) in seats_of(epoch, sprint.host).into_iter().enumerate() {
			let sampled = crate::sampling::sample_indices(
				&secret_of(validator, epoch),
				&sprint.host,
				&sprint.root(),
				sprint.count(),
				number as u32,
				32,
			);
			let verdict = match (seat_behaviour(validator), behaviour, number) {
				(Behaviour::Silent, _, _) => continue,
				(Behaviour::FalseUnavailable, _, _) | (_, Behaviour::Withhold, 0) => {
					Verdict::Unavailable(BoundedVec::truncate_from(sampled))
				}
				(_, Behaviour::Cheat, _) => {
					let mut bad = sprint.opening(sampled[0]);
					bad.path.try_push(H256::zero()).expect("room");
					Verdict::Fraud(sprint.sign(epoch, bad))
				}
				_ => Verdict::Valid,
			};
			let _ = submit(epoch, validator, vec![(sprint.host, verdict)]);
		}
	}
	// Every validator but a silent one reveals its secret, seated or not.
	for v in VALIDATORS.iter().chain(HOSTS.iter()) {
		if seat_behaviour(*v) != Behaviour::Silent
			&& crate::RevealedSecrets::<Test>::get(epoch, v).is_none()
		{
			let _ = Poc::reveal_secret(RuntimeOrigin::signed(*v), epoch, secret_of(*v, epoch));
		}
	}
	// Every host but a withholder answers the challenges against it.
	run_until(books, &behaviours, || Poc::current_phase() == Some(Phase::Answer));
	for sprint in &committed {
		if behaviours[index_of(sprint.host).expect("a host")] == Behaviour::Withhold {
			continue;
		}
		for seat in crate::Seats::<Test>::get(epoch, sprint.host).unwrap_or_default() {
			if let crate::SeatVerdict::Unavailable { indices, answer: None } = seat.verdict {
				let openings =
					indices.iter().map(|i| sprint.sign(epoch, sprint.opening(*i))).collect();
				let _ = Poc::answer_challenge(
					RuntimeOrigin::signed(sprint.host),
					epoch,
					seat.validator,
					BoundedVec::truncate_from(openings),
				);
			}
		}
	}
	// Every seat but a silent one or a false challenger finds the posted leaves good.
	run_until(books, &behaviours, || Poc::current_phase() == Some(Phase::Check));
	for sprint in &committed {
		let seats = crate::Seats::<Test>::get(epoch, sprint.host).unwrap_or_default();
		let answered: Vec<u32> = (0..seats.len() as u32)
			.filter(|n| {
				matches!(
					seats[*n as usize].verdict,
					crate::SeatVerdict::Unavailable { answer: Some(_), .. }
				)
			})
			.collect();
		for seat in seats.iter() {
			if !matches!(
				seat_behaviour(seat.validator),
				Behaviour::Honest | Behaviour::Cheat | Behaviour::Withhold
			) {
				continue;
			}
			let votes: Vec<(u32, Option<u32>)> = answered.iter().map(|n| (*n, None)).collect();
			if !votes.is_empty() {
				let _ = Poc::vote(
					RuntimeOrigin::signed(seat.validator),
					epoch,
					sprint.host,
					BoundedVec::truncate_from(votes),
				);
			}
		}
	}
	run_until(books, &behaviours, || crate::CurrentEpoch::<Test>::get() > epoch);
}

fn check(books: &Books) {
	let sum: u128 =
		frame_system::Account::<Test>::iter_values().map(|a| a.data.free + a.data.reserved).sum();
	assert_eq!(Balances::total_issuance(), sum, "issuance = Σ balances");
	assert!(Balances::total_issuance() <= TOTAL_ISSUANCE_CAP);
	for (i, host) in HOSTS.iter().enumerate() {
		assert_eq!(
			Collateral::held(host) as i128,
			books.put_in[i] - books.slashed[i] as i128,
			"held = bonds + deposits − slashes − withdrawals for {host}"
		);
	}
	let ledgers: u128 = HOSTS
		.iter()
		.chain(VALIDATORS.iter())
		.map(|h| {
			let (vested, unvested) = Emission::rewards_of(h);
			vested + unvested
		})
		.sum();
	let minted = pallet_emission::TotalMinted::<Test>::get();
	let pot_deposit = if minted > 0 { ED } else { 0 };
	assert_eq!(
		ledgers + books.claimed + books.slashed_unvested + pot_deposit,
		minted,
		"vested + unvested + claimed + slashed = minted"
	);
	assert!(books.wrongly_slashed.is_empty(), "honest hosts slashed: {:?}", books.wrongly_slashed);
}

/// `PROPTEST_CASES` from the environment, or 256.
fn cases() -> u32 {
	std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

	#[test]
	fn issuance_collateral_and_rewards_stay_balanced(ops in proptest::collection::vec(op(), 1..16)) {
		ExtBuilder::default().with_genesis_validators(&VALIDATORS).build().execute_with(|| {
			let mut books = Books::default();
			let bond = pallet_collateral::CollateralParams::gonka_defaults().min_host_bond as i128;
			for op in ops {
				match op {
					Op::Register(i) => {
						let s = Sprint::new(HOSTS[i], 1);
						if Poc::register_host(RuntimeOrigin::signed(s.host), s.key.public().0, PROOF_URL.to_vec(), vec![]).is_ok() {
							books.put_in[i] += bond;
						}
					},
					Op::Deregister(i) => { let _ = Poc::deregister_host(RuntimeOrigin::signed(HOSTS[i])); },
					Op::Deposit(i, a) => if Collateral::deposit(RuntimeOrigin::signed(HOSTS[i]), a).is_ok() {
						books.put_in[i] += a as i128;
					},
					Op::Unbond(i, a) => { let _ = Collateral::request_unbond(RuntimeOrigin::signed(HOSTS[i]), a); },
					Op::Withdraw(i) => {
						let before = Balances::balance(&HOSTS[i]);
						let _ = Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOSTS[i]));
						books.put_in[i] -= (Balances::balance(&HOSTS[i]) - before) as i128;
					},
					Op::Claim(i) => {
						let before = Balances::balance(&HOSTS[i]);
						let _ = Emission::claim_rewards(RuntimeOrigin::signed(HOSTS[i]));
						books.claimed += Balances::balance(&HOSTS[i]) - before;
					},
					Op::Epoch(behaviours, counts) => play_epoch(&mut books, behaviours, counts),
				}
				check(&books);
			}
			// Every case ends with vesting under way and every host claiming what has vested.
			for _ in 0..3 {
				play_epoch(&mut books, [Behaviour::Honest; 4], [5; 4]);
			}
			for host in HOSTS {
				let before = Balances::balance(&host);
				let _ = Emission::claim_rewards(RuntimeOrigin::signed(host));
				books.claimed += Balances::balance(&host) - before;
			}
			check(&books);
		});
	}
}
