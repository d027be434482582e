# Summarises the tab-separated run lines of ns3-dctcp.sh and netsim-dctcp.sh: one markdown row per
# (side, set) with the mean, sample standard deviation, min and max of each column.
#   lines: side set seed goodput_total_mbps goodput_min_flow_mbps goodput_max_flow_mbps jain
#          utilisation queue_mean_p queue_max_p marks_in_window drops retransmissions timeouts
#          ecn_reductions
# Usage: awk -f summarise-dctcp.awk FILE.tsv...
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
NF == 15 {
  k = $1 SUBSEP $2
  if (!(k in seen)) { seen[k] = 1; order[++keys] = k }
  runs[k]++
  for (j = 4; j <= 15; j++) acc(k, j, $j)
}
END {
  print "| side | set | runs | goodput Mbps (sum) | flow goodput Mbps (min, max) | Jain | utilisation | queue mean pkts | queue max pkts | marks | drops | retransmissions | timeouts | ECN reductions |"
  print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for (i = 1; i <= keys; i++) {
    k = order[i]; split(k, p, SUBSEP)
    printf "| %s | %s | %d | %s | %.2f, %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], runs[k],
      stat(k, 4, 2), s[k, 5] / n[k, 5], s[k, 6] / n[k, 6], stat(k, 7, 4), stat(k, 8, 4), stat(k, 9, 2),
      stat(k, 10, 0), stat(k, 11, 0), stat(k, 12, 0), stat(k, 13, 0), stat(k, 14, 1), stat(k, 15, 0)
  }
}
