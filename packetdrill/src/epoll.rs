//! `epoll_create`, `epoll_ctl` and `epoll_wait` over the shim's sockets,
//! as Linux's `fs/eventpoll.c` behaves for them.
//!
//! An epoll instance keeps a ready list. A socket's wake-up puts each item
//! watching it on the list, unless the wake-up's kind of event is not one
//! the item asks for (`ep_poll_callback`): data and a new connection wake
//! readers (EPOLLIN), a state change or an error wakes every item.
//! Adding or modifying an item polls the socket and lists it if ready.
//! `epoll_wait` polls each listed item: one with nothing to report is
//! dropped; a reported one stays listed when level-triggered, leaves the
//! list when edge-triggered (EPOLLET), and is disabled under
//! EPOLLONESHOT until modified again. The model's send buffer is
//! unlimited, so the only writability wake-ups are state changes: Linux's
//! `sk_write_space` after a write found no room is not modelled.

use std::collections::{BTreeMap, VecDeque};

use sim_core::SimDuration;
use sim_tcp::stack::ConnId;

use crate::parser::{Expr, Syscall};
use crate::runner::{Runner, Step, fail, skip};
use crate::shim::{Call, arg, expected_int};

/// `EPOLLET`.
pub(crate) const EPOLLET: i64 = 1 << 31;
/// `EPOLLONESHOT`.
pub(crate) const EPOLLONESHOT: i64 = 1 << 30;
/// `EPOLLEXCLUSIVE`.
pub(crate) const EPOLLEXCLUSIVE: i64 = 1 << 28;
/// The bits that are flags, not events.
const FLAGS: i64 = EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE;
/// `EPOLLIN`: the kind of event data and new connections wake.
const EPOLLIN: i64 = 0x1;

/// What woke a socket's waiters (the key of Linux's wake-up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Data or a connection to accept (`sk_data_ready`).
    Readable,
    /// A state change or an error: every waiter (`sk_state_change`).
    All,
}

/// One watched descriptor.
#[derive(Clone, Copy, Debug)]
struct Item {
    /// Events asked for, with the EPOLLET/EPOLLONESHOT flags.
    events: i64,
    /// EPOLLONESHOT reported it; silent until modified.
    disabled: bool,
}

/// One epoll instance.
#[derive(Clone, Debug, Default)]
pub(crate) struct Epoll {
    items: BTreeMap<i64, Item>,
    ready: VecDeque<i64>,
}

impl Epoll {
    fn list(&mut self, fd: i64) {
        if !self.ready.contains(&fd) {
            self.ready.push_back(fd);
        }
    }

    /// `EPOLL_CTL_ADD`/`MOD` with the socket's current readiness `now`
    /// (its poll result for these events); false if ADD finds it watched
    /// already or MOD finds it not watched (EEXIST, ENOENT).
    pub(crate) fn set(&mut self, fd: i64, events: i64, modify: bool, now: i64) -> bool {
        if self.items.contains_key(&fd) != modify {
            return false;
        }
        self.items.insert(
            fd,
            Item {
                events,
                disabled: false,
            },
        );
        if now & events & !FLAGS != 0 {
            self.list(fd);
        }
        true
    }

    /// `EPOLL_CTL_DEL`; false if it was not watched (ENOENT).
    pub(crate) fn remove(&mut self, fd: i64) -> bool {
        self.ready.retain(|f| *f != fd);
        self.items.remove(&fd).is_some()
    }

    /// A wake-up of the socket behind `fd`.
    pub(crate) fn wake(&mut self, fd: i64, why: Wake) {
        let Some(item) = self.items.get(&fd) else {
            return;
        };
        if item.disabled || (why == Wake::Readable && item.events & EPOLLIN == 0) {
            return;
        }
        self.list(fd);
    }

    /// The events asked of each listed descriptor (flags masked off), in
    /// list order, for the caller to poll.
    pub(crate) fn listed(&self) -> Vec<(i64, i64)> {
        self.ready
            .iter()
            .filter_map(|fd| self.items.get(fd).map(|i| (*fd, i.events & !FLAGS)))
            .collect()
    }

