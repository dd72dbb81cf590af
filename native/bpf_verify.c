/*
 * bpf_verify: ask the running kernel's verifier about one sk_reuseport program.
 *
 * Request on stdin, one directive per line (order free, `prog` required):
 *   attach <expected_attach_type>          39 or 40 (0 lets the kernel pick 39)
 *   loglevel <n>                           BPF log level (default 1)
 *   map <spec_fd> <type> <key> <value> <max_entries> <flags>
 *   prog <hex of the instruction bytes>
 * Reply on stdout:
 *   accepted <0|1>
 *   errno <n>                              0 when accepted
 *   stage <input|map|load>                 where it stopped
 *   detail <text>                          one line, for input/map failures
 *   log <byte count>                       then exactly that many bytes of verifier log
 * Exit 0 whenever a verdict was printed (even a rejection), 2 for an unreadable request.
 *
 * Deliberately absent: BTF, func_info, prog flags; everything is closed before exit.
 */
#include "bpf_common.h"

#include <stdio.h>
#include <stdlib.h>

#define LOG_SIZE (16u << 20)

static void reply(int accepted, int err, const char *stage, const char *detail, const char *log) {
  size_t loglen = log ? strlen(log) : 0;
  printf("accepted %d\nerrno %d\nstage %s\n", accepted, err, stage);
  if (detail) printf("detail %s\n", detail);
  printf("log %zu\n", loglen);
  if (loglen) fwrite(log, 1, loglen, stdout);
  fflush(stdout);
}

static char *read_all(size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  if (!buf) return NULL;
  for (;;) {
    if (n == cap) {
      cap *= 2;
      char *nb = realloc(buf, cap + 1);
      if (!nb) { free(buf); return NULL; }
      buf = nb;
    }
    size_t r = fread(buf + n, 1, cap - n, stdin);
    if (r == 0) break;
    n += r;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

int main(void) {
  size_t len;
  char *req = read_all(&len);
  if (!req) { reply(0, ENOMEM, "input", "cannot read request", NULL); return 2; }

  struct baton_map maps[BATON_MAX_MAPS];
  int nmaps = 0;
  uint32_t attach = 0, loglevel = 1;
  struct bpf_insn *insns = NULL;
  long nbytes = -1;
  char detail[256];
  int rc = 0;

  for (char *line = strtok(req, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "attach ", 7) == 0) {
      attach = (uint32_t)strtoul(line + 7, NULL, 10);
    } else if (strncmp(line, "loglevel ", 9) == 0) {
      loglevel = (uint32_t)strtoul(line + 9, NULL, 10);
    } else if (strncmp(line, "map ", 4) == 0) {
      int spec;
      unsigned type, key, value, max, flags;
      if (nmaps == BATON_MAX_MAPS || sscanf(line + 4, "%d %u %u %u %u %u", &spec, &type, &key, &value, &max, &flags) != 6) {
        snprintf(detail, sizeof detail, "bad map line (expected 'map fd type key value max flags')");
        reply(0, EINVAL, "input", detail, NULL);
        rc = 2;
        goto out;
      }
      int fd = baton_map_create(type, key, value, max, flags);
      if (fd < 0) {
        snprintf(detail, sizeof detail, "BPF_MAP_CREATE for map fd(%d) type %u key %u value %u max %u flags %u failed: %s",
                 spec, type, key, value, max, flags, strerror(-fd));
        reply(0, -fd, "map", detail, NULL);
        goto out;
      }
      maps[nmaps].spec_fd = spec;
      maps[nmaps].real_fd = fd;
      nmaps++;
    } else if (strncmp(line, "prog ", 5) == 0) {
      size_t hexlen = strlen(line + 5);
      free(insns);
      insns = malloc(hexlen / 2 + 8);
      nbytes = insns ? baton_unhex(line + 5, hexlen, (uint8_t *)insns, hexlen / 2 + 8) : -1;
    }
  }
  if (nbytes < 0 || nbytes % 8 != 0 || nbytes / 8 > BATON_MAX_INSNS) {
    reply(0, EINVAL, "input", "missing or malformed 'prog' line (hex of a multiple of 8 bytes)", NULL);
    rc = 2;
    goto out;
  }
  uint32_t n = (uint32_t)(nbytes / 8), bad = 0;
  if (baton_rewrite_maps(insns, n, maps, nmaps, &bad) != 0) {
    snprintf(detail, sizeof detail, "insn %u: lddw names map fd(%d), which no 'map' line declares", bad, insns[bad].imm);
    reply(0, EBADF, "input", detail, NULL);
    goto out;
  }
  char *log = malloc(LOG_SIZE);
  if (!log) { reply(0, ENOMEM, "input", "cannot allocate log", NULL); rc = 2; goto out; }
  int pfd = baton_prog_load(insns, n, attach, loglevel, log, LOG_SIZE);
  /* A full log buffer makes the kernel fail with ENOSPC even for a good program; report it as is. */
  reply(pfd >= 0, pfd >= 0 ? 0 : -pfd, "load", NULL, log);
  if (pfd >= 0) close(pfd);
  free(log);
out:
  for (int m = 0; m < nmaps; m++) close(maps[m].real_fd);
  free(insns);
  free(req);
  return rc;
}
