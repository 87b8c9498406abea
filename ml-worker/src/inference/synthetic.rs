//! Small random Llama models written as GGUF files: the tests' models (fast, any tensor type)
//! and the benchmarks' stand-ins of a real model's shape where the real file cannot travel.
//! The vocabulary is byte-level BPE over the 256 byte symbols, a few merges
//! (`Ġt`, `he`, `Ġthe`), ChatML's control tokens and, to reach a requested size, filler tokens.

use tokenizers::pre_tokenizers::byte_level::ByteLevel;

use super::gguf::{TensorKind, Value, Writer};
use crate::model::prng;

/// ChatML, as SmolLM2's template writes it.
pub const CHATML: &str =
	"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + \
	message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ \
	'<|im_start|>assistant\n' }}{% endif %}";

/// The shape and tensor types of a synthetic model.
#[derive(Clone, Debug)]
pub struct SyntheticModel {
	/// Transformer blocks.
	pub layers: usize,
	/// Residual width (heads × 32 or more).
	pub d_model: usize,
	/// FFN width.
	pub d_ff: usize,
	/// Query heads.
	pub heads: usize,
	/// Key/value heads.
	pub kv_heads: usize,
	/// Vocabulary size (at least 262).
	pub vocab: usize,
	/// Context length.
	pub context: usize,
	/// Type of the attention and FFN matrices.
	pub matrices: TensorKind,
	/// Type of the token embedding (also the head: embeddings are tied).
	pub embedding: TensorKind,
	/// Seed of the weights.
	pub seed: u32,
}

impl SyntheticModel {
	/// A tiny model: 2 layers, width 128, 4 heads sharing 2 key/value heads, 262 tokens.
	pub fn tiny() -> Self {
		Self {
			layers: 2,
			d_model: 128,
			d_ff: 256,
			heads: 4,
			kv_heads: 2,
			vocab: 262,
			context: 512,
			matrices: TensorKind::Q4_1,
			embedding: TensorKind::Q8_0,
			seed: 1,
		}
	}

	/// SmolLM2-135M's shape, random weights.
	pub fn smollm2_135m_shape() -> Self {
		Self {
			layers: 30,
			d_model: 576,
			d_ff: 1536,
			heads: 9,
			kv_heads: 3,
			vocab: 49_152,
			context: 8192,
			..Self::tiny()
		}
	}

	/// The vocabulary: control tokens, the 256 byte symbols, three merges, fillers.
	pub fn vocabulary(&self) -> (Vec<String>, Vec<i64>, Vec<String>) {
		let mut tokens: Vec<String> = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
			.iter()
			.map(|s| (*s).to_owned())
			.collect();
		let mut types = vec![3i64; 3];
		let mut alphabet: Vec<char> = ByteLevel::alphabet().into_iter().collect();
		alphabet.sort_unstable();
		tokens.extend(alphabet.iter().map(|c| c.to_string()));
		let merges = vec!["Ġ t".to_owned(), "h e".to_owned(), "Ġt he".to_owned()];
		tokens.extend(["Ġt", "he", "Ġthe"].iter().map(|s| (*s).to_owned()));
		while tokens.len() < self.vocab {
			tokens.push(format!("<filler_{}>", tokens.len()));
		}
		types.resize(tokens.len(), 1);
		(tokens, types, merges)
	}

