//! The backend choice when wgpu finds no adapter: `auto` falls back to the CPU reference (with a
//! loud warning), `gpu` refuses to start and says what to install. Its own test binary, because
//! it narrows `WGPU_BACKEND` for the whole process.

use sprint_worker::{config::BackendChoice, sprint::backend::Backend};

#[test]
fn without_an_adapter_auto_falls_back_to_the_cpu_and_gpu_refuses() {
	// Metal exists only on Apple platforms: on this machine no adapter can match.
	if cfg!(target_vendor = "apple") {
		return;
	}
	std::env::set_var("WGPU_BACKEND", "metal");
	let auto = Backend::choose(BackendChoice::Auto, 2).expect("auto always has a backend");
	assert!(matches!(auto, Backend::Cpu { threads: 2 }), "{}", auto.describe());
	let Err(error) = Backend::choose(BackendChoice::Gpu, 1) else {
		panic!("--backend gpu must not start without an adapter");
	};
	let message = error.to_string();
	assert!(
		message.contains("mesa-vulkan-drivers") && message.contains("--backend cpu"),
		"{message}"
	);
	assert!(matches!(Backend::choose(BackendChoice::Cpu, 1), Ok(Backend::Cpu { threads: 1 })));
}
