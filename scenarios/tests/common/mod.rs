//! What several test files share.

use std::path::PathBuf;

/// Every scenario in `scenarios/library/`: (name, text), in name order.
#[allow(dead_code)]
pub fn library() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("library");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Plans point 0 of a scenario text and runs it with `seed`; bad input
/// comes back as its message.
#[allow(dead_code)]
pub fn run_text(text: &str, seed: u64) -> Result<scenarios::RunOutput, String> {
    let sweep = scenarios::Sweep::parse(text).map_err(|e| e.to_string())?;
    let plan = scenarios::plan_point(&sweep, 0).map_err(|e| e.to_string())?;
    Ok(scenarios::run(&plan, seed))
}

/// A whole-number metric of a run.
#[allow(dead_code)]
pub fn metric(out: &scenarios::RunOutput, name: &str) -> u64 {
    match out.metrics.iter().find(|(k, _)| k == name) {
        Some((_, sim_core::Value::U64(v))) => *v,
        other => panic!("{name}: {other:?}"),
    }
}

/// Each (scenario text, JSON path, words) is refused with a message that
/// names the path and says the words.
#[allow(dead_code)]
pub fn assert_refused(cases: &[(String, &str, &str)]) {
    for (text, path, words) in cases {
        let err = run_text(text, 1)
            .err()
            .unwrap_or_else(|| panic!("{path}: accepted"));
        assert!(err.contains(path) && err.contains(words), "{path}: {err}");
    }
}

/// Runs the `netsim` binary with `args`.
#[allow(dead_code)]
pub fn netsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_netsim"))
        .args(args)
        .output()
        .expect("netsim runs")
}

/// The path of the library scenario `name`.
#[allow(dead_code)]
pub fn library_file(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("library")
        .join(format!("{name}.json"))
        .to_str()
        .unwrap()
        .to_string()
}

/// Every file directly in a folder, by name, with its bytes.
#[allow(dead_code)]
pub fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Whether tshark is installed. Without it a test that reads captures is
/// skipped locally, but fails under `CI`: `.ci/run` installs it.
#[allow(dead_code)]
pub fn tshark_available() -> bool {
    if std::process::Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok()
    {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "tshark is missing: .ci/run must install it (apt-get install tshark)"
    );
    eprintln!("tshark not installed: skipping (run .ci/run or apt-get install tshark)");
    false
}

/// tshark's standard output for `args`; a failing tshark fails the test.
#[allow(dead_code)]
pub fn tshark(args: &[&str]) -> String {
    let o = std::process::Command::new("tshark")
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(
        o.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("tshark writes UTF-8")
}
