//! The execution engine.
