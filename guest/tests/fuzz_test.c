// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test - hostile input: a seeded random fuzzer of PTRACE_MULTI, the
 * CHARDATA requests and the /dev/utrace and /dev/utrace-test ioctls.
 *
 * Deterministic for a seed and an iteration count, both read from the
 * kernel command line (`make fuzz FUZZ_SEED=N FUZZ_ITERS=N` sets them):
 *
 *   utrace_ci.fuzz_seed=N    the generator's seed (FUZZ_DEFAULT_SEED); a
 *                            list N,N,... runs every case once per seed,
 *                            each seed a suite of its own, guest_fuzz_N
 *   utrace_ci.fuzz_iters=N   iterations of each case (FUZZ_DEFAULT_ITERS)
 *   utrace_ci.fuzz_trace=1   also write every operation to the kernel log,
 *                            so that a kernel report can be matched to it
 *
 * Each case runs in a child process of its own, with its own generator
 * (splitmix64 of the seed and the case's number) and a time limit: a case
 * that hangs is killed and reported with the operation it was in.  The
 * first failure of a case prints how to replay it.
 *
 * What is checked:
 *  - PTRACE_MULTI and the CHARDATA requests (Documentation/ptrace-multi.md)
 *    against a model of the tracee's and the tracer's memory: which
 *    elements must succeed, which must fail and with which errno, the
 *    index returned and the errno stored in reqs[i].length, and what every
 *    copy leaves in memory.  After each call the tracee's buffers, the
 *    canary pages around them, its unmapped guard pages, the tracer's own
 *    buffers, its text and the batch array are read back and compared.
 *  - a batch array that another thread rewrites during the call: it is
 *    validated as a whole, so no refused element (nested PTRACE_MULTI,
 *    PTRACE_DETACH, a resume in the middle) ever runs.
 *  - batches that resume a tracee under test, strace and VM engines, with
 *    PTRACE_SYSVM's bits: clean errnos, a stopped tracee stays stopped,
 *    SIGKILL always ends it.
 *  - the ioctls of /dev/utrace-test and /dev/utrace (their uapi headers): the
 *    errno is one that the arguments allow, in the documented order of the
 *    checks; a successful attach returns a slot the header allows (the
 *    next one while a /dev/utrace file has no following engine and none
 *    detached, else one no engine of the file still holds), a failed one
 *    takes none; and once the files are closed the fuzzer and its children
 *    run as if nothing had been attached.
 *  - the requests of /dev/utrace-branch (its uapi header), against a child
 *    that runs tiny bursts of calls: an attach's errno is the first its
 *    arguments, the file and the target call for; a status agrees with
 *    what was attached and read (every record stored is read, waiting or
 *    overwritten; none lost in guaranteed flow); reads and polls never
 *    wait, return whole records from the child's code, or 0 only once its
 *    death ended the trace and the records are drained; closing the file
 *    that steps the child, even stopped for a drain, lets it run at once,
 *    and SIGKILL always ends it.
 *  - the branch trace's ptrace requests (Documentation/ptrace-bts.md),
 *    against a seized child that runs in bursts: each errno is the one the
 *    arguments and the trace call for, the counts agree (a drain takes
 *    what it returns), a full flow stops the child for its tracer, and
 *    PTRACE_MULTI refuses every one.
 * Kernel reports (KASAN, lockdep, ...) and kmemleak fail the run through
 * qemu-ci/ktap.py.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/utrace.h>
#include <linux/utrace_branch.h>
#include <linux/utrace_channel.h>
#include <linux/utrace_test.h>
#include "ptrace.h"
#include "ktap.h"

#define FUZZ_DEFAULT_SEED	0x7574726163652d31ULL	/* "utrace-1" */
#define FUZZ_DEFAULT_ITERS	700UL
/* A case stops after this many failures: the first ones tell the story. */
#define MAX_FAILURES		5

/*
 * A bug this fuzzer found (issue #8), now fixed: UTRACE_ATTACH_VM wrote its
 * result back after the engine was attached, so a block the caller could
 * read but not write got EFAULT with the engine attached and acting.
 * attach_vm() now writes its answer first.  Setting this to 1 would only
 * report such a case instead of failing.
 */
#define KNOWN_BUG_VM_ATTACH_EFAULT_ATTACHES	0

static uint64_t fuzz_seed = FUZZ_DEFAULT_SEED;
/* The seeds of utrace_ci.fuzz_seed=N,N,... */
#define MAX_SEEDS		64
static uint64_t fuzz_seeds[MAX_SEEDS];
static int fuzz_nseeds;
static unsigned long fuzz_iters = FUZZ_DEFAULT_ITERS;
static int fuzz_trace;
static char cmdline_error[256];

/* ------------------------------------------------------------------ */
/* Configuration, generator, reporting                                 */
/* ------------------------------------------------------------------ */

static const char *knob(const char *word, const char *name)
{
	static const char prefix[] = "utrace_ci.";
	size_t p = sizeof(prefix) - 1, n = strlen(name);

	if (strncmp(word, prefix, p) || strncmp(word + p, name, n) ||
	    word[p + n] != '=')
		return NULL;
	return word + p + n + 1;
}

static int parse_u64(const char *v, uint64_t *out)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || end == v || *end || *v == '-')
		return -1;
	*out = x;
	return 0;
}

/* A seed or a list of seeds, N,N,...: 0 if all of it parses. */
static int parse_seeds(const char *v)
{
	char buf[2048], *save, *w;
	uint64_t x;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	fuzz_nseeds = 0;
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (fuzz_nseeds == MAX_SEEDS || parse_u64(w, &x))
			return -1;
		fuzz_seeds[fuzz_nseeds++] = x;
	}
	return fuzz_nseeds ? 0 : -1;
}

static void read_cmdline(void)
{
	char buf[4096], *save, *w;
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		const char *seed = knob(w, "fuzz_seed");
		const char *iters = knob(w, "fuzz_iters");
		const char *trace = knob(w, "fuzz_trace");
		uint64_t x;

		if (seed && !parse_seeds(seed))
			fuzz_seed = fuzz_seeds[0];
		else if (iters && !parse_u64(iters, &x) && x <= ULONG_MAX / 1000)
			fuzz_iters = x;
		else if (trace)
			fuzz_trace = atoi(trace);
		else if (seed || iters)
			snprintf(cmdline_error, sizeof(cmdline_error), "bad %s", w);
	}
}

/* splitmix64: small, fast, and every seed gives a full-period sequence. */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static uint64_t between(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static int percent(struct rng *r, unsigned int p)
{
	return below(r, 100) < p;
}

/* An index into @w, drawn with the weights in @w. */
static int pick(struct rng *r, const unsigned int *w, int n)
{
	unsigned int total = 0, x;

	for (int i = 0; i < n; i++)
		total += w[i];
	x = below(r, total);
	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

#define PICK(r, w) pick(r, w, sizeof(w) / sizeof(w[0]))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof(a[0]))

/* What a case process shares with the test's main process and its victims. */
struct shared {
	volatile unsigned long iter;
	volatile unsigned long iters_done;
	volatile unsigned long victim_loops;
	volatile long victim_uid;
	volatile unsigned long forker_loops;
	volatile unsigned long victims_started;
	char op[1024];
};

static struct shared *sh;
static const char *case_name = "main";
static int case_failures;
static int kmsg_fd = -1;

static void kmsg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (kmsg_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "guest_fuzz: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(kmsg_fd, buf, n) < 0)
		kmsg_fd = -1;
}

/* Records what the case is doing now (shown if it hangs or fails). */
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->op, sizeof(sh->op), fmt, ap);
	va_end(ap);
	if (fuzz_trace)
		kmsg("%s %lu: %s", case_name, sh->iter, sh->op);
}

static void begin_iter(unsigned long i)
{
	sh->iter = i;
	sh->iters_done = i + 1;
	if (i % 256 == 0)
		kmsg("%s iteration %lu", case_name, i);
}

static void failed(void)
{
	if (!case_failures++)
		KTAP_DIAG("replay: make fuzz FUZZ_SEED=%llu FUZZ_ITERS=%lu "
			  "(KARGS=utrace_ci.fuzz_trace=1 logs every operation)",
			  (unsigned long long)fuzz_seed, fuzz_iters);
	ktap_case_failed = 1;
}

/* Fails the case with what it was doing. */
#define FAIL(fmt, ...)							\
	do {								\
		KTAP_DIAG("%s iteration %lu: " fmt, case_name, sh->iter, \
			  ##__VA_ARGS__);				\
		failed();						\
	} while (0)

#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond))						\
			FAIL("%s:%d: %s: " fmt, __FILE__, __LINE__, #cond, \
			     ##__VA_ARGS__);				\
	} while (0)

/* Sets of errnos. */
typedef uint64_t errset;
#define EB(e) (1ULL << ((e) < 63 ? (e) : 63))

static int in_set(errset s, long e)
{
	return e > 0 && (s & EB(e));
}

static const char *set_str(errset s, char *buf, size_t n)
{
	size_t at = 0;

	buf[0] = 0;
	for (int e = 1; e < 64 && at < n; e++)
		if (s & (1ULL << e))
			at += snprintf(buf + at, n - at, "%s%s", at ? "|" : "",
				       e == 63 ? "E>=63" : strerrorname_np(e));
	if (!s)
		snprintf(buf, n, "(must succeed)");
	return buf;
}

static const char *ename(long e)
{
	const char *s = e > 0 && e < 4096 ? strerrorname_np(e) : NULL;

	return s ? s : "?";
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/*
 * Waits for @pid (any state change with __WALL, as waitpid) for at most
 * @ms milliseconds: the pid, or 0 on time-out, or -1.
 */
static pid_t wait_for(pid_t pid, int *status, int flags, long ms)
{
	long end = now_ms() + ms;

	for (;;) {
		pid_t w = waitpid(pid, status, flags | WNOHANG | __WALL);

		if (w)
			return w;
		if (now_ms() >= end)
			return 0;
		sleep_ms(1);
	}
}

/* Prints a /proc file of @pid, for a task that does not behave. */
static void dump_proc(pid_t pid, const char *file)
{
	char path[64], buf[2048];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		KTAP_DIAG("  %s: %s", path, l);
}

/*
 * Kills and reaps @pid; 0 if it did not die within @ms.  A tracee may stop
 * on its way out (PTRACE_EVENT_EXIT, if a batch set PTRACE_O_TRACEEXIT):
 * as any tracer must, we let it go on, also from a stop we were told of
 * before.  One whose process was exiting already (a core dump) is not
 * woken by SIGKILL there: the kernel drops the signal, only its tracer
 * ends that stop.
 */
static int kill_reap(pid_t pid, long ms)
{
	long end = now_ms() + ms;
	int status = -1, last = -1;

	kill(pid, SIGKILL);
	while (now_ms() < end) {
		long left = end - now_ms();
		pid_t w = wait_for(pid, &status, 0, left < 100 ? left : 100);

		if (w < 0)
			return errno == ECHILD;
		if (w == pid && (WIFEXITED(status) || WIFSIGNALED(status)))
			return 1;
		if (w == pid)
			last = status;
		/* ESRCH unless it is our tracee, in a stop. */
		syscall(SYS_ptrace, PTRACE_CONT, pid, 0, 0);
	}
	KTAP_DIAG("pid %d: no exit %ld ms after SIGKILL; last wait status %#x", pid, ms, last);
	dump_proc(pid, "stat");
	dump_proc(pid, "wchan");
	dump_proc(pid, "stack");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Running a case                                                      */
/* ------------------------------------------------------------------ */

/* Every event bit /dev/utrace-test accepts (engine-core's Events). */
#define TEST_EVENTS_VALID	0xffffU

/* Time limit of one case. */
static long case_limit_ms(void)
{
	return 60000L + (long)fuzz_iters * 50L;
}

/* Runs @fn in a child process with a time limit; its failure fails the case. */
static void run_case(const char *name, unsigned int salt, void (*fn)(struct rng *))
{
	long start = now_ms();
	int status = 0;
	pid_t pid, w;

	fflush(stdout);
	sh->iter = 0;
	sh->iters_done = 0;
	snprintf(sh->op, sizeof(sh->op), "starting");
	pid = fork();
	if (pid < 0) {
		CHECK(0, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct rng r = { fuzz_seed ^ ((uint64_t)salt << 56) };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Should this process stop answering, SIGALRM ends it anyway. */
		alarm(case_limit_ms() / 1000 + 30);
		case_name = name;
		ktap_case_failed = 0;
		rnd(&r);
		fn(&r);
		fflush(stdout);
		_exit(ktap_case_failed);
	}
	w = wait_for(pid, &status, 0, case_limit_ms());
	if (w != pid) {
		KTAP_DIAG("%s: still running after %ld s, at iteration %lu: %s",
			  name, case_limit_ms() / 1000, sh->iter, sh->op);
		CHECK(kill_reap(pid, 20000), "%s does not die from SIGKILL", name);
		ktap_case_failed = 1;
		return;
	}
	if (WIFSIGNALED(status)) {
		KTAP_DIAG("%s: killed by signal %d at iteration %lu: %s", name,
			  WTERMSIG(status), sh->iter, sh->op);
		ktap_case_failed = 1;
	} else if (WEXITSTATUS(status)) {
		ktap_case_failed = 1;
	}
	if (sh->iters_done)
		KTAP_DIAG("%s: %lu iterations in %ld ms", name, sh->iters_done,
			  now_ms() - start);
	else
		KTAP_DIAG("%s: %ld ms", name, now_ms() - start);
}

/* ------------------------------------------------------------------ */
/* The memory model                                                    */
/* ------------------------------------------------------------------ */

#define PAGE		4096UL
#if defined(__x86_64__)
/* Four-level paging's user space, and the vsyscall page above it. */
#define USER_TOP	0x0000800000000000UL
#define VSYSCALL	0xffffffffff600000UL
#elif defined(__aarch64__)
/* 48-bit virtual addresses (the guest's CPU has no 52-bit ones); no vsyscall. */
#define USER_TOP	0x0001000000000000UL
#else
#error "fuzz_test: no memory model for this architecture"
#endif
/* Fixed places, far from anything the allocator or the loader uses. */
#define T_ARENA		0x100000000000UL	/* the tracee's buffers */
#define L_ARENA		0x110000000000UL	/* the tracer's buffers */
#define TP(i)		(T_ARENA + (i) * PAGE)
#define LP(i)		(L_ARENA + (i) * PAGE)
#define T_PAGES		270
#define L_PAGES		44
#define BIG_PAGES	257			/* PTRACE_MULTI_MAX_LENGTH + a page */

enum side { TRACEE, LOCAL };

enum rkind {
	R_DATA,		/* accessible, contents modelled */
	R_CANARY,	/* contents known, never addressed: must never change */
	R_HOLE,		/* unmapped: every access fails */
	R_OPAQUE,	/* mapped, contents not modelled */
};

struct region {
	const char *name;
	int side, kind;
	int readonly;	/* tracer side: the kernel may read it, not write it */
	int unsure;	/* whether the kernel can access it is not modelled */
	unsigned long base, size;
	unsigned char *shadow, *unk;	/* expected bytes; 1: not known */
	int touched;
};

static struct region regions[32];
static int nregions;
static struct region *rB, *rRO, *rBIG, *rPN, *rTEXT, *rL, *rLRO, *rR, *rRRO, *rSCR;
static struct region *t_holes[8], *l_holes[8];
static int n_t_holes, n_l_holes;

/* Three pages of code nobody runs: the middle one is a POKETEXT target. */
asm(".pushsection .text.fuzz_text, \"ax\"\n"
	".balign 4096\n"
	".globl fuzz_text\n"
	"fuzz_text:\n"
	".fill 12288, 1, 0xcc\n"
	".popsection\n");
extern unsigned char fuzz_text[];
static unsigned char text_pristine[3 * PAGE];

static unsigned char *big_pristine;	/* the tracer's own BIG */
static unsigned char *vbuf;		/* read-back buffer */

static struct region *add_region(const char *name, int side, int kind,
				 unsigned long base, unsigned long size)
{
	struct region *r = &regions[nregions++];

	*r = (struct region){ .name = name, .side = side, .kind = kind,
			      .base = base, .size = size };
	if (kind == R_DATA || kind == R_CANARY) {
		r->shadow = calloc(size, 1);
		r->unk = calloc(size, 1);
		if (!r->shadow || !r->unk) {
			KTAP_DIAG("out of memory");
			exit(1);
		}
	}
	if (kind == R_HOLE) {
		if (side == TRACEE)
			t_holes[n_t_holes++] = r;
		else
			l_holes[n_l_holes++] = r;
	}
	return r;
}

static struct region *region_at(int side, unsigned long a)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].side == side && a - regions[i].base < regions[i].size)
			return &regions[i];
	return NULL;
}

/* Where @a is, for messages: "B+0x10", "L+0x8", "0xffff...". */
static const char *where(int side, unsigned long a, char *buf, size_t n)
{
	struct region *r = region_at(side, a);

	if (r)
		snprintf(buf, n, "%s+%#lx", r->name, a - r->base);
	else
		snprintf(buf, n, "%#lx", a);
	return buf;
}

/* A byte of the pattern @seed gives address @a. */
static unsigned char pattern(uint64_t seed, unsigned long a)
{
	uint64_t x = seed ^ ((a >> 3) * 0x9e3779b97f4a7c15ULL);
	unsigned char b;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	b = x >> ((a & 7) * 8);
	/* NULs now and then, for PEEKSTRINGDATA. */
	return (b & 0x3f) == 0x3f ? 0 : b;
}

static void fill_pattern(unsigned char *p, unsigned long a, unsigned long n, uint64_t seed)
{
	for (unsigned long i = 0; i < n; i++)
		p[i] = pattern(seed, a + i);
}

/* Whether @a is in x86's vsyscall page, which only reads may reach. */
static int in_vsyscall_page(unsigned long a)
{
#ifdef VSYSCALL
	return a - VSYSCALL < PAGE;
#else
	(void)a;
	return 0;
#endif
}

/*
 * The bytes at the start of [a, a + n) that the kernel can access on @side
 * (for writing if @write).  *sure is 0 where the model does not know.
 */
static unsigned long reach(int side, unsigned long a, unsigned long n,
			   int write, int *sure)
{
	struct region *r = region_at(side, a), *next;
	unsigned long avail;

	*sure = 1;
	if (!n)
		return 0;
	if (!r) {
		if (a < 0x10000 || (a >= USER_TOP && !in_vsyscall_page(a)))
			return 0;
		*sure = 0;
		return 0;
	}
	if (r->kind == R_HOLE)
		return 0;
	if (r->kind == R_CANARY || r->unsure) {
		*sure = 0;
		return 0;
	}
	if (write && r->readonly)
		return 0;
	avail = r->base + r->size - a;
	if (n <= avail)
		return n;
	next = region_at(side, r->base + r->size);
	if (!next || next->kind != R_HOLE)
		*sure = 0;
	return avail;
}

/* The model of a copy of @n bytes from (@ss, @s) to (@ds, @d). */
static void sim_copy(int ds, unsigned long d, int ss, unsigned long s, unsigned long n)
{
	struct region *dr = region_at(ds, d), *sr = region_at(ss, s);
	unsigned long off;

	if (!n || !dr || !dr->shadow)
		return;
	off = d - dr->base;
	if (n > dr->size - off)
		n = dr->size - off;
	dr->touched = 1;
	if (sr && sr->shadow && n <= sr->base + sr->size - s) {
		memmove(dr->shadow + off, sr->shadow + (s - sr->base), n);
		memmove(dr->unk + off, sr->unk + (s - sr->base), n);
	} else {
		memset(dr->unk + off, 1, n);
	}
}

/* [a, a + n) may have changed, we do not know how. */
static void sim_unknown(int side, unsigned long a, unsigned long n)
{
	struct region *r = region_at(side, a);
	unsigned long off;

	if (!n || !r || !r->shadow)
		return;
	off = a - r->base;
	if (n > r->size - off)
		n = r->size - off;
	r->touched = 1;
	memset(r->unk + off, 1, n);
}

static void sim_unknown_all(int side)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].side == side && regions[i].kind == R_DATA &&
		    !regions[i].readonly)
			sim_unknown(side, regions[i].base, regions[i].size);
}

static void map_fixed(unsigned long a, unsigned long n, int prot)
{
	void *p = mmap((void *)a, n, prot, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)a) {
		KTAP_DIAG("mmap %#lx: %s", a, strerror(errno));
		exit(1);
	}
}

/*
 * The arenas, in the main process so that every case process and every
 * tracee has them at the same addresses:
 *
 * tracee side (each buffer between a canary page and a hole):
 *   C0 | B (2 pages) | hole | C1 | RO | hole | C2 | BIG (257 pages) | hole
 *   | C3 | PN (PROT_NONE) | hole | C4;  and TEXT between two pad pages
 * tracer side:
 *   LC | L (16 pages) | hole | LRO | hole | R (10 pages, the batches) | hole
 *   | RRO (10 pages, read-only batches) | hole | SCR (iovecs...) | hole
 */
static void setup_arenas(void)
{
	static const char *const tnames[] = { "hole-B", "hole-RO", "hole-BIG", "hole-PN" };
	static const unsigned int tholes[] = { 3, 6, 265, 268 };

	map_fixed(T_ARENA, T_PAGES * PAGE, PROT_READ | PROT_WRITE);
	add_region("C0", TRACEE, R_CANARY, TP(0), PAGE);
	rB = add_region("B", TRACEE, R_DATA, TP(1), 2 * PAGE);
	add_region("C1", TRACEE, R_CANARY, TP(4), PAGE);
	rRO = add_region("RO", TRACEE, R_DATA, TP(5), PAGE);
	add_region("C2", TRACEE, R_CANARY, TP(7), PAGE);
	rBIG = add_region("BIG", TRACEE, R_DATA, TP(8), BIG_PAGES * PAGE);
	add_region("C3", TRACEE, R_CANARY, TP(266), PAGE);
	rPN = add_region("PN", TRACEE, R_OPAQUE, TP(267), PAGE);
	rPN->unsure = 1;
	add_region("C4", TRACEE, R_CANARY, TP(269), PAGE);
	for (unsigned int i = 0; i < ARRAY_SIZE(tholes); i++) {
		add_region(tnames[i], TRACEE, R_HOLE, TP(tholes[i]), PAGE);
		munmap((void *)TP(tholes[i]), PAGE);
	}
	mprotect((void *)rPN->base, PAGE, PROT_NONE);
	add_region("pad0", TRACEE, R_CANARY, (unsigned long)fuzz_text, PAGE);
	rTEXT = add_region("TEXT", TRACEE, R_DATA, (unsigned long)fuzz_text + PAGE, PAGE);
	add_region("pad1", TRACEE, R_CANARY, (unsigned long)fuzz_text + 2 * PAGE, PAGE);
	memcpy(text_pristine, fuzz_text, sizeof(text_pristine));

	/* BIG is filled once, here: the tracees inherit it. */
	fill_pattern((unsigned char *)rBIG->base, rBIG->base, rBIG->size, fuzz_seed);
	big_pristine = (unsigned char *)rBIG->base;
	vbuf = malloc(rBIG->size);

	map_fixed(L_ARENA, L_PAGES * PAGE, PROT_READ | PROT_WRITE);
	add_region("LC", LOCAL, R_CANARY, LP(0), PAGE);
	rL = add_region("L", LOCAL, R_DATA, LP(1), 16 * PAGE);
	add_region("hole-L", LOCAL, R_HOLE, LP(17), PAGE);
	rLRO = add_region("LRO", LOCAL, R_DATA, LP(18), PAGE);
	rLRO->readonly = 1;
	add_region("hole-LRO", LOCAL, R_HOLE, LP(19), PAGE);
	rR = add_region("R", LOCAL, R_OPAQUE, LP(20), 10 * PAGE);
	add_region("hole-R", LOCAL, R_HOLE, LP(30), PAGE);
	rRRO = add_region("RRO", LOCAL, R_OPAQUE, LP(31), 10 * PAGE);
	rRRO->readonly = 1;
	add_region("hole-RRO", LOCAL, R_HOLE, LP(41), PAGE);
	rSCR = add_region("SCR", LOCAL, R_OPAQUE, LP(42), PAGE);
	add_region("hole-SCR", LOCAL, R_HOLE, LP(43), PAGE);
	for (int i = 0; i < n_l_holes; i++)
		munmap((void *)l_holes[i]->base, PAGE);
	fill_pattern((unsigned char *)LP(0), LP(0), PAGE, fuzz_seed ^ 0x1c);
	fill_pattern((unsigned char *)rL->base, rL->base, rL->size, fuzz_seed ^ 0x1d);
	fill_pattern((unsigned char *)rLRO->base, rLRO->base, PAGE, fuzz_seed ^ 0x1e);
	mprotect((void *)rLRO->base, PAGE, PROT_READ);
	mprotect((void *)rRRO->base, rRRO->size, PROT_READ);
}

/* Makes every tracer-side shadow the memory as it is now. */
static void local_resync(void)
{
	for (int i = 0; i < nregions; i++) {
		struct region *r = &regions[i];

		if (r->side != LOCAL || !r->shadow)
			continue;
		memcpy(r->shadow, (void *)r->base, r->size);
		memset(r->unk, 0, r->size);
		r->touched = 0;
	}
}

