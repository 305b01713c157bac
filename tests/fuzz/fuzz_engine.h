/*
 * fuzz_engine.h - the small show the control fuzz targets (fuzz_osc.c,
 * fuzz_mqtt.c) dispatch into: four dimmers, a group, cue lists "Main" and
 * "Fx" (a looping one) with cues 1, 2 and 2.5, faders 1 (group) and 2
 * (list). Built once, on first use; aborts when the engine refuses it.
 */
#ifndef GL_FUZZ_ENGINE_H
#define GL_FUZZ_ENGINE_H

#include <stdio.h>
#include <stdlib.h>

#include "engine/engine.h"

static struct gl_engine *fuzz_engine(void)
{
	static struct gl_engine *e;
	if (e)
		return e;
	struct gl_engine_config cfg = { .rate_hz = 44, .command_capacity = 64 };
	e = gl_engine_create(&cfg);
	struct gl_fixture_type dim = { .name = "dim", .channel_count = 1 };
	dim.channels[0].attr = GL_ATTR_INTENSITY;
	dim.channels[0].bytes = 1;
	if (!e || gl_fixture_type_finish(&dim) != 0)
		abort();
	for (int i = 0; i < 4; i++) {
		char label[16];
		snprintf(label, sizeof label, "dim %d", i + 1);
		if (gl_engine_add_fixture(e, &dim, label, 1, i + 1, NULL) < 0)
			abort();
	}
	int all[4] = { 0, 1, 2, 3 };
	gl_engine_add_group(e, "all", all, 4);
	const char *lists[2] = { "Main", "Fx" };
	for (int l = 0; l < 2; l++) {
		int id = gl_engine_add_cuelist(e, lists[l], l == 1);
		for (int c = 0; c < 3; c++) {
			struct gl_cue_def def;
			struct gl_cue_change ch = { .param = gl_engine_param(e, c, GL_ATTR_INTENSITY),
						    .value = 0.5f };
			gl_cue_def_init(&def);
			def.number = c + 1 + (c == 2 ? 0.5 : 0);
			snprintf(def.number_text, sizeof def.number_text, "%g", def.number);
			snprintf(def.label, sizeof def.label, "cue %d", c);
			def.changes = &ch;
			def.change_count = 1;
			if (gl_engine_add_cue(e, id, &def) < 0)
				abort();
		}
	}
	gl_engine_add_fader(e, 1, GL_FADER_GROUP, 0, "All", 1.0f);
	gl_engine_add_fader(e, 2, GL_FADER_CUELIST, 1, "Fx", 1.0f);
	if (gl_engine_finalize(e) != 0)
		abort();
	return e;
}

#endif
