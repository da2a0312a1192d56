# tests/boot/paths.sh - the user's paths: make run's exit statuses, the
# memory sizes it takes, options carried intact, the test listings, the
# dependency groups and the bench's word on MISS.  Sourced by
# tools/test.sh; README.md documents each behaviour checked here.

# run_cmd NAME CMD...: runs CMD (no terminal, a 120 s limit) with its
# output in build/logs/NAME.log; sets BOOT_LOG and BOOT_STATUS, so the
# expect_* checks read it as they read a boot.
run_cmd() {
    local name=$1
    shift
    BOOT_LOG=$LOGS/$name.log
    boot_progress "$name"
    timeout 120 "$@" </dev/null >"$BOOT_LOG" 2>&1
    BOOT_STATUS=$?
    sed -i 's/\r$//' "$BOOT_LOG"
}

# run_direct NAME VAR=VALUE...: tools/run.sh run, as a person runs it
# (not under make), with the given knobs.
run_direct() {
    local name=$1
    shift
    run_cmd "$name" env -u MAKELEVEL -u MAKEFLAGS "$@" tools/run.sh run
}

# expect_last NAME REGEX: the log's last line matches REGEX.
expect_last() {
    if tail -n 1 "$BOOT_LOG" | grep -Eq -- "$2"; then pass "$1"; else
        fail "$1" "last line \"$(tail -n 1 "$BOOT_LOG")\" does not match /$2/"; fi
}

# 1. Exit statuses (tools/status.sh), each with its last line.
run_direct run-ok MEM=3M ARGS=exit
expect_exit run-ok.status 0
expect_last run-ok.says '^run: the kernel exited with success - status 0$'
run_direct run-selftest-fail MEM=3M ARGS=selftest=nosuch
expect_exit run-selftest-fail.status 1
expect_last run-selftest-fail.says '^run: kernel failure: .* - status 1$'
run_direct run-panic MEM=3M ARGS=crash=panic
expect_exit run-panic.status 1
run_direct run-triple MEM=3M ARGS=crash=triple
expect_exit run-triple.status 3
expect_last run-triple.says '^run: crash: a triple fault .* - status 3$'
run_direct run-hang MEM=3M ARGS=crash=hang TIMEOUT=3
expect_exit run-hang.status 4
expect_last run-hang.says '^run: hang: .* - status 4$'
run_direct run-build BUILD="$BUILD/broken" CROSS=nosuch-
expect_exit run-build.status 5
expect_last run-build.says '^run: build error: .* - status 5$'
rm -rf "$BUILD/broken"
# make test and make bench say the same of a build error.
run_cmd test-build env -u MAKELEVEL -u MAKEFLAGS BUILD="$BUILD/broken" \
    CROSS=nosuch- tools/test.sh
expect_exit test-build.status 5
expect_log test-build.says '^test: build error: .* - status 5$'
expect_last test-build.counts '^tests: 0 passed, 1 failed$'
run_cmd bench-build env -u MAKELEVEL -u MAKEFLAGS BUILD="$BUILD/broken" \
    CROSS=nosuch- tools/bench.sh all
expect_exit bench-build.status 5
expect_last bench-build.says '^bench: build error: .* - status 5$'
rm -rf "$BUILD/broken"
run_direct run-refused MEM=lots
expect_exit run-refused.status 6
# Through make: make's own status is 2; the script's line names its
# status, and make's last line repeats it as "Error N".
run_cmd make-run-triple "$MAKE" --no-print-directory run ARGS=crash=triple
expect_exit make-run-triple.status 2
expect_log make-run-triple.says '^run: crash: .* - status 3 \(make reports this as "Error 3" and exits 2\)$'
expect_last make-run-triple.make 'Error 3$'
run_cmd make-run-build "$MAKE" --no-print-directory run BUILD="$BUILD/broken" CROSS=nosuch-
expect_exit make-run-build.status 2
expect_log make-run-build.says '^run: build error: .* - status 5 '
rm -rf "$BUILD/broken"
run_cmd make-run-ok "$MAKE" --no-print-directory run ARGS=exit
expect_exit make-run-ok.status 0
expect_log make-run-ok.grub '^multiboot: loader "GRUB'

