/*
 * fixture_file.c - finds fixture type files and turns the table one returns
 * into a fixture definition (fixture_def.h: modes, channels with 8/16/24-bit,
 * default/home/highlight, invert, capability ranges, heads, physical data);
 * .qxf and OFL .json files go to the importers instead.
 *
 * Control thread, called from a show declaration while the show loads: the
 * file runs in its own empty env under the load's instruction budget. Every
 * error names the file (and the channel or mode); the caller adds the show
 * file's line.
 */
#include "fixture_file.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "datadir.h"
#include "fixtures/import.h"
#include "sandbox.h"

#define FIXTURE_RANGE_MAX_DEG 10000.0
#define FIXTURE_MODES_MAX 256
#define FIXTURE_READ_MEMORY (64u * 1024u * 1024u)
#define FIXTURE_READ_BUDGET 50000000L
#define FIXTURE_READ_SECONDS 10.0

struct fixture_job {
	const char *path;
	struct fdef *def;
	bool single;            /* the file gave `channels`, not `modes` */
};

/* ---- finding ------------------------------------------------------------- */

static bool fixture_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= FIXTURE_TYPE_NAME_MAX || name[0] == '/' || name[0] == '.' ||
	    strstr(name, "..") || strstr(name, "//") || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '.' && c != '/')
			return false;
	}
	return true;
}

static bool fixture_try(const char *dir, size_t dir_len, const char *name, char *path,
			size_t path_len)
{
	struct stat st;
	int n;

	if (dir_len == 0)
		return false;
	n = snprintf(path, path_len, "%.*s/%s.lua", (int)dir_len, dir, name);
	if (n < 0 || (size_t)n >= path_len)
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool fixture_is_import(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcasecmp(name + n - 4, ".qxf") == 0) ||
	       (n > 5 && strcasecmp(name + n - 5, ".json") == 0);
}

int fixture_file_find(const char *show_dir, const char *type_name, char *path,
		      size_t path_len, char *err, size_t err_len)
{
	char dir[1024];
	const char *env;
	struct stat st;

	if (fixture_is_import(type_name)) {
		int n = type_name[0] == '/'
				? snprintf(path, path_len, "%s", type_name)
				: snprintf(path, path_len, "%s/%s",
					   show_dir && show_dir[0] ? show_dir : ".", type_name);

		if (n < 0 || (size_t)n >= path_len) {
			snprintf(err, err_len, "fixture file path too long");
			return GL_EINVAL;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			snprintf(err, err_len, "no fixture file %s", path);
			return GL_ENOENT;
		}
		return 0;
	}

	if (!fixture_name_ok(type_name)) {
		snprintf(err, err_len, "bad fixture type name \"%s\" (want a relative "
			 "name like \"generic/rgbw\")", type_name);
		return GL_EINVAL;
	}
	snprintf(dir, sizeof dir, "%s/fixtures", show_dir && show_dir[0] ? show_dir : ".");
	if (fixture_try(dir, strlen(dir), type_name, path, path_len))
		return 0;
	env = getenv("GHOSTLIGHT_FIXTURES");
	while (env && *env) {
		const char *end = strchr(env, ':');
		size_t len = end ? (size_t)(end - env) : strlen(env);

		if (fixture_try(env, len, type_name, path, path_len))
			return 0;
		env = end ? end + 1 : NULL;
	}
	if ((env = gl_data_dir(GL_DATA_FIXTURES)) &&
	    fixture_try(env, strlen(env), type_name, path, path_len))
		return 0;
	snprintf(err, err_len, "unknown fixture type \"%s\" (no %s.lua in the show's "
		 "fixtures/, $GHOSTLIGHT_FIXTURES or the fixture library)", type_name, type_name);
	return GL_ENOENT;
}

/* ---- parsing (inside a protected call: errors are raised) ------------------- */

