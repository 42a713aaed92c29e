/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's cgroup freezers, for the suites that check a task waiting
 * in an engine freezes (and what a frozen waiter does not do).
 *
 * sysfs's /sys/fs/cgroup is read-only in the guest: a tmpfs is mounted
 * there once for the mount points.  The v1 freezer is the system freezer
 * (freeze_task(), as for suspend): a TASK_FREEZABLE sleep is frozen in
 * place.  The v2 freezer traps tasks in get_signal().
 */
#ifndef GUEST_CGROUP_H
#define GUEST_CGROUP_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"
#define CG_V1 CG_ROOT "/freezer"
#define CG_V2 CG_ROOT "/unified"

/* Writes @s to @path: 0, or -errno. */
static inline int cg_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -errno;
}

/* Whether file @path contains @s (within @ms, polled). */
static inline int cg_file_has_within(const char *path, const char *s, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		const struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
		char buf[256];
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (strstr(buf, s))
				return 1;
		}
		nanosleep(&ten_ms, NULL);
	}
	return 0;
}

/* The tmpfs for the mount points, unless a freezer is mounted: 0 or -errno. */
static inline int cg_mount_root(void)
{
	if (access(CG_V1, F_OK) && access(CG_V2, F_OK) &&
	    mount("none", CG_ROOT, "tmpfs", 0, "mode=755"))
		return -errno;
	return 0;
}

/* The v1 freezer's group @name (CG_V1/@name), made: 0 or -errno. */
static inline int cg_v1_group(const char *name)
{
	char path[128];

	if (access(CG_V1, F_OK)) {
		int err = cg_mount_root();

		if (err)
			return err;
		mkdir(CG_V1, 0755);
		if (mount("none", CG_V1, "cgroup", 0, "freezer"))
			return -errno;
	}
	snprintf(path, sizeof(path), CG_V1 "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The cgroup v2 group @name (CG_V2/@name), made: 0 or -errno. */
static inline int cg_v2_group(const char *name)
{
	char path[128];
	int err = cg_mount_root();

	if (err)
		return err;
	mkdir(CG_V2, 0755);
	if (mount("none", CG_V2, "cgroup2", 0, NULL) && errno != EBUSY)
		return -errno;
	snprintf(path, sizeof(path), CG_V2 "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Moves process @pid into the v2 group @name: 0 or -errno. */
static inline int cg_v2_move(const char *name, pid_t pid)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), CG_V2 "/%s/cgroup.procs", name);
	snprintf(buf, sizeof(buf), "%d", pid);
	return cg_write_file(path, buf);
}

/*
 * Freezes (@frozen) or thaws the v1 group @name and waits up to 2 s for
 * its state to say so: 0, or -ETIMEDOUT / -errno.
 */
static inline int cg_v1_freeze(const char *name, int frozen)
{
	const char *state = frozen ? "FROZEN" : "THAWED";
	char path[128];
	int err;

	snprintf(path, sizeof(path), CG_V1 "/%s/freezer.state", name);
	err = cg_write_file(path, state);
	if (err)
		return err;
	return cg_file_has_within(path, state, 2000) ? 0 : -ETIMEDOUT;
}

/* Moves task @pid into the v1 group @name: 0 or -errno. */
static inline int cg_v1_move(const char *name, pid_t pid)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), CG_V1 "/%s/tasks", name);
	snprintf(buf, sizeof(buf), "%d", pid);
	return cg_write_file(path, buf);
}

#endif /* GUEST_CGROUP_H */
