//! Host registration holds the host bond (docs/protocol.md §4).

use polkadot_sdk::frame_support::{assert_noop, assert_ok};

use crate::{mock::*, Error, Event, Hosts};

fn register(who: AccountId) -> polkadot_sdk::sp_runtime::DispatchResult {
	Poc::register_host(
		RuntimeOrigin::signed(who),
		[7; 32],
		b"http://127.0.0.1:8080".to_vec(),
		b"gpu=test".to_vec(),
	)
}

#[test]
fn registering_holds_the_host_bond_and_records_the_proof_key() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(register(HOST));
		assert_eq!(Collateral::held(&HOST), 1_000 * SPR);
		let info = Hosts::<Test>::get(HOST).expect("registered");
		assert_eq!(info.proof_key, [7; 32]);
		assert_eq!(info.proof_url.to_vec(), b"http://127.0.0.1:8080".to_vec());
		assert!(poc_events().contains(&Event::HostRegistered { host: HOST }));
		assert_noop!(register(HOST), Error::<Test>::AlreadyRegistered);
	});
}

#[test]
fn an_account_without_the_bond_cannot_register() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(register(POOR), pallet_collateral::Error::<Test>::InsufficientBalance);
		assert!(Hosts::<Test>::get(POOR).is_none());
	});
}

#[test]
fn an_oversized_url_or_metadata_is_refused() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(
			Poc::register_host(RuntimeOrigin::signed(HOST), [0; 32], vec![b'a'; 257], vec![]),
			Error::<Test>::ProofUrlTooLong
		);
		assert_noop!(
			Poc::register_host(
				RuntimeOrigin::signed(HOST),
				[0; 32],
				PROOF_URL.to_vec(),
				vec![0; 1025]
			),
			Error::<Test>::MetadataTooLong
		);
	});
}

#[test]
fn deregistering_unbonds_the_host_bond() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(register(HOST));
		assert_ok!(Poc::deregister_host(RuntimeOrigin::signed(HOST)));
		assert!(Hosts::<Test>::get(HOST).is_none());
		assert_noop!(
			Poc::deregister_host(RuntimeOrigin::signed(HOST)),
			Error::<Test>::NotRegistered
		);
		// Still held (and slashable) until the unbonding period passes.
		assert_eq!(Collateral::held(&HOST), 1_000 * SPR);
		assert_eq!(Collateral::collateral_beyond_bond(&HOST), 0);
	});
}

#[test]
fn a_proof_url_with_user_info_a_query_or_another_scheme_is_refused() {
	ExtBuilder::default().build().execute_with(|| {
		for url in ["", "ftp://host", "http://user@127.0.0.1", "http://host/?x", "http://h/#f"] {
			assert_noop!(
				Poc::register_host(RuntimeOrigin::signed(HOST), [0; 32], url.into(), vec![]),
				Error::<Test>::BadProofUrl
			);
		}
	});
}

/// SPEC rev 4, attack 13: changing proof keys does not void acceptances within the audit window.
/// A host's receipts, acceptances and payload statements are signed with its proof key; were the
/// key forgotten when it deregisters (or registers another), its last receipts could no longer
/// settle and — worse — a `Fail` against it could no longer be filed. Its retired key keeps
/// signing for it three epochs more (a ticket of this epoch settles in the next, is audited in
/// the one after, and disputes end then).
#[test]
fn a_retired_proof_key_still_signs_through_the_audit_window() {
	use sprint_primitives::SigningKeys;
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(register(HOST));
		assert_eq!(<Poc as SigningKeys<AccountId>>::signing_keys(&HOST), vec![[7; 32]]);
		assert_ok!(Poc::deregister_host(RuntimeOrigin::signed(HOST)));
		assert_eq!(
			<Poc as SigningKeys<AccountId>>::signing_keys(&HOST),
			vec![[7; 32]],
			"deregistered, its key still signs"
		);
		// Registered again with another key (a new bond: the old one is still unbonding): both
		// sign, the new one first.
		{
			use polkadot_sdk::frame_support::traits::fungible::Mutate;
			Balances::set_balance(&HOST, 3_000 * SPR);
		}
		assert_ok!(Poc::register_host(
			RuntimeOrigin::signed(HOST),
			[8; 32],
			b"http://127.0.0.1:8080".to_vec(),
			vec![]
		));
		assert_eq!(<Poc as SigningKeys<AccountId>>::signing_keys(&HOST), vec![[8; 32], [7; 32]]);
		assert_eq!(<Poc as SigningKeys<AccountId>>::signing_key(&HOST), Some([8; 32]));
		run_to_epoch(3);
		assert_eq!(<Poc as SigningKeys<AccountId>>::signing_keys(&HOST), vec![[8; 32], [7; 32]]);
		run_to_epoch(4);
		assert_eq!(<Poc as SigningKeys<AccountId>>::signing_keys(&HOST), vec![[8; 32]], "expired");
	});
}
