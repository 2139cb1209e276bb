#!/usr/bin/env bash
# Check time of the generated crate at another revision and at this checkout,
# side by side in one run: `tools/compile_times.sh REV [FEATURES...]`.
# Each side has its own target folder (dependencies are built first, then the
# crate alone is cleaned and checked with CARGO_INCREMENTAL=0), twice in
# alternation. Prints "<side> <features> <seconds>" lines and the sizes of the
# generated sources. Run it on a quiet machine: it measures wall time.
set -euo pipefail
rev="${1:?usage: tools/compile_times.sh REV [FEATURES...]}"
shift
features=("${@:-full crm landing}")
[ $# -eq 0 ] && features=(full crm landing)
here="$(cd "$(dirname "$0")/.." && pwd)"
before="$(mktemp -d)/before"
git -C "$here" worktree add -q --detach "$before" "$rev"
trap 'git -C "$here" worktree remove --force "$before"' EXIT
export CARGO_INCREMENTAL=0
measure() { # dir target label features
  (cd "$1" && export CARGO_TARGET_DIR="$2" &&
    cargo check -q -p bitrix24 --features "$4" 2>/dev/null &&
    cargo clean -q -p bitrix24 2>/dev/null &&
    s=$(date +%s.%N) && cargo check -q -p bitrix24 --features "$4" 2>/dev/null &&
    e=$(date +%s.%N) && echo "$3 $4 $(echo "$e - $s" | bc)")
}
for round in 1 2; do
  for f in "${features[@]}"; do
    measure "$before" "$here/target/compile-times-before" before "$f"
    measure "$here" "$here/target" after "$f"
  done
done
du -sb "$before/crates/bitrix24/src" "$here/crates/bitrix24/src"
