/*
 * sandbox.c - the restricted Lua state shows run in: allocator with a
 * memory limit, instruction budget (count hook), the env table (a vetted
 * subset of the standard library) and the wrappers that keep it closed:
 * load() (text only, sandbox env), require() (show folder and scripts/lib
 * only), pcall/xpcall/coroutine.resume (cannot swallow an exhausted budget),
 * collectgarbage("count").
 *
 * Control thread only. See sandbox.h for the invariants.
 */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "engine/gl.h"

struct sandbox {
	lua_State *L;
	size_t memory_used;
	size_t memory_limit;
	int depth;              /* sandbox_call()s running; 0: no script may run */
	long remaining;         /* instructions left in the outermost call */
	bool exhausted;
	char budget_msg[320];
	/* Where the hook last saw the script: memory errors carry no position
	 * of their own, so they are reported here. */
	char pos_file[256];
	int pos_line;
	int env_ref;
	int loaded_ref;         /* require()'s private cache */
	char **require_dirs;
	int require_dir_count;
	sandbox_print_fn print;
	void *print_ud;
};

struct sandbox *sandbox_of(lua_State *L)
{
	return *(struct sandbox **)lua_getextraspace(L);
}

lua_State *sandbox_state(struct sandbox *sb)
{
	return sb->L;
}

size_t sandbox_memory_used(const struct sandbox *sb)
{
	return sb->memory_used;
}

bool sandbox_exhausted(lua_State *L)
{
	return sandbox_of(L)->exhausted;
}

void sandbox_push_env(struct sandbox *sb)
{
	lua_rawgeti(sb->L, LUA_REGISTRYINDEX, sb->env_ref);
}

void sandbox_print(struct sandbox *sb, const char *text)
{
	if (sb->print)
		sb->print(sb->print_ud, text);
}

/* ---- memory ---------------------------------------------------------------- */

static void sandbox_note_position(struct sandbox *sb, const lua_Debug *ar);

/* Lua calls no message handler for a memory error, so the allocator notes
 * where the script was when it refused. Safe here: nothing has moved yet
 * (the refused block is not allocated), and getinfo "Sl" only reads. */
static void sandbox_note_refusal(struct sandbox *sb)
{
	lua_Debug ar;

	if (!sb->L)
		return;
	for (int level = 0; lua_getstack(sb->L, level, &ar); level++) {
		if (lua_getinfo(sb->L, "Sl", &ar) && ar.currentline > 0) {
			sandbox_note_position(sb, &ar);
			return;
		}
	}
}

/* Lua assumes shrinking never fails, so only growth is refused; and only
 * while script code runs (depth > 0), so the host's own pushes between
 * calls cannot fail on the limit. */
static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct sandbox *sb = ud;
	size_t old = ptr ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		sb->memory_used -= old;
		return NULL;
	}
	if (nsize > old && sb->depth > 0 &&
	    (nsize - old > sb->memory_limit ||
	     sb->memory_used + (nsize - old) > sb->memory_limit)) {
		sandbox_note_refusal(sb);
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (!p)
		return NULL;
	sb->memory_used = sb->memory_used - old + nsize;
	return p;
}

/* ---- budget ---------------------------------------------------------------- */

static void sandbox_raise_budget(lua_State *L, struct sandbox *sb)
{
	lua_pushstring(L, sb->budget_msg);
	lua_error(L);
}

static void sandbox_note_position(struct sandbox *sb, const lua_Debug *ar)
{
	const char *file = ar->source && ar->source[0] == '@' ? ar->source + 1 : ar->short_src;

	snprintf(sb->pos_file, sizeof sb->pos_file, "%s", file);
	sb->pos_line = ar->currentline;
}

