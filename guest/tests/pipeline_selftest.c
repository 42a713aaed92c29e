// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_selftest - proves the in-guest half of the test pipeline.
 *
 * Real checks of the guest environment the other programs rely on (the
 * kernel is the one built for the tests, devtmpfs and debugfs are there,
 * the debug options are on), plus the failure injections that show
 * `make test` failing loudly: utrace_ci.inject=fail makes one case fail,
 * =panic crashes the kernel, =hang never returns (see qemu-ci/init).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "ktap.h"

static char cmdline[4096];

static void read_cmdline(void)
{
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
}

static void kernel_is_7_2(void)
{
	struct utsname u;

	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	CHECK(strncmp(u.release, "7.2.", 4) == 0, "release %s", u.release);
}

static void debug_interfaces_present(void)
{
	struct stat st;

	CHECK(stat("/sys/kernel/debug/kmemleak", &st) == 0,
	      "kmemleak: %s", strerror(errno));
	CHECK(stat("/sys/kernel/debug/kunit", &st) == 0 ||
	      stat("/sys/kernel/debug", &st) == 0, "debugfs: %s", strerror(errno));
	CHECK(stat("/dev/utrace-test", &st) == 0 && S_ISCHR(st.st_mode),
	      "/dev/utrace-test: %s", strerror(errno));
}

static void errno_checks_work(void)
{
	CHECK_ERRNO(open("/nonexistent/file", 0), ENOENT);
	CHECK_ERRNO(close(-1), EBADF);
}

static void injected_failure(void)
{
	read_cmdline();
	/* Fails only when asked to: proves a failing case fails the run. */
	CHECK(strstr(cmdline, "utrace_ci.inject=fail") == NULL,
	      "failure injected on the kernel command line");
}

KTAP_MAIN("guest_pipeline",
	  KTAP_CASE(kernel_is_7_2),
	  KTAP_CASE(debug_interfaces_present),
	  KTAP_CASE(errno_checks_work),
	  KTAP_CASE(injected_failure))
