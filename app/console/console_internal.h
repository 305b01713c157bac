/*
 * console_internal.h - what the console's files share: the console's state
 * and each file's functions.
 *
 *   console.c   window, the frame loop, input routing, keys, status bar,
 *               prompts, tooltips
 *   playback.c  the cue lists column and the GO / BACK / STOP / PAUSE /
 *               PANIC block
 *   faders.c    the fader strip (pages, mouse, touch, wheel)
 *   stage.c     fixtures as the frame shows them: decoding DMX into colour,
 *               intensity and pan/tilt, the stage view, its layout
 *   views.c     fixture sheet, universe grid, devices, media (sound and
 *               video), log
 *   program.c   selection and the programmer (intensity, colour, position)
 *   edits.c     the cue model, record / update / delete / renumber, undo,
 *               the engine kept in step (through the control thread), save
 *   script.c    the test script: input events pushed into SDL's queue
 *   png.c       PNG files (libpng)
 *
 * GUI thread, except what console.h says (the log, events, media states
 * and control stats arrive from the control thread under `lock`).
 */
#ifndef GL_CONSOLE_INTERNAL_H
#define GL_CONSOLE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "console.h"
#include "outputs/media/audio/audio.h"
#include "ui.h"

#define CON_LOG_LINES 500
#define CON_LOG_TEXT 200
#define CON_CONTROLS_MAX 8
#define CON_CMDLINE_MAX 24
#define CON_FADERS_PER_PAGE 8
#define CON_FADER_SLOTS 256
#define CON_TOUCH_MAX 10
#define CON_MEDIA_MAX 8                  /* video targets shown */

enum con_view { VIEW_STAGE, VIEW_SHEET, VIEW_UNIVERSE, VIEW_DEVICES, VIEW_LOG, VIEW_MEDIA,
		VIEW_COUNT };

enum con_prompt { PROMPT_NONE, PROMPT_QUIT, PROMPT_DELETE };

/* ---- the cue model (edits.c) ---------------------------------------------------- */

struct con_cue {
	struct gl_cue_def def;           /* def.changes = changes */
	struct gl_cue_change *changes;   /* owned, ascending param */
	int uid;                         /* identity across edits */
	unsigned tags;                   /* GL_SHOW_CUE_* */
	double at_s;                     /* its time on timecode; NaN none */
};

struct con_list {
	char name[GL_NAME_MAX];
	struct con_cue *cues;
	int count;
	struct con_cue *base;            /* as loaded: what undo goes back to */
	int base_count;
	bool timecode;                   /* on timecode: every cue has a time */
	int version;                     /* bumped by every change */
	int cursor;                      /* cue selected for editing, -1 none */
	int scroll;                      /* first row shown */
	uint64_t last_go_ns;             /* GO debounce */
	int pending_goto;                /* cue index, once the engine has the list */
};

/* A value of the programmer: a param of a fixture. */
struct con_value {
	int fixture;
	int attr;                        /* enum gl_attr */
	int param;
	float value;
	double degrees;                  /* pan and tilt: what was asked, in degrees */
};

enum con_op_kind { OP_RECORD, OP_UPDATE, OP_DELETE, OP_RENUMBER };

/* One edit, as the journal keeps it (undo pops it, save writes it). */
struct con_op {
	enum con_op_kind kind;
	int list;
	double number;                   /* the cue (RECORD: the new one) */
	char number_text[GL_CUE_NUMBER_MAX];
	double to;                       /* RENUMBER */
	char to_text[GL_CUE_NUMBER_MAX];
	int uid;                         /* RECORD: the new cue's */
	char label[GL_NAME_MAX];         /* RECORD */
	double fade_s;                   /* RECORD */
	struct con_value *values;        /* RECORD, UPDATE */
	int value_count;
	uint64_t serial;                 /* unique: tells a redone edit from a new one */
};

/* ---- fixtures as the frame shows them (stage.c) --------------------------------- */

