// SPDX-License-Identifier: GPL-2.0
/*
 * capi_test - an engine written in C, loaded as a module, in the same
 * order as the Rust engines.
 *
 * Loads /lib/modules/utrace_sample.ko (samples/utrace_sample.c) against a
 * child between two Rust test engines of /dev/utrace-test, and checks that
 * each engine saw the call as the ones attached after it left it; then
 * the module's errors, unloading with the task alive, and after its death.
 */
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <linux/utrace_test.h>
#include "ptrace.h"
#include "regs.h"
#include "ktap.h"
#include "utrace_test_dev.h"
#include "probe.h"
#include "sample_module.h"

#define ENTRY UTRACE_TEST_EVENT_SYSCALL_ENTRY
#define EXIT UTRACE_TEST_EVENT_SYSCALL_EXIT

static int attach(int fd, pid_t pid, unsigned int id, long nr)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = UTRACE_TEST_RECORD, .events = ENTRY | EXIT,
		.id = id, .nr = nr,
	};
	int slot = ioctl(fd, UTRACE_TEST_ATTACH, &a);

	CHECK(slot >= 0, "attach id %u: %s", id, strerror(errno));
	return slot;
}

/* A child that waits for a byte, then runs @fn and exits with its value. */
static pid_t held_child(int go[2], int (*fn)(void))
{
	pid_t pid;
	char c;

	CHECK(pipe(go) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		alarm(20);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(100);
		_exit(fn());
	}
	close(go[0]);
	return pid;
}

static int finish(int go[2], pid_t pid)
{
	int status = -1;

	CHECK(write(go[1], "g", 1) == 1, "release the child");
	close(go[1]);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* lseek(100); its result is the exit status / 2 (so 200 -> 100). */
static int seek_100(void)
{
	int f = open("/tmp/capi-seek", O_CREAT | O_RDWR, 0600);

	return f < 0 ? 99 : (int)(lseek(f, 100, SEEK_SET) / 2);
}

static int uid_is_4242(void)
{
	return syscall(SYS_getuid) == 4242 ? 0 : 1;
}

static void c_engine_sits_in_attach_order(void)
{
	struct utrace_test_record r[8];
	struct utrace_test_read rd = { .records = (unsigned long)r, .max = 8 };
	char params[96];
	int go[2], fd = open("/dev/utrace-test", O_RDWR | O_CLOEXEC);
	pid_t pid = held_child(go, seek_100);
	int err;

	/* Rust engine 1 first (innermost), the C engine, Rust engine 3 last. */
	attach(fd, pid, 1, SYS_lseek);
	snprintf(params, sizeof(params), "pid=%d nr=%d arg=1 value=200", pid, SYS_lseek);
	err = sample_load(params);
	CHECK(err == 0, "loading the sample engine: %s", strerror(err));
	attach(fd, pid, 3, SYS_lseek);
	CHECK(finish(go, pid) == 100, "lseek(100) was not rewritten to 200 for the child");
	CHECK(sample_hits() == 1, "the C engine counted %d calls", sample_hits());
	CHECK(ioctl(fd, UTRACE_TEST_READ, &rd) == 0 && rd.count == 4,
	      "%u records", rd.count);
	if (rd.count == 4) {
		/* Entry: 3 (outermost) saw the program's 100, 1 the C engine's 200. */
		CHECK(r[0].id == 3 && r[0].args[1] == 100, "first at entry: %u saw %llu",
		      r[0].id, (unsigned long long)r[0].args[1]);
		CHECK(r[1].id == 1 && r[1].args[1] == 200, "last at entry: %u saw %llu",
		      r[1].id, (unsigned long long)r[1].args[1]);
		CHECK(r[2].id == 1 && r[3].id == 3 && r[3].ret == 200,
		      "exit order %u %u, result %lld", r[2].id, r[3].id, (long long)r[3].ret);
	}
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
	close(fd);
}

static void c_engine_aborts_a_call(void)
{
	char params[96];
	int go[2];
	pid_t pid = held_child(go, uid_is_4242);
	int err;

	snprintf(params, sizeof(params), "pid=%d nr=%d abort=1 value=4242", pid, SYS_getuid);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(finish(go, pid) == 0, "the child's getuid did not return the C engine's 4242");
	CHECK(sample_unload() == 0, "unload after the task's death: %s", strerror(errno));
}

static void unloading_detaches_the_engine(void)
{
	char params[96];
	int go[2];
	pid_t pid = held_child(go, seek_100);
	int err;

	snprintf(params, sizeof(params), "pid=%d nr=%d arg=1 value=200", pid, SYS_lseek);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(sample_unload() == 0, "unload with the task alive: %s", strerror(errno));
	CHECK(finish(go, pid) == 50, "the call was rewritten after the unload");
}

/* getppid() a few times; exits 0. */
static int getppid_a_few_times(void)
{
	for (int i = 0; i < 3; i++)
		syscall(SYS_getppid);
	return 0;
}

/* Polls @cond up to ~10 s; evaluates to its last value. */
#define POLL(cond) ({							\
	int __ok = 0;							\
	for (int __i = 0; __i < 1000 && !(__ok = (cond)); __i++)	\
		usleep(10000);						\
	__ok;								\
})

