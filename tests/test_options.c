/*
 * test_options.c - the one option parser (outputs/options.c) on a table of
 * every type, its errors, and every real adapter's table: each must accept
 * no options at all (its defaults parse) and print its help.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/gl.h"
#include "outputs/control/control.h"
#include "outputs/dmx/output.h"
#include "outputs/options.h"
#include "tools/show_test.h"

struct sample {
	int count;
	double level;
	bool loud;
	bool loud_given;
	char name[8];
	struct in_addr addr;
	int mode;
	int items[4];
	int item_count;
	int odd;
};

static int parse_item(const char *text, int index, void *field, char *why, size_t len)
{
	int *items = field;
	long v;

	if (gl_opt_whole(text, 0, 9, &v) != 0) {
		snprintf(why, len, "\"%s\" is not a digit", text);
		return GL_EINVAL;
	}
	items[index] = (int)v;
	/* the count lives next to the array in struct sample */
	((struct sample *)((char *)field - offsetof(struct sample, items)))->item_count = index + 1;
	return 0;
}

static int parse_odd(const char *text, int index, void *field, char *why, size_t len)
{
	long v;

	(void)index;
	if (gl_opt_whole(text, -99, 99, &v) != 0 || v % 2 == 0) {
		snprintf(why, len, "wants an odd number");
		return GL_EINVAL;
	}
	*(int *)field = (int)v;
	return 0;
}

static const struct gl_opt sample_opts[] = {
	{ "count", GL_OPT_INT, 1, 10, "3", GL_OPT_AT(struct sample, count), .help = "a count" },
	{ "level", GL_OPT_REAL, 0, 1, "0.5", GL_OPT_AT(struct sample, level), .help = "a level" },
	{ "loud", GL_OPT_BOOL, .def = "false", GL_OPT_AT(struct sample, loud),
	  GL_OPT_GIVEN(struct sample, loud_given), .help = "loud or not" },
	{ "name", GL_OPT_TEXT, 1, 7, "abc", GL_OPT_AT(struct sample, name), .help = "a name" },
	{ "addr", GL_OPT_IPV4, .def = "10.0.0.1", GL_OPT_AT(struct sample, addr), .help = "an address" },
	{ "mode", GL_OPT_CHOICE, .def = "off", GL_OPT_AT(struct sample, mode),
	  .choices = "off|on|auto", .help = "a mode" },
	{ "items", GL_OPT_LIST, 1, 4, .def_help = "none", GL_OPT_AT(struct sample, items),
	  .parse = parse_item, .syntax = "digits", .help = "some digits" },
	{ "odd", GL_OPT_CUSTOM, .def = "1", GL_OPT_AT(struct sample, odd), .parse = parse_odd,
	  .syntax = "odd number", .help = "an odd number" },
	{ NULL },
};

static const struct gl_opt_table sample = { "sample", "a table of every type", sample_opts };

/* key, value, ..., NULL into given; returns the count. */
static int collect(struct gl_option *given, va_list ap)
{
	const char *key;
	int n = 0;

	while ((key = va_arg(ap, const char *))) {
		snprintf(given[n].key, sizeof given[n].key, "%s", key);
		snprintf(given[n].value, sizeof given[n].value, "%s", va_arg(ap, const char *));
		given[n].line = 7;
		n++;
	}
	return n;
}

static int parse(struct sample *s, char *err, size_t len, ...)
{
	struct gl_option given[GL_OPTION_MAX];
	va_list ap;
	int n;

	va_start(ap, len);
	n = collect(given, ap);
	va_end(ap);
	memset(s, 0, sizeof *s);
	err[0] = '\0';
	return gl_opt_parse(&sample, given, n, s, err, len);
}

/* Every field of got as in want (the items up to want's item_count). */
static void expect_sample(const struct sample *got, const struct sample *want)
{
	assert_int_equal(got->count, want->count);
	assert_true(got->level == want->level);
	assert_int_equal(got->loud, want->loud);
	assert_int_equal(got->loud_given, want->loud_given);
	assert_string_equal(got->name, want->name);
	assert_int_equal(ntohl(got->addr.s_addr), ntohl(want->addr.s_addr));
	assert_int_equal(got->mode, want->mode);
	assert_int_equal(got->item_count, want->item_count);
	for (int i = 0; i < want->item_count; i++)
		assert_int_equal(got->items[i], want->items[i]);
	assert_int_equal(got->odd, want->odd);
}

static void test_defaults(void **state)
{
	struct sample s;
	char err[256];

	(void)state;
	assert_int_equal(parse(&s, err, sizeof err, NULL), 0);
	expect_sample(&s, &(struct sample){ .count = 3, .level = 0.5, .loud = false,
					    .loud_given = false, .name = "abc",
					    .addr.s_addr = htonl(0x0a000001), .mode = 0,
					    .item_count = 0, .odd = 1 });
}

