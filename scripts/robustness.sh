#!/usr/bin/env bash
# Runs robustness scenarios (e2e-tests' StrataRobustnessTest: 3 real members, random traffic, one
# fault, the history checked by robustness/'s HistoryChecker, convergence and liveness checked) and
# prints one verdict line per scenario. CI runs the bounded subset "ci" as part of mvn verify.
#
#   scripts/robustness.sh                          # every scenario, a fresh seed each
#   scripts/robustness.sh isolate-leader,kill-leader --seed 42
#   scripts/robustness.sh ci -o                    # extra arguments go to mvn
#
# The scenarios run in a private network namespace (scripts/netns/bin/java; needs root). A failed
# scenario keeps its cluster directory under e2e-tests/target/e2e-runs/ with the recorded
# history.jsonl (java -jar robustness/target/robustness-*.jar FILE re-checks it).
set -uo pipefail
cd "$(dirname "$0")/.."

scenarios=all
if [[ $# -gt 0 && "$1" != -* ]]; then scenarios=$1; shift; fi
args=()
while [[ $# -gt 0 ]]; do
  if [[ "$1" == --seed ]]; then args+=("-Drobustness.seed=$2"); shift 2; else args+=("$1"); shift; fi
done

./scripts/install-test-deps.sh
reports=e2e-tests/target/robustness-reports
rm -rf "$reports"   # verdicts of an earlier run must not be reported as this run's
mvn -B -pl e2e-tests -am verify -Dtest=StrataRobustnessTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Drobustness.scenarios="$scenarios" "${args[@]}"
rc=$?

echo
echo "== robustness verdicts ($scenarios) =="
grep -h '^\[robustness\].*\(verdict\|caught\)' "$reports"/*-output.txt 2>/dev/null \
  || echo "no verdict printed (did the scenarios run?)"
echo
echo "| scenario | seed | operations checked | succeeded | unknown outcome | watch events | fault | longest stall | verdict |"
echo "|---|---|---|---|---|---|---|---|---|"
grep -h '^\[robustness-row\]' "$reports"/*-output.txt 2>/dev/null | sed 's/^\[robustness-row\] //'
echo
grep -ho 'testcase name="[^"]*"' "$reports"/TEST-*.xml 2>/dev/null | wc -l | xargs echo "scenarios run:"
if grep -q '<failure\|<error' "$reports"/TEST-*.xml 2>/dev/null; then
  echo "FAILED: see $reports/ and the kept directories under e2e-tests/target/e2e-runs/"
fi
exit $rc
