//! A compact index of a JSON body: one fixed-size node per value, strings and numbers
//! borrowed from the input unless an escape or a non-canonical number forces a decoded
//! copy into one shared arena. Each container's children are stored contiguously and
//! already in STRINGA order, so emitting is a single pre-order walk.
//!
//! Why not `serde_json::Value`: a tree of `String`s and maps costs several allocations
//! per value and parses numbers through `f64`; this index costs one `Vec` push per value
//! and keeps numbers as text.

use std::cmp::Ordering;

use super::number::{self, Canonical, MAX_NUMBER_LEN, NumberError};
use crate::Error;

/// The deepest nesting of objects and arrays accepted (the top-level object is level 1).
pub const MAX_DEPTH: usize = 64;

/// What a node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    Null,
    False,
    True,
    Number,
    /// A string; `value` is its decoded text (possibly empty).
    String,
    Object,
    Array,
}

const KEY_IN_ARENA: u8 = 1;
const VALUE_IN_ARENA: u8 = 2;

/// A span of bytes in either the input or the arena (see the node's flags).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// One JSON value, with the key (object member) or index (array element) it sits under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    /// Object member: the decoded key. Array element: `start` is the element's index.
    pub key: Span,
    /// Scalar: the value's text (decoded string or canonical number).
    /// Container: `start` is the first child's index in [`Document::nodes`], `len` the count.
    pub value: Span,
    /// Byte offset of the member's key (or of an element's value) in the input.
    pub offset: u32,
    pub kind: Kind,
    flags: u8,
}

/// A parsed body: the top-level object and every node below it.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    input: &'a [u8],
    arena: Vec<u8>,
    pub nodes: Vec<Node>,
    pub root: Node,
    /// Some object key contains `.` or `[`: names of different subtrees may interleave
    /// or collide, so per-container order is not enough and a global sort is needed.
    pub needs_global_order: bool,
}

impl<'a> Document<'a> {
    /// Parses and indexes `input`, which must be a JSON object.
    pub fn parse(input: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with(input, false)
    }

    /// As [`Document::parse`]; with `verbatim_numbers`, numbers keep the text they were
    /// written with (a common integrator mistake, reproduced for diagnosis only).
    pub fn parse_with(input: &'a [u8], verbatim_numbers: bool) -> Result<Self, Error> {
        if u32::try_from(input.len()).is_err() {
            return Err(Error::BodyTooLarge { len: input.len() });
        }
        if let Err(e) = std::str::from_utf8(input) {
            return Err(Error::InvalidUtf8 {
                offset: e.valid_up_to(),
                reason: "not a valid UTF-8 sequence",
            });
        }
        let mut parser = Parser {
            input,
            pos: 0,
            arena: Vec::new(),
            // A roster record costs about 18 input bytes per node: reserve for that so a
            // large body does not pay for repeated doubling (and its transient 1.5× peak).
            nodes: Vec::with_capacity(input.len() / 16),
            stack: Vec::new(),
            needs_global_order: false,
            verbatim_numbers,
        };
        parser.skip_whitespace();
        let root_offset = parser.pos;
        let (kind, value, flags) = parser.parse_value(1)?;
        parser.skip_whitespace();
        if parser.pos != input.len() {
            return Err(parser.syntax("unexpected data after the JSON value"));
        }
        if kind != Kind::Object {
            return Err(Error::NotAnObject {
                found: match kind {
                    Kind::Null => "null",
                    Kind::False | Kind::True => "a boolean",
                    Kind::Number => "a number",
                    Kind::String => "a string",
                    Kind::Array => "an array",
                    Kind::Object => "an object",
                },
            });
        }
        Ok(Document {
            input,
            arena: parser.arena,
            nodes: parser.nodes,
            root: Node {
                key: Span::default(),
                value,
                offset: root_offset as u32,
                kind,
                flags,
            },
            needs_global_order: parser.needs_global_order,
        })
    }

    /// The decoded key of an object member.
    pub fn key(&self, node: &Node) -> &[u8] {
        bytes(
            self.input,
            &self.arena,
            node.key,
            node.flags & KEY_IN_ARENA != 0,
        )
    }

    /// The text of a scalar: decoded string, canonical number, `true`/`false`; empty for null.
    pub fn value(&self, node: &Node) -> &[u8] {
        match node.kind {
            Kind::True => b"true",
            Kind::False => b"false",
            Kind::Null | Kind::Object | Kind::Array => b"",
            Kind::Number | Kind::String => bytes(
                self.input,
                &self.arena,
                node.value,
                node.flags & VALUE_IN_ARENA != 0,
            ),
        }
    }

