//! The Amazon States Language core.
//!
//! Everything AWS Step Functions decides about a state machine lives here as pure
//! functions over data: parsing and validating definitions, JSONPath, intrinsic functions,
//! Choice rules (`choice`), which retrier or catcher handles a failure and after what
//! delay (`recovery`), and a Map state's limits and tolerated-failure verdict
//! (`map_limits`). The engine carries these decisions out. The crate performs no I/O, reads no
//! clock and draws no randomness: the engine passes time, ids and random numbers in.

pub mod budget;
pub mod choice;
pub mod definition;
pub mod errors;
pub mod intrinsics;
pub mod jsonata;
pub mod loader;
pub mod map_limits;
pub mod path;
pub mod recovery;
pub mod template;
