requires packed_4x8_integer_dot_product;

// Test probe: `mul_shift` (fixed.wgsl) on arrays of operands, for the test that holds it to the
// CPU's i64 arithmetic.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<i32>;
@group(0) @binding(2) var<storage, read> b: array<i32>;
@group(0) @binding(3) var<storage, read> k: array<i32>;
@group(0) @binding(4) var<storage, read_write> output: array<i32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn mul_shift_probe(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let i = invocation_index(id, workgroups);
	if i >= dims.rows {
		return;
	}
	output[i] = mul_shift(a[i], b[i], k[i]);
}
