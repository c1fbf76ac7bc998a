# Shared by the suites: JDK, build, classpath, machine line, cleanup of what a suite starts.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
jdk_ok() { [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; }
if [ -z "${JAVA_HOME:-}" ] || ! jdk_ok "$JAVA_HOME"; then
  for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]*; do
    if jdk_ok "$candidate"; then JAVA_HOME=$candidate; break; fi
  done
fi
jdk_ok "${JAVA_HOME:-/nonexistent}" || { echo "suite: no JDK 25 found: set JAVA_HOME" >&2; exit 1; }
export JAVA_HOME
jvm_flags=$(sed -n 's:.*<blocklayer.jvm.flags>\(.*\)</blocklayer.jvm.flags>.*:\1:p' pom.xml)

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine nproc=$(nproc) cpu='$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)'" \
  "kernel=$(uname -r) load='$(load)' commit=$(git rev-parse --short HEAD 2>/dev/null || echo ?)"

# Peers: apt-get install what is missing.
need_pkgs() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -q "${missing[@]}" >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q "${missing[@]}" >&2; }
}

# Builds the given modules and the bench profile of itests in one reactor (package: nothing is installed into
# ~/.m2, which other checkouts of the project share, so the bench sees this tree's jars and no other's).
# -DskipTests, not -Dmaven.test.skip: the test-jars some modules' tests depend on (api's) are then built in the reactor;
# without them Maven looks in ~/.m2, where a fresh clone has none.
build_modules() {
  local modules
  modules=$(IFS=,; echo "itests,$*")
  echo "suite: building $modules and what they need (reactor, nothing installed)" >&2
  ./mvnw -q -B -DskipTests -Pbench -pl "$modules" -am package
  classpath="itests/target/classes:$(cat itests/target/bench.classpath)"
}

# --no-build: what the last build left (as itests/bench/run --no-build); building itests alone would take the
# other modules from ~/.m2, where nothing is installed on a fresh clone.
last_build() {
  [ -s itests/target/bench.classpath ] \
    || { echo "suite: --no-build, but nothing was built yet (no itests/target/bench.classpath): run once without it" >&2
         exit 1; }
  classpath="itests/target/classes:$(cat itests/target/bench.classpath)"
}

# Cleanup: pid files registered here are killed (by pid) on exit; temp files removed.
pidfiles=()
tmpfiles=()
bgpid=
cleanup() {
  local f p
  [ -z "$bgpid" ] || kill "$bgpid" 2>/dev/null || true
  for f in "${pidfiles[@]}"; do
    [ -s "$f" ] || continue
    p=$(cat "$f"); [ -n "$p" ] && kill "$p" 2>/dev/null || true
    rm -f "$f"
  done
  for f in "${tmpfiles[@]}"; do rm -rf "$f"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# blocklayer measuring JVM, bounded; prints IOPS (integer) or nothing. When the load refuses an option (IoLoad's
# exit status 3, "refused MESSAGE"), prints nothing and leaves MESSAGE in $work/bl.refused.
bl_iops() {
  local main=$1; shift
  local status=0
  rm -f "$work/bl.refused"
  # shellcheck disable=SC2086
  timeout -k 5 60 "$JAVA_HOME/bin/java" $jvm_flags -cp "$classpath${extra_cp:+:$extra_cp}" \
    "org.blocklayer.itests.bench.$main" "$@" 2>"$work/bl.err" > "$work/bl.out" &
  bgpid=$!
  wait "$bgpid" || status=$?
  bgpid=
  if [ "$status" -eq 3 ] && grep -q '^refused ' "$work/bl.out"; then
    sed -n 's/^refused //p' "$work/bl.out" > "$work/bl.refused"
    return 0
  fi
  [ "$status" -eq 0 ] || { echo "note: blocklayer $main $* failed: $(tail -3 "$work/bl.err" | tr '\n' ' ')" >&2; return 0; }
  sed -n 's/^iops //p' "$work/bl.out"
}

# qemu-img bench: calibrates COUNT with a short run so the measured run lasts ~$seconds s (default 4); prints IOPS.
qemu_iops() {
  local t count secs=${seconds:-4}
  t=$(timeout 60 qemu-img bench -c "$1" "${@:2}" 2>&1 | sed -n 's/.*completed in \([0-9.]*\) seconds.*/\1/p')
  [ -n "$t" ] || { echo "note: qemu-img bench ${*:2} failed" >&2; return 0; }
  count=$(awk -v c="$1" -v t="$t" -v s="$secs" \
    'BEGIN { n = int(c * s / (t > 0.001 ? t : 0.001)); print (n < 1000 ? 1000 : n) }')
  t=$(timeout 90 qemu-img bench -c "$count" "${@:2}" 2>&1 | sed -n 's/.*completed in \([0-9.]*\) seconds.*/\1/p')
  [ -n "$t" ] || { echo "note: qemu-img bench ${*:2} failed" >&2; return 0; }
  awk -v c="$count" -v t="$t" 'BEGIN { printf "%.0f\n", c / t }'
}

# The median of the numbers given (anything else, "-" or empty for a run that failed, left out); nothing when none is
# left.
median() {
  printf '%s\n' "$@" | awk '/^[0-9]+([.][0-9]*)?$/ { v[++n] = $1 + 0 }
    END { if (!n) exit; for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
          printf "%.0f\n", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

figure() { [ -n "$2" ] && echo "figure $1 $2 IOPS" || echo "note: $1 not measured"; }
ratio() { [ -n "$2" ] && [ -n "$3" ] && awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "ratio %s %.2f\n", n, a / b }' || true; }
work=$(mktemp -d /tmp/blocklayer-suite.XXXXXX)
tmpfiles+=("$work")
