// SPDX-License-Identifier: GPL-2.0
/*
 * breakpoint_test - breakpoint events (Events::BREAKPOINT): engines
 * subscribed to an instruction in a file (UTRACE_TEST_PROBE) hear of the
 * hits of their task, in attach order, and may change the arguments, the
 * return value, or stop the task there.
 *
 * The probed function is probed_add() in this static binary: the test
 * finds its offset in the file from /proc/self/maps and subscribes with
 * /proc/self/exe.  Each child calls it a known number of times with known
 * arguments; the engines' logs and the values the child got are compared
 * with what the subscriptions asked.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/utrace.h>
#include "ptrace.h"
#include "regs.h"
#include "ktap.h"
#include "probe.h"
#include "run.h"
#include "utrace_test_dev.h"

/* Shared with the children. */
struct shared {
	volatile long results[8];
	volatile int calls_done;
	volatile int stage;
	volatile int ready;
	volatile pid_t tids[40];
};

static struct shared *sh;

/* The probed function: its first instruction is the probe. */
__attribute__((noinline, noipa)) long probed_add(long a, long b)
{
	return a + b;
}

/* probed_add's offset in this program's file. */
static unsigned long probe_offset(void)
{
	return file_offset_of(probed_add);
}

/* Subscribes engine @slot to probed_add (@flags: UTRACE_TEST_PROBE_*). */
static int subscribe(int fd, int slot, unsigned int flags)
{
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct utrace_test_probe p = {
		.slot = slot, .fd = exe, .offset = probe_offset(), .flags = flags,
	};
	int r = ioctl(fd, UTRACE_TEST_PROBE, &p);

	CHECK(r >= 0, "subscribe slot %d flags %u: %s", slot, flags, strerror(errno));
	close(exe);
	return r;
}

/* An engine of @kind with @id and @value, asking for breakpoints. */
static int bp_engine(int fd, pid_t pid, unsigned int kind, unsigned int id,
		     unsigned int arg, long long value)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = kind, .events = UTRACE_TEST_EVENT_BREAKPOINT,
		.id = id, .nr = -1, .arg = arg, .value = value,
	};

	return utd_attach(fd, a);
}

/* The children's bodies. */
static void call_five_times(void)
{
	for (long i = 0; i < 5; i++)
		sh->results[i] = probed_add(i, 1000 + i);
	sh->calls_done = 5;
	_exit(0);
}

static void call_once(void)
{
	sh->results[0] = probed_add(2, 3);
	sh->calls_done = 1;
	_exit(0);
}

static void call_twice_with_a_pause(void)
{
	sh->results[0] = probed_add(2, 3);
	sh->calls_done = 1;
	while (sh->stage == 0)
		usleep(1000);
	sh->results[1] = probed_add(4, 5);
	sh->calls_done = 2;
	_exit(0);
}

/* Starts @fn in a held child, with fresh shared values; returns its pid. */
static int run_child(void (*fn)(void), pid_t *pidp, int go[2])
{
	memset(sh, 0, sizeof(*sh));
	for (int i = 0; i < 8; i++)
		sh->results[i] = -1;
	*pidp = utd_held_child(go, fn);
	return *pidp;
}

/* Reads the log; counts records of @side, copying them to @out. */
static int records_of(int fd, unsigned int side, struct utrace_test_record *out,
		      int max)
{
	struct utrace_test_record r[64];
	int n = utd_read(fd, r, 64), k = 0;

	for (int i = 0; i < n; i++)
		if (r[i].side == side && k < max)
			out[k++] = r[i];
	return k;
}

/*
 * Runs @fn in a held child with a logging engine subscribed to
 * probed_add's entry; returns the child's wait status.
 */
static int run_recorded(int fd, void (*fn)(void))
{
	int go[2], slot;
	pid_t pid;

	run_child(fn, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_RECORD, 1, 0, 0);
	subscribe(fd, slot, 0);
	return utd_release_and_wait(go, pid);
}

static void entry_hits_are_counted_with_their_arguments(void)
{
	int fd = utd_open(), status;
	struct utrace_test_record r[16];

	status = run_recorded(fd, call_five_times);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 16) == 5, "five hits");
	for (int i = 0; i < 5; i++) {
		CHECK(r[i].nr == (long long)probe_offset(), "offset %lld", r[i].nr);
		CHECK(r[i].args[0] == (unsigned long long)i && r[i].args[1] == 1000ULL + i,
		      "hit %d args %llu %llu", i, r[i].args[0], r[i].args[1]);
		CHECK(r[i].ret == (long long)(unsigned long)probed_add, "address %llx",
		      r[i].ret);
		CHECK(sh->results[i] == 1000 + 2 * i, "result %d: %ld", i, sh->results[i]);
	}
	close(fd);
}

