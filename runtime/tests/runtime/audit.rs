//! The inference audit wired through the real runtime (docs/protocol.md §7): pallet-audit reads
//! settled batches from pallet-inference, secrets and power from pallet-poc, and slashes through
//! pallet-collateral. On the dev genesis (built by the WASM runtime), Bob registers as a host,
//! serves Charlie's tickets and settles them; in the next epoch Alice audits one; once the
//! answer period opens its jury is drawn (three jurors: the other validators), two of them
//! confirm her `Fail`, and Charlie is refunded, Bob's fees are forfeited, 20% of his collateral
//! slashed and he is jailed.

use crate::common;

use polkadot_sdk::{
	frame_support::{assert_ok, traits::fungible::Inspect},
	sp_core::{sr25519, Pair, H256},
	sp_keyring::Sr25519Keyring,
};
use sprint_core::market::{
	batch_path, key_ownership_payload, payload_statement, Receipt, Sampling, Ticket,
};
use sprint_primitives::{AuditValidators, Slasher, SPR};
use sprint_runtime::{
	AccountId, Audit, Balances, Collateral, Inference, Poc, RuntimeOrigin, System,
};

fn origin(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.to_account_id())
}

#[test]
fn a_confirmed_fail_refunds_the_payer_forfeits_the_fees_slashes_and_jails_the_executor() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let bob_proof = sr25519::Pair::from_string("//Bob//proof", None).expect("valid uri");
		let api_key = sr25519::Pair::from_string("//Charlie//api", None).expect("valid uri");
		let genesis: [u8; 32] = System::block_hash(0).into();

		// The market: a model, Bob a host serving it, Charlie's deposit and key.
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), common::smollm2()));
		assert_ok!(Poc::register_host(
			origin(Sr25519Keyring::Bob),
			bob_proof.public().0,
			b"http://127.0.0.1:1".to_vec(),
			b"e2e".to_vec()
		));
		let bond = Collateral::held(&bob);
		assert!(bond > 0, "registration holds the host bond");
		assert_ok!(Inference::declare_service(
			origin(Sr25519Keyring::Bob),
			pallet_inference::ServiceDeclaration {
				models: vec![0].try_into().expect("one"),
				capacity: 100,
				api_url: b"https://bob.example/v1".to_vec().try_into().expect("short"),
				energy: pallet_inference::EnergySource::Solar,
				region: b"DE".to_vec().try_into().expect("short"),
			}
		));
		assert_ok!(Inference::deposit(origin(Sr25519Keyring::Charlie), 100 * SPR));
		assert_ok!(Inference::add_api_key(
			origin(Sr25519Keyring::Charlie),
			api_key.public().0,
			10 * SPR,
			10_000,
			u32::MAX,
			api_key.sign(&key_ownership_payload(&charlie, &genesis)).0
		));

		// 32 receipts of 40 tokens settled by Bob in epoch 0.
		let receipts: Vec<Receipt<AccountId, u128>> = (0..32u64)
			.map(|nonce| {
				let ticket = Ticket {
					genesis,
					key: api_key.public().0,
					executor: bob.clone(),
					model: 0,
					request_hash: [nonce as u8; 32],
					max_tokens: 64,
					sampling: Sampling { temperature_milli: 0, top_p_milli: 1_000, seed: nonce },
					price: 1_000,
					nonce,
					epoch: 0,
					expiry: 1_000,
				};
				let mut receipt = Receipt {
					ticket_signature: api_key.sign(&ticket.signing_payload()).0,
					ticket,
					prompt_tokens: 20,
					completion_tokens: 20,
					output_commitment: [nonce as u8; 32],
					executor_signature: [0; 64],
				};
				receipt.executor_signature = bob_proof.sign(&receipt.executor_payload()).0;
				receipt
			})
			.collect();
		assert_ok!(Inference::settle(
			origin(Sr25519Keyring::Bob),
			receipts.clone().try_into().expect("32")
		));
		let pending: u128 = pallet_inference::PendingFees::<sprint_runtime::Runtime>::get(&bob)
			.iter()
			.map(|(_, a)| a)
			.sum();
		assert_eq!(pending, 32 * 40 * 1_000 * 8 / 10);

		// Epoch 1's validation window, with four validators of equal power (the genesis
		// validators standing in) whose secrets are revealed.
		let validators = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
			Sr25519Keyring::Ferdie,
		];
		type R = sprint_runtime::Runtime;
		let params = pallet_poc::EpochParams::<R>::get(0).expect("genesis params");
		pallet_poc::EpochParams::<R>::insert(1, params.clone());
		pallet_poc::CurrentEpoch::<R>::put(1);
		let offset = params.generation_window + params.commit_window;
		System::set_block_number(offset + 10);
		pallet_poc::EpochStart::<R>::put(10);
		let secret = |v: Sr25519Keyring| H256([v as u8; 32]);
		for v in validators {
			pallet_poc::RevealedSecrets::<R>::insert(1, v.to_account_id(), secret(v));
		}
		let pool: Vec<(AccountId, u128)> =
			validators.iter().map(|v| (v.to_account_id(), 1u128)).collect();
		pallet_poc::AuditPower::<R>::insert(1, (4u128, true));
		pallet_poc::AuditPool::<R>::insert(1, frame_bounded(pool));
		assert_eq!(
			<Poc as AuditValidators<AccountId>>::stage().1,
			sprint_primitives::EpochStage::Validation
		);

		// Alice's draw hits some receipt (a quarter of the power: a quarter of the receipts).
		let alice = Sr25519Keyring::Alice.to_account_id();
		let ids: Vec<[u8; 32]> = receipts.iter().map(|r| r.id()).collect();
		let index = (0..receipts.len())
			.find(|i| Audit::is_drawn(0, &receipts[*i], &secret(Sr25519Keyring::Alice).0, 1, 4))
			.expect("a quarter of 32 receipts");
		let payload_hash = [9u8; 32];
		let fail = pallet_audit::AuditResult::Fail {
			position: 5,
			payload_hash,
			executor_signature: bob_proof.sign(&payload_statement(&ids[index], &payload_hash)).0,
		};
		let audit = pallet_audit::Audit {
			batch: 0,
			index: index as u32,
			receipt: receipts[index].clone(),
			path: batch_path(&ids, index as u32).try_into().expect("short"),
			result: fail,
		};
		assert_ok!(Audit::submit_audits(
			origin(Sr25519Keyring::Alice),
			0,
			vec![audit].try_into().expect("one")
		));
		let dispute = pallet_audit::Disputes::<R>::get(0, ids[index]).expect("opened");
		assert!(dispute.seats.is_empty(), "no jury while claims may still come");
		assert_eq!(Audit::jury(0, ids[index]), None);
		// The answer period opens: pallet-audit's hook fixes the jury randomness.
		System::set_block_number(offset + params.validation_window + 10);
		assert_eq!(
			<Poc as AuditValidators<AccountId>>::stage().1,
			sprint_primitives::EpochStage::Answer
		);
		<Audit as polkadot_sdk::frame_support::traits::Hooks<u32>>::on_initialize(
			offset + params.validation_window + 10,
		);
		let seats = Audit::jury(0, ids[index]).expect("drawn");
		assert_eq!(seats.len(), 3, "min(5, eligible): the three validators but Alice");
		assert!(!seats.contains(&alice) && !seats.contains(&bob));

		let deposit = Inference::deposit_of(&charlie);
		let collateral = Collateral::held(&bob);
		for seat in &seats[..2] {
			assert_ok!(Audit::vote(RuntimeOrigin::signed(seat.clone()), 0, ids[index], true));
		}
		assert_eq!(
			pallet_audit::Disputes::<R>::get(0, ids[index]).and_then(|d| d.resolution),
			Some(pallet_audit::Resolution::Fraud)
		);
		assert_eq!(Inference::deposit_of(&charlie), deposit + 40_000, "the payer is refunded");
		assert!(pallet_inference::PendingFees::<R>::get(&bob).is_empty(), "fees forfeited");
		assert_eq!(Collateral::held(&bob), collateral - collateral / 5, "20% slashed");
		assert!(<Collateral as Slasher<AccountId>>::is_jailed(&bob), "and jailed");
		assert!(Balances::balance(&bob) > 0);
	});
}

fn frame_bounded(
	pool: Vec<(AccountId, u128)>,
) -> polkadot_sdk::frame_support::BoundedVec<
	(AccountId, u128),
	<sprint_runtime::Runtime as pallet_poc::Config>::MaxParticipants,
> {
	pool.try_into().expect("four")
}
