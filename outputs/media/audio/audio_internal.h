/*
 * audio_internal.h - what the three sides of the audio part share: the
 * command and message items on the rings between them, each voice's
 * sample ring (the feed thread writes, the mixer reads), the mixer's own
 * state, and the handle.
 *
 *   audio.c       the API (any thread): commands, state, errors, options
 *   audio_feed.c  the feed thread: files, decoding, the device
 *   audio_mix.c   the mixer (SDL's callback): no lock, no allocation, no I/O
 *
 * Invariants. A voice slot belongs to the feed thread while `used` is
 * false on the feed side; the feed thread hands it to the mixer with a
 * PLAY message and takes it back only after the mixer set `done`. Sample
 * and mark rings are single-producer (feed) single-consumer (mixer), with
 * release stores of head/tail. Exactly one mixer runs at a time: the
 * identity in `owner` (a device's callback, or the feed thread's stand-in
 * clock while no device is open); a callback that is not the owner writes
 * silence, and ownership changes only after the old owner has left the
 * mixer (busy[] and owner are sequentially consistent).
 */
#ifndef GL_AUDIO_INTERNAL_H
#define GL_AUDIO_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <sndfile.h>

#include "audio.h"
#include "engine/gl.h"
#include "engine/ring.h"

#define AUDIO_CMD_RING 256           /* commands waiting for the feed thread */
#define AUDIO_MSG_RING 1024          /* messages waiting for the mixer */
#define AUDIO_ERR_RING 64
#define AUDIO_ERR_LEN 400
#define AUDIO_MARKS 64               /* pass boundaries ahead, per voice */
#define AUDIO_DECLICK_S 0.005        /* shortest fade at a cut (stop, pause, offsets) */
#define AUDIO_DB_FLOOR_GAIN 0.001f   /* -60 dB: where the dB curve starts from silence */
#define AUDIO_PREFILL_S 0.25         /* decoded before a sound may start: the
				      * time the feed thread may be kept away */
#define AUDIO_MASTER_SLEW_S 0.02
#define AUDIO_FEED_PERIOD_NS 10000000ull
#define AUDIO_REOPEN_NS 1000000000ull
#define AUDIO_DECODE_CHUNK 4096      /* file frames per read */
#define AUDIO_MAX_FILE_CHANNELS 8

/* Mixer identities: the devices (two, for a handover) and the stand-in. */
enum { AUDIO_MIXER_DEV0, AUDIO_MIXER_DEV1, AUDIO_MIXER_STANDIN, AUDIO_MIXERS, AUDIO_MIXER_NONE = -1 };

enum audio_op {
	AUDIO_OP_PLAY, AUDIO_OP_STOP, AUDIO_OP_FADE, AUDIO_OP_PAUSE, AUDIO_OP_RESUME,
	AUDIO_OP_DEVAMP, AUDIO_OP_PANIC,
};

/* The start of a sound, as the mixer needs it. */
struct audio_start {
	int slot;
	uint32_t id;
	int tag, group;
	float gain;                  /* the cue's level, linear */
	float pan;
	int loops;
	bool devamp;
	enum gl_audio_curve curve;
	uint32_t fade_in, fade_out;  /* frames (with the de-click minimums applied) */
	uint64_t at_ns;
	uint64_t pass_frames;        /* device frames in one pass (estimate) */
	double start_s, pass_s;      /* for positions */
	char name[GL_AUDIO_NAME_MAX];
};

/* Control side -> feed thread (MPSC). */
struct audio_cmd {
	enum audio_op op;
	struct gl_audio_match match;
	float gain;                  /* FADE: target, linear */
	double time_s;               /* FADE, STOP (< 0: each voice's own) */
	enum gl_audio_curve curve;
	bool stop;                   /* FADE: end at the end */
	/* PLAY */
	struct audio_start start;
	double start_s, end_s, fade_in_s, fade_out_s;
	char what[GL_AUDIO_WHAT_MAX];
	char path[GL_AUDIO_PATH_MAX];
};

/* Feed thread -> mixer (SPSC). */
struct audio_msg {
	enum audio_op op;
	struct gl_audio_match match;
	float gain;                  /* FADE target */
	int64_t frames;              /* FADE/STOP length; STOP < 0: the voice's fade_out */
	enum gl_audio_curve curve;
	bool stop;
	struct audio_start start;    /* PLAY */
};

/* A pass boundary (or the end) in a voice's stream of device frames. */
struct audio_mark {
	uint64_t frame;              /* frames from the voice's first */
	bool last;                   /* the end: nothing follows */
};

/* A voice's rings: samples (stereo float frames) and marks. */
struct audio_slot {
	float *buf;
	uint64_t mask;               /* capacity in frames - 1 */
	_Alignas(64) _Atomic uint64_t head;   /* frames written (feed) */
	_Alignas(64) _Atomic uint64_t tail;   /* frames read (mixer) */
	struct audio_mark marks[AUDIO_MARKS];
	_Atomic uint32_t mark_head, mark_tail;
	_Atomic int done;            /* the mixer finished with it */
};

/* ---- the mixer's own state (audio_mix.c; one mixer at a time) --------------------------- */

struct mix_fade {
	bool active;
	float from, to;
	uint32_t pos, len;
	enum gl_audio_curve curve;
	bool then_end;               /* the voice ends when the fade does */
};