static void sandbox_hook(lua_State *L, lua_Debug *ar)
{
	struct sandbox *sb = sandbox_of(L);

	if (lua_getinfo(L, "Sl", ar))
		sandbox_note_position(sb, ar);
	if (sb->depth == 0) {
		/* A finalizer run by the collector between calls: stop it. */
		lua_pushliteral(L, "Lua code may only run inside a show call");
		lua_error(L);
	}
	sb->remaining -= SANDBOX_HOOK_STEP;
	if (sb->exhausted || sb->remaining <= 0) {
		if (!sb->exhausted) {
			sb->exhausted = true;
			snprintf(sb->budget_msg, sizeof sb->budget_msg,
				 "%s:%d: instruction budget exhausted (runaway script?)",
				 sb->pos_file, sb->pos_line);
		}
		sandbox_raise_budget(L, sb);
	}
}

/* Formats the error object on top of the stack for a failed pcall with
 * `status` into err (does not pop it). */
static int sandbox_error_text(struct sandbox *sb, int status, char *err, size_t err_len)
{
	lua_State *L = sb->L;

	if (sb->exhausted) {
		snprintf(err, err_len, "%s", sb->budget_msg);
		return GL_EBUDGET;
	}
	if (status == LUA_ERRMEM) {
		if (sb->pos_line > 0)
			snprintf(err, err_len, "%s:%d: memory limit exceeded (%zu MiB)",
				 sb->pos_file, sb->pos_line, sb->memory_limit >> 20);
		else
			snprintf(err, err_len, "memory limit exceeded (%zu MiB)",
				 sb->memory_limit >> 20);
		return GL_ENOMEM;
	}
	/* Never call __tostring here: no script may run outside a call. */
	if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
		snprintf(err, err_len, "%s", lua_tostring(L, -1));
	else
		snprintf(err, err_len, "(error object is a %s value)", luaL_typename(L, -1));
	return GL_EINVAL;
}

/* Message handler of sandbox_call(): an error object that is not a string
 * gets the position it was raised at. C only, so safe with hooks off. */
static int sandbox_msgh(lua_State *L)
{
	lua_Debug ar;

	if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER)
		return 1;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			lua_pushfstring(L, "%s:%d: (error object is a %s value)",
					ar.source[0] == '@' ? ar.source + 1 : ar.short_src,
					ar.currentline, luaL_typename(L, 1));
			return 1;
		}
	}
	return 1;
}

int sandbox_call(struct sandbox *sb, int nargs, int nresults, long budget,
		 char *err, size_t err_len)
{
	lua_State *L = sb->L;
	int base = lua_gettop(L) - nargs - 1;
	int status, rc;

	if (sb->depth == 0) {
		sb->remaining = budget;
		sb->exhausted = false;
		sb->pos_file[0] = '\0';
		sb->pos_line = 0;
	}
	lua_pushcfunction(L, sandbox_msgh);
	lua_insert(L, base + 1);
	sb->depth++;
	status = lua_pcall(L, nargs, nresults, base + 1);
	sb->depth--;
	lua_remove(L, base + 1);
	if (status == LUA_OK && !sb->exhausted)
		return 0;
	if (status == LUA_OK)
		lua_pushnil(L);      /* caught somehow; report the budget anyway */
	rc = sandbox_error_text(sb, status, err, err_len);
	lua_settop(L, base);
	return rc;
}

/* ---- files ----------------------------------------------------------------- */

void sandbox_dofile(lua_State *L, const char *path, int env_idx, int nresults)
{
	struct stat st;
	size_t len, got;
	char *buf;
	FILE *f;
	int bad, base;

	env_idx = lua_absindex(L, env_idx);
	if (stat(path, &st) != 0) {
		lua_pushfstring(L, "%s: cannot open: %s", path, strerror(errno));
		lua_error(L);
	}
	if (!S_ISREG(st.st_mode)) {
		lua_pushfstring(L, "%s: not a regular file", path);
		lua_error(L);
	}
	if (st.st_size > SANDBOX_FILE_MAX) {
		lua_pushfstring(L, "%s: file too large (over %d MiB)", path,
				SANDBOX_FILE_MAX >> 20);
		lua_error(L);
	}
	base = lua_gettop(L);
	len = (size_t)st.st_size;
	/* A userdata, not malloc: a raised error cannot leak it. */
	buf = lua_newuserdatauv(L, len ? len : 1, 0);
	f = fopen(path, "rb");
	if (!f) {
		lua_pushfstring(L, "%s: cannot open: %s", path, strerror(errno));
		lua_error(L);
	}
	got = fread(buf, 1, len, f);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		lua_pushfstring(L, "%s: read error", path);
		lua_error(L);
	}
	if (got >= 1 && buf[0] == LUA_SIGNATURE[0]) {
		lua_pushfstring(L, "%s: binary chunks are not allowed", path);
		lua_error(L);
	}
	lua_pushfstring(L, "@%s", path);
	if (luaL_loadbufferx(L, buf, got, lua_tostring(L, -1), "t") != LUA_OK)
		lua_error(L);    /* "path:line: message" */
	lua_pushvalue(L, env_idx);
	if (!lua_setupvalue(L, -2, 1))
		lua_pop(L, 1);
	lua_replace(L, base + 1);     /* the chunk takes the buffer's slot */
	lua_settop(L, base + 1);
	lua_call(L, 0, nresults);
}

