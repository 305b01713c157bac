/*
 * color.c - fixture types' derived facts and colour mixing: an RGB look
 * becomes values for whatever emitters a fixture has. Load time (control
 * thread); pure.
 *
 * Mixing rules: RGB emitters take the colour as is. A white emitter takes
 * the common part min(r,g,b) and the RGB emitters keep the rest (white
 * extraction: same colour, more output, better CRI). An amber emitter takes
 * the part that amber (1, 0.75, 0) can carry out of red and green. CMY
 * subtracts: c = 1 - r, and so on.
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

static bool type_has(const struct gl_fixture_type *t, enum gl_attr a)
{
	for (int i = 0; i < t->channel_count; i++)
		if (t->channels[i].attr == a)
			return true;
	return false;
}

int gl_channel_slot(const struct gl_channel *ch, int b)
{
	if (b == 0)
		return ch->offset;
	if (ch->fine_offset[b - 1])
		return ch->fine_offset[b - 1];
	return gl_channel_slot(ch, b - 1) + 1;
}

int gl_fixture_type_finish(struct gl_fixture_type *type)
{
	if (type->channel_count <= 0 || type->channel_count > GL_MAX_CHANNELS)
		return GL_EINVAL;
	int footprint = 0, next = 0;
	bool seen[GL_ATTR_COUNT] = { false };
	uint8_t used[GL_DMX_SLOTS] = { 0 };
	for (int i = 0; i < type->channel_count; i++) {
		struct gl_channel *c = &type->channels[i];
		if ((unsigned)c->attr >= GL_ATTR_COUNT || (!c->fixed && seen[c->attr]))
			return GL_EINVAL;
		if (c->bytes < 1 || c->bytes > 3)
			return GL_EINVAL;
		if (!(c->default_value >= 0.0f && c->default_value <= 1.0f))
			return GL_EINVAL;
		if (!type->explicit_offsets) {
			c->offset = (uint16_t)next;
			c->fine_offset[0] = c->fine_offset[1] = 0;
		}
		for (int b = 0; b < c->bytes; b++) {
			int s = gl_channel_slot(c, b);
			if (s >= GL_DMX_SLOTS || used[s]++)
				return GL_EINVAL;
			if (s + 1 > footprint)
				footprint = s + 1;
		}
		next = c->offset + c->bytes;
		if (!c->fixed)
			seen[c->attr] = true;
	}
	type->footprint = footprint;
	bool emitters = seen[GL_ATTR_RED] || seen[GL_ATTR_GREEN] || seen[GL_ATTR_BLUE] ||
			seen[GL_ATTR_WHITE] || seen[GL_ATTR_AMBER] || seen[GL_ATTR_UV];
	type->virtual_intensity = emitters && !seen[GL_ATTR_INTENSITY];
	return 0;
}

static float clamp01(float v)
{
	return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

static float min3(float a, float b, float c)
{
	float m = a < b ? a : b;
	return m < c ? m : c;
}

static void put(const struct gl_fixture_type *t, enum gl_attr a, float v,
		float out[GL_ATTR_COUNT], bool has[GL_ATTR_COUNT], int *n)
{
	if (!type_has(t, a))
		return;
	out[a] = clamp01(v);
	has[a] = true;
	(*n)++;
}

int gl_color_mix(const struct gl_fixture_type *t, float r, float g, float b,
		 float out[GL_ATTR_COUNT], bool has[GL_ATTR_COUNT])
{
	int n = 0;
	r = clamp01(r);
	g = clamp01(g);
	b = clamp01(b);
	bool rgb = type_has(t, GL_ATTR_RED) && type_has(t, GL_ATTR_GREEN) &&
		   type_has(t, GL_ATTR_BLUE);
	if (rgb) {
		if (type_has(t, GL_ATTR_WHITE)) {
			float w = min3(r, g, b);
			r -= w;
			g -= w;
			b -= w;
			put(t, GL_ATTR_WHITE, w, out, has, &n);
		}
		if (type_has(t, GL_ATTR_AMBER)) {
			/* amber ~ (1, 0.75, 0): take what red and green share
			 * in that ratio */
			float a = r < g / 0.75f ? r : g / 0.75f;
			r -= a;
			g -= a * 0.75f;
			put(t, GL_ATTR_AMBER, a, out, has, &n);
		}
		put(t, GL_ATTR_RED, r, out, has, &n);
		put(t, GL_ATTR_GREEN, g, out, has, &n);
		put(t, GL_ATTR_BLUE, b, out, has, &n);
		return n;
	}
	if (type_has(t, GL_ATTR_CYAN) || type_has(t, GL_ATTR_MAGENTA) ||
	    type_has(t, GL_ATTR_YELLOW)) {
		put(t, GL_ATTR_CYAN, 1.0f - r, out, has, &n);
		put(t, GL_ATTR_MAGENTA, 1.0f - g, out, has, &n);
		put(t, GL_ATTR_YELLOW, 1.0f - b, out, has, &n);
		return n;
	}
	/* A partial emitter set (red + white only, say): each takes its own
	 * component; white takes the common part. */
	put(t, GL_ATTR_RED, r, out, has, &n);
	put(t, GL_ATTR_GREEN, g, out, has, &n);
	put(t, GL_ATTR_BLUE, b, out, has, &n);
	put(t, GL_ATTR_WHITE, min3(r, g, b), out, has, &n);
	return n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int gl_color_parse_hex(const char *s, float *r, float *g, float *b)
{
	if (*s == '#')
		s++;
	if (strlen(s) != 6)
		return GL_EINVAL;
	int v[6];
	for (int i = 0; i < 6; i++)
		if ((v[i] = hexval((unsigned char)s[i])) < 0)
			return GL_EINVAL;
	*r = (float)(v[0] * 16 + v[1]) / 255.0f;
	*g = (float)(v[2] * 16 + v[3]) / 255.0f;
	*b = (float)(v[4] * 16 + v[5]) / 255.0f;
	return 0;
}
