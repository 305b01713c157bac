/*
 * test_engine_live.c - the engine's live state export and restore (the
 * "live state" block of engine/engine.h), driven by a fake clock: what is
 * published and when (only on a change), a show put back in a second
 * engine renders what the first one renders at the same instant (fades
 * mid-way, a paused list, BACK, faders, masters, programmer), LTP between
 * lists follows the order of their last GOs, nothing fires again, a long
 * outage fires one due follow and no more, and a state that does not fit
 * the show is refused whole.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "tools/show_test.h"

#define S(x) ((uint64_t)((x) * 1e9))

/* Two dimmers, a mover (pan, tilt, intensity), two lists, a group fader,
 * a list fader and an external one (the audio master's kind). */
struct rig {
	struct gl_engine *e;
	int dim[2], mover, list, fx, group;
};

static struct gl_fixture_type type_of(const char *name, const enum gl_attr *attrs, int n)
{
	struct gl_fixture_type t = { .channel_count = n, .pan_range_deg = 540,
				     .tilt_range_deg = 270 };
	snprintf(t.name, sizeof t.name, "%s", name);
	for (int i = 0; i < n; i++)
		t.channels[i] = (struct gl_channel){ .attr = attrs[i], .bytes = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

static int param(struct rig *r, int fixture, enum gl_attr a)
{
	return gl_engine_param(r->e, fixture, a);
}

static void add_cue(struct rig *r, int list, double number, double fade,
		    enum gl_continue cont, double wait, const struct gl_cue_change *ch, int n)
{
	struct gl_cue_def d = cue_def(number, fade, ch, n);
	d.continue_mode = cont;
	d.wait_s = wait;
	assert_true(gl_engine_add_cue(r->e, list, &d) >= 0);
}

/* The same show every time: a test builds two engines from it. */
static void rig_init(struct rig *r, bool follow)
{
	static const enum gl_attr dim_attrs[] = { GL_ATTR_INTENSITY };
	static const enum gl_attr mover_attrs[] = { GL_ATTR_PAN, GL_ATTR_TILT, GL_ATTR_INTENSITY };
	struct gl_engine_config cfg = { .rate_hz = 40, .back_time_s = 2 };
	r->e = gl_engine_create(&cfg);
	assert_non_null(r->e);
	struct gl_fixture_type d = type_of("dimmer", dim_attrs, 1);
	struct gl_fixture_type m = type_of("mover", mover_attrs, 3);
	r->dim[0] = gl_engine_add_fixture(r->e, &d, "dim 1", 1, 1, NULL);
	r->dim[1] = gl_engine_add_fixture(r->e, &d, "dim 2", 1, 2, NULL);
	r->mover = gl_engine_add_fixture(r->e, &m, "mover", 2, 1, NULL);
	r->group = gl_engine_add_group(r->e, "dims", r->dim, 2);
	r->list = gl_engine_add_cuelist(r->e, "Main", false);
	r->fx = gl_engine_add_cuelist(r->e, "FX", true);
	int d0 = param(r, r->dim[0], GL_ATTR_INTENSITY), d1 = param(r, r->dim[1], GL_ATTR_INTENSITY);
	int pan = param(r, r->mover, GL_ATTR_PAN), mi = param(r, r->mover, GL_ATTR_INTENSITY);
	struct gl_cue_change c1[] = { { d0, 1.0f }, { pan, 0.2f }, { mi, 0.5f } };
	struct gl_cue_change c2[] = { { d0, 0.2f }, { d1, 0.8f }, { pan, 0.6f } };
	struct gl_cue_change c3[] = { { d1, 0.1f }, { pan, 0.9f } };
	enum gl_continue cont = follow ? GL_CONTINUE_FOLLOW : GL_CONTINUE_MANUAL;
	add_cue(r, r->list, 1, 2.0, cont, 1.0, c1, 3);
	add_cue(r, r->list, 2, 4.0, cont, 1.0, c2, 3);
	add_cue(r, r->list, 3, 4.0, cont, 1.0, c3, 2);
	struct gl_cue_change f1[] = { { pan, 0.4f }, { mi, 1.0f } };
	struct gl_cue_change f2[] = { { pan, 0.7f } };
	add_cue(r, r->fx, 1, 1.0, GL_CONTINUE_MANUAL, 0, f1, 2);
	add_cue(r, r->fx, 2, 3.0, GL_CONTINUE_MANUAL, 0, f2, 1);
	assert_int_equal(gl_engine_add_fader(r->e, 1, GL_FADER_GROUP, r->group, "Dims", 1.0f), 0);
	assert_int_equal(gl_engine_add_fader(r->e, 2, GL_FADER_CUELIST, r->fx, "FX", 1.0f), 0);
	assert_int_equal(gl_engine_add_fader(r->e, 3, GL_FADER_EXTERNAL, 0, "Sound", 1.0f), 0);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	assert_int_equal(gl_engine_live_enable(r->e), 0);
}

static void cmd(struct rig *r, enum gl_cmd_type type, int list, int index, float value)
{
	struct gl_cmd c = { type, list, index, value };
	assert_int_equal(gl_engine_command(r->e, &c), 0);
}

/* A state with room for r's show. */
struct live {
	struct gl_live_state st;
	struct gl_live_list lists[2];
	float faders[3];
	struct gl_live_param params[16];
};

static void live_init(struct live *l)
{
	memset(l, 0, sizeof *l);
	l->st.lists = l->lists;
	l->st.fader_levels = l->faders;
	l->st.params = l->params;
}

static void drain(struct rig *r, int *fired)
{
	struct gl_event ev;
	while (gl_engine_next_event(r->e, &ev))
		if (ev.type == GL_EV_CUE_FIRED && fired)
			(*fired)++;
}

/* The state as of `now` instead of its at_ns: running fades went on. */
static void advance(struct live *l, uint64_t now)
{
	for (int i = 0; i < l->st.list_count; i++)
		if (l->st.lists[i].state == GL_LIST_RUNNING)
			l->st.lists[i].elapsed_ns += now - l->st.at_ns;
	l->st.at_ns = now;
}

static void assert_same_output(struct rig *a, struct rig *b)
{
	for (int p = 0; p < gl_engine_param_count(a->e); p++)
		assert_float_equal(gl_engine_param_value(a->e, p), gl_engine_param_value(b->e, p), 1e-5);
	for (int u = 0; u < 2; u++)
		assert_memory_equal(gl_engine_dmx(a->e, u), gl_engine_dmx(b->e, u), GL_DMX_SLOTS);
}

/* b: a fresh engine of the same show with l's state put back, ticked
 * first at t (b's own clock). */
static void restore_into(struct rig *b, bool follow, const struct live *l, uint64_t t)
{
	rig_init(b, follow);
	assert_int_equal(gl_engine_restore(b->e, &l->st), 0);
	gl_engine_tick(b->e, t);
}

static void test_published_on_change_only(void **state)
{
	struct rig r;
	struct live l;
	rig_init(&r, false);
	live_init(&l);
	gl_engine_tick(r.e, S(10));
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 1);   /* where it starts */
	assert_int_equal(l.st.lists[0].state, GL_LIST_OFF);
	assert_int_equal(l.st.lists[0].active, -1);
	uint64_t changes = l.st.changes;
	for (int i = 1; i <= 5; i++)
		gl_engine_tick(r.e, S(10) + S(0.025) * (uint64_t)i);
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 0);   /* plain ticks: nothing */