static void fixture_fail(lua_State *L, const struct fixture_job *job, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fixture_fail(lua_State *L, const struct fixture_job *job, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lua_pushfstring(L, "%s: %s", job->path, msg);
	lua_error(L);
}

static void *fixture_mem(lua_State *L, const struct fixture_job *job, void *p)
{
	if (!p)
		fixture_fail(L, job, "out of memory");
	return p;
}

/* Pushes field `key` of the table at idx and returns its type. Raw, like
 * every access of the parser: no metamethod, so no Lua code can run in the
 * middle of it (the file could not set one anyway; this does not rely on
 * it). */
static int fixture_field(lua_State *L, int idx, const char *key)
{
	idx = lua_absindex(L, idx);
	lua_pushstring(L, key);
	return lua_rawget(L, idx);
}

/* Raises for a key of the table at idx that is not in `allowed` (string
 * keys) nor a list index 1..max_index. */
static void fixture_check_keys(lua_State *L, const struct fixture_job *job, int idx,
			       const char *ctx, const char *const *allowed, lua_Integer max_index)
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		bool ok = false;

		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *key = lua_tostring(L, -1);

			for (int i = 0; allowed && allowed[i]; i++)
				if (strcmp(allowed[i], key) == 0)
					ok = true;
			if (!ok)
				fixture_fail(L, job, "%sunknown field '%s'", ctx, key);
		} else if (lua_isinteger(L, -1)) {
			lua_Integer i = lua_tointeger(L, -1);

			if (i < 1 || i > max_index)
				fixture_fail(L, job, "%sunexpected value at [%d]", ctx, (int)i);
		} else {
			fixture_fail(L, job, "%sunexpected %s key", ctx, luaL_typename(L, -1));
		}
	}
}

static int fixture_attr(lua_State *L, const struct fixture_job *job, int idx,
			const char *ctx, int channel)
{
	int attr;

	if (lua_type(L, idx) != LUA_TSTRING)
		fixture_fail(L, job, "%schannel %d: attribute must be a string, not %s",
			     ctx, channel, luaL_typename(L, idx));
	attr = gl_attr_from_name(lua_tostring(L, idx));
	if (attr < 0)
		fixture_fail(L, job, "%schannel %d: unknown attribute '%s'", ctx, channel,
			     lua_tostring(L, idx));
	return attr;
}

/* Field `key` of the table at idx as a number in min..max; false when nil. */
static bool fixture_num(lua_State *L, const struct fixture_job *job, int idx, const char *key,
			const char *ctx, double min, double max, double *out)
{
	double v;

	fixture_field(L, idx, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return false;
	}
	v = lua_tonumber(L, -1);
	if (!lua_isnumber(L, -1) || !(v >= min && v <= max))
		fixture_fail(L, job, "%s%s must be a number %g..%g", ctx, key, min, max);
	lua_pop(L, 1);
	*out = v;
	return true;
}

/* Field `key` as a string copied into *dst (freed with the def). */
static void fixture_str(lua_State *L, const struct fixture_job *job, int idx, const char *key,
			const char *ctx, char **dst)
{
	fixture_field(L, idx, key);
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 ||
		    lua_rawlen(L, -1) > 200)
			fixture_fail(L, job, "%s%s must be a string of 1..200 bytes", ctx, key);
		if (fdef_set_str(dst, lua_tostring(L, -1)))
			fixture_fail(L, job, "out of memory");
	}
	lua_pop(L, 1);
}

static void fixture_color(lua_State *L, const struct fixture_job *job, int idx,
			  const char *ctx, float rgb[3])
{
	if (lua_type(L, idx) != LUA_TSTRING ||
	    gl_color_parse_hex(lua_tostring(L, idx), &rgb[0], &rgb[1], &rgb[2]) != 0)
		fixture_fail(L, job, "%scolor must be \"#rrggbb\"", ctx);
}

/* A plain list at idx (caps, heads): raises "<ctx><what>" when it is not
 * a table or has keys other than 1..n. Returns n. */
static lua_Integer fixture_list(lua_State *L, const struct fixture_job *job, int idx,
				const char *ctx, const char *what)
{
	lua_Integer n;

	if (!lua_istable(L, idx))
		fixture_fail(L, job, "%s%s", ctx, what);
	n = (lua_Integer)lua_rawlen(L, idx);
	fixture_check_keys(L, job, idx, ctx, NULL, n);
	return n;
}

