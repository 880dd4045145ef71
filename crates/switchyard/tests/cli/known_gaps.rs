//! Where switchyard differs from AWS today. Each test asserts today's behaviour so the suite
//! stays green, and says in a `FIXME(aws)` comment what AWS does; when the engine is fixed,
//! the test fails and moves to its proper module with AWS's expectation.
