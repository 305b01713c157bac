/*
 * bench_audio.c - figures for the audio part, on SDL's disk driver at its
 * real-time pace (the device is a file; /dev/null by default):
 *
 *   cpu      16 stereo sounds at once (48 kHz files, and again at 44.1 kHz,
 *            resampled), looping for S seconds: the mixer's time per buffer
 *            (mean, max, share of the buffer's duration), the feed thread's
 *            CPU and the whole process's, underruns.
 *   latency  GO -> first sample through the real path: a show's cue list
 *            GOed on the running engine, its event taken by this (control)
 *            thread, the cue's sound started; the first sample's device
 *            frame against the device frame being mixed when GO was sent.
 *            Expected: at most the configured buffer plus one engine tick
 *            (plus the feed thread's prefill of a WAV, well under 1 ms).
 *
 *   bench_audio [--seconds S] [--gos N] [--device PATH] [--buffer FRAMES]
 *               [--resampling fast|medium|best]
 *
 * Prints figures, asserts nothing (tests/test_audio* do that).
 */
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sndfile.h>

#include "engine/engine.h"
#include "outputs/media/audio/audio.h"
#include "scripts/show.h"

static char dir[] = "/tmp/gl-bench-audio.XXXXXX";
static const char *resampling = "medium";

static void make_wav(const char *name, int rate, int channels, double seconds, double freq)
{
	char path[128];
	int frames = (int)(rate * seconds);
	SF_INFO info = { .samplerate = rate, .channels = channels,
			 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	short *buf = malloc((size_t)frames * channels * sizeof *buf);

	for (int i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			buf[i * channels + c] = (short)(3000 * sin(2 * M_PI * freq * (c + 1) * i / rate));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf || !buf) {
		fprintf(stderr, "bench_audio: cannot write %s\n", path);
		exit(1);
	}
	sf_writef_short(sf, buf, frames);
	sf_close(sf);
	free(buf);
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static struct gl_audio *open_audio(const char *device, int buffer)
{
	struct gl_option opts[] = { { "driver", "disk", 0 }, { "voices", "32", 0 },
				    { "resampling", "", 0 } };
	struct gl_audio_config cfg;
	char err[256];

	snprintf(opts[2].value, sizeof opts[2].value, "%s", resampling);
	if (gl_audio_config_parse(opts, 3, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "bench_audio: %s\n", err);
		exit(1);
	}
	snprintf(cfg.device, sizeof cfg.device, "%s", device);
	cfg.buffer_frames = buffer;
	struct gl_audio *a = gl_audio_create(&cfg, err, sizeof err);
	if (!a) {
		fprintf(stderr, "bench_audio: %s\n", err);
		exit(1);
	}
	return a;
}

static void cpu(const char *device, int buffer, double seconds, int rate, const char *what)
{
	struct gl_audio *a = open_audio(device, buffer);
	struct gl_audio_state *st = calloc(1, sizeof *st), *st0 = calloc(1, sizeof *st0);
	char name[64], path[128];

	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof name, "s%d_%d.wav", rate, i);
		make_wav(name, rate, 2, 2.0 + 0.1 * i, 220.0 + 20 * i);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		struct gl_audio_cue c = { .path = path, .loops = 0, .pan = (i % 5 - 2) / 2.0,
					  .level_db = -12, .curve = GL_AUDIO_CURVE_DB };
		gl_audio_play(a, &c, NULL);
	}
	sleep_s(1.0);                   /* all started, read-ahead full */
	gl_audio_state(a, st0);
	double c0 = cpu_s();
	uint64_t t0 = gl_now_ns();
	sleep_s(seconds);
	gl_audio_state(a, st);
	double wall = (double)(gl_now_ns() - t0) / 1e9, proc = cpu_s() - c0;
	uint64_t callbacks = st->callbacks - st0->callbacks;
	double mix_mean = (double)(st->mix_ns_total - st0->mix_ns_total) / (double)callbacks;
	double period = 1e9 * st->buffer_frames / st->rate;
	printf("cpu: 16 stereo sounds, %s, %d voices playing, buffer %d frames (%.1f ms):\n"
	       "  mixer %.1f us a buffer (max %.1f us) = %.2f%% of the buffer's time\n"
	       "  feed thread %.2f%% of a core, whole process %.2f%% of a core over %.0f s\n"
	       "  %llu underruns, %llu late callbacks, %llu clipped\n",
	       what, st->voice_count, st->buffer_frames, period / 1e6, mix_mean / 1e3,
	       (double)st->mix_ns_max / 1e3, 100.0 * mix_mean / period,
	       100.0 * (double)(st->feed_cpu_ns - st0->feed_cpu_ns) / 1e9 / wall, 100.0 * proc / wall,
	       wall, (unsigned long long)(st->underruns - st0->underruns),
	       (unsigned long long)(st->late_callbacks - st0->late_callbacks),
	       (unsigned long long)(st->clipped - st0->clipped));
	gl_audio_destroy(a);
	free(st);
	free(st0);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static void latency(const char *device, int buffer, int gos)
{
	char path[128], err[1024];
	FILE *f;

	make_wav("go.wav", 48000, 2, 0.2, 1000);
	snprintf(path, sizeof path, "%s/go.lua", dir);
	f = fopen(path, "w");
	fprintf(f, "show { name = \"GO latency\" }\n"
		   "patch { \"a\", type = \"generic/dimmer\", universe = 1, address = 1 }\n"
		   "cuelist \"Main\" { loop = true,\n"
		   "  cue { 1, look = { a = { intensity = 1 } }, audio = { \"go.wav\" } },\n"
		   "}\n");
	fclose(f);
	struct gl_show *show = gl_show_load(path, err, sizeof err);
	if (!show) {
		fprintf(stderr, "bench_audio: %s\n", err);
		exit(1);
	}
	struct gl_engine *e = gl_show_engine(show);
	struct gl_audio *a = open_audio(device, buffer);
	struct gl_audio_state *st = calloc(1, sizeof *st);
	double *ms = calloc((size_t)gos, sizeof *ms);

	gl_show_set_audio(show, a);
	gl_engine_start(e);
	sleep_s(1.0);                   /* the audio clock has locked on */
	srand(7);
	for (int g = 0; g < gos; g++) {
		struct gl_cmd go = { .type = GL_CMD_GO, .list = 0 };
		struct gl_event ev;
		struct pollfd pfd = { .fd = gl_engine_event_fd(e), .events = POLLIN };
		uint64_t count;

		sleep_s(0.05 + (rand() % 1000) / 1000.0 * 0.05);    /* any phase of tick and buffer */
		uint64_t t_go = gl_now_ns();
		gl_engine_command(e, &go);
		bool fired = false;
		while (!fired && poll(&pfd, 1, 1000) > 0) {
			if (read(pfd.fd, &count, sizeof count) < 0)
				break;
			while (gl_engine_next_event(e, &ev)) {
				gl_show_handle_event(show, &ev);    /* as play's loop does */
				fired |= ev.type == GL_EV_CUE_FIRED;
			}
		}
		uint64_t first = 0;
		for (int tries = 0; tries < 2000 && !first; tries++) {
			gl_audio_state(a, st);
			if (st->voice_count)
				first = st->voices[0].start_frame;
			else
				sleep_s(0.0005);
		}
		double at_go = gl_audio_frame_at(a, t_go);
		ms[g] = ((double)first - at_go) * 1e3 / st->rate;
		gl_audio_stop(a, (struct gl_audio_match){ GL_AUDIO_ALL, 0 }, 0);
		for (int tries = 0; tries < 2000; tries++) {
			gl_audio_state(a, st);
			if (!st->voice_count)
				break;
			sleep_s(0.001);
		}
	}
	qsort(ms, (size_t)gos, sizeof *ms, cmp_double);
	double tick_ms = 1e3 / gl_engine_rate_hz(e), buf_ms = 1e3 * buffer / 48000.0;
	printf("latency: GO -> first sample on the disk driver's timeline, %d GOs through the engine "
	       "(%.0f Hz tick) and the show:\n  min %.1f ms, median %.1f ms, 90%% %.1f ms, max %.1f ms"
	       "  (buffer %.1f ms + one tick %.1f ms = %.1f ms)\n", gos, gl_engine_rate_hz(e), ms[0],
	       ms[gos / 2], ms[gos * 9 / 10], ms[gos - 1], buf_ms, tick_ms, buf_ms + tick_ms);
	gl_engine_stop(e);
	gl_show_set_audio(show, NULL);
	gl_audio_destroy(a);
	gl_show_destroy(show);
	free(ms);
	free(st);
}

int main(int argc, char **argv)
{
	const char *device = "/dev/null";
	double seconds = 10;
	int gos = 50, buffer = 512;
	char cmd[64];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--gos") == 0 && i + 1 < argc)
			gos = atoi(argv[++i]);
		else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
			device = argv[++i];
		else if (strcmp(argv[i], "--buffer") == 0 && i + 1 < argc)
			buffer = atoi(argv[++i]);
		else if (strcmp(argv[i], "--resampling") == 0 && i + 1 < argc)
			resampling = argv[++i];
		else {
			fprintf(stderr, "usage: bench_audio [--seconds S] [--gos N] [--device PATH] "
				"[--buffer FRAMES] [--resampling fast|medium|best]\n");
			return 2;
		}
	}
	if (seconds <= 0 || gos < 1 || buffer < 64 || buffer > 8192) {
		fprintf(stderr, "bench_audio: --seconds > 0, --gos >= 1, --buffer 64..8192\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("bench_audio: mkdtemp");
		return 1;
	}
	unsetenv("SDL_DISKAUDIODELAY");         /* the real-time pace */
	cpu(device, buffer, seconds, 48000, "48 kHz files");
	char what[96];
	snprintf(what, sizeof what, "44.1 kHz files resampled to 48 kHz (%s)", resampling);
	cpu(device, buffer, seconds, 44100, what);
	latency(device, buffer, gos);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
