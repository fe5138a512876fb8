#!/bin/bash
# npm run e2e:slurm — the documented Slurm job array (docs/batch-slurm.sh), end to end, on a
# one-node Slurm cluster started here: grades the example class (fixtures/submissions) in 3
# shards with `batch --shard auto`, merges them, and checks the merged gradebook equals one
# unsharded `gradecheck batch` of the same class. Not part of `npm test` or .ci/run: it needs
# root (it installs Debian's slurm-wlm and munge when missing, and starts their daemons) and
# takes several minutes (the class holds hostile submissions that wait out time budgets).
#
# Everything it makes lives in $E2E_SLURM_DIR (default /tmp/gradecheck-e2e-slurm): its own
# munge key and socket, slurm.conf (SLURM_CONF, so the machine's /etc/slurm is not touched),
# state, logs, a copy of the harness that every job and the unsharded run use (node_modules
# linked), the shards and gradebooks. Its daemons listen on ports 16817/16818, not Slurm's
# defaults, and are stopped on exit (whatever the outcome). A second run first stops what an
# interrupted run left (the pids it recorded) and starts afresh, so running it twice works.
#
# E2E_SLURM_LABS=a,b grades only those labs (default: every lab, as `gradecheck batch` does);
# E2E_SLURM_TIMEOUT (seconds, default 5400) bounds the wait for the jobs.
#
# Exit codes: 0 PASS, 1 FAIL, 2 cannot run here (not root, no apt-get to install Slurm).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${E2E_SLURM_DIR:-/tmp/gradecheck-e2e-slurm}
SHARDS=3
CTLD_PORT=16817
SLURMD_PORT=16818
WAIT_JOBS=${E2E_SLURM_TIMEOUT:-5400} # seconds for the array and the merge, on a busy 2-core machine
LABS=${E2E_SLURM_LABS:-}              # e.g. "activations,rnn" to grade only those (default: every lab)

log() { printf '[e2e:slurm] %s\n' "$*" >&2; }
die() {
  log "cannot run: $*"
  exit 2
}

[ "$(uname -s)" = Linux ] || die "Slurm's daemons run on Linux only"
[ "$(id -u)" = 0 ] || die "run as root (it installs and starts Slurm and munge): sudo npm run e2e:slurm"

# ----- Slurm and munge, from Debian ----------------------------------------------------------

missing() { for c in slurmctld slurmd sbatch sinfo squeue scontrol munged mungekey; do command -v "$c" >/dev/null || return 0; done; return 1; }
if missing; then
  command -v apt-get >/dev/null || die "slurm-wlm and munge are not installed and there is no apt-get to install them"
  log "installing slurm-wlm and munge (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show slurm-wlm >/dev/null 2>&1; then apt-get update; fi
  apt-get install -y slurm-wlm munge >"$(mktemp /tmp/gradecheck-e2e-apt.XXXXXX)" 2>&1 || { apt-get update && apt-get install -y slurm-wlm munge; }
  missing && die "apt-get installed slurm-wlm and munge, but slurmctld, slurmd, sbatch or munged is still missing"
fi
log "$(slurmctld -V), $(munged -V 2>&1 | awk '{print $1; exit}')"

# ----- a clean state: stop what an interrupted run left -------------------------------------

stop_recorded() {
  [ -f "$DIR/pids" ] || return 0
  local pid name
  # Only the pids this script recorded, and only while they are still the daemon it started.
  while read -r pid name; do
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done < <(tac "$DIR/pids")
  rm -f "$DIR/pids"
}

case "$DIR" in /?*) ;; *) die "E2E_SLURM_DIR must be an absolute path, not '$DIR'" ;; esac
# It is emptied below: only when this script made it (its slurm.conf says so), or it is empty.
if [ -e "$DIR" ] && ! grep -qs '^# Written by scripts/e2e-slurm.sh' "$DIR/slurm.conf" && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
  die "$DIR exists and was not made by this script: set E2E_SLURM_DIR to a new folder"
