//! From body bytes to STRINGA (spec/canonical-form.md sections 2 and 3).

mod index;
mod number;

pub use index::MAX_DEPTH;
pub use number::MAX_NUMBER_LEN;
pub(crate) use number::is_json_number;

use index::{Document, Kind, Node};

use crate::Error;
use crate::lang::Bilingual;

/// Why a body is not JSON (or not UTF-8): one byte while parsing, text in the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Reason {
    /// expected a digit
    ExpectedDigit,
    /// expected a digit after the decimal point
    ExpectedFractionDigit,
    /// expected a digit in the exponent
    ExpectedExponentDigit,
    /// \u escape needs four hex digits
    ShortUnicodeEscape,
    /// invalid escape sequence
    InvalidEscape,
    /// \u escape encodes a lone surrogate
    LoneSurrogate,
    /// not a valid UTF-8 sequence
    InvalidUtf8,
    /// expected ',' or ']' in an array
    ExpectedCommaOrBracket,
    /// expected ',' or '}' in an object
    ExpectedCommaOrBrace,
    /// expected ':' after an object key
    ExpectedColon,
    /// expected a JSON value
    ExpectedValue,
    /// expected a string key
    ExpectedKey,
    /// unescaped control character in string
    ControlCharacter,
    /// unexpected data after the JSON value
    TrailingData,
    /// unexpected end of input, expected a JSON value
    UnexpectedEnd,
    /// unterminated string
    UnterminatedString,
    /// a UTF-8 byte order mark before the JSON value
    ByteOrderMark,
}

impl Reason {
    /// The text of [`Error::InvalidJson`]'s or [`Error::InvalidUtf8`]'s `reason`.
    pub(crate) fn text(self) -> &'static str {
        REASONS[self as usize].0
    }
}

/// The reasons of this module in English and Chinese: first each [`Reason`]'s, in the
/// order of its variants (its discriminant is its index), then the other texts of body
/// errors (what a top level that is not an object is, internal failures).
pub(crate) const REASONS: &[Bilingual] = &[
    ("expected a digit", "此处应为数字"),
    (
        "expected a digit after the decimal point",
        "小数点后应为数字",
    ),
    ("expected a digit in the exponent", "指数部分应为数字"),
    (
        "\\u escape needs four hex digits",
        "\\u 转义需要四位十六进制数字",
    ),
    ("invalid escape sequence", "无效的转义序列"),
    (
        "\\u escape encodes a lone surrogate",
        "\\u 转义表示的是孤立的代理项（lone surrogate）",
    ),
    ("not a valid UTF-8 sequence", "不是有效的 UTF-8 字节序列"),
    (
        "expected ',' or ']' in an array",
        "数组中此处应为 ',' 或 ']'",
    ),
    (
        "expected ',' or '}' in an object",
        "对象中此处应为 ',' 或 '}'",
    ),
    ("expected ':' after an object key", "对象的键之后应为 ':'"),
    ("expected a JSON value", "此处应为 JSON 值"),
    ("expected a string key", "此处应为字符串形式的键"),
    (
        "unescaped control character in string",
        "字符串中有未转义的控制字符",
    ),
    (
        "unexpected data after the JSON value",
        "JSON 值之后还有多余的数据",
    ),
    (
        "unexpected end of input, expected a JSON value",
        "输入意外结束，此处应为 JSON 值",
    ),
    ("unterminated string", "字符串没有结束引号"),
    // Windows editors and `encoding="utf-8-sig"` writers put it there; JSON
    // (RFC 8259 §8.1) does not allow it, and the platform signs without it.
    (
        "a UTF-8 byte order mark (EF BB BF) before the JSON value: remove it \
         (write UTF-8 without BOM)",
        "JSON 值之前有 UTF-8 字节顺序标记（BOM，EF BB BF）：请删除它（保存为不带 BOM 的 UTF-8）",
    ),
    // What the top level was, for Error::NotAnObject.
    ("null", "null"),
    ("a boolean", "布尔值"),
    ("a number", "数字"),
    ("a string", "字符串"),
    ("an array", "数组"),
    ("an object", "对象"),
    ("internal", "内部错误"),
    ("STRINGA is not UTF-8", "STRINGA 不是 UTF-8"),
];

/// Where STRINGA is written: a buffer, or straight into a hasher.
pub(crate) trait Sink {
    /// Appends `bytes` to the output.
    fn put(&mut self, bytes: &[u8]);

