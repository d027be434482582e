//! What runs over a TCP application's connections when it is more than
//! bytes: a request and a response, in the clear (`http`) or under TLS
//! (`tls`). Both become the same application model ([`StreamApp`]), which is
//! why they are checked together; the man-in-the-middle reuses [`tls_app`]
//! for its two halves.
//!
//! A TLS setting belongs to the client or to the server; one given to the
//! wrong side is refused by name rather than ignored.

use std::sync::Arc;

use sim_tls::suite::{Group, Suite, Version};

use super::check::host_part;
use crate::error::InputError;
use sim_apps::dist::Dist;

use crate::format::{
    CertificateSpec, ExtensionsSpec, HttpSpec, IssuerName, MisbehaveSpec, ResponseSpec,
    ServerCloseSpec, SizeSpec, TcpSpec, TlsSpec, TlsVersionName,
};
use sim_apps::stream::{StreamApp, StreamSide};

/// The demo CRL, known to every client: the serial a `"revoked": true`
/// certificate carries.
const REVOKED_SERIAL: u64 = 666;

/// Calendar time at simulated time zero when the scenario gives none
/// (November 2023).
const DEFAULT_DATE: i64 = 1_700_000_000;

/// The TLS or HTTP application of a TCP endpoint, if it has one (`name`
/// is the endpoint's node; a server's certificate carries
/// `certificate_names` unless the scenario names its own).
pub(super) fn stream_app(
    t: &TcpSpec,
    path: &str,
    name: &str,
    certificate_names: &[String],
) -> Result<Option<Arc<StreamApp>>, InputError> {
    match (&t.tls, &t.http) {
        (Some(_), Some(_)) => Err(InputError::at(path, "give \"tls\" or \"http\", not both")),
        (None, Some(h)) => Ok(Some(Arc::new(http_app(t, h, path, name)?))),
        (Some(spec), None) => {
            if t.send.is_some() {
                return Err(InputError::at(
                    format!("{path}.send"),
                    "with \"tls\" the data is the TLS request and response; leave \"send\" out",
                ));
            }
            let peer = t.connect.as_deref().map(host_part);
            Ok(Some(Arc::new(tls_app(
                spec,
                &format!("{path}.tls"),
                peer,
                name,
                certificate_names,
            )?)))
        }
        (None, None) => Ok(None),
    }
}

/// Plain HTTP/1.1: a client if the endpoint connects, else a server.
fn http_app(t: &TcpSpec, h: &HttpSpec, path: &str, name: &str) -> Result<StreamApp, InputError> {
    if t.send.is_some() {
        return Err(InputError::at(
            format!("{path}.send"),
            "with \"http\" the data is the request and response; leave \"send\" out",
        ));
    }
    let client = t.connect.is_some();
    let misplaced = if client {
        if h.response.is_some() {
            Some(("response", "server"))
        } else {
            h.close.is_some().then_some(("close", "server"))
        }
    } else if h.request.is_some() {
        Some(("request", "client"))
    } else if h.requests.is_some() {
        Some(("requests", "client"))
    } else {
        h.think.is_some().then_some(("think", "client"))
    };
    if let Some((field, role)) = misplaced {
        return Err(InputError::at(
            format!("{path}.http.{field}"),
            format!("\"{field}\" is for the {role}"),
        ));
    }
    let (response, response_sizes) =
        responses(h.response.as_ref(), &format!("{path}.http.response"))?;
    let think = h
        .think
        .as_ref()
        .map(|p| super::dist::period(p, &format!("{path}.http.think")))
        .transpose()?;
    Ok(StreamApp {
        side: if client {
            StreamSide::PlainClient
        } else {
            StreamSide::PlainServer
        },
        request: message_size(h.request, 300, &format!("{path}.http.request"))?,
        response,
        response_sizes,
        close_after: close_after(h.close, &format!("{path}.http.close"))?,
        think,
        costs: sim_tls::cost::CpuCosts::default(),
        resume: false,
        requests: requests_per_connection(h.requests, &format!("{path}.http.requests"))?,
        host: t.connect.as_deref().map_or(name, host_part).to_string(),
        relay: false,
        fallback: false,
    })
}

