//! The OpenAI request and response bodies this API reads and writes (the fields it supports;
//! unknown fields are ignored, as OpenAI's own clients send many).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `stop`: one string or a list.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Stop {
	/// One stop string.
	One(String),
	/// Up to four.
	Many(Vec<String>),
}

impl Stop {
	/// As a list.
	pub fn into_vec(self) -> Vec<String> {
		match self {
			Self::One(s) => vec![s],
			Self::Many(v) => v,
		}
	}
}

/// `stream_options`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StreamOptions {
	/// Send a last chunk with the usage.
	#[serde(default)]
	pub include_usage: bool,
}

/// A chat message in a request. `content` may be a string or a list of text parts.
#[derive(Clone, Debug, Deserialize)]
pub struct RequestMessage {
	/// `system`, `user`, `assistant` (`developer` is read as `system`).
	pub role: String,
	/// The text.
	#[serde(default)]
	pub content: Value,
}

/// The fields both endpoints share (read from the same body as the endpoint's own fields: no
/// `#[serde(flatten)]`, which loses floats when serde_json's `arbitrary_precision` is on).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Sampling {
	/// The model's id.
	pub model: String,
	/// Most tokens to generate.
	pub max_tokens: Option<u64>,
	/// The same, newer name (chat).
	pub max_completion_tokens: Option<u64>,
	/// 0 to 2; default 1.
	pub temperature: Option<f64>,
	/// (0, 1]; default 1.
	pub top_p: Option<f64>,
	/// Makes sampling repeatable.
	pub seed: Option<i64>,
	/// Stop strings.
	pub stop: Option<Stop>,
	/// Stream the answer as server-sent events.
	#[serde(default)]
	pub stream: bool,
	/// Streaming options.
	pub stream_options: Option<StreamOptions>,
	/// Answers per request: only 1.
	pub n: Option<u64>,
}

/// `POST /v1/chat/completions`.
#[derive(Clone, Debug, Deserialize)]
pub struct ChatRequest {
	/// The conversation.
	pub messages: Vec<RequestMessage>,
	/// Sampling and output fields (filled from the same body).
	#[serde(skip)]
	pub sampling: Sampling,
	/// Return log-probabilities of the output tokens.
	#[serde(default)]
	pub logprobs: bool,
	/// With `logprobs`, how many alternatives per token (0–20).
	pub top_logprobs: Option<u64>,
}

/// `prompt`: a string, a list of strings (one only), or token ids.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Prompt {
	/// Text.
	Text(String),
	/// A list of texts (one is served).
	Texts(Vec<String>),
	/// Token ids.
	Tokens(Vec<u32>),
}

/// `POST /v1/completions`.
#[derive(Clone, Debug, Deserialize)]
pub struct CompletionRequest {
	/// The prompt.
	pub prompt: Prompt,
	/// Sampling and output fields (filled from the same body).
	#[serde(skip)]
	pub sampling: Sampling,
	/// How many alternatives per token to return (0–20).
	pub logprobs: Option<u64>,
	/// Include the prompt in the text.
	#[serde(default)]
	pub echo: bool,
}

/// `usage`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Usage {
	/// Prompt tokens.
	pub prompt_tokens: usize,
	/// Generated tokens.
	pub completion_tokens: usize,
	/// Their sum.
	pub total_tokens: usize,
}

/// An alternative in `top_logprobs`.
#[derive(Clone, Debug, Serialize)]
pub struct TopLogprob {
	/// Its text.
	pub token: String,
	/// Its log-probability.
	pub logprob: f64,
	/// Its UTF-8 bytes.
	pub bytes: Vec<u8>,
}

/// One output token's log-probability (chat).
#[derive(Clone, Debug, Serialize)]
pub struct TokenLogprob {
	/// Its text.
	pub token: String,
	/// Its log-probability.
	pub logprob: f64,
	/// Its UTF-8 bytes.
	pub bytes: Vec<u8>,
	/// The most likely alternatives.
	pub top_logprobs: Vec<TopLogprob>,
}

/// The OpenAI error body.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorBody {
	/// The error.
	pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorDetail {
	/// For a person.
	pub message: String,
	/// `invalid_request_error`, `rate_limit_error`, `server_error`…
	#[serde(rename = "type")]
	pub kind: &'static str,
	/// The offending parameter.
	pub param: Option<&'static str>,
	/// A machine-readable code.
	pub code: Option<&'static str>,
}
