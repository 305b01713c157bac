/*
 * show.c - loading a show: runs the file in the sandbox (the declarations
 * collect into the show, see show_decl.c), then builds the engine from
 * them in a fixed order - outputs (configure, universes), patch, groups,
 * cue lists and cues, faders, finalize - and resolves what the file asked
 * for at load (queued commands, on_cue handlers). Also the accessors and
 * destroy.
 *
 * Control thread. Every build error is "file:line: what is wrong" at the
 * declaration that caused it; a show that fails to load frees everything.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "datadir.h"
#include "show_internal.h"

/* ---- small shared helpers ------------------------------------------------------ */

/* The nearest Lua caller (level 1 is our caller; C functions like pcall
 * are skipped); false when there is none. */
static bool show_caller(lua_State *L, lua_Debug *ar, const char **file)
{
	for (int level = 1; lua_getstack(L, level, ar); level++) {
		lua_getinfo(L, "Sl", ar);
		if (ar->currentline > 0) {
			*file = ar->source[0] == '@' || ar->source[0] == '=' ? ar->source + 1
									     : ar->short_src;
			return true;
		}
	}
	return false;
}

/* Interns nothing, so it cannot itself need memory. */
int show_raise_memory(lua_State *L)
{
	size_t mib = sandbox_memory_limit(sandbox_of(L)) >> 20;
	const char *file;
	lua_Debug ar;

	if (show_caller(L, &ar, &file))
		lua_pushfstring(L, "%s:%d: memory limit exceeded (%d MiB)", file, ar.currentline,
				(int)mib);
	else
		lua_pushfstring(L, "memory limit exceeded (%d MiB)", (int)mib);
	return lua_error(L);
}

void show_charge(lua_State *L, size_t bytes)
{
	if (sandbox_charge(sandbox_of(L), bytes) != 0)
		show_raise_memory(L);
}

void show_vec_reserve(lua_State *L, struct show_vec *vec, size_t size)
{
	void *items;
	int cap;

	if (vec->count < vec->cap)
		return;
	cap = vec->cap ? vec->cap * 2 : 8;
	show_charge(L, (size_t)(cap - vec->cap) * size);
	items = realloc(vec->items, (size_t)cap * size);
	if (!items) {
		sandbox_release(sandbox_of(L), (size_t)(cap - vec->cap) * size);
		luaL_error(L, "out of memory");
		return;
	}
	vec->items = items;
	vec->cap = cap;
}

void *show_vec_push(lua_State *L, struct show_vec *vec, size_t size)
{
	char *item;

	show_vec_reserve(L, vec, size);
	item = (char *)vec->items + (size_t)vec->count * size;
	memset(item, 0, size);
	vec->count++;
	return item;
}

void show_vec_free(struct show_vec *vec)
{
	free(vec->items);
	vec->items = NULL;
	vec->count = vec->cap = 0;
}

struct gl_show *show_from_upvalue(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

void show_set_fn(lua_State *L, struct gl_show *s, const char *name, lua_CFunction fn)
{
	lua_pushstring(L, name);
	lua_pushlightuserdata(L, s);
	lua_pushcclosure(L, fn, 1);
	lua_rawset(L, -3);        /* raw: no metamethod of the table runs */
}

/* The index is a Lua table (in the registry, so scripts never see it):
 * hashed, and counted by the sandbox's allocator like any Lua memory. */
static void show_index_key(lua_State *L, struct gl_show *s, char kind, const char *name)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, s->index_ref);
	lua_pushfstring(L, "%c%s", kind, name);
}

int show_index_get(lua_State *L, struct gl_show *s, char kind, const char *name)
{
	int found;

	show_index_key(L, s, kind, name);
	found = lua_rawget(L, -2) == LUA_TNUMBER ? (int)lua_tointeger(L, -1) : -1;
	lua_pop(L, 2);
	return found;
}

