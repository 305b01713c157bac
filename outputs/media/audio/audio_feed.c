/*
 * audio_feed.c - the feed thread: takes the commands, opens and decodes
 * sound files (libsndfile), converts them to the device's rate and to
 * stereo (SDL_AudioStream: SDL's resampler, none of our own), keeps each
 * playing sound's ring a read-ahead ahead of the mixer, and passes every
 * other command on to the mixer in the order it came. It also looks after
 * the device: opens it, notices when it vanished (SDL marks it stopped),
 * opens it again once a second until it returns, and meanwhile runs the
 * mixer on a stand-in clock so sounds go on in time, silently.
 *
 * Feed thread only (audio_feed_open_first: the creating thread, before the
 * thread starts). Not realtime: it allocates, reads files, takes SDL's
 * locks. A voice's decoder lives here from PLAY until the mixer marks the
 * slot done.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "audio_internal.h"
#include "engine/engine.h"

struct feed_voice {
	bool used;
	SNDFILE *sf;
	SDL_AudioStream *stream;
	int channels;
	int64_t begin, end, pos;     /* file frames */
	int loops, passes;           /* passes finished */
	uint64_t in_put;             /* file frames put into the stream */
	double ratio;                /* device rate / file rate */
	bool input_done, end_marked;
	uint64_t end_frame;          /* with input_done: device frames in all */
	int64_t padded;              /* silence pushed after the end */
	char what[GL_AUDIO_WHAT_MAX + GL_AUDIO_NAME_MAX + 16];
};

static void say(struct gl_audio *a, bool error, const char *fmt, va_list ap)
{
	struct audio_line line = { .error = error };

	vsnprintf(line.text, sizeof line.text, fmt, ap);
	if (!gl_spsc_push(&a->errors, &line))
		atomic_fetch_add(&a->errors_dropped, 1);
}

void audio_error(struct gl_audio *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(a, true, fmt, ap);
	va_end(ap);
}

/* News rather than an error (a device is back). */
static void audio_note(struct gl_audio *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void audio_note(struct gl_audio *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(a, false, fmt, ap);
	va_end(ap);
}

/* ---- files ------------------------------------------------------------------------------ */

SNDFILE *audio_open_file(const char *path, SF_INFO *info, char *why, size_t len)
{
	/* O_NONBLOCK: a FIFO named as a sound must not hang the thread */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	SNDFILE *sf;

	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, len, "not a regular file");
		return NULL;
	}
	memset(info, 0, sizeof *info);
	sf = sf_open_fd(fd, SFM_READ, info, SF_TRUE);    /* closes fd when it fails */
	if (!sf) {
		snprintf(why, len, "%s", sf_strerror(NULL));
		return NULL;
	}
	if (info->channels < 1 || info->channels > AUDIO_MAX_FILE_CHANNELS) {
		snprintf(why, len, "%d channels (1..%d can be played)", info->channels,
			 AUDIO_MAX_FILE_CHANNELS);
	} else if (info->frames <= 0 || info->samplerate <= 0) {
		snprintf(why, len, "no samples in it");
	} else {
		return sf;
	}
	sf_close(sf);
	return NULL;
}

/* ---- the device ---------------------------------------------------------------------------- */

static const char *device_label(const struct gl_audio *a)
{
	return a->cfg.device[0] ? a->cfg.device : "(default)";
}

static bool device_open(struct gl_audio *a, int d, char *why, size_t len)
{
	SDL_AudioSpec want, have;
	SDL_AudioDeviceID id;

	memset(&want, 0, sizeof want);
	want.freq = a->cfg.rate;
	want.format = AUDIO_F32SYS;
	want.channels = GL_AUDIO_CHANNELS;
	want.samples = (Uint16)a->cfg.buffer_frames;
	want.callback = audio_sdl_callback;
	want.userdata = &a->devs[d];
	/* no changes allowed: SDL converts to what the device takes, the
	 * mixer always sees float stereo at cfg.rate */
	id = SDL_OpenAudioDevice(a->cfg.device[0] ? a->cfg.device : NULL, 0, &want, &have, 0);
	if (!id) {
		snprintf(why, len, "%s", SDL_GetError());
		return false;
	}
	a->devs[d].id = id;
	return true;
}

