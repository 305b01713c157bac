/*
 * fixture_cmd.c - `ghostlight fixture import FILE... [--out DIR]` (QLC+ .qxf
 * and OFL .json into our Lua format) and `ghostlight fixture show NAME|FILE`
 * (modes and channel maps).
 *
 * Main thread, no engine. Import is all or nothing: every file is imported,
 * written to a temp file beside its target and read back and compared
 * before any target changes (unless --keep-going, which writes the good ones
 * and reports the rest); a target that exists and differs is replaced only
 * with --force, keeping its mode (new files get 0666 less the umask); a
 * failure, a full disk or Ctrl-C leaves no temp file behind. What an
 * importer accepted with a warning (a QLC+ channel name defined twice) is
 * printed to stderr as "warning: ...", by import and by show.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "scripts/fixture_file.h"
#include "fixtures/import.h"

static void fixture_usage(FILE *to)
{
	fprintf(to,
		"usage: ghostlight fixture import FILE.qxf|FILE.json... [--out DIR] [--keep-going] [--force]\n"
		"       ghostlight fixture show NAME|FILE\n");
}

static bool fixture_has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	return n > e && strcasecmp(path + n - e, ext) == 0;
}

/* ---- writing: all or nothing, no litter --------------------------------------

 * Every file goes to a temp file beside its target first ("." + stem +
 * "-XXXXXX.lua": hidden, and read as Lua), is read back as a show would
 * read it and compared; only when every one of them is in place does any
 * target change, by renames with signals blocked (an existing target is
 * exchanged with its temp file, so a rename that fails undoes the ones
 * before it). The temp files are listed where the signal handler can
 * unlink them: Ctrl-C or SIGTERM in the middle leaves nothing behind. */

struct import_file {
	const char *from;            /* argv */
	struct fdef *def;
	char path[4096];             /* the target */
	char tmp[4096];              /* the temp file, "" when none */
	char *text;                  /* what goes into it */
	size_t len;
	bool exists, unchanged, exchanged, done;
	mode_t mode;
};

/* The temp files the handler unlinks: the first cleanup_count of the
 * list ("" = none), each path written before the count covers it. */
static char *const *cleanup_paths;
static volatile sig_atomic_t cleanup_count;

static void cleanup_on_signal(int sig)
{
	for (sig_atomic_t i = 0; i < cleanup_count; i++)
		if (cleanup_paths[i][0])
			unlink(cleanup_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static struct sigaction old[3];

	for (int i = 0; i < 3; i++) {
		if (on) {
			struct sigaction sa = { .sa_handler = cleanup_on_signal };

			sigaction(sigs[i], NULL, &old[i]);
			if (old[i].sa_handler != SIG_IGN)   /* nohup stays nohup */
				sigaction(sigs[i], &sa, NULL);
		} else {
			sigaction(sigs[i], &old[i], NULL);
		}
	}
}

static void block_signals(bool block, sigset_t *saved)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (block)
		sigprocmask(SIG_BLOCK, &set, saved);
	else
		sigprocmask(SIG_SETMASK, saved, NULL);
}

/* The text of def in our format, in memory. */
static int render_text(struct import_file *f, char *err, size_t len)
{
	FILE *m = open_memstream(&f->text, &f->len);
	int rc;

	if (!m) {
		snprintf(err, len, "%s: out of memory", f->from);
		return GL_ENOMEM;
	}
	rc = fdef_write_lua(f->def, m);
	if (fclose(m) != 0 || rc != 0) {
		snprintf(err, len, "%s: out of memory", f->from);
		return GL_ENOMEM;
	}
	return 0;
}

/* What is at the target now: nothing, the same text (nothing to do), or a
 * file that differs (replaced only with --force, keeping its mode). */
static int check_target(struct import_file *f, bool force, char *err, size_t len)
{
	struct stat st;

	if (lstat(f->path, &st) != 0) {
		if (errno != ENOENT) {
			snprintf(err, len, "%s: %s", f->path, strerror(errno));
			return GL_EIO;
		}
		mode_t mask = umask(0);

		umask(mask);
		f->mode = 0666 & ~mask;
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "%s: %s is in the way (not a regular file); not replaced",
			 f->from, f->path);
		return GL_EEXIST;
	}
	f->exists = true;
	f->mode = st.st_mode & 07777;
	FILE *old = fopen(f->path, "rb");
	if (old) {
		char *buf = malloc(f->len + 1);
		size_t n = buf ? fread(buf, 1, f->len + 1, old) : 0;

		f->unchanged = buf && n == f->len && memcmp(buf, f->text, n) == 0;
		free(buf);
		fclose(old);
	}
	if (!f->unchanged && !force) {
		snprintf(err, len, "%s: %s exists and differs (edited by hand?); not replaced "
			 "(--force replaces it)", f->from, f->path);
		return GL_EEXIST;
	}
	return 0;
}

