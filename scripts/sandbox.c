/*
 * sandbox.c - the restricted Lua state shows run in: allocator with a
 * memory limit, instruction budget (count hook, and sandbox_charge_budget for
 * work done in C), wall-clock limit (a watchdog thread) and interrupts,
 * the env table (a vetted subset of the standard library, see also
 * sandbox_lib.c) and the wrappers that keep it closed: load() (text only,
 * sandbox env, chunk names marked as the show's), require() (show folder
 * and scripts/lib only, regular files only), pcall/xpcall/coroutine.resume
 * (cannot swallow a stopped call), setmetatable (no __gc),
 * collectgarbage("count").
 *
 * Control thread only, but for sandbox_interrupt*() (any thread) and the
 * watchdog thread, which shares only `stop_time` (atomic) and the wd_*
 * fields (under wd_lock) with it. See sandbox.h for the invariants.
 */
#include "sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "engine/gl.h"
#include "sandbox_lib.h"

#define SANDBOX_LABEL_MAX 40    /* bytes of a load() chunk name the show gives */
#define SANDBOX_RESUME_COST 64  /* a resume and its yield, in instructions (measured) */

struct sandbox {
	lua_State *L;
	size_t memory_used;
	size_t memory_limit;
	int depth;              /* sandbox_call()s running; 0: no script may run */
	long remaining;         /* instructions left in the outermost call */
	bool exhausted;         /* stopped: budget, time or interrupt */
	char budget_msg[320];
	/* Where the hook last saw the script: memory errors carry no position
	 * of their own, so they are reported here. */
	char pos_file[256];
	int pos_line;
	int env_ref;
	int loaded_ref;         /* require()'s private cache, by real path */
	char **require_dirs;    /* as given (for messages) */
	char **require_real;    /* their real paths; NULL for one that is missing */
	int require_dir_count;
	sandbox_print_fn print;
	void *print_ud;

	double time_limit_s;
	const char *time_what;
	atomic_bool stop_time;  /* the watchdog saw the deadline pass */
	atomic_bool interrupted;
	pthread_t watchdog;
	bool watchdog_started;
	pthread_mutex_t wd_lock;
	pthread_cond_t wd_cond;
	uint64_t wd_deadline_ns;  /* 0: no call running */
	uint64_t wd_sleep_ns;   /* what the watchdog sleeps until; 0: no end */
	bool wd_quit;
};

/* sandbox_interrupt_all(): every sandbox, now and later. */
static atomic_bool sandbox_all_interrupted;

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

static uint64_t sandbox_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * GL_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---- escaping ---------------------------------------------------------------- */

/* How the text at s (n > 0 bytes left) continues: the number of bytes the
 * next character takes, with esc set to what replaces them, or esc[0] = 0
 * when they pass as they are. */
static size_t sandbox_escape_next(const unsigned char *s, size_t n, char esc[16])
{
	unsigned c = s[0], cp;
	size_t len;

	esc[0] = '\0';
	if (c == '\t' || (c >= 0x20 && c < 0x7f))
		return 1;
	if (c == '\n' || c == '\r') {
		snprintf(esc, 16, "\\%c", c == '\n' ? 'n' : 'r');
		return 1;
	}
	if (c < 0x80)
		goto byte;
	/* UTF-8: well-formed (no overlong forms, surrogates, > U+10FFFF) */
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		goto byte;
	}
	if (n < len)
		goto byte;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			goto byte;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		goto byte;
	/* C1 controls (CSI...), line separators, bidi controls */
	if (cp <= 0x9f || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		snprintf(esc, 16, "\\u{%x}", cp);
	return len;
byte:
	snprintf(esc, 16, "\\x%02x", c);
	return 1;
}

