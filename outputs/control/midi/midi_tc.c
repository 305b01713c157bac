/*
 * midi_tc.c - MIDI Time Code labels, messages, chase and generator (see
 * midi_tc.h). Any thread; a chase or generator belongs to one.
 *
 * The chase keeps a position as (frames at anchor_ns, speed): between
 * quarter frames it runs on the monotonic clock. Each quarter frame says
 * where the sender was when it sent it (the last decoded time + 0.25 frame
 * per piece); the anchor moves a tenth of the way towards that, which
 * averages out transport jitter (JACK delivers MIDI once per period, 5.3 ms
 * at 256/48000) while the sender's own rate is followed within a few
 * quarter frames. Each complete two-frame time is checked against the
 * count: off by more than half a frame is a jump (the position is taken
 * at once, and locking starts over).
 */
#include "midi_tc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHASE_GAIN 0.1              /* share of a quarter frame's error taken */
#define CHASE_SNAP_FRAMES 2.0       /* a bigger error is taken whole */
#define CHASE_JUMP_FRAMES 0.5       /* a decoded time this far off is a jump */
#define CHASE_RESUME_FRAMES 1.0     /* after a dropout: this close continues the lock */
#define CHASE_LOCATE_FRAMES 4.0     /* from a stop: starting from where it stood */
#define CHASE_DROPOUT_FRAMES 4.0    /* no quarter frame for this long: dropout */

static const int label_fps[4] = { 24, 25, 30, 30 };

double midi_tc_fps(enum midi_tc_rate rate)
{
	return rate == MIDI_TC_2997DF ? 30000.0 / 1001.0 : (double)label_fps[rate & 3];
}

int midi_tc_label_fps(enum midi_tc_rate rate)
{
	return label_fps[rate & 3];
}

const char *midi_tc_rate_name(enum midi_tc_rate rate)
{
	static const char *const names[4] = { "24", "25", "29.97df", "30" };

	return names[rate & 3];
}

/* 29.97 drop frame: 17982 frames per ten minutes, 1798 in each minute but
 * the first of the ten. */
#define DF_10MIN 17982
#define DF_MIN 1798

int64_t midi_tc_frames_per_day(enum midi_tc_rate rate)
{
	return rate == MIDI_TC_2997DF ? (int64_t)DF_10MIN * 6 * 24
				      : (int64_t)label_fps[rate & 3] * 86400;
}

bool midi_tc_valid(const struct midi_tc *tc)
{
	if (tc->rate < MIDI_TC_24 || tc->rate > MIDI_TC_30 || tc->hours < 0 || tc->hours > 23 ||
	    tc->minutes < 0 || tc->minutes > 59 || tc->seconds < 0 || tc->seconds > 59 ||
	    tc->frames < 0 || tc->frames >= label_fps[tc->rate])
		return false;
	/* drop frame: frames 0 and 1 of minutes not divisible by ten do not exist */
	return !(tc->rate == MIDI_TC_2997DF && tc->seconds == 0 && tc->frames < 2 &&
		 tc->minutes % 10 != 0);
}

int64_t midi_tc_to_frames(const struct midi_tc *tc)
{
	int64_t fps = label_fps[tc->rate & 3];
	int64_t nominal = ((int64_t)tc->hours * 3600 + tc->minutes * 60 + tc->seconds) * fps +
			  tc->frames;

	if (tc->rate == MIDI_TC_2997DF) {
		int64_t minutes = (int64_t)tc->hours * 60 + tc->minutes;

		nominal -= 2 * (minutes - minutes / 10);
	}
	return nominal;
}

void midi_tc_from_frames(int64_t frames, enum midi_tc_rate rate, struct midi_tc *out)
{
	int64_t day = midi_tc_frames_per_day(rate);
	int64_t fps = label_fps[rate & 3];

	frames %= day;
	if (frames < 0)
		frames += day;
	if (rate == MIDI_TC_2997DF) {
		int64_t tens = frames / DF_10MIN, rest = frames % DF_10MIN;

		/* put back the labels skipped before this frame */
		frames += 18 * tens + (rest > 2 ? 2 * ((rest - 2) / DF_MIN) : 0);
	}
	out->rate = rate;
	out->frames = (int)(frames % fps);
	out->seconds = (int)(frames / fps % 60);
	out->minutes = (int)(frames / (fps * 60) % 60);
	out->hours = (int)(frames / (fps * 3600) % 24);
}

