//! One compute pipeline per op and size: its WGSL source, its bindings, its override constants
//! and how many invocations a dispatch needs.

use ndarray::ArrayView2;

use super::{Gpu, GpuError};

/// `int8.wgsl`'s helpers, appended to every op (WGSL has no includes, and an op's `requires`
/// directive must come first).
const INT8: &str = include_str!("../int8.wgsl");
/// Invocations per workgroup (`WORKGROUP_SIZE` in `int8.wgsl`).
const WORKGROUP_SIZE: u32 = 64;

/// How a kernel uses one of its bindings, in binding order.
#[derive(Clone, Copy)]
enum Binding {
	/// The `Dims` uniform.
	Dims,
	Read,
	ReadWrite,
}

/// The invocations of a dispatch over `nonces` nonces and `rows` rows (see `Dims`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Grid {
	/// `n` invocations for each nonce.
	Nonces(u32),
	/// `n` invocations for each row.
	Rows(u32),
	/// `n` invocations for each block of 4 rows (the matmul's).
	RowBlocks(u32),
}

impl Grid {
	pub(crate) fn invocations(self, nonces: u32, rows: u32) -> u64 {
		match self {
			Grid::Nonces(n) => u64::from(nonces) * u64::from(n),
			Grid::Rows(n) => u64::from(rows) * u64::from(n),
			Grid::RowBlocks(n) => u64::from(rows.div_ceil(4)) * u64::from(n),
		}
	}
}

/// One op's source and bindings.
struct Op {
	label: &'static str,
	source: &'static str,
	entry_point: &'static str,
	bindings: &'static [Binding],
}

/// A kernel's source with `fixed.wgsl`'s helpers after it.
macro_rules! with_fixed {
	($file:literal) => {
		concat!(include_str!($file), "\n", include_str!("../fixed.wgsl"))
	};
}

const INPUT: Op = Op {
	label: "input",
	source: include_str!("../input.wgsl"),
	entry_point: "input",
	bindings: &[Binding::Dims, Binding::Read, Binding::ReadWrite],
};
const RMSNORM: Op = Op {
	label: "rmsnorm",
	source: with_fixed!("../rmsnorm.wgsl"),
	entry_point: "rmsnorm",
	bindings: &[Binding::Dims, Binding::Read, Binding::ReadWrite],
};
const MATMUL: Op = Op {
	label: "matmul",
	source: include_str!("../matmul.wgsl"),
	entry_point: "matmul",
	bindings: &[Binding::Dims, Binding::Read, Binding::Read, Binding::ReadWrite],
};
const ATTENTION: Op = Op {
	label: "attention",
	source: include_str!("../attention.wgsl"),
	entry_point: "attention",
	bindings: &[Binding::Dims, Binding::Read, Binding::Read, Binding::Read, Binding::ReadWrite],
};
const RELU: Op = Op {
	label: "relu",
	source: include_str!("../activation.wgsl"),
	entry_point: "relu",
	bindings: &[Binding::Dims, Binding::ReadWrite],
};
const RESIDUAL: Op = Op {
	label: "residual",
	source: include_str!("../activation.wgsl"),
	entry_point: "residual",
	bindings: &[Binding::Dims, Binding::ReadWrite, Binding::Read],
};

const BLOCK_MATMUL: Op = Op {
	label: "block_matmul",
	source: with_fixed!("../block_matmul.wgsl"),
	entry_point: "block_matmul",
	bindings: &[
		Binding::Dims,
		Binding::Read,
		Binding::Read,
		Binding::Read,
		Binding::Read,
		Binding::ReadWrite,
	],
};

