//! Governance through the real runtime (docs/protocol.md §8): referenda on four tracks, decided by
//! PoC-weighted votes, enacted by the scheduler; the community fund as pallet-treasury. On the
//! dev genesis (built by the WASM runtime), Alice — the genesis validator, bonded — submits;
//! with no accepted epoch yet, the dev chain's genesis voters (Alice, Bob, Charlie, Dave) vote
//! one each, and two of them must vote `Aye`.

use crate::common;

use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{fungible::Inspect, schedule::DispatchTime, EnsureOrigin, Hooks, StorePreimage},
	},
	pallet_referenda::{ReferendumInfo, TracksInfo},
	sp_keyring::Sr25519Keyring,
	sp_runtime::DispatchError,
};
use sprint_primitives::{Slasher, SPR};
use sprint_runtime::{
	governance::{self, Origin, Periods, Tracks},
	AccountId, Balances, BlockNumber, Collateral, OriginCaller, Poc, PocVoting, Referenda, Runtime,
	RuntimeCall, RuntimeOrigin, Scheduler, System, Treasury,
};

fn signed(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.to_account_id())
}

/// Runs blocks up to `n` the way the chain does for governance: the scheduler's hook services
/// referenda alarms and enactments.
fn run_to(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Scheduler::on_initialize(next);
	}
}

/// Submits `call` on the track of `origin` as Alice, places its decision deposit, and returns
/// the referendum's index.
fn propose(origin: OriginCaller, call: RuntimeCall) -> u32 {
	let index = polkadot_sdk::pallet_referenda::ReferendumCount::<Runtime>::get();
	let proposal = <sprint_runtime::Preimage as StorePreimage>::bound(call).expect("bounded");
	assert_ok!(Referenda::submit(
		signed(Sr25519Keyring::Alice),
		Box::new(origin),
		proposal,
		DispatchTime::After(0)
	));
	assert_ok!(Referenda::place_decision_deposit(signed(Sr25519Keyring::Alice), index));
	index
}

fn approved(index: u32) -> bool {
	matches!(
		polkadot_sdk::pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
		Some(ReferendumInfo::Approved(..))
	)
}

#[test]
fn each_track_is_reached_by_its_own_origin_only() {
	let root = OriginCaller::system(polkadot_sdk::frame_system::RawOrigin::Root);
	assert_eq!(Tracks::track_for(&root), Ok(governance::ROOT_TRACK));
	assert_eq!(
		Tracks::track_for(&OriginCaller::Governance(Origin::Params)),
		Ok(governance::PARAMS_TRACK)
	);
	assert_eq!(
		Tracks::track_for(&OriginCaller::Governance(Origin::Treasury)),
		Ok(governance::TREASURY_TRACK)
	);
	let alice = OriginCaller::system(polkadot_sdk::frame_system::RawOrigin::Signed(
		Sr25519Keyring::Alice.to_account_id(),
	));
	assert_eq!(Tracks::track_for(&alice), Err(()), "a signed account is no track");
	common::genesis_of("development").execute_with(|| {
		let names: Vec<String> = Tracks::tracks()
			.map(|t| String::from_utf8_lossy(&t.info.name).trim_end_matches('\0').to_owned())
			.collect();
		assert_eq!(names, ["root", "params", "treasury", "emergency"]);
		assert!(Tracks::check_integrity().is_ok());
		for track in Tracks::tracks() {
			assert_eq!(track.info.min_support, governance_curve(governance::QUORUM));
			let approval = match track.id {
				governance::ROOT_TRACK | governance::EMERGENCY_TRACK => governance::ROOT_APPROVAL,
				_ => governance::APPROVAL,
			};
			assert_eq!(track.info.min_approval, governance_curve(approval));
		}
		// The emergency track decides alone in its slot and lands before root's enactment.
		let info = |id| Tracks::info(id).expect("a track");
		let (root, emergency) = (info(governance::ROOT_TRACK), info(governance::EMERGENCY_TRACK));
		assert_eq!(emergency.max_deciding, 1);
		assert!(
			emergency.confirm_period + emergency.min_enactment_period
				< root.confirm_period + root.min_enactment_period
		);
	});
}