/* caps = { { 0, 7, "Open", kind = "open", color = "#ffffff" }, ... } */
static void fixture_parse_caps(lua_State *L, const struct fixture_job *job, int idx,
			       const char *ctx, struct fdef_channel *ch)
{
	static const char *const keys[] = { "kind", "color", NULL };
	lua_Integer n;

	idx = lua_absindex(L, idx);
	n = fixture_list(L, job, idx, ctx, "caps must be a list of { from, to, \"name\" }");
	for (lua_Integer k = 1; k <= n; k++) {
		char sub[160];
		struct fdef_cap *cap;
		lua_Integer from, to;
		int ok1 = 0, ok2 = 0;

		snprintf(sub, sizeof sub, "%scaps[%d]: ", ctx, (int)k);
		lua_rawgeti(L, idx, k);
		if (!lua_istable(L, -1))
			fixture_fail(L, job, "%smust be { from, to, \"name\" }", sub);
		fixture_check_keys(L, job, -1, sub, keys, 3);
		cap = fixture_mem(L, job, fdef_add_cap(ch));
		lua_rawgeti(L, -1, 1);
		from = lua_tointegerx(L, -1, &ok1);
		lua_rawgeti(L, -2, 2);
		to = lua_tointegerx(L, -1, &ok2);
		lua_pop(L, 2);
		if (!ok1 || !ok2 || from < 0 || to > 255 || from > to)
			fixture_fail(L, job, "%sthe range must be two whole numbers "
				     "0 <= from <= to <= 255", sub);
		cap->min = (int)from;
		cap->max = (int)to;
		lua_rawgeti(L, -1, 3);
		if (!lua_isnil(L, -1)) {
			if (lua_type(L, -1) != LUA_TSTRING)
				fixture_fail(L, job, "%sthe name must be a string", sub);
			if (fdef_set_str(&cap->name, lua_tostring(L, -1)))
				fixture_fail(L, job, "out of memory");
		}
		lua_pop(L, 1);
		fixture_field(L, -1, "kind");
		if (!lua_isnil(L, -1)) {
			int kind = lua_type(L, -1) == LUA_TSTRING
					   ? fdef_cap_kind_from_name(lua_tostring(L, -1)) : -1;

			if (kind < 0)
				fixture_fail(L, job, "%sunknown kind (generic, none, open, closed, "
					     "strobe, color, gobo)", sub);
			cap->kind = (enum fdef_cap_kind)kind;
		}
		lua_pop(L, 1);
		fixture_field(L, -1, "color");
		if (!lua_isnil(L, -1)) {
			fixture_color(L, job, -1, sub, cap->rgb);
			cap->has_color = true;
		}
		lua_pop(L, 2);
	}
}

/* One channel: "red" or { "pan", bits = 16, default = 0.5, ... }. Pan and
 * tilt default to the centre (0.5), everything else to 0. `fine = N` and
 * `ultra = N` place those bytes on slot N of the mode (1-based); whether the
 * slot fits the mode is fdef_check()'s (fdef_mode_layout()) to say. */
static void fixture_parse_channel(lua_State *L, const struct fixture_job *job, int idx,
				  const char *ctx, int channel, struct fdef_channel *ch)
{
	static const char *const keys[] = {
		"bits", "default", "home", "highlight", "invert", "fixed", "name",
		"fine_name", "ultra_name", "fine", "ultra", "caps", NULL
	};
	char sub[128];
	double v;

	idx = lua_absindex(L, idx);
	snprintf(sub, sizeof sub, "%.100schannel %d: ", ctx, channel);
	if (lua_type(L, idx) == LUA_TSTRING) {
		ch->attr = fixture_attr(L, job, idx, ctx, channel);
	} else if (lua_istable(L, idx)) {
		fixture_check_keys(L, job, idx, sub, keys, 1);
		lua_rawgeti(L, idx, 1);
		ch->attr = fixture_attr(L, job, -1, ctx, channel);
		lua_pop(L, 1);
	} else {
		fixture_fail(L, job, "%schannel %d must be an attribute name or a table, "
			     "not %s", ctx, channel, luaL_typename(L, idx));
	}
	ch->default_value = ch->attr == GL_ATTR_PAN || ch->attr == GL_ATTR_TILT ? 0.5f : 0.0f;
	if (!lua_istable(L, idx))
		return;
	fixture_field(L, idx, "bits");
	if (!lua_isnil(L, -1)) {
		lua_Integer b = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;

		if (b != 8 && b != 16 && b != 24)
			fixture_fail(L, job, "%sbits must be 8, 16 or 24", sub);
		ch->bytes = (int)(b / 8);
	}
	lua_pop(L, 1);
	if (fixture_num(L, job, idx, "default", sub, 0.0, 1.0, &v))
		ch->default_value = (float)v;
	if (fixture_num(L, job, idx, "home", sub, 0.0, 1.0, &v))
		ch->home = (float)v;
	if (fixture_num(L, job, idx, "highlight", sub, 0.0, 1.0, &v))
		ch->highlight = (float)v;
	for (int b = 0; b < 2; b++) {
		const char *key = b ? "ultra" : "fine";

		if (!fixture_num(L, job, idx, key, sub, 1, GL_DMX_SLOTS, &v))
			continue;
		if (v != floor(v))
			fixture_fail(L, job, "%s%s must be a slot number of the mode", sub, key);
		if (ch->bytes < b + 2)
			fixture_fail(L, job, "%s%s needs bits = %d", sub, key, b ? 24 : 16);
		ch->fine_slot[b] = (int)v - 1;
	}
	fixture_field(L, idx, "invert");
	if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
		fixture_fail(L, job, "%sinvert must be true or false", sub);
	ch->inverted = lua_toboolean(L, -1);
	fixture_field(L, idx, "fixed");
	if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
		fixture_fail(L, job, "%sfixed must be true or false", sub);
	ch->fixed = lua_toboolean(L, -1);
	lua_pop(L, 2);
	fixture_str(L, job, idx, "name", sub, &ch->name);
	fixture_str(L, job, idx, "fine_name", sub, &ch->fine_name);
	fixture_str(L, job, idx, "ultra_name", sub, &ch->ultra_name);
	fixture_field(L, idx, "caps");
	if (!lua_isnil(L, -1))
		fixture_parse_caps(L, job, -1, sub, ch);
	lua_pop(L, 1);
}

