//! The GPU path against the CPU reference, bit for bit: each WGSL kernel against its CPU twin on
//! random inputs, then the whole PoW pass on random seeds, accounts and nonces.
//!
//! These tests need a wgpu adapter and fail without one (never skip): on a machine without a
//! GPU, install Mesa's lavapipe (Debian: `apt install mesa-vulkan-drivers`) and run
//! `WGPU_BACKEND=vulkan cargo test --release --workspace -- gpu`. When `WGPU_BACKEND` is set,
//! the adapter must be on that backend.

use ndarray::Array2;
use sprint_core::merkle::Hash32;
use sprint_worker::{
	kernels::{
		activation, attention,
		gpu::{GpuEngine, GpuError, GpuOps},
		matmul, rmsnorm,
	},
	model::{prng, shape::ShapeError, ModelShape, Weights},
	sprint::pow,
};

/// Deterministic test data: blake2-256 of a label and a counter.
struct Random {
	label: &'static str,
	counter: u64,
}

impl Random {
	fn new(label: &'static str) -> Self {
		Self { label, counter: 0 }
	}

	fn hash(&mut self) -> Hash32 {
		self.counter += 1;
		let mut data = self.label.as_bytes().to_vec();
		data.extend_from_slice(&self.counter.to_le_bytes());
		prng::blake2_256(&data)
	}

	fn u64(&mut self) -> u64 {
		u64::from_le_bytes(self.hash()[..8].try_into().expect("8 bytes"))
	}

	/// A `rows × cols` int8 matrix, every byte value possible.
	fn matrix(&mut self, rows: usize, cols: usize) -> Array2<i8> {
		let key = prng::key_from_hash(&self.hash());
		Array2::from_shape_vec((rows, cols), prng::int8_stream(&key, rows * cols)).expect("sized")
	}

	/// A matrix of values in [-limit, limit].
	fn bounded(&mut self, rows: usize, cols: usize, limit: i8) -> Array2<i8> {
		let span = 2 * i16::from(limit) + 1;
		self.matrix(rows, cols).mapv(|v| ((i16::from(v) + 128) % span - i16::from(limit)) as i8)
	}
}

/// Prints the adapter and, when `WGPU_BACKEND` is set, asserts that the adapter is on it.
fn assert_adapter(info: &wgpu::AdapterInfo) {
	println!(
		"adapter: {} ({:?}, {:?}, {})",
		info.name, info.backend, info.device_type, info.driver
	);
	if let Ok(wanted) = std::env::var("WGPU_BACKEND") {
		let backends = wgpu::Backends::from_comma_list(&wanted);
		assert!(
			backends.contains(info.backend.into()),
			"WGPU_BACKEND={wanted}, but the adapter is {} on {:?}",
			info.name,
			info.backend
		);
	}
}

fn ops() -> GpuOps {
	let ops = GpuOps::new().unwrap_or_else(|e| panic!("{e}"));
	assert_adapter(ops.adapter_info());
	ops
}

fn engine(weights: &Weights, seed: &Hash32, batch: usize) -> GpuEngine {
	let engine = GpuEngine::new(weights, seed, batch).unwrap_or_else(|e| panic!("{e}"));
	assert_adapter(engine.adapter_info());
	engine
}

#[test]
fn the_gpu_matmul_matches_its_cpu_twin() {
	let gpu = ops();
	let mut random = Random::new("matmul");
	for (rows, n, m, shift) in [
		(1, 4, 4, 0),
		(3, 8, 12, 2),
		(4, 64, 64, 10),
		(7, 64, 256, 10),
		(16, 256, 64, 11),
		(64, 1024, 4, 12),
	] {
		let (x, w) = (random.matrix(rows, n), random.matrix(n, m));
		let cpu = matmul::matmul_requant(x.view(), w.view(), shift);
		let on_gpu = gpu.matmul_requant(x.view(), w.view(), shift).expect("gpu matmul");
		assert_eq!(on_gpu, cpu, "{rows} × {n} · {n} × {m} >> {shift}");
	}
}

