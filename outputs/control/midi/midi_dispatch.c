/*
 * midi_dispatch.c - MIDI messages to engine commands, MSC, MTC and control
 * feedback (see midi_dispatch.h). Control thread.
 *
 * MIDI Show Control, as this console acts on it (MSC 1.1.1 section 5):
 * GO [cue [list]] GOTOs the cue (every list that has it, when no list is
 * named and msc_list is not set); GO without a cue GOes the list, or the
 * lists whose standby cue is the lowest numbered one; TIMED_GO is a GO (the
 * engine runs cues on their own times; the spec asks exactly that of a
 * device without timed GO); STOP halts running transitions (PAUSE) and
 * RESUME continues them; LOAD puts a cue in standby for the next MSC GO
 * (kept here: the engine's own standby, which the console's GO uses, does
 * not move); SET sets submasters (controls 0-127 = faders 1-128), playback
 * masters (128-191, two per list), the grand master (510) and channel
 * levels (512-1023 = fixtures 1-512's intensity); FIRE runs the mappings of
 * `fire N`; ALL_OFF and RESTORE are blackout on and off; RESET stops every
 * list; GO_OFF stops the cue's list (or every list).
 */
#include "midi_dispatch.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/attr.h"

struct map_state {
	int led;                  /* LED value last sent; -1 none */
	int phys;                 /* where the control is (its last value in or out); -1 unknown */
	uint64_t touched_ns;      /* its last message; 0 never */
	bool picked;              /* pickup: the control holds the level */
	float commanded;          /* the last level it commanded; < 0 none */
	uint64_t commanded_tick;  /* the newest engine tick seen when it did */
};

struct midi_dispatch {
	const struct gl_engine *e;
	struct midi_dispatch_config cfg;
	int count;
	struct midi_map *maps;
	struct map_state *st;
	int list_count;
	int *loaded;              /* per list: the cue an MSC LOAD put in standby; -1 none */
	struct midi_chase chase;
	bool has_feedback;
	uint64_t hold_ns;
	uint64_t last_pass_ns;
};

