# SPDX-License-Identifier: GPL-2.0
#
# utrace-rs: the commands people run.  (kbuild builds the kernel side from
# ./Kbuild; this file is never read by kbuild.)
#
#   make test     install what is missing, build the test kernel and the
#                 guest programs, boot under QEMU, run KUnit + guest tests
#   make setup    only the installation step (root, idempotent)
#   make kernel   only the kernel (incremental)
#   make fmt      rustfmt the Rust code with the kernel's .rustfmt.toml
#   make check-patches   scripts/checkpatch.pl on kernel-patches/
#
# Everything built lives in $(BUILD), outside the repository.

REPO      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD     ?= $(HOME)/.cache/utrace-rs
TOOLS     := $(BUILD)/tools
OBJ       := $(BUILD)/obj
SRC       := $(BUILD)/linux
GUEST_BIN := $(BUILD)/guest/bin
RUN_DIR   := $(BUILD)/run
BZIMAGE   := $(OBJ)/arch/x86/boot/bzImage
INITRAMFS := $(BUILD)/guest/initramfs.cpio.gz

GUEST_CC     ?= gcc
GUEST_CFLAGS := -static -O2 -g -Wall -Wextra -Werror -I$(REPO)/uapi -I$(REPO)/guest
GUEST_SRCS   := $(wildcard $(REPO)/guest/*.c)
GUEST_PROGS  := $(patsubst $(REPO)/guest/%.c,$(GUEST_BIN)/%,$(GUEST_SRCS))
GUEST_HDRS   := $(wildcard $(REPO)/guest/*.h $(REPO)/uapi/linux/*.h)

# Extra kernel command-line words for a run, e.g. utrace_ci.inject=fail.
KARGS ?=

.PHONY: all setup kernel guest initramfs test demo bench fmt check-patches clean distclean help

all: test

help:
	@sed -n 's/^#   //p' $(REPO)/Makefile

setup:
	@bash $(REPO)/qemu-ci/setup.sh $(TOOLS) $(BUILD)

kernel: setup
	@bash $(REPO)/qemu-ci/kernel.sh $(BUILD) $(REPO) $(TOOLS)

$(GUEST_BIN)/%: $(REPO)/guest/%.c $(GUEST_HDRS)
	@mkdir -p $(GUEST_BIN)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $<

guest: setup
	@$(MAKE) --no-print-directory -f $(REPO)/Makefile guest-progs

.PHONY: guest-progs
guest-progs: $(GUEST_PROGS)
	@# Programs whose source is gone must not linger in the guest.
	@for p in $(GUEST_BIN)/*; do [ -f "$(REPO)/guest/$${p##*/}.c" ] || rm -f "$$p"; done

initramfs: guest
	@bash $(REPO)/qemu-ci/initramfs.sh $(REPO) $(GUEST_BIN) $(INITRAMFS)

test: kernel initramfs
	@bash $(REPO)/qemu-ci/run.sh $(BZIMAGE) $(INITRAMFS) $(RUN_DIR) \
		$(REPO)/qemu-ci/expected-suites $(KARGS)

demo:
	@echo "make demo: the strace-over-VM walk-through needs the engines (issue 5), not built yet." >&2
	@exit 2

bench:
	@echo "make bench: the benchmark (issue 7) is not built yet." >&2
	@exit 2

fmt: setup
	@rustfmt --edition 2021 --config-path $(SRC)/.rustfmt.toml $(REPO)/utrace.rs

check-patches: setup
	@perl $(SRC)/scripts/checkpatch.pl --no-tree $(REPO)/kernel-patches/*.patch

clean:
	rm -rf $(GUEST_BIN) $(INITRAMFS) $(RUN_DIR)

distclean:
	rm -rf $(BUILD)
