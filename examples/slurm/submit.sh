#!/bin/bash
# Submits a netsim batch to Slurm as a job array of SHARDS shards, plus a
# merge job that runs once every shard has succeeded.
#
#   submit.sh SCENARIO SEEDS SHARDS OUT [extra sbatch args...]
#
# SCENARIO  the scenario file (on a filesystem every node sees)
# SEEDS     the seed range, A..B (B excluded) or A..=B
# SHARDS    how many array tasks (shards) to split the batch into
# OUT       the output folder (on a shared filesystem): shards go to
#           OUT/shards/K, the merged batch to OUT/merged, job logs to OUT/logs
# extra sbatch args (for example --partition=compute --account=me
# --cpus-per-task=16) are given to both jobs; they override the #SBATCH lines
# of netsim-array.sbatch. Do not pass --array: it is always 1-SHARDS.
#
# The netsim binary is $NETSIM if set, else `netsim` on PATH; it must be at
# the same absolute path on every node.
set -euo pipefail

usage() {
    echo "usage: $0 SCENARIO SEEDS SHARDS OUT [extra sbatch args...]" >&2
    exit 2
}
[ $# -ge 4 ] || usage
scenario=$1 seeds=$2 shards=$3 out=$4
shift 4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: SHARDS must be a positive whole number, not '$shards'" >&2
    exit 2
fi
for a in "$@"; do
    case $a in
    --array | --array=* | -a | -a*)
        echo "$0: do not pass --array; the array is always 1-$shards (SHARDS)" >&2
        exit 2
        ;;
    esac
done
if ! command -v sbatch >/dev/null; then
    echo "$0: sbatch not found; run this on a Slurm login node" >&2
    exit 2
fi

# The binary: $NETSIM, else netsim on PATH.
netsim=${NETSIM:-$(command -v netsim || true)}
if [ -z "$netsim" ] || ! [ -x "$netsim" ]; then
    echo "$0: no netsim binary${NETSIM:+ at NETSIM=$NETSIM}." >&2
    echo "  Install it with 'cargo install --path scenarios --locked' (from the netsim checkout)" >&2
    echo "  into a home folder every node sees, or set NETSIM to the absolute path of a" >&2
    echo "  netsim binary on a shared filesystem." >&2
    exit 2
fi
netsim=$(cd "$(dirname "$netsim")" && pwd)/$(basename "$netsim")

# Absolute paths: the jobs do not run in this folder.
if ! [ -f "$scenario" ]; then
    echo "$0: no scenario file $scenario" >&2
    exit 2
fi
scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -e "$out/shards" ] || [ -e "$out/merged" ]; then
    echo "$0: $out already holds shards or a merged batch; choose a new OUT or remove them" >&2
    exit 2
fi
# sbatch --export splits its list at commas.
for v in "$netsim" "$scenario" "$seeds" "$out"; do
    case $v in *,*)
        echo "$0: '$v' contains a comma, which sbatch --export cannot pass" >&2
        exit 2
        ;;
    esac
done
mkdir -p "$out/logs"

# Check the scenario before anything is queued (exit 2 on bad input).
"$netsim" check "$scenario" >/dev/null

export_vars="ALL,NETSIM=$netsim,SCENARIO=$scenario,SEEDS=$seeds,SHARDS=$shards,OUT=$out"

array_id=$(sbatch --parsable --array="1-$shards" --chdir="$out" \
    --output="$out/logs/shard-%a.out" --export="$export_vars" \
    "$@" "$here/netsim-array.sbatch")
array_id=${array_id%%;*} # --parsable prints "id" or "id;cluster"

# The merge runs only if every shard exited 0; if one fails, Slurm cancels the
# merge (--kill-on-invalid-dep) instead of leaving it pending forever.
# shellcheck disable=SC2016 # NETSIM and OUT expand in the job, from --export
merge_id=$(sbatch --parsable --job-name=netsim-merge --dependency="afterok:$array_id" \
    --kill-on-invalid-dep=yes --chdir="$out" --output="$out/logs/merge.out" \
    --cpus-per-task=1 --time=01:00:00 --mem=4G --export="$export_vars" "$@" \
    --wrap='exec "$NETSIM" merge "$OUT"/shards/* --out "$OUT/merged"')
merge_id=${merge_id%%;*}
extra=$(printf ' %q' "$@")
[ $# -gt 0 ] || extra=

cat <<MSG
array job $array_id: $shards shards of $scenario, seeds $seeds, into $out/shards/
merge job $merge_id: into $out/merged/ once every shard has succeeded
follow them:  squeue -j $array_id,$merge_id    (details: scontrol show job $merge_id)
logs:         $out/logs/shard-K.out, $out/logs/merge.out
re-run shard K if it failed (the merge job is then cancelled), then merge again:
  sbatch --array=K --chdir='$out' --output='$out/logs/shard-%a.out' --export='$export_vars'$extra '$here/netsim-array.sbatch'
  sbatch --job-name=netsim-merge --dependency=afterok:<that job id> --kill-on-invalid-dep=yes --chdir='$out' --output='$out/logs/merge.out' --export='$export_vars'$extra --wrap='exec "\$NETSIM" merge "\$OUT"/shards/* --out "\$OUT/merged"'
MSG
