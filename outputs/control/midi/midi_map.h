/*
 * midi_map.h - what a MIDI control does: one mapping per line, in the text
 * of mapping files (assets/midi/NAME.map) and of the show's midi.map { ... }
 * (scripts/show_midi.c writes the same line), parsed and printed here, and
 * resolved against the engine's show. Pure; any thread.
 *
 *   <input> <target> [options]            # comment
 *   input:   note CH N | cc CH N | pc CH N | bend CH | fire N (MSC FIRE macro)
 *            CH is 1..16 or * (any); N is 0..127
 *   target:  go [LIST] | back [LIST] | stop [LIST] | pause [LIST] | resume [LIST]
 *            | goto LIST CUE | blackout | fader N | gm | master LIST
 *            | attr FIXTURE ATTRIBUTE | lua N (the show's function N)
 *   LIST:    a cue list's 1-based number, or its name (in "quotes" when it
 *            has spaces); stop/pause/resume without one: every list,
 *            go/back without one: the first
 *   options: on=V off=V alt=V (feedback values 0..127), nofeedback, motor,
 *            pickup, latch
 *
 *   note 1 0 go 1 on=1 off=0 alt=5     # APC mini: bottom left pad, green/yellow
 *   cc 1 48 fader 1 pickup             # a fader without a motor
 */
#ifndef GL_MIDI_MAP_H
#define GL_MIDI_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"

#define MIDI_MAP_LINE_MAX 256       /* bytes of one line */
#define MIDI_MAP_MAX 1024           /* mappings one show may have in all */

enum midi_input {
	MIDI_IN_NOTE,
	MIDI_IN_CC,
	MIDI_IN_PC,
	MIDI_IN_BEND,
	MIDI_IN_FIRE,               /* MSC FIRE <macro> */
};

enum midi_action {
	MIDI_DO_GO,
	MIDI_DO_BACK,
	MIDI_DO_STOP,
	MIDI_DO_PAUSE,
	MIDI_DO_RESUME,
	MIDI_DO_GOTO,
	MIDI_DO_BLACKOUT,
	MIDI_DO_FADER,
	MIDI_DO_GM,
	MIDI_DO_MASTER,
	MIDI_DO_ATTR,
	MIDI_DO_LUA,
};

struct midi_map {
	enum midi_input input;
	int channel;                /* 0..15, -1 any */
	int number;                 /* 0..127; -1 for bend */
	enum midi_action action;
	char list[GL_NAME_MAX];     /* as written: "" none, "2", "Main" */
	char cue[GL_CUE_NUMBER_MAX];/* goto: as written */
	int fader;                  /* fader: its number */
	int fixture;                /* attr: 1-based */
	char attr[24];              /* attr: the attribute's name */
	int lua;                    /* lua: the show's function */
	/* options */
	int on, off, alt;           /* feedback values; alt = on unless given */
	bool feedback;              /* false: nofeedback */
	bool motor;                 /* echo levels to the control */
	bool pickup;                /* soft takeover */
	bool latch;                 /* blackout follows the control (on/off), not toggled */
	/* midi_map_resolve() */
	int list_index;             /* -1 every list (stop/pause/resume) */
	int cue_index;
	int fader_index;            /* its place in the engine's faders */
	int param;
};

/* One line. Returns 1 with *m filled, 0 for a blank or comment line, or
 * GL_EINVAL with what is wrong in why. */
int midi_map_parse(const char *line, struct midi_map *m, char *why, size_t why_len);
/* The line that parses back to m (names quoted when needed). */
size_t midi_map_format(const struct midi_map *m, char *out, size_t len);
/* Finds the list, cue, fader and attribute m names in the engine's show.
 * Returns 0, or GL_ENOENT with what is missing in why. */
int midi_map_resolve(const struct gl_engine *e, struct midi_map *m, char *why, size_t why_len);
/* True when the target takes a level (fader, gm, master, attr), false for
 * triggers and lua. */
bool midi_map_is_level(const struct midi_map *m);
/* "note", "cc", "pc", "bend", "fire" */
const char *midi_input_name(enum midi_input in);

#endif
