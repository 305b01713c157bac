/*
 * mqtt_wire.c - the MQTT adapter's text formats (see mqtt_wire.h). Pure:
 * no system calls, no globals written except cJSON's own error position.
 * Invariants: every output is bounded by the caller's buffer (nothing
 * half-written is returned as a length); a payload is either a value or one
 * drop reason with words saying why; a password never reaches why.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <mosquitto.h>

#include "mqtt_wire.h"
#include "outputs/options.h"

/* ---- the URL ----------------------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Copies n bytes of src into out, %XX decoded. Returns false when a %
 * escape is broken, decodes to NUL, or it does not fit. */
static bool percent_decode(const char *src, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = src[i];

		if (c == '%') {
			if (i + 2 >= n)
				return false;
			int hi = hex_digit(src[i + 1]), lo = hex_digit(src[i + 2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= len)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

int mqtt_url_parse(const char *url, struct mqtt_url *u, char *why, size_t why_len)
{
	const char *p, *slash, *at, *host, *host_end, *port = NULL;

	memset(u, 0, sizeof *u);
	if (!url)
		return gl_opt_fail(why, why_len, "no URL");
	if (strncmp(url, "mqtt://", 7) == 0) {
		p = url + 7;
	} else if (strncmp(url, "mqtts://", 8) == 0) {
		p = url + 8;
		u->tls = true;
	} else {
		return gl_opt_fail(why, why_len, "not mqtt://[user[:password]@]host[:port][/base] "
			    "(or mqtts://)");
	}
	slash = strchr(p, '/');
	if (!slash)
		slash = p + strlen(p);
	/* the last '@' before the path ends the user part: a password may hold '@' */
	at = NULL;
	for (const char *q = p; q < slash; q++)
		if (*q == '@')
			at = q;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);

		if (ulen == 0)
			return gl_opt_fail(why, why_len, "a password needs a user name (mqtt://user:password@host)");
		if (!percent_decode(p, ulen, u->username, sizeof u->username))
			return gl_opt_fail(why, why_len, "the user name is too long or has a broken %%-escape");
		if (colon) {
			if (!percent_decode(colon + 1, (size_t)(at - colon - 1), u->password,
					    sizeof u->password))
				return gl_opt_fail(why, why_len, "the password is too long or has a broken "
					    "%%-escape");
			u->has_password = true;
		}
		host = at + 1;
	} else {
		host = p;
	}
	if (*host == '[') {               /* [IPv6]:port */
		const char *close = memchr(host, ']', (size_t)(slash - host));

		if (!close)
			return gl_opt_fail(why, why_len, "an IPv6 host needs its closing ]");
		host_end = close;
		host++;
		if (close + 1 < slash) {
			if (close[1] != ':')
				return gl_opt_fail(why, why_len, "expected :port after ]");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(host, ':', (size_t)(slash - host));

		host_end = colon ? colon : slash;
		if (colon)
			port = colon + 1;
	}
	if (host_end == host)
		return gl_opt_fail(why, why_len, "no host");
	if ((size_t)(host_end - host) >= sizeof u->host)
		return gl_opt_fail(why, why_len, "the host name is too long");
	memcpy(u->host, host, (size_t)(host_end - host));
	u->host[host_end - host] = '\0';
	for (const char *q = u->host; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == '@' || *q == '/')
			return gl_opt_fail(why, why_len, "the host \"%s\" has a space or control character",
				    u->host);
	if (port) {
		long v = 0;

		if (port == slash)
			return gl_opt_fail(why, why_len, "no port after ':'");
		for (const char *q = port; q < slash; q++) {
			if (!isdigit((unsigned char)*q) || v > 65535)
				return gl_opt_fail(why, why_len, "the port must be 1..65535");
			v = v * 10 + (*q - '0');
		}
		if (v < 1 || v > 65535)
			return gl_opt_fail(why, why_len, "the port must be 1..65535");
		u->port = (int)v;
	}
	if (*slash == '/' && slash[1]) {
		size_t blen = strlen(slash + 1);

		while (blen && slash[blen] == '/')     /* mqtt://h/base/ */
			blen--;
		if (blen + 1 >= sizeof u->base)
			return gl_opt_fail(why, why_len, "the base is longer than %d bytes",
				    (int)sizeof u->base - 1);
		memcpy(u->base, slash + 1, blen);
		u->base[blen] = '\0';
		if (mqtt_base_check(u->base, why, why_len) < 0)
			return GL_EINVAL;
	}
	return 0;
}

/* ---- names and topics ---------------------------------------------------------------- */

void mqtt_slug(const char *name, char *out, size_t len)
{
	size_t o = 0;
	bool dash = false;

	if (!len)
		return;
	for (const char *p = name ? name : ""; *p && o + 1 < len; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x80 && isalnum(c)) {
			if (dash && o > 0 && o + 2 < len)
				out[o++] = '-';
			dash = false;
			out[o++] = (char)tolower(c);
		} else {
			dash = true;
		}
	}
	out[o] = '\0';
	if (o == 0)
		snprintf(out, len, "show");
}

void mqtt_topic_level(const char *name, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)(name ? name : "");
	size_t o = 0;

	if (!len)
		return;
	while (*p && o + 1 < len) {
		int n = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;

		if (n > 1 && strnlen((const char *)p, (size_t)n) == (size_t)n &&
		    mosquitto_validate_utf8((const char *)p, n) == MOSQ_ERR_SUCCESS) {
			if (o + (size_t)n >= len)
				break;          /* never half a character */
			memcpy(out + o, p, (size_t)n);
			o += (size_t)n;
			p += n;
			continue;
		}
		/* not UTF-8, a control character, or a topic's own syntax */
		out[o++] = *p == '/' || *p == '+' || *p == '#' || *p < 0x20 || *p >= 0x7f ? '_'
										     : (char)*p;
		p++;
	}
	out[o] = '\0';
	if (o == 0)
		snprintf(out, len, "_");
}

