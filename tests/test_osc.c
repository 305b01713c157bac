/*
 * test_osc.c - the OSC adapter's pure parts: pattern matching, bundle
 * walking and its limits, TCP stream framing (length prefix and SLIP, byte
 * for byte), CIDR text, and the /gl dispatch against a small engine
 * (commands produced, release ignored, drops with their reasons).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "outputs/control/osc/osc_dispatch.h"
#include "outputs/control/osc/osc_wire.h"

static void test_pattern(void **state)
{
	(void)state;
	assert_true(osc_pattern_match("/gl/go", "/gl/go"));
	assert_false(osc_pattern_match("/gl/go", "/gl/goo"));
	assert_true(osc_pattern_match("/gl/fader/*", "/gl/fader/12"));
	assert_false(osc_pattern_match("/gl/*", "/gl/fader/12"));   /* * stops at / */
	assert_true(osc_pattern_match("/gl/fader/[1-3]", "/gl/fader/2"));
	assert_false(osc_pattern_match("/gl/fader/[!1-3]", "/gl/fader/2"));
	assert_true(osc_pattern_match("/gl/{go,back}", "/gl/back"));
	assert_false(osc_pattern_match("/gl/{go,back}", "/gl/stop"));
	assert_true(osc_pattern_match("/gl/f?der/*1", "/gl/fader/11"));
	assert_false(osc_pattern_match("/gl/[", "/gl/x"));
	/* a pathological pattern stops within its step budget */
	assert_false(osc_pattern_match("/**************************************a", "/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
}

static int count_fn(void *ud, uint64_t tt, const uint8_t *msg, size_t len)
{
	(void)msg;
	(void)len;
	uint64_t *last = ud;
	last[0]++;
	last[1] = tt;
	return 0;
}

static size_t put_msg(uint8_t *out, const char *addr)
{
	size_t n = strlen(addr) + 1;
	memset(out, 0, 64);
	memcpy(out, addr, n);
	n = (n + 3) & ~(size_t)3;
	memcpy(out + n, ",\0\0\0", 4);
	return n + 4;
}

static size_t put_bundle(uint8_t *out, uint64_t tt, const uint8_t *el, size_t len)
{
	memmove(out + 20, el, len);     /* first: el may be out itself */
	memcpy(out, "#bundle", 8);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(tt >> (56 - 8 * i));
	out[16] = (uint8_t)(len >> 24);
	out[17] = (uint8_t)(len >> 16);
	out[18] = (uint8_t)(len >> 8);
	out[19] = (uint8_t)len;
	return len + 20;
}

static void test_walk(void **state)
{
	(void)state;
	uint8_t msg[64], pkt[4096], deep[4096];
	uint64_t seen[2] = { 0, 0 };
	const char *why;
	size_t n = put_msg(msg, "/gl/go");

	assert_int_equal(osc_wire_walk(msg, n, count_fn, seen, &why), 1);
	assert_int_equal(seen[1], OSC_TIMETAG_IMMEDIATE);
	size_t b = put_bundle(pkt, 0x1234ull << 32, msg, n);
	seen[0] = 0;
	assert_int_equal(osc_wire_walk(pkt, b, count_fn, seen, &why), 1);
	assert_int_equal(seen[1], 0x1234ull << 32);
	/* an element running past the end: nothing delivered */
	pkt[19] += 4;
	seen[0] = 0;
	assert_int_equal(osc_wire_walk(pkt, b, count_fn, seen, &why), GL_EINVAL);
	assert_int_equal(seen[0], 0);
	/* nested too deep */
	memcpy(deep, msg, n);
	size_t d = n;
	for (int i = 0; i < OSC_BUNDLE_DEPTH_MAX + 1; i++)
		d = put_bundle(deep, 1, deep, d);
	assert_int_equal(osc_wire_walk(deep, d, count_fn, seen, &why), GL_ERANGE);
	assert_int_equal(seen[0], 0);
	/* not 4-aligned */
	assert_int_equal(osc_wire_walk(msg, n - 1, count_fn, seen, &why), GL_EINVAL);
}

static int collect(void *ud, const uint8_t *p, size_t len)
{
	uint8_t *out = ud;
	out[0]++;
	memcpy(out + 1, p, len);
	return 0;
}

static void test_stream(void **state)
{
	(void)state;
	uint8_t msg[64], framed[256], buf[128], got[256];
	struct osc_stream st;
	size_t n = put_msg(msg, "/gl/go");

	/* SLIP, byte for byte: END, escapes, END */
	uint8_t esc_in[4] = { 0xC0, 0xDB, 1, 2 };
	uint8_t esc_out[] = { 0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 1, 2, 0xC0 };
	assert_int_equal(osc_frame_slip(framed, sizeof framed, esc_in, 4), 8);
	assert_memory_equal(framed, esc_out, 8);
	int f = osc_frame_slip(framed, sizeof framed, msg, n);
	osc_stream_init(&st, buf, sizeof buf);
	memset(got, 0, sizeof got);
	/* split delivery: one byte, then the rest */
	assert_int_equal(osc_stream_feed(&st, framed, 1, collect, got), 0);
	assert_int_equal(osc_stream_feed(&st, framed + 1, (size_t)f - 1, collect, got), 0);
	assert_int_equal(got[0], 1);
	assert_memory_equal(got + 1, msg, n);

	/* length prefix */
	f = osc_frame_length(framed, sizeof framed, msg, n);
	assert_int_equal(f, (int)n + 4);
	assert_int_equal(framed[3], n);
	osc_stream_init(&st, buf, sizeof buf);
	memset(got, 0, sizeof got);
	for (int i = 0; i < f; i++)
		assert_int_equal(osc_stream_feed(&st, framed + i, 1, collect, got), 0);
	assert_int_equal(got[0], 1);
	assert_memory_equal(got + 1, msg, n);
	/* an absurd prefix cannot be resynchronised */
	uint8_t bad[4] = { 0x00, 0x10, 0x00, 0x00 };
	osc_stream_init(&st, buf, sizeof buf);
	assert_int_equal(osc_stream_feed(&st, bad, 4, collect, got), GL_ERANGE);
}

static void test_cidr(void **state)
{
	(void)state;
	uint32_t net, mask;
	assert_int_equal(osc_cidr_parse("192.168.1.77/24", &net, &mask), 0);
	assert_int_equal(net, 0xC0A80100u);
	assert_int_equal(mask, 0xFFFFFF00u);
	assert_int_equal(osc_cidr_parse("10.0.0.1", &net, &mask), 0);
	assert_int_equal(mask, 0xFFFFFFFFu);
	assert_int_equal(osc_cidr_parse("0.0.0.0/0", &net, &mask), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(osc_cidr_parse("256.0.0.1", &net, &mask), GL_EINVAL);
	assert_int_equal(osc_cidr_parse("1.2.3.4/33", &net, &mask), GL_EINVAL);
	assert_int_equal(osc_cidr_parse("1.2.3", &net, &mask), GL_EINVAL);
}

static struct gl_engine *make_engine(void)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type dim = { .name = "dim", .channel_count = 1 };
	dim.channels[0].attr = GL_ATTR_INTENSITY;
	dim.channels[0].bytes = 1;
	assert_int_equal(gl_fixture_type_finish(&dim), 0);
	assert_true(gl_engine_add_fixture(e, &dim, "dim 1", 1, 1, NULL) >= 0);
	int g[1] = { 0 };
	gl_engine_add_group(e, "g", g, 1);
	for (int l = 0; l < 2; l++) {
		int id = gl_engine_add_cuelist(e, l ? "Fx" : "Main", false);
		for (int c = 0; c < 2; c++) {
			struct gl_cue_def def;
			gl_cue_def_init(&def);
			def.number = c + 1;
			snprintf(def.number_text, sizeof def.number_text, "%d", c + 1);
			assert_true(gl_engine_add_cue(e, id, &def) >= 0);
		}
	}
	for (int f = 1; f <= 3; f++)
		gl_engine_add_fader(e, f, GL_FADER_GROUP, 0, "f", 1.0f);
	assert_int_equal(gl_engine_finalize(e), 0);
	return e;
}

#define ARG_F(v) { .type = 'f', .f = (v) }
#define ARG_I(v) { .type = 'i', .i = (v) }
#define ARG_S(v) { .type = 's', .s = (v) }

static void test_dispatch(void **state)
{
	(void)state;
	struct gl_engine *e = make_engine();
	struct osc_dispatch_result r;

	osc_dispatch(e, "/gl/go", NULL, 0, &r);
	assert_int_equal(r.drop, OSC_DROP_NONE);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].type, GL_CMD_GO);
	assert_int_equal(r.cmds[0].list, 0);

	struct gl_ctl_arg release[1] = { ARG_F(0.0) };
	osc_dispatch(e, "/gl/go", release, 1, &r);         /* button release */
	assert_true(r.ignored);
	assert_int_equal(r.cmd_count, 0);
	assert_int_equal(r.drop, OSC_DROP_NONE);

	struct gl_ctl_arg list_cue[2] = { ARG_S("Fx"), ARG_I(2) };
	osc_dispatch(e, "/gl/go", list_cue, 2, &r);
	assert_int_equal(r.cmds[0].type, GL_CMD_GOTO);
	assert_int_equal(r.cmds[0].list, 1);
	assert_int_equal(r.cmds[0].index, 1);

	osc_dispatch(e, "/gl/cue/Fx/2/go", NULL, 0, &r);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].list, 1);

	struct gl_ctl_arg half[1] = { ARG_F(0.5) }, one_i[1] = { ARG_I(1) };
	osc_dispatch(e, "/gl/fader/*", half, 1, &r);        /* wildcard: 3 faders */
	assert_int_equal(r.cmd_count, 3);
	assert_int_equal(r.cmds[2].type, GL_CMD_FADER);
	assert_int_equal(r.cmds[2].index, 3);
	osc_dispatch(e, "/gl/gm", one_i, 1, &r);             /* int accepted */
	assert_int_equal(r.cmds[0].type, GL_CMD_GRAND_MASTER);
	assert_true(r.cmds[0].value == 1.0f);

	struct gl_ctl_arg big[1] = { ARG_F(1.5) }, word[1] = { ARG_S("x") };
	osc_dispatch(e, "/gl/fader/1", big, 1, &r);
	assert_int_equal(r.drop, OSC_DROP_RANGE);
	assert_int_equal(r.cmd_count, 0);
	osc_dispatch(e, "/gl/fader/1", word, 1, &r);
	assert_int_equal(r.drop, OSC_DROP_WRONG_TYPE);
	osc_dispatch(e, "/gl/fader/9", half, 1, &r);
	assert_int_equal(r.drop, OSC_DROP_NO_SUCH);
	osc_dispatch(e, "/gl/*", NULL, 0, &r);
	assert_int_equal(r.drop, OSC_DROP_AMBIGUOUS);
	osc_dispatch(e, "/gl/nope", NULL, 0, &r);
	assert_int_equal(r.drop, OSC_DROP_UNKNOWN_ADDRESS);
	osc_dispatch(e, "/gl/fixture/1/intensity", half, 1, &r);
	assert_int_equal(r.drop, OSC_DROP_NONE);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].type, GL_CMD_SET_PARAM);
	assert_int_equal(r.cmds[0].index, gl_engine_param(e, 0, GL_ATTR_INTENSITY));
	assert_float_equal(r.cmds[0].value, 0.5f, 1e-6);
	osc_dispatch(e, "/gl/fixture/1/pan", half, 1, &r);
	assert_int_equal(r.drop, OSC_DROP_NO_SUCH);
	osc_dispatch(e, "/gl/fixture/2/intensity", half, 1, &r);
	assert_int_equal(r.drop, OSC_DROP_NO_SUCH);
	osc_dispatch(e, "/gl/clear", NULL, 0, &r);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].type, GL_CMD_CLEAR_PARAM);
	assert_int_equal(r.cmds[0].index, -1);
	osc_dispatch(e, "/house/open", NULL, 0, &r);
	assert_true(r.unmatched);

	osc_dispatch(e, "/gl/panic", NULL, 0, &r);
	assert_int_equal(r.cmd_count, 2);
	assert_int_equal(r.cmds[0].type, GL_CMD_STOP);
	assert_int_equal(r.cmds[0].list, -1);
	assert_int_equal(r.cmds[1].type, GL_CMD_BLACKOUT);

	struct gl_ctl_arg port[1] = { ARG_I(9000) };
	osc_dispatch(e, "/gl/subscribe", port, 1, &r);
	assert_true(r.subscribe);
	assert_int_equal(r.subscribe_port, 9000);
	gl_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
