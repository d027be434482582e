//! Trace records of a stream: the TLS handshake's events and records, by
//! the names the trace has always used.

use sim_core::Value;
use sim_tls::handshake::Event as TlsEvent;

use super::Step;

pub(super) fn handshake_event(h: TlsEvent, s: &mut Step) {
    let fields = match h {
        TlsEvent::Established { version, suite } => {
            s.established = true;
            vec![
                ("event", "established".into()),
                ("version", Value::from(version.to_string())),
                ("suite", Value::from(suite.name())),
            ]
        }
        TlsEvent::AlertSent(a, why) => {
            s.alert_sent = Some(a);
            vec![
                ("event", "alert_sent".into()),
                ("alert", a.name().into()),
                ("reason", Value::from(why)),
            ]
        }
        TlsEvent::AlertReceived(a) => {
            s.alert_received = Some(a);
            vec![
                ("event", "alert_received".into()),
                ("alert", a.name().into()),
            ]
        }
        TlsEvent::UntrustedAccepted(e) => vec![
            ("event", "untrusted_accepted".into()),
            ("reason", Value::from(e.to_string())),
        ],
        TlsEvent::Resumed => {
            s.resumed = true;
            vec![("event", "resumed".into())]
        }
        TlsEvent::NewTicket(ticket) => {
            let max = ticket.max_early_data;
            s.new_ticket = Some(ticket);
            vec![
                ("event", "new_ticket".into()),
                ("max_early_data", Value::from(max)),
            ]
        }
        TlsEvent::EarlyData { accepted } => vec![(
            "event",
            if accepted {
                "early_data_accepted"
            } else {
                "early_data_rejected"
            }
            .into(),
        )],
        TlsEvent::NewSession(session) => {
            let ticket = session.ticket.is_some();
            s.new_session = Some(session);
            vec![
                ("event", "new_session".into()),
                ("ticket", Value::Bool(ticket)),
            ]
        }
    };
    s.traces.push(("tls_state", fields));
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
