/*
 * show_osc.c - control surfaces as a show sees them: the declaration
 * `osc { port = 7700, allow = {...}, remotes = {...} }` (any adapter in
 * outputs/control.h's registry, by name), `osc.send(to, address, ...)`,
 * `on_osc(pattern, fn)` handlers for messages outside /gl, and cue actions
 * `cue { 3, "x", osc = { "/video/play", 1, to = "osc.udp://host:9001" } }`
 * sent when the cue fires.
 *
 * Control thread. The show never talks to sockets: sending goes through the
 * sender app/ registers (gl_show_set_sender), incoming messages arrive
 * through gl_show_handle_message. A failed send or handler is one line in
 * the show's error ring; the show goes on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "datadir.h"
#include "show_internal.h"
#include "outputs/control/osc/osc_wire.h"

#define OSC_URL_MAX 200

/* ---- osc { ... } ------------------------------------------------------------------ */


/* __call of the adapter's table: osc { ... }. Upvalues: show, adapter name. */
static int osc_declare(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	const char *type = lua_tostring(L, lua_upvalueindex(2));
	struct show_control ctl;
	struct show_where at = show_where_here(L);

	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "%s { ... } is only allowed while the show loads", type);
	if (!lua_istable(L, 2) || !lua_isnone(L, 3))
		return show_raise(L, at, "%s: expects a table: %s { port = 7700, ... }", type, type);
	for (int i = 0; i < s->controls.count; i++) {
		const struct show_control *o = SHOW_AT(s->controls, struct show_control, i);

		if (strcmp(o->cfg.type, type) == 0)
			return show_raise(L, at, "%s: declared twice (first at line %d)", type,
					  o->at.line);
	}
	memset(&ctl, 0, sizeof ctl);
	ctl.at = at;
	snprintf(ctl.cfg.type, sizeof ctl.cfg.type, "%s", type);
	ctl.cfg.line = at.line;
	ctl.cfg.declared = true;
	ctl.cfg.option_count = show_read_options(L, at, type, 2, ctl.cfg.options);
	*(struct show_control *)show_vec_push(L, &s->controls, sizeof ctl) = ctl;
	return 0;
}

int show_read_options(lua_State *L, struct show_where at, const char *what, int idx,
		      struct gl_option *opts)
{
	int count = 0;

	lua_pushnil(L);
	while (lua_next(L, idx)) {
		struct gl_option *opt;

		if (lua_type(L, -2) != LUA_TSTRING)
			return show_raise(L, at, "%s: options are named (port = 7700)", what);
		if (count >= GL_OPTION_MAX)
			return show_raise(L, at, "%s: too many options", what);
		opt = &opts[count++];
		if (lua_rawlen(L, -2) >= sizeof opt->key)
			return show_raise(L, at, "%s: unknown option '%s'", what, lua_tostring(L, -2));
		snprintf(opt->key, sizeof opt->key, "%s", lua_tostring(L, -2));
		opt->line = at.line;
		show_option_text(L, at, what, opt->key, opt->value, sizeof opt->value);
		lua_pop(L, 1);
	}
	return count;
}

int show_osc_build(struct gl_show *s, char *err, size_t len)
{
	for (int i = 0; i < s->controls.count; i++) {
		struct show_control *c = SHOW_AT(s->controls, struct show_control, i);
		const struct gl_control_ops *ops = gl_control_find(c->cfg.type);
		char msg[300] = "";

		snprintf(c->cfg.show_name, sizeof c->cfg.show_name, "%s", s->name);
		snprintf(c->cfg.show_dir, sizeof c->cfg.show_dir, "%s", s->dir);
		snprintf(c->cfg.assets_dir, sizeof c->cfg.assets_dir, "%s",
			 gl_data_dir(GL_DATA_ASSETS) ? gl_data_dir(GL_DATA_ASSETS) : "");
		if (ops && ops->check && ops->check(&c->cfg, msg, sizeof msg) < 0) {
			snprintf(err, len, "%s:%d: %s: %s", c->at.file, c->at.line, c->cfg.type, msg);
			return GL_EINVAL;
		}
	}
	return 0;
}