static void drop(struct midi_result *r, enum gl_control_drop reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void drop(struct midi_result *r, enum gl_control_drop reason, const char *fmt, ...)
{
	va_list ap;

	r->drop = reason;
	r->cmd_count = 0;
	r->call_count = 0;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

static void add_cmd(struct midi_result *r, enum gl_cmd_type type, int list, int index,
		    float value)
{
	if (r->drop != GL_CONTROL_DROP_NONE)
		return;
	if (r->cmd_count == MIDI_DISPATCH_CMDS_MAX) {
		drop(r, GL_CONTROL_DROP_TOO_MANY, "more than %d commands from one message",
		     MIDI_DISPATCH_CMDS_MAX);
		return;
	}
	r->cmds[r->cmd_count++] = (struct gl_cmd){ .type = type, .list = list, .index = index,
						   .value = value };
}

struct midi_dispatch *midi_dispatch_create(const struct gl_engine *e, const struct midi_map *maps,
					   int count, const struct midi_dispatch_config *cfg)
{
	struct midi_dispatch *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->e = e;
	d->cfg = *cfg;
	d->count = count > 0 ? count : 0;
	d->list_count = gl_engine_cuelist_count(e);
	d->maps = calloc((size_t)(d->count ? d->count : 1), sizeof *d->maps);
	d->st = calloc((size_t)(d->count ? d->count : 1), sizeof *d->st);
	d->loaded = calloc((size_t)(d->list_count ? d->list_count : 1), sizeof *d->loaded);
	if (!d->maps || !d->st || !d->loaded) {
		midi_dispatch_destroy(d);
		return NULL;
	}
	if (d->count)
		memcpy(d->maps, maps, (size_t)d->count * sizeof *maps);
	for (int i = 0; i < d->count; i++) {
		d->st[i] = (struct map_state){ .led = -1, .phys = -1, .commanded = -1 };
		if (d->maps[i].feedback && d->maps[i].action != MIDI_DO_LUA &&
		    (d->maps[i].input == MIDI_IN_NOTE || d->maps[i].input == MIDI_IN_CC ||
		     d->maps[i].input == MIDI_IN_BEND) &&
		    (!midi_map_is_level(&d->maps[i]) || d->maps[i].input == MIDI_IN_NOTE ||
		     d->maps[i].motor || d->maps[i].pickup))
			d->has_feedback = true;
	}
	for (int l = 0; l < d->list_count; l++)
		d->loaded[l] = -1;
	d->hold_ns = cfg->touch_hold_s > 0 ? (uint64_t)(cfg->touch_hold_s * 1e9) : 0;
	midi_chase_init(&d->chase, cfg->mtc_freewheel_s);
	return d;
}

void midi_dispatch_destroy(struct midi_dispatch *d)
{
	if (!d)
		return;
	free(d->maps);
	free(d->st);
	free(d->loaded);
	free(d);
}

struct midi_chase *midi_dispatch_chase(struct midi_dispatch *d)
{
	return &d->chase;
}

int midi_dispatch_map_count(const struct midi_dispatch *d)
{
	return d->count;
}

bool midi_dispatch_has_feedback(const struct midi_dispatch *d)
{
	return d->has_feedback;
}

/* The level a mapping's target has in snap (attributes are not in the
 * snapshot: false). */
static bool target_level(const struct midi_map *m, const struct gl_snapshot *snap, float *out)
{
	if (!snap)
		return false;
	switch (m->action) {
	case MIDI_DO_FADER:
		if (m->fader_index < 0 || m->fader_index >= snap->fader_count)
			return false;
		*out = snap->fader_levels[m->fader_index];
		return true;
	case MIDI_DO_GM:
		*out = snap->grand_master;
		return true;
	case MIDI_DO_MASTER:
		if (m->list_index < 0 || m->list_index >= snap->list_count)
			return false;
		*out = snap->lists[m->list_index].master;
		return true;
	default:
		return false;
	}
}

static int input_scale(enum midi_input in)
{
	return in == MIDI_IN_BEND ? 16383 : 127;
}

/* Did the target's level change other than by this control? A command
 * lands at the first tick after it was sent, so two ticks after the
 * newest one seen then, the level must be what the control said - unless
 * someone else (a remote, the console, a show) moved it since. */
static bool moved_elsewhere(const struct midi_map *m, const struct map_state *st,
			    const struct gl_snapshot *snap)
{
	float level;

	if (!snap || st->commanded < 0 || !target_level(m, snap, &level))
		return false;
	return snap->tick >= st->commanded_tick + 2 &&
	       fabsf(level - st->commanded) >= 0.5f / (float)input_scale(m->input);
}

/* A level for the target: soft takeover first. */
static void level(struct midi_dispatch *d, int i, int raw, const struct gl_snapshot *snap,
		  uint64_t now, struct midi_result *r)
{
	const struct midi_map *m = &d->maps[i];
	struct map_state *st = &d->st[i];
	int scale = input_scale(m->input), prev = st->phys;
	float v = (float)raw / (float)scale, cur;

	st->touched_ns = now ? now : 1;
	st->phys = raw;
	if (m->pickup && st->picked && moved_elsewhere(m, st, snap))
		st->picked = false;
	if (m->pickup && !st->picked) {
		if (!target_level(m, snap, &cur)) {
			st->picked = true;          /* nothing to compare with yet */
		} else {
			float p = prev >= 0 ? (float)prev / (float)scale : -1.0f;
			bool near = fabsf(v - cur) <= 1.5f / (float)scale;
			bool crossed = prev >= 0 && (p - cur) * (v - cur) <= 0;

			if (!near && !crossed) {
				drop(r, GL_CONTROL_DROP_PICKUP,
				     "%s %d at %.2f, level %.2f: move it to the "
				     "level to take over", midi_input_name(m->input), m->number, v, cur);
				return;
			}
			st->picked = true;
		}
	}
	switch (m->action) {
	case MIDI_DO_FADER:
		add_cmd(r, GL_CMD_FADER, -1, m->fader, v);
		break;
	case MIDI_DO_GM:
		add_cmd(r, GL_CMD_GRAND_MASTER, -1, 0, v);
		break;
	case MIDI_DO_MASTER:
		add_cmd(r, GL_CMD_LIST_MASTER, m->list_index, 0, v);
		break;
	default:
		add_cmd(r, GL_CMD_SET_PARAM, -1, m->param, v);
		break;
	}
	st->commanded = v;
	st->commanded_tick = snap ? snap->tick : 0;
}

/* What mapping i does with a message: value raw (0..127, 0..16383 for bend),
 * press = a button going down. */
static void apply(struct midi_dispatch *d, int i, int raw, bool press, int channel,
		  const struct gl_snapshot *snap, uint64_t now, struct midi_result *r)
{
	const struct midi_map *m = &d->maps[i];
	enum gl_cmd_type type;

	switch (m->action) {
	case MIDI_DO_LUA:
		if (r->call_count == MIDI_DISPATCH_CALLS_MAX) {
			drop(r, GL_CONTROL_DROP_TOO_MANY,
			     "more than %d show functions from one message",
			     MIDI_DISPATCH_CALLS_MAX);
			return;
		}
		r->calls[r->call_count++] = (struct midi_call){
			.handler = m->lua, .value = (float)raw / (float)input_scale(m->input),
			.channel = channel + 1, .number = m->number, .input = m->input,
		};
		return;
	case MIDI_DO_FADER:
	case MIDI_DO_GM:
	case MIDI_DO_MASTER:
	case MIDI_DO_ATTR:
		level(d, i, raw, snap, now, r);
		return;
	case MIDI_DO_BLACKOUT:
		if (m->latch)
			add_cmd(r, GL_CMD_BLACKOUT, -1, press ? 1 : 0, press ? 1.0f : 0.0f);
		else if (press)
			add_cmd(r, GL_CMD_BLACKOUT, -1, snap && snap->blackout ? 0 : 1,
				snap && snap->blackout ? 0.0f : 1.0f);
		return;
	case MIDI_DO_GOTO:
		if (press)
			add_cmd(r, GL_CMD_GOTO, m->list_index, m->cue_index, 0);
		return;
	case MIDI_DO_GO: type = GL_CMD_GO; break;
	case MIDI_DO_BACK: type = GL_CMD_BACK; break;
	case MIDI_DO_STOP: type = GL_CMD_STOP; break;
	case MIDI_DO_PAUSE: type = GL_CMD_PAUSE; break;
	default: type = GL_CMD_RESUME; break;
	}
	if (press)
		add_cmd(r, type, m->list_index, 0, 0);
}

static bool matches(const struct midi_map *m, enum midi_input in, int channel, int number)
{
	return m->input == in && (m->channel < 0 || m->channel == channel) &&
	       (in == MIDI_IN_BEND || m->number == number);
}

static void channel_message(struct midi_dispatch *d, const struct midi_msg *msg,
			    const struct gl_snapshot *snap, uint64_t now, struct midi_result *r)
{
	enum midi_input in;
	int number = msg->data[0], raw;
	bool press, any = false;

	switch (msg->type) {
	case MIDI_NOTE_ON:
		in = MIDI_IN_NOTE;
		raw = msg->data[1];
		break;
	case MIDI_NOTE_OFF:
		in = MIDI_IN_NOTE;
		raw = 0;
		break;
	case MIDI_CC:
		in = MIDI_IN_CC;
		raw = msg->data[1];
		break;
	case MIDI_PROGRAM:
		in = MIDI_IN_PC;
		raw = 127;
		break;
	case MIDI_PITCH_BEND:
		in = MIDI_IN_BEND;
		number = -1;
		raw = msg->data[0] | msg->data[1] << 7;
		break;
	default:
		r->ignored = true;          /* pressure: nothing maps it */
		return;
	}
	press = raw > 0;
	for (int i = 0; i < d->count && r->drop == GL_CONTROL_DROP_NONE; i++) {
		if (!matches(&d->maps[i], in, msg->channel, number))
			continue;
		any = true;
		apply(d, i, raw, press, msg->channel, snap, now, r);
	}
	if (!any) {
		if (in == MIDI_IN_BEND)
			drop(r, GL_CONTROL_DROP_UNMAPPED, "no mapping for bend %d",
			     msg->channel + 1);
		else
			drop(r, GL_CONTROL_DROP_UNMAPPED, "no mapping for %s %d %d",
			     midi_input_name(in), msg->channel + 1, number);
	} else if (r->cmd_count == 0 && r->call_count == 0 && r->drop == GL_CONTROL_DROP_NONE) {
		r->ignored = true;          /* a release */
	}
}

/* ---- MIDI Show Control -------------------------------------------------------------- */

/* The lists an MSC message is about: [first, last], or first = -1 with why. */
static bool msc_lists(struct midi_dispatch *d, const struct midi_msc *m, int *first, int *last,
		      struct midi_result *r)
{
	double n;

	if (midi_msc_number(m->list, &n)) {
		/* "36.6" is list 36 */
		int l = n >= 1 && n < (double)d->list_count + 1 ? (int)floor(n) - 1 : -1;

		if (l < 0) {
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "msc %s: no cue list %s",
			     midi_msc_command_name(m->command), m->list);
			return false;
		}
		*first = *last = l;
		return true;
	}
	if (d->cfg.msc_list >= 0 && d->cfg.msc_list < d->list_count) {
		*first = *last = d->cfg.msc_list;
		return true;
	}
	if (d->list_count == 0) {
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "msc %s: the show has no cue list",
		     midi_msc_command_name(m->command));
		return false;
	}
	*first = 0;
	*last = d->list_count - 1;
	return true;
}

