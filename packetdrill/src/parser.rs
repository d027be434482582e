//! The packetdrill language as a syntax tree (its `parser.y` is the
//! reference): script options, then events, each a time and an action —
//! a TCP packet in (`<`) or out (`>`), a system call, a `%{ }%` code block
//! or a backtick shell command.

use crate::ScriptError;
use crate::lexer::{Tok, Token, lex};

/// A parsed script.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// `--name=value` lines.
    pub options: Vec<(String, Option<String>)>,
    /// The events in script order.
    pub events: Vec<Event>,
}

/// When an event happens, in microseconds, as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Time {
    /// `0.100`: since the script's start.
    Absolute(i64),
    /// `+0.100`: since the previous event.
    Relative(i64),
    /// `*`: whenever (outbound packets only).
    Any,
    /// `0.1~0.2`.
    AbsoluteRange(i64, i64),
    /// `+0.1~+0.2`.
    RelativeRange(i64, i64),
}

/// One line of the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Its line.
    pub line: usize,
    /// Its time.
    pub time: Time,
    /// What happens.
    pub action: Action,
}

/// What an event does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A TCP packet.
    Packet(Packet),
    /// A system call.
    Syscall(Syscall),
    /// A `%{ }%` block (Python in packetdrill).
    Code(String),
    /// A backtick shell command.
    Shell(String),
    /// A packet of a protocol the model lacks (`udp`, `icmp`): the runner
    /// skips the script.
    Unsupported(String),
}

/// Direction as the kernel under test sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// `<`: from the script to the kernel.
    Inbound,
    /// `>`: from the kernel, to be matched.
    Outbound,
}

/// The ECN field written in brackets (`[ect0]`, `[ce]`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpEcn {
    /// `[noecn]`.
    NotEct,
    /// `[ect0]`.
    Ect0,
    /// `[ect1]`.
    Ect1,
    /// `[ce]`.
    Ce,
    /// `[ect01]`: either ECT codepoint (outbound only).
    Ect01,
}

/// A TCP packet line.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    /// `<` or `>`.
    pub dir: Dir,
    /// Flag letters: `S`, `.` (ACK), `P`, `F`, `R`, `E`, `W`, `U`.
    pub flags: String,
    /// Sequence number of the first byte, relative to the sender's ISN.
    pub seq: u32,
    /// Payload length.
    pub len: u32,
    /// `ack N`, relative to the other side's ISN.
    pub ack: Option<u32>,
    /// `win N`, the raw window field.
    pub win: Option<u32>,
    /// Options in order; `None` for `<...>` (not checked).
    pub options: Option<Vec<TcpOpt>>,
    /// The ECN codepoint written, if any.
    pub ecn: Option<IpEcn>,
}

impl Packet {
    /// True if the flag letter is written.
    pub fn has(&self, flag: char) -> bool {
        self.flags.contains(flag)
    }
}

/// A TCP option as written.
#[derive(Clone, Debug, PartialEq)]
pub enum TcpOpt {
    /// `nop`.
    Nop,
    /// `eol`.
    Eol,
    /// `mss N`.
    Mss(u16),
    /// `wscale N`.
    Wscale(u8),
    /// `sackOK`.
    SackOk,
    /// `sack a:b c:d`: blocks relative to the ISN of the data they cover.
    Sack(Vec<(u32, u32)>),
    /// `TS val V ecr E`.
    Ts {
        /// TSval.
        val: u32,
        /// TSecr.
        ecr: u32,
    },
    /// `FO [cookie]` (kind 34) or `FOEXP [cookie]` (kind 254, magic
    /// 0xF989): TCP Fast Open, RFC 7413.
    FastOpen {
        /// The experimental encoding.
        exp: bool,
        /// Cookie bytes; empty for a cookie request.
        cookie: Vec<u8>,
    },
    /// An option the model does not have (`FO`, `md5`, `mpcapable`...).
    Other(String),
}

/// A system call line.
#[derive(Clone, Debug, PartialEq)]
pub struct Syscall {
    /// `socket`, `accept`, ...
    pub name: String,
    /// Arguments.
    pub args: Vec<Expr>,
    /// Expected result.
    pub ret: Expr,
    /// Expected errno name, after the result.
    pub errno: Option<String>,
    /// `...T`: a blocking call expected to return at this time
    /// (microseconds, absolute or relative like the start time).
    pub end: Option<i64>,
}

