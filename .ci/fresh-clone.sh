#!/usr/bin/env bash
# A newcomer anywhere: clone the repository into an empty temporary folder (no ../shared beside it)
# and run the README's first set-up command exactly as written. It must end with the estimate (the
# expected cost in USD) on stdout. Prints the time from `git clone` to that estimate.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The first line of the block under <!-- recipe: setup --> in README.md.
setup_cmd="$(awk '/<!-- recipe: setup -->/ { found = 1; next } found && /^```/ { getline; print; exit }' "$repo/README.md")"
[ -n "$setup_cmd" ] || { echo "fresh-clone: no <!-- recipe: setup --> block in README.md" >&2; exit 1; }

start=$(date +%s.%N)
git clone --quiet "$repo" "$work/photobatch"
cd "$work/photobatch"
[ ! -e ../shared ] || { echo "fresh-clone: ../shared must not exist here" >&2; exit 1; }
echo "== fresh clone in $work/photobatch: $setup_cmd"
estimate="$(bash -e -o pipefail -c "$setup_cmd" | tail -n 1)"
end=$(date +%s.%N)
if ! [[ "$estimate" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  echo "fresh-clone: expected the estimate in USD on stdout, got: $estimate" >&2
  exit 1
fi
printf "fresh clone: estimate \$%s for examples/photos; git clone -> first estimate %s s\n" "$estimate" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
