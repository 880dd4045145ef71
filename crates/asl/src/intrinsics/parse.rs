//! The grammar of an intrinsic call, parsed by recursive descent into a [`Call`].
//!
//! ```text
//! call    = "States." name "(" [ arg { "," arg } ] ")"
//! arg     = call | string | path | number | "true" | "false" | "null"
//! string  = "'" { char | "\'" | "\{" | "\}" | "\\" } "'"
//! path    = "$" ... up to a "," or ")" outside brackets, parentheses and quotes
//! ```
//!
//! Whitespace may surround arguments. Paths are kept as written: resolving (and validating)
//! them is the JSONPath module's work, reached through the caller.

use serde_json::{Number, Value};

use super::{Arg, Call, Function, IntrinsicError, Template, MAX_NESTING};

pub(super) fn parse(text: &str) -> Result<Call, IntrinsicError> {
    let mut parser = Parser { text, pos: 0 };
    let call = parser.call(1)?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        return Err(parser.expected("the end of the text after the closing ')'"));
    }
    Ok(call)
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character; always on a character boundary.
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// The character offset of a byte offset, for diagnostics people can count.
    fn char_position(&self, byte_offset: usize) -> usize {
        self.text.get(..byte_offset).map_or(0, |before| before.chars().count())
    }

    fn expected(&self, expected: &'static str) -> IntrinsicError {
        IntrinsicError::Syntax {
            position: self.char_position(self.pos),
            expected,
        }
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn eat(&mut self, expected_char: char, expected: &'static str) -> Result<(), IntrinsicError> {
        if self.peek() == Some(expected_char) {
            self.bump();
            Ok(())
        } else {
            Err(self.expected(expected))
        }
    }

    /// A call at nesting `depth` (the outermost call is depth 1).
    fn call(&mut self, depth: usize) -> Result<Call, IntrinsicError> {
        if depth > MAX_NESTING {
            return Err(IntrinsicError::TooDeep);
        }
        let start = self.pos;
        if !self.rest().starts_with("States.") {
            return Err(self.expected("an intrinsic function call starting with 'States.'"));
        }
        self.pos += "States.".len();
        let name_len = self.rest().bytes().take_while(u8::is_ascii_alphanumeric).count();
        if name_len == 0 {
            return Err(self.expected("a function name after 'States.'"));
        }
        self.pos += name_len;
        let name = self.text.get(start..self.pos).unwrap_or_default();
        let function =
            Function::from_name(name).ok_or_else(|| IntrinsicError::UnknownFunction { name: name.to_owned() })?;
        self.eat('(', "'(' after the function name")?;
        let args = self.args(depth)?;
        let (min, max) = function.arity();
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            return Err(IntrinsicError::Arity {
                function,
                given: args.len(),
            });
        }
        Ok(Call { function, args })
    }

    /// The arguments after `(`, up to and including the closing `)`.
    fn args(&mut self, depth: usize) -> Result<Vec<Arg>, IntrinsicError> {
        let mut args = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(')') {
            self.bump();
            return Ok(args);
        }
        loop {
            self.skip_whitespace();
            args.push(self.arg(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(')') => {
                    self.bump();
                    return Ok(args);
                }
                _ => return Err(self.expected("',' or ')' after an argument")),
            }
        }
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, IntrinsicError> {
        match self.peek() {
            Some('\'') => self.string().map(Arg::String),
            Some('$') => Ok(Arg::Path(self.path())),
            Some('S') if self.rest().starts_with("States.") => self.call(depth + 1).map(Arg::Call),
            Some(',' | ')') | None => Err(self.expected("an argument")),
            Some(_) => self.bare_literal().map(Arg::Value),
        }
    }

    /// A single-quoted string literal, unescaped, with its unescaped `{}` placeholders.
    fn string(&mut self) -> Result<Template, IntrinsicError> {
        let open = self.pos;
        self.bump();
        let mut text = String::new();
        let mut placeholders = Vec::new();
        // Byte offset in `text` of an unescaped `{` that was the last character pushed.
        let mut open_brace: Option<usize> = None;
        loop {
            let at = self.pos;
            let Some(c) = self.bump() else {
                return Err(IntrinsicError::Syntax {
                    position: self.char_position(open),
                    expected: "a closing quote for this string",
                });
            };
            match c {
                '\'' => return Ok(Template { text, placeholders }),
                '\\' => {
                    let escaped = self.bump().ok_or_else(|| IntrinsicError::Syntax {
                        position: self.char_position(open),
                        expected: "a closing quote for this string",
                    })?;
                    if !matches!(escaped, '\'' | '{' | '}' | '\\') {
                        return Err(IntrinsicError::InvalidEscape {
                            position: self.char_position(at),
                            escaped,
                        });
                    }
                    text.push(escaped);
                    open_brace = None;
                }
                '{' => {
                    open_brace = Some(text.len());
                    text.push(c);
                }
                '}' => {
                    if let Some(brace) = open_brace.take() {
                        placeholders.push(brace);
                    }
                    text.push(c);
                }
                _ => {
                    text.push(c);
                    open_brace = None;
                }
            }
        }
    }

    /// A path, as written: everything up to a `,` or `)` that is outside brackets,
    /// parentheses and quotes, with trailing whitespace removed.
    fn path(&mut self) -> String {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            if let Some(q) = quote {
                self.bump();
                if c == '\\' {
                    self.bump();
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' => quote = Some(c),
                '[' | '(' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                ')' if depth == 0 => break,
                ')' => depth -= 1,
                ',' if depth == 0 => break,
                _ => {}
            }
            self.bump();
        }
        self.text.get(start..self.pos).unwrap_or_default().trim_end().to_owned()
    }

    /// A number, `true`, `false` or `null`: the text up to the next separator.
    fn bare_literal(&mut self) -> Result<Value, IntrinsicError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c != ',' && c != ')' && !c.is_whitespace()) {
            self.bump();
        }
        let token = self.text.get(start..self.pos).unwrap_or_default();
        let invalid = || IntrinsicError::InvalidLiteral {
            position: self.char_position(start),
            text: token.to_owned(),
        };
        match token {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            "null" => Ok(Value::Null),
            // serde_json reads `-0` as the float -0.0; as JSON text AWS reads it as 0.
            "-0" => Ok(Value::from(0)),
            _ if is_json_number(token) => token.parse::<Number>().map(Value::Number).map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }
}

/// Whether `token` is a number in JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)?
/// ([eE] [+-]? [0-9]+)?`. The literal keeps its form: `1` is an integer and `1.0` a float,
/// and they print differently.
fn is_json_number(token: &str) -> bool {
    let bytes = token.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}
