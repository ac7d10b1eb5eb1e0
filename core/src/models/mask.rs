//! Masking personal data (`certNo`, `certName`) for Debug output, logs and messages.

/// Masks an identity document number: the first two and last two characters stay, the
/// rest become `*`; numbers of four characters or fewer are masked entirely.
///
/// ```
/// assert_eq!(glorycard_core::mask_cert_no("11010519491231002X"), "11**************2X");
/// ```
pub fn mask_cert_no(cert_no: &str) -> String {
    let chars: Vec<char> = cert_no.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < 2 || i >= chars.len() - 2 {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Masks a person's name: the first character stays, the rest become `*`; a one-character
/// name is masked entirely.
///
/// ```
/// assert_eq!(glorycard_core::mask_cert_name("张小凡"), "张**");
/// ```
pub fn mask_cert_name(cert_name: &str) -> String {
    let count = cert_name.chars().count();
    match cert_name.chars().next() {
        Some(first) if count > 1 => std::iter::once(first)
            .chain(std::iter::repeat_n('*', count - 1))
            .collect(),
        _ => "*".repeat(count),
    }
}

/// A `Debug` wrapper that prints a masked form.
pub(crate) struct Masked(pub String);

impl std::fmt::Debug for Masked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_cert_no(""), "");
        assert_eq!(mask_cert_no("1234"), "****");
        assert_eq!(mask_cert_no("12345"), "12*45");
        assert_eq!(mask_cert_name(""), "");
        assert_eq!(mask_cert_name("王"), "*");
        assert_eq!(mask_cert_name("Ann Lee"), "A******");
    }
}
