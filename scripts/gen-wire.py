#!/usr/bin/env python3
"""Generates the Python wire classes from the core's JSON Schema.

    scripts/gen-wire.py SCHEMA OUT.py [--methods _wire_methods.py]

SCHEMA is schema/cosign-keys.schema.json (written by the core from its Rust
types, `cosign_keys::wire::schema`). OUT.py becomes
cosign-keys-py/python/cosign_keys/_wire.py: one frozen dataclass per object
type and one string enum per enumeration, with a ``_from_json`` decoder each,
field docs taken from the Rust doc comments. The rules are mechanical:

- a ``Timestamp`` is an aware UTC ``datetime``; a ``Fingerprint`` is its
  text, checked by ``cosign_keys.Fingerprint`` (which compares and hashes
  equal to that text, so ``result.fingerprint == key.fingerprint`` holds);
  an ``Algorithm`` is ``cosign_keys.Algorithm``;
- ``AuditHead`` and ``KeyLocation`` (text forms with methods of their own)
  are the hand-written classes of ``cosign_keys.audit`` and
  ``cosign_keys._wire_methods``;
- arrays are tuples; an optional field defaults to ``None`` (an optional
  array to ``()``), after the required ones;
- a class ``XMethods`` in ``_wire_methods.py`` is a base of the class ``X``
  (behaviour only, no fields);
- ``PY_NAMES`` keeps the Python attribute names the wheel has always had for
  a few JSON keys; ``EXTRA_FIELDS`` adds the fields a Python result carries
  beside its document (passed to ``_from_json`` as keywords).

Only the types reachable from ``ROOTS`` are written. Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Dict, List, Optional, Set, Tuple

ROOTS = [
    "Manifest",
    "Status",
    "Due",
    "TrustBundle",
    "RotationOutcome",
    "RevocationOutcome",
    "SignedArtifact",
    "SigningEvent",
    "ResignEntry",
    "BackupSummary",
    "RecoverySummary",
]

# name in the schema -> (Python annotation, decode expression with {} for the value)
EXTERNAL = {
    "Timestamp": ("_dt.datetime", "utc({})"),
    "Fingerprint": ("str", "fingerprint({})"),
    "Algorithm": ("Algorithm", "Algorithm({})"),
    "AuditHead": ("AuditHead", "AuditHead._from_json({})"),
    "KeyLocation": ("KeyLocation", "KeyLocation._from_json({})"),
}

PY_NAMES = {"incident": "incident_id", "pipeline": "pipeline_id"}

# Python defaults the wheel's classes have always had (the core always sends
# these fields; the defaults serve callers that build the objects).
PY_DEFAULTS = {
    ("RotationPolicy", "period_days"): "365",
    ("RotationPolicy", "transition_window_days"): "30",
    ("Status", "audit_pending"): "0",
    ("RotationOutcome", "audit_pending"): "0",
    ("RevocationOutcome", "audit_pending"): "0",
}

EXTRA_FIELDS: Dict[str, List[Tuple[str, str, str]]] = {
    "Manifest": [
        ("revision", "int", "The revision a check-and-set save expects (see ``expect_revision``)."),
    ],
    "TrustBundle": [
        (
            "pem",
            "str",
            "Every key's PEM concatenated in bundle order: one multi-key bundle for "
            "admission controllers (the file ``cosign-trust-bundle.pem``).",
        ),
    ],
}


def ref_name(schema: Dict[str, Any]) -> Optional[str]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return ref[len("#/$defs/") :]
    return None


def non_null(schema: Dict[str, Any]) -> Tuple[Dict[str, Any], bool]:
    """The schema without its null alternative, and whether it had one."""
    for key in ("anyOf", "oneOf"):
        alts = schema.get(key)
        if isinstance(alts, list) and any(a.get("type") == "null" for a in alts):
            rest = [a for a in alts if a.get("type") != "null"]
            if len(rest) == 1:
                merged = dict(rest[0])
                return merged, True
    t = schema.get("type")
    if isinstance(t, list) and "null" in t:
        rest = [x for x in t if x != "null"]
        out = dict(schema)
        out["type"] = rest[0] if len(rest) == 1 else rest
        return out, True
    return schema, False


def is_enum(schema: Dict[str, Any]) -> bool:
    if schema.get("type") == "string" and isinstance(schema.get("enum"), list):
        return True
    alts = schema.get("oneOf")
    return isinstance(alts, list) and all("const" in a for a in alts)


def enum_values(schema: Dict[str, Any]) -> List[Tuple[str, str]]:
    if isinstance(schema.get("enum"), list):
        return [(v, "") for v in schema["enum"]]
    return [(a["const"], a.get("description", "")) for a in schema["oneOf"]]


def fn(decode: str) -> str:
    """A decoder expression over ``v`` as a callable."""
    if decode.endswith("(v)") and "(" not in decode[:-3]:
        return decode[:-3]
    return f"lambda v: {decode}"


def member(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", value).upper()


def doc(text: str, indent: str) -> List[str]:
    text = text.strip().replace("\\", "\\\\").replace('"""', "'''")
    if not text:
        return []
    # Rust intra-doc links and code spans read as reST literals.
    text = re.sub(r"\[`([^`]+)`\](\([^)]*\))?", r"``\1``", text)
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    if text.endswith('"'):
        text += " "
    lines = text.split("\n")
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    out = [f'{indent}"""{lines[0]}']
    out += [f"{indent}{line}" if line else "" for line in lines[1:]]
    out.append(f'{indent}"""')
    return out


