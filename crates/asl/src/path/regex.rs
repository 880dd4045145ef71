//! The regular expressions of Jayway's `=~` operator (`@.name =~ /ab.*c/i`).
//!
//! Jayway hands the pattern to `java.util.regex.Pattern` and asks whether the whole value
//! matches. Matching is done by the `regex` crate (linear time in the input, no recursion
//! at match time); this module translates Java's syntax into the crate's, keeping Java's
//! meaning where the two differ: `\d \w \s \b` are ASCII-only, `.` stops at every Java
//! line terminator, case-insensitive matching folds only ASCII letters unless the `u` flag
//! asks for Unicode case. It covers the Java syntax people put in filters: literals, `.`,
//! classes (`[a-z]`, `[^0-9]`, `\d \w \s` and their negations), anchors `^ $ \A \z \Z \b
//! \B`, groups `(...)`, `(?:...)`, `(?<name>...)`, alternation, `\Q...\E` and the
//! quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy, which cannot change a yes/no
//! answer). Features whose meaning needs backtracking (back-references, look-around,
//! possessive quantifiers) and the rarer syntax (`\p{..}`, class intersections, inline
//! flags, the `x` flag) are refused when the path is parsed, with a message naming the
//! feature: the same refusals as before the crate was used.
//!
//! Two anchors differ slightly from Java, because the crate has no look-ahead: without the
//! `m` flag, `$` and `\Z` also hold before a `\n` or `\r` in the middle of the text (Java:
//! only before a final line terminator), and with `m`, `^` also holds after a final line
//! terminator. A whole-text match only notices when the pattern goes on to match text
//! after such a terminator.

use std::fmt::Write as _;

/// A compiled pattern with its flags.
#[derive(Debug, Clone)]
pub(super) struct Regex {
    compiled: regex::Regex,
}

/// Why a pattern was refused. The text is part of the path's syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegexError {
    #[error("the regular expression flag 'x' is not supported")]
    ExtendedFlag,
    #[error("unmatched '{0}' in regular expression")]
    Unmatched(char),
    #[error("unexpected end of regular expression")]
    UnexpectedEnd,
    #[error("unexpected end of regular expression after '\\'")]
    EndAfterBackslash,
    #[error("dangling meta character '{0}' in regular expression")]
    Dangling(char),
    #[error("illegal repetition '{{' in regular expression")]
    IllegalRepetition,
    #[error("unclosed counted repetition in regular expression")]
    UnclosedRepetition,
    #[error("illegal repetition range in regular expression")]
    RepetitionRange,
    #[error("repetition count too large in regular expression")]
    CountTooLarge,
    #[error("possessive quantifiers are not supported in regular expressions")]
    Possessive,
    #[error("regular expression nests groups too deeply")]
    TooDeep,
    #[error("malformed named group in regular expression")]
    NamedGroup,
    #[error("look-around is not supported in regular expressions")]
    LookAround,
    #[error("inline flags and special groups are not supported in regular expressions")]
    SpecialGroup,
    #[error("unclosed group in regular expression")]
    UnclosedGroup,
    #[error("back-references are not supported in regular expressions")]
    BackReference,
    #[error("the escape '\\{0}' is not supported in regular expressions")]
    UnsupportedEscape(char),
    #[error("malformed hexadecimal escape in regular expression")]
    MalformedHex,
    #[error("invalid character escape in regular expression")]
    InvalidCharacter,
    #[error("unclosed character class in regular expression")]
    UnclosedClass,
    #[error("nested character classes are not supported in regular expressions")]
    NestedClass,
    #[error("character class intersections are not supported in regular expressions")]
    ClassIntersection,
    #[error("illegal character range in regular expression")]
    CharacterRange,
    #[error("regular expression is too large")]
    TooLarge,
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    case_insensitive: bool,
    unicode_case: bool,
    dot_all: bool,
    multiline: bool,
    unix_lines: bool,
}

impl Flags {
    /// Case folding of ASCII letters only, which we spell out letter by letter.
    fn ascii_fold(self) -> bool {
        self.case_insensitive && !self.unicode_case
    }
}

