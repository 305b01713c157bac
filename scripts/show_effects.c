/*
 * show_effects.c - effects in a show file: the declarations effect {...},
 * matrix {...} and sound_input {...}; the fields they add to others (a
 * cue's effects = {...} and at = time, a cuelist's chase = {...},
 * timecode and freewheel, a fader's effect and control); the run-time
 * functions effect_start, effect_stop, effect_size, effect_rate,
 * effect_bpm, tap and timecode; and building all that into the engine.
 *
 * Control thread. Declarations are read raw (lua_rawget, lua_rawgeti,
 * lua_next), every count bounded, what the host keeps charged to the
 * sandbox; errors are "file:line: what: why" at the declaring line. An
 * effect's image is decoded here, at load (libpng), never in the tick.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <png.h>

#include "show_internal.h"

#define FX_IMAGE_SIDE_MAX 1024
#define FX_IMAGE_BYTES_MAX (16u << 20)   /* every frame of one effect */

static int fx_fail(lua_State *L, struct show_where at, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fx_fail(lua_State *L, struct show_where at, const char *what, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return show_raise(L, at, "%s: %s", what, msg);
}

/* Field `key` of the table at idx, raw; pushed, with its type returned
 * (LUA_TNIL: nothing, popped). */
static int fx_get(lua_State *L, int idx, const char *key)
{
	lua_pushstring(L, key);
	int t = lua_rawget(L, idx < 0 ? idx - 1 : idx);
	if (t == LUA_TNIL)
		lua_pop(L, 1);
	return t;
}

static bool fx_number(lua_State *L, struct show_where at, const char *what, int idx,
		      const char *key, double min, double max, double *out)
{
	int t = fx_get(L, idx, key);
	if (t == LUA_TNIL)
		return false;
	double v = lua_tonumber(L, -1);
	if (t != LUA_TNUMBER) {
		char desc[96];
		show_describe(L, -1, desc, sizeof desc);
		fx_fail(L, at, what, "'%s' must be a number, not %s", key, desc);
	}
	if (!(v >= min && v <= max))
		fx_fail(L, at, what, "%s %g is outside %g..%g", key, v, min, max);
	lua_pop(L, 1);
	*out = v;
	return true;
}

/* A list of 1..max numbers, each min..max_v, at `key` of the table at 1,
 * into out. Returns how many (0: no such field). */
static int fx_numbers(lua_State *L, struct show_where at, const char *what, const char *key,
		      int max, double min_v, double max_v, float *out)
{
	if (fx_get(L, 1, key) == LUA_TNIL)
		return 0;
	int n = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : 0;
	if (n < 1 || n > max)
		fx_fail(L, at, what, "%s must be a list of 1..%d numbers %g..%g", key, max, min_v,
			max_v);
	for (int i = 0; i < n; i++) {
		lua_rawgeti(L, -1, i + 1);
		double v = lua_tonumber(L, -1);
		if (lua_type(L, -1) != LUA_TNUMBER || !(v >= min_v && v <= max_v))
			fx_fail(L, at, what, "%s[%d] must be a number %g..%g", key, i + 1, min_v,
				max_v);
		out[i] = (float)v;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return n;
}

static bool fx_string(lua_State *L, struct show_where at, const char *what, int idx,
		      const char *key, char *out, size_t len)
{
	int t = fx_get(L, idx, key);
	if (t == LUA_TNIL)
		return false;
	if (t != LUA_TSTRING || lua_rawlen(L, -1) == 0 || lua_rawlen(L, -1) >= len ||
	    strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1))
		fx_fail(L, at, what, "'%s' must be a string of 1..%d bytes", key, (int)len - 1);
	snprintf(out, len, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	return true;
}

static bool fx_boolean(lua_State *L, struct show_where at, const char *what, int idx,
		       const char *key, bool *out)
{
	int t = fx_get(L, idx, key);
	if (t == LUA_TNIL)
		return false;
	if (t != LUA_TBOOLEAN)
		fx_fail(L, at, what, "'%s' must be true or false", key);
	*out = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return true;
}

/* Raises for a key not in `allowed` (and not index 1). */
static void fx_keys(lua_State *L, struct show_where at, const char *what, int idx,
		    const char *const *allowed)
{
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *key = lua_tostring(L, -1);
			bool ok = false;
			for (int i = 0; allowed[i]; i++)
				ok |= strcmp(allowed[i], key) == 0;
			if (!ok)
				fx_fail(L, at, what, "unknown field '%s'", key);
		} else if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) != 1) {
			char desc[96];
			show_describe(L, -1, desc, sizeof desc);
			fx_fail(L, at, what, "unexpected key %s", desc);
		}
	}
}

/* The declaration's name: [1] or name =. */
static void fx_name(lua_State *L, struct show_where at, const char *fn, char *out, size_t len)
{
	if (!lua_istable(L, 1))
		show_raise(L, at, "%s: expects a table: %s { \"name\", ... }", fn, fn);
	lua_rawgeti(L, 1, 1);
	if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 ||
	    lua_rawlen(L, -1) >= len || strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1))
		show_raise(L, at, "%s: needs a name of 1..%d bytes first: %s { \"name\", ... }", fn,
			   (int)len - 1, fn);
	snprintf(out, len, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	if (lua_gettop(L) > 1)
		show_raise(L, at, "%s \"%s\": expects one table", fn, out);
}