const BLOCK_QUANTIZE: Op = Op {
	label: "block_quantize",
	source: with_fixed!("../block_quantize.wgsl"),
	entry_point: "block_quantize",
	bindings: &[Binding::Dims, Binding::Read, Binding::ReadWrite, Binding::ReadWrite],
};
const LLM_RMSNORM: Op = Op {
	label: "llm_rmsnorm",
	source: with_fixed!("../llm_rmsnorm.wgsl"),
	entry_point: "llm_rmsnorm",
	bindings: &[Binding::Dims, Binding::Read, Binding::Read, Binding::ReadWrite],
};
const SWIGLU: Op = Op {
	label: "swiglu",
	source: with_fixed!("../swiglu.wgsl"),
	entry_point: "swiglu",
	bindings: &[Binding::Dims, Binding::Read, Binding::Read, Binding::Read, Binding::ReadWrite],
};
const RESIDUAL_ADD: Op = Op {
	label: "residual_add",
	source: with_fixed!("../residual_add.wgsl"),
	entry_point: "residual_add",
	bindings: &[Binding::Dims, Binding::ReadWrite, Binding::Read],
};
const ROPE: Op = Op {
	label: "rope",
	source: with_fixed!("../rope.wgsl"),
	entry_point: "rope",
	bindings: &[Binding::Dims, Binding::ReadWrite, Binding::Read, Binding::Read, Binding::Read],
};
const LLM_ATTENTION: Op = Op {
	label: "llm_attention",
	source: with_fixed!("../llm_attention.wgsl"),
	entry_point: "llm_attention",
	bindings: &[
		Binding::Dims,
		Binding::Read,
		Binding::Read,
		Binding::Read,
		Binding::Read,
		Binding::Read,
		Binding::Read,
		Binding::ReadWrite,
		Binding::ReadWrite,
	],
};
const EMBED: Op = Op {
	label: "embed",
	source: with_fixed!("../embed.wgsl"),
	entry_point: "embed",
	bindings: &[Binding::Dims, Binding::Read, Binding::Read, Binding::Read, Binding::ReadWrite],
};
const KV_PUSH: Op = Op {
	label: "kv_push",
	source: with_fixed!("../kv_push.wgsl"),
	entry_point: "kv_push",
	bindings: &[
		Binding::Dims,
		Binding::Read,
		Binding::Read,
		Binding::Read,
		Binding::ReadWrite,
		Binding::ReadWrite,
		Binding::ReadWrite,
	],
};
const GATHER: Op = Op {
	label: "gather",
	source: include_str!("../gather.wgsl"),
	entry_point: "gather",
	bindings: &[Binding::Dims, Binding::Read, Binding::Read, Binding::ReadWrite],
};
const MUL_SHIFT_PROBE: Op = Op {
	label: "mul_shift_probe",
	source: with_fixed!("../fixed_probe.wgsl"),
	entry_point: "mul_shift_probe",
	bindings: &[Binding::Dims, Binding::Read, Binding::Read, Binding::Read, Binding::ReadWrite],
};

/// A compiled op for fixed sizes (wgpu handles: clones share the pipeline).
#[derive(Clone)]
pub(crate) struct Kernel {
	label: &'static str,
	pipeline: wgpu::ComputePipeline,
	layout: wgpu::BindGroupLayout,
	grid: Grid,
}

impl Kernel {
	fn new(gpu: &Gpu, op: &Op, constants: &[(&str, u32)], grid: Grid) -> Result<Self, GpuError> {
		let constants: Vec<(&str, f64)> =
			constants.iter().map(|(name, value)| (*name, f64::from(*value))).collect();
		gpu.checked("compiling a kernel", || {
			let device = &gpu.device;
			let source = format!("{}\n{INT8}", op.source);
			let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
				label: Some(op.label),
				source: wgpu::ShaderSource::Wgsl(source.into()),
			});
			let entries: Vec<wgpu::BindGroupLayoutEntry> = op
				.bindings
				.iter()
				.enumerate()
				.map(|(i, binding)| wgpu::BindGroupLayoutEntry {
					binding: i as u32,
					visibility: wgpu::ShaderStages::COMPUTE,
					ty: wgpu::BindingType::Buffer {
						ty: match binding {
							Binding::Dims => wgpu::BufferBindingType::Uniform,
							Binding::Read => wgpu::BufferBindingType::Storage { read_only: true },
							Binding::ReadWrite => {
								wgpu::BufferBindingType::Storage { read_only: false }
							}
						},
						has_dynamic_offset: false,
						min_binding_size: None,
					},
					count: None,
				})
				.collect();
			let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
				label: Some(op.label),
				entries: &entries,
			});
			let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
				label: Some(op.label),
				bind_group_layouts: &[Some(&layout)],
				immediate_size: 0,
			});
			let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
				label: Some(op.label),
				layout: Some(&pipeline_layout),
				module: &module,
				entry_point: Some(op.entry_point),
				compilation_options: wgpu::PipelineCompilationOptions {
					constants: &constants,
					// No kernel reads workgroup memory.
					zero_initialize_workgroup_memory: false,
				},
				cache: None,
			});
			Self { label: op.label, pipeline, layout, grid }
		})
	}

	/// A bind group of `buffers`, in the op's binding order.
	pub(crate) fn bind(&self, gpu: &Gpu, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
		let entries: Vec<wgpu::BindGroupEntry> = buffers
			.iter()
			.enumerate()
			.map(|(i, buffer)| wgpu::BindGroupEntry {
				binding: i as u32,
				resource: buffer.as_entire_binding(),
			})
			.collect();
		gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
			label: Some(self.label),
			layout: &self.layout,
			entries: &entries,
		})
	}

	/// Invocations of a dispatch over `nonces` nonces and `rows` rows.
	pub(crate) fn invocations(&self, nonces: u32, rows: u32) -> u64 {
		self.grid.invocations(nonces, rows)
	}

	/// Records a dispatch over `nonces` nonces and `rows` rows (as written in the `Dims` the bind
	/// group holds). Workgroups beyond `max_workgroups` in x fold into y (see
	/// `invocation_index`); [`workgroups_fit`] is checked before.
	pub(crate) fn dispatch(
		&self,
		pass: &mut wgpu::ComputePass<'_>,
		bind_group: &wgpu::BindGroup,
		nonces: u32,
		rows: u32,
		max_workgroups: u32,
	) {
		let groups = self.invocations(nonces, rows).div_ceil(u64::from(WORKGROUP_SIZE));
		if groups == 0 {
			return;
		}
		let x = groups.min(u64::from(max_workgroups));
		let y = groups.div_ceil(x);
		pass.set_pipeline(&self.pipeline);
		pass.set_bind_group(0, bind_group, &[]);
		pass.dispatch_workgroups(x as u32, y as u32, 1);
	}
}

