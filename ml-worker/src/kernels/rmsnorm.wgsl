requires packed_4x8_integer_dot_product;

// Integer RMSNorm, one row per invocation (CPU twin and formula: rmsnorm.rs):
//   r      = max(1, isqrt(Σ x_i² / d))
//   out_i  = saturate(trunc(32 · x_i / r))

// d / 4.
override ROW_WORDS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

// `isqrt` (⌊√n⌋, exactly, the CPU twin's loop step for step) comes from fixed.wgsl.

@compute @workgroup_size(WORKGROUP_SIZE)
fn rmsnorm(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let row = invocation_index(id, workgroups);
	if row >= dims.rows {
		return;
	}
	let start = row * ROW_WORDS;
	// Squares of int8 sum to at most 2^14 · 2^16 for d ≤ 65,536: no overflow, as on the CPU.
	var sum_sq = 0i;
	for (var w = 0u; w < ROW_WORDS; w++) {
		let word = x[start + w];
		sum_sq += dot4I8Packed(word, word);
	}
	let r = vec4<i32>(i32(max(isqrt(u32(sum_sq / i32(4u * ROW_WORDS))), 1u)));
	for (var w = 0u; w < ROW_WORDS; w++) {
		// i32 division truncates toward zero, as Rust's.
		y[start + w] = pack_saturated(32 * unpack(x[start + w]) / r);
	}
}
