//! Each GPU op alone, with its CPU twin's signature, so that a test can hold one kernel to its
//! twin on any input. Every call compiles its kernel and makes its buffers: slow, and meant for
//! tests and debugging; the PoW itself runs through [`super::GpuEngine`].

use ndarray::{Array2, ArrayView2};

use super::{kernel, pack, unpack, Gpu, GpuError};
use crate::inference::{
	ops::{AttentionShape, LayerCache, QuantizedRows, Rope},
	weights::Matrix,
};
use crate::model::prng::Key;

/// A device for one-op dispatches.
pub struct GpuOps {
	gpu: Gpu,
}

fn multiple_of_4(what: &'static str, value: usize) -> Result<u32, GpuError> {
	match u32::try_from(value) {
		Ok(v) if v.is_multiple_of(4) => Ok(v),
		_ => Err(GpuError::Size { what, value }),
	}
}

fn rows_of(x: ArrayView2<i8>) -> Result<u32, GpuError> {
	match u32::try_from(x.nrows()) {
		Ok(rows) if rows > 0 => Ok(rows),
		_ => Err(GpuError::Size { what: "rows", value: x.nrows() }),
	}
}

/// A matrix as the inference kernels take it: its q bytes four to a word, and
/// `[D][M][δD][δM][G][block_shift]` as i32 words.
pub(crate) fn matrix_words(w: &Matrix) -> (Vec<u32>, Vec<u32>) {
	let weights = w.q.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
	let meta = w
		.scale
		.iter()
		.map(|v| i32::from(*v))
		.chain(w.min.iter().map(|v| i32::from(*v)))
		.chain(w.scale_shift.iter().map(|v| i32::from(*v)))
		.chain(w.min_shift.iter().map(|v| i32::from(*v)))
		.chain(w.exponent.iter().copied())
		.chain([w.block_shift as i32])
		.map(|v| v as u32)
		.collect();
	(weights, meta)
}

/// i32 values as the words a buffer holds.
pub(crate) fn words(values: &[i32]) -> Vec<u32> {
	values.iter().map(|v| *v as u32).collect()
}

/// i16 values two to a word, as the inference caches hold them (value 2w in the low half of word
/// w).
pub(crate) fn pack_i16(values: &[i16]) -> Vec<u32> {
	values
		.chunks(2)
		.map(|pair| {
			let high = pair.get(1).copied().unwrap_or(0);
			u32::from(pair[0] as u16) | (u32::from(high as u16) << 16)
		})
		.collect()
}

/// The packed words of `x`'s rows, with zero rows up to a multiple of 4 rows (the matmul reads
/// whole blocks of 4).
fn packed_rows(x: ArrayView2<i8>) -> Vec<u32> {
	let mut words = pack(&x.iter().copied().collect::<Vec<_>>());
	words.resize(x.nrows().next_multiple_of(4) * x.ncols() / 4, 0);
	words
}

impl GpuOps {
	/// Opens the adapter [`super::GpuEngine`] would pick.
	pub fn new() -> Result<Self, GpuError> {
		Ok(Self { gpu: Gpu::open()? })
	}

