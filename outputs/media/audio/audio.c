/*
 * audio.c - the audio part's API (see audio.h): options, probing files,
 * listing devices, create/destroy, the commands (pushed on the command
 * ring, the feed thread woken through an eventfd), and reading what the
 * mixer published.
 *
 * Commands and state: any thread. create/destroy: one thread, the owner.
 * gl_audio_take_message: one reader thread.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <SDL.h>

#include "audio_internal.h"

/* ---- options ---------------------------------------------------------------------------- */

static const struct gl_opt audio_opts[] = {
	{ "device", GL_OPT_TEXT, 0, 255, .def_help = "the system's default",
	  GL_OPT_AT(struct gl_audio_config, device),
	  .help = "the output device, by the name `ghostlight devices` lists" },
	{ "driver", GL_OPT_TEXT, 0, 31, .def_help = "SDL's choice (or $SDL_AUDIODRIVER)",
	  GL_OPT_AT(struct gl_audio_config, driver),
	  .help = "SDL audio driver: pipewire, pulseaudio, alsa, disk (a file), dummy" },
	{ "rate", GL_OPT_INT, 8000, 192000, "48000", GL_OPT_AT(struct gl_audio_config, rate),
	  .help = "the mix's sample rate in Hz; files at other rates are converted" },
	{ "buffer", GL_OPT_INT, 64, 8192, "512", GL_OPT_AT(struct gl_audio_config, buffer_frames),
	  .help = "the device's buffer in frames: latency against safety" },
	{ "readahead", GL_OPT_REAL, 0.1, 10, "1", GL_OPT_AT(struct gl_audio_config, readahead_s),
	  .help = "seconds of each sound decoded ahead of the mixer" },
	{ "voices", GL_OPT_INT, 1, GL_AUDIO_VOICES_MAX, "32", GL_OPT_AT(struct gl_audio_config, voices),
	  .help = "sounds playing at once, at most" },
	{ "panic_fade", GL_OPT_REAL, 0.01, 1, "0.5", GL_OPT_AT(struct gl_audio_config, panic_s),
	  .help = "seconds in which PANIC fades every sound out" },
	{ "resampling", GL_OPT_CHOICE, .def = "medium", .choices = "fast|medium|best",
	  GL_OPT_AT(struct gl_audio_config, resampling),
	  .help = "quality of the rate conversion (libsamplerate through SDL_AudioStream)" },
	{ NULL },
};

const struct gl_opt_table gl_audio_options = {
	"audio", "audio cues: sound files mixed out of one SDL2 audio device (libsndfile decodes)",
	audio_opts,
};

int gl_audio_config_parse(const struct gl_option *given, int count, struct gl_audio_config *cfg,
			  char *err, size_t err_len)
{
	memset(cfg, 0, sizeof *cfg);
	return gl_opt_parse(&gl_audio_options, given, count, cfg, err, err_len);
}

/* ---- small things ------------------------------------------------------------------------ */

static const char *const curve_names[GL_AUDIO_CURVE_COUNT] = {
	[GL_AUDIO_CURVE_DB] = "db",
	[GL_AUDIO_CURVE_LINEAR] = "linear",
	[GL_AUDIO_CURVE_S] = "s",
	[GL_AUDIO_CURVE_EQUAL_POWER] = "equal_power",
};

const char *gl_audio_curve_name(enum gl_audio_curve c)
{
	return c >= 0 && c < GL_AUDIO_CURVE_COUNT ? curve_names[c] : "?";
}

int gl_audio_curve_find(const char *name)
{
	for (int c = 0; name && c < GL_AUDIO_CURVE_COUNT; c++)
		if (strcmp(curve_names[c], name) == 0)
			return c;
	return -1;
}

const char *gl_audio_state_name(enum gl_audio_voice_state s)
{
	switch (s) {
	case GL_AUDIO_WAITING: return "waiting";
	case GL_AUDIO_PLAYING: return "playing";
	case GL_AUDIO_PAUSED: return "paused";
	case GL_AUDIO_STOPPING: return "stopping";
	}
	return "?";
}

