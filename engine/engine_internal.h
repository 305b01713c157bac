/*
 * engine_internal.h - the engine's structs, shared by its own files. Nothing
 * outside engine/ includes this. The engine is split along its threads:
 *
 *   build.c   building a show and gl_engine_finalize(), which lays out the
 *             plan (loading thread; allocates)
 *   tick.c    the tick: commands, fades, merge, masters, render, inputs,
 *             publish (engine thread; never allocates, never locks, makes no
 *             system call: tools/check_tick.sh checks its object file)
 *   cuelist.c cue list playback inside the tick (GO, STOP, timing)
 *   thread.c  the ways in and out for other threads (commands, frame taps,
 *             snapshot, events) and the engine thread itself
 *   edit.c    a cue list edited while the show runs, built (control
 *             thread; allocates); edit_tick.c swaps it in (inside the
 *             tick, checked with it)
 *   live.c    the live state's export and restore, other threads' side
 *             (enable, read, restore: allocates); live_tick.c the tick's
 *             side (publish, apply: as tick.c)
 *
 * Parameters ("params") are the public unit: one per fixture channel, plus
 * one virtual intensity for fixtures without a dimmer, numbered in patch
 * order. Inside, each param lives in a lane: lanes are grouped by universe,
 * and within a universe lane s (0..511) holds the param whose coarse byte is
 * slot s, so merging and rendering a universe are straight loops over
 * contiguous arrays. After the 512 slot lanes come the universe's virtual
 * intensities, then one lane fixed at 1.0 (what undimmed slots are
 * multiplied by), padded to a multiple of GL_LANE_BLOCK. Slot lanes with no
 * param (unpatched, or a fine byte) stay at 0.
 *
 * Everything the tick writes or reads per lane, per universe and per list
 * lives in one block (the plan) allocated at gl_engine_finalize() and never
 * reallocated. Cue definitions stay where building put them; the tick only
 * reads them. An edit of a list (edit.c) replaces that list's cues and
 * arrays and the index of list runs with ones built in blocks of their
 * own; the tick takes them by swapping pointers.
 */
#ifndef GL_ENGINE_INTERNAL_H
#define GL_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine.h"
#include "ring.h"

#define GL_MAX_TAPS 8
/* Lane blocks (and the tick's vector loops) come in multiples of this: a
 * loop whose trip count is a known multiple of the vector width is what
 * GCC's cheap vectoriser at -O2 takes. */
#define GL_LANE_BLOCK 16
/* A list's params become runs of consecutive lanes; a gap of up to this
 * many lanes it does not hold is merged through (cheaper than a new run). */
#define GL_RUN_GAP 16
/* A stretch of at least this many params of one class is a run of its own. */
#define GL_RUN_UNIFORM 32
#define GL_MAX_LISTS 65534       /* LTP owners are uint16 list + 1 */

struct fixture {
	const char *label;       /* in the engine's label pool */
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
 * computed once per group per tick, not once per param. An intensity param
 * is in the rising group exactly when its target is above its start, so
 * the group needs no storage: the merge loop tells from the two values. */
enum list_timing {
	TIMING_UP, TIMING_DOWN, TIMING_COLOR, TIMING_POSITION, TIMING_BEAM,
	TIMING_COUNT
};

struct timing {
	float delay_s;
	float inv_fade;          /* 1 / fade seconds; 0 = no fade (a snap) */
};

/* A run of a list: count lanes from lane; the list's values for them from
 * value index `value` on (start[] and target[]). kind: the class every
 * param in it has (enum gl_attr_class), merged by a loop for that class,
 * or RUN_MIXED. owned_all: an LTP run without gaps whose every lane this
 * list shows, merged without looking at the owners (kept at each GO and
 * rebuild of the owners). */
struct list_run {
	int32_t lane, value, count;
	int32_t params;          /* lanes in it the list holds (count: no gap) */
	uint8_t kind;
	bool owned_all;
};

#define RUN_MIXED 0xff

/* The runs of one list inside one universe. */
struct list_seg {
	uint16_t list;
	int32_t run_first, run_end;
};

/*
 * A cue list. Its params (every param any of its cues changes) are kept in
 * lane order; each has a value index into start[]/target[], which also hold
 * the gap lanes its runs pass over (always 0). The value of a param at any
 * instant is start * (1 - x) + target * x, x its timing group's fade
 * position. An intensity param the list does not hold has start = target
 * = 0 (it adds nothing to an HTP merge); an LTP param counts only in the
 * lanes this list owns (e->owner).
 */
struct cuelist {
	char name[GL_NAME_MAX];
	bool loop;
	struct cue *cues;
	int cue_count, cue_cap;
	int built_count;         /* cues at finalize (GL_CUE_BUILT); edits keep it */

