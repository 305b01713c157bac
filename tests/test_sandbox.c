/*
 * test_sandbox.c - the sandbox (scripts/sandbox.h) against the standard
 * Lua library it stands in for, and its limits:
 *   - its own string patterns, string.rep and table functions give what
 *     the standard library gives: hand-written cases (the manual's
 *     examples, edge cases, errors) and thousands of random patterns and
 *     subjects, run in the sandbox and in a plain lua_State side by side;
 *   - pathological patterns and C loops are stopped by the budget, by the
 *     time limit, or by sandbox_interrupt() from another thread, inside
 *     the C function; sandbox_interrupt_all() stops every sandbox;
 *   - sandbox_escape() and print() escape what could drive a terminal;
 *   - require() keeps to its folders past symbolic links, refuses a FIFO
 *     without blocking, and loads a module once by its real path;
 *   - the fixture-file parser reads tables raw: code a fixture file hangs
 *     on its tables never runs in the middle of it (once a use-after-free).
 *
 * GL_SOURCE_DIR is not needed: files are made in a temporary folder. What
 * a test starts (sandboxes, each with its watchdog thread, the interrupting
 * thread, the temporary folder) is held (struct held) and undone by its
 * teardown, so a failure half-way leaves nothing running into the next one.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "engine/gl.h"
#include "scripts/fixture_file.h"
#include "scripts/sandbox.h"
#include "scripts/show.h"
#include "tools/scratch.h"

#define BUDGET 2000000L         /* a handler's */
#define OUT_MAX 4096

/* ---- running the same thing in the sandbox and in a plain state -------------------- */

static char printed[1024];
static atomic_bool lua_started;

/* What the running test started, for teardown. */
static struct held {
	struct sandbox *sb[4];
	int sb_count;
	pthread_t thread;         /* the interrupter, while started */
	bool thread_started;
	char tmp[64];             /* the temporary folder, "" none */
} held;

static int held_setup(void **state)
{
	(void)state;
	memset(&held, 0, sizeof held);
	return 0;
}

static int held_teardown(void **state)
{
	int rc;

	(void)state;
	if (held.thread_started) {      /* it waits for Lua to start: let it go */
		atomic_store(&lua_started, true);
		pthread_join(held.thread, NULL);
	}
	for (int i = 0; i < held.sb_count; i++)
		sandbox_destroy(held.sb[i]);
	rc = scratch_remove(held.tmp);
	memset(&held, 0, sizeof held);
	return rc;
}

/* The test's temporary folder (prefix "gl_test_sandbox" and the like). */
static const char *temp_dir(const char *prefix)
{
	if (scratch_make(held.tmp, sizeof held.tmp, prefix) != 0)
		fail_msg("cannot make a folder in /tmp");
	return held.tmp;
}

static void drop_sandbox(struct sandbox *sb)
{
	for (int i = 0; i < held.sb_count; i++)
		if (held.sb[i] == sb) {
			held.sb[i] = held.sb[--held.sb_count];
			sandbox_destroy(sb);
			return;
		}
	fail_msg("drop_sandbox: not a held sandbox");
}

static void capture_print(void *ud, const char *text)
{
	(void)ud;
	snprintf(printed, sizeof printed, "%s", text);
}

static struct sandbox *new_sandbox(const char *const *dirs, int n)
{
	struct sandbox *sb = sandbox_create(SANDBOX_MEMORY_LIMIT, dirs, n, capture_print, NULL);

	assert_non_null(sb);
	if (held.sb_count == 4)
		sandbox_destroy(sb);
	assert_true(held.sb_count < 4);
	held.sb[held.sb_count++] = sb;    /* teardown's, unless dropped */
	return sb;
}

static lua_State *new_reference(void)
{
	lua_State *L = luaL_newstate();

	assert_non_null(L);
	luaL_openlibs(L);
	return L;
}

/* Appends to out (bounded). */
static void put(char *out, size_t len, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, len - used, fmt, ap);
	va_end(ap);
}

/* The values idx..top as text: type and value, strings byte for byte. */
static void serialize(lua_State *L, int first, char *out, size_t len)
{
	for (int i = first; i <= lua_gettop(L); i++) {
		if (i > first)
			put(out, len, " ");
		switch (lua_type(L, i)) {
		case LUA_TNIL:
			put(out, len, "nil");
			break;
		case LUA_TBOOLEAN:
			put(out, len, lua_toboolean(L, i) ? "true" : "false");
			break;
		case LUA_TNUMBER:
			if (lua_isinteger(L, i))
				put(out, len, "i%lld", (long long)lua_tointeger(L, i));
			else
				put(out, len, "f%.17g", lua_tonumber(L, i));
			break;
		case LUA_TSTRING: {
			size_t n;
			const unsigned char *s = (const unsigned char *)lua_tolstring(L, i, &n);

			put(out, len, "\"");
			for (size_t k = 0; k < n; k++)
				put(out, len, s[k] >= 0x20 && s[k] < 0x7f && s[k] != '\\' ? "%c" : "\\%02x",
				    s[k]);
			put(out, len, "\"");
			break;
		}
		default:
			put(out, len, "%s", luaL_typename(L, i));
			break;
		}
	}
}

/* Without the function names of argument errors: the sandbox's own
 * functions are not in package.loaded, so Lua cannot name them when they
 * are called from C ("bad argument #1 to '?'"). */
static void forget_names(char *text)
{
	char *at = text;

	while ((at = strstr(at, "bad argument #"))) {
		char *open = strstr(at, " to '"), *close;

		if (!open || !(close = strchr(open + 5, '\'')))
			return;
		memmove(open + 6, close, strlen(close) + 1);
		open[5] = '?';
		at = open + 6;
	}
}

