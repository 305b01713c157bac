/*
 * audio_mix.c - the mixer: SDL's audio callback (or, while no device is
 * open, the feed thread's stand-in clock) adds up the voices' decoded
 * samples with their fades, pause ramps and balance, applies the master,
 * measures the output, and publishes the state.
 *
 * Realtime: runs on one mixer at a time (audio_internal.h: owner), touches
 * only memory sized at create, takes no lock, allocates nothing and does
 * no I/O; test_audio_noalloc interposes the allocator and the locks on
 * the callback thread to prove it. Everything it learns from other threads
 * arrives on the message ring and the voices' sample rings; everything it
 * tells them leaves as ring positions, `done` flags, and the seqlock'd
 * state.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "audio_internal.h"
#include "engine/engine.h"

#define MIX_DLL_BANDWIDTH_HZ 1.0
#define PEAK_FALL_DB 20.0            /* IEC 60268-18: 20 dB in 1.7 s */
#define PEAK_FALL_S 1.7
#define RMS_TAU_S 0.3

float audio_curve_gain(enum gl_audio_curve c, float from, float to, float x)
{
	if (!(x > 0.0f))
		return from;
	if (x >= 1.0f)
		return to;
	switch (c) {
	case GL_AUDIO_CURVE_LINEAR:
		return from + (to - from) * x;
	case GL_AUDIO_CURVE_S:
		return from + (to - from) * (x * x * (3.0f - 2.0f * x));
	case GL_AUDIO_CURVE_EQUAL_POWER:
		if (to >= from)
			return from + (to - from) * sinf(x * (float)M_PI_2);
		return to + (from - to) * cosf(x * (float)M_PI_2);
	case GL_AUDIO_CURVE_DB:
	default: {
		/* straight in dB: exponential in amplitude, from the floor
		 * when an end is silence */
		float f = from > AUDIO_DB_FLOOR_GAIN ? from : AUDIO_DB_FLOOR_GAIN;
		float t = to > AUDIO_DB_FLOOR_GAIN ? to : AUDIO_DB_FLOOR_GAIN;

		return f * powf(t / f, x);
	}
	}
}

/* ---- the clock: device frames <-> monotonic time ------------------------------------ */

/* A delay-locked loop on the callbacks' times (F. Adriaensen, "Using a
 * DLL to filter time"): it smooths the wake-up jitter out of the frame
 * clock and follows a device whose rate differs from its nominal one. It
 * locks on from the average of the first callbacks, since a device may
 * call at quite another pace than its buffer says (SDL's disk driver runs
 * faster than real time when asked to). */
#define CLOCK_ACQUIRE_CALLBACKS 16

static void clock_update(struct gl_audio *a, struct audio_mixer *m, int who, uint64_t now,
			 int frames)
{
	double nominal = (double)frames * 1e9 / (double)a->cfg.rate;
	struct gl_audio_state *st = &m->pub;

	st->clock_frame = m->frames;
	st->clock_frames_per_period = frames;
	if (m->last_owner != who || !m->have_clock) {
		m->last_owner = who;
		m->have_clock = true;
		m->acquired = 0;
		m->acquire_t0 = now;
		st->clock_period_ns = nominal;
		m->offset_ns = (double)now;
		m->last_cb_ns = 0;
	} else if (m->acquired < CLOCK_ACQUIRE_CALLBACKS) {
		m->acquired++;
		st->clock_period_ns = (double)(now - m->acquire_t0) / m->acquired;
		m->offset_ns = (double)now;
	} else {
		double period = st->clock_period_ns;
		double omega = 2.0 * M_PI * MIX_DLL_BANDWIDTH_HZ * period / 1e9;
		double predicted = m->offset_ns + period;
		double e = (double)now - predicted;

		if (fabs(e) > 4.0 * period) {   /* a stall: lock on again */
			m->have_clock = false;
			m->offset_ns = (double)now;
		} else {
			m->offset_ns = predicted + M_SQRT2 * omega * e;
			st->clock_period_ns += omega * omega * e;
		}
	}
	if (who != AUDIO_MIXER_STANDIN && m->last_cb_ns &&
	    (double)(now - m->last_cb_ns) > 1.5 * st->clock_period_ns)
		m->late_callbacks++;
	m->last_cb_ns = now;
	st->clock_ns = (uint64_t)m->offset_ns;
}

