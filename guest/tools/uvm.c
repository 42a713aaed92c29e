// SPDX-License-Identifier: GPL-2.0
/*
 * uvm - the VM engine's rules, applied by a monitor in user space through
 * /dev/utrace-channel (<linux/utrace_channel.h>).
 *
 *   uvm [--rules RULES] [--stats] -- PROG [ARGS...]
 *
 * Runs PROG, and the processes it creates, in a partial virtual machine:
 * the rule language and its effects are those of the in-kernel VM engine
 * (engines/vm/rules.rs and mod.rs; `utrace --vm`).  Rules are separated by
 * ';' or newlines, '#' starts a comment:
 *
 *   return SYSCALL VALUE   the call is not run; the program gets VALUE
 *   uname nodename NAME    uname()'s result is edited at its exit
 *   uname release REL
 *   redirect /FROM /TO     the path argument of the open, stat, access,
 *                          readlink and execve families is rewritten
 *
 * The child waits on a pipe until the channel engine is attached to it;
 * the channel is opened after the fork, so that no traced task holds it
 * (a task that did would keep it open).  The engine follows children
 * (UTRACE_CHANNEL_FOLLOW), and its syscall set holds only the calls the
 * rules name: every other call runs without a round trip to uvm.  Calls of
 * another ABI (ia32, x32) always reach it, and are refused with ENOSYS
 * when there is a rule, as the in-kernel VM refuses them: the rules name
 * x86_64 calls, whose numbers are other calls there.
 *
 * uvm is the child's subreaper: it ends when PROG and every process left
 * behind by it are gone, and exits with PROG's status (128 + the signal if
 * it was killed).  --stats prints on stderr, at the end, the events read,
 * the replies written, and the entries and exits seen of each call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/utrace_channel.h>

/* The in-kernel VM's limits (engines/vm/rules.rs). */
#define MAX_RULES	32
#define MAX_PREFIX	255
#define UTS_VALUE_MAX	63	/* bytes of a uname value */
/* Offsets of the fields in struct utsname (six 65-byte strings). */
#define UTS_NODENAME	65
#define UTS_RELEASE	130
/* The x86_64 ABI's red zone below the stack pointer, which the program
 * may use without moving it: a rewritten path goes below it (arm64's ABI
 * has none; the same room is kept). */
#define RED_ZONE	128
/* Calls a syscall set can name. */
#define SET_CALLS	(UTRACE_CHANNEL_SYSCALLS_MAX * 8)

/*
 * The calls `return` may name: every SYS_ constant of the C library's
 * <sys/syscall.h>, listed by the build from it (syscall_names.h, one
 * SYSCALL_NAME(name) a line).  The kernel's VM takes the names its strace
 * decoder knows: the same x86_64 table, but for calls newer than the C
 * library's headers, which uvm does not know by name.
 */
static const struct syscall_name {
	const char *name;
	long nr;
} syscall_names[] = {
#define SYSCALL_NAME(name) { #name, SYS_##name },
#include "syscall_names.h"
#undef SYSCALL_NAME
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The calls whose path a redirect rewrites, and the argument holding it:
 * the open, stat, access, readlink and execve families, and chdir, as the
 * kernel's VM (path_arg() in engines/vm/rules.rs).
 */
static const struct path_call {
	long nr;
	int arg;
} path_calls[] = {
#ifdef SYS_open
	/* The old forms, x86_64's alone (arm64 has only the *at ones). */
	{ SYS_open, 0 }, { SYS_creat, 0 }, { SYS_stat, 0 }, { SYS_lstat, 0 },
	{ SYS_access, 0 }, { SYS_readlink, 0 },
#endif
	{ SYS_execve, 0 }, { SYS_chdir, 0 },
	{ SYS_openat, 1 }, { SYS_openat2, 1 }, { SYS_newfstatat, 1 }, { SYS_statx, 1 },
	{ SYS_faccessat, 1 }, { SYS_faccessat2, 1 }, { SYS_readlinkat, 1 },
};

struct redirect {
	char from[MAX_PREFIX + 1], to[MAX_PREFIX + 1];
	size_t from_len, to_len;
};

static struct {
	struct {
		long nr;
		long long value;
	} returns[MAX_RULES];
	struct redirect redirects[MAX_RULES];
	char nodename[UTS_VALUE_MAX + 1], release[UTS_VALUE_MAX + 1];
	int nreturns, nredirects, count;
} rules;

/* Why a rule set was refused: the messages of `utrace --vm`. */
enum rule_error {
	RULE_OK,
	RULE_MALFORMED,
	RULE_UNKNOWN_SYSCALL,
	RULE_TOO_LONG,
	RULE_TOO_MANY,
	RULE_NOT_ABSOLUTE,
};

static const char *const rule_errors[] = {
	[RULE_MALFORMED] = "not a rule",
	[RULE_UNKNOWN_SYSCALL] = "unknown syscall",
	[RULE_TOO_LONG] = "prefix or value too long",
	[RULE_TOO_MANY] = "too many rules (at most 32)",
	[RULE_NOT_ABSOLUTE] = "prefix is not an absolute path",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvm [--rules RULES] [--stats] -- PROG [ARGS...]\n"
		"rules, separated by ';' or newlines:\n"
		"  return SYSCALL VALUE      skip SYSCALL, the program gets VALUE\n"
		"  uname nodename NAME       edit uname()'s nodename (release: uname release REL)\n"
		"  redirect /FROM /TO        open/stat/access/execve of /FROM/... use /TO/...\n");
}

