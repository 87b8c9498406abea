requires packed_4x8_integer_dot_product;

// Causal attention of one query row and one head per invocation over a sequence's cached keys
// and values (CPU twin and formula: `inference::ops::attention`). The query is quantized per
// block of 32 to 12 bits here; keys and values arrive quantized (12 bits, one exponent per block
// and position). Scores, weights and the weighted sum are recomputed in three passes rather than
// held in memory, so any context fits; the integers are the CPU's.

override HEADS: u32;
override KV_HEADS: u32;
override HEAD_DIM: u32;
// round(2^15 / √HEAD_DIM).
override SCORE_SCALE: i32;

const BITS: u32 = 12u;
const LOG2_E_Q15: i32 = 47274;

@group(0) @binding(0) var<uniform> dims: Dims;
// rows × HEADS·HEAD_DIM.
@group(0) @binding(1) var<storage, read> query: array<i32>;
// Each row's position (it attends to positions 0..=p).
@group(0) @binding(2) var<storage, read> positions: array<u32>;
// Keys and values, positions × KV_HEADS·HEAD_DIM, and their exponents per block.
@group(0) @binding(3) var<storage, read> k: array<i32>;
@group(0) @binding(4) var<storage, read> k_exponent: array<i32>;
@group(0) @binding(5) var<storage, read> v: array<i32>;
@group(0) @binding(6) var<storage, read> v_exponent: array<i32>;
// round(2^16 · 2^(−r/256)), r = 0..256.
@group(0) @binding(7) var<storage, read> exp2: array<u32>;
@group(0) @binding(8) var<storage, read_write> output: array<i32>;

var<private> q: array<i32, 256>;
var<private> q_exponent: array<i32, 8>;

fn score(head: u32, kv_head: u32, j: u32) -> i32 {
	let head_blocks = HEAD_DIM / 32u;
	let kv_blocks = KV_HEADS * head_blocks;
	var s = 0;
	for (var b = 0u; b < head_blocks; b++) {
		let kb = j * kv_blocks + kv_head * head_blocks + b;
		var dot = 0;
		for (var c = 0u; c < 32u; c++) {
			dot += q[b * 32u + c] * k[kb * 32u + c];
		}
		s += mul_shift(dot, SCORE_SCALE, 31 - (q_exponent[b] + k_exponent[kb]));
	}
	return s;
}

fn weight(max_score: i32, s: i32) -> u32 {
	let u = bitcast<u32>(mul_shift(max_score - s, LOG2_E_Q15, 19));
	if u >= 32u * 256u {
		return 0u;
	}
	return exp2[u & 255u] >> (u >> 8u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn llm_attention(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.rows * HEADS {
		return;
	}
	let row = index / HEADS;
	let head = index % HEADS;
	let kv_head = head / (HEADS / KV_HEADS);
	let head_blocks = HEAD_DIM / 32u;
	let kv_blocks = KV_HEADS * head_blocks;
	let width = HEADS * HEAD_DIM;
	let limit = (1i << (BITS - 1u)) - 1i;
	// This head's query, quantized per block as the CPU does (`quantize_block`).
	for (var b = 0u; b < head_blocks; b++) {
		let start = row * width + head * HEAD_DIM + b * 32u;
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
	let positions_seen = positions[row] + 1u;
	var max_score = score(head, kv_head, 0u);
	for (var j = 1u; j < positions_seen; j++) {
		max_score = max(max_score, score(head, kv_head, j));
	}
	var total = 0u;
	for (var j = 0u; j < positions_seen; j++) {
		total += weight(max_score, score(head, kv_head, j));
	}
	total = max(total, 1u);
	for (var b = 0u; b < head_blocks; b++) {
		var e_max = 0;
		for (var j = 0u; j < positions_seen; j++) {
			e_max = max(e_max, v_exponent[j * kv_blocks + kv_head * head_blocks + b]);
		}
		var acc: array<i32, 32>;
		for (var j = 0u; j < positions_seen; j++) {
			let p = i32((weight(max_score, score(head, kv_head, j)) << 15u) / total);
			let vb = j * kv_blocks + kv_head * head_blocks + b;
			let shift = e_max - v_exponent[vb];
			for (var c = 0u; c < 32u; c++) {
				acc[c] += floor_shift(p * v[vb * 32u + c], shift);
			}
		}
		let out = row * width + head * HEAD_DIM + b * 32u;
		for (var c = 0u; c < 32u; c++) {
			output[out + c] = scale_by_power_of_two(acc[c], e_max - 15);
		}
	}
}