    /// Appends `&name=value`, or `name=value` for the first pair.
    fn put_pair(&mut self, first: bool, name: &[u8], value: &[u8]) {
        if !first {
            self.put(b"&");
        }
        self.put(name);
        self.put(b"=");
        self.put(value);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Computes STRINGA, the canonical form of a JSON body, from the body's exact bytes.
///
/// Pairs `name=value` for every non-empty scalar, names built from the path (`a.b`,
/// `a[0]`), sorted by name as UTF-8 bytes, joined with `&`; numbers as canonical
/// decimals; the top-level `sign` member left out. Anything the rules cannot decide
/// without guessing is an error (see `spec/canonical-form.md` section 2.4).
///
/// ```
/// let stringa = glorycard_core::canonicalize(br#"{"b":"2","a":{"x":10.50,"y":""}}"#)?;
/// assert_eq!(stringa, "a.x=10.5&b=2");
/// # Ok::<(), glorycard_core::Error>(())
/// ```
pub fn canonicalize(body: &[u8]) -> Result<String, Error> {
    let document = Document::parse(body)?;
    let mut out = Vec::with_capacity(body.len() + body.len() / 4);
    write_string_a(&document, &mut out)?;
    // Every piece is a decoded JSON string, a number or ASCII punctuation: valid UTF-8.
    String::from_utf8(out).map_err(|e| Error::InvalidUtf8 {
        offset: e.utf8_error().valid_up_to(),
        reason: "internal: STRINGA is not UTF-8",
    })
}

/// The longest STRINGA a body of `body_len` bytes may have: 16 × `body_len` + 65,536
/// (spec/canonical-form.md section 2 rule 4). Every element of an array repeats its array's
/// name, so without a limit STRINGA grows with the square of the body.
pub fn max_string_a_len(body_len: usize) -> u64 {
    (body_len as u64).saturating_mul(16).saturating_add(65_536)
}

/// Refuses a document whose STRINGA, as `departure` writes it, would be longer than
/// [`max_string_a_len`]. Computed from the index (every name's length is known there)
/// before a byte of STRINGA is produced, and stops counting as soon as it is over.
fn check_string_a_len(document: &Document<'_>, departure: Departure) -> Result<(), Error> {
    let limit = max_string_a_len(document.input_len());
    let mut counter = LengthCounter {
        document,
        keep_empty: departure.keep_empty,
        // Each pair is counted with one `&`; STRINGA has one fewer than it has pairs.
        budget: limit.saturating_add(1),
        total: 0,
    };
    let mut within = true;
    for member in document.children(&document.root) {
        let key = document.key(member);
        if key == b"sign" && !departure.keep_sign {
            continue;
        }
        within = counter.add(member, key.len() as u64);
        if !within {
            break;
        }
    }
    if within {
        Ok(())
    } else {
        Err(Error::StringATooLong {
            body_len: document.input_len(),
            limit,
        })
    }
}

/// Adds up the length of STRINGA's pairs below a node, without writing any.
struct LengthCounter<'d, 'a> {
    document: &'d Document<'a>,
    keep_empty: bool,
    budget: u64,
    total: u64,
}

impl LengthCounter<'_, '_> {
    /// Adds the pairs of `node`, whose name is `name_len` bytes long; false once the
    /// total is over the budget.
    fn add(&mut self, node: &Node, name_len: u64) -> bool {
        let document = self.document;
        match node.kind {
            Kind::Object => document.children(node).iter().all(|member| {
                let key_len = document.key(member).len() as u64;
                self.add(member, name_len + 1 + key_len)
            }),
            Kind::Array => document
                .children(node)
                .iter()
                .all(|element| self.add(element, name_len + 2 + decimal_len(element.key.start))),
            Kind::Null | Kind::False | Kind::True | Kind::Number | Kind::String => {
                let value = document.value(node);
                if !value.is_empty() || self.keep_empty {
                    // `&name=value`
                    self.total += name_len + value.len() as u64 + 2;
                }
                self.total <= self.budget
            }
        }
    }
}

/// The number of decimal digits of `n`.
fn decimal_len(n: u32) -> u64 {
    u64::from(n.checked_ilog10().unwrap_or(0)) + 1
}

/// Parses `body` and writes its STRINGA to `sink`. Nothing is written on error.
pub(crate) fn write_body(body: &[u8], sink: &mut impl Sink) -> Result<(), Error> {
    let document = Document::parse(body)?;
    write_string_a(&document, sink)
}

/// A deliberate departure from the rules, to recognize how a counterpart signs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Departure {
    /// Numbers as written (`10.00`), not canonical decimals.
    pub verbatim_numbers: bool,
    /// Empty strings and nulls as `name=`.
    pub keep_empty: bool,
    /// The top-level `sign` member signed like any other.
    pub keep_sign: bool,
    /// Strings that are JSON numbers (`"10.00"`) signed as those numbers (`10`): the
    /// value was signed as a number and sent as a string. All such strings at once (the
    /// usual cause is one serializer for every fee): a body where only some were is not
    /// recognized.
    pub strings_as_numbers: bool,
}

/// The canonical decimal of `text` when all of it is one JSON number.
fn canonical_number_text(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match number::canonicalize_number(text, &mut out) {
        Ok(number::Canonical::Verbatim { len }) if len == text.len() => Some(text.to_vec()),
        Ok(number::Canonical::Written { len }) if len == text.len() => Some(out),
        _ => None,
    }
}

/// STRINGA computed with a [`Departure`] from the rules, for diagnosis only.
pub(crate) fn canonicalize_departing(body: &[u8], departure: Departure) -> Result<String, Error> {
    let document = Document::parse_with(body, departure.verbatim_numbers)?;
    check_string_a_len(&document, departure)?;
    let mut out = Vec::new();
    write_globally_sorted(&document, &mut out, departure)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn write_string_a(document: &Document<'_>, sink: &mut impl Sink) -> Result<(), Error> {
    check_string_a_len(document, Departure::default())?;
    if document.needs_global_order {
        return write_globally_sorted(document, sink, Departure::default());
    }
    // Children are stored in STRINGA order: one walk emits the pairs in order.
    let mut first = true;
    visit_leaves(document, &mut |name, leaf| {
        emit_pair(document, sink, &mut first, name, leaf, false);
    });
    Ok(())
}

/// The slow, general path for documents whose keys contain `.` or `[`: every leaf's full
/// name is materialized, all names are sorted together, and collisions are detected.
fn write_globally_sorted(
    document: &Document<'_>,
    sink: &mut impl Sink,
    departure: Departure,
) -> Result<(), Error> {
    let mut names: Vec<u8> = Vec::new();
    let mut leaves: Vec<(usize, usize, &Node)> = Vec::new();
    visit_leaves_with(document, departure.keep_sign, &mut |name, leaf| {
        leaves.push((names.len(), name.len(), leaf));
        names.extend_from_slice(name);
    });
    let name_of = |&(start, len, _): &(usize, usize, &Node)| &names[start..start + len];
    leaves.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    if let Some(pair) = leaves
        .windows(2)
        .find(|pair| name_of(&pair[0]) == name_of(&pair[1]))
    {
        return Err(Error::NameCollision {
            name: String::from_utf8_lossy(name_of(&pair[0])).into_owned(),
        });
    }
    let mut first = true;
    for leaf in &leaves {
        if departure.strings_as_numbers
            && leaf.2.kind == Kind::String
            && let Some(number) = canonical_number_text(document.value(leaf.2))
        {
            sink.put_pair(first, name_of(leaf), &number);
            first = false;
            continue;
        }
        emit_pair(
            document,
            sink,
            &mut first,
            name_of(leaf),
            leaf.2,
            departure.keep_empty,
        );
    }
    Ok(())
}

/// Writes `name=value` (preceded by `&` unless first) when the leaf produces a pair.
fn emit_pair(
    document: &Document<'_>,
    sink: &mut impl Sink,
    first: &mut bool,
    name: &[u8],
    leaf: &Node,
    keep_empty: bool,
) {
    let value = document.value(leaf);
    // `null` and `""` produce no pair (both have empty text; `0`, `false` do not).
    if value.is_empty() && !keep_empty {
        return;
    }
    sink.put_pair(*first, name, value);
    *first = false;
}

/// Calls `visit(name, leaf)` for every scalar (null and empty strings included) in stored
/// order, except below the top-level `sign` member. Empty containers have no leaves.
fn visit_leaves<'d>(document: &'d Document<'_>, visit: &mut impl FnMut(&[u8], &'d Node)) {
    visit_leaves_with(document, false, visit);
}

