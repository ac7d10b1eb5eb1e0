//! A compact index of a JSON body: one fixed-size node per value, strings and numbers
//! borrowed from the input unless an escape or a non-canonical number forces a decoded
//! copy into one shared arena. Each container's children are stored contiguously and
//! already in STRINGA order, so emitting is a single pre-order walk.
//!
//! Why not `serde_json::Value`: a tree of `String`s and maps costs several allocations
//! per value and parses numbers through `f64`; this index costs one `Vec` push per value
//! and keeps numbers as text.

use std::cmp::Ordering;

use super::Reason;
use super::number::{self, Canonical, MAX_NUMBER_LEN, NumberError};
use crate::Error;

/// The deepest nesting of objects and arrays accepted (the top-level object is level 1).
pub const MAX_DEPTH: usize = 64;

/// A parse failure, kept to 16 bytes so every `parse_*` returns in registers; turned into
/// an [`Error`] once, at the boundary.
#[derive(Debug, Clone, Copy)]
struct Fail {
    offset: u32,
    why: Why,
}

#[derive(Debug, Clone, Copy)]
enum Why {
    Syntax(Reason),
    Utf8(Reason),
    TooDeep,
    NumberTooLong,
    /// A repeated key; the offset is its string's opening quote.
    DuplicateKey,
    /// Valid JSON whose top level is not an object (what it is instead).
    NotAnObject(&'static str),
    /// The canonical numbers alone already make STRINGA longer than its limit.
    StringATooLong,
    /// The decoded text outgrew what a `u32` span addresses.
    ArenaTooLarge,
}

type Parsed<T> = Result<T, Fail>;

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
        // UTF-8 is checked where it can occur legally, inside strings; any other error
        // re-checks the whole body, so invalid UTF-8 anywhere is reported first, as a
        // decode-then-parse implementation would.
        Self::parse_unchecked(input, verbatim_numbers).map_err(|fail| {
            match std::str::from_utf8(input) {
                Err(e) => Error::InvalidUtf8 {
                    offset: e.valid_up_to(),
                    reason: Reason::InvalidUtf8.text(),
                },
                Ok(_) => fail.into_error(input),
            }
        })
    }

    fn parse_unchecked(input: &'a [u8], verbatim_numbers: bool) -> Parsed<Self> {
        if input.starts_with(b"\xEF\xBB\xBF") {
            return Err(Fail::at(0, Why::Syntax(Reason::ByteOrderMark)));
        }
        let mut parser = Parser::new(input, verbatim_numbers);
        parser.skip_whitespace();
        let root_offset = parser.pos;
        let (kind, value, flags) = parser.parse_value(1)?;
        parser.skip_whitespace();
        if parser.pos != input.len() {
            return Err(parser.syntax(Reason::TrailingData));
        }
        if kind != Kind::Object {
            let found = match kind {
                Kind::Null => "null",
                Kind::False | Kind::True => "a boolean",
                Kind::Number => "a number",
                Kind::String => "a string",
                Kind::Array => "an array",
                Kind::Object => "an object",
            };
            return Err(Fail::at(root_offset, Why::NotAnObject(found)));
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

    /// The length of the body this document was parsed from.
    pub fn input_len(&self) -> usize {
        self.input.len()
    }

    /// The decoded key of an object member.
    pub fn key(&self, node: &Node) -> &[u8] {
        key_of(self.input, &self.arena, node)
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

/// The decoded key of an object member.
fn key_of<'s>(input: &'s [u8], arena: &'s [u8], node: &Node) -> &'s [u8] {
    bytes(input, arena, node.key, node.flags & KEY_IN_ARENA != 0)
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
    /// Scratch for sorting one object: (prefix of `key + terminator`, member index).
    keyed: Vec<(u64, u32)>,
    /// Scratch: the order in which a closing container's children are moved.
    order: Vec<u32>,
    /// Parsing the value of the top-level `sign` member (left out of STRINGA).
    in_top_level_sign: bool,
    /// Bytes of canonical numbers written to the arena outside the top-level `sign`.
    /// Each is also in STRINGA, so past STRINGA's limit the body is refused at once,
    /// before a short body (`1e511` is 5 bytes, its decimal 512) can fill the arena.
    number_bytes: u64,
    number_budget: u64,
    /// Spans are `u32`: the arena must stay addressable by them.
    arena_limit: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a [u8], verbatim_numbers: bool) -> Self {
        Parser {
            input,
            pos: 0,
            arena: Vec::with_capacity(64),
            // A roster record costs about 18 input bytes per node: reserve for that so a
            // large body does not pay for repeated doubling (and its transient 1.5× peak).
            nodes: Vec::with_capacity(input.len() / 16),
            // Room for typical objects up front: growing these one doubling at a time is a
            // large share of the cost of signing a small body.
            stack: Vec::with_capacity(64),
            needs_global_order: false,
            verbatim_numbers,
            keyed: Vec::with_capacity(64),
            order: Vec::with_capacity(64),
            in_top_level_sign: false,
            number_bytes: 0,
            number_budget: super::max_string_a_len(input.len()),
            arena_limit: u32::MAX as usize,
        }
    }

    fn syntax(&self, reason: Reason) -> Fail {
        Fail::at(self.pos, Why::Syntax(reason))
    }

    fn skip_whitespace(&mut self) {
        // Most calls find no whitespace: one comparison settles anything above a space.
        while let Some(&byte) = self.input.get(self.pos) {
            if byte > b' ' || !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return;
            }
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &'static [u8]) -> Parsed<()> {
        if self.input[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.syntax(Reason::ExpectedValue))
        }
    }

    /// Parses the value at `pos` (whitespace already skipped) at nesting `depth`.
    fn parse_value(&mut self, depth: usize) -> Parsed<(Kind, Span, u8)> {
        match self.input.get(self.pos) {
            Some(b'{') => self.parse_object(depth),
            Some(b'[') => self.parse_array(depth),
            Some(b'"') => {
                let (span, in_arena, _) = self.parse_string::<false>()?;
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
            Some(_) => Err(self.syntax(Reason::ExpectedValue)),
            None => Err(self.syntax(Reason::UnexpectedEnd)),
        }
    }

    fn parse_number(&mut self) -> Parsed<(Kind, Span, u8)> {
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
                if !self.in_top_level_sign {
                    self.number_bytes += written as u64;
                    if self.number_bytes > self.number_budget {
                        return Err(Fail::at(start, Why::StringATooLong));
                    }
                }
                if self.arena.len() > self.arena_limit {
                    return Err(Fail::at(start, Why::ArenaTooLarge));
                }
                Ok((Kind::Number, span(arena_start, written), VALUE_IN_ARENA))
            }
            Err(NumberError::Syntax(at, reason)) => Err(Fail::at(start + at, Why::Syntax(reason))),
            Err(NumberError::TooLong) => Err(Fail::at(start, Why::NumberTooLong)),
        }
    }

    /// Parses a string at `pos` (on its opening quote). Returns its decoded text's span,
    /// whether that span is in the arena (an escape had to be decoded), and, for a `KEY`,
    /// whether the text contains `.` or `[` (found in the same scan).
    fn parse_string<const KEY: bool>(&mut self) -> Parsed<(Span, bool, bool)> {
        self.pos += 1;
        let start = self.pos;
        let mut seen = Seen::default();
        // Fast path: no escapes, the text is borrowed from the input.
        loop {
            self.pos = skip_plain::<KEY>(self.input, self.pos, &mut seen);
            match self.input.get(self.pos) {
                Some(b'"') => {
                    let len = self.pos - start;
                    self.check_utf8(start, seen.non_ascii)?;
                    self.pos += 1;
                    return Ok((span(start, len), false, seen.dot_or_bracket));
                }
                Some(b'\\') => break,
                Some(0x00..=0x1f) => {
                    return Err(self.syntax(Reason::ControlCharacter));
                }
                Some(&byte) => {
                    seen.byte::<KEY>(byte);
                    self.pos += 1;
                }
                None => return Err(self.syntax(Reason::UnterminatedString)),
            }
        }
        self.check_utf8(start, seen.non_ascii)?;
        let (text, in_arena) = self.parse_escaped_string(start)?;
        // An escaped key is rare: its decoded text is checked byte by byte.
        let dot_or_bracket = KEY
            && bytes(self.input, &self.arena, text, in_arena)
                .iter()
                .any(|&b| b == b'.' || b == b'[');
        Ok((text, in_arena, dot_or_bracket))
    }

    /// The rest of a string from its first backslash at `pos` (`start`: after the opening
    /// quote): decoded into the arena. Kept apart so the common path stays small.
    #[cold]
    #[inline(never)]
    fn parse_escaped_string(&mut self, start: usize) -> Parsed<(Span, bool)> {
        let arena_start = self.arena.len();
        self.arena.extend_from_slice(&self.input[start..self.pos]);
        // Runs here may end inside a character (at a chunk boundary), so the decoded text
        // is validated once, whole, at the closing quote.
        let mut seen = Seen::default();
        loop {
            let run_start = self.pos;
            self.pos = skip_plain::<false>(self.input, self.pos, &mut seen);
            self.arena
                .extend_from_slice(&self.input[run_start..self.pos]);
            match self.input.get(self.pos) {
                Some(b'"') => {
                    if seen.non_ascii {
                        std::str::from_utf8(&self.arena[arena_start..])
                            .map_err(|_| Fail::at(start, Why::Utf8(Reason::InvalidUtf8)))?;
                    }
                    if self.arena.len() > self.arena_limit {
                        return Err(Fail::at(start, Why::ArenaTooLarge));
                    }
                    self.pos += 1;
                    let len = self.arena.len() - arena_start;
                    return Ok((span(arena_start, len), true));
                }
                Some(b'\\') => self.decode_escape()?,
                Some(0x00..=0x1f) => {
                    return Err(self.syntax(Reason::ControlCharacter));
                }
                Some(&byte) => {
                    seen.byte::<false>(byte);
                    self.arena.push(byte);
                    self.pos += 1;
                }
                None => return Err(self.syntax(Reason::UnterminatedString)),
            }
        }
    }

    /// Validates the string bytes from `start` to `pos` when some of them are not ASCII.
    fn check_utf8(&self, start: usize, non_ascii: bool) -> Parsed<()> {
        if !non_ascii {
            return Ok(());
        }
        std::str::from_utf8(&self.input[start..self.pos])
            .map(|_| ())
            .map_err(|e| Fail::at(start + e.valid_up_to(), Why::Utf8(Reason::InvalidUtf8)))
    }

    /// Decodes the escape at `pos` (on its backslash) into the arena.
    fn decode_escape(&mut self) -> Parsed<()> {
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
                return Err(Fail::at(escape_at, Why::Syntax(Reason::InvalidEscape)));
            }
        };
        self.arena.push(decoded);
        self.pos += 2;
        Ok(())
    }

    fn hex4(&self, at: usize) -> Parsed<u16> {
        let digits = self
            .input
            .get(at..at + 4)
            .ok_or(Fail::at(at, Why::Syntax(Reason::ShortUnicodeEscape)))?;
        let mut unit: u16 = 0;
        for (i, &d) in digits.iter().enumerate() {
            let nibble = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => {
                    return Err(Fail::at(at + i, Why::Syntax(Reason::ShortUnicodeEscape)));
                }
            };
            unit = unit << 4 | u16::from(nibble);
        }
        Ok(unit)
    }

    fn enter(&mut self, depth: usize) -> Parsed<()> {
        if depth > MAX_DEPTH {
            return Err(Fail::at(self.pos, Why::TooDeep));
        }
        self.pos += 1;
        self.skip_whitespace();
        Ok(())
    }

    fn parse_object(&mut self, depth: usize) -> Parsed<(Kind, Span, u8)> {
        self.enter(depth)?;
        let base = self.stack.len();
        if self.input.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok((Kind::Object, span(self.nodes.len(), 0), 0));
        }
        loop {
            if self.input.get(self.pos) != Some(&b'"') {
                return Err(self.syntax(Reason::ExpectedKey));
            }
            let key_offset = self.pos;
            let (key, key_in_arena, dot_or_bracket) = self.parse_string::<true>()?;
            self.needs_global_order |= dot_or_bracket;
            self.skip_whitespace();
            if self.input.get(self.pos) != Some(&b':') {
                return Err(self.syntax(Reason::ExpectedColon));
            }
            self.pos += 1;
            self.skip_whitespace();
            let top_level_sign =
                depth == 1 && bytes(self.input, &self.arena, key, key_in_arena) == b"sign";
            self.in_top_level_sign |= top_level_sign;
            let parsed = self.parse_value(depth + 1);
            self.in_top_level_sign &= !top_level_sign;
            let (kind, value, value_flags) = parsed?;
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
                _ => return Err(self.syntax(Reason::ExpectedCommaOrBrace)),
            }
        }
        self.close_object(base)
    }

    fn parse_array(&mut self, depth: usize) -> Parsed<(Kind, Span, u8)> {
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
                _ => return Err(self.syntax(Reason::ExpectedCommaOrBracket)),
            }
        }
        let count = self.stack.len() - base;
        if count <= 10 {
            // [0] < [1] < ... < [9]: already in order.
            return Ok((Kind::Array, self.move_children(base, None), 0));
        }
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        index_order(count as u32, &mut order);
        let children = self.move_children(base, Some(&order));
        self.order = order;
        Ok((Kind::Array, children, 0))
    }

    /// Moves the children above `base` from the stack to `nodes`, in `order` (indices
    /// relative to `base`) or as they are; returns their span there.
    fn move_children(&mut self, base: usize, order: Option<&[u32]>) -> Span {
        let first = self.nodes.len();
        let count = self.stack.len() - base;
        match order {
            Some(order) => {
                let children = &self.stack[base..];
                self.nodes
                    .extend(order.iter().map(|&i| children[i as usize]));
                self.stack.truncate(base);
            }
            None => self.nodes.extend(self.stack.drain(base..)),
        }
        span(first, count)
    }

    /// Sorts the members above `base` into STRINGA order, rejects a repeated key, and
    /// moves them to `nodes`.
    fn close_object(&mut self, base: usize) -> Parsed<(Kind, Span, u8)> {
        let (input, arena) = (self.input, &self.arena);
        let members = &self.stack[base..];
        // Sort on the first 8 bytes of `key + terminator` (one u64 compare settles most
        // pairs), the full comparison only on ties.
        let mut keyed = std::mem::take(&mut self.keyed);
        keyed.clear();
        keyed.extend(members.iter().enumerate().map(|(i, m)| {
            (
                prefix8(key_of(input, arena, m), Document::terminator(m.kind)),
                i as u32,
            )
        }));
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                compare_members(input, arena, &members[a.1 as usize], &members[b.1 as usize])
            })
        });
        let duplicate = find_duplicate(input, arena, members, &keyed);
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend(keyed.iter().map(|&(_, i)| i));
        self.keyed = keyed;
        if let Some((a, b)) = duplicate {
            let offset = members[a as usize].offset.max(members[b as usize].offset) as usize;
            self.order = order;
            return Err(Fail::at(offset, Why::DuplicateKey));
        }
        let children = self.move_children(base, Some(&order));
        self.order = order;
        Ok((Kind::Object, children, 0))
    }
}

