//! The PoW's integer ops on the GPU: WGSL compute kernels (one file per op, next to its CPU twin
//! in `kernels/`) dispatched through wgpu, giving the CPU reference's bytes exactly.
//!
//! [`GpuEngine`] runs the whole forward pass for a batch of nonces per submission: the epoch's
//! weights are uploaded once (one buffer per tensor: production weights are 201 MB and wgpu's
//! default storage binding is 128 MiB), the matmuls treat every row of every nonce at once, and
//! only the last position of each nonce comes back; digests stay on the CPU
//! ([`crate::sprint::pow::digest`]). [`GpuModel`] runs the inference engine's forward pass
//! ([`crate::inference::Model::use_gpu`]). [`GpuOps`] runs one op at a time, for the tests that
//! hold each kernel to its CPU twin.
//!
//! Two rules every kernel keeps, because a driver broke each once: no invocation loops more
//! than about 2^15 times in all, whatever the input (Mesa's lavapipe stops every loop of an
//! invocation after 65,535 iterations, silently: work that grows with the context is split over
//! invocations, as the inference attention's segments are), and no shift amount leaves [0, 31]
//! on any path, taken or not (`fixed.wgsl`).
//!
//! Activations are int8 packed four to a u32 (little-endian: the CPU's row-major bytes), so every
//! width the GPU touches — d_model, d_ff and head_dim — must be a multiple of 4. The int8 dot
//! products use WGSL's `dot4I8Packed` (language extension `packed_4x8_integer_dot_product`):
//! naga turns it into SPIR-V `OpSDot` where the device has `VK_KHR_shader_integer_dot_product`
//! (core in Vulkan 1.3, Mesa's lavapipe included) and into sign-extending bit extracts elsewhere;
//! both give the same i32.
//!
//! The adapter comes from the `WGPU_BACKEND` environment variable (`vulkan`, `metal`, `dx12`,
//! `gl`, as wgpu's own `Backends::from_env` reads it), else from every backend, preferring a
//! discrete GPU.

mod engine;
mod kernel;
mod model;
mod ops;

pub use engine::GpuEngine;
pub use model::{GpuCacheSize, GpuModel, Row, Slot};
pub use ops::GpuOps;

use std::sync::mpsc;

use thiserror::Error;
use wgpu::util::DeviceExt;

use crate::model::{shape::ShapeError, ModelShape};

/// Why the GPU path cannot run.
#[derive(Debug, Error)]
pub enum GpuError {
	/// No adapter on the requested backends.
	#[error(
		"no GPU adapter found on backends {backends}: install a Vulkan, Metal or DX12 driver \
		 (Debian: `apt install mesa-vulkan-drivers`, which includes lavapipe, a Vulkan on the CPU), \
		 check the WGPU_BACKEND environment variable, or run with --backend cpu ({reason})"
	)]
	NoAdapter {
		/// The backends that were searched.
		backends: String,
		/// wgpu's own explanation.
		reason: String,
	},
	/// The shape cannot run the PoW at all.
	#[error("the model shape is invalid: {0}")]
	Shape(#[from] ShapeError),
	/// A batch of zero nonces, or one whose buffers exceed the device's limits.
	#[error(
		"a batch of {batch} nonces does not fit this GPU ({why}): pick a --batch between 1 and a \
		 few thousand"
	)]
	Batch {
		/// The batch asked for.
		batch: usize,
		/// Which limit it breaks.
		why: String,
	},
	/// A width that does not pack four int8 to a word, or attention over too many positions.
	#[error(
		"the GPU kernels cannot take {what} of {value}: widths must be multiples of 4 (int8 are \
		 packed four to a word) and sequences at most 128 long"
	)]
	Size {
		/// Which size.
		what: &'static str,
		/// Its value.
		value: usize,
	},
	/// More nonces than the engine's batch in one call.
	#[error("{nonces} nonces given to an engine built for batches of {batch}: split them")]
	TooManyNonces {
		/// Nonces passed.
		nonces: usize,
		/// The engine's batch.
		batch: usize,
	},
	/// The adapter refused to open a device.
	#[error(
		"the GPU adapter {adapter} could not open a device: {reason}; update its driver or run \
		 with --backend cpu"
	)]
	Device {
		/// The adapter's name.
		adapter: String,
		/// wgpu's explanation.
		reason: String,
	},
	/// wgpu rejected or failed an operation: a driver fault, or a bug in these kernels.
	#[error(
		"the GPU failed while {during}: {message}; update the GPU driver or run with --backend \
		 cpu, and report it"
	)]
	Wgpu {
		/// What was being done.
		during: &'static str,
		/// wgpu's error.
		message: String,
	},
}

