#!/usr/bin/env bash
# ns-3's side of docs/validation.md: runs xval-tcp (docs/validation/ns3/xval-tcp.cc, built
# into NS3_SRC by tools/validation/ns3-build.sh) over 20 runs per point and writes one tab-separated
# line per run (the same columns as netsim-side.sh), then the summary rows (summarise.awk).
#
# Usage: tools/validation/ns3-side.sh NS3_SRC SET [OUTDIR]
#   SET: bulk-sack-off  100 MB NewReno, SACK, timestamps and limited transmit off, classic
#                       recovery; loss 0, 0.1, 0.5, 1, 2 %
#        bulk-sack-on   the same with ns-3's recovery defaults (SACK, timestamps, PRR,
#                       limited transmit)
#        dumbbell-sack-off | dumbbell-sack-on   two NewReno flows, 10 Mbps / 20 ms, 30 s
#        dumbbell-cubic-sack-off | dumbbell-cubic-sack-on   flow 1 CUBIC, flow 2 NewReno
#        dumbbell-bbr-sack-on   two TcpBbr flows (pacing on, as TcpBbr requires)
#        dumbbell-vegas-sack-on   both flows Vegas (ns-3's TcpVegas)
#   OUTDIR (default out/validation/ns3): raw outputs of every run are kept there.
# Environment: RUNS (default 20: ns-3 runs 1..RUNS of seed 1), LOSSES (default
# "0 0.001 0.005 0.01 0.02"), NS3_ARGS (more ns-3 attributes, appended last, e.g.
# "--ns3::TcpSocket::DelAckCount=1" for the every-segment-ACKed variant; give another OUTDIR).
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,18p "$0" >&2; exit 2; }
NS3=$(cd "$1" && pwd); SET=$2; OUT=${3:-out/validation/ns3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=${RUNS:-20}
LOSSES=${LOSSES:-"0 0.001 0.005 0.01 0.02"}
bin=""
for b in "$NS3"/build/scratch/ns3*-xval-tcp-optimized; do [ -x "$b" ] && bin=$b; done
[ -n "$bin" ] || { echo "no xval-tcp under $NS3/build/scratch: run tools/validation/ns3-build.sh $NS3" >&2; exit 2; }

# Matched settings: ns-3's defaults already give IW 10, delayed ACK every 2 segments or
# 200 ms, min RTO 1 s, no Nagle (TcpNoDelay); the SYN's RTO is ConnTimeout, 3 s by default, set
# to 1 s as netsim's initial RTO (RFC 6298 §2.1).
COMMON=(--ns3::TcpSocket::InitialCwnd=10 --ns3::TcpSocket::DelAckCount=2
        --ns3::TcpSocket::DelAckTimeout=200ms --ns3::TcpSocketBase::MinRto=1s
        --ns3::RttEstimator::InitialEstimation=1s --ns3::TcpSocket::ConnTimeout=1s)
SACK_OFF=(--ns3::TcpSocketBase::Sack=false --ns3::TcpSocketBase::Timestamp=false
          --ns3::TcpSocketBase::LimitedTransmit=false
          --ns3::TcpL4Protocol::RecoveryType=ns3::TcpClassicRecovery)
SACK_ON=()   # ns-3's defaults: SACK, timestamps, limited transmit, PRR

case "$SET" in
  *-sack-off) EXTRA=("${SACK_OFF[@]}") ;;
  *-sack-on) EXTRA=("${SACK_ON[@]}") ;;
  *) echo "unknown SET $SET" >&2; exit 2 ;;
esac
read -r -a MORE <<< "${NS3_ARGS:-}"
EXTRA+=("${MORE[@]}")

dir="$OUT/$SET"; mkdir -p "$dir"
tsv="$dir/runs.tsv"; : > "$tsv"
field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" | head -n 1; }
case "$SET" in
  bulk-*)
    for loss in $LOSSES; do
      for run in $(seq 1 "$RUNS"); do
        f="$dir/loss-$loss-run-$run.txt"
        "$bin" --mode=bulk --loss="$loss" --queue=100 --run="$run" "${COMMON[@]}" "${EXTRA[@]}" > "$f"
        l=$(grep '^flow=0 rx_bytes' "$f")
        printf 'ns-3\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SET" "$loss" "$run" \
          "$(echo " $l" | field all_acked_s)" "$(echo " $l" | field retx)" \
          "$(echo " $l" | field timeouts)" "$(echo " $l" | field fast_retransmits)" >> "$tsv"
      done
    done
    head -n 3 "$dir/loss-0-run-1.txt" | sed -n '2,3p' >&2
    awk -f "$HERE/summarise.awk" "$tsv" ;;
  dumbbell-*)
    tcp=(--tcp=NewReno)
    case "$SET" in
      dumbbell-cubic-*) tcp=(--tcp=Cubic --tcp2=NewReno) ;;
      dumbbell-bbr-*) tcp=(--tcp=Bbr --ns3::TcpSocketState::EnablePacing=true) ;;
      dumbbell-vegas-*) tcp=(--tcp=Vegas) ;;
    esac
    for run in $(seq 1 "$RUNS"); do
      f="$dir/run-$run.txt"
      "$bin" --mode=dumbbell --rate=10Mbps --delay=20ms --queue=100 --duration=30 \
        --sndBuf=4194304 --rcvBuf=4194304 --run="$run" "${tcp[@]}" "${COMMON[@]}" "${EXTRA[@]}" > "$f"
      l0=$(grep '^flow=0 rx_bytes' "$f"); l1=$(grep '^flow=1 rx_bytes' "$f")
      drops=$(grep '^bottleneck_drops' "$f" | sed 's/^bottleneck_drops=\([0-9]*\).*/\1/')
      printf 'ns-3\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SET" "$run" \
        "$(echo " $l0" | field rx_bytes)" "$(echo " $l1" | field rx_bytes)" \
        "$(echo " $l0" | field retx)" "$(echo " $l1" | field retx)" \
        "$(echo " $l0" | field timeouts)" "$(echo " $l1" | field timeouts)" \
        "$(echo " $l0" | field fast_retransmits)" "$(echo " $l1" | field fast_retransmits)" \
        "$drops" >> "$tsv"
    done
    sed -n '2,4p' "$dir/run-1.txt" >&2
    awk -f "$HERE/summarise.awk" "$tsv" ;;
esac
