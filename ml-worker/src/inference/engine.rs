//! The integer engine: a Llama-family transformer in the integer ops of [`super::ops`], run for
//! a batch of sequences at once (prefill and decode alike: each sequence brings the tokens it
//! adds to its [`Cache`]). Every op works row by row, so a sequence's logits are the same bits
//! whether it runs alone or beside others, in one prefill or token by token.

use rayon::prelude::*;
use thiserror::Error;

use super::{
	fixed::{det, exp2_table, sigmoid_table},
	gguf::{Gguf, GgufError},
	ops::{self, AttentionShape, LayerCache, Rope},
	weights::{self, Matrix, BLOCK},
};
use crate::kernels::gpu::{GpuCacheSize, GpuError, GpuModel, Row, Slot};

/// The longest context any model gets: the attention's weights sum to at most 2^31 (Q16 each).
pub const MAX_CONTEXT: usize = 32_768;

/// Why a model cannot load or run.
#[derive(Debug, Error)]
pub enum EngineError {
	/// The file's structure or a tensor.
	#[error(transparent)]
	Gguf(#[from] GgufError),
	/// An architecture other than Llama's.
	#[error("architecture {0:?} is not supported: this engine runs Llama-family models (general.architecture = \"llama\")")]
	Architecture(String),
	/// Hyperparameters the integer kernels cannot take.
	#[error("the model's shape is not supported: {0}")]
	Shape(String),
	/// A prompt plus answer longer than the context.
	#[error("{tokens} tokens exceed the model's context of {context}: shorten the prompt or lower max_tokens")]
	ContextOverflow {
		/// Tokens the sequence would hold.
		tokens: usize,
		/// The limit.
		context: usize,
	},
	/// The GPU failed, or refused the pass.
	#[error(transparent)]
	Gpu(#[from] GpuError),
	/// Every GPU cache slot is held by a running sequence.
	#[error("all {slots} GPU cache slots hold running sequences: wait for one to finish, or start the server with more slots")]
	Slots {
		/// Slots the GPU holds.
		slots: usize,
	},
	/// A cache that was filled on the CPU given to a model running on the GPU.
	#[error("this cache was filled on the CPU; a model on the GPU continues only its own caches")]
	ForeignCache,
	/// A token id outside the vocabulary.
	#[error("token {token} is outside the vocabulary of {vocab}")]
	Token {
		/// The id.
		token: u32,
		/// The vocabulary's size.
		vocab: usize,
	},
}

/// A Llama model's hyperparameters, from the GGUF's `llama.*` metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlamaConfig {
	/// Transformer blocks.
	pub layers: usize,
	/// Width of the residual stream.
	pub d_model: usize,
	/// Width of the FFN.
	pub d_ff: usize,
	/// Query heads.
	pub heads: usize,
	/// Key/value heads.
	pub kv_heads: usize,
	/// Width of a head.
	pub head_dim: usize,
	/// Vocabulary size.
	pub vocab: usize,
	/// Context length served (the model's, at most [`MAX_CONTEXT`]).
	pub context: usize,
	/// RoPE base, as the bits of an f64 (so the struct stays `Eq`).
	pub rope_base_bits: u64,
}

impl LlamaConfig {
	/// Reads and checks the hyperparameters.
	pub fn from_gguf(gguf: &Gguf) -> Result<Self, EngineError> {
		let arch = gguf.str("general.architecture")?;
		if arch != "llama" {
			return Err(EngineError::Architecture(arch.to_owned()));
		}
		let get = |key: &str| gguf.u64(&format!("llama.{key}")).map(|v| v as usize);
		let d_model = get("embedding_length")?;
		let heads = get("attention.head_count")?;
		let kv_heads = get("attention.head_count_kv").unwrap_or(heads);
		let token_embd = gguf.tensor("token_embd.weight")?;
		let vocab = token_embd.dims.get(1).copied().unwrap_or(0) as usize;
		let config = Self {
			layers: get("block_count")?,
			d_model,
			d_ff: get("feed_forward_length")?,
			heads,
			kv_heads,
			head_dim: d_model.checked_div(heads).unwrap_or(0),
			vocab,
			context: get("context_length")?.min(MAX_CONTEXT),
			rope_base_bits: gguf.f64("llama.rope.freq_base").unwrap_or(10_000.0).to_bits(),
		};
		config.check()?;
		Ok(config)
	}

