/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tracee's registers at a ptrace stop, for the guest programs that run on
 * x86_64 and on arm64: its syscall number, arguments and result, and its
 * instruction pointer, read and written the way each architecture offers
 * them.
 *
 *   x86_64  PTRACE_GETREGS / SETREGS, struct user_regs_struct; the number in
 *           orig_rax, the result in rax, the arguments in rdi, rsi, rdx,
 *           r10, r8, r9;
 *   arm64   PTRACE_GETREGSET / SETREGSET of NT_PRSTATUS, struct
 *           user_pt_regs; the result and the first argument share x0 (at
 *           a syscall-entry stop x0 is the argument), the others in x1 to
 *           x5; the number is kept apart from the registers, in the
 *           NT_ARM_SYSTEM_CALL set.  At a syscall stop arm64 shows x7 as
 *           0 (entry) or 1 (exit), and a tracer's write to x7 is dropped.
 *
 * Include after "ptrace.h" (the kernel's <linux/ptrace.h>).
 */
#ifndef UTRACE_GUEST_REGS_H
#define UTRACE_GUEST_REGS_H

#include <elf.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/audit.h>
#if defined(__x86_64__)
#include <sys/user.h>
#elif !defined(__aarch64__)
#error "guest/regs.h: x86_64 or arm64 only"
#endif

#if defined(__x86_64__)
typedef struct user_regs_struct tracee_regs;
/* The syscall instruction's length: `syscall` (0f 05). */
#define SYSCALL_INSN_LEN 2
/*
 * A word of breakpoint instructions (int3), and where the trap leaves the
 * instruction pointer: after the int3.
 */
#define REGS_BREAKPOINT_WORD ((long)0xccccccccccccccccUL)
#define REGS_BREAKPOINT_TRAP_IP 1
/* The request that reads the general registers. */
#define REGS_GET_REQUEST PTRACE_GETREGS
/* The first byte of the breakpoint uprobes writes: int3. */
#define REGS_UPROBE_BYTE 0xcc
/* Instructions start at multiples of this: where a probe may be set. */
#define REGS_INSN_ALIGN 1
#else
typedef struct user_pt_regs tracee_regs;
/* The syscall instruction's length: `svc #0` (d4000001). */
#define SYSCALL_INSN_LEN 4
/* Two `brk #0` (d4200000); the trap leaves the pc on the brk. */
#define REGS_BREAKPOINT_WORD ((long)0xd4200000d4200000UL)
#define REGS_BREAKPOINT_TRAP_IP 0
#define REGS_GET_REQUEST PTRACE_GETREGSET
/* uprobes' `brk #5` (d42000a0), little-endian. */
#define REGS_UPROBE_BYTE 0xa0
#define REGS_INSN_ALIGN 4
#endif

static inline long regs_ptrace(long req, pid_t pid, unsigned long addr, unsigned long data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

/* The tracee's general registers into *@r: 0, or -1 with errno. */
static inline int regs_read(pid_t pid, tracee_regs *r)
{
#if defined(__x86_64__)
	return regs_ptrace(PTRACE_GETREGS, pid, 0, (unsigned long)r) ? -1 : 0;
#else
	struct iovec io = { r, sizeof(*r) };

	return regs_ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, (unsigned long)&io) ? -1 : 0;
#endif
}

/* The tracee's general registers from *@r: 0, or -1 with errno. */
static inline int regs_write(pid_t pid, const tracee_regs *r)
{
#if defined(__x86_64__)
	return regs_ptrace(PTRACE_SETREGS, pid, 0, (unsigned long)r) ? -1 : 0;
#else
	struct iovec io = { (void *)r, sizeof(*r) };

	return regs_ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, (unsigned long)&io) ? -1 : 0;
#endif
}

/* Syscall argument @i (0..5) as the registers hold it at an entry stop. */
static inline unsigned long regs_arg(const tracee_regs *r, int i)
{
#if defined(__x86_64__)
	const unsigned long long a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };

	return i >= 0 && i < 6 ? a[i] : 0;
#else
	return i >= 0 && i < 6 ? r->regs[i] : 0;
