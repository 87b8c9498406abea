//! Property test over random sequences of credits, epoch changes, claims and slashes:
//! - the pot holds exactly its deposit plus every ledger (vested + unvested);
//! - minted rewards = claimed + slashed + still held (vested + unvested);
//! - total issuance = Σ balances, and emission never passes its cap.

use polkadot_sdk::{
	frame_support::traits::{fungible::Inspect, Imbalance},
	frame_system,
	sp_arithmetic::Perbill,
};
use proptest::prelude::*;

use crate::{mock::*, Ledgers, TotalMinted};

#[derive(Debug, Clone)]
enum Op {
	Credit { host: u64, weight: u128, total: u128 },
	NextEpochs(u32),
	Claim(u64),
	Slash { host: u64, percent: u32 },
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		(1u64..4, 0u128..100, 0u128..200).prop_map(|(host, weight, extra)| Op::Credit {
			host,
			weight,
			total: weight + extra
		}),
		(1u32..60).prop_map(Op::NextEpochs),
		(1u64..4).prop_map(Op::Claim),
		(1u64..4, 0u32..=100).prop_map(|(host, percent)| Op::Slash { host, percent }),
	]
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

	#[test]
	fn emission_accounting_balances_under_any_sequence(ops in proptest::collection::vec(op(), 1..60)) {
		let cap = 900_000 * SPR;
		ExtBuilder::default().with_params(|p| p.emission_cap = cap).build().execute_with(|| {
			let (mut epoch, mut credited, mut claimed, mut slashed) = (0u32, 0u128, 0u128, 0u128);
			for op in ops {
				match op {
					Op::Credit { host, weight, total } => credited += Emission::credit_reward(epoch, &host, weight, total),
					Op::NextEpochs(n) => {
						epoch += n;
						set_epoch(epoch);
					},
					Op::Claim(host) => {
						let before = Balances::balance(&host);
						let _ = Emission::claim_rewards(RuntimeOrigin::signed(host));
						claimed += Balances::balance(&host) - before;
					},
					Op::Slash { host, percent } => {
						let credit = Emission::slash_unvested(&host, Perbill::from_percent(percent));
						slashed += credit.peek();
						let _ = <Balances as polkadot_sdk::frame_support::traits::fungible::Balanced<u64>>::resolve(&CHARLIE, credit);
					},
				}
				let held: u128 = Ledgers::<Test>::iter_values()
					.map(|l| l.vested + crate::ledger::unvested(&l))
					.sum();
				let held_now: u128 = (1..4).map(|h| { let (v, u) = Emission::rewards_of(&h); v + u }).sum();
				assert_eq!(held, held_now, "releasing does not create or lose funds");
				let pot = Balances::balance(&Emission::pot());
				let deposit = if TotalMinted::<Test>::get() > 0 { ED } else { 0 };
				assert_eq!(pot, deposit + held);
				assert_eq!(credited, claimed + slashed + held);
				assert!(TotalMinted::<Test>::get() <= cap);
				let sum: u128 = frame_system::Account::<Test>::iter_values().map(|a| a.data.free + a.data.reserved).sum();
				assert_eq!(Balances::total_issuance(), sum);
			}
		});
	}
}
