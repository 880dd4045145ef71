//! Reading path text into a [`Query`], following Jayway's `PathCompiler` and
//! `FilterCompiler` token by token.
//!
//! Jayway's grammar is defined by its scanner rather than by a formal grammar, and AWS
//! accepts exactly what that scanner accepts, so the functions here mirror its decisions:
//! what ends a dot-notation name (`.`, `[`, `(`; a space is an error), which bracket forms
//! are tried in which order, where a path inside a filter stops, how function arguments are
//! split. Deviations are deliberate and listed in the module documentation of `path`.

use super::ast::{Anchor, Arg, Call, Expr, Function, Literal, Operand, Query, RelOp, Step};
use super::decimal::Decimal;
use super::lenient_json;
use super::regex::Regex;
use super::syntax::SyntaxError;
use super::Root;

/// Where a path is written, which decides the roots it may start with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mode {
    /// A whole path: `$`, `$$` or `$name`.
    TopLevel,
    /// A path inside a filter or a function argument: `$` or `@`.
    Embedded,
}

/// Filters and function arguments nest paths; deeper nesting than this is refused so that
/// no input can exhaust the stack.
const MAX_DEPTH: usize = 32;

/// Parses `text`; the error becomes the reason of a [`super::PathError::Syntax`].
pub(super) fn parse_query(text: &str, mode: Mode, depth: usize) -> Result<Query, SyntaxError> {
    if depth > MAX_DEPTH {
        return Err(SyntaxError::TooDeep);
    }
    // Jayway trims spaces (only spaces) around the whole path.
    let trimmed = text.trim_matches(' ');
    let chars: Vec<char> = trimmed.chars().collect();
    if chars.is_empty() {
        return Err(SyntaxError::Empty);
    }
    if chars.last() == Some(&'.') {
        return Err(SyntaxError::TrailingDot);
    }
    let mut parser = PathParser {
        chars,
        pos: 0,
        depth,
        steps: Vec::new(),
        calls: Vec::new(),
    };
    let anchor = parser.anchor(mode)?;
    if let Some(c) = parser.peek() {
        if c != '.' && c != '[' {
            return Err(SyntaxError::AfterRoot {
                found: c,
                position: parser.pos,
            });
        }
    }
    while parser.pos < parser.chars.len() {
        parser.token(false)?;
    }
    let mut query = Query {
        anchor,
        steps: parser.steps,
        calls: parser.calls,
    };
    invert_scan_function(&mut query);
    Ok(query)
}

/// Jayway rewrites `$..price.sum()` as `$.sum($..price)`: a function after a leading deep
/// scan aggregates over all the matches instead of running once per match.
fn invert_scan_function(query: &mut Query) {
    if !matches!(query.steps.first(), Some(Step::Scan)) || query.calls.is_empty() {
        return;
    }
    let scanner = Query {
        anchor: query.anchor.clone(),
        steps: std::mem::take(&mut query.steps),
        calls: Vec::new(),
    };
    if let Some(first) = query.calls.first_mut() {
        first.args = vec![Arg::Path(Box::new(scanner))];
        count_children_for_length(first);
    }
}

/// `length()` given a path counts the children of what the path selects: Jayway appends
/// `[*]` to the argument (unless the argument itself ends in a function).
fn count_children_for_length(call: &mut Call) {
    if call.function != Function::Length {
        return;
    }
    if let Some(Arg::Path(query)) = call.args.first_mut() {
        if query.calls.is_empty() {
            query.steps.push(Step::Wildcard);
        }
    }
}

struct PathParser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    steps: Vec<Step>,
    calls: Vec<Call>,
}