/* Compares @got with @r's shadow; reports the first difference. */
static int compare(struct region *r, const unsigned char *got)
{
	unsigned long first = ULONG_MAX, bad = 0;

	for (unsigned long i = 0; i < r->size; i++) {
		if (r->unk[i] || got[i] == r->shadow[i])
			continue;
		if (first == ULONG_MAX)
			first = i;
		bad++;
	}
	if (!bad)
		return 1;
	FAIL("%s %s+%#lx: %lu bytes differ from the model, first %#x, expected %#x",
	     r->side == TRACEE ? "tracee" : "tracer", r->name, first, bad,
	     got[first], r->shadow[first]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The tracee                                                          */
/* ------------------------------------------------------------------ */

struct tracee {
	pid_t pid;
	int seized;
	uint64_t gen;	/* seed of this tracee's patterns */
	int big_dirty;	/* its BIG may differ from the tracer's */
};

static struct tracee tr;
static unsigned long tracee_gen;

static long pt(long req, pid_t pid, unsigned long addr, unsigned long data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

/* The tracee's own buffers, filled by itself: the tracer's copy differs. */
static void tracee_fill(uint64_t gen)
{
	for (int i = 0; i < nregions; i++) {
		struct region *r = &regions[i];

		if (r->side != TRACEE || r == rBIG || r == rTEXT ||
		    (r->kind != R_DATA && r->kind != R_CANARY) ||
		    r->base - (unsigned long)fuzz_text < 3 * PAGE)
			continue;
		fill_pattern((unsigned char *)r->base, r->base, r->size, gen);
	}
	mprotect((void *)rRO->base, PAGE, PROT_READ);
}

/* The shadows of a new tracee. */
static void tracee_shadows(void)
{
	for (int i = 0; i < nregions; i++) {
		struct region *r = &regions[i];

		if (r->side != TRACEE || !r->shadow)
			continue;
		if (r->base - (unsigned long)fuzz_text < 3 * PAGE)
			memcpy(r->shadow, text_pristine + (r->base - (unsigned long)fuzz_text),
			       r->size);
		else if (r == rBIG) {
			/*
			 * Touched but not verified (the old tracee died first):
			 * the shadow is the old tracee's, not the new one's.
			 */
			if (tr.big_dirty || r->touched)
				memcpy(r->shadow, big_pristine, r->size);
		} else
			fill_pattern(r->shadow, r->base, r->size, tr.gen);
		memset(r->unk, 0, r->size);
		r->touched = 0;
	}
	tr.big_dirty = 0;
}

/*
 * A new tracee, stopped: PTRACE_TRACEME and SIGSTOP, or (@seize) seized
 * and stopped by PTRACE_INTERRUPT.  @busy: once resumed it makes syscalls
 * (getppid) and stops itself again now and then, instead of sleeping.
 */
static int tracee_start(int seize, int busy)
{
	int p[2], status;
	uint64_t gen = fuzz_seed ^ (++tracee_gen * 0x2545f4914f6cdd1dULL);
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		tracee_fill(gen);
		if (!seize && pt(PTRACE_TRACEME, 0, 0, 0))
			_exit(99);
		if (write(p[1], "r", 1) != 1)
			_exit(98);
		/* Holding the tracer's device files would keep their engines. */
		close_range(3, ~0U, 0);
		for (;;) {
			if (busy) {
				syscall(SYS_getppid);
				if (!seize)
					raise(SIGSTOP);
			} else if (seize) {
				pause();
			} else {
				raise(SIGSTOP);
			}
		}
	}
	close(p[1]);
	tr.pid = pid;
	tr.seized = seize;
	tr.gen = gen;
	tracee_shadows();
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		FAIL("tracee %d did not start", pid);
		return -1;
	}
	close(p[0]);
	if (seize) {
		if (pt(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL) ||
		    pt(PTRACE_INTERRUPT, pid, 0, 0)) {
			FAIL("seize %d: %s", pid, strerror(errno));
			return -1;
		}
		if (wait_for(pid, &status, 0, 10000) != pid || !WIFSTOPPED(status) ||
		    status >> 16 != PTRACE_EVENT_STOP) {
			FAIL("seized tracee %d: no PTRACE_EVENT_STOP (status %#x)", pid, status);
			return -1;
		}
	} else {
		if (wait_for(pid, &status, 0, 10000) != pid || !WIFSTOPPED(status) ||
		    WSTOPSIG(status) != SIGSTOP) {
			FAIL("tracee %d: no SIGSTOP stop (status %#x)", pid, status);
			return -1;
		}
		if (pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL)) {
			FAIL("PTRACE_SETOPTIONS: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void tracee_end(void)
{
	if (!tr.pid)
		return;
	if (!kill_reap(tr.pid, 10000))
		FAIL("tracee %d does not die from SIGKILL", tr.pid);
	tr.pid = 0;
}

/* Reads the tracee's [a, a + n) into @buf: 0, or -1 and errno. */
static int tracee_read(unsigned long a, void *buf, unsigned long n)
{
	struct iovec local = { buf, n }, remote = { (void *)a, n };
	ssize_t got = process_vm_readv(tr.pid, &local, 1, &remote, 1, 0);

	if (got == (ssize_t)n)
		return 0;
	if (got >= 0)
		errno = EIO;
	return -1;
}

/*
 * Compares the memory with the model and makes the model the memory:
 * the tracee's buffers that were addressed and all its canaries and holes
 * (unless it is gone and @maybe_gone: it was resumed), the tracer's
 * buffers and its text.
 */
static void verify_memory(int maybe_gone)
{
	for (int i = 0; i < nregions && tr.pid; i++) {
		struct region *r = &regions[i];

		if (r->side != TRACEE)
			continue;
		if (r->kind == R_HOLE) {
			/* Read once: a resumed tracee may die between two reads. */
			int got, e;
			char c;

			got = tracee_read(r->base, &c, 1);
			e = errno;
			if (got && e == ESRCH && maybe_gone)
				break;
			if (got == 0 || e != EFAULT)
				FAIL("tracee guard page %s is readable (or %s)", r->name,
				     strerror(e));
			continue;
		}
		if (!r->shadow || (r->kind == R_DATA && !r->touched))
			continue;
		if (tracee_read(r->base, vbuf, r->size)) {
			if (errno == ESRCH && maybe_gone)
				break;
			FAIL("process_vm_readv %s: %s", r->name, strerror(errno));
			continue;
		}
		compare(r, vbuf);
		memcpy(r->shadow, vbuf, r->size);
		memset(r->unk, 0, r->size);
		if (r == rBIG)
			tr.big_dirty = 1;
		r->touched = 0;
	}
	for (int i = 0; i < nregions; i++) {
		struct region *r = &regions[i];

		if (r->side != LOCAL)
			continue;
		if (r->kind == R_HOLE) {
			if (msync((void *)r->base, PAGE, MS_ASYNC) == 0)
				FAIL("tracer guard page %s is mapped", r->name);
			continue;
		}
		if (r->shadow)
			compare(r, (unsigned char *)r->base);
	}
	local_resync();
	if (memcmp(fuzz_text, text_pristine, sizeof(text_pristine)))
		FAIL("the tracer's own text changed (POKETEXT reached it)");
}

/* Checks that the tracee is still in its ptrace stop. */
static void expect_still_stopped(void)
{
	int status;
	pid_t w = waitpid(tr.pid, &status, WNOHANG | __WALL);
	long v;

	if (w) {
		FAIL("tracee %d changed state (waitpid %d, status %#x)", tr.pid, w, status);
		tracee_end();
		return;
	}
	errno = 0;
	v = pt(PTRACE_SYSVM, tr.pid, 0, 0);
	if (v != PTRACE_VM_MASK)
		FAIL("PTRACE_SYSVM on the stopped tracee: %ld (%s)", v, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* The contract of each element                                        */
/* ------------------------------------------------------------------ */

/* What model() applies to the memory model after the prediction. */
enum effect {
	E_OK,		/* the element succeeded */
	E_FAILED,	/* it failed: what it was to write is not known */
	E_NONE,		/* only predict */
};

/* What the model says of one element. */
struct res {
	int may_ok;		/* it may succeed */
	errset errs;		/* errnos it may fail with; none: must succeed */
	int dirty;		/* it may change the tracee beyond the model */
	long bytes;		/* CHARDATA: bytes a success copies; -1: unknown */
};

/* "Other" requests: made as if alone. */
enum omodel {
	O_ALWAYS,	/* succeeds on a stopped tracee */
	O_WRITES,	/* writes .size bytes at data: success or EFAULT */
	O_SIGMASK,	/* EINVAL unless addr == 8, then writes 8 bytes at data */
	O_SEIZED,	/* succeeds for a seized tracee, EIO otherwise */
	O_MAY,		/* may succeed or fail with .errs; may write the tracer's buffers */
};

struct oreq {
	long req;
	const char *name;
	int model;
	int size;
	int dirty;
	errset errs;
};

#define EBASE (EB(EINVAL) | EB(EFAULT) | EB(EIO) | EB(EPERM))

/*
 * The requests beside the word, byte and resume ones: the generic ones
 * (kernel/ptrace.c's ptrace_request()), then each architecture's own
 * (its arch_ptrace()); any other number fails with EIO.
 */
static const struct oreq oreqs[] = {
	{ PTRACE_GETSIGINFO, "GETSIGINFO", O_WRITES, sizeof(siginfo_t), 0, 0 },
	{ PTRACE_GETEVENTMSG, "GETEVENTMSG", O_WRITES, sizeof(long), 0, 0 },
	{ PTRACE_SYSVM, "SYSVM", O_ALWAYS, 0, 0, 0 },
	{ PTRACE_GETSIGMASK, "GETSIGMASK", O_SIGMASK, 8, 0, 0 },
	{ PTRACE_GET_SYSCALL_INFO, "GET_SYSCALL_INFO", O_MAY, 0, 0, EB(EFAULT) },
	{ PTRACE_GET_RSEQ_CONFIGURATION, "GET_RSEQ_CONFIGURATION", O_MAY, 0, 0, EB(EFAULT) },
	{ PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG, "GET_SUD_CONFIG", O_MAY, 0, 0,
	  EB(EINVAL) | EB(EFAULT) },
	{ PTRACE_PEEKSIGINFO, "PEEKSIGINFO", O_MAY, 0, 0, EB(EINVAL) | EB(EFAULT) },
	{ PTRACE_GETREGSET, "GETREGSET", O_MAY, 0, 0, EBASE | EB(ENODEV) },
	{ PTRACE_SECCOMP_GET_FILTER, "SECCOMP_GET_FILTER", O_MAY, 0, 0,
	  EBASE | EB(ENOENT) | EB(EACCES) | EB(EMEDIUMTYPE) },
	{ PTRACE_SECCOMP_GET_METADATA, "SECCOMP_GET_METADATA", O_MAY, 0, 0,
	  EBASE | EB(ENOENT) | EB(EACCES) | EB(EMEDIUMTYPE) },
	/* Requests that change the tracee: it is replaced afterwards. */
	{ PTRACE_INTERRUPT, "INTERRUPT", O_SEIZED, 0, 1, 0 },
	{ PTRACE_SETSIGINFO, "SETSIGINFO", O_MAY, 0, 1, EBASE | EB(E2BIG) },
	{ PTRACE_SETSIGMASK, "SETSIGMASK", O_MAY, 0, 1, EBASE },
	{ PTRACE_SETOPTIONS, "SETOPTIONS", O_MAY, 0, 1, EBASE },
	{ PTRACE_SETREGSET, "SETREGSET", O_MAY, 0, 1, EBASE | EB(ENODEV) },
	{ PTRACE_SET_SYSCALL_INFO, "SET_SYSCALL_INFO", O_MAY, 0, 1, EBASE | EB(ERANGE) },
	{ PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG, "SET_SUD_CONFIG", O_MAY, 0, 1, EBASE },
#if defined(__x86_64__)
	{ PTRACE_GETREGS, "GETREGS", O_WRITES, sizeof(struct user_regs_struct), 0, 0 },
	{ PTRACE_GETFPREGS, "GETFPREGS", O_WRITES, sizeof(struct user_fpregs_struct), 0, 0 },
	{ PTRACE_GET_THREAD_AREA, "GET_THREAD_AREA", O_MAY, 0, 0, EBASE },
	{ PTRACE_SETREGS, "SETREGS", O_MAY, 0, 1, EBASE },
	{ PTRACE_SETFPREGS, "SETFPREGS", O_MAY, 0, 1, EBASE },
	{ PTRACE_OLDSETOPTIONS, "OLDSETOPTIONS", O_MAY, 0, 1, EBASE },
	{ PTRACE_ARCH_PRCTL, "ARCH_PRCTL", O_MAY, 0, 1, EBASE },
	{ PTRACE_SET_THREAD_AREA, "SET_THREAD_AREA", O_MAY, 0, 1, EBASE },
#elif defined(__aarch64__)
	/* Memory tags: EIO on a CPU without MTE, as the guest's. */
	{ PTRACE_PEEKMTETAGS, "PEEKMTETAGS", O_MAY, 0, 0, EBASE },
	{ PTRACE_POKEMTETAGS, "POKEMTETAGS", O_MAY, 0, 1, EBASE },
#endif
};

static const long forbidden_reqs[] = {
	PTRACE_MULTI, PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE, PTRACE_DETACH,
	/* The branch trace's: a batch could not return their counts. */
	PTRACE_BTS_CONFIG, PTRACE_BTS_STATUS, PTRACE_BTS_SIZE, PTRACE_BTS_GET,
	PTRACE_BTS_CLEAR, PTRACE_BTS_DRAIN,
};

static const long resume_reqs[] = {
	PTRACE_CONT, PTRACE_SYSCALL, PTRACE_SINGLESTEP, PTRACE_SYSEMU,
	PTRACE_SYSEMU_SINGLESTEP, PTRACE_KILL, PTRACE_LISTEN,
#ifdef PTRACE_SINGLEBLOCK
	PTRACE_SINGLEBLOCK,
#endif
};

static const struct oreq *find_oreq(long req)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(oreqs); i++)
		if (oreqs[i].req == req)
			return &oreqs[i];
	return NULL;
}

static int is_resume(long req)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(resume_reqs); i++)
		if (resume_reqs[i] == req)
			return 1;
	return 0;
}

static int is_forbidden(long req)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(forbidden_reqs); i++)
		if (forbidden_reqs[i] == req)
			return 1;
	return 0;
}

static int takes_length(long req)
{
	switch (req) {
	case PTRACE_PEEKTEXT: case PTRACE_PEEKDATA: case PTRACE_PEEKUSR:
	case PTRACE_POKETEXT: case PTRACE_POKEDATA: case PTRACE_POKEUSR:
	case PTRACE_PEEKCHARDATA: case PTRACE_POKECHARDATA:
	case PTRACE_PEEKSTRINGDATA:
		return 1;
	}
	return 0;
}

/* Whether the kernel knows @req (else: EIO, as any unknown request). */
static int known_req(long req)
{
	return takes_length(req) || find_oreq(req) || is_resume(req) ||
	       is_forbidden(req) || req == PTRACE_MULTI;
}

static const char *req_name(long req, char *buf, size_t n)
{
	static const struct { long req; const char *name; } names[] = {
		{ PTRACE_PEEKTEXT, "PEEKTEXT" }, { PTRACE_PEEKDATA, "PEEKDATA" },
		{ PTRACE_PEEKUSR, "PEEKUSR" }, { PTRACE_POKETEXT, "POKETEXT" },
		{ PTRACE_POKEDATA, "POKEDATA" }, { PTRACE_POKEUSR, "POKEUSR" },
		{ PTRACE_PEEKCHARDATA, "PEEKCHARDATA" },
		{ PTRACE_POKECHARDATA, "POKECHARDATA" },
		{ PTRACE_PEEKSTRINGDATA, "PEEKSTRINGDATA" },
		{ PTRACE_MULTI, "MULTI" }, { PTRACE_TRACEME, "TRACEME" },
		{ PTRACE_ATTACH, "ATTACH" }, { PTRACE_SEIZE, "SEIZE" },
		{ PTRACE_DETACH, "DETACH" }, { PTRACE_CONT, "CONT" },
		{ PTRACE_SYSCALL, "SYSCALL" }, { PTRACE_SINGLESTEP, "SINGLESTEP" },
#ifdef PTRACE_SINGLEBLOCK
		{ PTRACE_SINGLEBLOCK, "SINGLEBLOCK" },
#endif
		{ PTRACE_SYSEMU, "SYSEMU" },
		{ PTRACE_SYSEMU_SINGLESTEP, "SYSEMU_SINGLESTEP" },
		{ PTRACE_KILL, "KILL" }, { PTRACE_LISTEN, "LISTEN" },
	};
	const struct oreq *o = find_oreq(req);

	if (o)
		return o->name;
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].req == req)
			return names[i].name;
	snprintf(buf, n, "%#lx", req);
	return buf;
}

/*
 * Whether the tracer's @n bytes at @la run past the end of the address
 * space.  The CHARDATA requests check the tracer's buffer whole before
 * they touch either side, so such a buffer fails with EFAULT, whatever
 * the tracee's side holds (the patch's rule: "EFAULT for the tracer's").
 * The word requests check each word of the tracer's before its request
 * (a PEEK) or the whole buffer first (a POKE): a first word past the end
 * is EFAULT either way.
 */
static int local_wraps(unsigned long la, unsigned long n)
{
	return n && n - 1 > ULONG_MAX - la;
}

/* PEEK/POKE DATA/TEXT: @n words, one request each. */
static void m_words(const struct ptrace_multi *e, int poke, int effect, struct res *p)
{
	unsigned long n = e->length ? e->length : 1, bytes = n * 8;
	unsigned long ta = e->addr, la = (unsigned long)e->localaddr;
	int ts, ls;
	unsigned long t = reach(TRACEE, ta, bytes, poke, &ts);
	unsigned long l = reach(LOCAL, la, bytes, !poke, &ls);
	unsigned long kt = t / 8, kl = l / 8;	/* the first word that fails */

	if (local_wraps(la, poke ? bytes : 8)) {
		p->errs = EB(EFAULT);
		return;
	}
	if (!ts || !ls) {
		p->may_ok = 1;
		p->errs = (!ts || kt < n ? EB(EIO) : 0) | (!ls || kl < n ? EB(EFAULT) : 0);
		if (poke && !ts && ta < USER_TOP)
			p->dirty = 1;
	} else if (kt >= n && kl >= n) {
		p->may_ok = 1;
	} else if (poke) {
		p->errs = kl < kt ? EB(EFAULT) : kt < kl ? EB(EIO) : EB(EIO) | EB(EFAULT);
	} else {
		/* PEEKDATA alone reads the tracee, then stores the word. */
		p->errs = kt <= kl ? EB(EIO) : EB(EFAULT);
	}
	if (effect == E_FAILED)
		sim_unknown(poke ? TRACEE : LOCAL, poke ? ta : la, bytes);
	else if (effect == E_OK && poke)
		sim_copy(TRACEE, ta, LOCAL, la, bytes);
	else if (effect == E_OK)
		sim_copy(LOCAL, la, TRACEE, ta, bytes);
}

#if defined(__x86_64__)
#define DEBUGREG	offsetof(struct user, u_debugreg)
/* The kernel's struct user ends with error_code and fault_address. */
#define USER_SIZE	(DEBUGREG + 8 * 8 + 2 * 8)

/* Words of the user area a POKEUSR may refuse, whatever it is given. */
static int pokeusr_unsure(unsigned long off)
{
	switch (off) {
	case offsetof(struct user_regs_struct, cs):
	case offsetof(struct user_regs_struct, ss):
	case offsetof(struct user_regs_struct, ds):
	case offsetof(struct user_regs_struct, es):
	case offsetof(struct user_regs_struct, fs):
	case offsetof(struct user_regs_struct, gs):
	case offsetof(struct user_regs_struct, fs_base):
	case offsetof(struct user_regs_struct, gs_base):
		return 1;
	}
	return off >= DEBUGREG && off < DEBUGREG + 8 * 8;
}

/*
 * Whether word @off of the user area is one a request may name: PEEKUSR
 * reads every aligned word (0 where there is nothing), POKEUSR writes only
 * the registers and the debug registers.
 */
static int user_word_ok(unsigned long off, int poke)
{
	if ((off & 7) || off >= USER_SIZE)
		return 0;
	return !poke || off < sizeof(struct user_regs_struct) ||
	       (off >= DEBUGREG && off < DEBUGREG + 8 * 8);
}
#elif defined(__aarch64__)
/*
 * arm64 has no user area: its arch_ptrace() leaves PEEKUSR and POKEUSR to
 * ptrace_request(), which fails them with EIO at every offset.
 */
#define USER_SIZE	0UL

static int pokeusr_unsure(unsigned long off)
{
	(void)off;
	return 0;
}

static int user_word_ok(unsigned long off, int poke)
{
	(void)off;
	(void)poke;
	return 0;
}
#endif

/* PEEKUSR / POKEUSR: @n words of the user area from offset addr. */
static void m_user(const struct ptrace_multi *e, int poke, int effect, struct res *p)
{
	unsigned long n = e->length ? e->length : 1, bytes = n * 8;
	unsigned long off = e->addr, la = (unsigned long)e->localaddr;
	unsigned long ku = 0, kl, kf, unsure = ULONG_MAX;
	int ls;

	/* The first word each side fails at. */
	while (ku < n && user_word_ok(off + ku * 8, poke))
		ku++;
	kl = reach(LOCAL, la, bytes, !poke, &ls) / 8;
	kf = ku < kl ? ku : kl;

	if (local_wraps(la, poke ? bytes : 8)) {
		p->errs = EB(EFAULT);
		return;
	}
	if (poke) {
		p->dirty = 1;
		for (unsigned long k = 0; k < kf && k < n; k++)
			if (pokeusr_unsure(off + k * 8)) {
				unsure = k;
				break;
			}
	}
	if (!ls || unsure != ULONG_MAX) {
		p->may_ok = 1;
		p->errs = EB(EIO) | EB(EFAULT);
		if (unsure != ULONG_MAX)
			p->errs |= EB(EINVAL) | EB(EPERM) | EB(ENOSPC) | EB(EBUSY);
	} else if (kf >= n) {
		p->may_ok = 1;
	} else if (poke) {
		/* The word is read from the tracer, then offered. */
		p->errs = kl < ku ? EB(EFAULT) : ku < kl ? EB(EIO) : EB(EIO) | EB(EFAULT);
	} else {
		p->errs = ku <= kl ? EB(EIO) : EB(EFAULT);
	}
	if (!poke && effect != E_NONE)
		sim_unknown(LOCAL, la, bytes);
}

/* PEEKCHARDATA / POKECHARDATA: exactly length bytes. */
static void m_bytes(const struct ptrace_multi *e, int poke, int effect, struct res *p)
{
	unsigned long n = e->length, ta = e->addr, la = (unsigned long)e->localaddr;
	int ts, ls;
	unsigned long t = reach(TRACEE, ta, n, poke, &ts);
	unsigned long l = reach(LOCAL, la, n, !poke, &ls);

	p->bytes = n;
	if (!n) {
		p->may_ok = 1;
		return;
	}
	/* As for strings (m_string): the tracer's buffer first, whole. */
	if (local_wraps(la, n)) {
		p->errs = EB(EFAULT);
		return;
	}
	if (!ts || !ls) {
		p->may_ok = 1;
		p->errs = (!ts || t < n ? EB(EIO) : 0) | (!ls || l < n ? EB(EFAULT) : 0);
		if (poke && !ts && ta < USER_TOP)
			p->dirty = 1;
	} else if (t >= n && l >= n) {
		p->may_ok = 1;
	} else if (!poke && t < n && l >= t) {
		/* Every byte it could read, it could store. */
		p->errs = EB(EIO);
	} else {
		p->errs = (t < n ? EB(EIO) : 0) | (l < n ? EB(EFAULT) : 0);
	}
	if (effect == E_FAILED)
		sim_unknown(poke ? TRACEE : LOCAL, poke ? ta : la, n);
	else if (effect == E_OK && poke)
		sim_copy(TRACEE, ta, LOCAL, la, n);
	else if (effect == E_OK)
		sim_copy(LOCAL, la, TRACEE, ta, n);
}

/* PEEKSTRINGDATA: up to and including the first NUL, at most length bytes. */
static void m_string(const struct ptrace_multi *e, int effect, struct res *p)
{
	unsigned long n = e->length, ta = e->addr, la = (unsigned long)e->localaddr;
	struct region *r = region_at(TRACEE, ta);
	unsigned long t, l, m = 0, i;
	int ts, ls, found = 0, known;

	p->bytes = 0;
	if (!n) {
		p->may_ok = 1;
		return;
	}
	/*
	 * The tracer's buffer is checked whole before the first byte is read:
	 * one running past the end of the address space fails with EFAULT,
	 * whatever the tracee's side holds, and nothing is stored.
	 */
	if (local_wraps(la, n)) {
		p->errs = EB(EFAULT);
		return;
	}
	t = reach(TRACEE, ta, n, 0, &ts);
	known = ts && (t == 0 || (r && r->shadow));
	for (i = 0; known && i < t; i++) {
		unsigned long off = ta - r->base + i;

		if (r->unk[off])
			known = 0;
		else if (!r->shadow[off]) {
			found = 1;
			break;
		}
	}
	m = found ? i + 1 : t;
	if (!known) {
		p->may_ok = 1;
		p->bytes = -1;
		p->errs = EB(EIO) | EB(EFAULT);
	} else {
		int tfail = !found && t < n;	/* no NUL before the memory ends */

		l = reach(LOCAL, la, m, 1, &ls);
		p->bytes = m;
		if (!ls) {
			p->may_ok = !tfail;
			p->errs = EB(EFAULT) | (tfail ? EB(EIO) : 0);
		} else if (!tfail && l >= m) {
			p->may_ok = 1;
		} else {
			p->errs = (tfail ? EB(EIO) : 0) | (l < m ? EB(EFAULT) : 0);
		}
	}
	if (effect == E_OK && p->bytes >= 0)
		sim_copy(LOCAL, la, TRACEE, ta, p->bytes);
	else if (effect != E_NONE)
		sim_unknown(LOCAL, la, n);
}

/* The resumes whose addr may carry PTRACE_SYSVM's bits (not SYSEMU's). */
static int takes_sysvm_bits(long req)
{
	switch (req) {
	case PTRACE_SYSCALL:
	case PTRACE_CONT:
	case PTRACE_SINGLESTEP:
#ifdef PTRACE_SINGLEBLOCK
	case PTRACE_SINGLEBLOCK:
#endif
		return 1;
	}
	return 0;
}

static void m_resume(const struct ptrace_multi *e, struct res *p)
{
	unsigned long sig = (unsigned long)e->localaddr;

	p->dirty = 1;
	if (e->request == PTRACE_KILL) {
		p->may_ok = 1;
	} else if (e->request == PTRACE_LISTEN) {
		/* Our seized tracees are in PTRACE_INTERRUPT's event stop. */
		p->may_ok = tr.seized;
		p->errs = tr.seized ? 0 : EB(EIO);
	} else if (sig > 64) {
		p->errs = EB(EIO);
	} else if (takes_sysvm_bits(e->request) && (e->addr & PTRACE_VM_MASK) == 0x4) {
		p->errs = EB(EINVAL);
	} else {
		p->may_ok = 1;
	}
}

static void m_other(const struct ptrace_multi *e, int effect, struct res *p)
{
	const struct oreq *o = find_oreq(e->request);
	unsigned long la = (unsigned long)e->localaddr;
	int ls;

	if (!o) {
		p->errs = EB(EIO);	/* any unknown request */
		return;
	}
	p->dirty = o->dirty;
	switch (o->model) {
	case O_ALWAYS:
		p->may_ok = 1;
		break;
	case O_SEIZED:
		p->may_ok = tr.seized;
		p->errs = tr.seized ? 0 : EB(EIO);
		break;
	case O_SIGMASK:
		if (e->addr != 8) {
			p->errs = EB(EINVAL);
			break;
		}
		/* fall through */
	case O_WRITES:
		if (reach(LOCAL, la, o->size, 1, &ls) >= (unsigned long)o->size && ls)
			p->may_ok = 1;
		else if (ls)
			p->errs = EB(EFAULT);
		else {
			p->may_ok = 1;
			p->errs = EB(EFAULT);
		}
		if (effect != E_NONE)
			sim_unknown(LOCAL, la, o->size);
		break;
	default:
		p->may_ok = 1;
		p->errs = o->errs;
		if (effect != E_NONE)
			sim_unknown_all(LOCAL);
		break;
	}
}

/*
 * The contract of element @e, from the model's state before it runs; then
 * applies to the model what it did (@effect).
 */
static void model(const struct ptrace_multi *e, int effect, struct res *p)
{
	*p = (struct res){ .bytes = -1 };
	switch (e->request) {
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA:
		m_words(e, 0, effect, p);
		break;
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
		m_words(e, 1, effect, p);
		break;
	case PTRACE_PEEKUSR:
		m_user(e, 0, effect, p);
		break;
	case PTRACE_POKEUSR:
		m_user(e, 1, effect, p);
		break;
	case PTRACE_PEEKCHARDATA:
		m_bytes(e, 0, effect, p);
		break;
	case PTRACE_POKECHARDATA:
		m_bytes(e, 1, effect, p);
		break;
	case PTRACE_PEEKSTRINGDATA:
		m_string(e, effect, p);
		break;
	default:
		if (is_resume(e->request))
			m_resume(e, p);
		else
			m_other(e, effect, p);
	}
}

/* Whether a batch may hold @e (at its end if @last). */
static int valid_in_batch(const struct ptrace_multi *e, int last)
{
	if (e->length < 0 || e->length > PTRACE_MULTI_MAX_LENGTH)
		return 0;
	if (is_forbidden(e->request))
		return 0;
	if (takes_length(e->request))
		return 1;
	if (e->length)
		return 0;
	return !is_resume(e->request) || last;
}

/* ------------------------------------------------------------------ */
/* Generating hostile arguments                                        */
/* ------------------------------------------------------------------ */

static unsigned long gen_off(struct rng *r, unsigned long size)
{
	if (percent(r, 60))
		return below(r, size / 8) * 8;
	return below(r, size);
}

