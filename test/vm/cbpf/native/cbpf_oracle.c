/*
 * Kernel oracle for Baton's classic BPF tests.
 *
 *   cbpf_oracle check            stdin: one program per line, "N code jt jf k ..." (decimal).
 *                                stdout: per program "ok" or "err <errno>" from
 *                                setsockopt(SO_ATTACH_REUSEPORT_CBPF) on a fresh UDP socket
 *                                with SO_REUSEPORT (no privileges needed).
 *   cbpf_oracle place PORT NSOCKS CPU FAMILY "N code jt jf k ..."
 *                                binds NSOCKS UDP sockets with SO_REUSEPORT to 127.0.0.1:PORT
 *                                (FAMILY 4) or [::1]:PORT (FAMILY 6); FAMILY 4t/6t: TCP
 *                                listeners, each line a connection from SPORT (no payload) and
 *                                the index of the listener that accepts it,
 *                                attaches the program, pins itself to CPU (-1: no pinning),
 *                                then per stdin line "SPORT HEXPAYLOAD" sends the payload from
 *                                the loopback address and port SPORT and prints the index of the socket that
 *                                received it ("none" if none did). Run in a private netns.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

#define MAX_INSNS 8192

static int parse_prog(char *line, struct sock_filter *f, unsigned *len)
{
	char *p = line, *end;
	unsigned long n = strtoul(p, &end, 10);
	if (end == p || n > MAX_INSNS)
		return -1;
	p = end;
	for (unsigned long i = 0; i < n; i++) {
		unsigned long v[4];
		for (int j = 0; j < 4; j++) {
			v[j] = strtoul(p, &end, 10);
			if (end == p)
				return -1;
			p = end;
		}
		f[i].code = (unsigned short)v[0];
		f[i].jt = (unsigned char)v[1];
		f[i].jf = (unsigned char)v[2];
		f[i].k = (unsigned int)v[3];
	}
	*len = (unsigned)n;
	return 0;
}

static int attach(int fd, struct sock_filter *f, unsigned len)
{
	struct sock_fprog prog = { .len = (unsigned short)len, .filter = f };
	if (len > 0xffff)
		return EINVAL;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) == 0 ? 0 : errno;
}

static int check(void)
{
	static struct sock_filter f[MAX_INSNS];
	static char line[MAX_INSNS * 48];
	int one = 1;
	while (fgets(line, sizeof(line), stdin)) {
		unsigned len;
		if (parse_prog(line, f, &len) != 0) {
			printf("bad input\n");
			continue;
		}
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
			printf("setup %d\n", errno);
			return 1;
		}
		int e = attach(fd, f, len);
		if (e == 0)
			printf("ok\n");
		else
			printf("err %d\n", e);
		close(fd);
		fflush(stdout);
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* The loopback address of `family` with `port`, in `ss`; returns its length. */
static socklen_t loopback(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &a->sin_addr);
	return sizeof(*a);
}

static int place(int port, int nsocks, int cpu, int family, int tcp, char *progtext)
{
	static struct sock_filter f[MAX_INSNS];
	unsigned len;
	int socks[64], one = 1;
	struct sockaddr_storage addr;
	socklen_t alen = loopback(family, port, &addr);
	if (nsocks < 1 || nsocks > 64 || parse_prog(progtext, f, &len) != 0) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			printf("error affinity %d\n", errno);
			return 1;
		}
	}
	for (int i = 0; i < nsocks; i++) {
		socks[i] = socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK, 0);
		if (socks[i] < 0 || setsockopt(socks[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
		    bind(socks[i], (struct sockaddr *)&addr, alen) != 0 || (tcp && listen(socks[i], 64) != 0)) {
			printf("error bind %d\n", errno);
			return 1;
		}
	}
	int e = attach(socks[0], f, len);
	if (e != 0) {
		printf("error attach %d\n", e);
		return 1;
	}
	printf("attached\n");
	char line[4096];
	unsigned char payload[2048];
	while (fgets(line, sizeof(line), stdin)) {
		char *p = line, *end;
		int sport = (int)strtol(p, &end, 10);
		p = end;
		while (*p == ' ') p++;
		size_t n = 0;
		while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && n < sizeof(payload)) {
			payload[n++] = (unsigned char)(hexval(p[0]) * 16 + hexval(p[1]));
			p += 2;
		}
		int c = socket(family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
		struct sockaddr_storage src;
		socklen_t slen = loopback(family, sport, &src);
		setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (c < 0 || bind(c, (struct sockaddr *)&src, slen) != 0 ||
		    (tcp ? connect(c, (struct sockaddr *)&addr, alen) != 0
			 : sendto(c, payload, n, 0, (struct sockaddr *)&addr, alen) != (ssize_t)n)) {
			printf("error send %d\n", errno);
			return 1;
		}
		if (!tcp)
			close(c);
		int got = -1;
		for (int tries = 0; tries < 200 && got < 0; tries++) {
			for (int i = 0; i < nsocks && got < 0; i++) {
				unsigned char buf[2048];
				if (tcp) {
					int a = accept(socks[i], NULL, NULL);
					if (a >= 0) {
						got = i;
						close(a);
					}
				} else if (recv(socks[i], buf, sizeof(buf), 0) >= 0) {
					got = i;
				}
			}
			if (got < 0)
				usleep(1000);
		}
		if (tcp)
			close(c);
		if (got < 0)
			printf("none\n");
		else
			printf("%d\n", got);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return check();
	if (argc == 7 && strcmp(argv[1], "place") == 0)
		return place(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5][0] == '6' ? AF_INET6 : AF_INET,
			     argv[5][1] == 't', argv[6]);
	fprintf(stderr, "usage: cbpf_oracle check | place PORT NSOCKS CPU FAMILY PROGRAM\n");
	return 2;
}
