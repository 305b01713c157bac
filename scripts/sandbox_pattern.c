/*
 * sandbox_pattern.c - Lua 5.4 patterns for the sandbox: string.find,
 * string.match, string.gmatch and string.gsub with the results the
 * standard library gives (reference manual §6.4.1), but with every step of
 * the backtracking matcher charged to the running call's instruction
 * budget (sandbox_charge_budget). A pathological pattern - ("a"):rep(2e5) against
 * ".-.-.-b" - is then stopped at file:line like a runaway loop instead of
 * running for hours inside one C call.
 *
 * A pattern is compiled once per call into items: a single-character class
 * (a literal, '.', or a 256-bit set for %a, [...] and the like) with its
 * quantifier, a capture open or close, a position capture, %bxy, %f[set],
 * a back-reference %0-%9, the final '$'. A malformed piece compiles to an
 * error item that raises only when a match reaches it, as the standard
 * library reports it (("abc"):find("x[") is nil there, not an error).
 * Matching recurses where the semantics need to backtrack (captures,
 * '*', '+', '-', '?') and is limited to PM_MAX_DEPTH nested steps
 * ("pattern too complex", as the standard library's limit).
 *
 * Plain finds (no special characters, or plain = true) use memmem, linear
 * in the subject. Control thread (whichever thread runs the sandbox).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "sandbox.h"
#include "sandbox_lib.h"

#define PM_MAX_CAPTURES 32      /* LUA_MAXCAPTURES of the standard library */
#define PM_MAX_DEPTH 200        /* nested matching steps before "too complex" */
#define PM_CHARGE_EVERY 512     /* steps between charges to the budget */
#define PM_STACK_ITEMS 48       /* items compiled on the C stack; more: userdata */
#define PM_SPECIALS "^$*+?.([%-"

enum pm_kind {
	PM_CHAR,        /* one literal byte */
	PM_ANY,         /* '.' */
	PM_SET,         /* %a, %A, [...], [^...]: `set` */
	PM_OPEN,        /* '(' */
	PM_POSITION,    /* '()' */
	PM_CLOSE,       /* ')' */
	PM_END,         /* '$' as the last character */
	PM_BALANCE,     /* %bxy: `a` x, `b` y */
	PM_FRONTIER,    /* %f[set] */
	PM_BACKREF,     /* %0..%9: `a` the digit */
	PM_MALFORMED,   /* raises `error` when reached */
};

enum pm_quant { PM_ONE, PM_STAR, PM_PLUS, PM_LAZY, PM_OPT };

struct pm_item {
	unsigned char kind;
	unsigned char quant;
	unsigned char a, b;
	const uint32_t *set;       /* PM_SET, PM_FRONTIER */
	const char *error;         /* PM_MALFORMED */
};

/* Items and the sets they point to, in one block. */
struct pm_program {
	int count;
	struct pm_item *items;
	uint32_t (*sets)[8];
};

#define PM_UNFINISHED (-1)
#define PM_POSITION_CAP (-2)

struct pm_state {
	lua_State *L;
	const char *src, *end;
	const struct pm_item *items;
	int count;
	int level;                 /* captures open or closed */
	int depth;
	long steps;                /* not yet charged */
	struct {
		const char *init;
		ptrdiff_t len;         /* or PM_UNFINISHED, PM_POSITION_CAP */
	} cap[PM_MAX_CAPTURES];
};

/* ---- character classes --------------------------------------------------------- */

/* %z (the NUL byte) is deprecated, but Lua 5.4 still has it */
static const char pm_class_letters[] = "acdglpsuwxz";
#define PM_CLASSES (sizeof pm_class_letters - 1)
/* [k] the class of pm_class_letters[k], [PM_CLASSES + k] its complement */
static uint32_t pm_class_sets[2 * PM_CLASSES][8];
static pthread_once_t pm_class_once = PTHREAD_ONCE_INIT;

