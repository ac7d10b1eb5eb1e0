//! Messages in Chinese: where the Chinese of the reasons every module writes is found.
//!
//! Each error's two templates are in `error.rs`, each reason's two texts beside the
//! module that uses it; this module joins them, so that `error.rs` imports no module
//! whose errors it describes (the modules import `Error`, not the other way round).

use crate::error::ChineseOf;
use crate::{Error, Lang};

/// Every module's reasons, English and Chinese.
const TABLES: [&[crate::lang::Bilingual]; 6] = [
    crate::canonical::REASONS,
    crate::timestamp::REASONS,
    crate::signature::REASONS,
    crate::value::REASONS,
    crate::verifier::REASONS,
    crate::models::REASONS,
];

/// The Chinese of a reason the core writes from a closed set, or `None` for text it does
/// not know (a store's or serde's message, a value a binding describes).
fn chinese_reason(english: &str) -> Option<&'static str> {
    TABLES
        .into_iter()
        .flatten()
        .find(|(en, _)| *en == english)
        .map(|(_, zh)| *zh)
}

impl Error {
    /// The message in `lang`: English is also this error's `Display`. Codes never change
    /// with the language, and neither do the values named.
    pub fn message(&self, lang: Lang) -> String {
        let chinese: Option<ChineseOf<'_>> = match lang {
            Lang::Chinese => Some(&chinese_reason),
            _ => None,
        };
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_message(&mut out, chinese);
        out
    }

    /// The message in Chinese (简体中文): [`message`](Error::message) with
    /// [`Lang::Chinese`].
    pub fn message_zh(&self) -> String {
        self.message(Lang::Chinese)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_tables_are_distinct_and_translated() {
        let tables = TABLES;
        let mut english: Vec<&str> = tables
            .iter()
            .flat_map(|t| t.iter().map(|(en, _)| *en))
            .collect();
        for (en, zh) in tables.iter().flat_map(|t| t.iter()) {
            assert_eq!(chinese_reason(en), Some(*zh));
            assert!(*en == "null" || !zh.is_ascii(), "{en}: {zh}");
        }
        let count = english.len();
        english.sort_unstable();
        english.dedup();
        assert_eq!(english.len(), count, "an English reason is written twice");
    }
}
