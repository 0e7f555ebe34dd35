//! The project's own conformance cases (tests/cases/*.json), through the CLI runner exactly as
//! users run it. They do not depend on ../shared.

use std::process::Command;

#[test]
fn own_cases_pass_through_the_cli() {
    let files = case_files();
    assert!(files.len() >= 6, "expected case files of every kind in tests/cases");
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("conformance")
        .args(&files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 100, "{last}");
}

#[test]
fn a_failing_case_fails_the_run() {
    let dir = std::env::temp_dir().join(format!("portcullis-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.json");
    std::fs::write(&f, r#"{"cases": [
        {"name": "wrong on purpose", "kind": "match", "entity_type": "tag", "predicate_text": "name eq \"a\"", "attributes": {"name": "a"}, "expect": false},
        {"name": "unknown kind", "kind": "teleport", "expect": null}]}"#).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_portcullis")).arg("conformance").arg(&f).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("FAIL") && stdout.contains("wrong on purpose"), "{stdout}");
    assert!(stdout.trim_end().ends_with("0 passed, 1 failed, 1 skipped"), "{stdout}");
}

#[test]
fn check_prints_a_caret_under_the_span_and_exits_1() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["check", "--entity-type", "detail"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(br#"type eq "a" AND colour eq "x""#).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("error[unknown_attribute]"), "{err}");
    assert!(err.contains("                ^^^^^^"), "{err}");
}

mod support;

/// The case files, as arguments.
fn case_files() -> Vec<String> {
    support::case_files().iter().map(|p| p.display().to_string()).collect()
}

/// The cases through a back end: the data-reading ones pass, the rest are counted apart.
fn through(backend: &[&str], at_least: usize) {
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("conformance")
        .args(backend)
        .args(case_files())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    let [.., not_applicable, last] = lines[..] else { panic!("{stdout}") };
    assert!(
        not_applicable.ends_with(&format!("not applicable to the {} back end", backend[1])),
        "{stdout}"
    );
    assert!(last.ends_with(" passed, 0 failed"), "{stdout}");
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= at_least, "{stdout}");
}

#[test]
fn own_cases_pass_through_sqlite() {
    through(&["--backend", "sqlite"], 45);
}

#[test]
fn own_searchable_detail_cases_pass_through_the_search_index() {
    through(&["--backend", "search"], 10);
}

#[test]
fn own_cases_pass_through_postgres_and_leave_no_schema() {
    let cluster = support::Cluster::start();
    through(&["--backend", "postgres", "--database-url", &cluster.url()], 45);
    let mut c = postgres::Client::connect(&cluster.url(), postgres::NoTls).unwrap();
    let left = c
        .query("SELECT 1 FROM information_schema.schemata WHERE schema_name LIKE 'portcullis_conformance_%'", &[])
        .unwrap();
    assert!(left.is_empty(), "the throwaway schema was left behind");
}