#[test]
fn the_gpu_rmsnorm_matches_its_cpu_twin() {
	let gpu = ops();
	let mut random = Random::new("rmsnorm");
	for (rows, width) in [(1, 4), (5, 64), (16, 256), (3, 1024)] {
		let mut x = random.matrix(rows, width);
		// Rows of every scale: full-range, small, all zero, all -128.
		x.row_mut(0).mapv_inplace(|v| v / 16);
		if rows > 2 {
			x.row_mut(1).fill(0);
			x.row_mut(2).fill(-128);
		}
		assert_eq!(gpu.rmsnorm(x.view()).expect("gpu rmsnorm"), rmsnorm::rmsnorm(x.view()));
	}
}

#[test]
fn the_gpu_attention_matches_its_cpu_twin() {
	let gpu = ops();
	let mut random = Random::new("attention");
	for (seq, heads, head_dim, shift) in
		[(1, 1, 4, 0), (4, 4, 16, 6), (16, 16, 64, 7), (5, 2, 8, 1), (128, 2, 8, 4), (3, 1, 4, 20)]
	{
		let d = heads * head_dim;
		let [q, k, v] = [0; 3].map(|_| random.bounded(seq, d, 127));
		let cpu = attention::attention(q.view(), k.view(), v.view(), heads, shift);
		let on_gpu =
			gpu.attention(q.view(), k.view(), v.view(), heads, shift).expect("gpu attention");
		assert_eq!(on_gpu, cpu, "seq {seq}, {heads} heads of {head_dim}, shift {shift}");
	}
	// The exponential's last nonzero step: scores 128 apart weigh 65,536 and 65,536 >> 16 = 1,
	// which turns position 1's output from -1 into trunc(-65,409 / 65,537) = 0.
	let q = ndarray::array![[0i8, 0, 0, 0], [1, 1, 0, 0]];
	let k = ndarray::array![[127i8, 1, 0, 0], [0, 0, 0, 0]];
	let v = ndarray::array![[-1i8, 0, 0, 0], [127, 0, 0, 0]];
	let cpu = attention::attention(q.view(), k.view(), v.view(), 1, 0);
	assert_eq!(cpu.row(1).to_vec(), vec![0i8, 0, 0, 0]);
	assert_eq!(gpu.attention(q.view(), k.view(), v.view(), 1, 0).expect("gpu attention"), cpu);
}

#[test]
fn the_gpu_relu_and_residual_match_their_cpu_twins() {
	let gpu = ops();
	let mut random = Random::new("activation");
	for (rows, width) in [(1, 4), (9, 64), (16, 256)] {
		let (x, y) = (random.matrix(rows, width), random.matrix(rows, width));
		assert_eq!(gpu.relu(x.view()).expect("gpu relu"), activation::relu(x.view()));
		assert_eq!(
			gpu.residual(x.view(), y.view()).expect("gpu residual"),
			activation::residual(x.view(), y.view())
		);
	}
}

#[test]
fn the_gpu_input_is_the_prng_stream() {
	let gpu = ops();
	let mut random = Random::new("input");
	for (rows, width) in [(1, 4), (4, 64), (16, 1024)] {
		let key = prng::key_from_hash(&random.hash());
		let cpu = prng::int8_stream(&key, rows * width);
		let on_gpu = gpu.input(&key, rows, width).expect("gpu input");
		assert_eq!(on_gpu.iter().copied().collect::<Vec<_>>(), cpu);
	}
}

#[test]
fn the_gpu_pass_matches_the_cpu_reference_bit_for_bit() {
	let mut random = Random::new("pass");
	let batch = 16;
	for _ in 0..3 {
		let seed = random.hash();
		let weights = Weights::generate(&seed, ModelShape::DEV);
		let mut gpu = engine(&weights, &seed, batch);
		for _ in 0..2 {
			let account = random.hash();
			// Full and partial batches; the extreme nonces included.
			let mut compared = 0;
			for size in [batch, 5, 1, batch, 3, batch] {
				let mut nonces: Vec<u64> = (0..size).map(|_| random.u64()).collect();
				if compared == 0 {
					nonces[0] = 0;
					nonces[1] = u64::MAX;
				}
				let outputs = gpu.outputs(&account, &nonces).expect("gpu outputs");
				assert_eq!(outputs.len(), size);
				for (nonce, output) in nonces.iter().zip(&outputs) {
					let cpu = pow::output(&weights, &seed, &account, *nonce);
					assert_eq!(output, &cpu, "output of nonce {nonce}");
					assert_eq!(
						pow::digest(&seed, &account, *nonce, output),
						pow::pow(&weights, &seed, &account, *nonce),
						"digest of nonce {nonce}"
					);
				}
				compared += size;
			}
			assert!(compared >= 40);
		}
	}
}