static void an_argument_rewritten_at_entry_is_what_the_function_gets(void)
{
	int fd = utd_open(), go[2], slot;
	pid_t pid;

	run_child(call_once, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_REWRITE_ARG, 1, 1, 100);
	subscribe(fd, slot, 0);
	utd_release_and_wait(go, pid);
	CHECK(sh->results[0] == 102, "probed_add(2, 3 -> 100) = %ld", sh->results[0]);
	close(fd);
}

static void a_return_probe_sees_and_changes_the_value(void)
{
	int fd = utd_open(), go[2], slot;
	struct utrace_test_record r[4];
	pid_t pid;

	run_child(call_once, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_SET_RETURN, 1, 0, 4242);
	subscribe(fd, slot, UTRACE_TEST_PROBE_RETURN);
	utd_release_and_wait(go, pid);
	CHECK(sh->results[0] == 4242, "the program got %ld", sh->results[0]);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT_RETURN, r, 4) == 1, "one return");
	CHECK(r[0].ret == 5, "the engine saw %lld", r[0].ret);
	CHECK(r[0].args[0] == (unsigned long)probed_add, "function %llx", r[0].args[0]);
	close(fd);
}

static void two_engines_on_one_probe_are_called_in_attach_order(void)
{
	int fd = utd_open(), go[2], first, second;
	struct utrace_test_record all[16];
	int n;
	pid_t pid;

	run_child(call_once, &pid, go);
	/* The first rewrites the first argument; the second only logs. */
	first = bp_engine(fd, pid, UTRACE_TEST_REWRITE_ARG, 1, 0, 7);
	second = bp_engine(fd, pid, UTRACE_TEST_RECORD, 2, 0, 0);
	subscribe(fd, first, 0);
	subscribe(fd, second, 0);
	subscribe(fd, second, UTRACE_TEST_PROBE_RETURN);
	utd_release_and_wait(go, pid);
	n = utd_read(fd, all, 16);
	CHECK(n == 3, "%d records", n);
	if (n == 3) {
		CHECK(all[0].id == 1 && all[0].side == UTRACE_TEST_SIDE_BREAKPOINT &&
		      all[0].args[0] == 2, "first: id %u side %u a0 %llu", all[0].id,
		      all[0].side, all[0].args[0]);
		CHECK(all[1].id == 2 && all[1].side == UTRACE_TEST_SIDE_BREAKPOINT &&
		      all[1].args[0] == 7, "second sees the first's change: id %u a0 %llu",
		      all[1].id, all[1].args[0]);
		CHECK(all[2].id == 2 && all[2].side == UTRACE_TEST_SIDE_BREAKPOINT_RETURN &&
		      all[2].ret == 10, "return: id %u value %lld", all[2].id, all[2].ret);
	}
	CHECK(sh->results[0] == 10, "probed_add(7, 3) = %ld", sh->results[0]);
	close(fd);
}

/* The first byte of @addr in @pid's memory, or -1. */
static int byte_at(pid_t pid, unsigned long addr)
{
	char path[64];
	unsigned char b;
	int mem, r;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return -1;
	r = pread(mem, &b, 1, addr) == 1 ? b : -1;
	close(mem);
	return r;
}

static void only_subscribed_tasks_take_the_breakpoint(void)
{
	int fd = utd_open(), go_a[2], go_b[2], slot, own = byte_at(getpid(), (unsigned long)probed_add);
	struct utrace_test_record r[8];
	pid_t a, b;

	memset(sh, 0, sizeof(*sh));
	a = utd_held_child(go_a, call_five_times);
	b = utd_held_child(go_b, call_five_times);
	slot = bp_engine(fd, a, UTRACE_TEST_RECORD, 1, 0, 0);
	subscribe(fd, slot, 0);
	/* An engine on b that does not subscribe hears nothing either. */
	bp_engine(fd, b, UTRACE_TEST_RECORD, 2, 0, 0);
	CHECK(byte_at(a, (unsigned long)probed_add) == REGS_UPROBE_BYTE, "a's breakpoint: %#x",
	      byte_at(a, (unsigned long)probed_add));
	CHECK(byte_at(b, (unsigned long)probed_add) == own, "b's text: %#x, ours %#x",
	      byte_at(b, (unsigned long)probed_add), own);
	CHECK(own != REGS_UPROBE_BYTE, "our own text: %#x", own);
	utd_release_and_wait(go_b, b);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 0, "b is not reported");
	utd_release_and_wait(go_a, a);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 5, "a is");
	close(fd);
}

