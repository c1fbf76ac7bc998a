# Sourced by itests/bench/run for `coroutine --against REV`: this tree's getlength.* and coroutine.perf_* benchmarks
# (QEMU's yield, cost and lifecycle loops) and REV's, measured by turns in one run, so that both see the same machine
# and the same load. A benchmark one side lacks (REV before it was written or renamed) is a note. Uses run's $root,
# $against, $rounds, $jvm_flags, $classpath, $out, $JAVA_HOME, run_bounded and $before_tree (which run's cleanup removes).

# The JMH arguments of one side: the getlength benchmarks that its core can run, and the coroutine loops.
against_jmh_args() {
  local cp=$1
  printf '%s\n' GetLengthBench 'CoroutineBench.perf(Yield|Cost|Lifecycle)$'
  if ! "$JAVA_HOME/bin/javap" -cp "$cp" org.blocklayer.core.internal.graph.Graph | grep -q ' setAioContext('; then
    printf '%s\n' -e GetLengthBench.wrapperIothread
  fi
}

# One JMH run of one side, appended to its log.
against_measure() {
  local side=$1 cp=$2 log=$3 args
  mapfile -t args < <(against_jmh_args "$cp")
  echo "bench: measuring $side" >&2
  # shellcheck disable=SC2086
  run_bounded 300 "$JAVA_HOME/bin/java" $jvm_flags -cp "$cp" org.openjdk.jmh.Main "${args[@]}" \
    -f 1 -wi 3 -w 1s -i 5 -r 1s -bm avgt -tu ns -jvmArgs "$jvm_flags" >> "$log" 2>&1
}

run_against() {
  local rev short
  rev=$(git -C "$root" rev-parse --verify --quiet "$against^{commit}") \
    || { echo "bench: '$against' names no commit here" >&2; return 2; }
  short=$(git -C "$root" rev-parse --short "$rev")
  before_tree=$(mktemp -d "${TMPDIR:-/tmp}/blocklayer-bench-$short.XXXXXX")
  rmdir "$before_tree"
  git -C "$root" worktree add --detach --quiet "$before_tree" "$rev"
  echo "bench: building $short in $before_tree (reactor package with the bench profile, nothing installed)" >&2
  (cd "$before_tree" && ./mvnw -q -B -DskipTests -Pbench package -pl itests -am) \
    || { echo "bench: building $short failed" >&2; return 1; }
  local before_cp="$before_tree/itests/target/classes:$(cat "$before_tree/itests/target/bench.classpath")"

  local now_log="$out/against-now.log" before_log="$out/against-$short.log" round
  : > "$now_log"
  : > "$before_log"
  for ((round = 1; round <= rounds; round++)); do
    if ((round % 2)); then
      against_measure "this tree (round $round of $rounds)" "$classpath" "$now_log" || return 1
      against_measure "$short (round $round of $rounds)" "$before_cp" "$before_log" || return 1
    else
      against_measure "$short (round $round of $rounds)" "$before_cp" "$before_log" || return 1
      against_measure "this tree (round $round of $rounds)" "$classpath" "$now_log" || return 1
    fi
  done

  # Medians over every measurement iteration of every round, per benchmark and side.
  awk -v rev="$short" '
    function median(side, b,   c, i, j, t) {
      c = count[side, b];
      for (i = 2; i <= c; i++) for (j = i; j > 1 && v[side, b, j - 1] > v[side, b, j]; j--) {
        t = v[side, b, j]; v[side, b, j] = v[side, b, j - 1]; v[side, b, j - 1] = t
      }
      return (c % 2) ? v[side, b, (c + 1) / 2] : (v[side, b, c / 2] + v[side, b, c / 2 + 1]) / 2
    }
    FNR == 1 { side = (FILENAME ~ /against-now[.]log$/) ? "now" : "before" }
    /^# Benchmark: / { name = $3; sub(/.*\./, "", name); seen[name] = 1 }
    /^Iteration +[0-9]+: [0-9.]+ / { v[side, name, ++count[side, name]] = $3 + 0 }
    END {
      n = split("wrapperMainloop getlength.wrapper.mainloop wrapperForeign getlength.wrapper.foreign " \
            "wrapperIothread getlength.wrapper.iothread directCoroutine getlength.direct.coroutine " \
            "perfYield coroutine.perf_yield perfCost coroutine.perf_cost perfLifecycle coroutine.perf_lifecycle", m, " ");
      for (i = 1; i < n; i += 2) {
        b = m[i]; f = m[i + 1];
        if (!count["now", b] || !count["before", b]) { printf "note: %s not measured on both sides\n", f; continue }
        now = median("now", b); before = median("before", b);
        printf "figure %s %.1f ns/op\n", f, now;
        printf "figure %s.at_%s %.1f ns/op\n", f, rev, before;
        printf "ratio %s.vs_%s %.2f\n", f, rev, before / now;
      }
    }' "$now_log" "$before_log"
  echo "bench: logs in $now_log and $before_log ($rounds rounds x 5 iterations per side)" >&2
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
}