/// Deeper group nesting than this is refused rather than risking the parser's stack.
const MAX_NESTING: usize = 64;
/// The largest count of a counted repetition (`a{1000}`).
const MAX_COUNT: u32 = 1000;
/// The most memory the compiled program may take; larger patterns are refused.
const SIZE_LIMIT: usize = 1 << 20;

/// Java's `\d`, `\w` and `\s`, as classes of the `regex` crate (without brackets).
const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = "\\t\\n\\x0B\\x0C\\r ";

impl Regex {
    /// Compiles `pattern` with Java flag letters (`i`, `s`, `m`, `u`, `d`; Jayway ignores
    /// letters it does not know, and so do we, except `x` which changes the syntax).
    pub(super) fn new(pattern: &str, flag_letters: &str) -> Result<Regex, RegexError> {
        let mut flags = Flags::default();
        for letter in flag_letters.chars() {
            match letter {
                'i' => flags.case_insensitive = true,
                'u' => flags.unicode_case = true,
                's' => flags.dot_all = true,
                'm' => flags.multiline = true,
                'd' => flags.unix_lines = true,
                'x' => return Err(RegexError::ExtendedFlag),
                _ => {}
            }
        }
        let translated = translate(pattern, flags)?;
        let compiled = regex::RegexBuilder::new(&translated)
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|_| RegexError::TooLarge)?;
        Ok(Regex { compiled })
    }

    /// Whether the whole of `input` matches (Java's `Matcher.matches()`).
    pub(super) fn matches_fully(&self, input: &str) -> bool {
        self.compiled.is_match(input)
    }
}

/// The `regex` crate's spelling of a Java pattern, anchored to match the whole text.
fn translate(pattern: &str, flags: Flags) -> Result<String, RegexError> {
    let mut translator = Translator {
        chars: pattern.chars().collect(),
        pos: 0,
        depth: 0,
        flags,
        out: String::with_capacity(pattern.len() * 2 + 16),
    };
    translator
        .out
        .push_str(if flags.case_insensitive && flags.unicode_case {
            "(?i)\\A(?:"
        } else {
            "\\A(?:"
        });
    translator.alternation()?;
    if let Some(c) = translator.peek() {
        return Err(RegexError::Unmatched(c));
    }
    translator.out.push_str(")\\z");
    Ok(translator.out)
}

/// Reads Java's syntax (recursive descent over alternation, concatenation, quantified
/// atoms) and writes the equivalent into `out` as it goes.
struct Translator {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    flags: Flags,
    out: String,
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn alternation(&mut self) -> Result<(), RegexError> {
        self.concat()?;
        while self.peek() == Some('|') {
            self.pos += 1;
            self.out.push('|');
            self.concat()?;
        }
        Ok(())
    }