static const unsigned long special_addrs[] = {
	0, 8, 4095, 0xfff8, 0xffffffff81000000UL, 0xffff888000000000UL,
	0xffffffffff600000UL, 0xffffffffff600400UL,	/* x86's vsyscall page */
	USER_TOP, USER_TOP - 8, USER_TOP - PAGE,
	0xdead000000000000UL, ~0UL, ~0UL - 7, 0x7fffffffe000UL,
	0x8000000000000000UL, 0x0000800000000000UL,
};

/* Whether @a is anywhere near the arenas or the text targets. */
static int in_arena(unsigned long a)
{
	return a - T_ARENA < (T_PAGES + 1) * PAGE ||
	       a - L_ARENA < (L_PAGES + 1) * PAGE ||
	       a - ((unsigned long)fuzz_text - PAGE) < 5 * PAGE;
}

/*
 * A tracee address; *room is how many bytes from it an element may span
 * (the TEXT page is not followed by a hole: elements stay inside it).
 */
static unsigned long gen_taddr(struct rng *r, unsigned long *room)
{
	static const unsigned int w[] = { 45, 8, 7, 8, 3, 5, 10, 12, 2 };
	static struct region *const *near_end[] = { &rB, &rRO, &rBIG };
	unsigned long a;

	*room = ULONG_MAX;
	switch (PICK(r, w)) {
	case 0:
		return rB->base + gen_off(r, rB->size);
	case 1:
		return rRO->base + gen_off(r, PAGE);
	case 2:
		a = rTEXT->base + gen_off(r, PAGE);
		*room = rTEXT->base + PAGE - a;
		return a;
	case 3:
		return rBIG->base + gen_off(r, rBIG->size);
	case 4:
		return rPN->base + gen_off(r, PAGE);
	case 5:
		return t_holes[below(r, n_t_holes)]->base + gen_off(r, PAGE);
	case 6: {
		struct region *rr = *near_end[below(r, ARRAY_SIZE(near_end))];

		return rr->base + rr->size - between(r, 1, 40);
	}
	case 7:
		return special_addrs[below(r, ARRAY_SIZE(special_addrs))];
	default:
		do
			a = percent(r, 50) ? between(r, 0x10000, USER_TOP - 1) : rnd(r);
		while (in_arena(a));
		return a;
	}
}

/* A tracer address; R (the batch array) only if @allow_r. */
static unsigned long gen_laddr(struct rng *r, int allow_r)
{
	static const unsigned int w[] = { 65, 8, 6, 2, 4, 2, 3, 3, 3, 2, 2 };

	switch (PICK(r, w)) {
	case 0:
		return rL->base + gen_off(r, rL->size);
	case 1:
		return rL->base + rL->size - between(r, 1, 64);
	case 2:
		return rLRO->base + gen_off(r, PAGE);
	case 3:
		return rLRO->base + PAGE - between(r, 1, 64);
	case 4:
		if (allow_r)
			return rR->base + gen_off(r, rR->size);
		return rL->base;
	case 5:
		return rSCR->base + gen_off(r, PAGE);
	case 6:
		return l_holes[below(r, n_l_holes)]->base + gen_off(r, PAGE);
	case 7:
		return below(r, 64);
	case 8:
		return percent(r, 50) ? 0xffffffff81000000UL : 0xffff888000001000UL;
	case 9:
		return 0xdead000000000000UL + below(r, 4096);
	default:
		return special_addrs[below(r, ARRAY_SIZE(special_addrs))];
	}
}

static long gen_words(struct rng *r)
{
	static const long special[] = {
		PTRACE_MULTI_MAX_LENGTH, PTRACE_MULTI_MAX_LENGTH + 1,
		PTRACE_MULTI_MAX_LENGTH - 1, -1, LONG_MIN, LONG_MAX, -8,
	};
	static const unsigned int w[] = { 20, 40, 20, 10, 5, 5 };

	switch (PICK(r, w)) {
	case 0:
		return 0;
	case 1:
		return between(r, 1, 4);
	case 2:
		return between(r, 5, 64);
	case 3:
		return between(r, 65, 1100);
	case 4:
		return special[below(r, ARRAY_SIZE(special))];
	default:
		return rnd(r);
	}
}

static long gen_bytes(struct rng *r)
{
	static const long special[] = {
		PTRACE_MULTI_MAX_LENGTH, PTRACE_MULTI_MAX_LENGTH + 1,
		PTRACE_MULTI_MAX_LENGTH - 1, -1, LONG_MIN, LONG_MAX, 255, 256,
		257, 4095, 4096, 4097,
	};
	static const unsigned int w[] = { 8, 30, 25, 20, 7, 5, 5 };

	switch (PICK(r, w)) {
	case 0:
		return 0;
	case 1:
		return between(r, 1, 32);
	case 2:
		return between(r, 33, 300);
	case 3:
		return between(r, 300, 9000);
	case 4:
		return between(r, 9000, 70000);
	case 5:
		return special[below(r, ARRAY_SIZE(special))];
	default:
		return rnd(r);
	}
}

/* A size argument (GET_SYSCALL_INFO...). */
static unsigned long gen_size(struct rng *r)
{
	static const unsigned long sizes[] = { 0, 1, 7, 8, 16, 24, 32, 88, 128, 4096, ~0UL };

	if (percent(r, 80))
		return sizes[below(r, ARRAY_SIZE(sizes))];
	return rnd(r);
}

/* Scratch structures (iovecs, argument blocks) for the next batch. */
static unsigned long scr_next;

static unsigned long scr_put(const void *p, size_t n)
{
	unsigned long a = rSCR->base + scr_next;

	if (scr_next + n > PAGE) {
		scr_next = 0;
		a = rSCR->base;
	}
	memcpy((void *)a, p, n);
	scr_next += (n + 15) & ~15UL;
	return a;
}

/* An iovec in the scratch page, or a bad pointer. */
static unsigned long gen_iov(struct rng *r, unsigned long base, unsigned long len)
{
	struct iovec iov = { (void *)base, len };
	unsigned long a;

	if (percent(r, 90))
		return scr_put(&iov, sizeof(iov));
	switch (below(r, 4)) {
	case 0:
		return 0;
	case 1:
		return l_holes[0]->base;
	case 2:
		/* Straddling the end of the scratch page. */
		a = rSCR->base + PAGE - 8;
		memcpy((void *)a, &iov, 8);
		return a;
	default:
		return 0xffffffff81000000UL;
	}
}

static void gen_other(struct rng *r, struct ptrace_multi *e)
{
	const struct oreq *o = &oreqs[below(r, ARRAY_SIZE(oreqs))];
	unsigned long data = gen_laddr(r, 0);

	e->request = o->req;
	e->addr = percent(r, 50) ? 0 : rnd(r);
	e->localaddr = (void *)data;
	switch (o->req) {
	case PTRACE_GETSIGMASK:
	case PTRACE_SETSIGMASK:
		e->addr = percent(r, 80) ? 8 : gen_size(r);
		break;
	case PTRACE_GET_SYSCALL_INFO:
	case PTRACE_SET_SYSCALL_INFO:
	case PTRACE_GET_RSEQ_CONFIGURATION:
	case PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG:
	case PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG:
	case PTRACE_SECCOMP_GET_METADATA:
		e->addr = gen_size(r);
		break;
	case PTRACE_PEEKSIGINFO: {
		struct ptrace_peeksiginfo_args a = {
			.off = percent(r, 70) ? below(r, 4) : rnd(r),
			.flags = percent(r, 80) ? below(r, 2) : rnd(r),
			.nr = percent(r, 80) ? (int)below(r, 8) : (int)rnd(r),
		};

		e->addr = percent(r, 85) ? scr_put(&a, sizeof(a)) : gen_laddr(r, 0);
		break;
	}
	case PTRACE_GETREGSET:
	case PTRACE_SETREGSET: {
#if defined(__x86_64__)
		/* PRSTATUS, PRFPREG, X86_XSTATE, 386_TLS, (none: 0x203), X86_SHSTK */
		static const unsigned long types[] = { 1, 2, 0x202, 0x200, 0x203, 0x204 };
#elif defined(__aarch64__)
		/* PRSTATUS, PRFPREG, ARM_TLS, _HW_BREAK, _SYSTEM_CALL, _SVE, _TAGGED_ADDR_CTRL */
		static const unsigned long types[] = { 1, 2, 0x401, 0x402, 0x404, 0x405, 0x409 };
#endif

		e->addr = percent(r, 85) ? types[below(r, ARRAY_SIZE(types))] : rnd(r);
		e->localaddr = (void *)gen_iov(r, gen_laddr(r, 0),
					       percent(r, 70) ? between(r, 0, 1024) : gen_size(r));
		break;
	}
#ifdef PTRACE_OLDSETOPTIONS
	case PTRACE_OLDSETOPTIONS:
#endif
	case PTRACE_SETOPTIONS:
		e->localaddr = (void *)(percent(r, 70) ? (rnd(r) & PTRACE_O_MASK) : rnd(r));
		break;
#ifdef PTRACE_ARCH_PRCTL
	case PTRACE_ARCH_PRCTL:
		e->localaddr = (void *)(percent(r, 80) ? between(r, 0x1001, 0x1004) :
					 between(r, 0x1000, 0x3100));
		e->addr = gen_laddr(r, 0);
		break;
#endif
	case PTRACE_SECCOMP_GET_FILTER:
		e->addr = below(r, 3);
		break;
	}
}

/* A request number the kernel does not know. */
static long gen_unknown_req(struct rng *r)
{
	long req;

	do {
		switch (below(r, 5)) {
		case 0:
			req = below(r, 64);
			break;
		case 1:
			req = between(r, 0x4200, 0x4220);
			break;
		case 2:
			req = between(r, 0x4300, 0x4310);
			break;
		case 3:
			/* A known request in the low bits, junk above them. */
			req = (long)((rnd(r) << 32) | (uint32_t)(percent(r, 50) ?
				PTRACE_MULTI : forbidden_reqs[below(r, ARRAY_SIZE(forbidden_reqs))]));
			break;
		default:
			req = rnd(r);
		}
	} while (known_req(req));
	return req;
}

static void gen_resume(struct rng *r, struct ptrace_multi *e)
{
	static const unsigned long bits[] = {
		0, 1, PTRACE_VM_SKIPEXIT, PTRACE_VM_SKIPCALL, 0x4, 0x5, ~0UL,
		0x100 | PTRACE_VM_SKIPEXIT,
	};

	e->request = resume_reqs[below(r, ARRAY_SIZE(resume_reqs))];
	e->addr = percent(r, 90) ? bits[below(r, ARRAY_SIZE(bits))] : rnd(r);
	e->localaddr = (void *)(percent(r, 70) ? 0 : percent(r, 70) ? between(r, 1, 64) :
				rnd(r));
	e->length = percent(r, 95) ? 0 : gen_words(r);
}

/*
 * One element.  @cheap: for long batches, only small copies.
 */
static void gen_elem(struct rng *r, struct ptrace_multi *e, int cheap)
{
	static const unsigned int w[] = { 30, 24, 5, 3, 16, 4, 4, 3, 3, 2 };
	static const long words[] = {
		PTRACE_PEEKDATA, PTRACE_PEEKTEXT, PTRACE_POKEDATA, PTRACE_POKETEXT,
	};
	static const long bytes[] = {
		PTRACE_PEEKCHARDATA, PTRACE_POKECHARDATA, PTRACE_PEEKSTRINGDATA,
	};
	unsigned long room, unit = 8;
	int k = PICK(r, w);

	memset(e, 0, sizeof(*e));
	if (cheap && k != 4)
		k = percent(r, 50) ? 0 : 1;
	switch (k) {
	case 0:
		e->request = words[below(r, ARRAY_SIZE(words))];
		e->addr = gen_taddr(r, &room);
		e->localaddr = (void *)gen_laddr(r, 1);
		e->length = cheap ? (long)below(r, 3) : gen_words(r);
		/* Each word is a request of its own: keep big copies rare. */
		if (region_at(TRACEE, e->addr) == rBIG && e->length > 4096)
			e->length = 4096;
		break;
	case 1:
		e->request = bytes[below(r, ARRAY_SIZE(bytes))];
		e->addr = gen_taddr(r, &room);
		e->localaddr = (void *)gen_laddr(r, 1);
		e->length = cheap ? (long)below(r, 64) : gen_bytes(r);
		unit = 1;
		break;
	case 2:
		e->request = PTRACE_PEEKUSR;
		e->addr = percent(r, 70) ? below(r, USER_SIZE / 8 + 2) * 8 :
			  percent(r, 50) ? below(r, USER_SIZE + 64) : rnd(r);
		e->localaddr = (void *)gen_laddr(r, 1);
		e->length = percent(r, 70) ? (long)below(r, 4) : gen_words(r);
		return;
	case 3:
		e->request = PTRACE_POKEUSR;
		e->addr = percent(r, 70) ? below(r, USER_SIZE / 8 + 2) * 8 :
			  percent(r, 50) ? below(r, USER_SIZE + 64) : rnd(r);
		e->localaddr = (void *)gen_laddr(r, 0);
		e->length = percent(r, 70) ? (long)below(r, 4) : gen_words(r);
		return;
	case 4:
		gen_other(r, e);
		e->length = percent(r, 97) ? 0 : gen_words(r);
		return;
	case 5:
		e->request = gen_unknown_req(r);
		e->addr = rnd(r);
		e->localaddr = (void *)gen_laddr(r, 0);
		e->length = percent(r, 90) ? 0 : gen_words(r);
		return;
	case 6:
		gen_resume(r, e);
		return;
	case 7:
		e->request = forbidden_reqs[below(r, ARRAY_SIZE(forbidden_reqs))];
		e->addr = below(r, 2) ? rnd(r) : (unsigned long)rR->base;
		e->localaddr = (void *)below(r, 4);
		e->length = percent(r, 80) ? 0 : gen_words(r);
		return;
	default:
		e->request = rnd(r) % 0x4400;
		e->addr = rnd(r);
		e->localaddr = (void *)rnd(r);
		e->length = percent(r, 50) ? 0 : (long)rnd(r);
		/* Random numbers must not make a random copy in the tracer. */
		if (takes_length(e->request) || !known_req(e->request))
			e->request = gen_unknown_req(r);
		return;
	}
	/* The TEXT page is followed by code, not by a hole: stay inside. */
	if (room != ULONG_MAX && e->length > 0 &&
	    (unsigned long)e->length > room / unit) {
		e->length = room / unit;
		if (e->length == 0 && unit == 8)
			e->addr -= 8;
	}
	if (room != ULONG_MAX && unit == 8 && e->length == 0 && room < 8)
		e->addr -= 8;
}

/* ------------------------------------------------------------------ */
/* PTRACE_MULTI batches                                                */
/* ------------------------------------------------------------------ */

#define BATCH_MAX	(PTRACE_MULTI_MAX + 2)

enum { RQ_R, RQ_RRO, RQ_BAD };

struct batch {
	struct ptrace_multi e[BATCH_MAX];
	unsigned long count;	/* what the call is given */
	unsigned long n;	/* elements generated */
	pid_t pid;
	int to_tracee;
	unsigned long reqs;
	int reqs_kind;
	unsigned long readable;	/* elements the kernel can read at reqs */
};

static struct batch cur;
static struct ptrace_multi back[BATCH_MAX];
/* Other processes for the pid argument: not traced by us. */
static pid_t bystander, zombie;

static void describe_elem(const struct ptrace_multi *e, unsigned long i,
			  char *buf, size_t n)
{
	char a[64], l[64], q[32];

	snprintf(buf, n, "[%lu] {%s, %s, %s, %ld}", i, req_name(e->request, q, sizeof(q)),
		 takes_length(e->request) && e->request != PTRACE_PEEKUSR &&
		 e->request != PTRACE_POKEUSR ?
		 where(TRACEE, e->addr, a, sizeof(a)) :
		 (snprintf(a, sizeof(a), "%#lx", (unsigned long)e->addr), a),
		 where(LOCAL, (unsigned long)e->localaddr, l, sizeof(l)), e->length);
}

static void describe_batch(const struct batch *b, long ret, int err)
{
	char buf[256], rq[64];
	unsigned long from = 0, to = b->n;

	KTAP_DIAG("  batch: pid %d%s, reqs %s, count %lu; returned %ld (%s)", b->pid,
		  b->to_tracee ? " (the tracee)" : "",
		  where(LOCAL, b->reqs, rq, sizeof(rq)), b->count, ret,
		  ret < 0 ? ename(err) : "-");
	if (ret >= 0 && to > 12) {
		from = ret > 6 ? ret - 6 : 0;
		to = (unsigned long)ret + 3 < to ? (unsigned long)ret + 3 : to;
	} else if (to > 12) {
		to = 12;
	}
	for (unsigned long i = from; i < to; i++) {
		describe_elem(&b->e[i], i, buf, sizeof(buf));
		KTAP_DIAG("    %s", buf);
	}
}

static void trace_batch(const struct batch *b)
{
	char buf[256];

	if (!fuzz_trace)
		return;
	for (unsigned long i = 0; i < b->n && i < 64; i++) {
		describe_elem(&b->e[i], i, buf, sizeof(buf));
		kmsg("  %s", buf);
	}
}

static unsigned long gen_count(struct rng *r)
{
	static const unsigned long huge[] = {
		PTRACE_MULTI_MAX + 1, 2048, 0xffffffffUL, ~0UL, 1UL << 32, 1UL << 63,
	};
	static const unsigned int w[] = { 4, 22, 30, 25, 10, 4, 3, 2 };

	switch (PICK(r, w)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return between(r, 2, 4);
	case 3:
		return between(r, 5, 16);
	case 4:
		return between(r, 17, 64);
	case 5:
		return between(r, 65, 300);
	case 6:
		return between(r, PTRACE_MULTI_MAX - 4, BATCH_MAX);
	default:
		return huge[below(r, ARRAY_SIZE(huge))];
	}
}

static pid_t gen_pid(struct rng *r, int *to_tracee)
{
	static const unsigned int w[] = { 92, 1, 1, 1, 1, 1, 1, 1, 1 };

	*to_tracee = 0;
	switch (PICK(r, w)) {
	case 0:
		*to_tracee = 1;
		return tr.pid;
	case 1:
		return 0;
	case 2:
		return -1;
	case 3:
		return 1;
	case 4:
		return getpid();
	case 5:
		return bystander;
	case 6:
		return zombie;
	case 7:
		return INT_MAX;
	default:
		return INT_MIN;
	}
}

/* Writes the batch where the call will read it. */
static void place_batch(struct rng *r, struct batch *b)
{
	static const unsigned int w[] = { 84, 3, 3, 3, 2, 5 };
	unsigned long size = b->n * sizeof(struct ptrace_multi), k;

	b->reqs_kind = RQ_R;
	b->readable = rR->size / sizeof(struct ptrace_multi);
	switch (PICK(r, w)) {
	case 0:
		b->reqs = rR->base;
		break;
	case 1:
		b->reqs = rR->base + between(r, 1, 7);
		break;
	case 2:
		/* The last k elements lie in the hole after R. */
		k = below(r, b->n + 1);
		b->reqs = rR->base + rR->size - (b->n - k) * sizeof(struct ptrace_multi);
		b->readable = b->n - k;
		break;
	case 3:
		b->reqs = 0;
		b->reqs_kind = RQ_BAD;
		b->readable = 0;
		break;
	case 4:
		b->reqs = percent(r, 50) ? 0xffffffff81000000UL : 0xdead000000000000UL;
		b->reqs_kind = RQ_BAD;
		b->readable = 0;
		break;
	default:
		b->reqs = rRRO->base;
		b->reqs_kind = RQ_RRO;
		b->readable = rRRO->size / sizeof(struct ptrace_multi);
		break;
	}
	if (b->reqs_kind == RQ_BAD)
		return;
	if (size > b->readable * sizeof(struct ptrace_multi))
		size = b->readable * sizeof(struct ptrace_multi);
	if (b->reqs_kind == RQ_RRO)
		mprotect((void *)rRRO->base, rRRO->size, PROT_READ | PROT_WRITE);
	memcpy((void *)b->reqs, b->e, size);
	if (b->reqs_kind == RQ_RRO)
		mprotect((void *)rRRO->base, rRRO->size, PROT_READ);
}

static void gen_batch(struct rng *r, struct batch *b)
{
	int cheap;

	b->count = gen_count(r);
	b->n = b->count < BATCH_MAX ? b->count : percent(r, 50) ? BATCH_MAX : 4;
	cheap = b->n > 64;
	scr_next = 0;
	for (unsigned long i = 0; i < b->n; i++)
		gen_elem(r, &b->e[i], cheap);
	/* Now and then, a resume at the end, as the ABI allows. */
	if (b->n && b->n == b->count && percent(r, 6))
		gen_resume(r, &b->e[b->n - 1]);
	b->pid = gen_pid(r, &b->to_tracee);
	place_batch(r, b);
}

/*
 * Checks a batch's outcome against the model (which it updates).  Returns
 * whether the tracee must be replaced (it ran, died, or was changed).
 */
/*
 * PTRACE_MULTI, in the terms the checks below use: the number of elements
 * that took effect (ptrace_multi_done()).  With @check_mark, a marked
 * element's mark must be the call's errno (not when another thread
 * rewrites the array meanwhile).
 */
static long multi_done(pid_t pid, unsigned long reqs, unsigned long count, int check_mark)
{
	long mark, ret = ptrace_multi_done(pid, reqs, count, BATCH_MAX, &mark);
	int err = errno;

	if (ret == LONG_MAX)
		FAIL("PTRACE_MULTI returned %ld: neither 0 nor -1", mark);
	else if (check_mark && ret >= 0 && (unsigned long)ret < count && mark != -err)
		FAIL("PTRACE_MULTI failed with %s, element %ld marked %ld", ename(err), ret,
		     mark);
	errno = err;
	return ret;
}

static int check_batch(struct batch *b, long ret, int err)
{
	char s1[128];
	unsigned long bad_at = ULONG_MAX;
	int invalid = 0, replace = 0, touched_r = 0, ok = 1;
	errset want = 0;

	for (unsigned long i = 0; i < b->n && i < b->readable; i++)
		if (!valid_in_batch(&b->e[i], i == b->count - 1))
			invalid = 1;
	if (!b->to_tracee)
		want = EB(ESRCH);
	else if (b->count > PTRACE_MULTI_MAX)
		want = EB(EINVAL);
	else if (b->count == 0)
		want = 0;
	else if (b->readable < b->count)
		want = EB(EFAULT) | (invalid ? EB(EINVAL) : 0);
	else if (invalid)
		want = EB(EINVAL);
	else
		goto run;
	if (want ? ret != -1 || !in_set(want, err) : ret != 0) {
		FAIL("PTRACE_MULTI returned %ld (%s), wanted %s", ret,
		     ret < 0 ? ename(err) : "-", want ? set_str(want, s1, sizeof(s1)) : "0");
		describe_batch(b, ret, err);
	}
	return 0;
run:
	if (b->reqs_kind == RQ_R)
		memcpy(back, (void *)b->reqs, b->n * sizeof(struct ptrace_multi));
	if (ret == -1) {
		/*
		 * Having read the batch, it fails unmarked only if the mark of
		 * the failed element could not be stored (read-only array).
		 */
		if (b->reqs_kind != RQ_RRO) {
			FAIL("PTRACE_MULTI failed: %s", ename(err));
			describe_batch(b, ret, err);
			sim_unknown_all(LOCAL);
			sim_unknown_all(TRACEE);
			return 1;
		}
	} else if (ret < 0 || (unsigned long)ret > b->count) {
		FAIL("PTRACE_MULTI returned %ld for %lu elements", ret, b->count);
		describe_batch(b, ret, err);
		sim_unknown_all(LOCAL);
		sim_unknown_all(TRACEE);
		return 1;
	}
	for (unsigned long i = 0; i < b->count; i++) {
		const struct ptrace_multi *e = &b->e[i];
		int fails = ret >= 0 && i == (unsigned long)ret;
		struct res p;
		char buf[256];

		if (ret >= 0 && i > (unsigned long)ret)
			break;
		if (ret == -1) {
			/* Read-only batch, and an element failed: which one? */
			model(e, E_NONE, &p);
			if (p.errs && p.may_ok) {
				sim_unknown_all(LOCAL);
				sim_unknown_all(TRACEE);
				replace = 1;
				break;
			}
			if (!p.may_ok) {
				model(e, E_FAILED, &p);
				replace |= p.dirty;
				bad_at = i;
				if (!in_set(p.errs, err)) {
					describe_elem(e, i, buf, sizeof(buf));
					FAIL("element %s failed unmarked with %s, wanted %s", buf,
					     ename(err), set_str(p.errs, s1, sizeof(s1)));
					ok = 0;
				}
				break;
			}
			model(e, E_OK, &p);
			replace |= p.dirty;
			continue;
		}
		model(e, fails ? E_FAILED : E_OK, &p);
		replace |= p.dirty || (is_resume(e->request) && !fails);
		if ((unsigned long)e->localaddr - rR->base < rR->size + 16)
			touched_r = 1;
		if (!fails && !p.may_ok) {
			describe_elem(e, i, buf, sizeof(buf));
			FAIL("element %s succeeded, the contract says it fails with %s",
			     buf, set_str(p.errs, s1, sizeof(s1)));
			ok = 0;
		} else if (fails) {
			long v = b->reqs_kind == RQ_R ? back[i].length : 0;

			describe_elem(e, i, buf, sizeof(buf));
			if (b->reqs_kind == RQ_R && (v >= 0 || !in_set(p.errs, -v))) {
				FAIL("element %s failed with %ld (%s), wanted %s", buf, v,
				     ename(-v), set_str(p.errs, s1, sizeof(s1)));
				ok = 0;
			}
		}
	}
	if (ret == -1 && bad_at == ULONG_MAX && !replace) {
		FAIL("PTRACE_MULTI failed with EFAULT, but every element should succeed");
		ok = 0;
	}
	/*
	 * The kernel writes nothing in the batch but the failed element's
	 * length, and the bytes copied into the length of each CHARDATA
	 * element that succeeded: the length asked for, or for a string up to
	 * its NUL, no more.
	 */
	if (b->reqs_kind == RQ_R && !touched_r) {
		for (unsigned long i = 0; i < b->n; i++) {
			struct ptrace_multi x = b->e[i];

			if (ret >= 0 && i == (unsigned long)ret)
				x.length = back[i].length;
			if (ret >= 0 && i < (unsigned long)ret &&
			    x.request == PTRACE_PEEKSTRINGDATA &&
			    back[i].length >= 0 && back[i].length <= x.length)
				x.length = back[i].length;
			if (memcmp(&x, &back[i], sizeof(x))) {
				FAIL("the kernel changed element %lu of the batch array", i);
				ok = 0;
				break;
			}
		}
	}
	if (!ok)
		describe_batch(b, ret, err);
	return replace;
}

/* Runs one generated batch and checks it.  Returns whether to replace the tracee. */
static int run_batch(struct batch *b)
{
	char rq[64];
	long ret;
	int err, replace, last_resume;

	note("PTRACE_MULTI pid %d reqs %s count %lu (tracee %d)", b->pid,
	     where(LOCAL, b->reqs, rq, sizeof(rq)), b->count, tr.pid);
	trace_batch(b);
	errno = 0;
	ret = multi_done(b->pid, b->reqs, b->count, 1);
	err = errno;
	replace = check_batch(b, ret, err);
	last_resume = b->to_tracee && b->count && b->count <= b->n &&
		      ret == (long)b->count && is_resume(b->e[b->count - 1].request);
	verify_memory(last_resume);
	if (!last_resume && !replace && tr.pid)
		expect_still_stopped();
	return replace || last_resume;
}