	/// The model as GGUF bytes.
	pub fn to_gguf(&self) -> Vec<u8> {
		let mut w = Writer::default();
		let (tokens, types, merges) = self.vocabulary();
		let strings = |v: Vec<String>| Value::Array(v.into_iter().map(Value::Str).collect());
		w.metadata("general.architecture", Value::Str("llama".into()))
			.metadata("general.name", Value::Str("synthetic".into()))
			.metadata("llama.block_count", Value::U64(self.layers as u64))
			.metadata("llama.context_length", Value::U64(self.context as u64))
			.metadata("llama.embedding_length", Value::U64(self.d_model as u64))
			.metadata("llama.feed_forward_length", Value::U64(self.d_ff as u64))
			.metadata("llama.attention.head_count", Value::U64(self.heads as u64))
			.metadata("llama.attention.head_count_kv", Value::U64(self.kv_heads as u64))
			.metadata("llama.rope.freq_base", Value::F64(10_000.0))
			.metadata("llama.attention.layer_norm_rms_epsilon", Value::F64(1e-5))
			.metadata("tokenizer.ggml.model", Value::Str("gpt2".into()))
			.metadata("tokenizer.ggml.pre", Value::Str("smollm".into()))
			.metadata("tokenizer.ggml.tokens", strings(tokens))
			.metadata(
				"tokenizer.ggml.token_type",
				Value::Array(types.into_iter().map(Value::I64).collect()),
			)
			.metadata("tokenizer.ggml.merges", strings(merges))
			.metadata("tokenizer.ggml.bos_token_id", Value::U64(1))
			.metadata("tokenizer.ggml.eos_token_id", Value::U64(2))
			.metadata("tokenizer.chat_template", Value::Str(CHATML.into()));
		let (d, ff, kv) = (
			self.d_model as u64,
			self.d_ff as u64,
			(self.d_model / self.heads * self.kv_heads) as u64,
		);
		let mut counter = 0u32;
		let mut tensor = |w: &mut Writer, name: &str, dims: &[u64], kind: TensorKind| {
			counter += 1;
			let key = [self.seed, counter, 0x5359_4e54, 0];
			let elements: u64 = dims.iter().product();
			let data = if dims.len() == 1 {
				norm_bytes(&key, elements)
			} else {
				random_blocks(&key, elements, kind)
			};
			w.tensor(name, dims, kind, data);
		};
		tensor(&mut w, "token_embd.weight", &[d, self.vocab as u64], self.embedding);
		for i in 0..self.layers {
			let n = |t: &str| format!("blk.{i}.{t}.weight");
			tensor(&mut w, &n("attn_norm"), &[d], TensorKind::F32);
			tensor(&mut w, &n("attn_q"), &[d, d], self.matrices);
			tensor(&mut w, &n("attn_k"), &[d, kv], self.matrices);
			tensor(&mut w, &n("attn_v"), &[d, kv], self.matrices);
			tensor(&mut w, &n("attn_output"), &[d, d], self.matrices);
			tensor(&mut w, &n("ffn_norm"), &[d], TensorKind::F32);
			tensor(&mut w, &n("ffn_gate"), &[d, ff], self.matrices);
			tensor(&mut w, &n("ffn_up"), &[d, ff], self.matrices);
			tensor(&mut w, &n("ffn_down"), &[ff, d], self.matrices);
		}
		tensor(&mut w, "output_norm.weight", &[d], TensorKind::F32);
		w.to_bytes()
	}
}

/// A uniform value in [0, 1) from the stream.
fn unit(key: &prng::Key, i: u32) -> f32 {
	(prng::word(key, i) >> 8) as f32 / (1u32 << 24) as f32
}

/// Norm weights between 0.5 and 1.5.
fn norm_bytes(key: &prng::Key, n: u64) -> Vec<u8> {
	(0..n as u32).flat_map(|i| (0.5 + unit(key, i)).to_le_bytes()).collect()
}

/// f32 → f16 bits (round to nearest; the values here are normal f16 numbers).
fn f16_bits(x: f32) -> u16 {
	let bits = x.to_bits();
	let sign = ((bits >> 16) & 0x8000) as u16;
	let exponent = ((bits >> 23) & 0xFF) as i32 - 127 + 15;
	if x == 0.0 || exponent <= 0 {
		return sign;
	}
	let mantissa = bits & 0x7F_FFFF;
	let rounded = ((exponent as u32) << 10 | (mantissa >> 13)) + ((mantissa >> 12) & 1);
	sign | rounded.min(0x7BFF) as u16
}

/// Random weights of a matrix, about ±0.05 × 3 / √fan-in-ish, in `kind`'s block layout.
fn random_blocks(key: &prng::Key, elements: u64, kind: TensorKind) -> Vec<u8> {
	let mut out = Vec::new();
	let value = |i: u32| (unit(key, i) - 0.5) * 0.2;
	match kind {
		TensorKind::F32 => (0..elements as u32).for_each(|i| out.extend(value(i).to_le_bytes())),
		TensorKind::F16 => {
			(0..elements as u32).for_each(|i| out.extend(f16_bits(value(i)).to_le_bytes()))
		}
		TensorKind::Q8_0 | TensorKind::Q4_0 | TensorKind::Q4_1 => {
			for b in 0..(elements / 32) as u32 {
				let v: Vec<f32> = (0..32).map(|i| value(b * 32 + i)).collect();
				let (lo, hi) =
					v.iter().fold((f32::MAX, f32::MIN), |(l, h), x| (l.min(*x), h.max(*x)));
				match kind {
					TensorKind::Q8_0 => {
						let d = lo.abs().max(hi.abs()) / 127.0;
						out.extend(f16_bits(d).to_le_bytes());
						out.extend(
							v.iter().map(|x| (x / d).round().clamp(-127.0, 127.0) as i8 as u8),
						);
					}
					TensorKind::Q4_0 => {
						let d = lo.abs().max(hi.abs()) / 8.0;
						out.extend(f16_bits(d).to_le_bytes());
						let q: Vec<u8> = v
							.iter()
							.map(|x| ((x / d).round() + 8.0).clamp(0.0, 15.0) as u8)
							.collect();
						out.extend((0..16).map(|i| q[i] | (q[i + 16] << 4)));
					}
					_ => {
						let d = (hi - lo) / 15.0;
						out.extend(f16_bits(d).to_le_bytes());
						out.extend(f16_bits(lo).to_le_bytes());
						let q: Vec<u8> = v
							.iter()
							.map(|x| ((x - lo) / d).round().clamp(0.0, 15.0) as u8)
							.collect();
						out.extend((0..16).map(|i| q[i] | (q[i + 16] << 4)));
					}
				}
			}
		}
	}
	out
}