impl PathParser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn char_at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars.get(from..to).unwrap_or(&[]).iter().collect()
    }

    /// The index of the first non-space character after `from`.
    fn next_significant(&self, from: usize) -> Option<usize> {
        let mut at = from + 1;
        while self.char_at(at) == Some(' ') {
            at += 1;
        }
        (at < self.chars.len()).then_some(at)
    }

    fn next_significant_is(&self, from: usize, expected: char) -> Option<usize> {
        self.next_significant(from)
            .filter(|&at| self.char_at(at) == Some(expected))
    }

    fn anchor(&mut self, mode: Mode) -> Result<Anchor, SyntaxError> {
        match (self.char_at(0), self.char_at(1), mode) {
            (Some('$'), Some('$'), Mode::TopLevel) => {
                self.pos = 2;
                Ok(Anchor::Root(Root::Context))
            }
            (Some('$'), Some(c), Mode::TopLevel) if c.is_alphabetic() || c == '_' => {
                let start = 1;
                let mut end = start;
                while self.char_at(end).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    end += 1;
                }
                self.pos = end;
                Ok(Anchor::Root(Root::Variable(self.text(start, end))))
            }
            (Some('$'), _, _) => {
                self.pos = 1;
                Ok(Anchor::Root(Root::Input))
            }
            (Some('@'), _, Mode::Embedded) => {
                self.pos = 1;
                Ok(Anchor::Current)
            }
            (_, _, Mode::TopLevel) => Err(SyntaxError::MissingRoot),
            (_, _, Mode::Embedded) => Err(SyntaxError::MissingEmbeddedRoot),
        }
    }

    /// Reads one token at `pos` (Jayway's `readNextToken`); `after_scan` is set for the
    /// token that follows `..`, which must be something a deep scan can look for.
    fn token(&mut self, after_scan: bool) -> Result<(), SyntaxError> {
        let start = self.pos;
        match self.peek() {
            Some('[') => {
                self.no_call_before(start)?;
                self.bracket()
            }
            Some('.') => {
                let scan = self.char_at(self.pos + 1) == Some('.');
                if scan {
                    self.no_call_before(start)?;
                    self.steps.push(Step::Scan);
                    self.pos += 2;
                } else {
                    self.pos += 1;
                }
                match self.peek() {
                    None => Err(SyntaxError::EndsWithDot),
                    Some('.') => Err(SyntaxError::StrayDot { position: self.pos }),
                    Some(_) => self.token(scan),
                }
            }
            Some('*') => {
                self.no_call_before(start)?;
                self.steps.push(Step::Wildcard);
                self.pos += 1;
                Ok(())
            }
            Some(_) => self.name(after_scan),
            None => Ok(()),
        }
    }

    /// Functions end a path: after `.length()` only further functions may follow.
    fn no_call_before(&self, at: usize) -> Result<(), SyntaxError> {
        if self.calls.is_empty() {
            Ok(())
        } else {
            Err(SyntaxError::AfterFunction { position: at })
        }
    }

    /// Dot notation: `name` or `name(args)`.
    fn name(&mut self, after_scan: bool) -> Result<(), SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(' ') {
            return Err(SyntaxError::UnreadableToken { position: start });
        }
        let mut end = start;
        let mut is_function = false;
        while let Some(c) = self.char_at(end) {
            match c {
                ' ' => return Err(SyntaxError::Blank { position: start }),
                '.' | '[' => break,
                '(' => {
                    is_function = true;
                    break;
                }
                _ => end += 1,
            }
        }
        let name = self.text(start, end);
        if !is_function {
            self.no_call_before(start)?;
            self.steps.push(Step::Property {
                names: vec![name],
                quote: '\'',
            });
            self.pos = end;
            return Ok(());
        }
        if after_scan {
            return Err(SyntaxError::FunctionAfterScan { name });
        }
        let Some(function) = Function::from_name(&name) else {
            return Err(SyntaxError::UnknownFunction { name });
        };
        let (args, after) = self.arguments(&name, end)?;
        let mut call = Call { function, name, args };
        count_children_for_length(&mut call);
        self.calls.push(call);
        self.pos = after;
        Ok(())
    }

    /// Splits the arguments of a call whose `(` is at `open`; returns them and the position
    /// after `)`. Like Jayway, arguments that are neither JSON (`{`, `"`, a digit, `-`) nor
    /// a path (`$`, `@`) are ignored.
    fn arguments(&self, name: &str, open: usize) -> Result<(Vec<Arg>, usize), SyntaxError> {
        let not_closed = || SyntaxError::UnclosedArguments { name: name.to_owned() };
        let mut parens = 1usize;
        let mut brackets = 0usize;
        let mut braces = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut arg_start = open + 1;
        let mut args = Vec::new();
        let mut at = open + 1;
        while let Some(c) = self.char_at(at) {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                at += 1;
                continue;
            }
            let top_level = brackets == 0 && braces == 0;
            match c {
                '"' => in_string = true,
                '(' => parens += 1,
                '[' => brackets += 1,
                '{' => braces += 1,
                ']' => {
                    brackets = brackets.checked_sub(1).ok_or(SyntaxError::UnbalancedClose {
                        found: ']',
                        position: at,
                    })?;
                }
                '}' => {
                    braces = braces.checked_sub(1).ok_or(SyntaxError::UnbalancedClose {
                        found: '}',
                        position: at,
                    })?;
                }
                ')' => {
                    parens -= 1;
                    if parens == 0 {
                        if !top_level {
                            return Err(not_closed());
                        }
                        self.push_argument(&mut args, arg_start, at)?;
                        return Ok((args, at + 1));
                    }
                }
                ',' if parens == 1 && top_level => {
                    self.push_argument(&mut args, arg_start, at)?;
                    arg_start = at + 1;
                }
                _ => {}
            }
            at += 1;
        }
        Err(not_closed())
    }

    fn push_argument(&self, args: &mut Vec<Arg>, from: usize, to: usize) -> Result<(), SyntaxError> {
        let text = self.text(from, to);
        let text = text.trim();
        match text.chars().next() {
            Some(c) if c == '{' || c == '"' || c == '-' || c.is_ascii_digit() => {
                let value = lenient_json::parse(text).map_err(|e| invalid_argument(text, e.into()))?;
                args.push(Arg::Json(value));
            }
            Some('$' | '@') => {
                let query = parse_query(text, Mode::Embedded, self.depth + 1).map_err(|e| invalid_argument(text, e))?;
                args.push(Arg::Path(Box::new(query)));
            }
            _ => {}
        }
        Ok(())
    }

    /// `[` starts a quoted property, an index or slice, a wildcard or a filter; Jayway
    /// tries them in that order.
    fn bracket(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        if self.bracket_property()? || self.array_index()? || self.bracket_wildcard()? || self.filter()? {
            return Ok(());
        }
        Err(SyntaxError::UnknownBracket { position: start })
    }

    /// `['a']`, `["a"]`, `['a','b']`; `\\` escapes a quote but stays in the name.
    fn bracket_property(&mut self) -> Result<bool, SyntaxError> {
        let open = self.pos;
        let Some(quote) = self
            .next_significant(open)
            .and_then(|at| self.char_at(at))
            .filter(|&c| c == '\'' || c == '"')
        else {
            return Ok(false);
        };
        let mut names = Vec::new();
        let mut at = open + 1;
        let mut name_start = at;
        let mut last_quote = open;
        let mut in_name = false;
        let mut in_escape = false;
        let mut after_comma = false;
        while let Some(c) = self.char_at(at) {
            if in_escape {
                in_escape = false;
            } else if c == '\\' {
                in_escape = true;
            } else if c == ']' && !in_name {
                if after_comma {
                    return Err(SyntaxError::EmptyProperty { position: at });
                }
                break;
            } else if c == quote {
                if in_name {
                    let next = self.next_significant(at).and_then(|n| self.char_at(n));
                    if next != Some(']') && next != Some(',') {
                        return Err(SyntaxError::PropertySeparator { position: at });
                    }
                    // AWS keeps the text as written (its Jayway predates unescaping
                    // bracket names): a backslash only stops a quote from ending it.
                    names.push(self.text(name_start, at));
                    last_quote = at;
                    in_name = false;
                } else {
                    name_start = at + 1;
                    in_name = true;
                    after_comma = false;
                }
            } else if c == ',' && !in_name {
                if after_comma {
                    return Err(SyntaxError::EmptyProperty { position: at });
                }
                after_comma = true;
            }
            at += 1;
        }
        if in_name {
            return Err(SyntaxError::UnclosedQuote { quote });
        }
        let Some(close) = self.next_significant_is(last_quote, ']') else {
            return Err(SyntaxError::UnclosedProperty);
        };
        self.steps.push(Step::Property { names, quote });
        self.pos = close + 1;
        Ok(true)
    }

    /// `[0]`, `[-1]`, `[0,1]`, `[1:3]`, `[:2]`, `[-2:]`.
    fn array_index(&mut self) -> Result<bool, SyntaxError> {
        let open = self.pos;
        let starts_like_index = self
            .next_significant(open)
            .and_then(|at| self.char_at(at))
            .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == ':');
        if !starts_like_index {
            return Ok(false);
        }
        let Some(close) = (open + 1..self.chars.len()).find(|&i| self.char_at(i) == Some(']')) else {
            return Ok(false);
        };
        let expression = self.text(open + 1, close);
        let expression = expression.trim_matches(' ');
        if !expression
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '-' | ':' | ' '))
        {
            return Ok(false);
        }
        let step = if expression.contains(':') {
            parse_slice(expression)?
        } else {
            parse_indexes(expression)?
        };
        self.steps.push(step);
        self.pos = close + 1;
        Ok(true)
    }

    /// `[*]`, spaces allowed inside.
    fn bracket_wildcard(&mut self) -> Result<bool, SyntaxError> {
        let Some(star) = self.next_significant_is(self.pos, '*') else {
            return Ok(false);
        };
        let Some(close) = self.next_significant_is(star, ']') else {
            return Err(SyntaxError::UnclosedWildcard { position: star });
        };
        self.steps.push(Step::Wildcard);
        self.pos = close + 1;
        Ok(true)
    }

    /// `[?(expression)]`.
    fn filter(&mut self) -> Result<bool, SyntaxError> {
        let Some(question) = self.next_significant_is(self.pos, '?') else {
            return Ok(false);
        };
        let Some(open) = self.next_significant_is(question, '(') else {
            return Ok(false);
        };
        let Some(close) = matching_close(&self.chars, open, '(', ')', true, true)? else {
            return Ok(false);
        };
        let Some(end) = self.next_significant_is(close, ']') else {
            return Ok(false);
        };
        let slice = self.chars.get(open..=close).unwrap_or(&[]);
        let expr = FilterParser {
            chars: slice,
            pos: 0,
            depth: self.depth + 1,
        }
        .parse()
        .map_err(|e| SyntaxError::InvalidFilter {
            filter: self.text(self.pos, end + 1),
            reason: Box::new(e),
        })?;
        self.steps.push(Step::Filter(Box::new(expr)));
        self.pos = end + 1;
        Ok(true)
    }
}