/*
 * The unload recipe holds when the unloading task is killed: the barrier
 * of the module's exit waits for the callback that runs (one that sleeps
 * 3 s here) whatever signal comes, so the module's text outlives it.  A
 * barrier SIGKILL ended let the module be freed under the callback, which
 * then returned into freed text and took the traced task down.
 */
static void a_killed_unload_waits_for_the_running_callback(void)
{
	char params[96];
	int go[2], err, status = -1;
	pid_t pid = held_child(go, getppid_a_few_times), rm;

	snprintf(params, sizeof(params), "pid=%d nr=%d slow=3000", pid, SYS_getppid);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(write(go[1], "g", 1) == 1, "release the child");
	close(go[1]);
	CHECK(POLL(sample_hits() == 1), "the slow callback did not start");
	rm = fork();
	if (rm == 0)
		_exit(sample_unload());
	CHECK(POLL(utd_in_syscall(rm, SYS_delete_module)), "the unload did not start");
	usleep(200000);	/* into the barrier of the module's exit */
	CHECK(kill(rm, SIGKILL) == 0, "kill the unloading task");
	CHECK(waitpid(rm, &status, 0) == rm, "waitpid: %s", strerror(errno));
	CHECK(!sample_loaded(), "the killed unload left the module loaded");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the traced child ended with status %#x (its callback ran on after the unload)",
	      status);
}

/* SIGTERM to itself; exits 0 if it survives it. */
static int survive_sigterm(void)
{
	kill(getpid(), SIGTERM);
	return 0;
}

/*
 * The C engine's signal and quiesce callbacks: it drops SIGTERM, and a
 * stop it asks for through utrace_control() ends in its quiesce report.
 */
static void c_engine_signal_and_stop(void)
{
	char params[96];
	int go[2];
	pid_t pid = held_child(go, survive_sigterm);
	int err;

	snprintf(params, sizeof(params), "pid=%d signal=%d stop=1", pid, SIGTERM);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(finish(go, pid) == 0, "the child did not survive SIGTERM");
	/* One quiesce report (the stop), one signal dropped. */
	CHECK(sample_hits() == 2, "the C engine counted %d, wanted 2", sample_hits());
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
}

static int exit_zero(void)
{
	return 0;
}

/*
 * The C engine's job-control and reap callbacks: a stop and a continue,
 * then the reap by our wait(), which detaches it.
 */
static void c_engine_job_control_and_reap(void)
{
	char params[96];
	int go[2], status = 0;
	pid_t pid = held_child(go, exit_zero);
	int err;

	snprintf(params, sizeof(params), "pid=%d watch=1", pid);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	kill(pid, SIGSTOP);
	CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status),
	      "status %#x, wanted stopped", status);
	kill(pid, SIGCONT);
	CHECK(finish(go, pid) == 0, "the child did not exit 0");
	/* Stopping, continued, reaped. */
	CHECK(sample_hits() == 3, "the C engine counted %d, wanted 3", sample_hits());
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
}

/*
 * The call pause() makes: x86_64's pause, arm64's ppoll (which has no
 * pause); what /proc/PID/syscall shows while a child sleeps in it.
 */
#ifdef SYS_pause
#define PAUSE_NR SYS_pause
#else
#define PAUSE_NR SYS_ppoll
#endif

/* Not reached below: the child stays in its read of the go pipe. */
static int wait_forever(void)
{
	pause();
	return 1;
}

/*
 * The C API's examination: utrace_prepare_examine(), utrace_examine_regs()
 * (read, then written back) and utrace_finish_examine() on a task the
 * module keeps stopped (stop=1 restop=1); "examined" is the bytes of
 * registers read.  Before the task stops it is -EAGAIN; for an engine
 * that holds no stop, -EINVAL.
 */
