//! The list of top-level wire documents.

use schemars::{JsonSchema, SchemaGenerator};

use crate::audit::{AuditEntry, AuditReport};
use crate::backup::{BackupSummary, RecoverySummary};
use crate::keyring::{
    Due, Manifest, ResignEntry, RevocationOutcome, RotationOutcome, SignedArtifact, SigningEvent,
    Status, TrustBundle,
};
use crate::ErrorDocument;

/// One top-level document: its name in the schema's `$defs`.
pub struct Document {
    /// The name (the Rust type's).
    pub name: &'static str,
    pub(super) add: fn(&mut SchemaGenerator),
}

const fn doc<T: JsonSchema>(name: &'static str) -> Document {
    fn add<T: JsonSchema>(generator: &mut SchemaGenerator) {
        generator.subschema_for::<T>();
    }
    Document {
        name,
        add: add::<T>,
    }
}

/// Every document handed across a language boundary.
///
/// ```
/// assert!(cosign_keys::wire::DOCUMENTS.iter().any(|d| d.name == "Manifest"));
/// ```
pub const DOCUMENTS: &[Document] = &[
    doc::<ErrorDocument>("ErrorDocument"),
    doc::<Manifest>("Manifest"),
    doc::<Status>("Status"),
    doc::<Due>("Due"),
    doc::<TrustBundle>("TrustBundle"),
    doc::<RotationOutcome>("RotationOutcome"),
    doc::<RevocationOutcome>("RevocationOutcome"),
    doc::<SignedArtifact>("SignedArtifact"),
    doc::<SigningEvent>("SigningEvent"),
    doc::<ResignEntry>("ResignEntry"),
    doc::<AuditReport>("AuditReport"),
    doc::<AuditEntry>("AuditEntry"),
    doc::<BackupSummary>("BackupSummary"),
    doc::<RecoverySummary>("RecoverySummary"),
];
