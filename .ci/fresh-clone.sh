#!/usr/bin/env bash
# A newcomer anywhere: clone the repository into an empty temporary folder (no ../shared beside it)
# and run the README's first set-up command exactly as written. It must end with the estimate (the
# expected cost in USD) on stdout. Prints the time from `git clone` to that estimate, then runs the
# quick start's real job against the test suite's fake OpenRouter and prints the time to its first result.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
fake_pid=""
trap 'status=$?; [ -z "$fake_pid" ] || kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"; exit $status' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The first line of the block under <!-- recipe: setup --> in README.md.
setup_cmd="$(awk '/<!-- recipe: setup -->/ { found = 1; next } found && /^```/ { getline; print; exit }' "$repo/README.md")"
[ -n "$setup_cmd" ] || { echo "fresh-clone: no <!-- recipe: setup --> block in README.md" >&2; exit 1; }

start=$(now)
git clone --quiet "$repo" "$work/photobatch"
cd "$work/photobatch"
[ ! -e ../shared ] || { echo "fresh-clone: ../shared must not exist here" >&2; exit 1; }
echo "== fresh clone in $work/photobatch: $setup_cmd"
estimate="$(bash -e -o pipefail -c "$setup_cmd" | tail -n 1)"
estimated=$(now)
if ! [[ "$estimate" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  echo "fresh-clone: expected the estimate in USD on stdout, got: $estimate" >&2
  exit 1
fi

# The fake is test infrastructure, not a user's step: built and started off the clock.
npx tsc -p bench/tsconfig.json
node --input-type=module -e '
  const { startFakeOpenRouter } = await import(process.cwd() + "/bench/.build/test/helpers/fake-openrouter.js");
  const server = await startFakeOpenRouter({ latencyMs: 50 });
  console.log(server.url);
' > "$work/fake.url" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/fake.url" ] && break; sleep 0.1; done
fake_url="$(head -n 1 "$work/fake.url")"
[ -n "$fake_url" ] || { echo "fresh-clone: the fake server did not start" >&2; exit 1; }

# The quick start's step 3, timed until the first line lands in results.jsonl.
run_start=$(now)
OPENROUTER_API_KEY="sk-or-v1-$(printf 'f%.0s' $(seq 64))" OPENROUTER_BASE_URL="$fake_url" \
  npx photobatch run examples/photos -o ./captions -q &
run_pid=$!
first=""
while kill -0 "$run_pid" 2>/dev/null || [ -z "$first" ]; do
  if [ -z "$first" ] && [ -s captions/results.jsonl ]; then first=$(now); fi
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 0.02
done
wait "$run_pid"
[ -n "$first" ] || first=$(now)
ok=$(grep -c '"status":"ok"' captions/results.jsonl)
[ "$ok" -ge 1 ] || { echo "fresh-clone: no ok result from the fake" >&2; exit 1; }

printf 'fresh clone: estimate $%s for examples/photos; git clone -> first estimate %s s\n' "$estimate" "$(secs "$start" "$estimated")"
printf 'fresh clone: real run against the fake: first result %s s after it started, %s ok; git clone -> first real result %s s (building and starting the fake excluded)\n' \
  "$(secs "$run_start" "$first")" "$ok" "$(awk -v a="$start" -v e="$estimated" -v r="$run_start" -v f="$first" 'BEGIN { printf "%.1f", (e - a) + (f - r) }')"

# The README's second set-up line (the tests), as written, still with nothing beside the clone: suites that need
# ../shared/photos skip themselves there, and everything else must pass. CI asks for it; by hand it is optional.
if [ "${FRESH_CLONE_RUN_TESTS:-0}" = 1 ]; then
  kill "$fake_pid" 2>/dev/null || true
  fake_pid=""
  test_cmd="$(awk '/<!-- recipe: setup -->/ { found = 1; next } found && /^```/ { getline; getline; print; exit }' "$repo/README.md")"
  [ -n "$test_cmd" ] || { echo "fresh-clone: no second line in the set-up block" >&2; exit 1; }
  rm -rf captions
  echo "== fresh clone: $test_cmd"
  if bash -e -o pipefail -c "$test_cmd"; then
    echo "fresh clone: the tests passed with nothing beside the clone"
  else
    rc=$?
    echo "fresh-clone: the tests failed (exit $rc)" >&2
    exit "$rc"
  fi
fi
