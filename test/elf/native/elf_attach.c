/*
 * elf_attach: load an ELF BPF object with the machine's libbpf, attach one sk_reuseport
 * program to a real SO_REUSEPORT group on 127.0.0.1 and report where one connection lands,
 * and (with --migrate) where it migrates when its listener closes. Built by test/elf at test
 * time (gcc … -lbpf); run inside `unshare --net` with lo up. Every fd is closed before exit.
 *
 *   elf_attach OBJ [--program NAME] [--listeners N] [--set MAP KEY VALUE]...
 *              [--migrate] [--after MAP KEY VALUE]...
 *
 * With one REUSEPORT_SOCKARRAY, listener i sits at key i (see below for several). Output, one fact per line:
 *   loaded PROGNAME / attached / select L / migrate L|none / ok   or   error STAGE ERRNO
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif
#define MAX_LISTENERS 8
#define MAX_SETS 8

struct set_op { const char *map; unsigned key; unsigned long long value; };

static struct bpf_object *obj;
static int lfd[MAX_LISTENERS];
static int nl;
static int cfd = -1;

static void cleanup(void)
{
	for (int i = 0; i < nl; i++)
		if (lfd[i] >= 0)
			close(lfd[i]);
	if (cfd >= 0)
		close(cfd);
	if (obj)
		bpf_object__close(obj);
}

static int fail(const char *stage, int err)
{
	printf("error %s %d\n", stage, err < 0 ? -err : err);
	cleanup();
	return 3;
}

static int apply(struct set_op *ops, int n)
{
	for (int i = 0; i < n; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, ops[i].map);
		if (!m)
			return -ENOENT;
		unsigned char val[64] = { 0 };
		unsigned vs = bpf_map__value_size(m);
		if (vs > sizeof(val))
			return -E2BIG;
		memcpy(val, &ops[i].value, vs < 8 ? vs : 8);
		if (bpf_map_update_elem(bpf_map__fd(m), &ops[i].key, val, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Index of the listener with a pending connection, or -1 after `ms` milliseconds. */
static int pending(int ms)
{
	struct pollfd p[MAX_LISTENERS];
	for (int i = 0; i < nl; i++) {
		p[i].fd = lfd[i];
		p[i].events = POLLIN;
		p[i].revents = 0;
	}
	if (poll(p, nl, ms) <= 0)
		return -1;
	for (int i = 0; i < nl; i++)
		if (lfd[i] >= 0 && (p[i].revents & POLLIN))
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *pname = NULL;
	struct set_op sets[MAX_SETS], after[MAX_SETS];
	int nsets = 0, nafter = 0, migrate = 0;
	nl = 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--program") && i + 1 < argc) pname = argv[++i];
		else if (!strcmp(argv[i], "--listeners") && i + 1 < argc) nl = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--migrate")) migrate = 1;
		else if ((!strcmp(argv[i], "--set") || !strcmp(argv[i], "--after")) && i + 3 < argc) {
			int is_after = argv[i][2] == 'a';
			struct set_op *op = is_after ? &after[nafter++] : &sets[nsets++];
			op->map = argv[i + 1];
			op->key = (unsigned)strtoul(argv[i + 2], NULL, 0);
			op->value = strtoull(argv[i + 3], NULL, 0);
			i += 3;
			if (nsets >= MAX_SETS || nafter >= MAX_SETS) return fail("usage", EINVAL);
		} else if (!path) path = argv[i];
		else return fail("usage", EINVAL);
	}
	if (!path || nl < 1 || nl > MAX_LISTENERS) return fail("usage", EINVAL);
	for (int i = 0; i < nl; i++) lfd[i] = -1;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) return fail("open", errno);
	int err = bpf_object__load(obj);
	if (err) return fail("load", err);
	struct bpf_program *prog = pname ? bpf_object__find_program_by_name(obj, pname) : bpf_object__next_program(obj, NULL);
	if (!prog) return fail("program", ENOENT);
	printf("loaded %s\n", bpf_program__name(prog));

	if (migrate) {
		int fd = open("/proc/sys/net/ipv4/tcp_migrate_req", O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1) return fail("sysctl", errno);
		close(fd);
	}
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	for (int i = 0; i < nl; i++) {
		int one = 1;
		lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd[i] < 0) return fail("socket", errno);
		if (setsockopt(lfd[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) return fail("reuseport", errno);
		if (bind(lfd[i], (struct sockaddr *)&a, sizeof(a))) return fail("bind", errno);
		if (i == 0 && getsockname(lfd[0], (struct sockaddr *)&a, &alen)) return fail("getsockname", errno);
		if (listen(lfd[i], 16)) return fail("listen", errno);
	}
	/* A socket can sit in one sockarray only (EBUSY otherwise): with S sockarrays, listener i
	 * goes to sockarray i % S at key i / S. */
	struct bpf_map *m;
	int nsock = 0, si = 0;
	bpf_object__for_each_map(m, obj)
		nsock += bpf_map__type(m) == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY;
	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) != BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
			continue;
		for (int i = si; i < nl; i += nsock) {
			unsigned k = (unsigned)(i / nsock);
			unsigned long long v = (unsigned long long)lfd[i];
			if (k < bpf_map__max_entries(m) && bpf_map_update_elem(bpf_map__fd(m), &k, &v, BPF_ANY)) return fail("sockarray", errno);
		}
		si++;
	}
	if ((err = apply(sets, nsets))) return fail("set", err);
	int pfd = bpf_program__fd(prog);
	if (setsockopt(lfd[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &pfd, sizeof(pfd))) return fail("attach", errno);
	printf("attached\n");

	/* Nonblocking: a policy that drops the SYN must not stall the run in SYN retransmits. */
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (cfd < 0 || (connect(cfd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)) return fail("connect", errno);
	int sel = pending(1000);
	printf("select %d\n", sel);
	if (migrate && sel >= 0) {
		if ((err = apply(after, nafter))) return fail("after", err);
		close(lfd[sel]);
		lfd[sel] = -1;
		int to = pending(500);
		if (to >= 0) printf("migrate %d\n", to);
		else printf("migrate none\n");
	}
	printf("ok\n");
	cleanup();
	return 0;
}
