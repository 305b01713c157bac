/*
 * osc_dispatch.c - the /gl address space (see osc_dispatch.h and the README's
 * OSC section). Pure: engine name look-ups only. Invariants: a message
 * either yields commands or a drop reason, never both; at most
 * OSC_DISPATCH_CMDS_MAX commands however wide a wildcard.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc_dispatch.h"
#include "osc_wire.h"

#define SEG_MAX 8

/* Every match of one message draws on one step budget (steps in scope):
 * however many lists, cues and faders a wildcard is tried against, a
 * message costs at most OSC_DISPATCH_STEPS steps of matching. */
#define MATCH(pattern, text) osc_pattern_match_budget((pattern), (text), steps)

static void drop(struct osc_dispatch_result *r, enum gl_control_drop reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void drop(struct osc_dispatch_result *r, enum gl_control_drop reason, const char *fmt, ...)
{
	va_list ap;

	r->drop = reason;
	r->cmd_count = 0;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

static bool is_number(const struct gl_ctl_arg *a)
{
	return a->type == 'i' || a->type == 'h' || a->type == 'f' || a->type == 'd';
}

static double number_of(const struct gl_ctl_arg *a)
{
	return a->type == 'i' || a->type == 'h' ? (double)a->i : a->f;
}

static void add_cmd(struct osc_dispatch_result *r, enum gl_cmd_type type, int list, int index,
		    float value)
{
	if (r->cmd_count >= OSC_DISPATCH_CMDS_MAX)
		return;
	r->cmds[r->cmd_count++] = (struct gl_cmd){ .type = type, .list = list, .index = index,
						   .value = value };
}

/* A level argument 0..1. Returns false (and drops) when it is not one. */
static bool level_arg(struct osc_dispatch_result *r, const struct gl_ctl_arg *argv, int argc,
		      const char *what, float *out)
{
	if (argc != 1 || !is_number(&argv[0])) {
		drop(r, GL_CONTROL_DROP_WRONG_TYPE, "%s needs one number 0..1", what);
		return false;
	}
	double v = number_of(&argv[0]);
	if (!isfinite(v) || v < 0.0 || v > 1.0) {
		drop(r, GL_CONTROL_DROP_RANGE, "%s: level %g is outside 0..1", what, v);
		return false;
	}
	*out = (float)v;
	return true;
}

/* Lists whose name, or 1-based number, a path part matches (bitmap-free:
 * returns the count, fills ids up to max). */
static int match_lists(const struct gl_engine *e, const char *part, int *ids, int max,
		       int *steps)
{
	int n = 0, count = gl_engine_cuelist_count(e);

	for (int l = 0; l < count && n < max; l++) {
		char num[16];

		snprintf(num, sizeof num, "%d", l + 1);
		if (MATCH(part, gl_engine_cuelist_name(e, l)) ||
		    MATCH(part, num))
			ids[n++] = l;
	}
	return n;
}

static int match_cues(const struct gl_engine *e, int list, const char *part, int *ids, int max,
		      int *steps)
{
	int n = 0, count = gl_engine_cue_count(e, list);
	bool wild = osc_pattern_has_wildcards(part);
	char *end;
	double number = strtod(part, &end);

	for (int c = 0; c < count && n < max; c++) {
		const struct gl_cue_def *def = gl_engine_cue(e, list, c);

		if (wild ? MATCH(part, def->number_text)
			 : (*end == '\0' && end != part && def->number == number))
			ids[n++] = c;
	}
	return n;
}

/* The trigger argument convention: () or (non-zero) -> act; (0) -> a
 * release, ignored; (string [, cue]) -> a list by name [and a cue]. */
static int list_by_name(const struct gl_engine *e, const char *name)
{
	int id = gl_engine_cuelist_find(e, name);

	if (id < 0) {
		char *end;
		long n = strtol(name, &end, 10);

		if (*name && *end == '\0' && n >= 1 && n <= gl_engine_cuelist_count(e))
			id = (int)n - 1;
	}
	return id;
}

/* A GOTO of the list's cue numbered cue_number (/gl/<verb> list cue), or a
 * drop when the list has no such cue. */
static void add_goto(const struct gl_engine *e, const char *verb, int list, double cue_number,
		     struct osc_dispatch_result *r)
{
	int cue = gl_engine_cue_find(e, list, cue_number);

	if (cue < 0) {
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "/gl/%s: list \"%.60s\" has no cue %g",
		     verb, gl_engine_cuelist_name(e, list), cue_number);
		return;
	}
	add_cmd(r, GL_CMD_GOTO, list, cue, 0);
}

static void trigger(const struct gl_engine *e, const char *verb, enum gl_cmd_type type,
		    int default_list, const struct gl_ctl_arg *argv, int argc,
		    struct osc_dispatch_result *r)
{
	int list = default_list;

	if (argc >= 1 && is_number(&argv[0])) {
		double v = number_of(&argv[0]);

		if (argc > 1) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "/gl/%s takes [list name [cue]] or one number", verb);
			return;
		}
		if (!isfinite(v)) {
			drop(r, GL_CONTROL_DROP_RANGE, "/gl/%s: %g is not a number", verb, v);
			return;
		}
		if (v == 0.0) {
			r->ignored = true;
			return;
		}
	} else if (argc >= 1 && (argv[0].type == 'T' || argv[0].type == 'F')) {
		if (argc > 1 || argv[0].type == 'F') {
			r->ignored = argv[0].type == 'F' && argc == 1;
			if (!r->ignored)
				drop(r, GL_CONTROL_DROP_WRONG_TYPE, "/gl/%s: too many arguments",
				     verb);
			return;
		}
	} else if (argc >= 1) {
		if (argv[0].type != 's' && argv[0].type != 'S') {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "/gl/%s: the list must be a name (string)", verb);
			return;
		}
		list = list_by_name(e, argv[0].s);
		if (list < 0) {
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "/gl/%s: no cue list \"%.60s\"",
			     verb, argv[0].s);
			return;
		}
		if (argc == 2 && type == GL_CMD_GO) {
			if (!is_number(&argv[1])) {
				drop(r, GL_CONTROL_DROP_WRONG_TYPE,
				     "/gl/go: the cue must be a number");
				return;
			}
			add_goto(e, "go", list, number_of(&argv[1]), r);
			return;
		}
		if (argc > 1) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE, "/gl/%s: too many arguments", verb);
			return;
		}
	}
	if (list >= 0 && list >= gl_engine_cuelist_count(e)) {
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "/gl/%s: the show has no cue list", verb);
		return;
	}
	add_cmd(r, type, list, 0, 0);
}

