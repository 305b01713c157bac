/*
 * sandbox_lib.c - the string, table and utf8 libraries a show gets. The
 * count hook sees only VM instructions, so a library function that loops
 * in C (string.rep("", math.maxinteger), table.move over 1e15 slots,
 * table.insert(t, 1, x) on a long list, again and again) could run for
 * hours inside one instruction. Here each one charges its work to the
 * running call's budget (sandbox_charge_budget: elements moved, bytes produced or
 * scanned, pattern steps), so it is stopped at file:line like a loop:
 *
 *   written here:  string.rep (its output), table.insert / remove (the
 *                  elements they shift), move (the elements it moves),
 *                  concat (elements and bytes), unpack (elements); the
 *                  patterns are in sandbox_pattern.c
 *   charged, then the standard function: every other string function
 *                  that copies or scans (by argument sizes; byte by its
 *                  range; format by its conversions), table.sort (n log
 *                  n), table.pack, utf8.*
 *
 * The string library is a copy behind a read-only proxy, and strings get
 * a metatable of the sandbox's own (__index the copy, __metatable false):
 * a show cannot change what ("x"):upper() does for itself, a module, or a
 * fixture file, and cannot reach the host's string table.
 *
 * Whichever thread runs the sandbox's Lua state (the control thread).
 */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "sandbox.h"
#include "sandbox_lib.h"

/* The costs below are measured, not derived: each makes a loop of the
 * function that exhausts the load budget take about as long as a loop of
 * VM instructions does (1-3 s for 2e8 on the machine of the README). */
#define LIB_CHARGE_EVERY 256    /* elements between charges in concat */
/* Reading or writing one element: on a plain table two API calls' worth;
 * on one with a metatable a call of a metamethod, which may be a C
 * function the hook does not see. */
#define LIB_ELEMENT_COST 2
#define LIB_META_ELEMENT_COST 64
#define LIB_SORT_STEP_COST 4    /* a comparison and its share of swaps */
#define LIB_FORMAT_DIGIT_COST 12 /* a digit of a float conversion */

/* ---- charged wrappers of standard functions ---------------------------------------- */

enum lib_cost {
	LIB_COST_COPY,          /* 1 + arguments + bytes of string arguments / 16 */
	LIB_COST_SCAN,          /* the same, bytes / 4: per-byte work (upper...) */
	LIB_COST_DECODE,        /* the same, every byte: UTF-8 decoding */
	LIB_COST_RANGE,         /* 1 + the positions i..j of string arg 1 */
	LIB_COST_SORT,          /* n log n of the list */
	LIB_COST_FORMAT,        /* by conversion: see lib_format_cost */
};

static long lib_bytes(size_t n)
{
	return (long)(n / SANDBOX_BYTES_PER_UNIT);
}

/* i..j of (s, i, j) as string.byte takes them, clamped to the string; the
 * standard function raises for bad arguments, so odd ones cost 1 here. */
static long lib_range_cost(lua_State *L)
{
	lua_Integer len, i, j;
	int ok_i = 1, ok_j = 1;

	if (lua_type(L, 1) != LUA_TSTRING)
		return 1;
	len = (lua_Integer)lua_rawlen(L, 1);
	i = lua_isnoneornil(L, 2) ? 1 : lua_tointegerx(L, 2, &ok_i);
	j = lua_isnoneornil(L, 3) ? i : lua_tointegerx(L, 3, &ok_j);
	if (!ok_i || !ok_j)
		return 1;
	i = i < 0 ? (i < -len ? 1 : len + i + 1) : (i == 0 ? 1 : i);
	j = j < 0 ? len + j + 1 : (j > len ? len : j);
	return j >= i ? 1 + (long)(j - i + 1) : 1;
}

static long lib_sort_cost(lua_State *L)
{
	lua_Integer n;
	long log2n = 1;

	if (lua_type(L, 1) != LUA_TTABLE)
		return 1;
	if (luaL_getmetafield(L, 1, "__len") != LUA_TNIL) {
		lua_pop(L, 1);
		n = luaL_len(L, 1);
	} else {
		n = (lua_Integer)lua_rawlen(L, 1);
	}
	if (n <= 1)
		return 1;
	for (lua_Integer m = n; m > 1; m >>= 1)
		log2n++;
	log2n *= LIB_SORT_STEP_COST;
	return n > LONG_MAX / log2n ? LONG_MAX : (long)n * log2n;
}

