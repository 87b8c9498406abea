requires packed_4x8_integer_dot_product;

// Causal multi-head attention with the integer softmax (CPU twin and formula: attention.rs), one
// invocation per (nonce, head, query position i):
//   s_j     = (Σ_c q[i][c] · k[j][c]) >> SCORE_SHIFT                  (j ≤ i)
//   e_j     = FRAC[t mod 8] >> ⌊t / 8⌋, 0 once ⌊t / 8⌋ ≥ 17,  t = max_j s_j − s_j
//   out[c]  = saturate(trunc(Σ_j e_j · v[j][c] / max(1, Σ_j e_j)))

override SEQ_LEN: u32;
override HEADS: u32;
// head_dim / 4.
override HEAD_WORDS: u32;
override SCORE_SHIFT: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> q: array<u32>;
@group(0) @binding(2) var<storage, read> k: array<u32>;
@group(0) @binding(3) var<storage, read> v: array<u32>;
@group(0) @binding(4) var<storage, read_write> output: array<u32>;

// ModelShape::validate's bound on seq_len.
const MAX_SEQ_LEN: u32 = 128u;

// attention.rs's FRAC: round(65536 · 2^(−r/8)), r = 0..8. A private variable, since it is
// indexed at run time.
var<private> FRAC: array<u32, 8> =
	array<u32, 8>(65536u, 60097u, 55109u, 50535u, 46341u, 42495u, 38968u, 35734u);

fn exp2_neg_eighths(t: u32) -> i32 {
	let whole = t / 8u;
	if whole >= 17u {
		return 0;
	}
	return i32(FRAC[t % 8u] >> min(whole, 31u));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn attention(
	@builtin(global_invocation_id) id: vec3<u32>,
	@builtin(num_workgroups) workgroups: vec3<u32>,
) {
	let index = invocation_index(id, workgroups);
	if index >= dims.nonces * HEADS * SEQ_LEN {
		return;
	}
	let i = index % SEQ_LEN;
	let head = (index / SEQ_LEN) % HEADS;
	let first_row = (index / (SEQ_LEN * HEADS)) * SEQ_LEN;
	let row_words = HEADS * HEAD_WORDS;
	let column = head * HEAD_WORDS;
	let query = (first_row + i) * row_words + column;

	// Scores first, then (in place) their weights.
	var weights: array<i32, MAX_SEQ_LEN>;
	var top = 0i;
	for (var j = 0u; j <= i; j++) {
		let key = (first_row + j) * row_words + column;
		var product = 0i;
		for (var c = 0u; c < HEAD_WORDS; c++) {
			product += dot4I8Packed(q[query + c], k[key + c]);
		}
		let score = product >> SCORE_SHIFT;
		weights[j] = score;
		top = select(max(top, score), score, j == 0u);
	}
	var total = 0i;
	for (var j = 0u; j <= i; j++) {
		// i32 → u32 keeps the bits, as the CPU's `as u32`.
		let weight = exp2_neg_eighths(u32(top - weights[j]));
		weights[j] = weight;
		total += weight;
	}
	let denominator = vec4<i32>(max(total, 1));
	for (var c = 0u; c < HEAD_WORDS; c++) {
		// Σ_j e_j · v[j][c] < 2^16 · 2^7 · 128 = 2^30: no overflow for seq_len ≤ 128.
		var sum = vec4<i32>(0);
		for (var j = 0u; j <= i; j++) {
			sum += weights[j] * unpack(v[(first_row + j) * row_words + column + c]);
		}
		output[query + c] = pack_saturated(sum / denominator);
	}
}
