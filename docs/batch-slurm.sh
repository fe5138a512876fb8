#!/bin/bash
# Grades a course's submissions as a Slurm job array: task i of N runs
# `gradecheck batch --shard i/N` on one node, and a merge job that starts when the array ends
# joins the shards into one gradebook. Docs: docs/batch.md.
#
# From the harness checkout (with reference/ and `npm ci` done, on storage every node sees):
#
#   SUBMISSIONS=/shared/course/lab1-submissions SHARDS=8 bash docs/batch-slurm.sh
#
# Environment: SUBMISSIONS (required), SHARDS (default 8), OUT (default gradecheck-shards),
# GRADEBOOK (default gradebook), GRADECHECK_BATCH_KEY (optional: without it each shard signs
# with the .batch-key of its own folder, which merge reads).
#SBATCH --job-name=gradecheck
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=02:00:00
#SBATCH --output=gradecheck-%A_%a.log
#SBATCH --signal=B:TERM@60
set -euo pipefail

SHARDS=${SHARDS:-8}
OUT=${OUT:-gradecheck-shards}
GRADEBOOK=${GRADEBOOK:-gradebook}

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Not inside the array: submit it, and the merge to run after it (even if a task failed).
  : "${SUBMISSIONS:?set SUBMISSIONS to the folder of submissions}"
  array=$(sbatch --parsable --array="1-${SHARDS}" --export=ALL,SUBMISSIONS="$SUBMISSIONS",SHARDS="$SHARDS",OUT="$OUT" "$0")
  sbatch --dependency="afterany:${array}" --job-name=gradecheck-merge --output=gradecheck-merge-%j.log \
    --wrap "node scripts/gradecheck.cjs merge '${OUT}' --out '${GRADEBOOK}'"
  echo "submitted array ${array} (${SHARDS} shards) and its merge; the gradebook will be in ${GRADEBOOK}/grades.csv"
  exit 0
fi

# Inside task i of the array, in the harness checkout. --resume: a requeued or re-run task
# grades only what is missing. Slurm sends TERM a minute before the time limit (--signal);
# batch then stops its workers cleanly, keeping every student it finished.
cd "${SLURM_SUBMIT_DIR:-.}"
node scripts/gradecheck.cjs batch "$SUBMISSIONS" \
  --out "${OUT}/shard-${SLURM_ARRAY_TASK_ID}" \
  --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}" \
  --jobs "${SLURM_CPUS_PER_TASK:-$(nproc)}" \
  --resume &
batch=$!
trap 'kill -TERM "$batch" 2>/dev/null || true' TERM
status=0
wait "$batch" || status=$?
# A TERM interrupts `wait` before batch has finished stopping: wait for it to exit.
while kill -0 "$batch" 2>/dev/null; do wait "$batch" || status=$?; done
exit "$status"