/*
 * The child forks: its own child's copy of the text has the breakpoint,
 * which that grandchild hits once (unreported: it has no engine), and
 * which goes at that hit.  Then the child calls, reported.
 */
static void fork_then_call(void)
{
	pid_t g = fork();

	if (g == 0) {
		sh->results[2] = *(volatile unsigned char *)probed_add;
		sh->results[3] = probed_add(7, 7);
		sh->results[4] = *(volatile unsigned char *)probed_add;
		_exit(0);
	}
	waitpid(g, NULL, 0);
	sh->results[0] = probed_add(2, 3);
	_exit(0);
}

static void a_fork_child_s_copied_breakpoint_goes_unreported(void)
{
	int fd = utd_open(), own = byte_at(getpid(), (unsigned long)probed_add), status;
	struct utrace_test_record r[8];

	memset(sh, 0, sizeof(*sh));
	status = run_recorded(fd, fork_then_call);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(sh->results[2] == REGS_UPROBE_BYTE, "the fork child's copy has it: %#lx", sh->results[2]);
	CHECK(sh->results[3] == 14 && sh->results[0] == 5, "results %ld %ld", sh->results[3],
	      sh->results[0]);
	CHECK(sh->results[4] == own, "it went at the first hit: %#lx, ours %#x", sh->results[4],
	      own);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 1 && r[0].args[0] == 2,
	      "only the child's call is reported");
	close(fd);
}

/* The second thread of threaded_caller(): it calls before the main one. */
static void *calling_thread(void *unused)
{
	(void)unused;
	sh->results[1] = probed_add(20, 30);
	return NULL;
}

static void threaded_caller(void)
{
	pthread_t t;

	pthread_create(&t, NULL, calling_thread, NULL);
	pthread_join(t, NULL);
	sh->results[0] = probed_add(2, 3);
	_exit(0);
}

static void another_thread_of_the_task_runs_unreported(void)
{
	int fd = utd_open(), go[2], slot, status;
	struct utrace_test_record r[8];
	pid_t pid;

	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_STOP, .events = UTRACE_TEST_EVENT_BREAKPOINT, .id = 1,
		.nr = -1, .flags = UTRACE_TEST_INHERIT,
	};

	run_child(threaded_caller, &pid, go);
	/*
	 * The thread gets the engine too (an attachment of its own, which
	 * wants breakpoints): only the main thread's is subscribed.
	 */
	a.pid = pid;
	slot = utd_attach(fd, a);
	subscribe(fd, slot, 0);
	utd_release(go);
	/* The main thread stops at its call, after the thread's call ran. */
	CHECK(UTD_POLL(utd_stopped(fd, slot)), "the main thread stops");
	CHECK(sh->results[1] == 50, "the other thread ran: %ld", sh->results[1]);
	CHECK(sh->results[0] == -1, "the main thread waits");
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 1 && r[0].args[0] == 2,
	      "one hit, the main thread's");
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume: %s", strerror(errno));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "status %#x", status);
	CHECK(sh->results[0] == 5, "then it runs: %ld", sh->results[0]);
	close(fd);
}

/* The instruction pointer of the task @slot's engine holds stopped. */
static unsigned long long stopped_ip(int fd, int slot)
{
	tracee_regs regs = { 0 };
	struct utrace_test_examine e = {
		.slot = slot, .op = UTRACE_TEST_EXAMINE_REGS, .buf = (unsigned long)&regs,
		.len = sizeof(regs),
	};

	CHECK(ioctl(fd, UTRACE_TEST_EXAMINE, &e) >= 0, "examine: %s", strerror(errno));
	return regs_ip(&regs);
}