	/* plan (finalize) */
	int param_count;
	int32_t *p_lane;         /* per list param, ascending; its value index
				  * is its run's value + p_lane - run lane */
	uint8_t *p_set;          /* the list holds a value for it */
	uint32_t *p_stamp;       /* LTP: the GO that last changed it */
	float *tracked;          /* cue_count x param_count; NaN = not set */
	int value_count;         /* params and the gap lanes inside runs */
	float *start, *target;   /* per value index */
	int run_count;
	struct list_run *runs;
	int universe_count;
	int32_t *universes;      /* universe indexes its runs touch */

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
	/* Its output may differ from the last merge: a GO, a STOP, a master
	 * move, or a fade that was still running then. */
	bool dirty;
	int standby;             /* GL_CMD_STANDBY: the next GO's cue, -1 none */

	/* this tick's view, set before the merge */
	float x[TIMING_COUNT];   /* fade position of each timing group */
	bool merging;            /* not off: its values count */

	/* for the live state (live_tick.c): the active cue's GO */
	int from;                /* the cue active before it, -1 none */
	bool back;               /* it was a BACK */
	uint32_t go_stamp;       /* e->go_counter at it */

	/* After an edit (edit.c): the heap block its plan arrays above live
	 * in (NULL: in e->plan, as finalize laid them out). */
	void *edit_block;
	/* The control thread's view of the cues (gl_engine_cue*): the tick's
	 * cues until an edit, then the ones of the last edit whose event the
	 * control thread has read. */
	const struct cue *view;
	atomic_int view_count;   /* also read by gl_engine_command (any thread) */
	int *view_origin;        /* of the last edit; NULL: identity */
};

/* A list param whose state an edit carries over: its index and value
 * index in the new plan and in the replaced one. */
struct edit_carry {
	int32_t param, value;
	int32_t old_param, old_value;
};

struct fx_edit;

/*
 * One edit of a list (edit.c, edit_tick.c): built on the control thread,
 * taken by the tick, which swaps `next`'s cues and plan arrays with the
 * list's own (pointers change hands; nothing is allocated) and e->seg and
 * e->u_seg with `seg` and `u_seg`; from then on it holds the replaced
 * arrays until the control thread has read the event and frees them.
 */
struct cue_table {
	int list;
	struct cuelist next;     /* cues and the plan fields, edit_block set */
	struct edit_carry *carry;/* params in both plans, ascending */
	int carry_count;
	/* the per-universe index of list runs for the lists as they will be */
	int32_t *u_seg;
	struct list_seg *seg;
	void *seg_block;         /* holds u_seg and seg (NULL: in e->plan) */
	int *cue_from;           /* per cue: its origin, -1 new */
	int *cue_built;          /* per cue: GL_CUE_BUILT's k, -1 none */
	int *cue_to;             /* per cue of the replaced list: where the
				  * playback goes (its new index, else the
				  * nearest earlier cue kept, else -1) */
	int old_count;
	struct fx_edit *fx;      /* the list's effects and timecode times as
				  * they will be (effects.h); NULL when it has
				  * neither */
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

/* Another reader's copy of the snapshot (gl_engine_add_snapshot_tap). */
struct gl_snapshot_tap {
	struct gl_tbuf tb;
	atomic_bool ready;
	void *bufs;              /* the three buffers, one allocation */
};

struct gl_frame_tap {
	struct gl_engine *engine;
	struct gl_tbuf tb;
	struct gl_frame frames[3];
	/* per buffer: 1 + the tick whose universes it holds (0: none yet), so
	 * publishing copies only universes rendered since */
	uint64_t filled[3];
	int ready_fd;            /* eventfd: readable when a frame is new */
};

/* A param whose slots the dense render cannot write: 16 or 24 bits, or
 * inverted. Rendered after it, exactly as before the plan existed. */
struct render_fixup {
	int32_t lane;
	int32_t dim_lane;        /* virtual intensity lane, -1 none */
	int32_t slot, fine, ultra;  /* offsets in dmx[]; -1 none */
	uint8_t bytes;
	bool invert;
};

struct prog_entry {
	int32_t lane;
	float value;
	int32_t next;            /* 1 + the next entry, 0 none */
};

/* Lanes lane .. lane + count - 1 are scaled by master_factor[factor ..];
 * `same` when those factors are all `factor_all` (no group fader in the
 * run, or the same ones), so the loop needs no factor array. */
struct master_run {
	int32_t lane, factor, count;
	bool same;
	float factor_all;
};

/* The live state's export and restore (live.c, live_tick.c). Each of the
 * three export buffers is a struct gl_live_state followed by its arrays
 * (its pointers point into its own buffer); the restore is one such
 * block too, plus the order lists are put back in. */
struct engine_live {
	bool enabled;
	bool changed;            /* something to publish at the end of the tick */
	uint64_t changes;
	struct gl_tbuf tb;
	void *buf[3];
	int32_t *lane_param;     /* per lane: its param, -1 none */
	struct gl_live_state *restore;  /* what gl_engine_restore() copied */
	int *restore_order;      /* list indexes by go_order */
	bool restore_pending;    /* the next tick puts it back */
	bool quiet;              /* restoring: no cue events */
	uint32_t cue_edits;      /* tick: cue list edits taken */
	uint32_t cue_edits_read; /* reader: edits whose event it has read */
};

/* How the engine thread runs, set by the thread itself when it starts. */
struct engine_sched {
	bool started;
	bool fifo;
	int priority;
	int fifo_errno;
	bool lock_requested;
	bool memory_locked;
	int lock_errno;
	uint64_t memlock_limit;  /* RLIMIT_MEMLOCK when it stopped us, bytes */
};

struct fx_plan;

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
	char **label_pool;       /* blocks fixture labels are packed into */
	int label_pool_count, label_pool_cap;
	size_t label_pool_left;  /* free bytes in the newest block */

