/*
 * import_ofl.c - Open Fixture Library fixture JSON into a fixture
 * definition, with cJSON.
 *
 * A mode's channel list names channels from availableChannels, their fine
 * aliases ("Pan fine"), matrix template channels resolved for a pixel or
 * pixel group ("Red 3"), null (an unused slot), or a matrixChannels insert
 * that repeats templates for pixels. Each channel's attribute comes from its
 * capabilities: the widest range of a type that maps to an attribute wins
 * (a "Dimmer / strobe" channel is intensity). Template channels become heads,
 * one per pixel or pixel group, in the order they first appear. Any thread;
 * no globals. Errors name the file and the mode / channel / capability.
 */
#include "import.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#define OFL_KEY_MAX 256
#define OFL_PIXELS_MAX 1024

struct ofl_pixel {
	char key[OFL_KEY_MAX];
	int x, y, z;
};

/* A channel name resolved: its definition, the fine level (0 coarse) and,
 * for a template channel, the pixel (or group) key it was made for. */
struct ofl_ref {
	const cJSON *def;
	char key[OFL_KEY_MAX];     /* the coarse channel's key, resolved */
	int fine;
	char pixel[OFL_KEY_MAX];   /* "" for a plain channel */
};

struct ofl {
	const char *file;
	char *err;
	size_t err_len;
	int rc;
	const cJSON *root, *channels, *templates, *wheels, *matrix;
	int pixel_count;
	struct ofl_pixel *pixels;
	int group_count;
	char (*groups)[OFL_KEY_MAX];
};

