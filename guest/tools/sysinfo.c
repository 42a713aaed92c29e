// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo - a small program to run under the VM engine.
 *
 * Prints who it runs as, the host name and kernel release uname() gives,
 * and the first line of each file named on the command line: the things
 * the VM engine's identity, uname and redirect rules change.  With
 * --fork first, a child prints its uid too (to show children staying in
 * the VM).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct utsname u;
	int status = 0;
	int uid, euid, gid, egid;

	/* One write per line, in call order: easy to follow under strace. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	uid = getuid();
	euid = geteuid();
	gid = getgid();
	egid = getegid();
	printf("uid=%d euid=%d gid=%d egid=%d\n", uid, euid, gid, egid);
	if (uname(&u) == 0)
		printf("nodename=%s release=%s\n", u.nodename, u.release);
	if (argc > 1 && !strcmp(argv[1], "--fork")) {
		pid_t child;

		fflush(stdout);
		child = fork();
		if (child == 0) {
			printf("child uid=%d\n", (int)getuid());
			return 0;
		}
		waitpid(child, NULL, 0);
		argv++;
		argc--;
	}
	for (int i = 1; i < argc; i++) {
		char line[256] = "";
		int fd = open(argv[i], O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			printf("%s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		line[n > 0 ? n : 0] = 0;
		line[strcspn(line, "\n")] = 0;
		printf("%s: %s\n", argv[i], line);
	}
	return status;
}
