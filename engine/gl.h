/*
 * gl.h - the few things every ghostlight module shares: the error enum and
 * its strerror, and the limits that size the engine's fixed arrays.
 * Any thread.
 */
#ifndef GL_H
#define GL_H

#include <stdint.h>

enum gl_err {
	GL_OK = 0,
	GL_EINVAL = -1,   /* bad argument or value */
	GL_ENOMEM = -2,   /* allocation failed */
	GL_EFULL = -3,    /* ring or table full */
	GL_ENOENT = -4,   /* no such name, fixture, cue, list */
	GL_EIO = -5,      /* system call failed (errno kept where useful) */
	GL_ERANGE = -6,   /* value out of range */
	GL_EEXIST = -7,   /* duplicate */
	GL_ESTATE = -8,   /* not allowed in this state (e.g. after start) */
	GL_EBUDGET = -9,  /* Lua instruction budget exhausted */
	GL_EAGAIN = -10,  /* nothing to do now; try later */
};

const char *gl_strerror(int err);

/* The index of name in a table of count names (the enum-to-name arrays:
 * attribute classes, capability kinds...), or GL_ENOENT. */
int gl_name_index(const char *const *names, int count, const char *name);

#define GL_DMX_SLOTS 512
#define GL_UNIVERSE_MIN 1
#define GL_UNIVERSE_MAX 63999
#define GL_NAME_MAX 64      /* labels, names: bytes including NUL */
#define GL_CUE_NUMBER_MAX 16

#define GL_NS_PER_S 1000000000ull

#endif
