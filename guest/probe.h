/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe.h - where a function of the running program is in its file, for
 * the programs that put a breakpoint on it (uprobes take a file and an
 * offset): the mapping of /proc/self/maps that holds its address; and
 * tracefs, for a uprobe_events probe beside the engines'.
 */
#ifndef UTRACE_GUEST_PROBE_H
#define UTRACE_GUEST_PROBE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The offset in this program's file of the code at @fn, or 0. */
static inline unsigned long file_offset_of(const void *fn)
{
	unsigned long addr = (unsigned long)fn, start, end, off;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) == 3 &&
		    addr >= start && addr < end) {
			fclose(f);
			return addr - start + off;
		}
	}
	fclose(f);
	return 0;
}

/* Writes @text to the tracefs file @name; returns 0 or -errno. */
static inline int tracefs_write(const char *name, const char *text)
{
	char path[128];
	int f, r;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/%s", name);
	f = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (f < 0)
		return -errno;
	r = write(f, text, strlen(text)) < 0 ? -errno : 0;
	close(f);
	return r;
}

#endif /* UTRACE_GUEST_PROBE_H */
