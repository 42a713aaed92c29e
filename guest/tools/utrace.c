// SPDX-License-Identifier: GPL-2.0
/*
 * utrace - run a program under utrace-rs engines.
 *
 *   utrace [--vm RULES] [--strace] [--order reverse|forward] [-s N]
 *          [-o FILE] [-b BYTES] [--max-engines N] [--no-follow]
 *          [--probe FILE:SYMBOL[%return]]... [--branches N] -- PROG [ARGS...]
 *
 * Attaches the engines to a child before it execs PROG, prints the strace
 * engine's lines on stderr (or in FILE, created or truncated) while it
 * runs (read(2) and poll(2) on /dev/utrace, until the end of the trace),
 * and exits with its status.  The trace starts at PROG's execve, as
 * strace's does: the strace engine is attached with UTRACE_FROM_EXEC, so
 * the child's calls before it (its wait for the engines) are not shown.
 * -b sets the trace buffer's size (UTRACE_SET_BUFFER), --max-engines the
 * most engines at once (UTRACE_SET_MAX_ENGINES, 1024 by default: each
 * traced process alive has one per engine kind).  At the end, the
 * tool says on stderr how many processes ran untraced and how many lines
 * were dropped, if any (the trace says where).
 *
 * --order reverse (the default) attaches the VM first and strace second,
 * so strace sits closer to the program: it shows the calls as the program
 * makes them and the results as the program gets them.  --order forward
 * attaches strace first, under the VM: it exists to show the naive order
 * going wrong.  RULES: see `utrace --help`; ';' or newlines separate rules.
 * The engines follow PROG's children (as strace -f) unless --no-follow.
 *
 * --probe (implies --strace; up to 16) adds a line to the trace each time
 * PROG runs the function SYMBOL of the ELF file FILE (PROG itself, or a
 * library it maps), with its first four integer arguments, or with
 * %return each time the function returns, with the value:
 *   --- probed_add(0x1, 0x3e9, 0, 0x7ffc8e5a1b20) ---
 *   --- probed_add returned 0x3ea ---
 * The tool looks SYMBOL up in FILE's symbol table (.symtab, or .dynsym)
 * and turns its address into a file offset through the loadable segments;
 * FILE:0xOFFSET gives the offset itself.  PROG's children are not probed.
 *
 * --branches N (1 to 1000000) attaches the branch-trace engine of
 * /dev/utrace-branch (<linux/utrace_branch.h>) with the others, in its
 * overwrite mode with UTRACE_BRANCH_FROM_EXEC: a ring of PROG's last N
 * taken branches, from its execve.  It needs no /dev/utrace engine, and
 * may come alone.  Once PROG has exited, the tool prints them, oldest
 * first, where the strace lines go (stderr, or FILE), one a line:
 *   branch: 0x401a2c <main+0x1c> -> 0x401b00 <helper>
 * the branch instruction and where it went, each with the function of
 * PROG's ELF file (.symtab and .dynsym) that holds it, if one does; a
 * position-independent PROG's addresses are not symbolized (it runs
 * elsewhere).  Then on stderr:
 *   utrace: 64 branches shown, 18350 recorded, 18286 overwritten
 * Only PROG's first task is traced (not its threads or children); every
 * instruction it runs traps, so it runs much slower.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/utrace.h>
#include <linux/utrace_branch.h>

static const char *vm_errors[] = {
	[UTRACE_VM_OK] = "no error",
	[UTRACE_VM_MALFORMED] = "not a rule",
	[UTRACE_VM_UNKNOWN_SYSCALL] = "unknown syscall",
	[UTRACE_VM_TOO_LONG] = "prefix or value too long",
	[UTRACE_VM_TOO_MANY] = "too many rules (at most 32)",
	[UTRACE_VM_NOT_ABSOLUTE] = "prefix is not an absolute path",
	[UTRACE_VM_NOT_TEXT] = "empty, over 4096 bytes, or not text",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: utrace [--vm RULES] [--strace] [--order reverse|forward] [-s N] [-o FILE]\n"
		"              [-b BYTES] [--max-engines N] [--no-follow]\n"
		"              [--probe FILE:SYMBOL[%%return]]... [--branches N] -- PROG [ARGS...]\n"
		"--branches N: show PROG's last N taken branches (1 to 1000000) when it exits\n"
		"VM rules, separated by ';' or newlines:\n"
		"  return SYSCALL VALUE      skip SYSCALL, the program gets VALUE\n"
		"  uname nodename NAME       edit uname()'s nodename (release: uname release REL)\n"
		"  redirect /FROM /TO        open/stat/access/execve of /FROM/... use /TO/...\n");
}

/* What the trace said it lacks: processes not traced, lines dropped. */
static unsigned long not_traced;
static unsigned long long dropped;

