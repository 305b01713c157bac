/*
 * test_show.c - the Lua show-file runtime: the demo and test shows load
 * into the patch, cues and values they describe; every file in shows/bad/
 * fails with "file:line: ..." at the line and with the text its first line
 * announces; handlers that loop, fail or allocate too much are stopped and
 * reported while the others run; commands queued at load are sent by
 * gl_show_start(); timers; the error ring; the limits on what a show may
 * make the host do (shows/test/limits.lua, and big shows generated here,
 * which once took minutes or gigabytes); handlers that once hung in a C
 * library call; text from the show escaped; gl_show_print().
 *
 * The engine is driven with gl_engine_tick() on a fake clock. GL_SOURCE_DIR
 * (environment, else the compile definition) is the repository root. The
 * shows a test loads (each with its sandbox's watchdog thread), its scratch
 * folder and a redirected stdout are held (struct held) and undone by its
 * teardown, so a failure half-way leaves nothing behind for the next test.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scripts/show.h"
#include "tools/scratch.h"
#include "tools/show_test.h"

static const char *source_dir(void)
{
	const char *dir = getenv("GL_SOURCE_DIR");

	if (dir && dir[0])
		return dir;
	return ".";    /* CTest sets GL_SOURCE_DIR; by hand, run from the tree */
}

/* What the running test made, for teardown. */
static struct held {
	struct gl_show *shows[4];
	int show_count;
	char dir[64];            /* the scratch folder, "" none */
	int saved_stdout;        /* the real stdout while it is redirected, else -1 */
} held;

static int held_setup(void **state)
{
	(void)state;
	memset(&held, 0, sizeof held);
	held.saved_stdout = -1;
	return 0;
}

static int held_teardown(void **state)
{
	int rc;

	(void)state;
	if (held.saved_stdout >= 0) {
		fflush(stdout);
		dup2(held.saved_stdout, STDOUT_FILENO);
		close(held.saved_stdout);
	}
	for (int i = 0; i < held.show_count; i++)
		gl_show_destroy(held.shows[i]);
	rc = scratch_remove(held.dir);
	memset(&held, 0, sizeof held);
	return rc;
}

/* A loaded show (or NULL), destroyed by teardown unless drop_show() is
 * called first. */
static struct gl_show *hold_show(struct gl_show *show)
{
	if (show) {
		if (held.show_count == 4)
			gl_show_destroy(show);
		assert_true(held.show_count < 4);
		held.shows[held.show_count++] = show;
	}
	return show;
}

static void drop_show(struct gl_show *show)
{
	for (int i = 0; i < held.show_count; i++)
		if (held.shows[i] == show) {
			held.shows[i] = held.shows[--held.show_count];
			gl_show_destroy(show);
			return;
		}
	fail_msg("drop_show: not a held show");
}

/* The test's scratch folder, made the first time. */
static const char *scratch_dir(void)
{
	if (!held.dir[0] && scratch_make(held.dir, sizeof held.dir, "test_show") != 0)
		fail_msg("cannot make a folder in /tmp");
	return held.dir;
}

static void show_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", source_dir(), rel);
}

static struct gl_show *load_ok(const char *rel)
{
	char path[1024], err[1024] = "";
	struct gl_show *show;

	show_path(path, sizeof path, rel);
	show = hold_show(gl_show_load(path, err, sizeof err));
	if (!show)
		fail_msg("%s does not load: %s", rel, err);
	return show;
}

/* The value cue `number` of `list` sets for label's attr; NAN if none. */
static float cue_value(const struct gl_engine *e, const char *list, double number,
		       const char *label, enum gl_attr attr)
{
	int l = gl_engine_cuelist_find(e, list);

	assert_true(l >= 0);
	return cue_change_value(e, l, number, label, attr);
}

/* Ticks every period from *t up to and including `until` (as play does). */
static void tick_until(struct gl_engine *e, uint64_t *t, uint64_t until)
{
	uint64_t period = gl_engine_period_ns(e);

	while (*t + period <= until) {
		*t += period;
		gl_engine_tick(e, *t);
	}
	if (*t != until) {
		*t = until;
		gl_engine_tick(e, *t);
	}
}

static uint8_t dmx_at(const struct gl_engine *e, int universe, int slot)
{
	int u = gl_engine_universe_index(e, universe);

	assert_true(u >= 0);
	return gl_engine_dmx(e, u)[slot - 1];
}

/* ---- the demo and the deterministic test show ------------------------------ */