static double cue_number(const struct gl_engine *e, int list, int cue)
{
	const struct gl_cue_def *def = cue >= 0 ? gl_engine_cue(e, list, cue) : NULL;

	return def ? def->number : -1;
}

/* GO, TIMED_GO, LOAD. */
static void msc_go(struct midi_dispatch *d, const struct midi_msc *m,
		   const struct gl_snapshot *snap, struct midi_result *r)
{
	int first, last, hits = 0;
	double cue;
	bool load = m->command == MIDI_MSC_LOAD;

	if (!msc_lists(d, m, &first, &last, r))
		return;
	if (midi_msc_number(m->cue, &cue)) {
		for (int l = first; l <= last; l++) {
			int idx = gl_engine_cue_find(d->e, l, cue);

			if (idx < 0)
				continue;
			hits++;
			if (load)
				d->loaded[l] = idx;
			else
				add_cmd(r, GL_CMD_GOTO, l, idx, 0);
		}
		if (!hits)
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "msc %s: no cue %s%s%s",
			     midi_msc_command_name(m->command), m->cue, m->list[0] ? " in list " : "",
			     m->list);
		else if (load)
			snprintf(r->why, sizeof r->why, "cue %s loaded for the next msc go", m->cue);
		return;
	}
	if (first == last) {
		if (d->loaded[first] >= 0) {
			add_cmd(r, GL_CMD_GOTO, first, d->loaded[first], 0);
			d->loaded[first] = -1;
		} else {
			add_cmd(r, GL_CMD_GO, first, 0, 0);
		}
		return;
	}
	/* every list: the lists whose next cue has the lowest number go */
	double lowest = -1;
	for (int pass = 0; pass < 2; pass++) {
		for (int l = first; l <= last; l++) {
			int next = d->loaded[l];
			double num;

			if (next < 0 && snap && l < snap->list_count)
				next = snap->lists[l].standby;
			if (next < 0 && !snap && l == 0)
				next = 0;
			num = cue_number(d->e, l, next);
			if (num < 0)
				continue;
			if (pass == 0 && (lowest < 0 || num < lowest))
				lowest = num;
			if (pass == 1 && num == lowest) {
				add_cmd(r, GL_CMD_GOTO, l, next, 0);
				d->loaded[l] = -1;
				hits++;
			}
		}
	}
	if (!hits)
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "msc go: no list has a next cue");
}

