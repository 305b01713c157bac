/*
 * show_decl.c - the declaration functions a show file calls while it loads:
 * show, output, patch, group, fader, cuelist, cue, and recorded / edit.*
 * (cues recorded in the console, show_edit.c). Each checks its fields
 * (unknown field, wrong type, out of range: an error at the caller's line
 * naming the value), records its file:line and appends a complete
 * declaration to the show; show.c builds the engine from them once the
 * chunk has returned. Fixture type files are loaded here (at the patch line).
 *
 * Control thread, inside the load's sandbox call: errors are raised. No
 * script code may run while a declaration is read (a metamethod could
 * change the tables between a count and the copy): tables are read raw
 * (lua_rawget, lua_rawgeti, lua_rawlen, lua_next), a count is taken in the
 * pass that fills what it sized, and a fixture type's file (which is Lua)
 * is loaded only once every field of the patch is read.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "show_internal.h"

#define DECL_TIME_MAX_S 86400.0

/* One declaration being checked: its table, where it was made and what it
 * is called in messages ('patch "front"'). */
struct decl {
	lua_State *L;
	struct gl_show *show;
	struct show_where at;
	int idx;
	char what[GL_NAME_MAX + 48];
};

static int decl_fail(const struct decl *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int decl_fail(const struct decl *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return show_raise(d->L, d->at, "%s: %s", d->what, msg);
}

static void decl_loading(lua_State *L, struct gl_show *s, const char *fn)
{
	if (s->phase != SHOW_LOADING)
		luaL_error(L, "%s() is only allowed while the show loads", fn);
}

/* Starts a declaration whose table is argument `arg`. */
static void decl_begin(struct decl *d, lua_State *L, struct gl_show *s, int arg,
		       const char *what, const char *usage)
{
	d->L = L;
	d->show = s;
	d->at = show_where_here(L);
	d->idx = arg;
	snprintf(d->what, sizeof d->what, "%s", what);
	if (!lua_istable(L, arg)) {
		char desc[96];

		show_describe(L, arg, desc, sizeof desc);
		decl_fail(d, "expects a table (%s), got %s", usage, desc);
	}
}

/* Raises for a key that is neither in `allowed` nor a list index up to
 * max_index. */
static void decl_keys(const struct decl *d, const char *const *allowed, int max_index)
{
	lua_State *L = d->L;

	lua_pushnil(L);
	while (lua_next(L, d->idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *key = lua_tostring(L, -1);
			bool ok = false;

			for (int i = 0; allowed[i]; i++)
				if (strcmp(allowed[i], key) == 0)
					ok = true;
			if (!ok)
				decl_fail(d, "unknown field '%s'", key);
		} else if (lua_isinteger(L, -1)) {
			lua_Integer i = lua_tointeger(L, -1);

			if (i < 1 || i > max_index)
				decl_fail(d, "unexpected value at [%lld]", (long long)i);
		} else {
			char desc[96];

			show_describe(L, -1, desc, sizeof desc);
			decl_fail(d, "unexpected key %s", desc);
		}
	}
}

/* Pushes field [pos] (pos > 0) or `key`; both given is an error. Returns
 * false (nothing pushed) when neither is there. */
static bool decl_get(const struct decl *d, const char *key, int pos)
{
	lua_State *L = d->L;
	bool has_pos = false;

	if (pos > 0) {
		lua_rawgeti(L, d->idx, pos);
		has_pos = !lua_isnil(L, -1);
		if (!has_pos)
			lua_pop(L, 1);
	}
	if (key) {
		lua_pushstring(L, key);
		if (lua_rawget(L, d->idx) != LUA_TNIL) {
			if (has_pos)
				decl_fail(d, "'%s' given twice (as [%d] and as %s =)", key, pos, key);
			return true;
		}
		lua_pop(L, 1);
	}
	return has_pos;
}

/* decl_get() of a value that must be of Lua type `type`: raises "'key'
 * must be <kind>, not <what it is>" when it is not. */
static bool decl_get_typed(const struct decl *d, const char *key, int pos, int type,
			   const char *kind)
{
	char desc[96];

	if (!decl_get(d, key, pos))
		return false;
	if (lua_type(d->L, -1) != type) {
		show_describe(d->L, -1, desc, sizeof desc);
		decl_fail(d, "'%s' must be %s, not %s", key, kind, desc);
	}
	return true;
}

static bool decl_number(const struct decl *d, const char *key, int pos, double min,
			double max, double *out)
{
	double v;

	if (!decl_get_typed(d, key, pos, LUA_TNUMBER, "a number"))
		return false;
	v = lua_tonumber(d->L, -1);
	if (!(v >= min && v <= max))
		decl_fail(d, "%s %g is outside %g..%g", key, v, min, max);
	lua_pop(d->L, 1);
	*out = v;
	return true;
}

static bool decl_integer(const struct decl *d, const char *key, int pos, int min, int max,
			 int *out)
{
	char desc[96];
	lua_Integer v = 0;
	int ok = 0;

	if (!decl_get(d, key, pos))
		return false;
	if (lua_type(d->L, -1) == LUA_TNUMBER)
		v = lua_tointegerx(d->L, -1, &ok);
	if (!ok) {
		show_describe(d->L, -1, desc, sizeof desc);
		decl_fail(d, "'%s' must be a whole number, not %s", key, desc);
	}
	if (v < min || v > max)
		decl_fail(d, "%s %lld is outside %d..%d", key, (long long)v, min, max);
	lua_pop(d->L, 1);
	*out = (int)v;
	return true;
}

static bool decl_boolean(const struct decl *d, const char *key, int pos, bool *out)
{
	if (!decl_get_typed(d, key, pos, LUA_TBOOLEAN, "true or false"))
		return false;
	*out = lua_toboolean(d->L, -1);
	lua_pop(d->L, 1);
	return true;
}

static bool decl_string(const struct decl *d, const char *key, int pos, char *out,
			size_t len)
{
	if (!decl_get_typed(d, key, pos, LUA_TSTRING, "a string"))
		return false;
	if (lua_rawlen(d->L, -1) >= len || lua_rawlen(d->L, -1) == 0)
		decl_fail(d, "'%s' must be 1..%d bytes long", key, (int)len - 1);
	if (strlen(lua_tostring(d->L, -1)) != lua_rawlen(d->L, -1))
		decl_fail(d, "'%s' has a NUL byte in it", key);
	snprintf(out, len, "%s", lua_tostring(d->L, -1));
	lua_pop(d->L, 1);
	return true;
}

/* A name given as argument `arg` (not inside a table). */
static void decl_arg_name(lua_State *L, struct show_where at, int arg, const char *fn,
			  char *out, size_t len)
{
	char desc[96];

	if (lua_type(L, arg) != LUA_TSTRING) {
		show_describe(L, arg, desc, sizeof desc);
		show_raise(L, at, "%s: the name must be a string, not %s", fn, desc);
	}
	if (lua_rawlen(L, arg) == 0 || lua_rawlen(L, arg) >= len)
		show_raise(L, at, "%s \"%s\": a name must be 1..%d bytes long", fn,
			   lua_tostring(L, arg), (int)len - 1);
	if (strlen(lua_tostring(L, arg)) != lua_rawlen(L, arg))
		show_raise(L, at, "%s: the name has a NUL byte in it", fn);
	snprintf(out, len, "%s", lua_tostring(L, arg));
}

/* A scratch buffer that the collector frees: left on the stack until the
 * declaration function returns, so a raised error cannot leak it. */
static void *decl_scratch(lua_State *L, size_t size)
{
	void *p = lua_newuserdatauv(L, size ? size : 1, 0);

	memset(p, 0, size ? size : 1);
	return p;
}

/* How many of `n` universes the show does not use yet; raises when they
 * would pass SHOW_UNIVERSE_MAX. decl_universes_add() records them, once
 * the declaration is complete. */
static void decl_universes_check(const struct decl *d, const int *numbers, int n)
{
	int fresh = 0;

	for (int i = 0; i < n; i++) {
		char key[16];

		snprintf(key, sizeof key, "%d", numbers[i]);
		fresh += show_index_get(d->L, d->show, 'u', key) < 0;
	}
	if (d->show->universe_count + fresh > SHOW_UNIVERSE_MAX)
		decl_fail(d, "a show may use at most %d universes", SHOW_UNIVERSE_MAX);
}

static void decl_universes_add(const struct decl *d, const int *numbers, int n)
{
	for (int i = 0; i < n; i++) {
		char key[16];

		snprintf(key, sizeof key, "%d", numbers[i]);
		if (show_index_get(d->L, d->show, 'u', key) < 0) {
			show_index_set(d->L, d->show, 'u', key, numbers[i]);
			d->show->universe_count++;
		}
	}
}

/* Raises when `name` was declared before (as `kind`: the index keeps the
 * line), or when `count` of its kind have reached `max`. */
static void decl_unique(lua_State *L, struct gl_show *s, struct show_where at, char kind,
			const char *fn, const char *name, int count, int max, const char *kinds)
{
	int line = show_index_get(L, s, kind, name);

	if (line >= 0)
		show_raise(L, at, "%s \"%s\": declared twice (first at line %d)", fn, name, line);
	if (count >= max)
		show_raise(L, at, "%s \"%s\": a show may have at most %d %s", fn, name, max, kinds);
}

/* ---- show { name, rate, back_time, release_time, output_delay, resume } ---- */

static int decl_show(lua_State *L)
{
	static const char *const keys[] = { "name", "rate", "back_time", "release_time",
					    "output_delay", "resume", NULL };
	struct gl_show *s = show_from_upvalue(L);
	struct decl d;
	double rate = GL_DEFAULT_RATE_HZ, back = -1.0, release = 0.0;
	double delay_ms = GL_DEFAULT_OUTPUT_DELAY_MS;
	char name[GL_NAME_MAX];

	decl_loading(L, s, "show");
	decl_begin(&d, L, s, 1, "show", "show { name = \"...\", rate = 44 }");
	if (s->show_declared)
		decl_fail(&d, "declared twice (first at line %d)", s->show_at.line);
	decl_keys(&d, keys, 1);
	if (decl_string(&d, "name", 1, name, sizeof name))
		snprintf(s->name, sizeof s->name, "%s", name);
	decl_number(&d, "rate", 0, 1.0, 1000.0, &rate);
	decl_number(&d, "back_time", 0, 0.0, DECL_TIME_MAX_S, &back);
	decl_number(&d, "release_time", 0, 0.0, DECL_TIME_MAX_S, &release);
	decl_number(&d, "output_delay", 0, 0.0, 20.0, &delay_ms);
	show_resume_decl(L, s, d.idx, d.at);
	if (delay_ms * rate >= 1000.0)
		decl_fail(&d, "output_delay %g ms must be shorter than the tick period (%g ms)",
			  delay_ms, 1000.0 / rate);
	s->rate_hz = rate;
	s->back_time_s = back;
	s->release_time_s = release;
	s->output_delay_s = delay_ms / 1000.0;
	s->show_declared = true;
	s->show_at = d.at;
	return 0;
}

/* ---- output { "name", type = "sacn", universes = {...}, options... } ------- */

static const char *const decl_output_fields[] = {
	"name", "type", "universes", "universe", NULL
};

static bool decl_output_reserved(const char *key)
{
	for (int i = 0; decl_output_fields[i]; i++)
		if (strcmp(decl_output_fields[i], key) == 0)
			return true;
	return false;
}

static int option_pair_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* A table of named values (tls = { ca = "ca.crt", key = "k.pem" }) as
 * "ca=ca.crt,key=k.pem", names sorted; the table is on top of the stack.
 * Raw reads only. */
static void option_pairs(lua_State *L, struct show_where at, const char *what, const char *key,
			 char *out, size_t len)
{
	char items[16][GL_OPTION_VALUE_MAX];
	int n = 0;
	size_t used = 0;

	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int type = lua_type(L, -1);
		char value[GL_OPTION_VALUE_MAX];

		if (!name || n == 16 || strpbrk(name, ",=") ||
		    (type != LUA_TSTRING && type != LUA_TNUMBER && type != LUA_TBOOLEAN))
			show_raise(L, at, "%s: option '%s': a table of at most 16 named numbers, "
				   "strings or booleans (%s = { name = value, ... })", what, key, key);
		if (type == LUA_TBOOLEAN)
			snprintf(value, sizeof value, "%s", lua_toboolean(L, -1) ? "true" : "false");
		else if (type == LUA_TNUMBER && !lua_isinteger(L, -1))
			snprintf(value, sizeof value, "%.17g", lua_tonumber(L, -1));
		else if (type == LUA_TNUMBER)
			snprintf(value, sizeof value, "%lld", (long long)lua_tointeger(L, -1));
		else if (lua_rawlen(L, -1) < sizeof value && !strchr(lua_tostring(L, -1), ','))
			snprintf(value, sizeof value, "%s", lua_tostring(L, -1));
		else
			show_raise(L, at, "%s: option '%s': %s is too long or holds a comma", what,
				   key, name);
		if ((size_t)snprintf(items[n], sizeof items[n], "%s=%s", name, value) >=
		    sizeof items[n])
			show_raise(L, at, "%s: option '%s' is too long", what, key);
		n++;
		lua_pop(L, 1);
	}
	qsort(items, (size_t)n, sizeof items[0], option_pair_cmp);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", items[i]);
		if (used >= len)
			show_raise(L, at, "%s: option '%s' is too long", what, key);
	}
}

