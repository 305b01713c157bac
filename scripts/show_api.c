/*
 * show_api.c - what a show's handlers do at run time: engine commands
 * (go back stop pause resume set_fader list_master grand_master blackout),
 * log, the handlers themselves (on_cue, every, after, cancel), the timer
 * schedule (a min-heap) and the error ring. One handler call may send
 * SHOW_CALL_COMMANDS_MAX commands and log SHOW_CALL_LOG_MAX lines.
 *
 * Control thread. While the show loads, commands are queued (resolved at
 * build, sent by gl_show_start()); afterwards they are resolved at once
 * and a bad name is a Lua error at the caller's line. Each handler runs
 * under GL_SHOW_HANDLER_BUDGET; its failure becomes one line in the ring
 * and the next handler runs as usual.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "show_internal.h"

#define API_TIMER_MIN_S 0.001
#define API_TIMER_MAX_S 1e6

/* ---- error ring and log ------------------------------------------------------ */

void show_ring_push(struct gl_show *s, const char *fmt, ...)
{
	va_list ap;
	int slot;

	if (s->ring_count == SHOW_ERROR_RING) {
		/* Keep the newest: drop the oldest and say so when read. */
		s->ring_head = (s->ring_head + 1) % SHOW_ERROR_RING;
		s->ring_count--;
		s->ring_dropped++;
	}
	slot = (s->ring_head + s->ring_count) % SHOW_ERROR_RING;
	va_start(ap, fmt);
	vsnprintf(s->ring[slot], sizeof s->ring[slot], fmt, ap);
	va_end(ap);
	s->ring_count++;
}

bool gl_show_take_error(struct gl_show *s, char *buf, size_t len)
{
	if (s->ring_dropped) {
		snprintf(buf, len, "(%u earlier messages dropped)", s->ring_dropped);
		s->ring_dropped = 0;
		return true;
	}
	if (s->ring_count == 0)
		return false;
	snprintf(buf, len, "%s", s->ring[s->ring_head]);
	sandbox_escape(buf, len);       /* names and text from the show */
	s->ring_head = (s->ring_head + 1) % SHOW_ERROR_RING;
	s->ring_count--;
	return true;
}

/* print() and log(): stdout while loading (`ghostlight check` shows it),
 * the ring afterwards (the console shows it with the errors). */
void show_log(void *ud, const char *text)
{
	struct gl_show *s = ud;

	/* Lines past the limits are counted, and said once (show.c after the
	 * load, show_run_handler() after the call). */
	if (s->phase == SHOW_LOADING) {
		if (++s->load_log_lines > SHOW_LOAD_LOG_MAX)
			return;
		printf("%.*s%s\n", SHOW_LOG_LINE_MAX, text,
		       strlen(text) > SHOW_LOG_LINE_MAX ? "..." : "");
		fflush(stdout);
	} else if (++s->call_log_lines <= SHOW_CALL_LOG_MAX) {
		show_ring_push(s, "log: %s", text);
	}
}

static int api_log(lua_State *L)
{
	sandbox_push_joined(L, 1);
	show_log(show_from_upvalue(L), lua_tostring(L, -1));
	return 0;
}

/* ---- commands ------------------------------------------------------------------ */

/* The script function of each kind of command, for its messages. */
static const char *const api_cmd_fns[] = {
	[SHOW_CMD_GO] = "go", [SHOW_CMD_BACK] = "back", [SHOW_CMD_STOP] = "stop",
	[SHOW_CMD_PAUSE] = "pause", [SHOW_CMD_RESUME] = "resume", [SHOW_CMD_FADER] = "set_fader",
	[SHOW_CMD_LIST_MASTER] = "list_master", [SHOW_CMD_GRAND_MASTER] = "grand_master",
	[SHOW_CMD_BLACKOUT] = "blackout",
};

