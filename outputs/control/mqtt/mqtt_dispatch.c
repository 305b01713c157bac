/*
 * mqtt_dispatch.c - the <base>/cmd/ topics (see mqtt_dispatch.h and the
 * README's MQTT section). Pure: engine name look-ups only. Invariants: a
 * message yields commands, an action, or a drop reason, never a mix; a
 * retained command yields nothing but its drop.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mqtt_dispatch.h"

#define VERB_MAX 16

static void drop(struct mqtt_dispatch_result *r, enum gl_control_drop reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void drop(struct mqtt_dispatch_result *r, enum gl_control_drop reason, const char *fmt, ...)
{
	va_list ap;

	r->drop = reason;
	r->cmd_count = 0;
	r->refresh = false;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

static void add_cmd(struct mqtt_dispatch_result *r, enum gl_cmd_type type, int list, int index,
		    float value)
{
	if (r->cmd_count < MQTT_DISPATCH_CMDS_MAX)
		r->cmds[r->cmd_count++] = (struct gl_cmd){ .type = type, .list = list,
							   .index = index, .value = value };
}

/* A list by name, by its topic-level form, or by 1-based number; -1. */
static int find_list(const struct gl_engine *e, const char *name)
{
	int count = gl_engine_cuelist_count(e), id = gl_engine_cuelist_find(e, name);
	char level[GL_NAME_MAX], *end;

	for (int l = 0; id < 0 && l < count; l++) {
		mqtt_topic_level(gl_engine_cuelist_name(e, l), level, sizeof level);
		if (strcmp(level, name) == 0)
			id = l;
	}
	if (id < 0) {
		long n = strtol(name, &end, 10);

		if (name[0] >= '1' && name[0] <= '9' && *end == '\0' && n >= 1 && n <= count)
			id = (int)n - 1;
	}
	return id;
}

/* A trigger's payload: PRESS (or the verb), non-zero, true, on, or a JSON
 * object act; 0, false and off are a button's release. */
static bool pressed(const char *verb, const struct mqtt_value *v, struct mqtt_dispatch_result *r)
{
	bool on;

	switch (v->kind) {
	case MQTT_V_OBJECT:
		return true;
	case MQTT_V_NUMBER:
		on = v->number != 0;
		break;
	case MQTT_V_BOOL:
		on = v->boolean;
		break;
	case MQTT_V_WORD:
		if (strcasecmp(v->word, "press") == 0 || strcasecmp(v->word, verb) == 0)
			return true;
		if (!mqtt_on_off(v->word, &on)) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "cmd/%s takes PRESS, 1/0, true/false or "
			     "JSON {\"list\", \"cue\"}, not \"%.40s\"", verb, v->word);
			return false;
		}
		break;
	default:
		return false;
	}
	if (!on)
		r->ignored = true;
	return on;
}

/* A level 0..1 from a number or {"level": x}. */
static bool level_of(const char *what, const struct mqtt_value *v, struct mqtt_dispatch_result *r,
		     float *out)
{
	double x;

	if (v->kind == MQTT_V_NUMBER) {
		x = v->number;
	} else if (v->kind == MQTT_V_OBJECT && v->has_level && !v->has_list && !v->has_cue &&
		   !v->has_on) {
		x = v->level;
	} else {
		drop(r, GL_CONTROL_DROP_WRONG_TYPE,
		     "%s needs a level 0..1 (a number or {\"level\": x})", what);
		return false;
	}
	if (!isfinite(x) || x < 0.0 || x > 1.0) {
		drop(r, GL_CONTROL_DROP_RANGE, "%s: level %g is outside 0..1", what, x);
		return false;
	}
	*out = (float)x;
	return true;
}

/* The list a command acts on: from the topic, the payload's "list", or the
 * default (-1: every list). Returns false (and drops) when it is wrong. */
static bool target_list(const struct gl_engine *e, const char *verb, const char *arg,
			const struct mqtt_value *v, int fallback, struct mqtt_dispatch_result *r,
			int *list)
{
	const char *name = arg;

	if (v->kind == MQTT_V_OBJECT && v->has_list) {
		if (arg) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "cmd/%s/%.60s: the topic names the list already", verb, arg);
			return false;
		}
		name = v->list;
	}
	if (!name) {
		if (fallback >= 0 && gl_engine_cuelist_count(e) == 0) {
			drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "cmd/%s: the show has no cue list",
			     verb);
			return false;
		}
		*list = fallback;
		return true;
	}
	*list = find_list(e, name);
	if (*list < 0) {
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "cmd/%s: no cue list \"%.60s\"", verb,
		     name);
		return false;
	}
	return true;
}

static void go_to(const struct gl_engine *e, const char *verb, int list, double cue,
		  struct mqtt_dispatch_result *r)
{
	int index = gl_engine_cue_find(e, list, cue);

