/*
 * show_mqtt.c - MQTT as a show sees it: `on_mqtt(filter, fn)` handlers for
 * the show's own topics (fn(topic, payload, retained)),
 * `mqtt.publish(topic, payload [, { qos = 1, retain = true }])`, and cue
 * actions published when the cue fires:
 *   cue { 3, "Door", mqtt = { topic = "venue/door", payload = "open", qos = 1 } }
 * (or { "venue/door", "open" }, or a list of such tables). Payloads: strings
 * as they are, numbers and booleans as text, tables as JSON. A topic
 * starting "~/" is under the adapter's base.
 *
 * Control thread. Show tables are read raw (lua_rawget, lua_rawgeti,
 * lua_next): no script runs mid-declaration, and every count is bounded
 * (SHOW_CUE_MQTT_MAX, SHOW_MQTT_HANDLER_MAX, SHOW_CALL_SENDS_MAX). A cue's
 * messages are read first (raising is safe: what they point at is kept
 * alive by Lua), then copied into one block the cue owns. Publishing goes
 * through the sender app/ registers (gl_show_set_sender), messages arrive
 * through gl_show_handle_message; a failed publish or handler is one line
 * in the show's error ring, and the show goes on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "outputs/control/mqtt/mqtt_wire.h"
#include "show_internal.h"

#define SHOW_MQTT_PAYLOAD_MAX (256 * 1024)
#define SHOW_MQTT_JSON_DEPTH 16
#define SHOW_MQTT_JSON_ITEMS 4096
#define SHOW_MQTT_JSON_GUARD "ghostlight.mqtt.json"

/* A message a cue publishes at GO. In a cue, the messages and their bytes
 * are one allocation. */
struct show_mqtt_action {
	const char *topic;
	const char *payload;
	size_t len;
	int qos;                       /* -1: the adapter's qos */
	bool retain;
};

/* What a cue's mqtt field says, before it is copied: the strings are in
 * Lua, kept alive by the userdata's table. */
struct show_mqtt_parsed {
	int count;
	size_t bytes;                  /* of every topic and payload, NULs included */
	struct show_mqtt_action actions[SHOW_CUE_MQTT_MAX];
};

/* ---- payloads from Lua values ------------------------------------------------------ */

/* The Lua value at idx as JSON (raw reads, bounded depth and size). Returns
 * NULL with why when it cannot be one. */
static cJSON *to_json(lua_State *L, int idx, int depth, int *items, char *why, size_t len)
{
	idx = lua_absindex(L, idx);
	if (++*items > SHOW_MQTT_JSON_ITEMS) {
		snprintf(why, len, "more than %d values", SHOW_MQTT_JSON_ITEMS);
		return NULL;
	}
	switch (lua_type(L, idx)) {
	case LUA_TBOOLEAN:
		return cJSON_CreateBool(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (!isfinite(lua_tonumber(L, idx))) {
			snprintf(why, len, "a number that is not finite");
			return NULL;
		}
		return cJSON_CreateNumber(lua_tonumber(L, idx));
	case LUA_TSTRING: {
		size_t n;
		const char *s = lua_tolstring(L, idx, &n);

		if (strlen(s) != n) {
			snprintf(why, len, "a string with a NUL byte");
			return NULL;
		}
		return cJSON_CreateString(s);
	}
	case LUA_TTABLE:
		break;
	default:
		snprintf(why, len, "a %s (numbers, strings, booleans and tables only)",
			 luaL_typename(L, idx));
		return NULL;
	}
	if (depth >= SHOW_MQTT_JSON_DEPTH || !lua_checkstack(L, 4)) {
		snprintf(why, len, "tables nested more than %d deep", SHOW_MQTT_JSON_DEPTH);
		return NULL;
	}
	lua_Unsigned n = lua_rawlen(L, idx);
	cJSON *out;

	/* a list (keys 1..n) becomes an array, string keys an object */
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		bool ok = n > 0 ? lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
				  (lua_Unsigned)lua_tointeger(L, -2) <= n
				: lua_type(L, -2) == LUA_TSTRING;

		lua_pop(L, 1);
		if (!ok) {
			lua_pop(L, 1);
			snprintf(why, len, "a table that is neither a list nor has only string keys");
			return NULL;
		}
	}
	out = n > 0 ? cJSON_CreateArray() : cJSON_CreateObject();
	if (n > 0) {
		for (lua_Unsigned i = 1; out && i <= n; i++) {
			lua_rawgeti(L, idx, (lua_Integer)i);
			cJSON *item = to_json(L, -1, depth + 1, items, why, len);

			lua_pop(L, 1);
			if (!item) {
				cJSON_Delete(out);
				return NULL;
			}
			cJSON_AddItemToArray(out, item);
		}
	} else {
		lua_pushnil(L);
		while (out && lua_next(L, idx)) {
			cJSON *item = to_json(L, -1, depth + 1, items, why, len);

			lua_pop(L, 1);
			if (!item) {
				lua_pop(L, 1);
				cJSON_Delete(out);
				return NULL;
			}
			cJSON_AddItemToObject(out, lua_tostring(L, -1), item);
		}
	}
	if (!out)
		snprintf(why, len, "out of memory");
	return out;
}

