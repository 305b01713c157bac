/*
 * engine.h - the realtime cue engine: patch, groups, cue lists, faders,
 * masters; a fixed-rate tick that renders DMX frames.
 *
 * Life cycle: gl_engine_create(), then build the show (fixtures, groups, cue
 * lists, faders) on one thread, then gl_engine_finalize() sizes every runtime
 * array. After that the show's shape is frozen: the tick (gl_engine_tick(),
 * on the engine thread, or driven by a test with a fake clock) allocates
 * nothing and takes no lock. Other threads talk to it only through
 * gl_engine_command() (lock-free MPSC ring), frame taps (triple buffers),
 * the state snapshot (triple buffer) and the event ring (SPSC, one reader).
 */
#ifndef GL_ENGINE_H
#define GL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "gl.h"

#define GL_MAX_CHANNELS 128     /* channels (params) per fixture type or head */
#define GL_DEFAULT_RATE_HZ 44.0
/* Shows send frames this long after their tick (engine default: 0). Long
 * enough to cover a tick of a few hundred universes, so every frame leaves
 * at the same offset from the schedule. */
#define GL_DEFAULT_OUTPUT_DELAY_MS 4.0

/* ---- fixture types ------------------------------------------------------ */

struct gl_channel {
	enum gl_attr attr;
	uint8_t bytes;          /* 1 = 8-bit, 2 = 16-bit, 3 = 24-bit (coarse first) */
	float default_value;    /* normalised 0..1 */
	uint16_t offset;        /* first slot, from the fixture's address (0-based);
				 * filled in channel order unless explicit_offsets */
	uint16_t fine_offset[2];/* with explicit_offsets: the fine and ultra bytes'
				 * slots when they do not follow the coarse one
				 * (many fixtures put pan fine after tilt); 0 =
				 * right after the previous byte */
	bool inverted;          /* rendered as 1 - value (reversed pan, iris...) */
	bool fixed;             /* held at default_value (intensity too) and not
				 * addressable: gl_engine_param() skips it, and its
				 * attribute may repeat (a second "control" channel,
				 * an unused slot) */
};

/* Emitter colours that a fixture's colour attributes mix to. */
struct gl_fixture_type {
	char name[GL_NAME_MAX];
	int channel_count;      /* entries in channels[] */
	struct gl_channel channels[GL_MAX_CHANNELS];
	bool explicit_offsets;  /* channels carry their own offsets (multi-head
				 * fixtures whose heads interleave); else packed */
	int footprint;          /* DMX slots spanned: max(offset + bytes) */
	bool virtual_intensity; /* no dimmer: intensity scales emitters */
	float pan_range_deg;    /* 0 when the fixture has no pan */
	float tilt_range_deg;
};

/* Slot (from the fixture's address) of byte b (0 coarse, 1 fine, 2 ultra)
 * of a channel. */
int gl_channel_slot(const struct gl_channel *ch, int b);

/* Fills offsets (unless explicit_offsets), footprint and virtual_intensity
 * (set when the type has colour emitters and no intensity channel; fixed
 * channels do not count). Returns GL_EINVAL for an empty type, a footprint
 * over 512, an attribute listed twice on channels that are not fixed or two
 * channels sharing a slot. */
int gl_fixture_type_finish(struct gl_fixture_type *type);

/* ---- colour ------------------------------------------------------------- */

/* Mixes an RGB colour (0..1 each) into the emitters the type has (RGB, RGBW
 * with white extraction, RGBA with amber extraction, CMY). Writes, for each
 * colour attribute the type has, its value into out[attr] and sets
 * has[attr]. Returns the number of attributes written (0: no colour). */
int gl_color_mix(const struct gl_fixture_type *type, float r, float g,
		 float b, float out[GL_ATTR_COUNT], bool has[GL_ATTR_COUNT]);

/* Parses "#rrggbb" or "rrggbb". Returns 0 or GL_EINVAL. */
int gl_color_parse_hex(const char *s, float *r, float *g, float *b);

/* ---- building a show ------------------------------------------------------ */

struct gl_engine;

