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
#   compile    item 5: `cargo check` time of 1,000 marked vs unmarked functions
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
# BENCH_SAMPLE_MS (timing, sweep), COMPILE_RUNS (compile, default 3),
# COMPILE_FUNCTIONS (compile, default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TERM_COLOR=never
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

OUT=$ROOT/target/bench-report
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
    FUNCTIONS=${COMPILE_FUNCTIONS:-1000}
    RUNS=${COMPILE_RUNS:-3}
    HALF=$((FUNCTIONS / 2))
    step "compile time (item 5): $FUNCTIONS marked vs unmarked functions, cargo check, median of $RUNS"
    GEN=$ROOT/target/bench-gen
    mkdir -p "$GEN"
    # A crate of $HALF sleeping functions s_i and $HALF non-sleeping n_i:
    # s_i pushes with GFP_KERNEL, calls n_i and s_{i+1}; n_i pushes with
    # GFP_ATOMIC and calls n_{i+1}. Kinds:
    #   marked    `#[may_sleep]` / `#[nowait]` (the default, generic form)
    #   unmarked  the token parameters written by hand, as the macros would
    #   expanded  what the macros emit for `marked`, written out (the token
    #             parameter, the conversion prologue, the `# Context` docs)
    #   ident     unmarked, plus an identity attribute macro on every function
    # With a third argument, proc macros (and syn, quote) are built with
    # opt-level 3 ([profile.dev.build-override]).
    generate() {
        local kind=$1 dir=$GEN/$2 optimized=${3:-} i next
        mkdir -p "$dir/src"
        {
            echo "# Generated by scripts/bench.sh (BENCHMARKS.md item 5)."
            echo "[package]"
            echo "name = \"bench-gen-$2\""
            echo "version = \"0.0.0\""
            echo "edition = \"2024\""
            echo "publish = false"
            echo
            echo "[dependencies]"
            echo "alloc-ctx = { path = \"$ROOT/alloc-ctx\" }"
            if [ "$kind" = ident ]; then
                echo "ident-macro = { path = \"../ident-macro\" }"
            fi
            echo
            echo "[workspace]"
            if [ -n "$optimized" ]; then
                echo
                echo "[profile.dev.build-override]"
                echo "opt-level = 3"
            fi
        } >"$dir/Cargo.toml"
        cp "$ROOT/Cargo.lock" "$dir/Cargo.lock"
        local s_mark="" n_mark="" s_params="v: &mut KVec<u64>, x: u64" n_params="v: &mut KVec<u64>, x: u64"
        case $kind in
            marked) s_mark="#[may_sleep]" n_mark="#[nowait]" ;;
            expanded)
                # The macros' one `# Context` doc attribute, token parameter and prologue.
                s_mark="#[doc = \"\\n # Context\\n\\n May sleep. Takes the caller's sleep token \`cx\` (\`&mut MaySleep\`): callable only where sleeping is allowed, never from a \`#[nowait]\` function or an atomic section.\"]"
                n_mark="#[doc = \"\\n # Context\\n\\n Does not sleep; callable from atomic context. Takes any token \`cx\` (\`&mut NoWait\` or \`&mut MaySleep\`); inside, it is a \`&mut NoWait\`.\"]"
                s_params="cx: &mut impl ::alloc_ctx::SleepToken, $s_params"
                n_params="cx: &mut impl ::alloc_ctx::Token, $n_params"
                ;;
            unmarked | ident)
                s_params="cx: &mut MaySleep, $s_params" n_params="cx: &mut NoWait, $n_params"
                if [ "$kind" = ident ]; then s_mark="#[ident_macro::mark]" n_mark="#[ident_macro::mark]"; fi
                ;;
        esac
        # Every kind passes its token the same way: `cx` (a `&mut MaySleep`
        # goes where a `&mut NoWait` is expected by deref coercion).
        {
            echo "//! Generated by scripts/bench.sh: $FUNCTIONS functions ($kind) calling each other."
            echo "use alloc_ctx::prelude::*;"
            for ((i = 0; i < HALF; i++)); do
                next=$((i + 1))
                [ -n "$s_mark" ] && echo "$s_mark"
                echo "pub fn s$i($s_params) -> Result<u64, AllocError> {"
                if [ "$kind" = expanded ]; then
                    echo "    #[allow(unused_variables)]"
                    echo "    let cx: &mut ::alloc_ctx::MaySleep = ::alloc_ctx::SleepToken::may_sleep(cx);"
                fi
                echo "    v.push(x, GFP_KERNEL, cx)?;"
                if [ $next -lt $HALF ]; then
                    echo "    let y = n$i(cx, v, x)?;"
                    echo "    s$next(cx, v, y)"
                else
                    echo "    n$i(cx, v, x)"
                fi
                echo "}"
                [ -n "$n_mark" ] && echo "$n_mark"
                echo "pub fn n$i($n_params) -> Result<u64, AllocError> {"
                if [ "$kind" = expanded ]; then
                    echo "    #[allow(unused_variables)]"
                    echo "    let cx: &mut ::alloc_ctx::NoWait = ::alloc_ctx::Token::nowait(cx);"
                    echo "    #[cfg(debug_assertions)]"
                    echo "    let __alloc_ctx_nowait_mark = ::alloc_ctx::__private::NoWaitMark::enter();"
                fi
                echo "    v.push(x, GFP_ATOMIC, cx)?;"
                if [ $next -lt $HALF ]; then
                    echo "    n$next(cx, v, x.wrapping_add(1))"
                else
                    echo "    Ok(x)"
                fi
                echo "}"
            done
        } >"$dir/src/lib.rs"
    }
    # The control: an attribute macro that returns its item unchanged,
    # without syn (what any attribute costs: the compiler round trip).
    mkdir -p "$GEN/ident-macro/src"
    printf '%s\n' '[package]' 'name = "ident-macro"' 'version = "0.0.0"' 'edition = "2024"' 'publish = false' '' \
        '[lib]' 'proc-macro = true' '' '[workspace]' >"$GEN/ident-macro/Cargo.toml"
    printf '%s\n' '//! Returns the item unchanged.' 'use proc_macro::TokenStream;' \
        '/// The identity attribute.' '#[proc_macro_attribute]' \
        'pub fn mark(_: TokenStream, item: TokenStream) -> TokenStream {' '    item' '}' >"$GEN/ident-macro/src/lib.rs"
    generate marked marked
    generate unmarked unmarked
    generate marked marked-opt optimized
    generate unmarked unmarked-opt optimized
    generate expanded expanded
    generate ident ident
    export CARGO_TARGET_DIR=$GEN/target
    # `cargo check` of crate $1 with CARGO_INCREMENTAL=$2.
    check() { CARGO_INCREMENTAL=$2 cargo check -q --manifest-path "$GEN/$1/Cargo.toml"; }
    # Warm-up: builds alloc-ctx and the macros (both profiles) once, and
    # checks every crate once in each mode it is timed in.
    for crate in marked unmarked marked-opt unmarked-opt expanded ident; do
        check "$crate" 0
    done
    check marked 1
    check unmarked 1
    # Seconds of one `cargo check` of crate $1 (CARGO_INCREMENTAL=$2)
    # after touching its source.
    timed_check() {
        touch "$GEN/$1/src/lib.rs"
        local t0 t1
        t0=$(date +%s%N)
        check "$1" "$2"
        t1=$(date +%s%N)
        awk "BEGIN { printf \"%.3f\", ($t1 - $t0) / 1e9 }"
    }
    median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    # label | crate | baseline crate | CARGO_INCREMENTAL | judged against the target
    CONFIGS=(
        "**marked vs unmarked, full check (CARGO_INCREMENTAL=0), default dev profile**|marked|unmarked|0|yes"
        "marked vs unmarked, full check, proc macros built with opt-level 3|marked-opt|unmarked-opt|0|yes"
        "marked vs unmarked, incremental re-check after touch (cargo's default for local crates)|marked|unmarked|1|yes"
        "macro expansion alone: marked vs the same code expanded by hand, full check|marked|expanded|0|no"
        "the expanded code alone: expanded by hand vs unmarked, full check|expanded|unmarked|0|no"
        "control: an identity attribute macro (no syn) on every unmarked function, full check|ident|unmarked|0|no"
    )
    declare -A TIMES
    for ((r = 0; r < RUNS; r++)); do
        for ((c = 0; c < ${#CONFIGS[@]}; c++)); do
            IFS='|' read -r _ m u inc _ <<<"${CONFIGS[$c]}"
            # Alternate which crate of a pair goes first.
            if [ $(((r + c) % 2)) -eq 0 ]; then order=("$m" "$u"); else order=("$u" "$m"); fi
            for crate in "${order[@]}"; do
                TIMES[$c.$crate]="${TIMES[$c.$crate]:-} $(timed_check "$crate" "$inc")"
            done
            echo "  round $((r + 1)), configuration $((c + 1)): $m${TIMES[$c.$m]##* } s, $u${TIMES[$c.$u]##* } s" >&2
        done
    done
    unset CARGO_TARGET_DIR
    {
        echo
        echo "## Compile time (item 5): \`cargo check\` of $FUNCTIONS functions calling each other, median of $RUNS"
        echo
        echo "| configuration | crate (s) | baseline (s) | ratio | target | verdict | cost per function |"
        echo "|---|---:|---:|---:|---|---|---:|"
    } >>"$SUMMARY"
    for ((c = 0; c < ${#CONFIGS[@]}; c++)); do
        IFS='|' read -r label m u _ judged <<<"${CONFIGS[$c]}"
        # shellcheck disable=SC2086 # the run times are space-separated
        mt=$(median ${TIMES[$c.$m]})
        # shellcheck disable=SC2086
        ut=$(median ${TIMES[$c.$u]})
        ratio=$(calc "$mt / $ut")
        per_fn=$(calc "($mt - $ut) * 1e6 / $FUNCTIONS")
        if [ "$judged" = yes ]; then
            target="≤ 1.3×"
            verdict=$(awk "BEGIN { print ($ratio <= 1.3) ? \"PASS\" : \"MISS\" }")
        else
            target="none"
            verdict="—"
        fi
        printf '| %s | %.3f (%s) | %.3f (%s) | %.2f× | %s | %s | %.0f µs |\n' \
            "$label" "$mt" "${TIMES[$c.$m]# }" "$ut" "${TIMES[$c.$u]# }" "$ratio" "$target" "$verdict" "$per_fn" >>"$SUMMARY"
    done
    sed -n '/^## Compile time/,$p' "$SUMMARY" >&2
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
                "${RT_BIN[$1]}" callgrind "$1" "$2" >/dev/null 2>"$OUT/runtime.log"; then
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
        sed -n '/^## Run-time rows/,$p' "$SUMMARY" >&2
    fi
fi

step "summary: $SUMMARY"
cat "$SUMMARY"