/* Makes `to` the mixer, once whoever mixes now has left the mixer. */
static void hand_over(struct gl_audio *a, int to)
{
	atomic_store(&a->owner, AUDIO_MIXER_NONE);
	for (int w = 0; w < AUDIO_MIXERS; w++)
		while (atomic_load(&a->busy[w]))
			nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	atomic_store(&a->owner, to);
}

static void standin_start(struct gl_audio *a, uint64_t now)
{
	a->standin_t0_ns = now;
	a->standin_frames = 0;
	hand_over(a, AUDIO_MIXER_STANDIN);
}

void audio_feed_open_first(struct gl_audio *a)
{
	char why[256];

	a->dev_current = -1;
	a->next_open_ns = gl_now_ns() + AUDIO_REOPEN_NS;
	if (device_open(a, 0, why, sizeof why)) {
		a->dev_current = 0;
		hand_over(a, AUDIO_MIXER_DEV0);
		atomic_store(&a->device_ok, true);
		SDL_PauseAudioDevice(a->devs[0].id, 0);
		return;
	}
	audio_error(a, "audio: cannot open the device %s: %s (trying again every second)",
		    device_label(a), why);
	a->open_failing = true;
	standin_start(a, gl_now_ns());
}

void audio_feed_close_devices(struct gl_audio *a)
{
	atomic_store(&a->owner, AUDIO_MIXER_NONE);
	for (int d = 0; d < 2; d++) {
		if (a->devs[d].id)
			SDL_CloseAudioDevice(a->devs[d].id);
		a->devs[d].id = 0;
	}
	a->dev_current = -1;
}

/* Runs the mixer for the buffers the stand-in clock says are due; returns
 * when the next one is. */
static uint64_t standin_run(struct gl_audio *a, uint64_t now)
{
	uint64_t rate = (uint64_t)a->cfg.rate, buf = (uint64_t)a->cfg.buffer_frames;
	uint64_t due = (now - a->standin_t0_ns) * rate / GL_NS_PER_S;

	if (due > a->standin_frames + 8 * buf)      /* stalled: skip, never burst */
		a->standin_frames = due - buf;
	while (a->standin_frames + buf <= due) {
		audio_mix_run(a, AUDIO_MIXER_STANDIN, a->standin_buf, (int)buf);
		a->standin_frames += buf;
	}
	return a->standin_t0_ns + (a->standin_frames + buf) * GL_NS_PER_S / rate;
}

static void device_service(struct gl_audio *a, uint64_t now)
{
	char why[256];

	if (a->dev_current >= 0 && !a->dev_lost &&
	    SDL_GetAudioDeviceStatus(a->devs[a->dev_current].id) != SDL_AUDIO_PLAYING) {
		a->dev_lost = true;
		atomic_store(&a->device_ok, false);
		a->next_open_ns = now + AUDIO_REOPEN_NS;
		audio_error(a, "audio: the device %s vanished; sounds go on silently, trying to "
			    "open it again every second", device_label(a));
	}
	if ((a->dev_current >= 0 && !a->dev_lost) || now < a->next_open_ns)
		return;
	a->next_open_ns = now + AUDIO_REOPEN_NS;
	int d = a->dev_current < 0 ? 0 : 1 - a->dev_current;
	if (!device_open(a, d, why, sizeof why)) {
		if (!a->open_failing)
			audio_error(a, "audio: cannot open the device %s again yet: %s",
				    device_label(a), why);
		a->open_failing = true;
		return;
	}
	/* the vanished device (SDL still calls it, into nowhere) keeps the
	 * clock until the new one takes over; then it is closed */
	hand_over(a, d);
	SDL_PauseAudioDevice(a->devs[d].id, 0);
	if (a->dev_current >= 0) {
		SDL_CloseAudioDevice(a->devs[a->dev_current].id);
		a->devs[a->dev_current].id = 0;
	}
	a->dev_current = d;
	a->dev_lost = false;
	a->open_failing = false;
	atomic_store(&a->device_ok, true);
	audio_note(a, "audio: the device %s is open again", device_label(a));
}