/* The value on top of the stack as option text (output.h's format: %.17g
 * numbers, true/false, lists as comma-separated text, named values as
 * name=value pairs). Raises at `at`, naming `what` and the key. Outputs and
 * control adapters (show_osc.c). */
void show_option_text(lua_State *L, struct show_where at, const char *what, const char *key,
		      char *out, size_t len)
{
	char desc[96];
	size_t used = 0;

	switch (lua_type(L, -1)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, -1))
			snprintf(out, len, "%lld", (long long)lua_tointeger(L, -1));
		else
			snprintf(out, len, "%.17g", lua_tonumber(L, -1));
		return;
	case LUA_TBOOLEAN:
		snprintf(out, len, "%s", lua_toboolean(L, -1) ? "true" : "false");
		return;
	case LUA_TSTRING:
		if (lua_rawlen(L, -1) >= len)
			show_raise(L, at, "%s: option '%s' is too long (at most %d bytes)", what, key,
				   (int)len - 1);
		snprintf(out, len, "%s", lua_tostring(L, -1));
		return;
	case LUA_TTABLE:
		if (lua_rawlen(L, -1) == 0) {
			lua_pushnil(L);
			if (lua_next(L, -2)) {    /* not empty: named values */
				lua_pop(L, 2);
				option_pairs(L, at, what, key, out, len);
				return;
			}
		}
		out[0] = '\0';
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
			char item[128];
			int t = lua_rawgeti(L, -1, i);

			if (t == LUA_TNUMBER && lua_isinteger(L, -1))
				snprintf(item, sizeof item, "%lld", (long long)lua_tointeger(L, -1));
			else if (t == LUA_TNUMBER)
				snprintf(item, sizeof item, "%.17g", lua_tonumber(L, -1));
			else if (t == LUA_TSTRING && lua_rawlen(L, -1) < sizeof item &&
				 !strchr(lua_tostring(L, -1), ','))
				snprintf(item, sizeof item, "%s", lua_tostring(L, -1));
			else
				show_raise(L, at, "%s: option '%s': list items must be numbers or "
					   "short strings without commas", what, key);
			lua_pop(L, 1);
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", item);
			if (used >= len)
				show_raise(L, at, "%s: option '%s' is too long", what, key);
		}
		return;
	default:
		show_describe(L, -1, desc, sizeof desc);
		show_raise(L, at, "%s: option '%s' must be a number, string, boolean or list, not %s",
			   what, key, desc);
	}
}

static int decl_cmp_option(const void *a, const void *b)
{
	return strcmp(((const struct gl_option *)a)->key,
		      ((const struct gl_option *)b)->key);
}

