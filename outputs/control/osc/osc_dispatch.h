/*
 * osc_dispatch.h - the /gl address space: one incoming OSC message (address
 * pattern + typed arguments) to engine commands or an adapter action (ping,
 * subscribe), or a counted reason to drop it. Pure: reads the engine's
 * frozen show shape (names, numbers), sends nothing, no system calls; the
 * fuzz target drives it directly. Control thread (or a test).
 *
 * Arguments: numbers may be int32, int64, float or double; levels must be
 * finite and within 0..1. Trigger addresses (go, back, stop, ...) given a
 * single number act on a non-zero value and ignore 0 (a TouchOSC button's
 * release). Wildcards work in every part after /gl; the command part must
 * name exactly one command (a stray "/gl/ *" never fires GO and STOP at once).
 * A pattern's cost is bounded twice: osc_pattern_check() refuses one with
 * many groups or alternatives before anything, and all the matching one
 * message does shares OSC_DISPATCH_STEPS (GL_CONTROL_DROP_TOO_COSTLY past
 * either).
 */
#ifndef GL_OSC_DISPATCH_H
#define GL_OSC_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "outputs/control/control.h"

#define OSC_ADDRESS_MAX 256
#define OSC_DISPATCH_CMDS_MAX 64
#define OSC_DISPATCH_STEPS 20000     /* pattern-matching steps one message may take */

struct osc_dispatch_result {
	int cmd_count;
	struct gl_cmd cmds[OSC_DISPATCH_CMDS_MAX];
	bool ping;
	bool memory;             /* /gl/memory: the host's memory figures to the sender */
	bool subscribe;
	int subscribe_port;      /* subscribe/unsubscribe/refresh: the reply port
				  * given, 0 = the sender's port */
	bool unsubscribe;
	bool refresh;            /* full state to the sender */
	bool panic;              /* /gl/panic: the adapter fades the audio out too */
	bool ignored;            /* a trigger's release (value 0): nothing to do */
	bool unmatched;          /* not under /gl: for the show's on_osc */
	enum gl_control_drop drop; /* GL_CONTROL_DROP_NONE when accepted */
	char why[160];           /* the drop, in words */
};

/* The /gl address space, for `ghostlight help osc-addresses` and the layout
 * checker: the i-th command address osc_dispatch() accepts (written into
 * buf, from the table it matches with) and the i-th feedback address the
 * adapter sends, each with its arguments in words. <x> stands for one
 * part, {a,b} for one of. NULL past the last. */
const char *osc_address_command(int i, char *buf, size_t len, const char **args);
const char *osc_address_feedback(int i, const char **args);

/* Fills *r. Never fails: a rejected message has r->drop set. */
void osc_dispatch(const struct gl_engine *e, const char *address, const struct gl_ctl_arg *argv,
		  int argc, struct osc_dispatch_result *r);

#endif
