/*
 * show_midi.c - MIDI as a show sees it: mappings declared in the show,
 *   midi.map { cc = 48, channel = 1, fader = 1, pickup = true }
 *   midi.map { note = 61, go = { "Main", 2 } }          (GOTO cue 2)
 *   midi.map { note = 60, call = function(value, channel, number, kind) ... end }
 * (each becomes one line of outputs/control/midi/midi_map.h's text, which
 * the adapter reads through the host like a mapping file's lines),
 * `midi.send { note = 60 }` from handlers, and cue actions sent when the cue
 * fires:
 *   cue { 3, "Cue 3", midi = { msc = "go", cue = "5", list = "1" } }
 *   cue { 4, midi = { { note = 60, velocity = 100 }, { sysex = "F0 7E 7F 06 01 F7" } } }
 *
 * Control thread. Show tables are read raw (lua_rawget, lua_rawgeti,
 * lua_next), counts bounded (SHOW_MIDI_MAP_MAX, SHOW_CUE_MIDI_MAX); a cue's
 * messages are encoded to bytes when the show loads (an error is the cue's
 * file:line), kept as Lua strings until copied into one block the cue owns.
 * Sending goes through the sender app/ registers; a failed send is one line
 * in the show's error ring, and the show goes on.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "outputs/control/midi/midi_map.h"
#include "outputs/control/midi/midi_msc.h"
#include "outputs/control/midi/midi_tc.h"
#include "outputs/control/midi/midi_wire.h"
#include "show_internal.h"

/* A message a cue sends at GO; in a cue, the messages and their bytes are
 * one allocation. */
struct show_midi_action {
	const uint8_t *bytes;
	size_t len;
};

/* What a cue's midi field says, before it is copied: the bytes are Lua
 * strings kept alive by the userdata's table. */
struct show_midi_parsed {
	int count;
	size_t bytes;
	struct show_midi_action actions[SHOW_CUE_MIDI_MAX];
};

/* ---- reading fields ------------------------------------------------------------------ */

/* Every key of the table at t is a string in `known`; else why names it. */
static bool known_keys(lua_State *L, int t, const char *const *known, char *why, size_t len)
{
	lua_pushnil(L);
	while (lua_next(L, t)) {
		bool ok = false;

		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING)
			for (int i = 0; known[i] && !ok; i++)
				ok = strcmp(known[i], lua_tostring(L, -1)) == 0;
		if (!ok) {
			char desc[64];

			show_describe(L, -1, desc, sizeof desc);
			lua_pop(L, 1);
			snprintf(why, len, "unknown field %s", desc);
			return false;
		}
	}
	return true;
}

/* Integer field key of the table at t in min..max: true and *out when
 * present; false when absent; raises when wrong. */
static bool int_field(lua_State *L, struct show_where at, const char *what, int t,
		      const char *key, long min, long max, int *out)
{
	int type;

	lua_pushstring(L, key);
	type = lua_rawget(L, t);
	if (type == LUA_TNIL) {
		lua_pop(L, 1);
		return false;
	}
	if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < min || lua_tointeger(L, -1) > max)
		show_raise(L, at, "%s: %s must be a whole number %ld..%ld", what, key, min, max);
	*out = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	return true;
}

/* The mapping line being written (MIDI_MAP_LINE_MAX bytes at most). */
struct map_line {
	char text[MIDI_MAP_LINE_MAX];
	size_t n;
	bool full;
};

static void line_add(struct map_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct map_line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->text + l->n, sizeof l->text - l->n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof l->text - l->n)
		l->full = true;
	else
		l->n += (size_t)n;
}