void gl_audio_voice_text(const struct gl_audio_voice_info *v, char *buf, size_t len)
{
	char left[32], pass[32] = "";

	if (v->remaining_s < 0)
		snprintf(left, sizeof left, "looping");
	else
		snprintf(left, sizeof left, "%.1f s left", v->remaining_s);
	if (v->loops == 0)
		snprintf(pass, sizeof pass, " pass %d", v->pass);
	else if (v->loops > 1)
		snprintf(pass, sizeof pass, " pass %d/%d", v->pass, v->loops);
	snprintf(buf, len, "%-8s %-24.24s %7.1f s  %-12s %6.1f dB%s", gl_audio_state_name(v->state),
		 v->name, v->position_s, left, v->level_db, pass);
}

float audio_db_to_gain(double db)
{
	return db <= GL_AUDIO_LEVEL_MIN_DB ? 0.0f : (float)pow(10.0, db / 20.0);
}

double audio_gain_to_db(double gain)
{
	return gain > 0 ? 20.0 * log10(gain) : -INFINITY;
}

/* ---- files -------------------------------------------------------------------------------- */

int gl_audio_probe(const char *path, struct gl_audio_file_info *info, char *why, size_t len)
{
	SF_INFO sfi;
	SF_FORMAT_INFO major = { 0 }, sub = { 0 };
	SNDFILE *sf = audio_open_file(path, &sfi, why, len);

	if (!sf)
		return GL_EIO;
	memset(info, 0, sizeof *info);
	info->rate = sfi.samplerate;
	info->channels = sfi.channels;
	info->frames = sfi.frames;
	info->length_s = (double)sfi.frames / sfi.samplerate;
	major.format = sfi.format & SF_FORMAT_TYPEMASK;
	sub.format = sfi.format & SF_FORMAT_SUBMASK;
	if (sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof major) == 0 &&
	    sf_command(NULL, SFC_GET_FORMAT_INFO, &sub, sizeof sub) == 0)
		snprintf(info->format, sizeof info->format, "%s, %s", major.name, sub.name);
	sf_close(sf);
	return 0;
}

/* ---- SDL's audio ---------------------------------------------------------------------------- */

/* SDL_INIT_AUDIO with the driver asked for; SDL must not take SIGINT and
 * SIGTERM from `play`'s signal thread. */
static int sdl_audio_up(const char *driver, char *err, size_t len)
{
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (driver && driver[0])
		SDL_SetHint(SDL_HINT_AUDIODRIVER, driver);
	if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
		snprintf(err, len, "no audio: %s%s%s", driver && driver[0] ? driver : "",
			 driver && driver[0] ? ": " : "", SDL_GetError());
		return GL_EIO;
	}
	return 0;
}

int gl_audio_list_devices(const char *driver, struct gl_audio_device_list *list)
{
	SDL_AudioSpec spec;
	char *name = NULL;

	memset(list, 0, sizeof *list);
	if (sdl_audio_up(driver, list->error, sizeof list->error) < 0)
		return -1;
	snprintf(list->driver, sizeof list->driver, "%s", SDL_GetCurrentAudioDriver());
	int n = SDL_GetNumAudioDevices(0);
	for (int i = 0; i < n && list->count < GL_AUDIO_LIST_MAX; i++) {
		const char *d = SDL_GetAudioDeviceName(i, 0);

		if (d)
			snprintf(list->names[list->count++], sizeof list->names[0], "%s", d);
	}
	if (SDL_GetDefaultAudioInfo(&name, &spec, 0) == 0) {
		snprintf(list->default_name, sizeof list->default_name, "%s", name ? name : "");
		list->default_rate = spec.freq;
		list->default_channels = spec.channels;
		SDL_free(name);
	}
	SDL_QuitSubSystem(SDL_INIT_AUDIO);
	return list->count;
}

/* ---- create / destroy ----------------------------------------------------------------------- */

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