/// `invalid function argument <text>: <reason>`.
fn invalid_argument(text: &str, reason: SyntaxError) -> SyntaxError {
    SyntaxError::InvalidArgument {
        text: text.to_owned(),
        reason: Box::new(reason),
    }
}

fn parse_slice(expression: &str) -> Result<Step, SyntaxError> {
    let invalid = || SyntaxError::InvalidSlice {
        expression: expression.to_owned(),
    };
    if !expression.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ':') {
        return Err(invalid());
    }
    // Java's split(":") drops trailing empty pieces; a third piece (a step) is ignored.
    let mut pieces: Vec<&str> = expression.split(':').collect();
    while pieces.last() == Some(&"") {
        pieces.pop();
    }
    let bound = |index: usize| -> Result<Option<i32>, SyntaxError> {
        match pieces.get(index) {
            None | Some(&"") => Ok(None),
            Some(text) => text.parse::<i32>().map(Some).map_err(|_| invalid()),
        }
    };
    let from = bound(0)?;
    let to = bound(1)?;
    if from.is_none() && to.is_none() {
        return Err(invalid());
    }
    Ok(Step::Slice { from, to })
}

fn parse_indexes(expression: &str) -> Result<Step, SyntaxError> {
    let indexes = expression
        .split(',')
        .map(|piece| {
            let piece = piece.trim_matches(' ');
            piece.parse::<i32>().map_err(|_| SyntaxError::InvalidIndex {
                index: piece.to_owned(),
                expression: expression.to_owned(),
            })
        })
        .collect::<Result<Vec<i32>, SyntaxError>>()?;
    Ok(Step::Index(indexes))
}

