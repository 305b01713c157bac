/*
 * mqtt_dispatch.h - one incoming MQTT message (topic, payload, retain flag)
 * to engine commands, an adapter action (refresh, Home Assistant came
 * online), a message for the show's on_mqtt handlers, or a counted reason
 * to drop it. Pure: reads the engine's frozen show shape (names, numbers),
 * sends nothing, no system calls; the fuzz target drives it directly.
 * Control thread (or a test).
 *
 * Commands live under <base>/cmd/ (see the README's MQTT section):
 *   go[/<list>], back[/<list>], stop[/<list>], pause[/<list>],
 *   resume[/<list>], goto/<list>, fader/<n>, gm, blackout, panic, refresh.
 * <list> is a cue list's name, its name as a topic level (mqtt_topic_level)
 * or its 1-based number. A retained message under cmd/ is never acted on:
 * it is what a broker replays on subscribe, and a stale GO must not fire.
 * Nor is an empty payload: it is how a retained message is cleared, and the
 * broker hands it to every subscriber as if it were new.
 */
#ifndef GL_MQTT_DISPATCH_H
#define GL_MQTT_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "mqtt_wire.h"

#define MQTT_DISPATCH_CMDS_MAX 4

struct mqtt_dispatch_result {
	int cmd_count;
	struct gl_cmd cmds[MQTT_DISPATCH_CMDS_MAX];
	bool ignored;            /* a release (0 / false / off on a trigger) */
	bool refresh;            /* cmd/refresh: publish every state again */
	bool panic;              /* cmd/panic: the adapter fades the audio out too */
	bool ha_online;          /* <discovery prefix>/status said online */
	bool unmatched;          /* not ours: for the show's on_mqtt handlers */
	enum gl_control_drop drop; /* GL_CONTROL_DROP_NONE when accepted */
	char why[160];           /* the drop, in words */
};

/* base: our topics' base; ha_prefix: the discovery prefix, or NULL when
 * discovery is off. Fills *r. Never fails: a rejected message has r->drop
 * set and no commands. */
void mqtt_dispatch(const struct gl_engine *e, const char *base, const char *ha_prefix,
		   const char *topic, const void *payload, size_t len, bool retained,
		   struct mqtt_dispatch_result *r);

#endif
