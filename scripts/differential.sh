#!/usr/bin/env bash
# Differential check: replay the shipped traces under a fixed set of configurations and variants and
# store each RunResult as JSON in OUTDIR, so results before and after a change to machine code can be
# compared byte for byte:
#   scripts/differential.sh /tmp/before        # on the old commit
#   scripts/differential.sh /tmp/after         # on the new one
#   diff -r /tmp/before /tmp/after && echo identical
# Every result is written with sorted keys minus wall-clock fields, so only model output is compared.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/differential.sh OUTDIR}
mkdir -p "$out"
traces=(traces/fileserver-4cpu.hmt traces/kmap-storm-small.hmt traces/stream-small.hmt traces/build-small.hmt
        traces/busybox-gzip-3k.hmt.gz traces/strace-sh-pipeline.hmt traces/ftrace-dd-2cpu.hmt.gz)
variants=(
  "--config 3g1g-highmem" "--config 3g1g-nohighmem" "--config 3g1g-pae" "--config 2g2g" "--config 1g3g"
  "--config 4g4g" "--config 3g1g-pae-pti" "--config x86_64" "--config 3g1g-highmem --kernel linux-2.6.18"
  "--config 3g1g-highmem --ram 768M" "--config 2g2g --ram 1200M" "--config 3g1g-pae --set tlb.replacement=plru"
)
jobs=()
for t in "${traces[@]}"; do
  for v in "${variants[@]}"; do
    name="$(basename "$t" | sed 's/\..*//')__$(echo "$v" | tr ' =.' '___' | sed 's/^__//')"
    jobs+=("$t|$v|$name")
  done
done
jobs+=("traces/busybox-gzip-3k.hmt.gz|--config 4g4g --prefault --set tlb.l1d.entries=16|busybox-prefault")
run_one() {
  local t v name
  IFS="|" read -r t v name <<< "$1"
  # shellcheck disable=SC2086
  node bin/hmsim.js run --trace "$t" $v --json > "$out/$name.raw" 2> "$out/$name.err" || echo "exit $?" >> "$out/$name.err"
  node scripts/normalize-result.mjs "$out/$name.raw" "$out/$name.json"
}
export -f run_one
export out
printf '%s\n' "${jobs[@]}" | xargs -P "${DIFF_JOBS:-2}" -I{} bash -c 'run_one "$@"' _ {}
echo "$(ls "$out"/*.json | wc -l) results in $out"