    /// The children of a container, in STRINGA order.
    pub fn children(&self, node: &Node) -> &[Node] {
        match node.kind {
            Kind::Object | Kind::Array => self.nodes.get(node.value.range()).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The byte that separates a container's name from its children's (`.` or `[`).
    pub fn terminator(kind: Kind) -> Option<u8> {
        match kind {
            Kind::Object => Some(b'.'),
            Kind::Array => Some(b'['),
            _ => None,
        }
    }
}

fn bytes<'s>(input: &'s [u8], arena: &'s [u8], span: Span, in_arena: bool) -> &'s [u8] {
    let source = if in_arena { arena } else { input };
    source.get(span.range()).unwrap_or(&[])
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    arena: Vec<u8>,
    nodes: Vec<Node>,
    /// Children of the containers still open, innermost last.
    stack: Vec<Node>,
    needs_global_order: bool,
    verbatim_numbers: bool,
}

impl Parser<'_> {
    fn syntax(&self, reason: &'static str) -> Error {
        Error::InvalidJson {
            offset: self.pos,
            reason,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &'static [u8]) -> Result<(), Error> {
        if self.input[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.syntax("expected a JSON value"))
        }
    }

    /// Parses the value at `pos` (whitespace already skipped) at nesting `depth`.
    fn parse_value(&mut self, depth: usize) -> Result<(Kind, Span, u8), Error> {
        match self.input.get(self.pos) {
            Some(b'{') => self.parse_object(depth),
            Some(b'[') => self.parse_array(depth),
            Some(b'"') => {
                let (span, in_arena) = self.parse_string()?;
                Ok((
                    Kind::String,
                    span,
                    if in_arena { VALUE_IN_ARENA } else { 0 },
                ))
            }
            Some(b'-' | b'0'..=b'9') => self.parse_number(),
            Some(b't') => self
                .expect_literal(b"true")
                .map(|()| (Kind::True, Span::default(), 0)),
            Some(b'f') => self
                .expect_literal(b"false")
                .map(|()| (Kind::False, Span::default(), 0)),
            Some(b'n') => self
                .expect_literal(b"null")
                .map(|()| (Kind::Null, Span::default(), 0)),
            Some(_) => Err(self.syntax("expected a JSON value")),
            None => Err(self.syntax("unexpected end of input, expected a JSON value")),
        }
    }

    fn parse_number(&mut self) -> Result<(Kind, Span, u8), Error> {
        let start = self.pos;
        let arena_start = self.arena.len();
        match number::canonicalize_number(&self.input[start..], &mut self.arena) {
            Ok(Canonical::Verbatim { len }) => {
                self.pos += len;
                Ok((Kind::Number, span(start, len), 0))
            }
            Ok(Canonical::Written { len }) if self.verbatim_numbers => {
                self.arena.truncate(arena_start);
                self.pos += len;
                Ok((Kind::Number, span(start, len), 0))
            }
            Ok(Canonical::Written { len }) => {
                self.pos += len;
                let written = self.arena.len() - arena_start;
                Ok((Kind::Number, span(arena_start, written), VALUE_IN_ARENA))
            }
            Err(NumberError::Syntax(at, reason)) => Err(Error::InvalidJson {
                offset: start + at,
                reason,
            }),
            Err(NumberError::TooLong) => Err(Error::NumberOutOfRange {
                offset: start,
                limit: MAX_NUMBER_LEN,
            }),
        }
    }

    /// Parses a string at `pos` (on its opening quote). Returns its decoded text's span and
    /// whether that span is in the arena (an escape had to be decoded).
    fn parse_string(&mut self) -> Result<(Span, bool), Error> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes, the text is borrowed from the input. Bytes >= 0x80 were
        // validated as UTF-8 up front.
        loop {
            match self.input.get(self.pos) {
                Some(b'"') => {
                    let len = self.pos - start;
                    self.pos += 1;
                    return Ok((span(start, len), false));
                }
                Some(b'\\') => break,
                Some(0x00..=0x1f) => {
                    return Err(self.syntax("unescaped control character in string"));
                }
                Some(_) => self.pos += 1,
                None => return Err(self.syntax("unterminated string")),
            }
        }
        let arena_start = self.arena.len();
        self.arena.extend_from_slice(&self.input[start..self.pos]);
        loop {
            match self.input.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    let len = self.arena.len() - arena_start;
                    return Ok((span(arena_start, len), true));
                }
                Some(b'\\') => self.decode_escape()?,
                Some(0x00..=0x1f) => {
                    return Err(self.syntax("unescaped control character in string"));
                }
                Some(&byte) => {
                    self.arena.push(byte);
                    self.pos += 1;
                }
                None => return Err(self.syntax("unterminated string")),
            }
        }
    }

    /// Decodes the escape at `pos` (on its backslash) into the arena.
    fn decode_escape(&mut self) -> Result<(), Error> {
        let escape_at = self.pos;
        let decoded = match self.input.get(self.pos + 1) {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                let unit = self.hex4(self.pos + 2)?;
                self.pos += 6;
                let code_point = match unit {
                    0xD800..=0xDBFF => {
                        let low = if self.input[self.pos..].starts_with(b"\\u") {
                            Some(self.hex4(self.pos + 2)?)
                        } else {
                            None
                        };
                        match low {
                            Some(low @ 0xDC00..=0xDFFF) => {
                                self.pos += 6;
                                0x10000
                                    + ((u32::from(unit) - 0xD800) << 10)
                                    + (u32::from(low) - 0xDC00)
                            }
                            _ => return Err(lone_surrogate(escape_at)),
                        }
                    }
                    0xDC00..=0xDFFF => return Err(lone_surrogate(escape_at)),
                    other => u32::from(other),
                };
                let ch = char::from_u32(code_point).ok_or_else(|| lone_surrogate(escape_at))?;
                let mut utf8 = [0u8; 4];
                self.arena
                    .extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                return Ok(());
            }
            _ => {
                return Err(Error::InvalidJson {
                    offset: escape_at,
                    reason: "invalid escape sequence",
                });
            }
        };
        self.arena.push(decoded);
        self.pos += 2;
        Ok(())
    }

    fn hex4(&self, at: usize) -> Result<u16, Error> {
        let digits = self.input.get(at..at + 4).ok_or(Error::InvalidJson {
            offset: at,
            reason: "\\u escape needs four hex digits",
        })?;
        let mut unit: u16 = 0;
        for (i, &d) in digits.iter().enumerate() {
            let nibble = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => {
                    return Err(Error::InvalidJson {
                        offset: at + i,
                        reason: "\\u escape needs four hex digits",
                    });
                }
            };
            unit = unit << 4 | u16::from(nibble);
        }
        Ok(unit)
    }

    fn enter(&mut self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep {
                offset: self.pos,
                limit: MAX_DEPTH,
            });
        }
        self.pos += 1;
        self.skip_whitespace();
        Ok(())
    }

    fn parse_object(&mut self, depth: usize) -> Result<(Kind, Span, u8), Error> {
        self.enter(depth)?;
        let base = self.stack.len();
        if self.input.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok((Kind::Object, span(self.nodes.len(), 0), 0));
        }
        loop {
            if self.input.get(self.pos) != Some(&b'"') {
                return Err(self.syntax("expected a string key"));
            }
            let key_offset = self.pos;
            let (key, key_in_arena) = self.parse_string()?;
            let key_bytes = bytes(self.input, &self.arena, key, key_in_arena);
            if key_bytes.iter().any(|&b| b == b'.' || b == b'[') {
                self.needs_global_order = true;
            }
            self.skip_whitespace();
            if self.input.get(self.pos) != Some(&b':') {
                return Err(self.syntax("expected ':' after an object key"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let (kind, value, value_flags) = self.parse_value(depth + 1)?;
            self.stack.push(Node {
                key,
                value,
                offset: key_offset as u32,
                kind,
                flags: value_flags | if key_in_arena { KEY_IN_ARENA } else { 0 },
            });
            self.skip_whitespace();
            match self.input.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.syntax("expected ',' or '}' in an object")),
            }
        }
        self.check_duplicate_keys(base)?;
        let (input, arena) = (self.input, &self.arena);
        self.stack[base..].sort_unstable_by(|a, b| compare_members(input, arena, a, b));
        Ok((Kind::Object, self.close(base), 0))
    }

    fn parse_array(&mut self, depth: usize) -> Result<(Kind, Span, u8), Error> {
        self.enter(depth)?;
        let base = self.stack.len();
        if self.input.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok((Kind::Array, span(self.nodes.len(), 0), 0));
        }
        let mut index: u32 = 0;
        loop {
            let offset = self.pos as u32;
            let (kind, value, flags) = self.parse_value(depth + 1)?;
            self.stack.push(Node {
                key: Span {
                    start: index,
                    len: 0,
                },
                value,
                offset,
                kind,
                flags,
            });
            index += 1;
            self.skip_whitespace();
            match self.input.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.syntax("expected ',' or ']' in an array")),
            }
        }
        let elements = &mut self.stack[base..];
        if elements.len() > 10 {
            let width = decimal_width(elements.len() as u32 - 1);
            elements.sort_unstable_by_key(|node| index_sort_key(node.key.start, width));
        }
        Ok((Kind::Array, self.close(base), 0))
    }

    /// Moves the children above `base` from the stack to `nodes`; returns their span there.
    fn close(&mut self, base: usize) -> Span {
        let first = self.nodes.len();
        let count = self.stack.len() - base;
        self.nodes.extend(self.stack.drain(base..));
        span(first, count)
    }

    /// Rejects an object (children above `base` on the stack) that repeats a key.
    fn check_duplicate_keys(&self, base: usize) -> Result<(), Error> {
        let members = &self.stack[base..];
        let key = |node: &Node| {
            bytes(
                self.input,
                &self.arena,
                node.key,
                node.flags & KEY_IN_ARENA != 0,
            )
        };
        let duplicate = |first: &Node, second: &Node| Error::DuplicateKey {
            key: String::from_utf8_lossy(key(second)).into_owned(),
            offset: first.offset.max(second.offset) as usize,
        };
        if members.len() <= 16 {
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    if key(a) == key(b) {
                        return Err(duplicate(a, b));
                    }
                }
            }
        } else {
            let mut sorted: Vec<&Node> = members.iter().collect();
            sorted.sort_unstable_by(|a, b| key(a).cmp(key(b)));
            if let Some(pair) = sorted.windows(2).find(|pair| key(pair[0]) == key(pair[1])) {
                return Err(duplicate(pair[0], pair[1]));
            }
        }
        Ok(())
    }
}

