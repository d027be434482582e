//! A JUnit XML report of a set of snapshot tests, for CI systems: one
//! `<testcase>` per scenario file, with a `<failure>` holding the reason
//! and the details (failed expectations, the diff). No times are written,
//! so the report is the same on every run.

use std::path::Path;

use super::suite::{Report, write_atomic};
use crate::error::Error;

/// Text escaped for XML 1.0 (attribute values and element text alike);
/// characters XML cannot hold become U+FFFD.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

impl Report {
    /// The report as JUnit XML.
    pub fn junit(&self) -> String {
        let (tests, failures) = (self.cases.len(), self.failed());
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(&format!(
            "<testsuites name=\"netsim test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n"
        ));
        x.push_str(&format!(
            "  <testsuite name=\"netsim test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n"
        ));
        for case in &self.cases {
            let file = escape(&case.scenario.display().to_string());
            let open =
                format!("    <testcase classname=\"netsim\" name=\"{file}\" file=\"{file}\"");
            if case.passed() {
                x.push_str(&open);
                x.push_str("/>\n");
            } else {
                x.push_str(&open);
                x.push_str(">\n");
                x.push_str(&format!(
                    "      <failure message=\"{}\" type=\"netsim\">{}</failure>\n",
                    escape(&case.reason()),
                    escape(&case.report())
                ));
                x.push_str("    </testcase>\n");
            }
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }

    /// Writes [`Report::junit`] to `path` atomically.
    pub fn write_junit(&self, path: &Path) -> Result<(), Error> {
        write_atomic(path, &self.junit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\n\u{FFFD}"
        );
    }
}