static void a_stop_at_a_breakpoint_holds_the_task_before_the_instruction(void)
{
	int fd = utd_open(), go[2], slot, status;
	struct utrace_test_record r[8];
	pid_t pid;

	run_child(call_once, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_STOP, 1, 0, 0);
	subscribe(fd, slot, 0);
	utd_release(go);
	CHECK(UTD_POLL(utd_stopped(fd, slot)), "stopped at the breakpoint");
	utd_msleep(50);
	CHECK(sh->results[0] == -1 && sh->calls_done == 0, "the function did not run");
	/* At the probed instruction itself, not at a copy of it elsewhere. */
	CHECK(stopped_ip(fd, slot) == (unsigned long)probed_add, "ip %#llx, probe at %p",
	      stopped_ip(fd, slot), (void *)probed_add);
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume: %s", strerror(errno));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "status %#x", status);
	CHECK(sh->results[0] == 5, "after the stop: %ld", sh->results[0]);
	/* Going on from the breakpoint is not a second hit. */
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 1, "one hit");
	close(fd);
}

/* Many threads stopped at the breakpoint at once, then all let go. */
static void *wait_then_call(void *arg)
{
	int i = (int)(long)arg;

	sh->tids[i] = syscall(SYS_gettid);
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!sh->stage)
		usleep(1000);
	probed_add(i, 1);
	__atomic_add_fetch(&sh->calls_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void forty_threads(void)
{
	pthread_t t[40];

	for (long i = 0; i < 40; i++)
		pthread_create(&t[i], NULL, wait_then_call, (void *)i);
	for (int i = 0; i < 40; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

static void forty_threads_stop_at_one_breakpoint(void)
{
	int fd = utd_open(), go[2], slots[40], status, stopped = 0;
	pid_t pid;

	/*
	 * Each thread's own engine holds it at the breakpoint: more threads
	 * than an address space has slots to step copies of an instruction
	 * in (32), which a stop taken on the copy would hold one each of
	 * (the 33rd thread would wait for a slot, for good).
	 */
	run_child(forty_threads, &pid, go);
	utd_release(go);
	CHECK(UTD_POLL(sh->ready == 40), "forty threads");
	for (int i = 0; i < 40; i++) {
		slots[i] = bp_engine(fd, sh->tids[i], UTRACE_TEST_STOP, 1, 0, 0);
		subscribe(fd, slots[i], 0);
	}
	sh->stage = 1;
	for (int i = 0; i < 40; i++)
		stopped += UTD_POLL(utd_stopped(fd, slots[i]));
	CHECK(stopped == 40 && sh->calls_done == 0, "%d stopped, %d went on", stopped,
	      sh->calls_done);
	for (int i = 0; i < 40; i++)
		ioctl(fd, UTRACE_TEST_RESUME, slots[i]);
	CHECK(utd_wait_exit_within(pid, 10000, &status), "all of them go on");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(sh->calls_done == 40, "%d calls", sh->calls_done);
	close(fd);
}

static void unsubscribe_during_a_hit(void)
{
	int fd = utd_open(), go[2], slot, index, status;
	struct utrace_test_record r[8];
	pid_t pid;

	run_child(call_twice_with_a_pause, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_DWELL, 1, 0, 100000);
	index = subscribe(fd, slot, 0);
	utd_release(go);
	CHECK(UTD_POLL(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 1), "the hit");
	/* The probe's last subscription goes while its handler runs. */
	CHECK(ioctl(fd, UTRACE_TEST_UNPROBE, index) == 0, "unprobe: %s", strerror(errno));
	CHECK(UTD_POLL(sh->calls_done == 1) && sh->results[0] == 5, "first: %ld",
	      sh->results[0]);
	sh->stage = 1;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(sh->results[1] == 9, "second: %ld", sh->results[1]);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 0, "no report after");
	close(fd);
}

/* Maps a page of int3s executable, says so, waits for the stage. */
static void map_int3s(void)
{
	int f = open("/tmp/int3.bin", O_RDONLY | O_CLOEXEC);

	if (f < 0 || mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, f, 0) == MAP_FAILED)
		_exit(103);
	sh->ready = 1;
	while (!sh->stage)
		usleep(1000);
	_exit(0);
}

/*
 * A callback drops a subscription (the last of its probe) while another
 * task's registration fails: the failed registration waits for every
 * running handler, that callback's among them, with the probe table's
 * lock held; the drop must not wait for that lock.
 */
static void a_drop_in_a_callback_meets_a_failed_registration(void)
{
	int fd = utd_open(), go_a[2], go_c[2], slot_a, slot_c, index, int3, status;
	struct utrace_test_probe p = { 0 };
	struct utrace_test_record r[8];
	long page[4096 / sizeof(long)];
	pid_t a, c;

	memset(sh, 0, sizeof(*sh));
	sh->results[0] = -1;
	/* Breakpoint instructions, which uprobes refuses to probe. */
	for (size_t i = 0; i < sizeof(page) / sizeof(page[0]); i++)
		page[i] = REGS_BREAKPOINT_WORD;
	int3 = open("/tmp/int3.bin", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	CHECK(int3 >= 0 && write(int3, page, sizeof(page)) == sizeof(page), "int3 file");
	c = utd_held_child(go_c, map_int3s);
	utd_release(go_c);
	CHECK(UTD_POLL(sh->ready), "the page of int3s is mapped");
	a = utd_held_child(go_a, call_once);
	slot_a = bp_engine(fd, a, UTRACE_TEST_DWELL, 1, 0, 100000);
	index = subscribe(fd, slot_a, 0);
	CHECK(ioctl(fd, UTRACE_TEST_HAND_PROBE, index) == 0, "hand: %s", strerror(errno));
	slot_c = bp_engine(fd, c, UTRACE_TEST_RECORD, 2, 0, 0);
	utd_release(go_a);
	CHECK(UTD_POLL(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 1), "a's hit");
	/* a dwells in its callback, then drops; c's probe cannot be set. */
	p.slot = slot_c;
	p.fd = int3;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EINVAL);
	CHECK(waitpid(a, &status, 0) == a && WIFEXITED(status) && sh->results[0] == 5,
	      "a went on: status %#x, %ld", status, sh->results[0]);
	sh->stage = 1;
	CHECK(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "c: status %#x", status);
	close(int3);
	unlink("/tmp/int3.bin");
	close(fd);
}

/* probed_add's return goes through the uprobes core's uretprobe() call. */
static void the_uprobes_own_syscalls_are_not_the_program_s(void)
{
	int fd = utd_open(), go[2], slot, status;
	struct utrace_test_record r[16];
	struct utrace_test_attach abort_it = {
		.kind = UTRACE_TEST_ABORT, .events = UTRACE_TEST_EVENT_SYSCALL_ENTRY, .id = 2,
		.nr = 335, .value = 0,	/* __NR_uretprobe */
	};
	pid_t pid;

	run_child(call_once, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_RECORD, 1, 0, 0);
	subscribe(fd, slot, UTRACE_TEST_PROBE_RETURN);
	/* An engine that would abort it, and see it first. */
	abort_it.pid = pid;
	utd_attach(fd, abort_it);
	status = utd_release_and_wait(go, pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(sh->results[0] == 5, "probed_add returned %ld", sh->results[0]);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_ENTRY, r, 16) == 0, "uretprobe() not reported");
	close(fd);
}