/* A trigger with a release convention but no list (panic, ping ...). */
static bool pressed(const struct gl_ctl_arg *argv, int argc, struct osc_dispatch_result *r)
{
	if (argc == 1 && ((is_number(&argv[0]) && number_of(&argv[0]) == 0.0) ||
			  argv[0].type == 'F')) {
		r->ignored = true;
		return false;
	}
	return true;
}

/* A button's press (what: "/gl/panic"): at most its own 1/0 argument. */
static bool button_pressed(const char *what, const struct gl_ctl_arg *argv, int argc,
			   struct osc_dispatch_result *r)
{
	if (argc > 1) {
		drop(r, GL_CONTROL_DROP_WRONG_TYPE, "%s takes no arguments", what);
		return false;
	}
	return pressed(argv, argc, r);
}

enum verb {
	V_GO, V_BACK, V_STOP, V_PAUSE, V_RESUME, V_PANIC, V_GOTO, V_CUE, V_LIST, V_FADER,
	V_GM, V_BLACKOUT, V_FIXTURE, V_CLEAR, V_PING, V_MEMORY, V_SUBSCRIBE, V_UNSUBSCRIBE,
	V_REFRESH, V_COUNT
};

/* The commands, matched by the part after /gl (name); the rest of the
 * address and the arguments as `ghostlight help osc-addresses` prints them
 * (<x>: one part, {a,b}: one of). */
