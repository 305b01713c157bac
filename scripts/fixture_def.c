/*
 * fixture_def.c - building, checking, patching, printing and writing the
 * scripts-side fixture definition (fixture_def.h).
 *
 * Control thread. The writer emits our Lua format (see README "Fixtures");
 * fixture_file.c reads it back into the same definition, so an import
 * round-trips. fdef_save_lua() is atomic: temp file in the same folder,
 * fsync, rename; on any failure the temp file is removed and the target is
 * untouched.
 */
#include "fixture_def.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const fdef_kind_names[FDEF_CAP_KIND_COUNT] = {
	[FDEF_CAP_GENERIC] = "generic",
	[FDEF_CAP_NONE] = "none",
	[FDEF_CAP_OPEN] = "open",
	[FDEF_CAP_CLOSED] = "closed",
	[FDEF_CAP_STROBE] = "strobe",
	[FDEF_CAP_COLOR] = "color",
	[FDEF_CAP_GOBO] = "gobo",
};

const char *fdef_cap_kind_name(enum fdef_cap_kind kind)
{
	return (unsigned)kind < FDEF_CAP_KIND_COUNT ? fdef_kind_names[kind] : "?";
}

int fdef_cap_kind_from_name(const char *name)
{
	for (int i = 0; i < FDEF_CAP_KIND_COUNT; i++)
		if (strcmp(fdef_kind_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- building --------------------------------------------------------------- */

struct fdef *fdef_create(void)
{
	struct fdef *def = calloc(1, sizeof(struct fdef));

	if (def)
		def->default_mode = 0;
	return def;
}

static void fdef_free_channel(struct fdef_channel *ch)
{
	free(ch->name);
	free(ch->fine_name);
	free(ch->ultra_name);
	for (int i = 0; i < ch->cap_count; i++)
		free(ch->caps[i].name);
	free(ch->caps);
}

void fdef_destroy(struct fdef *def)
{
	if (!def)
		return;
	for (int m = 0; m < def->mode_count; m++) {
		struct fdef_mode *mode = &def->modes[m];

		for (int c = 0; c < mode->channel_count; c++)
			fdef_free_channel(&mode->channels[c]);
		free(mode->channels);
		for (int h = 0; h < mode->head_count; h++)
			free(mode->heads[h].channels);
		free(mode->heads);
		free(mode->name);
	}
	free(def->modes);
	for (int i = 0; i < def->emitter_count; i++)
		free(def->emitters[i].name);
	free(def->emitters);
	free(def->name);
	free(def->manufacturer);
	free(def->source);
	free(def);
}

int fdef_set_str(char **dst, const char *src)
{
	char *copy = NULL;

	if (src) {
		copy = strdup(src);
		if (!copy)
			return GL_ENOMEM;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

/* Grows *items (of `size` bytes each) to hold count + 1; zeroes the new
 * item and returns it, or NULL. Capacity doubles at powers of two. */
static void *fdef_grow(void **items, int *count, size_t size)
{
	int n = *count;

	if ((n & (n - 1)) == 0) {
		void *p = realloc(*items, (size_t)(n ? n * 2 : 1) * size);

		if (!p)
			return NULL;
		*items = p;
	}
	memset((char *)*items + (size_t)n * size, 0, size);
	(*count)++;
	return (char *)*items + (size_t)n * size;
}

struct fdef_mode *fdef_add_mode(struct fdef *def, const char *name)
{
	char *copy = strdup(name ? name : "");
	struct fdef_mode *m;

	if (!copy)
		return NULL;
	m = fdef_grow((void **)&def->modes, &def->mode_count, sizeof *m);
	if (!m) {
		free(copy);
		return NULL;
	}
	m->name = copy;
	return m;
}

struct fdef_channel *fdef_add_channel(struct fdef_mode *mode)
{
	struct fdef_channel *ch = fdef_grow((void **)&mode->channels, &mode->channel_count,
					    sizeof *ch);

	if (!ch)
		return NULL;
	ch->attr = GL_ATTR_CONTROL;
	ch->bytes = 1;
	ch->fine_slot[0] = ch->fine_slot[1] = -1;
	ch->home = -1.0f;
	ch->highlight = -1.0f;
	return ch;
}

struct fdef_cap *fdef_add_cap(struct fdef_channel *ch)
{
	return fdef_grow((void **)&ch->caps, &ch->cap_count, sizeof(struct fdef_cap));
}

struct fdef_head *fdef_add_head(struct fdef_mode *mode, const int *channels, int count)
{
	int *copy = malloc((size_t)(count > 0 ? count : 1) * sizeof *copy);
	struct fdef_head *h;

	if (!copy)
		return NULL;
	h = fdef_grow((void **)&mode->heads, &mode->head_count, sizeof *h);
	if (!h) {
		free(copy);
		return NULL;
	}
	memcpy(copy, channels, (size_t)count * sizeof *copy);
	h->channels = copy;
	h->count = count;
	return h;
}

int fdef_add_emitter(struct fdef *def, const char *name, const float rgb[3])
{
	char *copy = strdup(name);

	if (!copy)
		return GL_ENOMEM;
	if (!fdef_grow((void **)&def->emitters, &def->emitter_count, sizeof def->emitters[0])) {
		free(copy);
		return GL_ENOMEM;
	}
	def->emitters[def->emitter_count - 1].name = copy;
	memcpy(def->emitters[def->emitter_count - 1].rgb, rgb, 3 * sizeof *rgb);
	return 0;
}

int fdef_mode_slots(const struct fdef_mode *mode)
{
	int n = 0;

	for (int c = 0; c < mode->channel_count; c++)
		n += mode->channels[c].bytes;
	return n;
}

int fdef_mode_layout(const struct fdef_mode *mode, int *slot, char *err, size_t len)
{
	int n = fdef_mode_slots(mode), next = 0, rc = 0;
	unsigned char *taken = calloc((size_t)(n > 0 ? n : 1), 1);

	if (!taken) {
		snprintf(err, len, "out of memory");
		return GL_ENOMEM;
	}
	/* bytes placed elsewhere first (and any byte following one of them) */
	for (int c = 0; c < mode->channel_count && !rc; c++) {
		const struct fdef_channel *ch = &mode->channels[c];
		bool away = false;

		for (int b = 0; b < 3; b++)
			slot[c * 3 + b] = -1;
		for (int b = 1; b < ch->bytes && b < 3 && !rc; b++) {
			int s = ch->fine_slot[b - 1];

			if (s < 0 && !away)
				continue;
			if (s < 0)
				s = slot[c * 3 + b - 1] + 1;
			away = true;
			if (s < 1 || s >= n || taken[s]) {
				snprintf(err, len, "mode \"%s\": channel %d: its %s byte on "
					 "slot %d %s", mode->name, c + 1,
					 b == 1 ? "fine" : "ultra", s + 1,
					 s >= n ? "is past the mode's last slot"
					 : s < 1 ? "cannot be: slot 1 holds the first channel"
						 : "is taken by another byte");
				rc = GL_EINVAL;
				break;
			}
			taken[s] = 1;
			slot[c * 3 + b] = s;
		}
	}
	/* the rest in order, each channel's following bytes after its coarse */
	for (int c = 0; c < mode->channel_count && !rc; c++) {
		const struct fdef_channel *ch = &mode->channels[c];

		while (next < n && taken[next])
			next++;
		for (int b = 0; b < ch->bytes && b < 3; b++) {
			if (slot[c * 3 + b] >= 0)
				break;
			if (next >= n || taken[next]) {
				snprintf(err, len, "mode \"%s\": channel %d: its %s byte would "
					 "fall on slot %d, %s", mode->name, c + 1,
					 b == 0 ? "coarse" : b == 1 ? "fine" : "ultra", next + 1,
					 next >= n ? "past the mode's last slot"
						   : "which another channel's byte takes");
				rc = GL_EINVAL;
				break;
			}
			taken[next] = 1;
			slot[c * 3 + b] = next++;
		}
	}
	free(taken);
	return rc;
}

int fdef_mode_split_count(const struct fdef_mode *mode)
{
	int n = 0;

	for (int c = 0; c < mode->channel_count; c++) {
		const struct fdef_channel *ch = &mode->channels[c];

		n += (ch->bytes > 1 && ch->fine_slot[0] >= 0) ||
		     (ch->bytes > 2 && ch->fine_slot[1] >= 0);
	}
	return n;
}

const struct fdef_mode *fdef_find_mode(const struct fdef *def, const char *name)
{
	for (int m = 0; m < def->mode_count; m++)
		if (strcmp(def->modes[m].name, name) == 0)
			return &def->modes[m];
	return NULL;
}

/* ---- checking --------------------------------------------------------------- */

static bool fdef_unit(float v)
{
	return v >= 0.0f && v <= 1.0f;
}

static int fdef_check_channel(const struct fdef_mode *mode, int c, char *err, size_t len)
{
	const struct fdef_channel *ch = &mode->channels[c];

	if ((unsigned)ch->attr >= GL_ATTR_COUNT || ch->bytes < 1 || ch->bytes > 3) {
		snprintf(err, len, "mode \"%s\": channel %d: bad attribute or resolution",
			 mode->name, c + 1);
		return GL_EINVAL;
	}
	if (!fdef_unit(ch->default_value) || (ch->home >= 0 && !fdef_unit(ch->home)) ||
	    (ch->highlight >= 0 && !fdef_unit(ch->highlight))) {
		snprintf(err, len, "mode \"%s\": channel %d: default/home/highlight must be 0..1",
			 mode->name, c + 1);
		return GL_EINVAL;
	}
	for (int b = 0; b < 2; b++)
		if (ch->fine_slot[b] >= 0 && b + 1 >= ch->bytes) {
			snprintf(err, len, "mode \"%s\": channel %d: %s byte placed, but the "
				 "channel has %d bits", mode->name, c + 1, b ? "an ultra" : "a fine",
				 ch->bytes * 8);
			return GL_EINVAL;
		}
	for (int k = 0; k < ch->cap_count; k++) {
		const struct fdef_cap *cap = &ch->caps[k];

		if (cap->min < 0 || cap->max > 255 || cap->min > cap->max ||
		    (unsigned)cap->kind >= FDEF_CAP_KIND_COUNT) {
			snprintf(err, len, "mode \"%s\": channel %d: capability %d: range "
				 "%d..%d is not within 0..255", mode->name, c + 1, k + 1,
				 cap->min, cap->max);
			return GL_EINVAL;
		}
	}
	return 0;
}

int fdef_check(const struct fdef *def, char *err, size_t len)
{
	if (!def->name || !def->name[0]) {
		snprintf(err, len, "no name");
		return GL_EINVAL;
	}
	if (def->mode_count == 0) {
		snprintf(err, len, "no modes");
		return GL_EINVAL;
	}
	for (int m = 0; m < def->mode_count; m++) {
		const struct fdef_mode *mode = &def->modes[m];
		int slots = fdef_mode_slots(mode), rc, *layout;
		unsigned char *in_head;

		if (!mode->name[0]) {
			snprintf(err, len, "mode %d has no name", m + 1);
			return GL_EINVAL;
		}
		for (int o = 0; o < m; o++)
			if (strcmp(def->modes[o].name, mode->name) == 0) {
				snprintf(err, len, "mode \"%s\" is defined twice", mode->name);
				return GL_EINVAL;
			}
		if (mode->channel_count == 0) {
			snprintf(err, len, "mode \"%s\" has no channels", mode->name);
			return GL_EINVAL;
		}
		if (slots > GL_DMX_SLOTS) {
			snprintf(err, len, "mode \"%s\" spans %d slots: channels past %d",
				 mode->name, slots, GL_DMX_SLOTS);
			return GL_EINVAL;
		}
		for (int c = 0; c < mode->channel_count; c++) {
			rc = fdef_check_channel(mode, c, err, len);
			if (rc)
				return rc;
		}
		layout = malloc((size_t)mode->channel_count * 3 * sizeof *layout);
		if (!layout) {
			snprintf(err, len, "out of memory");
			return GL_ENOMEM;
		}
		rc = fdef_mode_layout(mode, layout, err, len);
		free(layout);
		if (rc)
			return rc;
		in_head = calloc((size_t)mode->channel_count, 1);
		if (!in_head) {
			snprintf(err, len, "out of memory");
			return GL_ENOMEM;
		}
		for (int h = 0; h < mode->head_count; h++) {
			const struct fdef_head *head = &mode->heads[h];

			for (int i = 0; i < head->count; i++) {
				int c = head->channels[i];

				if (c < 0 || c >= mode->channel_count || in_head[c]) {
					snprintf(err, len, "mode \"%s\": head %d: channel %d is %s",
						 mode->name, h + 1, c + 1,
						 c < 0 || c >= mode->channel_count
							 ? "not in the mode" : "in two heads");
					free(in_head);
					return GL_EINVAL;
				}
				in_head[c] = 1;
			}
		}
		free(in_head);
	}
	return 0;
}

/* ---- patching --------------------------------------------------------------- */

static int fdef_part_of(const struct fdef_mode *mode, int c)
{
	for (int h = 0; h < mode->head_count; h++)
		for (int i = 0; i < mode->heads[h].count; i++)
			if (mode->heads[h].channels[i] == c)
				return h + 1;
	return 0;
}

void fdef_mark_repeats(struct fdef *def)
{
	bool pan = false, tilt = false;

	for (int m = 0; m < def->mode_count; m++)
		for (int c = 0; c < def->modes[m].channel_count; c++) {
			pan |= def->modes[m].channels[c].attr == GL_ATTR_PAN;
			tilt |= def->modes[m].channels[c].attr == GL_ATTR_TILT;
		}
	if (!pan)
		def->pan_range_deg = 0.0f;
	if (!tilt)
		def->tilt_range_deg = 0.0f;
	for (int m = 0; m < def->mode_count; m++) {
		struct fdef_mode *mode = &def->modes[m];

		for (int p = 0; p <= mode->head_count; p++) {
			bool seen[GL_ATTR_COUNT] = { false };

			for (int c = 0; c < mode->channel_count; c++) {
				struct fdef_channel *ch = &mode->channels[c];

				if (fdef_part_of(mode, c) != p || ch->fixed)
					continue;
				if (seen[ch->attr]) {
					ch->fixed = true;
					if (ch->attr == GL_ATTR_INTENSITY)
						ch->default_value = 1.0f;
				} else {
					seen[ch->attr] = true;
				}
			}
		}
	}
}

static void fdef_part_wheel(struct fdef_part *part, const struct fdef_channel *ch)
{
	for (int k = 0; k < ch->cap_count && part->wheel_count < FDEF_WHEEL_MAX; k++) {
		const struct fdef_cap *cap = &ch->caps[k];
		float v;

		if (!cap->has_color)
			continue;
		v = (float)(cap->min + cap->max) / 2.0f / 255.0f;
		part->wheel_value[part->wheel_count] = ch->inverted ? 1.0f - v : v;
		memcpy(part->wheel_rgb[part->wheel_count], cap->rgb, sizeof cap->rgb);
		part->wheel_count++;
	}
}

int fdef_parts(const struct fdef *def, const struct fdef_mode *mode, const char *type_name,
	       struct fdef_part **parts_out, char *err, size_t err_len)
{
	int part_count = mode->head_count + 1, name_count = 0, named_used = 0, n = 0, rc;
	size_t name_bytes = 0, names_used = 0;
	struct fdef_part *parts;
	struct fdef_named *named;
	char *names;
	int *slot = malloc((size_t)mode->channel_count * 3 * sizeof *slot);

	/* One block: the parts, then every named range the mode has (an upper
	 * bound: only addressable channels' are kept), then their names. The
	 * parts' alignment covers fdef_named (both hold pointers). */
	for (int c = 0; c < mode->channel_count; c++)
		for (int k = 0; k < mode->channels[c].cap_count; k++)
			if (mode->channels[c].caps[k].name) {
				name_count++;
				name_bytes += strlen(mode->channels[c].caps[k].name) + 1;
			}
	parts = calloc(1, (size_t)part_count * sizeof *parts +
			  (size_t)name_count * sizeof *named + name_bytes);
	named = parts ? (struct fdef_named *)(void *)(parts + part_count) : NULL;
	names = parts ? (char *)(named + name_count) : NULL;
	*parts_out = NULL;
	if (!parts || !slot) {
		free(parts);
		free(slot);
		snprintf(err, err_len, "out of memory");
		return GL_ENOMEM;
	}
	rc = fdef_mode_layout(mode, slot, err, err_len);
	if (rc) {
		free(parts);
		free(slot);
		return rc;
	}
	for (int p = 0; p < part_count; p++) {
		struct fdef_part *part = &parts[n];
		struct gl_fixture_type *t = &part->type;
		bool seen[GL_ATTR_COUNT] = { false };

		part->head = p;
		if (p == 0)
			snprintf(t->name, sizeof t->name, "%s", type_name);
		else
			snprintf(t->name, sizeof t->name, "%.40s head %d", type_name, p);
		/* always explicit: heads interleave, and fine bytes may sit away
		 * from their coarse ones */
		t->explicit_offsets = true;
		for (int c = 0; c < mode->channel_count; c++) {
			const struct fdef_channel *ch = &mode->channels[c];
			struct gl_channel *gc;
			bool own;

			if (fdef_part_of(mode, c) != p)
				continue;
			if (t->channel_count == GL_MAX_CHANNELS) {
				snprintf(err, err_len, "mode \"%s\": %s has more than %d channels "
					 "(define heads to split it)", mode->name,
					 p ? "a head" : "the fixture", GL_MAX_CHANNELS);
				free(parts);
				free(slot);
				return GL_EINVAL;
			}
			gc = &t->channels[t->channel_count++];
			gc->attr = (enum gl_attr)ch->attr;
			gc->bytes = (uint8_t)ch->bytes;
			gc->offset = (uint16_t)slot[c * 3];
			/* the engine's fine_offset: 0 = the byte after the one
			 * before it, else its slot (never 0: the layout keeps slot
			 * 0 for a coarse byte) */
			for (int b = 1; b < ch->bytes; b++)
				gc->fine_offset[b - 1] = slot[c * 3 + b] == slot[c * 3 + b - 1] + 1
								 ? 0 : (uint16_t)slot[c * 3 + b];
			gc->default_value = ch->default_value;
			gc->inverted = ch->inverted;
			own = !ch->fixed && !seen[ch->attr];
			gc->fixed = !own;
			if (own)
				seen[ch->attr] = true;
			else if (!ch->fixed && ch->attr == GL_ATTR_INTENSITY)
				gc->default_value = 1.0f;   /* the addressable one dims */
			if (own && ch->attr == GL_ATTR_COLOR_WHEEL)
				fdef_part_wheel(part, ch);
			for (int k = 0; own && k < ch->cap_count; k++) {
				const struct fdef_cap *cap = &ch->caps[k];
				struct fdef_named *nm = &named[named_used++];
				float v = (float)(cap->min + cap->max) / 2.0f / 255.0f;
				size_t len;

				if (!cap->name) {
					named_used--;
					continue;
				}
				len = strlen(cap->name) + 1;
				memcpy(names + names_used, cap->name, len);
				nm->name = names + names_used;
				names_used += len;
				nm->attr = ch->attr;
				nm->value = ch->inverted ? 1.0f - v : v;
				if (!part->named)
					part->named = nm;
				part->named_count++;
			}
		}
		if (t->channel_count == 0)
			continue;
		t->pan_range_deg = seen[GL_ATTR_PAN] ? def->pan_range_deg : 0.0f;
		t->tilt_range_deg = seen[GL_ATTR_TILT] ? def->tilt_range_deg : 0.0f;
		if ((seen[GL_ATTR_PAN] && !(def->pan_range_deg > 0)) ||
		    (seen[GL_ATTR_TILT] && !(def->tilt_range_deg > 0))) {
			snprintf(err, err_len, "has a %s channel but no %s_range",
				 seen[GL_ATTR_PAN] && !(def->pan_range_deg > 0) ? "pan" : "tilt",
				 seen[GL_ATTR_PAN] && !(def->pan_range_deg > 0) ? "pan" : "tilt");
			free(parts);
			free(slot);
			return GL_EINVAL;
		}
		if (gl_fixture_type_finish(t) != 0) {
			snprintf(err, err_len, "mode \"%s\": channels overlap or pass slot %d",
				 mode->name, GL_DMX_SLOTS);
			free(parts);
			free(slot);
			return GL_EINVAL;
		}
		n++;
	}
	free(slot);
	*parts_out = parts;
	return n;
}

int fdef_part_named(const struct fdef_part *part, int attr, const char *name, float *value)
{
	for (int i = 0; i < part->named_count; i++)
		if (part->named[i].attr == attr && strcasecmp(part->named[i].name, name) == 0) {
			*value = part->named[i].value;
			return 0;
		}
	return GL_ENOENT;
}

/* ---- colour wheels ---------------------------------------------------------- */

static void fdef_norm(const float in[3], float out[3])
{
	float peak = in[0] > in[1] ? in[0] : in[1];

	peak = peak > in[2] ? peak : in[2];
	for (int i = 0; i < 3; i++)
		out[i] = peak > 1e-6f ? in[i] / peak : 0.0f;
}

int fdef_nearest_color(const float (*rgb)[3], int count, float r, float g, float b)
{
	float want[3], in[3] = { r, g, b };
	float best_d = INFINITY;
	int best = -1;

	fdef_norm(in, want);
	for (int i = 0; i < count; i++) {
		float have[3], d = 0.0f;

		fdef_norm(rgb[i], have);
		for (int k = 0; k < 3; k++)
			d += (have[k] - want[k]) * (have[k] - want[k]);
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

/* ---- comparing -------------------------------------------------------------- */

static int fdef_differ(char *why, size_t len, const struct fdef_mode *m, int c,
		       const char *what)
{
	if (c >= 0)
		snprintf(why, len, "mode \"%s\": channel %d: %s differs", m->name, c + 1, what);
	else
		snprintf(why, len, "mode \"%s\": %s differs", m->name, what);
	return GL_EINVAL;
}

int fdef_compare(const struct fdef *a, const struct fdef *b, char *why, size_t len)
{
	if (a->mode_count != b->mode_count) {
		snprintf(why, len, "%d modes against %d", a->mode_count, b->mode_count);
		return GL_EINVAL;
	}
	if (fabsf(a->pan_range_deg - b->pan_range_deg) > 1e-3f ||
	    fabsf(a->tilt_range_deg - b->tilt_range_deg) > 1e-3f) {
		snprintf(why, len, "pan/tilt range differs");
		return GL_EINVAL;
	}
	for (int m = 0; m < a->mode_count; m++) {
		const struct fdef_mode *x = &a->modes[m], *y = &b->modes[m];

		if (strcmp(x->name, y->name) != 0)
			return fdef_differ(why, len, x, -1, "the name");
		if (x->channel_count != y->channel_count)
			return fdef_differ(why, len, x, -1, "the channel count");
		if (x->head_count != y->head_count)
			return fdef_differ(why, len, x, -1, "the head count");
		for (int h = 0; h < x->head_count; h++)
			if (x->heads[h].count != y->heads[h].count ||
			    memcmp(x->heads[h].channels, y->heads[h].channels,
				   (size_t)x->heads[h].count * sizeof(int)) != 0)
				return fdef_differ(why, len, x, -1, "a head");
		for (int c = 0; c < x->channel_count; c++) {
			const struct fdef_channel *p = &x->channels[c], *q = &y->channels[c];

			if (p->attr != q->attr)
				return fdef_differ(why, len, x, c, "the attribute");
			if (p->bytes != q->bytes || p->fine_slot[0] != q->fine_slot[0] ||
			    p->fine_slot[1] != q->fine_slot[1])
				return fdef_differ(why, len, x, c, "the resolution");
			if (fabsf(p->default_value - q->default_value) > 1e-5f ||
			    fabsf(p->home - q->home) > 1e-5f ||
			    fabsf(p->highlight - q->highlight) > 1e-5f)
				return fdef_differ(why, len, x, c, "a default/home/highlight");
			if (p->inverted != q->inverted || p->fixed != q->fixed)
				return fdef_differ(why, len, x, c, "invert/fixed");
			if (p->cap_count != q->cap_count)
				return fdef_differ(why, len, x, c, "the capability count");
			for (int k = 0; k < p->cap_count; k++) {
				const struct fdef_cap *u = &p->caps[k], *v = &q->caps[k];

				if (u->min != v->min || u->max != v->max || u->kind != v->kind ||
				    u->has_color != v->has_color)
					return fdef_differ(why, len, x, c, "a capability");
			}
		}
	}
	return 0;
}

/* ---- writing ---------------------------------------------------------------- */

static void fdef_put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\%03d", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void fdef_put_hex(FILE *out, const float rgb[3])
{
	int v[3];

	for (int i = 0; i < 3; i++) {
		float x = rgb[i] < 0 ? 0 : rgb[i] > 1 ? 1 : rgb[i];

		v[i] = (int)lroundf(x * 255.0f);
	}
	fprintf(out, "\"#%02x%02x%02x\"", v[0], v[1], v[2]);
}

static void fdef_write_channel(FILE *out, const struct fdef_channel *ch)
{
	bool plain = ch->bytes == 1 && !ch->name && !ch->fine_name &&
		     ch->default_value == 0.0f && ch->home < 0 && ch->highlight < 0 &&
		     !ch->inverted && !ch->fixed && ch->cap_count == 0;

	fputs("      ", out);
	if (plain) {
		fdef_put_str(out, gl_attr_name((enum gl_attr)ch->attr));
		fputs(",\n", out);
		return;
	}
	fputs("{ ", out);
	fdef_put_str(out, gl_attr_name((enum gl_attr)ch->attr));
	if (ch->bytes > 1)
		fprintf(out, ", bits = %d", ch->bytes * 8);
	if (ch->name) {
		fputs(", name = ", out);
		fdef_put_str(out, ch->name);
	}
	if (ch->fine_name) {
		fputs(", fine_name = ", out);
		fdef_put_str(out, ch->fine_name);
	}
	if (ch->ultra_name) {
		fputs(", ultra_name = ", out);
		fdef_put_str(out, ch->ultra_name);
	}
	for (int b = 1; b < ch->bytes; b++)
		if (ch->fine_slot[b - 1] >= 0)
			fprintf(out, ", %s = %d", b == 1 ? "fine" : "ultra",
				ch->fine_slot[b - 1] + 1);
	if (ch->default_value != 0.0f)
		fprintf(out, ", default = %.6g", ch->default_value);
	if (ch->home >= 0)
		fprintf(out, ", home = %.6g", ch->home);
	if (ch->highlight >= 0)
		fprintf(out, ", highlight = %.6g", ch->highlight);
	if (ch->inverted)
		fputs(", invert = true", out);
	if (ch->fixed)
		fputs(", fixed = true", out);
	if (ch->cap_count > 0) {
		fputs(",\n        caps = {\n", out);
		for (int k = 0; k < ch->cap_count; k++) {
			const struct fdef_cap *cap = &ch->caps[k];

			fprintf(out, "          { %d, %d", cap->min, cap->max);
			if (cap->name) {
				fputs(", ", out);
				fdef_put_str(out, cap->name);
			}
			if (cap->kind != FDEF_CAP_GENERIC)
				fprintf(out, ", kind = \"%s\"", fdef_cap_kind_name(cap->kind));
			if (cap->has_color) {
				fputs(", color = ", out);
				fdef_put_hex(out, cap->rgb);
			}
			fputs(" },\n", out);
		}
		fputs("        } },\n", out);
		return;
	}
	fputs(" },\n", out);
}

int fdef_write_lua(const struct fdef *def, FILE *out)
{
	fputs("-- ", out);
	if (def->source)
		fprintf(out, "Imported from %s by `ghostlight fixture import`. ", def->source);
	fputs("Format: README.md, \"Fixtures\".\n", out);
	fputs("return {\n  name = ", out);
	fdef_put_str(out, def->name ? def->name : "");
	fputs(",\n", out);
	if (def->manufacturer) {
		fputs("  manufacturer = ", out);
		fdef_put_str(out, def->manufacturer);
		fputs(",\n", out);
	}
	if (def->pan_range_deg > 0)
		fprintf(out, "  pan_range = %.6g,\n", def->pan_range_deg);
	if (def->tilt_range_deg > 0)
		fprintf(out, "  tilt_range = %.6g,\n", def->tilt_range_deg);
	if (def->weight_kg > 0 || def->power_w > 0 || def->beam_max_deg > 0 ||
	    def->emitter_count > 0) {
		fputs("  physical = {", out);
		if (def->weight_kg > 0)
			fprintf(out, " weight = %.6g,", def->weight_kg);
		if (def->power_w > 0)
			fprintf(out, " power = %.6g,", def->power_w);
		if (def->beam_max_deg > 0)
			fprintf(out, " beam = { %.6g, %.6g },", def->beam_min_deg, def->beam_max_deg);
		if (def->emitter_count > 0) {
			fputs(" emitters = {", out);
			for (int i = 0; i < def->emitter_count; i++) {
				fputs(" { ", out);
				fdef_put_str(out, def->emitters[i].name);
				fputs(", ", out);
				fdef_put_hex(out, def->emitters[i].rgb);
				fputs(" },", out);
			}
			fputs(" },", out);
		}
		fputs(" },\n", out);
	}
	fputs("  mode_order = {", out);
	for (int m = 0; m < def->mode_count; m++) {
		fputs(m ? ", " : " ", out);
		fdef_put_str(out, def->modes[m].name);
	}
	fputs(" },\n  modes = {\n", out);
	for (int m = 0; m < def->mode_count; m++) {
		const struct fdef_mode *mode = &def->modes[m];

		fputs("    [", out);
		fdef_put_str(out, mode->name);
		fputs("] = {\n", out);
		for (int c = 0; c < mode->channel_count; c++)
			fdef_write_channel(out, &mode->channels[c]);
		if (mode->head_count > 0) {
			fputs("      heads = {\n", out);
			for (int h = 0; h < mode->head_count; h++) {
				fputs("        {", out);
				for (int i = 0; i < mode->heads[h].count; i++)
					fprintf(out, "%s%d", i ? ", " : " ", mode->heads[h].channels[i] + 1);
				fputs(" },\n", out);
			}
			fputs("      },\n", out);
		}
		fputs("    },\n", out);
	}
	fputs("  },\n}\n", out);
	return ferror(out) ? GL_EIO : 0;
}

int fdef_save_lua(const struct fdef *def, const char *path, char *err, size_t err_len)
{
	char tmp[4096];
	FILE *f;
	int fd, rc;

	if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp) {
		snprintf(err, err_len, "%s: path too long", path);
		return GL_EIO;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return GL_EIO;
	}
	f = fdopen(fd, "w");
	if (!f) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return GL_EIO;
	}
	rc = fdef_write_lua(def, f);
	if (rc == 0 && fflush(f) != 0)
		rc = GL_EIO;
	if (rc == 0 && fsync(fileno(f)) != 0)
		rc = GL_EIO;
	if (fclose(f) != 0)
		rc = GL_EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = GL_EIO;
	if (rc != 0) {
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

/* ---- printing --------------------------------------------------------------- */

void fdef_print(const struct fdef *def, FILE *out)
{
	fprintf(out, "%s", def->name ? def->name : "?");
	if (def->manufacturer)
		fprintf(out, " (%s)", def->manufacturer);
	fputc('\n', out);
	if (def->pan_range_deg > 0 || def->tilt_range_deg > 0)
		fprintf(out, "  pan %g deg, tilt %g deg\n", def->pan_range_deg, def->tilt_range_deg);
	for (int m = 0; m < def->mode_count; m++) {
		const struct fdef_mode *mode = &def->modes[m];
		int *layout = malloc((size_t)mode->channel_count * 3 * sizeof *layout);
		char err[FDEF_ERR_MAX];

		fprintf(out, "mode \"%s\": %d slots, %d channels", mode->name,
			fdef_mode_slots(mode), mode->channel_count);
		if (mode->head_count)
			fprintf(out, ", %d heads", mode->head_count);
		fputc('\n', out);
		if (!layout || fdef_mode_layout(mode, layout, err, sizeof err) != 0) {
			fprintf(out, "  (%s)\n", layout ? err : "out of memory");
			free(layout);
			continue;
		}
		for (int c = 0; c < mode->channel_count; c++) {
			const struct fdef_channel *ch = &mode->channels[c];
			const int *sl = &layout[c * 3];
			int head = fdef_part_of(mode, c);
			char slots[40];

			/* "1-2" when the bytes follow each other, else "1,3" */
			if (ch->bytes > 1 && sl[ch->bytes - 1] == sl[0] + ch->bytes - 1)
				snprintf(slots, sizeof slots, "%d-%d", sl[0] + 1, sl[ch->bytes - 1] + 1);
			else if (ch->bytes == 2)
				snprintf(slots, sizeof slots, "%d,%d", sl[0] + 1, sl[1] + 1);
			else if (ch->bytes == 3)
				snprintf(slots, sizeof slots, "%d,%d,%d", sl[0] + 1, sl[1] + 1,
					 sl[2] + 1);
			else
				snprintf(slots, sizeof slots, "%d", sl[0] + 1);
			fprintf(out, "  %-7s %-12s %2d-bit", slots, gl_attr_name((enum gl_attr)ch->attr),
				ch->bytes * 8);
			if (head)
				fprintf(out, "  head %d", head);
			if (ch->name)
				fprintf(out, "  \"%s\"", ch->name);
			if (ch->default_value != 0.0f)
				fprintf(out, "  default %.3g", ch->default_value);
			if (ch->inverted)
				fputs("  inverted", out);
			if (ch->fixed)
				fputs("  fixed", out);
			if (ch->cap_count)
				fprintf(out, "  %d ranges", ch->cap_count);
			fputc('\n', out);
		}
		free(layout);
	}
}

void fdef_file_stem(const struct fdef *def, char *out, size_t len)
{
	char raw[256];
	size_t n = 0;
	bool dash = true;

	snprintf(raw, sizeof raw, "%s%s%s", def->manufacturer ? def->manufacturer : "",
		 def->manufacturer ? "-" : "", def->name ? def->name : "fixture");
	for (const char *p = raw; *p && n + 1 < len; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			out[n++] = c;
			dash = false;
		} else if (!dash) {
			out[n++] = '-';
			dash = true;
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (n == 0 && len > 8)
		n = (size_t)snprintf(out, len, "fixture");
	out[n] = '\0';
}
