/*
 * midi_dispatch.h - what a MIDI message does: a control's mapping (note,
 * cc, program change, pitch bend -> GO, fader, ...), MIDI Show Control
 * addressed to us, MIDI Time Code into the chase; and the feedback the
 * controls get back (LEDs for list state, levels for motorised faders,
 * soft takeover for the others). Pure: reads the engine's frozen show shape
 * and the snapshot it is given, sends nothing, no system calls; the driver
 * (midi.c) and the fuzz target call it the same way. Control thread (or a
 * test).
 *
 * Feedback rules. Motor: a level that changed elsewhere (a remote, the
 * console) is sent to the control, but not while the operator moves it - a
 * control moved within touch_hold is left alone, and gets the level when
 * the hand has been off it that long; a level the control itself set is
 * never echoed. Pickup: after a level changed elsewhere, the control does
 * nothing until it reaches the level (within one step) or passes it.
 */
#ifndef GL_MIDI_DISPATCH_H
#define GL_MIDI_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "outputs/control/control.h"
#include "midi_map.h"
#include "midi_msc.h"
#include "midi_tc.h"
#include "midi_wire.h"

#define MIDI_DISPATCH_CMDS_MAX 64
#define MIDI_DISPATCH_CALLS_MAX 16

/* A mapping to a show function: run the show's function `handler`. */
struct midi_call {
	int handler;
	float value;               /* 0..1 */
	int channel;               /* 1..16; 0 for an MSC macro */
	int number;                /* note, cc, program, macro; -1 for bend */
	enum midi_input input;
};

struct midi_result {
	int cmd_count;
	struct gl_cmd cmds[MIDI_DISPATCH_CMDS_MAX];
	int call_count;
	struct midi_call calls[MIDI_DISPATCH_CALLS_MAX];
	bool timecode;             /* MTC went into the chase */
	bool msc;                  /* an MSC message for us, acted on */
	bool ignored;              /* nothing to do (a release, real-time bytes) */
	enum gl_control_drop drop; /* GL_CONTROL_DROP_NONE when not dropped */
	char why[160];             /* the drop in words, or a note on what was done */
};

struct midi_dispatch_config {
	int msc_id;                /* 0..0x6F; -1: MSC not received */
	int msc_group;             /* 0 none, 1..15 */
	int msc_format;            /* 1..0x7E; all-types is always taken */
	int msc_list;              /* list index for MSC without a list; -1: every list */
	double touch_hold_s;       /* motor: a control moved this recently is left alone */
	bool mtc;                  /* chase incoming MTC */
	double mtc_freewheel_s;
};

struct midi_dispatch;

/* maps: resolved mappings (midi_map_resolve), copied. NULL when out of
 * memory. */
struct midi_dispatch *midi_dispatch_create(const struct gl_engine *e, const struct midi_map *maps,
					   int count, const struct midi_dispatch_config *cfg);
void midi_dispatch_destroy(struct midi_dispatch *d);

/* One message, received at now_ns. snap: the newest snapshot (list states
 * for MSC and toggles; NULL before the first). Fills *r. */
void midi_dispatch_message(struct midi_dispatch *d, const struct midi_msg *msg,
			   const struct gl_snapshot *snap, uint64_t now_ns, struct midi_result *r);

/* The feedback messages (3 bytes each, at most max) for what changed in
 * snap since the last call; everything when full (a device that came back).
 * Returns how many it wrote; what did not fit goes out on the next call. */
int midi_dispatch_feedback(struct midi_dispatch *d, const struct gl_snapshot *snap,
			   uint64_t now_ns, bool full, uint8_t out[][3], int max);
/* When a control leaves its touch hold and may need a level sent; 0 none. */
uint64_t midi_dispatch_next_ns(const struct midi_dispatch *d);

/* The chase MTC feeds (read its position, run its timers). */
struct midi_chase *midi_dispatch_chase(struct midi_dispatch *d);

/* Mappings the dispatch holds, and whether any sends feedback. */
int midi_dispatch_map_count(const struct midi_dispatch *d);
bool midi_dispatch_has_feedback(const struct midi_dispatch *d);

#endif
