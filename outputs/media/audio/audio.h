/*
 * audio.h - audio cues: sound files played, faded, looped and mixed beside
 * the lights, out of one SDL2 audio device.
 *
 * Three threads. Whoever commands (the control thread; any thread may)
 * calls gl_audio_play() and the other commands: each is one item pushed
 * on a bounded lock-free ring, never a wait. The feed thread (audio_feed.c,
 * not realtime) takes them, opens and decodes files with libsndfile,
 * converts them to the device's rate with SDL_AudioStream and keeps each
 * playing sound's sample ring filled a read-ahead ahead; it also opens the
 * device, notices when it vanishes and reopens it when it returns. The
 * mixer (audio_mix.c, SDL's audio callback) mixes only what is already in
 * those rings: no lock, no allocation, no file I/O (test_audio_noalloc
 * checks). What the mixer did - levels, running sounds, counters - comes
 * back as a snapshot any thread may read at any time (gl_audio_state()).
 *
 * Errors at run time (a file that cannot be read, a device that vanished,
 * every voice busy), and the news that a device is back, are lines
 * gl_audio_take_message() hands out, one reader.
 */
#ifndef GL_AUDIO_H
#define GL_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outputs/options.h"

#define GL_AUDIO_CHANNELS 2          /* output channels (stereo) */
#define GL_AUDIO_VOICES_MAX 64       /* sounds playing at once, at most */
#define GL_AUDIO_NAME_MAX 48
#define GL_AUDIO_WHAT_MAX 160        /* "show.lua:12: cue 3" before errors */
#define GL_AUDIO_PATH_MAX 1024
#define GL_AUDIO_LEVEL_MIN_DB -120.0 /* levels below are silence */
#define GL_AUDIO_LEVEL_MAX_DB 12.0

/* ---- options --------------------------------------------------------------------- */

struct gl_audio_config {
	char driver[32];             /* SDL audio driver; "" = SDL's choice */
	char device[256];            /* output device by name; "" = the default */
	int rate;                    /* Hz */
	int buffer_frames;           /* the device's buffer */
	double readahead_s;          /* decoded ahead of the mixer, per sound */
	int voices;                  /* sounds at once */
	double panic_s;              /* PANIC's fade */
	int resampling;              /* 0 fast, 1 medium, 2 best (libsamplerate) */
};

/* The `audio { ... }` declaration's options (outputs/options.h). */
extern const struct gl_opt_table gl_audio_options;

/* The defaults, then `given` on top. Returns 0 or GL_EINVAL with
 * "name: what is wrong" in err. */
int gl_audio_config_parse(const struct gl_option *given, int count, struct gl_audio_config *cfg,
			  char *err, size_t err_len);

/* ---- files ------------------------------------------------------------------------- */

struct gl_audio_file_info {
	int rate;
	int channels;
	int64_t frames;
	double length_s;
	char format[64];             /* "WAV (Microsoft), 16 bit" */
};

/* Whether `path` is a sound this part can play: a regular file libsndfile
 * opens (WAV, AIFF, FLAC, Ogg Vorbis/Opus, MP3) with 1..8 channels. Any
 * thread, does file I/O. Returns 0, or GL_EIO / GL_EINVAL with why
 * ("No such file or directory", "not a regular file", libsndfile's
 * reason). */
int gl_audio_probe(const char *path, struct gl_audio_file_info *info, char *why, size_t len);

/* ---- the running part -------------------------------------------------------------- */

struct gl_audio;

/* Starts the feed thread and opens the device. A device that cannot be
 * opened is not fatal: it is reported (gl_audio_take_message) and tried
 * again every second; meanwhile sounds advance on a stand-in clock, so a
 * device that comes back finds them where the show is. Returns NULL with
 * err when SDL's audio cannot start at all or out of memory. */
struct gl_audio *gl_audio_create(const struct gl_audio_config *cfg, char *err, size_t err_len);
/* Stops the threads and closes the device. NULL is a no-op. */
void gl_audio_destroy(struct gl_audio *a);

