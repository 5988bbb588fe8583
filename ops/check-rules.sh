#!/usr/bin/env bash
# `npm run check:rules`: the generated ops files are up to date, the rules are valid, and every rule unit test
# passes (each alert fires when it should and stays quiet when it should). Needs promtool (Debian: the
# `prometheus` package).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  echo "check:rules: promtool is not installed. On Debian/Ubuntu: apt-get install -y prometheus (it ships /usr/bin/promtool)." >&2
  exit 127
fi

npx tsx ops/generate.ts --check
promtool check rules ops/prometheus/*.rules.yaml

# The test files are independent: run them side by side (the 3-day file dominates).
pids=()
logs=()
for f in ops/tests/*.yaml; do
  log="$(mktemp)"
  logs+=("$log")
  promtool test rules "$f" >"$log" 2>&1 &
  pids+=("$!")
done
status=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then status=1; fi
  cat "${logs[$i]}"
  rm -f "${logs[$i]}"
done
if [ "$status" -ne 0 ]; then
  echo "check:rules: rule unit tests failed" >&2
  exit 1
fi
echo "check:rules: OK"