    /// `epoll_wait` once the listed descriptors were polled (`polled`:
    /// each with its result masked to what it asked, in list order): up to
    /// `max` reported, the list updated as Linux's `ep_send_events`.
    pub(crate) fn report(&mut self, polled: &[(i64, i64)], max: usize) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        for &(fd, revents) in polled {
            if out.len() >= max {
                break;
            }
            self.ready.retain(|f| *f != fd);
            if revents == 0 {
                continue;
            }
            out.push((fd, revents));
            let Some(item) = self.items.get_mut(&fd) else {
                continue;
            };
            if item.events & EPOLLONESHOT != 0 {
                item.disabled = true;
            } else if item.events & EPOLLET == 0 {
                self.ready.push_back(fd);
            }
        }
        out
    }
}

/// The epoll names a script uses.
pub(crate) fn symbol(w: &str) -> Option<i64> {
    Some(match w {
        "EPOLLIN" => EPOLLIN,
        "EPOLLPRI" => 0x2,
        "EPOLLOUT" => 0x4,
        "EPOLLERR" => 0x8,
        "EPOLLHUP" => 0x10,
        "EPOLLRDNORM" => 0x40,
        "EPOLLWRNORM" => 0x100,
        "EPOLLRDHUP" => 0x2000,
        "EPOLLET" => EPOLLET,
        "EPOLLONESHOT" => EPOLLONESHOT,
        "EPOLLEXCLUSIVE" => EPOLLEXCLUSIVE,
        "EPOLL_CTL_ADD" => 1,
        "EPOLL_CTL_DEL" => 2,
        "EPOLL_CTL_MOD" => 3,
        _ => return None,
    })
}

/// The `events` and `fd` fields of an `epoll_event` as written.
fn event_fields(e: &Expr) -> Step<(Option<i64>, Option<i64>)> {
    let Expr::Struct(fields) = e else {
        return skip("epoll_event not a struct");
    };
    let (mut events, mut fd) = (None, None);
    for f in fields {
        if let Expr::Field(n, v) = f {
            let v = expected_int(v).map_err(crate::runner::Stop::Skip)?;
            match n.as_str() {
                "events" => events = v,
                "fd" => fd = v,
                _ => {}
            }
        }
    }
    Ok((events, fd))
}

impl Runner {
    /// `epoll_create`, `epoll_create1` and `epoll_ctl`.
    pub(crate) fn epoll_call(&mut self, call: &Syscall) -> Step<Call> {
        if call.name != "epoll_ctl" {
            let want = expected_int(&call.ret).ok().flatten();
            return Ok(Call::Done(self.sockets.alloc_epoll(want), None));
        }
        let epfd = arg(call, 0)?.unwrap_or(-1);
        let op = arg(call, 1)?.unwrap_or(0);
        let fd = arg(call, 2)?.unwrap_or(-1);
        if !self.sockets.epolls.contains_key(&epfd) || self.sock(fd).is_none() {
            return Ok(Call::Done(-1, Some("EBADF")));
        }
        let events = match call.args.get(3) {
            Some(e) if op != 2 => event_fields(e)?.0.unwrap_or(0),
            _ => 0,
        };
        if events & EPOLLEXCLUSIVE != 0 {
            return skip("EPOLLEXCLUSIVE not modelled");
        }
        let now = self.revents(fd, events & !FLAGS);
        let Some(ep) = self.sockets.epolls.get_mut(&epfd) else {
            return Ok(Call::Done(-1, Some("EBADF")));
        };
        let ok = match op {
            1 => ep.set(fd, events, false, now),
            3 => ep.set(fd, events, true, now),
            2 => ep.remove(fd),
            _ => return Ok(Call::Done(-1, Some("EINVAL"))),
        };
        Ok(match (ok, op) {
            (true, _) => Call::Done(0, None),
            (false, 1) => Call::Done(-1, Some("EEXIST")),
            (false, _) => Call::Done(-1, Some("ENOENT")),
        })
    }

