/*
 * log.h - where `play`'s log lines go, for a show nobody watches:
 *  - stderr, as always; when stderr is the systemd journal ($JOURNAL_STREAM
 *    names it), each line starts with its syslog level ("<3>" error, "<4>"
 *    warning, "<5>" notice, "<6>" info), which journald takes as the
 *    line's priority (`journalctl -p err` finds the errors);
 *  - or a file (`play --log FILE`): stdout and stderr both go there (what
 *    libraries print too), lines carry the wall-clock time, and the file
 *    is rotated by size: FILE -> FILE.1 -> ... -> FILE.<keep>, the oldest
 *    dropped. The size is checked at most once a second (a burst may pass
 *    it by what one second prints).
 *
 * gl_log_to_file() and gl_log_service() on the control thread; the rest
 * from any thread.
 */
#ifndef GL_LOG_H
#define GL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gl_log_level {
	GL_LOG_ERR = 3,
	GL_LOG_WARNING = 4,
	GL_LOG_NOTICE = 5,
	GL_LOG_INFO = 6,
};

#define GL_LOG_SIZE_DEFAULT (10u * 1024u * 1024u)
#define GL_LOG_KEEP_DEFAULT 5

/* Sends stdout and stderr to path (appended), rotated at max_bytes with
 * `keep` older files. Returns 0, or -1 with why in err (nothing changed). */
int gl_log_to_file(const char *path, uint64_t max_bytes, int keep, char *err, size_t err_len);
/* Rotates the file when it has grown past its size (at most once a
 * second does it look). Nothing without a log file. */
void gl_log_service(uint64_t now_ns);
/* True when stderr is the systemd journal. */
bool gl_log_journal(void);

/* One line to stderr: "<3>" under journald, then a time ("[  12.345]",
 * seconds since `since_ns`; the wall-clock time in a log file), then the
 * text. */
void gl_log(enum gl_log_level level, uint64_t since_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "10M", "64k", "1048576": bytes; 0 when it does not parse. */
uint64_t gl_log_parse_size(const char *text);

#endif
