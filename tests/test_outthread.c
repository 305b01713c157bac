/*
 * test_outthread.c - the output path keeps going when an output fails: a
 * failing output is retried every frame while a good one keeps receiving;
 * an output whose open fails is reopened later; an output stuck inside
 * send() stalls only the output thread, never the engine thread's ticks.
 * Real engine thread and real output thread; fake outputs (test doubles of
 * the gl_output_ops interface). Waits are bounded, never timed assertions.
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

struct gl_output {
	struct gl_output_status st;   /* first, as output.h asks */
	int opens_to_fail;       /* open() fails this many times first */
	bool fail_send;
	sem_t *block;            /* send() waits on it when set */
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
	if (o->block)
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

static struct gl_engine *engine(void)
{
	struct gl_engine_config cfg = { .rate_hz = 100 };
	struct gl_engine *e = gl_engine_create(&cfg);
	assert_int_equal(gl_engine_add_universe(e, 1), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	return e;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Asserts that cond comes true within 10 s (a bound, not a timing). */
#define ASSERT_EVENTUALLY(cond)                                  \
	do {                                                     \
		for (int i_ = 0; i_ < 1000 && !(cond); i_++)     \
			sleep_ms(10);                            \
		assert_true(cond);                               \
	} while (0)

static void test_failing_output_does_not_stop_others(void **state)
{
	struct gl_engine *e = engine();
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	struct gl_output bad = { .fail_send = true }, good = { 0 }, late = { .opens_to_fail = 1 };
	struct gl_outthread_output outs[] = {
		{ &fake_ops, &bad, NULL }, { &fake_ops, &good, NULL }, { &fake_ops, &late, NULL },
	};
	char err[128];
	struct gl_outthread *ot = gl_outthread_start(tap, outs, 3, err, sizeof err);
	assert_non_null(ot);
	assert_int_equal(gl_engine_start(e), 0);

	ASSERT_EVENTUALLY(atomic_load(&good.frames_ok) >= 20);
	ASSERT_EVENTUALLY(atomic_load(&bad.sends) >= 20);  /* retried every frame */
	assert_true(bad.st.send_errors >= 20);
	/* the output whose first open failed was opened again and now sends */
	ASSERT_EVENTUALLY(atomic_load(&late.frames_ok) >= 5);
	assert_int_equal(atomic_load(&late.opens), 2);

	gl_engine_stop(e);
	gl_outthread_stop(ot);
	gl_engine_destroy(e);
}

static void test_stuck_output_does_not_stall_engine(void **state)
{
	struct gl_engine *e = engine();
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	sem_t block;
	sem_init(&block, 0, 0);
	struct gl_output stuck = { .block = &block };
	struct gl_outthread_output outs[] = { { &fake_ops, &stuck, NULL } };
	char err[128];
	struct gl_outthread *ot = gl_outthread_start(tap, outs, 1, err, sizeof err);
	assert_non_null(ot);
	assert_int_equal(gl_engine_start(e), 0);

	/* the output thread is now inside send(), blocked */
	ASSERT_EVENTUALLY(atomic_load(&stuck.sends) == 1);
	struct gl_snapshot s0 = { 0 }, s1 = { 0 };
	ASSERT_EVENTUALLY(gl_engine_snapshot(e, &s0) == 0);
	/* the engine keeps ticking meanwhile */
	ASSERT_EVENTUALLY(gl_engine_snapshot(e, &s1) == 0 && s1.tick >= s0.tick + 50);
	assert_int_equal(atomic_load(&stuck.sends), 1);

	/* released, the output gets the newest frame, not a backlog */
	sem_post(&block);
	ASSERT_EVENTUALLY(atomic_load(&stuck.sends) >= 2);
	sem_post(&block);
	ASSERT_EVENTUALLY(atomic_load(&stuck.frames_ok) >= 2);
	struct gl_snapshot s2 = { 0 };
	gl_engine_snapshot(e, &s2);
	assert_true(atomic_load(&stuck.last_tick) + 10 >= s1.tick);
	for (int i = 0; i < 1000; i++)
		sem_post(&block); /* let it run freely to the end */
	gl_engine_stop(e);
	gl_outthread_stop(ot);
	gl_engine_destroy(e);
	sem_destroy(&block);
}

/* After a stretch of skipped ticks (a load, a stall) the output thread must
 * go back to taking every frame: it predicts the next frame from the
 * engine's period, not from the gap it last saw. The test drives the tick
 * itself on the real clock at 100 Hz; the bug it guards against took one
 * frame in 13. */
static void test_every_frame_after_skipped_ticks(void **state)
{
	struct gl_engine *e = engine();
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	struct gl_output good = { 0 };
	struct gl_outthread_output outs[] = { { &fake_ops, &good, NULL } };
	char err[128];
	struct gl_outthread *ot = gl_outthread_start(tap, outs, 1, err, sizeof err);
	assert_non_null(ot);
	uint64_t period = gl_engine_period_ns(e);
	uint64_t t = gl_now_ns();
	gl_engine_tick(e, t);
	ASSERT_EVENTUALLY(atomic_load(&good.frames_ok) == 1);
	t += 13 * period;                       /* twelve ticks skipped */
	for (int i = 0; i < 40; i++, t += period) {
		uint64_t now = gl_now_ns();
		if (t > now)
			sleep_ms((int)((t - now) / 1000000));
		gl_engine_tick(e, t);
	}
	sleep_ms(50);
	int got = atomic_load(&good.frames_ok) - 1;
	print_message("frames taken after the skip: %d of 40\n", got);
	assert_true(got >= 20);
	gl_outthread_stop(ot);
	gl_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failing_output_does_not_stop_others),
		cmocka_unit_test(test_stuck_output_does_not_stall_engine),
		cmocka_unit_test(test_every_frame_after_skipped_ticks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