static bool pm_class_has(char letter, int c)
{
	switch (letter) {
	case 'a': return isalpha(c);
	case 'c': return iscntrl(c);
	case 'd': return isdigit(c);
	case 'g': return isgraph(c);
	case 'l': return islower(c);
	case 'p': return ispunct(c);
	case 's': return isspace(c);
	case 'u': return isupper(c);
	case 'w': return isalnum(c);
	case 'x': return isxdigit(c);
	default: return c == 0;         /* 'z' */
	}
}

static void pm_class_init(void)
{
	for (size_t k = 0; k < PM_CLASSES; k++) {
		for (int c = 0; c < 256; c++) {
			if (pm_class_has(pm_class_letters[k], c))
				pm_class_sets[k][c >> 5] |= 1u << (c & 31);
			else
				pm_class_sets[PM_CLASSES + k][c >> 5] |= 1u << (c & 31);
		}
	}
}

/* The set of %<letter> (%a, %D...), or NULL when `letter` is not a class
 * (then %<letter> is the letter itself). */
static const uint32_t *pm_class(unsigned char letter)
{
	const char *at = letter ? strchr(pm_class_letters, tolower(letter)) : NULL;

	if (!at)
		return NULL;
	pthread_once(&pm_class_once, pm_class_init);
	return pm_class_sets[(size_t)(at - pm_class_letters) + (isupper(letter) ? PM_CLASSES : 0)];
}

static inline void pm_set_add(uint32_t *set, unsigned c)
{
	set[c >> 5] |= 1u << (c & 31);
}

static inline bool pm_set_has(const uint32_t *set, unsigned char c)
{
	return (set[c >> 5] >> (c & 31)) & 1u;
}

/* ---- compiling ------------------------------------------------------------------- */

/* The ']' that ends the set opening at p[open] ('['), or -1. The first
 * character of the set (after '^') is taken as it is, so "[]]" and "[^]]"
 * hold ']'; "%x" inside is one element, so "[%]]" holds ']' too. */
static ptrdiff_t pm_set_end(const char *p, size_t lp, size_t open)
{
	size_t k = open + 1;

	if (k < lp && p[k] == '^')
		k++;
	do {
		if (k >= lp)
			return -1;
		if (p[k++] == '%' && k < lp)
			k++;
	} while (k >= lp || p[k] != ']');
	return (ptrdiff_t)k;
}

/* Fills `set` with what p[open..close] ('[' .. ']') matches. Elements: %x
 * (a class, or x itself), a-z (a range, when '-' is not the last
 * character), or one character. */
static void pm_set_fill(const char *p, size_t open, size_t close, uint32_t *set)
{
	size_t k = open + 1;
	bool negate = p[k] == '^';

	memset(set, 0, 8 * sizeof *set);
	if (negate)
		k++;
	/* the first character is an element even when it is ']' */
	while (k < close) {
		unsigned char c = (unsigned char)p[k];

		if (c == '%') {
			const uint32_t *cls = pm_class((unsigned char)p[k + 1]);

			if (cls)
				for (int w = 0; w < 8; w++)
					set[w] |= cls[w];
			else
				pm_set_add(set, (unsigned char)p[k + 1]);
			k += 2;
		} else if (k + 2 < close && p[k + 1] == '-') {
			for (unsigned x = c; x <= (unsigned char)p[k + 2]; x++)
				pm_set_add(set, x);
			k += 3;
		} else {
			pm_set_add(set, c);
			k++;
		}
	}
	if (negate)
		for (int w = 0; w < 8; w++)
			set[w] = ~set[w];
}

/* The set opening at p[open] into the next of prog->sets, for item it;
 * returns the index of its ']', or -1 with `it` made an error item. */
static ptrdiff_t pm_compile_set(const char *p, size_t lp, size_t open, struct pm_program *prog,
				int *nsets, struct pm_item *it)
{
	ptrdiff_t close = pm_set_end(p, lp, open);

	if (close < 0) {
		it->kind = PM_MALFORMED;
		it->error = "malformed pattern (missing ']')";
		return -1;
	}
	pm_set_fill(p, open, (size_t)close, prog->sets[*nsets]);
	it->set = prog->sets[(*nsets)++];
	return close;
}