/* ---- voices --------------------------------------------------------------------------------- */

static uint64_t ring_room(const struct gl_spsc *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return r->mask + 1 - (head - tail);
}

static bool push_mark(struct audio_slot *sl, uint64_t frame, bool last)
{
	uint32_t head = atomic_load_explicit(&sl->mark_head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&sl->mark_tail, memory_order_acquire);

	if (head - tail >= AUDIO_MARKS)
		return false;
	sl->marks[head % AUDIO_MARKS] = (struct audio_mark){ frame, last };
	atomic_store_explicit(&sl->mark_head, head + 1, memory_order_release);
	return true;
}

static void voice_close(struct gl_audio *a, int i)
{
	struct feed_voice *fv = &a->feed[i];
	struct audio_slot *sl = &a->slots[i];

	if (fv->sf)
		sf_close(fv->sf);
	if (fv->stream)
		SDL_FreeAudioStream(fv->stream);
	memset(fv, 0, sizeof *fv);
	atomic_store_explicit(&sl->head, 0, memory_order_relaxed);
	atomic_store_explicit(&sl->tail, 0, memory_order_relaxed);
	atomic_store_explicit(&sl->mark_head, 0, memory_order_relaxed);
	atomic_store_explicit(&sl->mark_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&sl->done, 0, memory_order_relaxed);
}

/* The end of the input: the mark that says where the sound ends, written
 * before its last frames (so the mixer never takes the wait for them for
 * the end). It ends where the file's frames end at the device's rate;
 * SDL 2.26's SDL_AudioStreamFlush can drop the resampler's last few
 * hundred frames, so the stream is pushed on with silence instead and
 * what comes out past the end is not used. Returns false when the mark
 * ring is full (called again later). */
static bool voice_end_input(struct feed_voice *fv, struct audio_slot *sl)
{
	fv->input_done = true;
	fv->end_frame = (uint64_t)llround((double)fv->in_put * fv->ratio);
	if (!fv->end_marked) {
		if (!push_mark(sl, fv->end_frame, true))
			return false;
		fv->end_marked = true;
	}
	return true;
}

/* Decodes into voice i's ring until `want` frames are buffered (or the
 * ring is full, or the sound's input has ended). */