/* __close of the guard that frees a JSON tree and its text when a Lua
 * error (memory) strikes while they are held. */
static int json_guard_close(lua_State *L)
{
	void **held = lua_touserdata(L, 1);

	cJSON_Delete(held[0]);
	free(held[1]);
	held[0] = held[1] = NULL;
	return 0;
}

/* Pushes the value at idx as payload text: strings as they are, numbers
 * and booleans as text, tables as JSON. Returns false (nothing pushed)
 * with why when it cannot be one; raises only when out of memory. */
static bool push_payload(lua_State *L, int idx, char *why, size_t len)
{
	char buf[64];

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		lua_pushvalue(L, idx);
		break;
	case LUA_TBOOLEAN:
		lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
		break;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, idx));
		else
			snprintf(buf, sizeof buf, "%.14g", lua_tonumber(L, idx));
		lua_pushstring(L, buf);
		break;
	case LUA_TTABLE: {
		void **held = lua_newuserdatauv(L, 2 * sizeof *held, 0);
		int items = 0;

		held[0] = held[1] = NULL;
		if (luaL_newmetatable(L, SHOW_MQTT_JSON_GUARD)) {
			lua_pushcfunction(L, json_guard_close);
			lua_setfield(L, -2, "__close");
		}
		lua_setmetatable(L, -2);
		lua_toclose(L, -1);
		held[0] = to_json(L, idx, 0, &items, why, len);
		held[1] = held[0] ? cJSON_PrintUnformatted(held[0]) : NULL;
		if (held[0] && !held[1])
			snprintf(why, len, "out of memory");
		bool ok = held[1] != NULL;
		if (ok)
			lua_pushstring(L, held[1]);   /* may raise: the guard frees */
		lua_closeslot(L, ok ? -2 : -1);       /* frees both now */
		lua_remove(L, ok ? -2 : -1);
		if (!ok)
			return false;
		break;
	}
	default:
		snprintf(why, len, "the payload is a %s (a string, number, boolean or table)",
			 luaL_typename(L, idx));
		return false;
	}
	if (lua_rawlen(L, -1) > SHOW_MQTT_PAYLOAD_MAX) {
		lua_pop(L, 1);
		snprintf(why, len, "the payload is over %d bytes", SHOW_MQTT_PAYLOAD_MAX);
		return false;
	}
	return true;
}

/* A topic to publish to: a valid MQTT topic, or "~/rest" under the base. */
static bool topic_ok(const char *topic)
{
	char probe[MQTT_TOPIC_MAX];

	if (strncmp(topic, "~/", 2) == 0) {
		/* the base is the adapter's: check the rest under a short stand-in */
		if ((size_t)snprintf(probe, sizeof probe, "b/%s", topic + 2) >= sizeof probe)
			return false;
		return mqtt_topic_ok(probe, false);
	}
	return mqtt_topic_ok(topic, false);
}

