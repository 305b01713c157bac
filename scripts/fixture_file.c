/*
 * fixture_file.c - finds fixture type files and turns the table one returns
 * into a struct gl_fixture_type (channels, 8/16-bit, defaults, pan/tilt
 * range, modes).
 *
 * Control thread, called from a show declaration while the show loads: the
 * file runs in its own empty env under the load's instruction budget. Every
 * error names the file (and the channel or mode); the caller adds the show
 * file's line.
 */
#include "fixture_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "sandbox.h"

#define FIXTURE_RANGE_MAX_DEG 10000.0
#define FIXTURE_MODES_MAX 64

struct fixture_job {
	const char *path;
	const char *mode;
	struct gl_fixture_type *type;
	char *mode_out;
	size_t mode_len;
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

int fixture_file_find(const char *show_dir, const char *type_name, char *path,
		      size_t path_len, char *err, size_t err_len)
{
	char dir[1024];
	const char *env;

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
#ifdef GL_SOURCE_DIR
	if (fixture_try(GL_SOURCE_DIR "/fixtures", strlen(GL_SOURCE_DIR "/fixtures"),
			type_name, path, path_len))
		return 0;
#endif
#ifdef GL_DATA_DIR
	if (fixture_try(GL_DATA_DIR "/fixtures", strlen(GL_DATA_DIR "/fixtures"),
			type_name, path, path_len))
		return 0;
#endif
	snprintf(err, err_len, "unknown fixture type \"%s\" (no %s.lua in the show's "
		 "fixtures/, $GHOSTLIGHT_FIXTURES or the fixture library)", type_name, type_name);
	return GL_ENOENT;
}

/* ---- parsing (inside a protected call: errors are raised) ------------------- */

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

/* One channel: "red" or { "pan", bits = 16, default = 0.5 }. Pan and tilt
 * default to the centre (0.5), everything else to 0. */
static void fixture_parse_channel(lua_State *L, const struct fixture_job *job, int idx,
				  const char *ctx, int channel, struct gl_channel *ch)
{
	static const char *const keys[] = { "bits", "default", NULL };

	idx = lua_absindex(L, idx);
	ch->bytes = 1;
	if (lua_type(L, idx) == LUA_TSTRING) {
		ch->attr = (enum gl_attr)fixture_attr(L, job, idx, ctx, channel);
	} else if (lua_istable(L, idx)) {
		char sub[96];

		snprintf(sub, sizeof sub, "%schannel %d: ", ctx, channel);
		fixture_check_keys(L, job, idx, sub, keys, 1);
		lua_rawgeti(L, idx, 1);
		ch->attr = (enum gl_attr)fixture_attr(L, job, -1, ctx, channel);
		lua_pop(L, 1);
		lua_getfield(L, idx, "bits");
		if (!lua_isnil(L, -1)) {
			if (!lua_isinteger(L, -1) ||
			    (lua_tointeger(L, -1) != 8 && lua_tointeger(L, -1) != 16))
				fixture_fail(L, job, "%sbits must be 8 or 16", sub);
			ch->bytes = lua_tointeger(L, -1) == 16 ? 2 : 1;
		}
		lua_pop(L, 1);
	} else {
		fixture_fail(L, job, "%schannel %d must be an attribute name or a table, "
			     "not %s", ctx, channel, luaL_typename(L, idx));
	}
	ch->default_value = ch->attr == GL_ATTR_PAN || ch->attr == GL_ATTR_TILT ? 0.5f : 0.0f;
	if (lua_istable(L, idx)) {
		lua_getfield(L, idx, "default");
		if (!lua_isnil(L, -1)) {
			double v = lua_tonumber(L, -1);

			if (!lua_isnumber(L, -1) || !(v >= 0.0 && v <= 1.0))
				fixture_fail(L, job, "%schannel %d: default must be a number "
					     "0..1", ctx, channel);
			ch->default_value = (float)v;
		}
		lua_pop(L, 1);
	}
}

static void fixture_parse_channels(lua_State *L, const struct fixture_job *job, int idx,
				   const char *ctx, struct gl_fixture_type *t)
{
	lua_Integer n;
	bool seen[GL_ATTR_COUNT] = { false };

	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx))
		fixture_fail(L, job, "%schannels must be a list, not %s", ctx,
			     luaL_typename(L, idx));
	n = (lua_Integer)lua_rawlen(L, idx);
	if (n == 0)
		fixture_fail(L, job, "%schannels is empty", ctx);
	if (n > GL_MAX_CHANNELS)
		fixture_fail(L, job, "%s%d channels, at most %d", ctx, (int)n, GL_MAX_CHANNELS);
	fixture_check_keys(L, job, idx, ctx, NULL, n);
	t->channel_count = (int)n;
	for (int i = 0; i < (int)n; i++) {
		struct gl_channel *ch = &t->channels[i];

		lua_rawgeti(L, idx, i + 1);
		fixture_parse_channel(L, job, -1, ctx, i + 1, ch);
		lua_pop(L, 1);
		if (seen[ch->attr])
			fixture_fail(L, job, "%schannel %d: '%s' is listed twice", ctx, i + 1,
				     gl_attr_name(ch->attr));
		seen[ch->attr] = true;
	}
}