static void make_bystanders(void)
{
	siginfo_t si;

	bystander = fork();
	if (bystander == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	waitid(P_PID, zombie, &si, WEXITED | WNOWAIT);
}

static void end_bystanders(void)
{
	kill_reap(bystander, 5000);
	waitpid(zombie, NULL, 0);
}

static int new_tracee(struct rng *r)
{
	tracee_end();
	return tracee_start(percent(r, 25), 0);
}

static void multi_random_batches(struct rng *r)
{
	local_resync();
	make_bystanders();
	for (unsigned long i = 0; i < fuzz_iters && case_failures < MAX_FAILURES; i++) {
		begin_iter(i);
		if ((!tr.pid || i % 200 == 0) && new_tracee(r))
			break;
		gen_batch(r, &cur);
		if (run_batch(&cur))
			tracee_end();
	}
	tracee_end();
	end_bystanders();
}

/* PEEKCHARDATA, POKECHARDATA, PEEKSTRINGDATA made alone, with an iovec. */
static void chardata_alone(struct rng *r)
{
	static const long reqs[] = {
		PTRACE_PEEKCHARDATA, PTRACE_POKECHARDATA, PTRACE_PEEKSTRINGDATA,
	};
	char buf[256], s1[128];

	local_resync();
	make_bystanders();
	for (unsigned long i = 0; i < fuzz_iters && case_failures < MAX_FAILURES; i++) {
		struct ptrace_multi e = { 0 };
		unsigned long room, iov, len;
		int to_tracee, err, iov_ok;
		struct res p;
		pid_t pid;
		long ret;

		begin_iter(i);
		if ((!tr.pid || i % 200 == 0) && new_tracee(r))
			break;
		scr_next = 0;
		e.request = reqs[below(r, ARRAY_SIZE(reqs))];
		e.addr = gen_taddr(r, &room);
		e.localaddr = (void *)gen_laddr(r, 1);
		len = percent(r, 95) ? (unsigned long)gen_bytes(r) :
		      percent(r, 50) ? (1UL << 63) + below(r, 16) : ~0UL - below(r, 16);
		if (room != ULONG_MAX && len > room)
			len = room;
		e.length = len;
		iov = gen_iov(r, (unsigned long)e.localaddr, len);
		iov_ok = iov - rSCR->base <= PAGE - sizeof(struct iovec);
		pid = gen_pid(r, &to_tracee);
		describe_elem(&e, 0, buf, sizeof(buf));
		note("alone %s pid %d iov %#lx", buf, pid, iov);
		errno = 0;
		ret = pt(e.request, pid, e.addr, iov);
		err = errno;
		if (!to_tracee) {
			EXPECT(ret == -1 && err == ESRCH, "%s on pid %d: %ld (%s)", buf, pid,
			       ret, ename(err));
		} else if (!iov_ok) {
			EXPECT(ret == -1 && err == EFAULT, "%s with iovec at %#lx: %ld (%s)",
			       buf, iov, ret, ename(err));
		} else if (len > PTRACE_MULTI_MAX_LENGTH) {
			EXPECT(ret == -1 && err == EINVAL, "%s: %ld (%s)", buf, ret, ename(err));
		} else {
			model(&e, ret == -1 ? E_FAILED : E_OK, &p);
			if (ret == -1)
				EXPECT(in_set(p.errs, err), "%s failed with %s, wanted %s", buf,
				       ename(err), set_str(p.errs, s1, sizeof(s1)));
			else if (!p.may_ok)
				FAIL("%s returned %ld, the contract says it fails with %s", buf,
				     ret, set_str(p.errs, s1, sizeof(s1)));
			else
				EXPECT(p.bytes < 0 || ret == p.bytes,
				       "%s returned %ld, copied %ld bytes", buf, ret, p.bytes);
			if (p.dirty) {
				verify_memory(0);
				tracee_end();
				continue;
			}
		}
		verify_memory(0);
		if (tr.pid)
			expect_still_stopped();
	}
	tracee_end();
	end_bystanders();
}

/* ------------------------------------------------------------------ */
/* The batch array changing under the call                             */
/* ------------------------------------------------------------------ */

struct racer {
	volatile int stop;
	volatile unsigned long flips;
	volatile pid_t tracee;
	volatile int kill_it;		/* SIGKILL the tracee, once */
	volatile long bad_ret;		/* a non-tracer thread's PTRACE_MULTI */
	volatile int bad_err;
	uint64_t seed;
};

static struct racer race;

/* Elements the racing thread swaps into the batch while it runs. */
static void hostile_elem(struct rng *r, struct ptrace_multi *e)
{
	switch (below(r, 5)) {
	case 0:	/* nested: would run this very batch again */
		*e = (struct ptrace_multi){ PTRACE_MULTI, rR->base, (void *)8, 0 };
		break;
	case 1:
		*e = (struct ptrace_multi){ PTRACE_DETACH, 0, 0, 0 };
		break;
	case 2:	/* a resume in the middle */
		*e = (struct ptrace_multi){ PTRACE_CONT, 0, 0, 0 };
		break;
	case 3:
		*e = (struct ptrace_multi){ PTRACE_PEEKDATA, rB->base, (void *)rL->base, -1 };
		break;
	default:
		*e = (struct ptrace_multi){ PTRACE_ATTACH, 0, 0, 0 };
	}
}

static void *racer_main(void *arg)
{
	struct rng r = { race.seed };
	struct ptrace_multi *reqs = (struct ptrace_multi *)rR->base;

	(void)arg;
	while (!race.stop) {
		unsigned long k = between(&r, 2, 5);

		if (percent(&r, 50))
			hostile_elem(&r, &reqs[k]);
		else
			reqs[k] = (struct ptrace_multi){ PTRACE_PEEKDATA, rB->base,
							 (void *)(rL->base + 8 * k), 0 };
		if (percent(&r, 2)) {
			/* The elements' buffer vanishes for a moment. */
			mprotect((void *)rL->base, PAGE, PROT_NONE);
			sched_yield();
			mprotect((void *)rL->base, PAGE, PROT_READ | PROT_WRITE);
		}
		if (percent(&r, 1)) {
			/* Only the tracer's own thread may trace. */
			long ret = syscall(SYS_ptrace, PTRACE_MULTI, race.tracee, rR->base, 0);

			race.bad_err = errno;
			__sync_synchronize();
			race.bad_ret = ret;
		}
		if (race.kill_it && race.tracee) {
			race.kill_it = 0;
			kill(race.tracee, SIGKILL);
		}
		race.flips++;
	}
	return NULL;
}

/*
 * A second thread rewrites the batch while PTRACE_MULTI runs: between
 * valid elements and ones a batch may not hold (nested PTRACE_MULTI,
 * PTRACE_DETACH, a resume in the middle), makes the elements' buffer
 * vanish, kills the tracee now and then.  The batch is validated as a whole: either it
 * all runs or nothing does, and nothing refused ever runs (the tracee
 * stays traced and stopped).
 */
static void racing_batch_array(struct rng *r)
{
	struct ptrace_multi *reqs = (struct ptrace_multi *)rR->base;
	pthread_t th;

	race.seed = rnd(r);
	for (int k = 0; k < 8; k++)
		reqs[k] = (struct ptrace_multi){ PTRACE_PEEKDATA, rB->base,
						 (void *)(rL->base + 8 * k), 0 };
	if (tracee_start(0, 0))
		return;
	race.tracee = tr.pid;
	race.bad_ret = 0;
	if (pthread_create(&th, NULL, racer_main, NULL)) {
		FAIL("pthread_create: %s", strerror(errno));
		return;
	}
	for (unsigned long i = 0; i < fuzz_iters && case_failures < MAX_FAILURES; i++) {
		int killed = 0, err;
		long ret;

		begin_iter(i);
		if (!tr.pid) {
			if (tracee_start(0, 0))
				break;
			race.tracee = tr.pid;
		}
		if (percent(r, 2)) {
			race.kill_it = 1;
			killed = 1;
		}
		note("PTRACE_MULTI of a changing batch on %d", tr.pid);
		for (int k = 0; k < 5; k++) {
			errno = 0;
			ret = multi_done(tr.pid, rR->base, 8, 0);
			err = errno;
			if (ret == 8 || (ret == -1 && (err == EINVAL || err == EFAULT)))
				continue;
			if (killed && ret == -1 && err == ESRCH)
				break;
			/*
			 * An element failed: only the vanished buffer explains it
			 * (the racer may have rewritten elements 2 to 5 since).
			 */
			if (ret >= 0 && ret < 8 &&
			    (reqs[ret].length == -EFAULT || (ret >= 2 && ret <= 5)))
				continue;
			FAIL("PTRACE_MULTI of a changing batch: %ld (%s)%s", ret, ename(err),
			     killed ? ", the tracee being killed" : "");
			break;
		}
		ret = race.bad_ret;
		__sync_synchronize();
		if (ret != 0 && !(ret == -1 && race.bad_err == ESRCH)) {
			FAIL("PTRACE_MULTI from a thread that does not trace: %ld (%s)",
			     ret, ename(race.bad_err));
			race.bad_ret = 0;
		}
		if (killed) {
			race.kill_it = 0;
			tracee_end();
			race.tracee = 0;
			continue;
		}
		expect_still_stopped();
	}
	race.stop = 1;
	pthread_join(th, NULL);
	note("%lu rewrites of the batch", race.flips);
	tracee_end();
}

/* ------------------------------------------------------------------ */
/* Batches that resume the tracee, with engines on it                  */
/* ------------------------------------------------------------------ */

/* Whether @err is an errno element @e may fail with (whatever its arguments). */
static int elem_err_ok(const struct ptrace_multi *e, long err)
{
	const struct oreq *o = find_oreq(e->request);
	errset s = EBASE | EB(ESRCH) | (o ? o->errs : 0);

	if (e->request == PTRACE_POKEUSR)
		s |= EB(ENOSPC) | EB(EBUSY);
	return in_set(s, err);
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	return fd;
}

/*
 * The tracee runs between stops here, making syscalls that test engines,
 * an strace engine and a VM engine act on, while batches end with every
 * kind of resume (and PTRACE_SYSVM's bits).  Checked: clean errnos, a
 * tracee in a ptrace stop stays in it whatever is done to its engines,
 * and SIGKILL always ends it.
 */
static void resume_under_engines(struct rng *r)
{
	static const unsigned int w[] = { 14, 5, 6, 5, 2, 36, 16, 5, 2, 6 };
	static const long nrs[] = {
		-1, SYS_getppid, SYS_getpid, SYS_gettid, SYS_tgkill,
		SYS_rt_sigprocmask, SYS_sched_yield, SYS_getuid,
	};
	int tfd = open_dev("/dev/utrace-test"), ufd = open_dev("/dev/utrace");
	int stopped = 1, running_for = 0, tslots = 0;

	local_resync();
	if (tracee_start(percent(r, 30), 1))
		return;
	for (unsigned long i = 0; i < fuzz_iters && case_failures < MAX_FAILURES; i++) {
		struct batch *b = &cur;
		int status, err;
		long ret;

		begin_iter(i);
		if (!tr.pid) {
			if (tracee_start(percent(r, 30), 1))
				break;
			stopped = 1;
			running_for = 0;
		}
		switch (PICK(r, w)) {
		case 0: {	/* a test engine on the tracee */
			struct utrace_test_attach a = {
				.pid = tr.pid, .kind = below(r, 6),
				.events = below(r, 4) << 6 | (percent(r, 30) ? 4 : 0),
				.id = between(r, 1, 4), .nr = nrs[below(r, ARRAY_SIZE(nrs))],
				.arg = below(r, 6), .flags = below(r, 2),
				.value = percent(r, 50) ? 0 : (long)rnd(r),
			};

			note("test engine kind %u nr %lld on the tracee", a.kind, (long long)a.nr);
			ret = ioctl(tfd, UTRACE_TEST_ATTACH, &a);
			err = errno;
			if (ret >= 0)
				tslots = ret + 1;
			else
				EXPECT(err == ESRCH || err == EEXIST || err == ENOSPC,
				       "attach: %s", ename(err));
			break;
		}
		case 1:		/* detach one */
			note("test detach");
			ret = ioctl(tfd, UTRACE_TEST_DETACH, below(r, tslots + 2));
			EXPECT(ret == 0 || errno == ESRCH || errno == EINVAL, "detach: %s",
			       ename(errno));
			break;
		case 2:		/* release an engine stop */
			note("test resume");
#ifdef UTRACE_TEST_RESUME_REPORT
			if (percent(r, 50)) {
				ret = ioctl(tfd, UTRACE_TEST_RESUME_REPORT, below(r, tslots + 2));
				EXPECT(ret == 0 || errno == ESRCH || errno == EINVAL,
				       "resume and report: %s", ename(errno));
				break;
			}
#endif
			ret = ioctl(tfd, UTRACE_TEST_RESUME, below(r, tslots + 2));
			EXPECT(ret == 0 || errno == ESRCH || errno == EINVAL, "resume: %s",
			       ename(errno));
			break;
		case 3: {	/* strace or VM engine */
			static const char *const rules[] = {
				"return getppid 7", "return tgkill 0; return getpid 1",
				"uname nodename fuzz", "return sched_yield -38",
			};
			const char *text = rules[below(r, ARRAY_SIZE(rules))];
			struct utrace_vm_attach v = {
				.pid = tr.pid, .rules_len = strlen(text),
				.rules = (unsigned long)text, .flags = below(r, 2),
			};
			struct utrace_strace_attach s = { .pid = tr.pid, .flags = below(r, 2) };

			note("strace/VM engine on the tracee");
			ret = percent(r, 50) ? ioctl(ufd, UTRACE_ATTACH_VM, &v) :
			      ioctl(ufd, UTRACE_ATTACH_STRACE, &s);
			EXPECT(ret >= 0 || errno == ESRCH || errno == ENOSPC, "attach: %s",
			       ename(errno));
			break;
		}
		case 4:		/* close the files: everything detached */
			note("close the device files");
			close(tfd);
			close(ufd);
			tfd = open_dev("/dev/utrace-test");
			ufd = open_dev("/dev/utrace");
			tslots = 0;
			break;
		case 5:		/* a batch, ending with a resume now and then */
			if (!stopped) {
				note("PTRACE_MULTI on the running tracee");
				ret = pt(PTRACE_MULTI, tr.pid, rR->base, 0);
				EXPECT(ret == 0 || errno == ESRCH, "count 0: %ld (%s)", ret,
				       ename(errno));
				break;
			}
			scr_next = 0;
			b->count = b->n = between(r, 1, 12);
			for (unsigned long k = 0; k < b->n; k++)
				gen_elem(r, &b->e[k], 0);
			if (percent(r, 60)) {
				struct ptrace_multi *e = &b->e[b->n - 1];
				static const long go[] = {
					PTRACE_SYSCALL, PTRACE_SYSCALL, PTRACE_SYSCALL, PTRACE_CONT,
					PTRACE_SINGLESTEP, PTRACE_SYSEMU, PTRACE_SYSEMU_SINGLESTEP,
#ifdef PTRACE_SINGLEBLOCK
					PTRACE_SINGLEBLOCK,
#endif
					PTRACE_LISTEN,
				};
				static const unsigned long bits[] = {
					0, 1, PTRACE_VM_SKIPEXIT, PTRACE_VM_SKIPCALL, 4,
				};

				gen_resume(r, e);
				e->request = go[below(r, ARRAY_SIZE(go))];
				e->addr = bits[below(r, ARRAY_SIZE(bits))];
				e->localaddr = (void *)(percent(r, 90) ? 0UL : below(r, 40));
				e->length = 0;
			}
			b->pid = tr.pid;
			b->to_tracee = 1;
			b->reqs = rR->base;
			b->reqs_kind = RQ_R;
			b->readable = b->n;
			memcpy((void *)b->reqs, b->e, b->n * sizeof(b->e[0]));
			note("PTRACE_MULTI on the stopped tracee, %lu elements", b->n);
			trace_batch(b);
			errno = 0;
			ret = multi_done(tr.pid, b->reqs, b->count, 1);
			err = errno;
			if (ret == -1) {
				EXPECT(err == EINVAL, "the stopped tracee: PTRACE_MULTI %s", ename(err));
				if (err != EINVAL)
					describe_batch(b, ret, err);
			} else if (ret > (long)b->count) {
				FAIL("PTRACE_MULTI returned %ld of %lu", ret, b->count);
			} else if (ret < (long)b->count) {
				long v = ((struct ptrace_multi *)b->reqs)[ret].length;

				if (!elem_err_ok(&b->e[ret], -v)) {
					FAIL("element %ld failed with %ld (%s)", ret, v, ename(-v));
					describe_batch(b, ret, err);
				}
			} else if (is_resume(b->e[b->n - 1].request)) {
				stopped = 0;
				running_for = 0;
			}
			break;
		case 6:		/* wait for the next stop */
			if (stopped)
				break;
			note("waiting for the tracee");
			if (wait_for(tr.pid, &status, 0, 100) == tr.pid) {
				if (WIFSTOPPED(status)) {
					stopped = 1;
				} else {
					tr.pid = 0;
					continue;
				}
			} else if (++running_for > 20) {
				if (tr.seized && pt(PTRACE_INTERRUPT, tr.pid, 0, 0) == 0)
					break;
				tracee_end();
			}
			break;
		case 7:		/* PTRACE_INTERRUPT */
			note("PTRACE_INTERRUPT");
			ret = pt(PTRACE_INTERRUPT, tr.pid, 0, 0);
			EXPECT(tr.seized ? ret == 0 : ret == -1 && errno == EIO,
			       "PTRACE_INTERRUPT: %ld (%s)", ret, ename(errno));
			break;
		case 8:
			note("kill the tracee");
			tracee_end();
			break;
		default:	/* a stopped tracee is in its stop */
			if (!stopped)
				break;
			note("probe the stopped tracee");
			ret = pt(PTRACE_SYSVM, tr.pid, 0, 0);
			EXPECT(ret == PTRACE_VM_MASK, "PTRACE_SYSVM on the stopped tracee: %ld (%s)",
			       ret, ename(errno));
			EXPECT(waitpid(tr.pid, &status, WNOHANG | __WALL) == 0,
			       "the stopped tracee changed state: %#x", status);
			break;
		}
	}
	close(tfd);
	close(ufd);
	tracee_end();
}

/* ------------------------------------------------------------------ */
/* Control calls                                                       */
/* ------------------------------------------------------------------ */

enum tgt {
	TG_SELF0, TG_SELF, TG_VICTIM, TG_FORKER, TG_INIT, TG_MAIN, TG_KTHREAD,
	TG_ZOMBIE, TG_GONE, TG_NEG, TG_HUGE, TG_N,
};

static const char *const tgt_names[] = {
	"pid 0", "own pid", "victim", "forker", "init", "the test's main process",
	"kthreadd", "a zombie", "a reaped pid", "a negative pid", "a huge pid",
};

static pid_t victim, forker, gone_pid, main_pid;
static int unprivileged;
/*
 * The last spawn_victim()'s child was killed before it ran: a VM engine
 * following us could not follow it (a file at its UTRACE_SET_MAX_ENGINES).
 */
static int stillborn;
/* How it died: SIGKILL, as the VM engine kills it. */
static int stillborn_killed;
/* The victim is such a child: attaches to it find it dead. */
static int victim_dead;
static uid_t my_uid;

static pid_t spawn_victim(int fork_loop)
{
	unsigned long started = sh->victims_started;
	siginfo_t si;
	pid_t pid;

	fflush(stdout);
	stillborn = 0;
	pid = fork();
	if (pid) {
		/*
		 * Not before the child is past fork(), nor before it has closed
		 * our device files: an engine attached to it earlier sees fork's
		 * exit in the child, and one that sets the result would make it
		 * return as the parent, a second fuzzer; and a file it still
		 * holds is not released when we close it, nor its engines
		 * detached.
		 */
		for (long end = now_ms() + 10000; pid > 0 &&
		     sh->victims_started == started && now_ms() < end;) {
			/* Dead before it started; left to our waitpid(). */
			si.si_pid = 0;
			if (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
			    si.si_pid == pid) {
				stillborn = sh->victims_started == started;
				stillborn_killed = si.si_code == CLD_KILLED &&
						   si.si_status == SIGKILL;
				break;
			}
			sched_yield();
		}
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Holding our device files would keep their engines attached. */
	close_range(3, ~0U, 0);
	__atomic_add_fetch(&sh->victims_started, 1, __ATOMIC_SEQ_CST);
	if (fork_loop) {
		for (;;) {
			pid_t c = fork();

			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
			sh->forker_loops++;
		}
	}
	for (;;) {
		sh->victim_uid = syscall(SYS_getuid);
		sh->victim_loops++;
		sched_yield();
	}
}

static void ctl_setup(void)
{
	siginfo_t si;

	my_uid = getuid();
	main_pid = getppid();
	victim_dead = 0;
	victim = spawn_victim(0);
	forker = spawn_victim(1);
	gone_pid = fork();
	if (gone_pid == 0)
		_exit(0);
	waitpid(gone_pid, NULL, 0);
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	waitid(P_PID, zombie, &si, WEXITED | WNOWAIT);
}

static void ctl_teardown(void)
{
	kill_reap(victim, 5000);
	kill_reap(forker, 5000);
	waitpid(zombie, NULL, 0);
}

static int gen_tgt(struct rng *r)
{
	static const unsigned int w[] = { 12, 10, 22, 12, 4, 4, 3, 3, 3, 3, 3 };

	return PICK(r, w);
}

static pid_t tgt_pid(struct rng *r, int t)
{
	switch (t) {
	case TG_SELF0:
		return 0;
	case TG_SELF:
		return getpid();
	case TG_VICTIM:
		return victim;
	case TG_FORKER:
		return forker;
	case TG_INIT:
		return 1;
	case TG_MAIN:
		return main_pid;
	case TG_KTHREAD:
		return 2;
	case TG_ZOMBIE:
		return zombie;
	case TG_GONE:
		return kill(gone_pid, 0) && errno == ESRCH ? gone_pid : 4194305;
	case TG_NEG:
		return percent(r, 50) ? -1 : INT_MIN + (int)below(r, 1000);
	default:
		return percent(r, 50) ? INT_MAX : 4194305 + (int)below(r, 1000000);
	}
}

/* The errnos an attach to @t must fail with, from the target alone. */
static errset tgt_errs(int t)
{
	switch (t) {
	case TG_INIT:
	case TG_MAIN:
	case TG_KTHREAD:
		return t == TG_KTHREAD || unprivileged ? EB(EPERM) : 0;
	case TG_VICTIM:
		return victim_dead ? EB(ESRCH) | (unprivileged ? EB(EPERM) : 0) : 0;
	case TG_ZOMBIE:
		return EB(ESRCH) | (unprivileged ? EB(EPERM) : 0);
	case TG_GONE:
	case TG_HUGE:
		return EB(ESRCH);
	case TG_NEG:
		return EB(EINVAL);
	}
	return 0;
}

/* The task a target names, for exclusivity (pid 0 and our pid are one). */
static int tgt_task(int t)
{
	return t == TG_SELF0 ? TG_SELF : t;
}

enum { P_OK, P_RO, P_BAD };

static unsigned long l_next;

/* Puts @n bytes of @src somewhere an ioctl will read them: *kind says where. */
static unsigned long place(struct rng *r, const void *src, size_t n, int *kind)
{
	static const unsigned int w[] = { 85, 3, 3, 3, 3, 3 };
	unsigned long a;

	*kind = P_BAD;
	switch (PICK(r, w)) {
	case 0:
		if (l_next + n + 64 > rL->size / 2)
			l_next = 0;
		a = rL->base + l_next;
		l_next += (n + 15) & ~15UL;
		memcpy((void *)a, src, n);
		*kind = P_OK;
		return a;
	case 1:
		a = rLRO->base + 64 * below(r, 8);
		mprotect((void *)rLRO->base, PAGE, PROT_READ | PROT_WRITE);
		memcpy((void *)a, src, n);
		mprotect((void *)rLRO->base, PAGE, PROT_READ);
		*kind = P_RO;
		return a;
	case 2:
		return 0;
	case 3:
		return l_holes[below(r, n_l_holes)]->base + below(r, 64);
	case 4:
		return 0xffffffff81000000UL + below(r, 4096);
	default:
		/* Straddling a hole: its first bytes readable, not all. */
		a = rSCR->base + PAGE - between(r, 1, n - 1);
		memcpy((void *)a, src, rSCR->base + PAGE - a);
		return a;
	}
}

/* Checks an ioctl's outcome: success allowed if @may_ok, else errno in @want. */
static int expect_ioctl(const char *what, long ret, int err, errset want, int may_ok)
{
	char s[128];

	if (ret >= 0 && !may_ok) {
		FAIL("%s succeeded (%ld); wanted %s", what, ret, set_str(want, s, sizeof(s)));
		return 0;
	}
	if (ret < 0 && (ret != -1 || !in_set(want, err))) {
		FAIL("%s: %ld (%s); wanted %s", what, ret, ename(err),
		     want ? set_str(want, s, sizeof(s)) : "success");
		return 0;
	}
	return ret >= 0;
}

/* A random ioctl number that is none of the device's: ENOTTY. */
static unsigned long gen_bad_cmd(struct rng *r, unsigned int magic,
				 const unsigned long *valid, int nvalid)
{
	unsigned long cmd;
	int again;

	do {
		if (percent(r, 70)) {
			cmd = _IOC(below(r, 4), magic, below(r, 256), below(r, 1 << 14));
		} else {
			cmd = (uint32_t)rnd(r);
			/* Not the numbers the VFS answers for every file. */
			switch (_IOC_TYPE(cmd)) {
			case 0x00: case 0x15: case 0x54: case 0x58: case 0x66: case 0x94:
				cmd = _IOC(below(r, 4), magic, below(r, 256), below(r, 1 << 14));
			}
		}
		again = 0;
		for (int i = 0; i < nvalid; i++)
			again |= cmd == valid[i];
	} while (again);
	return cmd;
}

/* Waits for the victim to run a few loops; checks the uid it sees. */
static void expect_victim_runs(const char *after)
{
	unsigned long start = sh->victim_loops;
	long end = now_ms() + 10000;

	while (sh->victim_loops < start + 3 && now_ms() < end)
		sleep_ms(1);
	if (sh->victim_loops < start + 3) {
		FAIL("the victim does not run %s", after);
		return;
	}
	EXPECT(sh->victim_uid == (long)my_uid, "the victim's getuid() is %ld %s",
	       sh->victim_uid, after);
}

/* Replaces the forker if an engine made it die. */
static int forker_died(void)
{
	int status;

	if (waitpid(forker, &status, WNOHANG) != forker)
		return 0;
	forker = spawn_victim(1);
	return 1;
}

/* /dev/utrace-test */

#define TFILES 3
#define TSLOTS 64

struct tslot {
	int tgt;
	unsigned int id;
	int alive;
	int kind;
	long nr;
};

struct tfile {
	int fd;
	int n;
	struct tslot s[TSLOTS];
	unsigned int ids[TSLOTS];
};

static struct tfile tfs[TFILES];
static struct utrace_test_record *recbuf;

/* Syscalls an engine on the fuzzer itself may abort or rewrite. */
static const long safe_nrs[] = {
	SYS_getuid, SYS_geteuid, SYS_getppid, SYS_getpgid, SYS_sched_yield,
};

static void t_open(struct tfile *f)
{
	f->fd = open_dev("/dev/utrace-test");
	f->n = 0;
}

static void t_close(struct tfile *f)
{
	close(f->fd);
	f->fd = -1;
	f->n = 0;
}

/* Whether an engine on us changes what getuid() returns. */
static int t_getuid_changed(void)
{
	for (int i = 0; i < TFILES; i++)
		for (int k = 0; k < tfs[i].n; k++) {
			struct tslot *s = &tfs[i].s[k];

			if (s->alive && s->tgt == TG_SELF && s->nr == SYS_getuid &&
			    (s->kind == UTRACE_TEST_ABORT || s->kind == UTRACE_TEST_SET_RETURN))
				return 1;
		}
	return 0;
}

static int t_id_taken(int task, unsigned int id)
{
	for (int i = 0; i < TFILES; i++)
		for (int k = 0; k < tfs[i].n; k++)
			if (tfs[i].s[k].alive && tfs[i].s[k].tgt == task &&
			    tfs[i].s[k].id == id)
				return 1;
	return 0;
}

static void t_dead(int task)
{
	for (int i = 0; i < TFILES; i++)
		for (int k = 0; k < tfs[i].n; k++)
			if (tfs[i].s[k].tgt == task)
				tfs[i].s[k].alive = 0;
}

/* How many live test engines the files have on @task. */
static int t_live_on(int task)
{
	int n = 0;

	for (int i = 0; i < TFILES; i++)
		for (int j = 0; j < tfs[i].n; j++)
			n += tfs[i].s[j].alive && tfs[i].s[j].tgt == task;
	return n;
}

static void t_attach(struct rng *r, struct tfile *f)
{
	static const unsigned int ev[] = {
		0, UTRACE_TEST_EVENT_SYSCALL_ENTRY, UTRACE_TEST_EVENT_SYSCALL_EXIT,
		UTRACE_TEST_EVENT_SYSCALL_ENTRY | UTRACE_TEST_EVENT_SYSCALL_EXIT,
		1 << 2, (1 << 2) | UTRACE_TEST_EVENT_SYSCALL_ENTRY,
	};
	int t = gen_tgt(r), task = tgt_task(t), kind, may_ok, ok;
	struct utrace_test_attach a = { 0 };
	errset want = 0;
	unsigned long p;
	char what[160];
	long ret;

	a.pid = tgt_pid(r, t);
	a.kind = percent(r, 94) ? below(r, 6) : (uint32_t)rnd(r);
	a.events = percent(r, 88) ? ev[below(r, ARRAY_SIZE(ev))] : (uint32_t)rnd(r);
	a.id = percent(r, 90) ? between(r, 1, 6) : (uint32_t)rnd(r);
	switch (below(r, 10)) {
	case 0: case 1:
		a.nr = -1;
		break;
	case 2: case 3: case 4:
		a.nr = safe_nrs[below(r, ARRAY_SIZE(safe_nrs))];
		break;
	case 5:
		a.nr = -2 - (long)below(r, 1000);
		break;
	case 6:
		a.nr = rnd(r) >> 1;
		break;
	default:
		a.nr = below(r, 460);
	}
	a.arg = percent(r, 92) ? below(r, 6) : (uint32_t)rnd(r);
	a.flags = percent(r, 60) ? 0 : percent(r, 90) ? UTRACE_TEST_EXCLUSIVE : (uint32_t)rnd(r);
	a.value = percent(r, 50) ? (long)below(r, 5000) : (long)rnd(r);
	/* Nothing that would stop or break the fuzzer, init or the main process. */
	kind = a.kind;
	if (task == TG_SELF && (kind == UTRACE_TEST_STOP || kind == UTRACE_TEST_SIGNAL ||
				kind == UTRACE_TEST_SET_NR))
		a.kind = kind = UTRACE_TEST_RECORD;
	if (task == TG_SELF && kind >= UTRACE_TEST_REWRITE_ARG && kind <= UTRACE_TEST_SET_RETURN &&
	    (a.nr < -1 ? 0 : 1))
		a.nr = safe_nrs[below(r, ARRAY_SIZE(safe_nrs))];
	if ((t == TG_INIT || t == TG_MAIN) && kind != UTRACE_TEST_RECORD && kind != UTRACE_TEST_RUN)
		a.kind = kind = UTRACE_TEST_RECORD;

	p = place(r, &a, sizeof(a), &ok);
	if (ok == P_BAD) {
		want = EB(EFAULT);
	} else {
		if (a.events & ~TEST_EVENTS_VALID)
			want |= EB(EINVAL);
		if (a.kind > UTRACE_TEST_KIND_MAX ||
		    (a.kind == UTRACE_TEST_REWRITE_ARG && a.arg > 5))
			want |= EB(EINVAL);
		/* A signal action: a disposition up to STOP, maybe HOLD; arg 0..7. */
		if (a.kind == UTRACE_TEST_SIGNAL &&
		    (a.value < 0 || (a.value & ~0x1f0L) || (a.value & 0xf0) > 0x40 || a.arg > 7))
			want |= EB(EINVAL);
		/* A number: a C int. */
		if (a.kind == UTRACE_TEST_SET_NR && (a.value < INT_MIN || a.value > INT_MAX))
			want |= EB(EINVAL);
		/* A dwell: 1 us to 100 ms. */
		if (a.kind == UTRACE_TEST_DWELL && (a.value < 1 || a.value > 100000))
			want |= EB(EINVAL);
		if ((a.flags & ~UTRACE_TEST_EXCLUSIVE) || a.nr < -1)
			want |= EB(EINVAL);
		if (f->n >= TSLOTS)
			want |= EB(ENOSPC);
		want |= tgt_errs(t);
		if (!want && a.flags == UTRACE_TEST_EXCLUSIVE && t_id_taken(task, a.id))
			want |= EB(EEXIST);
	}
	may_ok = !want;
	/*
	 * engine-core takes at most 256 engines per task (ENOSPC), counting
	 * those of the /dev/utrace files and inherited ones the model does not
	 * follow here: near the cap, either answer.
	 */
	if (!want && t_live_on(task) >= 240)
		want |= EB(ENOSPC);
	if (t == TG_FORKER) {
		/* An engine may have made it die since we last looked. */
		want |= EB(ESRCH) | EB(EEXIST);
		may_ok = may_ok || (want & EB(EEXIST));
	}
	snprintf(what, sizeof(what), "UTRACE_TEST_ATTACH {%s %d, kind %u, events %#x, id %u, "
		 "nr %lld, arg %u, flags %#x} at %#lx", tgt_names[t], a.pid, a.kind, a.events,
		 a.id, (long long)a.nr, a.arg, a.flags, p);
	note("%s", what);
	ret = ioctl(f->fd, UTRACE_TEST_ATTACH, p);
	if (expect_ioctl(what, ret, errno, want, may_ok)) {
		EXPECT(ret == f->n, "%s: slot %ld, wanted %d (a failed attach took one?)",
		       what, ret, f->n);
		if (ret >= f->n && ret < TSLOTS) {
			f->n = ret + 1;
			f->s[ret] = (struct tslot){ task, a.id, 1, a.kind, a.nr };
			f->ids[ret] = a.id;
		}
	}
}

/* A slot number: live, dead, just past the end, or junk. */
static unsigned long gen_slot(struct rng *r, int n)
{
	switch (below(r, 8)) {
	case 0:
		return n;
	case 1:
		return n + below(r, 300);
	case 2:
		return rnd(r);
	case 3:
		return -1UL;
	default:
		return n ? below(r, n) : 0;
	}
}

/* What a slot operation allows: EINVAL past the end, ESRCH once detached. */
static void t_slot_want(struct tfile *f, unsigned long slot, int detached_errs,
			errset *want, int *may_ok)
{
	*want = 0;
	*may_ok = 1;
	if (slot >= (unsigned long)f->n) {
		*want = EB(EINVAL);
		*may_ok = 0;
	} else if (detached_errs && !f->s[slot].alive) {
		*want = EB(ESRCH);
		*may_ok = 0;
	} else if (detached_errs && f->s[slot].tgt == TG_FORKER) {
		*want = EB(ESRCH);
	}
}

static void t_read(struct rng *r, struct tfile *f)
{
	struct utrace_test_read rd = { 0 };
	int where = below(r, 20), pk, may_ok = 1;
	errset want = 0;
	unsigned long p;
	char what[128];
	long ret;

	rd.max = percent(r, 80) ? below(r, 1100) : (uint32_t)rnd(r);
	rd.records = (unsigned long)recbuf;
	if (where == 0)
		rd.records = 0;
	else if (where == 1)
		rd.records = rLRO->base;
	else if (where == 2)
		rd.records = rL->base + rL->size - 100;
	else if (where == 3)
		rd.records = 0xffff888000000000UL;
	p = place(r, &rd, sizeof(rd), &pk);
	if (pk != P_OK) {
		want = EB(EFAULT);
		may_ok = 0;
	} else if (where < 4) {
		want = EB(EFAULT);	/* unless the log is empty */
	}
	snprintf(what, sizeof(what), "UTRACE_TEST_READ {records %#llx, max %u} at %#lx",
		 (unsigned long long)rd.records, rd.max, p);
	note("%s", what);
	ret = ioctl(f->fd, UTRACE_TEST_READ, p);
	if (!expect_ioctl(what, ret, errno, want, may_ok))
		return;
	memcpy(&rd, (void *)p, sizeof(rd));
	EXPECT(rd.count <= rd.max && rd.count <= 1024, "%s: %u records", what, rd.count);
	for (unsigned int i = 0; where >= 4 && i < rd.count && i < 1024; i++) {
		struct utrace_test_record *rec = &recbuf[i];
		int known = 0;

		for (int k = 0; k < f->n; k++)
			known |= f->ids[k] == rec->id;
		/* The targets make syscalls, and the forker clones. */
		if (!known || (rec->side != UTRACE_TEST_SIDE_ENTRY &&
			       rec->side != UTRACE_TEST_SIDE_EXIT &&
			       rec->side != UTRACE_TEST_SIDE_CLONE)) {
			FAIL("%s: record %u is id %u side %u: not one of ours", what, i,
			     rec->id, rec->side);
			break;
		}
	}
}

/* Closes everything; then the fuzzer and the victim run unchanged. */
static void t_epoch_end(void)
{
	note("closing every /dev/utrace-test file");
	for (int i = 0; i < TFILES; i++) {
		t_close(&tfs[i]);
		t_open(&tfs[i]);
	}
	EXPECT(syscall(SYS_getuid) == my_uid && syscall(SYS_geteuid) == my_uid,
	       "getuid() %ld once every engine is detached", syscall(SYS_getuid));
	expect_victim_runs("once its engines are detached");
}

static void test_device_ioctls_run(struct rng *r)
{
	static const unsigned int w[] = { 34, 12, 9, 9, 6, 8, 5, 3, 2, 8, 6, 4 };
	static const unsigned long valid[] = {
		UTRACE_TEST_ATTACH, UTRACE_TEST_DETACH, UTRACE_TEST_SET_EVENTS,
		UTRACE_TEST_READ, UTRACE_TEST_BARRIER, UTRACE_TEST_RESUME,
#ifdef UTRACE_TEST_RESUME_REPORT
		UTRACE_TEST_RESUME_REPORT,
#endif
		UTRACE_TEST_EXAMINE,
	};
	/* Reads only: a random register or memory write would break a victim. */
	static const unsigned int examine_ops[] = {
		0, UTRACE_TEST_EXAMINE_REGS, UTRACE_TEST_EXAMINE_READ,
		UTRACE_TEST_EXAMINE_STRING, UTRACE_TEST_EXAMINE_REGSET, 8, 0x80000001u,
	};
	static char examine_buf[4200];

	ctl_setup();
	recbuf = calloc(1100, sizeof(*recbuf));
	for (int i = 0; i < TFILES; i++)
		t_open(&tfs[i]);
	for (unsigned long i = 0; i < fuzz_iters && case_failures < MAX_FAILURES; i++) {
		struct tfile *f = &tfs[below(r, TFILES)];
		unsigned long slot = gen_slot(r, f->n), p;
		char what[128];
		errset want;
		int may_ok, pk;
		long ret;

		begin_iter(i);
		if (forker_died())
			t_dead(TG_FORKER);
		switch (PICK(r, w)) {
		case 0:
			t_attach(r, f);
			break;
		case 1:
			t_slot_want(f, slot, 1, &want, &may_ok);
			snprintf(what, sizeof(what), "UTRACE_TEST_DETACH %#lx (of %d)", slot, f->n);
			note("%s", what);
			ret = ioctl(f->fd, UTRACE_TEST_DETACH, slot);
			if (expect_ioctl(what, ret, errno, want, may_ok) || slot < (unsigned long)f->n)
				if (slot < (unsigned long)f->n)
					f->s[slot].alive = 0;
			break;
		case 2: {
			struct utrace_test_events e = {
				.slot = slot,
				.events = percent(r, 85) ? (below(r, 8) & 1) << 2 |
					  (below(r, 4) << 6) : (uint32_t)rnd(r),
			};

			t_slot_want(f, e.slot, 1, &want, &may_ok);
			if (e.events & ~TEST_EVENTS_VALID) {
				want |= EB(EINVAL);
				may_ok = 0;
			}
			p = place(r, &e, sizeof(e), &pk);
			if (pk == P_BAD) {
				want = EB(EFAULT);
				may_ok = 0;
			}
			snprintf(what, sizeof(what), "UTRACE_TEST_SET_EVENTS {%u, %#x} at %#lx",
				 e.slot, e.events, p);
			note("%s", what);
			ret = ioctl(f->fd, UTRACE_TEST_SET_EVENTS, p);
			expect_ioctl(what, ret, errno, want, may_ok);
			break;
		}
		case 3:
			t_read(r, f);
			break;
		case 4:
			t_slot_want(f, slot, 0, &want, &may_ok);
			snprintf(what, sizeof(what), "UTRACE_TEST_BARRIER %#lx (of %d)", slot, f->n);
			note("%s", what);
			ret = ioctl(f->fd, UTRACE_TEST_BARRIER, slot);
			expect_ioctl(what, ret, errno, want, may_ok);
			break;
		case 5: {
			unsigned long cmd = UTRACE_TEST_RESUME;

#ifdef UTRACE_TEST_RESUME_REPORT
			if (percent(r, 50))
				cmd = UTRACE_TEST_RESUME_REPORT;
#endif
			t_slot_want(f, slot, 1, &want, &may_ok);
			snprintf(what, sizeof(what), "UTRACE_TEST_RESUME%s %#lx (of %d)",
				 cmd == UTRACE_TEST_RESUME ? "" : "_REPORT", slot, f->n);
			note("%s", what);
			ret = ioctl(f->fd, cmd, slot);
			expect_ioctl(what, ret, errno, want, may_ok);
			break;
		}
		case 6: {
			unsigned long cmd = gen_bad_cmd(r, UTRACE_TEST_IOC_MAGIC, valid,
							ARRAY_SIZE(valid));

			snprintf(what, sizeof(what), "ioctl %#lx on /dev/utrace-test", cmd);
			note("%s", what);
			ret = ioctl(f->fd, cmd, percent(r, 50) ? rL->base : rnd(r));
			expect_ioctl(what, ret, errno, EB(ENOTTY), 0);
			break;
		}
		case 7:
			note("close and reopen a file");
			t_close(f);
			t_open(f);
			break;
		case 8:
			note("kill the victim");
			kill_reap(victim, 5000);
			t_dead(TG_VICTIM);
			victim = spawn_victim(0);
			break;
		case 9: {
			long v = syscall(safe_nrs[below(r, ARRAY_SIZE(safe_nrs))]);

			(void)v;
			note("getuid");
			if (!t_getuid_changed())
				EXPECT(syscall(SYS_getuid) == my_uid, "getuid() is %ld with no "
				       "engine on it", syscall(SYS_getuid));
			break;
		}
		case 10: {
			/* An examination with random operands: an error, never a report. */
			struct utrace_test_examine e = {
				.slot = slot,
				.op = examine_ops[below(r, ARRAY_SIZE(examine_ops))],
				.addr = percent(r, 50) ? (unsigned long)examine_buf : rnd(r),
				.buf = percent(r, 85) ? (unsigned long)examine_buf : rnd(r),
				.len = percent(r, 85) ? below(r, 4098) : (uint32_t)rnd(r),
				.flags = percent(r, 90) ? 0 : 4 | (uint32_t)rnd(r),
			};

			t_slot_want(f, e.slot, 1, &want, &may_ok);
			want |= EB(EINVAL) | EB(ESRCH) | EB(EAGAIN) | EB(EFAULT) | EB(EPERM) |
				EB(EINTR) | EB(ENODATA) | EB(ENODEV);
			if (e.op == UTRACE_TEST_EXAMINE_REGSET && percent(r, 70))
				e.addr = below(r, 0x210);	/* NT_PRSTATUS.. NT_X86_XSTATE.. */
			if (e.slot >= (unsigned long)f->n || e.len < 1 || e.len > 4096 ||
			    e.flags || (e.op != UTRACE_TEST_EXAMINE_REGS &&
					e.op != UTRACE_TEST_EXAMINE_READ &&
					e.op != UTRACE_TEST_EXAMINE_STRING &&
					e.op != UTRACE_TEST_EXAMINE_REGSET))
				may_ok = 0;
			p = place(r, &e, sizeof(e), &pk);
			if (pk == P_BAD) {
				want = EB(EFAULT);
				may_ok = 0;
			}
			snprintf(what, sizeof(what), "UTRACE_TEST_EXAMINE {%u, op %u, len %u, "
				 "flags %#x} at %#lx", e.slot, e.op, e.len, e.flags, p);
			note("%s", what);
			ret = ioctl(f->fd, UTRACE_TEST_EXAMINE, p);
			expect_ioctl(what, ret, errno, want, may_ok);
			break;
		}
		default:
			t_epoch_end();
			break;
		}
		if (i % 50 == 49)
			t_epoch_end();
	}
	t_epoch_end();
	for (int i = 0; i < TFILES; i++)
		t_close(&tfs[i]);
	ctl_teardown();
}

/* /dev/utrace */

#define UFILES 2
/* A file's default limit of engines at once, and the places tracked. */
#define USLOTS 1024
/* A slot number: its place, plus its reuses times this. */
#define USTRIDE 32768	/* engines/session.rs ID_STRIDE (a white-box test) */

/*
 * What <linux/utrace.h> promises of slots: a slot names its engine until
 * the engine is detached, and no other engine of the file has the number
 * meanwhile; a number given back names no engine (ESRCH); a refused attach
 * takes none; and while a file has no engine that follows children and
 * none of its engines has been detached (!follow && !detached), its
 * attaches without UTRACE_FOLLOW get 0, 1, 2, ...  Nothing else: engines
 * that follow children take slots we are not told, even during the attach
 * that makes them follow.  Slots are tracked by place (the number modulo
 * USTRIDE), with the last number given for it.
 */
struct ufile {
	int fd;
	int n;		/* one past the highest slot we were given */
	int follow;	/* an engine of this file follows children */
	int detached;	/* an engine of this file may have been detached */
	int self_vm;	/* VM engines attached to us */
	long max;	/* UTRACE_SET_MAX_ENGINES */
	unsigned long long dropped;
	struct {
		int tgt;
		int alive;
		int vm;
		int follow;	/* attached with UTRACE_FOLLOW */
		long id;	/* the number of the place's last engine */
	} s[USLOTS];
};

static struct ufile ufs[UFILES];
static char *readbuf;
static struct utsname uts0;

static void u_open(struct ufile *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = open_dev("/dev/utrace");
	f->max = 1024;
}

static void u_close(struct ufile *f)
{
	close(f->fd);
	f->fd = -1;
}

/* Whether a VM engine may be attached to us (@follow: following children). */
static int u_self_vm_that(int follow)
{
	for (int i = 0; i < UFILES; i++)
		for (int k = 0; k < ufs[i].n && k < USLOTS; k++)
			if (ufs[i].s[k].alive && ufs[i].s[k].vm && ufs[i].s[k].tgt == TG_SELF &&
			    (!follow || ufs[i].s[k].follow))
				return 1;
	return 0;
}

static int u_self_vm(void)
{
	return u_self_vm_that(0);
}

/*
 * After a spawn_victim(): a child killed before it ran is what a VM engine
 * following us does with a child it cannot follow, and nothing else may.
 */
static void u_expect_spawned(const char *what)
{
	int may_be_full = 0;

	if (!stillborn)
		return;
	/*
	 * A file whose engines following us are VM engines can be full for
	 * the child only if the engines we see, and those we do not (the
	 * followers' copies on the victim, the forker, a forker's child, one
	 * reservation in flight: at most 4 per follower), reach its limit.
	 */
	for (int i = 0; i < UFILES; i++) {
		int alive = 0, vm_follow = 0, follow = 0;

		for (int k = 0; k < ufs[i].n && k < USLOTS; k++) {
			if (!ufs[i].s[k].alive)
				continue;
			alive++;
			follow += ufs[i].s[k].follow;
			vm_follow += ufs[i].s[k].follow && ufs[i].s[k].vm &&
				     ufs[i].s[k].tgt == TG_SELF;
		}
		if (vm_follow && alive + 4 * follow >= ufs[i].max)
			may_be_full = 1;
	}
	EXPECT(stillborn_killed, "%s died before it ran, not of SIGKILL", what);
	EXPECT(u_self_vm_that(1), "%s was killed before it ran, with no VM engine following "
	       "us", what);
	EXPECT(!u_self_vm_that(1) || may_be_full, "%s was killed before it ran, while every "
	       "file with a VM engine following us had room for it", what);
}

static void u_dead(int task)
{
	for (int i = 0; i < UFILES; i++)
		for (int k = 0; k < ufs[i].n && k < USLOTS; k++)
			if (ufs[i].s[k].tgt == task && ufs[i].s[k].alive) {
				ufs[i].s[k].alive = 0;
				ufs[i].detached = 1;
			}
}

/*
 * The room errors an attach to @f may get: ENOSPC when the engines that
 * may still be attached reach its limit (or followed children may have
 * taken room); *@full when those that surely are attached reach it.
 */
static errset u_room(struct ufile *f, int *full)
{
	int any = 0, sure = 0;

	for (int k = 0; k < f->n && k < USLOTS; k++) {
		any += f->s[k].alive;
		sure += f->s[k].alive && f->s[k].tgt != TG_FORKER;
	}
	*full = !f->follow && sure >= f->max;
	return f->follow || any >= f->max || f->n >= USLOTS ? EB(ENOSPC) : 0;
}

/* Whether slot @k of @f surely holds an engine still attached. */
static int u_held(struct ufile *f, long k)
{
	/* The forker may die at any time: its engines with it. */
	return k < f->n && k < USLOTS && f->s[k].alive && f->s[k].tgt != TG_FORKER;
}

/* A successful attach (@follow: with UTRACE_FOLLOW): slot @ret of @f. */
static void u_attached(struct ufile *f, const char *what, long ret, int task, int vm,
		       int follow)
{
	if (!f->follow && !f->detached && !follow)
		EXPECT(ret == f->n, "%s: slot %ld, wanted %d: no engine of the file follows "
		       "children or was detached (a failed attach took one?)", what, ret, f->n);
	else
		EXPECT(ret >= 0 && !u_held(f, ret % USTRIDE), "%s: slot %ld, whose place an "
		       "engine still attached holds", what, ret);
	if (ret >= 0 && ret % USTRIDE < USLOTS) {
		long k = ret % USTRIDE;

		if (k >= f->n)
			f->n = k + 1;
		f->s[k].tgt = task;
		f->s[k].alive = 1;
		f->s[k].vm = vm;
		f->s[k].follow = follow;
		f->s[k].id = ret;
	}
	f->follow |= follow;
	/* The forker may die at any time, and its engine is detached then. */
	if (task == TG_FORKER)
		f->detached = 1;
}

/* VM rules: what the parser must say of them. */
struct rules_exp {
	int known;	/* the outcome is predicted */
	int code;	/* enum utrace_vm_error, 0: valid */
	int line;
	int err;
};

static const char *const names_safe[] = {
	"getuid", "geteuid", "getgid", "getegid", "getppid", "getpgid",
};
static const char *const names_any[] = {
	"read", "write", "wait4", "exit_group", "sched_yield", "kill",
	"nanosleep", "getpid", "openat", "mmap", "clone", "ioctl", "close",
#ifdef SYS_fork
	"fork",
#endif
};
static const char *const names_unknown[] = {
	"nosuchcall", "getuid_", "GETUID", "sys_getuid", "x", "ptrace2",
};

/*
 * Rule text from a small grammar, most of it valid, with every kind of
 * error; *exp says what the parser must make of it (@safe: only rules
 * harmless to the fuzzer itself).
 */
static size_t gen_rules(struct rng *r, char *buf, size_t cap, int safe, struct rules_exp *exp)
{
	static const unsigned int w[] = { 25, 8, 8, 8, 4, 6, 2, 2, 3, 3, 1, 1 };
	int lines = between(r, 1, 6), count = 0, done = 0;
	size_t n = 0;

	*exp = (struct rules_exp){ .known = 1 };
	if (percent(r, 2)) {
		/* Too many rules. */
		lines = 1;
		for (int i = 0; i < 33 + (int)below(r, 3); i++)
			n += snprintf(buf + n, cap - n, "return getuid %d;", i);
		*exp = (struct rules_exp){ 1, UTRACE_VM_TOO_MANY, 1, E2BIG };
		return n;
	}
	for (int line = 1; line <= lines && n < cap - 600; line++) {
		int rules = percent(r, 70) ? 1 : between(r, 0, 3);

		for (int k = 0; k < rules && n < cap - 600; k++) {
			int kind = PICK(r, w), code = 0;
			const char *name;

			if (k)
				buf[n++] = ';';
			switch (kind) {
			case 0: {
				static const char *const values[] = {
					"0", "1000", "-1", "-22", "9223372036854775807",
					"-9223372036854775807",
				};

				name = safe || percent(r, 50) ? names_safe[below(r, ARRAY_SIZE(names_safe))] :
				       names_any[below(r, ARRAY_SIZE(names_any))];
				n += snprintf(buf + n, cap - n, " return %s %s ", name,
					      values[below(r, ARRAY_SIZE(values))]);
				break;
			}
			case 1:
				n += snprintf(buf + n, cap - n, "uname %s fz%u",
					      percent(r, 50) ? "nodename" : "release",
					      (unsigned int)below(r, 100));
				break;
			case 2:
				n += snprintf(buf + n, cap - n, "redirect /fuzz-%u /tmp/fz%s",
					      (unsigned int)below(r, 9), percent(r, 30) ? "/" : "");
				break;
			case 3:
				n += snprintf(buf + n, cap - n, percent(r, 50) ? "  # comment %u" : "\t",
					      (unsigned int)below(r, 9));
				if (buf[n - 1] != '\t' && k + 1 < rules)
					k = rules;	/* the rest of the line is comment */
				code = -1;
				break;
			case 4:
				n += snprintf(buf + n, cap - n, "return %s 1",
					      names_unknown[below(r, ARRAY_SIZE(names_unknown))]);
				code = UTRACE_VM_UNKNOWN_SYSCALL;
				break;
			case 5: {
				static const char *const bad[] = {
					"return getuid", "return getuid 1 2", "returns getuid 1",
					"return getuid 12a", "return getuid +5",
					"return getuid -9223372036854775808",
					"return getuid 12345678901234567890", "uname domainname x",
					"uname nodename", "redirect /a", "a b c d e", "redirect",
				};

				n += snprintf(buf + n, cap - n, "%s", bad[below(r, ARRAY_SIZE(bad))]);
				code = UTRACE_VM_MALFORMED;
				break;
			}
			case 6:
				n += snprintf(buf + n, cap - n, "uname nodename %0*d", 64 + (int)below(r, 10), 7);
				code = UTRACE_VM_TOO_LONG;
				break;
			case 7:
				n += snprintf(buf + n, cap - n, "redirect /%0*d /b", 255 + (int)below(r, 10), 1);
				code = UTRACE_VM_TOO_LONG;
				break;
			case 8:
				n += snprintf(buf + n, cap - n, percent(r, 50) ? "redirect rel /b" :
					      "redirect /a rel");
				code = UTRACE_VM_NOT_ABSOLUTE;
				break;
			case 9:
				for (int j = between(r, 1, 40); j > 0; j--) {
					char c = between(r, 1, 255);

					buf[n++] = c == '\n' ? ' ' : c;
				}
				code = -2;
				break;
			case 10:
				buf[n++] = 0;
				code = -3;
				break;
			default:
				n += snprintf(buf + n, cap - n, "   ");
				code = -1;
			}
			if (done)
				continue;
			if (code == -3) {
				*exp = (struct rules_exp){ 1, UTRACE_VM_NOT_TEXT, 0, EINVAL };
				done = 2;
			} else if (code == -2) {
				exp->known = 0;
				done = 1;
			} else if (code != -1 && ++count > 32) {
				*exp = (struct rules_exp){ 1, UTRACE_VM_TOO_MANY, line, E2BIG };
				done = 1;
			} else if (code > 0) {
				*exp = (struct rules_exp){ 1, code, line,
					code == UTRACE_VM_TOO_LONG ? ENAMETOOLONG : EINVAL };
				done = 1;
			}
		}
		buf[n++] = '\n';
	}
	/* A NUL anywhere is refused before parsing. */
	for (size_t i = 0; i < n; i++)
		if (!buf[i] && done != 2)
			*exp = (struct rules_exp){ 1, UTRACE_VM_NOT_TEXT, 0, EINVAL };
	return n;
}

static void u_attach_strace(struct rng *r, struct ufile *f)
{
	static const unsigned int smax[] = { 0, 1, 32, 255, 256, 257, 4096 };
	struct utrace_strace_attach a = { 0 };
	int t = gen_tgt(r), pk, may_ok;
	errset want = 0;
	unsigned long p;
	char what[160];
	long ret;

	a.pid = tgt_pid(r, t);
	a.string_max = percent(r, 90) ? smax[below(r, ARRAY_SIZE(smax))] : (uint32_t)rnd(r);
	a.flags = percent(r, 70) ? 0 : percent(r, 80) ? UTRACE_FOLLOW : (uint32_t)rnd(r);
	a.reserved = percent(r, 92) ? 0 : (uint32_t)rnd(r);
	if ((t == TG_INIT || t == TG_MAIN) && a.flags == UTRACE_FOLLOW)
		a.flags = 0;
	p = place(r, &a, sizeof(a), &pk);
	/* The header's order: block, arguments, target, room, the attach. */
	may_ok = 0;
	if (pk == P_BAD) {
		want = EB(EFAULT);
	} else if ((a.flags & ~(UTRACE_FOLLOW | UTRACE_FROM_EXEC)) || a.reserved ||
		   a.string_max > 256) {
		want = EB(EINVAL);
	} else if (tgt_errs(t)) {
		want = tgt_errs(t);
	} else {
		int full;

		/* Followed children may have filled the file, or we did. */
		want |= u_room(f, &full);
		may_ok = !full;
		/* The forker may be exiting, at the target's check or the attach. */
		if (t == TG_FORKER)
			want |= EB(ESRCH);
	}
	snprintf(what, sizeof(what), "UTRACE_ATTACH_STRACE {%s %d, max %u, flags %#x, "
		 "reserved %#x} at %#lx", tgt_names[t], a.pid, a.string_max, a.flags,
		 a.reserved, p);
	note("%s", what);
	ret = ioctl(f->fd, UTRACE_ATTACH_STRACE, p);
	if (expect_ioctl(what, ret, errno, want, may_ok))
		u_attached(f, what, ret, tgt_task(t), 0, a.flags & UTRACE_FOLLOW);
}

static void u_attach_vm(struct rng *r, struct ufile *f)
{
	static char text[8192];
	struct utrace_vm_attach a = { 0 }, after;
	int t = gen_tgt(r), pk, may_ok, tpk = P_OK, err, writeback;
	struct rules_exp exp;
	errset want = 0;
	unsigned long p, tp;
	char what[200];
	size_t len;
	long ret;

	len = gen_rules(r, text, sizeof(text), tgt_task(t) == TG_SELF, &exp);
	/* Engines that could break init or the main process only if refused. */
	if ((t == TG_INIT || t == TG_MAIN) && (!exp.known || !exp.code))
		t = TG_VICTIM;
	a.pid = tgt_pid(r, t);
	a.rules_len = len;
	switch (below(r, 25)) {
	case 0:
		a.rules_len = 0;
		break;
	case 1:
		a.rules_len = 4097 + below(r, 100);
		break;
	case 2:
		a.rules_len = rnd(r);
		break;
	case 3:
		a.rules_len = len ? len - 1 : 0;
		exp.known = 0;
		break;
	}
	/* The text: in L (maybe running into its hole), or a bad pointer. */
	if (percent(r, 90) && len <= rL->size / 2) {
		tp = rL->base + rL->size / 2 + below(r, rL->size / 2 - len + 1);
		if (percent(r, 10))
			tp = rL->base + rL->size - len / 2 - 1;
		memcpy((void *)tp, text, rL->base + rL->size - tp < len ?
		       rL->base + rL->size - tp : len);
		if (tp + a.rules_len > rL->base + rL->size)
			tpk = P_BAD;
	} else {
		tp = percent(r, 50) ? 0 : 0xffffffff81000000UL;
		tpk = P_BAD;
	}
	a.rules = tp;
	a.flags = percent(r, 80) ? 0 : percent(r, 70) ? UTRACE_FOLLOW : (uint32_t)rnd(r);
	a.reserved = percent(r, 94) ? 0 : (uint32_t)rnd(r);
	a.error = rnd(r);
	a.error_line = rnd(r);
	if (t == TG_INIT || t == TG_MAIN)
		a.flags &= ~UTRACE_FOLLOW;
	p = place(r, &a, sizeof(a), &pk);
	may_ok = 0;
	/* Whether the kernel must write error and error_line back. */
	writeback = 0;
	/*
	 * The header's order: block, arguments, target (before the rules are
	 * read), rules, room, the answer written back, the attach.
	 */
	if (pk == P_BAD) {
		want = EB(EFAULT);
	} else if ((a.flags & ~UTRACE_FOLLOW) || a.reserved) {
		want = EB(EINVAL);
	} else if (tgt_errs(t)) {
		want = tgt_errs(t);
	} else {
		/* Followed children may have filled the file, or we did. */
		int full;
		errset room = u_room(f, &full);

		if (a.rules_len == 0 || a.rules_len > 4096) {
			want = pk == P_RO ? EB(EFAULT) : EB(EINVAL);
			exp = (struct rules_exp){ 1, UTRACE_VM_NOT_TEXT, 0, EINVAL };
			writeback = pk == P_OK;
		} else if (tpk == P_BAD) {
			want = EB(EFAULT);
		} else if (!exp.known) {
			want = EB(EINVAL) | EB(E2BIG) | EB(ENAMETOOLONG) | EB(EFAULT) | room;
			may_ok = pk == P_OK && !full;
		} else if (exp.code) {
			want = pk == P_RO ? EB(EFAULT) : EB(exp.err);
			writeback = pk == P_OK;
		} else if (full) {
			want = EB(ENOSPC);	/* the room comes before the answer */
		} else {
			want = room;
			if (pk == P_RO)
				want |= EB(EFAULT);	/* the answer cannot be written back */
			may_ok = pk == P_OK;
		}
		/* The forker may be exiting, at the target's check or the attach. */
		if (t == TG_FORKER)
			want |= EB(ESRCH);
	}
	snprintf(what, sizeof(what), "UTRACE_ATTACH_VM {%s %d, len %u of %zu at %s, flags %#x, "
		 "reserved %#x} at %#lx", tgt_names[t], a.pid, a.rules_len, len,
		 tpk == P_OK ? "L" : "bad", a.flags, a.reserved, p);
	note("%s", what);
	if (fuzz_trace)
		kmsg("  rules: %.*s", (int)(len < 300 ? len : 300), text);
	errno = 0;
	ret = ioctl(f->fd, UTRACE_ATTACH_VM, p);
	err = errno;
	if (pk == P_OK)
		memcpy(&after, (void *)p, sizeof(after));
	if (expect_ioctl(what, ret, err, want, may_ok)) {
		EXPECT(pk != P_OK || (after.error == 0 && after.error_line == 0),
		       "%s succeeded with error %u line %u", what, after.error, after.error_line);
		u_attached(f, what, ret, tgt_task(t), 1, a.flags & UTRACE_FOLLOW);
		return;
	}
	if (ret == -1 && writeback && err == exp.err) {
		if (after.error != (unsigned int)exp.code ||
		    after.error_line != (unsigned int)exp.line) {
			FAIL("%s: error %u line %u, wanted %d line %d", what, after.error,
			     after.error_line, exp.code, exp.line);
			KTAP_DIAG("  rules: %.*s", (int)(len < 400 ? len : 400), text);
		}
	}
	/*
	 * A refused attach attaches nothing: the next one gets the next slot.
	 * (Only promised while no engine of the file follows children or was
	 * detached.)
	 */
	if (ret == -1 && err == EFAULT && pk == P_RO && !f->follow && !f->detached &&
	    f->n < USLOTS - 1) {
		struct utrace_strace_attach s = { .pid = 0 };
		long slot = ioctl(f->fd, UTRACE_ATTACH_STRACE, &s);

		if (slot >= 0 && slot != f->n) {
			static int seen;

			if (!KNOWN_BUG_VM_ATTACH_EFAULT_ATTACHES)
				FAIL("%s failed with EFAULT but left an engine attached: the "
				     "next attach got slot %ld, not %d", what, slot, f->n);
			else if (!seen++)
				KTAP_DIAG("%s iteration %lu: known bug (KNOWN_BUG_VM_ATTACH_"
					  "EFAULT_ATTACHES): %s failed with EFAULT but left an "
					  "engine attached", case_name, sh->iter, what);
		}
		if (slot >= 0) {
			/* Whatever took the slot is counted as ours now. */
			for (int k = f->n; k < slot && k < USLOTS; k++)
				f->s[k] = (typeof(f->s[0])){
					.tgt = tgt_task(t), .alive = 1, .vm = 1,
					.follow = !!(a.flags & UTRACE_FOLLOW), .id = k };
			f->n = slot;
			u_attached(f, "the probe attach", slot, TG_SELF, 0, 0);
		}
	}
}

static void u_read(struct rng *r, struct ufile *f)
{
	static const uint32_t lens[] = { 0, 1, 100, 4096, 65536, 65537, 0xffffffff };
	struct utrace_read rd = { 0 };
	int where = below(r, 20), pk, may_ok = 1;
	errset want = 0;
	unsigned long p;
	char what[128];
	long ret;

	rd.len = percent(r, 90) ? lens[below(r, ARRAY_SIZE(lens))] : (uint32_t)rnd(r);
	rd.buf = (unsigned long)readbuf;
	if (where == 0)
		rd.buf = 0;
	else if (where == 1)
		rd.buf = rLRO->base;
	else if (where == 2)
		rd.buf = rL->base + rL->size - 10;
	else if (where == 3)
		rd.buf = 0xffff888000000000UL;
	p = place(r, &rd, sizeof(rd), &pk);
	if (pk != P_OK) {
		want = EB(EFAULT);
		may_ok = 0;
	} else if (where < 4 && rd.len) {
		want = EB(EFAULT);	/* unless there is no text */
	}
	snprintf(what, sizeof(what), "UTRACE_READ {buf %#llx, len %u} at %#lx",
		 (unsigned long long)rd.buf, rd.len, p);
	note("%s", what);
	ret = ioctl(f->fd, UTRACE_READ, p);
	if (!expect_ioctl(what, ret, errno, want, may_ok))
		return;
	memcpy(&rd, (void *)p, sizeof(rd));
	EXPECT(rd.got <= rd.len && rd.got <= 65536, "%s: got %u", what, rd.got);
	EXPECT(rd.dropped >= f->dropped, "%s: dropped went from %llu to %llu", what,
	       f->dropped, (unsigned long long)rd.dropped);
	f->dropped = rd.dropped;
	if (where >= 4 && rd.got && rd.got <= 65536)
		EXPECT(readbuf[rd.got - 1] == '\n', "%s: %u bytes, not whole lines", what, rd.got);
}

/* Closes everything; then the fuzzer, its victim and uname are as before. */
static void u_epoch_end(void)
{
	struct utsname u;

	note("closing every /dev/utrace file");
	for (int i = 0; i < UFILES; i++) {
		u_close(&ufs[i]);
		u_open(&ufs[i]);
	}
	if (victim_dead) {
		note("respawn the victim a VM engine killed");
		kill_reap(victim, 5000);
		victim = spawn_victim(0);
		victim_dead = stillborn;
		EXPECT(!stillborn, "the victim was killed before it ran, with no engine left");
	}
	EXPECT(syscall(SYS_getuid) == my_uid, "getuid() %ld once every engine is detached",
	       syscall(SYS_getuid));
	EXPECT(uname(&u) == 0 && !strcmp(u.nodename, uts0.nodename) &&
	       !strcmp(u.release, uts0.release), "uname() %s %s once every engine is detached",
	       u.nodename, u.release);
	expect_victim_runs("once its engines are detached");
}

static void utrace_device_run(struct rng *r)
{
	static const unsigned int w[] = { 24, 30, 12, 12, 5, 3, 2, 8, 4, 3 };
	static const unsigned long valid[] = {
		UTRACE_ATTACH_STRACE, UTRACE_ATTACH_VM, UTRACE_DETACH_ENGINE, UTRACE_READ,
		UTRACE_SET_BUFFER, UTRACE_SET_MAX_ENGINES,
	};

	uname(&uts0);
	ctl_setup();
	readbuf = malloc(65536);
	for (int i = 0; i < UFILES; i++)
		u_open(&ufs[i]);
	for (unsigned long i = 0; i < fuzz_iters && case_failures < MAX_FAILURES; i++) {
		struct ufile *f = &ufs[below(r, UFILES)];
		unsigned long slot = gen_slot(r, f->n);
		char what[128];
		errset want = 0;
		int may_ok = 1;
		long ret;

		begin_iter(i);
		if (forker_died()) {
			u_dead(TG_FORKER);
			u_expect_spawned("the new forker");
		}
		switch (PICK(r, w)) {
		case 0:
			u_attach_strace(r, f);
			break;
		case 1:
			u_attach_vm(r, f);
			break;
		case 2:
			if (f->follow) {
				/* Followed children take slots we do not see. */
				want = EB(EINVAL) | EB(ESRCH);
			} else if (slot % USTRIDE >= (unsigned long)f->n ||
				   slot / USTRIDE > (unsigned long)f->s[slot % USTRIDE].id / USTRIDE) {
				/* A number never given. */
				want = EB(EINVAL);
				may_ok = 0;
			} else if (slot != (unsigned long)f->s[slot % USTRIDE].id ||
				   !f->s[slot % USTRIDE].alive) {
				/* Given back, or its engine detached. */
				want = EB(ESRCH);
				may_ok = 0;
			} else if (f->s[slot % USTRIDE].tgt == TG_FORKER) {
				want = EB(ESRCH);
			}
			snprintf(what, sizeof(what), "UTRACE_DETACH_ENGINE %#lx (of %d)", slot, f->n);
			note("%s", what);
			ret = ioctl(f->fd, UTRACE_DETACH_ENGINE, slot);
			expect_ioctl(what, ret, errno, want, may_ok);
			if (slot % USTRIDE < (unsigned long)f->n &&
			    slot == (unsigned long)f->s[slot % USTRIDE].id)
				f->s[slot % USTRIDE].alive = 0;
			if (ret == 0)
				f->detached = 1;
			break;
		case 3:
			u_read(r, f);
			break;
		case 4: {
			unsigned long cmd = gen_bad_cmd(r, UTRACE_IOC_MAGIC, valid,
							ARRAY_SIZE(valid));

			snprintf(what, sizeof(what), "ioctl %#lx on /dev/utrace", cmd);
			note("%s", what);
			ret = ioctl(f->fd, cmd, percent(r, 50) ? rL->base : rnd(r));
			expect_ioctl(what, ret, errno, EB(ENOTTY), 0);
			break;
		}
		case 5:
			note("close and reopen a file");
			u_close(f);
			u_open(f);
			break;
		case 6:
			note("kill the victim");
			kill_reap(victim, 5000);
			u_dead(TG_VICTIM);
			victim = spawn_victim(0);
			u_expect_spawned("the new victim");
			victim_dead = stillborn;
			break;
		case 7:
			note("getuid");
			if (!u_self_vm())
				EXPECT(syscall(SYS_getuid) == my_uid, "getuid() is %ld with no "
				       "VM engine on us", syscall(SYS_getuid));
			break;
		case 9: {
			/* The limit: asked, set, refused; low ones fill the file. */
			static const unsigned long maxes[] = { 0, 1, 2, 3, 8, 1024, 16384, 16385 };
			unsigned long max = percent(r, 90) ? maxes[below(r, ARRAY_SIZE(maxes))] :
				rnd(r);
			int valid_max = max >= 1 && max <= 16384;

			snprintf(what, sizeof(what), "UTRACE_SET_MAX_ENGINES %lu", max);
			note("%s", what);
			ret = ioctl(f->fd, UTRACE_SET_MAX_ENGINES, max);
			if (max == 0)
				EXPECT(ret == f->max, "%s: %ld, wanted %ld", what, ret, f->max);
			else if (valid_max)
				EXPECT(ret == (long)max, "%s: %ld", what, ret);
			else
				expect_ioctl(what, ret, errno, EB(EINVAL), 0);
			if (valid_max)
				f->max = max;
			break;
		}
		default:
			u_epoch_end();
		}
		if (i % 50 == 49)
			u_epoch_end();
	}
	u_epoch_end();
	for (int i = 0; i < UFILES; i++)
		u_close(&ufs[i]);
	ctl_teardown();
}

static void unprivileged_run(struct rng *r)
{
	int fd;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		FAIL("cannot become nobody: %s", strerror(errno));
		return;
	}
	/* Our own children stay ours to attach to. */
	prctl(PR_SET_DUMPABLE, 1);
	unprivileged = 1;
	fd = open("/dev/utrace-test", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		struct utrace_test_attach a = { .pid = 1, .nr = -1 };

		EXPECT(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EPERM,
		       "nobody attached a test engine to init (%s)", ename(errno));
		close(fd);
	}
	EXPECT(pt(PTRACE_MULTI, getppid(), rR->base, 1) == -1 && errno == ESRCH,
	       "PTRACE_MULTI on a process we do not trace: %s", ename(errno));
	utrace_device_run(r);
}

/* ------------------------------------------------------------------ */
/* /dev/utrace-channel                                                 */
/* ------------------------------------------------------------------ */

/*
 * The channel's requests with random operands, against a child that makes
 * harmless calls forever through libc's syscall() (whose argument
 * registers are the caller's to lose: changing them at exit breaks
 * nothing).  A reply may renumber a call, but only to another harmless
 * one or to a number no table has; memory is written only into the
 * child's copy of chan_scratch, which it never reads.  Every answer must
 * be one the header allows; at the end the channel's close lets the child
 * go and SIGKILL reaps it.
 */
static char chan_scratch[4096];

static void chan_child(void)
{
	for (;;) {
		syscall(SYS_getppid);
		syscall(SYS_getuid, 1, 2, 3);
		syscall(SYS_sched_yield);
	}
}

struct chan_fuzz {
	int fd;
	pid_t child;
	int engines;
	__u64 pending[16];	/* ids read and not answered (as far as we know) */
	int npending;
};

static void chan_open_fd(struct chan_fuzz *c)
{
	c->fd = open("/dev/utrace-channel", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	c->engines = 0;
	c->npending = 0;
	EXPECT(c->fd >= 0, "open /dev/utrace-channel: %s", ename(errno));
}

static void chan_attach_child(struct chan_fuzz *c, struct rng *r)
{
	static unsigned char bits[UTRACE_CHANNEL_SYSCALLS_MAX + 16];
	struct utrace_channel_attach a = { .pid = c->child };
	int bad_events, bad_bitmap;
	long ret;

	a.events = percent(r, 90) ? between(r, 1, 0x1f) : (unsigned int)rnd(r);
	if (percent(r, 5))
		a.flags = 1U << below(r, 32);
	/* A syscall set, mostly none; some past the limit, some unreadable. */
	if (percent(r, 30)) {
		a.syscalls_size = percent(r, 90) ? between(r, 1, UTRACE_CHANNEL_SYSCALLS_MAX) :
						   between(r, 1, sizeof(bits));
		for (unsigned int i = 0; i < a.syscalls_size; i++)
			bits[i] = rnd(r);
		a.syscalls = percent(r, 95) ? (unsigned long)bits : between(r, 1, 4096);
	} else if (percent(r, 3)) {
		a.syscalls_size = rnd(r);
		a.syscalls = rnd(r);
	}
	note("channel attach events %#x flags %#x syscalls %u bytes at %#llx", a.events, a.flags,
	     a.syscalls_size, (unsigned long long)a.syscalls);
	bad_events = !a.events || (a.events & ~0x1fU) || (a.flags & ~UTRACE_CHANNEL_FOLLOW) ||
		     a.syscalls_size > UTRACE_CHANNEL_SYSCALLS_MAX;
	bad_bitmap = a.syscalls_size && a.syscalls != (unsigned long)bits;
	errno = 0;
	ret = ioctl(c->fd, UTRACE_CHANNEL_ATTACH, &a);
	if (ret >= 0) {
		EXPECT(!bad_events && !bad_bitmap,
		       "attach with events %#x flags %#x syscalls %u bytes at %#llx returned %ld",
		       a.events, a.flags, a.syscalls_size, (unsigned long long)a.syscalls, ret);
		c->engines++;
	} else if (bad_events) {
		EXPECT(errno == EINVAL, "attach with events %#x flags %#x syscalls %u bytes: %s",
		       a.events, a.flags, a.syscalls_size, ename(errno));
	} else if (bad_bitmap) {
		/* The header's order: the bitmap is read before the target is looked at. */
		EXPECT(errno == EFAULT, "attach with an unreadable syscall set: %s", ename(errno));
	} else {
		EXPECT(in_set(EB(ENOSPC) | EB(ESRCH), errno), "attach: %s", ename(errno));
	}
}

static void chan_new_child(struct chan_fuzz *c, struct rng *r)
{
	if (c->child > 0) {
		/*
		 * The old child may wait for this monitor in its exit report:
		 * one dying of a signal is in a group exit, which drops a
		 * SIGKILL, as a ptrace exit stop of such a task is left only by
		 * its tracer.  The channel's close lets it go, as kill_reap()'s
		 * PTRACE_CONT lets a tracee go (arm64's seed utrace-1 waited
		 * 20 s there, iteration 264).
		 */
		close(c->fd);
		chan_open_fd(c);
		kill_reap(c->child, 20000);
	}
	c->child = fork();
	if (c->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		chan_child();
	}
	c->npending = 0;
	chan_attach_child(c, r);
}

static __u64 chan_some_id(struct chan_fuzz *c, struct rng *r)
{
	if (c->npending && percent(r, 80))
		return c->pending[below(r, c->npending)];
	return percent(r, 50) ? rnd(r) : below(r, 1 << 20) << 16 | below(r, 4);
}

static void chan_forget(struct chan_fuzz *c, __u64 id)
{
	for (int i = 0; i < c->npending; i++)
		if (c->pending[i] == id) {
			c->pending[i] = c->pending[--c->npending];
			return;
		}
}

static void chan_took(struct chan_fuzz *c, const struct utrace_channel_event *ev, size_t n);

static void chan_read(struct chan_fuzz *c, struct rng *r)
{
	struct utrace_channel_event ev[4];
	size_t len = percent(r, 80) ? between(r, 1, 4) * sizeof(ev[0]) : below(r, sizeof(ev));
	void *buf = percent(r, 5) ? (void *)between(r, 1, 4096) : ev;
	ssize_t n;

	note("channel read %zu bytes into %p", len, buf);
	errno = 0;
	n = syscall(SYS_read, c->fd, buf, len);
	if (n < 0) {
		errset ok = EB(EAGAIN) | (len < sizeof(ev[0]) ? EB(EINVAL) : 0) |
			    (buf != ev ? EB(EFAULT) : 0);

		EXPECT(in_set(ok, errno), "read of %zu bytes: %s", len, ename(errno));
		return;
	}
	EXPECT(n > 0 && n % sizeof(ev[0]) == 0 && (size_t)n <= len && buf == ev,
	       "read of %zu bytes returned %zd", len, n);
	if (buf == ev)
		chan_took(c, ev, n / sizeof(ev[0]));
}

/* @k random replies, to ids read or not, renumbering only to harmless calls. */
static void chan_fill_replies(struct chan_fuzz *c, struct rng *r,
			      struct utrace_channel_reply *rep, int k)
{
	static const long safe_nr[] = { SYS_getppid, SYS_getuid, SYS_sched_yield, SYS_getpid,
					100000, -1 };

	for (int i = 0; i < k; i++) {
		rep[i].id = chan_some_id(c, r);
		rep[i].action = percent(r, 90) ? below(r, 2) : (__u32)rnd(r);
		rep[i].flags = below(r, 16) | (percent(r, 5) ? 1U << below(r, 32) : 0);
		rep[i].nr = safe_nr[below(r, ARRAY_SIZE(safe_nr))];
		for (int a = 0; a < 6; a++)
			rep[i].args[a] = rnd(r);
		rep[i].result = percent(r, 50) ? -(long)below(r, 4096) : (long)rnd(r);
	}
}

/* The events of a read or an exchange: the child's, of a kind the header has. */
static void chan_took(struct chan_fuzz *c, const struct utrace_channel_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		EXPECT(ev[i].pid == c->child && ev[i].tid == c->child,
		       "event of pid %d tid %d, child %d", ev[i].pid, ev[i].tid, c->child);
		EXPECT(ev[i].kind >= UTRACE_CHANNEL_SYSCALL_ENTRY &&
		       ev[i].kind <= UTRACE_CHANNEL_TASK_EXIT, "kind %u", ev[i].kind);
		if (c->npending < 16)
			c->pending[c->npending++] = ev[i].id;
	}
}

static void chan_write(struct chan_fuzz *c, struct rng *r)
{
	struct utrace_channel_reply rep[3];
	int k = between(r, 1, 3);
	size_t len = k * sizeof(rep[0]);
	void *buf = rep;
	ssize_t n;

	chan_fill_replies(c, r, rep, k);
	if (percent(r, 5))
		len -= between(r, 1, sizeof(rep[0]) - 1);
	if (percent(r, 3))
		buf = (void *)between(r, 1, 4096);
	note("channel write %d replies (%zu bytes), first id %#llx action %u flags %#x", k, len,
	     (unsigned long long)rep[0].id, rep[0].action, rep[0].flags);
	errno = 0;
	n = syscall(SYS_write, c->fd, buf, len);
	if (n < 0) {
		EXPECT(in_set(EB(EINVAL) | EB(ENOENT) | EB(EFAULT), errno), "write: %s",
		       ename(errno));
		return;
	}
	EXPECT(n > 0 && n % sizeof(rep[0]) == 0 && (size_t)n <= len && buf == rep,
	       "write of %zu bytes returned %zd", len, n);
	for (size_t i = 0; buf == rep && i < n / sizeof(rep[0]); i++)
		chan_forget(c, rep[i].id);
}

static void chan_mem(struct chan_fuzz *c, struct rng *r)
{
	static char local[8192];
	struct utrace_channel_mem m = { 0 };
	long ret;

	m.id = chan_some_id(c, r);
	m.op = percent(r, 95) ? between(r, 1, 3) : (__u32)rnd(r);
	m.reserved = percent(r, 5) ? rnd(r) : 0;
	m.len = percent(r, 90) ? below(r, sizeof(local) + 1) : rnd(r) % (3 << 20);
	if (m.op == UTRACE_CHANNEL_MEM_WRITE) {
		/* Only into the child's scratch page, or nowhere. */
		m.addr = percent(r, 80) ? (unsigned long)chan_scratch : rnd(r) | (1UL << 63);
		if (m.len > sizeof(chan_scratch))
			m.len = below(r, sizeof(chan_scratch) + 1);
	} else {
		m.addr = percent(r, 50) ? (unsigned long)chan_scratch + below(r, 8192) : rnd(r);
	}
	m.buf = percent(r, 90) ? (unsigned long)local : between(r, 1, 4096);
	if (m.len > sizeof(local) && m.buf == (unsigned long)local)
		m.len = sizeof(local);
	note("channel mem id %#llx op %u addr %#llx len %llu buf %#llx",
	     (unsigned long long)m.id, m.op, (unsigned long long)m.addr,
	     (unsigned long long)m.len, (unsigned long long)m.buf);
	errno = 0;
	ret = ioctl(c->fd, UTRACE_CHANNEL_MEM, &m);
	if (ret < 0)
		EXPECT(in_set(EB(ENOENT) | EB(EINVAL) | EB(EFAULT) | EB(EIO) | EB(EPERM), errno),
		       "mem: %s", ename(errno));
	else
		EXPECT((unsigned long long)ret <= m.len, "mem of %llu bytes returned %ld",
		       (unsigned long long)m.len, ret);
}

/*
 * UTRACE_CHANNEL_EXCHANGE: up to three random replies (or a bad pointer to
 * some), then up to four events (the file is O_NONBLOCK: never a wait), or
 * a bad pointer for them, or flags.  The replies taken are the first
 * `replied`; a refused one stops them and reads nothing.
 */
static void chan_exchange(struct chan_fuzz *c, struct rng *r)
{
	struct utrace_channel_event ev[4];
	struct utrace_channel_reply rep[3] = { { 0 } };
	struct utrace_channel_exchange x = { 0 };
	int k = below(r, 4), bad_events, early;
	__u32 before;
	long ret;

	chan_fill_replies(c, r, rep, k);
	x.replies = (unsigned long)rep;
	x.nr_replies = k;
	if (percent(r, 3)) {
		x.replies = between(r, 1, 4096);
		x.nr_replies = rnd(r) | 1;
	}
	x.nr_events = percent(r, 90) ? below(r, 5) : (__u32)rnd(r);
	bad_events = percent(r, 5);
	x.events = bad_events ? between(r, 1, 4096) : (unsigned long)ev;
	x.flags = percent(r, 5) ? (__u32)rnd(r) | 1 : 0;
	x.replied = before = rnd(r);
	/* Refused before any reply, replied not written. */
	early = x.flags || x.nr_replies > 1024;
	note("channel exchange %u replies at %#llx, first id %#llx; %u events at %#llx; "
	     "flags %#x", x.nr_replies, (unsigned long long)x.replies,
	     (unsigned long long)rep[0].id, x.nr_events, (unsigned long long)x.events,
	     x.flags);
	errno = 0;
	ret = ioctl(c->fd, UTRACE_CHANNEL_EXCHANGE, &x);
	if (ret < 0) {
		errset ok = EB(EINVAL) | EB(ENOENT) | EB(EFAULT) | EB(EAGAIN);

		EXPECT(in_set(ok, errno) && (!early || errno == EINVAL), "exchange: %s",
		       ename(errno));
		EXPECT(early || !x.nr_replies ? x.replied == before : x.replied <= x.nr_replies,
		       "exchange failed with %u of %u replies taken (%u before)", x.replied,
		       x.nr_replies, before);
	} else {
		EXPECT(!early && x.replied == (x.nr_replies ? x.nr_replies : before) &&
		       (!bad_events || !x.nr_events) &&
		       ret <= (x.nr_events < 4 ? x.nr_events : 4) && (ret > 0) == (x.nr_events > 0),
		       "exchange of %u replies, %u events returned %ld, %u replied", x.nr_replies,
		       x.nr_events, ret, x.replied);
		chan_took(c, ev, ret > 0 && !bad_events ? ret : 0);
	}
	for (__u32 i = 0; !early && x.nr_replies && x.replies == (unsigned long)rep &&
			  i < x.replied && i < 3; i++)
		chan_forget(c, rep[i].id);
}

/*
 * UTRACE_CHANNEL_ADDFD of /dev/null, or of a random descriptor, into the
 * child: at a free number or at 40..63 (the child uses none of them), as
 * the event's answer or not.  A SEND that succeeds answers the event.
 */
static void chan_addfd(struct chan_fuzz *c, struct rng *r, int null_fd)
{
	struct utrace_channel_addfd a = { 0 };
	int setfd;
	long ret;

	a.id = chan_some_id(c, r);
	a.srcfd = percent(r, 85) ? (__u32)null_fd : (__u32)rnd(r);
	a.flags = percent(r, 90) ? below(r, 4) : (__u32)rnd(r);
	setfd = a.flags & UTRACE_CHANNEL_ADDFD_SETFD;
	if (setfd || percent(r, 5))
		a.newfd = percent(r, 90) ? between(r, 40, 63) : (__u32)rnd(r);
	a.newfd_flags = percent(r, 90) ? (percent(r, 50) ? O_CLOEXEC : 0) : (__u32)rnd(r);
	if (setfd && a.newfd < 40)
		a.newfd = 40;
	note("channel addfd id %#llx srcfd %d newfd %u flags %#x newfd_flags %#x",
	     (unsigned long long)a.id, (int)a.srcfd, a.newfd, a.flags, a.newfd_flags);
	errno = 0;
	ret = ioctl(c->fd, UTRACE_CHANNEL_ADDFD, &a);
	if (ret < 0) {
		errset ok = EB(EINVAL) | EB(EBADF) | EB(ENOENT) | EB(ESRCH) | EB(EMFILE);

		EXPECT(in_set(ok, errno), "addfd: %s", ename(errno));
		return;
	}
	EXPECT(!(a.flags & ~3U) && !(a.newfd_flags & ~O_CLOEXEC) && (setfd || !a.newfd) &&
	       (!setfd || ret == a.newfd) && ret >= 0,
	       "addfd srcfd %d newfd %u flags %#x newfd_flags %#x returned %ld", (int)a.srcfd,
	       a.newfd, a.flags, a.newfd_flags, ret);
	if (a.flags & UTRACE_CHANNEL_ADDFD_SEND)
		chan_forget(c, a.id);
}

static void channel_run(struct rng *r)
{
	static const unsigned int w[] = { 30, 30, 20, 4, 4, 2, 2, 3, 5, 6, 20 };
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct chan_fuzz c = { .fd = -1 };

	chan_open_fd(&c);
	chan_new_child(&c, r);
	for (unsigned long i = 0; i < fuzz_iters && case_failures < MAX_FAILURES; i++) {
		long ret;

		begin_iter(i);
		switch (pick(r, w, ARRAY_SIZE(w))) {
		case 0:
			chan_read(&c, r);
			break;
		case 1:
			chan_write(&c, r);
			break;
		case 2:
			chan_mem(&c, r);
			break;
		case 3:
			ret = percent(r, 50) ? (long)below(r, 8) : (long)rnd(r);
			note("channel detach %#lx", ret);
			errno = 0;
			if (ioctl(c.fd, UTRACE_CHANNEL_DETACH, ret) == 0)
				c.engines--;
			else
				EXPECT(errno == ESRCH, "detach %#lx: %s", ret, ename(errno));
			break;
		case 4:
			if (c.engines < 8)
				chan_attach_child(&c, r);
			break;
		case 5:
			note("channel: a new child");
			chan_new_child(&c, r);
			break;
		case 6:
			note("channel: closed and opened again");
			close(c.fd);
			chan_open_fd(&c);
			chan_attach_child(&c, r);
			break;
		case 7:
			ret = percent(r, 80) ? (long)below(r, 2) : (long)rnd(r);
			note("channel on-close %#lx", ret);
			errno = 0;
			if (ioctl(c.fd, UTRACE_CHANNEL_SET_ON_CLOSE, ret))
				EXPECT(in_set(EB(EBUSY) | EB(EINVAL), errno), "on-close %#lx: %s",
				       ret, ename(errno));
			else
				EXPECT(ret == 0 || ret == 1, "on-close %#lx accepted", ret);
			break;
		case 8:
			ret = rnd(r);
			note("channel ioctl %#lx", ret & 0xffffffff);
			errno = 0;
			if (ioctl(c.fd, (unsigned int)ret, 0) != -1 || errno == 0)
				EXPECT(0 || (((unsigned int)ret >> 8) & 0xff) == UTRACE_CHANNEL_IOC_MAGIC,
				       "ioctl %#x succeeded", (unsigned int)ret);
			break;
		case 9:
			chan_addfd(&c, r, null_fd);
			break;
		case 10:
			chan_exchange(&c, r);
			break;
		}
	}
	/* The close lets every waiting call go; the child then dies of SIGKILL. */
	close(null_fd);
	close(c.fd);
	EXPECT(kill_reap(c.child, 20000), "the channel's child does not die from SIGKILL");
}

/* ------------------------------------------------------------------ */
/* /dev/utrace-branch                                                  */
/* ------------------------------------------------------------------ */

/*
 * The branch device's requests with random operands, on two files, against
 * a child that sleeps in read(2) on a pipe and, for each byte it gets, runs
 * a short loop of calls and sleeps again: once attached it is stepped one
 * instruction at a time (thousands of times slower), so it stays asleep but
 * for those tiny bursts, and in guaranteed flow with a small buffer it
 * stops for our reads.  Only that child is ever attached to: an attach
 * naming another live process (init, our parent...) is given 0 records,
 * so that it fails before it looks at the target, since one that succeeded
 * would step that process, and in guaranteed flow stop it; and a real
 * attach asks for at most BR_BIG records, the guest having 2 GiB (MAX and
 * larger counts go only to attaches that fail before the allocation).
 * The model: what each file traces, the records read from it and a lower
 * bound of those waiting; every answer must be one the header allows, in
 * the order of its checks (that of engines/branch/device.rs's attach()),
 * and every status must agree with the model.  Reads and polls never
 * block: O_NONBLOCK, or a poll first.  Closing the file that steps the
 * child, or SIGKILL, must let the child go.
 */
#define BR_FILES	2
#define BR_ITERS_MAX	1500UL
/* The child's loop for each byte: about 150 taken branches. */
#define BR_BURST_LOOPS	50
/* The most records an attach that reaches the allocation asks for: 16 MiB. */
#define BR_BIG		(1ULL << 20)
/* How long the child may take to start, or to run a burst untraced. */
#define BR_WAIT_MS	10000L
/* Above PID_MAX_LIMIT (4 Mi on 64-bit): no task has it. */
#define BR_NO_PID	4194305
#define BR_REC		sizeof(struct utrace_branch)
#define BR_FLAGS	(UTRACE_BRANCH_FLOW | UTRACE_BRANCH_FROM_EXEC | UTRACE_BRANCH_SCHED)
/* A flow with scheduling records keeps this many records free for a step. */
#define BR_SCHED_SLACK	(2 * UTRACE_BRANCH_SPANS)
#define BR_STATES	(UTRACE_BRANCH_STARTED | UTRACE_BRANCH_WAITING | UTRACE_BRANCH_ENDED)

/* Where the child's code and the libc it calls lie: every record's ends. */
extern char __executable_start[], etext[];

/* Shared with the child. */
struct br_progress {
	volatile unsigned long started;	/* children past their setup */
	volatile unsigned long bursts;	/* bursts the current child ran */
};

struct br_file {
	int fd;				/* -1: closed */
	int nonblock;			/* O_NONBLOCK (else reads poll first) */
	int attached;
	unsigned long gen;		/* the child it traces (br_fuzz.gen then) */
	unsigned int flags;
	__u64 records;
	__u64 read_total;		/* records our reads returned */
	unsigned long faults;		/* reads that took records and copied not all */
	__u64 held_lo;			/* records waiting, at least */
	int drained;			/* the trace ended and nothing waits: reads give 0 */
	struct utrace_branch_status last;	/* the last status, for monotony */
};

struct br_fuzz {
	struct br_file f[BR_FILES];
	pid_t child, gone;
	unsigned long gen;		/* the current child's generation */
	int go;				/* our end of the child's pipe */
	unsigned long sent;		/* bursts asked of the current child */
	struct br_progress *p;
};

/* A call the child's loop makes: a taken branch there and one back. */
static __attribute__((noinline)) unsigned long br_leaf(unsigned long x)
{
	asm volatile("" : "+r"(x));
	return x * 3 + 1;
}

/* The child: a burst of BR_BURST_LOOPS calls for each byte on fd 3. */
static void __attribute__((noreturn)) br_child(struct br_progress *p)
{
	unsigned long x = 0;
	char c;

	for (;;) {
		ssize_t n = read(3, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1)
			_exit(0);
		for (int i = 0; i < BR_BURST_LOOPS; i++)
			x = br_leaf(x + i);
		p->bursts++;
	}
}

static int br_in_text(__u64 a)
{
	return a >= (unsigned long)__executable_start && a < (unsigned long)etext;
}

static int br_index(struct br_fuzz *b, struct br_file *f)
{
	return (int)(f - b->f);
}

/* Whether @f traces the live child (ended otherwise: its child is dead). */
static int br_live(struct br_fuzz *b, struct br_file *f)
{
	return f->attached && f->gen == b->gen;
}

/* Whether a file steps the child (one FROM_EXEC never does: it never execs). */
static int br_stepped(struct br_fuzz *b)
{
	for (int i = 0; i < BR_FILES; i++)
		if (b->f[i].fd >= 0 && br_live(b, &b->f[i]) &&
		    !(b->f[i].flags & UTRACE_BRANCH_FROM_EXEC))
			return 1;
	return 0;
}

/* Checks an outcome: @want (0: success, returning 0), or an errno of @also. */
static int br_expect(const char *what, long ret, int err, int want, errset also)
{
	char s[128];

	if (!want && ret == 0)
		return 1;
	if (ret == -1 && err && (err == want || in_set(also, err)))
		return 0;
	FAIL("%s: %ld (%s); wanted %s%s%s", what, ret, ret == -1 ? ename(err) : "no error",
	     want ? ename(want) : "success", also ? " or " : "",
	     also ? set_str(also, s, sizeof(s)) : "");
	return 0;
}

static void br_open(struct br_fuzz *b, struct br_file *f, struct rng *r)
{
	memset(f, 0, sizeof(*f));
	f->nonblock = percent(r, 75);
	note("branch: open file %d%s", br_index(b, f), f->nonblock ? " O_NONBLOCK" : "");
	f->fd = open("/dev/utrace-branch", O_RDWR | O_CLOEXEC | (f->nonblock ? O_NONBLOCK : 0));
	EXPECT(f->fd >= 0, "open /dev/utrace-branch: %s", ename(errno));
}

/* A new child, asleep on its pipe, holding none of our files. */
static void br_spawn(struct br_fuzz *b)
{
	unsigned long started = b->p->started;
	long end = now_ms() + BR_WAIT_MS;
	int p[2];

	b->child = -1;
	if (pipe2(p, O_CLOEXEC)) {
		FAIL("pipe: %s", strerror(errno));
		return;
	}
	b->p->bursts = 0;
	b->sent = 0;
	fflush(stdout);
	b->child = fork();
	if (b->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/*
		 * Its end of the pipe as fd 3, and nothing else: a file of
		 * ours it held would stay open when we close it, and in
		 * guaranteed flow it would wait for its own drain.
		 */
		if (dup2(p[0], 3) != 3)
			_exit(1);
		close_range(4, ~0U, 0);
		__atomic_add_fetch(&b->p->started, 1, __ATOMIC_SEQ_CST);
		br_child(b->p);
	}
	close(p[0]);
	b->go = p[1];
	if (b->child < 0) {
		FAIL("fork: %s", strerror(errno));
		close(b->go);
		b->go = -1;
		return;
	}
	while (b->p->started == started && now_ms() < end)
		sleep_ms(1);
	EXPECT(b->p->started != started, "the branch child %d does not start", b->child);
}

/* SIGKILL for the child, which must not have died before (SIGTRAP...). */
static void br_end_child(struct br_fuzz *b)
{
	int status = 0;

	if (b->child <= 0)
		return;
	if (waitpid(b->child, &status, WNOHANG) == b->child)
		FAIL("the branch child died on its own: wait status %#x", status);
	else
		EXPECT(kill_reap(b->child, 20000), "the branch child %d does not die from SIGKILL",
		       b->child);
	close(b->go);
	b->go = -1;
	b->gone = b->child;
	b->child = -1;
	b->gen++;
}

/* Nothing steps or stops the child now: a burst ends within BR_WAIT_MS. */
static void br_expect_child_runs(struct br_fuzz *b, const char *after)
{
	long end = now_ms() + BR_WAIT_MS;

	if (b->child <= 0)
		return;
	note("branch: the child must run a burst %s", after);
	if (write(b->go, "l", 1) != 1) {
		FAIL("write to the branch child's pipe: %s", strerror(errno));
		return;
	}
	b->sent++;
	while (b->p->bursts < b->sent && now_ms() < end)
		sleep_ms(1);
	if (b->p->bursts >= b->sent)
		return;
	FAIL("the branch child ran %lu of %lu bursts in %ld ms %s", b->p->bursts, b->sent,
	     BR_WAIT_MS, after);
	dump_proc(b->child, "stat");
	dump_proc(b->child, "wchan");
	dump_proc(b->child, "stack");
}

/* A status that came back: the header's invariants and the model's. */
static void br_check_status(struct br_fuzz *b, struct br_file *f,
			    const struct utrace_branch_status *s)
{
	const struct utrace_branch_status *o = &f->last;
	unsigned long long held = s->held, branches = s->branches, lost = s->overwritten;
	unsigned long long rd = f->read_total, stops = s->stops, steps = s->steps;
	unsigned long long spans = s->switches, missed = s->switches_missed;
	/* Every record made: the branches, and two for each span off the CPU. */
	unsigned long long made = branches + 2 * spans;
	int flow = f->flags & UTRACE_BRANCH_FLOW, live = br_live(b, f);
	int sched = f->flags & UTRACE_BRANCH_SCHED;
	unsigned long long slack = flow && sched ? BR_SCHED_SLACK : 0;

	EXPECT(!s->reserved, "reserved %u", s->reserved);
	EXPECT(s->records == f->records, "records %llu, attached with %llu",
	       (unsigned long long)s->records, (unsigned long long)f->records);
	EXPECT(!(s->state & ~BR_STATES), "state %#x", s->state);
	EXPECT(held <= s->records && held >= f->held_lo, "held %llu of %llu, %llu at least",
	       held, (unsigned long long)s->records, (unsigned long long)f->held_lo);
	EXPECT(lost <= made && branches <= steps, "overwritten %llu, branches %llu, spans "
	       "%llu, steps %llu", lost, branches, spans, steps);
	EXPECT(sched || (!spans && !missed), "no scheduling records asked, yet %llu spans, "
	       "%llu missed", spans, missed);
	EXPECT(spans >= o->switches && missed >= o->switches_missed, "spans went back: %llu "
	       "%llu, were %llu %llu", spans, missed, (unsigned long long)o->switches,
	       (unsigned long long)o->switches_missed);
	EXPECT(branches >= o->branches && steps >= o->steps && stops >= o->stops &&
	       lost >= o->overwritten, "counters went back: branches %llu steps %llu stops "
	       "%llu overwritten %llu, were %llu %llu %llu %llu", branches, steps, stops, lost,
	       (unsigned long long)o->branches, (unsigned long long)o->steps,
	       (unsigned long long)o->stops, (unsigned long long)o->overwritten);
	if (live)
		EXPECT(!(s->state & UTRACE_BRANCH_ENDED), "state %#x: ended, the child alive",
		       s->state);
	else
		EXPECT((s->state & UTRACE_BRANCH_ENDED) && !(s->state & UTRACE_BRANCH_WAITING),
		       "state %#x once the child is reaped", s->state);
	if (f->flags & UTRACE_BRANCH_FROM_EXEC)
		EXPECT(!(s->state & UTRACE_BRANCH_STARTED) && !steps && !branches,
		       "the child never execs, yet state %#x steps %llu branches %llu",
		       s->state, steps, branches);
	else
		EXPECT(s->state & UTRACE_BRANCH_STARTED, "state %#x", s->state);
	if (!flow) {
		EXPECT(!stops && !(s->state & UTRACE_BRANCH_WAITING),
		       "a ring: stops %llu state %#x", stops, s->state);
		/* Each record stored is read, waiting, or overwritten. */
		EXPECT(made == rd + held + lost, "records %llu, read %llu + held %llu + "
		       "overwritten %llu", made, rd, held, lost);
	} else {
		/* Full: no more than the slack free. */
		EXPECT(!(s->state & UTRACE_BRANCH_WAITING) || held + slack >= s->records,
		       "waiting for a drain with %llu of %llu held", held,
		       (unsigned long long)s->records);
		/* A stop each time the buffer fills: once, then after each take. */
		EXPECT(stops <= 1 + rd + f->faults, "%llu stops for %llu records read, %lu "
		       "faulted reads", stops, rd, f->faults);
		if (!lost) {
			EXPECT(made == rd + held, "guaranteed flow: records %llu, read %llu "
			       "+ held %llu", made, rd, held);
		} else {
			FAIL("guaranteed flow lost %llu records (made %llu, read %llu, held "
			     "%llu, %lu faulted reads)", lost, made, rd, held, f->faults);
		}
	}
	f->last = *s;
	f->held_lo = held;
	f->drained = !live && !held;
}

static void br_status(struct br_fuzz *b, struct br_file *f, struct rng *r)
{
	struct utrace_branch_status s;
	void *p = &s;
	char what[128];
	int want;
	long ret;

	memset(&s, 0xa5, sizeof(s));
	if (r && percent(r, 8)) {
		switch (below(r, 4)) {
		case 0:
			p = (void *)below(r, 4096);
			break;
		case 1:
			p = (void *)rLRO->base;
			break;
		case 2:
			/* Its first bytes writable, not all. */
			p = (void *)(rSCR->base + PAGE - between(r, 1, sizeof(s) - 1));
			break;
		default:
			p = (void *)(0xffffffff81000000UL + below(r, 4096));
		}
	}
	want = f->fd < 0 ? EBADF : !f->attached ? EBADFD : p != &s ? EFAULT : 0;
	snprintf(what, sizeof(what), "branch status of file %d into %p", br_index(b, f), p);
	note("%s", what);
	errno = 0;
	ret = ioctl(f->fd, UTRACE_BRANCH_STATUS, p);
	if (br_expect(what, ret, errno, want, 0))
		br_check_status(b, f, &s);
}

/*
 * What an attach to @pid must fail with for its target alone (0: it
 * reaches the attach, our child); *@also: errnos allowed besides;
 * *@foreign: a live process not ours, never to be attached to.
 */
static int br_target_err(struct br_fuzz *b, pid_t pid, errset *also, int *foreign)
{
	*also = 0;
	*foreign = 0;
	if (pid < 0)
		return EINVAL;
	if (pid == 0 || pid == getpid())
		return EPERM;	/* the caller's own process */
	if (pid == b->child)
		return 0;
	if (pid == 2)
		return EPERM;	/* kthreadd */
	if (pid >= BR_NO_PID)
		return ESRCH;
	if (!kill(pid, 0) || errno != ESRCH) {
		*foreign = 1;
		return EPERM;
	}
	/* No such process now; a new kernel thread may take the pid. */
	if (pid != b->gone)
		*also = EB(EPERM);
	return ESRCH;
}

static void br_attach(struct br_fuzz *b, struct br_file *f, struct rng *r)
{
	static const char *const tnames[] = {
		"the child", "pid 0", "own pid", "a reaped pid", "init", "kthreadd",
		"a negative pid", "a random pid",
	};
	static const unsigned int tw[] = { 50, 5, 5, 6, 4, 4, 4, 8 };
	/* By flags: 0 to 7 (FLOW, FROM_EXEC, SCHED). */
	static const unsigned int fw[] = { 25, 30, 8, 9, 10, 12, 3, 3 };
	struct utrace_branch_attach a = { 0 };
	struct br_file *g = &b->f[f == &b->f[0]];
	int t = PICK(r, tw), kind = P_OK, foreign, bad_args, want, err, terr;
	unsigned long arg = (unsigned long)&a;
	errset also = 0, talso;
	char what[256];
	long ret;

	switch (t) {
	case 0:
		a.pid = b->child;
		break;
	case 1:
		a.pid = 0;
		break;
	case 2:
		a.pid = getpid();
		break;
	case 3:
		a.pid = b->gone > 0 && kill(b->gone, 0) && errno == ESRCH ? b->gone :
			BR_NO_PID + (int)below(r, 1000000);
		break;
	case 4:
		a.pid = 1;
		break;
	case 5:
		a.pid = 2;
		break;
	case 6:
		a.pid = percent(r, 50) ? -1 : INT_MIN + (int)below(r, 1000);
		break;
	default:
		a.pid = percent(r, 50) ? (int)rnd(r) : (int)between(r, 3, 40000);
	}
	a.flags = PICK(r, fw);
	if (percent(r, 8))
		a.flags = percent(r, 50) ? (uint32_t)rnd(r) : a.flags | 1U << between(r, 3, 31);
	switch (below(r, 20)) {
	case 0:
	case 1:
		a.records = between(r, 17, 4096);
		break;
	case 2:
		a.records = 0;
		break;
	case 3:
		a.records = UTRACE_BRANCH_MAX_RECORDS;
		break;
	case 4:
		a.records = UTRACE_BRANCH_MAX_RECORDS + 1;
		break;
	case 5:
		a.records = rnd(r);
		break;
	default:
		a.records = between(r, 1, 16);
	}
	terr = br_target_err(b, a.pid, &talso, &foreign);
	bad_args = (a.flags & ~BR_FLAGS) || !a.records || a.records > UTRACE_BRANCH_MAX_RECORDS ||
		   ((a.flags & UTRACE_BRANCH_FLOW) && (a.flags & UTRACE_BRANCH_SCHED) &&
		    a.records < UTRACE_BRANCH_SCHED_FLOW_MIN);
	if (foreign && !bad_args) {
		/* Fails before the target is looked at (see above). */
		a.records = 0;
		bad_args = 1;
	}
	if (!terr && !bad_args && a.records > BR_BIG)
		a.records = BR_BIG;
	if (percent(r, 25))
		arg = place(r, &a, sizeof(a), &kind);
	if (f->fd < 0)
		want = EBADF;
	else if (kind == P_BAD)
		want = EFAULT;
	else if (bad_args)
		want = EINVAL;
	else if (f->attached)
		want = EBUSY;
	else if (terr) {
		want = terr;
		also = talso;
	} else {
		/* The memlock charge and the buffer come before EEXIST. */
		if (a.records >= BR_BIG)
			also = EB(ENOMEM);
		want = g->fd >= 0 && br_live(b, g) ? EEXIST : 0;
	}
	snprintf(what, sizeof(what), "branch attach on file %d: pid %d (%s) flags %#x records "
		 "%llu at %#lx", br_index(b, f), a.pid, tnames[t], a.flags,
		 (unsigned long long)a.records, arg);
	note("%s", what);
	errno = 0;
	ret = ioctl(f->fd, UTRACE_BRANCH_ATTACH, arg);
	err = errno;
	br_expect(what, ret, err, want, also);
	if (ret == 0 && a.pid != b->child) {
		/* Attached to a process not ours (failed above): let it go at once. */
		close(f->fd);
		br_open(b, f, r);
		return;
	}
	if (ret == 0) {
		memset(&f->last, 0, sizeof(f->last));
		f->attached = 1;
		f->gen = b->gen;
		f->flags = a.flags;
		f->records = a.records;
		f->read_total = 0;
		f->faults = 0;
		f->held_lo = 0;
		f->drained = 0;
		br_status(b, f, NULL);
	} else if (f->fd >= 0 && !f->attached) {
		struct utrace_branch_status s;

		/* A refused attach attaches nothing. */
		errno = 0;
		ret = ioctl(f->fd, UTRACE_BRANCH_STATUS, &s);
		EXPECT(ret == -1 && errno == EBADFD, "status after a refused attach: %ld (%s)",
		       ret, ename(errno));
	}
}

/*
 * A read of whole records, into our buffer or one that faults (in part),
 * of any size; on a file without O_NONBLOCK only after poll said it would
 * not wait.
 */
static void br_read(struct br_fuzz *b, struct br_file *f, struct rng *r)
{
	static struct utrace_branch buf[256];
	unsigned long p = (unsigned long)buf;
	size_t len, fit, k;
	int live = br_live(b, f), err;
	char what[160];
	ssize_t n;

	switch (below(r, 10)) {
	case 0:
		len = below(r, BR_REC);
		break;
	case 1:
	case 2:
	case 3:
	case 4:
		len = between(r, 1, 8) * BR_REC;
		break;
	case 5:
		len = between(r, 1, ARRAY_SIZE(buf)) * BR_REC;
		break;
	default:
		len = between(r, 1, 64) * BR_REC + between(r, 1, BR_REC - 1);
	}
	fit = len / BR_REC;
	if (percent(r, 6)) {
		/* Nothing writable. */
		p = between(r, 1, 4095);
		fit = 0;
	} else if (percent(r, 6) && len <= 64 * BR_REC) {
		/* Only the first @v bytes writable. */
		size_t v = below(r, len + 1);

		p = rSCR->base + PAGE - v;
		if (v / BR_REC < fit)
			fit = v / BR_REC;
	}
	if (f->fd >= 0 && !f->nonblock && f->attached && len >= BR_REC) {
		struct pollfd pf = { .fd = f->fd, .events = POLLIN };

		note("branch: poll file %d before a read", br_index(b, f));
		if (poll(&pf, 1, below(r, 3)) != 1 || !(pf.revents & POLLIN)) {
			EXPECT(live && !f->held_lo, "poll: nothing to read, %s, %llu records held",
			       live ? "the child alive" : "the trace ended",
			       (unsigned long long)f->held_lo);
			return;
		}
		if (live && !f->held_lo)
			f->held_lo = 1;
	}
	snprintf(what, sizeof(what), "branch read of %zu bytes into %#lx (%zu records fit) on "
		 "file %d", len, p, fit, br_index(b, f));
	note("%s", what);
	errno = 0;
	n = read(f->fd, (void *)p, len);
	err = errno;
	if (f->fd < 0 || !f->attached || len < BR_REC) {
		br_expect(what, n, err, f->fd < 0 ? EBADF : !f->attached ? EBADFD : EINVAL, 0);
		return;
	}
	if (n < 0) {
		if (err == EAGAIN) {
			EXPECT(f->nonblock && live && !f->held_lo, "%s: EAGAIN, %s, %llu records "
			       "held", what, live ? "the child alive" : "the trace ended",
			       (unsigned long long)f->held_lo);
		} else if (err == EFAULT) {
			/* Only when records wait and not one fits. */
			EXPECT(!fit && !f->drained, "%s: EFAULT", what);
			f->faults++;
		} else {
			FAIL("%s: %s", what, ename(err));
		}
		return;
	}
	if (!n) {
		EXPECT(!live && !f->held_lo, "%s: 0, %s, %llu records held", what,
		       live ? "the child alive" : "the trace ended",
		       (unsigned long long)f->held_lo);
		f->drained = !live;
		return;
	}
	k = n / BR_REC;
	if (n % BR_REC || k > fit) {
		FAIL("%s: %zd", what, n);
		return;
	}
	EXPECT(!f->drained, "%s: %zd bytes, after the end of the trace", what, n);
	/* As many as fit of those that wait: they wait till we read them. */
	EXPECT(k >= fit || k >= f->held_lo, "%s: %zu records, %llu held at least", what, k,
	       (unsigned long long)f->held_lo);
	for (size_t i = 0; i < k; i++) {
		const struct utrace_branch *e = (const struct utrace_branch *)p + i;

		if (br_in_text(e->from) && br_in_text(e->to))
			continue;
		/* A scheduling record: a time, with UTRACE_BRANCH_SCHED only. */
		if ((f->flags & UTRACE_BRANCH_SCHED) && (e->from == UTRACE_BRANCH_SWITCHED_OUT ||
							  e->from == UTRACE_BRANCH_SWITCHED_IN))
			continue;
		FAIL("record %zu of %zu: %#llx -> %#llx, not in the child's code (%p..%p)", i, k,
		     (unsigned long long)e->from, (unsigned long long)e->to, __executable_start,
		     etext);
		break;
	}
	if (p != (unsigned long)buf)
		f->faults++;
	f->read_total += k;
	f->held_lo = f->held_lo > k ? f->held_lo - k : 0;
	/* A read that stopped short found the buffer empty: after the end, for good. */
	if (!live && k < fit)
		f->drained = 1;
}

static void br_poll(struct br_fuzz *b, struct br_file *f, struct rng *r)
{
	struct pollfd pf = { .fd = f->fd, .events = POLLIN };
	int live = br_live(b, f), ret, fl;

	if (f->fd >= 0 && percent(r, 10)) {
		note("branch: O_NONBLOCK %s on file %d", f->nonblock ? "off" : "on",
		     br_index(b, f));
		fl = fcntl(f->fd, F_GETFL);
		EXPECT(fl != -1 && !fcntl(f->fd, F_SETFL, fl ^ O_NONBLOCK), "fcntl: %s",
		       ename(errno));
		f->nonblock = !f->nonblock;
		return;
	}
	note("branch: poll file %d", br_index(b, f));
	ret = poll(&pf, 1, below(r, 3));
	if (ret < 0 || ret > 1) {
		FAIL("poll: %d (%s)", ret, ename(errno));
		return;
	}
	if (f->fd < 0 || !f->attached)
		return;
	EXPECT(!(pf.revents & ~(POLLIN | POLLRDNORM)), "poll: revents %#x", pf.revents);
	if (!live || f->held_lo)
		EXPECT(pf.revents & POLLIN, "poll: revents %#x, %s, %llu records held",
		       pf.revents, live ? "the child alive" : "the trace ended",
		       (unsigned long long)f->held_lo);
	else if (pf.revents & POLLIN)
		f->held_lo = 1;
}

static void br_bad_ioctl(struct br_fuzz *b, struct br_file *f, struct rng *r)
{
	static const unsigned long valid[] = { UTRACE_BRANCH_ATTACH, UTRACE_BRANCH_STATUS };
	unsigned long cmd = gen_bad_cmd(r, UTRACE_BRANCH_IOC_MAGIC, valid, ARRAY_SIZE(valid));
	unsigned long arg = percent(r, 50) ? rL->base : rnd(r);
	char what[128];
	long ret;

	snprintf(what, sizeof(what), "ioctl %#lx %#lx on branch file %d", cmd, arg,
		 br_index(b, f));
	note("%s", what);
	errno = 0;
	ret = ioctl(f->fd, cmd, arg);
	br_expect(what, ret, errno, f->fd < 0 ? EBADF : ENOTTY, 0);
}

static void br_new_child(struct br_fuzz *b)
{
	unsigned long old = b->gen;

	note("branch: SIGKILL for the child, and a new one");
	br_end_child(b);
	/* Its traces end with it, before it is reaped. */
	for (int i = 0; i < BR_FILES; i++)
		if (b->f[i].fd >= 0 && b->f[i].attached && b->f[i].gen == old)
			br_status(b, &b->f[i], NULL);
	br_spawn(b);
}

/* Closes @f; if no other file steps the child now, it must run. */
static void br_close(struct br_fuzz *b, struct br_file *f, struct rng *r)
{
	int stepped = f->fd >= 0 && br_live(b, f) && !(f->flags & UTRACE_BRANCH_FROM_EXEC);

	note("branch: close file %d", br_index(b, f));
	if (f->fd >= 0)
		EXPECT(!close(f->fd), "close: %s", ename(errno));
	f->fd = -1;
	f->attached = 0;
	if (stepped && !br_stepped(b))
		br_expect_child_runs(b, "once the file that stepped it is closed");
	if (!r)
		return;
	if (percent(r, 20))
		br_new_child(b);
	if (f == &b->f[0] || percent(r, 50))
		br_open(b, f, r);
}

static void branch_run(struct rng *r)
{
	static const unsigned int w[] = { 20, 14, 24, 8, 8, 3, 6, 5 };
	unsigned long iters = fuzz_iters < BR_ITERS_MAX ? fuzz_iters : BR_ITERS_MAX;
	struct br_fuzz b = { .child = -1, .gen = 1, .go = -1 };

	/* A write to the pipe of a child that died on its own: EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	b.p = mmap(NULL, sizeof(*b.p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b.p == MAP_FAILED) {
		FAIL("mmap: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < BR_FILES; i++)
		b.f[i].fd = -1;
	br_spawn(&b);
	br_open(&b, &b.f[0], r);
	for (unsigned long i = 0; i < iters && case_failures < MAX_FAILURES; i++) {
		struct br_file *f = &b.f[percent(r, 70) ? 0 : 1];

		begin_iter(i);
		if (f->fd < 0 && percent(r, 50)) {
			br_open(&b, f, r);
			continue;
		}
		switch (PICK(r, w)) {
		case 0:
			br_attach(&b, f, r);
			break;
		case 1:
			br_status(&b, f, r);
			break;
		case 2:
			br_read(&b, f, r);
			break;
		case 3:
			br_poll(&b, f, r);
			break;
		case 4:
			/* A burst, if the child is not busy with two already. */
			if (b.child <= 0 || b.sent - b.p->bursts >= 2)
				break;
			note("branch: a burst of the child");
			if (write(b.go, "b", 1) == 1)
				b.sent++;
			else
				FAIL("write to the branch child's pipe: %s", strerror(errno));
			break;
		case 5:
			br_new_child(&b);
			break;
		case 6:
			br_close(&b, f, r);
			break;
		default:
			br_bad_ioctl(&b, f, r);
		}
	}
	for (int i = 0; i < BR_FILES; i++)
		br_close(&b, &b.f[i], NULL);
	br_expect_child_runs(&b, "once every file is closed");
	EXPECT(b.child > 0, "no branch child at the end");
	br_end_child(&b);
	munmap(b.p, sizeof(*b.p));
}