fi
if [ -f "$DIR/pids" ]; then
  log "stopping the daemons an earlier run left in $DIR..."
  # Its jobs first (they would go on writing into $DIR), and wait for them to end.
  if [ -f "$DIR/slurm.conf" ]; then
    SLURM_CONF="$DIR/slurm.conf" timeout 10 scancel --full --user=root >/dev/null 2>&1 || true
    for _ in $(seq 60); do [ -z "$(SLURM_CONF="$DIR/slurm.conf" timeout 5 squeue -h 2>/dev/null)" ] && break; sleep 1; done
  fi
  stop_recorded
fi
rm -rf "$DIR"
mkdir -p "$DIR"/{munge,ctld,slurmd,run}
chmod 700 "$DIR" "$DIR/munge"
: >"$DIR/pids"

ARRAY=''
MERGE=''
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -s "$DIR/pids" ]; then
    log "stopping the cluster..."
    [ -n "$ARRAY$MERGE" ] && timeout 10 scancel $ARRAY $MERGE >/dev/null 2>&1 || true
    # Give cancelled tasks the moment batch needs to stop its workers, then stop the daemons.
    for _ in $(seq 30); do [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break; sleep 1; done
    stop_recorded
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ----- munge: its own key and socket ---------------------------------------------------------

SOCKET="$DIR/munge/munge.socket"
mungekey --create --keyfile="$DIR/munge/munge.key" >/dev/null
chmod 400 "$DIR/munge/munge.key"
munged --foreground --force --socket="$SOCKET" --key-file="$DIR/munge/munge.key" --pid-file="$DIR/munge/munged.pid" \
  --seed-file="$DIR/munge/munged.seed" --log-file="$DIR/munge/munged.log" >"$DIR/munge/munged.out" 2>&1 &
echo "$! munged" >>"$DIR/pids"
for _ in $(seq 100); do [ -S "$SOCKET" ] && break; sleep 0.1; done
munge -n -S "$SOCKET" | unmunge -S "$SOCKET" >/dev/null || { cat "$DIR/munge/munged.out" "$DIR/munge/munged.log" >&2 2>/dev/null; die "munged did not start (logs above)"; }

# ----- slurm.conf: this machine, one node --------------------------------------------------------

NODE=$(hostname -s)
CPUS=$(nproc)
MEMORY=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo) # MB; below the real total, or slurmd drains the node
export SLURM_CONF="$DIR/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# Written by scripts/e2e-slurm.sh: a one-node cluster on this machine, for one test run.
ClusterName=gradecheck-e2e
SlurmctldHost=${NODE}(127.0.0.1)
SlurmctldPort=${CTLD_PORT}
SlurmdPort=${SLURMD_PORT}
AuthType=auth/munge
AuthInfo=socket=${SOCKET}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${DIR}/ctld
SlurmdSpoolDir=${DIR}/slurmd
SlurmctldPidFile=${DIR}/slurmctld.pid
SlurmdPidFile=${DIR}/slurmd.pid
SlurmctldLogFile=${DIR}/slurmctld.log
SlurmdLogFile=${DIR}/slurmd.log
# No cgroups: processes tracked through /proc, no task binding, no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# Keep finished jobs visible to scontrol (their state and exit code) for the checks below.
MinJobAge=3600
NodeName=${NODE} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${MEMORY} State=UNKNOWN
PartitionName=e2e Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -c -f "$SLURM_CONF" >"$DIR/slurmctld.out" 2>&1 &
echo "$! slurmctld" >>"$DIR/pids"
slurmd -D -f "$SLURM_CONF" -N "$NODE" >"$DIR/slurmd.out" 2>&1 &
echo "$! slurmd" >>"$DIR/pids"

