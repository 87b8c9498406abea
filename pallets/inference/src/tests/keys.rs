//! API keys: registered with a proof of ownership, capped, revoked at once, forgotten later.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::{sr25519, Pair},
};

use super::*;

#[test]
fn a_key_is_registered_only_with_its_own_signature_for_that_account() {
	ExtBuilder::default().build().execute_with(|| {
		let key = api_key();
		// Signed for REQUESTER, submitted by OTHER: someone else cannot claim the key.
		let proof = key.sign(&key_ownership_payload(&REQUESTER, &GENESIS)).0;
		assert_noop!(
			Inference::add_api_key(
				RuntimeOrigin::signed(OTHER),
				key.public().0,
				SPR,
				10,
				100,
				proof
			),
			Error::<Test>::BadKeyProof
		);
		add_key(REQUESTER, &key, SPR, 10, 100);
		assert_eq!(ApiKeys::<Test>::get(key.public().0).map(|k| k.owner), Some(REQUESTER));
		assert_noop!(
			Inference::add_api_key(
				RuntimeOrigin::signed(REQUESTER),
				key.public().0,
				SPR,
				10,
				100,
				proof
			),
			Error::<Test>::ApiKeyExists
		);
	});
}

#[test]
fn keys_with_no_cap_or_a_past_expiry_are_refused_and_an_account_holds_at_most_sixteen() {
	ExtBuilder::default().build().execute_with(|| {
		System::set_block_number(50);
		let key = api_key();
		let proof = key.sign(&key_ownership_payload(&REQUESTER, &GENESIS)).0;
		let add = |cap, expires| {
			Inference::add_api_key(
				RuntimeOrigin::signed(REQUESTER),
				key.public().0,
				cap,
				10,
				expires,
				proof,
			)
		};
		assert_noop!(add(0, 100), Error::<Test>::ZeroAmount);
		assert_noop!(add(SPR, 50), Error::<Test>::ExpiryInThePast);
		for seed in 0..MAX_API_KEYS {
			add_key(REQUESTER, &sr25519::Pair::from_seed(&[seed as u8 + 100; 32]), SPR, 10, 100);
		}
		assert_noop!(add(SPR, 100), Error::<Test>::TooManyApiKeys);
	});
}

#[test]
fn a_revoked_key_is_forgotten_only_once_its_tickets_can_no_longer_settle() {
	ExtBuilder::default().build().execute_with(|| {
		let key = api_key().public().0;
		add_key(REQUESTER, &api_key(), SPR, 10, 100);
		assert_noop!(
			Inference::revoke_api_key(RuntimeOrigin::signed(OTHER), key),
			Error::<Test>::UnknownApiKey
		);
		assert_noop!(
			Inference::forget_api_key(RuntimeOrigin::signed(REQUESTER), key),
			Error::<Test>::ApiKeyInUse
		);
		assert_ok!(Inference::revoke_api_key(RuntimeOrigin::signed(REQUESTER), key));
		assert_noop!(
			Inference::revoke_api_key(RuntimeOrigin::signed(REQUESTER), key),
			Error::<Test>::ApiKeyRevoked
		);
		// Its tickets settle until epoch 1 and are audited until epoch 2 (window of one epoch).
		set_epoch(2);
		assert_noop!(
			Inference::forget_api_key(RuntimeOrigin::signed(REQUESTER), key),
			Error::<Test>::ApiKeyInUse
		);
		set_epoch(3);
		assert_ok!(Inference::forget_api_key(RuntimeOrigin::signed(REQUESTER), key));
		assert_eq!(ApiKeyCount::<Test>::get(REQUESTER), 0);
		assert_eq!(inference_events().last(), Some(&Event::ApiKeyForgotten { key }));
	});
}
