requires packed_4x8_integer_dot_product;

// The input of each nonce (CPU twin: `sprint::pow::input`; PRNG: `model::prng`): seq_len ×
// d_model int8 whose element e is byte e mod 4 of `word(key, e / 4)`. Word w of the packed input
// is therefore exactly `word(key, w)`. The per-nonce keys are blake2 hashes of (seed, account,
// nonce), computed on the CPU and uploaded, one vec4<u32> per nonce.

// seq_len · d_model / 4.
override WORDS_PER_NONCE: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> keys: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> x: array<u32>;

// lowbias32; u32 multiplication wraps, as the CPU's `wrapping_mul`.
fn prng_mix(value: u32) -> u32 {
	var v = value;
	v ^= v >> 16u;
	v *= 0x7feb352du;
	v ^= v >> 15u;
	v *= 0x846ca68bu;
	v ^= v >> 16u;
	return v;
}

fn prng_word(key: vec4<u32>, counter: u32) -> u32 {
	return prng_mix(prng_mix(prng_mix(counter ^ key.x) ^ key.y) ^ key.z) ^ key.w;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn input(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.nonces * WORDS_PER_NONCE {
		return;
	}
	x[index] = prng_word(keys[index / WORDS_PER_NONCE], index % WORDS_PER_NONCE);
}