/* ------------------------------------------------------------------ */
/* PTRACE_BTS_*                                                        */
/* ------------------------------------------------------------------ */

/*
 * The branch trace's ptrace requests with random operands, against a
 * seized child that loops; the fuzzer, its tracer, lets it run in short
 * bursts (PTRACE_CONT, then PTRACE_INTERRUPT) so that a trace fills, and
 * drains or not at a full flow's stops.  Each answer must be the one the
 * header gives for the arguments, in its order of the checks, and the
 * counts must agree: SIZE never above the buffer, a DRAIN takes what it
 * returns (nothing when it faults at once), GET works below SIZE only,
 * CLEAR empties; PTRACE_MULTI refuses every one.
 */
#define BTS_ITERS_MAX	1500UL

struct bts_fuzz {
	pid_t child;
	int on, flow;		/* the fuzzer's trace of the child, as configured */
	uint64_t records;
};

static struct utrace_branch bts_buf[256];

static void bts_child(void)
{
	volatile unsigned long n = 0;

	for (;;)
		n = n * 3 + 1;
}

static void bts_spawn(struct bts_fuzz *b)
{
	int status;

	b->on = 0;
	b->child = fork();
	if (b->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		bts_child();
	}
	EXPECT(ptrace(PTRACE_SEIZE, b->child, 0, PTRACE_O_EXITKILL) == 0, "seize: %s",
	       ename(errno));
	EXPECT(ptrace(PTRACE_INTERRUPT, b->child, 0, 0) == 0 &&
	       wait_for(b->child, &status, 0, 10000) == b->child, "the child's first stop");
}