void sandbox_escape(char *text, size_t size)
{
	const unsigned char *in;
	char esc[16], *copy;
	size_t n, out = 0;
	bool clean = true;

	if (!text || size == 0)
		return;
	n = strnlen(text, size - 1);
	text[n] = '\0';
	for (size_t i = 0; i < n && clean;) {
		i += sandbox_escape_next((const unsigned char *)text + i, n - i, esc);
		clean = esc[0] == '\0';
	}
	if (clean)
		return;
	copy = malloc(n + 1);
	if (!copy) {
		/* no room to expand: mask what would be escaped */
		for (size_t i = 0; i < n;) {
			size_t take = sandbox_escape_next((const unsigned char *)text + i, n - i, esc);

			if (esc[0])
				memset(text + i, '?', take);
			i += take;
		}
		return;
	}
	memcpy(copy, text, n + 1);
	in = (const unsigned char *)copy;
	for (size_t i = 0; i < n;) {
		size_t take = sandbox_escape_next(in + i, n - i, esc);
		const char *piece = esc[0] ? esc : copy + i;
		size_t len = esc[0] ? strlen(esc) : take;

		if (out + len >= size)
			break;
		memcpy(text + out, piece, len);
		out += len;
		i += take;
	}
	text[out] = '\0';
	free(copy);
}

/* Pushes s escaped like sandbox_escape(). */
static void sandbox_push_escaped(lua_State *L, const char *s, size_t n)
{
	const unsigned char *in = (const unsigned char *)s;
	luaL_Buffer b;
	char esc[16];

	luaL_buffinit(L, &b);
	for (size_t i = 0; i < n;) {
		size_t run = 0, take;

		/* printable ASCII in one piece */
		while (i + run < n && in[i + run] >= 0x20 && in[i + run] < 0x7f)
			run++;
		luaL_addlstring(&b, s + i, run);
		i += run;
		if (i == n)
			break;
		take = sandbox_escape_next(in + i, n - i, esc);
		if (esc[0])
			luaL_addstring(&b, esc);
		else
			luaL_addlstring(&b, s + i, take);
		i += take;
	}
	luaL_pushresult(&b);
}

/* ---- positions ------------------------------------------------------------------ */

static const char *sandbox_source_name(const lua_Debug *ar)
{
	return ar->source && ar->source[0] == '@' ? ar->source + 1 : ar->short_src;
}

static void sandbox_note_position(struct sandbox *sb, const lua_Debug *ar)
{
	snprintf(sb->pos_file, sizeof sb->pos_file, "%s", sandbox_source_name(ar));
	sb->pos_line = ar->currentline;
}

/* Notes the nearest Lua line on L's stack from `level` up; false when
 * there is none. */
static bool sandbox_note_stack(struct sandbox *sb, lua_State *L, int level)
{
	lua_Debug ar;

	for (; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			sandbox_note_position(sb, &ar);
			return true;
		}
	}
	return false;
}

int sandbox_error(lua_State *L, const char *fmt, ...)
{
	struct sandbox *sb = sandbox_of(L);
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sandbox_note_stack(sb, L, 1))
		lua_pushfstring(L, "%s:%d: %s", sb->pos_file, sb->pos_line, msg);
	else
		lua_pushstring(L, msg);
	return lua_error(L);
}

/* ---- memory ---------------------------------------------------------------- */

/* Lua calls no message handler for a memory error, so the allocator notes
 * where the script was when it refused. Safe here: nothing has moved yet
 * (the refused block is not allocated), and getinfo "Sl" only reads. */
