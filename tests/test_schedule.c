/*
 * test_schedule.c - wall-clock schedules (scripts/schedule.c) in a fixed
 * time zone (TZ=Europe/Berlin, set here; New York and Sydney where a test
 * says): rules across midnight and both DST changes, days of the week,
 * dates, sun offsets, parsing; sunrise and sunset against published
 * values; and a show's at() (days, dates, sun offsets at its location),
 * calendar every() (hours across the autumn change of the clocks), a stall
 * and its missed-schedule policy at a late start and after a restart, on
 * a fake wall clock (gl_show_set_wall_clock): nothing here waits on time.
 *
 * Sunrise/sunset references (each rounded to the minute by its source; we
 * ask for the computed instant within 60 s of the published minute):
 *  - London, Inverness, Belfast: the i newspaper's UK sunrise and sunset
 *    tables, "Sunrise and sunset times in the UK" (inews.co.uk, for Friday
 *    21 December 2018) and "When will it start getting lighter again? UK
 *    sunrise and sunset times" (inews.co.uk, 2023: 22 December 2023,
 *    1 January 2024 and 20 June 2024 for London);
 *  - New York: sunrise on 21 June 2026, 5:25 am EDT, as published for the
 *    city's "today's sunrise and sunset" (winenfood.com, June 2026);
 *  - Tromsø (69.65 N): midnight sun at the June solstice, polar night at
 *    the December one.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scripts/schedule.h"
#include "scripts/show.h"
#include "tools/scratch.h"

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* The instant a local wall time names (in the current TZ; isdst as given,
 * -1: let mktime decide). */
static time_t local(int y, int mo, int d, int h, int mi, int s, int isdst)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s, .tm_isdst = isdst };
	return mktime(&tm);
}

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s };
	return timegm(&tm);
}

static struct gl_sched_rule rule(const char *text)
{
	struct gl_sched_rule r;
	char err[200];
	if (gl_sched_parse(text, &r, err, sizeof err) != 0)
		fail_msg("\"%s\" does not parse: %s", text, err);
	return r;
}

/* ---- rules in local time --------------------------------------------------------- */

static void test_across_midnight(void **state)
{
	set_tz("Europe/Berlin");
	struct gl_sched_rule r = rule("00:30");
	/* 23:50 on the 14th: next at 00:30 on the 15th */
	assert_true(gl_sched_next(&r, NULL, local(2026, 1, 14, 23, 50, 0, -1)) ==
		    local(2026, 1, 15, 0, 30, 0, -1));
	/* on the instant itself: the next day's */
	assert_true(gl_sched_next(&r, NULL, local(2026, 1, 15, 0, 30, 0, -1)) ==
		    local(2026, 1, 16, 0, 30, 0, -1));
	r = rule("23:59:30");
	assert_true(gl_sched_next(&r, NULL, local(2026, 12, 31, 23, 59, 29, -1)) ==
		    local(2026, 12, 31, 23, 59, 30, -1));
	assert_true(gl_sched_next(&r, NULL, local(2026, 12, 31, 23, 59, 30, -1)) ==
		    local(2027, 1, 1, 23, 59, 30, -1));   /* into the new year */
	/* the last firing before an instant just past midnight: yesterday's */
	assert_true(gl_sched_prev(&r, NULL, local(2027, 1, 1, 0, 0, 10, -1), 7) ==
		    local(2026, 12, 31, 23, 59, 30, -1));
}

