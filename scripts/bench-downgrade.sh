#!/usr/bin/env bash
# bench-downgrade.sh: seconds from `Downgrade ENABLE` to every member's storage version lowered, on
# a 3-member Strata cluster of real processes under continuous writes from 3 clients, for
# 1.2 -> 1.1 and 1.1 -> 1.0. It runs the e2e scenario StrataOnlineDowngradeTest (which asserts
# correctness, never timing) BENCH_ROUNDS times and prints the figures it measured.
#
#   scripts/bench-downgrade.sh
#   BENCH_ROUNDS=5 scripts/bench-downgrade.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${BENCH_ROUNDS:-3}"
cd "$root"
mvn -q -B -o install -DskipTests >&2 || mvn -q -B install -DskipTests >&2
for round in $(seq 1 "$rounds"); do
  mvn -q -B -o -pl e2e-tests test -Dtest='StrataOnlineDowngradeTest#downgrade_1_2_to_1_0*' \
    -Dsurefire.failIfNoSpecifiedTests=false >&2
  grep -h '^\[e2e\]' e2e-tests/target/surefire-reports/io.strata.e2e.version.StrataOnlineDowngradeTest-output.txt \
    | sed "s/^\[e2e\]/round $round:/"
done