/* Universes: `universes = {1, 2}` or `universe = 1`, into scratch. */
static int decl_output_universes(const struct decl *d, int **out)
{
	lua_State *L = d->L;
	bool list = decl_get(d, "universes", 0);
	int n, *u, single;

	if (!list) {
		if (!decl_integer(d, "universe", 0, GL_UNIVERSE_MIN, GL_UNIVERSE_MAX, &single))
			decl_fail(d, "no universes (give universes = {1, 2} or universe = 1)");
		*out = decl_scratch(L, sizeof **out);
		(*out)[0] = single;
		return 1;
	}
	if (decl_get(d, "universe", 0))
		decl_fail(d, "give universes or universe, not both");
	if (!lua_istable(L, -1))
		decl_fail(d, "'universes' must be a list of numbers like {1, 2}");
	n = (int)lua_rawlen(L, -1);
	if (n < 1 || n > GL_OUTPUT_MAX_UNIVERSES)
		decl_fail(d, "universes: %d given, 1..%d allowed", n, GL_OUTPUT_MAX_UNIVERSES);
	u = decl_scratch(L, (size_t)n * sizeof *u);
	lua_insert(L, -2);                /* scratch below the list */
	for (int i = 0; i < n; i++) {
		lua_Integer v = 0;
		int ok = 0;

		lua_rawgeti(L, -1, i + 1);
		if (lua_type(L, -1) == LUA_TNUMBER)
			v = lua_tointegerx(L, -1, &ok);
		if (!ok)
			decl_fail(d, "universes[%d] must be a whole number", i + 1);
		if (v < GL_UNIVERSE_MIN || v > GL_UNIVERSE_MAX)
			decl_fail(d, "universe %lld is outside %d..%d", (long long)v,
				  GL_UNIVERSE_MIN, GL_UNIVERSE_MAX);
		for (int j = 0; j < i; j++)
			if (u[j] == v)
				decl_fail(d, "universe %lld listed twice", (long long)v);
		u[i] = (int)v;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);                    /* the list; the scratch stays */
	*out = u;
	return n;
}

static int decl_output(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_output out;
	struct decl d;
	char type[32];
	int *universes, n;

	decl_loading(L, s, "output");
	decl_begin(&d, L, s, 1, "output", "output { \"name\", type = \"sacn\", universes = {1} }");
	memset(&out, 0, sizeof out);
	out.at = d.at;
	if (!decl_string(&d, "name", 1, out.cfg.name, sizeof out.cfg.name))
		decl_fail(&d, "needs a name: output { \"name\", type = ... }");
	snprintf(d.what, sizeof d.what, "output \"%s\"", out.cfg.name);
	if (s->outputs.count >= SHOW_OUTPUT_MAX)
		decl_fail(&d, "a show may have at most %d outputs", SHOW_OUTPUT_MAX);
	for (int i = 0; i < s->outputs.count; i++) {
		const struct show_output *o = SHOW_AT(s->outputs, struct show_output, i);

		if (strcmp(o->cfg.name, out.cfg.name) == 0)
			decl_fail(&d, "declared twice (first at line %d)", o->at.line);
	}
	if (!decl_string(&d, "type", 0, type, sizeof type))
		decl_fail(&d, "needs a type (type = \"sacn\", \"artnet\", ...)");
	out.ops = gl_output_find(type);
	if (!out.ops) {
		const struct gl_output_ops *const *all = gl_output_all();
		char known[200] = "";
		size_t used = 0;

		for (int i = 0; all && all[i] && used < sizeof known; i++)
			used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
						 i ? ", " : "", all[i]->name);
		decl_fail(&d, "unknown output type \"%s\" (known: %s)", type, known);
	}
	snprintf(out.cfg.type, sizeof out.cfg.type, "%s", out.ops->name);
	n = decl_output_universes(&d, &universes);
	decl_universes_check(&d, universes, n);

	/* Every other named field is an option for the output to check. */
	lua_pushnil(L);
	while (lua_next(L, d.idx)) {
		struct gl_option *opt;
		const char *key;

		if (lua_type(L, -2) != LUA_TSTRING) {
			char desc[96];

			if (lua_isinteger(L, -2) && lua_tointeger(L, -2) == 1) {
				lua_pop(L, 1);
				continue;
			}
			show_describe(L, -2, desc, sizeof desc);
			decl_fail(&d, "unexpected value at [%s]", desc);
		}
		key = lua_tostring(L, -2);
		if (decl_output_reserved(key)) {
			lua_pop(L, 1);
			continue;
		}
		if (out.cfg.option_count >= GL_OPTION_MAX)
			decl_fail(&d, "more than %d options", GL_OPTION_MAX);
		opt = &out.cfg.options[out.cfg.option_count++];
		if (strlen(key) >= sizeof opt->key)
			decl_fail(&d, "unknown field '%s'", key);
		snprintf(opt->key, sizeof opt->key, "%s", key);
		opt->line = d.at.line;
		show_option_text(d.L, d.at, d.what, key, opt->value, sizeof opt->value);
		lua_pop(L, 1);
	}
	/* pairs() order is arbitrary: sort so the config is reproducible. */
	qsort(out.cfg.options, (size_t)out.cfg.option_count, sizeof out.cfg.options[0],
	      decl_cmp_option);

	show_vec_reserve(L, &s->outputs, sizeof out);
	show_charge(L, (size_t)n * sizeof *out.cfg.universes);
	out.cfg.universes = malloc((size_t)n * sizeof *out.cfg.universes);
	if (!out.cfg.universes)
		return luaL_error(L, "out of memory");
	memcpy(out.cfg.universes, universes, (size_t)n * sizeof *universes);
	out.cfg.universe_count = n;
	*(struct show_output *)show_vec_push(L, &s->outputs, sizeof out) = out;
	decl_universes_add(&d, universes, n);
	return 0;
}

/* ---- patch { "label", type = "generic/rgbw", universe, address, count } --- */

/* The cached type for name + mode, loading its file the first time. */
static int decl_type(const struct decl *d, const char *name, const char *mode)
{
	struct gl_show *s = d->show;
	struct show_type t;
	char err[600], msg[FDEF_ERR_MAX];
	struct fdef *def;
	const struct fdef_mode *m = NULL;
	char key[sizeof t.name + sizeof t.mode_asked + 1];
	bool single;
	int rc;

	snprintf(key, sizeof key, "%s\n%s", name, mode);
	rc = show_index_get(d->L, s, 't', key);
	if (rc >= 0)
		return rc;
	if (s->types.count >= SHOW_TYPE_MAX)
		decl_fail(d, "a show may use at most %d fixture types (type and mode)",
			  SHOW_TYPE_MAX);
	memset(&t, 0, sizeof t);
	snprintf(t.name, sizeof t.name, "%s", name);
	snprintf(t.mode_asked, sizeof t.mode_asked, "%s", mode);
	rc = fixture_file_find(s->dir, name, t.path, sizeof t.path, err, sizeof err);
	if (rc < 0)
		decl_fail(d, "%s", err);
	show_vec_reserve(d->L, &s->types, sizeof t);   /* the push below cannot fail */
	rc = fixture_file_load_def(d->L, t.path, &def, &single, err, sizeof err);
	if (rc == GL_EBUDGET) {
		lua_pushstring(d->L, err);
		lua_error(d->L);
	}
	if (rc < 0)
		decl_fail(d, "fixture type \"%s\": %s", name, err);
	if (single && mode[0]) {
		snprintf(msg, sizeof msg, "has no modes (mode \"%s\" asked for)", mode);
		rc = GL_EINVAL;
	} else {
		rc = fixture_def_mode(def, mode, &m, msg, sizeof msg);
	}
	if (rc == 0) {
		rc = fdef_parts(def, m, def->name, &t.parts, msg, sizeof msg);
		t.part_count = rc;
	}
	if (rc > 0) {
		snprintf(t.mode, sizeof t.mode, "%s", single ? "" : m->name);
		t.slots = fdef_mode_slots(m);
		t.has_shared = t.parts[0].head == 0;
		t.type = t.parts[0].type;
	}
	t.warning_count = def->warning_count;
	if (def->warning_count > 0)
		snprintf(t.warning, sizeof t.warning, "%s", def->warnings[0]);
	fdef_destroy(def);
	if (rc <= 0)
		decl_fail(d, "fixture type \"%s\": %s: %s", name, t.path, msg);
	/* its parts, and the engine's copy of each */
	if (sandbox_charge(sandbox_of(d->L), (size_t)t.part_count * (sizeof *t.parts +
						 sizeof(struct gl_fixture_type))) != 0) {
		free(t.parts);
		show_raise_memory(d->L);
	}
	*(struct show_type *)show_vec_push(d->L, &s->types, sizeof t) = t;
	show_index_set(d->L, s, 't', key, s->types.count - 1);
	return s->types.count - 1;
}