/* An error message without the position of the chunk it came from. */
static void strip_position(const char *msg, char *out, size_t len)
{
	const char *p = msg;

	for (const char *c = msg; (c = strstr(c, "]:"));) {
		const char *d = c + 2;

		while (*d >= '0' && *d <= '9')
			d++;
		if (d > c + 2 && d[0] == ':' && d[1] == ' ') {
			p = d + 2;
			break;
		}
		c += 2;
	}
	snprintf(out, len, "%s", p);
}

/* Calls the function and nargs arguments on top of L (the sandbox's when
 * sb is not NULL) and describes the results or the error in out. Returns
 * false when the sandbox ran out of budget (the reference is not asked
 * then: it would run as long). */
static bool call_both_side(lua_State *L, struct sandbox *sb, int nargs, char *out, size_t len)
{
	int base = lua_gettop(L) - nargs - 1, rc;
	char err[OUT_MAX];

	out[0] = '\0';
	if (sb) {
		rc = sandbox_call(sb, nargs, LUA_MULTRET, BUDGET, err, sizeof err);
		if (rc == GL_EBUDGET)
			return false;
	} else {
		rc = lua_pcall(L, nargs, LUA_MULTRET, 0);
		if (rc != LUA_OK) {
			snprintf(err, sizeof err, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
			lua_settop(L, base);
		}
	}
	if (rc != 0) {
		char norm[OUT_MAX];

		strip_position(err, norm, sizeof norm);
		snprintf(out, len, "error: %.4000s", norm);
	} else {
		serialize(L, base + 1, out, len);
		lua_settop(L, base);
	}
	forget_names(out);
	return true;
}

/* Pushes the function of the chunk `code` in the sandbox (through its own
 * load(), as a show would get it) or in the reference. */
static void push_chunk(lua_State *L, struct sandbox *sb, const char *code)
{
	if (sb) {
		char err[OUT_MAX];

		sandbox_push_env(sb);
		lua_getfield(L, -1, "load");
		lua_remove(L, -2);
		lua_pushstring(L, code);
		if (sandbox_call(sb, 1, 2, BUDGET, err, sizeof err) != 0 || !lua_isfunction(L, -2))
			fail_msg("does not compile in the sandbox: %s", code);
		lua_pop(L, 1);
	} else if (luaL_loadstring(L, code) != LUA_OK) {
		fail_msg("does not compile: %s: %s", code, lua_tostring(L, -1));
	}
}

/* Runs code in both; fails when they differ. */
static void same(struct sandbox *sb, lua_State *ref, const char *code)
{
	lua_State *S = sandbox_state(sb);
	char mine[OUT_MAX], theirs[OUT_MAX];

	push_chunk(S, sb, code);
	if (!call_both_side(S, sb, 0, mine, sizeof mine))
		fail_msg("%s: out of budget in the sandbox", code);
	push_chunk(ref, NULL, code);
	call_both_side(ref, NULL, 0, theirs, sizeof theirs);
	if (strcmp(mine, theirs) != 0)
		fail_msg("%s\n  sandbox:  %s\n  standard: %s", code, mine, theirs);
}

/* ---- hand-written cases --------------------------------------------------------- */

static const char *const library_cases[] = {
	/* the manual's examples (§6.4, §6.4.1) */
	"return ('hello world from Lua'):gsub('%w+', '<%0>')",
	"local t = {} for k, v in ('from=world, to=Lua'):gmatch('(%w+)=(%w+)') do "
	"t[#t + 1] = k .. ':' .. v end return table.concat(t, ';')",
	"return ('hello world'):gsub('(%w+)', '%1 %1')",
	"return ('hello world'):gsub('%w+', '%0 %0', 1)",
	"return ('hello world from Lua'):gsub('(%w+)%s*(%w+)', '%2 %1')",
	"return ('home = $HOME, user = $USER'):gsub('%$(%w+)', { HOME = '/home/r', USER = 'r' })",
	"return ('4+5 = $return 4+5$'):gsub('%$(.-)%$', function(s) return '<' .. s .. '>' end)",
	"return ('$name-$version.tar.gz'):gsub('%$(%w+)', { name = 'lua', version = '5.4' })",
	"return ('THE (quick) fox'):find('%((%a+)%)')",
	"return ('THE (quick) fox'):gsub('%f[%a]%a+', function(w) return w:lower() end)",
	"return ('THE (quick) fox'):gsub('%f[%a]', '|')",
	"return ('[[x]] and [[y]]'):match('%b[]')",
	"return ('f(a(b)c)d'):match('%b()')",
	"return (\"'q' 'r'\"):gsub(\"%b''\", 'Q')",
	"return ('  trim me  '):match('^%s*(.-)%s*$')",
	"return ('hello'):find('l'), ('hello'):find('l', 1, true), ('hello'):find('xl', 1, true)",
	"return ('hello'):find('', 10), ('hello'):find('', 6), ('hello'):find('', -100)",
	"return ('hello'):find('o', -1), ('hello'):find('h', -1), ('hello'):find('l', -3)",
	"return ('hello'):match('()ll()'), ('hello'):find('()ll()')",
	"return ('abc'):gsub('', '-')",
	"return ('abc'):gsub('b*', '-')",
	"return ('abc'):gsub('.-', '-')",
	"return ('hello world'):match('^(%w+)'), ('hello world'):match('^(%w+)$')",
	"return ('key=val'):match('(%w+)=(%w*)'), ('key='):match('(%w+)=(%w*)')",
	"return string.gsub('abc', '%w', '%%%0')",
	"return ('x = 10, y = 20'):gsub('(%w+) = (%w+)', '%2 = %1')",
	"return ('hello'):gsub('l+', function() end)",
	"return ('hello'):gsub('l', 7), ('hello'):gsub('(l)(l)', { ll = 1, l = 2 })",
	"return ('hello'):gsub('(l)()', '%2')",
	"return ('a.b.c'):gsub('%.', '/'), ('a,b,,c'):gsub(',,', ',nil,')",
	"return ('CamelCaseWord'):gsub('(%u)', ' %1'), ('   x'):find('%S')",
	"return ('#ffb070'):match('^#(%x%x)(%x%x)(%x%x)$')",
	"return ('/gl/cue/Main/12/go'):match('^/gl/cue/([^/]+)/([%d.]+)/go$')",
	"return ('a\\0b\\0c'):gsub('%z', 'Z'), ('a\\0b'):find('\\0', 1, true), ('a\\0b'):find('[\\0]')",
	"return ('a\\0b'):match('%Z+'), ('a\\0b'):gsub('.', '%0%0')",
	"return ('[]'):find('[]]'), ('a-b'):find('[a-]', 2), ('abc'):find('[^%a]'), ('x]'):find('[^]]')",
	"return ('x^y'):find('^'), ('x^y'):find('x^'), ('$'):find('$$'), ('ab'):match('.-$')",
	"return ('a%b'):find('[%%]'), ('a-z'):find('[%-]'), ('a]b'):find('[%]]')",
	"return ('\\128\\200abc'):match('[\\128-\\255]+'), ('abc'):match('[c-a]')",
	"return ('aaa'):match('a-a'), ('aaa'):match('a-$'), ('aaa'):match('^a?a?a?a?$')",
	"return ('one two  three'):gsub('%s+', ' ', 1)",
	"local r = {} for a in ('^ab^ab'):gmatch('^ab') do r[#r + 1] = a end return table.concat(r, ',')",
	"local r = {} for a, b in ('abcabc'):gmatch('()b()', 3) do r[#r + 1] = a .. '-' .. b end "
	"return table.concat(r, ',')",
	"local r = {} for a in ('abc'):gmatch('') do r[#r + 1] = a end return #r",
	"local r = {} for a in ('abc'):gmatch('x*', 10) do r[#r + 1] = a end return #r",
	"local r = {} for a in ('abc'):gmatch('.', -1) do r[#r + 1] = a end return table.concat(r)",
	"local r = {} for k, v in ('a=1, b=2'):gmatch('(%w)=(%d)') do r[#r + 1] = k .. v end "
	"return table.concat(r, ' ')",
	/* errors, raised where the standard library raises them */
	"return pcall(string.gsub, 'abc', '%w', '%2')",
	"return pcall(string.gsub, 'abc', '(%w)', '%2')",
	"return pcall(string.gsub, 'abc', '%w', '%')",
	"return pcall(string.gsub, 'abc', '%w', '%x')",
	"return pcall(string.gsub, 'abc', '%w', { a = 1, b = true })",
	"return pcall(string.gsub, 'abc', '%w', false)",
	"return pcall(string.find, 'abc', '[a'), pcall(string.find, 'abc', 'x[')",
	"return pcall(string.find, 'abc', '%'), pcall(string.find, 'abc', 'a%')",
	"return pcall(string.match, 'abc', '(()'), pcall(string.match, 'abc', '%1')",
	"return pcall(string.match, 'abc', 'a)'), pcall(string.match, 'abc', '%f')",
	"return pcall(string.match, 'abc', '%bx'), pcall(string.match, 'abc', 'x%bx')",
	"return pcall(string.match, 'abc', '%0'), pcall(string.match, 'abc', '(a)%2')",
	"return pcall(string.match, 'abc', '(a%1)'), pcall(string.match, 'abc', '(b')",
	"return pcall(string.match, ('a'):rep(300), ('a?'):rep(250))",
	"return pcall(string.match, ('a'):rep(300), ('a?'):rep(150))",
	"return pcall(string.match, ('a'):rep(40), ('(a)'):rep(33))",
	"return pcall(string.match, ('a'):rep(40), ('(a)'):rep(32))",
	"return pcall(string.rep), pcall(string.rep, 'x', math.maxinteger, 'y')",
	"return pcall(string.find), pcall(string.gmatch, 'x')",
	/* string.rep and the charged string functions */
	"return ('x'):rep(3, ', '), ('ab'):rep(1, 'sep'), ('a'):rep(-1), ('').rep('', 5, '')",
	"return ('ab'):rep(5), ('abc'):rep(4, '--'), (''):rep(3, 'x'), ('x'):rep(0, 'y')",
	"return string.format('%5.2f|%-5d|%q', 3.14159, 42, 'a\\nb'), ('%d'):format(3)",
	"return pcall(string.format, '%d', 'x'), pcall(string.format, '%999d', 1)",
	"return string.byte('abc', 1, -1), string.byte('abc', 10), string.byte('abc', -10, 2)",
	"return string.char(104, 105), pcall(string.char, 256), string.pack('i4', 7):byte(1, -1)",
	"return ('abc'):upper(), ('ABC'):lower(), ('abc'):reverse(), ('abcdef'):sub(2, -2)",
	"return string.unpack('i2', string.pack('i2', -2)), string.packsize('i4i8')",
	"return utf8.char(72, 228, 8364), utf8.len('h\\u{e4}l'), utf8.codepoint('h\\u{e4}', 1, -1)",
	"return utf8.offset('h\\u{e4}l', 3), utf8.len('\\xff'), pcall(utf8.codepoint, '\\xff')",
	/* the table functions */
	"return table.concat({ 1, 2, 3 }, ', ', 2, 3), table.concat({}), table.concat({ 'a' }, ',', 3, 2)",
	"return pcall(table.concat, { 1, {}, 3 }), pcall(table.concat, { 1 }, ',', 1, 2)",
	"return pcall(table.insert, { 1 }, 5, 2), pcall(table.insert, { 1 }, 1, 2, 3)",
	"return pcall(table.insert, 1, 2), pcall(table.insert, {}, 0, 'x')",
	"local t = { 1, 2, 3 } table.insert(t, 2, 'x') table.insert(t, 'e') return table.concat(t, ',')",
	"local t = { 1, 2, 3 } table.insert(t, 4, 'y') return table.concat(t, ',')",
	"local t = { 1, 2, 3 } return table.remove(t), table.remove(t, 1), #t, t[1]",
	"local t = {} return table.remove(t), table.remove(t, 0), #t",
	"local t = { 1 } return table.remove(t, 2), #t, (pcall(table.remove, { 1, 2 }, 5))",
	/* (5.4.4 says "bad argument #1" for a bad position; the sandbox #2) */
	"local t = { n = 1 } return (pcall(table.remove, t, -1))",
	"local t = { 1, 2, 3, 4, 5 } table.move(t, 2, 4, 1) return table.concat(t, ',')",
	"local t = { 1, 2, 3, 4, 5 } table.move(t, 1, 3, 3) return table.concat(t, ',')",
	"local t = table.move({ 1, 2, 3 }, 1, 3, 2, {}) return t[1], t[2], t[4]",
	"local t = { 1, 2 } return table.move(t, 2, 1, 5) == t, #t",
	"return pcall(table.move, {}, 1, math.maxinteger, 2)",
	"return pcall(table.move, {}, -1, math.maxinteger, 1), pcall(table.move, 1, 1, 2, 3)",
	"return table.unpack({ 1, 2, 3 }, 2), table.unpack({ 1, 2, 3 }, -1, 1)",
	"return pcall(table.unpack, {}, 1, 1e8), select('#', table.unpack({}, 3, 2))",
	"local p = setmetatable({}, { __index = function(_, k) return k * 2 end, "
	"__len = function() return 4 end }) return table.concat(p, ','), table.unpack(p)",
	"local log = {} local p = setmetatable({}, { __newindex = function(t, k, v) "
	"log[#log + 1] = k .. '=' .. tostring(v) rawset(t, k, v) end }) "
	"table.insert(p, 'a') table.insert(p, 1, 'b') table.insert(p, 1, 'c') "
	"return table.concat(log, ';'), #p, table.concat(p, ',')",
	"local t = { 5, 2, 8, 1 } table.sort(t) local u = { 5, 2, 8, 1 } "
	"table.sort(u, function(a, b) return a > b end) return table.concat(t, ','), table.concat(u, ',')",
	"return table.pack(1, nil, 3).n, pcall(table.sort, { 3, 'x' })",
	/* the coroutine functions the sandbox charges */
	"local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end) "
	"return co(1), co(5), pcall(co)",
	/* (the sandbox's own wrapper adds the line of the pcall: not compared) */
	"return pcall(coroutine.wrap, 1), pcall(coroutine.create), (pcall(coroutine.resume, 1))",
	"local co = coroutine.create(function(a) coroutine.yield(a) end) local r = { "
	"coroutine.resume(co, 7) } r[#r + 1] = coroutine.status(co) r[#r + 1] = coroutine.resume(co) "
	"r[#r + 1] = coroutine.status(co) return table.unpack(r), coroutine.resume(co)",
	"return string.format('%5.1f|%-3d|%s|%q|%g|%a', 2.25, 7, 'x', 'a\\0', 1e300, 1)",
	NULL
};

static void test_library_cases(void **state)
{
	struct sandbox *sb = new_sandbox(NULL, 0);
	lua_State *ref = new_reference();

	for (int i = 0; library_cases[i]; i++)
		same(sb, ref, library_cases[i]);
	lua_close(ref);
	drop_sandbox(sb);
}

/* ---- random patterns --------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rng(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static const char *const pattern_pieces[] = {
	"a", "b", "x", ".", "%a", "%d", "%s", "%w", "%p", "%A", "%S", "%x", "%l", "%u", "%c",
	"%%", "%.", "%-", "%(", "[ab]", "[^a]", "[a-c]", "[%a_]", "[]]", "[^]]", "[a-]",
	"[%]]", "[-a]", "[%d-]", "*", "+", "-", "?", "*", "+", "-", "?", "(", ")", "()",
	"(", ")", "%b()", "%bab", "%b", "%f[%w]", "%f[%W]", "%f[a]", "%f", "%1", "%2", "%0",
	"$", "^", "[", "%", "%z", "]", ",", " ", "\\0",
};

/* Subjects: letters the pieces name, brackets, spaces, digits, a NUL. */
static const char subject_chars[] = "aaabbbx(),. -%[]12 AZ\n\0";

static size_t random_subject(char *s, size_t max)
{
	size_t n = rng((unsigned)max);

	for (size_t i = 0; i < n; i++)
		s[i] = subject_chars[rng(sizeof subject_chars - 1)];
	return n;
}

static size_t random_pattern(char *p, size_t max)
{
	size_t n = 0;
	int pieces = (int)rng(8);

	if (rng(5) == 0)
		p[n++] = '^';
	for (int i = 0; i < pieces; i++) {
		const char *piece = pattern_pieces[rng(sizeof pattern_pieces / sizeof *pattern_pieces)];

		if (strcmp(piece, "\\0") == 0) {
			p[n++] = '\0';
			continue;
		}
		if (n + strlen(piece) + 2 >= max)
			break;
		memcpy(p + n, piece, strlen(piece));
		n += strlen(piece);
	}
	if (rng(5) == 0)
		p[n++] = '$';
	return n;
}

/* gsub's replacement, by kind (the same in both states). */
static void push_replacement(lua_State *L, int kind, int fn_ref, int table_ref)
{
	static const char *const strings[] = { "<%0>", "%1-%2", "%%", "x", "%", "%9", "[%1]", "" };

	if (kind < 8)
		lua_pushstring(L, strings[kind]);
	else if (kind == 8)
		lua_pushinteger(L, 7);
	else if (kind == 9)
		lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref);
	else
		lua_rawgeti(L, LUA_REGISTRYINDEX, table_ref);
}

