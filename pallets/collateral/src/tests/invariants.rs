//! Property test over random sequences of deposits, unbonds, withdrawals, slashes and epochs:
//! collateral held = deposits − slashes − withdrawals, held = active + unbonding, and total
//! issuance = Σ balances (slashes move funds, never create or destroy them).

use polkadot_sdk::{frame_support::traits::fungible::Inspect, frame_system};
use proptest::prelude::*;
use sprint_primitives::{OffenceKind, Slasher};

use crate::{mock::*, Collaterals};

#[derive(Debug, Clone)]
enum Op {
	Deposit(u128),
	Unbond(u128),
	Withdraw,
	Slash(OffenceKind, u32),
	NextEpoch,
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		(1u128..500).prop_map(|a| Op::Deposit(a * SPR)),
		(1u128..500).prop_map(|a| Op::Unbond(a * SPR)),
		Just(Op::Withdraw),
		(0u32..6, 0u32..5).prop_map(|(k, e)| Op::Slash(
			[
				OffenceKind::PocFraud,
				OffenceKind::InferenceFraud,
				OffenceKind::Downtime,
				OffenceKind::LazyValidation,
				OffenceKind::SilentSeat,
				OffenceKind::RefutedClaim,
			][k as usize],
			e
		)),
		Just(Op::NextEpoch),
	]
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

	#[test]
	fn collateral_held_is_deposits_less_slashes_less_withdrawals(ops in proptest::collection::vec(op(), 1..50)) {
		ExtBuilder::default().with_balance(HOST, 10_000 * SPR).build().execute_with(|| {
			let (mut deposited, mut slashed, mut withdrawn, mut epoch) = (0u128, 0u128, 0u128, 0u32);
			for op in ops {
				match op {
					Op::Deposit(a) => if Collateral::deposit(RuntimeOrigin::signed(HOST), a).is_ok() { deposited += a },
					Op::Unbond(a) => { let _ = Collateral::request_unbond(RuntimeOrigin::signed(HOST), a); },
					Op::Withdraw => {
						let before = Balances::balance(&HOST);
						let _ = Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST));
						withdrawn += Balances::balance(&HOST) - before;
					},
					Op::Slash(kind, e) => slashed += <Collateral as Slasher<_>>::slash(&HOST, kind, e, &[V1, V2]),
					Op::NextEpoch => { epoch += 1; set_epoch(epoch); },
				}
				let held = Collateral::held(&HOST);
				assert_eq!(held, deposited - slashed - withdrawn);
				let ledger = Collaterals::<Test>::get(HOST).unwrap_or_default();
				let unbonding: u128 = ledger.unbonding.iter().map(|c| c.amount).sum();
				assert_eq!(held, ledger.active + unbonding);
				let sum: u128 = frame_system::Account::<Test>::iter_values().map(|a| a.data.free + a.data.reserved).sum();
				assert_eq!(Balances::total_issuance(), sum);
			}
		});
	}
}
