#!/usr/bin/env bash
# netsim's side of docs/validation.md's "Queue disciplines": runs scenarios/library/bufferbloat.json
# (bulk NewReno upload and 100 ms pings across a 10 Mbps / 10 ms bottleneck with a 1000-packet
# queue, swept over drop_tail, red, codel, fq_codel, pie) with `netsim batch` over seeds 1..20,
# prints one tab-separated line per run (the columns of ns3-aqm.sh) and the summary rows
# (summarise-aqm.awk).
#
# Usage: tools/validation/netsim-aqm.sh [OUTDIR [TCP_SETTINGS]]
#   OUTDIR (default out/validation/netsim): the batch folder is kept in OUTDIR/aqm.
#   TCP_SETTINGS (default {}): merged into both TCP endpoints' "tcp", e.g. '{"sack": true}'.
# Environment: NETSIM (the netsim binary; default: built with cargo --release into
# CARGO_TARGET_DIR or target/), SEEDS (default 1..=20), JOBS (default 2), SIDE (the rows'
# first column, default netsim).
set -euo pipefail
OUT=${1:-out/validation/netsim}; SETTINGS=${2:-'{}'}; SIDE=${SIDE:-netsim}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEEDS=${SEEDS:-1..=20}; JOBS=${JOBS:-2}
if [ -z "${NETSIM:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p scenarios --bin netsim)
  NETSIM=${CARGO_TARGET_DIR:-$ROOT/target}/release/netsim
fi
dir="$OUT/aqm"; mkdir -p "$dir"
# The library scenario with more metrics (pings sent and answered, the bulk flow's bytes and
# recovery counters) and without its expectation that all 25 MB arrive within 30 s (a few
# RED and PIE runs do not finish; they are measured like the rest, as ns-3's are).
scenario="$dir/scenario.json"
jq --argjson s "$SETTINGS" '.name += "-xval" | .expect = []
    | .endpoints |= map(if .tcp then .tcp += $s else . end) | .metrics += ["c.ping.sent", "c.ping.received",
    "b.tcp.bytes_delivered", "a.tcp.retransmissions", "a.tcp.timeouts", "a.tcp.fast_retransmits"]' \
  "$ROOT/scenarios/library/bufferbloat.json" > "$scenario"
"$NETSIM" batch "$scenario" --seeds "$SEEDS" --jobs "$JOBS" \
  --out "$dir/batch" > "$dir/batch.log" 2>&1 ||
  { echo "netsim batch failed (exit $?): $dir/batch.log" >&2; tail -n 20 "$dir/batch.log" >&2; exit 1; }
tsv="$dir/runs.tsv"
# drop_tail is named pfifo in the rows, as ns-3's FifoQueueDisc.
jq -r --arg side "$SIDE" '[$side, (if .params.discipline == "drop_tail" then "pfifo" else .params.discipline end), .seed,
    .metrics["c.ping.sent"], .metrics["c.ping.received"],
    (.metrics["c.ping.rtt_mean_ns"] / 1e6), (.metrics["c.ping.rtt_max_ns"] / 1e6),
    (.metrics["a.tcp.goodput_bps"] / 1e6),
    ((.metrics["link.r1->r2.dropped_queue_full"] // 0) + (.metrics["link.r1->r2.dropped_aqm"] // 0))] | @tsv' \
  "$dir/batch/runs.jsonl" > "$tsv"
awk -f "$HERE/summarise-aqm.awk" "$tsv"
