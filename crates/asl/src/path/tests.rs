//! Table tests for the JSONPath dialect.
