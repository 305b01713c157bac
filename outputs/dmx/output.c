/*
 * output.c - the output registry (every known output type, found by the
 * name a show file gives), the start every configure() shares, and the few
 * things the drivers share (a universe's slots in a frame, a streamed
 * universe's keep-alive schedule, the name a network output announces).
 *
 * Any thread: the registry is a const table and the helpers only read the
 * config they are given; a gl_stream belongs to the output thread that
 * streams it.
 */
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct gl_output_ops gl_output_sacn;
extern const struct gl_output_ops gl_output_artnet;
extern const struct gl_output_ops gl_output_enttec_pro;
extern const struct gl_output_ops gl_output_open_dmx;
extern const struct gl_output_ops gl_output_nodes;

/* NULL-terminated; gl_output_all() hands it out as is. */
static const struct gl_output_ops *const output_registry[] = {
	&gl_output_sacn,
	&gl_output_artnet,
	&gl_output_enttec_pro,
	&gl_output_open_dmx,
	&gl_output_nodes,
	NULL,
};

const struct gl_output_ops *gl_output_find(const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; output_registry[i]; i++)
		if (strcmp(output_registry[i]->name, name) == 0)
			return output_registry[i];
	return NULL;
}

const struct gl_output_ops *const *gl_output_all(void)
{
	return output_registry;
}

void gl_output_config_free(struct gl_output_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->universes);
	cfg->universes = NULL;
	cfg->universe_count = 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int check_and_parse(const struct gl_output_ops *ops, const struct gl_output_config *cfg,
			   void *opts, char *err, size_t err_len)
{
	int n = cfg ? cfg->universe_count : 0;
	int *sorted;

	if (!ops || !cfg || !cfg->universes || n < 1)
		return gl_opt_fail(err, err_len, "needs %s", ops && ops->max_universes == 1 ?
			    "a universe (universe = N)" : "universes (universes = {1, 2})");
	if (n > ops->max_universes)
		return gl_opt_fail(err, err_len, ops->max_universes == 1 ?
			    "drives one universe: give universe = N (not %d universes)" :
			    "takes at most %d universes", ops->max_universes == 1 ? n :
			    ops->max_universes);
	sorted = malloc((size_t)n * sizeof *sorted);
	if (!sorted)
		return gl_opt_fail(err, err_len, "out of memory");
	memcpy(sorted, cfg->universes, (size_t)n * sizeof *sorted);
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_int);
	for (int i = 0; i < n; i++) {
		int rc = 0;

		if (sorted[i] < GL_UNIVERSE_MIN || sorted[i] > GL_UNIVERSE_MAX)
			rc = gl_opt_fail(err, err_len, "universe %d is not in %d..%d", sorted[i],
				  GL_UNIVERSE_MIN, GL_UNIVERSE_MAX);
		else if (i > 0 && sorted[i] == sorted[i - 1])
			rc = gl_opt_fail(err, err_len, "universe %d listed twice", sorted[i]);
		if (rc) {
			free(sorted);
			return rc;
		}
	}
	free(sorted);
	return gl_opt_parse(ops->options, cfg->options, cfg->option_count, opts, err, err_len);
}

void gl_output_universes_help(const struct gl_output_ops *ops, char *buf, size_t len)
{
	if (ops->max_universes == 1)
		snprintf(buf, len, "one universe: universe = N");
	else
		snprintf(buf, len, "universes = {...}, 1..%d of them", ops->max_universes);
}

const struct gl_output_status *gl_output_status(const struct gl_output *out)
{
	return (const struct gl_output_status *)out;
}

const uint8_t *gl_frame_slots(const struct gl_frame *frame, int number, int *cache)
{
	int i = *cache;

	if (i < 0 || i >= frame->universe_count || frame->numbers[i] != number) {
		for (i = 0; i < frame->universe_count && frame->numbers[i] != number; i++)
			;
		if (i == frame->universe_count)
			return NULL;
		*cache = i;
	}
	return frame->dmx + (size_t)i * GL_DMX_SLOTS;
}

void gl_stream_sent(struct gl_stream *s, const uint8_t *slots, bool ok, uint64_t now_ns,
		    uint64_t keepalive_ns)
{
	if (!ok) {
		/* Retry soon, but not at once: service() runs when this time
		 * comes, and a network that is down must not make it spin. */
		if (s->sent)
			s->next_keepalive_ns = now_ns + GL_STREAM_RETRY_NS;
		return;
	}
	if (slots != s->slots)
		memcpy(s->slots, slots, GL_DMX_SLOTS);
	s->sent = true;
	s->next_keepalive_ns = now_ns + keepalive_ns;
}

bool gl_stream_changed(const struct gl_stream *s, const uint8_t *slots)
{
	return !s->sent || memcmp(slots, s->slots, GL_DMX_SLOTS) != 0;
}

bool gl_stream_keepalive_due(const struct gl_stream *s, uint64_t now_ns)
{
	return s->sent && now_ns >= s->next_keepalive_ns;
}

uint64_t gl_stream_earliest(uint64_t next, const struct gl_stream *s)
{
	if (s->sent && (next == 0 || s->next_keepalive_ns < next))
		return s->next_keepalive_ns;
	return next;
}

void gl_output_default_name(char *name, size_t size, const char *show_name)
{
	char full[16 + GL_NAME_MAX];
	size_t n;

	if (show_name && show_name[0])
		snprintf(full, sizeof full, "ghostlight: %s", show_name);
	else
		snprintf(full, sizeof full, "ghostlight");
	n = gl_text_fit(full, size);
	memcpy(name, full, n);
	name[n] = '\0';
}

void *gl_output_new(const struct gl_output_ops *ops, const struct gl_output_config *cfg,
		    size_t size, char *err, size_t err_len)
{
	void *state = calloc(1, size);

	if (!state) {
		gl_opt_fail(err, err_len, "out of memory");
		return NULL;
	}
	if (check_and_parse(ops, cfg, state, err, err_len) != 0) {
		free(state);
		return NULL;
	}
	return state;
}