#[test]
fn the_gpu_gives_the_pinned_digest() {
	let (seed, alice) = ([3; 32], [1; 32]);
	let weights = Weights::generate(&seed, ModelShape::DEV);
	let mut gpu = engine(&weights, &seed, 4);
	let outputs = gpu.outputs(&alice, &[0]).expect("gpu outputs");
	let digest = pow::digest(&seed, &alice, 0, &outputs[0]);
	let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
	assert_eq!(hex, "11969c2a56ddb7079243d4f44b7fe58ee138fcd1169dd23757db129082b6714f");
}

#[test]
fn the_gpu_engine_refuses_more_nonces_than_its_batch() {
	let seed = [5; 32];
	let weights = Weights::generate(&seed, ModelShape::DEV);
	let mut gpu = engine(&weights, &seed, 2);
	assert!(matches!(
		gpu.outputs(&[1; 32], &[1, 2, 3]),
		Err(GpuError::TooManyNonces { nonces: 3, batch: 2 })
	));
	assert_eq!(gpu.outputs(&[1; 32], &[]).expect("no nonces, no work"), Vec::<Vec<i8>>::new());
}

#[test]
fn shapes_the_gpu_cannot_pack_are_refused_before_any_adapter_is_opened() {
	let seed = [5; 32];
	let shape = ModelShape { d_model: 6, n_heads: 3, d_ff: 8, ..ModelShape::DEV };
	let weights = Weights::generate(&seed, shape);
	assert!(matches!(
		GpuEngine::new(&weights, &seed, 1),
		Err(GpuError::Shape(ShapeError::NotPackable))
	));
	let shape = ModelShape { n_heads: 8, ..ModelShape::DEV }; // head_dim 8: fine
	assert!(sprint_worker::kernels::gpu::check_shape(shape).is_ok());
	let shape = ModelShape { n_heads: 32, ..ModelShape::DEV }; // head_dim 2
	assert!(matches!(
		sprint_worker::kernels::gpu::check_shape(shape),
		Err(GpuError::Shape(ShapeError::NotPackable))
	));
}

#[test]
fn the_inference_matmul_matches_its_cpu_twin() {
	use sprint_worker::inference::{
		gguf::{Gguf, TensorKind},
		ops::{matmul_with, quantize},
		simd::Isa,
		synthetic::SyntheticModel,
		weights,
	};
	let ops = GpuOps::new().expect("a GPU adapter");
	assert_adapter(ops.adapter_info());
	let model =
		SyntheticModel { d_model: 576, heads: 9, kv_heads: 3, d_ff: 160, ..SyntheticModel::tiny() };
	let mut random = Random::new("block_matmul");
	for (kind, name, cols, rows) in [
		(TensorKind::Q4_1, "blk.0.attn_q.weight", 576, 576),
		(TensorKind::Q4_1, "blk.0.ffn_down.weight", 160, 576),
		(TensorKind::Q8_0, "blk.0.attn_k.weight", 576, 192),
		(TensorKind::Q4_0, "blk.0.ffn_gate.weight", 576, 160),
	] {
		let gguf = Gguf::read(SyntheticModel { matrices: kind, ..model.clone() }.to_gguf())
			.expect("parses");
		let w = weights::matrix(&gguf, name, cols, rows).expect("loads");
		for input_rows in [1, 5] {
			// Values of every magnitude, so blocks get exponents from 0 to 24.
			let x: Vec<i32> = (0..input_rows * cols)
				.map(|_| (random.u64() as i32) >> (random.u64() % 31) as u32)
				.collect();
			let q = quantize(&x, cols, w.activation_bits);
			let gpu = ops.block_matmul(&q, &w).expect("the kernel runs");
			assert_eq!(
				gpu,
				matmul_with(Isa::Portable, &q, &w),
				"{name} ({kind:?}), {input_rows} rows"
			);
		}
	}
}

