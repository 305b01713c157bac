/*
 * resume.c - a running show's resume journal (see resume.h): the policy at
 * start, and the translation between the engine's live state (indexes)
 * and the journal's (names).
 *
 * A journal of another version of the show (its hash differs: the show
 * file, a fixture file or a module it requires was edited since) is still
 * used, matched by name: each cue list by its name, its cue by number,
 * faders by number, programmer values by fixture label and attribute.
 * What no longer exists is left out and named in the note; a list whose
 * cue is gone starts off. The operator is told the show changed.
 *
 * Control thread only.
 */
#include "resume.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nettle/sha2.h>

#include "journal.h"
#include "outputs/statedir.h"

struct param_name {
	int fixture;
	enum gl_attr attr;
};

struct gl_resume {
	struct gl_show *show;
	struct gl_engine *e;
	struct gl_journal *journal;
	char real_path[PATH_MAX];
	unsigned char hash[32];
	/* the engine's live state: the newest read, and the last journaled */
	struct gl_live_state live, last;
	bool have_last;
	struct journal_state js;        /* room for the show's lists, faders, params */
	struct param_name *param_names; /* per param */
	int *by_label;                  /* fixture ids sorted by label */
	uint64_t errors_reported;
};

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the show's version --------------------------------------------------- */

struct source_list {
	char **paths;
	int count, cap;
};

