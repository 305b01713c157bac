/*
 * midi.c - the MIDI control adapter (driver): fader wings and buttons
 * mapped to commands with feedback, MIDI Show Control in, MIDI time code
 * chased (and generated), MIDI sent by cues, through RtMidi's C API on the
 * ALSA sequencer or a JACK server.
 *
 * Control thread only (app/play.c's poll loop calls it through control.h),
 * except what midi_port.c runs on RtMidi's thread: input bytes arrive in a
 * lock-free ring whose eventfd this loop polls, are parsed per input
 * (midi_wire.c: running status, sysex reassembly), dispatched (midi_dispatch
 * .c) and become engine commands through the engine's own ring - the engine
 * never waits on MIDI. Ports are found by name or pattern and opened again
 * when a device comes back (JACK tells us when ports come and go; ALSA is
 * polled; missing ones are looked for after 0.5 s, doubling up to
 * retry_max); a missing MIDI system (no JACK server yet) is waited for the
 * same way. Invariants: every message is acted on, ignored (a release,
 * clock bytes) or dropped with a counted reason; nothing is sent unless the
 * output is open; the show goes on whatever MIDI does.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "midi_dispatch.h"
#include "midi_map.h"
#include "midi_port.h"
#include "midi_tc.h"
#include "midi_wire.h"
#include "outputs/control/control.h"

#define MIDI_INPUTS_MAX 8
#define MIDI_MAP_FILES_MAX 8
#define MIDI_RETRY_MIN_S 0.5
#define MIDI_CHECK_NS (2 * GL_NS_PER_S)  /* ports looked at while open */
#define MIDI_DRAIN_MAX 4096              /* ring items per service call */
#define MIDI_FEEDBACK_BURST 128          /* feedback messages per pass */
#define MIDI_LOG_PER_S 10
#define MIDI_MTC_BURST 16
#define MIDI_SETTLE_LOOK_NS (GL_NS_PER_S / 1000)  /* a new JACK output: is it live? */

enum mtc_out_mode { MTC_OUT_OFF, MTC_OUT_SHOW, MTC_OUT_CLOCK };

struct midi_patterns {
	int count;
	char item[MIDI_INPUTS_MAX][GL_OPTION_VALUE_MAX];
};

struct midi_settings {
	int api;                          /* enum midi_api_choice */
	struct midi_patterns inputs;
	char output[GL_OPTION_VALUE_MAX];
	bool output_given;
	bool virtual_ports;
	bool virtual_given;
	char client_name[48];
	struct midi_patterns maps;
	double feedback_rate;
	double touch_hold_s;
	bool msc;
	int msc_id, msc_group, msc_format;
	char msc_list[GL_NAME_MAX];
	bool mtc;
	double mtc_freewheel_s;
	int mtc_out;                      /* enum mtc_out_mode */
	int mtc_out_rate;                 /* enum midi_tc_rate */
	char mtc_out_start[16];
	double retry_max_s;
	bool enabled;
};

struct midi_inport {
	char pattern[GL_OPTION_VALUE_MAX];    /* "" = our virtual port */
	char name[MIDI_PORT_NAME_MAX];        /* what it is connected to */
	char client[64];
	struct midi_in *in;
	struct midi_parser parser;
};

struct gl_control {
	struct gl_control_host host;
	struct gl_engine *e;
	struct midi_settings set;
	enum midi_system system;
	struct midi_watch *watch;
	uint64_t watch_generation;
	struct midi_inbox box;
	bool box_ready;
	int input_count;
	struct midi_inport inputs[MIDI_INPUTS_MAX];
	bool want_output;
	char out_pattern[GL_OPTION_VALUE_MAX];  /* "" = virtual */
	char out_name[MIDI_PORT_NAME_MAX];
	char out_client[64];
	struct midi_out *out;
	char (*names)[MIDI_PORT_NAME_MAX];      /* scratch for listings */

	/* finding and keeping the ports */
	uint64_t next_attempt_ns;               /* 0 = nothing missing */
	double backoff_s;
	uint64_t next_check_ns;
	char waiting_for[96];
	char wait_logged[96];                   /* waiting_for as last logged */

	/* what messages do */
	struct midi_map *maps;
	int map_count;
	struct midi_dispatch *d;
	struct gl_snapshot snap;
	bool snap_ok;
	uint64_t next_feedback_ns;
	bool feedback_now, feedback_full;
	uint64_t feedback_period_ns;

	/* time code */
	enum midi_chase_state tc_logged;
	uint64_t tc_jumps_logged;
	struct midi_mtc_gen gen;
	bool gen_started;
	bool full_frame_due;                    /* locate the receiver before quarter frames */
	int64_t gen_start_frames;

	/* counters and rate limits */
	uint64_t drops[GL_CONTROL_DROP_COUNT];
	uint64_t stream_errors[MIDI_ERR_COUNT];
	uint64_t overruns_seen;
	bool drain_more;                        /* the inbox held more than one service takes */
	struct gl_control_log_window logw;
	struct gl_control_stats stats;
	char ports_state[64];
};

#define midi_log(c, error, ...) gl_control_log(&(c)->host, &(c)->stats, error, __VA_ARGS__)

/* ---- configuration -------------------------------------------------------------------------- */

static int parse_pattern(const char *item, int index, void *field, char *why, size_t len)
{
	struct midi_patterns *p = field;

	if (strlen(item) >= sizeof p->item[0]) {
		snprintf(why, len, "\"%.40s...\" is too long", item);
		return GL_EINVAL;
	}
	snprintf(p->item[index], sizeof p->item[index], "%s", item);
	p->count = index + 1;
	return 0;
}

static int parse_client(const char *text, int index, void *field, char *why, size_t len)
{
	char *out = field;

	(void)index;
	if (!text[0] || strlen(text) > 40 || strpbrk(text, ":*?[]\"")) {
		snprintf(why, len, "\"%.60s\": 1..40 characters, no : * ? [ ] or quotes", text);
		return GL_EINVAL;
	}
	snprintf(out, 48, "%s", text);
	return 0;
}

static int parse_timecode(const char *text, int index, void *field, char *why, size_t len)
{
	struct midi_tc tc;

	(void)index;
	if (!midi_tc_parse(text, MIDI_TC_30, &tc)) {
		snprintf(why, len, "\"%.40s\" is not HH:MM:SS:FF", text);
		return GL_EINVAL;
	}
	snprintf(field, 16, "%s", text);
	return 0;
}