static void sandbox_note_refusal(struct sandbox *sb)
{
	if (sb->L)
		sandbox_note_stack(sb, sb->L, 0);
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

/* ---- stopping: budget, time limit, interrupt ------------------------------------ */

static bool sandbox_interrupt_pending(struct sandbox *sb)
{
	return atomic_load_explicit(&sb->interrupted, memory_order_relaxed) ||
	       atomic_load_explicit(&sandbox_all_interrupted, memory_order_relaxed);
}

static bool sandbox_must_stop(struct sandbox *sb)
{
	return sb->exhausted || sb->remaining <= 0 ||
	       atomic_load_explicit(&sb->stop_time, memory_order_relaxed) ||
	       sandbox_interrupt_pending(sb);
}

/* Raises the error that stops the call (the first reason found is kept:
 * the script may not carry on after it, see sandbox_after_protected). */
static void sandbox_stop(lua_State *L, struct sandbox *sb)
{
	if (!sb->exhausted) {
		char why[128];
		int n = 0;

		sb->exhausted = true;
		if (sandbox_interrupt_pending(sb))
			snprintf(why, sizeof why, "interrupted (stopped)");
		else if (atomic_load(&sb->stop_time))
			snprintf(why, sizeof why, "%s ran longer than %g s (stopped)", sb->time_what,
				 sb->time_limit_s);
		else
			snprintf(why, sizeof why, "instruction budget exhausted (runaway script?)");
		if (sb->pos_line > 0)
			n = snprintf(sb->budget_msg, sizeof sb->budget_msg, "%s:%d: ", sb->pos_file,
				     sb->pos_line);
		snprintf(sb->budget_msg + n, sizeof sb->budget_msg - (size_t)n, "%s", why);
	}
	lua_pushstring(L, sb->budget_msg);
	lua_error(L);
}

static void sandbox_spend(struct sandbox *sb, long units)
{
	if (units > 0)
		sb->remaining = units >= sb->remaining ? 0 : sb->remaining - units;
}

void sandbox_charge_budget(lua_State *L, long units)
{
	struct sandbox *sb = sandbox_of(L);

	if (sb->depth == 0)
		return;
	sandbox_spend(sb, units);
	if (sandbox_must_stop(sb)) {
		sandbox_note_stack(sb, L, 0);
		sandbox_stop(L, sb);
	}
}

/* Every SANDBOX_HOOK_STEP instructions, in every coroutine (they inherit
 * it). The watchdog and interrupts only set flags that this reads: an
 * asynchronous lua_sethook would reach the main thread only, not the
 * coroutine that may be running. */
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
	sandbox_spend(sb, SANDBOX_HOOK_STEP);
	if (sandbox_must_stop(sb))
		sandbox_stop(L, sb);
}

/* ---- watchdog ------------------------------------------------------------------ */

/* Sets stop_time when the running call's deadline passes; sleeps without
 * a deadline between calls. */
static void *sandbox_watchdog(void *arg)
{
	struct sandbox *sb = arg;

	pthread_mutex_lock(&sb->wd_lock);
	while (!sb->wd_quit) {
		uint64_t now;
		struct timespec ts;

		if (sb->wd_deadline_ns == 0) {
			sb->wd_sleep_ns = 0;
			pthread_cond_wait(&sb->wd_cond, &sb->wd_lock);
			continue;
		}
		now = sandbox_now_ns();
		if (now >= sb->wd_deadline_ns) {
			atomic_store(&sb->stop_time, true);
			sb->wd_deadline_ns = 0;
			continue;
		}
		sb->wd_sleep_ns = sb->wd_deadline_ns;
		ts.tv_sec = (time_t)(sb->wd_deadline_ns / GL_NS_PER_S);
		ts.tv_nsec = (long)(sb->wd_deadline_ns % GL_NS_PER_S);
		pthread_cond_timedwait(&sb->wd_cond, &sb->wd_lock, &ts);
	}
	pthread_mutex_unlock(&sb->wd_lock);
	return NULL;
}

static int sandbox_watchdog_start(struct sandbox *sb)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int rc;

	if (pthread_mutex_init(&sb->wd_lock, NULL) != 0)
		return -1;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&sb->wd_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_destroy(&sb->wd_lock);
		return -1;
	}
	/* Signals are for the threads that wait for them, never this one. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&sb->watchdog, NULL, sandbox_watchdog, sb);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&sb->wd_cond);
		pthread_mutex_destroy(&sb->wd_lock);
		return -1;
	}
	pthread_setname_np(sb->watchdog, "gl-lua-watchdog");
	sb->watchdog_started = true;
	return 0;
}

static void sandbox_watchdog_stop(struct sandbox *sb)
{
	if (!sb->watchdog_started)
		return;
	pthread_mutex_lock(&sb->wd_lock);
	sb->wd_quit = true;
	pthread_cond_signal(&sb->wd_cond);
	pthread_mutex_unlock(&sb->wd_lock);
	pthread_join(sb->watchdog, NULL);
	pthread_cond_destroy(&sb->wd_cond);
	pthread_mutex_destroy(&sb->wd_lock);
}

/* deadline 0: the call is over. */
static void sandbox_watchdog_arm(struct sandbox *sb, uint64_t deadline_ns)
{
	pthread_mutex_lock(&sb->wd_lock);
	if (deadline_ns)
		atomic_store(&sb->stop_time, false);
	sb->wd_deadline_ns = deadline_ns;
	/* A watchdog sleeping until an earlier deadline wakes then and
	 * re-reads: one wake-up per time limit at most, not one per call. */
	if (deadline_ns && (sb->wd_sleep_ns == 0 || deadline_ns < sb->wd_sleep_ns))
		pthread_cond_signal(&sb->wd_cond);
	pthread_mutex_unlock(&sb->wd_lock);
}