int gl_show_control_count(const struct gl_show *s)
{
	return s ? s->controls.count : 0;
}

const struct gl_control_config *gl_show_control_config(const struct gl_show *s, int i)
{
	if (!s || i < 0 || i >= s->controls.count)
		return NULL;
	return &SHOW_AT(s->controls, struct show_control, i)->cfg;
}

/* ---- messages from Lua values --------------------------------------------------------- */

/* Lua value at idx as an OSC argument; strings point into Lua (copy them to
 * keep). Returns false for a type OSC cannot carry. */
static bool lua_to_arg(lua_State *L, int idx, struct gl_ctl_arg *a)
{
	memset(a, 0, sizeof *a);
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			lua_Integer v = lua_tointeger(L, idx);

			a->type = v >= INT32_MIN && v <= INT32_MAX ? 'i' : 'h';
			a->i = v;
		} else {
			a->type = 'f';
			a->f = lua_tonumber(L, idx);
		}
		return true;
	case LUA_TSTRING:
		a->type = 's';
		a->s = lua_tostring(L, idx);
		return true;
	case LUA_TBOOLEAN:
		a->type = lua_toboolean(L, idx) ? 'T' : 'F';
		return true;
	case LUA_TNIL:
		a->type = 'N';
		return true;
	default:
		return false;
	}
}

static void push_arg(lua_State *L, const struct gl_ctl_arg *a)
{
	switch (a->type) {
	case 'i': case 'h': lua_pushinteger(L, (lua_Integer)a->i); break;
	case 'f': case 'd': lua_pushnumber(L, a->f); break;
	case 's': case 'S': lua_pushstring(L, a->s ? a->s : ""); break;
	case 'T': lua_pushboolean(L, 1); break;
	case 'F': lua_pushboolean(L, 0); break;
	default: lua_pushnil(L); break;
	}
}

static bool valid_url(const char *url)
{
	return (strncmp(url, "osc.udp://", 10) == 0 || strncmp(url, "osc.tcp://", 10) == 0) &&
	       strchr(url + 10, ':') && strlen(url) < OSC_URL_MAX;
}

/* osc.send(to, address, ...) -> true, or false and the reason. */
static int osc_send_fn(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct gl_ctl_arg args[GL_CTL_ARGS_MAX];
	int n = lua_gettop(L) - 2;
	const char *to = luaL_checkstring(L, 1);
	const char *address = luaL_checkstring(L, 2);

	if (!valid_url(to))
		return luaL_error(L, "osc.send: \"%s\" is not osc.udp://host:port or osc.tcp://host:port", to);
	if (address[0] != '/' || osc_pattern_has_wildcards(address))
		return luaL_error(L, "osc.send: the address must start with / and have no wildcards");
	if (n > GL_CTL_ARGS_MAX)
		return luaL_error(L, "osc.send: at most %d arguments", GL_CTL_ARGS_MAX);
	for (int i = 0; i < n; i++)
		if (!lua_to_arg(L, i + 3, &args[i]))
			return luaL_error(L, "osc.send: argument %d is a %s (numbers, strings, "
					  "booleans and nil only)", i + 1, luaL_typename(L, i + 3));
	if (!show_send_allowed(L, s, "osc.send", "OSC is not running"))
		return 2;
	struct gl_ctl_msg msg = { .peer = to, .address = address, .argc = n, .argv = args };

	return show_send_result(L, show_send(s, "osc", &msg), gl_strerror);
}

/* ---- on_osc ------------------------------------------------------------------------------ */