struct gl_engine_config {
	double rate_hz;         /* tick rate; 0 = GL_DEFAULT_RATE_HZ */
	double back_time_s;     /* fade time of BACK (default 1 s when < 0) */
	double release_time_s;  /* fade-out time of STOP (default 0) */
	double output_delay_s;  /* frames leave this long after their tick's
				 * scheduled time (see struct gl_frame); the
				 * engine thread makes it longer, up to half a
				 * period, when its ticks take longer */
	int command_capacity;   /* ring slots; 0 = 1024 */
	int event_capacity;     /* ring slots; 0 = 1024 */
};

/* Returns NULL when out of memory. */
struct gl_engine *gl_engine_create(const struct gl_engine_config *config);
void gl_engine_destroy(struct gl_engine *e);

double gl_engine_rate_hz(const struct gl_engine *e);
uint64_t gl_engine_period_ns(const struct gl_engine *e);

/* Universes are numbered 1..63999. Returns the universe's index, or
 * GL_ERANGE / GL_EEXIST. Fixtures add their universe themselves; outputs
 * may add universes that have no fixture (they are sent all-zero). */
int gl_engine_add_universe(struct gl_engine *e, int number);
/* Returns the index of universe `number`, or GL_ENOENT. */
int gl_engine_universe_index(const struct gl_engine *e, int number);
int gl_engine_universe_count(const struct gl_engine *e);
int gl_engine_universe_number(const struct gl_engine *e, int index);

/* Patches one fixture instance. `type` is copied. Returns the fixture's id
 * (0, 1, ...), GL_ERANGE for a universe or address out of range or a
 * footprint past slot 512, GL_EEXIST when its slots overlap a fixture
 * patched before (*overlap_with gets that fixture's id when not NULL). */
int gl_engine_add_fixture(struct gl_engine *e, const struct gl_fixture_type *type,
			  const char *label, int universe, int address,
			  int *overlap_with);
int gl_engine_fixture_count(const struct gl_engine *e);
const char *gl_engine_fixture_label(const struct gl_engine *e, int fixture);
const struct gl_fixture_type *gl_engine_fixture_type(const struct gl_engine *e, int fixture);
void gl_engine_fixture_address(const struct gl_engine *e, int fixture,
			       int *universe, int *address);
/* The engine parameter that holds `attr` of `fixture`, or GL_ENOENT. */
int gl_engine_param(const struct gl_engine *e, int fixture, enum gl_attr attr);
int gl_engine_param_count(const struct gl_engine *e);

/* Groups: named lists of fixture ids. Returns the group id or GL_EEXIST. */
int gl_engine_add_group(struct gl_engine *e, const char *name,
			const int *fixtures, int count);
int gl_engine_group_find(const struct gl_engine *e, const char *name);
int gl_engine_group_count(const struct gl_engine *e);
const char *gl_engine_group_name(const struct gl_engine *e, int group);
int gl_engine_group_members(const struct gl_engine *e, int group,
			    const int **fixtures);

enum gl_curve { GL_CURVE_LINEAR, GL_CURVE_S };

/* Per attribute-class time; a negative value means "use the cue's fade". */
struct gl_class_time {
	double fade_s;
	double delay_s;
};

enum gl_continue {
	GL_CONTINUE_MANUAL,  /* waits for GO */
	GL_CONTINUE_WAIT,    /* next cue GOes wait_s after this cue's GO */
	GL_CONTINUE_FOLLOW,  /* next cue GOes wait_s after this cue completes */
};

struct gl_cue_change {
	int param;
	float value;        /* normalised 0..1 */
};

struct gl_cue_def {
	double number;                        /* decimal cue number, > 0 */
	char number_text[GL_CUE_NUMBER_MAX];  /* as written ("1.5") */
	char label[GL_NAME_MAX];
	double fade_in_s;     /* rising intensity (and every other class by default) */
	double fade_out_s;    /* falling intensity */
	double delay_in_s;
	double delay_out_s;
	struct gl_class_time class_time[GL_CLASS_COUNT]; /* COLOR/POSITION/BEAM; INTENSITY ignored */
	enum gl_curve curve;
	enum gl_continue continue_mode;
	double wait_s;
	const struct gl_cue_change *changes;  /* copied */
	int change_count;
};

/* Sets a cue_def to defaults: no fade, no delay, class times unset, linear,
 * manual. */
void gl_cue_def_init(struct gl_cue_def *def);

/* Returns the list id, GL_EEXIST, or GL_EFULL past 65534 lists. `loop`:
 * after the last cue GO returns to the first (a chase). */