void sandbox_set_time_limit(struct sandbox *sb, double seconds, const char *what)
{
	sb->time_limit_s = seconds > 0 ? seconds : SANDBOX_TIME_LIMIT_S;
	sb->time_what = what ? what : "the call";
}

void sandbox_interrupt(struct sandbox *sb)
{
	atomic_store(&sb->interrupted, true);
}

void sandbox_interrupt_all(void)
{
	atomic_store(&sandbox_all_interrupted, true);
}

/* ---- calls --------------------------------------------------------------------- */

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

/* "file:12: ..." somewhere on the first line. */
static bool sandbox_has_position(const char *msg)
{
	for (const char *p = msg; *p && *p != '\n'; p++) {
		const char *q = p + 1;

		if (*p != ':' || !isdigit((unsigned char)*q))
			continue;
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == ':')
			return true;
	}
	return false;
}

/* Message handler of sandbox_call(): an error without a position (a
 * non-string object, error("x", 0), a C function called from C) gets the
 * nearest Lua line. C only, so safe with hooks off. */
static int sandbox_msgh(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	int type = lua_type(L, 1);
	bool text = type == LUA_TSTRING || type == LUA_TNUMBER;

	if (sb->exhausted || (text && sandbox_has_position(lua_tostring(L, 1))))
		return 1;
	if (!sandbox_note_stack(sb, L, 1))
		return 1;
	if (text)
		lua_pushfstring(L, "%s:%d: %s", sb->pos_file, sb->pos_line, lua_tostring(L, 1));
	else
		lua_pushfstring(L, "%s:%d: (error object is a %s value)", sb->pos_file,
				sb->pos_line, luaL_typename(L, 1));
	return 1;
}

int sandbox_call(struct sandbox *sb, int nargs, int nresults, long budget,
		 char *err, size_t err_len)
{
	lua_State *L = sb->L;
	int base = lua_gettop(L) - nargs - 1;
	bool outermost = sb->depth == 0;
	int status, rc;

	if (outermost) {
		if (sandbox_interrupt_pending(sb)) {
			lua_settop(L, base);
			snprintf(err, err_len, "interrupted (stopped)");
			return GL_EBUDGET;
		}
		sb->remaining = budget;
		sb->exhausted = false;
		sb->pos_file[0] = '\0';
		sb->pos_line = 0;
		sandbox_watchdog_arm(sb, sandbox_now_ns() +
					 (uint64_t)(sb->time_limit_s * (double)GL_NS_PER_S));
	}
	lua_pushcfunction(L, sandbox_msgh);
	lua_insert(L, base + 1);
	sb->depth++;
	status = lua_pcall(L, nargs, nresults, base + 1);
	sb->depth--;
	if (outermost)
		sandbox_watchdog_arm(sb, 0);
	lua_remove(L, base + 1);
	if (status == LUA_OK && !sb->exhausted)
		return 0;
	if (status == LUA_OK)
		lua_pushnil(L);      /* caught somehow; report the stop anyway */
	rc = sandbox_error_text(sb, status, err, err_len);
	sandbox_escape(err, err_len);
	lua_settop(L, base);
	return rc;
}

/* ---- files ----------------------------------------------------------------- */

/* Reads the regular file at path (at most SANDBOX_FILE_MAX bytes) into
 * *buf (malloc'd; the caller frees it). Opens without blocking, so a FIFO
 * or a device is refused, not waited on. Returns 0, or -1 with the reason
 * in why. */
