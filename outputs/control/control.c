/*
 * control.c - the control-adapter registry, the set of running adapters
 * that app/play.c polls, and what every adapter does alike (log lines and
 * their per-second limit, closing summaries and the drop reasons they
 * name, the snapshot's arrays).
 * Control thread only. Invariant: the set remembers how many pollfds each
 * adapter filled last, so service() hands each adapter back exactly its own
 * slice.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

extern const struct gl_control_ops gl_osc_control_ops;
extern const struct gl_control_ops gl_mqtt_control_ops;
extern const struct gl_control_ops gl_rtsp_control_ops;   /* outputs/media/rtsp */
extern const struct gl_control_ops gl_midi_control_ops;

static const struct gl_control_ops *const control_registry[] = {
	&gl_osc_control_ops,
	&gl_mqtt_control_ops,
	&gl_rtsp_control_ops,
	&gl_midi_control_ops,
	NULL,
};

const struct gl_control_ops *const *gl_control_all(void)
{
	return control_registry;
}

const struct gl_control_ops *gl_control_find(const char *name)
{
	for (int i = 0; name && control_registry[i]; i++)
		if (strcmp(control_registry[i]->name, name) == 0)
			return control_registry[i];
	return NULL;
}

void gl_control_log(const struct gl_control_host *host, struct gl_control_stats *stats,
		    bool error, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (error && stats) {   /* the status line shows the start */
		size_t n = strnlen(line, sizeof stats->last_error - 1);

		memcpy(stats->last_error, line, n);
		stats->last_error[n] = '\0';
	}
	if (host && host->log)
		host->log(host->ud, error, line);
	else
		fprintf(stderr, "%s\n", line);
}

void gl_control_log_window_roll(struct gl_control_log_window *w,
				const struct gl_control_host *host, struct gl_control_stats *stats,
				const char *adapter, uint64_t now_ns)
{
	if (now_ns - w->start_ns < GL_NS_PER_S)
		return;
	if (w->unlogged)
		gl_control_log(host, stats, false, "%s: %llu more dropped messages not logged",
			       adapter, (unsigned long long)w->unlogged);
	w->unlogged = 0;
	w->start_ns = now_ns;
	w->lines = 0;
	w->errors = 0;
}

bool gl_control_log_window_take(struct gl_control_log_window *w, int per_s)
{
	if (w->lines++ < per_s)
		return true;
	w->unlogged++;
	return false;
}

int gl_control_snapshot_alloc(struct gl_engine *e, struct gl_snapshot *snap)
{
	int lists = gl_engine_cuelist_count(e), faders = gl_engine_fader_count(e);

	snap->lists = calloc((size_t)(lists ? lists : 1), sizeof *snap->lists);
	snap->fader_levels = calloc((size_t)(faders ? faders : 1), sizeof *snap->fader_levels);
	return snap->lists && snap->fader_levels ? 0 : GL_ENOMEM;
}

void gl_control_snapshot_free(struct gl_snapshot *snap)
{
	free(snap->lists);
	free(snap->fader_levels);
	snap->lists = NULL;
	snap->fader_levels = NULL;
}

