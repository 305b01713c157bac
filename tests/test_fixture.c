/*
 * test_fixture.c - the fixture library and the importers: our Lua format
 * (every starter fixture loads and patches), the QLC+ and OFL mapping rules
 * on hand-written definitions, bad input (each error names file and
 * element), round trips (import -> our format -> load -> same channel map),
 * multi-head patching and colour wheels in a show, and the real corpora:
 * every .qxf of Debian's qlcplus-data and the OFL fixtures in
 * ../shared/corpus/ofl (skipped with a note when that folder is absent).
 * Every file a test writes goes into its scratch folder, which teardown
 * removes whatever happened.
 */
#include <dirent.h>
#include <glob.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <expat.h>

#include "scripts/fixture_file.h"
#include "fixtures/import.h"
#include "scripts/show.h"
#include "tools/scratch.h"
#include "tools/show_test.h"

#define QLC_DIR "/usr/share/qlcplus/fixtures"

/* The running test's scratch folder (setup makes it, teardown removes it
 * with all it holds). */
static char scratch[64];

static int scratch_setup(void **state)
{
	return scratch_make(scratch, sizeof scratch, "gl-test-fixture");
}

static int scratch_teardown(void **state)
{
	return scratch_remove(scratch);
}

/* A path in the scratch folder. */
static const char *scratch_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", scratch, name);
	return out;
}

static const char *source_dir(void)
{
	const char *dir = getenv("GL_SOURCE_DIR");

	if (dir && dir[0])
		return dir;
	return ".";    /* CTest sets GL_SOURCE_DIR; by hand, run from the tree */
}

/* Imports text as a QLC+ .qxf (qxf) or an OFL .json named path; returns
 * the importer's code. */
static int import_text(bool qxf, const char *path, const char *text, struct fdef **def,
		       char err[FDEF_ERR_MAX])
{
	return qxf ? import_qxf_buffer(path, text, strlen(text), def, err, FDEF_ERR_MAX)
		   : import_ofl_buffer(path, text, strlen(text), def, err, FDEF_ERR_MAX);
}

/* Imports text that must import (as "maker/t.json" for OFL, which takes the
 * manufacturer from the folder). */
static struct fdef *import_ok(bool qxf, const char *text)
{
	struct fdef *def = NULL;
	char err[FDEF_ERR_MAX];

	if (import_text(qxf, qxf ? "t.qxf" : "maker/t.json", text, &def, err) != 0)
		fail_msg("import failed: %s", err);
	return def;
}

/* Imports bad input and checks the message has every fragment. */
static void bad(bool qxf, const char *text, const char *frag1, const char *frag2)
{
	struct fdef *def = (struct fdef *)1;
	char err[FDEF_ERR_MAX];
	int rc = import_text(qxf, qxf ? "bad.qxf" : "bad.json", text, &def, err);

	assert_true(rc < 0);
	assert_null(def);
	if (!strstr(err, qxf ? "bad.qxf" : "bad.json") || !strstr(err, frag1) ||
	    (frag2 && !strstr(err, frag2)))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err, frag1, frag2 ? frag2 : "");
}

/* bad() for a generated text, which it then frees. */
static void bad_generated(bool qxf, char *text, const char *frag)
{
	bad(qxf, text, frag, NULL);
	free(text);
}

/* A generated text that must import; the text and what it made are freed. */
static void ok_generated(bool qxf, char *text)
{
	fdef_destroy(import_ok(qxf, text));
	free(text);
}

static const struct fdef_channel *chan(const struct fdef *def, int mode, int c)
{
	assert_true(mode < def->mode_count);
	assert_true(c < def->modes[mode].channel_count);
	return &def->modes[mode].channels[c];
}

/* Writes def in our format, reads it back in a sandbox, compares; returns
 * what was read back. */
static struct fdef *round_trip_back(const struct fdef *def)
{
	char path[128], err[FDEF_ERR_MAX], why[FDEF_ERR_MAX];
	struct fdef *back = NULL;
	FILE *f = fopen(scratch_path(path, sizeof path, "round-trip.lua"), "w");

	assert_non_null(f);
	assert_int_equal(fdef_write_lua(def, f), 0);
	fclose(f);
	if (fixture_file_read(path, &back, err, sizeof err) != 0)
		fail_msg("reading back: %s", err);
	if (fdef_compare(def, back, why, sizeof why) != 0)
		fail_msg("round trip differs: %s", why);
	return back;
}

static void round_trip(const struct fdef *def)
{
	fdef_destroy(round_trip_back(def));
}

/* Reads our Lua format from text (through a temp file). */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct fdef *lua_ok(const char *text)
{
	char path[128], err[FDEF_ERR_MAX];
	struct fdef *def = NULL;

	write_file(scratch_path(path, sizeof path, "text.lua"), text);
	if (fixture_file_read(path, &def, err, sizeof err) != 0)
		fail_msg("reading: %s", err);
	return def;
}

/* Patches mode m of def (one part) at universe 1, address 10, sets each
 * attrs[i] to values[i] in the programmer, ticks once and copies the first
 * 32 slots of the universe into dmx. */
static void render_mode(const struct fdef *def, int m, const enum gl_attr *attrs,
			const float *values, int count, uint8_t dmx[32])
{
	struct fdef_part *parts;
	char err[FDEF_ERR_MAX];
	struct gl_engine *e = gl_engine_create(NULL);
	int n = fdef_parts(def, &def->modes[m], def->name, &parts, err, sizeof err);

	if (n != 1)
		fail_msg("mode \"%s\": %d parts: %s", def->modes[m].name, n, n < 0 ? err : "");
	assert_non_null(e);
	assert_int_equal(gl_engine_add_fixture(e, &parts[0].type, "f", 1, 10, NULL), 0);
	free(parts);
	assert_int_equal(gl_engine_finalize(e), 0);
	for (int i = 0; i < count; i++) {
		struct gl_cmd set = { .type = GL_CMD_SET_PARAM, .list = -1,
				      .index = gl_engine_param(e, 0, attrs[i]), .value = values[i] };

		assert_true(set.index >= 0);
		assert_int_equal(gl_engine_command(e, &set), 0);
	}
	gl_engine_tick(e, 0);
	memcpy(dmx, gl_engine_dmx(e, 0), 32);
	gl_engine_destroy(e);
}

/* A byte of the universe rendered: dmx[index] (address index + 1; the
 * fixture's first slot is index 9). */
struct slot {
	int index;
	uint8_t value;
};

/* Mode 0 of def rendered with attrs[i] at values[i]: every slot of want
 * (up to one with index -1) holds its byte; and def written in our format
 * and read back renders the same. */
static void expect_rendered(const struct fdef *def, const enum gl_attr *attrs,
			    const float *values, int count, const struct slot *want)
{
	uint8_t dmx[32], again[32];
	struct fdef *back;

	render_mode(def, 0, attrs, values, count, dmx);
	for (int i = 0; want[i].index >= 0; i++)
		if (dmx[want[i].index] != want[i].value)
			fail_msg("address %d: 0x%02x, wanted 0x%02x", want[i].index + 1,
				 dmx[want[i].index], want[i].value);
	back = round_trip_back(def);
	render_mode(back, 0, attrs, values, count, again);
	assert_memory_equal(dmx, again, sizeof dmx);
	fdef_destroy(back);
}

/* ---- our format ------------------------------------------------------------ */

static void test_starter_library(void **state)
{
	static const char *const names[] = {
		"dimmer", "rgb", "rgbw", "rgba", "rgbw-dimmer", "cmy", "moving-head",
		"rgbaw-uv", "cmy-cto", "led-bar-8px", "spot", "wash", "strobe", "fog", NULL
	};
	char path[1024], err[FDEF_ERR_MAX];

	for (int i = 0; names[i]; i++) {
		struct fdef *def;

		snprintf(path, sizeof path, "%s/fixtures/library/generic/%s.lua", source_dir(), names[i]);
		if (fixture_file_read(path, &def, err, sizeof err) != 0)
			fail_msg("%s: %s", names[i], err);
		for (int m = 0; m < def->mode_count; m++) {
			struct fdef_part *parts;
			int n = fdef_parts(def, &def->modes[m], def->name, &parts, err, sizeof err);

			if (n < 1)
				fail_msg("%s mode %s: %s", names[i], def->modes[m].name, err);
			free(parts);
		}
		round_trip(def);
		fdef_destroy(def);
	}
}

static void test_format_errors(void **state)
{
	static const struct { const char *text, *frag; } cases[] = {
		{ "return { name = 'x', channels = { 'red', 'red' } }", "listed twice" },
		{ "return { name = 'x', channels = { { 'red', bits = 12 } } }", "bits must be 8, 16 or 24" },
		{ "return { name = 'x', channels = { { 'red', caps = { { 9, 3 } } } } }", "0 <= from <= to" },
		{ "return { name = 'x', channels = { { 'gobo', caps = { { 0, 3, kind = 'x' } } } } }", "unknown kind" },
		{ "return { name = 'x', modes = { a = { 'red', 'green', heads = { { 1 }, { 1, 2 } } } } }", "in two heads" },
		{ "return { name = 'x', modes = { a = { 'red', heads = { { 4 } } } } }", "not a channel number" },
		{ "return { name = 'x', channels = { { 'red', invert = 1 } } }", "invert must be true or false" },
		{ "return { name = 'x', channels = { { 'zoom', fine = 2 }, 'red' } }", "fine needs bits = 16" },
		{ "return { name = 'x', channels = { { 'zoom', bits = 16, fine = 9 }, 'red' } }",
		  "fine byte on slot 9 is past" },
		{ "return { name = 'x', channels = { 'red', { 'zoom', bits = 16, fine = 1 } } }",
		  "slot 1 holds the first channel" },
		{ "return { name = 'x', channels = { { 'zoom', bits = 16, fine = 3 }, "
		  "{ 'focus', bits = 16, fine = 3 } } }", "channel 2: its fine byte on slot 3 is taken" },
		{ "return { name = 'x', channels = { { 'zoom', bits = 16, fine = 2.5 } } }",
		  "fine must be a slot number" },
		{ "return { name = 'x', channels = { 'red', { 'green', fine_of = 1 } } }",
		  "unknown field 'fine_of'" },
	};
	char path[128], err[FDEF_ERR_MAX];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fdef *def = NULL;

		write_file(scratch_path(path, sizeof path, "bad.lua"), cases[i].text);
		assert_int_equal(fixture_file_read(path, &def, err, sizeof err), GL_EINVAL);
		assert_null(def);
		if (!strstr(err, cases[i].frag) || !strstr(err, path))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].frag);
	}
}

