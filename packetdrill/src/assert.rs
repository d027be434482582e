//! The common form of packetdrill's `%{ }%` blocks (Python in
//! packetdrill): `assert` statements with comparisons (chained too),
//! `and`/`or`/`not`, arithmetic and `&`, over the `tcpi_*` fields of a
//! `tcp_info` view; `x = expr` and `x += expr` between blocks; `print(...)`
//! ignored. Anything else is reported as unsupported, and the runner skips
//! the script.

use std::collections::BTreeMap;

use sim_tcp::info::{INFINITE_SSTHRESH, TcpInfo};

/// Why a block did not pass.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockError {
    /// An assertion was false: the statement and the values it read.
    Failed(String),
    /// The block needs more than this evaluator has.
    Unsupported(String),
}

/// Variables kept from one block to the next, as Python keeps them.
#[derive(Default, Debug)]
pub struct Env {
    vars: BTreeMap<String, i64>,
}

/// The value of `tcpi_<name>` in `info`, if the model has that field.
pub fn tcpi_field(info: &TcpInfo, name: &str) -> Option<i64> {
    Some(match name {
        "state" => i64::from(info.state),
        "ca_state" => info.ca_state as i64,
        "retransmits" => i64::from(info.retransmits),
        "rto" => info.rto_us as i64,
        "snd_mss" => i64::from(info.snd_mss),
        "rcv_mss" => i64::from(info.rcv_mss),
        "unacked" => i64::from(info.unacked),
        "sacked" => i64::from(info.sacked),
        "lost" => i64::from(info.lost),
        "rtt" => info.rtt_us as i64,
        "rttvar" => info.rttvar_us as i64,
        "snd_ssthresh" => i64::from(info.snd_ssthresh),
        "snd_cwnd" => i64::from(info.snd_cwnd),
        "total_retrans" => info.total_retrans as i64,
        "options" => i64::from(info.options),
        "snd_wscale" => i64::from(info.snd_wscale),
        "rcv_wscale" => i64::from(info.rcv_wscale),
        "bytes_acked" => info.bytes_acked as i64,
        "bytes_received" => info.bytes_received as i64,
        "segs_out" => info.segs_out as i64,
        "segs_in" => info.segs_in as i64,
        "snd_wnd" => i64::from(info.snd_wnd),
        "retrans" => i64::from(info.retrans),
        "reordering" => i64::from(info.reordering),
        "reord_seen" => i64::from(info.reord_seen),
        "advmss" => i64::from(info.advmss),
        "last_data_recv" => i64::from(info.last_data_recv_ms),
        "busy_time" => info.busy_time_us as i64,
        "rwnd_limited" => info.rwnd_limited_us as i64,
        _ => return None,
    })
}

fn constant(name: &str) -> Option<i64> {
    Some(match name {
        "TCP_CA_Open" => 0,
        "TCP_CA_Disorder" => 1,
        "TCP_CA_CWR" => 2,
        "TCP_CA_Recovery" => 3,
        "TCP_CA_Loss" => 4,
        "TCP_INFINITE_SSTHRESH" => i64::from(INFINITE_SSTHRESH),
        "TCPI_OPT_TIMESTAMPS" => 1,
        "TCPI_OPT_SACK" => 2,
        "TCPI_OPT_WSCALE" => 4,
        "TCPI_OPT_ECN" => 8,
        "TCPI_OPT_SYN_DATA" => i64::from(sim_tcp::fastopen::TCPI_OPT_SYN_DATA),
        "True" => 1,
        "False" => 0,
        "TCP_ESTABLISHED" => 1,
        "TCP_SYN_SENT" => 2,
        "TCP_SYN_RECV" => 3,
        "TCP_FIN_WAIT1" => 4,
        "TCP_FIN_WAIT2" => 5,
        "TCP_TIME_WAIT" => 6,
        "TCP_CLOSE" => 7,
        "TCP_CLOSE_WAIT" => 8,
        "TCP_LAST_ACK" => 9,
        "TCP_LISTEN" => 10,
        "TCP_CLOSING" => 11,
        _ => return None,
    })
}