static int sandbox_slurp(const char *path, int open_flags, char **buf, size_t *len,
			 char *why, size_t why_len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | open_flags);
	struct stat st;
	size_t got = 0;

	*buf = NULL;
	if (fd < 0) {
		snprintf(why, why_len, "cannot open: %s",
			 errno == ELOOP && (open_flags & O_NOFOLLOW) ? "a symbolic link"
								     : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, why_len, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "not a regular file");
		goto fail;
	}
	if (st.st_size > SANDBOX_FILE_MAX) {
		snprintf(why, why_len, "file too large (over %d MiB)", SANDBOX_FILE_MAX >> 20);
		goto fail;
	}
	*buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!*buf) {
		snprintf(why, why_len, "out of memory");
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, why_len, "read error: %s", strerror(errno));
			free(*buf);
			*buf = NULL;
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
fail:
	close(fd);
	return -1;
}

/* Loads buf as a text chunk named chunkname with the table at env_idx as
 * its _ENV, and frees buf. Raises on a binary chunk or a syntax error. */
static void sandbox_load_text(lua_State *L, char *buf, size_t len, const char *chunkname,
			      int env_idx)
{
	int status;

	env_idx = lua_absindex(L, env_idx);
	if (len >= 1 && buf[0] == LUA_SIGNATURE[0]) {
		free(buf);
		luaL_error(L, "%s: binary chunks are not allowed", chunkname + 1);
		return;
	}
	/* Protected inside: returns (never raises), so buf cannot leak. */
	status = luaL_loadbufferx(L, buf, len, chunkname, "t");
	free(buf);
	if (status != LUA_OK)
		lua_error(L);    /* "path:line: message" */
	lua_pushvalue(L, env_idx);
	if (!lua_setupvalue(L, -2, 1))
		lua_pop(L, 1);
}

void sandbox_dofile(lua_State *L, const char *path, int env_idx, int nresults)
{
	char why[200], chunkname[PATH_MAX + 2];
	size_t len;
	char *buf;

	env_idx = lua_absindex(L, env_idx);
	if (sandbox_slurp(path, 0, &buf, &len, why, sizeof why) != 0) {
		lua_pushfstring(L, "%s: %s", path, why);
		lua_error(L);
	}
	snprintf(chunkname, sizeof chunkname, "@%s", path);
	sandbox_load_text(L, buf, len, chunkname, env_idx);
	lua_call(L, 0, nresults);
}

/* ---- wrapped library functions -------------------------------------------- */

/* Continuation of pcall/xpcall/coroutine.resume: the script may not carry
 * on after its call was stopped, even from inside a protected call. */
static int sandbox_after_protected(lua_State *L, int status, lua_KContext ctx)
{
	struct sandbox *sb = sandbox_of(L);

	(void)status;
	(void)ctx;
	if (sb->exhausted)
		sandbox_stop(L, sb);
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

/* The argument checks of the wrapped functions are made here, before the
 * original runs: an error raised by the original would name the wrapper
 * (a C function, no line) as its caller. */
static int sandbox_arg_error(lua_State *L, int arg, const char *fn, const char *expected)
{
	return sandbox_error(L, "bad argument #%d to '%s' (%s expected, got %s)", arg, fn,
			     expected, lua_isnone(L, arg) ? "no value" : luaL_typename(L, arg));
}

static int sandbox_pcall(lua_State *L)
{
	if (lua_isnone(L, 1))
		return sandbox_arg_error(L, 1, "pcall", "value");
	return sandbox_protected(L);
}

static int sandbox_resume(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TTHREAD)
		return sandbox_arg_error(L, 1, "resume", "thread");
	sandbox_charge_budget(L, SANDBOX_RESUME_COST);
	return sandbox_protected(L);
}

/* coroutine.create and coroutine.wrap (upvalue 1, called in this frame:
 * neither has upvalues of its own). Each coroutine counts down to its own
 * hook from SANDBOX_HOOK_STEP, so one that ends sooner was never charged:
 * its creation pays that much. */
