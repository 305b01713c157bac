/*
 * bench_midi_mtc.c - how closely the MIDI adapter chases MIDI time code:
 * an MTC source (tests/tools/mtc_sender.c, a thread sending quarter frames
 * on an absolute monotonic schedule through its own RtMidi output) feeds
 * the real adapter (RtMidi input on a JACK server, the inbox ring, the
 * parser, the chase) running in this process's control loop; every few
 * milliseconds the loop reads the chased position (gl_control_ops.timecode,
 * what timecode cue lists will read) and compares it with the time code
 * the source is at that instant. Prints p50/p99 of the error per rate.
 * Needs a JACK server (bench/midi_latency.sh starts one). Figures, not a
 * test: nothing is asserted.
 *
 *   bench_midi_mtc [SECONDS] [RATE...]     (default 20 s; 25 29.97df)
 */
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rtmidi_c.h>

#include "engine/engine.h"
#include "outputs/control/control.h"
#include "tests/tools/mtc_sender.h"

static void quiet(void *ud, bool error, const char *text)
{
	(void)ud;
	if (error)
		fprintf(stderr, "  (%s)\n", text);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int connect_to(RtMidiOutPtr out, const char *name)
{
	unsigned n = rtmidi_get_port_count(out);

	for (unsigned i = 0; i < n; i++) {
		char buf[256];
		int len = sizeof buf;

		if (rtmidi_get_port_name(out, i, buf, &len) >= 0 && strcmp(buf, name) == 0) {
			out->ok = true;
			rtmidi_open_port(out, i, "mtc");
			return out->ok ? 0 : -1;
		}
	}
	return -1;
}

static int run(const char *rate_name, double seconds)
{
	int rate = mtc_rate_code(rate_name);
	struct gl_engine_config ecfg = { .rate_hz = 44 };
	struct gl_engine *e = gl_engine_create(&ecfg);
	struct gl_fixture_type dim = { .name = "dim", .channel_count = 1 };
	const struct gl_control_ops *ops = gl_control_find("midi");
	struct gl_control_config cfg = { .type = "midi", .declared = true };
	struct gl_control_host host = { .show_name = "bench", .log = quiet };
	char err[300];

	dim.channels[0].attr = GL_ATTR_INTENSITY;
	dim.channels[0].bytes = 1;
	if (rate < 0 || !e || !ops || gl_fixture_type_finish(&dim) != 0 ||
	    gl_engine_add_fixture(e, &dim, "d", 1, 1, NULL) < 0 || gl_engine_finalize(e) != 0) {
		fprintf(stderr, "bench_midi_mtc: cannot set up (rate %s)\n", rate_name);
		return 1;
	}
	host.engine = e;
	const char *opts[][2] = { { "api", "jack" }, { "virtual", "true" },
				  { "client_name", "glbench" }, { "mtc_freewheel", "1" } };
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		snprintf(cfg.options[i].key, sizeof cfg.options[i].key, "%s", opts[i][0]);
		snprintf(cfg.options[i].value, sizeof cfg.options[i].value, "%s", opts[i][1]);
	}
	cfg.option_count = (int)(sizeof opts / sizeof opts[0]);
	struct gl_control *c = ops->create(&cfg, &host, err, sizeof err);
	if (!c) {
		fprintf(stderr, "bench_midi_mtc: the adapter did not start: %s\n", err);
		return 1;
	}
	RtMidiOutPtr out = rtmidi_out_create(RTMIDI_API_UNIX_JACK, "mtcsource");
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	if (!out || !out->ok || connect_to(out, "glbench:in") != 0) {
		fprintf(stderr, "bench_midi_mtc: cannot reach glbench:in (is a JACK server running?)\n");
		return 1;
	}
	struct mtc_sender snd;
	int64_t start = mtc_frames_of(rate == 2 ? "00:59:00;00" : "01:00:00:00", rate);
	mtc_sender_start(&snd, out, &lock, rate, start);

	size_t cap = (size_t)(seconds * 200) + 16, n = 0;
	double *err_ms = malloc(cap * sizeof *err_ms), sum = 0;
	uint64_t begin = mtc_now_ns(), end = begin + (uint64_t)(seconds * 1e9), locked_at = 0;
	uint64_t unlocked = 0, next_sample = begin, jumps = 0;
	struct gl_timecode tc;

	while (mtc_now_ns() < end && err_ms) {
		struct pollfd fds[GL_CONTROL_MAX_FDS];
		int nfds = ops->poll_fds(c, fds, GL_CONTROL_MAX_FDS);
		uint64_t now = mtc_now_ns(), wake = next_sample, t = ops->next_timer_ns(c);

		if (t && t < wake)
			wake = t;
		poll(fds, (nfds_t)nfds, wake > now ? (int)((wake - now) / 1000000) : 0);
		ops->service(c, fds, nfds, mtc_now_ns());
		now = mtc_now_ns();
		if (now < next_sample)
			continue;
		/* every 7 ms: not in step with the quarter frames (10 or 8.3 ms) */
		next_sample = now + 7000000;
		if (!ops->timecode(c, now, &tc))
			continue;
		if (tc.state != GL_TC_LOCKED) {
			if (locked_at)
				unlocked++;
			continue;
		}
		if (!locked_at) {
			locked_at = now;
			jumps = tc.jumps;
		}
		double truth = mtc_sender_position(&snd, now);
		if (n < cap) {
			err_ms[n] = (tc.frames - truth) / tc.fps * 1000.0;
			sum += err_ms[n++];
		}
	}
	mtc_sender_stop(&snd);
	ops->timecode(c, mtc_now_ns(), &tc);
	uint64_t total_jumps = tc.jumps - jumps;
	ops->destroy(c);
	rtmidi_out_free(out);
	gl_engine_destroy(e);
	if (!n) {
		fprintf(stderr, "bench_midi_mtc: %s: never locked\n", rate_name);
		free(err_ms);
		return 1;
	}
	double *abs_ms = malloc(n * sizeof *abs_ms);
	for (size_t i = 0; i < n && abs_ms; i++)
		abs_ms[i] = fabs(err_ms[i]);
	qsort(err_ms, n, sizeof *err_ms, cmp);
	if (abs_ms)
		qsort(abs_ms, n, sizeof *abs_ms, cmp);
#define PCT(a, p) (a)[(size_t)fmin((double)n - 1, ceil((p) / 100.0 * (double)n) - 1)]
	printf("MTC %-8s %zu samples over %.0f s after lock (locked %.0f ms after the first quarter "
	       "frame; unlocked samples after: %llu; jumps: %llu)\n", rate_name, n, seconds,
	       (double)(locked_at - snd.t0_ns) / 1e6, (unsigned long long)unlocked,
	       (unsigned long long)total_jumps);
	printf("  position error |chase - source|: p50 %.3f ms  p99 %.3f ms  max %.3f ms   "
	       "(signed: mean %.3f ms, p1 %.3f, p99 %.3f; one frame = %.2f ms)\n",
	       abs_ms ? PCT(abs_ms, 50) : 0, abs_ms ? PCT(abs_ms, 99) : 0, abs_ms ? abs_ms[n - 1] : 0,
	       sum / (double)n, PCT(err_ms, 1), PCT(err_ms, 99), 1000.0 / mtc_fps(rate));
	free(abs_ms);
	free(err_ms);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 20;
	const char *defaults[] = { "25", "29.97df" };
	int rc = 0;

	if (!(seconds > 0)) {
		fprintf(stderr, "usage: bench_midi_mtc [SECONDS] [RATE...]\n");
		return 2;
	}
	if (argc > 2)
		for (int i = 2; i < argc; i++)
			rc |= run(argv[i], seconds);
	else
		for (int i = 0; i < 2; i++)
			rc |= run(defaults[i], seconds);
	return rc;
}