static int send_one(struct gl_show *s, const char *topic, const char *payload, size_t n, int qos,
		    bool retain)
{
	struct gl_ctl_arg args[3] = {
		{ .type = 'b', .s = payload, .i = (int64_t)n },
		{ .type = qos < 0 ? 'N' : 'i', .i = qos },
		{ .type = retain ? 'T' : 'F' },
	};
	struct gl_ctl_msg msg = { .address = topic, .argc = 3, .argv = args };

	return show_send(s, "mqtt", &msg);
}

static const char *send_error(int rc)
{
	return rc == GL_ENOENT ? "MQTT is not running" : rc == GL_EAGAIN
	       ? "MQTT is not connected (not sent)" : gl_strerror(rc);
}

/* qos and retain from the table at idx (raw reads). Returns NULL, or what
 * is wrong. */
static const char *publish_options(lua_State *L, int idx, int *qos, bool *retain)
{
	const char *wrong = NULL;

	lua_pushnil(L);
	while (!wrong && lua_next(L, idx)) {
		const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";

		if (strcmp(key, "qos") == 0) {
			if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 2)
				wrong = "qos must be 0, 1 or 2";
			else
				*qos = (int)lua_tointeger(L, -1);
		} else if (strcmp(key, "retain") == 0) {
			if (!lua_isboolean(L, -1))
				wrong = "retain must be true or false";
			else
				*retain = lua_toboolean(L, -1);
		} else if (strcmp(key, "topic") != 0 && strcmp(key, "payload") != 0 &&
			   !lua_isinteger(L, -2)) {
			wrong = "only topic, payload, qos and retain are allowed";
		}
		lua_pop(L, 1);
	}
	if (wrong)
		lua_pop(L, 1);                    /* the key lua_next left */
	return wrong;
}

/* ---- mqtt.publish ------------------------------------------------------------------------ */

static int mqtt_publish_fn(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	const char *topic = luaL_checkstring(L, 1);
	char why[160];
	size_t n = 0;
	int qos = -1;
	bool retain = false;

	if (!topic_ok(topic))
		return luaL_error(L, "mqtt.publish: \"%s\" is not a topic to publish to (UTF-8, no "
				  "+ or #, at most %d bytes; \"~/x\" is under the base)", topic,
				  MQTT_TOPIC_MAX - 1);
	if (lua_gettop(L) > 3)
		return luaL_error(L, "mqtt.publish: expects (topic, payload [, { qos =, retain = }])");
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		const char *wrong = publish_options(L, 3, &qos, &retain);
		if (wrong)
			return luaL_error(L, "mqtt.publish: %s", wrong);
	}
	if (lua_isnoneornil(L, 2))
		lua_pushliteral(L, "");
	else if (!push_payload(L, 2, why, sizeof why))
		return luaL_error(L, "mqtt.publish: %s", why);
	const char *text = lua_tolstring(L, -1, &n);
	if (!show_send_allowed(L, s, "mqtt.publish", send_error(GL_ENOENT)))
		return 2;
	return show_send_result(L, send_one(s, topic, text, n, qos, retain), send_error);
}

/* ---- on_mqtt -------------------------------------------------------------------------------- */

static int mqtt_on(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_osc_handler h;

	memset(&h, 0, sizeof h);
	h.at = show_where_here(L);
	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "on_mqtt is only allowed while the show loads (the adapter "
				  "subscribes when it starts)");
	if (lua_type(L, 1) != LUA_TSTRING || lua_rawlen(L, 1) >= sizeof h.pattern ||
	    !mqtt_topic_ok(lua_tostring(L, 1), true))
		return luaL_error(L, "on_mqtt: the first argument must be a topic filter like "
				  "\"venue/door/+\" (UTF-8, + and # as MQTT allows them)");
	if (!lua_isfunction(L, 2) || !lua_isnone(L, 3))
		return luaL_error(L, "on_mqtt: expects (filter, function)");
	if (s->mqtt_handlers.count >= SHOW_MQTT_HANDLER_MAX)
		return show_raise(L, h.at, "on_mqtt: at most %d handlers (the broker gets a "
				  "subscription for each)", SHOW_MQTT_HANDLER_MAX);
	show_osc_handler_add(L, &s->mqtt_handlers, &h);
	return 0;
}