/* A cue list or cue number as one word: a number, or a "quoted" name. */
static void line_word(struct map_line *l, lua_State *L, int idx)
{
	if (lua_type(L, idx) == LUA_TNUMBER) {
		if (lua_isinteger(L, idx))
			line_add(l, " %lld", (long long)lua_tointeger(L, idx));
		else
			line_add(l, " %.10g", lua_tonumber(L, idx));
		return;
	}
	line_add(l, " \"");
	for (const char *p = lua_tostring(L, idx); *p; p++)
		line_add(l, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
	line_add(l, "\"");
}

static bool is_name(lua_State *L, int idx)
{
	return (lua_type(L, idx) == LUA_TSTRING && lua_rawlen(L, idx) > 0 &&
		lua_rawlen(L, idx) < GL_NAME_MAX && strlen(lua_tostring(L, idx)) == lua_rawlen(L, idx)) ||
	       (lua_isinteger(L, idx) && lua_tointeger(L, idx) >= 1 &&
		lua_tointeger(L, idx) <= SHOW_LIST_MAX);
}

/* ---- midi.map { ... } ---------------------------------------------------------------------- */

static const char *const map_keys[] = {
	"note", "cc", "pc", "bend", "fire", "channel",
	"go", "back", "stop", "pause", "resume", "blackout", "fader", "gm", "master", "attr",
	"call", "on", "off", "alt", "feedback", "motor", "pickup", "latch", NULL,
};

/* Which of the `count` keys the map table (at 1) has: NULL when none;
 * raises "give one input (note or cc)" when it has two. */
static const char *one_key(lua_State *L, struct show_where at, const char *const *keys,
			   size_t count, const char *noun)
{
	const char *found = NULL;

	for (size_t i = 0; i < count; i++) {
		lua_pushstring(L, keys[i]);
		if (lua_rawget(L, 1) != LUA_TNIL) {
			if (found)
				show_raise(L, at, "midi.map: give one %s (%s or %s)", noun, found,
					   keys[i]);
			found = keys[i];
		}
		lua_pop(L, 1);
	}
	return found;
}

static int midi_map_fn(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);
	static const char *const inputs[] = { "note", "cc", "pc", "fire", "bend" };
	static const char *const targets[] = { "go", "back", "stop", "pause", "resume",
					       "blackout", "fader", "gm", "master", "attr", "call" };
	struct show_midi_map map;
	struct midi_map parsed;
	char why[200];
	const char *input, *target;
	int n, channel = -1;
	struct map_line b = { .n = 0 };

	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "midi.map is only allowed while the show loads (the adapter "
				  "reads the mappings when it starts)");
	if (!lua_istable(L, 1) || !lua_isnone(L, 2))
		return show_raise(L, at, "midi.map: expects a table: midi.map { cc = 48, fader = 1 }");
	if (s->midi_maps.count >= SHOW_MIDI_MAP_MAX)
		return show_raise(L, at, "midi.map: at most %d mappings", SHOW_MIDI_MAP_MAX);
	if (!known_keys(L, 1, map_keys, why, sizeof why))
		return show_raise(L, at, "midi.map: %s (an input: note, cc, pc, bend, fire; a "
				  "target: go, back, stop, pause, resume, blackout, fader, gm, master, "
				  "attr, call; options: channel, on, off, alt, feedback, motor, "
				  "pickup, latch)", why);
	memset(&map, 0, sizeof map);
	map.at = at;
	map.ref = LUA_NOREF;
	input = one_key(L, at, inputs, sizeof inputs / sizeof inputs[0], "input");
	target = one_key(L, at, targets, sizeof targets / sizeof targets[0], "target");
	if (!input)
		return show_raise(L, at, "midi.map: the input is missing (note = 60, cc = 7, pc = 1, "
				  "bend = true or fire = 1)");
	if (!target)
		return show_raise(L, at, "midi.map: the target is missing (go = \"Main\", fader = 1, "
				  "call = function ...)");

	line_add(&b, "%s", input);
	if (strcmp(input, "fire") != 0) {
		lua_pushliteral(L, "channel");
		int type = lua_rawget(L, 1);
		bool any = type == LUA_TSTRING && strcmp(lua_tostring(L, -1), "*") == 0;

		lua_pop(L, 1);
		if (!any && type != LUA_TNIL)
			int_field(L, at, "midi.map", 1, "channel", 1, 16, &channel);
		if (channel > 0)
			line_add(&b, " %d", channel);
		else
			line_add(&b, " *");
	} else {
		lua_pushliteral(L, "channel");
		if (lua_rawget(L, 1) != LUA_TNIL)
			return show_raise(L, at, "midi.map: an MSC macro (fire) has no channel");
		lua_pop(L, 1);
	}
	if (strcmp(input, "bend") == 0) {
		lua_pushliteral(L, "bend");
		lua_rawget(L, 1);
		if (lua_type(L, -1) != LUA_TBOOLEAN || !lua_toboolean(L, -1))
			return show_raise(L, at, "midi.map: bend = true (pitch bend has no number)");
		lua_pop(L, 1);
	} else {
		int_field(L, at, "midi.map", 1, input, 0, 127, &n);
		line_add(&b, " %d", n);
	}

	/* the target */
	lua_pushstring(L, target);
	lua_rawget(L, 1);
	int v = lua_gettop(L);
	if (strcmp(target, "call") == 0) {
		if (!lua_isfunction(L, v))
			return show_raise(L, at, "midi.map: call must be a function");
		line_add(&b, " lua %d", s->midi_maps.count);
	} else if (strcmp(target, "go") == 0 && lua_istable(L, v)) {
		/* go = { list, cue }: GOTO that cue (goto is a Lua keyword) */
		line_add(&b, " goto");
		if (lua_rawlen(L, v) != 2 || lua_rawgeti(L, v, 1) == LUA_TNIL || !is_name(L, -1) ||
		    lua_rawgeti(L, v, 2) != LUA_TNUMBER || !(lua_tonumber(L, -1) > 0))
			return show_raise(L, at, "midi.map: go = { \"list\", cue number } (a cue: "
					  "GOTO it)");
		line_word(&b, L, -2);
		line_word(&b, L, -1);
		lua_pop(L, 2);
	} else if (strcmp(target, "attr") == 0) {
		line_add(&b, " attr");
		if (!lua_istable(L, v) || lua_rawgeti(L, v, 1) != LUA_TNUMBER ||
		    !lua_isinteger(L, -1) || lua_rawgeti(L, v, 2) != LUA_TSTRING)
			return show_raise(L, at, "midi.map: attr = { fixture number, \"attribute\" }");
		line_word(&b, L, -2);
		line_add(&b, " %s", lua_tostring(L, -1));
		lua_pop(L, 2);
	} else if (strcmp(target, "fader") == 0) {
		if (!lua_isinteger(L, v) || lua_tointeger(L, v) < 1 ||
		    lua_tointeger(L, v) > SHOW_FADER_NUMBER_MAX)
			return show_raise(L, at, "midi.map: fader = a fader number 1..%d",
					  SHOW_FADER_NUMBER_MAX);
		line_add(&b, " fader %lld", (long long)lua_tointeger(L, v));
	} else if (strcmp(target, "master") == 0) {
		if (!is_name(L, v))
			return show_raise(L, at, "midi.map: master = a cue list's name or number");
		line_add(&b, " master");
		line_word(&b, L, v);
	} else {
		/* go back stop pause resume blackout gm: true, or a list */
		bool flag = lua_type(L, v) == LUA_TBOOLEAN && lua_toboolean(L, v);
		bool takes_list = strcmp(target, "blackout") != 0 && strcmp(target, "gm") != 0;

		line_add(&b, " %s", target);
		if (!flag && !(takes_list && is_name(L, v)))
			return show_raise(L, at, "midi.map: %s = true%s", target,
					  takes_list ? " or a cue list's name or number" : "");
		if (!flag)
			line_word(&b, L, v);
	}

	/* options */
	static const char *const values[] = { "on", "off", "alt" };
	for (int i = 0; i < 3; i++)
		if (int_field(L, at, "midi.map", 1, values[i], 0, 127, &n))
			line_add(&b, " %s=%d", values[i], n);
	static const char *const flags[] = { "feedback", "motor", "pickup", "latch" };
	for (int i = 0; i < 4; i++) {
		lua_pushstring(L, flags[i]);
		int type = lua_rawget(L, 1);

		if (type != LUA_TNIL && type != LUA_TBOOLEAN)
			return show_raise(L, at, "midi.map: %s must be true or false", flags[i]);
		bool on = lua_toboolean(L, -1);
		lua_pop(L, 1);
		if (i == 0 && type != LUA_TNIL && !on)
			line_add(&b, " nofeedback");
		else if (i > 0 && on)
			line_add(&b, " %s", flags[i]);
	}
	if (b.full || b.n >= sizeof map.line)
		return show_raise(L, at, "midi.map: the mapping is longer than %d bytes (a shorter "
				  "list name?)", (int)sizeof map.line - 1);
	memcpy(map.line, b.text, b.n + 1);
	if (midi_map_parse(map.line, &parsed, why, sizeof why) <= 0)
		return show_raise(L, at, "midi.map: %s", why);
	show_vec_reserve(L, &s->midi_maps, sizeof map);
	if (strcmp(target, "call") == 0) {
		lua_pushvalue(L, v);
		map.ref = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	*(struct show_midi_map *)show_vec_push(L, &s->midi_maps, sizeof map) = map;
	return 0;
}