/// Java-style unescaping of a filter's string literal (Jayway's `Utils.unescape`).
fn unescape(chars: &[char]) -> Result<String, SyntaxError> {
    let mut out = String::with_capacity(chars.len());
    let mut pending_high: Option<u16> = None;
    let mut iter = chars.iter().copied();
    while let Some(c) = iter.next() {
        if c != '\\' {
            flush_surrogate(&mut out, &mut pending_high);
            out.push(c);
            continue;
        }
        let Some(escaped) = iter.next() else {
            flush_surrogate(&mut out, &mut pending_high);
            out.push('\\');
            break;
        };
        if escaped == 'u' {
            let hex: String = iter.by_ref().take(4).collect();
            let unit = u16::from_str_radix(&hex, 16)
                .ok()
                .filter(|_| hex.len() == 4)
                .ok_or(SyntaxError::UnicodeEscape { hex })?;
            push_utf16_unit(&mut out, &mut pending_high, unit);
            continue;
        }
        flush_surrogate(&mut out, &mut pending_high);
        out.push(match escaped {
            'r' => '\r',
            'f' => '\u{c}',
            't' => '\t',
            'n' => '\n',
            'b' => '\u{8}',
            other => other,
        });
    }
    flush_surrogate(&mut out, &mut pending_high);
    Ok(out)
}