int gl_engine_add_cuelist(struct gl_engine *e, const char *name, bool loop);
int gl_engine_cuelist_find(const struct gl_engine *e, const char *name);
int gl_engine_cuelist_count(const struct gl_engine *e);
const char *gl_engine_cuelist_name(const struct gl_engine *e, int list);
/* Cues must be added in ascending number. Returns the cue's index in its
 * list, GL_EEXIST for a number already used, GL_EINVAL for a number not
 * above the previous one or a negative time. */
int gl_engine_add_cue(struct gl_engine *e, int list, const struct gl_cue_def *def);
int gl_engine_cue_count(const struct gl_engine *e, int list);
const struct gl_cue_def *gl_engine_cue(const struct gl_engine *e, int list, int cue);
/* Index of the cue numbered `number` in `list`, or GL_ENOENT. */
int gl_engine_cue_find(const struct gl_engine *e, int list, double number);

/* GL_FADER_EXTERNAL: a level the engine only keeps and publishes (the
 * snapshot, feedback); something outside the engine follows it (the audio
 * master, on the control thread). Its target is ignored. */
enum gl_fader_kind {
	GL_FADER_GROUP, GL_FADER_CUELIST, GL_FADER_EXTERNAL,
	/* effects (see "effects, timecode, sound input" below): the fader
	 * scales an effect's size or its rate (full = as declared) */
	GL_FADER_EFFECT_SIZE, GL_FADER_EFFECT_RATE,
};

/* Fader n (1..) masters a group's intensity (inhibitive: scales it) or a cue
 * list's intensity output, or is an external level. Starts at `level`.
 * Returns 0, GL_EEXIST. */
int gl_engine_add_fader(struct gl_engine *e, int number, enum gl_fader_kind kind,
			int target, const char *label, float level);
int gl_engine_fader_count(const struct gl_engine *e);
/* Describes fader at index i (0..count-1). */
void gl_engine_fader_info(const struct gl_engine *e, int i, int *number,
			  enum gl_fader_kind *kind, int *target, const char **label);

/* DMX inputs: universes received from devices (a Pro's DMX in from an old
 * desk or a wall panel). An input merges HTP into the output universe
 * merge_into (a number; 0: kept, merged nowhere). Build time. Returns the
 * input's index, GL_ERANGE, GL_EEXIST, or GL_ENOENT when merge_into is not
 * a universe of the show. */
int gl_engine_add_input(struct gl_engine *e, int number, int merge_into);
int gl_engine_input_count(const struct gl_engine *e);
void gl_engine_input_info(const struct gl_engine *e, int i, int *number, int *merge_into);

/* Sizes every runtime array; after this the show's shape cannot change.
 * Returns 0 or GL_ENOMEM. */
int gl_engine_finalize(struct gl_engine *e);

/* ---- running ------------------------------------------------------------ */

enum gl_cmd_type {
	GL_CMD_GO,          /* list */
	GL_CMD_BACK,        /* list */
	GL_CMD_GOTO,        /* list, cue index */
	GL_CMD_STOP,        /* list; list < 0: every list */
	GL_CMD_PAUSE,       /* list; list < 0: every list */
	GL_CMD_RESUME,      /* list; list < 0: every list */
	GL_CMD_FADER,       /* index = fader number, value 0..1 */
	GL_CMD_LIST_MASTER, /* list, value 0..1 */
	GL_CMD_GRAND_MASTER,/* value 0..1 */
	GL_CMD_BLACKOUT,    /* index: 0 off, 1 on */
	GL_CMD_SET_PARAM,   /* index = param, value 0..1: the programmer (live
			     * edit) layer, above every playback */
	GL_CMD_CLEAR_PARAM, /* index = param; index < 0: clear the programmer */
	GL_CMD_STANDBY,     /* list, index = cue index the next GO fires; -1:
			     * the cue after the active one again. Any cue
			     * firing clears it */
	/* effects and timecode (engine/effects.c; see the block below) */
	GL_CMD_FX_START,    /* index = effect */
	GL_CMD_FX_STOP,     /* index = effect; index < 0: every effect */
	GL_CMD_FX_SIZE,     /* index = effect, value 0..1: of the declared size */
	GL_CMD_FX_RATE,     /* index = effect, value = cycles per second (0..100) */
	GL_CMD_FX_TAP,      /* index = effect: tap tempo (the rate follows the taps) */
	GL_CMD_TIMECODE,    /* list (< 0: every list on external timecode),
			     * index = position in ms, value 1 locked / 0 lost:
			     * see gl_engine_timecode() */
};

