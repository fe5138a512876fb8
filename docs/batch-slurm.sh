#!/bin/bash
# Grades a course's submissions as a Slurm job array: each task of the array runs
# `gradecheck batch --shard auto` (its shard from SLURM_ARRAY_TASK_ID and the array's bounds),
# and a merge job that starts when the array ends joins the shards into one gradebook.
# Docs: docs/batch.md. Tested by test/batch/documented-examples.test.ts (without Slurm) and
# `npm run e2e:slurm` (on a one-node cluster).
#
# From anywhere, with the harness checkout (reference/ and `npm ci` done) and the submissions on
# storage every node sees:
#
#   SUBMISSIONS=/shared/course/lab1-submissions SHARDS=8 bash /shared/gradecheck/docs/batch-slurm.sh
#
# Environment: SUBMISSIONS (required), SHARDS (default 8), OUT (default gradecheck-shards),
# GRADEBOOK (default gradebook), LABS (the labs to grade, e.g. "rnn,attention"; default all),
# EXTRA_SBATCH_OPTIONS (more sbatch options for both jobs,
# separated by spaces, e.g. "--partition=short --cpus-per-task=4 --mem=8G": they override the
# #SBATCH lines below), GRADECHECK_BATCH_KEY (optional: without it each shard signs with the
# .batch-key of its own folder, which merge reads). Relative paths are taken from the folder
# you submit from, where the logs (gradecheck-JOB_TASK.log) land too.
#SBATCH --job-name=gradecheck
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=02:00:00
#SBATCH --output=gradecheck-%A_%a.log
#SBATCH --signal=B:TERM@60
set -euo pipefail

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Not inside the array: submit it, and the merge to run after it (even if a task failed).
  : "${SUBMISSIONS:?set SUBMISSIONS to the folder of submissions}"
  SHARDS=${SHARDS:-8}
  absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
  HARNESS=$(cd "$(dirname "$0")/.." && pwd)
  SUBMISSIONS=$(absolute "$SUBMISSIONS")
  OUT=$(absolute "${OUT:-gradecheck-shards}")
  GRADEBOOK=$(absolute "${GRADEBOOK:-gradebook}")
  # The tasks inherit these (--export=ALL). GRADECHECK_SHARD_COUNT: --shard auto checks it
  # against the array, so that a task submitted again on its own (a one-task array) stops
  # instead of grading the whole class as shard 1/1.
  export HARNESS SUBMISSIONS OUT LABS=${LABS:-} GRADECHECK_SHARD_COUNT=$SHARDS
  # shellcheck disable=SC2086 # EXTRA_SBATCH_OPTIONS is a list of options
  array=$(sbatch --parsable --array="1-${SHARDS}" --export=ALL ${EXTRA_SBATCH_OPTIONS:-} "$0")
  array=${array%%;*}
  # shellcheck disable=SC2086
  merge=$(sbatch --parsable --dependency="afterany:${array}" --job-name=gradecheck-merge --output=gradecheck-merge-%j.log \
    ${EXTRA_SBATCH_OPTIONS:-} --wrap "cd $(printf %q "$HARNESS") && node scripts/gradecheck.cjs merge $(printf %q "$OUT") --out $(printf %q "$GRADEBOOK")")
  merge=${merge%%;*}
  echo "submitted array ${array} (${SHARDS} shards into ${OUT}) and merge job ${merge}; the gradebook will be ${GRADEBOOK}/grades.csv"
  exit 0
fi

# Inside a task of the array, in the harness checkout. --resume: a requeued task (scontrol
# requeue JOB_TASK) grades only what is missing. Slurm sends TERM a minute before the time
# limit (--signal); batch then stops its workers cleanly, keeping every student it finished.
cd "${HARNESS:-${SLURM_SUBMIT_DIR:-.}}"
node scripts/gradecheck.cjs batch "$SUBMISSIONS" \
  --out "${OUT}/shard-${SLURM_ARRAY_TASK_ID}" \
  --shard auto \
  --jobs "${SLURM_CPUS_PER_TASK:-$(nproc)}" \
  ${LABS:+--labs "$LABS"} \
  --resume &
batch=$!
trap 'kill -TERM "$batch" 2>/dev/null || true' TERM
status=0
wait "$batch" || status=$?
# A TERM interrupts `wait` before batch has finished stopping: wait for it to exit.
while kill -0 "$batch" 2>/dev/null; do wait "$batch" || status=$?; done
exit "$status"
