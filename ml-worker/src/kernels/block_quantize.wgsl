requires packed_4x8_integer_dot_product;

// Block quantization of activations (CPU twin and formula: `inference::ops::quantize`): per
// block of 32 values, e = max(0, bit_length(max |x|) − (BITS − 1)),
// a_i = clamp(round(x_i / 2^e), ±(2^(BITS−1) − 1)); each block's Σa; each row's largest e.
// One invocation per row; the output is `block_matmul.wgsl`'s input.

// Values per row (a multiple of 32).
override COLS: u32;
// Bits per value, sign included.
override BITS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> q: array<i32>;
// [e: rows × blocks][Σa: rows × blocks][E: rows].
@group(0) @binding(3) var<storage, read_write> block_meta: array<i32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn block_quantize(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let row = invocation_index(id, workgroups);
	if row >= dims.rows {
		return;
	}
	let blocks = COLS / 32u;
	let limit = (1i << (BITS - 1u)) - 1i;
	var e_max = 0u;
	for (var j = 0u; j < blocks; j++) {
		let start = row * COLS + j * 32u;
		var max_abs = 0u;
		for (var i = 0u; i < 32u; i++) {
			let v = x[start + i];
			// |v| as u32 (|−2^31| = 2^31, as Rust's unsigned_abs).
			max_abs = max(max_abs, select(bitcast<u32>(v), 0u - bitcast<u32>(v), v < 0));
		}
		let e = bit_length(max_abs) - min(bit_length(max_abs), BITS - 1u);
		var sum = 0;
		for (var i = 0u; i < 32u; i++) {
			let a = clamp(round_shift(x[start + i], e), -limit, limit);
			q[start + i] = a;
			sum += a;
		}
		block_meta[row * blocks + j] = i32(e);
		block_meta[dims.rows * blocks + row * blocks + j] = sum;
		e_max = max(e_max, e);
	}
	block_meta[2u * dims.rows * blocks + row] = i32(e_max);
}