/* string.format: a float conversion prints its integer digits and its
 * precision, and glibc takes ~100 ns a digit for big numbers ("%99.99f"
 * of 1e308 is 45 us); strings cost their bytes, %q escapes each. Parsed
 * leniently: a format the standard function rejects costs little here. */
static long lib_format_cost(lua_State *L)
{
	size_t len;
	const char *fmt = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
	const char *end = fmt ? fmt + len : NULL;
	long cost = 1;
	int arg = 1;

	if (!fmt)
		return cost;
	cost += (long)(len / SANDBOX_BYTES_PER_UNIT);
	for (const char *p = fmt; p < end; p++) {
		long width = 0, precision = -1;

		if (*p != '%' || ++p >= end || *p == '%')
			continue;
		arg++;
		while (p < end && strchr("-+ #0", *p))
			p++;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		if (p < end && *p == '.')
			for (precision = 0, p++; p < end && *p >= '0' && *p <= '9'; p++)
				precision = precision * 10 + (*p - '0');
		if (p >= end || width > 999 || precision > 999)
			break;                  /* the standard function says why */
		cost += 16 + width / SANDBOX_BYTES_PER_UNIT;
		if (strchr("aAeEfFgG", *p) && lua_type(L, arg) == LUA_TNUMBER) {
			double x = fabs(lua_tonumber(L, arg));
			double digits = precision < 0 ? 6 : (double)precision;

			if (x >= 10 && isfinite(x))
				digits += floor(log10(x));
			cost += 48 + LIB_FORMAT_DIGIT_COST * (long)digits;
		} else if ((*p == 's' || *p == 'q') && lua_type(L, arg) == LUA_TSTRING) {
			size_t bytes = lua_rawlen(L, arg);

			cost += (long)(bytes / (*p == 'q' ? SANDBOX_BYTES_PER_UNIT / 4
							 : SANDBOX_BYTES_PER_UNIT));
		}
	}
	return cost;
}

/* Upvalues: the standard function (a C function without upvalues), the
 * cost kind. Calls it in this frame, so its argument errors name the
 * caller's line as they would without the wrapper. */
static int lib_charged(lua_State *L)
{
	lua_CFunction fn = lua_tocfunction(L, lua_upvalueindex(1));
	long cost = 1;

	enum lib_cost kind = (enum lib_cost)lua_tointeger(L, lua_upvalueindex(2));
	long per_unit = kind == LIB_COST_COPY   ? SANDBOX_BYTES_PER_UNIT
			: kind == LIB_COST_SCAN ? SANDBOX_BYTES_PER_UNIT / 4 : 1;

	switch (kind) {
	case LIB_COST_COPY:
	case LIB_COST_SCAN:
	case LIB_COST_DECODE: {
		int n = lua_gettop(L);

		cost += n;
		for (int i = 1; i <= n; i++)
			if (lua_type(L, i) == LUA_TSTRING)
				cost += (long)(lua_rawlen(L, i) / (size_t)per_unit);
		break;
	}
	case LIB_COST_RANGE:
		cost = lib_range_cost(L);
		break;
	case LIB_COST_SORT:
		cost = lib_sort_cost(L);
		break;
	case LIB_COST_FORMAT:
		cost = lib_format_cost(L);
		break;
	}
	sandbox_charge_budget(L, cost);
	return fn(L);
}