/* The device frame being mixed at time t, by the clock as it stands. */
static double frame_at(const struct audio_mixer *m, uint64_t t)
{
	const struct gl_audio_state *st = &m->pub;

	return (double)st->clock_frame + ((double)t - (double)st->clock_ns) *
	       (double)st->clock_frames_per_period / st->clock_period_ns;
}

/* ---- commands ------------------------------------------------------------------------ */

static bool matches(const struct mix_voice *v, struct gl_audio_match m)
{
	switch (m.kind) {
	case GL_AUDIO_ALL:
		return true;
	case GL_AUDIO_ID:
		return v->s.id == (uint32_t)m.value;
	case GL_AUDIO_TAG:
		return v->s.tag == m.value;
	case GL_AUDIO_GROUP:
		return v->s.group == m.value;
	}
	return false;
}

static void finish(struct gl_audio *a, int i)
{
	struct mix_voice *v = &a->mix[i];

	v->active = false;
	atomic_store_explicit(&a->slots[i].done, 1, memory_order_release);
}

static void fade_to(struct mix_voice *v, float to, uint32_t len, enum gl_audio_curve curve,
		    bool then_end)
{
	v->fade = (struct mix_fade){ .active = true, .from = v->gain, .to = to, .len = len ? len : 1,
				     .curve = curve, .then_end = then_end };
}

/* Ends a voice over `len` frames, unless a stop already under way ends
 * it sooner. */
static void stop_voice(struct gl_audio *a, int i, uint32_t len, enum gl_audio_curve curve)
{
	struct mix_voice *v = &a->mix[i];

	if (v->state == GL_AUDIO_WAITING || (v->state == GL_AUDIO_PAUSED && v->pause_dir == 0)) {
		finish(a, i);           /* silent already */
		return;
	}
	if (v->state == GL_AUDIO_PAUSED) {
		v->end_when_held = true;  /* its pause ramp is the fade */
		return;
	}
	if (v->stopping && v->fade.active && v->fade.then_end && v->fade.len - v->fade.pos <= len)
		return;
	fade_to(v, 0.0f, len, curve, true);
	v->stopping = true;
	if (v->state == GL_AUDIO_PLAYING)
		v->state = GL_AUDIO_STOPPING;
}

static void start_voice(struct gl_audio *a, struct audio_mixer *m, const struct audio_start *s,
			uint64_t now)
{
	struct mix_voice *v = &a->mix[s->slot];
	float p = s->pan;

	memset(v, 0, sizeof *v);
	v->active = true;
	v->s = *s;
	/* balance: the far side falls along a quarter cosine (to exactly
	 * nothing at the end), the near side stays at unity */
	v->pan_gain[0] = p >= 1.0f ? 0.0f : p > 0.0f ? cosf(p * (float)M_PI_2) : 1.0f;
	v->pan_gain[1] = p <= -1.0f ? 0.0f : p < 0.0f ? cosf(-p * (float)M_PI_2) : 1.0f;
	v->pause_env = 1.0f;
	v->end_at = UINT64_MAX;
	v->pass = 1;
	if (s->fade_in > 0)
		fade_to(v, s->gain, s->fade_in, s->curve, false);
	else
		v->gain = s->gain;
	v->state = GL_AUDIO_PLAYING;
	v->start_frame = m->frames;
	if (s->at_ns) {
		/* heard at at_ns: mixed one device buffer before */
		double f = frame_at(m, s->at_ns) - (double)a->cfg.buffer_frames;

		if (f > (double)m->frames) {
			v->start_frame = (uint64_t)llround(f);
			v->state = GL_AUDIO_WAITING;
		} else if (f < (double)m->frames - (double)m->pub.clock_frames_per_period) {
			m->late_starts++;
		}
	}
}