void show_describe_cmd(const struct show_cmd *c, char *buf, size_t len)
{
	switch (c->kind) {
	case SHOW_CMD_GO:
		if (c->has_cue)
			snprintf(buf, len, "go(\"%s\", %g)", c->list, c->cue);
		else
			snprintf(buf, len, "go(\"%s\")", c->list);
		break;
	case SHOW_CMD_BACK:
		snprintf(buf, len, "back(\"%s\")", c->list);
		break;
	case SHOW_CMD_STOP:
	case SHOW_CMD_PAUSE:
	case SHOW_CMD_RESUME:
		if (c->list[0])
			snprintf(buf, len, "%s(\"%s\")", api_cmd_fns[c->kind], c->list);
		else
			snprintf(buf, len, "%s()", api_cmd_fns[c->kind]);
		break;
	case SHOW_CMD_FADER:
		snprintf(buf, len, "set_fader(%d, %g)", c->fader, c->value);
		break;
	case SHOW_CMD_LIST_MASTER:
		snprintf(buf, len, "list_master(\"%s\", %g)", c->list, c->value);
		break;
	case SHOW_CMD_GRAND_MASTER:
		snprintf(buf, len, "grand_master(%g)", c->value);
		break;
	case SHOW_CMD_BLACKOUT:
		snprintf(buf, len, "blackout(%s)", c->value > 0.5f ? "true" : "false");
		break;
	}
}

static bool api_fader_exists(const struct gl_engine *e, int number)
{
	for (int i = 0; i < gl_engine_fader_count(e); i++) {
		int n;
		enum gl_fader_kind kind;
		int target;
		const char *label;

		gl_engine_fader_info(e, i, &n, &kind, &target, &label);
		if (n == number)
			return true;
	}
	return false;
}

int show_cmd_resolve(struct gl_show *s, struct show_cmd *c, char *err, size_t len)
{
	static const enum gl_cmd_type types[] = {
		[SHOW_CMD_GO] = GL_CMD_GO, [SHOW_CMD_BACK] = GL_CMD_BACK,
		[SHOW_CMD_STOP] = GL_CMD_STOP, [SHOW_CMD_PAUSE] = GL_CMD_PAUSE,
		[SHOW_CMD_RESUME] = GL_CMD_RESUME, [SHOW_CMD_FADER] = GL_CMD_FADER,
		[SHOW_CMD_LIST_MASTER] = GL_CMD_LIST_MASTER,
		[SHOW_CMD_GRAND_MASTER] = GL_CMD_GRAND_MASTER,
		[SHOW_CMD_BLACKOUT] = GL_CMD_BLACKOUT,
	};
	struct gl_cmd *cmd = &c->resolved;
	char what[GL_NAME_MAX + 48];

	show_describe_cmd(c, what, sizeof what);
	memset(cmd, 0, sizeof *cmd);
	cmd->type = types[c->kind];
	cmd->list = -1;
	cmd->value = c->value;
	if (c->list[0]) {
		cmd->list = gl_engine_cuelist_find(s->engine, c->list);
		if (cmd->list < 0) {
			snprintf(err, len, "%s: unknown cuelist \"%s\"", what, c->list);
			return GL_ENOENT;
		}
	}
	if (c->has_cue) {
		cmd->index = gl_engine_cue_find(s->engine, cmd->list, c->cue);
		if (cmd->index < 0) {
			snprintf(err, len, "%s: cuelist \"%s\" has no cue %g", what, c->list, c->cue);
			return GL_ENOENT;
		}
		cmd->type = GL_CMD_GOTO;
	}
	if (c->kind == SHOW_CMD_FADER) {
		if (!api_fader_exists(s->engine, c->fader)) {
			snprintf(err, len, "%s: no fader %d", what, c->fader);
			return GL_ENOENT;
		}
		cmd->index = c->fader;
	}
	if (c->kind == SHOW_CMD_BLACKOUT)
		cmd->index = c->value > 0.5f ? 1 : 0;
	return 0;
}

static void api_list_arg(lua_State *L, int arg, const char *fn, bool optional,
			 struct show_cmd *c)
{
	if (optional && lua_isnoneornil(L, arg))
		return;
	if (lua_type(L, arg) != LUA_TSTRING || lua_rawlen(L, arg) == 0 ||
	    lua_rawlen(L, arg) >= sizeof c->list)
		luaL_error(L, "%s: the first argument must be a cuelist name", fn);
	snprintf(c->list, sizeof c->list, "%s", lua_tostring(L, arg));
}

