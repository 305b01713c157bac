/*
 * capture_detect.c - sound level, beats and tempo from samples (see
 * capture_detect.h). Pure; the caller's thread.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "capture_detect.h"

void capture_detect_init(struct capture_detect *d, int rate)
{
	memset(d, 0, sizeof *d);
	d->rate = rate > 0 ? rate : 48000;
	d->history_len = d->rate / CAPTURE_WINDOW;
	if (d->history_len > CAPTURE_HISTORY)
		d->history_len = CAPTURE_HISTORY;
	if (d->history_len < 4)
		d->history_len = 4;
}

static void window_done(struct capture_detect *d)
{
	double sum = 0;
	for (int i = 0; i < CAPTURE_WINDOW; i++)
		sum += (double)d->window[i] * d->window[i];
	float energy = (float)(sum / CAPTURE_WINDOW);
	float rms = sqrtf(energy);
	float db = rms > 1e-6f ? 20.0f * log10f(rms) : -120.0f;
	d->level = db <= -60.0f ? 0.0f : db >= 0.0f ? 1.0f : (db + 60.0f) / 60.0f;

	float avg = 0;
	for (int i = 0; i < d->history_count; i++)
		avg += d->history[i];
	avg = d->history_count ? avg / (float)d->history_count : 0.0f;
	uint64_t now = d->samples;
	bool gap = d->last_beat == 0 ||
		   (double)(now - d->last_beat) / d->rate >= CAPTURE_BEAT_GAP_S;
	/* a beat: louder than the last second by the ratio, above -40 dBFS */
	if (d->history_count >= d->history_len / 2 && energy > CAPTURE_BEAT_RATIO * avg &&
	    energy > 1e-4f && gap) {
		if (d->last_beat) {
			double interval = (double)(now - d->last_beat) / d->rate;
			if (interval >= 60.0 / 240 && interval <= 60.0 / 40) {
				d->intervals[d->interval_at] = interval;
				d->interval_at = (d->interval_at + 1) % CAPTURE_INTERVALS;
				if (d->interval_count < CAPTURE_INTERVALS)
					d->interval_count++;
				double mean = 0;
				for (int i = 0; i < d->interval_count; i++)
					mean += d->intervals[i];
				d->bpm = (float)(60.0 * d->interval_count / mean);
			}
		}
		d->last_beat = now;
		d->beats++;
	}
	d->history[d->history_at] = energy;
	d->history_at = (d->history_at + 1) % d->history_len;
	if (d->history_count < d->history_len)
		d->history_count++;
}

int capture_detect_feed(struct capture_detect *d, const float *samples, int n)
{
	int windows = 0;
	for (int i = 0; i < n; i++) {
		d->window[d->filled++] = samples[i];
		d->samples++;
		if (d->filled == CAPTURE_WINDOW) {
			window_done(d);
			d->filled = 0;
			windows++;
		}
	}
	return windows;
}