static void fx_color(lua_State *L, struct show_where at, const char *what, int idx,
		     const char *key, float rgb[3])
{
	int t = fx_get(L, idx, key);
	if (t == LUA_TNIL)
		return;
	if (t != LUA_TSTRING ||
	    gl_color_parse_hex(lua_tostring(L, -1), &rgb[0], &rgb[1], &rgb[2]) != 0)
		fx_fail(L, at, what, "'%s' must be a colour \"#rrggbb\"", key);
	lua_pop(L, 1);
}

/* ---- matrix { "wall", "bar 1-4", width = 32, height = 4, order = "snake" } -- */

static int fx_decl_matrix(lua_State *L)
{
	static const char *const keys[] = { "fixtures", "width", "height", "order", NULL };
	static const char *const orders[] = { "rows", "snake", "columns", NULL };
	struct gl_show *s = show_from_upvalue(L);
	struct show_matrix m = { .at = show_where_here(L) };
	char what[GL_NAME_MAX + 16], order[16] = "rows";
	double w = 0, h = 0;

	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "matrix() is only allowed while the show loads");
	fx_name(L, m.at, "matrix", m.name, sizeof m.name);
	snprintf(what, sizeof what, "matrix \"%s\"", m.name);
	fx_keys(L, m.at, what, 1, keys);
	for (int i = 0; i < s->matrices.count; i++)
		if (strcmp(SHOW_AT(s->matrices, struct show_matrix, i)->name, m.name) == 0)
			fx_fail(L, m.at, what, "declared twice (first at line %d)",
				SHOW_AT(s->matrices, struct show_matrix, i)->at.line);
	if (s->matrices.count >= SHOW_MATRIX_MAX)
		fx_fail(L, m.at, what, "a show may have at most %d matrices", SHOW_MATRIX_MAX);
	if (!fx_string(L, m.at, what, 1, "fixtures", m.selection, sizeof m.selection))
		fx_fail(L, m.at, what, "needs fixtures = \"selection\" (the pixels, in order)");
	if (!fx_number(L, m.at, what, 1, "width", 1, 4096, &w) || w != floor(w))
		fx_fail(L, m.at, what, "needs a whole width = 1..4096 (pixels across)");
	fx_number(L, m.at, what, 1, "height", 1, 4096, &h);
	if (h != floor(h))
		fx_fail(L, m.at, what, "height must be a whole number");
	fx_string(L, m.at, what, 1, "order", order, sizeof order);
	m.order = -1;
	for (int i = 0; orders[i]; i++)
		if (strcmp(orders[i], order) == 0)
			m.order = i;
	if (m.order < 0)
		fx_fail(L, m.at, what, "order \"%s\" is not \"rows\", \"snake\" or \"columns\"", order);
	m.width = (int)w;
	m.height = (int)h;    /* 0: as many rows as the pixels fill */
	*(struct show_matrix *)show_vec_push(L, &s->matrices, sizeof m) = m;
	return 0;
}

/* ---- effect { "name", group = ..., wave = ..., ... } ------------------------ */

/* Decodes a PNG into RGB bytes (libpng's simplified API); *w, *h. Returns
 * malloc'd pixels, or NULL with why in err. */
static uint8_t *fx_png(const char *path, int *w, int *h, char *err, size_t len)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		snprintf(err, len, "%s", img.message[0] ? img.message : "cannot read it");
		return NULL;
	}
	if (img.width < 1 || img.height < 1 || img.width > FX_IMAGE_SIDE_MAX ||
	    img.height > FX_IMAGE_SIDE_MAX) {
		snprintf(err, len, "%ux%u pixels: at most %dx%d", img.width, img.height,
			 FX_IMAGE_SIDE_MAX, FX_IMAGE_SIDE_MAX);
		png_image_free(&img);
		return NULL;
	}
	img.format = PNG_FORMAT_RGB;
	uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
	if (!px) {
		snprintf(err, len, "out of memory");
		png_image_free(&img);
		return NULL;
	}
	if (!png_image_finish_read(&img, NULL, px, 0, NULL)) {
		snprintf(err, len, "%s", img.message[0] ? img.message : "cannot decode it");
		free(px);
		png_image_free(&img);
		return NULL;
	}
	*w = (int)img.width;
	*h = (int)img.height;
	return px;
}

/* image = "file.png" or images = { "a.png", "b.png", ... } (same size):
 * every frame into one block the effect owns; charged. */