/* heads = { { 2, 3, 4 }, { 5, 6, 7 } }: channel numbers of the mode. */
static void fixture_parse_heads(lua_State *L, const struct fixture_job *job, int idx,
				const char *ctx, struct fdef_mode *mode)
{
	lua_Integer n;
	int chans[GL_DMX_SLOTS];

	idx = lua_absindex(L, idx);
	n = fixture_list(L, job, idx, ctx, "heads must be a list of channel lists");
	for (lua_Integer h = 1; h <= n; h++) {
		lua_Integer m = 0;

		lua_rawgeti(L, idx, h);
		if (!lua_istable(L, -1) || (m = (lua_Integer)lua_rawlen(L, -1)) == 0 ||
		    m > GL_DMX_SLOTS)
			fixture_fail(L, job, "%shead %d must be a list of channel numbers", ctx,
				     (int)h);
		for (lua_Integer i = 1; i <= m; i++) {
			int ok = 0;
			lua_Integer c;

			lua_rawgeti(L, -1, i);
			c = lua_tointegerx(L, -1, &ok);
			if (!ok || c < 1 || c > mode->channel_count)
				fixture_fail(L, job, "%shead %d: entry %d is not a channel number "
					     "1..%d", ctx, (int)h, (int)i, mode->channel_count);
			chans[i - 1] = (int)c - 1;
			lua_pop(L, 1);
		}
		fixture_mem(L, job, fdef_add_head(mode, chans, (int)m));
		lua_pop(L, 1);
	}
}

static void fixture_parse_mode(lua_State *L, const struct fixture_job *job, int idx,
			       const char *name)
{
	static const char *const keys[] = { "heads", NULL };
	struct fdef_mode *mode;
	char ctx[FIXTURE_MODE_MAX + 16];
	lua_Integer n;

	idx = lua_absindex(L, idx);
	snprintf(ctx, sizeof ctx, "%s%s%s", name[0] ? "mode \"" : "", name, name[0] ? "\": " : "");
	if (!lua_istable(L, idx))
		fixture_fail(L, job, "%schannels must be a list, not %s", ctx,
			     luaL_typename(L, idx));
	n = (lua_Integer)lua_rawlen(L, idx);
	if (n == 0)
		fixture_fail(L, job, "%schannels is empty", ctx);
	if (n > GL_DMX_SLOTS)
		fixture_fail(L, job, "%s%d channels, at most %d", ctx, (int)n, GL_DMX_SLOTS);
	fixture_check_keys(L, job, idx, ctx, keys, n);
	mode = fixture_mem(L, job, fdef_add_mode(job->def, name[0] ? name : "default"));
	for (int i = 0; i < (int)n; i++) {
		struct fdef_channel *ch = fixture_mem(L, job, fdef_add_channel(mode));

		lua_rawgeti(L, idx, i + 1);
		fixture_parse_channel(L, job, -1, ctx, i + 1, ch);
		lua_pop(L, 1);
	}
	fixture_field(L, idx, "heads");
	if (!lua_isnil(L, -1))
		fixture_parse_heads(L, job, -1, ctx, mode);
	lua_pop(L, 1);
	/* Two addressable channels of one attribute in one part: a typo, or a
	 * repeat that wants fixed = true. */
	for (int p = 0; p <= mode->head_count; p++) {
		int first[GL_ATTR_COUNT];

		for (int a = 0; a < GL_ATTR_COUNT; a++)
			first[a] = -1;
		for (int c = 0; c < mode->channel_count; c++) {
			const struct fdef_channel *ch = &mode->channels[c];
			int head = 0;

			if (ch->fixed)
				continue;
			for (int h = 0; h < mode->head_count; h++)
				for (int k = 0; k < mode->heads[h].count; k++)
					if (mode->heads[h].channels[k] == c)
						head = h + 1;
			if (head != p)
				continue;
			if (first[ch->attr] >= 0)
				fixture_fail(L, job, "%schannel %d: '%s' is listed twice (channel %d; "
					     "mark a repeat fixed = true)", ctx, c + 1,
					     gl_attr_name((enum gl_attr)ch->attr), first[ch->attr] + 1);
			first[ch->attr] = c;
		}
	}
	if (fdef_mode_slots(mode) > GL_DMX_SLOTS)
		fixture_fail(L, job, "%schannels past %d slots", ctx, GL_DMX_SLOTS);
}