/* The records the child's trace holds (PTRACE_BTS_SIZE). */
static long bts_size(struct bts_fuzz *b)
{
	return ptrace(PTRACE_BTS_SIZE, b->child, 0, 0);
}

static void bts_config(struct bts_fuzz *b, struct rng *r)
{
	struct ptrace_bts_config c = {
		.flags = percent(r, 85) ? below(r, 8) : (uint32_t)rnd(r),
		.reserved = percent(r, 90) ? 0 : (uint32_t)rnd(r),
		/* Never more than 64 Ki records: the fuzzer has CAP_IPC_LOCK. */
		.records = percent(r, 80) ? below(r, 1 << 16) :
			   UTRACE_BRANCH_MAX_RECORDS + 1 + below(r, 2),
	};
	unsigned long data = percent(r, 90) ? sizeof(c) : below(r, 64);
	int bad_ptr = percent(r, 5);
	long ret;
	errset want;

	if (!(c.flags & PTRACE_BTS_O_TRACE) && percent(r, 50))
		c.records = 0;
	if (data != sizeof(c))
		want = EB(EINVAL);
	else if (bad_ptr)
		want = EB(EFAULT);
	else if (c.flags & ~7U || c.reserved)
		want = EB(EINVAL);
	else if (!(c.flags & PTRACE_BTS_O_TRACE))
		want = c.flags || c.records ? EB(EINVAL) : b->on ? 0 : EB(ENODATA);
	else if (!c.records || c.records > UTRACE_BRANCH_MAX_RECORDS ||
		 ((c.flags & PTRACE_BTS_O_SCHED) && (c.flags & PTRACE_BTS_O_STOP) &&
		  c.records < UTRACE_BRANCH_SCHED_FLOW_MIN))
		want = EB(EINVAL);
	else
		want = b->on ? EB(EEXIST) : 0;
	note("bts config flags %#x reserved %#x records %llu data %lu%s", c.flags, c.reserved,
	     (unsigned long long)c.records, data, bad_ptr ? " (bad pointer)" : "");
	errno = 0;
	ret = ptrace(PTRACE_BTS_CONFIG, b->child, bad_ptr ? (void *)8 : (void *)&c, data);
	if (want == 0) {
		EXPECT(ret == 0, "config: %ld (%s)", ret, ename(errno));
		if (ret)
			return;
		if (c.flags & PTRACE_BTS_O_TRACE) {
			b->on = 1;
			b->flow = !!(c.flags & PTRACE_BTS_O_STOP);
			b->records = c.records;
		} else {
			b->on = 0;
		}
		return;
	}
	EXPECT(ret == -1 && in_set(want, errno), "config: %ld (%s)", ret, ename(errno));
}

