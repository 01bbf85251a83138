#!/usr/bin/env bash
# Signet end-to-end tests: API tests over real HTTP (api/) and real-browser checks with headless
# Debian chromium + a CDP WebAuthn virtual authenticator (browser/).
#
#   tests/e2e/run.sh                 # everything: api then browser
#   tests/e2e/run.sh api             # only the API tests
#   tests/e2e/run.sh api/tokens.test.mjs
#
# Environment: SIGNET_BIN (default <repo>/build/release/signet), SIGNET_CHROMIUM (default /usr/bin/chromium),
# SIGNET_E2E_TEST_TIMEOUT_MS (per test, default 120000). Exit status is non-zero if any test fails.
set -euo pipefail
cd "$(dirname "$0")"
E2E_DIR="$(pwd)"
REPO_ROOT="$(cd ../.. && pwd)"
export SIGNET_BIN="${SIGNET_BIN:-$REPO_ROOT/build/release/signet}"
export SIGNET_CHROMIUM="${SIGNET_CHROMIUM:-/usr/bin/chromium}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

fail_setup() { echo "e2e: $*" >&2; echo "e2e: FAIL (setup)" >&2; exit 2; }
command -v node >/dev/null || fail_setup "node not found (scripts/setup installs it)"
[[ -d node_modules/playwright-core && -d node_modules/@authsignal/browser && -d node_modules/@authsignal/node ]] \
  || fail_setup "tests/e2e/node_modules missing: run scripts/setup (npm ci in tests/e2e)"
[[ -x "$SIGNET_BIN" ]] || fail_setup "Signet binary not found at $SIGNET_BIN: run scripts/build or set SIGNET_BIN"

targets=("$@")
if ((${#targets[@]} == 0)); then targets=(api browser); fi
for t in "${targets[@]}"; do
  if [[ "$t" == browser* ]]; then
    [[ -x "$SIGNET_CHROMIUM" ]] || fail_setup "chromium not found at $SIGNET_CHROMIUM (scripts/setup installs Debian's chromium)"
  fi
done

# Expand directories to their *.test.mjs files (sorted), so the order is fixed and the command works
# the same on Node versions that treat --test arguments as globs.
files=()
for t in "${targets[@]}"; do
  if [[ -d "$t" ]]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$t" -name '*.test.mjs' | sort)
  elif [[ -f "$t" ]]; then
    files+=("$t")
  else
    fail_setup "no such test file or directory: $t"
  fi
done
((${#files[@]})) || fail_setup "no test files in: ${targets[*]}"

echo "e2e: signet=$SIGNET_BIN chromium=$SIGNET_CHROMIUM node=$(node --version) targets=${targets[*]} (${#files[@]} files)"
tap="$(mktemp -t signet-e2e-XXXXXX.tap)"
trap 'rm -f "$tap"' EXIT
set +e
node --test --test-concurrency=1 --test-timeout="${SIGNET_E2E_TEST_TIMEOUT_MS:-120000}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}"
status=$?
set -e

# One-line summary from the TAP stream (the spec reporter above prints the details).
summary() { grep -E "^# $1 " "$tap" | tail -1 | awk '{print $3}'; }
echo "e2e: tests=$(summary tests) pass=$(summary pass) fail=$(summary fail) todo=$(summary todo) skipped=$(summary skipped) cancelled=$(summary cancelled)"
if [[ $status -ne 0 ]]; then
  echo "e2e: FAIL"
  exit 1
fi
echo "e2e: PASS"
