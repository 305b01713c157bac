/*
 * mqtt.c - the MQTT control adapter (driver): one libmosquitto client whose
 * socket is polled by the control thread's loop (mosquitto_socket,
 * mosquitto_loop_read / _write / _misc, mosquitto_want_write; no
 * mosquitto_loop_start thread), connected without blocking
 * (mosquitto_connect_async), reconnected with back-off; retained status with
 * a last will, retained state, events, commands under cmd/, the show's own
 * subscriptions (on_mqtt) and publishes (mqtt.publish, cue actions), Home
 * Assistant discovery.
 *
 * Control thread only (app/play.c's poll loop calls it through control.h).
 * What can still block: a broker given by name is resolved with glibc's
 * getaddrinfo_a (its own helper thread; we poll for the answer), then
 * plain TCP connects to the numeric address; with TLS libmosquitto needs
 * the name itself (certificate check, SNI) and calls getaddrinfo once more,
 * answered at once while the name is fresh in the resolver's cache, but a
 * blocking call all the same. Numeric hosts never block. Reading the
 * certificate and password files at start is the only file I/O.
 * Invariants: every message in is acted on, ignored (a button's release,
 * an empty payload) or dropped with a counted reason; nothing is published
 * unless connected (events then are lost, state is republished whole on
 * the next connection); the password is never written anywhere but to
 * libmosquitto.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <mosquitto.h>

#include "gl_version.h"
#include "mqtt_dispatch.h"
#include "mqtt_wire.h"
#include "outputs/control/control.h"
#include "outputs/media/audio/audio.h"

#define MQTT_RETRY_MIN_S 0.5              /* first reconnect after a loss */
#define MQTT_STABLE_S 10.0                /* connected this long: back-off starts over */
#define MQTT_READ_BURST 256               /* packets read per service call */
#define MQTT_RESOLVE_POLL_NS (50 * 1000000ull)
#define MQTT_LOG_PER_S 10                 /* drop lines logged per second */
#define MQTT_ERRORS_PER_S 20              /* error/rejected events published per second */
#define MQTT_FILTERS_MAX 64               /* the show's on_mqtt subscriptions */
#define MQTT_HANDLER_PAYLOAD_MAX (256 * 1024) /* a payload the show's handlers get */
#define MQTT_FLUSH_MS 300                 /* at the end: offline and DISCONNECT */

enum mqtt_conn {
	MQTT_OFF,             /* not started */
	MQTT_RESOLVING,       /* getaddrinfo_a under way */
	MQTT_CONNECTING,      /* socket open, no CONNACK yet */
	MQTT_CONNECTED,
	MQTT_WAITING,         /* back-off before the next attempt */
};

struct mqtt_tls_opt {
	bool on;
	char ca[GL_OPTION_VALUE_MAX];     /* "" = the system's CAs */
	char cert[GL_OPTION_VALUE_MAX];
	char key[GL_OPTION_VALUE_MAX];
};

/* What the show set (mqtt_opts). */
struct mqtt_settings {
	char host[254];
	int port;                         /* 0 = 1883, or 8883 with TLS */
	char client_id[65];
	char username[128];
	char password[128];
	bool password_given;
	char password_file[GL_OPTION_VALUE_MAX];
	bool password_file_given;
	struct mqtt_tls_opt tls;
	char base[MQTT_BASE_MAX];
	int keepalive_s;
	int qos;
	bool discovery;
	char discovery_prefix[64];
	double reconnect_max_s;
	double state_rate;
	int rate_limit;
	bool enabled;
};

struct mqtt_sent_list {
	int active, standby, state, progress_pct, master;
};

struct gl_control {
	struct gl_control_host host;
	struct gl_engine *e;
	char show_name[GL_NAME_MAX];
	struct mqtt_settings set;
	char base[MQTT_BASE_MAX];
	char node_id[MQTT_BASE_MAX];
	int port;
	char where[300];                  /* "host:port" for messages */
	struct mosquitto *m;
	bool lib_ready;

	/* the connection */
	enum mqtt_conn conn;
	struct gaicb gai;
	struct addrinfo gai_hints;
	bool gai_busy;
	uint64_t attempt_ns;              /* when the current attempt started */
	uint64_t next_attempt_ns;
	uint64_t connected_ns;
	uint64_t next_misc_ns;
	double backoff_s;
	bool refused;                     /* the broker said no (CONNACK) */
	bool closing;
	unsigned attempts;                /* a name's addresses are tried in turn */
	uint64_t connections;
	char run_note[400];               /* told at the next connection, then "" */

	/* the show's subscriptions */
	int filter_count;
	char (*filters)[MQTT_TOPIC_MAX];

	/* state publishing */
	struct gl_snapshot snap;
	struct mqtt_sent_list *sent_lists;
	int *sent_faders;                 /* level * 1000 */
	int sent_gm, sent_blackout;
	struct gl_control_audio *audio;   /* state/audio, NULL: no sound */
	bool have_sent;
	bool state_now;
	uint64_t next_state_ns;

	/* counters and rate limits */
	uint64_t drops[GL_CONTROL_DROP_COUNT];
	uint64_t flood_window_ns;
	int in_flood_window;
	struct gl_control_log_window logw;
	struct gl_control_stats stats;
};

/* ---- small helpers -------------------------------------------------------------- */

#define mqtt_log(c, error, ...) gl_control_log(&(c)->host, &(c)->stats, error, __VA_ARGS__)

