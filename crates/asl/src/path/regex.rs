//! The regular expressions of Jayway's `=~` operator (`@.name =~ /ab.*c/i`).
//!
//! Jayway hands the pattern to `java.util.regex.Pattern` and asks whether the whole value
//! matches. We only need that yes/no answer, so this is a Thompson-NFA simulation (a "Pike
//! VM" without captures): matching time is linear in the input for any pattern and nothing
//! recurses at match time, so no input can blow the stack or hang the engine. It covers
//! the Java syntax people put in filters: literals, `.`, classes (`[a-z]`, `[^0-9]`,
//! `\d \w \s` and their negations), anchors `^ $ \A \z \Z \b \B`, groups `(...)`, `(?:...)`,
//! `(?<name>...)`, alternation and the quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy,
//! which cannot change a yes/no answer). Features whose meaning needs backtracking or
//! captures (back-references, look-around, possessive quantifiers) and the rarer syntax
//! (`\p{..}`, class intersections, inline flags, the `x` flag) are rejected when the path
//! is parsed, with a message naming the feature.

/// A compiled pattern with its flags.
#[derive(Debug, Clone)]
pub(super) struct Regex {
    program: Vec<Inst>,
    flags: Flags,
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    case_insensitive: bool,
    unicode_case: bool,
    dot_all: bool,
    multiline: bool,
    unix_lines: bool,
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Set(CharSet),
    Assert(Assertion),
    Split(usize, usize),
    Jump(usize),
    Match,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Assertion {
    LineStart,
    LineEnd,
    InputStart,
    InputEnd,
    InputEndBeforeTerminator,
    WordBoundary,
    NotWordBoundary,
}

#[derive(Debug, Clone, Copy)]
enum ClassKind {
    Digit,
    Word,
    Space,
}

#[derive(Debug, Clone)]
enum SetItem {
    Range(char, char),
    Class(ClassKind, bool),
}

#[derive(Debug, Clone)]
struct CharSet {
    negated: bool,
    items: Vec<SetItem>,
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Set(CharSet),
    Assert(Assertion),
    Concat(Vec<Node>),
    Alternation(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

/// Deeper group nesting than this is refused rather than risking the parser's stack.
const MAX_NESTING: usize = 64;
/// Counted repetitions are expanded; this bounds the size of the expanded program.
const MAX_PROGRAM: usize = 20_000;

impl Regex {
    /// Compiles `pattern` with Java flag letters (`i`, `s`, `m`, `u`, `d`; Jayway ignores
    /// letters it does not know, and so do we, except `x` which changes the syntax).
    pub(super) fn new(pattern: &str, flag_letters: &str) -> Result<Regex, String> {
        let mut flags = Flags::default();
        for letter in flag_letters.chars() {
            match letter {
                'i' => flags.case_insensitive = true,
                'u' => flags.unicode_case = true,
                's' => flags.dot_all = true,
                'm' => flags.multiline = true,
                'd' => flags.unix_lines = true,
                'x' => return Err("the regular expression flag 'x' is not supported".into()),
                _ => {}
            }
        }
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            depth: 0,
        };
        let node = parser.alternation()?;
        if let Some(c) = parser.peek() {
            return Err(format!("unmatched '{c}' in regular expression"));
        }
        let mut program = Vec::new();
        compile(&node, &mut program)?;
        program.push(Inst::Match);
        Ok(Regex { program, flags })
    }

    /// Whether the whole of `input` matches (Java's `Matcher.matches()`).
    pub(super) fn matches_fully(&self, input: &str) -> bool {
        let text: Vec<char> = input.chars().collect();
        let mut current = ThreadList::new(self.program.len());
        let mut next = ThreadList::new(self.program.len());
        let mut stack = Vec::new();
        self.add_thread(&mut current, &mut stack, 0, &text, 0);
        for (pos, &c) in text.iter().enumerate() {
            if current.is_empty() {
                return false;
            }
            next.clear();
            for &pc in &current.pcs {
                let advances = match self.program.get(pc) {
                    Some(Inst::Char(expected)) => self.same_char(*expected, c),
                    Some(Inst::Any) => self.dot_matches(c),
                    Some(Inst::Set(set)) => self.set_matches(set, c),
                    _ => false,
                };
                if advances {
                    self.add_thread(&mut next, &mut stack, pc + 1, &text, pos + 1);
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        current
            .pcs
            .iter()
            .any(|&pc| matches!(self.program.get(pc), Some(Inst::Match)))
    }

    /// Adds `pc` and everything reachable from it without consuming input.
    fn add_thread(&self, list: &mut ThreadList, stack: &mut Vec<usize>, pc: usize, text: &[char], pos: usize) {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !list.mark(pc) {
                continue;
            }
            match self.program.get(pc) {
                Some(Inst::Jump(target)) => stack.push(*target),
                Some(Inst::Split(first, second)) => {
                    stack.push(*second);
                    stack.push(*first);
                }
                Some(Inst::Assert(assertion)) if self.assertion_holds(*assertion, text, pos) => {
                    stack.push(pc + 1);
                }
                Some(Inst::Assert(_)) => {}
                Some(_) => list.pcs.push(pc),
                None => {}
            }
        }
    }

    fn is_line_terminator(&self, c: char) -> bool {
        if self.flags.unix_lines {
            c == '\n'
        } else {
            matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
        }
    }

    fn assertion_holds(&self, assertion: Assertion, text: &[char], pos: usize) -> bool {
        let before = pos.checked_sub(1).and_then(|p| text.get(p)).copied();
        let after = text.get(pos).copied();
        let at_end_or_final_terminator =
            pos == text.len() || (pos + 1 == text.len() && after.is_some_and(|c| self.is_line_terminator(c)));
        match assertion {
            Assertion::InputStart => pos == 0,
            Assertion::InputEnd => pos == text.len(),
            Assertion::InputEndBeforeTerminator => at_end_or_final_terminator,
            Assertion::LineStart => {
                pos == 0
                    || (self.flags.multiline && pos < text.len() && before.is_some_and(|c| self.is_line_terminator(c)))
            }
            Assertion::LineEnd => {
                if self.flags.multiline {
                    pos == text.len() || after.is_some_and(|c| self.is_line_terminator(c))
                } else {
                    at_end_or_final_terminator
                }
            }
            Assertion::WordBoundary | Assertion::NotWordBoundary => {
                let boundary = before.is_some_and(is_word_char) != after.is_some_and(is_word_char);
                boundary == (assertion == Assertion::WordBoundary)
            }
        }
    }

    fn dot_matches(&self, c: char) -> bool {
        self.flags.dot_all || !self.is_line_terminator(c)
    }

    fn same_char(&self, expected: char, c: char) -> bool {
        expected == c || (self.flags.case_insensitive && self.fold(expected) == self.fold(c))
    }

    /// Java folds only US-ASCII case unless the `u` flag asks for Unicode case folding.
    fn fold(&self, c: char) -> char {
        if self.flags.unicode_case {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c.to_ascii_lowercase()
        }
    }

    fn set_matches(&self, set: &CharSet, c: char) -> bool {
        let candidates = if self.flags.case_insensitive {
            let lower = self.fold(c);
            let upper = if self.flags.unicode_case {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c.to_ascii_uppercase()
            };
            [c, lower, upper]
        } else {
            [c, c, c]
        };
        let found = set.items.iter().any(|item| match item {
            SetItem::Range(low, high) => candidates.iter().any(|x| low <= x && x <= high),
            SetItem::Class(kind, negated) => class_matches(*kind, c) != *negated,
        });
        found != set.negated
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn class_matches(kind: ClassKind, c: char) -> bool {
    match kind {
        ClassKind::Digit => c.is_ascii_digit(),
        ClassKind::Word => is_word_char(c),
        ClassKind::Space => matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r'),
    }
}

/// The threads alive at one input position, without duplicates.
struct ThreadList {
    pcs: Vec<usize>,
    seen: Vec<bool>,
}

impl ThreadList {
    fn new(size: usize) -> ThreadList {
        ThreadList {
            pcs: Vec::new(),
            seen: vec![false; size],
        }
    }

    fn is_empty(&self) -> bool {
        self.pcs.is_empty()
    }

    fn clear(&mut self) {
        self.pcs.clear();
        self.seen.iter_mut().for_each(|s| *s = false);
    }

    /// Marks `pc` as visited; false when it already was.
    fn mark(&mut self, pc: usize) -> bool {
        match self.seen.get_mut(pc) {
            Some(seen) if !*seen => {
                *seen = true;
                true
            }
            _ => false,
        }
    }
}

fn compile(node: &Node, program: &mut Vec<Inst>) -> Result<(), String> {
    if program.len() > MAX_PROGRAM {
        return Err("regular expression is too large".into());
    }
    match node {
        Node::Char(c) => program.push(Inst::Char(*c)),
        Node::Any => program.push(Inst::Any),
        Node::Set(set) => program.push(Inst::Set(set.clone())),
        Node::Assert(assertion) => program.push(Inst::Assert(*assertion)),
        Node::Concat(nodes) => {
            for node in nodes {
                compile(node, program)?;
            }
        }
        Node::Alternation(branches) => {
            let mut jumps_to_end = Vec::new();
            let count = branches.len();
            for (i, branch) in branches.iter().enumerate() {
                if i + 1 < count {
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    compile(branch, program)?;
                    jumps_to_end.push(program.len());
                    program.push(Inst::Jump(0));
                    let next_branch = program.len();
                    if let Some(Inst::Split(_, second)) = program.get_mut(split) {
                        *second = next_branch;
                    }
                } else {
                    compile(branch, program)?;
                }
            }
            let end = program.len();
            for jump in jumps_to_end {
                if let Some(Inst::Jump(target)) = program.get_mut(jump) {
                    *target = end;
                }
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                compile(node, program)?;
            }
            match max {
                None => {
                    // L: split(body, end); body; jump L; end:
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    compile(node, program)?;
                    program.push(Inst::Jump(split));
                    let end = program.len();
                    if let Some(Inst::Split(_, second)) = program.get_mut(split) {
                        *second = end;
                    }
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(program.len());
                        program.push(Inst::Split(program.len() + 1, 0));
                        compile(node, program)?;
                        if program.len() > MAX_PROGRAM {
                            return Err("regular expression is too large".into());
                        }
                    }
                    let end = program.len();
                    for split in splits {
                        if let Some(Inst::Split(_, second)) = program.get_mut(split) {
                            *second = end;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
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

    fn alternation(&mut self) -> Result<Node, String> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Concat(Vec::new()))
        } else {
            Node::Alternation(branches)
        })
    }

    fn concat(&mut self) -> Result<Node, String> {
        let mut nodes = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            nodes.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(nodes))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => return self.counted(atom),
            _ => return Ok(atom),
        };
        self.pos += 1;
        self.quantifier_suffix()?;
        Ok(repeat(atom, min, max))
    }

    fn counted(&mut self, atom: Node) -> Result<Node, String> {
        self.pos += 1; // '{'
        let min = self.number()?.ok_or("illegal repetition '{' in regular expression")?;
        let max = if self.peek() == Some(',') {
            self.pos += 1;
            self.number()?
        } else {
            Some(min)
        };
        if self.next() != Some('}') {
            return Err("unclosed counted repetition in regular expression".into());
        }
        if max.is_some_and(|max| max < min) {
            return Err("illegal repetition range in regular expression".into());
        }
        self.quantifier_suffix()?;
        Ok(repeat(atom, min, max))
    }

    fn number(&mut self) -> Result<Option<u32>, String> {
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
            .filter(|n| *n <= 1000)
            .map(Some)
            .ok_or_else(|| "repetition count too large in regular expression".into())
    }

    /// A lazy `?` cannot change whether a match exists; possessive `+` can, and needs
    /// backtracking control we do not have.
    fn quantifier_suffix(&mut self) -> Result<(), String> {
        match self.peek() {
            Some('?') => {
                self.pos += 1;
                Ok(())
            }
            Some('+') => Err("possessive quantifiers are not supported in regular expressions".into()),
            _ => Ok(()),
        }
    }

    fn atom(&mut self) -> Result<Node, String> {
        let Some(c) = self.next() else {
            return Err("unexpected end of regular expression".into());
        };
        match c {
            '.' => Ok(Node::Any),
            '^' => Ok(Node::Assert(Assertion::LineStart)),
            '$' => Ok(Node::Assert(Assertion::LineEnd)),
            '(' => self.group(),
            '[' => Ok(Node::Set(self.class()?)),
            '\\' => self.escape(),
            '*' | '+' | '?' => Err(format!("dangling meta character '{c}' in regular expression")),
            '{' => Err("illegal repetition '{' in regular expression".into()),
            other => Ok(Node::Char(other)),
        }
    }

    fn group(&mut self) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("regular expression nests groups too deeply".into());
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
                        return Err("malformed named group in regular expression".into());
                    }
                }
                Some('=' | '!' | '<') => return Err("look-around is not supported in regular expressions".into()),
                _ => return Err("inline flags and special groups are not supported in regular expressions".into()),
            }
        }
        let inner = self.alternation()?;
        if self.next() != Some(')') {
            return Err("unclosed group in regular expression".into());
        }
        self.depth -= 1;
        Ok(inner)
    }