/* Compiles p into prog->items (room for lp + 1) and prog->sets (room for
 * one per '[' in p). Never raises. */
static void pm_compile(const char *p, size_t lp, struct pm_program *prog)
{
	size_t i = 0;
	int n = 0, nsets = 0;

	while (i < lp) {
		struct pm_item *it = &prog->items[n++];
		unsigned char c = (unsigned char)p[i];

		memset(it, 0, sizeof *it);
		if (c == '(') {
			bool pos = i + 1 < lp && p[i + 1] == ')';

			it->kind = pos ? PM_POSITION : PM_OPEN;
			i += pos ? 2 : 1;
			continue;
		}
		if (c == ')') {
			it->kind = PM_CLOSE;
			i++;
			continue;
		}
		if (c == '$' && i + 1 == lp) {
			it->kind = PM_END;
			i++;
			continue;
		}
		if (c == '%' && i + 1 < lp) {
			unsigned char d = (unsigned char)p[i + 1];

			if (d == 'b') {
				if (lp - (i + 2) < 2) {
					it->kind = PM_MALFORMED;
					it->error = "malformed pattern (missing arguments to '%b')";
					break;
				}
				it->kind = PM_BALANCE;
				it->a = (unsigned char)p[i + 2];
				it->b = (unsigned char)p[i + 3];
				i += 4;
				continue;
			}
			if (d == 'f') {
				ptrdiff_t close;

				i += 2;
				if (i >= lp || p[i] != '[') {
					it->kind = PM_MALFORMED;
					it->error = "missing '[' after '%f' in pattern";
					break;
				}
				close = pm_compile_set(p, lp, i, prog, &nsets, it);
				if (close < 0)
					break;
				it->kind = PM_FRONTIER;
				i = (size_t)close + 1;
				continue;
			}
			if (isdigit(d)) {
				it->kind = PM_BACKREF;
				it->a = (unsigned char)(d - '0');
				i += 2;
				continue;
			}
		}
		/* one character class, then maybe a quantifier */
		if (c == '%') {
			if (i + 1 >= lp) {
				it->kind = PM_MALFORMED;
				it->error = "malformed pattern (ends with '%')";
				break;
			}
			it->set = pm_class((unsigned char)p[i + 1]);
			it->kind = it->set ? PM_SET : PM_CHAR;
			it->a = (unsigned char)p[i + 1];
			i += 2;
		} else if (c == '[') {
			ptrdiff_t close = pm_compile_set(p, lp, i, prog, &nsets, it);

			if (close < 0)
				break;
			it->kind = PM_SET;
			i = (size_t)close + 1;
		} else {
			it->kind = c == '.' ? PM_ANY : PM_CHAR;
			it->a = c;
			i++;
		}
		if (i < lp) {
			switch (p[i]) {
			case '*': it->quant = PM_STAR; i++; break;
			case '+': it->quant = PM_PLUS; i++; break;
			case '-': it->quant = PM_LAZY; i++; break;
			case '?': it->quant = PM_OPT; i++; break;
			default: break;
			}
		}
	}
	prog->count = n;
}

/* Compiles p, on the C stack when it is short (`local` has PM_STACK_ITEMS
 * items and sets), else in a userdata pushed on the Lua stack (returns
 * true then: the caller keeps it there while it matches). */
static bool pm_prepare(lua_State *L, const char *p, size_t lp, struct pm_program *prog,
		       struct pm_item *local_items, uint32_t (*local_sets)[8])
{
	size_t sets = 0;
	bool heap = lp + 1 > PM_STACK_ITEMS;

	for (size_t k = 0; k < lp; k++)
		sets += p[k] == '[';
	heap = heap || sets > PM_STACK_ITEMS;
	if (!heap) {
		prog->items = local_items;
		prog->sets = local_sets;
	} else {
		size_t bytes = sets * sizeof *prog->sets + (lp + 1) * sizeof *prog->items;
		char *block;

		sandbox_charge_budget(L, (long)(bytes / SANDBOX_BYTES_PER_UNIT));
		block = lua_newuserdatauv(L, bytes, 0);
		prog->sets = (uint32_t (*)[8])block;
		prog->items = (struct pm_item *)(block + sets * sizeof *prog->sets);
	}
	pm_compile(p, lp, prog);
	return heap;
}