enum gl_audio_curve {
	GL_AUDIO_CURVE_DB,           /* straight in decibels (from -60 dB at silence) */
	GL_AUDIO_CURVE_LINEAR,       /* straight in amplitude */
	GL_AUDIO_CURVE_S,            /* smoothstep in amplitude */
	GL_AUDIO_CURVE_EQUAL_POWER,  /* sine rising, cosine falling: crossfades keep power */
	GL_AUDIO_CURVE_COUNT
};

/* "db", "linear", "s", "equal_power"; the curve of a name, or -1. */
const char *gl_audio_curve_name(enum gl_audio_curve c);
int gl_audio_curve_find(const char *name);

/* A sound to start. Strings are copied. */
struct gl_audio_cue {
	const char *path;            /* opened by the feed thread */
	const char *name;            /* shown in status; NULL: the file's name */
	const char *what;            /* prefixes its errors ("show.lua:12: cue 3"); may be NULL */
	int tag;                     /* matched by GL_AUDIO_TAG (the show's sound name) */
	int group;                   /* matched by GL_AUDIO_GROUP (the cue list) */
	double level_db;             /* GL_AUDIO_LEVEL_MIN_DB..GL_AUDIO_LEVEL_MAX_DB */
	double pan;                  /* balance -1 (left) .. 1 (right) */
	double start_s;              /* offset into the file */
	double end_s;                /* where it ends; <= 0: the file's end */
	int loops;                   /* times through start..end; 0 = until stopped */
	bool devamp;                 /* gl_audio_devamp() leaves the loop at its end */
	double fade_in_s, fade_out_s;/* fade_out: before the end, and what stop uses */
	enum gl_audio_curve curve;
	uint64_t at_ns;              /* monotonic time its first sample should be
				      * heard; 0 (or past): as soon as it is ready */
};

enum gl_audio_match_kind { GL_AUDIO_ALL, GL_AUDIO_ID, GL_AUDIO_TAG, GL_AUDIO_GROUP };

/* Which playing sounds a command acts on. */
struct gl_audio_match {
	enum gl_audio_match_kind kind;
	int64_t value;
};

/* The commands. Any thread; none waits. Each returns 0, GL_EFULL when the
 * command ring is full (dropped: the feed thread is not keeping up), or
 * GL_EINVAL for a bad value. What a command finds wrong later (a file
 * that does not open) is an error line (gl_audio_take_message). */

/* Starts a sound; *id (may be NULL) gets its id (GL_AUDIO_ID). */
int gl_audio_play(struct gl_audio *a, const struct gl_audio_cue *cue, uint32_t *id);
/* Fades the matching sounds out over fade_s and ends them; fade_s < 0:
 * each one's own fade_out (at least a de-click of a few ms). A stop never
 * lengthens a stop already under way. */
int gl_audio_stop(struct gl_audio *a, struct gl_audio_match m, double fade_s);
/* Moves the matching sounds' level to level_db (-INFINITY: silence) over
 * time_s along curve; stop: end them when the fade is done. */
int gl_audio_fade(struct gl_audio *a, struct gl_audio_match m, double level_db, double time_s,
		  enum gl_audio_curve curve, bool stop);
/* Pause holds a sound where it is (after a de-click of a few ms); resume
 * goes on from there: no sample is lost or played twice. */
int gl_audio_pause(struct gl_audio *a, struct gl_audio_match m);
int gl_audio_resume(struct gl_audio *a, struct gl_audio_match m);
/* Looping sounds with devamp leave their loop at the end of the pass they
 * are in, and end (with their fade_out) there. */
int gl_audio_devamp(struct gl_audio *a, struct gl_audio_match m);
/* Every sound, started or still to start, fades out over the configured
 * panic time (at most a second). */
int gl_audio_panic(struct gl_audio *a);
/* The master: a fader's position 0..1, square law (half way is -12 dB).
 * Moves are smoothed over 20 ms. */
void gl_audio_set_master(struct gl_audio *a, float fader);