    /// `epoll_wait(epfd, events, maxevents, timeout)`.
    pub(crate) fn epoll_wait(&mut self, call: &Syscall, timed_out: bool) -> Step<Call> {
        let epfd = arg(call, 0)?.unwrap_or(-1);
        let max = arg(call, 2)?.unwrap_or(1).max(1) as usize;
        let timeout = arg(call, 3)?.unwrap_or(0);
        let Some(ep) = self.sockets.epolls.get(&epfd) else {
            return Ok(Call::Done(-1, Some("EBADF")));
        };
        let polled: Vec<(i64, i64)> = ep
            .listed()
            .into_iter()
            .map(|(fd, ev)| (fd, self.revents(fd, ev) & ev))
            .collect();
        let got = self
            .sockets
            .epolls
            .get_mut(&epfd)
            .map(|e| e.report(&polled, max))
            .unwrap_or_default();
        if got.is_empty() && timeout != 0 && !timed_out {
            let deadline =
                (timeout > 0).then(|| self.now + SimDuration::from_millis(timeout as u64));
            return Ok(Call::Block(deadline));
        }
        let want: Vec<&Expr> = match call.args.get(1) {
            Some(Expr::List(items)) => items.iter().collect(),
            Some(e @ Expr::Struct(_)) => vec![e],
            _ => vec![],
        };
        for (i, (fd, revents)) in got.iter().enumerate() {
            let Some(w) = want.get(i) else { break };
            let (events, wfd) = event_fields(w)?;
            if events.is_some_and(|e| e != *revents) || wfd.is_some_and(|f| f != *fd) {
                return fail(format!(
                    "epoll_wait(): expected events {:#x} on fd {} vs actual {revents:#x} on fd {fd}",
                    events.unwrap_or(0),
                    wfd.unwrap_or(-1)
                ));
            }
        }
        Ok(Call::Done(got.len() as i64, None))
    }

    /// An epoll instance has a descriptor listed (a poll of it reads
    /// POLLIN).
    pub(crate) fn epoll_ready(&self, epfd: i64) -> bool {
        self.sockets
            .epolls
            .get(&epfd)
            .is_some_and(|e| !e.listed().is_empty())
    }

    /// Wakes the epoll items watching a connection (or a listener on
    /// `port`).
    pub(crate) fn epoll_wake(&mut self, conn: Option<ConnId>, port: Option<u16>, why: Wake) {
        if self.sockets.epolls.is_empty() {
            return;
        }
        for fd in self.sockets.fds_of(conn, port) {
            for e in self.sockets.epolls.values_mut() {
                e.wake(fd, why);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPOLLOUT: i64 = 0x4;

    #[test]
    fn edge_triggered_items_report_once_per_wake_up() {
        let mut e = Epoll::default();
        assert!(e.set(4, EPOLLIN | EPOLLOUT | EPOLLET, false, EPOLLOUT));
        let polled: Vec<_> = e
            .listed()
            .into_iter()
            .map(|(fd, _)| (fd, EPOLLOUT))
            .collect();
        assert_eq!(e.report(&polled, 8), [(4, EPOLLOUT)]);
        assert!(e.listed().is_empty(), "edge-triggered: reported once");
        e.wake(4, Wake::Readable);
        assert_eq!(e.listed(), [(4, EPOLLIN | EPOLLOUT)]);
    }

    #[test]
    fn level_triggered_items_stay_listed_while_ready() {
        let mut e = Epoll::default();
        assert!(e.set(4, EPOLLIN, false, EPOLLIN));
        assert!(!e.set(4, EPOLLIN, false, EPOLLIN), "EEXIST");
        assert_eq!(e.report(&[(4, EPOLLIN)], 8), [(4, EPOLLIN)]);
        assert_eq!(e.report(&[(4, EPOLLIN)], 8), [(4, EPOLLIN)]);
        // Polled with nothing to report: dropped from the list.
        assert!(e.report(&[(4, 0)], 8).is_empty());
        assert!(e.listed().is_empty());
        // A writer-only item is not woken by data.
        assert!(e.set(5, EPOLLOUT, false, 0));
        e.wake(5, Wake::Readable);
        assert!(e.listed().is_empty());
        e.wake(5, Wake::All);
        assert_eq!(e.listed(), [(5, EPOLLOUT)]);
        assert!(e.remove(5) && !e.remove(5));
    }
}
