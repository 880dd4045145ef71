//! JSON literals written inside paths, read as leniently as Jayway reads them.
//!
//! Jayway parses `[?(@.d == ['v1','v2'])]` and function arguments such as `append({"a":1})`
//! with json-smart in permissive mode, which accepts single-quoted strings and unquoted
//! object keys besides strict JSON. Strict JSON parses the same here as with `serde_json`.

use super::syntax::JsonLiteralError;
use serde_json::{Map, Value};

/// Nesting deeper than this is refused instead of risking the stack.
const MAX_DEPTH: usize = 128;

/// Parses `text` as one (lenient) JSON value with nothing after it.
pub(super) fn parse(text: &str) -> Result<Value, JsonLiteralError> {
    let mut reader = Reader {
        chars: text.chars().collect(),
        pos: 0,
    };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.pos < reader.chars.len() {
        return Err(JsonLiteralError::TrailingText { text: text.to_owned() });
    }
    Ok(value)
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, expected: char) -> Result<(), JsonLiteralError> {
        self.skip_whitespace();
        if self.peek() == Some(expected) {
            self.pos += 1;
            Ok(())
        } else {
            Err(JsonLiteralError::Expected(expected))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonLiteralError> {
        if depth > MAX_DEPTH {
            return Err(JsonLiteralError::TooDeep);
        }
        self.skip_whitespace();
        match self.peek() {
            Some('{') => self.object(depth),
            Some('[') => self.array(depth),
            Some(quote @ ('"' | '\'')) => self.string(quote).map(Value::String),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(_) => self.word(),
            None => Err(JsonLiteralError::Missing),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonLiteralError> {
        self.pos += 1; // '{'
        let mut map = Map::new();
        self.skip_whitespace();
        if self.peek() == Some('}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_whitespace();
            let key = match self.peek() {
                Some(quote @ ('"' | '\'')) => self.string(quote)?,
                _ => {
                    let word = self.bare_word();
                    if word.is_empty() {
                        return Err(JsonLiteralError::ExpectedKey);
                    }
                    word
                }
            };
            self.expect(':')?;
            let value = self.value(depth + 1)?;
            map.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(JsonLiteralError::ObjectSeparator),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonLiteralError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(JsonLiteralError::ArraySeparator),
            }
        }
    }

    fn string(&mut self, quote: char) -> Result<String, JsonLiteralError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(JsonLiteralError::UnterminatedString);
            };
            self.pos += 1;
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(escaped) = self.peek() else {
                return Err(JsonLiteralError::UnterminatedString);
            };
            self.pos += 1;
            match escaped {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => out.push(self.unicode_escape()?),
                other => out.push(other),
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, JsonLiteralError> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high)
            && self.chars.get(self.pos) == Some(&'\\')
            && self.chars.get(self.pos + 1) == Some(&'u')
        {
            self.pos += 2;
            let low = self.hex4()?;
            let combined = 0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
            return Ok(char::from_u32(combined).unwrap_or('\u{FFFD}'));
        }
        Ok(char::from_u32(high).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&mut self) -> Result<u32, JsonLiteralError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .ok_or(JsonLiteralError::UnicodeEscape)?;
            self.pos += 1;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, JsonLiteralError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.pos += 1;
        }
        let text: String = self.chars.get(start..self.pos).unwrap_or(&[]).iter().collect();
        serde_json::from_str::<serde_json::Number>(&text)
            .map(Value::Number)
            .map_err(|_| JsonLiteralError::InvalidNumber { text })
    }

    fn bare_word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            self.pos += 1;
        }
        self.chars.get(start..self.pos).unwrap_or(&[]).iter().collect()
    }

    fn word(&mut self) -> Result<Value, JsonLiteralError> {
        match self.bare_word().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            "null" => Ok(Value::Null),
            other => Err(JsonLiteralError::UnexpectedWord { word: other.to_owned() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_strict_and_permissive_json() {
        let table = [
            (r#"["v1","v2"]"#, json!(["v1", "v2"])),
            ("['v1','v2']", json!(["v1", "v2"])),
            (r#"{"k":"v"}"#, json!({"k": "v"})),
            ("{k: 'v', n: -1.5e2}", json!({"k": "v", "n": -150.0})),
            ("[1, [true, null], {}]", json!([1, [true, null], {}])),
            (r#""a\"b\u00e9""#, json!("a\"b\u{e9}")),
            ("42", json!(42)),
            ("-3", json!(-3)),
        ];
        for (text, expected) in table {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn rejects_malformed_literals() {
        for text in ["[1,", "{'a' 1}", "[1] x", "'open", "nope", "", "1.2.3", "{:1}"] {
            assert!(parse(text).is_err(), "{text:?} should be rejected");
        }
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert!(parse(&deep).is_err());
    }
}
