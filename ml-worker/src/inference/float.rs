//! A plain f32 reference of the same Llama model: the GGUF's weights dequantized (`d·q + m`),
//! f32 arithmetic, the platform's `exp`, `sin`, `cos`. It is not exact across machines and is
//! never served: tests and benchmarks measure the integer engine against it (top-1 agreement,
//! perplexity).

use rayon::prelude::*;

use super::{
	engine::{EngineError, LlamaConfig},
	gguf::{Gguf, GgufError, TensorKind},
	weights::f16_to_f64,
};

/// A matrix of `rows` outputs × `cols` inputs, row-major.
struct Dense {
	rows: usize,
	cols: usize,
	w: Vec<f32>,
}

fn dequantize(gguf: &Gguf, name: &str) -> Result<Vec<f32>, GgufError> {
	let info = gguf.tensor(name)?;
	let bytes = gguf.data(info);
	let f16 = |at: usize| f16_to_f64(u16::from_le_bytes([bytes[at], bytes[at + 1]])) as f32;
	Ok(match info.kind {
		TensorKind::F32 => {
			bytes.chunks_exact(4).map(|w| f32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect()
		}
		TensorKind::F16 => (0..bytes.len() / 2).map(|i| f16(2 * i)).collect(),
		TensorKind::Q8_0 => (0..bytes.len() / 34)
			.flat_map(|b| {
				let d = f16(b * 34);
				(0..32).map(move |i| d * f32::from(bytes[b * 34 + 2 + i] as i8))
			})
			.collect(),
		TensorKind::Q4_0 | TensorKind::Q4_1 => {
			let size = info.kind.block_bytes() as usize;
			let with_min = info.kind == TensorKind::Q4_1;
			let mut out = Vec::with_capacity(bytes.len() / size * 32);
			for b in 0..bytes.len() / size {
				let d = f16(b * size);
				let (m, q) = if with_min {
					(f16(b * size + 2), b * size + 4)
				} else {
					(-8.0 * d, b * size + 2)
				};
				let nibbles = &bytes[q..q + 16];
				out.extend(nibbles.iter().map(|n| d * f32::from(n & 15) + m));
				out.extend(nibbles.iter().map(|n| d * f32::from(n >> 4) + m));
			}
			out
		}
	})
}

fn dense(gguf: &Gguf, name: &str, cols: usize, rows: usize) -> Result<Dense, GgufError> {
	Ok(Dense { rows, cols, w: dequantize(gguf, name)? }).and_then(|d| {
		if d.w.len() == rows * cols {
			Ok(d)
		} else {
			Err(GgufError::Tensor { name: name.to_owned(), why: "unexpected size".to_owned() })
		}
	})
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
	// Eight partial sums, so the compiler can use vector registers.
	let mut acc = [0f32; 8];
	let chunks = a.len() / 8;
	for c in 0..chunks {
		for l in 0..8 {
			acc[l] += a[c * 8 + l] * b[c * 8 + l];
		}
	}
	let mut sum: f32 = acc.iter().sum();
	for i in chunks * 8..a.len() {
		sum += a[i] * b[i];
	}
	sum
}

impl Dense {
	fn apply(&self, x: &[f32]) -> Vec<f32> {
		let rows = x.len() / self.cols;
		let mut out = vec![0f32; rows * self.rows];
		out.par_chunks_mut(self.rows).zip(x.par_chunks(self.cols)).for_each(|(o, xr)| {
			for (r, v) in o.iter_mut().enumerate() {
				*v = dot(xr, &self.w[r * self.cols..(r + 1) * self.cols]);
			}
		});
		out
	}
}

struct FloatLayer {
	attn_norm: Vec<f32>,
	wq: Dense,
	wk: Dense,
	wv: Dense,
	wo: Dense,
	ffn_norm: Vec<f32>,
	gate: Dense,
	up: Dense,
	down: Dense,
}

/// The f32 reference model.
pub struct FloatModel {
	config: LlamaConfig,
	embed: Dense,
	head: Option<Dense>,
	layers: Vec<FloatLayer>,
	out_norm: Vec<f32>,
	eps: f32,
}

fn rmsnorm(x: &[f32], g: &[f32], eps: f32) -> Vec<f32> {
	let d = g.len();
	let mut out = Vec::with_capacity(x.len());
	for row in x.chunks(d) {
		let ms = row.iter().map(|v| v * v).sum::<f32>() / d as f32;
		let inv = 1.0 / (ms + eps).sqrt();
		out.extend(row.iter().zip(g).map(|(v, g)| v * inv * g));
	}
	out
}

impl FloatModel {
	/// Dequantizes `gguf`'s weights.
	pub fn load(gguf: &Gguf) -> Result<Self, EngineError> {
		let config = LlamaConfig::from_gguf(gguf)?;
		let (d, ff, kv) = (config.d_model, config.d_ff, config.kv_dim());
		let layers = (0..config.layers)
			.map(|i| {
				let n = |t: &str| format!("blk.{i}.{t}.weight");
				Ok(FloatLayer {
					attn_norm: dequantize(gguf, &n("attn_norm"))?,
					wq: dense(gguf, &n("attn_q"), d, d)?,
					wk: dense(gguf, &n("attn_k"), d, kv)?,
					wv: dense(gguf, &n("attn_v"), d, kv)?,
					wo: dense(gguf, &n("attn_output"), d, d)?,
					ffn_norm: dequantize(gguf, &n("ffn_norm"))?,
					gate: dense(gguf, &n("ffn_gate"), d, ff)?,
					up: dense(gguf, &n("ffn_up"), d, ff)?,
					down: dense(gguf, &n("ffn_down"), ff, d)?,
				})
			})
			.collect::<Result<Vec<_>, GgufError>>()?;
		let head = if gguf.tensors.contains_key("output.weight") {
			Some(dense(gguf, "output.weight", d, config.vocab)?)
		} else {
			None
		};
		Ok(Self {
			embed: dense(gguf, "token_embd.weight", d, config.vocab)?,
			head,
			layers,
			out_norm: dequantize(gguf, "output_norm.weight")?,
			eps: gguf.f64("llama.attention.layer_norm_rms_epsilon").unwrap_or(1e-5) as f32,
			config,
		})
	}

	/// An empty cache.
	pub fn new_cache(&self) -> FloatCache {
		FloatCache {
			k: vec![Vec::new(); self.config.layers],
			v: vec![Vec::new(); self.config.layers],
			len: 0,
		}
	}

	/// The logits after every token of `tokens` (one pass, causal), `tokens.len() × vocab`.
	pub fn logits(&self, tokens: &[u32]) -> Vec<f32> {
		self.extend(&mut self.new_cache(), tokens)
	}

	/// Appends `tokens` to `cache`; the logits after each of them.
	pub fn extend(&self, cache: &mut FloatCache, tokens: &[u32]) -> Vec<f32> {
		let c = &self.config;
		let (d, hd, kv) = (c.d_model, c.head_dim, c.kv_dim());
		let n = tokens.len();
		let start = cache.len;
		let mut h: Vec<f32> = Vec::with_capacity(n * d);
		for t in tokens {
			h.extend_from_slice(&self.embed.w[*t as usize * d..(*t as usize + 1) * d]);
		}
		let base = c.rope_base();
		let rope = |x: &mut [f32], pos: usize| {
			for head in x.chunks_mut(hd) {
				for i in 0..hd / 2 {
					let theta = base.powf(-((2 * i) as f64) / hd as f64);
					let (s, cs) = (pos as f64 * theta).sin_cos();
					let (a, b) = (head[2 * i], head[2 * i + 1]);
					head[2 * i] = a * cs as f32 - b * s as f32;
					head[2 * i + 1] = a * s as f32 + b * cs as f32;
				}
			}
		};
		let group = c.heads / c.kv_heads;
		let scale = 1.0 / (hd as f32).sqrt();
		for (l, layer) in self.layers.iter().enumerate() {
			let x = rmsnorm(&h, &layer.attn_norm, self.eps);
			let mut q = layer.wq.apply(&x);
			let mut k_new = layer.wk.apply(&x);
			for p in 0..n {
				rope(&mut q[p * d..(p + 1) * d], start + p);
				rope(&mut k_new[p * kv..(p + 1) * kv], start + p);
			}
			cache.k[l].extend_from_slice(&k_new);
			cache.v[l].extend(layer.wv.apply(&x));
			let (k, v) = (&cache.k[l], &cache.v[l]);
			let mut att = vec![0f32; n * d];
			att.par_chunks_mut(d).enumerate().for_each(|(i, out)| {
				let p = start + i;
				for head in 0..c.heads {
					let kvh = head / group;
					let qh = &q[i * d + head * hd..i * d + (head + 1) * hd];
					let scores: Vec<f32> = (0..=p)
						.map(|j| dot(qh, &k[j * kv + kvh * hd..j * kv + (kvh + 1) * hd]) * scale)
						.collect();
					let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
					let e: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
					let total: f32 = e.iter().sum();
					for (j, w) in e.iter().enumerate() {
						let vj = &v[j * kv + kvh * hd..j * kv + (kvh + 1) * hd];
						for (o, vv) in out[head * hd..(head + 1) * hd].iter_mut().zip(vj) {
							*o += w / total * vv;
						}
					}
				}
			});
			for (a, b) in h.iter_mut().zip(layer.wo.apply(&att)) {
				*a += b;
			}
			let x = rmsnorm(&h, &layer.ffn_norm, self.eps);
			let g = layer.gate.apply(&x);
			let u = layer.up.apply(&x);
			let act: Vec<f32> = g.iter().zip(&u).map(|(g, u)| g / (1.0 + (-g).exp()) * u).collect();
			for (a, b) in h.iter_mut().zip(layer.down.apply(&act)) {
				*a += b;
			}
		}
		cache.len += n;
		let x = rmsnorm(&h, &self.out_norm, self.eps);
		self.head.as_ref().unwrap_or(&self.embed).apply(&x)
	}
}

/// The reference's key/value cache.
#[derive(Clone, Debug)]
pub struct FloatCache {
	k: Vec<Vec<f32>>,
	v: Vec<Vec<f32>>,
	len: usize,
}
