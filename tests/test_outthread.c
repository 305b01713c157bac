/*
 * test_outthread.c - the output path keeps going when an output fails: a
 * failing output is retried every frame while a good one keeps receiving;
 * an output whose open fails is reopened later; an output stuck inside
 * send() stalls only the output thread, never the engine thread's ticks.
 * Real engine thread and real output thread; fake outputs (test doubles of
 * the gl_output_ops interface). Waits are bounded, never timed assertions.
 * Everything a test starts lives in its state (struct run), never on the
 * test's stack, and teardown stops it: a test that fails half-way leaves
 * no thread running into the next one.
 */
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "outputs/dmx/outthread.h"
#include "tools/out_test.h"

struct gl_output {
	struct gl_output_status st;   /* first, as output.h asks */
	int opens_to_fail;       /* open() fails this many times first */
	bool fail_send;
	sem_t *block;            /* send() waits on it when set... */
	atomic_bool *released;   /* ...until this is set (teardown) */
	atomic_int opens, sends, frames_ok;
	atomic_uint_fast64_t last_tick;
};

static int fake_open(struct gl_output *o)
{
	atomic_fetch_add(&o->opens, 1);
	if (o->opens_to_fail > 0) {
		o->opens_to_fail--;
		gl_report_set(&o->st.error, 0, "no device");
		return GL_EIO;
	}
	return 0;
}

static int fake_send(struct gl_output *o, const struct gl_frame *fr, uint64_t now)
{
	atomic_fetch_add(&o->sends, 1);
	if (o->block && !atomic_load(o->released))
		sem_wait(o->block);
	if (o->fail_send) {
		o->st.send_errors++;
		return GL_EIO;
	}
	atomic_store(&o->last_tick, fr->tick);
	atomic_fetch_add(&o->frames_ok, 1);
	return 0;
}

static void fake_close(struct gl_output *o)
{
}

static const struct gl_output_ops fake_ops = {
	.version = 1, .name = "fake", .open = fake_open, .send = fake_send,
	.close = fake_close,
};

/* What a test started, for teardown to stop: the engine (thread), the
 * output thread, and the fake outputs and semaphore they use. */
struct run {
	struct gl_engine *e;
	struct gl_outthread *ot;
	struct gl_output outs[3];
	sem_t block;
	bool block_made;
	atomic_bool released;
};

static int setup(void **state)
{
	struct run *r = calloc(1, sizeof *r);

	if (!r)
		return -1;
	for (int i = 0; i < 3; i++)
		r->outs[i].released = &r->released;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct run *r = *state;

	if (r->e)
		gl_engine_stop(r->e);
	if (r->block_made) {     /* a send still waiting: let it go */
		atomic_store(&r->released, true);
		sem_post(&r->block);
	}
	gl_outthread_stop(r->ot);
	if (r->e)
		gl_engine_destroy(r->e);
	if (r->block_made)
		sem_destroy(&r->block);
	free(r);
	return 0;
}

/* The run's engine: one universe at 100 Hz, not started. */
static struct gl_engine *engine(struct run *r)
{
	struct gl_engine_config cfg = { .rate_hz = 100 };

	r->e = gl_engine_create(&cfg);
	assert_non_null(r->e);
	assert_int_equal(gl_engine_add_universe(r->e, 1), 0);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	return r->e;
}

static void test_failing_output_does_not_stop_others(void **state)
{
	struct run *r = *state;
	struct gl_engine *e = engine(r);
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	struct gl_output *bad = &r->outs[0], *good = &r->outs[1], *late = &r->outs[2];
	struct gl_outthread_output outs[] = {
		{ &fake_ops, bad, NULL }, { &fake_ops, good, NULL }, { &fake_ops, late, NULL },
	};
	char err[128];

	bad->fail_send = true;
	late->opens_to_fail = 1;
	r->ot = gl_outthread_start(tap, outs, 3, err, sizeof err);
	assert_non_null(r->ot);
	assert_int_equal(gl_engine_start(e), 0);

	OUT_TEST_EVENTUALLY(atomic_load(&good->frames_ok) >= 20);
	OUT_TEST_EVENTUALLY(atomic_load(&bad->sends) >= 20);  /* retried every frame */
	assert_true(bad->st.send_errors >= 20);
	/* the output whose first open failed was opened again and now sends */
	OUT_TEST_EVENTUALLY(atomic_load(&late->frames_ok) >= 5);
	assert_int_equal(atomic_load(&late->opens), 2);
}

static void test_stuck_output_does_not_stall_engine(void **state)
{
	struct run *r = *state;
	struct gl_engine *e = engine(r);
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	sem_t *block = &r->block;
	struct gl_output *stuck = &r->outs[0];
	struct gl_outthread_output outs[] = { { &fake_ops, stuck, NULL } };
	char err[128];

	assert_int_equal(sem_init(block, 0, 0), 0);
	r->block_made = true;
	stuck->block = block;
	r->ot = gl_outthread_start(tap, outs, 1, err, sizeof err);
	assert_non_null(r->ot);
	assert_int_equal(gl_engine_start(e), 0);

	/* the output thread is now inside send(), blocked */
	OUT_TEST_EVENTUALLY(atomic_load(&stuck->sends) == 1);
	struct gl_snapshot s0 = { 0 }, s1 = { 0 };
	OUT_TEST_EVENTUALLY(gl_engine_snapshot(e, &s0) == 0);
	/* the engine keeps ticking meanwhile */
	OUT_TEST_EVENTUALLY(gl_engine_snapshot(e, &s1) == 0 && s1.tick >= s0.tick + 50);
	assert_int_equal(atomic_load(&stuck->sends), 1);

	/* released, the output gets the newest frame, not a backlog */
	sem_post(block);
	OUT_TEST_EVENTUALLY(atomic_load(&stuck->sends) >= 2);
	sem_post(block);
	OUT_TEST_EVENTUALLY(atomic_load(&stuck->frames_ok) >= 2);
	struct gl_snapshot s2 = { 0 };
	gl_engine_snapshot(e, &s2);
	assert_true(atomic_load(&stuck->last_tick) + 10 >= s1.tick);
}

/* After a stretch of skipped ticks (a load, a stall) the output thread must
 * go back to taking every frame: it predicts the next frame from the
 * engine's period, not from the gap it last saw. The test drives the tick
 * itself on the real clock at 100 Hz; the bug it guards against took one
 * frame in 13. */
static void test_every_frame_after_skipped_ticks(void **state)
{
	struct run *r = *state;
	struct gl_engine *e = engine(r);
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	struct gl_output *good = &r->outs[0];
	struct gl_outthread_output outs[] = { { &fake_ops, good, NULL } };
	char err[128];

	r->ot = gl_outthread_start(tap, outs, 1, err, sizeof err);
	assert_non_null(r->ot);
	uint64_t period = gl_engine_period_ns(e);
	uint64_t t = gl_now_ns();
	gl_engine_tick(e, t);
	OUT_TEST_EVENTUALLY(atomic_load(&good->frames_ok) == 1);
	t += 13 * period;                       /* twelve ticks skipped */
	for (int i = 0; i < 40; i++, t += period) {
		uint64_t now = gl_now_ns();
		if (t > now)
			out_test_sleep_ms((int)((t - now) / 1000000));
		gl_engine_tick(e, t);
	}
	out_test_sleep_ms(50);
	int got = atomic_load(&good->frames_ok) - 1;
	print_message("frames taken after the skip: %d of 40\n", got);
	assert_true(got >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failing_output_does_not_stop_others, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stuck_output_does_not_stall_engine, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_every_frame_after_skipped_ticks, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
