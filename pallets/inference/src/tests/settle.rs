//! Settlement: every rule of docs/protocol.md §7, each with the receipt that breaks it.

use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{fungible::Inspect, Hooks},
	},
	sp_core::{sr25519, Pair},
};
use sprint_core::market::batch_root;

use super::*;

#[test]
fn a_batch_charges_each_deposit_exactly_and_splits_the_cost_between_the_fund_and_the_executor() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		let receipts =
			vec![receipt(ticket(1), 10, 40), receipt(ticket(2), 5, 20), receipt(ticket(3), 1, 1)];
		let ids: Vec<[u8; 32]> = receipts.iter().map(|r| r.id()).collect();
		assert_ok!(settle(receipts));
		// 77 tokens at 1,000 planck: 20% to the fund, the rest pending for the executor.
		assert_eq!(Inference::deposit_of(&REQUESTER), 100 * SPR - 77_000);
		assert_eq!(Balances::balance(&FUND), ED + 15_400);
		assert_eq!(Balances::balance(&Inference::account_id()), ED + 61_600);
		assert_eq!(PendingFees::<Test>::get(EXECUTOR).into_inner(), vec![(2, 61_600)]);
		let batch = Batches::<Test>::get(0, 0).expect("stored");
		assert_eq!(
			batch,
			BatchRecord {
				executor: EXECUTOR,
				count: 3,
				root: batch_root(&ids),
				tokens: 77,
				cost: 77_000
			}
		);
		assert_eq!(kept_slashable(), vec![(EXECUTOR, 2)]);
		assert_eq!(BlockTokens::<Test>::get(0), 77);
		assert_eq!(
			inference_events().last(),
			Some(&Event::Settled {
				executor: EXECUTOR,
				epoch: 0,
				index: 0,
				count: 3,
				tokens: 77,
				cost: 77_000,
				fund: 15_400
			})
		);
	});
}

#[test]
fn fees_are_claimable_only_after_the_audit_window() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		assert_ok!(settle(vec![receipt(ticket(1), 10, 40)]));
		let claim = || Inference::claim_fees(RuntimeOrigin::signed(EXECUTOR));
		assert_noop!(claim(), Error::<Test>::NothingToClaim);
		set_epoch(1);
		assert_noop!(claim(), Error::<Test>::NothingToClaim);
		set_epoch(2);
		let before = Balances::balance(&EXECUTOR);
		assert_ok!(claim());
		assert_eq!(Balances::balance(&EXECUTOR), before + 40_000);
		assert_eq!(PendingFees::<Test>::get(EXECUTOR).len(), 0);
		assert_noop!(claim(), Error::<Test>::NothingToClaim);
	});
}

#[test]
fn every_forged_or_foreign_receipt_is_refused() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		let stranger = sr25519::Pair::from_seed(&[9; 32]);
		let changed = |f: fn(&mut Ticket<AccountId, u128>)| {
			let mut t = ticket(1);
			f(&mut t);
			receipt(t, 10, 10)
		};
		let cases: Vec<(Receipt<AccountId, u128>, Error<Test>)> = vec![
			(changed(|t| t.executor = OTHER), Error::NotYourTicket),
			(changed(|t| t.genesis = [1; 32]), Error::WrongChain),
			(changed(|t| t.epoch = 1), Error::TicketFromTheFuture),
			(changed(|t| t.model = 5), Error::UnknownModel),
			(changed(|t| t.key = [9; 32]), Error::UnknownApiKey),
			(changed(|t| t.expiry = 1_001), Error::KeyExpired),
			(changed(|t| t.price = 10_001), Error::PriceAboveCap),
			(receipt(ticket(1), 10, 65), Error::BadTokenCounts),
			(receipt(ticket(1), 0, 10), Error::BadTokenCounts),
			(receipt(ticket(1), 8_150, 60), Error::BadTokenCounts),
			(receipt_signed(ticket(1), &stranger, 10, 10), Error::BadTicketSignature),
			(
				{
					// Counts inflated after the executor signed.
					let mut r = receipt(ticket(1), 10, 10);
					r.completion_tokens = 60;
					r
				},
				Error::BadExecutorSignature,
			),
		];
		for (forged, error) in cases {
			assert_noop!(settle(vec![receipt(ticket(7), 1, 1), forged]), error);
		}
		assert_noop!(settle(vec![]), Error::<Test>::NoReceipts);
	});
}

#[test]
fn a_ticket_settles_once() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		assert_noop!(
			settle(vec![receipt(ticket(1), 10, 10), receipt(ticket(1), 10, 10)]),
			Error::<Test>::NonceReused
		);
		assert_ok!(settle(vec![receipt(ticket(1), 10, 10)]));
		// Even with other counts, signed anew by the executor.
		assert_noop!(settle(vec![receipt(ticket(1), 11, 10)]), Error::<Test>::NonceReused);
		// The same nonce in another epoch is another ticket.
		set_epoch(1);
		let mut next = ticket(1);
		next.epoch = 1;
		assert_ok!(settle(vec![receipt(next, 10, 10)]));
	});
}

