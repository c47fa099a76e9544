#!/usr/bin/env bash
# The whole test suite: unit tests of every module, then the end-to-end tests (real strata
# processes on loopback, Debian's etcdctl, etcd 3.4 as the reference). Works on a bare machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-test-deps.sh"
cd "$root"
exec mvn -B verify "$@"
