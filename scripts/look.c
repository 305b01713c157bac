/*
 * look.c - selections and looks: from the names a show file uses to fixture
 * ids, and from attribute values to engine cue changes.
 *
 * Control thread, while a show is built; reads the engine only. Results are
 * deterministic whatever order Lua's pairs() gave the look entries in: the
 * entries are ordered (biggest selection first, then by name) and the last
 * value written to a param wins.
 */
#include "look.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "12" -> 12; false unless the whole of [s, s+len) is 1..6 digits. */
static bool look_parse_uint(const char *s, size_t len, int *out)
{
	int v = 0;

	if (len == 0 || len > 6)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static const struct look_patch *look_find_patch(const struct look_rig *rig,
						const char *base, size_t len)
{
	for (int i = 0; i < rig->patch_count; i++) {
		const struct look_patch *p = &rig->patches[i];

		if (strlen(p->base) == len && strncmp(p->base, base, len) == 0)
			return p;
	}
	return NULL;
}

/* Instances from..to (1-based) of a patch, every part of each. */
static int look_fill(int *out, int cap, const struct look_patch *p, int from, int to)
{
	int n = 0;
	int step = to >= from ? 1 : -1;

	for (int i = from;; i += step) {
		for (int k = 0; k < p->parts; k++) {
			if (n < cap)
				out[n] = p->first_fixture + (i - 1) * p->parts + k;
			n++;
		}
		if (i == to)
			break;
	}
	return n < cap ? n : cap;
}

/* "base N.H" or "base.H": head H of instance N. Returns 1 (fixture in
 * *out), 0 when sel is not of that shape, GL_ERANGE with err set. */
static int look_select_head(const struct look_rig *rig, const char *sel, int *out,
			    char *err, size_t err_len)
{
	const char *dot = strrchr(sel, '.'), *space;
	const struct look_patch *p;
	int instance = 1, head, heads;

	if (!dot || dot == sel || !look_parse_uint(dot + 1, strlen(dot + 1), &head))
		return 0;
	p = look_find_patch(rig, sel, (size_t)(dot - sel));
	if (p && p->count != 1)
		p = NULL;
	if (!p) {
		space = dot;
		while (space > sel && space[-1] != ' ')
			space--;
		if (space == sel || !look_parse_uint(space, (size_t)(dot - space), &instance))
			return 0;
		p = look_find_patch(rig, sel, (size_t)(space - 1 - sel));
		if (!p || p->count == 1)
			return 0;
	}
	heads = p->parts - (p->has_shared ? 1 : 0);
	if (p->parts == 1)
		return 0;                   /* not a multi-head patch */
	if (instance < 1 || instance > p->count || head < 1 || head > heads) {
		snprintf(err, err_len, "selection \"%s\": patch \"%s\" has fixtures 1..%d "
			 "with heads 1..%d", sel, p->base, p->count, heads);
		return GL_ERANGE;
	}
	*out = p->first_fixture + (instance - 1) * p->parts + (p->has_shared ? 1 : 0) + head - 1;
	return 1;
}

int look_select(const struct look_rig *rig, const char *sel, int *out, int cap,
		char *err, size_t err_len)
{
	const struct gl_engine *e = rig->engine;
	const struct look_patch *p;
	const char *space, *dash;
	int group, from, to;

	group = gl_engine_group_find(e, sel);
	if (group >= 0) {
		const int *members;
		int n = gl_engine_group_members(e, group, &members);

		n = n < cap ? n : cap;
		memcpy(out, members, (size_t)n * sizeof *out);
		return n;
	}
	/* Every fixture label is made by a patch ("base N", or "base" for a
	 * single fixture) and labels are unique, so the patch table resolves
	 * labels too, without a scan of every fixture per look entry. */
	p = look_find_patch(rig, sel, strlen(sel));
	if (p)
		return look_fill(out, cap, p, 1, p->count);

	/* "base N" or "base A-B" */
	space = strrchr(sel, ' ');
	if (space && space > sel) {
		const char *num = space + 1;

		dash = strchr(num, '-');
		if (dash ? look_parse_uint(num, (size_t)(dash - num), &from) &&
			   look_parse_uint(dash + 1, strlen(dash + 1), &to)
			 : look_parse_uint(num, strlen(num), &from)) {
			if (!dash)
				to = from;
			p = look_find_patch(rig, sel, (size_t)(space - sel));
			if (p) {
				if (from < 1 || to < 1 || from > p->count || to > p->count) {
					snprintf(err, err_len, "selection \"%s\": patch \"%s\" "
						 "has fixtures 1..%d", sel, p->base, p->count);
					return GL_ERANGE;
				}
				return look_fill(out, cap, p, from, to);
			}
		}
	}
	if (cap > 0) {
		int rc = look_select_head(rig, sel, out, err, err_len);

		if (rc != 0)
			return rc;
	}
	snprintf(err, err_len, "unknown selection \"%s\" (not a group, fixture label "
		 "or patch)", sel);
	return GL_ENOENT;
}

/* ---- looks ----------------------------------------------------------------- */

struct look_scratch {
	int *fixtures;          /* fixture_count */
	float *values;          /* param_count */
	unsigned char *set;     /* param_count */
	int *order;             /* entry count */
	int *sizes;             /* entry count */
};

static void look_scratch_free(struct look_scratch *s)
{
	free(s->fixtures);
	free(s->values);
	free(s->set);
	free(s->order);
	free(s->sizes);
}

static void look_put(struct look_scratch *s, int param, float v)
{
	s->values[param] = v;
	s->set[param] = 1;
}

/* Applies one value to one fixture. Returns 1 when the fixture has it, 0
 * when it lacks it, GL_ERANGE (message in err) for a pan/tilt it cannot
 * reach. */
static int look_apply(const struct look_rig *rig, struct look_scratch *s, int f,
		      const struct look_value *v, const char *sel, char *err, size_t err_len)
{
	const struct gl_engine *e = rig->engine;
	const struct gl_fixture_type *t = gl_engine_fixture_type(e, f);
	int param;

	if (v->attr == LOOK_COLOR) {
		float out[GL_ATTR_COUNT];
		bool has[GL_ATTR_COUNT] = { false };
		int hits = 0;

		if (gl_color_mix(t, v->value[0], v->value[1], v->value[2], out, has) <= 0) {
			/* no emitters: the colour wheel's nearest slot */
			const struct fdef_part *part = rig->fixture_part ? rig->fixture_part[f] : NULL;
			int slot;

			param = gl_engine_param(e, f, GL_ATTR_COLOR_WHEEL);
			if (!part || part->wheel_count == 0 || param < 0)
				return 0;
			slot = fdef_nearest_color((const float (*)[3])part->wheel_rgb,
						  part->wheel_count, v->value[0], v->value[1],
						  v->value[2]);
			look_put(s, param, part->wheel_value[slot]);
			return 1;
		}
		for (int a = 0; a < GL_ATTR_COUNT; a++) {
			if (!has[a] || (param = gl_engine_param(e, f, (enum gl_attr)a)) < 0)
				continue;
			look_put(s, param, out[a]);
			hits++;
		}
		return hits > 0;
	}
	param = gl_engine_param(e, f, (enum gl_attr)v->attr);
	if (param < 0)
		return 0;
	if (v->range) {
		const struct fdef_part *part = rig->fixture_part ? rig->fixture_part[f] : NULL;
		float value;

		if (!part || fdef_part_named(part, v->attr, v->range, &value) != 0)
			return 0;
		look_put(s, param, value);
		return 1;
	}
	if (v->attr == GL_ATTR_PAN || v->attr == GL_ATTR_TILT) {
		double range = v->attr == GL_ATTR_PAN ? t->pan_range_deg : t->tilt_range_deg;
		double norm;

		if (range <= 0.0)
			return 0;
		norm = v->value[0] / range + 0.5;
		if (norm < -1e-9 || norm > 1.0 + 1e-9) {
			snprintf(err, err_len, "\"%s\": %s %g is outside the range of \"%s\" "
				 "(%g..%g degrees)", sel, gl_attr_name((enum gl_attr)v->attr),
				 v->value[0], gl_engine_fixture_label(e, f), -range / 2, range / 2);
			return GL_ERANGE;
		}
		look_put(s, param, (float)(norm < 0.0 ? 0.0 : norm > 1.0 ? 1.0 : norm));
		return 1;
	}
	look_put(s, param, v->value[0]);
	return 1;
}

static int look_apply_entry(const struct look_rig *rig, struct look_scratch *s,
			    const struct look_entry *entry, char *err, size_t err_len)
{
	const struct gl_engine *e = rig->engine;
	int n = look_select(rig, entry->selection, s->fixtures,
			    gl_engine_fixture_count(e), err, err_len);

	if (n < 0)
		return n;
	/* Pass 0: colour; pass 1: explicit attributes, so "red = 1" beside a
	 * colour overrides what the mix gave red. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < entry->value_count; i++) {
			const struct look_value *v = &entry->values[i];
			int hits = 0;

			if ((v->attr == LOOK_COLOR) != (pass == 0))
				continue;
			for (int k = 0; k < n; k++) {
				int rc = look_apply(rig, s, s->fixtures[k], v, entry->selection,
						    err, err_len);

				if (rc < 0)
					return rc;
				hits += rc;
			}
			if (hits > 0)
				continue;
			if (v->attr == LOOK_COLOR)
				snprintf(err, err_len, "\"%s\": no fixture in the selection has "
					 "colour emitters or a colour wheel", entry->selection);
			else if (v->range)
				snprintf(err, err_len, "\"%s\": no fixture in the selection has "
					 "a '%s' range named \"%s\"", entry->selection,
					 gl_attr_name((enum gl_attr)v->attr), v->range);
			else
				snprintf(err, err_len, "\"%s\": no fixture in the selection has "
					 "attribute '%s'", entry->selection,
					 gl_attr_name((enum gl_attr)v->attr));
			return GL_EINVAL;
		}
	}
	return 0;
}

int look_build(const struct look_rig *rig, const struct look_entry *entries, int count,
	       struct gl_cue_change **changes, char *err, size_t err_len)
{
	const struct gl_engine *e = rig->engine;
	int fixture_count = gl_engine_fixture_count(e);
	int param_count = gl_engine_param_count(e);
	struct look_scratch s = { 0 };
	struct gl_cue_change *out;
	int n = 0, rc = 0;

	*changes = NULL;
	s.fixtures = malloc((size_t)(fixture_count > 0 ? fixture_count : 1) * sizeof *s.fixtures);
	s.values = malloc((size_t)(param_count > 0 ? param_count : 1) * sizeof *s.values);
	s.set = calloc((size_t)(param_count > 0 ? param_count : 1), 1);
	s.order = malloc((size_t)(count > 0 ? count : 1) * sizeof *s.order);
	s.sizes = malloc((size_t)(count > 0 ? count : 1) * sizeof *s.sizes);
	if (!s.fixtures || !s.values || !s.set || !s.order || !s.sizes) {
		snprintf(err, err_len, "out of memory");
		rc = GL_ENOMEM;
		goto done;
	}
	for (int i = 0; i < count; i++) {
		s.sizes[i] = look_select(rig, entries[i].selection, s.fixtures, fixture_count,
					 err, err_len);
		if (s.sizes[i] < 0) {
			rc = s.sizes[i];
			goto done;
		}
		/* Insertion sort: biggest selection first, then by name. */
		int j = i;
		while (j > 0) {
			int prev = s.order[j - 1];
			bool before = s.sizes[prev] < s.sizes[i] ||
				      (s.sizes[prev] == s.sizes[i] &&
				       strcmp(entries[prev].selection, entries[i].selection) > 0);

			if (!before)
				break;
			s.order[j] = prev;
			j--;
		}
		s.order[j] = i;
	}
	for (int i = 0; i < count; i++) {
		rc = look_apply_entry(rig, &s, &entries[s.order[i]], err, err_len);
		if (rc < 0)
			goto done;
	}
	for (int p = 0; p < param_count; p++)
		n += s.set[p];
	out = malloc((size_t)(n > 0 ? n : 1) * sizeof *out);
	if (!out) {
		snprintf(err, err_len, "out of memory");
		rc = GL_ENOMEM;
		goto done;
	}
	n = 0;
	for (int p = 0; p < param_count; p++) {
		if (s.set[p]) {
			out[n].param = p;
			out[n].value = s.values[p];
			n++;
		}
	}
	*changes = out;
	rc = n;
done:
	look_scratch_free(&s);
	return rc;
}