static void c_engine_examines_its_stopped_task(void)
{
	char params[96];
	int go[2], status, examined = -EAGAIN, err;
	pid_t pid = held_child(go, wait_forever);

	snprintf(params, sizeof(params), "pid=%d stop=1 restop=1", pid);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	for (int i = 0; i < 5000 && examined == -EAGAIN; i++) {
		CHECK(sample_trigger("examine") == 0, "examine: %s", strerror(errno));
		examined = sample_param("examined", 1);
		if (examined == -EAGAIN)
			usleep(1000);
	}
	CHECK(examined == (int)sizeof(tracee_regs),
	      "examined %d, wanted %zu bytes", examined, sizeof(tracee_regs));
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
	      "status %#x", status);
	close(go[1]);
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));

	pid = held_child(go, wait_forever);
	snprintf(params, sizeof(params), "pid=%d death=1", pid);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(sample_trigger("examine") == 0, "examine: %s", strerror(errno));
	CHECK(sample_param("examined", 1) == -EINVAL,
	      "an engine without a stop examined: %d", sample_param("examined", 1));
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	close(go[1]);
	/* Killed, untraced, the only thread: its parent gets SIGCHLD. */
	CHECK(sample_param("death_signal", 0) == SIGCHLD, "death signal %d",
	      sample_param("death_signal", 0));
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
}

/*
 * The floating-point control register with flush-to-zero, what the child
 * sets: x86's MXCSR (its default 0x1f80, FTZ bit 15; byte 24 of
 * NT_PRFPREG, the FXSAVE layout), arm64's FPCR (FZ bit 24; byte 516 of
 * NT_PRFPREG, struct user_fpsimd_state, after 32 vregs and fpsr).
 */
#if defined(__x86_64__)
#define TEST_CONTROL 0x9f80
#define CONTROL_AT 24
typedef struct user_fpregs_struct fp_regs;
#else
#define TEST_CONTROL (1u << 24)
#define CONTROL_AT 516
typedef struct user_fpsimd_state fp_regs;
#endif

/* Sets the control register to TEST_CONTROL, then waits (in pause(), until SIGKILL). */
static int fp_control_then_wait(void)
{
#if defined(__x86_64__)
	unsigned int mxcsr = TEST_CONTROL;

	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
#else
	__asm__ volatile("msr fpcr, %0" : : "r"((unsigned long)TEST_CONTROL));
#endif
	pause();
	return 1;
}

/*
 * utrace_examine_regset(): the module examines the floating-point
 * registers (NT_PRFPREG; TEST_CONTROL's comment) of a task it keeps
 * stopped, reads the control register the task set and writes the set back;
 * a register set the task's ABI lacks is -EINVAL.
 */
static void c_engine_examines_another_register_set(void)
{
	static const unsigned int notes[] = { NT_PRFPREG, 0x4242 };
	char params[128];
	int go[2], status, examined;

	for (unsigned int i = 0; i < 2; i++) {
		pid_t pid = held_child(go, fp_control_then_wait);
		int err, tries;

		CHECK(write(go[1], "g", 1) == 1, "release the child");
		for (tries = 0; tries < 5000 && !utd_in_syscall(pid, PAUSE_NR); tries++)
			usleep(1000);
		CHECK(tries < 5000, "the child never reached its pause()");
		snprintf(params, sizeof(params), "pid=%d stop=1 restop=1 regset=%u word_at=%d",
			 pid, notes[i], CONTROL_AT);
		err = sample_load(params);
		CHECK(err == 0, "load: %s", strerror(err));
		examined = -EAGAIN;
		for (tries = 0; tries < 5000 && examined == -EAGAIN; tries++) {
			CHECK(sample_trigger("examine") == 0, "examine: %s", strerror(errno));
			examined = sample_param("examined", 1);
			if (examined == -EAGAIN)
				usleep(1000);
		}
		if (notes[i] == NT_PRFPREG) {
			CHECK(examined == (int)sizeof(fp_regs),
			      "examined %d, wanted %zu bytes", examined, sizeof(fp_regs));
			CHECK(sample_param("word", 0) == (int)TEST_CONTROL,
			      "control register %#x, wanted %#x", sample_param("word", 0),
			      TEST_CONTROL);
		} else {
			CHECK(examined == -EINVAL, "set %#x examined: %d", notes[i], examined);
		}
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status), "status %#x",
		      status);
		close(go[1]);
		CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
	}
}

/* vfork()s a child that exits at once; 0 once the child is reaped. */
static int vfork_a_child(void)
{
	pid_t child = vfork();

	if (child == 0)
		_exit(0);
	return child > 0 && waitpid(child, NULL, 0) == child ? 0 : 1;
}