struct gl_audio *gl_audio_create(const struct gl_audio_config *cfg, char *err, size_t err_len)
{
	struct gl_audio *a = calloc(1, sizeof *a);
	uint64_t ring_frames;

	if (!a) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	a->cfg = *cfg;
	a->voices = cfg->voices;
	a->panic_frames = (float)(cfg->panic_s * cfg->rate);
	a->wake_fd = -1;
	a->dev_current = -1;
	atomic_init(&a->owner, AUDIO_MIXER_NONE);
	gl_audio_set_master(a, 1.0f);
	a->mixer.master = 1.0f;
	a->mixer.last_owner = AUDIO_MIXER_NONE;
	/* the read-ahead and a device buffer fit in each voice's ring */
	ring_frames = pow2_at_least((uint64_t)(cfg->readahead_s * cfg->rate) +
				    (uint64_t)cfg->buffer_frames);
	a->slots = calloc((size_t)a->voices, sizeof *a->slots);
	a->mix = calloc((size_t)a->voices, sizeof *a->mix);
	if (!a->slots || !a->mix || gl_mpsc_init(&a->cmds, AUDIO_CMD_RING, sizeof(struct audio_cmd)) ||
	    gl_spsc_init(&a->msgs, AUDIO_MSG_RING, sizeof(struct audio_msg)) ||
	    gl_spsc_init(&a->errors, AUDIO_ERR_RING, sizeof(struct audio_line)) ||
	    audio_feed_init(a, err, err_len)) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	for (int i = 0; i < a->voices; i++) {
		a->slots[i].mask = ring_frames - 1;
		a->slots[i].buf = calloc(ring_frames * GL_AUDIO_CHANNELS, sizeof(float));
		if (!a->slots[i].buf) {
			snprintf(err, err_len, "out of memory (%d voices of %.1f s)", a->voices,
				 cfg->readahead_s);
			goto fail;
		}
	}
	for (int d = 0; d < 2; d++)
		a->devs[d] = (struct audio_dev){ .a = a, .who = AUDIO_MIXER_DEV0 + d };
	a->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->wake_fd < 0) {
		snprintf(err, err_len, "eventfd: %s", strerror(errno));
		goto fail;
	}
	/* SDL_AudioStream's own resampler (SDL 2.26) glitches where its
	 * buffers meet; with this hint, read when SDL's audio starts, it
	 * uses libsamplerate, which does not */
	static const char *const modes[] = { "fast", "medium", "best" };
	SDL_SetHint(SDL_HINT_AUDIO_RESAMPLING_MODE,
		    modes[cfg->resampling >= 0 && cfg->resampling < 3 ? cfg->resampling : 1]);
	if (sdl_audio_up(cfg->driver, err, err_len) < 0)
		goto fail;
	a->sdl_ready = true;
	snprintf(a->driver, sizeof a->driver, "%s", SDL_GetCurrentAudioDriver());
	snprintf(a->device_name, sizeof a->device_name, "%s", cfg->device[0] ? cfg->device : "default");
	audio_feed_open_first(a);
	if (pthread_create(&a->thread, NULL, audio_feed_thread, a) != 0) {
		snprintf(err, err_len, "cannot start the audio feed thread");
		goto fail;
	}
	a->thread_started = true;
	return a;
fail:
	gl_audio_destroy(a);
	return NULL;
}

void gl_audio_destroy(struct gl_audio *a)
{
	if (!a)
		return;
	if (a->thread_started) {
		uint64_t one = 1;

		atomic_store(&a->stopping, true);
		ssize_t w = write(a->wake_fd, &one, sizeof one);  /* else within a period */

		(void)w;
		pthread_join(a->thread, NULL);
	}
	if (a->sdl_ready)
		audio_feed_close_devices(a);
	audio_feed_free(a);         /* its streams need SDL's audio (libsamplerate) */
	if (a->sdl_ready)
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
	for (int i = 0; a->slots && i < a->voices; i++)
		free(a->slots[i].buf);
	free(a->slots);
	free(a->mix);
	gl_mpsc_free(&a->cmds);
	gl_spsc_free(&a->msgs);
	gl_spsc_free(&a->errors);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	free(a);
}

