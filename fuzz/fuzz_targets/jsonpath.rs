//! JSONPath (`asl::path`): the first line is a path, the rest a JSON document. The path is
//! parsed as a JSONPath (`InputPath`, `"x.$"`) and as a reference path (`ResultPath`,
//! a Choice `Variable`), then selected against the document (as `$`, `$$.Execution.Input`
//! and the variables' members) and set into a copy of it, as a state does.
#![no_main]

use asl::path::{Path, ReferencePath};
use asl::template::{self, Scope};
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use switchyard_fuzz::{on_executor_stack, split_expression, FuzzScope};

fuzz_target!(|data: &[u8]| {
    let Some((text, document)) = split_expression(data) else {
        return;
    };
    on_executor_stack(|| {
        let scope = FuzzScope::new(document);
        if let Ok(path) = Path::parse(text) {
            let _ = (path.is_definite(), path.normalized(), path.to_string());
            let _ = template::select(&scope, &path);
        }
        if let Ok(reference) = ReferencePath::parse(text) {
            let _ = template::lookup(&scope, &reference);
            let mut target = scope.input().clone();
            let _ = reference.set(&mut target, json!({"result": true}));
        }
    });
});