/* Writes the temp file and reads it back as a show would: an importer bug
 * must not reach the library. */
static int write_temp(struct import_file *f, const char *dir, char *err, size_t len)
{
	char stem[128], why[FDEF_ERR_MAX];
	struct fdef *back;
	size_t at = 0;
	int fd, rc;

	fdef_file_stem(f->def, stem, sizeof stem);
	if (snprintf(f->tmp, sizeof f->tmp, "%s/.%s-XXXXXX.lua", dir, stem) >= (int)sizeof f->tmp) {
		snprintf(err, len, "%s: path too long", f->path);
		f->tmp[0] = '\0';
		return GL_EIO;
	}
	fd = mkstemps(f->tmp, 4);
	if (fd < 0) {
		snprintf(err, len, "%s: cannot create a file in %s: %s", f->from, dir, strerror(errno));
		f->tmp[0] = '\0';
		return GL_EIO;
	}
	while (at < f->len) {
		ssize_t w = write(fd, f->text + at, f->len - at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		at += (size_t)w;
	}
	rc = at == f->len && fchmod(fd, f->mode) == 0 && fsync(fd) == 0 ? 0 : GL_EIO;
	if (rc != 0)
		snprintf(err, len, "%s: cannot write %s: %s", f->from, f->tmp,
			 strerror(errno ? errno : EIO));
	if (close(fd) != 0 && rc == 0) {
		snprintf(err, len, "%s: cannot write %s: %s", f->from, f->tmp, strerror(errno));
		rc = GL_EIO;
	}
	if (rc != 0)
		return rc;
	rc = fixture_file_read(f->tmp, &back, err, len);
	if (rc != 0)
		return rc;
	rc = fdef_compare(f->def, back, why, sizeof why);
	fdef_destroy(back);
	if (rc != 0)
		snprintf(err, len, "%s: written file reads back differently: %.400s", f->from, why);
	return rc;
}

static void drop_temp(struct import_file *f)
{
	if (f->tmp[0])
		unlink(f->tmp);
	f->tmp[0] = '\0';
}

/* Puts one temp file in place; an existing target trades places with it
 * (RENAME_EXCHANGE), so that undo_rename() can put it back. */
static int do_rename(struct import_file *f)
{
	if (f->exists) {
		if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_EXCHANGE) == 0) {
			f->exchanged = true;   /* f->tmp now holds the old file */
			return 0;
		}
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		return rename(f->tmp, f->path);   /* no exchange here: no undo */
	}
	if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return rename(f->tmp, f->path);
}

static void undo_rename(struct import_file *f)
{
	if (f->exchanged)
		renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_EXCHANGE);
	else if (!f->exists)
		unlink(f->path);
}

