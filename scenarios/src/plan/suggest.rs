//! "Did you mean": the known names closest to a misspelt one, so that an
//! error about an unknown metric or node points at the likely fix before
//! listing everything.
//!
//! Closeness is the optimal string alignment distance (Levenshtein with
//! adjacent transpositions, each edit costing one), counted in characters.

/// The closest names to a distance of at most a third of `name`'s length
/// (at least 1, at most 4), nearest first and then by name: at most three.
pub(super) fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let len = name.chars().count();
    let limit = (len / 3).clamp(1, 4);
    let mut near: Vec<(usize, &str)> = known
        .into_iter()
        .filter(|k| *k != name)
        .filter_map(|k| {
            let d = distance(name, k);
            (d <= limit).then_some((d, k))
        })
        .collect();
    near.sort_unstable();
    near.dedup();
    near.into_iter().take(3).map(|(_, k)| k).collect()
}

/// `did you mean "x"?` or `did you mean "x", "y" or "z"?`, when some
/// known name is close; `None` otherwise.
pub(super) fn did_you_mean<'a>(
    name: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let near: Vec<String> = closest(name, known)
        .into_iter()
        .map(|k| format!("{k:?}"))
        .collect();
    let list = match near.split_last()? {
        (last, []) => last.clone(),
        (last, rest) => format!("{} or {last}", rest.join(", ")),
    };
    Some(format!("did you mean {list}?"))
}

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("routr", "router"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        // A swap of neighbours is one edit, not two.
        assert_eq!(
            distance("a.tcp.retransmissoins", "a.tcp.retransmissions"),
            1
        );
        assert_eq!(distance("ab", "ba"), 1);
    }

    #[test]
    fn suggests_the_nearest_few() {
        let known = [
            "a.tcp.retransmissions",
            "b.tcp.retransmissions",
            "a.tcp.handshake_ns",
            "run.events",
        ];
        assert_eq!(
            closest("a.tcp.retransmisions", known),
            ["a.tcp.retransmissions", "b.tcp.retransmissions"]
        );
        assert_eq!(
            did_you_mean("a.tcp.retransmisions", known).unwrap(),
            r#"did you mean "a.tcp.retransmissions" or "b.tcp.retransmissions"?"#
        );
        assert_eq!(
            did_you_mean("routr", ["a", "b", "router"]).unwrap(),
            r#"did you mean "router"?"#
        );
        assert_eq!(did_you_mean("zz", ["router", "www"]), None);
        assert_eq!(did_you_mean("x.y.z", known), None);
        let three = did_you_mean("c", ["a", "b", "d", "e"]).unwrap();
        assert_eq!(three, r#"did you mean "a", "b" or "d"?"#);
    }
}
