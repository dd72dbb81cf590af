/*
 * Plain C versions of the programs in bench/shapes/ (one .s file each), the reference their interpreter and JIT
 * rows are read against in the same run (bench/shapes.bench.ts). Usage:
 *   shapes SHAPE HEXFILE  ->  "result R" and "ns_per_run MEDIAN MIN MAX" (15 rounds of ~50 ms,
 *                            process CPU clock)
 * Each function computes exactly what its .s file computes (64-bit unsigned arithmetic), so the
 * bench checks both results agree before timing. A compiler barrier per run keeps gcc -O2 from
 * hoisting the work out of the timing loop: the input is treated as rewritten and the result as
 * read after every run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 15

static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static uint64_t argmin(const uint8_t *m, uint64_t len) {
	(void)len;
	uint64_t best = 0, bv = rd64(m);
	for (uint64_t i = 1; i < 16; i++) {
		uint64_t v = rd64(m + 8 * i);
		if (v < bv) { bv = v; best = i; }
	}
	return best;
}

static uint64_t hash_mod(const uint8_t *m, uint64_t len) {
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < len; i++) { h ^= m[i]; h *= 0x100000001b3ull; }
	return h % 7;
}

static uint64_t byte_parse(const uint8_t *m, uint64_t len) {
	uint64_t acc = 0, off = 0;
	for (int n = 0; n < 64; n++) {
		if (off + 4 > len) break;
		uint64_t body = off + 3;
		uint64_t l = ((uint64_t)m[off + 1] << 8) | m[off + 2];
		uint64_t end = body + l;
		if (end > len) break;
		acc += ((uint64_t)m[off] << 16) + l;
		if (l != 0) acc += (uint64_t)(m[off + 3] >> 4) << 8;
		off = end;
	}
	return acc;
}

static __attribute__((noinline)) uint64_t mix(uint64_t x) {
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static __attribute__((noinline)) uint64_t fold(uint64_t acc, uint64_t v) { return (acc << 5) + acc + v; }

static uint64_t call_heavy(const uint8_t *m, uint64_t len) {
	(void)len;
	uint64_t acc = 0;
	for (int i = 0; i < 64; i += 4) acc = fold(acc, mix(rd32(m + i)));
	return acc;
}

static uint64_t table_lookup(const uint8_t *m, uint64_t len) {
	(void)len;
	const uint8_t *t = m + 256;
	uint64_t sum = 0;
	for (int i = 0; i < 256; i += 4) {
		uint32_t v = rd32(t + 4 * (rd32(m + i) & 255));
		sum += rd32(t + 4 * ((v >> 8) & 255));
	}
	return sum;
}

struct shape { const char *name; uint64_t (*fn)(const uint8_t *, uint64_t); };
static const struct shape SHAPES[] = {
	{ "argmin", argmin }, { "argmin_reordered", argmin }, { "hash_mod", hash_mod },
	{ "byte_parse", byte_parse }, { "call_heavy", call_heavy }, { "table_lookup", table_lookup },
};

static double cpu_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	if (argc != 3) { fprintf(stderr, "usage: shapes SHAPE HEXFILE\n"); return 2; }
	uint64_t (*fn)(const uint8_t *, uint64_t) = NULL;
	for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++)
		if (strcmp(SHAPES[i].name, argv[1]) == 0) fn = SHAPES[i].fn;
	if (fn == NULL) { fprintf(stderr, "unknown shape %s\n", argv[1]); return 2; }
	FILE *f = fopen(argv[2], "r");
	if (f == NULL) { perror(argv[2]); return 1; }
	static uint8_t mem[1 << 16];
	uint64_t len = 0;
	unsigned b;
	while (len < sizeof mem && fscanf(f, "%2x", &b) == 1) mem[len++] = (uint8_t)b;
	fclose(f);
	uint8_t *p = mem;
	printf("result %llu\n", (unsigned long long)fn(p, len));
	/* Calibrate the runs per round to ~50 ms. */
	uint64_t runs = 1000;
	for (;;) {
		double t0 = cpu_ns();
		for (uint64_t i = 0; i < runs; i++) {
			__asm__ volatile("" : "+r"(p) : : "memory");
			uint64_t r = fn(p, len);
			__asm__ volatile("" : : "r"(r) : "memory");
		}
		if (cpu_ns() - t0 > 50e6 || runs > (1ull << 40)) break;
		runs *= 2;
	}
	double ns[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = cpu_ns();
		for (uint64_t i = 0; i < runs; i++) {
			__asm__ volatile("" : "+r"(p) : : "memory");
			uint64_t r = fn(p, len);
			__asm__ volatile("" : : "r"(r) : "memory");
		}
		ns[k] = (cpu_ns() - t0) / (double)runs;
	}
	qsort(ns, ROUNDS, sizeof ns[0], cmp);
	printf("ns_per_run %.3f %.3f %.3f\n", ns[ROUNDS / 2], ns[0], ns[ROUNDS - 1]);
	return 0;
}
