requires packed_4x8_integer_dot_product;

// The FFN's activation and the residual connection, elementwise on packed words (CPU twin and
// formulas: activation.rs):
//   relu(x)         = max(x, 0)             (in place)
//   residual(x, y)  = saturate(x + y)       (in place, into x)

// Words of a row: d / 4 for the residual, d_ff / 4 for relu.
override ROW_WORDS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read> delta: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn relu(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * ROW_WORDS {
		return;
	}
	x[index] = pack_saturated(max(unpack(x[index]), vec4<i32>(0)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn residual(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * ROW_WORDS {
		return;
	}
	x[index] = pack_saturated(unpack(x[index]) + unpack(delta[index]));
}