/// `\uD83D\uDE00` is one character written as two UTF-16 escapes.
fn push_utf16_unit(out: &mut String, pending_high: &mut Option<u16>, unit: u16) {
    if let Some(high) = pending_high.take() {
        if (0xDC00..0xE000).contains(&unit) {
            let code = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            return;
        }
        out.push('\u{FFFD}');
    }
    if (0xD800..0xDC00).contains(&unit) {
        *pending_high = Some(unit);
    } else {
        out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
    }
}

fn flush_surrogate(out: &mut String, pending_high: &mut Option<u16>) {
    if pending_high.take().is_some() {
        out.push('\u{FFFD}');
    }
}

/// The index after `start` of the next `target` not preceded by a backslash.
fn next_unescaped(chars: &[char], start: usize, target: char) -> Option<usize> {
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate().skip(start + 1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == target {
            return Some(i);
        }
    }
    None
}

/// The index of the `close` matching the `open` at `start`, optionally skipping quoted
/// strings and `/regex/` literals (Jayway's `indexOfMatchingCloseChar`). An unterminated
/// string or regex is an error; no matching `close` is `None`.
fn matching_close(
    chars: &[char],
    start: usize,
    open: char,
    close: char,
    skip_strings: bool,
    skip_regex: bool,
) -> Result<Option<usize>, SyntaxError> {
    let mut depth = 1usize;
    let mut at = start + 1;
    while at < chars.len() {
        if let Some(&quote @ ('\'' | '"')) = chars.get(at).filter(|_| skip_strings) {
            at = next_unescaped(chars, at, quote).ok_or(SyntaxError::NoClosingQuote { quote, position: at })? + 1;
        }
        if skip_regex && chars.get(at) == Some(&'/') {
            at = next_unescaped(chars, at, '/').ok_or(SyntaxError::NoClosingSlash { position: at })? + 1;
        }
        match chars.get(at) {
            Some(&c) if c == open => depth += 1,
            Some(&c) if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(at));
                }
            }
            Some(_) => {}
            None => break,
        }
        at += 1;
    }
    Ok(None)
}

fn is_relational_char(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '~' | '!')
}

/// Parses the `( ... )` of a filter (Jayway's `FilterCompiler`):
///
/// ```text
/// or      = and { '||' and }
/// and     = operand { '&&' operand }
/// operand = '!' operand | '(' or ')' | value [ operator value ]
/// ```
///
/// A lone value must be a path and tests existence.
struct FilterParser<'c> {
    /// From the opening `(` to the closing `)` inclusive.
    chars: &'c [char],
    pos: usize,
    depth: usize,
}