const char *gl_audio_device_name(const struct gl_audio *a)
{
	return a->device_name;
}

const char *gl_audio_driver_name(const struct gl_audio *a)
{
	return a->driver;
}

/* ---- commands ------------------------------------------------------------------------------- */

static int push(struct gl_audio *a, const struct audio_cmd *c)
{
	uint64_t one = 1;

	if (!gl_mpsc_push(&a->cmds, c))
		return GL_EFULL;
	/* a failed write (the counter full) still leaves it readable */
	ssize_t w = write(a->wake_fd, &one, sizeof one);

	(void)w;
	return 0;
}

static bool time_ok(double s)
{
	return s >= 0 && s <= 86400.0;
}

static bool match_ok(struct gl_audio_match m)
{
	return m.kind >= GL_AUDIO_ALL && m.kind <= GL_AUDIO_GROUP;
}

static bool curve_ok(enum gl_audio_curve c)
{
	return c >= 0 && c < GL_AUDIO_CURVE_COUNT;
}

int gl_audio_play(struct gl_audio *a, const struct gl_audio_cue *cue, uint32_t *id)
{
	struct audio_cmd c = { .op = AUDIO_OP_PLAY };
	struct audio_start *s = &c.start;

	if (!a || !cue || !cue->path || strlen(cue->path) >= sizeof c.path ||
	    !(cue->level_db >= GL_AUDIO_LEVEL_MIN_DB && cue->level_db <= GL_AUDIO_LEVEL_MAX_DB) ||
	    !(cue->pan >= -1.0 && cue->pan <= 1.0) || !time_ok(cue->start_s) ||
	    !(cue->end_s <= 0 || (time_ok(cue->end_s) && cue->end_s > cue->start_s)) ||
	    cue->loops < 0 || !time_ok(cue->fade_in_s) || !time_ok(cue->fade_out_s) ||
	    !curve_ok(cue->curve))
		return GL_EINVAL;
	memcpy(c.path, cue->path, strlen(cue->path) + 1);
	if (cue->name && cue->name[0]) {
		snprintf(s->name, sizeof s->name, "%s", cue->name);
	} else {
		/* the file's name, without folder and extension */
		const char *base = strrchr(cue->path, '/') ? strrchr(cue->path, '/') + 1 : cue->path;
		const char *dot = strrchr(base, '.');
		int n = dot && dot > base ? (int)(dot - base) : (int)strlen(base);

		snprintf(s->name, sizeof s->name, "%.*s", n, base);
	}
	snprintf(c.what, sizeof c.what, "%s", cue->what ? cue->what : "");
	s->id = atomic_fetch_add(&a->next_id, 1) + 1;
	s->tag = cue->tag;
	s->group = cue->group;
	s->gain = audio_db_to_gain(cue->level_db);
	s->pan = (float)cue->pan;
	s->loops = cue->loops;
	s->devamp = cue->devamp;
	s->curve = cue->curve;
	s->at_ns = cue->at_ns;
	c.start_s = cue->start_s;
	c.end_s = cue->end_s;
	c.fade_in_s = cue->fade_in_s;
	c.fade_out_s = cue->fade_out_s;
	int rc = push(a, &c);
	if (rc == 0 && id)
		*id = s->id;
	return rc;
}

int gl_audio_stop(struct gl_audio *a, struct gl_audio_match m, double fade_s)
{
	if (!a || !match_ok(m) || !(fade_s < 0 || time_ok(fade_s)))
		return GL_EINVAL;
	return push(a, &(struct audio_cmd){ .op = AUDIO_OP_STOP, .match = m,
					    .time_s = fade_s < 0 ? -1.0 : fade_s });
}

