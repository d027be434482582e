#!/usr/bin/env bash
# netsim's side of docs/validation.md: runs the matched scenarios of docs/validation/ with
# `netsim batch` over seeds 1..20 and prints one tab-separated line per run (the columns of
# ns3-side.sh), then the summary rows (summarise.awk).
#
# Usage: tools/validation/netsim-side.sh SET [TCP_SETTINGS] [OUTDIR]
#   SET: bulk-sack-off              docs/validation/bulk-sack-off.json (loss 0 .. 2 %)
#        dumbbell-sack-off          docs/validation/dumbbell.json (two NewReno flows)
#        dumbbell-cubic-sack-off    docs/validation/dumbbell-cubic.json (CUBIC + NewReno)
#        dumbbell-vegas-sack-on     docs/validation/dumbbell.json with TCP_SETTINGS, which
#          name "congestion": "vegas" (both flows Vegas)
#        bulk-sack-on | dumbbell-sack-on | dumbbell-cubic-sack-on: the same scenarios with
#          TCP_SETTINGS merged into every endpoint's "tcp" object, e.g. once netsim has
#          its SACK knobs: '{"sack": true, "timestamps": true, "mss": 1460}' (ns-3 puts
#          the 12 timestamp bytes on top of its 1448-byte segments; netsim takes them out
#          of the MSS, so 1460 keeps 1448 payload bytes). Give the names the scenario
#          format has for SACK, timestamps, PRR and limited transmit.
#        dumbbell-bbr-sack-on: docs/validation/dumbbell.json with TCP_SETTINGS that name
#          BBR too ('{..., "congestion": "bbr"}'), against ns3-side.sh's two TcpBbr flows.
#   TCP_SETTINGS may also be given for the -sack-off sets (default {}).
#   OUTDIR (default out/validation/netsim): the batch folders are kept there.
# Environment: NETSIM (the netsim binary; default: built with cargo --release into
# CARGO_TARGET_DIR or target/), SEEDS (default 1..=20), JOBS (default 2).
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,22p "$0" >&2; exit 2; }
SET=$1; SETTINGS=${2:-'{}'}; OUT=${3:-out/validation/netsim}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEEDS=${SEEDS:-1..=20}; JOBS=${JOBS:-2}
if [ -z "${NETSIM:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p scenarios --bin netsim)
  NETSIM=${CARGO_TARGET_DIR:-$ROOT/target}/release/netsim
fi
case "$SET" in
  bulk-*) src=$ROOT/docs/validation/bulk-sack-off.json ;;
  dumbbell-cubic-*) src=$ROOT/docs/validation/dumbbell-cubic.json ;;
  dumbbell-*) src=$ROOT/docs/validation/dumbbell.json ;;
  *) echo "unknown SET $SET" >&2; exit 2 ;;
esac
case "$SET" in
  *-sack-on) [ "$SETTINGS" != '{}' ] || { echo "$SET needs TCP_SETTINGS (netsim's SACK knobs)" >&2; exit 2; } ;;
  *-sack-off) ;;
  *) echo "unknown SET $SET" >&2; exit 2 ;;
esac
dir="$OUT/$SET"; mkdir -p "$dir"
scenario="$dir/scenario.json"
jq --argjson s "$SETTINGS" '.name += "-'"$SET"'" | .endpoints |= map(.tcp += $s)' "$src" > "$scenario"
"$NETSIM" batch "$scenario" --seeds "$SEEDS" --jobs "$JOBS" --out "$dir/batch" > "$dir/batch.log" 2>&1 ||
  { echo "netsim batch failed (exit $?): $dir/batch.log" >&2; tail -n 20 "$dir/batch.log" >&2; exit 1; }
tsv="$dir/runs.tsv"
case "$SET" in
  bulk-*)
    jq -r --arg set "$SET" '["netsim", $set, (.params.loss // 0), .seed,
        (.metrics["a.tcp.all_acked_at_ns"] / 1e9), .metrics["a.tcp.retransmissions"],
        .metrics["a.tcp.timeouts"], .metrics["a.tcp.fast_retransmits"]] | @tsv' \
      "$dir/batch/runs.jsonl" > "$tsv" ;;
  dumbbell-*)
    jq -r --arg set "$SET" '["netsim", $set, "-", .seed,
        .metrics["d0.tcp.bytes_delivered"], .metrics["d1.tcp.bytes_delivered"],
        .metrics["s0.tcp.retransmissions"], .metrics["s1.tcp.retransmissions"],
        .metrics["s0.tcp.timeouts"], .metrics["s1.tcp.timeouts"],
        .metrics["s0.tcp.fast_retransmits"], .metrics["s1.tcp.fast_retransmits"],
        .metrics["link.r0->r1.dropped_queue_full"]] | @tsv' \
      "$dir/batch/runs.jsonl" > "$tsv" ;;
esac
awk -f "$HERE/summarise.awk" "$tsv"
