/*
 * engine_internal.h - the engine's structs, shared by its own files
 * (engine.c: building and the tick; cuelist.c: cue list playback). Nothing
 * outside engine/ includes this.
 *
 * Parameters ("params") are the unit of everything: one per fixture
 * channel attribute, plus one virtual intensity for fixtures without a
 * dimmer. A fixture's params are consecutive, in its type's channel order,
 * the virtual intensity last. Arrays indexed by param are sized at
 * gl_engine_finalize() and never reallocated.
 */
#ifndef GL_ENGINE_INTERNAL_H
#define GL_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine.h"
#include "ring.h"

#define GL_MAX_TAPS 8

struct fixture {
	char label[GL_NAME_MAX];
	const struct gl_fixture_type *type;  /* shared, owned by the engine */
	int universe_index;
	int address;             /* 1..512 */
	int first_param;
	int param_count;         /* channels (+1 for virtual intensity) */
	int intensity_param;     /* -1 when none */
	float master;            /* product of its group faders */
};

struct group {
	char name[GL_NAME_MAX];
	int *members;
	int member_count;
	float level;             /* fader level when a fader masters it */
	bool mastered;
};

struct cue {
	struct gl_cue_def def;   /* def.changes points at changes below */
	struct gl_cue_change *changes;
	uint64_t done_after_ns;  /* longest delay + fade of its timing */
};

/* A list's params fall into a few timing groups per GO: intensity rising,
 * intensity falling, and the colour, position and beam classes. Every
 * param of a group shares one delay and fade, so the fade position is
 * computed once per group per tick, not once per param. */
enum list_timing {
	TIMING_UP, TIMING_DOWN, TIMING_COLOR, TIMING_POSITION, TIMING_BEAM,
	TIMING_COUNT
};

struct timing {
	float delay_s;
	float inv_fade;          /* 1 / fade seconds; 0 = no fade (a snap) */
};

/* Playback state of one param inside one cue list: 20 bytes, walked once
 * per tick for every param of every running list, so kept small. Its value
 * at any instant is start + (target - start) * x, where x is its timing
 * group's fade position (group_x in cuelist.c). */
struct list_param {
	int32_t param;
	uint8_t cls;             /* enum gl_attr_class */
	bool set;                /* the list contributes a value */
	bool release_at_end;     /* fading out to be unset (tracked value gone) */
	uint8_t timing;          /* enum list_timing */
	float start, target;
	uint32_t stamp;          /* LTP: the GO that last changed it */
};

struct cuelist {
	char name[GL_NAME_MAX];
	bool loop;
	struct cue *cues;
	int cue_count, cue_cap;

	/* sized at finalize */
	int param_count;
	struct list_param *lp;
	float *tracked;          /* cue_count x param_count; NaN = not set */

	/* playback */
	struct timing timing[TIMING_COUNT];  /* of the last GO (or STOP) */
	enum gl_list_state state;
	int active;              /* -1 = none */
	bool releasing;          /* STOP in progress */
	uint64_t go_ns;          /* when the active cue (or release) started */
	uint64_t done_ns;        /* when its fades complete */
	bool done_reported;
	uint64_t continue_at_ns; /* wait/follow: when the next cue GOes; 0 none */
	uint64_t pause_ns;
	float master;
	float progress;
	int standby;             /* GL_CMD_STANDBY: the next GO's cue, -1 none */

	/* The control thread's view of the cues (gl_engine_cue*): the tick's
	 * arrays above until an edit, then the ones of the last edit whose
	 * event the control thread has read (edit.c). */
	const struct cue *view;
	atomic_int view_count;   /* also read by gl_engine_command (any thread) */
	const struct list_param *view_lp;
	int view_param_count;
	int *view_origin;        /* of the last edit; NULL: identity */
};

/* A list's cue tables as one edit hands them over (edit.c): built on the
 * control thread, swapped with the list's own by the tick, then holding
 * the replaced ones until the control thread frees them. */
struct cue_table {
	int list;
	struct cue *cues;
	int cue_count, cue_cap;
	int param_count;
	struct list_param *lp;
	float *tracked;
	int *lp_from;            /* per list param: its index in the replaced
				  * table, -1 new */
	int *cue_from;           /* per cue: its origin, -1 new */
	int *cue_to;             /* per cue of the replaced table: where the
				  * playback goes (its new index, else the
				  * nearest earlier cue kept, else -1) */
	int old_count;
};

struct fader {
	int number;
	enum gl_fader_kind kind;
	int target;
	char label[GL_NAME_MAX];
	float level;
};

/* A DMX input: the writer (a device thread) publishes whole frames
 * through a triple buffer; the tick takes the newest. */
struct input_frame {
	int count;               /* slots; 0 = no signal */
	uint8_t slots[GL_DMX_SLOTS];
};

struct input {
	int number;
	int merge_universe;      /* universe index, -1 none */
	int merge_number;        /* as declared (0 none) */
	struct gl_tbuf tb;
	struct input_frame frames[3];
	const struct input_frame *cur;  /* the tick's view; NULL before any */
	_Atomic(struct gl_frame_tap *) writer;  /* the one tap that may write */
};

struct gl_frame_tap {
	struct gl_engine *engine;
	struct gl_tbuf tb;
	struct gl_frame frames[3];
	int ready_fd;            /* eventfd: readable when a frame is new */
};

