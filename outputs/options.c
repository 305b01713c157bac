/*
 * options.c - the one parser of adapter options and the help printed from
 * the same tables (see options.h). Any thread.
 */
#include "options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gl.h"

size_t gl_text_fit(const char *text, size_t size)
{
	size_t n = size ? strnlen(text, size) : 0;

	if (size && n > size - 1) {
		n = size - 1;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	return n;
}

int gl_opt_whole(const char *text, long min, long max, long *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end != '\0' || errno || v != floor(v) ||
	    v < (double)min || v > (double)max)
		return GL_ERANGE;
	*out = (long)v;
	return 0;
}

int gl_opt_bool(const char *text, bool *out)
{
	if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) {
		*out = false;
		return 0;
	}
	return GL_EINVAL;
}

const struct gl_option *gl_opt_find(const struct gl_option *given, int count, const char *name)
{
	for (int i = 0; given && i < count && i < GL_OPTION_MAX; i++)
		if (strcmp(given[i].key, name) == 0)
			return &given[i];
	return NULL;
}

int gl_opt_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return GL_EINVAL;
}

/* "0..200", "0.05..3600": how the help and errors write a range. */
static void range_text(const struct gl_opt *o, char *buf, size_t len)
{
	snprintf(buf, len, "%g..%g", o->min, o->max);
}

/* The item in a comma list, trimmed, into buf. Returns the text after the
 * comma, or NULL at the end. */
static const char *next_item(const char *p, char *buf, size_t len)
{
	const char *comma = strchr(p, ',');
	size_t n = comma ? (size_t)(comma - p) : strlen(p);

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return comma ? comma + 1 : NULL;
}

static int parse_list(const struct gl_opt *o, const char *text, void *field, char *err,
		      size_t len)
{
	char item[GL_OPTION_VALUE_MAX], why[200];
	const char *p = text;
	int count = 0;

	while (p) {
		p = next_item(p, item, sizeof item);
		if (!item[0])
			return gl_opt_fail(err, len, "%s: empty item in \"%s\"", o->name, text);
		if (count >= (int)o->max)
			return gl_opt_fail(err, len, "%s: at most %d items", o->name, (int)o->max);
		why[0] = '\0';
		if (o->parse(item, count, field, why, sizeof why) != 0)
			return gl_opt_fail(err, len, "%s: %s", o->name, why[0] ? why : "bad item");
		count++;
	}
	if (count < (int)o->min)
		return gl_opt_fail(err, len, "%s: needs at least %d items", o->name, (int)o->min);
	return 0;
}

static int parse_one(const struct gl_opt *o, const char *text, char *dest, char *err, size_t len)
{
	void *field = dest + o->offset;
	char range[64], why[200];
	long whole;

	switch (o->type) {
	case GL_OPT_INT:
		range_text(o, range, sizeof range);
		if (gl_opt_whole(text, (long)o->min, (long)o->max, &whole) != 0)
			return gl_opt_fail(err, len, "%s: must be a whole number %s, not \"%s\"", o->name,
				    range, text);
		*(int *)field = (int)whole;
		return 0;
	case GL_OPT_REAL: {
		char *end;
		double v = strtod(text, &end);

		range_text(o, range, sizeof range);
		if (end == text || *end || !(v >= o->min && v <= o->max))
			return gl_opt_fail(err, len, "%s: must be a number %s, not \"%s\"", o->name, range,
				    text);
		*(double *)field = v;
		return 0;
	}
	case GL_OPT_BOOL:
		if (gl_opt_bool(text, field) != 0)
			return gl_opt_fail(err, len, "%s: must be true or false, not \"%s\"", o->name, text);
		return 0;
	case GL_OPT_TEXT: {
		size_t n = strlen(text);

		if (n < (size_t)o->min)
			return gl_opt_fail(err, len, "%s: must not be empty", o->name);
		if (n > (size_t)o->max || n >= o->size)
			return gl_opt_fail(err, len, "%s: must be at most %d bytes, not %zu", o->name,
				    (int)o->max, n);
		memcpy(field, text, n + 1);
		return 0;
	}
	case GL_OPT_IPV4:
		if (inet_pton(AF_INET, text, field) != 1)
			return gl_opt_fail(err, len, "%s: must be an IPv4 address (a.b.c.d), not \"%s\"",
				    o->name, text);
		return 0;
	case GL_OPT_CHOICE: {
		const char *c = o->choices;
		size_t n = strlen(text);

		for (int i = 0; c && *c; i++) {
			size_t w = strcspn(c, "|");

			if (w == n && strncmp(c, text, n) == 0) {
				*(int *)field = i;
				return 0;
			}
			c += w + (c[w] == '|');
		}
		snprintf(why, sizeof why, "%s", o->choices);
		for (char *q = why; *q; q++)
			if (*q == '|')
				*q = '/';
		return gl_opt_fail(err, len, "%s: must be one of %s, not \"%s\"", o->name, why, text);
	}
	case GL_OPT_LIST:
		return parse_list(o, text, field, err, len);
	case GL_OPT_CUSTOM:
		why[0] = '\0';
		if (o->parse(text, 0, field, why, sizeof why) != 0)
			return gl_opt_fail(err, len, "%s: %s", o->name, why[0] ? why : "bad value");
		return 0;
	}
	return gl_opt_fail(err, len, "%s: unknown option type", o->name);
}

