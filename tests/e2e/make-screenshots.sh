#!/usr/bin/env bash
# Refreshes docs/screenshots/ from the end-to-end test's pictures: runs tst_e2e (the real
# mcp-host under Xvfb, see tests/e2e/tst_e2e.cpp) unless SKIP_RUN=1, then copies the states the
# README shows from <build>/test-artifacts/e2e.
#   tests/e2e/make-screenshots.sh            (BUILD=<dir>, default build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD:-$root/build}"
artifacts="$build/test-artifacts/e2e"
if [[ "${SKIP_RUN:-0}" != 1 ]]; then
  (cd "$build" && ctest -R '^tst_e2e$' --output-on-failure)
fi
mkdir -p "$root/docs/screenshots"
for name in empty-session acting-progress turn-finished approval-waiting servers-failed dark; do
  src="$artifacts/$name.png"
  [[ -s "$src" ]] || { echo "missing $src (did tst_e2e pass?)" >&2; exit 1; }
  cp "$src" "$root/docs/screenshots/$name.png"
done
echo "docs/screenshots/ updated from $artifacts"
