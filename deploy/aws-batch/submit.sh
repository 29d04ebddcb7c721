#!/usr/bin/env bash
# Registers the job definition, submits an array job of SHARDS children (each runs shard
# AWS_BATCH_JOB_ARRAY_INDEX of SHARDS), then a `status` job that runs after every child has
# ended (succeeded or not) and writes the job-level _SUCCESS when all shards are done.
#
#   JOB_QUEUE=my-queue SHARDS=8 OUT_DIR=s3://my-results/inventory/sentinel-2/ deploy/aws-batch/submit.sh
#
# Credentials: the job definition's jobRoleArn (an IAM role Batch hands to the container through
# the ECS container credentials endpoint; tiff-dumper's AWS chain reads it). The config file is
# in the image at /etc/tiff-dumper/config.yaml (or mount one and pass config=PATH).
set -euo pipefail

: "${JOB_QUEUE:?set JOB_QUEUE to your Batch job queue}"
SHARDS=${SHARDS:-8}
OUT_DIR=${OUT_DIR:-s3://my-results/inventory/sentinel-2/}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if (( SHARDS < 2 || SHARDS > 10000 )); then
  echo "SHARDS must be 2..10000 (the array sizes AWS Batch accepts)" >&2
  exit 2
fi

aws batch register-job-definition --cli-input-json "file://${HERE}/job-definition.json" >/dev/null

array_id=$(aws batch submit-job \
  --job-name "tiff-dumper-$(date -u +%Y%m%dT%H%M%S)" \
  --job-queue "$JOB_QUEUE" \
  --job-definition tiff-dumper \
  --array-properties "size=${SHARDS}" \
  --parameters "shards=${SHARDS},out_dir=${OUT_DIR}" \
  --query jobId --output text)
echo "array job: ${array_id} (${SHARDS} shards into ${OUT_DIR})"

# `status` after the whole array; it exits non-zero (and names the shards) unless all are done.
# A child that failed every attempt fails the array, and Batch then cancels a dependent job: run
# the same command by hand (or `aws batch submit-job` it again) after resubmitting the shard.
status_id=$(aws batch submit-job \
  --job-name "tiff-dumper-status" \
  --job-queue "$JOB_QUEUE" \
  --job-definition tiff-dumper \
  --depends-on "jobId=${array_id}" \
  --container-overrides "command=[status,--config,/etc/tiff-dumper/config.yaml,--shards,${SHARDS},${OUT_DIR}]" \
  --query jobId --output text)
echo "status job: ${status_id}"