static void set_state(struct gl_control *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_state(struct gl_control *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->stats.state, sizeof c->stats.state, fmt, ap);
	va_end(ap);
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rolls the per-second windows of logging and events. */
static void rate_window(struct gl_control *c, uint64_t now)
{
	gl_control_log_window_roll(&c->logw, &c->host, &c->stats, "mqtt", now);
}

/* base + "/" + the rest. Returns false when it does not fit. */
static bool topic_of(const struct gl_control *c, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool topic_of(const struct gl_control *c, char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int used = snprintf(out, len, "%s/", c->base);

	if (used < 0 || (size_t)used >= len)
		return false;
	va_start(ap, fmt);
	int more = vsnprintf(out + used, len - (size_t)used, fmt, ap);
	va_end(ap);
	return more >= 0 && (size_t)(used + more) < len;
}

/* ---- publishing ------------------------------------------------------------------ */

static int publish(struct gl_control *c, const char *topic, const void *payload, size_t len,
		   int qos, bool retain)
{
	int rc;

	if (c->conn != MQTT_CONNECTED)
		return GL_EAGAIN;
	rc = mosquitto_publish(c->m, NULL, topic, (int)len, payload, qos, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		c->stats.send_errors++;
		mqtt_log(c, true, "mqtt: publish %s: %s", topic, mosquitto_strerror(rc));
		return GL_EIO;
	}
	c->stats.sent++;
	return 0;
}

static void publish_text(struct gl_control *c, const char *topic, const char *text, bool retain)
{
	publish(c, topic, text, strlen(text), c->set.qos, retain);
}

/* Publishes an event, at most MQTT_ERRORS_PER_S of the error kinds a second. */
static void publish_event(struct gl_control *c, const char *json, size_t len)
{
	char topic[MQTT_TOPIC_MAX];

	if (len && topic_of(c, topic, sizeof topic, "event"))
		publish(c, topic, json, len, c->set.qos, false);
}

static void publish_text_event(struct gl_control *c, const char *kind, const char *const *keys,
			       const char *const *texts, int count)
{
	char json[MQTT_JSON_MAX];

	rate_window(c, gl_now_ns());
	if (c->conn != MQTT_CONNECTED || c->logw.errors++ >= MQTT_ERRORS_PER_S)
		return;
	publish_event(c, json, mqtt_text_event_json(kind, unix_now(), keys, texts, count, json,
						    sizeof json));
}

/* Retained state: what changed since the last pass, or everything. */
static void publish_state(struct gl_control *c, bool full)
{
	char topic[MQTT_TOPIC_MAX], level[GL_NAME_MAX], json[MQTT_JSON_MAX], text[32];

	if (c->conn != MQTT_CONNECTED || gl_engine_snapshot(c->e, &c->snap) != 0)
		return;
	if (!c->have_sent)
		full = true;
	for (int l = 0; l < c->snap.list_count; l++) {
		const struct gl_list_status *ls = &c->snap.lists[l];
		struct mqtt_sent_list now = {
			ls->active, ls->standby, (int)ls->state, (int)lroundf(ls->progress * 100.0f),
			(int)lroundf(ls->master * 1000.0f),
		};

		if (!full && memcmp(&now, &c->sent_lists[l], sizeof now) == 0)
			continue;
		mqtt_topic_level(gl_engine_cuelist_name(c->e, l), level, sizeof level);
		size_t n = mqtt_list_state_json(c->e, l, ls, json, sizeof json);
		if (n && topic_of(c, topic, sizeof topic, "state/list/%s", level) &&
		    publish(c, topic, json, n, c->set.qos, true) == 0)
			c->sent_lists[l] = now;
	}
	for (int i = 0; i < c->snap.fader_count; i++) {
		int milli = (int)lroundf(c->snap.fader_levels[i] * 1000.0f), number, target;
		enum gl_fader_kind kind;
		const char *label;

		if (!full && milli == c->sent_faders[i])
			continue;
		gl_engine_fader_info(c->e, i, &number, &kind, &target, &label);
		mqtt_level_text(c->snap.fader_levels[i], text, sizeof text);
		if (topic_of(c, topic, sizeof topic, "state/fader/%d", number) &&
		    publish(c, topic, text, strlen(text), c->set.qos, true) == 0)
			c->sent_faders[i] = milli;
	}
	int gm = (int)lroundf(c->snap.grand_master * 1000.0f);
	if (full || gm != c->sent_gm) {
		mqtt_level_text(c->snap.grand_master, text, sizeof text);
		if (topic_of(c, topic, sizeof topic, "state/gm") &&
		    publish(c, topic, text, strlen(text), c->set.qos, true) == 0)
			c->sent_gm = gm;
	}
	if (full || (int)c->snap.blackout != c->sent_blackout) {
		if (topic_of(c, topic, sizeof topic, "state/blackout") &&
		    publish(c, topic, c->snap.blackout ? "on" : "off", c->snap.blackout ? 2 : 3,
			    c->set.qos, true) == 0)
			c->sent_blackout = c->snap.blackout;
	}
	size_t n = c->audio ? gl_control_audio_json(c->audio, full, json, sizeof json) : 0;
	if (n && topic_of(c, topic, sizeof topic, "state/audio"))
		publish(c, topic, json, n, c->set.qos, true);
	c->have_sent = true;
}

static void publish_discovery(struct gl_control *c)
{
	const struct mqtt_ha_names names = {
		.prefix = c->set.discovery_prefix, .base = c->base, .node_id = c->node_id,
		.show_name = c->show_name, .version = GL_VERSION,
	};
	char topic[MQTT_TOPIC_MAX], json[MQTT_JSON_MAX];
	int count = mqtt_ha_count(c->e), sent = 0;

	for (int i = 0; i < count; i++) {
		size_t n = mqtt_ha_config(c->e, &names, i, topic, sizeof topic, json, sizeof json);

		if (n && publish(c, topic, json, n, c->set.qos, true) == 0)
			sent++;
	}
	mqtt_log(c, false, "mqtt: Home Assistant discovery: %d of %d configs under %s/", sent, count,
		 c->set.discovery_prefix);
}

/* ---- incoming ---------------------------------------------------------------------------- */

static void mqtt_drop(struct gl_control *c, const char *topic, enum gl_control_drop reason,
		      const char *why)
{
	c->drops[reason]++;
	c->stats.dropped++;
	rate_window(c, gl_now_ns());
	if (gl_control_log_window_take(&c->logw, MQTT_LOG_PER_S))
		mqtt_log(c, true, "mqtt: dropped %.120s: %s%s%s", topic,
			 gl_control_drop_name(reason), why && why[0] ? ": " : "", why ? why : "");
	/* remotes hear why their command did nothing; a flood is not echoed */
	if (reason != GL_CONTROL_DROP_FLOOD && reason != GL_CONTROL_DROP_UNHANDLED) {
		const char *keys[] = { "topic", "reason", "why" };
		const char *texts[] = { topic, gl_control_drop_name(reason), why ? why : "" };

		publish_text_event(c, "rejected", keys, texts, 3);
	}
}

static bool flooded(struct gl_control *c, uint64_t now)
{
	if (now - c->flood_window_ns >= GL_NS_PER_S) {
		c->flood_window_ns = now;
		c->in_flood_window = 0;
	}
	return ++c->in_flood_window > c->set.rate_limit;
}

/* A message outside cmd/: the show's handlers, when one of its filters matches. */
static void to_show(struct gl_control *c, const struct mosquitto_message *msg)
{
	bool match = false;

	for (int i = 0; i < c->filter_count && !match; i++)
		match = mqtt_filter_match(c->filters[i], msg->topic);
	if (!match) {
		mqtt_drop(c, msg->topic, GL_CONTROL_DROP_UNHANDLED, "no on_mqtt filter matches");
		return;
	}
	if (msg->payloadlen > MQTT_HANDLER_PAYLOAD_MAX) {
		char why[64];

		snprintf(why, sizeof why, "payload of %d bytes (handlers get at most %d)",
			 msg->payloadlen, MQTT_HANDLER_PAYLOAD_MAX);
		mqtt_drop(c, msg->topic, GL_CONTROL_DROP_TOO_BIG, why);
		return;
	}
	struct gl_ctl_arg args[2] = {
		{ .type = 'b', .s = msg->payload ? msg->payload : "", .i = msg->payloadlen },
		{ .type = msg->retain ? 'T' : 'F' },
	};
	struct gl_ctl_msg m = { .peer = c->where, .address = msg->topic, .argc = 2, .argv = args };

	if (!c->host.unhandled || !c->host.unhandled(c->host.ud, "mqtt", &m))
		mqtt_drop(c, msg->topic, GL_CONTROL_DROP_UNHANDLED, "no handler took it");
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	struct gl_control *c = ud;
	struct mqtt_dispatch_result r;
	uint64_t now = gl_now_ns();

	(void)m;
	c->stats.received++;
	if (flooded(c, now)) {
		mqtt_drop(c, msg->topic, GL_CONTROL_DROP_FLOOD,
			  "over rate_limit messages a second");
		return;
	}
	mqtt_dispatch(c->e, c->base, c->set.discovery ? c->set.discovery_prefix : NULL, msg->topic,
		      msg->payload, msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0, msg->retain,
		      &r);
	if (r.unmatched) {
		to_show(c, msg);
		return;
	}
	if (r.drop != GL_CONTROL_DROP_NONE) {
		mqtt_drop(c, msg->topic, r.drop, r.why);
		return;
	}
	if (r.panic && c->host.audio)
		gl_audio_panic(c->host.audio);     /* every sound out within a second */
	for (int i = 0; i < r.cmd_count; i++) {
		int rc = gl_engine_command(c->e, &r.cmds[i]);

		if (rc == GL_EFULL)
			mqtt_drop(c, msg->topic, GL_CONTROL_DROP_ENGINE_BUSY,
				  "engine command ring full");
		else if (rc < 0)
			mqtt_drop(c, msg->topic, GL_CONTROL_DROP_NO_SUCH_TARGET, gl_strerror(rc));
	}
	if (r.refresh) {
		c->have_sent = false;
		c->state_now = true;
	}
	if (r.ha_online) {         /* Home Assistant restarted: it forgot us */
		publish_discovery(c);
		c->have_sent = false;
		c->state_now = true;
	}
}

/* ---- the connection ------------------------------------------------------------------------ */

static void retry_later(struct gl_control *c, uint64_t now, const char *why)
{
	bool was_connected = c->conn == MQTT_CONNECTED;

	if (was_connected && (double)(now - c->connected_ns) >= MQTT_STABLE_S * 1e9)
		c->backoff_s = MQTT_RETRY_MIN_S;
	c->conn = MQTT_WAITING;
	c->next_attempt_ns = now + (uint64_t)(c->backoff_s * 1e9);
	c->stats.peers = 0;
	mqtt_log(c, true, "mqtt: %s %s: %s; retrying in %.1f s", was_connected ? "lost" : "no broker at",
		 c->where, why, c->backoff_s);
	set_state(c, "retrying in %.1f s", c->backoff_s);
	c->backoff_s = fmin(c->backoff_s * 2, c->set.reconnect_max_s);
}

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
	struct gl_control *c = ud;
	char topic[MQTT_TOPIC_MAX];
	int sub;

	(void)m;
	if (rc != 0) {
		/* libmosquitto closes the socket next and calls on_disconnect */
		c->refused = true;
		mqtt_log(c, true, "mqtt: %s refused the connection: %s", c->where,
			 mosquitto_connack_string(rc));
		return;
	}
	c->conn = MQTT_CONNECTED;
	c->connected_ns = gl_now_ns();
	c->next_misc_ns = c->connected_ns + GL_NS_PER_S;
	c->connections++;
	c->stats.peers = 1;
	c->stats.last_error[0] = '\0';
	set_state(c, "connected to %.50s", c->where);
	/* commands at QoS 1 (or the show's qos); the broker replays retained
	 * ones now, and the dispatch refuses them */
	topic_of(c, topic, sizeof topic, "cmd/#");
	sub = mosquitto_subscribe(c->m, NULL, topic, c->set.qos ? c->set.qos : 1);
	if (sub == MOSQ_ERR_SUCCESS && c->set.discovery) {
		snprintf(topic, sizeof topic, "%s/status", c->set.discovery_prefix);
		sub = mosquitto_subscribe(c->m, NULL, topic, c->set.qos);
	}
	for (int i = 0; i < c->filter_count && sub == MOSQ_ERR_SUCCESS; i++)
		sub = mosquitto_subscribe(c->m, NULL, c->filters[i], c->set.qos);
	if (sub != MOSQ_ERR_SUCCESS)
		mqtt_log(c, true, "mqtt: subscribe: %s", mosquitto_strerror(sub));
	topic_of(c, topic, sizeof topic, "status");
	publish_text(c, topic, "online", true);
	c->have_sent = false;      /* everything, retained, for whoever looks next */
	publish_state(c, true);
	if (c->set.discovery)
		publish_discovery(c);
	if (c->run_note[0]) {
		const char *keys[] = { "text" }, *texts[] = { c->run_note };

		publish_text_event(c, "resumed", keys, texts, 1);
		c->run_note[0] = '\0';
	}
	mqtt_log(c, false, "mqtt: connected to %s (%s%s), base %s/, %d show subscriptions%s",
		 c->where, c->set.tls.on ? "TLS" : "plain", c->set.username[0] ? ", with user name" : "",
		 c->base, c->filter_count, c->connections > 1 ? ", state republished" : "");
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
	struct gl_control *c = ud;
	int err = errno;
	char why[160];

	(void)m;
	if (c->closing)
		return;
	if (c->refused)
		snprintf(why, sizeof why, "refused");
	else if (rc == MOSQ_ERR_ERRNO)
		snprintf(why, sizeof why, "%s", strerror(err));
	else if (rc == MOSQ_ERR_KEEPALIVE)
		snprintf(why, sizeof why, "no answer within keepalive (%d s)", c->set.keepalive_s);
	else if (rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_SUCCESS)
		snprintf(why, sizeof why, "connection closed");
	else
		snprintf(why, sizeof why, "%s", mosquitto_strerror(rc));
	if (c->refused && c->stats.last_error[0]) {
		/* keep the broker's reason on the status line */
		char keep[sizeof c->stats.last_error];

		memcpy(keep, c->stats.last_error, sizeof keep);
		retry_later(c, gl_now_ns(), why);
		memcpy(c->stats.last_error, keep, sizeof keep);
	} else {
		retry_later(c, gl_now_ns(), why);
	}
	c->refused = false;
}

/* libmosquitto's own errors (TLS handshake, certificate checks) explain a
 * failed attempt better than its return codes. */
static void on_log(struct mosquitto *m, void *ud, int level, const char *text)
{
	struct gl_control *c = ud;

	(void)m;
	if (level == MOSQ_LOG_ERR && !c->closing)
		mqtt_log(c, true, "mqtt: %s", text);
}

static void connect_to(struct gl_control *c, const char *host, uint64_t now)
{
	int rc;

	c->attempt_ns = now;
	c->refused = false;
	errno = 0;
	rc = mosquitto_connect_async(c->m, host, c->port, c->set.keepalive_s);
	if (rc == MOSQ_ERR_SUCCESS) {
		c->conn = MQTT_CONNECTING;
		set_state(c, "connecting to %.48s", c->where);
		return;
	}
	int err = errno;
	char why[160];

	if (rc == MOSQ_ERR_ERRNO)
		snprintf(why, sizeof why, "%s", strerror(err));
	else if (rc == MOSQ_ERR_EAI)
		snprintf(why, sizeof why, "%s", gai_strerror(err));
	else
		snprintf(why, sizeof why, "%s", mosquitto_strerror(rc));
	retry_later(c, now, why);
}

static bool numeric_host(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static void start_attempt(struct gl_control *c, uint64_t now)
{
	struct gaicb *list[1] = { &c->gai };

	c->attempts++;
	if (numeric_host(c->set.host)) {
		connect_to(c, c->set.host, now);
		return;
	}
	memset(&c->gai, 0, sizeof c->gai);
	c->gai_hints = (struct addrinfo){ .ai_socktype = SOCK_STREAM };
	c->gai.ar_name = c->set.host;
	c->gai.ar_request = &c->gai_hints;
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &none);

	if (rc != 0) {
		retry_later(c, now, gai_strerror(rc));
		return;
	}
	c->gai_busy = true;
	c->conn = MQTT_RESOLVING;
	c->attempt_ns = now;
	set_state(c, "resolving %.50s", c->set.host);
}

static void check_resolved(struct gl_control *c, uint64_t now)
{
	int rc = gai_error(&c->gai);
	char numeric[INET6_ADDRSTRLEN] = "";

	if (rc == EAI_INPROGRESS)
		return;
	c->gai_busy = false;
	if (rc == 0 && c->gai.ar_result) {
		const struct addrinfo *a = c->gai.ar_result;
		unsigned count = 0;

		for (const struct addrinfo *i = a; i; i = i->ai_next)
			count++;
		for (unsigned i = 0; i < c->attempts % count; i++)
			a = a->ai_next;
		const void *addr = a->ai_family == AF_INET6
				   ? (const void *)&((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr
				   : (const void *)&((const struct sockaddr_in *)a->ai_addr)->sin_addr;

		inet_ntop(a->ai_family, addr, numeric, sizeof numeric);
	}
	if (c->gai.ar_result)
		freeaddrinfo(c->gai.ar_result);
	c->gai.ar_result = NULL;
	if (!numeric[0]) {
		char why[200];

		snprintf(why, sizeof why, "cannot resolve %.100s: %s", c->set.host,
			 rc ? gai_strerror(rc) : "no address");
		retry_later(c, now, why);
		return;
	}
	/* TLS checks the certificate against the name: give libmosquitto the
	 * name (it resolves it again, now cached, and takes the first address
	 * that accepts a connection attempt); plain TCP gets one address, the
	 * next one on the next attempt */
	connect_to(c, c->set.tls.on ? c->set.host : numeric, now);
}

/* ---- configuration --------------------------------------------------------------------------- */

static const char tls_syntax[] = "give true, or { ca = FILE, cert = FILE, key = FILE } "
				 "(each optional; cert and key together)";

static int parse_tls(const char *text, int index, void *field, char *why, size_t len)
{
	struct mqtt_tls_opt *t = field;
	char copy[GL_OPTION_VALUE_MAX];
	bool on;

	(void)index;
	memset(t, 0, sizeof *t);
	if (gl_opt_bool(text, &on) == 0) {
		t->on = on;
		return 0;
	}
	snprintf(copy, sizeof copy, "%s", text);
	if (!copy[0]) {
		snprintf(why, len, "%s", tls_syntax);
		return GL_EINVAL;
	}
	for (char *save = NULL, *item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		char *dest = NULL;

		if (eq) {
			*eq = '\0';
			dest = strcmp(item, "ca") == 0 ? t->ca : strcmp(item, "cert") == 0 ? t->cert
				: strcmp(item, "key") == 0 ? t->key : NULL;
		}
		if (!dest || !eq[1]) {
			snprintf(why, len, "%s", tls_syntax);
			return GL_EINVAL;
		}
		snprintf(dest, GL_OPTION_VALUE_MAX, "%s", eq + 1);
	}
	if (!t->cert[0] != !t->key[0]) {
		snprintf(why, len, "cert and key go together (the client's certificate and its key)");
		return GL_EINVAL;
	}
	t->on = true;
	return 0;
}

static const struct gl_opt mqtt_opts[] = {
	{ "host", GL_OPT_TEXT, 1, 253, "127.0.0.1", GL_OPT_AT(struct mqtt_settings, host),
	  .help = "the broker: a numeric address (never blocks) or a name (resolved in the background)" },
	{ "port", GL_OPT_INT, 1, 65535, .def_help = "1883 (8883 with tls)",
	  GL_OPT_AT(struct mqtt_settings, port), .help = "the broker's TCP port" },
	{ "client_id", GL_OPT_TEXT, 1, 64, .def_help = "ghostlight-<host name>-<pid>",
	  GL_OPT_AT(struct mqtt_settings, client_id),
	  .help = "MQTT client id (a clean session: nothing queued while away)" },
	{ "username", GL_OPT_TEXT, 1, 127, .def_help = "none",
	  GL_OPT_AT(struct mqtt_settings, username), .help = "user name for the broker" },
	{ "password", GL_OPT_TEXT, 1, 127, .def_help = "none",
	  GL_OPT_AT(struct mqtt_settings, password), GL_OPT_GIVEN(struct mqtt_settings, password_given),
	  .help = "password (never printed); password_file keeps it out of the show" },
	{ "password_file", GL_OPT_TEXT, 1, GL_OPTION_VALUE_MAX - 1, .def_help = "none",
	  GL_OPT_AT(struct mqtt_settings, password_file),
	  GL_OPT_GIVEN(struct mqtt_settings, password_file_given),
	  .help = "a file whose first line is the password (relative to the show's folder)" },
	{ "tls", GL_OPT_CUSTOM, .def = "false", GL_OPT_AT(struct mqtt_settings, tls),
	  .parse = parse_tls, .syntax = "true or { ca = FILE, cert = FILE, key = FILE }",
	  .help = "TLS; true: the system's CAs; files relative to the show's folder" },
	{ "base", GL_OPT_TEXT, 1, MQTT_BASE_MAX - 1, .def_help = "ghostlight/<show name as a slug>",
	  GL_OPT_AT(struct mqtt_settings, base), .help = "the topics' base (status, state/, event, cmd/)" },
	{ "keepalive", GL_OPT_INT, 5, 3600, "30", GL_OPT_AT(struct mqtt_settings, keepalive_s),
	  .help = "seconds between pings; a broker that leaves one unanswered is given up" },
	{ "qos", GL_OPT_INT, 0, 2, "1", GL_OPT_AT(struct mqtt_settings, qos),
	  .help = "QoS of what ghostlight publishes and subscribes (commands at least 1)" },
	{ "discovery", GL_OPT_BOOL, .def = "false", GL_OPT_AT(struct mqtt_settings, discovery),
	  .help = "announce the show to Home Assistant (MQTT discovery)" },
	{ "discovery_prefix", GL_OPT_TEXT, 1, 63, "homeassistant",
	  GL_OPT_AT(struct mqtt_settings, discovery_prefix),
	  .help = "Home Assistant's discovery prefix" },
	{ "reconnect_max", GL_OPT_REAL, 1, 3600, "30", GL_OPT_AT(struct mqtt_settings, reconnect_max_s),
	  .help = "longest wait between reconnect attempts, seconds (from 0.5, doubling)" },
	{ "state_rate", GL_OPT_REAL, 0.5, 50, "5", GL_OPT_AT(struct mqtt_settings, state_rate),
	  .help = "state change checks per second (cue changes go out at once)" },
	{ "rate_limit", GL_OPT_INT, 1, 1000000, "1000", GL_OPT_AT(struct mqtt_settings, rate_limit),
	  .help = "messages in per second; more are dropped and counted as a flood" },
	{ "enabled", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct mqtt_settings, enabled),
	  .help = "false turns MQTT off" },
	{ NULL },
};

static const struct gl_opt_table mqtt_options = {
	"mqtt", "MQTT client (libmosquitto): status, state, events and commands on a broker",
	mqtt_opts,
};

static int mqtt_settings_parse(const struct gl_control_config *cfg, struct mqtt_settings *set,
			       char *err, size_t len)
{
	char why[200];

	memset(set, 0, sizeof *set);
	if (gl_opt_parse(&mqtt_options, cfg->options, cfg->option_count, set, err, len) < 0)
		return GL_EINVAL;
	if (set->password_given && set->password_file_given)
		return gl_opt_fail(err, len, "password and password_file: give one of them");
	if ((set->password_given || set->password_file_given) && !set->username[0])
		return gl_opt_fail(err, len, "a password needs a username");
	if (set->base[0] && mqtt_base_check(set->base, why, sizeof why) < 0)
		return gl_opt_fail(err, len, "base: %s", why);
	if (mqtt_base_check(set->discovery_prefix, why, sizeof why) < 0)
		return gl_opt_fail(err, len, "discovery_prefix: %s", why);
	for (const char *p = set->host; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '/' || *p == '@')
			return gl_opt_fail(err, len, "host: \"%s\" is not a host name or address",
					   set->host);
	return 0;
}

static int mqtt_check(const struct gl_control_config *cfg, char *err, size_t len)
{
	struct mqtt_settings *set = malloc(sizeof *set);
	int rc;

	if (!set) {
		snprintf(err, len, "out of memory");
		return GL_ENOMEM;
	}
	rc = mqtt_settings_parse(cfg, set, err, len);
	explicit_bzero(set, sizeof *set);
	free(set);
	return rc;
}

static int mqtt_url_options(const char *url, struct gl_option *opts, int max, char *err,
			    size_t len)
{
	struct mqtt_url u;
	char why[200];
	int n = 0;

	if (mqtt_url_parse(url, &u, why, sizeof why) < 0) {
		snprintf(err, len, "--mqtt: %s", why);
		return GL_EINVAL;
	}
	if (max < 6) {
		snprintf(err, len, "--mqtt: no room for its options");
		return GL_EINVAL;
	}
#define URL_OPT(k, ...) do { \
		snprintf(opts[n].key, sizeof opts[n].key, "%s", k); \
		snprintf(opts[n].value, sizeof opts[n].value, __VA_ARGS__); \
		opts[n++].line = 0; \
	} while (0)
	URL_OPT("host", "%s", u.host);
	if (u.port)
		URL_OPT("port", "%d", u.port);
	if (u.username[0])
		URL_OPT("username", "%s", u.username);
	if (u.has_password)
		URL_OPT("password", "%s", u.password);
	if (u.base[0])
		URL_OPT("base", "%s", u.base);
	if (u.tls)
		URL_OPT("tls", "true");
#undef URL_OPT
	explicit_bzero(&u, sizeof u);
	return n;
}

/* path as given, or under the show's folder when relative. */
static void show_path(const struct gl_control_config *cfg, const char *path, char *out,
		      size_t len)
{
	if (path[0] == '/' || !cfg->show_dir[0])
		snprintf(out, len, "%s", path);
	else
		snprintf(out, len, "%s/%s", cfg->show_dir, path);
}

static int read_password_file(const struct gl_control_config *cfg, struct mqtt_settings *set,
			      char *err, size_t len)
{
	char path[1400], line[sizeof set->password + 2];
	FILE *f;

	show_path(cfg, set->password_file, path, sizeof path);
	f = fopen(path, "re");
	if (!f)
		return gl_opt_fail(err, len, "password_file: cannot read %s: %s", path, strerror(errno));
	bool got = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (!got || !line[0] || strlen(line) >= sizeof set->password) {
		explicit_bzero(line, sizeof line);
		return gl_opt_fail(err, len, "password_file: %s: the first line must hold the "
				   "password (1..%d bytes)", path, (int)sizeof set->password - 1);
	}
	memcpy(set->password, line, strlen(line) + 1);
	explicit_bzero(line, sizeof line);
	set->password_given = true;
	return 0;
}

/* An encrypted key would make OpenSSL ask on the terminal: refuse instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *ud)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)ud;
	return 0;
}

static int setup_tls(struct gl_control *c, const struct gl_control_config *cfg, char *err,
		     size_t len)
{
	const struct mqtt_tls_opt *t = &c->set.tls;
	char ca[1400], cert[1400], key[1400];
	int rc;

	if (!t->ca[0]) {
		rc = mosquitto_int_option(c->m, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return gl_opt_fail(err, len, "tls: %s", mosquitto_strerror(rc));
		return 0;
	}
	show_path(cfg, t->ca, ca, sizeof ca);
	show_path(cfg, t->cert, cert, sizeof cert);
	show_path(cfg, t->key, key, sizeof key);
	const char *files[] = { ca, t->cert[0] ? cert : NULL, t->key[0] ? key : NULL };

	/* say which file is missing (libmosquitto only says "invalid") */
	for (int i = 0; i < 3; i++)
		if (files[i] && access(files[i], R_OK) != 0)
			return gl_opt_fail(err, len, "tls: cannot read %s: %s", files[i],
					   strerror(errno));
	rc = mosquitto_tls_set(c->m, ca, NULL, files[1], files[2], no_passphrase);
	if (rc != MOSQ_ERR_SUCCESS)
		return gl_opt_fail(err, len, "tls: %s", mosquitto_strerror(rc));
	return 0;
}