static void ofl_fail(struct ofl *o, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ofl_fail(struct ofl *o, int rc, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (o->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->rc = rc;
	snprintf(o->err, o->err_len, "%s: %s", o->file, msg);
}

static const char *ofl_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "Red $pixelKey" with key "3" -> "Red 3", every "$pixelKey" replaced
 * ("Speed $pixelKey / Sensitivity $pixelKey"). False when it does not fit. */
static bool ofl_subst(const char *tmpl, const char *pixel, char *out, size_t len)
{
	size_t used = 0;
	const char *at;

	while ((at = strstr(tmpl, "$pixelKey"))) {
		int n = snprintf(out + used, len - used, "%.*s%s", (int)(at - tmpl), tmpl, pixel);

		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
		tmpl = at + 9;
	}
	return (size_t)snprintf(out + used, len - used, "%s", tmpl) < len - used;
}

/* ---- the matrix ---------------------------------------------------------------- */

static int ofl_cmp_natural(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int ofl_add_pixel(struct ofl *o, const char *key, int x, int y, int z)
{
	struct ofl_pixel *p;

	if (o->pixel_count >= OFL_PIXELS_MAX || strlen(key) >= OFL_KEY_MAX) {
		ofl_fail(o, GL_EINVAL, "matrix: too many pixels or a pixel key too long");
		return GL_EINVAL;
	}
	if ((o->pixel_count & (o->pixel_count - 1)) == 0) {
		p = realloc(o->pixels, (size_t)(o->pixel_count ? o->pixel_count * 2 : 1) * sizeof *p);
		if (!p) {
			ofl_fail(o, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		o->pixels = p;
	}
	p = &o->pixels[o->pixel_count++];
	snprintf(p->key, sizeof p->key, "%s", key);
	p->x = x;
	p->y = y;
	p->z = z;
	return 0;
}

static int ofl_load_matrix(struct ofl *o)
{
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(o->matrix, "pixelKeys");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(o->matrix, "pixelCount");
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(o->matrix, "pixelGroups");
	const cJSON *g;

	if (cJSON_IsArray(keys)) {
		int z = 0;
		const cJSON *plane, *row, *cell;

		cJSON_ArrayForEach(plane, keys) {
			int y = 0;

			cJSON_ArrayForEach(row, plane) {
				int x = 0;

				cJSON_ArrayForEach(cell, row) {
					if (cJSON_IsString(cell) && ofl_add_pixel(o, cell->valuestring, x, y, z))
						return o->rc;
					x++;
				}
				y++;
			}
			z++;
		}
	} else if (cJSON_IsArray(count) && cJSON_GetArraySize(count) == 3) {
		int n[3];
		int axes = 0;

		for (int i = 0; i < 3; i++) {
			const cJSON *v = cJSON_GetArrayItem(count, i);

			n[i] = cJSON_IsNumber(v) ? v->valueint : 0;
			if (n[i] < 1 || n[i] > OFL_PIXELS_MAX) {
				ofl_fail(o, GL_EINVAL, "matrix: bad pixelCount");
				return GL_EINVAL;
			}
			axes += n[i] > 1;
		}
		for (int z = 0; z < n[2]; z++)
			for (int y = 0; y < n[1]; y++)
				for (int x = 0; x < n[0]; x++) {
					char key[64];
					int v[3] = { x + 1, y + 1, z + 1 }, k = 0;
					int used[3];

					for (int i = 0; i < 3; i++)
						if (n[i] > 1)
							used[k++] = v[i];
					if (axes <= 1)
						snprintf(key, sizeof key, "%d", k ? used[0] : 1);
					else if (axes == 2)
						snprintf(key, sizeof key, "(%d, %d)", used[0], used[1]);
					else
						snprintf(key, sizeof key, "(%d, %d, %d)", x + 1, y + 1, z + 1);
					if (ofl_add_pixel(o, key, x, y, z))
						return o->rc;
				}
	} else {
		ofl_fail(o, GL_EINVAL, "matrix: needs pixelKeys or pixelCount");
		return GL_EINVAL;
	}
	if (cJSON_IsObject(groups)) {
		int n = cJSON_GetArraySize(groups);

		o->groups = calloc((size_t)(n ? n : 1), sizeof *o->groups);
		if (!o->groups) {
			ofl_fail(o, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		cJSON_ArrayForEach(g, groups)
			if (g->string && strlen(g->string) < OFL_KEY_MAX)
				snprintf(o->groups[o->group_count++], OFL_KEY_MAX, "%s", g->string);
	}
	return 0;
}

/* order: NULL for natural key order, or "XYZ" (X changes fastest, Z
 * slowest) and its permutations. */
static int ofl_cmp_pixel(const void *a, const void *b, void *order_arg)
{
	const struct ofl_pixel *p = a, *q = b;
	const char *order = order_arg;

	if (!order)
		return ofl_cmp_natural(p->key, q->key);
	for (int i = 2; i >= 0; i--) {
		char axis = order[i];
		int u = axis == 'X' ? p->x : axis == 'Y' ? p->y : p->z;
		int v = axis == 'X' ? q->x : axis == 'Y' ? q->y : q->z;

		if (u != v)
			return u < v ? -1 : 1;
	}
	return 0;
}

/* ---- resolving names ------------------------------------------------------------- */

static bool ofl_fine_alias(const cJSON *def, const char *want, const char *pixel, int *fine)
{
	const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(def, "fineChannelAliases");
	const cJSON *a;
	int i = 0;

	cJSON_ArrayForEach(a, aliases) {
		char name[OFL_KEY_MAX];

		i++;
		if (cJSON_IsString(a) && ofl_subst(a->valuestring, pixel, name, sizeof name) &&
		    strcmp(name, want) == 0) {
			*fine = i;
			return true;
		}
	}
	return false;
}

static bool ofl_switched(const char *name, const char *target)
{
	return strcmp(name, target) == 0;
}

static bool ofl_resolve_depth(const struct ofl *o, const char *name, struct ofl_ref *ref,
			      int depth)
{
	const cJSON *ch;

	if (depth > 4)
		return false;
	memset(ref, 0, sizeof *ref);
	ch = cJSON_GetObjectItemCaseSensitive(o->channels, name);
	if (cJSON_IsObject(ch)) {
		ref->def = ch;
		snprintf(ref->key, sizeof ref->key, "%s", name);
		return true;
	}
	cJSON_ArrayForEach(ch, o->channels) {
		if (ofl_fine_alias(ch, name, "", &ref->fine)) {
			ref->def = ch;
			snprintf(ref->key, sizeof ref->key, "%s", ch->string);
			return true;
		}
	}
	/* A switching channel: a name in some capability's switchChannels;
	 * it acts as the channel its first mention switches to (what the
	 * trigger channel selects at its lowest range). */
	cJSON_ArrayForEach(ch, o->channels) {
		const cJSON *caps = cJSON_GetObjectItemCaseSensitive(ch, "capabilities");
		const cJSON *cap;

		cJSON_ArrayForEach(cap, caps) {
			const cJSON *sw = cJSON_GetObjectItemCaseSensitive(cap, "switchChannels");
			const char *target = ofl_str(sw, name);

			if (target && !ofl_switched(name, target) &&
			    ofl_resolve_depth(o, target, ref, depth + 1)) {
				return true;
			}
		}
	}
	cJSON_ArrayForEach(ch, o->templates) {
		for (int i = 0; i < o->pixel_count + o->group_count; i++) {
			const char *pixel = i < o->pixel_count ? o->pixels[i].key
							       : o->groups[i - o->pixel_count];
			char key[OFL_KEY_MAX];

			if (!ofl_subst(ch->string, pixel, key, sizeof key))
				continue;
			if (strcmp(key, name) == 0 || ofl_fine_alias(ch, name, pixel, &ref->fine)) {
				ref->def = ch;
				snprintf(ref->key, sizeof ref->key, "%s", key);
				snprintf(ref->pixel, sizeof ref->pixel, "%s", pixel);
				return true;
			}
		}
	}
	/* A switching channel of a template channel ("Speed $pixelKey" in
	 * "Mode $pixelKey"'s switchChannels): made for each pixel (or group)
	 * with the template, it acts as its first target made for the same
	 * pixel, and belongs to that pixel's head. */
	cJSON_ArrayForEach(ch, o->templates) {
		const cJSON *caps = cJSON_GetObjectItemCaseSensitive(ch, "capabilities");
		const cJSON *cap;

		cJSON_ArrayForEach(cap, caps) {
			const cJSON *sw = cJSON_GetObjectItemCaseSensitive(cap, "switchChannels");
			const cJSON *alias;

			cJSON_ArrayForEach(alias, sw) {
				if (!cJSON_IsString(alias) || !alias->string)
					continue;
				for (int i = 0; i < o->pixel_count + o->group_count; i++) {
					const char *pixel = i < o->pixel_count
								    ? o->pixels[i].key
								    : o->groups[i - o->pixel_count];
					char key[OFL_KEY_MAX], target[OFL_KEY_MAX];

					if (!ofl_subst(alias->string, pixel, key, sizeof key) ||
					    strcmp(key, name) != 0 ||
					    !ofl_subst(alias->valuestring, pixel, target,
						       sizeof target) ||
					    ofl_switched(name, target))
						continue;
					/* the first capability that switches it decides */
					return ofl_resolve_depth(o, target, ref, depth + 1);
				}
			}
		}
	}
	return false;
}

static bool ofl_resolve(const struct ofl *o, const char *name, struct ofl_ref *ref)
{
	return ofl_resolve_depth(o, name, ref, 0);
}

/* ---- capabilities ------------------------------------------------------------------ */

enum { OFL_MAP_WHEEL = -2 };   /* colour wheel or gobo, by the wheel's slots */

static const struct {
	const char *type;
	int attr;
} ofl_types[] = {
	{ "Intensity", GL_ATTR_INTENSITY }, { "ColorIntensity", GL_ATTR_RED },
	{ "Pan", GL_ATTR_PAN }, { "Tilt", GL_ATTR_TILT },
	{ "PanContinuous", GL_ATTR_CONTROL }, { "TiltContinuous", GL_ATTR_CONTROL },
	{ "Zoom", GL_ATTR_ZOOM }, { "Focus", GL_ATTR_FOCUS }, { "Iris", GL_ATTR_IRIS },
	{ "ShutterStrobe", GL_ATTR_SHUTTER }, { "StrobeSpeed", GL_ATTR_STROBE },
	{ "StrobeDuration", GL_ATTR_STROBE },
	{ "WheelSlot", OFL_MAP_WHEEL }, { "WheelShake", OFL_MAP_WHEEL },
	{ "WheelRotation", OFL_MAP_WHEEL }, { "WheelSlotRotation", OFL_MAP_WHEEL },
	{ "ColorPreset", GL_ATTR_COLOR_WHEEL }, { "ColorTemperature", GL_ATTR_CTO },
	{ "PanTiltSpeed", GL_ATTR_SPEED }, { "Speed", GL_ATTR_SPEED },
	{ "EffectSpeed", GL_ATTR_SPEED },
	{ "Effect", GL_ATTR_CONTROL }, { "EffectDuration", GL_ATTR_CONTROL },
	{ "EffectParameter", GL_ATTR_CONTROL }, { "SoundSensitivity", GL_ATTR_CONTROL },
	{ "BeamAngle", GL_ATTR_CONTROL }, { "BeamPosition", GL_ATTR_CONTROL },
	{ "IrisEffect", GL_ATTR_CONTROL }, { "Frost", GL_ATTR_CONTROL },
	{ "FrostEffect", GL_ATTR_CONTROL }, { "Prism", GL_ATTR_CONTROL },
	{ "PrismRotation", GL_ATTR_CONTROL }, { "BladeInsertion", GL_ATTR_CONTROL },
	{ "BladeRotation", GL_ATTR_CONTROL }, { "BladeSystemRotation", GL_ATTR_CONTROL },
	{ "Fog", GL_ATTR_CONTROL }, { "FogOutput", GL_ATTR_CONTROL },
	{ "FogType", GL_ATTR_CONTROL }, { "Rotation", GL_ATTR_CONTROL },
	{ "Time", GL_ATTR_CONTROL }, { "Maintenance", GL_ATTR_CONTROL },
	{ "Generic", GL_ATTR_CONTROL }, { "NoFunction", GL_ATTR_CONTROL },
};

static const cJSON *ofl_wheel(const struct ofl *o, const cJSON *cap, const char *channel)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(cap, "wheel");
	const char *name = channel;

	if (cJSON_IsString(w))
		name = w->valuestring;
	else if (cJSON_IsArray(w) && cJSON_IsString(cJSON_GetArrayItem(w, 0)))
		name = cJSON_GetArrayItem(w, 0)->valuestring;
	return cJSON_GetObjectItemCaseSensitive(o->wheels, name);
}

/* The slot (1-based slotNumber) of a wheel, or NULL. */
static const cJSON *ofl_wheel_slot(const cJSON *wheel, const cJSON *cap)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cap, "slotNumber");
	const cJSON *slots = cJSON_GetObjectItemCaseSensitive(wheel, "slots");

	if (!cJSON_IsNumber(n) || n->valuedouble != floor(n->valuedouble) || !cJSON_IsArray(slots))
		return NULL;
	return cJSON_GetArrayItem(slots, (int)n->valuedouble - 1);
}

static int ofl_color_attr(const char *color)
{
	static const struct { const char *name; int attr; } map[] = {
		{ "Red", GL_ATTR_RED }, { "Green", GL_ATTR_GREEN }, { "Blue", GL_ATTR_BLUE },
		{ "Cyan", GL_ATTR_CYAN }, { "Magenta", GL_ATTR_MAGENTA },
		{ "Yellow", GL_ATTR_YELLOW }, { "Amber", GL_ATTR_AMBER },
		{ "White", GL_ATTR_WHITE }, { "Warm White", GL_ATTR_WHITE },
		{ "Cold White", GL_ATTR_WHITE }, { "UV", GL_ATTR_UV },
		{ "Lime", GL_ATTR_CONTROL }, { "Indigo", GL_ATTR_CONTROL },
	};

	for (size_t i = 0; color && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].name, color) == 0)
			return map[i].attr;
	return -1;
}

/* The attribute one capability asks for; -1 with the error set. */
static int ofl_cap_attr(struct ofl *o, const cJSON *cap, const char *channel)
{
	const char *type = ofl_str(cap, "type");
	size_t i;

	if (!type) {
		ofl_fail(o, GL_EINVAL, "channel \"%s\": a capability has no type", channel);
		return -1;
	}
	for (i = 0; i < sizeof ofl_types / sizeof ofl_types[0]; i++)
		if (strcmp(ofl_types[i].type, type) == 0)
			break;
	if (i == sizeof ofl_types / sizeof ofl_types[0]) {
		ofl_fail(o, GL_EINVAL, "channel \"%s\": unknown capability type \"%s\"", channel,
			 type);
		return -1;
	}
	if (strcmp(type, "ColorIntensity") == 0) {
		int a = ofl_color_attr(ofl_str(cap, "color"));

		if (a < 0)
			ofl_fail(o, GL_EINVAL, "channel \"%s\": ColorIntensity with unknown color "
				 "\"%s\"", channel, ofl_str(cap, "color") ? ofl_str(cap, "color") : "");
		return a;
	}
	if (ofl_types[i].attr == OFL_MAP_WHEEL) {
		const cJSON *wheel = ofl_wheel(o, cap, channel);
		const cJSON *slot, *slots = cJSON_GetObjectItemCaseSensitive(wheel, "slots");
		bool color = false, gobo = false;

		cJSON_ArrayForEach(slot, slots) {
			const char *t = ofl_str(slot, "type");

			color |= t && strcmp(t, "Color") == 0;
			gobo |= t && strncmp(t, "Gobo", 4) == 0;
		}
		return color ? GL_ATTR_COLOR_WHEEL : gobo ? GL_ATTR_GOBO : GL_ATTR_CONTROL;
	}
	return ofl_types[i].attr;
}

static bool ofl_hex(const char *s, float rgb[3])
{
	return s && gl_color_parse_hex(s, &rgb[0], &rgb[1], &rgb[2]) == 0;
}

/* Bytes the channel's DMX values are written in. */
static int ofl_resolution(const cJSON *def)
{
	const char *res = ofl_str(def, "dmxValueResolution");
	const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(def, "fineChannelAliases");

	if (res)
		return res[0] == '2' ? 3 : res[0] == '1' ? 2 : 1;
	return 1 + (cJSON_IsArray(aliases) ? cJSON_GetArraySize(aliases) : 0);
}

/* A value (number in the channel's resolution, or "50%") as 0..1; false
 * when absent or unreadable. */
static bool ofl_value(const cJSON *v, int res_bytes, float *out)
{
	double max = res_bytes == 3 ? 16777215.0 : res_bytes == 2 ? 65535.0 : 255.0;

	if (cJSON_IsNumber(v)) {
		*out = (float)(v->valuedouble / max);
	} else if (cJSON_IsString(v)) {
		char *end;
		double p = strtod(v->valuestring, &end);

		if (end == v->valuestring || *end != '%')
			return false;
		*out = (float)(p / 100.0);
	} else {
		return false;
	}
	if (!(*out >= 0.0f))
		*out = 0.0f;
	if (*out > 1.0f)
		*out = 1.0f;
	return true;
}

static float ofl_angle(const char *s)
{
	char *end;
	double v;

	if (!s)
		return NAN;
	v = strtod(s, &end);
	return end != s && strcmp(end, "deg") == 0 ? (float)v : NAN;
}

/* Fills attribute, capabilities and default of one channel. */
static int ofl_channel(struct ofl *o, const cJSON *def, const char *key, struct fdef_channel *ch,
		       struct fdef *fd)
{
	const cJSON *one = cJSON_GetObjectItemCaseSensitive(def, "capability");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(def, "capabilities");
	const cJSON *cap;
	int res = ofl_resolution(def), shift = 8 * (res - 1);
	int best = GL_ATTR_CONTROL, best_width = -1;
	bool shutter = false;

	if (!cJSON_IsObject(one) && !cJSON_IsArray(list)) {
		ofl_fail(o, GL_EINVAL, "channel \"%s\": no capability or capabilities", key);
		return GL_EINVAL;
	}
	if (cJSON_IsObject(one)) {
		best = ofl_cap_attr(o, one, key);
		if (best < 0)
			return o->rc;
		shutter = ofl_str(one, "shutterEffect") &&
			  (strcmp(ofl_str(one, "shutterEffect"), "Open") == 0 ||
			   strcmp(ofl_str(one, "shutterEffect"), "Closed") == 0);
		if (best == GL_ATTR_PAN || best == GL_ATTR_TILT) {
			float a = ofl_angle(ofl_str(one, "angleStart"));
			float b = ofl_angle(ofl_str(one, "angleEnd"));
			float *range = best == GL_ATTR_PAN ? &fd->pan_range_deg : &fd->tilt_range_deg;

			if (isfinite(a) && isfinite(b) && fabsf(b - a) > 0)
				*range = fabsf(b - a);
			if (isfinite(a) && isfinite(b) && b < a)
				ch->inverted = true;
		}
	}
	cJSON_ArrayForEach(cap, list) {
		const cJSON *range = cJSON_GetObjectItemCaseSensitive(cap, "dmxRange");
		const cJSON *lo = cJSON_GetArrayItem(range, 0), *hi = cJSON_GetArrayItem(range, 1);
		const char *type = ofl_str(cap, "type"), *effect = ofl_str(cap, "shutterEffect");
		struct fdef_cap *fc;
		const char *name;
		int attr, min, max;

		if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) ||
		    lo->valuedouble < 0 || hi->valuedouble < lo->valuedouble ||
		    hi->valuedouble > (res == 3 ? 16777215.0 : res == 2 ? 65535.0 : 255.0)) {
			ofl_fail(o, GL_EINVAL, "channel \"%s\": capability %d: dmxRange must be "
				 "[from, to] within the channel's resolution", key,
				 ch->cap_count + 1);
			return GL_EINVAL;
		}
		attr = ofl_cap_attr(o, cap, key);
		if (attr < 0)
			return o->rc;
		min = (int)lo->valuedouble >> shift;
		max = (int)hi->valuedouble >> shift;
		if (attr != GL_ATTR_CONTROL && max - min > best_width) {
			best = attr;
			best_width = max - min;
		}
		fc = fdef_add_cap(ch);
		if (!fc) {
			ofl_fail(o, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		fc->min = min;
		fc->max = max;
		if (strcmp(type, "NoFunction") == 0) {
			fc->kind = FDEF_CAP_NONE;
		} else if (strcmp(type, "ShutterStrobe") == 0 && effect) {
			fc->kind = strcmp(effect, "Open") == 0 ? FDEF_CAP_OPEN
				   : strcmp(effect, "Closed") == 0 ? FDEF_CAP_CLOSED : FDEF_CAP_STROBE;
			shutter |= fc->kind != FDEF_CAP_STROBE;
		} else if (strcmp(type, "WheelSlot") == 0) {
			const cJSON *slot = ofl_wheel_slot(ofl_wheel(o, cap, key), cap);
			const char *st = ofl_str(slot, "type");
			const cJSON *colors = cJSON_GetObjectItemCaseSensitive(slot, "colors");

			if (st && strcmp(st, "Color") == 0) {
				const cJSON *c0 = cJSON_GetArrayItem(colors, 0);

				fc->kind = FDEF_CAP_COLOR;
				fc->has_color = cJSON_IsString(c0) && ofl_hex(c0->valuestring, fc->rgb);
			} else if (st && strcmp(st, "Open") == 0) {
				fc->kind = FDEF_CAP_COLOR;   /* open white */
				fc->has_color = attr == GL_ATTR_COLOR_WHEEL;
				fc->rgb[0] = fc->rgb[1] = fc->rgb[2] = 1.0f;
				if (attr != GL_ATTR_COLOR_WHEEL)
					fc->kind = FDEF_CAP_GOBO;
			} else if (st && strncmp(st, "Gobo", 4) == 0) {
				fc->kind = FDEF_CAP_GOBO;
			}
			if ((name = ofl_str(slot, "name")) && fdef_set_str(&fc->name, name)) {
				ofl_fail(o, GL_ENOMEM, "out of memory");
				return GL_ENOMEM;
			}
		} else if (strcmp(type, "ColorPreset") == 0) {
			const cJSON *colors = cJSON_GetObjectItemCaseSensitive(cap, "colors");
			const cJSON *c0 = cJSON_GetArrayItem(colors, 0);

			fc->kind = FDEF_CAP_COLOR;
			fc->has_color = cJSON_IsString(c0) && ofl_hex(c0->valuestring, fc->rgb);
		}
		name = ofl_str(cap, "comment");
		if (!name)
			name = ofl_str(cap, "effectName");
		if (!fc->name && fdef_set_str(&fc->name, name ? name : type)) {
			ofl_fail(o, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
	}
	if (best == GL_ATTR_SHUTTER && !shutter)
		best = GL_ATTR_STROBE;
	ch->attr = best;
	if (ofl_value(cJSON_GetObjectItemCaseSensitive(def, "defaultValue"), res,
		      &ch->default_value)) {
		/* given */
	} else if (best == GL_ATTR_PAN || best == GL_ATTR_TILT) {
		ch->default_value = 0.5f;
	} else if (best == GL_ATTR_SHUTTER || best == GL_ATTR_STROBE) {
		for (int k = 0; k < ch->cap_count; k++)
			if (ch->caps[k].kind == FDEF_CAP_OPEN) {
				ch->default_value = (float)(ch->caps[k].min + ch->caps[k].max) /
						    2.0f / 255.0f;
				break;
			}
	}
	if (!ofl_value(cJSON_GetObjectItemCaseSensitive(def, "highlightValue"), res,
		       &ch->highlight))
		ch->highlight = -1.0f;
	return 0;
}

/* ---- modes ----------------------------------------------------------------------- */

struct ofl_mode_state {
	struct fdef_mode *mode;
	char (*keys)[OFL_KEY_MAX];   /* resolved coarse key of each channel */
	int *fine;                   /* fine level of each entry (0 coarse) */
	char (*heads)[OFL_KEY_MAX];  /* pixel key of each head */
	int head_count;
	int *head_of;                /* head index of each channel, -1 shared */
	int slots;
	bool last_away;              /* the last slot was a byte away from its coarse */
};

static int ofl_mode_channel(struct ofl *o, struct ofl_mode_state *s, const cJSON *item,
			    struct fdef *fd)
{
	struct fdef_mode *mode = s->mode;
	struct fdef_channel *ch, *prev;
	struct ofl_ref ref;
	bool after_away;
	int idx;

	if (s->slots >= GL_DMX_SLOTS) {
		ofl_fail(o, GL_EINVAL, "mode \"%s\": channels past %d", mode->name, GL_DMX_SLOTS);
		return GL_EINVAL;
	}
	s->slots++;
	after_away = s->last_away;
	s->last_away = false;
	prev = mode->channel_count ? &mode->channels[mode->channel_count - 1] : NULL;
	if (cJSON_IsNull(item)) {
		ch = fdef_add_channel(mode);
		if (!ch) {
			ofl_fail(o, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		ch->fixed = true;            /* an unused slot, held at 0 */
		idx = mode->channel_count - 1;
		s->keys[idx][0] = '\0';
		s->fine[idx] = 0;
		s->head_of[idx] = -1;
		return 0;
	}
	if (!cJSON_IsString(item)) {
		ofl_fail(o, GL_EINVAL, "mode \"%s\": channel %d must be a name or null",
			 mode->name, s->slots);
		return GL_EINVAL;
	}
	if (!ofl_resolve(o, item->valuestring, &ref)) {
		ofl_fail(o, GL_EINVAL, "mode \"%s\": channel \"%s\" is not defined", mode->name,
			 item->valuestring);
		return GL_EINVAL;
	}
	/* A fine alias joins its coarse channel: straight after it (or after
	 * its fine byte), or anywhere later with its slot (pan fine after
	 * tilt). One before its coarse channel stays a control channel. */
	idx = -1;
	if (ref.fine > 0 && ref.fine < 3 && prev && !after_away &&
	    s->fine[mode->channel_count - 1] == 0 &&
	    strcmp(s->keys[mode->channel_count - 1], ref.key) == 0 && prev->bytes == ref.fine) {
		idx = mode->channel_count - 1;
	} else if (ref.fine > 0 && ref.fine < 3) {
		for (int c = mode->channel_count - 1; c >= 0 && idx < 0; c--)
			if (s->fine[c] == 0 && strcmp(s->keys[c], ref.key) == 0 &&
			    mode->channels[c].bytes == ref.fine)
				idx = c;
		if (idx >= 0)
			mode->channels[idx].fine_slot[ref.fine - 1] = s->slots - 1;
	}
	if (idx >= 0) {
		ch = &mode->channels[idx];
		s->last_away = ch->fine_slot[ref.fine - 1] >= 0;
		if (fdef_set_str(ch->bytes == 1 ? &ch->fine_name : &ch->ultra_name,
				 item->valuestring)) {
			ofl_fail(o, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		ch->bytes++;
		return 0;
	}
	ch = fdef_add_channel(mode);
	if (!ch || fdef_set_str(&ch->name, item->valuestring)) {
		ofl_fail(o, GL_ENOMEM, "out of memory");
		return GL_ENOMEM;
	}
	idx = mode->channel_count - 1;
	snprintf(s->keys[idx], OFL_KEY_MAX, "%s", ref.key);
	s->fine[idx] = ref.fine;
	s->head_of[idx] = -1;
	if (ref.pixel[0]) {
		int h;

		for (h = 0; h < s->head_count; h++)
			if (strcmp(s->heads[h], ref.pixel) == 0)
				break;
		if (h == s->head_count)
			snprintf(s->heads[s->head_count++], OFL_KEY_MAX, "%s", ref.pixel);
		s->head_of[idx] = h;
	}
	if (ref.fine > 0) {
		ch->attr = GL_ATTR_CONTROL;  /* a fine alias without its coarse channel */
		return 0;
	}
	return ofl_channel(o, ref.def, ref.key, ch, fd);
}

static int ofl_insert(struct ofl *o, struct ofl_mode_state *s, const cJSON *ins, struct fdef *fd)
{
	const char *what = ofl_str(ins, "insert");
	const cJSON *repeat = cJSON_GetObjectItemCaseSensitive(ins, "repeatFor");
	const char *order = ofl_str(ins, "channelOrder");
	const cJSON *tmpls = cJSON_GetObjectItemCaseSensitive(ins, "templateChannels");
	char (*keys)[OFL_KEY_MAX] = NULL;
	int n = 0, t_count, rc = 0;

	if (!what || strcmp(what, "matrixChannels") != 0 || !order || !cJSON_IsArray(tmpls) ||
	    (strcmp(order, "perPixel") != 0 && strcmp(order, "perChannel") != 0)) {
		ofl_fail(o, GL_EINVAL, "mode \"%s\": a channel insert must be matrixChannels "
			 "with repeatFor, channelOrder and templateChannels", s->mode->name);
		return GL_EINVAL;
	}
	if (!o->matrix) {
		ofl_fail(o, GL_EINVAL, "mode \"%s\": matrixChannels without a matrix",
			 s->mode->name);
		return GL_EINVAL;
	}
	keys = calloc((size_t)(o->pixel_count + o->group_count + 1), sizeof *keys);
	if (!keys) {
		ofl_fail(o, GL_ENOMEM, "out of memory");
		return GL_ENOMEM;
	}
	if (cJSON_IsArray(repeat)) {
		const cJSON *k;

		cJSON_ArrayForEach(k, repeat) {
			if (!cJSON_IsString(k) || n >= o->pixel_count + o->group_count) {
				ofl_fail(o, GL_EINVAL, "mode \"%s\": repeatFor lists an unknown pixel",
					 s->mode->name);
				free(keys);
				return GL_EINVAL;
			}
			snprintf(keys[n++], OFL_KEY_MAX, "%s", k->valuestring);
		}
	} else if (cJSON_IsString(repeat) && strcmp(repeat->valuestring, "eachPixelGroup") == 0) {
		for (int g = 0; g < o->group_count; g++)
			snprintf(keys[n++], OFL_KEY_MAX, "%s", o->groups[g]);
	} else if (cJSON_IsString(repeat) && strncmp(repeat->valuestring, "eachPixel", 9) == 0 &&
		   (strcmp(repeat->valuestring + 9, "ABC") == 0 ||
		    (strlen(repeat->valuestring + 9) == 3 && strchr(repeat->valuestring + 9, 'X') &&
		     strchr(repeat->valuestring + 9, 'Y') && strchr(repeat->valuestring + 9, 'Z')))) {
		struct ofl_pixel *sorted = malloc((size_t)(o->pixel_count ? o->pixel_count : 1) *
						  sizeof *sorted);

		if (!sorted) {
			free(keys);
			ofl_fail(o, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		memcpy(sorted, o->pixels, (size_t)o->pixel_count * sizeof *sorted);
		qsort_r(sorted, (size_t)o->pixel_count, sizeof *sorted, ofl_cmp_pixel,
			strcmp(repeat->valuestring + 9, "ABC") == 0 ? NULL
								   : (void *)(repeat->valuestring + 9));
		for (int i = 0; i < o->pixel_count; i++)
			snprintf(keys[n++], OFL_KEY_MAX, "%s", sorted[i].key);
		free(sorted);
	} else {
		ofl_fail(o, GL_EINVAL, "mode \"%s\": unknown repeatFor", s->mode->name);
		free(keys);
		return GL_EINVAL;
	}
	t_count = cJSON_GetArraySize(tmpls);
	for (int a = 0; a < (strcmp(order, "perPixel") == 0 ? n : t_count) && !rc; a++)
		for (int b = 0; b < (strcmp(order, "perPixel") == 0 ? t_count : n) && !rc; b++) {
			int pixel = strcmp(order, "perPixel") == 0 ? a : b;
			int tmpl = strcmp(order, "perPixel") == 0 ? b : a;
			const cJSON *t = cJSON_GetArrayItem(tmpls, tmpl);
			char name[OFL_KEY_MAX];
			cJSON *item;

			if (cJSON_IsNull(t)) {          /* an unused slot */
				rc = ofl_mode_channel(o, s, t, fd);
				continue;
			}
			if (!cJSON_IsString(t) || !ofl_subst(t->valuestring, keys[pixel], name,
							      sizeof name)) {
				ofl_fail(o, GL_EINVAL, "mode \"%s\": template channel %d of an insert "
					 "must be a name with $pixelKey or null", s->mode->name,
					 tmpl + 1);
				rc = GL_EINVAL;
				break;
			}
			item = cJSON_CreateString(name);
			if (!item) {
				ofl_fail(o, GL_ENOMEM, "out of memory");
				rc = GL_ENOMEM;
				break;
			}
			rc = ofl_mode_channel(o, s, item, fd);
			cJSON_Delete(item);
		}
	free(keys);
	return rc ? o->rc : 0;
}

static int ofl_mode(struct ofl *o, const cJSON *jm, struct fdef *fd)
{
	const char *name = ofl_str(jm, "name");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(jm, "channels");
	struct ofl_mode_state s;
	const cJSON *item;
	int rc = 0;

	if (!name || !name[0] || !cJSON_IsArray(list)) {
		ofl_fail(o, GL_EINVAL, "mode %d: needs a name and a channels list",
			 fd->mode_count + 1);
		return GL_EINVAL;
	}
	if (fdef_find_mode(fd, name)) {
		ofl_fail(o, GL_EINVAL, "mode \"%s\" is defined twice", name);
		return GL_EINVAL;
	}
	memset(&s, 0, sizeof s);
	s.mode = fdef_add_mode(fd, name);
	s.keys = calloc(GL_DMX_SLOTS, sizeof *s.keys);
	s.fine = calloc(GL_DMX_SLOTS, sizeof *s.fine);
	s.heads = calloc(GL_DMX_SLOTS, sizeof *s.heads);
	s.head_of = calloc(GL_DMX_SLOTS, sizeof *s.head_of);
	if (!s.mode || !s.keys || !s.fine || !s.heads || !s.head_of) {
		ofl_fail(o, GL_ENOMEM, "out of memory");
		rc = GL_ENOMEM;
	}
	cJSON_ArrayForEach(item, list) {
		if (rc)
			break;
		if (cJSON_IsObject(item))
			rc = ofl_insert(o, &s, item, fd);
		else
			rc = ofl_mode_channel(o, &s, item, fd);
	}
	if (!rc && s.mode->channel_count == 0) {
		ofl_fail(o, GL_EINVAL, "mode \"%s\" has no channels", name);
		rc = GL_EINVAL;
	}
	/* one pixel (group) for the whole mode is not a multi-head fixture */
	for (int h = 0; h < s.head_count && s.head_count > 1 && !rc; h++) {
		int chans[GL_DMX_SLOTS], n = 0;

		for (int c = 0; c < s.mode->channel_count; c++)
			if (s.head_of[c] == h)
				chans[n++] = c;
		if (n > 0 && !fdef_add_head(s.mode, chans, n)) {
			ofl_fail(o, GL_ENOMEM, "out of memory");
			rc = GL_ENOMEM;
		}
	}
	free(s.keys);
	free(s.fine);
	free(s.heads);
	free(s.head_of);
	return rc ? o->rc : 0;
}

static void ofl_physical(const cJSON *phys, struct fdef *fd)
{
	const cJSON *v, *lens, *mm;

	if ((v = cJSON_GetObjectItemCaseSensitive(phys, "weight")) && cJSON_IsNumber(v) &&
	    v->valuedouble > 0 && v->valuedouble < 10000)
		fd->weight_kg = (float)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(phys, "power")) && cJSON_IsNumber(v) &&
	    v->valuedouble > 0 && v->valuedouble < 1e6)
		fd->power_w = (float)v->valuedouble;
	lens = cJSON_GetObjectItemCaseSensitive(phys, "lens");
	mm = cJSON_GetObjectItemCaseSensitive(lens, "degreesMinMax");
	if (cJSON_GetArraySize(mm) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(mm, 0)) &&
	    cJSON_IsNumber(cJSON_GetArrayItem(mm, 1))) {
		double a = cJSON_GetArrayItem(mm, 0)->valuedouble;
		double b = cJSON_GetArrayItem(mm, 1)->valuedouble;

		if (a >= 0 && b > 0 && a <= b && b <= 360) {
			fd->beam_min_deg = (float)a;
			fd->beam_max_deg = (float)b;
		}
	}
}

static void ofl_manufacturer(const char *file, char *out, size_t len)
{
	const char *end = strrchr(file, '/'), *start;

	out[0] = '\0';
	if (!end || end == file)
		return;
	for (start = end - 1; start > file && start[-1] != '/'; start--)
		;
	snprintf(out, len, "%.*s", (int)(end - start), start);
	if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		out[0] = '\0';
}

int import_ofl_buffer(const char *name, const char *data, size_t len, struct fdef **def_out,
		      char *err, size_t err_len)
{
	struct ofl o;
	struct fdef *fd = NULL;
	cJSON *root;
	const cJSON *modes, *m;
	const char *fname, *redirect;
	char manufacturer[OFL_KEY_MAX], msg[FDEF_ERR_MAX];
	bool moves = false;

	*def_out = NULL;
	memset(&o, 0, sizeof o);
	o.file = name;
	o.err = err;
	o.err_len = err_len;
	if (len > IMPORT_FILE_MAX) {
		ofl_fail(&o, GL_EINVAL, "file too big");
		return GL_EINVAL;
	}
	root = cJSON_ParseWithLength(data, len);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		int line = 1;

		for (const char *p = data; at && p < at && p < data + len; p++)
			line += *p == '\n';
		snprintf(err, err_len, "%s:%d: malformed JSON", name, line);
		return GL_EINVAL;
	}
	o.root = root;
	if (!cJSON_IsObject(root)) {
		ofl_fail(&o, GL_EINVAL, "not a JSON object");
		goto done;
	}
	if ((redirect = ofl_str(root, "redirectTo"))) {
		ofl_fail(&o, GL_EINVAL, "is a redirect to \"%s\", not a fixture", redirect);
		goto done;
	}
	fname = ofl_str(root, "name");
	if (!fname || !fname[0]) {
		ofl_fail(&o, GL_EINVAL, "no \"name\"");
		goto done;
	}
	o.channels = cJSON_GetObjectItemCaseSensitive(root, "availableChannels");
	o.templates = cJSON_GetObjectItemCaseSensitive(root, "templateChannels");
	o.wheels = cJSON_GetObjectItemCaseSensitive(root, "wheels");
	o.matrix = cJSON_GetObjectItemCaseSensitive(root, "matrix");
	modes = cJSON_GetObjectItemCaseSensitive(root, "modes");
	if ((o.channels && !cJSON_IsObject(o.channels)) ||
	    (o.templates && !cJSON_IsObject(o.templates))) {
		ofl_fail(&o, GL_EINVAL, "availableChannels / templateChannels must be objects");
		goto done;
	}
	if (!cJSON_IsArray(modes) || cJSON_GetArraySize(modes) == 0) {
		ofl_fail(&o, GL_EINVAL, "no \"modes\": nothing to patch");
		goto done;
	}
	if (o.matrix && (!cJSON_IsObject(o.matrix) || ofl_load_matrix(&o)))
		goto done;
	fd = fdef_create();
	ofl_manufacturer(name, manufacturer, sizeof manufacturer);
	if (!fd || fdef_set_str(&fd->name, fname) ||
	    fdef_set_str(&fd->manufacturer, manufacturer[0] ? manufacturer : NULL) ||
	    fdef_set_str(&fd->source, "Open Fixture Library")) {
		ofl_fail(&o, GL_ENOMEM, "out of memory");
		goto done;
	}
	ofl_physical(cJSON_GetObjectItemCaseSensitive(root, "physical"), fd);
	cJSON_ArrayForEach(m, modes)
		if (ofl_mode(&o, m, fd))
			goto done;
	for (int i = 0; i < fd->mode_count; i++)
		for (int c = 0; c < fd->modes[i].channel_count; c++)
			moves |= fd->modes[i].channels[c].attr == GL_ATTR_PAN ||
				 fd->modes[i].channels[c].attr == GL_ATTR_TILT;
	if (moves) {
		const cJSON *focus = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(root, "physical"), "focus");
		const cJSON *pm = cJSON_GetObjectItemCaseSensitive(focus, "panMax");
		const cJSON *tm = cJSON_GetObjectItemCaseSensitive(focus, "tiltMax");

		if (!(fd->pan_range_deg > 0))
			fd->pan_range_deg = cJSON_IsNumber(pm) && pm->valuedouble > 0 &&
						    pm->valuedouble <= 10000
						    ? (float)pm->valuedouble : 540.0f;
		if (!(fd->tilt_range_deg > 0))
			fd->tilt_range_deg = cJSON_IsNumber(tm) && tm->valuedouble > 0 &&
						     tm->valuedouble <= 10000
						     ? (float)tm->valuedouble : 270.0f;
	} else {
		fd->pan_range_deg = fd->tilt_range_deg = 0.0f;
	}
	fdef_mark_repeats(fd);
	if (fdef_check(fd, msg, sizeof msg)) {
		ofl_fail(&o, GL_EINVAL, "%s", msg);
		goto done;
	}
	*def_out = fd;
	fd = NULL;
done:
	fdef_destroy(fd);
	free(o.pixels);
	free(o.groups);
	cJSON_Delete(root);
	return *def_out ? 0 : (o.rc ? o.rc : GL_EINVAL);
}

int import_ofl_file(const char *path, struct fdef **def, char *err, size_t err_len)
{
	char *data;
	size_t len;
	int rc = import_read_file(path, &data, &len, err, err_len);

	if (rc)
		return rc;
	rc = import_ofl_buffer(path, data, len, def, err, err_len);
	free(data);
	return rc;
}
