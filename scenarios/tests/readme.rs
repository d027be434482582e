//! The README's "Your first scenario" walk-through, run as written: its
//! files, the commands' printed lines and the figures it quotes. When a
//! model change moves a figure, this test says which, and the README is
//! updated with it.

use std::path::Path;

/// The fenced blocks of one README section, as (language, body).
fn blocks(section: &str) -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let start = readme
        .find(&format!("\n## {section}\n"))
        .expect("the section");
    let body = &readme[start + 1..];
    let body = &body[..body[3..].find("\n## ").map_or(body.len(), |e| e + 3)];
    let mut out = Vec::new();
    let mut lines = body.lines();
    while let Some(l) = lines.next() {
        if let Some(lang) = l.strip_prefix("```") {
            let mut text = String::new();
            for b in lines.by_ref() {
                if b == "```" {
                    break;
                }
                text.push_str(b);
                text.push('\n');
            }
            out.push((lang.to_string(), text));
        }
    }
    out
}

/// The lines of `printed` each `shown` line stands for: `...` lines are
/// skipped, and `out/first...` paths are the test's own folder.
#[track_caller]
fn assert_shown(shown: &str, printed: &str) {
    for line in shown.lines().skip(1) {
        if line.trim() == "..." {
            continue;
        }
        assert!(
            printed.lines().any(|p| p == line),
            "the README shows {line:?}; netsim printed:\n{printed}"
        );
    }
}

#[test]
fn your_first_scenario_reads_as_it_runs() {
    let b = blocks("Your first scenario");
    let json: Vec<&String> = b
        .iter()
        .filter(|(l, _)| l == "json")
        .map(|(_, t)| t)
        .collect();
    let text: Vec<&String> = b
        .iter()
        .filter(|(l, _)| l == "text")
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        json.len(),
        3,
        "step 1's file, step 4's expectations, the whole file"
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_netsim"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        (
            o.status.code().unwrap(),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    };

    // 1. The first file checks as the text says.
    std::fs::write(dir.join("first.json"), json[0]).unwrap();
    let (code, out, _) = run(&["check", "first.json"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "ok: first (3 nodes, 2 links, 0 expectations)");
    // The misspelt name's message, exactly.
    let bad = json[0].replace(r#"["r", "b"]"#, r#"["r", "bb"]"#);
    std::fs::write(dir.join("first.json"), &bad).unwrap();
    let (code, _, err) = run(&["check", "first.json"]);
    assert_eq!(code, 2);
    assert_eq!(err, text[0].lines().nth(1).unwrap().to_string() + "\n");

    // 2. Its run prints what step 2 shows, and trace.txt starts as shown.
    std::fs::write(dir.join("first.json"), json[0]).unwrap();
    let (code, out, _) = run(&["run", "first.json"]);
    assert_eq!(code, 0);
    assert_shown(text[1], &out);
    let trace = std::fs::read_to_string(dir.join("out/first/trace.txt")).unwrap();
    for line in text[2].lines() {
        assert!(trace.lines().any(|t| t == line), "trace.txt lacks {line:?}");
    }

    // 4. Step 4's expectations are the whole file's, which passes.
    assert!(json[2].contains(json[1].trim_end().trim_end_matches('}').trim()));
    std::fs::write(dir.join("first.json"), json[2]).unwrap();
    let (code, out, _) = run(&["run", "first.json"]);
    assert_eq!(code, 0);
    assert_shown(text[3], &out);

    // 5. The batch's counts and the failing seed's story.
    let (code, out, _) = run(&["batch", "first.json", "--seeds", "0..200", "--jobs", "2"]);
    assert_eq!(code, 1);
    assert_shown(text[4], &out);
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("out/first-batch/summary.json")).unwrap(),
    )
    .unwrap();
    // The README's "p50 448.9 ms, p90 1.29 s, max 3.45 s", as it rounds.
    let acked = &summary["points"][0]["metrics"]["a.tcp.all_acked_at_ns"];
    let ms = |k: &str| acked[k].as_f64().unwrap() / 1e6;
    let shown = format!(
        "p50 {:.1} ms, p90 {:.2} s, max {:.2} s",
        ms("p50"),
        ms("p90") / 1e3,
        ms("max") / 1e3
    );
    let prose = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
        .unwrap()
        .replace('\n', " ");
    assert!(prose.contains(&shown), "the README should say {shown:?}");

    assert!(
        dir.join("out/first-batch/a.tcp.all_acked_at_ns-cdf.png")
            .is_file()
    );
    let (code, out, _) = run(&["run", "first.json", "--seed", "2"]);
    assert_eq!(code, 1);
    assert_shown(text[5], &out);
    let trace = std::fs::read_to_string(dir.join("out/first/trace.txt")).unwrap();
    assert!(
        trace
            .lines()
            .any(|l| l.starts_with("  20.04224ms b      r -> b drop id=0 ")
                && l.contains("reason=random_loss")
                && l.contains("flags=SYN ")),
        "the lost SYN"
    );
    assert!(
        trace.lines().any(
            |l| l.starts_with("          1s a      a -> r transmit id=1 ")
                && l.contains("flags=SYN ")
                && l.contains("rtx=true")
        ),
        "the SYN sent again at 1 s"
    );
}