# 2. Memory sizes: 1M is refused at once; 2M, 3M and 4M boot without
# GRUB (which runs out of memory at 4M), 8M and up through GRUB (the
# make run boots above and memmap.sh).
start_1m=$SECONDS
run_direct mem-1M MEM=1M ARGS=exit
expect_exit mem-1M.refused 6
expect_last mem-1M.says '^run: MEM=1M is too small: .* - status 6$'
if [ $((SECONDS - start_1m)) -le 10 ]; then pass mem-1M.at-once; else
    fail mem-1M.at-once "took $((SECONDS - start_1m)) s"; fi
for mem in 2M 3M 4M; do
    run_direct mem-$mem MEM=$mem ARGS=exit
    expect_exit mem-$mem.status 0
    expect_log mem-$mem.says "^run: MEM=$mem is below the 8M that GRUB needs"
    expect_log mem-$mem.loader '^multiboot: loader "qemu"$'
done
run_direct mem-8M MEM=8M ARGS=exit
expect_exit mem-8M.status 0
expect_log mem-8M.loader '^multiboot: loader "GRUB'

# 3. Options carried intact, through make and GRUB, through QEMU's
# loader, and through the test helpers; the kernel's parsed line shows
# the words: double quotes group and go, \" stands for ".
ODD='exit x=a|b&c;d'\''e\f "y=p q" z=\"r\" r="help; exit" t=$HOME w=@ARGS@'
PARSED='^cmdline: 7 options: exit x=a\|b&c;d'\''e\\f y=p q z="r" r=help; exit t=\$HOME w=@ARGS@$'
run_cmd args-make "$MAKE" --no-print-directory run ARGS="$ODD"
expect_exit args-make.status 0
expect_log args-make.parsed "$PARSED"
run_direct args-kernel MEM=3M ARGS="$ODD"
expect_log args-kernel.parsed "$PARSED"
boot_grub args-grub 128M "$ODD"
expect_log args-grub.parsed "$PARSED"
if [ ! -e "$BUILD/iso/args-grub.iso" ]; then pass args-grub.iso-removed; else
    fail args-grub.iso-removed "$BUILD/iso/args-grub.iso is still there"; fi
boot_kernel args-boot-kernel 128M "$ODD"
expect_log args-boot-kernel.parsed "$PARSED"
run_cmd args-newline "$MAKE" --no-print-directory run ARGS="exit
trace=buddy"
expect_log args-newline.refused '^run: ARGS holds a line break, .* - status 6 '
run_direct args-newline-direct ARGS="exit
trace=buddy"
expect_exit args-newline-direct.status 6
run_direct args-open-quote ARGS='exit r="x y'
expect_exit args-open-quote.status 6
expect_log args-open-quote.says 'unterminated double quote'
run_direct args-open-quote-kernel MEM=3M ARGS='exit r="x y'
expect_log args-open-quote-kernel.reported '^cmdline: unterminated quote "r=x y"$'

# 4. Discoverability: help names every target and knob; the test
# listings agree; unknown names are errors with near matches.
run_cmd help "$MAKE" --no-print-directory help
for target in $(sed -n 's/^\.PHONY: //p' Makefile); do
    expect_log help.target-$target "^  $target( |$)"
done
for knob in $(sed -n 's/^\([A-Z]*\) ?=.*/\1/p' Makefile) V; do
    expect_log help.knob-$knob "^  $knob="
