//! The whole PoW forward pass on the GPU, a batch of nonces per submission (`sprint::pow`'s
//! `block`, op for op).

use sprint_core::merkle::Hash32;

use super::{
	check_shape,
	kernel::{self, workgroups_fit, Kernel},
	unpack, Gpu, GpuError,
};
use crate::model::{
	prng,
	shape::{requant_shift, score_shift},
	Weights,
};

/// One dispatch of the pass.
struct Step {
	kernel: Kernel,
	bind_group: wgpu::BindGroup,
}

/// The PoW function on the GPU for one epoch (weights and seed) and up to `batch` nonces per
/// call, giving [`crate::sprint::pow::output`]'s bytes exactly.
///
/// ```no_run
/// # use sprint_worker::{kernels::gpu::GpuEngine, model::{ModelShape, Weights}, sprint::pow};
/// let seed = [3; 32];
/// let weights = Weights::generate(&seed, ModelShape::DEV);
/// let mut engine = GpuEngine::new(&weights, &seed, 256)?;
/// let outputs = engine.outputs(&[1; 32], &[0, 1, 2])?;
/// assert_eq!(outputs[0], pow::output(&weights, &seed, &[1; 32], 0));
/// # Ok::<(), sprint_worker::kernels::gpu::GpuError>(())
/// ```
pub struct GpuEngine {
	gpu: Gpu,
	seed: Hash32,
	seq_len: usize,
	d_model: usize,
	batch: usize,
	dims: wgpu::Buffer,
	keys: wgpu::Buffer,
	/// The residual stream, whose last positions are the outputs.
	x: wgpu::Buffer,
	readback: wgpu::Buffer,
	steps: Vec<Step>,
}

impl GpuEngine {
	/// Picks an adapter (the backends in the `WGPU_BACKEND` environment variable, read by
	/// wgpu's own `Backends::from_env`, else all), uploads the epoch's weights once (one buffer
	/// per tensor), and builds the pipelines for `batch` nonces per dispatch.
	pub fn new(weights: &Weights, seed: &Hash32, batch: usize) -> Result<Self, GpuError> {
		let shape = weights.shape;
		check_shape(shape)?;
		let gpu = Gpu::open()?;
		let (d, f, seq) = (shape.d_model as usize, shape.d_ff as usize, shape.seq_len as usize);
		// Activation buffers hold whole blocks of 4 rows: the matmul reads up to three rows past
		// the last one.
		let rows = batch.checked_mul(seq).map(|r| r.next_multiple_of(4));
		let limits = gpu.limits();
		let too_large = |why: String| GpuError::Batch { batch, why };
		let Some(rows) = rows.filter(|r| batch > 0 && *r <= u32::MAX as usize) else {
			return Err(too_large("no rows, or more than 2^32".into()));
		};
		let widest = (rows as u64) * (f.max(d) as u64);
		let max_binding = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
		if widest > max_binding {
			return Err(too_large(format!(
				"its widest activations take {widest} bytes, above the device's {max_binding}"
			)));
		}
		if (d as u64) * (f as u64) > max_binding {
			return Err(too_large(format!(
				"whatever the batch: a d_model × d_ff weight tensor exceeds the device's \
				 {max_binding} bytes"
			)));
		}

		let (d32, f32, seq32) = (d as u32, f as u32, seq as u32);
		let shift_d = requant_shift(d);
		let input = kernel::input(&gpu, seq32 * d32 / 4)?;
		let rmsnorm = kernel::rmsnorm(&gpu, d32)?;
		let projection = kernel::matmul(&gpu, d32, d32, shift_d)?;
		let ffn_up = kernel::matmul(&gpu, d32, f32, shift_d)?;
		let ffn_down = kernel::matmul(&gpu, f32, d32, requant_shift(f))?;
		let attention = kernel::attention(
			&gpu,
			seq32,
			shape.n_heads,
			shape.head_dim() as u32,
			score_shift(shape.head_dim()),
		)?;
		let relu = kernel::relu(&gpu, f32)?;
		let residual = kernel::residual(&gpu, d32)?;
		let (full_nonces, full_rows) = (batch as u32, (batch * seq) as u32);
		let kernels =
			[&input, &rmsnorm, &projection, &ffn_up, &ffn_down, &attention, &relu, &residual];
		let max_workgroups = limits.max_compute_workgroups_per_dimension;
		if !kernels
			.iter()
			.all(|k| workgroups_fit(k.invocations(full_nonces, full_rows), max_workgroups))
		{
			return Err(too_large(format!(
				"its dispatches exceed {max_workgroups} × {max_workgroups} workgroups"
			)));
		}

		let (steps, dims, keys, x, readback) = gpu.checked("uploading the weights", || {
			let activations = |label: &str, width: usize| gpu.storage(label, (rows * width) as u64);
			let dims = gpu.dims();
			let keys = gpu.storage("keys", (batch * 16) as u64);
			let [x, y, q, k, v, a, delta] =
				["x", "y", "q", "k", "v", "attention", "delta"].map(|label| activations(label, d));
			let h = activations("ffn hidden", f);
			let mut steps = vec![Step {
				bind_group: input.bind(&gpu, &[&dims, &keys, &x]),
				kernel: input.clone(),
			}];
			for (l, layer) in weights.layers.iter().enumerate() {
				let upload = |name: &str, w: &ndarray::Array2<i8>| {
					gpu.storage_with(&format!("layer{l}.{name}"), &kernel::pack_weights(w.view()))
				};
				let [wq, wk, wv, wo, w1, w2] = [
					("wq", &layer.wq),
					("wk", &layer.wk),
					("wv", &layer.wv),
					("wo", &layer.wo),
					("w1", &layer.w1),
					("w2", &layer.w2),
				]
				.map(|(name, w)| upload(name, w));
				let step = |kernel: &Kernel, buffers: &[&wgpu::Buffer]| Step {
					bind_group: kernel.bind(&gpu, buffers),
					kernel: kernel.clone(),
				};
				steps.extend([
					step(&rmsnorm, &[&dims, &x, &y]),
					step(&projection, &[&dims, &y, &wq, &q]),
					step(&projection, &[&dims, &y, &wk, &k]),
					step(&projection, &[&dims, &y, &wv, &v]),
					step(&attention, &[&dims, &q, &k, &v, &a]),
					step(&projection, &[&dims, &a, &wo, &delta]),
					step(&residual, &[&dims, &x, &delta]),
					step(&rmsnorm, &[&dims, &x, &y]),
					step(&ffn_up, &[&dims, &y, &w1, &h]),
					step(&relu, &[&dims, &h]),
					step(&ffn_down, &[&dims, &h, &w2, &delta]),
					step(&residual, &[&dims, &x, &delta]),
				]);
			}
			let readback = gpu.readback((batch * seq * d) as u64);
			(steps, dims, keys, x, readback)
		})?;
		Ok(Self {
			gpu,
			seed: *seed,
			seq_len: seq,
			d_model: d,
			batch,
			dims,
			keys,
			x,
			readback,
			steps,
		})
	}

