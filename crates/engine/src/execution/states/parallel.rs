//! The Parallel state: runs each branch on its own copy of the input, concurrently on the
//! execution's thread; the first failure stops the others. The result is the branches'
//! outputs in branch order.

use std::collections::BTreeMap;
use std::rc::Rc;

use asl::definition::Parallel;
use asl::errors::Failure;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::execution::frame::Frame;
use crate::execution::progress::{has_resume_point, Child, Inside, Nested, Tracker};
use crate::execution::run::Run;
use crate::execution::Entered;
use crate::history::EventKind;

/// One attempt of a Parallel state: `InputPath`, `Parameters`, the branches, and
/// `ResultSelector`.
pub(in crate::execution) async fn attempt(
    run: &Run<'_>,
    parallel: &Parallel,
    cx: &Entered<'_>,
) -> Result<Value, Failure> {
    let (state, frame) = (cx.state, cx.frame);
    let record = frame.record;
    // TestState reports no `afterInputPath` for a Parallel state (as recorded from AWS).
    let input = run.effective_input(cx).map_err(|f| cx.located(f))?;
    let branch_input = match &parallel.parameters {
        Some(p) => p
            .evaluate(&run.scope(frame, &input, state, cx.entered_ms, None))
            .map_err(|f| cx.located(f))?,
        None => input.into_owned(),
    };
    let resumed = cx.resumed.take();
    if resumed.is_none() {
        run.emit(record, || EventKind::ParallelStateStarted);
    }
    let result = match run.probe {
        // TestState never runs the branches: their result is the mock's.
        Some(probe) => probe.children_result()?,
        None => Value::Array(branches(run, parallel, cx, branch_input, resumed).await?),
    };
    run.emit_after_last(record, || EventKind::ParallelStateSucceeded);
    match &parallel.result_selector {
        Some(selector) => selector
            .evaluate(&run.scope(frame, &result, state, cx.entered_ms, None))
            .map_err(|f| cx.located(f)),
        None => Ok(result),
    }
}

/// Run every branch; their outputs in branch order, or the first failure. A resumed
/// attempt skips the branches that had finished and re-enters the running ones where they
/// stood.
async fn branches(
    run: &Run<'_>,
    parallel: &Parallel,
    cx: &Entered<'_>,
    input: Value,
    resumed: Option<Inside>,
) -> Result<Vec<Value>, Failure> {
    let frame = cx.frame;
    // A durable run commits each branch's progress when branches can wait.
    let tracker =
        (run.observer.is_some() && frame.progress.is_some() && parallel.branches.iter().any(has_resume_point))
            .then(|| Rc::new(Tracker::new(cx.entered_id)));
    let _nested = Nested::register(frame, tracker.clone());
    let mut results: Vec<Option<Value>> = vec![None; parallel.branches.len()];
    let mut positions = BTreeMap::new();
    for (index, child) in resumed.map(|r| r.children).unwrap_or_default() {
        match child {
            Child::Succeeded(output) if index < results.len() => {
                if let Some(tracker) = &tracker {
                    tracker.succeeded(index, &output);
                }
                results[index] = Some(output);
            }
            Child::At(position) => {
                positions.insert(index, position);
            }
            _ => {}
        }
    }
    let tracker = &tracker;
    let input = &input;
    let branches = parallel
        .branches
        .iter()
        .enumerate()
        .filter(|(index, _)| results[*index].is_none())
        .map(|(index, branch)| {
            let child = Frame::child(frame, None, true);
            let (child, start, branch_input) = match positions.remove(&index) {
                Some(position) => {
                    let child = child.tracked();
                    child.restore(position.variables);
                    child.reach(&position.state, &position.input);
                    child.resume_inside(position.inside.map(|inside| *inside));
                    let start = branch.state_index(&position.state).unwrap_or(branch.start_at);
                    (child, start, position.input)
                }
                None if tracker.is_some() => (child.tracked(), branch.start_at, input.clone()),
                None => (child, branch.start_at, input.clone()),
            };
            let child = Rc::new(child);
            if let Some(tracker) = tracker {
                tracker.running(index, &child);
            }
            let branch_run = run.run_states(branch, start, branch_input, child);
            async move {
                let result = branch_run.await;
                if let Some(tracker) = tracker {
                    match &result {
                        Ok(output) => {
                            tracker.succeeded(index, output);
                            run.commit_progress(frame).await;
                        }
                        Err(_) => tracker.forget(index),
                    }
                }
                (index, result)
            }
        })
        .collect::<Vec<_>>();
    // Branches finish in any order; the first failure stops the others at once.
    let mut stream = stream::iter(branches).buffer_unordered(parallel.branches.len().max(1));
    while let Some((index, r)) = stream.next().await {
        results[index] = Some(r?);
    }
    drop(stream);
    Ok(results.into_iter().flatten().collect())
}