void show_index_set(lua_State *L, struct gl_show *s, char kind, const char *name, int value)
{
	show_index_key(L, s, kind, name);
	lua_pushinteger(L, value);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* Declarations keep pointers to it. */
const char *show_intern(lua_State *L, struct gl_show *s, const char *text)
{
	size_t len = strlen(text) + 1;
	int found = show_index_get(L, s, 'f', text);
	char *copy;

	if (found >= 0)
		return *SHOW_AT(s->files, char *, found);
	show_vec_reserve(L, &s->files, sizeof copy);
	show_charge(L, len);
	copy = malloc(len);
	if (!copy) {
		luaL_error(L, "out of memory");
		return "?";
	}
	memcpy(copy, text, len);
	*(char **)show_vec_push(L, &s->files, sizeof copy) = copy;
	/* A failure here leaves the copy listed (and freed with the show),
	 * only not found again. */
	show_index_set(L, s, 'f', text, s->files.count - 1);
	return copy;
}

struct show_where show_where_here(lua_State *L)
{
	struct show_where at = { "?", 0 };
	const char *file;
	lua_Debug ar;

	if (show_caller(L, &ar, &file)) {
		at.file = show_intern(L, show_from_upvalue(L), file);
		at.line = ar.currentline;
	}
	return at;
}

int show_raise(lua_State *L, struct show_where at, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lua_pushfstring(L, "%s:%d: %s", at.file, at.line, msg);
	return lua_error(L);
}

void show_describe(lua_State *L, int idx, char *buf, size_t len)
{
	/* Never lua_tolstring() a number here: it may be a key under lua_next. */
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
		else
			snprintf(buf, len, "%g", lua_tonumber(L, idx));
		break;
	case LUA_TSTRING:
		snprintf(buf, len, "\"%.60s%s\"", lua_tostring(L, idx),
			 lua_rawlen(L, idx) > 60 ? "..." : "");
		break;
	case LUA_TBOOLEAN:
		snprintf(buf, len, "%s", lua_toboolean(L, idx) ? "true" : "false");
		break;
	case LUA_TNIL:
	case LUA_TNONE:
		snprintf(buf, len, "nil");
		break;
	default:
		snprintf(buf, len, "a %s", luaL_typename(L, idx));
		break;
	}
}

int show_fail(char *err, size_t len, struct show_where at, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (at.line > 0)
		snprintf(err, len, "%s:%d: %s", at.file, at.line, msg);
	else
		snprintf(err, len, "%s: %s", at.file, msg);
	return -1;
}

/* ---- build: declarations -> engine ---------------------------------------------- */

/* What the engine (engine.c, cuelist.c) and the outputs allocate per item
 * at most, charged against the memory limit before they are made. */
#define BUILD_UNIVERSE_BYTES 16384   /* slot owners, DMX, frame taps, output buffers */
#define BUILD_FIXTURE_BYTES 128
#define BUILD_PARAM_BYTES 64         /* the per-param arrays of finalize */
#define BUILD_CUE_BYTES (sizeof(struct gl_cue_def) + 32)
#define BUILD_LIST_PARAM_BYTES 24    /* a list's playback state per param */

/* Counts `bytes` the build is about to allocate for the declaration at
 * `at`. Returns 0, or -1 with "file:line: what: memory limit exceeded". */
static int show_build_charge(struct gl_show *s, struct show_where at, size_t bytes,
			     const char *what, char *err, size_t len)
{
	if (sandbox_charge(s->sb, bytes) == 0)
		return 0;
	return show_fail(err, len, at, "%s: memory limit exceeded (%d MiB)", what,
			 (int)(sandbox_memory_limit(s->sb) >> 20));
}

static int show_build_outputs(struct gl_show *s, char *err, size_t len)
{
	for (int i = 0; i < s->outputs.count; i++) {
		struct show_output *o = SHOW_AT(s->outputs, struct show_output, i);
		char msg[400] = "";

		snprintf(o->cfg.show_name, sizeof o->cfg.show_name, "%s", s->name);
		snprintf(msg, sizeof msg, "output \"%s\"", o->cfg.name);
		if (show_build_charge(s, o->at, (size_t)o->cfg.universe_count * BUILD_UNIVERSE_BYTES,
				      msg, err, len) < 0)
			return -1;
		msg[0] = '\0';
		o->state = o->ops->configure(&o->cfg, msg, sizeof msg);
		if (!o->state)
			return show_fail(err, len, o->at, "output \"%s\": %s", o->cfg.name,
					 msg[0] ? msg : "rejected by the output");
		for (int u = 0; u < o->cfg.universe_count; u++) {
			int rc = gl_engine_add_universe(s->engine, o->cfg.universes[u]);

			if (rc < 0 && rc != GL_EEXIST)
				return show_fail(err, len, o->at, "output \"%s\": universe %d: %s",
						 o->cfg.name, o->cfg.universes[u], gl_strerror(rc));
		}
	}
	return 0;
}

/* The patch declaration a fixture id came from, among the first `built`
 * (they hold ascending runs of fixture ids). */
static const struct show_patch *show_patch_of(const struct gl_show *s, int fixture, int built)
{
	int lo = 0, hi = built - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const struct show_patch *p = SHOW_AT(s->patches, struct show_patch, mid);
		const struct show_type *t = SHOW_AT(s->types, struct show_type, p->type_index);

		if (fixture < p->first_fixture)
			hi = mid - 1;
		else if (fixture >= p->first_fixture + p->count * t->part_count)
			lo = mid + 1;
		else
			return p;
	}
	return NULL;
}