static const struct gl_opt midi_opts[] = {
	{ "api", GL_OPT_CHOICE, .def = "auto", .choices = "auto|alsa|jack",
	  GL_OPT_AT(struct midi_settings, api),
	  .help = "the MIDI system: auto = the ALSA sequencer if there is one, else JACK" },
	{ "input", GL_OPT_LIST, 1, MIDI_INPUTS_MAX, .def_help = "none",
	  GL_OPT_AT(struct midi_settings, inputs), .parse = parse_pattern,
	  .syntax = "port names or patterns",
	  .help = "ports to read: exact name, glob (APC*), or part of the name" },
	{ "output", GL_OPT_TEXT, 1, GL_OPTION_VALUE_MAX - 1, .def_help = "the first input's pattern",
	  GL_OPT_AT(struct midi_settings, output), GL_OPT_GIVEN(struct midi_settings, output_given),
	  .help = "port for feedback, MSC, MTC and MIDI cues (\"\" with virtual: our own port)" },
	{ "virtual", GL_OPT_BOOL, .def = "false", .def_help = "true when no input or output is given",
	  GL_OPT_AT(struct midi_settings, virtual_ports),
	  GL_OPT_GIVEN(struct midi_settings, virtual_given),
	  .help = "also open our own ports (<client_name>:in, <client_name>-out:out)" },
	{ "client_name", GL_OPT_CUSTOM, .def = "ghostlight",
	  GL_OPT_AT(struct midi_settings, client_name), .parse = parse_client, .syntax = "a name",
	  .help = "our client's name on ALSA or JACK" },
	{ "map", GL_OPT_LIST, 1, MIDI_MAP_FILES_MAX, .def_help = "none",
	  GL_OPT_AT(struct midi_settings, maps), .parse = parse_pattern,
	  .syntax = "names or .map files",
	  .help = "mapping files: a name (akai-apc-mini) from the show's folder or assets/midi" },
	{ "feedback_rate", GL_OPT_REAL, 1, 200, "30", GL_OPT_AT(struct midi_settings, feedback_rate),
	  .help = "feedback checks per second (LEDs, motor faders)" },
	{ "touch_hold", GL_OPT_REAL, 0, 10, "0.5", GL_OPT_AT(struct midi_settings, touch_hold_s),
	  .help = "seconds a moved control is not sent levels (the hand is on it)" },
	{ "msc", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct midi_settings, msc),
	  .help = "act on MIDI Show Control addressed to us" },
	{ "msc_id", GL_OPT_INT, 0, 111, "1", GL_OPT_AT(struct midi_settings, msc_id),
	  .help = "our MSC device id (0..111 = 00..6F; 7F all-call is always taken)" },
	{ "msc_group", GL_OPT_INT, 0, 15, "0", GL_OPT_AT(struct midi_settings, msc_group),
	  .help = "our MSC group 1..15 (ids 70..7E), 0 none" },
	{ "msc_format", GL_OPT_INT, 1, 126, "1", GL_OPT_AT(struct midi_settings, msc_format),
	  .help = "our MSC command_format (1 lighting; 7F all-types is always taken)" },
	{ "msc_list", GL_OPT_TEXT, 0, GL_NAME_MAX - 1, .def_help = "every list (MSC's rules)",
	  GL_OPT_AT(struct midi_settings, msc_list),
	  .help = "cue list (name or number) for MSC messages that name none" },
	{ "mtc", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct midi_settings, mtc),
	  .help = "chase incoming MIDI time code" },
	{ "mtc_freewheel", GL_OPT_REAL, 0, 60, "1", GL_OPT_AT(struct midi_settings, mtc_freewheel_s),
	  .help = "seconds to run on when time code stops" },
	{ "mtc_out", GL_OPT_CHOICE, .def = "off", .choices = "off|show|clock",
	  GL_OPT_AT(struct midi_settings, mtc_out),
	  .help = "send MTC: show = from mtc_out_start at start, clock = time of day" },
	{ "mtc_out_rate", GL_OPT_CHOICE, .def = "25", .choices = "24|25|29.97df|30",
	  GL_OPT_AT(struct midi_settings, mtc_out_rate), .help = "frame rate of the MTC sent" },
	{ "mtc_out_start", GL_OPT_CUSTOM, .def = "00:00:00:00",
	  GL_OPT_AT(struct midi_settings, mtc_out_start), .parse = parse_timecode,
	  .syntax = "HH:MM:SS:FF", .help = "time code at start (mtc_out = \"show\")" },
	{ "retry_max", GL_OPT_REAL, 1, 60, "5", GL_OPT_AT(struct midi_settings, retry_max_s),
	  .help = "longest wait between looks for a missing device or MIDI system, seconds" },
	{ "enabled", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct midi_settings, enabled),
	  .help = "false turns MIDI off" },
	{ NULL },
};

static const struct gl_opt_table midi_options = {
	"midi", "MIDI (RtMidi on ALSA or JACK): mapped controls with feedback, MSC, MTC, MIDI cues",
	midi_opts,
};

static int settings_parse(const struct gl_control_config *cfg, struct midi_settings *set,
			  char *err, size_t len)
{
	struct midi_tc tc;

	memset(set, 0, sizeof *set);
	if (gl_opt_parse(&midi_options, cfg->options, cfg->option_count, set, err, len) < 0)
		return GL_EINVAL;
	/* midi { } alone: ports of our own that others connect to */
	if (set->inputs.count == 0 && !set->output_given && !set->virtual_given)
		set->virtual_ports = true;
	if (set->inputs.count == 0 && !set->virtual_ports && !(set->output_given && set->output[0]))
		return gl_opt_fail(err, len, "nothing to open: give input = \"port name\" (or "
				   "output), or virtual = true for ports of our own");
	if (!midi_tc_parse(set->mtc_out_start, (enum midi_tc_rate)set->mtc_out_rate, &tc))
		return gl_opt_fail(err, len, "mtc_out_start: %s is not a time at %s frames/s",
				   set->mtc_out_start,
				   midi_tc_rate_name((enum midi_tc_rate)set->mtc_out_rate));
	return 0;
}

