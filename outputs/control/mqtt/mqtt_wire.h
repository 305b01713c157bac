/*
 * mqtt_wire.h - the MQTT adapter's text, pure: the `--mqtt` URL, names as
 * topic levels, command payloads (a bare word or number, or JSON), and the
 * JSON ghostlight publishes (retained state, events, Home Assistant
 * discovery configs). No system calls and no connection state: the driver
 * (mqtt.c) and the fuzz target call it the same way. JSON through cJSON;
 * topic and UTF-8 checks through libmosquitto's pure helpers. Any thread.
 */
#ifndef GL_MQTT_WIRE_H
#define GL_MQTT_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "outputs/control/control.h"

#define MQTT_TOPIC_MAX 256         /* one topic or filter, bytes with the NUL */
#define MQTT_BASE_MAX 128          /* the base, bytes with the NUL */
#define MQTT_PAYLOAD_MAX 4096      /* a command payload; a longer one is dropped */
#define MQTT_WORD_MAX 64           /* a bare word ("on", "PRESS") */
#define MQTT_JSON_MAX 2048         /* one published JSON document */
#define MQTT_DEFAULT_PORT 1883
#define MQTT_DEFAULT_TLS_PORT 8883

/* ---- the command-line URL ------------------------------------------------------- */

/* mqtt://[user[:password]@]host[:port][/base] or mqtts://... (TLS with the
 * system's CAs). user and password may be %-encoded; IPv6 hosts in [...]. */
struct mqtt_url {
	bool tls;
	char host[256];
	int port;                  /* 0 = not given */
	char username[128];        /* "" = none */
	char password[128];
	bool has_password;
	char base[MQTT_BASE_MAX];  /* "" = not given */
};

/* Returns 0, or GL_EINVAL with what is wrong in why (never the password). */
int mqtt_url_parse(const char *url, struct mqtt_url *u, char *why, size_t why_len);

/* ---- names and topics ----------------------------------------------------------- */

/* "Main Stage!" -> "main-stage": lower-case letters, digits and single
 * dashes; "show" when nothing is left. For the default base and ids. */
void mqtt_slug(const char *name, char *out, size_t len);
/* A name as one topic level: '/', '+', '#', control characters and bytes
 * that are not UTF-8 become '_' (cue list "A/B" publishes under
 * state/list/A_B); a character that does not fit is left out whole. */
void mqtt_topic_level(const char *name, char *out, size_t len);
/* A base: a valid topic without wildcards, leading or trailing '/'.
 * Returns 0 or GL_EINVAL with why. */
int mqtt_base_check(const char *base, char *why, size_t why_len);
/* A topic to publish to (filter false: no wildcards) or a filter to
 * subscribe with (+ and # where MQTT allows them): UTF-8, 1 to
 * MQTT_TOPIC_MAX - 1 bytes. */
bool mqtt_topic_ok(const char *topic, bool filter);
/* Whether a message on topic reaches a subscription to filter. */
bool mqtt_filter_match(const char *filter, const char *topic);

/* ---- payloads -------------------------------------------------------------------- */

enum mqtt_value_kind {
	MQTT_V_EMPTY,              /* no payload, or only white space */
	MQTT_V_NUMBER,             /* 2, 0.5, JSON 2.5 */
	MQTT_V_BOOL,               /* JSON true / false */
	MQTT_V_WORD,               /* on, off, PRESS, "Main" (JSON string) */
	MQTT_V_OBJECT,             /* JSON {"list": ..., "cue": ..., "level": ..., "on": ...} */
};

struct mqtt_value {
	enum mqtt_value_kind kind;
	double number;
	bool boolean;
	char word[MQTT_WORD_MAX];
	/* members of an object (each optional) */
	bool has_list, has_cue, has_level, has_on;
	char list[GL_NAME_MAX];    /* a name, or a 1-based number as text */
	double cue;
	double level;
	bool on;
};

/* Reads a payload of len bytes (not NUL-terminated). Returns
 * GL_CONTROL_DROP_NONE or the reason (TOO_BIG, NOT_UTF8, MALFORMED,
 * WRONG_TYPE, RANGE) with why filled. */
enum gl_control_drop mqtt_value_parse(const void *payload, size_t len, struct mqtt_value *v,
				      char *why, size_t why_len);

/* on/true/yes/1 and off/false/no/0, any case. Returns false for other words. */
bool mqtt_on_off(const char *word, bool *on);

/* A level 0..1 as the shortest text ("0.5", "1", "0.125"). */
void mqtt_level_text(float level, char *out, size_t len);

/* ---- what ghostlight publishes --------------------------------------------------- */

/* state/list/<name>: {"name", "number", "state": "off|running|paused",
 * "active": {"number", "label"} | null, "standby": ... | null,
 * "progress": 0..1, "master": 0..1}. Returns the length, or 0 when it does
 * not fit. */
size_t mqtt_list_state_json(const struct gl_engine *e, int list, const struct gl_list_status *ls,
			    char *out, size_t len);

/* event: one engine event as {"event": "cue_fired"|"cue_done"|"list_end"|
 * "list_stopped"|"engine_late", "list", "cue", "label", "time"}.
 * unix_s: the wall-clock time to stamp. Returns the length, 0 when none. */
size_t mqtt_event_json(const struct gl_engine *e, const struct gl_event *ev, double unix_s,
		       char *out, size_t len);
/* event: {"event": kind, "<key>": text, ...} with count key/text pairs
 * (errors, outputs failing and recovering). */
size_t mqtt_text_event_json(const char *kind, double unix_s, const char *const *keys,
			    const char *const *texts, int count, char *out, size_t len);

/* Home Assistant discovery (developers.home-assistant.io, "MQTT
 * discovery"): one device per show with, per cue list, GO / BACK / STOP
 * buttons and a current-cue sensor; per fader a number; the grand master
 * as a number; blackout as a switch. Every entity has a unique_id, the
 * device block and availability on <base>/status. */
struct mqtt_ha_names {
	const char *prefix;        /* "homeassistant" */
	const char *base;          /* our topics */
	const char *node_id;       /* "ghostlight_<slug>": [a-zA-Z0-9_-] only */
	const char *show_name;
	const char *version;
};

/* How many discovery configs the show has. */
int mqtt_ha_count(const struct gl_engine *e);
/* Config `index` (0..count-1): its topic and JSON. Returns the JSON's
 * length, 0 when index is out of range or it does not fit. */
size_t mqtt_ha_config(const struct gl_engine *e, const struct mqtt_ha_names *n, int index,
		      char *topic, size_t topic_len, char *out, size_t len);

#endif
