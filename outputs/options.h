/*
 * options.h - the options of outputs and control adapters, declared once.
 *
 * An adapter describes its options in one const table (struct
 * gl_opt_table): name, type, range or choices, default, where the value is
 * stored and one line of help. One parser (gl_opt_parse) reads what the
 * show gave against that table and fills the adapter's struct, with the
 * same errors for every adapter ("priority: must be a whole number
 * 0..200, not \"300\""); `ghostlight help` prints the same tables, and the
 * README's option tables are generated from them (tools/readme_options.sh).
 *
 * Option values reach adapters as text: the show loader formats numbers
 * with %.17g, booleans as true/false, lists as comma-separated items.
 * Any thread: everything here only reads the tables and what it is given.
 */
#ifndef GL_OPTIONS_H
#define GL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define GL_OPTION_MAX 24             /* options one declaration may give */
#define GL_OPTION_VALUE_MAX 256

/* One option from the show file, as text. */
struct gl_option {
	char key[32];
	char value[GL_OPTION_VALUE_MAX];
	int line;                    /* show-file line, 0 unknown */
};

enum gl_opt_type {
	GL_OPT_INT,      /* whole number min..max -> int */
	GL_OPT_REAL,     /* number min..max -> double */
	GL_OPT_BOOL,     /* true / false -> bool */
	GL_OPT_TEXT,     /* min..max bytes -> char[size] */
	GL_OPT_IPV4,     /* a.b.c.d -> struct in_addr (network order) */
	GL_OPT_CHOICE,   /* one word of `choices` ("a|b|c") -> int, its index */
	GL_OPT_LIST,     /* min..max comma-separated items, each given to parse() */
	GL_OPT_CUSTOM,   /* parse() reads the whole text */
};

/* parse() for GL_OPT_LIST (called per item, index = the item's position)
 * and GL_OPT_CUSTOM (index 0): stores into field, or returns GL_EINVAL
 * with what is wrong in why ("\"x\" is not an IPv4 address"). */
typedef int (*gl_opt_parse_fn)(const char *text, int index, void *field, char *why,
			       size_t why_len);

struct gl_opt {
	const char *name;
	enum gl_opt_type type;
	double min, max;             /* INT/REAL range; TEXT bytes; LIST items */
	const char *def;             /* default as the show would write it; NULL = none */
	const char *def_help;        /* for help, when the default is worked out
				      * (e.g. "ghostlight: <show>") */
	size_t offset;               /* GL_OPT_AT(struct, member) */
	size_t size;
	size_t given;                /* GL_OPT_GIVEN(struct, member): a bool set when
				      * the show gave this option; 0 = none (+1 so
				      * that offset 0 can be named) */
	const char *choices;         /* CHOICE: "multicast|unicast" */
	gl_opt_parse_fn parse;       /* LIST, CUSTOM */
	const char *syntax;          /* LIST, CUSTOM: the value's form, for help */
	const char *help;            /* one line */
};

/* A macro's value as the text of a default: GL_OPT_STR(SACN_PORT). */
#define GL_OPT_STR(x) GL_OPT_STR_(x)
#define GL_OPT_STR_(x) #x
/* Where a value goes, and the bool that says it was given (designators,
 * so entries read { "port", GL_OPT_INT, 1, 65535, "7700", GL_OPT_AT(...) }). */
#define GL_OPT_AT(type, member) .offset = offsetof(type, member), \
	.size = sizeof(((type *)0)->member)
#define GL_OPT_GIVEN(type, member) .given = offsetof(type, member) + 1

struct gl_opt_table {
	const char *name;            /* "sacn", "osc" */
	const char *summary;         /* one line: what the adapter is */
	const struct gl_opt *opts;   /* ends with { NULL } */
};

/* Sets every default, then every option given. On error returns GL_EINVAL
 * with "name: what is wrong" in err; dest may then hold a partial result.
 * Unknown options are named with the list of known ones, repeats refused. */
int gl_opt_parse(const struct gl_opt_table *table, const struct gl_option *given, int count,
		 void *dest, char *err, size_t err_len);

/* The option `name` in what the show gave, or NULL. */
const struct gl_option *gl_opt_find(const struct gl_option *given, int count, const char *name);

/* Help: every option of `table`, as text for a terminal or as the
 * README's Markdown table; `note` (may be NULL) is printed after the
 * summary (an output's universes). */
void gl_opt_print(const struct gl_opt_table *table, const char *note, FILE *out);
void gl_opt_print_markdown(const struct gl_opt_table *table, const char *note, FILE *out);

/* Formats what is wrong into err (when err_len > 0) and returns GL_EINVAL,
 * for `return gl_opt_fail(err, len, "...", ...)` in adapters. */
int gl_opt_fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A whole number min..max ("100", "1e+02") and true/false/1/0, for
 * adapters' own parse() functions. Return 0, or GL_ERANGE / GL_EINVAL. */
int gl_opt_whole(const char *text, long min, long max, long *out);
int gl_opt_bool(const char *text, bool *out);

/* How many bytes of text fit in a field of size bytes with room for a NUL
 * (at most size - 1), cut before a UTF-8 character that would be split, so
 * a receiver never shows half a character. */
size_t gl_text_fit(const char *text, size_t size);

#endif