int mqtt_base_check(const char *base, char *why, size_t why_len)
{
	size_t n = base ? strlen(base) : 0;

	if (n == 0)
		return gl_opt_fail(why, why_len, "the base must not be empty");
	if (n >= MQTT_BASE_MAX)
		return gl_opt_fail(why, why_len, "the base is longer than %d bytes", MQTT_BASE_MAX - 1);
	if (mosquitto_pub_topic_check2(base, n) != MOSQ_ERR_SUCCESS ||
	    mosquitto_validate_utf8(base, (int)n) != MOSQ_ERR_SUCCESS)
		return gl_opt_fail(why, why_len, "the base \"%s\" must be UTF-8 without + or #", base);
	if (base[0] == '/' || base[n - 1] == '/' || strstr(base, "//"))
		return gl_opt_fail(why, why_len, "the base \"%s\" must not start or end with / or hold //",
			    base);
	return 0;
}

bool mqtt_topic_ok(const char *topic, bool filter)
{
	size_t n = topic ? strnlen(topic, MQTT_TOPIC_MAX) : 0;

	if (n == 0 || n >= MQTT_TOPIC_MAX ||
	    mosquitto_validate_utf8(topic, (int)n) != MOSQ_ERR_SUCCESS)
		return false;
	return (filter ? mosquitto_sub_topic_check2(topic, n)
		       : mosquitto_pub_topic_check2(topic, n)) == MOSQ_ERR_SUCCESS;
}

bool mqtt_filter_match(const char *filter, const char *topic)
{
	bool match = false;

	return mosquitto_topic_matches_sub(filter, topic, &match) == MOSQ_ERR_SUCCESS && match;
}

/* ---- payloads ---------------------------------------------------------------------------- */

/* UTF-8 text where tabs and line ends are allowed: libmosquitto's check
 * (made for topics, it refuses every control character) between them. */
