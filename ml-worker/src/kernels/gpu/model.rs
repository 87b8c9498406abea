//! The inference engine's forward pass on the GPU ([`crate::inference::engine::Model::forward`],
//! op for op, bit for bit): the weights are uploaded once, every sequence's key/value cache lives
//! in a slot of one cache buffer per layer, and a pass is one submission of about twenty
//! dispatches per layer over every new row of every sequence at once; only the logits the caller
//! asked for come back.

use std::{
	collections::HashMap,
	sync::{mpsc, Arc, Mutex},
};

use super::{
	kernel::{self, workgroups_fit, Kernel},
	ops::{matrix_words, words},
	Gpu, GpuError,
};
use crate::inference::{engine::Model, weights::Matrix, LlamaConfig};

/// The most rows one submission takes; longer prompts run in several, which gives the same bits
/// (each row attends only to positions at or before its own, all pushed by then).
const MAX_ROWS: usize = 512;

/// How many sequences the GPU holds caches for, and how long each may grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuCacheSize {
	/// Sequences whose caches are held at once (the server's `--max-batch` at least).
	pub slots: usize,
	/// Positions per sequence (at most the model's context).
	pub context: usize,
}

/// A sequence's claim on a cache slot, given back when dropped.
#[derive(Debug)]
pub struct Slot {
	index: u32,
	free: Arc<Mutex<Vec<u32>>>,
}

impl Slot {
	/// The slot's number.
	pub fn index(&self) -> u32 {
		self.index
	}
}

impl Drop for Slot {
	fn drop(&mut self) {
		// A poisoned lock means a panic elsewhere; the slot is then simply not reused.
		if let Ok(mut free) = self.free.lock() {
			free.push(self.index);
		}
	}
}

/// One new row of a pass: its sequence's slot, its position there, its token.
#[derive(Clone, Copy, Debug)]
pub struct Row {
	/// The slot of its sequence.
	pub slot: u32,
	/// Its position in the sequence.
	pub position: u32,
	/// Its token.
	pub token: u32,
}

/// Which row count a dispatch covers.
#[derive(Clone, Copy)]
enum Over {
	/// Every new row.
	Rows,
	/// The rows whose logits come back.
	Wanted,
}

/// One dispatch of the pass.
struct Dispatch {
	kernel: Kernel,
	bind_group: wgpu::BindGroup,
	over: Over,
}

/// A matrix on the device: its q words and its scales.
struct DeviceMatrix {
	q: wgpu::Buffer,
	meta: wgpu::Buffer,
	matrix_rows: u32,
	cols: u32,
	nibbles: bool,
	bits: u32,
}

/// The integer engine on the GPU for one model.
pub struct GpuModel {
	gpu: Gpu,
	config: LlamaConfig,
	size: GpuCacheSize,
	free: Arc<Mutex<Vec<u32>>>,
	pass: Pass,
	/// Held through a pass: the passes share their buffers.
	running: Mutex<()>,
	max_rows: usize,
	max_workgroups: u32,
}

/// The buffers and recorded dispatches of a pass.
struct Pass {
	rows_dims: wgpu::Buffer,
	wanted_dims: wgpu::Buffer,
	tokens: wgpu::Buffer,
	positions: wgpu::Buffer,
	cache_slots: wgpu::Buffer,
	attention_positions: wgpu::Buffer,
	wanted: wgpu::Buffer,
	logits: wgpu::Buffer,
	readback: wgpu::Buffer,
	dispatches: Vec<Dispatch>,
	/// The dispatches up to the last block's output (what a pass needs when no row's logits come
	/// back).
	body: usize,
}

/// Pipelines by their constants, so that the layers share them.
#[derive(Default)]
struct Pipelines {
	matmul: HashMap<(u32, u32, bool), Kernel>,
	quantize: HashMap<(u32, u32), Kernel>,
	norm: HashMap<u32, Kernel>,
	rope: HashMap<u32, Kernel>,
}

impl Pipelines {
	fn matmul(&mut self, gpu: &Gpu, w: &DeviceMatrix) -> Result<Kernel, GpuError> {
		let key = (w.cols, w.matrix_rows, w.nibbles);
		if let Some(kernel) = self.matmul.get(&key) {
			return Ok(kernel.clone());
		}
		let kernel = kernel::block_matmul(gpu, w.cols, w.matrix_rows, w.nibbles)?;
		Ok(self.matmul.entry(key).or_insert(kernel).clone())
	}

