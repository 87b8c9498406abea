//! pallet-poc's tests, by topic (SPEC.md §2–§4).

mod commit;
mod epochs;
mod registration;
mod secrets;