#[test]
fn mul_shift_from_16_bit_limbs_is_the_cpus_64_bit_arithmetic() {
	use sprint_worker::inference::fixed::mul_shift;
	let ops = GpuOps::new().expect("a GPU adapter");
	assert_adapter(ops.adapter_info());
	let mut random = Random::new("mul_shift");
	let edges = [0, 1, -1, 2, i32::MAX, i32::MIN, i32::MIN + 1, 65_535, 65_536, -65_536];
	let (mut a, mut b, mut k) = (Vec::new(), Vec::new(), Vec::new());
	for x in edges {
		for y in edges {
			for shift in [-40, -32, -31, -1, 0, 1, 15, 31, 32, 33, 47, 62, 70] {
				a.push(x);
				b.push(y);
				k.push(shift);
			}
		}
	}
	for _ in 0..4096 {
		a.push(random.u64() as i32 >> (random.u64() % 32));
		b.push(random.u64() as i32 >> (random.u64() % 32));
		k.push((random.u64() % 100) as i32 - 35);
	}
	let expected: Vec<i32> = (0..a.len()).map(|i| mul_shift(a[i], b[i], k[i])).collect();
	assert_eq!(ops.mul_shift(&a, &b, &k).expect("the probe runs"), expected);
}

#[test]
fn the_inference_row_ops_match_their_cpu_twins() {
	use sprint_worker::inference::{fixed::sigmoid_table, ops};
	let ops_gpu = GpuOps::new().expect("a GPU adapter");
	assert_adapter(ops_gpu.adapter_info());
	let mut random = Random::new("inference rows");
	let mut values = |n: usize, spread: u64| -> Vec<i32> {
		(0..n).map(|_| random.u64() as i32 >> (31 - (random.u64() % spread) as u32)).collect()
	};
	for (rows, cols) in [(1, 576), (3, 64), (2, 1536)] {
		// Activations from tiny to near the i32 range, an attention-sink-like outlier in each row.
		let mut x = values(rows * cols, 28);
		for r in 0..rows {
			x[r * cols + 7] = 400_000_000 - r as i32;
		}
		for bits in [8, 12] {
			let q = ops::quantize(&x, cols, bits);
			let (values_gpu, meta) = ops_gpu.block_quantize(&x, cols, bits).expect("runs");
			let blocks = rows * cols / 32;
			assert_eq!(
				values_gpu,
				q.q.iter().map(|v| i32::from(*v)).collect::<Vec<_>>(),
				"{rows}×{cols}, {bits} bits"
			);
			assert_eq!(
				meta[..blocks],
				q.exponent.iter().map(|e| i32::from(*e)).collect::<Vec<_>>()
			);
			assert_eq!(meta[blocks..2 * blocks], q.sum[..]);
			assert_eq!(
				meta[2 * blocks..],
				q.max_exponent.iter().map(|e| i32::from(*e)).collect::<Vec<_>>()
			);
		}
		let weight: Vec<i32> = (0..cols).map(|i| 30_000 + (i as i32 * 977) % 90_000).collect();
		assert_eq!(
			ops_gpu.llm_rmsnorm(&x, &weight).expect("runs"),
			ops::rmsnorm(&x, &weight),
			"rmsnorm {rows}×{cols}"
		);
		let quiet = vec![3; rows * cols];
		assert_eq!(
			ops_gpu.llm_rmsnorm(&quiet, &weight).expect("runs"),
			ops::rmsnorm(&quiet, &weight)
		);
		let (gate, up) = (values(rows * cols, 22), values(rows * cols, 22));
		let table = sigmoid_table();
		assert_eq!(
			ops_gpu.swiglu(&table, &gate, &up, cols).expect("runs"),
			ops::swiglu(&table, &gate, &up)
		);
		let y = values(rows * cols, 32);
		let mut sum = x.clone();
		ops::add_residual(&mut sum, &y);
		assert_eq!(ops_gpu.residual_add(&x, &y, cols).expect("runs"), sum);
	}
}

