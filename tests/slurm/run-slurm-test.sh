#!/usr/bin/env bash
# The Slurm recipe of docs/scale-out.md, run for real: a one-node Slurm cluster on the loopback
# interface (munged, slurmctld and slurmd started here, in a temporary folder, stopped on exit) runs the
# job script printed in the doc — extracted from docs/scale-out.md and run exactly as written — over a
# small sweep in three array tasks, then the documented merge job; the merged folder must equal the
# unsharded sweep's (summary.json byte for byte, and every other file).
#
# It also fails one shard on purpose: array task 1 of the first submission finds a `node` on its PATH
# that exits 1 at once, as a node without a working runtime would. Then the dependent merge job never
# runs (DependencyNeverSatisfied), `hmsim merge` by hand refuses with one line naming the missing points
# and their shard, and resubmitting array index 1 alone (the doc's recovery) and merging succeeds.
#
# Installs slurm-wlm and munge with apt-get when they are missing (as root); where they cannot be
# installed it prints why and exits 77 (skipped). Exit 0: passed; anything else: failed.
# Usage: tests/slurm/run-slurm-test.sh   (npm run test:slurm; CI runs it from .ci/run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$PATH:/usr/sbin:/sbin"
SHARDS=3
# The sweep: 2 configurations × 3 RAM sizes of the 12 KB shipped strace trace = 6 points, 2 per shard.
SWEEP_ARGS=(--trace traces/strace-sh-pipeline.hmt --configs 3g1g-highmem,2g2g --grid ram=1G,2G,3G --seed 7)
WAIT_SECONDS=180

skip() {
  echo "slurm test skipped: $*" >&2
  exit 77
}
fail() {
  echo "slurm test FAILED: $*" >&2
  exit 1
}
log() { echo "slurm test [${SECONDS} s]: $*"; }

# slurmd starts each job as its user: it runs as root.
[ "$(id -u)" -eq 0 ] || skip "a one-node Slurm cluster needs root (slurmd starts jobs as their user); run as root, as CI does"

