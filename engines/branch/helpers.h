/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of the branch-trace engine (helpers.c).  The Rust bindings
 * include this header (patch 0029), so that Rust calls them through
 * prototypes the build checks.
 */
#ifndef UTRACE_BRANCH_HELPERS_H
#define UTRACE_BRANCH_HELPERS_H

#include <linux/types.h>

struct task_struct;
struct user_struct;

int utrace_branch_next_insn(u64 *ip);
bool utrace_branch_decodes_current(void);
int utrace_branch_charge(unsigned long *pages, struct user_struct **user);
void utrace_branch_uncharge(struct user_struct *user, unsigned long pages);
bool utrace_branch_traced_by(struct task_struct *tracer);

#endif /* UTRACE_BRANCH_HELPERS_H */