log "waiting for node ${NODE} (${CPUS} CPUs, ${MEMORY} MB) to be idle..."
state=''
for _ in $(seq 120); do
  state=$(timeout 5 sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && break
  sleep 1
done
if [ "$state" != idle ]; then
  tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 2>/dev/null || true
  log "FAIL: node ${NODE} is '${state:-unreachable}', not idle, after 120 s (logs above, and in $DIR)"
  exit 1
fi

# ----- the documented job array ------------------------------------------------------------------

# The harness as it is now (without node_modules, which is linked), for every job and for the
# unsharded run: the storage "every node sees" of the documented set-up, and a checkout edited
# while this runs (rubrics, reference, the class) cannot make the shards disagree.
HARNESS="$DIR/harness"
mkdir -p "$HARNESS"
(cd "$ROOT" && tar --exclude=./node_modules --exclude=./.git -cf - .) | (cd "$HARNESS" && tar -xf -)
ln -s "$ROOT/node_modules" "$HARNESS/node_modules"
CLASS="$HARNESS/fixtures/submissions"
cd "$DIR/run" # where sbatch runs: the jobs' logs land here
started=$(date +%s)
log "submitting docs/batch-slurm.sh: ${SHARDS} shards of fixtures/submissions"
# One CPU and a few GB per task (the script asks 8 and 16G: more than this machine has), so
# two shards run at once with --jobs 1 each.
submitted=$(SUBMISSIONS="$CLASS" SHARDS=$SHARDS OUT="$DIR/shards" GRADEBOOK="$DIR/gradebook" LABS="$LABS" \
  EXTRA_SBATCH_OPTIONS='--cpus-per-task=1 --mem=4G' bash "$HARNESS/docs/batch-slurm.sh")
echo "$submitted" >&2
ARRAY=$(sed -n 's/.*submitted array \([0-9]*\).*/\1/p' <<<"$submitted")
MERGE=$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$submitted")
[ -n "$ARRAY" ] && [ -n "$MERGE" ] || { log "FAIL: could not read the job ids from docs/batch-slurm.sh's output"; exit 1; }

last=''
while :; do
  queue=$(timeout 10 squeue -h -j "$ARRAY,$MERGE" -o '%i %T' 2>/dev/null || true)
  [ -z "$queue" ] && break
  elapsed=$(($(date +%s) - started))
  if [ "$elapsed" -gt "$WAIT_JOBS" ]; then
    log "FAIL: the jobs are not done after ${WAIT_JOBS} s:"
    echo "$queue" >&2
    exit 1
  fi
  now=$(tr '\n' ' ' <<<"$queue")
  [ "$now" != "$last" ] && log "$(printf '%4d s' "$elapsed")  $now"
  last=$now
  sleep 5
done
slurm_seconds=$(($(date +%s) - started))

# State and exit code of every task and of the merge.
jobs_ok=1
job_lines=$(timeout 10 scontrol -o show job "$ARRAY"; timeout 10 scontrol -o show job "$MERGE")
job_summary=$(awk '{
  id = ""; task = ""; st = ""; ec = ""; name = "";
  for (i = 1; i <= NF; i++) {
    split($i, a, "=");
    if (a[1] == "JobId") id = a[2];
    if (a[1] == "ArrayJobId") array = a[2];
    if (a[1] == "ArrayTaskId") task = a[2];
    if (a[1] == "JobName") name = a[2];
    if (a[1] == "JobState") st = a[2];
    if (a[1] == "ExitCode") ec = a[2];
  }
  printf "%s %s %s exit %s\n", name, (task == "" ? id : array "_" task), st, ec
}' <<<"$job_lines" | sort)
while read -r line; do
  case "$line" in *" COMPLETED exit 0:0") ;; *) jobs_ok=0 ;; esac
done <<<"$job_summary"

# ----- the same class, unsharded, run directly -----------------------------------------------------