static void test_demo(void **state)
{
	struct gl_show *show = load_ok("shows/demo.lua");
	struct gl_engine *e = gl_show_engine(show);
	int main_list;

	assert_string_equal(gl_show_name(show), "Demo");
	assert_float_equal(gl_engine_rate_hz(e), 44.0, 1e-9);
	assert_int_equal(gl_engine_fixture_count(e), 6 + 4 + 6 + 1);
	assert_int_equal(gl_engine_universe_count(e), 2);
	assert_int_equal(gl_engine_cuelist_count(e), 1);
	main_list = gl_engine_cuelist_find(e, "Main");
	assert_int_equal(main_list, 0);
	assert_int_equal(gl_engine_cue_count(e, main_list), 6);
	assert_int_equal(gl_engine_fader_count(e), 2);
	assert_true(gl_engine_group_find(e, "wash") >= 0);
	assert_true(gl_engine_group_find(e, "stage") >= 0);
	assert_int_equal(gl_show_output_count(show), 1);
	assert_string_equal(gl_show_output_config(show, 0)->type, "sacn");
	assert_int_equal(gl_show_output_config(show, 0)->universe_count, 2);

	/* labels, addresses by footprint */
	int u, a;
	gl_engine_fixture_address(e, fixture_by_label(e, "front 6"), &u, &a);
	assert_int_equal(u, 1);
	assert_int_equal(a, 21);
	gl_engine_fixture_address(e, fixture_by_label(e, "spot"), &u, &a);
	assert_int_equal(u, 2);
	assert_int_equal(a, 1);

	/* looks: intensities, a smaller selection winning over its group,
	 * pan/tilt in degrees normalised by the fixture's range, colours */
	assert_float_equal(cue_value(e, "Main", 1, "house 3", GL_ATTR_INTENSITY), 0.7f, 1e-6);
	assert_float_equal(cue_value(e, "Main", 3, "front 1", GL_ATTR_INTENSITY), 0.6f, 1e-6);
	assert_float_equal(cue_value(e, "Main", 3, "front 2", GL_ATTR_INTENSITY), 0.25f, 1e-6);
	assert_float_equal(cue_value(e, "Main", 2, "spot", GL_ATTR_PAN), -90.0f / 540 + 0.5f, 1e-6);
	assert_float_equal(cue_value(e, "Main", 2, "spot", GL_ATTR_TILT), -30.0f / 270 + 0.5f, 1e-6);
	/* #2040ff on the RGB back row */
	assert_float_equal(cue_value(e, "Main", 2, "back 1", GL_ATTR_BLUE), 1.0f, 1e-6);
	assert_float_equal(cue_value(e, "Main", 3, "spot", GL_ATTR_CYAN), 0.0f, 1e-6);
	assert_float_equal(cue_value(e, "Main", 3, "spot", GL_ATTR_MAGENTA), 0.8f, 1e-6);
	/* tracking: cue 6 changes only intensity */
	assert_true(isnan(cue_value(e, "Main", 6, "spot", GL_ATTR_PAN)));

	const struct gl_cue_def *c3 = gl_engine_cue(e, main_list, 2);
	assert_string_equal(c3->label, "Storm");
	assert_float_equal(c3->fade_in_s, 0.5, 1e-9);
	assert_float_equal(c3->fade_out_s, 2.0, 1e-9);
	assert_int_equal(c3->curve, GL_CURVE_S);
	assert_int_equal(c3->continue_mode, GL_CONTINUE_WAIT);
	assert_float_equal(c3->wait_s, 5.0, 1e-9);
	assert_float_equal(c3->class_time[GL_CLASS_POSITION].fade_s, 1.5, 1e-9);
	assert_true(c3->class_time[GL_CLASS_COLOR].fade_s < 0);
	const struct gl_cue_def *c1 = gl_engine_cue(e, main_list, 0);
	assert_int_equal(c1->continue_mode, GL_CONTINUE_FOLLOW);
	assert_float_equal(c1->wait_s, 3.0, 1e-9);
	drop_show(show);
}

static void test_basic(void **state)
{
	struct gl_show *show = load_ok("shows/test/basic.lua");
	struct gl_engine *e = gl_show_engine(show);
	const struct gl_output_config *sacn, *artnet;
	uint64_t t = 0;

	assert_int_equal(gl_engine_fixture_count(e), 4);
	assert_int_equal(gl_engine_cue_count(e, 0), 3);
	assert_float_equal(cue_value(e, "Test", 1, "dim 1", GL_ATTR_INTENSITY), 0.5f, 1e-6);
	assert_float_equal(cue_value(e, "Test", 2, "head", GL_ATTR_PAN), 90.0f / 540 + 0.5f, 1e-6);
	assert_float_equal(cue_value(e, "Test", 2, "head", GL_ATTR_TILT), -45.0f / 270 + 0.5f, 1e-6);
	assert_float_equal(cue_value(e, "Test", 2, "par", GL_ATTR_RED), 1.0f, 1e-6);
	assert_float_equal(cue_value(e, "Test", 2, "par", GL_ATTR_GREEN), 128 / 255.0f, 1e-6);
	assert_float_equal(cue_value(e, "Test", 2, "par", GL_ATTR_WHITE), 0.0f, 1e-6);
	assert_float_equal(cue_value(e, "Test", 2, "par", GL_ATTR_INTENSITY), 1.0f, 1e-6);

	assert_int_equal(gl_show_output_count(show), 2);
	sacn = gl_show_output_config(show, 0);
	artnet = gl_show_output_config(show, 1);
	assert_string_equal(sacn->type, "sacn");
	assert_string_equal(artnet->type, "artnet");
	assert_string_equal(sacn->show_name, "Basic test");
	assert_int_equal(sacn->universe_count, 2);
	assert_int_equal(sacn->universes[1], 2);
	assert_non_null(gl_opt_find(sacn->options, sacn->option_count, "unicast"));
	assert_string_equal(gl_opt_find(sacn->options, sacn->option_count, "unicast")->value, "127.0.0.1");
	assert_string_equal(gl_opt_find(sacn->options, sacn->option_count, "priority")->value, "100");
	assert_string_equal(gl_opt_find(artnet->options, artnet->option_count, "listen")->value, "false");
	/* taken once; then it is ours to close (never opened: close frees) */
	struct gl_output *out = gl_show_output_take(show, 1);
	assert_non_null(out);
	assert_null(gl_show_output_take(show, 1));
	gl_show_output_ops(show, 1)->close(out);

	/* the documented plateaus */
	assert_int_equal(gl_show_start(show), 1);
	gl_engine_tick(e, t);
	tick_until(e, &t, 1 * GL_NS_PER_S);
	assert_int_equal(dmx_at(e, 1, 1), 128);
	assert_int_equal(dmx_at(e, 2, 1), 0x80);        /* pan at its default: centre */
	tick_until(e, &t, 5 * GL_NS_PER_S);
	assert_int_equal(dmx_at(e, 1, 1), 255);
	assert_int_equal(dmx_at(e, 1, 2), 64);
	assert_int_equal(dmx_at(e, 1, 10), 255);
	assert_int_equal(dmx_at(e, 1, 11), 128);
	assert_int_equal(dmx_at(e, 2, 1), 0xAA);
	assert_int_equal(dmx_at(e, 2, 2), 0xAA);
	assert_int_equal(dmx_at(e, 2, 3), 0x55);
	assert_int_equal(dmx_at(e, 2, 4), 0x55);
	tick_until(e, &t, 10 * GL_NS_PER_S);
	assert_int_equal(dmx_at(e, 1, 1), 0);
	assert_int_equal(dmx_at(e, 1, 11), 128);
	assert_int_equal(dmx_at(e, 1, 12), 255);
	drop_show(show);
}