/* A stage position coordinate: the value on top of the stack. */
static float decl_at_number(const struct decl *d, int k)
{
	double v = lua_tonumber(d->L, -1);

	if (lua_type(d->L, -1) != LUA_TNUMBER || !(fabs(v) <= SHOW_AT_MAX))
		decl_fail(d, "at: item %d must be a number -%g..%g (metres on stage)", k,
			  SHOW_AT_MAX, SHOW_AT_MAX);
	return (float)v;
}

/* at = {x, y} (the first fixture; each next one a metre to the right) or
 * at = { {x, y}, ... } (one point per fixture of the count), on top of the
 * stack; popped. Where the stage view draws the fixtures: x across the
 * stage as the audience sees it, y upstage. */
static void decl_patch_at(const struct decl *d, struct show_patch *p)
{
	lua_State *L = d->L;
	int n;

	if (!lua_istable(L, -1))
		decl_fail(d, "at must be {x, y} or one {x, y} per fixture");
	n = (int)lua_rawlen(L, -1);
	lua_rawgeti(L, -1, 1);
	if (lua_type(L, -1) == LUA_TNUMBER) {
		float xy[2];

		lua_pop(L, 1);
		if (n != 2)
			decl_fail(d, "at = {x, y}: two numbers");
		for (int k = 0; k < 2; k++) {
			lua_rawgeti(L, -1, k + 1);
			xy[k] = decl_at_number(d, k + 1);
			lua_pop(L, 1);
		}
		p->at_count = 1;
		p->at_first = d->show->at_points.count;
		for (int k = 0; k < 2; k++)
			*(float *)show_vec_push(L, &d->show->at_points, sizeof(float)) = xy[k];
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	if (n != p->count)
		decl_fail(d, "at: %d points for count = %d (give {x, y} or one {x, y} per "
			  "fixture)", n, p->count);
	float *xy = decl_scratch(L, (size_t)n * 2 * sizeof *xy);
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, -2, i + 1);
		if (!lua_istable(L, -1) || lua_rawlen(L, -1) != 2)
			decl_fail(d, "at: point %d must be {x, y}", i + 1);
		for (int k = 0; k < 2; k++) {
			lua_rawgeti(L, -1, k + 1);
			xy[2 * i + k] = decl_at_number(d, k + 1);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	p->at_count = n;
	p->at_first = d->show->at_points.count;
	for (int i = 0; i < 2 * n; i++)
		*(float *)show_vec_push(L, &d->show->at_points, sizeof(float)) = xy[i];
	lua_pop(L, 2);
}

static int decl_patch(lua_State *L)
{
	static const char *const keys[] = {
		"name", "type", "universe", "address", "count", "spacing", "mode", "at", NULL
	};
	struct gl_show *s = show_from_upvalue(L);
	struct show_patch p;
	struct decl d;
	char type[FIXTURE_TYPE_NAME_MAX], mode[FIXTURE_MODE_MAX] = "";
	const struct show_type *t;
	int footprint, last, first;

	decl_loading(L, s, "patch");
	decl_begin(&d, L, s, 1, "patch",
		   "patch { \"label\", type = \"generic/rgbw\", universe = 1, address = 1 }");
	memset(&p, 0, sizeof p);
	p.at = d.at;
	if (!decl_string(&d, "name", 1, p.base, sizeof p.base))
		decl_fail(&d, "needs a label: patch { \"front\", type = ... }");
	snprintf(d.what, sizeof d.what, "patch \"%s\"", p.base);
	decl_keys(&d, keys, 1);
	first = show_index_get(L, s, 'p', p.base);
	if (first >= 0)
		decl_fail(&d, "declared twice (first at line %d)", first);
	if (!decl_string(&d, "type", 0, type, sizeof type))
		decl_fail(&d, "needs a fixture type (type = \"generic/dimmer\")");
	if (!decl_integer(&d, "universe", 0, GL_UNIVERSE_MIN, GL_UNIVERSE_MAX, &p.universe))
		decl_fail(&d, "needs a universe (universe = 1)");
	if (!decl_integer(&d, "address", 0, 1, GL_DMX_SLOTS, &p.address))
		decl_fail(&d, "needs a DMX address (address = 1)");
	p.count = 1;
	decl_integer(&d, "count", 0, 1, SHOW_PATCH_COUNT_MAX, &p.count);
	decl_string(&d, "mode", 0, mode, sizeof mode);
	p.spacing = 0;
	decl_integer(&d, "spacing", 0, 1, GL_DMX_SLOTS, &p.spacing);
	p.at_first = -1;
	if (decl_get(&d, "at", 0))
		decl_patch_at(&d, &p);
	decl_universes_check(&d, &p.universe, 1);
	if (s->fixture_count + p.count > SHOW_FIXTURE_MAX)
		decl_fail(&d, "a show may have at most %d fixtures", SHOW_FIXTURE_MAX);
	/* Last: the type's file is Lua, and every field is read by now. */
	p.type_index = decl_type(&d, type, mode);
	t = SHOW_AT(s->types, struct show_type, p.type_index);
	footprint = t->slots;
	if (p.spacing == 0)
		p.spacing = footprint;
	else if (p.spacing < footprint)
		decl_fail(&d, "spacing %d is less than the footprint %d of \"%s\"", p.spacing,
			  footprint, type);
	if (s->fixture_count + p.count * t->part_count > SHOW_FIXTURE_MAX)
		decl_fail(&d, "a show may have at most %d fixtures (%d heads each for \"%s\")",
			  SHOW_FIXTURE_MAX, t->part_count, type);
	last = p.address + (p.count - 1) * p.spacing + footprint - 1;
	if (last > GL_DMX_SLOTS) {
		if (p.count == 1)
			decl_fail(&d, "address %d with footprint %d ends at %d: DMX address "
				  "past 512", p.address, footprint, last);
		decl_fail(&d, "\"%s %d\" at %d.%d with footprint %d ends at %d: DMX address "
			  "past 512", p.base, p.count, p.universe,
			  p.address + (p.count - 1) * p.spacing, footprint, last);
	}
	if (p.count > 1 && strlen(p.base) + 1 + 3 >= GL_NAME_MAX)
		decl_fail(&d, "label too long for numbered fixtures");
	if (t->part_count > 1 && strlen(p.base) + 1 + 3 + 1 + 3 >= GL_NAME_MAX)
		decl_fail(&d, "label too long for a fixture with heads");
	*(struct show_patch *)show_vec_push(L, &s->patches, sizeof p) = p;
	s->fixture_count += p.count * t->part_count;
	show_index_set(L, s, 'p', p.base, p.at.line);
	decl_universes_add(&d, &p.universe, 1);
	return 0;
}

/* ---- input { 5, merge_into = 1 } ------------------------------------------- */

/* A DMX input universe: what a device (an Enttec Pro with input_universe)
 * receives, merged HTP into an output universe. */
static int decl_input(lua_State *L)
{
	static const char *const keys[] = { "universe", "merge_into", NULL };
	struct gl_show *s = show_from_upvalue(L);
	struct show_input in;
	struct decl d;

	decl_loading(L, s, "input");
	memset(&in, 0, sizeof in);
	decl_begin(&d, L, s, 1, "input", "input { 5, merge_into = 1 }");
	decl_keys(&d, keys, 1);
	if (!decl_integer(&d, "universe", 1, GL_UNIVERSE_MIN, GL_UNIVERSE_MAX, &in.number))
		decl_fail(&d, "needs a universe: input { 5, merge_into = 1 }");
	snprintf(d.what, sizeof d.what, "input %d", in.number);
	if (s->inputs.count >= SHOW_INPUT_MAX)
		decl_fail(&d, "a show may have at most %d inputs", SHOW_INPUT_MAX);
	decl_integer(&d, "merge_into", 0, GL_UNIVERSE_MIN, GL_UNIVERSE_MAX, &in.merge_into);
	for (int i = 0; i < s->inputs.count; i++) {
		const struct show_input *o = SHOW_AT(s->inputs, struct show_input, i);

		if (o->number == in.number)
			decl_fail(&d, "declared twice (first at line %d)", o->at.line);
	}
	in.at = d.at;
	*(struct show_input *)show_vec_push(L, &s->inputs, sizeof in) = in;
	return 0;
}

/* ---- group("name", { selections }) ---------------------------------------- */

static int decl_group(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);
	struct show_group g;
	char (*sel)[LOOK_SELECTION_MAX];
	int n;

	decl_loading(L, s, "group");
	memset(&g, 0, sizeof g);
	g.at = at;
	decl_arg_name(L, at, 1, "group", g.name, sizeof g.name);
	if (lua_gettop(L) > 2)
		show_raise(L, at, "group \"%s\": expects a name and a list of selections: "
			   "group(\"wash\", { \"front 1-8\" })", g.name);
	decl_unique(L, s, at, 'g', "group", g.name, s->groups.count, SHOW_GROUP_MAX, "groups");
	if (lua_type(L, 2) == LUA_TSTRING) {
		lua_newtable(L);
		lua_pushvalue(L, 2);
		lua_rawseti(L, -2, 1);
		lua_replace(L, 2);
	}
	if (!lua_istable(L, 2))
		show_raise(L, at, "group \"%s\": expects a list of selections: "
			   "group(\"wash\", { \"front 1-8\" })", g.name);
	n = (int)lua_rawlen(L, 2);
	if (n < 1)
		show_raise(L, at, "group \"%s\": the list of selections is empty", g.name);
	if (n > SHOW_FIXTURE_MAX)
		show_raise(L, at, "group \"%s\": at most %d selections", g.name, SHOW_FIXTURE_MAX);
	sel = decl_scratch(L, (size_t)n * sizeof *sel);
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, 2, i + 1);
		if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 ||
		    lua_rawlen(L, -1) >= LOOK_SELECTION_MAX)
			show_raise(L, at, "group \"%s\": selection %d must be a name like "
				   "\"front 1-8\"", g.name, i + 1);
		snprintf(sel[i], sizeof sel[i], "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	show_vec_reserve(L, &s->groups, sizeof g);
	show_charge(L, (size_t)n * sizeof *sel);
	g.selections = malloc((size_t)n * sizeof *sel);
	if (!g.selections)
		return luaL_error(L, "out of memory");
	memcpy(g.selections, sel, (size_t)n * sizeof *sel);
	g.selection_count = n;
	*(struct show_group *)show_vec_push(L, &s->groups, sizeof g) = g;
	show_index_set(L, s, 'g', g.name, at.line);
	return 0;
}