/* fine = N: the others fill the slots around the placed ones */
static const char lua_split[] =
	"return { name = 'Split', pan_range = 540, tilt_range = 270, channels = {\n"
	"  { 'pan', bits = 16, fine = 3 }, { 'tilt', bits = 16, fine = 5 },\n"
	"  'intensity', { 'zoom', bits = 24, fine = 8, ultra = 7 } } }\n";

static void test_format_split_fine(void **state)
{
	static const enum gl_attr attrs[] = { GL_ATTR_PAN, GL_ATTR_TILT, GL_ATTR_INTENSITY,
					      GL_ATTR_ZOOM };
	static const float values[] = { 0x1234 / 65535.0f, 0xabcd / 65535.0f, 1.0f,
					1.0f / 3.0f };
	struct fdef *def = lua_ok(lua_split);

	assert_int_equal(fdef_mode_slots(&def->modes[0]), 8);
	assert_int_equal(def->modes[0].channels[0].fine_slot[0], 2);
	assert_int_equal(fdef_mode_split_count(&def->modes[0]), 3);
	/* slots 1 pan, 2 tilt, 3 pan fine, 4 intensity, 5 tilt fine, 6 zoom,
	 * 7 zoom ultra, 8 zoom fine; the fixture at address 10 */
	expect_rendered(def, attrs, values, 4, (const struct slot[]){
		{ 9, 0x12 }, { 11, 0x34 }, { 10, 0xab }, { 13, 0xcd }, { 12, 255 },
		{ 14, 0x55 }, { 16, 0x55 }, { 15, 0x55 },   /* 1/3 of 0xffffff: 0x555555 */
		{ -1, 0 } });
	fdef_destroy(def);
}

/* ---- QLC+ -------------------------------------------------------------------- */

static const char qxf_mover[] =
	"<?xml version='1.0' encoding='UTF-8'?>\n"
	"<!DOCTYPE FixtureDefinition>\n"
	"<FixtureDefinition xmlns=\"http://www.qlcplus.org/FixtureDefinition\">\n"
	" <Manufacturer>Acme</Manufacturer>\n"
	" <Model>Mover 1</Model>\n"
	" <Type>Moving Head</Type>\n"
	" <Channel Name=\"Pan\" Preset=\"PositionPan\"/>\n"
	" <Channel Name=\"Pan fine\" Preset=\"PositionPanFine\"/>\n"
	" <Channel Name=\"Tilt\"><Group Byte=\"0\">Tilt</Group></Channel>\n"
	" <Channel Name=\"Tilt fine\"><Group Byte=\"1\">Tilt</Group></Channel>\n"
	" <Channel Name=\"Red\"><Group Byte=\"0\">Intensity</Group><Colour>Red</Colour></Channel>\n"
	" <Channel Name=\"Dimmer\" Default=\"0\"><Group Byte=\"0\">Intensity</Group></Channel>\n"
	" <Channel Name=\"Shutter\"><Group Byte=\"0\">Shutter</Group>\n"
	"  <Capability Min=\"0\" Max=\"9\" Preset=\"ShutterClose\">Closed</Capability>\n"
	"  <Capability Min=\"10\" Max=\"249\" Preset=\"StrobeSlowToFast\">Strobe</Capability>\n"
	"  <Capability Min=\"250\" Max=\"255\" Preset=\"ShutterOpen\">Open</Capability>\n"
	" </Channel>\n"
	" <Channel Name=\"Colour\"><Group Byte=\"0\">Colour</Group>\n"
	"  <Capability Min=\"0\" Max=\"9\" Preset=\"ColorMacro\" Res1=\"#ffffff\">White</Capability>\n"
	"  <Capability Min=\"10\" Max=\"19\" Preset=\"ColorMacro\" Res1=\"#ff0000\">Red</Capability>\n"
	"  <Capability Min=\"20\" Max=\"29\" Color=\"#0000ff\">Blue</Capability>\n"
	" </Channel>\n"
	" <Channel Name=\"Speed\" Default=\"128\"><Group Byte=\"0\">Speed</Group></Channel>\n"
	" <Channel Name=\"Macro\"><Group Byte=\"0\">Effect</Group></Channel>\n"
	" <Channel Name=\"Macro 2\"><Group Byte=\"0\">Effect</Group></Channel>\n"
	" <Mode Name=\"Basic\">\n"
	"  <Channel Number=\"0\">Pan</Channel>\n"
	"  <Channel Number=\"1\">Tilt</Channel>\n"
	"  <Channel Number=\"2\">Dimmer</Channel>\n"
	" </Mode>\n"
	" <Mode Name=\"Extended\">\n"
	"  <Channel Number=\"0\">Pan</Channel>\n"
	"  <Channel Number=\"1\">Pan fine</Channel>\n"
	"  <Channel Number=\"2\">Tilt</Channel>\n"
	"  <Channel Number=\"4\">Dimmer</Channel>\n"
	"  <Channel Number=\"3\">Red</Channel>\n"
	"  <Channel Number=\"5\">Shutter</Channel>\n"
	"  <Channel Number=\"6\">Colour</Channel>\n"
	"  <Channel Number=\"7\">Tilt fine</Channel>\n"
	"  <Channel Number=\"8\">Speed</Channel>\n"
	"  <Channel Number=\"9\">Macro</Channel>\n"
	"  <Channel Number=\"10\">Macro 2</Channel>\n"
	" </Mode>\n"
	" <Physical><Focus Type=\"Head\" PanMax=\"630\" TiltMax=\"265\"/>"
	"<Dimensions Weight=\"20\" Width=\"1\" Height=\"1\" Depth=\"1\"/></Physical>\n"
	"</FixtureDefinition>\n";

static void test_qxf_mapping(void **state)
{
	struct fdef *def = import_ok(true, qxf_mover);
	const struct fdef_channel *c;

	assert_string_equal(def->name, "Mover 1");
	assert_string_equal(def->manufacturer, "Acme");
	assert_int_equal(def->mode_count, 2);
	assert_true(fabsf(def->pan_range_deg - 630) < 1e-3f);
	assert_true(fabsf(def->tilt_range_deg - 265) < 1e-3f);
	assert_string_equal(def->modes[1].name, "Extended");
	/* preset fine channel right after its coarse one: one 16-bit channel */
	c = chan(def, 1, 0);
	assert_int_equal(c->attr, GL_ATTR_PAN);
	assert_int_equal(c->bytes, 2);
	assert_string_equal(c->fine_name, "Pan fine");
	assert_true(fabsf(c->default_value - 0.5f) < 1e-6f);
	/* group Tilt, its fine byte on slot 8: one 16-bit channel, the fine
	 * byte's slot (0-based 7) in fine_slot */
	c = chan(def, 1, 1);
	assert_int_equal(c->attr, GL_ATTR_TILT);
	assert_int_equal(c->bytes, 2);
	assert_int_equal(c->fine_slot[0], 7);
	assert_string_equal(c->fine_name, "Tilt fine");
	assert_int_equal(fdef_mode_split_count(&def->modes[1]), 1);
	assert_int_equal(fdef_mode_split_count(&def->modes[0]), 0);
	/* Number order, not file order: slot 3 is Red, slot 4 Dimmer */
	assert_int_equal(chan(def, 1, 2)->attr, GL_ATTR_RED);
	assert_int_equal(chan(def, 1, 3)->attr, GL_ATTR_INTENSITY);
	/* shutter: caps typed, rests on its open range */
	c = chan(def, 1, 4);
	assert_int_equal(c->attr, GL_ATTR_SHUTTER);
	assert_int_equal(c->cap_count, 3);
	assert_int_equal(c->caps[0].kind, FDEF_CAP_CLOSED);
	assert_int_equal(c->caps[1].kind, FDEF_CAP_STROBE);
	assert_int_equal(c->caps[2].kind, FDEF_CAP_OPEN);
	assert_int_equal((int)lroundf(c->default_value * 255), 253);
	/* colour group: wheel with slot colours from Res1 and Color */
	c = chan(def, 1, 5);
	assert_int_equal(c->attr, GL_ATTR_COLOR_WHEEL);
	assert_true(c->caps[1].has_color && c->caps[1].rgb[0] == 1.0f && c->caps[1].rgb[1] == 0.0f);
	assert_true(c->caps[2].has_color && c->caps[2].rgb[2] == 1.0f);
	c = chan(def, 1, 6);
	assert_int_equal(c->attr, GL_ATTR_SPEED);
	assert_true(fabsf(c->default_value - 128.0f / 255.0f) < 1e-6f);
	/* two effect channels: both control, the second fixed */
	assert_int_equal(chan(def, 1, 7)->attr, GL_ATTR_CONTROL);
	assert_false(chan(def, 1, 7)->fixed);
	assert_true(chan(def, 1, 8)->fixed);
	assert_int_equal(def->modes[1].channel_count, 9);
	assert_int_equal(fdef_mode_slots(&def->modes[1]), 11);
	round_trip(def);
	fdef_destroy(def);
}

