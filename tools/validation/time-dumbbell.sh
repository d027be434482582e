#!/usr/bin/env bash
# Speed beside ns-3 for docs/validation.md's "Dumbbell: speed per algorithm": the matched 30 s
# dumbbell (two flows, 10 Mbps / 20 ms bottleneck, SACK and timestamps on) once per algorithm
# (NewReno, CUBIC + NewReno, BBR, Vegas), ns-3's xval-tcp against `netsim run --outputs
# summary` (each process whole: start-up, set-up, the run, its figures). Prints, per algorithm,
# the CPU seconds (user + system) and wall seconds of one run, as the median of REPS runs of
# ns-3 and of REPS batches of 10 netsim runs (divided by 10: one netsim run is near the clock's
# 10 ms resolution), and the ratio of CPU times. CPU time is the figure to quote on a shared
# machine: wall time there also counts other processes' turns.
#
# Usage: tools/validation/time-dumbbell.sh NS3_SRC
# Environment: NETSIM (default: built with cargo --release into CARGO_TARGET_DIR or target/),
# REPS (default 3).
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,13p "$0" >&2; exit 2; }
NS3=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REPS=${REPS:-3}
bin=""
for b in "$NS3"/build/scratch/ns3*-xval-tcp-optimized; do [ -x "$b" ] && bin=$b; done
[ -n "$bin" ] || { echo "no xval-tcp under $NS3/build/scratch: run tools/validation/ns3-build.sh $NS3" >&2; exit 2; }
if [ -z "${NETSIM:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p scenarios --bin netsim)
  NETSIM=${CARGO_TARGET_DIR:-$ROOT/target}/release/netsim
fi
# ns3-side.sh's matched settings, SACK on (ns-3's defaults).
COMMON=(--ns3::TcpSocket::InitialCwnd=10 --ns3::TcpSocket::DelAckCount=2
        --ns3::TcpSocket::DelAckTimeout=200ms --ns3::TcpSocketBase::MinRto=1s
        --ns3::RttEstimator::InitialEstimation=1s --ns3::TcpSocket::ConnTimeout=1s)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf '| algorithm | ns-3 CPU s | netsim CPU s | CPU ratio | ns-3 wall s | netsim wall s |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
for algo in newreno cubic bbr vegas; do
  on='"sack": true, "timestamps": true, "mss": 1460'
  case $algo in
    newreno) tcp=(--tcp=NewReno); s="{$on}"; src=dumbbell.json ;;
    cubic) tcp=(--tcp=Cubic --tcp2=NewReno); s="{$on}"; src=dumbbell-cubic.json ;;
    bbr) tcp=(--tcp=Bbr --ns3::TcpSocketState::EnablePacing=true); s="{$on, \"congestion\": \"bbr\"}"; src=dumbbell.json ;;
    vegas) tcp=(--tcp=Vegas); s="{$on, \"congestion\": \"vegas\"}"; src=dumbbell.json ;;
  esac
  jq --argjson s "$s" '.endpoints |= map(.tcp += $s)' "$ROOT/docs/validation/$src" > "$work/$algo.json"
  : > "$work/ns3"; : > "$work/netsim"
  for _ in $(seq 1 "$REPS"); do
    /usr/bin/time -f '%U %S %e' -a -o "$work/ns3" "$bin" --mode=dumbbell --rate=10Mbps \
      --delay=20ms --queue=100 --duration=30 --sndBuf=4194304 --rcvBuf=4194304 --run=1 \
      "${tcp[@]}" "${COMMON[@]}" > /dev/null
    /usr/bin/time -f '%U %S %e' -a -o "$work/netsim" bash -c '
      for i in 1 2 3 4 5 6 7 8 9 10; do
        rm -rf "$2/out"; "$0" run "$1" --seed 1 --outputs summary --out "$2/out" > /dev/null
      done' "$NETSIM" "$work/$algo.json" "$work"
  done
  n_cpu=$(awk '{print $1 + $2}' "$work/ns3" | median)
  n_wall=$(awk '{print $3}' "$work/ns3" | median)
  s_cpu=$(awk '{print ($1 + $2) / 10}' "$work/netsim" | median)
  s_wall=$(awk '{print $3 / 10}' "$work/netsim" | median)
  printf '| %s | %.2f | %.3f | %.0f | %.2f | %.3f |\n' "$algo" "$n_cpu" "$s_cpu" \
    "$(awk -v a="$n_cpu" -v b="$s_cpu" 'BEGIN {print a / b}')" "$n_wall" "$s_wall"
done