/* Counts the notices of a complete line of the trace. */
static void notice(const char *line)
{
	unsigned long long n;

	if (!strncmp(line, "<utrace: pid ", 13) && strstr(line, " not traced: "))
		not_traced++;
	else if (sscanf(line, "<utrace: %llu lines dropped>", &n) == 1)
		dropped += n;
}

/*
 * Copies the trace to @out until its end: every strace engine gone (the
 * program and the children it followed are dead), everything read.  @fd
 * is non-blocking: poll(2) waits for text.  Notices are counted on the
 * way (the start of each line is enough to know one).
 */
static void copy_trace(int fd, int out)
{
	static char buf[65536];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char head[64];
	size_t hlen = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			if (write(out, buf, n) != n) {
				perror("utrace: writing the trace");
				return;
			}
			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] == '\n') {
					head[hlen] = 0;
					notice(head);
					hlen = 0;
				} else if (hlen < sizeof(head) - 1) {
					head[hlen++] = buf[i];
				}
			}
			continue;
		}
		if (n == 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			fprintf(stderr, "utrace: read: %s\n", strerror(errno));
			return;
		}
		if (poll(&p, 1, -1) < 0 && errno != EINTR) {
			perror("utrace: poll");
			return;
		}
	}
}

/* PROG as execve wants it: a path, searched in PATH if it has no '/'. */
static const char *resolve(const char *prog, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/') || !path)
		return prog;
	while (*path) {
		const char *end = strchrnul(path, ':');

		snprintf(buf, len, "%.*s/%s", (int)(end - path), path, prog);
		if (access(buf, X_OK) == 0)
			return buf;
		path = *end ? end + 1 : end;
	}
	return prog;
}

/* A positive number, or the tool exits with a message. */
static unsigned long count_arg(const char *option, const char *text)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 0);
	if (errno || end == text || *end || n == 0 || text[0] == '-') {
		fprintf(stderr, "utrace: %s %s: not a positive number\n", option, text);
		exit(2);
	}
	return n;
}

static unsigned int follow = UTRACE_FOLLOW;

static int attach_vm(int fd, pid_t pid, const char *rules)
{
	struct utrace_vm_attach a = {
		.pid = pid, .rules = (unsigned long)rules, .rules_len = strlen(rules),
		.flags = follow,
	};
	int slot = ioctl(fd, UTRACE_ATTACH_VM, &a);

	if (slot < 0) {
		if (a.error)
			fprintf(stderr, "utrace: --vm: line %u: %s (%s)\n", a.error_line,
				a.error < sizeof(vm_errors) / sizeof(vm_errors[0]) ?
				vm_errors[a.error] : "?", strerror(errno));
		else
			fprintf(stderr, "utrace: attaching the VM engine: %s\n", strerror(errno));
	}
	return slot;
}

static int attach_strace(int fd, pid_t pid, unsigned int string_max)
{
	struct utrace_strace_attach a = {
		.pid = pid, .string_max = string_max, .flags = follow | UTRACE_FROM_EXEC,
	};
	int slot = ioctl(fd, UTRACE_ATTACH_STRACE, &a);

	if (slot < 0)
		fprintf(stderr, "utrace: attaching the strace engine: %s\n", strerror(errno));
	return slot;
}

/* A --probe: the file, the offset in it, the name the lines show. */
struct probe {
	const char *file;
	unsigned long long offset;
	char name[64];
	unsigned int flags;
};

#define MAX_PROBES 16
static struct probe probes[MAX_PROBES];
static int nprobes;

/*
 * The header of the ELF file at @map (@len bytes), if it is a 64-bit one
 * whose section and program header tables lie in it; else NULL.
 */
