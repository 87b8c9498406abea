//! Weights of `pallet_inference`.
//!
//! PROVISIONAL: these figures are estimates from pallet-collateral's measured calls of the same
//! shape (a hold, a transfer, a map write) plus two sr25519 verifications (about 100 µs each in
//! WASM) per settled receipt, not measurements. The benchmarks in `benchmarking.rs` run as tests
//! today; once the pallet is in the runtime, `make weights` regenerates this file from them with
//! `pallets/weight-template.hbs`, like the other pallets'.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions of `pallet_inference`.
pub trait WeightInfo {
	fn register_model() -> Weight;
	fn declare_service() -> Weight;
	fn deposit() -> Weight;
	fn request_withdrawal() -> Weight;
	fn withdraw() -> Weight;
	fn add_api_key() -> Weight;
	fn revoke_api_key() -> Weight;
	/// `n` receipts, each of a different key and owner (the worst case).
	fn settle(n: u32) -> Weight;
	fn claim_fees() -> Weight;
	/// The price update over `m` models.
	fn update_prices(m: u32) -> Weight;
	/// A prune step that removed `k` entries.
	fn prune_step(k: u32) -> Weight;
}

/// One call's estimate: a fixed part and a part per item (receipt, model, entry).
struct Estimate {
	picos: u64,
	picos_per_item: u64,
	proof: u64,
	proof_per_item: u64,
	reads: u64,
	reads_per_item: u64,
	writes: u64,
	writes_per_item: u64,
}

const fn fixed(picos: u64, proof: u64, reads: u64, writes: u64) -> Estimate {
	Estimate {
		picos,
		picos_per_item: 0,
		proof,
		proof_per_item: 0,
		reads,
		reads_per_item: 0,
		writes,
		writes_per_item: 0,
	}
}

const REGISTER_MODEL: Estimate = fixed(40_000_000, 3_000, 3, 5);
const DECLARE_SERVICE: Estimate = fixed(60_000_000, 12_000, 12, 10);
const DEPOSIT: Estimate = fixed(115_000_000, 3_900, 2, 2);
const REQUEST_WITHDRAWAL: Estimate = fixed(30_000_000, 3_900, 2, 1);
const WITHDRAW: Estimate = fixed(135_000_000, 3_900, 3, 2);
const ADD_API_KEY: Estimate = fixed(150_000_000, 3_600, 4, 2);
const REVOKE_API_KEY: Estimate = fixed(30_000_000, 3_600, 1, 1);
const CLAIM_FEES: Estimate = fixed(120_000_000, 3_800, 3, 2);
const SETTLE: Estimate = Estimate {
	picos: 200_000_000,
	picos_per_item: 300_000_000,
	proof: 20_000,
	proof_per_item: 3_700,
	reads: 10,
	reads_per_item: 7,
	writes: 8,
	writes_per_item: 4,
};
const UPDATE_PRICES: Estimate = Estimate {
	picos: 10_000_000,
	picos_per_item: 25_000_000,
	proof: 2_000,
	proof_per_item: 3_000,
	reads: 2,
	reads_per_item: 5,
	writes: 1,
	writes_per_item: 4,
};
const PRUNE_STEP: Estimate = Estimate {
	picos: 15_000_000,
	picos_per_item: 8_000_000,
	proof: 2_000,
	proof_per_item: 100,
	reads: 3,
	reads_per_item: 1,
	writes: 1,
	writes_per_item: 1,
};

fn weigh(e: &Estimate, items: u32, db: RuntimeDbWeight) -> Weight {
	let n = u64::from(items);
	Weight::from_parts(
		e.picos.saturating_add(e.picos_per_item.saturating_mul(n)),
		e.proof.saturating_add(e.proof_per_item.saturating_mul(n)),
	)
	.saturating_add(db.reads(e.reads.saturating_add(e.reads_per_item.saturating_mul(n))))
	.saturating_add(db.writes(e.writes.saturating_add(e.writes_per_item.saturating_mul(n))))
}

/// Estimates with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_model() -> Weight {
		weigh(&REGISTER_MODEL, 0, T::DbWeight::get())
	}
	fn declare_service() -> Weight {
		weigh(&DECLARE_SERVICE, 0, T::DbWeight::get())
	}
	fn deposit() -> Weight {
		weigh(&DEPOSIT, 0, T::DbWeight::get())
	}
	fn request_withdrawal() -> Weight {
		weigh(&REQUEST_WITHDRAWAL, 0, T::DbWeight::get())
	}
	fn withdraw() -> Weight {
		weigh(&WITHDRAW, 0, T::DbWeight::get())
	}
	fn add_api_key() -> Weight {
		weigh(&ADD_API_KEY, 0, T::DbWeight::get())
	}
	fn revoke_api_key() -> Weight {
		weigh(&REVOKE_API_KEY, 0, T::DbWeight::get())
	}
	fn settle(n: u32) -> Weight {
		weigh(&SETTLE, n, T::DbWeight::get())
	}
	fn claim_fees() -> Weight {
		weigh(&CLAIM_FEES, 0, T::DbWeight::get())
	}
	fn update_prices(m: u32) -> Weight {
		weigh(&UPDATE_PRICES, m, T::DbWeight::get())
	}
	fn prune_step(k: u32) -> Weight {
		weigh(&PRUNE_STEP, k, T::DbWeight::get())
	}
}

/// For tests: the same estimates with ParityDB's database weights.
impl WeightInfo for () {
	fn register_model() -> Weight {
		weigh(&REGISTER_MODEL, 0, ParityDbWeight::get())
	}
	fn declare_service() -> Weight {
		weigh(&DECLARE_SERVICE, 0, ParityDbWeight::get())
	}
	fn deposit() -> Weight {
		weigh(&DEPOSIT, 0, ParityDbWeight::get())
	}
	fn request_withdrawal() -> Weight {
		weigh(&REQUEST_WITHDRAWAL, 0, ParityDbWeight::get())
	}
	fn withdraw() -> Weight {
		weigh(&WITHDRAW, 0, ParityDbWeight::get())
	}
	fn add_api_key() -> Weight {
		weigh(&ADD_API_KEY, 0, ParityDbWeight::get())
	}
	fn revoke_api_key() -> Weight {
		weigh(&REVOKE_API_KEY, 0, ParityDbWeight::get())
	}
	fn settle(n: u32) -> Weight {
		weigh(&SETTLE, n, ParityDbWeight::get())
	}
	fn claim_fees() -> Weight {
		weigh(&CLAIM_FEES, 0, ParityDbWeight::get())
	}
	fn update_prices(m: u32) -> Weight {
		weigh(&UPDATE_PRICES, m, ParityDbWeight::get())
	}
	fn prune_step(k: u32) -> Weight {
		weigh(&PRUNE_STEP, k, ParityDbWeight::get())
	}
}
