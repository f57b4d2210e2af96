#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host unit tests of the userspace side, as KTAP: each test is one
# top-level result, its own output nested behind "# ".
# Needs OUT (build dir) and TOP (source root) in the environment.
set -u
tests="feature_names_test uapi_layout_test x86_insn_test guest_walk_test domcfg_test pvh_loader_test acpi_tables_test uart16550_test platform_test domctl_test xencons_test uapi_header_standalone cli_usage cli_info_without_module cli_create_bad_cfg cli_list_empty cli_ctl_nosuch"
# pvh_loader_test unpacks the lab's L1 kernel, whatever version Debian has now.
kver=$("$TOP/scripts/lab/kver.sh" 2>/dev/null) && export DOMINO_REAL_KERNEL=/boot/vmlinuz-$kver
set -- $tests
echo "TAP version 13"
echo "1..$#"
n=0
failed=0

# The UAPI header must compile on its own: ISO C11 (anonymous unions, 64-bit
# constants) with -pedantic, old GNU C, and C++.
uapi_header_standalone() {
	printf '#include <linux/domino.h>\nunsigned long long f = DOMINO_FEAT_VMX_PML | DOMINO_CREATE_DOMAIN;\nstruct domino_run r;\n' > "$OUT/tests/hdr.c" &&
	${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$TOP/uapi" "$OUT/tests/hdr.c" &&
	${CC:-cc} -std=gnu89 -Wall -Wextra -Werror -fsyntax-only -I"$TOP/uapi" "$OUT/tests/hdr.c" &&
	${CXX:-c++} -x c++ -Wall -Wextra -Werror -fsyntax-only -I"$TOP/uapi" "$OUT/tests/hdr.c"
}

# git-style dispatch: help lists the commands, unknown ones are usage errors.
cli_usage() {
	"$OUT/domino" help | grep -q '^  info ' || return 1
	"$OUT/domino" nosuchcommand 2>"$OUT/tests/err"; rc=$?
	[ "$rc" -eq 2 ] && grep -q "unknown command 'nosuchcommand'" "$OUT/tests/err" || return 1
	"$OUT/domino" info extra-arg 2>/dev/null; [ $? -eq 2 ]
}

# Without the module the tool fails with a hint, not a crash.
cli_info_without_module() {
	DOMINO_DEVICE=/nonexistent/domino "$OUT/domino" info 2>"$OUT/tests/err"; rc=$?
	cat "$OUT/tests/err"
	[ "$rc" -eq 1 ] && grep -q 'is domino.ko loaded' "$OUT/tests/err"
}

# The domain commands, as far as they go without a VM: no daemon starts.
domains_env() {
	rm -rf "$OUT/tests/run" && mkdir -p "$OUT/tests/run" &&
	DOMINO_RUN_DIR="$OUT/tests/run" DOMINO_LOG_DIR="$OUT/tests/log" "$@"
}

# A config error names the file and line; other types than pvh are refused.
cli_create_bad_cfg() {
	printf 'name = "t"\nbogus = 1\n' > "$OUT/tests/bad.cfg"
	domains_env "$OUT/domino" create "$OUT/tests/bad.cfg" 2>"$OUT/tests/err"; rc=$?
	cat "$OUT/tests/err"
	[ "$rc" -eq 1 ] && grep -q "bad.cfg:2: " "$OUT/tests/err" || return 1
	printf 'name = "t"\ntype = "hvm"\nkernel = "/k"\n' > "$OUT/tests/hvm.cfg"
	domains_env "$OUT/domino" create "$OUT/tests/hvm.cfg" 2>"$OUT/tests/err"; rc=$?
	cat "$OUT/tests/err"
	[ "$rc" -eq 1 ] && grep -q 'PVH guests only' "$OUT/tests/err" || return 1
	domains_env "$OUT/domino" create "$OUT/tests/hvm.cfg" 'type="pv' 2>"$OUT/tests/err"; rc=$?
	[ "$rc" -eq 1 ] && grep -q 'hvm.cfg:5: ' "$OUT/tests/err" || return 1
	domains_env "$OUT/domino" create "$OUT/tests/nonexistent.cfg" 2>/dev/null; [ $? -eq 1 ] || return 1
	domains_env "$OUT/domino" create 2>/dev/null; [ $? -eq 2 ]
}

# Without domains, list shows the host as Domain-0 under xl's header.
cli_list_empty() {
	domains_env "$OUT/domino" list > "$OUT/tests/out" || return 1
	cat "$OUT/tests/out"
	[ "$(wc -l < "$OUT/tests/out")" -eq 2 ] &&
	head -n 1 "$OUT/tests/out" | grep -q '^Name  *ID   Mem VCPUs.State.Time(s)$' &&
	grep -Eq '^Domain-0  +0 +[0-9]+ +[0-9]+     r-----  +[0-9]+\.[0-9]$' "$OUT/tests/out" || return 1
	domains_env "$OUT/domino" list nosuch 2>/dev/null; [ $? -eq 1 ]
}

# Commands on a domain that does not exist fail cleanly; malformed ones
# are usage errors before any domain is looked for.
cli_ctl_nosuch() {
	for c in destroy pause unpause shutdown reboot console; do
		domains_env "$OUT/domino" $c nosuch 2>"$OUT/tests/err"; rc=$?
		[ "$rc" -eq 1 ] && grep -q "no domain 'nosuch'" "$OUT/tests/err" || return 1
	done
	for c in "mem-set nosuch 128" "vcpu-set nosuch 1" "mem-set nosuch 1g"; do
		domains_env "$OUT/domino" $c 2>"$OUT/tests/err"; rc=$?
		[ "$rc" -eq 1 ] && grep -q "no domain 'nosuch'" "$OUT/tests/err" || return 1
	done
	for c in "destroy" "mem-set nosuch" "mem-set nosuch 0" "mem-set nosuch 12x" \
		 "vcpu-set nosuch -1" "reboot nosuch -w" "shutdown nosuch -t 0" "shutdown nosuch -t"; do
		domains_env "$OUT/domino" $c 2>/dev/null; rc=$?
		[ "$rc" -eq 2 ] || { echo "'$c' exited $rc, want 2"; return 1; }
	done
}

for t in $tests; do
	n=$((n + 1))
	echo "# selftests: userspace: $t"
	if [ -x "$OUT/tests/$t" ]; then
		"$OUT/tests/$t" > "$OUT/tests/$t.log" 2>&1
	else
		$t > "$OUT/tests/$t.log" 2>&1
	fi
	rc=$?
	sed 's/^/# /' "$OUT/tests/$t.log"
	if [ $rc -eq 0 ]; then
		echo "ok $n userspace: $t"
	else
		echo "not ok $n userspace: $t # exit=$rc"
		failed=1
	fi
done
exit $failed