/* Replaces field `name` of the table on top with a charged wrapper. */
static void lib_charge_field(lua_State *L, const char *name, enum lib_cost kind)
{
	lua_getfield(L, -1, name);
	if (!lua_iscfunction(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	lua_pushinteger(L, kind);
	lua_pushcclosure(L, lib_charged, 2);
	lua_setfield(L, -2, name);
}

/* ---- string.rep ------------------------------------------------------------------ */

/* Built by doubling what is already written, so the cost is the output,
 * whatever the count: rep("", math.maxinteger) is "" at once. */
static int lib_rep(lua_State *L)
{
	size_t l, lsep, period, total, done;
	const char *s = luaL_checklstring(L, 1, &l);
	lua_Integer n = luaL_checkinteger(L, 2);
	const char *sep = luaL_optlstring(L, 3, "", &lsep);
	luaL_Buffer b;
	char *out;

	if (n <= 0 || l + lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	period = l + lsep;
	if (period < l || period > (size_t)LUA_MAXINTEGER / (lua_Unsigned)n)
		return luaL_error(L, "resulting string too large");
	total = (size_t)n * period - lsep;
	out = luaL_buffinitsize(L, &b, total);     /* the memory limit speaks first */
	sandbox_charge_budget(L, 1 + lib_bytes(total));
	memcpy(out, s, l);
	if (n > 1)
		memcpy(out + l, sep, lsep);
	done = n > 1 ? period : l;
	while (done < total) {
		size_t chunk = done < total - done ? done : total - done;

		memcpy(out + done, out, chunk);
		done += chunk;
	}
	luaL_pushresultsize(&b, total);
	return 1;
}

/* ---- table ------------------------------------------------------------------------ */

enum { LIB_TAB_R = 1, LIB_TAB_W = 2, LIB_TAB_L = 4 };

/* Arg is a table, or has the metamethods the function needs (as the
 * standard table functions accept). */
static void lib_checktab(lua_State *L, int arg, int what)
{
	if (lua_type(L, arg) == LUA_TTABLE)
		return;
	if (lua_getmetatable(L, arg)) {
		bool ok = true;

		if (what & LIB_TAB_R) {
			lua_pushliteral(L, "__index");
			ok = ok && lua_rawget(L, -2) != LUA_TNIL;
			lua_pop(L, 1);
		}
		if (what & LIB_TAB_W) {
			lua_pushliteral(L, "__newindex");
			ok = ok && lua_rawget(L, -2) != LUA_TNIL;
			lua_pop(L, 1);
		}
		if (what & LIB_TAB_L) {
			lua_pushliteral(L, "__len");
			ok = ok && lua_rawget(L, -2) != LUA_TNIL;
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		if (ok)
			return;
	}
	luaL_checktype(L, arg, LUA_TTABLE);     /* raises */
}

/* The cost of one element access of the value at idx. */
static long lib_element_cost(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return LIB_ELEMENT_COST;
	lua_pop(L, 1);
	return LIB_META_ELEMENT_COST;
}

/* n element moves (a read and a write each) of the values at a and b. */
static void lib_charge_moves(lua_State *L, lua_Integer n, int a, int b)
{
	long each = lib_element_cost(L, a) + lib_element_cost(L, b);

	sandbox_charge_budget(L, n > LONG_MAX / each ? LONG_MAX : (long)n * each);
}

/* table.insert(list, [pos,] value): shifts list[pos..#list] up by one. */
static int lib_insert(lua_State *L)
{
	lua_Integer end, pos;

	lib_checktab(L, 1, LIB_TAB_R | LIB_TAB_W | LIB_TAB_L);
	end = (lua_Integer)((lua_Unsigned)luaL_len(L, 1) + 1u);   /* first empty slot */
	switch (lua_gettop(L)) {
	case 2:
		pos = end;
		break;
	case 3:
		pos = luaL_checkinteger(L, 2);
		luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)end, 2,
			      "position out of bounds");
		lib_charge_moves(L, end - pos, 1, 1);
		for (lua_Integer i = end; i > pos; i--) {
			lua_geti(L, 1, i - 1);
			lua_seti(L, 1, i);
		}
		break;
	default:
		return luaL_error(L, "wrong number of arguments to 'insert'");
	}
	lua_seti(L, 1, pos);
	return 0;
}

/* table.remove(list [, pos]): shifts list[pos+1..#list] down by one. */
static int lib_remove(lua_State *L)
{
	lua_Integer size, pos;

	lib_checktab(L, 1, LIB_TAB_R | LIB_TAB_W | LIB_TAB_L);
	size = luaL_len(L, 1);
	pos = luaL_optinteger(L, 2, size);
	if (pos != size)
		luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
			      "position out of bounds");
	lua_geti(L, 1, pos);                    /* the result */
	if (pos < size)
		lib_charge_moves(L, size - pos, 1, 1);
	for (; pos < size; pos++) {
		lua_geti(L, 1, pos + 1);
		lua_seti(L, 1, pos);
	}
	lua_pushnil(L);
	lua_seti(L, 1, pos);
	return 1;
}

/* table.move(a1, f, e, t [, a2]): a2[t..] = a1[f..e], overlap allowed. */
static int lib_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2);
	lua_Integer e = luaL_checkinteger(L, 3);
	lua_Integer t = luaL_checkinteger(L, 4);
	int dst = lua_isnoneornil(L, 5) ? 1 : 5;

	lib_checktab(L, 1, LIB_TAB_R);
	lib_checktab(L, dst, LIB_TAB_W);
	if (e >= f) {
		lua_Integer span;       /* elements - 1 */

		luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
		span = e - f;
		luaL_argcheck(L, t <= LUA_MAXINTEGER - span, 4, "destination wrap around");
		lib_charge_moves(L, span + 1, 1, dst);
		/* forwards unless the ranges overlap with t inside f..e */
		if (t > e || t <= f || (dst != 1 && !lua_compare(L, 1, dst, LUA_OPEQ))) {
			for (lua_Integer k = 0; k <= span; k++) {
				lua_geti(L, 1, f + k);
				lua_seti(L, dst, t + k);
			}
		} else {
			for (lua_Integer k = span; k >= 0; k--) {
				lua_geti(L, 1, f + k);
				lua_seti(L, dst, t + k);
			}
		}
	}
	lua_pushvalue(L, dst);
	return 1;
}

