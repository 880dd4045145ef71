//! Intrinsic functions (`asl::intrinsics`): the first line is a `"x.$"` value such as
//! `States.Format('{}', $.a)`, the rest the state's input. The call is parsed as the loader
//! parses it and evaluated through `asl::template::call`, as a state evaluates it, with its
//! path arguments read from the input, the Context object and the variables.
#![no_main]

use asl::intrinsics::Intrinsic;
use asl::template;
use libfuzzer_sys::fuzz_target;
use switchyard_fuzz::{on_executor_stack, split_expression, FuzzScope};

fuzz_target!(|data: &[u8]| {
    let Some((text, document)) = split_expression(data) else {
        return;
    };
    on_executor_stack(|| {
        let _ = Intrinsic::looks_like_call(text);
        if let Ok(call) = Intrinsic::parse(text) {
            let _ = call.paths();
            let scope = FuzzScope::new(document);
            if let Err(failure) = template::call(&call, &scope) {
                let _ = failure.to_string();
            }
        }
    });
});