static int fixture_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* modes = { name = channels, ... } with mode_order listing some of them
 * first: modes in mode_order's order, then the rest by name. */
static void fixture_parse_modes(lua_State *L, const struct fixture_job *job, int modes_idx,
				int order_idx)
{
	const char *names[FIXTURE_MODES_MAX];
	char (*copies)[FIXTURE_MODE_MAX];
	int n = 0;

	modes_idx = lua_absindex(L, modes_idx);
	order_idx = lua_absindex(L, order_idx);
	if (!lua_istable(L, modes_idx))
		fixture_fail(L, job, "modes must be a table of name = channels");
	/* The names are copied: a pointer into a Lua string is good only while
	 * something holds that string, and parsing a mode allocates (and so
	 * may collect). The userdata stays on the stack until we return. */
	copies = lua_newuserdatauv(L, FIXTURE_MODES_MAX * sizeof *copies, 0);
	lua_pushnil(L);
	while (lua_next(L, modes_idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			fixture_fail(L, job, "modes: mode names must be strings");
		if (lua_rawlen(L, -1) >= FIXTURE_MODE_MAX || lua_rawlen(L, -1) == 0 ||
		    strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1))
			fixture_fail(L, job, "modes: mode name \"%.*s\" must be 1..%d bytes, "
				     "no NUL", FIXTURE_MODE_MAX, lua_tostring(L, -1), FIXTURE_MODE_MAX - 1);
		if (n == FIXTURE_MODES_MAX)
			fixture_fail(L, job, "modes: more than %d modes", FIXTURE_MODES_MAX);
		memcpy(copies[n], lua_tostring(L, -1), lua_rawlen(L, -1) + 1);
		names[n] = copies[n];
		n++;
	}
	if (n == 0)
		fixture_fail(L, job, "modes is empty");
	qsort(names, (size_t)n, sizeof *names, fixture_cmp_str);
	if (!lua_isnil(L, order_idx)) {
		lua_Integer m;

		if (!lua_istable(L, order_idx))
			fixture_fail(L, job, "mode_order must be a list of mode names");
		m = (lua_Integer)lua_rawlen(L, order_idx);
		for (lua_Integer i = 1; i <= m; i++) {
			lua_rawgeti(L, order_idx, i);
			if (lua_type(L, -1) != LUA_TSTRING)
				fixture_fail(L, job, "mode_order[%d] must be a string", (int)i);
			lua_pushvalue(L, -1);
			if (lua_rawget(L, modes_idx) == LUA_TNIL)
				fixture_fail(L, job, "mode_order[%d]: no mode \"%s\"", (int)i,
					     lua_tostring(L, -2));
			if (fdef_find_mode(job->def, lua_tostring(L, -2)))
				fixture_fail(L, job, "mode_order[%d]: \"%s\" listed twice", (int)i,
					     lua_tostring(L, -2));
			fixture_parse_mode(L, job, -1, lua_tostring(L, -2));
			lua_pop(L, 2);
		}
		job->def->default_mode = m > 0 ? 0 : -1;
	}
	for (int i = 0; i < n; i++) {
		if (fdef_find_mode(job->def, names[i]))
			continue;
		fixture_field(L, modes_idx, names[i]);
		fixture_parse_mode(L, job, -1, names[i]);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);          /* the copies */
	if (lua_isnil(L, order_idx) || job->def->default_mode < 0) {
		job->def->default_mode = -1;
		for (int m = 0; m < job->def->mode_count; m++)
			if (strcmp(job->def->modes[m].name, "default") == 0)
				job->def->default_mode = m;
		if (job->def->mode_count == 1)
			job->def->default_mode = 0;
	}
}