/// A system call argument or result.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `...`: anything.
    Ellipsis,
    /// An integer.
    Int(i64),
    /// A symbol (`SOCK_STREAM`, `POLLIN`).
    Word(String),
    /// A string.
    Str(String),
    /// `[a, b]`: a pointer to values.
    List(Vec<Expr>),
    /// `{a=b, ...}` or `{a, b}`.
    Struct(Vec<Expr>),
    /// `a|b`.
    Or(Vec<Expr>),
    /// `name=value` inside a struct.
    Field(String, Box<Expr>),
    /// `-1`.
    Neg(Box<Expr>),
    /// `name(args)`, e.g. `htonl(1)` or `msg_name(...)`.
    Call(String, Vec<Expr>),
}

impl Expr {
    /// The symbols or integer this names, if it is a plain value.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Expr::Int(v) => Some(*v),
            Expr::Neg(e) => e.as_int().map(|v| -v),
            _ => None,
        }
    }
}

/// Parses a script.
pub fn parse(src: &str) -> Result<Script, ScriptError> {
    let toks = lex(src)?;
    let mut p = Parser { toks, pos: 0 };
    let mut options = Vec::new();
    let mut events = Vec::new();
    while let Some(t) = p.peek() {
        if let Tok::Opt(name, value) = &t.kind {
            options.push((name.clone(), value.clone()));
            p.pos += 1;
            continue;
        }
        events.push(p.event()?);
    }
    Ok(Script { options, events })
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.kind)
    }

    fn line(&self) -> usize {
        self.peek()
            .or_else(|| self.toks.last())
            .map_or(0, |t| t.line)
    }

    fn err(&self, what: impl Into<String>) -> ScriptError {
        let found = match self.peek_kind() {
            Some(t) => format!(" (found {})", describe(t)),
            None => " (found end of script)".to_string(),
        };
        ScriptError::new(self.line(), format!("{}{found}", what.into()))
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.kind.clone());
        self.pos += 1;
        t
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek_kind(), Some(Tok::Punct(q)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> Result<(), ScriptError> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(self.err(format!("expected `{p}`")))
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek_kind(), Some(Tok::Word(x)) if x == w)
    }

    fn int(&mut self) -> Result<i64, ScriptError> {
        match self.peek_kind() {
            Some(Tok::Int(v)) => {
                let v = *v;
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.err("expected an integer")),
        }
    }

    fn u32(&mut self) -> Result<u32, ScriptError> {
        let line = self.line();
        let v = self.int()?;
        u32::try_from(v).map_err(|_| ScriptError::new(line, format!("{v} is out of range")))
    }

    /// A time in microseconds: `1`, `.1`, `0.200`.
    fn time(&mut self) -> Result<i64, ScriptError> {
        match self.peek_kind() {
            Some(Tok::Int(v)) => {
                let v = *v;
                self.pos += 1;
                Ok(v * 1_000_000)
            }
            Some(Tok::Float(f)) => {
                let f = *f;
                self.pos += 1;
                Ok((f * 1e6).round() as i64)
            }
            _ => Err(self.err("expected a time")),
        }
    }

    fn event(&mut self) -> Result<Event, ScriptError> {
        let line = self.line();
        let time = if matches!(self.peek_kind(), Some(Tok::Shell(_) | Tok::Code(_))) {
            // A command before the first event has no time.
            Time::Relative(0)
        } else if self.eat("*") {
            Time::Any
        } else if self.eat("+") {
            let a = self.time()?;
            if self.eat("~") {
                self.expect("+")?;
                Time::RelativeRange(a, self.time()?)
            } else {
                Time::Relative(a)
            }
        } else {
            let a = self.time()?;
            if self.eat("~") {
                Time::AbsoluteRange(a, self.time()?)
            } else {
                Time::Absolute(a)
            }
        };
        let action = match self.peek_kind() {
            Some(Tok::Punct("<")) => Action::Packet(self.packet(Dir::Inbound)?),
            Some(Tok::Punct(">")) => Action::Packet(self.packet(Dir::Outbound)?),
            Some(Tok::Code(c)) => {
                let c = c.clone();
                self.pos += 1;
                Action::Code(c)
            }
            Some(Tok::Shell(c)) => {
                let c = c.clone();
                self.pos += 1;
                Action::Shell(c)
            }
            Some(Tok::Ellipsis | Tok::Word(_)) => Action::Syscall(self.syscall()?),
            _ => return Err(self.err("expected a packet, system call, code or command")),
        };
        Ok(Event { line, time, action })
    }

    fn packet(&mut self, dir: Dir) -> Result<Packet, ScriptError> {
        self.pos += 1; // `<` or `>`
        let mut ecn = None;
        if self.eat("[") {
            let w = match self.next() {
                Some(Tok::Word(w)) => w,
                _ => return Err(self.err("expected an ECN codepoint in `[...]`")),
            };
            ecn = Some(match w.as_str() {
                "noecn" => IpEcn::NotEct,
                "ect0" => IpEcn::Ect0,
                "ect1" => IpEcn::Ect1,
                "ce" => IpEcn::Ce,
                "ect01" => IpEcn::Ect01,
                other => {
                    return Err(ScriptError::new(
                        self.line(),
                        format!("unknown ECN codepoint `{other}`"),
                    ));
                }
            });
            self.expect("]")?;
        }
        if let Some(Tok::Word(w)) = self.peek_kind()
            && matches!(w.as_str(), "udp" | "icmp" | "gre" | "mpls" | "psp")
        {
            let w = w.clone();
            self.skip_line();
            return Ok(Packet::unsupported(dir, w));
        }
        // Flags: letters and `.`, up to the sequence number.
        let mut flags = String::new();
        loop {
            match self.peek_kind() {
                Some(Tok::Word(w)) if w.chars().all(|c| "SPFRUEWA".contains(c)) => {
                    flags.push_str(w);
                    self.pos += 1;
                }
                Some(Tok::Punct(".")) => {
                    flags.push('.');
                    self.pos += 1;
                }
                // AccECN's ACE counter written after the flags (`.5`,
                // `P.5`, `P5`, `S.6`): the model has no AccECN.
                Some(Tok::Float(_)) => {
                    self.skip_line();
                    return Ok(Packet::unsupported(dir, "AccECN (ACE field)".to_string()));
                }
                Some(Tok::Word(w))
                    if w.len() > 1
                        && w.ends_with(|c: char| c.is_ascii_digit())
                        && w[..w.len() - 1].chars().all(|c| "SPFRUEWA.".contains(c)) =>
                {
                    self.skip_line();
                    return Ok(Packet::unsupported(dir, "AccECN (ACE field)".to_string()));
                }
                Some(Tok::Punct("-")) if flags.is_empty() => {
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if flags.is_empty() && !matches!(self.peek_kind(), Some(Tok::Int(_))) {
            return Err(self.err("expected TCP flags"));
        }
        let seq = self.u32()?;
        self.expect(":")?;
        let end = self.u32()?;
        self.expect("(")?;
        let len = self.u32()?;
        self.expect(")")?;
        if end.wrapping_sub(seq) != len {
            return Err(ScriptError::new(
                self.line(),
                format!("sequence range {seq}:{end} does not hold ({len}) bytes"),
            ));
        }
        let mut ack = None;
        let mut win = None;
        if self.is_word("ack") {
            self.pos += 1;
            ack = Some(self.u32()?);
        }
        if self.is_word("win") {
            self.pos += 1;
            win = Some(self.u32()?);
        }
        let mut urgent = false;
        if self.is_word("urg") {
            self.pos += 1;
            self.int()?;
            urgent = true;
        }
        let mut options = Some(Vec::new());
        if self.eat("<") {
            if matches!(self.peek_kind(), Some(Tok::Ellipsis)) {
                self.pos += 1;
                options = None;
            } else {
                let mut list = Vec::new();
                loop {
                    list.push(self.tcp_option()?);
                    if !self.eat(",") {
                        break;
                    }
                }
                options = Some(list);
            }
            self.expect(">")?;
        }
        if urgent {
            flags.push('U');
        }
        Ok(Packet {
            dir,
            flags,
            seq,
            len,
            ack,
            win,
            options,
            ecn,
        })
    }

    /// Skips the rest of a line we do not model (a UDP packet...).
    fn skip_line(&mut self) {
        let line = self.line();
        while self.peek().is_some_and(|t| t.line == line) {
            self.pos += 1;
        }
    }

    fn tcp_option(&mut self) -> Result<TcpOpt, ScriptError> {
        let w = match self.next() {
            Some(Tok::Word(w)) => w,
            _ => {
                self.pos -= 1;
                return Err(self.err("expected a TCP option"));
            }
        };
        Ok(match w.as_str() {
            "nop" => TcpOpt::Nop,
            "eol" => TcpOpt::Eol,
            "mss" => TcpOpt::Mss(self.int()? as u16),
            "wscale" => TcpOpt::Wscale(self.int()? as u8),
            "sackOK" => TcpOpt::SackOk,
            "sack" => {
                let mut blocks = Vec::new();
                while matches!(self.peek_kind(), Some(Tok::Int(_))) {
                    let l = self.u32()?;
                    self.expect(":")?;
                    blocks.push((l, self.u32()?));
                }
                TcpOpt::Sack(blocks)
            }
            "FO" | "FOEXP" => {
                let exp = w == "FOEXP";
                let mut cookie = Vec::new();
                if let Some(Tok::Word(hex)) = self.peek_kind().cloned() {
                    self.pos += 1;
                    // packetdrill's run_all.py and the kernel's
                    // ksft_runner.sh define TFO_COOKIE as the cookie Linux
                    // makes for its default key and the IPv4 addresses,
                    // and the kernel's runner TFO_COOKIE_ZERO for the
                    // all-zero key.
                    let hex = match hex.as_str() {
                        "TFO_COOKIE" => "3021b9d889017eeb".to_string(),
                        "TFO_COOKIE_ZERO" => "b7c12350a90dc8f5".to_string(),
                        _ => hex,
                    };
                    if hex.len() % 2 == 1 {
                        return Err(self.err("TCP fast open cookie has an odd number of digits"));
                    }
                    for i in (0..hex.len()).step_by(2) {
                        let b = u8::from_str_radix(&hex[i..i + 2], 16)
                            .map_err(|_| self.err(format!("bad Fast Open cookie `{hex}`")))?;
                        cookie.push(b);
                    }
                    if cookie.len() > if exp { 36 } else { 38 } {
                        return Err(self.err("TCP fast open cookie too long"));
                    }
                }
                TcpOpt::FastOpen { exp, cookie }
            }
            "TS" => {
                if !self.is_word("val") {
                    return Err(self.err("expected `val` after `TS`"));
                }
                self.pos += 1;
                let val = self.int()? as u32;
                if !self.is_word("ecr") {
                    return Err(self.err("expected `ecr`"));
                }
                self.pos += 1;
                let ecr = self.int()? as u32;
                TcpOpt::Ts { val, ecr }
            }
            other => {
                // Skip the option's arguments up to the next `,` or `>`.
                while !self.is_punct(",") && !self.is_punct(">") && self.peek().is_some() {
                    self.pos += 1;
                }
                TcpOpt::Other(other.to_string())
            }
        })
    }

    fn syscall(&mut self) -> Result<Syscall, ScriptError> {
        let mut end = None;
        if matches!(self.peek_kind(), Some(Tok::Ellipsis)) {
            self.pos += 1;
            end = Some(self.time()?);
        }
        let name = match self.next() {
            Some(Tok::Word(w)) => w,
            _ => {
                self.pos -= 1;
                return Err(self.err("expected a system call name"));
            }
        };
        self.expect("(")?;
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                args.push(self.expr()?);
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        self.expect("=")?;
        let ret = self.expr()?;
        let mut errno = None;
        if let Some(Tok::Word(w)) = self.peek_kind()
            && w.starts_with('E')
            && w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            errno = Some(w.clone());
            self.pos += 1;
        }
        // An optional note in parentheses: `(Resource temporarily unavailable)`.
        if self.is_punct("(") {
            let mut depth = 0;
            while let Some(t) = self.next() {
                match t {
                    Tok::Punct("(") => depth += 1,
                    Tok::Punct(")") => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(Syscall {
            name,
            args,
            ret,
            errno,
            end,
        })
    }

    fn expr(&mut self) -> Result<Expr, ScriptError> {
        let first = self.atom()?;
        if self.is_punct("|") {
            let mut parts = vec![first];
            while self.eat("|") {
                parts.push(self.atom()?);
            }
            return Ok(Expr::Or(parts));
        }
        Ok(first)
    }

    fn atom(&mut self) -> Result<Expr, ScriptError> {
        match self.next() {
            Some(Tok::Ellipsis) => Ok(Expr::Ellipsis),
            Some(Tok::Int(v)) => Ok(Expr::Int(v)),
            Some(Tok::Float(f)) => Ok(Expr::Int(f as i64)),
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::Punct("-")) => Ok(Expr::Neg(Box::new(self.atom()?))),
            Some(Tok::Punct("[")) => Ok(Expr::List(self.seq_until("]")?)),
            Some(Tok::Punct("{")) => Ok(Expr::Struct(self.seq_until("}")?)),
            Some(Tok::Word(w)) => {
                if self.eat("(") {
                    let args = self.seq_until(")")?;
                    if self.eat("=") {
                        let v = self.expr()?;
                        return Ok(Expr::Field(w, Box::new(v)));
                    }
                    return Ok(Expr::Call(w, args));
                }
                if self.eat("=") {
                    let v = self.expr()?;
                    return Ok(Expr::Field(w, Box::new(v)));
                }
                Ok(Expr::Word(w))
            }
            Some(Tok::Punct(".")) if matches!(self.peek_kind(), Some(Tok::Word(_))) => {
                // `.field = value` designated initialisers.
                self.atom()
            }
            _ => {
                self.pos -= 1;
                Err(self.err("expected an expression"))
            }
        }
    }

    fn seq_until(&mut self, close: &str) -> Result<Vec<Expr>, ScriptError> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.eat(close) {
                return Ok(items);
            }
            self.expect(",")?;
        }
    }
}

impl Packet {
    fn unsupported(dir: Dir, what: String) -> Packet {
        Packet {
            dir,
            flags: format!("<{what}>"),
            seq: 0,
            len: 0,
            ack: None,
            win: None,
            options: None,
            ecn: None,
        }
    }

    /// A non-TCP packet kept only to skip the script (`udp`, `icmp`).
    pub fn unsupported_protocol(&self) -> Option<&str> {
        self.flags
            .strip_prefix('<')
            .and_then(|f| f.strip_suffix('>'))
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Int(v) => format!("`{v}`"),
        Tok::Float(v) => format!("`{v}`"),
        Tok::Word(w) => format!("`{w}`"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Ellipsis => "`...`".into(),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::Code(_) => "a %{ }% block".into(),
        Tok::Shell(_) => "a shell command".into(),
        Tok::Opt(n, _) => format!("option --{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_with_options() {
        let s =
            parse("0 < S 0:0(0) win 32792 <mss 1000,sackOK,TS val 7 ecr 0,nop,wscale 7>").unwrap();
        let Action::Packet(p) = &s.events[0].action else {
            panic!("not a packet")
        };
        assert_eq!(p.dir, Dir::Inbound);
        assert_eq!(p.flags, "S");
        assert_eq!(p.win, Some(32792));
        assert_eq!(
            p.options.as_deref().unwrap(),
            &[
                TcpOpt::Mss(1000),
                TcpOpt::SackOk,
                TcpOpt::Ts { val: 7, ecr: 0 },
                TcpOpt::Nop,
                TcpOpt::Wscale(7)
            ]
        );
    }

    #[test]
    fn fast_open_cookies_keep_their_leading_zeros() {
        let s = parse("0 < S 0:0(0) win 1 <FO 00ab01,nop,FOEXP,FO,FO TFO_COOKIE>").unwrap();
        let Action::Packet(p) = &s.events[0].action else {
            panic!("not a packet")
        };
        let fo = |exp, cookie: &[u8]| TcpOpt::FastOpen {
            exp,
            cookie: cookie.to_vec(),
        };
        assert_eq!(
            p.options.as_deref().unwrap(),
            &[
                fo(false, &[0x00, 0xab, 0x01]),
                TcpOpt::Nop,
                fo(true, &[]),
                fo(false, &[]),
                fo(false, &[0x30, 0x21, 0xb9, 0xd8, 0x89, 0x01, 0x7e, 0xeb]),
            ]
        );
        assert!(parse("0 < S 0:0(0) win 1 <FO abc>").is_err(), "odd digits");
    }

    #[test]
    fn syscall_with_errno_and_end_time() {
        let s = parse("+0...0.2 read(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)")
            .unwrap();
        assert_eq!(s.events[0].time, Time::Relative(0));
        let Action::Syscall(c) = &s.events[0].action else {
            panic!("not a syscall")
        };
        assert_eq!(c.end, Some(200_000));
        assert_eq!(c.ret.as_int(), Some(-1));
        assert_eq!(c.errno.as_deref(), Some("EAGAIN"));
    }

    #[test]
    fn ranges_and_any_time() {
        let s = parse("0.1~0.2 > . 1:1(0) ack 1\n+.1~+.3 > . 1:1(0) ack 1\n* > F. 1:1(0) ack 1")
            .unwrap();
        assert_eq!(s.events[0].time, Time::AbsoluteRange(100_000, 200_000));
        assert_eq!(s.events[1].time, Time::RelativeRange(100_000, 300_000));
        assert_eq!(s.events[2].time, Time::Any);
    }

    #[test]
    fn a_bad_range_names_its_line() {
        let e = parse("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < . 1:5(3) ack 1 win 10")
            .unwrap_err();
        assert_eq!(e.line, 2);
    }
}