const char *gl_show_subscription(const struct gl_show *s, const char *adapter, int i)
{
	if (s && adapter && strcmp(adapter, "midi") == 0)
		return show_midi_subscription(s, i);
	if (!s || !adapter || strcmp(adapter, "mqtt") != 0 || i < 0 || i >= s->mqtt_handlers.count)
		return NULL;
	return SHOW_AT(s->mqtt_handlers, struct show_osc_handler, i)->pattern;
}

bool show_mqtt_handle(struct gl_show *s, const struct gl_ctl_msg *msg)
{
	bool ran = false;

	if (s->phase != SHOW_BUILT || !msg || !msg->address || msg->argc < 1 ||
	    (msg->argv[0].type != 'b' && msg->argv[0].type != 's') || !msg->argv[0].s)
		return false;
	lua_State *L = sandbox_state(s->sb);
	const struct gl_ctl_arg *payload = &msg->argv[0];
	size_t n = payload->type == 'b' ? (size_t)payload->i : strlen(payload->s);
	bool retained = msg->argc > 1 && msg->argv[1].type == 'T';
	int count = s->mqtt_handlers.count;   /* handlers are declared at load only */

	for (int i = 0; i < count; i++) {
		const struct show_osc_handler *h =
			SHOW_AT(s->mqtt_handlers, struct show_osc_handler, i);
		char what[sizeof h->pattern + SHOW_PATH_MAX + 32];

		if (!mqtt_filter_match(h->pattern, msg->address))
			continue;
		ran = true;
		show_osc_handler_push(L, h, "on_mqtt", msg->address, what, sizeof what);
		lua_pushlstring(L, payload->s, n);
		lua_pushboolean(L, retained);
		show_run_handler(s, 3, what);
	}
	return ran;
}

/* ---- cue actions ------------------------------------------------------------------------------ */

/* One message: the table at t. Its topic and payload (as text) go into
 * keep (a table the parsed userdata holds) so they outlive the
 * declaration's stack. */
static void cue_action(lua_State *L, struct show_where at, const char *what, int t, int keep,
		       int index, struct show_mqtt_parsed *p)
{
	struct show_mqtt_action *out = &p->actions[index];
	char why[160], ctx[96];
	int top = lua_gettop(L);

	snprintf(ctx, sizeof ctx, "%s: mqtt", what);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		bool ok = lua_type(L, -2) == LUA_TSTRING ||
			  (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
			   lua_tointeger(L, -2) <= 2);

		lua_pop(L, 1);
		if (!ok)
			show_raise(L, at, "%s: give { topic = ..., payload = ..., qos = 0..2, "
				   "retain = true|false } or { \"topic\", payload }", ctx);
	}
	lua_pushliteral(L, "topic");
	int named = lua_rawget(L, t);
	int positional = lua_rawgeti(L, t, 1);
	if ((named != LUA_TNIL) == (positional != LUA_TNIL))
		show_raise(L, at, "%s: name the topic once (topic = \"venue/door\" or the first item)",
			   ctx);
	if (named != LUA_TNIL)
		lua_pop(L, 1);
	if (lua_type(L, -1) != LUA_TSTRING || !topic_ok(lua_tostring(L, -1)))
		show_raise(L, at, "%s: the topic must be a topic to publish to (UTF-8, no + or #, "
			   "at most %d bytes; \"~/x\" is under the base)", ctx, MQTT_TOPIC_MAX - 1);
	out->topic = lua_tostring(L, -1);
	lua_rawseti(L, keep, 2 * index + 1);
	lua_pushliteral(L, "payload");
	named = lua_rawget(L, t);
	positional = lua_rawgeti(L, t, 2);
	if (named != LUA_TNIL && positional != LUA_TNIL)
		show_raise(L, at, "%s: give the payload once", ctx);
	if (named == LUA_TNIL && positional == LUA_TNIL)
		lua_pushliteral(L, "");           /* an empty payload (clears a retained one) */
	else if (!push_payload(L, named != LUA_TNIL ? -2 : -1, why, sizeof why))
		show_raise(L, at, "%s: %s", ctx, why);
	out->payload = lua_tolstring(L, -1, &out->len);
	lua_rawseti(L, keep, 2 * index + 2);
	out->qos = -1;
	const char *wrong = publish_options(L, t, &out->qos, &out->retain);
	if (wrong)
		show_raise(L, at, "%s: %s", ctx, wrong);
	p->bytes += strlen(out->topic) + 1 + out->len + 1;
	lua_settop(L, top);
}

