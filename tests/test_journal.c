/*
 * test_journal.c - the resume journal: its bytes (round trip, a newer
 * writer's records, every single corrupted byte and every truncation
 * refused), its files (newest slot read, a corrupt one falls back to the
 * other, one ghostlight per journal), the writer thread, and fault
 * injection through the journal's system-call table: every call of a
 * write failing, a "crash" at every step (a write cut short, nothing done
 * after it), and torn sectors as a power cut leaves them. Whatever
 * happens, the journal read afterwards is readable and holds the state of
 * the last write that succeeded, or the one being written.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/journal.h"
#include "app/journal_wire.h"

#define SHOW_PATH "/shows/test.lua"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/gl-test-journal.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* A state that says which it is: n in the grand master, a list's cue,
 * a fader and a programmer value. */
static void make_state(struct journal_state *st, int n)
{
	memset(st, 0, sizeof *st);
	assert_int_equal(journal_state_alloc(st, 2, 1, 1), 0);
	st->has_show = true;
	memset(st->show_hash, 0xab, sizeof st->show_hash);
	st->written_ns = 1700000000000000000LL + n;
	snprintf(st->path, sizeof st->path, SHOW_PATH);
	snprintf(st->show_name, sizeof st->show_name, "Test");
	st->grand_master = (float)(n % 100) / 100.0f;
	st->blackout = n % 2;
	st->list_count = 2;
	st->lists[0] = (struct journal_list){ .name = "Main", .state = JOURNAL_LIST_RUNNING,
					      .go_order = (uint32_t)n, .elapsed_ns = 1500000000ull,
					      .master = 0.5f };
	snprintf(st->lists[0].active, sizeof st->lists[0].active, "%d", n);
	snprintf(st->lists[0].from, sizeof st->lists[0].from, "%d.5", n);
	st->lists[1] = (struct journal_list){ .name = "FX/2", .state = JOURNAL_LIST_OFF,
					      .master = 1.0f };
	st->fader_count = 1;
	st->faders[0] = (struct journal_fader){ 3, 0.25f };
	st->param_count = 1;
	st->params[0] = (struct journal_param){ .fixture = "front 2", .attr = "red", .value = 0.75f };
}

/* The image of make_state(n), for a test that wants only the bytes (the
 * caller frees it). */
static uint8_t *state_image(int n, size_t *len)
{
	struct journal_state st;
	uint8_t *img;

	make_state(&st, n);
	assert_int_equal(journal_encode(&st, &img, len), 0);
	journal_state_free(&st);
	return img;
}

/* Which state (make_state's n) a decoded state is. */
static int state_number(const struct journal_state *st)
{
	assert_true(st->has_show);
	assert_string_equal(st->path, SHOW_PATH);
	assert_int_equal(st->list_count, 2);
	assert_string_equal(st->lists[1].name, "FX/2");
	assert_true(st->param_count >= 1);
	assert_string_equal(st->params[0].fixture, "front 2");
	int n = atoi(st->lists[0].active);
	assert_int_equal(st->written_ns, 1700000000000000000LL + n);
	assert_int_equal(st->lists[0].go_order, (uint32_t)n);
	return n;
}

/* ---- bytes -------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct journal_state a, b;
	uint8_t *img;
	size_t len;
	char why[200];

	make_state(&a, 7);
	a.seq = 41;
	a.ended = true;
	assert_int_equal(journal_encode(&a, &img, &len), 0);
	assert_memory_equal(img, JOURNAL_MAGIC, 4);
	assert_int_equal(journal_decode(img, len, &b, why, sizeof why), 0);
	assert_int_equal(b.seq, 41);
	assert_true(b.ended);
	assert_int_equal(state_number(&b), 7);
	assert_memory_equal(b.show_hash, a.show_hash, sizeof a.show_hash);
	assert_float_equal(b.grand_master, a.grand_master, 0);
	assert_int_equal(b.blackout, a.blackout);
	assert_string_equal(b.lists[0].from, "7.5");
	assert_int_equal(b.lists[0].state, JOURNAL_LIST_RUNNING);
	assert_int_equal(b.lists[0].elapsed_ns, 1500000000ull);
	assert_float_equal(b.lists[0].master, 0.5f, 0);
	assert_int_equal(b.faders[0].number, 3);
	assert_float_equal(b.faders[0].level, 0.25f, 0);
	assert_string_equal(b.params[0].attr, "red");
	assert_float_equal(b.params[0].value, 0.75f, 0);
	assert_int_equal(b.skipped, 0);
	/* a longer file (an older, longer image behind it) reads the same */
	uint8_t *longer = calloc(1, len + 100);
	memcpy(longer, img, len);
	memset(longer + len, 0x5a, 100);
	journal_state_free(&b);
	assert_int_equal(journal_decode(longer, len + 100, &b, why, sizeof why), 0);
	assert_int_equal(state_number(&b), 7);
	/* the sequence number can be set on an image */
	journal_image_set_seq(img, 99);
	journal_state_free(&b);
	assert_int_equal(journal_decode(img, len, &b, why, sizeof why), 0);
	assert_int_equal(b.seq, 99);
	journal_state_free(&b);
	journal_state_free(&a);
	free(longer);
	free(img);
}

