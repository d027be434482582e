//! The fault hook: the plan's fault rules applied to each packet as it is
//! offered to a link, including an on-path attacker's tampering with TLS
//! bytes.
//!
//! Rules are matched against the same fields the trace shows for the
//! packet, so a rule reads like the trace line it is meant to hit.

use sim_core::{Field, Value};

use crate::plan::{FaultRule, Plan, value_matches};
use sim_apps::payload::Wire;

/// The hook that applies the plan's fault rules: each rule counts the
/// packets that match it, in the order they are offered to links.
pub(super) fn fault_hook(plan: &Plan) -> sim_core::FaultHook<Wire> {
    let rules: Vec<FaultRule> = plan.faults.clone();
    let topology = plan.topology.clone();
    let mut seen = vec![0u32; rules.len()];
    Box::new(move |now, dir, packet: &mut sim_core::Packet<Wire>| {
        let mut fields: sim_core::Fields = vec![
            (Field::Src, Value::Node(packet.src)),
            (Field::Dst, Value::Node(packet.dst)),
            (Field::Size, Value::U64(u64::from(packet.size))),
        ];
        sim_core::Payload::trace_fields(&packet.payload, &mut fields);
        for (rule, count) in rules.iter().zip(seen.iter_mut()) {
            if !rule.dirs.contains(&dir) || now < rule.after || now >= rule.before {
                continue;
            }
            let hit = rule.fields.iter().all(|(k, want)| {
                fields
                    .iter()
                    .find(|(name, _)| name == k)
                    .is_some_and(|(_, v)| value_matches(v, want, &topology))
            });
            if !hit {
                continue;
            }
            *count += 1;
            let n = *count;
            if n >= rule.first && (rule.times == 0 || n < rule.first + rule.times) {
                if let Some(how) = &rule.tamper {
                    // Only a segment with real (TLS) bytes can be changed.
                    let changed = match &mut packet.payload {
                        Wire::Tcp { bytes: Some(b), .. } => {
                            let mut v = b.to_vec();
                            let done = how.apply(&mut v);
                            *b = std::sync::Arc::from(v);
                            done
                        }
                        _ => false,
                    };
                    return if changed {
                        rule.action
                    } else {
                        sim_core::FaultAction::Pass
                    };
                }
                return rule.action;
            }
        }
        sim_core::FaultAction::Pass
    })
}