int show_midi_build(struct gl_show *s, char *err, size_t len)
{
	bool declared = false;

	for (int i = 0; i < s->controls.count; i++)
		declared |= strcmp(SHOW_AT(s->controls, struct show_control, i)->cfg.type, "midi") == 0;
	for (int i = 0; i < s->midi_maps.count; i++) {
		const struct show_midi_map *m = SHOW_AT(s->midi_maps, struct show_midi_map, i);
		struct midi_map parsed;
		char why[200];

		if (!declared) {
			snprintf(err, len, "%s:%d: midi.map: declare midi { ... } too (its ports, or "
				 "virtual = true)", m->at.file, m->at.line);
			return GL_EINVAL;
		}
		if (midi_map_parse(m->line, &parsed, why, sizeof why) <= 0 ||
		    midi_map_resolve(s->engine, &parsed, why, sizeof why) < 0) {
			snprintf(err, len, "%s:%d: midi.map: %s", m->at.file, m->at.line, why);
			return GL_EINVAL;
		}
	}
	return 0;
}

const char *show_midi_subscription(const struct gl_show *s, int i)
{
	if (i < 0 || i >= s->midi_maps.count)
		return NULL;
	return SHOW_AT(s->midi_maps, struct show_midi_map, i)->line;
}

bool show_midi_handle(struct gl_show *s, const struct gl_ctl_msg *msg)
{
	const struct show_midi_map *m;
	char what[SHOW_PATH_MAX + 64];

	if (s->phase != SHOW_BUILT || !msg || !msg->address || strcmp(msg->address, "map") != 0 ||
	    msg->argc != 5 || msg->argv[0].type != 'i' || msg->argv[0].i < 0 ||
	    msg->argv[0].i >= s->midi_maps.count)
		return false;
	m = SHOW_AT(s->midi_maps, struct show_midi_map, (int)msg->argv[0].i);
	if (m->ref == LUA_NOREF)
		return false;
	lua_State *L = sandbox_state(s->sb);
	snprintf(what, sizeof what, "midi.map function (%s:%d)", m->at.file, m->at.line);
	lua_rawgeti(L, LUA_REGISTRYINDEX, m->ref);
	lua_pushnumber(L, msg->argv[1].f);
	lua_pushinteger(L, (lua_Integer)msg->argv[2].i);
	if (msg->argv[3].i < 0)
		lua_pushnil(L);
	else
		lua_pushinteger(L, (lua_Integer)msg->argv[3].i);
	lua_pushstring(L, msg->argv[4].s ? msg->argv[4].s : "");
	show_run_handler(s, 4, what);
	return true;
}

