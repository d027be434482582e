#!/usr/bin/env bash
# netsim's side of docs/validation.md's "DCTCP": runs docs/validation/dctcp.json (DCTCP bulk
# uploads from N senders through a 100 Mbps port marking CE at K packets waiting, 100 us links,
# measured from 1 s to 5 s), made into each set (number of senders x K) with jq, once per seed
# with `netsim run --outputs summary,timeseries`, sender i started at a time in [0, 5 ms)
# drawn from the seed (starts_us, the same as ns3-dctcp.sh's for its run of that number),
# prints one tab-separated line per run (the columns of ns3-dctcp.sh) and the summary rows
# (summarise-dctcp.awk).
#
# Usage: tools/validation/netsim-dctcp.sh [OUTDIR [TCP_SETTINGS]]
#   OUTDIR (default out/validation/netsim): the scenarios and run folders are kept in OUTDIR/dctcp.
#   TCP_SETTINGS (default {}): merged into every TCP endpoint's "tcp", e.g. '{"delayed_ack": "0s"}'.
# Environment: NETSIM (the netsim binary; default: built with cargo --release into
# CARGO_TARGET_DIR or target/), SEEDS (default "1 2 3 4 5"), SENDERS (default "2 3"), KS
# (default "20 65"), SIDE (the rows' first column, default netsim).
set -euo pipefail
OUT=${1:-out/validation/netsim}; SETTINGS=${2:-'{}'}; SIDE=${SIDE:-netsim}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEEDS=${SEEDS:-"1 2 3 4 5"}; SENDERS=${SENDERS:-"2 3"}; KS=${KS:-"20 65"}
if [ -z "${NETSIM:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p scenarios --bin netsim)
  NETSIM=${CARGO_TARGET_DIR:-$ROOT/target}/release/netsim
fi
dir="$OUT/dctcp"; mkdir -p "$dir"
tsv="$dir/runs.tsv"; : > "$tsv"
# Sender i's start time in microseconds for a seed, in [0, 5000): a few Park-Miller (MINSTD) steps,
# exact in awk's doubles; ns3-dctcp.sh and netsim-dctcp.sh share the formula, so run/seed s starts
# the flows at the same times in both simulators.
starts_us() { awk -v s="$1" -v n="$2" 'BEGIN { x = (s * 16807 + 1) % 2147483647
    for (i = 1; i <= n; i++) { for (j = 0; j < 3; j++) x = (x * 48271) % 2147483647
    printf "%s%d", (i > 1 ? "," : ""), x % 5000 } }'; }
for n in $SENDERS; do
  for k in $KS; do
    set_="n$n-k$k"
    scenario="$dir/$set_.json"
    # n senders s1..sn (each a copy of s1's link and endpoint), the marker at k, the counters
    # the rows read.
    jq --argjson n "$n" --argjson k "$k" --argjson s "$SETTINGS" '
        .topology.links[0] as $acc | .topology.links[-1] as $bot | .endpoints[1] as $snd
        | .name += "-\($n)-k\($k)"
        | .topology.nodes = [range(1; $n + 1) | "s\(.)"] + ["r"]
        | .topology.links = [range(1; $n + 1) as $i | $acc | .between = ["s\($i)", "sw"]]
            + [$bot | .one_way[0].ecn_mark.threshold_packets = $k]
        | .endpoints = [.endpoints[0]] + [range(1; $n + 1) as $i | $snd | .node = "s\($i)"]
        | .endpoints |= map(.tcp += $s)
        | .derived[1].jain = [range(1; $n + 1) | "s\(.).tcp.goodput_bps"]' \
      "$ROOT/docs/validation/dctcp.json" > "$scenario"
    for seed in $SEEDS; do
      run="$dir/$set_-seed-$seed"
      # Sender i starts at the i-th of this seed's start times (as ns3-dctcp.sh's run "$seed").
      jq --arg st "$(starts_us "$seed" "$n")" '($st | split(",")) as $st
          | .endpoints |= map(if .tcp.connect then .tcp.at = "\($st[(.node[1:] | tonumber) - 1])us" else . end)' \
        "$scenario" > "$run.json"
      /usr/bin/time -f "wall_s=%e user_s=%U" -o "$run.time" "$NETSIM" run "$run.json" --seed "$seed" --out "$run" \
        --outputs summary,timeseries > "$run.log" 2>&1 ||
        { echo "netsim run failed: $run.log" >&2; tail -n 20 "$run.log" >&2; exit 1; }
      # Queue mean and max over the samples at 1 s < t <= 5 s, marks summed over the same
      # intervals (each sample's marks are those of the interval before it).
      q=$(awk -F, '$1 > 1e9 && $1 <= 5e9 && $3 == "sw->r" {
            if ($2 == "queue_packets") { n++; s += $4; if ($4 > m) m = $4 }
            if ($2 == "marks") mk += $4 }
          END { printf "%.4f\t%d\t%d", s / n, m, mk }' "$run/timeseries.csv")
      jq -r --arg side "$SIDE" --arg set "$set_" --arg seed "$seed" --arg q "$q" --argjson n "$n" '
          .metrics as $m | [range(1; $n + 1) | $m["s\(.).tcp.goodput_bps"] / 1e6] as $g
          | [$side, $set, $seed, ($g | add), ($g | min), ($g | max), $m["derived.fairness"], $m["derived.port"]]
            + ($q | split("\t"))
            + [(($m["link.sw->r.dropped_queue_full"] // 0) + ($m["link.sw->r.dropped_aqm"] // 0)),
               ([range(1; $n + 1) | $m["s\(.).tcp.retransmissions"]] | add),
               ([range(1; $n + 1) | $m["s\(.).tcp.timeouts"]] | add),
               ([range(1; $n + 1) | $m["s\(.).tcp.ecn_reductions"]] | add)] | @tsv' \
        "$run/summary.json" >> "$tsv"
    done
    echo "$set_ wall time of seed ${SEEDS%% *}: $(cat "$dir/$set_-seed-${SEEDS%% *}.time")" >&2
  done
done
awk -f "$HERE/summarise-dctcp.awk" "$tsv"