static void voice_fill(struct gl_audio *a, int i, uint64_t want)
{
	struct feed_voice *fv = &a->feed[i];
	struct audio_slot *sl = &a->slots[i];
	const int frame_bytes = (int)sizeof(float) * GL_AUDIO_CHANNELS;
	uint64_t cap = sl->mask + 1;

	if (want > cap)
		want = cap;
	for (;;) {
		uint64_t head = atomic_load_explicit(&sl->head, memory_order_relaxed);
		uint64_t tail = atomic_load_explicit(&sl->tail, memory_order_acquire);

		if (head - tail >= want || (fv->input_done && head >= fv->end_frame))
			return;
		int avail = SDL_AudioStreamAvailable(fv->stream) / frame_bytes;
		if (avail > 0) {
			uint64_t n = want - (head - tail);
			uint64_t contiguous = cap - (head & sl->mask);

			if (n > contiguous)
				n = contiguous;
			if (n > (uint64_t)avail)
				n = (uint64_t)avail;
			if (fv->input_done && n > fv->end_frame - head)
				n = fv->end_frame - head;
			int got = SDL_AudioStreamGet(fv->stream, sl->buf + (head & sl->mask) *
						     GL_AUDIO_CHANNELS, (int)n * frame_bytes);
			if (got <= 0)
				return;
			atomic_store_explicit(&sl->head, head + (uint64_t)got / frame_bytes,
					      memory_order_release);
			continue;
		}
		if (fv->input_done) {
			if (!voice_end_input(fv, sl))
				return;
			/* the resampler's last frames need what follows them */
			if (fv->padded > 4 * AUDIO_DECODE_CHUNK) {
				/* (never seen) silence to the end rather than a hang */
				uint64_t n = fv->end_frame - head, contiguous = cap - (head & sl->mask);

				if (n > contiguous)
					n = contiguous;
				memset(sl->buf + (head & sl->mask) * GL_AUDIO_CHANNELS, 0,
				       n * (uint64_t)frame_bytes);
				atomic_store_explicit(&sl->head, head + n, memory_order_release);
				continue;
			}
			memset(a->decode_buf, 0, (size_t)AUDIO_DECODE_CHUNK * fv->channels *
			       sizeof(float));
			SDL_AudioStreamPut(fv->stream, a->decode_buf,
					   AUDIO_DECODE_CHUNK * fv->channels * (int)sizeof(float));
			fv->padded += AUDIO_DECODE_CHUNK;
			continue;
		}
		if (fv->pos >= fv->end) {           /* a pass ends */
			if (fv->loops != 0 && fv->passes + 1 >= fv->loops) {
				fv->passes++;
				if (!voice_end_input(fv, sl))
					return;
				continue;
			}
			if (!push_mark(sl, (uint64_t)llround((double)fv->in_put * fv->ratio), false))
				return;                 /* the mixer is a pass behind */
			fv->passes++;
			if (sf_seek(fv->sf, fv->begin, SEEK_SET) < 0) {
				audio_error(a, "%s: cannot go back to its start to loop: %s", fv->what,
					    sf_strerror(fv->sf));
				fv->loops = fv->passes + 1;   /* this pass is the last */
			}
			fv->pos = fv->begin;
			continue;
		}
		sf_count_t n = fv->end - fv->pos;
		if (n > AUDIO_DECODE_CHUNK)
			n = AUDIO_DECODE_CHUNK;
		sf_count_t got = sf_readf_float(fv->sf, a->decode_buf, n);
		if (got <= 0) {
			/* shorter than its header said (an MP3's estimate), or a
			 * read error: this is the end of every pass */
			if (fv->pos == fv->begin) {
				audio_error(a, "%s: nothing could be read: %s", fv->what,
					    sf_strerror(fv->sf));
				fv->loops = fv->passes + 1;
			}
			fv->end = fv->pos;
			continue;
		}
		if (SDL_AudioStreamPut(fv->stream, a->decode_buf,
				       (int)(got * fv->channels * (sf_count_t)sizeof(float))) != 0) {
			audio_error(a, "%s: %s", fv->what, SDL_GetError());
			fv->end = fv->pos;
			fv->loops = fv->passes + 1;
			continue;
		}
		fv->pos += got;
		fv->in_put += (uint64_t)got;
	}
}

static uint64_t frames_of(const struct gl_audio *a, double s)
{
	return s > 0 ? (uint64_t)llround(s * a->cfg.rate) : 0;
}

/* Opens the sound and hands it to the mixer. Returns false when the
 * mixer's ring has no room (the command waits). */