/* "EPERM (Operation not permitted)", for the messages. */
static const char *errno_text(int e)
{
	static char buf[128];
	const char *name = strerrorname_np(e);

	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "?", strerror(e));
	return buf;
}

static long syscall_nr(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(syscall_names); i++)
		if (!strcmp(syscall_names[i].name, name))
			return syscall_names[i].nr;
	return -1;
}

static const char *syscall_name(long nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(syscall_names); i++)
		if (syscall_names[i].nr == nr)
			return syscall_names[i].name;
	return NULL;
}

/* A decimal number as the kernel's VM reads one: an optional '-', at most
 * 19 digits, no overflow. */
static int parse_int(const char *word, long long *value)
{
	int neg = word[0] == '-';
	const char *d = word + neg;
	long long v = 0;

	if (!*d || strlen(d) > 19)
		return 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, *d - '0', &v))
			return 0;
	}
	*value = neg ? -v : v;
	return 1;
}

static enum rule_error uts_value(char *field, const char *word)
{
	if (strlen(word) > UTS_VALUE_MAX)
		return RULE_TOO_LONG;
	strcpy(field, word);
	return RULE_OK;
}

/* An absolute prefix, its trailing slash (but the root's) cut: it would
 * break the matching of whole path components. */
static enum rule_error prefix(char *out, size_t *len, const char *word)
{
	size_t n = strlen(word);

	if (n > MAX_PREFIX)
		return RULE_TOO_LONG;
	if (word[0] != '/')
		return RULE_NOT_ABSOLUTE;
	if (n > 1 && word[n - 1] == '/')
		n--;
	memcpy(out, word, n);
	out[n] = 0;
	*len = n;
	return RULE_OK;
}

static enum rule_error parse_rule(char **w, int n)
{
	if (n == 3 && !strcmp(w[0], "return")) {
		long nr = syscall_nr(w[1]);

		if (nr < 0 || nr >= SET_CALLS)
			return RULE_UNKNOWN_SYSCALL;
		if (!parse_int(w[2], &rules.returns[rules.nreturns].value))
			return RULE_MALFORMED;
		rules.returns[rules.nreturns++].nr = nr;
		return RULE_OK;
	}
	if (n == 3 && !strcmp(w[0], "uname") && !strcmp(w[1], "nodename"))
		return uts_value(rules.nodename, w[2]);
	if (n == 3 && !strcmp(w[0], "uname") && !strcmp(w[1], "release"))
		return uts_value(rules.release, w[2]);
	if (n == 3 && !strcmp(w[0], "redirect")) {
		struct redirect *r = &rules.redirects[rules.nredirects];
		enum rule_error e = prefix(r->from, &r->from_len, w[1]);

		if (e == RULE_OK)
			e = prefix(r->to, &r->to_len, w[2]);
		if (e == RULE_OK)
			rules.nredirects++;
		return e;
	}
	return RULE_MALFORMED;
}