fn span(start: usize, len: usize) -> Span {
    // The body is at most u32::MAX bytes (checked in `Document::parse`), so every offset,
    // length and node count fits in a u32.
    Span {
        start: start as u32,
        len: len as u32,
    }
}

fn lone_surrogate(offset: usize) -> Error {
    Error::InvalidUtf8 {
        offset,
        reason: "\\u escape encodes a lone surrogate",
    }
}

/// Orders two members of one object as their names sort in STRINGA.
///
/// A member's names all begin with its key followed by its terminator (`.` for an
/// object, `[` for an array, nothing for a scalar), so members compare as the strings
/// `key + terminator`. This is exact whenever no key contains `.` or `[`; otherwise the
/// document takes the global sort (see [`Document::needs_global_order`]).
fn compare_members(input: &[u8], arena: &[u8], a: &Node, b: &Node) -> Ordering {
    let key_a = bytes(input, arena, a.key, a.flags & KEY_IN_ARENA != 0);
    let key_b = bytes(input, arena, b.key, b.flags & KEY_IN_ARENA != 0);
    let term_a = Document::terminator(a.kind);
    let term_b = Document::terminator(b.kind);
    // Compare key_a + term_a with key_b + term_b as byte strings: the common prefix of
    // the keys first (a memcmp), then what is left of each, terminator included.
    let common = key_a.len().min(key_b.len());
    match key_a[..common].cmp(&key_b[..common]) {
        Ordering::Equal => key_a[common..]
            .iter()
            .chain(term_a.iter())
            .cmp(key_b[common..].iter().chain(term_b.iter())),
        unequal => unequal,
    }
}