static bool utf8_text(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			continue;
		if (i > start && mosquitto_validate_utf8(s + start, (int)(i - start)) != MOSQ_ERR_SUCCESS)
			return false;
		start = i + 1;
	}
	return true;
}

static enum gl_control_drop value_fail(char *why, size_t len, enum gl_control_drop reason,
				       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum gl_control_drop value_fail(char *why, size_t len, enum gl_control_drop reason,
				       const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return reason;
}

/* A bare number as people type it ("2", "0.5", "-1", ".5"). */
static bool bare_number(const char *text, double *out)
{
	char *end;

	if (!(isdigit((unsigned char)text[0]) || text[0] == '-' || text[0] == '+' || text[0] == '.'))
		return false;
	if (strpbrk(text, "xXnNiI"))      /* hex, nan, inf: not numbers people send */
		return false;
	*out = strtod(text, &end);
	return end != text && *end == '\0';
}

bool mqtt_on_off(const char *w, bool *on)
{
	static const char *const yes[] = { "on", "true", "1", "yes" };
	static const char *const no[] = { "off", "false", "0", "no" };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(w, yes[i]) == 0) {
			*on = true;
			return true;
		}
		if (strcasecmp(w, no[i]) == 0) {
			*on = false;
			return true;
		}
	}
	return false;
}

static enum gl_control_drop object_member(const cJSON *m, struct mqtt_value *v, char *why,
					  size_t len)
{
	const char *key = m->string ? m->string : "";

	if (strcmp(key, "list") == 0) {
		if (cJSON_IsString(m) && m->valuestring[0] && strlen(m->valuestring) < sizeof v->list) {
			snprintf(v->list, sizeof v->list, "%s", m->valuestring);
		} else if (cJSON_IsNumber(m) && m->valuedouble >= 1 && m->valuedouble <= 1e6 &&
			   m->valuedouble == floor(m->valuedouble)) {
			snprintf(v->list, sizeof v->list, "%d", (int)m->valuedouble);
		} else {
			return value_fail(why, len, GL_CONTROL_DROP_WRONG_TYPE,
					  "\"list\" must be a name or a number from 1");
		}
		v->has_list = true;
	} else if (strcmp(key, "cue") == 0) {
		if (cJSON_IsNumber(m))
			v->cue = m->valuedouble;
		else if (!cJSON_IsString(m) || !bare_number(m->valuestring, &v->cue))
			return value_fail(why, len, GL_CONTROL_DROP_WRONG_TYPE,
					  "\"cue\" must be a number");
		if (!isfinite(v->cue) || v->cue <= 0)
			return value_fail(why, len, GL_CONTROL_DROP_RANGE,
					  "\"cue\" must be a number above 0");
		v->has_cue = true;
	} else if (strcmp(key, "level") == 0 || strcmp(key, "value") == 0) {
		if (!cJSON_IsNumber(m))
			return value_fail(why, len, GL_CONTROL_DROP_WRONG_TYPE,
					  "\"%s\" must be a number", key);
		v->level = m->valuedouble;
		v->has_level = true;
	} else if (strcmp(key, "on") == 0 || strcmp(key, "state") == 0) {
		bool ok = true;

		if (cJSON_IsBool(m))
			v->on = cJSON_IsTrue(m);
		else if (cJSON_IsString(m))
			ok = mqtt_on_off(m->valuestring, &v->on);
		else if (cJSON_IsNumber(m) && (m->valuedouble == 0 || m->valuedouble == 1))
			v->on = m->valuedouble == 1;
		else
			ok = false;
		if (!ok)
			return value_fail(why, len, GL_CONTROL_DROP_WRONG_TYPE,
					  "\"%s\" must be true/false, on/off or 1/0", key);
		v->has_on = true;
	} else {
		return value_fail(why, len, GL_CONTROL_DROP_WRONG_TYPE,
				  "unknown key \"%.40s\" (list, cue, level, on)", key);
	}
	return GL_CONTROL_DROP_NONE;
}

