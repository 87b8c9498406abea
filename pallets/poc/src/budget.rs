//! Whether the hooks' work fits an epoch (docs/protocol.md §2: genesis refuses parameters under
//! which the seat draw, the tally and the pruning at the participant cap cannot finish inside an
//! epoch).
//!
//! Every hook step has a benchmarked weight ([`WeightInfo`]); a block runs as many steps as
//! [`Config::HookBudget`] holds (at least one). At `max_participants` participants, each of them
//! also a secret committer, with `k_v` seats each:
//!
//! - the **draw** takes one block to start and `max_participants` seat steps; it must end in the
//!   first half of the validation window, so the seats keep the rest to check;
//! - the **tally** takes a decide, a reveal, a weigh and a credit step per participant (plus the
//!   stage ends); it must end before the next epoch's draw begins;
//! - the **pruning** of one epoch takes `⌈entries / PRUNE_PER_BLOCK⌉ + 1` steps, one per block,
//!   of `max_participants · (14 + k_v)` entries at most (commitment, participant, its rank,
//!   its place in the next epoch's validator pool,
//!   seats, outcome, accepted weight, two forfeits, `k_v` assignments, a displaced host's record
//!   — at most `max_participants` are displaced — and the four secret entries each);
//! - together they must fit one epoch's blocks, so that no work ever piles up from epoch to
//!   epoch.

use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

use crate::{pruning::PRUNE_PER_BLOCK, *};

/// The hooks' work in one epoch at `max_participants`, in blocks (or steps) of the hook budget.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HookWork {
	/// Blocks the seat draw needs.
	pub draw_blocks: u64,
	/// Blocks the draw may take: half the validation window.
	pub draw_limit: u64,
	/// Blocks the tally needs.
	pub tally_blocks: u64,
	/// Blocks from the tally's start to the next epoch's draw.
	pub tally_limit: u64,
	/// Prune steps (one per block) for one epoch's storage.
	pub prune_steps: u64,
	/// Blocks the draw, the tally and the pruning need together per epoch.
	pub total_blocks: u64,
	/// Whether every single step fits the hook budget (the first step of a block is taken
	/// even over budget, which must never be needed at the cap: it would eat into the block).
	pub steps_fit: bool,
}

/// How many steps of weight `step` fit one block's `budget` (at least one: the first step of a
/// block is always taken).
fn per_block(budget: Weight, step: Weight) -> u64 {
	let fit = |budget: u64, step: u64| budget.checked_div(step).unwrap_or(u64::MAX);
	fit(budget.ref_time(), step.ref_time()).min(fit(budget.proof_size(), step.proof_size())).max(1)
}

/// Blocks for `count` steps of weight `step`.
fn blocks(count: u64, budget: Weight, step: Weight) -> u64 {
	count.div_ceil(per_block(budget, step))
}

impl<T: Config> Pallet<T> {
	/// The hooks' work per epoch under `p` (see the module docs).
	pub fn hook_work(p: &PocParams) -> HookWork {
		let w = |f: fn() -> Weight| f();
		let budget = T::HookBudget::get();
		let n = u64::from(p.max_participants);
		let k = u64::from(p.seats_per_participant);

		let draw_blocks = blocks(1, budget, T::WeightInfo::start_draw(p.max_participants))
			+ blocks(n, budget, T::WeightInfo::draw_step(p.seats_per_participant));
		let tally_blocks = blocks(n, budget, w(T::WeightInfo::tally_decide_step))
			+ blocks(n, budget, w(T::WeightInfo::tally_reveal_step))
			+ blocks(n, budget, w(T::WeightInfo::tally_weigh_step))
			+ blocks(n, budget, w(T::WeightInfo::tally_credit_step))
			+ blocks(4, budget, w(T::WeightInfo::tally_finish));
		let steps = [
			T::WeightInfo::start_draw(p.max_participants),
			T::WeightInfo::draw_step(p.seats_per_participant),
			w(T::WeightInfo::tally_decide_step),
			w(T::WeightInfo::tally_reveal_step),
			w(T::WeightInfo::tally_weigh_step),
			w(T::WeightInfo::tally_credit_step),
			w(T::WeightInfo::tally_finish),
			w(T::WeightInfo::prune_step),
		];
		let steps_fit = steps.iter().all(|step| step.all_lte(budget));
		// The epoch's maps (accepted weights aside) and its single values, then, epochs later,
		// its accepted weights on their own cursor.
		let entries = n.saturating_mul(13 + k);
		let prune_steps = entries.div_ceil(u64::from(PRUNE_PER_BLOCK))
			+ 1 + n.div_ceil(u64::from(PRUNE_PER_BLOCK));

		let windows_to_check = u64::from(p.generation_window)
			+ u64::from(p.commit_window)
			+ u64::from(p.validation_window)
			+ u64::from(p.answer_period)
			+ u64::from(p.check_period);
		let next_draw =
			u64::from(p.epoch_length) + u64::from(p.generation_window) + u64::from(p.commit_window);
		HookWork {
			draw_blocks,
			draw_limit: u64::from(p.validation_window) / 2,
			tally_blocks,
			tally_limit: next_draw.saturating_sub(windows_to_check),
			prune_steps,
			total_blocks: draw_blocks + tally_blocks + prune_steps,
			steps_fit,
		}
	}

	/// [`Self::hook_work`], or why it does not fit an epoch.
	pub fn check_hook_work(p: &PocParams) -> Result<HookWork, &'static str> {
		let work = Self::hook_work(p);
		if !work.steps_fit {
			return Err("a hook step at max_participants (the seat draw's first, which filters \
			            every candidate) is larger than the hook budget: lower max_participants");
		}
		if work.draw_blocks > work.draw_limit {
			return Err("the seat draw of max_participants would take more than half the \
			            validation window: lower max_participants or lengthen the window");
		}
		if work.tally_blocks > work.tally_limit {
			return Err("the tally of max_participants would not end before the next epoch's \
			            seat draw: lower max_participants or lengthen the epoch");
		}
		if work.total_blocks > u64::from(p.epoch_length) {
			return Err("the draw, the tally and the pruning of max_participants would not fit \
			            one epoch: lower max_participants or lengthen the epoch");
		}
		Ok(work)
	}
}
