#!/usr/bin/env bash
# The README's first command ends here: build the embedded sample store and run tiff-dumper on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/src/cli/tiff-dumper}
scripts/make-samples.sh build/samples
mapfile -t files < <(find build/samples -type f -iname '*.tif*' | sort)
"$bin" inspect "${files[@]}"