/*
 * Parses @text into rules, as the kernel's VM does: a set that does not
 * parse is refused whole; 0, or the 1-based line of the error (*@error).
 */
static unsigned int parse_rules(const char *text, enum rule_error *error)
{
	char *copy = strdup(text), *rest = copy, *line;
	unsigned int line_no = 0;

	if (!copy) {
		perror("uvm");
		exit(2);
	}
	*error = RULE_OK;
	while ((line = strsep(&rest, "\n"))) {
		char *rule;

		line_no++;
		line[strcspn(line, "#")] = 0;
		while ((rule = strsep(&line, ";"))) {
			char *w[4], *word;
			int n = 0;

			while ((word = strsep(&rule, " \t\r\f"))) {
				if (!*word)
					continue;
				if (n == ARRAY_SIZE(w)) {
					*error = RULE_MALFORMED;
					goto out;
				}
				w[n++] = word;
			}
			if (!n)
				continue;
			if (++rules.count > MAX_RULES) {
				*error = RULE_TOO_MANY;
				goto out;
			}
			*error = parse_rule(w, n);
			if (*error)
				goto out;
		}
	}
out:
	free(copy);
	return *error ? line_no : 0;
}

/*
 * Rewrites @path by the first redirect whose prefix it starts with, on a
 * path-component boundary, into @out (with its NUL).  Returns the length
 * written with the NUL, or 0 when no redirect applies or the result would
 * not fit in PATH_MAX.
 */
static size_t rewrite_path(const char *path, char *out)
{
	size_t len = strlen(path);

	for (int i = 0; i < rules.nredirects; i++) {
		const struct redirect *r = &rules.redirects[i];
		int root = r->from_len == 1;
		const char *rest;
		const char *sep;

		if (strncmp(path, r->from, r->from_len) ||
		    !(root || len == r->from_len || path[r->from_len] == '/'))
			continue;
		rest = path + r->from_len;
		/* Redirecting "/" to "/x" makes "/a" "/x/a": the root prefix
		 * took no slash of its own. */
		sep = root && r->to_len > 1 ? "/" : "";
		if (r->to_len + strlen(sep) + strlen(rest) + 1 > PATH_MAX)
			return 0;
		return snprintf(out, PATH_MAX, "%s%s%s", r->to, sep, rest) + 1;
	}
	return 0;
}

/* What an entry left for the exit of the same call, by engine (task). */
struct pending {
	__u32 engine;
	int in_use;
	int uname;		/* edit this uname's buffer at exit */
	__u64 uname_buf;
	int which;		/* the rewritten path argument, or -1 */
	__u64 orig;		/* the program's own pointer, put back at exit */
	int exec_ran;		/* the exit's registers are a new program's */
};

/*
 * Few tasks wait in a uname or a redirected call at once: a list searched
 * whole.  An entry whose task was killed before its exit stays; its engine
 * number only comes back after 2^20 other engines, and each entry that
 * asks for an exit first resets its engine's slot.
 */
static struct pending *pending;
static size_t npending;

static struct pending *pending_find(__u32 engine)
{
	for (size_t i = 0; i < npending; i++)
		if (pending[i].in_use && pending[i].engine == engine)
			return &pending[i];
	return NULL;
}

/* @engine's slot, emptied. */
static struct pending *pending_new(__u32 engine)
{
	struct pending *p = pending_find(engine);

	for (size_t i = 0; !p && i < npending; i++)
		if (!pending[i].in_use)
			p = &pending[i];
	if (!p) {
		struct pending *more = realloc(pending, (npending + 1) * sizeof(*pending));

		if (!more) {
			perror("uvm");
			exit(2);
		}
		pending = more;
		p = &pending[npending++];
	}
	*p = (struct pending){ .engine = engine, .in_use = 1, .which = -1 };
	return p;
}

static struct {
	unsigned long events, reads, replies, writes, other_abi;
	unsigned long entries[SET_CALLS], exits[SET_CALLS];
} stats;

static int chan;		/* the channel */
static pid_t child;		/* PROG */

/* A fatal error: PROG is killed rather than left to run outside its VM. */
static void __attribute__((noreturn)) fail(const char *what, int e)
{
	fprintf(stderr, "uvm: %s: %s\n", what, errno_text(e));
	kill(child, SIGKILL);
	exit(2);
}

