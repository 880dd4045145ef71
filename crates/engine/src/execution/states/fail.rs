//! The Fail state: fails its thread of states with its `Error` and `Cause` (literal, from a
//! path, an intrinsic function or a JSONata expression).

use asl::definition::Fail;
use asl::errors::Failure;

use crate::execution::run::Run;
use crate::execution::{Completed, Entered};

pub(in crate::execution) fn run(run: &Run<'_>, fail: &Fail, cx: Entered<'_>) -> Result<Completed, Failure> {
    let scope = run.scope(cx.frame, &cx.raw_input, cx.state, cx.entered_ms, None);
    let error = run
        .text(fail.error.as_ref(), &scope, "ErrorPath")
        .map_err(|f| cx.located(f))?;
    let cause = run
        .text(fail.cause.as_ref(), &scope, "CausePath")
        .map_err(|f| cx.located(f))?;
    Err(Failure {
        cause,
        ..Failure::without_cause(error.unwrap_or_default())
    })
}
