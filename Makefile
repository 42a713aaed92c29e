# SPDX-License-Identifier: GPL-2.0
#
# utrace-rs: the commands people run.  (kbuild builds the kernel side from
# ./Kbuild; this file is never read by kbuild.)
#
#   make test     install what is missing, build the test kernel and the
#                 guest programs, boot under QEMU, run KUnit + guest tests
#   make setup    only the installation step (root, idempotent)
#   make kernel   only the test kernel (incremental)
#   make kernel-prod  only the production kernel: it builds what the
#                 debug kernel leaves out (the registry's size assertion)
#   make bench    the benchmark, on the production kernel (no debug
#                 options), and the A/B of cheap syscalls against the
#                 stock kernel: AB_PAIRS=N alternating boots (default 3)
#   make ab       only that A/B
#   make bench-monitors  the benchmark's monitor rows alone, a quick
#                 check of them: BENCH_ROUNDS=N rounds (default 1), on the
#                 test kernel or BENCH_KERNEL=prod (no stock kernel, no A/B)
#   make fuzz     only the in-guest fuzzer (guest_fuzz), longer:
#                 FUZZ_SEED=N (default: a new one, printed) FUZZ_ITERS=N;
#                 several seeds in one boot: FUZZ_SEEDS="N N ..." or
#                 FUZZ_RUNS=N (N new seeds), at most 64; the command
#                 line beats the environment
#   make fmt      rustfmt the Rust code with the kernel's .rustfmt.toml
#   make clippy   rebuild the utrace-rs crate under clippy (CLIPPY=1)
#   make check-patches   scripts/checkpatch.pl on kernel-patches/
#   make test-cold  the whole `make test` from an empty build area,
#                 COLD_BUILD (default $(BUILD)-cold, emptied first), timed
#   ARCH=arm64    (with kernel, test...) cross-build the kernel and the
#                 guest programs for arm64 and boot them on QEMU's virt
#                 board, in trees of their own; the default is x86_64
#
# Everything built lives in $(BUILD), outside the repository.

