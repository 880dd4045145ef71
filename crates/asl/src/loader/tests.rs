//! Table tests of the diagnostics, each row citing where its expectation comes from.