	if (index < 0)
		drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "cmd/%s: list \"%.60s\" has no cue %g",
		     verb, gl_engine_cuelist_name(e, list), cue);
	else
		add_cmd(r, GL_CMD_GOTO, list, index, 0);
}

/* go back stop pause resume [/<list>] */
static void list_verb(const struct gl_engine *e, const char *verb, enum gl_cmd_type type,
		      const char *arg, const struct mqtt_value *v, struct mqtt_dispatch_result *r)
{
	bool first = type == GL_CMD_GO || type == GL_CMD_BACK;
	int list;

	if (!pressed(verb, v, r))
		return;
	if (v->kind == MQTT_V_OBJECT && (v->has_level || v->has_on ||
					 (v->has_cue && type != GL_CMD_GO))) {
		drop(r, GL_CONTROL_DROP_WRONG_TYPE, "cmd/%s takes {\"list\"%s} only", verb,
		     type == GL_CMD_GO ? ", \"cue\"" : "");
		return;
	}
	if (!target_list(e, verb, arg, v, first ? 0 : -1, r, &list))
		return;
	if (v->kind == MQTT_V_OBJECT && v->has_cue)
		go_to(e, verb, list, v->cue, r);
	else
		add_cmd(r, type, list, 0, 0);
}

static void do_goto(const struct gl_engine *e, const char *arg, const struct mqtt_value *v,
		    struct mqtt_dispatch_result *r)
{
	double cue;
	int list;

	if (v->kind == MQTT_V_NUMBER) {
		cue = v->number;
	} else if (v->kind == MQTT_V_OBJECT && v->has_cue && !v->has_level && !v->has_on) {
		cue = v->cue;
	} else {
		drop(r, GL_CONTROL_DROP_WRONG_TYPE,
		     "cmd/goto needs a cue number (2, 2.5 or {\"cue\": 2})");
		return;
	}
	if (!isfinite(cue) || cue <= 0) {
		drop(r, GL_CONTROL_DROP_RANGE, "cmd/goto: cue %g is not a cue number", cue);
		return;
	}
	if (target_list(e, "goto", arg, v, 0, r, &list))
		go_to(e, "goto", list, cue, r);
}

static void do_fader(const struct gl_engine *e, const char *arg, const struct mqtt_value *v,
		     struct mqtt_dispatch_result *r)
{
	char *end;
	long n = strtol(arg, &end, 10);
	float level;

	if (!(arg[0] >= '1' && arg[0] <= '9') || *end) {
		drop(r, GL_CONTROL_DROP_UNKNOWN_COMMAND,
		     "use cmd/fader/<number>, not cmd/fader/%.40s", arg);
		return;
	}
	for (int i = 0; i < gl_engine_fader_count(e); i++) {
		int number, target;
		enum gl_fader_kind kind;
		const char *label;

		gl_engine_fader_info(e, i, &number, &kind, &target, &label);
		if (number == n) {
			if (level_of("cmd/fader", v, r, &level))
				add_cmd(r, GL_CMD_FADER, -1, number, level);
			return;
		}
	}
	drop(r, GL_CONTROL_DROP_NO_SUCH_TARGET, "no fader %.20s", arg);
}

static void do_blackout(const struct mqtt_value *v, struct mqtt_dispatch_result *r)
{
	bool on = true;

	switch (v->kind) {
	case MQTT_V_EMPTY:        /* ignored before it gets here */
		return;
	case MQTT_V_BOOL:
		on = v->boolean;
		break;
	case MQTT_V_NUMBER:
		if (v->number != 0 && v->number != 1) {
			drop(r, GL_CONTROL_DROP_RANGE, "cmd/blackout: %g is not 0 or 1", v->number);
			return;
		}
		on = v->number == 1;
		break;
	case MQTT_V_WORD:
		if (!mqtt_on_off(v->word, &on)) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "cmd/blackout takes on/off, true/false or 1/0, "
			     "not \"%.40s\"", v->word);
			return;
		}
		break;
	case MQTT_V_OBJECT:
		if (!v->has_on || v->has_list || v->has_cue || v->has_level) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE,
			     "cmd/blackout takes {\"on\": true|false}");
			return;
		}
		on = v->on;
		break;
	}
	add_cmd(r, GL_CMD_BLACKOUT, -1, on, on ? 1.0f : 0.0f);
}

enum verb { V_GO, V_BACK, V_STOP, V_PAUSE, V_RESUME, V_GOTO, V_FADER, V_GM, V_BLACKOUT, V_PANIC,
	    V_REFRESH, V_COUNT };