static void fx_images(lua_State *L, struct gl_show *s, struct show_effect *fx, const char *what)
{
	char paths[SHOW_IMAGE_FRAMES_MAX][SHOW_PATH_MAX / 4];
	int n = 0;
	int t = fx_get(L, 1, "image");
	if (t != LUA_TNIL) {
		if (t != LUA_TSTRING || lua_rawlen(L, -1) >= sizeof paths[0])
			fx_fail(L, fx->at, what, "image must be a file name (.png)");
		snprintf(paths[n++], sizeof paths[0], "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	if ((t = fx_get(L, 1, "images")) != LUA_TNIL) {
		if (n)
			fx_fail(L, fx->at, what, "give image or images, not both");
		int count = t == LUA_TTABLE ? (int)lua_rawlen(L, -1) : 0;
		if (count < 1 || count > SHOW_IMAGE_FRAMES_MAX)
			fx_fail(L, fx->at, what, "images must be a list of 1..%d file names",
				SHOW_IMAGE_FRAMES_MAX);
		for (int i = 1; i <= count; i++) {
			if (lua_rawgeti(L, -1, i) != LUA_TSTRING || lua_rawlen(L, -1) >= sizeof paths[0])
				fx_fail(L, fx->at, what, "images[%d] must be a file name", i);
			snprintf(paths[n++], sizeof paths[0], "%s", lua_tostring(L, -1));
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	if (n == 0)
		fx_fail(L, fx->at, what, "wave \"image\" needs image = \"file.png\" or images = {...}");
	size_t frame = 0;
	for (int i = 0; i < n; i++) {
		char path[2 * SHOW_PATH_MAX], err[200];
		int w = 0, h = 0;         /* fx_fail does not return; GCC cannot tell */
		if (paths[i][0] == '/' || strstr(paths[i], ".."))
			fx_fail(L, fx->at, what, "image \"%s\": a file in the show's folder, "
				"without \"..\"", paths[i]);
		snprintf(path, sizeof path, "%s/%s", s->dir, paths[i]);
		uint8_t *px = fx_png(path, &w, &h, err, sizeof err);
		if (!px && i > 0) {
			free(fx->image);
			fx->image = NULL;
		}
		if (!px)
			fx_fail(L, fx->at, what, "image \"%s\": %s", paths[i], err);
		if (i == 0) {
			frame = (size_t)w * (size_t)h * 3;
			if (frame * (size_t)n > FX_IMAGE_BYTES_MAX ||
			    sandbox_charge(sandbox_of(L), frame * (size_t)n) != 0) {
				free(px);
				fx_fail(L, fx->at, what, "%d images of %dx%d: too much memory", n, w, h);
			}
			fx->image = malloc(frame * (size_t)n);
			fx->def.image_w = w;
			fx->def.image_h = h;
			if (!fx->image) {
				free(px);
				luaL_error(L, "out of memory");
			}
		} else if (w != fx->def.image_w || h != fx->def.image_h) {
			free(px);
			free(fx->image);
			fx->image = NULL;
			fx_fail(L, fx->at, what, "image \"%s\" is %dx%d, the first %dx%d: a sequence "
				"has one size", paths[i], w, h, fx->def.image_w, fx->def.image_h);
		}
		memcpy(fx->image + frame * (size_t)i, px, frame);
		free(px);
	}
	fx->def.image_frames = n;
}

static int fx_decl_effect(lua_State *L)
{
	static const char *const keys[] = {
		"group", "matrix", "attr", "wave", "rate", "bpm", "beat", "size", "offset",
		"mode", "phase", "spread", "groups", "blocks", "wings", "duty", "steps",
		"fade_in", "fade_out", "seed", "size_from", "start", "from", "to", "angle",
		"scale", "density", "image", "images", "scroll", NULL
	};
	struct gl_show *s = show_from_upvalue(L);
	struct show_effect fx = { .at = show_where_here(L) };
	struct gl_effect_def *d = &fx.def;
	char what[GL_NAME_MAX + 16], wave[24] = "sine", attr[24] = "intensity", mode[16] = "";
	char size_from[16] = "";
	double v;

	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "effect() is only allowed while the show loads");
	fx_name(L, fx.at, "effect", d->name, sizeof d->name);
	snprintf(what, sizeof what, "effect \"%s\"", d->name);
	fx_keys(L, fx.at, what, 1, keys);
	for (int i = 0; i < s->effects.count; i++)
		if (strcmp(SHOW_AT(s->effects, struct show_effect, i)->def.name, d->name) == 0)
			fx_fail(L, fx.at, what, "declared twice (first at line %d)",
				SHOW_AT(s->effects, struct show_effect, i)->at.line);
	if (s->effects.count >= SHOW_EFFECT_MAX)
		fx_fail(L, fx.at, what, "a show may have at most %d effects", SHOW_EFFECT_MAX);
	fx_string(L, fx.at, what, 1, "wave", wave, sizeof wave);
	int w = gl_wave_from_name(wave);
	if (w < 0)
		fx_fail(L, fx.at, what, "unknown wave \"%s\" (sine, triangle, ramp_up, ramp_down, "
			"square, random, smooth_random, step, circle, eight, line, gradient, wipe, "
			"rainbow, sparkle, noise, image)", wave);
	d->wave = (enum gl_wave)w;
	bool pixel = d->wave >= GL_WAVE_GRADIENT, shape = d->wave >= GL_WAVE_CIRCLE && !pixel;
	bool group = fx_string(L, fx.at, what, 1, "group", fx.selection, sizeof fx.selection);
	bool matrix = fx_string(L, fx.at, what, 1, "matrix", fx.matrix, sizeof fx.matrix);
	if (group == matrix)
		fx_fail(L, fx.at, what, "give group = \"selection\" or matrix = \"name\"");
	if (matrix && !pixel)
		fx_fail(L, fx.at, what, "a matrix takes pixel waves (gradient, wipe, rainbow, "
			"sparkle, noise, image), not \"%s\"", wave);
	if (fx_string(L, fx.at, what, 1, "attr", attr, sizeof attr) && (pixel || shape))
		fx_fail(L, fx.at, what, "wave \"%s\" sets its own attributes: no attr", wave);
	int a = gl_attr_from_name(attr);
	if (a < 0)
		fx_fail(L, fx.at, what, "unknown attribute '%s'", attr);
	d->attr = (enum gl_attr)a;
	bool degrees = shape || d->attr == GL_ATTR_PAN || d->attr == GL_ATTR_TILT;

	/* rate: Hz, BPM, or cycles per beat of the sound input */
	d->rate_hz = 1.0;
	int rates = fx_number(L, fx.at, what, 1, "rate", 0.001, 100, &d->rate_hz);
	if (fx_number(L, fx.at, what, 1, "bpm", 0.06, 6000, &v)) {
		d->rate_hz = v / 60.0;
		rates++;
	}
	if (fx_number(L, fx.at, what, 1, "beat", 0.01, 16, &v)) {
		d->rate_hz = v;
		d->beat_sync = true;
		rates++;
	}
	if (rates > 1)
		fx_fail(L, fx.at, what, "give one of rate (Hz), bpm or beat (cycles a beat)");
	v = pixel ? 1.0 : degrees ? 90.0 : 1.0;
	fx_number(L, fx.at, what, 1, "size", degrees ? -720 : -1, degrees ? 720 : 1, &v);
	d->size = (float)v;
	v = 0;
	fx_number(L, fx.at, what, 1, "offset", degrees ? -720 : -1, degrees ? 720 : 1, &v);
	d->offset = (float)v;
	if (fx_string(L, fx.at, what, 1, "mode", mode, sizeof mode)) {
		if (strcmp(mode, "relative") && strcmp(mode, "absolute"))
			fx_fail(L, fx.at, what, "mode \"%s\" is not \"relative\" or \"absolute\"", mode);
		if (pixel)
			fx_fail(L, fx.at, what, "pixel waves are absolute: no mode");
	}
	/* around the cues' value by default where that is what one means: pan,
	 * tilt and their shapes */
	d->relative = mode[0] ? strcmp(mode, "relative") == 0 : degrees;
	if (fx_number(L, fx.at, what, 1, "phase", -3600, 3600, &v))
		d->phase_deg = (float)v;
	if (fx_number(L, fx.at, what, 1, "spread", -3600 * 10, 3600 * 10, &v))
		d->spread_deg = (float)v;
	if (fx_number(L, fx.at, what, 1, "groups", 0, 4096, &v))
		d->groups = (int)v;
	if (fx_number(L, fx.at, what, 1, "blocks", 0, 4096, &v))
		d->blocks = (int)v;
	if (fx_number(L, fx.at, what, 1, "wings", 0, 64, &v))
		d->wings = (int)v;
	d->duty = 0.5f;
	if (fx_number(L, fx.at, what, 1, "duty", 0, 1, &v))
		d->duty = (float)v;
	d->step_count = fx_numbers(L, fx.at, what, "steps", GL_EFFECT_STEPS_MAX, 0, 1, d->steps);
	if (d->wave == GL_WAVE_STEP && d->step_count == 0)
		fx_fail(L, fx.at, what, "wave \"step\" needs steps = { 0, 1, ... }");
	fx_number(L, fx.at, what, 1, "fade_in", 0, 3600, &d->fade_in_s);
	fx_number(L, fx.at, what, 1, "fade_out", 0, 3600, &d->fade_out_s);
	if (fx_number(L, fx.at, what, 1, "seed", 0, 4294967295.0, &v))
		d->seed = (uint32_t)v;
	if (fx_string(L, fx.at, what, 1, "size_from", size_from, sizeof size_from)) {
		if (strcmp(size_from, "level"))
			fx_fail(L, fx.at, what, "size_from \"%s\": only \"level\" (the sound input)",
				size_from);
		d->size_from_level = true;
	}
	fx_boolean(L, fx.at, what, 1, "start", &d->start);
	d->color_a[0] = d->color_a[1] = d->color_a[2] = 1.0f;
	fx_color(L, fx.at, what, 1, "from", d->color_a);
	fx_color(L, fx.at, what, 1, "to", d->color_b);
	if (fx_number(L, fx.at, what, 1, "angle", -3600, 3600, &v))
		d->angle_deg = (float)v;
	d->scale = 1.0f;
	if (fx_number(L, fx.at, what, 1, "scale", 0.001, 1000, &v))
		d->scale = (float)v;
	d->density = 0.1f;
	if (fx_number(L, fx.at, what, 1, "density", 0, 1, &v))
		d->density = (float)v;
	if (fx_numbers(L, fx.at, what, "scroll", 2, -1000, 1000, d->scroll) == 1)
		fx_fail(L, fx.at, what, "scroll must be { x, y } (matrices a cycle)");
	show_vec_reserve(L, &s->effects, sizeof fx);
	if (d->wave == GL_WAVE_IMAGE)
		fx_images(L, s, &fx, what);   /* last: it allocates */
	*(struct show_effect *)show_vec_push(L, &s->effects, sizeof fx) = fx;
	return 0;
}

/* ---- sound_input { device = "default" } --------------------------------------- */

static int fx_decl_sound_input(lua_State *L)
{
	static const char *const keys[] = { "device", NULL };
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);

	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "sound_input() is only allowed while the show loads");
	if (!lua_istable(L, 1))
		show_raise(L, at, "sound_input: expects a table: sound_input { device = \"default\" }");
	fx_keys(L, at, "sound_input", 1, keys);
	if (s->sound_input)
		show_raise(L, at, "sound_input: declared twice");
	snprintf(s->sound_device, sizeof s->sound_device, "default");
	fx_string(L, at, "sound_input", 1, "device", s->sound_device, sizeof s->sound_device);
	s->sound_input = true;
	return 0;
}

