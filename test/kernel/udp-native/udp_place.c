/*
 * udp_place: which socket of a real UDP SO_REUSEPORT group receives each datagram, with an
 * sk_reuseport program loaded by libbpf from an ELF object. Run it inside a private network
 * namespace with lo up (the TypeScript side does `unshare --net`).
 *
 * One command per stdin line, one reply line per command:
 *   obj PATH PROG                load PATH with libbpf, PROG = program name ("-": the first)
 *   cbpf "N code jt jf k ..."    use a classic filter instead (SO_ATTACH_REUSEPORT_CBPF)
 *   sockets N ADDR PORT V6ONLY   N UDP sockets with SO_REUSEPORT bound to ADDR:PORT
 *   attach IDX                   attach the program through socket IDX
 *   sockmap MAP KEYHEX IDX       MAP[KEY] = socket IDX's fd
 *   mapset MAP KEYHEX VALHEX     MAP[KEY] = VAL
 *   mapget MAP KEYHEX            reply "val HEX" or "val none"
 *   close IDX                    close socket IDX
 *   udpconnect IDX ADDR PORT     connect(2) socket IDX to ADDR:PORT
 *   cpu N                        pin this process to CPU N
 *   send SRCADDR SPORT DSTADDR HEX   send from SRCADDR:SPORT to DSTADDR:PORT;
 *                                reply "recv IDX LEN" (socket and bytes received) or "none"
 *   tcpsockets N ADDR PORT V6ONLY  N TCP listeners with SO_REUSEPORT instead (backlog 16)
 *   connect SRCADDR SPORT DSTADDR  a TCP connection; reply "recv IDX 0" (the listener that
 *                                accepted it) or "none"
 * Replies "ok" for commands without a value, "err WHAT ERRNO" on failure (and exits 1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif

#define MAX_SOCKS 64

static struct bpf_object *obj;
static int prog_fd = -1;
static struct sock_filter cbpf[4096];
static unsigned cbpf_len;
static int socks[MAX_SOCKS];
static int nsocks;
static int port;
static int family;

static void fail(const char *what, int e)
{
	printf("err %s %d\n", what, e);
	fflush(stdout);
	exit(1);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decode hex into buf; returns the byte count. */
static size_t unhex(const char *p, unsigned char *buf, size_t cap)
{
	size_t n = 0;
	while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && n < cap) {
		buf[n++] = (unsigned char)(hexval(p[0]) * 16 + hexval(p[1]));
		p += 2;
	}
	return n;
}

static int map_fd(const char *name)
{
	struct bpf_map *m = obj ? bpf_object__find_map_by_name(obj, name) : NULL;
	if (!m) fail("nomap", ENOENT);
	return bpf_map__fd(m);
}

static void set_addr(const char *addr, int p, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(p);
		if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) fail("addr", EINVAL);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(p);
		if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) fail("addr", EINVAL);
		*len = sizeof(*a);
	}
}

static void load_obj(const char *path, const char *prog)
{
	obj = bpf_object__open_file(path, NULL);
	if (!obj) fail("open", errno);
	if (bpf_object__load(obj)) fail("load", errno);
	struct bpf_program *p = strcmp(prog, "-") == 0 ? bpf_object__next_program(obj, NULL) : bpf_object__find_program_by_name(obj, prog);
	if (!p) fail("noprog", ENOENT);
	prog_fd = bpf_program__fd(p);
}

static void parse_cbpf(char *text)
{
	char *p = text, *end;
	unsigned n = (unsigned)strtoul(p, &end, 10);
	p = end;
	for (unsigned i = 0; i < n && i < 4096; i++) {
		cbpf[i].code = (unsigned short)strtoul(p, &end, 10); p = end;
		cbpf[i].jt = (unsigned char)strtoul(p, &end, 10); p = end;
		cbpf[i].jf = (unsigned char)strtoul(p, &end, 10); p = end;
		cbpf[i].k = (unsigned)strtoul(p, &end, 10); p = end;
	}
	cbpf_len = n;
}

static void make_sockets(int n, const char *addr, int p, int v6only)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	set_addr(addr, p, &ss, &len);
	family = ss.ss_family;
	port = p;
	for (int i = 0; i < n && nsocks < MAX_SOCKS; i++) {
		int s = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (s < 0) fail("socket", errno);
		if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) fail("reuseport", errno);
		if (family == AF_INET6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only))) fail("v6only", errno);
		if (bind(s, (struct sockaddr *)&ss, len)) fail("bind", errno);
		socks[nsocks++] = s;
	}
}

static void make_listeners(int n, const char *addr, int p, int v6only)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	set_addr(addr, p, &ss, &len);
	family = ss.ss_family;
	port = p;
	for (int i = 0; i < n && nsocks < MAX_SOCKS; i++) {
		int s = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0) fail("socket", errno);
		if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) fail("reuseport", errno);
		if (family == AF_INET6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only))) fail("v6only", errno);
		if (bind(s, (struct sockaddr *)&ss, len)) fail("bind", errno);
		if (listen(s, 16)) fail("listen", errno);
		socks[nsocks++] = s;
	}
}

static void connect_one(const char *src, int sport, const char *dst)
{
	struct sockaddr_storage from, to;
	socklen_t flen, tlen;
	int one = 1;
	set_addr(src, sport, &from, &flen);
	set_addr(dst, port, &to, &tlen);
	int c = socket(from.ss_family, SOCK_STREAM, 0);
	setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (c < 0 || bind(c, (struct sockaddr *)&from, flen)) fail("clientbind", errno);
	if (connect(c, (struct sockaddr *)&to, tlen)) {
		close(c);
		printf("none\n");
		return;
	}
	for (int tries = 0; tries < 100; tries++) {
		for (int i = 0; i < nsocks; i++) {
			if (socks[i] < 0) continue;
			int a = accept(socks[i], NULL, NULL);
			if (a >= 0) {
				close(a);
				close(c);
				printf("recv %d 0\n", i);
				return;
			}
		}
		usleep(1000);
	}
	close(c);
	printf("none\n");
}