static void take_subscriptions(struct gl_control *c)
{
	const char *f;

	if (!c->host.subscription)
		return;
	c->filters = calloc(MQTT_FILTERS_MAX, sizeof *c->filters);
	for (int i = 0; c->filters && (f = c->host.subscription(c->host.ud, "mqtt", i)); i++) {
		if (c->filter_count == MQTT_FILTERS_MAX || !mqtt_topic_ok(f, true)) {
			mqtt_log(c, true, "mqtt: on_mqtt filter \"%.100s\" left out (invalid, too long, "
				 "or more than %d)", f, MQTT_FILTERS_MAX);
			continue;
		}
		snprintf(c->filters[c->filter_count++], sizeof c->filters[0], "%s", f);
	}
}

static void mqtt_destroy(struct gl_control *c);

static struct gl_control *fail_create(struct gl_control *c)
{
	mqtt_destroy(c);
	return NULL;
}

static struct gl_control *mqtt_create(const struct gl_control_config *cfg,
				      const struct gl_control_host *host, char *err, size_t len)
{
	struct gl_control *c = calloc(1, sizeof *c);
	char slug[MQTT_BASE_MAX], hostname[64] = "host";
	int rc;

	if (!c) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	c->host = *host;
	c->e = host->engine;
	if (mqtt_settings_parse(cfg, &c->set, err, len) < 0)
		return fail_create(c);
	if (!c->set.enabled) {
		err[0] = '\0';
		return fail_create(c);
	}
	if (c->set.password_file_given && read_password_file(cfg, &c->set, err, len) < 0)
		return fail_create(c);
	snprintf(c->show_name, sizeof c->show_name, "%s", cfg->show_name);
	mqtt_slug(cfg->show_name, slug, sizeof slug);
	if (c->set.base[0])
		snprintf(c->base, sizeof c->base, "%s", c->set.base);
	else
		snprintf(c->base, sizeof c->base, "ghostlight/%.100s", slug);
	mqtt_slug(c->base, c->node_id, sizeof c->node_id);
	if (!c->set.client_id[0]) {
		gethostname(hostname, sizeof hostname - 1);
		mqtt_slug(hostname, slug, sizeof slug);
		snprintf(c->set.client_id, sizeof c->set.client_id, "ghostlight-%.40s-%d", slug,
			 (int)getpid());
	}
	c->port = c->set.port ? c->set.port : c->set.tls.on ? MQTT_DEFAULT_TLS_PORT : MQTT_DEFAULT_PORT;
	snprintf(c->where, sizeof c->where, strchr(c->set.host, ':') ? "[%s]:%d" : "%s:%d",
		 c->set.host, c->port);

	int lists = gl_engine_cuelist_count(c->e), faders = gl_engine_fader_count(c->e);
	int snap_rc = gl_control_snapshot_alloc(c->e, &c->snap);
	c->sent_lists = calloc((size_t)(lists ? lists : 1), sizeof *c->sent_lists);
	c->sent_faders = calloc((size_t)(faders ? faders : 1), sizeof *c->sent_faders);
	c->audio = gl_control_audio_create(host->audio);
	if (snap_rc < 0 || !c->sent_lists || !c->sent_faders || (host->audio && !c->audio)) {
		snprintf(err, len, "out of memory");
		return fail_create(c);
	}

	mosquitto_lib_init();
	c->lib_ready = true;
	/* clean session: a broker queues nothing for us while we are away, so
	 * no stale command arrives after an outage */
	c->m = mosquitto_new(c->set.client_id, true, c);
	if (!c->m) {
		snprintf(err, len, "cannot create the client: %s", strerror(errno));
		return fail_create(c);
	}
	mosquitto_int_option(c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_int_option(c->m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(c->m, on_connect);
	mosquitto_disconnect_callback_set(c->m, on_disconnect);
	mosquitto_message_callback_set(c->m, on_message);
	mosquitto_log_callback_set(c->m, on_log);
	if (c->set.username[0]) {
		rc = mosquitto_username_pw_set(c->m, c->set.username,
					       c->set.password_given ? c->set.password : NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(err, len, "username: %s", mosquitto_strerror(rc));
			return fail_create(c);
		}
	}
	char will[MQTT_TOPIC_MAX];
	topic_of(c, will, sizeof will, "status");
	rc = mosquitto_will_set(c->m, will, 7, "offline", c->set.qos, true);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, len, "last will on %s: %s", will, mosquitto_strerror(rc));
		return fail_create(c);
	}
	if (c->set.tls.on && setup_tls(c, cfg, err, len) < 0)
		return fail_create(c);
	take_subscriptions(c);

	uint64_t now = gl_now_ns();
	c->logw.start_ns = c->flood_window_ns = now;
	c->backoff_s = MQTT_RETRY_MIN_S;
	c->next_state_ns = now;
	mqtt_log(c, false, "mqtt: broker %s%s, client id %s, base %s/", c->where,
		 c->set.tls.on ? " (TLS)" : "", c->set.client_id, c->base);
	start_attempt(c, now);
	return c;
}