/* A map's file: a path (with / or ending .map) from the show's folder, or a
 * name: <show folder>/<name>.map, then <assets>/midi/<name>.map. */
static bool map_path(const struct gl_control_config *cfg, const char *name, char *out, size_t len)
{
	struct stat st;
	size_t n = strlen(name);
	const char *dir = cfg->show_dir[0] ? cfg->show_dir : ".";

	if (strchr(name, '/') || (n > 4 && strcmp(name + n - 4, ".map") == 0)) {
		if (name[0] == '/')
			snprintf(out, len, "%s", name);
		else
			snprintf(out, len, "%s/%s", dir, name);
		return stat(out, &st) == 0;
	}
	snprintf(out, len, "%s/%s.map", dir, name);
	if (stat(out, &st) == 0)
		return true;
	if (cfg->assets_dir[0]) {
		snprintf(out, len, "%s/midi/%s.map", cfg->assets_dir, name);
		if (stat(out, &st) == 0)
			return true;
	}
	snprintf(out, len, "%s.map (in %s%s%s/midi)", name, dir,
		 cfg->assets_dir[0] ? " or " : ", no assets folder", cfg->assets_dir);
	return false;
}

/* Reads a map file's lines into maps (from *count, at most max). With an
 * engine, lines naming what the show does not have are left out and
 * counted in *left_out (the first reason in first_why); without one
 * (check) only the syntax is checked. Returns 0, or GL_EINVAL with
 * "file:line: what is wrong" in err. */
static int load_map(const struct gl_control_config *cfg, const char *name,
		    const struct gl_engine *e, struct midi_map *maps, int *count, int max,
		    int *left_out, char *first_why, size_t why_len, char *err, size_t len)
{
	char path[2200], line[MIDI_MAP_LINE_MAX + 2], why[200];
	const char *base;
	FILE *f;
	int lineno = 0, rc = 0;

	if (!map_path(cfg, name, path, sizeof path))
		return gl_opt_fail(err, len, "map: no file %s", path);
	f = fopen(path, "re");
	if (!f)
		return gl_opt_fail(err, len, "map: cannot read %s: %s", path, strerror(errno));
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		struct midi_map m;
		int got;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = gl_opt_fail(err, len, "map: %s:%d: longer than %d bytes", base, lineno,
					 MIDI_MAP_LINE_MAX - 1);
			break;
		}
		got = midi_map_parse(line, &m, why, sizeof why);
		if (got < 0) {
			rc = gl_opt_fail(err, len, "map: %s:%d: %s", base, lineno, why);
		} else if (got > 0 && m.action == MIDI_DO_LUA) {
			rc = gl_opt_fail(err, len, "map: %s:%d: lua targets come from the show "
					 "(midi.map { ..., call = function ... end })", base, lineno);
		} else if (got > 0 && *count >= max) {
			rc = gl_opt_fail(err, len, "map: %s:%d: more than %d mappings", base, lineno, max);
		} else if (got > 0 && e && midi_map_resolve(e, &m, why, sizeof why) < 0) {
			if ((*left_out)++ == 0)
				snprintf(first_why, why_len, "%s:%d: %s", base, lineno, why);
		} else if (got > 0) {
			maps[(*count)++] = m;
		}
	}
	if (rc == 0 && ferror(f))
		rc = gl_opt_fail(err, len, "map: cannot read %s", path);
	fclose(f);
	return rc;
}

static int midi_check(const struct gl_control_config *cfg, char *err, size_t len)
{
	struct midi_settings *set = malloc(sizeof *set);
	struct midi_map *maps = malloc(MIDI_MAP_MAX * sizeof *maps);
	int rc = GL_ENOMEM, count = 0, left = 0;
	char none[8];

	if (set && maps)
		rc = settings_parse(cfg, set, err, len);
	else
		snprintf(err, len, "out of memory");
	/* the map files' syntax now, so a typo is an error at the show's line */
	for (int i = 0; rc == 0 && i < set->maps.count; i++)
		rc = load_map(cfg, set->maps.item[i], NULL, maps, &count, MIDI_MAP_MAX, &left, none,
			      sizeof none, err, len);
	free(maps);
	free(set);
	return rc;
}

/* ---- logging and counting -------------------------------------------------------------- */

static void rate_window(struct gl_control *c, uint64_t now)
{
	gl_control_log_window_roll(&c->logw, &c->host, &c->stats, "midi", now);
}

static void count_drop(struct gl_control *c, enum gl_control_drop reason, const char *why)
{
	uint64_t now = gl_now_ns();

	c->drops[reason]++;
	c->stats.dropped++;
	/* controls nothing maps, faders waiting to be picked up and MSC for
	 * others are normal on a shared line: counted, not logged */
	if (reason == GL_CONTROL_DROP_UNMAPPED || reason == GL_CONTROL_DROP_PICKUP ||
	    reason == GL_CONTROL_DROP_NOT_FOR_US)
		return;
	rate_window(c, now);
	if (gl_control_log_window_take(&c->logw, MIDI_LOG_PER_S))
		midi_log(c, true, "midi: dropped: %s: %s", gl_control_drop_name(reason), why);
}

static void set_state(struct gl_control *c)
{
	struct midi_chase *ch = c->d ? midi_dispatch_chase(c->d) : NULL;
	double frames;

	if (ch && ch->state != MIDI_CHASE_IDLE && midi_chase_position(ch, gl_now_ns(), &frames)) {
		struct midi_tc tc;
		char label[24];

		midi_tc_from_frames((int64_t)floor(frames), ch->rate, &tc);
		midi_tc_format(&tc, label, sizeof label);
		snprintf(c->stats.state, sizeof c->stats.state, "mtc %.12s %.9s; %.24s", label,
			 midi_chase_state_name(ch->state), c->ports_state);
	} else {
		snprintf(c->stats.state, sizeof c->stats.state, "%s", c->ports_state);
	}
}

/* ---- ports -------------------------------------------------------------------------------- */

/* Closes the output; one whose JACK client is gone is abandoned (see
 * midi_out_abandon) rather than have the control thread wait a second. */
static void close_output(struct gl_control *c)
{
	bool gone = c->watch && (midi_watch_dead(c->watch) ||
				 !midi_watch_client_alive(c->watch, c->out_client));

	if (c->out && gone) {
		if (!midi_watch_dead(c->watch))
			midi_log(c, true, "midi: JACK dropped our output client (too late too "
				 "often?); a new one is opened");
		midi_out_abandon(c->out);
	} else {
		midi_out_close(c->out);
	}
	c->out = NULL;
}