struct side {
	lua_State *L;
	struct sandbox *sb;
	int fn_ref, table_ref;
};

/* Pushes string.<name> of the side. */
static void push_string_fn(const struct side *side, const char *name)
{
	if (side->sb) {
		sandbox_push_env(side->sb);
		lua_getfield(side->L, -1, "string");
		lua_getfield(side->L, -1, name);
		lua_replace(side->L, -3);
		lua_pop(side->L, 1);
	} else {
		lua_getglobal(side->L, "string");
		lua_getfield(side->L, -1, name);
		lua_remove(side->L, -2);
	}
}

/* One call described in out; false when the sandbox's budget ran out. */
static bool random_call(const struct side *side, int what, const char *s, size_t ls,
			const char *p, size_t lp, lua_Integer init, int extra, char *out, size_t len)
{
	static const char *const names[] = { "find", "find", "match", "gmatch", "gsub" };
	lua_State *L = side->L;
	int nargs = 2;

	push_string_fn(side, names[what]);
	lua_pushlstring(L, s, ls);
	lua_pushlstring(L, p, lp);
	if (what == 4) {
		push_replacement(L, extra, side->fn_ref, side->table_ref);
		nargs++;
		if (init >= 0) {
			lua_pushinteger(L, init);
			nargs++;
		}
	} else if (init != 0) {
		lua_pushinteger(L, init);
		nargs++;
		if (what == 1) {
			lua_pushboolean(L, extra & 1);
			nargs++;
		}
	}
	if (what != 3)
		return call_both_side(L, side->sb, nargs, out, len);
	/* gmatch: the iterator, then every match in order */
	if (side->sb) {
		char err[256];

		if (sandbox_call(side->sb, nargs, 1, BUDGET, err, sizeof err) != 0)
			fail_msg("gmatch: %s", err);
	} else if (lua_pcall(L, nargs, 1, 0) != LUA_OK) {
		fail_msg("gmatch: %s", lua_tostring(L, -1));
	}
	out[0] = '\0';
	for (int round = 0; round < 40; round++) {
		char one[OUT_MAX];

		lua_pushvalue(L, -1);
		if (!call_both_side(L, side->sb, 0, one, sizeof one)) {
			lua_pop(L, 1);
			return false;
		}
		put(out, len, "[%s]", one);
		if (one[0] == '\0' || strcmp(one, "nil") == 0 || strncmp(one, "error", 5) == 0)
			break;
	}
	lua_pop(L, 1);
	return true;
}