	fn quantize(&mut self, gpu: &Gpu, cols: u32, bits: u32) -> Result<Kernel, GpuError> {
		if let Some(kernel) = self.quantize.get(&(cols, bits)) {
			return Ok(kernel.clone());
		}
		let kernel = kernel::block_quantize(gpu, cols, bits)?;
		Ok(self.quantize.entry((cols, bits)).or_insert(kernel).clone())
	}

	fn norm(&mut self, gpu: &Gpu, cols: u32) -> Result<Kernel, GpuError> {
		if let Some(kernel) = self.norm.get(&cols) {
			return Ok(kernel.clone());
		}
		let kernel = kernel::llm_rmsnorm(gpu, cols)?;
		Ok(self.norm.entry(cols).or_insert(kernel).clone())
	}

	fn rope(&mut self, gpu: &Gpu, cols: u32, pairs: u32) -> Result<Kernel, GpuError> {
		if let Some(kernel) = self.rope.get(&cols) {
			return Ok(kernel.clone());
		}
		let kernel = kernel::rope(gpu, cols, pairs)?;
		Ok(self.rope.entry(cols).or_insert(kernel).clone())
	}
}

/// Activations quantized for one bit width: values and `[e][Σa][E]`.
struct Quantized {
	bits: u32,
	q: wgpu::Buffer,
	meta: wgpu::Buffer,
}

/// Records the dispatches of the pass while the buffers are made.
struct Recorder<'a> {
	gpu: &'a Gpu,
	pipelines: Pipelines,
	dispatches: Vec<Dispatch>,
	rows_dims: &'a wgpu::Buffer,
	wanted_dims: &'a wgpu::Buffer,
	/// One set per activation width the matrices take (12 bits for 4-bit weights, 8 for bytes).
	quantized: Vec<Quantized>,
}

impl Recorder<'_> {
	fn push(&mut self, kernel: Kernel, buffers: &[&wgpu::Buffer], over: Over) {
		let dims = match over {
			Over::Rows => self.rows_dims,
			Over::Wanted => self.wanted_dims,
		};
		let mut bound = vec![dims];
		bound.extend_from_slice(buffers);
		let bind_group = kernel.bind(self.gpu, &bound);
		self.dispatches.push(Dispatch { kernel, bind_group, over });
	}

	/// `x` (rows of `cols`) times each of `matrices` into `outputs`, quantizing `x` once per
	/// bit width they take.
	fn matmuls(
		&mut self,
		x: &wgpu::Buffer,
		cols: u32,
		products: &[(&DeviceMatrix, &wgpu::Buffer)],
		over: Over,
	) -> Result<(), GpuError> {
		let mut done: Option<u32> = None;
		for (w, output) in products {
			let set = self
				.quantized
				.iter()
				.position(|set| set.bits == w.bits)
				.ok_or(GpuError::Size { what: "activation bits", value: w.bits as usize })?;
			if done != Some(w.bits) {
				let kernel = self.pipelines.quantize(self.gpu, cols, w.bits)?;
				let (q, meta) = (&self.quantized[set].q, &self.quantized[set].meta);
				let (q, meta) = (q.clone(), meta.clone());
				self.push(kernel, &[x, &q, &meta], over);
				done = Some(w.bits);
			}
			let kernel = self.pipelines.matmul(self.gpu, w)?;
			let (q, meta) = (self.quantized[set].q.clone(), self.quantized[set].meta.clone());
			self.push(kernel, &[&q, &meta, &w.q, &w.meta, output], over);
		}
		Ok(())
	}
}

