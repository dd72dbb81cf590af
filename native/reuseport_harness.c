/*
 * reuseport_harness: runs a socket scenario (native/README.md) on real loopback TCP sockets and
 * prints what the kernel did as JSON: which listener accepted each client, which clients were
 * reset, and the TcpExt/Tcp counter deltas (TCPMigrateReqSuccess/Failure, ListenOverflows, …).
 *
 * It runs alone in a fresh network namespace: it calls unshare(CLONE_NEWNET) itself (the TS side
 * also starts it under `unshare --net`), refuses to start if neither works, brings `lo` up, and
 * writes sysctls under /proc/sys/net — private to that namespace, as are the counters it reads.
 *
 * Bounds: ≤ 16 listeners, ≤ 100 clients, ≤ 256 steps, each sleep ≤ 3000 ms, all sleeps and
 * connect waits together ≤ 20 s. Every socket, map and program fd is closed before exit.
 * Families (`family` step, before any socket): 4 (default) listeners and clients on 127.0.0.1;
 * 6 both on ::1; dual: AF_INET6 listeners on :: without IPV6_V6ONLY, IPv4 clients to 127.0.0.1.
 * Deliberately absent: UDP, client-side packet dropping (no XDP): requests are held in
 * NEW_SYN_RECV with TCP_DEFER_ACCEPT instead.
 */
#define _GNU_SOURCE
#include "bpf_common.h"
#include "harness_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

#define MAX_LISTENERS 16
#define MAX_CLIENTS 100
#define MAX_STEPS 256
#define MAX_SLEEP_MS 3000
#define MAX_TOTAL_WAIT_MS 20000
#define MAX_SERVER_CONNS (MAX_CLIENTS * 2)
#define PROG_LOG_SIZE (1u << 20)

enum lstate { L_NONE, L_LISTEN, L_SHUTDOWN, L_CLOSED };
static const char *lstate_name[] = {"none", "listen", "shutdown", "closed"};

struct listener { int fd; enum lstate state; };
struct client { int fd; int port; int connected; int accepted_by; int accept_step; };
struct mapent { int spec_fd; int real_fd; unsigned value_size; };

static struct listener L[MAX_LISTENERS];
static struct client C[MAX_CLIENTS];
static int nclients;
static int server_fds[MAX_SERVER_CONNS], nserver;
static struct baton_map maps[BATON_MAX_MAPS];
static struct mapent mapinfo[BATON_MAX_MAPS];
static int nmaps;
static int port; /* host order, 0 until the first listener binds */
static int lfamily = AF_INET, cfamily = AF_INET; /* listeners' and clients' families */
static int lany;                                  /* listeners bind the wildcard (family dual) */
static long total_wait_ms;

/* ---- helpers ---- */
static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}
static int set_int(int fd, int level, int opt, int v) { return setsockopt(fd, level, opt, &v, sizeof v); }
static int sock_port(int fd, int peer) {
  struct sockaddr_storage a;
  socklen_t l = sizeof a;
  if ((peer ? getpeername(fd, (struct sockaddr *)&a, &l) : getsockname(fd, (struct sockaddr *)&a, &l)) != 0) return -1;
  return ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port : ((struct sockaddr_in *)&a)->sin_port);
}
/* The loopback address (or the wildcard, `any`) of `family` with port p; returns its length. */
static socklen_t loopback(int family, int any, int p, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)p);
    a->sin6_addr = any ? in6addr_any : in6addr_loopback;
    return sizeof *a;
  }
  struct sockaddr_in *a = (struct sockaddr_in *)ss;
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)p);
  a->sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
  return sizeof *a;
}
static const char *tcp_state_name(int s) {
  static const char *names[] = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
                                "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};
  return s >= 0 && s <= 12 ? names[s] : "?";
}
static int tcp_info(int fd, struct tcp_info *ti) {
  socklen_t l = sizeof *ti;
  memset(ti, 0, sizeof *ti);
  return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &l);
}
static int client_by_port(int p) {
  for (int i = 0; i < nclients; i++)
    if (C[i].port == p) return i;
  return -1;
}