size_t gl_control_summary(char *buf, size_t len, const char *adapter,
			  const struct gl_control_stats *st)
{
	int n = snprintf(buf, len, "%s: %llu messages received, %llu dropped, %llu sent", adapter,
			 (unsigned long long)st->received, (unsigned long long)st->dropped,
			 (unsigned long long)st->sent);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static const char *const drop_names[GL_CONTROL_DROP_COUNT] = {
	[GL_CONTROL_DROP_NONE] = "accepted",
	[GL_CONTROL_DROP_MALFORMED] = "malformed",
	[GL_CONTROL_DROP_TOO_BIG] = "too big",
	[GL_CONTROL_DROP_WRONG_TYPE] = "wrong type",
	[GL_CONTROL_DROP_RANGE] = "out of range",
	[GL_CONTROL_DROP_NO_SUCH_TARGET] = "no such target",
	[GL_CONTROL_DROP_ENGINE_BUSY] = "engine busy",
	[GL_CONTROL_DROP_UNHANDLED] = "unhandled",
	[GL_CONTROL_DROP_NOT_ALLOWED] = "not allowed",
	[GL_CONTROL_DROP_UNKNOWN_ADDRESS] = "unknown address",
	[GL_CONTROL_DROP_AMBIGUOUS] = "ambiguous pattern",
	[GL_CONTROL_DROP_QUEUE_FULL] = "queue full",
	[GL_CONTROL_DROP_TIMETAG_AHEAD] = "timetag too far ahead",
	[GL_CONTROL_DROP_SUBSCRIBERS] = "too many subscribers",
	[GL_CONTROL_DROP_CONNECTIONS] = "too many TCP connections",
	[GL_CONTROL_DROP_TOO_COSTLY] = "pattern too costly",
	[GL_CONTROL_DROP_RETAINED] = "retained command",
	[GL_CONTROL_DROP_NOT_UTF8] = "not UTF-8",
	[GL_CONTROL_DROP_UNKNOWN_COMMAND] = "unknown command",
	[GL_CONTROL_DROP_FLOOD] = "flood",
	[GL_CONTROL_DROP_UNMAPPED] = "unmapped",
	[GL_CONTROL_DROP_NOT_FOR_US] = "not for us",
	[GL_CONTROL_DROP_UNSUPPORTED] = "unsupported",
	[GL_CONTROL_DROP_PICKUP] = "pickup",
	[GL_CONTROL_DROP_OVERRUN] = "overrun",
	[GL_CONTROL_DROP_TOO_MANY] = "too many",
};

const char *gl_control_drop_name(enum gl_control_drop reason)
{
	return reason >= 0 && reason < GL_CONTROL_DROP_COUNT ? drop_names[reason] : "?";
}

size_t gl_control_drop_text(char *buf, size_t len, size_t used,
			    const uint64_t counts[GL_CONTROL_DROP_COUNT],
			    const enum gl_control_drop *reasons, size_t reason_count)
{
	bool any = false;

	for (size_t i = 0; i < reason_count && used + 1 < len; i++) {
		enum gl_control_drop r = reasons[i];

		if (!counts[r])
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s %llu", any ? ", " : " (",
					 gl_control_drop_name(r), (unsigned long long)counts[r]);
		any = true;
	}
	if (any && used + 1 < len)
		used += (size_t)snprintf(buf + used, len - used, ")");
	return used < len ? used : len - 1;
}

int gl_control_config_url(struct gl_control_config *cfg, const char *url, char *err,
			  size_t err_len)
{
	const struct gl_control_ops *ops = gl_control_find(cfg->type);
	struct gl_option given[GL_OPTION_MAX];
	int n;

	if (!ops || !ops->url_options) {
		snprintf(err, err_len, "%s: takes no URL", cfg->type);
		return GL_EINVAL;
	}
	n = ops->url_options(url, given, GL_OPTION_MAX, err, err_len);
	if (n < 0)
		return GL_EINVAL;
	for (int i = 0; i < n; i++) {
		int at = cfg->option_count;

		for (int k = 0; k < cfg->option_count; k++)
			if (strcmp(cfg->options[k].key, given[i].key) == 0)
				at = k;
		if (at == GL_OPTION_MAX) {
			snprintf(err, err_len, "%s: too many options with the URL's", cfg->type);
			return GL_EINVAL;
		}
		cfg->options[at] = given[i];
		if (at == cfg->option_count)
			cfg->option_count++;
	}
	cfg->declared = true;
	return 0;
}

struct control_slot {
	const struct gl_control_ops *ops;
	struct gl_control *c;
	int fd_count;              /* pollfds filled by the last poll_fds() */
};

struct gl_controls {
	struct control_slot slot[GL_CONTROL_MAX];
	int count;
};

static void controls_log(const struct gl_control_host *host, const char *text)
{
	if (host && host->log)
		host->log(host->ud, true, text);
	else
		fprintf(stderr, "%s\n", text);
}

struct gl_controls *gl_controls_create(const struct gl_control_config *configs, int count,
				       const struct gl_control_host *host)
{
	struct gl_controls *set = calloc(1, sizeof *set);

	if (!set)
		return NULL;
	for (int r = 0; control_registry[r] && set->count < GL_CONTROL_MAX; r++) {
		const struct gl_control_ops *ops = control_registry[r];
		const struct gl_control_config *cfg = NULL;
		struct gl_control_config defaults;
		char err[300] = "", line[400];

		for (int i = 0; i < count; i++)
			if (strcmp(configs[i].type, ops->name) == 0)
				cfg = &configs[i];
		if (!cfg) {
			if (!ops->default_on)
				continue;
			memset(&defaults, 0, sizeof defaults);
			snprintf(defaults.type, sizeof defaults.type, "%s", ops->name);
			if (host && host->show_name)
				snprintf(defaults.show_name, sizeof defaults.show_name, "%s",
					 host->show_name);
			cfg = &defaults;
		}
		struct gl_control *c = ops->create(cfg, host, err, sizeof err);

		if (!c) {
			if (err[0]) {
				snprintf(line, sizeof line, "%s: not started: %s", ops->name, err);
				controls_log(host, line);
			}
			continue;
		}
		set->slot[set->count++] = (struct control_slot){ .ops = ops, .c = c };
	}
	return set;
}

void gl_controls_destroy(struct gl_controls *set)
{
	if (!set)
		return;
	for (int i = 0; i < set->count; i++)
		set->slot[i].ops->destroy(set->slot[i].c);
	free(set);
}

int gl_controls_poll_fds(struct gl_controls *set, struct pollfd *fds, int max)
{
	int used = 0;

	for (int i = 0; set && i < set->count; i++) {
		struct control_slot *s = &set->slot[i];

		s->fd_count = s->ops->poll_fds ? s->ops->poll_fds(s->c, fds + used, max - used) : 0;
		used += s->fd_count;
	}
	return used;
}

void gl_controls_service(struct gl_controls *set, const struct pollfd *fds, int count,
			 uint64_t now_ns)
{
	int at = 0;

	for (int i = 0; set && i < set->count; i++) {
		struct control_slot *s = &set->slot[i];
		int n = s->fd_count;

		if (at + n > count)
			n = count > at ? count - at : 0;
		s->ops->service(s->c, fds + at, n, now_ns);
		at += s->fd_count;
	}
}

uint64_t gl_controls_next_timer_ns(struct gl_controls *set)
{
	uint64_t next = 0;

	for (int i = 0; set && i < set->count; i++) {
		uint64_t t = set->slot[i].ops->next_timer_ns ?
			     set->slot[i].ops->next_timer_ns(set->slot[i].c) : 0;

		if (t && (!next || t < next))
			next = t;
	}
	return next;
}

void gl_controls_event(struct gl_controls *set, const struct gl_event *ev)
{
	for (int i = 0; set && i < set->count; i++)
		if (set->slot[i].ops->on_event)
			set->slot[i].ops->on_event(set->slot[i].c, ev);
}

void gl_controls_notify(struct gl_controls *set, const char *text)
{
	for (int i = 0; set && i < set->count; i++)
		if (set->slot[i].ops->notify)
			set->slot[i].ops->notify(set->slot[i].c, text);
}

void gl_controls_run_note(struct gl_controls *set, const char *text)
{
	for (int i = 0; set && i < set->count; i++) {
		const struct gl_control_ops *ops = set->slot[i].ops;

		if (ops->run_note)
			ops->run_note(set->slot[i].c, text);
		else if (ops->notify)
			ops->notify(set->slot[i].c, text);
	}
}

void gl_controls_output_status(struct gl_controls *set, const char *output, const char *error)
{
	for (int i = 0; set && i < set->count; i++)
		if (set->slot[i].ops->output_status)
			set->slot[i].ops->output_status(set->slot[i].c, output, error);
}

void gl_controls_media_state(struct gl_controls *set, const struct gl_media_state *ms)
{
	for (int i = 0; set && i < set->count; i++)
		if (set->slot[i].ops->media_state)
			set->slot[i].ops->media_state(set->slot[i].c, ms);
}

int gl_controls_send(struct gl_controls *set, const char *adapter, const struct gl_ctl_msg *msg)
{
	for (int i = 0; set && i < set->count; i++)
		if (strcmp(set->slot[i].ops->name, adapter) == 0)
			return set->slot[i].ops->send ? set->slot[i].ops->send(set->slot[i].c, msg)
						      : GL_EINVAL;
	return GL_ENOENT;
}

bool gl_controls_timecode(struct gl_controls *set, uint64_t now_ns, struct gl_timecode *out)
{
	for (int i = 0; set && i < set->count; i++)
		if (set->slot[i].ops->timecode && set->slot[i].ops->timecode(set->slot[i].c, now_ns, out))
			return true;
	return false;
}

int gl_controls_count(const struct gl_controls *set)
{
	return set ? set->count : 0;
}

const char *gl_controls_name(const struct gl_controls *set, int i)
{
	return set && i >= 0 && i < set->count ? set->slot[i].ops->name : NULL;
}

const struct gl_control_stats *gl_controls_stats(struct gl_controls *set, int i)
{
	if (!set || i < 0 || i >= set->count || !set->slot[i].ops->stats)
		return NULL;
	return set->slot[i].ops->stats(set->slot[i].c);
}
