/*
 * fuzz_fixture_lua.c - libFuzzer target: a fixture type file in our Lua
 * format (scripts/fixture_file.c: its own empty sandbox, the table read
 * raw) from memory (fuzz_memfd.h). Invariants: a refusal names the file
 * and leaves no definition; a definition it accepts passes fdef_check and
 * builds the engine parts of every mode (or refuses with a message).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixtures/fixture_def.h"
#include "fuzz_import.h"
#include "fuzz_memfd.h"
#include "scripts/fixture_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[FDEF_ERR_MAX];
	struct fdef *def = NULL;
	int fd = fuzz_memfd(data, size, path, sizeof path);
	err[0] = '\0';
	if (fixture_file_read(path, &def, err, sizeof err) != 0) {
		if (def || !err[0])
			abort();
	} else {
		fuzz_check_def(def);
		fdef_destroy(def);
	}
	close(fd);
	return 0;
}
