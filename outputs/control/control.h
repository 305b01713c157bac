/*
 * control.h - the interface every control surface implements (OSC, MQTT,
 * MIDI), and the set of adapters `play` runs.
 *
 * An adapter is a const struct gl_control_ops, found by name ("osc") from the
 * show's declaration (`osc { port = 7700 }`). The show loader calls
 * ops->check() (no I/O) so a wrong option is reported at the show's line;
 * the control thread then create()s it, polls the fds it hands out, calls
 * service() when they are ready or its next timer is due, and passes it
 * every engine event. Everything here runs on the control thread. Adapters
 * never include scripts/: what the show must see (messages no adapter
 * address matched) goes through the host's callbacks, which app/ wires.
 * Messages are plain data (gl_ctl_msg), valid only during the call.
 */
#ifndef GL_CONTROL_H
#define GL_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "outputs/options.h"

#define GL_CONTROL_MAX_FDS 64      /* fds one adapter may ask to poll */
#define GL_CONTROL_MAX 8           /* adapters in one set */
#define GL_CTL_ARGS_MAX 32         /* arguments of one message */

/* The declaration's options, as text (outputs/options.h). */
struct gl_control_config {
	char type[32];
	int line;                  /* show-file line, 0 = not declared */
	bool declared;             /* false: the adapter runs on its defaults */
	int option_count;
	struct gl_option options[GL_OPTION_MAX];
	char show_name[GL_NAME_MAX];
	char show_dir[1024];       /* relative file options (certificates) start here; "" = cwd */
	char assets_dir[1024];     /* ghostlight's assets (MIDI maps by name); "" = none */
};

/* One argument: type is an OSC type tag ('i' 'h' 'f' 'd' 's' 'T' 'F' 'N');
 * integers in i, reals in f, strings in s; 'b' is bytes: s points at i of
 * them (an MQTT payload, not NUL-terminated for the reader). */
struct gl_ctl_arg {
	char type;
	int64_t i;
	double f;
	const char *s;
};

struct gl_ctl_msg {
	const char *peer;          /* in: "osc.udp://1.2.3.4:9000/"; out (send): destination URL */
	const char *address;       /* "/house/open" */
	int argc;
	const struct gl_ctl_arg *argv;
};

struct gl_audio;

/* The state of a media target (a video_target of the RTSP adapter), for
 * the status screen and remotes: passed on change, and every second while
 * it plays. Strings are valid during the call. */
struct gl_media_state {
	const char *kind;          /* "video" */
	const char *target;        /* the show's name for it: "wall" */
	const char *state;         /* "idle" "connecting" "setting up" "ready"
				    * "playing" "paused" "retrying" */
	bool connected;            /* its server's connection is up */
	bool ready;                /* a session is set up: PLAY is one round trip */
	bool playing;
	double position_s;         /* media position at at_ns; moves on at `rate`
				    * (the scale) times real time while playing */
	double rate;
	uint64_t at_ns;
	const char *error;         /* the last error, "" when none */
};

/* The host's memory, for remotes that watch a long run (/gl/memory):
 * -1 where unknown. */
struct gl_host_memory {
	int64_t heap_bytes;        /* every byte the process holds from malloc (glibc's
				    * count: arenas and mmapped blocks), Lua's included */
	int64_t script_bytes;      /* the show's Lua state and the host memory its
				    * scripts caused (what its memory limit counts) */
	int64_t script_limit;
};

/* What app/ gives an adapter. */
struct gl_control_host {
	struct gl_engine *engine;
	const char *show_name;     /* for adapters the show did not declare */
	void *ud;
	/* A line for the status screen / stderr; error = counted as an error. */
	void (*log)(void *ud, bool error, const char *text);
	/* A message outside the adapter's own address space (the show's
	 * on_osc handlers). Returns true when something handled it. */
	bool (*unhandled)(void *ud, const char *adapter, const struct gl_ctl_msg *msg);
	/* Optional: the show's i-th subscription for this adapter (on_mqtt
	 * topic filters), NULL past the last. Read when the adapter starts. */
	const char *(*subscription)(void *ud, const char *adapter, int i);
	/* Optional: the show's i-th declaration of a thing this adapter
	 * drives (video_target for "rtsp"), as options (its name first, as
	 * "name"); NULL past the last. Read when the adapter starts. */
	const struct gl_option *(*declaration)(void *ud, const char *adapter, int i, int *count);
	/* Optional: a media target's state changed (the status screen and
	 * the other adapters' feedback: gl_controls_media_state). */
	void (*media_state)(void *ud, const struct gl_media_state *ms);
	/* Optional: the host's memory figures, now. */
	void (*memory)(void *ud, struct gl_host_memory *out);
	/* Optional: the running audio part (outputs/media/audio/audio.h):
	 * its levels and sounds are fed back, PANIC fades it out. */
	struct gl_audio *audio;
};

