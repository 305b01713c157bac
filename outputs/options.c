/*
 * options.c - reading option text: whole numbers, booleans, and the
 * "<prefix>: message (line N)" error format every adapter uses.
 */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gl.h"

int gl_output_int(const char *text, long min, long max, long *out)
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

int gl_output_bool(const char *text, bool *out)
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

int gl_output_vfail(char *err, size_t err_len, const char *prefix,
		    const struct gl_output_option *opt, const char *fmt, va_list ap)
{
	size_t used;

	if (!err || err_len == 0)
		return GL_EINVAL;
	used = (size_t)snprintf(err, err_len, "%s: ", prefix);
	if (used < err_len)
		used += (size_t)vsnprintf(err + used, err_len - used, fmt, ap);
	if (opt && opt->line > 0 && used < err_len)
		snprintf(err + used, err_len - used, " (line %d)", opt->line);
	return GL_EINVAL;
}