/* ---- messages to send --------------------------------------------------------------------- */

static const char *const message_keys[] = {
	"note", "velocity", "off", "cc", "value", "pc", "bend", "channel", "sysex",
	"msc", "cue", "list", "path", "id", "format", "time", "control", "macro", NULL,
};

/* Hex text ("F0 7E 7F 06 01 F7", spaces optional) or a list of bytes. */
static size_t sysex_bytes(lua_State *L, int idx, uint8_t *out, size_t cap, char *why, size_t wl)
{
	size_t n = 0;

	if (lua_type(L, idx) == LUA_TSTRING) {
		const char *p = lua_tostring(L, idx);

		while (*p) {
			unsigned v;
			int used;

			if (*p == ' ' || *p == ',') {
				p++;
				continue;
			}
			if (sscanf(p, "%2x%n", &v, &used) != 1 || used != 2 || n == cap) {
				snprintf(why, wl, "sysex: hex bytes like \"F0 7E 7F 06 01 F7\", at most %zu",
					 cap);
				return 0;
			}
			out[n++] = (uint8_t)v;
			p += 2;
		}
	} else if (lua_istable(L, idx)) {
		lua_Unsigned count = lua_rawlen(L, idx);

		for (lua_Unsigned i = 1; i <= count; i++) {
			if (n == cap || lua_rawgeti(L, idx, (lua_Integer)i) != LUA_TNUMBER ||
			    !lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 ||
			    lua_tointeger(L, -1) > 255) {
				lua_pop(L, 1);
				snprintf(why, wl, "sysex: a list of bytes 0..255, at most %zu", cap);
				return 0;
			}
			out[n++] = (uint8_t)lua_tointeger(L, -1);
			lua_pop(L, 1);
		}
	}
	if (!midi_message_ok(out, n) || out[0] != 0xF0) {
		snprintf(why, wl, "sysex: F0, data bytes 00..7F, F7 (%zu bytes at most)", cap);
		return 0;
	}
	return n;
}

