//! Trace records of a stream: the TLS handshake's events and records, by
//! the names the trace has always used.

use sim_core::{Field, Kind, Value};
use sim_tls::handshake::HandshakeEvent as TlsEvent;

use super::Step;

pub(super) fn handshake_event(h: TlsEvent, s: &mut Step) {
    let fields = match h {
        TlsEvent::Established { version, suite } => {
            s.established = true;
            vec![
                (Field::Event, "established".into()),
                (Field::Version, Value::from(version.to_string())),
                (Field::Suite, Value::from(suite.name())),
            ]
        }
        TlsEvent::AlertSent(a, why) => {
            s.alert_sent = Some(a);
            vec![
                (Field::Event, "alert_sent".into()),
                (Field::Alert, a.name().into()),
                (Field::Reason, Value::from(why)),
            ]
        }
        TlsEvent::AlertReceived(a) => {
            s.alert_received = Some(a);
            vec![
                (Field::Event, "alert_received".into()),
                (Field::Alert, a.name().into()),
            ]
        }
        TlsEvent::UntrustedAccepted(e) => vec![
            (Field::Event, "untrusted_accepted".into()),
            (Field::Reason, Value::from(e.to_string())),
        ],
        TlsEvent::Resumed => {
            s.resumed = true;
            vec![(Field::Event, "resumed".into())]
        }
        TlsEvent::NewTicket(ticket) => {
            let max = ticket.max_early_data;
            s.new_ticket = Some(ticket);
            vec![
                (Field::Event, "new_ticket".into()),
                (Field::MaxEarlyData, Value::from(max)),
            ]
        }
        TlsEvent::EarlyData { accepted } => vec![(
            Field::Event,
            if accepted {
                "early_data_accepted"
            } else {
                "early_data_rejected"
            }
            .into(),
        )],
        TlsEvent::Misbehaved(what) => vec![
            (Field::Event, "misbehaved".into()),
            (Field::Reason, Value::from(what)),
        ],
        TlsEvent::NewSession(session) => {
            let ticket = session.ticket.is_some();
            s.new_session = Some(session);
            vec![
                (Field::Event, "new_session".into()),
                (Field::Ticket, Value::Bool(ticket)),
            ]
        }
    };
    s.traces.push((Kind::TlsState, fields));
}

pub(super) fn content_name(c: sim_tls::record::ContentType) -> &'static str {
    use sim_tls::record::ContentType as C;
    match c {
        C::ChangeCipherSpec => "ChangeCipherSpec",
        C::Alert => "Alert",
        C::Handshake => "Handshake",
        C::ApplicationData => "ApplicationData",
    }
}