struct gl_cmd {
	enum gl_cmd_type type;
	int list;
	int index;
	float value;
};

/* Any thread. Returns 0, or GL_EFULL when the ring is full (the command is
 * dropped; the caller reports it), GL_EINVAL for a bad list/cue/fader. */
int gl_engine_command(struct gl_engine *e, const struct gl_cmd *cmd);

/* One tick at `now_ns` (monotonic): drain commands, advance fades from
 * elapsed time, merge, apply masters, render, publish. Engine thread (or a
 * test); never allocates, never locks. */
void gl_engine_tick(struct gl_engine *e, uint64_t now_ns);

/* Runs gl_engine_tick() on its own thread on an absolute monotonic schedule
 * (never bursts to catch up: a missed period is skipped and counted). The
 * thread asks for SCHED_FIFO and, when gl_engine_lock_memory() asked for
 * it, locks the process's memory; where the process may not, it runs on
 * without, and the snapshot says so (gl_sched_text()). Returns 0 or
 * GL_EIO. */
int gl_engine_start(struct gl_engine *e);
/* Before gl_engine_start(): lock the whole process's memory (mlockall)
 * when the engine thread starts, if nothing limits it (CAP_IPC_LOCK or an
 * unlimited RLIMIT_MEMLOCK). For programs that run a show (ghostlight
 * play); a library or a test leaves it off, since it holds every later
 * page of the process in memory too. */
void gl_engine_lock_memory(struct gl_engine *e, bool on);
void gl_engine_stop(struct gl_engine *e);

/* Rendered DMX of universe index u after the last tick (engine thread or a
 * test driving the tick). */
const uint8_t *gl_engine_dmx(const struct gl_engine *e, int u);
/* Merged value (after masters) of a param after the last tick; tests. */
float gl_engine_param_value(const struct gl_engine *e, int param);

/* ---- frames out --------------------------------------------------------- */

/* A frame: every universe's 512 slots after one tick. */
struct gl_frame {
	uint64_t tick;
	uint64_t time_ns;         /* tick time (the schedule's, on the engine thread) */
	/* When outputs should put it on the wire: time_ns + output_delay.
	 * Sending every frame at a fixed offset from an even schedule gives
	 * receivers even frame spacing, whatever the tick's own duration or
	 * how many universes go before this one. */
	uint64_t send_at_ns;
	uint64_t period_ns;       /* the engine's tick period: the next frame is
				   * due one period after this one */
	int universe_count;
	const int *numbers;       /* universe numbers, universe_count entries */
	uint8_t *dmx;             /* universe_count * 512 bytes */
};

struct gl_frame_tap;

/* A consumer of frames (an output thread). Create before gl_engine_start(),
 * after gl_engine_finalize(). Up to 8 taps. Returns NULL on error. */
struct gl_frame_tap *gl_engine_add_tap(struct gl_engine *e);
/* The newest frame, or NULL when none arrived since the last call. The frame
 * stays valid until the next call. Consumer thread only. */
const struct gl_frame *gl_tap_read(struct gl_frame_tap *tap);
/* Waits until a frame newer than the last read arrives, or timeout_ns
 * (millisecond resolution). Returns true when one is there. */
bool gl_tap_wait(struct gl_frame_tap *tap, uint64_t timeout_ns);
/* An fd that polls readable when a new frame is there, for a poll loop;
 * gl_tap_wait(tap, 0) clears it. */
int gl_tap_fd(const struct gl_frame_tap *tap);

/* The device thread receiving input universe `number` hands over its newest
 * slots; count 0 says the signal is lost (the input stops merging until
 * slots come again). Lock-free, never waits. The first tap to write an
 * input owns it. Returns 0, GL_ENOENT when the show declares no such
 * input, GL_EEXIST when another tap feeds it. */
int gl_tap_input(struct gl_frame_tap *tap, int number, const uint8_t *slots, int count);

/* ---- state snapshot ------------------------------------------------------ */

enum gl_list_state { GL_LIST_OFF, GL_LIST_RUNNING, GL_LIST_PAUSED };