static const char qxf_bar[] =
	"<?xml version='1.0' encoding='UTF-8'?>\n"
	"<FixtureDefinition>\n"
	" <Manufacturer>Acme</Manufacturer><Model>Bar 3</Model>\n"
	" <Channel Name=\"Dimmer\" Preset=\"IntensityMasterDimmer\"/>\n"
	" <Channel Name=\"R1\" Preset=\"IntensityRed\"/><Channel Name=\"G1\" Preset=\"IntensityGreen\"/>\n"
	" <Channel Name=\"R2\" Preset=\"IntensityRed\"/><Channel Name=\"G2\" Preset=\"IntensityGreen\"/>\n"
	" <Channel Name=\"R3\" Preset=\"IntensityRed\"/><Channel Name=\"G3\" Preset=\"IntensityGreen\"/>\n"
	" <Mode Name=\"Pixels\">\n"
	"  <Channel Number=\"0\">Dimmer</Channel>\n"
	"  <Channel Number=\"1\">R1</Channel><Channel Number=\"2\">R2</Channel>\n"
	"  <Channel Number=\"3\">R3</Channel><Channel Number=\"4\">G1</Channel>\n"
	"  <Channel Number=\"5\">G2</Channel><Channel Number=\"6\">G3</Channel>\n"
	"  <Head><Channel>1</Channel><Channel>4</Channel></Head>\n"
	"  <Head><Channel>2</Channel><Channel>5</Channel></Head>\n"
	"  <Head><Channel>3</Channel><Channel>6</Channel></Head>\n"
	" </Mode>\n"
	"</FixtureDefinition>\n";

static void test_qxf_heads_to_parts(void **state)
{
	struct fdef *def = import_ok(true, qxf_bar);
	struct fdef_part *parts;
	char err[FDEF_ERR_MAX];
	int n;

	assert_int_equal(def->modes[0].head_count, 3);
	assert_int_equal(def->modes[0].heads[1].count, 2);
	assert_int_equal(def->modes[0].heads[1].channels[0], 2);
	assert_int_equal(def->modes[0].heads[1].channels[1], 5);
	n = fdef_parts(def, &def->modes[0], "bar", &parts, err, sizeof err);
	assert_int_equal(n, 4);
	assert_int_equal(parts[0].head, 0);
	assert_int_equal(parts[0].type.channel_count, 1);
	/* head 2: red at slot 3 (offset 2), green at slot 6 (offset 5),
	 * virtual intensity (no dimmer in the head) */
	assert_int_equal(parts[2].head, 2);
	assert_int_equal(parts[2].type.channels[0].attr, GL_ATTR_RED);
	assert_int_equal(parts[2].type.channels[0].offset, 2);
	assert_int_equal(parts[2].type.channels[1].offset, 5);
	assert_true(parts[2].type.virtual_intensity);
	assert_true(parts[2].type.explicit_offsets);
	free(parts);
	round_trip(def);
	fdef_destroy(def);
}

static void test_qxf_bad_input(void **state)
{
	char big[40000];
	size_t used;

	bad(true, "<FixtureDefinition><Model>x</Model><Channel Name=\"a\">", "malformed XML", NULL);
	bad(true, "<FixtureDefinition><Model>x</Model><Channel Name=\"a\" Preset=\"IntensityRed\"/>"
		  "</FixtureDefinition>", "no <Mode>", NULL);
	bad(true, "<Fixture/>", "root element <Fixture>", NULL);
	bad(true, "<FixtureDefinition><Model>x</Model><Channel Name=\"a\"><Group Byte=\"0\">Effect"
		  "</Group><Capability Min=\"0\" Max=\"9\" Preset=\"Teleport\">x</Capability></Channel>"
		  "<Mode Name=\"m\"><Channel Number=\"0\">a</Channel></Mode></FixtureDefinition>",
	    "unknown capability type \"Teleport\"", "channel \"a\"");
	bad(true, "<FixtureDefinition><Model>x</Model><Channel Name=\"a\" Preset=\"Warp\"/>"
		  "<Mode Name=\"m\"><Channel Number=\"0\">a</Channel></Mode></FixtureDefinition>",
	    "unknown preset \"Warp\"", NULL);
	bad(true, "<FixtureDefinition><Model>x</Model><Mode Name=\"m\"><Channel Number=\"0\">b"
		  "</Channel></Mode></FixtureDefinition>", "mode \"m\"", "\"b\" is not defined");
	bad(true, "<FixtureDefinition><Model>x</Model><Channel Name=\"a\" Preset=\"IntensityRed\"/>"
		  "<Mode Name=\"m\"><Channel Number=\"0\">a</Channel></Mode><Mode Name=\"m\">"
		  "<Channel Number=\"0\">a</Channel></Mode></FixtureDefinition>",
	    "mode \"m\" is defined twice", NULL);
	/* 513 channels in a mode */
	used = (size_t)snprintf(big, sizeof big, "<FixtureDefinition><Model>x</Model>"
				"<Channel Name=\"a\" Preset=\"IntensityRed\"/><Mode Name=\"huge\">");
	for (int i = 0; i < 513; i++)
		used += (size_t)snprintf(big + used, sizeof big - used,
					 "<Channel Number=\"%d\">a</Channel>", i);
	snprintf(big + used, sizeof big - used, "</Mode></FixtureDefinition>");
	bad(true, big, "mode \"huge\"", "past 512");
}

/* A channel name defined twice loads as in QLC+: both are kept, a mode's
 * reference finds the first, and the importer says so. */
static void test_qxf_duplicate_channel(void **state)
{
	static const char xml[] =
		"<FixtureDefinition><Model>x</Model>\n"
		"<Channel Name=\"a\" Preset=\"IntensityRed\"/>\n"
		"<Channel Name=\"b\" Preset=\"IntensityGreen\"/>\n"
		"<Channel Name=\"a\" Preset=\"IntensityBlue\"/>\n"
		"<Channel Name=\"b\" Preset=\"IntensityWhite\"/>\n"
		"<Channel Name=\"a\" Preset=\"IntensityUV\"/>\n"
		"<Mode Name=\"m\"><Channel Number=\"0\">b</Channel><Channel Number=\"1\">a"
		"</Channel></Mode></FixtureDefinition>\n";
	struct fdef *def = import_ok(true, xml);
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	assert_int_equal(def->modes[0].channel_count, 2);
	assert_int_equal(chan(def, 0, 0)->attr, GL_ATTR_GREEN);
	assert_int_equal(chan(def, 0, 1)->attr, GL_ATTR_RED);
	/* one warning per repeat, in file order, each with its line and the
	 * first one's */
	assert_int_equal(def->warning_count, 3);
	assert_non_null(strstr(def->warnings[0], "t.qxf:4: channel \"a\" is defined twice "
						 "(first at line 2)"));
	assert_non_null(strstr(def->warnings[1], "t.qxf:5: channel \"b\""));
	assert_non_null(strstr(def->warnings[2], "t.qxf:6: channel \"a\" is defined twice "
						 "(first at line 2)"));
	out = open_memstream(&text, &len);
	assert_non_null(out);
	fdef_print_warnings(def, out, "warning: ");
	fclose(out);
	assert_non_null(strstr(text, "warning: t.qxf:4: "));
	assert_non_null(strstr(text, "modes use the first"));
	free(text);
	round_trip(def);
	fdef_destroy(def);
}

/* A generated .qxf: `channels` definitions (c0, c1...; the first with
 * `caps` capability ranges), `modes` modes of `per_mode` channels (c0...)
 * and, in the first mode, `heads` heads of `per_head` channels each. The
 * caller frees the text. */
static char *qxf_generate(int channels, int caps, int modes, int per_mode, int heads,
			  int per_head)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fprintf(f, "<FixtureDefinition><Model>big</Model>\n");
	for (int i = 0; i < channels; i++) {
		fprintf(f, "<Channel Name=\"c%d\"><Group Byte=\"0\">Effect</Group>", i);
		for (int k = 0; i == 0 && k < caps; k++)
			fprintf(f, "<Capability Min=\"%d\" Max=\"%d\">r</Capability>", k % 256, k % 256);
		fprintf(f, "</Channel>\n");
	}
	for (int m = 0; m < modes; m++) {
		fprintf(f, "<Mode Name=\"m%d\">", m);
		for (int i = 0; i < per_mode; i++)
			fprintf(f, "<Channel Number=\"%d\">c%d</Channel>", i, i % channels);
		for (int h = 0; m == 0 && h < heads; h++) {
			fprintf(f, "<Head>");
			for (int i = 0; i < per_head; i++)
				fprintf(f, "<Channel>%d</Channel>", i % per_mode);
			fprintf(f, "</Head>");
		}
		fprintf(f, "</Mode>\n");
	}
	fprintf(f, "</FixtureDefinition>\n");
	fclose(f);
	return text;
}

/* Hostile sizes are refused early with the limit named (import.h), so an
 * import's time stays bounded: no timing asserted, the error is the point
 * (100k channel definitions took 18 s to refuse before, by a linear
 * duplicate scan). */
static void test_qxf_limits(void **state)
{
	bad_generated(true, qxf_generate(100000, 0, 1, 1, 0, 0),
		      "more than 4096 <Channel> definitions (the limit");
	bad_generated(true, qxf_generate(1, 0, IMPORT_MODES_MAX + 1, 1, 0, 0),
		      "more than 512 <Mode>s (the limit)");
	bad_generated(true, qxf_generate(2, 0, 1, 2, GL_DMX_SLOTS + 1, 1),
		      "mode \"m0\": more than 512 heads");
	bad_generated(true, qxf_generate(2, 0, 1, 2, 2, GL_DMX_SLOTS + 1),
		      "mode \"m0\": head 1: more than 512 channels");
	/* 300 modes of one channel with 1000 ranges: 300,000 ranges */
	bad_generated(true, qxf_generate(1, 1000, 300, 1, 0, 0),
		      "more than 262144 capability ranges in all (the limit)");
	/* near the limits, it imports: 4096 channels, 200 modes of 512 (all
	 * the 8 MiB a file may have) */
	ok_generated(true, qxf_generate(IMPORT_CHANNELS_MAX, 0, 200, GL_DMX_SLOTS, 0, 0));
}

