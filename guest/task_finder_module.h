/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task_finder_module.h - what the in-guest tests do with the port of
 * systemtap's task finder (samples/utrace_task_finder.c, built as
 * /lib/modules/utrace_task_finder.ko): load it with parameters, unload
 * it, and read its counters.
 */
#ifndef UTRACE_GUEST_TASK_FINDER_MODULE_H
#define UTRACE_GUEST_TASK_FINDER_MODULE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kmod.h"

#define TF_MODULE	"utrace_task_finder"
#define TF_KO		"/lib/modules/" TF_MODULE ".ko"

/* Loads the task finder with @params; returns 0 or the errno. */
static inline int tf_load(const char *params)
{
	return kmod_load(TF_KO, params);
}

/* Unloads it; returns 0 or the errno (ENOENT: it was not loaded). */
static inline int tf_unload(void)
{
	return kmod_unload(TF_MODULE);
}

static inline int tf_loaded(void)
{
	return access("/sys/module/" TF_MODULE, F_OK) == 0;
}

/* The module's integer parameter @name, or @fail if it cannot be read. */
static inline int tf_param(const char *name, int fail)
{
	return kmod_param(TF_MODULE, name, fail);
}

/*
 * Waits up to 5 s for the counter @name to read @want (what a task's
 * quiesce report counts comes when the task gets there); returns what it
 * read last.
 */
static inline int tf_wait_param(const char *name, int want)
{
	int v = -1;

	for (int i = 0; i < 500; i++) {
		v = tf_param(name, -1);
		if (v == want)
			break;
		usleep(10000);
	}
	return v;
}

#endif /* UTRACE_GUEST_TASK_FINDER_MODULE_H */
