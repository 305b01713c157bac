/*
 * import.h - fixture importers: QLC+ .qxf (XML, parsed with expat) and Open
 * Fixture Library fixture JSON (parsed with cJSON), each producing a fixture
 * definition (fixture_def.h) checked with fdef_check().
 *
 * Any thread (no globals, no Lua); the control thread in practice. Every
 * error names the file and the element ("x.qxf:12: channel \"Pan\": unknown
 * preset \"Foo\""); on error *def is NULL and nothing was written anywhere.
 */
#ifndef GL_IMPORT_H
#define GL_IMPORT_H

#include <stddef.h>

#include "fixture_def.h"

#define IMPORT_FILE_MAX (8u << 20)   /* bigger fixture files are refused */

/* `name` is used in messages (a file name). Returns 0 with *def set, or
 * GL_EINVAL / GL_ENOMEM with the message in err. */
int import_qxf_buffer(const char *name, const char *data, size_t len, struct fdef **def,
		      char *err, size_t err_len);
int import_ofl_buffer(const char *name, const char *data, size_t len, struct fdef **def,
		      char *err, size_t err_len);

/* Read the file (at most IMPORT_FILE_MAX bytes) and import it. GL_EIO when
 * it cannot be read. */
int import_qxf_file(const char *path, struct fdef **def, char *err, size_t err_len);
int import_ofl_file(const char *path, struct fdef **def, char *err, size_t err_len);

/* Reads a whole file into a malloc'd, NUL-terminated buffer. Returns 0,
 * GL_EIO or GL_ERANGE (too big), with the message in err. */
int import_read_file(const char *path, char **data, size_t *len, char *err, size_t err_len);

#endif