/* ---- fields of other declarations --------------------------------------------- */

/* "HH:MM:SS:FF" at 30 frames, "HH:MM:SS.s", or seconds. */
static bool fx_time_text(const char *text, double *out)
{
	unsigned h, m, sec, fr;
	double fs;
	char tail;
	if (sscanf(text, "%u:%u:%u:%u%c", &h, &m, &sec, &fr, &tail) == 4 && m < 60 && sec < 60 &&
	    fr < 30) {
		*out = h * 3600.0 + m * 60.0 + sec + fr / 30.0;
		return true;
	}
	if (sscanf(text, "%u:%u:%lf%c", &h, &m, &fs, &tail) == 3 && m < 60 && fs >= 0 && fs < 60) {
		*out = h * 3600.0 + m * 60.0 + fs;
		return true;
	}
	return false;
}

const struct show_fx_ref *show_fx_cue_fields(lua_State *L, struct show_where at, const char *what,
					     int idx, int *count, double *tc_s)
{
	*count = 0;
	*tc_s = NAN;
	int t = fx_get(L, idx, "at");
	if (t == LUA_TNUMBER) {
		*tc_s = lua_tonumber(L, -1);
		if (!(*tc_s >= 0 && *tc_s <= 7 * 86400.0))
			fx_fail(L, at, what, "at %g is outside 0..604800 seconds", *tc_s);
		lua_pop(L, 1);
	} else if (t == LUA_TSTRING) {
		if (!fx_time_text(lua_tostring(L, -1), tc_s) || *tc_s > 7 * 86400.0)
			fx_fail(L, at, what, "at \"%s\" is not a time like \"00:01:30:15\" "
				"(frames at 30) or \"00:01:30.5\"", lua_tostring(L, -1));
		lua_pop(L, 1);
	} else if (t != LUA_TNIL) {
		fx_fail(L, at, what, "at must be seconds or \"HH:MM:SS:FF\"");
	}
	if ((t = fx_get(L, idx, "effects")) == LUA_TNIL)
		return NULL;
	if (t != LUA_TTABLE)
		fx_fail(L, at, what, "effects must be a table: effects = { ripple = true, "
			"sweep = false } or { \"ripple\" }");
	int n = 0;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (++n > SHOW_CUE_EFFECT_MAX)
			fx_fail(L, at, what, "effects: at most %d", SHOW_CUE_EFFECT_MAX);
	}
	struct show_fx_ref *refs = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *refs, 0);
	lua_insert(L, -2);
	int i = 0;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *name = NULL;
		bool on = true;
		if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TBOOLEAN) {
			name = lua_tostring(L, -2);
			on = lua_toboolean(L, -1);
		} else if (lua_isinteger(L, -2) && lua_type(L, -1) == LUA_TSTRING) {
			name = lua_tostring(L, -1);
		}
		if (!name || strlen(name) == 0 || strlen(name) >= GL_NAME_MAX || i == n)
			fx_fail(L, at, what, "effects: write { ripple = true, sweep = false } or "
				"{ \"ripple\" }");
		snprintf(refs[i].name, sizeof refs[i].name, "%s", name);
		refs[i++].on = on;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);      /* the table; the userdata stays until the cue is copied */
	*count = i;
	return refs;
}