/* ---- matching --------------------------------------------------------------------- */

static inline void pm_step(struct pm_state *ms, long n)
{
	ms->steps += n;
	if (ms->steps >= PM_CHARGE_EVERY) {
		long due = ms->steps;

		ms->steps = 0;
		sandbox_charge_budget(ms->L, due);
	}
}

/* Charges what is left (at the end of a call, or before running Lua). */
static void pm_settle(struct pm_state *ms)
{
	long due = ms->steps;

	ms->steps = 0;
	if (due)
		sandbox_charge_budget(ms->L, due);
}

static inline bool pm_single(const struct pm_state *ms, const char *s, const struct pm_item *it)
{
	if (s >= ms->end)
		return false;
	switch (it->kind) {
	case PM_CHAR: return (unsigned char)*s == it->a;
	case PM_ANY: return true;
	default: return pm_set_has(it->set, (unsigned char)*s);
	}
}

static const char *pm_match(struct pm_state *ms, const char *s, int i);

/* '*' (and '+' after its first): the longest run first, then shorter. */
static const char *pm_greedy(struct pm_state *ms, const char *s, int i)
{
	const struct pm_item *it = &ms->items[i];
	ptrdiff_t run = 0;

	while (pm_single(ms, s + run, it))
		run++;
	pm_step(ms, run);
	for (; run >= 0; run--) {
		const char *r = pm_match(ms, s + run, i + 1);

		if (r)
			return r;
	}
	return NULL;
}

/* '-': the shortest run first, one more character at a time. */
static const char *pm_lazy(struct pm_state *ms, const char *s, int i)
{
	const struct pm_item *it = &ms->items[i];

	for (;;) {
		const char *r = pm_match(ms, s, i + 1);

		if (r)
			return r;
		if (!pm_single(ms, s, it))
			return NULL;
		s++;
	}
}

static const char *pm_open(struct pm_state *ms, const char *s, int i, bool position)
{
	const char *r;

	if (ms->level >= PM_MAX_CAPTURES)
		luaL_error(ms->L, "too many captures");
	ms->cap[ms->level].init = s;
	ms->cap[ms->level].len = position ? PM_POSITION_CAP : PM_UNFINISHED;
	ms->level++;
	r = pm_match(ms, s, i + 1);
	if (!r)
		ms->level--;
	return r;
}

/* ')' closes the innermost capture still open. */
static const char *pm_close(struct pm_state *ms, const char *s, int i)
{
	int k = ms->level - 1;
	const char *r;

	while (k >= 0 && ms->cap[k].len != PM_UNFINISHED)
		k--;
	if (k < 0)
		luaL_error(ms->L, "invalid pattern capture");
	ms->cap[k].len = s - ms->cap[k].init;
	r = pm_match(ms, s, i + 1);
	if (!r)
		ms->cap[k].len = PM_UNFINISHED;
	return r;
}

static const char *pm_balance(struct pm_state *ms, const char *s, const struct pm_item *it)
{
	int open = 1;

	if (s >= ms->end || (unsigned char)*s != it->a)
		return NULL;
	for (const char *q = s + 1; q < ms->end; q++) {
		/* the closing character first: %b'' pairs quotes */
		if ((unsigned char)*q == it->b) {
			if (--open == 0) {
				pm_step(ms, q - s);
				return q + 1;
			}
		} else if ((unsigned char)*q == it->a) {
			open++;
		}
	}
	pm_step(ms, ms->end - s);
	return NULL;
}

