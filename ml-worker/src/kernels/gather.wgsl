requires packed_4x8_integer_dot_product;

// Copies chosen rows of the residual stream, one value per invocation: the rows whose logits a
// forward pass returns go through the output head, the others stop at the last block.

// Values per row.
override COLS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
// The source row of each output row (`dims.rows` of them).
@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read_write> output: array<i32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn gather(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * COLS {
		return;
	}
	let row = index / COLS;
	output[index] = x[rows[row] * COLS + index % COLS];
}