fn visit_leaves_with<'d>(
    document: &'d Document<'_>,
    keep_sign: bool,
    visit: &mut impl FnMut(&[u8], &'d Node),
) {
    let mut path = Vec::with_capacity(64);
    for member in document.children(&document.root) {
        let key = document.key(member);
        if key == b"sign" && !keep_sign {
            continue;
        }
        if let Kind::Object | Kind::Array = member.kind {
            path.extend_from_slice(key);
            visit_node(document, member, &mut path, visit);
            path.clear();
        } else {
            // A top-level scalar's name is its key: no need to copy it into the path.
            visit(key, member);
        }
    }
}

fn visit_node<'d>(
    document: &'d Document<'_>,
    node: &'d Node,
    path: &mut Vec<u8>,
    visit: &mut impl FnMut(&[u8], &'d Node),
) {
    match node.kind {
        Kind::Object => {
            for member in document.children(node) {
                let len = path.len();
                path.push(b'.');
                path.extend_from_slice(document.key(member));
                visit_node(document, member, path, visit);
                path.truncate(len);
            }
        }
        Kind::Array => {
            for element in document.children(node) {
                let len = path.len();
                push_index(path, element.key.start);
                visit_node(document, element, path, visit);
                path.truncate(len);
            }
        }
        Kind::Null | Kind::False | Kind::True | Kind::Number | Kind::String => visit(path, node),
    }
}

