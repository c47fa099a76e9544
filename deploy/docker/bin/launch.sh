# Sourced by the image's commands (strata, strata-pod, stratactl): runs a main class on the
# image's classpath. The image keeps its jars in /opt/strata/libs (and, built by jib, the deploy
# module's classes in /opt/strata/classes). STRATA_CLASSPATH replaces that classpath, so the
# same scripts run from a build tree (the e2e tests do).
# Usage: launch MAIN_CLASS JVM_OPTIONS ARGS...   (JVM_OPTIONS is one word-split string)
launch() {
  local main_class=$1 jvm_options=$2
  shift 2
  local root
  root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
  local classpath="${STRATA_CLASSPATH:-$root/classes:$root/resources:$root/libs/*}"
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  # Pod IPs change when a pod is recreated: re-resolve peers' names within seconds, not the
  # JVM's default 30 s. jraft's old protobuf code and hessian need the other two options.
  # shellcheck disable=SC2086 # jvm_options is a list of options
  exec "$java" $jvm_options -Dsun.net.inetaddr.ttl=5 -Dsun.net.inetaddr.negative.ttl=1 \
    -Dcom.google.protobuf.use_unsafe_pre22_gencode --add-opens java.base/java.lang=ALL-UNNAMED \
    -cp "$classpath" "$main_class" "$@"
}
