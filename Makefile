# SPDX-License-Identifier: GPL-2.0
#
# pcc: the two commands a newcomer needs are `make demo` and `make check`.
# See README.md. Everything slow is cached under $(PCC_CACHE). The lines
# below are what `make help` prints: every target is in them.
#
#   make help            this list
#   make demo            build all, boot the VM, run samples/pcc-demo
#   make check           build all, run the selftests in the VM
#   make check TESTS="pcc_store faults:name"   only these suites (or tests)
#   make check-long      pcc_store_big at full size: 1 GiB through 512 MiB
#   make all             make module and make user
#   make shell           interactive VM shell with pcc loaded
#   make run PROG=p ARGS="..."   run your own static program in the VM
#   ARCH=x86_64          any of these on x86_64 (default arm64, or KDIR's); make
#                        check without ARCH runs both, summed (PCC_CHECK_ARCHS=arm64: one)
#   make trace           capture the fault paths with ftrace (Documentation/fault-paths.md)
#   make trace SCENARIO="bad-map oom"   capture only these scenarios
#   make trace PROG=p ARGS="..." [PARAMS="..."] [TIMEOUT=s]   every page fault of your
#                        static program, on any mapping: trees, groups, flame graph
#   make trace SRC=prog.c ...   the same for a C file, built with make user's flags
#   make compare         make trace on arm64, x86_64 and arm, trees side by side
#   make docs            Documentation/fault-paths-trees.md from make compare's captures
#   make module          only pcc.ko (KDIR=/your/tree to use your own kernel)
#   make user            only the programs of samples/, selftests/, bench/ (KDIR=)
#   make rust-analyzer   rust-project.json for editors
#   make lint            clippy (the kernel's lints) and rustfmt (the kernel's style)
#   make sound           compile-fail checks: misuse of rust/ext/ must not build
#   make fuzz SEED=n SECONDS=s   the model-based fuzzer alone, longer (Documentation/reliability.md)
#   make soak MINUTES=n  fuzzer and stress test together, in several configurations
#   make bench           fault costs: pcc against shmem, anon and ext4 (Documentation/performance.md)
#   make bench ICOUNT=1  the same in instructions per page (QEMU -icount): host noise left out
#   make bench BASE=rev [PHASE=main] [CASES=a,b] [RUNS=3]   a change paired: rev's module
#                        and the tree's in one boot, in turn (ICOUNT=1 too)
#   make clean           remove out/ (every architecture's products)
#   make cache-clean     remove $(PCC_CACHE): the next run starts cold

PCC_ROOT := $(CURDIR)
PCC_CACHE ?= $(HOME)/.cache/pcc
PCC_OUT ?= $(PCC_ROOT)/out
export PCC_CACHE PCC_OUT

# The architecture (ARCH=, else KDIR's, else arm64), its products' folder
# O ($(PCC_OUT)/<arch>), its cross compiler and the toolchain: from the
# one table of scripts/lib.sh.
$(foreach v,$(shell ARCH='$(ARCH)' KDIR='$(KDIR)' PCC_OUT='$(PCC_OUT)' bash scripts/lib.sh make-vars),$(eval $(v)))
export PATH := $(LLVM_BIN):$(PATH)
LLVM ?= 1
RUSTC ?= $(PCC_RUSTC)
KMAKE = $(MAKE) -C $(KDIR) M=$(PCC_ROOT) MO=$(O)/module ARCH=$(ARCH) LLVM=$(LLVM) \
	RUSTC=$(RUSTC) BINDGEN=$(PCC_CACHE)/bindgen/bin/bindgen

USER_CC := $(CROSS_COMPILE)gcc
# kselftest_harness.h comes from the kernel tree pcc is built against
# (an O= build dir links its source as "source").
KSRC ?= $(if $(wildcard $(KDIR)/source),$(KDIR)/source,$(KDIR))
USER_CFLAGS := -static -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -I$(PCC_ROOT)/include/uapi \
	-I$(KSRC)/tools/testing/selftests -I$(PCC_ROOT)/selftests -D_GNU_SOURCE \
	-D_FILE_OFFSET_BITS=64