struct show_fx_ref *show_fx_cue_copy(lua_State *L, const struct show_fx_ref *refs, int count)
{
	if (!refs || count == 0)
		return NULL;
	show_charge(L, (size_t)count * sizeof *refs);
	struct show_fx_ref *copy = malloc((size_t)count * sizeof *refs);
	if (copy)
		memcpy(copy, refs, (size_t)count * sizeof *refs);
	return copy;
}

void show_fx_list_fields(lua_State *L, struct show_where at, const char *what, int idx,
			 struct show_list *list)
{
	char tc[16];
	double v;
	int t = fx_get(L, idx, "chase");
	if (t != LUA_TNIL) {
		if (t != LUA_TTABLE)
			fx_fail(L, at, what, "chase must be a table: chase = { bpm = 120, xfade = 50 }");
		double hz = 0;
		int rates = fx_number(L, at, what, -1, "rate", 0.001, 100, &hz);
		if (fx_number(L, at, what, -1, "bpm", 0.06, 6000, &v)) {
			hz = v / 60.0;
			rates++;
		}
		if (rates != 1)
			fx_fail(L, at, what, "chase: give one of rate (steps a second) or bpm");
		list->chase_step_s = 1.0 / hz;
		list->chase_xfade = 0;
		if (fx_number(L, at, what, -1, "xfade", 0, 100, &v))
			list->chase_xfade = v / 100.0;
		lua_pop(L, 1);
		list->loop = true;
	}
	if (fx_string(L, at, what, idx, "timecode", tc, sizeof tc)) {
		if (strcmp(tc, "internal") == 0)
			list->timecode = SHOW_TC_INTERNAL;
		else if (strcmp(tc, "mtc") == 0 || strcmp(tc, "external") == 0)
			list->timecode = SHOW_TC_EXTERNAL;
		else
			fx_fail(L, at, what, "timecode \"%s\" is not \"internal\", \"mtc\" or "
				"\"external\"", tc);
		list->mtc = strcmp(tc, "mtc") == 0;
		if (list->chase_step_s > 0)
			fx_fail(L, at, what, "a chase runs on its own rate, not on timecode");
	}
	list->freewheel_s = 2.0;
	if (fx_number(L, at, what, idx, "freewheel", 0, 3600, &list->freewheel_s) &&
	    list->timecode != SHOW_TC_EXTERNAL)
		fx_fail(L, at, what, "freewheel is for timecode = \"mtc\" or \"external\"");
}

/* Once a list has its cues: a chase times them, a timecode list needs a
 * time on each and no wait or follow; others take no time. */
