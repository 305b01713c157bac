/*
 * journal.c - the journal's files and its writer thread (see journal.h).
 *
 * Invariant: j->newest is the slot holding the newest readable image (or
 * -1), and no write ever goes to it: a write that fails or is cut short by
 * a crash leaves at worst its own slot torn, which the next open reads as
 * such and falls back from. The writer thread and the owner share only
 * the pending image, the flags and the stats, under j->lock; once the
 * writer runs, only it touches the slots.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "outputs/statedir.h"

static int sys_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

const struct gl_journal_io gl_journal_io_default = {
	.open = sys_open,
	.close = close,
	.pread = pread,
	.pwrite = pwrite,
	.ftruncate = ftruncate,
	.fdatasync = fdatasync,
	.fsync = fsync,
	.fstat = fstat,
	.flock = flock,
};

struct slot {
	char path[PATH_MAX];
	int fd;                    /* -1 until first needed */
	off_t size;                /* bytes in the file (what a shorter image truncates) */
	bool readable;
	uint64_t seq;
	char why[160];             /* why it is not readable */
};

struct gl_journal {
	struct gl_journal_io io;
	char dir[PATH_MAX];
	int lock_fd;
	struct slot slots[2];
	int newest;                /* slot index, -1 none */
	uint64_t seq;              /* of the newest */
	struct journal_state found;
	bool have_found;
	bool readonly;             /* gl_journal_peek(): no lock, no writes */

	/* the writer thread */
	pthread_t thread;
	bool writer;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	uint8_t *pending;
	size_t pending_len;
	bool busy, stop, hurry;
	uint64_t min_interval_ns;
	uint64_t last_write_ns;
	struct gl_journal_stats stats;
};

void gl_journal_key(const char *show_real_path, char key[17])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(show_real_path), (const uint8_t *)show_real_path);
	sha256_digest(&ctx, sizeof digest, digest);
	for (int i = 0; i < 8; i++)
		snprintf(key + 2 * i, 3, "%02x", digest[i]);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads slot s whole and decodes it. */
