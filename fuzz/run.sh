#!/bin/sh
# Runs the fuzz targets, one after another, each for SECONDS (default 600),
# then minimises its corpus. Usage (from anywhere):
#
#   fuzz/run.sh [SECONDS] [TARGET...]        # no TARGET: every target
#
# Installs what it needs when missing: the nightly toolchain (minimal
# profile) and cargo-fuzz. The working corpus is fuzz/corpus/<t> (tracked in
# git); fuzz/seeds/<t> and fuzz/regressions/<t> are read but never written.
# Logs go to $FUZZ_LOG_DIR (default fuzz/logs), one file per target; a
# crash leaves its input in fuzz/artifacts/<t>/ and makes the script exit 1
# after the remaining targets ran. To use two cores, run two instances with
# disjoint target lists. Not part of scripts/test.sh (it takes minutes per
# target); `cargo test -p cosign-keys --test fuzz_corpus` replays the corpora.
set -u
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-600}
[ $# -gt 0 ] && shift
logs=${FUZZ_LOG_DIR:-$here/logs}
mkdir -p "$logs"
# audit_log and store_index write scratch files (and fsync): keep them in
# memory when the machine has a writable tmpfs.
if [ -z "${CK_FUZZ_TMP:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export CK_FUZZ_TMP=/dev/shm
fi

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal || exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo +nightly install cargo-fuzz --locked || exit 1
fi

cd "$here/.." || exit 1
targets=${*:-$(cargo +nightly fuzz list)}
status=0
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  dirs="fuzz/corpus/$t"
  for extra in "fuzz/seeds/$t" "fuzz/regressions/$t"; do
    [ -d "$extra" ] && dirs="$dirs $extra"
  done
  log="$logs/$t.log"
  echo "== $t: ${seconds}s, $(date -u +%FT%TZ), corpus dirs: $dirs" | tee "$log"
  # shellcheck disable=SC2086 # $dirs is a list of directories
  if ! cargo +nightly fuzz run "$t" $dirs -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 >>"$log" 2>&1; then
    echo "== $t: FAILED (see $log and fuzz/artifacts/$t/)" | tee -a "$log"
    status=1
  fi
  before=$(find "fuzz/corpus/$t" -type f | wc -l)
  cargo +nightly fuzz cmin "$t" "fuzz/corpus/$t" -- -rss_limit_mb=2048 -timeout=10 \
    >>"$log" 2>&1 || status=1
  after=$(find "fuzz/corpus/$t" -type f | wc -l)
  echo "== $t: done $(date -u +%FT%TZ); corpus $before -> $after files after cmin" | tee -a "$log"
done
exit $status