static void close_ports(struct gl_control *c)
{
	for (int i = 0; i < c->input_count; i++) {
		midi_in_close(c->inputs[i].in);
		c->inputs[i].in = NULL;
		midi_parser_reset(&c->inputs[i].parser);
	}
	close_output(c);
	c->stats.peers = 0;
}

static void lose_system(struct gl_control *c, const char *why, uint64_t now)
{
	close_ports(c);
	midi_watch_close(c->watch);
	c->watch = NULL;
	midi_log(c, true, "midi: %s %s; waiting for it", midi_system_name(c->system), why);
	c->system = MIDI_SYSTEM_NONE;
	c->backoff_s = MIDI_RETRY_MIN_S;
	c->next_attempt_ns = now + (uint64_t)(c->backoff_s * 1e9);
}

/* Starts the generator (once) and has a full frame sent first, so that a
 * receiver that (re)connects locates before the quarter frames. */
static void start_mtc_out(struct gl_control *c, uint64_t now)
{
	if (c->set.mtc_out == MTC_OUT_OFF || !c->out)
		return;
	if (!c->gen_started) {
		enum midi_tc_rate rate = (enum midi_tc_rate)c->set.mtc_out_rate;
		int64_t start = c->gen_start_frames;

		if (c->set.mtc_out == MTC_OUT_CLOCK) {
			struct timespec ts;
			struct tm local;

			clock_gettime(CLOCK_REALTIME, &ts);
			localtime_r(&ts.tv_sec, &local);
			double secs = local.tm_hour * 3600.0 + local.tm_min * 60.0 + local.tm_sec +
				      (double)ts.tv_nsec / 1e9;
			start = (int64_t)floor(secs * midi_tc_fps(rate));
		}
		midi_mtc_gen_start(&c->gen, rate, start, now);
		c->gen_started = true;
	}
	c->full_frame_due = true;
}

/* The ports of the system into c->names: through the JACK watch when
 * there is one. Returns the count or -1 with why. */
static int list_ports(struct gl_control *c, bool inputs, char *why, size_t why_len)
{
	if (c->watch)
		return midi_watch_list(c->watch, inputs, c->names, MIDI_PORTS_MAX);
	return midi_port_list(c->system, inputs, c->names, MIDI_PORTS_MAX, why, why_len);
}

/* Finds a port for pattern in the listing: its name into out. */
static bool find_port(struct gl_control *c, bool inputs, const char *pattern, char *out,
		      size_t len, char *why, size_t why_len)
{
	int n = list_ports(c, inputs, why, why_len);
	int at = n > 0 ? midi_port_match(pattern, c->names, n, c->set.client_name) : -1;

	if (at < 0) {
		if (n >= 0)
			snprintf(why, why_len, "no %s port like \"%.60s\"", inputs ? "input" : "output",
				 pattern);
		return false;
	}
	snprintf(out, len, "%s", c->names[at]);
	return true;
}

static void describe_ports(struct gl_control *c)
{
	int open = 0, used;

	for (int i = 0; i < c->input_count; i++)
		open += c->inputs[i].in != NULL;
	used = snprintf(c->ports_state, sizeof c->ports_state, "%s: in %d/%d",
			midi_system_name(c->system), open, c->input_count);
	if (c->want_output)
		snprintf(c->ports_state + used, sizeof c->ports_state - (size_t)used, ", out %s",
			 c->out ? "open" : "missing");
	if (c->next_attempt_ns && c->waiting_for[0]) {
		used = (int)strlen(c->ports_state);
		snprintf(c->ports_state + used, sizeof c->ports_state - (size_t)used, "; %s",
			 c->waiting_for);
	}
	c->stats.peers = open + (c->out != NULL);
}

/* Opens what is not open. Schedules the next attempt when something is
 * still missing. */
static void attempt(struct gl_control *c, uint64_t now)
{
	char why[200] = "", name[MIDI_PORT_NAME_MAX];
	bool missing = false, opened = false;

	c->next_attempt_ns = 0;
	c->waiting_for[0] = '\0';
	if (c->system == MIDI_SYSTEM_NONE) {
		c->system = midi_port_system((enum midi_api_choice)c->set.api, why, sizeof why);
		if (c->system == MIDI_SYSTEM_NONE) {
			snprintf(c->waiting_for, sizeof c->waiting_for, "%.60s", why);
			missing = true;
		} else {
			midi_log(c, false, "midi: using %s", midi_system_name(c->system));
		}
	}
	if (c->system == MIDI_SYSTEM_JACK && !c->watch) {
		char client[80];

		snprintf(client, sizeof client, "%s-watch", c->set.client_name);
		c->watch = midi_watch_open(client, why, sizeof why);
		if (!c->watch) {
			lose_system(c, why, now);
			return;
		}
		c->watch_generation = midi_watch_generation(c->watch);
	}
	for (int i = 0; c->system != MIDI_SYSTEM_NONE && i < c->input_count; i++) {
		struct midi_inport *in = &c->inputs[i];
		const char *source = NULL;

		if (in->in)
			continue;
		if (in->pattern[0]) {
			if (!find_port(c, true, in->pattern, name, sizeof name, why, sizeof why)) {
				if (!c->waiting_for[0])
					snprintf(c->waiting_for, sizeof c->waiting_for, "waiting for %.60s",
						 in->pattern);
				missing = true;
				continue;
			}
			source = name;
		}
		in->in = midi_in_open(c->system, in->client, "in", source, &c->box, i, why, sizeof why);
		if (!in->in) {
			midi_log(c, true, "midi: input %s: %s", source ? source : "(virtual)", why);
			missing = true;
			continue;
		}
		midi_parser_reset(&in->parser);
		snprintf(in->name, sizeof in->name, "%s", source ? source : "(virtual)");
		midi_log(c, false, "midi: reading %s%s%s", source ? source : in->client,
			 source ? "" : ":in", source ? "" : " (virtual: connect to it)");
		opened = true;
	}
	if (c->system != MIDI_SYSTEM_NONE && c->want_output && !c->out) {
		const char *dest = NULL;
		bool found = true;

		if (c->out_pattern[0]) {
			found = find_port(c, false, c->out_pattern, name, sizeof name, why, sizeof why);
			dest = name;
		}
		if (!found) {
			if (!c->waiting_for[0])
				snprintf(c->waiting_for, sizeof c->waiting_for, "waiting for %.60s",
					 c->out_pattern);
			missing = true;
		} else if (!(c->out = midi_out_open(c->system, c->out_client, "out", dest, c->watch,
						    why, sizeof why))) {
			midi_log(c, true, "midi: output %s: %s", dest ? dest : "(virtual)", why);
			missing = true;
		} else {
			snprintf(c->out_name, sizeof c->out_name, "%s", dest ? dest : "(virtual)");
			midi_log(c, false, "midi: sending to %s%s%s", dest ? dest : c->out_client,
				 dest ? "" : ":out", dest ? "" : " (virtual: connect to it)");
			opened = true;
			/* a device that comes (back) gets every LED and level again */
			c->feedback_full = true;
			c->feedback_now = true;
			start_mtc_out(c, now);
		}
	}
	if (opened)
		c->stats.last_error[0] = '\0';
	/* what we wait for, said once (not at every look) */
	if (c->waiting_for[0] && strcmp(c->waiting_for, c->wait_logged) != 0)
		midi_log(c, true, "midi: %s; looking again every %.1f..%.0f s", c->waiting_for,
			 MIDI_RETRY_MIN_S, c->set.retry_max_s);
	snprintf(c->wait_logged, sizeof c->wait_logged, "%s", c->waiting_for);
	if (missing) {
		c->next_attempt_ns = now + (uint64_t)(c->backoff_s * 1e9);
		c->backoff_s = fmin(c->backoff_s * 2, c->set.retry_max_s);
	} else {
		c->backoff_s = MIDI_RETRY_MIN_S;
	}
	c->next_check_ns = now + MIDI_CHECK_NS;
	describe_ports(c);
	set_state(c);
}