static void make_side(struct side *side, lua_State *L, struct sandbox *sb)
{
	static const char fn[] =
		"return function(...) local n = select('#', ...) local a = ... "
		"if a == 'a' then return nil end if a == 'b' then return false end "
		"return n .. ':' .. tostring(a) end";

	side->L = L;
	side->sb = sb;
	push_chunk(L, sb, fn);
	if (sb) {
		char err[256];

		assert_int_equal(sandbox_call(sb, 0, 1, BUDGET, err, sizeof err), 0);
	} else {
		assert_int_equal(lua_pcall(L, 0, 1, 0), LUA_OK);
	}
	side->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	lua_pushliteral(L, "<A>");
	lua_setfield(L, -2, "a");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "b");
	lua_pushinteger(L, 12);
	lua_setfield(L, -2, "ab");
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, "x");        /* an invalid replacement value */
	side->table_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

static void describe_bytes(const char *s, size_t n, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t k = 0; k < n; k++)
		put(out, len, s[k] >= 0x20 && s[k] < 0x7f ? "%c" : "\\%d", (unsigned char)s[k]);
}

static void test_random_patterns(void **state)
{
	struct sandbox *sb = new_sandbox(NULL, 0);
	lua_State *ref = new_reference();
	struct side mine, theirs;
	int cases = 0, skipped = 0;

	make_side(&mine, sandbox_state(sb), sb);
	make_side(&theirs, ref, NULL);
	for (int round = 0; round < 6000; round++) {
		char s[32], p[64];
		size_t ls = random_subject(s, 24), lp = random_pattern(p, sizeof p);

		for (int what = 0; what < 5; what++) {
			char a[OUT_MAX], b[OUT_MAX];
			lua_Integer init = rng(3) == 0 ? (lua_Integer)rng(14) - 6 : 0;
			int extra = (int)rng(11);

			if (what == 4)
				init = rng(3) == 0 ? (lua_Integer)rng(4) : -1;
			cases++;
			if (!random_call(&mine, what, s, ls, p, lp, init, extra, a, sizeof a)) {
				skipped++;
				continue;
			}
			random_call(&theirs, what, s, ls, p, lp, init, extra, b, sizeof b);
			if (strcmp(a, b) != 0) {
				char ds[256], dp[256];

				describe_bytes(s, ls, ds, sizeof ds);
				describe_bytes(p, lp, dp, sizeof dp);
				fail_msg("case %d: string.%s(\"%s\", \"%s\", init %lld, extra %d)\n"
					 "  sandbox:  %s\n  standard: %s", cases,
					 what == 3 ? "gmatch" : what == 4 ? "gsub" : what == 2 ? "match"
											   : "find",
					 ds, dp, (long long)init, extra, a, b);
			}
		}
	}
	print_message("%d random calls the same, %d over the budget (not compared)\n", cases,
		      skipped);
	assert_true(skipped * 100 < cases);
	lua_close(ref);
	drop_sandbox(sb);
}