fn governance_curve(
	level: polkadot_sdk::sp_runtime::Perbill,
) -> polkadot_sdk::pallet_referenda::Curve {
	polkadot_sdk::pallet_referenda::Curve::LinearDecreasing {
		length: polkadot_sdk::sp_runtime::Perbill::one(),
		floor: level,
		ceil: level,
	}
}

#[test]
fn params_and_treasury_origins_reach_only_their_calls() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		let params = RuntimeOrigin::from(Origin::Params);
		let treasury = RuntimeOrigin::from(Origin::Treasury);
		assert!(governance::EnsureParams::try_origin(params.clone()).is_ok());
		assert!(governance::EnsureParams::try_origin(treasury.clone()).is_err());
		assert!(governance::EnsureParams::try_origin(signed(Sr25519Keyring::Alice)).is_err());
		// Model registration is a `params` referendum's (or root's).
		let model = common::smollm2;
		assert_noop!(
			sprint_runtime::Inference::register_model(treasury.clone(), model()),
			DispatchError::BadOrigin
		);
		assert_ok!(sprint_runtime::Inference::register_model(params.clone(), model()));
		// A `treasury` referendum spends up to its cap; a `params` one spends nothing.
		let bob = Sr25519Keyring::Bob.to_account_id();
		let spend = |origin: RuntimeOrigin, amount| {
			Treasury::spend(origin, Box::new(()), amount, Box::new(bob.clone()), None)
		};
		assert_noop!(spend(params, SPR), DispatchError::BadOrigin);
		assert_noop!(
			spend(treasury.clone(), governance::MAX_TREASURY_SPEND + 1),
			polkadot_sdk::pallet_treasury::Error::<Runtime>::InsufficientPermission
		);
		assert_ok!(spend(treasury, governance::MAX_TREASURY_SPEND));
	});
}

#[test]
fn the_scheduler_can_enact_a_runtime_upgrade() {
	use polkadot_sdk::frame_system::WeightInfo;
	let set_code = <<Runtime as polkadot_sdk::frame_system::Config>::SystemWeightInfo>::set_code();
	let max = <Runtime as polkadot_sdk::pallet_scheduler::Config>::MaximumWeight::get();
	assert!(set_code.all_lte(max), "set_code {set_code} over the scheduler's {max}");
}

#[test]
fn accepted_weights_are_kept_longer_than_any_referendum_votes() {
	let keep = <Runtime as pallet_poc::Config>::KeepWeights::get();
	for (periods, params) in [
		(Periods::production(), pallet_poc::PocParams::production_defaults()),
		(Periods::dev(), pallet_poc::PocParams::dev_defaults()),
	] {
		// The snapshot is at most one epoch old at submission, and votes last `longest_vote`.
		let kept = (keep - 1) * params.epoch_length;
		assert!(periods.longest_vote() <= kept, "{periods:?}: {} > {kept}", periods.longest_vote());
	}
}

#[test]
fn a_treasury_spend_passes_by_poc_vote_and_pays_the_recipient_from_the_fund() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		let recipient: AccountId = Sr25519Keyring::Ferdie.to_account_id();
		let fund = Treasury::account_id();
		assert_eq!(fund, sprint_runtime::genesis::community_fund_account(), "the fund is spr/fund");
		let before = (Balances::balance(&recipient), Balances::balance(&fund));
		let amount = 5_000 * SPR;
		let call = RuntimeCall::Treasury(polkadot_sdk::pallet_treasury::Call::spend {
			asset_kind: Box::new(()),
			amount,
			beneficiary: Box::new(recipient.clone()),
			valid_from: None,
		});
		let index = propose(OriginCaller::Governance(Origin::Treasury), call);
		// Alice and Bob, genesis voters, vote with power 1 of 4 each (no epoch accepted anyone
		// yet); Eve is none.
		for who in [Sr25519Keyring::Alice, Sr25519Keyring::Bob] {
			assert_ok!(PocVoting::vote(signed(who), index, pallet_poc_voting::Vote::Aye));
		}
		assert_noop!(
			PocVoting::vote(signed(Sr25519Keyring::Eve), index, pallet_poc_voting::Vote::Nay),
			pallet_poc_voting::Error::<Runtime>::NoVotingPower
		);
		run_to(30);
		assert!(
			approved(index),
			"{:?}",
			polkadot_sdk::pallet_referenda::ReferendumInfoFor::<Runtime>::get(index)
		);
		// The approved spend is claimed by anyone with `payout`.
		assert_ok!(Treasury::payout(signed(Sr25519Keyring::Ferdie), 0));
		assert_eq!(Balances::balance(&recipient), before.0 + amount);
		assert_eq!(Balances::balance(&fund), before.1 - amount);
	});
}

