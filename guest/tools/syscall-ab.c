// SPDX-License-Identifier: GPL-2.0
/*
 * syscall-ab - the price every task pays for the hooks: cheap syscalls,
 * untraced, timed in one boot of a kernel.
 *
 * `make bench` boots the patched production kernel and the stock one
 * (the unpatched source, same configuration without CONFIG_UTRACE) in
 * turn, runs this in each, and qemu-ci/ab.py compares the boots: the
 * patched/stock ratio, and stock against itself for the noise.  Absolute
 * times drift between TCG boots, which is why there are several boots of
 * each kernel, alternating.
 *
 * Output, on stdout: one "AB CALL ROUND NS" line per call and round, then
 * "AB-MEDIAN CALL NS" per call.
 *
 * `syscall-ab --spin SECONDS` only calls getpid() for that long, for
 * qemu-ci/trace-syscall.sh to single-step one of the calls.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 7
#define CALLS 20000

static int zero_fd;

static void call_getpid(void) { syscall(SYS_getpid); }
static void call_getppid(void) { syscall(SYS_getppid); }

static void call_read_zero(void)
{
	char c;

	if (syscall(SYS_read, zero_fd, &c, 1) != 1)
		abort();
}

static void call_clock_gettime(void)
{
	struct timespec t;

	/* Through the syscall, not the vDSO. */
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
}

static const struct {
	const char *name;
	void (*call)(void);
} calls[] = {
	{ "getpid", call_getpid },
	{ "getppid", call_getppid },
	{ "read_zero_1", call_read_zero },
	{ "clock_gettime", call_clock_gettime },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static double time_call(void (*call)(void))
{
	double t0 = now_ns();

	for (int i = 0; i < CALLS; i++)
		call();
	return (now_ns() - t0) / CALLS;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	double ns[NCALLS][ROUNDS];

	if (argc == 3 && !strcmp(argv[1], "--spin")) {
		time_t end = time(NULL) + atoi(argv[2]);

		while (time(NULL) < end)
			for (int i = 0; i < 100000; i++)
				syscall(SYS_getpid);
		return 0;
	}

	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (zero_fd < 0) {
		perror("syscall-ab: /dev/zero");
		return 1;
	}
	/* Warm-up: page in the loop, fill the TCG translation cache. */
	for (size_t c = 0; c < NCALLS; c++)
		time_call(calls[c].call);
	/* Interleaved rounds: drift hits every call alike. */
	for (int r = 0; r < ROUNDS; r++)
		for (size_t c = 0; c < NCALLS; c++) {
			ns[c][r] = time_call(calls[c].call);
			printf("AB %s %d %.1f\n", calls[c].name, r, ns[c][r]);
		}
	for (size_t c = 0; c < NCALLS; c++) {
		qsort(ns[c], ROUNDS, sizeof(double), cmp);
		printf("AB-MEDIAN %s %.1f\n", calls[c].name, ns[c][ROUNDS / 2]);
	}
	return 0;
}