static void test_sandbox_show(void **state)
{
	/* The file asserts what the sandbox holds; loading it is the test. */
	drop_show(load_ok("shows/test/sandbox.lua"));
}

/* ---- every bad show fails where and how its first line says ---------------- */

/* Line 1 of a bad show: "-- checks: ... expect line N: FRAGMENT". */
static void bad_expectation(const char *path, int *line, char *fragment, size_t len)
{
	char first[512];
	const char *p;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(first, sizeof first, f));
	fclose(f);
	first[strcspn(first, "\n")] = '\0';
	p = strstr(first, "expect line ");
	if (!p)
		fail_msg("%s: line 1 has no \"expect line N: ...\"", path);
	*line = atoi(p + strlen("expect line "));
	p = strstr(p, ": ");
	assert_non_null(p);
	snprintf(fragment, len, "%s", p + 2);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_bad_shows(void **state)
{
	static const char *const required[] = {
		"syntax_error", "unknown_fixture_type", "address_overlap", "universe_zero",
		"universe_64000", "address_past_512", "duplicate_cue", "io_open", "os_execute",
		"binary_chunk", "infinite_loop", "require_parent", "unknown_attribute",
		"pan_out_of_range", "unknown_field", "unknown_output_type", "bad_output_option",
		NULL
	};
	static char names[256][256];
	char dir[1024];
	int n = 0;
	struct dirent *de;
	DIR *d;

	show_path(dir, sizeof dir, "shows/bad");
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) && n < 256) {
		size_t len = strlen(de->d_name);

		if (len > 4 && len < sizeof names[0] && strcmp(de->d_name + len - 4, ".lua") == 0)
			snprintf(names[n++], sizeof names[0], "%s", de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], cmp_names);
	for (int i = 0; required[i]; i++) {
		bool found = false;
		char want[128];

		snprintf(want, sizeof want, "%s.lua", required[i]);
		for (int k = 0; k < n; k++)
			found |= strcmp(names[k], want) == 0;
		if (!found)
			fail_msg("shows/bad/%s is missing", want);
	}

	for (int i = 0; i < n; i++) {
		char path[1400], err[1024] = "", fragment[400], at[300];
		struct gl_show *show;
		int line;

		snprintf(path, sizeof path, "%s/%.255s", dir, names[i]);
		bad_expectation(path, &line, fragment, sizeof fragment);
		show = hold_show(gl_show_load(path, err, sizeof err));
		if (show) {
			drop_show(show);
			fail_msg("%s loads, but should fail with \"%s\"", names[i], fragment);
		}
		snprintf(at, sizeof at, "%.255s:%d: ", names[i], line);
		if (!strstr(err, at) || !strstr(err, fragment))
			fail_msg("%s: error \"%s\"\n  wanted \"%s\" and \"%s\"", names[i], err, at,
				 fragment);
		print_message("ok %-30s %s\n", names[i], err);
	}
	assert_true(n >= 17);
}

/* ---- commands queued at load ----------------------------------------------- */

static void test_go_queued_at_load(void **state)
{
	struct gl_show *show = load_ok("shows/test/basic.lua");
	struct gl_engine *e = gl_show_engine(show);
	struct gl_list_status lists[1];
	float faders[1];
	struct gl_snapshot snap = { .lists = lists, .fader_levels = faders };

	/* Before gl_show_start() the list is off: loading sent nothing. */
	gl_engine_tick(e, 0);
	assert_int_equal(gl_engine_snapshot(e, &snap), 0);
	assert_int_equal(snap.list_count, 1);
	assert_int_equal(lists[0].state, GL_LIST_OFF);
	assert_int_equal(lists[0].active, -1);

	assert_int_equal(gl_show_start(show), 1);
	assert_int_equal(gl_show_start(show), 0);       /* only once */
	gl_engine_tick(e, GL_NS_PER_S / 10);
	assert_int_equal(gl_engine_snapshot(e, &snap), 0);
	assert_int_equal(lists[0].state, GL_LIST_RUNNING);
	assert_int_equal(lists[0].active, 0);
	assert_int_equal(lists[0].standby, 1);
	drop_show(show);
}

