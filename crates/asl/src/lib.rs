//! The Amazon States Language core.
//!
//! Everything AWS Step Functions decides about a state machine lives here as pure
//! functions over data: parsing and validating definitions, JSONPath, intrinsic functions,
//! Choice rules, and the decisions of each state type. The crate performs no I/O, reads no
//! clock and draws no randomness: the engine passes time, ids and random numbers in.

pub mod budget;
pub mod choice;
pub mod definition;
pub mod errors;
pub mod intrinsics;
pub mod jsonata;
pub mod loader;
pub mod path;
pub mod template;