/// Whether `invocations` can be dispatched in two dimensions of `max_workgroups` workgroups, with
/// every invocation index below 2^32.
pub(crate) fn workgroups_fit(invocations: u64, max_workgroups: u32) -> bool {
	let groups = invocations.div_ceil(u64::from(WORKGROUP_SIZE));
	let max = u64::from(max_workgroups);
	max > 0 && groups.div_ceil(max) <= max && invocations < 1 << 32
}

/// The input of `nonces`: `words_per_nonce` = seq_len · d_model / 4.
pub(crate) fn input(gpu: &Gpu, words_per_nonce: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &INPUT, &[("WORDS_PER_NONCE", words_per_nonce)], Grid::Nonces(words_per_nonce))
}

/// RMSNorm of rows of `width` int8.
pub(crate) fn rmsnorm(gpu: &Gpu, width: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &RMSNORM, &[("ROW_WORDS", width / 4)], Grid::Rows(1))
}

/// Rows of `fan_in` int8 times a `fan_in × width` matrix, requantized by `shift`.
pub(crate) fn matmul(gpu: &Gpu, fan_in: u32, width: u32, shift: u32) -> Result<Kernel, GpuError> {
	Kernel::new(
		gpu,
		&MATMUL,
		&[("IN_WORDS", fan_in / 4), ("OUT_WORDS", width / 4), ("SHIFT", shift)],
		Grid::RowBlocks(width / 4),
	)
}

/// Attention over nonces of `seq_len` positions, `heads` heads of `head_dim`.
pub(crate) fn attention(
	gpu: &Gpu,
	seq_len: u32,
	heads: u32,
	head_dim: u32,
	score_shift: u32,
) -> Result<Kernel, GpuError> {
	Kernel::new(
		gpu,
		&ATTENTION,
		&[
			("SEQ_LEN", seq_len),
			("HEADS", heads),
			("HEAD_WORDS", head_dim / 4),
			("SCORE_SHIFT", score_shift),
		],
		Grid::Nonces(heads * seq_len),
	)
}

/// The inference engine's matrix product: rows of `cols` quantized activations times a matrix of
/// `w_rows` outputs (see `block_matmul.wgsl`; the matrix's block shift travels with its scales,
/// so one pipeline serves every matrix of a shape).
pub(crate) fn block_matmul(
	gpu: &Gpu,
	cols: u32,
	w_rows: u32,
	nibbles: bool,
) -> Result<Kernel, GpuError> {
	Kernel::new(
		gpu,
		&BLOCK_MATMUL,
		&[("COLS", cols), ("W_ROWS", w_rows), ("NIBBLES", u32::from(nibbles))],
		Grid::Rows(w_rows),
	)
}

/// Block quantization of rows of `cols` activations to `bits` bits.
pub(crate) fn block_quantize(gpu: &Gpu, cols: u32, bits: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &BLOCK_QUANTIZE, &[("COLS", cols), ("BITS", bits)], Grid::Rows(1))
}

/// The inference RMSNorm of rows of `cols` activations.
pub(crate) fn llm_rmsnorm(gpu: &Gpu, cols: u32) -> Result<Kernel, GpuError> {
	let tau = (u32::BITS - (cols - 1).leading_zeros()).saturating_sub(1);
	Kernel::new(gpu, &LLM_RMSNORM, &[("COLS", cols), ("TAU", tau)], Grid::Rows(1))
}

/// SwiGLU over rows of `cols` values.
pub(crate) fn swiglu(gpu: &Gpu, cols: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &SWIGLU, &[("COLS", cols)], Grid::Rows(cols))
}

/// The saturating residual add over rows of `cols` values.
pub(crate) fn residual_add(gpu: &Gpu, cols: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &RESIDUAL_ADD, &[("COLS", cols)], Grid::Rows(cols))
}

/// RoPE over rows of `cols` values, heads of `2 · pairs`.
pub(crate) fn rope(gpu: &Gpu, cols: u32, pairs: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &ROPE, &[("COLS", cols), ("PAIRS", pairs)], Grid::Rows(cols / 2))
}