/* ---- fader(n, { group = ... | cuelist = ..., label, level }) --------------- */

static int decl_fader(lua_State *L)
{
	static const char *const keys[] = { "group", "cuelist", "audio", "effect", "control", "label",
					    "level", NULL };
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);
	struct show_fader f;
	struct decl d;
	lua_Integer number = 0;
	int ok = 0;
	bool group, list, audio;
	double level = 1.0;

	decl_loading(L, s, "fader");
	memset(&f, 0, sizeof f);
	f.at = at;
	if (lua_type(L, 1) == LUA_TNUMBER)
		number = lua_tointegerx(L, 1, &ok);
	if (!ok || number < 1 || number > SHOW_FADER_NUMBER_MAX)
		show_raise(L, at, "fader: the number must be 1..%d: fader(1, { group = "
			   "\"wash\" })", SHOW_FADER_NUMBER_MAX);
	f.number = (int)number;
	if (lua_gettop(L) > 2)
		show_raise(L, at, "fader %d: expects a number and a table", f.number);
	{
		char what[32];

		snprintf(what, sizeof what, "fader %d", f.number);
		decl_begin(&d, L, s, 2, what, "fader(1, { group = \"wash\" })");
	}
	decl_keys(&d, keys, 0);
	for (int i = 0; i < s->faders.count; i++) {
		const struct show_fader *o = SHOW_AT(s->faders, struct show_fader, i);

		if (o->number == f.number)
			decl_fail(&d, "declared twice (first at line %d)", o->at.line);
	}
	group = decl_string(&d, "group", 0, f.target, sizeof f.target);
	list = decl_string(&d, "cuelist", 0, f.target, sizeof f.target);
	audio = decl_string(&d, "audio", 0, f.target, sizeof f.target);
	bool effect = decl_string(&d, "effect", 0, f.target, sizeof f.target);
	char control[8] = "size";
	if (group + list + audio + effect != 1)
		decl_fail(&d, "give exactly one of group = \"...\", cuelist = \"...\", audio = "
			  "\"master\" or effect = \"...\"");
	f.kind = group ? GL_FADER_GROUP : list ? GL_FADER_CUELIST
		 : audio ? GL_FADER_EXTERNAL : GL_FADER_EFFECT_SIZE;
	if (audio && strcmp(f.target, "master") != 0)
		decl_fail(&d, "audio = \"%s\": an audio fader is the master (audio = \"master\")",
			  f.target);
	if (audio && s->audio_master_fader)
		decl_fail(&d, "the audio master is fader %d already", s->audio_master_fader);
	if (decl_string(&d, "control", 0, control, sizeof control)) {
		if (!effect || (strcmp(control, "size") && strcmp(control, "rate")))
			decl_fail(&d, "control = \"size\" or \"rate\", for an effect's fader");
		if (strcmp(control, "rate") == 0)
			f.kind = GL_FADER_EFFECT_RATE;
	}
	if (!decl_string(&d, "label", 0, f.label, sizeof f.label))
		snprintf(f.label, sizeof f.label, "%s", audio ? "Audio" : f.target);
	decl_number(&d, "level", 0, 0.0, 1.0, &level);
	f.level = (float)level;
	*(struct show_fader *)show_vec_push(L, &s->faders, sizeof f) = f;
	if (audio)
		s->audio_master_fader = f.number;
	return 0;
}

/* ---- cue { number, "label", timing..., look = {...} } --------------------- */

static void decl_color(const struct decl *d, const char *sel, struct look_value *v)
{
	lua_State *L = d->L;
	float rgb[3];

	v->attr = LOOK_COLOR;
	if (lua_type(L, -1) == LUA_TSTRING) {
		if (gl_color_parse_hex(lua_tostring(L, -1), &rgb[0], &rgb[1], &rgb[2]) != 0)
			decl_fail(d, "look \"%s\": color \"%s\" is not \"#rrggbb\"", sel,
				  lua_tostring(L, -1));
	} else if (lua_istable(L, -1) && lua_rawlen(L, -1) == 3) {
		for (int i = 0; i < 3; i++) {
			double c;

			lua_rawgeti(L, -1, i + 1);
			c = lua_tonumber(L, -1);
			if (lua_type(L, -1) != LUA_TNUMBER || !(c >= 0.0 && c <= 1.0))
				decl_fail(d, "look \"%s\": color {r, g, b} needs three numbers "
					  "0..1", sel);
			rgb[i] = (float)c;
			lua_pop(L, 1);
		}
	} else {
		decl_fail(d, "look \"%s\": color must be \"#rrggbb\" or {r, g, b}", sel);
	}
	memcpy(v->value, rgb, sizeof rgb);
}