class Gen:
    def __init__(self, schema: Dict[str, Any], methods: Set[str]):
        self.defs: Dict[str, Any] = schema["$defs"]
        self.methods = methods
        self.order: List[str] = []
        self.seen: Set[str] = set()

    def visit(self, name: str) -> None:
        if name in self.seen or name in EXTERNAL:
            return
        self.seen.add(name)
        schema = self.defs[name]
        for prop in schema.get("properties", {}).values():
            self.visit_schema(prop)
        self.order.append(name)

    def visit_schema(self, schema: Any) -> None:
        if not isinstance(schema, dict):
            return
        name = ref_name(schema)
        if name:
            self.visit(name)
        for key in ("anyOf", "oneOf", "allOf"):
            for alt in schema.get(key, []) or []:
                self.visit_schema(alt)
        if "items" in schema:
            self.visit_schema(schema["items"])

    # -- types -------------------------------------------------------------

    def annotation(self, schema: Dict[str, Any]) -> str:
        name = ref_name(schema)
        if name:
            return EXTERNAL[name][0] if name in EXTERNAL else name
        t = schema.get("type")
        if t == "array":
            return f"Tuple[{self.annotation(schema['items'])}, ...]"
        if t == "object":
            return "Dict[str, Any]"
        return {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}.get(
            str(t), "Any"
        )

    def decoder(self, schema: Dict[str, Any], value: str) -> str:
        name = ref_name(schema)
        if name:
            if name in EXTERNAL:
                return EXTERNAL[name][1].format(value)
            return f"{name}._from_json({value})"
        t = schema.get("type")
        if t == "array":
            item = self.decoder(schema["items"], "item")
            return f"tuple({item} for item in array({value}))"
        if t == "object":
            return f"obj({value})"
        known = {"string": "text({})", "integer": "integer({})", "boolean": "boolean({})"}
        if t not in known:
            raise SystemExit(f"gen-wire.py: no decoder for the schema {json.dumps(schema)}")
        return known[str(t)].format(value)

    # -- output ------------------------------------------------------------

    def enum(self, name: str, schema: Dict[str, Any]) -> List[str]:
        out = ["", "", f"class {name}(str, enum.Enum):"]
        out += doc(
            (schema.get("description", "") + "\n\nMembers are strings "
             f"(``{name}.{member(enum_values(schema)[0][0])} == \"{enum_values(schema)[0][0]}\"``).").strip(),
            "    ",
        )
        out.append("")
        for value, text in enum_values(schema):
            out.append(f"    {member(value)} = {json.dumps(value)}")
            out += doc(text, "    ")
        out += [
            "",
            "    def __str__(self) -> str:",
            "        return str(self.value)",
            "",
            "    @classmethod",
            f"    def _from_json(cls, value: Any) -> {name}:",
            "        return cls(text(value))",
        ]
        return out

    def dataclass(self, name: str, schema: Dict[str, Any]) -> List[str]:
        props: Dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = []  # (py name, annotation, default or None, decode, doc)
        ordered = [k for k in schema.get("required", []) if k in props]
        ordered += [k for k in props if k not in ordered]
        for key in ordered:
            prop = props[key]
            inner, nullable = non_null(prop)
            optional = nullable or key not in required
            py = PY_NAMES.get(key, key)
            ann = self.annotation(inner)
            getter = f'data[{json.dumps(key)}]' if key in required else f'data.get({json.dumps(key)})'
            dec = self.decoder(inner, "v")
            text = prop.get("description", "") or inner.get("description", "")
            if inner.get("type") == "array" and not nullable:
                default = "()" if optional else None
                expr = f"{self.decoder(inner, getter)}" if not optional else \
                    f"{self.decoder(inner, getter)}"
            elif optional and not nullable and inner.get("type") == "boolean":
                default = "False"
                expr = f"default({getter}, False, {fn(dec)})"
            elif optional:
                ann = f"Optional[{ann}]"
                default = "None"
                expr = f"optional({getter}, {fn(dec)})"
            else:
                default = PY_DEFAULTS.get((name, key))
                expr = self.decoder(inner, getter)
            fields.append((py, ann, default, expr, text))
        for py, ann, text in EXTRA_FIELDS.get(name, []):
            fields.append((py, ann, None, None, text))
        fields.sort(key=lambda f: f[2] is not None)  # required first (stable)
        bases = f"({name}Methods)" if f"{name}Methods" in self.methods else ""
        out = ["", "", "@dataclasses.dataclass(frozen=True)", f"class {name}{bases}:"]
        out += doc(schema.get("description", ""), "    ")
        out.append("")
        for py, ann, default, _, text in fields:
            out.append(f"    {py}: {ann}" + (f" = {default}" if default is not None else ""))
            out += doc(text, "    ")
        extra = EXTRA_FIELDS.get(name, [])
        kw = "".join(f", {py}: {ann}" for py, ann, _ in extra)
        out += ["", "    @classmethod", f"    def _from_json(cls, value: Any{kw}) -> {name}:"]
        out.append("        data = obj(value)")
        out.append("        return cls(")
        for py, _, _, expr, _ in fields:
            out.append(f"            {py}={expr if expr is not None else py},")
        out.append("        )")
        return out

    def module(self) -> str:
        for root in ROOTS:
            self.visit(root)
        names = sorted(n for n in self.methods if n[: -len("Methods")] in self.seen)
        head = [
            "# Generated by scripts/gen-wire.py from schema/cosign-keys.schema.json; DO NOT EDIT.",
            '"""The keyring\'s result documents as typed, frozen classes, generated from',
            "the core's wire schema (``cosign_keys::wire``): field names, types and docs",
            'come from the Rust types."""',
            "",
            "from __future__ import annotations",
            "",
            "import dataclasses",
            "import datetime as _dt",
            "import enum",
            "from typing import Any, Dict, Optional, Tuple",
            "",
            "from ._wire_decode import (",
            "    array,",
            "    boolean,",
            "    default,",
            "    fingerprint,",
            "    integer,",
            "    obj,",
            "    optional,",
            "    text,",
            "    utc,",
            ")",
            "from ._wire_methods import (",
            "    KeyLocation,",
            *[f"    {n}," for n in names],
            ")",
            "from .algorithm import Algorithm",
            "from .audit import AuditHead",
            "",
            "__all__ = [",
        ]
        head += [f'    "{n}",' for n in sorted(self.order)]
        head.append("]")
        body: List[str] = []
        for name in self.order:
            schema = self.defs[name]
            body += self.enum(name, schema) if is_enum(schema) else self.dataclass(name, schema)
        return "\n".join(head + body) + "\n"


def main() -> None:
    schema_path, out_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    methods_path = os.path.join(os.path.dirname(out_path), "_wire_methods.py")
    if len(sys.argv) == 5 and sys.argv[3] == "--methods":
        methods_path = sys.argv[4]
    with open(methods_path, encoding="utf-8") as f:
        methods = set(re.findall(r"^class (\w+)Methods\b", f.read(), re.M))
    text = Gen(schema, {m + "Methods" for m in methods}).module()
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