#[test]
fn the_inference_rope_and_attention_match_their_cpu_twins() {
	use sprint_worker::inference::{
		fixed::exp2_table,
		ops::{attention, AttentionShape, LayerCache, Rope},
	};
	let ops = GpuOps::new().expect("a GPU adapter");
	assert_adapter(ops.adapter_info());
	let mut random = Random::new("rope and attention");
	let mut values = |n: usize, spread: u64| -> Vec<i32> {
		(0..n).map(|_| random.u64() as i32 >> (31 - (random.u64() % spread) as u32)).collect()
	};
	let (heads, kv_heads, head_dim, positions) = (9, 3, 64, 40);
	let rope = Rope::new(64, head_dim, 100_000.0);
	let width = heads * head_dim;
	let x = values(3 * width, 26);
	let at = [0u32, 17, 63];
	let mut expected = x.clone();
	for (row, p) in expected.chunks_mut(width).zip(at) {
		rope.apply(row, head_dim, p as usize);
	}
	assert_eq!(ops.rope(&rope, &x, head_dim, &at).expect("runs"), expected);
	// A cache of 40 positions with keys and values of every scale, queries at several positions.
	let shape = AttentionShape { heads, kv_heads, head_dim, score_scale: 4096 };
	let mut cache = LayerCache::default();
	for p in 0..positions {
		let spread = 12 + (p as u64 % 16);
		let (k, v) = (values(kv_heads * head_dim, spread), values(kv_heads * head_dim, spread));
		cache.push(&k, &v);
	}
	let exp2 = exp2_table();
	let rows = [0u32, 1, 20, 39];
	let queries = values(rows.len() * width, 24);
	let cpu: Vec<i32> = queries
		.chunks(width)
		.zip(rows)
		.flat_map(|(q, p)| attention(&shape, &exp2, q, &cache, p as usize))
		.collect();
	assert_eq!(ops.llm_attention(&shape, &exp2, &queries, &rows, &cache).expect("runs"), cpu);
}

#[test]
fn the_embedding_lookup_and_the_cache_append_match_their_cpu_twins() {
	use sprint_worker::inference::{
		gguf::{Gguf, TensorKind},
		ops::LayerCache,
		synthetic::SyntheticModel,
		weights,
	};
	let ops = GpuOps::new().expect("a GPU adapter");
	assert_adapter(ops.adapter_info());
	for kind in [TensorKind::Q8_0, TensorKind::Q4_1, TensorKind::F16] {
		let model = SyntheticModel { embedding: kind, ..SyntheticModel::tiny() };
		let gguf = Gguf::read(model.to_gguf()).expect("parses");
		let w =
			weights::matrix(&gguf, "token_embd.weight", model.d_model, model.vocab).expect("loads");
		let tokens = [0u32, 5, 261, 100, 5];
		let cpu: Vec<i32> = tokens.iter().flat_map(|t| w.row_fixed(*t as usize)).collect();
		assert_eq!(ops.embed(&w, &tokens).expect("runs"), cpu, "{kind:?}");
	}
	let mut random = Random::new("kv push");
	let kv_dim = 192;
	let rows = 6;
	let mut values = |n: usize| -> Vec<i32> {
		(0..n).map(|_| random.u64() as i32 >> (4 + random.u64() % 27) as u32).collect()
	};
	let (k, v) = (values(rows * kv_dim), values(rows * kv_dim));
	let mut cache = LayerCache::default();
	for r in 0..rows {
		cache.push(&k[r * kv_dim..(r + 1) * kv_dim], &v[r * kv_dim..(r + 1) * kv_dim]);
	}
	let positions: Vec<u32> = (0..rows as u32).collect();
	let (gk, gv, gke, gve) = ops.kv_push(&k, &v, kv_dim, &positions, rows).expect("runs");
	let wide = |x: &[i16]| x.iter().map(|v| i32::from(*v)).collect::<Vec<_>>();
	let exps = |x: &[u8]| x.iter().map(|v| i32::from(*v)).collect::<Vec<_>>();
	assert_eq!((gk, gv), (wide(&cache.k), wide(&cache.v)));
	assert_eq!((gke, gve), (exps(&cache.k_exponent), exps(&cache.v_exponent)));
}