static float api_level_arg(lua_State *L, int arg, const char *fn)
{
	double v;

	if (lua_type(L, arg) != LUA_TNUMBER)
		luaL_error(L, "%s: the level must be a number 0..1", fn);
	v = lua_tonumber(L, arg);
	if (!(v >= 0.0 && v <= 1.0))
		luaL_error(L, "%s: level %f is outside 0..1", fn, v);
	return (float)v;
}

static int api_command(lua_State *L, enum show_cmd_kind kind)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_cmd c;
	char err[300], what[GL_NAME_MAX + 48];
	int rc, ok = 0;

	memset(&c, 0, sizeof c);
	c.at = show_where_here(L);
	c.kind = kind;
	switch (kind) {
	case SHOW_CMD_GO:
		api_list_arg(L, 1, "go", false, &c);
		if (!lua_isnoneornil(L, 2)) {
			if (lua_type(L, 2) != LUA_TNUMBER)
				luaL_error(L, "go: the cue must be a number");
			c.has_cue = true;
			c.cue = lua_tonumber(L, 2);
		}
		break;
	case SHOW_CMD_BACK:
	case SHOW_CMD_STOP:
	case SHOW_CMD_PAUSE:
	case SHOW_CMD_RESUME:    /* back needs its list; the others default to every list */
		api_list_arg(L, 1, api_cmd_fns[kind], kind != SHOW_CMD_BACK, &c);
		break;
	case SHOW_CMD_FADER: {
		lua_Integer n = lua_type(L, 1) == LUA_TNUMBER ? lua_tointegerx(L, 1, &ok) : 0;

		if (!ok || n < 1 || n > 100000)
			luaL_error(L, "set_fader: the first argument must be a fader number");
		c.fader = (int)n;
		c.value = api_level_arg(L, 2, "set_fader");
		break;
	}
	case SHOW_CMD_LIST_MASTER:
		api_list_arg(L, 1, "list_master", false, &c);
		c.value = api_level_arg(L, 2, "list_master");
		break;
	case SHOW_CMD_GRAND_MASTER:
		c.value = api_level_arg(L, 1, "grand_master");
		break;
	case SHOW_CMD_BLACKOUT:
		if (lua_type(L, 1) != LUA_TBOOLEAN && !lua_isnone(L, 1))
			luaL_error(L, "blackout: the argument must be true or false");
		c.value = lua_isnone(L, 1) || lua_toboolean(L, 1) ? 1.0f : 0.0f;
		break;
	}
	show_describe_cmd(&c, what, sizeof what);
	if (s->phase == SHOW_LOADING) {
		if (s->queued.count >= SHOW_QUEUED_MAX)
			return show_raise(L, c.at, "%s: at most %d commands may be asked for while "
					  "the show loads", what, SHOW_QUEUED_MAX);
		*(struct show_cmd *)show_vec_push(L, &s->queued, sizeof c) = c;
		return 0;
	}
	if (++s->call_commands > SHOW_CALL_COMMANDS_MAX)
		return show_raise(L, c.at, "%s: at most %d engine commands in one handler call",
				  what, SHOW_CALL_COMMANDS_MAX);
	if (show_cmd_resolve(s, &c, err, sizeof err) < 0)
		return luaL_error(L, "%s", err);
	rc = gl_engine_command(s->engine, &c.resolved);
	/* A full ring means the engine has not drained it for a while: the
	 * command is lost, so the handler stops here and says so. */
	if (rc == GL_EFULL)
		return show_raise(L, c.at, "%s: not sent: the engine's command queue is full",
				  what);
	if (rc < 0)
		return luaL_error(L, "%s: %s", what, gl_strerror(rc));
	lua_pushboolean(L, 1);
	return 1;
}

