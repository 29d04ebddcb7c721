#!/usr/bin/env bash
# The single place that installs what tiff-dumper needs to build, run and test.
# Idempotent: a second run installs nothing. As root it runs apt-get; otherwise it
# prints the exact command to run and fails.
#   scripts/install-deps.sh          build + run dependencies, GDAL for the sample store
#   scripts/install-deps.sh --test   also every test tool (servers, oracles, npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcurl4-openssl-dev libssl-dev libyaml-cpp-dev libcli11-dev libpugixml-dev
  nlohmann-json3-dev libfmt-dev libspdlog-dev libsnappy-dev libzstd-dev
  libproj-dev proj-data libgeotiff-dev   # src/geo: CRSs, EPSG identification, lon/lat footprints
  gdal-bin   # makes the embedded sample store of the demo
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format clang-tidy
  libtiff-tools libtiff-dev geotiff-bin python3 python3-gdal python3-rasterio
  nginx libnginx-mod-http-dav-ext libnginx-mod-http-echo wrk
  curl   # test_http_wire: the curl tool's own Host field is the oracle for ours; bench readiness checks
  nodejs npm
  chromium python3-pil   # `report` tests: render the page headless, check the screenshot
)

pkgs=("${build_pkgs[@]}")
((want_test)) && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm may come from outside Debian (e.g. a NodeSource or preinstalled node): accept any.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    echo "install-deps: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install-deps: missing Debian packages. Run as root:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    exit 1
  fi
fi

if ((want_test)); then
  # Test-only npm tools (DuckDB, hyparquet, Azurite), pinned by package-lock.json.
  if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.lock-installed 2>/dev/null; then
    echo "install-deps: npm ci (DuckDB, hyparquet, Azurite)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.lock-installed
  fi
  # moto_server (the S3 test server) is preinstalled on our machines; no registry we reach ships it.
  if ! command -v moto_server >/dev/null 2>&1; then
    echo "install-deps: moto_server not found on PATH. It is expected preinstalled (pip 'moto[server]');" >&2
    echo "  the S3 tests cannot run without it." >&2
    exit 1
  fi
fi
echo "install-deps: ok"