/* Builds an image from raw records (kind, version, body), checksums right. */
static size_t raw_image(uint8_t *out, const uint8_t *payload, size_t plen, uint16_t format);

#include <zlib.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static size_t raw_image(uint8_t *out, const uint8_t *payload, size_t plen, uint16_t format)
{
	memcpy(out, "GLJR", 4);
	out[4] = (uint8_t)format;
	out[5] = (uint8_t)(format >> 8);
	memset(out + 6, 0, 10);
	out[8] = 5;                               /* seq 5 */
	put32(out + 16, (uint32_t)plen);
	memcpy(out + JOURNAL_HEADER_SIZE, payload, plen);
	put32(out + 20, (uint32_t)crc32(0L, payload, (uInt)plen));
	put32(out + 24, (uint32_t)crc32(0L, out, 24));
	return JOURNAL_HEADER_SIZE + plen;
}

/* A journal written by a newer ghostlight: a record kind this one does not
 * know (skipped and counted), and a list record of version 2 with a field
 * appended (its version 1 fields read). */
static void test_newer_writer(void **state)
{
	struct journal_state b;
	uint8_t raw[4096];
	size_t len;
	char why[200];
	uint8_t *img = state_image(3, &len);
	uint8_t payload[4096];
	size_t plen = len - JOURNAL_HEADER_SIZE;
	memcpy(payload, img + JOURNAL_HEADER_SIZE, plen);
	/* the first list record: raise its version, append 4 bytes */
	size_t at = 0;
	while (at < plen) {
		uint16_t kind = (uint16_t)(payload[at] | payload[at + 1] << 8);
		uint32_t body = (uint32_t)payload[at + 4] | (uint32_t)payload[at + 5] << 8 |
				(uint32_t)payload[at + 6] << 16 | (uint32_t)payload[at + 7] << 24;
		if (kind == JOURNAL_REC_LIST) {
			payload[at + 2] = 2;
			put32(payload + at + 4, body + 4);
			memmove(payload + at + 8 + body + 4, payload + at + 8 + body,
				plen - (at + 8 + body));
			memcpy(payload + at + 8 + body, "\1\2\3\4", 4);
			plen += 4;
			break;
		}
		at += 8 + body;
	}
	/* and a record of kind 6 (an effect, say) at the end */
	uint8_t effect[] = { 6, 0, 1, 0, 3, 0, 0, 0, 'f', 'x', '1' };
	memcpy(payload + plen, effect, sizeof effect);
	plen += sizeof effect;
	size_t n = raw_image(raw, payload, plen, JOURNAL_FORMAT);
	assert_int_equal(journal_decode(raw, n, &b, why, sizeof why), 0);
	assert_int_equal(state_number(&b), 3);
	assert_int_equal(b.skipped, 1);
	journal_state_free(&b);
	/* another format is refused, by name */
	n = raw_image(raw, payload, plen, 2);
	assert_int_equal(journal_decode(raw, n, &b, why, sizeof why), GL_EINVAL);
	assert_non_null(strstr(why, "format 2"));
	free(img);
}