/* Are the ports we connected to still there? Closes those that left. */
static void check_ports(struct gl_control *c, uint64_t now)
{
	char why[200];
	int n;

	c->next_check_ns = now + MIDI_CHECK_NS;
	if (c->system == MIDI_SYSTEM_NONE)
		return;
	if (c->watch && midi_watch_dead(c->watch)) {
		lose_system(c, "server went away", now);
		describe_ports(c);
		return;
	}
	n = list_ports(c, true, why, sizeof why);
	for (int i = 0; n >= 0 && i < c->input_count; i++) {
		struct midi_inport *in = &c->inputs[i];
		bool present = false;

		if (!in->in || !in->pattern[0])
			continue;
		for (int k = 0; k < n && !present; k++)
			present = strcmp(c->names[k], in->name) == 0;
		/* JACK: back by name, but the connection went with the old port */
		if (present && c->watch && !midi_watch_connected(c->watch, in->name, in->client)) {
			midi_log(c, true, "midi: %s came back; connecting again", in->name);
			present = false;
		} else if (!present) {
			midi_log(c, true, "midi: %s is gone; waiting for it to come back", in->name);
		}
		if (present)
			continue;
		midi_in_close(in->in);
		in->in = NULL;
		midi_parser_reset(&in->parser);
		if (!c->next_attempt_ns) {
			c->backoff_s = MIDI_RETRY_MIN_S;
			c->next_attempt_ns = now;
		}
	}
	if (c->out && c->out_pattern[0]) {
		bool present = false;

		n = list_ports(c, false, why, sizeof why);
		for (int k = 0; k < n && !present; k++)
			present = strcmp(c->names[k], c->out_name) == 0;
		if (present && c->watch && !midi_watch_connected(c->watch, c->out_name, c->out_client)) {
			midi_log(c, true, "midi: %s came back; connecting again", c->out_name);
			present = false;
		} else if (n >= 0 && !present) {
			midi_log(c, true, "midi: %s is gone; waiting for it to come back", c->out_name);
		}
		if (n >= 0 && !present) {
			close_output(c);
			if (!c->next_attempt_ns) {
				c->backoff_s = MIDI_RETRY_MIN_S;
				c->next_attempt_ns = now;
			}
		}
	}
	describe_ports(c);
}

/* ---- what arrives ------------------------------------------------------------------------- */

static void note_timecode(struct gl_control *c)
{
	struct midi_chase *ch = midi_dispatch_chase(c->d);
	char label[24] = "";
	double frames;

	if (ch->state == c->tc_logged && ch->jumps == c->tc_jumps_logged)
		return;
	if (midi_chase_position(ch, gl_now_ns(), &frames)) {
		struct midi_tc tc;

		midi_tc_from_frames((int64_t)floor(frames), ch->rate, &tc);
		midi_tc_format(&tc, label, sizeof label);
	}
	if (ch->state != c->tc_logged)
		midi_log(c, ch->state == MIDI_CHASE_FREEWHEEL, "midi: mtc %s at %s (%s frames/s)",
			 midi_chase_state_name(ch->state), label, midi_tc_rate_name(ch->rate));
	else
		midi_log(c, false, "midi: mtc jumped to %s", label);
	c->tc_logged = ch->state;
	c->tc_jumps_logged = ch->jumps;
}

/* A mapping to one of the show's functions. */
static void run_calls(struct gl_control *c, const struct midi_result *r)
{
	for (int i = 0; i < r->call_count; i++) {
		const struct midi_call *call = &r->calls[i];
		struct gl_ctl_arg args[5] = {
			{ .type = 'i', .i = call->handler },
			{ .type = 'f', .f = call->value },
			{ .type = 'i', .i = call->channel },
			{ .type = 'i', .i = call->number },
			{ .type = 's', .s = midi_input_name(call->input) },
		};
		struct gl_ctl_msg m = { .peer = "midi", .address = "map", .argc = 5, .argv = args };

		if (!c->host.unhandled || !c->host.unhandled(c->host.ud, "midi", &m))
			midi_log(c, true, "midi: show function %d (a midi.map call) did not run",
				 call->handler);
	}
}