/// The first 8 bytes of `key + terminator`, big-endian, zero-padded: if two prefixes
/// differ, they order the full strings; if equal, the full comparison decides.
fn prefix8(key: &[u8], terminator: Option<u8>) -> u64 {
    let mut buffer = [0u8; 8];
    match key.get(..8) {
        Some(first8) => buffer.copy_from_slice(first8),
        None => {
            for (slot, &byte) in buffer.iter_mut().zip(key) {
                *slot = byte;
            }
            if let Some(t) = terminator {
                buffer[key.len()] = t;
            }
        }
    }
    u64::from_be_bytes(buffer)
}

/// Finds two members with the same key in an object whose members are sorted (`sorted`
/// holds indices into `members` in STRINGA order).
///
/// Members with the same key and kind sort next to each other. The same key with
/// different kinds (`"a":1` and `"a":{}`) may be apart, since `a` and `a.` can have other
/// keys between them; for each container member the other spellings are searched.
fn find_duplicate(
    input: &[u8],
    arena: &[u8],
    members: &[Node],
    sorted: &[(u64, u32)],
) -> Option<(u32, u32)> {
    let key = |i: u32| {
        let m = &members[i as usize];
        key_of(input, arena, m)
    };
    // Same key and kind: equal prefixes, next to each other.
    if let Some(pair) = sorted
        .windows(2)
        .find(|pair| pair[0].0 == pair[1].0 && key(pair[0].1) == key(pair[1].1))
    {
        return Some((pair[0].1, pair[1].1));
    }
    for &(_, i) in sorted {
        let kind = members[i as usize].kind;
        if !matches!(kind, Kind::Object | Kind::Array) {
            continue;
        }
        let k = key(i);
        for other in [None, Some(b'.'), Some(b'[')] {
            if other == Document::terminator(kind) {
                continue;
            }
            // The first member whose `key + terminator` is not below `k + other` ...
            let probe = |&(_, j): &(u64, u32)| {
                let m = &members[j as usize];
                compare_effective(key(j), Document::terminator(m.kind), k, other).is_lt()
            };
            let start = sorted.partition_point(probe);
            // ... and those equal to it (different keys can spell the same string).
            for &(_, j) in &sorted[start..] {
                let m = &members[j as usize];
                if compare_effective(key(j), Document::terminator(m.kind), k, other).is_ne() {
                    break;
                }
                if key(j) == k {
                    return Some((i, j));
                }
            }
        }
    }
    None
}