static void test_dst_changes(void **state)
{
	set_tz("Europe/Berlin");
	/* 29 March 2026: 02:00 CET -> 03:00 CEST. 02:30 does not exist: it
	 * fires once, at the end of the gap, 03:00 CEST = 01:00 UTC */
	struct gl_sched_rule r = rule("02:30");
	time_t t = gl_sched_next(&r, NULL, utc(2026, 3, 28, 12, 0, 0));
	assert_true(t == utc(2026, 3, 29, 1, 0, 0));
	t = gl_sched_next(&r, NULL, t);
	assert_true(t == utc(2026, 3, 30, 0, 30, 0));    /* 02:30 CEST */
	/* 09:00 every day: 23 hours apart across the change */
	r = rule("09:00");
	t = gl_sched_next(&r, NULL, utc(2026, 3, 28, 0, 0, 0));
	assert_true(t == utc(2026, 3, 28, 8, 0, 0));
	time_t t2 = gl_sched_next(&r, NULL, t);
	assert_true(t2 == utc(2026, 3, 29, 7, 0, 0));
	assert_int_equal(t2 - t, 23 * 3600);

	/* 25 October 2026: 03:00 CEST -> 02:00 CET. 02:30 happens twice: it
	 * fires once, at the first (CEST, 00:30 UTC), then the next day */
	r = rule("02:30");
	t = gl_sched_next(&r, NULL, utc(2026, 10, 24, 12, 0, 0));
	assert_true(t == utc(2026, 10, 25, 0, 30, 0));
	t2 = gl_sched_next(&r, NULL, t);
	assert_true(t2 == utc(2026, 10, 26, 1, 30, 0));  /* 02:30 CET */
	assert_int_equal(t2 - t, 25 * 3600);
	/* from inside the repeated hour (the second 02:15), not again today */
	assert_true(gl_sched_next(&r, NULL, utc(2026, 10, 25, 1, 15, 0)) == t2);
	r = rule("09:00");
	t = gl_sched_next(&r, NULL, utc(2026, 10, 25, 0, 0, 0));
	assert_true(t == utc(2026, 10, 25, 8, 0, 0));    /* 09:00 CET */
	/* and back across it: the last 09:00 before Monday noon */
	assert_true(gl_sched_prev(&r, NULL, utc(2026, 10, 26, 11, 0, 0), 7) ==
		    utc(2026, 10, 26, 8, 0, 0));
	assert_true(gl_sched_prev(&r, NULL, utc(2026, 10, 26, 7, 0, 0), 7) == t);
}

static void test_days_dates_and_parsing(void **state)
{
	set_tz("Europe/Berlin");
	struct gl_sched_rule r = rule("18:00");
	char err[200];
	assert_int_equal(gl_sched_parse_days("mon-fri", &r.days, err, sizeof err), 0);
	/* Friday 16 January 2026, 18:30: next Monday 19th */
	assert_true(gl_sched_next(&r, NULL, local(2026, 1, 16, 18, 30, 0, -1)) ==
		    local(2026, 1, 19, 18, 0, 0, -1));
	assert_int_equal(gl_sched_parse_days("fri-mon", &r.days, err, sizeof err), 0);
	assert_int_equal(r.days, 0x63);   /* wraps: fri sat sun mon */
	assert_int_equal(gl_sched_parse_days("weekends", &r.days, err, sizeof err), 0);
	assert_true(gl_sched_next(&r, NULL, local(2026, 1, 16, 18, 30, 0, -1)) ==
		    local(2026, 1, 17, 18, 0, 0, -1));
	assert_int_equal(gl_sched_parse_days("tue,thu-sat", &r.days, err, sizeof err), 0);
	assert_int_equal(r.days, 0x74);
	assert_int_equal(gl_sched_parse_days("mon-funday", &r.days, err, sizeof err), -1);
	assert_non_null(strstr(err, "mon-fri"));

	r = rule("2026-12-24 18:00");
	assert_true(gl_sched_next(&r, NULL, local(2026, 6, 1, 0, 0, 0, -1)) ==
		    local(2026, 12, 24, 18, 0, 0, -1));
	assert_true(gl_sched_next(&r, NULL, local(2026, 12, 24, 18, 0, 0, -1)) == (time_t)-1);

	static const char *const bad[] = { "25:00", "18:60", "18", "sunset+", "sunset*2",
					   "sunrise+13:00", "2026-02-30 10:00", "noon", "18:00x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct gl_sched_rule x;
		if (gl_sched_parse(bad[i], &x, err, sizeof err) == 0)
			fail_msg("\"%s\" parses", bad[i]);
	}
	r = rule("sunset-00:30");
	assert_int_equal(r.anchor, GL_SCHED_SUNSET);
	assert_int_equal(r.seconds, -1800);
	r = rule("sunrise+1h");
	assert_int_equal(r.seconds, 3600);
	r = rule("sunset-15m");
	assert_int_equal(r.seconds, -900);
}