static int api_go(lua_State *L) { return api_command(L, SHOW_CMD_GO); }
static int api_back(lua_State *L) { return api_command(L, SHOW_CMD_BACK); }
static int api_stop(lua_State *L) { return api_command(L, SHOW_CMD_STOP); }
static int api_pause(lua_State *L) { return api_command(L, SHOW_CMD_PAUSE); }
static int api_resume(lua_State *L) { return api_command(L, SHOW_CMD_RESUME); }
static int api_set_fader(lua_State *L) { return api_command(L, SHOW_CMD_FADER); }
static int api_list_master(lua_State *L) { return api_command(L, SHOW_CMD_LIST_MASTER); }
static int api_grand_master(lua_State *L) { return api_command(L, SHOW_CMD_GRAND_MASTER); }
static int api_blackout(lua_State *L) { return api_command(L, SHOW_CMD_BLACKOUT); }

/* ---- handlers -------------------------------------------------------------------- */

void show_run_handler(struct gl_show *s, int nargs, const char *what)
{
	char err[SHOW_ERROR_LEN];

	s->call_commands = 0;
	s->call_sends = 0;
	s->call_log_lines = 0;
	if (sandbox_call(s->sb, nargs, 0, GL_SHOW_HANDLER_BUDGET, err, sizeof err) != 0)
		show_ring_push(s, "%s: %s", what, err);
	if (s->call_log_lines > SHOW_CALL_LOG_MAX)
		show_ring_push(s, "%s: %d more log lines dropped (at most %d in one handler call)",
			       what, s->call_log_lines - SHOW_CALL_LOG_MAX, SHOW_CALL_LOG_MAX);
}

int show_handler_resolve(struct gl_show *s, struct show_handler *h, char *err, size_t len)
{
	h->list = gl_engine_cuelist_find(s->engine, h->list_name);
	if (h->list < 0) {
		snprintf(err, len, "on_cue: unknown cuelist \"%s\"", h->list_name);
		return GL_ENOENT;
	}
	h->cue = -1;
	if (!h->any_cue) {
		h->cue = gl_engine_cue_find(s->engine, h->list, h->cue_number);
		if (h->cue < 0) {
			snprintf(err, len, "on_cue: cuelist \"%s\" has no cue %g", h->list_name,
				 h->cue_number);
			return GL_ENOENT;
		}
	}
	return 0;
}

/* on_cue("Main", 2, fn), on_cue("Main", nil, fn) or on_cue("Main", fn). */
static int api_on_cue(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_handler h;
	int fn = 3;
	char err[300];

	memset(&h, 0, sizeof h);
	h.at = show_where_here(L);
	if (lua_type(L, 1) != LUA_TSTRING || lua_rawlen(L, 1) == 0 ||
	    lua_rawlen(L, 1) >= sizeof h.list_name)
		return luaL_error(L, "on_cue: the first argument must be a cuelist name");
	snprintf(h.list_name, sizeof h.list_name, "%s", lua_tostring(L, 1));
	if (lua_isfunction(L, 2) && lua_isnone(L, 3)) {
		fn = 2;
		h.any_cue = true;
	} else if (lua_isnil(L, 2)) {
		h.any_cue = true;
	} else if (lua_type(L, 2) == LUA_TNUMBER) {
		h.cue_number = lua_tonumber(L, 2);
	} else {
		return luaL_error(L, "on_cue: the cue must be a number or nil (any cue)");
	}
	if (!lua_isfunction(L, fn))
		return luaL_error(L, "on_cue: the handler must be a function");
	if (s->phase != SHOW_LOADING && show_handler_resolve(s, &h, err, sizeof err) < 0)
		return luaL_error(L, "%s", err);
	if (s->handlers.count >= SHOW_HANDLER_MAX)
		return show_raise(L, h.at, "on_cue: at most %d handlers", SHOW_HANDLER_MAX);
	show_vec_reserve(L, &s->handlers, sizeof h);
	lua_pushvalue(L, fn);
	h.ref = luaL_ref(L, LUA_REGISTRYINDEX);
	*(struct show_handler *)show_vec_push(L, &s->handlers, sizeof h) = h;
	return 0;
}