/* A memory request for @ev's task; @buf is written (READ, STRING) or read (WRITE). */
static long mem(const struct utrace_channel_event *ev, __u32 op, __u64 addr, const void *buf,
		size_t len)
{
	struct utrace_channel_mem m = {
		.id = ev->id, .op = op, .addr = addr, .buf = (uintptr_t)buf, .len = len,
	};

	return ioctl(chan, UTRACE_CHANNEL_MEM, &m);
}

/*
 * A memory request that failed.  EIO is the program's own bad pointer
 * (the call fails with EFAULT, as without the VM); ENOENT and ESRCH a task
 * killed meanwhile.  Anything else is said.
 */
static void mem_failed(const struct utrace_channel_event *ev, const char *what)
{
	const char *name = syscall_name(ev->nr);

	if (errno != EIO && errno != ENOENT && errno != ESRCH)
		fprintf(stderr, "uvm: pid %d: %s %s: %s\n", ev->tid, name ? name : "syscall",
			what, errno_text(errno));
}

/* Rewrites the path argument @which of @ev's call, if a redirect applies. */
static void redirect(const struct utrace_channel_event *ev, int which,
		     struct utrace_channel_reply *r)
{
	static char path[PATH_MAX], out[PATH_MAX];
	__u64 orig = ev->args[which], room, addr;
	struct pending *p;
	long n;
	size_t len;

	n = mem(ev, UTRACE_CHANNEL_MEM_STRING, orig, path, sizeof(path));
	if (n < 0) {
		mem_failed(ev, "reading the path");
		return;
	}
	/* Cut at PATH_MAX, or by the end of its memory: the call sees it as is. */
	if (n == 0 || path[n - 1])
		return;
	len = rewrite_path(path, out);
	if (!len)
		return;
	/* Below the red zone, 16-byte aligned. */
	room = (len + 15) & ~15ULL;
	if (ev->stack_pointer < RED_ZONE + room)
		return;
	addr = ev->stack_pointer - RED_ZONE - room;
	n = mem(ev, UTRACE_CHANNEL_MEM_WRITE, addr, out, len);
	if (n != (long)len) {
		if (n < 0)
			mem_failed(ev, "writing the new path");
		return;
	}
	memcpy(r->args, ev->args, sizeof(r->args));
	r->args[which] = addr;
	r->flags = UTRACE_CHANNEL_SET_ARGS | UTRACE_CHANNEL_WANT_EXIT;
	p = pending_new(ev->engine);
	p->which = which;
	p->orig = orig;
}

static int is_native(const struct utrace_channel_event *ev)
{
#if defined(__x86_64__)
	return ev->arch == AUDIT_ARCH_X86_64 && !(ev->nr & __X32_SYSCALL_BIT);
#elif defined(__aarch64__)
	return ev->arch == AUDIT_ARCH_AARCH64;
#else
#error "uvm: x86_64 or arm64"
#endif
}

static void on_syscall_entry(const struct utrace_channel_event *ev, struct utrace_channel_reply *r)
{
	if (!is_native(ev)) {
		stats.other_abi++;
		if (rules.count) {
			r->action = UTRACE_CHANNEL_ABORT;
			r->result = -ENOSYS;
		}
		return;
	}
	if (ev->nr >= 0 && ev->nr < SET_CALLS)
		stats.entries[ev->nr]++;
	/*
	 * The entry is reported again for the same call (an engine stopped
	 * the task): what this call was given is kept, its exit asked for again.
	 */
	if ((ev->flags & UTRACE_CHANNEL_RESUMED) && pending_find(ev->engine)) {
		r->flags = UTRACE_CHANNEL_WANT_EXIT;
		return;
	}
	for (int i = 0; i < rules.nreturns; i++) {
		if (rules.returns[i].nr == ev->nr) {
			r->action = UTRACE_CHANNEL_ABORT;
			r->result = rules.returns[i].value;
			return;
		}
	}
	if (ev->nr == SYS_uname && (rules.nodename[0] || rules.release[0])) {
		struct pending *p = pending_new(ev->engine);

		p->uname = 1;
		p->uname_buf = ev->args[0];
		r->flags = UTRACE_CHANNEL_WANT_EXIT;
		return;
	}
	for (size_t i = 0; rules.nredirects && i < ARRAY_SIZE(path_calls); i++)
		if (path_calls[i].nr == ev->nr)
			redirect(ev, path_calls[i].arg, r);
}