static int show_cmp_label(const void *a, const void *b, void *e)
{
	return strcmp(gl_engine_fixture_label(e, *(const int *)a),
		      gl_engine_fixture_label(e, *(const int *)b));
}

/* Labels must be unique: selections find fixtures by them. On success
 * *sorted holds every fixture id by label (the caller frees it). */
static int show_check_labels(struct gl_show *s, int **sorted, char *err, size_t len)
{
	int n = gl_engine_fixture_count(s->engine);
	int *ids = malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);

	if (!ids) {
		snprintf(err, len, "%s: out of memory", s->path);
		return -1;
	}
	for (int i = 0; i < n; i++)
		ids[i] = i;
	qsort_r(ids, (size_t)n, sizeof *ids, show_cmp_label, s->engine);
	for (int i = 1; i < n; i++) {
		int a = ids[i - 1] < ids[i] ? ids[i - 1] : ids[i];
		int b = ids[i - 1] < ids[i] ? ids[i] : ids[i - 1];

		if (strcmp(gl_engine_fixture_label(s->engine, a),
			   gl_engine_fixture_label(s->engine, b)) == 0) {
			const struct show_patch *pa = show_patch_of(s, a, s->patches.count);
			const struct show_patch *pb = show_patch_of(s, b, s->patches.count);

			free(ids);
			return show_fail(err, len, pb->at, "patch \"%s\": label \"%s\" is already "
					 "used by patch \"%s\" (line %d)", pb->base,
					 gl_engine_fixture_label(s->engine, b), pa->base, pa->at.line);
		}
	}
	*sorted = ids;
	return 0;
}

static bool show_label_used(const struct gl_show *s, const int *sorted, const char *name)
{
	int lo = 0, hi = gl_engine_fixture_count(s->engine) - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(name, gl_engine_fixture_label(s->engine, sorted[mid]));

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return false;
}

static int show_build_patch(struct gl_show *s, int **sorted, char *err, size_t len)
{
	for (int i = 0; i < s->patches.count; i++) {
		struct show_patch *p = SHOW_AT(s->patches, struct show_patch, i);
		const struct show_type *st = SHOW_AT(s->types, struct show_type, p->type_index);
		int universes = gl_engine_universe_count(s->engine);
		char what[GL_NAME_MAX + 16];
		size_t bytes = 0;

		snprintf(what, sizeof what, "patch \"%s\"", p->base);
		for (int k = 0; k < st->part_count; k++)
			bytes += BUILD_FIXTURE_BYTES +
				 (size_t)(st->parts[k].type.channel_count + 1) * BUILD_PARAM_BYTES;
		if (show_build_charge(s, p->at, bytes * (size_t)p->count, what, err, len) < 0)
			return -1;
		/* A multi-head type makes one engine fixture per part: "bar 2"
		 * (shared channels) and "bar 2.1".."bar 2.8" (heads). */
		for (int j = 0; j < p->count * st->part_count; j++) {
			const struct fdef_part *part = &st->parts[j % st->part_count];
			const struct gl_fixture_type *t = &part->type;
			char label[GL_NAME_MAX + 32];   /* fits: checked at the patch */
			int k = j / st->part_count;
			int address = p->address + k * p->spacing, other = -1, id;
			int n;

			if (p->count == 1)
				n = snprintf(label, sizeof label, "%s", p->base);
			else
				n = snprintf(label, sizeof label, "%s %d", p->base, k + 1);
			if (part->head > 0)
				snprintf(label + n, sizeof label - (size_t)n, ".%d", part->head);
			id = gl_engine_add_fixture(s->engine, t, label, p->universe, address, &other);
			if (id == GL_EEXIST && other >= 0) {
				const struct show_patch *q = show_patch_of(s, other, j > 0 ? i + 1 : i);
				int ou, oa;
				const struct gl_fixture_type *ot = gl_engine_fixture_type(s->engine, other);

				gl_engine_fixture_address(s->engine, other, &ou, &oa);
				return show_fail(err, len, p->at, "patch \"%s\": \"%s\" (%d.%d-%d.%d) "
						 "overlaps \"%s\" (%d.%d-%d.%d, line %d)", p->base, label,
						 p->universe, address, p->universe,
						 address + st->slots - 1,
						 gl_engine_fixture_label(s->engine, other), ou, oa, ou,
						 oa + ot->footprint - 1, q ? q->at.line : 0);
			}
			if (id == GL_ERANGE)
				return show_fail(err, len, p->at, "patch \"%s\": \"%s\" at %d.%d: "
						 "DMX address past 512", p->base, label, p->universe,
						 address);
			if (id < 0)
				return show_fail(err, len, p->at, "patch \"%s\": \"%s\": %s", p->base,
						 label, gl_strerror(id));
			if (j == 0)
				p->first_fixture = id;
		}
		universes = gl_engine_universe_count(s->engine) - universes;
		if (show_build_charge(s, p->at, (size_t)universes * BUILD_UNIVERSE_BYTES, what,
				      err, len) < 0)
			return -1;
	}
	return show_check_labels(s, sorted, err, len);
}