log "grading the class unsharded (gradecheck batch, no Slurm) for the comparison..."
cd "$HARNESS"
whole_started=$(date +%s)
whole_code=0
node scripts/gradecheck.cjs batch "$CLASS" --out "$DIR/whole" ${LABS:+--labs "$LABS"} >"$DIR/whole.log" 2>&1 || whole_code=$?
whole_seconds=$(($(date +%s) - whole_started))

# ----- what merge promises -------------------------------------------------------------------------

# grades.csv byte for byte; summary.md and histogram.svg the same (but the "Slowest submissions"
# timings); the same students, labs and configuration in batch.json; for every student the same
# results (but the time it took) and feedback; every record signed with the merged folder's key.
# Time budgets come from the reference's time as measured in each run, so a timeout's message
# may quote other numbers in the two runs (and, cut at a fixed length, end elsewhere): such lines
# are compared with those times masked, and counted.
checks=$(node - "$DIR/gradebook" "$DIR/whole" <<'JS'
const fs = require('fs');
const path = require('path');
const [merged, whole] = process.argv.slice(2);
const lines = [];
const check = (ok, what) => lines.push(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
const read = (dir, file) => { try { return fs.readFileSync(path.join(dir, file), 'utf8'); } catch { return undefined; } };
const TIME = /\d+(?:\.\d+)?(?= ?(?:ms|s)\b)/g;
/** Line by line: equal, or equal once measured times are masked (up to where the shorter was cut). Returns [equal, lines that differ only in times]. */
function compare(a, b) {
  if (a === undefined || b === undefined) return [false, 0];
  const la = a.split('\n'); const lb = b.split('\n');
  if (la.length !== lb.length) return [false, 0];
  let timed = 0;
  for (let i = 0; i < la.length; i++) {
    if (la[i] === lb[i]) continue;
    let ma = la[i].replace(TIME, '<time>'); let mb = lb[i].replace(TIME, '<time>');
    const cut = (m) => { const k = m.indexOf('…'); return k < 0 ? Infinity : k; };
    const keep = Math.min(cut(ma), cut(mb));
    if (ma.slice(0, keep) !== mb.slice(0, keep) || !ma.includes('<time>')) return [false, timed];
    timed++;
  }
  return [true, timed];
}
const but = (n) => (n ? `; measured times differ in ${n} line${n === 1 ? '' : 's'}` : '');
const gA = read(merged, 'grades.csv'); const gB = read(whole, 'grades.csv');
const [grades, gradesTimed] = compare(gA, gB);
check(grades, gA === undefined || gB === undefined ? `grades.csv: missing from the ${gA === undefined ? 'merged' : 'unsharded'} folder`
  : gA === gB ? 'grades.csv: byte for byte equal to the unsharded one' : `grades.csv: equal to the unsharded one, not byte for byte${but(gradesTimed)}`);
const withoutSlowest = (t) => t && t.replace(/## Slowest submissions[\s\S]*?(?=\n## |$)/, '');
const [summary, summaryTimed] = compare(withoutSlowest(read(merged, 'summary.md')), withoutSlowest(read(whole, 'summary.md')));
check(summary, `summary.md: equal (its Slowest submissions aside)${but(summaryTimed)}`);
check(read(merged, 'histogram.svg') !== undefined && read(merged, 'histogram.svg') === read(whole, 'histogram.svg'), 'histogram.svg: byte for byte equal');
const manifest = (dir) => JSON.parse(read(dir, 'batch.json') ?? 'null');
const m = manifest(merged); const w = manifest(whole);
check(m && w && JSON.stringify([m.labs, m.config, m.students, m.folders]) === JSON.stringify([w.labs, w.config, w.students, w.folders]) && m.shard === null,
  `batch.json: the same ${w ? w.students.length : '?'} students, labs, configuration and folders; not a shard`);
let results = 0; let feedback = 0; let records = 0; let timed = 0;
const timeless = (t) => t && JSON.stringify(JSON.parse(t), (k, v) => (k === 'duration_ms' || k === 'graded_at' ? undefined : v), 1);
for (const folder of Object.values(w ? w.folders : {})) {
  const r = compare(timeless(read(merged, path.join('students', folder, 'results.json'))), timeless(read(whole, path.join('students', folder, 'results.json'))));
  const f = compare(read(merged, path.join('students', folder, 'feedback.md')), read(whole, path.join('students', folder, 'feedback.md')));
  if (r[0]) results++;
  if (f[0]) feedback++;
  timed += r[1] + f[1];
  if (read(merged, path.join('students', folder, 'record.json'))) records++;
}
const n = w ? w.students.length : 0;
check(n > 0 && results === n && feedback === n, `results.json and feedback.md: ${Math.min(results, feedback)} of ${n} students equal (grading times aside)${but(timed)}`);
check(n > 0 && records === n, `record.json: ${records} of ${n} students have one`);
process.stdout.write(lines.join('\n') + '\n');
JS
)

# Every merged record verifies with the merged folder's key and names its student (what resume
# and a further merge trust).
cat >"$DIR/verify-records.ts" <<'TS'
import { readManifest, readStudent, storeKey } from '../../graders/batch/store';
const dir = process.argv[2];
const manifest = readManifest(dir);
const key = storeKey(dir, process.env, false);
const bad = (manifest?.students ?? []).flatMap((s) => {
  const r = readStudent(dir, s, key!);
  return r.ok && r.record.config === manifest!.config ? [] : [`${s}: ${r.ok ? 'another configuration' : r.message}`];
});
const n = manifest?.students.length ?? 0;
console.log(`${manifest && key && n > 0 && bad.length === 0 ? 'ok  ' : 'FAIL'} records: ${n - bad.length} of ${n} verify with the merged folder's key${bad.length ? `; not: ${bad.join('; ')}` : ''}`);
TS
sed -i "s#'../../graders/#'$HARNESS/graders/#" "$DIR/verify-records.ts"
checks+=$'\n'"$(node -r "$HARNESS/graders/engine/host/register.cjs" "$DIR/verify-records.ts" "$DIR/gradebook" 2>&1 | tail -n 1)"

# ----- summary ------------------------------------------------------------------------------------------

students=0
[ -f "$DIR/whole/grades.csv" ] && students=$(($(wc -l <"$DIR/whole/grades.csv") - 1))
shard_lines=$(for d in "$DIR"/shards/*/; do
  [ -f "$d/batch.json" ] || continue
  node -e 'const m = require(process.argv[1]); console.log(`  ${require("path").basename(process.argv[2])}: shard ${m.shard}, ${m.students.length} students`)' "$d/batch.json" "$d"
done)
echo
echo "gradecheck e2e:slurm: $(slurmctld -V), node ${NODE} (${CPUS} CPUs, ${MEMORY} MB), class fixtures/submissions (${students} students), labs ${LABS:-all}"
echo "  array ${ARRAY} (${SHARDS} tasks, --shard auto) and merge ${MERGE}: ${slurm_seconds} s; unsharded batch: ${whole_seconds} s (exit ${whole_code})"
echo "$job_summary" | sed 's/^/  job /'
echo "$shard_lines"
echo "$checks" | sed 's/^/  /'
if [ "$jobs_ok" = 1 ] && [ "$whole_code" = 0 ] && ! grep -q '^FAIL' <<<"$checks"; then
  echo "PASS: the merged gradebook of the Slurm job array equals the unsharded one (files in $DIR)"
  exit 0
fi
for f in "$DIR"/run/*.log "$DIR/whole.log"; do
  [ -f "$f" ] || continue
  echo "  --- the end of ${f#"$DIR"/}:"
  tail -n 4 "$f" | sed 's/^/    /'
done
echo "FAIL: see above; logs in $DIR (run/*.log for the jobs, slurmctld.log, slurmd.log, whole.log)"
exit 1
