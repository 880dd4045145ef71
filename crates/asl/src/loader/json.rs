//! Definition text to JSON, read the way AWS reads it.
//!
//! AWS parses definitions with Jackson, and a syntax error comes back as an
//! `INVALID_JSON_DESCRIPTION` diagnostic carrying Jackson's message, with Jackson's position
//! as the location (recorded AWS response to `"not a definition"`: message `Unrecognized token
//! 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or
//! 'false')\n at [Source: (String)"not a definition"; line: 1, column: 4]`). serde_json builds
//! the value; this module first scans the text to word syntax errors as Jackson does, and to
//! find what a parsed value no longer shows: two states with one name in the same `States`
//! object (serde_json, like Jackson, keeps the last one).
//!
//! Like Jackson's `readTree`, only the first JSON value is read: text after it is ignored, and
//! text with no value at all is not a syntax error (AWS then says the definition is not a JSON
//! object).

use std::collections::HashSet;

use serde_json::Value;

use super::{codes, Diagnostic, Loc, Severity};

/// Jackson quotes at most this many characters of the source in a location.
const SNIPPET_CHARS: usize = 500;
/// Jackson quotes at most this many characters of an unrecognized token.
const TOKEN_CHARS: usize = 256;
/// What Jackson lists as the values it was expecting.
const VALID_VALUES: &str = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/// A definition's JSON and the states named twice within one `States` object.
pub(super) struct Parsed {
    pub(super) value: Value,
    pub(super) duplicate_states: Vec<(Loc, String)>,
}

/// Read definition text; `Ok(None)` when it holds no JSON value at all.
pub(super) fn parse(text: &str) -> Result<Option<Parsed>, Diagnostic> {
    let scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        duplicates: Vec::new(),
    };
    let (end, duplicate_states) = match scanner.scan() {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        Err(e) => return Err(invalid_json(text, &e.message, e.pos)),
    };
    let body = text.get(..end).unwrap_or(text);
    match serde_json::from_str(body) {
        Ok(value) => Ok(Some(Parsed {
            value,
            duplicate_states,
        })),
        // The scan accepted what serde_json refuses (nesting deeper than serde_json allows,
        // or an unpaired surrogate escape): report serde_json's reason at its position.
        Err(e) => {
            let pos = offset_of(body, e.line(), e.column());
            Err(invalid_json(text, &e.to_string(), pos))
        }
    }
}

/// The byte offset of a 1-based line and column (in characters) as serde_json reports them.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(line_start..).unwrap_or_default();
    line_start + rest.chars().take(column).map(char::len_utf8).sum::<usize>()
}

fn invalid_json(text: &str, message: &str, pos: usize) -> Diagnostic {
    let location = source_location(text, pos);
    Diagnostic {
        severity: Severity::Error,
        code: codes::INVALID_JSON_DESCRIPTION,
        message: format!("{message}\n at {location}"),
        location,
        pointer: String::new(),
    }
}

/// Jackson's `[Source: (String)"..."; line: L, column: C]` for byte offset `pos`.
fn source_location(text: &str, pos: usize) -> String {
    let (line, column) = line_and_column(text, pos);
    let total = text.chars().count();
    let snippet: String = text.chars().take(SNIPPET_CHARS).collect();
    let truncated = if total > SNIPPET_CHARS {
        format!("[truncated {} chars]", total - SNIPPET_CHARS)
    } else {
        String::new()
    };
    format!("[Source: (String)\"{snippet}\"{truncated}; line: {line}, column: {column}]")
}

/// Jackson's 1-based line and column of byte offset `pos`: `\n`, `\r\n` and a lone `\r` end a
/// line, and columns count UTF-16 units.
fn line_and_column(text: &str, pos: usize) -> (usize, usize) {
    let before = text.get(..pos).unwrap_or(text);
    let (mut line, mut column) = (1, 1);
    let mut chars = before.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => (line, column) = (line + 1, 1),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                (line, column) = (line + 1, 1);
            }
            c => column += c.len_utf16(),
        }
    }
    (line, column)
}

/// A syntax error: Jackson's message, and its input position (after what it consumed).
struct SyntaxError {
    message: String,
    pos: usize,
}

/// What a JSON value is in a definition, as far as finding state names goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The top level, a Parallel branch or a Map's item processor.
    Machine,
    /// The `States` object of a machine.
    States,
    State,
    /// A Parallel state's `Branches` array.
    Branches,
    Other,
}

struct Frame {
    is_object: bool,
    /// Where the `{` or `[` is.
    start: usize,
    role: Role,
    loc: Loc,
    /// The member names seen so far, in a `States` object.
    names: HashSet<String>,
    /// The current member name (objects) or element index (arrays).
    key: String,
    index: usize,
}