/* STOP (pause), RESUME, GO_OFF (stop): a cue's lists, the list, or all. */
static void msc_halt(struct midi_dispatch *d, const struct midi_msc *m,
		     const struct gl_snapshot *snap, enum gl_cmd_type type, struct midi_result *r)
{
	int first, last, hits = 0;
	double cue;

	if (!msc_lists(d, m, &first, &last, r))
		return;
	if (midi_msc_number(m->cue, &cue)) {
		for (int l = first; l <= last && snap; l++)
			if (l < snap->list_count && snap->lists[l].state != GL_LIST_OFF &&
			    cue_number(d->e, l, snap->lists[l].active) == cue) {
				add_cmd(r, type, l, 0, 0);
				hits++;
			}
		if (!hits) {
			r->ignored = true;
			snprintf(r->why, sizeof r->why, "msc %s: cue %s is not running",
				 midi_msc_command_name(m->command), m->cue);
		}
		return;
	}
	if (first == last || m->list[0] || d->cfg.msc_list >= 0)
		add_cmd(r, type, first, 0, 0);
	else
		add_cmd(r, type, -1, 0, 0);
}

static void msc_set(struct midi_dispatch *d, const struct midi_msc *m, struct midi_result *r)
{
	float v = (float)m->value / 16383.0f;
	int c = m->control;

	if (c <= 127) {                             /* submasters: faders 1..128 */
		for (int i = 0; i < gl_engine_fader_count(d->e); i++) {
			int number, target;
			enum gl_fader_kind kind;
			const char *label;

			gl_engine_fader_info(d->e, i, &number, &kind, &target, &label);
			if (number == c + 1) {
				add_cmd(r, GL_CMD_FADER, -1, number, v);
				return;
			}
		}
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "msc set %d: no fader %d", c, c + 1);
	} else if (c <= 191) {                      /* playback masters, two per playback */
		int l = (c - 128) / 2;

		if (l < d->list_count)
			add_cmd(r, GL_CMD_LIST_MASTER, l, 0, v);
		else
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "msc set %d: no cue list %d",
			     c, l + 1);
	} else if (c == 510) {
		add_cmd(r, GL_CMD_GRAND_MASTER, -1, 0, v);
	} else if (c >= 512 && c <= 1023) {         /* channel levels: fixtures' intensity */
		int fixture = c - 512;
		int param = fixture < gl_engine_fixture_count(d->e)
			    ? gl_engine_param(d->e, fixture, GL_ATTR_INTENSITY) : -1;

		if (param >= 0)
			add_cmd(r, GL_CMD_SET_PARAM, -1, param, v);
		else
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET,
			     "msc set %d: fixture %d has no intensity", c, fixture + 1);
	} else {
		drop(r, GL_CONTROL_DROP_UNSUPPORTED, "msc set %d: speed and chase controls are not "
		     "supported", c);
	}
}

