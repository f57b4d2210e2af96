# SPDX-License-Identifier: GPL-2.0
# Domino top-level build. The module itself is described in Kbuild.
#
#   make                 domino.ko, userspace tools, selftests
#   make check           all of the above for the lab kernel, host unit tests,
#                        then the SVM (QEMU TCG) and VMX (Bochs) labs
#   make check-native    (root, real VT-x/SVM) the selftests on this host
#   make demo            boot both labs and show `domino info` there
#   make soak            boot the Debian guest SOAK_RUNS times with a chatty
#                        console in one L1 (LAB=svm|vmx, SOAK_NOKASLR=1
#                        names guest RIPs through L1's kallsyms, SOAK_VMM=kvm
#                        boots it under QEMU+KVM instead, the anchor)
#   make soak-compare    SOAK_RUNS (50) chatty boots under Domino and under
#                        QEMU+KVM, and a table of both: passed, guest
#                        crashes, hangs, L1 resets (SOAK_TRACE=1: QEMU -d int)
#   make bench           Domino vs KVM in the same lab boots: exit costs,
#                        Linux boot to /init, memory; table, CSV, plots in
#                        lab-results/bench/ (docs/performance.md)
#   make fuzz            the UAPI and guest fuzzers for FUZZ_SECONDS (300)
#                        each, and the isolation tests, in both labs; then
#                        the leak, unload and kernel-log checks
#                        (FUZZ_SEED=S replays a seed; LABS=svm|vmx)
#   make deps            install the Debian packages the build and lab need
#   make C=2 / W=1       sparse / extra warnings, passed to kbuild
#
# KDIR picks the kernel headers: the running kernel's build tree if it has
# one, else the newest Debian cloud kernel headers the lab can boot.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LAB_KVER := $(shell $(TOP)/scripts/lab/kver.sh 2>/dev/null)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR ?= /usr/src/linux-headers-$(LAB_KVER)
else
KDIR ?= $(RUNNING_KDIR)
endif
LAB_KDIR := /usr/src/linux-headers-$(LAB_KVER)

KBUILD_ARGS := $(if $(C),C=$(C)) $(if $(W),W=$(W))

all: module userspace selftests

module:
	@test -f $(KDIR)/Makefile || { echo "no kernel headers at KDIR=$(KDIR) (make deps)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) $(KBUILD_ARGS) modules

userspace:
	$(MAKE) -C userspace

selftests:
	$(MAKE) -C selftests

# The lab boots $(LAB_KVER): the module must carry exactly its vermagic.
lab-module:
	@test -n "$(LAB_KVER)" || { echo "no bootable cloud kernel + headers (make deps)"; exit 1; }
	$(MAKE) -C $(LAB_KDIR) M=$(TOP) W=1 modules

check: lab-module userspace selftests
	$(TOP)/scripts/check.sh

check-native: all
	@test "$$(id -u)" = 0 || { echo "check-native needs root"; exit 1; }
	DOMINO_ROOT=$(TOP)/build/native KMOD_DIR= sh -c '\
		rm -rf $$DOMINO_ROOT && mkdir -p $$DOMINO_ROOT/bin && \
		cp $(TOP)/domino.ko $(TOP)/scripts/lab/l1-suite.sh $(TOP)/scripts/lab/l1-lib.sh \
			$$DOMINO_ROOT/ && \
		cp $(TOP)/build/userspace/domino $$DOMINO_ROOT/bin/ && \
		cp -r $(TOP)/build/selftests $$DOMINO_ROOT/selftests && \
		$$DOMINO_ROOT/l1-suite.sh'

demo: lab-module userspace selftests
	$(TOP)/scripts/demo.sh

soak: lab-module userspace selftests
	LAB_SCRIPT=l1-soak.sh $(if $(filter 1,$(SOAK_NOKASLR)),LAB_APPEND=nokaslr) \
		$(if $(filter kvm,$(SOAK_VMM)),LAB_STAGE_QEMU=1) \
		$(TOP)/scripts/lab/lab.sh $(or $(LAB),svm) $(TOP)/lab-results/soak

soak-compare: lab-module userspace selftests
	$(TOP)/scripts/soak-compare.sh

# Domino vs KVM in the same L1 boots: exit costs (QEMU -icount: L1
# instructions; Bochs: its instruction count), boot to /init, memory.
bench: lab-module userspace selftests
	$(TOP)/scripts/bench.sh

fuzz: lab-module userspace selftests
	$(TOP)/scripts/fuzz.sh

deps:
	$(TOP)/scripts/install-deps.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build lab-results

.PHONY: all module userspace selftests lab-module check check-native demo bench soak soak-compare fuzz deps clean
