//! Where the PoW runs: the GPU (wgpu, any vendor) or the CPU reference. Both give the same
//! digests bit for bit (`tests/gpu.rs` proves it), so the choice is only about speed.

use std::time::Instant;

use sprint_core::merkle::Hash32;
use thiserror::Error;

use super::pow;
use crate::{
	config::BackendChoice,
	kernels::gpu::{self, GpuEngine, GpuError},
	model::Weights,
};

/// Why no backend could be set up or a batch failed.
#[derive(Debug, Error)]
pub enum BackendError {
	#[error(transparent)]
	Gpu(#[from] GpuError),
}

/// The PoW's executor.
pub enum Backend {
	/// The CPU reference on `threads` threads.
	Cpu { threads: usize },
	/// The GPU: one engine per epoch seed (the weights are uploaded once per epoch).
	Gpu { batch: usize, engine: Option<(Hash32, Box<GpuEngine>)>, adapter: String },
}

impl Backend {
	/// The backend the operator asked for. `Auto` takes the GPU when wgpu finds an adapter and
	/// otherwise falls back to the CPU with a loud warning; `Gpu` fails without one.
	pub fn choose(choice: BackendChoice, threads: usize) -> Result<Self, BackendError> {
		if choice == BackendChoice::Cpu {
			return Ok(Self::Cpu { threads });
		}
		match (gpu::find_adapter(), choice) {
			(Ok(info), _) => {
				crate::metrics::METRICS
					.gpu_adapter
					.with_label_values(&[
						info.name.as_str(),
						&format!("{:?}", info.backend),
						&format!("{:?}", info.device_type),
						&format!("{} {}", info.driver, info.driver_info),
					])
					.set(1);
				Ok(Self::Gpu {
					batch: 0,
					engine: None,
					adapter: format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type),
				})
			}
			(Err(e), BackendChoice::Gpu) => Err(e.into()),
			(Err(e), _) => {
				tracing::warn!(
					"NO GPU ADAPTER FOUND: the Sprint runs on the CPU reference ({threads} \
					 thread(s)), far slower than a GPU. {e}"
				);
				Ok(Self::Cpu { threads })
			}
		}
	}

	/// The CPU reference on `threads` threads.
	pub fn cpu(threads: usize) -> Self {
		Self::Cpu { threads: threads.max(1) }
	}

	/// Nonces per call that keep this backend busy yet let a search stop within about a second
	/// when its window closes (for the GPU: once its engine is built).
	pub fn batch(&self, weights: &Weights) -> usize {
		match self {
			Self::Cpu { threads } if weights.shape.macs_per_nonce() > 100_000_000 => *threads,
			Self::Cpu { threads } => 64 * threads,
			Self::Gpu { batch, .. } => (*batch).max(1),
		}
	}

	/// What runs the PoW, for logs.
	pub fn describe(&self) -> String {
		match self {
			Self::Cpu { threads } => format!("CPU reference, {threads} thread(s)"),
			Self::Gpu { adapter, .. } => format!("GPU {adapter}"),
		}
	}

	/// The digests of `nonces` for `account` in the epoch of `weights` (sprint seed `seed`).
	pub fn digests(
		&mut self,
		weights: &Weights,
		seed: &Hash32,
		account: &Hash32,
		nonces: &[u64],
	) -> Result<Vec<Hash32>, BackendError> {
		match self {
			Self::Cpu { threads } => Ok(cpu_digests(weights, seed, account, nonces, *threads)),
			Self::Gpu { batch, engine, .. } => {
				if engine.as_ref().map(|(s, _)| s) != Some(seed) {
					let started = Instant::now();
					// Enough nonces per submission to fill a GPU, few enough to stop promptly
					// when the window closes: 256 at the dev shape, 16 at production's.
					*batch = if weights.shape.macs_per_nonce() > 100_000_000 { 16 } else { 256 };
					*engine = None;
					*engine = Some((*seed, Box::new(GpuEngine::new(weights, seed, *batch)?)));
					tracing::info!(
						"GPU: epoch weights uploaded in {:.2} s",
						started.elapsed().as_secs_f64()
					);
				}
				let (_, gpu) = engine.as_mut().expect("set just above; qed");
				let mut digests = Vec::with_capacity(nonces.len());
				for chunk in nonces.chunks(gpu.batch()) {
					let outputs = gpu.outputs(account, chunk)?;
					for (nonce, output) in chunk.iter().zip(&outputs) {
						digests.push(pow::digest(seed, account, *nonce, output));
					}
				}
				Ok(digests)
			}
		}
	}
}

fn cpu_digests(
	weights: &Weights,
	seed: &Hash32,
	account: &Hash32,
	nonces: &[u64],
	threads: usize,
) -> Vec<Hash32> {
	if threads <= 1 || nonces.len() < 2 {
		return nonces.iter().map(|n| pow::pow(weights, seed, account, *n)).collect();
	}
	let per_thread = nonces.len().div_ceil(threads);
	std::thread::scope(|scope| {
		let parts: Vec<_> = nonces
			.chunks(per_thread)
			.map(|chunk| {
				scope.spawn(move || {
					chunk.iter().map(|n| pow::pow(weights, seed, account, *n)).collect::<Vec<_>>()
				})
			})
			.collect();
		parts
			.into_iter()
			.flat_map(|part| part.join().expect("the PoW never panics on a valid shape; qed"))
			.collect()
	})
}