/* At the end: offline (a clean goodbye does not trigger the last will),
 * DISCONNECT, and a short wait for both to leave. */
static void say_goodbye(struct gl_control *c)
{
	char topic[MQTT_TOPIC_MAX];
	uint64_t until = gl_now_ns() + MQTT_FLUSH_MS * 1000000ull;

	topic_of(c, topic, sizeof topic, "status");
	publish_text(c, topic, "offline", true);
	c->closing = true;
	mosquitto_disconnect(c->m);
	while (mosquitto_socket(c->m) >= 0 && mosquitto_want_write(c->m) && gl_now_ns() < until) {
		struct pollfd p = { .fd = mosquitto_socket(c->m), .events = POLLOUT };

		if (poll(&p, 1, 50) > 0 && mosquitto_loop_write(c->m, 1) != MOSQ_ERR_SUCCESS)
			break;
	}
}

/* The reasons MQTT drops a message for, in the order its closing summary
 * has always told them. */
static const enum gl_control_drop mqtt_drop_reasons[] = {
	GL_CONTROL_DROP_RETAINED, GL_CONTROL_DROP_TOO_BIG, GL_CONTROL_DROP_NOT_UTF8,
	GL_CONTROL_DROP_MALFORMED, GL_CONTROL_DROP_UNKNOWN_COMMAND, GL_CONTROL_DROP_WRONG_TYPE,
	GL_CONTROL_DROP_RANGE, GL_CONTROL_DROP_NO_SUCH_TARGET, GL_CONTROL_DROP_ENGINE_BUSY,
	GL_CONTROL_DROP_FLOOD, GL_CONTROL_DROP_UNHANDLED,
};

