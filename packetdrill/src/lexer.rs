//! Tokens of the packetdrill language (its `lexer.l` defines them): numbers
//! (integers, hex, decimal fractions of a second), words, strings,
//! punctuation, `...`, `%{ code }%` blocks, backtick shell commands and
//! `--option=value` lines.

use crate::ScriptError;

/// One token, with the line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// 1-based line number.
    pub line: usize,
}

/// Token kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A decimal or hexadecimal integer.
    Int(i64),
    /// A number with a fractional part, kept as written (`.1`, `0.200`).
    Float(f64),
    /// A word: letters, digits, `_`, starting with a letter or `_`.
    Word(String),
    /// A double-quoted string, without its quotes.
    Str(String),
    /// `...`
    Ellipsis,
    /// A one- or two-character operator or punctuation mark.
    Punct(&'static str),
    /// The text between `%{` and `}%`.
    Code(String),
    /// The text between backticks.
    Shell(String),
    /// A `--name=value` (or `--name`) script option.
    Opt(String, Option<String>),
}

const PUNCTS: [&str; 24] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ";", "=",
    "+", "-", "*", "~", "|", ".",
];

/// Splits a script into tokens.
pub fn lex(src: &str) -> Result<Vec<Token>, ScriptError> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let mut out = Vec::new();
    let mut at_line_start = true;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
            at_line_start = true;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start_line = line;
        let rest = &src[i..];
        let push = |out: &mut Vec<Token>, kind| {
            out.push(Token {
                kind,
                line: start_line,
            })
        };
        if rest.starts_with("//") || (c == b'#' && at_line_start) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if let Some(body) = rest.strip_prefix("/*") {
            let end = body
                .find("*/")
                .ok_or_else(|| ScriptError::new(line, "unterminated /* comment"))?;
            line += rest[..end + 4].matches('\n').count();
            i += end + 4;
            continue;
        }
        if at_line_start && rest.starts_with("--") {
            let end = rest.find('\n').unwrap_or(rest.len());
            let text = rest[2..end].trim();
            let (name, value) = match text.split_once('=') {
                Some((n, v)) => (n.trim().to_string(), Some(v.trim().to_string())),
                None => (text.to_string(), None),
            };
            push(&mut out, Tok::Opt(name, value));
            i += end;
            continue;
        }
        at_line_start = false;
        if rest.starts_with("%{") {
            let end = rest
                .find("}%")
                .ok_or_else(|| ScriptError::new(line, "unterminated %{ code block"))?;
            let body = &rest[2..end];
            line += body.matches('\n').count();
            push(&mut out, Tok::Code(body.to_string()));
            i += end + 2;
            continue;
        }
        if c == b'`' {
            let end = rest[1..]
                .find('`')
                .ok_or_else(|| ScriptError::new(line, "unterminated ` shell command"))?;
            let body = &rest[1..end + 1];
            line += body.matches('\n').count();
            push(&mut out, Tok::Shell(body.to_string()));
            i += end + 2;
            continue;
        }
        if c == b'"' {
            let end = rest[1..]
                .find('"')
                .ok_or_else(|| ScriptError::new(line, "unterminated string"))?;
            let body = &rest[1..end + 1];
            line += body.matches('\n').count();
            push(&mut out, Tok::Str(body.to_string()));
            i += end + 2;
            continue;
        }
        if rest.starts_with("...") {
            push(&mut out, Tok::Ellipsis);
            i += 3;
            continue;
        }
        let digit_next = b.get(i + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() || (c == b'.' && digit_next) {
            let (tok, len) = number(rest).ok_or_else(|| {
                ScriptError::new(line, format!("bad number near `{}`", head(rest)))
            })?;
            push(&mut out, tok);
            i += len;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let len = rest
                .bytes()
                .take_while(|d| d.is_ascii_alphanumeric() || *d == b'_')
                .count();
            let word = &rest[..len];
            push(&mut out, Tok::Word(word.to_string()));
            i += len;
            if matches!(word, "FO" | "FOEXP") {
                // A Fast Open cookie is hex digits kept as written
                // (`00ab...` would lose its zeros as a number).
                let gap = rest[len..]
                    .bytes()
                    .take_while(|d| *d == b' ' || *d == b'\t')
                    .count();
                let after = &rest[len + gap..];
                let n = after
                    .bytes()
                    .take_while(|d| d.is_ascii_alphanumeric() || *d == b'_')
                    .count();
                if n > 0 {
                    push(&mut out, Tok::Word(after[..n].to_string()));
                    i += gap + n;
                }
            }
            continue;
        }
        if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            push(&mut out, Tok::Punct(p));
            i += p.len();
            continue;
        }
        return Err(ScriptError::new(
            line,
            format!("unexpected character `{}`", head(rest)),
        ));
    }
    Ok(out)
}

fn head(s: &str) -> &str {
    let end = s
        .char_indices()
        .nth(12)
        .map_or(s.len(), |(i, _)| i)
        .min(s.find('\n').unwrap_or(s.len()));
    &s[..end]
}

/// A number at the start of `s`: hex, integer, or decimal fraction. A `.`
/// belongs to the number only when a digit follows it, so `0...0.2` reads
/// as `0`, `...`, `0.2`.
fn number(s: &str) -> Option<(Tok, usize)> {
    let b = s.as_bytes();
    if s.starts_with("0x") || s.starts_with("0X") {
        let len = 2 + s[2..].bytes().take_while(u8::is_ascii_hexdigit).count();
        let v = u64::from_str_radix(&s[2..len], 16).ok()?;
        return Some((Tok::Int(v as i64), len));
    }
    let mut len = b.iter().take_while(|d| d.is_ascii_digit()).count();
    let frac = b.get(len) == Some(&b'.') && b.get(len + 1).is_some_and(u8::is_ascii_digit);
    if frac {
        len += 1 + b[len + 1..]
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .count();
        return Some((Tok::Float(s[..len].parse().ok()?), len));
    }
    Some((Tok::Int(s[..len].parse().ok()?), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn blocking_range_splits_around_the_ellipsis() {
        assert_eq!(
            kinds("+0...0.200 accept"),
            vec![
                Tok::Punct("+"),
                Tok::Int(0),
                Tok::Ellipsis,
                Tok::Float(0.2),
                Tok::Word("accept".into())
            ]
        );
    }

    #[test]
    fn leading_dot_fraction_and_flags() {
        assert_eq!(
            kinds("+.1 < S. 0:0(0)"),
            vec![
                Tok::Punct("+"),
                Tok::Float(0.1),
                Tok::Punct("<"),
                Tok::Word("S".into()),
                Tok::Punct("."),
                Tok::Int(0),
                Tok::Punct(":"),
                Tok::Int(0),
                Tok::Punct("("),
                Tok::Int(0),
                Tok::Punct(")"),
            ]
        );
    }

    #[test]
    fn blocks_keep_their_lines() {
        let toks =
            lex("--tolerance_usecs=10000\n`a\nb`\n%{\nassert x\n}%\n0 close(3) = 0").unwrap();
        assert_eq!(
            toks[0].kind,
            Tok::Opt("tolerance_usecs".into(), Some("10000".into()))
        );
        assert_eq!(toks[1].kind, Tok::Shell("a\nb".into()));
        assert_eq!(toks[2].line, 4);
        assert_eq!(toks[3].line, 7);
    }
}
