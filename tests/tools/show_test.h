/*
 * show_test.h - what the engine and show tests build and check alike: a
 * cue definition from its number, fade and changes; a printed text that
 * must hold a list of fragments. Header-only, for the cmocka tests (include
 * it after <cmocka.h>); the test's thread only.
 */
#ifndef GL_TEST_SHOW_TEST_H
#define GL_TEST_SHOW_TEST_H

#include <stdio.h>
#include <string.h>

#include "engine/engine.h"

/* Cue `number` (its text "%g" as a show file would write it), fading in
 * and out over `fade` seconds to the n changes ch; everything else as
 * gl_cue_def_init() leaves it. ch must outlive the definition. */
static inline struct gl_cue_def cue_def(double number, double fade,
					const struct gl_cue_change *ch, int n)
{
	struct gl_cue_def d;

	gl_cue_def_init(&d);
	d.number = number;
	snprintf(d.number_text, sizeof d.number_text, "%g", number);
	d.fade_in_s = d.fade_out_s = fade;
	d.changes = ch;
	d.change_count = n;
	return d;
}

/* Fails, naming the first fragment missing and showing the whole text,
 * unless text holds every fragment of the NULL-ended list. */
static inline void expect_text(const char *text, const char *const *fragments)
{
	assert_non_null(text);
	for (int i = 0; fragments[i]; i++)
		if (!strstr(text, fragments[i]))
			fail_msg("no \"%s\" in:\n%s", fragments[i], text);
}

#endif