/* ---- the sun ------------------------------------------------------------------------ */

static void sun_near(const char *tz, double lat, double lon, int y, int mo, int d, int rise_h,
		     int rise_m, int set_h, int set_m)
{
	set_tz(tz);
	struct gl_location loc = { lat, lon };
	time_t rise, set;
	assert_int_equal(gl_sun_times(&loc, y, mo, d, &rise, &set), 0);
	time_t want_rise = local(y, mo, d, rise_h, rise_m, 0, -1);
	time_t want_set = local(y, mo, d, set_h, set_m, 0, -1);
	if (rise_h >= 0 && llabs((long long)(rise - want_rise)) > 60)
		fail_msg("%s %04d-%02d-%02d: sunrise %+lld s from %02d:%02d", tz, y, mo, d,
			 (long long)(rise - want_rise), rise_h, rise_m);
	if (set_h >= 0 && llabs((long long)(set - want_set)) > 60)
		fail_msg("%s %04d-%02d-%02d: sunset %+lld s from %02d:%02d", tz, y, mo, d,
			 (long long)(set - want_set), set_h, set_m);
}

static void test_sunrise_sunset_published(void **state)
{
	/* the i: UK tables (see the file's header) */
	sun_near("Europe/London", 51.5074, -0.1278, 2018, 12, 21, 8, 4, 15, 53);
	sun_near("Europe/London", 57.4778, -4.2247, 2018, 12, 21, 8, 57, 15, 32);  /* Inverness */
	sun_near("Europe/London", 54.5973, -5.9301, 2018, 12, 21, 8, 44, 15, 59);  /* Belfast */
	sun_near("Europe/London", 51.5074, -0.1278, 2023, 12, 22, 8, 4, 15, 53);
	sun_near("Europe/London", 51.5074, -0.1278, 2024, 1, 1, 8, 6, 16, 1);
	sun_near("Europe/London", 51.5074, -0.1278, 2024, 6, 20, 4, 43, 21, 21);   /* BST */
	/* New York, EDT: sunrise only */
	sun_near("America/New_York", 40.7128, -74.0060, 2026, 6, 21, 5, 25, -1, 0);

	/* Tromsø: the sun neither sets in June nor rises in December */
	struct gl_location tromso = { 69.65, 18.96 };
	time_t rise, set;
	assert_int_equal(gl_sun_times(&tromso, 2026, 6, 21, &rise, &set), 1);
	assert_int_equal(gl_sun_times(&tromso, 2026, 12, 21, &rise, &set), -1);
	/* and a rule at sunset skips those days, firing on the first with one */
	struct gl_sched_rule r = rule("sunset");
	set_tz("Europe/Oslo");
	time_t t = gl_sched_next(&r, &tromso, local(2026, 6, 21, 12, 0, 0, -1));
	struct tm tm;
	localtime_r(&t, &tm);
	assert_true(tm.tm_mon + 1 == 7 && tm.tm_mday > 20);   /* late July */

	/* sunset - 30 min in Berlin: half an hour before that day's sunset,
	 * across midnight of the southern summer in Sydney too */
	set_tz("Europe/Berlin");
	struct gl_location berlin = { 52.52, 13.405 };
	r = rule("sunset-00:30");
	t = gl_sched_next(&r, &berlin, local(2026, 6, 1, 12, 0, 0, -1));
	assert_int_equal(gl_sun_times(&berlin, 2026, 6, 1, &rise, &set), 0);
	assert_true(t == set - 1800);
	set_tz("Australia/Sydney");
	struct gl_location sydney = { -33.8688, 151.2093 };
	r = rule("sunrise");
	t = gl_sched_next(&r, &sydney, local(2026, 12, 21, 12, 0, 0, -1));
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_mday, 22);
	assert_true(tm.tm_hour == 5 && tm.tm_min >= 38 && tm.tm_min <= 44);   /* AEDT */
}

/* ---- a show's schedules on a fake wall clock ------------------------------------------ */

static time_t fake_now;

static time_t fake_clock(void *ud)
{
	(void)ud;
	return fake_now;
}

