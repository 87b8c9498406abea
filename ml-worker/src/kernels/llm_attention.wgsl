requires packed_4x8_integer_dot_product;

// Causal attention over a sequence's cached keys and values (CPU twin and formula:
// `inference::ops::attention`), in four passes over segments of SEGMENT positions, so that no
// invocation loops more than a bounded number of times whatever the context (Mesa's lavapipe
// stops every loop of an invocation after 65,535 iterations in all, silently) and long contexts
// spread over many invocations. PASS 0, per (row, head, segment): the segment's largest score and
// each block's largest value exponent. PASS 1: the segment's sum of weights under the row's
// largest score. PASS 2: the segment's weighted values, each term exactly the CPU's. PASS 3, per
// (row, head, value): the segments' sums added (i32 addition wraps, so any order gives the CPU's
// bits) and scaled. The query is quantized per block of 32 to 12 bits in each pass, as the CPU
// does once; keys and values arrive quantized (12 bits, one exponent per block and position).

override HEADS: u32;
override KV_HEADS: u32;
override HEAD_DIM: u32;
// round(2^15 / √HEAD_DIM).
override SCORE_SCALE: i32;
// Positions per segment, and segments per row (enough for the longest sequence).
override SEGMENT: u32;
override SEGMENTS: u32;
// Blocks of 32 in a layer's key cache: the value exponents follow the key exponents.
override CACHE_BLOCKS: u32;
override PASS: u32;

const BITS: u32 = 12u;
const LOG2_E_Q15: i32 = 47274;
const NO_SCORE: i32 = -2147483647 - 1;

@group(0) @binding(0) var<uniform> dims: Dims;
// rows × HEADS·HEAD_DIM.
@group(0) @binding(1) var<storage, read> query: array<i32>;
// Each row's position p (it attends to positions 0..=p), then each row's start: the slot of its
// sequence's position 0 in the cache (`rows` positions, then `rows` starts).
@group(0) @binding(2) var<storage, read> positions: array<u32>;
// Keys and values, slots × KV_HEADS·HEAD_DIM as i16 two to a word (`kv_push.wgsl`).
@group(0) @binding(3) var<storage, read> k: array<u32>;
@group(0) @binding(4) var<storage, read> v: array<u32>;
// One exponent per block of 32: the keys' (CACHE_BLOCKS), then the values'.
@group(0) @binding(5) var<storage, read> exponents: array<i32>;
// round(2^16 · 2^(−r/256)), r = 0..256.
@group(0) @binding(6) var<storage, read> exp2: array<u32>;
@group(0) @binding(7) var<storage, read_write> output: array<i32>;
// Per (row, head, segment) i, with n = rows · HEADS · SEGMENTS: the largest score at i, the sum
// of weights at n + i, the largest value exponent of block b at 2n + i · blocks + b, the weighted
// values at n · (2 + blocks) + i · HEAD_DIM.
@group(0) @binding(8) var<storage, read_write> scratch: array<i32>;

var<private> q: array<i32, 256>;
var<private> q_exponent: array<i32, 8>;
var<private> acc: array<i32, 256>;
var<private> block_max: array<i32, 8>;

// Value `i` of a packed cache word.
fn cached(word: u32, i: u32) -> i32 {
	return extractBits(bitcast<i32>(word), 16u * (i & 1u), 16u);
}

// Quantizes the row's query for `head` into `q` (the CPU's `quantize_block`).
fn quantize_query(row: u32, head: u32) {
	let limit = (1i << (BITS - 1u)) - 1i;
	for (var b = 0u; b < HEAD_DIM / 32u; b++) {
		let start = row * HEADS * HEAD_DIM + head * HEAD_DIM + b * 32u;
		var max_abs = 0u;
		for (var c = 0u; c < 32u; c++) {
			let x = query[start + c];
			max_abs = max(max_abs, select(bitcast<u32>(x), 0u - bitcast<u32>(x), x < 0));
		}
		let e = bit_length(max_abs) - min(bit_length(max_abs), BITS - 1u);
		for (var c = 0u; c < 32u; c++) {
			q[b * 32u + c] = clamp(round_shift(query[start + c], e), -limit, limit);
		}
		q_exponent[b] = i32(e);
	}
}

// The score of the quantized query against the key at cache slot `j`.
fn score(kv_head: u32, j: u32) -> i32 {
	let head_blocks = HEAD_DIM / 32u;
	let kv_blocks = KV_HEADS * head_blocks;
	var s = 0;
	for (var b = 0u; b < head_blocks; b++) {
		let kb = j * kv_blocks + kv_head * head_blocks + b;
		var dot = 0;
		for (var w = 0u; w < 16u; w++) {
			let word = k[kb * 16u + w];
			dot += q[b * 32u + 2u * w] * cached(word, 0u) + q[b * 32u + 2u * w + 1u] * cached(word, 1u);
		}
		s += mul_shift(dot, SCORE_SCALE, 31 - (q_exponent[b] + exponents[kb]));
	}
	return s;
}

