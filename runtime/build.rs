//! Builds the runtime's WASM blob (exported as `WASM_BINARY`) when the `std` feature is on, and a
//! second variant one `spec_version` later (the `upgrade-test` feature, exported as
//! `upgrade_test::WASM_BINARY`) for the forkless-upgrade test on the local net. Both come from one
//! WASM workspace: the feature changes only this crate, so the variant reuses every dependency
//! the first build compiled and costs one more compile of the runtime itself.
//!
//! `SKIP_WASM_BUILD=1` skips both: pallet tests and `cargo check` need only the native runtime.

fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.set_file_name("sprint_runtime_upgrade_test")
			.enable_feature("upgrade-test")
			.build();
	}
}