impl GpuModel {
	/// Opens the adapter (the `WGPU_BACKEND` environment variable's backends, else all), uploads
	/// `model`'s weights and tables, makes caches for `size.slots` sequences of up to
	/// `size.context` positions, and records the pass.
	pub fn new(model: &Model, size: GpuCacheSize) -> Result<Self, GpuError> {
		let config = model.config.clone();
		let c = &config;
		let context = size.context.min(c.context);
		let size = GpuCacheSize { slots: size.slots, context };
		let cache_positions = size.slots.checked_mul(context).filter(|n| *n > 0 && *n < 1 << 31);
		let Some(cache_positions) = cache_positions else {
			return Err(GpuError::Size { what: "cache slots × context", value: size.slots });
		};
		let gpu = Gpu::open()?;
		let limits = gpu.limits();
		let max_binding = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
		let (d, ff, kv, vocab) = (c.d_model, c.d_ff, c.kv_dim(), c.vocab);
		let shape = &model.attention;
		let attention_constants = kernel::AttentionConstants {
			heads: shape.heads as u32,
			kv_heads: shape.kv_heads as u32,
			head_dim: shape.head_dim as u32,
			score_scale: shape.score_scale as u32,
			context: context as u32,
			cache_blocks: (cache_positions * kv / 32) as u32,
		};
		// Rows per submission: the logits and the attention's scratch of every row must fit one
		// binding each.
		let scratch_row = 4 * attention_constants.scratch_per_row();
		let max_rows = MAX_ROWS
			.min((max_binding / (4 * vocab as u64)) as usize)
			.min((max_binding / scratch_row) as usize);
		let cache_bytes = cache_positions as u64 * kv as u64 * 2;
		if max_rows == 0 || cache_bytes > max_binding {
			return Err(GpuError::Size {
				what: "a layer's cache (slots × context) or a row of logits, in bytes, against \
				       the device's largest binding",
				value: cache_bytes.max(4 * vocab as u64) as usize,
			});
		}
		let max_workgroups = limits.max_compute_workgroups_per_dimension;
		let widest = (max_rows * ff.max(vocab)) as u64 * 64;
		if !workgroups_fit(widest, max_workgroups) {
			return Err(GpuError::Size { what: "rows per dispatch", value: max_rows });
		}
		let (d32, ff32, kv32) = (d as u32, ff as u32, kv as u32);

		let made = gpu.checked("uploading the model", || -> Result<_, GpuError> {
			let activations =
				|label: &str, width: usize| gpu.storage(label, (max_rows * width * 4) as u64);
			let rows_dims = gpu.dims();
			let wanted_dims = gpu.dims();
			let tokens = activations("tokens", 1);
			let positions = activations("positions", 1);
			let cache_slots = activations("cache slots", 1);
			let attention_positions = activations("attention positions", 2);
			let wanted = activations("wanted rows", 1);
			let [h, x, q, attended, o, last, last_x] =
				["h", "x", "q", "attended", "o", "last", "last normed"]
					.map(|label| activations(label, d));
			let [k, v] = ["k", "v"].map(|label| activations(label, kv));
			let [gate, up, act] = ["gate", "up", "act"].map(|label| activations(label, ff));
			let logits = activations("logits", vocab);
			let scratch = gpu.storage("attention scratch", max_rows as u64 * scratch_row);
			let readback = gpu.readback((max_rows * vocab * 4) as u64);

			let upload = |label: &str, w: &Matrix| {
				let (q, meta) = matrix_words(w);
				DeviceMatrix {
					q: gpu.storage_with(label, &q),
					meta: gpu.storage_with(label, &meta),
					matrix_rows: w.rows as u32,
					cols: w.cols as u32,
					nibbles: w.nibbles,
					bits: w.activation_bits,
				}
			};
			let norm = |label: &str, weight: &[i32]| gpu.storage_with(label, &words(weight));
			let widest = d.max(ff);
			let quantized = [12u32, 8]
				.map(|bits| Quantized {
					bits,
					q: activations("quantized", widest),
					meta: activations("quantized meta", 2 * widest / 32 + 1),
				})
				.into();
			let mut recorder = Recorder {
				gpu: &gpu,
				pipelines: Pipelines::default(),
				dispatches: Vec::new(),
				rows_dims: &rows_dims,
				wanted_dims: &wanted_dims,
				quantized,
			};

			let embed = upload("token_embd", &model.embed);
			let embed_kernel = kernel::embed(&gpu, d32, embed.matrix_rows, embed.nibbles)?;
			recorder.push(embed_kernel, &[&tokens, &embed.q, &embed.meta, &h], Over::Rows);

			let rope = &model.rope;
			let mut table = words(&rope.cos);
			table.extend(words(&rope.sin));
			let rope_table = gpu.storage_with("rope table", &table);
			let table_len = gpu
				.storage_with("rope table length", &[(rope.cos.len() / rope.pairs.max(1)) as u32]);
			let exp2 = gpu.storage_with("exp2", &model.exp2);
			let sigmoid = gpu.storage_with("sigmoid", &words(&model.sigmoid));
			let attention = kernel::llm_attention(&gpu, attention_constants)?;
			let kv_push = kernel::kv_push(&gpu, kv32, attention_constants.cache_blocks)?;
			let swiglu = kernel::swiglu(&gpu, ff32)?;
			let residual_d = kernel::residual_add(&gpu, d32)?;
			let pairs = rope.pairs as u32;
			let rope_q = recorder.pipelines.rope(&gpu, d32, pairs)?;
			let rope_k = recorder.pipelines.rope(&gpu, kv32, pairs)?;

			for (l, layer) in model.layers.iter().enumerate() {
				let name = |t: &str| format!("blk.{l}.{t}");
				let [wq, wk, wv, wo, w_gate, w_up, w_down] = [
					("attn_q", &layer.wq),
					("attn_k", &layer.wk),
					("attn_v", &layer.wv),
					("attn_output", &layer.wo),
					("ffn_gate", &layer.gate),
					("ffn_up", &layer.up),
					("ffn_down", &layer.down),
				]
				.map(|(t, w)| upload(&name(t), w));
				let attn_norm = norm(&name("attn_norm"), &layer.attn_norm);
				let ffn_norm = norm(&name("ffn_norm"), &layer.ffn_norm);
				let cache_words = (cache_positions * kv / 2) as u64 * 4;
				let cache_blocks = (cache_positions * kv / 32) as u64 * 4;
				let k_cache = gpu.storage(&name("k cache"), cache_words);
				let v_cache = gpu.storage(&name("v cache"), cache_words);
				let exponents = gpu.storage(&name("cache exponents"), 2 * cache_blocks);

				let rmsnorm = recorder.pipelines.norm(&gpu, d32)?;
				recorder.push(rmsnorm.clone(), &[&h, &attn_norm, &x], Over::Rows);
				recorder.matmuls(&x, d32, &[(&wq, &q), (&wk, &k), (&wv, &v)], Over::Rows)?;
				recorder.push(
					rope_q.clone(),
					&[&q, &positions, &rope_table, &table_len],
					Over::Rows,
				);
				recorder.push(
					rope_k.clone(),
					&[&k, &positions, &rope_table, &table_len],
					Over::Rows,
				);
				recorder.push(
					kv_push.clone(),
					&[&k, &v, &cache_slots, &k_cache, &v_cache, &exponents],
					Over::Rows,
				);
				for pass in &attention {
					recorder.push(
						pass.clone(),
						&[
							&q,
							&attention_positions,
							&k_cache,
							&v_cache,
							&exponents,
							&exp2,
							&attended,
							&scratch,
						],
						Over::Rows,
					);
				}
				recorder.matmuls(&attended, d32, &[(&wo, &o)], Over::Rows)?;
				recorder.push(residual_d.clone(), &[&h, &o], Over::Rows);
				recorder.push(rmsnorm, &[&h, &ffn_norm, &x], Over::Rows);
				recorder.matmuls(&x, d32, &[(&w_gate, &gate), (&w_up, &up)], Over::Rows)?;
				recorder.push(swiglu.clone(), &[&gate, &up, &sigmoid, &act], Over::Rows);
				recorder.matmuls(&act, ff32, &[(&w_down, &o)], Over::Rows)?;
				recorder.push(residual_d.clone(), &[&h, &o], Over::Rows);
			}
			let body = recorder.dispatches.len();

			// Only the rows whose logits are wanted go through the head.
			recorder.push(kernel::gather(&gpu, d32)?, &[&h, &wanted, &last], Over::Wanted);
			let out_norm = norm("output_norm", &model.out_norm);
			let rmsnorm = recorder.pipelines.norm(&gpu, d32)?;
			recorder.push(rmsnorm, &[&last, &out_norm, &last_x], Over::Wanted);
			let head = match &model.head {
				Some(head) => upload("output", head),
				None => embed,
			};
			recorder.matmuls(&last_x, d32, &[(&head, &logits)], Over::Wanted)?;
			let dispatches = recorder.dispatches;
			Ok(Pass {
				rows_dims,
				wanted_dims,
				tokens,
				positions,
				cache_slots,
				attention_positions,
				wanted,
				logits,
				readback,
				dispatches,
				body,
			})
		})??;
		Ok(Self {
			gpu,
			config,
			size,
			free: Arc::new(Mutex::new((0..size.slots as u32).rev().collect())),
			pass: made,
			running: Mutex::new(()),
			max_rows,
			max_workgroups,
		})
	}

