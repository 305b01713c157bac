/*
 * dmxusb_discover.c - finding USB DMX interfaces (see dmxusb.h): USB serial
 * ttys from sysfs, FTDI chips through libftdi, probing a device with the
 * Pro protocol, and resolving a show's device = "auto" | serial | path.
 *
 * Any thread except the engine's; probing waits (bounded by its timeout),
 * so drivers only resolve on their own output thread.
 */
#include "dmxusb.h"
#include "pro_wire.h"

#include <ctype.h>
#include <dirent.h>
#include <ftdi.h>
#include <libusb.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && v[0] ? v : fallback;
}

/* Reads a one-line sysfs attribute into out ("" when absent). */
static void read_attr(const char *dir, const char *name, char *out, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	out[0] = '\0';
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(out, (int)len, f)) {
		size_t n = strlen(out);

		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
			out[--n] = '\0';
	}
	fclose(f);
}

/* From a tty's sysfs device directory up to the USB device (the first
 * ancestor with idVendor). Returns 0 and the directory in out. */
static int usb_device_dir(const char *tty_device_link, char *out, size_t len)
{
	char real[PATH_MAX], probe[PATH_MAX];

	if (!realpath(tty_device_link, real))
		return -1;
	for (int depth = 0; depth < 8; depth++) {
		char *slash;

		if (snprintf(probe, sizeof probe, "%s/idVendor", real) < (int)sizeof probe &&
		    access(probe, R_OK) == 0) {
			snprintf(out, len, "%s", real);
			return 0;
		}
		slash = strrchr(real, '/');
		if (!slash || slash == real)
			return -1;
		*slash = '\0';
	}
	return -1;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dmxusb_device *x = a, *y = b;

	/* ttyACM before ttyUSB is arbitrary; numeric order within a family
	 * ("ttyUSB2" before "ttyUSB10") is what a user reads. */
	size_t lx = strlen(x->path), ly = strlen(y->path);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->path, y->path);
}

int dmxusb_list_ttys(struct dmxusb_device *out, int max)
{
	const char *sys = env_or("GHOSTLIGHT_SYSFS", "/sys");
	const char *dev = env_or("GHOSTLIGHT_DEVDIR", "/dev");
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/class/tty", sys);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		char link[PATH_MAX], usb[PATH_MAX], hex[16];
		struct dmxusb_device *x = &out[n];

		if (strncmp(de->d_name, "ttyUSB", 6) != 0 && strncmp(de->d_name, "ttyACM", 6) != 0)
			continue;
		if (snprintf(link, sizeof link, "%s/%s/device", dir, de->d_name) >= (int)sizeof link)
			continue;
		memset(x, 0, sizeof *x);
		snprintf(x->transport, sizeof x->transport, "tty");
		if (snprintf(x->path, sizeof x->path, "%s/%s", dev, de->d_name) >=
		    (int)sizeof x->tty)
			continue;   /* a GHOSTLIGHT_DEVDIR too long to name */
		memcpy(x->tty, x->path, strlen(x->path) + 1);
		if (usb_device_dir(link, usb, sizeof usb) == 0) {
			read_attr(usb, "idVendor", hex, sizeof hex);
			x->vid = (uint16_t)strtoul(hex, NULL, 16);
			read_attr(usb, "idProduct", hex, sizeof hex);
			x->pid = (uint16_t)strtoul(hex, NULL, 16);
			read_attr(usb, "serial", x->usb_serial, sizeof x->usb_serial);
			read_attr(usb, "manufacturer", x->manufacturer, sizeof x->manufacturer);
			read_attr(usb, "product", x->product, sizeof x->product);
		}
		snprintf(x->state, sizeof x->state, "not probed");
		n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof *out, cmp_dev);
	return n;
}

int dmxusb_list_ftdi(struct dmxusb_device *out, int max)
{
	struct ftdi_context *f = ftdi_new();
	struct ftdi_device_list *list = NULL, *it;
	int n = 0, rc;

	if (!f)
		return GL_ENOMEM;
	/* vid = pid = 0: libftdi's list of FTDI ids (FT232R, FT2232, FT232H,
	 * FT-X), the chips USB DMX interfaces are built on. */
	rc = ftdi_usb_find_all(f, &list, 0, 0);
	if (rc < 0) {
		ftdi_free(f);
		return GL_EIO;
	}
	for (it = list; it && n < max; it = it->next) {
		struct libusb_device_descriptor desc;
		struct dmxusb_device *x = &out[n];

		memset(x, 0, sizeof *x);
		snprintf(x->transport, sizeof x->transport, "usb");
		if (libusb_get_device_descriptor(it->dev, &desc) == 0) {
			x->vid = desc.idVendor;
			x->pid = desc.idProduct;
		}
		if (ftdi_usb_get_strings(f, it->dev, x->manufacturer, sizeof x->manufacturer,
					 x->product, sizeof x->product,
					 x->usb_serial, sizeof x->usb_serial) < 0)
			snprintf(x->state, sizeof x->state,
				 "cannot read USB strings (no permission? see README: udev rule)");
		else
			snprintf(x->state, sizeof x->state, "not probed");
		if (x->usb_serial[0])
			snprintf(x->path, sizeof x->path, "s:0x%04x:0x%04x:%s", x->vid, x->pid,
				 x->usb_serial);
		else
			snprintf(x->path, sizeof x->path, "d:%03u/%03u",
				 libusb_get_bus_number(it->dev), libusb_get_device_address(it->dev));
		n++;
	}
	ftdi_list_free(&list);
	ftdi_free(f);
	return n;
}

