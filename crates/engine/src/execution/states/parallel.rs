//! The Parallel state: runs each branch on its own copy of the input, concurrently on the
//! execution's thread; the first failure stops the others. The result is the branches'
//! outputs in branch order.

use std::rc::Rc;

use asl::definition::Parallel;
use asl::errors::Failure;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::execution::frame::Frame;
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
        None => input,
    };
    run.emit(record, || EventKind::ParallelStateStarted);
    let result = match run.probe {
        // TestState never runs the branches: their result is the mock's.
        Some(probe) => probe.children_result()?,
        None => Value::Array(branches(run, parallel, frame, branch_input).await?),
    };
    run.emit_after_last(record, || EventKind::ParallelStateSucceeded);
    match &parallel.result_selector {
        Some(selector) => selector
            .evaluate(&run.scope(frame, &result, state, cx.entered_ms, None))
            .map_err(|f| cx.located(f)),
        None => Ok(result),
    }
}

/// Run every branch; their outputs in branch order, or the first failure.
async fn branches(run: &Run<'_>, parallel: &Parallel, frame: &Rc<Frame>, input: Value) -> Result<Vec<Value>, Failure> {
    let branches = parallel.branches.iter().enumerate().map(|(index, branch)| {
        let child = Rc::new(Frame::child(frame, None, true));
        let run = run.run_machine(branch, input.clone(), child);
        async move { (index, run.await) }
    });
    // Branches finish in any order; the first failure stops the others at once.
    let mut results: Vec<Option<Value>> = vec![None; parallel.branches.len()];
    let mut stream = stream::iter(branches).buffer_unordered(parallel.branches.len().max(1));
    while let Some((index, r)) = stream.next().await {
        results[index] = Some(r?);
    }
    Ok(results.into_iter().flatten().collect())
}