/* ---- tokenised script line ---- */
#define MAX_TOKS 8
struct line { int no; int n; char *t[MAX_TOKS]; };
static long num(const struct line *ln, int i, long lo, long hi) {
  if (i >= ln->n) fail_script(ln->no, "missing operand", ln->t[0]);
  char *end;
  long v = strtol(ln->t[i], &end, 0);
  if (*end || v < lo || v > hi) fail_script(ln->no, "operand out of range", ln->t[i]);
  return v;
}
static struct listener *listener_arg(const struct line *ln, int i) { return &L[num(ln, i, 0, MAX_LISTENERS - 1)]; }

/* ---- steps ---- */
static void step_listen(const struct line *ln) {
  int id = (int)num(ln, 1, 0, MAX_LISTENERS - 1), backlog = 128, defer = -1, tfo = -1;
  for (int i = 2; i + 1 < ln->n; i += 2) {
    if (!strcmp(ln->t[i], "backlog")) backlog = (int)num(ln, i + 1, 0, 65535);
    else if (!strcmp(ln->t[i], "defer")) defer = (int)num(ln, i + 1, 0, 3600);
    else if (!strcmp(ln->t[i], "fastopen")) tfo = (int)num(ln, i + 1, 0, 65535);
    else fail_script(ln->no, "unknown listen option", ln->t[i]);
  }
  struct listener *l = &L[id];
  int err = 0;
  if (l->state == L_LISTEN || l->state == L_CLOSED) {
    err = EALREADY;
  } else {
    if (l->state == L_NONE) {
      l->fd = socket(lfamily, SOCK_STREAM | SOCK_NONBLOCK, 0);
      struct sockaddr_storage a;
      socklen_t alen = loopback(lfamily, lany, port, &a);
      if (l->fd < 0 || set_int(l->fd, SOL_SOCKET, SO_REUSEPORT, 1) ||
          (lfamily == AF_INET6 && set_int(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, 0)) ||
          bind(l->fd, (struct sockaddr *)&a, alen))
        err = errno;
      if (!err && port == 0) port = sock_port(l->fd, 0);
    }
    if (!err && defer >= 0 && set_int(l->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, defer)) err = errno;
    if (!err && tfo >= 0 && set_int(l->fd, IPPROTO_TCP, TCP_FASTOPEN, tfo)) err = errno;
    if (!err && listen(l->fd, backlog)) err = errno;
    if (!err) l->state = L_LISTEN;
    else if (l->state == L_NONE && l->fd >= 0) { close(l->fd); l->fd = -1; }
  }
  emit(",\"listener\":%d,\"ok\":%s,\"errno\":%d", id, err ? "false" : "true", err);
}

/* family 4|6|dual: the address family of every socket to come (only before the first one). */
static void step_family(const struct line *ln) {
  if (ln->n < 2) fail_script(ln->no, "missing operand", ln->t[0]);
  if (port != 0 || nclients > 0) fail_script(ln->no, "family must come before any listen or connect", ln->t[1]);
  if (!strcmp(ln->t[1], "4")) lfamily = cfamily = AF_INET, lany = 0;
  else if (!strcmp(ln->t[1], "6")) lfamily = cfamily = AF_INET6, lany = 0;
  else if (!strcmp(ln->t[1], "dual")) lfamily = AF_INET6, cfamily = AF_INET, lany = 1;
  else fail_script(ln->no, "family must be 4, 6 or dual", ln->t[1]);
  emit(",\"family\":\"%s\",\"ok\":true", ln->t[1]);
}

