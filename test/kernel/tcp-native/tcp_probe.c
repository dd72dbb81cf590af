/*
 * tcp_probe: runs one sk_reuseport program (hex, attach type 40, map fd 1 = an array of 2
 * entries of 64 bytes) on a real TCP connection over loopback and prints both map entries.
 * Listener 0 (TCP_DEFER_ACCEPT 5 s, the program attached) takes the SYN, so the bare ACK leaves
 * the request in NEW_SYN_RECV; listener 1 joins, listener 0 closes, and the client's 25 bytes
 * (0xab) migrate the request at the final ACK. Run inside a private network namespace with lo
 * up (the TypeScript side does `unshare --net`).
 * With a third argument `timer` the client sends nothing: the request migrates at its SYN-ACK
 * timer (about 1 s after the SYN), and entry 1 is that run. With `close` the listeners have no
 * TCP_DEFER_ACCEPT: the child waits in listener 0's accept queue and migrates at its close.
 * Family `dual`: AF_INET6 listeners on :: (IPV6_V6ONLY 0) and an IPv4 client.
 * Usage: tcp_probe 4|6|dual PROGRAM_HEX [timer|close]. Output: "port P", then "entry K HEX" for K = 0, 1,
 * then "accepted 0|1"; "err WHAT ERRNO" on failure.
 */
#define _GNU_SOURCE
#include "bpf_common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif

static int fail(const char *what, int e) {
  printf("err %s %d\n", what, e);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) return fail("usage", EINVAL);
  int v6 = argv[1][0] == '6', dual = !strcmp(argv[1], "dual"), defer0 = 5;
  static uint8_t code[8 * 4096];
  long nb = baton_unhex(argv[2], strlen(argv[2]), code, sizeof code);
  if (nb <= 0 || nb % 8 != 0) return fail("hex", EINVAL);
  struct baton_map maps[1] = {{.spec_fd = 1, .real_fd = baton_map_create(BPF_MAP_TYPE_ARRAY, 4, 64, 2, 0)}};
  if (maps[0].real_fd < 0) return fail("map", -maps[0].real_fd);
  uint32_t bad = 0;
  if (baton_rewrite_maps((struct bpf_insn *)code, (uint32_t)(nb / 8), maps, 1, &bad)) return fail("lddw", EINVAL);
  static char log[1 << 16];
  int pfd = baton_prog_load((struct bpf_insn *)code, (uint32_t)(nb / 8), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 1, log,
                            sizeof log);
  if (pfd < 0) {
    fprintf(stderr, "%s\n", log);
    return fail("load", -pfd);
  }
  /* ss: where the client connects; ls: what the listeners bind */
  struct sockaddr_storage ss, ls;
  socklen_t sl, lsl;
  memset(&ss, 0, sizeof ss);
  memset(&ls, 0, sizeof ls);
  if (v6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(8080);
    a->sin6_addr = in6addr_loopback;
    sl = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(8080);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sl = sizeof *a;
  }
  if (dual) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ls;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(8080);
    a->sin6_addr = in6addr_any;
    lsl = sizeof *a;
  } else {
    ls = ss;
    lsl = sl;
  }
  const char *mode = argc > 3 ? argv[3] : "data";
  if (!strcmp(mode, "close")) defer0 = 0;
  int fam = v6 ? AF_INET6 : AF_INET, lfam = v6 || dual ? AF_INET6 : AF_INET, one = 1, zero = 0, defer = defer0, l[2];
  for (int i = 0; i < 2; i++) {
    l[i] = socket(lfam, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (l[i] < 0 || setsockopt(l[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) ||
        (lfam == AF_INET6 && setsockopt(l[i], IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero)) ||
        setsockopt(l[i], IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer) || bind(l[i], (struct sockaddr *)&ls, lsl))
      return fail("listener", errno);
  }
  if (listen(l[0], 16) || setsockopt(l[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &pfd, sizeof pfd))
    return fail("listen0", errno);
  close(pfd);
  int c = socket(fam, SOCK_STREAM, 0);
  if (c < 0 || connect(c, (struct sockaddr *)&ss, sl)) return fail("connect", errno);
  struct sockaddr_storage me;
  socklen_t ml = sizeof me;
  getsockname(c, (struct sockaddr *)&me, &ml);
  printf("port %d\n", ntohs(v6 ? ((struct sockaddr_in6 *)&me)->sin6_port : ((struct sockaddr_in *)&me)->sin_port));
  usleep(100000); /* the bare ACK is dropped under TCP_DEFER_ACCEPT, or makes the child */
  if (listen(l[1], 16)) return fail("listen1", errno);
  close(l[0]);
  if (!strcmp(mode, "close")) {
    usleep(10000);
  } else if (!strcmp(mode, "timer")) {
    usleep(1500000); /* the first SYN-ACK timer fires at 1 s */
  } else {
    char data[25];
    memset(data, 0xab, sizeof data);
    if (send(c, data, sizeof data, 0) != (ssize_t)sizeof data) return fail("send", errno);
    usleep(200000);
  }
  for (uint32_t k = 0; k < 2; k++) {
    uint8_t v[64];
    memset(v, 0, sizeof v);
    if (baton_map_lookup(maps[0].real_fd, &k, v)) return fail("lookup", errno);
    printf("entry %u ", k);
    for (int i = 0; i < 64; i++) printf("%02x", v[i]);
    printf("\n");
  }
  int a = accept4(l[1], NULL, NULL, SOCK_NONBLOCK);
  printf("accepted %d\n", a >= 0);
  if (a >= 0) close(a);
  close(c);
  close(l[1]);
  close(maps[0].real_fd);
  return 0;
}
