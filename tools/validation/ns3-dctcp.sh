#!/usr/bin/env bash
# ns-3's side of docs/validation.md's "DCTCP": copies docs/validation/ns3/xval-dctcp.cc into
# NS3_SRC/scratch, builds it (NS3_SRC configured and built by tools/validation/ns3-build.sh; the
# traffic-control module comes with internet), runs RUNS runs per set (number of senders x
# marking threshold K) one after another, and prints one tab-separated line per run (the columns
# of netsim-dctcp.sh) and the summary rows (summarise-dctcp.awk).
#
# Usage: tools/validation/ns3-dctcp.sh NS3_SRC [OUTDIR]
#   OUTDIR (default out/validation/ns3): raw outputs of every run are kept in OUTDIR/dctcp.
# Each run r starts sender i at a time in [0, 5 ms) drawn from r (starts_us below), as
# netsim-dctcp.sh does for its seed r.
# Environment: RUNS (default 5: ns-3 runs 1..RUNS of seed 1), SENDERS (default "2 3"), KS
# (default "20 65"), NS3_ARGS (more ns-3 attributes or xval-dctcp options, appended last, e.g.
# "--floor=true" or "--gentle=true"; give another OUTDIR), SIDE (the rows' first column, default ns-3).
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,14p "$0" >&2; exit 2; }
NS3=$(cd "$1" && pwd); OUT=${2:-out/validation/ns3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROGRAM=$HERE/../../docs/validation/ns3/xval-dctcp.cc
RUNS=${RUNS:-5}; SENDERS=${SENDERS:-"2 3"}; KS=${KS:-"20 65"}; SIDE=${SIDE:-ns-3}
[ -x "$NS3/ns3" ] && [ -d "$NS3/cmake-cache" ] ||
  { echo "no configured ns-3 tree at $NS3: run tools/validation/ns3-build.sh $NS3" >&2; exit 2; }
# An unchanged copy keeps its mtime, so nothing rebuilds.
cmp -s "$PROGRAM" "$NS3/scratch/xval-dctcp.cc" 2>/dev/null || cp "$PROGRAM" "$NS3/scratch/xval-dctcp.cc"
cmake --build "$NS3/cmake-cache" -j 2 --target scratch_xval-dctcp >&2
bin=""
for b in "$NS3"/build/scratch/ns3*-xval-dctcp-optimized; do [ -x "$b" ] && bin=$b; done
[ -n "$bin" ] || { echo "no xval-dctcp under $NS3/build/scratch" >&2; exit 2; }

# xval-dctcp sets the TCP matched to docs/validation/dctcp.json itself (TcpDctcp, SegmentSize
# 1448, InitialCwnd 10, DelAckCount 2, DelAckTimeout 200 ms, MinRto 200 ms, SACK and timestamps
# on, PRR (ns-3's default recovery), 4 MB buffers); the window is 1 s to 5 s.
read -r -a MORE <<< "${NS3_ARGS:-}"

dir="$OUT/dctcp"; mkdir -p "$dir"
tsv="$dir/runs.tsv"; : > "$tsv"
# Sender i's start time in microseconds for a seed, in [0, 5000): a few Park-Miller (MINSTD) steps,
# exact in awk's doubles; ns3-dctcp.sh and netsim-dctcp.sh share the formula, so run/seed s starts
# the flows at the same times in both simulators.
starts_us() { awk -v s="$1" -v n="$2" 'BEGIN { x = (s * 16807 + 1) % 2147483647
    for (i = 1; i <= n; i++) { for (j = 0; j < 3; j++) x = (x * 48271) % 2147483647
    printf "%s%d", (i > 1 ? "," : ""), x % 5000 } }'; }
field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" | head -n 1; }
for n in $SENDERS; do
  for k in $KS; do
    set_="n$n-k$k"
    for run in $(seq 1 "$RUNS"); do
      f="$dir/$set_-run-$run.txt"
      /usr/bin/time -f "wall_s=%e user_s=%U" -o "$f.time" "$bin" --senders="$n" --K="$k" --from=1 --stop=5 \
        --run="$run" --startsUs="$(starts_us "$run" "$n")" "${MORE[@]}" > "$f"
      w=" $(grep '^window:' "$f")"; b=" $(grep '^bottleneck:' "$f")"
      flows=$(grep '^flow' "$f")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SIDE" "$set_" "$run" \
        "$(echo "$flows" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^goodput_bps=/) { v = substr($i, 13) / 1e6;
            t += v; if (mn == "" || v < mn) mn = v; if (v > mx) mx = v } } END { printf "%s\t%s\t%s", t, mn, mx }')" \
        "$(echo "$w" | field jain)" "$(echo "$w" | field utilisation)" \
        "$(echo "$w" | field queue_mean_p)" "$(echo "$w" | field queue_max_p)" \
        "$(echo "$w" | field marks)" \
        "$(echo "$b" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "drops" || kv[1] == "device_drops") d += kv[2] } } END { print d + 0 }')" \
        "$(echo "$flows" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
            END { printf "%d\t%d\t%d", s["retx"], s["timeouts"], s["ecn_reductions"] }')" >> "$tsv"
    done
    sed -n 1p "$dir/$set_-run-1.txt" >&2
    echo "$set_ wall time of run 1: $(cat "$dir/$set_-run-1.txt.time")" >&2
  done
done
awk -f "$HERE/summarise-dctcp.awk" "$tsv"