/* A cue field (cue, list, path) as MSC text: digits and points. */
static bool msc_text(lua_State *L, int t, const char *key, char *out, size_t len)
{
	int type;

	lua_pushstring(L, key);
	type = lua_rawget(L, t);
	out[0] = '\0';
	if (type == LUA_TNUMBER && lua_tonumber(L, -1) >= 0) {
		if (lua_isinteger(L, -1))
			snprintf(out, len, "%lld", (long long)lua_tointeger(L, -1));
		else
			snprintf(out, len, "%.10g", lua_tonumber(L, -1));
	} else if (type == LUA_TSTRING && lua_rawlen(L, -1) < len) {
		snprintf(out, len, "%s", lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	return type == LUA_TNIL || midi_msc_field_ok(out);
}

static size_t msc_bytes(lua_State *L, struct show_where at, const char *what, int t, uint8_t *out,
			size_t cap)
{
	struct midi_msc m;
	int v;
	size_t n;

	memset(&m, 0, sizeof m);
	lua_pushliteral(L, "msc");
	lua_rawget(L, t);
	if (lua_type(L, -1) == LUA_TSTRING)
		v = midi_msc_command_find(lua_tostring(L, -1));
	else
		v = lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= 127
		    ? (int)lua_tointeger(L, -1) : -1;
	lua_pop(L, 1);
	if (v < 0)
		show_raise(L, at, "%s: msc = \"go\", \"stop\", \"resume\", \"timed_go\", \"load\", "
			   "\"set\", \"fire\", \"all_off\", \"restore\", \"reset\", \"go_off\" or a "
			   "command number", what);
	m.command = (uint8_t)v;
	m.device_id = MIDI_MSC_ALL_CALL;
	if (int_field(L, at, what, t, "id", 0, 127, &v))
		m.device_id = (uint8_t)v;
	m.format = MIDI_MSC_LIGHTING;
	lua_pushliteral(L, "format");
	if (lua_rawget(L, t) == LUA_TSTRING) {
		const char *f = lua_tostring(L, -1);

		v = strcmp(f, "lighting") == 0 ? MIDI_MSC_LIGHTING : strcmp(f, "sound") == 0 ? 0x10
		    : strcmp(f, "all") == 0 ? MIDI_MSC_ALL_TYPES : -1;
		if (v < 0)
			show_raise(L, at, "%s: format = \"lighting\", \"sound\", \"all\" or 1..127", what);
		m.format = (uint8_t)v;
		lua_pop(L, 1);
	} else {
		lua_pop(L, 1);
		if (int_field(L, at, what, t, "format", 1, 127, &v))
			m.format = (uint8_t)v;
	}
	if (!msc_text(L, t, "cue", m.cue, sizeof m.cue) || !msc_text(L, t, "list", m.list,
								     sizeof m.list) ||
	    !msc_text(L, t, "path", m.path, sizeof m.path))
		show_raise(L, at, "%s: cue, list and path are numbers (\"2.5\" or 2.5)", what);
	lua_pushliteral(L, "time");
	int type = lua_rawget(L, t);
	if (type != LUA_TNIL) {
		struct midi_tc tc;
		double secs = lua_tonumber(L, -1);

		m.has_time = true;
		m.time.rate = MIDI_TC_30;
		if (type == LUA_TSTRING && midi_tc_parse(lua_tostring(L, -1), MIDI_TC_30, &tc)) {
			m.time.hours = tc.hours;
			m.time.minutes = tc.minutes;
			m.time.seconds = tc.seconds;
			m.time.frames = tc.frames;
		} else if (type == LUA_TNUMBER && secs >= 0 && secs < 86400) {
			double frames = floor(secs * 30.0 * 100.0 + 0.5) / 100.0;

			m.time.hours = (int)(frames / 108000);
			m.time.minutes = (int)(fmod(frames / 1800, 60));
			m.time.seconds = (int)(fmod(frames / 30, 60));
			m.time.frames = (int)fmod(frames, 30);
			m.time.subframes = (int)lround((frames - floor(frames)) * 100) % 100;
		} else {
			show_raise(L, at, "%s: time = seconds or \"HH:MM:SS:FF\"", what);
		}
	}
	lua_pop(L, 1);
	if (m.command == MIDI_MSC_TIMED_GO && !m.has_time)
		show_raise(L, at, "%s: timed_go needs time = seconds", what);
	if (m.command == MIDI_MSC_SET) {
		if (!int_field(L, at, what, t, "control", 0, 16383, &m.control) ||
		    !int_field(L, at, what, t, "value", 0, 16383, &m.value))
			show_raise(L, at, "%s: set needs control = 0..16383 and value = 0..16383", what);
	}
	if (m.command == MIDI_MSC_FIRE && !int_field(L, at, what, t, "macro", 0, 127, &m.macro))
		show_raise(L, at, "%s: fire needs macro = 0..127", what);
	n = midi_msc_encode(&m, out, cap);
	if (!n)
		show_raise(L, at, "%s: cannot make this MSC message (a list needs a cue, a path a list; "
			   "load needs a cue; at most %d bytes)", what, MIDI_MSC_BYTES_MAX);
	return n;
}

/* The message table at t as bytes (out holds MIDI_SYSEX_MAX). Raises at
 * `at` with what is wrong. */
static size_t message_bytes(lua_State *L, struct show_where at, const char *what, int t,
			    uint8_t *out)
{
	static const char *const kinds[] = { "note", "cc", "pc", "bend", "sysex", "msc" };
	const char *kind = NULL;
	char why[200];
	int channel = 1, a = 0, v = 127;
	size_t n = 0;

	if (!lua_istable(L, t))
		show_raise(L, at, "%s: a message is a table: { note = 60 }, { cc = 7, value = 100 }, "
			   "{ pc = 3 }, { bend = 8192 }, { sysex = \"F0 ... F7\" }, { msc = \"go\", "
			   "cue = 5 }", what);
	if (!known_keys(L, t, message_keys, why, sizeof why))
		show_raise(L, at, "%s: %s", what, why);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		lua_pushstring(L, kinds[i]);
		if (lua_rawget(L, t) != LUA_TNIL) {
			if (kind)
				show_raise(L, at, "%s: one message kind per table (%s or %s)", what, kind,
					   kinds[i]);
			kind = kinds[i];
		}
		lua_pop(L, 1);
	}
	if (!kind)
		show_raise(L, at, "%s: which message? note, cc, pc, bend, sysex or msc", what);
	if (strcmp(kind, "msc") == 0)
		return msc_bytes(L, at, what, t, out, MIDI_MSC_BYTES_MAX);
	if (strcmp(kind, "sysex") == 0) {
		lua_pushliteral(L, "sysex");
		lua_rawget(L, t);
		n = sysex_bytes(L, -1, out, MIDI_SYSEX_MAX, why, sizeof why);
		lua_pop(L, 1);
		if (!n)
			show_raise(L, at, "%s: %s", what, why);
		return n;
	}
	int_field(L, at, what, t, "channel", 1, 16, &channel);
	if (strcmp(kind, "note") == 0) {
		bool off;

		int_field(L, at, what, t, "note", 0, 127, &a);
		lua_pushliteral(L, "off");
		off = lua_rawget(L, t) != LUA_TNIL && lua_toboolean(L, -1);
		lua_pop(L, 1);
		v = off ? 0 : 127;
		int_field(L, at, what, t, "velocity", 0, 127, &v);
		n = midi_encode(off ? MIDI_NOTE_OFF : MIDI_NOTE_ON, channel - 1, a, v, out);
	} else if (strcmp(kind, "cc") == 0) {
		int_field(L, at, what, t, "cc", 0, 127, &a);
		int_field(L, at, what, t, "value", 0, 127, &v);
		n = midi_encode(MIDI_CC, channel - 1, a, v, out);
	} else if (strcmp(kind, "pc") == 0) {
		int_field(L, at, what, t, "pc", 0, 127, &a);
		n = midi_encode(MIDI_PROGRAM, channel - 1, a, 0, out);
	} else {
		int_field(L, at, what, t, "bend", 0, 16383, &a);
		n = midi_encode(MIDI_PITCH_BEND, channel - 1, a, 0, out);
	}
	return n;
}

static int send_one(struct gl_show *s, const uint8_t *bytes, size_t len)
{
	struct gl_ctl_arg arg = { .type = 'b', .s = (const char *)bytes, .i = (int64_t)len };
	struct gl_ctl_msg msg = { .address = "send", .argc = 1, .argv = &arg };

	return show_send(s, "midi", &msg);
}

static const char *send_error(int rc)
{
	return rc == GL_ENOENT ? "MIDI is not running" : rc == GL_EAGAIN
	       ? "the MIDI output is not connected (not sent)" : gl_strerror(rc);
}

/* midi.send { note = 60 } -> true, or false and the reason. */
static int midi_send_fn(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);
	uint8_t *bytes;
	size_t n;

	if (!lua_istable(L, 1) || !lua_isnone(L, 2))
		return luaL_error(L, "midi.send: expects one message table ({ note = 60 })");
	bytes = lua_newuserdatauv(L, MIDI_SYSEX_MAX, 0);
	n = message_bytes(L, at, "midi.send", 1, bytes);
	if (!show_send_allowed(L, s, "midi.send", send_error(GL_ENOENT)))
		return 2;
	return show_send_result(L, send_one(s, bytes, n), send_error);
}