static void bts_status(struct bts_fuzz *b, struct rng *r)
{
	struct utrace_branch_status s;
	unsigned long data = percent(r, 90) ? sizeof(s) : below(r, 128);
	long ret;

	note("bts status data %lu", data);
	errno = 0;
	ret = ptrace(PTRACE_BTS_STATUS, b->child, &s, data);
	if (!b->on) {
		EXPECT(ret == -1 && errno == ENODATA, "status: %ld (%s)", ret, ename(errno));
	} else if (data != sizeof(s)) {
		EXPECT(ret == -1 && errno == EINVAL, "status: %ld (%s)", ret, ename(errno));
	} else {
		EXPECT(ret == 0, "status: %s", ename(errno));
		EXPECT(ret || (s.records == b->records && s.held <= s.records &&
			       s.state == UTRACE_BRANCH_STARTED && (b->flow || !s.stops)),
		       "status: records %llu/%llu held %llu state %#x stops %llu",
		       (unsigned long long)s.records, (unsigned long long)b->records,
		       (unsigned long long)s.held, s.state, (unsigned long long)s.stops);
	}
}

static void bts_get(struct bts_fuzz *b, struct rng *r)
{
	long size = b->on ? bts_size(b) : 0;
	unsigned long index = percent(r, 70) ? below(r, size + 2) : rnd(r);
	int bad_ptr = percent(r, 10);
	struct utrace_branch rec;
	long ret;

	note("bts get %lu of %ld%s", index, size, bad_ptr ? " (bad pointer)" : "");
	errno = 0;
	ret = ptrace(PTRACE_BTS_GET, b->child, bad_ptr ? (void *)8 : (void *)&rec, index);
	if (!b->on)
		EXPECT(ret == -1 && errno == ENODATA, "get: %ld (%s)", ret, ename(errno));
	else if (index >= (unsigned long)size)
		EXPECT(ret == -1 && errno == EINVAL, "get: %ld (%s)", ret, ename(errno));
	else if (bad_ptr)
		EXPECT(ret == -1 && errno == EFAULT, "get: %ld (%s)", ret, ename(errno));
	else
		EXPECT(ret == 0 && rec.from, "get: %ld (%s) from %#llx", ret, ename(errno),
		       (unsigned long long)rec.from);
}