int dmxusb_list_all(struct dmxusb_device *out, int max, int *ftdi_rc)
{
	int n = dmxusb_list_ttys(out, max);
	struct dmxusb_device *usb;
	int m;

	if (ftdi_rc)
		*ftdi_rc = 0;
	if (n >= max)
		return n;
	usb = calloc((size_t)(max - n), sizeof *usb);
	if (!usb)
		return n;
	m = dmxusb_list_ftdi(usb, max - n);
	if (ftdi_rc)
		*ftdi_rc = m;
	for (int i = 0; i < m; i++) {
		bool merged = false;

		/* The same chip seen through its tty: keep the tty entry, which
		 * is how the Pro is used while ftdi_sio holds it. */
		for (int j = 0; j < n && usb[i].usb_serial[0]; j++) {
			if (out[j].vid == usb[i].vid && out[j].pid == usb[i].pid &&
			    strcmp(out[j].usb_serial, usb[i].usb_serial) == 0) {
				merged = true;
				break;
			}
		}
		if (!merged)
			out[n++] = usb[i];
	}
	free(usb);
	return n;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

bool dmxusb_looks_like_dmx(const struct dmxusb_device *d)
{
	return contains_nocase(d->manufacturer, "enttec") ||
	       contains_nocase(d->manufacturer, "dmxking") ||
	       contains_nocase(d->product, "dmx");
}

/* ---- probing ------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * GL_NS_PER_S + (uint64_t)ts.tv_nsec;
}

int dmxusb_probe(struct dmxusb_device *d, int timeout_ms)
{
	char err[256] = "";
	struct dmxusb_transport *t;
	uint8_t req[3 * 8], buf[512];
	struct pro_parser parser;
	struct pro_msg msg;
	int len = 0, sent = 0;
	bool got_params = false, got_serial = false, got_hw = false;
	uint64_t deadline;

	d->probed = true;
	t = strcmp(d->transport, "usb") == 0 ? dmxusb_ftdi_open(d->path, err, sizeof err)
					      : dmxusb_tty_open(d->path, err, sizeof err);
	if (!t) {
		const char *hint = "";

		if (strstr(err, "Device or resource busy") && !strstr(err, "in use"))
			hint = " (in use by another program)";
		else if (strstr(err, "Permission denied") || strstr(err, "access denied") ||
			 strstr(err, "insufficient permissions"))
			hint = " (see README: udev rule)";
		snprintf(d->state, sizeof d->state, "%.80s%s", err, hint);
		return GL_EIO;
	}
	len += pro_wire_get_params(req + len, sizeof req - (size_t)len);
	len += pro_wire_get_serial(req + len, sizeof req - (size_t)len);
	len += pro_wire_frame(req + len, sizeof req - (size_t)len, PRO_LABEL_HW_VERSION, NULL, 0);
	pro_parser_init(&parser);
	deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	/* Parameters and serial are what every Pro-compatible widget answers;
	 * the hardware version only newer Enttec firmware, so it is not waited
	 * for once the other two are in. */
	while (now_ns() < deadline && !(got_params && got_serial && (got_hw || sent < 0))) {
		int fd = dmxusb_transport_fd(t), n;

		if (sent >= 0 && sent < len) {
			n = dmxusb_transport_write(t, req + sent, (size_t)(len - sent), err, sizeof err);
			if (n < 0)
				break;
			sent += n;
		}
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, 10);
		}
		n = dmxusb_transport_read(t, buf, sizeof buf, err, sizeof err);
		if (n < 0)
			break;
		const uint8_t *in = buf;
		size_t left = (size_t)n;

		while (pro_parser_next(&parser, &in, &left, &msg)) {
			struct pro_params p;
			uint32_t serial;

			if (pro_wire_parse_params(&msg, &p) == 0) {
				got_params = true;
				d->firmware = p.firmware;
				d->break_us = pro_units_to_us(p.break_units);
				d->mab_us = pro_units_to_us(p.mab_units);
				d->rate_hz = p.rate_hz;
			} else if (pro_wire_parse_serial(&msg, &serial) == 0) {
				got_serial = true;
				pro_serial_format(serial, d->widget_serial);
			} else if (pro_wire_parse_hw_version(&msg, &d->hw_version) == 0) {
				got_hw = true;
			}
		}
		/* Both main answers in: give the hardware version one more
		 * round (sent = -1 marks "no longer waiting for it"). */
		if (got_params && got_serial && !got_hw && sent == len) {
			uint64_t grace = now_ns() + 50ull * 1000000ull;

			if (grace < deadline)
				deadline = grace;
			sent = -1;
		}
	}
	dmxusb_transport_close(t);
	d->answered = got_params || got_serial;
	if (d->answered) {
		d->kind = DMXUSB_KIND_PRO;
		snprintf(d->state, sizeof d->state, "ready");
		return 0;
	}
	snprintf(d->state, sizeof d->state, "%.120s", err[0] ? err : "no reply to the Pro protocol");
	return GL_ENOENT;
}