static const char *pm_backref(struct pm_state *ms, const char *s, int digit)
{
	int k = digit - 1;
	ptrdiff_t len;

	if (k < 0 || k >= ms->level || ms->cap[k].len == PM_UNFINISHED)
		luaL_error(ms->L, "invalid capture index %%%d", k + 1);
	len = ms->cap[k].len;
	if (len < 0)
		return NULL;    /* a position capture matches no text */
	pm_step(ms, len / SANDBOX_BYTES_PER_UNIT);
	if (ms->end - s >= len && memcmp(ms->cap[k].init, s, (size_t)len) == 0)
		return s + len;
	return NULL;
}

/* Matches items i.. at s: the end of the match, or NULL. */
static const char *pm_match(struct pm_state *ms, const char *s, int i)
{
	const char *r = NULL;

	if (++ms->depth > PM_MAX_DEPTH)
		luaL_error(ms->L, "pattern too complex");
	for (;;) {
		const struct pm_item *it;

		pm_step(ms, 1);
		if (i == ms->count) {
			r = s;
			break;
		}
		it = &ms->items[i];
		switch (it->kind) {
		case PM_OPEN:
		case PM_POSITION:
			r = pm_open(ms, s, i, it->kind == PM_POSITION);
			goto done;
		case PM_CLOSE:
			r = pm_close(ms, s, i);
			goto done;
		case PM_END:
			r = s == ms->end ? s : NULL;
			goto done;
		case PM_BALANCE:
			if (!(s = pm_balance(ms, s, it)))
				goto done;
			i++;
			continue;
		case PM_FRONTIER: {
			unsigned char before = s > ms->src ? (unsigned char)s[-1] : 0;
			unsigned char at = s < ms->end ? (unsigned char)*s : 0;

			if (pm_set_has(it->set, before) || !pm_set_has(it->set, at))
				goto done;
			i++;
			continue;
		}
		case PM_BACKREF:
			if (!(s = pm_backref(ms, s, it->a)))
				goto done;
			i++;
			continue;
		case PM_MALFORMED:
			luaL_error(ms->L, "%s", it->error);
			goto done;
		default:
			break;
		}
		/* a single-character class */
		if (!pm_single(ms, s, it)) {
			if (it->quant == PM_ONE || it->quant == PM_PLUS)
				goto done;      /* r is NULL */
			i++;                    /* zero of '*', '-', '?' */
			continue;
		}
		switch (it->quant) {
		case PM_ONE:
			s++;
			i++;
			continue;
		case PM_OPT:
			if ((r = pm_match(ms, s + 1, i + 1)))
				goto done;
			i++;
			continue;
		case PM_PLUS:
			r = pm_greedy(ms, s + 1, i);
			goto done;
		case PM_STAR:
			r = pm_greedy(ms, s, i);
			goto done;
		default:
			r = pm_lazy(ms, s, i);
			goto done;
		}
	}
done:
	ms->depth--;
	return r;
}

static const char *pm_try(struct pm_state *ms, const char *s)
{
	ms->level = 0;
	ms->depth = 0;
	return pm_match(ms, s, 0);
}

/* ---- results -------------------------------------------------------------------- */

/* Pushes capture k (0-based); with no captures, k = 0 is the whole match. */
static void pm_push_capture(struct pm_state *ms, int k, const char *s, const char *e)
{
	lua_State *L = ms->L;

	if (k >= ms->level) {
		if (k != 0)
			luaL_error(L, "invalid capture index %%%d", k + 1);
		lua_pushlstring(L, s, (size_t)(e - s));
		return;
	}
	if (ms->cap[k].len == PM_UNFINISHED)
		luaL_error(L, "unfinished capture");
	if (ms->cap[k].len == PM_POSITION_CAP)
		lua_pushinteger(L, ms->cap[k].init - ms->src + 1);
	else
		lua_pushlstring(L, ms->cap[k].init, (size_t)ms->cap[k].len);
}

/* The captures, or the whole match when there are none and `whole`. */
static int pm_push_captures(struct pm_state *ms, const char *s, const char *e, bool whole)
{
	int n = ms->level == 0 && whole ? 1 : ms->level;

	luaL_checkstack(ms->L, n, "too many captures");
	for (int k = 0; k < n; k++)
		pm_push_capture(ms, k, s, e);
	return n;
}