/* The C engine's vfork-done callback, with the child's pid. */
static void c_engine_hears_the_vfork_done(void)
{
	char params[96];
	int go[2];
	pid_t pid = held_child(go, vfork_a_child);
	int err;

	snprintf(params, sizeof(params), "pid=%d vfork=1", pid);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(finish(go, pid) == 0, "the child did not exit 0");
	CHECK(sample_hits() == 1, "the C engine counted %d vfork ends, wanted 1", sample_hits());
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
}

/* The function the C engine probes: its first instruction, and return. */
__attribute__((noinline, noipa)) long probed_mul(long a, long b)
{
	return a * b;
}

/* Three calls; the exit status says whether each got the engine's 4242. */
static int multiply_three_times(void)
{
	int got = 0;

	for (long i = 1; i <= 3; i++)
		got += probed_mul(i, 7) == 4242;
	return got;
}

/* utrace_probe(): a C engine counts the entries and sets the returns. */
static void c_engine_probes_a_function(void)
{
	char params[400], exe[256] = { 0 };
	int go[2], err;
	pid_t pid;

	CHECK(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0, "readlink");
	/* Entries: three hits, the last with 3 as its first argument. */
	pid = held_child(go, multiply_three_times);
	snprintf(params, sizeof(params), "pid=%d probe=%s probe_offset=%lu", pid, exe,
		 file_offset_of(probed_mul));
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(finish(go, pid) == 0, "the calls kept their results");
	CHECK(sample_param("probe_hits", -1) == 3, "%d entry hits",
	      sample_param("probe_hits", -1));
	CHECK(sample_param("probe_arg", -1) == 3, "last first argument %d",
	      sample_param("probe_arg", -1));
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
	/* Returns: each call returns the engine's value. */
	pid = held_child(go, multiply_three_times);
	snprintf(params, sizeof(params), "pid=%d probe=%s probe_offset=%lu probe_return=1 value=4242",
		 pid, exe, file_offset_of(probed_mul));
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(finish(go, pid) == 3, "each call got 4242");
	CHECK(sample_param("probe_hits", -1) == 3, "%d return hits",
	      sample_param("probe_hits", -1));
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
	/* A file past whose end the offset is: the load fails, nothing stays. */
	pid = held_child(go, multiply_three_times);
	snprintf(params, sizeof(params), "pid=%d probe=%s probe_offset=%lu", pid, exe,
		 1UL << 40);
	CHECK(sample_load(params) == EINVAL, "an offset past the end");
	CHECK(!sample_loaded(), "not loaded");
	CHECK(finish(go, pid) == 0, "the child ran untouched");
}

/*
 * by_pid=1: the engine is attached with utrace_attach_pid() and driven
 * with utrace_set_events_pid(), utrace_control_pid() and
 * utrace_barrier_pid(); once the task is reaped those say ESRCH, and the
 * module falls back on the plain calls to unload.
 */
static void pid_calls_name_the_task(void)
{
	char params[96];
	int go[2];
	pid_t pid = held_child(go, seek_100);
	int err;

	snprintf(params, sizeof(params), "pid=%d nr=%d arg=1 value=200 by_pid=1", pid,
		 SYS_lseek);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(finish(go, pid) == 100, "lseek(100) was not rewritten through the *_pid calls");
	CHECK(sample_unload() == 0, "unload after the task's reap: %s", strerror(errno));

	/* And while the task lives: detached through its struct pid. */
	pid = held_child(go, seek_100);
	snprintf(params, sizeof(params), "pid=%d nr=%d arg=1 value=200 by_pid=1", pid,
		 SYS_lseek);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(sample_poke() == 0, "utrace_control_pid() on a live task: %d", sample_poke());
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
	CHECK(finish(go, pid) == 50, "lseek was rewritten after the engine was detached");
}

/* The program a thread execs below: CAPI_EXEC_SEEK="READY GO" (two fds). */
__attribute__((constructor)) static void exec_seek_program(void)
{
	const char *fds = getenv("CAPI_EXEC_SEEK");
	int ready, go;
	char c;

	if (!fds || sscanf(fds, "%d %d", &ready, &go) != 2)
		return;
	/* Exec'd: say so, wait to be let go, then lseek(100). */
	if (write(ready, "x", 1) != 1 || read(go, &c, 1) != 1)
		_exit(99);
	_exit(seek_100());
}

static int exec_pipes[2][2], tid_pipe[2], go_pipe[2];

