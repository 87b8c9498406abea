// Shared by every PoW kernel: appended to each op's source by `kernels::gpu` (WGSL has no
// includes). int8 values travel packed four to a u32, element 4w + b in byte b of word w
// (little-endian): the CPU twin's row-major int8 array exactly as it lies in memory, so a row of
// d values is d / 4 words and uploads and read-backs are plain byte copies.

// Invocations per workgroup, for every kernel.
const WORKGROUP_SIZE: u32 = 64u;

// What one dispatch covers: `nonces` (for the per-nonce kernels) and `rows` (nonces × seq_len in
// the whole pass; any count for a one-op dispatch).
struct Dims {
	nonces: u32,
	rows: u32,
}

// The linear index of this invocation. Dispatches of more workgroups than one dimension allows
// are folded into a second dimension, so the index counts whole rows of workgroups.
fn invocation_index(id: vec3<u32>, workgroups: vec3<u32>) -> u32 {
	return id.x + id.y * workgroups.x * WORKGROUP_SIZE;
}

// The four int8 of a word, sign-extended.
fn unpack(word: u32) -> vec4<i32> {
	return unpack4xI8(word);
}

// Four i32 saturated to the int8 activation range [-127, 127] (the CPU twins' `saturate`; WGSL's
// `pack4xI8Clamp` would let -128 through) and packed into a word.
fn pack_saturated(values: vec4<i32>) -> u32 {
	return pack4xI8(clamp(values, vec4<i32>(-127), vec4<i32>(127)));
}