size_t midi_tc_format(const struct midi_tc *tc, char *out, size_t len)
{
	int n = snprintf(out, len, "%02d:%02d:%02d%c%02d", tc->hours, tc->minutes, tc->seconds,
			 tc->rate == MIDI_TC_2997DF ? ';' : ':', tc->frames);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

bool midi_tc_parse(const char *text, enum midi_tc_rate rate, struct midi_tc *out)
{
	int h, m, s, f, used = 0;
	char sep;

	if (!text || sscanf(text, "%2d:%2d:%2d%c%2d%n", &h, &m, &s, &sep, &f, &used) != 5 ||
	    text[used] != '\0' || (sep != ':' && sep != ';' && sep != '.'))
		return false;
	*out = (struct midi_tc){ h, m, s, f, rate };
	return midi_tc_valid(out);
}

double midi_tc_diff(double a, double b, enum midi_tc_rate rate)
{
	double day = (double)midi_tc_frames_per_day(rate), d = fmod(b - a, day);

	if (d > day / 2)
		d -= day;
	else if (d <= -day / 2)
		d += day;
	return d;
}

static double wrap_frames(double frames, enum midi_tc_rate rate)
{
	double day = (double)midi_tc_frames_per_day(rate);

	frames = fmod(frames, day);
	return frames < 0 ? frames + day : frames;
}

/* ---- messages ------------------------------------------------------------------------ */

uint8_t midi_mtc_piece(const struct midi_tc *tc, int piece)
{
	int nibble;

	switch (piece & 7) {
	case 0: nibble = tc->frames & 0x0F; break;
	case 1: nibble = tc->frames >> 4 & 0x01; break;
	case 2: nibble = tc->seconds & 0x0F; break;
	case 3: nibble = tc->seconds >> 4 & 0x03; break;
	case 4: nibble = tc->minutes & 0x0F; break;
	case 5: nibble = tc->minutes >> 4 & 0x03; break;
	case 6: nibble = tc->hours & 0x0F; break;
	default: nibble = (tc->hours >> 4 & 0x01) | (tc->rate & 3) << 1; break;
	}
	return (uint8_t)((piece & 7) << 4 | nibble);
}

size_t midi_mtc_full_frame(const struct midi_tc *tc, int device, uint8_t out[10])
{
	out[0] = 0xF0;
	out[1] = 0x7F;
	out[2] = (uint8_t)(device & 0x7F);
	out[3] = 0x01;
	out[4] = 0x01;
	out[5] = (uint8_t)((tc->rate & 3) << 5 | (tc->hours & 0x1F));
	out[6] = (uint8_t)(tc->minutes & 0x3F);
	out[7] = (uint8_t)(tc->seconds & 0x3F);
	out[8] = (uint8_t)(tc->frames & 0x1F);
	out[9] = 0xF7;
	return 10;
}

enum midi_mtc_parsed midi_mtc_parse_full_frame(const uint8_t *b, size_t len, struct midi_tc *tc,
					       int *device)
{
	if (len < 6 || b[0] != 0xF0 || b[1] != 0x7F || b[3] != 0x01 || b[4] != 0x01)
		return MIDI_MTC_NOT_MTC;
	if (len != 10 || b[9] != 0xF7)
		return MIDI_MTC_MALFORMED;
	for (int i = 2; i < 9; i++)
		if (b[i] & 0x80)
			return MIDI_MTC_MALFORMED;
	*device = b[2];
	tc->rate = (enum midi_tc_rate)(b[5] >> 5 & 3);
	tc->hours = b[5] & 0x1F;
	tc->minutes = b[6];
	tc->seconds = b[7];
	tc->frames = b[8];
	return midi_tc_valid(tc) ? MIDI_MTC_FULL_FRAME : MIDI_MTC_MALFORMED;
}

/* ---- the chase --------------------------------------------------------------------------- */

const char *midi_chase_state_name(enum midi_chase_state s)
{
	static const char *const names[] = { "idle", "stopped", "locking", "locked", "freewheel" };

	return s >= MIDI_CHASE_IDLE && s <= MIDI_CHASE_FREEWHEEL ? names[s] : "?";
}

void midi_chase_init(struct midi_chase *c, double freewheel_s)
{
	memset(c, 0, sizeof *c);
	c->freewheel_ns = freewheel_s > 0 ? (uint64_t)(freewheel_s * 1e9) : 0;
	c->rate = MIDI_TC_25;
	c->last_piece = -1;
}

static uint64_t dropout_ns(const struct midi_chase *c)
{
	return (uint64_t)(CHASE_DROPOUT_FRAMES * 1e9 / midi_tc_fps(c->rate));
}

static double position_at(const struct midi_chase *c, uint64_t now)
{
	double dt = now >= c->anchor_ns ? (double)(now - c->anchor_ns)
					 : -(double)(c->anchor_ns - now);

	return wrap_frames(c->anchor_frames + c->speed * dt * midi_tc_fps(c->rate) / 1e9, c->rate);
}

bool midi_chase_position(const struct midi_chase *c, uint64_t now_ns, double *frames)
{
	if (c->state == MIDI_CHASE_IDLE)
		return false;
	*frames = position_at(c, now_ns);
	return true;
}

static void anchor(struct midi_chase *c, uint64_t now, double frames, double speed)
{
	c->anchor_ns = now;
	c->anchor_frames = wrap_frames(frames, c->rate);
	c->speed = speed;
}

/* A complete two-frame time read forward: F + 1.75 frames now. */
static void decoded_forward(struct midi_chase *c, double pos, uint64_t now)
{
	bool had = c->state != MIDI_CHASE_IDLE;
	double before = had ? position_at(c, now) : pos;
	double off = fabs(midi_tc_diff(before, pos, c->rate));

	if (c->qf_known) {
		/* running and counting: the time must be what we counted */
		if (fabs(midi_tc_diff(c->qf_frames, pos, c->rate)) > CHASE_JUMP_FRAMES) {
			c->jumps++;
			c->confirmations = 0;
			c->state = MIDI_CHASE_LOCKING;
			anchor(c, now, pos, 1);
		} else if (++c->confirmations >= 1) {
			c->state = MIDI_CHASE_LOCKED;
		}
	} else if (c->state == MIDI_CHASE_FREEWHEEL && off <= CHASE_RESUME_FRAMES) {
		c->state = MIDI_CHASE_LOCKED;          /* back after a dropout, where expected */
	} else {
		if (had && off > (c->state == MIDI_CHASE_STOPPED ? CHASE_LOCATE_FRAMES
								   : CHASE_RESUME_FRAMES))
			c->jumps++;
		c->confirmations = 0;
		c->state = MIDI_CHASE_LOCKING;
		anchor(c, now, pos, 1);
	}
	c->qf_frames = pos;
	c->qf_known = true;
}

static void decode(struct midi_chase *c, uint64_t now, bool forward)
{
	struct midi_tc tc = {
		.frames = c->nibble[0] | (c->nibble[1] & 1) << 4,
		.seconds = c->nibble[2] | (c->nibble[3] & 3) << 4,
		.minutes = c->nibble[4] | (c->nibble[5] & 3) << 4,
		.hours = c->nibble[6] | (c->nibble[7] & 1) << 4,
		.rate = (enum midi_tc_rate)(c->nibble[7] >> 1 & 3),
	};

	if (!midi_tc_valid(&tc)) {
		c->invalid++;
		return;
	}
	if (c->have_rate && tc.rate != c->rate && c->state != MIDI_CHASE_IDLE) {
		/* another rate is another count: start over from this time */
		c->qf_known = false;
		c->state = MIDI_CHASE_STOPPED;
		c->jumps++;
	}
	c->rate = tc.rate;
	c->have_rate = true;
	double frames = (double)midi_tc_to_frames(&tc);

	if (forward) {
		decoded_forward(c, frames + 1.75, now);
		return;
	}
	/* running backwards: follow each time read, without running on */
	if (c->state != MIDI_CHASE_IDLE &&
	    fabs(midi_tc_diff(position_at(c, now), frames, c->rate)) > 2 * CHASE_LOCATE_FRAMES)
		c->jumps++;
	c->qf_known = false;
	c->confirmations = 0;
	c->state = MIDI_CHASE_LOCKING;
	anchor(c, now, frames, 0);
}

void midi_chase_quarter(struct midi_chase *c, uint8_t data, uint64_t now)
{
	int piece = data >> 4 & 7;
	bool gap = c->last_piece < 0 || now - c->last_qf_ns > dropout_ns(c);
	int step = 0;

	c->quarter_frames++;
	if (!gap) {
		if (piece == (c->last_piece + 1) % 8)
			step = 1;
		else if (piece == (c->last_piece + 7) % 8)
			step = -1;
		else
			c->sequence_errors++;
	}
	if (step == 0 || (c->direction != 0 && step != c->direction)) {
		/* a new run of pieces (first, after a gap, out of order, turned
		 * round): the count is lost until the next complete time */
		c->have_mask = 0;
		c->qf_known = false;
	}
	c->direction = step;
	c->nibble[piece] = data & 0x0F;
	if (c->direction >= 0) {
		if (piece == 0)
			c->have_mask = 1;
		else if (c->have_mask & 1u << (piece - 1))
			c->have_mask |= 1u << piece;
		else
			c->have_mask = 0;
	} else {
		if (piece == 7)
			c->have_mask = 0x80;
		else if (c->have_mask & 1u << (piece + 1))
			c->have_mask |= 1u << piece;
		else
			c->have_mask = 0;
	}
	if (c->qf_known)
		c->qf_frames = wrap_frames(c->qf_frames + 0.25, c->rate);
	c->last_piece = piece;
	c->last_qf_ns = now;
	if (c->have_mask == 0xFF && piece == (c->direction >= 0 ? 7 : 0)) {
		decode(c, now, c->direction >= 0);
		c->have_mask = 0;
	}
	/* follow the sender's clock: a tenth of the way to where this quarter
	 * frame says we are */
	if (c->qf_known && c->speed > 0) {
		double err = midi_tc_diff(position_at(c, now), c->qf_frames, c->rate);

		if (fabs(err) > CHASE_SNAP_FRAMES)
			anchor(c, now, c->qf_frames, 1);
		else
			anchor(c, now, position_at(c, now) + CHASE_GAIN * err, 1);
	}
}

void midi_chase_full_frame(struct midi_chase *c, const struct midi_tc *tc, uint64_t now)
{
	double frames = (double)midi_tc_to_frames(tc);

	c->full_frames++;
	if (c->state != MIDI_CHASE_IDLE &&
	    (fabs(midi_tc_diff(position_at(c, now), frames, tc->rate)) > CHASE_JUMP_FRAMES ||
	     tc->rate != c->rate))
		c->jumps++;
	c->rate = tc->rate;
	c->have_rate = true;
	c->state = MIDI_CHASE_STOPPED;
	c->qf_known = false;
	c->have_mask = 0;
	c->last_piece = -1;
	c->confirmations = 0;
	anchor(c, now, frames, 0);
}

void midi_chase_tick(struct midi_chase *c, uint64_t now)
{
	uint64_t since = now >= c->last_qf_ns ? now - c->last_qf_ns : 0;
	uint64_t drop = dropout_ns(c);

	if ((c->state == MIDI_CHASE_LOCKED || c->state == MIDI_CHASE_LOCKING) && c->speed > 0 &&
	    since > drop) {
		c->state = MIDI_CHASE_FREEWHEEL;
		c->dropouts++;
		c->qf_known = false;
		c->have_mask = 0;
		c->last_piece = -1;
	}
	if (c->state == MIDI_CHASE_FREEWHEEL && since > (c->freewheel_ns > drop ? c->freewheel_ns
										 : drop)) {
		anchor(c, now, position_at(c, now), 0);
		c->state = MIDI_CHASE_STOPPED;
	}
}

uint64_t midi_chase_next_ns(const struct midi_chase *c)
{
	uint64_t drop = dropout_ns(c);

	if ((c->state == MIDI_CHASE_LOCKED || c->state == MIDI_CHASE_LOCKING) && c->speed > 0)
		return c->last_qf_ns + drop + 1;
	if (c->state == MIDI_CHASE_FREEWHEEL)
		return c->last_qf_ns + (c->freewheel_ns > drop ? c->freewheel_ns : drop) + 1;
	return 0;
}

/* ---- the generator -------------------------------------------------------------------------- */

static double qf_period_ns(enum midi_tc_rate rate)
{
	return 1e9 / (4.0 * midi_tc_fps(rate));
}

void midi_mtc_gen_start(struct midi_mtc_gen *g, enum midi_tc_rate rate, int64_t start_frames,
			uint64_t now_ns)
{
	memset(g, 0, sizeof *g);
	g->rate = rate;
	g->start_frames = start_frames;
	g->t0_ns = now_ns;
}

int midi_mtc_gen_due(struct midi_mtc_gen *g, uint64_t now_ns, uint8_t out[][2], int max)
{
	if (now_ns < g->t0_ns)
		return 0;
	int64_t q_now = (int64_t)floor((double)(now_ns - g->t0_ns) / qf_period_ns(g->rate));
	int n = 0;

	if (q_now < g->next_q)
		return 0;
	if (q_now - g->next_q >= 4) {
		/* a frame or more late: sending stale pieces now would tell
		 * receivers a time already past; start again at the next cycle */
		g->next_q = (q_now / 8 + 1) * 8;
		g->skipped++;
		return 0;
	}
	while (g->next_q <= q_now && n < max) {
		struct midi_tc tc;

		midi_tc_from_frames(g->start_frames + 2 * (g->next_q / 8), g->rate, &tc);
		out[n][0] = 0xF1;
		out[n][1] = midi_mtc_piece(&tc, (int)(g->next_q % 8));
		n++;
		g->next_q++;
	}
	return n;
}

uint64_t midi_mtc_gen_next_ns(const struct midi_mtc_gen *g)
{
	return g->t0_ns + (uint64_t)ceil((double)g->next_q * qf_period_ns(g->rate));
}

void midi_mtc_gen_time(const struct midi_mtc_gen *g, uint64_t now_ns, struct midi_tc *out)
{
	double elapsed = now_ns > g->t0_ns ? (double)(now_ns - g->t0_ns) : 0;

	midi_tc_from_frames(g->start_frames + (int64_t)floor(elapsed * midi_tc_fps(g->rate) / 1e9),
			    g->rate, out);
}
