/*
 * show_schedule.c - schedules for unattended shows: at("18:00", fn),
 * at("sunset-00:30", { days = "mon-fri" }, fn), at("2026-12-24 18:00", fn),
 * the calendar forms of every() (every("minute"|"hour"|"day", fn)), the
 * declarations location { latitude, longitude } and schedule { missed = },
 * and running them on the wall clock (scripts/schedule.c does the
 * calendar and the sun).
 *
 * Control thread. Rules are kept as wall-clock instants (time_t) and
 * evaluated against the local time zone each time one fires, so a change
 * of the clocks (DST) or of the system time is followed; the poll loop's
 * timeout comes from gl_show_next_timer_ns(), which converts the nearest
 * one to the monotonic clock each time it is asked. A schedule whose time
 * came while the show was not running (a power cut, a restart) is handled
 * as declared: missed = "catch_up" runs the last firing of each rule that
 * was due (within SCHED_CATCH_UP_DAYS; after a resume from the journal,
 * only those that came after it was written), oldest first, when the show
 * starts - the state that should be live; "skip" (the default) runs nothing
 * until the next time comes. A handler gets (time, late): the scheduled
 * instant (seconds since the epoch) and whether it is a catch-up - at
 * start, or the latest of several that came while the show was held up
 * (then it runs once, not once for each).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "schedule.h"
#include "show_internal.h"

#define SCHED_CATCH_UP_DAYS 7
#define SCHED_ID_BASE ((lua_Integer)1 << 40)   /* above every timer id */

enum sched_kind { SCHED_RULE, SCHED_MINUTE, SCHED_HOUR };

struct show_sched {
	struct show_where at;
	enum sched_kind kind;
	struct gl_sched_rule rule;
	char text[48];               /* as written, for messages */
	bool catch_up;
	int catch_up_set;            /* -1: the show's policy */
	int ref;                     /* function in the registry */
	lua_Integer id;              /* 0: cancelled */
	time_t due;                  /* next firing; -1 none */
};

static time_t sched_wall(const struct gl_show *s)
{
	return s->wall_fn ? s->wall_fn(s->wall_ud) : time(NULL);
}

void gl_show_set_wall_clock(struct gl_show *s, time_t (*fn)(void *ud), void *ud)
{
	s->wall_fn = fn;
	s->wall_ud = ud;
}

void gl_show_set_catch_up_since(struct gl_show *s, time_t since)
{
	s->catch_up_since = since;
}

static const struct gl_location *sched_loc(const struct gl_show *s)
{
	return s->has_location ? &s->location : NULL;
}

static time_t sched_next(const struct gl_show *s, const struct show_sched *c, time_t after)
{
	switch (c->kind) {
	case SCHED_MINUTE:
		return (after / 60 + 1) * 60;
	case SCHED_HOUR: {
		/* an hour on from the start of this one on the local clock
		 * (zones at :30 too): across a change of the clocks that is
		 * the next hour the clock shows - 03:00 after 01:00 in spring,
		 * 02:00 twice in autumn - never two hours apart */
		struct tm tm;
		localtime_r(&after, &tm);
		return after - tm.tm_min * 60 - tm.tm_sec + 3600;
	}
	default:
		return gl_sched_next(&c->rule, sched_loc(s), after);
	}
}

/* The last firing at or before now; `known` is one that is. */
static time_t sched_latest(const struct gl_show *s, const struct show_sched *c, time_t now,
			   time_t known)
{
	struct tm tm;
	switch (c->kind) {
	case SCHED_MINUTE:
		return now - now % 60;
	case SCHED_HOUR:
		localtime_r(&now, &tm);
		return now - tm.tm_min * 60 - tm.tm_sec;
	default: {
		time_t t = gl_sched_prev(&c->rule, sched_loc(s), now, SCHED_CATCH_UP_DAYS);
		return t != (time_t)-1 && t > known ? t : known;
	}
	}
}

