/*
 * schedule.h - wall-clock schedules for unattended shows: rules like
 * "18:00 on weekdays", "sunset - 00:30", "2026-12-24 18:00", when such a
 * rule next fires and when it last fired, and sunrise and sunset for a
 * place, computed here (NOAA's solar equations, after Meeus).
 *
 * Pure functions; any thread. Clock times are local time in the process's
 * time zone (TZ), through localtime_r() and mktime(): a rule at 02:30 on
 * the night the clocks go forward fires at the first instant after the
 * gap (03:00), once; on the night they go back it fires once, at the
 * first 02:30.
 */
#ifndef GL_SCHEDULE_H
#define GL_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum gl_sched_anchor { GL_SCHED_CLOCK, GL_SCHED_SUNRISE, GL_SCHED_SUNSET };

#define GL_SCHED_EVERY_DAY 0x7f   /* bit 0 Sunday .. bit 6 Saturday */

struct gl_sched_rule {
	enum gl_sched_anchor anchor;
	int seconds;          /* clock: of the day (0..86399); sun: offset (+-) */
	uint8_t days;         /* weekdays it fires on */
	int year, month, day; /* a date: that day only (year 0: every day) */
};

struct gl_location {
	double latitude;      /* degrees, north positive */
	double longitude;     /* degrees, east positive */
};

/* Parses "18:00", "18:00:30", "sunrise", "sunset+00:30", "sunset-15m",
 * "sunrise+1h", "2026-12-24 18:00". Days are set to every day. Returns 0,
 * or -1 with why in err. */
int gl_sched_parse(const char *text, struct gl_sched_rule *rule, char *err, size_t len);
/* Parses days: "mon-fri", "sat,sun", "weekdays", "weekends", "daily",
 * "tue,thu-sat". Returns 0, or -1 with why in err. */
int gl_sched_parse_days(const char *text, uint8_t *days, char *err, size_t len);

/* The first instant after `after` at which the rule fires; (time_t)-1 when
 * it never does (a date gone by, the sun not rising for a year). `loc`
 * only for sun rules. */
time_t gl_sched_next(const struct gl_sched_rule *rule, const struct gl_location *loc,
		     time_t after);
/* The last instant at or before `at` at which it fired, looking back at
 * most max_days days; (time_t)-1 none. */
time_t gl_sched_prev(const struct gl_sched_rule *rule, const struct gl_location *loc,
		     time_t at, int max_days);

/* Sunrise and sunset on the local calendar day y-m-d (the sun's upper
 * limb at the horizon, with refraction: 90.833 degrees from the zenith).
 * Returns 0 with both set; 1 when the sun stays up all day, -1 when it
 * stays down (neither set). */
int gl_sun_times(const struct gl_location *loc, int year, int month, int day, time_t *rise,
		 time_t *set);

#endif
