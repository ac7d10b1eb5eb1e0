//! Bodies built from a host language's native values (a JS object, a Python dict, a
//! Kotlin map), written as JSON text that [`canonicalize`](crate::canonicalize) and
//! [`sign_body`](crate::sign_body) then treat like any received body.
//!
//! spec/canonical-form.md section 3: a binary float is written as its shortest round-trip
//! decimal; an exact decimal (Python `Decimal`, Java `BigDecimal`, a big integer) from
//! its exact text. Bindings walk their native tree and call this writer; the writer owns
//! escaping, number spelling, the nesting limit and the path named in errors, so every
//! binding produces the same text for the same value.

use std::fmt::Write as _;

use crate::Error;
use crate::canonical::{MAX_DEPTH, is_json_number};
use crate::lang::Bilingual;

/// The reasons of these errors, in English and Chinese (see `Error::message`).
pub(crate) const REASONS: &[Bilingual] = &[
    SECOND_VALUE,
    KEY_NEEDED,
    KEY_OUT_OF_PLACE,
    OBJECT_NOT_OPEN,
    ARRAY_NOT_OPEN,
    NOT_FINITE,
    DECIMAL_NOT_JSON,
    INCOMPLETE,
    TOP_LEVEL,
];
const SECOND_VALUE: Bilingual = (
    "a second value after the top-level one",
    "顶层值之后又有一个值",
);
const KEY_NEEDED: Bilingual = (
    "an object member needs a key before its value",
    "对象成员的值之前需要键",
);
const KEY_OUT_OF_PLACE: Bilingual = (
    "a key outside an object, or two keys in a row",
    "键不在对象中，或连续两个键",
);
const OBJECT_NOT_OPEN: Bilingual = (
    "end of an object that is not open or lacks a value",
    "结束了一个未开始或缺少值的对象",
);
const ARRAY_NOT_OPEN: Bilingual = ("end of an array that is not open", "结束了一个未开始的数组");
const NOT_FINITE: Bilingual = (
    "NaN and infinity have no JSON form",
    "NaN 和无穷大没有 JSON 形式",
);
const DECIMAL_NOT_JSON: Bilingual = (
    "the decimal's text is not a finite JSON number",
    "该十进制数的文本不是有限的 JSON 数字",
);
const INCOMPLETE: Bilingual = ("the value is incomplete", "值不完整");
const TOP_LEVEL: Bilingual = ("(top level)", "（顶层）");

/// One step of the path from the body's top level to the value being written.
#[derive(Debug, Clone)]
enum Step {
    /// Inside an object; holds the current member's key once [`JsonWriter::key`] was called.
    Object { key: Option<String>, first: bool },
    /// Inside an array; holds the index of the next element.
    Array { next: usize },
}

/// Streams JSON text from a native value tree, depth-first.
///
/// ```
/// use glorycard_core::JsonWriter;
/// let mut w = JsonWriter::new();
/// w.begin_object()?;
/// w.key("fee")?;
/// w.float(10.0)?;
/// w.key("tags")?;
/// w.begin_array()?;
/// w.string("a\"b")?;
/// w.end_array()?;
/// w.end_object()?;
/// assert_eq!(w.finish()?, r#"{"fee":10,"tags":["a\"b"]}"#);
/// # Ok::<(), glorycard_core::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct JsonWriter {
    out: String,
    stack: Vec<Step>,
    done: bool,
}