/// The index of the largest logit (the first on ties), as greedy sampling picks.
fn argmax(logits: &[i32]) -> u32 {
	let mut best = 0;
	for (i, v) in logits.iter().enumerate() {
		if *v > logits[best] {
			best = i;
		}
	}
	best as u32
}

/// Asserts that two runs of [`passes`] gave the same logits, naming the first that differs.
fn assert_same_passes(got: &[Vec<Vec<i32>>], expected: &[Vec<Vec<i32>>], what: &str) {
	assert_eq!(got.len(), expected.len(), "{what}: passes");
	for (pass, (g, e)) in got.iter().zip(expected).enumerate() {
		assert_eq!(g.len(), e.len(), "{what}: sequences in pass {pass}");
		for (s, (g, e)) in g.iter().zip(e).enumerate() {
			assert_eq!(g.len(), e.len(), "{what}: logits of sequence {s} in pass {pass}");
			if let Some(i) = (0..g.len()).find(|i| g[*i] != e[*i]) {
				let differ = g.iter().zip(e).filter(|(a, b)| a != b).count();
				panic!(
					"{what}: pass {pass}, sequence {s}: logit {i} is {} on the GPU, {} on the \
					 CPU ({differ} of {} differ)",
					g[i],
					e[i],
					g.len()
				);
			}
		}
	}
}

/// Runs `prompts` through `model` as one batch (the first with every position's logits), then
/// `decode` greedy steps of all of them together; returns every pass's logits.
fn passes(
	model: &sprint_worker::inference::Model,
	prompts: &[Vec<u32>],
	decode: usize,
) -> Vec<Vec<Vec<i32>>> {
	use sprint_worker::inference::Step;
	let mut caches: Vec<_> = prompts.iter().map(|_| model.new_cache()).collect();
	let mut inputs: Vec<Vec<u32>> = prompts.to_vec();
	let mut all = Vec::new();
	for pass in 0..=decode {
		let mut steps: Vec<Step<'_>> = caches
			.iter_mut()
			.zip(&inputs)
			.enumerate()
			.map(|(i, (cache, tokens))| Step { cache, tokens, all_logits: pass == 0 && i == 0 })
			.collect();
		let logits = model.forward(&mut steps).expect("the pass runs");
		let vocab = model.config.vocab;
		inputs = logits.iter().map(|l| vec![argmax(&l[l.len() - vocab..])]).collect();
		all.push(logits);
	}
	all
}

#[test]
fn the_gpu_forward_pass_is_the_cpu_engine_bit_for_bit() {
	use sprint_worker::{
		inference::{
			gguf::{Gguf, TensorKind},
			synthetic::SyntheticModel,
			Model,
		},
		kernels::gpu::GpuCacheSize,
	};
	for (matrices, embedding) in
		[(TensorKind::Q4_1, TensorKind::Q8_0), (TensorKind::Q8_0, TensorKind::F16)]
	{
		let synthetic =
			SyntheticModel { matrices, embedding, context: 1024, ..SyntheticModel::tiny() };
		let gguf = Gguf::read(synthetic.to_gguf()).expect("parses");
		let cpu = Model::load_with_threads(&gguf, 2).expect("loads");
		let mut gpu = Model::load_with_threads(&gguf, 1).expect("loads");
		gpu.use_gpu(GpuCacheSize { slots: 3, context: 1024 }).expect("a GPU adapter");
		assert_adapter(gpu.gpu().expect("on the GPU").adapter_info());
		// A prompt longer than one submission's 512 rows, beside a short one and a lone token.
		let vocab = synthetic.vocab as u32;
		let prompts: Vec<Vec<u32>> = [5usize, 600, 1]
			.iter()
			.enumerate()
			.map(|(s, n)| (0..*n as u32).map(|i| (i * 7 + s as u32 * 31 + 3) % vocab).collect())
			.collect();
		let expected = passes(&cpu, &prompts, 4);
		assert_eq!(
			expected[0][0].len(),
			prompts[0].len() * synthetic.vocab,
			"every position of the first"
		);
		let what = format!("{matrices:?} / {embedding:?}");
		assert_same_passes(&passes(&gpu, &prompts, 4), &expected, &what);
	}
}

