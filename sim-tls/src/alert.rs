//! Alert descriptions (RFC 8446 §6, RFC 5246 §7.2), with their wire codes.

use std::fmt;

/// Why a TLS peer is closing the connection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Alert {
    /// Orderly close.
    CloseNotify,
    /// A message arrived in a state that does not expect it.
    UnexpectedMessage,
    /// A record failed its MAC or AEAD check.
    BadRecordMac,
    /// A record was longer than the protocol allows.
    RecordOverflow,
    /// No acceptable parameters (suite, version, group) in common.
    HandshakeFailure,
    /// A certificate was corrupt or its signature did not verify.
    BadCertificate,
    /// A certificate was revoked by its issuer.
    CertificateRevoked,
    /// A certificate was outside its validity period.
    CertificateExpired,
    /// Some other certificate problem (such as a name mismatch).
    CertificateUnknown,
    /// A field was out of range.
    IllegalParameter,
    /// The chain did not lead to a trusted root.
    UnknownCa,
    /// A message could not be decoded.
    DecodeError,
    /// A handshake cryptographic check failed (a wrong Finished).
    DecryptError,
    /// The version offered is not supported.
    ProtocolVersion,
    /// The client policy refuses what the server chose.
    InsufficientSecurity,
    /// A downgrade was detected (TLS_FALLBACK_SCSV, RFC 7507).
    InappropriateFallback,
    /// A required extension is missing (RFC 8446 §6.2).
    MissingExtension,
    /// Something went wrong inside the endpoint.
    InternalError,
}

const ALL: [Alert; 18] = [
    Alert::CloseNotify,
    Alert::UnexpectedMessage,
    Alert::BadRecordMac,
    Alert::RecordOverflow,
    Alert::HandshakeFailure,
    Alert::BadCertificate,
    Alert::CertificateRevoked,
    Alert::CertificateExpired,
    Alert::CertificateUnknown,
    Alert::IllegalParameter,
    Alert::UnknownCa,
    Alert::DecodeError,
    Alert::DecryptError,
    Alert::ProtocolVersion,
    Alert::InsufficientSecurity,
    Alert::InappropriateFallback,
    Alert::MissingExtension,
    Alert::InternalError,
];

impl Alert {
    /// The AlertDescription code on the wire.
    pub const fn code(self) -> u8 {
        match self {
            Alert::CloseNotify => 0,
            Alert::UnexpectedMessage => 10,
            Alert::BadRecordMac => 20,
            Alert::RecordOverflow => 22,
            Alert::HandshakeFailure => 40,
            Alert::BadCertificate => 42,
            Alert::CertificateRevoked => 44,
            Alert::CertificateExpired => 45,
            Alert::CertificateUnknown => 46,
            Alert::IllegalParameter => 47,
            Alert::UnknownCa => 48,
            Alert::DecodeError => 50,
            Alert::DecryptError => 51,
            Alert::ProtocolVersion => 70,
            Alert::InsufficientSecurity => 71,
            Alert::InternalError => 80,
            Alert::InappropriateFallback => 86,
            Alert::MissingExtension => 109,
        }
    }

    /// The registry name (`bad_record_mac`), used in traces.
    pub const fn name(self) -> &'static str {
        match self {
            Alert::CloseNotify => "close_notify",
            Alert::UnexpectedMessage => "unexpected_message",
            Alert::BadRecordMac => "bad_record_mac",
            Alert::RecordOverflow => "record_overflow",
            Alert::HandshakeFailure => "handshake_failure",
            Alert::BadCertificate => "bad_certificate",
            Alert::CertificateRevoked => "certificate_revoked",
            Alert::CertificateExpired => "certificate_expired",
            Alert::CertificateUnknown => "certificate_unknown",
            Alert::IllegalParameter => "illegal_parameter",
            Alert::UnknownCa => "unknown_ca",
            Alert::DecodeError => "decode_error",
            Alert::DecryptError => "decrypt_error",
            Alert::ProtocolVersion => "protocol_version",
            Alert::InsufficientSecurity => "insufficient_security",
            Alert::InternalError => "internal_error",
            Alert::InappropriateFallback => "inappropriate_fallback",
            Alert::MissingExtension => "missing_extension",
        }
    }

    /// The alert for a wire code, if it is one this model knows.
    pub fn from_code(code: u8) -> Option<Alert> {
        ALL.into_iter().find(|a| a.code() == code)
    }

    /// Every alert is fatal except close_notify.
    pub const fn is_fatal(self) -> bool {
        !matches!(self, Alert::CloseNotify)
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_registry_values() {
        assert_eq!(Alert::BadRecordMac.code(), 20);
        assert_eq!(Alert::UnknownCa.code(), 48);
        assert_eq!(Alert::DecryptError.code(), 51);
        assert_eq!(Alert::InappropriateFallback.code(), 86);
        assert_eq!(Alert::CertificateExpired.to_string(), "certificate_expired");
        assert!(!Alert::CloseNotify.is_fatal());
        for a in ALL {
            assert_eq!(Alert::from_code(a.code()), Some(a));
        }
        assert_eq!(Alert::from_code(255), None);
    }
}