int gl_audio_fade(struct gl_audio *a, struct gl_audio_match m, double level_db, double time_s,
		  enum gl_audio_curve curve, bool stop)
{
	if (!a || !match_ok(m) || !time_ok(time_s) || !curve_ok(curve) || isnan(level_db) ||
	    level_db > GL_AUDIO_LEVEL_MAX_DB)
		return GL_EINVAL;
	return push(a, &(struct audio_cmd){ .op = AUDIO_OP_FADE, .match = m, .time_s = time_s,
					    .gain = audio_db_to_gain(level_db), .curve = curve,
					    .stop = stop });
}

int gl_audio_pause(struct gl_audio *a, struct gl_audio_match m)
{
	if (!a || !match_ok(m))
		return GL_EINVAL;
	return push(a, &(struct audio_cmd){ .op = AUDIO_OP_PAUSE, .match = m });
}

int gl_audio_resume(struct gl_audio *a, struct gl_audio_match m)
{
	if (!a || !match_ok(m))
		return GL_EINVAL;
	return push(a, &(struct audio_cmd){ .op = AUDIO_OP_RESUME, .match = m });
}

int gl_audio_devamp(struct gl_audio *a, struct gl_audio_match m)
{
	if (!a || !match_ok(m))
		return GL_EINVAL;
	return push(a, &(struct audio_cmd){ .op = AUDIO_OP_DEVAMP, .match = m });
}

int gl_audio_panic(struct gl_audio *a)
{
	if (!a)
		return GL_EINVAL;
	return push(a, &(struct audio_cmd){ .op = AUDIO_OP_PANIC });
}

void gl_audio_set_master(struct gl_audio *a, float fader)
{
	uint32_t bits;
	float gain;

	if (!a)
		return;
	if (!(fader >= 0.0f))
		fader = 0.0f;
	if (fader > 1.0f)
		fader = 1.0f;
	gain = fader * fader;
	memcpy(&bits, &gain, sizeof bits);
	atomic_store_explicit(&a->master_bits, bits, memory_order_relaxed);
}

/* ---- state ---------------------------------------------------------------------------------- */

void gl_audio_state(struct gl_audio *a, struct gl_audio_state *out)
{
	const size_t head_words = (offsetof(struct gl_audio_state, voices) + 7) / 8;
	uint32_t before, after;

	do {
		before = atomic_load_explicit(&a->pub.seq, memory_order_acquire);
		for (size_t w = 0; w < head_words; w++) {
			uint64_t x = atomic_load_explicit(&a->pub.words[w], memory_order_relaxed);

			memcpy((char *)out + w * 8, &x, sizeof x);
		}
		int n = out->voice_count;
		if (n < 0 || n > a->voices)
			n = 0;          /* torn: the check below retries */
		size_t words = (offsetof(struct gl_audio_state, voices) +
				(size_t)n * sizeof out->voices[0] + 7) / 8;
		for (size_t w = head_words; w < words; w++) {
			uint64_t x = atomic_load_explicit(&a->pub.words[w], memory_order_relaxed);

			memcpy((char *)out + w * 8, &x, sizeof x);
		}
		atomic_thread_fence(memory_order_acquire);
		after = atomic_load_explicit(&a->pub.seq, memory_order_relaxed);
	} while ((before & 1) || before != after);
	if (out->voice_count < 0 || out->voice_count > a->voices)
		out->voice_count = 0;
}

double gl_audio_frame_at(struct gl_audio *a, uint64_t t_ns)
{
	struct gl_audio_state st;

	gl_audio_state(a, &st);
	if (!(st.clock_period_ns > 0))
		return 0.0;
	return (double)st.clock_frame + ((double)t_ns - (double)st.clock_ns) *
	       (double)st.clock_frames_per_period / st.clock_period_ns;
}

bool gl_audio_take_message(struct gl_audio *a, char *buf, size_t len, bool *error)
{
	struct audio_line line;
	uint64_t dropped = atomic_exchange(&a->errors_dropped, 0);

	if (dropped) {
		snprintf(buf, len, "audio: %llu more messages dropped", (unsigned long long)dropped);
		*error = true;
		return true;
	}
	if (!gl_spsc_pop(&a->errors, &line))
		return false;
	snprintf(buf, len, "%s", line.text);
	*error = line.error;
	return true;
}
