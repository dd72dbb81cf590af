/*
 * reuseport_harness's plumbing: the JSON output buffer, the per-namespace TCP counters
 * (/proc/net/netstat TcpExt, /proc/net/snmp Tcp) and the network-namespace checks.
 * Included once, by reuseport_harness.c only.
 */
#ifndef BATON_HARNESS_IO_H
#define BATON_HARNESS_IO_H

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- JSON output buffer ---- */
static char *out;
static size_t outlen, outcap;
static void emit(const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(out + outlen, outcap - outlen, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < outcap - outlen) { outlen += (size_t)n; return; }
    outcap = outcap * 2 + (size_t)(n > 0 ? n : 0);
    out = realloc(out, outcap);
    if (!out) exit(3);
  }
}
static void emit_str(const char *s) { /* JSON string with escapes */
  emit("\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') emit("\\%c", c);
    else if (c == '\n') emit("\\n");
    else if (c < 0x20 || c >= 0x7f) emit("\\u%04x", c);
    else emit("%c", c);
  }
  emit("\"");
}

static void fail_script(int line, const char *msg, const char *tok) {
  free(out);
  printf("{\"error\":\"line %d: %s%s%s\"}\n", line, msg, tok ? ": " : "", tok ? tok : "");
  exit(2);
}

/* ---- counters (per network namespace) ---- */
/* The names src/model/netns.ts uses (TcpExt, plus Tcp's OutRsts), then a few extra witnesses. */
static const char *counter_names[] = {"TCPMigrateReqSuccess", "TCPMigrateReqFailure", "ListenOverflows", "ListenDrops",
                                      "TCPReqQFullDoCookies", "TCPReqQFullDrop", "TCPDeferAcceptDrop", "EmbryonicRsts",
                                      "TCPFastOpenPassive", "TCPFastOpenListenOverflow", "SyncookiesSent", "SyncookiesRecv",
                                      "OutRsts", "TCPAbortOnClose", "EstabResets", "AttemptFails"};
#define NCOUNTERS (sizeof counter_names / sizeof counter_names[0])

/* /proc/net/{netstat,snmp} hold pairs of lines: "Prefix: names…" then "Prefix: values…". */
static void read_counter_file(const char *path, const char *prefix, long long *vals) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  static char names[8192], values[8192];
  while (fgets(names, sizeof names, f) && fgets(values, sizeof values, f)) {
    if (strncmp(names, prefix, strlen(prefix)) != 0) continue;
    char *sn, *sv;
    char *n = strtok_r(names, " \n", &sn), *v = strtok_r(values, " \n", &sv);
    for (n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv); n && v;
         n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
      for (size_t k = 0; k < NCOUNTERS; k++)
        if (strcmp(n, counter_names[k]) == 0) vals[k] = atoll(v);
  }
  fclose(f);
}
static void read_counters(long long *vals) {
  for (size_t k = 0; k < NCOUNTERS; k++) vals[k] = 0;
  read_counter_file("/proc/net/netstat", "TcpExt:", vals);
  read_counter_file("/proc/net/snmp", "Tcp:", vals);
}
static void emit_counters(const long long *vals) {
  emit("{");
  for (size_t k = 0; k < NCOUNTERS; k++) emit("%s\"%s\":%lld", k ? "," : "", counter_names[k], vals[k]);
  emit("}");
}
static long long start_counters[NCOUNTERS];
static void emit_delta_now(void) {
  long long now[NCOUNTERS], d[NCOUNTERS];
  read_counters(now);
  for (size_t k = 0; k < NCOUNTERS; k++) d[k] = now[k] - start_counters[k];
  emit(",\"counters\":");
  emit_counters(d);
}

/* Only a fresh namespace: lo and nothing else (protects the host's sysctls). */
static int fresh_netns(void) {
  FILE *f = fopen("/proc/net/dev", "r");
  if (!f) return 0;
  char line[512];
  int ok = 1, n = 0;
  while (fgets(line, sizeof line, f)) {
    if (++n <= 2) continue;
    char *c = strchr(line, ':');
    if (!c) continue;
    *c = 0;
    char *name = line;
    while (*name == ' ') name++;
    if (strcmp(name, "lo") != 0) ok = 0;
  }
  fclose(f);
  return ok;
}
static int lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (rc == 0) { ifr.ifr_flags |= IFF_UP; rc = ioctl(s, SIOCSIFFLAGS, &ifr); }
  close(s);
  return rc;
}

#endif