static void attach(int idx)
{
	if (idx < 0 || idx >= nsocks) fail("index", EINVAL);
	int rc;
	if (prog_fd >= 0) {
		rc = setsockopt(socks[idx], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog_fd, sizeof(prog_fd));
	} else {
		struct sock_fprog fp = { .len = (unsigned short)cbpf_len, .filter = cbpf };
		rc = setsockopt(socks[idx], SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp, sizeof(fp));
	}
	if (rc) fail("attach", errno);
}

static void send_one(const char *src, int sport, const char *dst, const char *hex)
{
	static unsigned char payload[65536];
	size_t n = unhex(hex, payload, sizeof(payload));
	struct sockaddr_storage from, to;
	socklen_t flen, tlen;
	set_addr(src, sport, &from, &flen);
	set_addr(dst, port, &to, &tlen);
	int c = socket(from.ss_family, SOCK_DGRAM, 0);
	int one = 1;
	setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (c < 0 || bind(c, (struct sockaddr *)&from, flen)) fail("clientbind", errno);
	if (sendto(c, payload, n, 0, (struct sockaddr *)&to, tlen) != (ssize_t)n) fail("send", errno);
	close(c);
	static unsigned char buf[65536];
	for (int tries = 0; tries < 100; tries++) {
		for (int i = 0; i < nsocks; i++) {
			if (socks[i] < 0) continue;
			ssize_t r = recv(socks[i], buf, sizeof(buf), 0);
			if (r >= 0) {
				printf("recv %d %zd\n", i, r);
				return;
			}
		}
		usleep(1000);
	}
	printf("none\n");
}

int main(void)
{
	static char line[140000], hexbuf[140000];
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(NULL);
	while (fgets(line, sizeof(line), stdin)) {
		char a[256], b[256], c[256];
		int x, y, z;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "obj %255s %255s", a, b) == 2) {
			load_obj(a, b);
			printf("ok\n");
		} else if (strncmp(line, "cbpf ", 5) == 0) {
			parse_cbpf(line + 5);
			printf("ok\n");
		} else if (sscanf(line, "sockets %d %255s %d %d", &x, a, &y, &z) == 4) {
			make_sockets(x, a, y, z);
			printf("ok\n");
		} else if (sscanf(line, "tcpsockets %d %255s %d %d", &x, a, &y, &z) == 4) {
			make_listeners(x, a, y, z);
			printf("ok\n");
		} else if (sscanf(line, "connect %255s %d %255s", a, &x, b) == 3) {
			connect_one(a, x, b);
		} else if (sscanf(line, "attach %d", &x) == 1) {
			attach(x);
			printf("ok\n");
		} else if (sscanf(line, "sockmap %255s %255s %d", a, b, &x) == 3) {
			unsigned char key[64];
			size_t kn = unhex(b, key, sizeof(key));
			(void)kn;
			if (x < 0 || x >= nsocks || socks[x] < 0) fail("index", EINVAL);
			__u64 fd = (__u64)socks[x];
			if (bpf_map_update_elem(map_fd(a), key, &fd, BPF_ANY)) fail("sockmap", errno);
			printf("ok\n");
		} else if (sscanf(line, "mapset %255s %255s %255s", a, b, c) == 3) {
			unsigned char key[256], val[256];
			unhex(b, key, sizeof(key));
			unhex(c, val, sizeof(val));
			if (bpf_map_update_elem(map_fd(a), key, val, BPF_ANY)) fail("mapset", errno);
			printf("ok\n");
		} else if (sscanf(line, "mapget %255s %255s", a, b) == 2) {
			unsigned char key[256], val[4096];
			unhex(b, key, sizeof(key));
			int fd = map_fd(a);
			struct bpf_map *m = bpf_object__find_map_by_name(obj, a);
			unsigned vs = bpf_map__value_size(m);
			if (bpf_map_lookup_elem(fd, key, val)) {
				printf("val none\n");
			} else {
				printf("val ");
				for (unsigned i = 0; i < vs; i++) printf("%02x", val[i]);
				printf("\n");
			}
		} else if (sscanf(line, "udpconnect %d %255s %d", &x, a, &y) == 3) {
			struct sockaddr_storage peer;
			socklen_t plen;
			if (x < 0 || x >= nsocks || socks[x] < 0) fail("index", EINVAL);
			set_addr(a, y, &peer, &plen);
			if (connect(socks[x], (struct sockaddr *)&peer, plen)) fail("connect", errno);
			printf("ok\n");
		} else if (sscanf(line, "close %d", &x) == 1) {
			if (x < 0 || x >= nsocks || socks[x] < 0) fail("index", EINVAL);
			close(socks[x]);
			socks[x] = -1;
			printf("ok\n");
		} else if (sscanf(line, "cpu %d", &x) == 1) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(x, &set);
			if (sched_setaffinity(0, sizeof(set), &set)) fail("affinity", errno);
			printf("ok\n");
		} else if (sscanf(line, "send %255s %d %255s %139000s", a, &x, b, hexbuf) == 4) {
			send_one(a, x, b, hexbuf);
		} else if (sscanf(line, "send %255s %d %255s", a, &x, b) == 3) {
			send_one(a, x, b, "");
		} else if (line[0] == 0 || line[0] == '#') {
			continue;
		} else {
			fail("command", EINVAL);
		}
	}
	return 0;
}
