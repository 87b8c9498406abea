//! The model's tokenizer, built from the GGUF's own vocabulary with the `tokenizers` crate:
//! byte-level BPE (`tokenizer.ggml.model = "gpt2"`) from `tokenizer.ggml.tokens` and
//! `tokenizer.ggml.merges`, the pre-tokenizer that `tokenizer.ggml.pre` names, and the control
//! tokens (`<|im_start|>` and the like) as special tokens, matched whole in the text.

use std::collections::BTreeSet;

use thiserror::Error;
use tokenizers::{
	decoders::byte_level::ByteLevel as ByteLevelDecoder,
	models::bpe::{Vocab, BPE},
	pre_tokenizers::{byte_level::ByteLevel, digits::Digits, sequence::Sequence},
	AddedToken, PreTokenizerWrapper,
};

use super::gguf::{Gguf, GgufError};

/// GGUF token types (llama.cpp's `llama_token_type`): control and user-defined tokens are
/// special, matched as a whole before BPE runs.
const CONTROL: i64 = 3;
const USER_DEFINED: i64 = 4;

/// Why a tokenizer cannot be built or used.
#[derive(Debug, Error)]
pub enum TokenizerError {
	/// The GGUF lacks tokenizer metadata.
	#[error(transparent)]
	Gguf(#[from] GgufError),
	/// A tokenizer family not supported.
	#[error(
		"tokenizer model {0:?} is not supported: this engine reads byte-level BPE (\"gpt2\") \
		 vocabularies, as SmolLM2, Qwen and GPT-2-style models have"
	)]
	Model(String),
	/// The tokenizers crate refused the vocabulary or a text.
	#[error("tokenizer: {0}")]
	Tokenizers(String),
}

/// A byte-level BPE tokenizer with the model's special tokens.
pub struct Tokenizer {
	inner: tokenizers::Tokenizer,
	special: BTreeSet<u32>,
	vocab_size: usize,
}

impl Tokenizer {
	/// Builds the tokenizer the GGUF describes.
	pub fn from_gguf(gguf: &Gguf) -> Result<Self, TokenizerError> {
		let model = gguf.str("tokenizer.ggml.model")?;
		if model != "gpt2" {
			return Err(TokenizerError::Model(model.to_owned()));
		}
		let tokens = gguf.strings("tokenizer.ggml.tokens")?;
		let types = gguf.integers("tokenizer.ggml.token_type").unwrap_or_default();
		let vocab: Vocab =
			tokens.iter().enumerate().map(|(id, token)| ((*token).to_owned(), id as u32)).collect();
		let merges = gguf
			.strings("tokenizer.ggml.merges")?
			.into_iter()
			.map(|merge| {
				merge.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned())).ok_or_else(|| {
					TokenizerError::Tokenizers(format!("merge {merge:?} is not two tokens"))
				})
			})
			.collect::<Result<Vec<_>, _>>()?;
		let bpe = BPE::builder()
			.vocab_and_merges(vocab, merges)
			.build()
			.map_err(|e| TokenizerError::Tokenizers(e.to_string()))?;
		let mut inner = tokenizers::Tokenizer::new(bpe);
		let byte_level = ByteLevel::new(false, true, true);
		// SmolLM's tokenizer splits every digit on its own before the GPT-2 regex.
		let pre: PreTokenizerWrapper = match gguf.str("tokenizer.ggml.pre").unwrap_or("gpt2") {
			"smollm" => Sequence::new(vec![Digits::new(true).into(), byte_level.into()]).into(),
			_ => byte_level.into(),
		};
		inner.with_pre_tokenizer(Some(pre));
		inner.with_decoder(Some(ByteLevelDecoder::default()));
		let mut special = BTreeSet::new();
		let mut added = Vec::new();
		for (id, kind) in types.iter().enumerate() {
			if *kind == CONTROL || *kind == USER_DEFINED {
				special.insert(id as u32);
				added.push(AddedToken::from(tokens[id].to_owned(), true));
			}
		}
		inner.add_special_tokens(&added);
		Ok(Self { inner, special, vocab_size: tokens.len() })
	}

	/// Token ids of `text`; special tokens written in the text are matched whole.
	pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
		let encoding = self
			.inner
			.encode_fast(text, false)
			.map_err(|e| TokenizerError::Tokenizers(e.to_string()))?;
		Ok(encoding.get_ids().to_vec())
	}

	/// The text of `ids`, special tokens left out.
	pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizerError> {
		self.inner.decode(ids, true).map_err(|e| TokenizerError::Tokenizers(e.to_string()))
	}

	/// The token's own string in the vocabulary (byte-level form), for `top_logprobs`.
	pub fn token_text(&self, id: u32) -> String {
		self.decode(&[id]).unwrap_or_default()
	}

	/// The id of a token written exactly, e.g. `<|im_end|>`.
	pub fn token_id(&self, token: &str) -> Option<u32> {
		self.inner.token_to_id(token)
	}

	/// Whether `id` is a control token.
	pub fn is_special(&self, id: u32) -> bool {
		self.special.contains(&id)
	}

	/// Number of tokens in the vocabulary.
	pub fn vocab_size(&self) -> usize {
		self.vocab_size
	}
}

/// Streams text out of tokens as they come, holding back the bytes of a character that a later
/// token completes (byte-level BPE splits multi-byte characters across tokens).
pub struct TextStream {
	tokens: Vec<u32>,
	emitted: usize,
}

impl TextStream {
	/// An empty stream.
	pub fn new() -> Self {
		Self { tokens: Vec::new(), emitted: 0 }
	}

	/// Adds a token and returns the new text it completes (possibly empty).
	pub fn push(&mut self, tokenizer: &Tokenizer, token: u32) -> String {
		self.tokens.push(token);
		let text = tokenizer.decode(&self.tokens).unwrap_or_default();
		// A partial character decodes to U+FFFD at the end: wait for the next token.
		if text.ends_with('\u{FFFD}') {
			return String::new();
		}
		let new = text.get(self.emitted..).unwrap_or_default().to_owned();
		self.emitted = text.len();
		new
	}

	/// Whatever is left (an unfinished character included) when the answer ends.
	pub fn finish(&mut self, tokenizer: &Tokenizer) -> String {
		let text = tokenizer.decode(&self.tokens).unwrap_or_default();
		let rest = text.get(self.emitted..).unwrap_or_default().to_owned();
		self.emitted = text.len();
		rest
	}
}

impl Default for TextStream {
	fn default() -> Self {
		Self::new()
	}
}
