/*
 * show_print.c - gl_show_print(): the show as `ghostlight check` prints it
 * (show, universes, patch, groups, cue lists, faders, outputs, warnings).
 *
 * Control thread; reads the built engine and the declarations only.
 * Names, labels and paths are the show's: each is printed through
 * sandbox_escape(), so none can drive the terminal or forge a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show_internal.h"

#define PRINT_SAFE_MAX (4 * SHOW_PATH_MAX + 1)   /* an escape: at most 4 bytes a byte */
#define PRINT_NAMES_LEN 256

static const char *print_safe(const char *text, char *buf, size_t len)
{
	snprintf(buf, len, "%s", text);
	sandbox_escape(buf, len);
	return buf;
}

/* Text from the show, escaped, good until the end of the statement. */
#define SAFE(text) print_safe((text), (char[PRINT_SAFE_MAX]){ 0 }, PRINT_SAFE_MAX)

/* Per engine universe: the outputs that send it ("sacn \"house\", ..."),
 * "" when none; made in one pass over the outputs. NULL when out of
 * memory. The caller frees it. */
static char (*print_output_names(const struct gl_show *s))[PRINT_NAMES_LEN]
{
	const struct gl_engine *e = s->engine;
	int n = gl_engine_universe_count(e);
	char (*names)[PRINT_NAMES_LEN] = calloc((size_t)n + 1, sizeof *names);
	int *index = malloc((GL_UNIVERSE_MAX + 1) * sizeof *index);

	if (!names || !index) {
		free(names);
		free(index);
		return NULL;
	}
	for (int u = 0; u <= GL_UNIVERSE_MAX; u++)
		index[u] = -1;
	for (int u = 0; u < n; u++)
		index[gl_engine_universe_number(e, u)] = u;
	for (int i = 0; i < s->outputs.count; i++) {
		const struct show_output *o = SHOW_AT(s->outputs, struct show_output, i);

		for (int k = 0; k < o->cfg.universe_count; k++) {
			int u = index[o->cfg.universes[k]];
			size_t used;

			if (u < 0)
				continue;
			used = strlen(names[u]);
			if (used < PRINT_NAMES_LEN - 1)
				snprintf(names[u] + used, PRINT_NAMES_LEN - used, "%s%s \"%s\"",
					 used ? ", " : "", o->cfg.type, o->cfg.name);
		}
	}
	free(index);
	return names;
}

static void print_continue(const struct gl_cue_def *d, char *buf, size_t len)
{
	switch (d->continue_mode) {
	case GL_CONTINUE_WAIT:
		snprintf(buf, len, "wait %gs", d->wait_s);
		break;
	case GL_CONTINUE_FOLLOW:
		if (d->wait_s > 0)
			snprintf(buf, len, "follow +%gs", d->wait_s);
		else
			snprintf(buf, len, "follow");
		break;
	default:
		snprintf(buf, len, "manual");
		break;
	}
}

static void print_patch(const struct gl_show *s, FILE *out)
{
	const struct gl_engine *e = s->engine;

	fprintf(out, "\npatch (%d fixtures):\n", gl_engine_fixture_count(e));
	fprintf(out, "  %-20s %-32s %-10s %s\n", "label", "type", "address", "footprint");
	for (int i = 0; i < s->patches.count; i++) {
		const struct show_patch *p = SHOW_AT(s->patches, struct show_patch, i);
		const struct show_type *t = SHOW_AT(s->types, struct show_type, p->type_index);
		char type[FIXTURE_TYPE_NAME_MAX + FIXTURE_MODE_MAX + 4];

		int heads = t->part_count - (t->has_shared ? 1 : 0);
		size_t used;

		if (t->mode[0])
			used = (size_t)snprintf(type, sizeof type, "%s (%s)", t->name, t->mode);
		else
			used = (size_t)snprintf(type, sizeof type, "%s", t->name);
		if (t->part_count > 1 && used < sizeof type)
			snprintf(type + used, sizeof type - used, " [%d heads]", heads);
		for (int k = 0; k < p->count; k++) {
			int f = p->first_fixture + k * t->part_count, u, a;
			char address[24], label[GL_NAME_MAX + 16];

			gl_engine_fixture_address(e, f, &u, &a);
			snprintf(address, sizeof address, "%d.%d", u, a);
			/* a multi-head instance: its own label, whichever part is first */
			if (p->count == 1)
				snprintf(label, sizeof label, "%s", p->base);
			else
				snprintf(label, sizeof label, "%s %d", p->base, k + 1);
			fprintf(out, "  %-20s %-32s %-10s %d\n", SAFE(label), SAFE(type), address,
				t->slots);
		}
	}
}