	/// The adapter the ops run on.
	pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
		self.gpu.info()
	}

	/// Dispatches `kernel` over `nonces` and `rows` with bindings 1.. holding `buffers`, and
	/// returns binding `1 + result`, `values` int8 of it.
	fn one(
		&self,
		kernel: kernel::Kernel,
		grid: (u32, u32),
		buffers: &[Vec<u32>],
		result: usize,
		values: usize,
	) -> Result<Vec<i8>, GpuError> {
		Ok(unpack(&self.one_bytes(kernel, grid, buffers, result, values as u64)?))
	}

	/// [`Self::one`], returning the first `bytes` bytes of the result.
	fn one_bytes(
		&self,
		kernel: kernel::Kernel,
		grid: (u32, u32),
		buffers: &[Vec<u32>],
		result: usize,
		values: u64,
	) -> Result<Vec<u8>, GpuError> {
		self.passes(&[kernel], grid, buffers, result, values)
	}

	/// Dispatches `kernels` one after the other over the same buffers, as [`Self::one_bytes`].
	fn passes(
		&self,
		kernels: &[kernel::Kernel],
		(nonces, rows): (u32, u32),
		buffers: &[Vec<u32>],
		result: usize,
		values: u64,
	) -> Result<Vec<u8>, GpuError> {
		let (_dims, buffers, bind_groups) = self.gpu.checked("making one op's buffers", || {
			let dims = self.gpu.dims();
			self.gpu.write_dims(&dims, nonces, rows);
			let buffers: Vec<wgpu::Buffer> =
				buffers.iter().map(|words| self.gpu.storage_with("operand", words)).collect();
			let mut bound = vec![&dims];
			bound.extend(&buffers);
			let bind_groups: Vec<wgpu::BindGroup> =
				kernels.iter().map(|kernel| kernel.bind(&self.gpu, &bound)).collect();
			(dims, buffers, bind_groups)
		})?;
		let max_workgroups = self.gpu.limits().max_compute_workgroups_per_dimension;
		if !kernels
			.iter()
			.all(|kernel| kernel::workgroups_fit(kernel.invocations(nonces, rows), max_workgroups))
		{
			return Err(GpuError::Size { what: "a dispatch of rows", value: rows as usize });
		}
		let readback = self.gpu.readback(values);
		self.gpu.run(
			|pass, max_workgroups| {
				for (kernel, bind_group) in kernels.iter().zip(&bind_groups) {
					kernel.dispatch(pass, bind_group, nonces, rows, max_workgroups);
				}
			},
			&buffers[result],
			&readback,
			values,
		)
	}

	/// Runs `kernel` over `rows` with i32 operands, returning binding `1 + result` as i32.
	fn one_i32(
		&self,
		kernel: kernel::Kernel,
		rows: usize,
		buffers: &[Vec<u32>],
		result: usize,
	) -> Result<Vec<i32>, GpuError> {
		let rows = match u32::try_from(rows) {
			Ok(rows) if rows > 0 => rows,
			_ => return Err(GpuError::Size { what: "rows", value: rows }),
		};
		let values = buffers[result].len() as u64;
		let bytes = self.one_bytes(kernel, (0, rows), buffers, result, 4 * values)?;
		Ok(bytes.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
	}

	/// [`crate::inference::ops::quantize`] on the GPU: `(values, [e][Σa][E])`.
	pub fn block_quantize(
		&self,
		x: &[i32],
		cols: usize,
		bits: u32,
	) -> Result<(Vec<i32>, Vec<i32>), GpuError> {
		if cols == 0
			|| !cols.is_multiple_of(32)
			|| !x.len().is_multiple_of(cols)
			|| !(2..=16).contains(&bits)
		{
			return Err(GpuError::Size { what: "rows of whole blocks", value: cols });
		}
		let rows = x.len() / cols;
		let meta = vec![0; rows * (2 * cols / 32 + 1)];
		let buffers = [words(x), vec![0; x.len()], meta];
		let kernel = kernel::block_quantize(&self.gpu, cols as u32, bits)?;
		let values = self.one_i32(kernel.clone(), rows, &buffers, 1)?;
		let meta = self.one_i32(kernel, rows, &buffers, 2)?;
		Ok((values, meta))
	}

	/// [`crate::inference::ops::rmsnorm`] on the GPU.
	pub fn llm_rmsnorm(&self, x: &[i32], weight: &[i32]) -> Result<Vec<i32>, GpuError> {
		let cols = weight.len();
		if cols < 2 || !x.len().is_multiple_of(cols) {
			return Err(GpuError::Size { what: "rows of the norm's width", value: cols });
		}
		let buffers = [words(x), words(weight), vec![0; x.len()]];
		let kernel = kernel::llm_rmsnorm(&self.gpu, cols as u32)?;
		self.one_i32(kernel, x.len() / cols, &buffers, 2)
	}

	/// [`crate::inference::ops::swiglu`] on the GPU, rows of `cols` values.
	pub fn swiglu(
		&self,
		table: &[i32],
		gate: &[i32],
		up: &[i32],
		cols: usize,
	) -> Result<Vec<i32>, GpuError> {
		if cols == 0
			|| gate.len() != up.len()
			|| !gate.len().is_multiple_of(cols)
			|| table.len() != 2049
		{
			return Err(GpuError::Size { what: "gate and up rows", value: gate.len() });
		}
		let buffers = [words(gate), words(up), words(table), vec![0; gate.len()]];
		let kernel = kernel::swiglu(&self.gpu, cols as u32)?;
		self.one_i32(kernel, gate.len() / cols, &buffers, 3)
	}

	/// [`crate::inference::ops::add_residual`] on the GPU: `x + y`, rows of `cols` values.
	pub fn residual_add(&self, x: &[i32], y: &[i32], cols: usize) -> Result<Vec<i32>, GpuError> {
		if cols == 0 || x.len() != y.len() || !x.len().is_multiple_of(cols) {
			return Err(GpuError::Size { what: "x and y rows", value: x.len() });
		}
		let kernel = kernel::residual_add(&self.gpu, cols as u32)?;
		self.one_i32(kernel, x.len() / cols, &[words(x), words(y)], 0)
	}

	/// [`crate::inference::ops::Rope::apply`] on the GPU: rows of heads of `head_dim` values,
	/// row `r` at `positions[r]`.
	pub fn rope(
		&self,
		rope: &Rope,
		x: &[i32],
		head_dim: usize,
		positions: &[u32],
	) -> Result<Vec<i32>, GpuError> {
		let cols = if positions.is_empty() { 0 } else { x.len() / positions.len() };
		let table_len = rope.cos.len() / rope.pairs.max(1);
		if cols == 0
			|| cols * positions.len() != x.len()
			|| head_dim != 2 * rope.pairs
			|| !cols.is_multiple_of(head_dim)
			|| positions.iter().any(|p| *p as usize >= table_len)
		{
			return Err(GpuError::Size {
				what: "rows, heads or positions the table does not cover",
				value: x.len(),
			});
		}
		let mut table = words(&rope.cos);
		table.extend(words(&rope.sin));
		let kernel = kernel::rope(&self.gpu, cols as u32, rope.pairs as u32)?;
		let buffers = [words(x), positions.to_vec(), table, vec![table_len as u32]];
		self.one_i32(kernel, positions.len(), &buffers, 0)
	}

	/// [`crate::inference::ops::attention`] on the GPU: each query row (at `positions[r]`)
	/// over `cache`.
	pub fn llm_attention(
		&self,
		shape: &AttentionShape,
		exp2: &[u32; 256],
		queries: &[i32],
		positions: &[u32],
		cache: &LayerCache,
	) -> Result<Vec<i32>, GpuError> {
		let width = shape.heads * shape.head_dim;
		let kv_dim = shape.kv_heads * shape.head_dim;
		let cached = cache.k.len() / kv_dim.max(1);
		if width == 0
			|| shape.head_dim > 256
			|| !shape.head_dim.is_multiple_of(32)
			|| queries.len() != positions.len() * width
			|| positions.iter().any(|p| *p as usize >= cached)
		{
			return Err(GpuError::Size {
				what: "queries over positions the cache holds",
				value: queries.len(),
			});
		}
		let exponents =
			|values: &[u8]| -> Vec<u32> { values.iter().map(|v| u32::from(*v)).collect() };
		let constants = kernel::AttentionConstants {
			heads: shape.heads as u32,
			kv_heads: shape.kv_heads as u32,
			head_dim: shape.head_dim as u32,
			score_scale: shape.score_scale as u32,
			context: cached as u32,
			cache_blocks: cache.k_exponent.len() as u32,
		};
		let kernels = kernel::llm_attention(&self.gpu, constants)?;
		let rows = queries.len() / width;
		// Every row's sequence starts at slot 0.
		let mut positions = positions.to_vec();
		positions.resize(2 * rows, 0);
		let mut all_exponents = exponents(&cache.k_exponent);
		all_exponents.extend(exponents(&cache.v_exponent));
		let scratch = constants.scratch_per_row() as usize * rows;
		let buffers = [
			words(queries),
			positions,
			pack_i16(&cache.k),
			pack_i16(&cache.v),
			all_exponents,
			exp2.to_vec(),
			vec![0; queries.len()],
			vec![0; scratch],
		];
		let bytes =
			self.passes(&kernels, (0, rows as u32), &buffers, 6, 4 * queries.len() as u64)?;
		Ok(bytes.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
	}

	/// [`Matrix::row_fixed`] on the GPU: the embedding rows of `tokens`.
	pub fn embed(&self, w: &Matrix, tokens: &[u32]) -> Result<Vec<i32>, GpuError> {
		if tokens.iter().any(|t| *t as usize >= w.rows) {
			return Err(GpuError::Size { what: "a token outside the vocabulary", value: w.rows });
		}
		let (weights, weight_meta) = matrix_words(w);
		let kernel = kernel::embed(&self.gpu, w.cols as u32, w.rows as u32, w.nibbles)?;
		let buffers = [tokens.to_vec(), weights, weight_meta, vec![0; tokens.len() * w.cols]];
		self.one_i32(kernel, tokens.len(), &buffers, 3)
	}

	/// [`LayerCache::push`] on the GPU: rows of keys and values written at `positions` of a
	/// cache with room for `capacity` positions; returns `(k, v, k exponents, v exponents)` of
	/// the whole cache.
	#[allow(clippy::type_complexity)]
	pub fn kv_push(
		&self,
		k: &[i32],
		v: &[i32],
		kv_dim: usize,
		positions: &[u32],
		capacity: usize,
	) -> Result<(Vec<i32>, Vec<i32>, Vec<i32>, Vec<i32>), GpuError> {
		if kv_dim == 0
			|| !kv_dim.is_multiple_of(32)
			|| k.len() != v.len()
			|| k.len() != positions.len() * kv_dim
			|| positions.iter().any(|p| *p as usize >= capacity)
		{
			return Err(GpuError::Size {
				what: "keys and values at positions the cache holds",
				value: k.len(),
			});
		}
		let size = capacity * kv_dim;
		let kernel = kernel::kv_push(&self.gpu, kv_dim as u32, (size / 32) as u32)?;
		let buffers = [
			words(k),
			words(v),
			positions.to_vec(),
			vec![0; size / 2],
			vec![0; size / 2],
			vec![0; size / 16],
		];
		let [k, v, exponents] = [3, 4, 5].map(|result| {
			self.one_bytes(kernel.clone(), (0, positions.len() as u32), &buffers, result, {
				buffers[result].len() as u64 * 4
			})
		});
		let i16s = |bytes: Vec<u8>| -> Vec<i32> {
			bytes.chunks_exact(2).map(|b| i32::from(i16::from_le_bytes([b[0], b[1]]))).collect()
		};
		let i32s = |bytes: Vec<u8>| -> Vec<i32> {
			bytes.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
		};
		let mut k_exponent = i32s(exponents?);
		let v_exponent = k_exponent.split_off(size / 32);
		Ok((i16s(k?), i16s(v?), k_exponent, v_exponent))
	}

	/// [`crate::inference::fixed::mul_shift`] on the GPU, elementwise (a probe for the tests).
	pub fn mul_shift(&self, a: &[i32], b: &[i32], k: &[i32]) -> Result<Vec<i32>, GpuError> {
		if a.len() != b.len() || a.len() != k.len() {
			return Err(GpuError::Size { what: "operands of unequal length", value: a.len() });
		}
		let kernel = kernel::mul_shift_probe(&self.gpu)?;
		self.one_i32(kernel, a.len(), &[words(a), words(b), words(k), vec![0; a.len()]], 3)
	}

	/// [`crate::inference::ops::matmul_with`] on the GPU: the inference engine's matrix product
	/// of block-quantized rows and an integer matrix.
	pub fn block_matmul(&self, x: &QuantizedRows, w: &Matrix) -> Result<Vec<i32>, GpuError> {
		if x.cols != w.cols || x.bits != w.activation_bits || !w.cols.is_multiple_of(32) {
			return Err(GpuError::Size {
				what: "activations that the matrix does not take",
				value: x.cols,
			});
		}
		let rows = match u32::try_from(x.rows()) {
			Ok(rows) if rows > 0 => rows,
			_ => return Err(GpuError::Size { what: "rows", value: x.rows() }),
		};
		let as_words =
			|v: &mut dyn Iterator<Item = i32>| -> Vec<u32> { v.map(|x| x as u32).collect() };
		let activations = as_words(&mut x.q.iter().map(|v| i32::from(*v)));
		let activation_meta = as_words(
			&mut x
				.exponent
				.iter()
				.map(|e| i32::from(*e))
				.chain(x.sum.iter().copied())
				.chain(x.max_exponent.iter().map(|e| i32::from(*e))),
		);
		let (weights, weight_meta) = matrix_words(w);
		let outputs = x.rows() * w.rows;
		let buffers = [activations, activation_meta, weights, weight_meta, vec![0; outputs]];
		let kernel = kernel::block_matmul(&self.gpu, w.cols as u32, w.rows as u32, w.nibbles)?;
		let bytes = self.one_bytes(kernel, (0, rows), &buffers, 4, 4 * outputs as u64)?;
		Ok(bytes.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
	}

	/// [`crate::kernels::matmul::matmul_requant`] on the GPU.
	pub fn matmul_requant(
		&self,
		x: ArrayView2<i8>,
		w: ArrayView2<i8>,
		shift: u32,
	) -> Result<Array2<i8>, GpuError> {
		let (n, m) = (multiple_of_4("a fan-in", w.nrows())?, multiple_of_4("a width", w.ncols())?);
		if x.ncols() != w.nrows() {
			return Err(GpuError::Size {
				what: "an x whose width is not w's height",
				value: x.ncols(),
			});
		}
		let rows = rows_of(x)?;
		let output = vec![0; (rows as usize).next_multiple_of(4) * w.ncols() / 4];
		let buffers = [packed_rows(x), kernel::pack_weights(w), output];
		let kernel = kernel::matmul(&self.gpu, n, m, shift)?;
		let values = self.one(kernel, (0, rows), &buffers, 2, x.nrows() * w.ncols())?;
		Ok(Array2::from_shape_vec((x.nrows(), w.ncols()), values).expect("rows × m values; qed"))
	}

	/// [`crate::kernels::rmsnorm::rmsnorm`] on the GPU.
	pub fn rmsnorm(&self, x: ArrayView2<i8>) -> Result<Array2<i8>, GpuError> {
		let width = multiple_of_4("a width", x.ncols())?;
		let buffers = [packed_rows(x), vec![0; x.len() / 4]];
		let kernel = kernel::rmsnorm(&self.gpu, width)?;
		let values = self.one(kernel, (0, rows_of(x)?), &buffers, 1, x.len())?;
		Ok(Array2::from_shape_vec(x.dim(), values).expect("as many values as x; qed"))
	}

	/// [`crate::kernels::attention::attention`] on the GPU: one sequence of `q.nrows()` ≤ 128
	/// positions.
	pub fn attention(
		&self,
		q: ArrayView2<i8>,
		k: ArrayView2<i8>,
		v: ArrayView2<i8>,
		heads: usize,
		score_shift: u32,
	) -> Result<Array2<i8>, GpuError> {
		let seq = rows_of(q)?;
		if seq == 0 || seq > 128 || k.dim() != q.dim() || v.dim() != q.dim() {
			return Err(GpuError::Size { what: "a sequence", value: q.nrows() });
		}
		if heads == 0 || !q.ncols().is_multiple_of(heads) {
			return Err(GpuError::Size { what: "heads", value: heads });
		}
		let head_dim = multiple_of_4("a head_dim", q.ncols() / heads)?;
		let buffers = [packed_rows(q), packed_rows(k), packed_rows(v), vec![0; q.len() / 4]];
		let kernel = kernel::attention(&self.gpu, seq, heads as u32, head_dim, score_shift)?;
		let values = self.one(kernel, (1, seq), &buffers, 3, q.len())?;
		Ok(Array2::from_shape_vec(q.dim(), values).expect("as many values as q; qed"))
	}

	/// [`crate::kernels::activation::relu`] on the GPU.
	pub fn relu(&self, x: ArrayView2<i8>) -> Result<Array2<i8>, GpuError> {
		let width = multiple_of_4("a width", x.ncols())?;
		let kernel = kernel::relu(&self.gpu, width)?;
		let values = self.one(kernel, (0, rows_of(x)?), &[packed_rows(x)], 0, x.len())?;
		Ok(Array2::from_shape_vec(x.dim(), values).expect("as many values as x; qed"))
	}

	/// [`crate::kernels::activation::residual`] on the GPU.
	pub fn residual(&self, x: ArrayView2<i8>, y: ArrayView2<i8>) -> Result<Array2<i8>, GpuError> {
		let width = multiple_of_4("a width", x.ncols())?;
		if y.dim() != x.dim() {
			return Err(GpuError::Size { what: "a y shaped unlike x", value: y.len() });
		}
		let kernel = kernel::residual(&self.gpu, width)?;
		let buffers = [packed_rows(x), packed_rows(y)];
		let values = self.one(kernel, (0, rows_of(x)?), &buffers, 0, x.len())?;
		Ok(Array2::from_shape_vec(x.dim(), values).expect("as many values as x; qed"))
	}

	/// The `rows × width` int8 stream of `key` on the GPU, as [`crate::model::prng::int8_stream`]
	/// and [`crate::sprint::pow::input`] lay it out.
	pub fn input(&self, key: &Key, rows: usize, width: usize) -> Result<Array2<i8>, GpuError> {
		let width32 = multiple_of_4("a width", width)?;
		let words = u32::try_from(rows)
			.ok()
			.and_then(|r| r.checked_mul(width32 / 4))
			.ok_or(GpuError::Size { what: "rows", value: rows })?;
		let kernel = kernel::input(&self.gpu, words)?;
		let buffers = [key.to_vec(), vec![0; words as usize]];
		let values = self.one(kernel, (1, rows as u32), &buffers, 1, rows * width)?;
		Ok(Array2::from_shape_vec((rows, width), values).expect("rows × width values; qed"))
	}
}