	/// The adapter the engine runs on.
	pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
		self.gpu.info()
	}

	/// The most nonces one call of [`Self::outputs`] takes.
	pub fn batch(&self) -> usize {
		self.batch
	}

	/// The PoW outputs (the last position's d_model int8, as [`crate::sprint::pow::output`]
	/// gives them) of `nonces` (at most [`Self::batch`]) for `account`, in order.
	pub fn outputs(&mut self, account: &Hash32, nonces: &[u64]) -> Result<Vec<Vec<i8>>, GpuError> {
		if nonces.len() > self.batch {
			return Err(GpuError::TooManyNonces { nonces: nonces.len(), batch: self.batch });
		}
		if nonces.is_empty() {
			return Ok(Vec::new());
		}
		let (seq, d) = (self.seq_len, self.d_model);
		let count = nonces.len() as u32;
		let rows = count * seq as u32;
		let keys: Vec<u32> =
			nonces.iter().flat_map(|nonce| prng::input_key(&self.seed, account, *nonce)).collect();
		self.gpu.checked("uploading the nonces' keys", || {
			self.gpu.queue.write_buffer(&self.keys, 0, bytemuck::cast_slice(&keys));
			self.gpu.write_dims(&self.dims, count, rows);
		})?;
		let bytes = self.gpu.run(
			|pass, max_workgroups| {
				for step in &self.steps {
					step.kernel.dispatch(pass, &step.bind_group, count, rows, max_workgroups);
				}
			},
			&self.x,
			&self.readback,
			u64::from(rows) * d as u64,
		)?;
		Ok(bytes.chunks_exact(seq * d).map(|nonce| unpack(&nonce[(seq - 1) * d..])).collect())
	}
}