void gl_show_handle_event(struct gl_show *s, const struct gl_event *ev)
{
	lua_State *L;
	int n;

	if (!s || !ev || s->phase != SHOW_BUILT)
		return;
	if (ev->type == GL_EV_CUES_REPLACED)
		show_cues_replaced(s, ev->list);
	show_actions_event(s, ev);     /* kinds that follow lists (audio: devamp, stop) */
	if (ev->type != GL_EV_CUE_FIRED)
		return;
	if (ev->list < 0 || ev->list >= gl_engine_cuelist_count(s->engine) || ev->cue < 0 ||
	    ev->cue >= gl_engine_cue_count(s->engine, ev->list))
		return;
	show_actions_fire(s, ev->list, ev->cue);   /* the cue's osc = {...}, mqtt = {...} */
	L = sandbox_state(s->sb);
	/* Handlers added by a handler run from the next event on. */
	n = s->handlers.count;
	for (int i = 0; i < n; i++) {
		const struct show_handler *h = SHOW_AT(s->handlers, struct show_handler, i);
		const struct gl_cue_def *def;
		char what[GL_NAME_MAX + 80];

		if (h->list != ev->list || (!h->any_cue && h->cue != ev->cue))
			continue;
		def = gl_engine_cue(s->engine, ev->list, ev->cue);
		snprintf(what, sizeof what, "on_cue(\"%s\", %s) handler (%s:%d)", h->list_name,
			 h->any_cue ? "nil" : def->number_text, h->at.file, h->at.line);
		lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
		lua_pushstring(L, gl_engine_cuelist_name(s->engine, ev->list));
		/* 2, not 2.0, when the number is whole: it prints as written. */
		if (def->number == floor(def->number) && def->number < 1e15)
			lua_pushinteger(L, (lua_Integer)def->number);
		else
			lua_pushnumber(L, def->number);
		show_run_handler(s, 2, what);
	}
}

/* ---- timers -------------------------------------------------------------------- */

static struct show_timer *api_timer_at(struct gl_show *s, int slot)
{
	return SHOW_AT(s->timers, struct show_timer, slot);
}

static int *api_heap(struct gl_show *s)
{
	return s->timer_heap.items;
}

/* Earlier due first; made first among equals. */
static bool api_timer_before(struct gl_show *s, int a, int b)
{
	const struct show_timer *x = api_timer_at(s, a), *y = api_timer_at(s, b);

	return x->due_ns < y->due_ns || (x->due_ns == y->due_ns && x->seq < y->seq);
}

static void api_heap_place(struct gl_show *s, int pos, int slot)
{
	api_heap(s)[pos] = slot;
	api_timer_at(s, slot)->heap_pos = pos;
}

static void api_heap_up(struct gl_show *s, int pos)
{
	int slot = api_heap(s)[pos];

	while (pos > 0 && api_timer_before(s, slot, api_heap(s)[(pos - 1) / 2])) {
		api_heap_place(s, pos, api_heap(s)[(pos - 1) / 2]);
		pos = (pos - 1) / 2;
	}
	api_heap_place(s, pos, slot);
}

static void api_heap_down(struct gl_show *s, int pos)
{
	int n = s->timer_heap.count, slot = api_heap(s)[pos];

	for (;;) {
		int child = 2 * pos + 1;

		if (child >= n)
			break;
		if (child + 1 < n && api_timer_before(s, api_heap(s)[child + 1], api_heap(s)[child]))
			child++;
		if (!api_timer_before(s, api_heap(s)[child], slot))
			break;
		api_heap_place(s, pos, api_heap(s)[child]);
		pos = child;
	}
	api_heap_place(s, pos, slot);
}

static void api_heap_remove(struct gl_show *s, int pos)
{
	int last = api_heap(s)[--s->timer_heap.count];

	if (pos == s->timer_heap.count)
		return;
	api_heap_place(s, pos, last);
	api_heap_down(s, pos);
	api_heap_up(s, api_timer_at(s, last)->heap_pos);
}