static struct show_sched *sched_at(struct gl_show *s, int i)
{
	return SHOW_AT(s->schedules, struct show_sched, i);
}

/* ---- declarations ----------------------------------------------------------------- */

/* Starts fn { ... } (location, schedule): only while the show loads, and
 * only a table at 1 whose keys are among the `count` keys; raises "fn:
 * expects <usage>" or "fn: only <keys>". Returns where it was called. */
static struct show_where sched_decl_begin(lua_State *L, struct gl_show *s, const char *fn,
					  const char *usage, const char *const *keys, int count,
					  const char *only)
{
	struct show_where at = show_where_here(L);
	if (s->phase != SHOW_LOADING)
		luaL_error(L, "%s() is only allowed while the show loads", fn);
	if (!lua_istable(L, 1))
		show_raise(L, at, "%s: expects %s", fn, usage);
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_pop(L, 1);
		int k = 0;
		while (k < count && (lua_type(L, -1) != LUA_TSTRING ||
				     strcmp(lua_tostring(L, -1), keys[k]) != 0))
			k++;
		if (k == count)
			show_raise(L, at, "%s: only %s", fn, only);
	}
	return at;
}

static int sched_decl_location(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	static const char *const keys[2] = { "latitude", "longitude" };
	struct show_where at = sched_decl_begin(
		L, s, "location", "{ latitude = 52.52, longitude = 13.40 }", keys, 2,
		"latitude and longitude (degrees, north and east positive)");
	double v[2];
	static const double lim[2] = { 90, 180 };
	for (int i = 0; i < 2; i++) {
		lua_pushstring(L, keys[i]);
		if (lua_rawget(L, 1) != LUA_TNUMBER)
			return show_raise(L, at, "location: %s must be a number of degrees", keys[i]);
		v[i] = lua_tonumber(L, -1);
		lua_pop(L, 1);
		if (!(fabs(v[i]) <= lim[i]))
			return show_raise(L, at, "location: %s %g is outside -%g..%g", keys[i], v[i],
					  lim[i], lim[i]);
	}
	if (s->has_location)
		return show_raise(L, at, "location: declared twice");
	s->location = (struct gl_location){ v[0], v[1] };
	s->has_location = true;
	return 0;
}

static int sched_decl_schedule(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	static const char *const keys[1] = { "missed" };
	struct show_where at = sched_decl_begin(L, s, "schedule",
						"{ missed = \"catch_up\" | \"skip\" }", keys, 1,
						"missed = \"catch_up\" | \"skip\"");
	lua_pushliteral(L, "missed");
	lua_rawget(L, 1);
	const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
	if (strcmp(m, "catch_up") && strcmp(m, "skip"))
		return show_raise(L, at, "schedule: missed must be \"catch_up\" (run the last of "
				  "each that was due, at start) or \"skip\"");
	s->catch_up = strcmp(m, "catch_up") == 0;
	return 0;
}

/* Adds a schedule whose function is at stack index fn; returns its id. */
static lua_Integer sched_add(lua_State *L, struct gl_show *s, struct show_sched *c, int fn)
{
	if (s->schedules.count >= SHOW_SCHEDULE_MAX)
		show_raise(L, c->at, "%s: a show may have at most %d schedules", c->text,
			   SHOW_SCHEDULE_MAX);
	show_vec_reserve(L, &s->schedules, sizeof *c);
	lua_pushvalue(L, fn);
	c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	c->id = SCHED_ID_BASE + ++s->schedule_seq;
	c->due = (time_t)-1;
	if (s->started)     /* made by a handler: due from now */
		c->due = sched_next(s, c, sched_wall(s));
	*(struct show_sched *)show_vec_push(L, &s->schedules, sizeof *c) = *c;
	return c->id;
}

