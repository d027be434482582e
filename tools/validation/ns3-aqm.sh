#!/usr/bin/env bash
# ns-3's side of docs/validation.md's "Queue disciplines": copies
# docs/validation/ns3/xval-aqm.cc into NS3_SRC/scratch, builds it (NS3_SRC configured and
# built by tools/validation/ns3-build.sh; the traffic-control module comes with internet), runs
# RUNS runs per queue discipline one after another, and prints one tab-separated line per run
# (the columns of netsim-aqm.sh) and the summary rows (summarise-aqm.awk).
#
# Usage: tools/validation/ns3-aqm.sh NS3_SRC [OUTDIR]
#   OUTDIR (default out/validation/ns3): raw outputs of every run are kept in OUTDIR/aqm.
# Environment: RUNS (default 20: ns-3 runs 1..RUNS of seed 1), QDISCS (default
# "pfifo red codel fq_codel pie"), NS3_ARGS (more ns-3 attributes or xval-aqm options, appended
# last, e.g. "--ns3::TcpSocketBase::Sack=true"; give another OUTDIR), SIDE (the rows' first
# column, default ns-3).
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,12p "$0" >&2; exit 2; }
NS3=$(cd "$1" && pwd); OUT=${2:-out/validation/ns3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROGRAM=$HERE/../../docs/validation/ns3/xval-aqm.cc
RUNS=${RUNS:-20}
QDISCS=${QDISCS:-"pfifo red codel fq_codel pie"}; SIDE=${SIDE:-ns-3}
[ -x "$NS3/ns3" ] && [ -d "$NS3/cmake-cache" ] ||
  { echo "no configured ns-3 tree at $NS3: run tools/validation/ns3-build.sh $NS3" >&2; exit 2; }
# An unchanged copy keeps its mtime, so nothing rebuilds.
cmp -s "$PROGRAM" "$NS3/scratch/xval-aqm.cc" 2>/dev/null || cp "$PROGRAM" "$NS3/scratch/xval-aqm.cc"
cmake --build "$NS3/cmake-cache" -j 2 --target scratch_xval-aqm >&2
bin=""
for b in "$NS3"/build/scratch/ns3*-xval-aqm-optimized; do [ -x "$b" ] && bin=$b; done
[ -n "$bin" ] || { echo "no xval-aqm under $NS3/build/scratch" >&2; exit 2; }

# TCP matched to netsim's rfc profile as bufferbloat.json uses it: NewReno, SACK and timestamps
# off, limited transmit on, classic (RFC 6582) recovery, MSS 1460, initial window 3 segments
# (RFC 5681 at MSS 1460), delayed ACK every second segment or 200 ms, min and initial RTO 1 s,
# SYN RTO 1 s (ns-3's ConnTimeout, 3 s by default), Nagle on (ns-3's TcpNoDelay is on by
# default), 16 MB buffers (--buf).
TCP=(--ns3::TcpSocket::InitialCwnd=3 --ns3::TcpSocket::DelAckCount=2
     --ns3::TcpSocket::DelAckTimeout=200ms --ns3::TcpSocketBase::MinRto=1s
     --ns3::RttEstimator::InitialEstimation=1s --ns3::TcpSocket::ConnTimeout=1s
     --ns3::TcpSocket::TcpNoDelay=false
     --ns3::TcpSocketBase::Sack=false --ns3::TcpSocketBase::Timestamp=false
     --ns3::TcpSocketBase::LimitedTransmit=true
     --ns3::TcpL4Protocol::RecoveryType=ns3::TcpClassicRecovery)
read -r -a MORE <<< "${NS3_ARGS:-}"

dir="$OUT/aqm"; mkdir -p "$dir"
tsv="$dir/runs.tsv"; : > "$tsv"
field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" | head -n 1; }
for q in $QDISCS; do
  for run in $(seq 1 "$RUNS"); do
    f="$dir/$q-run-$run.txt"
    "$bin" --qdisc="$q" --limit=1000 --devQueue=1 --maxBytes=25000000 --buf=16777216 \
      --duration=30 --run="$run" "${TCP[@]}" "${MORE[@]}" > "$f"
    p=" $(grep '^ping:' "$f")"; b=" $(grep '^bulk:' "$f")"; d=" $(grep '^bottleneck:' "$f")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SIDE" "$q" "$run" \
      "$(echo "$p" | field sent)" "$(echo "$p" | field received)" \
      "$(echo "$p" | field rtt_mean_s | awk '{print $1 * 1000}')" \
      "$(echo "$p" | field rtt_max_s | awk '{print $1 * 1000}')" \
      "$(echo "$b" | field goodput_bps | awk '{print $1 / 1e6}')" \
      "$(echo "$d" | field drops)" >> "$tsv"
  done
  sed -n 1p "$dir/$q-run-1.txt" >&2
done
awk -f "$HERE/summarise-aqm.awk" "$tsv"