static void test_bad_records(void **state)
{
	uint8_t raw[512];
	char why[200];
	struct journal_state st;
	/* a show record, then a fader at level 1.5 */
	uint8_t p[256];
	size_t n = 0;
	uint8_t show[8 + 32 + 8 + 2 + 2] = { 1, 0, 1, 0, 44, 0, 0, 0 };
	memcpy(p, show, sizeof show);
	n += sizeof show;
	uint8_t fader[] = { 4, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x00, 0xc0, 0x3f };
	memcpy(p + n, fader, sizeof fader);
	size_t len = raw_image(raw, p, n + sizeof fader, JOURNAL_FORMAT);
	assert_int_equal(journal_decode(raw, len, &st, why, sizeof why), GL_EINVAL);
	assert_non_null(strstr(why, "record 2 (fader): a level outside 0..1"));
	/* without the fader it reads, with no lists */
	len = raw_image(raw, p, n, JOURNAL_FORMAT);
	assert_int_equal(journal_decode(raw, len, &st, why, sizeof why), 0);
	assert_int_equal(st.list_count, 0);
	assert_float_equal(st.grand_master, 1.0f, 0);
	journal_state_free(&st);
	/* a record claiming more bytes than there are */
	uint8_t cut[] = { 3, 0, 1, 0, 0xff, 0, 0, 0, 1 };
	len = raw_image(raw, cut, sizeof cut, JOURNAL_FORMAT);
	assert_int_equal(journal_decode(raw, len, &st, why, sizeof why), GL_EINVAL);
	assert_non_null(strstr(why, "cut short"));
	/* no show record */
	len = raw_image(raw, fader, sizeof fader, JOURNAL_FORMAT);
	assert_int_equal(journal_decode(raw, len, &st, why, sizeof why), GL_EINVAL);
}

/* Every byte of the image corrupted, every length cut: refused, never
 * misread (CRC-32 finds every error burst up to 32 bits). */
static void test_every_corruption_refused(void **state)
{
	struct journal_state b;
	size_t len;
	char why[200];
	uint8_t *img = state_image(12, &len);

	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			img[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(journal_decode(img, len, &b, why, sizeof why), GL_EINVAL);
			img[i] ^= (uint8_t)(1u << bit);
		}
		uint8_t keep = img[i];
		img[i] = (uint8_t)~keep;
		assert_int_equal(journal_decode(img, len, &b, why, sizeof why), GL_EINVAL);
		img[i] = keep;
	}
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(journal_decode(img, cut, &b, why, sizeof why), GL_EINVAL);
	assert_int_equal(journal_decode(img, len, &b, why, sizeof why), 0);
	journal_state_free(&b);
	free(img);
}

/* ---- files ----------------------------------------------------------------------- */

static struct gl_journal *open_ok(const struct gl_journal_io *io)
{
	char err[512];
	struct gl_journal *j = gl_journal_open(dir, SHOW_PATH, io, err, sizeof err);
	if (!j)
		fail_msg("gl_journal_open: %s", err);
	return j;
}

/* The state the journal holds on a fresh open, -1 for none. */
static int found_number(char *note, size_t len)
{
	struct gl_journal *j = open_ok(NULL);
	const struct journal_state *st = gl_journal_found(j, note, len);
	int n = st ? state_number(st) : -1;
	gl_journal_close(j);
	return n;
}

static void write_state(struct gl_journal *j, int n)
{
	struct journal_state st;
	make_state(&st, n);
	assert_int_equal(gl_journal_write(j, &st), 0);
	journal_state_free(&st);
}

static void slot_path(char *path, size_t len, char slot)
{
	char key[17];
	gl_journal_key(SHOW_PATH, key);
	snprintf(path, len, "%s/%s.%c", dir, key, slot);
}

static void test_slots_and_fallback(void **state)
{
	char note[300], path[256];

	assert_int_equal(found_number(note, sizeof note), -1);
	assert_string_equal(note, "");
	struct gl_journal *j = open_ok(NULL);
	write_state(j, 1);
	write_state(j, 2);
	write_state(j, 3);                 /* slots: a = 3, b = 2 */
	/* one ghostlight per journal */
	char err[512];
	assert_null(gl_journal_open(dir, SHOW_PATH, NULL, err, sizeof err));
	assert_non_null(strstr(err, "another ghostlight runs this show"));
	gl_journal_close(j);
	assert_int_equal(found_number(note, sizeof note), 3);
	assert_string_equal(note, "");
	/* the newest slot corrupted: the one before is read, and said */
	slot_path(path, sizeof path, 'a');
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XX", 2, 40), 2);
	close(fd);
	assert_int_equal(found_number(note, sizeof note), 2);
	assert_non_null(strstr(note, "slot a unreadable (checksum of the records does not "
				     "match (torn or corrupt)): slot b (the state before) read instead"));
	/* the next write goes over the torn slot, never the good one */
	j = open_ok(NULL);
	write_state(j, 4);
	gl_journal_close(j);
	assert_int_equal(found_number(note, sizeof note), 4);
	assert_string_equal(note, "");
	/* both unreadable: none, said */
	slot_path(path, sizeof path, 'b');
	assert_int_equal(truncate(path, 10), 0);
	slot_path(path, sizeof path, 'a');
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(found_number(note, sizeof note), -1);
	assert_non_null(strstr(note, "unreadable"));
	/* and a shorter image over a longer one leaves no stale tail */
	j = open_ok(NULL);
	write_state(j, 5);
	struct journal_state big;
	make_state(&big, 6);
	big.list_count = 1;
	assert_int_equal(gl_journal_write(j, &big), 0);
	journal_state_free(&big);
	write_state(j, 7);
	write_state(j, 8);
	gl_journal_close(j);
	assert_int_equal(found_number(note, sizeof note), 8);
}

