#!/usr/bin/env bash
# Runs the etcd 3.4 reference side of the e2e scenarios (tag etcd-reference): every scenario that
# Strata must pass also runs on real etcd (Debian's etcd-server), which proves that its expected
# outputs are etcd's. Run it after changing a scenario, an expected output or the harness; CI runs
# only the Strata side (scripts/test.sh). Extra arguments go to mvn.
#
#   scripts/reference-tests.sh
#   scripts/reference-tests.sh -Dtest=EtcdCtlParityTest
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
exec mvn -B -pl e2e-tests -am verify \
  -Dgroups=etcd-reference -DexcludedGroups=robustness -Dsurefire.failIfNoSpecifiedTests=false \
  -Drobustness.skip=true "$@"
