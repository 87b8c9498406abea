//! The keyed counter-based PRNG behind the PoW's weights and inputs (docs/protocol.md §3).
//!
//! `word(key, i)` is a pure function of a 128-bit key and a 32-bit counter, built only from
//! 32-bit wrapping multiplies, xors and shifts — no 64-bit integers, so a WGSL kernel computes it
//! bit for bit — from the `lowbias32` integer hash (constants 0x7feb352d, 0x846ca68b):
//!
//! ```text
//! mix(x)      = x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
//! word(k, i)  = mix(mix(mix(i ^ k0) ^ k1) ^ k2) ^ k3
//! ```
//!
//! Element `e` of a tensor is byte `e mod 4` (little-endian) of `word(key, e / 4)`, read as `i8`.
//! Keys are the first 16 bytes (four little-endian `u32`) of a blake2-256 of the key material:
//! `("sprint/weights", seed, tensor name)` for weights (the same for every host in an epoch),
//! `("sprint/input", seed, account, nonce)` for a nonce's input (the account is bound in, so
//! nobody can reuse another host's work).

use sprint_core::merkle::Hash32;

/// A 128-bit PRNG key.
pub type Key = [u32; 4];

fn mix(mut x: u32) -> u32 {
	x ^= x >> 16;
	x = x.wrapping_mul(0x7feb_352d);
	x ^= x >> 15;
	x = x.wrapping_mul(0x846c_a68b);
	x ^= x >> 16;
	x
}

/// Word `counter` of the stream keyed by `key`.
pub fn word(key: &Key, counter: u32) -> u32 {
	mix(mix(mix(counter ^ key[0]) ^ key[1]) ^ key[2]) ^ key[3]
}

/// Element `index` of the int8 stream keyed by `key`.
pub fn int8_at(key: &Key, index: usize) -> i8 {
	let w = word(key, (index / 4) as u32);
	(w >> (8 * (index % 4))) as u8 as i8
}

/// The first `len` elements of the int8 stream keyed by `key`.
pub fn int8_stream(key: &Key, len: usize) -> Vec<i8> {
	let mut out = Vec::with_capacity(len);
	for counter in 0..len.div_ceil(4) {
		let w = word(key, counter as u32);
		for byte in w.to_le_bytes() {
			if out.len() < len {
				out.push(byte as i8);
			}
		}
	}
	out
}

/// A key from a blake2-256 hash (its first 16 bytes, as four little-endian words).
pub fn key_from_hash(hash: &Hash32) -> Key {
	let mut key = [0u32; 4];
	for (i, k) in key.iter_mut().enumerate() {
		*k = u32::from_le_bytes([hash[4 * i], hash[4 * i + 1], hash[4 * i + 2], hash[4 * i + 3]]);
	}
	key
}

/// The key of weight tensor `name` in the epoch with sprint seed `seed`.
pub fn weight_key(seed: &Hash32, name: &str) -> Key {
	let mut data = Vec::with_capacity(14 + 32 + name.len());
	data.extend_from_slice(b"sprint/weights");
	data.extend_from_slice(seed);
	data.extend_from_slice(name.as_bytes());
	key_from_hash(&blake2_256(&data))
}

/// The key of the input of `(account, nonce)` in the epoch with sprint seed `seed`.
pub fn input_key(seed: &Hash32, account: &Hash32, nonce: u64) -> Key {
	let mut data = Vec::with_capacity(12 + 32 + 32 + 8);
	data.extend_from_slice(b"sprint/input");
	data.extend_from_slice(seed);
	data.extend_from_slice(account);
	data.extend_from_slice(&nonce.to_le_bytes());
	key_from_hash(&blake2_256(&data))
}

/// blake2-256, as the chain computes it.
pub fn blake2_256(data: &[u8]) -> Hash32 {
	polkadot_sdk::sp_crypto_hashing::blake2_256(data)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_stream_is_a_pure_function_of_key_and_index() {
		let key = [1, 2, 3, 4];
		let stream = int8_stream(&key, 1_001);
		assert_eq!(stream.len(), 1_001);
		for (i, v) in stream.iter().enumerate() {
			assert_eq!(int8_at(&key, i), *v);
		}
		assert_ne!(int8_stream(&[1, 2, 3, 5], 64), stream[..64]);
	}

	#[test]
	fn the_words_are_pinned() {
		// Pinned values: any change to the PRNG is a change of the PoW function.
		assert_eq!(mix(0), 0);
		assert_eq!(word(&[0, 0, 0, 0], 1), mix(mix(mix(1))));
		let key = key_from_hash(&[7u8; 32]);
		assert_eq!(key, [0x0707_0707; 4]);
	}

	#[test]
	fn the_bytes_look_uniform() {
		let stream = int8_stream(&weight_key(&[9; 32], "layer0.wq"), 1 << 16);
		let negative = stream.iter().filter(|v| **v < 0).count();
		assert!((30_000..35_500).contains(&negative), "{negative} of 65,536 negative");
		let mean: i64 = stream.iter().map(|v| i64::from(*v)).sum::<i64>() / stream.len() as i64;
		assert!(mean.abs() <= 2, "mean {mean}");
	}
}