/* ---- wrapped library functions -------------------------------------------- */

/* Continuation of pcall/xpcall/coroutine.resume: the script may not carry
 * on after its budget ran out, even from inside a protected call. */
static int sandbox_after_protected(lua_State *L, int status, lua_KContext ctx)
{
	struct sandbox *sb = sandbox_of(L);

	(void)status;
	(void)ctx;
	if (sb->exhausted)
		sandbox_raise_budget(L, sb);
	return lua_gettop(L);
}

/* Calls upvalue 1 (the original function) with every argument. */
static int sandbox_protected(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, sandbox_after_protected);
	return sandbox_after_protected(L, LUA_OK, 0);
}

/* The script's xpcall handler, run only while the budget lasts: an error
 * raised by the count hook reaches the handler with hooks still off (Lua
 * runs it inside the hook), so a looping handler could never be stopped. */
static int sandbox_msgh_guard(lua_State *L)
{
	if (sandbox_of(L)->exhausted) {
		lua_settop(L, 1);
		return 1;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int sandbox_xpcall(lua_State *L)
{
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, sandbox_msgh_guard, 1);
	lua_replace(L, 2);
	return sandbox_protected(L);
}

/* Finalizers run with hooks off: no budget could stop a looping __gc, so a
 * script may not make any. Lua marks an object for finalization only when
 * its metatable has __gc at setmetatable() time, so checking here is enough. */
static int sandbox_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc metamethods are not allowed");
		lua_pop(L, 1);
	}
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

static bool sandbox_is_binary(lua_State *L, int idx)
{
	size_t len;
	const char *s;

	if (lua_type(L, idx) != LUA_TSTRING)
		return false;
	s = lua_tolstring(L, idx, &len);
	return len >= 1 && s[0] == LUA_SIGNATURE[0];
}

/* load(chunk [, chunkname]): text only, always the sandbox env. A binary
 * chunk is an error, not a nil return: a script that ignores load()'s
 * result must still not get past it quietly. */
static int sandbox_load(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	int n;

	if (sandbox_is_binary(L, 1))
		return luaL_error(L, "binary chunks are not allowed");
	lua_settop(L, 2);
	lua_pushliteral(L, "t");
	sandbox_push_env(sb);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 4, LUA_MULTRET);
	n = lua_gettop(L);
	if (n >= 2 && lua_isnil(L, 1) && lua_type(L, 2) == LUA_TSTRING &&
	    strstr(lua_tostring(L, 2), "binary chunk"))
		return luaL_error(L, "binary chunks are not allowed");
	return n;
}

static int sandbox_collectgarbage(lua_State *L)
{
	const char *opt = luaL_optstring(L, 1, "collect");

	if (strcmp(opt, "count") != 0)
		return luaL_error(L, "collectgarbage(\"%s\") is not allowed (only \"count\")", opt);
	lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) +
			  (lua_Number)lua_gc(L, LUA_GCCOUNTB, 0) / 1024.0);
	return 1;
}