impl Env {
    /// Runs a block against a `tcp_info` snapshot (`None`: no socket to
    /// read it from).
    pub fn run(&mut self, code: &str, info: Option<&TcpInfo>) -> Result<(), BlockError> {
        // A backslash at a line's end joins it to the next (Python's
        // explicit line joining).
        let code = code.replace("\\\n", " ");
        for stmt in code.split(['\n', ';']) {
            let stmt = stmt.trim();
            if stmt.is_empty() || stmt.starts_with('#') || stmt.starts_with("print(") {
                continue;
            }
            if let Some(rest) = stmt.strip_prefix("assert ") {
                // The message after a top-level comma is not evaluated.
                let cond = split_top_comma(rest);
                let v = self.eval(cond, info)?;
                if v == 0 {
                    return Err(BlockError::Failed(format!(
                        "assert {cond} is false ({})",
                        self.values(cond, info)
                    )));
                }
                continue;
            }
            if let Some((name, rhs)) = stmt.split_once("+=") {
                let name = name.trim();
                let old = *self.vars.get(name).ok_or_else(|| {
                    BlockError::Unsupported(format!("`{name}` used before it is set"))
                })?;
                let v = self.eval(rhs, info)?;
                self.vars.insert(name.to_string(), old + v);
                continue;
            }
            if let Some((name, rhs)) = stmt.split_once('=')
                && is_ident(name.trim())
                && !rhs.starts_with('=')
            {
                let v = self.eval(rhs, info)?;
                self.vars.insert(name.trim().to_string(), v);
                continue;
            }
            return Err(BlockError::Unsupported(format!(
                "Python statement `{stmt}`"
            )));
        }
        Ok(())
    }

    /// `name=value` for each identifier in `expr`, for failure messages.
    fn values(&self, expr: &str, info: Option<&TcpInfo>) -> String {
        let mut seen = Vec::new();
        for tok in tokens(expr).unwrap_or_default() {
            if let T::Ident(n) = tok
                && !seen.contains(&n)
                && constant(&n).is_none()
            {
                seen.push(n);
            }
        }
        seen.iter()
            .map(|n| match self.lookup(n, info) {
                Ok(v) => format!("{n}={v}"),
                Err(_) => format!("{n}=?"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn lookup(&self, name: &str, info: Option<&TcpInfo>) -> Result<i64, BlockError> {
        if let Some(v) = self.vars.get(name) {
            return Ok(*v);
        }
        if let Some(v) = constant(name) {
            return Ok(v);
        }
        if let Some(field) = name.strip_prefix("tcpi_") {
            let info = info.ok_or_else(|| {
                BlockError::Unsupported("tcp_info read with no connection".to_string())
            })?;
            return tcpi_field(info, field)
                .ok_or_else(|| BlockError::Unsupported(format!("{name} not modelled")));
        }
        Err(BlockError::Unsupported(format!("unknown name `{name}`")))
    }

    /// Evaluates a Python expression of the supported form.
    pub fn eval(&self, expr: &str, info: Option<&TcpInfo>) -> Result<i64, BlockError> {
        let toks = tokens(expr)?;
        let mut p = ExprParser {
            toks,
            pos: 0,
            env: self,
            info,
        };
        let v = p.or()?;
        if p.pos != p.toks.len() {
            return Err(BlockError::Unsupported(format!("expression `{expr}`")));
        }
        Ok(v)
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// The text before the first comma outside brackets and quotes.
fn split_top_comma(s: &str) -> &str {
    let mut depth = 0;
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => return s[..i].trim(),
            _ => {}
        }
    }
    s.trim()
}

#[derive(Clone, Debug, PartialEq)]
enum T {
    Num(i64),
    Ident(String),
    Op(String),
}

fn tokens(s: &str) -> Result<Vec<T>, BlockError> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let len = s[i..]
                .bytes()
                .take_while(|d| d.is_ascii_alphanumeric())
                .count();
            let text = &s[i..i + len];
            let v = if let Some(h) = text.strip_prefix("0x") {
                i64::from_str_radix(h, 16).ok()
            } else {
                text.parse().ok()
            };
            let v = v.ok_or_else(|| BlockError::Unsupported(format!("number `{text}`")))?;
            if b.get(i + len) == Some(&b'.') {
                return Err(BlockError::Unsupported("floating point".to_string()));
            }
            out.push(T::Num(v));
            i += len;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let len = s[i..]
                .bytes()
                .take_while(|d| d.is_ascii_alphanumeric() || *d == b'_')
                .count();
            out.push(T::Ident(s[i..i + len].to_string()));
            i += len;
        } else {
            let two = s.get(i..i + 2).unwrap_or("");
            let op = if ["==", "!=", "<=", ">=", "//", "<<", ">>"].contains(&two) {
                two
            } else if "+-*/%<>()&|".contains(c as char) {
                &s[i..i + 1]
            } else {
                return Err(BlockError::Unsupported(format!(
                    "`{}` in an expression",
                    c as char
                )));
            };
            out.push(T::Op(op.to_string()));
            i += op.len();
        }
    }
    Ok(out)
}

struct ExprParser<'a> {
    toks: Vec<T>,
    pos: usize,
    env: &'a Env,
    info: Option<&'a TcpInfo>,
}

