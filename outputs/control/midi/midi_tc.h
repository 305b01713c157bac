/*
 * midi_tc.h - MIDI Time Code, pure: timecode labels and frame counts (24,
 * 25, 29.97 drop-frame, 30), the quarter-frame and full-frame messages, a
 * chase that follows incoming MTC (lock, freewheel on dropout, jump
 * detection) and a generator that sends it. No system calls: time comes in
 * as monotonic nanoseconds. One chase or generator per thread.
 *
 * MTC (MMA RP-004/RP-008): quarter frame F1 0nnn dddd, pieces 0..7 =
 * frames low/high, seconds low/high, minutes low/high, hours low, and hours
 * high with the rate (0rrh: rr 0 = 24, 1 = 25, 2 = 30 drop frame, 3 = 30).
 * The eight pieces carry the time of the frame in which piece 0 was sent;
 * pieces 0 and 4 arrive on frame boundaries, so a full time takes two frames
 * and, when piece 7 completes it, the time is F + 1.75 frames. Full frame:
 * F0 7F <device> 01 01 hr mn sc fr F7 with hr = 0rrhhhhh, sent to locate
 * (the receiver does not run until quarter frames come).
 *
 * Positions are frame counts since 00:00:00:00 (in 29.97 drop frame a count
 * of the frames that exist, not of labels), wrapping at 24 hours.
 */
#ifndef GL_MIDI_TC_H
#define GL_MIDI_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum midi_tc_rate {
	MIDI_TC_24 = 0,
	MIDI_TC_25 = 1,
	MIDI_TC_2997DF = 2,
	MIDI_TC_30 = 3,
};

struct midi_tc {
	int hours, minutes, seconds, frames;
	enum midi_tc_rate rate;
};

/* Frames per second: 24, 25, 30000/1001, 30; and the label's 24/25/30. */
double midi_tc_fps(enum midi_tc_rate rate);
int midi_tc_label_fps(enum midi_tc_rate rate);
/* "24", "25", "29.97df", "30" */
const char *midi_tc_rate_name(enum midi_tc_rate rate);
int64_t midi_tc_frames_per_day(enum midi_tc_rate rate);

/* A label that exists at its rate (29.97 drop frame skips frames 0 and 1
 * of every minute but each tenth). */
bool midi_tc_valid(const struct midi_tc *tc);
/* Label -> frame count (valid labels only), and back (count taken modulo
 * a day). */
int64_t midi_tc_to_frames(const struct midi_tc *tc);
void midi_tc_from_frames(int64_t frames, enum midi_tc_rate rate, struct midi_tc *out);
/* "01:02:03:04" (drop frame: "01:02:03;04"); *rate may be NULL. "HH:MM:SS:FF"
 * in, at the given rate; returns false when it is not a valid label. */
size_t midi_tc_format(const struct midi_tc *tc, char *out, size_t len);
bool midi_tc_parse(const char *text, enum midi_tc_rate rate, struct midi_tc *out);
/* b - a, the shortest way round a day. */
double midi_tc_diff(double a, double b, enum midi_tc_rate rate);

/* The data byte of quarter-frame piece 0..7 for tc. */
uint8_t midi_mtc_piece(const struct midi_tc *tc, int piece);
/* Writes the 10-byte full-frame message (device 7F = all). */
size_t midi_mtc_full_frame(const struct midi_tc *tc, int device, uint8_t out[10]);
enum midi_mtc_parsed { MIDI_MTC_NOT_MTC, MIDI_MTC_FULL_FRAME, MIDI_MTC_MALFORMED };
/* A system exclusive (F0..F7): an MTC full frame? *device gets its device
 * byte. User bits (01 02) and other real-time sysex are NOT_MTC. */
enum midi_mtc_parsed midi_mtc_parse_full_frame(const uint8_t *sysex, size_t len,
					       struct midi_tc *out, int *device);

/* ---- the chase ------------------------------------------------------------------ */

enum midi_chase_state {
	MIDI_CHASE_IDLE,           /* nothing heard yet */
	MIDI_CHASE_STOPPED,        /* located by a full frame, or lost after freewheeling */
	MIDI_CHASE_LOCKING,        /* running, the time read once (not yet confirmed) */
	MIDI_CHASE_LOCKED,         /* running, each two-frame time as predicted */
	MIDI_CHASE_FREEWHEEL,      /* quarter frames stopped: running on our clock */
};

const char *midi_chase_state_name(enum midi_chase_state s);

struct midi_chase {
	enum midi_chase_state state;
	uint64_t freewheel_ns;     /* how long to run on after the last quarter frame */
	enum midi_tc_rate rate;
	bool have_rate;
	/* assembling the pieces */
	uint8_t nibble[8];
	unsigned have_mask;        /* pieces of this cycle, in order */
	int last_piece;            /* -1 none */
	int direction;             /* +1 forward, -1 reverse, 0 not known */
	uint64_t last_qf_ns;
	/* the position: frames at anchor_ns, running at `speed` (0 or 1) */
	double anchor_frames;
	uint64_t anchor_ns;
	double speed;
	double qf_frames;          /* what the last quarter frame stands for */
	bool qf_known;
	int confirmations;         /* consistent two-frame times since locking */
	/* counters */
	uint64_t quarter_frames;
	uint64_t full_frames;
	uint64_t jumps;            /* the position changed other than by running */
	uint64_t dropouts;         /* quarter frames stopped while running */
	uint64_t sequence_errors;  /* a piece out of order */
	uint64_t invalid;          /* a time that does not exist */
};

/* freewheel_s: run on this long after quarter frames stop (0: stop at once). */
void midi_chase_init(struct midi_chase *c, double freewheel_s);
void midi_chase_quarter(struct midi_chase *c, uint8_t data, uint64_t now_ns);
void midi_chase_full_frame(struct midi_chase *c, const struct midi_tc *tc, uint64_t now_ns);
/* Runs the timers: dropout -> freewheel -> stopped. */
void midi_chase_tick(struct midi_chase *c, uint64_t now_ns);
/* When midi_chase_tick() has something to do next; 0 = nothing. */
uint64_t midi_chase_next_ns(const struct midi_chase *c);
/* The position in frames at now_ns (fractional), or false before any. */
bool midi_chase_position(const struct midi_chase *c, uint64_t now_ns, double *frames);

/* ---- the generator ----------------------------------------------------------------- */

struct midi_mtc_gen {
	enum midi_tc_rate rate;
	int64_t start_frames;      /* the time at t0 */
	uint64_t t0_ns;
	int64_t next_q;            /* next quarter frame to send, counted from t0 */
	uint64_t skipped;          /* cycles skipped because we were late */
};

void midi_mtc_gen_start(struct midi_mtc_gen *g, enum midi_tc_rate rate, int64_t start_frames,
			uint64_t now_ns);
/* The quarter frames due at now_ns (2 bytes each, at most max) into out;
 * returns how many. A sender more than a few quarter frames late skips to
 * the next two-frame cycle (receivers see a short dropout, never a cycle
 * with stale pieces). */
int midi_mtc_gen_due(struct midi_mtc_gen *g, uint64_t now_ns, uint8_t out[][2], int max);
/* When the next quarter frame is due. */
uint64_t midi_mtc_gen_next_ns(const struct midi_mtc_gen *g);
/* The time the generator is at now (for a full frame at start). */
void midi_mtc_gen_time(const struct midi_mtc_gen *g, uint64_t now_ns, struct midi_tc *out);

#endif
