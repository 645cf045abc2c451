//! SARIF 2.1.0, the format code scanning (GitHub's among others) ingests.
//!
//! One run; `tool.driver.rules` holds one descriptor per rule that produced findings, in order
//! of first appearance, and each result points at its rule by id and index. A finding on a path
//! gets a location relative to `%SRCROOT%`; commit and ref go to the result's `properties`.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::Report;
use crate::finding::{Finding, Level};
use crate::policy::catalogue;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/git-policy/git-policy";
/// The `partialFingerprints` key; bump the version if the hashed fields ever change.
const FINGERPRINT: &str = "gitPolicyFinding/v1";

/// Writes the report as one pretty-printed SARIF log.
pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report)).map_err(io::Error::other)?;
    writeln!(out)
}

fn log(report: &Report<'_>) -> Value {
    // Rules in order of first appearance, each with the highest level it was reported at
    // (the level the policy gives it in this run).
    let mut rules: Vec<(&str, Level)> = Vec::new();
    for f in report.findings {
        match rules.iter_mut().find(|(id, _)| *id == f.rule) {
            Some((_, level)) => *level = (*level).max(f.level),
            None => rules.push((f.rule, f.level)),
        }
    }
    let descriptors: Vec<Value> = rules.iter().map(|&(id, level)| descriptor(id, level)).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rules.iter().position(|(id, _)| *id == f.rule).unwrap_or_default()))
        .collect();

    let mut properties = Map::new();
    properties.insert("subject".into(), report.subject.into());
    if !report.notes.is_empty() {
        properties.insert("notes".into(), report.notes.into());
    }
    if !report.skipped.is_empty() {
        properties.insert("skipped".into(), report.skipped.into());
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "git-policy",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": descriptors,
                }
            },
            "results": results,
            "properties": properties,
        }]
    })
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Off => "none",
    }
}

fn descriptor(id: &str, lvl: Level) -> Value {
    let mut d = Map::new();
    d.insert("id".into(), id.into());
    if let Some(info) = catalogue::find(id) {
        d.insert("shortDescription".into(), json!({ "text": info.summary }));
    }
    d.insert("defaultConfiguration".into(), json!({ "level": level(lvl) }));
    Value::Object(d)
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut text = f.message.clone();
    if !f.help.is_empty() {
        text.push_str("\nhelp: ");
        text.push_str(&f.help);
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), f.rule.into());
    r.insert("ruleIndex".into(), rule_index.into());
    r.insert("level".into(), level(f.level).into());
    r.insert("message".into(), json!({ "text": text }));
    // GitHub code scanning rejects a whole upload when any result lacks a location, and most
    // findings (messages, branches) have no path: those point at the policy file that set the rule.
    let path = f.path.as_deref().unwrap_or(crate::policy::FILE_NAME);
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), json!({ "uri": uri(path), "uriBaseId": "%SRCROOT%" }));
    let line = if f.path.is_some() { f.line.filter(|&l| l > 0) } else { Some(1) };
    if let Some(line) = line {
        physical.insert("region".into(), json!({ "startLine": line }));
    }
    r.insert("locations".into(), json!([{ "physicalLocation": physical }]));
    let fingerprint = fnv1a(&[f.rule, f.path.as_deref().unwrap_or(""), &f.message]);
    r.insert("partialFingerprints".into(), json!({ FINGERPRINT: format!("{fingerprint:016x}") }));
    let mut properties = Map::new();
    if let Some(c) = &f.commit {
        properties.insert("commit".into(), c.as_str().into());
    }
    if let Some(reference) = &f.reference {
        properties.insert("ref".into(), reference.as_str().into());
    }
    if !properties.is_empty() {
        r.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(r)
}