void sandbox_push_joined(lua_State *L, int first)
{
	int n = lua_gettop(L);
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (int i = first; i <= n; i++) {
		if (i > first)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
}

static int sandbox_print_fn_lua(lua_State *L)
{
	sandbox_push_joined(L, 1);
	sandbox_print(sandbox_of(L), lua_tostring(L, -1));
	return 0;
}

/* "a.b" -> "a/b". False for "..", an absolute path, empty segments or
 * characters outside [A-Za-z0-9_-]. */
static bool sandbox_module_path(const char *name, char *rel, size_t len)
{
	size_t n = strlen(name);

	if (n == 0 || n >= len || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool sep = c == '.' || c == '/';

		if (sep && (i == 0 || i == n - 1 || name[i - 1] == '.' || name[i - 1] == '/'))
			return false;
		if (!sep && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '-')
			return false;
		rel[i] = sep ? '/' : c;
	}
	rel[n] = '\0';
	return true;
}

static int sandbox_require_run(lua_State *L)
{
	const char *path = lua_tostring(L, 1);

	sandbox_push_env(sandbox_of(L));
	sandbox_dofile(L, path, -1, 1);
	return 1;
}

static int sandbox_require(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *name = luaL_checkstring(L, 1);
	char rel[200], path[1024];
	bool found = false;

	if (!sandbox_module_path(name, rel, sizeof rel))
		return luaL_error(L, "require \"%s\": not allowed (a module name is "
				  "a.b.c: no \"..\", no absolute path)", name);
	lua_settop(L, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, sb->loaded_ref);       /* 2 */
	lua_pushvalue(L, 1);
	if (lua_rawget(L, 2) != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))
			return luaL_error(L, "require \"%s\": loop (it requires itself)", name);
		return 1;
	}
	lua_pop(L, 1);
	for (int i = 0; i < sb->require_dir_count && !found; i++) {
		FILE *f;

		snprintf(path, sizeof path, "%s/%s.lua", sb->require_dirs[i], rel);
		f = fopen(path, "rb");
		if (f) {
			fclose(f);
			found = true;
		}
	}
	if (!found)
		return luaL_error(L, "require \"%s\": module not found (no %s.lua in the "
				  "show's folder or scripts/lib)", name, rel);
	lua_pushvalue(L, 1);
	lua_pushboolean(L, 0);
	lua_rawset(L, 2);
	lua_pushcfunction(L, sandbox_require_run);
	lua_pushstring(L, path);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		lua_pushvalue(L, 1);
		lua_pushnil(L);
		lua_rawset(L, 2);
		return lua_error(L);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, 1);
	lua_pushvalue(L, -2);
	lua_rawset(L, 2);
	return 1;
}

/* ---- building the env -------------------------------------------------------- */

static const char *const sandbox_base_names[] = {
	"assert", "error", "ipairs", "next", "pairs", "select", "tonumber",
	"tostring", "type", "rawequal", "rawget", "rawset", "rawlen",
	"getmetatable", NULL
};

/* Pushes a shallow copy of the table at idx. */
static void sandbox_copy_table(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
}

/* Replaces field `name` of the table on top with a sandbox_protected()
 * wrapper around the original. */
static void sandbox_wrap_protected(lua_State *L, const char *name)
{
	lua_getfield(L, -1, name);
	lua_pushcclosure(L, sandbox_protected, 1);
	lua_setfield(L, -2, name);
}

