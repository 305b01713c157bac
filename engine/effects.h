/*
 * effects.h - the engine's effects, timecode lists and sound input: what
 * effects_build.c lays out at build and finalize and effects.c runs in the
 * tick. Private to engine/.
 *
 * Threads: the build functions on the loading thread before finalize; the
 * tick functions on the engine thread only (no allocation, no lock, no
 * system call: effects.c is one of the tick's objects that
 * tools/check_tick.sh reads); the sound input's atomics are written by the
 * capture thread and read by the tick.
 *
 * An effect's members each have a phase offset (cycles) and, for pixel
 * waves, a place on the matrix. Its slots are the lanes it writes, one per
 * member and component (1: the attribute; 2: pan, tilt; 3: red, green,
 * blue), contiguous per effect in member order (slot_first + member *
 * comps + comp). Each tick the running effects compute a delta per slot
 * (value[]); the merge of a universe then applies its segments (runs of
 * consecutive slots of one effect, u_seg) on top of the cue lists:
 * out += ((base or out) + delta - out) * level. The tick reads the slots
 * as arrays (lane[], base[], gain[]), the build's struct fx_slot only
 * lays them out.
 */
#ifndef GL_EFFECTS_H
#define GL_EFFECTS_H

#include <stdatomic.h>

#include "engine_internal.h"

struct fx_slot {
	int32_t lane;
	int32_t param;           /* until finalize gives lanes */
	int32_t effect;
	int32_t member;
	uint8_t comp;
	float base;              /* NaN: relative (the value below) */
	float gain;              /* attribute units -> normalised */
};

struct fx {
	struct gl_effect_def def;   /* fixtures, xy, image: the copies below */
	int *fixtures;
	uint8_t *image;
	int member_count;
	float *phase;            /* per member, cycles */
	float *mx, *my, *mu;     /* per member: x, y, and u along the angle (0..1) */
	int slot_first, slot_end;
	int comps;               /* slots per member: 1, 2 or 3 */
	bool centred;            /* the wave is taken around its middle */
	int32_t *universes;      /* that its slots touch */
	int universe_count;

	/* playback (engine thread) */
	bool on;                 /* fading in, running, or fading out */
	bool stopping;
	bool start_pending;      /* def.start: the first tick starts it */
	uint64_t on_ns, off_ns;
	float level_at_off;
	float level;             /* this tick's fade level */
	double phase0;           /* phase(t) = phase0 + rate_hz * (t - t0) */
	uint64_t t0_ns;
	double rate_hz;          /* as asked (declared, tapped, set) */
	float size_scale, rate_scale;
	uint16_t owner;          /* 1 + the list whose cue runs it; 0 none */
	uint64_t tap_ns[4];
	int taps;
	uint32_t beats_seen;
};

/* A cue's reference to an effect, as built. */
struct fx_cue_ref {
	int32_t list, cue, effect;
	bool on;
};

/* Consecutive slots of one effect in one universe. */
struct fx_seg {
	int32_t effect, first, end;
};

/* The effects a list's cues name, and per cue whether each runs. */
struct fx_list {
	int count;
	int32_t *effects;
	uint8_t *track;          /* cue_count x count */
};

/* A list driven by timecode. */
struct fx_tc {
	bool enabled;
	bool external;
	double freewheel_s;
	float *cue_s;            /* per cue, its time (s); NaN none (build) */
	float *built_cue_s;      /* cue_s as finalize found it (GL_CUE_BUILT) */
	int timed_count;         /* cues with a time, ascending */
	uint64_t *timed_ns;
	int32_t *timed_cue;
	/* playback */
	bool running;            /* the clock moves */
	bool locked;             /* external: positions arrive */
	bool jumped;             /* the next step seeks */
	bool held;               /* the list was paused by a dropout */
	uint64_t ref_ns;         /* engine time at which pos_ref_ns holds */
	uint64_t pos_ref_ns;
	uint64_t last_rx_ns;
	uint64_t position_ns;    /* at the last tick */
	int at;                  /* index into timed_* of the last cue fired, -1 */
};