static void fixture_parse_physical(lua_State *L, const struct fixture_job *job, int idx)
{
	static const char *const keys[] = { "weight", "power", "beam", "emitters", NULL };
	struct fdef *def = job->def;
	double v;

	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx))
		fixture_fail(L, job, "physical must be a table");
	fixture_check_keys(L, job, idx, "physical: ", keys, 0);
	if (fixture_num(L, job, idx, "weight", "physical: ", 0, 10000, &v))
		def->weight_kg = (float)v;
	if (fixture_num(L, job, idx, "power", "physical: ", 0, 1e6, &v))
		def->power_w = (float)v;
	fixture_field(L, idx, "beam");
	if (!lua_isnil(L, -1)) {
		if (!lua_istable(L, -1))
			fixture_fail(L, job, "physical: beam must be { min, max } degrees");
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1) ||
		    !(lua_tonumber(L, -2) >= 0) || !(lua_tonumber(L, -1) <= 360) ||
		    lua_tonumber(L, -2) > lua_tonumber(L, -1))
			fixture_fail(L, job, "physical: beam must be { min, max } degrees");
		def->beam_min_deg = (float)lua_tonumber(L, -2);
		def->beam_max_deg = (float)lua_tonumber(L, -1);
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	fixture_field(L, idx, "emitters");
	if (!lua_isnil(L, -1)) {
		lua_Integer n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : -1;

		if (n < 0)
			fixture_fail(L, job, "physical: emitters must be a list of "
				     "{ \"name\", \"#rrggbb\" }");
		for (lua_Integer i = 1; i <= n; i++) {
			float rgb[3];

			lua_rawgeti(L, -1, i);
			if (!lua_istable(L, -1))
				fixture_fail(L, job, "physical: emitters[%d] must be "
					     "{ \"name\", \"#rrggbb\" }", (int)i);
			lua_rawgeti(L, -1, 1);
			lua_rawgeti(L, -2, 2);
			if (lua_type(L, -2) != LUA_TSTRING)
				fixture_fail(L, job, "physical: emitters[%d] needs a name", (int)i);
			fixture_color(L, job, -1, "physical: emitters: ", rgb);
			if (fdef_add_emitter(def, lua_tostring(L, -2), rgb))
				fixture_fail(L, job, "out of memory");
			lua_pop(L, 3);
		}
	}
	lua_pop(L, 1);
}

static double fixture_range(lua_State *L, const struct fixture_job *job, int idx,
			    const char *key)
{
	double v;

	fixture_field(L, idx, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0.0;
	}
	v = lua_tonumber(L, -1);
	if (!lua_isnumber(L, -1) || !(v > 0.0 && v <= FIXTURE_RANGE_MAX_DEG))
		fixture_fail(L, job, "%s must be degrees, 0..%g", key, FIXTURE_RANGE_MAX_DEG);
	lua_pop(L, 1);
	return v;
}