static void bts_drain(struct bts_fuzz *b, struct rng *r)
{
	long size = b->on ? bts_size(b) : 0;
	unsigned long n = percent(r, 80) ? below(r, ARRAY_SIZE(bts_buf) + 1) : rnd(r);
	int bad_ptr = percent(r, 10);
	long ret;

	/* Room the buffer has, unless the pointer is meant to be bad. */
	if (!bad_ptr && n > ARRAY_SIZE(bts_buf))
		n = ARRAY_SIZE(bts_buf);
	note("bts drain %lu of %ld%s", n, size, bad_ptr ? " (bad pointer)" : "");
	errno = 0;
	ret = ptrace(PTRACE_BTS_DRAIN, b->child, bad_ptr ? (void *)8 : (void *)bts_buf, n);
	if (!b->on) {
		EXPECT(ret == -1 && errno == ENODATA, "drain: %ld (%s)", ret, ename(errno));
		return;
	}
	if (!n)
		EXPECT(ret == -1 && errno == EINVAL, "drain: %ld (%s)", ret, ename(errno));
	else if (!size)
		EXPECT(ret == 0, "drain of nothing: %ld (%s)", ret, ename(errno));
	else if (bad_ptr)
		EXPECT(ret == -1 && errno == EFAULT, "drain: %ld (%s)", ret, ename(errno));
	else
		EXPECT(ret == (long)(n < (unsigned long)size ? n : (unsigned long)size),
		       "drain: %ld (%s) of %ld, room %lu", ret, ename(errno), size, n);
	/* A drain takes what it returns, and nothing when it fails. */
	EXPECT(bts_size(b) == size - (ret > 0 ? ret : 0), "held %ld after a drain of %ld from %ld",
	       bts_size(b), ret, size);
}

static void bts_clear(struct bts_fuzz *b)
{
	long ret;

	note("bts clear");
	errno = 0;
	ret = ptrace(PTRACE_BTS_CLEAR, b->child, 0, 0);
	if (!b->on) {
		EXPECT(ret == -1 && errno == ENODATA, "clear: %ld (%s)", ret, ename(errno));
		return;
	}
	EXPECT(ret == 0 && bts_size(b) == 0, "clear: %ld (%s), %ld held", ret, ename(errno),
	       bts_size(b));
}

/* A batch with one of the requests: refused whole. */
static void bts_in_a_batch(struct bts_fuzz *b, struct rng *r)
{
	struct ptrace_multi m = {
		.request = PTRACE_BTS_CONFIG + (long)below(r, 6),
		.addr = (long)bts_buf,
		.localaddr = (void *)(unsigned long)below(r, 16),
	};
	long size = b->on ? bts_size(b) : -1;

	note("bts %#lx in a batch", m.request);
	errno = 0;
	EXPECT(ptrace(PTRACE_MULTI, b->child, &m, 1) == -1 && errno == EINVAL,
	       "a batch with %#lx: %s", m.request, ename(errno));
	EXPECT(!b->on || bts_size(b) == size, "a refused batch changed the trace");
}

/*
 * Lets the child run for a few ms, then stops it again.  A full flow's
 * stops on the way are drained, or not, and resumed.
 */
static void bts_burst(struct bts_fuzz *b, struct rng *r)
{
	long end = now_ms() + 20000;
	int status;

	note("bts burst");
	if (ptrace(PTRACE_CONT, b->child, 0, 0)) {
		FAIL("resume: %s", ename(errno));
		return;
	}
	sleep_ms(below(r, 5));
	EXPECT(ptrace(PTRACE_INTERRUPT, b->child, 0, 0) == 0, "interrupt: %s", ename(errno));
	while (now_ms() < end) {
		if (wait_for(b->child, &status, 0, 1000) != b->child)
			continue;
		if (!WIFSTOPPED(status)) {
			FAIL("the child ended: %#x", status);
			b->child = -1;
			return;
		}
		if (status >> 16 == PTRACE_EVENT_STOP)
			return;
		EXPECT(status >> 8 == (SIGTRAP | (PTRACE_EVENT_BTS << 8)) && b->on && b->flow,
		       "a stop %#x in a burst", status);
		if (percent(r, 70))
			ptrace(PTRACE_BTS_DRAIN, b->child, bts_buf, ARRAY_SIZE(bts_buf));
		ptrace(PTRACE_CONT, b->child, 0, 0);
	}
	FAIL("the child did not stop in 20 s");
}

static void bts_run(struct rng *r)
{
	static const unsigned int w[] = { 12, 10, 10, 12, 20, 5, 5, 4 };
	unsigned long iters = fuzz_iters < BTS_ITERS_MAX ? fuzz_iters : BTS_ITERS_MAX;
	struct bts_fuzz b = { .child = -1 };

	bts_spawn(&b);
	for (unsigned long i = 0; i < iters && case_failures < MAX_FAILURES && b.child > 0;
	     i++) {
		begin_iter(i);
		switch (PICK(r, w)) {
		case 0:
			bts_config(&b, r);
			break;
		case 1:
			bts_status(&b, r);
			break;
		case 2:
			bts_get(&b, r);
			break;
		case 3:
			bts_drain(&b, r);
			break;
		case 4:
			bts_burst(&b, r);
			break;
		case 5:
			bts_clear(&b);
			break;
		case 6:
			bts_in_a_batch(&b, r);
			break;
		default:
			note("bts: a new child");
			kill_reap(b.child, 20000);
			bts_spawn(&b);
		}
	}
	if (b.child > 0)
		EXPECT(kill_reap(b.child, 20000), "the BTS child does not die from SIGKILL");
}

/* ------------------------------------------------------------------ */
/* The cases                                                           */
/* ------------------------------------------------------------------ */

/* Everything works as before once the fuzzing is over. */
static void still_works(struct rng *r)
{
	struct ptrace_multi b[3];
	struct utrace_test_record rec[4];
	struct utrace_test_read rd = { .records = (unsigned long)rec, .max = 4 };
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_RECORD, .id = 9, .nr = SYS_getppid,
		.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY | UTRACE_TEST_EVENT_SYSCALL_EXIT,
	};
	struct iovec regs_iov = { (void *)rL->base, sizeof(struct user_regs_struct) };
	long word = 0, ret;
	char s[16] = "";
	int fd;

	(void)r;
	(void)regs_iov;
	EXPECT(getuid() == 0 && geteuid() == 0, "uid %d euid %d", getuid(), geteuid());
	fd = open_dev("/dev/utrace-test");
	EXPECT(ioctl(fd, UTRACE_TEST_ATTACH, &a) == 0, "attach: %s", strerror(errno));
	syscall(SYS_getppid);
	EXPECT(ioctl(fd, UTRACE_TEST_READ, &rd) == 0 && rd.count == 2 && rec[0].id == 9,
	       "read: %s, %u records", strerror(errno), rd.count);
	close(fd);

	if (tracee_start(0, 0))
		return;
	b[0] = (struct ptrace_multi){ PTRACE_PEEKDATA, rB->base, &word, 0 };
	b[1] = (struct ptrace_multi){ PTRACE_PEEKSTRINGDATA, rB->base, s, sizeof(s) - 1 };
#if defined(__x86_64__)
	b[2] = (struct ptrace_multi){ PTRACE_GETREGS, 0, (void *)rL->base, 0 };
#else
	b[2] = (struct ptrace_multi){ PTRACE_GETREGSET, NT_PRSTATUS, &regs_iov, 0 };
#endif
	ret = pt(PTRACE_MULTI, tr.pid, (unsigned long)b, 3);
	EXPECT(ret == 0, "PTRACE_MULTI: %ld (%s), element lengths %ld %ld %ld", ret,
	       strerror(errno), b[0].length, b[1].length, b[2].length);
	EXPECT(!memcmp(&word, rB->shadow, 8), "PEEKDATA read %#lx", word);
	tracee_end();
}

static void seed_and_iterations(void)
{
	KTAP_DIAG("fuzz seed %llu (%#llx), %lu iterations a case%s",
		  (unsigned long long)fuzz_seed, (unsigned long long)fuzz_seed, fuzz_iters,
		  fuzz_trace ? ", every operation in the kernel log" : "");
	KTAP_DIAG("replay: make fuzz FUZZ_SEED=%llu FUZZ_ITERS=%lu",
		  (unsigned long long)fuzz_seed, fuzz_iters);
	CHECK(!cmdline_error[0], "kernel command line: %s", cmdline_error);
}

static void ptrace_multi_batches(void)
{
	run_case("ptrace_multi_batches", 1, multi_random_batches);
}

static void chardata_requests(void)
{
	run_case("chardata_requests", 2, chardata_alone);
}

static void batch_array_changing_under_the_call(void)
{
	run_case("batch_array_changing_under_the_call", 8, racing_batch_array);
}

static void batches_resuming_a_tracee_with_engines(void)
{
	run_case("batches_resuming_a_tracee_with_engines", 3, resume_under_engines);
}

static void utrace_test_ioctls(void)
{
	run_case("utrace_test_ioctls", 4, test_device_ioctls_run);
}

static void utrace_ioctls(void)
{
	run_case("utrace_ioctls", 5, utrace_device_run);
}

static void utrace_ioctls_unprivileged(void)
{
	run_case("utrace_ioctls_unprivileged", 6, unprivileged_run);
}

static void channel_requests(void)
{
	run_case("channel_requests", 9, channel_run);
}

static void branch_requests(void)
{
	run_case("branch_requests", 10, branch_run);
}

static void bts_requests(void)
{
	run_case("bts_requests", 11, bts_run);
}

static void everything_still_works(void)
{
	run_case("everything_still_works", 7, still_works);
}

/* Every case with the seed in fuzz_seed, as the KTAP suite @suite. */
static int fuzz_one(const char *suite)
{
	static const struct ktap_case cases[] = {
		KTAP_CASE(seed_and_iterations),
		KTAP_CASE(ptrace_multi_batches),
		KTAP_CASE(chardata_requests),
		KTAP_CASE(batch_array_changing_under_the_call),
		KTAP_CASE(batches_resuming_a_tracee_with_engines),
		KTAP_CASE(utrace_test_ioctls),
		KTAP_CASE(utrace_ioctls),
		KTAP_CASE(utrace_ioctls_unprivileged),
		KTAP_CASE(channel_requests),
		KTAP_CASE(branch_requests),
		KTAP_CASE(bts_requests),
		KTAP_CASE(everything_still_works),
	};

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	setup_arenas();
	tr.big_dirty = 1;
	return ktap_run(suite, cases, ARRAY_SIZE(cases));
}

int main(void)
{
	int failed = 0;

	read_cmdline();
	if (fuzz_nseeds <= 1)
		return fuzz_one("guest_fuzz");
	/* Several seeds: each in a process of its own, as if run alone. */
	for (int i = 0; i < fuzz_nseeds; i++) {
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			char suite[64];

			fuzz_seed = fuzz_seeds[i];
			snprintf(suite, sizeof(suite), "guest_fuzz_%llu",
				 (unsigned long long)fuzz_seed);
			_exit(fuzz_one(suite));
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed = 1;
	}
	return failed;
}