/// Indices `0..count` in the order their names `[i]` sort: digit strings compared byte-wise
/// with the closing `]` (0x5D) after every digit, so `[10]` < `[1]` < `[2]`. A depth-first
/// walk of the decimal trie that lists each number after its extensions.
fn index_order(count: u32, out: &mut Vec<u32>) {
    fn walk(prefix: u64, count: u64, out: &mut Vec<u32>) {
        for digit in 0..10 {
            let extended = prefix * 10 + digit;
            if extended >= count {
                break;
            }
            walk(extended, count, out);
        }
        out.push(prefix as u32);
    }
    if count == 0 {
        return;
    }
    // 0 has no extensions (no leading zeros).
    out.push(0);
    for first in 1..10u64 {
        if first >= u64::from(count) {
            break;
        }
        walk(first, u64::from(count), out);
    }
}

/// Skips string bytes that need no attention, eight at a time: returns the position of
/// the first `"`, `\\` or control character at or after `pos` (or a position a few bytes
/// before it, or the end of the input).
fn skip_plain<const KEY: bool>(input: &[u8], mut pos: usize, seen: &mut Seen) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut high_bits = 0;
    let mut dots = 0;
    while let Some(Ok(chunk)) = input.get(pos..pos + 8).map(<[u8; 8]>::try_from) {
        let word = u64::from_le_bytes(chunk);
        // The classic "has a zero byte" test; its lowest flag is always a true hit, and
        // bytes >= 0x80 (UTF-8) are never flagged.
        let special = has_zero_byte(word ^ (ONES * u64::from(b'"')))
            | has_zero_byte(word ^ (ONES * u64::from(b'\\')))
            | ((word.wrapping_sub(ONES * 0x20) & !word) & HIGHS);
        // Only the bytes before a stop belong to the run.
        let run = if special == 0 {
            u64::MAX
        } else {
            (1u64 << special.trailing_zeros()) - 1
        };
        high_bits |= word & HIGHS & run;
        if KEY {
            dots |= (has_zero_byte(word ^ (ONES * u64::from(b'.')))
                | has_zero_byte(word ^ (ONES * u64::from(b'['))))
                & run;
        }
        if special != 0 {
            pos += (special.trailing_zeros() / 8) as usize;
            break;
        }
        pos += 8;
    }
    seen.non_ascii |= high_bits != 0;
    seen.dot_or_bracket |= dots != 0;
    pos
}

