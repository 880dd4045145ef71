//! The Task state: calls its integration (or answers from a mock), or waits for an activity
//! worker, a callback token or a `.sync` job, and records AWS's task or activity events.

use std::time::Duration;

use asl::definition::{IntegrationPattern, Task};
use asl::errors::{names, Failure};
use integrations::TaskRequest;
use serde_json::Value;

use crate::execution::io::{self, dynamic_seconds};
use crate::execution::run::Run;
use crate::execution::test_state::Seen;
use crate::execution::{Entered, LocalFuture, TokenHub};
use crate::history::EventKind;

/// One attempt of a Task state: `InputPath`, `Parameters`/`Arguments`, the call (or the
/// wait for an activity worker, a callback or a job), and `ResultSelector`.
pub(in crate::execution) async fn attempt(
    run: &Run<'_>,
    task: &Task,
    cx: &Entered<'_>,
    retry_count: u64,
) -> Result<Value, Failure> {
    let (state, frame, entered_ms, entered_id) = (cx.state, cx.frame, cx.entered_ms, cx.entered_id);
    let located = |f: Failure| cx.located(f);
    let record = frame.record;
    let input = run.effective_input(cx).map_err(located)?;
    run.observe(state, Seen::AfterInputPath(&input));
    let mocked = run.mock_answer(&state.name);
    let pattern = match run.tokens {
        _ if mocked.is_some() => Pattern::Mocked {
            activity: is_activity(&task.resource),
        },
        // TestState calls the integration once and waits for nothing.
        _ if run.probe.is_some() => Pattern::RequestResponse,
        Some(tokens) if is_activity(&task.resource) => Pattern::Activity(tokens),
        Some(tokens) if task.pattern() == IntegrationPattern::Callback => Pattern::Callback(tokens),
        _ if matches!(task.pattern(), IntegrationPattern::Job | IntegrationPattern::JobJson) => Pattern::Job,
        _ => Pattern::RequestResponse,
    };
    let mint = || match run.tokens {
        Some(tokens) => tokens.task_token(&run.spec.execution_arn, entered_id, retry_count),
        // No hub, so nothing can answer the token: it only needs to be stable.
        None => crate::token::encode(
            &crate::token::TokenKey::unanswerable(),
            &crate::token::TaskRef {
                execution_arn: run.spec.execution_arn.clone(),
                entered_event: entered_id,
                attempt: retry_count,
            },
        ),
    };
    let token = match pattern {
        Pattern::RequestResponse | Pattern::Job => None,
        // Step Functions Local hands a mocked callback task a token too, so parameters
        // that pass `$$.Task.Token` on evaluate as they would for real.
        Pattern::Mocked { activity } => (activity || task.pattern() == IntegrationPattern::Callback).then(mint),
        Pattern::Activity(_) | Pattern::Callback(_) => Some(mint()),
    };
    let parameters = {
        let mut scope = run.scope(frame, &input, state, entered_ms, Some(retry_count));
        scope.task_token = token.as_deref();
        match &task.parameters {
            Some(p) => p.evaluate(&scope).map_err(located)?,
            None => input.as_ref().clone(),
        }
    };
    run.observe(state, Seen::TaskParameters(&parameters));
    let (resource_type, resource) = split_resource(&task.resource);
    let (timeout, heartbeat) = {
        let scope = run.scope(frame, &input, state, entered_ms, Some(retry_count));
        let timeout = dynamic_seconds(task.timeout_seconds.as_ref(), &scope, "TimeoutSecondsPath").map_err(located)?;
        let heartbeat =
            dynamic_seconds(task.heartbeat_seconds.as_ref(), &scope, "HeartbeatSecondsPath").map_err(located)?;
        (timeout, heartbeat)
    };
    let token = token.unwrap_or_default();
    // A service task, mocked or real, records that it was scheduled and started.
    let task_started = || {
        run.emit(record, || EventKind::TaskScheduled {
            resource_type: resource_type.clone(),
            resource: resource.clone(),
            region: run.spec.region.clone(),
            parameters: parameters.clone(),
            timeout,
            heartbeat,
        });
        run.emit(record, || EventKind::TaskStarted {
            resource_type: resource_type.clone(),
            resource: resource.clone(),
        });
    };
    let invocation: LocalFuture<'_, Result<Value, Failure>> = match (mocked, pattern) {
        // A mocked task records the events a real one of its kind records up to its
        // result, which the mock gives at once: no worker or callback is waited for
        // (Step Functions Local), and there is no `TaskSubmitted`, since nothing was
        // submitted.
        (Some(answer), Pattern::Mocked { activity: true }) => {
            run.emit(record, || EventKind::ActivityScheduled {
                resource: task.resource.clone(),
                input: parameters.clone(),
                timeout,
                heartbeat,
            });
            run.emit(record, || EventKind::ActivityStarted { worker_name: None });
            Box::pin(std::future::ready(answer))
        }
        (Some(answer), _) => {
            task_started();
            Box::pin(std::future::ready(answer))
        }
        (None, Pattern::Activity(tokens)) => {
            if !tokens.activity_exists(&task.resource) {
                // Recorded (activities test_activity_task_on_deleted): a States.Runtime
                // failure of the state, with no ActivityScheduled event.
                return Err(located(Failure::new(
                    names::RUNTIME,
                    format!("The activity {} does not exist.", task.resource),
                )));
            }
            run.emit(record, || EventKind::ActivityScheduled {
                resource: task.resource.clone(),
                input: parameters.clone(),
                timeout,
                heartbeat,
            });
            Box::pin(async {
                run.publish().await;
                let worker_name = tokens.schedule_activity(&task.resource, &token, &parameters).await?;
                run.emit(record, || EventKind::ActivityStarted { worker_name });
                run.publish().await;
                tokens.wait_token(&token, heartbeat).await
            })
        }
        (None, _) => {
            task_started();
            let request = TaskRequest {
                resource: task.resource.clone(),
                parameters: parameters.clone(),
                state_name: state.name.clone(),
                state_machine_name: run.spec.state_machine_name.clone(),
                execution_arn: run.spec.execution_arn.clone(),
                state_machine_arn: run.spec.state_machine_arn.clone(),
                entered_event: entered_id,
                retry_count,
            };
            let call = run.integration.invoke(request.clone());
            match pattern {
                Pattern::Job => Box::pin(async {
                    let submitted = call.await?;
                    match run.integration.run_job(request, &submitted) {
                        Some(job) => {
                            run.emit(record, || EventKind::TaskSubmitted {
                                resource_type: resource_type.clone(),
                                resource: resource.clone(),
                                output: submitted,
                            });
                            run.publish().await;
                            job.await
                        }
                        None => Ok(submitted),
                    }
                }),
                Pattern::Callback(tokens) => Box::pin(async {
                    let output = call.await?;
                    run.emit(record, || EventKind::TaskSubmitted {
                        resource_type: resource_type.clone(),
                        resource: resource.clone(),
                        output,
                    });
                    run.publish().await;
                    tokens.wait_token(&token, heartbeat).await
                }),
                _ => call,
            }
        }
    };
    let outcome = match timeout {
        Some(seconds) => {
            // Not scaled by `wait_scale`: a task's time-out bounds work done outside the
            // run (an activity worker, a callback), which no scale speeds up.
            let limit = Duration::from_secs(seconds);
            tokio::time::timeout(limit, invocation)
                .await
                .unwrap_or_else(|_| Err(Failure::without_cause(names::TIMEOUT)))
        }
        None => invocation.await,
    };
    let activity = matches!(pattern, Pattern::Activity(_) | Pattern::Mocked { activity: true });
    match outcome {
        Ok(result) => {
            run.observe(state, Seen::TaskResult(&result));
            if activity {
                run.emit(record, || EventKind::ActivitySucceeded { output: result.clone() });
            } else {
                run.emit(record, || EventKind::TaskSucceeded {
                    resource_type,
                    resource,
                    output: result.clone(),
                });
            }
            if io::exceeds(&result, run.options.max_payload_bytes) {
                return Err(io::too_large(state));
            }
            let scope = run.scope(frame, &result, state, entered_ms, Some(retry_count));
            match &task.result_selector {
                Some(selector) => selector.evaluate(&scope).map_err(located),
                None => Ok(result.clone()),
            }
        }
        Err(failure) => {
            let timed_out = failure.error == names::TIMEOUT || failure.error == names::HEARTBEAT_TIMEOUT;
            let error = Some(failure.error.clone());
            let cause = failure.cause.clone();
            run.emit(record, || match (activity, timed_out) {
                (true, _) => EventKind::ActivityEnded {
                    timed_out,
                    error,
                    cause,
                },
                (false, true) => EventKind::TaskTimedOut {
                    resource_type,
                    resource,
                    error,
                    cause,
                },
                (false, false) => EventKind::TaskFailed {
                    resource_type,
                    resource,
                    error,
                    cause,
                },
            });
            Err(failure)
        }
    }
}

/// How a Task hands out its work (Developer Guide, "Service integration patterns").
#[derive(Clone, Copy)]
enum Pattern<'a> {
    RequestResponse,
    /// `.sync`/`.sync:2`: the call starts a job, then the task waits for the job.
    Job,
    /// `.waitForTaskToken`: the call goes out, then the task waits for its token.
    Callback(&'a dyn TokenHub),
    Activity(&'a dyn TokenHub),
    /// Answered by the run's mock test case; `activity` picks the events to record.
    Mocked {
        activity: bool,
    },
}

/// `arn:aws:states:<region>:<account>:activity:<name>`.
fn is_activity(resource: &str) -> bool {
    resource.split(':').nth(5) == Some("activity")
}

/// Split a Task `Resource` into the `resourceType` and `resource` AWS shows in task events.
fn split_resource(resource: &str) -> (String, String) {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        if let Some((kind, action)) = rest.rsplit_once(':') {
            return (kind.to_owned(), action.to_owned());
        }
        return (rest.to_owned(), String::new());
    }
    let service = resource.split(':').nth(2).unwrap_or_default();
    (service.to_owned(), resource.to_owned())
}