	fn check(&self) -> Result<(), EngineError> {
		let bad = |why: String| Err(EngineError::Shape(why));
		if self.heads == 0 || self.kv_heads == 0 || !self.heads.is_multiple_of(self.kv_heads) {
			return bad(format!(
				"{} query heads cannot share {} key/value heads",
				self.heads, self.kv_heads
			));
		}
		if self.d_model != self.heads * self.head_dim {
			return bad(format!(
				"d_model {} is not {} heads of equal width",
				self.d_model, self.heads
			));
		}
		for (what, value) in
			[("d_model", self.d_model), ("d_ff", self.d_ff), ("head width", self.head_dim)]
		{
			if value == 0 || !value.is_multiple_of(BLOCK) {
				return bad(format!("{what} {value} is not a multiple of {BLOCK}"));
			}
		}
		if self.layers == 0 || self.vocab == 0 || self.context == 0 {
			return bad("no layers, vocabulary or context".to_owned());
		}
		Ok(())
	}

	/// RoPE's base.
	pub fn rope_base(&self) -> f64 {
		f64::from_bits(self.rope_base_bits)
	}

	/// Width of the keys and values.
	pub fn kv_dim(&self) -> usize {
		self.kv_heads * self.head_dim
	}
}

/// One transformer block's weights.
pub struct Layer {
	pub(crate) attn_norm: Vec<i32>,
	pub(crate) wq: Matrix,
	pub(crate) wk: Matrix,
	pub(crate) wv: Matrix,
	pub(crate) wo: Matrix,
	pub(crate) ffn_norm: Vec<i32>,
	pub(crate) gate: Matrix,
	pub(crate) up: Matrix,
	pub(crate) down: Matrix,
}

/// A loaded model: integer weights and the tables its ops use.
pub struct Model {
	/// Hyperparameters.
	pub config: LlamaConfig,
	/// Token embeddings (`vocab × d_model`), also the output head when the model ties them.
	pub embed: Matrix,
	pub(crate) layers: Vec<Layer>,
	pub(crate) out_norm: Vec<i32>,
	pub(crate) head: Option<Matrix>,
	pub(crate) rope: Rope,
	pub(crate) exp2: [u32; 256],
	pub(crate) sigmoid: Vec<i32>,
	pub(crate) attention: AttentionShape,
	/// The threads the ops share out their rows to; [`Model::forward`] runs inside it, so with
	/// one thread nothing crosses threads at all.
	pool: rayon::ThreadPool,
	/// The same engine on the GPU, once [`Model::use_gpu`] made it: every pass runs there.
	gpu: Option<GpuModel>,
}

/// A sequence's key/value cache: in memory, or a slot of the GPU's caches (claimed at its
/// first pass, given back when the cache is dropped).
#[derive(Debug, Default)]
pub struct Cache {
	layers: Vec<LayerCache>,
	len: usize,
	slot: Option<Slot>,
}

impl Cache {
	/// Positions held.
	pub fn len(&self) -> usize {
		self.len
	}

	/// Whether nothing is cached.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}

	/// Bytes held.
	pub fn bytes(&self) -> usize {
		self.layers.iter().map(|l| l.k.len() * 4 + l.k_exponent.len() * 2).sum()
	}
}

/// One sequence's part of a batch: the tokens it appends to its cache.
pub struct Step<'a> {
	/// The sequence's cache.
	pub cache: &'a mut Cache,
	/// Its new tokens.
	pub tokens: &'a [u32],
	/// Whether to return the logits of every new token (a replay) or only of the last.
	pub all_logits: bool,
}

impl Model {
	/// Loads `gguf`'s weights in integer form and builds the tables; the ops use every CPU.
	pub fn load(gguf: &Gguf) -> Result<Self, EngineError> {
		Self::load_with_threads(gguf, std::thread::available_parallelism().map_or(1, |n| n.get()))
	}

