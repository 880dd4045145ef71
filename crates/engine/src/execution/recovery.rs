//! Running the attempts of a Task, Parallel or Map state under its `Retry` and `Catch`
//! fields: `asl::recovery` decides (which retrier, what delay, which catcher); this module
//! waits, runs again, or hands the failure to the catcher. Under TestState the verdict is
//! reported to the probe instead of carried out.

use std::cell::RefCell;
use std::future::Future;

use asl::definition::{Catcher, QueryLanguage, Transition};
use asl::errors::Failure;
use asl::recovery::{self as decide, Verdict};
use serde_json::Value;

use super::io::apply_result_path;
use super::run::Run;
use super::{Assigned, Completed, Entered};
use crate::history::EventKind;

/// Run attempts of the state `cx` until one succeeds, the retriers are spent, or a catcher
/// takes the failure. `failed` is the event a Map or Parallel state records once it has
/// failed for good.
pub(super) async fn run<F, Fut>(
    run: &Run<'_>,
    cx: &Entered<'_>,
    failed: Option<EventKind>,
    attempt: F,
) -> Result<Completed, Failure>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<Value, Failure>>,
{
    let state = cx.state;
    let Some(recovery) = state.kind.recovery() else {
        unreachable!("recovery::run runs only Task, Parallel and Map states")
    };
    // TestState starts where its `stateConfiguration` says the retrier stands.
    let first = run.probe.map_or(0, |p| p.retry_count());
    let mut attempts = vec![first; recovery.retry.len()];
    let mut retry_count = first;
    let (failure, verdict) = loop {
        let failure = match attempt(retry_count).await {
            Ok(result) => {
                let entered = Entered {
                    state: cx.state,
                    raw_input: cx.raw_input.clone(),
                    frame: cx.frame,
                    entered_ms: cx.entered_ms,
                    entered_id: cx.entered_id,
                    prefix_errors: cx.prefix_errors,
                    resumed: RefCell::new(None),
                };
                let (assigned, output) = run.complete(entered, result, recovery.result_path)?;
                return Ok(Completed {
                    transition: recovery.transition,
                    output,
                    assigned,
                });
            }
            Err(failure) => failure,
        };
        let verdict = decide::decide(recovery.retry, recovery.catch, &failure, |i| attempts[i]);
        match verdict {
            Verdict::Retry { retrier, delay_seconds } if run.probe.is_none() => {
                let mut delay = delay_seconds;
                if decide::needs_random(&recovery.retry[retrier]) {
                    delay = decide::jittered(delay, run.next_random());
                }
                attempts[retrier] += 1;
                retry_count += 1;
                run.sleep_ms((delay * 1000.0) as i64).await;
            }
            verdict => break (failure, verdict),
        }
    };
    if let Some(probe) = run.probe {
        probe.verdict(&failure, &verdict);
    }
    // A Map or Parallel state records its failure only once no retrier will run it again.
    run.record_evaluation_failure(cx.frame.record, state, &failure, cx.entered_id);
    if let Some(event) = failed.filter(|_| !decide::is_terminal(&failure)) {
        if !matches!(verdict, Verdict::Retry { .. }) {
            run.emit(cx.frame.record, || event);
        }
    }
    let Verdict::Catch { catcher, .. } = verdict else {
        return Err(failure);
    };
    let catcher = &recovery.catch[catcher];
    let (assigned, output) = caught_output(run, cx, catcher, &failure).map_err(|f| cx.located(f))?;
    Ok(Completed {
        transition: Transition::Next(catcher.next),
        output,
        assigned,
    })
}

/// The variables a Catcher assigns and the output it passes to its `Next` state.
fn caught_output(
    run: &Run<'_>,
    cx: &Entered<'_>,
    catcher: &Catcher,
    failure: &Failure,
) -> Result<(Assigned, Value), Failure> {
    let state = cx.state;
    let error_output = failure.to_output();
    if state.query_language == QueryLanguage::Jsonata {
        let scope = run
            .scope(cx.frame, &cx.raw_input, state, cx.entered_ms, None)
            .with_error_output(&error_output);
        let assigned = run.assign(catcher.assign.as_ref(), &scope)?;
        let output = match &catcher.output {
            Some(template) => template.evaluate(&scope)?,
            None => error_output.clone(),
        };
        return Ok((assigned, output));
    }
    let assigned = {
        let scope = run.scope(cx.frame, &error_output, state, cx.entered_ms, None);
        run.assign(catcher.assign.as_ref(), &scope)?
    };
    let output = apply_result_path(cx.raw_input.clone(), error_output, &catcher.result_path)?;
    Ok((assigned, output))
}