	struct group *groups;
	int group_count, group_cap;

	struct cuelist *lists;
	int list_count, list_cap;

	struct fader *faders;
	int fader_count, fader_cap;

	struct input **inputs;   /* each its own allocation: writers hold them */
	int input_count, input_cap;

	bool finalized;

	/* ---- the plan: one block, laid out at finalize ---- */
	void *plan;
	int lane_count;
	int32_t *param_lane;     /* per param */
	/* per lane */
	float *out;              /* merged value after masters */
	uint8_t *lane_cls;       /* enum gl_attr_class; non-intensity for empty lanes */
	uint16_t *owner;         /* LTP: 1 + the list whose value shows, 0 none */
	/* per universe */
	int32_t *u_lane;         /* first lane; u_lane[universe_count] = lane_count */
	/* Defaults and dimmers, one block per look (universes patched alike
	 * share one): u_defaults[u] is where universe u's lane defaults start
	 * in defaults[], u_dim[u] where its 512 dimmers start in dim[]: the
	 * lane (from u_lane) each slot is multiplied by, a virtual intensity
	 * or the universe's 1.0 lane. */
	float *defaults;
	int32_t *u_defaults;
	uint16_t *dim;
	int32_t *u_dim;
	int32_t *u_fix;          /* fixups of universe u: u_fix[u]..u_fix[u+1] */
	int32_t *u_master;       /* master entries, same */
	int32_t *u_seg;          /* list segments, same */
	int32_t *u_prog;         /* its programmer entries: 1 + the first, 0 none */
	uint64_t *u_rendered;    /* 1 + the tick that last rendered it */
	uint8_t *u_dirty;        /* must be merged and rendered this tick */
	int32_t *dirty_list;
	int dirty_count;
	uint8_t *dmx;            /* universe_count * 512 */
	struct render_fixup *fix;
	struct list_seg *seg;
	void *seg_block;         /* u_seg and seg after an edit (NULL: in the plan) */
	/* masters: every fixture's intensity lane, in runs of consecutive
	 * lanes, and its group-master factor */
	struct master_run *master_runs;  /* u_master indexes these */
	int32_t *master_fixture; /* per master entry */
	float *master_factor;
	int master_count;
	/* the programmer: params set live, above every playback (LTP for all,
	 * intensity included, then scaled by the masters); a list per
	 * universe in a pool with room for every param */
	struct prog_entry *prog;
	int prog_used;           /* entries of the pool ever taken */
	int prog_free;           /* 1 + the first free entry, 0 none */
	int prog_count;          /* entries in use */
	void *snap_buf[3];

