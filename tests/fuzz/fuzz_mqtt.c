/*
 * fuzz_mqtt.c - libFuzzer target: an MQTT message from the broker through
 * the adapter's pure path - payload reading (bare or JSON), the cmd/
 * dispatch (mqtt_dispatch) - into a real engine, plus the --mqtt URL
 * parser and the topic-level and slug makers on the same bytes.
 *
 * Input: one flags byte (bit 0: retained, bit 1: Home Assistant discovery
 * on), then the topic, a NUL, and the payload (the rest; it may hold NULs).
 * Invariants checked: a dropped message yields no command; a retained one
 * under cmd/ yields nothing but its drop; every command the dispatch yields
 * is one the engine accepts (never GL_EINVAL); topic levels and slugs stay
 * within their buffers, hold no '/', '+' or '#', and are UTF-8.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "fuzz_engine.h"
#include "outputs/control/mqtt/mqtt_dispatch.h"
#include "outputs/control/mqtt/mqtt_wire.h"

#define BASE "gl/fuzz"

static uint64_t fake_now;

static void check_level(const char *text, size_t cap)
{
	size_t n = strlen(text);

	if (n == 0 || n >= cap || strpbrk(text, "/+#") ||
	    mosquitto_validate_utf8(text, (int)n) != MOSQ_ERR_SUCCESS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gl_engine *e = fuzz_engine();
	struct mqtt_dispatch_result r;
	static char topic[MQTT_TOPIC_MAX];
	bool retained, discovery;
	size_t n;

	if (size < 1)
		return 0;
	retained = data[0] & 1;
	discovery = data[0] & 2;
	data++;
	size--;
	const uint8_t *nul = memchr(data, '\0', size);
	n = nul ? (size_t)(nul - data) : size;
	if (n >= sizeof topic)
		n = sizeof topic - 1;
	memcpy(topic, data, n);
	topic[n] = '\0';
	const uint8_t *payload = nul ? nul + 1 : data + size;
	size_t len = (size_t)(data + size - payload);

	mqtt_dispatch(e, BASE, discovery ? "homeassistant" : NULL, topic, payload, len, retained, &r);
	if (r.drop != GL_CONTROL_DROP_NONE && (r.cmd_count != 0 || r.refresh || r.ha_online))
		abort();
	if (r.cmd_count < 0 || r.cmd_count > MQTT_DISPATCH_CMDS_MAX)
		abort();
	if (retained && strncmp(topic, BASE "/cmd", strlen(BASE "/cmd")) == 0 &&
	    (r.cmd_count || r.refresh))
		abort();
	if (r.unmatched && (r.cmd_count || r.drop != GL_CONTROL_DROP_NONE))
		abort();
	for (int i = 0; i < r.cmd_count; i++)
		if (gl_engine_command(e, &r.cmds[i]) == GL_EINVAL)
			abort();
	fake_now += 22727272;
	gl_engine_tick(e, fake_now);

	struct mqtt_value v;
	char why[160];
	mqtt_value_parse(payload, len, &v, why, sizeof why);
	if (v.kind == MQTT_V_WORD && strlen(v.word) >= sizeof v.word)
		abort();

	struct mqtt_url u;
	mqtt_url_parse(topic, &u, why, sizeof why);

	char level[GL_NAME_MAX], slug[GL_NAME_MAX];
	mqtt_topic_level(topic, level, sizeof level);
	check_level(level, sizeof level);
	mqtt_slug(topic, slug, sizeof slug);
	check_level(slug, sizeof slug);
	for (const char *p = slug; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			abort();
	return 0;
}