    fn concat(&mut self) -> Result<(), RegexError> {
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            // Each atom is a group of its own, so a quantifier after it applies to all of
            // it (an escaped letter may have become a class, `\Q..\E` a run of literals).
            self.out.push_str("(?:");
            self.atom()?;
            self.out.push(')');
            self.quantifier()?;
        }
        Ok(())
    }

    fn quantifier(&mut self) -> Result<(), RegexError> {
        match self.peek() {
            Some(c @ ('*' | '+' | '?')) => {
                self.pos += 1;
                self.out.push(c);
            }
            Some('{') => self.counted()?,
            _ => return Ok(()),
        }
        self.quantifier_suffix()
    }

    fn counted(&mut self) -> Result<(), RegexError> {
        self.pos += 1; // '{'
        let min = self.number()?.ok_or(RegexError::IllegalRepetition)?;
        let max = if self.peek() == Some(',') {
            self.pos += 1;
            self.number()?
        } else {
            Some(min)
        };
        if self.next() != Some('}') {
            return Err(RegexError::UnclosedRepetition);
        }
        if max.is_some_and(|max| max < min) {
            return Err(RegexError::RepetitionRange);
        }
        let _ = match max {
            Some(max) if max == min => write!(self.out, "{{{min}}}"),
            Some(max) => write!(self.out, "{{{min},{max}}}"),
            None => write!(self.out, "{{{min},}}"),
        };
        Ok(())
    }

    fn number(&mut self) -> Result<Option<u32>, RegexError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Ok(None);
        }
        let text: String = self.chars.get(start..self.pos).unwrap_or(&[]).iter().collect();
        text.parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_COUNT)
            .map(Some)
            .ok_or(RegexError::CountTooLarge)
    }

    /// A lazy `?` cannot change whether a match exists; possessive `+` can, and needs
    /// backtracking control the crate does not have.
    fn quantifier_suffix(&mut self) -> Result<(), RegexError> {
        match self.peek() {
            Some('?') => {
                self.pos += 1;
                self.out.push('?');
                Ok(())
            }
            Some('+') => Err(RegexError::Possessive),
            _ => Ok(()),
        }
    }

    fn atom(&mut self) -> Result<(), RegexError> {
        let Some(c) = self.next() else {
            return Err(RegexError::UnexpectedEnd);
        };
        match c {
            '.' => {
                let dot = if self.flags.dot_all {
                    "(?s:.)"
                } else if self.flags.unix_lines {
                    "[^\\n]"
                } else {
                    "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]"
                };
                self.out.push_str(dot);
            }
            '^' => self.line_start(),
            '$' => self.line_end(),
            '(' => self.group()?,
            '[' => self.class()?,
            '\\' => self.escape()?,
            '*' | '+' | '?' => return Err(RegexError::Dangling(c)),
            '{' => return Err(RegexError::IllegalRepetition),
            other => self.literal(other),
        }
        Ok(())
    }

    /// Java's `^`: the start of a line with the `m` flag, else the start of the text.
    fn line_start(&mut self) {
        let anchor = match (self.flags.multiline, self.flags.unix_lines) {
            (false, _) => "\\A",
            (true, true) => "(?m:^)",
            (true, false) => "(?mR:^)",
        };
        self.out.push_str(anchor);
    }

    /// Java's `$`: the end of a line with the `m` flag, else the end of the text or the
    /// place before a final line terminator (see the module documentation).
    fn line_end(&mut self) {
        let terminators = if self.flags.unix_lines { "m" } else { "mR" };
        let _ = write!(self.out, "(?{terminators}:$)");
    }

    fn group(&mut self) -> Result<(), RegexError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(RegexError::TooDeep);
        }
        if self.peek() == Some('?') {
            self.pos += 1;
            match self.next() {
                Some(':') => {}
                Some('<') if self.peek().is_some_and(|c| c.is_ascii_alphabetic()) => {
                    while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                        self.pos += 1;
                    }
                    if self.next() != Some('>') {
                        return Err(RegexError::NamedGroup);
                    }
                }
                Some('=' | '!' | '<') => return Err(RegexError::LookAround),
                _ => return Err(RegexError::SpecialGroup),
            }
        }
        self.out.push_str("(?:");
        self.alternation()?;
        if self.next() != Some(')') {
            return Err(RegexError::UnclosedGroup);
        }
        self.out.push(')');
        self.depth -= 1;
        Ok(())
    }

    fn escape(&mut self) -> Result<(), RegexError> {
        let Some(c) = self.next() else {
            return Err(RegexError::EndAfterBackslash);
        };
        match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                let class = shorthand_class(c).unwrap_or_default();
                let _ = write!(self.out, "[{class}]");
            }
            'b' => self.out.push_str("(?-u:\\b)"),
            'B' => self.out.push_str("(?-u:\\B)"),
            'A' => self.out.push_str("\\A"),
            'z' => self.out.push_str("\\z"),
            'Z' => {
                let terminators = if self.flags.unix_lines { "m" } else { "mR" };
                let _ = write!(self.out, "(?:\\z|(?{terminators}:$))");
            }
            'Q' => self.quoted(),
            other => {
                let literal = self.escaped_char(other)?;
                self.literal(literal);
            }
        }
        Ok(())
    }

    /// `\Q...\E`: everything up to `\E` (or the end) is literal. As in Java, a
    /// quantifier after it applies to its last character only.
    fn quoted(&mut self) {
        let mut quoted = Vec::new();
        while let Some(c) = self.next() {
            if c == '\\' && self.peek() == Some('E') {
                self.pos += 1;
                break;
            }
            quoted.push(c);
        }
        if let Some((last, before)) = quoted.split_last() {
            for &c in before {
                self.literal(c);
            }
            // Close the atom's group before the last character and open another for it.
            self.out.push_str(")(?:");
            self.literal(*last);
        }
    }

    /// Escapes that stand for one character, shared by classes and the main syntax.
    fn escaped_char(&mut self, c: char) -> Result<char, RegexError> {
        match c {
            't' => Ok('\t'),
            'n' => Ok('\n'),
            'r' => Ok('\r'),
            'f' => Ok('\u{c}'),
            'a' => Ok('\u{7}'),
            'e' => Ok('\u{1b}'),
            'x' => self.hex(2),
            'u' => self.hex(4),
            '1'..='9' | 'k' => Err(RegexError::BackReference),
            c if c.is_ascii_alphanumeric() => Err(RegexError::UnsupportedEscape(c)),
            other => Ok(other),
        }
    }

    fn hex(&mut self, digits: usize) -> Result<char, RegexError> {
        let mut value = 0u32;
        for _ in 0..digits {
            let digit = self
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or(RegexError::MalformedHex)?;
            value = value * 16 + digit;
        }
        char::from_u32(value).ok_or(RegexError::InvalidCharacter)
    }

    /// One literal character; an ASCII letter matches both cases under ASCII folding.
    fn literal(&mut self, c: char) {
        let other_case = other_ascii_case(c).filter(|_| self.flags.ascii_fold());
        match other_case {
            Some(other) => {
                let _ = write!(self.out, "[{c}{other}]");
            }
            None => push_char(&mut self.out, c),
        }
    }

    fn class(&mut self) -> Result<(), RegexError> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        self.out.push_str(if negated { "[^" } else { "[" });
        let mut first = true;
        loop {
            let Some(c) = self.next() else {
                return Err(RegexError::UnclosedClass);
            };
            match c {
                ']' if !first => break,
                '[' => return Err(RegexError::NestedClass),
                '&' if self.peek() == Some('&') => return Err(RegexError::ClassIntersection),
                _ => {}
            }
            first = false;
            let low = if c == '\\' {
                let Some(escaped) = self.next() else {
                    return Err(RegexError::UnclosedClass);
                };
                if let Some(class) = shorthand_class(escaped) {
                    let _ = write!(self.out, "[{class}]");
                    continue;
                }
                self.escaped_char(escaped)?
            } else {
                c
            };
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|next| next != ']') {
                self.pos += 1;
                let high = match self.next() {
                    Some('\\') => {
                        let escaped = self.next().ok_or(RegexError::UnclosedClass)?;
                        self.escaped_char(escaped)?
                    }
                    Some(high) => high,
                    None => return Err(RegexError::UnclosedClass),
                };
                if high < low {
                    return Err(RegexError::CharacterRange);
                }
                self.class_range(low, high);
            } else {
                self.class_range(low, low);
            }
        }
        self.out.push(']');
        Ok(())
    }

    /// A class range, with the other case of its ASCII letters under ASCII folding.
    fn class_range(&mut self, low: char, high: char) {
        push_range(&mut self.out, low, high);
        if !self.flags.ascii_fold() {
            return;
        }
        for (from, to, shift) in [('a', 'z', -32i32), ('A', 'Z', 32i32)] {
            let start = low.max(from);
            let end = high.min(to);
            if start <= end {
                let moved = |c: char| char::from_u32(u32::from(c).wrapping_add_signed(shift)).unwrap_or(c);
                push_range(&mut self.out, moved(start), moved(end));
            }
        }
    }
}