/// Appends `[index]`.
fn push_index(path: &mut Vec<u8>, index: u32) {
    let mut digits = [0u8; 10];
    let mut n = index;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push(b'[');
    path.extend_from_slice(&digits[at..]);
    path.push(b']');
}

/// The general path taken by every document: all names materialized and sorted together.
/// Not part of the API; property tests compare it with [`canonicalize`].
#[doc(hidden)]
pub fn canonicalize_globally_sorted(body: &[u8]) -> Result<String, Error> {
    let document = Document::parse(body)?;
    check_string_a_len(&document, Departure::default())?;
    let mut out = Vec::new();
    write_globally_sorted(&document, &mut out, Departure::default())?;
    String::from_utf8(out).map_err(|_| Error::InvalidUtf8 {
        offset: 0,
        reason: "internal",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `REASONS` starts with each `Reason`'s texts in the variants' order (a variant's
    /// discriminant is its index): the first, the last, and one between.
    #[test]
    fn each_reason_is_its_own_text() {
        assert_eq!(Reason::ExpectedDigit.text(), "expected a digit");
        assert_eq!(
            Reason::ExpectedColon.text(),
            "expected ':' after an object key"
        );
        assert_eq!(Reason::UnterminatedString.text(), "unterminated string");
        assert!(
            Reason::ByteOrderMark
                .text()
                .starts_with("a UTF-8 byte order mark")
        );
        assert_eq!(REASONS[Reason::ByteOrderMark as usize + 1].0, "null");
    }

    #[test]
    fn nested_sign_is_data_top_level_sign_is_not() {
        let stringa = canonicalize(br#"{"sign":"x","a":{"sign":"y"}}"#).unwrap();
        assert_eq!(stringa, "a.sign=y");
    }

    #[test]
    fn collision_detected_on_global_path() {
        let err = canonicalize(br#"{"a.b":"1","a":{"b":"2"}}"#).unwrap_err();
        assert_eq!(err.code(), "name_collision");
    }

    #[test]
    fn a_byte_order_mark_is_named() {
        // EF BB BF is valid UTF-8 (U+FEFF), so only the parser can name it.
        let err = canonicalize(b"\xEF\xBB\xBF{\"a\":1}").unwrap_err();
        assert_eq!(err.code(), "invalid_json");
        assert_eq!(err.offset(), Some(0));
        assert!(
            err.to_string().contains("byte order mark (EF BB BF)"),
            "{err}"
        );
        // Not at byte 0 it is an ordinary unexpected character.
        let err = canonicalize(b" \xEF\xBB\xBF{}").unwrap_err();
        assert!(!err.to_string().contains("byte order mark"), "{err}");
    }

    #[test]
    fn empty_top_level_key_keeps_its_dot() {
        assert_eq!(canonicalize(br#"{"":{"b":1}}"#).unwrap(), ".b=1");
    }
}