REPO      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# LLVM_VERSION: the clang/lld the kernels are built with (rustc's LLVM).
include $(REPO)/qemu-ci/toolchain.env
# bindgen loads libclang at run time: the one of that LLVM.
export LIBCLANG_PATH := /usr/lib/llvm-$(LLVM_VERSION)/lib
BUILD     ?= $(HOME)/.cache/utrace-rs
# The architecture built and booted: x86_64 (the host's) or arm64, each
# described in qemu-ci/arch/ARCH/ (arch.env: the kernel image, QEMU, the
# guest's C compiler).  Another than x86_64 has trees of its own (-arm64).
ARCH      ?= x86_64
override ARCH := $(patsubst x86,x86_64,$(ARCH))
$(if $(wildcard $(REPO)/qemu-ci/arch/$(ARCH)/arch.env),,$(error ARCH=$(ARCH): not one of $(notdir $(wildcard $(REPO)/qemu-ci/arch/*))))
include $(REPO)/qemu-ci/arch/$(ARCH)/arch.env
ARCH_SUFFIX := $(if $(filter x86_64,$(ARCH)),,-$(ARCH))
TOOLS     := $(BUILD)/tools
OBJ       := $(BUILD)/obj$(ARCH_SUFFIX)
SRC       := $(BUILD)/linux
GUEST_BIN := $(BUILD)/guest$(ARCH_SUFFIX)/bin
RUN_DIR   := $(BUILD)/run$(ARCH_SUFFIX)
BZIMAGE   := $(OBJ)/$(KERNEL_IMAGE)
# make bench's kernels: the same patches without the debug options (prod),
# and the unpatched source without CONFIG_UTRACE (stock); see kernel.sh.
BZIMAGE_PROD  := $(BUILD)/obj$(ARCH_SUFFIX)-prod/$(KERNEL_IMAGE)
BZIMAGE_STOCK := $(BUILD)/obj$(ARCH_SUFFIX)-stock/$(KERNEL_IMAGE)
INITRAMFS := $(BUILD)/guest$(ARCH_SUFFIX)/initramfs.cpio.gz
# kbuild's ARCH for the sample modules (x86_64 is its default).
KBUILD_ARCH_ARG := $(if $(ARCH_SUFFIX),ARCH=$(KBUILD_ARCH))
# run.sh boots the architecture's QEMU.
export UTRACE_ARCH := $(ARCH)
# The patched kernel's own uapi headers (linux/ptrace.h with PTRACE_MULTI...),
# installed by kernel.sh, come before the host's.
KHDR         := $(OBJ)/usr/include
GUEST_CFLAGS := -static -O2 -g -Wall -Wextra -Werror -I$(REPO)/uapi -I$(REPO)/guest -I$(KHDR)
GUEST_HDRS   := $(wildcard $(REPO)/guest/*.h $(REPO)/uapi/linux/*.h) $(KHDR)/linux/ptrace.h $(KHDR)/linux/utrace.h
# guest/tests/*.c run one by one as test suites; guest/tools/*.c go to /bin.
# Those not ported to the architecture yet are left out, each named with its
# reason in qemu-ci/arch/ARCH/not-ported (whose suites ktap.py expects not).
NOT_PORTED   := $(shell sed -n 's/^\([a-z0-9_-]*\)[[:space:]].*/\1/p' \
		  $(wildcard $(REPO)/qemu-ci/arch/$(ARCH)/not-ported))
GUEST_TESTS  := $(filter-out $(addprefix $(GUEST_BIN)/tests/,$(NOT_PORTED)), \
		$(patsubst $(REPO)/guest/tests/%.c,$(GUEST_BIN)/tests/%,$(wildcard $(REPO)/guest/tests/*.c)))
GUEST_TOOLS  := $(filter-out $(addprefix $(GUEST_BIN)/tools/,$(NOT_PORTED)), \
		$(patsubst $(REPO)/guest/tools/%.c,$(GUEST_BIN)/tools/%,$(wildcard $(REPO)/guest/tools/*.c)))
# guest/tools/*.S are 32-bit (ia32) programs without libc, for guest_compat.
# guest/tools32/*.c are 32-bit (ia32) C programs without libc, for guest_compat;
# they name calls by asm/unistd_32.h from the kernel's headers (and multi32 its
# requests and struct ptrace_multi by linux/ptrace.h, as a 32-bit tracer).
ifeq ($(ARCH),x86_64)
GUEST_TOOLS32 := $(patsubst $(REPO)/guest/tools/%.S,$(GUEST_BIN)/tools/%,$(wildcard $(REPO)/guest/tools/*.S))
GUEST_TOOLS32 += $(patsubst $(REPO)/guest/tools32/%.c,$(GUEST_BIN)/tools/%,$(wildcard $(REPO)/guest/tools32/*.c))
endif
GUEST_CFLAGS32 := -m32 -nostdlib -static -ffreestanding -fno-pic -fno-stack-protector -O2 -g \
		  -Wall -Wextra -Werror -I$(KHDR)
# guest/aarch32/*.c are AArch32 (EABI) C programs without libc, for
# guest_aarch32 on arm64: clang builds them for armv7-a, and they name calls
# by arm's asm/unistd.h, from the patched source's headers for ARCH=arm
# (A32_HDR).  guest_aarch32 itself names them by the same header, turned
# into EABI_NR_* constants (eabi_nr.h) that an arm64 program can include.
A32_HDR := $(BUILD)/hdr-arm/usr/include
ifeq ($(ARCH),arm64)
GUEST_A32 := $(patsubst $(REPO)/guest/aarch32/%.c,$(GUEST_BIN)/tools/%,$(wildcard $(REPO)/guest/aarch32/*.c))
endif
A32_CFLAGS := --target=arm-linux-gnueabihf -march=armv7-a -marm -nostdlib -static -ffreestanding \
	      -fno-pic -fno-stack-protector -O2 -g -Wall -Wextra -Werror -fuse-ld=lld \
	      --ld-path=/usr/bin/ld.lld-$(LLVM_VERSION) -I$(A32_HDR)
# The sample C engine, the port of systemtap's task finder and the branch
# trace from kernel code (samples/),
# external modules built against the test kernel, out of the source tree
# (MO=), installed in /lib/modules.
SAMPLES      := $(BUILD)/samples
SAMPLE_KO    := $(GUEST_BIN)/modules/utrace_sample.ko
TASK_FINDER_KO := $(GUEST_BIN)/modules/utrace_task_finder.ko
BRANCH_SAMPLE_KO := $(GUEST_BIN)/modules/utrace_branch_sample.ko
# The kernel's own ptrace selftests: the TEST_GEN_PROGS of their Makefile,
# built static with its flags (and lib.mk's) against the patched uapi headers,
# run in the guest by guest/tests/kselftest_ptrace.c.
KSFT         := $(SRC)/tools/testing/selftests
KSFT_PTRACE  := $(shell sed -n 's/^TEST_GEN_PROGS[[:space:]]*[:+]\?=//p' $(KSFT)/ptrace/Makefile 2>/dev/null)
KSFT_CFLAGS  := -static -O2 -g -std=c99 -pthread -Wall -D_GNU_SOURCE= -isystem $(KHDR) -I$(KSFT)
KSFT_BINS    := $(addprefix $(GUEST_BIN)/kselftest/ptrace/,$(KSFT_PTRACE))

# Extra kernel command-line words for a run, e.g. utrace_ci.inject=fail.
KARGS ?=

# make fuzz: the seeds (FUZZ_SEED, or a list FUZZ_SEEDS, or FUZZ_RUNS new
# ones), the iterations of each fuzzer case (make test runs 700 with a fixed
# seed), and the guest's time limit for one seed (seconds).
#
# The command line beats the environment: `make fuzz FUZZ_SEED=N` fuzzes N
# even with a FUZZ_SEEDS or FUZZ_RUNS in the environment (CI prints the
# seed it passes on the command line).  Among the environment's, FUZZ_SEEDS
# comes before FUZZ_SEED, FUZZ_RUNS last.  At most FUZZ_MAX_SEEDS (64)
# seeds in one boot: fuzz_test.c takes no more (MAX_SEEDS in its
# parse_seeds); make fuzz refuses a longer list.  The sub-make of `fuzz`
# gets the list resolved here, as FUZZ_RESOLVED.
FUZZ_MAX_SEEDS := 64
FUZZ_RUNS ?= 1
fuzz_cmdline = $(filter command line,$(origin $(1)))
fuzz_draw = $(shell od -An -N$$((4 * $(1))) -tu4 /dev/urandom)
ifdef FUZZ_RESOLVED
override FUZZ_SEEDS := $(FUZZ_RESOLVED)
else ifneq ($(and $(call fuzz_cmdline,FUZZ_SEED),$(call fuzz_cmdline,FUZZ_SEEDS)),)
$(error give FUZZ_SEED=N or FUZZ_SEEDS="N N ...", not both)
else ifneq ($(call fuzz_cmdline,FUZZ_SEED),)
override FUZZ_SEEDS := $(FUZZ_SEED)
else ifneq ($(call fuzz_cmdline,FUZZ_SEEDS),)
# as given
else ifneq ($(call fuzz_cmdline,FUZZ_RUNS),)
override FUZZ_SEEDS := $(call fuzz_draw,$(FUZZ_RUNS))
else ifneq ($(origin FUZZ_SEEDS),undefined)
# from the environment
else ifneq ($(origin FUZZ_SEED),undefined)
FUZZ_SEEDS := $(FUZZ_SEED)
else
FUZZ_SEEDS := $(call fuzz_draw,$(FUZZ_RUNS))
endif
FUZZ_ITERS   ?= 8000
FUZZ_TIMEOUT ?= $(shell echo $$((300 + $(FUZZ_ITERS) / 5)))
FUZZ_LIMIT   := $(shell echo $$(($(FUZZ_TIMEOUT) * $(words $(FUZZ_SEEDS)))))

.PHONY: test-cold all setup kernel guest initramfs test demo bench fuzz fmt clippy check-patches clean distclean help
.PHONY: _kernel _test _demo _bench _fuzz

# One kernel build or guest run at a time per build area: concurrent
# invocations (two terminals, parallel jobs) queue on this lock.
define locked
@mkdir -p $(BUILD) && flock $(BUILD)/.lock $(MAKE) --no-print-directory -f $(REPO)/Makefile $(1)
endef

all: test

help:
	@sed -n 's/^#   //p' $(REPO)/Makefile

setup:
	@bash $(REPO)/qemu-ci/setup.sh $(TOOLS) $(BUILD) $(ARCH)

kernel:
	$(call locked,_kernel)

.PHONY: kernel-prod
kernel-prod:
	$(call locked,_kernel-prod)

_kernel: setup
	@bash $(REPO)/qemu-ci/kernel.sh $(BUILD) $(REPO) $(TOOLS) test $(ARCH)

.PHONY: _kernel-prod _kernel-stock
_kernel-prod: setup
	@bash $(REPO)/qemu-ci/kernel.sh $(BUILD) $(REPO) $(TOOLS) prod $(ARCH)

_kernel-stock: setup
	@bash $(REPO)/qemu-ci/kernel.sh $(BUILD) $(REPO) $(TOOLS) stock $(ARCH)

# The checkout the guest programs were built from. Binaries built from
# another one (a CI clone shares the build area) can be newer than this
# checkout's sources and different: a change of checkout rebuilds them all.
GUEST_FROM := $(GUEST_BIN)/.built-from
.PHONY: FORCE
$(GUEST_FROM): FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = "$(REPO)" ] || echo "$(REPO)" > $@

$(GUEST_BIN)/tests/%: $(REPO)/guest/tests/%.c $(GUEST_HDRS) $(GUEST_FROM)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $<

$(GUEST_BIN)/tools/%: $(REPO)/guest/tools/%.c $(GUEST_HDRS) $(GUEST_FROM)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $<

# uvm names calls by the C library's <sys/syscall.h>: its SYS_ constants,
# listed once as SYSCALL_NAME(name) lines, for uvm.c to make its table of.
GUEST_GEN := $(BUILD)/guest$(ARCH_SUFFIX)/gen
$(GUEST_GEN)/syscall_names.h: $(KHDR)/asm/unistd_64.h $(GUEST_FROM)
	@mkdir -p $(dir $@)
	echo '#include <sys/syscall.h>' | $(GUEST_CC) $(GUEST_CFLAGS) -dM -E - | \
		sed -n 's/^#define SYS_\([a-z0-9_]*\) .*/SYSCALL_NAME(\1)/p' | sort > $@.tmp
	@mv $@.tmp $@

$(GUEST_BIN)/tools/uvm: $(GUEST_GEN)/syscall_names.h
$(GUEST_BIN)/tools/uvm: GUEST_CFLAGS += -I$(GUEST_GEN)
# uvm knows the calls of the 32-bit ABI that run whatever its rules (exit,
# sigreturn...) by their numbers: ia32's (IA32_NR_*, from asm/unistd_32.h)
# on x86_64, AArch32's (EABI_NR_*, eabi_nr.h) on arm64.
$(GUEST_GEN)/ia32_nr.h: $(KHDR)/asm/unistd_32.h
	@mkdir -p $(dir $@)
	sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/#define IA32_NR_\1 \2/p' $< > $@.tmp
	@mv $@.tmp $@
$(GUEST_BIN)/tools/uvm: $(GUEST_GEN)/$(if $(ARCH_SUFFIX),eabi_nr.h,ia32_nr.h)

$(GUEST_BIN)/tools/%: $(REPO)/guest/tools/%.S $(GUEST_FROM)
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m32 -nostdlib -static -o $@ $<

$(A32_HDR)/asm/unistd-eabi.h: $(SRC)/Makefile
	@$(MAKE) --no-print-directory -s -C $(SRC) ARCH=arm O=$(BUILD)/hdr-arm headers

$(GUEST_GEN)/eabi_nr.h: $(A32_HDR)/asm/unistd-eabi.h
	@mkdir -p $(dir $@)
	sed -n 's/^#define __NR_\([a-z0-9_]*\) (__NR_SYSCALL_BASE + \([0-9]*\))$$/#define EABI_NR_\1 \2/p' \
		$< > $@.tmp
	@mv $@.tmp $@

$(GUEST_BIN)/tests/aarch32_test: $(GUEST_GEN)/eabi_nr.h
$(GUEST_BIN)/tests/aarch32_test: GUEST_CFLAGS += -I$(GUEST_GEN)

$(GUEST_BIN)/tools/%: $(REPO)/guest/aarch32/%.c $(REPO)/guest/aarch32/a32.h \
			$(A32_HDR)/asm/unistd-eabi.h $(GUEST_FROM)
	@mkdir -p $(dir $@)
	clang-$(LLVM_VERSION) $(A32_CFLAGS) -o $@ $<

$(GUEST_BIN)/tools/%: $(REPO)/guest/tools32/%.c $(wildcard $(REPO)/guest/tools32/*.h) \
			$(KHDR)/asm/unistd_32.h $(KHDR)/linux/ptrace.h $(GUEST_FROM)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS32) -o $@ $<

$(GUEST_BIN)/kselftest/ptrace/%: $(KSFT)/ptrace/%.c $(KSFT)/kselftest.h $(KSFT)/kselftest_harness.h $(KHDR)/linux/ptrace.h
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(KSFT_CFLAGS) -o $@ $<

guest: _kernel
	@$(MAKE) --no-print-directory -f $(REPO)/Makefile guest-progs
	@mkdir -p $(SAMPLES) $(dir $(SAMPLE_KO))
	@$(MAKE) --no-print-directory -C $(SRC) O=$(OBJ) $(KBUILD_ARCH_ARG) LLVM=-$(LLVM_VERSION) RUSTC=/usr/bin/rustc \
		HOSTRUSTC=/usr/bin/rustc BINDGEN=$(TOOLS)/bin/bindgen \
		M=$(REPO)/samples MO=$(SAMPLES) modules > $(BUILD)/logs/samples.log 2>&1 \
		|| { cat $(BUILD)/logs/samples.log; exit 1; }
	@cp $(SAMPLES)/utrace_sample.ko $(SAMPLE_KO)
	@cp $(SAMPLES)/utrace_task_finder.ko $(TASK_FINDER_KO)
	@cp $(SAMPLES)/utrace_branch_sample.ko $(BRANCH_SAMPLE_KO)

.PHONY: guest-progs
guest-progs: $(GUEST_TESTS) $(GUEST_TOOLS) $(GUEST_TOOLS32) $(GUEST_A32) $(KSFT_BINS)
	$(if $(KSFT_PTRACE),,$(error no TEST_GEN_PROGS in $(KSFT)/ptrace/Makefile))
	@# Programs whose source is gone, or not ported to the architecture,
	@# must not linger in the guest.
	@for p in $(NOT_PORTED); do rm -f $(GUEST_BIN)/tests/$$p $(GUEST_BIN)/tools/$$p; done
	@for d in tests tools; do for p in $(GUEST_BIN)/$$d/*; do \
		[ ! -e "$$p" ] || [ -f "$(REPO)/guest/$$d/$${p##*/}.c" ] || \
		[ -f "$(REPO)/guest/$$d/$${p##*/}.S" ] || \
		[ -f "$(REPO)/guest/$${d}32/$${p##*/}.c" ] || \
		[ -f "$(REPO)/guest/aarch32/$${p##*/}.c" ] || rm -f "$$p"; done; done
	@for p in $(GUEST_BIN)/kselftest/ptrace/*; do \
		case " $(KSFT_PTRACE) " in *" $${p##*/} "*) ;; *) rm -f "$$p";; esac; done

initramfs: guest
	@bash $(REPO)/qemu-ci/initramfs.sh $(REPO) $(GUEST_BIN) $(INITRAMFS) \
		$(if $(ARCH_SUFFIX),$(TOOLS)/$(ARCH)/gdb-root/usr/bin/gdb $(TOOLS)/$(ARCH)/busybox \
			$(TOOLS)/$(ARCH)/strace $(GUEST_SYSROOT),$(TOOLS)/gdb-minimal/usr/bin/gdb)

test:
	$(call locked,_test)

_test: _kernel initramfs
	@bash $(REPO)/qemu-ci/run.sh $(BZIMAGE) $(INITRAMFS) $(RUN_DIR) \
		$(REPO)/qemu-ci/expected-suites $(KARGS)

# The cold path a new user takes (CI reuses a warm build area).
COLD_BUILD ?= $(BUILD)-cold
test-cold:
	@bash $(REPO)/qemu-ci/cold.sh $(COLD_BUILD) $(REPO)

demo:
	$(call x86_only,demo)
	$(call locked,_demo)

_demo: _kernel initramfs
	@UTRACE_DEMO=1 bash $(REPO)/qemu-ci/run.sh $(BZIMAGE) $(INITRAMFS) $(BUILD)/demo \
		/dev/null utrace_ci.demo=1 $(KARGS)

# Only /tests/fuzz_test, with the seeds passed down (each make would draw
# its own); the console is kept in $(BUILD)/fuzz.  One seed is the suite
# guest_fuzz; several run one after the other, each the suite guest_fuzz_N.
fuzz:
	$(if $(strip $(FUZZ_SEEDS)),,$(error make fuzz: no seed (FUZZ_SEEDS is empty)))
	$(if $(wordlist 2,99999,$(wordlist $(FUZZ_MAX_SEEDS),99999,$(FUZZ_SEEDS))),$(error make fuzz: $(words $(FUZZ_SEEDS)) seeds; at most $(FUZZ_MAX_SEEDS) in one boot (fuzz_test.c's limit): split the list over several runs))
	$(call locked,_fuzz FUZZ_RESOLVED="$(strip $(FUZZ_SEEDS))")

_fuzz: _kernel initramfs
	@mkdir -p $(BUILD)/fuzz
	@if [ $(words $(FUZZ_SEEDS)) = 1 ]; then echo guest_fuzz; \
	else for s in $(FUZZ_SEEDS); do printf 'guest_fuzz_%u\n' $$s; done; \
	fi > $(BUILD)/fuzz/expected-suites
	@echo "fuzz: seed$(if $(word 2,$(FUZZ_SEEDS)),s) $(FUZZ_SEEDS), $(FUZZ_ITERS) iterations a case, limit $(FUZZ_LIMIT)s"
	@UTRACE_TIMEOUT=$$(($(FUZZ_LIMIT) + 600)) bash $(REPO)/qemu-ci/run.sh $(BZIMAGE) \
		$(INITRAMFS) $(BUILD)/fuzz $(BUILD)/fuzz/expected-suites utrace_ci.only=fuzz_test \
		utrace_ci.fuzz_seed=$$(echo $(FUZZ_SEEDS) | tr ' ' ,) utrace_ci.fuzz_iters=$(FUZZ_ITERS) \
		utrace_ci.case_timeout=$(FUZZ_LIMIT) $(KARGS)

# The guest clock needs the host's TSC rate under TCG (else 4 ms ticks).
HOST_TSC_KHZ = $(shell awk '/^cpu MHz/ { printf "%d", $$4 * 1000; exit }' /proc/cpuinfo)

# The benchmark and the demo are x86_64's (utrace-bench reads x86 registers,
# the demo runs sysinfo: both in qemu-ci/arch/arm64/not-ported).
x86_only = $(if $(ARCH_SUFFIX),$(error make $(1): x86_64 only (ARCH=$(ARCH)); see qemu-ci/arch/$(ARCH)/not-ported))

bench:
	$(call x86_only,bench)
	$(call locked,_bench)

AB_PAIRS ?= 3
BENCH_KARGS = tsc_early_khz=$(HOST_TSC_KHZ) tsc=reliable $(KARGS)

# The guest programs come from the test build (initramfs); the kernels
# measured are the production and stock ones.
_bench: _kernel initramfs _kernel-prod _kernel-stock
	@UTRACE_DEMO=1 bash $(REPO)/qemu-ci/run.sh $(BZIMAGE_PROD) $(INITRAMFS) $(BUILD)/bench \
		/dev/null utrace_ci.bench=1 $(BENCH_KARGS) | grep -v '^JSON:'
	@python3 $(REPO)/qemu-ci/bench_json.py $(BUILD)/bench/results.log $(BUILD)/bench/console.log \
		> $(BUILD)/bench/bench.json
	@echo "JSON: $(BUILD)/bench/bench.json"
	@echo "=== A/B: a task with no engines, patched production kernel against stock ==="
	@bash $(REPO)/qemu-ci/ab.sh $(BZIMAGE_PROD) $(BZIMAGE_STOCK) $(INITRAMFS) \
		$(BUILD)/bench/ab $(AB_PAIRS) $(BENCH_KARGS)
	@echo "JSON: $(BUILD)/bench/ab/ab.json"

# The benchmark's monitor rows alone, without goals: a quick check of
# them, on the test kernel (the debug kernel's figures are not a user's)
# or the production one (BENCH_KERNEL=prod).
.PHONY: bench-monitors _bench-monitors
BENCH_ROUNDS ?= 1
BENCH_KERNEL ?= test
BENCH_MONITORS_PROD = $(filter prod,$(BENCH_KERNEL))
bench-monitors:
	$(call x86_only,bench-monitors)
	$(call locked,_bench-monitors)

_bench-monitors: _kernel initramfs $(if $(BENCH_MONITORS_PROD),_kernel-prod)
	@UTRACE_DEMO=1 bash $(REPO)/qemu-ci/run.sh $(if $(BENCH_MONITORS_PROD),$(BZIMAGE_PROD),$(BZIMAGE)) \
		$(INITRAMFS) $(BUILD)/bench-monitors /dev/null utrace_ci.bench=monitors \
		utrace_ci.bench_rounds=$(BENCH_ROUNDS) $(BENCH_KARGS)

# Only the A/B (what a task with no engines pays), e.g. while working on it.
.PHONY: ab _ab
ab:
	$(call x86_only,ab)
	$(call locked,_ab)

_ab: _kernel initramfs _kernel-prod _kernel-stock
	@bash $(REPO)/qemu-ci/ab.sh $(BZIMAGE_PROD) $(BZIMAGE_STOCK) $(INITRAMFS) \
		$(BUILD)/bench/ab $(AB_PAIRS) $(BENCH_KARGS)

fmt: setup
	@rustfmt --edition 2021 --config-path $(SRC)/.rustfmt.toml $(REPO)/utrace.rs

clippy:
	$(call locked,_clippy)

.PHONY: _clippy
_clippy: _kernel
	@rm -f $(OBJ)/kernel/utrace/utrace.o
	@$(MAKE) --no-print-directory -C $(SRC) O=$(OBJ) $(KBUILD_ARCH_ARG) LLVM=-$(LLVM_VERSION) RUSTC=/usr/bin/rustc \
		HOSTRUSTC=/usr/bin/rustc BINDGEN=$(TOOLS)/bin/bindgen CLIPPY=1 \
		CLIPPY_DRIVER=/usr/bin/clippy-driver kernel/utrace/utrace.o

check-patches: setup
	@perl $(SRC)/scripts/checkpatch.pl --no-tree $(filter-out %/0000-cover-letter.patch,$(wildcard $(REPO)/kernel-patches/*.patch))

clean:
	rm -rf $(GUEST_BIN) $(INITRAMFS) $(RUN_DIR)

distclean:
	rm -rf $(BUILD)
