//! ECN on the wire (RFC 3168 §6.1, and DCTCP's receiver, RFC 8257 §3.2):
//! the set-up in the SYNs, which segments carry ECT, the echo of a CE mark
//! until CWR, one window reduction per window, and DCTCP's cut in
//! proportion to the marks.

mod support;

use sim_core::Ecn;
use sim_tcp::conn::Event;
use sim_tcp::{CongestionKind, EcnMode, Flags, Profile, TcpConfig};
use support::{Line, Pair, Side};

fn linux(ecn: EcnMode, congestion: CongestionKind) -> TcpConfig {
    TcpConfig {
        ecn,
        congestion,
        rcv_buf: 1 << 20,
        ..TcpConfig::profile(Profile::Linux)
    }
}

/// A connects with `a` to B listening with `b` over 20 ms each way, sends
/// `bytes` once established, and the pair runs `ms` more.
fn transfer(a: TcpConfig, b: TcpConfig, bytes: u64, setup: impl FnOnce(&mut Pair)) -> Pair {
    let mut p = Pair::connect_with(a, b, 20);
    setup(&mut p);
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).send(now, bytes);
    p.flush();
    p.run_ms(5_000);
    p
}

/// Marks A's data segments (the nth sent, from 1, retransmissions
/// included) for which `which(n)` holds.
fn mark_data(which: impl Fn(usize) -> bool + 'static) -> support::DropRule {
    let mut nth = 0;
    Box::new(move |side, _, seg| {
        if side != Side::A || seg.data.len == 0 {
            return false;
        }
        nth += 1;
        which(nth)
    })
}

fn from(p: &Pair, side: Side) -> impl Iterator<Item = &Line> {
    p.ladder.iter().filter(move |l| l.from == side)
}

/// A's data segments, in the order sent.
fn data(p: &Pair) -> Vec<&Line> {
    from(p, Side::A).filter(|l| l.seg.data.len > 0).collect()
}

/// A's window changes: (cwnd, ssthresh).
fn cwnds(p: &Pair) -> Vec<(u32, u32)> {
    p.events_a
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Cwnd { cwnd, ssthresh } => Some((*cwnd, *ssthresh)),
            _ => None,
        })
        .collect()
}

/// Each time A's ssthresh was set: (cwnd before, the new ssthresh).
fn reductions(p: &Pair) -> Vec<(u32, u32)> {
    let c = cwnds(p);
    c.windows(2)
        .filter(|w| w[1].1 != w[0].1)
        .map(|w| (w[0].0, w[1].1))
        .collect()
}

#[test]
fn ecn_is_used_only_when_asked_and_agreed() {
    let on = linux(EcnMode::On, CongestionKind::NewReno);
    let accept = linux(EcnMode::Accept, CongestionKind::NewReno);
    let off = linux(EcnMode::Off, CongestionKind::NewReno);
    let ece_cwr = Flags::ECE | Flags::CWR;

    // Asked and agreed: SYN with ECE and CWR, SYN,ACK with ECE alone; then
    // ECT(0) on new data, never on a pure ACK or a SYN.
    let p = transfer(on.clone(), accept.clone(), 20_000, |_| {});
    let syn = &from(&p, Side::A).next().unwrap().seg;
    let syn_ack = &from(&p, Side::B).next().unwrap().seg;
    assert!(syn.has(Flags::SYN) && syn.flags.contains(ece_cwr));
    assert_eq!(syn.ecn, Ecn::NotEct);
    assert!(syn_ack.has(Flags::ECE) && !syn_ack.has(Flags::CWR));
    assert!(data(&p).iter().all(|l| l.seg.ecn == Ecn::Ect0));
    let acks: Vec<_> = from(&p, Side::B).skip(1).collect();
    assert!(!acks.is_empty());
    assert!(acks.iter().all(|l| l.seg.ecn == Ecn::NotEct));
    assert!(acks.iter().all(|l| !l.seg.flags.contains(Flags::ECE)));

    // Asked, refused: a plain SYN,ACK, and nothing ECN-capable after.
    let p = transfer(on, off.clone(), 20_000, |_| {});
    let syn_ack = &from(&p, Side::B).next().unwrap().seg;
    assert!(!syn_ack.has(Flags::ECE));
    assert!(data(&p).iter().all(|l| l.seg.ecn == Ecn::NotEct));

    // Not asked (Linux's default): no set-up flags at all.
    let p = transfer(accept.clone(), accept, 20_000, |_| {});
    assert!(!from(&p, Side::A).next().unwrap().seg.has(Flags::ECE));
    assert!(data(&p).iter().all(|l| l.seg.ecn == Ecn::NotEct));
}

