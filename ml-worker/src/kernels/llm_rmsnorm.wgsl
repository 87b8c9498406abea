requires packed_4x8_integer_dot_product;

// The inference engine's RMSNorm, one row per invocation (CPU twin and formula:
// `inference::ops::rmsnorm`): v_i = x_i >> σ below 2^15, ms = ⌊Σ (v_i² >> τ) / d⌋, normalised
// into [2^28, 2^30) by even shifts (P its unit's exponent), r = ⌊√ms⌋, inv = ⌊2^30 / r⌋,
// y_i = mul_shift(mul_shift(x_i, inv, 16), g_i, 16 + P/2).

// d.
override COLS: u32;
// ⌈log2 d⌉ − 1.
override TAU: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
// The norm's weights, Q16.
@group(0) @binding(2) var<storage, read> weight: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn llm_rmsnorm(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let row = invocation_index(id, workgroups);
	if row >= dims.rows {
		return;
	}
	let start = row * COLS;
	var max_abs = 0u;
	for (var i = 0u; i < COLS; i++) {
		let v = x[start + i];
		max_abs = max(max_abs, select(bitcast<u32>(v), 0u - bitcast<u32>(v), v < 0));
	}
	let sigma = bit_length(max_abs) - min(bit_length(max_abs), 15u);
	var sum = 0u;
	for (var i = 0u; i < COLS; i++) {
		let v = x[start + i] >> sigma;
		sum += bitcast<u32>(v * v) >> TAU;
	}
	var ms = sum / COLS;
	if ms == 0u {
		for (var i = 0u; i < COLS; i++) {
			y[start + i] = 0;
		}
		return;
	}
	var p = 2 * i32(sigma) + i32(TAU);
	if (p & 1) != 0 {
		ms <<= 1u;
		p -= 1;
	}
	while ms < (1u << 28u) {
		ms <<= 2u;
		p -= 2;
	}
	let inv = i32((1u << 30u) / isqrt(ms));
	let shift = 16 + p / 2;
	for (var i = 0u; i < COLS; i++) {
		y[start + i] = mul_shift(mul_shift(x[start + i], inv, 16), weight[i], shift);
	}
}