/* ---- cue actions ----------------------------------------------------------------------------- */

static const void *show_midi_cue_actions(lua_State *L, struct show_where at, const char *what)
{
	struct show_midi_parsed *p;
	int field = lua_gettop(L), count, keep;
	char ctx[96];
	bool list;

	snprintf(ctx, sizeof ctx, "%s: midi", what);
	if (!lua_istable(L, field))
		show_raise(L, at, "%s: midi must be a message table ({ note = 60 }, { msc = \"go\", "
			   "cue = 5 }, ...) or a list of them", what);
	count = show_action_list(L, at, what, field, "midi", "message", SHOW_CUE_MIDI_MAX, &list);
	p = show_action_parsed_keep(L, sizeof *p, count);
	keep = lua_gettop(L);
	uint8_t *scratch = lua_newuserdatauv(L, MIDI_SYSEX_MAX, 0);
	for (int i = 0; i < count; i++) {
		size_t n;

		show_action_push(L, field, list, i);
		n = message_bytes(L, at, ctx, lua_gettop(L), scratch);
		lua_pop(L, 1);
		lua_pushlstring(L, (const char *)scratch, n);
		p->actions[i].bytes = (const uint8_t *)lua_tostring(L, -1);
		p->actions[i].len = n;
		lua_rawseti(L, keep, i + 1);
		p->bytes += n;
		p->count = i + 1;
	}
	lua_pop(L, 2);                      /* scratch, keep */
	show_action_parsed_done(L, field, (size_t)p->count * sizeof p->actions[0] + p->bytes);
	return p;
}