static int fixture_parse_cf(lua_State *L)
{
	static const char *const keys[] = {
		"name", "manufacturer", "channels", "modes", "mode_order",
		"pan_range", "tilt_range", "physical", NULL
	};
	struct fixture_job *job = lua_touserdata(L, 1);
	struct fdef *def = job->def;
	char err[FDEF_ERR_MAX];

	lua_settop(L, 1);
	lua_newtable(L);                            /* 2: the file's empty env */
	sandbox_dofile(L, job->path, 2, 1);         /* 3: what it returned */
	if (!lua_istable(L, 3))
		fixture_fail(L, job, "must return a table, not %s", luaL_typename(L, 3));
	fixture_check_keys(L, job, 3, "", keys, 0);

	fixture_field(L, 3, "name");                /* 4 */
	if (lua_isnil(L, 4)) {
		const char *base = strrchr(job->path, '/');
		char name[GL_NAME_MAX];

		snprintf(name, sizeof name, "%s", base ? base + 1 : job->path);
		if (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".lua") == 0)
			name[strlen(name) - 4] = '\0';
		fixture_mem(L, job, fdef_set_str(&def->name, name) ? NULL : def);
	} else if (lua_type(L, 4) != LUA_TSTRING || lua_rawlen(L, 4) >= GL_NAME_MAX ||
		   lua_rawlen(L, 4) == 0) {
		fixture_fail(L, job, "name must be a string of 1..%d bytes", GL_NAME_MAX - 1);
	} else {
		fixture_mem(L, job, fdef_set_str(&def->name, lua_tostring(L, 4)) ? NULL : def);
	}
	fixture_str(L, job, 3, "manufacturer", "", &def->manufacturer);
	def->pan_range_deg = (float)fixture_range(L, job, 3, "pan_range");
	def->tilt_range_deg = (float)fixture_range(L, job, 3, "tilt_range");
	fixture_field(L, 3, "physical");
	if (!lua_isnil(L, -1))
		fixture_parse_physical(L, job, -1);
	lua_pop(L, 1);

	fixture_field(L, 3, "channels");            /* 5 */
	fixture_field(L, 3, "modes");               /* 6 */
	fixture_field(L, 3, "mode_order");          /* 7 */
	if (!lua_isnil(L, 5) && !lua_isnil(L, 6))
		fixture_fail(L, job, "give either channels or modes, not both");
	if (!lua_isnil(L, 7) && lua_isnil(L, 6))
		fixture_fail(L, job, "mode_order without modes");
	if (!lua_isnil(L, 6)) {
		fixture_parse_modes(L, job, 6, 7);
	} else if (!lua_isnil(L, 5)) {
		fixture_parse_mode(L, job, 5, "");
		job->single = true;
		def->default_mode = 0;
	} else {
		fixture_fail(L, job, "no channels");
	}
	for (int m = 0; m < def->mode_count; m++) {
		const struct fdef_mode *mode = &def->modes[m];

		for (int c = 0; c < mode->channel_count; c++) {
			int a = mode->channels[c].attr;

			if (a == GL_ATTR_PAN && !(def->pan_range_deg > 0))
				fixture_fail(L, job, "has a pan channel but no pan_range");
			if (a == GL_ATTR_TILT && !(def->tilt_range_deg > 0))
				fixture_fail(L, job, "has a tilt channel but no tilt_range");
		}
	}
	if (fdef_check(def, err, sizeof err) != 0)
		fixture_fail(L, job, "%s", err);
	return 0;
}

static bool fixture_has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	return n > e && strcasecmp(path + n - e, ext) == 0;
}

int fixture_file_load_def(lua_State *L, const char *path, struct fdef **def_out,
			  bool *single_mode, char *err, size_t err_len)
{
	struct fixture_job job = { path, NULL, false };
	int status, rc, base;

	*def_out = NULL;
	if (single_mode)
		*single_mode = false;
	if (fixture_has_ext(path, ".qxf") || fixture_has_ext(path, ".json")) {
		rc = fixture_has_ext(path, ".qxf") ? import_qxf_file(path, def_out, err, err_len)
						  : import_ofl_file(path, def_out, err, err_len);
		if (rc < 0)
			sandbox_escape(err, err_len);     /* names from the file */
		return rc;
	}
	if (!L) {
		snprintf(err, err_len, "%s: not a .lua, .qxf or .json fixture file", path);
		return GL_EINVAL;
	}
	job.def = fdef_create();
	if (!job.def) {
		snprintf(err, err_len, "%s: out of memory", path);
		return GL_ENOMEM;
	}
	/* A fixture file gets no methods at all: strings lose their metatable
	 * (the show's, which the file could otherwise reach through
	 * ("").anything) while it runs and is parsed, and get it back after. */
	if (!lua_checkstack(L, 8)) {
		fdef_destroy(job.def);
		snprintf(err, err_len, "%s: out of memory", path);
		return GL_ENOMEM;
	}
	base = lua_gettop(L);
	lua_pushliteral(L, "");                             /* base + 1 */
	if (!lua_getmetatable(L, base + 1))
		lua_pushnil(L);                             /* base + 2 */
	lua_pushnil(L);
	lua_setmetatable(L, base + 1);
	lua_pushcfunction(L, fixture_parse_cf);
	lua_pushlightuserdata(L, &job);
	status = lua_pcall(L, 1, 0, 0);                     /* error: base + 3 */
	lua_pushvalue(L, base + 2);
	lua_setmetatable(L, base + 1);
	lua_remove(L, base + 1);
	lua_remove(L, base + 1);
	if (status == LUA_OK) {
		*def_out = job.def;
		if (single_mode)
			*single_mode = job.single;
		return 0;
	}
	fdef_destroy(job.def);
	if (sandbox_exhausted(L))
		rc = GL_EBUDGET;
	else if (status == LUA_ERRMEM)
		rc = GL_ENOMEM;
	else
		rc = GL_EINVAL;
	if (rc == GL_ENOMEM)
		snprintf(err, err_len, "%s: memory limit exceeded", path);
	else if (lua_type(L, -1) == LUA_TSTRING)
		snprintf(err, err_len, "%s", lua_tostring(L, -1));
	else
		snprintf(err, err_len, "%s: (error object is a %s value)", path,
			 luaL_typename(L, -1));
	lua_pop(L, 1);
	sandbox_escape(err, err_len);
	return rc;
}

