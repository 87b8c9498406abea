//! The runtime's integration tests, one test binary: each module is one topic, all of them on the
//! real runtime (`sprint_runtime::Runtime`), the genesis presets built by its WASM.

mod common;

mod audit;
mod capacity;
mod carbon;
mod fees;
mod genesis;
mod governance;
mod hook_work;
mod priority;
mod upgrade;
mod vesting;
