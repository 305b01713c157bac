/*
 * show_resume.c - what a show says about coming back after a crash or a
 * power cut, show { resume = "live" | "restart" | N | { "List", N } }, and
 * the files it was built from (app/resume.c hashes them to tell whether a
 * journal was written by this version of the show).
 *
 * Control thread: show_resume_decl() inside the load's sandbox call (the
 * table is read raw, errors are raised at the show { } line), the rest
 * once the show is built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "show_internal.h"

#define RESUME_USAGE "\"live\", \"restart\", a cue number or { \"list\", cue }"

void show_resume_decl(lua_State *L, struct gl_show *s, int idx, struct show_where at)
{
	char desc[96];

	s->resume = GL_SHOW_RESUME_LIVE;
	s->resume_at = at;
	lua_pushstring(L, "resume");
	switch (lua_rawget(L, idx)) {
	case LUA_TNIL:
		break;
	case LUA_TSTRING: {
		const char *v = lua_tostring(L, -1);

		if (strcmp(v, "live") == 0)
			s->resume = GL_SHOW_RESUME_LIVE;
		else if (strcmp(v, "restart") == 0)
			s->resume = GL_SHOW_RESUME_RESTART;
		else
			show_raise(L, at, "show: resume must be " RESUME_USAGE ", not \"%s\"", v);
		break;
	}
	case LUA_TNUMBER:
		s->resume = GL_SHOW_RESUME_CUE;
		s->resume_cue_number = lua_tonumber(L, -1);
		break;
	case LUA_TTABLE: {
		int t = lua_gettop(L), keys = 0;

		lua_pushnil(L);
		while (lua_next(L, t)) {
			lua_pop(L, 1);
			keys++;
		}
		if (keys != 2 || lua_rawgeti(L, t, 1) != LUA_TSTRING ||
		    lua_rawgeti(L, t, 2) != LUA_TNUMBER)
			show_raise(L, at, "show: resume as a table is { \"list\", cue number }");
		if (lua_rawlen(L, -2) == 0 || lua_rawlen(L, -2) >= sizeof s->resume_list_name ||
		    strlen(lua_tostring(L, -2)) != lua_rawlen(L, -2))
			show_raise(L, at, "show: resume: a cue list name is 1..%d bytes long",
				   (int)sizeof s->resume_list_name - 1);
		snprintf(s->resume_list_name, sizeof s->resume_list_name, "%s", lua_tostring(L, -2));
		s->resume = GL_SHOW_RESUME_CUE;
		s->resume_cue_number = lua_tonumber(L, -1);
		lua_pop(L, 2);
		break;
	}
	default:
		show_describe(L, -1, desc, sizeof desc);
		show_raise(L, at, "show: resume must be " RESUME_USAGE ", not %s", desc);
	}
	if (s->resume == GL_SHOW_RESUME_CUE && !(s->resume_cue_number > 0))
		show_raise(L, at, "show: resume: cue %g is not a cue number (above 0)",
			   s->resume_cue_number);
	lua_pop(L, 1);
}

int show_resume_build(struct gl_show *s, char *err, size_t len)
{
	const char *list_name = s->resume_list_name;
	int list;

	if (s->resume != GL_SHOW_RESUME_CUE)
		return 0;
	if (list_name[0])
		list = gl_engine_cuelist_find(s->engine, list_name);
	else
		list = gl_engine_cuelist_count(s->engine) > 0 ? 0 : GL_ENOENT;
	if (list < 0) {
		if (list_name[0])
			snprintf(err, len, "%s:%d: show: resume: no cue list \"%s\"", s->resume_at.file,
				 s->resume_at.line, list_name);
		else
			snprintf(err, len, "%s:%d: show: resume = %g: the show has no cue list",
				 s->resume_at.file, s->resume_at.line, s->resume_cue_number);
		return -1;
	}
	s->resume_list = list;
	s->resume_cue = gl_engine_cue_find(s->engine, list, s->resume_cue_number);
	if (s->resume_cue < 0) {
		snprintf(err, len, "%s:%d: show: resume: no cue %g in cue list \"%s\"",
			 s->resume_at.file, s->resume_at.line, s->resume_cue_number,
			 gl_engine_cuelist_name(s->engine, list));
		return -1;
	}
	return 0;
}

enum gl_show_resume gl_show_resume(const struct gl_show *s, int *list, int *cue)
{
	if (s->resume == GL_SHOW_RESUME_CUE) {
		*list = s->resume_list;
		*cue = s->resume_cue;
	}
	return s->resume;
}

int gl_show_discard_queued(struct gl_show *s)
{
	int n = s->queued.count;

	s->queued.count = 0;
	return n;
}

void gl_show_sources(struct gl_show *s, void (*fn)(void *ud, const char *path), void *ud)
{
	fn(ud, s->path);
	for (int i = 0; i < s->types.count; i++) {
		const struct show_type *t = SHOW_AT(s->types, struct show_type, i);
		bool seen = false;

		/* one file, several modes: once */
		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(SHOW_AT(s->types, struct show_type, j)->path, t->path) == 0;
		if (!seen)
			fn(ud, t->path);
	}
	sandbox_each_required(s->sb, fn, ud);
}