struct fixture_read_job {
	const char *path;
	struct fdef *def;
	int rc;
	char *err;
	size_t err_len;
};

static int fixture_read_cf(lua_State *L)
{
	struct fixture_read_job *j = lua_touserdata(L, 1);

	j->rc = fixture_file_load_def(L, j->path, &j->def, NULL, j->err, j->err_len);
	return 0;
}

int fixture_file_read(const char *path, struct fdef **def, char *err, size_t err_len)
{
	struct fixture_read_job job = { path, NULL, 0, err, err_len };
	struct sandbox *sb;
	lua_State *L;
	int rc;

	*def = NULL;
	if (fixture_is_import(path))
		return fixture_file_load_def(NULL, path, def, NULL, err, err_len);
	sb = sandbox_create(FIXTURE_READ_MEMORY, NULL, 0, NULL, NULL);
	if (!sb) {
		snprintf(err, err_len, "%s: out of memory", path);
		return GL_ENOMEM;
	}
	sandbox_set_time_limit(sb, FIXTURE_READ_SECONDS, "the fixture file");
	L = sandbox_state(sb);
	lua_pushcfunction(L, fixture_read_cf);
	lua_pushlightuserdata(L, &job);
	rc = sandbox_call(sb, 1, 0, FIXTURE_READ_BUDGET, err, err_len);
	sandbox_destroy(sb);
	if (rc == 0)
		rc = job.rc;
	if (rc == 0)
		*def = job.def;
	else
		fdef_destroy(job.def);
	return rc;
}

int fixture_def_mode(const struct fdef *def, const char *mode, const struct fdef_mode **out,
		     char *err, size_t err_len)
{
	const char *names[FIXTURE_MODES_MAX];
	char list[300];
	size_t used = 0;
	int n = 0;

	for (int m = 0; m < def->mode_count && n < FIXTURE_MODES_MAX; m++)
		names[n++] = def->modes[m].name;
	qsort(names, (size_t)n, sizeof *names, fixture_cmp_str);
	list[0] = '\0';
	for (int i = 0; i < n && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
					 names[i]);
	if (mode && mode[0]) {
		*out = fdef_find_mode(def, mode);
		if (*out)
			return 0;
		snprintf(err, err_len, "no mode \"%s\" (modes: %s)", mode, list);
		return GL_ENOENT;
	}
	if (def->default_mode < 0 || def->default_mode >= def->mode_count) {
		snprintf(err, err_len, "several modes and no default; pick one with "
			 "mode = ... (modes: %s)", list);
		return GL_ENOENT;
	}
	*out = &def->modes[def->default_mode];
	return 0;
}

int fixture_file_load(lua_State *L, const char *path, const char *mode,
		      struct gl_fixture_type *type, char *mode_out, size_t mode_len,
		      char *err, size_t err_len)
{
	struct fdef *def;
	const struct fdef_mode *m = NULL;
	struct fdef_part *parts;
	bool single;
	char msg[FDEF_ERR_MAX];
	int rc, n;

	memset(type, 0, sizeof *type);
	rc = fixture_file_load_def(L, path, &def, &single, err, err_len);
	if (rc < 0)
		return rc;
	if (single && mode && mode[0]) {
		snprintf(err, err_len, "%s: has no modes (mode \"%s\" asked for)", path, mode);
		fdef_destroy(def);
		return GL_EINVAL;
	}
	rc = fixture_def_mode(def, mode, &m, msg, sizeof msg);
	if (rc == 0) {
		n = fdef_parts(def, m, def->name, &parts, msg, sizeof msg);
		if (n == 1) {
			*type = parts[0].type;
			snprintf(mode_out, mode_len, "%s", single ? "" : m->name);
		} else if (n > 1) {
			snprintf(msg, sizeof msg, "mode \"%s\" has %d heads", m->name, n - 1);
			n = GL_EINVAL;
		}
		if (n > 0)
			free(parts);
		rc = n < 0 ? n : n == 1 ? 0 : GL_EINVAL;
	}
	if (rc < 0)
		snprintf(err, err_len, "%s: %s", path, msg);
	fdef_destroy(def);
	return rc < 0 ? GL_EINVAL : 0;
}