static void test_values(void **state)
{
	struct sample s;
	char err[256];

	(void)state;
	assert_int_equal(parse(&s, err, sizeof err, "count", "1e+01", "level", "0.25", "loud",
			       "true", "name", "seven77", "addr", "192.168.1.2", "mode", "auto",
			       "items", " 4, 5 ,6", "odd", "-7", NULL), 0);
	expect_sample(&s, &(struct sample){ .count = 10, .level = 0.25, .loud = true,
					    .loud_given = true, .name = "seven77",
					    .addr.s_addr = htonl(0xc0a80102), .mode = 2,
					    .items = { 4, 5, 6 }, .item_count = 3, .odd = -7 });
	/* given false still counts as given */
	assert_int_equal(parse(&s, err, sizeof err, "loud", "false", NULL), 0);
	assert_true(s.loud_given);
}

static void expect(const char *err_want, ...)
{
	struct gl_option given[GL_OPTION_MAX];
	struct sample s;
	char err[256] = "";
	va_list ap;
	int n;

	va_start(ap, err_want);
	n = collect(given, ap);
	va_end(ap);
	assert_int_equal(gl_opt_parse(&sample, given, n, &s, err, sizeof err), GL_EINVAL);
	if (strcmp(err, err_want) != 0)
		fail_msg("got '%s', want '%s'", err, err_want);
}

static void test_errors(void **state)
{
	(void)state;
	expect("count: must be a whole number 1..10, not \"11\"", "count", "11", NULL);
	expect("count: must be a whole number 1..10, not \"2.5\"", "count", "2.5", NULL);
	expect("level: must be a number 0..1, not \"nan\"", "level", "nan", NULL);
	expect("level: must be a number 0..1, not \"1x\"", "level", "1x", NULL);
	expect("loud: must be true or false, not \"yes\"", "loud", "yes", NULL);
	expect("name: must be at most 7 bytes, not 8", "name", "eight888", NULL);
	expect("name: must not be empty", "name", "", NULL);
	expect("addr: must be an IPv4 address (a.b.c.d), not \"10.0.0\"", "addr", "10.0.0", NULL);
	expect("mode: must be one of off/on/auto, not \"of\"", "mode", "of", NULL);
	expect("mode: must be one of off/on/auto, not \"offf\"", "mode", "offf", NULL);
	expect("items: \"x\" is not a digit", "items", "1,x", NULL);
	expect("items: empty item in \"1,,2\"", "items", "1,,2", NULL);
	expect("items: at most 4 items", "items", "1,2,3,4,5", NULL);
	expect("odd: wants an odd number", "odd", "4", NULL);
	expect("unknown option 'colour' (known: count, level, loud, name, addr, mode, items, odd)",
	       "colour", "red", NULL);
	expect("option 'count' given twice", "count", "2", "count", "3", NULL);
}

/* Every registered adapter: no options is a valid declaration (its
 * defaults parse), and help prints each option with its help line. */
static void test_every_table(void **state)
{
	const struct gl_output_ops *const *outs = gl_output_all();
	const struct gl_control_ops *const *ctls = gl_control_all();
	char err[256], *text;
	size_t len;
	int n = 0;

	(void)state;
	for (int i = 0; outs[i]; i++, n++) {
		struct gl_output_config cfg = { .universe_count = 1 };
		struct gl_output *out;

		cfg.universes = (int[]){ 1 };
		snprintf(cfg.type, sizeof cfg.type, "%s", outs[i]->name);
		assert_non_null(outs[i]->options);
		assert_string_equal(outs[i]->options->name, outs[i]->name);
		assert_true(outs[i]->max_universes >= 1);
		out = outs[i]->configure(&cfg, err, sizeof err);
		if (!out)
			fail_msg("%s with no options: %s", outs[i]->name, err);
		outs[i]->close(out);
	}
	for (int i = 0; ctls[i]; i++, n++) {
		struct gl_control_config cfg = { .declared = true };

		assert_non_null(ctls[i]->options);
		assert_string_equal(ctls[i]->options->name, ctls[i]->name);
		if (ctls[i]->check(&cfg, err, sizeof err) != 0)
			fail_msg("%s with no options: %s", ctls[i]->name, err);
	}
	assert_true(n >= 5);

	FILE *f = open_memstream(&text, &len);
	gl_opt_print(&sample, "one note", f);
	gl_opt_print_markdown(&sample, NULL, f);
	fclose(f);
	expect_text(text, (const char *const[]){
		"sample - a table of every type\n  one note\n",
		"  count           1..10; default 3\n",
		"  mode            off/on/auto; default off\n",
		"| `items` | digits | none | some digits |\n",
		"| `name` | text, 7 bytes at most | `abc` | a name |\n",
		NULL });
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
