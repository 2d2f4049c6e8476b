#!/usr/bin/env bash
# RUSTC_WRAPPER for the compile-time benchmark (scripts/bench.sh compile):
# runs rustc as cargo asked, and, when it compiles the crate named in
# $COUNT_CRATE and $COUNT_OUT is set, under valgrind's cachegrind with the
# cache and branch simulation off: an exact count of the instructions the
# rustc process executes (every thread, and the proc macros, which run in
# it), written to $COUNT_OUT.
set -euo pipefail
rustc=$1
shift
if [ -n "${COUNT_OUT:-}" ]; then
    prev=""
    for arg in "$@"; do
        if [ "$prev" = "--crate-name" ] && [ "$arg" = "${COUNT_CRATE:-}" ]; then
            # Valgrind must see the compiler itself, not the rustup proxy
            # that would exec it.
            real=$("$rustc" --print sysroot)/bin/rustc
            exec valgrind --tool=cachegrind --cache-sim=no --branch-sim=no --log-file="$COUNT_OUT.log" \
                --cachegrind-out-file="$COUNT_OUT" "$real" "$@"
        fi
        prev=$arg
    done
fi
exec "$rustc" "$@"