static void *show_midi_cue_copy(const void *parsed, int *count)
{
	const struct show_midi_parsed *p = parsed;
	char *pos;
	struct show_midi_action *out = show_action_block(p->count, sizeof *out, p->bytes, &pos);

	*count = p->count;
	if (!out)
		return NULL;
	for (int i = 0; i < p->count; i++) {
		out[i].len = p->actions[i].len;
		out[i].bytes = (const uint8_t *)show_action_put(&pos, p->actions[i].bytes,
								  p->actions[i].len);
	}
	return out;
}

static void show_midi_fire(struct gl_show *s, const struct show_cue *c, const void *actions, int count)
{
	const struct show_midi_action *a = actions;

	for (int i = 0; i < count; i++) {
		int rc = send_one(s, a[i].bytes, a[i].len);

		if (rc < 0)
			show_ring_push(s, "%s:%d: cue %s: midi message %d (%02X ...): %s", c->at.file,
				       c->at.line, c->def.number_text, i + 1, a[i].bytes[0],
				       send_error(rc));
	}
}

const struct show_action_kind show_midi_actions = {
	.field = "midi", .parse = show_midi_cue_actions, .copy = show_midi_cue_copy,
	.fire = show_midi_fire,
};

void show_midi_free(struct gl_show *s)
{
	show_vec_free(&s->midi_maps);
}

/* ---- registration ------------------------------------------------------------------------------- */

void show_midi_register(lua_State *L, struct gl_show *s)
{
	/* the env table is on top; its "midi" table (made for the
	 * declaration midi { ... }) gets map and send */
	lua_pushstring(L, "midi");
	if (lua_rawget(L, -2) == LUA_TTABLE) {
		show_set_fn(L, s, "map", midi_map_fn);
		show_set_fn(L, s, "send", midi_send_fn);
	}
	lua_pop(L, 1);
}
