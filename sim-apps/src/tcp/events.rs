//! What the TCP application does with the stack's events: each is traced
//! (`tcp_state`, `tcp_deliver`, `tcp_app`, ...), passed to the stream, and
//! then given the plain TCP reaction the scenario asked for (send, close,
//! count).

use sim_core::{Context, Field, Kind, SimTime, Value};
use sim_tcp::State;
use sim_tcp::conn::Event;
use sim_tcp::stack::{ConnId, Quad, StackEvent};

use super::conns::ConnApp;
use super::{OnPeerClose, Role, TcpHost};
use crate::payload::Wire;

impl TcpHost {
    pub(super) fn on_event(&mut self, cx: &mut Context<'_, Wire>, ev: StackEvent) {
        let now = cx.now();
        match ev {
            StackEvent::Accepted { conn, .. } => {
                self.open(cx, conn, now, None);
                self.accept_stream(cx.run_seed(), conn);
            }
            StackEvent::Unmatched { reason, from, port } => {
                if cx.tracing() {
                    let fields = vec![
                        (Field::From, Value::Node(from)),
                        (Field::Port, Value::from(u32::from(port))),
                        (Field::Reason, reason.into()),
                    ];
                    cx.trace(Kind::TcpUnmatched, fields);
                }
            }
            StackEvent::Conn(id, e) => self.on_conn_event(cx, now, id, e),
        }
    }

    fn on_conn_event(&mut self, cx: &mut Context<'_, Wire>, now: SimTime, id: ConnId, e: Event) {
        let quad = self.stack().quad(id);
        if cx.tracing()
            && let Some(q) = quad
        {
            trace_conn_event(cx, q, &e);
        }
        if let (Event::StateChange { to, .. }, Some(q), Some(stack)) = (&e, quad, &self.stack) {
            let cc = self.app.cfg.congestion;
            self.ledger
                .state_changed(cx.node(), cc, now, id, q, *to, stack);
        }
        match e {
            Event::Rtt { sample, .. } => self.ledger.rtt_sample(id, sample),
            Event::Acked(_) => self.ledger.acked(id, now),
            _ => {}
        }
        // A client connection is finished once both directions are
        // closed (TIME_WAIT, or CLOSED however it got there): the next one
        // may open.
        let done = matches!(
            e,
            Event::StateChange {
                to: State::TimeWait | State::Closed,
                ..
            }
        );
        let client = matches!(self.app.role, Role::Connect { .. });
        if done
            && client
            && let Some(c) = self.conns.get_mut(id)
            && !c.finished
        {
            c.finished = true;
            self.finished(cx);
        }
        let peer_close_handled = self.stream_event(cx, id, &e);
        // In TIME_WAIT everything we sent is acknowledged and the peer has
        // nothing more to send: the stream (with every byte written) can
        // go, long before 2 MSL end.
        if matches!(
            e,
            Event::StateChange {
                to: State::TimeWait,
                ..
            }
        ) && let Some(c) = self.conns.get_mut(id)
        {
            c.stream = None;
        }
        if matches!(
            e,
            Event::Reset | Event::ConnectFailed(_) | Event::TimedOut | Event::Closed
        ) {
            self.relay_failed(id);
        }
        if !peer_close_handled {
            self.react(now, id, e);
        }
    }

    /// The plain TCP application's reaction, and its counters.
    fn react(&mut self, now: SimTime, id: ConnId, e: Event) {
        let totals = &mut self.figures.tcp;
        match e {
            Event::Connected => {
                totals.established += 1;
                totals.first_connected.get_or_insert(now);
                let opened = self.conns.get(id).and_then(|c| c.opened);
                if totals.handshake_ns.is_none()
                    && let Some(t0) = opened
                {
                    totals.handshake_ns = Some(now.saturating_since(t0).as_nanos());
                }
                if self.app.send > 0 {
                    totals.written += self.app.send;
                    let n = self.app.send;
                    // With Fast Open the bytes were written before the SYN.
                    let on_syn = self.conns.get(id).is_some_and(|c| c.sent_on_syn);
                    if !on_syn {
                        self.stack().send(now, id, n);
                    }
                }
                if self.app.close_after_send {
                    self.stack().close(now, id);
                }
            }
            Event::Delivered(d) => {
                if self.conns.get(id).is_none() {
                    self.conns.insert(id, ConnApp::default());
                }
                let c = self.conns.get_mut(id).expect("inserted");
                if d.offset != c.expected {
                    totals.integrity_errors += 1;
                }
                c.expected = d.offset + u64::from(d.len);
                totals.bytes_delivered += u64::from(d.len);
                totals.first_delivery.get_or_insert(now);
                totals.last_delivery = Some(now);
            }
            Event::PeerClosed => {
                if self.app.on_peer_close == OnPeerClose::Close {
                    self.stack().close(now, id);
                }
            }
            Event::Acked(n) => {
                totals.bytes_acked += n;
                totals.last_progress = Some(now);
                if totals.bytes_acked >= totals.written {
                    totals.last_ack_at = Some(now);
                }
            }
            Event::Reset => totals.resets += 1,
            Event::ConnectFailed(_) => totals.connect_failed += 1,
            Event::TimedOut => totals.timed_out += 1,
            Event::Closed => {
                if let Some(c) = self.stack().conn(id) {
                    let s = c.stats();
                    self.figures.tcp.add_conn(&s);
                }
                if self.keep_ended
                    && let Some(stack) = &self.stack
                    && let (Some(q), Some(c)) = (stack.quad(id), stack.conn(id))
                {
                    self.ended.push(super::flow_sample(q, c));
                }
                self.conns.remove(id);
            }
            Event::StateChange { .. }
            | Event::Rtt { .. }
            | Event::Cwnd { .. }
            | Event::ChallengeAck(_)
            | Event::Dropped(_) => {}
        }
    }
}