static void print_groups(const struct gl_show *s, FILE *out)
{
	const struct gl_engine *e = s->engine;

	if (gl_engine_group_count(e) == 0)
		return;
	fprintf(out, "\ngroups:\n");
	for (int g = 0; g < gl_engine_group_count(e); g++) {
		const int *members;
		int n = gl_engine_group_members(e, g, &members);

		fprintf(out, "  %s (%d):", SAFE(gl_engine_group_name(e, g)), n);
		for (int i = 0; i < n; i++)
			fprintf(out, "%s %s", i ? "," : "", SAFE(gl_engine_fixture_label(e, members[i])));
		fprintf(out, "\n");
	}
}

static void print_lists(const struct gl_show *s, FILE *out)
{
	const struct gl_engine *e = s->engine;

	for (int l = 0; l < gl_engine_cuelist_count(e); l++) {
		const struct show_list *decl = SHOW_AT(s->lists, struct show_list, l);

		char how[64] = "";     /* chase, timecode (show_effects.c) */
		if (decl->chase_step_s > 0)
			snprintf(how, sizeof how, " (chase: a step %gs, crossfade %g%%)",
				 decl->chase_step_s, decl->chase_xfade * 100);
		else if (decl->timecode)
			snprintf(how, sizeof how, " (timecode %s)", decl->timecode == SHOW_TC_INTERNAL
				 ? "internal" : decl->mtc ? "mtc" : "external");
		fprintf(out, "\ncuelist \"%s\"%s%s, %d cues:\n", SAFE(gl_engine_cuelist_name(e, l)),
			decl->loop ? " (loop)" : "", how, gl_engine_cue_count(e, l));
		fprintf(out, "  %-6s %-20s %7s %7s %7s %7s  %-12s %s\n", "cue", "label", "in",
			"out", "delay", "d.out", "continue", "changes");
		for (int c = 0; c < gl_engine_cue_count(e, l); c++) {
			const struct gl_cue_def *d = gl_engine_cue(e, l, c);
			char cont[32];

			print_continue(d, cont, sizeof cont);
			fprintf(out, "  %-6s %-20s %6gs %6gs %6gs %6gs  %-12s %d%s\n", d->number_text,
				SAFE(d->label), d->fade_in_s, d->fade_out_s, d->delay_in_s, d->delay_out_s,
				cont, d->change_count, d->curve == GL_CURVE_S ? " (s-curve)" : "");
			if (decl->timecode)
				fprintf(out, "  %-6s   at %gs\n", "",
					SHOW_AT(s->cues, struct show_cue, decl->cues[c])->tc_s);
			for (int k = GL_CLASS_COLOR; k < GL_CLASS_COUNT; k++) {
				const struct gl_class_time *t = &d->class_time[k];

				if (t->fade_s < 0 && t->delay_s < 0)
					continue;
				fprintf(out, "  %-6s   %s:", "", gl_class_name((enum gl_attr_class)k));
				if (t->fade_s >= 0)
					fprintf(out, " fade %gs", t->fade_s);
				if (t->delay_s >= 0)
					fprintf(out, " delay %gs", t->delay_s);
				fprintf(out, "\n");
			}
		}
	}
}

static void print_faders(const struct gl_show *s, FILE *out)
{
	const struct gl_engine *e = s->engine;

	if (gl_engine_fader_count(e) == 0)
		return;
	fprintf(out, "\nfaders:\n");
	for (int i = 0; i < gl_engine_fader_count(e); i++) {
		const struct show_fader *decl = SHOW_AT(s->faders, struct show_fader, i);
		enum gl_fader_kind kind;
		const char *label;
		int number, target;

		gl_engine_fader_info(e, i, &number, &kind, &target, &label);
		static const char *const kinds[] = { "group", "cuelist", "audio", "effect", "rate of" };
		fprintf(out, "  %-3d %-8s %-20s \"%s\", level %g\n", number, kinds[kind],
			SAFE(kind == GL_FADER_GROUP ? gl_engine_group_name(e, target)
			     : kind == GL_FADER_CUELIST ? gl_engine_cuelist_name(e, target)
			     : kind == GL_FADER_EXTERNAL ? "master"
			     : gl_engine_effect(e, target)->name),
			SAFE(label), decl->level);
	}
}

static void print_inputs(const struct gl_engine *e, FILE *out)
{
	if (gl_engine_input_count(e) == 0)
		return;
	fprintf(out, "\ninputs:\n");
	for (int i = 0; i < gl_engine_input_count(e); i++) {
		int number, merge;

		gl_engine_input_info(e, i, &number, &merge);
		if (merge)
			fprintf(out, "  universe %d, merged HTP into universe %d\n", number, merge);
		else
			fprintf(out, "  universe %d (not merged)\n", number);
	}
}

