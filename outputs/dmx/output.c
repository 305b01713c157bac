/*
 * output.c - the output registry (every known output type, found by the
 * name a show file gives) and the option helpers configure() functions use.
 *
 * Any thread: the registry is a const table and the helpers only read the
 * config they are given.
 */
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct gl_output_ops gl_output_sacn;
extern const struct gl_output_ops gl_output_artnet;
extern const struct gl_output_ops gl_output_enttec_pro;
extern const struct gl_output_ops gl_output_open_dmx;

/* NULL-terminated; gl_output_all() hands it out as is. */
static const struct gl_output_ops *const output_registry[] = {
	&gl_output_sacn,
	&gl_output_artnet,
	&gl_output_enttec_pro,
	&gl_output_open_dmx,
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

const struct gl_output_option *gl_output_option(const struct gl_output_config *cfg,
						const char *key)
{
	if (!cfg || !key)
		return NULL;
	for (int i = 0; i < cfg->option_count && i < GL_OUTPUT_MAX_OPTIONS; i++)
		if (strcmp(cfg->options[i].key, key) == 0)
			return &cfg->options[i];
	return NULL;
}

/* Appends " (line N)" when the show-file line is known. */
static void line_suffix(char *buf, size_t len, int line)
{
	if (line > 0)
		snprintf(buf, len, " (line %d)", line);
	else if (len > 0)
		buf[0] = '\0';
}

int gl_output_check_keys(const struct gl_output_config *cfg, const char *const *known,
			 char *err, size_t err_len)
{
	char where[32];

	if (!cfg || !known)
		return GL_EINVAL;
	for (int i = 0; i < cfg->option_count && i < GL_OUTPUT_MAX_OPTIONS; i++) {
		const struct gl_output_option *opt = &cfg->options[i];
		bool found = false;

		for (int k = 0; known[k]; k++)
			if (strcmp(known[k], opt->key) == 0)
				found = true;
		line_suffix(where, sizeof where, opt->line);
		if (!found) {
			/* List what is accepted: the usual cause is a typo. */
			size_t used;

			if (!err || err_len == 0)
				return GL_EINVAL;
			used = (size_t)snprintf(err, err_len, "%s: unknown option '%s'%s; known:",
						cfg->type, opt->key, where);
			for (int k = 0; known[k] && used < err_len; k++)
				used += (size_t)snprintf(err + used, err_len - used, "%s %s",
							 k ? "," : "", known[k]);
			return GL_EINVAL;
		}
		for (int j = 0; j < i; j++) {
			if (strcmp(cfg->options[j].key, opt->key) == 0) {
				if (err && err_len)
					snprintf(err, err_len, "%s: option '%s' given twice%s",
						 cfg->type, opt->key, where);
				return GL_EINVAL;
			}
		}
	}
	return 0;
}

void gl_output_config_free(struct gl_output_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->universes);
	cfg->universes = NULL;
	cfg->universe_count = 0;
}




static int fail(char *err, size_t err_len, const char *prefix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = gl_output_vfail(err, err_len, prefix, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int gl_output_check_network(const struct gl_output_config *cfg, const char *prefix,
			    const char *const *known, char *err, size_t err_len)
{
	if (!cfg)
		return fail(err, err_len, prefix, "no configuration");
	if (gl_output_check_keys(cfg, known, err, err_len))
		return GL_EINVAL;
	if (cfg->universe_count < 1 || cfg->universe_count > GL_OUTPUT_MAX_UNIVERSES ||
	    !cfg->universes)
		return fail(err, err_len, prefix, "needs 1..%d universes, not %d",
			    GL_OUTPUT_MAX_UNIVERSES, cfg->universe_count);
	return 0;
}