# On 32-bit ARM the harness's EXPECT macros cast a pointer (an ASSERT_NE on
# MAP_FAILED) to the 64-bit intmax_t, to print it: a warning there only.
USER_CFLAGS += $(if $(filter arm,$(ARCH)),-Wno-pointer-to-int-cast)
SAMPLES := $(patsubst %.c,$(O)/samples/%,$(notdir $(wildcard samples/*.c)))
# Programs that are neither samples nor tests: make trace's scenarios, and
# investigations.
TOOLS := $(patsubst %.c,$(O)/tools/%,$(notdir $(wildcard tools/*.c)))
SELFTESTS := $(patsubst %.c,$(O)/selftests/%,$(notdir $(wildcard selftests/*.c)))
# Tests that need a boot of their own (less memory than the main one).
BIG_SELFTESTS := $(patsubst %.c,$(O)/selftests-big/%,$(notdir $(wildcard selftests/big/*.c)))
# make bench's program, built for the bench kernel's boot.
BENCH := $(patsubst %.c,$(O)/bench/%,$(notdir $(wildcard bench/*.c)))

.PHONY: help all demo check check-long shell run trace compare docs sound fuzz soak bench module user \
	rust-analyzer lint clean cache-clean need-kdir print-user-cflags

all: module user

help:
	@sed -n 's/^#   //p' Makefile

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

# PROG= or SRC=: one program of yours (scripts/trace_prog.sh); otherwise
# the scenarios of tools/pcc-scenario (scripts/trace.sh).
trace:
ifneq ($(PROG)$(SRC),)
	PCC_TRACE_PROG='$(PROG)' PCC_TRACE_SRC='$(SRC)' PCC_TRACE_ARGS='$(ARGS)' PCC_TRACE_PARAMS='$(PARAMS)' \
		PCC_TRACE_TIMEOUT='$(TIMEOUT)' PCC_TRACE_NAME='$(NAME)' PCC_TRACE_KB='$(TRACE_KB)' \
		PCC_TRACE_DEPTH='$(DEPTH)' bash scripts/trace_prog.sh
else
	$(if $(SCENARIO),PCC_SCENARIOS="$(SCENARIO)") bash scripts/trace.sh
endif

# The flags make user builds with, for make trace SRC=.
print-user-cflags:
	@echo $(USER_CFLAGS)

compare:
	$(if $(SCENARIO),PCC_SCENARIOS="$(SCENARIO)") bash scripts/compare.sh

# The generated trees of Documentation/fault-paths-trees.md, from what
# make compare (or make check on each architecture) captured.
docs:
	python3 scripts/trace_doc.py $(PCC_OUT)/arm64/trace $(PCC_OUT)/x86_64/trace $(PCC_OUT)/arm/trace \
		Documentation/fault-paths-trees.md

# SECONDS is bash's own variable: hand it over under another name.
fuzz:
	SEED="$(or $(SEED),1)" FUZZ_SECONDS="$(or $(SECONDS),60)" FUZZ_ARGS='$(FUZZ_ARGS)' bash scripts/fuzz.sh

soak:
	MINUTES="$(or $(MINUTES),10)" bash scripts/soak.sh

bench:
	$(if $(ICOUNT),BENCH_ICOUNT='$(ICOUNT)') $(if $(BASE),BENCH_BASE='$(BASE)' BENCH_PHASE='$(or $(PHASE),main)' \
		BENCH_CASES='$(CASES)' BENCH_RUNS='$(or $(RUNS),3)') bash scripts/bench.sh

sound:
	bash -c '. scripts/lib.sh && build_all && bash scripts/sound.sh'

# The targets that build against a kernel tree without building one.
need-kdir:
	@test -n "$(KDIR)" || { echo "make $(MAKECMDGOALS): KDIR not set: KDIR=\$$(scripts/kernel.sh --kdir) for pcc's own kernel (after a make check), or your own tree"; exit 2; }
	@test -f "$(KDIR)/Module.symvers" || { echo "KDIR=$(KDIR) is not a built kernel tree (no Module.symvers)"; exit 2; }

module: need-kdir
	@mkdir -p $(O)/module
	$(KMAKE) modules
ifeq ($(ARCH),arm)
	@# core prints a u64 or i64 of 10000 or more by 64-bit division, which
	@# the kernel's Rust turns into a panic on 32-bit ARM: print them with
	@# rust/ext/print.rs's Dec. (v0 mangling: x is i64, y is u64.)
	@if $(LLVM_BIN)/llvm-nm -u $(O)/module/pcc.ko | grep -E '(3fmt|3imp)[xy]NtB[0-9a-z]*_7Display3fmt'; then \
		echo "pcc.ko prints a u64 or i64 with core's Display, which panics on 32-bit ARM: use Dec"; exit 1; fi
endif

# Editors look for rust-project.json at the project root.
rust-analyzer: need-kdir
	@mkdir -p $(O)/module
	$(KMAKE) rust-analyzer
	python3 scripts/rust_project.py $(O)/module/rust-project.json rust-project.json rust/pcc.rs

# Clippy with the kernel's lint set (undocumented_unsafe_blocks among them),
# then rustfmt with the kernel's .rustfmt.toml.
lint: need-kdir
	touch rust/pcc.rs
	$(KMAKE) CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver modules
	rustfmt --edition 2021 --config-path $(KSRC)/.rustfmt.toml --check rust/pcc.rs

user: need-kdir $(SAMPLES) $(TOOLS) $(SELFTESTS) $(BIG_SELFTESTS) $(BENCH)

$(O)/samples/%: samples/%.c include/uapi/pcc.h selftests/pcc_arch.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(O)/tools/%: tools/%.c include/uapi/pcc.h selftests/pcc_arch.h selftests/pcc_test.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -pthread -o $@ $<

$(O)/selftests/%: selftests/%.c selftests/*.h include/uapi/pcc.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(O)/bench/%: bench/%.c include/uapi/pcc.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -pthread -o $@ $<

$(O)/selftests-big/%: selftests/big/%.c selftests/*.h include/uapi/pcc.h
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

clean:
	rm -rf $(PCC_OUT) rust-project.json
	find . -name '*.o' -o -name '*.cmd' -o -name '*.ko' -o -name '*.mod*' | xargs rm -f

cache-clean:
	rm -rf $(PCC_CACHE)