    fn escape(&mut self) -> Result<Node, String> {
        let Some(c) = self.next() else {
            return Err("unexpected end of regular expression after '\\'".into());
        };
        let class = |kind, negated| {
            Ok(Node::Set(CharSet {
                negated: false,
                items: vec![SetItem::Class(kind, negated)],
            }))
        };
        match c {
            'd' => class(ClassKind::Digit, false),
            'D' => class(ClassKind::Digit, true),
            'w' => class(ClassKind::Word, false),
            'W' => class(ClassKind::Word, true),
            's' => class(ClassKind::Space, false),
            'S' => class(ClassKind::Space, true),
            'b' => Ok(Node::Assert(Assertion::WordBoundary)),
            'B' => Ok(Node::Assert(Assertion::NotWordBoundary)),
            'A' => Ok(Node::Assert(Assertion::InputStart)),
            'z' => Ok(Node::Assert(Assertion::InputEnd)),
            'Z' => Ok(Node::Assert(Assertion::InputEndBeforeTerminator)),
            'Q' => Ok(self.quoted()),
            other => self.escaped_char(other).map(Node::Char),
        }
    }

    /// `\Q...\E`: everything up to `\E` (or the end) is literal.
    fn quoted(&mut self) -> Node {
        let mut nodes = Vec::new();
        while let Some(c) = self.next() {
            if c == '\\' && self.peek() == Some('E') {
                self.pos += 1;
                break;
            }
            nodes.push(Node::Char(c));
        }
        Node::Concat(nodes)
    }