/* The thread that execs: tells its tid, waits, execs exec_seek_program(). */
static void *exec_thread(void *arg)
{
	pid_t tid = syscall(SYS_gettid);
	char env[64], c;
	char *const argv[] = { "capi_test", NULL };
	char *const envp[] = { env, NULL };

	(void)arg;
	snprintf(env, sizeof(env), "CAPI_EXEC_SEEK=%d %d", exec_pipes[0][1], exec_pipes[1][0]);
	if (write(tid_pipe[1], &tid, sizeof(tid)) != sizeof(tid) || read(go_pipe[0], &c, 1) != 1)
		_exit(98);
	execve("/proc/self/exe", argv, envp);
	_exit(97);
}

/*
 * A thread other than the leader execs: it takes the leader's pid, and
 * its old one goes with the old leader.  The engine attached to it by
 * its tid goes on with it (the call is still rewritten); the *_pid calls
 * on the old pid say ESRCH meanwhile, and unloading falls back on the
 * plain calls.
 */
static void pid_calls_fail_once_the_thread_leaves_its_pid(void)
{
	char params[96], c;
	pid_t pid, tid = 0;
	int err, status = -1;

	CHECK(pipe(exec_pipes[0]) == 0 && pipe(exec_pipes[1]) == 0 && pipe(tid_pipe) == 0 &&
	      pipe(go_pipe) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		pthread_t t;

		alarm(20);
		if (pthread_create(&t, NULL, exec_thread, NULL))
			_exit(96);
		for (;;)
			pause();
	}
	CHECK(read(tid_pipe[0], &tid, sizeof(tid)) == sizeof(tid) && tid != pid,
	      "the thread's tid %d (leader %d)", tid, pid);
	snprintf(params, sizeof(params), "pid=%d nr=%d arg=1 value=200 by_pid=1", tid,
		 SYS_lseek);
	err = sample_load(params);
	CHECK(err == 0, "load by the thread's tid: %s", strerror(err));
	/* Let it exec, and wait until the new program runs. */
	CHECK(write(go_pipe[1], "g", 1) == 1, "release the thread");
	CHECK(read(exec_pipes[0][0], &c, 1) == 1, "the exec'd program did not start");
	CHECK(sample_poke() == -ESRCH, "utrace_control_pid() on the thread's old pid: %d",
	      sample_poke());
	CHECK(write(exec_pipes[1][1], "g", 1) == 1, "release the program");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 100,
	      "the exec'd program's lseek was not rewritten: status %#x", status);
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		close(exec_pipes[i][0]);
		close(exec_pipes[i][1]);
		close(tid_pipe[i]);
		close(go_pipe[i]);
	}
}

/*
 * getput=1: the module takes a second reference (utrace_engine_get())
 * and drops its first at load; only the second keeps the engine across
 * its detach at unload.  Were the get a no-op, the barrier and put that
 * follow the detach would touch a freed engine (KASAN fails the run).
 */
static void engine_get_holds_the_engine(void)
{
	char params[96];
	int go[2];
	pid_t pid = held_child(go, seek_100);
	int err;

	snprintf(params, sizeof(params), "pid=%d nr=%d arg=1 value=200 getput=1", pid,
		 SYS_lseek);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
	CHECK(finish(go, pid) == 50, "lseek was rewritten after the engine was detached");
}

static volatile sig_atomic_t handler_errno = -1;

static void record_si_errno(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* A siginfo that names another signal than the one taken: 77. */
	handler_errno = si->si_signo == sig ? si->si_errno : 77;
}

/* SIGUSR1 to itself, taken by a handler; exits with the si_errno it saw. */
static int usr1_si_errno(void)
{
	struct sigaction sa = { .sa_sigaction = record_si_errno, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	return handler_errno < 0 ? 99 : handler_errno;
}

/*
 * report_signal may edit the siginfo: with si_errno=42 the C engine writes
 * it into the SIGUSR1 it lets through, and the handler sees it.
 */
static void c_engine_edits_the_siginfo(void)
{
	char params[96];
	int go[2];
	pid_t pid = held_child(go, usr1_si_errno);
	int err;

	snprintf(params, sizeof(params), "pid=%d signal=%d si_errno=42", pid, SIGUSR1);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	err = finish(go, pid);
	CHECK(err == 42, "the handler saw si_errno %d, not the engine's 42", err);
	CHECK(sample_hits() == 1, "the C engine counted %d signals", sample_hits());
	/* And the entry into the handler, as utrace's UTRACE_SIGNAL_HANDLER. */
	CHECK(sample_param("handlers", -1) == 1, "the C engine counted %d handler entries",
	      sample_param("handlers", -1));
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));

	/* An engine that zeroes si_signo: engine-core puts it back. */
	pid = held_child(go, usr1_si_errno);
	snprintf(params, sizeof(params), "pid=%d signal=%d si_errno=42 clobber_signo=1", pid,
		 SIGUSR1);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	err = finish(go, pid);
	CHECK(err == 42, "the handler's siginfo: %d (77: it named another signal)", err);
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
}