/* ---- what it is doing ---------------------------------------------------------------- */

enum gl_audio_voice_state {
	GL_AUDIO_WAITING,            /* to start at its time */
	GL_AUDIO_PLAYING,
	GL_AUDIO_PAUSED,
	GL_AUDIO_STOPPING,           /* fading out to its end */
};

const char *gl_audio_state_name(enum gl_audio_voice_state s);

struct gl_audio_voice_info {
	uint32_t id;
	int tag, group;
	char name[GL_AUDIO_NAME_MAX];
	enum gl_audio_voice_state state;
	double position_s;           /* in the file */
	double remaining_s;          /* < 0: until stopped (an endless loop) */
	double level_db;             /* its level now (fades included) */
	int pass, loops;             /* pass 1..loops through its loop; loops 0 = endless */
	uint64_t start_frame;        /* device frame of its first sample */
};

/* A sound as one line (the status screen, the console): state, name,
 * position, what is left (or "looping"), level, and the pass of a loop. */
void gl_audio_voice_text(const struct gl_audio_voice_info *v, char *buf, size_t len);

struct gl_audio_state {
	uint64_t time_ns;            /* when the mixer last ran */
	uint64_t frames;             /* mixed since the start (the device timeline) */
	/* The mixer's clock: the buffer starting at device frame clock_frame
	 * was mixed at clock_ns, one buffer of clock_frames_per_period frames
	 * each clock_period_ns (jitter filtered, the device's real rate
	 * followed). */
	uint64_t clock_ns, clock_frame;
	double clock_period_ns;
	int clock_frames_per_period;
	int rate, buffer_frames;
	float peak[GL_AUDIO_CHANNELS];  /* output level, linear: falls 20 dB in 1.7 s */
	float rms[GL_AUDIO_CHANNELS];   /* 300 ms average, linear */
	float master;                /* the master's gain now */
	bool device_ok;              /* false: no device, or it vanished */
	uint64_t underruns;          /* frames a playing sound had no decoded data for */
	uint64_t late_callbacks;     /* the device called more than 1.5 buffers late */
	uint64_t clipped;            /* output samples beyond full scale */
	uint64_t late_starts;        /* sounds that began after their time */
	uint64_t callbacks;
	uint64_t mix_ns_last, mix_ns_max, mix_ns_total;  /* the mixer's own time */
	uint64_t feed_cpu_ns;        /* CPU time of the feed thread */
	int voice_count;
	struct gl_audio_voice_info voices[GL_AUDIO_VOICES_MAX];
};

/* The newest snapshot. Any thread, any number of readers; never waits on
 * the mixer (a seqlock: a read overlapping a write is retried). */
void gl_audio_state(struct gl_audio *a, struct gl_audio_state *out);

/* The device timeline's frame being mixed at monotonic time t_ns (for
 * latency measurements: a start frame minus this at the GO). Any thread. */
double gl_audio_frame_at(struct gl_audio *a, uint64_t t_ns);

/* The device as opened ("default" or its name), and the SDL driver. */
const char *gl_audio_device_name(const struct gl_audio *a);
const char *gl_audio_driver_name(const struct gl_audio *a);

/* The next line the feed thread has to say, oldest first (*error: an
 * error, not news); false when none. One reader thread. */
bool gl_audio_take_message(struct gl_audio *a, char *buf, size_t len, bool *error);

/* ---- devices ------------------------------------------------------------------------- */

#define GL_AUDIO_LIST_MAX 32

struct gl_audio_device_list {
	char driver[32];             /* the SDL driver in use */
	char error[160];             /* why nothing is listed, when nothing is */
	int count;
	char names[GL_AUDIO_LIST_MAX][128];
	char default_name[128];      /* "" when the driver cannot say */
	int default_rate, default_channels;
};

/* Lists the output devices of the SDL driver `driver` ("" = SDL's choice).
 * Not while a gl_audio runs. Returns the count, or -1 (list->error). */
int gl_audio_list_devices(const char *driver, struct gl_audio_device_list *list);

#endif
