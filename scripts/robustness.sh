#!/usr/bin/env bash
# Runs the robustness scenarios (JUnit tag "robustness": random traffic, one injected fault, the
# history checked by robustness/'s HistoryChecker) and prints one verdict line per scenario.
# Not run by CI (.ci/run) yet; a plain "mvn verify" excludes the tag.
#
#   scripts/robustness.sh                      # all scenarios, a fresh seed each
#   scripts/robustness.sh -Drobustness.seed=42 # replay a seed (it is printed in each verdict line)
#   scripts/robustness.sh -o                   # extra arguments go to mvn
#
# A failed scenario keeps its cluster directory under e2e-tests/target/e2e-runs/, with the
# recorded history.jsonl in it (java -jar robustness/target/robustness-*.jar FILE re-checks it).
set -uo pipefail
cd "$(dirname "$0")/.."

# Verdicts of an earlier run must not be reported as this run's.
rm -f e2e-tests/target/surefire-reports/*io.strata.e2e.robustness.*
mvn -B -pl e2e-tests -am verify -Dgroups=robustness -Dsurefire.failIfNoSpecifiedTests=false "$@"
rc=$?

echo
echo "== robustness verdicts =="
found=0
for f in e2e-tests/target/surefire-reports/*-output.txt; do
  [[ -e "$f" ]] || continue
  if grep -h '^\[robustness\].*verdict' "$f"; then found=1; fi
done
for f in e2e-tests/target/surefire-reports/TEST-io.strata.e2e.robustness.*.xml; do
  [[ -e "$f" ]] || continue
  name=$(basename "$f" .xml); name=${name#TEST-}
  if grep -q '<failure\|<error' "$f"; then
    echo "FAILED: $name (see e2e-tests/target/surefire-reports/$name.txt)"
  else
    echo "passed: $name"
  fi
done
(( found )) || echo "no verdict printed (did the scenarios run?)"
exit $rc