static void edit_uname(const struct utrace_channel_event *ev, __u64 buf)
{
	static const struct {
		__u64 offset;
		const char *value;
	} fields[] = { { UTS_NODENAME, rules.nodename }, { UTS_RELEASE, rules.release } };

	/* Each field written with its NUL, the rest as the kernel wrote it. */
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i].value[0] &&
		    mem(ev, UTRACE_CHANNEL_MEM_WRITE, buf + fields[i].offset,
			fields[i].value, strlen(fields[i].value) + 1) < 0)
			mem_failed(ev, "editing the result");
}

static void on_syscall_exit(const struct utrace_channel_event *ev, struct utrace_channel_reply *r)
{
	struct pending *p = pending_find(ev->engine);

	if (ev->nr >= 0 && ev->nr < SET_CALLS)
		stats.exits[ev->nr]++;
	if (!p)
		return;
	/*
	 * The program finds its registers as it left them.  After an exec
	 * that went through they are the new program's: nothing to put back.
	 */
	if (p->which >= 0 && !p->exec_ran) {
		memcpy(r->args, ev->args, sizeof(r->args));
		r->args[p->which] = p->orig;
		r->flags = UTRACE_CHANNEL_SET_ARGS;
	}
	if (p->uname && ev->result == 0)
		edit_uname(ev, p->uname_buf);
	p->in_use = 0;
}

static void on_event(const struct utrace_channel_event *ev, struct utrace_channel_reply *r)
{
	struct pending *p;

	*r = (struct utrace_channel_reply){ .id = ev->id };
	switch (ev->kind) {
	case UTRACE_CHANNEL_SYSCALL_ENTRY:
		on_syscall_entry(ev, r);
		break;
	case UTRACE_CHANNEL_SYSCALL_EXIT:
		on_syscall_exit(ev, r);
		break;
	case UTRACE_CHANNEL_EXEC:
		p = pending_find(ev->engine);
		if (p)
			p->exec_ran = 1;
		break;
	}
}

/*
 * Writes @n replies, as many a write(2) as the channel takes.  A reply the
 * channel refuses with ENOENT names a task that stopped waiting (killed);
 * it is dropped.  Any other refusal is a bug here.
 */
static void send_replies(struct utrace_channel_reply *r, size_t n)
{
	while (n) {
		ssize_t w = write(chan, r, n * sizeof(*r));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == ENOENT) {
			r++;
			n--;
			continue;
		}
		if (w <= 0)
			fail("writing replies", errno);
		stats.writes++;
		stats.replies += w / sizeof(*r);
		r += w / sizeof(*r);
		n -= w / sizeof(*r);
	}
}

/* Reads the events there are, at most a buffer's, and answers them. */
static void serve(void)
{
	static struct utrace_channel_event ev[64];
	static struct utrace_channel_reply r[64];
	ssize_t n = read(chan, ev, sizeof(ev));

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		fail("reading events", errno);
	}
	stats.reads++;
	n /= sizeof(ev[0]);
	stats.events += n;
	for (ssize_t i = 0; i < n; i++)
		on_event(&ev[i], &r[i]);
	send_replies(r, n);
}

/*
 * Reaps what exited: PROG's status goes to *@status.  Returns 1 once no
 * child is left (uvm is the subreaper of PROG's orphans: they count).
 */
static int reap(int *status)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid == child)
			*status = st;
		if (pid > 0)
			continue;
		if (pid == 0)
			return 0;
		if (errno == ECHILD)
			return 1;
		if (errno != EINTR)
			fail("waitpid", errno);
	}
}

static void print_stats(void)
{
	fprintf(stderr, "uvm: %lu events in %lu reads, %lu replies in %lu writes\n",
		stats.events, stats.reads, stats.replies, stats.writes);
	for (long nr = 0; nr < SET_CALLS; nr++) {
		const char *name = syscall_name(nr);
		char number[32];

		if (!stats.entries[nr] && !stats.exits[nr])
			continue;
		if (!name) {
			snprintf(number, sizeof(number), "syscall %ld", nr);
			name = number;
		}
		fprintf(stderr, "uvm: %s: %lu entries, %lu exits\n", name, stats.entries[nr],
			stats.exits[nr]);
	}
	if (stats.other_abi)
		fprintf(stderr, "uvm: calls of another ABI: %lu\n", stats.other_abi);
}