static enum gl_control_drop json_value(const char *text, size_t n, struct mqtt_value *v, char *why,
				       size_t len)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, n, &end, false);
	enum gl_control_drop rc = GL_CONTROL_DROP_NONE;

	if (!j)
		return value_fail(why, len, GL_CONTROL_DROP_MALFORMED,
				  "not valid JSON (at byte %d)", end ? (int)(end - text) : 0);
	if (end && (size_t)(end - text) < n) {
		cJSON_Delete(j);
		return value_fail(why, len, GL_CONTROL_DROP_MALFORMED,
				  "text after the JSON value (at byte %d)", (int)(end - text));
	}
	if (cJSON_IsNumber(j)) {
		v->kind = MQTT_V_NUMBER;
		v->number = j->valuedouble;
		if (!isfinite(v->number))
			rc = value_fail(why, len, GL_CONTROL_DROP_RANGE, "the number is too large");
	} else if (cJSON_IsBool(j)) {
		v->kind = MQTT_V_BOOL;
		v->boolean = cJSON_IsTrue(j);
	} else if (cJSON_IsString(j)) {
		if (strlen(j->valuestring) >= sizeof v->word) {
			rc = value_fail(why, len, GL_CONTROL_DROP_WRONG_TYPE,
					"a string of more than %d bytes", (int)sizeof v->word - 1);
		} else {
			v->kind = MQTT_V_WORD;
			snprintf(v->word, sizeof v->word, "%s", j->valuestring);
		}
	} else if (cJSON_IsObject(j)) {
		v->kind = MQTT_V_OBJECT;
		for (const cJSON *m = j->child; m && rc == GL_CONTROL_DROP_NONE; m = m->next)
			rc = object_member(m, v, why, len);
	} else {
		rc = value_fail(why, len, GL_CONTROL_DROP_WRONG_TYPE,
				"JSON %s is not a command value",
				cJSON_IsArray(j) ? "array" : "null");
	}
	cJSON_Delete(j);
	return rc;
}

enum gl_control_drop mqtt_value_parse(const void *payload, size_t len, struct mqtt_value *v,
				      char *why, size_t why_len)
{
	char text[MQTT_PAYLOAD_MAX + 1];
	size_t start = 0, n = len;

	memset(v, 0, sizeof *v);
	if (why && why_len)
		why[0] = '\0';
	if (len > MQTT_PAYLOAD_MAX)
		return value_fail(why, why_len, GL_CONTROL_DROP_TOO_BIG,
				  "payload of %zu bytes (at most %d)", len, MQTT_PAYLOAD_MAX);
	if (len && (memchr(payload, 0, len) || !utf8_text(payload, len)))
		return value_fail(why, why_len, GL_CONTROL_DROP_NOT_UTF8,
				  "payload is not UTF-8 text");
	if (len)
		memcpy(text, payload, len);
	text[len] = '\0';
	while (start < n && isspace((unsigned char)text[start]))
		start++;
	while (n > start && isspace((unsigned char)text[n - 1]))
		text[--n] = '\0';
	const char *t = text + start;
	n -= start;
	if (n == 0) {
		v->kind = MQTT_V_EMPTY;
		return GL_CONTROL_DROP_NONE;
	}
	if (t[0] == '{' || t[0] == '[' || t[0] == '"')
		return json_value(t, n, v, why, why_len);
	if (bare_number(t, &v->number)) {
		v->kind = MQTT_V_NUMBER;
		if (!isfinite(v->number))
			return value_fail(why, why_len, GL_CONTROL_DROP_RANGE,
					  "the number is too large");
		return GL_CONTROL_DROP_NONE;
	}
	if (strcmp(t, "true") == 0 || strcmp(t, "false") == 0) {
		v->kind = MQTT_V_BOOL;
		v->boolean = t[0] == 't';
		return GL_CONTROL_DROP_NONE;
	}
	if (n >= sizeof v->word)
		return value_fail(why, why_len, GL_CONTROL_DROP_WRONG_TYPE,
				  "not a number, a word or JSON (%zu bytes of text)", n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return value_fail(why, why_len, GL_CONTROL_DROP_WRONG_TYPE,
					  "a word with a control character");
	v->kind = MQTT_V_WORD;
	memcpy(v->word, t, n + 1);
	return GL_CONTROL_DROP_NONE;
}

void mqtt_level_text(float level, char *out, size_t len)
{
	size_t n;

	snprintf(out, len, "%.3f", (double)level);
	n = strlen(out);
	if (strchr(out, '.')) {
		while (n > 0 && out[n - 1] == '0')
			out[--n] = '\0';
		if (n > 0 && out[n - 1] == '.')
			out[--n] = '\0';
	}
	if (strcmp(out, "-0") == 0)
		snprintf(out, len, "0");
}

/* ---- JSON out ------------------------------------------------------------------------------ */

/* Prints j into out (and frees it). cJSON asks for 5 bytes of slack. */
static size_t print_json(cJSON *j, char *out, size_t len)
{
	size_t n = 0;

	if (j && len > 5 && len <= (size_t)INT32_MAX &&
	    cJSON_PrintPreallocated(j, out, (int)len - 5, false))
		n = strlen(out);
	else if (len)
		out[0] = '\0';
	cJSON_Delete(j);
	return n;
}

static double round_to(double x, double step)
{
	return round(x / step) * step;
}

static cJSON *cue_object(const struct gl_engine *e, int list, int cue)
{
	const struct gl_cue_def *def = cue >= 0 ? gl_engine_cue(e, list, cue) : NULL;
	cJSON *o;

	if (!def)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "number", def->number_text);
	cJSON_AddStringToObject(o, "label", def->label);
	return o;
}