/* A start position as string functions take it (negative from the end),
 * 0-based; may be past the end. */
static size_t pm_start(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos - 1;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 0;
	return len - (size_t)-pos;
}

static bool pm_is_plain(const char *p, size_t lp)
{
	for (size_t k = 0; k < lp; k++)
		if (p[k] && strchr(PM_SPECIALS, p[k]))
			return false;
	return true;
}

static void pm_init(struct pm_state *ms, lua_State *L, const char *s, size_t ls,
		    const struct pm_program *prog)
{
	ms->L = L;
	ms->src = s;
	ms->end = s + ls;
	ms->items = prog->items;
	ms->count = prog->count;
	ms->steps = 0;
}

/* string.find (find) and string.match. */
static int pm_find_or_match(lua_State *L, bool find)
{
	struct pm_item local_items[PM_STACK_ITEMS];
	uint32_t local_sets[PM_STACK_ITEMS][8];
	struct pm_program prog;
	struct pm_state ms;
	size_t ls, lp, init;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	bool anchor;

	init = pm_start(luaL_optinteger(L, 3, 1), ls);
	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || pm_is_plain(p, lp))) {
		const char *hit;

		sandbox_charge_budget(L, 1 + (long)((ls - init + lp) / SANDBOX_BYTES_PER_UNIT));
		hit = memmem(s + init, ls - init, p, lp);
		if (!hit) {
			luaL_pushfail(L);
			return 1;
		}
		lua_pushinteger(L, hit - s + 1);
		lua_pushinteger(L, (lua_Integer)(hit - s + lp));
		return 2;
	}
	anchor = lp > 0 && p[0] == '^';
	if (anchor) {
		p++;
		lp--;
	}
	pm_prepare(L, p, lp, &prog, local_items, local_sets);
	pm_init(&ms, L, s, ls, &prog);
	for (const char *at = s + init;; at++) {
		const char *e = pm_try(&ms, at);

		if (e) {
			int n;

			pm_settle(&ms);
			if (!find)
				return pm_push_captures(&ms, at, e, true);
			lua_pushinteger(L, at - s + 1);
			lua_pushinteger(L, e - s);
			n = pm_push_captures(&ms, NULL, NULL, false);
			return n + 2;
		}
		if (anchor || at >= ms.end)
			break;
	}
	pm_settle(&ms);
	luaL_pushfail(L);
	return 1;
}

int sandbox_str_find(lua_State *L)
{
	return pm_find_or_match(L, true);
}

int sandbox_str_match(lua_State *L)
{
	return pm_find_or_match(L, false);
}

/* gmatch's iterator. Upvalues: the subject, the pattern (kept alive), the
 * state. A '^' is an ordinary character here: gmatch has no anchor. */
struct pm_gmatch {
	size_t next;               /* where the next search starts */
	ptrdiff_t last_end;        /* end of the last match, -1 before one */
	struct pm_program prog;
};

static int pm_gmatch_next(lua_State *L)
{
	struct pm_gmatch *gm = lua_touserdata(L, lua_upvalueindex(3));
	size_t ls;
	const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
	struct pm_state ms;

	pm_init(&ms, L, s, ls, &gm->prog);
	for (size_t at = gm->next; at <= ls; at++) {
		const char *e = pm_try(&ms, s + at);

		if (e && e - s != gm->last_end) {
			gm->next = (size_t)(e - s);
			gm->last_end = e - s;
			pm_settle(&ms);
			return pm_push_captures(&ms, s + at, e, true);
		}
	}
	gm->next = ls + 1;
	pm_settle(&ms);
	return 0;
}

