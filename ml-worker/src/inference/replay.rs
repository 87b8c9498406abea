//! Teacher-forced replay and the output commitment (docs/protocol.md §7): what an auditor
//! recomputes.
//!
//! One prefill pass over prompt + output gives the logits at every output position; from them
//! come each position's integer top-5 log-probabilities — the commitment is
//! `blake2_256(SCALE((output tokens, top-5 per position)))` — and the sampler's choice there,
//! which must be the token the executor returned, with the stop rule holding at the end. The
//! engine is exact, so any difference is fraud: there is no threshold.

use codec::Encode;

use super::{
	engine::{EngineError, Step},
	generate::{Finish, Generation, GenerationRequest},
	LanguageModel,
};

/// Alternatives per position in the commitment.
pub const COMMITTED_TOP: usize = 5;

/// What a replay found.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayReport {
	/// Per output position: the top [`COMMITTED_TOP`] `(token, logprob)`.
	pub top: Vec<Vec<(u32, i32)>>,
	/// Per output position: the log-probability of the token given.
	pub logprobs: Vec<i32>,
	/// The commitment over the output and `top`.
	pub commitment: [u8; 32],
	/// The first position where the sampler, replayed with the request's seed and parameters,
	/// chooses another token or the answer should already have stopped; `None` if the answer
	/// is exactly what the request produces.
	pub first_difference: Option<usize>,
	/// How the answer ends under the stop rule, if it is consistent.
	pub finish: Option<Finish>,
}

/// The commitment to an answer: its tokens and the integer top-5 log-probabilities at each
/// position.
pub fn commitment(output: &[u32], top: &[Vec<(u32, i32)>]) -> [u8; 32] {
	polkadot_sdk::sp_crypto_hashing::blake2_256(&(output, top).encode())
}

/// Replays `output` as the answer to `request` in one prefill pass.
pub fn replay(
	lm: &LanguageModel,
	request: &GenerationRequest,
	output: &[u32],
) -> Result<ReplayReport, EngineError> {
	if request.prompt.is_empty() {
		return Err(EngineError::Shape("a replay needs a prompt of at least one token".to_owned()));
	}
	let mut cache = lm.model.new_cache();
	let mut tokens = request.prompt.clone();
	// The last output token's logits are never used: it ends the answer.
	tokens.extend_from_slice(&output[..output.len().saturating_sub(1)]);
	let logits = if output.is_empty() {
		Vec::new()
	} else {
		let mut steps = [Step { cache: &mut cache, tokens: &tokens, all_logits: true }];
		lm.model.forward(&mut steps)?.remove(0)
	};
	let vocab = lm.model.config.vocab;
	let first_output_row = request.prompt.len() - 1;
	let mut generation =
		Generation::new(lm, GenerationRequest { top_logprobs: 0, ..request.clone() });
	let mut top = Vec::with_capacity(output.len());
	let mut logprobs = Vec::with_capacity(output.len());
	let mut first_difference = None;
	for (i, token) in output.iter().enumerate() {
		let row = &logits[(first_output_row + i) * vocab..(first_output_row + i + 1) * vocab];
		let lp = lm.sampler.log_softmax(row);
		top.push(lm.sampler.top_logprobs(&lp, COMMITTED_TOP));
		logprobs.push(lp[*token as usize]);
		if first_difference.is_none() {
			if generation.finished.is_some() {
				first_difference = Some(i);
			} else {
				// Only the sampler's choice matters here; the cache is not used.
				let chosen = generation.accept(lm, row);
				if chosen.token != *token {
					first_difference = Some(i);
				}
			}
		}
	}
	let finish = if first_difference.is_none() { generation.finished } else { None };
	if first_difference.is_none() && finish.is_none() && !output.is_empty() {
		// The answer stops early without a stop token, a stop string or max_tokens.
		first_difference = Some(output.len());
	}
	Ok(ReplayReport {
		commitment: commitment(output, &top),
		top,
		logprobs,
		first_difference,
		finish,
	})
}
