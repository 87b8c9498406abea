requires packed_4x8_integer_dot_product;

// int8 × int8 → i32 matrix product, requantized (CPU twin and formula: matmul.rs):
//   out[i][j] = saturate((Σ_k x[i][k] · w[k][j]) >> SHIFT)        (i32 sum, arithmetic shift)
//
// Every row of every nonce in the batch at once: the weights are shared. Each invocation computes
// a 4 × 4 block (rows 4b..4b+4, columns 4g..4g+4), so that each weight word it loads feeds four
// rows and each activation word four columns.
//
// The weights are uploaded once, packed for this kernel (`kernels::gpu::pack_weights`): vec4 g of
// row k4 holds, in lane c, w[4·k4 .. 4·k4+4][4g + c] packed into one word, so that a
// `dot4I8Packed` of an activation word (x[i][4·k4 .. 4·k4+4]) with it is four terms of the sum,
// and neighbouring invocations read neighbouring vec4s.

// n / 4: words of an input row.
override IN_WORDS: u32;
// m / 4: words of an output row, one group of 4 columns per word.
override OUT_WORDS: u32;
// requant_shift(fan_in).
override SHIFT: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> output: array<u32>;

fn products(x_word: u32, w_words: vec4<u32>) -> vec4<i32> {
	return vec4<i32>(
		dot4I8Packed(x_word, w_words.x),
		dot4I8Packed(x_word, w_words.y),
		dot4I8Packed(x_word, w_words.z),
		dot4I8Packed(x_word, w_words.w),
	);
}

fn store(row: u32, column_word: u32, sums: vec4<i32>) {
	if row < dims.rows {
		output[row * OUT_WORDS + column_word] = pack_saturated(sums >> vec4<u32>(SHIFT));
	}
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn matmul(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	let blocks = (dims.rows + 3u) / 4u;
	if index >= blocks * OUT_WORDS {
		return;
	}
	let column_word = index % OUT_WORDS;
	let row = (index / OUT_WORDS) * 4u;
	// Rows past `dims.rows` (at most three) read the buffer's padding rows and are never stored.
	let x0 = row * IN_WORDS;
	let x1 = x0 + IN_WORDS;
	let x2 = x1 + IN_WORDS;
	let x3 = x2 + IN_WORDS;
	// i32 adds wrap, as the CPU's wrapping_add (and |sum| < 2^31 for n ≤ 65,536 anyway).
	var s0 = vec4<i32>(0);
	var s1 = vec4<i32>(0);
	var s2 = vec4<i32>(0);
	var s3 = vec4<i32>(0);
	for (var k = 0u; k < IN_WORDS; k++) {
		let w_words = w[k * OUT_WORDS + column_word];
		s0 += products(x[x0 + k], w_words);
		s1 += products(x[x1 + k], w_words);
		s2 += products(x[x2 + k], w_words);
		s3 += products(x[x3 + k], w_words);
	}
	store(row, column_word, s0);
	store(row + 1u, column_word, s1);
	store(row + 2u, column_word, s2);
	store(row + 3u, column_word, s3);
}