struct gl_control;                 /* opaque per-adapter state */

/* Timecode an adapter chases (MIDI time code), as the control thread reads
 * it: where it is now, and whether it can be trusted. */
enum gl_tc_state {
	GL_TC_NONE,                /* no timecode heard */
	GL_TC_STOPPED,             /* located (full frame) or lost: not running */
	GL_TC_LOCKING,             /* running, not yet confirmed (after a start or jump) */
	GL_TC_LOCKED,              /* running, every time as predicted */
	GL_TC_FREEWHEEL,           /* the source went quiet: running on our clock */
};

struct gl_timecode {
	enum gl_tc_state state;
	double fps;                /* 24, 25, 29.97 (30000/1001), 30 */
	bool drop_frame;
	double frames;             /* position at now_ns: frames since 00:00:00:00
				    * (drop frame: frames that exist), fraction included */
	double seconds;            /* the same position in seconds (frames / fps) */
	int hours, minutes, secs, frame;   /* the label of the current frame */
	uint64_t jumps;            /* +1 each time the position moved other than by running */
};

/* Why an adapter dropped a message it received: one vocabulary for every
 * control surface, counted by reason and named by gl_control_drop_name()
 * in logs, closing summaries and the feedback remotes get. Each adapter
 * uses the subset it needs; a reason only some adapters use says which. */
enum gl_control_drop {
	GL_CONTROL_DROP_NONE,           /* accepted: not dropped */
	GL_CONTROL_DROP_MALFORMED,      /* does not parse: not OSC (bad bundle, bad framing),
					 * not JSON though it looks like it (MQTT), a broken
					 * MIDI byte stream, MSC or MTC message */
	GL_CONTROL_DROP_TOO_BIG,        /* OSC: oversized packet, too many messages, too deep;
					 * MQTT: payload over MQTT_PAYLOAD_MAX */
	GL_CONTROL_DROP_WRONG_TYPE,     /* OSC, MQTT: argument or payload of the wrong kind or
					 * count, unknown JSON key */
	GL_CONTROL_DROP_RANGE,          /* OSC, MQTT: value out of range (level, NaN, blackout 7) */
	GL_CONTROL_DROP_NO_SUCH_TARGET, /* no such list / cue / fader / fixture */
	GL_CONTROL_DROP_ENGINE_BUSY,    /* the engine's command ring was full */
	GL_CONTROL_DROP_UNHANDLED,      /* OSC, MQTT: outside the adapter's own commands (OSC:
					 * outside /gl; MQTT: a show filter matched) and no
					 * show handler took it */
	GL_CONTROL_DROP_NOT_ALLOWED,    /* OSC: source outside the allow-list */
	GL_CONTROL_DROP_UNKNOWN_ADDRESS,/* OSC: under /gl but no such address */
	GL_CONTROL_DROP_AMBIGUOUS,      /* OSC: a wildcard names several commands */
	GL_CONTROL_DROP_QUEUE_FULL,     /* OSC: too many bundles waiting for their timetag */
	GL_CONTROL_DROP_TIMETAG_AHEAD,  /* OSC: timetag more than an hour ahead */
	GL_CONTROL_DROP_SUBSCRIBERS,    /* OSC: subscriber slots taken (all, or this host's) */
	GL_CONTROL_DROP_CONNECTIONS,    /* OSC: TCP connections taken (all, or this host's) */
	GL_CONTROL_DROP_TOO_COSTLY,     /* OSC: a pattern too costly to match */
	GL_CONTROL_DROP_RETAINED,       /* MQTT: a retained command: stale, never fired */
	GL_CONTROL_DROP_NOT_UTF8,       /* MQTT: payload is not UTF-8 (or holds a NUL) */
	GL_CONTROL_DROP_UNKNOWN_COMMAND,/* MQTT: under cmd/ but no such command */
	GL_CONTROL_DROP_FLOOD,          /* MQTT: over rate_limit messages a second */
	GL_CONTROL_DROP_UNMAPPED,       /* MIDI: no mapping for this control or macro */
	GL_CONTROL_DROP_NOT_FOR_US,     /* MIDI: MSC for another device id or command format */
	GL_CONTROL_DROP_UNSUPPORTED,    /* MIDI: an MSC command or SET control we do not act on */
	GL_CONTROL_DROP_PICKUP,         /* MIDI: soft takeover: the control has not reached
					 * the level */
	GL_CONTROL_DROP_OVERRUN,        /* MIDI: bytes lost between RtMidi's thread and ours */
	GL_CONTROL_DROP_TOO_MANY,       /* MIDI: more commands than one message may make */
	GL_CONTROL_DROP_COUNT
};

/* The reason's name ("malformed"); "?" for a value that is not one. */
const char *gl_control_drop_name(enum gl_control_drop reason);

