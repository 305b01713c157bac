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

static void test_rgb(void **state)
{
	enum gl_attr a[] = { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE };
	struct gl_fixture_type t = make(a, 3);
	assert_true(t.virtual_intensity);
	float out[GL_ATTR_COUNT] = { 0 };
	bool has[GL_ATTR_COUNT] = { false };
	assert_int_equal(gl_color_mix(&t, 1.0f, 0.5f, 0.25f, out, has), 3);
	assert_float_equal(out[GL_ATTR_RED], 1.0f, 1e-6);
	assert_float_equal(out[GL_ATTR_GREEN], 0.5f, 1e-6);
	assert_float_equal(out[GL_ATTR_BLUE], 0.25f, 1e-6);
}

static void test_rgbw_white_extraction(void **state)
{
	enum gl_attr a[] = { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_WHITE };
	struct gl_fixture_type t = make(a, 4);
	float out[GL_ATTR_COUNT] = { 0 };
	bool has[GL_ATTR_COUNT] = { false };
	assert_int_equal(gl_color_mix(&t, 1.0f, 0.69f, 0.44f, out, has), 4);
	assert_float_equal(out[GL_ATTR_WHITE], 0.44f, 1e-6);
	assert_float_equal(out[GL_ATTR_RED], 0.56f, 1e-6);
	assert_float_equal(out[GL_ATTR_GREEN], 0.25f, 1e-6);
	assert_float_equal(out[GL_ATTR_BLUE], 0.0f, 1e-6);
	/* pure white is all white emitter */
	gl_color_mix(&t, 1, 1, 1, out, has);
	assert_float_equal(out[GL_ATTR_WHITE], 1.0f, 1e-6);
	assert_float_equal(out[GL_ATTR_RED], 0.0f, 1e-6);
}

static void test_rgba_amber_extraction(void **state)
{
	enum gl_attr a[] = { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_AMBER };
	struct gl_fixture_type t = make(a, 4);
	float out[GL_ATTR_COUNT] = { 0 };
	bool has[GL_ATTR_COUNT] = { false };
	gl_color_mix(&t, 1.0f, 0.75f, 0.0f, out, has); /* amber itself */
	assert_float_equal(out[GL_ATTR_AMBER], 1.0f, 1e-6);
	assert_float_equal(out[GL_ATTR_RED], 0.0f, 1e-6);
	assert_float_equal(out[GL_ATTR_GREEN], 0.0f, 1e-6);
	gl_color_mix(&t, 1.0f, 0.3f, 0.2f, out, has);  /* limited by green */
	assert_float_equal(out[GL_ATTR_AMBER], 0.4f, 1e-6);
	assert_float_equal(out[GL_ATTR_RED], 0.6f, 1e-6);
	assert_float_equal(out[GL_ATTR_GREEN], 0.0f, 1e-6);
	assert_float_equal(out[GL_ATTR_BLUE], 0.2f, 1e-6);
}

static void test_cmy(void **state)
{
	enum gl_attr a[] = { GL_ATTR_INTENSITY, GL_ATTR_CYAN, GL_ATTR_MAGENTA, GL_ATTR_YELLOW };
	struct gl_fixture_type t = make(a, 4);
	assert_false(t.virtual_intensity);
	float out[GL_ATTR_COUNT] = { 0 };
	bool has[GL_ATTR_COUNT] = { false };
	assert_int_equal(gl_color_mix(&t, 1.0f, 0.0f, 0.5f, out, has), 3);
	assert_float_equal(out[GL_ATTR_CYAN], 0.0f, 1e-6);
	assert_float_equal(out[GL_ATTR_MAGENTA], 1.0f, 1e-6);
	assert_float_equal(out[GL_ATTR_YELLOW], 0.5f, 1e-6);
	assert_false(has[GL_ATTR_RED]);
}

static void test_no_emitters(void **state)
{
	enum gl_attr a[] = { GL_ATTR_INTENSITY };
	struct gl_fixture_type t = make(a, 1);
	float out[GL_ATTR_COUNT] = { 0 };
	bool has[GL_ATTR_COUNT] = { false };
	assert_int_equal(gl_color_mix(&t, 1, 0, 0, out, has), 0);
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
		cmocka_unit_test(test_rgb),
		cmocka_unit_test(test_rgbw_white_extraction),
		cmocka_unit_test(test_rgba_amber_extraction),
		cmocka_unit_test(test_cmy),
		cmocka_unit_test(test_no_emitters),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_type_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