#[test]
fn gpu_cache_slots_are_claimed_by_sequences_and_given_back() {
	use sprint_worker::{
		inference::{engine::EngineError, gguf::Gguf, synthetic::SyntheticModel, Model, Step},
		kernels::gpu::GpuCacheSize,
	};
	let gguf = Gguf::read(SyntheticModel::tiny().to_gguf()).expect("parses");
	let cpu = Model::load_with_threads(&gguf, 1).expect("loads");
	let mut gpu = Model::load_with_threads(&gguf, 1).expect("loads");
	gpu.use_gpu(GpuCacheSize { slots: 2, context: 64 }).expect("a GPU adapter");
	assert_eq!(gpu.config.context, 64, "the context is what the caches hold");
	let tokens = [1u32, 2, 3];
	let mut first = gpu.new_cache();
	let mut second = gpu.new_cache();
	let mut third = gpu.new_cache();
	gpu.forward(&mut [
		Step { cache: &mut first, tokens: &tokens, all_logits: false },
		Step { cache: &mut second, tokens: &tokens, all_logits: false },
	])
	.expect("two slots");
	let refused =
		gpu.forward(&mut [Step { cache: &mut third, tokens: &tokens, all_logits: false }]);
	assert!(matches!(refused, Err(EngineError::Slots { slots: 2 })), "{refused:?}");
	drop(first);
	let logits = gpu
		.forward(&mut [Step { cache: &mut third, tokens: &tokens, all_logits: false }])
		.expect("the slot given back");
	let mut cpu_cache = cpu.new_cache();
	let expected =
		cpu.forward(&mut [Step { cache: &mut cpu_cache, tokens: &tokens, all_logits: false }]);
	assert_eq!(logits, expected.expect("runs"), "a reused slot starts clean");
	let long = vec![1u32; 62];
	let overflow = gpu.forward(&mut [Step { cache: &mut third, tokens: &long, all_logits: false }]);
	assert!(
		matches!(overflow, Err(EngineError::ContextOverflow { tokens: 65, context: 64 })),
		"{overflow:?}"
	);
	let foreign =
		gpu.forward(&mut [Step { cache: &mut cpu_cache, tokens: &tokens, all_logits: false }]);
	assert!(matches!(foreign, Err(EngineError::ForeignCache)), "{foreign:?}");
}

/// SmolLM2-135M-Instruct as `make deps` installs it, on the GPU: three chat prompts answered
/// together, 16 greedy tokens each, every logit the CPU's.
#[test]
fn the_real_model_on_the_gpu_answers_as_on_the_cpu() {
	use sprint_worker::{
		inference::{default_model_path, gguf::Gguf, quality, LanguageModel},
		kernels::gpu::GpuCacheSize,
	};
	let path = default_model_path();
	let gguf =
		Gguf::open(&path).unwrap_or_else(|e| panic!("{e}: run `make deps` to install the model"));
	let cpu = LanguageModel::from_gguf_with_threads("SmolLM2".into(), &gguf, 2).expect("loads");
	let mut gpu = LanguageModel::from_gguf_with_threads("SmolLM2".into(), &gguf, 1).expect("loads");
	gpu.model.use_gpu(GpuCacheSize { slots: 3, context: 256 }).expect("a GPU adapter");
	assert_adapter(gpu.model.gpu().expect("on the GPU").adapter_info());
	let prompts: Vec<Vec<u32>> = [
		"What is the capital of Japan?",
		"Write a haiku about the sea.",
		"How many legs does a spider have?",
	]
	.iter()
	.map(|q| quality::chat_prompt(&cpu, q))
	.collect();
	let expected = passes(&cpu.model, &prompts, 16);
	let answers = |all: &[Vec<Vec<i32>>]| -> Vec<Vec<u32>> {
		(0..prompts.len())
			.map(|s| all.iter().map(|pass| argmax(&pass[s][pass[s].len() - 49_152..])).collect())
			.collect()
	};
	let got = passes(&gpu.model, &prompts, 16);
	assert_eq!(answers(&got), answers(&expected), "the same tokens");
	assert_same_passes(&got, &expected, "SmolLM2");
	let first = cpu.tokenizer.decode(&answers(&expected)[0]).expect("decodes");
	assert!(first.contains("Tokyo"), "{first}");
}