/// The class inside brackets for `\d \D \w \W \s \S`.
fn shorthand_class(letter: char) -> Option<String> {
    let (set, negated) = match letter {
        'd' => (DIGIT, false),
        'D' => (DIGIT, true),
        'w' => (WORD, false),
        'W' => (WORD, true),
        's' => (SPACE, false),
        'S' => (SPACE, true),
        _ => return None,
    };
    Some(if negated { format!("^{set}") } else { set.to_owned() })
}

fn other_ascii_case(c: char) -> Option<char> {
    if c.is_ascii_lowercase() {
        Some(c.to_ascii_uppercase())
    } else if c.is_ascii_uppercase() {
        Some(c.to_ascii_lowercase())
    } else {
        None
    }
}

/// A character written so that the crate reads it literally, inside or outside a class.
fn push_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", u32::from(c));
    }
}

fn push_range(out: &mut String, low: char, high: char) {
    push_char(out, low);
    if high != low {
        out.push('-');
        push_char(out, high);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, flags: &str, input: &str) -> bool {
        Regex::new(pattern, flags)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches_fully(input)
    }

    #[test]
    fn matches_whole_input_only() {
        let table = [
            ("hello.*", "", "hello world", true),
            ("hello.*", "", "yes hello world", false),
            ("hello", "", "hello world", false),
            ("hello.*", "", "HELLO WORLD", false),
            ("hello.*", "i", "HELLO WORLD", true),
            ("a|b|cd", "", "cd", true),
            ("a|b|cd", "", "c", false),
            ("(ab)+", "", "ababab", true),
            ("(ab)+", "", "ababa", false),
            ("a{2,3}", "", "aaa", true),
            ("a{2,3}", "", "aaaa", false),
            ("a{2}", "", "aa", true),
            ("a{2,}", "", "aaaaa", true),
            ("[a-c]+x?", "", "abcabc", true),
            ("[^0-9]*", "", "abc", true),
            ("[^0-9]*", "", "ab1", false),
            ("\\d{3}-\\d{4}", "", "555-1234", true),
            ("\\w+@\\w+\\.com", "", "hi@example.com", true),
            ("\\s*x\\s*", "", "  x ", true),
            ("^abc$", "", "abc", true),
            (".*\\bword\\b.*", "", "a word here", true),
            (".*\\bword\\b.*", "", "swordfish", false),
            ("a.c", "", "a\nc", false),
            ("a.c", "s", "a\nc", true),
            ("(?:x|y)*z", "", "xyxz", true),
            ("(?<name>ab)c", "", "abc", true),
            ("a*?b", "", "aaab", true),
            ("\\Q.*\\E", "", ".*", true),
            ("\\Q.*\\E", "", "ab", false),
            ("\\Q.*\\E+", "", ".**", true),
            ("[\\d.]+", "", "3.14", true),
            ("x\\u00e9", "", "x\u{e9}", true),
            ("", "", "", true),
            ("", "", "a", false),
            ("Ü", "i", "ü", false),
            ("Ü", "iu", "ü", true),
        ];
        for (pattern, flags, input, expected) in table {
            assert_eq!(
                matches(pattern, flags, input),
                expected,
                "/{pattern}/{flags} against {input:?}"
            );
        }
    }

    /// Where Java's meaning differs from the `regex` crate's defaults: ASCII-only classes
    /// and word boundaries, Java's line terminators, ASCII-only case folding.
    #[test]
    fn keeps_java_meaning() {
        let table = [
            ("\\d", "", "٣", false),
            ("\\D", "", "٣", true),
            ("\\w+", "", "größe", false),
            ("\\W", "", "ö", true),
            ("\\s", "", "\u{a0}", false),
            ("\\s", "", "\u{b}", true),
            ("[\\w-]+", "", "a-b_c", true),
            ("[^\\d]+", "", "abc", true),
            ("[^\\D]+", "", "123", true),
            (".", "", "\r", false),
            (".", "", "\u{2028}", false),
            (".", "d", "\r", true),
            (".", "d", "\n", false),
            (".", "s", "\u{2028}", true),
            ("[a-c]+", "i", "ABC", true),
            ("[^a]", "i", "A", false),
            ("k", "i", "\u{212a}", false),
            ("k", "iu", "\u{212a}", true),
            ("é", "i", "É", false),
            ("é", "iu", "É", true),
            (".*\\bö", "", "xö", true),
            (".*\\Bö", "", "öö", true),
            ("a$\\n", "", "a\n", true),
            ("a\\Z\\n", "", "a\n", true),
            ("a\\nb", "m", "a\nb", true),
            ("a$\\n^b", "m", "a\nb", true),
            ("a\\r^b", "m", "a\rb", true),
            ("a\\r^b", "md", "a\rb", false),
            ("a$\\r", "", "a\r", true),
            ("^a", "", "a", true),
            ("\\Aab\\z", "", "ab", true),
            ("a\\tb", "", "a\tb", true),
            ("\\x41", "", "A", true),
            ("[\\x41-\\x43]+", "", "ABC", true),
            ("\\.", "", ".", true),
            ("\\.", "", "x", false),
            ("[.]", "", "x", false),
            ("[]a]+", "", "]a", true),
            ("[a-]+", "", "a-", true),
            ("^*a", "", "a", true),
        ];
        for (pattern, flags, input, expected) in table {
            assert_eq!(
                matches(pattern, flags, input),
                expected,
                "/{pattern}/{flags} against {input:?}"
            );
        }
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        let input = "a".repeat(5_000) + "b";
        assert!(!matches("(a*)*c", "", &input));
        assert!(!matches("(a|aa)+c", "", &input));
    }

    #[test]
    fn unsupported_features_are_rejected() {
        let table = [
            ("(a)\\1", RegexError::BackReference),
            ("\\k<a>", RegexError::BackReference),
            ("(?=a)a", RegexError::LookAround),
            ("(?!a)a", RegexError::LookAround),
            ("(?<=a)b", RegexError::LookAround),
            ("(?<!a)b", RegexError::LookAround),
            ("a*+", RegexError::Possessive),
            ("\\p{L}", RegexError::UnsupportedEscape('p')),
            ("[a[b]]", RegexError::NestedClass),
            ("[a&&b]", RegexError::ClassIntersection),
            ("(?i)a", RegexError::SpecialGroup),
            ("(a", RegexError::UnclosedGroup),
            ("a)", RegexError::Unmatched(')')),
            ("[a", RegexError::UnclosedClass),
            ("*a", RegexError::Dangling('*')),
            ("a{2", RegexError::UnclosedRepetition),
            ("a{3,1}", RegexError::RepetitionRange),
            ("a{99999}", RegexError::CountTooLarge),
            ("[z-a]", RegexError::CharacterRange),
            ("\\x4", RegexError::MalformedHex),
            ("a\\", RegexError::EndAfterBackslash),
            ("(a{1000}){1000}", RegexError::TooLarge),
        ];
        for (pattern, expected) in table {
            assert_eq!(Regex::new(pattern, "").err(), Some(expected), "{pattern}");
        }
        assert_eq!(Regex::new("a", "x").err(), Some(RegexError::ExtendedFlag));
        let deep = "(".repeat(200) + &")".repeat(200);
        assert_eq!(Regex::new(&deep, "").err(), Some(RegexError::TooDeep));
    }

    /// The texts are part of path syntax errors, which definitions' diagnostics show.
    #[test]
    fn messages_name_the_feature() {
        let table = [
            ("(a)\\1", "back-references are not supported in regular expressions"),
            ("(?=a)", "look-around is not supported in regular expressions"),
            ("\\p{L}", "the escape '\\p' is not supported in regular expressions"),
            ("a{", "illegal repetition '{' in regular expression"),
            ("a)", "unmatched ')' in regular expression"),
        ];
        for (pattern, expected) in table {
            let message = Regex::new(pattern, "").err().map(|e| e.to_string());
            assert_eq!(message.as_deref(), Some(expected), "{pattern}");
        }
    }
}