static void read_slot(struct gl_journal *j, struct slot *s, struct journal_state *st)
{
	struct stat sb;
	s->readable = false;
	s->fd = j->io.open(s->path, (j->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(s->why, sizeof s->why, "%s", errno == ENOENT ? "absent" : strerror(errno));
		return;
	}
	if (j->io.fstat(s->fd, &sb) != 0) {
		snprintf(s->why, sizeof s->why, "%s", strerror(errno));
		return;
	}
	s->size = sb.st_size;
	size_t want = (size_t)sb.st_size;
	if (want > JOURNAL_HEADER_SIZE + (size_t)JOURNAL_PAYLOAD_MAX)
		want = JOURNAL_HEADER_SIZE + JOURNAL_PAYLOAD_MAX;
	uint8_t *buf = malloc(want ? want : 1);
	size_t got = 0;
	if (!buf) {
		snprintf(s->why, sizeof s->why, "out of memory");
		return;
	}
	while (got < want) {
		ssize_t n = j->io.pread(s->fd, buf + got, want - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(s->why, sizeof s->why, "read: %s", strerror(errno));
			free(buf);
			return;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	char why[160];
	if (journal_decode(buf, got, st, why, sizeof why) == 0) {
		s->readable = true;
		s->seq = st->seq;
	} else {
		snprintf(s->why, sizeof s->why, "%s", why);
	}
	free(buf);
}

/* One ghostlight per journal: an flock held as long as the journal is open. */
static int take_lock(struct gl_journal *j, const char *path, char *err, size_t err_len)
{
	j->lock_fd = j->io.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->lock_fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (j->io.flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, err_len, "another ghostlight runs this show (%s is locked)", path);
		else
			snprintf(err, err_len, "%s: lock: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static struct gl_journal *journal_open(const char *dir, const char *show_real_path,
				       const struct gl_journal_io *io, bool lock, char *err,
				       size_t err_len)
{
	struct gl_journal *j = calloc(1, sizeof *j);
	char key[17], path[PATH_MAX];
	if (!j) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	j->io = io ? *io : gl_journal_io_default;
	j->lock_fd = -1;
	j->newest = -1;
	j->slots[0].fd = j->slots[1].fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&j->done, NULL);
	snprintf(j->dir, sizeof j->dir, "%s", dir);
	gl_journal_key(show_real_path, key);
	j->readonly = !lock;
	if (lock && gl_state_mkdirs(dir) != 0) {
		snprintf(err, err_len, "cannot make %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (snprintf(path, sizeof path, "%s/%s.lock", dir, key) >= (int)sizeof path ||
	    snprintf(j->slots[0].path, PATH_MAX, "%s/%s.a", dir, key) >= PATH_MAX ||
	    snprintf(j->slots[1].path, PATH_MAX, "%s/%s.b", dir, key) >= PATH_MAX) {
		snprintf(err, err_len, "%s: path too long", dir);
		goto fail;
	}
	if (lock && take_lock(j, path, err, err_len) != 0)
		goto fail;
	struct journal_state st[2];
	for (int i = 0; i < 2; i++)
		read_slot(j, &j->slots[i], &st[i]);
	for (int i = 0; i < 2; i++)
		if (j->slots[i].readable && (j->newest < 0 || st[i].seq > j->seq)) {
			j->newest = i;
			j->seq = st[i].seq;
		}
	for (int i = 0; i < 2; i++) {
		if (i == j->newest) {
			j->found = st[i];
			j->have_found = true;
		} else if (j->slots[i].readable) {
			journal_state_free(&st[i]);
		}
	}
	return j;
fail:
	gl_journal_close(j);
	return NULL;
}

struct gl_journal *gl_journal_open(const char *dir, const char *show_real_path,
				   const struct gl_journal_io *io, char *err, size_t err_len)
{
	return journal_open(dir, show_real_path, io, true, err, err_len);
}

struct gl_journal *gl_journal_peek(const char *dir, const char *show_real_path, char *err,
				   size_t err_len)
{
	return journal_open(dir, show_real_path, NULL, false, err, err_len);
}

bool gl_journal_slot(const struct gl_journal *j, int i, uint64_t *seq, const char **why,
		     const char **path)
{
	*seq = j->slots[i].seq;
	*why = j->slots[i].why;
	*path = j->slots[i].path;
	return j->slots[i].readable;
}

const struct journal_state *gl_journal_found(const struct gl_journal *j, char *note,
					     size_t note_len)
{
	note[0] = '\0';
	for (int i = 0; i < 2; i++) {
		const struct slot *s = &j->slots[i];
		if (s->readable || strcmp(s->why, "absent") == 0)
			continue;
		if (j->newest >= 0)
			snprintf(note, note_len, "journal slot %c unreadable (%s): slot %c (the state "
				 "before) read instead", 'a' + i, s->why, 'a' + j->newest);
		else
			snprintf(note, note_len, "journal slot %c unreadable (%s)", 'a' + i, s->why);
		break;
	}
	if (!note[0] && j->newest < 0 && j->slots[0].readable + j->slots[1].readable == 0 &&
	    strcmp(j->slots[0].why, "absent") != 0 && strcmp(j->slots[1].why, "absent") != 0)
		snprintf(note, note_len, "no readable journal");
	return j->have_found ? &j->found : NULL;
}

/* The folder entry of a new slot file must survive a power cut too. */
static int sync_dir(struct gl_journal *j)
{
	int fd = j->io.open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = j->io.fsync(fd) == 0 ? 0 : -errno;
	j->io.close(fd);
	return rc;
}

/* One image into the slot that is not the newest. Returns 0 or -errno. */
static int write_image(struct gl_journal *j, uint8_t *image, size_t len)
{
	if (j->readonly)
		return -EPERM;
	int target = j->newest == 0 ? 1 : 0;
	struct slot *s = &j->slots[target];
	uint64_t seq = j->seq + 1;
	journal_image_set_seq(image, seq);
	s->readable = false;          /* until the write is through */
	if (s->fd < 0) {
		s->fd = j->io.open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (s->fd < 0)
			return -errno;
		s->size = 0;
		int rc = sync_dir(j);
		if (rc < 0) {
			j->io.close(s->fd);  /* made again (and synced) next time */
			s->fd = -1;
			return rc;
		}
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = j->io.pwrite(s->fd, image + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			if ((off_t)len > s->size)
				s->size = (off_t)len;   /* it may have grown that far */
			return -e;
		}
		done += (size_t)n;
	}
	if ((off_t)len > s->size)
		s->size = (off_t)len;
	if (s->size > (off_t)len) {
		if (j->io.ftruncate(s->fd, (off_t)len) != 0)
			return -errno;
		s->size = (off_t)len;
	}
	if (j->io.fdatasync(s->fd) != 0)
		return -errno;
	s->readable = true;
	s->seq = seq;
	j->newest = target;
	j->seq = seq;
	return 0;
}

static void count_write(struct gl_journal *j, int rc, size_t len)
{
	pthread_mutex_lock(&j->lock);
	j->stats.writes++;
	j->stats.bytes = len;
	if (rc < 0) {
		j->stats.write_errors++;
		snprintf(j->stats.last_error, sizeof j->stats.last_error, "writing slot %c in %.80s: %s",
			 j->newest == 0 ? 'b' : 'a', j->dir, strerror(-rc));
	}
	pthread_mutex_unlock(&j->lock);
}

int gl_journal_write(struct gl_journal *j, const struct journal_state *st)
{
	uint8_t *image;
	size_t len;
	int rc = journal_encode(st, &image, &len);
	if (rc != 0)
		return rc == GL_ENOMEM ? -ENOMEM : -ERANGE;
	rc = write_image(j, image, len);
	count_write(j, rc, len);
	free(image);
	return rc;
}

static void *writer_main(void *arg)
{
	struct gl_journal *j = arg;
	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (!j->pending && !j->stop)
			pthread_cond_wait(&j->wake, &j->lock);
		if (!j->pending)
			break;
		uint64_t due = j->last_write_ns + j->min_interval_ns;
		if (!j->stop && !j->hurry && j->last_write_ns && mono_ns() < due) {
			/* a newer image may replace this one meanwhile */
			struct timespec ts = { (time_t)(due / 1000000000ull), (long)(due % 1000000000ull) };
			pthread_cond_timedwait(&j->wake, &j->lock, &ts);
			continue;
		}
		uint8_t *image = j->pending;
		size_t len = j->pending_len;
		j->pending = NULL;
		j->busy = true;
		pthread_mutex_unlock(&j->lock);
		int rc = write_image(j, image, len);
		free(image);
		count_write(j, rc, len);
		pthread_mutex_lock(&j->lock);
		j->busy = false;
		j->last_write_ns = mono_ns();
		pthread_cond_broadcast(&j->done);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

int gl_journal_start_writer(struct gl_journal *j, uint64_t min_interval_ns)
{
	if (j->writer)
		return 0;
	j->min_interval_ns = min_interval_ns;
	if (pthread_create(&j->thread, NULL, writer_main, j) != 0)
		return GL_EIO;
	pthread_setname_np(j->thread, "gl-journal");
	j->writer = true;
	return 0;
}

void gl_journal_submit(struct gl_journal *j, const struct journal_state *st)
{
	uint8_t *image;
	size_t len;
	int rc = journal_encode(st, &image, &len);
	if (rc != 0) {
		count_write(j, rc == GL_ENOMEM ? -ENOMEM : -ERANGE, 0);
		return;
	}
	if (!j->writer) {
		rc = write_image(j, image, len);
		count_write(j, rc, len);
		free(image);
		return;
	}
	pthread_mutex_lock(&j->lock);
	free(j->pending);
	j->pending = image;
	j->pending_len = len;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
}

void gl_journal_flush(struct gl_journal *j)
{
	if (!j->writer)
		return;
	pthread_mutex_lock(&j->lock);
	j->hurry = true;
	pthread_cond_signal(&j->wake);
	while (j->pending || j->busy)
		pthread_cond_wait(&j->done, &j->lock);
	j->hurry = false;
	pthread_mutex_unlock(&j->lock);
}

void gl_journal_stats(struct gl_journal *j, struct gl_journal_stats *out)
{
	pthread_mutex_lock(&j->lock);
	*out = j->stats;
	pthread_mutex_unlock(&j->lock);
}

void gl_journal_close(struct gl_journal *j)
{
	if (!j)
		return;
	if (j->writer) {
		pthread_mutex_lock(&j->lock);
		j->stop = true;               /* what is pending is still written */
		pthread_cond_signal(&j->wake);
		pthread_mutex_unlock(&j->lock);
		pthread_join(j->thread, NULL);
	}
	free(j->pending);
	for (int i = 0; i < 2; i++)
		if (j->slots[i].fd >= 0)
			j->io.close(j->slots[i].fd);
	if (j->lock_fd >= 0)
		j->io.close(j->lock_fd);      /* and the lock with it */
	if (j->have_found)
		journal_state_free(&j->found);
	pthread_cond_destroy(&j->wake);
	pthread_cond_destroy(&j->done);
	pthread_mutex_destroy(&j->lock);
	free(j);
}