static void handle(struct gl_control *c, const struct midi_msg *msg, uint64_t t)
{
	struct midi_result r;

	c->stats.received++;
	midi_dispatch_message(c->d, msg, c->snap_ok ? &c->snap : NULL, t, &r);
	if (r.timecode)
		note_timecode(c);
	if (r.drop != GL_CONTROL_DROP_NONE) {
		count_drop(c, r.drop, r.why);
		return;
	}
	for (int i = 0; i < r.cmd_count; i++) {
		int rc = gl_engine_command(c->e, &r.cmds[i]);

		if (rc == GL_EFULL)
			count_drop(c, GL_CONTROL_DROP_ENGINE_BUSY,
				   "the engine's command ring is full");
		else if (rc < 0)
			count_drop(c, GL_CONTROL_DROP_NO_SUCH_TARGET, gl_strerror(rc));
	}
	run_calls(c, &r);
	if (r.msc && r.why[0])
		midi_log(c, false, "midi: msc: %s", r.why);
}

/* Everything RtMidi's thread has put in the inbox. */
static void drain(struct gl_control *c)
{
	struct midi_chunk ch;
	uint64_t overruns;
	int k = 0;

	midi_inbox_ack(&c->box);
	c->drain_more = false;
	overruns = atomic_load(&c->box.overruns);
	if (overruns != c->overruns_seen) {
		char why[96];

		snprintf(why, sizeof why, "%llu chunks lost: the ring from RtMidi's thread was full",
			 (unsigned long long)(overruns - c->overruns_seen));
		c->overruns_seen = overruns;
		count_drop(c, GL_CONTROL_DROP_OVERRUN, why);
	}
	for (; k < MIDI_DRAIN_MAX && midi_inbox_take(&c->box, &ch); k++) {
		struct midi_inport *in;
		const uint8_t *p = ch.bytes;
		size_t left = ch.len;

		if (ch.tag >= c->input_count)
			continue;
		in = &c->inputs[ch.tag];
		if (ch.gap)                     /* bytes lost before: start clean */
			midi_parser_reset(&in->parser);
		if (k == 0 && gl_engine_snapshot(c->e, &c->snap) == 0)
			c->snap_ok = true;
		while (left > 0) {
			struct midi_msg msg;
			enum midi_error err;

			switch (midi_parse(&in->parser, &p, &left, &msg, &err)) {
			case MIDI_PARSED_MESSAGE:
				handle(c, &msg, ch.t_ns);
				break;
			case MIDI_PARSED_ERROR:
				c->stream_errors[err]++;
				c->stats.received++;
				count_drop(c, GL_CONTROL_DROP_MALFORMED, midi_error_name(err));
				break;
			case MIDI_PARSED_NEED_MORE:
				break;
			}
		}
	}
	c->drain_more = k == MIDI_DRAIN_MAX;
	if (k)
		set_state(c);
}

/* ---- what goes back ----------------------------------------------------------------------- */

static void send_bytes(struct gl_control *c, const uint8_t *bytes, size_t len)
{
	if (!c->out)
		return;
	if (midi_out_send(c->out, bytes, len) == 0) {
		c->stats.sent++;
	} else {
		c->stats.send_errors++;
		rate_window(c, gl_now_ns());
		/* a failed send is not a dropped message: not told as held back */
		if (c->logw.lines++ < MIDI_LOG_PER_S)
			midi_log(c, true, "midi: sending to %s failed", c->out_name);
	}
}

static void feedback(struct gl_control *c, uint64_t now)
{
	uint8_t out[MIDI_FEEDBACK_BURST][3];
	int n;

	c->next_feedback_ns = now + c->feedback_period_ns;
	c->feedback_now = false;
	if (!midi_dispatch_has_feedback(c->d))
		return;
	if (gl_engine_snapshot(c->e, &c->snap) == 0)
		c->snap_ok = true;
	if (!c->snap_ok)
		return;
	/* without an output the pass still runs: soft takeover follows the
	 * levels whether or not anything is sent */
	n = midi_dispatch_feedback(c->d, &c->snap, now, c->feedback_full && c->out, out,
				   MIDI_FEEDBACK_BURST);
	if (c->out)
		c->feedback_full = false;
	for (int i = 0; i < n; i++)
		send_bytes(c, out[i], midi_data_bytes(out[i][0]) == 1 ? 2 : 3);
	if (n == MIDI_FEEDBACK_BURST)
		c->feedback_now = true;        /* more next time round */
}

static void send_mtc(struct gl_control *c, uint64_t now)
{
	uint8_t q[MIDI_MTC_BURST][2];
	int n;

	if (!c->gen_started || !c->out)
		return;
	if (c->full_frame_due) {
		uint8_t full[10];
		struct midi_tc tc;

		midi_mtc_gen_time(&c->gen, now, &tc);    /* where the generator is */
		midi_mtc_full_frame(&tc, MIDI_MSC_ALL_CALL, full);
		send_bytes(c, full, sizeof full);
		c->full_frame_due = false;
	}
	n = midi_mtc_gen_due(&c->gen, now, q, MIDI_MTC_BURST);
	for (int i = 0; i < n; i++)
		send_bytes(c, q[i], 2);
}

/* ---- the adapter --------------------------------------------------------------------------- */

static void midi_destroy(struct gl_control *c);

static struct gl_control *fail_create(struct gl_control *c)
{
	midi_destroy(c);
	return NULL;
}

/* The maps: files first, then the show's midi.map lines (through the
 * host), each resolved against the show. */
static void take_maps(struct gl_control *c, const struct gl_control_config *cfg)
{
	char err[300], why[200], first[200] = "";
	const char *line;

	for (int i = 0; i < c->set.maps.count; i++) {
		int before = c->map_count, left = 0;

		first[0] = '\0';
		if (load_map(cfg, c->set.maps.item[i], c->e, c->maps, &c->map_count, MIDI_MAP_MAX,
			     &left, first, sizeof first, err, sizeof err) < 0) {
			midi_log(c, true, "midi: %s", err);
			continue;
		}
		midi_log(c, false, "midi: map %s: %d mappings%s%d left out (not in this show%s%s)",
			 c->set.maps.item[i], c->map_count - before, left ? ", " : "", left,
			 left ? "; first: " : "", first);
	}
	for (int i = 0; c->host.subscription && (line = c->host.subscription(c->host.ud, "midi", i));
	     i++) {
		struct midi_map m;

		if (c->map_count == MIDI_MAP_MAX) {
			midi_log(c, true, "midi: more than %d mappings; the rest are left out",
				 MIDI_MAP_MAX);
			break;
		}
		if (midi_map_parse(line, &m, why, sizeof why) <= 0 ||
		    midi_map_resolve(c->e, &m, why, sizeof why) < 0) {
			midi_log(c, true, "midi: midi.map \"%.80s\": %s", line, why);
			continue;
		}
		c->maps[c->map_count++] = m;
	}
}

