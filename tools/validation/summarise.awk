# Summarises the tab-separated run lines of ns3-side.sh and netsim-side.sh: one markdown row
# per (side, set, loss) with the mean, sample standard deviation, min and max of each column.
#   bulk lines:     side set loss seed all_acked_s retx timeouts fast_retransmits
#   dumbbell lines: side set - seed rx0 rx1 retx0 retx1 timeouts0 timeouts1 fast_rtx0 fast_rtx1 drops
# Bulk rows add the goodput 8e8 bits / all_acked_s (Mbps, mean over runs of each run's
# goodput); dumbbell rows give each flow's goodput over 30 s (Mbps) and the utilisation
# (both flows' delivered payload / 10 Mbps x 30 s).
# Usage: awk -f summarise.awk FILE.tsv...   (awk -v DURATION=30 -v RATE=10e6 for other dumbbells)
BEGIN { FS = "\t"; if (DURATION == "") DURATION = 30; if (RATE == "") RATE = 10e6 }
function acc(k, j, v) {
  n[k, j]++; s[k, j] += v; ss[k, j] += v * v
  if (!((k, j) in mn) || v < mn[k, j]) mn[k, j] = v
  if (!((k, j) in mx) || v > mx[k, j]) mx[k, j] = v
}
function stat(k, j, digits,   m, var) {
  m = s[k, j] / n[k, j]
  var = n[k, j] > 1 ? (ss[k, j] - n[k, j] * m * m) / (n[k, j] - 1) : 0
  if (var < 0) var = 0
  return sprintf("%." digits "f ± %." digits "f [%." digits "f–%." digits "f]", m, sqrt(var), mn[k, j], mx[k, j])
}
NF >= 8 {
  k = $1 SUBSEP $2 SUBSEP $3
  if (!(k in seen)) { seen[k] = 1; order[++keys] = k; kind[k] = (NF == 8 ? "bulk" : "dumbbell") }
  runs[k]++
  if (NF == 8) {
    acc(k, 1, $5); acc(k, 2, 8e8 / $5 / 1e6); acc(k, 3, $6); acc(k, 4, $7); acc(k, 5, $8)
  } else {
    acc(k, 1, $5 * 8 / DURATION / 1e6); acc(k, 2, $6 * 8 / DURATION / 1e6)
    acc(k, 3, ($5 + $6) * 8 / DURATION / RATE * 100)
    acc(k, 4, $7); acc(k, 5, $8); acc(k, 6, $9); acc(k, 7, $10); acc(k, 8, $11); acc(k, 9, $12); acc(k, 10, $13)
  }
}
END {
  hb = 0; hd = 0
  for (i = 1; i <= keys; i++) {
    k = order[i]; split(k, p, SUBSEP)
    if (kind[k] == "bulk") {
      if (!hb++) {
        print "| side | set | loss | runs | completion s (all acked) | goodput Mbps | retransmissions | timeouts | fast retransmits |"
        print "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
      }
      printf "| %s | %s | %g %% | %d | %s | %s | %s | %s | %s |\n", p[1], p[2], p[3] * 100, runs[k],
        stat(k, 1, 3), stat(k, 2, 2), stat(k, 3, 0), stat(k, 4, 1), stat(k, 5, 1)
    } else {
      if (!hd++) {
        print "| side | set | runs | flow 1 Mbps | flow 2 Mbps | utilisation % | retx 1 | retx 2 | timeouts 1 | timeouts 2 | fast rtx 1 | fast rtx 2 | bottleneck drops |"
        print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
      }
      printf "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], runs[k],
        stat(k, 1, 2), stat(k, 2, 2), stat(k, 3, 1), stat(k, 4, 0), stat(k, 5, 0), stat(k, 6, 1),
        stat(k, 7, 1), stat(k, 8, 1), stat(k, 9, 1), stat(k, 10, 0)
    }
  }
}