static const char *const list_states[] = { "off", "running", "paused" };

size_t mqtt_list_state_json(const struct gl_engine *e, int list, const struct gl_list_status *ls,
			    char *out, size_t len)
{
	cJSON *j = cJSON_CreateObject();

	if (!j || list < 0 || list >= gl_engine_cuelist_count(e) || ls->state > GL_LIST_PAUSED) {
		cJSON_Delete(j);
		return print_json(NULL, out, len);
	}
	cJSON_AddStringToObject(j, "name", gl_engine_cuelist_name(e, list));
	cJSON_AddNumberToObject(j, "number", list + 1);
	cJSON_AddStringToObject(j, "state", list_states[ls->state]);
	cJSON_AddItemToObject(j, "active", cue_object(e, list, ls->active));
	cJSON_AddItemToObject(j, "standby", cue_object(e, list, ls->standby));
	cJSON_AddNumberToObject(j, "progress", round_to(ls->progress, 0.01));
	cJSON_AddNumberToObject(j, "master", round_to(ls->master, 0.001));
	return print_json(j, out, len);
}

static cJSON *event_object(const char *kind, double unix_s)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "event", kind);
	cJSON_AddNumberToObject(j, "time", round_to(unix_s, 0.001));
	return j;
}

size_t mqtt_event_json(const struct gl_engine *e, const struct gl_event *ev, double unix_s,
		       char *out, size_t len)
{
	static const char *const kinds[] = {
		[GL_EV_CUE_FIRED] = "cue_fired", [GL_EV_CUE_DONE] = "cue_done",
		[GL_EV_LIST_END] = "list_end", [GL_EV_LIST_STOPPED] = "list_stopped",
		[GL_EV_TICK_LATE] = "engine_late",
	};
	cJSON *j;

	if (ev->type < 0 || ev->type > GL_EV_TICK_LATE)
		return print_json(NULL, out, len);
	j = event_object(kinds[ev->type], unix_s);
	if (ev->type == GL_EV_TICK_LATE) {
		cJSON_AddNumberToObject(j, "skipped", ev->index);
		return print_json(j, out, len);
	}
	if (ev->list < 0 || ev->list >= gl_engine_cuelist_count(e)) {
		cJSON_Delete(j);
		return print_json(NULL, out, len);
	}
	cJSON_AddStringToObject(j, "list", gl_engine_cuelist_name(e, ev->list));
	cJSON_AddNumberToObject(j, "list_number", ev->list + 1);
	if ((ev->type == GL_EV_CUE_FIRED || ev->type == GL_EV_CUE_DONE) && ev->cue >= 0 &&
	    ev->cue < gl_engine_cue_count(e, ev->list)) {
		const struct gl_cue_def *def = gl_engine_cue(e, ev->list, ev->cue);

		cJSON_AddStringToObject(j, "cue", def->number_text);
		cJSON_AddStringToObject(j, "label", def->label);
	}
	return print_json(j, out, len);
}