static void mqtt_destroy(struct gl_control *c)
{
	char summary[700];
	size_t used;

	if (!c)
		return;
	if (c->m) {
		used = gl_control_summary(summary, sizeof summary, "mqtt", &c->stats);
		used += (size_t)snprintf(summary + used, sizeof summary - used, ", %llu connections",
					 (unsigned long long)c->connections);
		gl_control_drop_text(summary, sizeof summary, used, c->drops, mqtt_drop_reasons,
				     sizeof mqtt_drop_reasons / sizeof mqtt_drop_reasons[0]);
		mqtt_log(c, false, "%s", summary);
		if (c->conn == MQTT_CONNECTED)
			say_goodbye(c);
		c->closing = true;
		mosquitto_destroy(c->m);
	}
	if (c->gai_busy) {
		/* the resolver's thread writes into c->gai: wait for it */
		const struct gaicb *list[1] = { &c->gai };

		if (gai_cancel(&c->gai) != EAI_CANCELED)
			while (gai_error(&c->gai) == EAI_INPROGRESS)
				gai_suspend(list, 1, NULL);
		if (c->gai.ar_result)
			freeaddrinfo(c->gai.ar_result);
	}
	if (c->lib_ready)
		mosquitto_lib_cleanup();
	free(c->filters);
	gl_control_snapshot_free(&c->snap);
	free(c->sent_lists);
	free(c->sent_faders);
	gl_control_audio_destroy(c->audio);
	explicit_bzero(&c->set, sizeof c->set);
	free(c);
}