struct gl_list_status {
	enum gl_list_state state;
	int active;          /* cue index, -1 = none */
	int standby;         /* cue index, -1 = none (end of list) */
	float progress;      /* 0..1 of the active cue's fade; 1 when done */
	float master;        /* list master level */
	float continue_in_s; /* seconds until the active cue's wait or follow
			      * fires the next cue (counted at the tick,
			      * frozen while paused); -1 when none will */
};

struct gl_snapshot {
	uint64_t tick;
	uint64_t time_ns;
	float grand_master;
	bool blackout;
	uint64_t ticks_late;      /* ticks that started > 1 period late */
	uint64_t ticks_skipped;   /* periods skipped to stay on schedule */
	uint64_t commands_dropped;
	uint64_t events_dropped;
	uint64_t tick_ns_last;    /* time spent in the last tick */
	uint64_t tick_ns_max;
	/* How the engine thread runs (set when it starts): realtime or not,
	 * and why not. gl_sched_text() puts it in words. */
	bool sched_started;       /* false: no engine thread, ticks come from the caller */
	bool sched_fifo;          /* SCHED_FIFO at sched_priority */
	int sched_priority;
	int sched_errno;          /* why not SCHED_FIFO (EPERM: not permitted) */
	bool memory_lock_requested;  /* gl_engine_lock_memory() */
	bool memory_locked;       /* mlockall() held */
	int memory_lock_errno;    /* why not */
	uint64_t memory_lock_limit;  /* RLIMIT_MEMLOCK in bytes, when that is why */
	int list_count;
	struct gl_list_status *lists;  /* list_count entries */
	int fader_count;
	float *fader_levels;           /* fader_count entries, in add order */
	int programmer_count;          /* params held in the programmer layer */
};

/* Copies the newest snapshot into *out; out->lists and out->fader_levels
 * must point at arrays big enough for the show's lists and faders.
 * Any one reader thread. Returns 0, or GL_EAGAIN before the first tick. */
int gl_engine_snapshot(struct gl_engine *e, struct gl_snapshot *out);

/* A reader of the snapshot on another thread (the console's window, while
 * the control thread's adapters read gl_engine_snapshot()): a triple
 * buffer of its own that every tick fills too. After gl_engine_finalize(),
 * before gl_engine_start(); freed with the engine. NULL when out of memory
 * or when GL_MAX_SNAPSHOT_TAPS are taken. */
#define GL_MAX_SNAPSHOT_TAPS 4
struct gl_snapshot_tap;
struct gl_snapshot_tap *gl_engine_add_snapshot_tap(struct gl_engine *e);
/* As gl_engine_snapshot(), for the tap's one reader thread. */
int gl_snapshot_tap_read(struct gl_snapshot_tap *tap, struct gl_snapshot *out);

/* One line on how the engine thread runs: "SCHED_FIFO 50, memory locked",
 * or what it runs without and what would allow it. Any thread. */
void gl_sched_text(const struct gl_snapshot *s, char *buf, size_t len);

/* ---- events ------------------------------------------------------------- */

enum gl_event_type {
	GL_EV_CUE_FIRED,   /* list, cue: a cue started (GO, GOTO, follow) */
	GL_EV_CUE_DONE,    /* list, cue: its fades completed */
	GL_EV_LIST_END,    /* list: GO at the last cue of a non-looping list */
	GL_EV_LIST_STOPPED,/* list */
	GL_EV_TICK_LATE,   /* index: periods skipped */
	GL_EV_CUES_REPLACED,/* list: gl_engine_replace_cues() took effect; from
			     * this event on, cue indices are the new list's */
};

struct gl_event {
	enum gl_event_type type;
	int list;
	int cue;
	int index;
	uint64_t time_ns;
};

/* An fd that polls readable when events are waiting (reading it resets it;
 * drain with gl_engine_next_event() after). Control thread. */
int gl_engine_event_fd(const struct gl_engine *e);

/* Control thread (the single reader). Returns true and fills *ev when an
 * event was waiting. */
bool gl_engine_next_event(struct gl_engine *e, struct gl_event *ev);

/* ---- editing cues while the show runs ------------------------------------- */