/// The number of decimal digits of `n`.
fn decimal_width(mut n: u32) -> u32 {
    let mut width = 1;
    while n >= 10 {
        n /= 10;
        width += 1;
    }
    width
}

/// A key that sorts array indices as their names `[i]` sort: digit strings compared
/// byte-wise, where the closing `]` (0x5D) sorts after every digit, so `[10]` < `[1]` <
/// `[2]`. Each index becomes its digits padded on the right to `width` with the digit 10
/// (standing for `]`), read as a base-11 number.
fn index_sort_key(index: u32, width: u32) -> u64 {
    let own = decimal_width(index);
    let mut key: u64 = 0;
    let mut digits = [0u8; 10];
    let mut n = index;
    for slot in digits[..own as usize].iter_mut().rev() {
        *slot = (n % 10) as u8;
        n /= 10;
    }
    for position in 0..width {
        let digit = if position < own {
            u64::from(digits[position as usize])
        } else {
            10
        };
        key = key * 11 + digit;
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_order_matches_string_order() {
        for n in [1u32, 2, 10, 11, 12, 100, 101, 1234] {
            let width = decimal_width(n - 1);
            let mut by_key: Vec<u32> = (0..n).collect();
            by_key.sort_by_key(|&i| index_sort_key(i, width));
            let mut by_name: Vec<u32> = (0..n).collect();
            by_name.sort_by_key(|&i| format!("[{i}]"));
            assert_eq!(by_key, by_name, "n = {n}");
        }
    }

    #[test]
    fn member_order_is_key_plus_terminator() {
        let doc = br#"{"a":{"b":1},"a-b":1,"a0":[1],"A":1}"#;
        let parsed = Document::parse(doc).unwrap();
        let keys: Vec<&[u8]> = parsed
            .children(&parsed.root)
            .iter()
            .map(|n| parsed.key(n))
            .collect();
        // "A" < "a-b" < "a." < "a0[" (0x41 < 0x61; '-' 0x2D < '.' 0x2E < '0' 0x30)
        assert_eq!(keys, vec![&b"A"[..], b"a-b", b"a", b"a0"]);
        assert!(!parsed.needs_global_order);
    }
}