static bool voice_start(struct gl_audio *a, const struct audio_cmd *c)
{
	struct audio_msg msg = { .op = AUDIO_OP_PLAY, .start = c->start };
	struct feed_voice *fv;
	SF_INFO info;
	char why[256];
	int i;

	if (ring_room(&a->msgs) == 0)
		return false;
	for (i = 0; i < a->voices && a->feed[i].used; i++)
		;
	if (i == a->voices) {
		audio_error(a, "%s%saudio \"%s\": not started: all %d voices are playing", c->what,
			    c->what[0] ? ": " : "", c->start.name, a->voices);
		return true;
	}
	fv = &a->feed[i];
	snprintf(fv->what, sizeof fv->what, "%s%saudio \"%s\"", c->what, c->what[0] ? ": " : "",
		 c->start.name);
	fv->sf = audio_open_file(c->path, &info, why, sizeof why);
	if (!fv->sf) {
		audio_error(a, "%s: %s: %s", fv->what, c->path, why);
		voice_close(a, i);
		return true;
	}
	fv->channels = info.channels;
	fv->begin = (int64_t)llround(c->start_s * info.samplerate);
	fv->end = c->end_s > 0 ? (int64_t)llround(c->end_s * info.samplerate) : info.frames;
	if (fv->end > info.frames)
		fv->end = info.frames;
	if (fv->begin >= fv->end) {
		audio_error(a, "%s: %s: start %.3f s is not before its end (%.3f s)", fv->what, c->path,
			    c->start_s, (double)fv->end / info.samplerate);
		voice_close(a, i);
		return true;
	}
	if (fv->begin > 0 && sf_seek(fv->sf, fv->begin, SEEK_SET) < 0) {
		audio_error(a, "%s: %s: cannot seek to %.3f s: %s", fv->what, c->path, c->start_s,
			    sf_strerror(fv->sf));
		voice_close(a, i);
		return true;
	}
	fv->stream = SDL_NewAudioStream(AUDIO_F32SYS, (Uint8)info.channels, info.samplerate,
					AUDIO_F32SYS, GL_AUDIO_CHANNELS, a->cfg.rate);
	if (!fv->stream) {
		audio_error(a, "%s: %s: %s", fv->what, c->path, SDL_GetError());
		voice_close(a, i);
		return true;
	}
	fv->used = true;
	fv->pos = fv->begin;
	fv->loops = c->start.loops;
	fv->ratio = (double)a->cfg.rate / info.samplerate;

	/* what the mixer needs; de-clicks where the sound is cut mid-wave */
	uint32_t declick = (uint32_t)(AUDIO_DECLICK_S * a->cfg.rate);
	struct audio_start *s = &msg.start;
	s->slot = i;
	s->pass_s = (double)(fv->end - fv->begin) / info.samplerate;
	s->pass_frames = (uint64_t)llround((double)(fv->end - fv->begin) * fv->ratio);
	s->start_s = (double)fv->begin / info.samplerate;
	s->fade_in = (uint32_t)frames_of(a, c->fade_in_s);
	s->fade_out = (uint32_t)frames_of(a, c->fade_out_s);
	if (fv->begin > 0 && s->fade_in < declick)
		s->fade_in = declick;
	if (fv->end < info.frames && s->fade_out < declick)
		s->fade_out = declick;

	voice_fill(a, i, frames_of(a, AUDIO_PREFILL_S < a->cfg.readahead_s ? AUDIO_PREFILL_S
						   : a->cfg.readahead_s));
	gl_spsc_push(&a->msgs, &msg);
	return true;
}

/* One command: started, passed on, or false when the mixer's ring is full. */
static bool feed_command(struct gl_audio *a, const struct audio_cmd *c)
{
	struct audio_msg msg = { .op = c->op, .match = c->match, .gain = c->gain, .curve = c->curve,
				 .stop = c->stop };

	if (c->op == AUDIO_OP_PLAY)
		return voice_start(a, c);
	msg.frames = c->time_s < 0 ? -1 : (int64_t)frames_of(a, c->time_s);
	return gl_spsc_push(&a->msgs, &msg);
}

static void feed_commands(struct gl_audio *a)
{
	for (;;) {
		if (!a->has_pending) {
			if (!gl_mpsc_pop(&a->cmds, &a->pending))
				return;
			a->has_pending = true;
		}
		if (!feed_command(a, &a->pending))
			return;             /* the mixer is behind: later */
		a->has_pending = false;
	}
}