#[test]
fn a_referendum_short_of_quorum_or_majority_fails_and_votes_keep_their_snapshot() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		let bob = Sr25519Keyring::Bob.to_account_id();
		// Epoch 5 accepted Alice (10), Bob (15), Charlie, Dave and Eve (25 each): referenda vote
		// with it (no vote counts for more than 25 of its 100).
		for (who, weight) in [
			(Sr25519Keyring::Alice, 10),
			(Sr25519Keyring::Bob, 15),
			(Sr25519Keyring::Charlie, 25),
			(Sr25519Keyring::Dave, 25),
			(Sr25519Keyring::Eve, 25),
		] {
			pallet_poc::AcceptedWeights::<Runtime>::insert(5, who.to_account_id(), weight);
		}
		pallet_poc::AcceptedPower::<Runtime>::insert(5, 100);
		pallet_poc::LastAccepted::<Runtime>::put(5);
		let remark =
			|| RuntimeCall::System(polkadot_sdk::frame_system::Call::remark { remark: vec![1] });
		let params = || OriginCaller::Governance(Origin::Params);
		let vote = |who: Sr25519Keyring, index, v| PocVoting::vote(signed(who), index, v);
		use pallet_poc_voting::Vote::*;

		// 10% turnout: below the 33.4% quorum.
		let thin = propose(params(), remark());
		assert_ok!(vote(Sr25519Keyring::Alice, thin, Aye));
		// 10 + 15 ayes against 25 nays, 25 abstaining (a 50% quorum): exactly half is no
		// majority.
		let split = propose(params(), remark());
		assert_ok!(vote(Sr25519Keyring::Alice, split, Aye));
		assert_ok!(vote(Sr25519Keyring::Bob, split, Aye));
		assert_ok!(vote(Sr25519Keyring::Charlie, split, Nay));
		assert_ok!(vote(Sr25519Keyring::Dave, split, Abstain));
		// Bob, a host, is slashed and jailed after the snapshot: his vote still counts with 15.
		let passing = propose(params(), remark());
		assert_ok!(Poc::register_host(
			signed(Sr25519Keyring::Bob),
			[7; 32],
			b"http://127.0.0.1:1".to_vec(),
			b"e2e".to_vec()
		));
		<Collateral as Slasher<AccountId>>::slash(
			&bob,
			sprint_primitives::OffenceKind::PocFraud,
			5,
			&[],
		);
		assert!(<Collateral as Slasher<AccountId>>::is_jailed(&bob));
		assert_ok!(vote(Sr25519Keyring::Bob, passing, Aye));
		assert_eq!(pallet_poc_voting::VotingFor::<Runtime>::get(&bob, passing), Some((Aye, 15)));
		assert_ok!(vote(Sr25519Keyring::Charlie, passing, Aye));
		// Weight moved to a fresh account after the snapshot counts nowhere.
		assert_noop!(
			vote(Sr25519Keyring::Ferdie, passing, Aye),
			pallet_poc_voting::Error::<Runtime>::NoVotingPower
		);
		run_to(300);
		assert!(approved(passing), "40% turnout, all ayes from two accounts: passes");
		assert!(
			!approved(thin),
			"10% turnout: {:?}",
			polkadot_sdk::pallet_referenda::ReferendumInfoFor::<Runtime>::get(thin)
		);
		assert!(!approved(split), "50% ayes is not a majority");
		assert!(matches!(
			polkadot_sdk::pallet_referenda::ReferendumInfoFor::<Runtime>::get(thin),
			Some(ReferendumInfo::Rejected(..) | ReferendumInfo::TimedOut(..))
		));
	});
}