static void apply(struct gl_audio *a, struct audio_mixer *m, const struct audio_msg *msg,
		  uint64_t now)
{
	uint32_t declick = (uint32_t)(AUDIO_DECLICK_S * a->cfg.rate);

	if (msg->op == AUDIO_OP_PLAY) {
		start_voice(a, m, &msg->start, now);
		return;
	}
	for (int i = 0; i < a->voices; i++) {
		struct mix_voice *v = &a->mix[i];

		if (!v->active || (msg->op != AUDIO_OP_PANIC && !matches(v, msg->match)))
			continue;
		switch (msg->op) {
		case AUDIO_OP_STOP: {
			int64_t len = msg->frames < 0 ? v->s.fade_out : msg->frames;

			stop_voice(a, i, len > declick ? (uint32_t)len : declick, v->s.curve);
			break;
		}
		case AUDIO_OP_PANIC:
			stop_voice(a, i, (uint32_t)a->panic_frames, GL_AUDIO_CURVE_LINEAR);
			break;
		case AUDIO_OP_FADE:
			if (v->stopping)
				break;  /* a fade never brings back a sound on its way out */
			fade_to(v, msg->gain, msg->frames > declick ? (uint32_t)msg->frames : declick,
				msg->curve, msg->stop);
			v->stopping = msg->stop;
			if (msg->stop && v->state == GL_AUDIO_PLAYING)
				v->state = GL_AUDIO_STOPPING;
			v->end_fading = true;   /* this fade, not the cue's fade_out, rules */
			break;
		case AUDIO_OP_PAUSE:
			if (v->state == GL_AUDIO_WAITING) {
				finish(a, i);   /* it had not begun: nothing to hold */
			} else if (v->state != GL_AUDIO_PAUSED) {
				v->state = GL_AUDIO_PAUSED;
				v->pause_dir = -1;
			}
			break;
		case AUDIO_OP_RESUME:
			if (v->state == GL_AUDIO_PAUSED) {
				v->state = v->stopping ? GL_AUDIO_STOPPING : GL_AUDIO_PLAYING;
				v->pause_dir = 1;
			}
			break;
		case AUDIO_OP_DEVAMP:
			if (v->s.devamp && v->s.loops != 1)
				v->devamp_armed = true;
			break;
		case AUDIO_OP_PLAY:
			break;
		}
	}
}

/* ---- one voice ----------------------------------------------------------------------- */

/* Passes the marks behind the voice; finds its end when the last mark (or,
 * with devamp armed, the next pass boundary) is in view. */
static void read_marks(struct audio_slot *sl, struct mix_voice *v)
{
	uint32_t tail = atomic_load_explicit(&sl->mark_tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&sl->mark_head, memory_order_acquire);

	while (tail != head && !sl->marks[tail % AUDIO_MARKS].last &&
	       sl->marks[tail % AUDIO_MARKS].frame <= v->played) {
		v->pass++;
		v->pass_start = sl->marks[tail % AUDIO_MARKS].frame;
		tail++;
	}
	atomic_store_explicit(&sl->mark_tail, tail, memory_order_release);
	for (uint32_t k = tail; k != head && v->end_at == UINT64_MAX; k++) {
		const struct audio_mark *mk = &sl->marks[k % AUDIO_MARKS];

		if (mk->last || (v->devamp_armed && mk->frame >= v->played))
			v->end_at = mk->frame;
	}
}

static uint64_t min_u64(uint64_t x, uint64_t y)
{
	return x < y ? x : y;
}