static struct {
	char dir[64];
	struct gl_show *show;
} held;

static int teardown(void **state)
{
	gl_show_destroy(held.show);
	int rc = scratch_remove(held.dir);
	memset(&held, 0, sizeof held);
	return rc;
}

static struct gl_show *load_text(const char *text)
{
	char path[128], err[1024];
	if (!held.dir[0])
		assert_int_equal(scratch_make(held.dir, sizeof held.dir, "test_schedule"), 0);
	snprintf(path, sizeof path, "%s/sched.lua", held.dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	gl_show_destroy(held.show);
	held.show = gl_show_load(path, err, sizeof err);
	if (!held.show)
		fail_msg("the show does not load: %s", err);
	return held.show;
}

/* The log lines the show's handlers wrote since the last call, joined. */
static void logged(struct gl_show *s, char *out, size_t len)
{
	char line[512];
	out[0] = '\0';
	while (gl_show_take_error(s, line, sizeof line)) {
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s%s", used ? "|" : "",
			 strncmp(line, "log: ", 5) == 0 ? line + 5 : line);
	}
}

static const char *const sched_show =
	"show { name = \"Schedules\" }\n"
	"output { \"o\", type = \"sacn\", universes = {1} }\n"
	"patch { \"a\", type = \"generic/dimmer\", universe = 1, address = 1 }\n"
	"location { latitude = 52.52, longitude = 13.405 }\n"
	"schedule { missed = \"catch_up\" }\n"
	"at(\"10:00\", function(t, late) log(\"open \" .. tostring(late)) end)\n"
	"at(\"sunset\", function(t, late) log(\"dusk \" .. tostring(late)) end)\n"
	"at(\"23:00\", { days = \"fri,sat\" }, function(t, late) log(\"late \" .. tostring(late)) end)\n"
	"at(\"22:00\", { catch_up = false }, function() log(\"ignored\") end)\n"
	"every(\"hour\", function(t, late)\n"
	"  log(\"hour \" .. os.date(\"!%H\", t) .. (late and \" true\" or \"\")) end)\n";

static void test_show_catch_up_and_run(void **state)
{
	set_tz("Europe/Berlin");
	/* the show starts on Saturday 3 January 2026 at 23:30 after a power
	 * cut: open (10:00), dusk (sunset, about 16:05) and the Friday/Saturday
	 * 23:00 were due today: run once each, oldest first */
	fake_now = local(2026, 1, 3, 23, 30, 0, -1);
	struct gl_show *s = load_text(sched_show);
	gl_show_set_wall_clock(s, fake_clock, NULL);
	gl_show_start(s);
	char got[1024];
	logged(s, got, sizeof got);
	assert_string_equal(got, "open true|dusk true|late true");
	/* the next due: midnight (every hour) */
	assert_true(gl_show_next_schedule(s) == local(2026, 1, 4, 0, 0, 0, -1));
	fake_now = local(2026, 1, 4, 0, 0, 5, -1);
	gl_show_run_timers(s, gl_now_ns());
	logged(s, got, sizeof got);
	assert_string_equal(got, "hour 23");    /* UTC */
	/* ten hours on (a stall): each rule once, no burst of the hours that
	 * went by; the hour's handler gets the latest, 10:00, as late */
	fake_now = local(2026, 1, 4, 10, 0, 0, -1);
	gl_show_run_timers(s, gl_now_ns());
	logged(s, got, sizeof got);
	assert_string_equal(got, "open false|hour 09 true");
	fake_now = local(2026, 1, 4, 23, 30, 0, -1);   /* Sunday: no "late" */
	gl_show_run_timers(s, gl_now_ns());
	logged(s, got, sizeof got);
	assert_string_equal(got, "dusk false|ignored|hour 22 true");
	/* the poll loop's timeout: the next one as a monotonic instant */
	uint64_t now_ns = gl_now_ns(), next = gl_show_next_timer_ns(s);
	assert_true(next > now_ns && next - now_ns <= 31ull * 60 * GL_NS_PER_S);

	/* skip (the default): nothing runs at start */
	s = load_text("show { name = \"Skip\" }\n"
		      "output { \"o\", type = \"sacn\", universes = {1} }\n"
		      "at(\"10:00\", function() log(\"open\") end)\n"
		      "local id = at(\"11:00\", function() log(\"never\") end)\n"
		      "assert(cancel(id))\n");
	gl_show_set_wall_clock(s, fake_clock, NULL);
	gl_show_start(s);
	logged(s, got, sizeof got);
	assert_string_equal(got, "");
	fake_now = local(2026, 1, 5, 11, 0, 0, -1);
	gl_show_run_timers(s, gl_now_ns());
	logged(s, got, sizeof got);
	assert_string_equal(got, "open");
}