static int fixture_import(int argc, char **argv)
{
	const char *out_dir = ".";
	bool keep_going = false, force = false;
	struct import_file *files;
	char **temps;
	int nfiles = 0, failed = 0, written = 0, unchanged = 0;
	struct stat st;
	sigset_t saved;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out_dir = argv[++i];
		} else if (strcmp(argv[i], "--keep-going") == 0) {
			keep_going = true;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "ghostlight fixture import: unknown option '%s'\n", argv[i]);
			return 2;
		} else {
			nfiles++;
		}
	}
	if (nfiles == 0) {
		fixture_usage(stderr);
		return 2;
	}
	if (stat(out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ghostlight fixture import: %s is not a folder\n", out_dir);
		return 1;
	}
	files = calloc((size_t)nfiles, sizeof *files);
	temps = calloc((size_t)nfiles, sizeof *temps);
	if (!files || !temps) {
		free(files);
		free(temps);
		fprintf(stderr, "ghostlight fixture import: out of memory\n");
		return 1;
	}
	for (int i = 0, n = 0; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0)
			i++;
		else if (argv[i][0] != '-')
			files[n++].from = argv[i];
	}
	for (int i = 0; i < nfiles; i++)
		temps[i] = files[i].tmp;

	/* 1: import every file and say where it goes */
	for (int i = 0; i < nfiles; i++) {
		struct import_file *f = &files[i];
		char err[FDEF_ERR_MAX + 300], stem[128];
		int rc;

		if (fixture_has_ext(f->from, ".qxf"))
			rc = import_qxf_file(f->from, &f->def, err, sizeof err);
		else if (fixture_has_ext(f->from, ".json"))
			rc = import_ofl_file(f->from, &f->def, err, sizeof err);
		else {
			snprintf(err, sizeof err, "%s: not a .qxf or .json file", f->from);
			rc = GL_EINVAL;
		}
		if (rc == 0) {
			fdef_print_warnings(f->def, stderr, "warning: ");
			fdef_file_stem(f->def, stem, sizeof stem);
			snprintf(f->path, sizeof f->path, "%s/%s.lua", out_dir, stem);
			for (int j = 0; j < i; j++)
				if (files[j].def && strcmp(files[j].path, f->path) == 0) {
					snprintf(err, sizeof err, "%s: would be written to %.300s like %s",
						 f->from, f->path, files[j].from);
					rc = GL_EEXIST;
				}
		}
		if (rc == 0)
			rc = render_text(f, err, sizeof err);
		if (rc == 0)
			rc = check_target(f, force, err, sizeof err);
		if (rc != 0) {
			fprintf(stderr, "%s\n", err);
			fdef_destroy(f->def);
			f->def = NULL;
			failed++;
		}
	}

	/* 2: every temp file written and read back */
	cleanup_paths = temps;
	cleanup_count = 0;
	catch_signals(true);
	for (int i = 0; i < nfiles && (failed == 0 || keep_going); i++) {
		struct import_file *f = &files[i];
		char err[FDEF_ERR_MAX + 300];

		if (!f->def || f->unchanged)
			continue;
		cleanup_count = i + 1;       /* f->tmp is in the handler's list from here on */
		if (write_temp(f, out_dir, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			drop_temp(f);
			fdef_destroy(f->def);
			f->def = NULL;
			failed++;
		}
	}

	/* 3: all in place at once (signals wait until it is done) */
	if (failed == 0 || keep_going) {
		int undo_from = -1;

		block_signals(true, &saved);
		for (int i = 0; i < nfiles; i++) {
			struct import_file *f = &files[i];

			if (!f->def || f->unchanged || !f->tmp[0])
				continue;
			if (do_rename(f) != 0) {
				fprintf(stderr, "%s: cannot write %s: %s\n", f->from, f->path,
					strerror(errno));
				failed++;
				if (!keep_going) {
					undo_from = i;
					break;
				}
				continue;
			}
			f->done = true;
		}
		for (int i = undo_from - 1; i >= 0; i--)
			if (files[i].done) {
				undo_rename(&files[i]);
				files[i].done = false;
			}
		for (int i = 0; i < nfiles; i++)
			drop_temp(&files[i]);   /* the replaced files, or what was not used */
		cleanup_count = 0;
		block_signals(false, &saved);
	} else {
		for (int i = 0; i < nfiles; i++)
			drop_temp(&files[i]);
		cleanup_count = 0;
	}
	catch_signals(false);

	for (int i = 0; i < nfiles; i++) {
		struct import_file *f = &files[i];

		if (f->done) {
			printf("%s -> %s (%d modes)\n", f->from, f->path, f->def->mode_count);
			written++;
		} else if (f->def && f->unchanged) {
			printf("%s -> %s: unchanged\n", f->from, f->path);
			unchanged++;
		}
	}
	if (failed && !keep_going)
		fprintf(stderr, "ghostlight fixture import: %d of %d files failed; nothing "
			"written (--keep-going writes the others)\n", failed, nfiles);
	for (int i = 0; i < nfiles; i++) {
		fdef_destroy(files[i].def);
		free(files[i].text);
	}
	free(files);
	free(temps);
	if (written > 0 || failed > 0 || unchanged > 0)
		printf("imported %d, unchanged %d, failed %d\n", written, unchanged, failed);
	return failed ? 1 : 0;
}

static int fixture_show(int argc, char **argv)
{
	char path[4096], err[FDEF_ERR_MAX + 100];
	struct fdef *def;
	struct stat st;
	int rc;

	if (argc != 1 || argv[0][0] == '-') {
		fixture_usage(stderr);
		return 2;
	}
	/* A file that exists is a file; anything else a library name. */
	if (stat(argv[0], &st) == 0 && S_ISREG(st.st_mode)) {
		snprintf(path, sizeof path, "%s", argv[0]);
	} else if (fixture_file_find(".", argv[0], path, sizeof path, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rc = fixture_file_read(path, &def, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s\n", path);
	fdef_print_warnings(def, stderr, "warning: ");
	fdef_print(def, stdout);
	fdef_destroy(def);
	return 0;
}

int gl_cmd_fixture(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "import") == 0)
		return fixture_import(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "show") == 0)
		return fixture_show(argc - 1, argv + 1);
	fixture_usage(stderr);
	return 2;
}