/* ---- the poll loop -------------------------------------------------------------------------------- */

static int mqtt_poll_fds(struct gl_control *c, struct pollfd *fds, int max)
{
	int fd = c->m ? mosquitto_socket(c->m) : -1;

	if (max < 1 || fd < 0 || (c->conn != MQTT_CONNECTING && c->conn != MQTT_CONNECTED))
		return 0;
	fds[0] = (struct pollfd){ .fd = fd,
				  .events = POLLIN | (mosquitto_want_write(c->m) ? POLLOUT : 0) };
	return 1;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&p, 1, 0) > 0;
}

/* Acknowledge what arrives at once. A broker that does not set
 * TCP_NODELAY (mosquitto's default) holds its next packet - the next
 * command - until its last small one (a PUBACK for our state) is
 * acknowledged, and Linux delays that acknowledgement by up to 40 ms.
 * Linux leaves quick-ack mode by itself: it is set again after each read. */
static void quick_ack(int fd)
{
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

static void service_socket(struct gl_control *c, short revents, uint64_t now)
{
	int rc = MOSQ_ERR_SUCCESS;

	/* Reading also drives a TLS handshake: libmosquitto continues it from
	 * loop_read whichever way the socket turned ready. */
	if (revents & (POLLIN | POLLERR | POLLHUP) ||
	    ((revents & POLLOUT) && c->conn == MQTT_CONNECTING)) {
		for (int n = 0; n < MQTT_READ_BURST; n++) {
			rc = mosquitto_loop_read(c->m, 1);
			if (rc != MOSQ_ERR_SUCCESS || c->conn == MQTT_WAITING ||
			    !readable(mosquitto_socket(c->m)))
				break;
		}
	}
	if ((revents & POLLOUT) && mosquitto_socket(c->m) >= 0 &&
	    (c->conn == MQTT_CONNECTING || c->conn == MQTT_CONNECTED))
		rc = mosquitto_loop_write(c->m, 1);
	quick_ack(mosquitto_socket(c->m));
	/* a failed TLS handshake closes the socket without on_disconnect
	 * (libmosquitto's log callback said why) */
	if ((c->conn == MQTT_CONNECTING || c->conn == MQTT_CONNECTED) && mosquitto_socket(c->m) < 0)
		retry_later(c, now, rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc)
							   : "the connection closed");
}