struct con_fixture {
	char label[GL_NAME_MAX];
	const struct gl_fixture_type *type;
	int universe_index;
	int address;
	float x, y;                      /* stage position, metres */
	bool placed;                     /* by the show (at = ...), not laid out */
	int params[GL_ATTR_COUNT];       /* -1 none */
	/* live, from the last frame */
	float level[GL_ATTR_COUNT];      /* each attribute's channel, 0..1 */
	float intensity;
	float r, g, b;                   /* colour at full (what it mixes to) */
	bool has_color, has_position;
};

struct con_rig {
	struct con_fixture *fx;
	int count;
	float min_x, min_y, max_x, max_y;   /* of the positions */
	float spacing;                   /* metres between the nearest two */
};

/* ---- the console ---------------------------------------------------------------- */

struct con_log_line {
	uint64_t at_ns;
	bool error;
	char text[CON_LOG_TEXT];
};

struct con_control {
	char name[32];
	struct gl_control_stats stats;
};

struct con_media {                   /* a video target, as last reported */
	char target[GL_NAME_MAX];
	char state[24];
	bool playing;
	double position_s, rate;
	uint64_t at_ns;
	char error[160];
};

struct con_rate {                    /* an output's packet rate */
	uint64_t sent, at_ns;
	double per_s;
	uint64_t errors_seen;
	uint64_t errors_at_ns;           /* when send_errors last grew */
};

/* A finger or the mouse holding a widget. */
struct con_grab {
	bool active;
	int64_t finger;                  /* SDL finger id; -1 the mouse */
	char widget[UI_HIT_NAME_MAX];
};

struct gl_console {
	struct gl_console_host host;
	struct gl_console_options opt;
	struct gl_engine *e;
	SDL_Window *win;
	SDL_Renderer *ren;
	struct ui ui;
	int w, h;                        /* drawable size, px */
	float mouse_scale;               /* drawable px per window coordinate */

	/* what the engine shows */
	struct gl_snapshot snap;
	bool have_snap;
	uint8_t *dmx;                    /* universes x 512, the last frame */
	int universe_count;
	uint64_t frame_tick;
	struct con_rig rig;
	struct gl_audio *audio_part;     /* the show's sound, NULL none */
	struct gl_audio_state *audio;    /* its state as last read */
	int audio_master;                /* the audio master's fader number, 0 none */
	uint64_t audio_read_ns;

	/* the cue model and its journal (edits.c) */
	struct con_list *lists;
	int list_count;
	int selected_list;
	struct con_op *ops;              /* applied, oldest first */
	int op_count, op_cap;
	int undone;                      /* ops past op_count kept for redo */
	uint64_t op_serial;
	int saved_ops;                   /* op_count at the last save */
	uint64_t saved_serial;           /* and the serial of its newest edit */
	int next_uid;
	char recorded_path[1024];
	char *recorded_text;             /* the recorded file as loaded (kept on save) */
	bool show_has_recorded;          /* the show has its `recorded` line */
	char show_path[1024];
	struct edit_sync *sync;          /* shared with the control thread */

	/* selection and programmer (program.c) */
	bool *selected;                  /* per fixture */
	int selected_count;
	float *prog;                     /* per param */
	double *prog_deg;                /* per param: pan/tilt degrees asked */
	bool *prog_set;
	int prog_count;
	int *outbox;                     /* params waiting for room in the command ring */
	int outbox_count;
	bool *in_outbox;
	bool outbox_clear;               /* a CLEAR_PARAM all waits */
	float pick_h, pick_s;            /* colour picker position */
	bool drag_select;                /* rubber band on the stage */
	SDL_Rect stage_rect;             /* the stage view as last drawn */
	int band_x0, band_y0, band_x1, band_y1;

