/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The patched kernel's ptrace API for guest programs.
 *
 * PTRACE_MULTI, the CHARDATA requests and PTRACE_SYSVM are in the patched
 * <linux/ptrace.h> (installed by kernel.sh), which cannot be included
 * together with glibc's <sys/ptrace.h> (both define the requests and the
 * same structures).  Guest programs include this instead: the kernel's
 * header, and glibc's ptrace() wrapper declared by hand (the same symbol
 * and calling convention; PEEK requests return the word, as documented in
 * ptrace(2)).
 */
#ifndef UTRACE_GUEST_PTRACE_H
#define UTRACE_GUEST_PTRACE_H

#include <linux/ptrace.h>
#include <sys/types.h>

long ptrace(int request, ...);

#endif /* UTRACE_GUEST_PTRACE_H */