/// Epoch 5 accepted Alice, Bob, Charlie and Dave with 25 each: referenda vote with it.
fn four_equal_hosts() {
	for who in
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
	{
		pallet_poc::AcceptedWeights::<Runtime>::insert(5, who.to_account_id(), 25);
	}
	pallet_poc::AcceptedPower::<Runtime>::insert(5, 100);
	pallet_poc::LastAccepted::<Runtime>::put(5);
}

/// Revision 4, attack 10: `root` (a runtime upgrade, anything) needs two thirds of the ayes
/// and nays, not a bare majority: 50 ayes against 25 nays passes `params` but not `root`.
#[test]
fn root_needs_two_thirds_where_params_needs_a_majority() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		four_equal_hosts();
		let remark =
			|| RuntimeCall::System(polkadot_sdk::frame_system::Call::remark { remark: vec![1] });
		let root =
			propose(OriginCaller::system(polkadot_sdk::frame_system::RawOrigin::Root), remark());
		let params = propose(OriginCaller::Governance(Origin::Params), remark());
		use pallet_poc_voting::Vote::*;
		for index in [root, params] {
			assert_ok!(PocVoting::vote(signed(Sr25519Keyring::Alice), index, Aye));
			assert_ok!(PocVoting::vote(signed(Sr25519Keyring::Bob), index, Aye));
			assert_ok!(PocVoting::vote(signed(Sr25519Keyring::Charlie), index, Nay));
		}
		run_to(300);
		assert!(approved(params), "two thirds of the votes cast are ayes: a majority");
		assert!(
			!approved(root),
			"50 of 75 is just under two thirds: {:?}",
			polkadot_sdk::pallet_referenda::ReferendumInfoFor::<Runtime>::get(root)
		);
	});
}

/// Revision 4, attack 10: a lone account passes nothing, even with every vote cast being its
/// own; a second account's ayes pass it.
#[test]
fn one_accounts_ayes_pass_nothing() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		four_equal_hosts();
		let remark =
			|| RuntimeCall::System(polkadot_sdk::frame_system::Call::remark { remark: vec![2] });
		let alone = propose(OriginCaller::Governance(Origin::Params), remark());
		let two = propose(OriginCaller::Governance(Origin::Params), remark());
		use pallet_poc_voting::Vote::*;
		assert_ok!(PocVoting::vote(signed(Sr25519Keyring::Alice), alone, Aye));
		assert_ok!(PocVoting::vote(signed(Sr25519Keyring::Bob), alone, Abstain));
		assert_ok!(PocVoting::vote(signed(Sr25519Keyring::Alice), two, Aye));
		assert_ok!(PocVoting::vote(signed(Sr25519Keyring::Bob), two, Aye));
		run_to(300);
		assert!(approved(two));
		assert!(!approved(alone), "one account's ayes, whatever the quorum");
	});
}