static int osc_on(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_osc_handler h;

	memset(&h, 0, sizeof h);
	h.at = show_where_here(L);
	if (lua_type(L, 1) != LUA_TSTRING || lua_tostring(L, 1)[0] != '/' ||
	    lua_rawlen(L, 1) >= sizeof h.pattern)
		return luaL_error(L, "on_osc: the first argument must be an OSC address pattern like \"/house/open\"");
	if (strncmp(lua_tostring(L, 1), "/gl/", 4) == 0 || strcmp(lua_tostring(L, 1), "/gl") == 0)
		return luaL_error(L, "on_osc: /gl is ghostlight's own address space");
	if (!lua_isfunction(L, 2) || !lua_isnone(L, 3))
		return luaL_error(L, "on_osc: expects (pattern, function)");
	if (s->osc_handlers.count >= SHOW_OSC_HANDLER_MAX)
		return show_raise(L, h.at, "on_osc: at most %d handlers (every message tries each)",
				  SHOW_OSC_HANDLER_MAX);
	show_osc_handler_add(L, &s->osc_handlers, &h);
	return 0;
}

void show_osc_handler_add(lua_State *L, struct show_vec *handlers, struct show_osc_handler *h)
{
	snprintf(h->pattern, sizeof h->pattern, "%s", lua_tostring(L, 1));
	show_vec_reserve(L, handlers, sizeof *h);
	lua_pushvalue(L, 2);
	h->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	*(struct show_osc_handler *)show_vec_push(L, handlers, sizeof *h) = *h;
}

void show_osc_handler_push(lua_State *L, const struct show_osc_handler *h, const char *fn,
			   const char *address, char *what, size_t len)
{
	snprintf(what, len, "%s(\"%s\") handler (%s:%d)", fn, h->pattern, h->at.file, h->at.line);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
	lua_pushstring(L, address);
}

void gl_show_set_sender(struct gl_show *s, gl_show_send_fn fn, void *ud)
{
	if (!s)
		return;
	s->send_fn = fn;
	s->send_ud = ud;
}

bool gl_show_handle_message(struct gl_show *s, const char *adapter, const struct gl_ctl_msg *msg)
{
	bool ran = false;
	int n;

	if (s && adapter && strcmp(adapter, "mqtt") == 0)
		return show_mqtt_handle(s, msg);
	if (s && adapter && strcmp(adapter, "midi") == 0)
		return show_midi_handle(s, msg);
	if (!s || s->phase != SHOW_BUILT || !msg || !msg->address || strcmp(adapter, "osc") != 0)
		return false;
	lua_State *L = sandbox_state(s->sb);
	/* handlers added by a handler run from the next message on */
	n = s->osc_handlers.count;
	for (int i = 0; i < n; i++) {
		/* h is not used once the handler ran: an on_osc() in it may
		 * move the vector */
		const struct show_osc_handler *h = SHOW_AT(s->osc_handlers, struct show_osc_handler, i);
		char what[sizeof h->pattern + SHOW_PATH_MAX + 32];

		/* An incoming pattern ("/house/ *") reaches the handlers it names. */
		if (!osc_pattern_match(h->pattern, msg->address) &&
		    !osc_pattern_match(msg->address, h->pattern))
			continue;
		ran = true;
		show_osc_handler_push(L, h, "on_osc", msg->address, what, sizeof what);
		for (int k = 0; k < msg->argc; k++)
			push_arg(L, &msg->argv[k]);
		show_run_handler(s, 1 + msg->argc, what);
	}
	return ran;
}

/* ---- cue actions ------------------------------------------------------------------------ */

/* A cue's osc = {...} read (p->count messages, their strings still in
 * Lua), before show_osc_cue_copy() makes it one heap block. */
struct show_osc_parsed {
	int count;
	size_t string_bytes;           /* of every string, NULs included */
	struct show_osc_action actions[SHOW_CUE_OSC_MAX];
};

static void osc_string_bytes(struct show_osc_parsed *p, const char *text)
{
	p->string_bytes += strlen(text) + 1;
}

