//! A signed transfer, applied the way a block applies it: it moves the balance, pays a fee, and
//! the fee lands in the community fund.

use crate::common;

use polkadot_sdk::{
	frame_support::traits::fungible::Inspect, pallet_transaction_payment,
	sp_genesis_builder::DEV_RUNTIME_PRESET, sp_keyring::Sr25519Keyring,
};
use sprint_runtime::{
	genesis::community_fund_account, Balances, Executive, RuntimeCall, RuntimeEvent, System,
	UncheckedExtrinsic, SPR,
};

fn signed_transfer(
	from: Sr25519Keyring,
	to: Sr25519Keyring,
	amount: u128,
	nonce: u32,
) -> UncheckedExtrinsic {
	let call = RuntimeCall::Balances(polkadot_sdk::pallet_balances::Call::transfer_keep_alive {
		dest: to.to_account_id().into(),
		value: amount,
	});
	common::signed(from, call, nonce)
}

use common::start_block_one;

#[test]
fn a_signed_transfer_moves_the_balance_and_pays_a_fee_into_the_community_fund() {
	common::genesis_of(DEV_RUNTIME_PRESET).execute_with(|| {
		let (alice, bob) =
			(Sr25519Keyring::Alice.to_account_id(), Sr25519Keyring::Bob.to_account_id());
		let fund = community_fund_account();
		let (alice_before, bob_before, fund_before) =
			(Balances::balance(&alice), Balances::balance(&bob), Balances::balance(&fund));

		start_block_one();
		let amount = 10 * SPR;
		let outcome = Executive::apply_extrinsic(signed_transfer(
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			amount,
			0,
		));
		assert_eq!(outcome, Ok(Ok(())));

		let fee = System::events()
			.into_iter()
			.find_map(|record| match record.event {
				RuntimeEvent::TransactionPayment(
					pallet_transaction_payment::Event::TransactionFeePaid {
						who, actual_fee, ..
					},
				) if who == alice => Some(actual_fee),
				_ => None,
			})
			.expect("TransactionFeePaid emitted");
		assert!(fee > 0, "a transfer is not free");
		assert!(fee < SPR / 10, "a transfer costs less than 0.1 SPR, got {fee}");
		assert_eq!(Balances::balance(&bob), bob_before + amount);
		assert_eq!(Balances::balance(&alice), alice_before - amount - fee);
		assert_eq!(Balances::balance(&fund), fund_before + fee);
		assert_eq!(System::account_nonce(&alice), 1);
	});
}

#[test]
fn a_transfer_with_a_bad_signature_is_rejected_and_changes_nothing() {
	common::genesis_of(DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let alice_before = Balances::balance(&alice);
		start_block_one();
		let mut xt = signed_transfer(Sr25519Keyring::Alice, Sr25519Keyring::Bob, SPR, 0);
		// Re-sign the same payload with Bob's key while claiming to be Alice.
		let forged = signed_transfer(Sr25519Keyring::Bob, Sr25519Keyring::Bob, SPR, 0);
		if let (
			polkadot_sdk::sp_runtime::generic::Preamble::Signed(_, sig, _),
			polkadot_sdk::sp_runtime::generic::Preamble::Signed(_, forged_sig, _),
		) = (&mut xt.preamble, &forged.preamble)
		{
			*sig = forged_sig.clone();
		}
		assert!(Executive::apply_extrinsic(xt).is_err());
		assert_eq!(Balances::balance(&alice), alice_before);
		assert_eq!(System::account_nonce(&alice), 0);
	});
}