/// A repository path as a relative URI reference: every byte but unreserved characters and `/`
/// is percent-encoded (so `:` cannot read as a scheme, nor `#`/`?` as fragment or query).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 64-bit FNV-1a over the fields, each followed by a 0xFF byte (which UTF-8 never contains), so
/// that moving text from one field to the next changes the hash.
fn fnv1a(fields: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for field in fields {
        for &b in field.as_bytes().iter().chain(&[0xFF]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings() -> Vec<Finding> {
        vec![
            Finding::new("commits.forbid-paths", Level::Error, "adds <secret> & \"key\"", "remove it")
                .commit("0123456789abcdef0123456789abcdef01234567")
                .path("secrets/a b#c:d%ü.pem", Some(3)),
            Finding::new("branch.max-age", Level::Warn, "branch is 40 days old\nü ✓ 日本", "merge or rebase")
                .reference("feature/x"),
            Finding::new("commits.forbid-paths", Level::Error, "adds b", "").path("b.txt", None),
            Finding::new("custom.unknown", Level::Error, "no catalogue entry", "n/a"),
        ]
    }

    fn render_value(report: &Report<'_>) -> Value {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n"));
        serde_json::from_str(&text).unwrap()
    }

    /// Asserts `v` is an object holding every key of `required` and no key outside `allowed`
    /// (the SARIF schema sets `additionalProperties: false` on every object used here).
    fn keys(v: &Value, required: &[&str], allowed: &[&str]) {
        let obj = v.as_object().unwrap_or_else(|| panic!("not an object: {v}"));
        for k in required {
            assert!(obj.contains_key(*k), "missing {k} in {v}");
        }
        for k in obj.keys() {
            assert!(allowed.contains(&k.as_str()) || required.contains(&k.as_str()), "unexpected {k} in {v}");
        }
    }

    /// The parts of the SARIF 2.1.0 schema this renderer uses: required properties, no others,
    /// and the value constraints (level enum, startLine >= 1, ruleIndex >= -1, string maps).
    fn check_schema(log: &Value) {
        keys(log, &["version", "runs"], &["$schema", "inlineExternalProperties", "properties"]);
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SCHEMA);
        for run in log["runs"].as_array().unwrap() {
            keys(run, &["tool"], &["results", "properties"]);
            keys(&run["tool"], &["driver"], &["extensions", "properties"]);
            let driver = &run["tool"]["driver"];
            keys(driver, &["name"], &["version", "informationUri", "rules"]);
            assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
            let rules = driver["rules"].as_array().unwrap();
            for rule in rules {
                keys(rule, &["id"], &["shortDescription", "defaultConfiguration"]);
                if let Some(d) = rule.get("shortDescription") {
                    keys(d, &["text"], &[]);
                    assert!(d["text"].is_string());
                }
                keys(&rule["defaultConfiguration"], &[], &["level"]);
                assert!(["none", "note", "warning", "error"]
                    .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()));
            }
            for result in run["results"].as_array().unwrap() {
                keys(
                    result,
                    &["message"],
                    &["ruleId", "ruleIndex", "level", "locations", "partialFingerprints", "properties"],
                );
                keys(&result["message"], &["text"], &[]);
                assert!(["none", "note", "warning", "error"].contains(&result["level"].as_str().unwrap()));
                let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
                assert_eq!(rules[index]["id"], result["ruleId"]);
                for fp in result["partialFingerprints"].as_object().unwrap().values() {
                    assert!(fp.is_string());
                }
                for location in result.get("locations").and_then(Value::as_array).into_iter().flatten() {
                    keys(location, &[], &["physicalLocation"]);
                    let physical = &location["physicalLocation"];
                    keys(physical, &["artifactLocation"], &["region"]);
                    keys(&physical["artifactLocation"], &["uri"], &["uriBaseId"]);
                    if let Some(region) = physical.get("region") {
                        keys(region, &["startLine"], &[]);
                        assert!(region["startLine"].as_u64().unwrap() >= 1);
                    }
                }
            }
        }
    }

    #[test]
    fn fnv1a_matches_reference_vectors() {
        // Single field: FNV-1a("" + 0xFF) and FNV-1a("a" + 0xFF), computed by hand from the
        // standard vectors FNV-1a("") = cbf29ce484222325, FNV-1a("a") = af63dc4c8601ec8c.
        let step = |h: u64, b: u8| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        assert_eq!(fnv1a(&[""]), step(0xcbf2_9ce4_8422_2325, 0xFF));
        assert_eq!(step(0xcbf2_9ce4_8422_2325, b'a'), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&["a"]), step(0xaf63_dc4c_8601_ec8c, 0xFF));
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
        assert_eq!(fnv1a(&["r", "p", "m"]), fnv1a(&["r", "p", "m"]));
    }

    #[test]
    fn uri_encodes_everything_but_unreserved_and_slash() {
        assert_eq!(uri("src/a-b_c.~d/e.rs"), "src/a-b_c.~d/e.rs");
        assert_eq!(uri("a b#c:d%ü?.pem"), "a%20b%23c%3Ad%25%C3%BC%3F.pem");
    }

    #[test]
    fn renders_rules_results_and_locations() {
        let findings = findings();
        let notes = vec!["range main..HEAD".to_string()];
        let report = Report { subject: "check main..HEAD", findings: &findings, skipped: &[], notes: &notes };
        let log = render_value(&report);
        check_schema(&log);

        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "git-policy");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(driver["informationUri"], INFORMATION_URI);
        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["commits.forbid-paths", "branch.max-age", "custom.unknown"]);
        assert_eq!(rules[0]["shortDescription"]["text"], catalogue::find("commits.forbid-paths").unwrap().summary);
        assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
        assert!(rules[2].get("shortDescription").is_none());
        assert_eq!(run["properties"]["subject"], "check main..HEAD");
        assert_eq!(run["properties"]["notes"][0], "range main..HEAD");

        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        let first = &results[0];
        assert_eq!(first["ruleId"], "commits.forbid-paths");
        assert_eq!(first["ruleIndex"], 0);
        assert_eq!(first["level"], "error");
        assert_eq!(first["message"]["text"], "adds <secret> & \"key\"\nhelp: remove it");
        assert_eq!(
            first["locations"],
            json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": "secrets/a%20b%23c%3Ad%25%C3%BC.pem", "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": 3 }
                }
            }])
        );
        assert_eq!(first["properties"]["commit"], "0123456789abcdef0123456789abcdef01234567");
        let fp = first["partialFingerprints"][FINGERPRINT].as_str().unwrap();
        assert_eq!(fp.len(), 16);
        assert_eq!(
            fp,
            format!("{:016x}", fnv1a(&["commits.forbid-paths", "secrets/a b#c:d%ü.pem", "adds <secret> & \"key\""]))
        );

        let warning = &results[1];
        assert_eq!(warning["ruleIndex"], 1);
        assert_eq!(warning["level"], "warning");
        assert_eq!(warning["message"]["text"], "branch is 40 days old\nü ✓ 日本\nhelp: merge or rebase");
        assert_eq!(warning["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], ".git-policy.toml");
        assert_eq!(warning["properties"], json!({ "ref": "feature/x" }));

        let no_line = &results[2];
        assert_eq!(no_line["ruleIndex"], 0);
        assert_eq!(no_line["message"]["text"], "adds b");
        assert!(no_line["locations"][0]["physicalLocation"].get("region").is_none());
        assert!(no_line.get("properties").is_none());
        assert_eq!(results[3]["ruleIndex"], 2);

        // Stable across runs, different across findings.
        assert_eq!(render_value(&report), log);
        let fps: Vec<&Value> = results.iter().map(|r| &r["partialFingerprints"][FINGERPRINT]).collect();
        for (i, a) in fps.iter().enumerate() {
            for b in &fps[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn empty_report_has_a_run_with_no_results() {
        let report = Report { subject: "check", findings: &[], skipped: &[], notes: &[] };
        let log = render_value(&report);
        check_schema(&log);
        assert_eq!(log["runs"][0]["results"], json!([]));
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"], json!([]));
        assert_eq!(log["runs"][0]["properties"], json!({ "subject": "check" }));
    }
}