/* One look entry: the value table on top, the key below it. */
static void decl_look_entry(const struct decl *d, struct look_entry *e)
{
	lua_State *L = d->L;
	char desc[96];
	const char *sel;

	if (lua_type(L, -2) != LUA_TSTRING) {
		show_describe(L, -2, desc, sizeof desc);
		decl_fail(d, "look: keys must be selections like \"front 1-4\", not %s", desc);
	}
	sel = lua_tostring(L, -2);
	if (lua_rawlen(L, -2) == 0 || lua_rawlen(L, -2) >= sizeof e->selection ||
	    strlen(sel) != lua_rawlen(L, -2))
		decl_fail(d, "look: selection \"%s\" must be 1..%d bytes (no NUL)", sel,
			  (int)sizeof e->selection - 1);
	snprintf(e->selection, sizeof e->selection, "%s", sel);
	if (!lua_istable(L, -1)) {
		show_describe(L, -1, desc, sizeof desc);
		decl_fail(d, "look \"%s\": expects a table of attribute = value, not %s",
			  sel, desc);
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		struct look_value *v;
		const char *name;
		int attr;
		double value;

		if (lua_type(L, -2) != LUA_TSTRING)
			decl_fail(d, "look \"%s\": keys must be attribute names", sel);
		name = lua_tostring(L, -2);
		if (e->value_count >= LOOK_VALUES_MAX)
			decl_fail(d, "look \"%s\": too many values", sel);
		v = &e->values[e->value_count++];
		if (strcmp(name, "color") == 0) {
			decl_color(d, sel, v);
			lua_pop(L, 1);
			continue;
		}
		attr = gl_attr_from_name(name);
		if (attr < 0)
			decl_fail(d, "look \"%s\": unknown attribute '%s'", sel, name);
		/* gobo = "Star": the named range of the channel (checked per
		 * fixture at build) */
		if (lua_type(L, -1) == LUA_TSTRING && attr != GL_ATTR_PAN && attr != GL_ATTR_TILT) {
			if (lua_rawlen(L, -1) == 0 || lua_rawlen(L, -1) > 200)
				decl_fail(d, "look \"%s\": %s range name must be 1..200 bytes", sel,
					  name);
			v->attr = attr;
			v->range = show_intern(L, d->show, lua_tostring(L, -1));
			lua_pop(L, 1);
			continue;
		}
		if (lua_type(L, -1) != LUA_TNUMBER) {
			bool degrees = attr == GL_ATTR_PAN || attr == GL_ATTR_TILT;

			show_describe(L, -1, desc, sizeof desc);
			decl_fail(d, "look \"%s\": %s must be a number%s, not %s", sel, name,
				  degrees ? "" : " or a range name", desc);
		}
		value = lua_tonumber(L, -1);
		if (attr == GL_ATTR_PAN || attr == GL_ATTR_TILT) {
			if (!isfinite(value))
				decl_fail(d, "look \"%s\": %s must be degrees", sel, name);
		} else if (!(value >= 0.0 && value <= 1.0)) {
			decl_fail(d, "look \"%s\": %s %g is outside 0..1", sel, name, value);
		}
		v->attr = attr;
		v->value[0] = (float)value;
		lua_pop(L, 1);
	}
}

/* Parses look = {...} (on top of the stack) into scratch; returns the
 * count and leaves the scratch on the stack in place of the table. The
 * count is the filling pass's: a weak table may lose entries to the
 * collector between the two. */
static int decl_look(const struct decl *d, struct look_entry **out)
{
	lua_State *L = d->L;
	struct look_entry *entries;
	int n = 0, i = 0;

	if (!lua_istable(L, -1))
		decl_fail(d, "'look' must be a table: look = { wash = { intensity = 1 } }");
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (++n > SHOW_LOOK_MAX)
			decl_fail(d, "look has more than %d selections", SHOW_LOOK_MAX);
	}
	entries = decl_scratch(L, (size_t)n * sizeof *entries);
	lua_insert(L, -2);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (i == n)
			decl_fail(d, "look changed while it was read");
		decl_look_entry(d, &entries[i++]);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	*out = entries;
	return i;
}

static double decl_time(const struct decl *d, const char *key, double def)
{
	double v = def;

	decl_number(d, key, 0, 0.0, DECL_TIME_MAX_S, &v);
	return v;
}

/* A cue number on top of the stack (popped), as a number or a string like
 * "1.5": its value and its text. */
static void decl_cue_number_value(struct decl *d, double *number,
				  char number_text[GL_CUE_NUMBER_MAX])
{
	lua_State *L = d->L;
	char desc[96], text[32];
	double v = 0.0;

	if (lua_type(L, -1) == LUA_TNUMBER) {
		v = lua_tonumber(L, -1);
		if (!(v > 0.0 && v < 1e9))
			decl_fail(d, "the cue number must be above 0 (and below 1e9), not %g", v);
		if (lua_isinteger(L, -1))
			snprintf(text, sizeof text, "%lld", (long long)lua_tointeger(L, -1));
		else
			snprintf(text, sizeof text, "%.10g", v);
		if (strlen(text) >= GL_CUE_NUMBER_MAX)
			decl_fail(d, "cue number %s has too many digits", text);
	} else if (lua_type(L, -1) == LUA_TSTRING) {
		const char *s = lua_tostring(L, -1);
		char *end;

		v = strtod(s, &end);
		if (end == s || *end != '\0' || lua_rawlen(L, -1) >= GL_CUE_NUMBER_MAX)
			decl_fail(d, "cue number \"%s\" is not a number like 1 or 1.5", s);
		snprintf(text, sizeof text, "%s", s);
	} else {
		show_describe(L, -1, desc, sizeof desc);
		decl_fail(d, "needs a number first: cue { 1, \"label\", ... }, got %s", desc);
		return;
	}
	lua_pop(L, 1);
	if (!(v > 0.0 && v < 1e9))
		decl_fail(d, "cue %s: the cue number must be above 0", text);
	*number = v;
	memcpy(number_text, text, GL_CUE_NUMBER_MAX);
}

/* The cue number, as a number or a string like "1.5". */
static void decl_cue_number(struct decl *d, struct gl_cue_def *def)
{
	lua_rawgeti(d->L, d->idx, 1);
	decl_cue_number_value(d, &def->number, def->number_text);
	snprintf(d->what, sizeof d->what, "cue %s", def->number_text);
}