	cmd(&r, GL_CMD_GO, r.list, 0, 0);
	cmd(&r, GL_CMD_FADER, -1, 1, 0.5f);
	cmd(&r, GL_CMD_GRAND_MASTER, -1, 0, 0.75f);
	cmd(&r, GL_CMD_SET_PARAM, -1, param(&r, r.mover, GL_ATTR_TILT), 0.3f);
	gl_engine_tick(r.e, S(11));
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 1);
	assert_true(l.st.changes > changes);
	assert_int_equal(l.st.at_ns, S(11));
	assert_int_equal(l.st.lists[0].state, GL_LIST_RUNNING);
	assert_int_equal(l.st.lists[0].active, 0);
	assert_int_equal(l.st.lists[0].from, -1);
	assert_int_equal(l.st.lists[0].elapsed_ns, 0);
	assert_float_equal(l.st.fader_levels[0], 0.5f, 0);
	assert_float_equal(l.st.grand_master, 0.75f, 0);
	assert_int_equal(l.st.param_count, 1);
	assert_int_equal(l.st.params[0].param, param(&r, r.mover, GL_ATTR_TILT));
	assert_float_equal(l.st.params[0].value, 0.3f, 0);
	/* a fade running is no change: its position follows from elapsed */
	gl_engine_tick(r.e, S(12));
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 0);

	/* GO to cue 2, then pause: from cue 1, elapsed frozen */
	cmd(&r, GL_CMD_GO, r.list, 0, 0);
	gl_engine_tick(r.e, S(13));
	cmd(&r, GL_CMD_PAUSE, r.list, 0, 0);
	gl_engine_tick(r.e, S(14));
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 1);
	assert_int_equal(l.st.lists[0].state, GL_LIST_PAUSED);
	assert_int_equal(l.st.lists[0].active, 1);
	assert_int_equal(l.st.lists[0].from, 0);
	assert_int_equal(l.st.lists[0].elapsed_ns, S(1));
	/* STOP: exported off (no release time) */
	cmd(&r, GL_CMD_STOP, r.list, 0, 0);
	cmd(&r, GL_CMD_CLEAR_PARAM, -1, -1, 0);
	gl_engine_tick(r.e, S(15));
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 1);
	assert_int_equal(l.st.lists[0].state, GL_LIST_OFF);
	assert_int_equal(l.st.lists[0].active, -1);
	assert_int_equal(l.st.param_count, 0);
	gl_engine_destroy(r.e);
}

