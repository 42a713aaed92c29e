/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod.h - what the in-guest tests do with a kernel module of the tree
 * (samples/, built into /lib/modules): load it with parameters, unload
 * it, and read its integer parameters.  sample_module.h and
 * task_finder_module.h name these for their module.
 */
#ifndef UTRACE_GUEST_KMOD_H
#define UTRACE_GUEST_KMOD_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Loads the module file @ko with @params; returns 0 or the errno. */
static inline int kmod_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
	close(fd);
	return ret;
}

/* Unloads module @name; returns 0 or the errno (ENOENT: it was not loaded). */
static inline int kmod_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

/* Module @name's integer parameter @param, or @fail if it cannot be read. */
static inline int kmod_param(const char *name, const char *param, int fail)
{
	char path[128], buf[32] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", name, param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	return n > 0 ? atoi(buf) : fail;
}

#endif /* UTRACE_GUEST_KMOD_H */