static void msc(struct midi_dispatch *d, const struct midi_msc *m, const struct gl_snapshot *snap,
		uint64_t now, struct midi_result *r)
{
	if (d->cfg.msc_id < 0 ||
	    !midi_msc_addressed(m, d->cfg.msc_id, d->cfg.msc_group, d->cfg.msc_format)) {
		drop(r, GL_CONTROL_DROP_NOT_FOR_US, "msc for device %d, format %d", m->device_id,
		     m->format);
		return;
	}
	r->msc = true;
	switch (m->command) {
	case MIDI_MSC_GO:
	case MIDI_MSC_LOAD:
		msc_go(d, m, snap, r);
		break;
	case MIDI_MSC_TIMED_GO:
		msc_go(d, m, snap, r);
		if (r->drop == GL_CONTROL_DROP_NONE)
			snprintf(r->why, sizeof r->why, "timed_go: a GO on the cue's own times");
		break;
	case MIDI_MSC_STOP:
		msc_halt(d, m, snap, GL_CMD_PAUSE, r);
		break;
	case MIDI_MSC_RESUME:
		msc_halt(d, m, snap, GL_CMD_RESUME, r);
		break;
	case MIDI_MSC_GO_OFF:
		msc_halt(d, m, snap, GL_CMD_STOP, r);
		break;
	case MIDI_MSC_SET:
		msc_set(d, m, r);
		break;
	case MIDI_MSC_FIRE: {
		bool any = false;

		for (int i = 0; i < d->count && r->drop == GL_CONTROL_DROP_NONE; i++)
			if (matches(&d->maps[i], MIDI_IN_FIRE, 0, m->macro)) {
				any = true;
				apply(d, i, 127, true, -1, snap, now, r);
			}
		if (!any)
			drop(r, GL_CONTROL_DROP_UNMAPPED, "msc fire %d: no mapping for the macro",
			     m->macro);
		break;
	}
	case MIDI_MSC_ALL_OFF:
		add_cmd(r, GL_CMD_BLACKOUT, -1, 1, 1);
		break;
	case MIDI_MSC_RESTORE:
		add_cmd(r, GL_CMD_BLACKOUT, -1, 0, 0);
		break;
	case MIDI_MSC_RESET:
		for (int l = 0; l < d->list_count; l++)
			d->loaded[l] = -1;
		add_cmd(r, GL_CMD_STOP, -1, 0, 0);
		break;
	default: {
		const char *name = midi_msc_command_name(m->command);

		if (name)
			drop(r, GL_CONTROL_DROP_UNSUPPORTED, "msc %s is not supported", name);
		else
			drop(r, GL_CONTROL_DROP_UNSUPPORTED, "msc command %02X is not supported",
			     m->command);
		break;
	}
	}
}