/* Engine a plays; its exported state is put back into a fresh engine b,
 * whose first frame must equal a's at the same instant. */
static void test_restore_renders_the_same(void **state)
{
	struct rig a, b;
	struct live l;
	rig_init(&a, false);
	live_init(&l);
	uint64_t t = S(100);
	gl_engine_tick(a.e, t);
	cmd(&a, GL_CMD_GO, a.list, 0, 0);           /* cue 1 (2 s fade) */
	gl_engine_tick(a.e, t += S(0.025));
	gl_engine_tick(a.e, t += S(3));             /* done */
	cmd(&a, GL_CMD_GO, a.fx, 0, 0);             /* FX 1 over pan */
	gl_engine_tick(a.e, t += S(2));
	cmd(&a, GL_CMD_GO, a.list, 0, 0);           /* cue 2 (4 s), takes pan back */
	cmd(&a, GL_CMD_FADER, -1, 1, 0.6f);
	cmd(&a, GL_CMD_FADER, -1, 2, 0.9f);
	cmd(&a, GL_CMD_BLACKOUT, -1, 0, 0);
	cmd(&a, GL_CMD_SET_PARAM, -1, param(&a, a.mover, GL_ATTR_TILT), 0.8f);
	gl_engine_tick(a.e, t += S(0.025));
	gl_engine_tick(a.e, t += S(1.5));           /* cue 2 mid-fade */
	cmd(&a, GL_CMD_GO, a.fx, 0, 0);             /* FX 2 (3 s), then paused */
	gl_engine_tick(a.e, t += S(0.025));
	gl_engine_tick(a.e, t += S(1));
	cmd(&a, GL_CMD_PAUSE, a.fx, 0, 0);
	gl_engine_tick(a.e, t += S(0.025));
	assert_int_equal(gl_engine_live_read(a.e, &l.st), 1);   /* the newest */
	assert_int_equal(l.st.lists[0].active, 1);
	assert_int_equal(l.st.lists[0].from, 0);
	assert_int_equal(l.st.lists[1].state, GL_LIST_PAUSED);
	assert_int_equal(l.st.lists[1].active, 1);
	assert_true(l.st.lists[1].go_order > l.st.lists[0].go_order);

	/* a goes on 0.7 s; b is started then, told that much more has passed */
	uint64_t later = t + S(0.7);
	gl_engine_tick(a.e, later);
	advance(&l, later);
	restore_into(&b, false, &l, S(5000));       /* any clock: b's own */
	int fired = 0;
	drain(&b, &fired);
	assert_int_equal(fired, 0);                 /* nothing fires again */
	assert_same_output(&a, &b);
	/* and they go on alike: cue 2's fade, FX still paused */
	gl_engine_tick(a.e, later + S(1));
	gl_engine_tick(b.e, S(5001));
	assert_same_output(&a, &b);
	cmd(&a, GL_CMD_RESUME, -1, 0, 0);
	cmd(&b, GL_CMD_RESUME, -1, 0, 0);
	gl_engine_tick(a.e, later + S(2));
	gl_engine_tick(b.e, S(5002));
	assert_same_output(&a, &b);
	/* b publishes what it put back, as its first state */
	struct live lb;
	live_init(&lb);
	assert_int_equal(gl_engine_live_read(b.e, &lb.st), 1);
	assert_int_equal(lb.st.lists[0].active, 1);
	assert_int_equal(lb.st.param_count, 1);
	gl_engine_destroy(a.e);
	gl_engine_destroy(b.e);
}

