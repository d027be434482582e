# Summarises the tab-separated run lines of ns3-aqm.sh and netsim-aqm.sh: one markdown row per
# (side, discipline) with the mean, sample standard deviation, min and max of each column.
#   lines: side discipline seed ping_sent ping_received rtt_mean_ms rtt_max_ms goodput_mbps drops
# Usage: awk -f summarise-aqm.awk FILE.tsv...
BEGIN { FS = "\t" }
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
NF == 9 {
  k = $1 SUBSEP $2
  if (!(k in seen)) { seen[k] = 1; order[++keys] = k }
  runs[k]++
  acc(k, 1, $6); acc(k, 2, $7); acc(k, 3, $8); acc(k, 4, $9); acc(k, 5, $5)
}
END {
  print "| side | discipline | runs | ping RTT mean ms | ping RTT max ms | goodput Mbps | bottleneck drops | pings answered |"
  print "| --- | --- | --- | --- | --- | --- | --- | --- |"
  for (i = 1; i <= keys; i++) {
    k = order[i]; split(k, p, SUBSEP)
    printf "| %s | %s | %d | %s | %s | %s | %s | %s |\n", p[1], p[2], runs[k],
      stat(k, 1, 1), stat(k, 2, 1), stat(k, 3, 3), stat(k, 4, 0), stat(k, 5, 0)
  }
}
