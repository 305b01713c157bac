/*
 * mtc_sender.c - the tests' MTC source (see mtc_sender.h). The sender
 * thread sleeps to each quarter frame's absolute time and sends it; the
 * label arithmetic here is its own (29.97 drop frame: 1800 frames in the
 * first minute of every ten, 1798 in the others).
 */
#include "mtc_sender.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const int nominal[4] = { 24, 25, 30, 30 };

uint64_t mtc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int mtc_rate_code(const char *name)
{
	if (strcmp(name, "24") == 0)
		return 0;
	if (strcmp(name, "25") == 0)
		return 1;
	if (strcmp(name, "29.97df") == 0 || strcmp(name, "29.97") == 0)
		return 2;
	if (strcmp(name, "30") == 0)
		return 3;
	return -1;
}

double mtc_fps(int rate)
{
	return rate == 2 ? 30000.0 / 1001.0 : nominal[rate & 3];
}

static int64_t day_frames(int rate)
{
	return rate == 2 ? 24 * 6 * 17982 : (int64_t)nominal[rate & 3] * 86400;
}

int64_t mtc_frames_of(const char *label, int rate)
{
	int h, m, s, f;

	if (sscanf(label, "%d:%d:%d%*[:;]%d", &h, &m, &s, &f) != 4 || h < 0 || h > 23 || m < 0 ||
	    m > 59 || s < 0 || s > 59 || f < 0 || f >= nominal[rate & 3])
		return -1;
	if (rate != 2)
		return ((int64_t)(h * 60 + m) * 60 + s) * nominal[rate] + f;
	if (s == 0 && f < 2 && m % 10 != 0)
		return -1;
	/* whole ten-minute blocks, whole minutes in this block, then the rest */
	int64_t frames = (int64_t)(h * 6 + m / 10) * 17982;
	int mins = m % 10;
	int64_t in_minute = (int64_t)s * 30 + f;

	if (mins == 0)
		return frames + in_minute;
	return frames + 1800 + (int64_t)(mins - 1) * 1798 + in_minute - 2;
}

void mtc_label_of(int64_t frames, int rate, int *h, int *m, int *s, int *f)
{
	int64_t day = day_frames(rate), fps = nominal[rate & 3];

	frames = ((frames % day) + day) % day;
	if (rate == 2) {
		int64_t block = frames / 17982, in = frames % 17982;

		/* labels skipped before this frame: 2 per started minute after the first */
		frames += 18 * block + (in < 1800 ? 0 : 2 * ((in - 1800) / 1798 + 1));
	}
	*f = (int)(frames % fps);
	*s = (int)(frames / fps % 60);
	*m = (int)(frames / (fps * 60) % 60);
	*h = (int)(frames / (fps * 3600) % 24);
}

static unsigned char piece_byte(int64_t frames, int rate, int piece)
{
	int h, m, s, f, v;

	mtc_label_of(frames, rate, &h, &m, &s, &f);
	switch (piece) {
	case 0: v = f % 16; break;
	case 1: v = f / 16; break;
	case 2: v = s % 16; break;
	case 3: v = s / 16; break;
	case 4: v = m % 16; break;
	case 5: v = m / 16; break;
	case 6: v = h % 16; break;
	default: v = h / 16 + rate * 2; break;
	}
	return (unsigned char)(piece * 16 + v);
}

void mtc_full_frame(int64_t frames, int rate, unsigned char out[10])
{
	int h, m, s, f;

	mtc_label_of(frames, rate, &h, &m, &s, &f);
	const unsigned char msg[10] = { 0xF0, 0x7F, 0x7F, 0x01, 0x01,
					(unsigned char)(rate * 32 + h), (unsigned char)m,
					(unsigned char)s, (unsigned char)f, 0xF7 };
	memcpy(out, msg, sizeof msg);
}

static double qf_ns(int rate)
{
	return 1e9 / (4.0 * mtc_fps(rate));
}

static void *sender_main(void *ud)
{
	struct mtc_sender *s = ud;

	for (int64_t q = 0; atomic_load(&s->run); q++) {
		uint64_t due = s->t0_ns + (uint64_t)llround((double)q * qf_ns(s->rate));
		struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ull),
				       .tv_nsec = (long)(due % 1000000000ull) };
		unsigned char msg[2] = { 0xF1, piece_byte(s->start_frames + 2 * (q / 8), s->rate,
							  (int)(q % 8)) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
			;
		pthread_mutex_lock(s->lock);
		rtmidi_out_send_message(s->out, msg, 2);
		pthread_mutex_unlock(s->lock);
		atomic_fetch_add(&s->sent, 1);
	}
	return NULL;
}

int mtc_sender_start(struct mtc_sender *s, RtMidiOutPtr out, pthread_mutex_t *lock, int rate,
		     int64_t start_frames)
{
	memset(s, 0, sizeof *s);
	s->out = out;
	s->lock = lock;
	s->rate = rate;
	s->start_frames = start_frames;
	s->t0_ns = (mtc_now_ns() / 1000000 + 20) * 1000000;
	atomic_init(&s->run, true);
	atomic_init(&s->sent, 0);
	if (pthread_create(&s->thread, NULL, sender_main, s) != 0)
		return -1;
	s->started = true;
	return 0;
}

void mtc_sender_stop(struct mtc_sender *s)
{
	if (!s->started)
		return;
	atomic_store(&s->run, false);
	pthread_join(s->thread, NULL);
	s->started = false;
}

double mtc_sender_position(const struct mtc_sender *s, uint64_t now_ns)
{
	double dt = now_ns >= s->t0_ns ? (double)(now_ns - s->t0_ns) : -(double)(s->t0_ns - now_ns);

	return (double)s->start_frames + dt * mtc_fps(s->rate) / 1e9;
}