	float grand_master;
	bool blackout;
	bool masters_dirty;
	bool owners_stale;       /* an owning list let go of an LTP param */
	uint32_t go_counter;
	uint64_t tick_count;
	uint64_t last_tick_ns;

	struct gl_mpsc commands;
	struct gl_spsc events;
	int event_fd;            /* eventfd: readable when events wait */
	atomic_uint_fast64_t commands_dropped;
	uint64_t events_dropped;
	bool events_pushed;      /* since the last wake-up of the reader */

	struct gl_frame_tap *taps[GL_MAX_TAPS];
	int tap_count;

	/* snapshot: three buffers of header + lists + fader levels */
	struct gl_tbuf snap_tb;
	atomic_bool snap_ready;
	size_t snap_size;        /* bytes of one */
	struct gl_snapshot_tap *snap_taps[GL_MAX_SNAPSHOT_TAPS];
	int snap_tap_count;

	/* cue edits (edit.c, edit_tick.c): one in flight, handed over by
	 * pointer */
	_Atomic(struct cue_table *) edit_in;   /* built, for the tick */
	_Atomic(struct cue_table *) edit_out;  /* replaced, for the control thread */
	bool edit_ack_owed;      /* tick: the event did not fit in the ring yet */
	bool edit_pending;       /* control thread: its event not read yet */

	struct engine_live live;

	/* engine thread */
	pthread_t thread;
	atomic_bool running;
	bool thread_started;
	bool lock_memory;        /* gl_engine_lock_memory() */
	struct engine_sched sched;
	uint64_t ticks_late, ticks_skipped;
	uint64_t tick_ns_last, tick_ns_max;

