//! The JSON documents the C ABI returns for lists and metadata (schemas in
//! `bindings/README.md` and on each function). Nothing here is secret.

use std::collections::BTreeMap;

use ckcore::kms::KmsKeyVersion;
use ckcore::store::{KeyMetadata, VersionInfo, VersionState};
use serde_json::{json, Value};

use crate::guard::FfiError;

/// `{"fingerprint","algorithm","created_by","created_at","labels"}`.
///
/// Times, here and in the lists below, are written in the core's one time
/// format, RFC 3339 UTC (`2026-01-01T00:00:00Z`, fractions of a second only
/// when there are any).
pub(crate) fn metadata(m: &KeyMetadata) -> Value {
    json!({
        "fingerprint": m.fingerprint.to_string(),
        "algorithm": m.algorithm.as_str(),
        "created_by": m.created_by,
        "created_at": ckcore::format_rfc3339(m.created_at),
        "labels": m.labels,
    })
}

/// The name of a version state in the JSON documents.
fn state_name(state: VersionState) -> &'static str {
    match state {
        VersionState::Live => "live",
        VersionState::Deleted => "deleted",
        VersionState::Destroyed => "destroyed",
        // A state added to the core later: still a string, never a failure.
        _ => "unknown",
    }
}

/// `[{"version","fingerprint"|null,"created_at"|null,"state"}]`, oldest first.
pub(crate) fn store_versions(versions: &[VersionInfo]) -> Value {
    Value::Array(
        versions
            .iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "fingerprint": v.fingerprint.map(|f| f.to_string()),
                    "created_at": v.created_at.map(ckcore::format_rfc3339),
                    "state": state_name(v.state),
                })
            })
            .collect(),
    )
}

/// `[{"version","public_key","fingerprint","algorithm","created_at"|null}]`.
pub(crate) fn kms_versions(versions: &[KmsKeyVersion]) -> Value {
    Value::Array(
        versions
            .iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "public_key": v.public_key.to_pem(),
                    "fingerprint": v.public_key.fingerprint().to_string(),
                    "algorithm": v.public_key.algorithm().as_str(),
                    "created_at": v.created_at.map(ckcore::format_rfc3339),
                })
            })
            .collect(),
    )
}

/// Parses a labels argument: a JSON object of string values.
pub(crate) fn labels(text: &str) -> Result<BTreeMap<String, String>, FfiError> {
    serde_json::from_str(text).map_err(|e| {
        FfiError::invalid(
            "labels_json",
            format!("is not a JSON object of string values ({e})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        let at = |created_at| {
            store_versions(&[VersionInfo {
                version: 1,
                fingerprint: None,
                created_at: Some(created_at),
                state: VersionState::Live,
            }])[0]["created_at"]
                .clone()
        };
        assert_eq!(
            at(UNIX_EPOCH + Duration::from_millis(1_767_225_600_500)),
            "2026-01-01T00:00:00.5Z"
        );
        assert_eq!(
            at(UNIX_EPOCH + Duration::from_secs(7)),
            "1970-01-01T00:00:07Z"
        );
    }

    #[test]
    fn labels_must_be_an_object_of_strings() {
        assert_eq!(labels(r#"{"team":"a"}"#).unwrap()["team"], "a");
        assert!(labels("{}").unwrap().is_empty());
        for bad in ["", "[]", r#"{"n":1}"#, "null"] {
            assert_eq!(
                labels(bad).unwrap_err().status,
                crate::status::CK_INVALID_ARGUMENT,
                "{bad}"
            );
        }
    }

    #[test]
    fn version_lists_follow_the_documented_schema() {
        let list = store_versions(&[VersionInfo {
            version: 2,
            fingerprint: None,
            created_at: Some(UNIX_EPOCH + Duration::from_secs(7)),
            state: VersionState::Destroyed,
        }]);
        assert_eq!(
            list,
            json!([{"version": 2, "fingerprint": null, "created_at": "1970-01-01T00:00:07Z", "state": "destroyed"}])
        );
    }
}
