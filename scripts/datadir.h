/*
 * datadir.h - where ghostlight's own data lives: the fixture library, the
 * Lua library shows may require, the example shows and the assets.
 *
 * An installed binary (<prefix>/bin/ghostlight) finds them in
 * <prefix>/share/ghostlight, relative to itself, so a package installed
 * anywhere works. A binary run from its build tree (a CMakeCache.txt beside
 * it or one folder up) finds them in the source tree that cache names.
 * $GHOSTLIGHT_DATA_DIR, when set, is an installed-layout folder that wins
 * over both. Any thread; the answer is worked out once.
 */
#ifndef GL_DATADIR_H
#define GL_DATADIR_H

#include <stddef.h>

enum gl_data {
	GL_DATA_FIXTURES,   /* the fixture library (generic/rgbw.lua ...) */
	GL_DATA_LUA_LIB,    /* Lua modules for require() */
	GL_DATA_SHOWS,      /* example shows */
	GL_DATA_ASSETS,     /* remote layouts, fonts, units */
};

/* The folder for `what`, or NULL when no data folder was found. The string
 * lives as long as the process. */
const char *gl_data_dir(enum gl_data what);

#endif