#endif
}

/*
 * The syscall number as the general registers show it at an entry stop:
 * x86's orig_rax; arm64's x8, where the program put it (the kernel's copy
 * is the NT_ARM_SYSTEM_CALL regset).
 */
static inline long regs_nr_word(const tracee_regs *r)
{
#if defined(__x86_64__)
	return (long)r->orig_rax;
#else
	return (long)r->regs[8];
#endif
}

/* Sets syscall argument @i (0..5) in registers read at an entry stop. */
static inline void regs_set_arg(tracee_regs *r, int i, unsigned long value)
{
#if defined(__x86_64__)
	unsigned long long *a[6] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8, &r->r9 };

	if (i >= 0 && i < 6)
		*a[i] = value;
#else
	if (i >= 0 && i < 6)
		r->regs[i] = value;
#endif
}

/* The syscall's result register (at arm64's entry stop: the first argument). */
static inline long regs_ret(const tracee_regs *r)
{
#if defined(__x86_64__)
	return (long)r->rax;
#else
	return (long)r->regs[0];
#endif
}

static inline void regs_set_ret(tracee_regs *r, long value)
{
#if defined(__x86_64__)
	r->rax = value;
#else
	r->regs[0] = value;
#endif
}

static inline unsigned long regs_sp(const tracee_regs *r)
{
#if defined(__x86_64__)
	return r->rsp;
#else
	return r->sp;
#endif
}

static inline unsigned long regs_ip(const tracee_regs *r)
{
#if defined(__x86_64__)
	return r->rip;
#else
	return r->pc;
#endif
}

/* Whether the instruction word at an address is the syscall instruction. */
static inline int regs_is_syscall_insn(unsigned long word)
{
#if defined(__x86_64__)
	return (word & 0xffff) == 0x050f;
#else
	return (uint32_t)word == 0xd4000001;
#endif
}

/* The number of the tracee's syscall at a syscall stop: 0, or -1 with errno. */
static inline int regs_get_nr(pid_t pid, long *nr)
{
#if defined(__x86_64__)
	tracee_regs r;

	if (regs_read(pid, &r))
		return -1;
	*nr = (long)r.orig_rax;
	return 0;
#else
	int n;
	struct iovec io = { &n, sizeof(n) };

	if (regs_ptrace(PTRACE_GETREGSET, pid, NT_ARM_SYSTEM_CALL, (unsigned long)&io))
		return -1;
	*nr = n;
	return 0;
#endif
}

/* Changes the number of the tracee's syscall at a syscall stop. */
static inline int regs_set_nr(pid_t pid, long nr)
{
#if defined(__x86_64__)
	tracee_regs r;

	if (regs_read(pid, &r))
		return -1;
	r.orig_rax = nr;
	return regs_write(pid, &r);
#else
	int n = (int)nr;
	struct iovec io = { &n, sizeof(n) };

	return regs_ptrace(PTRACE_SETREGSET, pid, NT_ARM_SYSTEM_CALL, (unsigned long)&io) ? -1 : 0;
#endif
}

/* The AUDIT_ARCH_* value of the native ABI, as a seccomp filter sees it. */
#if defined(__x86_64__)
#define REGS_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#define REGS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * A PTRACE_MULTI element that reads (@set false) or writes the general
 * registers at @r: x86's PTRACE_GETREGS / SETREGS, or arm64's GETREGSET /
 * SETREGSET of NT_PRSTATUS through @io, which must live as long as the
 * batch.
 */
static inline struct ptrace_multi regs_multi(tracee_regs *r, struct iovec *io, int set)
{
#if defined(__x86_64__)
	(void)io;
	return (struct ptrace_multi){ set ? PTRACE_SETREGS : PTRACE_GETREGS, 0, r, 0 };
#else
	io->iov_base = r;
	io->iov_len = sizeof(*r);
	return (struct ptrace_multi){ set ? PTRACE_SETREGSET : PTRACE_GETREGSET,
				      NT_PRSTATUS, io, 0 };
#endif
}

#endif /* UTRACE_GUEST_REGS_H */
