#!/usr/bin/env bash
# Installs what the test suite needs and a fresh machine lacks: Debian's etcd-client (etcdctl 3.4,
# the third-party client of the conformance tests), etcd-server (the etcd 3.4 those tests use as
# the reference), and for the robustness scenarios iptables and iproute2 (partitions inside a
# private network namespace, scripts/netns/bin/java), and for the disk and clock fault tests
# fiu-utils (fsync errors through libfiu's fiu-run/fiu-ctrl), faketime (libfaketime for a member's
# wall clock), e2fsprogs and util-linux (loop-mounted ext4 data dirs: mkfs.ext4, losetup, mount),
# openssl (the TLS tests make their certificates with it), and curl (the Kubernetes pod test
# probes /readyz and /metrics inside its pod namespaces).
# Does nothing when all are present.
set -euo pipefail
missing=()
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v fiu-run >/dev/null 2>&1 || missing+=(fiu-utils)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
command -v mkfs.ext4 >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.ext4 ] || missing+=(e2fsprogs)
command -v losetup >/dev/null 2>&1 || [ -x /usr/sbin/losetup ] || missing+=(util-linux)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
# Keep the package from starting an etcd service on 2379/2380: the tests start their own.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  added_policy=1
fi
trap '[ -n "$added_policy" ] && $sudo rm -f "$policy"' EXIT
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