#[test]
fn tickets_settle_in_their_epoch_or_the_next() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		set_epoch(1);
		assert_ok!(settle(vec![receipt(ticket(1), 10, 10)]));
		set_epoch(2);
		assert_noop!(settle(vec![receipt(ticket(2), 10, 10)]), Error::<Test>::TicketTooOld);
	});
}

#[test]
fn the_key_cap_per_epoch_and_the_deposit_bound_what_a_batch_charges() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		let small = sr25519::Pair::from_seed(&[5; 32]);
		add_key(REQUESTER, &small, 50_000, 10_000, 1_000);
		let with_small = |nonce| {
			let mut t = ticket(nonce);
			t.key = small.public().0;
			receipt_signed(t, &small, 25, 25)
		};
		assert_noop!(settle(vec![with_small(1), with_small(2)]), Error::<Test>::KeyCapExceeded);
		assert_ok!(settle(vec![with_small(1)]));
		assert_noop!(settle(vec![with_small(2)]), Error::<Test>::KeyCapExceeded);
		// The next epoch has a fresh cap.
		set_epoch(1);
		let mut t = ticket(2);
		(t.key, t.epoch) = (small.public().0, 1);
		assert_ok!(settle(vec![receipt_signed(t, &small, 25, 25)]));

		// OTHER's key has a large cap but its deposit holds 10,000 planck.
		let others = sr25519::Pair::from_seed(&[6; 32]);
		add_key(OTHER, &others, SPR, 10_000, 1_000);
		assert_ok!(Inference::deposit(RuntimeOrigin::signed(OTHER), 10_000));
		let mut t = ticket(1);
		(t.key, t.epoch) = (others.public().0, 1);
		assert_noop!(settle(vec![receipt_signed(t, &others, 6, 5)]), Error::<Test>::DepositTooLow);
	});
}

#[test]
fn the_price_charged_is_at_most_the_models_price_when_the_tickets_epoch_began() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		let mut dear = ticket(1);
		dear.price = 5_000;
		assert_ok!(settle(vec![receipt(dear, 10, 10)]));
		assert_eq!(Inference::deposit_of(&REQUESTER), 100 * SPR - 20_000);
		// A price below the epoch's is what is charged.
		let mut cheap = ticket(2);
		cheap.price = 500;
		assert_ok!(settle(vec![receipt(cheap, 10, 10)]));
		assert_eq!(Inference::deposit_of(&REQUESTER), 100 * SPR - 30_000);
	});
}

#[test]
fn a_revoked_key_still_pays_for_tickets_that_may_predate_its_revocation() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		System::set_block_number(10);
		assert_ok!(Inference::revoke_api_key(
			RuntimeOrigin::signed(REQUESTER),
			api_key().public().0
		));
		let expiring = |nonce, expiry| {
			let mut t = ticket(nonce);
			t.expiry = expiry;
			receipt(t, 10, 10)
		};
		// Issued at block 10 at the latest, it expires by block 110.
		assert_ok!(settle(vec![expiring(1, 110)]));
		assert_noop!(settle(vec![expiring(2, 111)]), Error::<Test>::KeyExpired);
	});
}

#[test]
fn an_executor_without_a_signing_key_or_the_model_cannot_settle() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		assert_ok!(Inference::declare_service(RuntimeOrigin::signed(OTHER), service(&[0])));
		let mut t = ticket(1);
		t.executor = OTHER;
		let r = receipt(t, 10, 10);
		assert_noop!(
			Inference::settle(RuntimeOrigin::signed(OTHER), vec![r].try_into().expect("one")),
			Error::<Test>::NoSigningKey
		);
		assert_ok!(Inference::withdraw_service(RuntimeOrigin::signed(EXECUTOR)));
		assert_noop!(settle(vec![receipt(ticket(1), 10, 10)]), Error::<Test>::ModelNotServed);
	});
}

#[test]
fn pruning_forgets_the_nonces_and_spending_of_epochs_whose_tickets_no_longer_settle_nor_miss() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		assert_ok!(settle(vec![receipt(ticket(1), 10, 10), receipt(ticket(2), 10, 10)]));
		let key = api_key().public().0;
		set_epoch(1);
		Inference::on_initialize(2);
		assert!(UsedNonces::<Test>::contains_key((0, key, 1)), "epoch 0's tickets still settle");
		set_epoch(2);
		Inference::on_initialize(3);
		assert!(UsedNonces::<Test>::contains_key((0, key, 1)), "missed ones are reported now");
		assert_eq!(Served::<Test>::get(0, EXECUTOR), 2);
		set_epoch(3);
		Inference::on_initialize(4);
		assert!(!UsedNonces::<Test>::contains_key((0, key, 1)));
		assert_eq!(Spent::<Test>::get(0, key), 0);
		assert_eq!(Served::<Test>::get(0, EXECUTOR), 0);
		assert_eq!(NextPrune::<Test>::get(), 1);
		// The batch stays for its audits.
		assert!(Batches::<Test>::get(0, 0).is_some());
		// Batches of epoch 0 go with the prune of epoch 4 (2 × audit window + 2 later), which
		// runs from epoch 7.
		set_epoch(7);
		for block in 5..12 {
			Inference::on_initialize(block);
		}
		assert!(Batches::<Test>::get(0, 0).is_none());
	});
}