/* The engine's syscall set: the calls the rules touch. */
static __u32 syscall_set(unsigned char set[UTRACE_CHANNEL_SYSCALLS_MAX])
{
	long last = 0;

#define ADD(nr) do { set[(nr) / 8] |= 1 << ((nr) % 8); last = (nr) > last ? (nr) : last; } while (0)
	for (int i = 0; i < rules.nreturns; i++)
		ADD(rules.returns[i].nr);
	if (rules.nodename[0] || rules.release[0])
		ADD(SYS_uname);
	for (size_t i = 0; rules.nredirects && i < ARRAY_SIZE(path_calls); i++)
		ADD(path_calls[i].nr);
#undef ADD
	/* At least one byte: an empty set, not syscalls_size 0 (every call). */
	return last / 8 + 1;
}

int main(int argc, char **argv)
{
	const char *rule_text = "";
	unsigned char set[UTRACE_CHANNEL_SYSCALLS_MAX] = { 0 };
	struct utrace_channel_attach a = { .flags = UTRACE_CHANNEL_FOLLOW };
	struct pollfd p[2];
	enum rule_error error;
	unsigned int line;
	sigset_t chld, old;
	int i, go[2], status = 0, show_stats = 0, done = 0;
	char c = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--rules") && i + 1 < argc) {
			rule_text = argv[++i];
		} else if (!strcmp(argv[i], "--stats")) {
			show_stats = 1;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "uvm: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i + 1 >= argc) {
		usage(stderr);
		return 2;
	}
	line = parse_rules(rule_text, &error);
	if (line) {
		fprintf(stderr, "uvm: --rules: line %u: %s\n", line, rule_errors[error]);
		return 2;
	}

	/*
	 * SIGCHLD is read from a signalfd, with the events; blocked before
	 * the fork so that none is lost.  PROG gets the mask uvm had.
	 */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &old) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe2(go, O_CLOEXEC)) {
		fprintf(stderr, "uvm: setting up: %s\n", errno_text(errno));
		return 2;
	}
	child = fork();
	if (child < 0) {
		fprintf(stderr, "uvm: fork: %s\n", errno_text(errno));
		return 2;
	}
	if (child == 0) {
		/* Wait until the engine is attached, then become PROG. */
		close(go[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "uvm: %s: %s\n", argv[i + 1], errno_text(errno));
		_exit(127);
	}
	close(go[0]);

	chan = open("/dev/utrace-channel", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (chan < 0) {
		fprintf(stderr, "uvm: /dev/utrace-channel: %s\n", errno_text(errno));
		goto no_start;
	}
	a.pid = child;
	a.syscalls_size = syscall_set(set);
	a.syscalls = (uintptr_t)set;
	/* Entries, to answer: the exits it needs are asked for one call at a
	 * time.  Execs, to know an exit's registers are a new program's. */
	a.events = UTRACE_CHANNEL_ENTRY | (rules.nredirects ? UTRACE_CHANNEL_EVENT_EXEC : 0);
	if (ioctl(chan, UTRACE_CHANNEL_ATTACH, &a) < 0) {
		fprintf(stderr, "uvm: UTRACE_CHANNEL_ATTACH: %s\n", errno_text(errno));
		goto no_start;
	}
	p[0] = (struct pollfd){ .fd = chan, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK),
				.events = POLLIN };
	if (p[1].fd < 0)
		fail("signalfd", errno);
	if (write(go[1], &c, 1) != 1)
		fail("releasing the child", errno);
	close(go[1]);

	while (!done) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll", errno);
		}
		if (p[0].revents & POLLIN)
			serve();
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(p[1].fd, &si, sizeof(si)) == sizeof(si))
				;
			done = reap(&status);
		}
	}
	if (show_stats)
		print_stats();
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);

no_start:
	close(go[1]);	/* the child exits without running PROG */
	waitpid(child, NULL, 0);
	return 2;
}