static void lib_concat_field(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
	lua_geti(L, 1, i);
	if (!lua_isstring(L, -1))
		luaL_error(L, "invalid value (%s) at index %I in table for 'concat'",
			   luaL_typename(L, -1), (LUAI_UACINT)i);
	luaL_addvalue(b);
}

/* table.concat(list [, sep [, i [, j]]]): charged as it goes, so a bad
 * element still fails at its index, not on the budget. */
static int lib_concat(lua_State *L)
{
	luaL_Buffer b;
	size_t lsep, charged = 0;
	lua_Integer last, i;
	const char *sep;
	long pending = 0, each;

	lib_checktab(L, 1, LIB_TAB_R | LIB_TAB_L);
	each = lib_element_cost(L, 1);
	last = luaL_len(L, 1);
	sep = luaL_optlstring(L, 2, "", &lsep);
	i = luaL_optinteger(L, 3, 1);
	last = luaL_optinteger(L, 4, last);
	luaL_buffinit(L, &b);
	for (; i < last; i++) {
		lib_concat_field(L, &b, i);
		luaL_addlstring(&b, sep, lsep);
		pending += each;
		if (pending >= LIB_CHARGE_EVERY) {
			sandbox_charge_budget(L, pending + lib_bytes(luaL_bufflen(&b) - charged));
			charged = luaL_bufflen(&b);
			pending = 0;
		}
	}
	if (i == last)
		lib_concat_field(L, &b, i);
	sandbox_charge_budget(L, 1 + pending + lib_bytes(luaL_bufflen(&b) - charged));
	luaL_pushresult(&b);
	return 1;
}

/* table.unpack(list [, i [, j]]) */
static int lib_unpack(lua_State *L)
{
	lua_Integer i = luaL_optinteger(L, 2, 1);
	lua_Integer e = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
	lua_Unsigned n;

	if (i > e)
		return 0;
	n = (lua_Unsigned)e - (lua_Unsigned)i;       /* elements - 1 */
	if (n >= (lua_Unsigned)INT_MAX || !lua_checkstack(L, (int)(n + 1)))
		return luaL_error(L, "too many results to unpack");
	/* a read, and a push on a stack that grows */
	sandbox_charge_budget(L, ((long)n + 1) * 2 * lib_element_cost(L, 1));
	for (lua_Unsigned k = 0; k <= n; k++)
		lua_geti(L, 1, (lua_Integer)((lua_Unsigned)i + k));
	return (int)(n + 1);
}

/* ---- the string library and metatable ---------------------------------------------- */

static int lib_read_only(lua_State *L)
{
	return sandbox_error(L, "the string library is read-only");
}

static int lib_proxy_next(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 2);
	if (lua_next(L, 1))
		return 2;
	lua_pushnil(L);
	return 1;
}

