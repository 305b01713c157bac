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
#include "show.h"

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

/* Binary search: rig->patches is sorted by base. */
static const struct look_patch *look_find_patch(const struct look_rig *rig,
						const char *base, size_t len)
{
	int lo = 0, hi = rig->patch_count - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const char *name = rig->patches[mid].base;
		int c = strncmp(name, base, len);

		if (c == 0 && name[len] != '\0')
			c = 1;          /* longer than the key: after it */
		if (c == 0)
			return &rig->patches[mid];
		if (c > 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct look_patch *look_patch_find(const struct look_rig *rig, const char *base)
{
	return look_find_patch(rig, base, strlen(base));
}

static int look_find_group(const struct look_rig *rig, const char *name)
{
	int lo = 0, hi = gl_engine_group_count(rig->engine) - 1;

	if (!rig->groups)
		return gl_engine_group_find(rig->engine, name);
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(name, gl_engine_group_name(rig->engine, rig->groups[mid]));

		if (c == 0)
			return rig->groups[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return GL_ENOENT;
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

	group = look_find_group(rig, sel);
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

/* What look_build() works in. Sized by the rig, reused for every cue of a
 * build (rig->work), so a cue costs what it selects, not the whole rig:
 * the params a look sets are listed in `touched` as they are set, and only
 * those are sorted, copied out and cleared. */
struct look_work {
	int fixture_count, param_count;
	int *fixtures;          /* fixture_count: a selection */
	float *values;          /* param_count */
	unsigned char *set;     /* param_count; all 0 between builds */
	int *touched;           /* param_count: the params set, in order of setting */
	int touched_count;
	int *order, *sizes;     /* per entry, entry_cap of each */
	int entry_cap;
};

struct look_work *look_work_create(const struct gl_engine *e)
{
	struct look_work *w = calloc(1, sizeof *w);
	size_t nf = (size_t)gl_engine_fixture_count(e), np = (size_t)gl_engine_param_count(e);

	if (!w)
		return NULL;
	w->fixture_count = (int)nf;
	w->param_count = (int)np;
	w->fixtures = malloc((nf ? nf : 1) * sizeof *w->fixtures);
	w->values = malloc((np ? np : 1) * sizeof *w->values);
	w->set = calloc(np ? np : 1, 1);
	w->touched = malloc((np ? np : 1) * sizeof *w->touched);
	if (!w->fixtures || !w->values || !w->set || !w->touched) {
		look_work_destroy(w);
		return NULL;
	}
	return w;
}

void look_work_destroy(struct look_work *w)
{
	if (!w)
		return;
	free(w->fixtures);
	free(w->values);
	free(w->set);
	free(w->touched);
	free(w->order);
	free(w->sizes);
	free(w);
}

static void look_put(struct look_work *s, int param, float v)
{
	if (!s->set[param]) {
		s->set[param] = 1;
		s->touched[s->touched_count++] = param;
	}
	s->values[param] = v;
}

/* Applies one value to one fixture. Returns 1 when the fixture has it, 0
 * when it lacks it, GL_ERANGE (message in err) for a pan/tilt it cannot
 * reach. */
static int look_apply(const struct look_rig *rig, struct look_work *s, int f,
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
		float value;
		int rc = gl_show_degrees_value(t, (enum gl_attr)v->attr, v->value[0], &value);

		if (rc == GL_ENOENT)
			return 0;
		if (rc != 0) {
			snprintf(err, err_len, "\"%s\": %s %g is outside the range of \"%s\" "
				 "(%g..%g degrees)", sel, gl_attr_name((enum gl_attr)v->attr),
				 v->value[0], gl_engine_fixture_label(e, f), -range / 2, range / 2);
			return GL_ERANGE;
		}
		look_put(s, param, value);
		return 1;
	}
	look_put(s, param, v->value[0]);
	return 1;
}

int gl_show_degrees_value(const struct gl_fixture_type *t, enum gl_attr attr, double degrees,
			  float *value)
{
	double range = attr == GL_ATTR_PAN ? t->pan_range_deg
		       : attr == GL_ATTR_TILT ? t->tilt_range_deg : 0.0;
	/* a look holds its value as a float (struct look_value) */
	double norm = (double)(float)degrees / range + 0.5;

	if (range <= 0.0)
		return GL_ENOENT;
	if (!(norm >= -1e-9 && norm <= 1.0 + 1e-9))
		return GL_ERANGE;
	*value = (float)(norm < 0.0 ? 0.0 : norm > 1.0 ? 1.0 : norm);
	return 0;
}

static int look_apply_entry(const struct look_rig *rig, struct look_work *s,
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

static int look_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

struct look_order {
	const struct look_entry *entries;
	const int *sizes;
};

/* Biggest selection first, then by name (selections are unique keys). */
static int look_cmp_entry(const void *a, const void *b, void *ctx)
{
	const struct look_order *o = ctx;
	int i = *(const int *)a, j = *(const int *)b;

	if (o->sizes[i] != o->sizes[j])
		return o->sizes[i] > o->sizes[j] ? -1 : 1;
	return strcmp(o->entries[i].selection, o->entries[j].selection);
}

static int look_build_in(const struct look_rig *rig, struct look_work *s,
			 const struct look_entry *entries, int count,
			 struct gl_cue_change **changes, char *err, size_t err_len)
{
	struct gl_cue_change *out;
	int n, rc = 0;

	if (count > s->entry_cap) {
		int *order = realloc(s->order, (size_t)count * sizeof *order);
		int *sizes = order ? realloc(s->sizes, (size_t)count * sizeof *sizes) : NULL;

		if (order)
			s->order = order;
		if (sizes)
			s->sizes = sizes;
		if (!order || !sizes) {
			snprintf(err, err_len, "out of memory");
			return GL_ENOMEM;
		}
		s->entry_cap = count;
	}
	for (int i = 0; i < count; i++) {
		s->sizes[i] = look_select(rig, entries[i].selection, s->fixtures, s->fixture_count,
					  err, err_len);
		if (s->sizes[i] < 0)
			return s->sizes[i];
		s->order[i] = i;
	}
	if (count > 1)
		qsort_r(s->order, (size_t)count, sizeof *s->order, look_cmp_entry,
			&(struct look_order){ entries, s->sizes });
	for (int i = 0; i < count && rc == 0; i++)
		rc = look_apply_entry(rig, s, &entries[s->order[i]], err, err_len);
	if (rc < 0)
		return rc;
	/* one change per param, in param order */
	n = s->touched_count;
	qsort(s->touched, (size_t)n, sizeof *s->touched, look_cmp_int);
	out = malloc((size_t)(n > 0 ? n : 1) * sizeof *out);
	if (!out) {
		snprintf(err, err_len, "out of memory");
		return GL_ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		out[i].param = s->touched[i];
		out[i].value = s->values[s->touched[i]];
	}
	*changes = out;
	return n;
}

int look_build(const struct look_rig *rig, const struct look_entry *entries, int count,
	       struct gl_cue_change **changes, char *err, size_t err_len)
{
	struct look_work *s = rig->work ? rig->work : look_work_create(rig->engine);
	int rc;

	*changes = NULL;
	if (!s) {
		snprintf(err, err_len, "out of memory");
		return GL_ENOMEM;
	}
	s->touched_count = 0;
	rc = look_build_in(rig, s, entries, count, changes, err, err_len);
	for (int i = 0; i < s->touched_count; i++)
		s->set[s->touched[i]] = 0;
	s->touched_count = 0;
	if (s != rig->work)
		look_work_destroy(s);
	return rc;
}