void show_fx_list_cues(lua_State *L, struct gl_show *s, struct show_list *list)
{
	char what[GL_NAME_MAX + 16];
	snprintf(what, sizeof what, "cuelist \"%s\"", list->name);
	for (int i = 0; i < list->cue_count; i++) {
		struct show_cue *c = SHOW_AT(s->cues, struct show_cue, list->cues[i]);
		char cue[40];
		snprintf(cue, sizeof cue, "cue %s", c->def.number_text);
		if (list->chase_step_s > 0) {
			double fade = list->chase_step_s * list->chase_xfade;
			c->def.fade_in_s = c->def.fade_out_s = fade;
			for (int k = 0; k < GL_CLASS_COUNT; k++)
				c->def.class_time[k].fade_s = c->def.class_time[k].delay_s = -1;
			c->def.delay_in_s = c->def.delay_out_s = 0;
			c->def.continue_mode = GL_CONTINUE_WAIT;
			c->def.wait_s = list->chase_step_s;
		}
		if (list->timecode && isnan(c->tc_s))
			fx_fail(L, c->at, cue, "%s runs on timecode: give the cue a time (at = 12.5 "
				"or at = \"00:00:12:15\")", what);
		if (list->timecode && c->def.continue_mode != GL_CONTINUE_MANUAL)
			fx_fail(L, c->at, cue, "%s runs on timecode: its cues fire at their times, "
				"no wait or follow", what);
		if (!list->timecode && !isnan(c->tc_s))
			fx_fail(L, c->at, cue, "at = ... is for cues of a timecode list (%s has no "
				"timecode = \"internal\" or \"mtc\")", what);
		if (i > 0 && list->timecode) {
			const struct show_cue *p = SHOW_AT(s->cues, struct show_cue, list->cues[i - 1]);
			if (c->tc_s < p->tc_s)
				fx_fail(L, c->at, cue, "at %g comes before cue %s's %g (line %d): times "
					"must ascend", c->tc_s, p->def.number_text, p->tc_s, p->at.line);
		}
	}
}

/* ---- run-time functions -------------------------------------------------------- */

static int fx_effect_arg(lua_State *L, struct gl_show *s, const char *fn)
{
	if (s->phase != SHOW_BUILT)
		return luaL_error(L, "%s: only in handlers (an effect runs from the start with "
				  "start = true, or from a cue: effects = {...})", fn);
	if (lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "%s: the first argument must be an effect name", fn);
	int id = gl_engine_effect_find(s->engine, lua_tostring(L, 1));
	if (id < 0)
		return luaL_error(L, "%s: no effect \"%s\"", fn, lua_tostring(L, 1));
	return id;
}

static int fx_send(lua_State *L, struct gl_show *s, const char *fn, struct gl_cmd c)
{
	if (++s->call_commands > SHOW_CALL_COMMANDS_MAX)
		return show_raise(L, show_where_here(L), "%s: at most %d engine commands in one "
				  "handler call", fn, SHOW_CALL_COMMANDS_MAX);
	int rc = gl_engine_command(s->engine, &c);
	if (rc < 0)
		return luaL_error(L, "%s: %s", fn, rc == GL_EFULL ? "not sent: the engine's "
				  "command queue is full" : gl_strerror(rc));
	lua_pushboolean(L, 1);
	return 1;
}

static double fx_value_arg(lua_State *L, const char *fn, double min, double max)
{
	double v = lua_tonumber(L, 2);
	if (lua_type(L, 2) != LUA_TNUMBER || !(v >= min && v <= max))
		luaL_error(L, "%s: the second argument must be a number %g..%g", fn, min, max);
	return v;
}

/* effect_start(name), effect_stop([name]), effect_size(name, 0..1),
 * effect_rate(name, hz), effect_bpm(name, bpm), tap(name): one row each. */
static const struct fx_api {
	const char *name;
	enum gl_cmd_type type;
	double min, max, scale;      /* the value argument (max 0: none) */
} fx_apis[] = {
	{ "effect_start", GL_CMD_FX_START, 0, 0, 1 },
	{ "effect_stop", GL_CMD_FX_STOP, 0, 0, 1 },
	{ "effect_size", GL_CMD_FX_SIZE, 0, 1, 1 },
	{ "effect_rate", GL_CMD_FX_RATE, 0.001, 100, 1 },
	{ "effect_bpm", GL_CMD_FX_RATE, 0.06, 6000, 1.0 / 60 },
	{ "tap", GL_CMD_FX_TAP, 0, 0, 1 },
};

static int fx_api(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	const struct fx_api *a = &fx_apis[lua_tointeger(L, lua_upvalueindex(2))];
	/* effect_stop() without a name: every effect */
	int id = a->type == GL_CMD_FX_STOP && lua_isnoneornil(L, 1) && s->phase == SHOW_BUILT
		 ? -1 : fx_effect_arg(L, s, a->name);
	float v = a->max > 0 ? (float)(fx_value_arg(L, a->name, a->min, a->max) * a->scale) : 0;
	return fx_send(L, s, a->name, (struct gl_cmd){ a->type, -1, id, v });
}

/* timecode("List", seconds [, running]): a jump of an internal list (and
 * whether its clock runs on), or a position for an external one. */