static volatile sig_atomic_t usr1_runs, usr1_signo, usr1_code;

static void note_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1_runs++;
	usr1_signo = si->si_signo;
	usr1_code = si->si_code;
}

/* What block_usr1_and_pause() found wrong (its exit status, 0: nothing). */
#define MADE_UP_NO_HANDLER	1	/* pause() ended without the handler */
#define MADE_UP_BAD_SIGNO	2	/* its siginfo named another signal */
#define MADE_UP_BAD_CODE	4	/* si_code is not the sample's SI_KERNEL */
#define MADE_UP_PENDING		8	/* SIGUSR1 left pending */
#define MADE_UP_UNBLOCKED	16	/* the handler's return left it unblocked */
#define MADE_UP_RAN_AGAIN	32	/* the handler ran again at the unblock */

/*
 * SIGUSR1 handled (SA_SIGINFO) and blocked, then pause() until a handler
 * runs; then unblocks SIGUSR1 (a pending one would run the handler again).
 */
static int block_usr1_and_pause(void)
{
	struct sigaction sa = { .sa_sigaction = note_usr1, .sa_flags = SA_SIGINFO };
	sigset_t set, now;
	int wrong = 0;

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pause();
	if (usr1_runs != 1)
		wrong |= MADE_UP_NO_HANDLER;
	if (usr1_signo != SIGUSR1)
		wrong |= MADE_UP_BAD_SIGNO;
	if (usr1_code != SI_KERNEL)
		wrong |= MADE_UP_BAD_CODE;
	sigpending(&now);
	if (sigismember(&now, SIGUSR1))
		wrong |= MADE_UP_PENDING;
	sigprocmask(SIG_BLOCK, NULL, &now);
	if (!sigismember(&now, SIGUSR1))
		wrong |= MADE_UP_UNBLOCKED;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (usr1_runs != 1)
		wrong |= MADE_UP_RAN_AGAIN;
	return wrong;
}

