/*
 * The kernel pick (R11) and the no-program paths of R10/R12 in C, as a reference for
 * `baton bench --kernel-pick` on the same machine: the same 16-listener group, the same 256
 * hashes (the hook bench's LCG) and the same request mix (new connection, migration,
 * alternating). Built and run by bench/policies.bench.ts with gcc -O2; prints
 * "ns_per_request MEDIAN MIN MAX MEAN SD" over 15 rounds of ~50 ms timed with the process
 * CPU clock.
 * Mirrors: reuseport_select_sock (no prog) and reuseport_migrate_sock (no prog,
 * tcp_migrate_req=1) from net/core/sock_reuseport.c, reduced to what those paths read.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TCP_ESTABLISHED 1
#define TCP_LISTEN 10
#define LISTENERS 16
#define HASHES 256
#define BATCH 16
#define ROUNDS 15

struct group;
struct sock {
	int state;
	struct group *group;
};
struct group {
	uint16_t max_socks, num_socks, num_closed_socks;
	const void *prog;
	struct sock *socks[LISTENERS + 1];
};

static int tcp_migrate_req = 1;
static unsigned long failures;

static inline uint32_t reciprocal_scale(uint32_t val, uint32_t ep_ro)
{
	return (uint32_t)(((uint64_t)val * ep_ro) >> 32);
}

static inline struct sock *select_by_hash(struct group *g, uint32_t hash)
{
	uint16_t n = g->num_socks;
	uint32_t i = reciprocal_scale(hash, n), j = i;
	do {
		struct sock *sk = g->socks[i];
		if (sk->state != TCP_ESTABLISHED)
			return sk;
		if (++i >= n)
			i = 0;
	} while (i != j);
	return NULL;
}

static inline struct sock *reuseport_select(struct sock *first, uint32_t hash)
{
	struct group *g = first->group;
	if (!g || g->prog) /* a program is never attached here */
		return NULL;
	return select_by_hash(g, hash);
}

static inline struct sock *reuseport_migrate(struct sock *sk, uint32_t hash)
{
	struct group *g = sk->group;
	struct sock *t;
	if (!g || !g->num_socks || g->prog || tcp_migrate_req != 1) {
		failures++;
		return NULL;
	}
	t = select_by_hash(g, hash);
	if (!t)
		failures++;
	return t;
}

static double cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static struct sock socks[LISTENERS + 1];
static struct group g;
static uint32_t hs[HASHES];
static volatile unsigned long sink;

/* `batches` x BATCH requests (new connection, migration, alternating); CPU ns taken. */
static double run_batches(long batches)
{
	static unsigned j;
	unsigned none = 0;
	struct sock *first = &socks[0], *closing = &socks[LISTENERS];
	double t0 = cpu_ns();
	for (long b = 0; b < batches; b++) {
		for (int k = 0; k < BATCH; k += 2) {
			none += reuseport_select(first, hs[j & (HASHES - 1)]) == NULL;
			none += reuseport_migrate(closing, hs[(j + 1) & (HASHES - 1)]) == NULL;
			j = (j + 2) & (HASHES - 1);
		}
	}
	double dt = cpu_ns() - t0;
	sink += none;
	return dt;
}

int main(void)
{
	double samples[ROUNDS];
	uint32_t x = 1;

	g.max_socks = LISTENERS + 1;
	g.num_socks = LISTENERS;
	g.num_closed_socks = 1;
	for (int i = 0; i <= LISTENERS; i++) {
		socks[i].state = i < LISTENERS ? TCP_LISTEN : 7 /* TCP_CLOSE: shut down */;
		socks[i].group = &g;
		g.socks[i] = &socks[i];
	}
	for (int i = 0; i < HASHES; i++) {
		x = x * 1664525u + 1013904223u;
		hs[i] = x;
	}
	/* Calibrate: rounds of about 50 ms. */
	long batches = 1000000;
	double dt = run_batches(batches);
	batches = (long)(batches * 50e6 / (dt > 1 ? dt : 1)) + 1;
	for (int r = 0; r < ROUNDS; r++)
		samples[r] = run_batches(batches) / ((double)batches * BATCH);
	double mean = 0, var = 0;
	for (int r = 0; r < ROUNDS; r++)
		mean += samples[r] / ROUNDS;
	for (int r = 0; r < ROUNDS; r++)
		var += (samples[r] - mean) * (samples[r] - mean) / (ROUNDS - 1);
	qsort(samples, ROUNDS, sizeof samples[0], cmp);
	printf("ns_per_request %.3f %.3f %.3f %.3f %.3f\n", samples[ROUNDS / 2], samples[0], samples[ROUNDS - 1], mean, sqrt(var));
	return sink == 42 && failures == 42; /* keeps the results live */
}