static const Elf64_Ehdr *elf_header(const unsigned char *map, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)map;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff > len ||
	    eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr) ||
	    eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr))
		return NULL;
	return eh;
}

/*
 * Calls @fn(@arg, symbol, name) for each function symbol (STT_FUNC) of the
 * ELF file at @map (@len bytes, elf_header() checked) whose name lies in
 * its string table: those of .symtab first, then those of .dynsym (all a
 * stripped file has), until @fn returns non-zero.  Returns that value, or
 * 0 when the walk went through.
 */
static int elf_functions(const unsigned char *map, size_t len,
			 int (*fn)(void *arg, const Elf64_Sym *s, const char *name), void *arg)
{
	const Elf64_Ehdr *eh = (const void *)map;
	const Elf64_Shdr *sh = (const void *)(map + eh->e_shoff);

	for (int pass = 0; pass < 2; pass++) {
		unsigned int want = pass ? SHT_DYNSYM : SHT_SYMTAB;

		for (int i = 0; i < eh->e_shnum; i++) {
			const Elf64_Shdr *strs;
			const Elf64_Sym *syms;
			size_t n;

			if (sh[i].sh_type != want || sh[i].sh_link >= eh->e_shnum)
				continue;
			strs = &sh[sh[i].sh_link];
			if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset ||
			    strs->sh_offset > len || strs->sh_size > len - strs->sh_offset)
				continue;
			syms = (const void *)(map + sh[i].sh_offset);
			n = sh[i].sh_size / sizeof(*syms);
			for (size_t k = 0; k < n; k++) {
				const char *name = (const char *)map + strs->sh_offset + syms[k].st_name;
				int r;

				if (syms[k].st_name >= strs->sh_size ||
				    ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC ||
				    strnlen(name, strs->sh_size - syms[k].st_name) == strs->sh_size - syms[k].st_name)
					continue;
				r = fn(arg, &syms[k], name);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

/* elf_offset()'s search: the address of the function named @arg->sym. */
struct function_search {
	const char *sym;
	unsigned long long addr;
};

static int function_named(void *arg, const Elf64_Sym *s, const char *name)
{
	struct function_search *f = arg;

	if (!s->st_value || strcmp(name, f->sym))
		return 0;
	f->addr = s->st_value;
	return 1;
}

/*
 * The file offset of function @sym in the ELF file at @map (@len bytes):
 * its symbol's address, in the loadable segment that holds it.  Returns
 * 0 and sets *@off, or -1 with a message.
 */
static int elf_offset(const unsigned char *map, size_t len, const char *file,
		      const char *sym, unsigned long long *off)
{
	const Elf64_Ehdr *eh = elf_header(map, len);
	struct function_search f = { .sym = sym };
	unsigned long long addr;

	if (!eh) {
		fprintf(stderr, "utrace: --probe: %s: not a 64-bit ELF file\n", file);
		return -1;
	}
	if (!elf_functions(map, len, function_named, &f)) {
		fprintf(stderr, "utrace: --probe: %s: no function %s\n", file, sym);
		return -1;
	}
	addr = f.addr;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(map + eh->e_phoff) + i * sizeof(*ph);

		if (ph->p_type == PT_LOAD && addr >= ph->p_vaddr &&
		    addr < ph->p_vaddr + ph->p_filesz) {
			*off = addr - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	fprintf(stderr, "utrace: --probe: %s: %s is in no loadable segment\n", file, sym);
	return -1;
}

/*
 * Maps the file at @path whole, read-only: its address, and its size in
 * *@len; or NULL with errno set.
 */
static void *map_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	struct stat st;
	void *map;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	if (map == MAP_FAILED) {
		errno = err;
		return NULL;
	}
	*len = st.st_size;
	return map;
}

/* Parses FILE:SYMBOL[%return] or FILE:0xOFFSET[%return] into a probe. */
static int parse_probe(const char *spec, struct probe *p)
{
	static char text[MAX_PROBES][PATH_MAX + 80];
	char *copy = text[nprobes], *colon, *pct, *end;
	size_t len;
	int r;
	void *map;

	snprintf(copy, sizeof(text[0]), "%s", spec);
	colon = strrchr(copy, ':');
	if (!colon || colon == copy || !colon[1]) {
		fprintf(stderr, "utrace: --probe %s: not FILE:SYMBOL\n", spec);
		return -1;
	}
	*colon = 0;
	pct = strchr(colon + 1, '%');
	if (pct) {
		if (strcmp(pct, "%return")) {
			fprintf(stderr, "utrace: --probe %s: only %%return may follow\n", spec);
			return -1;
		}
		*pct = 0;
		p->flags = UTRACE_PROBE_RETURN;
	}
	p->file = copy;
	snprintf(p->name, sizeof(p->name), "%s", colon + 1);
	if (!strncmp(colon + 1, "0x", 2)) {
		errno = 0;
		p->offset = strtoull(colon + 1, &end, 16);
		if (errno || *end) {
			fprintf(stderr, "utrace: --probe %s: bad offset\n", spec);
			return -1;
		}
		return 0;
	}
	map = map_file(copy, &len);
	if (!map) {
		fprintf(stderr, "utrace: --probe: %s: %s\n", copy, strerror(errno));
		return -1;
	}
	r = elf_offset(map, len, copy, colon + 1, &p->offset);
	munmap(map, len);
	return r;
}

/* Has the strace engine of @slot show the hits of @p. */
static int add_probe(int fd, int slot, const struct probe *p)
{
	int file = open(p->file, O_RDONLY | O_CLOEXEC);
	struct utrace_probe a = {
		.slot = slot, .fd = file, .offset = p->offset, .flags = p->flags,
		.label_len = strlen(p->name), .label = (unsigned long)p->name,
	};
	int r = file < 0 ? -1 : ioctl(fd, UTRACE_PROBE, &a);

	if (r < 0)
		fprintf(stderr, "utrace: --probe %s:%s: %s\n", p->file, p->name, strerror(errno));
	if (file >= 0)
		close(file);
	return r;
}

/* --branches N: at most this many. */
#define MAX_BRANCHES 1000000

/* The N of --branches N, or the tool exits with a message. */
static unsigned long branches_arg(const char *text)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || n < 1 || n > MAX_BRANCHES) {
		fprintf(stderr, "utrace: --branches %s: not a number from 1 to %d\n", text,
			MAX_BRANCHES);
		exit(2);
	}
	return n;
}

static int attach_branches(int fd, pid_t pid, unsigned long records)
{
	struct utrace_branch_attach a = {
		.pid = pid, .flags = UTRACE_BRANCH_FROM_EXEC, .records = records,
	};
	int r = ioctl(fd, UTRACE_BRANCH_ATTACH, &a);

	if (r < 0)
		fprintf(stderr, "utrace: attaching the branch engine: %s\n", strerror(errno));
	return r;
}

/*
 * PROG's functions, for --branches: sorted by start, then by size from
 * the largest (so an inner function comes after the one around it), then
 * by binding and name (the one shown of aliases is the last); reach is
 * the furthest end of the functions up to this one.
 */
struct function {
	unsigned long long start, end, reach;
	const char *name;	/* in the file's mapping, kept */
	int bind;
};

static struct function *functions;
static size_t nfunctions, functions_room;

/* LOCAL < WEAK < GLOBAL: the last one shown. */
static int bind_rank(int bind)
{
	return bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0;
}

static int function_order(const void *a, const void *b)
{
	const struct function *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	if (x->bind != y->bind)
		return bind_rank(x->bind) - bind_rank(y->bind);
	return strcmp(y->name, x->name);
}

static int add_function(void *arg, const Elf64_Sym *s, const char *name)
{
	(void)arg;
	if (!s->st_size || s->st_shndx == SHN_UNDEF ||
	    s->st_value + s->st_size < s->st_value)
		return 0;
	if (nfunctions == functions_room) {
		size_t room = functions_room ? 2 * functions_room : 1024;
		struct function *f = realloc(functions, room * sizeof(*f));

		if (!f)
			return -1;
		functions = f;
		functions_room = room;
	}
	functions[nfunctions++] = (struct function){
		.start = s->st_value, .end = s->st_value + s->st_size, .name = name,
		.bind = ELF64_ST_BIND(s->st_info),
	};
	return 0;
}

/*
 * Reads the function symbols of @prog, the file PROG's execve ran, if it
 * is a 64-bit ELF executable that is not position-independent (its
 * addresses are then the ones it ran at).  Else says why on stderr, and
 * the addresses are shown bare.
 */
static void load_functions(const char *prog)
{
	const Elf64_Ehdr *eh;
	size_t len;
	void *map = map_file(prog, &len);

	if (!map) {
		fprintf(stderr, "utrace: --branches: %s: %s: addresses are not symbolized\n", prog,
			strerror(errno));
		return;
	}
	eh = elf_header(map, len);
	if (!eh) {
		fprintf(stderr, "utrace: --branches: %s: not a 64-bit ELF file: addresses are not symbolized\n",
			prog);
	} else if (eh->e_type != ET_EXEC) {
		fprintf(stderr, "utrace: --branches: %s is position-independent: addresses are not symbolized\n",
			prog);
	} else if (elf_functions(map, len, add_function, NULL)) {
		fprintf(stderr, "utrace: --branches: %s: out of memory: addresses are not symbolized\n",
			prog);
		nfunctions = 0;
	} else {
		qsort(functions, nfunctions, sizeof(*functions), function_order);
		for (size_t i = 0; i < nfunctions; i++)
			functions[i].reach = i && functions[i - 1].reach > functions[i].end ?
				functions[i - 1].reach : functions[i].end;
		return;		/* the names stay mapped */
	}
	munmap(map, len);
}

/* The innermost function that holds @addr, or NULL. */
static const struct function *function_at(unsigned long long addr)
{
	size_t lo = 0, hi = nfunctions;

	/* The first one that starts after @addr... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (functions[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ...and back, while one may still reach it. */
	while (lo-- > 0 && functions[lo].reach > addr)
		if (addr < functions[lo].end)
			return &functions[lo];
	return NULL;
}

/* 0x401a2c, then <main+0x1c> (or <main> at its start) if a function holds it. */
static void put_address(FILE *f, unsigned long long addr)
{
	const struct function *fn = function_at(addr);

	fprintf(f, "0x%llx", addr);
	if (fn && addr == fn->start)
		fprintf(f, " <%s>", fn->name);
	else if (fn)
		fprintf(f, " <%s+0x%llx>", fn->name, addr - fn->start);
}

/*
 * Prints the records of the branch engine's file @bfd on @out, oldest
 * first, until the end of the trace (PROG is dead: what is left is read,
 * then read(2) returns 0); then how many on stderr.  @prog is the file
 * whose functions name the addresses.
 */
static void show_branches(int bfd, const char *prog, int out)
{
	static struct utrace_branch buf[4096];
	struct utrace_branch_status s;
	unsigned long long shown = 0;
	int dup_out = dup(out), loaded = 0;
	FILE *f = dup_out < 0 ? NULL : fdopen(dup_out, "w");

	if (!f) {
		perror("utrace: writing the branches");
		if (dup_out >= 0)
			close(dup_out);
		return;
	}
	for (;;) {
		ssize_t n = read(bfd, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "utrace: reading the branches: %s\n", strerror(errno));
			break;
		}
		if (!loaded) {
			load_functions(prog);
			loaded = 1;
		}
		for (size_t i = 0; i < n / sizeof(buf[0]); i++, shown++) {
			fputs("branch: ", f);
			put_address(f, buf[i].from);
			fputs(" -> ", f);
			put_address(f, buf[i].to);
			fputc('\n', f);
		}
	}
	if (fclose(f))
		perror("utrace: writing the branches");
	if (ioctl(bfd, UTRACE_BRANCH_STATUS, &s) < 0) {
		fprintf(stderr, "utrace: UTRACE_BRANCH_STATUS: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr, "utrace: %llu branches shown, %llu recorded, %llu overwritten\n", shown,
		(unsigned long long)s.branches, (unsigned long long)s.overwritten);
}

int main(int argc, char **argv)
{
	const char *rules = NULL, *order = "reverse", *prog, *out_path = NULL;
	char path[PATH_MAX], c = 0;
	unsigned int string_max = 0;
	unsigned long buffer = 0, max_engines = 0, branches = 0;
	int strace = 0, i, fd = -1, bfd = -1, go[2], status, failed = 0, out = 2, slot = -1;
	pid_t child;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--vm") && i + 1 < argc) {
			rules = argv[++i];
		} else if (!strcmp(argv[i], "--strace")) {
			strace = 1;
		} else if (!strcmp(argv[i], "--order") && i + 1 < argc) {
			order = argv[++i];
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			string_max = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-b") && i + 1 < argc) {
			buffer = count_arg("-b", argv[++i]);
		} else if (!strcmp(argv[i], "--max-engines") && i + 1 < argc) {
			max_engines = count_arg("--max-engines", argv[++i]);
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out_path = argv[++i];
		} else if (!strcmp(argv[i], "--no-follow")) {
			follow = 0;
		} else if (!strcmp(argv[i], "--probe") && i + 1 < argc) {
			if (nprobes == MAX_PROBES) {
				fprintf(stderr, "utrace: at most %d --probe\n", MAX_PROBES);
				return 2;
			}
			if (parse_probe(argv[++i], &probes[nprobes]))
				return 2;
			nprobes++;
			strace = 1;
		} else if (!strcmp(argv[i], "--branches") && i + 1 < argc) {
			branches = branches_arg(argv[++i]);
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "utrace: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i + 1 >= argc || (strcmp(order, "reverse") && strcmp(order, "forward"))) {
		usage(stderr);
		return 2;
	}
	prog = resolve(argv[i + 1], path, sizeof(path));
	if (out_path) {
		out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0) {
			fprintf(stderr, "utrace: %s: %s\n", out_path, strerror(errno));
			return 2;
		}
	}
	/* --branches alone needs no /dev/utrace engine. */
	if (!branches || rules || strace || buffer || max_engines) {
		fd = open("/dev/utrace", O_RDWR | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			fprintf(stderr, "utrace: /dev/utrace: %s (is CONFIG_UTRACE on?)\n",
				strerror(errno));
			return 2;
		}
	}
	if (branches) {
		bfd = open("/dev/utrace-branch", O_RDWR | O_CLOEXEC);
		if (bfd < 0) {
			fprintf(stderr, "utrace: /dev/utrace-branch: %s\n", strerror(errno));
			return 2;
		}
	}
	if (buffer && ioctl(fd, UTRACE_SET_BUFFER, buffer) < 0) {
		fprintf(stderr, "utrace: -b %lu: %s\n", buffer, strerror(errno));
		return 2;
	}
	if (max_engines && ioctl(fd, UTRACE_SET_MAX_ENGINES, max_engines) < 0) {
		fprintf(stderr, "utrace: --max-engines %lu: %s\n", max_engines, strerror(errno));
		return 2;
	}
	if (pipe2(go, O_CLOEXEC)) {
		perror("utrace: pipe");
		return 2;
	}
	child = fork();
	if (child == 0) {
		/* Wait until the engines are attached, then become PROG. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execv(prog, argv + i + 1);
		fprintf(stderr, "utrace: %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(go[0]);
	if (!strcmp(order, "reverse")) {
		failed |= rules && attach_vm(fd, child, rules) < 0;
		failed |= strace && (slot = attach_strace(fd, child, string_max)) < 0;
	} else {
		failed |= strace && (slot = attach_strace(fd, child, string_max)) < 0;
		failed |= rules && attach_vm(fd, child, rules) < 0;
	}
	for (int k = 0; k < nprobes && !failed; k++)
		failed |= add_probe(fd, slot, &probes[k]) < 0;
	failed |= branches && !failed && attach_branches(bfd, child, branches) < 0;
	if (failed) {
		close(go[1]);	/* the child exits without running PROG */
		waitpid(child, NULL, 0);
		return 2;
	}
	if (write(go[1], &c, 1) != 1) {
		perror("utrace: releasing the child");
		return 2;
	}
	close(go[1]);
	if (strace)
		copy_trace(fd, out);
	if (not_traced || dropped)
		fprintf(stderr, "utrace: %lu processes not traced, %llu lines dropped (the trace "
			"says where)\n", not_traced, dropped);
	if (waitpid(child, &status, 0) != child) {
		perror("utrace: waitpid");
		return 2;
	}
	if (branches) {
		show_branches(bfd, prog, out);
		close(bfd);
	}
	if (fd >= 0)
		close(fd);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