	/// [`Model::load`] with `threads` threads for the ops (at least one).
	pub fn load_with_threads(gguf: &Gguf, threads: usize) -> Result<Self, EngineError> {
		let pool = rayon::ThreadPoolBuilder::new()
			.num_threads(threads.max(1))
			.thread_name(|i| format!("sprint-engine-{i}"))
			.build()
			.map_err(|e| EngineError::Shape(format!("cannot start the engine's threads: {e}")))?;
		let config = LlamaConfig::from_gguf(gguf)?;
		let (d, ff, kv) = (config.d_model, config.d_ff, config.kv_dim());
		let embed = weights::matrix(gguf, "token_embd.weight", d, config.vocab)?;
		let head = if gguf.tensors.contains_key("output.weight") {
			Some(weights::matrix(gguf, "output.weight", d, config.vocab)?)
		} else {
			None
		};
		let layers = (0..config.layers)
			.into_par_iter()
			.map(|i| {
				let name = |t: &str| format!("blk.{i}.{t}.weight");
				Ok(Layer {
					attn_norm: weights::norm(gguf, &name("attn_norm"), d)?,
					wq: weights::matrix(gguf, &name("attn_q"), d, d)?,
					wk: weights::matrix(gguf, &name("attn_k"), d, kv)?,
					wv: weights::matrix(gguf, &name("attn_v"), d, kv)?,
					wo: weights::matrix(gguf, &name("attn_output"), d, d)?,
					ffn_norm: weights::norm(gguf, &name("ffn_norm"), d)?,
					gate: weights::matrix(gguf, &name("ffn_gate"), d, ff)?,
					up: weights::matrix(gguf, &name("ffn_up"), d, ff)?,
					down: weights::matrix(gguf, &name("ffn_down"), ff, d)?,
				})
			})
			.collect::<Result<Vec<_>, GgufError>>()?;
		let out_norm = weights::norm(gguf, "output_norm.weight", d)?;
		let rope = Rope::new(config.context, config.head_dim, config.rope_base());
		let attention = AttentionShape {
			heads: config.heads,
			kv_heads: config.kv_heads,
			head_dim: config.head_dim,
			score_scale: det::round(32_768.0 / (config.head_dim as f64).sqrt()) as i32,
		};
		Ok(Self {
			config,
			embed,
			layers,
			out_norm,
			head,
			rope,
			exp2: exp2_table(),
			sigmoid: sigmoid_table(),
			attention,
			pool,
			gpu: None,
		})
	}

	/// Moves every later pass to the GPU (the adapter that `WGPU_BACKEND` names, else the best
	/// one): uploads the weights and makes caches for `size.slots` sequences of up to
	/// `size.context` positions; the model's context becomes the smaller of its own and that.
	/// The bits of every logit stay the CPU's.
	pub fn use_gpu(&mut self, size: GpuCacheSize) -> Result<(), GpuError> {
		let gpu = GpuModel::new(self, size)?;
		self.config.context = gpu.cache_size().context;
		self.gpu = Some(gpu);
		Ok(())
	}

	/// The GPU the passes run on, if any.
	pub fn gpu(&self) -> Option<&GpuModel> {
		self.gpu.as_ref()
	}

	/// An empty cache for a new sequence.
	pub fn new_cache(&self) -> Cache {
		let layers = if self.gpu.is_some() {
			Vec::new()
		} else {
			vec![LayerCache::default(); self.config.layers]
		};
		Cache { layers, len: 0, slot: None }
	}

