//! The Succeed state: ends its thread of states with its input, through `InputPath` and
//! `OutputPath` (or `Output`).

use asl::definition::{ResultPath, Transition};
use asl::errors::Failure;
use serde_json::Value;

use crate::execution::run::Run;
use crate::execution::test_state::Seen;
use crate::execution::{Completed, Entered};

pub(in crate::execution) fn run(run: &Run<'_>, cx: Entered<'_>) -> Result<Completed, Failure> {
    let input = run.effective_input(&cx).map_err(|f| cx.located(f))?;
    run.observe(cx.state, Seen::AfterInputPath(&input));
    let output = run
        .finish_output(
            cx.state,
            input.into_owned(),
            Value::Null,
            &ResultPath::Discard,
            cx.frame,
        )
        .map_err(|f| cx.located(f))?;
    Ok(Completed {
        transition: Transition::End,
        output,
        assigned: None,
    })
}