static int fixture_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b, c": the modes of the table at idx, sorted. */
static void fixture_mode_list(lua_State *L, int idx, char *out, size_t len)
{
	const char *names[FIXTURE_MODES_MAX];
	int n = 0;
	size_t used = 0;

	idx = lua_absindex(L, idx);
	out[0] = '\0';
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		/* Keys stay alive while the table is on the stack. */
		if (lua_type(L, -1) == LUA_TSTRING && n < FIXTURE_MODES_MAX)
			names[n++] = lua_tostring(L, -1);
	}
	qsort(names, (size_t)n, sizeof *names, fixture_cmp_str);
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

/* Picks the mode's channel list (pushed) from `modes` at idx. */
static void fixture_pick_mode(lua_State *L, const struct fixture_job *job, int modes_idx,
			      int order_idx)
{
	char list[300];
	const char *mode = job->mode && job->mode[0] ? job->mode : NULL;

	modes_idx = lua_absindex(L, modes_idx);
	if (!lua_istable(L, modes_idx))
		fixture_fail(L, job, "modes must be a table of name = channels");
	lua_pushnil(L);
	while (lua_next(L, modes_idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			fixture_fail(L, job, "modes: mode names must be strings");
		if (strlen(lua_tostring(L, -1)) >= FIXTURE_MODE_MAX)
			fixture_fail(L, job, "modes: mode name \"%s\" is too long",
				     lua_tostring(L, -1));
	}
	fixture_mode_list(L, modes_idx, list, sizeof list);
	if (list[0] == '\0')
		fixture_fail(L, job, "modes is empty");
	if (!lua_isnil(L, order_idx)) {
		lua_Integer n;

		if (!lua_istable(L, order_idx))
			fixture_fail(L, job, "mode_order must be a list of mode names");
		n = (lua_Integer)lua_rawlen(L, order_idx);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, order_idx, i);
			if (lua_type(L, -1) != LUA_TSTRING)
				fixture_fail(L, job, "mode_order[%d] must be a string", (int)i);
			lua_pushvalue(L, -1);
			if (lua_rawget(L, modes_idx) == LUA_TNIL)
				fixture_fail(L, job, "mode_order[%d]: no mode \"%s\" (modes: %s)",
					     (int)i, lua_tostring(L, -2), list);
			lua_pop(L, 2);
		}
		if (!mode && n > 0) {
			lua_rawgeti(L, order_idx, 1);
			mode = lua_tostring(L, -1);     /* kept alive on the stack */
		}
	}
	if (!mode) {
		lua_getfield(L, modes_idx, "default");
		if (lua_isnil(L, -1))
			fixture_fail(L, job, "several modes and no default; pick one with "
				     "mode = ... (modes: %s)", list);
		lua_pop(L, 1);
		mode = "default";
	}
	snprintf(job->mode_out, job->mode_len, "%s", mode);
	lua_getfield(L, modes_idx, mode);
	if (lua_isnil(L, -1))
		fixture_fail(L, job, "no mode \"%s\" (modes: %s)", mode, list);
}

