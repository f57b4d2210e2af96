#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host unit tests of the userspace side, as KTAP: each test is one
# top-level result, its own output nested behind "# ".
# Needs OUT (build dir) and TOP (source root) in the environment.
set -u
tests="feature_names_test uapi_layout_test x86_insn_test guest_walk_test domcfg_test pvh_loader_test uapi_header_standalone cli_usage cli_info_without_module"
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
