/*
 * datadir.c - finding ghostlight's data relative to the running binary
 * (see datadir.h). Nothing about the build machine is compiled in: the
 * source tree is found through the build tree's CMakeCache.txt, and only
 * when the binary runs from there.
 */
#include "datadir.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const installed_layout[] = {
	[GL_DATA_FIXTURES] = "fixtures",
	[GL_DATA_LUA_LIB] = "scripts/lib",
	[GL_DATA_SHOWS] = "shows",
	[GL_DATA_ASSETS] = "assets",
};

static const char *const source_layout[] = {
	[GL_DATA_FIXTURES] = "fixtures/library",
	[GL_DATA_LUA_LIB] = "scripts/lib",
	[GL_DATA_SHOWS] = "shows",
	[GL_DATA_ASSETS] = "assets",
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char dirs[4][PATH_MAX];
static bool found;

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void fill(const char *root, const char *const layout[4])
{
	for (int i = 0; i < 4; i++)
		if (snprintf(dirs[i], sizeof dirs[i], "%s/%s", root, layout[i]) >= PATH_MAX)
			return;
	found = true;
}

/* CMAKE_HOME_DIRECTORY of the CMakeCache.txt in dir, into src. */
static bool cache_source_dir(const char *dir, char *src, size_t len)
{
	static const char key[] = "CMAKE_HOME_DIRECTORY:INTERNAL=";
	char path[PATH_MAX + 32];
	char line[PATH_MAX + 64];
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof path, "%s/CMakeCache.txt", dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof line, f)) {
		if (strncmp(line, key, sizeof key - 1) != 0)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		ok = snprintf(src, len, "%s", line + sizeof key - 1) < (int)len;
	}
	fclose(f);
	return ok;
}

static void locate(void)
{
	const char *env = getenv("GHOSTLIGHT_DATA_DIR");
	char exe[PATH_MAX], dir[PATH_MAX], root[PATH_MAX];
	ssize_t n;

	if (env && env[0]) {
		fill(env, installed_layout);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	snprintf(dir, sizeof dir, "%s", exe);
	*strrchr(dir, '/') = '\0';

	/* <prefix>/bin/ghostlight -> <prefix>/share/ghostlight */
	if (snprintf(root, sizeof root, "%s/../share/ghostlight", dir) < (int)sizeof root &&
	    is_dir(root)) {
		char real[PATH_MAX];

		fill(realpath(root, real) ? real : root, installed_layout);
		return;
	}
	/* build/ghostlight, build/tests/test_x, build/bench/bench_x */
	for (int up = 0; up < 2; up++) {
		if (cache_source_dir(dir, root, sizeof root) && is_dir(root)) {
			fill(root, source_layout);
			return;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return;
		*slash = '\0';
	}
}

const char *gl_data_dir(enum gl_data what)
{
	pthread_once(&once, locate);
	if (!found || what < 0 || what > GL_DATA_ASSETS)
		return NULL;
	return dirs[what];
}
