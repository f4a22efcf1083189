# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# ichip: the thin glue over Kbuild (driver/) and meson (everything else).
#
#   make deps    install build and test dependencies (Debian 12, apt)
#   make         build the module, userspace and the selftests
#   make check   deps + build + every test (unit, fuzz smoke, VM kselftests)
#   make run     deps + build + a live demo on a simulated module
#   make fuzz    long fuzzing runs;  make bench   performance ratios
#   make debug-kernel         build (once, cached) the KASAN/lockdep kernel
#   make check-kernel-debug   the VM suite on that kernel (builds it first)
#   make install DESTDIR=...   install (standard paths, DKMS source)
#   make deb     Debian packages ichip + ichip-dkms in build/deb (lintian clean)
#   make check-system   only the system VM stage (systemd, polkit, udev, .debs)

BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS  ?= 1000000
KVER       ?= $(shell tests/vm/kver.sh)
KDIR       ?= /usr/src/linux-headers-$(KVER)
ABS_BUILD  := $(abspath $(BUILD))

all: module userspace selftests

deps:
	@tools/install-deps.sh

# W=1 and -Werror: the module must build without a single warning.
# The top-level Kbuild descends into driver/: driver/n_ichip.ko.
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-Werror modules

$(BUILD)/build.ninja:
	meson setup --prefix=/usr $(BUILD)

userspace: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true

fuzz-build: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)

selftests:
	$(MAKE) -C tests/selftests/ichip OUTPUT=$(ABS_BUILD)/selftests \
		DEB_CACHE=$(ABS_BUILD)/deb-cache

check: deps
	$(MAKE) all fuzz-build
	tools/check.sh --build $(BUILD) --fuzz-build $(FUZZ_BUILD) --fuzz-runs $(FUZZ_RUNS)

# Cached in /var/cache/ichip/debug-kernel (ICHIP_DEBUG_KERNEL_CACHE);
# make check uses it when it is there.  Takes long: nice'd, run it early.
debug-kernel: deps
	tests/vm/debug-kernel.sh

check-kernel-debug: deps debug-kernel
	$(MAKE) all
	ICHIP_VM_KERNELS=debug tools/check.sh --build $(BUILD) --suites vm

fuzz: deps
	$(MAKE) fuzz-build
	tools/fuzz.sh --fuzz-build $(FUZZ_BUILD) --runs $${RUNS:-50000000}

run: deps
	$(MAKE) all
	tools/demo.sh --build $(BUILD)

# performance ratios, side by side in one run; JSON in $(BUILD)/bench.json
bench: deps
	$(MAKE) all
	/usr/bin/python3 tools/bench/bench.py --build $(BUILD)

# the long robustness run: 1 GiB through faults, 10 000 session cycles;
# then checksum mode (issue 17): 100 MiB at 921600 baud through drop 2e-5
# and noise bursts of 400 B/s, with it, then 5 minutes without it
soak: deps
	$(MAKE) all
	ICHIP_SOAK_MB=1024 ICHIP_SOAK_CYCLES=10000 meson test -C $(BUILD) \
		--suite integration integration-robustness --timeout-multiplier 20
	ICHIP_CKSUM_MB=100 ICHIP_CKSUM_DROP=0.00002 ICHIP_CKSUM_NOISE=400 \
		ICHIP_CKSUM_CORRUPT=0 ICHIP_CKSUM_PLAIN_S=300 \
		meson test -C $(BUILD) --suite integration integration-cksum \
		--timeout-multiplier 40 --print-errorlogs

# make install DESTDIR=/tmp/root: everything in its standard place,
# plus the module source for DKMS under /usr/src
install: $(BUILD)/build.ninja
	BUILD=$(BUILD) DESTDIR=$(DESTDIR) tools/install.sh

deb: deps
	tools/deb.sh --out $(BUILD)/deb

# The system VM stage alone: the .debs installed in a cached Debian image,
# booted with systemd, checked as ordinary users (tests/system/).
check-system: deps
	$(MAKE) userspace
	tools/check.sh --build $(BUILD) --suites system

check-install: userspace
	tools/check-install.sh $(BUILD)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD) $(FUZZ_BUILD)

.PHONY: all deps module userspace fuzz-build selftests check fuzz run clean \
	install check-install bench soak debug-kernel check-kernel-debug deb \
	check-system