/* Replaces the cues of `list` (the console's record, update, delete,
 * renumber). defs: the whole new list, numbers ascending, each checked as
 * gl_engine_add_cue() does; origin[i]: the index, in the list as it stands,
 * of the cue that def i replaces (-1: a new cue; GL_CUE_BUILT(k): the cue
 * the list was built with at index k, back after a delete - an undo). The
 * new tables are built
 * here (this allocates) and taken by the engine at its next tick: the
 * active cue stays active through its origin (a deleted one hands over to
 * the nearest earlier cue that stays), fades in progress go on, and what
 * the active cue now holds is on stage at once (a snap, under whatever the
 * programmer holds). GL_EV_CUES_REPLACED marks the moment in the event
 * stream; gl_engine_cue*() show the new list from that event on.
 *
 * Effects and timecode go by the same origins: a cue kept (updated,
 * renumbered) keeps the effects it starts and stops and its timecode
 * time, a deleted cue takes its own away, a new cue has none (on a
 * timecode list only GO, GOTO or a follow reach it), a cue back by
 * GL_CUE_BUILT gets those it was built with. Of the effects the
 * active cue runs, only those the edit changed start or stop (one that
 * runs on keeps its phase); a timecode list goes on from the cue it fired
 * last, and fires the cues after it as its clock passes them.
 *
 * One edit at a time: GL_EAGAIN while the last one's event has not been
 * read yet. Else 0, GL_ENOENT, GL_EINVAL (bad def, number order or
 * origin, or timed cues that would no longer ascend in time), GL_ENOMEM, GL_ESTATE before finalize. Control thread only - the
 * thread that reads the events - like gl_engine_cue*(): pointers those
 * return stay valid until that thread reads the next GL_EV_CUES_REPLACED. */
int gl_engine_replace_cues(struct gl_engine *e, int list, const struct gl_cue_def *defs,
			   const int *origin, int count);
#define GL_CUE_BUILT(k) (-2 - (k))
/* After the GL_EV_CUES_REPLACED of `list`: the index cue `cue` had before
 * that edit (its origin), GL_CUE_BUILT(k) for a cue the edit brought back
 * from the build (an undo of a delete), or -1 for a cue the edit added.
 * Identity when the list was never edited. Control thread only. */
int gl_engine_cue_origin(const struct gl_engine *e, int list, int cue);

/* ==== live state: export and restore (resuming a show after a crash) ======
 *
 * What an operator changed while the show ran, and expects back after a
 * crash or a power cut (app/journal.h keeps it on disk): each cue list's
 * state, active cue and where its fade stands, list masters, faders, the
 * grand master, blackout and the programmer. Not the show's shape (the
 * show file has it) nor the Lua side (timers start again).
 *
 * Export: gl_engine_live_enable() once, after finalize and before
 * gl_engine_start(). From then on the tick publishes the live state
 * whenever it changed (a command ran, a cue fired, a list stopped) - never
 * on a plain tick - and makes the event fd readable; the one reader thread
 * takes it with gl_engine_live_read(). Publishing copies a few arrays in
 * the tick: no allocation, no lock, no system call.
 *
 * Restore: gl_engine_restore() before gl_engine_start(). The first tick
 * applies it before it drains a command, quietly: no GL_EV_CUE_FIRED for
 * the cues it puts back (their actions and on_cue handlers do not run
 * again). A list comes back at its active cue with its fade at elapsed_ns
 * (from the look of cue `from`), paused or running; a wait or follow that
 * fell due meanwhile fires once, at the first tick (elapsed_ns is cut to
 * it). Lists are put back in the order of their last GO (go_order), so the
 * newest GO shows on an attribute two lists hold, as before.
 */

struct gl_live_list {
	enum gl_list_state state;  /* a list releasing after STOP is exported OFF */
	int active;                /* cue index, -1 none */
	int from;                  /* the cue active before its GO (the look its
				    * fade started from), -1 none */
	bool back;                 /* that GO was a BACK (faded in back_time) */
	uint32_t go_order;         /* larger = GOne later (LTP between lists) */
	uint64_t elapsed_ns;       /* since its GO at the state's at_ns; frozen
				    * while paused */
	float master;
};

struct gl_live_param {
	int param;
	float value;               /* the programmer's value, 0..1 */
};

struct gl_live_state {
	uint64_t changes;          /* export: counts published changes */
	uint32_t cue_edits;        /* export: cue list edits (gl_engine_replace_cues)
				    * taken before it; its cue indices are the
				    * lists' after them, as the reader's
				    * gl_engine_cue*() show them */
	uint64_t at_ns;            /* export: the tick time elapsed_ns refer to */
	float grand_master;
	bool blackout;
	int list_count;            /* = gl_engine_cuelist_count() */
	struct gl_live_list *lists;
	int fader_count;           /* = gl_engine_fader_count(), in add order */
	float *fader_levels;
	int param_count;           /* programmer entries */
	struct gl_live_param *params;  /* room for gl_engine_param_count() */
};