    /// Escapes that stand for one character, shared by classes and the main syntax.
    fn escaped_char(&mut self, c: char) -> Result<char, String> {
        match c {
            't' => Ok('\t'),
            'n' => Ok('\n'),
            'r' => Ok('\r'),
            'f' => Ok('\u{c}'),
            'a' => Ok('\u{7}'),
            'e' => Ok('\u{1b}'),
            'x' => self.hex(2),
            'u' => self.hex(4),
            '1'..='9' | 'k' => Err("back-references are not supported in regular expressions".into()),
            c if c.is_ascii_alphanumeric() => {
                Err(format!("the escape '\\{c}' is not supported in regular expressions"))
            }
            other => Ok(other),
        }
    }

    fn hex(&mut self, digits: usize) -> Result<char, String> {
        let mut value = 0u32;
        for _ in 0..digits {
            let digit = self
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or("malformed hexadecimal escape in regular expression")?;
            value = value * 16 + digit;
        }
        char::from_u32(value).ok_or_else(|| "invalid character escape in regular expression".into())
    }

    fn class(&mut self) -> Result<CharSet, String> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.next() else {
                return Err("unclosed character class in regular expression".into());
            };
            match c {
                ']' if !first => break,
                '[' => return Err("nested character classes are not supported in regular expressions".into()),
                '&' if self.peek() == Some('&') => {
                    return Err("character class intersections are not supported in regular expressions".into())
                }
                _ => {}
            }
            first = false;
            let low = if c == '\\' {
                let Some(escaped) = self.next() else {
                    return Err("unclosed character class in regular expression".into());
                };
                let kind = match escaped {
                    'd' => Some((ClassKind::Digit, false)),
                    'D' => Some((ClassKind::Digit, true)),
                    'w' => Some((ClassKind::Word, false)),
                    'W' => Some((ClassKind::Word, true)),
                    's' => Some((ClassKind::Space, false)),
                    'S' => Some((ClassKind::Space, true)),
                    _ => None,
                };
                if let Some((kind, negated)) = kind {
                    items.push(SetItem::Class(kind, negated));
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
                        let escaped = self.next().ok_or("unclosed character class in regular expression")?;
                        self.escaped_char(escaped)?
                    }
                    Some(high) => high,
                    None => return Err("unclosed character class in regular expression".into()),
                };
                if high < low {
                    return Err("illegal character range in regular expression".into());
                }
                items.push(SetItem::Range(low, high));
            } else {
                items.push(SetItem::Range(low, low));
            }
        }
        Ok(CharSet { negated, items })
    }
}

fn repeat(node: Node, min: u32, max: Option<u32>) -> Node {
    Node::Repeat {
        node: Box::new(node),
        min,
        max,
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

    #[test]
    fn pathological_patterns_stay_linear() {
        let input = "a".repeat(5_000) + "b";
        assert!(!matches("(a*)*c", "", &input));
        assert!(!matches("(a|aa)+c", "", &input));
    }

    #[test]
    fn unsupported_features_are_rejected() {
        for pattern in [
            "(a)\\1", "(?=a)a", "(?<=a)b", "a*+", "\\p{L}", "[a[b]]", "[a&&b]", "(?i)a", "(a", "a)", "[a", "*a", "a{2",
            "a{3,1}", "a{99999}",
        ] {
            assert!(Regex::new(pattern, "").is_err(), "{pattern} should be rejected");
        }
        assert!(Regex::new("a", "x").is_err());
        let deep = "(".repeat(200) + &")".repeat(200);
        assert!(Regex::new(&deep, "").is_err());
    }
}