/* ---- handlers ---------------------------------------------------------------- */

static void take(struct gl_show *show, char *buf, size_t len)
{
	if (!gl_show_take_error(show, buf, len))
		fail_msg("no message waiting in the error ring");
}

static void expect_message(struct gl_show *show, const char *a, const char *b)
{
	char msg[512];

	take(show, msg, sizeof msg);
	if (!strstr(msg, a) || (b && !strstr(msg, b)))
		fail_msg("message \"%s\": wanted \"%s\"%s%s", msg, a, b ? " and " : "", b ? b : "");
}

/* Fails, showing it, if a message waits in the error ring. */
static void expect_no_message(struct gl_show *show)
{
	char msg[512];

	if (gl_show_take_error(show, msg, sizeof msg))
		fail_msg("unexpected message \"%s\"", msg);
}

static void fire_events(struct gl_show *show)
{
	struct gl_event ev;

	while (gl_engine_next_event(gl_show_engine(show), &ev))
		gl_show_handle_event(show, &ev);
}

static void test_handlers(void **state)
{
	struct gl_show *show = load_ok("shows/test/handlers.lua");
	struct gl_engine *e = gl_show_engine(show);
	struct gl_cmd go = { .type = GL_CMD_GO, .list = 0 };
	struct gl_cmd first = { .type = GL_CMD_GOTO, .list = 0, .index = 0 };
	uint64_t t = 0;

	expect_no_message(show);
	assert_int_equal(gl_show_start(show), 1);
	gl_engine_tick(e, t);
	fire_events(show);
	/* cue 1: the runaway handler is stopped, the next one runs */
	expect_message(show, "handlers.lua:15: instruction budget exhausted", "on_cue(\"Main\", 1)");
	expect_message(show, "log: fired\tMain\t1\t1", NULL);
	expect_no_message(show);

	/* cue 2: an error, a memory bomb, a bad name, a run-time patch */
	assert_int_equal(gl_engine_command(e, &go), 0);
	tick_until(e, &t, GL_NS_PER_S);
	fire_events(show);
	expect_message(show, "boom at two", "on_cue(\"Main\", nil)");
	expect_message(show, "handlers.lua:18: memory limit exceeded", NULL);
	expect_message(show, "handlers.lua:19: go(\"Nope\"): unknown cuelist \"Nope\"", NULL);
	expect_message(show, "patch() is only allowed while the show loads", NULL);
	expect_no_message(show);

	/* and the state still works afterwards */
	assert_int_equal(gl_engine_command(e, &first), 0);
	tick_until(e, &t, 2 * GL_NS_PER_S);
	fire_events(show);
	expect_message(show, "instruction budget exhausted", NULL);
	expect_message(show, "log: fired\tMain\t1\t2", NULL);
	drop_show(show);
}

static void test_timers(void **state)
{
	struct gl_show *show = load_ok("shows/test/handlers.lua");
	uint64_t t0, next;

	assert_int_equal(gl_show_next_timer_ns(show), 0);   /* not started: no clock */
	gl_show_start(show);
	/* the earliest is after(3): it fixes the start time */
	next = gl_show_next_timer_ns(show);
	assert_true(next > 3 * GL_NS_PER_S);
	t0 = next - 3 * GL_NS_PER_S;

	gl_show_run_timers(show, t0 + 2 * GL_NS_PER_S);
	expect_no_message(show);
	gl_show_run_timers(show, t0 + 3500 * 1000000ull);
	expect_message(show, "log: after 3", NULL);
	expect_no_message(show);
	assert_int_equal(gl_show_next_timer_ns(show), t0 + 10 * GL_NS_PER_S);

	gl_show_run_timers(show, t0 + 10500 * 1000000ull);
	expect_message(show, "log: every 10\t1", NULL);
	assert_int_equal(gl_show_next_timer_ns(show), t0 + 20 * GL_NS_PER_S);
	/* a stall: it runs once, not once per missed period */
	gl_show_run_timers(show, t0 + 45 * GL_NS_PER_S);
	expect_message(show, "log: every 10\t2", NULL);
	expect_no_message(show);
	assert_int_equal(gl_show_next_timer_ns(show), t0 + 55 * GL_NS_PER_S);
	drop_show(show);
}

static void test_error_ring_bounded(void **state)
{
	struct gl_show *show = load_ok("shows/test/handlers.lua");
	struct gl_event ev = { .type = GL_EV_CUE_FIRED, .list = 0, .cue = 1 };
	char msg[512];
	int n = 0;

	/* 4 errors per event (cue 2), 20 events: 80 > the ring's 64 */
	for (int i = 0; i < 20; i++)
		gl_show_handle_event(show, &ev);
	take(show, msg, sizeof msg);
	assert_string_equal(msg, "(16 earlier messages dropped)");
	while (gl_show_take_error(show, msg, sizeof msg))
		n++;
	assert_int_equal(n, 64);
	/* events for other cues or lists, or of other types, run nothing */
	ev.cue = 7;
	gl_show_handle_event(show, &ev);
	ev.cue = 0;
	ev.type = GL_EV_CUE_DONE;
	gl_show_handle_event(show, &ev);
	expect_no_message(show);
	drop_show(show);
}

/* ---- run-time limits (shows/test/limits.lua) ------------------------------------ */

/* Sends an OSC message with one integer argument to the show's on_osc
 * handlers, as the OSC adapter does. */
