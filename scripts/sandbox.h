/*
 * sandbox.h - the Lua state a show runs in: a memory-limited allocator, an
 * instruction budget enforced by a count hook and charged by the library
 * functions that work in C (sandbox_charge_budget), a wall-clock limit
 * per call kept by a watchdog thread, and the restricted global table (the
 * "env") that show files, required modules and load()ed chunks see.
 * Fixture files get an env of their own that is empty.
 *
 * Control thread only (the thread that created the sandbox), except
 * sandbox_interrupt() and sandbox_interrupt_all(): any thread, and safe in
 * a signal handler. Invariants: script code runs only inside
 * sandbox_call(); outside it the hook stops any Lua code at once (a __gc
 * finalizer, say), and the memory limit is enforced only inside it, so the
 * host's own pushes never hit the limit. Once a call is stopped (budget,
 * time limit, interrupt) the script cannot catch that: the sandbox's
 * pcall, xpcall and coroutine.resume raise the same error again. Every
 * error text the sandbox hands out names file:line and has its control
 * characters escaped (sandbox_escape).
 */
#ifndef GL_SANDBOX_H
#define GL_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

struct sandbox;

/* Where print() and log() text goes (the show decides: stdout or ring).
 * The text is already escaped. */
typedef void (*sandbox_print_fn)(void *ud, const char *text);

#define SANDBOX_MEMORY_LIMIT (512u * 1024u * 1024u)
#define SANDBOX_FILE_MAX (16 * 1024 * 1024)  /* bytes of one script file */
#define SANDBOX_HOOK_STEP 1000               /* instructions between hooks */
#define SANDBOX_TIME_LIMIT_S 1.0             /* default wall-clock limit of a call */
/* What C work costs in instructions: a byte copied or scanned is
 * 1/SANDBOX_BYTES_PER_UNIT, an element moved or a pattern step is 1. */
#define SANDBOX_BYTES_PER_UNIT 16

/* Creates the state, its env and its watchdog thread. require() looks for
 * NAME.lua in each of `require_dirs` (copied) in order. Returns NULL when
 * out of memory or threads. */
struct sandbox *sandbox_create(size_t memory_limit, const char *const *require_dirs,
			       int require_dir_count, sandbox_print_fn print, void *print_ud);
void sandbox_destroy(struct sandbox *sb);

lua_State *sandbox_state(struct sandbox *sb);
/* The sandbox a state (or any of its coroutines) belongs to. */
struct sandbox *sandbox_of(lua_State *L);
/* Pushes the show's env table. */
void sandbox_push_env(struct sandbox *sb);

/* The wall-clock limit of each outermost sandbox_call() from now on, and
 * what the error calls the stopped work ("the show's load", "the
 * handler"; a literal, kept). A call past it is stopped with
 * "file:line: the handler ran longer than 1 s (stopped)". */
void sandbox_set_time_limit(struct sandbox *sb, double seconds, const char *what);

/* Calls the function below `nargs` arguments on the stack, protected, with
 * `budget` VM instructions and the time limit. A call made while another
 * runs (nested) shares the outer budget and deadline. Returns 0 (results
 * left on the stack), GL_EBUDGET (budget, time limit or interrupt),
 * GL_ENOMEM (memory limit) or GL_EINVAL (a Lua error); on error nothing is
 * left on the stack and err holds "file:line: what is wrong", escaped. */
int sandbox_call(struct sandbox *sb, int nargs, int nresults, long budget,
		 char *err, size_t err_len);

/* Stops whatever Lua code the sandbox runs as soon as it reaches the hook
 * or a charged library function (microseconds), and every later call at
 * once: the call fails with "file:line: interrupted (stopped)". For
 * shutting down. Any thread; async-signal-safe. */
void sandbox_interrupt(struct sandbox *sb);
/* The same for every sandbox of the process, present and future (a show
 * still loading has no handle yet). Any thread; async-signal-safe. */
void sandbox_interrupt_all(void);

/* From C code that Lua called (errors are raised, not returned): charges
 * `units` instructions of work to the running call, and raises the
 * budget, time-limit or interrupt error (at the nearest Lua line) when
 * the call must stop. Cheap: call it from loops every few hundred steps. */
void sandbox_charge_budget(lua_State *L, long units);

/* From C code that Lua called: raises "file:line: message" at the nearest
 * Lua line on the stack (a C caller such as pcall has no line of its own). */
int sandbox_error(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* From C code that Lua called (errors are raised, not returned): runs the
 * text chunk in `path` with the table at `env_idx` as its _ENV, leaving
 * `nresults` results. Chunk name "@path", so errors carry file:line. A
 * path that is not a regular file (a FIFO, a device) is refused without
 * blocking. */
void sandbox_dofile(lua_State *L, const char *path, int env_idx, int nresults);

/* True once the running call was stopped (budget, time, interrupt; stays
 * true until the next outermost sandbox_call()). */
bool sandbox_exhausted(lua_State *L);

/* Pushes the arguments from `first` on, converted with tostring and joined
 * by tabs (what print() prints), escaped like sandbox_escape(). */
void sandbox_push_joined(lua_State *L, int first);

/* Sends text to the sandbox's print function. */
void sandbox_print(struct sandbox *sb, const char *text);

/* Calls fn with the real path of every file require() loaded. No script
 * code runs (the cache is read raw). */
void sandbox_each_required(struct sandbox *sb, void (*fn)(void *ud, const char *path), void *ud);

size_t sandbox_memory_used(const struct sandbox *sb);
size_t sandbox_memory_limit(const struct sandbox *sb);

/* Host memory a script caused (its declarations, timers, commands...),
 * counted against the same limit as the Lua allocator's, inside a call or
 * not. sandbox_charge() returns 0, or GL_ENOMEM (nothing counted) when the
 * limit would be passed; sandbox_release() gives back what was charged. */
int sandbox_charge(struct sandbox *sb, size_t bytes);
void sandbox_release(struct sandbox *sb, size_t bytes);

/* Makes text from a show safe to print on a terminal or log, in place
 * (`size` bytes of buffer, truncated to fit, always NUL-terminated):
 * control characters become \n, \r or \xNN, bytes that are not UTF-8
 * \xNN, and C1 controls, bidi overrides and line separators \u{NNNN}.
 * Tabs, printable ASCII and other UTF-8 pass. Idempotent: escaping escaped
 * text changes nothing. Any thread. */
void sandbox_escape(char *text, size_t size);

#endif
