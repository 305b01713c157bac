/*
 * fixture_cmd.c - `ghostlight fixture import FILE... [--out DIR]` (QLC+ .qxf
 * and OFL .json into our Lua format) and `ghostlight fixture show NAME|FILE`
 * (modes and channel maps).
 *
 * Main thread, no engine. Import is all or nothing: every file is imported
 * and its output read back and compared before anything is written (unless
 * --keep-going, which writes the good ones and reports the rest); each file
 * is written atomically (fdef_save_lua), so a failure never leaves half a
 * fixture file behind. What an importer accepted with a warning (a QLC+
 * channel name defined twice) is printed to stderr as "warning: ...", by
 * import and by show.
 */
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
		"usage: ghostlight fixture import FILE.qxf|FILE.json... [--out DIR] [--keep-going]\n"
		"       ghostlight fixture show NAME|FILE\n");
}

static bool fixture_has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	return n > e && strcasecmp(path + n - e, ext) == 0;
}

/* Writes def to a temp file, reads it back as a show would and compares the
 * channel maps: an importer bug must not reach the library. */
static int fixture_round_trip(const struct fdef *def, const char *dir, char *err, size_t len)
{
	char tmp[4096], why[FDEF_ERR_MAX];
	struct fdef *back;
	FILE *f;
	int fd, rc;

	snprintf(tmp, sizeof tmp, "%s/.ghostlight-import-XXXXXX.lua", dir);
	fd = mkstemps(tmp, 4);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, len, "%s: cannot write a temporary file", dir);
		if (fd >= 0)
			close(fd);
		return GL_EIO;
	}
	rc = fdef_write_lua(def, f);
	if (fclose(f) != 0 || rc != 0) {
		unlink(tmp);
		snprintf(err, len, "%s: cannot write a temporary file", dir);
		return GL_EIO;
	}
	rc = fixture_file_read(tmp, &back, err, len);
	unlink(tmp);
	if (rc != 0)
		return rc;
	rc = fdef_compare(def, back, why, sizeof why);
	fdef_destroy(back);
	if (rc != 0)
		snprintf(err, len, "written file reads back differently: %.400s", why);
	return rc;
}

static int fixture_import(int argc, char **argv)
{
	const char *out_dir = ".";
	bool keep_going = false;
	struct fdef **defs;
	char (*paths)[4096];
	int nfiles = 0, failed = 0, written = 0;
	struct stat st;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out_dir = argv[++i];
		} else if (strcmp(argv[i], "--keep-going") == 0) {
			keep_going = true;
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
	defs = calloc((size_t)argc, sizeof *defs);
	paths = calloc((size_t)argc, sizeof *paths);
	if (!defs || !paths) {
		free(defs);
		free(paths);
		fprintf(stderr, "ghostlight fixture import: out of memory\n");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		char err[FDEF_ERR_MAX + 300], stem[128];
		int rc;

		if (argv[i][0] == '-') {
			if (strcmp(argv[i], "--out") == 0)
				i++;
			continue;
		}
		if (fixture_has_ext(argv[i], ".qxf"))
			rc = import_qxf_file(argv[i], &defs[i], err, sizeof err);
		else if (fixture_has_ext(argv[i], ".json"))
			rc = import_ofl_file(argv[i], &defs[i], err, sizeof err);
		else {
			snprintf(err, sizeof err, "%s: not a .qxf or .json file", argv[i]);
			rc = GL_EINVAL;
		}
		if (rc == 0) {
			char why[FDEF_ERR_MAX];

			fdef_print_warnings(defs[i], stderr, "warning: ");
			rc = fixture_round_trip(defs[i], out_dir, why, sizeof why);
			if (rc != 0)
				snprintf(err, sizeof err, "%.200s: %s", argv[i], why);
		}
		if (rc == 0) {
			fdef_file_stem(defs[i], stem, sizeof stem);
			snprintf(paths[i], sizeof paths[i], "%s/%s.lua", out_dir, stem);
			for (int j = 0; j < i; j++)
				if (defs[j] && strcmp(paths[j], paths[i]) == 0) {
					snprintf(err, sizeof err, "%s: would be written to %s like %s",
						 argv[i], paths[i], argv[j]);
					rc = GL_EEXIST;
				}
		}
		if (rc != 0) {
			fprintf(stderr, "%s\n", err);
			fdef_destroy(defs[i]);
			defs[i] = NULL;
			failed++;
		}
	}
	if (failed == 0 || keep_going) {
		for (int i = 0; i < argc; i++) {
			char err[FDEF_ERR_MAX + 100];

			if (!defs[i])
				continue;
			if (fdef_save_lua(defs[i], paths[i], err, sizeof err) != 0) {
				fprintf(stderr, "%s\n", err);
				failed++;
				continue;
			}
			printf("%s -> %s (%d modes)\n", argv[i], paths[i], defs[i]->mode_count);
			written++;
		}
	} else {
		fprintf(stderr, "ghostlight fixture import: %d of %d files failed; nothing "
			"written (--keep-going writes the others)\n", failed, nfiles);
	}
	for (int i = 0; i < argc; i++)
		fdef_destroy(defs[i]);
	free(defs);
	free(paths);
	if (written > 0 || failed > 0)
		printf("imported %d, failed %d\n", written, failed);
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
	fdef_print_warnings(def, stderr, "warning: ");
	printf("%s\n", path);
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