/// The most bytes an HTTP request or response may have. The stream model
/// holds a message's real bytes (TLS encrypts them; plain HTTP carries
/// them), each written whole when its turn comes, so its size is memory
/// the run must hold; a bulk transfer of any size is plain TCP's `send`.
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// A request or response size (`default` if absent), at most
/// [`MAX_MESSAGE_BYTES`].
fn message_size(n: Option<u64>, default: u64, path: &str) -> Result<u64, InputError> {
    let n = n.unwrap_or(default);
    if n > MAX_MESSAGE_BYTES {
        return Err(InputError::at(
            path,
            format!(
                "{n} bytes is more than an HTTP message may have in this model \
                 ({MAX_MESSAGE_BYTES} bytes, 64 MiB: its bytes are held in memory); \
                 for a bulk transfer use plain TCP's \"send\""
            ),
        ));
    }
    Ok(n)
}

/// The most sizes a `response` list may give (each response on a
/// connection past the end takes the last).
pub const MAX_RESPONSE_SIZES: usize = 10_000;

/// The most requests a server may answer on a connection before it
/// closes (`"close": {"after": N}`).
pub const MAX_CLOSE_AFTER: u64 = 1_000_000;

/// A server's response sizes (default 10000 bytes): a constant or a
/// distribution, and the list by request on a connection (empty unless
/// given).
fn responses(spec: Option<&ResponseSpec>, path: &str) -> Result<(Dist, Vec<u64>), InputError> {
    Ok(match spec {
        None => (Dist::Constant(10_000), Vec::new()),
        Some(ResponseSpec::Size(SizeSpec::Bytes(n))) => {
            (Dist::Constant(message_size(Some(*n), 0, path)?), Vec::new())
        }
        Some(ResponseSpec::Size(s)) => (super::dist::size(s, path, MAX_MESSAGE_BYTES)?, Vec::new()),
        Some(ResponseSpec::List(sizes)) => {
            if sizes.is_empty() {
                return Err(InputError::at(
                    path,
                    "a list of response sizes gives at least one (the k-th request on a \
                     connection gets the k-th size, those past the end the last)",
                ));
            }
            if sizes.len() > MAX_RESPONSE_SIZES {
                return Err(InputError::at(
                    path,
                    format!(
                        "{} response sizes is more than a list may give (at most \
                         {MAX_RESPONSE_SIZES}; requests past the end take the last)",
                        sizes.len()
                    ),
                ));
            }
            for (i, &n) in sizes.iter().enumerate() {
                message_size(Some(n), 0, &format!("{path}[{i}]"))?;
            }
            (Dist::Constant(sizes[0]), sizes.clone())
        }
    })
}

/// A server's close policy: after how many responses on a connection it
/// closes first (`None`: never).
fn close_after(spec: Option<ServerCloseSpec>, path: &str) -> Result<Option<u64>, InputError> {
    match spec {
        None | Some(ServerCloseSpec::Never) => Ok(None),
        Some(ServerCloseSpec::Every) => Ok(Some(1)),
        Some(ServerCloseSpec::After(0)) => Err(InputError::at(
            format!("{path}.after"),
            "a server closes after at least one response (\"every\" is after 1)",
        )),
        Some(ServerCloseSpec::After(n)) if n > MAX_CLOSE_AFTER => Err(InputError::at(
            format!("{path}.after"),
            format!(
                "{n} responses on one connection is more than this model counts \
                 (at most {MAX_CLOSE_AFTER}; leave \"close\" out for a server that never \
                 closes first)"
            ),
        )),
        Some(ServerCloseSpec::After(n)) => Ok(Some(n)),
    }
}

/// Requests per connection: at least one.
fn requests_per_connection(n: Option<u64>, path: &str) -> Result<u64, InputError> {
    match n {
        Some(0) => Err(InputError::at(
            path,
            "a connection makes at least one request",
        )),
        n => Ok(n.unwrap_or(1)),
    }
}

/// What a side offers or accepts: versions, suites and groups.
struct Offer {
    versions: Vec<Version>,
    suites: Vec<Suite>,
    /// `None` keeps the configuration's default groups.
    groups: Option<Vec<Group>>,
}

