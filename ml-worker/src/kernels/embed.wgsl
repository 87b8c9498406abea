requires packed_4x8_integer_dot_product;

// The token embedding lookup, one value per invocation (CPU twin: `inference::weights::Matrix::
// row_fixed`): with u = ACT_FRAC − G_t for the token's row t and each block's D, M, δD, δM,
// y_i = sat(D·q_i · 2^(u − δD)) +sat sat(M · 2^(u − δM)) (scale_by_power_of_two, then a saturating
// add). The matrix arrives as `block_matmul.wgsl` takes it.

// Values per row.
override COLS: u32;
// Rows of the matrix (the vocabulary).
override W_ROWS: u32;
// 1: q packed two to a byte; 0: one int8 per byte.
override NIBBLES: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
// One token id per row.
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> w_q: array<u32>;
// [D: W_ROWS × blocks][M][δD][δM][G: W_ROWS][block_shift].
@group(0) @binding(3) var<storage, read> w_meta: array<i32>;
@group(0) @binding(4) var<storage, read_write> output: array<i32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn embed(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * COLS {
		return;
	}
	let t = tokens[index / COLS];
	let i = index % COLS;
	let blocks = COLS / 32u;
	let w_blocks = W_ROWS * blocks;
	let b = t * blocks + i / 32u;
	var q: i32;
	if NIBBLES == 1u {
		let byte_index = t * (COLS / 2u) + (i / 32u) * 16u + i % 16u;
		let word = w_q[byte_index / 4u];
		let byte = extractBits(word, 8u * (byte_index % 4u), 8u);
		q = i32(select(byte >> 4u, byte & 15u, i % 32u < 16u));
	} else {
		let byte_index = t * COLS + i;
		q = extractBits(bitcast<i32>(w_q[byte_index / 4u]), 8u * (byte_index % 4u), 8u);
	}
	let shift = 14 - w_meta[4u * w_blocks + t];
	let d = scale_by_power_of_two(w_meta[b] * q, shift - w_meta[2u * w_blocks + b]);
	let m = scale_by_power_of_two(w_meta[w_blocks + b], shift - w_meta[3u * w_blocks + b]);
	output[index] = saturating_add(d, m);
}
