requires packed_4x8_integer_dot_product;

// The inference engine's matrix product: block-quantized activations times a block-scaled
// integer matrix. CPU twin and formula: `inference::ops` (`matmul_with`, `matmul_one`):
//
//   acc   = Σ_j ⌊D_rj · Σ_i q_i·a_i / 2^(s + E − e_j + δD_rj)⌋ + ⌊M_rj · Σ_i a_i / 2^(s + E − e_j + δM_rj)⌋
//   y_r   = acc · 2^(E + s − G_r)       (saturated if shifted up, rounded half up if shifted down)
//
// One invocation per (input row, output). Activations arrive as one i32 per value (12- or 8-bit
// values); the matrix's q as its bytes, four to a word: two 4-bit values per byte (low half
// q_i, high half q_(i+16) of a block's byte i, unsigned) when NIBBLES is 1, else one int8.
// Every i32 addition wraps, as the CPU's `wrapping_add`; shifts are clamped to 31, as there.

// Values per input row (a multiple of 32).
override COLS: u32;
// Outputs (rows of the matrix).
override W_ROWS: u32;
// 1: q packed two to a byte; 0: one int8 per byte.
override NIBBLES: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
// rows × COLS quantized activations.
@group(0) @binding(1) var<storage, read> x: array<i32>;
// [e: rows × blocks][Σa: rows × blocks][E: rows].
@group(0) @binding(2) var<storage, read> x_meta: array<i32>;
// The matrix's q bytes, row-major.
@group(0) @binding(3) var<storage, read> w_q: array<u32>;
// [D: W_ROWS × blocks][M][δD][δM][G: W_ROWS][block_shift] (read from the buffer, so that one
// pipeline serves every matrix of a shape).
@group(0) @binding(4) var<storage, read> w_meta: array<i32>;
// rows × W_ROWS outputs.
@group(0) @binding(5) var<storage, read_write> output: array<i32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn block_matmul(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * W_ROWS {
		return;
	}
	let row = index / W_ROWS;
	let r = index % W_ROWS;
	let blocks = COLS / 32u;
	let row_blocks = dims.rows * blocks;
	let e_max = x_meta[2u * row_blocks + row];
	let w_blocks = W_ROWS * blocks;
	let s = w_meta[4u * w_blocks + W_ROWS];
	let block_words = select(8u, 4u, NIBBLES == 1u);
	var acc = 0i;
	for (var j = 0u; j < blocks; j++) {
		let xa = row * COLS + j * 32u;
		let wq = (r * blocks + j) * block_words;
		var dot = 0i;
		if NIBBLES == 1u {
			for (var k = 0u; k < 4u; k++) {
				let word = w_q[wq + k];
				for (var b = 0u; b < 4u; b++) {
					let i = 4u * k + b;
					let low = i32(extractBits(word, 8u * b, 4u));
					let high = i32(extractBits(word, 8u * b + 4u, 4u));
					dot += low * x[xa + i] + high * x[xa + i + 16u];
				}
			}
		} else {
			for (var k = 0u; k < 8u; k++) {
				let word = bitcast<i32>(w_q[wq + k]);
				for (var b = 0u; b < 4u; b++) {
					dot += extractBits(word, 8u * b, 8u) * x[xa + 4u * k + b];
				}
			}
		}
		let wj = r * blocks + j;
		let shift = s + e_max - x_meta[row * blocks + j];
		let td = w_meta[wj] * dot;
		let tm = w_meta[w_blocks + wj] * x_meta[row_blocks + row * blocks + j];
		acc += floor_shift(td, shift + w_meta[2u * w_blocks + wj]);
		acc += floor_shift(tm, shift + w_meta[3u * w_blocks + wj]);
	}
	output[index] = scale_by_power_of_two(acc, e_max + s - w_meta[4u * w_blocks + r]);
}
