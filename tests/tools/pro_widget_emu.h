/*
 * pro_widget_emu.h - an Enttec DMX USB Pro emulator on a pty, for tests and
 * for trying `ghostlight devices` / `play` without hardware.
 *
 * It opens a pty master, publishes the slave under a stable symlink (as
 * udev's /dev/serial/by-id links do, so a re-plugged widget has the same
 * name), and runs a thread that speaks the Pro protocol: it answers
 * get-parameters, get-serial and hardware-version, applies set-parameters,
 * and records every DMX frame (label 6) with a monotonic timestamp. Its
 * frame parser is its own (not pro_wire.c), so it checks the driver
 * independently. Switches: stall (stop reading and answering), unplug /
 * replug (close the master, open a new pty), and injecting bytes (garbage,
 * received DMX) towards the driver.
 *
 * Every function may be called from any thread; state is under one mutex.
 */
#ifndef GL_PRO_WIDGET_EMU_H
#define GL_PRO_WIDGET_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pro_emu;

struct pro_emu_frame {
	uint64_t t_ns;
	uint8_t start_code;
	int slot_count;
	uint8_t slots[512];
};

struct pro_emu_stats {
	int frames;                 /* DMX frames recorded (label 6) */
	int get_params, set_params, get_serial, hw_version, rx_mode;
	int bad_frames;             /* framing errors the emulator saw */
	int unknown_labels;
	uint8_t break_units, mab_units, rate_hz;   /* current parameters */
	int rx_on_change;           /* last label 8 value, -1 none */
};

/* Starts a widget at link_path (a symlink it creates). serial is the
 * widget's own (label 10, BCD, e.g. 0x12345678). Returns NULL on error. */
struct pro_emu *pro_emu_start(const char *link_path, uint32_t serial);
void pro_emu_stop(struct pro_emu *e);
const char *pro_emu_path(const struct pro_emu *e);

void pro_emu_set_stall(struct pro_emu *e, bool stall);
/* Closes the master and removes the link: the driver sees a hang-up. */
void pro_emu_unplug(struct pro_emu *e);
/* A new pty behind the same link. Returns 0 or -1. */
int pro_emu_replug(struct pro_emu *e);
/* Bytes from the widget to the driver, as they are. */
void pro_emu_inject(struct pro_emu *e, const uint8_t *bytes, size_t len);
/* A received-DMX frame (label 5) towards the driver. */
void pro_emu_send_rx_dmx(struct pro_emu *e, uint8_t status, const uint8_t *slots, int count);

void pro_emu_stats(struct pro_emu *e, struct pro_emu_stats *out);
/* Copies recorded frame i (0 = first kept; the emulator keeps the last
 * 256); i < 0 counts from the newest (-1). Returns 0 or -1. */
int pro_emu_frame(struct pro_emu *e, int i, struct pro_emu_frame *out);
/* Forgets recorded frames (stats.frames restarts from 0). */
void pro_emu_clear_frames(struct pro_emu *e);

#endif