/* A show resumed from its journal (app/resume.c) catches up only what came
 * after the journal was written: the firings before it had run, and the
 * journal holds what they made live. */
static void test_show_catch_up_after_resume(void **state)
{
	(void)state;
	set_tz("Europe/Berlin");
	/* Saturday 3 January 2026, 23:30: open (10:00), dusk (about 16:05) and
	 * the Friday/Saturday 23:00 were due; each journal time below gives
	 * what came after it */
	static const struct {
		int hour, minute;
		const char *caught_up;
	} cases[] = {
		{ 9, 0, "open true|dusk true|late true" },
		{ 16, 30, "late true" },
		{ 23, 0, "" },        /* the 23:00 firing ran in that second */
		{ 23, 15, "" },
	};
	char got[1024];

	fake_now = local(2026, 1, 3, 23, 30, 0, -1);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct gl_show *s = load_text(sched_show);

		gl_show_set_wall_clock(s, fake_clock, NULL);
		gl_show_set_catch_up_since(s, local(2026, 1, 3, cases[i].hour, cases[i].minute,
						    0, -1));
		gl_show_start(s);
		logged(s, got, sizeof got);
		assert_string_equal(got, cases[i].caught_up);
	}
}

/* A show's dated at(), sun offsets at its location and every("hour")
 * across the autumn change of the clocks; then the same show restarted
 * (a power cut) later, with missed = "catch_up". */
static const char *const dated_show =
	"show { name = \"Dated\" }\n"
	"output { \"o\", type = \"sacn\", universes = {1} }\n"
	"location { latitude = 52.52, longitude = 13.405 }\n"
	"schedule { missed = \"catch_up\" }\n"
	"at(\"sunset-00:30\", function(t, late) log(\"pre \" .. os.date(\"!%H:%M\", t)) end)\n"
	"at(\"sunrise+1h\", { days = \"sun\" }, function(t) log(\"sun \" .. os.date(\"!%d\", t)) end)\n"
	"at(\"2026-10-25 02:30\", function(t, late) log(\"gala \" .. tostring(late)) end)\n"
	"at(\"2026-10-20 12:00\", function() log(\"gone\") end)\n"
	"every(\"hour\", function(t) log(\"h \" .. os.date(\"!%H\", t)) end)\n";

