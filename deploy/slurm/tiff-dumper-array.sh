#!/usr/bin/env bash
# tiff-dumper as a Slurm job array: task I of the array runs shard I of SHARDS, all writing into
# one OUT_DIR. The script passes --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" itself rather than
# `--shards`: tiff-dumper would count from SLURM_ARRAY_TASK_MIN, which is the task itself when one
# task is resubmitted alone (`sbatch --array=3`).
#
#   jobid=$(sbatch --parsable deploy/slurm/tiff-dumper-array.sh)
#   sbatch --dependency=afterany:${jobid} --wrap "tiff-dumper status --config $HOME/tiff-dumper/config.yaml --shards 8 s3://my-results/inventory/sentinel-2/"
#
# The `status` job runs once every task has ended, says which shards failed (rerun them with
# `sbatch --array=I deploy/slurm/tiff-dumper-array.sh`: the script passes --resume) and writes the
# job-level _SUCCESS when all are done. Keep --array=0-(SHARDS-1) and SHARDS equal.
#SBATCH --job-name=tiff-dumper
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=24:00:00
#SBATCH --output=tiff-dumper-%A_%a.log
set -euo pipefail

SHARDS=8
CONFIG=${CONFIG:-$HOME/tiff-dumper/config.yaml}
OUT_DIR=${OUT_DIR:-s3://my-results/inventory/sentinel-2/}

if [[ -n "${SLURM_ARRAY_TASK_MAX:-}" && "${SLURM_ARRAY_TASK_MAX}" -ge "${SHARDS}" ]]; then
  echo "the array reaches task ${SLURM_ARRAY_TASK_MAX} but SHARDS=${SHARDS}: make --array=0-$((SHARDS - 1))" >&2
  exit 2
fi

# Credentials come from the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID..., GOOGLE_APPLICATION_CREDENTIALS,
# AZURE_*), as on any host; see docs/store.md.
exec tiff-dumper headers --quiet --resume --shard "${SLURM_ARRAY_TASK_ID:?not a Slurm array task}/${SHARDS}" \
  "${CONFIG}" "${OUT_DIR}"