/// A connection's trace fields: local port, peer and its port.
pub(super) fn quad_fields(q: Quad) -> sim_core::Fields {
    vec![
        (Field::Lport, Value::from(u32::from(q.local_port))),
        (Field::Peer, Value::Node(q.remote)),
        (Field::Pport, Value::from(u32::from(q.remote_port))),
    ]
}

/// The kind of record a connection event is traced as (`None`: not
/// traced).
fn record_kind(e: &Event) -> Option<Kind> {
    Some(match e {
        Event::StateChange { .. } => Kind::TcpState,
        Event::Delivered(_) => Kind::TcpDeliver,
        Event::Rtt { .. } => Kind::TcpRtt,
        Event::Cwnd { .. } => Kind::TcpCwnd,
        Event::ChallengeAck(_) => Kind::TcpChallengeAck,
        Event::Dropped(_) => Kind::TcpDrop,
        Event::Acked(_) => return None,
        Event::Connected
        | Event::PeerClosed
        | Event::Reset
        | Event::ConnectFailed(_)
        | Event::TimedOut
        | Event::Closed => Kind::TcpApp,
    })
}

fn trace_conn_event(cx: &mut Context<'_, Wire>, q: Quad, e: &Event) {
    // Most events come once per segment: build no record nobody wants.
    if !record_kind(e).is_some_and(|k| cx.traces(k)) {
        return;
    }
    let mut f = quad_fields(q);
    let kind = match e {
        Event::StateChange { from, to, cause } => {
            f.push((Field::From, from.name().into()));
            f.push((Field::To, to.name().into()));
            f.push((Field::Cause, (*cause).into()));
            Kind::TcpState
        }
        Event::Delivered(d) => {
            f.push((Field::Offset, Value::U64(d.offset)));
            f.push((Field::Bytes, Value::from(d.len)));
            Kind::TcpDeliver
        }
        Event::Rtt {
            srtt, rttvar, rto, ..
        } => {
            f.push((Field::SrttNs, Value::U64(srtt.as_nanos())));
            f.push((Field::RttvarNs, Value::U64(rttvar.as_nanos())));
            f.push((Field::RtoNs, Value::U64(rto.as_nanos())));
            Kind::TcpRtt
        }
        Event::Cwnd { cwnd, ssthresh } => {
            f.push((Field::Cwnd, Value::from(*cwnd)));
            f.push((Field::Ssthresh, Value::from(*ssthresh)));
            Kind::TcpCwnd
        }
        Event::ChallengeAck(why) => {
            f.push((Field::Reason, (*why).into()));
            Kind::TcpChallengeAck
        }
        Event::Dropped(why) => {
            f.push((Field::Reason, (*why).into()));
            Kind::TcpDrop
        }
        Event::Acked(_) => return,
        Event::Connected => app_event(&mut f, "connected"),
        Event::PeerClosed => app_event(&mut f, "peer_closed"),
        Event::Reset => app_event(&mut f, "reset"),
        Event::ConnectFailed(why) => {
            f.push((Field::Reason, (*why).into()));
            app_event(&mut f, "connect_failed")
        }
        Event::TimedOut => app_event(&mut f, "timed_out"),
        Event::Closed => app_event(&mut f, "closed"),
    };
    cx.trace(kind, f);
}

fn app_event(f: &mut sim_core::Fields, what: &'static str) -> Kind {
    f.push((Field::Event, what.into()));
    Kind::TcpApp
}