static int sandbox_build_env(lua_State *L)
{
	static const struct { const char *name; lua_CFunction open; } libs[] = {
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ NULL, NULL },
	};
	static const char *const os_names[] = { "time", "clock", "date", "difftime", NULL };
	struct sandbox *sb = sandbox_of(L);

	luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
	lua_pop(L, 1);
	lua_newtable(L);                                 /* env */
	for (int i = 0; sandbox_base_names[i]; i++) {
		lua_getglobal(L, sandbox_base_names[i]);
		lua_setfield(L, -2, sandbox_base_names[i]);
	}
	lua_getglobal(L, "pcall");
	lua_pushcclosure(L, sandbox_protected, 1);
	lua_setfield(L, -2, "pcall");
	lua_getglobal(L, "xpcall");
	lua_pushcclosure(L, sandbox_xpcall, 1);
	lua_setfield(L, -2, "xpcall");
	lua_getglobal(L, "setmetatable");
	lua_pushcclosure(L, sandbox_setmetatable, 1);
	lua_setfield(L, -2, "setmetatable");
	lua_getglobal(L, "load");
	lua_pushcclosure(L, sandbox_load, 1);
	lua_setfield(L, -2, "load");
	lua_pushcfunction(L, sandbox_require);
	lua_setfield(L, -2, "require");
	lua_pushcfunction(L, sandbox_collectgarbage);
	lua_setfield(L, -2, "collectgarbage");
	lua_pushcfunction(L, sandbox_print_fn_lua);
	lua_setfield(L, -2, "print");
	lua_getglobal(L, "_VERSION");
	lua_setfield(L, -2, "_VERSION");
	lua_pushvalue(L, -1);
	lua_setfield(L, -2, "_G");

	for (int i = 0; libs[i].name; i++) {
		luaL_requiref(L, libs[i].name, libs[i].open, 0);
		sandbox_copy_table(L, -1);
		lua_setfield(L, -3, libs[i].name);
		lua_pop(L, 1);
	}
	luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 0);
	sandbox_copy_table(L, -1);
	sandbox_wrap_protected(L, "resume");
	lua_setfield(L, -3, LUA_COLIBNAME);
	lua_pop(L, 1);
	luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
	lua_newtable(L);
	for (int i = 0; os_names[i]; i++) {
		lua_getfield(L, -2, os_names[i]);
		lua_setfield(L, -2, os_names[i]);
	}
	lua_setfield(L, -3, LUA_OSLIBNAME);
	lua_pop(L, 1);

	sb->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	sb->loaded_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/* ---- life cycle -------------------------------------------------------------- */

struct sandbox *sandbox_create(size_t memory_limit, const char *const *require_dirs,
			       int require_dir_count, sandbox_print_fn print, void *print_ud)
{
	struct sandbox *sb = calloc(1, sizeof *sb);

	if (!sb)
		return NULL;
	sb->memory_limit = memory_limit;
	sb->print = print;
	sb->print_ud = print_ud;
	sb->require_dirs = calloc((size_t)(require_dir_count > 0 ? require_dir_count : 1),
				  sizeof *sb->require_dirs);
	if (!sb->require_dirs)
		goto fail;
	for (int i = 0; i < require_dir_count; i++) {
		sb->require_dirs[i] = strdup(require_dirs[i]);
		if (!sb->require_dirs[i])
			goto fail;
		sb->require_dir_count++;
	}
	sb->L = lua_newstate(sandbox_alloc, sb);
	if (!sb->L)
		goto fail;
	*(struct sandbox **)lua_getextraspace(sb->L) = sb;
	/* Coroutines inherit the hook (and the extra space) when created. */
	lua_sethook(sb->L, sandbox_hook, LUA_MASKCOUNT, SANDBOX_HOOK_STEP);
	lua_pushcfunction(sb->L, sandbox_build_env);
	if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK)
		goto fail;
	return sb;
fail:
	sandbox_destroy(sb);
	return NULL;
}

void sandbox_destroy(struct sandbox *sb)
{
	if (!sb)
		return;
	if (sb->L)
		lua_close(sb->L);
	for (int i = 0; i < sb->require_dir_count; i++)
		free(sb->require_dirs[i]);
	free(sb->require_dirs);
	free(sb);
}

/* ---- host memory ------------------------------------------------------------ */

/* The show's own allocations (declarations, timers, queued commands, the
 * engine it builds) count against the same limit as Lua's, always: the
 * host asks explicitly, so there is no "outside a call" to spare. */
int sandbox_charge(struct sandbox *sb, size_t bytes)
{
	if (bytes > sb->memory_limit || sb->memory_used + bytes > sb->memory_limit)
		return GL_ENOMEM;
	sb->memory_used += bytes;
	return 0;
}

void sandbox_release(struct sandbox *sb, size_t bytes)
{
	sb->memory_used -= bytes < sb->memory_used ? bytes : sb->memory_used;
}

size_t sandbox_memory_limit(const struct sandbox *sb)
{
	return sb->memory_limit;
}