/* The timer is out of the heap: its slot (and function) are free. */
static void api_timer_free(struct gl_show *s, int slot)
{
	struct show_timer *t = api_timer_at(s, slot);

	luaL_unref(sandbox_state(s->sb), LUA_REGISTRYINDEX, t->ref);
	t->id = 0;
	t->gen++;
	t->next_free = s->timer_free;
	s->timer_free = slot;
}

static uint64_t api_now(const struct gl_show *s)
{
	return s->in_timers ? s->timers_now_ns : gl_now_ns();
}

static int api_timer(lua_State *L, bool repeat)
{
	struct gl_show *s = show_from_upvalue(L);
	const char *fn = repeat ? "every" : "after";
	struct show_where at = show_where_here(L);
	struct show_timer *t;
	double seconds;
	int slot, ref;

	if (repeat && lua_type(L, 1) == LUA_TSTRING)
		return show_sched_every(L);    /* every("hour", fn): on the clock */
	if (lua_type(L, 1) != LUA_TNUMBER)
		return luaL_error(L, "%s: the first argument must be seconds", fn);
	seconds = lua_tonumber(L, 1);
	if (!(seconds >= (repeat ? API_TIMER_MIN_S : 0.0) && seconds <= API_TIMER_MAX_S))
		return luaL_error(L, "%s: %f seconds is outside %g..%g", fn, seconds,
				  repeat ? API_TIMER_MIN_S : 0.0, API_TIMER_MAX_S);
	if (!lua_isfunction(L, 2) || !lua_isnone(L, 3))
		return luaL_error(L, "%s: expects (seconds, function)", fn);
	if (s->timer_heap.count >= SHOW_TIMER_MAX)
		return show_raise(L, at, "%s: at most %d timers may wait at once (cancel() those "
				  "not needed)", fn, SHOW_TIMER_MAX);
	if (s->phase == SHOW_BUILT) {
		uint64_t now = api_now(s);

		if (now - s->timer_window_ns >= GL_NS_PER_S) {
			s->timer_window_ns = now;
			s->timer_window_count = 0;
		}
		if (s->timer_window_count >= SHOW_TIMER_RATE_MAX)
			return show_raise(L, at, "%s: at most %d timers may be made in one second",
					  fn, SHOW_TIMER_RATE_MAX);
		s->timer_window_count++;
	}
	/* Everything that may fail first: then nothing is half made. */
	show_vec_reserve(L, &s->timer_heap, sizeof(int));
	if (s->timer_free < 0)
		show_vec_reserve(L, &s->timers, sizeof *t);
	lua_pushvalue(L, 2);
	ref = luaL_ref(L, LUA_REGISTRYINDEX);

	if (s->timer_free >= 0) {
		slot = s->timer_free;
		s->timer_free = api_timer_at(s, slot)->next_free;
	} else {
		show_vec_push(L, &s->timers, sizeof *t);
		slot = s->timers.count - 1;
	}
	t = api_timer_at(s, slot);
	t->at = at;
	t->id = (lua_Integer)t->gen * SHOW_TIMER_MAX + slot + 1;
	t->ref = ref;
	t->seq = ++s->timer_seq;
	t->period_ns = (uint64_t)llround(seconds * 1e9);
	t->repeat = repeat;
	/* Until the show starts there is no clock: due counts from 0, and
	 * gl_show_start() adds the start time to every timer. */
	t->due_ns = (s->started ? api_now(s) : 0) + t->period_ns;
	api_heap(s)[s->timer_heap.count++] = slot;
	api_heap_up(s, s->timer_heap.count - 1);
	lua_pushinteger(L, t->id);
	return 1;
}

static int api_every(lua_State *L) { return api_timer(L, true); }
static int api_after(lua_State *L) { return api_timer(L, false); }

static int api_cancel(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	lua_Integer id = luaL_checkinteger(L, 1);
	lua_Integer slot = id >= 1 ? (id - 1) % SHOW_TIMER_MAX : -1;
	bool found = slot >= 0 && slot < s->timers.count && api_timer_at(s, (int)slot)->id == id;

	if (found) {
		api_heap_remove(s, api_timer_at(s, (int)slot)->heap_pos);
		api_timer_free(s, (int)slot);
	}
	found = found || show_sched_cancel(s, id);   /* at(), every("day") */
	lua_pushboolean(L, found);
	return 1;
}