/* Turns the export on, and publishes the state the show starts in (its
 * faders' levels...), readable at once. Loading thread, after
 * gl_engine_finalize() and before gl_engine_start(). Returns 0, GL_ENOMEM
 * or GL_ESTATE. */
int gl_engine_live_enable(struct gl_engine *e);
/* The newest live state, when one was published since the last call:
 * copied into out's arrays (lists, fader_levels and params must have room
 * for the show's lists, faders and params). One reader thread, the one
 * that reads the events when cue lists are edited (gl_engine_replace_cues):
 * a state names cues as that thread's gl_engine_cue*() show them, so none
 * is handed out between an edit and its GL_EV_CUES_REPLACED being read.
 * Returns 1 when copied, 0 when nothing new, GL_ESTATE when not enabled. */
int gl_engine_live_read(struct gl_engine *e, struct gl_live_state *out);
/* Copies from's values and arrays into to's arrays (which have room for
 * from's counts). Any thread. */
void gl_live_state_copy(struct gl_live_state *to, const struct gl_live_state *from);
/* What the first tick puts back (copied). Loading thread, after
 * gl_engine_finalize() and before gl_engine_start(). Returns 0, GL_ESTATE,
 * GL_ENOMEM, or GL_EINVAL for a state that does not fit the show (counts,
 * a cue, param or level out of range) - then nothing is restored. */
int gl_engine_restore(struct gl_engine *e, const struct gl_live_state *state);

/* ==== end of live state ==================================================== */

/* Monotonic clock, ns. */
uint64_t gl_now_ns(void);

/* ==== effects, timecode, sound input (engine/effects*.c) ================= *
 *
 * An effect moves one attribute (or pan and tilt together, or a pixel's
 * colour) of a list of fixtures with a waveform, computed each tick from
 * elapsed time (a late tick never stretches it): value = base + gain *
 * (offset + size * wave), the wave 0..1 (shapes -0.5..0.5 around the base),
 * each member at its own phase. The effect layer sits above the cue lists
 * and below the programmer and the masters; it fades in and out over its
 * own times. Build time, like the rest of the show: add effects and their
 * cue references before gl_engine_finalize().
 */

enum gl_wave {
	GL_WAVE_SINE, GL_WAVE_TRIANGLE, GL_WAVE_RAMP_UP, GL_WAVE_RAMP_DOWN,
	GL_WAVE_SQUARE,        /* on for `duty` of each cycle */
	GL_WAVE_RANDOM,        /* a new value each cycle (seeded: reproducible) */
	GL_WAVE_SMOOTH_RANDOM, /* random values joined smoothly */
	GL_WAVE_STEP,          /* `steps` values, one after the other */
	/* pan and tilt together, around the base (in degrees) */
	GL_WAVE_CIRCLE, GL_WAVE_EIGHT, GL_WAVE_LINE,
	/* colour across pixels laid out in 2D (x, y 0..1): red, green, blue */
	GL_WAVE_GRADIENT, GL_WAVE_WIPE, GL_WAVE_RAINBOW, GL_WAVE_SPARKLE, GL_WAVE_NOISE,
	GL_WAVE_IMAGE,         /* an image (or a sequence of them) mapped on the pixels */
	GL_WAVE_COUNT
};

#define GL_EFFECT_STEPS_MAX 16

