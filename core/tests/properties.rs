//! Property tests: how a body is spelled never changes its STRINGA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use glorycard_core::{__canonicalize_globally_sorted, canonicalize};
use proptest::prelude::*;

/// A JSON value, with numbers as (mantissa, power of ten) so they can be spelled many ways.
#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool(bool),
    Number {
        negative: bool,
        mantissa: u64,
        power: i32,
    },
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

fn text() -> impl Strategy<Value = String> {
    // Characters that stress escapes, ordering and UTF-8: quote, backslash, slash, control
    // characters, separators used in names, non-ASCII in and beyond the BMP.
    let chars = prop::sample::select(vec![
        'a', 'b', 'A', 'z', '0', '9', '_', '-', ' ', '=', '&', '"', '\\', '/', '\n', '\t', '\u{1}',
        '\u{1f}', 'é', '中', '～', '😀', '\u{7f}', '\u{2028}',
    ]);
    prop::collection::vec(chars, 0..6).prop_map(|c| c.into_iter().collect())
}

/// Keys never contain `.` or `[` here, so names never collide; another property covers those.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "a", "b", "A", "a-b", "a0", "ab", "sign", "data", "姓名", "", "😀"
        ])
        .prop_map(String::from),
        text(),
    ]
}

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        (any::<bool>(), 0u64..100_000_000, -12i32..12).prop_map(|(negative, mantissa, power)| {
            Json::Number {
                negative,
                mantissa,
                power,
            }
        }),
        text().prop_map(Json::String),
    ];
    leaf.prop_recursive(5, 48, 12, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..13).prop_map(Json::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(|members| {
                let mut seen = std::collections::HashSet::new();
                Json::Object(
                    members
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .collect(),
                )
            }),
        ]
    })
}

fn top_level() -> impl Strategy<Value = Json> {
    prop::collection::vec((key(), json()), 0..8).prop_map(|members| {
        let mut seen = std::collections::HashSet::new();
        Json::Object(
            members
                .into_iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .collect(),
        )
    })
}

/// Choices for one spelling, drawn from a seed so that shrinking stays meaningful.
struct Style(u64);

impl Style {
    fn pick(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }

    fn space(&mut self, out: &mut String) {
        out.push_str(["", " ", "\n", "\t", "\r\n  ", "  "][self.pick(6) as usize]);
    }

    fn string(&mut self, s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            let short = match c {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '\n' => Some("\\n"),
                '\t' => Some("\\t"),
                '/' if self.pick(2) == 0 => Some("\\/"),
                _ => None,
            };
            let must_escape = (c as u32) < 0x20 || c == '"' || c == '\\';
            match (short, must_escape || self.pick(3) == 0) {
                (Some(escape), true) if self.pick(2) == 0 => out.push_str(escape),
                (_, true) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        if self.pick(2) == 0 {
                            out.push_str(&format!("\\u{unit:04x}"));
                        } else {
                            out.push_str(&format!("\\u{unit:04X}"));
                        }
                    }
                }
                (_, false) => out.push(c),
            }
        }
        out.push('"');
    }

    /// The number mantissa × 10^power, spelled one of several equal ways.
    fn number(&mut self, negative: bool, mantissa: u64, power: i32, out: &mut String) {
        if negative {
            out.push('-');
        }
        let digits = mantissa.to_string();
        let padding = "0".repeat(self.pick(3) as usize);
        match self.pick(3) {
            0 => out.push_str(&format!(
                "{digits}{}{power}",
                ["e", "E", "e+"][self.pick(3) as usize]
                    .replace("+", if power >= 0 { "+" } else { "" })
            )),
            1 if power >= 0 => out.push_str(&format!("{digits}{}", "0".repeat(power as usize))),
            _ => {
                // Move the point: digits with `shift` of them after the point, trailing zeros.
                let shift = self.pick(digits.len() as u64) as i32;
                let (int, frac) = digits.split_at(digits.len() - shift as usize);
                let int = if int.is_empty() { "0" } else { int };
                let exp = power + shift;
                out.push_str(&format!("{int}.{frac}{padding}0e{exp}"));
            }
        }
    }

    fn value(&mut self, value: &Json, out: &mut String) {
        match value {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number {
                negative,
                mantissa,
                power,
            } => self.number(*negative, *mantissa, *power, out),
            Json::String(s) => self.string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.space(out);
                    self.value(item, out);
                    self.space(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                // Member order is free: rotate and maybe reverse.
                let mut order: Vec<&(String, Json)> = members.iter().collect();
                if !order.is_empty() {
                    let rotation = self.pick(order.len() as u64) as usize;
                    order.rotate_left(rotation);
                }
                if self.pick(2) == 0 {
                    order.reverse();
                }
                self.object(order.into_iter().map(|(k, v)| (k.as_str(), v)), out);
            }
        }
    }

    /// Writes an object with these members, in this order (repeated keys kept).
    fn object<'j>(&mut self, members: impl Iterator<Item = (&'j str, &'j Json)>, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in members.enumerate() {
            if i > 0 {
                out.push(',');
            }
            self.space(out);
            self.string(k, out);
            self.space(out);
            out.push(':');
            self.space(out);
            self.value(v, out);
            self.space(out);
        }
        out.push('}');
    }
}