struct gl_control_stats {
	uint64_t received;         /* messages in */
	uint64_t dropped;          /* of those, dropped (every reason) */
	uint64_t sent;             /* messages out */
	uint64_t send_errors;
	int peers;                 /* subscribers / connections */
	char last_error[160];
	char state[64];            /* optional: "connected to 10.0.0.5:1883", "retrying in 4 s" */
};

struct gl_control_ops {
	int version;               /* 1 */
	const char *name;          /* registry name and show declaration: "osc" */
	bool default_on;           /* runs even when the show does not declare it */
	/* Every option, declared once (outputs/options.h). */
	const struct gl_opt_table *options;
	/* Load time, no I/O: checks options. Returns 0 or GL_EINVAL + err. */
	int (*check)(const struct gl_control_config *cfg, char *err, size_t err_len);
	/* Opens sockets. Returns NULL with err. */
	struct gl_control *(*create)(const struct gl_control_config *cfg,
				     const struct gl_control_host *host, char *err, size_t err_len);
	void (*destroy)(struct gl_control *c);
	/* Fills up to max pollfds; returns how many. */
	int (*poll_fds)(struct gl_control *c, struct pollfd *fds, int max);
	/* fds: what poll_fds() filled, revents set. Also runs due timers. */
	void (*service)(struct gl_control *c, const struct pollfd *fds, int count, uint64_t now_ns);
	/* Absolute monotonic time service() wants to run next; 0 = none. */
	uint64_t (*next_timer_ns)(struct gl_control *c);
	void (*on_event)(struct gl_control *c, const struct gl_event *ev);
	/* Optional: a show error or log line for remotes (error feedback). */
	void (*notify)(struct gl_control *c, const char *text);
	/* Optional: sends msg to msg->peer (a URL). Returns 0 or GL_E*. */
	int (*send)(struct gl_control *c, const struct gl_ctl_msg *msg);
	const struct gl_control_stats *(*stats)(struct gl_control *c);
	/* Optional: a URL from the command line (`play --mqtt URL`) as options,
	 * into opts (at most max). Returns the count, or GL_EINVAL + err. */
	int (*url_options)(const char *url, struct gl_option *opts, int max, char *err,
			   size_t err_len);
	/* Optional: an output started failing (error: why) or recovered
	 * (error: ""). */
	void (*output_status)(struct gl_control *c, const char *output, const char *error);
	/* Optional: what the show declares for this adapter besides its own
	 * options (video_target { "wall", url = ... } for "rtsp"): the options'
	 * table, the show's function that declares one, and the load-time
	 * check of one declaration (no I/O; 0 or GL_EINVAL + err). */
	const struct gl_opt_table *declaration_options;
	const char *declaration_function;
	int (*declaration_check)(const struct gl_option *opts, int count, char *err,
				 size_t err_len);
	/* Optional: a media target's state, for remotes (feedback). */
	void (*media_state)(struct gl_control *c, const struct gl_media_state *ms);
	/* Optional: the timecode this adapter chases, at now_ns. Returns false
	 * when it chases none. */
	bool (*timecode)(struct gl_control *c, uint64_t now_ns, struct gl_timecode *out);
	/* Optional: how this run began ("resumed after a crash: ..."), told to
	 * remotes once, as soon as the adapter can reach them (MQTT: at its
	 * first connection). Without it the adapter hears it as notify(). */
	void (*run_note)(struct gl_control *c, const char *text);
};

/* For adapters: a line through the host's log (stderr without one); an
 * error line is also kept, cut to fit, as stats->last_error. */