/* Pan and tilt coarse first, their fine channels after the dimmer. */
static const char qxf_split[] =
	"<?xml version='1.0' encoding='UTF-8'?>\n"
	"<FixtureDefinition xmlns=\"http://www.qlcplus.org/FixtureDefinition\">\n"
	" <Manufacturer>Acme</Manufacturer><Model>Split 5</Model>\n"
	" <Channel Name=\"Pan\" Preset=\"PositionPan\"/>\n"
	" <Channel Name=\"Tilt\"><Group Byte=\"0\">Tilt</Group></Channel>\n"
	" <Channel Name=\"Dimmer\" Preset=\"IntensityMasterDimmer\"/>\n"
	" <Channel Name=\"Pan fine\" Preset=\"PositionPanFine\"/>\n"
	" <Channel Name=\"Tilt fine\"><Group Byte=\"1\">Tilt</Group></Channel>\n"
	" <Mode Name=\"Split\">\n"
	"  <Channel Number=\"0\">Pan</Channel><Channel Number=\"1\">Tilt</Channel>\n"
	"  <Channel Number=\"2\">Dimmer</Channel><Channel Number=\"3\">Pan fine</Channel>\n"
	"  <Channel Number=\"4\">Tilt fine</Channel>\n"
	" </Mode>\n"
	"</FixtureDefinition>\n";

static void test_qxf_split_fine(void **state)
{
	static const enum gl_attr attrs[] = { GL_ATTR_PAN, GL_ATTR_TILT, GL_ATTR_INTENSITY };
	static const float values[] = { 0x1234 / 65535.0f, 0xabcd / 65535.0f, 0.5f };
	struct fdef *def = import_ok(true, qxf_split);

	assert_int_equal(def->modes[0].channel_count, 3);
	assert_int_equal(chan(def, 0, 0)->bytes, 2);
	assert_int_equal(chan(def, 0, 0)->fine_slot[0], 3);
	assert_string_equal(chan(def, 0, 0)->fine_name, "Pan fine");
	assert_int_equal(chan(def, 0, 1)->fine_slot[0], 4);
	assert_false(chan(def, 0, 1)->fixed);
	expect_rendered(def, attrs, values, 3, (const struct slot[]){
		{ 9, 0x12 }, { 12, 0x34 },       /* pan on slot 1, its fine on 4 */
		{ 10, 0xab }, { 13, 0xcd },      /* tilt on slot 2, its fine on 5 */
		{ 11, 128 }, { -1, 0 } });
	fdef_destroy(def);
}

/* ---- OFL --------------------------------------------------------------------- */

static const char ofl_spot[] =
	"{ \"name\": \"Spot 1\", \"categories\": [\"Moving Head\"],\n"
	"  \"physical\": { \"weight\": 12, \"focus\": { \"type\": \"Head\", \"panMax\": 540, \"tiltMax\": 270 } },\n"
	"  \"wheels\": { \"Color Wheel\": { \"slots\": [ { \"type\": \"Open\" },\n"
	"      { \"type\": \"Color\", \"name\": \"Red\", \"colors\": [\"#ff0000\"] },\n"
	"      { \"type\": \"Color\", \"name\": \"Blue\", \"colors\": [\"#0000ff\"] } ] },\n"
	"    \"Gobo Wheel\": { \"slots\": [ { \"type\": \"Open\" }, { \"type\": \"Gobo\", \"name\": \"Dots\" } ] } },\n"
	"  \"availableChannels\": {\n"
	"    \"Pan\": { \"fineChannelAliases\": [\"Pan fine\"], \"defaultValue\": \"50%\",\n"
	"      \"capability\": { \"type\": \"Pan\", \"angleStart\": \"0deg\", \"angleEnd\": \"540deg\" } },\n"
	"    \"Tilt\": { \"fineChannelAliases\": [\"Tilt fine\"],\n"
	"      \"capability\": { \"type\": \"Tilt\", \"angleStart\": \"135deg\", \"angleEnd\": \"-135deg\" } },\n"
	"    \"Dimmer\": { \"capability\": { \"type\": \"Intensity\" } },\n"
	"    \"Shutter / Strobe\": { \"capabilities\": [\n"
	"      { \"dmxRange\": [0, 19], \"type\": \"ShutterStrobe\", \"shutterEffect\": \"Closed\" },\n"
	"      { \"dmxRange\": [20, 239], \"type\": \"ShutterStrobe\", \"shutterEffect\": \"Strobe\" },\n"
	"      { \"dmxRange\": [240, 255], \"type\": \"ShutterStrobe\", \"shutterEffect\": \"Open\" } ] },\n"
	"    \"Color Wheel\": { \"capabilities\": [\n"
	"      { \"dmxRange\": [0, 9], \"type\": \"WheelSlot\", \"slotNumber\": 1 },\n"
	"      { \"dmxRange\": [10, 19], \"type\": \"WheelSlot\", \"slotNumber\": 2 },\n"
	"      { \"dmxRange\": [20, 29], \"type\": \"WheelSlot\", \"slotNumber\": 3 },\n"
	"      { \"dmxRange\": [30, 255], \"type\": \"WheelRotation\", \"speedStart\": \"slow CW\", \"speedEnd\": \"fast CW\" } ] },\n"
	"    \"Gobo Wheel\": { \"capabilities\": [\n"
	"      { \"dmxRange\": [0, 127], \"type\": \"WheelSlot\", \"slotNumber\": 1 },\n"
	"      { \"dmxRange\": [128, 255], \"type\": \"WheelSlot\", \"slotNumber\": 2 } ] },\n"
	"    \"Program\": { \"capabilities\": [\n"
	"      { \"dmxRange\": [0, 127], \"type\": \"Effect\", \"effectName\": \"Auto\",\n"
	"        \"switchChannels\": { \"Speed / Sensitivity\": \"Program Speed\" } },\n"
	"      { \"dmxRange\": [128, 255], \"type\": \"Effect\", \"effectName\": \"Sound\",\n"
	"        \"switchChannels\": { \"Speed / Sensitivity\": \"Sound Sensitivity\" } } ] },\n"
	"    \"Program Speed\": { \"capability\": { \"type\": \"EffectSpeed\", \"speedStart\": \"slow\", \"speedEnd\": \"fast\" } },\n"
	"    \"Sound Sensitivity\": { \"capability\": { \"type\": \"SoundSensitivity\" } }\n"
	"  },\n"
	"  \"modes\": [\n"
	"    { \"name\": \"16-bit\", \"channels\": [\"Pan\", \"Pan fine\", \"Tilt\", \"Tilt fine\", \"Dimmer\",\n"
	"        \"Shutter / Strobe\", \"Color Wheel\", \"Gobo Wheel\", null, \"Program\", \"Speed / Sensitivity\"] },\n"
	"    { \"name\": \"Split fine\", \"channels\": [\"Pan\", \"Tilt\", \"Pan fine\", \"Tilt fine\", \"Dimmer\"] }\n"
	"  ] }\n";

static void test_ofl_mapping(void **state)
{
	struct fdef *def = import_ok(false, ofl_spot);
	const struct fdef_channel *c;

	assert_string_equal(def->name, "Spot 1");
	assert_string_equal(def->manufacturer, "maker");
	assert_true(fabsf(def->pan_range_deg - 540) < 1e-3f);
	assert_true(fabsf(def->tilt_range_deg - 270) < 1e-3f);
	c = chan(def, 0, 0);
	assert_int_equal(c->attr, GL_ATTR_PAN);
	assert_int_equal(c->bytes, 2);
	assert_true(fabsf(c->default_value - 0.5f) < 1e-6f);
	c = chan(def, 0, 1);
	assert_int_equal(c->attr, GL_ATTR_TILT);
	assert_int_equal(c->bytes, 2);
	assert_true(c->inverted);               /* angle runs from +135 to -135 */
	assert_int_equal(chan(def, 0, 2)->attr, GL_ATTR_INTENSITY);
	c = chan(def, 0, 3);
	assert_int_equal(c->attr, GL_ATTR_SHUTTER);
	assert_int_equal(c->caps[2].kind, FDEF_CAP_OPEN);
	assert_int_equal((int)lroundf(c->default_value * 255), 248);
	c = chan(def, 0, 4);
	assert_int_equal(c->attr, GL_ATTR_COLOR_WHEEL);
	assert_int_equal(c->caps[1].kind, FDEF_CAP_COLOR);
	assert_true(c->caps[1].has_color && c->caps[1].rgb[0] == 1.0f);
	assert_string_equal(c->caps[2].name, "Blue");
	c = chan(def, 0, 5);
	assert_int_equal(c->attr, GL_ATTR_GOBO);
	assert_int_equal(c->caps[1].kind, FDEF_CAP_GOBO);
	c = chan(def, 0, 6);                      /* null: an unused slot */
	assert_true(c->fixed);
	assert_int_equal(chan(def, 0, 7)->attr, GL_ATTR_CONTROL);
	c = chan(def, 0, 8);                      /* switching channel: its first target */
	assert_int_equal(c->attr, GL_ATTR_SPEED);
	assert_string_equal(c->name, "Speed / Sensitivity");
	assert_int_equal(fdef_mode_slots(&def->modes[0]), 11);
	/* fine channels away from their coarse ones: 16-bit, fine slots 3, 4 */
	assert_int_equal(def->modes[1].channel_count, 3);
	assert_int_equal(chan(def, 1, 0)->bytes, 2);
	assert_int_equal(chan(def, 1, 0)->fine_slot[0], 2);
	assert_int_equal(chan(def, 1, 1)->fine_slot[0], 3);
	assert_string_equal(chan(def, 1, 1)->fine_name, "Tilt fine");
	assert_int_equal(fdef_mode_slots(&def->modes[1]), 5);
	round_trip(def);
	fdef_destroy(def);
}

