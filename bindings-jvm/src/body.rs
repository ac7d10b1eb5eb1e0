//! Bodies from native values.

use glorycard_core as core;

use crate::error::Result;
use crate::types::BodyText;

// ---------------------------------------------------------------------------------------
// Bodies from native values: the facade walks a Java Map/List tree into tokens, and the
// core's JsonWriter writes the JSON text (escaping, number spelling, depth limit, paths).

/// One step of a depth-first walk of a native value tree.
#[derive(uniffi::Enum)]
pub enum JsonToken {
    /// `{`
    BeginObject,
    /// `}`
    EndObject,
    /// `[`
    BeginArray,
    /// `]`
    EndArray,
    /// The key of the next object member.
    Key {
        /// The key.
        name: String,
    },
    /// `null`
    Null,
    /// `true` or `false`.
    Bool {
        /// The value.
        value: bool,
    },
    /// A string.
    Text {
        /// The value (body data: its Kotlin `toString()` shows only the length).
        value: BodyText,
    },
    /// A binary floating-point number (Java `double`/`float`).
    Float {
        /// The value.
        value: f64,
    },
    /// An integer (Java `long`/`int`/`short`/`byte`).
    Integer {
        /// The value.
        value: i64,
    },
    /// An exact decimal from its text (`BigDecimal.toString()`, `BigInteger.toString()`).
    Decimal {
        /// The decimal's text.
        text: String,
    },
    /// A value the binding cannot convert; the core reports it with its path.
    Unsupported {
        /// What the value is (a Java class name).
        type_name: String,
    },
}

/// Writes the JSON text of a native value tree given as tokens.
#[uniffi::export]
pub fn json_from_tokens(tokens: Vec<JsonToken>) -> Result<String> {
    let mut w = core::JsonWriter::new();
    for token in tokens {
        match token {
            JsonToken::BeginObject => w.begin_object()?,
            JsonToken::EndObject => w.end_object()?,
            JsonToken::BeginArray => w.begin_array()?,
            JsonToken::EndArray => w.end_array()?,
            JsonToken::Key { name } => w.key(&name)?,
            JsonToken::Null => w.null()?,
            JsonToken::Bool { value } => w.bool(value)?,
            JsonToken::Text { value } => w.string(&value.0)?,
            JsonToken::Float { value } => w.float(value)?,
            JsonToken::Integer { value } => w.integer(value)?,
            JsonToken::Decimal { text } => w.decimal(&text)?,
            JsonToken::Unsupported { type_name } => {
                return Err(w
                    .invalid_value(format!("{type_name} has no JSON form"))
                    .into());
            }
        }
    }
    Ok(w.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_become_json() {
        let json = json_from_tokens(vec![
            JsonToken::BeginObject,
            JsonToken::Key { name: "a".into() },
            JsonToken::Float { value: 10.0 },
            JsonToken::Key { name: "b".into() },
            JsonToken::Unsupported {
                type_name: "java.util.Date".into(),
            },
        ]);
        let error = json.unwrap_err();
        let (code, detail) = (error.code(), error.detail());
        assert_eq!(code, "invalid_value");
        assert!(detail.contains("value at b "), "{detail}");
    }
}