size_t mqtt_text_event_json(const char *kind, double unix_s, const char *const *keys,
			    const char *const *texts, int count, char *out, size_t len)
{
	cJSON *j = event_object(kind, unix_s);

	for (int i = 0; i < count; i++) {
		/* text from the show or the system may be cut mid-character:
		 * what is not UTF-8 is not published */
		if (utf8_text(texts[i], strlen(texts[i])))
			cJSON_AddStringToObject(j, keys[i], texts[i]);
		else
			cJSON_AddStringToObject(j, keys[i], "(not UTF-8)");
	}
	return print_json(j, out, len);
}

/* ---- Home Assistant discovery -------------------------------------------------------------- */

enum ha_kind { HA_GO, HA_BACK, HA_STOP, HA_CUE, HA_PER_LIST };

int mqtt_ha_count(const struct gl_engine *e)
{
	return gl_engine_cuelist_count(e) * HA_PER_LIST + gl_engine_fader_count(e) + 2;
}

static void ha_common(cJSON *j, const struct mqtt_ha_names *n, const char *name,
		      const char *object_id)
{
	char id[MQTT_TOPIC_MAX], topic[MQTT_TOPIC_MAX];
	cJSON *avail = cJSON_CreateArray(), *a = cJSON_CreateObject(), *dev = cJSON_CreateObject();
	cJSON *ids = cJSON_CreateArray();

	snprintf(id, sizeof id, "%s_%s", n->node_id, object_id);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "unique_id", id);
	cJSON_AddStringToObject(j, "object_id", id);
	snprintf(topic, sizeof topic, "%s/status", n->base);
	cJSON_AddStringToObject(a, "topic", topic);
	cJSON_AddStringToObject(a, "payload_available", "online");
	cJSON_AddStringToObject(a, "payload_not_available", "offline");
	cJSON_AddItemToArray(avail, a);
	cJSON_AddItemToObject(j, "availability", avail);
	cJSON_AddItemToArray(ids, cJSON_CreateString(n->node_id));
	cJSON_AddItemToObject(dev, "identifiers", ids);
	cJSON_AddStringToObject(dev, "name", n->show_name && n->show_name[0] ? n->show_name
									     : "ghostlight");
	cJSON_AddStringToObject(dev, "manufacturer", "ghostlight");
	cJSON_AddStringToObject(dev, "model", "ghostlight play");
	if (n->version)
		cJSON_AddStringToObject(dev, "sw_version", n->version);
	cJSON_AddItemToObject(j, "device", dev);
}

