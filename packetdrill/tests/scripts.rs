//! Our own packetdrill scripts (`tests/scripts/`, written for netsim): each
//! language feature, matching rule and timing rule, scripts that must
//! fail and scripts that must be skipped. The first line of each names its
//! verdict: `// expect: PASS`, `// expect: FAIL <text in the message>` or
//! `// expect: SKIP <text in the reason>`.

use std::path::{Path, PathBuf};

use packetdrill::{RunOptions, Verdict, run_file};

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/scripts")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pkt"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_script_gets_its_expected_verdict() {
    let all = scripts();
    assert!(all.len() >= 15, "scripts found: {}", all.len());
    let mut wrong = Vec::new();
    for path in &all {
        let src = std::fs::read_to_string(path).expect("readable");
        let first = src.lines().next().unwrap_or_default();
        let expect = first
            .strip_prefix("// expect: ")
            .unwrap_or_else(|| panic!("{}: no `// expect:` line", path.display()));
        let (kind, text) = expect.split_once(' ').unwrap_or((expect, ""));
        let got = run_file(path, &RunOptions::default()).expect("parses");
        let ok = match (kind, &got) {
            ("PASS", Verdict::Pass) => true,
            ("FAIL", Verdict::Fail(m)) | ("SKIP", Verdict::Skip(m)) => m.contains(text),
            _ => false,
        };
        if !ok {
            wrong.push(format!(
                "{}: expected {expect}, got {got:?}",
                path.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn verdicts_are_deterministic() {
    for path in scripts() {
        let a = run_file(&path, &RunOptions::default());
        let b = run_file(&path, &RunOptions::default());
        assert_eq!(a, b, "{}", path.display());
    }
}

#[test]
fn a_malformed_script_is_an_error_naming_its_line() {
    let e = packetdrill::run_script(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > P. 1:11(5) ack 1\n",
        &RunOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.msg.contains("1:11"), "{}", e.msg);
}

#[test]
fn the_rfc_profile_differs_where_linux_defaults_matter() {
    // The RFC profile starts with RFC 5681's initial window (4 segments
    // of 1000 bytes), not Linux's 10, so the first assertion fails.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/rto-and-tcp-info.pkt");
    let opts = RunOptions {
        profile: sim_tcp::Profile::Rfc,
        ..RunOptions::default()
    };
    let got = run_file(&path, &opts).expect("parses");
    assert!(
        matches!(&got, Verdict::Fail(m) if m.contains("tcpi_snd_cwnd=4")),
        "{got:?}"
    );
}

/// The public suite, from a checkout named by `PACKETDRILL_SUITE` (for
/// example google/packetdrill's `gtests/net/tcp`): prints each script's
/// verdict and the totals. Not run by default: the scripts are GPL-2.0
/// and not part of this repository.
#[test]
#[ignore = "needs a fetched packetdrill suite (GPL-2.0, not in this repository): PACKETDRILL_SUITE=<folder of .pkt scripts>"]
fn public_suite() {
    let Ok(dir) = std::env::var("PACKETDRILL_SUITE") else {
        panic!("set PACKETDRILL_SUITE to a folder of .pkt scripts");
    };
    let t = std::time::Instant::now();
    let report = packetdrill::suite::run_paths(&[PathBuf::from(dir)], &RunOptions::default())
        .expect("readable suite");
    print!("{}", report.text());
    println!("wall time {:.3} s", t.elapsed().as_secs_f64());
}
