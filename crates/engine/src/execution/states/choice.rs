//! The Choice state: the first rule that matches (`asl::choice`) picks the next state, or
//! `Default`; a matched JSONata rule may carry its own `Assign` and `Output`.

use asl::definition::{Choice, ResultPath, Transition};
use asl::errors::{names, Failure};
use serde_json::Value;

use crate::execution::run::Run;
use crate::execution::test_state::Seen;
use crate::execution::{Completed, Entered};

pub(in crate::execution) fn run(run: &Run<'_>, choice: &Choice, cx: Entered<'_>) -> Result<Completed, Failure> {
    let state = cx.state;
    let input = run.effective_input(&cx).map_err(|f| cx.located(f))?;
    run.observe(state, Seen::AfterInputPath(&input));
    let scope = run.scope(cx.frame, &input, state, cx.entered_ms, None);
    let mut chosen = None;
    for branch in &choice.choices {
        if branch.rule.evaluate(&scope).map_err(|f| cx.located(f))? {
            chosen = Some((branch.next, branch.assign.as_ref(), branch.output.as_ref()));
            break;
        }
    }
    let (next, branch_assign, branch_output) = match (chosen, choice.default) {
        (Some(c), _) => c,
        (None, Some(default)) => (default, None, None),
        (None, None) => return Err(Failure::new(names::NO_CHOICE_MATCHED, "No Matches!")),
    };
    let assigned = run
        .assign(branch_assign.or(state.assign.as_ref()), &scope)
        .map_err(|f| cx.located(f))?;
    // A matched rule's own `Output` takes the place of the state's (JSONata).
    let output = match branch_output {
        Some(template) => template.evaluate(&scope).map_err(|f| cx.located(f))?,
        None => {
            drop(scope);
            run.finish_output(state, input.into_owned(), Value::Null, &ResultPath::Discard, cx.frame)
                .map_err(|f| cx.located(f))?
        }
    };
    Ok(Completed {
        transition: Transition::Next(next),
        output,
        assigned,
    })
}
