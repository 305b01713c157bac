/*
 * test_color.c - colour looks mixed into each kind of emitter set: RGB as
 * is, RGBW with white extraction, RGBA with amber extraction, CMY by
 * subtraction; hex parsing; fixture type checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/engine.h"

static struct gl_fixture_type make(const enum gl_attr *attrs, int n)
{
	struct gl_fixture_type t = { .name = "t", .channel_count = n };
	for (int i = 0; i < n; i++)
		t.channels[i] = (struct gl_channel){ .attr = attrs[i], .bytes = 1, .default_value = 0.0f, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

/* A colour mixed into one set of emitters: what gl_color_mix() returns
 * and the levels it gives some of them. */
struct mix {
	const char *what;
	enum gl_attr emitters[4];
	int emitter_count;
	bool virtual_intensity;        /* the type's, without an intensity channel */
	float r, g, b;
	int mixed;                     /* gl_color_mix()'s count; -1 not checked */
	struct { enum gl_attr attr; float level; } want[4];
	int want_count;
	int unset;                     /* an attribute it must not set; -1 none */
};

static const struct mix mixes[] = {
	{ "RGB as is",
	  { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE }, 3, true,
	  1.0f, 0.5f, 0.25f, 3,
	  { { GL_ATTR_RED, 1.0f }, { GL_ATTR_GREEN, 0.5f }, { GL_ATTR_BLUE, 0.25f } }, 3, -1 },
	{ "RGBW, white extracted",
	  { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_WHITE }, 4, true,
	  1.0f, 0.69f, 0.44f, 4,
	  { { GL_ATTR_WHITE, 0.44f }, { GL_ATTR_RED, 0.56f }, { GL_ATTR_GREEN, 0.25f },
	    { GL_ATTR_BLUE, 0.0f } }, 4, -1 },
	{ "RGBW, pure white is all white emitter",
	  { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_WHITE }, 4, true,
	  1, 1, 1, -1,
	  { { GL_ATTR_WHITE, 1.0f }, { GL_ATTR_RED, 0.0f } }, 2, -1 },
	{ "RGBA, amber itself",
	  { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_AMBER }, 4, true,
	  1.0f, 0.75f, 0.0f, -1,
	  { { GL_ATTR_AMBER, 1.0f }, { GL_ATTR_RED, 0.0f }, { GL_ATTR_GREEN, 0.0f } }, 3, -1 },
	{ "RGBA, amber limited by green",
	  { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_AMBER }, 4, true,
	  1.0f, 0.3f, 0.2f, -1,
	  { { GL_ATTR_AMBER, 0.4f }, { GL_ATTR_RED, 0.6f }, { GL_ATTR_GREEN, 0.0f },
	    { GL_ATTR_BLUE, 0.2f } }, 4, -1 },
	{ "CMY by subtraction",
	  { GL_ATTR_INTENSITY, GL_ATTR_CYAN, GL_ATTR_MAGENTA, GL_ATTR_YELLOW }, 4, false,
	  1.0f, 0.0f, 0.5f, 3,
	  { { GL_ATTR_CYAN, 0.0f }, { GL_ATTR_MAGENTA, 1.0f }, { GL_ATTR_YELLOW, 0.5f } }, 3,
	  GL_ATTR_RED },
	{ "no emitters",
	  { GL_ATTR_INTENSITY }, 1, false,
	  1, 0, 0, 0,
	  { { 0 } }, 0, -1 },
};

static void test_mixes(void **state)
{
	for (size_t i = 0; i < sizeof mixes / sizeof mixes[0]; i++) {
		const struct mix *m = &mixes[i];
		struct gl_fixture_type t = make(m->emitters, m->emitter_count);
		float out[GL_ATTR_COUNT] = { 0 };
		bool has[GL_ATTR_COUNT] = { false };
		int mixed = gl_color_mix(&t, m->r, m->g, m->b, out, has);

		print_message("%s\n", m->what);
		assert_int_equal(t.virtual_intensity, m->virtual_intensity);
		if (m->mixed >= 0)
			assert_int_equal(mixed, m->mixed);
		for (int w = 0; w < m->want_count; w++)
			assert_float_equal(out[m->want[w].attr], m->want[w].level, 1e-6);
		if (m->unset >= 0)
			assert_false(has[m->unset]);
	}
}

static void test_hex(void **state)
{
	float r, g, b;
	assert_int_equal(gl_color_parse_hex("#ffb070", &r, &g, &b), 0);
	assert_float_equal(r, 1.0f, 1e-6);
	assert_float_equal(g, 176.0f / 255.0f, 1e-6);
	assert_float_equal(b, 112.0f / 255.0f, 1e-6);
	assert_int_equal(gl_color_parse_hex("00FF00", &r, &g, &b), 0);
	assert_float_equal(g, 1.0f, 1e-6);
	assert_int_equal(gl_color_parse_hex("#fff", &r, &g, &b), GL_EINVAL);
	assert_int_equal(gl_color_parse_hex("#gg0000", &r, &g, &b), GL_EINVAL);
	assert_int_equal(gl_color_parse_hex("#ff00001", &r, &g, &b), GL_EINVAL);
}

static void test_type_checks(void **state)
{
	struct gl_fixture_type t = { .name = "dup", .channel_count = 2 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_RED, .bytes = 1, .default_value = 0, .offset = 0 };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_RED, .bytes = 1, .default_value = 0, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&t), GL_EINVAL);
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_PAN, .bytes = 4, .default_value = 0, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&t), GL_EINVAL);
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_PAN, .bytes = 2, .default_value = 0.5f, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	assert_int_equal(t.footprint, 3);
	assert_int_equal(gl_attr_from_name("magenta"), GL_ATTR_MAGENTA);
	assert_int_equal(gl_attr_from_name("colour"), GL_ENOENT);
	assert_int_equal(gl_attr_class(GL_ATTR_TILT), GL_CLASS_POSITION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixes),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_type_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
