//! The execution engine: runs state machines defined by the `asl` core.
//!
//! [`execution::run`] drives one execution in memory on the calling thread's async
//! runtime. Durable executions (issue: the API with the embedded store) will drive the same
//! core step by step, committing each step.

pub mod execution;
pub mod history;
pub mod hub;
pub mod service;
pub mod token;