/// The backends to search: `WGPU_BACKEND` if set, else all.
fn backends() -> wgpu::Backends {
	wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all())
}

fn request_adapter() -> Result<wgpu::Adapter, GpuError> {
	let backends = backends();
	let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
		backends,
		..wgpu::InstanceDescriptor::new_without_display_handle()
	});
	pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
		power_preference: wgpu::PowerPreference::HighPerformance,
		..Default::default()
	}))
	.map_err(|e| GpuError::NoAdapter { backends: format!("{backends:?}"), reason: e.to_string() })
}

/// The adapter the GPU path would use, if any: for `bench` and the tests to say what they run on.
pub fn adapter_available() -> Option<wgpu::AdapterInfo> {
	find_adapter().ok()
}

/// The adapter the GPU path would use, or why there is none.
pub fn find_adapter() -> Result<wgpu::AdapterInfo, GpuError> {
	request_adapter().map(|adapter| adapter.get_info())
}

/// Checks that `shape` is one the engine runs: [`ModelShape::validate`], the same rule genesis
/// applies, holds the GPU's too (widths packed four int8 to a word, each matrix in one binding).
pub fn check_shape(shape: ModelShape) -> Result<(), GpuError> {
	Ok(shape.validate()?)
}

/// An open device, with the calls every dispatch needs.
pub(crate) struct Gpu {
	device: wgpu::Device,
	queue: wgpu::Queue,
	info: wgpu::AdapterInfo,
}

