//! The command-line settings of the workflow-variable size limits, shared by `run` and
//! `serve`. AWS's quotas are the defaults; raising them lets a workflow that exceeds them run
//! locally (a test of the rest of its logic) where AWS would fail it.

use clap::Args;

/// Workflow-variable size limits (Developer Guide, "Passing data between states with
/// variables": 256 KiB per variable and per `Assign`, 10 MiB per execution).
#[derive(Args, Clone, Debug)]
pub(crate) struct VariableLimitArgs {
    /// The largest workflow variable, and the largest `Assign` (all its variables together),
    /// in bytes of JSON text (AWS: 256 KiB).
    #[arg(long, env = "SWITCHYARD_MAX_VARIABLE_BYTES", default_value_t = 256 * 1024)]
    max_variable_bytes: usize,
    /// The most bytes all the variables of one execution may hold together (AWS: 10 MiB).
    #[arg(long, env = "SWITCHYARD_MAX_EXECUTION_VARIABLE_BYTES", default_value_t = 10 * 1024 * 1024)]
    max_execution_variable_bytes: usize,
}

impl VariableLimitArgs {
    pub(crate) fn limits(&self) -> engine::execution::VariableLimits {
        engine::execution::VariableLimits {
            max_variable_bytes: self.max_variable_bytes,
            max_execution_bytes: self.max_execution_variable_bytes,
        }
    }
}