static void send_hello(struct client *c, int *err) {
  static const char hello[12] = "Hello World";
  if (send(c->fd, hello, sizeof hello, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && !*err) *err = errno;
}

static void step_connect(const struct line *ln) {
  int n = (int)num(ln, 1, 1, MAX_CLIENTS), data = 0, tfo = 0;
  long wait = 1000;
  for (int i = 2; i < ln->n; i++) {
    if (!strcmp(ln->t[i], "data")) data = 1;
    else if (!strcmp(ln->t[i], "fastopen")) tfo = 1;
    else if (!strcmp(ln->t[i], "wait")) wait = num(ln, ++i, 0, MAX_SLEEP_MS);
    else fail_script(ln->no, "unknown connect option", ln->t[i]);
  }
  if (nclients + n > MAX_CLIENTS) fail_script(ln->no, "more than 100 clients", NULL);
  if (total_wait_ms + wait > MAX_TOTAL_WAIT_MS) fail_script(ln->no, "total waiting time above 20 s", NULL);
  total_wait_ms += wait;
  int first = nclients, err = 0;
  struct sockaddr_storage a;
  socklen_t alen = loopback(cfamily, 0, port, &a);
  for (int k = 0; k < n; k++) {
    struct client *c = &C[nclients++];
    c->accepted_by = -1;
    c->accept_step = -1;
    c->fd = socket(cfamily, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) { err = errno; continue; }
    if (tfo && set_int(c->fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1) && !err) err = errno;
    if (connect(c->fd, (struct sockaddr *)&a, alen) != 0 && errno != EINPROGRESS && !err) err = errno;
    c->port = sock_port(c->fd, 0);
    if (tfo) send_hello(c, &err); /* the SYN carries the data */
  }
  /* Wait for the handshakes (bounded): connected = writable with no pending error. */
  long deadline = now_ms() + wait;
  for (;;) {
    struct pollfd p[MAX_CLIENTS];
    int np = 0, idx[MAX_CLIENTS];
    for (int i = first; i < nclients; i++)
      if (C[i].fd >= 0 && !C[i].connected) { p[np].fd = C[i].fd; p[np].events = POLLOUT; p[np].revents = 0; idx[np++] = i; }
    long left = deadline - now_ms();
    if (np == 0 || left <= 0) break;
    if (poll(p, (nfds_t)np, (int)left) <= 0) continue;
    for (int j = 0; j < np; j++) {
      if (!(p[j].revents & (POLLOUT | POLLERR | POLLHUP))) continue;
      int so = 0;
      socklen_t l = sizeof so;
      getsockopt(p[j].fd, SOL_SOCKET, SO_ERROR, &so, &l);
      struct tcp_info ti;
      if (so == 0 && tcp_info(p[j].fd, &ti) == 0 && ti.tcpi_state == TCP_ESTABLISHED) C[idx[j]].connected = 1;
      else if (so != 0) C[idx[j]].connected = -so; /* failed: keep the errno */
    }
  }
  int connected = 0;
  for (int i = first; i < nclients; i++) {
    if (C[i].connected == 1) {
      connected++;
      if (data && !tfo) send_hello(&C[i], &err);
    }
  }
  emit(",\"first\":%d,\"count\":%d,\"connected\":%d,\"ok\":%s,\"errno\":%d", first, n, connected, err ? "false" : "true", err);
}

static void step_send(const struct line *ln) {
  int err = 0, sent = 0;
  if (ln->n == 1 || !strcmp(ln->t[1], "all")) {
    for (int i = 0; i < nclients; i++) if (C[i].fd >= 0) { send_hello(&C[i], &err); sent++; }
  } else {
    for (int i = 1; i < ln->n; i++) {
      int id = (int)num(ln, i, 0, nclients - 1);
      send_hello(&C[id], &err);
      sent++;
    }
  }
  emit(",\"sent\":%d,\"ok\":%s,\"errno\":%d", sent, err ? "false" : "true", err);
}

static void step_stop(const struct line *ln, int shut) {
  int id = (int)num(ln, 1, 0, MAX_LISTENERS - 1), err = 0;
  struct listener *l = &L[id];
  if (l->state == L_NONE || l->state == L_CLOSED || (shut && l->state == L_SHUTDOWN)) err = EBADF;
  else if (shut) { if (shutdown(l->fd, SHUT_RDWR)) err = errno; else l->state = L_SHUTDOWN; }
  else { close(l->fd); l->fd = -1; l->state = L_CLOSED; }
  emit(",\"listener\":%d,\"ok\":%s,\"errno\":%d", id, err ? "false" : "true", err);
}

static void step_sysctl(const struct line *ln) {
  if (ln->n != 3) fail_script(ln->no, "expected 'sysctl NAME VALUE'", NULL);
  const char *name = ln->t[1];
  if (strncmp(name, "net.", 4) != 0 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") != strlen(name) || strstr(name, ".."))
    fail_script(ln->no, "sysctl name must be net.<...> (letters, digits, _ and .)", name);
  long v = num(ln, 2, -2147483648L, 2147483647L);
  char path[256];
  snprintf(path, sizeof path, "/proc/sys/%s", name);
  for (char *p = path + 10; *p; p++) if (*p == '.') *p = '/';
  int err = 0;
  FILE *f = fopen(path, "w");
  if (!f) err = errno;
  else { if (fprintf(f, "%ld\n", v) < 0) err = errno; if (fclose(f) != 0 && !err) err = errno; }
  emit(",\"name\":");
  emit_str(name);
  emit(",\"value\":%ld,\"ok\":%s,\"errno\":%d", v, err ? "false" : "true", err);
}

static struct mapent *find_map(int spec) {
  for (int m = 0; m < nmaps; m++) if (mapinfo[m].spec_fd == spec) return &mapinfo[m];
  return NULL;
}

static void step_map(const struct line *ln, int sockarray) {
  int spec = (int)num(ln, 1, -2147483647L, 2147483647L);
  unsigned type = 20, key = 4, value = 8, max, flags = 0;
  if (sockarray) max = (unsigned)num(ln, 2, 1, 65536);
  else {
    type = (unsigned)num(ln, 2, 0, 1000); key = (unsigned)num(ln, 3, 1, 512);
    value = (unsigned)num(ln, 4, 1, 65536); max = (unsigned)num(ln, 5, 1, 65536);
    if (ln->n > 6) flags = (unsigned)num(ln, 6, 0, 0x7fffffff);
  }
  if (nmaps == BATON_MAX_MAPS || find_map(spec)) fail_script(ln->no, "too many maps or map number reused", ln->t[1]);
  int fd = baton_map_create(type, key, value, max, flags);
  if (fd >= 0) {
    maps[nmaps] = (struct baton_map){spec, fd};
    mapinfo[nmaps++] = (struct mapent){spec, fd, value};
  }
  emit(",\"map\":%d,\"ok\":%s,\"errno\":%d", spec, fd >= 0 ? "true" : "false", fd >= 0 ? 0 : -fd);
}

static void step_slot(const struct line *ln) {
  struct mapent *m = find_map((int)num(ln, 1, -2147483647L, 2147483647L));
  if (!m) fail_script(ln->no, "slot names an undeclared map", ln->t[1]);
  uint32_t key = (uint32_t)num(ln, 2, 0, 0xffffffffL);
  int id = (int)num(ln, 3, 0, MAX_LISTENERS - 1);
  uint64_t v64 = (uint64_t)(uint32_t)L[id].fd;
  uint32_t v32 = (uint32_t)L[id].fd;
  int rc = L[id].fd < 0 ? -EBADF : baton_map_update(m->real_fd, &key, m->value_size == 8 ? (void *)&v64 : (void *)&v32, BPF_ANY);
  emit(",\"listener\":%d,\"key\":%u,\"ok\":%s,\"errno\":%d", id, key, rc ? "false" : "true", -rc);
}

static void step_attach(const struct line *ln, int detach) {
  struct listener *l = listener_arg(ln, 1);
  int err = 0;
  char *log = NULL;
  if (l->fd < 0) err = EBADF;
  else if (detach) { if (set_int(l->fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, 0)) err = errno; }
  else {
    uint32_t attach = (uint32_t)num(ln, 2, 0, 1000);
    if (ln->n < 4) fail_script(ln->no, "expected 'attach L TYPE HEX'", NULL);
    size_t hexlen = strlen(ln->t[3]);
    struct bpf_insn *insns = malloc(hexlen / 2 + 8);
    long nb = baton_unhex(ln->t[3], hexlen, (uint8_t *)insns, hexlen / 2 + 8);
    uint32_t bad = 0;
    if (nb <= 0 || nb % 8) fail_script(ln->no, "program hex must encode a multiple of 8 bytes", NULL);
    if (baton_rewrite_maps(insns, (uint32_t)(nb / 8), maps, nmaps, &bad)) fail_script(ln->no, "program lddw names an undeclared map", NULL);
    log = malloc(PROG_LOG_SIZE);
    int pfd = baton_prog_load(insns, (uint32_t)(nb / 8), attach, 1, log, PROG_LOG_SIZE);
    free(insns);
    if (pfd < 0) err = -pfd;
    else {
      if (setsockopt(l->fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &pfd, sizeof pfd)) err = errno;
      close(pfd); /* the group holds its own reference */
      log[0] = 0;
    }
  }
  emit(",\"listener\":%d,\"ok\":%s,\"errno\":%d", (int)(l - L), err ? "false" : "true", err);
  if (log && log[0]) { emit(",\"log\":"); emit_str(log); }
  free(log);
}

/*
 * The hash recorder: an attach-type-39 program (so it does not make close migration-capable, R4)
 * that stores ctx->hash under the SYN's TCP source port and returns SK_PASS without selecting —
 * the same pick as no program at all (R10). ctx->data points at the TCP header on this path.
 * Opcodes are composed from the uapi field constants.
 */
#define I(op_, d_, s_, o_, i_) ((struct bpf_insn){.code = (op_), .dst_reg = (d_), .src_reg = (s_), .off = (o_), .imm = (i_)})
static int hash_map_fd = -1;
static int record_hashes(int listener_fd) {
  if (hash_map_fd < 0) hash_map_fd = baton_map_create(BPF_MAP_TYPE_HASH, 4, 4, 4 * MAX_CLIENTS, 0);
  if (hash_map_fd < 0) return hash_map_fd;
  struct bpf_insn p[] = {
      I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),                   /* r6 = ctx */
      I(BPF_LDX | BPF_MEM | BPF_DW, 2, 6, 0, 0),                    /* r2 = data */
      I(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 8, 0),                    /* r3 = data_end */
      I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0),                   /* r4 = data + 4 */
      I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 4),
      I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 13, 0),                    /* if r4 > data_end goto out */
      I(BPF_LDX | BPF_MEM | BPF_H, 5, 2, 0, 0),                     /* r5 = tcp source port (be16) */
      I(BPF_ALU | BPF_END | BPF_TO_BE, 5, 0, 0, 16),                /* to host order */
      I(BPF_STX | BPF_MEM | BPF_W, 10, 5, -4, 0),                   /* key at fp-4 */
      I(BPF_LDX | BPF_MEM | BPF_W, 7, 6, 32, 0),                    /* r7 = ctx->hash */
      I(BPF_STX | BPF_MEM | BPF_W, 10, 7, -8, 0),                   /* value at fp-8 */
      I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, hash_map_fd), I(0, 0, 0, 0, 0),
      I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0), I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
      I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0), I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8),
      I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, BPF_ANY),
      I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem),
      I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, SK_PASS),             /* out: */
      I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  };
  static char log[1 << 16];
  int pfd = baton_prog_load(p, sizeof p / sizeof p[0], BPF_SK_REUSEPORT_SELECT, 1, log, sizeof log);
  if (pfd < 0) { fprintf(stderr, "hash recorder rejected: %s\n", log); return pfd; }
  int rc = setsockopt(listener_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &pfd, sizeof pfd) ? -errno : 0;
  close(pfd);
  return rc;
}

