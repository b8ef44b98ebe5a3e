#!/usr/bin/env bash
# Runs each fuzz target for a while: scripts/fuzz.sh FUZZTIME pkg:Target ...
# A crasher is written to testdata/fuzz/ and then runs as a regression test with the suite.
#
# Go 1.26's fuzz coordinator can end a target at its -fuzztime deadline with a bare
# "context deadline exceeded" and no failing input (golang/go#75804, fixed in Go 1.27): a
# race in shutting its workers down, not a finding. Such a run is tried once more; any other
# failure, or a failing input written, fails at once.
set -uo pipefail
fuzztime=$1; shift
go=${GO:-go}
log=$(mktemp /tmp/hexbeat-fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT
# bare_deadline: the run failed only by the coordinator's deadline race
bare_deadline() {
  grep -q 'context deadline exceeded' "$log" &&
    ! grep -q -E 'Failing input written|panic:|hung or terminated|testdata/fuzz/' "$log"
}
for t in "$@"; do
  pkg=${t%%:*}; fn=${t##*:}
  for try in 1 2; do
    echo "fuzz $fn ($pkg) for $fuzztime"
    if "$go" test -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1; then
      break
    fi
    if [ "$try" = 1 ] && bare_deadline; then
      echo "fuzz $fn: stopped by Go's deadline race (golang/go#75804) with no failing input; once more"
      continue
    fi
    tail -30 "$log"
    exit 1
  done
done