static void add_topic(cJSON *j, const char *key, const char *base, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_topic(cJSON *j, const char *key, const char *base, const char *fmt, ...)
{
	char rest[MQTT_TOPIC_MAX], topic[MQTT_TOPIC_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof rest, fmt, ap);
	va_end(ap);
	snprintf(topic, sizeof topic, "%s/%s", base, rest);
	cJSON_AddStringToObject(j, key, topic);
}

static void ha_level_number(cJSON *j)
{
	cJSON_AddNumberToObject(j, "min", 0);
	cJSON_AddNumberToObject(j, "max", 1);
	cJSON_AddNumberToObject(j, "step", 0.01);
	cJSON_AddStringToObject(j, "mode", "slider");
}

size_t mqtt_ha_config(const struct gl_engine *e, const struct mqtt_ha_names *n, int index,
		      char *topic, size_t topic_len, char *out, size_t len)
{
	int lists = gl_engine_cuelist_count(e), faders = gl_engine_fader_count(e);
	const char *component;
	char object_id[48], name[GL_NAME_MAX * 2], level[GL_NAME_MAX];
	cJSON *j;

	if (index < 0 || index >= mqtt_ha_count(e))
		return print_json(NULL, out, len);
	j = cJSON_CreateObject();
	if (index < lists * HA_PER_LIST) {
		static const char *const verbs[] = { "go", "back", "stop" };
		static const char *const labels[] = { "GO", "BACK", "STOP" };
		int list = index / HA_PER_LIST, kind = index % HA_PER_LIST;
		const char *list_name = gl_engine_cuelist_name(e, list);

		mqtt_topic_level(list_name, level, sizeof level);
		if (kind == HA_CUE) {
			component = "sensor";
			snprintf(object_id, sizeof object_id, "list%d_cue", list + 1);
			snprintf(name, sizeof name, "%s cue", list_name);
			ha_common(j, n, name, object_id);
			add_topic(j, "state_topic", n->base, "state/list/%s", level);
			add_topic(j, "json_attributes_topic", n->base, "state/list/%s", level);
			cJSON_AddStringToObject(j, "value_template",
						"{{ (value_json.active.number ~ ' ' ~ value_json.active.label) "
						"if value_json.active else '-' }}");
			cJSON_AddStringToObject(j, "icon", "mdi:playlist-play");
		} else {
			component = "button";
			snprintf(object_id, sizeof object_id, "list%d_%s", list + 1, verbs[kind]);
			snprintf(name, sizeof name, "%s %s", list_name, labels[kind]);
			ha_common(j, n, name, object_id);
			add_topic(j, "command_topic", n->base, "cmd/%s/%s", verbs[kind], level);
			cJSON_AddStringToObject(j, "payload_press", "PRESS");
		}
	} else if (index < lists * HA_PER_LIST + faders) {
		int number, target;
		enum gl_fader_kind kind;
		const char *label;

		gl_engine_fader_info(e, index - lists * HA_PER_LIST, &number, &kind, &target, &label);
		component = "number";
		snprintf(object_id, sizeof object_id, "fader%d", number);
		snprintf(name, sizeof name, "Fader %d%s%s", number, label && label[0] ? " " : "",
			 label ? label : "");
		ha_common(j, n, name, object_id);
		add_topic(j, "command_topic", n->base, "cmd/fader/%d", number);
		add_topic(j, "state_topic", n->base, "state/fader/%d", number);
		ha_level_number(j);
	} else if (index == lists * HA_PER_LIST + faders) {
		component = "number";
		snprintf(object_id, sizeof object_id, "gm");
		ha_common(j, n, "Grand master", object_id);
		add_topic(j, "command_topic", n->base, "cmd/gm");
		add_topic(j, "state_topic", n->base, "state/gm");
		ha_level_number(j);
	} else {
		component = "switch";
		snprintf(object_id, sizeof object_id, "blackout");
		ha_common(j, n, "Blackout", object_id);
		add_topic(j, "command_topic", n->base, "cmd/blackout");
		add_topic(j, "state_topic", n->base, "state/blackout");
		cJSON_AddStringToObject(j, "payload_on", "on");
		cJSON_AddStringToObject(j, "payload_off", "off");
		cJSON_AddStringToObject(j, "state_on", "on");
		cJSON_AddStringToObject(j, "state_off", "off");
	}
	if ((size_t)snprintf(topic, topic_len, "%s/%s/%s/%s/config", n->prefix, component, n->node_id,
			     object_id) >= topic_len) {
		cJSON_Delete(j);
		return print_json(NULL, out, len);
	}
	return print_json(j, out, len);
}
