//! The package version in Python's (PEP 440) spelling.

/// Converts a Cargo (semver) version to PEP 440, as maturin does for the
/// wheel metadata: `1.2.3-alpha.4` → `1.2.3a4`, `-beta.N` → `bN`,
/// `-rc.N` → `rcN`; build metadata (`+…`) becomes a local version.
pub(crate) fn pep440(cargo: &str) -> String {
    let (version, local) = match cargo.split_once('+') {
        Some((v, l)) => (v, Some(l)),
        None => (cargo, None),
    };
    let mut out = match version.split_once('-') {
        None => version.to_owned(),
        Some((release, pre)) => {
            let (kind, number) = pre.split_once('.').unwrap_or((pre, "0"));
            let tag = match kind {
                "alpha" | "a" => "a",
                "beta" | "b" => "b",
                "rc" | "c" => "rc",
                // Anything else is not a PEP 440 pre-release: keep it as a
                // development release so it still sorts before the release.
                _ => ".dev",
            };
            format!("{release}{tag}{number}")
        }
    };
    if let Some(local) = local {
        out.push('+');
        out.push_str(local);
    }
    out
}
