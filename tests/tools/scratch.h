/*
 * scratch.h - a test's scratch folder under /tmp: made by setup (or on
 * first use), written into, removed with everything in it by teardown,
 * whatever the test left there. Header-only, for the cmocka tests; the
 * test's thread only.
 */
#ifndef GL_TEST_SCRATCH_H
#define GL_TEST_SCRATCH_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* Makes /tmp/<prefix>-XXXXXX into dir (len bytes). Returns 0, or
 * -1 with dir emptied. */
static inline int scratch_make(char *dir, size_t len, const char *prefix)
{
	snprintf(dir, len, "/tmp/%s-XXXXXX", prefix);
	if (mkdtemp(dir))
		return 0;
	dir[0] = '\0';
	return -1;
}

/* Writes text to the file dir/name, made or emptied. Returns 0, or -1
 * when the file cannot be written. */
static inline int scratch_write(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;
	int rc;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? rc : -1;
}

static inline int scratch_remove_one(const char *path, const struct stat *st, int type,
				     struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Removes dir and all in it (links are removed, not followed); "" is
 * nothing to do. Returns 0 or -1; dir is emptied either way. */
static inline int scratch_remove(char *dir)
{
	int rc = 0;

	if (dir[0])
		rc = nftw(dir, scratch_remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
	dir[0] = '\0';
	return rc;
}

#endif
