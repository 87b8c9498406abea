//! One answer being generated: the sequence's cache, the sampler's state, the stop rule and the
//! text streamed so far. [`Generation::step_input`] says which tokens go through the model next
//! (the whole prompt first, then one token at a time) and [`Generation::accept`] takes that
//! step's logits. The batching loop ([`crate::api::scheduler`]), the terminal chat and the
//! replay all drive answers through this one type, so they apply the same rules.

use super::{
	engine::{Cache, EngineError, Step},
	sampler::SamplingParams,
	tokenizer::TextStream,
	LanguageModel,
};

/// Why an answer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
	/// A stop token or stop string.
	Stop,
	/// `max_tokens` reached.
	Length,
}

impl Finish {
	/// The OpenAI `finish_reason`.
	pub fn as_str(self) -> &'static str {
		match self {
			Self::Stop => "stop",
			Self::Length => "length",
		}
	}
}

/// What a request asks for.
#[derive(Clone, Debug)]
pub struct GenerationRequest {
	/// The prompt's tokens.
	pub prompt: Vec<u32>,
	/// The most tokens to generate.
	pub max_tokens: usize,
	/// Sampling parameters.
	pub params: SamplingParams,
	/// Strings that end the answer (left out of its text).
	pub stop: Vec<String>,
	/// How many alternatives to report per token (0 = none).
	pub top_logprobs: usize,
}

/// One generated token.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenOut {
	/// Its id.
	pub token: u32,
	/// The text it adds (possibly empty: part of a character, a stop token).
	pub text: String,
	/// Its log-probability (fixed point, [`super::fixed::ACT_FRAC`] bits).
	pub logprob: i32,
	/// The most likely tokens there, if asked.
	pub top: Vec<(u32, i32)>,
}

/// An answer in progress.
pub struct Generation {
	/// The sequence's cache.
	pub cache: Cache,
	/// The request.
	pub request: GenerationRequest,
	/// Tokens generated so far.
	pub tokens: Vec<u32>,
	/// Set once the answer is over.
	pub finished: Option<Finish>,
	stream: TextStream,
	/// Text decoded but held back: it may be the start of a stop string.
	held: String,
}

impl Generation {
	/// A new answer to `request`.
	pub fn new(lm: &LanguageModel, request: GenerationRequest) -> Self {
		Self {
			cache: lm.model.new_cache(),
			finished: (request.max_tokens == 0).then_some(Finish::Length),
			request,
			tokens: Vec::new(),
			stream: TextStream::new(),
			held: String::new(),
		}
	}

	/// The tokens the next step feeds the model: the prompt, then the last token generated.
	pub fn step_input(&self) -> &[u32] {
		match self.tokens.last() {
			None => &self.request.prompt,
			Some(_) => &self.tokens[self.tokens.len() - 1..],
		}
	}

	/// Takes the logits of the last token fed; returns the token chosen.
	pub fn accept(&mut self, lm: &LanguageModel, logits: &[i32]) -> TokenOut {
		let position = (self.request.prompt.len() + self.tokens.len()) as u32;
		let token = lm.sampler.sample(&self.request.params, logits, position);
		let logprobs = lm.sampler.log_softmax(logits);
		let top = lm.sampler.top_logprobs(&logprobs, self.request.top_logprobs);
		self.tokens.push(token);
		let mut text = String::new();
		if lm.stop_tokens.contains(&token) {
			self.finished = Some(Finish::Stop);
			text.push_str(&std::mem::take(&mut self.held));
			text.push_str(&self.stream.finish(&lm.tokenizer));
		} else {
			self.held.push_str(&self.stream.push(&lm.tokenizer, token));
			if let Some(at) =
				self.request.stop.iter().filter_map(|s| self.held.find(s.as_str())).min()
			{
				text.push_str(&self.held[..at]);
				self.held.clear();
				self.finished = Some(Finish::Stop);
			} else {
				let keep = self.held_back();
				let cut = self.held.len() - keep;
				text.push_str(&self.held[..cut]);
				self.held.drain(..cut);
				if self.tokens.len() >= self.request.max_tokens {
					self.finished = Some(Finish::Length);
					text.push_str(&std::mem::take(&mut self.held));
					text.push_str(&self.stream.finish(&lm.tokenizer));
				}
			}
		}
		TokenOut { token, text, logprob: logprobs[token as usize], top }
	}

	/// Runs the answer to its end alone (a batch of one), calling `on_token` with each token.
	pub fn run(
		&mut self,
		lm: &LanguageModel,
		mut on_token: impl FnMut(&TokenOut),
	) -> Result<(), EngineError> {
		while self.finished.is_none() {
			let input = self.step_input().to_vec();
			let mut steps = [Step { cache: &mut self.cache, tokens: &input, all_logits: false }];
			let logits = lm.model.forward(&mut steps)?.remove(0);
			let token = self.accept(lm, &logits);
			on_token(&token);
		}
		Ok(())
	}

	/// Bytes at the end of the held text that could begin a stop string.
	fn held_back(&self) -> usize {
		let mut keep = 0;
		for stop in &self.request.stop {
			for (i, _) in stop.char_indices().skip(1) {
				if self.held.ends_with(&stop[..i]) {
					keep = keep.max(i);
				}
			}
		}
		keep
	}
}