static void step_hashes(const struct line *ln) {
  struct listener *l = listener_arg(ln, 1);
  int rc = l->fd < 0 ? -EBADF : record_hashes(l->fd);
  emit(",\"listener\":%d,\"ok\":%s,\"errno\":%d", (int)(l - L), rc ? "false" : "true", -rc);
}

static long long client_hash(int port_no) {
  uint32_t key = (uint32_t)port_no, v = 0;
  if (hash_map_fd < 0 || baton_map_lookup(hash_map_fd, &key, &v) != 0) return -1;
  return v;
}

static void step_sleep(const struct line *ln) {
  long ms = num(ln, 1, 0, MAX_SLEEP_MS);
  if (total_wait_ms + ms > MAX_TOTAL_WAIT_MS) fail_script(ln->no, "total waiting time above 20 s", NULL);
  total_wait_ms += ms;
  sleep_ms(ms);
  emit(",\"ms\":%ld", ms);
}

static void step_accept(int step) {
  emit(",\"accepted\":[");
  int any = 0;
  for (int id = 0; id < MAX_LISTENERS; id++) {
    if (L[id].state == L_NONE) continue;
    emit("%s{\"listener\":%d,\"clients\":[", any++ ? "," : "", id);
    int first = 1, err = 0;
    if (L[id].fd >= 0) {
      for (;;) {
        int s = accept4(L[id].fd, NULL, NULL, SOCK_NONBLOCK);
        if (s < 0) { if (errno != EAGAIN) err = errno; break; }
        int c = client_by_port(sock_port(s, 1));
        if (nserver < MAX_SERVER_CONNS) server_fds[nserver++] = s; else close(s);
        if (c >= 0) { C[c].accepted_by = id; C[c].accept_step = step; }
        emit("%s%d", first ? "" : ",", c);
        first = 0;
      }
    }
    emit("],\"errno\":%d}", err);
  }
  emit("]");
}