fn weight(max_score: i32, s: i32) -> u32 {
	let u = bitcast<u32>(mul_shift(max_score - s, LOG2_E_Q15, 19));
	if u >= 32u * 256u {
		return 0u;
	}
	return exp2[u & 255u] >> min(u >> 8u, 31u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn llm_attention(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	let head_blocks = HEAD_DIM / 32u;
	let kv_blocks = KV_HEADS * head_blocks;
	let n = dims.rows * HEADS * SEGMENTS;
	let totals = n;
	let block_maxima = 2u * n;
	let partials = n * (2u + head_blocks);
	if PASS == 3u {
		if index >= dims.rows * HEADS * HEAD_DIM {
			return;
		}
		let row = index / (HEADS * HEAD_DIM);
		let head = (index / HEAD_DIM) % HEADS;
		let d = index % HEAD_DIM;
		let first = (row * HEADS + head) * SEGMENTS;
		var sum = 0;
		var e_max = 0;
		for (var g = 0u; g < SEGMENTS; g++) {
			sum += scratch[partials + (first + g) * HEAD_DIM + d];
			e_max = max(e_max, scratch[block_maxima + (first + g) * head_blocks + d / 32u]);
		}
		output[index] = scale_by_power_of_two(sum, e_max - 15);
		return;
	}
	if index >= n {
		return;
	}
	let row = index / (HEADS * SEGMENTS);
	let head = (index / SEGMENTS) % HEADS;
	let segment = index % SEGMENTS;
	let kv_head = head / (HEADS / KV_HEADS);
	let position = positions[row];
	let base = positions[dims.rows + row];
	let first_segment = (row * HEADS + head) * SEGMENTS;
	let lo = segment * SEGMENT;
	if lo > position {
		// Past the row's position: nothing to attend to here.
		if PASS == 0u {
			scratch[index] = NO_SCORE;
			for (var b = 0u; b < head_blocks; b++) {
				scratch[block_maxima + index * head_blocks + b] = 0;
			}
		} else if PASS == 1u {
			scratch[totals + index] = 0;
		} else {
			for (var d = 0u; d < HEAD_DIM; d++) {
				scratch[partials + index * HEAD_DIM + d] = 0;
			}
		}
		return;
	}
	let start = base + lo;
	let end = base + min(position + 1u, lo + SEGMENT);
	quantize_query(row, head);
	if PASS == 0u {
		var max_score = score(kv_head, start);
		for (var j = start + 1u; j < end; j++) {
			max_score = max(max_score, score(kv_head, j));
		}
		scratch[index] = max_score;
		for (var b = 0u; b < head_blocks; b++) {
			var e_max = 0;
			for (var j = start; j < end; j++) {
				e_max = max(e_max, exponents[CACHE_BLOCKS + j * kv_blocks + kv_head * head_blocks + b]);
			}
			scratch[block_maxima + index * head_blocks + b] = e_max;
		}
		return;
	}
	var max_score = NO_SCORE;
	for (var g = 0u; g < SEGMENTS; g++) {
		max_score = max(max_score, scratch[first_segment + g]);
	}
	if PASS == 1u {
		var total = 0u;
		for (var j = start; j < end; j++) {
			total += weight(max_score, score(kv_head, j));
		}
		scratch[totals + index] = bitcast<i32>(total);
		return;
	}
	var total = 0u;
	for (var g = 0u; g < SEGMENTS; g++) {
		total += bitcast<u32>(scratch[totals + first_segment + g]);
	}
	total = max(total, 1u);
	for (var d = 0u; d < HEAD_DIM; d++) {
		acc[d] = 0;
	}
	for (var b = 0u; b < head_blocks; b++) {
		var e_max = 0;
		for (var g = 0u; g < SEGMENTS; g++) {
			e_max = max(e_max, scratch[block_maxima + (first_segment + g) * head_blocks + b]);
		}
		block_max[b] = e_max;
	}
	for (var j = start; j < end; j++) {
		let p = i32((weight(max_score, score(kv_head, j)) << 15u) / total);
		for (var b = 0u; b < head_blocks; b++) {
			let vb = j * kv_blocks + kv_head * head_blocks + b;
			let shift = block_max[b] - exponents[CACHE_BLOCKS + vb];
			for (var w = 0u; w < 16u; w++) {
				let word = v[vb * 16u + w];
				let c = b * 32u + 2u * w;
				acc[c] += floor_shift(p * cached(word, 0u), shift);
				acc[c + 1u] += floor_shift(p * cached(word, 1u), shift);
			}
		}
	}
	for (var d = 0u; d < HEAD_DIM; d++) {
		scratch[partials + index * HEAD_DIM + d] = acc[d];
	}
}
