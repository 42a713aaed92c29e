/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap.h - KTAP output for the in-guest test programs.
 *
 * Each program is one suite, printed in the same nested shape as KUnit's
 * so that qemu-ci/ktap.py reads both alike:
 *
 *     KTAP version 1
 *     # Subtest: guest_example
 *     1..2
 *     ok 1 first_case
 *     not ok 2 second_case
 * ok 1 guest_example
 *
 * (the case lines indented by four spaces).  A case is a function; a
 * failing CHECK() prints where and why, and fails the case.
 */
#ifndef UTRACE_GUEST_KTAP_H
#define UTRACE_GUEST_KTAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ktap_case_failed;
static int ktap_failed_cases;
/* Set by a case that does not apply here (KTAP_SKIP): why. */
static const char *ktap_case_skipped;

/*
 * Ends the current case as skipped, with @why (a case that does not apply
 * to this architecture, say); the caller returns.
 */
#define KTAP_SKIP(why) (ktap_case_skipped = (why))

#define KTAP_DIAG(fmt, ...) \
	printf("    # " fmt "\n", ##__VA_ARGS__)

/* Fails the current case (and goes on) when @cond is false. */
#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			KTAP_DIAG("%s:%d: CHECK(%s) failed: " fmt,	\
				  __FILE__, __LINE__, #cond,		\
				  ##__VA_ARGS__);			\
			ktap_case_failed = 1;				\
		}							\
	} while (0)

/* Checks that @expr is -1 with errno @err. */
#define CHECK_ERRNO(expr, err)						\
	do {								\
		errno = 0;						\
		long __r = (long)(expr);				\
		int __e = errno;					\
		CHECK(__r == -1 && __e == (err),			\
		      "%s returned %ld errno %d (%s), wanted errno %d (%s)", \
		      #expr, __r, __e, strerror(__e), (err), strerror(err)); \
	} while (0)

struct ktap_case {
	const char *name;
	void (*run)(void);
};

#define KTAP_CASE(fn) { #fn, fn }

/* Runs @cases as suite @suite; returns the process exit status. */
static inline int ktap_run(const char *suite, const struct ktap_case *cases,
			   int n)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", suite, n);
	for (int i = 0; i < n; i++) {
		ktap_case_failed = 0;
		ktap_case_skipped = NULL;
		cases[i].run();
		if (ktap_case_skipped && !ktap_case_failed) {
			printf("    ok %d %s # SKIP %s\n", i + 1, cases[i].name,
			       ktap_case_skipped);
			continue;
		}
		printf("    %sok %d %s\n", ktap_case_failed ? "not " : "",
		       i + 1, cases[i].name);
		ktap_failed_cases += ktap_case_failed;
	}
	printf("%sok 1 %s\n", ktap_failed_cases ? "not " : "", suite);
	return ktap_failed_cases ? 1 : 0;
}

#define KTAP_MAIN(suite, ...)						\
	int main(void)							\
	{								\
		static const struct ktap_case cases[] = { __VA_ARGS__ }; \
		return ktap_run(suite, cases,				\
				sizeof(cases) / sizeof(cases[0]));	\
	}

#endif /* UTRACE_GUEST_KTAP_H */
