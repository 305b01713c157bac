/*
 * devices.c - `ghostlight devices`: every USB DMX interface this machine
 * can see (USB serial ttys and FTDI chips through libftdi), probed with the
 * Enttec Pro protocol: kind, how to name it in a show, serial numbers,
 * firmware, and state (ready, in use, no permission, no reply); the MIDI
 * ports of the ALSA sequencer or JACK server there is (RtMidi), by the names
 * a show's midi { input = ..., output = ... } takes; then, in its own
 * section, the audio outputs SDL's driver names.
 *
 * Runs on the main thread, alone. A port in use by a running show is not
 * disturbed: the driver holds its tty exclusively, so the probe reports it
 * busy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "outputs/control/midi/midi_port.h"
#include "outputs/dmx/dmxusb/dmxusb.h"
#include "outputs/media/audio/audio.h"

#define DEVICES_MAX 64

static void usage(FILE *to)
{
	fprintf(to, "usage: ghostlight devices [--no-probe] [--no-midi] [--timeout MS]\n"
		    "                         [--audio-driver NAME] [PATH...]\n"
		    "  lists USB DMX interfaces (Enttec DMX USB Pro and compatibles, Open DMX,\n"
		    "  FTDI serial ports) and asks each Pro-like device for its serial number\n"
		    "  and firmware. PATHs (e.g. /dev/ttyUSB0) are probed as well. Then the\n"
		    "  MIDI ports (ALSA sequencer, or a JACK server), by name, and the audio\n"
		    "  outputs, by the names audio { device = ... } takes.\n"
		    "  --no-probe    list only, send nothing to any device\n"
		    "  --no-midi     leave MIDI out\n"
		    "  --timeout MS  how long to wait for each device's answer (default 500)\n"
		    "  --audio-driver NAME  list this SDL audio driver's outputs (pulseaudio,\n"
		    "                alsa, pipewire, ...; default: SDL's choice)\n");
}

/* The MIDI ports: inputs (we read them) and outputs (we write them). */
static void print_midi(void)
{
	char (*names)[MIDI_PORT_NAME_MAX] = calloc(MIDI_PORTS_MAX, sizeof *names);
	char why[200];
	enum midi_system system = midi_port_system(MIDI_API_AUTO, why, sizeof why);

	if (!names) {
		printf("\nMIDI: out of memory\n");
		return;
	}
	if (system == MIDI_SYSTEM_NONE) {
		printf("\nMIDI: none (%s)\n", why);
		free(names);
		return;
	}
	printf("\nMIDI (%s)\n", midi_system_name(system));
	for (int dir = 0; dir < 2; dir++) {
		int n = midi_port_list(system, dir == 0, names, MIDI_PORTS_MAX, why, sizeof why);

		if (n < 0)
			printf("  %-4s (%s)\n", dir == 0 ? "in" : "out", why);
		else if (n == 0)
			printf("  %-4s none\n", dir == 0 ? "in" : "out");
		for (int i = 0; i < n; i++)
			printf("  %-4s %s\n", dir == 0 ? "in" : "out", names[i]);
	}
	free(names);
}

static const char *kind_name(const struct dmxusb_device *d)
{
	switch (d->kind) {
	case DMXUSB_KIND_PRO:
		return "enttec-pro";
	case DMXUSB_KIND_OPEN_DMX:
		return "open-dmx";
	default:
		break;
	}
	if (d->vid == DMXUSB_FTDI_VID)
		return d->probed && !d->answered ? "open-dmx?" : "ftdi";
	return "serial";
}

static void print_device(const struct dmxusb_device *d)
{
	char usb[160], fw[16];

	if (d->vid || d->pid)
		snprintf(usb, sizeof usb, "%04x:%04x %s%s%s", d->vid, d->pid, d->manufacturer,
			 d->manufacturer[0] && d->product[0] ? " " : "", d->product);
	else
		snprintf(usb, sizeof usb, "-");
	if (d->answered)
		snprintf(fw, sizeof fw, "%u.%02u", d->firmware >> 8, d->firmware & 0xff);
	else
		snprintf(fw, sizeof fw, "-");
	const char *serial = d->widget_serial[0] ? d->widget_serial :
			     d->usb_serial[0] ? d->usb_serial : "-";
	printf("%-11s %-32s %-10s %-6s %s\n", kind_name(d), d->path, serial, fw, d->state);
	printf("%-11s usb %s%s%s", "", usb, d->usb_serial[0] ? ", USB serial " : "",
	       d->usb_serial);
	if (d->answered)
		printf(", break %u us, MAB %u us, %u frames/s%s", d->break_us, d->mab_us, d->rate_hz,
		       d->hw_version >= 2 ? ", Mk2" : "");
	printf("\n");
}