/* Tops up the voice with the least decoded ahead by one chunk; false
 * when every voice has its read-ahead, or cannot take more now (`stuck`:
 * voices whose marks wait for the mixer, skipped until the next period).
 * Neediest first, a chunk at a time, commands in between: a sound just
 * started (only its prefill decoded) comes before the others' bulk, and a
 * GO never waits behind a second of decoding for someone else. */
static bool feed_neediest(struct gl_audio *a, uint64_t *stuck)
{
	uint64_t want = frames_of(a, a->cfg.readahead_s), least = want;
	int pick = -1;

	for (int i = 0; i < a->voices; i++) {
		struct feed_voice *fv = &a->feed[i];
		struct audio_slot *sl = &a->slots[i];

		if (!fv->used || (*stuck >> i & 1))
			continue;
		if (atomic_load_explicit(&sl->done, memory_order_acquire)) {
			voice_close(a, i);
			continue;
		}
		uint64_t head = atomic_load_explicit(&sl->head, memory_order_relaxed);
		uint64_t ahead = head - atomic_load_explicit(&sl->tail, memory_order_acquire);
		if (ahead < least && !(fv->input_done && head >= fv->end_frame)) {
			least = ahead;
			pick = i;
		}
	}
	if (pick < 0)
		return false;
	uint64_t before = atomic_load_explicit(&a->slots[pick].head, memory_order_relaxed);
	voice_fill(a, pick, least + AUDIO_DECODE_CHUNK < want ? least + AUDIO_DECODE_CHUNK : want);
	if (atomic_load_explicit(&a->slots[pick].head, memory_order_relaxed) == before)
		*stuck |= 1ull << pick;
	return true;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * GL_NS_PER_S + (uint64_t)ts.tv_nsec;
}

void *audio_feed_thread(void *arg)
{
	struct gl_audio *a = arg;
	struct pollfd pfd = { .fd = a->wake_fd, .events = POLLIN };

	while (!atomic_load(&a->stopping)) {
		uint64_t now = gl_now_ns(), wake = now + AUDIO_FEED_PERIOD_NS, count;

		device_service(a, now);
		if (atomic_load(&a->owner) == AUDIO_MIXER_STANDIN) {
			uint64_t next = standin_run(a, now);

			if (next < wake)
				wake = next;
		}
		uint64_t stuck = 0;
		do
			feed_commands(a);
		while (feed_neediest(a, &stuck) && !atomic_load(&a->stopping) &&
		       gl_now_ns() < now + AUDIO_FEED_PERIOD_NS);
		atomic_store_explicit(&a->feed_cpu_ns, thread_cpu_ns(), memory_order_relaxed);
		now = gl_now_ns();
		int timeout_ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		if (poll(&pfd, 1, timeout_ms) > 0 && read(a->wake_fd, &count, sizeof count) < 0)
			continue;
	}
	/* SDL keeps its error text per thread and frees it only for threads
	 * it made: this one is ours, and ends before the process does */
	SDL_TLSCleanup();
	return NULL;
}

int audio_feed_init(struct gl_audio *a, char *err, size_t len)
{
	a->feed = calloc((size_t)a->voices, sizeof *a->feed);
	a->decode_buf = malloc(AUDIO_DECODE_CHUNK * AUDIO_MAX_FILE_CHANNELS * sizeof(float));
	a->standin_buf = malloc((size_t)a->cfg.buffer_frames * GL_AUDIO_CHANNELS * sizeof(float));
	if (!a->feed || !a->decode_buf || !a->standin_buf) {
		snprintf(err, len, "out of memory");
		return GL_ENOMEM;
	}
	return 0;
}

void audio_feed_free(struct gl_audio *a)
{
	for (int i = 0; a->feed && i < a->voices; i++)
		if (a->feed[i].used)
			voice_close(a, i);
	free(a->feed);
	free(a->decode_buf);
	free(a->standin_buf);
	a->feed = NULL;
}