static void mqtt_service(struct gl_control *c, const struct pollfd *fds, int count, uint64_t now)
{
	rate_window(c, now);
	if (count > 0 && fds[0].revents && fds[0].fd == mosquitto_socket(c->m))
		service_socket(c, fds[0].revents, now);
	switch (c->conn) {
	case MQTT_RESOLVING:
		check_resolved(c, now);
		break;
	case MQTT_CONNECTING:
		if (now - c->attempt_ns > (uint64_t)c->set.keepalive_s * GL_NS_PER_S) {
			char why[80];

			snprintf(why, sizeof why, "no answer in %d s", c->set.keepalive_s);
			retry_later(c, now, why);
		}
		break;
	case MQTT_WAITING:
		if (now >= c->next_attempt_ns)
			start_attempt(c, now);
		break;
	case MQTT_CONNECTED:
		if (now >= c->next_misc_ns) {   /* keepalive pings, a silent broker */
			c->next_misc_ns = now + GL_NS_PER_S;
			mosquitto_loop_misc(c->m);
		}
		if (c->conn == MQTT_CONNECTED && (c->state_now || now >= c->next_state_ns)) {
			c->state_now = false;
			c->next_state_ns = now + (uint64_t)(1e9 / c->set.state_rate);
			publish_state(c, false);
		}
		break;
	case MQTT_OFF:
		break;
	}
}