static void step_queues(void) {
  emit(",\"queues\":[");
  int first = 1;
  for (int id = 0; id < MAX_LISTENERS; id++) {
    if (L[id].fd < 0) continue;
    struct tcp_info ti;
    tcp_info(L[id].fd, &ti);
    /* For a LISTEN socket tcpi_unacked is the accept-queue length, tcpi_sacked its limit. */
    emit("%s{\"listener\":%d,\"port\":%d,\"state\":\"%s\",\"acceptQueue\":%u,\"backlog\":%u}", first ? "" : ",", id,
         sock_port(L[id].fd, 0), tcp_state_name(ti.tcpi_state), ti.tcpi_unacked, ti.tcpi_sacked);
    first = 0;
  }
  emit("]");
}

static void finish_clients(void) {
  emit(",\"clients\":[");
  for (int i = 0; i < nclients; i++) {
    struct client *c = &C[i];
    const char *status = "accepted";
    int so = 0, state = 0;
    if (c->fd >= 0) {
      socklen_t l = sizeof so;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so, &l);
      struct tcp_info ti;
      if (tcp_info(c->fd, &ti) == 0) state = ti.tcpi_state;
    }
    if (c->connected < 0 && !so) so = -c->connected;
    if (c->accepted_by < 0) {
      char b;
      ssize_t r = c->fd >= 0 && !so ? recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) : -1;
      int e = so ? so : r < 0 ? errno : 0;
      status = e == ECONNRESET || e == EPIPE ? "reset" : e == ETIMEDOUT ? "timeout" : e == ECONNREFUSED ? "refused"
             : e == EAGAIN ? (state == TCP_SYN_SENT ? "connecting" : "pending") : r == 0 ? "eof" : "error";
    }
    emit("%s{\"id\":%d,\"port\":%d,\"connected\":%s,\"status\":\"%s\",\"acceptedBy\":%d,\"acceptStep\":%d,\"tcpState\":\"%s\",\"errno\":%d,\"hash\":%lld}",
         i ? "," : "", i, c->port, c->connected == 1 ? "true" : "false", status, c->accepted_by, c->accept_step,
         tcp_state_name(state), so, client_hash(c->port));
  }
  emit("]");
}

