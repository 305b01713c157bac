/*
 * test_show_edit.c - what the show runtime adds for the console: stage
 * positions (patch { at = ... }), the recorded file (recorded "x.lua") and
 * its edits (edit.record / update / delete / renumber) applied in order to
 * the lists the show declares, cue tags, pan/tilt degrees as a look computes
 * them, and a list edited in the running engine (gl_engine_replace_cues):
 * on_cue handlers and cue OSC actions follow their cues to their new
 * places. Shows are written to a temporary folder; the engine is ticked on
 * a fake clock.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scripts/show.h"
#include "tools/scratch.h"
#include "tools/show_test.h"

static char dir[] = "/tmp/test_show_edit_XXXXXX";

static void write_file(const char *name, const char *text)
{
	assert_int_equal(scratch_write(dir, name, text), 0);
}

static struct gl_show *load(const char *name, char *err, size_t len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return gl_show_load(path, err, len);
}

/* Writes text to name and loads it; fails with the error if it does not
 * load. */
static struct gl_show *load_written(const char *name, const char *text)
{
	char err[1024] = "";
	struct gl_show *s;

	write_file(name, text);
	s = load(name, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	return s;
}

/* name does not load, with want in its error. */
static void expect_refused(const char *name, const char *want)
{
	char err[1024] = "";

	assert_null(load(name, err, sizeof err));
	if (!strstr(err, want))
		fail_msg("error \"%s\", wanted \"%s\"", err, want);
}

#define SHOW_HEAD                                                                         \
	"show { name = \"edits\" }\n"                                                     \
	"output { \"o\", type = \"sacn\", universes = {1} }\n"                            \
	"patch { \"dim\", type = \"generic/dimmer\", universe = 1, address = 1, count = 3,\n" \
	"        at = { {0, 0}, {2, 0}, {4, 1.5} } }\n"                                   \
	"patch { \"spot\", type = \"generic/moving-head\", universe = 1, address = 10, at = {1, 5} }\n" \
	"patch { \"bar\", type = \"generic/rgb\", universe = 1, address = 30, count = 2 }\n"


static void test_positions(void **state)
{
	struct gl_show *s = load_written("at.lua", SHOW_HEAD "cuelist \"Main\" { cue { 1 } }\n");
	struct gl_engine *e = gl_show_engine(s);
	float x, y;
	assert_true(gl_show_fixture_at(s, fixture_by_label(e, "dim 3"), &x, &y));
	assert_float_equal(x, 4, 1e-6);
	assert_float_equal(y, 1.5, 1e-6);
	assert_true(gl_show_fixture_at(s, fixture_by_label(e, "spot"), &x, &y));
	assert_float_equal(x, 1, 1e-6);
	assert_float_equal(y, 5, 1e-6);
	assert_false(gl_show_fixture_at(s, fixture_by_label(e, "bar 1"), &x, &y));
	assert_null(gl_show_recorded_path(s));
	gl_show_destroy(s);

	write_file("at_bad.lua", SHOW_HEAD "patch { \"x\", type = \"generic/dimmer\", universe = 1, "
		   "address = 100, count = 2, at = { {0, 0} } }\ncuelist \"Main\" { cue { 1 } }\n");
	expect_refused("at_bad.lua", "at_bad.lua:7: patch \"x\": at: 1 points for count = 2");
	write_file("at_far.lua", SHOW_HEAD "patch { \"x\", type = \"generic/dimmer\", universe = 1, "
		   "address = 100, at = { 0, 1e9 } }\ncuelist \"Main\" { cue { 1 } }\n");
	expect_refused("at_far.lua", "at_far.lua:7: patch \"x\": at: item 2 must be a number");
}

static const char *const main_list =
	"cuelist \"Main\" {\n"
	"  cue { 1, \"One\", look = { dim = { intensity = 0.5 } } },\n"
	"  cue { 2, \"Two\", osc = { \"/two\", to = \"osc.udp://127.0.0.1:9\" },\n"
	"        look = { [\"dim 1\"] = { intensity = 1 }, bar = { color = \"#ff0000\" } } },\n"
	"  cue { 3, \"Three\", look = { spot = { pan = 90 } } },\n"
	"  cue { 4, \"Four\" },\n"
	"}\n"
	"on_cue(\"Main\", 3, function() log(\"three\") end)\n";

static void test_recorded_edits(void **state)
{
	char text[4096];
	write_file("rec.recorded.lua",
		   "-- written by the console\n"
		   "edit.record(\"Main\", cue { 2.5, \"Rec\", fade = 2, look = {\n"
		   "  [\"dim 2\"] = { intensity = 0.75 }, spot = { pan = -45.5, tilt = 10 } } })\n"
		   "edit.update(\"Main\", 2, { [\"dim 1\"] = { intensity = 0.25 }, [\"bar 2\"] = { green = 1 } })\n"
		   "edit.delete(\"Main\", 1)\n"
		   "edit.renumber(\"Main\", 4, \"9.5\")\n");
	snprintf(text, sizeof text, "%s%srecorded \"rec.recorded.lua\"\n", SHOW_HEAD, main_list);
	struct gl_show *s = load_written("rec.lua", text);
	struct gl_engine *e = gl_show_engine(s);
	char path[1100];
	snprintf(path, sizeof path, "%s/rec.recorded.lua", dir);
	assert_string_equal(gl_show_recorded_path(s), path);
	/* 2, 2.5, 3, 9.5 */
	assert_int_equal(gl_engine_cue_count(e, 0), 4);
	const char *numbers[] = { "2", "2.5", "3", "9.5" };
	for (int c = 0; c < 4; c++)
		assert_string_equal(gl_engine_cue(e, 0, c)->number_text, numbers[c]);
	assert_string_equal(gl_engine_cue(e, 0, 1)->label, "Rec");
	assert_float_equal(gl_engine_cue(e, 0, 1)->fade_in_s, 2, 1e-9);
	assert_float_equal(cue_change_value(e, 0, 2.5, "dim 2", GL_ATTR_INTENSITY), 0.75f, 0);
	/* degrees as a look computes them */
	float pan;
	assert_int_equal(gl_show_degrees_value(gl_engine_fixture_type(e, fixture_by_label(e, "spot")),
					       GL_ATTR_PAN, -45.5, &pan), 0);
	assert_float_equal(cue_change_value(e, 0, 2.5, "spot", GL_ATTR_PAN), pan, 0);
	/* update: the named fixture takes the new value, the rest of the look
	 * stands (bar 2 keeps red from the colour, gets green) */
	assert_float_equal(cue_change_value(e, 0, 2, "dim 1", GL_ATTR_INTENSITY), 0.25f, 0);
	assert_float_equal(cue_change_value(e, 0, 2, "bar 2", GL_ATTR_GREEN), 1.0f, 0);
	assert_float_equal(cue_change_value(e, 0, 2, "bar 2", GL_ATTR_RED), 1.0f, 0);
	assert_float_equal(cue_change_value(e, 0, 2, "bar 1", GL_ATTR_GREEN), 0.0f, 0);
	/* tags: cue 2 sends OSC, cue 3 has a handler, the recorded one none */
	assert_int_equal(gl_show_cue_tags(s, 0, 0), GL_SHOW_CUE_OSC);
	assert_int_equal(gl_show_cue_tags(s, 0, 1), 0);
	assert_int_equal(gl_show_cue_tags(s, 0, 2), GL_SHOW_CUE_HANDLER);
	gl_show_destroy(s);

	/* an edit that does not fit is an error at its line in the recorded file */
	write_file("rec.recorded.lua", "\nedit.delete(\"Main\", 7)\n");
	expect_refused("rec.lua", "rec.recorded.lua:2: edit.delete(\"Main\"): the list has no cue 7");
	write_file("rec.recorded.lua", "edit.renumber(\"Main\", 1, 2)\n");
	expect_refused("rec.lua", "rec.recorded.lua:1: edit.renumber(\"Main\"): cue 2 is already");
	write_file("rec.recorded.lua", "edit.record(\"Other\", cue { 5 })\n");
	expect_refused("rec.lua", "rec.recorded.lua:1: edit.record(\"Other\"): the show has no such cuelist");
	unlink(path);
	snprintf(text, sizeof text, "%s%srecorded \"missing.recorded.lua\"\n", SHOW_HEAD, main_list);
	write_file("missing.lua", text);
	expect_refused("missing.lua", "missing.lua:15: recorded \"missing.recorded.lua\": cannot open");
	snprintf(text, sizeof text, "%s%srecorded \"../x.lua\"\n", SHOW_HEAD, main_list);
	write_file("escape.lua", text);
	expect_refused("escape.lua", "a .lua file in the show's folder");
}

/* The running engine's list edited: the handler of cue 3 still runs for
 * cue 3, wherever it now stands. */
static void test_running_edit(void **state)
{
	char text[4096], msg[512];
	snprintf(text, sizeof text, "%s%s", SHOW_HEAD, main_list);
	struct gl_show *s = load_written("run.lua", text);
	struct gl_engine *e = gl_show_engine(s);
	int n = gl_engine_cue_count(e, 0);
	struct gl_cue_def defs[8];
	int origin[8];
	/* insert 0.5 first: every cue moves one place */
	defs[0] = cue_def(0.5, 0, NULL, 0);
	origin[0] = -1;
	for (int c = 0; c < n; c++) {
		defs[c + 1] = *gl_engine_cue(e, 0, c);
		origin[c + 1] = c;
	}
	assert_int_equal(gl_engine_replace_cues(e, 0, defs, origin, n + 1), 0);
	gl_engine_tick(e, 0);
	struct gl_event ev;
	while (gl_engine_next_event(e, &ev))
		gl_show_handle_event(s, &ev);
	assert_int_equal(gl_engine_cue_count(e, 0), n + 1);
	assert_int_equal(gl_show_cue_tags(s, 0, 3), GL_SHOW_CUE_HANDLER);  /* cue 3 */
	assert_int_equal(gl_show_cue_tags(s, 0, 2), GL_SHOW_CUE_OSC);      /* cue 2 */
	assert_int_equal(gl_show_cue_tags(s, 0, 0), 0);
	struct gl_cmd go = { GL_CMD_GOTO, 0, 3, 0 };
	assert_int_equal(gl_engine_command(e, &go), 0);
	gl_engine_tick(e, 1000000);
	bool three = false;
	while (gl_engine_next_event(e, &ev))
		gl_show_handle_event(s, &ev);
	while (gl_show_take_error(s, msg, sizeof msg))
		three |= strcmp(msg, "log: three") == 0;
	assert_true(three);
	gl_show_destroy(s);
}

/* Replaces list 0 with the engine's cues `keep` (origins, in order, or
 * GL_CUE_BUILT(k) for the cue built at k, whose def comes from `built`)
 * and hands the show the events, as the console's edits do. */
static void replace(struct gl_show *s, const struct gl_cue_def *built, const int *keep, int n)
{
	struct gl_engine *e = gl_show_engine(s);
	struct gl_cue_def defs[8];
	struct gl_event ev;

	for (int i = 0; i < n; i++)
		defs[i] = keep[i] >= 0 ? *gl_engine_cue(e, 0, keep[i]) : built[GL_CUE_BUILT(keep[i])];
	assert_int_equal(gl_engine_replace_cues(e, 0, defs, keep, n), 0);
	gl_engine_tick(e, 0);
	while (gl_engine_next_event(e, &ev))
		gl_show_handle_event(s, &ev);
	assert_int_equal(gl_engine_cue_count(e, 0), n);
}

/* A cue deleted in the console and brought back by its undo has its OSC
 * action again (it came back without one until the show was reloaded). */
static void test_undo_delete(void **state)
{
	char text[4096];
	snprintf(text, sizeof text, "%s%s", SHOW_HEAD, main_list);
	struct gl_show *s = load_written("undo.lua", text);
	struct gl_engine *e = gl_show_engine(s);
	struct gl_cue_def built[4];
	struct change_copy { struct gl_cue_change c[64]; } changes[4];

	assert_int_equal(gl_engine_cue_count(e, 0), 4);
	for (int c = 0; c < 4; c++) {   /* the defs as built, changes copied out */
		const struct gl_cue_def *d = gl_engine_cue(e, 0, c);
		assert_in_range(d->change_count, 0, 64);
		built[c] = *d;
		memcpy(changes[c].c, d->changes, (size_t)d->change_count * sizeof *d->changes);
		built[c].changes = changes[c].c;
	}
	assert_int_equal(gl_show_cue_tags(s, 0, 1), GL_SHOW_CUE_OSC);

	const int deleted[3] = { 0, 2, 3 };             /* cue 2 deleted */
	replace(s, built, deleted, 3);
	assert_string_equal(gl_engine_cue(e, 0, 1)->number_text, "3");
	assert_int_equal(gl_show_cue_tags(s, 0, 1), GL_SHOW_CUE_HANDLER);

	const int undone[4] = { 0, GL_CUE_BUILT(1), 1, 2 };   /* and back */
	replace(s, built, undone, 4);
	assert_string_equal(gl_engine_cue(e, 0, 1)->number_text, "2");
	assert_int_equal(gl_show_cue_tags(s, 0, 1), GL_SHOW_CUE_OSC);
	assert_int_equal(gl_show_cue_tags(s, 0, 2), GL_SHOW_CUE_HANDLER);
	assert_int_equal(gl_show_cue_tags(s, 0, 3), 0);

	/* a second edit after the undo: the origins chain on */
	const int again[4] = { 0, 1, 2, 3 };
	replace(s, built, again, 4);
	assert_int_equal(gl_show_cue_tags(s, 0, 1), GL_SHOW_CUE_OSC);
	gl_show_destroy(s);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[1100];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_recorded_edits),
		cmocka_unit_test(test_running_edit),
		cmocka_unit_test(test_undo_delete),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