	/// Runs every step's new tokens through the model, appending them to the caches; returns,
	/// per step, the logits (`vocab` values with [`super::fixed::ACT_FRAC`] fractional bits)
	/// of its last token, or of every new token when it asked for all.
	pub fn forward(&self, steps: &mut [Step<'_>]) -> Result<Vec<Vec<i32>>, EngineError> {
		match &self.gpu {
			Some(gpu) => self.forward_on_gpu(gpu, steps),
			None => self.pool.install(|| self.forward_in_pool(steps)),
		}
	}

	/// Threads the ops use.
	pub fn threads(&self) -> usize {
		self.pool.current_num_threads()
	}

	/// `(step, position)` of every new row, after checking the context and the tokens.
	fn rows(&self, steps: &[Step<'_>]) -> Result<Vec<(usize, usize)>, EngineError> {
		let c = &self.config;
		let mut rows = Vec::new();
		for (s, step) in steps.iter().enumerate() {
			let total = step.cache.len + step.tokens.len();
			if total > c.context {
				return Err(EngineError::ContextOverflow { tokens: total, context: c.context });
			}
			for (i, token) in step.tokens.iter().enumerate() {
				if *token as usize >= c.vocab {
					return Err(EngineError::Token { token: *token, vocab: c.vocab });
				}
				rows.push((s, step.cache.len + i));
			}
		}
		Ok(rows)
	}

	/// Which rows' logits each step wants, in row order.
	fn wanted(steps: &[Step<'_>]) -> Vec<bool> {
		let mut wanted = Vec::new();
		for step in steps {
			let n = step.tokens.len();
			wanted.extend((0..n).map(|i| step.all_logits || i + 1 == n));
		}
		wanted
	}

	/// Splits the logits of the wanted rows per step and advances the caches.
	fn per_step(&self, steps: &mut [Step<'_>], logits: &[i32]) -> Vec<Vec<i32>> {
		let vocab = self.config.vocab;
		let mut out = Vec::with_capacity(steps.len());
		let mut at = 0;
		for step in steps.iter_mut() {
			let n = if step.all_logits {
				step.tokens.len()
			} else {
				usize::from(!step.tokens.is_empty())
			};
			out.push(logits[at * vocab..(at + n) * vocab].to_vec());
			at += n;
			step.cache.len += step.tokens.len();
		}
		out
	}

	fn forward_on_gpu(
		&self,
		gpu: &GpuModel,
		steps: &mut [Step<'_>],
	) -> Result<Vec<Vec<i32>>, EngineError> {
		let positions = self.rows(steps)?;
		for step in steps.iter_mut() {
			if step.cache.slot.is_none() && !step.tokens.is_empty() {
				if step.cache.len > 0 || !step.cache.layers.is_empty() {
					return Err(EngineError::ForeignCache);
				}
				let slots = gpu.cache_size().slots;
				step.cache.slot = Some(gpu.claim_slot().ok_or(EngineError::Slots { slots })?);
			}
		}
		let rows: Vec<Row> = positions
			.iter()
			.map(|(s, position)| {
				let step = &steps[*s];
				Row {
					slot: step.cache.slot.as_ref().map_or(0, Slot::index),
					position: *position as u32,
					token: step.tokens[*position - step.cache.len],
				}
			})
			.collect();
		let logits = gpu.forward(&rows, &Self::wanted(steps))?;
		Ok(self.per_step(steps, &logits))
	}

	fn forward_in_pool(&self, steps: &mut [Step<'_>]) -> Result<Vec<Vec<i32>>, EngineError> {
		let c = &self.config;
		let d = c.d_model;
		let rows = self.rows(steps)?;
		let mut h = Vec::with_capacity(rows.len() * d);
		for step in steps.iter() {
			for token in step.tokens {
				h.extend(self.embed.row_fixed(*token as usize));
			}
		}
		for (l, layer) in self.layers.iter().enumerate() {
			let x = ops::rmsnorm(&h, &layer.attn_norm);
			let mut q = ops::matmul(&x, &layer.wq);
			let mut k = ops::matmul(&x, &layer.wk);
			let v = ops::matmul(&x, &layer.wv);
			let kv = c.kv_dim();
			for (r, (_, pos)) in rows.iter().enumerate() {
				self.rope.apply(&mut q[r * d..(r + 1) * d], c.head_dim, *pos);
				self.rope.apply(&mut k[r * kv..(r + 1) * kv], c.head_dim, *pos);
			}
			for (r, (s, _)) in rows.iter().enumerate() {
				steps[*s].cache.layers[l].push(&k[r * kv..(r + 1) * kv], &v[r * kv..(r + 1) * kv]);
			}
			let caches: Vec<&LayerCache> = steps.iter().map(|s| &s.cache.layers[l]).collect();
			let attended: Vec<i32> = rows
				.par_iter()
				.enumerate()
				.flat_map_iter(|(r, (s, pos))| {
					ops::attention(
						&self.attention,
						&self.exp2,
						&q[r * d..(r + 1) * d],
						caches[*s],
						*pos,
					)
				})
				.collect();
			let o = ops::matmul(&attended, &layer.wo);
			ops::add_residual(&mut h, &o);
			let x = ops::rmsnorm(&h, &layer.ffn_norm);
			let gate = ops::matmul(&x, &layer.gate);
			let up = ops::matmul(&x, &layer.up);
			let act = ops::swiglu(&self.sigmoid, &gate, &up);
			let down = ops::matmul(&act, &layer.down);
			ops::add_residual(&mut h, &down);
		}
		// Only the rows whose logits are wanted go through the head.
		let mut last = Vec::new();
		for (r, wanted) in Self::wanted(steps).into_iter().enumerate() {
			if wanted {
				last.extend_from_slice(&h[r * d..(r + 1) * d]);
			}
		}
		let x = ops::rmsnorm(&last, &self.out_norm);
		let logits = ops::matmul(&x, self.head.as_ref().unwrap_or(&self.embed));
		Ok(self.per_step(steps, &logits))
	}
}