struct mix_voice {
	bool active;
	enum gl_audio_voice_state state;
	struct audio_start s;
	float pan_gain[GL_AUDIO_CHANNELS];
	float gain;                  /* now, without pause */
	struct mix_fade fade;
	float pause_env;             /* 0..1 */
	int pause_dir;               /* -1 pausing, +1 resuming, 0 steady */
	bool devamp_armed;
	bool stopping;               /* a fade that ends it is under way */
	uint64_t start_frame;        /* device frame of its first sample */
	uint64_t played;             /* frames taken from its ring */
	uint64_t end_at;             /* played count where it ends; UINT64_MAX unknown */
	bool end_fading;             /* its fade_out before the end started */
	bool end_when_held;          /* stopped while its pause ramp ran */
	int pass;                    /* marks passed + 1 */
	uint64_t pass_start;         /* played count where this pass began */
};

struct audio_mixer {
	uint64_t frames;             /* device timeline */
	int last_owner;
	bool have_clock;
	int acquired;                /* callbacks averaged while locking on */
	uint64_t acquire_t0;
	double offset_ns;            /* when this buffer was mixed (filtered) */
	uint64_t last_cb_ns;
	float master;                /* gain now */
	float peak[GL_AUDIO_CHANNELS];
	float ms[GL_AUDIO_CHANNELS]; /* mean square, averaged */
	uint64_t underruns, late_callbacks, clipped, late_starts, callbacks;
	uint64_t mix_ns_last, mix_ns_max, mix_ns_total;
	struct gl_audio_state pub;   /* built here, then published */
};

/* The published state: a seqlock over words (one writer, the mixer). */
#define AUDIO_STATE_WORDS ((sizeof(struct gl_audio_state) + 7) / 8)

struct audio_pub {
	_Atomic uint32_t seq;
	_Atomic uint64_t words[AUDIO_STATE_WORDS];
};

/* A line for gl_audio_take_message (feed thread -> its reader). */
struct audio_line {
	bool error;
	char text[AUDIO_ERR_LEN];
};

/* ---- the feed thread's side of a voice (audio_feed.c) ---------------------------------- */

struct feed_voice;

/* An SDL device the mixer may run in. */
struct audio_dev {
	struct gl_audio *a;
	int who;                     /* AUDIO_MIXER_DEV0/1 */
	uint32_t id;                 /* SDL_AudioDeviceID; 0 closed */
};

struct gl_audio {
	struct gl_audio_config cfg;
	int voices;
	float panic_frames;

	struct gl_mpsc cmds;         /* any thread -> feed */
	struct gl_spsc msgs;         /* feed -> mixer */
	struct gl_spsc errors;       /* feed -> the message reader (struct audio_line) */
	_Atomic uint64_t errors_dropped;
	int wake_fd;                 /* eventfd: a command is waiting */
	_Atomic uint32_t next_id;
	_Atomic uint32_t master_bits;/* the master's target gain (float bits) */
	_Atomic uint64_t feed_cpu_ns;
	_Atomic bool device_ok;

	struct audio_slot *slots;    /* voices of them */
	struct feed_voice *feed;     /* the feed thread's */
	struct mix_voice *mix;       /* the mixer's */
	struct audio_mixer mixer;
	struct audio_pub pub;

	_Atomic int owner;           /* AUDIO_MIXER_* */
	_Atomic int busy[AUDIO_MIXERS];
	struct audio_dev devs[2];
	int dev_current;             /* feed thread: devs[] index open, -1 none */
	bool dev_lost;               /* it vanished; a replacement is being tried */
	bool open_failing;           /* said once per outage */
	struct audio_cmd pending;    /* taken, waiting for room on the mixer's ring */
	bool has_pending;
	uint64_t next_open_ns;
	uint64_t standin_t0_ns, standin_frames;
	float *standin_buf;

	float *decode_buf;           /* feed thread: AUDIO_DECODE_CHUNK x channels */
	pthread_t thread;
	bool thread_started;
	_Atomic bool stopping;
	bool sdl_ready;
	char device_name[256];
	char driver[32];
};

/* audio_mix.c */
/* The SDL callback; userdata is a struct audio_dev. */
void audio_sdl_callback(void *userdata, uint8_t *stream, int len);
/* Mixes `frames` stereo frames into out as mixer `who`: writes silence
 * when `who` does not own the mixer. Realtime: no lock, no allocation. */
void audio_mix_run(struct gl_audio *a, int who, float *out, int frames);
/* Linear gain of a fade at x (0..1) from `from` to `to`. */
float audio_curve_gain(enum gl_audio_curve c, float from, float to, float x);

/* audio_feed.c */
/* Opens a sound for reading: a regular file libsndfile reads, 1..8
 * channels, some samples. NULL with why otherwise. Any thread, but
 * libsndfile's error text is global: not two threads at once. */
SNDFILE *audio_open_file(const char *path, SF_INFO *info, char *why, size_t len);
int audio_feed_init(struct gl_audio *a, char *err, size_t len);
void audio_feed_free(struct gl_audio *a);
/* The first device open (create), then the thread. */
void audio_feed_open_first(struct gl_audio *a);
void *audio_feed_thread(void *arg);
/* Closes whatever device is open (the thread has stopped). */
void audio_feed_close_devices(struct gl_audio *a);
/* An error line for the reader (feed thread; create before it starts). */
void audio_error(struct gl_audio *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* dB <-> linear; -INFINITY and silence map to each other. */
float audio_db_to_gain(double db);
double audio_gain_to_db(double gain);

#endif