/// Two marks in one window: B echoes ECE from the first until A's CWR
/// arrives; A halves its window once, sends CWR on its next new data, and
/// retransmits nothing.
#[test]
fn a_mark_is_echoed_until_cwr_and_cuts_the_window_once() {
    let on = linux(EcnMode::On, CongestionKind::NewReno);
    let p = transfer(on.clone(), on, 300_000, |p| {
        p.mark = mark_data(|n| n == 30 || n == 33);
    });
    assert_eq!(p.delivered(Side::B), 300_000);
    assert!(from(&p, Side::A).all(|l| !l.retransmission));
    let stats = p.a.as_ref().unwrap().stats();
    assert_eq!(stats.ecn_reductions, 1);
    assert_eq!(p.b.as_ref().unwrap().stats().ce_received, 2);

    let cuts = reductions(&p);
    assert_eq!(cuts.len(), 1, "{cuts:?}");
    let (before, ssthresh) = cuts[0];
    assert!(
        (ssthresh as f64 / before as f64 - 0.5).abs() < 0.1,
        "halved: {before} -> {ssthresh}"
    );
    // With PRR (the linux profile) cwnd comes down to ssthresh over the
    // round trip, as Linux's CWR state does, then grows from there.
    let c = cwnds(&p);
    let at = c.iter().position(|&(_, ss)| ss == ssthresh).unwrap();
    let during: Vec<u32> = c[at..]
        .iter()
        .take_while(|&&(w, _)| w > ssthresh)
        .map(|&(w, _)| w)
        .collect();
    assert!(during.len() > 3, "a gradual descent: {during:?}");
    assert!(during.windows(2).all(|w| w[1] <= w[0]), "{during:?}");
    assert_eq!(c[at + during.len()].0, ssthresh, "ends at ssthresh");

    // One CWR, on new data, after the first ECE reached A.
    let cwr: Vec<_> = data(&p)
        .into_iter()
        .filter(|l| l.seg.has(Flags::CWR))
        .collect();
    assert_eq!(cwr.len(), 1);
    let first_ece = from(&p, Side::B)
        .find(|l| l.seg.has(Flags::ECE) && !l.seg.has(Flags::SYN))
        .expect("B echoed the mark");
    assert!(cwr[0].t > first_ece.t);
    // B's echo runs from the mark to the CWR segment's arrival: every
    // ACK in that span carries ECE, none after.
    let cwr_end = cwr[0].seg.seq.0.wrapping_add(cwr[0].seg.data.len);
    let echoing: Vec<bool> = from(&p, Side::B)
        .skip_while(|l| !std::ptr::eq(*l, first_ece))
        .map(|l| l.seg.has(Flags::ECE))
        .collect();
    let stop = echoing.iter().position(|e| !e).expect("the echo stopped");
    assert!(echoing[stop..].iter().all(|e| !e), "{echoing:?}");
    let last_echo = from(&p, Side::B)
        .filter(|l| l.seg.has(Flags::ECE) && !l.seg.has(Flags::SYN))
        .last()
        .unwrap();
    assert!(
        last_echo.seg.ack.0.wrapping_sub(cwr_end) as i32 <= 0,
        "no ECE acknowledges the CWR segment"
    );
}

/// Without PRR (the rfc profile's choice) the window is halved at once.
#[test]
fn without_prr_the_window_is_halved_at_once() {
    let on = TcpConfig {
        prr: false,
        ..linux(EcnMode::On, CongestionKind::NewReno)
    };
    let p = transfer(on.clone(), on, 300_000, |p| {
        p.mark = mark_data(|n| n == 30);
    });
    let c = cwnds(&p);
    let at = c.iter().position(|&(_, ss)| ss < u32::MAX).unwrap();
    assert_eq!(c[at].0, c[at].1, "cwnd = ssthresh at once");
    assert!((f64::from(c[at].1) / f64::from(c[at - 1].0) - 0.5).abs() < 0.1);
}

