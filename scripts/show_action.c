/*
 * show_action.c - the kinds of cue action a cue fires at GO, as one table:
 * the cue field that declares each (osc = {...}, mqtt = {...}, audio = {...}), the
 * functions that read it and copy it into one heap block, and the one that
 * fires it through the show's sender. A new kind (MIDI, video) is a file
 * of its own that defines its struct show_action_kind, and a row here;
 * the cue declaration (show_decl.c), GO (show_api.c) and destroy (show.c)
 * walk the table. Also what the kinds' readers and their script-side send
 * functions (osc.send, mqtt.publish, midi.send, rtsp.play) share.
 *
 * Control thread. Invariant: a cue's slot for a kind holds exactly what
 * that kind's copy() made, one block that free() releases.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "show_internal.h"

const struct show_action_kind *const show_action_kinds[SHOW_ACTION_KINDS] = {
	[SHOW_ACTION_OSC] = &show_osc_actions,
	[SHOW_ACTION_MQTT] = &show_mqtt_actions,
	[SHOW_ACTION_VIDEO] = &show_video_actions,
	[SHOW_ACTION_MIDI] = &show_midi_actions,
	[SHOW_ACTION_AUDIO] = &show_audio_actions,
};

void show_actions_event(struct gl_show *s, const struct gl_event *ev)
{
	for (int k = 0; k < SHOW_ACTION_KINDS; k++)
		if (show_action_kinds[k]->event)
			show_action_kinds[k]->event(s, ev);
}

int show_action_list(lua_State *L, struct show_where at, const char *what, int field,
		     const char *kind, const char *noun, int max, bool *list)
{
	int count;

	*list = lua_rawgeti(L, field, 1) == LUA_TTABLE;
	lua_pop(L, 1);
	if (*list && lua_rawlen(L, field) > (lua_Unsigned)max)
		show_raise(L, at, "%s: %s: 1..%d %ss", what, kind, max, noun);
	count = *list ? (int)lua_rawlen(L, field) : 1;
	if (!*list)
		return count;
	lua_pushnil(L);
	while (lua_next(L, field)) {
		bool ok = lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
			  lua_tointeger(L, -2) <= count && lua_istable(L, -1);

		lua_pop(L, 1);
		if (!ok)
			show_raise(L, at, "%s: %s: a list of %ss has only %s tables", what, kind, noun,
				   noun);
	}
	return count;
}

void show_action_push(lua_State *L, int field, bool list, int i)
{
	if (list)
		lua_rawgeti(L, field, i + 1);
	else
		lua_pushvalue(L, field);
}

void *show_action_parsed_keep(lua_State *L, size_t size, int slots)
{
	void *p = lua_newuserdatauv(L, size, 1);

	memset(p, 0, size);
	lua_createtable(L, slots, 0);
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, -3, 1);
	return p;
}

void show_action_parsed_done(lua_State *L, int field, size_t bytes)
{
	lua_replace(L, field);
	show_charge(L, bytes);
}

void *show_action_block(int count, size_t size, size_t bytes, char **pos)
{
	size_t head = (size_t)count * size;
	char *block = malloc(head + bytes);

	*pos = block ? block + head : NULL;
	return block;
}

char *show_action_put(char **pos, const void *data, size_t len)
{
	char *copy = memcpy(*pos, data, len);

	*pos += len;
	return copy;
}

int show_send(struct gl_show *s, const char *adapter, const struct gl_ctl_msg *msg)
{
	if (!s->send_fn || s->phase != SHOW_BUILT)
		return GL_ENOENT;
	return s->send_fn(s->send_ud, adapter, msg);
}

bool show_send_allowed(lua_State *L, struct gl_show *s, const char *what,
		       const char *not_running)
{
	if (!s->send_fn || s->phase != SHOW_BUILT) {
		lua_pushboolean(L, 0);
		lua_pushstring(L, not_running);
		return false;
	}
	if (++s->call_sends > SHOW_CALL_SENDS_MAX)
		show_raise(L, show_where_here(L), "%s: at most %d messages in one handler call",
			   what, SHOW_CALL_SENDS_MAX);
	return true;
}

int show_send_result(lua_State *L, int rc, const char *(*why)(int rc))
{
	lua_pushboolean(L, rc == 0);
	if (rc == 0)
		return 1;
	lua_pushstring(L, why(rc));
	return 2;
}

void show_actions_fire(struct gl_show *s, int list, int cue)
{
	if (list < 0 || list >= s->lists.count)
		return;
	const struct show_list *l = SHOW_AT(s->lists, struct show_list, list);
	/* l->cues[cue] < 0: a cue recorded in the console, which has none */
	if (cue < 0 || cue >= l->cue_count || l->cues[cue] < 0)
		return;
	const struct show_cue *c = SHOW_AT(s->cues, struct show_cue, l->cues[cue]);

	for (int k = 0; k < SHOW_ACTION_KINDS; k++)
		if (c->actions[k].count > 0)
			show_action_kinds[k]->fire(s, c, c->actions[k].items, c->actions[k].count);
}

void show_actions_free(struct gl_show *s)
{
	for (int i = 0; i < s->cues.count; i++) {
		struct show_cue *c = SHOW_AT(s->cues, struct show_cue, i);

		for (int k = 0; k < SHOW_ACTION_KINDS; k++) {
			free(c->actions[k].items);    /* one block each */
			c->actions[k].items = NULL;
			c->actions[k].count = 0;
		}
	}
}
