#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md, from a fresh clone:
#
#   scripts/bench.sh                 # everything (a few minutes on 2 cores)
#   scripts/bench.sh timing callgrind   # some steps
#
# Steps:
#   timing     items 1-3, 6: wall-clock, `cargo bench -p alloc-ctx --bench overhead`
#   callgrind  items 1-3: instruction counts under valgrind's callgrind
#   codegen    item 4: machine code of marked vs unmarked functions (objdump)
#   compile    item 5: rustc instructions (valgrind) of `cargo check`, 1,000 and 5,000
#              marked vs unmarked functions (benches/compile/)
#   sweep      item 6: failure-sweep points per second on the three examples
#   runtime    BENCH-runtime.md: every run-time row in one run (instruction
#              counts under callgrind): alloc vs std::alloc, the same from a
#              cdylib, KVec::with_capacity vs Vec::try_reserve_exact, the
#              driver-shaped RX/TX path vs plain Rust on spin's lock, and
#              the error types' sizes (benches/runtime, the overhead bench)
#
# Installs nothing: valgrind and objdump (binutils) are used when present,
# and the step says so when they are not. Results go to target/bench-report/
# (summary.md collects every table). Environment: BENCH_ROUNDS and
# BENCH_SAMPLE_MS (timing, sweep), COMPILE_RUNS (compile, default 1: the
# counts are exact), COMPILE_FUNCTIONS (compile, default "1000 5000"),
# COMPILE_KINDS (compile, default "marked unmarked"; add "expanded" for
# the split between expanding and checking the expansion).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TERM_COLOR=never
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

OUT=${BENCH_OUT:-$ROOT/target/bench-report}
mkdir -p "$OUT"
SUMMARY=$OUT/summary.md