static const struct {
	const char *name, *rest, *args;
} verbs[V_COUNT] = {
	[V_GO] = { "go", "", "[list [cue]] | 1/0" },
	[V_BACK] = { "back", "", "[list] | 1/0" },
	[V_STOP] = { "stop", "", "[list] | 1/0" },
	[V_PAUSE] = { "pause", "", "[list] | 1/0" },
	[V_RESUME] = { "resume", "", "[list] | 1/0" },
	[V_PANIC] = { "panic", "", "[1/0]" },
	[V_GOTO] = { "goto", "", "list cue" },
	[V_CUE] = { "cue", "/<list>/<cue>/{go,fire}", "[1/0]" },
	[V_LIST] = { "list", "/<list>/{go,back,stop,pause,resume,master}", "[1/0] | level" },
	[V_FADER] = { "fader", "/<n>", "level" },
	[V_GM] = { "gm", "", "level" },
	[V_BLACKOUT] = { "blackout", "", "[1/0 | T/F]" },
	[V_FIXTURE] = { "fixture", "/<n>/<attr>", "level" },
	[V_CLEAR] = { "clear", "", "[1/0]" },
	[V_PING] = { "ping", "", "anything" },
	[V_MEMORY] = { "memory", "", "" },
	[V_SUBSCRIBE] = { "subscribe", "", "[reply port]" },
	[V_UNSUBSCRIBE] = { "unsubscribe", "", "" },
	[V_REFRESH] = { "refresh", "", "" },
};

/* What the adapter sends (osc.c builds these paths; the layout replay test
 * checks that everything it receives is listed here). */
static const struct {
	const char *address, *args;
} feedback_addresses[] = {
	{ "/gl/out/show", "s" },
	{ "/gl/out/list/<l>/name", "s" },
	{ "/gl/out/list/<l>/{active,standby}", "s number, s label" },
	{ "/gl/out/list/<l>/{active,standby}/{number,label}", "s" },
	{ "/gl/out/list/<l>/progress", "f 0..1" },
	{ "/gl/out/list/<l>/state", "s off|running|paused" },
	{ "/gl/out/fader/<n>", "f level" },
	{ "/gl/out/fader/<n>/label", "s" },
	{ "/gl/out/gm", "f level" },
	{ "/gl/out/blackout", "i 0/1" },
	/* the same values again on the addresses that set them, for controls
	 * with one address to send and receive (TouchOSC Mk1) */
	{ "/gl/fader/<n>", "f level" },
	{ "/gl/gm", "f level" },
	/* the audio part's, when the show plays sound (control_audio.c) */
	{ "/gl/out/audio/level/<c>", "f peak dBFS, f rms dBFS" },
	{ "/gl/out/audio/meter/<c>", "f 0..1 (peak, -60..0 dB)" },
	{ "/gl/out/audio/device", "s ok|lost" },
	{ "/gl/out/audio/sounds", "i count" },
	{ "/gl/out/audio/sound/<k>", "s name, s state, f position s, f remaining s (-1 looping)" },
	{ "/gl/out/error", "s" },
	{ "/gl/out/heartbeat", "i sequence" },
	{ "/gl/pong", "the ping's arguments" },
	{ "/gl/memory", "h heap bytes in use, h show script bytes, h script limit" },
};

const char *osc_address_command(int i, char *buf, size_t len, const char **args)
{
	if (i < 0 || i >= V_COUNT)
		return NULL;
	snprintf(buf, len, "/gl/%s%s", verbs[i].name, verbs[i].rest);
	*args = verbs[i].args;
	return buf;
}

const char *osc_address_feedback(int i, const char **args)
{
	if (i < 0 || i >= (int)(sizeof feedback_addresses / sizeof feedback_addresses[0]))
		return NULL;
	*args = feedback_addresses[i].args;
	return feedback_addresses[i].address;
}

static enum gl_cmd_type list_verb_cmd(const char *part, bool *ok, int *steps)
{
	static const struct { const char *name; enum gl_cmd_type type; } t[] = {
		{ "go", GL_CMD_GO }, { "back", GL_CMD_BACK }, { "stop", GL_CMD_STOP },
		{ "pause", GL_CMD_PAUSE }, { "resume", GL_CMD_RESUME },
	};
	int hits = 0;
	enum gl_cmd_type type = GL_CMD_GO;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (MATCH(part, t[i].name)) {
			type = t[i].type;
			hits++;
		}
	*ok = hits == 1;
	return type;
}