/* ---- the limits ----------------------------------------------------------------------- */

/* Runs code in the sandbox with `budget`; returns the code, err filled. */
static int run(struct sandbox *sb, const char *code, long budget, char *err, size_t len)
{
	lua_State *L = sandbox_state(sb);
	int top = lua_gettop(L), rc;

	push_chunk(L, sb, code);
	rc = sandbox_call(sb, 0, 0, budget, err, len);
	assert_int_equal(lua_gettop(L), top);
	return rc;
}

static void expect_stop(struct sandbox *sb, const char *code, long budget, const char *what)
{
	char err[512] = "";
	int rc = run(sb, code, budget, err, sizeof err);

	if (rc != GL_EBUDGET || !strstr(err, what) || !strstr(err, "]:1: "))
		fail_msg("%s: rc %d, \"%s\"; wanted \"[string ...]:1: ...%s\"", code, rc, err, what);
}

/* What the count hook cannot see is charged: each former hang stops on
 * a handler's budget, at the line of the call. */
static void test_budget_in_c(void **state)
{
	static const char *const hangs[] = {
		"local s = ('a'):rep(2e5) s:find('.-.-.-.-.-.-b')",
		"local s = ('a'):rep(2e5) s:match('a*a*a*a*a*a*a*b')",
		"local s = ('a'):rep(2e5) s:find('.-b')",
		"local s = ('a'):rep(2e5) s:gsub('(a-)(a-)b', '')",
		"local s = ('a'):rep(2e5) for x in s:gmatch('%f[a]a*a*b') do end",
		"local s = ('('):rep(2e5) s:find('%b()')",
		"table.move({}, 1, 1e15, 1, {})",
		"local t = {} for i = 1, 1e6 do table.insert(t, 1, i) end",
		"local t = {} for i = 1, 1e4 do t[i] = i end for i = 1, 1e9 do table.remove(t, 1) t[#t + 1] = i end",
		"table.concat(setmetatable({}, { __index = table.concat }), '', 1, 1e15)",
		"for i = 1, 1e9 do table.unpack({}, 1, 5e5) end",
		"for i = 1, 1e9 do string.rep('x', 1e6) end",
		"for i = 1, 1e9 do string.rep('x', 1e6, 'y') end",
		"local s = ('x'):rep(1e6) for i = 1, 1e9 do s:upper() s:sub(2) s:format() end",
		"local s = ('x'):rep(1e5) for i = 1, 1e9 do s:byte(1, -1) end",
		"local t = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e9 do table.sort(t) end",
		"local s = ('x'):rep(1e6) for i = 1, 1e9 do utf8.len(s) end",
		"local s = ('x'):rep(1e6) for i = 1, 1e9 do load(s) end",
		"local s = ('x'):rep(1e6) for i = 1, 1e9 do print(s) end",
		"local s = ('x'):rep(1e5) for i = 1, 1e9 do s:find(s .. 'y', 1, true) end",
		"for i = 1, 1e9 do string.format('%99.99f', 1e308) end",
		"local co = coroutine.wrap(function() while true do coroutine.yield() end end) "
		"while true do pcall(co) end",
		/* each coroutine runs under its own hook count: short ones add up */
		"for i = 1, 1e9 do coroutine.wrap(function() for j = 1, 300 do end end)() end",
		NULL
	};
	struct sandbox *sb = new_sandbox(NULL, 0);

	/* the budget must stop them, not the watchdog (slow in a TSan build) */
	sandbox_set_time_limit(sb, 600, "the test");
	for (int i = 0; hangs[i]; i++)
		expect_stop(sb, hangs[i], BUDGET, "instruction budget exhausted");
	/* and a rep of nothing costs nothing, whatever the count */
	{
		char err[256];

		assert_int_equal(run(sb, "assert(string.rep('', math.maxinteger) == '')", 1000, err,
				     sizeof err), 0);
	}
	drop_sandbox(sb);
}

