//! The energy estimate of an epoch's work (docs/protocol.md §9), FRAME-free arithmetic.
//!
//! Energy follows work, not leaves: a leaf is a nonce whose digest fell below the target, so a
//! host that committed `count` leaves tried `count · 2^256 / target` nonces on average, and a
//! harder target means more nonces per leaf. Each nonce costs `nanojoules_per_nonce` (a figure
//! per model shape, set by governance):
//!
//! `energy (mJ) = count · (2^256 / target) · nanojoules_per_nonce / 10^6`, and
//! `kWh = energy (mJ) / 3.6 · 10^9`.
//!
//! Computed in 512-bit integers (`count < 2^32`, `2^256 / target ≤ 2^256`, the figure `< 2^64`:
//! the product fits in 352 bits), so no weight, target or figure overflows; a result beyond
//! `u128` millijoules (far beyond any real figure) saturates.

use polkadot_sdk::sp_core::{H256, U256, U512};

/// Millijoules in one kilowatt-hour.
pub const MILLIJOULES_PER_KWH: u128 = 3_600_000_000;

/// Nonces tried for one leaf on average under `target`: `2^256 / target` (`2^256` for a target
/// of zero, which no digest meets, so no leaf is ever committed under it).
pub fn nonces_per_leaf(target: &H256) -> U512 {
	let target = U256::from_big_endian(target.as_bytes());
	let space = U512::one() << 256;
	if target.is_zero() {
		space
	} else {
		space / U512::from(target)
	}
}

/// The estimated energy, in millijoules, of `count` leaves committed under `target` at
/// `nanojoules_per_nonce`.
pub fn energy_millijoules(count: u32, target: &H256, nanojoules_per_nonce: u64) -> u128 {
	let nanojoules = U512::from(count) * nonces_per_leaf(target) * U512::from(nanojoules_per_nonce);
	let millijoules = nanojoules / U512::from(1_000_000u32);
	u128::try_from(millijoules).unwrap_or(u128::MAX)
}

/// `millijoules` in kWh as a decimal with 9 places (a resolution of 3.6 mJ), for metadata.
pub fn kwh_decimal(millijoules: u128) -> alloc::string::String {
	let whole = millijoules / MILLIJOULES_PER_KWH;
	// rem < 3.6·10^9, so rem · 10^9 < 3.6·10^18 fits.
	let fraction = (millijoules % MILLIJOULES_PER_KWH) * 1_000_000_000 / MILLIJOULES_PER_KWH;
	alloc::format!("{whole}.{fraction:09}")
}

#[cfg(test)]
mod tests {
	use super::*;

	fn target_bits(bits: u32) -> H256 {
		// 2^bits: a leaf every 2^(256 - bits) nonces.
		H256((U256::one() << bits).to_big_endian())
	}

	#[test]
	fn energy_is_leaves_times_nonces_per_leaf_times_the_figure() {
		// 1,000 leaves at one in 2^20 nonces, 0.1 J per nonce: 1,000 · 2^20 · 0.1 J.
		let mj = energy_millijoules(1_000, &target_bits(236), 100_000_000);
		assert_eq!(mj, 1_000 * (1u128 << 20) * 100);
		// A target twice as hard: twice the nonces per leaf, twice the energy.
		assert_eq!(energy_millijoules(1_000, &target_bits(235), 100_000_000), 2 * mj);
		assert_eq!(kwh_decimal(mj), "29.127111111");
	}

	#[test]
	fn the_largest_inputs_saturate_instead_of_overflowing() {
		assert_eq!(energy_millijoules(u32::MAX, &H256([0; 32]), u64::MAX), u128::MAX);
		let mut one = [0u8; 32];
		one[31] = 1;
		assert_eq!(energy_millijoules(u32::MAX, &H256(one), u64::MAX), u128::MAX);
		// The easiest target: one nonce per leaf.
		assert_eq!(energy_millijoules(u32::MAX, &H256([0xff; 32]), 1_000_000), u32::MAX as u128);
		assert_eq!(energy_millijoules(0, &H256(one), u64::MAX), 0);
		assert_eq!(kwh_decimal(u128::MAX).len(), 39);
	}

	#[test]
	fn kwh_keeps_nine_places() {
		assert_eq!(kwh_decimal(0), "0.000000000");
		assert_eq!(kwh_decimal(4), "0.000000001");
		assert_eq!(kwh_decimal(MILLIJOULES_PER_KWH), "1.000000000");
		assert_eq!(kwh_decimal(MILLIJOULES_PER_KWH * 3 / 2), "1.500000000");
	}
}