static const void *show_mqtt_cue_actions(lua_State *L, struct show_where at, const char *what)
{
	struct show_mqtt_parsed *p;
	int field = lua_gettop(L), count;
	bool list;

	if (!lua_istable(L, field))
		show_raise(L, at, "%s: mqtt must be { topic = \"venue/door\", payload = \"open\", "
			   "qos = 1, retain = false } or a list of them", what);
	count = show_action_list(L, at, what, field, "mqtt", "message", SHOW_CUE_MQTT_MAX, &list);
	/* the parsed messages, and the table that keeps their strings */
	p = show_action_parsed_keep(L, sizeof *p, 2 * count);
	int keep = lua_gettop(L);
	for (int i = 0; i < count; i++) {
		show_action_push(L, field, list, i);
		cue_action(L, at, what, lua_gettop(L), keep, i, p);
		lua_pop(L, 1);
		p->count = i + 1;
	}
	lua_pop(L, 1);                      /* keep */
	show_action_parsed_done(L, field, (size_t)p->count * sizeof p->actions[0] + p->bytes);
	return p;
}

static void *show_mqtt_cue_copy(const void *parsed, int *count)
{
	const struct show_mqtt_parsed *p = parsed;
	char *pos;
	struct show_mqtt_action *out = show_action_block(p->count, sizeof *out, p->bytes, &pos);

	*count = p->count;
	if (!out)
		return NULL;
	for (int i = 0; i < p->count; i++) {
		const struct show_mqtt_action *a = &p->actions[i];

		out[i] = *a;
		out[i].topic = show_action_put(&pos, a->topic, strlen(a->topic) + 1);
		/* the payload with the NUL Lua ends every string with */
		out[i].payload = show_action_put(&pos, a->payload, a->len + 1);
	}
	return out;
}

static void show_mqtt_fire(struct gl_show *s, const struct show_cue *c, const void *actions, int count)
{
	const struct show_mqtt_action *a = actions;

	for (int i = 0; i < count; i++) {
		int rc = send_one(s, a[i].topic, a[i].payload, a[i].len, a[i].qos, a[i].retain);

		if (rc < 0)
			show_ring_push(s, "%s:%d: cue %s: mqtt %s: %s", c->at.file, c->at.line,
				       c->def.number_text, a[i].topic, send_error(rc));
	}
}

const struct show_action_kind show_mqtt_actions = {
	.field = "mqtt", .parse = show_mqtt_cue_actions, .copy = show_mqtt_cue_copy,
	.fire = show_mqtt_fire,
};

void show_mqtt_free(struct gl_show *s)
{
	show_vec_free(&s->mqtt_handlers);
}

/* ---- registration ---------------------------------------------------------------------------- */

void show_mqtt_register(lua_State *L, struct gl_show *s)
{
	/* the env table is on top; its "mqtt" table (show_osc_register made it
	 * for the declaration) gets publish */
	lua_pushstring(L, "mqtt");
	if (lua_rawget(L, -2) == LUA_TTABLE)
		show_set_fn(L, s, "publish", mqtt_publish_fn);
	lua_pop(L, 1);
	show_set_fn(L, s, "on_mqtt", mqtt_on);
}