static int decl_cue(lua_State *L)
{
	static const char *const keys[] = {
		"label", "fade", "fade_in", "fade_out", "delay", "delay_in",
		"delay_out", "color_fade", "color_delay", "position_fade",
		"position_delay", "beam_fade", "beam_delay", "curve", "wait", "follow",
		"look", "effects", "at", NULL
	};
	static const struct { const char *fade, *delay; enum gl_attr_class cls; } classes[] = {
		{ "color_fade", "color_delay", GL_CLASS_COLOR },
		{ "position_fade", "position_delay", GL_CLASS_POSITION },
		{ "beam_fade", "beam_delay", GL_CLASS_BEAM },
	};
	struct gl_show *s = show_from_upvalue(L);
	struct show_cue c;
	struct look_entry *looks = NULL;
	const void *actions[SHOW_ACTION_KINDS] = { NULL };
	const struct show_fx_ref *fx;
	struct decl d;
	double fade, delay, wait;
	char curve[16];
	bool follow_flag = false;
	int *handle;

	decl_loading(L, s, "cue");
	decl_begin(&d, L, s, 1, "cue", "cue { 1, \"label\", fade = 3, look = {...} }");
	memset(&c, 0, sizeof c);
	c.at = d.at;
	c.list = -1;
	gl_cue_def_init(&c.def);
	decl_cue_number(&d, &c.def);
	if (s->cues.count >= SHOW_CUE_MAX)
		decl_fail(&d, "a show may have at most %d cues", SHOW_CUE_MAX);
	/* the keys, and each kind of cue action's field (show_action.c) */
	const char *all_keys[sizeof keys / sizeof keys[0] + SHOW_ACTION_KINDS];
	int nkeys = 0;
	while (keys[nkeys]) {
		all_keys[nkeys] = keys[nkeys];
		nkeys++;
	}
	for (int k = 0; k < SHOW_ACTION_KINDS; k++)
		all_keys[nkeys++] = show_action_kinds[k]->field;
	all_keys[nkeys] = NULL;
	decl_keys(&d, all_keys, 2);
	decl_string(&d, "label", 2, c.def.label, sizeof c.def.label);

	fade = decl_time(&d, "fade", 0.0);
	c.def.fade_in_s = decl_time(&d, "fade_in", fade);
	c.def.fade_out_s = decl_time(&d, "fade_out", fade);
	delay = decl_time(&d, "delay", 0.0);
	c.def.delay_in_s = decl_time(&d, "delay_in", delay);
	c.def.delay_out_s = decl_time(&d, "delay_out", delay);
	for (int i = 0; i < 3; i++) {
		c.def.class_time[classes[i].cls].fade_s = decl_time(&d, classes[i].fade, -1.0);
		c.def.class_time[classes[i].cls].delay_s = decl_time(&d, classes[i].delay, -1.0);
	}
	if (decl_string(&d, "curve", 0, curve, sizeof curve)) {
		if (strcmp(curve, "linear") == 0)
			c.def.curve = GL_CURVE_LINEAR;
		else if (strcmp(curve, "s") == 0)
			c.def.curve = GL_CURVE_S;
		else
			decl_fail(&d, "curve \"%s\" is not \"linear\" or \"s\"", curve);
	}
	if (decl_number(&d, "wait", 0, 0.0, DECL_TIME_MAX_S, &wait)) {
		c.def.continue_mode = GL_CONTINUE_WAIT;
		c.def.wait_s = wait;
	}
	if (decl_get(&d, "follow", 0)) {
		int type = lua_type(L, -1);

		lua_pop(L, 1);
		if (c.def.continue_mode == GL_CONTINUE_WAIT)
			decl_fail(&d, "give wait or follow, not both");
		if (type == LUA_TBOOLEAN) {
			decl_boolean(&d, "follow", 0, &follow_flag);
			if (follow_flag)
				c.def.continue_mode = GL_CONTINUE_FOLLOW;
		} else if (type == LUA_TNUMBER) {
			decl_number(&d, "follow", 0, 0.0, DECL_TIME_MAX_S, &wait);
			c.def.continue_mode = GL_CONTINUE_FOLLOW;
			c.def.wait_s = wait;
		} else {
			decl_fail(&d, "'follow' must be true or a wait in seconds");
		}
	}
	if (decl_get(&d, "look", 0))
		c.look_count = decl_look(&d, &looks);
	for (int k = 0; k < SHOW_ACTION_KINDS; k++)   /* checked now, copied below */
		if (decl_get(&d, show_action_kinds[k]->field, 0))
			actions[k] = show_action_kinds[k]->parse(L, d.at, d.what);
	fx = show_fx_cue_fields(L, d.at, d.what, d.idx, &c.fx_count, &c.tc_s);  /* effects, at */

	/* What may raise comes first; then the copies, which cannot leak. */
	show_vec_reserve(L, &s->cues, sizeof c);
	show_charge(L, (size_t)c.look_count * sizeof *looks);
	c.fx = show_fx_cue_copy(L, fx, c.fx_count);
	if (c.fx_count > 0 && !c.fx)
		return luaL_error(L, "out of memory");
	if (c.look_count > 0) {
		c.looks = malloc((size_t)c.look_count * sizeof *looks);
		if (!c.looks) {
			free(c.fx);
			return luaL_error(L, "out of memory");
		}
		memcpy(c.looks, looks, (size_t)c.look_count * sizeof *looks);
	}
	for (int k = 0; k < SHOW_ACTION_KINDS; k++) {
		if (!actions[k])
			continue;
		c.actions[k].items = show_action_kinds[k]->copy(actions[k], &c.actions[k].count);
		if (!c.actions[k].items) {
			while (k-- > 0)
				free(c.actions[k].items);
			free(c.looks);
			free(c.fx);
			return luaL_error(L, "out of memory");
		}
	}
	*(struct show_cue *)show_vec_push(L, &s->cues, sizeof c) = c;

	/* The cue goes into its list by this handle (a list claims it once). */
	handle = lua_newuserdatauv(L, sizeof *handle, 0);
	*handle = s->cues.count - 1;
	luaL_setmetatable(L, SHOW_CUE_MAGIC);
	return 1;
}

/* ---- cuelist "Main" { loop = true, cue {...}, ... } ------------------------ */

static void decl_cuelist_fill(lua_State *L, struct gl_show *s, int list_index, int arg)
{
	static const char *const keys[] = { "loop", "chase", "timecode", "freewheel", NULL };
	struct show_list *list = SHOW_AT(s->lists, struct show_list, list_index);
	struct decl d;
	char what[GL_NAME_MAX + 16];
	const struct show_cue *prev = NULL;
	unsigned char *listed;
	int n, *cues;
	bool loop = false;

	snprintf(what, sizeof what, "cuelist \"%s\"", list->name);
	decl_begin(&d, L, s, arg, what, "cuelist \"Main\" { cue {...}, ... }");
	if (list->filled)
		decl_fail(&d, "cues given twice");
	n = (int)lua_rawlen(L, arg);
	if (n > SHOW_LIST_CUE_MAX)
		decl_fail(&d, "a cue list may have at most %d cues", SHOW_LIST_CUE_MAX);
	decl_keys(&d, keys, n);
	decl_boolean(&d, "loop", 0, &loop);
	show_fx_list_fields(L, d.at, what, arg, list);   /* chase, timecode, freewheel */
	loop |= list->loop;
	if (n < 1)
		decl_fail(&d, "has no cues");
	cues = decl_scratch(L, (size_t)n * sizeof *cues);
	listed = decl_scratch(L, (size_t)s->cues.count);
	for (int i = 0; i < n; i++) {
		const struct show_cue *c;
		int *handle;

		lua_rawgeti(L, arg, i + 1);
		handle = luaL_testudata(L, -1, SHOW_CUE_MAGIC);
		if (!handle) {
			char desc[96];

			show_describe(L, -1, desc, sizeof desc);
			decl_fail(&d, "item %d is not a cue { ... } but %s", i + 1, desc);
		}
		c = SHOW_AT(s->cues, struct show_cue, *handle);
		lua_pop(L, 1);
		if (c->list == SHOW_CUE_EDIT)
			decl_fail(&d, "cue %s (line %d) is already in an edit.record",
				  c->def.number_text, c->at.line);
		if (c->list >= 0)
			decl_fail(&d, "cue %s (line %d) is already in cuelist \"%s\"",
				  c->def.number_text, c->at.line,
				  SHOW_AT(s->lists, struct show_list, c->list)->name);
		if (listed[*handle])
			decl_fail(&d, "cue %s (line %d) is listed twice", c->def.number_text,
				  c->at.line);
		listed[*handle] = 1;
		if (prev && c->def.number == prev->def.number)
			show_raise(L, c->at, "%s: duplicate cue %s (also at line %d)", what,
				   c->def.number_text, prev->at.line);
		if (prev && c->def.number < prev->def.number)
			show_raise(L, c->at, "%s: cue %s comes after cue %s (line %d); cue "
				   "numbers must ascend", what, c->def.number_text,
				   prev->def.number_text, prev->at.line);
		cues[i] = *handle;
		prev = c;
	}
	show_charge(L, (size_t)n * sizeof *cues);
	list = SHOW_AT(s->lists, struct show_list, list_index);
	list->cues = malloc((size_t)n * sizeof *cues);
	if (!list->cues) {
		luaL_error(L, "out of memory");
		return;
	}
	memcpy(list->cues, cues, (size_t)n * sizeof *cues);
	list->cue_count = n;
	list->loop = loop;
	list->filled = true;
	for (int i = 0; i < n; i++)
		SHOW_AT(s->cues, struct show_cue, cues[i])->list = list_index;
	show_fx_list_cues(L, s, list);   /* chase timing, timecode times */
}

