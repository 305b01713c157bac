/*
 * sacn_cid.c - the installation's sACN CID (see sacn_cid.h).
 *
 * Where: $GHOSTLIGHT_STATE_DIR, else $XDG_STATE_HOME/ghostlight, else
 * ~/.local/state/ghostlight; the file is `sacn-cid`. Invariants: the file is
 * written only when it does not exist (a new file is linked into place
 * complete, so a crash never leaves half a CID and two first runs agree on
 * one); a file that exists but cannot be read or parsed is never touched;
 * while any sACN output of this process is open, the process holds an
 * exclusive flock on the file, and a process that cannot get it sends with
 * a temporary CID.
 */
#include "sacn_cid.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/gl.h"
#include "outputs/report.h"
#include "outputs/statedir.h"

#define CID_FILE_MAX 4096        /* bytes read from the file */
#define CID_PATH_SHOWN 48        /* a longer path is shown by its tail */

static pthread_mutex_t cid_lock = PTHREAD_MUTEX_INITIALIZER;
static int cid_users;            /* open outputs sharing the CID below */
static int cid_fd = -1;          /* the locked file, while cid_users > 0 */
static uint8_t cid_value[SACN_CID_LEN];
static char cid_note[GL_REPORT_TEXT_MAX];   /* fits a status line whole */

/* ---- the file's text ---------------------------------------------------- */

int sacn_cid_parse_file_text(const char *text, size_t len, uint8_t cid[SACN_CID_LEN],
			     char *why, size_t why_len)
{
	const char *p = text, *end = text + len;
	int line = 0, found = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		char buf[SACN_UUID_TEXT_LEN];

		line++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (p < e && *p != '#') {
			size_t n = (size_t)(e - p);

			if (found) {
				snprintf(why, why_len, "line %d: a second line besides the CID", line);
				return -1;
			}
			if (n >= sizeof buf || memchr(p, '\0', n)) {
				snprintf(why, why_len, "line %d is not a UUID", line);
				return -1;
			}
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (sacn_uuid_parse(buf, cid) != 0) {
				snprintf(why, why_len, "line %d is not a UUID", line);
				return -1;
			}
			found = line;
		}
		p = nl ? nl + 1 : end;
	}
	if (!found) {
		snprintf(why, why_len, "no UUID in it");
		return -1;
	}
	return 0;
}

static void random_bytes(uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	/* getrandom() only fails on kernels older than 3.17; a CID from the
	 * clock and pid is still unique enough to tell sources apart. */
	if (got < len) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_sec * GL_NS_PER_S + (uint64_t)ts.tv_nsec;
		x ^= (uint64_t)getpid() << 32;
		for (size_t i = got; i < len; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			buf[i] = (uint8_t)(x >> 56);
		}
	}
}

static void random_cid(uint8_t cid[SACN_CID_LEN])
{
	random_bytes(cid, SACN_CID_LEN);
	sacn_uuid_make_v4(cid);
}

/* Makes the file when it does not exist: the whole text goes into a temp
 * file first, which link() puts in place only if still nothing is there.
 * Returns 0 when a file now exists (ours or another first run's). */
static int create_cid_file(const char *dir, const char *path)
{
	char tmp[PATH_MAX], text[SACN_UUID_TEXT_LEN + 1];
	uint8_t cid[SACN_CID_LEN];
	int fd, rc = 0, saved = 0;
	size_t len;

	if (gl_state_mkdirs(dir) != 0)
		return -1;
	if (snprintf(tmp, sizeof tmp, "%s/.sacn-cid.%ld", dir, (long)getpid()) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	random_cid(cid);
	sacn_uuid_format(cid, text);
	len = strlen(text);
	text[len++] = '\n';
	unlink(tmp);                 /* a leftover of a crashed run with our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		rc = -1;
	saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST) {
		/* no hard links here (FAT, some FUSE): a rename that refuses
		 * to replace, as good */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0 &&
		    errno != EEXIST) {
			rc = -1;
			saved = errno;
		}
	}
	unlink(tmp);
	errno = saved;
	return rc;
}