/// TLS settings for a client (`peer` is the node or DNS name it connects
/// to, the name it checks the certificate against unless `server_name` says
/// otherwise) or a server (`peer` is `None`; `name` is its own node name,
/// and its certificate carries `certificate_names` unless the scenario
/// names its own).
pub(super) fn tls_app(
    spec: &TlsSpec,
    path: &str,
    peer: Option<&str>,
    name: &str,
    certificate_names: &[String],
) -> Result<StreamApp, InputError> {
    let offer = offer(spec, path)?;
    let date = spec.date.unwrap_or(DEFAULT_DATE);
    match peer {
        Some(server) => tls_client(spec, path, server, date, offer),
        None => tls_server(spec, path, name, certificate_names, date, offer),
    }
}

fn offer(spec: &TlsSpec, path: &str) -> Result<Offer, InputError> {
    let versions: Vec<Version> = spec
        .versions
        .clone()
        .unwrap_or(vec![TlsVersionName::Tls13, TlsVersionName::Tls12])
        .into_iter()
        .map(|v| match v {
            TlsVersionName::Tls12 => Version::Tls12,
            TlsVersionName::Tls13 => Version::Tls13,
        })
        .collect();
    if versions.is_empty() {
        return Err(InputError::at(
            format!("{path}.versions"),
            "offer at least one version",
        ));
    }
    let suites = suites(spec, path)?;
    if !suites.iter().any(|s| versions.contains(&s.version())) {
        return Err(InputError::at(
            format!("{path}.suites"),
            "none of these suites belongs to a version offered",
        ));
    }
    let groups = match &spec.groups {
        Some(names) => Some(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    Group::from_name(n).ok_or_else(|| {
                        InputError::at(
                            format!("{path}.groups[{i}]"),
                            format!("unknown group {n:?} (x25519, secp256r1 or secp384r1)"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        None => None,
    };
    Ok(Offer {
        versions,
        suites,
        groups,
    })
}

/// The suites by registry name, or the default list.
fn suites(spec: &TlsSpec, path: &str) -> Result<Vec<Suite>, InputError> {
    match &spec.suites {
        Some(names) => names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                Suite::from_name(n).ok_or_else(|| {
                    InputError::at(
                        format!("{path}.suites[{i}]"),
                        format!("unknown cipher suite {n:?} (registry names, such as \"TLS_AES_128_GCM_SHA256\")"),
                    )
                })
            })
            .collect(),
        None => Ok(vec![
            Suite::TLS_AES_128_GCM_SHA256,
            Suite::TLS_AES_256_GCM_SHA384,
            Suite::TLS_CHACHA20_POLY1305_SHA256,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            Suite::TLS_RSA_WITH_AES_128_GCM_SHA256,
            Suite::TLS_RSA_WITH_AES_128_CBC_SHA,
        ]),
    }
}

/// A setting given to the side it does not belong to.
fn misplaced<T>(path: &str, field: &str, role: &str) -> Result<T, InputError> {
    Err(InputError::at(
        format!("{path}.{field}"),
        format!("\"{field}\" is for the {role}"),
    ))
}

/// A TLS client of node `server`.
fn tls_client(
    spec: &TlsSpec,
    path: &str,
    server: &str,
    date: i64,
    offer: Offer,
) -> Result<StreamApp, InputError> {
    if spec.certificate.is_some() {
        return misplaced(path, "certificate", "server");
    }
    if spec.response.is_some() {
        return misplaced(path, "response", "server");
    }
    if spec.close.is_some() {
        return misplaced(path, "close", "server");
    }
    let host = spec
        .server_name
        .clone()
        .unwrap_or_else(|| server.to_string());
    let pki = sim_tls::pki::DemoPki::new(&host, date);
    let mut cfg = pki.client(&offer.versions, &offer.suites);
    if let Some(g) = offer.groups {
        cfg.groups = g;
    }
    cfg.accept_untrusted = spec.accept_untrusted.unwrap_or(false);
    cfg.refuse_weak = spec.refuse_weak.unwrap_or(false);
    cfg.revoked
        .revoke(&pki.intermediate.subject, REVOKED_SERIAL);
    for (field, set) in [
        ("session_cache", spec.session_cache.is_some()),
        ("max_early_data", spec.max_early_data.is_some()),
        ("accept_early_data", spec.accept_early_data.is_some()),
    ] {
        if set {
            return misplaced(path, field, "server");
        }
    }
    // A browser's hello asks for tickets (an empty session_ticket).
    cfg.tickets = spec.tickets.unwrap_or(true);
    cfg.early_data = spec.early_data.unwrap_or(false);
    cfg.extensions = extensions(spec.extensions.as_ref(), path, true)?;
    cfg.misbehave = misbehave(spec.misbehave.as_ref(), path, true)?;
    cfg.ems = spec.ems.unwrap_or(true);
    Ok(StreamApp {
        side: StreamSide::Client(Box::new(cfg)),
        request: message_size(spec.request, 300, &format!("{path}.request"))?,
        response: Dist::Constant(0),
        response_sizes: Vec::new(),
        close_after: None,
        think: None,
        costs: sim_tls::cost::CpuCosts::default(),
        resume: spec.resume.unwrap_or(false),
        requests: requests_per_connection(spec.requests, &format!("{path}.requests"))?,
        host,
        relay: false,
        fallback: spec.fallback.unwrap_or(false),
    })
}

/// A TLS server on node `name`; its certificate carries `default_names`
/// unless the scenario names its own.
fn tls_server(
    spec: &TlsSpec,
    path: &str,
    name: &str,
    default_names: &[String],
    date: i64,
    offer: Offer,
) -> Result<StreamApp, InputError> {
    for (field, set) in [
        ("server_name", spec.server_name.is_some()),
        ("request", spec.request.is_some()),
        ("accept_untrusted", spec.accept_untrusted.is_some()),
        ("refuse_weak", spec.refuse_weak.is_some()),
        ("resume", spec.resume.is_some()),
        ("early_data", spec.early_data.is_some()),
        ("requests", spec.requests.is_some()),
        ("fallback", spec.fallback.is_some()),
    ] {
        if set {
            return misplaced(path, field, "client");
        }
    }
    let c = spec.certificate.clone().unwrap_or_default();
    let names = c.names.clone().unwrap_or_else(|| default_names.to_vec());
    if c.subject_cn.as_deref() == Some("") {
        return Err(InputError::at(
            format!("{path}.certificate.subject_cn"),
            "a common name is not empty (leave \"subject_cn\" out for the first of \"names\")",
        ));
    }
    let Some(first) = names.first().or(c.subject_cn.as_ref()) else {
        return Err(InputError::at(
            format!("{path}.certificate.names"),
            "a certificate names at least one host (in \"names\", or with none there, \
             in \"subject_cn\")",
        ));
    };
    let pki = sim_tls::pki::DemoPki::new(first, date);
    let mut cfg = pki.server(&offer.versions, &offer.suites);
    if let Some(g) = offer.groups {
        cfg.groups = g;
    }
    cfg.chain = server_chain(&c, path, &pki, names, date)?;
    if spec.session_cache == Some(true) {
        cfg.sessions = Some(sim_tls::session::SessionCache::new());
    }
    if spec.tickets == Some(true) {
        // The ticket key is the server's own secret; derived from
        // its name so runs are reproducible.
        cfg.ticket_key = Some(sim_tls::crypto::sha256(
            format!("ticket key of {name}").as_bytes(),
        ));
    }
    cfg.max_early_data = spec.max_early_data.unwrap_or(0);
    if cfg.max_early_data > sim_tls::suite::MAX_FRAGMENT as u32 {
        return Err(InputError::at(
            format!("{path}.max_early_data"),
            "at most 16384 bytes (one record) in this model",
        ));
    }
    if cfg.max_early_data > 0 && cfg.ticket_key.is_none() {
        return Err(InputError::at(
            format!("{path}.max_early_data"),
            "early data rides on tickets: set \"tickets\": true",
        ));
    }
    cfg.accept_early_data = spec.accept_early_data.unwrap_or(true);
    cfg.extensions = extensions(spec.extensions.as_ref(), path, false)?;
    cfg.misbehave = misbehave(spec.misbehave.as_ref(), path, false)?;
    cfg.ems = spec.ems.unwrap_or(true);
    let (response, response_sizes) =
        responses(spec.response.as_ref(), &format!("{path}.response"))?;
    Ok(StreamApp {
        side: StreamSide::Server(Box::new(cfg)),
        request: 1,
        response,
        response_sizes,
        close_after: close_after(spec.close, &format!("{path}.close"))?,
        think: None,
        costs: sim_tls::cost::CpuCosts::default(),
        resume: false,
        requests: 1,
        host: String::new(),
        relay: false,
        fallback: false,
    })
}

/// The hello extensions of a client (`client`) or a server, each on
/// unless set false; the ones only a client sends are refused on a server
/// by name.
fn extensions(
    spec: Option<&ExtensionsSpec>,
    path: &str,
    client: bool,
) -> Result<sim_tls::handshake::Extensions, InputError> {
    let mut x = sim_tls::handshake::Extensions::default();
    let Some(e) = spec else {
        return Ok(x);
    };
    let path = format!("{path}.extensions");
    for (field, value, slot) in [
        (
            "signature_algorithms",
            e.signature_algorithms,
            &mut x.signature_algorithms,
        ),
        (
            "signature_algorithms_cert",
            e.signature_algorithms_cert,
            &mut x.signature_algorithms_cert,
        ),
        (
            "supported_groups",
            e.supported_groups,
            &mut x.supported_groups,
        ),
        ("status_request", e.status_request, &mut x.status_request),
    ] {
        if !client && value.is_some() {
            return Err(InputError::at(
                format!("{path}.{field}"),
                format!("\"{field}\" is an extension only a client sends"),
            ));
        }
        *slot = value.unwrap_or(true);
    }
    x.ec_point_formats = e.ec_point_formats.unwrap_or(true);
    x.renegotiation_info = e.renegotiation_info.unwrap_or(true);
    x.alpn = e.alpn.unwrap_or(true);
    Ok(x)
}

/// The faults a client (`client`) or a server commits on purpose; a
/// message it never sends is refused by name, with the ones it does send.
fn misbehave(
    spec: Option<&MisbehaveSpec>,
    path: &str,
    client: bool,
) -> Result<sim_tls::handshake::Misbehave, InputError> {
    let Some(m) = spec else {
        return Ok(Default::default());
    };
    let (sent, role) = if client {
        (sim_tls::handshake::CLIENT_MESSAGES, "client")
    } else {
        (sim_tls::handshake::SERVER_MESSAGES, "server")
    };
    let message = |name: &Option<String>, field: &str| -> Result<_, InputError> {
        let Some(name) = name else {
            return Ok(None);
        };
        match sent.iter().find(|m| **m == name.as_str()) {
            Some(m) => Ok(Some(*m)),
            None => Err(InputError::at(
                format!("{path}.misbehave.{field}"),
                format!(
                    "{name:?} is not a handshake message a TLS {role} sends (one of {})",
                    sent.join(", ")
                ),
            )),
        }
    };
    Ok(sim_tls::handshake::Misbehave {
        bad_verify_data: m.bad_verify_data.unwrap_or(false),
        skip: message(&m.skip, "skip")?,
        out_of_order: message(&m.out_of_order, "out_of_order")?,
    })
}

/// The chain a server shows: its leaf (holding `names`; expired, revoked
/// or resized as asked) and whoever issued it.
fn server_chain(
    c: &CertificateSpec,
    path: &str,
    pki: &sim_tls::pki::DemoPki,
    names: Vec<String>,
    date: i64,
) -> Result<Vec<sim_tls::cert::Certificate>, InputError> {
    let mut leaf = pki.leaf.clone();
    leaf.san = names;
    if let Some(cn) = &c.subject_cn {
        leaf.subject = cn.clone();
    }
    if let Some(size) = c.size {
        if !(200..=16_000).contains(&size) {
            return Err(InputError::at(
                format!("{path}.certificate.size"),
                format!("{size} bytes is not a certificate size (200 to 16000)"),
            ));
        }
        leaf.size = size;
    }
    if c.expired == Some(true) {
        leaf.not_before = date - 2 * sim_tls::pki::YEAR;
        leaf.not_after = date - 86_400;
    }
    if c.revoked == Some(true) {
        leaf.serial = REVOKED_SERIAL;
    }
    Ok(match c.issuer.unwrap_or(IssuerName::Trusted) {
        IssuerName::Trusted => vec![leaf, pki.intermediate.clone()],
        IssuerName::UnknownCa => {
            let rogue = sim_tls::pki::certificate("Unknown CA", "Unknown CA", 20, 20, true, date);
            leaf.issuer = rogue.subject.clone();
            leaf.signed_by = rogue.key;
            vec![leaf, rogue]
        }
        IssuerName::SelfSigned => {
            leaf.issuer = leaf.subject.clone();
            leaf.signed_by = leaf.key;
            vec![leaf]
        }
    })
}
