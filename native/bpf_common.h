/*
 * Shared by bpf_verify.c and reuseport_harness.c: raw bpf(2) calls (no libbpf), hex
 * decoding of instruction bytes, and the rewrite of `lddw src=1|2 imm=N` from a spec's map
 * number N to the real map fd. Header-only so each tool builds from one gcc invocation.
 *
 * Deliberately absent: BTF, pinning, map-in-map, BPF_PSEUDO_MAP_IDX (the spec numbers maps
 * by fd only; see src/vm/map-spec.ts).
 */
#ifndef BATON_BPF_COMMON_H
#define BATON_BPF_COMMON_H

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BATON_MAX_MAPS 64
#define BATON_MAX_INSNS (1 << 20)

/* Opcode of lddw (BPF_LD | BPF_IMM | BPF_DW), composed from the uapi field constants. */
#define BATON_OP_LDDW (BPF_LD | BPF_IMM | BPF_DW)

struct baton_map {
  int spec_fd; /* the number the program's lddw uses */
  int real_fd; /* the kernel's fd, -1 until created */
};

static inline long baton_bpf(int cmd, union bpf_attr *attr) {
  return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Returns the new fd, or -errno. */
static inline int baton_map_create(uint32_t type, uint32_t key, uint32_t value, uint32_t max, uint32_t flags) {
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.map_type = type;
  a.key_size = key;
  a.value_size = value;
  a.max_entries = max;
  a.map_flags = flags;
  int fd = (int)baton_bpf(BPF_MAP_CREATE, &a);
  return fd < 0 ? -errno : fd;
}

/* Returns 0 or -errno. */
static inline int baton_map_update(int fd, const void *key, const void *value, uint64_t flags) {
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.map_fd = (uint32_t)fd;
  a.key = (uint64_t)(uintptr_t)key;
  a.value = (uint64_t)(uintptr_t)value;
  a.flags = flags;
  return baton_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0 ? -errno : 0;
}

/* Returns 0 or -errno. */
static inline int baton_map_lookup(int fd, const void *key, void *value) {
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.map_fd = (uint32_t)fd;
  a.key = (uint64_t)(uintptr_t)key;
  a.value = (uint64_t)(uintptr_t)value;
  return baton_bpf(BPF_MAP_LOOKUP_ELEM, &a) < 0 ? -errno : 0;
}

/* Load a BPF_PROG_TYPE_SK_REUSEPORT program. Returns the fd, or -errno; `log` gets the verifier log. */
static inline int baton_prog_load(const struct bpf_insn *insns, uint32_t n, uint32_t attach_type, uint32_t log_level,
                                  char *log, uint32_t log_size) {
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.prog_type = BPF_PROG_TYPE_SK_REUSEPORT;
  a.expected_attach_type = attach_type;
  a.insns = (uint64_t)(uintptr_t)insns;
  a.insn_cnt = n;
  a.license = (uint64_t)(uintptr_t) "GPL";
  if (log != NULL) log[0] = 0;
  /* The kernel refuses (EINVAL) a log buffer with log_level 0, so pass none then. */
  if (log != NULL && log_size > 0 && log_level > 0) {
    log[0] = 0;
    a.log_buf = (uint64_t)(uintptr_t)log;
    a.log_size = log_size;
    a.log_level = log_level;
  }
  int fd = (int)baton_bpf(BPF_PROG_LOAD, &a);
  return fd < 0 ? -errno : fd;
}

/* Decode lowercase/uppercase hex into `out`; returns the byte count or -1 on a bad digit/odd length. */
static inline long baton_unhex(const char *s, size_t len, uint8_t *out, size_t cap) {
  while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ')) len--;
  if (len % 2 != 0 || len / 2 > cap) return -1;
  for (size_t i = 0; i < len; i += 2) {
    int v = 0;
    for (int k = 0; k < 2; k++) {
      char c = s[i + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    out[i / 2] = (uint8_t)v;
  }
  return (long)(len / 2);
}

/*
 * Rewrite every `lddw src=BPF_PSEUDO_MAP_FD|BPF_PSEUDO_MAP_VALUE imm=N` so N names the real fd.
 * Returns -1 and the offending slot in *bad_insn when N names no declared map.
 */
static inline int baton_rewrite_maps(struct bpf_insn *insns, uint32_t n, const struct baton_map *maps, int nmaps,
                                     uint32_t *bad_insn) {
  for (uint32_t i = 0; i < n; i++) {
    if (insns[i].code != BATON_OP_LDDW) continue;
    if (insns[i].src_reg == BPF_PSEUDO_MAP_FD || insns[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
      int found = 0;
      for (int m = 0; m < nmaps; m++) {
        if (maps[m].spec_fd == insns[i].imm) {
          insns[i].imm = maps[m].real_fd;
          found = 1;
          break;
        }
      }
      if (!found) {
        *bad_insn = i;
        return -1;
      }
    }
    i++; /* skip the second slot */
  }
  return 0;
}

#endif