uint64_t gl_show_next_timer_ns(const struct gl_show *s)
{
	if (!s || !s->started)
		return 0;
	uint64_t next = s->timer_heap.count == 0 ? 0 :
		SHOW_AT(s->timers, struct show_timer, ((const int *)s->timer_heap.items)[0])->due_ns;
	uint64_t sched = show_sched_next_ns(s, gl_now_ns());   /* wall-clock schedules */
	return sched && (!next || sched < next) ? sched : next;
}

void gl_show_run_timers(struct gl_show *s, uint64_t now_ns)
{
	uint64_t made_before;
	lua_State *L;

	if (!s || s->phase != SHOW_BUILT || !s->started)
		return;
	L = sandbox_state(s->sb);
	/* Each due timer runs once per call, earliest first; timers a handler
	 * makes wait for the next call. Such a timer sorts after every older
	 * one that is due (it is made later, and due no earlier than now), so
	 * the first one found ends the run. */
	made_before = s->timer_seq;
	s->in_timers = true;
	s->timers_now_ns = now_ns;
	while (s->timer_heap.count > 0) {
		int slot = api_heap(s)[0];
		struct show_timer *t = api_timer_at(s, slot);
		char what[SHOW_PATH_MAX + 64];

		if (t->due_ns > now_ns || t->seq > made_before)
			break;
		snprintf(what, sizeof what, "%s(%g) handler (%s:%d)", t->repeat ? "every" : "after",
			 (double)t->period_ns / 1e9, t->at.file, t->at.line);
		lua_rawgeti(L, LUA_REGISTRYINDEX, t->ref);
		if (t->repeat) {
			/* Next period from the schedule, not from now; never
			 * burst to catch up after a stall. */
			t->due_ns += t->period_ns;
			if (t->due_ns <= now_ns)
				t->due_ns = now_ns + t->period_ns;
			api_heap_down(s, 0);
		} else {
			api_heap_remove(s, 0);
			api_timer_free(s, slot);
		}
		show_run_handler(s, 0, what);
	}
	s->in_timers = false;
	show_sched_run(s);
}

/* ---- start ----------------------------------------------------------------------- */

int gl_show_start(struct gl_show *s)
{
	uint64_t now;
	int sent = 0;

	if (!s || s->phase != SHOW_BUILT || s->started)
		return 0;
	s->started = true;
	now = gl_now_ns();
	/* The same shift for every timer keeps the heap in order. */
	for (int i = 0; i < s->timer_heap.count; i++)
		api_timer_at(s, api_heap(s)[i])->due_ns += now;
	for (int i = 0; i < s->queued.count; i++) {
		const struct show_cmd *c = SHOW_AT(s->queued, struct show_cmd, i);
		char what[GL_NAME_MAX + 48];
		int rc = gl_engine_command(s->engine, &c->resolved);

		if (rc == 0) {
			sent++;
			continue;
		}
		show_describe_cmd(c, what, sizeof what);
		show_ring_push(s, "%s:%d: %s: %s", c->at.file, c->at.line, what, gl_strerror(rc));
	}
	show_sched_start(s);     /* due times; missed ones caught up as declared */
	return sent;
}

void show_api_register(lua_State *L, struct gl_show *show)
{
	static const luaL_Reg fns[] = {
		{ "go", api_go },
		{ "back", api_back },
		{ "stop", api_stop },
		{ "pause", api_pause },
		{ "resume", api_resume },
		{ "set_fader", api_set_fader },
		{ "list_master", api_list_master },
		{ "grand_master", api_grand_master },
		{ "blackout", api_blackout },
		{ "log", api_log },
		{ "on_cue", api_on_cue },
		{ "every", api_every },
		{ "after", api_after },
		{ "cancel", api_cancel },
		{ NULL, NULL },
	};

	/* The env table is on top of the stack. */
	lua_pushlightuserdata(L, show);
	luaL_setfuncs(L, fns, 1);
}
