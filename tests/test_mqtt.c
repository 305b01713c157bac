/*
 * test_mqtt.c - the MQTT adapter's pure parts: the --mqtt URL, names as
 * slugs and topic levels, command payloads (bare and JSON) and their drop
 * reasons, the cmd/ dispatch against a small engine, the JSON it publishes
 * (state, events) read back with cJSON, the Home Assistant discovery
 * configs checked against the rules HA documents, the adapter's options
 * (check, URL over show options, the password never in a message), and the
 * show's side (shows/test/mqtt.lua): its subscriptions, on_mqtt handlers
 * and the messages its cues publish, through a recording sender.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "outputs/control/control.h"
#include "outputs/control/mqtt/mqtt_dispatch.h"
#include "outputs/control/mqtt/mqtt_wire.h"
#include "scripts/show.h"

/* ---- the URL ----------------------------------------------------------------------- */

static void test_url(void **state)
{
	(void)state;
	struct mqtt_url u;
	char why[200];

	assert_int_equal(mqtt_url_parse("mqtt://anna:s%40cret@10.0.0.5:1884/venue/stage", &u, why,
					sizeof why), 0);
	assert_false(u.tls);
	assert_string_equal(u.host, "10.0.0.5");
	assert_int_equal(u.port, 1884);
	assert_string_equal(u.username, "anna");
	assert_string_equal(u.password, "s@cret");
	assert_true(u.has_password);
	assert_string_equal(u.base, "venue/stage");

	/* a raw @ in the password: the last @ ends the user part */
	assert_int_equal(mqtt_url_parse("mqtt://u:p@ss@host", &u, why, sizeof why), 0);
	assert_string_equal(u.password, "p@ss");
	assert_string_equal(u.host, "host");
	assert_int_equal(u.port, 0);

	assert_int_equal(mqtt_url_parse("mqtts://[::1]:8884/", &u, why, sizeof why), 0);
	assert_true(u.tls);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 8884);
	assert_string_equal(u.base, "");
	assert_int_equal(mqtt_url_parse("mqtt://broker.local/a/b/", &u, why, sizeof why), 0);
	assert_string_equal(u.base, "a/b");
	assert_string_equal(u.username, "");

	static const char *const bad[] = {
		"http://host", "mqtt://", "mqtt://:1883", "mqtt://host:0", "mqtt://host:65536",
		"mqtt://host:12x", "mqtt://host:", "mqtt://:secret@host", "mqtt://u:%zz@host",
		"mqtt://u:%00@host", "mqtt://[::1", "mqtt://host/a/+/b", "mqtt://host/a//b",
		"mqtt://ho st", NULL,
	};
	for (int i = 0; bad[i]; i++) {
		why[0] = '\0';
		assert_int_equal(mqtt_url_parse(bad[i], &u, why, sizeof why), GL_EINVAL);
		assert_true(why[0]);
	}
	/* the password is never part of the complaint */
	assert_int_equal(mqtt_url_parse("mqtt://u:hunter2@host:99999", &u, why, sizeof why),
			 GL_EINVAL);
	assert_null(strstr(why, "hunter2"));
}

/* ---- names ------------------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	char out[GL_NAME_MAX], tiny[6], why[200];

	mqtt_slug("MQTT test", out, sizeof out);
	assert_string_equal(out, "mqtt-test");
	mqtt_slug("  \xc3\x9c" "n\xc3\xaf" "code!! Show ", out, sizeof out);
	assert_string_equal(out, "n-code-show");
	mqtt_slug("!!!", out, sizeof out);
	assert_string_equal(out, "show");
	mqtt_slug("ghostlight/demo", out, sizeof out);
	assert_string_equal(out, "ghostlight-demo");

	mqtt_topic_level("FX/2", out, sizeof out);
	assert_string_equal(out, "FX_2");
	mqtt_topic_level("a+b#c\x01", out, sizeof out);
	assert_string_equal(out, "a_b_c_");
	mqtt_topic_level("", out, sizeof out);
	assert_string_equal(out, "_");
	/* a character cut by the buffer is dropped whole: still UTF-8 */
	mqtt_topic_level("abc\xc3\xa9z", tiny, 5);
	assert_string_equal(tiny, "abc");
	mqtt_topic_level("ab\xc3\xa9z", tiny, 5);
	assert_string_equal(tiny, "ab\xc3\xa9");

	assert_int_equal(mqtt_base_check("ghostlight/demo", why, sizeof why), 0);
	assert_int_equal(mqtt_base_check("", why, sizeof why), GL_EINVAL);
	assert_int_equal(mqtt_base_check("a/#", why, sizeof why), GL_EINVAL);
	assert_int_equal(mqtt_base_check("/a", why, sizeof why), GL_EINVAL);
	assert_int_equal(mqtt_base_check("a/", why, sizeof why), GL_EINVAL);
	assert_int_equal(mqtt_base_check("a\xff", why, sizeof why), GL_EINVAL);

	assert_true(mqtt_topic_ok("venue/door", false));
	assert_false(mqtt_topic_ok("venue/+/door", false));
	assert_true(mqtt_topic_ok("venue/+/door", true));
	assert_true(mqtt_topic_ok("venue/#", true));
	assert_false(mqtt_topic_ok("venue/#/door", true));
	assert_false(mqtt_topic_ok("", true));
	assert_false(mqtt_topic_ok("caf\xc3", false));
	assert_true(mqtt_filter_match("venue/door/+", "venue/door/front"));
	assert_false(mqtt_filter_match("venue/door/+", "venue/door/front/left"));
	assert_true(mqtt_filter_match("venue/#", "venue/door/front/left"));
	assert_false(mqtt_filter_match("venue/#", "house/door"));

	char text[16];
	mqtt_level_text(0.5f, text, sizeof text);
	assert_string_equal(text, "0.5");
	mqtt_level_text(1.0f, text, sizeof text);
	assert_string_equal(text, "1");
	mqtt_level_text(0.0f, text, sizeof text);
	assert_string_equal(text, "0");
	mqtt_level_text(0.1234f, text, sizeof text);
	assert_string_equal(text, "0.123");
}