int sandbox_str_gmatch(lua_State *L)
{
	size_t ls, lp, sets = 0, bytes, init;
	const char *p;
	struct pm_gmatch *gm;
	char *block;

	luaL_checklstring(L, 1, &ls);
	p = luaL_checklstring(L, 2, &lp);
	init = pm_start(luaL_optinteger(L, 3, 1), ls);

	lua_settop(L, 2);
	for (size_t k = 0; k < lp; k++)
		sets += p[k] == '[';
	bytes = sizeof *gm + sets * sizeof *gm->prog.sets + (lp + 1) * sizeof *gm->prog.items;
	sandbox_charge_budget(L, 1 + (long)(bytes / SANDBOX_BYTES_PER_UNIT));
	block = lua_newuserdatauv(L, bytes, 0);
	gm = (struct pm_gmatch *)block;
	gm->prog.sets = (uint32_t (*)[8])(block + sizeof *gm);
	gm->prog.items = (struct pm_item *)(block + sizeof *gm + sets * sizeof *gm->prog.sets);
	pm_compile(p, lp, &gm->prog);
	gm->next = init > ls ? ls + 1 : init;
	gm->last_end = -1;
	lua_pushcclosure(L, pm_gmatch_next, 3);
	return 1;
}

/* gsub: appends the replacement for the match s..e to b. Returns false
 * when the match is kept as it was (a nil or false from a table or
 * function). */
static bool pm_replace(struct pm_state *ms, luaL_Buffer *b, const char *s, const char *e,
		       int repl_type)
{
	lua_State *L = ms->L;

	if (repl_type == LUA_TSTRING || repl_type == LUA_TNUMBER) {
		size_t l;
		const char *r = lua_tolstring(L, 3, &l);
		const char *pct;

		while ((pct = memchr(r, '%', l))) {
			size_t before = (size_t)(pct - r);
			unsigned char d = before + 1 < l ? (unsigned char)pct[1] : 0;

			luaL_addlstring(b, r, before);
			if (d == '%') {
				luaL_addchar(b, '%');
			} else if (d == '0') {
				luaL_addlstring(b, s, (size_t)(e - s));
			} else if (isdigit(d)) {
				/* a string, or the number of a position capture */
				pm_push_capture(ms, d - '1', s, e);
				luaL_addvalue(b);
			} else {
				luaL_error(L, "invalid use of '%%' in replacement string");
			}
			r = pct + 2;
			l -= before + 2;
		}
		luaL_addlstring(b, r, l);
		return true;
	}
	pm_settle(ms);          /* Lua runs next: it counts from here */
	if (repl_type == LUA_TFUNCTION) {
		int n;

		lua_pushvalue(L, 3);
		n = pm_push_captures(ms, s, e, true);
		lua_call(L, n, 1);
	} else {
		pm_push_capture(ms, 0, s, e);
		lua_gettable(L, 3);
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return false;
	}
	if (!lua_isstring(L, -1))
		return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return true;
}

int sandbox_str_gsub(lua_State *L)
{
	struct pm_item local_items[PM_STACK_ITEMS];
	uint32_t local_sets[PM_STACK_ITEMS][8];
	struct pm_program prog;
	struct pm_state ms;
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *at = s, *last = NULL;
	int repl_type = lua_type(L, 3);
	lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1), n = 0;
	bool anchor = lp > 0 && p[0] == '^', changed = false;
	luaL_Buffer b;

	luaL_argexpected(L, repl_type == LUA_TNUMBER || repl_type == LUA_TSTRING ||
			 repl_type == LUA_TFUNCTION || repl_type == LUA_TTABLE, 3,
			 "string/function/table");
	if (anchor) {
		p++;
		lp--;
	}
	pm_prepare(L, p, lp, &prog, local_items, local_sets);
	pm_init(&ms, L, s, ls, &prog);
	luaL_buffinit(L, &b);
	while (n < max) {
		const char *e = pm_try(&ms, at);
		size_t before = luaL_bufflen(&b);

		if (e && e != last) {
			n++;
			changed = pm_replace(&ms, &b, at, e, repl_type) || changed;
			at = last = e;
		} else if (at < ms.end) {
			luaL_addchar(&b, *at++);
		} else {
			break;
		}
		pm_step(&ms, (long)((luaL_bufflen(&b) - before) / SANDBOX_BYTES_PER_UNIT));
		if (anchor)
			break;
	}
	pm_settle(&ms);
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, at, (size_t)(ms.end - at));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}