/* The exec'd program says it is there, then waits for a byte. */
static int hold_in[2], hold_out[2];

static void exec_self_and_hold(void)
{
	char *argv[] = { "/proc/self/exe", "--hold", NULL };

	dup2(hold_in[0], 0);
	dup2(hold_out[1], 1);
	execv("/proc/self/exe", argv);
	_exit(102);
}

static void a_detached_engine_s_probe_leaves_an_exec_alone(void)
{
	int fd = utd_open(), go[2], slot, status, own = byte_at(getpid(), (unsigned long)probed_add);
	char c = 0;
	pid_t pid;

	CHECK(pipe(hold_in) == 0 && pipe(hold_out) == 0, "pipes");
	run_child(exec_self_and_hold, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_RECORD, 1, 0, 0);
	subscribe(fd, slot, 0);
	CHECK(byte_at(pid, (unsigned long)probed_add) == REGS_UPROBE_BYTE, "the breakpoint is in");
	/* Detached, its subscription held: no breakpoint in the new program. */
	CHECK(ioctl(fd, UTRACE_TEST_DETACH, slot) == 0, "detach");
	utd_release(go);
	CHECK(read(hold_out[0], &c, 1) == 1 && c == 'r', "the program runs");
	CHECK(byte_at(pid, (unsigned long)probed_add) == own, "its text: %#x, ours %#x",
	      byte_at(pid, (unsigned long)probed_add), own);
	CHECK(write(hold_in[1], "g", 1) == 1, "let it end");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "status %#x", status);
	for (int i = 0; i < 2; i++) {
		close(hold_in[i]);
		close(hold_out[i]);
	}
	close(fd);
}