static int sandbox_cocreate(lua_State *L)
{
	sandbox_charge_budget(L, SANDBOX_HOOK_STEP);
	return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

/* Calls the function coroutine.wrap made (upvalue 2), in this frame with
 * its coroutine as upvalue 1 as that function expects, after charging the
 * switch a resume costs. */
static int sandbox_wrapped_resume(lua_State *L)
{
	sandbox_charge_budget(L, SANDBOX_RESUME_COST);
	return lua_tocfunction(L, lua_upvalueindex(2))(L);
}

static int sandbox_cowrap(lua_State *L)
{
	sandbox_cocreate(L);
	lua_getupvalue(L, -1, 1);               /* the coroutine */
	lua_insert(L, -2);
	lua_pushcclosure(L, sandbox_wrapped_resume, 2);
	return 1;
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
	if (lua_type(L, 2) != LUA_TFUNCTION)
		return sandbox_arg_error(L, 2, "xpcall", "function");
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, sandbox_msgh_guard, 1);
	lua_replace(L, 2);
	return sandbox_protected(L);
}

/* setmetatable(t, mt), whole here. Finalizers run with hooks off: no
 * budget could stop a looping __gc, so a script may not make any. Lua
 * marks an object for finalization only when its metatable has __gc at
 * setmetatable() time, so checking here is enough. */
static int sandbox_setmetatable(lua_State *L)
{
	int mt = lua_type(L, 2);

	if (lua_type(L, 1) != LUA_TTABLE)
		return sandbox_arg_error(L, 1, "setmetatable", "table");
	if (mt != LUA_TNIL && mt != LUA_TTABLE)
		return sandbox_arg_error(L, 2, "setmetatable", "nil or table");
	if (mt == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return sandbox_error(L, "setmetatable: __gc metamethods are not allowed");
		lua_pop(L, 1);
	}
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return sandbox_error(L, "setmetatable: cannot change a protected metatable");
	lua_settop(L, 2);
	lua_setmetatable(L, 1);
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

/* The chunk name of a load()ed chunk: the name the show gave (or the
 * chunk's first line) as a label Lua shows as [string "label"], never as
 * a file: no leading '=' or '@', no quotes, brackets, colons or control
 * characters, at most SANDBOX_LABEL_MAX bytes. */
static void sandbox_push_chunk_label(lua_State *L, const char *name, size_t len)
{
	char label[SANDBOX_LABEL_MAX + 4];
	size_t n = 0;

	while (len > 0 && (*name == '=' || *name == '@')) {
		name++;
		len--;
	}
	for (size_t i = 0; i < len && name[i] != '\n' && n < SANDBOX_LABEL_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		label[n++] = c < 0x20 || c >= 0x7f || strchr("\"[]:\\", c) ? '?' : (char)c;
	}
	if (n == SANDBOX_LABEL_MAX) {
		memcpy(label + n, "...", 3);
		n += 3;
	}
	if (n == 0)
		label[n++] = '?';
	lua_pushlstring(L, label, n);
}

/* load(chunk [, chunkname]): text only, always the sandbox env, the chunk
 * name marked as the show's. A binary chunk is an error, not a nil
 * return: a script that ignores load()'s result must still not get past
 * it quietly. */
static int sandbox_load(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	int chunk = lua_type(L, 1), n;
	size_t len = 0;
	const char *name;

	if (chunk != LUA_TSTRING && chunk != LUA_TFUNCTION)
		return sandbox_arg_error(L, 1, "load", "string or function");
	if (!lua_isnoneornil(L, 2) && lua_type(L, 2) != LUA_TSTRING)
		return sandbox_arg_error(L, 2, "load", "string");
	if (sandbox_is_binary(L, 1))
		return sandbox_error(L, "binary chunks are not allowed");
	if (chunk == LUA_TSTRING)       /* the parser takes a few ns a byte */
		sandbox_charge_budget(L, 1 + (long)lua_rawlen(L, 1));
	lua_settop(L, 2);
	if (lua_type(L, 2) == LUA_TSTRING) {
		name = lua_tolstring(L, 2, &len);
	} else if (chunk == LUA_TSTRING) {
		name = lua_tolstring(L, 1, &len);
	} else {
		name = "load";
		len = strlen(name);
	}
	sandbox_push_chunk_label(L, name, len);
	lua_replace(L, 2);
	lua_pushliteral(L, "t");
	sandbox_push_env(sb);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 4, LUA_MULTRET);
	n = lua_gettop(L);
	if (n >= 2 && lua_isnil(L, 1) && lua_type(L, 2) == LUA_TSTRING &&
	    strstr(lua_tostring(L, 2), "binary chunk"))
		return sandbox_error(L, "binary chunks are not allowed");
	return n;
}