static void test_show_dates_sun_and_restart(void **state)
{
	set_tz("Europe/Berlin");
	struct gl_location berlin = { 52.52, 13.405 };
	time_t rise, set;
	char got[1024], want[256];
	/* Saturday 24 October 2026, 23:00 CEST (21:00 UTC): caught up, oldest
	 * first - last Sunday's sunrise + 1 h (the 18th), the 20th at noon
	 * (a date 4 days gone: within the 7 days), today's sunset - 30 min */
	fake_now = utc(2026, 10, 24, 21, 0, 0);
	struct gl_show *s = load_text(dated_show);
	gl_show_set_wall_clock(s, fake_clock, NULL);
	gl_show_start(s);
	logged(s, got, sizeof got);
	assert_int_equal(gl_sun_times(&berlin, 2026, 10, 24, &rise, &set), 0);
	struct tm tm;
	time_t pre = set - 1800;
	gmtime_r(&pre, &tm);
	snprintf(want, sizeof want, "sun 18|gone|pre %02d:%02d", tm.tm_hour, tm.tm_min);
	assert_string_equal(got, want);
	/* the night the clocks go back: every hour the clock shows, an hour
	 * apart (02:00 twice), and the gala at the first 02:30 (00:30 UTC) */
	static const int hours_utc[] = { 22, 23, 0, 1, 2 };
	for (int i = 0; i < 5; i++) {
		time_t t = gl_show_next_schedule(s);
		int h = hours_utc[i];
		assert_true(t == utc(2026, 10, h >= 22 ? 24 : 25, h, 0, 0));
		fake_now = t;
		gl_show_run_timers(s, gl_now_ns());
		logged(s, got, sizeof got);
		snprintf(want, sizeof want, "h %02d", h);
		assert_string_equal(got, want);
		if (h == 0) {     /* 02:00 CEST; the gala at 02:30 CEST comes next */
			fake_now = gl_show_next_schedule(s);
			assert_true(fake_now == utc(2026, 10, 25, 0, 30, 0));
			gl_show_run_timers(s, gl_now_ns());
			logged(s, got, sizeof got);
			assert_string_equal(got, "gala false");
		}
	}
	/* Sunday: sunrise + 1 h, then sunset - 30 min */
	assert_int_equal(gl_sun_times(&berlin, 2026, 10, 25, &rise, &set), 0);
	fake_now = rise + 3600;
	gl_show_run_timers(s, gl_now_ns());
	logged(s, got, sizeof got);
	assert_non_null(strstr(got, "sun 25"));

	/* a power cut; the show comes back on Monday 26th at 20:00 CET: the
	 * state that should be live - yesterday's sunrise rule, today's
	 * pre-sunset, the gala and the 20th (within 7 days) - once each,
	 * oldest first; the hours are not caught up */
	fake_now = local(2026, 10, 26, 20, 0, 0, -1);
	s = load_text(dated_show);
	gl_show_set_wall_clock(s, fake_clock, NULL);
	gl_show_start(s);
	logged(s, got, sizeof got);
	assert_int_equal(gl_sun_times(&berlin, 2026, 10, 26, &rise, &set), 0);
	pre = set - 1800;
	gmtime_r(&pre, &tm);
	snprintf(want, sizeof want, "gone|gala true|sun 25|pre %02d:%02d", tm.tm_hour, tm.tm_min);
	assert_string_equal(got, want);
	/* and a dated rule fires once only: nothing is due for it again */
	fake_now = local(2027, 10, 25, 2, 30, 0, -1);
	gl_show_run_timers(s, gl_now_ns());
	logged(s, got, sizeof got);
	assert_null(strstr(got, "gala"));
}

static void test_show_schedule_errors(void **state)
{
	static const struct { const char *line, *want; } bad[] = {
		{ "at(\"sunset\", function() end)", "need the show's place" },
		{ "at(\"26:00\", function() end)", "is not a time" },
		{ "at(\"10:00\", { days = \"someday\" }, function() end)", "mon-fri" },
		{ "location { latitude = 95, longitude = 0 }", "latitude 95 is outside" },
		{ "schedule { missed = \"maybe\" }", "catch_up" },
		{ "every(\"fortnight\", function() end)", "\"minute\", \"hour\" or \"day\"" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128], err[1024] = "";
		if (!held.dir[0])
			assert_int_equal(scratch_make(held.dir, sizeof held.dir, "test_schedule"), 0);
		snprintf(path, sizeof path, "%s/bad.lua", held.dir);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "show { name = \"Bad\" }\n%s\n", bad[i].line);
		fclose(f);
		struct gl_show *s = gl_show_load(path, err, sizeof err);
		gl_show_destroy(s);
		if (s || !strstr(err, "bad.lua:2:") || !strstr(err, bad[i].want))
			fail_msg("%s: \"%s\", wanted line 2 and \"%s\"", bad[i].line, err, bad[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_across_midnight),
		cmocka_unit_test(test_dst_changes),
		cmocka_unit_test(test_days_dates_and_parsing),
		cmocka_unit_test(test_sunrise_sunset_published),
		cmocka_unit_test_teardown(test_show_catch_up_and_run, teardown),
		cmocka_unit_test_teardown(test_show_catch_up_after_resume, teardown),
		cmocka_unit_test_teardown(test_show_dates_sun_and_restart, teardown),
		cmocka_unit_test_teardown(test_show_schedule_errors, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
