requires packed_4x8_integer_dot_product;

// RoPE, one pair of one row per invocation (CPU twin and formula: `inference::ops::Rope`): the
// pair (x_2i, x_2i+1) of each head, at the row's position p, turns by the Q15 table's (c, s):
// x'_2i = ⌊x_2i·c/2^15⌋ − ⌊x_2i+1·s/2^15⌋, x'_2i+1 = ⌊x_2i·s/2^15⌋ + ⌊x_2i+1·c/2^15⌋.

// Values per row (heads × head width).
override COLS: u32;
// Pairs per head (head width / 2).
override PAIRS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> x: array<i32>;
// Each row's position.
@group(0) @binding(2) var<storage, read> positions: array<u32>;
// cos[p · PAIRS + i], then sin at the same indices after them (`positions × PAIRS` each).
@group(0) @binding(3) var<storage, read> table: array<i32>;
// The number of positions in the table.
@group(0) @binding(4) var<storage, read> table_len: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn rope(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * (COLS / 2u) {
		return;
	}
	let row = index / (COLS / 2u);
	let pair = index % (COLS / 2u);
	let i = pair % PAIRS;
	let at = positions[row] * PAIRS + i;
	let c = table[at];
	let s = table[table_len[0] * PAIRS + at];
	let first = row * COLS + 2u * pair;
	let x0 = x[first];
	let x1 = x[first + 1u];
	x[first] = mul_shift(x0, c, 15) - mul_shift(x1, s, 15);
	x[first + 1u] = mul_shift(x0, s, 15) + mul_shift(x1, c, 15);
}