impl Gpu {
	/// Opens the adapter's device with the adapter's own limits (the defaults would cap buffers).
	pub(crate) fn open() -> Result<Self, GpuError> {
		let adapter = request_adapter()?;
		let info = adapter.get_info();
		let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
			label: Some("sprint-pow"),
			required_limits: adapter.limits(),
			..Default::default()
		}))
		.map_err(|e| GpuError::Device { adapter: info.name.clone(), reason: e.to_string() })?;
		// Every call below runs inside an error scope, so nothing should reach this handler; if
		// something does, it is logged rather than panicking the worker.
		device.on_uncaptured_error(std::sync::Arc::new(|error: wgpu::Error| {
			tracing::error!(target: "sprint::gpu", "uncaptured wgpu error: {error}");
		}));
		Ok(Self { device, queue, info })
	}

	pub(crate) fn info(&self) -> &wgpu::AdapterInfo {
		&self.info
	}

	pub(crate) fn limits(&self) -> wgpu::Limits {
		self.device.limits()
	}

	/// Runs `work` and returns what wgpu reported about it (validation and out-of-memory
	/// errors), so that a driver or kernel fault is an error, not a panic.
	pub(crate) fn checked<T>(
		&self,
		during: &'static str,
		work: impl FnOnce() -> T,
	) -> Result<T, GpuError> {
		let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
		let memory = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
		let value = work();
		let errors = [pollster::block_on(memory.pop()), pollster::block_on(validation.pop())];
		match errors.into_iter().flatten().next() {
			Some(error) => Err(GpuError::Wgpu { during, message: error.to_string() }),
			None => Ok(value),
		}
	}

	/// A storage buffer of `bytes` (zeroed), also a copy source and destination.
	pub(crate) fn storage(&self, label: &str, bytes: u64) -> wgpu::Buffer {
		self.device.create_buffer(&wgpu::BufferDescriptor {
			label: Some(label),
			size: bytes.max(4),
			usage: wgpu::BufferUsages::STORAGE
				| wgpu::BufferUsages::COPY_DST
				| wgpu::BufferUsages::COPY_SRC,
			mapped_at_creation: false,
		})
	}

	/// A storage buffer holding `words`.
	pub(crate) fn storage_with(&self, label: &str, words: &[u32]) -> wgpu::Buffer {
		self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
			label: Some(label),
			contents: bytemuck::cast_slice(words),
			usage: wgpu::BufferUsages::STORAGE
				| wgpu::BufferUsages::COPY_DST
				| wgpu::BufferUsages::COPY_SRC,
		})
	}

	/// The uniform every kernel reads: its `Dims` (see `int8.wgsl`).
	pub(crate) fn dims(&self) -> wgpu::Buffer {
		self.device.create_buffer(&wgpu::BufferDescriptor {
			label: Some("dims"),
			size: 16,
			usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
			mapped_at_creation: false,
		})
	}

	pub(crate) fn write_dims(&self, dims: &wgpu::Buffer, nonces: u32, rows: u32) {
		self.queue.write_buffer(dims, 0, bytemuck::cast_slice(&[nonces, rows, 0, 0]));
	}

	/// A buffer to map for reading what a pass copied into it.
	pub(crate) fn readback(&self, bytes: u64) -> wgpu::Buffer {
		self.device.create_buffer(&wgpu::BufferDescriptor {
			label: Some("readback"),
			size: bytes.max(4),
			usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
			mapped_at_creation: false,
		})
	}

	/// Records the dispatches `record` makes in one compute pass, then a copy of the first
	/// `bytes` of `result` into `readback`; submits, waits, and returns those bytes.
	pub(crate) fn run(
		&self,
		record: impl FnOnce(&mut wgpu::ComputePass<'_>, u32),
		result: &wgpu::Buffer,
		readback: &wgpu::Buffer,
		bytes: u64,
	) -> Result<Vec<u8>, GpuError> {
		let max_workgroups = self.device.limits().max_compute_workgroups_per_dimension;
		self.checked("running the kernels", || {
			let mut encoder = self.device.create_command_encoder(&Default::default());
			{
				let mut pass = encoder.begin_compute_pass(&Default::default());
				record(&mut pass, max_workgroups);
			}
			encoder.copy_buffer_to_buffer(result, 0, readback, 0, bytes);
			self.queue.submit([encoder.finish()]);
		})?;
		let slice = readback.slice(..bytes);
		let (sender, receiver) = mpsc::channel();
		slice.map_async(wgpu::MapMode::Read, move |mapped| {
			// The receiver waits below; if it were gone there would be nobody left to tell.
			let _ = sender.send(mapped);
		});
		let failed = |message: String| GpuError::Wgpu { during: "reading results back", message };
		self.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| failed(e.to_string()))?;
		receiver.recv().map_err(|e| failed(e.to_string()))?.map_err(|e| failed(e.to_string()))?;
		let bytes = slice.get_mapped_range().map_err(|e| failed(e.to_string()))?.to_vec();
		readback.unmap();
		Ok(bytes)
	}
}

/// The packed words of int8 `values` (`values.len()` a multiple of 4).
pub(crate) fn pack(values: &[i8]) -> Vec<u32> {
	values
		.chunks_exact(4)
		.map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]].map(|v| v as u8)))
		.collect()
}

/// The int8 values of packed bytes.
pub(crate) fn unpack(bytes: &[u8]) -> Vec<i8> {
	bytes.iter().map(|b| *b as i8).collect()
}
