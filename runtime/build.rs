//! Builds the runtime's WASM blob (exported as `WASM_BINARY`) when the `std` feature is on.
//! `SKIP_WASM_BUILD=1` skips it: pallet tests and `cargo check` need only the native runtime.

fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