impl Frame {
    /// The role and location of this container's current member or element.
    fn child(&self) -> (Role, Loc) {
        let role = match (self.role, self.key.as_str()) {
            (Role::Machine, "States") => Role::States,
            (Role::States, _) => Role::State,
            (Role::State, "Branches") => Role::Branches,
            (Role::State, "ItemProcessor" | "Iterator") | (Role::Branches, _) => Role::Machine,
            _ => Role::Other,
        };
        if role == Role::Other {
            return (role, Loc::default());
        }
        let loc = if self.is_object {
            self.loc.key(&self.key)
        } else {
            self.loc.index(self.index)
        };
        (role, loc)
    }

    fn type_desc(&self) -> &'static str {
        if self.is_object {
            "Object"
        } else {
            "Array"
        }
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    duplicates: Vec<(Loc, String)>,
}

type Found = (usize, Vec<(Loc, String)>);

impl Scanner<'_> {
    /// Scan the first JSON value: where it ends, and the duplicated state names.
    fn scan(mut self) -> Result<Option<Found>, SyntaxError> {
        self.skip_whitespace();
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let mut stack: Vec<Frame> = Vec::new();
        let (mut role, mut loc) = (Role::Machine, Loc::root());
        loop {
            // A value is expected at `pos` (whitespace skipped).
            let Some(c) = self.peek() else {
                return Err(self.eof_in(&stack));
            };
            let mut opened = false;
            match c {
                '{' | '[' => {
                    stack.push(Frame {
                        is_object: c == '{',
                        start: self.pos,
                        role,
                        loc: std::mem::take(&mut loc),
                        names: HashSet::new(),
                        key: String::new(),
                        index: 0,
                    });
                    self.pos += 1;
                    self.skip_whitespace();
                    opened = true;
                }
                '"' => {
                    self.string(false)?;
                }
                '-' | '0'..='9' => self.number()?,
                c if is_identifier_start(c) => self.keyword()?,
                c => return Err(self.odd_value(c)),
            }
            if opened {
                let Some(top) = stack.last_mut() else {
                    continue;
                };
                let close = if top.is_object { '}' } else { ']' };
                match self.peek() {
                    None => return Err(self.eof_in(&stack)),
                    Some(c) if c == close => {
                        self.pos += 1;
                        stack.pop();
                    }
                    Some(c @ ('}' | ']')) => return Err(self.mismatched(c, top)),
                    Some(c) if top.is_object => {
                        self.member_name(c, top)?;
                        (role, loc) = top.child();
                        continue;
                    }
                    Some(_) => {
                        (role, loc) = top.child();
                        continue;
                    }
                }
            }
            // A value has ended: close containers until one goes on with a comma.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(Some((self.pos, self.duplicates)));
                };
                self.skip_whitespace();
                let Some(c) = self.peek() else {
                    return Err(self.eof_in(&stack));
                };
                match (c, top.is_object) {
                    ('}', true) | (']', false) => {
                        self.pos += 1;
                        stack.pop();
                    }
                    ('}' | ']', _) => return Err(self.mismatched(c, top)),
                    (',', _) => {
                        self.pos += 1;
                        self.skip_whitespace();
                        let Some(next) = self.peek() else {
                            let message = format!("Unexpected end-of-input within/between {} entries", top.type_desc());
                            return Err(self.error(message));
                        };
                        if top.is_object {
                            self.member_name(next, top)?;
                        } else {
                            top.index += 1;
                        }
                        (role, loc) = top.child();
                        break;
                    }
                    (c, _) => {
                        let message = format!("was expecting comma to separate {} entries", top.type_desc());
                        return Err(self.unexpected(c, &message));
                    }
                }
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|rest| rest.chars().next())
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            pos: self.pos,
        }
    }

    /// Jackson's "Unexpected character" for `c` at `pos`, which it has consumed.
    fn unexpected(&mut self, c: char, comment: &str) -> SyntaxError {
        self.pos += c.len_utf8();
        self.error(format!("Unexpected character ({}): {comment}", char_desc(c)))
    }

    /// End of input inside an open container.
    fn eof_in(&self, stack: &[Frame]) -> SyntaxError {
        match stack.last() {
            Some(top) => {
                let start = source_location(self.text, top.start);
                self.error(format!(
                    "Unexpected end-of-input: expected close marker for {} (start marker at {start})",
                    top.type_desc()
                ))
            }
            None => self.error("Unexpected end-of-input"),
        }
    }

    fn mismatched(&mut self, c: char, top: &Frame) -> SyntaxError {
        self.pos += 1;
        let expected = if top.is_object { '}' } else { ']' };
        let start = source_location(self.text, top.start);
        self.error(format!(
            "Unexpected close marker '{c}': expected '{expected}' (for {} starting at {start})",
            top.type_desc()
        ))
    }

    /// A member name and its colon; `c` is the character at `pos`.
    fn member_name(&mut self, c: char, top: &mut Frame) -> Result<(), SyntaxError> {
        if c != '"' {
            return Err(self.unexpected(c, "was expecting double-quote to start field name"));
        }
        let name = self.string(true)?;
        if top.role == Role::States && !top.names.insert(name.clone()) {
            self.duplicates.push((top.loc.key(&name), name.clone()));
        }
        top.key = name;
        self.skip_whitespace();
        match self.peek() {
            Some(':') => self.pos += 1,
            Some(c) => return Err(self.unexpected(c, "was expecting a colon to separate field name and value")),
            None => return Err(self.error("Unexpected end-of-input within/between Object entries")),
        }
        self.skip_whitespace();
        if self.peek().is_none() {
            return Err(self.error("Unexpected end-of-input within/between Object entries"));
        }
        Ok(())
    }

    /// A string starting at `pos` (a `"`), decoded.
    fn string(&mut self, name: bool) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error(if name {
                    "Unexpected end-of-input: was expecting closing '\"' for name"
                } else {
                    "Unexpected end-of-input: was expecting closing quote for a string value"
                }));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape()?),
                c if (c as u32) < 0x20 => {
                    let what = if name { "name" } else { "string value" };
                    return Err(self.error(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in {what}",
                        char_desc(c)
                    )));
                }
                c => out.push(c),
            }
        }
    }

    /// The character of an escape sequence whose backslash was just consumed.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let Some(c) = self.peek() else {
            return Err(self.error("Unexpected end-of-input in character escape sequence"));
        };
        self.pos += c.len_utf8();
        Ok(match c {
            '"' | '\\' | '/' => c,
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let mut code = 0u32;
                for _ in 0..4 {
                    let Some(h) = self.peek() else {
                        return Err(self.error("Unexpected end-of-input in character escape sequence"));
                    };
                    let Some(digit) = h.to_digit(16) else {
                        return Err(self.unexpected(h, "expected a hex-digit for character escape sequence"));
                    };
                    self.pos += 1;
                    code = code * 16 + digit;
                }
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            c => return Err(self.error(format!("Unrecognized character escape {}", char_desc(c)))),
        })
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        if self.peek() == Some('-') {
            self.pos += 1;
            match self.peek() {
                Some('0'..='9') => {}
                Some(c) => {
                    return Err(
                        self.number_char(c, "expected digit (0-9) to follow minus sign, for valid numeric value")
                    )
                }
                None => return Err(self.error("Unexpected end-of-input in a Number value")),
            }
        }
        if self.peek() == Some('0') && matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9')) {
            self.pos += 1;
            return Err(self.error("Invalid numeric value: Leading zeroes not allowed"));
        }
        self.digits();
        for (marker, what) in [(".", "Decimal point"), ("eE", "Exponent indicator")] {
            if !self.peek().is_some_and(|c| marker.contains(c)) {
                continue;
            }
            self.pos += 1;
            if marker != "." && matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            match self.peek() {
                Some('0'..='9') => self.digits(),
                Some(c) => return Err(self.number_char(c, &format!("{what} not followed by a digit"))),
                None => return Err(self.error("Unexpected end-of-input in a Number value")),
            }
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn number_char(&mut self, c: char, comment: &str) -> SyntaxError {
        self.pos += c.len_utf8();
        self.error(format!(
            "Unexpected character ({}) in numeric value: {comment}",
            char_desc(c)
        ))
    }

    /// `true`, `false` or `null` at `pos`; any other word is Jackson's unrecognized token.
    fn keyword(&mut self) -> Result<(), SyntaxError> {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let len: usize = rest
            .chars()
            .take_while(|c| is_identifier_part(*c))
            .map(char::len_utf8)
            .sum();
        let token = rest.get(..len).unwrap_or_default();
        self.pos += len;
        if matches!(token, "true" | "false" | "null") {
            return Ok(());
        }
        let shown: String = token.chars().take(TOKEN_CHARS).collect();
        Err(self.error(format!("Unrecognized token '{shown}': was expecting {VALID_VALUES}")))
    }

    /// What Jackson says of `c` where a value should start.
    fn odd_value(&mut self, c: char) -> SyntaxError {
        if c == '}' {
            self.unexpected(c, "expected a value")
        } else {
            self.unexpected(c, &format!("expected a valid value {VALID_VALUES}"))
        }
    }
}

/// Jackson's description of a character in messages.
fn char_desc(c: char) -> String {
    let code = c as u32;
    if c.is_control() {
        format!("(CTRL-CHAR, code {code})")
    } else if code > 255 {
        format!("'{c}' (code {code} / 0x{code:x})")
    } else {
        format!("'{c}' (code {code})")
    }
}

/// Java's `Character.isJavaIdentifierStart`, closely enough for error messages.
fn is_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '$' || c == '_'
}

fn is_identifier_part(c: char) -> bool {
    is_identifier_start(c) || c.is_alphanumeric()
}