/* A probe keeps its file's mount busy, until it goes. */
static void a_probe_holds_its_file_s_mount(void)
{
	int fd = utd_open(), go[2], slot, file, index, gone = 0;
	struct utrace_test_probe p = { 0 };
	char page[4096] = { 0 };
	pid_t pid;

	/* The child first: it must not inherit the file (and keep it open). */
	run_child(call_once, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_RECORD, 1, 0, 0);
	mkdir("/tmp/bpmnt", 0755);
	CHECK(mount("tmpfs", "/tmp/bpmnt", "tmpfs", 0, NULL) == 0, "mount: %s",
	      strerror(errno));
	file = open("/tmp/bpmnt/code", O_RDWR | O_CREAT | O_CLOEXEC, 0700);
	CHECK(file >= 0 && write(file, page, sizeof(page)) == sizeof(page), "file");
	p.slot = slot;
	p.fd = file;
	index = ioctl(fd, UTRACE_TEST_PROBE, &p);
	CHECK(index >= 0, "probe: %s", strerror(errno));
	close(file);
	CHECK_ERRNO(umount("/tmp/bpmnt"), EBUSY);
	CHECK(ioctl(fd, UTRACE_TEST_UNPROBE, index) == 0, "unprobe");
	/* The probe goes once no handler of it can run: a moment later. */
	gone = UTD_POLL(umount("/tmp/bpmnt") == 0);
	CHECK(gone, "umount after the unprobe: %s", strerror(errno));
	utd_release_and_wait(go, pid);
	close(fd);
}

/* Without CAP_PERFMON, /dev/utrace sets no breakpoint. */
static void a_probe_needs_cap_perfmon(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd, go[2], slot, exe;
		struct utrace_strace_attach a = { 0 };
		struct utrace_probe p = { 0 };
		char name[] = "probed_add";
		pid_t child;

		/* Dumpable again after the uid change: its child may be traced. */
		if (setresuid(65534, 65534, 65534) || prctl(PR_SET_DUMPABLE, 1))
			_exit(10);
		fd = open("/dev/utrace", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(11);
		child = utd_held_child(go, call_once);
		a.pid = child;
		slot = ioctl(fd, UTRACE_ATTACH_STRACE, &a);
		if (slot < 0)
			_exit(12);
		exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		p.slot = slot;
		p.fd = exe;
		p.offset = probe_offset();
		p.label_len = strlen(name);
		p.label = (unsigned long)name;
		if (ioctl(fd, UTRACE_PROBE, &p) == 0 || errno != EPERM)
			_exit(13);
		utd_release_and_wait(go, child);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "unprivileged: status %#x (10..13: the step that failed)",
	      status);
}

static void sigkill_ends_a_stop_at_a_breakpoint(void)
{
	int fd = utd_open(), go[2], slot, status;
	pid_t pid;

	run_child(call_once, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_STOP, 1, 0, 0);
	subscribe(fd, slot, 0);
	utd_release(go);
	CHECK(UTD_POLL(utd_stopped(fd, slot)), "stopped at the breakpoint");
	kill(pid, SIGKILL);
	CHECK(utd_wait_exit_within(pid, 5000, &status), "SIGKILL ends the stop");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	close(fd);
}

static void detach_during_a_hit(void)
{
	int fd = utd_open(), go[2], slot, status;
	struct utrace_test_record r[8];
	pid_t pid;

	run_child(call_twice_with_a_pause, &pid, go);
	/* The callback dwells 100 ms: the detach comes while it runs. */
	slot = bp_engine(fd, pid, UTRACE_TEST_DWELL, 1, 0, 100000);
	subscribe(fd, slot, 0);
	utd_release(go);
	CHECK(UTD_POLL(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 1), "the hit");
	CHECK(ioctl(fd, UTRACE_TEST_DETACH, slot) == 0, "detach: %s", strerror(errno));
	CHECK(ioctl(fd, UTRACE_TEST_BARRIER, slot) == 0, "barrier: %s", strerror(errno));
	CHECK(UTD_POLL(sh->calls_done == 1), "the first call returns");
	CHECK(sh->results[0] == 5, "first: %ld", sh->results[0]);
	sh->stage = 1;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(sh->results[1] == 9, "second: %ld", sh->results[1]);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 0,
	      "no report after the detach");
	close(fd);
}

/* Runs this program again, as "--call N": N calls after the exec. */
static void exec_self_calling_three_times(void)
{
	char *argv[] = { "/proc/self/exe", "--call", "3", NULL };

	execv("/proc/self/exe", argv);
	_exit(102);
}

static void exec_maps_the_file_anew_and_the_probe_follows(void)
{
	int fd = utd_open(), status;
	struct utrace_test_record r[8];

	status = run_recorded(fd, exec_self_calling_three_times);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 8) == 3,
	      "the new program's three calls");
	CHECK(r[2].args[0] == 2 && r[2].args[1] == 102, "args %llu %llu", r[2].args[0],
	      r[2].args[1]);
	close(fd);
}

