/*
 * sandbox_lib.h - the sandbox's own versions of the standard library
 * functions that work in C in proportion to their arguments (private to
 * sandbox*.c): they charge that work to the running call's budget.
 *
 *   sandbox_lib.c      string.rep, the table functions, the charged
 *                      wrappers, the read-only string library and the
 *                      string metatable a show sees
 *   sandbox_pattern.c  string.find, match, gmatch, gsub
 *
 * Whichever thread runs the sandbox's Lua state.
 */
#ifndef GL_SANDBOX_LIB_H
#define GL_SANDBOX_LIB_H

#include <lua.h>

/* Puts string, table and utf8 into the env table at env_idx, and gives
 * every string the sandbox's read-only metatable. */
void sandbox_lib_open(lua_State *L, int env_idx);

/* Pushes a shallow copy of the table at idx. */
void sandbox_copy_table(lua_State *L, int idx);

int sandbox_str_find(lua_State *L);
int sandbox_str_match(lua_State *L);
int sandbox_str_gmatch(lua_State *L);
int sandbox_str_gsub(lua_State *L);

#endif
