# QEMU's own coroutine benchmark, for the coroutine suite (sourced by itests/bench/run; needs $root and $out).
#   qemu_coroutine_binary       prints the path of tests/unit/test-coroutine, building it on first use from Debian's
#                               qemu source package (cached under itests/target/qemu-test-coroutine/), or fails
#                               with a message on stderr.
#   qemu_coroutine_perf BIN P   runs "BIN -m perf -p /perf/P" once and prints its figure in ns per operation.
# What each /perf loop counts (tests/unit/test-coroutine.c, QEMU 7.2):
#   yield          100,000,000 enters of one coroutine that yields at once: ns = s / 1e8 (one enter+yield trip)
#   cost           40,000,000 times create, enter (it yields), enter (it ends): ns = s / 4e7
#   lifecycle      1,000,000 times create, enter (an empty body ends): ns = s / 1e6
#   function-call  100,000,000 calls of a noinline function that decrements a counter: ns = s / 1e8
# The iteration counts are read from QEMU's own message ("Yield 100000000 iterations: 9.95 s"), not assumed.

qemu_coroutine_cache() { echo "$root/itests/target/qemu-test-coroutine"; }

# A deb-src entry for Debian's main archive, written only when no deb-src entry exists yet.
qemu_ensure_deb_src() {
  if grep -rqsE '^[[:space:]]*(Types:.*deb-src|deb-src[[:space:]])' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return 0
  fi
  local codename
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  if [ -z "$codename" ] || [ "$(. /etc/os-release && echo "${ID:-}")" != debian ]; then
    echo "qemu: not a Debian system with a codename in /etc/os-release: cannot add a deb-src entry" >&2
    return 1
  fi
  echo "qemu: adding /etc/apt/sources.list.d/blocklayer-deb-src.sources (deb-src, $codename)" >&2
  $sudo tee /etc/apt/sources.list.d/blocklayer-deb-src.sources >/dev/null <<EOF
# Added by blocklayer's itests/bench (coroutine suite) for "apt-get source qemu".
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

qemu_coroutine_binary() {
  local cache bin src log
  cache=$(qemu_coroutine_cache)
  bin=$cache/test-coroutine
  if [ -x "$bin" ]; then echo "$bin"; return 0; fi
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  mkdir -p "$cache"
  log=$cache/build.log
  : > "$log"
  echo "qemu: building QEMU's tests/unit/test-coroutine from Debian's qemu source package (a few minutes once;" \
    "log in $log)" >&2
  # Each step ends the subshell on failure by itself ("|| exit"): set -e does not act inside a "( ) ||" list.
  (
    qemu_ensure_deb_src || exit 1
    # Another apt user (a second builder on the machine) holds the lock for a while at most: wait for it.
    apt_get() { $sudo apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 "$@"; }
    apt_get update -q || exit 1
    # What configure and the build need for --enable-tools --without-default-features: meson (>= 0.61.5), ninja,
    # a C compiler, glib (the test uses GTest), zlib (required by QEMU's meson.build), pkg-config, python3;
    # dpkg-dev unpacks the source package; python3-venv: QEMU 8.1 and newer configure in a venv. Only the missing
    # ones are installed: naming an installed one would upgrade it, and other work shares this machine.
    missing=()
    for p in dpkg-dev meson ninja-build gcc libc6-dev libglib2.0-dev zlib1g-dev pkg-config python3 python3-venv \
        xz-utils; do
      dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] || apt_get install -y -q --no-install-recommends "${missing[@]}" || exit 1
    rm -rf "$cache/src" && mkdir -p "$cache/src" && cd "$cache/src" || exit 1
    apt_get source -q qemu || exit 1
    src=$(find . -maxdepth 1 -mindepth 1 -type d -name 'qemu-*' | head -1)
    [ -n "$src" ] || { echo "qemu: apt-get source qemu left no qemu-* directory" >&2; exit 1; }
    echo "${src#./}" > "$cache/version"
    mkdir -p "$src/build" && cd "$src/build" || exit 1
    ../configure --target-list= --disable-system --disable-user --enable-tools --without-default-features \
      --disable-install-blobs --disable-docs || exit 1
    ninja tests/unit/test-coroutine || exit 1
    cp tests/unit/test-coroutine "$bin.tmp" && mv "$bin.tmp" "$bin"
  ) >>"$log" 2>&1 || { echo "qemu: building test-coroutine failed, see $log:" >&2; tail -5 "$log" >&2; return 1; }
  # The sources and build tree (~300 MB) are not needed any more: the binary is what is cached.
  rm -rf "$cache/src"
  echo "$bin"
}

qemu_coroutine_perf() {
  local bin=$1 path=$2 text
  text=$(timeout 120 "$bin" -m perf -p "/perf/$path" 2>&1) || {
    echo "qemu: $bin -m perf -p /perf/$path failed: $(echo "$text" | tail -2 | tr '\n' ' ')" >&2; return 1; }
  # glib prints g_test_message as "# MESSAGE"; the first "N iterations ... S s" pair of the message is the loop.
  echo "$text" | awk -v p="$path" '
    /iterations/ {
      for (i = 1; i <= NF; i++) {
        if ($(i) == "iterations" || $(i) == "iterations:") n = $(i - 1) + 0;
        if ($(i) == "s" || $(i) == "s,") { s = $(i - 1) + 0; break }
      }
    }
    END {
      if (n > 0 && s > 0) printf "%.2f\n", s * 1e9 / n;
      else { print "qemu: no \"N iterations: S s\" in the output of /perf/" p > "/dev/stderr"; exit 1 }
    }'
}
