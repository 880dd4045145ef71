//! Integration tests for `switchyard serve`: the built binary is started on a free port and
//! driven through the AWS SDK for Rust (and, in `cli_walkthrough`, the AWS CLI), as a user
//! of AWS Step Functions would drive it. Each test starts its own server with its own data
//! directory; `durability` kills one with SIGKILL and starts it again on the same directory.

mod activities;
mod aws;
mod aws_jobs;
mod cli_walkthrough;
mod durability;
mod exactly_once;
mod executions;
mod hostile_input;
mod http_task;
mod machines;
mod map_runs;
mod mocks;
mod moto;
mod nested;
mod nested_crash;
mod security;
mod support;
mod versions;