static void do_fader(const struct gl_engine *e, const char *part, const struct gl_ctl_arg *argv,
		     int argc, struct osc_dispatch_result *r, int *steps)
{
	float v;
	int hits = 0;

	if (!level_arg(r, argv, argc, "/gl/fader/N", &v))
		return;
	for (int i = 0; i < gl_engine_fader_count(e); i++) {
		int number, target;
		enum gl_fader_kind kind;
		const char *label;
		char num[16];

		gl_engine_fader_info(e, i, &number, &kind, &target, &label);
		snprintf(num, sizeof num, "%d", number);
		if (MATCH(part, num)) {
			add_cmd(r, GL_CMD_FADER, -1, number, v);
			hits++;
		}
	}
	if (!hits)
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "no fader %.40s", part);
}

static void do_fixture(const struct gl_engine *e, char **seg, int nseg,
		       const struct gl_ctl_arg *argv, int argc, struct osc_dispatch_result *r)
{
	float v;
	char *end;

	if (nseg != 4) {
		drop(r, GL_CONTROL_DROP_UNKNOWN_ADDRESS, "use /gl/fixture/<number>/<attribute>");
		return;
	}
	if (!level_arg(r, argv, argc, "/gl/fixture/N/attr", &v))
		return;
	long n = strtol(seg[2], &end, 10);
	if (*end || n < 1 || n > gl_engine_fixture_count(e)) {
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "no fixture %.40s", seg[2]);
		return;
	}
	int attr = gl_attr_from_name(seg[3]);
	int param = attr < 0 ? -1 : gl_engine_param(e, (int)n - 1, (enum gl_attr)attr);
	if (param < 0) {
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "fixture %ld has no attribute %.40s", n,
		     seg[3]);
		return;
	}
	/* the programmer layer: above every playback until cleared
	 * (normalised 0..1 for every attribute, pan and tilt included) */
	add_cmd(r, GL_CMD_SET_PARAM, -1, param, v);
}