/// The inference attention's constants (see `llm_attention.wgsl`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttentionConstants {
	pub heads: u32,
	pub kv_heads: u32,
	pub head_dim: u32,
	pub score_scale: u32,
	/// Positions a sequence may hold.
	pub context: u32,
	/// Blocks of 32 in a layer's key cache.
	pub cache_blocks: u32,
}

impl AttentionConstants {
	/// Positions per segment: every pass loops about 2^14 / head_dim · 70 times per position
	/// at most, well under lavapipe's 65,535 iterations per invocation.
	pub fn segment(&self) -> u32 {
		(16_384 / self.head_dim).max(1)
	}

	/// Segments per row.
	pub fn segments(&self) -> u32 {
		self.context.div_ceil(self.segment()).max(1)
	}

	/// Scratch words per row: per head and segment, a score, a sum, the block maxima and the
	/// weighted values.
	pub fn scratch_per_row(&self) -> u64 {
		u64::from(self.heads)
			* u64::from(self.segments())
			* u64::from(2 + self.head_dim / 32 + self.head_dim)
	}
}

/// The inference attention's four passes, in order (see `llm_attention.wgsl`).
pub(crate) fn llm_attention(gpu: &Gpu, c: AttentionConstants) -> Result<[Kernel; 4], GpuError> {
	let pass = |pass: u32| {
		let grid = if pass == 3 {
			Grid::Rows(c.heads * c.head_dim)
		} else {
			Grid::Rows(c.heads * c.segments())
		};
		Kernel::new(
			gpu,
			&LLM_ATTENTION,
			&[
				("HEADS", c.heads),
				("KV_HEADS", c.kv_heads),
				("HEAD_DIM", c.head_dim),
				("SCORE_SCALE", c.score_scale),
				("SEGMENT", c.segment()),
				("SEGMENTS", c.segments()),
				("CACHE_BLOCKS", c.cache_blocks),
				("PASS", pass),
			],
			grid,
		)
	};
	Ok([pass(0)?, pass(1)?, pass(2)?, pass(3)?])
}

/// The embedding lookup of rows of `cols` values from a `w_rows`-row matrix.
pub(crate) fn embed(gpu: &Gpu, cols: u32, w_rows: u32, nibbles: bool) -> Result<Kernel, GpuError> {
	Kernel::new(
		gpu,
		&EMBED,
		&[("COLS", cols), ("W_ROWS", w_rows), ("NIBBLES", u32::from(nibbles))],
		Grid::Rows(cols),
	)
}

/// Appending rows of `kv_dim` keys and values to a cache of `cache_blocks` blocks of 32.
pub(crate) fn kv_push(gpu: &Gpu, kv_dim: u32, cache_blocks: u32) -> Result<Kernel, GpuError> {
	Kernel::new(
		gpu,
		&KV_PUSH,
		&[("KV_DIM", kv_dim), ("CACHE_BLOCKS", cache_blocks)],
		Grid::Rows(kv_dim / 32),
	)
}

/// Copying chosen rows of `cols` values.
pub(crate) fn gather(gpu: &Gpu, cols: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &GATHER, &[("COLS", cols)], Grid::Rows(cols))
}

/// `mul_shift` on arrays (a test probe).
pub(crate) fn mul_shift_probe(gpu: &Gpu) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &MUL_SHIFT_PROBE, &[], Grid::Rows(1))
}

/// ReLU, in place, over rows of `width` int8.
pub(crate) fn relu(gpu: &Gpu, width: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &RELU, &[("ROW_WORDS", width / 4)], Grid::Rows(width / 4))
}

/// The saturated residual, in place, over rows of `width` int8.
pub(crate) fn residual(gpu: &Gpu, width: u32) -> Result<Kernel, GpuError> {
	Kernel::new(gpu, &RESIDUAL, &[("ROW_WORDS", width / 4)], Grid::Rows(width / 4))
}

/// A weight matrix `w` (n × m, both multiples of 4) packed for `matmul.wgsl`: word `k4 · m + j`
/// holds `w[4·k4 .. 4·k4 + 4][j]`, so that vec4 `k4 · m/4 + g` is the four columns 4g..4g+4.
pub(crate) fn pack_weights(w: ArrayView2<i8>) -> Vec<u32> {
	let (n, m) = w.dim();
	let mut words = Vec::with_capacity(n / 4 * m);
	for k4 in 0..n / 4 {
		let rows = [w.row(4 * k4), w.row(4 * k4 + 1), w.row(4 * k4 + 2), w.row(4 * k4 + 3)];
		for j in 0..m {
			words.push(u32::from_le_bytes(rows.each_ref().map(|row| row[j] as u8)));
		}
	}
	words
}
