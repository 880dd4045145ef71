//! The Pass state: its `Result`, or its `Parameters` evaluated, or its input, shaped into
//! its output.

use asl::definition::Pass;
use asl::errors::Failure;

use crate::execution::run::Run;
use crate::execution::test_state::Seen;
use crate::execution::{Completed, Entered};

pub(in crate::execution) fn run(run: &Run<'_>, pass: &Pass, cx: Entered<'_>) -> Result<Completed, Failure> {
    let state = cx.state;
    let input = run.effective_input(&cx).map_err(|f| cx.located(f))?;
    let result = match (&pass.result, &pass.parameters) {
        (Some(result), _) => {
            run.observe(state, Seen::Result(result));
            result.clone()
        }
        (None, parameters) => {
            run.observe(state, Seen::AfterInputPath(&input));
            let result = match parameters {
                Some(parameters) => {
                    let scope = run.scope(cx.frame, &input, state, cx.entered_ms, None);
                    parameters.evaluate(&scope).map_err(|f| cx.located(f))?
                }
                None => input.into_owned(),
            };
            run.observe(state, Seen::Parameters(&result));
            result
        }
    };
    let (assigned, output) = run.complete(cx, result, &pass.result_path)?;
    Ok(Completed {
        transition: pass.transition,
        output,
        assigned,
    })
}
