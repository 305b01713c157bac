/*
 * bench_journal.c - what a resume journal write costs: encoding the image
 * (the control thread's part, in gl_journal_submit) and a whole write
 * (encode, pwrite, ftruncate, fdatasync: the writer thread's part) on the
 * disk of the folder given, for a state of 8 cue lists, 16 faders and N
 * programmer values. Prints figures, asserts nothing. Main thread.
 *
 *   bench_journal DIR [--writes N] [--params N]
 *
 * DIR: a folder on the disk to measure (the journal files go in it, and
 * are removed at the end).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/journal.h"
#include "app/journal_wire.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void print_times(const char *what, uint64_t *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_u64);
	printf("%-28s p50 %8.1f us  p99 %8.1f us  max %8.1f us  (%d)\n", what, t[n / 2] / 1e3,
	       t[n * 99 / 100] / 1e3, t[n - 1] / 1e3, n);
}

static void fill(struct journal_state *st, int i, int params)
{
	st->list_count = 8;
	st->fader_count = 16;
	st->param_count = params;
	snprintf(st->path, sizeof st->path, "/etc/ghostlight/museum.lua");
	snprintf(st->show_name, sizeof st->show_name, "Museum");
	st->has_show = st->has_masters = true;
	st->written_ns = (int64_t)i * 1000000;
	st->grand_master = 1.0f;
	for (int l = 0; l < st->list_count; l++) {
		struct journal_list *jl = &st->lists[l];
		snprintf(jl->name, sizeof jl->name, "List %d", l + 1);
		jl->state = JOURNAL_LIST_RUNNING;
		snprintf(jl->active, sizeof jl->active, "%d", i % 100 + 1);
		snprintf(jl->from, sizeof jl->from, "%d", i % 100);
		jl->go_order = (uint32_t)(i + l);
		jl->elapsed_ns = (uint64_t)i * 25000000;
		jl->master = 1.0f;
	}
	for (int f = 0; f < st->fader_count; f++)
		st->faders[f] = (struct journal_fader){ f + 1, (float)((i + f) % 100) / 100.0f };
	for (int p = 0; p < st->param_count; p++) {
		struct journal_param *jp = &st->params[p];
		snprintf(jp->fixture, sizeof jp->fixture, "wash %d", p / 4 + 1);
		snprintf(jp->attr, sizeof jp->attr, "%s", (const char *[]){ "intensity", "red",
									   "green", "blue" }[p % 4]);
		jp->value = (float)((i + p) % 100) / 100.0f;
	}
}

int main(int argc, char **argv)
{
	int writes = 500, params = 512;
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bench_journal DIR [--writes N] [--params N]\n");
		return 2;
	}
	const char *dir = argv[1];
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--writes") == 0)
			writes = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--params") == 0)
			params = atoi(argv[i + 1]);
	}
	if (writes < 10 || params < 0) {
		fprintf(stderr, "bench_journal: --writes at least 10, --params at least 0\n");
		return 2;
	}
	struct journal_state st;
	memset(&st, 0, sizeof st);
	if (journal_state_alloc(&st, 8, 16, params) != 0)
		return 1;
	char err[512];
	struct gl_journal *j = gl_journal_open(dir, "/etc/ghostlight/museum.lua", NULL, err,
					       sizeof err);
	if (!j) {
		fprintf(stderr, "bench_journal: %s\n", err);
		return 1;
	}
	uint64_t *enc = calloc((size_t)writes, sizeof *enc);
	uint64_t *wr = calloc((size_t)writes, sizeof *wr);
	size_t image_len = 0;
	for (int i = 0; i < writes; i++) {
		fill(&st, i, params);
		uint8_t *image;
		uint64_t t0 = now_ns();
		if (journal_encode(&st, &image, &image_len) != 0)
			return 1;
		enc[i] = now_ns() - t0;
		free(image);
		t0 = now_ns();
		int rc = gl_journal_write(j, &st);
		wr[i] = now_ns() - t0;
		if (rc != 0) {
			fprintf(stderr, "bench_journal: write %d failed: %d\n", i, rc);
			return 1;
		}
	}
	printf("journal image: %zu bytes (8 lists, 16 faders, %d programmer values), in %s\n",
	       image_len, params, dir);
	print_times("encode (control thread)", enc, writes);
	print_times("write with fdatasync", wr, writes);
	gl_journal_close(j);
	/* leave the folder as it was */
	char key[17], path[4096];
	gl_journal_key("/etc/ghostlight/museum.lua", key);
	const char *ext[] = { "a", "b", "lock" };
	for (int e = 0; e < 3; e++) {
		snprintf(path, sizeof path, "%s/%s.%s", dir, key, ext[e]);
		unlink(path);
	}
	journal_state_free(&st);
	free(enc);
	free(wr);
	return 0;
}
