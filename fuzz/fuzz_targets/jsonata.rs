//! JSONata as Step Functions wires it (`asl::jsonata`: JSONata 2.0.6 syntax, AWS's extra
//! functions, no `$eval`): the first line is the text inside `{% ... %}`, the rest the
//! state's input. The expression is parsed as the loader parses it and evaluated as a
//! JSONata state evaluates it, with `$states` (input, context, result, errorOutput) and the
//! workflow variables bound.
#![no_main]

use asl::jsonata::{Expression, States};
use asl::template::Scope;
use libfuzzer_sys::fuzz_target;
use switchyard_fuzz::{
    on_executor_stack, split_expression, tolerate_jsonata_core_panics, FuzzScope, JSONATA_TIME_LIMIT,
};

fuzz_target!(|data: &[u8]| {
    tolerate_jsonata_core_panics();
    let Some((text, document)) = split_expression(data) else {
        return;
    };
    on_executor_stack(|| {
        let Ok(expression) = Expression::parse(text.trim()) else {
            return;
        };
        let expression = expression.with_time_limit(Some(JSONATA_TIME_LIMIT));
        let _ = (expression.variables(), expression.names());
        let scope = FuzzScope::new(document);
        let context = || scope.context();
        let states = States {
            input: scope.input(),
            context: &context,
            result: scope.result(),
            error_output: scope.error_output(),
        };
        // The budget the engine gives a state under AWS's default 256 KiB payload limit.
        let budget = asl::budget::Budget::for_payload(256 * 1024);
        match expression.evaluate_in_state(
            &states,
            &|name| scope.variable(name),
            &mut || scope.random_u64(),
            &budget,
        ) {
            Ok(Some(value)) => {
                let _ = value.to_string();
            }
            Ok(None) => {}
            Err(error) => {
                let _ = (error.to_string(), error.code().map(str::to_owned));
            }
        }
    });
});