	/* views */
	enum con_view view;
	int sheet_scroll;
	int universe_shown;
	int log_scroll;
	int fader_page;
	float fader_drag[CON_FADER_SLOTS];      /* level shown while held; < 0 none */
	uint64_t fader_release_ns[CON_FADER_SLOTS];
	SDL_Rect fader_track[CON_FADER_SLOTS];  /* as last drawn */

	/* input */
	char cmdline[CON_CMDLINE_MAX];
	struct con_grab grabs[CON_TOUCH_MAX + 1];
	uint64_t panic_armed_ns;         /* 0: not armed */
	enum con_prompt prompt;
	char message[200];               /* the last thing an action said */
	bool message_error;
	uint64_t message_ns;
	int hover_x, hover_y;
	uint64_t hover_since_ns;
	char hover_widget[UI_HIT_NAME_MAX];
	bool quit;
	bool redraw;
	uint64_t clock_second;           /* the status bar's clock, last drawn */

	/* status */
	uint64_t start_ns;
	struct con_rate *rates;
	uint64_t cpu_ns_last, cpu_wall_last;
	double cpu_percent;
	uint64_t late_seen, late_at_ns;

	/* from the control thread */
	pthread_mutex_t lock;
	struct con_log_line *log;        /* ring */
	int log_head, log_count;
	uint64_t log_lines_total;        /* ever pushed */
	uint64_t log_lines_drawn;        /* GUI: as many as the last check saw */
	uint64_t log_errors_at_ns;       /* the last error line */
	struct con_control controls[CON_CONTROLS_MAX];
	int control_count;
	struct con_media media[CON_MEDIA_MAX];
	int media_count;
	uint64_t media_changes;          /* ever reported */
	uint64_t media_drawn;            /* GUI: as many as the last check saw */

	/* test script (script.c) and frame statistics */
	struct con_script *script;
	int exit_code;
	uint64_t *frame_ns;              /* draw times, a ring */
	int frame_count;
};

