//! `switchyard validate`: AWS's diagnostics, plus where in the file each one points.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use asl::loader::{self, Severity};

pub(crate) fn validate(file: &Path) -> Result<ExitCode> {
    let text = super::read(file)?;
    let diagnostics = match loader::load_text(&text) {
        Ok(_) => Vec::new(),
        Err(d) => d,
    };
    let positions = if text.trim_start().starts_with('{') {
        json_positions(&text)
    } else {
        HashMap::new()
    };
    for d in &diagnostics {
        let place = match positions.get(d.pointer.as_str()) {
            Some((line, column)) => format!("{}:{}:{}", file.display(), line, column),
            None => file.display().to_string(),
        };
        println!(
            "{place}: {} {}: {} (at {})",
            d.severity.as_str(),
            d.code,
            d.message,
            d.location
        );
    }
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    if errors == 0 {
        println!("{}: OK", file.display());
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}

/// Map every JSON pointer in `text` to the 1-based line and column where its member's key
/// (or array element) starts. serde_json keeps no positions, and a diagnostic's location
/// is a pointer, so this small scanner recovers them; it assumes `text` is valid JSON.
pub(crate) fn json_positions(text: &str) -> HashMap<String, (usize, usize)> {
    enum Container {
        Object { key: Option<String> },
        Array { index: usize },
    }
    let mut positions = HashMap::new();
    positions.insert("/".to_owned(), (1, 1));
    let mut stack: Vec<(String, Container)> = Vec::new();
    let (mut line, mut column) = (1usize, 1usize);
    let mut chars = text.chars().peekable();
    let mut expecting_key = false;
    let mut pending: Option<(usize, usize)> = None;

    let pointer = |stack: &[(String, Container)], last: &str| -> String {
        let mut p: String = stack
            .iter()
            .map(|(segment, _)| segment.as_str())
            .collect::<Vec<_>>()
            .join("");
        p.push_str(last);
        p
    };

    while let Some(c) = chars.next() {
        let here = (line, column);
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
        match c {
            '"' => {
                let mut s = String::new();
                while let Some(ch) = chars.next() {
                    column += 1;
                    match ch {
                        '\\' => {
                            if let Some(esc) = chars.next() {
                                column += 1;
                                s.push(esc);
                            }
                        }
                        '"' => break,
                        other => s.push(other),
                    }
                }
                if expecting_key {
                    if let Some((_, Container::Object { key })) = stack.last_mut() {
                        *key = Some(s.replace('~', "~0").replace('/', "~1"));
                    }
                    pending = Some(here);
                    expecting_key = false;
                }
            }
            '{' | '[' => {
                let segment = match stack.last() {
                    Some((_, Container::Object { key: Some(k) })) => format!("/{k}"),
                    Some((_, Container::Array { index })) => format!("/{index}"),
                    _ => String::new(),
                };
                stack.push((
                    segment,
                    if c == '{' {
                        Container::Object { key: None }
                    } else {
                        Container::Array { index: 0 }
                    },
                ));
                expecting_key = c == '{';
                if c == '[' {
                    let p = pointer(&stack, "/0");
                    positions.entry(p).or_insert((line, column));
                }
            }
            '}' | ']' => {
                stack.pop();
            }
            ':' => {
                if let (Some((_, Container::Object { key: Some(k) })), Some(pos)) = (stack.last(), pending.take()) {
                    let p = pointer(&stack[..stack.len() - 1], &format!("{}/{k}", stack[stack.len() - 1].0));
                    positions.insert(p, pos);
                }
            }
            ',' => match stack.last_mut() {
                Some((_, Container::Object { .. })) => expecting_key = true,
                Some((_, Container::Array { index })) => {
                    *index += 1;
                    let i = *index;
                    let p = pointer(&stack, &format!("/{i}"));
                    positions.insert(p, (line, column));
                }
                None => {}
            },
            _ => {}
        }
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_lines_and_columns() {
        let text =
            "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Next\": \"B\"}\n  }\n}";
        let positions = json_positions(text);
        assert_eq!(positions["/StartAt"], (2, 3));
        assert_eq!(positions["/States"], (3, 3));
        assert_eq!(positions["/States/A"], (4, 5));
        assert_eq!(positions["/States/A/Next"], (4, 27));
    }
}
