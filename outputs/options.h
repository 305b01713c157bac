/*
 * options.h - options of outputs and control adapters as the show file gives
 * them (text, with the show-file line), and the helpers that read them.
 * Shared by every kind of adapter in outputs/. Any thread: the helpers only
 * read what they are given.
 */
#ifndef GL_OPTIONS_H
#define GL_OPTIONS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define GL_OUTPUT_MAX_OPTIONS 24

/* One option from the show file, as text (numbers formatted with %.17g,
 * booleans "true"/"false", lists as comma-separated text). */
struct gl_output_option {
	char key[32];
	char value[256];
	int line;              /* show-file line, for errors; 0 unknown */
};

/* Option values reach configure() as text ("%.17g" numbers, "true"/"false").
 * gl_output_int: a whole number min..max ("100", "1e+02"); gl_output_bool:
 * true/false/1/0. Return 0, or GL_ERANGE / GL_EINVAL. */
int gl_output_int(const char *text, long min, long max, long *out);
int gl_output_bool(const char *text, bool *out);
/* Formats "<prefix>: <message> (line N)" into err (the line when opt has
 * one); returns GL_EINVAL, for `return fail(...)` in configure(). */
int gl_output_vfail(char *err, size_t err_len, const char *prefix,
		    const struct gl_output_option *opt, const char *fmt, va_list ap);

#endif