static const char ofl_bar[] =
	"{ \"name\": \"Pixel Bar 4\",\n"
	"  \"matrix\": { \"pixelKeys\": [ [ [\"1\", \"2\", \"3\", \"4\"] ] ],\n"
	"              \"pixelGroups\": { \"Left\": [\"1\", \"2\"], \"Right\": [\"3\", \"4\"] } },\n"
	"  \"availableChannels\": {\n"
	"    \"Dimmer\": { \"fineChannelAliases\": [\"Dimmer fine\"], \"capability\": { \"type\": \"Intensity\" } },\n"
	"    \"Strobe\": { \"capabilities\": [\n"
	"      { \"dmxRange\": [0, 9], \"type\": \"NoFunction\" },\n"
	"      { \"dmxRange\": [10, 255], \"type\": \"ShutterStrobe\", \"shutterEffect\": \"Strobe\" } ] }\n"
	"  },\n"
	"  \"templateChannels\": {\n"
	"    \"Red $pixelKey\": { \"capability\": { \"type\": \"ColorIntensity\", \"color\": \"Red\" } },\n"
	"    \"Green $pixelKey\": { \"capability\": { \"type\": \"ColorIntensity\", \"color\": \"Green\" } },\n"
	"    \"Blue $pixelKey\": { \"capability\": { \"type\": \"ColorIntensity\", \"color\": \"Blue\" } }\n"
	"  },\n"
	"  \"modes\": [\n"
	"    { \"name\": \"Per pixel\", \"channels\": [\"Dimmer\", \"Dimmer fine\", \"Strobe\",\n"
	"      { \"insert\": \"matrixChannels\", \"repeatFor\": \"eachPixelABC\", \"channelOrder\": \"perPixel\",\n"
	"        \"templateChannels\": [\"Red $pixelKey\", \"Green $pixelKey\", \"Blue $pixelKey\"] } ] },\n"
	"    { \"name\": \"Per channel\", \"channels\": [\n"
	"      { \"insert\": \"matrixChannels\", \"repeatFor\": [\"4\", \"3\", \"2\", \"1\"], \"channelOrder\": \"perChannel\",\n"
	"        \"templateChannels\": [\"Red $pixelKey\", \"Green $pixelKey\"] } ] },\n"
	"    { \"name\": \"Halves\", \"channels\": [\"Red Left\", \"Green Left\", \"Blue Left\",\n"
	"      \"Red Right\", \"Green Right\", \"Blue Right\"] }\n"
	"  ] }\n";

static void test_ofl_matrix(void **state)
{
	struct fdef *def = import_ok(false, ofl_bar);
	const struct fdef_mode *m;

	m = &def->modes[0];
	assert_int_equal(fdef_mode_slots(m), 15);
	assert_int_equal(m->channels[0].bytes, 2);          /* Dimmer + Dimmer fine */
	assert_int_equal(m->channels[1].attr, GL_ATTR_STROBE);
	assert_int_equal(m->head_count, 4);
	assert_string_equal(m->channels[2].name, "Red 1");
	assert_int_equal(m->heads[0].count, 3);
	assert_int_equal(m->heads[0].channels[0], 2);
	assert_int_equal(m->heads[3].channels[2], 13);
	assert_string_equal(m->channels[13].name, "Blue 4");
	/* perChannel, pixels listed backwards: Red 4 Red 3 .. Green 1 */
	m = &def->modes[1];
	assert_int_equal(m->channel_count, 8);
	assert_string_equal(m->channels[0].name, "Red 4");
	assert_string_equal(m->channels[4].name, "Green 4");
	assert_int_equal(m->head_count, 4);
	assert_int_equal(m->heads[0].channels[1], 4);       /* pixel 4: slots 1 and 5 */
	/* pixel groups named directly */
	m = &def->modes[2];
	assert_int_equal(m->head_count, 2);
	assert_int_equal(m->heads[1].channels[0], 3);
	round_trip(def);
	fdef_destroy(def);
}

/* A switching channel defined in a template channel: one alias per pixel,
 * "$pixelKey" twice in its name; an unused slot (null) in an insert. */
static const char ofl_switch_tmpl[] =
	"{ \"name\": \"Twin\",\n"
	"  \"matrix\": { \"pixelCount\": [2, 1, 1] },\n"
	"  \"templateChannels\": {\n"
	"    \"Red $pixelKey\": { \"capability\": { \"type\": \"ColorIntensity\", \"color\": \"Red\" } },\n"
	"    \"Mode $pixelKey\": { \"capabilities\": [\n"
	"      { \"dmxRange\": [0, 127], \"type\": \"Effect\", \"effectName\": \"Auto\",\n"
	"        \"switchChannels\": { \"Speed $pixelKey / Sens $pixelKey\": \"Speed $pixelKey\" } },\n"
	"      { \"dmxRange\": [128, 255], \"type\": \"Effect\", \"effectName\": \"Sound\",\n"
	"        \"switchChannels\": { \"Speed $pixelKey / Sens $pixelKey\": \"Sens $pixelKey\" } } ] },\n"
	"    \"Speed $pixelKey\": { \"capability\": { \"type\": \"EffectSpeed\", \"speedStart\": \"slow\", \"speedEnd\": \"fast\" } },\n"
	"    \"Sens $pixelKey\": { \"capability\": { \"type\": \"SoundSensitivity\" } }\n"
	"  },\n"
	"  \"modes\": [\n"
	"    { \"name\": \"Pixels\", \"channels\": [\n"
	"      { \"insert\": \"matrixChannels\", \"repeatFor\": \"eachPixelABC\", \"channelOrder\": \"perPixel\",\n"
	"        \"templateChannels\": [\"Red $pixelKey\", \"Mode $pixelKey\",\n"
	"                             \"Speed $pixelKey / Sens $pixelKey\", null] } ] },\n"
	"    { \"name\": \"Named\", \"channels\": [\"Red 1\", \"Red 2\", \"Speed 2 / Sens 2\"] }\n"
	"  ] }\n";

static void test_ofl_template_switching(void **state)
{
	struct fdef *def = import_ok(false, ofl_switch_tmpl);
	const struct fdef_mode *m = &def->modes[0];

	assert_int_equal(m->channel_count, 8);
	assert_int_equal(m->head_count, 2);
	assert_int_equal(m->heads[1].count, 3);                  /* the null slot is shared */
	assert_string_equal(m->channels[6].name, "Speed 2 / Sens 2");
	assert_int_equal(m->channels[6].attr, GL_ATTR_SPEED);   /* its first target */
	assert_int_equal(m->heads[1].channels[2], 6);
	assert_true(m->channels[7].fixed);                     /* null: unused slot */
	m = &def->modes[1];
	assert_int_equal(m->channels[2].attr, GL_ATTR_SPEED);
	assert_int_equal(m->heads[1].channels[1], 2);            /* pixel 2's head */
	round_trip(def);
	fdef_destroy(def);
}

static void test_ofl_bad_input(void **state)
{
	bad(false, "{ \"name\": \"x\", \"modes\": [ ", "malformed JSON", NULL);
	bad(false, "{ \"name\": \"x\", \"availableChannels\": {} }", "no \"modes\"", NULL);
	bad(false, "{ \"name\": \"x\", \"availableChannels\": { \"a\": { \"capability\": "
		   "{ \"type\": \"Levitate\" } } }, \"modes\": [ { \"name\": \"m\", \"channels\": "
		   "[\"a\"] } ] }", "unknown capability type \"Levitate\"", "channel \"a\"");
	bad(false, "{ \"name\": \"x\", \"availableChannels\": { \"a\": { \"capability\": "
		   "{ \"type\": \"Intensity\" } } }, \"modes\": [ { \"name\": \"m\", \"channels\": "
		   "[\"a\"] }, { \"name\": \"m\", \"channels\": [\"a\"] } ] }",
	    "mode \"m\" is defined twice", NULL);
	bad(false, "{ \"name\": \"x\", \"availableChannels\": {}, \"modes\": [ { \"name\": \"m\", "
		   "\"channels\": [\"ghost\"] } ] }", "mode \"m\"", "\"ghost\" is not defined");
	bad(false, "{ \"name\": \"x\", \"matrix\": { \"pixelCount\": [600, 1, 1] }, "
		   "\"templateChannels\": { \"R $pixelKey\": { \"capability\": { \"type\": "
		   "\"ColorIntensity\", \"color\": \"Red\" } } }, \"modes\": [ { \"name\": \"big\", "
		   "\"channels\": [ { \"insert\": \"matrixChannels\", \"repeatFor\": \"eachPixelXYZ\", "
		   "\"channelOrder\": \"perPixel\", \"templateChannels\": [\"R $pixelKey\"] } ] } ] }",
	    "mode \"big\"", "past 512");
	bad(false, "{ \"redirectTo\": \"a/b\", \"name\": \"x\" }", "redirect", NULL);
	/* a template switching channel whose target does not exist */
	bad(false, "{ \"name\": \"x\", \"matrix\": { \"pixelCount\": [2, 1, 1] }, "
		   "\"templateChannels\": { \"M $pixelKey\": { \"capability\": { \"type\": "
		   "\"Effect\", \"effectName\": \"a\", \"switchChannels\": { \"S $pixelKey\": "
		   "\"Ghost $pixelKey\" } } } }, \"modes\": [ { \"name\": \"m\", \"channels\": "
		   "[\"M 1\", \"S 1\"] } ] }", "mode \"m\"", "channel \"S 1\" is not defined");
	bad(false, "{ \"name\": \"x\", \"matrix\": { \"pixelCount\": [2, 1, 1] }, "
		   "\"templateChannels\": { \"R $pixelKey\": { \"capability\": { \"type\": "
		   "\"ColorIntensity\", \"color\": \"Red\" } } }, \"modes\": [ { \"name\": \"m\", "
		   "\"channels\": [ { \"insert\": \"matrixChannels\", \"repeatFor\": \"eachPixelABC\", "
		   "\"channelOrder\": \"perPixel\", \"templateChannels\": [\"R $pixelKey\", 7] } ] } ] }",
	    "mode \"m\"", "template channel 2 of an insert");
}

/* Numbers past what an int or a float holds, where the importer turns
 * JSON numbers into ints and floats: no undefined behaviour (the fuzz
 * build makes it fatal), a slot that cannot be is no slot, values are
 * clamped, and a channel deeper than 24 bits is an error. */