/* Waits up to ~5 s for @pid to end; SIGKILLs it after.  Its wait status. */
static int wait_or_kill(pid_t pid)
{
	int status = -1;

	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	CHECK(0, "the child did not end");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/*
 * make_up=SIGUSR1: the C engine makes up SIGUSR1 (si_code SI_KERNEL, the
 * task's own sigaction) in the report with no signal that follows the
 * quiesce report its utrace_control(UTRACE_INTERRUPT) ("interrupt")
 * asks for.  The child blocks SIGUSR1 and sleeps in pause(): the signal is
 * delivered at once all the same, its handler runs with the made-up
 * siginfo, and nothing is left pending.  "made_up" counts one.
 */
static void c_engine_makes_up_a_signal(void)
{
	char params[96];
	int go[2], err, status, tries;
	pid_t pid = held_child(go, block_usr1_and_pause);

	CHECK(write(go[1], "g", 1) == 1, "release the child");
	close(go[1]);
	for (tries = 0; tries < 5000 && !utd_in_syscall(pid, PAUSE_NR); tries++)
		usleep(1000);
	CHECK(tries < 5000, "the child never reached its pause()");
	snprintf(params, sizeof(params), "pid=%d make_up=%d", pid, SIGUSR1);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(sample_param("made_up", -1) == 0, "made up %d signals before the interrupt",
	      sample_param("made_up", -1));
	CHECK(sample_trigger("interrupt") == 0, "interrupt: %s", strerror(errno));
	CHECK(sample_param("interrupted", 1) == 0, "utrace_control(UTRACE_INTERRUPT): %d",
	      sample_param("interrupted", 1));
	status = wait_or_kill(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x; what went wrong: %#x (MADE_UP_* bits)", status,
	      WIFEXITED(status) ? WEXITSTATUS(status) : 0);
	CHECK(sample_param("made_up", -1) == 1, "the C engine made up %d signals, wanted 1",
	      sample_param("made_up", -1));
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
}

static volatile sig_atomic_t own_usr1_runs;

static void count_own_usr1(int sig)
{
	(void)sig;
	own_usr1_runs++;
}

/*
 * SIGUSR1 to itself, with a handler; then reads its sigaction back.
 * Exit bits: 1 its handler ran, 2 its sigaction no longer names it.
 */
static int usr1_with_own_handler(void)
{
	struct sigaction sa = { .sa_handler = count_own_usr1 }, now;

	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	if (sigaction(SIGUSR1, NULL, &now))
		return 4;
	return (own_usr1_runs ? 1 : 0) | (now.sa_handler != count_own_usr1 ? 2 : 0);
}

/*
 * divert=1 signal=SIGUSR1: the C engine answers DELIVER with
 * return_ka->sa.sa_handler = SIG_IGN, so the task's handler does not run
 * (nor is any handler entered), the task goes on, and its own sigaction
 * still names its handler.
 */
static void c_engine_diverts_a_signal(void)
{
	char params[96];
	int go[2], err;
	pid_t pid = held_child(go, usr1_with_own_handler);

	snprintf(params, sizeof(params), "pid=%d signal=%d divert=1", pid, SIGUSR1);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	err = finish(go, pid);
	CHECK(err == 0, "the child's exit %d (1: its handler ran, 2: its sigaction changed)",
	      err);
	CHECK(sample_hits() == 1, "the C engine counted %d signals, wanted 1", sample_hits());
	CHECK(sample_param("handlers", -1) == 0, "%d handler entries, wanted none",
	      sample_param("handlers", -1));
	CHECK(sample_unload() == 0, "unload: %s", strerror(errno));
}

/* The pipe whose byte ends handle_usr1_and_read()'s wait. */
static int quit_pipe[2];

/* Whether @pid sleeps in a read() of its @fd now (/proc/PID/syscall). */
static int in_read_of(pid_t pid, int fd)
{
	char path[64], buf[256] = "";
	unsigned long arg0 = ~0UL;
	long nr = -1;
	int f, n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
	if (f >= 0)
		close(f);
	return n > 0 && sscanf(buf, "%ld %lx", &nr, &arg0) == 2 && nr == SYS_read &&
	       arg0 == (unsigned long)fd;
}

/*
 * SIGUSR1 handled (note_usr1, SA_SIGINFO: glibc adds SA_RESTORER), then a
 * read() of quit_pipe until the parent's byte.  Exit bits: 1 the handler
 * ran, 2 the read did not return the byte.
 */
static int handle_usr1_and_read(void)
{
	struct sigaction sa = { .sa_sigaction = note_usr1, .sa_flags = SA_SIGINFO };
	char c;
	int got;

	close(quit_pipe[1]);
	sigaction(SIGUSR1, &sa, NULL);
	got = read(quit_pipe[0], &c, 1);
	return (usr1_runs ? 1 : 0) | (got == 1 ? 0 : 2);
}

/*
 * Waits up to @ms for @pid to end; then SIGKILLs it and waits up to 5 s
 * more (a task an oops left stuck may never be reaped).  1 and its
 * status in *@status if it ended.
 */
static int wait_bounded(pid_t pid, int ms, int *status)
{
	for (int round = 0; round < 2; round++) {
		for (int waited = 0; waited <= ms; waited += 10) {
			if (waitpid(pid, status, WNOHANG) == pid)
				return 1;
			usleep(10000);
		}
		if (round == 0) {
			CHECK(0, "the child did not end");
			kill(pid, SIGKILL);
			ms = 5000;
		}
	}
	CHECK(0, "the child did not end on SIGKILL either");
	return 0;
}

/*
 * Unloads the sample engine from a child process, waiting up to 5 s: an
 * unload waits for the engine's running callback, which one that oopsed
 * never ends.  0 or the errno; -1 if it did not finish (it is left).
 */
static int sample_unload_bounded(void)
{
	pid_t rm = fork();
	int status;

	if (rm == 0)
		_exit(sample_unload());
	for (int i = 0; rm > 0 && i < 500; i++) {
		if (waitpid(rm, &status, WNOHANG) == rm)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(10000);
	}
	return -1;
}

/*
 * A C engine sees the task's own sigaction (orig_ka) in a made-up signal
 * report once a signal is made up: a Rust test engine makes up SIGUSR1
 * (DELIVER), the sample engine, attached after it, diverts it to SIG_IGN
 * (divert=1 signal=SIGUSR1) and notes orig_ka's sa_flags, which are the
 * child's: SA_SIGINFO.  The child's handler does not run, nor is any
 * handler entered, and the child sleeps on in its read().  The sample
 * counts two hits: the interrupt's quiesce report (its report_quiesce
 * counts one), then the made-up signal it diverted.
 */
static void c_engine_sees_orig_ka_of_a_made_up_signal(void)
{
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_MAKE_UP,
		.events = UTRACE_TEST_EVENT_QUIESCE | UTRACE_TEST_EVENT_SIGNAL_REPORT,
		.id = 1, .nr = SIGUSR1, .arg = SI_QUEUE, .value = UTRACE_TEST_SIGNAL_DELIVER,
	};
	char params[96];
	int go[2], fd, slot = -1, err, status = -1, waiting = 0, tries;
	pid_t pid;

	CHECK(pipe(quit_pipe) == 0, "pipe");
	pid = held_child(go, handle_usr1_and_read);
	/* The parent keeps the read end too: a late quit byte is no SIGPIPE. */
	fd = open("/dev/utrace-test", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open /dev/utrace-test: %s", strerror(errno));
	a.pid = pid;
	if (fd >= 0) {
		slot = ioctl(fd, UTRACE_TEST_ATTACH, &a);
		CHECK(slot >= 0, "attach the maker: %s", strerror(errno));
	}
	snprintf(params, sizeof(params), "pid=%d signal=%d divert=1", pid, SIGUSR1);
	err = sample_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(write(go[1], "g", 1) == 1, "release the child");
	close(go[1]);
	for (tries = 0; tries < 5000 && !(waiting = in_read_of(pid, quit_pipe[0])); tries++)
		usleep(1000);
	CHECK(waiting, "the child never waited in its read()");
	if (waiting && slot >= 0 && err == 0) {
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s",
		      strerror(errno));
		for (tries = 0; tries < 5000 && sample_hits() < 2; tries++)
			usleep(1000);
		/* Whatever would follow the made-up report has had its time. */
		usleep(100000);
		CHECK(sample_hits() == 2,
		      "the C engine counted %d, wanted 2 (the quiesce report, the made-up signal)",
		      sample_hits());
		CHECK(sample_param("orig_flags", 0) & SA_SIGINFO,
		      "orig_ka's sa_flags %#x, without the task's SA_SIGINFO",
		      sample_param("orig_flags", 0));
		CHECK(sample_param("handlers", -1) == 0, "%d handler entries, wanted none",
		      sample_param("handlers", -1));
		CHECK(in_read_of(pid, quit_pipe[0]),
		      "the child left its read(): the diverted signal did something");
	}
	CHECK(write(quit_pipe[1], "q", 1) == 1, "write the quit byte");
	if (wait_bounded(pid, 5000, &status))
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status %#x (exit bits 1: its handler ran, 2: its read failed)", status);
	if (err == 0)
		CHECK(sample_unload_bounded() == 0, "unload failed, or hangs");
	if (fd >= 0)
		close(fd);
	close(quit_pipe[0]);
	close(quit_pipe[1]);
}

