//! The worker's engines tested through its library, one test binary: the GPU kernels and passes
//! against their CPU twins (`gpu`), the inference engine on small models the tests write
//! (`inference`), and on the real SmolLM2 (`smollm2`). The backend fallback test narrows
//! `WGPU_BACKEND` for its whole process, so it stays a binary of its own (`tests/fallback.rs`).

mod gpu;
mod inference;
mod smollm2;