/// Revision 4, attack 10: a kill referendum queued behind the `root` referendum it acts on
/// (root's single deciding slot) could never stop it. The `emergency` track has its own slot:
/// it kills a deciding `root` referendum.
#[test]
fn an_emergency_referendum_kills_a_deciding_root_referendum() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		let remark =
			|| RuntimeCall::System(polkadot_sdk::frame_system::Call::remark { remark: vec![3] });
		let root =
			propose(OriginCaller::system(polkadot_sdk::frame_system::RawOrigin::Root), remark());
		run_to(5);
		assert!(
			matches!(
				polkadot_sdk::pallet_referenda::ReferendumInfoFor::<Runtime>::get(root),
				Some(ReferendumInfo::Ongoing(status)) if status.deciding.is_some()
			),
			"root's only slot is taken"
		);
		let kill =
			RuntimeCall::Referenda(polkadot_sdk::pallet_referenda::Call::kill { index: root });
		let emergency = propose(OriginCaller::Governance(Origin::Emergency), kill);
		use pallet_poc_voting::Vote::*;
		for who in [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie] {
			assert_ok!(PocVoting::vote(signed(who), emergency, Aye));
		}
		run_to(40);
		assert!(approved(emergency));
		assert!(matches!(
			polkadot_sdk::pallet_referenda::ReferendumInfoFor::<Runtime>::get(root),
			Some(ReferendumInfo::Killed(..))
		));
		// A signed account can neither kill nor cancel.
		assert_noop!(
			Referenda::cancel(signed(Sr25519Keyring::Alice), emergency),
			DispatchError::BadOrigin
		);
	});
}

/// The upgrade to spec 106: a referendum ongoing under the old tally (no count of aye accounts,
/// votes uncapped) is recounted from its votes; the migration runs once.
#[test]
fn the_upgrade_recounts_ongoing_referenda() {
	use codec::Encode;
	use pallet_poc_voting::migrations::TallyV0;
	use polkadot_sdk::{
		frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		pallet_referenda::{ReferendumInfoFor, ReferendumStatus},
	};
	use sprint_runtime::migrations::{RecountTallies, ReferendumInfoV0};
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		four_equal_hosts();
		let remark =
			|| RuntimeCall::System(polkadot_sdk::frame_system::Call::remark { remark: vec![4] });
		let index = propose(OriginCaller::Governance(Origin::Params), remark());
		// As spec 105 stored it: Alice's 60 counted whole (the snapshot had two hosts), Bob's 25.
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		pallet_poc_voting::VotingFor::<Runtime>::insert(
			&alice,
			index,
			(pallet_poc_voting::Vote::Aye, 60),
		);
		pallet_poc_voting::VotingFor::<Runtime>::insert(
			&bob,
			index,
			(pallet_poc_voting::Vote::Nay, 25),
		);
		let Some(ReferendumInfo::Ongoing(s)) = ReferendumInfoFor::<Runtime>::get(index) else {
			panic!("ongoing")
		};
		let old: ReferendumInfoV0 = ReferendumInfo::Ongoing(ReferendumStatus {
			track: s.track,
			origin: s.origin,
			proposal: s.proposal,
			enactment: s.enactment,
			submitted: s.submitted,
			submission_deposit: s.submission_deposit,
			decision_deposit: s.decision_deposit,
			deciding: s.deciding,
			tally: TallyV0 { ayes: 60, nays: 25, abstentions: 0, total: 100, snapshot: Some(5) },
			in_queue: s.in_queue,
			alarm: s.alarm,
		});
		polkadot_sdk::frame_support::storage::unhashed::put_raw(
			&ReferendumInfoFor::<Runtime>::hashed_key_for(index),
			&old.encode(),
		);
		StorageVersion::new(0).put::<PocVoting>();
		RecountTallies::on_runtime_upgrade();
		let Some(ReferendumInfo::Ongoing(s)) = ReferendumInfoFor::<Runtime>::get(index) else {
			panic!("ongoing after the upgrade")
		};
		assert_eq!((s.tally.ayes, s.tally.nays, s.tally.aye_accounts), (25, 25, 1));
		assert_eq!((s.tally.total, s.tally.snapshot), (100, Some(5)));
		assert_eq!(
			pallet_poc_voting::VotingFor::<Runtime>::get(&alice, index),
			Some((pallet_poc_voting::Vote::Aye, 25))
		);
		assert_eq!(
			PocVoting::on_chain_storage_version(),
			pallet_poc_voting::migrations::STORAGE_VERSION
		);
		// Once: a second run changes nothing.
		RecountTallies::on_runtime_upgrade();
		assert_eq!(
			ReferendumInfoFor::<Runtime>::get(index).map(|i| i.encode()),
			Some(ReferendumInfo::Ongoing(s).encode())
		);
	});
}
