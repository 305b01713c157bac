/*
 * show_test.h - what the engine and show tests build and check alike: a
 * cue definition from its number, fade and changes; a fixture found by its
 * label and the value a cue gives it; a printed text that must hold a list
 * of fragments. Header-only, for the cmocka tests (include it after
 * <cmocka.h>); the test's thread only.
 */
#ifndef GL_TEST_SHOW_TEST_H
#define GL_TEST_SHOW_TEST_H

#include <math.h>
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

/* The index of the fixture labelled `label` in e; fails if there is none. */
static inline int fixture_by_label(const struct gl_engine *e, const char *label)
{
	for (int f = 0; f < gl_engine_fixture_count(e); f++)
		if (strcmp(gl_engine_fixture_label(e, f), label) == 0)
			return f;
	fail_msg("no fixture \"%s\"", label);
	return -1;
}

/* The value cue `number` of list l sets label's attr to; NAN if it sets
 * none. Fails if there is no such cue, fixture or parameter. */
static inline float cue_change_value(const struct gl_engine *e, int l, double number,
				     const char *label, enum gl_attr attr)
{
	int c = gl_engine_cue_find(e, l, number);
	int param = gl_engine_param(e, fixture_by_label(e, label), attr);
	const struct gl_cue_def *def;

	assert_true(c >= 0);
	assert_true(param >= 0);
	def = gl_engine_cue(e, l, c);
	for (int i = 0; i < def->change_count; i++)
		if (def->changes[i].param == param)
			return def->changes[i].value;
	return NAN;
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
