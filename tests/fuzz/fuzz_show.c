/*
 * fuzz_show.c - libFuzzer target: a show file's text through the whole
 * loader - the sandboxed Lua, every declaration function (show, output,
 * patch, group, fader, cuelist, cue, osc, mqtt, video_target, ...), the
 * options of outputs and control adapters, the engine it builds - from
 * memory (fuzz_memfd.h), with a small instruction budget and time limit
 * so a runaway loop ends fast. Fixture types come from the library.
 * Invariants: a load that fails says "file:line: ..." (or "file: ...") and
 * leaves no show; a show that loads prints (`check`), starts and ticks;
 * nothing crashes, leaks or hangs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_memfd.h"
#include "scripts/show.h"

#define FUZZ_SHOW_BUDGET 2000000L
#define FUZZ_SHOW_SECONDS 1.0

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[1024];
	int fd = fuzz_memfd(data, size, path, sizeof path);
	struct gl_show *show = gl_show_load_with(path, FUZZ_SHOW_BUDGET, FUZZ_SHOW_SECONDS, err,
						 sizeof err);
	if (!show) {
		if (strncmp(err, path, strlen(path)) != 0 && strstr(err, ".lua") == NULL) {
			fprintf(stderr, "fuzz_show: an error without its file: %s\n", err);
			abort();
		}
		close(fd);
		return 0;
	}
	FILE *out = fopen("/dev/null", "w");
	if (out) {
		gl_show_print(show, out);
		fclose(out);
	}
	struct gl_engine *e = gl_show_engine(show);
	gl_show_start(show);
	for (uint64_t t = 0; t < 10; t++)
		gl_engine_tick(e, t * 25000000ull);
	struct gl_event ev;
	while (gl_engine_next_event(e, &ev))
		gl_show_handle_event(show, &ev);
	char msg[512];
	while (gl_show_take_error(show, msg, sizeof msg))
		;
	gl_show_destroy(show);
	close(fd);
	return 0;
}