static void subscription_errors(void)
{
	int fd = utd_open(), go[2], slot, data, path, n = 0, r;
	struct utrace_test_probe p = { 0 };
	char name[] = "/tmp/breakpoint_test_data";
	char page[4096] = { 0 };
	pid_t pid;

	run_child(call_once, &pid, go);
	slot = bp_engine(fd, pid, UTRACE_TEST_RECORD, 1, 0, 0);
	data = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(data >= 0 && write(data, page, sizeof(page)) == sizeof(page), "data file");
	p.slot = slot;
	/* Not open for reading. */
	path = open(name, O_PATH | O_CLOEXEC);
	p.fd = path;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EBADF);
	close(path);
	path = open(name, O_WRONLY | O_CLOEXEC);
	p.fd = path;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EBADF);
	close(path);
	p.fd = -1;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EBADF);
	/* Bad flags, slot, offset. */
	p.fd = data;
	p.flags = 2;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EINVAL);
	p.flags = 0;
	p.slot = 99;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EINVAL);
	p.slot = slot;
	p.offset = 1 << 20;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EINVAL);
	/* Twice the same; then up to the cap, on a file nobody maps. */
	for (p.offset = 0; p.offset < 100 * REGS_INSN_ALIGN; p.offset += REGS_INSN_ALIGN) {
		r = ioctl(fd, UTRACE_TEST_PROBE, &p);
		if (r < 0)
			break;
		n++;
	}
	CHECK(r < 0 && errno == ENOSPC && n == 64, "cap: %d subscriptions, then %s", n,
	      strerror(errno));
	p.offset = 3 * REGS_INSN_ALIGN;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), EEXIST);
	CHECK(ioctl(fd, UTRACE_TEST_UNPROBE, 3) == 0, "unprobe: %s", strerror(errno));
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_UNPROBE, 3), EINVAL);
	CHECK(ioctl(fd, UTRACE_TEST_PROBE, &p) >= 0, "again after the unprobe: %s",
	      strerror(errno));
	/* A detached engine cannot subscribe. */
	CHECK(ioctl(fd, UTRACE_TEST_DETACH, slot) == 0, "detach");
	p.offset = 200;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_PROBE, &p), ESRCH);
	utd_release_and_wait(go, pid);
	close(data);
	unlink(name);
	close(fd);
}

/* How many lines of the trace name @event. */
static int trace_lines(const char *event)
{
	static char buf[65536];
	int n = 0;
	long len = slurp("/sys/kernel/tracing/trace", buf, sizeof(buf));

	for (char *p = buf; len > 0 && (p = strstr(p, event)); p++)
		n++;
	return n;
}