/* ---- payloads ------------------------------------------------------------------------- */

static enum gl_control_drop parse(const char *text, struct mqtt_value *v)
{
	char why[200];

	return mqtt_value_parse(text, strlen(text), v, why, sizeof why);
}

static void test_values(void **state)
{
	(void)state;
	struct mqtt_value v;
	char why[200];

	assert_int_equal(parse("", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(v.kind, MQTT_V_EMPTY);
	assert_int_equal(parse(" \n", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(v.kind, MQTT_V_EMPTY);
	assert_int_equal(parse("0.5\n", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(v.kind, MQTT_V_NUMBER);
	assert_true(v.number == 0.5);
	assert_int_equal(parse(".25", &v), GL_CONTROL_DROP_NONE);
	assert_true(v.number == 0.25);
	assert_int_equal(parse("PRESS", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(v.kind, MQTT_V_WORD);
	assert_string_equal(v.word, "PRESS");
	assert_int_equal(parse("true", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(v.kind, MQTT_V_BOOL);
	assert_true(v.boolean);
	assert_int_equal(parse("nan", &v), GL_CONTROL_DROP_NONE);       /* a word, not a number */
	assert_int_equal(v.kind, MQTT_V_WORD);

	assert_int_equal(parse("2.5", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(parse(" {\"list\": \"FX/2\", \"cue\": 1.5} ", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(v.kind, MQTT_V_OBJECT);
	assert_true(v.has_list && v.has_cue && !v.has_level && !v.has_on);
	assert_string_equal(v.list, "FX/2");
	assert_true(v.cue == 1.5);
	assert_int_equal(parse("{\"list\": 2, \"cue\": \"3\"}", &v), GL_CONTROL_DROP_NONE);
	assert_string_equal(v.list, "2");
	assert_true(v.cue == 3);
	assert_int_equal(parse("{\"level\": 0.25}", &v), GL_CONTROL_DROP_NONE);
	assert_true(v.has_level && v.level == 0.25);
	assert_int_equal(parse("{\"on\": \"off\"}", &v), GL_CONTROL_DROP_NONE);
	assert_true(v.has_on && !v.on);
	assert_int_equal(parse("\"Main\"", &v), GL_CONTROL_DROP_NONE);
	assert_int_equal(v.kind, MQTT_V_WORD);
	assert_string_equal(v.word, "Main");

	/* bad input, each with its reason */
	assert_int_equal(parse("{\"list\": ", &v), GL_CONTROL_DROP_MALFORMED);
	assert_int_equal(parse("{} x", &v), GL_CONTROL_DROP_MALFORMED);
	assert_int_equal(parse("[1, 2]", &v), GL_CONTROL_DROP_WRONG_TYPE);
	assert_int_equal(parse("{\"levl\": 1}", &v), GL_CONTROL_DROP_WRONG_TYPE);
	assert_int_equal(parse("{\"cue\": -1}", &v), GL_CONTROL_DROP_RANGE);
	assert_int_equal(parse("{\"cue\": true}", &v), GL_CONTROL_DROP_WRONG_TYPE);
	assert_int_equal(parse("{\"on\": 7}", &v), GL_CONTROL_DROP_WRONG_TYPE);
	assert_int_equal(parse("1e999", &v), GL_CONTROL_DROP_RANGE);
	assert_int_equal(parse("[1e999]", &v), GL_CONTROL_DROP_WRONG_TYPE);
	assert_int_equal(parse("{\"level\": 1e999}", &v),
			 GL_CONTROL_DROP_NONE); /* caught by the command */
	assert_int_equal(parse("\"a string much longer than sixty-three bytes, which no word "
			       "ghostlight knows is\"", &v), GL_CONTROL_DROP_WRONG_TYPE);
	assert_int_equal(parse("tab\there", &v), GL_CONTROL_DROP_WRONG_TYPE);
	assert_int_equal(mqtt_value_parse("\xff\xfe", 2, &v, why, sizeof why),
			 GL_CONTROL_DROP_NOT_UTF8);
	assert_int_equal(mqtt_value_parse("1\0" "2", 3, &v, why, sizeof why),
			 GL_CONTROL_DROP_NOT_UTF8);
	assert_int_equal(mqtt_value_parse("\xc3", 1, &v, why, sizeof why),
			 GL_CONTROL_DROP_NOT_UTF8);

	static char big[MQTT_PAYLOAD_MAX + 1];
	memset(big, '1', sizeof big);
	assert_int_equal(mqtt_value_parse(big, sizeof big, &v, why, sizeof why),
			 GL_CONTROL_DROP_TOO_BIG);
	assert_non_null(strstr(why, "4097 bytes"));
	memset(big, ' ', MQTT_PAYLOAD_MAX - 1);
	assert_int_equal(mqtt_value_parse(big, MQTT_PAYLOAD_MAX, &v, why, sizeof why),
			 GL_CONTROL_DROP_NONE);    /* 4096 bytes: white space and a 1 */
	assert_int_equal(v.kind, MQTT_V_NUMBER);

	/* deep nesting is cJSON's to refuse, not a crash */
	static char deep[MQTT_PAYLOAD_MAX];
	memset(deep, '[', sizeof deep);
	assert_int_not_equal(mqtt_value_parse(deep, sizeof deep, &v, why, sizeof why),
			     GL_CONTROL_DROP_NONE);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

/* The integration tests' show: lists Main (cues 1 Warm, 2 Storm, 3 Calm),
 * FX/2 (1 Flash) and Chase (1, 2); faders 1..8. */
static struct gl_show *load_test_show(void)
{
	char path[1024], err[1024] = "";
	const char *dir = getenv("GL_SOURCE_DIR");
	struct gl_show *show;

	snprintf(path, sizeof path, "%s/shows/test/mqtt.lua", dir && dir[0] ? dir : ".");
	show = gl_show_load(path, err, sizeof err);
	if (!show)
		fail_msg("%s", err);
	return show;
}

static void dispatch(const struct gl_engine *e, const char *topic, const char *payload,
		     bool retained, struct mqtt_dispatch_result *r)
{
	mqtt_dispatch(e, "gl/test", "homeassistant", topic, payload, payload ? strlen(payload) : 0,
		      retained, r);
}

static void expect_cmd(const struct mqtt_dispatch_result *r, enum gl_cmd_type type, int list,
		       int index)
{
	assert_int_equal(r->drop, GL_CONTROL_DROP_NONE);
	assert_int_equal(r->cmd_count, 1);
	assert_int_equal(r->cmds[0].type, type);
	assert_int_equal(r->cmds[0].list, list);
	assert_int_equal(r->cmds[0].index, index);
}

static void expect_drop(const struct gl_engine *e, const char *topic, const char *payload,
			enum gl_control_drop reason)
{
	struct mqtt_dispatch_result r;

	dispatch(e, topic, payload, false, &r);
	if (r.drop != reason)
		fail_msg("%s %s: dropped as \"%s\" (%s), expected \"%s\"", topic, payload,
			 gl_control_drop_name(r.drop), r.why, gl_control_drop_name(reason));
	assert_int_equal(r.cmd_count, 0);
	assert_true(r.why[0]);
}

static void test_dispatch(void **state)
{
	(void)state;
	struct gl_show *show = load_test_show();
	struct gl_engine *e = gl_show_engine(show);
	struct mqtt_dispatch_result r;

	dispatch(e, "gl/test/cmd/go", "PRESS", false, &r);
	expect_cmd(&r, GL_CMD_GO, 0, 0);
	dispatch(e, "gl/test/cmd/go/FX_2", "1", false, &r);       /* the topic level */
	expect_cmd(&r, GL_CMD_GO, 1, 0);
	dispatch(e, "gl/test/cmd/go/2", "go", false, &r);         /* by number */
	expect_cmd(&r, GL_CMD_GO, 1, 0);
	dispatch(e, "gl/test/cmd/go", "{\"list\": \"FX/2\", \"cue\": 1}", false, &r);
	expect_cmd(&r, GL_CMD_GOTO, 1, 0);
	dispatch(e, "gl/test/cmd/go/Main", "{\"cue\": 2}", false, &r);
	expect_cmd(&r, GL_CMD_GOTO, 0, 1);
	dispatch(e, "gl/test/cmd/back/Main", "true", false, &r);
	expect_cmd(&r, GL_CMD_BACK, 0, 0);
	dispatch(e, "gl/test/cmd/stop", "1", false, &r);          /* every list */
	expect_cmd(&r, GL_CMD_STOP, -1, 0);
	dispatch(e, "gl/test/cmd/pause/FX_2", "on", false, &r);
	expect_cmd(&r, GL_CMD_PAUSE, 1, 0);
	dispatch(e, "gl/test/cmd/resume", "PRESS", false, &r);
	expect_cmd(&r, GL_CMD_RESUME, -1, 0);
	dispatch(e, "gl/test/cmd/goto/Main", "3", false, &r);
	expect_cmd(&r, GL_CMD_GOTO, 0, 2);
	dispatch(e, "gl/test/cmd/goto/FX_2", "{\"cue\": 1}", false, &r);
	expect_cmd(&r, GL_CMD_GOTO, 1, 0);

	dispatch(e, "gl/test/cmd/fader/7", "0.25", false, &r);
	expect_cmd(&r, GL_CMD_FADER, -1, 7);
	assert_float_equal(r.cmds[0].value, 0.25f, 1e-6);
	dispatch(e, "gl/test/cmd/fader/1", "{\"level\": 1}", false, &r);
	expect_cmd(&r, GL_CMD_FADER, -1, 1);
	dispatch(e, "gl/test/cmd/gm", "0", false, &r);
	expect_cmd(&r, GL_CMD_GRAND_MASTER, -1, 0);
	dispatch(e, "gl/test/cmd/blackout", "OFF", false, &r);
	expect_cmd(&r, GL_CMD_BLACKOUT, -1, 0);
	dispatch(e, "gl/test/cmd/blackout", "on", false, &r);
	expect_cmd(&r, GL_CMD_BLACKOUT, -1, 1);
	dispatch(e, "gl/test/cmd/blackout", "{\"on\": false}", false, &r);
	expect_cmd(&r, GL_CMD_BLACKOUT, -1, 0);

	dispatch(e, "gl/test/cmd/panic", "PRESS", false, &r);
	assert_int_equal(r.cmd_count, 2);
	assert_int_equal(r.cmds[0].type, GL_CMD_STOP);
	assert_int_equal(r.cmds[0].list, -1);
	assert_int_equal(r.cmds[1].type, GL_CMD_BLACKOUT);
	assert_int_equal(r.cmds[1].index, 1);

	/* a button's release does nothing, and is no error; nor does an empty
	 * payload (a retained message being cleared), whatever the command */
	static const char *const releases[] = { "0", "false", "off", "OFF", "", " \n", NULL };
	for (int i = 0; releases[i]; i++) {
		dispatch(e, "gl/test/cmd/go", releases[i], false, &r);
		assert_true(r.ignored);
		assert_int_equal(r.cmd_count, 0);
		assert_int_equal(r.drop, GL_CONTROL_DROP_NONE);
	}
	static const char *const any[] = { "panic", "blackout", "gm", "fader/1", "goto/Main", NULL };
	for (int i = 0; any[i]; i++) {
		char topic[64];

		snprintf(topic, sizeof topic, "gl/test/cmd/%s", any[i]);
		dispatch(e, topic, NULL, false, &r);
		assert_true(r.ignored);
		assert_int_equal(r.cmd_count, 0);
		assert_int_equal(r.drop, GL_CONTROL_DROP_NONE);
	}

	dispatch(e, "gl/test/cmd/refresh", "1", false, &r);
	assert_true(r.refresh);
	assert_int_equal(r.cmd_count, 0);
	dispatch(e, "homeassistant/status", "online", false, &r);
	assert_true(r.ha_online);
	dispatch(e, "homeassistant/status", "offline", false, &r);
	assert_false(r.ha_online);
	assert_true(r.ignored);

	/* not ours: for the show's handlers */
	static const char *const others[] = { "gl/test", "gl/test/cmdx", "gl/testx/cmd/go",
					       "gl/test/state/gm", "house/door", NULL };
	for (int i = 0; others[i]; i++) {
		dispatch(e, others[i], "1", false, &r);
		assert_true(r.unmatched);
		assert_int_equal(r.cmd_count, 0);
	}
	/* without discovery, homeassistant/status is the show's */
	mqtt_dispatch(e, "gl/test", NULL, "homeassistant/status", "online", 6, false, &r);
	assert_true(r.unmatched);

	/* a retained command never fires, whatever it says */
	dispatch(e, "gl/test/cmd/go", "PRESS", true, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_RETAINED);
	assert_int_equal(r.cmd_count, 0);
	dispatch(e, "gl/test/cmd/panic", "1", true, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_RETAINED);

	expect_drop(e, "gl/test/cmd", "", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/", "", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/dance", "", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/gm/1", "0.5", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/fader", "0.5", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/fader/x", "0.5", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/go/Main/1", "", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/go/", "", GL_CONTROL_DROP_UNKNOWN_COMMAND);
	expect_drop(e, "gl/test/cmd/go/Nope", "1", GL_CONTROL_DROP_NO_SUCH_TARGET);
	expect_drop(e, "gl/test/cmd/go/4", "1", GL_CONTROL_DROP_NO_SUCH_TARGET);
	expect_drop(e, "gl/test/cmd/goto/Main", "9", GL_CONTROL_DROP_NO_SUCH_TARGET);
	expect_drop(e, "gl/test/cmd/goto/Main", "-1", GL_CONTROL_DROP_RANGE);
	expect_drop(e, "gl/test/cmd/goto/Main", "PRESS", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/go/Main", "{\"list\": \"Main\"}", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/back", "{\"cue\": 1}", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/go", "dance", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/fader/9", "0.5", GL_CONTROL_DROP_NO_SUCH_TARGET);
	expect_drop(e, "gl/test/cmd/fader/1", "1.5", GL_CONTROL_DROP_RANGE);
	expect_drop(e, "gl/test/cmd/fader/1", "-0.1", GL_CONTROL_DROP_RANGE);
	expect_drop(e, "gl/test/cmd/fader/1", "{\"level\": 1e999}", GL_CONTROL_DROP_RANGE);
	expect_drop(e, "gl/test/cmd/fader/1", "loud", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/gm", "PRESS", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/blackout", "7", GL_CONTROL_DROP_RANGE);
	expect_drop(e, "gl/test/cmd/blackout", "maybe", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/panic", "{}", GL_CONTROL_DROP_WRONG_TYPE);
	expect_drop(e, "gl/test/cmd/go", "{\"list\": ", GL_CONTROL_DROP_MALFORMED);
	expect_drop(e, "gl/test/cmd/go", "\xff", GL_CONTROL_DROP_NOT_UTF8);
	gl_show_destroy(show);
}

/* ---- JSON out --------------------------------------------------------------------------------- */

static cJSON *json_of(const char *text, size_t n)
{
	assert_true(n > 0);
	assert_int_equal(strlen(text), n);
	cJSON *j = cJSON_Parse(text);
	assert_non_null(j);
	return j;
}

static const char *str_at(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	if (!cJSON_IsString(v))
		fail_msg("\"%s\" is not a string in %s", key, cJSON_PrintUnformatted(j));
	return v->valuestring;
}

static void test_json(void **state)
{
	(void)state;
	struct gl_show *show = load_test_show();
	struct gl_engine *e = gl_show_engine(show);
	char out[MQTT_JSON_MAX];
	struct gl_list_status ls = { .state = GL_LIST_RUNNING, .active = 1, .standby = -1,
				     .progress = 0.4567f, .master = 1.0f };

	cJSON *j = json_of(out, mqtt_list_state_json(e, 0, &ls, out, sizeof out));
	assert_string_equal(str_at(j, "name"), "Main");
	assert_string_equal(str_at(j, "state"), "running");
	assert_string_equal(str_at(cJSON_GetObjectItem(j, "active"), "label"), "Storm");
	assert_string_equal(str_at(cJSON_GetObjectItem(j, "active"), "number"), "2");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "standby")));
	assert_true(cJSON_GetObjectItem(j, "progress")->valuedouble == 0.46);
	assert_int_equal(cJSON_GetObjectItem(j, "number")->valueint, 1);
	cJSON_Delete(j);
	/* too small a buffer: nothing, not half a document */
	assert_int_equal(mqtt_list_state_json(e, 0, &ls, out, 40), 0);
	assert_int_equal(mqtt_list_state_json(e, 5, &ls, out, sizeof out), 0);

	struct gl_event ev = { .type = GL_EV_CUE_FIRED, .list = 0, .cue = 2 };
	j = json_of(out, mqtt_event_json(e, &ev, 1700000000.25, out, sizeof out));
	assert_string_equal(str_at(j, "event"), "cue_fired");
	assert_string_equal(str_at(j, "list"), "Main");
	assert_string_equal(str_at(j, "cue"), "3");
	assert_string_equal(str_at(j, "label"), "Calm");
	assert_true(cJSON_GetObjectItem(j, "time")->valuedouble == 1700000000.25);
	cJSON_Delete(j);
	ev = (struct gl_event){ .type = GL_EV_LIST_STOPPED, .list = 1, .cue = -1 };
	j = json_of(out, mqtt_event_json(e, &ev, 0, out, sizeof out));
	assert_string_equal(str_at(j, "event"), "list_stopped");
	assert_null(cJSON_GetObjectItem(j, "cue"));
	cJSON_Delete(j);
	ev = (struct gl_event){ .type = GL_EV_TICK_LATE, .index = 3 };
	j = json_of(out, mqtt_event_json(e, &ev, 0, out, sizeof out));
	assert_int_equal(cJSON_GetObjectItem(j, "skipped")->valueint, 3);
	cJSON_Delete(j);
	ev = (struct gl_event){ .type = GL_EV_CUE_DONE, .list = 9 };
	assert_int_equal(mqtt_event_json(e, &ev, 0, out, sizeof out), 0);

	const char *keys[] = { "output", "error" };
	const char *texts[] = { "house", "send: \xff cut" };
	j = json_of(out, mqtt_text_event_json("output_failing", 0, keys, texts, 2, out, sizeof out));
	assert_string_equal(str_at(j, "output"), "house");
	assert_string_equal(str_at(j, "error"), "(not UTF-8)");
	cJSON_Delete(j);
	gl_show_destroy(show);
}

/* ---- Home Assistant discovery ------------------------------------------------------------------- */

static bool id_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return n > 0;
}

/* What HA's MQTT discovery documents for each config: the topic
 * <prefix>/<component>/<node_id>/<object_id>/config with ids of
 * [a-zA-Z0-9_-]; a JSON object; unique_id (needed with a device block); a
 * device with identifiers; availability entries with a topic; each
 * component's required keys. */
static void check_ha_config(const char *topic, const char *json, const char *base,
			    char ids[][96], int n)
{
	static const struct { const char *component; const char *required[3]; } rules[] = {
		{ "button", { "command_topic" } },
		{ "sensor", { "state_topic" } },
		{ "number", { "command_topic" } },
		{ "switch", { "command_topic" } },
	};
	char component[32], node[64], object[64], status[MQTT_TOPIC_MAX];
	int at = 0;

	assert_int_equal(strncmp(topic, "homeassistant/", 14), 0);
	assert_int_equal(sscanf(topic + 14, "%31[^/]/%63[^/]/%63[^/]/config%n", component, node,
				object, &at), 3);
	assert_int_equal(topic[14 + at], '\0');
	assert_true(id_chars(node, strlen(node)));
	assert_true(id_chars(object, strlen(object)));

	cJSON *j = cJSON_Parse(json);
	assert_true(cJSON_IsObject(j));
	int rule = -1;
	for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
		if (strcmp(rules[r].component, component) == 0)
			rule = (int)r;
	if (rule < 0)
		fail_msg("unexpected component %s", component);
	for (int k = 0; k < 3 && rules[rule].required[k]; k++) {
		const char *t = str_at(j, rules[rule].required[k]);
		assert_int_equal(strncmp(t, base, strlen(base)), 0);
	}
	const char *uid = str_at(j, "unique_id");
	for (int i = 0; i < n; i++)
		if (strcmp(ids[i], uid) == 0)
			fail_msg("unique_id %s used twice", uid);
	snprintf(ids[n], 96, "%s", uid);
	assert_true(str_at(j, "name")[0]);
	const cJSON *dev = cJSON_GetObjectItem(j, "device");
	assert_true(cJSON_IsObject(dev));
	const cJSON *dev_ids = cJSON_GetObjectItem(dev, "identifiers");
	assert_true(cJSON_IsArray(dev_ids) && cJSON_GetArraySize(dev_ids) >= 1);
	assert_string_equal(cJSON_GetArrayItem(dev_ids, 0)->valuestring, node);
	const cJSON *avail = cJSON_GetObjectItem(j, "availability");
	assert_true(cJSON_IsArray(avail) && cJSON_GetArraySize(avail) == 1);
	snprintf(status, sizeof status, "%s/status", base);
	assert_string_equal(str_at(cJSON_GetArrayItem(avail, 0), "topic"), status);
	assert_string_equal(str_at(cJSON_GetArrayItem(avail, 0), "payload_available"), "online");
	assert_string_equal(str_at(cJSON_GetArrayItem(avail, 0), "payload_not_available"), "offline");
	if (strcmp(component, "number") == 0) {
		assert_true(cJSON_GetObjectItem(j, "min")->valuedouble <
			    cJSON_GetObjectItem(j, "max")->valuedouble);
		str_at(j, "state_topic");
	}
	cJSON_Delete(j);
}

static void test_discovery(void **state)
{
	(void)state;
	struct gl_show *show = load_test_show();
	struct gl_engine *e = gl_show_engine(show);
	const struct mqtt_ha_names names = { .prefix = "homeassistant", .base = "gl/test",
					     .node_id = "gl-test", .show_name = "Test",
					     .version = "0.0" };
	char topic[MQTT_TOPIC_MAX], json[MQTT_JSON_MAX], ids[64][96];
	int count = mqtt_ha_count(e), buttons = 0, sensors = 0, numbers = 0, switches = 0;

	assert_int_equal(count, 3 * 4 + 8 + 2);   /* per list 3 buttons + 1 sensor; 8 faders; gm; blackout */
	for (int i = 0; i < count; i++) {
		size_t n = mqtt_ha_config(e, &names, i, topic, sizeof topic, json, sizeof json);

		assert_true(n > 0);
		check_ha_config(topic, json, "gl/test", ids, i);
		buttons += strstr(topic, "/button/") != NULL;
		sensors += strstr(topic, "/sensor/") != NULL;
		numbers += strstr(topic, "/number/") != NULL;
		switches += strstr(topic, "/switch/") != NULL;
	}
	assert_int_equal(buttons, 9);
	assert_int_equal(sensors, 3);
	assert_int_equal(numbers, 9);
	assert_int_equal(switches, 1);
	/* the GO button of "FX/2" presses its own list's topic */
	assert_true(mqtt_ha_config(e, &names, 4, topic, sizeof topic, json, sizeof json) > 0);
	assert_string_equal(topic, "homeassistant/button/gl-test/list2_go/config");
	assert_non_null(strstr(json, "\"command_topic\":\"gl/test/cmd/go/FX_2\""));
	assert_int_equal(mqtt_ha_config(e, &names, count, topic, sizeof topic, json, sizeof json), 0);
	gl_show_destroy(show);
}

/* ---- options --------------------------------------------------------------------------------------- */

/* An mqtt declaration with the options kv: key, value, ..., NULL. */
static void config(struct gl_control_config *cfg, const char *const *kv)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->type, sizeof cfg->type, "mqtt");
	snprintf(cfg->show_name, sizeof cfg->show_name, "Test");
	cfg->declared = true;
	for (int i = 0; kv[i]; i += 2) {
		struct gl_option *o = &cfg->options[cfg->option_count++];
		snprintf(o->key, sizeof o->key, "%s", kv[i]);
		snprintf(o->value, sizeof o->value, "%s", kv[i + 1]);
	}
}

static void check_config(const struct gl_control_config *cfg, int rc, const char *fragment)
{
	const struct gl_control_ops *ops = gl_control_find("mqtt");
	char err[300] = "";

	assert_non_null(ops);
	if (ops->check(cfg, err, sizeof err) != rc)
		fail_msg("%s = %s: check gave \"%s\"", cfg->options[0].key, cfg->options[0].value, err);
	if (fragment && !strstr(err, fragment))
		fail_msg("error \"%s\" lacks \"%s\"", err, fragment);
	assert_null(strstr(err, "hunter2"));
}

static void test_options(void **state)
{
	/* options, and what check() says of them */
	static const struct {
		const char *kv[20];
		int rc;
		const char *fragment;
	} cases[] = {
		{ { NULL }, 0, NULL },
		{ { "host", "10.1.2.3", "port", "1884", "username", "u", "password", "hunter2", "tls",
		    "ca=certs/ca.crt,cert=c.crt,key=c.key", "base", "venue/a", "qos", "2", "discovery",
		    "true", NULL }, 0, NULL },
		{ { "username", "u", "password", "hunter2", "password_file", "pw", NULL }, GL_EINVAL,
		  "give one of them" },
		{ { "password", "hunter2", NULL }, GL_EINVAL, "needs a username" },
		{ { "password", "", "username", "u", NULL }, GL_EINVAL, "password" },
		{ { "base", "a/+/b", NULL }, GL_EINVAL, "base" },
		{ { "tls", "ca=x,cert=y", NULL }, GL_EINVAL, "cert and key go together" },
		{ { "tls", "", NULL }, GL_EINVAL, "tls" },
		{ { "tls", "pem=x", NULL }, GL_EINVAL, "tls" },
		{ { "qos", "3", NULL }, GL_EINVAL, "qos" },
		{ { "host", "a b", NULL }, GL_EINVAL, "host" },
		{ { "colour", "red", NULL }, GL_EINVAL, "colour" },
	};
	struct gl_control_config cfg;
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		config(&cfg, cases[i].kv);
		check_config(&cfg, cases[i].rc, cases[i].fragment);
	}

	/* --mqtt over the show's own options: the URL wins, the rest stays */
	config(&cfg, (const char *const[]){ "host", "10.9.9.9", "keepalive", "10", NULL });
	assert_int_equal(gl_control_config_url(&cfg, "mqtt://u:hunter2@127.0.0.1:18830/x/y", err,
					       sizeof err), 0);
	const struct gl_option *o = gl_opt_find(cfg.options, cfg.option_count, "host");
	assert_string_equal(o->value, "127.0.0.1");
	assert_string_equal(gl_opt_find(cfg.options, cfg.option_count, "keepalive")->value, "10");
	assert_string_equal(gl_opt_find(cfg.options, cfg.option_count, "port")->value, "18830");
	assert_string_equal(gl_opt_find(cfg.options, cfg.option_count, "base")->value, "x/y");
	assert_string_equal(gl_opt_find(cfg.options, cfg.option_count, "password")->value, "hunter2");
	assert_null(gl_opt_find(cfg.options, cfg.option_count, "tls"));
	check_config(&cfg, 0, NULL);
	assert_int_equal(gl_control_config_url(&cfg, "mqtt://u:hunter2@h:0", err, sizeof err),
			 GL_EINVAL);
	assert_null(strstr(err, "hunter2"));
	assert_non_null(strstr(err, "port"));
	snprintf(cfg.type, sizeof cfg.type, "osc");
	assert_int_equal(gl_control_config_url(&cfg, "mqtt://h", err, sizeof err), GL_EINVAL);
}

/* ---- the show's side ------------------------------------------------------------------------------ */

struct sent {
	int count;
	char topic[8][MQTT_TOPIC_MAX];
	char payload[8][256];
	char qos[8];                /* '0'..'2', or 'N': the adapter's */
	bool retain[8];
};

static int record(void *ud, const char *adapter, const struct gl_ctl_msg *msg)
{
	struct sent *s = ud;
	int i = s->count++;

	assert_string_equal(adapter, "mqtt");
	assert_true(i < 8);
	assert_int_equal(msg->argc, 3);
	assert_int_equal(msg->argv[0].type, 'b');
	snprintf(s->topic[i], sizeof s->topic[i], "%s", msg->address);
	snprintf(s->payload[i], sizeof s->payload[i], "%.*s", (int)msg->argv[0].i, msg->argv[0].s);
	s->qos[i] = msg->argv[1].type == 'N' ? 'N' : (char)('0' + msg->argv[1].i);
	s->retain[i] = msg->argv[2].type == 'T';
	return 0;
}

static void fire(struct gl_show *show, int list, int cue)
{
	struct gl_engine *e = gl_show_engine(show);
	struct gl_cmd cmd = { .type = GL_CMD_GOTO, .list = list, .index = cue };
	struct gl_event ev;
	static uint64_t t;

	assert_int_equal(gl_engine_command(e, &cmd), 0);
	gl_engine_tick(e, t += GL_NS_PER_S / 44);
	while (gl_engine_next_event(e, &ev))
		gl_show_handle_event(show, &ev);
}

static void test_show_side(void **state)
{
	(void)state;
	char err[1024] = "";
	struct sent sent = { 0 };
	struct gl_show *show = load_test_show();
	assert_string_equal(gl_show_subscription(show, "mqtt", 0), "venue/door/+");
	assert_null(gl_show_subscription(show, "mqtt", 1));
	assert_null(gl_show_subscription(show, "osc", 0));

	/* before a sender: the cue's messages fail, and say so */
	fire(show, 0, 1);
	assert_true(gl_show_take_error(show, err, sizeof err));
	assert_non_null(strstr(err, "mqtt ~/cue: MQTT is not running"));

	gl_show_set_sender(show, record, &sent);
	fire(show, 0, 1);                /* cue 2: ~/cue storm, venue/fog 1 retained at QoS 1 */
	assert_int_equal(sent.count, 2);
	assert_string_equal(sent.topic[0], "~/cue");
	assert_string_equal(sent.payload[0], "storm");
	assert_int_equal(sent.qos[0], 'N');
	assert_false(sent.retain[0]);
	assert_string_equal(sent.topic[1], "venue/fog");
	assert_string_equal(sent.payload[1], "1");
	assert_int_equal(sent.qos[1], '1');
	assert_true(sent.retain[1]);
	fire(show, 0, 2);                /* cue 3: a table as JSON */
	assert_int_equal(sent.count, 3);
	cJSON *j = cJSON_Parse(sent.payload[2]);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "clip")->valuestring, "calm");
	assert_true(cJSON_GetObjectItem(j, "level")->valuedouble == 0.5);
	cJSON_Delete(j);

	/* on_mqtt: the handler answers with mqtt.publish; retained is passed on */
	struct gl_ctl_arg args[2] = { { .type = 'b', .s = "open!", .i = 4 }, { .type = 'T' } };
	struct gl_ctl_msg msg = { .address = "venue/door/front", .argc = 2, .argv = args };
	assert_true(gl_show_handle_message(show, "mqtt", &msg));
	assert_int_equal(sent.count, 4);
	assert_string_equal(sent.topic[3], "venue/ack");
	assert_string_equal(sent.payload[3], "front open (retained)");
	msg.address = "venue/window/front";
	assert_false(gl_show_handle_message(show, "mqtt", &msg));
	/* a failing handler: one error line, and the next message runs */
	args[0] = (struct gl_ctl_arg){ .type = 'b', .s = "crash", .i = 5 };
	msg.address = "venue/door/side";
	assert_true(gl_show_handle_message(show, "mqtt", &msg));
	while (gl_show_take_error(show, err, sizeof err) && !strstr(err, "on_mqtt"))
		;
	assert_non_null(strstr(err, "failed on purpose"));
	assert_non_null(strstr(err, "mqtt.lua:"));
	assert_int_equal(sent.count, 4);
	gl_show_destroy(show);
}

/* mqtt.publish from a handler: a table as JSON, options, and the payloads
 * it refuses (one error line each, the show goes on). */
static void test_publish_payloads(void **state)
{
	(void)state;
	static const char show_text[] =
		"show { name = \"publish\" }\n"
		"on_mqtt(\"t/#\", function(topic, payload)\n"
		"  if payload == \"json\" then\n"
		"    mqtt.publish(\"~/json\", { list = { 1, 2.5, \"x\" }, on = true, deep = { a = {} } },\n"
		"                 { qos = 2, retain = true })\n"
		"  elseif payload == \"function\" then mqtt.publish(\"a\", print)\n"
		"  elseif payload == \"mixed\" then mqtt.publish(\"a\", { 1, x = 2 })\n"
		"  elseif payload == \"deep\" then\n"
		"    local t = {} for i = 1, 20 do t = { t } end mqtt.publish(\"a\", t)\n"
		"  elseif payload == \"wild\" then mqtt.publish(\"a/+\", 1)\n"
		"  elseif payload == \"qos\" then mqtt.publish(\"a\", 1, { qos = 3 })\n"
		"  else mqtt.publish(\"a\", 0.25) end\n"
		"end)\n";
	char path[] = "/tmp/test_mqtt_XXXXXX.lua", err[1024] = "";
	int fd = mkstemps(path, 4);
	struct sent sent = { 0 };

	assert_true(fd >= 0);
	assert_int_equal(write(fd, show_text, sizeof show_text - 1), (ssize_t)sizeof show_text - 1);
	close(fd);
	struct gl_show *show = gl_show_load(path, err, sizeof err);
	unlink(path);
	if (!show)
		fail_msg("%s", err);
	gl_show_set_sender(show, record, &sent);
	struct gl_ctl_arg args[2] = { { .type = 'b' }, { .type = 'F' } };
	struct gl_ctl_msg msg = { .address = "t/x", .argc = 2, .argv = args };
	static const char *const payloads[] = { "json", "number", "function", "mixed", "deep",
						"wild", "qos" };
	for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
		args[0].s = payloads[i];
		args[0].i = (int64_t)strlen(payloads[i]);
		assert_true(gl_show_handle_message(show, "mqtt", &msg));
	}
	assert_int_equal(sent.count, 2);            /* json and number; the rest refused */
	assert_string_equal(sent.topic[0], "~/json");
	assert_int_equal(sent.qos[0], '2');
	assert_true(sent.retain[0]);
	cJSON *j = cJSON_Parse(sent.payload[0]);
	assert_non_null(j);
	cJSON *list = cJSON_GetObjectItem(j, "list");
	assert_int_equal(cJSON_GetArraySize(list), 3);
	assert_true(cJSON_GetArrayItem(list, 1)->valuedouble == 2.5);
	assert_string_equal(cJSON_GetArrayItem(list, 2)->valuestring, "x");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "on")));
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "deep"), "a")));
	cJSON_Delete(j);
	assert_string_equal(sent.payload[1], "0.25");
	assert_int_equal(sent.qos[1], 'N');
	static const char *const why[] = { "the payload is a function", "neither a list nor",
					   "nested more than", "not a topic to publish to",
					   "qos must be 0, 1 or 2" };
	for (size_t i = 0; i < sizeof why / sizeof why[0]; i++) {
		assert_true(gl_show_take_error(show, err, sizeof err));
		if (!strstr(err, why[i]))
			fail_msg("error \"%s\" lacks \"%s\"", err, why[i]);
	}
	gl_show_destroy(show);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_show_side),
		cmocka_unit_test(test_publish_payloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