static void osc_to_show(struct gl_show *show, const char *address, int n)
{
	struct gl_ctl_arg arg = { .type = 'i', .i = n };
	struct gl_ctl_msg msg = { .peer = "osc.udp://127.0.0.1:9000/", .address = address,
				  .argc = 1, .argv = &arg };

	assert_true(gl_show_handle_message(show, "osc", &msg));
}

/* shows/test/limits.lua, loaded and started. */
static struct gl_show *limits_show(void)
{
	struct gl_show *show = load_ok("shows/test/limits.lua");

	gl_show_start(show);
	return show;
}

static void test_limit_commands(void **state)
{
	struct gl_show *show = limits_show();

	osc_to_show(show, "/t/commands", 64);
	expect_no_message(show);
	osc_to_show(show, "/t/commands", 65);
	expect_message(show, "limits.lua:11): ",
		       "limits.lua:11: go(\"Main\"): at most 64 engine commands in one handler call");
	expect_no_message(show);

	/* No tick drains the engine's 1024-command queue: 128 are in, 14 more
	 * calls fill it, and the next command fails, saying so. */
	for (int i = 0; i < 14; i++) {
		osc_to_show(show, "/t/commands", 64);
		expect_no_message(show);
	}
	osc_to_show(show, "/t/commands", 1);
	expect_message(show, "limits.lua:11: go(\"Main\"): not sent: the engine's command queue "
		       "is full", NULL);
	/* once the engine has drained it, commands go through again */
	gl_engine_tick(gl_show_engine(show), 0);
	osc_to_show(show, "/t/commands", 64);
	expect_no_message(show);
	drop_show(show);
}

static int count_sends(void *ud, const char *adapter, const struct gl_ctl_msg *msg)
{
	(void)adapter;
	(void)msg;
	(*(int *)ud)++;
	return 0;
}

static void test_limit_sends(void **state)
{
	struct gl_show *show = limits_show();
	int sent = 0;

	gl_show_set_sender(show, count_sends, &sent);
	osc_to_show(show, "/t/send", 65);
	assert_int_equal(sent, 64);
	expect_message(show, "limits.lua:18): ",
		       "limits.lua:18: osc.send: at most 64 messages in one handler call");
	drop_show(show);
}

static void test_limit_log(void **state)
{
	struct gl_show *show = limits_show();
	char msg[512];

	osc_to_show(show, "/t/log", 40);
	for (int i = 1; i <= 32; i++) {
		char want[32];

		snprintf(want, sizeof want, "log: line\t%d", i);
		take(show, msg, sizeof msg);
		assert_string_equal(msg, want);
	}
	expect_message(show, "on_osc(\"/t/log\") handler (", "limits.lua:12): 8 more log lines "
		       "dropped (at most 32 in one handler call)");
	expect_no_message(show);
	drop_show(show);
}

/* An on_osc handler that adds handlers moves the handler list while it
 * runs: its own error must still be reported (ASan checks the reads). */
static void test_handler_adds_handlers(void **state)
{
	struct gl_show *show = limits_show();

	osc_to_show(show, "/t/grow", 0);
	expect_message(show, "limits.lua:14): ", "limits.lua:16: grew");
	expect_no_message(show);
	osc_to_show(show, "/t/grown/40", 0);
	expect_no_message(show);
	drop_show(show);
}

static void test_timer_order_and_rate(void **state)
{
	struct gl_show *show = limits_show();
	uint64_t t0;

	/* the earliest is after(0.001) */
	t0 = gl_show_next_timer_ns(show) - GL_NS_PER_S / 1000;
	gl_show_run_timers(show, t0 + 4500 * 1000000ull);
	expect_no_message(show);
	gl_show_run_timers(show, t0 + 5500 * 1000000ull);
	expect_message(show, "log: ordered\t2000\t0", NULL);
	assert_int_equal(gl_show_next_timer_ns(show), t0 + 6 * GL_NS_PER_S);
	/* a handler making 1001 timers in one second */
	gl_show_run_timers(show, t0 + 6500 * 1000000ull);
	expect_message(show, "limits.lua:30): ",
		       "limits.lua:30: after: at most 1000 timers may be made in one second");
	expect_no_message(show);
	assert_int_equal(gl_show_next_timer_ns(show), t0 + 7 * GL_NS_PER_S);
	gl_show_run_timers(show, t0 + 7500 * 1000000ull);
	expect_message(show, "log: every 7", NULL);
	drop_show(show);
}

/* ---- shows that once took minutes or gigabytes -------------------------------- */

/* Writes `text` to dir/name.lua and loads it: returns the show (or NULL
 * with the error in err). Prints (never asserts) how long it took. */
