//! The documents that cross a language boundary, and their JSON Schema.
//!
//! Every result the C ABI, the Go binding and the Python wheel hand out as
//! JSON is one of the core types listed in [`DOCUMENTS`], serialized by serde
//! exactly as the Rust API serializes it. [`schema`] describes all of them in
//! one JSON Schema (draft 2020-12) generated from the same types, their doc
//! comments included; it is checked in as `schema/cosign-keys.schema.json`
//! (a test fails when it is stale), and `scripts/gen-wire.py` turns it into
//! the Go structs and the Python classes. Adding a field to one of these
//! types and regenerating is all it takes for C, Go and Python to see it.
//!
//! Shared conventions, written once here:
//! - times are RFC 3339 UTC strings ([`Timestamp`], `date-time`);
//! - fingerprints are `SHA256:<unpadded base64>` ([`Fingerprint`]);
//! - algorithms are cosign's names ([`Algorithm`]);
//! - enums are kebab-case strings; an absent optional field is absent or
//!   `null`.
//!
//! ```
//! let schema = cosign_keys::wire::schema();
//! assert!(schema["$defs"]["Status"].is_object());
//! assert_eq!(schema["$defs"]["Timestamp"]["format"], "date-time");
//! ```

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::{Algorithm, Fingerprint, Timestamp};

mod documents;

pub use documents::{Document, DOCUMENTS};

/// The `$id` of the schema.
pub const SCHEMA_ID: &str = "https://cosign-keys.dev/schema/cosign-keys.schema.json";

/// The JSON Schema of every [`Document`]: `$defs` holds each document and
/// every type inside it by name; `x-documents` names the top-level ones.
///
/// ```
/// let schema = cosign_keys::wire::schema();
/// let roots = schema["x-documents"].as_array().unwrap();
/// assert!(roots.iter().any(|r| r == "RotationOutcome"));
/// ```
#[must_use]
pub fn schema() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut roots = Vec::new();
    for document in DOCUMENTS {
        (document.add)(&mut generator);
        roots.push(Value::String(document.name.to_owned()));
    }
    let mut defs: Map<String, Value> = generator
        .definitions()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    for def in defs.values_mut() {
        clean_descriptions(def);
    }
    let mut out = Map::new();
    out.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    out.insert("$id".into(), SCHEMA_ID.into());
    out.insert("title".into(), "cosign-keys wire documents".into());
    out.insert(
        "description".into(),
        "Every JSON document cosign-keys hands across a language boundary (C, Go, Python). \
         Generated from the Rust types by `cosign_keys::wire::schema`; do not edit."
            .into(),
    );
    out.insert("x-documents".into(), Value::Array(roots));
    out.insert("$defs".into(), Value::Object(defs));
    Value::Object(out)
}

/// [`schema`] as the checked-in file holds it: pretty-printed, one newline
/// at the end.
///
/// ```
/// assert!(cosign_keys::wire::schema_text().ends_with("}\n"));
/// ```
#[must_use]
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// Doc comments become descriptions: their Rust examples and intra-doc link
/// targets mean nothing to a Go or Python reader, so code blocks go and
/// ``[`X`](path)`` / ``[`X`]`` become `` `X` ``.
fn clean_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" => *text = clean(text),
                    _ => clean_descriptions(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean_descriptions),
        _ => {}
    }
}

fn clean(text: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            out.push_str(line);
            out.push('\n');
        }
    }
    let mut text = out.trim_end().to_owned();
    // [`X`](target) and [`X`] -> `X`
    while let Some(start) = text.find("[`") {
        let Some(close) = text[start..].find("`]").map(|i| start + i) else {
            break;
        };
        let name = text[start + 1..close + 1].to_owned();
        let mut end = close + 2;
        if text[end..].starts_with('(') {
            if let Some(paren) = text[end..].find(')') {
                end += paren + 1;
            }
        }
        text.replace_range(start..end, &name);
    }
    text
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$",
            "description": "A time, RFC 3339 in UTC (`2026-11-25T11:26:45Z`).",
        })
    }
}

impl JsonSchema for Fingerprint {
    fn schema_name() -> Cow<'static, str> {
        "Fingerprint".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^SHA256:[A-Za-z0-9+/]{43}$",
            "description": "A key's identity: `SHA256:` and the unpadded base64 of the SHA-256 \
                            of its PKIX public key (DER).",
        })
    }
}

impl JsonSchema for Algorithm {
    fn schema_name() -> Cow<'static, str> {
        "Algorithm".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<Value> = Algorithm::ALL
            .iter()
            .map(|a| Value::String(a.as_str().to_owned()))
            .collect();
        json_schema!({
            "type": "string",
            "enum": names,
            "description": "A signing algorithm, by cosign's name for it.",
        })
    }
}
