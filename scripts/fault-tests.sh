#!/usr/bin/env bash
# Runs every case of the disk and clock fault tests (e2e-tests' package robustness: fsync errors
# through libfiu, a full disk, power cuts on loop-mounted ext4, clock jumps under libfaketime).
# CI runs one case of each kind as part of mvn verify (-Dstrata.e2e.faults=ci, the default); this
# runs the whole matrix (-Dfaults.matrix=all). Needs root (loop mounts). Extra arguments go to mvn.
#
#   scripts/fault-tests.sh
#   scripts/fault-tests.sh -Dtest=StrataDiskFaultPowerCutTest
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
exec mvn -B -pl e2e-tests -am verify \
  -Dtest='StrataDiskFault*Test,StrataClockFaultTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Drobustness.skip=true -Dfaults.matrix=all "$@"