static void sysex(struct midi_dispatch *d, const struct midi_msg *msg,
		  const struct gl_snapshot *snap, uint64_t now, struct midi_result *r)
{
	struct midi_msc m;
	struct midi_tc tc;
	char why[120];
	int device;

	switch (midi_msc_parse(msg->bytes, msg->len, &m, why, sizeof why)) {
	case MIDI_MSC_OK:
		msc(d, &m, snap, now, r);
		return;
	case MIDI_MSC_MALFORMED:
		drop(r, GL_CONTROL_DROP_MALFORMED, "msc: %s", why);
		return;
	case MIDI_MSC_NOT_MSC:
		break;
	}
	switch (midi_mtc_parse_full_frame(msg->bytes, msg->len, &tc, &device)) {
	case MIDI_MTC_FULL_FRAME:
		if (!d->cfg.mtc) {
			r->ignored = true;
			return;
		}
		midi_chase_full_frame(&d->chase, &tc, now);
		r->timecode = true;
		return;
	case MIDI_MTC_MALFORMED:
		drop(r, GL_CONTROL_DROP_MALFORMED,
		     "mtc full frame: not 10 bytes, or a time that does "
		     "not exist");
		return;
	case MIDI_MTC_NOT_MTC:
		break;
	}
	drop(r, GL_CONTROL_DROP_UNMAPPED,
	     "a sysex that is neither MSC nor MTC (%02X %02X %02X ...)",
	     msg->len > 1 ? msg->bytes[1] : 0, msg->len > 2 ? msg->bytes[2] : 0,
	     msg->len > 3 ? msg->bytes[3] : 0);
}

void midi_dispatch_message(struct midi_dispatch *d, const struct midi_msg *msg,
			   const struct gl_snapshot *snap, uint64_t now_ns, struct midi_result *r)
{
	memset(r, 0, sizeof *r);
	if (msg->type < 0xF0) {
		channel_message(d, msg, snap, now_ns, r);
	} else if (msg->type == MIDI_SYSEX) {
		sysex(d, msg, snap, now_ns, r);
	} else if (msg->type == MIDI_MTC_QUARTER && d->cfg.mtc) {
		midi_chase_quarter(&d->chase, msg->data[0], now_ns);
		r->timecode = true;
	} else {
		r->ignored = true;          /* clock, active sensing, song position... */
	}
}

/* ---- feedback ------------------------------------------------------------------------------ */