/* "…/tail" when the path is too long for a status line. */
static const char *shown_path(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path);

	if (n <= CID_PATH_SHOWN)
		return path;
	snprintf(buf, len, "...%s", path + n - (CID_PATH_SHOWN - 3));
	return buf;
}

/* Fills cid_value and cid_note; holds cid_lock. */
static void load(void)
{
	char dir[PATH_MAX - 16], path[PATH_MAX], shown_buf[CID_PATH_SHOWN + 1];
	char text[CID_FILE_MAX + 1], why[96];
	struct stat st;
	ssize_t n;
	int fd;

	cid_note[0] = '\0';
	if (gl_state_dir(dir, sizeof dir) != 0) {
		random_cid(cid_value);
		snprintf(cid_note, sizeof cid_note, "sacn: no state directory (HOME unset): "
			 "sending with a temporary CID");
		return;
	}
	snprintf(path, sizeof path, "%s/sacn-cid", dir);
	const char *shown = shown_path(path, shown_buf, sizeof shown_buf);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		if (create_cid_file(dir, path) != 0) {
			random_cid(cid_value);
			snprintf(cid_note, sizeof cid_note, "sacn: cannot save a CID to %s (%s): "
				 "sending with a temporary CID", shown, strerror(errno));
			return;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	}
	if (fd < 0) {
		random_cid(cid_value);
		snprintf(cid_note, sizeof cid_note, "sacn: cannot read %s (%s): sending with a "
			 "temporary CID; file left as it is", shown, strerror(errno));
		return;
	}
	bool ok = false;
	if (fstat(fd, &st) != 0)
		snprintf(why, sizeof why, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, sizeof why, "not a regular file");
	else if ((n = read(fd, text, sizeof text)) < 0)
		snprintf(why, sizeof why, "%s", strerror(errno));
	else if (n > CID_FILE_MAX)
		snprintf(why, sizeof why, "over %d bytes", CID_FILE_MAX);
	else
		ok = sacn_cid_parse_file_text(text, (size_t)n, cid_value, why, sizeof why) == 0;
	if (!ok) {
		close(fd);
		random_cid(cid_value);
		snprintf(cid_note, sizeof cid_note, "sacn: %s: %s: sending with a temporary CID; "
			 "file left as it is", shown, why);
		return;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char theirs[SACN_UUID_TEXT_LEN], ours[SACN_UUID_TEXT_LEN];
		int err = errno;

		close(fd);
		if (err != EWOULDBLOCK) {
			/* no locks here (some network file systems): the file's
			 * CID, unguarded */
			snprintf(cid_note, sizeof cid_note, "sacn: cannot lock %s (%s)", shown,
				 strerror(err));
			return;
		}
		sacn_uuid_format(cid_value, theirs);
		random_cid(cid_value);
		sacn_uuid_format(cid_value, ours);
		snprintf(cid_note, sizeof cid_note, "sacn: CID %s is in use by another ghostlight "
			 "here; this one sends as %s (temporary)", theirs, ours);
		return;
	}
	cid_fd = fd;
}

void sacn_cid_acquire(uint8_t cid[SACN_CID_LEN], char *note, size_t note_len)
{
	pthread_mutex_lock(&cid_lock);
	if (cid_users++ == 0)
		load();
	memcpy(cid, cid_value, SACN_CID_LEN);
	if (note_len)
		snprintf(note, note_len, "%s", cid_note);
	pthread_mutex_unlock(&cid_lock);
}

void sacn_cid_release(void)
{
	pthread_mutex_lock(&cid_lock);
	if (cid_users > 0 && --cid_users == 0 && cid_fd >= 0) {
		close(cid_fd);           /* and with it the lock */
		cid_fd = -1;
	}
	pthread_mutex_unlock(&cid_lock);
}
