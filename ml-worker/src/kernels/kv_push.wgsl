requires packed_4x8_integer_dot_product;

// Appending keys and values to a sequence's cache, one block of one row per invocation (CPU twin:
// `inference::ops::LayerCache::push`): each block of 32 quantized to 12 bits with its exponent
// (as `block_quantize.wgsl`), written at the row's position.

// Width of the keys and values (a multiple of 32).
override KV_DIM: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
// rows × KV_DIM each.
@group(0) @binding(1) var<storage, read> k: array<i32>;
@group(0) @binding(2) var<storage, read> v: array<i32>;
// Each row's position in the cache.
@group(0) @binding(3) var<storage, read> positions: array<u32>;
// The cache: [k: positions × KV_DIM][v: the same] values, then [k exponents][v exponents].
@group(0) @binding(4) var<storage, read_write> cache: array<i32>;
// Positions the cache holds room for.
@group(0) @binding(5) var<storage, read> capacity: array<u32>;

const BITS: u32 = 12u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn kv_push(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let blocks = KV_DIM / 32u;
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * 2u * blocks {
		return;
	}
	let row = index / (2u * blocks);
	let which = (index / blocks) % 2u;
	let block = index % blocks;
	let size = capacity[0] * KV_DIM;
	let at = positions[row] * KV_DIM + block * 32u;
	let limit = (1i << (BITS - 1u)) - 1i;
	var max_abs = 0u;
	for (var c = 0u; c < 32u; c++) {
		let x = select(v[row * KV_DIM + block * 32u + c], k[row * KV_DIM + block * 32u + c], which == 0u);
		max_abs = max(max_abs, select(bitcast<u32>(x), 0u - bitcast<u32>(x), x < 0));
	}
	let e = bit_length(max_abs) - min(bit_length(max_abs), BITS - 1u);
	for (var c = 0u; c < 32u; c++) {
		let x = select(v[row * KV_DIM + block * 32u + c], k[row * KV_DIM + block * 32u + c], which == 0u);
		cache[which * size + at + c] = clamp(round_shift(x, e), -limit, limit);
	}
	cache[2u * size + which * (size / 32u) + at / 32u] = i32(e);
}
