requires packed_4x8_integer_dot_product;

// SwiGLU, one value per invocation (CPU twin and formula: `inference::ops::swiglu` and
// `inference::fixed::sigmoid`): y = ⌊⌊g · σ(g) / 2^15⌋ · u / 2^14⌋, σ from the Q15 table sampled
// every 1/64 on [−16, 16], interpolated on the 8 bits below its step.

// Values per row.
override COLS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> gate: array<i32>;
@group(0) @binding(2) var<storage, read> up: array<i32>;
@group(0) @binding(3) var<storage, read> table: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<i32>;

fn sigmoid(v: i32) -> i32 {
	let index = v >> 8u;
	if index < -1024 {
		return table[0];
	}
	if index >= 1024 {
		return table[2048];
	}
	let i = u32(index + 1024);
	return table[i] + (((table[i + 1u] - table[i]) * (v & 255)) >> 8u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn swiglu(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let i = invocation_index(id, workgroups);
	if i >= dims.rows * COLS {
		return;
	}
	let g = gate[i];
	y[i] = mul_shift(mul_shift(g, sigmoid(g), 15), up[i], 14);
}