/* Both lists hold the mover's pan: the one GOne last shows it, before and
 * after a restore, whichever list index that is. */
static void test_ltp_follows_go_order(void **state)
{
	for (int order = 0; order < 2; order++) {
		struct rig a, b;
		struct live l;
		rig_init(&a, false);
		live_init(&l);
		int first = order ? a.fx : a.list, second = order ? a.list : a.fx;
		gl_engine_tick(a.e, S(1));
		cmd(&a, GL_CMD_GO, first, 0, 0);
		gl_engine_tick(a.e, S(2));
		cmd(&a, GL_CMD_GO, second, 0, 0);
		gl_engine_tick(a.e, S(3));
		gl_engine_tick(a.e, S(10));
		assert_int_equal(gl_engine_live_read(a.e, &l.st), 1);
		advance(&l, S(10));
		float pan = gl_engine_param_value(a.e, param(&a, a.mover, GL_ATTR_PAN));
		assert_float_equal(pan, order ? 0.2f : 0.4f, 1e-6);
		restore_into(&b, false, &l, S(50));
		assert_same_output(&a, &b);
		gl_engine_destroy(a.e);
		gl_engine_destroy(b.e);
	}
}

/* A follow that fell due while the show was down fires once, at the first
 * tick, from the cue it was on: never a run of them. */
static void test_long_outage_fires_one_follow(void **state)
{
	struct rig r;
	struct live l;
	rig_init(&r, true);
	live_init(&l);
	gl_engine_tick(r.e, S(1));
	l.st.list_count = 2;
	l.st.fader_count = 3;
	l.st.grand_master = 1;
	l.faders[0] = l.faders[1] = l.faders[2] = 1;
	l.lists[0] = (struct gl_live_list){ GL_LIST_RUNNING, 0, -1, false, 1, S(3600), 1.0f };
	l.lists[1] = (struct gl_live_list){ GL_LIST_OFF, -1, -1, false, 0, 0, 1.0f };
	struct rig b;
	restore_into(&b, true, &l, S(30));          /* booted 30 s ago, an hour off */
	int fired = 0;
	drain(&b, &fired);
	assert_int_equal(fired, 1);                 /* cue 2, once */
	struct live now;
	live_init(&now);
	assert_int_equal(gl_engine_live_read(b.e, &now.st), 1);
	assert_int_equal(now.st.lists[0].active, 1);
	assert_int_equal(now.st.lists[0].from, 0);
	/* cue 1's look was complete when cue 2 took over */
	assert_float_equal(gl_engine_param_value(b.e, param(&b, b.dim[0], GL_ATTR_INTENSITY)), 1.0f,
			   1e-6);
	gl_engine_destroy(r.e);
	gl_engine_destroy(b.e);
}