static struct gl_show *load_generated(const char *dir, const char *name, const char *text,
				      char *err, size_t len)
{
	char path[1024];
	struct timespec a, b;
	struct gl_show *show;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.lua", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &a);
	show = hold_show(gl_show_load(path, err, len));
	clock_gettime(CLOCK_MONOTONIC, &b);
	print_message("%-22s %6.2f s  %s\n", name,
		      (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
		      show ? "loaded" : err);
	remove(path);
	return show;
}

static void expect_load_error(const char *dir, const char *name, const char *text,
			      const char *want)
{
	char err[1024] = "";
	struct gl_show *show = load_generated(dir, name, text, err, sizeof err);

	if (show) {
		drop_show(show);
		fail_msg("%s loads, but should fail with \"%s\"", name, want);
	}
	if (!strstr(err, want))
		fail_msg("%s: error \"%s\", wanted \"%s\"", name, err, want);
}

#define HEAD "show { name = \"big\" }\noutput { \"o\", type = \"sacn\", universes = {1} }\n"

/* print() while a show loads goes to stdout (ghostlight check shows it):
 * 1000 lines, each cut at 2000 bytes, then one line counting the rest. */
static void test_limit_load_log(void **state)
{
	const char *dir = scratch_dir();
	char err[1024], line[4096], path[1024];
	int lines = 0, longest = 0;
	struct gl_show *show;
	FILE *out;

	snprintf(path, sizeof path, "%s/stdout", dir);
	fflush(stdout);
	out = fopen(path, "w+");
	assert_non_null(out);
	held.saved_stdout = dup(STDOUT_FILENO);
	assert_true(held.saved_stdout >= 0);
	assert_true(dup2(fileno(out), STDOUT_FILENO) >= 0);
	show = load_generated(dir, "print_1500", HEAD
			      "print(string.rep(\"x\", 3000))\n"
			      "for i = 1, 1500 do print(\"line\", i) end\n", err, sizeof err);
	fflush(stdout);
	assert_true(dup2(held.saved_stdout, STDOUT_FILENO) >= 0);
	close(held.saved_stdout);
	held.saved_stdout = -1;
	assert_non_null(show);
	drop_show(show);
	rewind(out);
	while (fgets(line, sizeof line, out)) {
		int len = (int)strcspn(line, "\n");

		longest = len > longest ? len : longest;
		if (++lines == 1000)
			assert_string_equal(line, "line\t999\n");
		if (lines == 1001)
			assert_string_equal(line, "(501 more log lines not shown: at most 1000 "
					    "while a show loads)\n");
	}
	assert_int_equal(lines, 1002);           /* and load_generated()'s own */
	assert_int_equal(longest, 2000 + 3);     /* "..." marks the cut */
	fclose(out);
}

static void test_big_shows(void **state)
{
	const char *dir = scratch_dir();
	char err[1024];
	struct gl_show *show;

	expect_load_error(dir, "after_300k", HEAD
			  "local f = function() end\n"
			  "for i = 1, 300000 do after((300001 - i) * 1e-6, f) end\n",
			  "after_300k.lua:4: after: at most 10000 timers");
	expect_load_error(dir, "patch_1100x512", HEAD
			  "for u = 1, 1100 do patch { \"d\" .. u, type = \"generic/dimmer\", "
			  "universe = u, address = 1, count = 512 } end\n",
			  "patch \"d1025\": a show may have at most 524288 fixtures");
	expect_load_error(dir, "stop_12e6", HEAD "for i = 1, 12e6 do stop() end\n",
			  "stop(): at most 256 commands");
	expect_load_error(dir, "cue_5e6", HEAD "for i = 1, 5e6 do cue { i } end\n",
			  "cue 16385: a show may have at most 16384 cues");
	expect_load_error(dir, "on_cue_5000", HEAD
			  "for i = 1, 5000 do on_cue(\"Main\", 1, print) end\n",
			  "on_cue: at most 4096 handlers");
	expect_load_error(dir, "on_osc_300", HEAD
			  "for i = 1, 300 do on_osc(\"/x/\" .. i, print) end\n",
			  "on_osc: at most 256 handlers");

	/* as big as allowed, and fast: hashed names, a timer heap */
	show = load_generated(dir, "chunk_names_100k", HEAD
			      "local f = function() end\n"
			      "for i = 1, 100000 do\n"
			      "  cancel(load(\"return after(1, ...)\", \"=chunk\" .. i)(f))\n"
			      "end\n", err, sizeof err);
	assert_non_null(show);
	drop_show(show);
	show = load_generated(dir, "patch_32768", HEAD
			      "for i = 0, 32767 do patch { \"d\" .. i, type = \"generic/dimmer\", "
			      "universe = 1 + i // 512, address = 1 + i % 512 } end\n"
			      "for g = 1, 1024 do group(\"g\" .. g, { \"d\" .. g, \"d\" .. g + 1 }) end\n"
			      "local a, b = {}, {}\n"
			      "for i = 1, 10000 do a[i] = cue { i, look = { [\"g\" .. i % 1024 + 1] = "
			      "{ intensity = 1 }, [\"d\" .. i % 256] = { intensity = 0.5 } } } end\n"
			      "for i = 1, 6384 do b[i] = cue { i, look = { [\"d\" .. i * 2] = "
			      "{ intensity = 1 } } } end\n"
			      "cuelist \"A\" (a)\ncuelist \"B\" (b)\n", err, sizeof err);
	assert_non_null(show);
	assert_int_equal(gl_engine_fixture_count(gl_show_engine(show)), 32768);
	assert_int_equal(gl_engine_cue_count(gl_show_engine(show), 0), 10000);
	drop_show(show);
}

/* ---- handlers that once hung, text from the show --------------------------- */

/* Handlers that each once hung the control thread inside one C library
 * call (shows/test/hangs.lua): each is stopped at its own line by the
 * budget its work is charged to - or, for work the budget cannot weigh, by
 * the handler's time limit - and the handlers after it still run. (On a
 * machine slow enough, or a TSan build, the time limit may come first;
 * test_sandbox checks the budget alone.) */
static void test_hangs(void **state)
{
	struct gl_show *show = load_ok("shows/test/hangs.lua");
	struct gl_event ev = { .type = GL_EV_CUE_FIRED, .list = 0, .cue = 0 };
	char at[32], msg[512];

	gl_show_handle_event(show, &ev);
	for (int line = 10; line <= 24; line++) {
		snprintf(at, sizeof at, "hangs.lua:%d: ", line);
		take(show, msg, sizeof msg);
		if (!strstr(msg, at) || (!strstr(msg, "instruction budget exhausted") &&
					 !strstr(msg, "the handler ran longer than 1 s")))
			fail_msg("message \"%s\": wanted \"%s\" and a stop", msg, at);
	}
	expect_message(show, "log: rep\t0", NULL);
	expect_message(show, "hangs.lua:28: the handler ran longer than 1 s (stopped)", NULL);
	expect_message(show, "log: still running", NULL);
	expect_no_message(show);
	drop_show(show);
}

/* No byte below 0x20 but tab, nor DEL, in text meant for a terminal. */
static void assert_no_controls(const char *text)
{
	for (const char *p = text; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
			fail_msg("a raw control character (0x%02x) in \"%s\"", (unsigned char)*p, text);
}

/* Names, log() text and errors from the show reach the terminal escaped
 * (shows/test/escapes.lua): check's printout, the log, handler errors. */
static void test_escapes(void **state)
{
	struct gl_show *show = load_ok("shows/test/escapes.lua");
	struct gl_event ev = { .type = GL_EV_CUE_FIRED, .list = 0, .cue = 0 };
	char *text = NULL, msg[512];
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	gl_show_print(show, f);
	fclose(f);
	assert_no_controls(text);
	expect_text(text, (const char *const[]){
		"\\x1b[31mred",
		"cuelist \"Main\\x1b]0;title\\x07\"",
		"one\\nforged line",
		NULL });
	free(text);

	gl_show_handle_event(show, &ev);
	take(show, msg, sizeof msg);
	assert_string_equal(msg, "log: \\x1b[2J\ttwo\\nlines");
	take(show, msg, sizeof msg);
	assert_no_controls(msg);
	assert_non_null(strstr(msg, "on_cue(\"Main\\x1b]0;title\\x07\", 1) handler"));
	assert_non_null(strstr(msg, "escapes.lua:11: \\x1b[H\\r\\u{202e}gnp.exe"));
	expect_no_message(show);
	drop_show(show);
}

/* ---- video: declarations, cue actions, rtsp.* ----------------------------------- */

struct video_sent {
	int count, fail_with;
	char line[8][160];          /* "peer address at scale" */
};

static void arg_text(const struct gl_ctl_arg *a, char *buf, size_t len)
{
	if (a->type == 'N')
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%g", a->f);
}

static int record_video(void *ud, const char *adapter, const struct gl_ctl_msg *msg)
{
	struct video_sent *v = ud;
	char at[32], scale[32];

	assert_string_equal(adapter, "rtsp");
	assert_int_equal(msg->argc, 2);
	arg_text(&msg->argv[0], at, sizeof at);
	arg_text(&msg->argv[1], scale, sizeof scale);
	if (v->count < 8)
		snprintf(v->line[v->count], sizeof v->line[0], "%s %s %s %s", msg->peer, msg->address,
			 at, scale);
	v->count++;
	return v->fail_with;
}

static void goto_cue(struct gl_show *show, int cue)
{
	struct gl_cmd cmd = { .type = GL_CMD_GOTO, .list = 0, .index = cue };
	static uint64_t t;

	assert_int_equal(gl_engine_command(gl_show_engine(show), &cmd), 0);
	gl_engine_tick(gl_show_engine(show), t += GL_NS_PER_S / 44);
	fire_events(show);
}

static void test_video(void **state)
{
	struct gl_show *show = load_ok("shows/test/video.lua");
	struct video_sent v = { 0 };
	const struct gl_option *o;
	int n;

	(void)state;
	/* what the adapter is given: the name first, then the options */
	o = gl_show_declaration(show, "rtsp", 0, &n);
	assert_non_null(o);
	assert_int_equal(n, 3);
	assert_string_equal(o[0].key, "name");
	assert_string_equal(o[0].value, "wall");
	assert_non_null(gl_show_declaration(show, "rtsp", 1, &n));
	assert_null(gl_show_declaration(show, "rtsp", 2, &n));
	assert_null(gl_show_declaration(show, "mqtt", 0, &n));

	/* before a sender: said so, once per command */
	goto_cue(show, 0);
	expect_message(show, "video.lua:", "cue 1: video wall play: video is not running");
	expect_message(show, "cue 1: video side play", NULL);

	gl_show_set_sender(show, record_video, &v);
	goto_cue(show, 0);
	goto_cue(show, 1);
	goto_cue(show, 2);
	goto_cue(show, 4);
	assert_int_equal(v.count, 6);
	assert_string_equal(v.line[0], "wall play 5 -");
	assert_string_equal(v.line[1], "side play - -");
	assert_string_equal(v.line[2], "wall seek 60 -");
	assert_string_equal(v.line[3], "wall pause - -");
	assert_string_equal(v.line[4], "wall stop - -");
	assert_string_equal(v.line[5], "side stop - -");
	/* from Lua: on_osc("/test/seek") calls rtsp.seek("side", S) */
	struct gl_ctl_arg arg = { .type = 'f', .f = 30 };
	struct gl_ctl_msg msg = { .peer = "osc.udp://127.0.0.1:9000/", .address = "/test/seek",
				  .argc = 1, .argv = &arg };
	assert_true(gl_show_handle_message(show, "osc", &msg));
	assert_string_equal(v.line[6], "side seek 30 -");
	/* the adapter refuses: the handler's error says why */
	v.fail_with = GL_ENOENT;
	assert_true(gl_show_handle_message(show, "osc", &msg));
	expect_message(show, "rtsp.seek: video is not running", NULL);
	drop_show(show);
}

static void test_video_lua(void **state)
{
	static const char text[] =
		"show { name = \"video lua\" }\n"
		"video_target { \"wall\", url = \"rtsp://127.0.0.1/clip\", user = \"u\", "
		"password = \"Sekr1t\" }\n"
		"on_osc(\"/t/*\", function(address, n)\n"
		"  if address == \"/t/ok\" then assert(rtsp.play(\"wall\", 2.5, 2))\n"
		"    assert(rtsp.resume(\"wall\")) assert(rtsp.pause(\"wall\"))\n"
		"    assert(rtsp.stop(\"wall\"))\n"
		"  elseif address == \"/t/nobody\" then rtsp.play(\"nobody\")\n"
		"  elseif address == \"/t/negative\" then rtsp.play(\"wall\", -1)\n"
		"  elseif address == \"/t/extra\" then rtsp.pause(\"wall\", 3)\n"
		"  elseif address == \"/t/zero\" then rtsp.resume(\"wall\", 0)\n"
		"  else rtsp.seek(\"wall\") end\n"
		"end)\n";
	static const char *const refused[][2] = {
		{ "/t/nobody", "rtsp.play: no video_target \"nobody\"" },
		{ "/t/negative", "rtsp.play: at must be 0..1e7 seconds" },
		{ "/t/extra", "rtsp.pause: too many arguments" },
		{ "/t/zero", "rtsp.resume: scale must not be 0" },
		{ "/t/seek", "rtsp.seek: seek needs at = seconds" },
	};
	char path[1024], err[1024] = "", *printed = NULL;
	struct video_sent v = { 0 };
	size_t len = 0;
	FILE *src;

	(void)state;
	snprintf(path, sizeof path, "%s/video.lua", scratch_dir());
	src = fopen(path, "w");
	assert_non_null(src);
	assert_int_equal(fwrite(text, 1, sizeof text - 1, src), sizeof text - 1);
	fclose(src);
	struct gl_show *show = hold_show(gl_show_load(path, err, sizeof err));
	if (!show)
		fail_msg("%s", err);
	gl_show_set_sender(show, record_video, &v);
	struct gl_ctl_msg msg = { .peer = "osc.udp://127.0.0.1:9000/", .address = "/t/ok" };
	assert_true(gl_show_handle_message(show, "osc", &msg));
	assert_int_equal(v.count, 4);
	assert_string_equal(v.line[0], "wall play 2.5 2");
	assert_string_equal(v.line[1], "wall resume - -");
	assert_string_equal(v.line[2], "wall pause - -");
	assert_string_equal(v.line[3], "wall stop - -");
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		msg.address = refused[i][0];
		assert_true(gl_show_handle_message(show, "osc", &msg));
		expect_message(show, refused[i][1], NULL);
	}
	assert_int_equal(v.count, 4);
	/* check's listing: the target, never its password */
	FILE *f = open_memstream(&printed, &len);
	gl_show_print(show, f);
	fclose(f);
	expect_text(printed, (const char *const[]){
		"video_target:",
		" url=rtsp://127.0.0.1/clip",
		" user=u",
		" password=(set)",
		NULL });
	assert_null(strstr(printed, "Sekr1t"));
	free(printed);
	drop_show(show);
}

/* ---- print --------------------------------------------------------------------- */

static void test_print(void **state)
{
	struct gl_show *show = load_ok("shows/demo.lua");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	gl_show_print(show, f);
	fclose(f);
	expect_text(text, (const char *const[]){
		"show \"Demo\"",
		"rate 44 Hz",
		"front 6",
		"1.21",
		"generic/moving-head (standard)",
		"wash (6): front 1, front 2",
		"cuelist \"Main\" (loop), 6 cues",
		"Storm",
		"wait 5s",
		"House lights",
		"universes 1,2",
		NULL });
	assert_null(strstr(text, "warnings"));
	free(text);
	drop_show(show);

	show = load_ok("shows/test/handlers.lua");
	text = NULL;
	f = open_memstream(&text, &len);
	gl_show_print(show, f);
	fclose(f);
	assert_non_null(strstr(text, "universe 3 has fixtures but no output sends it"));
	free(text);
	drop_show(show);
}

int main(void)
{
#define HELD(test) cmocka_unit_test_setup_teardown(test, held_setup, held_teardown)
	const struct CMUnitTest tests[] = {
		HELD(test_demo),
		HELD(test_basic),
		HELD(test_sandbox_show),
		HELD(test_bad_shows),
		HELD(test_go_queued_at_load),
		HELD(test_handlers),
		HELD(test_timers),
		HELD(test_error_ring_bounded),
		HELD(test_limit_commands),
		HELD(test_limit_sends),
		HELD(test_limit_log),
		HELD(test_handler_adds_handlers),
		HELD(test_video),
		HELD(test_video_lua),
		HELD(test_timer_order_and_rate),
		HELD(test_limit_load_log),
		HELD(test_big_shows),
		HELD(test_hangs),
		HELD(test_escapes),
		HELD(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
