/*
 * midi_map.c - the mapping line (see midi_map.h). Any thread.
 */
#include "midi_map.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/attr.h"

#define WORDS_MAX 16

static const char *const input_names[] = {
	[MIDI_IN_NOTE] = "note", [MIDI_IN_CC] = "cc", [MIDI_IN_PC] = "pc",
	[MIDI_IN_BEND] = "bend", [MIDI_IN_FIRE] = "fire",
};

static const struct {
	const char *name;
	enum midi_action action;
	int args;          /* words after it: -1 = an optional list */
} targets[] = {
	{ "go", MIDI_DO_GO, -1 },
	{ "back", MIDI_DO_BACK, -1 },
	{ "stop", MIDI_DO_STOP, -1 },
	{ "pause", MIDI_DO_PAUSE, -1 },
	{ "resume", MIDI_DO_RESUME, -1 },
	{ "goto", MIDI_DO_GOTO, 2 },
	{ "blackout", MIDI_DO_BLACKOUT, 0 },
	{ "fader", MIDI_DO_FADER, 1 },
	{ "gm", MIDI_DO_GM, 0 },
	{ "master", MIDI_DO_MASTER, 1 },
	{ "attr", MIDI_DO_ATTR, 2 },
	{ "lua", MIDI_DO_LUA, 1 },
};

#define TARGET_COUNT (sizeof targets / sizeof targets[0])

const char *midi_input_name(enum midi_input in)
{
	return in >= MIDI_IN_NOTE && in <= MIDI_IN_FIRE ? input_names[in] : "?";
}

bool midi_map_is_level(const struct midi_map *m)
{
	return m->action == MIDI_DO_FADER || m->action == MIDI_DO_GM ||
	       m->action == MIDI_DO_MASTER || m->action == MIDI_DO_ATTR;
}

static int fail(char *why, size_t len, const char *fmt, const char *what)
{
	snprintf(why, len, fmt, what);
	return GL_EINVAL;
}

/* Splits line into words (a "quoted word" may hold spaces, \" and \\);
 * stops at #. Returns the count or -1 (unclosed quote, too many, too long). */