struct gl_engine {
	struct gl_engine_config config;
	uint64_t period_ns;
	uint64_t output_delay_ns;

	int *universes;          /* numbers */
	int **slot_owner;        /* per universe: 512 fixture ids, -1 free (load time) */
	int universe_count, universe_cap;

	struct fixture *fixtures;
	int fixture_count, fixture_cap;
	int param_count;
	struct gl_fixture_type **types; /* distinct types, each its own allocation */
	int type_count, type_cap;

	struct group *groups;
	int group_count, group_cap;

	struct cuelist *lists;
	int list_count, list_cap;

	struct fader *faders;
	int fader_count, fader_cap;

	struct input **inputs;   /* each its own allocation: writers hold them */
	int input_count, input_cap;

	bool finalized;

	/* per param, sized at finalize */
	float *defaults;
	float *out;
	uint32_t *out_stamp;
	uint8_t *param_cls;
	/* render plan: where each param goes in dmx[], how many bytes, and the
	 * virtual intensity param that scales it (-1 none) */
	int32_t *param_slot;     /* offset in dmx[], -1 for a virtual param */
	uint8_t *param_bytes;
	int32_t *param_fine;     /* slot of the fine byte (16/24-bit), -1 none */
	int32_t *param_ultra;    /* slot of the ultra byte (24-bit), -1 none */
	uint8_t *param_invert;          /* 1: render 1 - value */
	int32_t *param_dim;
	/* masters: every fixture's intensity param and its group-master
	 * factor, packed so the per-tick pass streams two small arrays */
	int32_t *master_param;
	float *master_factor;
	int master_count;
	/* the programmer: params set live, above every playback (LTP for
	 * all, intensity included, then scaled by the masters) */
	int32_t *prog_param;     /* the set params, in the order set */
	float *prog_value;
	int32_t *prog_slot;      /* per param: its place in prog_param, -1 */
	int prog_count;
	uint8_t *dmx;            /* universe_count * 512 */

	float grand_master;
	bool blackout;
	bool masters_dirty;
	/* Something may change the output this tick: a command, a GO, a fade
	 * still running. A settled show skips merge and render (its frames
	 * are the same as the last), which is most of a real show's life. */
	bool outputs_dirty;
	uint32_t go_counter;
	uint64_t tick_count;
	uint64_t last_tick_ns;

	struct gl_mpsc commands;
	struct gl_spsc events;
	int event_fd;            /* eventfd: readable when events wait */
	atomic_uint_fast64_t commands_dropped;
	uint64_t events_dropped;

	struct gl_frame_tap *taps[GL_MAX_TAPS];
	int tap_count;

	/* snapshot: three buffers of header + lists + fader levels */
	struct gl_tbuf snap_tb;
	void *snap_buf[3];
	atomic_bool snap_ready;

	/* cue edits (edit.c): one in flight, handed over by pointer */
	_Atomic(struct cue_table *) edit_in;   /* built, for the tick */
	_Atomic(struct cue_table *) edit_out;  /* replaced, for the control thread */
	bool edit_ack_owed;      /* tick: the event did not fit in the ring yet */
	bool edit_pending;       /* control thread: its event not read yet */

	/* engine thread */
	pthread_t thread;
	atomic_bool running;
	bool thread_started;
	uint64_t ticks_late, ticks_skipped;
	uint64_t tick_ns_last, tick_ns_max;
};

/* cuelist.c */
void cuelist_go(struct gl_engine *e, struct cuelist *l, int cue, uint64_t at_ns,
		bool is_back);
void cuelist_stop(struct gl_engine *e, struct cuelist *l, uint64_t now_ns);
void cuelist_pause(struct cuelist *l, uint64_t now_ns);
void cuelist_resume(struct cuelist *l, uint64_t now_ns);
/* Timing: done events, wait/follow continues, release end. */
void cuelist_step(struct gl_engine *e, struct cuelist *l, uint64_t now_ns);
/* Values at now_ns, merged into e->out (HTP intensity, LTP the rest).
 * Returns true when the list's values can still change with time. */
bool cuelist_merge(struct gl_engine *e, struct cuelist *l, uint64_t now_ns);
int cuelist_next(const struct cuelist *l);
/* Seconds until the active cue's wait or follow fires, -1 none. */
float cuelist_continue_in_s(const struct cuelist *l, uint64_t now_ns);
int cuelist_build(struct gl_engine *e, struct cuelist *l, int *param_map);

void engine_emit(struct gl_engine *e, enum gl_event_type type, int list, int cue,
		 int index, uint64_t time_ns);
/* engine.c: appends a cue to l's table (build time, and edit.c's tables).
 * Checks the def as gl_engine_add_cue() says. */
int engine_cue_append(struct gl_engine *e, struct cuelist *l, const struct gl_cue_def *def);

/* edit.c */
/* Tick: takes a waiting edit (first thing of a tick). */
void engine_edit_apply(struct gl_engine *e);
/* Control thread: the list's event was read; the view moves on and the
 * replaced tables are freed. */
void engine_edit_acked(struct gl_engine *e, int list);
/* The control thread's view of list l's cues. */
const struct cue *engine_edit_view(const struct gl_engine *e, const struct cuelist *l, int *count);
/* destroy: every table still held by an edit. */
void engine_edit_free_all(struct gl_engine *e);

#endif