static void test_ofl_hostile_numbers(void **state)
{
	static const char wheel[] =
		"{ \"name\": \"Wheel\", \"wheels\": { \"Color Wheel\": { \"slots\": [\n"
		"    { \"type\": \"Open\" }, { \"type\": \"Color\", \"name\": \"Red\", \"colors\": [\"#ff0000\"] } ] } },\n"
		"  \"availableChannels\": { \"Color Wheel\": { \"capabilities\": [\n"
		"    { \"dmxRange\": [0, 9], \"type\": \"WheelSlot\", \"slotNumber\": -2147483649.0 },\n"
		"    { \"dmxRange\": [10, 19], \"type\": \"WheelSlot\", \"slotNumber\": 2147483649.0 },\n"
		"    { \"dmxRange\": [20, 29], \"type\": \"WheelSlot\", \"slotNumber\": 1e300 },\n"
		"    { \"dmxRange\": [30, 39], \"type\": \"WheelSlot\", \"slotNumber\": 3 },\n"
		"    { \"dmxRange\": [40, 49], \"type\": \"WheelSlot\", \"slotNumber\": 2 } ] } },\n"
		"  \"modes\": [ { \"name\": \"m\", \"channels\": [\"Color Wheel\"] } ] }\n";
	static const char far[] =
		"{ \"name\": \"Far\", \"availableChannels\": {\n"
		"    \"Pan\": { \"defaultValue\": 1e300, \"highlightValue\": -1e300,\n"
		"      \"capability\": { \"type\": \"Pan\", \"angleStart\": \"-1e300deg\", \"angleEnd\": \"1e300deg\" } },\n"
		"    \"Tilt\": { \"defaultValue\": \"1e300%\",\n"
		"      \"capability\": { \"type\": \"Tilt\", \"angleStart\": \"1e39deg\", \"angleEnd\": \"0deg\" } } },\n"
		"  \"modes\": [ { \"name\": \"m\", \"channels\": [\"Pan\", \"Tilt\"] } ] }\n";
	struct fdef *def = import_ok(false, wheel);
	const struct fdef_channel *c = chan(def, 0, 0);

	assert_int_equal(c->attr, GL_ATTR_COLOR_WHEEL);
	assert_int_equal(c->cap_count, 5);
	for (int k = 0; k < 4; k++)                 /* no such slot: a plain range */
		assert_int_equal(c->caps[k].kind, FDEF_CAP_GENERIC);
	assert_int_equal(c->caps[4].kind, FDEF_CAP_COLOR);
	assert_string_equal(c->caps[4].name, "Red");
	fdef_destroy(def);

	def = import_ok(false, far);
	assert_true(chan(def, 0, 0)->default_value == 1.0f);
	assert_true(chan(def, 0, 0)->highlight == 0.0f);
	assert_true(chan(def, 0, 1)->default_value == 1.0f);
	/* angles past a million degrees are no angles: the common ranges */
	assert_true(def->pan_range_deg == 540.0f && def->tilt_range_deg == 270.0f);
	fdef_destroy(def);

	bad(false, "{ \"name\": \"x\", \"availableChannels\": { \"D\": { \"fineChannelAliases\": "
		   "[\"a\", \"b\", \"c\", \"d\", \"e\"], \"capabilities\": [ { \"dmxRange\": [0, 255], "
		   "\"type\": \"Intensity\" } ] } }, \"modes\": [ { \"name\": \"m\", \"channels\": "
		   "[\"D\"] } ] }", "channel \"D\": more than 2 fineChannelAliases", NULL);
	bad(false, "{ \"name\": \"x\", \"matrix\": { \"pixelCount\": [1e300, -1e300, 2147483648] }, "
		   "\"modes\": [ { \"name\": \"m\", \"channels\": [null] } ] }",
	    "matrix: bad pixelCount", NULL);
}

/* Appends to a growing text (open_memstream). */
static void put(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

/* A generated OFL fixture: `channels` channels (c0...; c0 with `caps`
 * ranges), `templates` template channels over a `pixels`-pixel matrix and
 * `groups` pixel groups, and `modes` modes of `per_mode` channels. */
static char *ofl_generate(int channels, int caps, int templates, int pixels, int groups,
			  int modes, int per_mode)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	put(f, "{ \"name\": \"big\",\n");
	if (pixels > 0) {
		put(f, "  \"matrix\": { \"pixelCount\": [%d, 1, 1]", pixels);
		if (groups > 0) {
			put(f, ", \"pixelGroups\": {");
			for (int g = 0; g < groups; g++)
				put(f, "%s \"g%d\": \"all\"", g ? "," : "", g);
			put(f, " }");
		}
		put(f, " },\n  \"templateChannels\": {");
		for (int t = 0; t < templates; t++)
			put(f, "%s \"t%d $pixelKey\": { \"capability\": { \"type\": \"Generic\" } }",
			    t ? "," : "", t);
		put(f, " },\n");
	}
	put(f, "  \"availableChannels\": {");
	for (int i = 0; i < channels; i++) {
		put(f, "%s \"c%d\": { \"capabilities\": [", i ? "," : "", i);
		for (int k = 0; k < (i == 0 ? caps : 1); k++)
			put(f, "%s { \"dmxRange\": [%d, %d], \"type\": \"Generic\" }", k ? "," : "",
			    k % 256, k % 256);
		put(f, " ] }");
	}
	put(f, " },\n  \"modes\": [");
	for (int m = 0; m < modes; m++) {
		put(f, "%s { \"name\": \"m%d\", \"channels\": [", m ? "," : "", m);
		for (int i = 0; i < per_mode; i++)
			put(f, "%s\"c%d\"", i ? ", " : "", i % channels);
		put(f, "] }");
	}
	put(f, " ] }\n");
	fclose(f);
	return text;
}

/* Hostile sizes refused early with the limit named; no timing asserted. */
static void test_ofl_limits(void **state)
{
	char *text;

	bad_generated(false, ofl_generate(100000, 1, 0, 0, 0, 1, 1),
		      "more than 4096 channels and template channels (the limit");
	bad_generated(false, ofl_generate(1, 1, 0, 0, 0, IMPORT_MODES_MAX + 1, 1),
		      "more than 512 modes (the limit)");
	bad_generated(false, ofl_generate(1, 1, 0, 0, 0, 1, GL_DMX_SLOTS + 1),
		      "mode \"m0\": more than 512 channels");
	/* 3 modes of 512 channels with 256 ranges each: 393,216 ranges */
	bad_generated(false, ofl_generate(1, 256, 0, 0, 0, 3, GL_DMX_SLOTS),
		      "more than 262144 capability ranges in all (the limit)");
	/* 300 templates made for 1024 pixels: 307,200 names */
	bad_generated(false, ofl_generate(1, 1, 300, 1024, 0, 1, 1),
		      "more than 262144 channel names");
	bad_generated(false, ofl_generate(1, 1, 1, 2, 1025, 1, 1),
		      "matrix: more than 1024 pixelGroups (the limit)");
	/* an insert of 513 template channels (here for no pixel at all) */
	{
		FILE *f = open_memstream(&text, &(size_t){ 0 });

		assert_non_null(f);
		put(f, "{ \"name\": \"x\", \"matrix\": { \"pixelCount\": [2, 1, 1] }, "
		       "\"modes\": [ { \"name\": \"m\", \"channels\": [ { \"insert\": "
		       "\"matrixChannels\", \"repeatFor\": [], \"channelOrder\": \"perPixel\", "
		       "\"templateChannels\": [null");
		for (int i = 1; i <= GL_DMX_SLOTS; i++)
			put(f, ", null");
		put(f, "] } ] } ] }");
		fclose(f);
	}
	bad(false, text, "mode \"m\": an insert lists more than 512 template channels", NULL);
	free(text);
	/* near the limits, it imports */
	ok_generated(false, ofl_generate(IMPORT_CHANNELS_MAX - 200, 256, 200, 1024, 200, 20,
					 GL_DMX_SLOTS));
}

/* Pan and tilt coarse first, then the fine bytes; a 24-bit dimmer whose
 * fine and ultra bytes come last. */
static const char ofl_split[] =
	"{ \"name\": \"Split 7\",\n"
	"  \"availableChannels\": {\n"
	"    \"Pan\": { \"fineChannelAliases\": [\"Pan fine\"],\n"
	"      \"capability\": { \"type\": \"Pan\", \"angleStart\": \"0deg\", \"angleEnd\": \"540deg\" } },\n"
	"    \"Tilt\": { \"fineChannelAliases\": [\"Tilt fine\"],\n"
	"      \"capability\": { \"type\": \"Tilt\", \"angleStart\": \"0deg\", \"angleEnd\": \"270deg\" } },\n"
	"    \"Dimmer\": { \"fineChannelAliases\": [\"Dimmer fine\", \"Dimmer ultra\"],\n"
	"      \"capability\": { \"type\": \"Intensity\" } }\n"
	"  },\n"
	"  \"modes\": [ { \"name\": \"Split\", \"channels\": [\"Pan\", \"Tilt\", \"Dimmer\",\n"
	"      \"Pan fine\", \"Tilt fine\", \"Dimmer fine\", \"Dimmer ultra\"] },\n"
	"    { \"name\": \"Fine first\", \"channels\": [\"Pan fine\", \"Pan\"] } ] }\n";

static void test_ofl_split_fine(void **state)
{
	static const enum gl_attr attrs[] = { GL_ATTR_PAN, GL_ATTR_TILT, GL_ATTR_INTENSITY };
	static const float values[] = { 0x1234 / 65535.0f, 0xabcd / 65535.0f, 1.0f / 3.0f };
	struct fdef *def = import_ok(false, ofl_split);
	const struct fdef_channel *c;

	assert_int_equal(def->modes[0].channel_count, 3);
	assert_int_equal(fdef_mode_slots(&def->modes[0]), 7);
	assert_int_equal(chan(def, 0, 0)->fine_slot[0], 3);
	assert_int_equal(chan(def, 0, 1)->fine_slot[0], 4);
	c = chan(def, 0, 2);
	assert_int_equal(c->bytes, 3);
	assert_int_equal(c->fine_slot[0], 5);
	assert_int_equal(c->fine_slot[1], 6);
	assert_string_equal(c->ultra_name, "Dimmer ultra");
	/* a fine alias before its coarse channel: an 8-bit control slot */
	assert_int_equal(chan(def, 1, 0)->attr, GL_ATTR_CONTROL);
	assert_int_equal(chan(def, 1, 1)->bytes, 1);
	expect_rendered(def, attrs, values, 3, (const struct slot[]){
		{ 9, 0x12 }, { 12, 0x34 }, { 10, 0xab }, { 13, 0xcd },
		{ 11, 0x55 }, { 14, 0x55 }, { 15, 0x55 },   /* 1/3 of 0xffffff: 0x555555 */
		{ -1, 0 } });
	fdef_destroy(def);
}

