//! The definition loader (`asl::loader`): definition text, JSON or YAML, as
//! CreateStateMachine (Standard) and ValidateStateMachineDefinition (Express, every
//! diagnostic) read it. Whatever the text, the loader must answer with a model or
//! diagnostics, never panic or overflow the stack.
#![no_main]

use asl::loader::{self, MachineType};
use libfuzzer_sys::fuzz_target;
use switchyard_fuzz::on_executor_stack;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    on_executor_stack(|| {
        // JSON, or YAML when the text does not start like JSON.
        let _ = loader::load_text(text);
        // The JSON reader with every diagnostic, warnings included, for an Express machine.
        for diagnostic in loader::diagnose_json(text, MachineType::Express) {
            let _ = loader::python_repr(&diagnostic.message);
        }
        // YAML is a superset of JSON: read JSON-looking text as YAML too.
        if let Ok(value) = loader::parse_yaml(text) {
            let _ = loader::load_for_type(&value, MachineType::Express);
        }
    });
});