static void a_tracefs_uprobe_and_two_engines_each_see_every_hit(void)
{
	int fd = utd_open(), go[2], e1, e2, status;
	struct utrace_test_record r[16];
	char exe[256] = { 0 }, def[400];
	pid_t pid;
	int before;

	mkdir("/sys/kernel/tracing", 0755);
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	CHECK(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0, "readlink");
	snprintf(def, sizeof(def), "p:uprobes/utrace_bp %s:0x%lx\n", exe, probe_offset());
	CHECK(tracefs_write("uprobe_events", def) == 0, "uprobe_events: %s", def);
	CHECK(tracefs_write("events/uprobes/utrace_bp/enable", "1") == 0, "enable");
	before = trace_lines("utrace_bp:");
	run_child(call_five_times, &pid, go);
	e1 = bp_engine(fd, pid, UTRACE_TEST_RECORD, 1, 0, 0);
	e2 = bp_engine(fd, pid, UTRACE_TEST_RECORD, 2, 0, 0);
	subscribe(fd, e1, 0);
	subscribe(fd, e2, 0);
	status = utd_release_and_wait(go, pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(records_of(fd, UTRACE_TEST_SIDE_BREAKPOINT, r, 16) == 10, "each engine, 5 hits");
	CHECK(trace_lines("utrace_bp:") - before == 5, "tracefs: %d hits",
	      trace_lines("utrace_bp:") - before);
	tracefs_write("events/uprobes/utrace_bp/enable", "0");
	CHECK(tracefs_write("uprobe_events", "-:uprobes/utrace_bp\n") == 0, "remove");
	close(fd);
}

static void the_utrace_tool_shows_entries_and_returns(void)
{
	static char out[65536];
	char exe[256] = { 0 }, entry[300], ret[300];
	const char *argv[] = { "/usr/bin/utrace", "--probe", entry, "--probe", ret, "-o",
			       "/tmp/bp.trace", "--", exe, "--call", "2", NULL };
	const char *first, *first_ret, *second, *second_ret;
	int status, timed_out;

	CHECK(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0, "readlink");
	snprintf(entry, sizeof(entry), "%s:probed_add", exe);
	snprintf(ret, sizeof(ret), "%s:probed_add%%return", exe);
	status = run_in_group(argv, "/tmp/bp.stdout", "/tmp/bp.stdout", 60, &timed_out);
	CHECK(!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0, "utrace: %#x",
	      status);
	CHECK(slurp("/tmp/bp.trace", out, sizeof(out)) > 0, "the trace");
	first = strstr(out, "--- probed_add(0, 0x64, ");
	first_ret = strstr(out, "--- probed_add returned 0x64 ---\n");
	second = strstr(out, "--- probed_add(0x1, 0x65, ");
	second_ret = strstr(out, "--- probed_add returned 0x66 ---\n");
	CHECK(first && first_ret && second && second_ret, "the four lines:\n%s", out);
	CHECK(first < first_ret && first_ret < second && second < second_ret,
	      "in the order of the calls");
	/* The trace has the program's calls too, and its end. */
	CHECK(strstr(out, "execve(") && strstr(out, "+++ exited with 0 +++"), "calls and end");
	/* A function the file does not have; a bad suffix. */
	snprintf(entry, sizeof(entry), "%s:no_such_function", exe);
	status = run_in_group(argv, "/tmp/bp.stdout", "/tmp/bp.stdout", 60, &timed_out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2, "unknown symbol: %#x", status);
	CHECK(slurp("/tmp/bp.stdout", out, sizeof(out)) > 0 &&
	      strstr(out, "no function no_such_function"), "says why: %s", out);
	snprintf(entry, sizeof(entry), "%s:probed_add%%exit", exe);
	status = run_in_group(argv, "/tmp/bp.stdout", "/tmp/bp.stdout", 60, &timed_out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2, "bad suffix: %#x", status);
}

int main(int argc, char **argv)
{
	static const struct ktap_case cases[] = {
		KTAP_CASE(entry_hits_are_counted_with_their_arguments),
		KTAP_CASE(an_argument_rewritten_at_entry_is_what_the_function_gets),
		KTAP_CASE(a_return_probe_sees_and_changes_the_value),
		KTAP_CASE(two_engines_on_one_probe_are_called_in_attach_order),
		KTAP_CASE(only_subscribed_tasks_take_the_breakpoint),
		KTAP_CASE(another_thread_of_the_task_runs_unreported),
		KTAP_CASE(a_fork_child_s_copied_breakpoint_goes_unreported),
		KTAP_CASE(a_stop_at_a_breakpoint_holds_the_task_before_the_instruction),
		KTAP_CASE(forty_threads_stop_at_one_breakpoint),
		KTAP_CASE(sigkill_ends_a_stop_at_a_breakpoint),
		KTAP_CASE(detach_during_a_hit),
		KTAP_CASE(unsubscribe_during_a_hit),
		KTAP_CASE(a_drop_in_a_callback_meets_a_failed_registration),
		KTAP_CASE(the_uprobes_own_syscalls_are_not_the_program_s),
		KTAP_CASE(a_detached_engine_s_probe_leaves_an_exec_alone),
		KTAP_CASE(a_probe_holds_its_file_s_mount),
		KTAP_CASE(a_probe_needs_cap_perfmon),
		KTAP_CASE(exec_maps_the_file_anew_and_the_probe_follows),
		KTAP_CASE(subscription_errors),
		KTAP_CASE(a_tracefs_uprobe_and_two_engines_each_see_every_hit),
		KTAP_CASE(the_utrace_tool_shows_entries_and_returns),
	};

	if (argc == 2 && !strcmp(argv[1], "--hold")) {
		char c;

		if (write(1, "r", 1) != 1 || read(0, &c, 1) != 1)
			return 1;
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--call")) {
		long n = atol(argv[2]);

		for (long i = 0; i < n; i++)
			probed_add(i, 100 + i);
		return 0;
	}
	/* A child that died early fails its case, not the suite. */
	signal(SIGPIPE, SIG_IGN);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	return ktap_run("guest_breakpoint", cases, sizeof(cases) / sizeof(cases[0]));
}
