//! Deterministic synthetic data: roster records with valid resident IDs, and the bodies
//! of roster pages, for benchmarks, demos and the sandbox platform.

use crate::models::{CertType, GloryType, RosterRecord, resident_id_check_char};

/// A small, fast, seedable generator (SplitMix64); not for secrets.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (bound > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

const SURNAMES: &[&str] = &[
    "张", "王", "李", "赵", "陈", "刘", "杨", "黄", "吴", "周", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "小凡", "建国", "秀英",
];
const REGIONS: &[&str] = &["331001", "331002", "330102", "110105", "440524", "320106"];

/// The holder with serial number `data_id` (from 1) of the roster seeded with `seed`:
/// always the same record for the same pair, with a valid GB 11643 resident ID.
pub fn roster_record(seed: u64, data_id: i64) -> RosterRecord {
    let mut rng = SplitMix64::new(seed ^ (data_id as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let region = REGIONS[rng.below(REGIONS.len() as u64) as usize];
    let year = 1925 + rng.below(80);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let sequence = rng.below(1000);
    let first17 = format!("{region}{year:04}{month:02}{day:02}{sequence:03}");
    let check = resident_id_check_char(&first17).unwrap_or('0');
    let name = format!(
        "{}{}",
        SURNAMES[rng.below(SURNAMES.len() as u64) as usize],
        GIVEN[rng.below(GIVEN.len() as u64) as usize]
    );
    RosterRecord {
        cert_type: CertType::ResidentId,
        cert_no: format!("{first17}{check}").into(),
        cert_name: name.into(),
        glory_type: GloryType::GloryCard,
        glory_id: 10_000 + data_id,
        data_id,
    }
}

/// The body of a successful `store/all` response holding records `first..first + count`,
/// serialized as the platform does (compact JSON, `responseFlag` first).
pub fn roster_page_body(seed: u64, first: i64, count: usize) -> Vec<u8> {
    let records: Vec<RosterRecord> = (first..first + count as i64)
        .map(|id| roster_record(seed, id))
        .collect();
    let page = crate::models::RosterPageResponse::success("成功", Some(records));
    crate::models::to_json(&page).unwrap_or_default()
}

/// `{"<key_len × k>":[0,0,…]}` with `elements` zeros: the hostile shape of
/// spec/canonical-form.md section 2 rule 4. Every element repeats the long name, so its
/// STRINGA would be about `elements × key_len` bytes from a body of about
/// `key_len + 2 × elements` bytes.
pub fn repeated_name_body(key_len: usize, elements: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(key_len + 2 * elements + 8);
    body.extend_from_slice(b"{\"");
    body.extend(std::iter::repeat_n(b'k', key_len));
    body.extend_from_slice(b"\":[");
    for i in 0..elements {
        if i > 0 {
            body.push(b',');
        }
        body.push(b'0');
    }
    body.extend_from_slice(b"]}");
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Validate;

    #[test]
    fn records_are_deterministic_and_valid() {
        assert_eq!(roster_record(7, 42), roster_record(7, 42));
        assert_ne!(roster_record(7, 42).cert_no, roster_record(8, 42).cert_no);
        for id in 1..200 {
            let r = roster_record(1, id);
            let d = crate::models::Deduction {
                org_code: "1".into(),
                cert_type: r.cert_type,
                cert_no: r.cert_no,
                cert_name: r.cert_name,
                deduction_id: "x".into(),
                total_fee: "1.00".into(),
                deduction_fee: "1.00".into(),
                deduction_time: "2021-01-01 00:00:00".into(),
                glory_type: r.glory_type,
                deduction_type: crate::models::DeductionType::OutpatientConsultation,
                remarks: None,
            };
            assert_eq!(d.validate(), Ok(()));
        }
    }

    #[test]
    fn a_500_record_page_is_about_64_kb() {
        let body = roster_page_body(1, 1, 500);
        assert!((55_000..75_000).contains(&body.len()), "{}", body.len());
    }
}
