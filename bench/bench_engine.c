/*
 * bench_engine.c - engine tick cost for N universes fully patched with RGBW
 * fixtures (128 per universe, virtual intensity), every channel fading all
 * the time. Prints, per N: tick time median / p99 / max over many ticks
 * driven back to back (caches warm) and per universe; then the real engine
 * thread at the show rate for a few seconds: its CPU share (process CPU
 * time over wall time, one core = 100%; caches as the rest of the machine
 * leaves them) and that per universe-frame; and the resident memory with
 * the show built.
 *
 *   bench_engine [--universes 1,16,64,256,1024,4096] [--seconds 3] [--rate 44]
 *                [--taps N]
 *
 * --taps: frame taps (consumers like the output thread's) to publish to;
 * 0 by default, the engine alone. A benchmark prints figures; it asserts
 * nothing.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_args.h"
#include "engine/engine.h"

static int taps;

static struct gl_engine *build(int universes, double rate)
{
	struct gl_engine_config cfg = { .rate_hz = rate };
	struct gl_engine *e = gl_engine_create(&cfg);
	struct gl_fixture_type t = { .name = "rgbw", .channel_count = 4 };
	enum gl_attr a[4] = { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_WHITE };
	for (int c = 0; c < 4; c++)
		t.channels[c] = (struct gl_channel){ .attr = a[c], .bytes = 1, .default_value = 1.0f, .offset = 0 };
	gl_fixture_type_finish(&t);
	for (int u = 1; u <= universes; u++)
		for (int f = 0; f < 128; f++) {
			char label[32];
			snprintf(label, sizeof label, "px %d.%d", u, f);
			gl_engine_add_fixture(e, &t, label, u, 1 + f * 4, NULL);
		}
	int params = gl_engine_param_count(e);
	struct gl_cue_change *ch = malloc((size_t)params * sizeof *ch);
	int list = gl_engine_add_cuelist(e, "Fade", true);
	for (int q = 0; q < 2; q++) {
		for (int p = 0; p < params; p++)
			ch[p] = (struct gl_cue_change){ p, q == 0 ? (float)(p % 7) / 7.0f : 1.0f - (float)(p % 5) / 5.0f };
		struct gl_cue_def d;
		gl_cue_def_init(&d);
		d.number = q + 1;
		d.fade_in_s = d.fade_out_s = 5;
		d.continue_mode = GL_CONTINUE_FOLLOW;
		d.changes = ch;
		d.change_count = params;
		gl_engine_add_cue(e, list, &d);
	}
	free(ch);
	if (gl_engine_finalize(e) != 0) {
		fprintf(stderr, "bench_engine: finalize failed for %d universes\n", universes);
		exit(1);
	}
	for (int i = 0; i < taps; i++)
		if (!gl_engine_add_tap(e)) {
			fprintf(stderr, "bench_engine: cannot add tap %d\n", i + 1);
			exit(1);
		}
	struct gl_cmd go = { GL_CMD_GO, list, 0, 0 };
	gl_engine_command(e, &go);
	return e;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Resident set now, MiB. */
static double rss_mib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct bench_common common = { .sizes = { 1, 16, 64, 256, 1024, 4096 }, .n_sizes = 6,
				       .seconds = 3, .rate = 44 };
	for (int i = 1; i < argc; i++) {
		if (bench_common_arg(&common, argc, argv, &i)) {
			continue;
		} else if (strcmp(argv[i], "--taps") == 0 && i + 1 < argc) {
			taps = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_engine [--universes 1,16,64] [--seconds S] "
					"[--rate HZ] [--taps N]\n");
			return 2;
		}
	}
	const int *sizes = common.sizes;
	const int n_sizes = common.n_sizes;
	const double seconds = common.seconds, rate = common.rate;
	/* RSS is read with each show built, after the one before it was
	 * destroyed: keep big blocks in their own mappings (the dynamic
	 * threshold would move them to the heap once one is freed) and hand
	 * freed heap back, so each figure is that show's. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	printf("engine tick, RGBW fixtures fully patched, all channels fading, %.0f Hz, %d tap(s)\n",
	       rate, taps);
	printf("| universes | params | tick median us | per universe us | tick p99 us | tick max us "
	       "| thread CPU %% of one core | thread us per universe-frame | late ticks | skipped "
	       "| RSS MiB |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int s = 0; s < n_sizes; s++) {
		struct gl_engine *e = build(sizes[s], rate);
		uint64_t period = gl_engine_period_ns(e);
		/* 1: the tick alone, on a clock advancing one period per tick */
		int n = (int)(seconds * rate);
		if (n < 50)
			n = 50;
		uint64_t *dt = malloc((size_t)n * sizeof *dt);
		uint64_t t = 0;
		for (int i = 0; i < n; i++, t += period) {
			uint64_t a = gl_now_ns();
			gl_engine_tick(e, t);
			dt[i] = gl_now_ns() - a;
		}
		qsort(dt, (size_t)n, sizeof *dt, cmp_u64);
		double med = (double)dt[n / 2] / 1e3, p99 = (double)dt[(n * 99) / 100] / 1e3,
		       max = (double)dt[n - 1] / 1e3;
		free(dt);
		gl_engine_destroy(e);
		malloc_trim(0);

		/* 2: the real engine thread at the show rate */
		e = build(sizes[s], rate);
		double rss = rss_mib();
		double cpu0 = cpu_seconds();
		uint64_t w0 = gl_now_ns();
		gl_engine_start(e);
		struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
		nanosleep(&ts, NULL);
		gl_engine_stop(e);
		double cpu_s = cpu_seconds() - cpu0;
		double cpu = cpu_s / ((double)(gl_now_ns() - w0) / 1e9) * 100.0;
		struct gl_snapshot snap = { 0 };
		struct gl_list_status ls[1];
		snap.lists = ls;
		gl_engine_snapshot(e, &snap);
		double frames = (double)(snap.tick + 1) * sizes[s];
		printf("| %d | %d | %.1f | %.3f | %.1f | %.1f | %.2f | %.3f | %llu | %llu | %.1f |\n",
		       sizes[s], gl_engine_param_count(e), med, med / sizes[s], p99, max, cpu,
		       cpu_s * 1e6 / frames, (unsigned long long)snap.ticks_late,
		       (unsigned long long)snap.ticks_skipped, rss);
		fflush(stdout);
		gl_engine_destroy(e);
	}
	return 0;
}