static void attach_errors_fail_the_load(void)
{
	char params[96];

	CHECK(sample_load("pid=999999 nr=39") == ESRCH, "no such pid");
	/* kthreadd: kernel threads take no engines. */
	CHECK(sample_load("pid=2 nr=39") == EPERM, "kernel thread");
	snprintf(params, sizeof(params), "pid=%d nr=39 arg=9", getpid());
	CHECK(sample_load(params) == EINVAL, "argument 9");
	/* Nothing stayed loaded. */
	CHECK(sample_unload() == ENOENT, "a failed load left the module in");
}

KTAP_MAIN("guest_capi",
	  KTAP_CASE(c_engine_sits_in_attach_order),
	  KTAP_CASE(c_engine_aborts_a_call),
	  KTAP_CASE(unloading_detaches_the_engine),
	  KTAP_CASE(c_engine_signal_and_stop),
	  KTAP_CASE(c_engine_job_control_and_reap),
	  KTAP_CASE(c_engine_hears_the_vfork_done),
	  KTAP_CASE(c_engine_examines_its_stopped_task),
	  KTAP_CASE(c_engine_examines_another_register_set),
	  KTAP_CASE(pid_calls_name_the_task),
	  KTAP_CASE(pid_calls_fail_once_the_thread_leaves_its_pid),
	  KTAP_CASE(engine_get_holds_the_engine),
	  KTAP_CASE(c_engine_edits_the_siginfo),
	  KTAP_CASE(c_engine_makes_up_a_signal),
	  KTAP_CASE(c_engine_diverts_a_signal),
	  KTAP_CASE(attach_errors_fail_the_load),
	  KTAP_CASE(a_killed_unload_waits_for_the_running_callback),
	  KTAP_CASE(c_engine_probes_a_function),
	  /* Last: where the sample oopses, no other case is caught in it. */
	  KTAP_CASE(c_engine_sees_orig_ka_of_a_made_up_signal))
