/*
 * fuzz_osc.c - libFuzzer target: an OSC packet from the network through the
 * adapter's pure path - bundle walking (osc_wire_walk), liblo's message
 * decoder, the /gl dispatch (osc_dispatch) - into a real engine, plus the
 * TCP stream deframer and the pattern matcher on the same bytes.
 * Invariants checked: a dropped message yields no command; every command
 * the dispatch yields is one the engine accepts (never GL_EINVAL).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lo/lo.h>

#include "fuzz_engine.h"
#include "outputs/control/osc/osc_dispatch.h"
#include "outputs/control/osc/osc_wire.h"

static uint64_t fake_now;

static int on_message(void *ud, uint64_t timetag, const uint8_t *msg, size_t len)
{
	struct gl_engine *e = ud;
	int result = 0;
	lo_message m = lo_message_deserialise((void *)msg, len, &result);
	struct gl_ctl_arg args[GL_CTL_ARGS_MAX];
	struct osc_dispatch_result r;

	(void)timetag;
	if (!m)
		return 0;
	const char *types = lo_message_get_types(m);
	lo_arg **argv = lo_message_get_argv(m);
	int argc = lo_message_get_argc(m);
	if (argc > GL_CTL_ARGS_MAX)
		argc = GL_CTL_ARGS_MAX;
	for (int i = 0; i < argc; i++) {
		memset(&args[i], 0, sizeof args[i]);
		args[i].type = types[i];
		switch (types[i]) {
		/* lo_arg pointers are only 4-aligned: copy bytes */
		case 'i': { int32_t v; memcpy(&v, argv[i], sizeof v); args[i].i = v; break; }
		case 'h': { int64_t v; memcpy(&v, argv[i], sizeof v); args[i].i = v; break; }
		case 'f': { float v; memcpy(&v, argv[i], sizeof v); args[i].f = v; break; }
		case 'd': { double v; memcpy(&v, argv[i], sizeof v); args[i].f = v; break; }
		case 's': case 'S': args[i].s = (const char *)argv[i]; break;
		default: break;
		}
	}
	osc_dispatch(e, (const char *)msg, args, argc, &r);
	if (r.drop != GL_CONTROL_DROP_NONE && r.cmd_count != 0)
		abort();
	if (r.cmd_count < 0 || r.cmd_count > OSC_DISPATCH_CMDS_MAX)
		abort();
	for (int i = 0; i < r.cmd_count; i++) {
		if (gl_engine_command(e, &r.cmds[i]) == GL_EINVAL)
			abort();
	}
	fake_now += 22727272;
	gl_engine_tick(e, fake_now);
	lo_message_free(m);
	return 0;
}

static int on_packet(void *ud, const uint8_t *p, size_t len)
{
	(void)ud;
	if (len == 0 || len > 256)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gl_engine *e = fuzz_engine();
	const char *why;

	osc_wire_walk(data, size, on_message, e, &why);

	static uint8_t buf[256];
	struct osc_stream st;
	osc_stream_init(&st, buf, sizeof buf);
	osc_stream_feed(&st, data, size, on_packet, NULL);

	/* pattern vs address: the input split at its first NUL */
	char text[512];
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	const char *second = memchr(text, '\0', n) ? text + strlen(text) + 1 : "";
	if (second > text + n)
		second = "";
	osc_pattern_match(text, second);
	uint32_t net, mask;
	osc_cidr_parse(text, &net, &mask);
	return 0;
}