static int split(char *line, char *words[WORDS_MAX], const char **bad)
{
	int n = 0;
	char *p = line;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == WORDS_MAX) {
			*bad = "too many words";
			return -1;
		}
		if (*p == '"') {
			char *out = ++p;

			words[n++] = out;
			while (*p && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				*out++ = *p++;
			}
			if (*p != '"') {
				*bad = "a quote is not closed";
				return -1;
			}
			p++;
			if (*p && *p != ' ' && *p != '\t' && *p != '#' && *p != '\r' && *p != '\n') {
				*bad = "text right after a closing quote";
				return -1;
			}
			*out = '\0';
			continue;
		}
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '#')
			p++;
		if (*p == '#') {
			*p = '\0';
			break;
		}
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static bool whole(const char *text, long min, long max, int *out)
{
	char *end;
	long v;

	if (!text[0] || !isdigit((unsigned char)text[0]))
		return false;
	v = strtol(text, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

static bool copy_word(char *dest, size_t size, const char *word)
{
	if (strlen(word) >= size)
		return false;
	memcpy(dest, word, strlen(word) + 1);
	return true;
}

int midi_map_parse(const char *line, struct midi_map *m, char *why, size_t wl)
{
	char buf[MIDI_MAP_LINE_MAX];
	char *w[WORDS_MAX];
	const char *bad = NULL;
	int n, at = 0;

	memset(m, 0, sizeof *m);
	m->on = 127;
	m->alt = -1;
	m->feedback = true;
	m->list_index = m->cue_index = m->fader_index = m->param = -1;
	if (strlen(line) >= sizeof buf)
		return fail(why, wl, "%s", "longer than 255 bytes");
	memcpy(buf, line, strlen(line) + 1);
	n = split(buf, w, &bad);
	if (n < 0)
		return fail(why, wl, "%s", bad);
	if (n == 0)
		return 0;

	/* the input */
	int kind = -1;
	for (int i = 0; i <= MIDI_IN_FIRE; i++)
		if (strcmp(w[0], input_names[i]) == 0)
			kind = i;
	if (kind < 0)
		return fail(why, wl, "\"%.40s\" is not an input (note, cc, pc, bend, fire)", w[0]);
	m->input = (enum midi_input)kind;
	at = 1;
	if (kind != MIDI_IN_FIRE) {
		if (at >= n)
			return fail(why, wl, "%s: a channel (1..16 or *) is missing", w[0]);
		if (strcmp(w[at], "*") == 0)
			m->channel = -1;
		else if (whole(w[at], 1, 16, &m->channel))
			m->channel--;
		else
			return fail(why, wl, "channel \"%.40s\" is not 1..16 or *", w[at]);
		at++;
	}
	m->number = -1;
	if (kind != MIDI_IN_BEND) {
		if (at >= n)
			return fail(why, wl, "%s: a number 0..127 is missing", w[0]);
		if (!whole(w[at], 0, 127, &m->number))
			return fail(why, wl, "\"%.40s\" is not a number 0..127", w[at]);
		at++;
	}

	/* the target */
	if (at >= n)
		return fail(why, wl, "%s", "the target is missing (go, fader 1, ...)");
	size_t t = 0;
	while (t < TARGET_COUNT && strcmp(targets[t].name, w[at]) != 0)
		t++;
	if (t == TARGET_COUNT)
		return fail(why, wl, "\"%.40s\" is not a target (go back stop pause resume goto "
			    "blackout fader gm master attr lua)", w[at]);
	m->action = targets[t].action;
	at++;
	/* an optional list: the next word unless it is an option */
	if (targets[t].args == -1 && at < n && !strchr(w[at], '=') &&
	    strcmp(w[at], "nofeedback") != 0 && strcmp(w[at], "motor") != 0 &&
	    strcmp(w[at], "pickup") != 0 && strcmp(w[at], "latch") != 0) {
		if (!copy_word(m->list, sizeof m->list, w[at]) || !w[at][0])
			return fail(why, wl, "%s", "the list name is empty or too long");
		at++;
	}
	if (targets[t].args > 0 && at + targets[t].args > n)
		return fail(why, wl, "%s: too few words", targets[t].name);
	switch (m->action) {
	case MIDI_DO_GOTO: {
		char *end;
		double cue;

		if (!copy_word(m->list, sizeof m->list, w[at]) || !w[at][0])
			return fail(why, wl, "%s", "goto: the list name is empty or too long");
		cue = strtod(w[at + 1], &end);
		if (end == w[at + 1] || *end || !(cue > 0) || !isfinite(cue) ||
		    !copy_word(m->cue, sizeof m->cue, w[at + 1]))
			return fail(why, wl, "goto: \"%.20s\" is not a cue number", w[at + 1]);
		at += 2;
		break;
	}
	case MIDI_DO_FADER:
		if (!whole(w[at], 1, 100000, &m->fader))
			return fail(why, wl, "fader: \"%.20s\" is not a fader number", w[at]);
		at++;
		break;
	case MIDI_DO_MASTER:
		if (!copy_word(m->list, sizeof m->list, w[at]) || !w[at][0])
			return fail(why, wl, "%s", "master: the list name is empty or too long");
		at++;
		break;
	case MIDI_DO_ATTR:
		if (!whole(w[at], 1, 1000000, &m->fixture))
			return fail(why, wl, "attr: \"%.20s\" is not a fixture number", w[at]);
		if (gl_attr_from_name(w[at + 1]) < 0 || !copy_word(m->attr, sizeof m->attr, w[at + 1]))
			return fail(why, wl, "attr: \"%.20s\" is not an attribute", w[at + 1]);
		at += 2;
		break;
	case MIDI_DO_LUA:
		if (!whole(w[at], 0, 1000000, &m->lua))
			return fail(why, wl, "lua: \"%.20s\" is not a function number", w[at]);
		at++;
		break;
	default:
		break;
	}

	/* options */
	for (; at < n; at++) {
		int *value = NULL, v;
		const char *eq = strchr(w[at], '=');

		if (strcmp(w[at], "nofeedback") == 0) {
			m->feedback = false;
			continue;
		}
		if (strcmp(w[at], "motor") == 0 || strcmp(w[at], "pickup") == 0) {
			if (!midi_map_is_level(m))
				return fail(why, wl, "%s: only for fader, gm, master and attr", w[at]);
			if (m->input == MIDI_IN_PC || m->input == MIDI_IN_FIRE)
				return fail(why, wl, "%s: a program change or macro has no position", w[at]);
			*(w[at][0] == 'm' ? &m->motor : &m->pickup) = true;
			continue;
		}
		if (strcmp(w[at], "latch") == 0) {
			if (m->action != MIDI_DO_BLACKOUT)
				return fail(why, wl, "%s", "latch: only for blackout");
			m->latch = true;
			continue;
		}
		if (eq && strncmp(w[at], "on=", 3) == 0)
			value = &m->on;
		else if (eq && strncmp(w[at], "off=", 4) == 0)
			value = &m->off;
		else if (eq && strncmp(w[at], "alt=", 4) == 0)
			value = &m->alt;
		if (!value)
			return fail(why, wl, "\"%.40s\" is not an option (on= off= alt= nofeedback "
				    "motor pickup latch)", w[at]);
		if (!whole(eq + 1, 0, 127, &v))
			return fail(why, wl, "%.40s: a value 0..127", w[at]);
		*value = v;
	}
	if (m->motor && m->pickup)
		return fail(why, wl, "%s", "motor and pickup: a motorised fader needs no pickup");
	if (m->alt < 0)
		m->alt = m->on;
	return 1;
}

/* A name as one word: quoted when it has spaces, quotes, # or is empty. */
static size_t put_name(char *out, size_t len, const char *name)
{
	bool plain = name[0] != '\0';
	size_t n = 0;

	for (const char *p = name; *p && plain; p++)
		plain = *p != ' ' && *p != '\t' && *p != '"' && *p != '#' && *p != '\\' && *p != '=';
	if (plain)
		return (size_t)snprintf(out, len, " %s", name);
	n += (size_t)snprintf(out + n, n < len ? len - n : 0, " \"");
	for (const char *p = name; *p; p++)
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%c",
				      *p == '"' || *p == '\\' ? "\\" : "", *p);
	n += (size_t)snprintf(out + n, n < len ? len - n : 0, "\"");
	return n;
}

size_t midi_map_format(const struct midi_map *m, char *out, size_t len)
{
	size_t n = 0;
	size_t t = 0;

#define PUT(...) (n += (size_t)snprintf(out + n, n < len ? len - n : 0, __VA_ARGS__))
	PUT("%s", midi_input_name(m->input));
	if (m->input != MIDI_IN_FIRE) {
		if (m->channel < 0)
			PUT(" *");
		else
			PUT(" %d", m->channel + 1);
	}
	if (m->input != MIDI_IN_BEND)
		PUT(" %d", m->number);
	while (t < TARGET_COUNT && targets[t].action != m->action)
		t++;
	PUT(" %s", t < TARGET_COUNT ? targets[t].name : "?");
	switch (m->action) {
	case MIDI_DO_GOTO:
		n += put_name(out + n, n < len ? len - n : 0, m->list);
		PUT(" %s", m->cue);
		break;
	case MIDI_DO_FADER:
		PUT(" %d", m->fader);
		break;
	case MIDI_DO_MASTER:
		n += put_name(out + n, n < len ? len - n : 0, m->list);
		break;
	case MIDI_DO_ATTR:
		PUT(" %d %s", m->fixture, m->attr);
		break;
	case MIDI_DO_LUA:
		PUT(" %d", m->lua);
		break;
	case MIDI_DO_GO: case MIDI_DO_BACK: case MIDI_DO_STOP: case MIDI_DO_PAUSE:
	case MIDI_DO_RESUME:
		if (m->list[0])
			n += put_name(out + n, n < len ? len - n : 0, m->list);
		break;
	default:
		break;
	}
	if (m->on != 127)
		PUT(" on=%d", m->on);
	if (m->off != 0)
		PUT(" off=%d", m->off);
	if (m->alt != m->on)
		PUT(" alt=%d", m->alt);
	if (!m->feedback)
		PUT(" nofeedback");
	if (m->motor)
		PUT(" motor");
	if (m->pickup)
		PUT(" pickup");
	if (m->latch)
		PUT(" latch");
#undef PUT
	if (len)
		out[n < len ? n : len - 1] = '\0';
	return n < len ? n : (len ? len - 1 : 0);
}

/* A list by 1-based number or by name. */
static int find_list(const struct gl_engine *e, const char *text)
{
	int n, count = gl_engine_cuelist_count(e);

	if (whole(text, 1, count, &n))
		return n - 1;
	return gl_engine_cuelist_find(e, text);
}

int midi_map_resolve(const struct gl_engine *e, struct midi_map *m, char *why, size_t wl)
{
	m->list_index = m->cue_index = m->fader_index = m->param = -1;
	switch (m->action) {
	case MIDI_DO_GO:
	case MIDI_DO_BACK:
	case MIDI_DO_STOP:
	case MIDI_DO_PAUSE:
	case MIDI_DO_RESUME:
	case MIDI_DO_GOTO:
	case MIDI_DO_MASTER:
		if (!m->list[0]) {
			/* go/back: the first list; stop/pause/resume: every list */
			bool all = m->action == MIDI_DO_STOP || m->action == MIDI_DO_PAUSE ||
				   m->action == MIDI_DO_RESUME;

			if (!all && gl_engine_cuelist_count(e) == 0)
				return snprintf(why, wl, "the show has no cue list"), GL_ENOENT;
			m->list_index = all ? -1 : 0;
			break;
		}
		m->list_index = find_list(e, m->list);
		if (m->list_index < 0)
			return snprintf(why, wl, "no cue list \"%.60s\"", m->list), GL_ENOENT;
		if (m->action == MIDI_DO_GOTO) {
			m->cue_index = gl_engine_cue_find(e, m->list_index, strtod(m->cue, NULL));
			if (m->cue_index < 0)
				return snprintf(why, wl, "no cue %s in \"%.60s\"", m->cue,
						gl_engine_cuelist_name(e, m->list_index)), GL_ENOENT;
		}
		break;
	case MIDI_DO_FADER:
		for (int i = 0; i < gl_engine_fader_count(e); i++) {
			int number, target;
			enum gl_fader_kind kind;
			const char *label;

			gl_engine_fader_info(e, i, &number, &kind, &target, &label);
			if (number == m->fader)
				m->fader_index = i;
		}
		if (m->fader_index < 0)
			return snprintf(why, wl, "no fader %d", m->fader), GL_ENOENT;
		break;
	case MIDI_DO_ATTR: {
		int attr = gl_attr_from_name(m->attr);

		if (m->fixture > gl_engine_fixture_count(e))
			return snprintf(why, wl, "no fixture %d", m->fixture), GL_ENOENT;
		m->param = attr < 0 ? -1 : gl_engine_param(e, m->fixture - 1, (enum gl_attr)attr);
		if (m->param < 0)
			return snprintf(why, wl, "fixture %d has no %s", m->fixture, m->attr),
			       GL_ENOENT;
		break;
	}
	default:
		break;
	}
	return 0;
}