static void test_writer_thread(void **state)
{
	struct gl_journal *j = open_ok(NULL);
	assert_int_equal(gl_journal_start_writer(j, 5000000), 0);
	for (int n = 1; n <= 200; n++) {
		struct journal_state st;
		make_state(&st, n);
		gl_journal_submit(j, &st);
		journal_state_free(&st);
	}
	gl_journal_flush(j);
	struct gl_journal_stats s;
	gl_journal_stats(j, &s);
	assert_int_equal(s.write_errors, 0);
	assert_true(s.writes >= 1 && s.writes <= 200);   /* the newest only */
	gl_journal_close(j);
	char note[300];
	assert_int_equal(found_number(note, sizeof note), 200);
}

/* ---- fault injection --------------------------------------------------------------- */

enum fault_mode {
	FAULT_ERROR,    /* the call fails with EIO; the journal goes on */
	FAULT_CRASH,    /* the process "dies" there: a pwrite writes half, and
			 * no call after it does anything */
};

static struct {
	enum fault_mode mode;
	int countdown;        /* mutating calls until the fault; 0 = none */
	int calls;            /* mutating calls seen */
	bool fired, dead;
} fault;

static bool fault_now(void)
{
	fault.calls++;
	if (fault.dead)
		return true;
	if (fault.countdown && fault.calls == fault.countdown) {
		fault.fired = true;
		if (fault.mode == FAULT_CRASH)
			fault.dead = true;
		return true;
	}
	return false;
}

/* The slot files' creation (the lock file is the open's, not a write's). */
static int f_open(const char *path, int flags, mode_t mode)
{
	size_t n = strlen(path);
	bool slot = n > 2 && path[n - 2] == '.' && (path[n - 1] == 'a' || path[n - 1] == 'b');
	if (slot && (flags & O_CREAT) && fault_now()) {
		errno = EIO;
		return -1;
	}
	return open(path, flags, mode);
}

static ssize_t f_pwrite(int fd, const void *buf, size_t len, off_t at)
{
	bool was_dead = fault.dead;
	if (fault_now()) {
		if (!was_dead && fault.mode == FAULT_CRASH && len > 1) {
			ssize_t n = pwrite(fd, buf, len / 2, at);   /* cut short, then dead */
			(void)n;
		}
		errno = EIO;
		return -1;
	}
	return pwrite(fd, buf, len, at);
}

static int f_ftruncate(int fd, off_t len)
{
	if (fault_now()) {
		errno = EIO;
		return -1;
	}
	return ftruncate(fd, len);
}