struct gl_effect_def {
	char name[GL_NAME_MAX];
	enum gl_wave wave;
	enum gl_attr attr;        /* single-attribute waves */
	const int *fixtures;      /* members in order (copied); members without
				   * the attribute(s) are skipped */
	int fixture_count;
	const float *xy;          /* pixel waves: x, y (0..1) per member; NULL:
				   * along x in member order */
	double rate_hz;           /* cycles per second, > 0 */
	float size;               /* attribute units (degrees for pan/tilt) */
	float offset;             /* same units */
	bool relative;            /* around the value below (cues); else around
				   * 0 (0..1 attributes) or the centre (pan/tilt) */
	float phase_deg;          /* of the first member */
	float spread_deg;         /* phase across the members (360: one cycle) */
	int groups;               /* > 0: the phase pattern repeats every N members */
	int blocks;               /* > 1: N consecutive members share a phase */
	int wings;                /* > 1: the members split in N, odd wings mirrored */
	float duty;               /* square: on fraction 0..1 */
	int step_count;
	float steps[GL_EFFECT_STEPS_MAX];
	double fade_in_s, fade_out_s;
	uint32_t seed;            /* random waves */
	bool beat_sync;           /* the rate follows the sound input's beat */
	bool size_from_level;     /* the size follows the sound input's level */
	bool start;               /* runs from the first tick */
	/* pixel waves */
	float color_a[3], color_b[3];  /* gradient, wipe, sparkle: from, to / on, off */
	float angle_deg;          /* direction of gradient, wipe, rainbow, line */
	float scale;              /* gradient, rainbow, noise: cycles across the matrix */
	float density;            /* sparkle: fraction lit per cycle */
	/* GL_WAVE_IMAGE: frames of w x h RGB bytes, rows top down (copied);
	 * rate = frames per second for a sequence; scroll x/y per cycle */
	const uint8_t *image;
	int image_w, image_h, image_frames;
	float scroll[2];
};

/* Returns the effect's id, GL_EEXIST (name), GL_EINVAL (a value out of
 * range, an unknown wave), GL_ENOENT (no member has the attribute), or
 * GL_ENOMEM. */
int gl_engine_add_effect(struct gl_engine *e, const struct gl_effect_def *def);
int gl_engine_effect_find(const struct gl_engine *e, const char *name);
int gl_engine_effect_count(const struct gl_engine *e);
const struct gl_effect_def *gl_engine_effect(const struct gl_engine *e, int effect);
/* Members the effect moves (those with its attributes). */
int gl_engine_effect_members(const struct gl_engine *e, int effect);
/* Cue `cue` of `list` starts (on) or stops the effect; tracked like
 * values: it runs on through later cues until one stops it, and GOTO
 * or BACK to a cue gives the effects that cue would have. */
int gl_engine_cue_effect(struct gl_engine *e, int list, int cue, int effect, bool on);
/* The effect's fade level 0..1 after the last tick (tests, feedback). */
float gl_engine_effect_level(const struct gl_engine *e, int effect);

const char *gl_wave_name(enum gl_wave wave);
/* Returns the wave, or GL_ENOENT. */
int gl_wave_from_name(const char *name);

/* Timecode: the list's cues fire at their times (gl_engine_cue_time) as a
 * clock passes them. internal: the list's own clock (GO starts it, PAUSE
 * holds it, STOP resets it, GOTO jumps to the cue's time); external: the
 * position comes from gl_engine_timecode() (MTC). A jump (a position more
 * than GL_TC_JUMP_S from where the clock was going) restores the state a
 * linear playback has at the new position; a list whose external timecode
 * stops (gl_engine_timecode(..., false), or nothing for GL_TC_DROPOUT_S)
 * runs on freewheel_s seconds on its own clock, then holds. Build time. */
#define GL_TC_JUMP_S 0.25
#define GL_TC_DROPOUT_S 0.2
int gl_engine_set_timecode(struct gl_engine *e, int list, bool external, double freewheel_s);
/* The cue's time in seconds; cues must ascend in time. Build time. */
int gl_engine_cue_time(struct gl_engine *e, int list, int cue, double seconds);
/* A position of the code an external list follows, locked = true, and
 * once locked = false when the code stops: a GL_CMD_TIMECODE for `list`
 * (< 0: every list on external timecode). The show calls it with the MIDI
 * adapter's MTC chase (gl_show_timecode_input) and from timecode() in
 * handlers. Any thread; as gl_engine_command(). */
int gl_engine_timecode(struct gl_engine *e, int list, double seconds, bool locked);
/* The list's timecode position (s) after the last tick; -1 when it has none. */
double gl_engine_timecode_position(const struct gl_engine *e, int list);

/* Sound input: a level (0..1) and beat detector on its own thread hands
 * over its newest values; lock-free, never waits. `beats` counts beats
 * since it started; bpm is its tempo estimate (0: none yet). */
void gl_engine_sound_input(struct gl_engine *e, float level, uint32_t beats, float bpm);

/* ==== end of effects, timecode, sound input ============================== */

#endif
