//! The build script makes two WASM blobs: the runtime itself, at this crate's `VERSION`, and the
//! forkless-upgrade test's variant one `spec_version` later. A mix-up would put the test's runtime
//! on a chain, or make the upgrade test upgrade to the same version.

use codec::Decode;
use polkadot_sdk::sp_version::RuntimeVersion;

/// The `runtime_version` custom section of an uncompressed WASM module, decoded. (The section
/// leaves the API list out, so the fields that plain decoding infers from the `Core` API's version,
/// `transaction_version` among them, are not what the runtime says: compare names and versions.)
fn embedded_version(wasm: &[u8]) -> RuntimeVersion {
	fn leb128(bytes: &[u8], at: &mut usize) -> usize {
		let (mut value, mut shift) = (0usize, 0);
		loop {
			let byte = bytes[*at];
			*at += 1;
			value |= usize::from(byte & 0x7f) << shift;
			if byte & 0x80 == 0 {
				return value;
			}
			shift += 7;
		}
	}
	assert_eq!(&wasm[..4], b"\0asm", "not an uncompressed WASM module");
	let mut at = 8;
	while at < wasm.len() {
		let id = wasm[at];
		at += 1;
		let size = leb128(wasm, &mut at);
		let end = at + size;
		if id == 0 {
			let mut name_at = at;
			let name_len = leb128(wasm, &mut name_at);
			if &wasm[name_at..name_at + name_len] == b"runtime_version" {
				let mut content = &wasm[name_at + name_len..end];
				return RuntimeVersion::decode(&mut content).expect("runtime_version decodes");
			}
		}
		at = end;
	}
	panic!("no runtime_version section in the WASM module");
}

#[test]
fn the_runtime_blob_carries_this_crates_version() {
	let wasm = sprint_runtime::WASM_BINARY_BLOATY.expect("WASM runtime built");
	let version = embedded_version(wasm);
	assert_eq!(version.spec_name, sprint_runtime::VERSION.spec_name);
	assert_eq!(version.spec_version, sprint_runtime::VERSION.spec_version);
}

#[test]
fn the_upgrade_test_blob_is_the_same_runtime_one_spec_version_later() {
	let wasm = sprint_runtime::upgrade_test::WASM_BINARY_BLOATY.expect("upgrade WASM built");
	let version = embedded_version(wasm);
	assert_eq!(version.spec_name, sprint_runtime::VERSION.spec_name);
	assert_eq!(version.spec_version, sprint_runtime::VERSION.spec_version + 1);
	assert_eq!(version.impl_name, sprint_runtime::VERSION.impl_name);
	let path = sprint_runtime::upgrade_test::WASM_BINARY_PATH.expect("upgrade WASM built");
	assert!(path.ends_with("sprint_runtime_upgrade_test.compact.compressed.wasm"), "{path}");
	assert_ne!(sprint_runtime::upgrade_test::WASM_BINARY, sprint_runtime::WASM_BINARY);
}