/// What a string scan noticed on the way.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    /// A byte >= 0x80: the run must be validated as UTF-8.
    non_ascii: bool,
    /// A `.` or `[` (scanned for keys only).
    dot_or_bracket: bool,
}

impl Seen {
    fn byte<const KEY: bool>(&mut self, byte: u8) {
        self.non_ascii |= byte >= 0x80;
        if KEY {
            self.dot_or_bracket |= byte == b'.' || byte == b'[';
        }
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

fn lone_surrogate(offset: usize) -> Fail {
    Fail::at(offset, Why::Utf8(Reason::LoneSurrogate))
}

impl Fail {
    /// A failure at `offset` (bodies are at most `u32::MAX` bytes, checked on entry).
    fn at(offset: usize, why: Why) -> Self {
        Fail {
            offset: offset as u32,
            why,
        }
    }

    fn into_error(self, input: &[u8]) -> Error {
        let offset = self.offset as usize;
        match self.why {
            Why::Syntax(reason) => Error::InvalidJson {
                offset,
                reason: reason.text(),
            },
            Why::Utf8(reason) => Error::InvalidUtf8 {
                offset,
                reason: reason.text(),
            },
            Why::TooDeep => Error::TooDeep {
                offset,
                limit: MAX_DEPTH,
            },
            Why::NotAnObject(found) => Error::NotAnObject { found },
            Why::StringATooLong => Error::StringATooLong {
                body_len: input.len(),
                limit: super::max_string_a_len(input.len()),
            },
            Why::ArenaTooLarge => Error::BodyTooLarge { len: input.len() },
            Why::NumberTooLong => Error::NumberOutOfRange {
                offset,
                limit: MAX_NUMBER_LEN,
            },
            Why::DuplicateKey => {
                // Decode the repeated key again, for the message.
                let mut parser = Parser::new(input, false);
                parser.pos = offset;
                let key = match parser.parse_string::<false>() {
                    Ok((span, in_arena, _)) => {
                        String::from_utf8_lossy(bytes(input, &parser.arena, span, in_arena))
                            .into_owned()
                    }
                    Err(_) => String::new(),
                };
                Error::DuplicateKey { key, offset }
            }
        }
    }
}

/// Orders two members of one object as their names sort in STRINGA.
///
/// A member's names all begin with its key followed by its terminator (`.` for an
/// object, `[` for an array, nothing for a scalar), so members compare as the strings
/// `key + terminator`. This is exact whenever no key contains `.` or `[`; otherwise the
/// document takes the global sort (see [`Document::needs_global_order`]).
fn compare_members(input: &[u8], arena: &[u8], a: &Node, b: &Node) -> Ordering {
    compare_effective(
        key_of(input, arena, a),
        Document::terminator(a.kind),
        key_of(input, arena, b),
        Document::terminator(b.kind),
    )
}

/// Compares `key_a + term_a` with `key_b + term_b` as byte strings: the common prefix of
/// the keys first (a memcmp), then what is left of each, terminator included.
fn compare_effective(
    key_a: &[u8],
    term_a: Option<u8>,
    key_b: &[u8],
    term_b: Option<u8>,
) -> Ordering {
    let common = key_a.len().min(key_b.len());
    match key_a[..common].cmp(&key_b[..common]) {
        Ordering::Equal => key_a[common..]
            .iter()
            .chain(term_a.iter())
            .cmp(key_b[common..].iter().chain(term_b.iter())),
        unequal => unequal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoded text past what a `u32` span addresses is refused as `body_too_large`
    /// before a span could wrap. 4 GiB cannot be allocated in a test, so the limit is
    /// lowered: `1e100` decodes to 101 bytes, twenty of them to 2,020 bytes.
    #[test]
    fn decoded_text_beyond_the_span_range_is_refused() {
        let body = format!(r#"{{"a":[{}]}}"#, vec!["1e100"; 20].join(","));
        let parse = |arena_limit: usize| {
            let mut parser = Parser::new(body.as_bytes(), false);
            parser.arena_limit = arena_limit;
            parser
                .parse_value(1)
                .map(|_| parser.arena.len())
                .map_err(|fail| fail.into_error(body.as_bytes()))
        };
        assert_eq!(parse(u32::MAX as usize), Ok(2_020));
        assert_eq!(parse(2_000), Err(Error::BodyTooLarge { len: body.len() }));
        // Escaped strings are decoded into the same arena.
        let escaped = format!(r#"{{"a":"{}"}}"#, "\\n".repeat(100));
        let mut parser = Parser::new(escaped.as_bytes(), false);
        parser.arena_limit = 50;
        let error = parser
            .parse_value(1)
            .map(|_| ())
            .map_err(|f| f.into_error(escaped.as_bytes()));
        assert_eq!(error, Err(Error::BodyTooLarge { len: escaped.len() }));
    }

    #[test]
    fn index_order_matches_string_order() {
        for n in [0u32, 1, 2, 10, 11, 12, 100, 101, 1234, 10_001] {
            let mut generated = Vec::new();
            index_order(n, &mut generated);
            let mut by_name: Vec<u32> = (0..n).collect();
            by_name.sort_by_key(|&i| format!("[{i}]"));
            assert_eq!(generated, by_name, "n = {n}");
        }
    }

    #[test]
    fn duplicates_of_any_kind_are_found_whatever_sorts_between() {
        for body in [
            r#"{"a":1,"a-b":2,"a":{}}"#,
            r#"{"a":{},"a0":1,"a":[]}"#,
            r#"{"a":[],"a.":1,"a":"x"}"#,
            r#"{"k":1,"k!":1,"k-":1,"k/":[],"k0":1,"kA":{},"k":{"x":1}}"#,
            r#"{"z":{"abcdefgh":1,"abcdefgh":2}}"#,
        ] {
            let err = Document::parse(body.as_bytes()).unwrap_err();
            assert_eq!(err.code(), "duplicate_key", "{body}");
        }
        let members: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{{}}")).collect();
        let mut body = format!("{{{}", members.join(","));
        assert!(Document::parse(format!("{body}}}").as_bytes()).is_ok());
        body.push_str(",\"k7\":1}");
        let err = Document::parse(body.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            Error::DuplicateKey {
                key: "k7".into(),
                offset: body.len() - 7
            }
        );
        // Different keys that spell the same `key + terminator` are not duplicates.
        assert!(Document::parse(br#"{"a":{"b":1},"a.":1}"#).is_ok());
    }

    #[test]
    fn skip_plain_finds_the_first_special_byte() {
        let naive = |input: &[u8], pos: usize| {
            input[pos..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map_or(input.len(), |p| pos + p)
        };
        let alphabet: &[u8] = &[
            b'a', b'"', b'\\', 0x00, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xe4, 0xff, b'\n',
        ];
        let mut state = 0x1234_5678_u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (state >> 59) as usize + 1;
            let input: Vec<u8> = (0..len)
                .map(|i| alphabet[((state >> (i % 48)) as usize + i * 7) % alphabet.len()])
                .collect();
            for pos in 0..len {
                // skip_plain may stop early, never late; the caller's byte loop goes on.
                let found = skip_plain::<false>(&input, pos, &mut Seen::default());
                assert!(found <= naive(&input, pos), "{input:?} from {pos}");
                let mut p = found;
                while p < input.len() && !(input[p] == b'"' || input[p] == b'\\' || input[p] < 0x20)
                {
                    p += 1;
                }
                assert_eq!(p, naive(&input, pos), "{input:?} from {pos}");
            }
        }
        // A special byte anywhere in a long plain run is found exactly.
        for at in 0..40 {
            let mut input = vec![b'x'; 40];
            input[at] = b'"';
            assert_eq!(
                skip_plain::<false>(&input, 0, &mut Seen::default()),
                at,
                "at {at}: 40 bytes are five whole chunks, so the hit is exact"
            );
            assert_eq!(naive(&input, 0), at);
        }
    }

    #[test]
    fn utf8_is_checked_in_strings_and_reported_first() {
        // Multi-byte characters straddling every chunk boundary, with and without escapes.
        for pad in 0..10 {
            let body = format!(
                r#"{{"k":"{}中文字符😀\n{}中文😀"}}"#,
                "x".repeat(pad),
                "y".repeat(pad)
            );
            let parsed = Document::parse(body.as_bytes()).unwrap();
            let value = parsed.value(&parsed.children(&parsed.root)[0]);
            assert_eq!(
                value,
                format!("{}中文字符😀\n{}中文😀", "x".repeat(pad), "y".repeat(pad)).as_bytes()
            );
        }
        // Raw invalid UTF-8 wins over an earlier syntax error or lone surrogate, with its offset.
        for (body, offset) in [
            (&b"{\"a\":1,,\"b\":\"\xff\"}"[..], 13),
            (b"{\"a\":\"\\ud800\",\"b\":\"\xc0\xaf\"}", 19),
            (b"{\"a\":\"\\n\xe4\xb8\"}", 8),
            (b"{\"a\":1}\x80", 7),
        ] {
            let err = Document::parse(body).unwrap_err();
            assert_eq!(
                (err.code().as_str(), err.offset()),
                ("invalid_utf8", Some(offset)),
                "{body:?}"
            );
        }
    }

    #[test]
    fn a_dot_or_bracket_anywhere_in_a_key_selects_the_global_sort() {
        let global = |body: String| Document::parse(body.as_bytes()).unwrap().needs_global_order;
        for len in 1..20 {
            let plain = "a".repeat(len);
            assert!(
                !global(format!(r#"{{"{plain}":"x.y[0]"}}"#)),
                "a value's dots do not count"
            );
            for at in 0..len {
                for special in [".", "["] {
                    let key = format!("{}{special}{}", &plain[..at], &plain[at + 1..]);
                    assert!(global(format!(r#"{{"{key}":1}}"#)), "{key}");
                    // The same key with an escape elsewhere, and the special char escaped.
                    let escaped = format!("\\n{key}");
                    assert!(global(format!(r#"{{"{escaped}":1}}"#)), "{escaped}");
                    let code = if special == "." { "\\u002e" } else { "\\u005b" };
                    let spelled = format!("{}{code}{}", &plain[..at], &plain[at + 1..]);
                    assert!(global(format!(r#"{{"{spelled}":1}}"#)), "{spelled}");
                }
            }
        }
    }

    #[test]
    fn prefix_order_agrees_with_full_order() {
        let cases: &[(&[u8], Option<u8>)] = &[
            (b"a", None),
            (b"a", Some(b'.')),
            (b"a", Some(b'[')),
            (b"a-b", None),
            (b"a\0", None),
            (b"abcdefgh", None),
            (b"abcdefgh", Some(b'.')),
            (b"abcdefg", Some(b'.')),
            (b"abcdefg.", None),
            (b"", None),
        ];
        for &(ka, ta) in cases {
            for &(kb, tb) in cases {
                let (pa, pb) = (prefix8(ka, ta), prefix8(kb, tb));
                if pa != pb {
                    assert_eq!(
                        pa.cmp(&pb),
                        compare_effective(ka, ta, kb, tb),
                        "{ka:?}{ta:?} vs {kb:?}{tb:?}"
                    );
                }
            }
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
