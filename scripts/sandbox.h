/*
 * sandbox.h - the Lua state a show runs in: a memory-limited allocator, an
 * instruction budget enforced by a count hook, and the restricted global
 * table (the "env") that show files, required modules and load()ed chunks
 * see. Fixture files get an env of their own that is empty.
 *
 * Control thread only (the thread that created the sandbox). Invariants:
 * script code runs only inside sandbox_call(); outside it the hook stops
 * any Lua code at once (a __gc finalizer, say), and the memory limit is
 * enforced only inside it, so the host's own pushes never hit the limit.
 * Once a budget is exhausted the script cannot catch that: the sandbox's
 * pcall, xpcall and coroutine.resume raise the budget error again.
 */
#ifndef GL_SANDBOX_H
#define GL_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

struct sandbox;

/* Where print() and log() text goes (the show decides: stdout or ring). */
typedef void (*sandbox_print_fn)(void *ud, const char *text);

#define SANDBOX_MEMORY_LIMIT (256u * 1024u * 1024u)
#define SANDBOX_FILE_MAX (16 * 1024 * 1024)  /* bytes of one script file */
#define SANDBOX_HOOK_STEP 1000               /* instructions between hooks */

/* Creates the state and its env. require() looks for NAME.lua in each of
 * `require_dirs` (copied) in order. Returns NULL when out of memory. */
struct sandbox *sandbox_create(size_t memory_limit, const char *const *require_dirs,
			       int require_dir_count, sandbox_print_fn print, void *print_ud);
void sandbox_destroy(struct sandbox *sb);

lua_State *sandbox_state(struct sandbox *sb);
/* The sandbox a state (or any of its coroutines) belongs to. */
struct sandbox *sandbox_of(lua_State *L);
/* Pushes the show's env table. */
void sandbox_push_env(struct sandbox *sb);

/* Calls the function below `nargs` arguments on the stack, protected, with
 * `budget` VM instructions. A call made while another runs (nested) shares
 * the outer budget. Returns 0 (results left on the stack), GL_EBUDGET,
 * GL_ENOMEM (memory limit) or GL_EINVAL (a Lua error); on error nothing is
 * left on the stack and err holds "file:line: what is wrong". */
int sandbox_call(struct sandbox *sb, int nargs, int nresults, long budget,
		 char *err, size_t err_len);

/* From C code that Lua called (errors are raised, not returned): runs the
 * text chunk in `path` with the table at `env_idx` as its _ENV, leaving
 * `nresults` results. Chunk name "@path", so errors carry file:line. */
void sandbox_dofile(lua_State *L, const char *path, int env_idx, int nresults);

/* True once the running call's budget is exhausted (stays true until the
 * next outermost sandbox_call()). */
bool sandbox_exhausted(lua_State *L);

/* Pushes the arguments from `first` on, converted with tostring and joined
 * by tabs (what print() prints). */
void sandbox_push_joined(lua_State *L, int first);

/* Sends text to the sandbox's print function. */
void sandbox_print(struct sandbox *sb, const char *text);

size_t sandbox_memory_used(const struct sandbox *sb);
size_t sandbox_memory_limit(const struct sandbox *sb);

/* Host memory a script caused (its declarations, timers, commands...),
 * counted against the same limit as the Lua allocator's, inside a call or
 * not. sandbox_charge() returns 0, or GL_ENOMEM (nothing counted) when the
 * limit would be passed; sandbox_release() gives back what was charged. */
int sandbox_charge(struct sandbox *sb, size_t bytes);
void sandbox_release(struct sandbox *sb, size_t bytes);

#endif