TOOLS=(munged mungekey slurmctld slurmd sbatch scontrol squeue scancel)
missing_tools() {
  local t out=""
  for t in "${TOOLS[@]}"; do command -v "$t" >/dev/null 2>&1 || out="$out $t"; done
  echo "$out"
}
if [ -n "$(missing_tools)" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    skip "Slurm is not installed ($(missing_tools | sed 's/^ //') missing) and apt-get is unavailable (Debian: apt-get install slurm-wlm munge)"
  fi
  log "installing slurm-wlm and munge (apt-get)"
  if ! { env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
         env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null; }; then
    skip "apt-get could not install slurm-wlm and munge"
  fi
  [ -z "$(missing_tools)" ] || skip "after installing slurm-wlm and munge,$(missing_tools) still missing"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/hmsim-slurm.XXXXXX")
chmod 700 "$T"
PIDS=()
cleanup() {
  local code=$?
  set +e
  # Jobs first (their steps end with them), then the daemons.
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ] && [ ${#PIDS[@]} -ge 3 ]; then
    scancel --quiet --user="$(id -un)" >/dev/null 2>&1
    for _ in $(seq 50); do [ -z "$(squeue -h -o '%i' 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  # Newest first: slurmd, slurmctld, munged.
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[$i]}" 2>/dev/null
    for _ in $(seq 50); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${PIDS[$i]}" 2>/dev/null
  done
  if [ "$code" -ne 0 ] && [ "$code" -ne 77 ]; then
    for f in "$T"/log/*.log "$T"/work/hmsim-sweep-*.out "$T"/work/slurm-*.out; do
      [ -f "$f" ] && { echo "--- $f (last lines)" >&2; tail -n 25 "$f" >&2; }
    done
  fi
  rm -rf "$T"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The doc's job script, extracted: the fenced block after the marker line.
SCRIPT="$T/sweep.sbatch"
awk '/^<!-- recipe: docs\/slurm\/sweep.sbatch -->$/ { on = 1; next }
     on == 1 && /^```/ { on = 2; next }
     on == 2 && /^```$/ { exit }
     on == 2 { print }' "$ROOT/docs/scale-out.md" >"$SCRIPT"
[ -s "$SCRIPT" ] || fail "docs/scale-out.md has no block after '<!-- recipe: docs/slurm/sweep.sbatch -->'"
cmp -s "$SCRIPT" "$ROOT/docs/slurm/sweep.sbatch" || fail "docs/slurm/sweep.sbatch differs from the block printed in docs/scale-out.md"

# --- munge: a fresh key and socket in the temporary folder.
mkdir -m 700 "$T/munge" "$T/log" "$T/state" "$T/spool"
mungekey --create --keyfile="$T/munge/munge.key" --bits=1024 2>/dev/null || dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
munged --foreground --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.sock" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/munge/munged.seed" \
  >"$T/log/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$T/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.sock" ] || fail "munged did not start (see $T/log/munged.log)"

# --- slurm.conf: one node (this host, reached on 127.0.0.1) with 2 CPUs, free ports, everything in $T.
free_port() { node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port)
while [ "$SLURMD_PORT" = "$CTLD_PORT" ]; do SLURMD_PORT=$(free_port); done
HOST=$(hostname -s)
NODE=hmsim-node
export SLURM_CONF="$T/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=hmsimtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
KillWait=5
NodeName=$NODE NodeHostname=$HOST NodeAddr=127.0.0.1 CPUs=2 RealMemory=4096 State=UNKNOWN
PartitionName=hmsim Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$NODE" >"$T/log/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 300); do
  state=$(sinfo -h -n "$NODE" -o '%t' 2>/dev/null || true)
  [ "$state" = "idle" ] && break
  sleep 0.1
done
[ "$state" = "idle" ] || fail "the Slurm node did not come up (state '${state:-none}')"
log "one-node Slurm cluster up ($(sinfo -V), node $NODE: $(sinfo -h -n "$NODE" -o '%c CPUs, %m MB'))"

# --- The working folder: `node bin/hmsim.js` and `traces/` resolve as in the checkout.
W="$T/work"
mkdir "$W"
ln -s "$ROOT/bin" "$W/bin"
ln -s "$ROOT/traces" "$W/traces"
cd "$W"

# The unsharded sweep, for comparison.
node bin/hmsim.js sweep "${SWEEP_ARGS[@]}" --jobs 2 --quiet --out "$W/whole" >/dev/null

# State of job (or array task) $1, e.g. COMPLETED, FAILED, PENDING.
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }
# Waits until none of the given jobs is pending or running (bounded).
wait_jobs() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  while [ -n "$(squeue -h -j "$1" -o '%i' 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || fail "job $1 still queued or running after ${WAIT_SECONDS} s: $(squeue -h -j "$1" -o '%i %T %r' | tr '\n' ';')"
    sleep 0.5
  done
}

# --- 1. The array, task 1 failing; the doc's dependent merge job never runs.
mkdir "$T/broken-node"
printf '#!/bin/sh\nif [ "$SLURM_ARRAY_TASK_ID" = 1 ]; then echo "node: cannot start (simulated node failure)" >&2; exit 1; fi\nexec %s "$@"\n' "$(command -v node)" >"$T/broken-node/node"
chmod +x "$T/broken-node/node"
jid=$(PATH="$T/broken-node:$PATH" sbatch --parsable --array=0-$((SHARDS - 1)) --cpus-per-task=1 "$SCRIPT" "$SHARDS" results "${SWEEP_ARGS[@]}")
mid=$(sbatch --parsable --dependency=afterok:$jid --wrap 'node bin/hmsim.js merge results/shard-* --out results/sweep')
log "submitted array job $jid (task 1 fails) and merge job $mid"
wait_jobs "$jid"
for k in 0 2; do [ "$(job_state "${jid}_$k")" = COMPLETED ] || fail "array task $k: $(job_state "${jid}_$k") (expected COMPLETED)"; done
[ "$(job_state "${jid}_1")" = FAILED ] || fail "array task 1: $(job_state "${jid}_1") (expected FAILED)"
reason=""
for _ in $(seq 100); do
  reason=$(squeue -h -j "$mid" -o '%r' 2>/dev/null || true)
  [ "$reason" = DependencyNeverSatisfied ] && break
  sleep 0.2
done
[ "$reason" = DependencyNeverSatisfied ] || fail "merge job $mid: state $(job_state "$mid"), reason '$reason' (expected pending, DependencyNeverSatisfied)"
scancel "$mid"
[ ! -e results/shard-1 ] || fail "results/shard-1 exists although task 1 failed before running"
[ ! -e results/sweep ] || fail "results/sweep exists although the merge job must not have run"
log "task 1 FAILED, tasks 0 and 2 COMPLETED; merge job $mid held (DependencyNeverSatisfied) and cancelled"

# hmsim merge by hand names the missing points: those of shard 1 (index ≡ 1 mod 3), in index order.
missing=$(node -e '
  const fs = require("node:fs");
  const dir = process.argv[1];
  const recs = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")));
  console.log(recs.filter((r) => r.index % 3 === 1).sort((a, b) => a.index - b.index).map((r) => r.id).join(", "));
' "$W/whole/points")
total=$(ls "$W/whole/points" | wc -l)
expected="hmsim: merge: 2 of $total points are missing: $missing (shard 1/3; shards given: 0/3, 2/3); run the missing shards and merge again"
set +e
node bin/hmsim.js merge results/shard-* --out results/sweep >"$T/merge.out" 2>"$T/merge.err"
code=$?
set -e
[ "$code" -eq 2 ] || fail "merge with a shard missing exited $code (expected 2): $(cat "$T/merge.err")"
[ "$(cat "$T/merge.err")" = "$expected" ] || fail "merge with a shard missing said:
  $(cat "$T/merge.err")
expected:
  $expected"
[ ! -e results/sweep ] || fail "a refused merge left results/sweep behind"
log "merge refused: $(cat "$T/merge.err")"

# --- 2. Resubmit array index 1 alone and merge with the doc's dependent job.
jid2=$(sbatch --parsable --array=1 --cpus-per-task=1 "$SCRIPT" "$SHARDS" results "${SWEEP_ARGS[@]}")
mid2=$(sbatch --parsable --dependency=afterok:$jid2 --wrap 'node bin/hmsim.js merge results/shard-* --out results/sweep')
wait_jobs "$jid2,$mid2"
[ "$(job_state "${jid2}_1")" = COMPLETED ] || fail "resubmitted array task 1: $(job_state "${jid2}_1") (expected COMPLETED)"
[ "$(job_state "$mid2")" = COMPLETED ] || fail "merge job $mid2: $(job_state "$mid2") (expected COMPLETED)"
[ -f results/sweep/summary.json ] || fail "the merge job wrote no results/sweep/summary.json"
cmp results/sweep/summary.json whole/summary.json || fail "merged summary.json differs from the unsharded sweep's"
diff -r results/sweep whole >"$T/diff.out" || fail "the merged folder differs from the unsharded sweep's: $(head -c 2000 "$T/diff.out")"
log "resubmitted task 1 COMPLETED, merge job COMPLETED; merged folder equals the unsharded sweep ($total points; summary.json $(wc -c <whole/summary.json) bytes, identical)"
log "passed"