/* ---- patching and looks in a show ----------------------------------------------- */

static void test_show_patch_heads_and_wheel(void **state)
{
	char path[256], show[256], err[1024];
	struct gl_show *s;
	struct gl_engine *e;
	const uint8_t *dmx;
	int u;

	write_file(scratch_path(path, sizeof path, "bar.qxf"), qxf_bar);
	write_file(scratch_path(show, sizeof show, "show.lua"),
		   "show { name = 'heads' }\n"
		   "patch { 'bar', type = 'generic/led-bar-8px', universe = 1, address = 1, count = 2 }\n"
		   "patch { 'spot', type = 'generic/spot', universe = 1, address = 101 }\n"
		   "patch { 'q', type = 'bar.qxf', universe = 1, address = 201 }\n"
		   "cuelist 'L' {\n"
		   "  cue { 1, look = { bar = { intensity = 1, color = '#ff0000' },\n"
		   "                    ['bar 2.3'] = { color = '#0000ff' },\n"
		   "                    spot = { intensity = 1, color = '#e00010', tilt = 45 },\n"
		   "                    ['q.2'] = { intensity = 1, color = '#00ff00' } } },\n"
		   "}\n"
		   "go('L')\n");
	s = gl_show_load(show, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	e = gl_show_engine(s);
	/* 2 bars x (shared + 8 heads) + spot + q (shared + 3 heads) */
	assert_int_equal(gl_engine_fixture_count(e), 18 + 1 + 4);
	assert_true(fixture_by_label(e, "bar 1") >= 0);
	assert_true(fixture_by_label(e, "bar 2.8") >= 0);
	assert_true(fixture_by_label(e, "q.3") >= 0);
	assert_int_equal(gl_show_start(s), 1);   /* the go() */
	gl_engine_tick(e, 0);
	gl_engine_tick(e, 1000000000ull);
	u = gl_engine_universe_index(e, 1);
	dmx = gl_engine_dmx(e, u);
	/* bar 1: dimmer full, every pixel red */
	assert_int_equal(dmx[0], 255);
	for (int h = 0; h < 8; h++) {
		assert_int_equal(dmx[2 + 3 * h], 255);
		assert_int_equal(dmx[4 + 3 * h], 0);
	}
	/* bar 2 (address 27): pixel 3 blue (the smaller selection wins) */
	assert_int_equal(dmx[26], 255);
	assert_int_equal(dmx[26 + 2 + 3 * 2], 0);
	assert_int_equal(dmx[26 + 4 + 3 * 2], 255);
	assert_int_equal(dmx[26 + 2 + 3 * 3], 255);
	/* spot: no emitters, so the colour wheel's red slot (10..19 -> 15) */
	assert_int_equal(dmx[100 + 5], 15);
	/* spot tilt is inverted: +45 of 270 degrees is 0.6667, sent as 0.3333 */
	assert_int_equal(dmx[102], 0x55);
	assert_int_equal(dmx[100], 0x80);   /* pan at rest, not inverted */
	/* q head 2 (slots 3 and 6 of the qxf bar): green only */
	assert_int_equal(dmx[200 + 2], 0);
	assert_int_equal(dmx[200 + 5], 255);
	gl_show_destroy(s);
}

/* Loads a show from text (show.lua in the scratch folder); returns NULL
 * with err set when it fails to load. */
static struct gl_show *show_text(const char *text, char *err, size_t err_len)
{
	char show[256];

	write_file(scratch_path(show, sizeof show, "show.lua"), text);
	return gl_show_load(show, err, err_len);
}

/* A show that patches an imported file: the importer's warning reaches
 * `check` (gl_show_print), and a file past a limit is an error at the
 * patch naming the limit. */
static void test_show_patch_import_warning_and_limit(void **state)
{
	static const char twice[] =
		"<FixtureDefinition><Model>x</Model>\n"
		"<Channel Name=\"a\" Preset=\"IntensityRed\"/>\n"
		"<Channel Name=\"a\" Preset=\"IntensityBlue\"/>\n"
		"<Mode Name=\"m\"><Channel Number=\"0\">a</Channel></Mode></FixtureDefinition>\n";
	char path[256], big[256], show[256], err[1024];
	char *text = NULL, *xml;
	size_t len = 0;
	struct gl_show *s;
	FILE *out;

	write_file(scratch_path(path, sizeof path, "twice.qxf"), twice);
	xml = qxf_generate(100000, 0, 1, 1, 0, 0);
	write_file(scratch_path(big, sizeof big, "big.qxf"), xml);
	free(xml);
	write_file(scratch_path(show, sizeof show, "show.lua"), "show { name = 'w' }\n"
			 "output { 'o', type = 'sacn', universes = { 1 } }\n"
			 "patch { 'p', type = 'twice.qxf', universe = 1, address = 1 }\n");
	s = gl_show_load(show, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	gl_show_print(s, out);
	fclose(out);
	gl_show_destroy(s);
	if (!strstr(text, "warnings:\n  fixture type \"twice.qxf\": ") ||
	    !strstr(text, "twice.qxf:3: channel \"a\" is defined twice (first at line 2)"))
		fail_msg("no warning in:\n%s", text);
	free(text);

	write_file(show, "show { name = 'w' }\n"
			 "patch { 'p', type = 'big.qxf', universe = 1, address = 1 }\n");
	s = gl_show_load(show, err, sizeof err);
	assert_null(s);
	if (!strstr(err, "show.lua:2") || !strstr(err, "more than 4096 <Channel> definitions"))
		fail_msg("\"%s\"", err);
}

/* gobo = "Gobo 2": the middle of the range of that name, any case. */
static void test_show_look_named_range(void **state)
{
	char err[1024];
	struct gl_show *s = show_text(
		"show { name = 'ranges' }\n"
		"patch { 'spot', type = 'generic/spot', universe = 1, address = 1 }\n"
		"cuelist 'L' { cue { 1, look = { spot = { intensity = 1, gobo = 'gobo 2',\n"
		"                                       color_wheel = 'Cyan', shutter = 'Open' } } } }\n"
		"go('L')\n", err, sizeof err);
	struct gl_engine *e;
	const uint8_t *dmx;

	if (!s)
		fail_msg("%s", err);
	e = gl_show_engine(s);
	assert_int_equal(gl_show_start(s), 1);
	gl_engine_tick(e, 0);
	gl_engine_tick(e, 1000000000ull);
	dmx = gl_engine_dmx(e, gl_engine_universe_index(e, 1));
	/* spot: pan 1-2, tilt 3-4, speed 5, colour wheel 6, gobo 7, shutter 8;
	 * the middle of 20..29 is 24.5, of 50..59 54.5, of 248..255 251.5 */
	assert_true(dmx[6] == 24 || dmx[6] == 25);
	assert_true(dmx[5] == 54 || dmx[5] == 55);
	assert_true(dmx[7] == 251 || dmx[7] == 252);
	gl_show_destroy(s);

	s = show_text("show { name = 'ranges' }\n"
		      "patch { 'spot', type = 'generic/spot', universe = 1, address = 1 }\n"
		      "cuelist 'L' { cue { 1, look = { spot = { gobo = 'Star' } } } }\n", err, sizeof err);
	assert_null(s);
	if (!strstr(err, "show.lua:3") || !strstr(err, "no fixture in the selection has a 'gobo' "
							  "range named \"Star\""))
		fail_msg("\"%s\"", err);
	s = show_text("show { name = 'ranges' }\n"
		      "patch { 'spot', type = 'generic/spot', universe = 1, address = 1 }\n"
		      "cuelist 'L' { cue { 1, look = { spot = { pan = 'left' } } } }\n", err, sizeof err);
	assert_null(s);
	if (!strstr(err, "show.lua:3") || !strstr(err, "pan must be a number, not"))
		fail_msg("\"%s\"", err);
}

static void test_nearest_color(void **state)
{
	const float wheel[4][3] = { { 1, 1, 1 }, { 1, 0, 0 }, { 0, 0, 1 }, { 1, 0.5f, 0 } };

	assert_int_equal(fdef_nearest_color(wheel, 4, 0.5f, 0, 0), 1);      /* dim red */
	assert_int_equal(fdef_nearest_color(wheel, 4, 1, 0.45f, 0.05f), 3);
	assert_int_equal(fdef_nearest_color(wheel, 4, 0.9f, 0.9f, 1), 0);
	assert_int_equal(fdef_nearest_color(wheel, 0, 1, 1, 1), -1);
}

/* ---- the QLC+ corpus ---------------------------------------------------------------- */

/* The slot names of each mode, read from the XML independently of the
 * importer: <Mode><Channel Number=N>name</Channel>. */
struct xml_modes {
	int mode_count;
	char names[64][GL_DMX_SLOTS][80];
	int counts[64];
	int depth, in_mode, number;
	char text[256];
	size_t text_len;
};

static void XMLCALL xm_start(void *ud, const char *el, const char **atts)
{
	struct xml_modes *x = ud;

	x->depth++;
	x->text_len = 0;
	if (x->depth == 2 && strcmp(el, "Mode") == 0 && x->mode_count < 64) {
		x->in_mode = 1;
		x->counts[x->mode_count++] = 0;
	} else if (x->depth == 3 && x->in_mode && strcmp(el, "Channel") == 0) {
		x->number = -1;
		for (int i = 0; atts[i]; i += 2)
			if (strcmp(atts[i], "Number") == 0)
				x->number = atoi(atts[i + 1]);
	}
}

static void XMLCALL xm_end(void *ud, const char *el)
{
	struct xml_modes *x = ud;

	if (x->depth == 3 && x->in_mode && strcmp(el, "Channel") == 0 && x->number >= 0 &&
	    x->number < GL_DMX_SLOTS) {
		int m = x->mode_count - 1;

		snprintf(x->names[m][x->number], sizeof x->names[m][0], "%.*s", (int)x->text_len,
			 x->text);
		if (x->number + 1 > x->counts[m])
			x->counts[m] = x->number + 1;
	}
	if (x->depth == 2 && strcmp(el, "Mode") == 0)
		x->in_mode = 0;
	x->depth--;
	x->text_len = 0;
}

static void XMLCALL xm_text(void *ud, const char *s, int len)
{
	struct xml_modes *x = ud;

	if (x->text_len + (size_t)len < sizeof x->text) {
		memcpy(x->text + x->text_len, s, (size_t)len);
		x->text_len += (size_t)len;
	}
}

/* Every slot of the imported mode, by the name it came from, must be the
 * XML's channel at that number. */
static void compare_with_xml(const char *path, const struct fdef *def, struct xml_modes *x)
{
	char *data;
	size_t len;
	char err[256];
	XML_Parser p = XML_ParserCreate(NULL);

	assert_int_equal(import_read_file(path, &data, &len, err, sizeof err), 0);
	memset(x, 0, sizeof *x);
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, xm_start, xm_end);
	XML_SetCharacterDataHandler(p, xm_text);
	assert_int_equal(XML_Parse(p, data, (int)len, XML_TRUE), XML_STATUS_OK);
	XML_ParserFree(p);
	free(data);
	assert_int_equal(def->mode_count, x->mode_count);
	for (int m = 0; m < def->mode_count; m++) {
		const struct fdef_mode *mode = &def->modes[m];
		int layout[GL_DMX_SLOTS * 3];
		bool seen[GL_DMX_SLOTS] = { false };

		if (fdef_mode_slots(mode) != x->counts[m])
			fail_msg("%s mode \"%s\": %d slots, XML has %d", path, mode->name,
				 fdef_mode_slots(mode), x->counts[m]);
		assert_int_equal(fdef_mode_layout(mode, layout, err, sizeof err), 0);
		for (int c = 0; c < mode->channel_count; c++) {
			const struct fdef_channel *ch = &mode->channels[c];
			const char *names[3] = { ch->name, ch->fine_name, ch->ultra_name };

			for (int b = 0; b < ch->bytes; b++) {
				int slot = layout[c * 3 + b];

				assert_true(slot >= 0 && slot < x->counts[m] && !seen[slot]);
				seen[slot] = true;
				/* (the XML names are kept to 79 bytes) */
				if (!names[b] || strncmp(names[b], x->names[m][slot],
							 sizeof x->names[m][slot] - 1) != 0)
					fail_msg("%s mode \"%s\" slot %d: \"%s\", XML has \"%s\"", path,
						 mode->name, slot + 1, names[b] ? names[b] : "(none)",
						 x->names[m][slot]);
			}
		}
	}
}

struct reason {
	char text[160];
	int count;
};

static void count_reason(struct reason *r, int *n, const char *err)
{
	const char *msg = strstr(err, ".qxf");
	char key[160];

	msg = msg ? strchr(msg, ' ') : err;
	snprintf(key, sizeof key, "%.150s", msg ? msg + 1 : err);
	/* "line 69: channel "Mode" is defined twice ..." -> without the line */
	if (strncmp(key, "line ", 5) == 0 && strchr(key, ' '))
		memmove(key, strchr(key + 5, ' ') + 1, strlen(strchr(key + 5, ' ') + 1) + 1);
	for (int i = 0; i < *n; i++)
		if (strcmp(r[i].text, key) == 0) {
			r[i].count++;
			return;
		}
	if (*n < 64) {
		snprintf(r[*n].text, sizeof r[0].text, "%s", key);
		r[(*n)++].count = 1;
	}
}

static void test_qlcplus_corpus(void **state)
{
	static struct xml_modes x;
	struct reason reasons[64];
	int nreasons = 0, ok = 0, failed = 0, sampled = 0, patched = 0, modes = 0;
	int split = 0, split_patched = 0, too_big = 0, warned = 0;
	bool file_split;
	glob_t g;

	if (glob(QLC_DIR "/*/*.qxf", 0, NULL, &g) != 0 || g.gl_pathc < 1000)
		fail_msg("%s: expected Debian's qlcplus-data (tools/setup.sh installs it)", QLC_DIR);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct fdef *def;
		char err[FDEF_ERR_MAX];

		if (import_qxf_file(g.gl_pathv[i], &def, err, sizeof err) != 0) {
			failed++;
			count_reason(reasons, &nreasons, err);
			printf("  failed: %s\n", err);
			continue;
		}
		ok++;
		if (def->warning_count > 0) {
			warned++;
			fdef_print_warnings(def, stdout, "  warning: ");
		}
		file_split = false;
		/* every mode that fits the engine builds its parts */
		for (int m = 0; m < def->mode_count; m++) {
			struct fdef_part *parts;
			int n = fdef_parts(def, &def->modes[m], def->name, &parts, err, sizeof err);
			bool has_split = fdef_mode_split_count(&def->modes[m]) > 0;

			modes++;
			split += has_split;
			file_split |= has_split;
			if (n > 0) {
				patched++;
				split_patched += has_split;
				free(parts);
			} else if (strstr(err, "more than")) {
				too_big++;
				printf("  not patchable: %s mode \"%s\": %s\n", g.gl_pathv[i],
				       def->modes[m].name, err);
			} else {
				fail_msg("%s mode \"%s\": %s", g.gl_pathv[i], def->modes[m].name, err);
			}
		}
		/* a sample, every file with split fine bytes and every file
		 * with a warning, slot by slot */
		if (i % 10 == 0 || file_split || def->warning_count > 0) {
			compare_with_xml(g.gl_pathv[i], def, &x);
			if (i % 50 == 0)
				round_trip(def);
			sampled++;
		}
		fdef_destroy(def);
	}
	printf("QLC+ corpus: %d files, %d imported (%d with warnings), %d failed; %d sampled "
	       "against the XML; "
	       "%d modes patchable of %d (%d with too many channels in one part); %d modes "
	       "with fine bytes away from their coarse ones, as 16/24-bit channels (%d of "
	       "them patchable)\n", (int)g.gl_pathc, ok, warned, failed, sampled, patched, modes,
	       too_big, split, split_patched);
	for (int i = 0; i < nreasons; i++)
		printf("  %d x %s\n", reasons[i].count, reasons[i].text);
	/* every file imports: what QLC+ loads, we load (a channel name
	 * defined twice with a warning, as QLC+ reads it) */
	assert_int_equal(failed, 0);
	globfree(&g);
}