impl JsonWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path of the value about to be written, as a flattened name
    /// (`detail.items[2].price`; `(top level)` before anything is entered).
    /// Bindings use it to name the place of a value they cannot convert.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for step in &self.stack {
            match step {
                Step::Object { key: Some(key), .. } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Step::Object { key: None, .. } => {}
                Step::Array { next } => {
                    let _ = write!(path, "[{next}]");
                }
            }
        }
        if path.is_empty() {
            path.push_str(TOP_LEVEL.0);
        }
        path
    }

    /// An error naming the current path, for a value that has no JSON form.
    pub fn invalid_value(&self, reason: impl Into<String>) -> Error {
        Error::InvalidValue {
            path: self.path(),
            reason: reason.into(),
        }
    }

    /// Starts a value: writes the separator its position needs.
    fn before_value(&mut self) -> Result<(), Error> {
        if self.done {
            return Err(self.invalid_value(SECOND_VALUE.0));
        }
        match self.stack.last_mut() {
            None => {}
            Some(Step::Object { key: None, .. }) => {
                return Err(self.invalid_value(KEY_NEEDED.0));
            }
            Some(Step::Object { .. }) => {}
            Some(Step::Array { next }) if *next > 0 => self.out.push(','),
            Some(Step::Array { .. }) => {}
        }
        Ok(())
    }

    /// Ends a value: advances the array index or clears the member key.
    fn after_value(&mut self) {
        match self.stack.last_mut() {
            None => self.done = true,
            Some(Step::Object { key, .. }) => *key = None,
            Some(Step::Array { next }) => *next += 1,
        }
    }

    fn enter(&mut self, open: char, step: Step) -> Result<(), Error> {
        self.before_value()?;
        if self.stack.len() >= MAX_DEPTH {
            // Also what ends a self-referencing native structure.
            return Err(Error::TooDeep {
                offset: self.out.len(),
                limit: MAX_DEPTH,
            });
        }
        self.out.push(open);
        self.stack.push(step);
        Ok(())
    }

    /// Opens an object.
    pub fn begin_object(&mut self) -> Result<(), Error> {
        self.enter(
            '{',
            Step::Object {
                key: None,
                first: true,
            },
        )
    }

    /// Opens an array.
    pub fn begin_array(&mut self) -> Result<(), Error> {
        self.enter('[', Step::Array { next: 0 })
    }

    /// Writes the key of the next member of the innermost object.
    pub fn key(&mut self, key: &str) -> Result<(), Error> {
        match self.stack.last_mut() {
            Some(Step::Object {
                key: slot @ None,
                first,
            }) => {
                if !*first {
                    self.out.push(',');
                }
                *first = false;
                *slot = Some(key.to_owned());
            }
            _ => return Err(self.invalid_value(KEY_OUT_OF_PLACE.0)),
        }
        write_string(&mut self.out, key);
        self.out.push(':');
        Ok(())
    }

    /// Closes the innermost object.
    pub fn end_object(&mut self) -> Result<(), Error> {
        match self.stack.last() {
            Some(Step::Object { key: None, .. }) => {}
            _ => {
                return Err(self.invalid_value(OBJECT_NOT_OPEN.0));
            }
        }
        self.stack.pop();
        self.out.push('}');
        self.after_value();
        Ok(())
    }

    /// Closes the innermost array.
    pub fn end_array(&mut self) -> Result<(), Error> {
        if !matches!(self.stack.last(), Some(Step::Array { .. })) {
            return Err(self.invalid_value(ARRAY_NOT_OPEN.0));
        }
        self.stack.pop();
        self.out.push(']');
        self.after_value();
        Ok(())
    }

    /// Writes `null`.
    pub fn null(&mut self) -> Result<(), Error> {
        self.before_value()?;
        self.out.push_str("null");
        self.after_value();
        Ok(())
    }

    /// Writes `true` or `false`.
    pub fn bool(&mut self, value: bool) -> Result<(), Error> {
        self.before_value()?;
        self.out.push_str(if value { "true" } else { "false" });
        self.after_value();
        Ok(())
    }

    /// Writes a string, escaped as JSON requires.
    pub fn string(&mut self, value: &str) -> Result<(), Error> {
        self.before_value()?;
        write_string(&mut self.out, value);
        self.after_value();
        Ok(())
    }

    /// Writes a binary float as its shortest round-trip decimal (`0.1` → `0.1`,
    /// `10.0` → `10`, `1e21` → `1000000000000000000000`, `-0.0` → `-0`, which
    /// canonicalizes to `0`). NaN and infinities have no JSON form and are refused.
    pub fn float(&mut self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(self.invalid_value(NOT_FINITE.0));
        }
        self.before_value()?;
        // Rust's Display for f64 prints the shortest digits that round-trip, in plain notation.
        let _ = write!(self.out, "{value}");
        self.after_value();
        Ok(())
    }

    /// Writes a signed integer.
    pub fn integer(&mut self, value: i64) -> Result<(), Error> {
        self.before_value()?;
        let _ = write!(self.out, "{value}");
        self.after_value();
        Ok(())
    }

    /// Writes an exact decimal from its text (a big integer's digits, `Decimal`'s or
    /// `BigDecimal`'s string such as `1E+2` or `-12.30`). The text must be a JSON number.
    pub fn decimal(&mut self, text: &str) -> Result<(), Error> {
        if !is_json_number(text) {
            return Err(self.invalid_value(DECIMAL_NOT_JSON.0));
        }
        self.before_value()?;
        self.out.push_str(text);
        self.after_value();
        Ok(())
    }

    /// The JSON text, once exactly one complete top-level value was written.
    pub fn finish(self) -> Result<String, Error> {
        if !self.done || !self.stack.is_empty() {
            return Err(self.invalid_value(INCOMPLETE.0));
        }
        Ok(self.out)
    }
}

