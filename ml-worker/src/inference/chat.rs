//! The chat template: the GGUF's `tokenizer.chat_template`, a Jinja template, rendered with
//! `minijinja` into the prompt text the model was trained on (ChatML for SmolLM2).

use serde::Serialize;
use thiserror::Error;

use super::gguf::Gguf;

/// Why a conversation cannot be rendered.
#[derive(Debug, Error)]
pub enum ChatError {
	/// The model has no chat template.
	#[error("the model file has no chat template (tokenizer.chat_template): use /v1/completions with a raw prompt")]
	NoTemplate,
	/// The template does not parse or failed while rendering (it may `raise_exception`).
	#[error("the chat template failed: {0}")]
	Template(String),
}

/// One message of a conversation.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
	/// `system`, `user` or `assistant`.
	pub role: String,
	/// Its text.
	pub content: String,
}

/// A compiled chat template with the tokens it may refer to.
pub struct ChatTemplate {
	env: minijinja::Environment<'static>,
	bos: String,
	eos: String,
}

impl ChatTemplate {
	/// The GGUF's template.
	pub fn from_gguf(gguf: &Gguf, bos: String, eos: String) -> Result<Self, ChatError> {
		let source = gguf.str("tokenizer.chat_template").map_err(|_| ChatError::NoTemplate)?;
		Self::new(source.to_owned(), bos, eos)
	}

	/// A template from its source.
	pub fn new(source: String, bos: String, eos: String) -> Result<Self, ChatError> {
		let mut env = minijinja::Environment::new();
		env.add_function(
			"raise_exception",
			|message: String| -> Result<String, minijinja::Error> {
				Err(minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message))
			},
		);
		env.add_template_owned("chat", source).map_err(|e| ChatError::Template(e.to_string()))?;
		Ok(Self { env, bos, eos })
	}

	/// The prompt for `messages`, ending with the assistant's turn opened.
	pub fn render(&self, messages: &[Message]) -> Result<String, ChatError> {
		let template =
			self.env.get_template("chat").map_err(|e| ChatError::Template(e.to_string()))?;
		template
			.render(minijinja::context! {
				messages => minijinja::Value::from(minijinja::value::Serde(messages)),
				add_generation_prompt => true,
				bos_token => &self.bos,
				eos_token => &self.eos,
			})
			.map_err(|e| ChatError::Template(e.to_string()))
	}
}