void gl_control_log(const struct gl_control_host *host, struct gl_control_stats *stats,
		    bool error, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* For adapters: lines about dropped messages are logged at most so many a
 * second; what a one-second window holds back is counted and told as one
 * line when the next window starts. `errors` is the adapter's own count of
 * error feedback sent to remotes in the window (MQTT, OSC). */
struct gl_control_log_window {
	uint64_t start_ns;
	int lines;                 /* drop lines logged in this window */
	int errors;
	uint64_t unlogged;         /* drop lines held back in this window */
};
/* Starts a new window when a second has passed since this one started,
 * first logging "<adapter>: N more dropped messages not logged" when lines
 * were held back. */
void gl_control_log_window_roll(struct gl_control_log_window *w,
				const struct gl_control_host *host, struct gl_control_stats *stats,
				const char *adapter, uint64_t now_ns);
/* True when one more drop line fits in this window (at most per_s of
 * them); false, and the line counted as held back, when it does not. */
bool gl_control_log_window_take(struct gl_control_log_window *w, int per_s);
/* For adapters that read the engine's state: snap's arrays, sized for e's
 * cue lists and faders (at least one element each, zeroed). Returns 0, or
 * GL_ENOMEM with what was allocated left for gl_control_snapshot_free(). */
int gl_control_snapshot_alloc(struct gl_engine *e, struct gl_snapshot *snap);
/* Frees snap's arrays; a snapshot never allocated (zeroed) is a no-op. */
void gl_control_snapshot_free(struct gl_snapshot *snap);
/* For adapters' closing summaries: "<adapter>: R messages received, D
 * dropped, S sent" from st into buf. Returns its length (at most len - 1). */
size_t gl_control_summary(char *buf, size_t len, const char *adapter,
			  const struct gl_control_stats *st);
/* For adapters' closing summaries: appends " (name n, name n)" for the
 * reasons[0..reason_count-1] (in that order: the adapter's own) whose
 * counts (indexed by reason) are not zero, to buf, which holds `used`
 * bytes. Returns the new length (at most len - 1). */
size_t gl_control_drop_text(char *buf, size_t len, size_t used,
			    const uint64_t counts[GL_CONTROL_DROP_COUNT],
			    const enum gl_control_drop *reasons, size_t reason_count);

/* For adapters with host->audio: the audio part's state for remotes
 * (control_audio.c), each value only when it changed. OSC: `send` gets
 * each message (/gl/out/audio/level/<c> f peak dB, f rms dB;
 * /gl/out/audio/meter/<c> f 0..1; /gl/out/audio/device s ok|lost;
 * /gl/out/audio/sounds i count; /gl/out/audio/sound/<k> s name, s state,
 * f position s, f remaining s (-1: looping)); full: everything; remember:
 * what was sent counts as sent (false for a one-off to a new
 * subscriber). MQTT: the state/audio JSON when it changed (or full), its
 * length; 0 when there is nothing new. Create returns NULL for NULL. */
struct gl_control_audio;
typedef void (*gl_control_audio_send_fn)(void *ud, const char *address,
					 const struct gl_ctl_arg *argv, int argc);
struct gl_control_audio *gl_control_audio_create(struct gl_audio *audio);
void gl_control_audio_destroy(struct gl_control_audio *fa);
void gl_control_audio_osc(struct gl_control_audio *fa, bool full, bool remember,
			  gl_control_audio_send_fn send, void *ud);
size_t gl_control_audio_json(struct gl_control_audio *fa, bool full, char *out, size_t len);

/* The registry. */
const struct gl_control_ops *gl_control_find(const char *name);
const struct gl_control_ops *const *gl_control_all(void);

/* Adds the options adapter `cfg->type` reads from url to cfg, replacing
 * options of the same name (the command line wins over the show). Returns
 * 0, or GL_EINVAL + err (an adapter without URLs, a bad URL, too many
 * options). */
int gl_control_config_url(struct gl_control_config *cfg, const char *url, char *err,
			  size_t err_len);

/* ---- a set of running adapters (what app/play.c polls) ------------------- */

struct gl_controls;

/* Creates every adapter that is configured (configs, from the show) or on
 * by default. An adapter that fails to start is logged through the host and
 * left out: the show goes on. Returns NULL only when out of memory. */
struct gl_controls *gl_controls_create(const struct gl_control_config *configs, int count,
				       const struct gl_control_host *host);
void gl_controls_destroy(struct gl_controls *set);
/* Fills pollfds for every adapter; returns the count. */
int gl_controls_poll_fds(struct gl_controls *set, struct pollfd *fds, int max);
/* fds/count: exactly what gl_controls_poll_fds() filled, after poll(). */
void gl_controls_service(struct gl_controls *set, const struct pollfd *fds, int count,
			 uint64_t now_ns);
uint64_t gl_controls_next_timer_ns(struct gl_controls *set);
void gl_controls_event(struct gl_controls *set, const struct gl_event *ev);
void gl_controls_notify(struct gl_controls *set, const char *text);
/* How this run began, for remotes (ops->run_note, else ops->notify). */
void gl_controls_run_note(struct gl_controls *set, const char *text);
/* An output failing (error: why) or recovered (""), for remotes. */
void gl_controls_output_status(struct gl_controls *set, const char *output, const char *error);
/* A media target's state, to every adapter that gives feedback. */
void gl_controls_media_state(struct gl_controls *set, const struct gl_media_state *ms);
/* Sends through the adapter named `adapter`. GL_ENOENT when not running. */
int gl_controls_send(struct gl_controls *set, const char *adapter, const struct gl_ctl_msg *msg);
/* The timecode of the first adapter that chases one (MIDI's MTC), at
 * now_ns; false when none does. Control thread: what timecode cue lists
 * read each time round the loop. */
bool gl_controls_timecode(struct gl_controls *set, uint64_t now_ns, struct gl_timecode *out);
int gl_controls_count(const struct gl_controls *set);
const char *gl_controls_name(const struct gl_controls *set, int i);
const struct gl_control_stats *gl_controls_stats(struct gl_controls *set, int i);

#endif