/* at(when, fn) or at(when, { days = "mon-fri", catch_up = true }, fn) */
static int sched_api_at(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_sched c = { .at = show_where_here(L), .kind = SCHED_RULE, .catch_up_set = -1 };
	char err[200];
	int fn = 2;
	if (lua_type(L, 1) != LUA_TSTRING || lua_rawlen(L, 1) >= sizeof c.text)
		return luaL_error(L, "at: the first argument must be a time like \"18:00\", "
				  "\"sunset-00:30\" or \"2026-12-24 18:00\"");
	snprintf(c.text, sizeof c.text, "at(\"%s\")", lua_tostring(L, 1));
	if (gl_sched_parse(lua_tostring(L, 1), &c.rule, err, sizeof err) < 0)
		return show_raise(L, c.at, "at: %s", err);
	if (c.rule.anchor != GL_SCHED_CLOCK && !s->has_location)
		return show_raise(L, c.at, "%s: sunrise and sunset need the show's place: "
				  "location { latitude = ..., longitude = ... } before it", c.text);
	if (lua_istable(L, 2)) {
		fn = 3;
		lua_pushnil(L);
		while (lua_next(L, 2)) {
			lua_pop(L, 1);
			const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
			if (strcmp(k, "days") && strcmp(k, "catch_up"))
				return show_raise(L, c.at, "%s: options are days and catch_up", c.text);
		}
		lua_pushliteral(L, "days");
		if (lua_rawget(L, 2) != LUA_TNIL) {
			if (lua_type(L, -1) != LUA_TSTRING ||
			    gl_sched_parse_days(lua_tostring(L, -1), &c.rule.days, err, sizeof err) < 0)
				return show_raise(L, c.at, "%s: %s", c.text,
						  lua_type(L, -1) == LUA_TSTRING ? err
						  : "days must be text like \"mon-fri\"");
			if (c.rule.year)
				return show_raise(L, c.at, "%s: a date is one day: no days", c.text);
		}
		lua_pop(L, 1);
		lua_pushliteral(L, "catch_up");
		int t = lua_rawget(L, 2);
		if (t != LUA_TNIL && t != LUA_TBOOLEAN)
			return show_raise(L, c.at, "%s: catch_up must be true or false", c.text);
		if (t == LUA_TBOOLEAN)
			c.catch_up_set = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	if (!lua_isfunction(L, fn) || !lua_isnone(L, fn + 1))
		return luaL_error(L, "at: expects (time, [options,] function)");
	lua_pushinteger(L, sched_add(L, s, &c, fn));
	return 1;
}

int show_sched_every(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_sched c = { .at = show_where_here(L), .catch_up_set = 0 };
	const char *unit = lua_tostring(L, 1);
	snprintf(c.text, sizeof c.text, "every(\"%.20s\")", unit);
	if (strcmp(unit, "minute") == 0) {
		c.kind = SCHED_MINUTE;
	} else if (strcmp(unit, "hour") == 0) {
		c.kind = SCHED_HOUR;
	} else if (strcmp(unit, "day") == 0) {
		c.kind = SCHED_RULE;          /* midnight, local */
		c.rule.days = GL_SCHED_EVERY_DAY;
	} else {
		return luaL_error(L, "every: \"%s\": seconds, or \"minute\", \"hour\" or \"day\" (at "
				  "their start on the clock)", unit);
	}
	if (!lua_isfunction(L, 2) || !lua_isnone(L, 3))
		return luaL_error(L, "every: expects (\"%s\", function)", unit);
	lua_pushinteger(L, sched_add(L, s, &c, 2));
	return 1;
}

bool show_sched_cancel(struct gl_show *s, lua_Integer id)
{
	for (int i = 0; i < s->schedules.count; i++) {
		struct show_sched *c = sched_at(s, i);
		if (c->id == id) {
			luaL_unref(sandbox_state(s->sb), LUA_REGISTRYINDEX, c->ref);
			c->id = 0;
			c->due = (time_t)-1;
			return true;
		}
	}
	return false;
}

void show_sched_register(lua_State *L, struct gl_show *show)
{
	static const luaL_Reg fns[] = {
		{ "at", sched_api_at },
		{ "location", sched_decl_location },
		{ "schedule", sched_decl_schedule },
		{ NULL, NULL },
	};
	lua_pushlightuserdata(L, show);
	luaL_setfuncs(L, fns, 1);
}

/* ---- running ------------------------------------------------------------------------ */

static void sched_fire(struct gl_show *s, struct show_sched *c, time_t when, bool late)
{
	lua_State *L = sandbox_state(s->sb);
	char what[SHOW_PATH_MAX + 96];
	snprintf(what, sizeof what, "%s handler (%s:%d)", c->text, c->at.file, c->at.line);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
	lua_pushinteger(L, (lua_Integer)when);
	lua_pushboolean(L, late);
	show_run_handler(s, 2, what);
}

struct sched_missed {
	time_t when;
	int index;
};

static int sched_cmp_missed(const void *a, const void *b)
{
	const struct sched_missed *x = a, *y = b;
	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return x->index - y->index;
}

void show_sched_start(struct gl_show *s)
{
	time_t now = sched_wall(s);
	int n = s->schedules.count;
	struct sched_missed *missed = malloc((size_t)(n ? n : 1) * sizeof *missed);
	int m = 0;
	for (int i = 0; i < n; i++) {
		struct show_sched *c = sched_at(s, i);
		c->catch_up = c->catch_up_set < 0 ? s->catch_up : c->catch_up_set;
		c->due = sched_next(s, c, now);
		if (!c->catch_up || c->kind != SCHED_RULE || !missed)
			continue;
		time_t last = gl_sched_prev(&c->rule, sched_loc(s), now, SCHED_CATCH_UP_DAYS);
		if (last != (time_t)-1 && last > s->catch_up_since)
			missed[m++] = (struct sched_missed){ last, i };
	}
	if (!missed) {
		show_ring_push(s, "schedules: out of memory: missed schedules not caught up");
		return;
	}
	/* oldest first: the newest state is what stays */
	qsort(missed, (size_t)m, sizeof *missed, sched_cmp_missed);
	for (int i = 0; i < m; i++) {
		struct show_sched *c = sched_at(s, missed[i].index);
		if (c->id)
			sched_fire(s, c, missed[i].when, true);
	}
	free(missed);
}

void show_sched_run(struct gl_show *s)
{
	time_t now = sched_wall(s);
	int n = s->schedules.count;   /* those a handler adds wait for the next call */
	for (int i = 0; i < n; i++) {
		struct show_sched *c = sched_at(s, i);
		if (!c->id || c->due == (time_t)-1 || c->due > now)
			continue;
		time_t when = c->due;
		c->due = sched_next(s, c, when);
		bool stalled = c->due != (time_t)-1 && c->due <= now;
		if (stalled) {
			/* more than one came while we were held up (a suspend,
			 * a long handler, the clock set forward): once, for the
			 * latest - the state that should be live - marked late;
			 * never a burst of the ones that went by */
			when = sched_latest(s, c, now, c->due);
			c->due = sched_next(s, c, now);
		}
		sched_fire(s, c, when, stalled);   /* c is stale after: the handler may add */
	}
}

time_t gl_show_next_schedule(const struct gl_show *s)
{
	time_t best = (time_t)-1;
	for (int i = 0; i < s->schedules.count; i++) {
		const struct show_sched *c = SHOW_AT(s->schedules, struct show_sched, i);
		if (c->id && c->due != (time_t)-1 && (best == (time_t)-1 || c->due < best))
			best = c->due;
	}
	return best;
}

/* The nearest due schedule as a monotonic instant (0: none). */
uint64_t show_sched_next_ns(const struct gl_show *s, uint64_t now_ns)
{
	time_t now = sched_wall(s), best = gl_show_next_schedule(s);
	if (best == (time_t)-1)
		return 0;
	return best <= now ? now_ns : now_ns + (uint64_t)(best - now) * GL_NS_PER_S;
}

void show_sched_free(struct gl_show *s)
{
	show_vec_free(&s->schedules);
}