static const struct gl_opt *table_find(const struct gl_opt_table *t, const char *name)
{
	for (const struct gl_opt *o = t->opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static int unknown(const struct gl_opt_table *t, const char *key, char *err, size_t len)
{
	size_t used;

	if (!err || !len)
		return GL_EINVAL;
	used = (size_t)snprintf(err, len, "unknown option '%s' (known:", key);
	for (const struct gl_opt *o = t->opts; o->name && used < len; o++)
		used += (size_t)snprintf(err + used, len - used, "%s %s", o == t->opts ? "" : ",",
					 o->name);
	if (used < len)
		snprintf(err + used, len - used, ")");
	return GL_EINVAL;
}

int gl_opt_parse(const struct gl_opt_table *table, const struct gl_option *given, int count,
		 void *dest, char *err, size_t err_len)
{
	char *base = dest;

	if (!table || !dest || count < 0 || count > GL_OPTION_MAX)
		return gl_opt_fail(err, err_len, "bad option list");
	for (const struct gl_opt *o = table->opts; o->name; o++) {
		/* A default is parsed like any value: a table with a default its
		 * own parser refuses is a programming error, caught by the tests
		 * that parse every table with no options. */
		if (o->def && parse_one(o, o->def, base, err, err_len) != 0)
			return GL_EINVAL;
		if (o->given)
			*(bool *)(base + o->given - 1) = false;
	}
	for (int i = 0; i < count; i++) {
		const struct gl_opt *o = table_find(table, given[i].key);

		if (!o)
			return unknown(table, given[i].key, err, err_len);
		for (int j = 0; j < i; j++)
			if (strcmp(given[j].key, given[i].key) == 0)
				return gl_opt_fail(err, err_len, "option '%s' given twice", given[i].key);
		if (parse_one(o, given[i].value, base, err, err_len) != 0)
			return GL_EINVAL;
		if (o->given)
			*(bool *)(base + o->given - 1) = true;
	}
	return 0;
}

/* ---- help ------------------------------------------------------------------------------------ */

static void value_text(const struct gl_opt *o, char *buf, size_t len)
{
	switch (o->type) {
	case GL_OPT_INT:
	case GL_OPT_REAL:
		range_text(o, buf, len);
		return;
	case GL_OPT_BOOL:
		snprintf(buf, len, "true/false");
		return;
	case GL_OPT_TEXT:
		snprintf(buf, len, "text, %d bytes at most", (int)o->max);
		return;
	case GL_OPT_IPV4:
		snprintf(buf, len, "IPv4 address");
		return;
	case GL_OPT_CHOICE:
		snprintf(buf, len, "%s", o->choices);
		for (char *q = buf; *q; q++)
			if (*q == '|')
				*q = '/';
		return;
	case GL_OPT_LIST:
	case GL_OPT_CUSTOM:
		snprintf(buf, len, "%s", o->syntax ? o->syntax : "text");
		return;
	}
	snprintf(buf, len, "?");
}

static const char *default_text(const struct gl_opt *o)
{
	if (o->def_help)
		return o->def_help;
	if (o->def)
		return o->def[0] ? o->def : "\"\"";
	return "-";
}

void gl_opt_print(const struct gl_opt_table *t, const char *note, FILE *out)
{
	char value[128];

	fprintf(out, "%s - %s\n", t->name, t->summary);
	if (note)
		fprintf(out, "  %s\n", note);
	for (const struct gl_opt *o = t->opts; o->name; o++) {
		value_text(o, value, sizeof value);
		fprintf(out, "  %-15s %s; default %s\n  %-15s %s\n", o->name, value, default_text(o),
			"", o->help);
	}
}

/* A table cell: what Markdown would take for markup (<show>, a | ) made
 * literal. */
static void cell(FILE *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '<')
			fputs("&lt;", out);
		else if (*p == '>')
			fputs("&gt;", out);
		else if (*p == '|')
			fputs("\\|", out);
		else
			fputc(*p, out);
	}
}

void gl_opt_print_markdown(const struct gl_opt_table *t, const char *note, FILE *out)
{
	char value[128];

	fprintf(out, "`%s` - ", t->name);
	cell(out, t->summary);
	if (note) {
		fputs("; ", out);
		cell(out, note);
	}
	fprintf(out, "\n\n| option | value | default | meaning |\n|---|---|---|---|\n");
	for (const struct gl_opt *o = t->opts; o->name; o++) {
		value_text(o, value, sizeof value);
		fprintf(out, "| `%s` | ", o->name);
		cell(out, value);
		fputs(" | ", out);
		if (o->def && !o->def_help)
			fprintf(out, "`%s`", o->def);
		else
			cell(out, default_text(o));
		fputs(" | ", out);
		cell(out, o->help);
		fputs(" |\n", out);
	}
}