struct fx_plan {
	/* build */
	struct fx *effects;
	int effect_count, effect_cap;
	struct fx_slot *slots;
	int slot_count, slot_cap;
	struct fx_cue_ref *refs;
	int ref_count, ref_cap;
	struct fx_cue_ref *built_refs;   /* refs as finalize found them (GL_CUE_BUILT) */
	int built_ref_count;
	struct fx_tc *tc;        /* per list (list_count at set_timecode time) */
	int tc_count;
	/* finalize: per slot */
	int32_t *lane;
	float *base;             /* NaN: relative (the value below) */
	float *gain;
	float *value;            /* this tick's delta */
	/* per universe: its segments u_seg[u] .. u_seg[u + 1] */
	int32_t *u_seg;
	struct fx_seg *segs;
	struct fx_list *lists;   /* per list */
	int list_count;
	/* sound input: written by the capture thread */
	_Atomic uint32_t level_bits, beats, bpm_bits;
};

/* A cue list edited while it plays (edit.c): the effects its cues run
 * and the times its cues fire at on timecode, worked out for the new cues
 * by their identity (the edit's origins: a cue kept, renumbered or updated
 * keeps its references, a deleted one takes its own away, a new one has
 * none), built with the rest of the edit and swapped in by the tick that
 * takes it. After the swap it holds what was replaced, freed with the
 * edit. */
struct fx_edit {
	struct fx_list fl;           /* the list's entry of fx_plan.lists */
	bool tc;                     /* the list is on timecode: the four below */
	float *cue_s;
	int timed_count;
	uint64_t *timed_ns;
	int32_t *timed_cue;
	struct fx_cue_ref *refs;     /* fx_plan.refs, this list's renumbered */
	int ref_count;
};

/* effects_build.c */
/* Control thread, gl_engine_replace_cues(): t->fx for the edit in t (t->cue_from
 * and t->cue_to made), or NULL when the list has no effects and no
 * timecode. Returns 0, GL_ENOMEM, or GL_EINVAL when the cues kept would no
 * longer ascend in time. */
int engine_fx_edit_build(struct gl_engine *e, struct cue_table *t);
void engine_fx_edit_free(struct fx_edit *x);

int engine_fx_finalize(struct gl_engine *e);
void engine_fx_free(struct gl_engine *e);
/* The plan, made on first use (build). NULL when out of memory. */
struct fx_plan *engine_fx_plan(struct gl_engine *e);
/* thread.c's check of a command the core does not know: 0, or GL_E*. */
int engine_fx_validate(const struct gl_engine *e, const struct gl_cmd *cmd);

/* effects.c (the tick) */
/* Effect and timecode commands, and the cue list commands a timecode list
 * takes itself. Returns true when it handled the command. */
bool engine_fx_command(struct gl_engine *e, const struct gl_cmd *cmd, uint64_t now_ns);
void engine_fx_fader(struct gl_engine *e, const struct fader *f, uint64_t now_ns);
/* Timecode lists, then every running effect's values; touches their
 * universes. After the lists' own step, before their prepare. */
void engine_fx_step(struct gl_engine *e, uint64_t now_ns);
/* Universe u's effect slots onto out[] (in its merge, after the lists). */
void engine_fx_apply(struct gl_engine *e, int u);
/* A cue of list l fired (cuelist_go, cuelist_seek): its effects. */
void engine_fx_cue(struct gl_engine *e, const struct cuelist *l, int cue, uint64_t at_ns);
/* The tick, when it takes the edit t of a list (edit_tick.c; the cues
 * already swapped, l->active moved to the new index it had as
 * old_active): swaps in t->fx. The effects the active cue runs are
 * started and stopped only where the new cue differs from the old one
 * (a running effect goes on, its phase unbroken), and a timecode list's
 * clock goes on from the cue it fired last, found by identity. */
void engine_fx_edit_apply(struct gl_engine *e, struct cue_table *t, int old_active,
			  uint64_t now_ns);
/* List l stopped: the effects its cues run stop. */
void engine_fx_list_stop(struct gl_engine *e, const struct cuelist *l, uint64_t now_ns);

/* cuelist.c: the state a linear playback of l has `at_ns - go` into cue
 * `cue` when every earlier cue's fades were complete (timecode jumps);
 * cue < 0: the list let go of everything. */
void cuelist_seek(struct gl_engine *e, struct cuelist *l, int cue, uint64_t at_ns);

#endif
