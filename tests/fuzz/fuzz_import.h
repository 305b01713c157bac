/*
 * fuzz_import.h - the body shared by the fixture-importer fuzz targets
 * (fuzz_qxf.c, fuzz_ofl.c; fuzz_fixture_lua.c takes its check of a
 * definition). A definition an importer accepts must pass
 * fdef_check, build the engine parts of every mode (or refuse with a
 * message) and write out in our Lua format; a refusal must leave no
 * definition and say why, naming the file.
 */
#ifndef GL_FUZZ_IMPORT_H
#define GL_FUZZ_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures/import.h"

typedef int (*fuzz_importer)(const char *name, const char *data, size_t len, struct fdef **def,
			     char *err, size_t err_len);

/* A definition a loader accepted (the importers, the Lua fixture-file
 * loader: fuzz_fixture_lua.c): it passes fdef_check and builds the engine
 * parts of every mode, or refuses a mode with a message. */
static inline void fuzz_check_def(struct fdef *def)
{
	char err[FDEF_ERR_MAX];

	if (fdef_check(def, err, sizeof err) != 0)
		abort();
	for (int m = 0; m < def->mode_count; m++) {
		struct fdef_part *parts = NULL;
		int n;

		err[0] = '\0';
		n = fdef_parts(def, &def->modes[m], def->name, &parts, err, sizeof err);
		if (n > 0)
			free(parts);
		else if (parts || err[0] == '\0')
			abort();
	}
}

static inline int fuzz_import(fuzz_importer import, const char *name, const uint8_t *data, size_t size)
{
	struct fdef *def = NULL;
	char err[FDEF_ERR_MAX];
	char *text = NULL;
	size_t text_len = 0;
	FILE *out;

	err[0] = '\0';
	if (import(name, (const char *)data, size, &def, err, sizeof err) != 0) {
		if (def || strncmp(err, name, strlen(name)) != 0)
			abort();
		return 0;
	}
	fuzz_check_def(def);
	out = open_memstream(&text, &text_len);
	if (!out || fdef_write_lua(def, out) != 0)
		abort();
	fclose(out);
	free(text);
	fdef_destroy(def);
	return 0;
}

#endif
