//! STRINGA's limit (canonical-form.md section 2 rule 4): a body is refused with
//! `stringa_too_long` exactly when its STRINGA would be longer than 16 × its length +
//! 65,536, and a refusal costs memory in proportion to the body.
//!
//! The oracle needs no second implementation: trailing whitespace changes no pair of
//! STRINGA but raises the limit by 16 a byte. So a refused body padded until the limit
//! allows it must then give a STRINGA longer than the first limit, and no longer than the
//! padded one; and one space less than just enough must still be refused.
//!
//! Half of the inputs are raw bytes; the other half build the shapes the limit is about
//! (one long name repeated by many array elements, nested, with expanding numbers).
#![no_main]

use glorycard_core::{canonicalize, max_string_a_len};
use libfuzzer_sys::fuzz_target;

/// The most padding tried, so that one execution stays small.
const MAX_PADDING: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let body = match data.split_first() {
        Some((&mode, rest)) if mode & 1 == 1 => shaped(rest),
        _ => data.to_vec(),
    };
    check(&body);
});

/// `{"<key>":[<element>,…]}` (optionally wrapped in objects), from a few bytes of input.
fn shaped(data: &[u8]) -> Vec<u8> {
    let byte = |i: usize| usize::from(data.get(i).copied().unwrap_or(0));
    let key_len = byte(0) * 64 + byte(1);
    let elements = byte(2) * 32 + byte(3);
    let wrapping = byte(4) % 4;
    let element: &[u8] = match byte(5) % 8 {
        0 => b"0",
        1 => b"\"x\"",
        2 => b"null",
        3 => b"\"\"",
        4 => b"1e511",
        5 => b"{\"a\":[1,2]}",
        6 => b"[]",
        _ => b"-0.0e-5",
    };
    let mut body = Vec::new();
    for _ in 0..wrapping {
        body.extend_from_slice(b"{\"w\":");
    }
    body.extend_from_slice(b"{\"");
    body.extend(std::iter::repeat_n(b'k', key_len));
    body.extend_from_slice(b"\":[");
    for i in 0..elements {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(element);
    }
    body.extend_from_slice(b"]}");
    for _ in 0..wrapping {
        body.push(b'}');
    }
    // The rest of the input, if any, is appended raw (often making the body invalid).
    body.extend_from_slice(data.get(6..).unwrap_or_default());
    body
}

fn padded(body: &[u8], spaces: usize) -> Vec<u8> {
    let mut padded = Vec::with_capacity(body.len() + spaces);
    padded.extend_from_slice(body);
    padded.resize(body.len() + spaces, b' ');
    padded
}

fn check(body: &[u8]) {
    let limit = max_string_a_len(body.len());
    match canonicalize(body) {
        Ok(string_a) => assert!(string_a.len() as u64 <= limit, "accepted over the limit"),
        Err(error) if error.code() == "stringa_too_long" => {
            match canonicalize(&padded(body, MAX_PADDING)) {
                Ok(string_a) => {
                    let len = string_a.len() as u64;
                    assert!(len > limit, "refused a STRINGA of {len} bytes under {limit}");
                    // The fewest spaces that make the limit reach `len`.
                    let needed = (len - limit).div_ceil(16) as usize;
                    let enough = canonicalize(&padded(body, needed));
                    assert_eq!(enough.map(|s| s.len() as u64), Ok(len));
                    let short = canonicalize(&padded(body, needed - 1));
                    assert_eq!(short.map_err(|e| e.code().as_str()), Err("stringa_too_long"));
                }
                // Still over the raised limit, or the length was decided while parsing,
                // before an error later in the body: both are refusals, as before.
                Err(_) => {}
            }
        }
        Err(_) => {}
    }
}