static struct gl_control *midi_create(const struct gl_control_config *cfg,
				      const struct gl_control_host *host, char *err, size_t len)
{
	struct gl_control *c = calloc(1, sizeof *c);
	struct midi_dispatch_config dc;
	struct midi_tc start;

	if (!c) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	c->host = *host;
	c->e = host->engine;
	c->box.efd = -1;
	if (settings_parse(cfg, &c->set, err, len) < 0)
		return fail_create(c);
	if (!c->set.enabled) {
		err[0] = '\0';
		return fail_create(c);
	}
	c->names = calloc(MIDI_PORTS_MAX, sizeof *c->names);
	c->maps = calloc(MIDI_MAP_MAX, sizeof *c->maps);
	if (gl_control_snapshot_alloc(c->e, &c->snap) < 0 || !c->names || !c->maps) {
		snprintf(err, len, "out of memory");
		return fail_create(c);
	}
	if (midi_inbox_init(&c->box) < 0) {
		snprintf(err, len, "cannot make the input ring: %s", strerror(errno));
		return fail_create(c);
	}
	c->box_ready = true;

	/* the ports: the show's patterns, then our virtual input */
	for (int i = 0; i < c->set.inputs.count; i++)
		snprintf(c->inputs[c->input_count++].pattern, GL_OPTION_VALUE_MAX, "%s",
			 c->set.inputs.item[i]);
	if (c->set.virtual_ports && c->input_count < MIDI_INPUTS_MAX)
		c->inputs[c->input_count++].pattern[0] = '\0';
	/* our virtual input is <client_name>:in; the clients that connect to
	 * devices are <client_name>-in1, -in2, ... */
	for (int i = 0; i < c->input_count; i++) {
		if (!c->inputs[i].pattern[0])
			snprintf(c->inputs[i].client, sizeof c->inputs[i].client, "%s",
				 c->set.client_name);
		else
			snprintf(c->inputs[i].client, sizeof c->inputs[i].client, "%s-in%d",
				 c->set.client_name, i + 1);
		midi_parser_init(&c->inputs[i].parser);
	}
	c->want_output = true;
	if (c->set.output_given)
		snprintf(c->out_pattern, sizeof c->out_pattern, "%s", c->set.output);
	else if (c->set.inputs.count)
		snprintf(c->out_pattern, sizeof c->out_pattern, "%s", c->set.inputs.item[0]);
	snprintf(c->out_client, sizeof c->out_client, "%s-out", c->set.client_name);

	/* what messages do */
	take_maps(c, cfg);
	dc = (struct midi_dispatch_config){
		.msc_id = c->set.msc ? c->set.msc_id : -1, .msc_group = c->set.msc_group,
		.msc_format = c->set.msc_format, .msc_list = -1,
		.touch_hold_s = c->set.touch_hold_s, .mtc = c->set.mtc,
		.mtc_freewheel_s = c->set.mtc_freewheel_s,
	};
	if (c->set.msc_list[0]) {
		struct midi_map probe = { .action = MIDI_DO_GO };
		char why[200];

		snprintf(probe.list, sizeof probe.list, "%s", c->set.msc_list);
		if (midi_map_resolve(c->e, &probe, why, sizeof why) < 0)
			midi_log(c, true, "midi: msc_list: %s; MSC acts on every list", why);
		else
			dc.msc_list = probe.list_index;
	}
	c->d = midi_dispatch_create(c->e, c->maps, c->map_count, &dc);
	if (!c->d) {
		snprintf(err, len, "out of memory");
		return fail_create(c);
	}
	c->feedback_period_ns = (uint64_t)(1e9 / c->set.feedback_rate);
	midi_tc_parse(c->set.mtc_out_start, (enum midi_tc_rate)c->set.mtc_out_rate, &start);
	c->gen_start_frames = midi_tc_to_frames(&start);
	c->tc_logged = MIDI_CHASE_IDLE;

	uint64_t now = gl_now_ns();
	c->logw.start_ns = now;
	c->backoff_s = MIDI_RETRY_MIN_S;
	c->next_feedback_ns = now;
	midi_log(c, false, "midi: %d mappings; MSC %s (device %d%s, format %d); MTC chase %s%s%s",
		 c->map_count, c->set.msc ? "on" : "off", c->set.msc_id,
		 c->set.msc_group ? ", group" : "", c->set.msc_format, c->set.mtc ? "on" : "off",
		 c->set.mtc_out ? ", MTC out at " : "",
		 c->set.mtc_out ? midi_tc_rate_name((enum midi_tc_rate)c->set.mtc_out_rate) : "");
	attempt(c, now);
	return c;
}

/* The reasons MIDI drops a message for, in the order its closing summary
 * has always told them. */
static const enum gl_control_drop midi_drop_reasons[] = {
	GL_CONTROL_DROP_MALFORMED, GL_CONTROL_DROP_UNMAPPED, GL_CONTROL_DROP_NOT_FOR_US,
	GL_CONTROL_DROP_NO_SUCH_TARGET, GL_CONTROL_DROP_UNSUPPORTED, GL_CONTROL_DROP_PICKUP,
	GL_CONTROL_DROP_ENGINE_BUSY, GL_CONTROL_DROP_OVERRUN, GL_CONTROL_DROP_TOO_MANY,
};

static void midi_destroy(struct gl_control *c)
{
	char summary[700];
	size_t used;

	if (!c)
		return;
	if (c->d) {
		used = gl_control_summary(summary, sizeof summary, "midi", &c->stats);
		used = gl_control_drop_text(summary, sizeof summary, used, c->drops,
					    midi_drop_reasons,
					    sizeof midi_drop_reasons / sizeof midi_drop_reasons[0]);
		if (c->gen_started && c->gen.skipped)
			snprintf(summary + used, sizeof summary - used, "; MTC out skipped "
				 "%llu two-frame cycles (the loop was late)",
				 (unsigned long long)c->gen.skipped);
		midi_log(c, false, "%s", summary);
	}
	close_ports(c);
	midi_watch_close(c->watch);
	if (c->box_ready)
		midi_inbox_free(&c->box);
	midi_dispatch_destroy(c->d);
	free(c->names);
	free(c->maps);
	gl_control_snapshot_free(&c->snap);
	free(c);
}