static void dispatch(const struct gl_engine *e, const char *address, const struct gl_ctl_arg *argv,
		     int argc, struct osc_dispatch_result *r, int *steps)
{
	char buf[OSC_ADDRESS_MAX];
	char *seg[SEG_MAX];
	int nseg = 0;

	memset(r, 0, sizeof *r);
	if (!address || address[0] != '/' || strlen(address) >= sizeof buf) {
		drop(r, GL_CONTROL_DROP_MALFORMED, "address missing or longer than %d bytes",
		     OSC_ADDRESS_MAX - 1);
		return;
	}
	if (argc < 0 || argc > GL_CTL_ARGS_MAX || (argc > 0 && !argv)) {
		drop(r, GL_CONTROL_DROP_WRONG_TYPE, "too many arguments");
		return;
	}
	for (int i = 0; i < argc; i++)
		if ((argv[i].type == 's' || argv[i].type == 'S') && !argv[i].s) {
			drop(r, GL_CONTROL_DROP_MALFORMED, "string argument missing");
			return;
		}
	memcpy(buf, address + 1, strlen(address));
	for (char *p = buf; nseg < SEG_MAX;) {
		seg[nseg++] = p;
		p = strchr(p, '/');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (!MATCH(seg[0], "gl")) {
		r->unmatched = true;
		return;
	}
	if (strchr(seg[nseg - 1], '/') || nseg < 2) {
		drop(r, GL_CONTROL_DROP_UNKNOWN_ADDRESS, "%.100s: no such address", address);
		return;
	}
	int verb = -1, hits = 0;
	for (int v = 0; v < V_COUNT; v++)
		if (MATCH(seg[1], verbs[v].name)) {
			verb = v;
			hits++;
		}
	if (hits > 1) {
		drop(r, GL_CONTROL_DROP_AMBIGUOUS, "%.100s names %d commands; name one", address,
		     hits);
		return;
	}
	bool simple = nseg == 2;
	if (verb < 0 || (simple && (verb == V_CUE || verb == V_LIST || verb == V_FADER ||
				    verb == V_FIXTURE)) ||
	    (!simple && verb != V_CUE && verb != V_LIST && verb != V_FADER && verb != V_FIXTURE)) {
		drop(r, GL_CONTROL_DROP_UNKNOWN_ADDRESS, "%.100s: no such address", address);
		return;
	}

	float v;
	switch (verb) {
	case V_GO:
		trigger(e, "go", GL_CMD_GO, 0, argv, argc, r);
		break;
	case V_BACK:
		trigger(e, "back", GL_CMD_BACK, 0, argv, argc, r);
		break;
	case V_STOP:
		trigger(e, "stop", GL_CMD_STOP, -1, argv, argc, r);
		break;
	case V_PAUSE:
		trigger(e, "pause", GL_CMD_PAUSE, -1, argv, argc, r);
		break;
	case V_RESUME:
		trigger(e, "resume", GL_CMD_RESUME, -1, argv, argc, r);
		break;
	case V_PANIC:
		/* Dark now: every list stopped, blackout on (/gl/blackout 0 lifts it). */
		if (button_pressed("/gl/panic", argv, argc, r)) {
			add_cmd(r, GL_CMD_STOP, -1, 0, 0);
			add_cmd(r, GL_CMD_BLACKOUT, -1, 1, 1);
			r->panic = true;
		}
		break;
	case V_CLEAR:
		/* every live edit (/gl/fixture/...) released to the playbacks */
		if (button_pressed("/gl/clear", argv, argc, r))
			add_cmd(r, GL_CMD_CLEAR_PARAM, -1, -1, 0);
		break;
	case V_GOTO: {
		if (argc != 2 || (argv[0].type != 's' && !is_number(&argv[0])) ||
		    !is_number(&argv[1])) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "/gl/goto needs a list (name or number) and a cue number");
			break;
		}
		int list = -1;
		if (argv[0].type == 's') {
			list = list_by_name(e, argv[0].s);
		} else {
			double n = number_of(&argv[0]);
			if (n >= 1 && n <= gl_engine_cuelist_count(e) && n == floor(n))
				list = (int)n - 1;
		}
		if (list < 0) {
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "/gl/goto: no such cue list");
			break;
		}
		add_goto(e, "goto", list, number_of(&argv[1]), r);
		break;
	}
	case V_CUE: {   /* /gl/cue/<list>/<cue>/go (or /fire) */
		int lists[OSC_DISPATCH_CMDS_MAX], cues[OSC_DISPATCH_CMDS_MAX];

		if (nseg != 5 || !(MATCH(seg[4], "go") || MATCH(seg[4], "fire"))) {
			drop(r, GL_CONTROL_DROP_UNKNOWN_ADDRESS, "use /gl/cue/<list>/<cue>/go");
			break;
		}
		if (!button_pressed("/gl/cue/L/C/go", argv, argc, r))
			break;
		int nl = match_lists(e, seg[2], lists, OSC_DISPATCH_CMDS_MAX, steps);
		for (int i = 0; i < nl; i++) {
			int nc = match_cues(e, lists[i], seg[3], cues, OSC_DISPATCH_CMDS_MAX,
					    steps);
			for (int k = 0; k < nc; k++)
				add_cmd(r, GL_CMD_GOTO, lists[i], cues[k], 0);
		}
		if (r->cmd_count == 0)
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "no cue %.40s in list %.60s",
			     seg[3], seg[2]);
		break;
	}
	case V_LIST: {  /* /gl/list/<list>/{go,back,stop,pause,resume,master} */
		int lists[OSC_DISPATCH_CMDS_MAX];
		bool ok;

		if (nseg != 4) {
			drop(r, GL_CONTROL_DROP_UNKNOWN_ADDRESS,
			     "use /gl/list/<list>/go|back|stop|pause|resume|master");
			break;
		}
		int nl = match_lists(e, seg[2], lists, OSC_DISPATCH_CMDS_MAX, steps);
		if (MATCH(seg[3], "master") && !osc_pattern_has_wildcards(seg[3])) {
			if (!level_arg(r, argv, argc, "/gl/list/L/master", &v))
				break;
			for (int i = 0; i < nl; i++)
				add_cmd(r, GL_CMD_LIST_MASTER, lists[i], 0, v);
		} else {
			enum gl_cmd_type type = list_verb_cmd(seg[3], &ok, steps);

			if (!ok) {
				drop(r, GL_CONTROL_DROP_UNKNOWN_ADDRESS, "%.100s: no such address",
				     address);
				break;
			}
			if (argc > 1 || (argc == 1 && !is_number(&argv[0]) &&
					 argv[0].type != 'T' && argv[0].type != 'F')) {
				drop(r, GL_CONTROL_DROP_WRONG_TYPE,
				     "/gl/list/L/%s takes no arguments "
				     "(or 1/0 from a button)", seg[3]);
				break;
			}
			if (!pressed(argv, argc, r))
				break;
			for (int i = 0; i < nl; i++)
				add_cmd(r, type, lists[i], 0, 0);
		}
		if (r->cmd_count == 0 && r->drop == GL_CONTROL_DROP_NONE)
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "no cue list %.60s", seg[2]);
		break;
	}
	case V_FADER:
		if (nseg != 3) {
			drop(r, GL_CONTROL_DROP_UNKNOWN_ADDRESS, "use /gl/fader/<number> <0..1>");
			break;
		}
		do_fader(e, seg[2], argv, argc, r, steps);
		break;
	case V_GM:
		if (level_arg(r, argv, argc, "/gl/gm", &v))
			add_cmd(r, GL_CMD_GRAND_MASTER, -1, 0, v);
		break;
	case V_BLACKOUT: {
		int on = 1;

		if (argc > 1) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "/gl/blackout takes one of 1/0, true/false");
			break;
		}
		if (argc == 1) {
			if (argv[0].type == 'T' || argv[0].type == 'F')
				on = argv[0].type == 'T';
			else if (is_number(&argv[0]) && (number_of(&argv[0]) == 0.0 ||
							 number_of(&argv[0]) == 1.0))
				on = number_of(&argv[0]) != 0.0;
			else if (is_number(&argv[0])) {
				drop(r, GL_CONTROL_DROP_RANGE, "/gl/blackout: %g is not 0 or 1",
				     number_of(&argv[0]));
				break;
			} else {
				drop(r, GL_CONTROL_DROP_WRONG_TYPE,
				     "/gl/blackout takes 1/0 or true/false");
				break;
			}
		}
		add_cmd(r, GL_CMD_BLACKOUT, -1, on, (float)on);
		break;
	}
	case V_FIXTURE:
		do_fixture(e, seg, nseg, argv, argc, r);
		break;
	case V_PING:
		r->ping = true;
		break;
	case V_MEMORY:
		if (argc > 0) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE, "/gl/memory takes no arguments");
			break;
		}
		r->memory = true;
		break;
	case V_SUBSCRIBE:
	case V_UNSUBSCRIBE:
	case V_REFRESH:
		if (argc > 1 || (argc == 1 && !is_number(&argv[0]))) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE, "/gl/%s takes an optional reply port",
			     verbs[verb].name);
			break;
		}
		if (argc == 1) {
			double p = number_of(&argv[0]);
			if (!(p >= 1 && p <= 65535) || p != floor(p)) {
				drop(r, GL_CONTROL_DROP_RANGE,
				     "/gl/%s: port %g is outside 1..65535", verbs[verb].name, p);
				break;
			}
			r->subscribe_port = (int)p;
		}
		r->subscribe = verb == V_SUBSCRIBE;
		r->unsubscribe = verb == V_UNSUBSCRIBE;
		r->refresh = verb == V_REFRESH;
		break;
	}
}

void osc_dispatch(const struct gl_engine *e, const char *address, const struct gl_ctl_arg *argv,
		  int argc, struct osc_dispatch_result *r)
{
	int steps = OSC_DISPATCH_STEPS;
	const char *why;

	if (address && osc_pattern_check(address, &why) != 0) {
		memset(r, 0, sizeof *r);
		drop(r, GL_CONTROL_DROP_TOO_COSTLY, "%s", why);
		return;
	}
	dispatch(e, address, argv, argc, r, &steps);
	if (steps < 0) {
		memset(r, 0, sizeof *r);
		drop(r, GL_CONTROL_DROP_TOO_COSTLY, "matching the pattern took over %d steps",
		     OSC_DISPATCH_STEPS);
	}
}
