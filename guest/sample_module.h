/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sample_module.h - what the in-guest tests do with the sample C engine
 * (samples/utrace_sample.c, built as /lib/modules/utrace_sample.ko): load
 * it with parameters, unload it, read its "hits" counter, and poke it.
 */
#ifndef UTRACE_GUEST_SAMPLE_MODULE_H
#define UTRACE_GUEST_SAMPLE_MODULE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kmod.h"

#define SAMPLE_KO	"/lib/modules/utrace_sample.ko"

/* Loads the sample engine with @params; returns 0 or the errno. */
static inline int sample_load(const char *params)
{
	return kmod_load(SAMPLE_KO, params);
}

/* Unloads it; returns 0 or the errno (ENOENT: it was not loaded). */
static inline int sample_unload(void)
{
	return kmod_unload("utrace_sample");
}

static inline int sample_loaded(void)
{
	return access("/sys/module/utrace_sample", F_OK) == 0;
}

/* The module's "hits" counter, or -1 if it cannot be read. */
static inline int sample_hits(void)
{
	return kmod_param("utrace_sample", "hits", -1);
}

/*
 * Makes the module call utrace_control_pid(RESUME) now ("poke"); returns
 * what that returned ("poked"), or 1 if the parameters cannot be used.
 */
static inline int sample_poke(void)
{
	int fd = open("/sys/module/utrace_sample/parameters/poke", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1", 1) != 1) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	return kmod_param("utrace_sample", "poked", 1);
}

/* The module's integer parameter @name, or @fail if it cannot be read. */
static inline int sample_param(const char *name, int fail)
{
	return kmod_param("utrace_sample", name, fail);
}

/* Writes "1" to the module's parameter @name; returns 0 or the errno. */
static inline int sample_trigger(const char *name)
{
	char path[96];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/module/utrace_sample/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		ret = errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

#endif /* UTRACE_GUEST_SAMPLE_MODULE_H */
