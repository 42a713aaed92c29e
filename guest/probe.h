/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe.h - where a function of the running program is in its file, for
 * the tests that put a breakpoint on it (uprobes take a file and an
 * offset): the mapping of /proc/self/maps that holds its address.
 */
#ifndef UTRACE_GUEST_PROBE_H
#define UTRACE_GUEST_PROBE_H

#include <stdio.h>

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

#endif /* UTRACE_GUEST_PROBE_H */
