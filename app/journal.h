/*
 * journal.h - a show's resume journal on disk: two slot files written in
 * turn, so that whatever stops a write (a crash, a power cut, a full disk)
 * the other slot still holds the state before it. Each slot holds one
 * image (journal_wire.h) whose checksums tell a torn or corrupt one; the
 * reader takes the readable slot with the larger sequence number.
 *
 * Files, in the state directory's resume/ folder (outputs/statedir.h),
 * keyed by the show's real path: <key>.a, <key>.b (the slots) and
 * <key>.lock (flock: one ghostlight per show journal; a second one runs
 * without). A write is pwrite of the whole image at offset 0, ftruncate
 * to its length, fdatasync; a slot file just made also has its folder
 * fsynced. The newest readable slot is never written over.
 *
 * The system calls go through a table (struct gl_journal_io) a test can
 * replace, to fail or cut short any one of them (tests/test_journal.c).
 *
 * Threads: one owner thread calls open/found/close; gl_journal_submit()
 * may come from it too and hands the image to the journal's writer thread
 * (started by gl_journal_start_writer()), so a slow disk never holds up
 * the caller. Without a writer thread, gl_journal_write() writes at once.
 */
#ifndef GL_JOURNAL_H
#define GL_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "journal_wire.h"

struct gl_journal_io {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*close)(int fd);
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t at);
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t at);
	int (*ftruncate)(int fd, off_t len);
	int (*fdatasync)(int fd);
	int (*fsync)(int fd);
	int (*fstat)(int fd, struct stat *st);
	int (*flock)(int fd, int op);
};

/* The real system calls. */
extern const struct gl_journal_io gl_journal_io_default;

struct gl_journal;

/* The journal of the show whose real path is show_real_path, in folder
 * dir (made when missing). Takes the lock and reads both slots. Returns
 * NULL with why in err: the folder cannot be made, the lock is held by
 * another process. io NULL: the real system calls. */
struct gl_journal *gl_journal_open(const char *dir, const char *show_real_path,
				   const struct gl_journal_io *io, char *err, size_t err_len);

/* The same without taking the lock (ghostlight may be running the show),
 * for reading only: writes fail with -EPERM. The folder is not made. */
struct gl_journal *gl_journal_peek(const char *dir, const char *show_real_path, char *err,
				   size_t err_len);
/* Slot i (0 = a, 1 = b) as found: readable (its seq), or why not
 * ("absent", "checksum ..."); its file. */
bool gl_journal_slot(const struct gl_journal *j, int i, uint64_t *seq, const char **why,
		     const char **path);

/* What the journal held when it was opened: the newest readable state, or
 * NULL when none (no journal yet, both slots unreadable). note: what was
 * found, for the operator ("slot b unreadable: checksum ...; slot a (seq
 * 41) read instead"), "" when both slots were fine or absent. */
const struct journal_state *gl_journal_found(const struct gl_journal *j, char *note,
					     size_t note_len);

/* Writes st as the newest (its seq is set by the journal). Returns 0, or a
 * negative errno of the system call that failed (its slot is then taken
 * for torn: the next write goes there again). Owner thread, and only
 * while no writer thread runs. */
int gl_journal_write(struct gl_journal *j, const struct journal_state *st);

/* The writer thread: writes what gl_journal_submit() hands it, the newest
 * only, at most one write per min_interval_ns. Returns 0 or GL_EIO. */
int gl_journal_start_writer(struct gl_journal *j, uint64_t min_interval_ns);
/* Encodes st now (on the caller's thread) and hands the image over; a
 * newer one replaces one not yet written. Without a writer: writes. */
void gl_journal_submit(struct gl_journal *j, const struct journal_state *st);
/* Waits until what was submitted is written (or failed). */
void gl_journal_flush(struct gl_journal *j);

struct gl_journal_stats {
	uint64_t writes, write_errors;
	uint64_t bytes;              /* of the last image */
	char last_error[160];        /* "" none */
};
/* Any thread. */
void gl_journal_stats(struct gl_journal *j, struct gl_journal_stats *out);

/* Flushes, stops the writer, closes the files and the lock. NULL ok. */
void gl_journal_close(struct gl_journal *j);

/* The key of a show's journal files: 16 hex digits of SHA-256 of its real
 * path, into key (17 bytes). */
void gl_journal_key(const char *show_real_path, char key[17]);

#endif