/* One message: the table on top of the stack (left there). Raw access
 * only, so no script runs while it is read. */
static void cue_action(lua_State *L, struct show_where at, const char *what,
		       struct show_osc_parsed *p, struct show_osc_action *out)
{
	int n = (int)lua_rawlen(L, -1);

	lua_pushnil(L);
	while (lua_next(L, -2)) {
		bool ok = lua_type(L, -2) == LUA_TSTRING ? strcmp(lua_tostring(L, -2), "to") == 0
			  : lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
			    lua_tointeger(L, -2) <= n;

		lua_pop(L, 1);
		if (!ok)
			show_raise(L, at, "%s: osc: only the address, its arguments and to = are allowed", what);
	}
	lua_pushliteral(L, "to");
	if (lua_rawget(L, -2) != LUA_TSTRING || !valid_url(lua_tostring(L, -1)))
		show_raise(L, at, "%s: osc: to = \"osc.udp://host:port\" (or osc.tcp://) is needed", what);
	out->to = (char *)lua_tostring(L, -1);
	lua_pop(L, 1);
	if (lua_rawgeti(L, -1, 1) != LUA_TSTRING || lua_tostring(L, -1)[0] != '/' ||
	    osc_pattern_has_wildcards(lua_tostring(L, -1)) || lua_rawlen(L, -1) >= 256)
		show_raise(L, at, "%s: osc: the first item must be an address like \"/video/play\"", what);
	out->address = (char *)lua_tostring(L, -1);
	lua_pop(L, 1);
	if (n - 1 > GL_CTL_ARGS_MAX)
		show_raise(L, at, "%s: osc: at most %d arguments", what, GL_CTL_ARGS_MAX);
	osc_string_bytes(p, out->to);
	osc_string_bytes(p, out->address);
	for (int i = 2; i <= n; i++) {
		struct gl_ctl_arg *a = &out->argv[i - 2];

		lua_rawgeti(L, -1, i);
		if (!lua_to_arg(L, -1, a) || a->type == 'N')
			show_raise(L, at, "%s: osc: argument %d must be a number, string or boolean",
				   what, i - 1);
		if (a->type == 's') {
			if (lua_rawlen(L, -1) > SHOW_OSC_STRING_MAX)
				show_raise(L, at, "%s: osc: argument %d is longer than %d bytes", what,
					   i - 1, SHOW_OSC_STRING_MAX);
			osc_string_bytes(p, a->s);
		}
		lua_pop(L, 1);
	}
	out->argc = n - 1;
}

static const void *show_osc_cue_actions(lua_State *L, struct show_where at, const char *what)
{
	struct show_osc_parsed *p;
	bool list;
	int count;

	if (!lua_istable(L, -1))
		show_raise(L, at, "%s: osc must be { \"/address\", args..., to = \"osc.udp://host:port\" } "
			   "or a list of them", what);
	list = lua_rawgeti(L, -1, 1) == LUA_TTABLE;
	lua_pop(L, 1);
	count = list ? (int)lua_rawlen(L, -1) : 1;
	if (count < 1 || count > SHOW_CUE_OSC_MAX)
		show_raise(L, at, "%s: osc: 1..%d messages", what, SHOW_CUE_OSC_MAX);
	if (list) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			bool ok = lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
				  lua_tointeger(L, -2) <= count;

			lua_pop(L, 1);
			if (!ok)
				show_raise(L, at, "%s: osc: a list of messages has only items", what);
		}
	}
	/* The parsed messages, and a table that keeps every message table
	 * (and so the strings they hold) alive until they are copied, even
	 * when the list itself is a weak table. */
	p = lua_newuserdatauv(L, sizeof *p, 1);
	memset(p, 0, sizeof *p);
	lua_createtable(L, count, 0);
	lua_setiuservalue(L, -2, 1);
	lua_insert(L, -2);                       /* the field below the userdata */
	for (int i = 0; i < count; i++) {
		if (!list)
			lua_pushvalue(L, -1);
		else if (lua_rawgeti(L, -1, i + 1) != LUA_TTABLE)
			show_raise(L, at, "%s: osc: item %d is not a message table", what, i + 1);
		lua_getiuservalue(L, -3, 1);
		lua_pushvalue(L, -2);
		lua_rawseti(L, -2, i + 1);
		lua_pop(L, 1);
		cue_action(L, at, what, p, &p->actions[i]);
		lua_pop(L, 1);
		p->count = i + 1;
	}
	lua_pop(L, 1);                           /* the field; the userdata stays */
	show_charge(L, (size_t)p->count * sizeof p->actions[0] + p->string_bytes);
	return p;
}