	/* effects, timecode lists, sound input (effects.h); NULL until the
	 * first effect or timecode list, made at finalize at the latest */
	struct fx_plan *fx;
};

/* Build time (build.c, effects_build.c): makes room for one more item in a
 * growable array, doubling it; returns GL_ENOMEM from the caller when it
 * cannot. */
#define GROW(arr, count, cap)                                                   \
	do {                                                                    \
		if ((count) == (cap)) {                                         \
			int ncap_ = (cap) ? (cap) * 2 : 8;                      \
			void *n_ = realloc((arr), (size_t)ncap_ * sizeof *(arr)); \
			if (!n_)                                                \
				return GL_ENOMEM;                               \
			(arr) = n_;                                             \
			(cap) = ncap_;                                          \
		}                                                               \
	} while (0)

/* Exchanges two lvalues of one type (the tick's hand-overs by pointer). */
#define SWAP(a, b)                         \
	do {                               \
		__typeof__(a) swap_ = (a); \
		(a) = (b);                 \
		(b) = swap_;               \
	} while (0)

/* The universe a lane belongs to (lanes come in universe order; u_lane has
 * universe_count + 1 entries). */
static inline int engine_lane_universe(const int32_t *u_lane, int universe_count, int lane)
{
	int lo = 0, hi = universe_count - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (u_lane[mid] <= lane)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The value index of lane k (a param of list whose runs *run walks) from
 * a run cursor that only moves forward: loops over params in order walk
 * the runs with them. */
static inline int list_value_index(struct list_run **run, int k)
{
	while (k >= (*run)->lane + (*run)->count)
		(*run)++;
	return (*run)->value + k - (*run)->lane;
}

/* thread.c */
void engine_taps_free(struct gl_engine *e);   /* frame and snapshot taps */

/* tick.c */
/* The tick proper (gl_engine_tick() is this, then the wake-ups). */
void engine_tick_run(struct gl_engine *e, uint64_t now_ns);
void engine_emit(struct gl_engine *e, enum gl_event_type type, int list, int cue,
		 int index, uint64_t time_ns);
/* Marks universe u to be merged and rendered this tick. */
void engine_touch(struct gl_engine *e, int u);
/* Marks every universe list l holds a param in. */
void engine_touch_list(struct gl_engine *e, const struct cuelist *l);
/* The programmer: lane k set to value / every entry cleared. */
void engine_prog_set(struct gl_engine *e, int k, float value);
void engine_prog_clear_all(struct gl_engine *e);

/* live.c */
void engine_live_free(struct gl_engine *e);

/* live_tick.c */
/* Puts back what gl_engine_restore() gave, once, before the first tick's
 * commands. */
void engine_live_apply(struct gl_engine *e, uint64_t now_ns);
/* Publishes the live state when it changed this tick. */
void engine_live_publish(struct gl_engine *e, uint64_t now_ns);

/* cuelist.c */
void cuelist_go(struct gl_engine *e, struct cuelist *l, int cue, uint64_t at_ns,
		bool is_back);
void cuelist_stop(struct gl_engine *e, struct cuelist *l, uint64_t now_ns);
void cuelist_pause(struct cuelist *l, uint64_t now_ns);
void cuelist_resume(struct cuelist *l, uint64_t now_ns);
/* Timing: done events, wait/follow continues, release end. */
void cuelist_step(struct gl_engine *e, struct cuelist *l, uint64_t now_ns);
/* This tick's fade positions and progress. Returns true when the list's
 * values can still change with time. */
bool cuelist_prepare(struct cuelist *l, uint64_t now_ns);
int cuelist_next(const struct cuelist *l);
/* Rebuilds e->owner from every list's set params and stamps. */
void cuelist_rebuild_owners(struct gl_engine *e);
/* Seconds until the active cue's wait or follow fires, -1 none. */
float cuelist_continue_in_s(const struct cuelist *l, uint64_t now_ns);
/* The list stops holding param i (value index v). */
void cuelist_let_go(struct gl_engine *e, struct cuelist *l, int i, int v);

/* build.c */
/* Appends a cue to l's cues (build time, and an edit's list). Checks the
 * def as gl_engine_add_cue() says. */
int engine_cue_append(struct gl_engine *e, struct cuelist *l, const struct gl_cue_def *def);
/* After finalize: lays out the plan arrays of l (a list an edit builds,
 * its cues in place) in a block of their own, filled as finalize fills
 * a list's; l->edit_block is that block. 0, or GL_ENOMEM. */
int engine_list_plan(struct gl_engine *e, struct cuelist *l);
/* Counts (seg NULL) or fills the per-universe index of list runs, for
 * e's lists with list `replaced` read from *as instead (-1: none). u_seg:
 * universe_count + 1 entries, zeroed. Returns the segment count. */
int engine_segments(const struct gl_engine *e, int replaced, const struct cuelist *as,
		    int32_t *u_seg, struct list_seg *seg);

/* edit.c (control thread) */
/* The list's GL_EV_CUES_REPLACED was read: the view moves on and the
 * replaced arrays are freed. */
void engine_edit_acked(struct gl_engine *e, int list);
/* The control thread's view of list l's cues. */
const struct cue *engine_edit_view(const struct gl_engine *e, const struct cuelist *l, int *count);
/* destroy: every array an edit still holds. */
void engine_edit_free_all(struct gl_engine *e);

/* edit_tick.c (the tick) */
/* Takes a waiting edit (first thing of a tick). */
void engine_edit_apply(struct gl_engine *e, uint64_t now_ns);
/* Pushes the event an applied edit still owes; false while the ring is
 * full. engine_emit() sends it before any other event. */
bool engine_edit_ack(struct gl_engine *e);
/* Puts list l back as ll says (see gl_engine_restore()), at now_ns. */
void cuelist_restore(struct gl_engine *e, struct cuelist *l, const struct gl_live_list *ll,
		     uint64_t now_ns);

#endif