static void test_ofl_corpus(void **state)
{
	char pattern[1024];
	int ok = 0, failed = 0, redirects = 0, modes = 0, patched = 0, split = 0;
	glob_t g;

	snprintf(pattern, sizeof pattern, "%s/../shared/corpus/ofl/fixtures/*/*.json", source_dir());
	if (glob(pattern, 0, NULL, &g) != 0) {
		printf("OFL corpus: %s absent, skipped\n", pattern);
		skip();
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct fdef *def;
		char err[FDEF_ERR_MAX];

		if (import_ofl_file(g.gl_pathv[i], &def, err, sizeof err) != 0) {
			if (strstr(err, "is a redirect")) {
				redirects++;
				continue;
			}
			failed++;
			printf("  failed: %s\n", err);
			continue;
		}
		ok++;
		for (int m = 0; m < def->mode_count; m++) {
			struct fdef_part *parts;
			int n = fdef_parts(def, &def->modes[m], def->name, &parts, err, sizeof err);

			modes++;
			split += fdef_mode_split_count(&def->modes[m]) > 0;
			if (n > 0) {
				patched++;
				free(parts);
			} else if (!strstr(err, "more than")) {
				fail_msg("%s mode \"%s\": %s", g.gl_pathv[i], def->modes[m].name, err);
			}
		}
		if (i % 25 == 0)
			round_trip(def);
		fdef_destroy(def);
	}
	printf("OFL corpus: %d files, %d imported, %d failed, %d redirects (not fixtures); "
	       "%d modes patchable of %d; %d modes with fine bytes away from their coarse "
	       "ones\n", (int)g.gl_pathc, ok, failed, redirects, patched, modes, split);
	/* every fixture of the corpus imports (switching channels of matrix
	 * templates were the last gap) */
	assert_int_equal(failed, 0);
	globfree(&g);
}

int main(void)
{
#define SCRATCH(test) cmocka_unit_test_setup_teardown(test, scratch_setup, scratch_teardown)
	const struct CMUnitTest tests[] = {
		SCRATCH(test_starter_library),
		SCRATCH(test_format_errors),
		SCRATCH(test_format_split_fine),
		SCRATCH(test_qxf_split_fine),
		SCRATCH(test_ofl_split_fine),
		SCRATCH(test_qxf_mapping),
		SCRATCH(test_qxf_heads_to_parts),
		SCRATCH(test_qxf_bad_input),
		SCRATCH(test_qxf_duplicate_channel),
		SCRATCH(test_qxf_limits),
		SCRATCH(test_ofl_mapping),
		SCRATCH(test_ofl_matrix),
		SCRATCH(test_ofl_template_switching),
		SCRATCH(test_ofl_bad_input),
		SCRATCH(test_ofl_hostile_numbers),
		SCRATCH(test_ofl_limits),
		SCRATCH(test_show_patch_heads_and_wheel),
		SCRATCH(test_show_look_named_range),
		SCRATCH(test_show_patch_import_warning_and_limit),
		SCRATCH(test_nearest_color),
		SCRATCH(test_qlcplus_corpus),
		SCRATCH(test_ofl_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
