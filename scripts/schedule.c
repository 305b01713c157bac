/*
 * schedule.c - wall-clock rules, their next and last firing in local time,
 * and sunrise/sunset (see schedule.h). Pure; any thread.
 *
 * The sun: NOAA's solar calculator equations (from Meeus, "Astronomical
 * Algorithms"): the sun's declination and the equation of time for the
 * instant, the hour angle at which its centre is 90.833 degrees from the
 * zenith (half a degree of disc and refraction), solved twice, the second
 * time at the first answer, which puts it within a few seconds of the
 * published tables.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"

#define DEG (M_PI / 180.0)

/* ---- dates ------------------------------------------------------------------- */

struct date {
	int y, m, d;
};

/* Noon UTC of the date: a day counter that steps dates without a time zone. */
static time_t date_noon(struct date dt)
{
	struct tm tm = { .tm_year = dt.y - 1900, .tm_mon = dt.m - 1, .tm_mday = dt.d,
			 .tm_hour = 12 };
	return timegm(&tm);
}

static struct date date_add(struct date dt, int days)
{
	time_t t = date_noon(dt) + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	return (struct date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

static int weekday(struct date dt)
{
	time_t t = date_noon(dt);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_wday;
}

static struct date local_date(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return (struct date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* ---- the sun ------------------------------------------------------------------ */

/* Minutes after 0:00 UTC of the date of sunrise (dir -1) or sunset (+1), the
 * sun's position taken at minute `at`. NAN when the sun does not cross. */
static double sun_event(const struct gl_location *loc, double jd0, double at, int dir)
{
	double jc = (jd0 + at / 1440.0 - 2451545.0) / 36525.0;
	double l0 = fmod(280.46646 + jc * (36000.76983 + jc * 0.0003032), 360.0);
	double m = 357.52911 + jc * (35999.05029 - 0.0001537 * jc);
	double e = 0.016708634 - jc * (0.000042037 + 0.0000001267 * jc);
	double c = sin(m * DEG) * (1.914602 - jc * (0.004817 + 0.000014 * jc)) +
		   sin(2 * m * DEG) * (0.019993 - 0.000101 * jc) + sin(3 * m * DEG) * 0.000289;
	double omega = 125.04 - 1934.136 * jc;
	double lambda = l0 + c - 0.00569 - 0.00478 * sin(omega * DEG);
	double eps0 = 23.0 + (26.0 + (21.448 - jc * (46.815 + jc * (0.00059 - jc * 0.001813))) /
				     60.0) / 60.0;
	double eps = eps0 + 0.00256 * cos(omega * DEG);
	double decl = asin(sin(eps * DEG) * sin(lambda * DEG));
	double y = tan(eps * DEG / 2) * tan(eps * DEG / 2);
	double eqtime = 4.0 / DEG * (y * sin(2 * l0 * DEG) - 2 * e * sin(m * DEG) +
				      4 * e * y * sin(m * DEG) * cos(2 * l0 * DEG) -
				      0.5 * y * y * sin(4 * l0 * DEG) -
				      1.25 * e * e * sin(2 * m * DEG));
	double lat = loc->latitude * DEG;
	double cos_ha = cos(90.833 * DEG) / (cos(lat) * cos(decl)) - tan(lat) * tan(decl);
	if (cos_ha < -1.0 || cos_ha > 1.0)
		return NAN;
	double ha = acos(cos_ha) / DEG;
	return 720.0 - 4.0 * loc->longitude - eqtime + dir * 4.0 * ha;
}

int gl_sun_times(const struct gl_location *loc, int year, int month, int day, time_t *rise,
		 time_t *set)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day };
	time_t midnight = timegm(&tm);
	double jd0 = (double)midnight / 86400.0 + 2440587.5;
	double noon = 720.0 - 4.0 * loc->longitude;
	double r = sun_event(loc, jd0, noon, -1), s = sun_event(loc, jd0, noon, +1);
	if (isnan(r) || isnan(s)) {
		/* up all day when the sun at noon stands above the horizon */
		double jc = (jd0 + noon / 1440.0 - 2451545.0) / 36525.0;
		double l = 280.46646 + 36000.76983 * jc + 1.9 * sin((357.5 + 35999.05 * jc) * DEG);
		double decl = asin(sin(23.44 * DEG) * sin(l * DEG));
		return loc->latitude * decl > 0 ? 1 : -1;
	}
	r = sun_event(loc, jd0, r, -1);
	s = sun_event(loc, jd0, s, +1);
	if (isnan(r) || isnan(s))
		return loc->latitude > 0 ? 1 : -1;
	*rise = midnight + (time_t)llround(r * 60.0);
	*set = midnight + (time_t)llround(s * 60.0);
	return 0;
}

/* ---- rules -------------------------------------------------------------------- */

static bool same_wall(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	       a->tm_hour == b->tm_hour && a->tm_min == b->tm_min && a->tm_sec == b->tm_sec;
}

/* The instant the clock shows `seconds` into the date: the first one
 * when the clocks go back (the time is there twice), the end of the gap
 * when they go forward (the time is not there at all). */
static time_t clock_time(struct date dt, int seconds)
{
	struct tm want = { .tm_year = dt.y - 1900, .tm_mon = dt.m - 1, .tm_mday = dt.d,
			   .tm_hour = seconds / 3600, .tm_min = seconds / 60 % 60,
			   .tm_sec = seconds % 60 };
	time_t best = (time_t)-1;
	for (int dst = 0; dst <= 1; dst++) {
		struct tm tm = want, got;
		tm.tm_isdst = dst;
		time_t t = mktime(&tm);
		if (t == (time_t)-1 || !localtime_r(&t, &got) || !same_wall(&got, &want) ||
		    got.tm_isdst != dst)
			continue;
		if (best == (time_t)-1 || t < best)
			best = t;
	}
	if (best != (time_t)-1)
		return best;
	/* in the gap: mktime puts it past the gap; walk back to the gap's end */
	struct tm tm = want;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return t;
	for (int i = 0; i < 24 * 60; i++) {
		struct tm before;
		time_t prev = t - 60;
		localtime_r(&prev, &before);
		int secs = before.tm_hour * 3600 + before.tm_min * 60 + before.tm_sec;
		if (before.tm_mday != want.tm_mday || secs < seconds)
			break;
		t = prev;
	}
	return t;
}

/* When the rule fires on local date dt; -1 when not that day. */
static time_t fire_on(const struct gl_sched_rule *r, const struct gl_location *loc,
		      struct date dt)
{
	if (r->year && (dt.y != r->year || dt.m != r->month || dt.d != r->day))
		return (time_t)-1;
	if (!(r->days & (1u << weekday(dt))))
		return (time_t)-1;
	if (r->anchor == GL_SCHED_CLOCK)
		return clock_time(dt, r->seconds);
	time_t rise, set;
	if (!loc || gl_sun_times(loc, dt.y, dt.m, dt.d, &rise, &set) != 0)
		return (time_t)-1;
	return (r->anchor == GL_SCHED_SUNRISE ? rise : set) + r->seconds;
}

time_t gl_sched_next(const struct gl_sched_rule *r, const struct gl_location *loc, time_t after)
{
	struct date d0 = local_date(after);
	if (r->year) {
		struct date on = { r->year, r->month, r->day };
		time_t t = fire_on(r, loc, on);
		return t != (time_t)-1 && t > after ? t : (time_t)-1;
	}
	/* from the day before: a sun rule's offset may reach past midnight */
	for (int k = -1; k <= 400; k++) {
		time_t t = fire_on(r, loc, date_add(d0, k));
		if (t != (time_t)-1 && t > after)
			return t;
	}
	return (time_t)-1;
}

time_t gl_sched_prev(const struct gl_sched_rule *r, const struct gl_location *loc, time_t at,
		     int max_days)
{
	struct date d0 = local_date(at);
	for (int k = 1; k >= -max_days; k--) {
		time_t t = fire_on(r, loc, date_add(d0, k));
		if (t != (time_t)-1 && t <= at && at - t <= (time_t)max_days * 86400 + 86400)
			return t;
	}
	return (time_t)-1;
}

/* ---- parsing ------------------------------------------------------------------ */

/* "HH:MM" or "HH:MM:SS" (hours up to max_h), exactly: the seconds. */
static int parse_hms(const char *s, int max_h)
{
	int h, m, sec = 0, n = 0;
	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2)
		return -1;
	if (s[n] == ':') {
		int n2 = 0;
		if (sscanf(s + n + 1, "%2d%n", &sec, &n2) != 1)
			return -1;
		n += 1 + n2;
	}
	if (s[n] || h < 0 || h > max_h || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

int gl_sched_parse(const char *text, struct gl_sched_rule *r, char *err, size_t len)
{
	memset(r, 0, sizeof *r);
	r->days = GL_SCHED_EVERY_DAY;
	const char *rest = NULL;
	if (strncmp(text, "sunrise", 7) == 0) {
		r->anchor = GL_SCHED_SUNRISE;
		rest = text + 7;
	} else if (strncmp(text, "sunset", 6) == 0) {
		r->anchor = GL_SCHED_SUNSET;
		rest = text + 6;
	}
	if (rest) {
		if (!*rest)
			return 0;
		int sign = *rest == '+' ? 1 : *rest == '-' ? -1 : 0, v = -1;
		char unit = 0, tail = 0;
		int num;
		if (sign) {
			v = parse_hms(rest + 1, 12);
			if (v < 0 && sscanf(rest + 1, "%d%c%c", &num, &unit, &tail) == 2 && num >= 0 &&
			    num <= 720 && (unit == 'm' || unit == 'h'))
				v = unit == 'h' ? num * 3600 : num * 60;
			if (v > 12 * 3600)
				v = -1;
		}
		if (v < 0) {
			snprintf(err, len, "\"%s\": after %s, an offset like +00:30, -15m or +1h "
				 "(at most 12 h)", text, r->anchor == GL_SCHED_SUNRISE ? "sunrise" : "sunset");
			return -1;
		}
		r->seconds = sign * v;
		return 0;
	}
	int y, mo, d, n = 0;
	if (sscanf(text, "%4d-%2d-%2d %n", &y, &mo, &d, &n) == 3 && n > 0) {
		if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31) {
			snprintf(err, len, "\"%s\": not a date YYYY-MM-DD", text);
			return -1;
		}
		struct date check = date_add((struct date){ y, mo, d }, 0);
		if (check.m != mo || check.d != d) {
			snprintf(err, len, "\"%s\": there is no such day", text);
			return -1;
		}
		r->year = y;
		r->month = mo;
		r->day = d;
		text += n;
	}
	r->seconds = parse_hms(text, 23);
	if (r->seconds < 0) {
		snprintf(err, len, "\"%s\" is not a time like \"18:00\", \"07:30:15\", \"sunset\", "
			 "\"sunrise+00:30\" or \"2026-12-24 18:00\"", text);
		return -1;
	}
	return 0;
}

int gl_sched_parse_days(const char *text, uint8_t *days, char *err, size_t len)
{
	static const char *const names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	if (strcmp(text, "daily") == 0) {
		*days = GL_SCHED_EVERY_DAY;
		return 0;
	}
	if (strcmp(text, "weekdays") == 0) {
		*days = 0x3e;
		return 0;
	}
	if (strcmp(text, "weekends") == 0) {
		*days = 0x41;
		return 0;
	}
	uint8_t mask = 0;
	const char *p = text;
	while (*p) {
		int a = -1, b = -1;
		for (int i = 0; i < 7; i++)
			if (strncmp(p, names[i], 3) == 0)
				a = i;
		if (a < 0)
			goto bad;
		p += 3;
		b = a;
		if (*p == '-') {
			b = -1;
			for (int i = 0; i < 7; i++)
				if (strncmp(p + 1, names[i], 3) == 0)
					b = i;
			if (b < 0)
				goto bad;
			p += 4;
		}
		for (int i = a;; i = (i + 1) % 7) {   /* "fri-mon" wraps */
			mask |= (uint8_t)(1u << i);
			if (i == b)
				break;
		}
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	if (!mask)
		goto bad;
	*days = mask;
	return 0;
bad:
	snprintf(err, len, "days \"%s\": write \"mon-fri\", \"sat,sun\", \"weekdays\", "
		 "\"weekends\" or \"daily\"", text);
	return -1;
}