/* A string of the parsed message into the block being filled. */
static char *osc_copy_string(char **pos, const char *text)
{
	return show_action_put(pos, text, strlen(text) + 1);
}

static void *show_osc_cue_copy(const void *parsed, int *count)
{
	const struct show_osc_parsed *p = parsed;
	char *pos;
	struct show_osc_action *out = show_action_block(p->count, sizeof *out, p->string_bytes,
							&pos);

	*count = p->count;
	if (!out)
		return NULL;
	for (int i = 0; i < p->count; i++) {
		const struct show_osc_action *a = &p->actions[i];

		out[i] = *a;
		out[i].to = osc_copy_string(&pos, a->to);
		out[i].address = osc_copy_string(&pos, a->address);
		for (int k = 0; k < a->argc; k++)
			if (a->argv[k].type == 's')
				out[i].argv[k].s = osc_copy_string(&pos, a->argv[k].s);
	}
	return out;
}

static void show_osc_fire(struct gl_show *s, const struct show_cue *c, const void *actions, int count)
{
	for (int i = 0; i < count; i++) {
		const struct show_osc_action *a = &((const struct show_osc_action *)actions)[i];
		struct gl_ctl_msg msg = { .peer = a->to, .address = a->address, .argc = a->argc,
					  .argv = a->argv };
		int rc = s->send_fn ? s->send_fn(s->send_ud, "osc", &msg) : GL_ENOENT;

		if (rc < 0)
			show_ring_push(s, "%s:%d: cue %s: osc %s to %s: %s", c->at.file, c->at.line,
				       c->def.number_text, a->address, a->to,
				       rc == GL_ENOENT ? "OSC is not running" : gl_strerror(rc));
	}
}

const struct show_action_kind show_osc_actions = {
	.field = "osc", .parse = show_osc_cue_actions, .copy = show_osc_cue_copy,
	.fire = show_osc_fire,
};

void show_osc_free(struct gl_show *s)
{
	show_vec_free(&s->controls);
	show_vec_free(&s->osc_handlers);
}

/* ---- registration ---------------------------------------------------------------------- */

void show_osc_register(lua_State *L, struct gl_show *s)
{
	/* The env table is on top of the stack. Each adapter gets a table
	 * that is called to declare it (osc { ... }); osc's also has send. */
	for (const struct gl_control_ops *const *ops = gl_control_all(); *ops; ops++) {
		lua_newtable(L);
		if (strcmp((*ops)->name, "osc") == 0)
			show_set_fn(L, s, "send", osc_send_fn);
		lua_newtable(L);
		lua_pushlightuserdata(L, s);
		lua_pushstring(L, (*ops)->name);
		lua_pushcclosure(L, osc_declare, 2);
		lua_setfield(L, -2, "__call");
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_setmetatable(L, -2);
		lua_setfield(L, -2, (*ops)->name);
	}
	show_set_fn(L, s, "on_osc", osc_on);
	show_mqtt_register(L, s);       /* mqtt.publish, on_mqtt */
	show_video_register(L, s);      /* video_target, rtsp.play ... */
	show_midi_register(L, s);       /* midi.map, midi.send */
}
