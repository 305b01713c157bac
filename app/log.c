/*
 * log.c - `play`'s log lines: the journal's level prefixes, a rotated log
 * file (see log.h).
 *
 * The file takes fds 1 and 2 (dup2), so every writer in the process lands
 * in it, a crash report included; rotation renames the files and dup2()s
 * a fresh one over both fds, which no writer sees happen.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"

static struct {
	char path[PATH_MAX];
	uint64_t max_bytes;
	int keep;
	bool on;
	uint64_t next_check_ns;
} logfile;

static int journal_stderr = -1;   /* unknown yet */

bool gl_log_journal(void)
{
	if (journal_stderr < 0) {
		/* "DEVICE:INODE" of the stream systemd connected; stderr may
		 * since have been redirected elsewhere */
		const char *js = getenv("JOURNAL_STREAM");
		unsigned long long dev, ino;
		struct stat st;
		journal_stderr = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
				 fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
				 (unsigned long long)st.st_ino == ino;
	}
	return journal_stderr == 1;
}

uint64_t gl_log_parse_size(const char *text)
{
	char *end;
	unsigned long long n = strtoull(text, &end, 10);
	if (end == text)
		return 0;
	if (*end == 'k' || *end == 'K')
		n *= 1024, end++;
	else if (*end == 'M')
		n *= 1024 * 1024, end++;
	else if (*end == 'G')
		n *= 1024ull * 1024 * 1024, end++;
	return *end ? 0 : n;
}

static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

static int take_fds(int fd)
{
	fflush(stdout);
	fflush(stderr);
	int rc = dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;
	close(fd);
	return rc;
}

int gl_log_to_file(const char *path, uint64_t max_bytes, int keep, char *err, size_t err_len)
{
	if (strlen(path) + 8 >= sizeof logfile.path) {
		snprintf(err, err_len, "--log: the path is too long");
		return -1;
	}
	int fd = open_log(path);
	if (fd < 0) {
		snprintf(err, err_len, "--log %s: %s", path, strerror(errno));
		return -1;
	}
	if (take_fds(fd) != 0) {
		snprintf(err, err_len, "--log %s: dup2: %s", path, strerror(errno));
		return -1;
	}
	snprintf(logfile.path, sizeof logfile.path, "%s", path);
	logfile.max_bytes = max_bytes ? max_bytes : GL_LOG_SIZE_DEFAULT;
	logfile.keep = keep > 0 ? keep : 1;
	logfile.on = true;
	journal_stderr = 0;           /* stderr is the file now */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

static void rotate(void)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	for (int i = logfile.keep - 1; i >= 1; i--) {
		snprintf(from, sizeof from, "%s.%d", logfile.path, i);
		snprintf(to, sizeof to, "%s.%d", logfile.path, i + 1);
		rename(from, to);         /* ENOENT: not there yet */
	}
	snprintf(to, sizeof to, "%s.1", logfile.path);
	fflush(stdout);
	fflush(stderr);
	if (rename(logfile.path, to) != 0)
		return;                   /* keep writing where we were */
	int fd = open_log(logfile.path);
	if (fd >= 0)
		take_fds(fd);
}

void gl_log_service(uint64_t now_ns)
{
	struct stat st;
	if (!logfile.on || now_ns < logfile.next_check_ns)
		return;
	logfile.next_check_ns = now_ns + GL_NS_PER_S;
	if (fstat(STDERR_FILENO, &st) == 0 && (uint64_t)st.st_size >= logfile.max_bytes)
		rotate();
}

void gl_log(enum gl_log_level level, uint64_t since_ns, const char *fmt, ...)
{
	char text[2048], stamp[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (logfile.on) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(stamp + n, sizeof stamp - n, ".%03ld", ts.tv_nsec / 1000000);
	} else {
		uint64_t now = gl_now_ns();
		snprintf(stamp, sizeof stamp, "[%9.3f]",
			 now > since_ns ? (double)(now - since_ns) / 1e9 : 0.0);
	}
	/* one fprintf: one write, a whole line (stderr is unbuffered) */
	if (gl_log_journal())
		fprintf(stderr, "<%d>%s %s\n", (int)level, stamp, text);
	else
		fprintf(stderr, "%s %s\n", stamp, text);
}