static double fixture_range(lua_State *L, const struct fixture_job *job, int idx,
			    const char *key)
{
	double v;

	lua_getfield(L, idx, key);
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

static bool fixture_has(const struct gl_fixture_type *t, enum gl_attr attr)
{
	for (int i = 0; i < t->channel_count; i++)
		if (t->channels[i].attr == attr)
			return true;
	return false;
}

static int fixture_parse_cf(lua_State *L)
{
	static const char *const keys[] = {
		"name", "manufacturer", "channels", "modes", "mode_order",
		"pan_range", "tilt_range", NULL
	};
	struct fixture_job *job = lua_touserdata(L, 1);
	struct gl_fixture_type *t = job->type;
	double pan, tilt;

	lua_settop(L, 1);
	lua_newtable(L);                            /* 2: the file's empty env */
	sandbox_dofile(L, job->path, 2, 1);         /* 3: what it returned */
	if (!lua_istable(L, 3))
		fixture_fail(L, job, "must return a table, not %s", luaL_typename(L, 3));
	fixture_check_keys(L, job, 3, "", keys, 0);

	lua_getfield(L, 3, "name");                 /* 4 */
	if (lua_isnil(L, 4)) {
		const char *base = strrchr(job->path, '/');

		snprintf(t->name, sizeof t->name, "%s", base ? base + 1 : job->path);
		if (strlen(t->name) > 4)
			t->name[strlen(t->name) - 4] = '\0';   /* ".lua" */
	} else if (lua_type(L, 4) != LUA_TSTRING || lua_rawlen(L, 4) >= sizeof t->name) {
		fixture_fail(L, job, "name must be a string of at most %d bytes",
			     (int)sizeof t->name - 1);
	} else {
		snprintf(t->name, sizeof t->name, "%s", lua_tostring(L, 4));
	}
	pan = fixture_range(L, job, 3, "pan_range");
	tilt = fixture_range(L, job, 3, "tilt_range");

	lua_getfield(L, 3, "channels");             /* 5 */
	lua_getfield(L, 3, "modes");                /* 6 */
	lua_getfield(L, 3, "mode_order");           /* 7 */
	job->mode_out[0] = '\0';
	if (!lua_isnil(L, 5) && !lua_isnil(L, 6))
		fixture_fail(L, job, "give either channels or modes, not both");
	if (!lua_isnil(L, 7) && lua_isnil(L, 6))
		fixture_fail(L, job, "mode_order without modes");
	if (!lua_isnil(L, 6)) {
		char ctx[FIXTURE_MODE_MAX + 16];

		fixture_pick_mode(L, job, 6, 7);    /* pushes the channel list */
		snprintf(ctx, sizeof ctx, "mode \"%s\": ", job->mode_out);
		fixture_parse_channels(L, job, -1, ctx, t);
	} else if (!lua_isnil(L, 5)) {
		if (job->mode && job->mode[0])
			fixture_fail(L, job, "has no modes (mode \"%s\" asked for)", job->mode);
		fixture_parse_channels(L, job, 5, "", t);
	} else {
		fixture_fail(L, job, "no channels");
	}

	if (fixture_has(t, GL_ATTR_PAN) && pan <= 0.0)
		fixture_fail(L, job, "has a pan channel but no pan_range");
	if (fixture_has(t, GL_ATTR_TILT) && tilt <= 0.0)
		fixture_fail(L, job, "has a tilt channel but no tilt_range");
	t->pan_range_deg = fixture_has(t, GL_ATTR_PAN) ? (float)pan : 0.0f;
	t->tilt_range_deg = fixture_has(t, GL_ATTR_TILT) ? (float)tilt : 0.0f;
	if (gl_fixture_type_finish(t) != 0)
		fixture_fail(L, job, "footprint over %d slots", GL_DMX_SLOTS);
	return 0;
}

int fixture_file_load(lua_State *L, const char *path, const char *mode,
		      struct gl_fixture_type *type, char *mode_out, size_t mode_len,
		      char *err, size_t err_len)
{
	struct fixture_job job = { path, mode, type, mode_out, mode_len };
	int status, rc;

	memset(type, 0, sizeof *type);
	lua_pushcfunction(L, fixture_parse_cf);
	lua_pushlightuserdata(L, &job);
	status = lua_pcall(L, 1, 0, 0);
	if (status == LUA_OK)
		return 0;
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
	return rc;
}
