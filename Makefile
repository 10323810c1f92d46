# SPDX-License-Identifier: GPL-2.0
#
# pcc: the two commands a newcomer needs are `make demo` and `make check`.
# See README.md. Everything slow is cached under $(PCC_CACHE).
#
#   make demo            build all, boot the VM, run samples/pcc-demo
#   make check           build all, run the selftests in the VM
#   make check TESTS="pcc_store faults:name"   only these suites (or tests)
#   make check-long      pcc_store_big at full size: 1 GiB through 512 MiB
#   make shell           interactive VM shell with pcc loaded
#   make run PROG=p ARGS="..."   run your own static program in the VM
#   ARCH=x86_64          any of the above on x86_64 (default arm64); make check
#                        without ARCH runs both, summed (PCC_CHECK_ARCHS=arm64: one)
#   make trace           capture the fault paths with ftrace (see README)
#   make trace SCENARIO="bad-map oom"   capture only these scenarios
#   make compare         make trace on arm64 and x86_64, trees side by side
#   make docs            Documentation/fault-paths-trees.md from make compare's captures
#   make module          only pcc.ko (KDIR=/your/tree to use your own kernel)
#   make rust-analyzer   rust-project.json for editors
#   make lint            clippy (the kernel's lints) and rustfmt (the kernel's style)
#   make sound           compile-fail checks: misuse of rust/ext/ must not build
#   make fuzz SEED=n SECONDS=s   the model-based fuzzer alone, longer (README)
#   make soak MINUTES=n  fuzzer and stress test together, in several configurations
#   make bench           fault costs: pcc against shmem, anon and ext4 (README)
#   make clean | cache-clean

PCC_ROOT := $(CURDIR)
PCC_CACHE ?= $(HOME)/.cache/pcc
PCC_OUT ?= $(PCC_ROOT)/out
export PCC_CACHE PCC_OUT
# LLVM=1 wants clang, ld.lld, llvm-* unversioned: Debian has them here.
export PATH := /usr/lib/llvm-19/bin:$(PATH)

# ARCH=x86_64 for the x86_64 kernel and guest (its products under
# $(PCC_OUT)/x86_64); scripts/check.sh's PCC_CHECK_ARCHS says which
# architectures `make check` without ARCH runs.
ARCH ?= arm64
LLVM ?= 1
RUSTC ?= /usr/bin/rustc
KMAKE = $(MAKE) -C $(KDIR) M=$(PCC_ROOT) MO=$(PCC_OUT)/module ARCH=$(ARCH) LLVM=$(LLVM) \
	RUSTC=$(RUSTC) BINDGEN=$(PCC_CACHE)/bindgen/bin/bindgen

ifeq ($(ARCH),x86_64)
CROSS_COMPILE ?=
else
CROSS_COMPILE ?= aarch64-linux-gnu-
endif
USER_CC := $(CROSS_COMPILE)gcc
# kselftest_harness.h comes from the kernel tree pcc is built against
# (an O= build dir links its source as "source").
KSRC ?= $(if $(wildcard $(KDIR)/source),$(KDIR)/source,$(KDIR))
USER_CFLAGS := -static -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -I$(PCC_ROOT)/include/uapi \
	-I$(KSRC)/tools/testing/selftests -I$(PCC_ROOT)/selftests -D_GNU_SOURCE
