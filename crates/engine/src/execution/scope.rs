//! The [`Scope`] a state's paths, templates and JSONata expressions see: its input, the
//! Context object (`$$`, built only when asked for), workflow variables, and JSONata's
//! `$states.result` / `$states.errorOutput`.

use std::cell::OnceCell;

use asl::definition::{QueryLanguage, State};
use asl::template::Scope;
use serde_json::{json, Map as JsonMap, Value};

use super::frame::Frame;
use super::iso_millis;
use super::run::Run;

/// The [`Scope`] of one state: its input, the lazily built Context object and variables.
pub(super) struct StateScope<'r, 'a> {
    pub(super) run: &'r Run<'a>,
    pub(super) frame: &'r Frame,
    pub(super) input: &'r Value,
    pub(super) state_name: &'r str,
    pub(super) entered_ms: i64,
    pub(super) retry_count: Option<u64>,
    pub(super) map_item: Option<(usize, &'r Value)>,
    pub(super) context: OnceCell<Value>,
    /// `$states.result` of a JSONata `Output`/`Assign`.
    pub(super) result: Option<&'r Value>,
    /// `$states.errorOutput` of a JSONata Catch.
    pub(super) error_output: Option<&'r Value>,
    /// `$$.Task.Token` of a callback or activity task.
    pub(super) task_token: Option<&'r str>,
}

impl<'r> StateScope<'r, '_> {
    pub(super) fn with_result(mut self, result: &'r Value) -> Self {
        self.result = Some(result);
        self
    }

    pub(super) fn with_error_output(mut self, error_output: &'r Value) -> Self {
        self.error_output = Some(error_output);
        self
    }
}

impl Scope for StateScope<'_, '_> {
    fn input(&self) -> &Value {
        self.input
    }

    fn context(&self) -> &Value {
        self.context.get_or_init(|| {
            if let Some(probe) = self.run.probe {
                return probe.context().clone();
            }
            let spec = self.run.spec;
            let mut state = JsonMap::new();
            state.insert("Name".into(), self.state_name.into());
            state.insert("EnteredTime".into(), iso_millis(self.entered_ms).into());
            if let Some(r) = self.retry_count {
                state.insert("RetryCount".into(), r.into());
            }
            let mut context = json!({
                "Execution": {
                    "Id": spec.execution_arn,
                    "Input": spec.input.value(),
                    "StartTime": self.run.start_time,
                    "Name": spec.execution_name,
                    "RoleArn": spec.role_arn,
                    "RedriveCount": 0,
                },
                "StateMachine": {"Id": spec.state_machine_arn, "Name": spec.state_machine_name},
                "State": Value::Object(state),
            });
            if let Some((index, value)) = self.map_item {
                context["Map"] = json!({"Item": {"Index": index, "Value": value}});
            }
            if let Some(token) = self.task_token {
                context["Task"] = json!({ "Token": token });
            }
            context
        })
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.frame.lookup(name)
    }

    fn result(&self) -> Option<&Value> {
        self.result
    }

    fn error_output(&self) -> Option<&Value> {
        self.error_output
    }

    fn random_u64(&self) -> u64 {
        self.run.next_random()
    }

    fn max_payload_bytes(&self) -> usize {
        self.run.options.max_payload_bytes
    }
}

impl<'a> Run<'a> {
    pub(super) fn scope<'r>(
        &'r self,
        frame: &'r Frame,
        input: &'r Value,
        state: &'r State,
        entered_ms: i64,
        retry_count: Option<u64>,
    ) -> StateScope<'r, 'a> {
        StateScope {
            run: self,
            frame,
            input,
            state_name: &state.name,
            entered_ms,
            retry_count,
            map_item: frame.map_item.as_ref().map(|(i, v)| (*i, v)),
            context: OnceCell::new(),
            result: None,
            error_output: None,
            task_token: None,
        }
    }

    /// The scope of `Assign` once a state has its result: in JSONPath `$` is the result; in
    /// JSONata `$states.input` is the state's input and `$states.result` the result.
    pub(super) fn result_scope<'r>(
        &'r self,
        frame: &'r Frame,
        raw_input: &'r Value,
        result: &'r Value,
        state: &'r State,
        entered_ms: i64,
    ) -> StateScope<'r, 'a> {
        match state.query_language {
            QueryLanguage::JsonPath => self.scope(frame, result, state, entered_ms, None),
            QueryLanguage::Jsonata => self
                .scope(frame, raw_input, state, entered_ms, None)
                .with_result(result),
        }
    }
}