static int fx_api_timecode(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	if (s->phase != SHOW_BUILT)
		return luaL_error(L, "timecode: only in handlers");
	if (lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "timecode: the first argument must be a cuelist name");
	int list = gl_engine_cuelist_find(s->engine, lua_tostring(L, 1));
	if (list < 0)
		return luaL_error(L, "timecode: no cuelist \"%s\"", lua_tostring(L, 1));
	double at = fx_value_arg(L, "timecode", 0, 7 * 86400.0);
	bool run = lua_isnoneornil(L, 3) || lua_toboolean(L, 3);
	if (++s->call_commands > SHOW_CALL_COMMANDS_MAX)
		return luaL_error(L, "timecode: at most %d engine commands in one handler call",
				  SHOW_CALL_COMMANDS_MAX);
	int rc = gl_engine_timecode(s->engine, list, at, run);
	if (rc == GL_EINVAL)     /* the engine takes timecode for its timecode lists only */
		return luaL_error(L, "timecode: \"%s\" is not a cue list on timecode",
				  lua_tostring(L, 1));
	if (rc < 0)
		return luaL_error(L, "timecode: %s", gl_strerror(rc));
	lua_pushboolean(L, 1);
	return 1;
}

/* Positions at most this often: the engine runs on between them, and a
 * quarter frame comes every 10 ms at 25 fps. */
#define SHOW_MTC_FEED_NS (GL_NS_PER_S / 50)

void gl_show_timecode_input(struct gl_show *s, const struct gl_timecode *tc, uint64_t now_ns)
{
	if (s->phase != SHOW_BUILT)
		return;
	bool running = tc && (tc->state == GL_TC_LOCKING || tc->state == GL_TC_LOCKED);
	if (!running && !s->mtc_running)
		return;
	/* a jump goes at once: the lists restore the state at the new place */
	if (running && s->mtc_running && tc->jumps == s->mtc_jumps &&
	    now_ns - s->mtc_fed_ns < SHOW_MTC_FEED_NS)
		return;
	int rc = 0;
	for (int i = 0; i < s->lists.count && rc == 0; i++) {
		const struct show_list *l = SHOW_AT(s->lists, struct show_list, i);
		if (l->mtc)   /* not "external" lists: only their handlers move them */
			rc = gl_engine_timecode(s->engine, gl_engine_cuelist_find(s->engine, l->name),
						running ? tc->seconds : 0, running);
	}
	if (rc < 0)
		return;     /* the ring is full: all again the next time round */
	s->mtc_running = running;
	if (!running)
		return;
	s->mtc_fed_ns = now_ns;
	s->mtc_jumps = tc->jumps;
}

void show_fx_register(lua_State *L, struct gl_show *show)
{
	static const luaL_Reg fns[] = {
		{ "effect", fx_decl_effect },
		{ "matrix", fx_decl_matrix },
		{ "sound_input", fx_decl_sound_input },
		{ "timecode", fx_api_timecode },
		{ NULL, NULL },
	};

	/* The env table is on top of the stack. */
	lua_pushlightuserdata(L, show);
	luaL_setfuncs(L, fns, 1);
	for (size_t i = 0; i < sizeof fx_apis / sizeof fx_apis[0]; i++) {
		lua_pushlightuserdata(L, show);
		lua_pushinteger(L, (lua_Integer)i);
		lua_pushcclosure(L, fx_api, 2);
		lua_setfield(L, -2, fx_apis[i].name);
	}
}

/* ---- build ---------------------------------------------------------------------- */

/* A matrix's pixels (the fixtures of its selection that have red, green
 * and blue) and their places: x, y at the pixel centres. */
static int fx_matrix_layout(struct gl_show *s, const struct look_rig *rig,
			    const struct show_matrix *m, int *ids, float *xy, int cap,
			    char *err, size_t len)
{
	char msg[300];
	int got = look_select(rig, m->selection, ids, cap, msg, sizeof msg);
	if (got < 0)
		return show_fail(err, len, m->at, "matrix \"%s\": %s", m->name, msg);
	int n = 0;
	for (int i = 0; i < got; i++)
		if (gl_engine_param(s->engine, ids[i], GL_ATTR_RED) >= 0 &&
		    gl_engine_param(s->engine, ids[i], GL_ATTR_GREEN) >= 0 &&
		    gl_engine_param(s->engine, ids[i], GL_ATTR_BLUE) >= 0)
			ids[n++] = ids[i];
	int w = m->width, h = m->height ? m->height : (n + w - 1) / w;
	if (n == 0)
		return show_fail(err, len, m->at, "matrix \"%s\": \"%s\" has no pixels (no "
				     "fixture or head with red, green and blue)", m->name, m->selection);
	if (n > w * h)
		return show_fail(err, len, m->at, "matrix \"%s\": %d pixels do not fit %dx%d",
				     m->name, n, w, h);
	for (int i = 0; i < n; i++) {
		int row, col;
		if (m->order == 2) {          /* columns */
			col = i / h;
			row = i % h;
		} else {
			row = i / w;
			col = i % w;
			if (m->order == 1 && row % 2)   /* snake: odd rows run back */
				col = w - 1 - col;
		}
		xy[2 * i] = ((float)col + 0.5f) / (float)w;
		xy[2 * i + 1] = ((float)row + 0.5f) / (float)h;
	}
	return n;
}