step() { printf '\n==> %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
# Floating-point arithmetic: `calc '<awk expression>'`.
calc() { awk "BEGIN { printf \"%s\", $1 }"; }

STEPS=("$@")
if [ ${#STEPS[@]} -eq 0 ]; then
    STEPS=(timing callgrind codegen compile sweep runtime)
fi
for s in "${STEPS[@]}"; do
    case $s in
        timing | callgrind | codegen | compile | sweep | runtime) ;;
        *)
            echo "unknown step '$s' (steps: timing callgrind codegen compile sweep runtime)" >&2
            exit 2
            ;;
    esac
done
wants() {
    local s
    for s in "${STEPS[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}

# ---------------------------------------------------------------------------
step "machine"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- alloc-ctx/src alloc-ctx-macros/src 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes in alloc-ctx*/src"
fi
{
    echo "# Benchmark results"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo "| commit | $commit |"
    echo "| CPU | ${cpu:-unknown} |"
    echo "| nproc | $(nproc) |"
    echo "| load average at start | $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) |"
    echo "| rustc | $(rustc --version) |"
    echo "| valgrind | $(if have valgrind; then valgrind --version; else echo 'not installed'; fi) |"
    echo "| objdump | $(if have objdump; then objdump --version | head -1; else echo 'not installed'; fi) |"
} >"$SUMMARY"
cat "$SUMMARY" >&2

# The bench binary, built once (bench profile: optimized, with symbols).
BENCH_BIN=""
bench_bin() {
    if [ -z "$BENCH_BIN" ]; then
        BENCH_BIN=$(cargo bench -p alloc-ctx --bench overhead --no-run --message-format=json |
            grep -o '"executable":"[^"]*/overhead-[^"]*"' | tail -1 | cut -d'"' -f4)
        if [ -z "$BENCH_BIN" ] || [ ! -x "$BENCH_BIN" ]; then
            echo "could not find the overhead bench executable" >&2
            exit 1
        fi
    fi
    printf '%s' "$BENCH_BIN"
}

# ---------------------------------------------------------------------------
if wants timing; then
    step "timing (items 1-3, 6): cargo bench -p alloc-ctx --bench overhead"
    cargo bench -p alloc-ctx --bench overhead | tee "$OUT/timing.md"
    {
        echo
        echo "## Wall-clock (\`cargo bench -p alloc-ctx --bench overhead\`)"
        echo
        sed -n '/^## Summary/,$p' "$OUT/timing.md" | tail -n +3
    } >>"$SUMMARY"
fi

# ---------------------------------------------------------------------------
if wants callgrind; then
    step "instruction counts (items 1-3): valgrind --tool=callgrind"
    if ! have valgrind; then
        echo "valgrind is not installed: instruction counts SKIPPED (the wall-clock figures still apply;" >&2
        echo "install valgrind, e.g. 'apt-get install valgrind', for exact per-operation instruction counts)" >&2
        printf '\n## Instruction counts\n\nSKIPPED: valgrind is not installed.\n' >>"$SUMMARY"
    else
        bin=$(bench_bin)
        declare -A OPS
        while IFS=$'\t' read -r name ops _; do OPS[$name]=$ops; done < <("$bin" list)
        # Instructions of one run of PATH x N (whole process; callgrind does
        # not replace malloc, so glibc's allocator is what is counted).
        count() {
            local file="$OUT/callgrind.$1.$2.out"
            if ! valgrind --tool=callgrind --callgrind-out-file="$file" "$bin" callgrind "$1" "$2" \
                >/dev/null 2>"$OUT/callgrind.log"; then
                cat "$OUT/callgrind.log" >&2
                echo "valgrind failed on $1" >&2
                exit 1
            fi
            awk '/^summary:/ { print $2 }' "$file"
        }
        # Instructions per operation: two runs, N1 and N2 iterations; the
        # difference cancels process start-up and one-time initialisation.
        declare -A IR
        per_op() {
            local name=$1 n1=$2 n2=$3 a b
            a=$(count "$name" "$n1")
            b=$(count "$name" "$n2")
            IR[$name]=$(calc "($b - $a) / (($n2 - $n1) * ${OPS[$name]})")
            printf '  %-22s %10.2f instructions/op\n' "$name" "${IR[$name]}" >&2
        }
        for p in alloc.raw alloc.rtflags.kernel alloc.rtflags.atomic alloc.token.kernel alloc.token.atomic \
            array.raw array.token array.checked.raw struct.raw struct.token struct.checked.raw; do
            per_op "$p" 2000 22000
        done
        for p in push.vec push.kvec.kernel push.kvec.atomic extend.vec extend.kvec; do
            per_op "$p" 4 44
        done
        {
            echo
            echo "## Instruction counts (valgrind --tool=callgrind; exact, load-independent)"
            echo
            echo "| item | measured | vs baseline | instructions/op | baseline instructions/op | ratio | target | verdict |"
            echo "|---|---|---|---:|---:|---:|---|---|"
        } >>"$SUMMARY"
        # item subject baseline kind(cost|throughput) target
        while read -r item subject baseline kind target; do
            s=${IR[$subject]} b=${IR[$baseline]}
            if [ "$kind" = cost ]; then
                ratio=$(calc "$s / $b")
                verdict=$(awk "BEGIN { print ($ratio <= $target) ? \"PASS\" : \"MISS\" }")
                label="instructions"
                tgt="≤ ${target}×"
            else
                ratio=$(calc "$b / $s")
                verdict=$(awk "BEGIN { print ($ratio >= $target) ? \"PASS\" : \"MISS\" }")
                label="throughput (instructions)"
                tgt="≥ ${target}×"
            fi
            printf '| %s | `%s` | `%s` | %.2f | %.2f | %.3f× %s | %s | %s |\n' \
                "$item" "$subject" "$baseline" "$s" "$b" "$ratio" "$label" "$tgt" "$verdict" >>"$SUMMARY"
        done <<'EOF'
1 alloc.token.kernel alloc.raw cost 1.01
1 alloc.token.atomic alloc.raw cost 1.01
1 alloc.token.kernel alloc.rtflags.kernel cost 1.01
1 alloc.token.atomic alloc.rtflags.atomic cost 1.01
2 array.token array.raw cost 1.05
2 struct.token struct.raw cost 1.05
2 array.checked.raw array.raw cost 1.05
2 struct.checked.raw struct.raw cost 1.05
3 push.kvec.kernel push.vec throughput 0.95
3 push.kvec.atomic push.vec throughput 0.95
3 extend.kvec extend.vec throughput 0.95
EOF
        sed -n '/^## Instruction counts/,$p' "$SUMMARY" >&2
    fi
fi

# ---------------------------------------------------------------------------
if wants codegen; then
    step "generated code (item 4): benches/codegen, --release"
    # Same dependency versions as the workspace; the copy is git-ignored.
    cp Cargo.lock benches/codegen/Cargo.lock
    CARGO_TARGET_DIR=$ROOT/target/bench-codegen \
        cargo build --release --manifest-path benches/codegen/Cargo.toml
    lib=$ROOT/target/bench-codegen/release/liballoc_ctx_codegen.so
    # The (mangled) symbol of the generic `rx_generic` instance.
    generic=""
    if have nm; then
        generic=$(nm --defined-only "$lib" | grep -o '_ZN17alloc_ctx_codegen10rx_generic[0-9A-Za-z_$.]*' | head -1 || true)
    fi
    pairs=("rx_marked rx_unmarked" "rx_batch_marked rx_batch_unmarked" "fill_marked fill_unmarked")
    if [ -n "$generic" ]; then
        pairs=("rx_marked rx_unmarked" "$generic rx_unmarked" "rx_batch_marked rx_batch_unmarked" "fill_marked fill_unmarked")
    fi
    {
        echo
        echo "## Generated code (item 4): \`#[nowait]\`/\`#[may_sleep]\` vs the same function unmarked, release build"
        echo
    } >>"$SUMMARY"
    verdicts=0
    if have objdump && have nm; then
        # Start address and size (hex) of a symbol.
        symbol() { nm -S --defined-only "$lib" | awk -v s="$1" '$4 == s { print $1, $2; exit }'; }
        # One symbol's instructions: exactly its [start, start + size)
        # range, so the padding after it is not counted.
        disasm() {
            local start size
            read -r start size <<<"$(symbol "$1")"
            [ -n "$size" ] || return 0
            objdump -d --no-show-raw-insn --start-address=$((16#$start)) \
                --stop-address=$((16#$start + 16#$size)) "$lib" | grep -E '^ *[0-9a-f]+:'$'\t' || true
        }
        # Addresses and names out: jumps inside the symbol keep their
        # offset, calls to other symbols become <fn>, rip-relative
        # displacements become REL.
        normalize() {
            sed -E 's/^ *[0-9a-f]+:\t//; s/ +#.*$//' |
                sed -E "s/[0-9a-f]+ <$1\\+(0x[0-9a-f]+)>/<self+\\1>/g; s/[0-9a-f]+ <[^>]*>/<fn>/g" |
                sed -E 's/-?0x[0-9a-f]+\(%rip\)/REL(%rip)/g; s/[[:space:]]+$//'
        }
        size_of() {
            local start size
            read -r start size <<<"$(symbol "$1")"
            echo $((16#${size:-0}))
        }
        echo "| marked | unmarked | marked bytes | unmarked bytes | marked instructions | unmarked instructions | machine code |" >>"$SUMMARY"
        echo "|---|---|---:|---:|---:|---:|---|" >>"$SUMMARY"
        for pair in "${pairs[@]}"; do
            read -r marked unmarked <<<"$pair"
            disasm "$marked" >"$OUT/codegen.$marked.s"
            disasm "$unmarked" >"$OUT/codegen.$unmarked.s"
            ni_m=$(wc -l <"$OUT/codegen.$marked.s")
            ni_u=$(wc -l <"$OUT/codegen.$unmarked.s")
            bytes_m=$(size_of "$marked")
            bytes_u=$(size_of "$unmarked")
            if [ "$ni_m" -gt 0 ] && diff <(normalize "$marked" <"$OUT/codegen.$marked.s") \
                <(normalize "$unmarked" <"$OUT/codegen.$unmarked.s") >"$OUT/codegen.$marked.diff"; then
                same="identical"
            else
                same="DIFFERENT (see target/bench-report/codegen.$marked.diff)"
                verdicts=1
            fi
            shown=$marked
            [ "$marked" = "$generic" ] && shown="rx_generic::<NoWait> (default form)"
            printf '| `%s` | `%s` | %s | %s | %s | %s | %s |\n' "$shown" "$unmarked" \
                "$bytes_m" "$bytes_u" "$ni_m" "$ni_u" "$same" >>"$SUMMARY"
        done
    else
        echo "objdump/nm (binutils) not installed: comparing rustc's assembly (--emit asm) instead;" >&2
        echo "instruction counts only, no byte sizes" >&2
        CARGO_TARGET_DIR=$ROOT/target/bench-codegen \
            cargo rustc --release --manifest-path benches/codegen/Cargo.toml -- --emit asm
        asm=$(ls -t "$ROOT"/target/bench-codegen/release/deps/alloc_ctx_codegen-*.s | head -1)
        # One function's instructions from the assembly: from its label to
        # its `.Lfunc_end`, directives and labels dropped, local label
        # numbers normalized.
        asm_of() {
            awk -v sym="$1:" '$1 == sym { on = 1; next } on && /^\.Lfunc_end/ { exit } on { print }' "$asm" |
                grep -Ev '^\s*(\.|#)|^[^[:space:]].*:' |
                sed -E 's/\.LBB[0-9]+_/.LBB_/g; s/\.Ltmp[0-9]+/.Ltmp/g; s/[[:space:]]+$//'
        }
        echo "| marked | unmarked | marked instructions | unmarked instructions | assembly |" >>"$SUMMARY"
        echo "|---|---|---:|---:|---|" >>"$SUMMARY"
        for pair in "${pairs[@]}"; do
            read -r marked unmarked <<<"$pair"
            asm_of "$marked" >"$OUT/codegen.$marked.s"
            asm_of "$unmarked" >"$OUT/codegen.$unmarked.s"
            ni_m=$(wc -l <"$OUT/codegen.$marked.s")
            ni_u=$(wc -l <"$OUT/codegen.$unmarked.s")
            if [ "$ni_m" -gt 0 ] && diff "$OUT/codegen.$marked.s" "$OUT/codegen.$unmarked.s" >"$OUT/codegen.$marked.diff"; then
                same="identical"
            else
                same="DIFFERENT"
                verdicts=1
            fi
            printf '| `%s` | `%s` | %s | %s | %s |\n' "$marked" "$unmarked" "$ni_m" "$ni_u" "$same" >>"$SUMMARY"
        done
    fi
    if [ "$verdicts" -eq 0 ]; then
        echo >>"$SUMMARY"
        echo "Verdict: PASS, every marked function compiles to the same machine code as its unmarked twin." >>"$SUMMARY"
    else
        echo >>"$SUMMARY"
        echo "Verdict: MISS, some pairs differ (diffs in target/bench-report/)." >>"$SUMMARY"
    fi
    # Call sites (BENCH-runtime.md): marked callers calling a marked callee
    # that is not inlined, in each documented call form, vs the unmarked twin.
    if have objdump && have nm; then
        # The symbol of a function: exported as NAME, or the crate-local
        # (mangled) symbol of alloc_ctx_codegen::NAME.
        sym_of() {
            nm --defined-only "$lib" | awk '{ print $3 }' |
                grep -E -x "$1|_ZN17alloc_ctx_codegen${#1}$1(17h[0-9a-f]{16}E)?" | head -1 || true
        }
        {
            echo
            echo "### Call sites: marked caller -> marked callee (not inlined) vs the unmarked twin"
            echo
            echo "| form | marked | instructions | unmarked twin | instructions | machine code |"
            echo "|---|---|---:|---|---:|---|"
        } >>"$SUMMARY"
        # label | marked function | unmarked twin
        while IFS='|' read -r label m u; do
            ms=$(sym_of "$m")
            us=$(sym_of "$u")
            if [ -z "$ms" ]; then
                printf '| %s | `%s` | | `%s` | | no symbol of its own: LLVM merged it with an identical function |\n' \
                    "$label" "$m" "$u" >>"$SUMMARY"
                continue
            fi
            disasm "$ms" >"$OUT/callsite.$m.s"
            disasm "$us" >"$OUT/callsite.$u.s"
            ni_m=$(wc -l <"$OUT/callsite.$m.s")
            ni_u=$(wc -l <"$OUT/callsite.$u.s")
            if diff <(normalize "$ms" <"$OUT/callsite.$m.s") <(normalize "$us" <"$OUT/callsite.$u.s") \
                >"$OUT/callsite.$m.diff"; then
                same="identical (no token pointer passed)"
            else
                same="DIFFERENT: $(grep -c '^[<>]' "$OUT/callsite.$m.diff") diff lines, target/bench-report/callsite.$m.diff"
            fi
            printf '| %s | `%s` | %s | `%s` | %s | %s |\n' "$label" "$m" "$ni_m" "$u" "$ni_u" "$same" >>"$SUMMARY"
        done <<'EOF'
pass `cx` on: generic caller -> generic callee|call_pass|call_unmarked
pass `cx` on: generic caller -> `(dyn)` callee (concrete `&mut NoWait`)|call_pass_dyn|call_unmarked
pass `cx` on: exported `(dyn)` caller -> generic callee|call_pass_exported|call_unmarked
`cx.nowait()` in a generic `#[may_sleep]` caller|call_nowait|call_unmarked
`cx.nowait_scope(..)` in a generic `#[may_sleep]` caller|call_scope|call_unmarked
callee, generic form|rx_callee|rx_callee_unmarked
callee, `(dyn)` form|rx_callee_dyn|rx_callee_unmarked
EOF
    fi
    sed -n '/^## Generated code/,$p' "$SUMMARY" >&2
fi

# ---------------------------------------------------------------------------
if wants compile; then
    SIZES=${COMPILE_FUNCTIONS:-1000 5000}
    KINDS=${COMPILE_KINDS:-marked unmarked block-marked block-unmarked}
    EDITS=${COMPILE_EDITS:-length same-length inserted-line}
    RUNS=${COMPILE_RUNS:-1}
    step "compile time (item 5): rustc instructions for $SIZES marked vs unmarked functions, cargo check"
    if ! have valgrind; then
        echo "valgrind is not installed: the compile-time instruction counts are SKIPPED" >&2
        echo "(install valgrind, e.g. 'apt-get install valgrind', to measure item 5)" >&2
        printf '\n## Compile time (item 5)\n\nSKIPPED: valgrind is not installed.\n' >>"$SUMMARY"
    else
        # The crates (benches/compile/generate.sh) are checked with rustc
        # run under valgrind (benches/compile/count-rustc.sh, a
        # RUSTC_WRAPPER): the exact instruction count of the one rustc
        # process that checks the generated crate, the macros' expansion
        # included (proc macros run inside rustc). Dependencies (alloc-ctx,
        # the macros, syn) are built beforehand and not counted.
        # COMPILE_GEN: another directory, to run two sizes side by side.
        GEN=${COMPILE_GEN:-$ROOT/target/bench-compile}
        mkdir -p "$GEN"
        export RUSTC_WRAPPER=$ROOT/benches/compile/count-rustc.sh
        # One target directory per mode: CARGO_INCREMENTAL is part of the
        # dependencies' fingerprints, so switching it in one directory
        # would rebuild them.
        check() { # crate dir, mode (full|incr)
            local inc=0
            [ "$2" = incr ] && inc=1
            CARGO_TARGET_DIR=$GEN/target-$2 CARGO_INCREMENTAL=$inc \
                cargo check -q --manifest-path "$1/Cargo.toml"
        }
        # Instructions of one counted `cargo check` of crate dir $1 (kind
        # $3) in mode $2.
        counted_check() {
            local out
            out=$GEN/count.$(basename "$1").$2.out
            rm -f "$out"
            COUNT_CRATE=compile_bench_$3 COUNT_OUT=$out check "$1" "$2"
            awk '/^summary:/ { print $2 }' "$out"
        }
        median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : v[NR / 2] }'; }
        declare -A COUNTS
        # The incremental edits of probe_$mid's body (benches/compile/generate.sh):
        #   length          its descriptor address made three digits longer
        #                   (every function after it moves)
        #   same-length     the address changed to another of the same length
        #   inserted-line   a second `table.push` line (every line after it moves)
        edit() { # file, kind, mid
            case $2 in
                length) sed -i "s/^\( *\)addr: $3,\$/\1addr: ${3}000,/" "$1" ;;
                same-length)
                    local other=$(($3 + 1))
                    [ ${#other} = ${#3} ] || other=$(($3 - 1))
                    sed -i "s/^\( *\)addr: $3,\$/\1addr: $other,/" "$1"
                    ;;
                inserted-line) sed -i "s/^\( *\)table.push($3, GFP_KERNEL, cx)?;\$/&\n\1table.push(0, GFP_KERNEL, cx)?;/" "$1" ;;
                *)
                    echo "unknown edit '$2' (length, same-length, inserted-line)" >&2
                    exit 2
                    ;;
            esac
            cmp -s "$1" "$1.orig" && { echo "the $2 edit changed nothing in $1" >&2; exit 1; }
            return 0
        }
        for n in $SIZES; do
            half=$((n / 2))
            mid=$((half / 2))
            for kind in $KINDS; do
                dir=$GEN/$kind-$n
                benches/compile/generate.sh "$kind" "$n" "$dir" "$ROOT/alloc-ctx"
                cp Cargo.lock "$dir/Cargo.lock"
                cp "$dir/src/lib.rs" "$dir/src/lib.rs.orig"
                for mode in full incr; do
                    check "$dir" "$mode" # warm-up: dependencies, and the incremental cache
                    if [ "$mode" = full ]; then edits=full; else edits=$EDITS; fi
                    for e in $edits; do
                        for ((r = 0; r < RUNS; r++)); do
                            if [ "$mode" = full ]; then
                                touch "$dir/src/lib.rs"
                            else
                                # Edit one function body, re-check (counted), and
                                # put it back (re-checked, not counted).
                                edit "$dir/src/lib.rs" "$e" "$mid"
                            fi
                            c=$(counted_check "$dir" "$mode" "${kind//-/_}")
                            if [ "$mode" = incr ]; then
                                cp "$dir/src/lib.rs.orig" "$dir/src/lib.rs"
                                check "$dir" "$mode"
                            fi
                            COUNTS[$n.$e.$kind]="${COUNTS[$n.$e.$kind]:-} $c"
                            echo "  $n functions, $kind, $mode $e: $c instructions" >&2
                        done
                    done
                done
            done
        done
        unset RUSTC_WRAPPER
        {
            echo
            echo "## Compile time (item 5): rustc instructions for \`cargo check\` of N functions, marked vs unmarked"
            echo
            echo "Exact instruction counts of the rustc process checking the generated crate"
            echo "(valgrind --tool=cachegrind, no cache simulation; macro expansion included,"
            echo "dependencies prebuilt). \"full\": CARGO_INCREMENTAL=0, source touched. The"
            echo "incremental edits change one function body (probe_{N/4}), then re-check:"
            echo "\"length\" makes a literal three digits longer, \"same-length\" changes it to"
            echo "one of the same length, \"inserted-line\" adds a statement line. Per-function"
            echo "form: marked vs unmarked; block form: \`impl\` blocks of 10 methods marked as a"
            echo "whole vs the same blocks unmarked. Median of $RUNS run(s)."
            echo
            echo "| N | form | build | marked (instr) | unmarked (instr) | ratio | target | verdict | extra per function |"
            echo "|---:|---|---|---:|---:|---:|---|---|---:|"
        } >>"$SUMMARY"
        for n in $SIZES; do
            for form in fn block; do
                if [ $form = fn ]; then mk=marked uk=unmarked; else mk=block-marked uk=block-unmarked; fi
                [[ " $KINDS " == *" $mk "* && " $KINDS " == *" $uk "* ]] || continue
                for e in full $EDITS; do
                    # shellcheck disable=SC2086 # the counts are space-separated
                    m=$(median ${COUNTS[$n.$e.$mk]})
                    # shellcheck disable=SC2086
                    u=$(median ${COUNTS[$n.$e.$uk]})
                    ratio=$(calc "$m / $u")
                    if [ "$e" = full ]; then target=1.08 label=full; else target=1.25 label="incremental, $e"; fi
                    verdict=$(awk "BEGIN { print ($ratio <= $target) ? \"PASS\" : \"**MISS**\" }")
                    printf '| %s | %s | %s | %s | %s | %.3f× | ≤ %s× | %s | %s |\n' "$n" "$form" "$label" "$m" "$u" \
                        "$ratio" "$target" "$verdict" "$(calc "int(($m - $u) / $n)")" >>"$SUMMARY"
                done
            done
        done
        if [[ " $KINDS " == *" expanded "* ]]; then
            {
                echo
                echo "Where the difference goes: \"expanded\" is the macros' output written by hand"
                echo "(benches/compile/expanded-prologue.txt): marked − expanded is expanding the macros,"
                echo "expanded − unmarked is checking what they emit."
                echo
                echo "| N | build | expanded (instr) | expanding, per function | checking the emitted code, per function |"
                echo "|---:|---|---:|---:|---:|"
            } >>"$SUMMARY"
            for n in $SIZES; do
                for mode in full $EDITS; do
                    # shellcheck disable=SC2086
                    m=$(median ${COUNTS[$n.$mode.marked]})
                    # shellcheck disable=SC2086
                    u=$(median ${COUNTS[$n.$mode.unmarked]})
                    # shellcheck disable=SC2086
                    e=$(median ${COUNTS[$n.$mode.expanded]})
                    printf '| %s | %s | %s | %s | %s |\n' "$n" "$mode" "$e" "$(calc "int(($m - $e) / $n)")" \
                        "$(calc "int(($e - $u) / $n)")" >>"$SUMMARY"
                done
            done
        fi
        sed -n '/^## Compile time/,$p' "$SUMMARY" >&2
    fi
fi

# ---------------------------------------------------------------------------
if wants sweep; then
    step "failure sweeps (item 6): the examples, benches/sweep-examples, --release"
    cp Cargo.lock benches/sweep-examples/Cargo.lock
    {
        echo
        echo "## Failure sweeps on the examples (item 6): \`benches/sweep-examples\`, release"
        echo
    } >>"$SUMMARY"
    # The examples are written alongside: if their API moved, say so and
    # keep the other results.
    if CARGO_TARGET_DIR=$ROOT/target/bench-sweep \
        cargo run --release --manifest-path benches/sweep-examples/Cargo.toml >"$OUT/sweep.md"; then
        cat "$OUT/sweep.md" >>"$SUMMARY"
        cat "$OUT/sweep.md" >&2
    else
        echo "FAILED to build or run benches/sweep-examples (has the examples' API changed?)" | tee -a "$SUMMARY" >&2
    fi
fi

# ---------------------------------------------------------------------------
if wants runtime; then
    step "run-time rows (BENCH-runtime.md): instruction counts under callgrind, one run"
    if ! have valgrind; then
        echo "valgrind is not installed: the run-time rows are SKIPPED (apt-get install valgrind)" >&2
        printf '\n## Run-time rows (BENCH-runtime.md)\n\nSKIPPED: valgrind is not installed.\n' >>"$SUMMARY"
    else
        obin=$(bench_bin)
        cp Cargo.lock benches/runtime/Cargo.lock
        CARGO_TARGET_DIR=$ROOT/target/bench-runtime \
            cargo build --release --manifest-path benches/runtime/Cargo.toml
        rbin=$ROOT/target/bench-runtime/release/runtime-bench
        declare -A RT_OPS RT_BIN RT_IR
        while IFS=$'\t' read -r name ops _; do RT_OPS[$name]=$ops RT_BIN[$name]=$obin; done < <("$obin" list)
        while IFS=$'\t' read -r name ops _; do RT_OPS[$name]=$ops RT_BIN[$name]=$rbin; done < <("$rbin" list)
        # Instructions of one run of PATH x N (whole process); the raw
        # outputs (per instruction) stay for callgrind_annotate.
        rt_count() {
            local file="$OUT/runtime.$1.$2.out"
            if ! valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file="$file" \
                "${RT_BIN[$1]}" callgrind "${1#checks.}" "$2" >/dev/null 2>"$OUT/runtime.log"; then
                cat "$OUT/runtime.log" >&2
                echo "valgrind failed on $1" >&2
                exit 1
            fi
            awk '/^summary:/ { print $2 }' "$file"
        }
        # Per operation: the difference of two runs (N1, N2 iterations)
        # cancels start-up, set-up and dlopen.
        rt_per_op() {
            local name=$1 n1=$2 n2=$3 a b
            a=$(rt_count "$name" "$n1")
            b=$(rt_count "$name" "$n2")
            RT_IR[$name]=$(calc "($b - $a) / (($n2 - $n1) * ${RT_OPS[$name]})")
            printf '  %-26s %10.2f instructions/op\n' "$name" "${RT_IR[$name]}" >&2
        }
        for p in alloc.raw alloc.rtflags.kernel alloc.rtflags.atomic alloc.token.kernel alloc.token.atomic \
            array.vec.reserve_exact array.kvec.with_capacity \
            cdylib.raw cdylib.kernel cdylib.atomic cdylib.call.raw cdylib.call.kernel cdylib.call.atomic; do
            rt_per_op "$p" 2000 22000
        done
        rt_per_op driver.plain 200 2200
        rt_per_op driver.ctx 200 2200
        {
            echo
            echo "## Run-time rows (BENCH-runtime.md): instructions per operation, valgrind --tool=callgrind, one run"
            echo
            echo "| row | what | alloc-ctx | baseline | alloc-ctx instr | baseline instr | ratio | target | verdict |"
            echo "|---|---|---|---|---:|---:|---:|---|---|"
        } >>"$SUMMARY"
        # row | what | subject | baseline | target
        while IFS='|' read -r row what subject baseline target; do
            s=${RT_IR[$subject]} b=${RT_IR[$baseline]}
            ratio=$(calc "$s / $b")
            verdict=$(awk "BEGIN { print ($s / $b <= $target) ? \"PASS\" : \"**MISS**\" }")
            printf '| %s | %s | `%s` | `%s` | %.2f | %.2f | %.3f× | ≤ %s× | %s |\n' \
                "$row" "$what" "$subject" "$baseline" "$s" "$b" "$ratio" "$target" "$verdict" >>"$SUMMARY"
        done <<'EOF'
1|alloc+free 64 B: `cx.alloc(GFP_KERNEL, Size)` vs `std::alloc`|alloc.token.kernel|alloc.raw|1.01
1|same, `nw.alloc(GFP_ATOMIC, Size)` vs `std::alloc`|alloc.token.atomic|alloc.raw|1.01
1|`GFP_KERNEL` vs the run-time `Flags(u32)` API, literal flags|alloc.token.kernel|alloc.rtflags.kernel|1.01
1|`GFP_ATOMIC` vs the run-time `Flags(u32)` API, literal flags|alloc.token.atomic|alloc.rtflags.atomic|1.01
2|cdylib, requests in a loop (TLS address hoisted): `GFP_KERNEL` vs `std::alloc`|cdylib.kernel|cdylib.raw|1.03
2|cdylib, requests in a loop (TLS address hoisted): `GFP_ATOMIC` vs `std::alloc`|cdylib.atomic|cdylib.raw|1.03
2|cdylib, one non-inlined function per request: `GFP_KERNEL` vs `std::alloc`|cdylib.call.kernel|cdylib.call.raw|1.03
2|cdylib, one non-inlined function per request: `GFP_ATOMIC` vs `std::alloc`|cdylib.call.atomic|cdylib.call.raw|1.03
3|`KVec::<u64>::with_capacity(32, GFP_KERNEL, cx)` vs `Vec::try_reserve_exact(32)`, alloc+free|array.kvec.with_capacity|array.vec.reserve_exact|1.05
4|driver-shaped RX/TX path, per packet, vs plain Rust on `spin::mutex::SpinMutex`|driver.ctx|driver.plain|1.02
EOF
        {
            echo
            echo "Row 5, error sizes (\`size_of\`, bytes; target ≤ 16, std's \`TryReserveError\` is 16):"
            echo
            echo "| type | bytes | verdict |"
            echo "|---|---:|---|"
            "$obin" sizes | while IFS=$'\t' read -r ty bytes; do
                case $ty in
                    AllocError | SizeError) v=$([ "$bytes" -le 16 ] && echo PASS || echo "**MISS**") ;;
                    *) v="(reference)" ;;
                esac
                printf '| `%s` | %s | %s |\n' "$ty" "$bytes" "$v"
            done
        } >>"$SUMMARY"
        # The same rows with the run-time checks on (`--cfg alloc_ctx_checks`,
        # what a final binary sets to keep the context check and the
        # in-request mark in release builds): both binaries rebuilt in
        # target directories of their own (RUSTFLAGS is part of the
        # fingerprints).
        step "run-time rows with --cfg alloc_ctx_checks"
        cobin=$(RUSTFLAGS="--cfg alloc_ctx_checks" CARGO_TARGET_DIR=$ROOT/target/bench-checks \
            cargo bench -p alloc-ctx --bench overhead --no-run --message-format=json |
            grep -o '"executable":"[^"]*/overhead-[^"]*"' | tail -1 | cut -d'"' -f4)
        RUSTFLAGS="--cfg alloc_ctx_checks" CARGO_TARGET_DIR=$ROOT/target/bench-runtime-checks \
            cargo build --release --manifest-path benches/runtime/Cargo.toml
        crbin=$ROOT/target/bench-runtime-checks/release/runtime-bench
        for p in alloc.raw alloc.token.kernel alloc.token.atomic; do RT_BIN[checks.$p]=$cobin RT_OPS[checks.$p]=${RT_OPS[$p]}; done
        for p in cdylib.raw cdylib.kernel cdylib.atomic cdylib.call.raw cdylib.call.kernel cdylib.call.atomic \
            driver.plain driver.ctx; do
            RT_BIN[checks.$p]=$crbin RT_OPS[checks.$p]=${RT_OPS[$p]}
        done
        for p in alloc.raw alloc.token.kernel alloc.token.atomic \
            cdylib.raw cdylib.kernel cdylib.atomic cdylib.call.raw cdylib.call.kernel cdylib.call.atomic; do
            rt_per_op "checks.$p" 2000 22000
        done
        rt_per_op checks.driver.plain 200 2200
        rt_per_op checks.driver.ctx 200 2200
        {
            echo
            echo "With \`--cfg alloc_ctx_checks\` (the final binary keeps the context check and the in-request mark"
            echo "in release builds; baselines rebuilt alike):"
            echo
            echo "| row | what | alloc-ctx | baseline | alloc-ctx instr | baseline instr | ratio | target | verdict |"
            echo "|---|---|---|---|---:|---:|---:|---|---|"
        } >>"$SUMMARY"
        while IFS='|' read -r row what subject baseline target; do
            s=${RT_IR[$subject]} b=${RT_IR[$baseline]}
            ratio=$(calc "$s / $b")
            verdict=$(awk "BEGIN { print ($s / $b <= $target) ? \"PASS\" : \"**MISS**\" }")
            printf '| %s | %s | `%s` | `%s` | %.2f | %.2f | %.3f× | ≤ %s× | %s |\n' \
                "$row" "$what" "$subject" "$baseline" "$s" "$b" "$ratio" "$target" "$verdict" >>"$SUMMARY"
        done <<'EOF2'
1|checks on: `GFP_KERNEL` vs `std::alloc`|checks.alloc.token.kernel|checks.alloc.raw|1.03
1|checks on: `GFP_ATOMIC` vs `std::alloc`|checks.alloc.token.atomic|checks.alloc.raw|1.03
2|checks on, cdylib in a loop: `GFP_KERNEL` vs `std::alloc`|checks.cdylib.kernel|checks.cdylib.raw|1.03
2|checks on, cdylib in a loop: `GFP_ATOMIC` vs `std::alloc`|checks.cdylib.atomic|checks.cdylib.raw|1.03
2|checks on, cdylib per call: `GFP_KERNEL` vs `std::alloc`|checks.cdylib.call.kernel|checks.cdylib.call.raw|1.03
2|checks on, cdylib per call: `GFP_ATOMIC` vs `std::alloc`|checks.cdylib.call.atomic|checks.cdylib.call.raw|1.03
4|checks on: driver-shaped RX/TX path, per packet|checks.driver.ctx|checks.driver.plain|1.03
EOF2
        # Row 4, code size (nm -S, the default release build). The row's
        # figure for each twin: its functions and the compiler's drop glue
        # for its own types, i.e. every function whose demangled name
        # contains `runtime_bench::ctx::` (`runtime_bench::plain::`),
        # wherever LLVM left the glue (inlined into `run`, or out of line
        # as `core::ptr::drop_in_place<runtime_bench::plain::Dev>`). Library
        # code is not counted on either side: std's `RawVec`/`Vec` helpers
        # and alloc-ctx's `KVec`/request helpers alike. Printed beside it:
        # the functions named in the twin's module only (the rule before
        # this one), and every function reached from the twin's by direct
        # calls and not from the other twin's (both sides' helpers counted,
        # including alloc-ctx's one-per-program failure path).
        if have nm; then
            # Size (decimal) and demangled name of every function symbol.
            functions() { # binary
                nm -S -C --defined-only "$1" | while read -r _ size type name; do
                    [[ $size =~ ^[0-9a-f]+$ ]] || continue
                    case $type in t | T | w | W) printf '%d %s\n' "$((16#$size))" "$name" ;; esac
                done
            }
            twin_bytes() { # binary, demangled-name prefix
                functions "$1" | awk -v p="$2" 'index($0, " " p) == length($1) + 1 { total += $1 } END { print total + 0 }'
            }
            twin_glue_bytes() { # binary, demangled-name part
                functions "$1" | awk -v p="$2" 'index(substr($0, length($1) + 2), p) > 0 { total += $1 } END { print total + 0 }'
            }
            # "ctx-bytes plain-bytes": functions reached from each twin's
            # functions by direct calls and jumps, and not from the other's.
            twin_closure() { # binary
                if ! have objdump; then
                    echo "- -"
                    return
                fi
                {
                    nm -S --defined-only "$1" | awk '($3 ~ /^[tTwW]$/) && NF >= 4 { print "S", $1, $2 }'
                    objdump -d --no-show-raw-insn -C "$1"
                } | awk '
                    function hex(s,    i, n) {
                        n = 0; s = tolower(s)
                        for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
                        return n
                    }
                    function reach(twin,    f, queue, head, tail, list, n, i, t) {
                        head = 0; tail = 0
                        for (f in fname) if (index(fname[f], "runtime_bench::" twin "::") == 1) { seen[twin, f] = 1; queue[tail++] = f }
                        while (head < tail) {
                            f = queue[head++]
                            n = split(edges[f], list, " ")
                            for (i = 1; i <= n; i++) {
                                t = list[i]
                                if ((t in fname) && !((twin, t) in seen)) { seen[twin, t] = 1; queue[tail++] = t }
                            }
                        }
                    }
                    $1 == "S" { size[hex($2)] = hex($3); next }
                    /^[0-9a-f]+ <.*>:$/ { cur = hex($1); name = substr($0, index($0, "<") + 1); fname[cur] = substr(name, 1, length(name) - 2); next }
                    ($2 == "call" || $2 == "jmp") && $3 ~ /^[0-9a-f]+$/ && $4 ~ /^</ { t = hex($3); if (t != cur) edges[cur] = edges[cur] " " t }
                    END {
                        reach("ctx"); reach("plain")
                        for (k in seen) {
                            split(k, p, SUBSEP); other = p[1] == "ctx" ? "plain" : "ctx"
                            if (!((other, p[2]) in seen)) total[p[1]] += size[p[2]]
                        }
                        printf "%d %d\n", total["ctx"], total["plain"]
                    }'
            }
            cbytes=$(twin_glue_bytes "$rbin" "runtime_bench::ctx::")
            pbytes=$(twin_glue_bytes "$rbin" "runtime_bench::plain::")
            ratio=$(calc "$cbytes / $pbytes")
            verdict=$(awk "BEGIN { print ($ratio <= 1.05) ? \"PASS\" : \"**MISS**\" }")
            cown=$(twin_bytes "$rbin" "runtime_bench::ctx::")
            pown=$(twin_bytes "$rbin" "runtime_bench::plain::")
            read -r creach preach < <(twin_closure "$rbin")
            {
                echo
                echo "Row 4, code size of the driver twins (default release, \`nm -S\`): each twin's functions and the"
                echo "drop glue of its own types (names containing \`runtime_bench::ctx::\` / \`runtime_bench::plain::\`);"
                echo "library helpers (std's, alloc-ctx's) not counted on either side:"
                echo
                echo "| twin | bytes | ratio | target | verdict |"
                echo "|---|---:|---:|---|---|"
                printf '| `ctx` (alloc-ctx) | %s | %.3f× | ≤ 1.05× | %s |\n' "$cbytes" "$ratio" "$verdict"
                printf '| `plain` (std, spin) | %s | | | |\n' "$pbytes"
                echo
                echo "The same twins counted two other ways (no target; for the reading of the row):"
                echo
                echo "| rule | \`ctx\` | \`plain\` | ratio |"
                echo "|---|---:|---:|---:|"
                printf '| functions named in the twin'"'"'s module only (`runtime_bench::ctx::*`) | %s | %s | %.3f× |\n' \
                    "$cown" "$pown" "$(calc "$cown / $pown")"
                if [ "$creach" != "-" ]; then
                    printf '| every function reached from the twin'"'"'s by direct calls, not from the other twin'"'"'s | %s | %s | %.3f× |\n' \
                        "$creach" "$preach" "$(calc "$creach / $preach")"
                fi
                echo
                echo "Their functions and drop glue, bytes each (where the bytes go):"
                echo
                echo '```'
                functions "$rbin" | grep -E '^[0-9]+ .*runtime_bench::(ctx|plain)::' | sort -k2
                echo '```'
            } >>"$SUMMARY"
        fi
        sed -n '/^## Run-time rows/,$p' "$SUMMARY" >&2
    fi
fi

step "summary: $SUMMARY"
cat "$SUMMARY"