/// Attention over a long cache: more positions than one invocation of the old single-pass kernel
/// could loop over on lavapipe (65,535 loop iterations per invocation, then every loop stops:
/// zeros from position 480 on), and several segments of the four-pass kernel.
#[test]
fn the_inference_attention_over_a_long_context_matches_its_cpu_twin() {
	use sprint_worker::inference::{
		fixed::exp2_table,
		ops::{attention, AttentionShape, LayerCache},
	};
	let ops = GpuOps::new().expect("a GPU adapter");
	assert_adapter(ops.adapter_info());
	let mut random = Random::new("long attention");
	let mut values = |n: usize| -> Vec<i32> {
		(0..n).map(|_| random.u64() as i32 >> (8 + random.u64() % 12) as u32).collect()
	};
	let (heads, kv_heads, head_dim, positions) = (4, 2, 32, 1_100);
	let shape = AttentionShape { heads, kv_heads, head_dim, score_scale: 4096 };
	let mut cache = LayerCache::default();
	for _ in 0..positions {
		let (k, v) = (values(kv_heads * head_dim), values(kv_heads * head_dim));
		cache.push(&k, &v);
	}
	let exp2 = exp2_table();
	let rows = [0u32, 479, 480, 511, 512, 513, 1_000, 1_099];
	let width = heads * head_dim;
	let queries = values(rows.len() * width);
	let cpu: Vec<i32> = queries
		.chunks(width)
		.zip(rows)
		.flat_map(|(q, p)| attention(&shape, &exp2, q, &cache, p as usize))
		.collect();
	let gpu = ops.llm_attention(&shape, &exp2, &queries, &rows, &cache).expect("runs");
	for (r, p) in rows.iter().enumerate() {
		assert_eq!(
			gpu[r * width..(r + 1) * width],
			cpu[r * width..(r + 1) * width],
			"position {p}"
		);
	}
}

/// A sampled answer (temperature, top_p, seed, top log-probabilities) generated on the GPU is the
/// CPU's token for token, and the GPU's teacher-forced replay of it (what an audit runs) finds
/// nothing to object to.
#[test]
fn a_sampled_answer_and_its_replay_on_the_gpu_are_the_cpus() {
	use sprint_worker::{
		inference::{
			generate::{Generation, GenerationRequest},
			gguf::Gguf,
			replay,
			synthetic::SyntheticModel,
			LanguageModel, SamplingParams,
		},
		kernels::gpu::GpuCacheSize,
	};
	let gguf = Gguf::read(SyntheticModel::tiny().to_gguf()).expect("parses");
	let cpu = LanguageModel::from_gguf_with_threads("tiny".into(), &gguf, 1).expect("loads");
	let mut gpu = LanguageModel::from_gguf_with_threads("tiny".into(), &gguf, 1).expect("loads");
	gpu.model.use_gpu(GpuCacheSize { slots: 2, context: 512 }).expect("a GPU adapter");
	let request = GenerationRequest {
		prompt: cpu.tokenizer.encode("the quick brown fox").expect("encodes"),
		max_tokens: 24,
		params: SamplingParams::new(0.9, 0.95, 7).expect("valid"),
		stop: Vec::new(),
		top_logprobs: 5,
	};
	let answer = |lm: &LanguageModel| {
		let mut generation = Generation::new(lm, request.clone());
		let mut tokens = Vec::new();
		generation.run(lm, |token| tokens.push(token.clone())).expect("runs");
		(tokens, generation.finished)
	};
	let (expected, finish) = answer(&cpu);
	assert_eq!(expected.len(), 24, "no stop token in 24 sampled tokens");
	assert_eq!(answer(&gpu), (expected.clone(), finish));
	let output: Vec<u32> = expected.iter().map(|t| t.token).collect();
	let report = replay::replay(&gpu, &request, &output).expect("replays");
	assert_eq!(report.first_difference, None);
	let on_cpu = replay::replay(&cpu, &request, &output).expect("replays");
	assert_eq!((report.commitment, report.logprobs), (on_cpu.commitment, on_cpu.logprobs));
}