/// A retransmission is never ECT (RFC 3168 §6.1.5), so a queue cannot
/// mark the repair of a loss.
#[test]
fn retransmissions_are_not_ecn_capable() {
    let on = linux(EcnMode::On, CongestionKind::NewReno);
    let p = transfer(on.clone(), on, 100_000, |p| {
        p.drop = support::lose_first_sends(&[10]);
    });
    assert_eq!(p.delivered(Side::B), 100_000);
    let rtx: Vec<_> = data(&p).into_iter().filter(|l| l.retransmission).collect();
    assert!(!rtx.is_empty());
    assert!(rtx.iter().all(|l| l.seg.ecn == Ecn::NotEct));
}

/// DCTCP's receiver echoes each segment's CE state: ECE exactly on the
/// ACKs of marked data, with an ACK at once when the state flips (RFC
/// 8257 §3.2). Every segment, ACKs included, is ECT.
#[test]
fn dctcp_echoes_the_ce_state_of_each_segment() {
    let d = linux(EcnMode::Off, CongestionKind::Dctcp);
    let p = transfer(d.clone(), d, 200_000, |p| {
        p.mark = mark_data(|n| (40..44).contains(&n));
    });
    assert_eq!(p.delivered(Side::B), 200_000);
    assert!(from(&p, Side::B).skip(1).all(|l| l.seg.ecn == Ecn::Ect0));
    // The marked segments' ends, as B acknowledges them.
    let marked: Vec<u32> = data(&p)[39..43]
        .iter()
        .map(|l| l.seg.seq.0.wrapping_add(l.seg.data.len))
        .collect();
    let echoes: Vec<u32> = from(&p, Side::B)
        .filter(|l| l.seg.has(Flags::ECE) && !l.seg.has(Flags::SYN))
        .map(|l| l.seg.ack.0)
        .collect();
    assert!(!echoes.is_empty());
    // Each echo acknowledges data up to a marked segment's end, and the
    // last marked segment's end is echoed.
    assert!(
        echoes.iter().all(|a| marked.contains(a)),
        "{echoes:?} {marked:?}"
    );
    assert!(echoes.contains(&marked[3]));
    // The ACK before the first echo covers exactly the unmarked data
    // before it (the delayed ACK sent when the state flipped).
    let before = data(&p)[38];
    let first_marked_start = data(&p)[39].seg.seq.0;
    assert_eq!(
        before.seg.seq.0.wrapping_add(before.seg.data.len),
        first_marked_start
    );
    assert!(
        from(&p, Side::B).any(|l| l.seg.ack.0 == first_marked_start && !l.seg.has(Flags::ECE)),
        "an ACK with the old state covers the data before the first mark"
    );
}

/// With the same light marking (one segment in twenty), DCTCP cuts its
/// window by a fraction that shrinks as alpha learns how little is
/// marked (from about a half of the window to over three quarters), where classic ECN halves
/// it every time.
#[test]
fn dctcp_cuts_in_proportion_to_the_marks_where_ecn_halves() {
    let every_20th = |p: &mut Pair| {
        p.mark = mark_data(|n| n % 20 == 0);
    };
    let classic = linux(EcnMode::On, CongestionKind::NewReno);
    let p = transfer(classic.clone(), classic, 4_000_000, every_20th);
    let ratios: Vec<f64> = reductions(&p)
        .iter()
        .map(|&(b, a)| f64::from(a) / f64::from(b))
        .collect();
    // Half the flight (RFC 5681 equation 4), a little under half of cwnd.
    assert!(ratios.len() >= 3, "{ratios:?}");
    assert!(ratios.iter().all(|r| (0.35..0.6).contains(r)), "{ratios:?}");

    let dctcp = linux(EcnMode::Off, CongestionKind::Dctcp);
    let p = transfer(dctcp.clone(), dctcp, 4_000_000, every_20th);
    let ratios: Vec<f64> = reductions(&p)
        .iter()
        .map(|&(b, a)| f64::from(a) / f64::from(b))
        .collect();
    assert!(ratios.len() >= 5, "{ratios:?}");
    // alpha starts at 1 (a halving), then decays towards the marked
    // fraction: the later cuts are mild.
    assert!(ratios[0] < 0.6, "{ratios:?}");
    assert!(ratios[ratios.len() - 1] > 0.75, "{ratios:?}");
    assert!(from(&p, Side::A).all(|l| !l.retransmission));
}
