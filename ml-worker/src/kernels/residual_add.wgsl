requires packed_4x8_integer_dot_product;

// The residual connection, in place, one value per invocation (CPU twin:
// `inference::ops::add_residual`): x = x + y saturated to the i32 range.

// Values per row.
override COLS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> x: array<i32>;
@group(0) @binding(2) var<storage, read> y: array<i32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn residual_add(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let i = invocation_index(id, workgroups);
	if i >= dims.rows * COLS {
		return;
	}
	x[i] = saturating_add(x[i], y[i]);
}