fn write_string(out: &mut String, value: &str) {
    out.push('"');
    let mut plain_from = 0;
    for (at, byte) in value.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[plain_from..at]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        plain_from = at + 1;
    }
    out.push_str(&value[plain_from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonicalize;

    fn object(build: impl FnOnce(&mut JsonWriter) -> Result<(), Error>) -> Result<String, Error> {
        let mut w = JsonWriter::new();
        w.begin_object()?;
        build(&mut w)?;
        w.end_object()?;
        w.finish()
    }

    #[test]
    fn floats_follow_section_3() -> Result<(), Error> {
        // Expected canonical decimals are the spec's own examples (section 3) and
        // JavaScript's String(x) for the same doubles.
        let cases: [(f64, &str); 7] = [
            (0.1, "0.1"),
            (10.0, "10"),
            (10.5, "10.5"),
            (1e21, "1000000000000000000000"),
            (-0.0, "0"),
            (1.5e-3, "0.0015"),
            (0.000_1, "0.0001"),
        ];
        for (value, expected) in cases {
            let text = object(|w| {
                w.key("x")?;
                w.float(value)
            })?;
            assert_eq!(
                canonicalize(text.as_bytes())?,
                format!("x={expected}"),
                "{value}"
            );
        }
        Ok(())
    }

    #[test]
    fn decimals_keep_exact_text_and_refuse_non_numbers() -> Result<(), Error> {
        let text = object(|w| {
            w.key("a")?;
            w.decimal("1E+2")?;
            w.key("b")?;
            w.decimal("-12.30")?;
            w.key("c")?;
            w.decimal("1000000000000000000000001")
        })?;
        assert_eq!(
            canonicalize(text.as_bytes())?,
            "a=100&b=-12.3&c=1000000000000000000000001"
        );
        for bad in ["NaN", "Infinity", "-", "1.", "01", "1e", " 1"] {
            let mut w = JsonWriter::new();
            w.begin_object()?;
            w.key("n")?;
            let err = w.decimal(bad).err();
            assert_eq!(
                err.as_ref().map(Error::code),
                Some(crate::ErrorCode::InvalidValue),
                "{bad}"
            );
        }
        Ok(())
    }

    #[test]
    fn non_finite_float_names_its_path() -> Result<(), Error> {
        let mut w = JsonWriter::new();
        w.begin_object()?;
        w.key("detail")?;
        w.begin_object()?;
        w.key("items")?;
        w.begin_array()?;
        w.integer(1)?;
        let err = w.float(f64::NAN).err();
        assert_eq!(
            err,
            Some(Error::InvalidValue {
                path: "detail.items[1]".into(),
                reason: "NaN and infinity have no JSON form".into()
            })
        );
        Ok(())
    }

    #[test]
    fn strings_escape_controls_quotes_and_backslashes() -> Result<(), Error> {
        let text = object(|w| {
            w.key("k\"1")?;
            w.string("a\\b\u{1}\n\t荣誉")
        })?;
        assert_eq!(text, "{\"k\\\"1\":\"a\\\\b\\u0001\\n\\t荣誉\"}");
        // The text parses back to the same strings.
        assert_eq!(canonicalize(text.as_bytes())?, "k\"1=a\\b\u{1}\n\t荣誉");
        Ok(())
    }

    #[test]
    fn nesting_limit_stops_runaway_structures() {
        let mut w = JsonWriter::new();
        let mut result = Ok(());
        for _ in 0..1000 {
            result = w.begin_array();
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result.err().map(|e| e.code().as_str()), Some("too_deep"));
    }

    #[test]
    fn misuse_is_an_error_not_bad_text() -> Result<(), Error> {
        let mut w = JsonWriter::new();
        w.begin_object()?;
        assert!(w.string("value without key").is_err());
        assert!(w.end_array().is_err());
        w.key("a")?;
        assert!(w.key("b").is_err());
        assert!(w.end_object().is_err());
        w.null()?;
        w.end_object()?;
        assert!(w.null().is_err());
        assert_eq!(w.finish()?, r#"{"a":null}"#);
        assert!(JsonWriter::new().finish().is_err());
        Ok(())
    }
}