static void mix_voice(struct gl_audio *a, struct audio_mixer *m, int i, float *out, int n)
{
	struct mix_voice *v = &a->mix[i];
	struct audio_slot *sl = &a->slots[i];
	uint64_t head = atomic_load_explicit(&sl->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&sl->tail, memory_order_relaxed);
	uint64_t cap = sl->mask + 1;
	float env_step = 1.0f / (float)(AUDIO_DECLICK_S * a->cfg.rate);
	int k = 0;
	bool ended = false;

	if (v->state == GL_AUDIO_WAITING) {
		if (v->start_frame >= m->frames + (uint64_t)n)
			return;
		k = v->start_frame > m->frames ? (int)(v->start_frame - m->frames) : 0;
		v->state = GL_AUDIO_PLAYING;
	}
	while (k < n && !ended) {
		if (v->pause_dir == 0 && v->pause_env <= 0.0f) {
			ended = v->end_when_held;   /* stopped while pausing */
			break;                      /* paused: hold, take nothing */
		}
		read_marks(sl, v);
		if (v->played >= v->end_at) {
			ended = true;
			break;
		}
		/* the cue's fade_out, timed to end with the sound */
		uint64_t end = v->end_at;
		if (end == UINT64_MAX && v->s.loops > 0 && !v->devamp_armed)
			end = (uint64_t)v->s.loops * v->s.pass_frames;
		uint64_t fade_from = end != UINT64_MAX && end > v->s.fade_out ? end - v->s.fade_out : 0;
		if (!v->end_fading && !v->stopping && v->s.fade_out > 0 && end != UINT64_MAX &&
		    v->played >= fade_from) {
			fade_to(v, 0.0f, (uint32_t)(end > v->played ? end - v->played : 1), v->s.curve,
				false);
			v->end_fading = true;
		}
		uint64_t avail = head - tail;
		if (avail == 0) {           /* the feed thread fell behind */
			m->underruns += (uint64_t)(n - k);
			break;
		}
		uint64_t seg = min_u64((uint64_t)(n - k), avail);
		seg = min_u64(seg, cap - (tail & sl->mask));
		if (v->end_at != UINT64_MAX)
			seg = min_u64(seg, v->end_at - v->played);
		if (!v->end_fading && !v->stopping && v->s.fade_out > 0 && end != UINT64_MAX &&
		    fade_from > v->played)
			seg = min_u64(seg, fade_from - v->played);
		if (v->fade.active)
			seg = min_u64(seg, v->fade.len - v->fade.pos);
		uint32_t mark_tail = atomic_load_explicit(&sl->mark_tail, memory_order_relaxed);
		if (mark_tail != atomic_load_explicit(&sl->mark_head, memory_order_acquire) &&
		    sl->marks[mark_tail % AUDIO_MARKS].frame > v->played)
			seg = min_u64(seg, sl->marks[mark_tail % AUDIO_MARKS].frame - v->played);

		const float *src = sl->buf + (tail & sl->mask) * GL_AUDIO_CHANNELS;
		float *dst = out + (size_t)k * GL_AUDIO_CHANNELS;
		if (!v->fade.active && v->pause_dir == 0) {
			float g = v->gain * v->pause_env;
			float gl = g * v->pan_gain[0], gr = g * v->pan_gain[1];

			for (uint64_t j = 0; j < seg; j++) {
				dst[2 * j] += src[2 * j] * gl;
				dst[2 * j + 1] += src[2 * j + 1] * gr;
			}
		} else {
			for (uint64_t j = 0; j < seg; j++) {
				if (v->fade.active) {
					v->fade.pos++;
					v->gain = audio_curve_gain(v->fade.curve, v->fade.from, v->fade.to,
								   (float)v->fade.pos / (float)v->fade.len);
				}
				/* every frame taken is heard, if faintly: the
				 * envelope rises before a frame and falls after */
				if (v->pause_dir > 0) {
					v->pause_env += env_step;
					if (v->pause_env >= 1.0f) {
						v->pause_env = 1.0f;
						v->pause_dir = 0;
					}
				}
				float g = v->gain * v->pause_env;

				dst[2 * j] += src[2 * j] * g * v->pan_gain[0];
				dst[2 * j + 1] += src[2 * j + 1] * g * v->pan_gain[1];
				if (v->pause_dir < 0) {
					v->pause_env -= env_step;
					if (v->pause_env <= 0.0f) {
						v->pause_env = 0.0f;
						v->pause_dir = 0;
						seg = j + 1;        /* held from the next frame */
					}
				}
			}
		}
		tail += seg;
		v->played += seg;
		k += (int)seg;
		if (v->fade.active && v->fade.pos >= v->fade.len) {
			v->fade.active = false;
			v->gain = v->fade.to;
			ended = v->fade.then_end;
		}
	}
	/* the tail before `done`: the feed thread resets the ring once done */
	atomic_store_explicit(&sl->tail, tail, memory_order_release);
	if (ended)
		finish(a, i);
}