/* The LED value of a button mapping in snap; -1 when it has none. */
static int led_value(const struct midi_dispatch *d, const struct midi_map *m,
		     const struct gl_snapshot *snap)
{
	int l = m->list_index;
	bool on = false, alt = false;

	if (!snap)
		return -1;
	switch (m->action) {
	case MIDI_DO_GO:
	case MIDI_DO_BACK:
		if (l < 0 || l >= snap->list_count)
			return -1;
		on = snap->lists[l].state == GL_LIST_RUNNING;
		alt = snap->lists[l].state == GL_LIST_PAUSED;
		break;
	case MIDI_DO_STOP:
	case MIDI_DO_PAUSE:
	case MIDI_DO_RESUME:
		for (int i = 0; i < snap->list_count; i++) {
			if (l >= 0 && i != l)
				continue;
			if (m->action == MIDI_DO_STOP)
				on = on || snap->lists[i].state != GL_LIST_OFF;
			else
				on = on || snap->lists[i].state == GL_LIST_PAUSED;
		}
		break;
	case MIDI_DO_GOTO:
		if (l < 0 || l >= snap->list_count)
			return -1;
		on = snap->lists[l].state != GL_LIST_OFF && snap->lists[l].active == m->cue_index;
		alt = !on && snap->lists[l].standby == m->cue_index;
		break;
	case MIDI_DO_BLACKOUT:
		on = snap->blackout;
		break;
	default: {
		float level;

		if (!target_level(m, snap, &level))
			return -1;
		on = level > 0;
		break;
	}
	}
	(void)d;
	return on ? m->on : alt ? m->alt : m->off;
}

static int put(uint8_t out[3], const struct midi_map *m, int value)
{
	int channel = m->channel < 0 ? 0 : m->channel;

	switch (m->input) {
	case MIDI_IN_NOTE:
		return (int)midi_encode(MIDI_NOTE_ON, channel, m->number, value, out);
	case MIDI_IN_CC:
		return (int)midi_encode(MIDI_CC, channel, m->number, value, out);
	case MIDI_IN_BEND:
		return (int)midi_encode(MIDI_PITCH_BEND, channel, value, 0, out);
	default:
		return 0;
	}
}

int midi_dispatch_feedback(struct midi_dispatch *d, const struct gl_snapshot *snap,
			   uint64_t now, bool full, uint8_t out[][3], int max)
{
	int n = 0;

	if (full)
		for (int i = 0; i < d->count; i++) {
			d->st[i].led = -1;
			if (d->maps[i].motor)
				d->st[i].phys = -1;
		}
	d->last_pass_ns = now;
	for (int i = 0; i < d->count && n < max; i++) {
		const struct midi_map *m = &d->maps[i];
		struct map_state *st = &d->st[i];
		float level;

		if (m->input != MIDI_IN_NOTE && m->input != MIDI_IN_CC && m->input != MIDI_IN_BEND)
			continue;
		if (midi_map_is_level(m) && m->input != MIDI_IN_NOTE) {
			bool hand = st->touched_ns && now - st->touched_ns < d->hold_ns;

			if (!target_level(m, snap, &level))
				continue;
			/* a change nobody here made: the control must pick the level up again */
			if (moved_elsewhere(m, st, snap))
				st->picked = false;
			if (!m->motor || !m->feedback || hand)
				continue;
			int want = (int)lroundf(level * (float)input_scale(m->input));

			if (want == st->phys)
				continue;             /* the control is there already */
			if (!put(out[n], m, want))
				continue;
			n++;
			st->phys = want;
			continue;
		}
		if (!m->feedback || m->action == MIDI_DO_LUA)
			continue;
		int want = led_value(d, m, snap);

		if (want < 0 || want == st->led || !put(out[n], m, want))
			continue;
		n++;
		st->led = want;
	}
	return n;
}

uint64_t midi_dispatch_next_ns(const struct midi_dispatch *d)
{
	uint64_t next = 0;

	for (int i = 0; i < d->count; i++) {
		uint64_t until = d->st[i].touched_ns + d->hold_ns;

		if (d->maps[i].motor && d->st[i].touched_ns && until > d->last_pass_ns &&
		    (!next || until < next))
			next = until;
	}
	return next ? next + 1 : 0;
}