static void print_outputs(const struct gl_show *s, FILE *out)
{
	fprintf(out, "\noutputs:\n");
	if (s->outputs.count == 0)
		fprintf(out, "  (none)\n");
	for (int i = 0; i < s->outputs.count; i++) {
		const struct show_output *o = SHOW_AT(s->outputs, struct show_output, i);

		fprintf(out, "  %-12s %-8s universes", SAFE(o->cfg.name), SAFE(o->cfg.type));
		for (int u = 0; u < o->cfg.universe_count; u++)
			fprintf(out, "%s%d", u ? "," : " ", o->cfg.universes[u]);
		for (int k = 0; k < o->cfg.option_count; k++)
			fprintf(out, "%s%s=%s", k ? " " : "  ", SAFE(o->cfg.options[k].key),
				SAFE(o->cfg.options[k].value));
		fprintf(out, "\n");
	}
	/* video_target { ... }: options as given, the name first, a password
	 * only as "set" */
	for (int i = 0; i < s->declarations.count; i++) {
		const struct show_declaration *d = SHOW_AT(s->declarations, struct show_declaration, i);
		const struct gl_control_ops *ops = gl_control_find(d->adapter);

		if (i == 0)
			fprintf(out, "\n%s:\n", ops ? ops->declaration_function : d->adapter);
		fprintf(out, "  %-12s", SAFE(d->name));
		for (int k = 1; k < d->option_count; k++)
			fprintf(out, " %s=%s", SAFE(d->options[k].key),
				strcmp(d->options[k].key, "password") == 0 ? "(set)"
				: SAFE(d->options[k].value));
		fprintf(out, "\n");
	}
}

void gl_show_print(const struct gl_show *s, FILE *out)
{
	const struct gl_engine *e;
	char (*names)[PRINT_NAMES_LEN];
	unsigned char *has_fixtures;
	int warnings = 0;

	if (!s || !out)
		return;
	e = s->engine;
	fprintf(out, "show \"%s\" (%s)\n", SAFE(s->name), SAFE(s->path));
	fprintf(out, "  rate %g Hz, back time %gs, release time %gs, output delay %g ms\n",
		gl_engine_rate_hz(e), s->back_time_s < 0 ? 1.0 : s->back_time_s,
		s->release_time_s, s->output_delay_s * 1000.0);
	names = print_output_names(s);
	if (!names) {
		fprintf(out, "  (out of memory)\n");
		return;
	}
	fprintf(out, "  universes:");
	for (int u = 0; u < gl_engine_universe_count(e); u++)
		fprintf(out, "%s %d (%s)", u ? "," : "", gl_engine_universe_number(e, u),
			names[u][0] ? SAFE(names[u]) : "no output");
	fprintf(out, "\n");
	print_patch(s, out);
	print_groups(s, out);
	print_lists(s, out);
	show_fx_print(s, out);
	print_faders(s, out);
	print_inputs(e, out);
	print_outputs(s, out);
	show_audio_print(s, out);

	/* by universe number: one pass over the patch, not one per universe */
	has_fixtures = calloc(GL_UNIVERSE_MAX + 1, 1);
	for (int i = 0; has_fixtures && i < s->patches.count; i++)
		has_fixtures[SHOW_AT(s->patches, struct show_patch, i)->universe] = 1;
	for (int u = 0; has_fixtures && u < gl_engine_universe_count(e); u++) {
		int number = gl_engine_universe_number(e, u);

		if (has_fixtures[number] && !names[u][0]) {
			if (warnings++ == 0)
				fprintf(out, "\nwarnings:\n");
			fprintf(out, "  universe %d has fixtures but no output sends it\n", number);
		}
	}
	/* what an importer accepted (a QLC+ channel name defined twice), once
	 * per file however many modes of it are patched */
	for (int i = 0; i < s->types.count; i++) {
		const struct show_type *t = SHOW_AT(s->types, struct show_type, i);
		bool again = false;

		if (t->warning_count == 0)
			continue;
		for (int j = 0; j < i && !again; j++)
			again = strcmp(SHOW_AT(s->types, struct show_type, j)->path, t->path) == 0;
		if (again)
			continue;
		if (warnings++ == 0)
			fprintf(out, "\nwarnings:\n");
		fprintf(out, "  fixture type \"%s\": %s", t->name, t->warning);
		if (t->warning_count > 1)
			fprintf(out, " (and %d more: ghostlight fixture show %s)", t->warning_count - 1,
				t->path);
		fprintf(out, "\n");
	}
	free(has_fixtures);
	free(names);
}