/* Files group `id`, just added to the engine, into `groups` (the rig's
 * groups: every earlier one, by name). */
static void show_group_filed(const struct gl_show *s, int *groups, int id)
{
	const char *name = gl_engine_group_name(s->engine, id);
	int lo = 0, hi = id;           /* ids are 0, 1, ...: `id` are filed */

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(gl_engine_group_name(s->engine, groups[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(groups + lo + 1, groups + lo, (size_t)(id - lo) * sizeof *groups);
	groups[lo] = id;
}

static int show_build_groups(struct gl_show *s, const struct look_rig *rig, int *groups,
			     const int *sorted, char *err, size_t len)
{
	int n = gl_engine_fixture_count(s->engine);
	int *sel = malloc((size_t)(n > 0 ? n : 1) * sizeof *sel);
	int *members = malloc((size_t)(n > 0 ? n : 1) * sizeof *members);
	unsigned char *in = calloc((size_t)(n > 0 ? n : 1), 1);
	int rc = 0;

	if (!sel || !members || !in) {
		rc = show_fail(err, len, (struct show_where){ s->path, 0 }, "out of memory");
		goto done;
	}
	for (int i = 0; i < s->groups.count && rc == 0; i++) {
		const struct show_group *g = SHOW_AT(s->groups, struct show_group, i);
		char msg[300];
		int count = 0, id;

		if (show_label_used(s, sorted, g->name)) {
			rc = show_fail(err, len, g->at, "group \"%s\": the name is already "
				       "a fixture label", g->name);
			goto done;
		}
		if (look_patch_find(rig, g->name)) {
			rc = show_fail(err, len, g->at, "group \"%s\": the name is already "
				       "a patch", g->name);
			goto done;
		}
		for (int k = 0; k < g->selection_count; k++) {
			int got = look_select(rig, g->selections[k], sel, n, msg, sizeof msg);

			if (got < 0) {
				rc = show_fail(err, len, g->at, "group \"%s\": %s", g->name, msg);
				goto done;
			}
			for (int j = 0; j < got; j++) {
				if (!in[sel[j]]) {
					in[sel[j]] = 1;
					members[count++] = sel[j];
				}
			}
		}
		for (int j = 0; j < count; j++)
			in[members[j]] = 0;
		snprintf(msg, sizeof msg, "group \"%s\"", g->name);
		rc = show_build_charge(s, g->at, (size_t)count * sizeof(int) + 128, msg, err, len);
		if (rc < 0)
			goto done;
		id = gl_engine_add_group(s->engine, g->name, members, count);
		if (id < 0)
			rc = show_fail(err, len, g->at, "group \"%s\": %s", g->name, gl_strerror(id));
		else
			show_group_filed(s, groups, id);
	}
done:
	free(sel);
	free(members);
	free(in);
	return rc;
}

/* What list `id`'s playback state takes (cuelist.c: the values it tracks
 * per cue, for every param any of its cues changes). `seen` has a stamp
 * per param, below id + 1 on entry. */
static int show_charge_tracking(struct gl_show *s, const struct show_list *l, int id, int *seen,
				char *err, size_t len)
{
	size_t params = 0;

	for (int k = 0; k < l->cue_count; k++) {
		const struct gl_cue_def *def = gl_engine_cue(s->engine, id, k);

		for (int i = 0; i < def->change_count; i++) {
			int p = def->changes[i].param;

			if (seen[p] != id + 1) {
				seen[p] = id + 1;
				params++;
			}
		}
	}
	if (sandbox_charge(s->sb, params * ((size_t)l->cue_count * sizeof(float) +
					    BUILD_LIST_PARAM_BYTES)) == 0)
		return 0;
	return show_fail(err, len, l->at, "cuelist \"%s\": memory limit exceeded (%d MiB): "
			 "%d cues tracking %zu values", l->name,
			 (int)(sandbox_memory_limit(s->sb) >> 20), l->cue_count, params);
}

static int show_build_lists(struct gl_show *s, const struct look_rig *rig, char *err,
			    size_t len)
{
	int np = gl_engine_param_count(s->engine), rc = 0;
	int *seen;

	for (int i = 0; i < s->cues.count; i++) {
		const struct show_cue *c = SHOW_AT(s->cues, struct show_cue, i);

		if (c->list == -1)
			return show_fail(err, len, c->at, "cue %s is not in any cuelist",
					 c->def.number_text);
	}
	seen = calloc((size_t)(np > 0 ? np : 1), sizeof *seen);
	if (!seen)
		return show_fail(err, len, (struct show_where){ s->path, 0 }, "out of memory");
	for (int i = 0; i < s->lists.count && rc == 0; i++) {
		const struct show_list *l = SHOW_AT(s->lists, struct show_list, i);
		int id;

		if (!l->filled) {
			rc = show_fail(err, len, l->at, "cuelist \"%s\": no cues given (write "
				       "cuelist \"%s\" { cue {...}, ... })", l->name, l->name);
			break;
		}
		id = gl_engine_add_cuelist(s->engine, l->name, l->loop);
		if (id < 0) {
			rc = show_fail(err, len, l->at, "cuelist \"%s\": %s", l->name,
				       gl_strerror(id));
			break;
		}
		for (int k = 0; k < l->cue_count && rc == 0; k++) {
			struct show_cue *c = SHOW_AT(s->cues, struct show_cue, l->cues[k]);
			struct gl_cue_change *changes = NULL;
			char msg[400];
			int n;

			n = look_build(rig, c->looks, c->look_count, &changes, msg, sizeof msg);
			if (n < 0) {
				rc = show_fail(err, len, c->at, "cue %s: %s", c->def.number_text, msg);
				break;
			}
			snprintf(msg, sizeof msg, "cue %s", c->def.number_text);
			rc = show_build_charge(s, c->at, (size_t)n * sizeof *changes + BUILD_CUE_BYTES,
					       msg, err, len);
			if (rc == 0) {
				int added;

				c->def.changes = changes;
				c->def.change_count = n;
				added = gl_engine_add_cue(s->engine, id, &c->def);
				c->def.changes = NULL;
				if (added < 0)
					rc = show_fail(err, len, c->at, "cue %s: %s",
						       c->def.number_text, gl_strerror(added));
			}
			free(changes);
		}
		if (rc == 0)
			rc = show_charge_tracking(s, l, id, seen, err, len);
		if (rc == 0)
			rc = show_fx_list_build(s, l, id, err, len);   /* timecode, effects */
	}
	free(seen);
	return rc < 0 ? -1 : 0;
}

/* A group fader may name any selection ("house", "front 1-4"): when no
 * group has that name, a group of the selection is made under it. */
static int show_fader_group(struct gl_show *s, const struct look_rig *rig, int *groups,
			    const struct show_fader *f, char *err, size_t len)
{
	int n = gl_engine_fixture_count(s->engine), got, id;
	int *sel = malloc((size_t)(n > 0 ? n : 1) * sizeof *sel);
	char msg[300];

	id = gl_engine_group_find(s->engine, f->target);
	if (id >= 0) {
		free(sel);
		return id;
	}
	if (!sel)
		return show_fail(err, len, f->at, "out of memory");
	got = look_select(rig, f->target, sel, n, msg, sizeof msg);
	if (got < 0) {
		free(sel);
		return show_fail(err, len, f->at, "fader %d: %s", f->number, msg);
	}
	snprintf(msg, sizeof msg, "fader %d", f->number);
	if (show_build_charge(s, f->at, (size_t)got * sizeof(int) + 128, msg, err, len) < 0) {
		free(sel);
		return -1;
	}
	id = gl_engine_add_group(s->engine, f->target, sel, got);
	free(sel);
	if (id < 0)
		return show_fail(err, len, f->at, "fader %d: %s", f->number, gl_strerror(id));
	show_group_filed(s, groups, id);
	return id;
}

static int show_build_faders(struct gl_show *s, const struct look_rig *rig, int *groups,
			     char *err, size_t len)
{
	for (int i = 0; i < s->faders.count; i++) {
		const struct show_fader *f = SHOW_AT(s->faders, struct show_fader, i);
		int target, rc;

		if (f->kind == GL_FADER_GROUP) {
			target = show_fader_group(s, rig, groups, f, err, len);
			if (target < 0)
				return target;
		} else if (f->kind == GL_FADER_EXTERNAL) {
			target = -1;            /* the audio master: app/ follows it */
		} else if (f->kind == GL_FADER_CUELIST) {
			target = gl_engine_cuelist_find(s->engine, f->target);
			if (target < 0)
				return show_fail(err, len, f->at, "fader %d: unknown cuelist \"%s\"",
						 f->number, f->target);
		} else {
			target = gl_engine_effect_find(s->engine, f->target);
			if (target < 0)
				return show_fail(err, len, f->at, "fader %d: unknown effect \"%s\"",
						 f->number, f->target);
		}
		rc = gl_engine_add_fader(s->engine, f->number, f->kind, target, f->label, f->level);
		if (rc < 0)
			return show_fail(err, len, f->at, "fader %d: %s", f->number, gl_strerror(rc));
	}
	return 0;
}

/* After outputs and patch: a merge target must be a universe they made. */
static int show_build_inputs(struct gl_show *s, char *err, size_t len)
{
	for (int i = 0; i < s->inputs.count; i++) {
		const struct show_input *in = SHOW_AT(s->inputs, struct show_input, i);
		int rc = gl_engine_add_input(s->engine, in->number, in->merge_into);

		if (rc == GL_ENOENT)
			return show_fail(err, len, in->at, "input %d: merge_into %d is not a universe "
					 "of this show (no output or fixture uses it)", in->number,
					 in->merge_into);
		if (rc < 0)
			return show_fail(err, len, in->at, "input %d: %s", in->number, gl_strerror(rc));
	}
	return 0;
}

static int show_cmp_patch(const void *a, const void *b)
{
	return strcmp(((const struct look_patch *)a)->base, ((const struct look_patch *)b)->base);
}

static int show_build(struct gl_show *s, char *err, size_t len)
{
	struct gl_engine_config cfg = {
		.rate_hz = s->rate_hz,
		.back_time_s = s->back_time_s,
		.release_time_s = s->release_time_s,
		.output_delay_s = s->output_delay_s,
	};
	struct look_patch *patches;
	const struct fdef_part **fixture_part;
	struct look_rig rig;
	int n_fixtures, *sorted = NULL, *groups;
	char msg[400];
	int rc;

	s->engine = gl_engine_create(&cfg);
	if (!s->engine)
		return show_fail(err, len, (struct show_where){ s->path, 0 }, "out of memory");
	if ((rc = show_build_outputs(s, err, len)) < 0 ||
	    (rc = show_build_patch(s, &sorted, err, len)) < 0 ||
	    (rc = show_build_inputs(s, err, len)) < 0) {
		free(sorted);
		return rc;
	}

	patches = malloc((size_t)(s->patches.count > 0 ? s->patches.count : 1) * sizeof *patches);
	if (!patches) {
		free(sorted);
		return show_fail(err, len, (struct show_where){ s->path, 0 }, "out of memory");
	}
	for (int i = 0; i < s->patches.count; i++) {
		const struct show_patch *p = SHOW_AT(s->patches, struct show_patch, i);

		const struct show_type *t = SHOW_AT(s->types, struct show_type, p->type_index);

		patches[i] = (struct look_patch){ p->base, p->first_fixture, p->count,
						  t->part_count, t->has_shared };
	}
	qsort(patches, (size_t)s->patches.count, sizeof *patches, show_cmp_patch);
	groups = malloc((size_t)(s->groups.count + s->faders.count + 1) * sizeof *groups);
	rig = (struct look_rig){ s->engine, patches, s->patches.count, NULL,
				 look_work_create(s->engine), groups };
	n_fixtures = gl_engine_fixture_count(s->engine);
	fixture_part = calloc((size_t)(n_fixtures > 0 ? n_fixtures : 1), sizeof *fixture_part);
	if (!fixture_part || !rig.work || !groups) {
		free(patches);
		free(fixture_part);
		free(sorted);
		free(groups);
		look_work_destroy(rig.work);
		return show_fail(err, len, (struct show_where){ s->path, 0 }, "out of memory");
	}
	for (int i = 0; i < s->patches.count; i++) {
		const struct show_patch *p = SHOW_AT(s->patches, struct show_patch, i);
		const struct show_type *t = SHOW_AT(s->types, struct show_type, p->type_index);

		for (int j = 0; j < p->count * t->part_count; j++)
			fixture_part[p->first_fixture + j] = &t->parts[j % t->part_count];
	}
	rig.fixture_part = (const struct fdef_part *const *)fixture_part;
	rc = show_build_groups(s, &rig, groups, sorted, err, len);
	if (rc == 0)
		rc = show_edits_apply(s, err, len);
	if (rc == 0)
		rc = show_fx_build(s, &rig, err, len);   /* effects, before cues name them */
	if (rc == 0)
		rc = show_build_lists(s, &rig, err, len);
	if (rc == 0)
		rc = show_build_faders(s, &rig, groups, err, len);
	free(patches);
	free(fixture_part);
	free(sorted);
	free(groups);
	look_work_destroy(rig.work);
	if (rc < 0)
		return rc;

	rc = gl_engine_finalize(s->engine);
	if (rc < 0)
		return show_fail(err, len, (struct show_where){ s->path, 0 }, "engine: %s",
				 gl_strerror(rc));
	if (show_resume_build(s, err, len) < 0)
		return -1;
	for (int i = 0; i < s->queued.count; i++) {
		struct show_cmd *c = SHOW_AT(s->queued, struct show_cmd, i);

		if (show_cmd_resolve(s, c, msg, sizeof msg) < 0)
			return show_fail(err, len, c->at, "%s", msg);
	}
	for (int i = 0; i < s->handlers.count; i++) {
		struct show_handler *h = SHOW_AT(s->handlers, struct show_handler, i);

		if (show_handler_resolve(s, h, msg, sizeof msg) < 0)
			return show_fail(err, len, h->at, "%s", msg);
	}
	rc = show_osc_build(s, err, len);
	if (rc == 0)
		rc = show_video_build(s, err, len);
	if (rc == 0)
		rc = show_midi_build(s, err, len);
	return rc < 0 ? rc : show_audio_build(s, err, len);
}

/* ---- load ---------------------------------------------------------------------- */

static int show_setup(lua_State *L)
{
	struct gl_show *s = lua_touserdata(L, 1);

	lua_newtable(L);
	s->index_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	sandbox_push_env(s->sb);
	show_decl_register(L, s);
	show_api_register(L, s);
	return 0;
}

static int show_run_file(lua_State *L)
{
	struct gl_show *s = lua_touserdata(L, 1);

	sandbox_push_env(s->sb);
	sandbox_dofile(L, s->path, -1, 0);
	return 0;
}

static void show_names_from_path(struct gl_show *s)
{
	const char *slash = strrchr(s->path, '/');
	const char *base = slash ? slash + 1 : s->path;
	size_t n;

	if (slash == s->path)
		snprintf(s->dir, sizeof s->dir, "/");
	else if (slash)
		snprintf(s->dir, sizeof s->dir, "%.*s", (int)(slash - s->path), s->path);
	else
		snprintf(s->dir, sizeof s->dir, ".");
	n = strlen(base);
	if (n >= sizeof s->name)
		n = sizeof s->name - 1;
	memcpy(s->name, base, n);
	s->name[n] = '\0';
	if (n > 4 && strcmp(s->name + n - 4, ".lua") == 0)
		s->name[n - 4] = '\0';
}

struct gl_show *gl_show_load(const char *path, char *err, size_t err_len)
{
	return gl_show_load_with(path, GL_SHOW_LOAD_BUDGET, GL_SHOW_LOAD_SECONDS, err, err_len);
}

struct gl_show *gl_show_load_with(const char *path, long budget, double seconds, char *err,
				  size_t err_len)
{
	const char *dirs[3];
	struct gl_show *s;
	lua_State *L;
	int ndirs = 0, rc;

	if (!path || strlen(path) >= SHOW_PATH_MAX) {
		snprintf(err, err_len, "%s: bad show path", path ? path : "(null)");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	snprintf(s->path, sizeof s->path, "%s", path);
	show_names_from_path(s);
	s->phase = SHOW_LOADING;
	s->rate_hz = GL_DEFAULT_RATE_HZ;
	s->back_time_s = -1.0;
	s->release_time_s = 0.0;
	s->output_delay_s = GL_DEFAULT_OUTPUT_DELAY_MS / 1000.0;
	s->timer_free = -1;

	dirs[ndirs++] = s->dir;
	if (gl_data_dir(GL_DATA_LUA_LIB))
		dirs[ndirs++] = gl_data_dir(GL_DATA_LUA_LIB);
	s->sb = sandbox_create(SANDBOX_MEMORY_LIMIT, dirs, ndirs, show_log, s);
	if (!s->sb) {
		snprintf(err, err_len, "%s: out of memory", path);
		goto fail;
	}
	sandbox_set_time_limit(s->sb, seconds, "the show's load");
	L = sandbox_state(s->sb);
	lua_pushcfunction(L, show_setup);
	lua_pushlightuserdata(L, s);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		snprintf(err, err_len, "%s: out of memory", path);
		lua_pop(L, 1);
		goto fail;
	}
	lua_pushcfunction(L, show_run_file);
	lua_pushlightuserdata(L, s);
	rc = sandbox_call(s->sb, 1, 0, budget, err, err_len);
	if (s->load_log_lines > SHOW_LOAD_LOG_MAX)
		printf("(%d more log lines not shown: at most %d while a show loads)\n",
		       s->load_log_lines - SHOW_LOAD_LOG_MAX, SHOW_LOAD_LOG_MAX);
	if (rc != 0)
		goto fail;
	if (show_build(s, err, err_len) != 0)
		goto fail;
	s->phase = SHOW_BUILT;
	sandbox_set_time_limit(s->sb, GL_SHOW_HANDLER_SECONDS, "the handler");
	return s;
fail:
	sandbox_escape(err, err_len);    /* build errors quote the show's names */
	gl_show_destroy(s);
	return NULL;
}

void gl_show_destroy(struct gl_show *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->outputs.count; i++) {
		struct show_output *o = SHOW_AT(s->outputs, struct show_output, i);

		if (o->state && !o->taken && o->ops->close)
			o->ops->close(o->state);
		gl_output_config_free(&o->cfg);
	}
	/* Lua first: finalizers must not see a half-freed show. */
	sandbox_destroy(s->sb);
	gl_engine_destroy(s->engine);
	show_actions_free(s);
	show_osc_free(s);
	show_mqtt_free(s);
	show_video_free(s);
	show_fx_free(s);
	show_sched_free(s);
	show_midi_free(s);
	show_audio_free(s);
	for (int i = 0; i < s->groups.count; i++)
		free(SHOW_AT(s->groups, struct show_group, i)->selections);
	for (int i = 0; i < s->cues.count; i++)
		free(SHOW_AT(s->cues, struct show_cue, i)->looks);
	for (int i = 0; i < s->lists.count; i++) {
		free(SHOW_AT(s->lists, struct show_list, i)->cues);
		free(SHOW_AT(s->lists, struct show_list, i)->built_cues);
	}
	for (int i = 0; i < s->files.count; i++)
		free(*SHOW_AT(s->files, char *, i));
	show_vec_free(&s->files);
	for (int i = 0; i < s->types.count; i++)
		free(SHOW_AT(s->types, struct show_type, i)->parts);
	show_vec_free(&s->types);
	show_vec_free(&s->outputs);
	show_vec_free(&s->patches);
	show_vec_free(&s->groups);
	show_vec_free(&s->faders);
	show_vec_free(&s->inputs);
	show_vec_free(&s->cues);
	show_vec_free(&s->lists);
	show_vec_free(&s->queued);
	show_vec_free(&s->handlers);
	show_vec_free(&s->timers);
	show_vec_free(&s->timer_heap);
	show_edits_free(s);
	free(s);
}

/* ---- accessors ---------------------------------------------------------------- */

const char *gl_show_name(const struct gl_show *s)
{
	return s->name;
}

size_t gl_show_memory_used(const struct gl_show *s)
{
	return sandbox_memory_used(s->sb);
}

size_t gl_show_memory_limit(const struct gl_show *s)
{
	return sandbox_memory_limit(s->sb);
}

const char *gl_show_path(const struct gl_show *s)
{
	return s->path;
}

struct gl_engine *gl_show_engine(struct gl_show *s)
{
	return s->engine;
}

bool gl_show_fixture_at(const struct gl_show *s, int fixture, float *x, float *y)
{
	const struct show_patch *p = show_patch_of(s, fixture, s->patches.count);

	if (!p || p->at_first < 0)
		return false;
	const struct show_type *t = SHOW_AT(s->types, struct show_type, p->type_index);
	int k = (fixture - p->first_fixture) / t->part_count;   /* the instance */
	const float *at = SHOW_AT(s->at_points, float, p->at_first);
	if (p->at_count == 1) {
		*x = at[0] + (float)k;
		*y = at[1];
	} else {
		*x = at[2 * k];
		*y = at[2 * k + 1];
	}
	return true;
}

int gl_show_output_count(const struct gl_show *s)
{
	return s->outputs.count;
}

const struct gl_output_config *gl_show_output_config(const struct gl_show *s, int i)
{
	if (i < 0 || i >= s->outputs.count)
		return NULL;
	return &SHOW_AT(s->outputs, struct show_output, i)->cfg;
}

const struct gl_output_ops *gl_show_output_ops(const struct gl_show *s, int i)
{
	if (i < 0 || i >= s->outputs.count)
		return NULL;
	return SHOW_AT(s->outputs, struct show_output, i)->ops;
}

struct gl_output *gl_show_output_take(struct gl_show *s, int i)
{
	struct show_output *o;
	struct gl_output *state;

	if (i < 0 || i >= s->outputs.count)
		return NULL;
	o = SHOW_AT(s->outputs, struct show_output, i);
	if (o->taken)
		return NULL;
	state = o->state;
	o->state = NULL;
	o->taken = true;
	return state;
}