static int sandbox_collectgarbage(lua_State *L)
{
	const char *opt = lua_isnoneornil(L, 1) ? "collect" : lua_tostring(L, 1);

	if (!opt || strcmp(opt, "count") != 0)
		return sandbox_error(L, "collectgarbage(\"%s\") is not allowed (only \"count\")",
				     opt ? opt : "?");
	lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) +
			  (lua_Number)lua_gc(L, LUA_GCCOUNTB, 0) / 1024.0);
	return 1;
}

void sandbox_push_joined(lua_State *L, int first)
{
	int n = lua_gettop(L);
	const char *text;
	size_t len;
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (int i = first; i <= n; i++) {
		if (i > first)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	text = lua_tolstring(L, -1, &len);
	/* converted, joined, escaped, copied: each byte about five times */
	sandbox_charge_budget(L, 1 + (long)(len * 4 / SANDBOX_BYTES_PER_UNIT));
	sandbox_push_escaped(L, text, len);
	lua_remove(L, -2);
}

static int sandbox_print_fn_lua(lua_State *L)
{
	sandbox_push_joined(L, 1);
	sandbox_print(sandbox_of(L), lua_tostring(L, -1));
	return 0;
}

/* "a.b" or "a/b" -> "a/b". False for "..", an absolute path, empty
 * segments or characters outside [A-Za-z0-9_-]. */
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

/* path is dir or below it (both real paths). */
static bool sandbox_path_inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(dir, path, n) == 0 && path[n] == '/';
}

/* Runs the loaded chunk below it (protected by require, which undoes
 * the loading mark on failure). */
static int sandbox_require_run(lua_State *L)
{
	lua_call(L, 0, 1);
	return 1;
}

/* require(name): NAME.lua in the show's folder or scripts/lib, found by
 * its real path (symlinks resolved; the file must stay in the folder),
 * read only when it is a regular file, run once per real path (so
 * "sub.mod" and "sub/mod" are one module). */
static int sandbox_require(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *name = luaL_checkstring(L, 1);
	char rel[200], path[PATH_MAX], real[PATH_MAX], chunkname[PATH_MAX + 2], why[200];
	int found = -1;
	size_t len;
	char *buf;

	if (!sandbox_module_path(name, rel, sizeof rel))
		return sandbox_error(L, "require \"%s\": not allowed (a module name is "
				     "a.b.c: no \"..\", no absolute path)", name);
	for (int i = 0; i < sb->require_dir_count && found < 0; i++) {
		char candidate[PATH_MAX];
		int n;

		if (!sb->require_real[i])
			continue;
		n = snprintf(candidate, sizeof candidate, "%s/%s.lua", sb->require_real[i], rel);
		if (n < 0 || (size_t)n >= sizeof candidate || !realpath(candidate, real))
			continue;
		if (!sandbox_path_inside(sb->require_real[i], real))
			return sandbox_error(L, "require \"%s\": %s/%s.lua leads out of its folder "
					     "(a symbolic link)", name, sb->require_dirs[i], rel);
		snprintf(path, sizeof path, "%s/%s.lua", sb->require_dirs[i], rel);
		found = i;
	}
	if (found < 0)
		return sandbox_error(L, "require \"%s\": module not found (no %s.lua in the "
				     "show's folder or scripts/lib)", name, rel);
	lua_settop(L, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, sb->loaded_ref);       /* 2 */
	lua_pushstring(L, real);                                 /* 3: the key */
	lua_pushvalue(L, 3);
	if (lua_rawget(L, 2) != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))
			return sandbox_error(L, "require \"%s\": loop (it requires itself)", name);
		return 1;
	}
	lua_pop(L, 1);
	/* The real path has no symbolic link left: one now would be a swap. */
	if (sandbox_slurp(real, O_NOFOLLOW, &buf, &len, why, sizeof why) != 0)
		return sandbox_error(L, "require \"%s\": %s: %s", name, path, why);
	snprintf(chunkname, sizeof chunkname, "@%s", path);
	lua_pushcfunction(L, sandbox_require_run);               /* 4 */
	sandbox_push_env(sb);
	sandbox_load_text(L, buf, len, chunkname, -1);           /* 6: the chunk */
	lua_remove(L, 5);
	lua_pushvalue(L, 3);
	lua_pushboolean(L, 0);
	lua_rawset(L, 2);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		lua_pushvalue(L, 3);
		lua_pushnil(L);
		lua_rawset(L, 2);
		return lua_error(L);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, 3);
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

