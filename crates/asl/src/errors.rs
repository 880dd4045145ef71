//! Runtime errors as ASL names them, and the rules for matching them in Retry and Catch.

use std::fmt;

/// An error raised while running a state: an ASL error name and a cause text.
///
/// This is the value that Retry and Catch match on, that a Catch hands on as
/// `{"Error": ..., "Cause": ...}`, and that ends an execution with `ExecutionFailed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    /// `None` when the error has no cause at all (a Fail state without `Cause`), which
    /// history events show by leaving the field out.
    pub cause: Option<String>,
    /// For a failed JSONata evaluation, the field it was in (`Output/result`), which AWS
    /// reports in the `EvaluationFailed` event.
    pub location: Option<String>,
    /// The state whose own evaluation raised the failure, when the engine knows it; `None`
    /// for a failure passed up from a Map iteration or Parallel branch, or raised outside
    /// any state.
    pub origin: Option<Origin>,
}

/// Which state raised a failure: its name and the id of the event that entered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub state: String,
    pub entered_event: u64,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            cause: Some(cause.into()),
            location: None,
            origin: None,
        }
    }

    /// An error without a cause (a time-out, a Fail state without `Cause`).
    pub fn without_cause(error: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            cause: None,
            location: None,
            origin: None,
        }
    }

    /// Whether the state `state`, entered at event `entered_event`, raised this failure.
    pub fn raised_by(&self, state: &str, entered_event: u64) -> bool {
        self.origin
            .as_ref()
            .is_some_and(|o| o.state == state && o.entered_event == entered_event)
    }

    /// A `States.Runtime` error: a path, type or value problem found while running a state.
    pub fn runtime(cause: impl Into<String>) -> Failure {
        Failure::new(names::RUNTIME, cause)
    }

    /// Whether a Retry or Catch entry with this `ErrorEquals` list handles the error.
    ///
    /// `States.ALL` matches every error except `States.DataLimitExceeded` and
    /// `States.Runtime`, which AWS never retries or catches through the wildcard
    /// (Developer Guide, "Error handling in Step Functions"). `States.TaskFailed` matches
    /// every error a task raises except `States.Timeout`.
    pub fn matches(&self, error_equals: &[String]) -> bool {
        error_equals.iter().any(|name| match name.as_str() {
            names::ALL => !matches!(self.error.as_str(), names::DATA_LIMIT_EXCEEDED | names::RUNTIME),
            names::TASK_FAILED => {
                self.error == names::TASK_FAILED || !(self.error.starts_with("States.") || self.error == names::TIMEOUT)
            }
            other => other == self.error,
        })
    }

    /// The JSON a Catch passes on to its handler.
    pub fn to_output(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("Error".into(), self.error.clone().into());
        if let Some(cause) = &self.cause {
            map.insert("Cause".into(), cause.clone().into());
        }
        serde_json::Value::Object(map)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {}", self.error, cause),
            None => f.write_str(&self.error),
        }
    }
}

/// The predefined error names (ASL specification, "Errors").
pub mod names {
    pub const ALL: &str = "States.ALL";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const PERMISSIONS: &str = "States.Permissions";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const RUNTIME: &str = "States.Runtime";
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";

    /// Every predefined name, for validating `ErrorEquals` lists.
    pub const PREDEFINED: &[&str] = &[
        ALL,
        HEARTBEAT_TIMEOUT,
        TIMEOUT,
        TASK_FAILED,
        PERMISSIONS,
        RESULT_PATH_MATCH_FAILURE,
        PARAMETER_PATH_FAILURE,
        BRANCH_FAILED,
        NO_CHOICE_MATCHED,
        INTRINSIC_FAILURE,
        EXCEED_TOLERATED_FAILURE_THRESHOLD,
        ITEM_READER_FAILED,
        RESULT_WRITER_FAILED,
        DATA_LIMIT_EXCEEDED,
        RUNTIME,
        QUERY_EVALUATION_ERROR,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    // Developer Guide, "Error handling in Step Functions": States.ALL is a wildcard that
    // matches any known error name, but States.Runtime and States.DataLimitExceeded are
    // terminal and cannot be caught by it.
    #[test]
    fn states_all_matching_rules() {
        let cases = [
            ("States.Timeout", true),
            ("States.TaskFailed", true),
            ("States.BranchFailed", true),
            ("MyError", true),
            ("States.Runtime", false),
            ("States.DataLimitExceeded", false),
        ];
        for (error, expected) in cases {
            assert_eq!(
                Failure::new(error, "c").matches(&list(&["States.ALL"])),
                expected,
                "{error}"
            );
        }
    }

    #[test]
    fn named_errors_match_exactly() {
        let f = Failure::new("States.Runtime", "x");
        assert!(f.matches(&list(&["States.Runtime"])));
        assert!(!f.matches(&list(&["States.Timeout", "Other"])));
        assert!(Failure::new("Custom", "x").matches(&list(&["Other", "Custom"])));
    }

    // "States.TaskFailed: A Task state failed during the execution. When used in a retry or
    // catch, States.TaskFailed acts as a wildcard that matches any known error name except
    // for States.Timeout."
    #[test]
    fn task_failed_is_a_wildcard_for_task_errors() {
        let tf = list(&["States.TaskFailed"]);
        assert!(Failure::new("Lambda.ServiceException", "x").matches(&tf));
        assert!(Failure::new("States.TaskFailed", "x").matches(&tf));
        assert!(!Failure::new("States.Timeout", "x").matches(&tf));
    }

    #[test]
    fn catch_output_omits_missing_cause() {
        let f = Failure::without_cause("E");
        assert_eq!(f.to_output(), serde_json::json!({"Error": "E"}));
        assert_eq!(
            Failure::new("E", "C").to_output(),
            serde_json::json!({"Error": "E", "Cause": "C"})
        );
    }
}