/* The watchdog: past the time limit the call stops, in the VM or in a
 * charged C function, and pcall cannot catch it. */
static void test_time_limit(void **state)
{
	struct sandbox *sb = new_sandbox(NULL, 0);
	char err[256];

	/* the watchdog sleeps until the hour of this call is up... */
	sandbox_set_time_limit(sb, 3600, "the load");
	assert_int_equal(run(sb, "local x = 1", LONG_MAX, err, sizeof err), 0);
	/* ...and must wake for a shorter limit (else: an hour, the ctest timeout) */
	sandbox_set_time_limit(sb, 0.2, "the test");
	expect_stop(sb, "while true do end", LONG_MAX, "the test ran longer than 0.2 s (stopped)");
	expect_stop(sb, "local s = ('a'):rep(2e5) s:find('.-.-.-.-.-.-.-.-b')", LONG_MAX,
		    "the test ran longer than 0.2 s (stopped)");
	expect_stop(sb, "while true do pcall(function() while true do end end) end", LONG_MAX,
		    "the test ran longer than 0.2 s (stopped)");
	/* the next call has its own time */
	assert_int_equal(run(sb, "local x = 1", LONG_MAX, err, sizeof err), 0);
	drop_sandbox(sb);
}


static int mark_started(lua_State *L)
{
	(void)L;
	atomic_store(&lua_started, true);
	return 0;
}

static void *interrupter(void *arg)
{
	while (!atomic_load(&lua_started))
		usleep(1000);
	usleep(20000);
	sandbox_interrupt(arg);
	return NULL;
}

/* Another thread stops a call that neither budget nor time would stop
 * soon, in the VM and inside a pattern match; the sandbox stays stopped. */