#[test]
fn an_executor_that_never_claims_keeps_a_bounded_number_of_fee_buckets() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		for epoch in 0..12u32 {
			set_epoch(epoch);
			let mut t = ticket(u64::from(epoch));
			t.epoch = epoch;
			assert_ok!(settle(vec![receipt(t, 10, 10)]));
			assert!(PendingFees::<Test>::get(EXECUTOR).len() <= 3, "epoch {epoch}");
		}
		let total: u128 = PendingFees::<Test>::get(EXECUTOR).iter().map(|(_, a)| a).sum();
		assert_eq!(total, 12 * 16_000);
	});
}

#[test]
fn a_longer_audit_window_delays_the_fees_and_keeps_the_collateral_slashable_through_it() {
	ExtBuilder::default().with_params(|p| p.audit_window_epochs = 3).build().execute_with(|| {
		market();
		assert_ok!(settle(vec![receipt(ticket(1), 10, 40)]));
		assert_eq!(PendingFees::<Test>::get(EXECUTOR).into_inner(), vec![(4, 40_000)]);
		assert_eq!(kept_slashable(), vec![(EXECUTOR, 4)]);
		set_epoch(3);
		assert_noop!(
			Inference::claim_fees(RuntimeOrigin::signed(EXECUTOR)),
			Error::<Test>::NothingToClaim
		);
		set_epoch(4);
		assert_ok!(Inference::claim_fees(RuntimeOrigin::signed(EXECUTOR)));
	});
}

/// Revision 4, attack 4: the signer of a ticket chooses its expiry, so a leaked key that was
/// revoked (or has expired) kept spending through tickets of later epochs dated within a
/// ticket lifetime of the revocation. A ticket of an epoch after the key's revocation, or whose
/// expiry falls before its own epoch began, is refused.
#[test]
fn a_revoked_or_expired_key_stops_costing_within_one_ticket_lifetime() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		begin_epoch(0, 1);
		System::set_block_number(10);
		assert_ok!(Inference::revoke_api_key(
			RuntimeOrigin::signed(REQUESTER),
			api_key().public().0
		));
		begin_epoch(1, 50);
		let dated = |nonce, epoch, expiry| {
			let mut t = ticket(nonce);
			(t.epoch, t.expiry) = (epoch, expiry);
			receipt(t, 10, 10)
		};
		// Signed after the revocation for the next epoch, dated within a lifetime of it.
		assert_noop!(settle(vec![dated(1, 1, 60)]), Error::<Test>::KeyExpired);
		// What the key signed in its revocation epoch still pays.
		assert_ok!(settle(vec![dated(2, 0, 60)]));

		// A key that expires at block 120: a ticket of epoch 2 (from block 130) is refused,
		// whatever expiry its signer wrote.
		let short = sr25519::Pair::from_seed(&[9; 32]);
		add_key(REQUESTER, &short, SPR, 10_000, 120);
		begin_epoch(2, 130);
		let with_short = |nonce, expiry| {
			let mut t = ticket(nonce);
			(t.key, t.epoch, t.expiry) = (short.public().0, 2, expiry);
			receipt_signed(t, &short, 10, 10)
		};
		assert_noop!(settle(vec![with_short(1, 120)]), Error::<Test>::KeyExpired);
		assert_noop!(settle(vec![with_short(2, 131)]), Error::<Test>::KeyExpired);
	});
}

/// Revision 4, finding 14: `Settled` names neither the payer nor the key, so a requester learned
/// what it paid only from deposit differences. Each batch says, per key, who paid what.
#[test]
fn a_batch_tells_each_key_owner_what_it_paid() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		let others = sr25519::Pair::from_seed(&[6; 32]);
		add_key(OTHER, &others, SPR, 10_000, 1_000);
		assert_ok!(Inference::deposit(RuntimeOrigin::signed(OTHER), SPR));
		let mut theirs = ticket(1);
		theirs.key = others.public().0;
		assert_ok!(settle(vec![
			receipt(ticket(1), 10, 40),
			receipt_signed(theirs, &others, 3, 4),
			receipt(ticket(2), 5, 20)
		]));
		let charged: Vec<_> =
			inference_events().into_iter().filter(|e| matches!(e, Event::Charged { .. })).collect();
		let charge = |owner, key: &sr25519::Pair, receipts, tokens: u64| Event::Charged {
			owner,
			key: key.public().0,
			executor: EXECUTOR,
			epoch: 0,
			index: 0,
			receipts,
			tokens,
			cost: u128::from(tokens) * 1_000,
		};
		assert_eq!(charged.len(), 2);
		assert!(charged.contains(&charge(REQUESTER, &api_key(), 2, 75)));
		assert!(charged.contains(&charge(OTHER, &others, 1, 7)));
	});
}
