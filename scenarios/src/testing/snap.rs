//! Snapshot files in insta's `.snap` format, read and written without
//! insta, so that a folder of them can be reviewed with `cargo insta
//! review` and compared the way insta compares them.
//!
//! A file is a YAML header between two `---` lines (here `source:`, the
//! scenario file, and `expression:`, what was snapshotted), then the
//! contents and a final newline. Contents compare equal when they do after
//! insta's normalisation: trailing whitespace trimmed and `\r\n` read as
//! `\n`.

/// A `.snap` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapFile {
    /// Where the snapshot came from (the scenario file's name).
    pub source: String,
    /// What was snapshotted.
    pub expression: String,
    /// The snapshot itself.
    pub contents: String,
}

/// Contents as insta compares them.
pub fn normalize(contents: &str) -> String {
    contents.trim_end().replace("\r\n", "\n")
}

/// A YAML scalar: plain when that reads back as the same string, else
/// double-quoted (a JSON string is a valid YAML double-quoted scalar).
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./- ".contains(c))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '/' || c == '.')
        && !s.ends_with(' ')
        && s.parse::<f64>().is_err()
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | ".nan"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serialises")
    }
}

impl SnapFile {
    /// Reads a `.snap` file's text: a header between `---` lines, then the
    /// contents. Text that does not start with `---` is all contents.
    pub fn parse(text: &str) -> SnapFile {
        let mut source = String::new();
        let mut expression = String::new();
        let mut rest = text;
        if let Some(after) = text
            .strip_prefix("---\n")
            .or_else(|| text.strip_prefix("---\r\n"))
        {
            rest = after;
            while let Some((line, more)) = rest.split_once('\n') {
                rest = more;
                let line = line.trim_end();
                if line == "---" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    let v = v.trim();
                    let v = serde_json::from_str::<String>(v).unwrap_or_else(|_| v.to_string());
                    match k.trim() {
                        "source" => source = v,
                        "expression" => expression = v,
                        _ => {}
                    }
                }
            }
        }
        SnapFile {
            source,
            expression,
            contents: rest.lines().collect::<Vec<_>>().join("\n"),
        }
    }

    /// The file's text, as insta writes it.
    pub fn render(&self) -> String {
        format!(
            "---\nsource: {}\nexpression: {}\n---\n{}\n",
            yaml_scalar(&self.source),
            yaml_scalar(&self.expression),
            normalize(&self.contents)
        )
    }

    /// Whether `contents` is what this file holds, as insta compares.
    pub fn matches(&self, contents: &str) -> bool {
        normalize(&self.contents) == normalize(contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_back_as_written() {
        let f = SnapFile {
            source: "three-way-handshake.json".into(),
            expression: "weird: name \"quoted\"".into(),
            contents: "line one\nline two\n\n".into(),
        };
        let text = f.render();
        assert_eq!(
            text,
            "---\nsource: three-way-handshake.json\nexpression: \"weird: name \\\"quoted\\\"\"\n---\nline one\nline two\n"
        );
        let back = SnapFile::parse(&text);
        assert_eq!(back.source, f.source);
        assert_eq!(back.expression, f.expression);
        assert!(back.matches(&f.contents));
        assert!(!back.matches("line one\n"));
    }

    #[test]
    fn an_insta_file_is_read() {
        let text = "---\nsource: scenarios/tests/library.rs\nexpression: trace\n---\n   0s a  x\n";
        let f = SnapFile::parse(text);
        assert_eq!(f.source, "scenarios/tests/library.rs");
        assert_eq!(f.expression, "trace");
        assert_eq!(f.contents, "   0s a  x");
        assert!(f.matches("   0s a  x\n"));
        assert!(f.matches("   0s a  x\r\n\n"));
    }

    #[test]
    fn yaml_words_and_numbers_are_quoted() {
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("1.5"), "\"1.5\"");
        assert_eq!(yaml_scalar(""), "\"\"");
        assert_eq!(yaml_scalar("lossy ping"), "lossy ping");
        assert_eq!(yaml_scalar("- x"), "\"- x\"");
    }
}
