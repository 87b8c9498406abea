//! Inference (docs/protocol.md §7): a Llama-family model from a GGUF file, run on Sprint's integer
//! engine so that every backend gives the same bits, with its tokenizer and chat template.
//!
//! - [`gguf`]: the file format; [`weights`]: the weights in integer form, a pure function of the
//!   file; [`fixed`]: fixed-point helpers and tables; [`ops`]: the integer ops (the CPU
//!   reference); [`engine`]: the transformer over them, batched, with a KV cache;
//!   [`sampler`]: log-softmax and sampling on integer logits; [`replay`]: teacher-forced replay
//!   and the output commitment an audit compares.
//! - [`tokenizer`] and [`chat`]: text in and out, from the GGUF's own vocabulary and template.
//! - [`float`]: a plain f32 reference of the same model, to measure the engine's quality;
//!   [`synthetic`]: small random models written as GGUF, for tests and benchmarks.

pub mod chat;
pub mod engine;
pub mod fixed;
pub mod float;
pub mod generate;
pub mod gguf;
pub mod ops;
pub mod quality;
pub mod replay;
pub mod sampler;
pub mod simd;
pub mod synthetic;
pub mod tokenizer;
pub mod weights;

use std::path::Path;

use thiserror::Error;

pub use engine::{Cache, LlamaConfig, Model, Step};
pub use sampler::{Sampler, SamplingParams};

/// The engine recipe's version (docs/protocol.md §7): bumped whenever any op, table or weight
/// conversion changes a single bit of the output. A model is registered with the recipe
/// version its audits replay under.
pub const ENGINE_RECIPE: u32 = 1;

/// Where `make deps` installs SmolLM2-135M-Instruct: `$SPRINT_MODELS` or
/// `~/.cache/sprint-models`.
pub fn default_model_path() -> std::path::PathBuf {
	let dir =
		std::env::var_os("SPRINT_MODELS").map(std::path::PathBuf::from).unwrap_or_else(|| {
			std::env::var_os("HOME")
				.map(std::path::PathBuf::from)
				.unwrap_or_default()
				.join(".cache/sprint-models")
		});
	dir.join(DEFAULT_MODEL_FILE)
}

/// The model file `make deps` installs.
pub const DEFAULT_MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// Why a model cannot be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
	/// The file.
	#[error(transparent)]
	Gguf(#[from] gguf::GgufError),
	/// The weights or shape.
	#[error(transparent)]
	Engine(#[from] engine::EngineError),
	/// The tokenizer.
	#[error(transparent)]
	Tokenizer(#[from] tokenizer::TokenizerError),
	/// The chat template.
	#[error(transparent)]
	Chat(#[from] chat::ChatError),
}

/// A model ready to serve: integer weights, tokenizer, chat template, sampler.
pub struct LanguageModel {
	/// The model's name (the file's stem), as `/v1/models` lists it.
	pub name: String,
	/// The integer engine.
	pub model: Model,
	/// Text ↔ tokens.
	pub tokenizer: tokenizer::Tokenizer,
	/// Conversations → prompt text, if the file has a template.
	pub chat: Option<chat::ChatTemplate>,
	/// Sampling tables.
	pub sampler: Sampler,
	/// Tokens that end an answer (end of turn, end of text).
	pub stop_tokens: Vec<u32>,
	/// The sha256 of the file, hex.
	pub sha256: String,
}

impl LanguageModel {
	/// Loads the GGUF at `path`, the engine using `threads` threads.
	pub fn open(path: &Path, threads: usize) -> Result<Self, LoadError> {
		let file = gguf::Gguf::open(path)?;
		let name = path
			.file_stem()
			.map_or_else(|| "model".to_owned(), |s| s.to_string_lossy().into_owned());
		Self::from_gguf_with_threads(name, &file, threads)
	}

	/// Builds from a parsed file; the engine uses every CPU.
	pub fn from_gguf(name: String, file: &gguf::Gguf) -> Result<Self, LoadError> {
		let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
		Self::from_gguf_with_threads(name, file, threads)
	}

	/// Builds from a parsed file, the engine using `threads` threads.
	pub fn from_gguf_with_threads(
		name: String,
		file: &gguf::Gguf,
		threads: usize,
	) -> Result<Self, LoadError> {
		let model = Model::load_with_threads(file, threads)?;
		let tokenizer = tokenizer::Tokenizer::from_gguf(file)?;
		let token = |key: &str| file.u64(key).ok().map(|id| id as u32);
		let text = |id: Option<u32>| id.map(|id| tokenizer_text(file, id)).unwrap_or_default();
		let eos = token("tokenizer.ggml.eos_token_id");
		let chat = match chat::ChatTemplate::from_gguf(
			file,
			text(token("tokenizer.ggml.bos_token_id")),
			text(eos),
		) {
			Ok(chat) => Some(chat),
			Err(chat::ChatError::NoTemplate) => None,
			Err(e) => return Err(e.into()),
		};
		let mut stop_tokens: Vec<u32> = eos.into_iter().collect();
		for special in ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>"] {
			if let Some(id) = tokenizer.token_id(special) {
				if !stop_tokens.contains(&id) {
					stop_tokens.push(id);
				}
			}
		}
		Ok(Self {
			name,
			model,
			tokenizer,
			chat,
			sampler: Sampler::new(),
			stop_tokens,
			sha256: hex::encode(file.sha256()),
		})
	}
}

fn tokenizer_text(file: &gguf::Gguf, id: u32) -> String {
	file.strings("tokenizer.ggml.tokens")
		.ok()
		.and_then(|tokens| tokens.get(id as usize).map(|t| (*t).to_owned()))
		.unwrap_or_default()
}
