// The inference engine's fixed-point helpers (CPU twins: `inference::fixed`), appended to each
// inference kernel. i32 arithmetic wraps; every shift amount is clamped as on the CPU.
//
// Every shift below is by an amount in [0, 31] on every path, taken or not: a driver may run
// both sides of a branch (lavapipe runs lanes in SIMD under masks), and LLVM treats a shift by 32
// or more as poison, which can spoil the side that is kept. Lavapipe gave zeros for
// `scale_by_power_of_two(v, −3)` in a loop before these helpers were written so.

// ⌊v / 2^k⌋ for any k ≥ 0: from 31 on, the sign (0 or −1).
fn floor_shift(v: i32, k: i32) -> i32 {
	return v >> u32(clamp(k, 0, 31));
}

// v / 2^k rounded half up, as ⌊v / 2^k⌋ plus bit k − 1 of v (no overflow); 0 from k = 32 on.
fn round_shift(v: i32, k: u32) -> i32 {
	let s = min(k, 31u);
	let rounded = (v >> s) + ((v >> (max(s, 1u) - 1u)) & 1);
	return select(select(rounded, v, k == 0u), 0, k > 31u);
}

// v · 2^k saturated to ±(2^31 − 1) for k ≥ 0; v / 2^−k rounded half up for k < 0.
fn scale_by_power_of_two(v: i32, k: i32) -> i32 {
	let up = u32(clamp(k, 0, 31));
	let limit = 2147483647 >> up;
	let saturated = select(select(v << up, -2147483647, v < -limit), 2147483647, v > limit);
	return select(round_shift(v, u32(clamp(-k, 0, 32))), saturated, k >= 0);
}

// a + b saturated to the i32 range (Rust's saturating_add).
fn saturating_add(a: i32, b: i32) -> i32 {
	let sum = a + b;
	if a >= 0 && b >= 0 && sum < 0 {
		return 2147483647;
	}
	if a < 0 && b < 0 && sum >= 0 {
		return -2147483647 - 1;
	}
	return sum;
}

// Number of significant bits of n.
fn bit_length(n: u32) -> u32 {
	return 32u - countLeadingZeros(n);
}

// The 64-bit two's complement product of a and b, as (low word, high word), from 16-bit limbs.
fn mul_wide(a: i32, b: i32) -> vec2<u32> {
	let ua = bitcast<u32>(a);
	let ub = bitcast<u32>(b);
	let a0 = ua & 0xFFFFu;
	let a1 = ua >> 16u;
	let b0 = ub & 0xFFFFu;
	let b1 = ub >> 16u;
	let p00 = a0 * b0;
	let p01 = a0 * b1;
	let p10 = a1 * b0;
	let p11 = a1 * b1;
	let mid = p01 + p10;
	// A carry out of the middle sum is worth 2^48: 2^16 in the high word.
	let mid_carry = select(0u, 0x10000u, mid < p01);
	let low = p00 + (mid << 16u);
	let low_carry = select(0u, 1u, low < p00);
	var high = p11 + (mid >> 16u) + mid_carry + low_carry;
	// The unsigned product counts a negative factor as itself + 2^32: take the excess back.
	if a < 0 {
		high -= ub;
	}
	if b < 0 {
		high -= ua;
	}
	return vec2<u32>(low, high);
}

// ⌊a·b / 2^k⌋ for k ≥ 0, a·b·2^−k for k < 0, reduced mod 2^32; k clamped to [−32, 62]
// (the CPU's `mul_shift`, which computes it in i64).
fn mul_shift(a: i32, b: i32, k: i32) -> i32 {
	let p = mul_wide(a, b);
	if k >= 0 {
		let s = u32(clamp(k, 0, 62));
		if s == 0u {
			return bitcast<i32>(p.x);
		}
		if s < 32u {
			return bitcast<i32>((p.x >> (s & 31u)) | (p.y << ((32u - s) & 31u)));
		}
		return bitcast<i32>(p.y) >> min(s - 32u, 31u);
	}
	let s = u32(clamp(-k, 0, 32));
	if s >= 32u {
		return 0;
	}
	return bitcast<i32>(p.x << min(s, 31u));
}

// ⌊√n⌋, exactly: the CPU's digit-by-digit loop, step for step.
fn isqrt(n: u32) -> u32 {
	var root = 0u;
	var bit = 1u << 30u;
	var rest = n;
	while bit > n {
		bit >>= 2u;
	}
	while bit != 0u {
		if rest >= root + bit {
			rest -= root + bit;
			root = (root >> 1u) + bit;
		} else {
			root >>= 1u;
		}
		bit >>= 2u;
	}
	return root;
}