/* ---- Audio: the outputs of SDL's audio driver ------------------------------------------ */

/* The names are what audio { device = ... } (or play --audio-device)
 * takes. Opens nothing: listing only asks the driver. */
static void print_audio(const char *driver)
{
	struct gl_audio_device_list *list = calloc(1, sizeof *list);

	printf("\nAudio");
	if (!list) {
		printf(": out of memory\n");
		return;
	}
	if (gl_audio_list_devices(driver, list) < 0) {
		printf(": %s\n", list->error);
		free(list);
		return;
	}
	printf(" (SDL driver %s):\n", list->driver);
	if (list->default_name[0])
		printf("  default: %s, %d Hz, %d channels\n", list->default_name,
		       list->default_rate, list->default_channels);
	else
		printf("  default: the system's\n");
	for (int i = 0; i < list->count; i++)
		printf("  %s\n", list->names[i]);
	if (list->count == 0)
		printf("  (the driver names no devices; the default is used)\n");
	free(list);
}

int gl_cmd_devices(int argc, char **argv)
{
	struct dmxusb_device *devs = calloc(DEVICES_MAX, sizeof *devs);
	bool probe = true, midi = true;
	const char *audio_driver = "";
	int timeout_ms = 500, n, ftdi_rc = 0, extra = 0;

	if (!devs) {
		fprintf(stderr, "ghostlight devices: out of memory\n");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--no-probe") == 0) {
			probe = false;
		} else if (strcmp(argv[i], "--no-midi") == 0) {
			midi = false;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			timeout_ms = atoi(argv[++i]);
			if (timeout_ms <= 0 || timeout_ms > 60000) {
				fprintf(stderr, "ghostlight devices: --timeout needs 1..60000 ms\n");
				free(devs);
				return 2;
			}
		} else if (strcmp(argv[i], "--audio-driver") == 0 && i + 1 < argc) {
			audio_driver = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			free(devs);
			return 0;
		} else if (argv[i][0] == '-') {
			usage(stderr);
			free(devs);
			return 2;
		} else {
			extra++;
		}
	}
	n = dmxusb_list_all(devs, DEVICES_MAX - (extra < DEVICES_MAX ? extra : DEVICES_MAX),
			    &ftdi_rc);
	for (int i = 0; i < argc && n < DEVICES_MAX; i++) {
		if (argv[i][0] == '-') {
			if (strcmp(argv[i], "--timeout") == 0 || strcmp(argv[i], "--audio-driver") == 0)
				i++;
			continue;
		}
		struct dmxusb_device *d = &devs[n++];
		memset(d, 0, sizeof *d);
		bool usb = (argv[i][0] == 's' || argv[i][0] == 'd' || argv[i][0] == 'i') &&
			   argv[i][1] == ':';
		snprintf(d->transport, sizeof d->transport, "%s", usb ? "usb" : "tty");
		snprintf(d->path, sizeof d->path, "%s", argv[i]);
		snprintf(d->state, sizeof d->state, "not probed");
	}
	for (int i = 0; i < n && probe; i++) {
		struct dmxusb_device *d = &devs[i];
		bool named = i >= n - extra;

		/* Only devices that can be DMX interfaces are written to; a
		 * modem or a microcontroller on ttyACM0 is left alone. */
		if (named || d->vid == DMXUSB_FTDI_VID || dmxusb_looks_like_dmx(d))
			dmxusb_probe(d, timeout_ms);
		else
			snprintf(d->state, sizeof d->state, "not probed (not an FTDI or DMX device)");
	}
	if (n == 0) {
		printf("no USB DMX interfaces found\n");
	} else {
		printf("%-11s %-32s %-10s %-6s %s\n", "KIND", "DEVICE", "SERIAL", "FW", "STATE");
		for (int i = 0; i < n; i++)
			print_device(&devs[i]);
	}
	if (ftdi_rc < 0)
		printf("(libftdi could not list USB devices: no USB access here? "
		       "ttys are listed all the same)\n");
	if (midi)
		print_midi();
	free(devs);
	print_audio(audio_driver);
	return 0;
}
