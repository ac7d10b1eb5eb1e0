//! The two languages glorycard speaks to people: English and Simplified Chinese.
//!
//! Codes (`invalid_json`, ...) never change with the language; only the words for people
//! do. Each text is written once, beside what it describes, in both languages.

use std::fmt;
use std::str::FromStr;

/// A text in English and in Chinese: the core's reasons that come from a closed set are
/// written this way, beside where they are used, so that a message in Chinese can say
/// them in Chinese (the error itself keeps the English text, as before).
pub(crate) type Bilingual = (&'static str, &'static str);

/// A language for messages meant for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Lang {
    /// English, the default.
    #[default]
    English,
    /// Simplified Chinese (简体中文).
    Chinese,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: &'static [Lang] = &[Lang::English, Lang::Chinese];

    /// The language's tag: `en` or `zh`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Lang::English => "en",
            Lang::Chinese => "zh",
        }
    }

    /// The language a POSIX locale value names (`zh_CN.UTF-8`, `zh_TW`, `en_US.UTF-8`,
    /// `C`): Chinese for anything starting with `zh`, English otherwise. `None` for an
    /// empty value, which POSIX treats as unset.
    pub fn from_locale(value: &str) -> Option<Lang> {
        if value.is_empty() {
            return None;
        }
        let starts_with_zh = value
            .get(..2)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("zh"));
        Some(if starts_with_zh {
            Lang::Chinese
        } else {
            Lang::English
        })
    }

    /// The language of messages for this process, as POSIX decides it: the first set and
    /// non-empty of `LC_ALL`, `LC_MESSAGES` and `LANG`; English when none is.
    pub fn from_env() -> Lang {
        Self::from_locale_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Lang::from_env) over any source of variables (for tests, and for
    /// callers that hold their own environment).
    pub fn from_locale_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).and_then(|value| Lang::from_locale(&value)))
            .unwrap_or_default()
    }

    /// `english` in English, `chinese` in Chinese: the one place a text's two forms meet.
    pub fn pick<T>(self, english: T, chinese: T) -> T {
        match self {
            Lang::English => english,
            Lang::Chinese => chinese,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names neither language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: expected en or zh")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    /// `en` or `zh`, in any case, optionally with a region (`zh-CN`, `zh_CN`, `en-US`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let language = s.split(['-', '_']).next().unwrap_or_default();
        match language.to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::English),
            "zh" => Ok(Lang::Chinese),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_values_name_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Some(Lang::Chinese));
        assert_eq!(Lang::from_locale("zh_TW.Big5"), Some(Lang::Chinese));
        assert_eq!(Lang::from_locale("ZH"), Some(Lang::Chinese));
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Some(Lang::English));
        assert_eq!(Lang::from_locale("C"), Some(Lang::English));
        assert_eq!(Lang::from_locale("C.UTF-8"), Some(Lang::English));
        assert_eq!(Lang::from_locale(""), None);
    }

    #[test]
    fn lc_all_wins_then_lc_messages_then_lang_and_empty_counts_as_unset() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::English);
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8")])),
            Lang::Chinese
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8"), ("LC_MESSAGES", "C")])),
            Lang::English
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[
                ("LANG", "en_US.UTF-8"),
                ("LC_MESSAGES", "en_US.UTF-8"),
                ("LC_ALL", "zh_CN.UTF-8")
            ])),
            Lang::Chinese
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")])),
            Lang::Chinese
        );
    }

    #[test]
    fn tags_parse_with_or_without_a_region() {
        for (tag, lang) in [
            ("en", Lang::English),
            ("EN-us", Lang::English),
            ("zh", Lang::Chinese),
            ("zh-CN", Lang::Chinese),
            ("zh_CN", Lang::Chinese),
        ] {
            assert_eq!(tag.parse::<Lang>(), Ok(lang), "{tag}");
        }
        assert!("fr".parse::<Lang>().is_err());
        assert!("".parse::<Lang>().is_err());
        assert_eq!(Lang::Chinese.to_string(), "zh");
        assert_eq!(Lang::Chinese.pick("a", "b"), "b");
    }
}