int show_fx_build(struct gl_show *s, const struct look_rig *rig, char *err, size_t len)
{
	int n = gl_engine_fixture_count(s->engine);
	int *ids = malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);
	float *xy = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *xy);
	int rc = 0;
	if (!ids || !xy) {
		free(ids);
		free(xy);
		snprintf(err, len, "%s: out of memory", s->path);
		return -1;
	}
	for (int i = 0; i < s->effects.count && rc == 0; i++) {
		struct show_effect *fx = SHOW_AT(s->effects, struct show_effect, i);
		struct gl_effect_def d = fx->def;
		char msg[300];
		int got;
		d.xy = NULL;
		if (fx->matrix[0]) {
			const struct show_matrix *m = NULL;
			for (int k = 0; k < s->matrices.count; k++)
				if (strcmp(SHOW_AT(s->matrices, struct show_matrix, k)->name,
					   fx->matrix) == 0)
					m = SHOW_AT(s->matrices, struct show_matrix, k);
			if (!m) {
				rc = show_fail(err, len, fx->at, "effect \"%s\": no matrix \"%s\"",
						   d.name, fx->matrix);
				break;
			}
			got = fx_matrix_layout(s, rig, m, ids, xy, n, err, len);
			d.xy = xy;
		} else {
			got = look_select(rig, fx->selection, ids, n, msg, sizeof msg);
			if (got < 0)
				rc = show_fail(err, len, fx->at, "effect \"%s\": %s", d.name, msg);
		}
		if (got < 0) {
			rc = -1;
			break;
		}
		d.fixtures = ids;
		d.fixture_count = got;
		d.image = fx->image;
		/* the engine's copy: per member its place and phase, per slot
		 * its lane, base, gain and value (up to 3 slots) */
		if (sandbox_charge(s->sb, (size_t)got * 192) != 0) {
			rc = show_fail(err, len, fx->at, "effect \"%s\": memory limit exceeded",
					   d.name);
			break;
		}
		int id = gl_engine_add_effect(s->engine, &d);
		if (id == GL_ENOENT)
			rc = show_fail(err, len, fx->at, "effect \"%s\": no fixture of \"%s\" has "
					   "%s", d.name, fx->matrix[0] ? fx->matrix : fx->selection,
					   d.wave >= GL_WAVE_GRADIENT ? "red, green and blue"
					   : d.wave >= GL_WAVE_CIRCLE ? "pan and tilt"
					   : gl_attr_name(d.attr));
		else if (id < 0)
			rc = show_fail(err, len, fx->at, "effect \"%s\": %s", d.name,
					   gl_strerror(id));
	}
	free(ids);
	free(xy);
	return rc;
}

int show_fx_list_build(struct gl_show *s, const struct show_list *l, int id, char *err,
		       size_t len)
{
	if (l->mtc) {
		bool midi = false;
		for (int i = 0; i < s->controls.count; i++)
			midi |= strcmp(SHOW_AT(s->controls, struct show_control, i)->cfg.type,
				       "midi") == 0;
		if (!midi)
			return show_fail(err, len, l->at, "cuelist \"%s\": timecode = \"mtc\" "
					 "follows MIDI time code: declare midi { ... } too (or "
					 "timecode = \"external\", fed by timecode() from a "
					 "handler)", l->name);
	}
	if (l->timecode) {
		int rc = gl_engine_set_timecode(s->engine, id, l->timecode == SHOW_TC_EXTERNAL,
						l->freewheel_s);
		if (rc < 0)
			return show_fail(err, len, l->at, "cuelist \"%s\": %s", l->name,
					     gl_strerror(rc));
	}
	for (int k = 0; k < l->cue_count; k++) {
		const struct show_cue *c = SHOW_AT(s->cues, struct show_cue, l->cues[k]);
		if (l->timecode && gl_engine_cue_time(s->engine, id, k, c->tc_s) < 0)
			return show_fail(err, len, c->at, "cue %s: at %g: %s", c->def.number_text,
					     c->tc_s, "out of order");
		for (int j = 0; j < c->fx_count; j++) {
			int fx = gl_engine_effect_find(s->engine, c->fx[j].name);
			if (fx < 0)
				return show_fail(err, len, c->at, "cue %s: effects: no effect "
						     "\"%s\"", c->def.number_text, c->fx[j].name);
			gl_engine_cue_effect(s->engine, id, k, fx, c->fx[j].on);
		}
	}
	return 0;
}

bool gl_show_sound_input(const struct gl_show *s, const char **device)
{
	if (device)
		*device = s->sound_device;
	return s->sound_input;
}

void show_fx_print(const struct gl_show *s, FILE *out)
{
	const struct gl_engine *e = s->engine;
	if (gl_engine_effect_count(e) == 0)
		return;
	fprintf(out, "\neffects:\n");
	for (int i = 0; i < gl_engine_effect_count(e); i++) {
		const struct gl_effect_def *d = gl_engine_effect(e, i);
		char name[GL_NAME_MAX];
		snprintf(name, sizeof name, "%s", d->name);
		sandbox_escape(name, sizeof name);
		fprintf(out, "  %-16s %-13s %-10s %3d members, %s %g%s, size %g%s\n", name,
			gl_wave_name(d->wave), d->wave >= GL_WAVE_CIRCLE ? "-" : gl_attr_name(d->attr),
			gl_engine_effect_members(e, i), d->beat_sync ? "beat x" : "rate",
			d->rate_hz, d->beat_sync ? "" : " Hz", d->size, d->start ? ", from the start" : "");
	}
}

void show_fx_free(struct gl_show *s)
{
	for (int i = 0; i < s->effects.count; i++)
		free(SHOW_AT(s->effects, struct show_effect, i)->image);
	for (int i = 0; i < s->cues.count; i++)
		free(SHOW_AT(s->cues, struct show_cue, i)->fx);
	show_vec_free(&s->effects);
	show_vec_free(&s->matrices);
}