static int f_fdatasync(int fd)
{
	if (fault_now()) {
		errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

static int f_fsync(int fd)
{
	if (fault_now()) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

static const struct gl_journal_io faulty = {
	.open = f_open, .close = close, .pread = pread, .pwrite = f_pwrite,
	.ftruncate = f_ftruncate, .fdatasync = f_fdatasync, .fsync = f_fsync,
	.fstat = fstat, .flock = flock,
};

static void clear_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -f %s/*", dir);
	assert_int_equal(system(cmd), 0);
}

/* Writes states 1..5 through the faulty table (sizes alternate, so that
 * ftruncate runs too), the fault at the k-th mutating call. Returns the
 * last state whose write succeeded (0: none); *fired: whether the fault
 * was reached at all. */
static int faulty_run(enum fault_mode mode, int k, bool *fired)
{
	clear_dir();
	memset(&fault, 0, sizeof fault);
	fault.mode = mode;
	fault.countdown = k;
	struct gl_journal *j = open_ok(&faulty);
	int last_ok = 0;
	for (int n = 1; n <= 5; n++) {
		struct journal_state st;
		make_state(&st, n);
		if (n % 2 == 0)
			snprintf(st.show_name, sizeof st.show_name, "A longer show name, number %d", n);
		if (gl_journal_write(j, &st) == 0 && !fault.dead)
			last_ok = n;
		journal_state_free(&st);
	}
	gl_journal_close(j);
	*fired = fault.fired;
	return last_ok;
}

/* Whatever failed, the journal read afterwards holds the last state whose
 * write succeeded, or the one written after it (a write that reported a
 * failure, or was cut by a crash, after its data was all there): never an
 * older one, never nothing once a write succeeded. */
static void check_after_faults(enum fault_mode mode)
{
	int runs = 0;
	for (int k = 1; k < 100; k++) {
		bool fired;
		int last_ok = faulty_run(mode, k, &fired);
		if (!fired)
			break;             /* every call has had its fault */
		runs++;
		char note[300];
		int found = found_number(note, sizeof note);
		bool ok = found == last_ok || (found == last_ok + 1 && last_ok < 5) ||
			  (found == -1 && last_ok == 0);
		if (!ok)
			fail_msg("fault at call %d: read state %d, last written %d (note: %s)", k,
				 found, last_ok, note);
		if (mode == FAULT_ERROR)
			assert_true(last_ok >= 4);   /* one failure: the journal goes on */
	}
	assert_true(runs >= 10);
	print_message("%d runs, a fault at each mutating system call of 5 writes\n", runs);
}

static void test_faults_error(void **state)
{
	check_after_faults(FAULT_ERROR);
}

static void test_faults_crash(void **state)
{
	check_after_faults(FAULT_CRASH);
}

/* A power cut while a slot is written: any subset of its 512-byte sectors
 * reached the disk (new) and the rest did not (old). */
static void test_torn_sectors(void **state)
{
	clear_dir();
	struct gl_journal *j = open_ok(NULL);
	write_state(j, 1);
	write_state(j, 2);                 /* a = 1, b = 2: the next goes to a */
	gl_journal_close(j);
	char path[256];
	slot_path(path, sizeof path, 'a');
	/* many programmer values: an image of a few sectors */
	struct journal_state big;
	make_state(&big, 3);
	free(big.params);
	big.params = calloc(64, sizeof *big.params);
	big.param_count = 64;
	for (int i = 0; i < 64; i++)
		big.params[i] = (struct journal_param){ .fixture = "front 2", .attr = "red",
							.value = (float)i / 64.0f };
	big.seq = 3;
	uint8_t *img;
	size_t len;
	assert_int_equal(journal_encode(&big, &img, &len), 0);
	journal_state_free(&big);
	int fd = open(path, O_RDONLY);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	size_t old_len = (size_t)sb.st_size;
	uint8_t *old = malloc(old_len);
	assert_int_equal(read(fd, old, old_len), (ssize_t)old_len);
	close(fd);
	int sectors = (int)((len + 511) / 512);
	assert_true(sectors >= 3);
	unsigned seed = 1;
	for (int trial = 0; trial < 200; trial++) {
		unsigned mask = (unsigned)rand_r(&seed) & ((1u << sectors) - 1);
		fd = open(path, O_WRONLY | O_TRUNC);
		assert_int_equal(write(fd, old, old_len), (ssize_t)old_len);
		for (int s = 0; s < sectors; s++) {
			if (!(mask & (1u << s)))
				continue;
			size_t at = (size_t)s * 512, n = len - at < 512 ? len - at : 512;
			assert_int_equal(pwrite(fd, img + at, n, (off_t)at), (ssize_t)n);
		}
		close(fd);
		char note[300];
		int found = found_number(note, sizeof note);
		bool all = mask == (1u << sectors) - 1;
		/* whole: the new state; anything less: the one before (slot b) */
		if (found != (all ? 3 : 2))
			fail_msg("sectors %#x of %d: read %d", mask, sectors, found);
	}
	free(old);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_newer_writer),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_every_corruption_refused),
		cmocka_unit_test(test_slots_and_fallback),
		cmocka_unit_test(test_writer_thread),
		cmocka_unit_test(test_faults_error),
		cmocka_unit_test(test_faults_crash),
		cmocka_unit_test(test_torn_sectors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