/* ---- output -------------------------------------------------------------------------- */

static void master_and_meter(struct gl_audio *a, struct audio_mixer *m, float *out, int n)
{
	uint32_t bits = atomic_load_explicit(&a->master_bits, memory_order_relaxed);
	float target, g = m->master, step = 1.0f / (float)(AUDIO_MASTER_SLEW_S * a->cfg.rate);
	float peak[GL_AUDIO_CHANNELS] = { 0 };
	double sum[GL_AUDIO_CHANNELS] = { 0 };
	double dt = (double)n / (double)a->cfg.rate;

	memcpy(&target, &bits, sizeof target);
	for (int k = 0; k < n; k++) {
		if (g != target)
			g = fabsf(target - g) <= step ? target : g + (target > g ? step : -step);
		for (int c = 0; c < GL_AUDIO_CHANNELS; c++) {
			float x = out[k * GL_AUDIO_CHANNELS + c] * g;
			float ax = fabsf(x);

			out[k * GL_AUDIO_CHANNELS + c] = x;
			if (ax > peak[c])
				peak[c] = ax;
			if (ax > 1.0f)
				m->clipped++;
			sum[c] += (double)x * x;
		}
	}
	m->master = g;
	float fall = powf(10.0f, (float)(-PEAK_FALL_DB / 20.0 * dt / PEAK_FALL_S));
	float alpha = (float)(1.0 - exp(-dt / RMS_TAU_S));
	for (int c = 0; c < GL_AUDIO_CHANNELS; c++) {
		float held = m->peak[c] * fall;

		m->peak[c] = peak[c] > held ? peak[c] : held;
		m->ms[c] += ((float)(sum[c] / n) - m->ms[c]) * alpha;
	}
}

/* ---- the published state ------------------------------------------------------------- */