/* __pairs of the proxy: iterates the copy behind it (upvalue 1). */
static int lib_proxy_pairs(lua_State *L)
{
	lua_pushcfunction(L, lib_proxy_next);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushnil(L);
	return 3;
}

void sandbox_copy_table(lua_State *L, int idx)
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

/* The copy of the string library is on top. */
static void lib_open_string_metatable(lua_State *L)
{
	int copy = lua_gettop(L);

	lua_pushliteral(L, "");
	lua_newtable(L);                                /* the new metatable */
	if (lua_getmetatable(L, -2)) {
		/* keep the standard arithmetic metamethods ("10" + 1) */
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, -5);
		}
		lua_pop(L, 1);
	}
	lua_pushvalue(L, copy);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);
}

/* A library function wrapped to be charged, and how. */
struct lib_charged {
	const char *name;
	enum lib_cost kind;
};

static const struct lib_charged lib_string_charged[] = {
	{ "byte", LIB_COST_RANGE }, { "char", LIB_COST_COPY }, { "format", LIB_COST_FORMAT },
	{ "lower", LIB_COST_SCAN }, { "upper", LIB_COST_SCAN }, { "reverse", LIB_COST_SCAN },
	{ "sub", LIB_COST_COPY }, { "pack", LIB_COST_COPY }, { "packsize", LIB_COST_COPY },
	{ "unpack", LIB_COST_COPY }, { NULL, 0 },
};

static const luaL_Reg lib_string_own[] = {
	{ "rep", lib_rep }, { "find", sandbox_str_find }, { "match", sandbox_str_match },
	{ "gmatch", sandbox_str_gmatch }, { "gsub", sandbox_str_gsub }, { NULL, NULL },
};

static const struct lib_charged lib_table_charged[] = {
	{ "sort", LIB_COST_SORT }, { "pack", LIB_COST_COPY }, { NULL, 0 },
};

static const luaL_Reg lib_table_own[] = {
	{ "insert", lib_insert }, { "remove", lib_remove }, { "move", lib_move },
	{ "concat", lib_concat }, { "unpack", lib_unpack }, { NULL, NULL },
};

static const struct lib_charged lib_utf8_charged[] = {
	{ "char", LIB_COST_DECODE }, { "len", LIB_COST_DECODE }, { "offset", LIB_COST_DECODE },
	{ "codepoint", LIB_COST_RANGE }, { NULL, 0 },
};

static const luaL_Reg lib_none[] = { { NULL, NULL } };

/* Pushes the standard library `name` and a copy of it with the charged
 * wrappers and our own functions in. */
static void lib_open_copy(lua_State *L, const char *name, lua_CFunction open,
			  const struct lib_charged *charged, const luaL_Reg *own)
{
	luaL_requiref(L, name, open, 0);
	sandbox_copy_table(L, -1);
	for (int i = 0; charged[i].name; i++)
		lib_charge_field(L, charged[i].name, charged[i].kind);
	luaL_setfuncs(L, own, 0);
}

void sandbox_lib_open(lua_State *L, int env_idx)
{
	env_idx = lua_absindex(L, env_idx);

	/* string: the copy behind a read-only proxy */
	lib_open_copy(L, LUA_STRLIBNAME, luaopen_string, lib_string_charged, lib_string_own);
	lib_open_string_metatable(L);
	lua_newtable(L);                                /* the proxy */
	lua_newtable(L);                                /* its metatable */
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, lib_read_only);
	lua_setfield(L, -2, "__newindex");
	lua_pushvalue(L, -3);
	lua_pushcclosure(L, lib_proxy_pairs, 1);
	lua_setfield(L, -2, "__pairs");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_setfield(L, env_idx, LUA_STRLIBNAME);
	lua_pop(L, 2);

	lib_open_copy(L, LUA_TABLIBNAME, luaopen_table, lib_table_charged, lib_table_own);
	lua_setfield(L, env_idx, LUA_TABLIBNAME);
	lua_pop(L, 1);

	lib_open_copy(L, LUA_UTF8LIBNAME, luaopen_utf8, lib_utf8_charged, lib_none);
	lua_setfield(L, env_idx, LUA_UTF8LIBNAME);
	lua_pop(L, 1);
}