/* ---- resolving a show's device option ----------------------------------- */

static bool serial_matches(const char *want, const char *have)
{
	if (!have[0])
		return false;
	if (strcasecmp(want, have) == 0)
		return true;
	/* "1234" names widget serial "00001234" too. */
	while (*have == '0' && have[1])
		have++;
	while (*want == '0' && want[1])
		want++;
	return strcasecmp(want, have) == 0;
}

static int pick(const struct dmxusb_device *d, char *transport, size_t transport_len,
		char *path, size_t path_len)
{
	snprintf(transport, transport_len, "%s", d->transport);
	snprintf(path, path_len, "%s", d->path);
	return 0;
}

int dmxusb_resolve(const char *device, bool want_pro, int nth, char *transport,
		   size_t transport_len, char *path, size_t path_len, char *err, size_t err_len)
{
	enum { MAX = 32 };
	struct dmxusb_device *all;
	int n, rc = GL_ENOENT;

	if (!device || !device[0])
		device = "auto";
	if (device[0] == '/' || ((device[0] == 's' || device[0] == 'd' || device[0] == 'i') &&
				 device[1] == ':')) {
		if (nth > 0) {
			snprintf(err, err_len, "%s: no other device by that name", device);
			return GL_ENOENT;
		}
		snprintf(transport, transport_len, "%s", device[0] == '/' ? "tty" : "usb");
		snprintf(path, path_len, "%s", device);
		return 0;
	}
	all = calloc(MAX, sizeof *all);
	if (!all) {
		snprintf(err, err_len, "out of memory");
		return GL_ENOMEM;
	}
	/* The Pro is used through its tty when ftdi_sio holds it; Open DMX
	 * needs libftdi (break timing), so it looks at USB devices only. */
	n = want_pro ? dmxusb_list_all(all, MAX, NULL) : dmxusb_list_ftdi(all, MAX);
	if (n < 0)
		n = 0;
	if (strcmp(device, "auto") == 0) {
		int k = 0;

		/* First what names itself a DMX interface (Open DMX never takes
		 * one that names itself a Pro), then bare FTDI chips (clones
		 * keep FTDI's strings); nth skips candidates already in use. */
		for (int pass = 0; pass < 2 && rc; pass++) {
			for (int i = 0; i < n && rc; i++) {
				bool dmx = dmxusb_looks_like_dmx(&all[i]);
				bool take = pass == 0 ?
					    dmx && (want_pro || !contains_nocase(all[i].product, "pro")) :
					    !dmx && all[i].vid == DMXUSB_FTDI_VID;

				if (take && k++ == nth)
					rc = pick(&all[i], transport, transport_len, path, path_len);
			}
		}
		if (rc)
			snprintf(err, err_len, nth ? "no other USB DMX interface found" :
				 "no USB DMX interface found "
				 "(`ghostlight devices` lists what is connected)");
		free(all);
		return rc;
	}
	for (int i = 0; i < n && rc && nth == 0; i++)
		if (serial_matches(device, all[i].usb_serial))
			rc = pick(&all[i], transport, transport_len, path, path_len);
	/* The number printed on a Pro's label is the widget's own serial,
	 * which only the widget tells: ask the likely ones. */
	for (int i = 0; i < n && rc && want_pro && nth == 0; i++) {
		if (all[i].vid != DMXUSB_FTDI_VID && !dmxusb_looks_like_dmx(&all[i]))
			continue;
		if (dmxusb_probe(&all[i], 300) == 0 && serial_matches(device, all[i].widget_serial))
			rc = pick(&all[i], transport, transport_len, path, path_len);
	}
	if (rc)
		snprintf(err, err_len, "no USB DMX interface with serial number '%s' "
			 "(`ghostlight devices` lists what is connected)", device);
	free(all);
	return rc;
}