static const struct {
	const char *name;
	int arg;                 /* 0 none, 1 optional, 2 required */
	enum gl_cmd_type type;   /* the list verbs' command */
} verbs[V_COUNT] = {
	[V_GO] = { "go", 1, GL_CMD_GO },
	[V_BACK] = { "back", 1, GL_CMD_BACK },
	[V_STOP] = { "stop", 1, GL_CMD_STOP },
	[V_PAUSE] = { "pause", 1, GL_CMD_PAUSE },
	[V_RESUME] = { "resume", 1, GL_CMD_RESUME },
	[V_GOTO] = { "goto", 1, GL_CMD_GOTO },
	[V_FADER] = { "fader", 2, GL_CMD_FADER },
	[V_GM] = { "gm", 0, GL_CMD_GRAND_MASTER },
	[V_BLACKOUT] = { "blackout", 0, GL_CMD_BLACKOUT },
	[V_PANIC] = { "panic", 0 },
	[V_REFRESH] = { "refresh", 0 },
};

void mqtt_dispatch(const struct gl_engine *e, const char *base, const char *ha_prefix,
		   const char *topic, const void *payload, size_t len, bool retained,
		   struct mqtt_dispatch_result *r)
{
	size_t blen = strlen(base);
	char verb[VERB_MAX];
	const char *rest, *slash, *arg = NULL;
	struct mqtt_value v;
	float level;
	int which = -1;

	memset(r, 0, sizeof *r);
	if (!topic || (len && !payload)) {
		drop(r, GL_CONTROL_DROP_MALFORMED, "no topic");
		return;
	}
	if (ha_prefix) {
		size_t plen = strlen(ha_prefix);

		if (strncmp(topic, ha_prefix, plen) == 0 && strcmp(topic + plen, "/status") == 0) {
			r->ha_online = len == 6 && memcmp(payload, "online", 6) == 0;
			r->ignored = !r->ha_online;
			return;
		}
	}
	if (strncmp(topic, base, blen) != 0 || strncmp(topic + blen, "/cmd", 4) != 0 ||
	    (topic[blen + 4] != '/' && topic[blen + 4] != '\0')) {
		r->unmatched = true;
		return;
	}
	if (retained) {
		drop(r, GL_CONTROL_DROP_RETAINED,
		     "%.100s is retained on the broker: ignored (a stale "
		     "command never fires)", topic);
		return;
	}
	rest = topic[blen + 4] ? topic + blen + 5 : "";
	slash = strchr(rest, '/');
	if ((slash ? (size_t)(slash - rest) : strlen(rest)) < sizeof verb) {
		size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

		memcpy(verb, rest, n);
		verb[n] = '\0';
		for (int i = 0; i < V_COUNT; i++)
			if (strcmp(verb, verbs[i].name) == 0)
				which = i;
	}
	if (slash)
		arg = slash + 1;
	if (which < 0 || (arg && (!verbs[which].arg || !arg[0] || strchr(arg, '/'))) ||
	    (!arg && verbs[which].arg == 2)) {
		drop(r, GL_CONTROL_DROP_UNKNOWN_COMMAND, "%.100s: no such command", topic);
		return;
	}
	r->drop = mqtt_value_parse(payload, len, &v, r->why, sizeof r->why);
	if (r->drop != GL_CONTROL_DROP_NONE)
		return;
	if (v.kind == MQTT_V_EMPTY) {
		/* how a retained message is cleared: the broker passes the
		 * empty payload on to every subscriber, and it must not fire */
		r->ignored = true;
		return;
	}

	switch (which) {
	case V_GO: case V_BACK: case V_STOP: case V_PAUSE: case V_RESUME:
		list_verb(e, verbs[which].name, verbs[which].type, arg, &v, r);
		break;
	case V_GOTO:
		do_goto(e, arg, &v, r);
		break;
	case V_FADER:
		do_fader(e, arg, &v, r);
		break;
	case V_GM:
		if (level_of("cmd/gm", &v, r, &level))
			add_cmd(r, GL_CMD_GRAND_MASTER, -1, 0, level);
		break;
	case V_BLACKOUT:
		do_blackout(&v, r);
		break;
	case V_PANIC:
		/* dark now: every list stopped, blackout on (cmd/blackout off lifts it) */
		if (v.kind == MQTT_V_OBJECT) {
			drop(r, GL_CONTROL_DROP_WRONG_TYPE, "cmd/panic takes no JSON object");
		} else if (pressed("panic", &v, r)) {
			add_cmd(r, GL_CMD_STOP, -1, 0, 0);
			add_cmd(r, GL_CMD_BLACKOUT, -1, 1, 1.0f);
			r->panic = true;
		}
		break;
	case V_REFRESH:
		if (v.kind == MQTT_V_OBJECT)
			drop(r, GL_CONTROL_DROP_WRONG_TYPE, "cmd/refresh takes no JSON object");
		else
			r->refresh = pressed("refresh", &v, r);
		break;
	}
}
