/*
 * mtc_sender.h - an MTC source for the MIDI tests and benchmarks: a thread
 * that sends quarter frames on an absolute monotonic schedule through an
 * RtMidi output, and knows at every instant what time code it is sending.
 * Written apart from outputs/control/midi/ (its own label arithmetic and
 * encoding), so a mistake there cannot hide itself in the tests.
 *
 * Threads: start/stop from one thread; the sender thread sends under
 * *lock (RtMidi outputs are not thread-safe), which callers that send on
 * the same output take too.
 */
#ifndef GL_TEST_MTC_SENDER_H
#define GL_TEST_MTC_SENDER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rtmidi_c.h>

struct mtc_sender {
	RtMidiOutPtr out;
	pthread_mutex_t *lock;
	pthread_t thread;
	atomic_bool run;
	bool started;
	int rate;                  /* 0 = 24, 1 = 25, 2 = 29.97 drop frame, 3 = 30 */
	int64_t start_frames;      /* the time code at t0, in frames */
	uint64_t t0_ns;            /* CLOCK_MONOTONIC: when piece 0 of the first cycle goes */
	atomic_uint_fast64_t sent; /* quarter frames sent */
};

/* rate: "24", "25", "29.97df" or "30" -> 0..3, -1 unknown. */
int mtc_rate_code(const char *name);
double mtc_fps(int rate);
/* "HH:MM:SS:FF" at rate -> frames (a count: drop frame skips labels);
 * -1 when it is not a label that exists. */
int64_t mtc_frames_of(const char *label, int rate);
void mtc_label_of(int64_t frames, int rate, int *h, int *m, int *s, int *f);

/* Starts sending from start_frames at the next whole millisecond + 20 ms. */
int mtc_sender_start(struct mtc_sender *s, RtMidiOutPtr out, pthread_mutex_t *lock, int rate,
		     int64_t start_frames);
void mtc_sender_stop(struct mtc_sender *s);
/* The time code the sender is at, at now_ns (frames, fractional). */
double mtc_sender_position(const struct mtc_sender *s, uint64_t now_ns);
/* A full-frame message for frames at rate into out[10]. */
void mtc_full_frame(int64_t frames, int rate, unsigned char out[10]);

uint64_t mtc_now_ns(void);

#endif