done
run_cmd tests "$MAKE" --no-print-directory tests
expect_exit tests.status 0
expect_log tests.kernel-only '^  kheap\.global_kmalloc   \(kernel only\)$'
ntests=$(grep -c '^  [a-z_0-9]*\.[a-z_0-9]*' "$BOOT_LOG")
boot_kernel selftest-list 32M "selftest=list quiet"
expect_exit selftest-list.status $EXIT_SUCCESS
expect_log selftest-list.count "^selftest: $ntests tests\$"
expect_no_log selftest-list.none-run '^selftest: ok '
run_cmd hosttest-list "$BUILD/hosttest" --list
expect_log hosttest-list.names '^buddy\.[a-z_0-9]+$'
run_cmd hosttest-help "$BUILD/hosttest" --help
expect_exit hosttest-help.status 0
expect_log hosttest-help.usage '^usage: hosttest '
expect_no_log hosttest-help.not-a-filter 'no test matches'
run_cmd hosttest-unknown "$MAKE" --no-print-directory hosttest T='buddy.free_restores_block'
expect_exit hosttest-unknown.status 2
expect_log hosttest-unknown.says '^hosttest: no test matches "buddy\.free_restores_block"$'
expect_log hosttest-unknown.near '^hosttest: near match buddy\.'
expect_no_log hosttest-unknown.none-run '^hosttest: ok '
run_cmd hosttest-odd "$MAKE" --no-print-directory hosttest T='a b|c;$x'
expect_log hosttest-odd.intact '^hosttest: no test matches "a b\|c;\$x"$'
run_cmd hosttest-typo "$BUILD/hosttest" 'budy'
expect_log hosttest-typo.near '^hosttest: near match buddy$'
boot_kernel selftest-unknown 32M "selftest=buddy,kheap.bucket_choice quiet"
expect_exit selftest-unknown.status $EXIT_FAILURE
expect_log selftest-unknown.says '^selftest: no test matches "kheap\.bucket_choice"$'
expect_log selftest-unknown.near '^selftest: near match kheap\.bucket_choice_at_every_boundary$'
expect_no_log selftest-unknown.none-run '^selftest: ok '
expect_log selftest-unknown.summary '^selftest: 0 passed, 1 failed$'

# 5. Dependencies per task: with every tool but valgrind, the boot
# group is complete and the bench group names valgrind and why.
nodeps=$BUILD/nodeps
rm -rf "$nodeps"
mkdir -p "$nodeps"
for f in /usr/bin/* /bin/*; do
    case ${f##*/} in valgrind*) continue ;; esac
    [ -e "$nodeps/${f##*/}" ] || ln -s "$f" "$nodeps/${f##*/}"
done
run_cmd deps-boot env PATH="$nodeps" tools/deps.sh --check boot
expect_exit deps-boot.status 0
run_cmd deps-bench env PATH="$nodeps" tools/deps.sh --check bench
expect_exit deps-bench.status 1
expect_log deps-bench.names '^  valgrind: counts instructions'
expect_no_log deps-bench.only-valgrind '^  (qemu|nasm|gcc)'
rm -rf "$nodeps"
# make test installed its own group (tools/test.sh) before any test ran:
# every tool of it, chromium and gdb included, is now found.
run_cmd deps-groups tools/deps.sh --check test
expect_exit deps-groups.status 0
run_cmd deps-bad tools/deps.sh nosuch
expect_exit deps-bad.status 2

# 7. A passing run prints nothing that reads like a failure: a test
# that provokes checker output captures it (mm_test_capture_prints) and
# compares it instead of printing it.
BOOT_LOG=$LOGS/hosttest.log
expect_no_log quiet-failures.unmarked '^memmap: check: '
expect_no_log quiet-failures.no-fail 'FAIL'
boot_kernel captured-kernel 32M "selftest=memmap.check_finds_overlap quiet"
expect_exit captured-kernel.status $EXIT_SUCCESS
expect_no_log captured-kernel.unmarked '^memmap: check: '

# 8. make bench says once what MISS means and where to read why.
printf '%s\n' 'target: a <= 1: 2 MISS' 'target: b <= 1: 1 PASS' \
    'target: c <= 1: 3 MISS' > "$LOGS/bench-sample.txt"
run_cmd bench-explain tools/bench.sh explain "$LOGS/bench-sample.txt"
expect_log bench-explain.count '^bench: 2 of 3 targets missed\.'
expect_log bench-explain.where 'docs/performance\.md'
if [ "$(grep -c 'A MISS is' "$BOOT_LOG")" = 1 ]; then pass bench-explain.once; else
    fail bench-explain.once "the meaning of MISS is not said exactly once"; fi
BOOT_LOG=docs/performance.md
expect_log bench-explain.section '^## 5\. The targets, and what would meet them$'

# 6. build/ stays small: tools/test.sh checks, once every file is done,
# that no boot left its ISO behind (build-small.no-stray-iso).
