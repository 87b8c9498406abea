//! The hooks' work at the runtime's real weights and budget (docs/protocol.md §2): the seat draw,
//! the tally and the pruning of `max_participants` hosts fit an epoch, at the production parameters
//! (16,384 hosts) and at the dev chain's. Genesis refuses parameters that do not
//! (`pallet_poc::budget`); this shows the presets pass with room to spare.

use pallet_poc::PocParams;
use sprint_runtime::Poc;

fn work(p: &PocParams) -> pallet_poc::budget::HookWork {
	let work = Poc::check_hook_work(p).unwrap_or_else(|why| panic!("{why}: {p:?}"));
	println!(
		"{} hosts: draw {} of {} blocks, tally {} of {} blocks, {} prune steps; {} of {} blocks \
		 per epoch",
		p.max_participants,
		work.draw_blocks,
		work.draw_limit,
		work.tally_blocks,
		work.tally_limit,
		work.prune_steps,
		work.total_blocks,
		p.epoch_length
	);
	work
}

#[test]
fn the_production_parameters_fit_their_cap_of_4_096_hosts_in_an_epoch() {
	let p = PocParams::production_defaults();
	assert_eq!(p.max_participants, 4_096);
	let work = work(&p);
	// 4,096 · (13 + 8) entries at 500 a step (pallet_poc::budget lists them), the single
	// values' step, and later the 4,096 accepted weights on their own cursor.
	assert_eq!(work.prune_steps, (4_096 * 21u64).div_ceil(500) + 1 + 4_096u64.div_ceil(500));
	assert!(work.total_blocks < u64::from(p.epoch_length) / 4, "{work:?}");
}

/// At the runtime's `MaxParticipants` (16,384) everything fits the epoch but one step: the seat
/// draw's first, which filters every candidate at once and outgrows the hook budget. Filtering
/// in steps across blocks will lift the cap to 16,384.
#[test]
fn at_16_384_hosts_only_the_draws_first_step_outgrows_the_budget() {
	let p = PocParams { max_participants: 16_384, ..PocParams::production_defaults() };
	let work = Poc::hook_work(&p);
	println!("16384 hosts: {work:?}");
	assert!(!work.steps_fit);
	assert_eq!(work.prune_steps, (16_384 * 21u64).div_ceil(500) + 1 + 16_384u64.div_ceil(500));
	assert!(work.draw_blocks <= work.draw_limit && work.tally_blocks <= work.tally_limit);
	assert!(work.total_blocks <= u64::from(p.epoch_length) / 4, "{work:?}");
	assert!(Poc::check_hook_work(&p).is_err());
}

#[test]
fn the_dev_parameters_fit_their_cap_in_a_sixty_block_epoch() {
	let work = work(&PocParams::dev_defaults());
	assert!(work.total_blocks <= 60, "{work:?}");
}

#[test]
fn a_cap_the_dev_epoch_cannot_carry_is_refused() {
	let p = PocParams { max_participants: 16_384, ..PocParams::dev_defaults() };
	assert!(Poc::check_hook_work(&p).is_err());
}