/* console.c */
void con_message(struct gl_console *c, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sends a command to the engine; a full ring is reported. */
bool con_command(struct gl_console *c, enum gl_cmd_type type, int list, int index, float value);
/* The frame as it would be drawn now, into the renderer (no present). */
void con_draw(struct gl_console *c, uint64_t now);
/* Input routed by the console: pointer press/move/release on a widget. */
void con_pointer(struct gl_console *c, int64_t finger, int x, int y, int kind);
enum { PTR_DOWN, PTR_MOVE, PTR_UP };
/* A key, as a keydown would do it. */
void con_key(struct gl_console *c, SDL_Keycode key, Uint16 mod);
void con_ask_quit(struct gl_console *c);
/* Writes a frame's pixels to a PNG. */
int con_screenshot(struct gl_console *c, const char *path, char *err, size_t len);

/* playback.c */
void playback_draw(struct gl_console *c, SDL_Rect r);
void buttons_draw(struct gl_console *c, SDL_Rect r, uint64_t now);
void playback_go(struct gl_console *c, int list);
void playback_goto_typed(struct gl_console *c, int list, const char *number);
void playback_panic(struct gl_console *c, uint64_t now);
void playback_move_standby(struct gl_console *c, int list, int step);
bool playback_press(struct gl_console *c, const char *widget, uint64_t now);
void playback_pending(struct gl_console *c);
/* The cue's continue and times as a cue row shows them. */
void playback_cue_times(const struct gl_cue_def *d, char *buf, size_t len);

/* faders.c */
struct fader_slot {
	enum { SLOT_FADER, SLOT_LIST_MASTER, SLOT_GM } kind;
	int index;                       /* snapshot fader index, or list */
	int number;                      /* fader number (SLOT_FADER) */
	const char *label;
};
int faders_slots(struct gl_console *c, struct fader_slot *out, int cap);
void faders_draw(struct gl_console *c, SDL_Rect r);
void faders_grab(struct gl_console *c, const char *widget, int y, bool release);
void faders_wheel(struct gl_console *c, const char *widget, float dy);
float faders_level(struct gl_console *c, const struct fader_slot *s);
void faders_page(struct gl_console *c, int step);

/* stage.c */
int stage_rig_init(struct con_rig *rig, struct gl_show *show);
void stage_rig_free(struct con_rig *rig);
/* Decodes every fixture's live values from dmx (universes x 512). */
void stage_decode(struct con_rig *rig, const uint8_t *dmx);
/* Draws the stage; selected may be NULL. Registers "fx:N" hit areas. */
void stage_draw(struct ui *ui, const struct con_rig *rig, const bool *selected, SDL_Rect r,
		bool labels);
/* Fixtures whose centre lies in the rectangle (device px, as last drawn). */
int stage_in_rect(const struct ui *ui, const struct con_rig *rig, SDL_Rect view, SDL_Rect band,
		  bool *out);

/* views.c */
void views_draw(struct gl_console *c, SDL_Rect r, uint64_t now);
/* The sound's state, when the media view wants it anew; true when it
 * changed what the view shows. */
bool views_read_audio(struct gl_console *c, uint64_t now);
void views_wheel(struct gl_console *c, float dy);

/* program.c */
int program_init(struct gl_console *c);
void program_free(struct gl_console *c);
void program_draw(struct gl_console *c, SDL_Rect r);
bool program_press(struct gl_console *c, const char *widget, int x, int y, bool drag);
void program_select(struct gl_console *c, int fixture, bool add);
void program_select_range(struct gl_console *c, int first, int last);
void program_select_group(struct gl_console *c, int group);
void program_clear_selection(struct gl_console *c);
void program_intensity(struct gl_console *c, float level);
void program_color(struct gl_console *c, float r, float g, float b);
void program_position(struct gl_console *c, double pan_deg, double tilt_deg);
void program_clear(struct gl_console *c);
/* Sends what waits in the outbox, as far as the ring takes it. */
void program_flush(struct gl_console *c);
/* The programmer's values (held params), for record and update; the
 * caller frees. */
int program_values(struct gl_console *c, struct con_value **out);

/* edits.c */
int edits_init(struct gl_console *c, struct gl_show *show, char *err, size_t len);
void edits_free(struct gl_console *c);
int edits_record(struct gl_console *c, int list, const char *number_text);
int edits_update(struct gl_console *c, int list, int cue);
int edits_delete(struct gl_console *c, int list, int cue);
int edits_renumber(struct gl_console *c, int list, int cue, const char *number_text);
void edits_undo(struct gl_console *c);
void edits_redo(struct gl_console *c);
int edits_save(struct gl_console *c);
/* Unsaved edits, on a signal: the recorded file as a save would write it,
 * to path (the recorded file's name + ".autosave"), which the show does not
 * load. Returns 0 or -1 (the reason on stderr). */
int edits_autosave(struct gl_console *c, char *path, size_t path_len);
bool edits_dirty(const struct gl_console *c);
/* True when the engine holds this list as the model does. */
bool edits_synced(struct gl_console *c, int list);
/* Control thread: an engine event (the edit acknowledged). */
void edits_event(struct gl_console *c, const struct gl_event *ev);
/* The index of cue `number` in the model's list, -1 none. */
int edits_find(const struct con_list *l, double number);
/* Parses a cue number as the show does ("1", "2.5"). */
bool edits_parse_number(const char *text, double *number, char out[GL_CUE_NUMBER_MAX]);

/* script.c */
struct con_script;
struct con_script *script_load(const char *path, char *err, size_t len);
void script_free(struct con_script *s);
/* Runs what is due; false once the script is over (or failed: exit code
 * set on the console). */
bool script_step(struct gl_console *c, struct con_script *s, uint64_t now);
/* The console's state as key=value lines (the script's `state`). */
void script_state(struct gl_console *c, FILE *out);

/* png.c */
int con_png_write(const char *path, const uint32_t *argb, int w, int h, int pitch_bytes,
		  char *err, size_t len);

#endif