	/// The adapter the model runs on.
	pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
		self.gpu.info()
	}

	/// The caches held.
	pub fn cache_size(&self) -> GpuCacheSize {
		self.size
	}

	/// Claims a free cache slot for a new sequence, if any is left.
	pub fn claim_slot(&self) -> Option<Slot> {
		let index = self.free.lock().ok()?.pop()?;
		Some(Slot { index, free: Arc::clone(&self.free) })
	}

	/// Runs `rows` (each sequence's in order of position, every position before a row's own
	/// already cached or among the rows before it) through the model, appending their keys and
	/// values to their slots' caches; returns the logits of the rows `wanted` marks, in order,
	/// `vocab` values each.
	pub fn forward(&self, rows: &[Row], wanted: &[bool]) -> Result<Vec<i32>, GpuError> {
		let c = &self.config;
		if wanted.len() != rows.len() {
			return Err(GpuError::Size { what: "wanted marks for rows", value: wanted.len() });
		}
		for row in rows {
			if row.slot as usize >= self.size.slots
				|| row.position as usize >= self.size.context
				|| row.token as usize >= c.vocab
			{
				return Err(GpuError::Size {
					what: "a row outside the slots, the context or the vocabulary",
					value: row.position as usize,
				});
			}
		}
		let _running = self.running.lock().map_err(|_| GpuError::Wgpu {
			during: "running the inference kernels",
			message: "an earlier pass panicked".to_owned(),
		})?;
		let mut logits = Vec::with_capacity(wanted.iter().filter(|w| **w).count() * c.vocab);
		for (chunk, marks) in rows.chunks(self.max_rows).zip(wanted.chunks(self.max_rows)) {
			logits.extend(self.chunk(chunk, marks)?);
		}
		Ok(logits)
	}

	/// One submission of at most `max_rows` rows.
	fn chunk(&self, rows: &[Row], wanted: &[bool]) -> Result<Vec<i32>, GpuError> {
		let p = &self.pass;
		let n = rows.len() as u32;
		let context = self.size.context as u32;
		let wanted_rows: Vec<u32> = (0..n).filter(|r| wanted[*r as usize]).collect();
		let out = wanted_rows.len() as u32;
		let mut attention_positions: Vec<u32> = rows.iter().map(|r| r.position).collect();
		attention_positions.extend(rows.iter().map(|r| r.slot * context));
		let bytes = u64::from(out) * self.config.vocab as u64 * 4;
		let queue = &self.gpu.queue;
		self.gpu.checked("running the inference kernels", || {
			let write = |buffer: &wgpu::Buffer, words: &[u32]| {
				queue.write_buffer(buffer, 0, bytemuck::cast_slice(words));
			};
			self.gpu.write_dims(&p.rows_dims, 0, n);
			self.gpu.write_dims(&p.wanted_dims, 0, out);
			write(&p.tokens, &rows.iter().map(|r| r.token).collect::<Vec<_>>());
			write(&p.positions, &rows.iter().map(|r| r.position).collect::<Vec<_>>());
			write(
				&p.cache_slots,
				&rows.iter().map(|r| r.slot * context + r.position).collect::<Vec<_>>(),
			);
			write(&p.attention_positions, &attention_positions);
			if out > 0 {
				write(&p.wanted, &wanted_rows);
			}
			let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
			{
				let mut pass = encoder.begin_compute_pass(&Default::default());
				let last = if out > 0 { p.dispatches.len() } else { p.body };
				for dispatch in &p.dispatches[..last] {
					let count = match dispatch.over {
						Over::Rows => n,
						Over::Wanted => out,
					};
					dispatch.kernel.dispatch(
						&mut pass,
						&dispatch.bind_group,
						0,
						count,
						self.max_workgroups,
					);
				}
			}
			if out > 0 {
				encoder.copy_buffer_to_buffer(&p.logits, 0, &p.readback, 0, bytes);
			}
			queue.submit([encoder.finish()]);
		})?;
		if out == 0 {
			return Ok(Vec::new());
		}
		let slice = p.readback.slice(..bytes);
		let (sender, receiver) = mpsc::channel();
		slice.map_async(wgpu::MapMode::Read, move |mapped| {
			// The receiver waits below; if it were gone there would be nobody left to tell.
			let _ = sender.send(mapped);
		});
		let failed = |message: String| GpuError::Wgpu { during: "reading logits back", message };
		self.gpu
			.device
			.poll(wgpu::PollType::wait_indefinitely())
			.map_err(|e| failed(e.to_string()))?;
		receiver.recv().map_err(|e| failed(e.to_string()))?.map_err(|e| failed(e.to_string()))?;
		let logits = {
			let mapped = slice.get_mapped_range().map_err(|e| failed(e.to_string()))?;
			mapped.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
		};
		p.readback.unmap();
		Ok(logits)
	}
}