static void publish(struct gl_audio *a, struct audio_mixer *m, uint64_t now)
{
	struct gl_audio_state *st = &m->pub;
	double rate = (double)a->cfg.rate;
	int count = 0;

	st->time_ns = now;
	st->frames = m->frames;
	st->rate = a->cfg.rate;
	st->buffer_frames = a->cfg.buffer_frames;
	for (int c = 0; c < GL_AUDIO_CHANNELS; c++) {
		st->peak[c] = m->peak[c];
		st->rms[c] = sqrtf(m->ms[c]);
	}
	st->master = m->master;
	st->device_ok = atomic_load_explicit(&a->device_ok, memory_order_relaxed);
	st->underruns = m->underruns;
	st->late_callbacks = m->late_callbacks;
	st->clipped = m->clipped;
	st->late_starts = m->late_starts;
	st->callbacks = m->callbacks;
	st->mix_ns_last = m->mix_ns_last;
	st->mix_ns_max = m->mix_ns_max;
	st->mix_ns_total = m->mix_ns_total;
	st->feed_cpu_ns = atomic_load_explicit(&a->feed_cpu_ns, memory_order_relaxed);
	for (int i = 0; i < a->voices; i++) {
		const struct mix_voice *v = &a->mix[i];
		struct gl_audio_voice_info *vi = &st->voices[count];

		if (!v->active)
			continue;
		count++;
		vi->id = v->s.id;
		vi->tag = v->s.tag;
		vi->group = v->s.group;
		memcpy(vi->name, v->s.name, sizeof vi->name);
		vi->state = v->state;
		vi->position_s = v->s.start_s + (double)(v->played - v->pass_start) / rate;
		uint64_t end = v->end_at;
		if (end == UINT64_MAX && v->s.loops > 0 && !v->devamp_armed)
			end = (uint64_t)v->s.loops * v->s.pass_frames;
		vi->remaining_s = end == UINT64_MAX ? -1.0
				  : end > v->played ? (double)(end - v->played) / rate : 0.0;
		double db = audio_gain_to_db(v->gain * v->pause_env);
		vi->level_db = db > GL_AUDIO_LEVEL_MIN_DB ? db : GL_AUDIO_LEVEL_MIN_DB;
		vi->pass = v->pass;
		vi->loops = v->s.loops;
		vi->start_frame = v->start_frame;
	}
	st->voice_count = count;

	/* the seqlock: odd while writing; only the used words */
	size_t bytes = offsetof(struct gl_audio_state, voices) + (size_t)count * sizeof st->voices[0];
	size_t words = (bytes + 7) / 8;
	uint32_t seq = atomic_load_explicit(&a->pub.seq, memory_order_relaxed);

	atomic_store_explicit(&a->pub.seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (size_t w = 0; w < words; w++) {
		uint64_t x;

		memcpy(&x, (const char *)st + w * 8, sizeof x);
		atomic_store_explicit(&a->pub.words[w], x, memory_order_relaxed);
	}
	atomic_store_explicit(&a->pub.seq, seq + 2, memory_order_release);
}

static void mix(struct gl_audio *a, int who, float *out, int n)
{
	struct audio_mixer *m = &a->mixer;
	uint64_t t0 = gl_now_ns();
	struct audio_msg msg;

	m->callbacks++;
	clock_update(a, m, who, t0, n);
	/* bounded: the ring holds at most AUDIO_MSG_RING */
	for (int i = 0; i < AUDIO_MSG_RING && gl_spsc_pop(&a->msgs, &msg); i++)
		apply(a, m, &msg, t0);
	memset(out, 0, (size_t)n * GL_AUDIO_CHANNELS * sizeof *out);
	for (int i = 0; i < a->voices; i++)
		if (a->mix[i].active)
			mix_voice(a, m, i, out, n);
	master_and_meter(a, m, out, n);
	m->frames += (uint64_t)n;
	m->mix_ns_last = gl_now_ns() - t0;
	m->mix_ns_total += m->mix_ns_last;
	if (m->mix_ns_last > m->mix_ns_max)
		m->mix_ns_max = m->mix_ns_last;
	publish(a, m, t0);
}

void audio_sdl_callback(void *userdata, uint8_t *stream, int len)
{
	struct audio_dev *d = userdata;

	audio_mix_run(d->a, d->who, (float *)(void *)stream,
		      len / (int)(sizeof(float) * GL_AUDIO_CHANNELS));
}

void audio_mix_run(struct gl_audio *a, int who, float *out, int frames)
{
	/* Dekker-style with the feed thread's handover (seq_cst): either it
	 * sees us busy and waits, or we see that we are no longer the owner */
	atomic_store(&a->busy[who], 1);
	if (atomic_load(&a->owner) != who) {
		atomic_store(&a->busy[who], 0);
		memset(out, 0, (size_t)frames * GL_AUDIO_CHANNELS * sizeof *out);
		return;
	}
	mix(a, who, out, frames);
	atomic_store(&a->busy[who], 0);
}