static void test_interrupt(void **state)
{
	static const char *const codes[] = {
		"started() while true do end",
		"started() local s = ('a'):rep(2e5) s:find('.-.-.-.-.-.-.-.-b')",
	};

	for (int i = 0; i < 2; i++) {
		struct sandbox *sb = new_sandbox(NULL, 0);
		char err[256];

		sandbox_set_time_limit(sb, 3600, "the test");
		sandbox_push_env(sb);
		lua_pushcfunction(sandbox_state(sb), mark_started);
		lua_setfield(sandbox_state(sb), -2, "started");
		lua_pop(sandbox_state(sb), 1);
		atomic_store(&lua_started, false);
		assert_int_equal(pthread_create(&held.thread, NULL, interrupter, sb), 0);
		held.thread_started = true;
		expect_stop(sb, codes[i], LONG_MAX, "interrupted (stopped)");
		pthread_join(held.thread, NULL);
		held.thread_started = false;
		lua_pushcfunction(sandbox_state(sb), mark_started);
		assert_int_equal(sandbox_call(sb, 0, 0, LONG_MAX, err, sizeof err), GL_EBUDGET);
		assert_non_null(strstr(err, "interrupted"));
		drop_sandbox(sb);
	}
}

/* sandbox_interrupt_all() holds for the whole process: checked in a
 * child (this program again, run with CHILD_INTERRUPT_ALL: a fork alone
 * would start the watchdogs in a copy of a threaded process). */
#define CHILD_INTERRUPT_ALL "--child-interrupt-all"

static int child_interrupt_all(void)
{
	struct sandbox *before = sandbox_create(SANDBOX_MEMORY_LIMIT, NULL, 0, NULL, NULL);
	struct sandbox *after;
	char err[256];
	int ok = 1;

	sandbox_interrupt_all();
	after = sandbox_create(SANDBOX_MEMORY_LIMIT, NULL, 0, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		struct sandbox *sb = i ? after : before;

		lua_pushcfunction(sandbox_state(sb), mark_started);
		ok &= sandbox_call(sb, 0, 0, LONG_MAX, err, sizeof err) == GL_EBUDGET &&
		      strstr(err, "interrupted") != NULL;
	}
	sandbox_destroy(before);
	sandbox_destroy(after);
	return ok ? 0 : 1;
}

static void test_interrupt_all(void **state)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/proc/self/exe", "test_sandbox", CHILD_INTERRUPT_ALL, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- text from a show ---------------------------------------------------------------- */

static void expect_escaped(const char *in, size_t size, const char *want)
{
	char buf[256];

	snprintf(buf, sizeof buf, "%s", in);
	sandbox_escape(buf, size);
	if (strcmp(buf, want) != 0)
		fail_msg("escape(\"%s\", %zu): \"%s\", wanted \"%s\"", in, size, buf, want);
	sandbox_escape(buf, sizeof buf);       /* idempotent */
	assert_string_equal(buf, want);
}

static void test_escape(void **state)
{
	/* left as they are: printable text, tabs, valid UTF-8 */
	static const char *const kept[] = {
		"plain text, 100% ok",
		"tab\tkept",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xad",
	};
	/* controls (C0, DEL, C1), bidi and line separators, bytes that are
	 * not UTF-8: escaped */
	static const struct { const char *in, *want; } escaped[] = {
		{ "a\x1b[2Jb", "a\\x1b[2Jb" },
		{ "one\ntwo\r", "one\\ntwo\\r" },
		{ "csi \xc2\x9b" "2J", "csi \\u{9b}2J" },
		{ "bidi \xe2\x80\xae" "evil", "bidi \\u{202e}evil" },
		{ "ls \xe2\x80\xa8", "ls \\u{2028}" },
		{ "bad \xff \xc3", "bad \\xff \\xc3" },
		{ "overlong \xc0\x80", "overlong \\xc0\\x80" },
		{ "surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80" },
		{ "del \x7f", "del \\x7f" },
	};
	/* truncated to the buffer, never inside an escape */
	static const struct { const char *in; size_t size; const char *want; } truncated[] = {
		{ "ab\x1b" "cd", 6, "ab" },
		{ "ab\x1b" "cd", 7, "ab\\x1b" },
		{ "abcdef", 4, "abc" },
	};
	struct sandbox *sb = new_sandbox(NULL, 0);
	char err[256];

	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		expect_escaped(kept[i], 256, kept[i]);
	for (size_t i = 0; i < sizeof escaped / sizeof escaped[0]; i++)
		expect_escaped(escaped[i].in, 256, escaped[i].want);
	for (size_t i = 0; i < sizeof truncated / sizeof truncated[0]; i++)
		expect_escaped(truncated[i].in, truncated[i].size, truncated[i].want);

	/* print() and log() text arrives escaped */
	assert_int_equal(run(sb, "print('red \\27[31m', 'two\\nlines')", BUDGET, err, sizeof err), 0);
	assert_string_equal(printed, "red \\x1b[31m\ttwo\\nlines");
	drop_sandbox(sb);
}

