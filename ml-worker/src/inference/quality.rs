//! Measuring the integer engine against the f32 reference ([`super::float`]): greedy top-1
//! agreement, teacher-forced on the reference's own continuation, and perplexity. The tests
//! check a few prompts; `make bench` reports all of [`PROMPTS`].

use super::{
	chat::Message,
	engine::{EngineError, Step},
	float::FloatModel,
	LanguageModel,
};

/// Twenty fixed questions, asked through the chat template.
pub const PROMPTS: [&str; 20] = [
	"What is the capital of Japan?",
	"Name three primary colors.",
	"How many days are in a week?",
	"What is the boiling point of water in Celsius?",
	"Write a short sentence about the sea.",
	"What is 2 plus 2?",
	"Who wrote Romeo and Juliet?",
	"Give me a synonym for happy.",
	"What do bees make?",
	"Explain what a computer is in one sentence.",
	"What is the largest planet in our solar system?",
	"List two fruits that are red.",
	"What language is spoken in Brazil?",
	"Why is the sky blue?",
	"What is the opposite of cold?",
	"How many legs does a spider have?",
	"Suggest a name for a pet cat.",
	"What is the chemical symbol for gold?",
	"Describe a sunny day in one sentence.",
	"What is the freezing point of water in Fahrenheit?",
];

/// A question as the chat template renders it, in tokens.
pub fn chat_prompt(lm: &LanguageModel, question: &str) -> Vec<u32> {
	let message = Message { role: "user".into(), content: question.into() };
	let text = lm
		.chat
		.as_ref()
		.and_then(|c| c.render(&[message]).ok())
		.unwrap_or_else(|| question.to_owned());
	lm.tokenizer.encode(&text).unwrap_or_default()
}

fn argmax_f32(row: &[f32]) -> u32 {
	let mut best = 0;
	for (i, v) in row.iter().enumerate() {
		if *v > row[best] {
			best = i;
		}
	}
	best as u32
}

fn argmax_i32(row: &[i32]) -> u32 {
	let mut best = 0;
	for (i, v) in row.iter().enumerate() {
		if *v > row[best] {
			best = i;
		}
	}
	best as u32
}

/// The reference's greedy continuation of `prompt`: at most `n` tokens, ending at a stop token.
pub fn float_greedy(lm: &LanguageModel, float: &FloatModel, prompt: &[u32], n: usize) -> Vec<u32> {
	let vocab = lm.model.config.vocab;
	let mut cache = float.new_cache();
	let mut logits = float.extend(&mut cache, prompt);
	let mut out = Vec::new();
	while out.len() < n {
		let rows = logits.len() / vocab;
		let token = argmax_f32(&logits[(rows - 1) * vocab..]);
		out.push(token);
		if lm.stop_tokens.contains(&token) {
			break;
		}
		logits = float.extend(&mut cache, &[token]);
	}
	out
}

/// Positions of `continuation` where the integer engine, fed `prompt` and the continuation so
/// far (teacher-forced, one pass), picks the same top-1 token: `(matched, total)`.
pub fn agreement(
	lm: &LanguageModel,
	prompt: &[u32],
	continuation: &[u32],
) -> Result<(usize, usize), EngineError> {
	let vocab = lm.model.config.vocab;
	let mut tokens = prompt.to_vec();
	tokens.extend_from_slice(continuation);
	let mut cache = lm.model.new_cache();
	let logits = lm
		.model
		.forward(&mut [Step { cache: &mut cache, tokens: &tokens, all_logits: true }])?
		.remove(0);
	let matched = continuation
		.iter()
		.enumerate()
		.filter(|(i, t)| {
			let row = prompt.len() - 1 + i;
			argmax_i32(&logits[row * vocab..(row + 1) * vocab]) == **t
		})
		.count();
	Ok((matched, continuation.len()))
}

/// The integer engine's perplexity on `tokens` (one pass).
pub fn perplexity(lm: &LanguageModel, tokens: &[u32]) -> Result<f64, EngineError> {
	let vocab = lm.model.config.vocab;
	let mut cache = lm.model.new_cache();
	let logits =
		lm.model.forward(&mut [Step { cache: &mut cache, tokens, all_logits: true }])?.remove(0);
	let mut nll = 0.0;
	for i in 0..tokens.len() - 1 {
		let lp = lm.sampler.log_softmax(&logits[i * vocab..(i + 1) * vocab]);
		nll -= super::sampler::to_nats(lp[tokens[i + 1] as usize]);
	}
	Ok((nll / (tokens.len() - 1) as f64).exp())
}

/// The reference's perplexity on `tokens`.
pub fn float_perplexity(float: &FloatModel, vocab: usize, tokens: &[u32]) -> f64 {
	let logits = float.logits(tokens);
	let mut nll = 0.0f64;
	for i in 0..tokens.len() - 1 {
		let row = &logits[i * vocab..(i + 1) * vocab];
		let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
		let z: f64 = row.iter().map(|v| f64::from(v - max).exp()).sum();
		nll -= f64::from(row[tokens[i + 1] as usize] - max) - z.ln();
	}
	(nll / (tokens.len() - 1) as f64).exp()
}