fn spell(value: &Json, seed: u64) -> String {
    let mut out = String::new();
    let mut style = Style(seed);
    style.space(&mut out);
    style.value(value, &mut out);
    style.space(&mut out);
    out
}

fn outcome(result: Result<String, glorycard_core::Error>) -> Result<String, &'static str> {
    result.map_err(|e| e.code().as_str())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn spelling_never_changes_string_a(doc in top_level(), seed_a in any::<u64>(), seed_b in any::<u64>()) {
        let a = spell(&doc, seed_a);
        let b = spell(&doc, seed_b);
        let stringa = outcome(canonicalize(a.as_bytes()));
        prop_assert!(stringa.is_ok(), "{a}: {stringa:?}");
        prop_assert_eq!(&stringa, &outcome(canonicalize(b.as_bytes())), "\n{}\n{}", a, b);
    }

    #[test]
    fn fast_path_equals_global_sort(doc in top_level(), seed in any::<u64>()) {
        let body = spell(&doc, seed);
        prop_assert_eq!(outcome(canonicalize(body.as_bytes())), outcome(__canonicalize_globally_sorted(body.as_bytes())));
    }

    /// Keys with `.` and `[` take the global path; its order and collisions must not depend
    /// on spelling either.
    #[test]
    fn dotted_keys_are_spelling_independent(
        members in prop::collection::vec((prop::sample::select(vec!["a", "a.b", "a[0]", "a.b[1]", "b", "a[1].c"]), json()), 0..6),
        seed_a in any::<u64>(), seed_b in any::<u64>(),
    ) {
        let mut seen = std::collections::HashSet::new();
        let doc = Json::Object(members.into_iter().filter(|(k, _)| seen.insert(*k)).map(|(k, v)| (k.to_string(), v)).collect());
        let a = spell(&doc, seed_a);
        let b = spell(&doc, seed_b);
        prop_assert_eq!(outcome(canonicalize(a.as_bytes())), outcome(canonicalize(b.as_bytes())));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A repeated key is found whatever its kinds and whatever sorts between the repeats.
    #[test]
    fn duplicate_keys_are_always_found(
        members in prop::collection::vec((prop::sample::select(vec!["a", "a-", "a.x", "a0", "ab", "b", "a!", "aa"]), json()), 0..24),
        seed in any::<u64>(),
    ) {
        let keys: Vec<&str> = members.iter().map(|(k, _)| *k).collect();
        let has_duplicate = (0..keys.len()).any(|i| keys[i + 1..].contains(&keys[i]));
        let mut body = String::new();
        Style(seed).object(members.iter().map(|(k, v)| (*k, v)), &mut body);
        let result = canonicalize(body.as_bytes());
        if has_duplicate {
            prop_assert_eq!(result.map_err(|e| e.code().as_str()), Err("duplicate_key"), "{}", body);
        } else {
            prop_assert!(result.map_err(|e| e.code().as_str()) != Err("duplicate_key"), "{}", body);
        }
    }
}