/* ---- require and files ------------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
	assert_int_equal(scratch_write(dir, name, text), 0);
}

static void test_require_files(void **state)
{
	const char *tmp = temp_dir("gl_test_sandbox");
	char dir[PATH_MAX - 64], outside[PATH_MAX - 64];
	char path[PATH_MAX], err[512];
	const char *dirs[1];
	struct sandbox *sb;
	struct gl_show *show;

	snprintf(dir, sizeof dir, "%s/show", tmp);
	snprintf(outside, sizeof outside, "%s/outside", tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(outside, 0700), 0);
	snprintf(path, sizeof path, "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(dir, "sub/mod.lua", "loads = (loads or 0) + 1 return { n = loads }\n");
	write_file(outside, "secret.lua", "return 'secret'\n");
	snprintf(path, sizeof path, "%s/leak.lua", dir);
	assert_int_equal(symlink("../outside/secret.lua", path), 0);
	snprintf(path, sizeof path, "%s/alias.lua", dir);
	assert_int_equal(symlink("sub/mod.lua", path), 0);
	snprintf(path, sizeof path, "%s/fifo.lua", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof path, "%s/dev.lua", dir);
	assert_int_equal(symlink("/dev/zero", path), 0);

	dirs[0] = dir;
	sb = new_sandbox(dirs, 1);
	/* one module, whatever the spelling: by its real path */
	assert_int_equal(run(sb, "local a = require 'sub.mod' local b = require 'sub/mod' "
			     "local c = require 'alias' assert(a == b and b == c and a.n == 1 "
			     "and loads == 1)", BUDGET, err, sizeof err), 0);
	/* out of the folder through a link: refused, and said why */
	assert_int_equal(run(sb, "require 'leak'", BUDGET, err, sizeof err), GL_EINVAL);
	assert_non_null(strstr(err, "]:1: require \"leak\": "));
	assert_non_null(strstr(err, "leads out of its folder"));
	assert_int_equal(run(sb, "require 'dev'", BUDGET, err, sizeof err), GL_EINVAL);
	assert_non_null(strstr(err, "leads out of its folder"));
	/* a FIFO is refused without opening it for a read that would block */
	assert_int_equal(run(sb, "require 'fifo'", BUDGET, err, sizeof err), GL_EINVAL);
	assert_non_null(strstr(err, "]:1: require \"fifo\": "));
	assert_non_null(strstr(err, "not a regular file"));
	drop_sandbox(sb);

	/* the same for a show file */
	snprintf(path, sizeof path, "%s/fifo.lua", dir);
	show = gl_show_load(path, err, sizeof err);
	assert_null(show);
	assert_non_null(strstr(err, "not a regular file"));
}

/* ---- the fixture-file parser ----------------------------------------------------- */

/* A fixture file that hangs code on every table it returns. It cannot in
 * a show (it has no setmetatable); here numbers get a metatable from C,
 * so (0).sm reaches the sandbox's setmetatable - the way the string
 * metatable once reached the show's env. */
static const char evil_fixture[] =
	"local sm, nx, log = (0).sm, (0).nx, (0).log\n"
	"local modes = {}\n"
	"local function evil(t, k)\n"
	"  log[#log + 1] = k\n"
	"  for name in nx, modes do modes[name] = nil end\n"
	"  local junk = {} for i = 1, 20000 do junk[i] = { i } end\n"
	"  return nil\n"
	"end\n"
	"local meta = { __index = evil, __newindex = evil, __len = function() return 1 end }\n"
	"modes.mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm1 = "
	"sm({ sm({ 'intensity', bits = 16 }, meta) }, meta)\n"
	"modes.nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn2 = { 'intensity' }\n"
	"modes.oooooooooooooooooooooooooooooooooooooooooooooooooooooooo3 = "
	"sm({ 'intensity', 'red' }, meta)\n"
	"return sm({ name = 'Evil', modes = sm(modes, meta), physical = sm({}, meta) }, meta)\n";

static const char *fixture_path;
static struct fdef *fixture_def;
static int fixture_rc;

static int load_fixture_cf(lua_State *L)
{
	char err[512];

	fixture_rc = fixture_file_load_def(L, fixture_path, &fixture_def, NULL, err, sizeof err);
	if (fixture_rc != 0)
		fail_msg("the fixture does not load: %s", err);
	return 0;
}

static void test_fixture_raw_access(void **state)
{
	const char *tmp = temp_dir("gl_test_fixture");
	char path[PATH_MAX], err[512];
	struct sandbox *sb = new_sandbox(NULL, 0);
	lua_State *L = sandbox_state(sb);

	write_file(tmp, "evil.lua", evil_fixture);
	snprintf(path, sizeof path, "%s/evil.lua", tmp);
	fixture_path = path;

	lua_pushinteger(L, 0);
	lua_newtable(L);                        /* the number metatable */
	lua_newtable(L);                        /* its __index */
	sandbox_push_env(sb);
	lua_getfield(L, -1, "setmetatable");
	lua_setfield(L, -3, "sm");
	lua_getfield(L, -1, "next");
	lua_setfield(L, -3, "nx");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "test_log");
	lua_setfield(L, -2, "log");
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);

	lua_pushcfunction(L, load_fixture_cf);
	assert_int_equal(sandbox_call(sb, 0, 0, BUDGET, err, sizeof err), 0);
	assert_int_equal(fixture_rc, 0);
	assert_int_equal(fixture_def->mode_count, 3);
	fdef_destroy(fixture_def);
	/* no metamethod ran while the parser read the tables */
	lua_getfield(L, LUA_REGISTRYINDEX, "test_log");
	assert_int_equal(lua_rawlen(L, -1), 0);
	lua_pop(L, 1);
	/* and the show's strings have their methods back */
	assert_int_equal(run(sb, "assert(('x'):upper() == 'X')", BUDGET, err, sizeof err), 0);
	drop_sandbox(sb);
}

int main(int argc, char **argv)
{
#define HELD(test) cmocka_unit_test_setup_teardown(test, held_setup, held_teardown)
	const struct CMUnitTest tests[] = {
		HELD(test_library_cases),
		HELD(test_random_patterns),
		HELD(test_budget_in_c),
		HELD(test_time_limit),
		HELD(test_interrupt),
		HELD(test_interrupt_all),
		HELD(test_escape),
		HELD(test_require_files),
		HELD(test_fixture_raw_access),
	};
	if (argc == 2 && strcmp(argv[1], CHILD_INTERRUPT_ALL) == 0)
		return child_interrupt_all();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