static int midi_poll_fds(struct gl_control *c, struct pollfd *fds, int max)
{
	int n = 0;

	if (n < max)
		fds[n++] = (struct pollfd){ .fd = c->box.efd, .events = POLLIN };
	if (c->watch && n < max)
		fds[n++] = (struct pollfd){ .fd = midi_watch_fd(c->watch), .events = POLLIN };
	return n;
}

static void midi_service(struct gl_control *c, const struct pollfd *fds, int count, uint64_t now)
{
	bool ports_changed = false, input = c->drain_more;

	for (int i = 0; i < count; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == c->box.efd)
			input = true;
		else if (c->watch && fds[i].fd == midi_watch_fd(c->watch)) {
			midi_watch_ack(c->watch);
			ports_changed = true;
		}
	}
	if (input)
		drain(c);
	if (c->watch && midi_watch_dead(c->watch)) {
		lose_system(c, "server went away", now);
		describe_ports(c);
	} else if (ports_changed && c->watch &&
		   midi_watch_generation(c->watch) != c->watch_generation) {
		/* JACK: ports came or went - look now rather than at the next poll */
		c->watch_generation = midi_watch_generation(c->watch);
		check_ports(c, now);
		if (c->next_attempt_ns)
			c->next_attempt_ns = now;
	}
	if (c->next_attempt_ns && now >= c->next_attempt_ns)
		attempt(c, now);
	if (now >= c->next_check_ns)
		check_ports(c, now);
	struct midi_chase *ch = midi_dispatch_chase(c->d);
	uint64_t chase_due = midi_chase_next_ns(ch);
	if (chase_due && now >= chase_due) {
		midi_chase_tick(ch, now);
		note_timecode(c);
	}
	/* what goes back to a new output waits until its connection is live */
	if (!c->out || midi_out_ready(c->out)) {
		if (c->feedback_now || now >= c->next_feedback_ns ||
		    (midi_dispatch_next_ns(c->d) && now >= midi_dispatch_next_ns(c->d)))
			feedback(c, now);
		send_mtc(c, now);
	}
	set_state(c);
}

static uint64_t midi_next_timer(struct gl_control *c)
{
	uint64_t next = 0, t;
	bool settling = c->out && !midi_out_ready(c->out);

	if (c->drain_more || (c->feedback_now && !settling))
		return gl_now_ns();
#define EARLIEST(x) do { t = (x); if (t && (!next || t < next)) next = t; } while (0)
	EARLIEST(c->next_attempt_ns);
	EARLIEST(c->next_check_ns);
	EARLIEST(midi_chase_next_ns(midi_dispatch_chase(c->d)));
	if (settling) {
		EARLIEST(gl_now_ns() + MIDI_SETTLE_LOOK_NS);
	} else {
		if (midi_dispatch_has_feedback(c->d))
			EARLIEST(c->next_feedback_ns);
		EARLIEST(midi_dispatch_next_ns(c->d));
		if (c->gen_started && c->out)
			EARLIEST(midi_mtc_gen_next_ns(&c->gen));
	}
#undef EARLIEST
	return next;
}

static void midi_on_event(struct gl_control *c, const struct gl_event *ev)
{
	/* a cue fired or ended: the LEDs now, not at the next pass */
	if (ev->type != GL_EV_TICK_LATE)
		c->feedback_now = true;
}

/* Cue actions and midi.send: one complete message as bytes ('b'). */
static int midi_send(struct gl_control *c, const struct gl_ctl_msg *msg)
{
	const uint8_t *bytes;
	size_t len;

	if (!msg || msg->argc != 1 || !msg->argv || msg->argv[0].type != 'b' || !msg->argv[0].s ||
	    msg->argv[0].i <= 0)
		return GL_EINVAL;
	bytes = (const uint8_t *)msg->argv[0].s;
	len = (size_t)msg->argv[0].i;
	if (!midi_message_ok(bytes, len))
		return GL_EINVAL;
	if (!c->out)
		return GL_EAGAIN;
	if (midi_out_send(c->out, bytes, len) != 0) {
		c->stats.send_errors++;
		return GL_EIO;
	}
	c->stats.sent++;
	return 0;
}

static const struct gl_control_stats *midi_stats(struct gl_control *c)
{
	set_state(c);
	return &c->stats;
}

static bool midi_timecode(struct gl_control *c, uint64_t now, struct gl_timecode *out)
{
	struct midi_chase *ch = midi_dispatch_chase(c->d);
	static const enum gl_tc_state states[] = {
		[MIDI_CHASE_IDLE] = GL_TC_NONE, [MIDI_CHASE_STOPPED] = GL_TC_STOPPED,
		[MIDI_CHASE_LOCKING] = GL_TC_LOCKING, [MIDI_CHASE_LOCKED] = GL_TC_LOCKED,
		[MIDI_CHASE_FREEWHEEL] = GL_TC_FREEWHEEL,
	};
	struct midi_tc tc;
	double frames;

	if (!c->set.mtc || !midi_chase_position(ch, now, &frames))
		return false;
	memset(out, 0, sizeof *out);
	out->state = states[ch->state];
	out->fps = midi_tc_fps(ch->rate);
	out->drop_frame = ch->rate == MIDI_TC_2997DF;
	out->frames = frames;
	out->seconds = frames / out->fps;
	midi_tc_from_frames((int64_t)floor(frames), ch->rate, &tc);
	out->hours = tc.hours;
	out->minutes = tc.minutes;
	out->secs = tc.seconds;
	out->frame = tc.frames;
	out->jumps = ch->jumps;
	return true;
}

const struct gl_control_ops gl_midi_control_ops = {
	.version = 1,
	.name = "midi",
	.options = &midi_options,
	.default_on = false,
	.check = midi_check,
	.create = midi_create,
	.destroy = midi_destroy,
	.poll_fds = midi_poll_fds,
	.service = midi_service,
	.next_timer_ns = midi_next_timer,
	.on_event = midi_on_event,
	.send = midi_send,
	.stats = midi_stats,
	.timecode = midi_timecode,
};
