//! The epoch timeline (docs/protocol.md §2): which phase a block is in, and which parameters are
//! sound.

use crate::types::{Phase, PocParams, MAX_SAMPLES, MAX_SEATS};

/// The phase of the block `offset` blocks after its epoch's first block.
pub fn phase_at(offset: u32, p: &PocParams) -> Phase {
	let mut end = p.generation_window;
	if offset < end {
		return Phase::Generation;
	}
	end += p.commit_window;
	if offset < end {
		return Phase::Commit;
	}
	end += p.validation_window;
	if offset < end {
		return Phase::Validation;
	}
	end += p.answer_period;
	if offset < end {
		return Phase::Answer;
	}
	end += p.check_period;
	if offset < end {
		return Phase::Check;
	}
	Phase::Tally
}

/// The longest epoch governance may set: a week of 6 s blocks. Rewards, seats and the market's
/// settlement windows all turn with epochs, so no vote may stop them.
pub const MAX_EPOCH_LENGTH: u32 = 100_800;

/// Why `p` cannot run a chain, if it cannot: an epoch of at most [`MAX_EPOCH_LENGTH`] blocks, every window at least one block, all of them (and a
/// block for the tally to start) inside `epoch_length`, a goal, a count bound, seats, samples,
/// and a model shape whose heads divide `d_model`.
pub fn validate(p: &PocParams) -> Result<(), &'static str> {
	let windows = [
		p.generation_window,
		p.commit_window,
		p.validation_window,
		p.answer_period,
		p.check_period,
	];
	if windows.contains(&0) {
		return Err("every PoC window must be at least one block");
	}
	let total = windows
		.iter()
		.try_fold(0u32, |sum, w| sum.checked_add(*w))
		.ok_or("PoC windows overflow")?;
	if p.epoch_length > MAX_EPOCH_LENGTH {
		return Err("epoch_length must be at most 100,800 blocks (a week of 6 s blocks)");
	}
	if total >= p.epoch_length {
		return Err(
			"the PoC windows do not fit in epoch_length (the tally needs at least one block)",
		);
	}
	if p.max_participants == 0 {
		return Err("max_participants must be above zero");
	}
	if p.goal == 0 || p.max_count == 0 {
		return Err("goal and max_count must be above zero");
	}
	if !(1..=MAX_SEATS).contains(&p.seats_per_participant) {
		return Err("seats_per_participant must be between 1 and 16");
	}
	if !(1..=MAX_SAMPLES).contains(&p.samples_per_seat) {
		return Err("samples_per_seat must be between 1 and 64");
	}
	p.model.validate().map_err(|_| {
		"the model shape is one the engine cannot run (ModelShape::validate: sizes above zero, \
		 n_heads dividing d_model, seq_len ≤ 128, widths ≤ 65,536 and multiples of 4)"
	})?;
	Ok(())
}