impl FilterParser<'_> {
    fn parse(mut self) -> Result<Expr, SyntaxError> {
        let expr = self.or()?;
        self.skip_blanks();
        if self.pos < self.chars.len() {
            return Err(SyntaxError::FilterTrailing {
                rest: self.text(self.pos, self.chars.len()),
            });
        }
        Ok(expr)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars.get(from..to).unwrap_or(&[]).iter().collect()
    }

    fn skip_blanks(&mut self) {
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
    }

    /// Consumes `token` (after blanks) if it is next.
    fn eat(&mut self, token: &str) -> bool {
        self.skip_blanks();
        let len = token.chars().count();
        if self.text(self.pos, self.pos + len) == token {
            self.pos += len;
            true
        } else {
            false
        }
    }

    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Result<T, SyntaxError>) -> Result<T, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError::FilterTooDeep);
        }
        let result = read(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut operands = vec![self.and()?];
        loop {
            let save = self.pos;
            if self.eat("||") {
                operands.push(self.and()?);
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Expr::Or(operands)
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut operands = vec![self.operand()?];
        loop {
            let save = self.pos;
            if self.eat("&&") {
                operands.push(self.operand()?);
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Expr::And(operands)
        })
    }

    fn operand(&mut self) -> Result<Expr, SyntaxError> {
        self.skip_blanks();
        let save = self.pos;
        if self.peek() == Some('!') {
            self.pos += 1;
            self.skip_blanks();
            if matches!(self.peek(), Some('$' | '@')) {
                // `!@.a` is a negated existence test, read with the path.
                self.pos = save;
            } else {
                let inner = self.nested(Self::operand)?;
                return Ok(Expr::Not(Box::new(inner)));
            }
        }
        if self.peek() == Some('(') {
            self.pos += 1;
            let inner = self.nested(Self::or)?;
            self.skip_blanks();
            if self.peek() != Some(')') {
                return Err(SyntaxError::ExpectedParen { position: self.pos });
            }
            self.pos += 1;
            return Ok(inner);
        }
        self.relation()
    }

    fn relation(&mut self) -> Result<Expr, SyntaxError> {
        let (left, negated) = self.value()?;
        let save = self.pos;
        if let Some(op) = self.operator() {
            let (right, _) = self.value()?;
            return Ok(Expr::Compare { left, op, right });
        }
        self.pos = save;
        match left {
            Operand::Query(query) => Ok(Expr::Exists {
                query,
                expected: !negated,
            }),
            Operand::Literal(_) => Err(SyntaxError::ExpectedComparison { position: self.pos }),
        }
    }

    /// Jayway reads a run of `<>=~!` characters, or else a word up to the next space.
    fn operator(&mut self) -> Option<RelOp> {
        self.skip_blanks();
        let start = self.pos;
        let symbolic = self.peek().is_some_and(is_relational_char);
        while let Some(c) = self.peek() {
            let continues = if symbolic { is_relational_char(c) } else { c != ' ' };
            if !continues {
                break;
            }
            self.pos += 1;
        }
        RelOp::from_text(&self.text(start, self.pos))
    }

    /// A path (with whether `!` preceded it) or a literal.
    fn value(&mut self) -> Result<(Operand, bool), SyntaxError> {
        self.skip_blanks();
        match self.peek() {
            Some('$' | '@') => self.path(false),
            Some('!') => {
                self.pos += 1;
                self.skip_blanks();
                if matches!(self.peek(), Some('$' | '@')) {
                    self.path(true)
                } else {
                    Err(SyntaxError::UnexpectedChar {
                        found: '!',
                        position: self.pos,
                    })
                }
            }
            _ => Ok((Operand::Literal(self.literal()?), false)),
        }
    }

    /// A path runs to a relational character, a space, or a `)` that does not close a
    /// function call such as `@.length()`; brackets are skipped whole.
    fn path(&mut self, negated: bool) -> Result<(Operand, bool), SyntaxError> {
        let begin = self.pos;
        self.pos += 1;
        while self.pos < self.chars.len() {
            if self.peek() == Some('[') {
                let Some(close) = matching_close(self.chars, self.pos, '[', ']', true, false)? else {
                    return Err(SyntaxError::FilterBrackets);
                };
                self.pos = close + 1;
            }
            let Some(c) = self.peek() else { break };
            let closes_group = c == ')' && !self.closes_function_call(begin);
            if is_relational_char(c) || c == ' ' || closes_group {
                break;
            }
            self.pos += 1;
        }
        let text = self.text(begin, self.pos);
        let query = parse_query(&text, Mode::Embedded, self.depth + 1).map_err(|e| SyntaxError::InvalidFilterPath {
            text: text.clone(),
            reason: Box::new(e),
        })?;
        Ok((Operand::Query(query), negated))
    }

    /// Whether the `)` at `pos` closes `.name(`: the previous non-blank is `(` and a `.`
    /// occurs between the start of the path and it.
    fn closes_function_call(&self, path_start: usize) -> bool {
        let mut at = self.pos;
        loop {
            let Some(prev) = at.checked_sub(1) else {
                return false;
            };
            at = prev;
            if self.chars.get(at) != Some(&' ') {
                break;
            }
        }
        if self.chars.get(at) != Some(&'(') {
            return false;
        }
        (path_start + 1..at).rev().any(|i| self.chars.get(i) == Some(&'.'))
    }

    fn literal(&mut self) -> Result<Literal, SyntaxError> {
        self.skip_blanks();
        match self.peek() {
            Some(quote @ ('\'' | '"')) => {
                let Some(close) = next_unescaped(self.chars, self.pos, quote) else {
                    return Err(SyntaxError::UnclosedString { position: self.pos });
                };
                let value = unescape(self.chars.get(self.pos + 1..close).unwrap_or(&[]))?;
                self.pos = close + 1;
                Ok(Literal::String(value))
            }
            Some('t') => self.word("true", Literal::Bool(true)),
            Some('f') => self.word("false", Literal::Bool(false)),
            Some('n') => self.word("null", Literal::Null),
            Some(open @ ('[' | '{')) => {
                let close_char = if open == '[' { ']' } else { '}' };
                let Some(close) = matching_close(self.chars, self.pos, open, close_char, true, false)? else {
                    return Err(SyntaxError::UnclosedJson { position: self.pos });
                };
                let text = self.text(self.pos, close + 1);
                let value = lenient_json::parse(&text)?;
                self.pos = close + 1;
                Ok(Literal::Json(value))
            }
            Some('/') => self.pattern(),
            _ => self.number(),
        }
    }

    fn word(&mut self, word: &'static str, literal: Literal) -> Result<Literal, SyntaxError> {
        let len = word.chars().count();
        if self.text(self.pos, self.pos + len) == word {
            self.pos += len;
            Ok(literal)
        } else {
            Err(SyntaxError::ExpectedWord {
                word,
                position: self.pos,
            })
        }
    }

    fn number(&mut self) -> Result<Literal, SyntaxError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E'))
        {
            self.pos += 1;
        }
        let text = self.text(start, self.pos);
        Decimal::parse(&text)
            .map(Literal::Number)
            .ok_or(SyntaxError::ExpectedValue { position: start })
    }

    /// `/pattern/flags`; the flags are the letters right after the closing slash.
    fn pattern(&mut self) -> Result<Literal, SyntaxError> {
        let Some(close) = next_unescaped(self.chars, self.pos, '/') else {
            return Err(SyntaxError::UnclosedRegex);
        };
        let pattern = self.text(self.pos + 1, close);
        let mut end = close + 1;
        while self.chars.get(end).is_some_and(char::is_ascii_alphabetic) {
            end += 1;
        }
        let flags = self.text(close + 1, end);
        self.pos = end;
        Ok(Literal::Pattern(Regex::new(&pattern, &flags)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Query, SyntaxError> {
        parse_query(text, Mode::TopLevel, 0)
    }

    fn rendered(text: &str) -> String {
        let query = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        query.render_body()
    }

    #[test]
    fn reads_every_step_form() {
        let table = [
            ("$", ""),
            ("$.a", "['a']"),
            ("$.a.['b c']", "['a']['b c']"),
            ("$['b c']", "['b c']"),
            ("$[\"key\"]", "[\"key\"]"),
            ("$[ 'a' ]", "['a']"),
            ("$['a','b']", "['a','b']"),
            ("$.key-dash", "['key-dash']"),
            ("$.'key'", "[''key'']"),
            ("$[0]", "[0]"),
            ("$[-1]", "[-1]"),
            ("$[ 0 , 1 ]", "[0,1]"),
            ("$[1:3]", "[1:3]"),
            ("$[-2:]", "[-2:]"),
            ("$[:2]", "[:2]"),
            ("$[0:4:2]", "[0:4]"),
            ("$[010:024:010]", "[10:24]"),
            ("$.*", "[*]"),
            ("$[ * ]", "[*]"),
            ("$..name", "..['name']"),
            ("$..*", "..[*]"),
            ("$..[0]", "..[0]"),
            ("$[?(@.price < 10)]", "[?]"),
            ("$.items.length()", "['items'].length()"),
            ("$.numbers.append(1, 2).avg()", "['numbers'].append(...).avg()"),
            ("$..price.sum()", ".sum(...)"),
            ("$['\\'']", "['\\'']"),
            ("$['\\\\']", "['\\\\']"),
            ("$['Test\\\"\"Name\"']", "['Test\\\"\"Name\"']"),
        ];
        for (text, expected) in table {
            assert_eq!(rendered(text), expected, "{text}");
        }
    }

    #[test]
    fn reads_roots() {
        let anchor = |text: &str| parse(text).map(|q| q.anchor);
        assert_eq!(anchor("$.a"), Ok(Anchor::Root(Root::Input)));
        assert_eq!(anchor("$$.Execution.Id"), Ok(Anchor::Root(Root::Context)));
        assert_eq!(anchor("$$"), Ok(Anchor::Root(Root::Context)));
        assert_eq!(anchor("$myVar.field"), Ok(Anchor::Root(Root::Variable("myVar".into()))));
        assert_eq!(anchor("$_x[0]"), Ok(Anchor::Root(Root::Variable("_x".into()))));
        assert_eq!(anchor("$v2"), Ok(Anchor::Root(Root::Variable("v2".into()))));
        assert_eq!(
            anchor("$prix_€"),
            Err(SyntaxError::AfterRoot {
                found: '€',
                position: 6
            })
        );
        assert_eq!(anchor("$größe.x"), Ok(Anchor::Root(Root::Variable("größe".into()))));
        assert!(parse("@.a").is_err());
        assert!(parse("$my-var").is_err());
        assert!(parse("$1").is_err());
        assert_eq!(
            parse_query("@.a", Mode::Embedded, 0).map(|q| q.anchor),
            Ok(Anchor::Current)
        );
        assert!(parse_query("$$.a", Mode::Embedded, 0).is_err());
    }

    #[test]
    fn rejects_what_jayway_rejects() {
        for text in [
            "",
            "a.b",
            "$.",
            "$..",
            "$.a.",
            "$...key",
            "$[]",
            "$[key]",
            "$.[key]",
            "$[two.some]",
            "$['two'.'some']",
            "$['single'quote']",
            "$[:]",
            "$[::]",
            "$[::2]",
            "$[1:3,4]",
            "$[*,1]",
            "$[2:113667776004]",
            "$[(@.length-1)]",
            "$(key,more)",
            "$. a",
            "$.a b",
            "$[?(@.key='value')]",
            "$[?(@.key=42)]",
            "$[?()]",
            "$[?(true)]",
            "$[?(@.key>0 && false)]",
            "$[?@.key==42]",
            "$[?(@.key<3),?(@.key>6)]",
            "$[?(length(@) == 4)]",
            "$[?((@.key<44)==false)]",
            "$[?(@.key/10==5)]",
            "$.nosuchfunction()",
            "$..length()",
            "$.length().a",
            "$.length()[0]",
            "$.sum(1",
            "$['a'",
            "$['a',]",
        ] {
            assert!(parse(text).is_err(), "{text:?} should be rejected");
        }
    }

    #[test]
    fn reads_function_arguments() {
        let query =
            parse("$.sum(5, \"x\", $.numbers.max(), 'ignored', {\"a\":[1,2]})").unwrap_or_else(|e| panic!("{e}"));
        let Some(call) = query.calls.first() else {
            panic!("one call expected");
        };
        assert_eq!(call.args.len(), 4);
        assert!(matches!(call.args.first(), Some(Arg::Json(v)) if v == &serde_json::json!(5)));
        assert!(matches!(call.args.get(2), Some(Arg::Path(q)) if q.calls.len() == 1));
    }

    #[test]
    fn refuses_pathological_nesting() {
        let deep = format!("$[?({}@.a{})]", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
        let mut nested = "@.a".to_string();
        for _ in 0..100 {
            nested = format!("@[?({nested})]");
        }
        assert!(parse(&format!("$[?({nested})]")).is_err());
    }

    #[test]
    fn unescapes_like_java() {
        let chars: Vec<char> = "a\\'b\\\\c\\u00e9\\uD83D\\uDE00\\".chars().collect();
        assert_eq!(unescape(&chars), Ok("a'b\\c\u{e9}\u{1F600}\\".to_string()));
        let bad: Vec<char> = "\\uZZZZ".chars().collect();
        assert!(unescape(&bad).is_err());
    }
}