SAMPLES := $(patsubst %.c,$(PCC_OUT)/samples/%,$(notdir $(wildcard samples/*.c)))
SELFTESTS := $(patsubst %.c,$(PCC_OUT)/selftests/%,$(notdir $(wildcard selftests/*.c)))
# Tests that need a boot of their own (e.g. less memory than make check's
# VM): built here, staged by nobody; make check only runs selftests/.
# make bench's program, built for the bench kernel's boot.
BENCH := $(patsubst %.c,$(PCC_OUT)/bench/%,$(notdir $(wildcard bench/*.c)))
BIG_SELFTESTS := $(patsubst %.c,$(PCC_OUT)/selftests-big/%,$(notdir $(wildcard selftests/big/*.c)))

.PHONY: all demo check check-long shell run trace compare sound fuzz soak bench module user rust-analyzer lint clean cache-clean

all: module user

demo:
	bash scripts/demo.sh

check:
	bash scripts/check.sh

check-long:
	TESTS=pcc_store_big PCC_BIG_MIB=1024 PCC_BIG_VM_MB=512 bash scripts/check.sh

shell:
	bash scripts/shell.sh

run:
	@test -n "$(PROG)" || { echo "usage: make run PROG=path/to/static-program ARGS='...' [ARCH=x86_64]"; exit 2; }
	bash scripts/run.sh "$(PROG)" $(ARGS)

trace:
	$(if $(SCENARIO),PCC_SCENARIOS="$(SCENARIO)") bash scripts/trace.sh

compare:
	$(if $(SCENARIO),PCC_SCENARIOS="$(SCENARIO)") bash scripts/compare.sh

.PHONY: docs
# The generated trees of Documentation/fault-paths-trees.md, from what
# make compare (or make check on both architectures) captured.
docs:
	python3 scripts/trace_doc.py $(PCC_OUT)/trace $(PCC_OUT)/x86_64/trace Documentation/fault-paths-trees.md

# SECONDS is bash's own variable: hand it over under another name.
fuzz:
	SEED="$(or $(SEED),1)" FUZZ_SECONDS="$(or $(SECONDS),60)" FUZZ_ARGS='$(FUZZ_ARGS)' bash scripts/fuzz.sh

soak:
	MINUTES="$(or $(MINUTES),10)" bash scripts/soak.sh

bench:
	bash scripts/bench.sh

sound:
	bash -c '. scripts/lib.sh && build_all && bash scripts/sound.sh'

module:
	@test -n "$(KDIR)" || { echo "KDIR not set: use 'make demo', 'make check', or KDIR=/path/to/kernel make module"; exit 2; }
	@mkdir -p $(PCC_OUT)/module
	$(KMAKE) modules

# Editors look for rust-project.json at the project root.
rust-analyzer:
	@test -n "$(KDIR)" || { echo "usage: make rust-analyzer KDIR=<kernel build dir> (scripts/kernel.sh --kdir prints it)"; exit 2; }
	@mkdir -p $(PCC_OUT)/module
	$(KMAKE) rust-analyzer
	python3 scripts/rust_project.py $(PCC_OUT)/module/rust-project.json rust-project.json rust/pcc.rs

# Clippy with the kernel's lint set (undocumented_unsafe_blocks among them),
# then rustfmt with the kernel's .rustfmt.toml.
lint:
	@test -n "$(KDIR)" || { echo "usage: make lint KDIR=<kernel build dir> (scripts/kernel.sh --kdir prints it)"; exit 2; }
	touch rust/pcc.rs
	$(KMAKE) CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver modules
	rustfmt --edition 2021 --config-path $(KSRC)/.rustfmt.toml --check rust/pcc.rs

user: $(SAMPLES) $(SELFTESTS) $(BIG_SELFTESTS) $(BENCH)

$(PCC_OUT)/samples/%: samples/%.c include/uapi/pcc.h selftests/pcc_arch.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(PCC_OUT)/selftests/%: selftests/%.c selftests/*.h include/uapi/pcc.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(PCC_OUT)/bench/%: bench/%.c include/uapi/pcc.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -pthread -o $@ $<

$(PCC_OUT)/selftests-big/%: selftests/big/%.c selftests/*.h include/uapi/pcc.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

clean:
	rm -rf $(PCC_OUT) rust-project.json
	find . -name '*.o' -o -name '*.cmd' -o -name '*.ko' -o -name '*.mod*' | xargs rm -f

cache-clean:
	rm -rf $(PCC_CACHE)
