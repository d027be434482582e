//! A unified diff of two snapshots, for a person to read.

use similar::TextDiff;

/// A diff longer than this many lines is cut; the `.snap.new` file holds
/// the whole new snapshot.
pub const MAX_DIFF_LINES: usize = 200;

/// The unified diff (three lines of context) from `old` to `new`, headed
/// `--- old_name` and `+++ new_name`, cut after [`MAX_DIFF_LINES`] lines.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let old = with_newline(old);
    let new = with_newline(new);
    let diff = TextDiff::from_lines(&old, &new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    let total = text.lines().count();
    if total <= MAX_DIFF_LINES {
        return text;
    }
    let mut cut: String = text
        .lines()
        .take(MAX_DIFF_LINES)
        .flat_map(|l| [l, "\n"])
        .collect();
    cut.push_str(&format!(
        "... {} more diff lines; the whole new snapshot is in {new_name}\n",
        total - MAX_DIFF_LINES
    ));
    cut
}

/// Snapshot text ending in exactly one newline (empty stays empty).
fn with_newline(s: &str) -> String {
    let t = super::snap::normalize(s);
    if t.is_empty() { t } else { t + "\n" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_shows_with_its_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            unified_diff(old, new, "x.snap", "x.snap.new"),
            "--- x.snap\n+++ x.snap.new\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    #[test]
    fn a_long_diff_is_cut() {
        let old: String = (0..1000).map(|i| format!("{i}\n")).collect();
        let new: String = (0..1000).map(|i| format!("{}\n", i * 2)).collect();
        let d = unified_diff(&old, &new, "o", "n");
        assert_eq!(d.lines().count(), MAX_DIFF_LINES + 1);
        assert!(d.ends_with("the whole new snapshot is in n\n"));
    }
}