static int decl_cuelist_body(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);

	decl_loading(L, s, "cuelist");
	decl_cuelist_fill(L, s, (int)lua_tointeger(L, lua_upvalueindex(2)), 1);
	return 0;
}

static int decl_cuelist(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);
	struct show_list list;

	decl_loading(L, s, "cuelist");
	memset(&list, 0, sizeof list);
	list.at = at;
	decl_arg_name(L, at, 1, "cuelist", list.name, sizeof list.name);
	decl_unique(L, s, at, 'l', "cuelist", list.name, s->lists.count, SHOW_LIST_MAX,
		    "cue lists");
	if (lua_gettop(L) > 2)
		show_raise(L, at, "cuelist \"%s\": write cuelist \"%s\" { cue {...}, ... }",
			   list.name, list.name);
	/* Recorded now, filled by the call that follows: a bare
	 * cuelist "X" without cues is reported at build. */
	*(struct show_list *)show_vec_push(L, &s->lists, sizeof list) = list;
	show_index_set(L, s, 'l', list.name, at.line);
	if (lua_gettop(L) == 2) {
		decl_cuelist_fill(L, s, s->lists.count - 1, 2);
		return 0;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushinteger(L, s->lists.count - 1);
	lua_pushcclosure(L, decl_cuelist_body, 2);
	return 1;
}

/* ---- recorded "show.recorded.lua" and edit.* ------------------------------- */

/* recorded "demo.recorded.lua": runs that file of the show's folder (the
 * cues the console recorded, as edit.* lines) where the line stands. Its
 * edits apply after every declaration of the show, wherever it stands. */
static int decl_recorded(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);
	char name[256], path[SHOW_PATH_MAX];
	size_t n;

	decl_loading(L, s, "recorded");
	if (s->recorded[0])
		show_raise(L, at, "recorded: given twice (first at %s:%d)", s->recorded_at.file,
			   s->recorded_at.line);
	if (lua_type(L, 1) != LUA_TSTRING || lua_rawlen(L, 1) == 0 ||
	    lua_rawlen(L, 1) >= sizeof name)
		show_raise(L, at, "recorded: needs a file name: recorded \"show.recorded.lua\"");
	n = lua_rawlen(L, 1);
	snprintf(name, sizeof name, "%s", lua_tostring(L, 1));
	if (strlen(name) != n || strchr(name, '/') || name[0] == '.' || n < 5 ||
	    strcmp(name + n - 4, ".lua") != 0)
		show_raise(L, at, "recorded \"%s\": a .lua file in the show's folder (no '/', "
			   "not hidden)", name);
	if (snprintf(path, sizeof path, "%s/%s", s->dir, name) >= (int)sizeof path)
		show_raise(L, at, "recorded \"%s\": path too long", name);
	FILE *f = fopen(path, "r");
	if (!f)
		show_raise(L, at, "recorded \"%s\": cannot open %s: %s", name, path, strerror(errno));
	fclose(f);
	memcpy(s->recorded, path, sizeof path);
	s->recorded_at = at;
	sandbox_push_env(s->sb);
	sandbox_dofile(L, path, -1, 0);
	return 0;
}

/* edit.record("Main", cue {...}), edit.update("Main", 3, { look }),
 * edit.delete("Main", 4), edit.renumber("Main", 5, 6). */
static int decl_edit(lua_State *L)
{
	static const char *const names[] = { "edit.record", "edit.update", "edit.delete",
					     "edit.renumber" };
	struct gl_show *s = show_from_upvalue(L);
	enum show_edit_kind kind = (enum show_edit_kind)lua_tointeger(L, lua_upvalueindex(2));
	struct show_edit ed;
	struct look_entry *looks = NULL;
	struct decl d;

	decl_loading(L, s, names[kind]);
	memset(&ed, 0, sizeof ed);
	ed.kind = kind;
	ed.cue = -1;
	d = (struct decl){ L, s, show_where_here(L), 1, "" };
	ed.at = d.at;
	snprintf(d.what, sizeof d.what, "%s", names[kind]);
	if (s->edits.count >= SHOW_EDIT_MAX)
		decl_fail(&d, "at most %d edits", SHOW_EDIT_MAX);
	if (lua_type(L, 1) != LUA_TSTRING || lua_rawlen(L, 1) == 0 ||
	    lua_rawlen(L, 1) >= sizeof ed.list || strlen(lua_tostring(L, 1)) != lua_rawlen(L, 1))
		decl_fail(&d, "the first argument must be a cuelist name");
	snprintf(ed.list, sizeof ed.list, "%s", lua_tostring(L, 1));
	if (kind == SHOW_EDIT_RECORD) {
		int *handle = luaL_testudata(L, 2, SHOW_CUE_MAGIC);

		if (!handle || lua_gettop(L) != 2)
			decl_fail(&d, "write %s(\"%s\", cue { number, \"label\", ... })", names[kind],
				  ed.list);
		if (SHOW_AT(s->cues, struct show_cue, *handle)->list != -1)
			decl_fail(&d, "that cue is already in a cuelist");
		ed.cue = *handle;
	} else {
		int want = kind == SHOW_EDIT_DELETE ? 2 : 3;

		if (lua_gettop(L) != want)
			decl_fail(&d, "takes %d arguments", want);
		lua_pushvalue(L, 2);
		decl_cue_number_value(&d, &ed.number, ed.number_text);
		if (kind == SHOW_EDIT_RENUMBER) {
			lua_pushvalue(L, 3);
			decl_cue_number_value(&d, &ed.to, ed.to_text);
		} else if (kind == SHOW_EDIT_UPDATE) {
			lua_pushvalue(L, 3);
			ed.look_count = decl_look(&d, &looks);
			lua_pop(L, 1);
		}
	}
	show_vec_reserve(L, &s->edits, sizeof ed);
	if (ed.look_count > 0) {
		show_charge(L, (size_t)ed.look_count * sizeof *looks);
		ed.looks = malloc((size_t)ed.look_count * sizeof *looks);
		if (!ed.looks)
			return luaL_error(L, "out of memory");
		memcpy(ed.looks, looks, (size_t)ed.look_count * sizeof *looks);
	}
	if (ed.cue >= 0)    /* claimed: no cuelist may take it now */
		SHOW_AT(s->cues, struct show_cue, ed.cue)->list = SHOW_CUE_EDIT;
	*(struct show_edit *)show_vec_push(L, &s->edits, sizeof ed) = ed;
	return 0;
}

static void decl_edit_register(lua_State *L, struct gl_show *show)
{
	static const char *const fns[] = { "record", "update", "delete", "renumber" };

	lua_newtable(L);
	for (int i = 0; i < 4; i++) {
		lua_pushlightuserdata(L, show);
		lua_pushinteger(L, i);
		lua_pushcclosure(L, decl_edit, 2);
		lua_setfield(L, -2, fns[i]);
	}
	lua_setfield(L, -2, "edit");
}

void show_decl_register(lua_State *L, struct gl_show *show)
{
	static const luaL_Reg fns[] = {
		{ "show", decl_show },
		{ "output", decl_output },
		{ "patch", decl_patch },
		{ "group", decl_group },
		{ "fader", decl_fader },
		{ "input", decl_input },
		{ "cue", decl_cue },
		{ "cuelist", decl_cuelist },
		{ "recorded", decl_recorded },
		{ NULL, NULL },
	};

	/* The env table is on top of the stack. */
	luaL_newmetatable(L, SHOW_CUE_MAGIC);
	lua_pushliteral(L, "cue");
	lua_setfield(L, -2, "__name");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
	lua_pushlightuserdata(L, show);
	luaL_setfuncs(L, fns, 1);
	show_osc_register(L, show);     /* osc { ... }, osc.send, on_osc */
	show_fx_register(L, show);      /* effect, matrix, effect_start() ... */
	show_sched_register(L, show);   /* at, location, schedule */
	show_audio_register(L, show);   /* audio { ... } */
	decl_edit_register(L, show);    /* edit.record ... */
}
