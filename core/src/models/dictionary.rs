//! The data dictionary: codes the platform defines, with unknown codes kept.

use std::fmt;

/// Declares a dictionary enum whose wire form is its code string. Codes the dictionary
/// does not know are kept in `Unknown` when received (the platform may add codes) and
/// refused by validation when sent.
macro_rules! dictionary {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code this version does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in code order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)*];

            /// The wire code.
            pub fn code(&self) -> &str {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Unknown(code) => code,
                }
            }

            /// The value for a wire code; unknown codes are kept.
            pub fn from_code(code: &str) -> Self {
                match code {
                    $( $code => $name::$variant, )*
                    other => $name::Unknown(other.to_string()),
                }
            }

            /// False for a code this version does not know.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        // TypeScript: the known codes, and any other string (a code received that this
        // version does not know is kept).
        #[cfg(feature = "typescript")]
        const _: () = {
            #[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
            const TYPESCRIPT: &str = concat!(
                "/** `", stringify!($name), "` codes of the data dictionary (platform-api.zh.md). */\n",
                "export type ", stringify!($name), " = ", $( "\"", $code, "\" | ", )* "(string & {});\n"
            );
        };

        // The wire code on the FFI, so a binding's field holds the code (`"0"`).
        #[cfg(feature = "uniffi")]
        uniffi::custom_type!($name, String, {
            lower: |value| value.code().to_string(),
            try_lift: |code| Ok($name::from_code(&code)),
        });

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok($name::from_code(&code))
            }
        }
    };
}

dictionary! {
    /// `certType`: the kind of identity document.
    CertType {
        /// `0` 身份证, resident identity card (18 characters, GB 11643 check digit).
        ResidentId = "0",
        /// `1` 军官证, officer's identity card.
        OfficerId = "1",
        /// `2` 士兵证, soldier's identity card.
        SoldierId = "2",
        /// `3` 驾驶证, driving licence.
        DrivingLicence = "3",
        /// `4` 学生证, student identity card.
        StudentId = "4",
        /// `5` 工作证, work identity card.
        WorkId = "5",
        /// `6` 护照, passport.
        Passport = "6",
    }
}

dictionary! {
    /// `gloryType`: the kind of deduction card.
    GloryType {
        /// `1` 荣誉证, the glory card.
        GloryCard = "1",
    }
}

dictionary! {
    /// `deductionType`: what the fee waived was for.
    DeductionType {
        /// `0` 门诊诊查费, outpatient consultation fee.
        OutpatientConsultation = "0",
        /// `1` 公交费, bus fare.
        BusFare = "1",
        /// `2` 旅游景点, scenic-spot admission.
        ScenicSpotAdmission = "2",
    }
}

dictionary! {
    /// `status` of a record answered to `deductCheck`.
    DeductionStatus {
        /// `0` 已撤销减免, the deduction was cancelled (`cancelTime` is then required).
        Cancelled = "0",
        /// `1` 减免, the deduction stands.
        Deducted = "1",
    }
}

dictionary! {
    /// `responseFlag` of every response.
    ResponseFlag {
        /// `0`: the call failed; `responseMessage` says why.
        Failure = "0",
        /// `1`: the call succeeded.
        Success = "1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_document() {
        let certs: Vec<&str> = CertType::KNOWN.iter().map(CertType::code).collect();
        assert_eq!(certs, ["0", "1", "2", "3", "4", "5", "6"]);
        assert_eq!(
            DeductionType::from_code("2"),
            DeductionType::ScenicSpotAdmission
        );
        assert_eq!(DeductionStatus::from_code("0"), DeductionStatus::Cancelled);
        assert_eq!(GloryType::from_code("1"), GloryType::GloryCard);
    }

    #[test]
    fn unknown_codes_are_kept() {
        let parsed: CertType = serde_json::from_str("\"9\"").unwrap();
        assert_eq!(parsed, CertType::Unknown("9".into()));
        assert!(!parsed.is_known());
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"9\"");
    }
}