static uint64_t mqtt_next_timer(struct gl_control *c)
{
	switch (c->conn) {
	case MQTT_RESOLVING:
		return gl_now_ns() + MQTT_RESOLVE_POLL_NS;
	case MQTT_CONNECTING:
		return c->attempt_ns + (uint64_t)c->set.keepalive_s * GL_NS_PER_S + 1;
	case MQTT_WAITING:
		return c->next_attempt_ns;
	case MQTT_CONNECTED:
		if (c->state_now)
			return gl_now_ns();
		return c->next_state_ns < c->next_misc_ns ? c->next_state_ns : c->next_misc_ns;
	case MQTT_OFF:
		break;
	}
	return 0;
}

static void mqtt_on_event(struct gl_control *c, const struct gl_event *ev)
{
	char json[MQTT_JSON_MAX];

	if (ev->type != GL_EV_TICK_LATE)
		c->state_now = true;
	if (c->conn == MQTT_CONNECTED)
		publish_event(c, json, mqtt_event_json(c->e, ev, unix_now(), json, sizeof json));
}

static void mqtt_notify(struct gl_control *c, const char *text)
{
	const char *keys[] = { "text" };

	publish_text_event(c, "error", keys, &text, 1);
}

/* How the run began (resumed after a crash): an event, when connected -
 * at start that is the first connection, so it waits for it. */
static void mqtt_run_note(struct gl_control *c, const char *text)
{
	snprintf(c->run_note, sizeof c->run_note, "%s", text);
	if (c->conn == MQTT_CONNECTED) {
		const char *keys[] = { "text" }, *texts[] = { c->run_note };

		publish_text_event(c, "resumed", keys, texts, 1);
		c->run_note[0] = '\0';
	}
}

static void mqtt_output_status(struct gl_control *c, const char *output, const char *error)
{
	const char *keys[] = { "output", "error" };
	const char *texts[] = { output, error };

	if (error && error[0])
		publish_text_event(c, "output_failing", keys, texts, 2);
	else
		publish_text_event(c, "output_recovered", keys, texts, 1);
}

/* A video target's state (the RTSP adapter's), retained as JSON on
 * state/video/<target>: on change, and each second while it plays. */
static void mqtt_media_state(struct gl_control *c, const struct gl_media_state *ms)
{
	char topic[MQTT_TOPIC_MAX], level[GL_NAME_MAX];
	cJSON *o;
	char *json;

	if (c->conn != MQTT_CONNECTED || !(o = cJSON_CreateObject()))
		return;
	cJSON_AddStringToObject(o, "state", ms->state);
	cJSON_AddBoolToObject(o, "connected", ms->connected);
	cJSON_AddBoolToObject(o, "ready", ms->ready);
	cJSON_AddBoolToObject(o, "playing", ms->playing);
	cJSON_AddNumberToObject(o, "position", round(ms->position_s * 1000.0) / 1000.0);
	cJSON_AddNumberToObject(o, "rate", ms->rate);
	cJSON_AddStringToObject(o, "error", ms->error ? ms->error : "");
	json = cJSON_PrintUnformatted(o);
	mqtt_topic_level(ms->target, level, sizeof level);
	if (json && topic_of(c, topic, sizeof topic, "state/%s/%s", ms->kind, level))
		publish(c, topic, json, strlen(json), c->set.qos, true);
	cJSON_free(json);
	cJSON_Delete(o);
}

/* mqtt.publish and cue actions: msg->address is the topic ("~/x" is under
 * the base), argv: payload ('s' or 'b'), then optionally qos ('i', or 'N'
 * for the adapter's) and retain ('T'/'F'). */
static int mqtt_send(struct gl_control *c, const struct gl_ctl_msg *msg)
{
	char topic[MQTT_TOPIC_MAX];
	const struct gl_ctl_arg *a = msg->argv;
	int qos = c->set.qos;
	bool retain = false;
	size_t len = 0;
	const char *payload = "";

	if (!msg->address || msg->argc < 0 || msg->argc > 3 || (msg->argc && !a))
		return GL_EINVAL;
	if (strncmp(msg->address, "~/", 2) == 0) {
		if (!topic_of(c, topic, sizeof topic, "%s", msg->address + 2))
			return GL_EINVAL;
	} else if (snprintf(topic, sizeof topic, "%s", msg->address) >= (int)sizeof topic) {
		return GL_EINVAL;
	}
	if (!mqtt_topic_ok(topic, false))
		return GL_EINVAL;
	if (msg->argc >= 1) {
		if ((a[0].type != 's' && a[0].type != 'b') || !a[0].s || a[0].i < 0)
			return GL_EINVAL;
		payload = a[0].s;
		len = a[0].type == 'b' ? (size_t)a[0].i : strlen(a[0].s);
	}
	if (msg->argc >= 2 && a[1].type != 'N') {    /* nil: the adapter's qos */
		if (a[1].type != 'i' || a[1].i < 0 || a[1].i > 2)
			return GL_EINVAL;
		qos = (int)a[1].i;
	}
	if (msg->argc >= 3) {
		if (a[2].type != 'T' && a[2].type != 'F')
			return GL_EINVAL;
		retain = a[2].type == 'T';
	}
	if (len > (size_t)INT32_MAX)
		return GL_ERANGE;
	return publish(c, topic, payload, len, qos, retain);
}

static const struct gl_control_stats *mqtt_stats(struct gl_control *c)
{
	return &c->stats;
}

const struct gl_control_ops gl_mqtt_control_ops = {
	.version = 1,
	.name = "mqtt",
	.options = &mqtt_options,
	.default_on = false,
	.check = mqtt_check,
	.create = mqtt_create,
	.destroy = mqtt_destroy,
	.poll_fds = mqtt_poll_fds,
	.service = mqtt_service,
	.next_timer_ns = mqtt_next_timer,
	.on_event = mqtt_on_event,
	.notify = mqtt_notify,
	.run_note = mqtt_run_note,
	.send = mqtt_send,
	.stats = mqtt_stats,
	.url_options = mqtt_url_options,
	.output_status = mqtt_output_status,
	.media_state = mqtt_media_state,
};
