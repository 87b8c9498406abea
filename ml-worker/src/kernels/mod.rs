//! The PoW's integer ops (docs/protocol.md §3), one file each. Each `.rs` file holds the op's CPU
//! twin — the definition, on ndarray, with its formula written out — and the `.wgsl` file beside it
//! the GPU kernel that must match it bit for bit ([`gpu`] dispatches them). Every value is an
//! integer; sums are i32 with wrapping adds (order-independent), never 64-bit (not portable in
//! WGSL); int8 activations stay in [-127, 127].

pub mod activation;
pub mod attention;
pub mod gpu;
pub mod matmul;
pub mod rmsnorm;

/// Saturates an i32 to the int8 activation range [-127, 127].
pub fn saturate(x: i32) -> i8 {
	x.clamp(-127, 127) as i8
}
