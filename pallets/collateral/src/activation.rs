//! Weight activation by collateral (docs/protocol.md §5): `base_weight_ratio` of a host's weight
//! counts with no collateral beyond its bond; the rest counts only as far as collateral beyond the
//! bond covers it, at `collateral_per_weight_unit` per unit. Before `grace_epochs`, all of it
//! counts.

use crate::types::{CollateralParams, EpochIndex};

/// The activated part of `weight` for a host with `collateral_beyond_bond` in epoch `epoch`.
pub fn activated_weight(
	weight: u128,
	collateral_beyond_bond: u128,
	epoch: EpochIndex,
	params: &CollateralParams<u128>,
) -> u128 {
	if epoch < params.grace_epochs {
		return weight;
	}
	let base = params.base_weight_ratio.mul_floor(weight);
	let rest = weight - base;
	let covered = match collateral_beyond_bond.checked_div(params.collateral_per_weight_unit) {
		Some(units) => units.min(rest),
		// A zero price per unit: collateral is not required.
		None => rest,
	};
	base + covered
}
