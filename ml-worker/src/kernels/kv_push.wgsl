requires packed_4x8_integer_dot_product;

// Appending keys and values to a cache, one block of 32 of one row per invocation (CPU twin:
// `inference::ops::LayerCache::push`): the block's keys and its values each quantized to 12 bits
// with their own exponent (as `block_quantize.wgsl`) and written at the row's slot. A cache holds
// its values as i16 two to a word (value 2w in the low half of word w, 2w + 1 in the high half),
// so a block is 16 whole words and no two invocations write the same word.

// Width of the keys and values (a multiple of 32).
override KV_DIM: u32;
// Blocks of 32 in the key cache: the value exponents follow the key exponents.
override CACHE_BLOCKS: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
// rows × KV_DIM each.
@group(0) @binding(1) var<storage, read> k: array<i32>;
@group(0) @binding(2) var<storage, read> v: array<i32>;
// Each row's slot in the cache (a sequence's base plus the row's position).
@group(0) @binding(3) var<storage, read> slots: array<u32>;
// slots × KV_DIM / 2 words each.
@group(0) @binding(4) var<storage, read_write> k_cache: array<u32>;
@group(0) @binding(5) var<storage, read_write> v_cache: array<u32>;
// One exponent per block: the keys' (CACHE_BLOCKS = slots × KV_DIM / 32), then the values'.
@group(0) @binding(6) var<storage, read_write> exponents: array<i32>;

const BITS: u32 = 12u;

// The block of 32 at `start` quantized: its exponent, and the values packed into `words`.
var<private> words: array<u32, 16>;

// Value `i` of the keys (`which` 0) or of the values (1).
fn input(which: u32, i: u32) -> i32 {
	if which == 0u {
		return k[i];
	}
	return v[i];
}

fn quantize(which: u32, start: u32) -> i32 {
	let limit = (1i << (BITS - 1u)) - 1i;
	var max_abs = 0u;
	for (var c = 0u; c < 32u; c++) {
		let x = input(which, start + c);
		max_abs = max(max_abs, select(bitcast<u32>(x), 0u - bitcast<u32>(x), x < 0));
	}
	let e = bit_length(max_abs) - min(bit_length(max_abs), BITS - 1u);
	for (var w = 0u; w < 16u; w++) {
		let low = clamp(round_shift(input(which, start + 2u * w), e), -limit, limit);
		let high = clamp(round_shift(input(which, start + 2u * w + 1u), e), -limit, limit);
		words[w] = (bitcast<u32>(low) & 0xffffu) | (bitcast<u32>(high) << 16u);
	}
	return i32(e);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn kv_push(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let blocks = KV_DIM / 32u;
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * blocks {
		return;
	}
	let row = index / blocks;
	let block = index % blocks;
	let source = row * KV_DIM + block * 32u;
	let at = slots[row] * blocks + block;
	exponents[at] = quantize(0u, source);
	for (var w = 0u; w < 16u; w++) {
		k_cache[at * 16u + w] = words[w];
	}
	exponents[CACHE_BLOCKS + at] = quantize(1u, source);
	for (var w = 0u; w < 16u; w++) {
		v_cache[at * 16u + w] = words[w];
	}
}