static void add_source(void *ud, const char *path)
{
	struct source_list *l = ud;
	if (l->count == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		char **p = realloc(l->paths, (size_t)cap * sizeof *p);
		if (!p)
			return;
		l->paths = p;
		l->cap = cap;
	}
	char *copy = strdup(path);
	if (copy)
		l->paths[l->count++] = copy;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hash_file(struct sha256_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "rbe");
	unsigned char buf[8192];
	size_t n;

	if (!f) {
		sha256_update(ctx, 11, (const uint8_t *)"unreadable");
		return;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(ctx, n, buf);
	fclose(f);
	sha256_update(ctx, 1, (const uint8_t *)"");   /* a file ends here */
}

void gl_resume_show_hash(struct gl_show *show, unsigned char hash[32])
{
	struct source_list l = { 0 };
	struct sha256_ctx ctx;

	gl_show_sources(show, add_source, &l);
	/* the show file first, then the rest in a fixed order (require()'s
	 * cache hands them out in hash-table order) */
	if (l.count > 1)
		qsort(l.paths + 1, (size_t)l.count - 1, sizeof *l.paths, cmp_str);
	sha256_init(&ctx);
	for (int i = 0; i < l.count; i++) {
		hash_file(&ctx, l.paths[i]);
		free(l.paths[i]);
	}
	free(l.paths);
	sha256_digest(&ctx, 32, hash);
}

/* ---- names <-> indexes ------------------------------------------------------- */

static const struct gl_engine *label_engine;   /* for qsort/bsearch */

static int cmp_label(const void *a, const void *b)
{
	return strcmp(gl_engine_fixture_label(label_engine, *(const int *)a),
		      gl_engine_fixture_label(label_engine, *(const int *)b));
}

static int cmp_key_label(const void *key, const void *b)
{
	return strcmp(key, gl_engine_fixture_label(label_engine, *(const int *)b));
}

static int fixture_by_label(struct gl_resume *r, const char *label)
{
	label_engine = r->e;
	const int *hit = bsearch(label, r->by_label, (size_t)gl_engine_fixture_count(r->e),
				 sizeof *r->by_label, cmp_key_label);
	return hit ? *hit : GL_ENOENT;
}

static int make_maps(struct gl_resume *r)
{
	struct gl_engine *e = r->e;
	int params = gl_engine_param_count(e), fixtures = gl_engine_fixture_count(e);
	r->param_names = calloc((size_t)(params ? params : 1), sizeof *r->param_names);
	r->by_label = malloc((size_t)(fixtures ? fixtures : 1) * sizeof *r->by_label);
	if (!r->param_names || !r->by_label)
		return GL_ENOMEM;
	for (int p = 0; p < params; p++)
		r->param_names[p].fixture = -1;
	for (int f = 0; f < fixtures; f++) {
		r->by_label[f] = f;
		for (int a = 0; a < GL_ATTR_COUNT; a++) {
			int p = gl_engine_param(e, f, (enum gl_attr)a);
			if (p >= 0 && r->param_names[p].fixture < 0)
				r->param_names[p] = (struct param_name){ f, (enum gl_attr)a };
		}
	}
	label_engine = e;
	qsort(r->by_label, (size_t)fixtures, sizeof *r->by_label, cmp_label);
	return 0;
}

static int alloc_live(struct gl_engine *e, struct gl_live_state *st)
{
	int lists = gl_engine_cuelist_count(e), faders = gl_engine_fader_count(e),
	    params = gl_engine_param_count(e);
	st->lists = calloc((size_t)(lists ? lists : 1), sizeof *st->lists);
	st->fader_levels = calloc((size_t)(faders ? faders : 1), sizeof *st->fader_levels);
	st->params = calloc((size_t)(params ? params : 1), sizeof *st->params);
	st->list_count = lists;
	st->fader_count = faders;
	return st->lists && st->fader_levels && st->params ? 0 : GL_ENOMEM;
}

static void free_live(struct gl_live_state *st)
{
	free(st->lists);
	free(st->fader_levels);
	free(st->params);
}

static const char *cue_text(const struct gl_engine *e, int list, int cue)
{
	return cue >= 0 ? gl_engine_cue(e, list, cue)->number_text : "";
}

/* The engine's state, as of wall clock `now`, in names. */
static void to_journal(struct gl_resume *r, const struct gl_live_state *live, uint64_t mono,
		       int64_t now, bool ended)
{
	struct journal_state *js = &r->js;
	struct gl_engine *e = r->e;

	js->ended = ended;
	js->written_ns = now;
	js->grand_master = live->grand_master;
	js->blackout = live->blackout;
	js->list_count = live->list_count;
	for (int i = 0; i < live->list_count; i++) {
		const struct gl_live_list *ll = &live->lists[i];
		struct journal_list *jl = &js->lists[i];
		snprintf(jl->name, sizeof jl->name, "%s", gl_engine_cuelist_name(e, i));
		jl->state = ll->state == GL_LIST_PAUSED ? JOURNAL_LIST_PAUSED
			    : ll->state == GL_LIST_RUNNING ? JOURNAL_LIST_RUNNING
							   : JOURNAL_LIST_OFF;
		snprintf(jl->active, sizeof jl->active, "%s", cue_text(e, i, ll->active));
		snprintf(jl->from, sizeof jl->from, "%s", cue_text(e, i, ll->from));
		jl->back = ll->back;
		jl->go_order = ll->go_order;
		jl->elapsed_ns = ll->elapsed_ns;
		if (ll->state == GL_LIST_RUNNING && mono > live->at_ns)
			jl->elapsed_ns += mono - live->at_ns;
		jl->master = ll->master;
	}
	js->fader_count = live->fader_count;
	for (int i = 0; i < live->fader_count; i++) {
		int number;
		gl_engine_fader_info(e, i, &number, NULL, NULL, NULL);
		js->faders[i] = (struct journal_fader){ number, live->fader_levels[i] };
	}
	js->param_count = 0;
	for (int i = 0; i < live->param_count; i++) {
		const struct param_name *pn = &r->param_names[live->params[i].param];
		struct journal_param *jp = &js->params[js->param_count];
		if (pn->fixture < 0)
			continue;
		snprintf(jp->fixture, sizeof jp->fixture, "%s", gl_engine_fixture_label(e, pn->fixture));
		snprintf(jp->attr, sizeof jp->attr, "%s", gl_attr_name(pn->attr));
		jp->value = live->params[i].value;
		js->param_count++;
	}
}

static void note_add(char *note, size_t len, const char *fmt, const char *what)
{
	size_t used = strlen(note);
	if (used + 1 < len)
		snprintf(note + used, len - used, fmt, what);
}

static int cue_by_text(const struct gl_engine *e, int list, const char *text)
{
	char *end;
	double number = strtod(text, &end);
	if (!text[0] || *end)
		return GL_ENOENT;
	return gl_engine_cue_find(e, list, number);
}

/* The journal's state, as of wall clock `now`, for the engine; what could
 * not be matched goes into missing ("list \"Old\", fader 9"). */
static void from_journal(struct gl_resume *r, const struct journal_state *js, int64_t now,
			 struct gl_live_state *live, char *missing, size_t missing_len)
{
	struct gl_engine *e = r->e;
	uint64_t since = now > js->written_ns ? (uint64_t)(now - js->written_ns) : 0;
	char what[GL_NAME_MAX + 64];

	missing[0] = '\0';
	live->grand_master = js->grand_master;
	live->blackout = js->blackout;
	for (int i = 0; i < live->list_count; i++)
		live->lists[i] = (struct gl_live_list){ GL_LIST_OFF, -1, -1, false, 0, 0, 1.0f };
	for (int i = 0; i < js->list_count; i++) {
		const struct journal_list *jl = &js->lists[i];
		int l = gl_engine_cuelist_find(e, jl->name);
		if (l < 0) {
			snprintf(what, sizeof what, "list \"%s\"", jl->name);
			note_add(missing, missing_len, "%s, ", what);
			continue;
		}
		struct gl_live_list *ll = &live->lists[l];
		ll->master = jl->master;
		ll->go_order = jl->go_order;
		if (jl->state == JOURNAL_LIST_OFF)
			continue;
		int active = cue_by_text(e, l, jl->active);
		if (active < 0) {
			snprintf(what, sizeof what, "cue %s of \"%s\"", jl->active, jl->name);
			note_add(missing, missing_len, "%s, ", what);
			continue;
		}
		ll->state = jl->state == JOURNAL_LIST_PAUSED ? GL_LIST_PAUSED : GL_LIST_RUNNING;
		ll->active = active;
		ll->from = jl->from[0] ? cue_by_text(e, l, jl->from) : -1;
		if (ll->from < 0)
			ll->from = -1;
		ll->back = jl->back;
		/* a running fade went on while ghostlight was away (the engine
		 * cuts it to the list's next wait or follow) */
		ll->elapsed_ns = jl->elapsed_ns;
		if (ll->state == GL_LIST_RUNNING)
			ll->elapsed_ns = since > UINT64_MAX - jl->elapsed_ns ? UINT64_MAX
									    : jl->elapsed_ns + since;
	}
	for (int i = 0; i < live->fader_count; i++) {
		int number;
		gl_engine_fader_info(e, i, &number, NULL, NULL, NULL);
		/* a fader the journal does not name keeps the show's level */
		live->fader_levels[i] = r->last.fader_levels[i];
		for (int k = 0; k < js->fader_count; k++)
			if (js->faders[k].number == number)
				live->fader_levels[i] = js->faders[k].level;
	}
	for (int k = 0; k < js->fader_count; k++) {
		bool found = false;
		for (int i = 0; i < live->fader_count && !found; i++) {
			int number;
			gl_engine_fader_info(e, i, &number, NULL, NULL, NULL);
			found = number == js->faders[k].number;
		}
		if (!found) {
			snprintf(what, sizeof what, "fader %d", (int)js->faders[k].number);
			note_add(missing, missing_len, "%s, ", what);
		}
	}
	live->param_count = 0;
	for (int k = 0; k < js->param_count; k++) {
		const struct journal_param *jp = &js->params[k];
		int f = fixture_by_label(r, jp->fixture), a = gl_attr_from_name(jp->attr);
		int p = f >= 0 && a >= 0 ? gl_engine_param(e, f, (enum gl_attr)a) : GL_ENOENT;
		if (p < 0 || live->param_count >= gl_engine_param_count(e)) {
			snprintf(what, sizeof what, "%s of \"%s\"", jp->attr, jp->fixture);
			note_add(missing, missing_len, "%s, ", what);
			continue;
		}
		live->params[live->param_count++] = (struct gl_live_param){ p, jp->value };
	}
	size_t n = strlen(missing);
	if (n >= 2 && missing[n - 2] == ',')
		missing[n - 2] = '\0';
}

/* "Main 3 (fading), FX 1 (paused)" */
static void describe(const struct gl_engine *e, const struct gl_live_state *live, char *buf,
		     size_t len)
{
	int shown = 0;
	buf[0] = '\0';
	for (int i = 0; i < live->list_count; i++) {
		const struct gl_live_list *ll = &live->lists[i];
		size_t used = strlen(buf);
		if (ll->state == GL_LIST_OFF || ll->active < 0)
			continue;
		if (shown++ == 3) {
			snprintf(buf + used, len - used, ", ...");
			break;
		}
		snprintf(buf + used, len - used, "%s%s cue %s%s", used ? ", " : "",
			 gl_engine_cuelist_name(e, i), gl_engine_cue(e, i, ll->active)->number_text,
			 ll->state == GL_LIST_PAUSED ? " (paused)" : "");
	}
	if (!shown)
		snprintf(buf, len, "every cue list off");
}

/* ---- the life cycle ------------------------------------------------------------ */

static void resume_free(struct gl_resume *r)
{
	if (!r)
		return;
	gl_journal_close(r->journal);
	free_live(&r->live);
	free_live(&r->last);
	journal_state_free(&r->js);
	free(r->param_names);
	free(r->by_label);
	free(r);
}

/* Starts the show without a journal (after saying why in note). */
static struct gl_resume *no_journal(struct gl_resume *r, struct gl_show *show)
{
	resume_free(r);
	gl_show_start(show);
	return NULL;
}

static void when_text(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000LL);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

struct gl_resume *gl_resume_start(struct gl_show *show, char *note, size_t note_len)
{
	struct gl_resume *r = calloc(1, sizeof *r);
	char dir[PATH_MAX - 32], err[PATH_MAX + 200], found_note[300];

	note[0] = '\0';
	if (!r) {
		snprintf(note, note_len, "no resume journal: out of memory");
		return no_journal(r, show);
	}
	r->show = show;
	r->e = gl_show_engine(show);
	if (alloc_live(r->e, &r->live) != 0 || alloc_live(r->e, &r->last) != 0 ||
	    journal_state_alloc(&r->js, gl_engine_cuelist_count(r->e), gl_engine_fader_count(r->e),
				gl_engine_param_count(r->e)) != 0 || make_maps(r) != 0) {
		snprintf(note, note_len, "no resume journal: out of memory");
		return no_journal(r, show);
	}
	if (!realpath(gl_show_path(show), r->real_path)) {
		snprintf(note, note_len, "no resume journal: %s: %s", gl_show_path(show),
			 strerror(errno));
		return no_journal(r, show);
	}
	if (gl_state_dir(dir, sizeof dir) != 0) {
		snprintf(note, note_len, "no resume journal: no state folder (HOME or "
			 "GHOSTLIGHT_STATE_DIR unset)");
		return no_journal(r, show);
	}
	strcat(dir, "/resume");
	r->journal = gl_journal_open(dir, r->real_path, NULL, err, sizeof err);
	if (!r->journal) {
		snprintf(note, note_len, "no resume journal this run: %s", err);
		return no_journal(r, show);
	}
	gl_resume_show_hash(show, r->hash);
	/* the export's first state is what the show starts with (its faders'
	 * levels, for those the journal does not name) */
	if (gl_engine_live_enable(r->e) != 0 || gl_engine_live_read(r->e, &r->last) != 1) {
		snprintf(note, note_len, "no resume journal: out of memory");
		return no_journal(r, show);
	}
	const struct journal_state *found = gl_journal_found(r->journal, found_note,
							     sizeof found_note);
	bool crashed = found && !found->ended && found->has_show &&
		       strncmp(found->path, r->real_path, sizeof found->path - 1) == 0;
	int list = -1, cue = -1;
	enum gl_show_resume policy = gl_show_resume(show, &list, &cue);
	char when[32], what[400], missing[400];

	if (crashed)
		when_text(found->written_ns, when, sizeof when);
	if (!crashed) {
		if (found_note[0])
			snprintf(note, note_len, "%s; the show starts from the top", found_note);
		gl_show_start(show);
	} else if (policy == GL_SHOW_RESUME_RESTART) {
		snprintf(note, note_len, "restarted after a crash (journal of %s), from the top "
			 "(resume = \"restart\")", when);
		gl_show_start(show);
	} else if (policy == GL_SHOW_RESUME_CUE) {
		gl_show_start(show);
		struct gl_cmd goto_cue = { GL_CMD_GOTO, list, cue, 0 };
		int rc = gl_engine_command(r->e, &goto_cue);
		snprintf(note, note_len, "restarted after a crash (journal of %s) at cue %s of "
			 "\"%s\" (resume = %s)%s%s", when, gl_engine_cue(r->e, list, cue)->number_text,
			 gl_engine_cuelist_name(r->e, list), gl_engine_cue(r->e, list, cue)->number_text,
			 rc ? ": " : "", rc ? gl_strerror(rc) : "");
	} else {
		int64_t now = wall_ns();
		from_journal(r, found, now, &r->live, missing, sizeof missing);
		int rc = gl_engine_restore(r->e, &r->live);
		if (rc == 0) {
			gl_show_discard_queued(show);
			gl_show_set_catch_up_since(show, (time_t)(found->written_ns / 1000000000LL));
			describe(r->e, &r->live, what, sizeof what);
			bool changed = memcmp(found->show_hash, r->hash, sizeof r->hash) != 0;
			snprintf(note, note_len, "resumed after a crash (journal of %s): %s%s%s%s%s%s",
				 when, what, changed ? "; the show file changed since, matched by name" : "",
				 missing[0] ? "; not found: " : "", missing,
				 found_note[0] ? "; " : "", found_note);
		} else {
			snprintf(note, note_len, "could not resume after a crash (%s): the show starts "
				 "from the top", gl_strerror(rc));
		}
		gl_show_start(show);
	}
	if (gl_journal_start_writer(r->journal, GL_RESUME_WRITE_INTERVAL_NS) != 0)
		snprintf(note + strlen(note), note_len - strlen(note), "%sresume journal: no "
			 "writer thread, writing on the control thread", note[0] ? "; " : "");
	return r;
}

/* The same state for a journal: cue, from, GO order and GO time of each
 * list (a running fade moves on by itself), masters, faders, programmer. */
static bool live_same(const struct gl_live_state *a, const struct gl_live_state *b)
{
	if (a->grand_master != b->grand_master || a->blackout != b->blackout ||
	    a->param_count != b->param_count)
		return false;
	for (int i = 0; i < a->list_count; i++) {
		const struct gl_live_list *x = &a->lists[i], *y = &b->lists[i];
		if (x->state != y->state || x->active != y->active || x->from != y->from ||
		    x->back != y->back || x->go_order != y->go_order || x->master != y->master)
			return false;
		if (x->state == GL_LIST_PAUSED && x->elapsed_ns != y->elapsed_ns)
			return false;
		if (x->state == GL_LIST_RUNNING &&
		    a->at_ns - x->elapsed_ns != b->at_ns - y->elapsed_ns)
			return false;
	}
	return memcmp(a->fader_levels, b->fader_levels,
		      (size_t)a->fader_count * sizeof *a->fader_levels) == 0 &&
	       memcmp(a->params, b->params, (size_t)a->param_count * sizeof *a->params) == 0;
}

static void submit(struct gl_resume *r, bool ended)
{
	memcpy(r->js.show_hash, r->hash, sizeof r->hash);
	size_t n = strnlen(r->real_path, sizeof r->js.path - 1);
	memcpy(r->js.path, r->real_path, n);   /* a longer path is cut: the key has it whole */
	r->js.path[n] = '\0';
	snprintf(r->js.show_name, sizeof r->js.show_name, "%s", gl_show_name(r->show));
	r->js.has_show = true;
	to_journal(r, &r->last, gl_now_ns(), wall_ns(), ended);
	gl_journal_submit(r->journal, &r->js);
}

bool gl_resume_poll(struct gl_resume *r, char *err, size_t err_len)
{
	if (!r)
		return false;
	if (gl_engine_live_read(r->e, &r->live) == 1 &&
	    !(r->have_last && live_same(&r->live, &r->last))) {
		gl_live_state_copy(&r->last, &r->live);
		r->have_last = true;
		submit(r, false);
	}
	struct gl_journal_stats s;
	gl_journal_stats(r->journal, &s);
	if (s.write_errors > r->errors_reported) {
		r->errors_reported = s.write_errors;
		snprintf(err, err_len, "resume journal: %s", s.last_error);
		return true;
	}
	return false;
}

void gl_resume_end(struct gl_resume *r, bool clean)
{
	char err[200];
	if (!r)
		return;
	gl_resume_poll(r, err, sizeof err);
	if (clean && r->have_last)
		submit(r, true);
	gl_journal_flush(r->journal);
	resume_free(r);
}
