//! One module per state type. `super::Run::dispatch` hands each state to its module; a
//! module does its state's whole work, calling `io` for input/output processing and
//! `recovery` (through the dispatch) for Retry and Catch.

pub(super) mod choice;
pub(super) mod fail;
pub(super) mod map;
pub(super) mod parallel;
pub(super) mod pass;
pub(super) mod succeed;
pub(super) mod task;
pub(super) mod wait;
