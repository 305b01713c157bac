/*
 * bench_patterns.c - the sandbox's string patterns (scripts/sandbox_pattern.c)
 * against the standard library's on a workload a show would run: parsing
 * cue lines, OSC addresses and colours with match, gmatch, gsub and find.
 * The same Lua code runs in a sandbox and in a plain lua_State with a
 * no-op count hook as often as the sandbox's (so the hook costs the same
 * on both sides); prints the median of 5 runs of each. Figures only.
 *
 *   build/bench_patterns [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "scripts/sandbox.h"

#define RUNS 5

static const char workload[] =
	"local rounds = ...\n"
	"local lines = {}\n"
	"for i = 1, 200 do\n"
	"  lines[i] = string.format('cue %d.%d  label=Scene%d fade=%.1f color=#%02x%02x%02x '\n"
	"    .. '/gl/cue/Main/%d/go', i, i % 10, i, i / 7, i % 256, i * 3 % 256, i * 7 % 256, i)\n"
	"end\n"
	"local n = 0\n"
	"for _ = 1, rounds do\n"
	"  for _, l in ipairs(lines) do\n"
	"    local a, b = l:match('^cue (%d+)%.(%d+)')\n"
	"    local label = l:match('label=(%w+)')\n"
	"    local r, g, bl = l:match('#(%x%x)(%x%x)(%x%x)')\n"
	"    local list, cue = l:match('/gl/cue/([^/]+)/([%d.]+)/go$')\n"
	"    local squeezed = l:gsub('%s+', ' ')\n"
	"    for k, v in l:gmatch('(%w+)=([%w.#]+)') do n = n + 1 end\n"
	"    if l:find('fade=', 1, true) then n = n + 1 end\n"
	"    if l:find('Scene%d+') then n = n + 1 end\n"
	"    local trimmed = ('  ' .. l .. '  '):match('^%s*(.-)%s*$')\n"
	"    local words = l:gsub('%f[%a]%a', string.upper)\n"
	"  end\n"
	"end\n"
	"return n\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void noop_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
}

/* One run in the sandbox; returns seconds. */
static double run_sandbox(int rounds)
{
	struct sandbox *sb = sandbox_create(SANDBOX_MEMORY_LIMIT, NULL, 0, NULL, NULL);
	lua_State *L = sandbox_state(sb);
	char err[512];
	double t0, t;

	sandbox_set_time_limit(sb, 600, "the benchmark");
	sandbox_push_env(sb);
	lua_getfield(L, -1, "load");
	lua_remove(L, -2);
	lua_pushstring(L, workload);
	if (sandbox_call(sb, 1, 1, 1000000, err, sizeof err) != 0) {
		fprintf(stderr, "bench_patterns: %s\n", err);
		exit(1);
	}
	lua_pushinteger(L, rounds);
	t0 = now_s();
	if (sandbox_call(sb, 1, 1, 1L << 62, err, sizeof err) != 0) {
		fprintf(stderr, "bench_patterns: %s\n", err);
		exit(1);
	}
	t = now_s() - t0;
	sandbox_destroy(sb);
	return t;
}

static double run_standard(int rounds)
{
	lua_State *L = luaL_newstate();
	double t0, t;

	luaL_openlibs(L);
	lua_sethook(L, noop_hook, LUA_MASKCOUNT, SANDBOX_HOOK_STEP);
	if (luaL_loadstring(L, workload) != LUA_OK) {
		fprintf(stderr, "bench_patterns: %s\n", lua_tostring(L, -1));
		exit(1);
	}
	lua_pushinteger(L, rounds);
	t0 = now_s();
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		fprintf(stderr, "bench_patterns: %s\n", lua_tostring(L, -1));
		exit(1);
	}
	t = now_s() - t0;
	lua_close(L);
	return t;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	double mine[RUNS], theirs[RUNS];
	double calls = (double)rounds * 200 * 10;

	if (rounds < 1) {
		fprintf(stderr, "usage: bench_patterns [rounds]\n");
		return 2;
	}
	for (int i = 0; i < RUNS; i++) {
		theirs[i] = run_standard(rounds);
		mine[i] = run_sandbox(rounds);
	}
	qsort(mine, RUNS, sizeof *mine, cmp_double);
	qsort(theirs, RUNS, sizeof *theirs, cmp_double);
	printf("pattern workload: %d rounds x 200 lines x 10 pattern calls (median of %d)\n",
	       rounds, RUNS);
	printf("  %-22s %8.3f s  %7.1f ns/call\n", "standard library", theirs[RUNS / 2],
	       theirs[RUNS / 2] / calls * 1e9);
	printf("  %-22s %8.3f s  %7.1f ns/call\n", "sandbox (charged)", mine[RUNS / 2],
	       mine[RUNS / 2] / calls * 1e9);
	printf("  sandbox / standard: %.2f\n", mine[RUNS / 2] / theirs[RUNS / 2]);
	return 0;
}
