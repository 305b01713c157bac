/*
 * statedir.c - the installation's state directory (see statedir.h).
 */
#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gl_state_dir(char *dir, size_t len)
{
	const char *env = getenv("GHOSTLIGHT_STATE_DIR");
	int n;

	if (env && env[0])
		n = snprintf(dir, len, "%s", env);
	else if ((env = getenv("XDG_STATE_HOME")) && env[0] == '/')
		n = snprintf(dir, len, "%s/ghostlight", env);   /* XDG: absolute only */
	else if ((env = getenv("HOME")) && env[0])
		n = snprintf(dir, len, "%s/.local/state/ghostlight", env);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int gl_state_mkdirs(const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] == '/' || path[i] == '\0') {
			char c = path[i];

			path[i] = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST)
				return -1;
			path[i] = c;
		}
	}
	return 0;
}

int gl_state_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, saved;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		saved = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}
