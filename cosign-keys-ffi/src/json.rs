//! The JSON documents the C ABI returns for lists and metadata (schemas in
//! `bindings/README.md` and on each function). Nothing here is secret.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use ckcore::kms::KmsKeyVersion;
use ckcore::store::{KeyMetadata, VersionInfo, VersionState};
use serde_json::{json, Value};

use crate::guard::FfiError;

/// Whole seconds since the Unix epoch (UTC), negative before it.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// `{"fingerprint","algorithm","created_by","created_at","labels"}`.
pub(crate) fn metadata(m: &KeyMetadata) -> Value {
    json!({
        "fingerprint": m.fingerprint.to_string(),
        "algorithm": m.algorithm.as_str(),
        "created_by": m.created_by,
        "created_at": unix_seconds(m.created_at),
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
                    "created_at": v.created_at.map(unix_seconds),
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
                    "created_at": v.created_at.map(unix_seconds),
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
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_are_unix_seconds_on_both_sides_of_the_epoch() {
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1_500)), 1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(5)), -5);
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
            json!([{"version": 2, "fingerprint": null, "created_at": 7, "state": "destroyed"}])
        );
    }
}
