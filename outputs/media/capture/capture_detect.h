/*
 * capture_detect.h - a sound level and beat detector over mono samples:
 * what the sound input (capture.c) hands the engine for effects' beat sync
 * and size. Pure, no I/O; one thread at a time per detector (the capture
 * device's callback thread).
 *
 * Level: the RMS of the last window (1024 samples), on a dB scale from
 * -60 dBFS (0) to 0 dBFS (1). Beat: a window whose energy stands above
 * CAPTURE_BEAT_RATIO times the average of the last second, above a floor,
 * at least CAPTURE_BEAT_GAP_S after the last beat. Tempo: the mean of the
 * last intervals between beats that lie in 40..240 BPM.
 */
#ifndef GL_CAPTURE_DETECT_H
#define GL_CAPTURE_DETECT_H

#include <stdint.h>

#define CAPTURE_WINDOW 1024
#define CAPTURE_HISTORY 64           /* windows of energy history (max) */
#define CAPTURE_BEAT_RATIO 1.8f
#define CAPTURE_BEAT_GAP_S 0.25
#define CAPTURE_INTERVALS 8

struct capture_detect {
	int rate;                    /* samples per second */
	int history_len;             /* windows in a second, <= CAPTURE_HISTORY */
	float history[CAPTURE_HISTORY];
	int history_at, history_count;
	float window[CAPTURE_WINDOW];
	int filled;
	uint64_t samples;            /* fed since the start */
	uint64_t last_beat;          /* sample index; 0 none */
	double intervals[CAPTURE_INTERVALS];
	int interval_count, interval_at;
	/* results */
	float level;                 /* 0..1 */
	uint32_t beats;
	float bpm;                   /* 0: no tempo yet */
};

void capture_detect_init(struct capture_detect *d, int rate);
/* Feeds n samples (-1..1). Returns how many windows completed (the
 * results change only then). */
int capture_detect_feed(struct capture_detect *d, const float *samples, int n);

#endif