impl ExprParser<'_> {
    fn peek_op(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(T::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(T::Ident(x)) if x == w)
    }

    fn or(&mut self) -> Result<i64, BlockError> {
        let mut v = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            let r = self.and()?;
            v = i64::from(v != 0 || r != 0);
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<i64, BlockError> {
        let mut v = self.not()?;
        while self.peek_word("and") {
            self.pos += 1;
            let r = self.not()?;
            v = i64::from(v != 0 && r != 0);
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<i64, BlockError> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(i64::from(self.not()? == 0));
        }
        self.comparison()
    }

    /// Python chains comparisons: `a <= b <= c` is `a <= b and b <= c`.
    fn comparison(&mut self) -> Result<i64, BlockError> {
        let mut left = self.bitor()?;
        let mut result = true;
        let mut any = false;
        while let Some(op) = self.peek_op() {
            let op = op.to_string();
            if !["==", "!=", "<", "<=", ">", ">="].contains(&op.as_str()) {
                break;
            }
            self.pos += 1;
            let right = self.bitor()?;
            let ok = match op.as_str() {
                "==" => left == right,
                "!=" => left != right,
                "<" => left < right,
                "<=" => left <= right,
                ">" => left > right,
                _ => left >= right,
            };
            result &= ok;
            any = true;
            left = right;
        }
        Ok(if any { i64::from(result) } else { left })
    }

    fn bitor(&mut self) -> Result<i64, BlockError> {
        let mut v = self.bitand()?;
        while self.peek_op() == Some("|") {
            self.pos += 1;
            v |= self.bitand()?;
        }
        Ok(v)
    }

    fn bitand(&mut self) -> Result<i64, BlockError> {
        let mut v = self.sum()?;
        while self.peek_op() == Some("&") {
            self.pos += 1;
            v &= self.sum()?;
        }
        Ok(v)
    }

    fn sum(&mut self) -> Result<i64, BlockError> {
        let mut v = self.product()?;
        loop {
            match self.peek_op() {
                Some("+") => {
                    self.pos += 1;
                    v += self.product()?;
                }
                Some("-") => {
                    self.pos += 1;
                    v -= self.product()?;
                }
                _ => return Ok(v),
            }
        }
    }

    fn product(&mut self) -> Result<i64, BlockError> {
        let mut v = self.unary()?;
        loop {
            match self.peek_op() {
                Some("*") => {
                    self.pos += 1;
                    v *= self.unary()?;
                }
                Some("//") | Some("%") => {
                    let op = self.peek_op().unwrap_or_default().to_string();
                    self.pos += 1;
                    let r = self.unary()?;
                    if r == 0 {
                        return Err(BlockError::Failed("division by zero".to_string()));
                    }
                    v = if op == "%" {
                        v.rem_euclid(r)
                    } else {
                        v.div_euclid(r)
                    };
                }
                Some("/") => {
                    return Err(BlockError::Unsupported(
                        "true division (floating point)".to_string(),
                    ));
                }
                _ => return Ok(v),
            }
        }
    }

    fn unary(&mut self) -> Result<i64, BlockError> {
        if self.peek_op() == Some("-") {
            self.pos += 1;
            return Ok(-self.unary()?);
        }
        match self.toks.get(self.pos).cloned() {
            Some(T::Num(v)) => {
                self.pos += 1;
                Ok(v)
            }
            Some(T::Ident(n)) => {
                self.pos += 1;
                if self.peek_op() == Some("(") {
                    return Err(BlockError::Unsupported(format!("function call `{n}(...)`")));
                }
                self.env.lookup(&n, self.info)
            }
            Some(T::Op(o)) if o == "(" => {
                self.pos += 1;
                let v = self.or()?;
                if self.peek_op() != Some(")") {
                    return Err(BlockError::Unsupported("unbalanced `(`".to_string()));
                }
                self.pos += 1;
                Ok(v)
            }
            other => Err(BlockError::Unsupported(format!(
                "expression near {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_tcp::info::CaState;

    fn info() -> TcpInfo {
        TcpInfo {
            state: 1,
            ca_state: CaState::Recovery,
            retransmits: 0,
            rto_us: 204_000,
            snd_mss: 1448,
            rcv_mss: 536,
            unacked: 4,
            sacked: 1,
            lost: 2,
            rtt_us: 10_000,
            rttvar_us: 5_000,
            snd_ssthresh: 7,
            snd_cwnd: 10,
            total_retrans: 1,
            options: 7,
            snd_wscale: 7,
            rcv_wscale: 8,
            bytes_acked: 0,
            bytes_received: 0,
            segs_out: 0,
            segs_in: 0,
            snd_wnd: 0,
            retrans: 1,
            reordering: 3,
            reord_seen: 0,
            advmss: 1460,
            last_data_recv_ms: 0,
            busy_time_us: 0,
            rwnd_limited_us: 0,
        }
    }

    #[test]
    fn comparisons_chains_and_messages() {
        let mut env = Env::default();
        let i = info();
        env.run("assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd", Some(&i))
            .unwrap();
        env.run(
            "assert 5000 <= tcpi_rtt <= 20000, 'srtt=%d us' % tcpi_rtt",
            Some(&i),
        )
        .unwrap();
        env.run(
            "assert tcpi_ca_state == TCP_CA_Recovery and tcpi_lost + tcpi_sacked == 3",
            Some(&i),
        )
        .unwrap();
        env.run("assert (tcpi_options & TCPI_OPT_SACK) != 0", Some(&i))
            .unwrap();
        let e = env
            .run("assert tcpi_snd_ssthresh == 8", Some(&i))
            .unwrap_err();
        assert_eq!(
            e,
            BlockError::Failed(
                "assert tcpi_snd_ssthresh == 8 is false (tcpi_snd_ssthresh=7)".into()
            )
        );
    }

    #[test]
    fn variables_carry_over_and_unknowns_are_unsupported() {
        let mut env = Env::default();
        let i = info();
        env.run(
            "assert tcpi_snd_cwnd == 10;\\\n  assert tcpi_lost == 2;\\\n",
            Some(&i),
        )
        .unwrap();
        env.run("cwnd = tcpi_snd_cwnd", Some(&i)).unwrap();
        env.run(
            "print(tcpi_snd_cwnd); cwnd += 1; assert cwnd == 11",
            Some(&i),
        )
        .unwrap();
        assert!(matches!(
            env.run("assert tcpi_delivered == 1", Some(&i)),
            Err(BlockError::Unsupported(_))
        ));
        assert!(matches!(
            env.run("import os", Some(&i)),
            Err(BlockError::Unsupported(_))
        ));
    }
}
