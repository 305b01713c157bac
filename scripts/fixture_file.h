/*
 * fixture_file.h - fixture type files: finding "generic/rgbw" on the search
 * path (or a .qxf / OFL .json file by path) and turning it into a fixture
 * definition (fixture_def.h) or, for one mode, a gl_fixture_type.
 *
 * A fixture file is data: it runs in an empty env of its own (no library
 * at all), under the budget of the show load that asked for it, and must
 * return { name = ..., channels = {...} } or { name = ..., modes = {...},
 * mode_order = {...} }, plus pan_range / tilt_range for moving fixtures
 * (the whole format: README.md, "Fixtures"). Control thread.
 */
#ifndef GL_FIXTURE_FILE_H
#define GL_FIXTURE_FILE_H

#include <stddef.h>

#include <lua.h>

#include "engine/engine.h"
#include "fixtures/fixture_def.h"

#define FIXTURE_TYPE_NAME_MAX 96
#define FIXTURE_MODE_MAX 96

/* A name ending in .qxf or .json is a file path (absolute, or relative to
 * show_dir). Otherwise finds "<dir>/<type_name>.lua" in: <show_dir>/fixtures, each folder of
 * $GHOSTLIGHT_FIXTURES (colon-separated), the fixture library
 * (datadir.h). Returns 0 with the file in path; GL_EINVAL for a
 * name that is not a relative a/b/c path (no "..") with a message in err;
 * GL_ENOENT when no folder has it. */
int fixture_file_find(const char *show_dir, const char *type_name, char *path,
		      size_t path_len, char *err, size_t err_len);

/* Loads the fixture file at `path` into a new definition (*def, the caller
 * destroys it): a .qxf or .json file through the importers (L may then be
 * NULL), else our Lua format, run as described at fixture_file_load.
 * *single_mode (may be NULL) is set when the file gave `channels` rather
 * than `modes`. Returns 0, or the errors of fixture_file_load. */
int fixture_file_load_def(lua_State *L, const char *path, struct fdef **def,
			  bool *single_mode, char *err, size_t err_len);

/* Outside any show: reads a fixture file (.lua in a sandbox of its own,
 * .qxf / .json through the importers) into *def. Control thread. Returns 0
 * or an error of fixture_file_load_def with the message in err. */
int fixture_file_read(const char *path, struct fdef **def, char *err, size_t err_len);

/* The mode called `mode`, or the definition's default for NULL / "".
 * Returns 0 or GL_ENOENT with "no mode \"x\" (modes: ...)" in err. */
int fixture_def_mode(const struct fdef *def, const char *mode, const struct fdef_mode **out,
		     char *err, size_t err_len);

/* Runs the fixture file at `path` and fills *type for `mode` (NULL or "":
 * the file's default mode; mode_out gets the mode used, "" when the file
 * has no modes). Call only from C code that Lua called (inside a sandbox
 * call): the file shares that call's budget. Returns 0; GL_EBUDGET (err
 * holds the budget message, to be raised again); GL_ENOMEM; GL_EINVAL with
 * "path[:line]: what is wrong" in err. */
int fixture_file_load(lua_State *L, const char *path, const char *mode,
		      struct gl_fixture_type *type, char *mode_out, size_t mode_len,
		      char *err, size_t err_len);

#endif