/* env[name] = a closure of fn over the global of that name. */
static void sandbox_wrap_global(lua_State *L, const char *name, lua_CFunction fn)
{
	lua_getglobal(L, name);
	lua_pushcclosure(L, fn, 1);
	lua_setfield(L, -2, name);
}

static int sandbox_build_env(lua_State *L)
{
	static const char *const os_names[] = { "time", "clock", "date", "difftime", NULL };
	struct sandbox *sb = sandbox_of(L);

	luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
	lua_pop(L, 1);
	lua_newtable(L);                                 /* env */
	for (int i = 0; sandbox_base_names[i]; i++) {
		lua_getglobal(L, sandbox_base_names[i]);
		lua_setfield(L, -2, sandbox_base_names[i]);
	}
	sandbox_wrap_global(L, "pcall", sandbox_pcall);
	sandbox_wrap_global(L, "xpcall", sandbox_xpcall);
	sandbox_wrap_global(L, "load", sandbox_load);
	lua_pushcfunction(L, sandbox_setmetatable);
	lua_setfield(L, -2, "setmetatable");
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

	sandbox_lib_open(L, -1);                         /* string, table, utf8 */
	luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
	sandbox_copy_table(L, -1);
	lua_setfield(L, -3, LUA_MATHLIBNAME);
	lua_pop(L, 1);
	luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 0);
	sandbox_copy_table(L, -1);
	lua_getfield(L, -1, "resume");
	lua_pushcclosure(L, sandbox_resume, 1);
	lua_setfield(L, -2, "resume");
	lua_getfield(L, -1, "create");
	lua_pushcclosure(L, sandbox_cocreate, 1);
	lua_setfield(L, -2, "create");
	lua_getfield(L, -1, "wrap");
	lua_pushcclosure(L, sandbox_cowrap, 1);
	lua_setfield(L, -2, "wrap");
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
	size_t slots = (size_t)(require_dir_count > 0 ? require_dir_count : 1);

	if (!sb)
		return NULL;
	sb->memory_limit = memory_limit;
	sb->print = print;
	sb->print_ud = print_ud;
	sandbox_set_time_limit(sb, SANDBOX_TIME_LIMIT_S, "the call");
	sb->require_dirs = calloc(slots, sizeof *sb->require_dirs);
	sb->require_real = calloc(slots, sizeof *sb->require_real);
	if (!sb->require_dirs || !sb->require_real)
		goto fail;
	for (int i = 0; i < require_dir_count; i++) {
		sb->require_dirs[i] = strdup(require_dirs[i]);
		if (!sb->require_dirs[i])
			goto fail;
		sb->require_dir_count++;
		/* a folder that does not exist has no modules */
		sb->require_real[i] = realpath(require_dirs[i], NULL);
	}
	if (sandbox_watchdog_start(sb) != 0)
		goto fail;
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
	sandbox_watchdog_stop(sb);
	for (int i = 0; i < sb->require_dir_count; i++) {
		free(sb->require_dirs[i]);
		free(sb->require_real[i]);
	}
	free(sb->require_dirs);
	free(sb->require_real);
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

void sandbox_each_required(struct sandbox *sb, void (*fn)(void *ud, const char *path), void *ud)
{
	lua_State *L = sb->L;

	lua_rawgeti(L, LUA_REGISTRYINDEX, sb->loaded_ref);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING)
			fn(ud, lua_tostring(L, -1));
	}
	lua_pop(L, 1);
}