/* An external fader's level comes back as its own and masters nothing:
 * list masters stay what the state says. */
static void test_external_fader_restored_alone(void **state)
{
	struct rig a, b;
	struct live l, lb;
	rig_init(&a, false);
	live_init(&l);
	live_init(&lb);
	gl_engine_tick(a.e, S(1));
	cmd(&a, GL_CMD_FADER, -1, 3, 0.3f);
	gl_engine_tick(a.e, S(1.025));
	assert_int_equal(gl_engine_live_read(a.e, &l.st), 1);
	assert_float_equal(l.st.fader_levels[2], 0.3f, 1e-6);
	restore_into(&b, false, &l, S(7));
	assert_int_equal(gl_engine_live_read(b.e, &lb.st), 1);
	assert_float_equal(lb.st.fader_levels[2], 0.3f, 1e-6);
	for (int i = 0; i < 2; i++)
		assert_float_equal(lb.st.lists[i].master, 1.0f, 1e-6);
	assert_same_output(&a, &b);
	gl_engine_destroy(a.e);
	gl_engine_destroy(b.e);
}

static void test_restore_refuses_what_does_not_fit(void **state)
{
	struct rig r;
	struct live l;
	rig_init(&r, false);
	live_init(&l);
	gl_engine_tick(r.e, S(1));
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 1);
	struct live bad = l;
	bad.st.lists = bad.lists;
	bad.st.fader_levels = bad.faders;
	bad.st.params = bad.params;

	bad.st.list_count = 1;
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);
	bad.st.list_count = 2;
	bad.lists[0] = (struct gl_live_list){ GL_LIST_RUNNING, 3, -1, false, 1, 0, 1.0f };
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);      /* no cue 4 */
	bad.lists[0] = (struct gl_live_list){ GL_LIST_RUNNING, -1, -1, false, 1, 0, 1.0f };
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);      /* running nothing */
	bad.lists[0] = (struct gl_live_list){ GL_LIST_RUNNING, 0, -1, false, 1, 0, NAN };
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);
	bad.lists[0] = l.lists[0];
	bad.faders[1] = 1.5f;
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);
	bad.faders[1] = 1.0f;
	bad.st.param_count = 1;
	bad.params[0] = (struct gl_live_param){ gl_engine_param_count(r.e), 0.5f };
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);
	bad.params[0] = (struct gl_live_param){ 0, -0.1f };
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);
	bad.st.param_count = 0;
	bad.st.grand_master = NAN;
	assert_int_equal(gl_engine_restore(r.e, &bad.st), GL_EINVAL);
	/* nothing was put back: the next tick changes nothing */
	gl_engine_tick(r.e, S(2));
	assert_int_equal(gl_engine_live_read(r.e, &l.st), 0);
	gl_engine_destroy(r.e);

	/* before finalize, and without the export, it says so */
	struct gl_engine *e = gl_engine_create(NULL);
	assert_int_equal(gl_engine_live_enable(e), GL_ESTATE);
	assert_int_equal(gl_engine_restore(e, &l.st), GL_ESTATE);
	gl_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_on_change_only),
		cmocka_unit_test(test_restore_renders_the_same),
		cmocka_unit_test(test_ltp_follows_go_order),
		cmocka_unit_test(test_long_outage_fires_one_follow),
		cmocka_unit_test(test_external_fader_restored_alone),
		cmocka_unit_test(test_restore_refuses_what_does_not_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
