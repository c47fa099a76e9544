#!/usr/bin/env bash
# Times `strata migrate` on a generated data directory (default 1,000,000 keys, one in ten leased):
# 1.1 -> 1.2 (builds the lease->keys index), then the real command 1.2 -> 1.0 and 1.0 -> 1.2.
# Not part of the test suite. Extra arguments go to the benchmark (--keys N, --leased-every N, ...).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/server/target/server-1.2.0-SNAPSHOT.jar"
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -q -B -DskipTests install >&2)
fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
java -Xmx2g -Dcom.google.protobuf.use_unsafe_pre22_gencode --add-opens java.base/java.lang=ALL-UNNAMED \
  -cp "$jar" io.strata.server.MigrateBenchmark --dir "$dir/data" "$@"