int main(void) {
  outcap = 1 << 16;
  out = malloc(outcap);
  for (int i = 0; i < MAX_LISTENERS; i++) L[i].fd = -1;
  /* Enter a namespace of our own even when started without `unshare --net`: the sysctls we write
     and the counters we read must never be the host's. Without CAP_SYS_ADMIN, accept only a
     namespace that already looks fresh (lo alone). */
  if (unshare(CLONE_NEWNET) != 0 && !fresh_netns()) {
    printf("{\"error\":\"refusing to run outside a fresh network namespace (found interfaces other than lo); run under 'unshare --net'\"}\n");
    return 2;
  }
  if (lo_up() != 0) {
    printf("{\"error\":\"cannot bring lo up: %s\"}\n", strerror(errno));
    return 2;
  }
  static char buf[1 << 20];
  struct line lines[MAX_STEPS];
  int nlines = 0, no = 0;
  /* Read the whole script first so a malformed line fails before any socket exists. */
  while (fgets(buf, sizeof buf, stdin)) {
    no++;
    char *s = buf;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '#' || *s == '\n' || *s == 0) continue;
    if (nlines == MAX_STEPS) fail_script(no, "more than 256 steps", NULL);
    struct line *ln = &lines[nlines++];
    ln->no = no;
    ln->n = 0;
    char *dup = strdup(s), *sp;
    for (char *t = strtok_r(dup, " \t\r\n", &sp); t; t = strtok_r(NULL, " \t\r\n", &sp)) {
      if (ln->n == MAX_TOKS) fail_script(no, "too many operands", NULL);
      ln->t[ln->n++] = t;
    }
  }
  read_counters(start_counters);
  emit("{\"steps\":[");
  for (int i = 0; i < nlines; i++) {
    const struct line *ln = &lines[i];
    const char *op = ln->t[0];
    emit("%s{\"index\":%d,\"line\":%d,\"op\":", i ? "," : "", i, ln->no);
    emit_str(op);
    if (!strcmp(op, "listen")) step_listen(ln);
    else if (!strcmp(op, "connect")) step_connect(ln);
    else if (!strcmp(op, "send")) step_send(ln);
    else if (!strcmp(op, "close")) step_stop(ln, 0);
    else if (!strcmp(op, "shutdown")) step_stop(ln, 1);
    else if (!strcmp(op, "sysctl")) step_sysctl(ln);
    else if (!strcmp(op, "map")) step_map(ln, 0);
    else if (!strcmp(op, "sockarray")) step_map(ln, 1);
    else if (!strcmp(op, "slot")) step_slot(ln);
    else if (!strcmp(op, "attach")) step_attach(ln, 0);
    else if (!strcmp(op, "detach")) step_attach(ln, 1);
    else if (!strcmp(op, "sleep")) step_sleep(ln);
    else if (!strcmp(op, "hashes")) step_hashes(ln);
    else if (!strcmp(op, "family")) step_family(ln);
    else if (!strcmp(op, "accept")) step_accept(i);
    else if (!strcmp(op, "queues")) step_queues();
    else fail_script(ln->no, "unknown step", op);
    emit_delta_now();
    emit("}");
  }
  emit("],\"port\":%d,\"listeners\":[", port);
  int first = 1;
  for (int id = 0; id < MAX_LISTENERS; id++) {
    if (L[id].state == L_NONE) continue;
    emit("%s{\"id\":%d,\"state\":\"%s\"}", first ? "" : ",", id, lstate_name[L[id].state]);
    first = 0;
  }
  emit("]");
  finish_clients();
  long long end[NCOUNTERS], d[NCOUNTERS];
  read_counters(end);
  for (size_t k = 0; k < NCOUNTERS; k++) d[k] = end[k] - start_counters[k];
  emit(",\"counters\":{\"before\":");
  emit_counters(start_counters);
  emit(",\"after\":");
  emit_counters(end);
  emit(",\"delta\":");
  emit_counters(d);
  emit("}}\n");
  fwrite(out, 1, outlen, stdout);
  /* Close everything: clients first, then accepted sockets, listeners, maps. */
  for (int i = 0; i < nclients; i++) if (C[i].fd >= 0) close(C[i].fd);
  for (int i = 0; i < nserver; i++) close(server_fds[i]);
  for (int i = 0; i < MAX_LISTENERS; i++) if (L[i].fd >= 0) close(L[i].fd);
  for (int m = 0; m < nmaps; m++) close(maps[m].real_fd);
  if (hash_map_fd >= 0) close(hash_map_fd);
  free(out);
  return 0;
}
