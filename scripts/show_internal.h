/*
 * show_internal.h - what the show modules share: the gl_show struct and the
 * declarations a show file makes, collected while its chunk runs and built
 * into the engine after it returns.
 *
 *   show.c       load, build (declarations -> engine), accessors, destroy
 *   show_decl.c  the declaration functions: show output patch group fader
 *                cuelist cue (Lua side: check fields, record file:line)
 *   show_api.c   run-time functions (go back stop ... log), handlers
 *                (on_cue, every, after), timers, the error ring
 *   show_print.c gl_show_print
 *   show_osc.c   control surfaces: declarations, on_osc, osc.send
 *   show_mqtt.c  on_mqtt, mqtt.publish, cue mqtt = {...} actions
 *   show_action.c the kinds of cue action fired at GO (osc, mqtt, video, midi,
 *                audio), one table
 *   show_video.c video_target { ... } (adapters' declarations), cue video =
 *                {...} actions, rtsp.play() and friends
 *   show_midi.c  midi.map, midi.send, cue midi = {...} actions
 *   show_audio.c audio { ... }, cue audio = {...} actions, the audio master
 *   show_effects.c effect, matrix, sound_input; cue effects/at, cuelist
 *                chase/timecode; effect_start() and friends; their build
 *   show_schedule.c at(), calendar every(), location {}; run on the wall clock
 *
 * Control thread only. Invariants: a declaration is appended to its vector
 * only once it is complete (a script that pcall()s a failing declaration
 * leaves nothing half-made behind); everything a declaration points to is
 * owned by the show; every declaration keeps the file:line that made it, and
 * every build error is reported at that line.
 */
#ifndef GL_SHOW_INTERNAL_H
#define GL_SHOW_INTERNAL_H

#include <lua.h>

#include "fixture_file.h"
#include "schedule.h"
#include "look.h"
#include "outputs/control/control.h"
#include "outputs/media/audio/audio.h"
#include "sandbox.h"
#include "show.h"

#define SHOW_PATH_MAX 1024
#define SHOW_ERROR_RING 64
#define SHOW_ERROR_LEN 320
#define SHOW_CUE_MAGIC "ghostlight.cue"

/* Limits. Lua code is bounded by the instruction budget and the memory
 * limit; what the host does for it is bounded here: counts no real show
 * comes near, so that no show file can make the host loop or allocate
 * without end. The memory the host allocates for a show (declarations,
 * timers, queued commands, the engine it builds) is also counted against
 * the sandbox's memory limit (sandbox_charge). An error that hits a limit
 * says which, and its number. README.md lists them. */
#define SHOW_FIXTURE_MAX 524288       /* engine fixtures: instances x heads (4096 universes of 4-slot fixtures) */
#define SHOW_PATCH_COUNT_MAX 512      /* count = of one patch */
#define SHOW_UNIVERSE_MAX 4096        /* distinct universes (outputs, patch) */
#define SHOW_TYPE_MAX 1024            /* distinct fixture type + mode pairs */
#define SHOW_OUTPUT_MAX 64
#define SHOW_INPUT_MAX 64
#define SHOW_GROUP_MAX 1024
#define SHOW_FADER_NUMBER_MAX 1000    /* fader numbers 1..1000 */
#define SHOW_LIST_MAX 1024
#define SHOW_CUE_MAX 16384            /* cues in the whole show */
#define SHOW_LIST_CUE_MAX 10000       /* cues in one list */
#define SHOW_LOOK_MAX 4096            /* selections in one look */
#define SHOW_CUE_OSC_MAX 64           /* messages a cue sends */
#define SHOW_OSC_STRING_MAX 1024      /* bytes of a string argument */
#define SHOW_HANDLER_MAX 4096         /* on_cue handlers */
#define SHOW_OSC_HANDLER_MAX 256      /* on_osc handlers (each message tries all) */
#define SHOW_TIMER_MAX 10000          /* timers waiting at once */
#define SHOW_TIMER_RATE_MAX 1000      /* timers handlers make in one second */
#define SHOW_QUEUED_MAX 256           /* commands asked for while loading */
#define SHOW_CALL_COMMANDS_MAX 64     /* engine commands in one handler call */
#define SHOW_CALL_SENDS_MAX 64        /* osc.send(), mqtt.publish() in one handler call */
#define SHOW_CUE_MQTT_MAX 64          /* messages a cue publishes */
#define SHOW_CUE_AUDIO_MAX 16         /* audio actions in a cue */
#define SHOW_MQTT_HANDLER_MAX 64      /* on_mqtt handlers (the adapter subscribes each) */
#define SHOW_CUE_MIDI_MAX 64          /* messages a cue sends over MIDI */
#define SHOW_MIDI_MAP_MAX 1024        /* midi.map mappings (MIDI_MAP_MAX) */
#define SHOW_CALL_LOG_MAX 32          /* log/print lines in one handler call */
#define SHOW_LOAD_LOG_MAX 1000        /* log/print lines while loading */
#define SHOW_LOG_LINE_MAX 2000        /* bytes of a log/print line shown */
#define SHOW_DECLARATION_MAX 16       /* video_target (per adapter) */
#define SHOW_CUE_VIDEO_MAX 16         /* video commands a cue sends */
#define SHOW_EDIT_MAX 16384           /* edit.* lines (a recorded file) */
#define SHOW_AT_MAX 10000.0           /* |x|, |y| of patch { at = {x, y} } */
#define SHOW_EFFECT_MAX 256           /* effect { ... } */
#define SHOW_MATRIX_MAX 64            /* matrix { ... } */
#define SHOW_CUE_EFFECT_MAX 32        /* effects a cue starts or stops */
#define SHOW_IMAGE_FRAMES_MAX 64      /* images of one effect's sequence */
#define SHOW_SCHEDULE_MAX 256         /* at(), calendar every() */

/* A growable array of fixed-size items (realloc'd; take no pointers into it
 * across a call that may append). */
struct show_vec {
	void *items;
	int count;
	int cap;
};

#define SHOW_AT(vec, type, i) (&((type *)(vec).items)[i])

/* Where a declaration was made. `file` is interned in the show. */
struct show_where {
	const char *file;
	int line;
};

struct show_type {               /* a loaded fixture type + mode */
	char name[FIXTURE_TYPE_NAME_MAX];
	char mode_asked[FIXTURE_MODE_MAX];  /* as the patch wrote it ("" = default) */
	char mode[FIXTURE_MODE_MAX];        /* the mode used ("" = no modes) */
	char path[SHOW_PATH_MAX];
	struct gl_fixture_type type;        /* parts[0].type */
	int part_count;                     /* engine fixtures per instance */
	struct fdef_part *parts;            /* owned; shared part first, then heads */
	bool has_shared;                    /* parts[0] is the shared channels */
	int slots;                          /* DMX slots one instance spans */
	int warning_count;                  /* the importer's (fdef warnings) */
	char warning[FDEF_ERR_MAX];         /* the first of them */
};

struct show_output {
	struct show_where at;
	struct gl_output_config cfg;
	const struct gl_output_ops *ops;
	struct gl_output *state;       /* configured; NULL once taken */
	bool taken;
};

struct show_patch {
	struct show_where at;
	char base[GL_NAME_MAX];
	int type_index;                /* into show->types */
	int universe;
	int address;
	int count;
	int spacing;                   /* address step; >= footprint */
	int first_fixture;             /* set at build */
	int at_first;                  /* at = ...: first point in show->at_points
					* (x, y pairs), -1 when not given */
	int at_count;                  /* 1 (then one unit right per instance)
					* or count */
};

struct show_group {
	struct show_where at;
	char name[GL_NAME_MAX];
	int selection_count;
	char (*selections)[LOOK_SELECTION_MAX];
};

struct show_fader {
	struct show_where at;
	int number;
	enum gl_fader_kind kind;
	char target[GL_NAME_MAX];
	char label[GL_NAME_MAX];
	float level;
};

struct show_input {                   /* input { 5, merge_into = 1 } */
	struct show_where at;
	int number;
	int merge_into;                   /* 0: merged nowhere */
};

/* The kinds of cue action (show_action.c). */
enum show_action_kind_id {
	SHOW_ACTION_OSC, SHOW_ACTION_MQTT, SHOW_ACTION_VIDEO, SHOW_ACTION_MIDI, SHOW_ACTION_AUDIO,
	SHOW_ACTION_KINDS
};

struct show_cue_actions {
	int count;
	void *items;                   /* one heap block (free()), from the kind's copy() */
};

/* A cue's effects = { name = true|false } (show_effects.c). */
struct show_fx_ref {
	char name[GL_NAME_MAX];
	bool on;
};

struct show_cue {
	struct show_where at;
	int list;                      /* index into show->lists; -1 until claimed */
	double tc_s;                   /* at = ...: its time on timecode; NaN none */
	int fx_count;
	struct show_fx_ref *fx;        /* owned */
	struct gl_cue_def def;         /* changes filled at build */
	int look_count;
	struct look_entry *looks;
	/* osc = {...}, mqtt = {...}: sent at GO, one slot per kind */
	struct show_cue_actions actions[SHOW_ACTION_KINDS];
};

#define SHOW_CUE_DELETED (-2)         /* show_cue.list of a cue edit.delete removed */
#define SHOW_CUE_EDIT (-3)            /* ... of a cue edit.record will add */

/* edit.record / update / delete / renumber, from a file the console
 * writes (recorded "x.lua"): applied in order, after the show's own
 * declarations, before the engine is built (show_edit.c). */
enum show_edit_kind { SHOW_EDIT_RECORD, SHOW_EDIT_UPDATE, SHOW_EDIT_DELETE, SHOW_EDIT_RENUMBER };

struct show_edit {
	struct show_where at;
	enum show_edit_kind kind;
	char list[GL_NAME_MAX];
	double number;                 /* the cue edited (all but RECORD) */
	char number_text[GL_CUE_NUMBER_MAX];
	double to;                     /* RENUMBER */
	char to_text[GL_CUE_NUMBER_MAX];
	int cue;                       /* RECORD: the cue {} it adds (show->cues) */
	int look_count;                /* UPDATE: merged into the cue's look */
	struct look_entry *looks;      /* owned */
};

/* A kind of cue action: the cue field that declares it, how it is read,
 * copied and fired. Reading and copying are two steps, as for every
 * declaration: what may raise first, then the copy that cannot leak. */
struct show_action_kind {
	const char *field;             /* "osc" */
	/* The field's value on top of the stack: checks it (raises at `at`),
	 * charges what copy() will allocate, and replaces it with a userdata
	 * holding the parsed actions; keep that on the stack until copy(). */
	const void *(*parse)(lua_State *L, struct show_where at, const char *what);
	/* The parsed actions as one heap block the cue owns (free()); sets
	 * *count. NULL when out of memory. */
	void *(*copy)(const void *parsed, int *count);
	/* At GO: sends through the show's sender; a failure is one line in
	 * the show's error ring. */
	void (*fire)(struct gl_show *show, const struct show_cue *cue, const void *actions,
		     int count);
	/* Optional: every engine event (a GO of any cue, a list stopped), before
	 * the fired cue's actions. */
	void (*event)(struct gl_show *show, const struct gl_event *ev);
};

/* Each kind's functions are its file's (show_osc.c ...); this table, in
 * show_action.c, lists them by enum show_action_kind_id. */
extern const struct show_action_kind *const show_action_kinds[SHOW_ACTION_KINDS];

enum show_tc { SHOW_TC_NONE, SHOW_TC_INTERNAL, SHOW_TC_EXTERNAL };

struct show_list {
	struct show_where at;
	char name[GL_NAME_MAX];
	bool loop;
	double chase_step_s;           /* chase = {...}: a step's time; 0 none */
	double chase_xfade;            /* 0..1 of a step */
	enum show_tc timecode;
	bool mtc;                      /* timecode = "mtc" (not "external": timecode() only) */
	double freewheel_s;
	bool filled;                   /* cuelist "X" { ... } was called */
	int cue_count;
	int *cues;                     /* indices into show->cues, in order */
	int built_count;               /* cues as the engine was built with them, */
	int *built_cues;               /* kept at the first edit while it runs (an
					* undo brings one back: GL_CUE_BUILT) */
};

enum show_cmd_kind {
	SHOW_CMD_GO, SHOW_CMD_BACK, SHOW_CMD_STOP, SHOW_CMD_PAUSE, SHOW_CMD_RESUME,
	SHOW_CMD_FADER, SHOW_CMD_LIST_MASTER, SHOW_CMD_GRAND_MASTER, SHOW_CMD_BLACKOUT,
};

/* A command as a script wrote it (names, numbers), resolved against the
 * engine now (at run time) or at build (when queued at load). */
struct show_cmd {
	struct show_where at;
	enum show_cmd_kind kind;
	char list[GL_NAME_MAX];        /* "" = every list (stop/pause/resume) */
	bool has_cue;
	double cue;
	int fader;
	float value;
	struct gl_cmd resolved;
};

struct show_handler {                  /* on_cue */
	struct show_where at;
	char list_name[GL_NAME_MAX];
	bool any_cue;
	double cue_number;
	int list;                      /* resolved at build */
	int cue;
	int ref;                       /* function in the registry */
};

/* A slot of s->timers; a waiting timer is in s->timer_heap, a min-heap of
 * slot numbers ordered by (due_ns, seq). Slots are reused: id (what every()
 * and after() return) is slot + 1 + gen * SHOW_TIMER_MAX, so cancel() finds
 * its slot at once and an old id never cancels a newer timer. */
struct show_timer {
	struct show_where at;
	lua_Integer id;                /* 0: the slot is free */
	unsigned gen;                  /* times the slot was used */
	int ref;                       /* function in the registry */
	int heap_pos;
	int next_free;                 /* free list, -1 at the end */
	uint64_t seq;                  /* creation order */
	uint64_t period_ns;
	uint64_t due_ns;               /* = period_ns until the show starts */
	bool repeat;
};

/* A message a cue sends at GO (show_osc.c). The cue's messages and their
 * strings are one allocation. */
struct show_osc_action {
	char *to;                      /* "osc.udp://host:port" */
	char *address;
	int argc;
	struct gl_ctl_arg argv[GL_CTL_ARGS_MAX];
};

struct show_control {                  /* osc { port = 7700, ... } */
	struct show_where at;
	struct gl_control_config cfg;
};

struct show_audio_name {               /* a sound's name; its index is its tag */
	char name[GL_AUDIO_NAME_MAX];
};

/* A thing an adapter drives, declared once: video_target { "wall", url = ... }
 * for "rtsp". Its options as the adapter reads them, the name first. */
struct show_declaration {
	struct show_where at;
	char adapter[32];
	char name[GL_NAME_MAX];
	int option_count;
	struct gl_option options[GL_OPTION_MAX];
};

struct show_matrix {                   /* matrix { "wall", fixtures = ..., width = 16 } */
	struct show_where at;
	char name[GL_NAME_MAX];
	char selection[LOOK_SELECTION_MAX];
	int width, height;             /* height 0: as the pixels fill */
	int order;                     /* 0 rows, 1 snake, 2 columns */
};

struct show_effect {                   /* effect { "name", ... } */
	struct show_where at;
	struct gl_effect_def def;      /* fixtures, xy, image set at build */
	char selection[LOOK_SELECTION_MAX];
	char matrix[GL_NAME_MAX];
	uint8_t *image;                /* owned: every frame, RGB */
};

struct show_osc_handler {              /* on_osc(pattern, fn), on_mqtt(filter, fn) */
	struct show_where at;
	char pattern[256];
	int ref;
};

struct show_midi_map {                 /* midi.map { ... } as a mapping line */
	struct show_where at;
	char line[256];                /* MIDI_MAP_LINE_MAX */
	int ref;                       /* call = function; LUA_NOREF for the others */
};

enum show_phase { SHOW_LOADING, SHOW_BUILT };

struct gl_show {
	char path[SHOW_PATH_MAX];
	char dir[SHOW_PATH_MAX];
	char name[GL_NAME_MAX];
	enum show_phase phase;
	bool started;
	struct sandbox *sb;
	struct gl_engine *engine;

	/* show { ... } */
	bool show_declared;
	struct show_where show_at;
	double rate_hz;
	double back_time_s;
	double release_time_s;
	double output_delay_s;
	/* show { resume = ... } (show_resume.c) */
	enum gl_show_resume resume;
	struct show_where resume_at;
	char resume_list_name[GL_NAME_MAX];  /* "" = the first cue list */
	double resume_cue_number;
	int resume_list, resume_cue;         /* resolved at build */

	struct show_vec files;         /* char *: interned source names and
					* look range names */
	int index_ref;                 /* registry table: show_index_*() */
	int universe_count;            /* distinct universes declared */
	int fixture_count;             /* engine fixtures the patch makes */
	struct show_vec types;         /* struct show_type */
	struct show_vec outputs;       /* struct show_output */
	struct show_vec patches;       /* struct show_patch */
	struct show_vec groups;        /* struct show_group */
	struct show_vec faders;        /* struct show_fader */
	struct show_vec inputs;        /* struct show_input */
	struct show_vec cues;          /* struct show_cue */
	struct show_vec edits;         /* struct show_edit */
	struct show_vec at_points;     /* float x, y pairs: patch { at = ... } */
	char recorded[SHOW_PATH_MAX];  /* recorded "x.lua": its path; "" none */
	struct show_where recorded_at;
	struct show_vec lists;         /* struct show_list */
	struct show_vec queued;        /* struct show_cmd: asked for at load */
	struct show_vec handlers;      /* struct show_handler */
	struct show_vec timers;        /* struct show_timer, slots */
	struct show_vec timer_heap;    /* int: slots of waiting timers */
	struct show_vec controls;      /* struct show_control: osc { ... } */
	struct show_vec osc_handlers;  /* struct show_osc_handler: on_osc */
	struct show_vec mqtt_handlers; /* struct show_osc_handler: on_mqtt */
	struct show_vec declarations;  /* struct show_declaration: video_target */
	struct show_vec midi_maps;     /* struct show_midi_map: midi.map */
	struct show_vec effects;       /* struct show_effect */
	struct show_vec matrices;      /* struct show_matrix */
	bool sound_input;              /* sound_input { ... } */
	char sound_device[128];
	struct show_vec schedules;     /* struct show_sched (show_schedule.c) */
	lua_Integer schedule_seq;
	struct gl_location location;   /* location { ... } */
	bool has_location;
	bool catch_up;                 /* schedule { missed = "catch_up" } */
	time_t catch_up_since;         /* catch up only firings after it; 0: none */
	time_t (*wall_fn)(void *ud);   /* the wall clock; NULL: time() */
	void *wall_ud;
	bool mtc_running;              /* gl_show_timecode_input: what the lists were told */
	uint64_t mtc_fed_ns;
	uint64_t mtc_jumps;
	gl_show_send_fn send_fn;       /* osc.send and cue actions (app wires it) */
	/* audio (show_audio.c) */
	bool audio_declared;           /* audio { ... } */
	struct show_where audio_at;
	struct gl_audio_config audio_cfg;
	int audio_cues;                /* cues with audio actions */
	int audio_master_fader;        /* fader(n, { audio = "master" }): n; 0 none */
	struct show_vec audio_names;   /* struct show_audio_name */
	struct gl_audio *audio;        /* the running audio part (app wires it) */
	int problems;                  /* found at load, the show runs with them */
	void *send_ud;
	int timer_free;                /* first free slot, -1 none */
	uint64_t timer_seq;
	uint64_t timer_window_ns;      /* SHOW_TIMER_RATE_MAX: this second's */
	int timer_window_count;        /* start and the timers made in it */
	bool in_timers;
	uint64_t timers_now_ns;

	/* what the running handler call did (SHOW_CALL_*), and log lines
	 * while loading (SHOW_LOAD_LOG_MAX) */
	int call_commands;
	int call_sends;
	int call_log_lines;
	int load_log_lines;

	/* errors from handlers, oldest first */
	char ring[SHOW_ERROR_RING][SHOW_ERROR_LEN];
	int ring_head;
	int ring_count;
	unsigned ring_dropped;
};

/* show_resume.c */
/* Reads `resume` of the show { } table at idx (raw); raises at `at`. */
void show_resume_decl(lua_State *L, struct gl_show *s, int idx, struct show_where at);
/* Once the engine is built: the list and cue `resume` names exist. */
int show_resume_build(struct gl_show *s, char *err, size_t len);

/* show.c */
/* Raises "file:line: memory limit exceeded (N MiB)" at the nearest Lua
 * caller, as the sandbox's allocator reports it. */
int show_raise_memory(lua_State *L);
/* Counts `bytes` of host memory against the sandbox's limit; raises
 * "file:line: memory limit exceeded (N MiB)" at the nearest Lua caller. */
void show_charge(lua_State *L, size_t bytes);
/* Appends a zeroed item; raises a Lua error when out of memory or over
 * the memory limit (growth is charged). */
void *show_vec_push(lua_State *L, struct show_vec *vec, size_t size);
/* Makes room for one more item (raises when out of memory), so that a
 * following show_vec_push() cannot fail. */
void show_vec_reserve(lua_State *L, struct show_vec *vec, size_t size);
void show_vec_free(struct show_vec *vec);
struct gl_show *show_from_upvalue(lua_State *L);
/* Sets field `name` of the table on top (raw) to fn, with the show as the
 * upvalue show_from_upvalue() finds. */
void show_set_fn(lua_State *L, struct gl_show *s, const char *name, lua_CFunction fn);
/* A hashed index of names by kind: the value recorded for kind + name, or
 * -1. Kinds: 'f' interned text and 't' fixture types (their index in
 * s->files, s->types), 'p' patches, 'g' groups, 'l' cue lists (the line
 * that declared them), 'u' universes. Raises when out of memory. */
int show_index_get(lua_State *L, struct gl_show *s, char kind, const char *name);
void show_index_set(lua_State *L, struct gl_show *s, char kind, const char *name, int value);
/* The show's copy of a string (a source name, a look's range name), kept
 * until the show is destroyed; raises when out of memory. */
const char *show_intern(lua_State *L, struct gl_show *s, const char *text);
/* The nearest Lua caller's file:line (skipping C functions like pcall). */
struct show_where show_where_here(lua_State *L);
/* Raises "file:line: message" at `at`. */
int show_raise(lua_State *L, struct show_where at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "file:line: message" (or "file: message" without a line) into err;
 * returns -1. Build errors. */
int show_fail(char *err, size_t len, struct show_where at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "123", "\"text\"", "true", "table" - how a value is shown in messages. */
void show_describe(lua_State *L, int idx, char *buf, size_t len);

/* show_decl.c */
void show_decl_register(lua_State *L, struct gl_show *show);

/* show_decl.c: the value on top of the stack as output/adapter option text;
 * raises at `at` naming `what` and the key. */
void show_option_text(lua_State *L, struct show_where at, const char *what, const char *key,
		      char *out, size_t len);

/* show_osc.c: control surfaces in the show (osc {}, osc.send, on_osc, cue
 * osc = {...} actions). */
void show_osc_register(lua_State *L, struct gl_show *show);
extern const struct show_action_kind show_osc_actions;
int show_osc_build(struct gl_show *show, char *err, size_t len);
/* on_osc and on_mqtt: adds handler h (at set) for the pattern at 1 and
 * the function at 2, both checked by the caller. */
void show_osc_handler_add(lua_State *L, struct show_vec *handlers, struct show_osc_handler *h);
/* A message for handler h: pushes its function and the message's address
 * for show_run_handler(), and names the handler in `what` for its errors
 * ("on_mqtt(\"venue/#\") handler (show.lua:12)"). */
void show_osc_handler_push(lua_State *L, const struct show_osc_handler *h, const char *fn,
			   const char *address, char *what, size_t len);
void show_osc_free(struct gl_show *show);

/* show_edit.c */
/* Applies the edits to the lists' cues, in order. Returns 0, or -1 with
 * "file:line: what is wrong" at the edit. */
int show_edits_apply(struct gl_show *show, char *err, size_t len);
/* GL_EV_CUES_REPLACED: the list's cues follow the engine's new order
 * (their actions with them), its on_cue handlers find their cue again. */
void show_cues_replaced(struct gl_show *show, int list);
void show_edits_free(struct gl_show *show);
/* show_mqtt.c: on_mqtt, mqtt.publish and cue mqtt = {...} actions (its
 * show_action_kind); the env table is on top of the stack for register. */
void show_mqtt_register(lua_State *L, struct gl_show *show);
extern const struct show_action_kind show_mqtt_actions;
/* A message from the MQTT adapter: the on_mqtt handlers whose filter
 * matches. Returns true when one ran. */
bool show_mqtt_handle(struct gl_show *show, const struct gl_ctl_msg *msg);
void show_mqtt_free(struct gl_show *show);

/* show_video.c: video_target { ... }, rtsp.play() and friends (register:
 * the env table on top), cue video = {...} actions (its show_action_kind),
 * and the build check that every action names a target. */
void show_video_register(lua_State *L, struct gl_show *show);
extern const struct show_action_kind show_video_actions;
int show_video_build(struct gl_show *show, char *err, size_t len);
void show_video_free(struct gl_show *show);
/* show_midi.c: midi.map, midi.send and cue midi = {...} actions (its
 * show_action_kind); the env table is on top for register. */
void show_midi_register(lua_State *L, struct gl_show *show);
extern const struct show_action_kind show_midi_actions;
/* After the engine is built: every midi.map names what the show has, and
 * midi { ... } is declared. Returns 0 or GL_EINVAL with file:line in err. */
int show_midi_build(struct gl_show *show, char *err, size_t len);
/* The adapter's mapping lines (gl_show_subscription for "midi"), and a
 * mapping's function to run (gl_show_handle_message). */
const char *show_midi_subscription(const struct gl_show *show, int i);
bool show_midi_handle(struct gl_show *show, const struct gl_ctl_msg *msg);
void show_midi_free(struct gl_show *show);

/* show_audio.c: audio { ... }, cue audio = {...} actions (its show_action_kind),
 * the targets' names resolved and the files probed at build. */
void show_audio_register(lua_State *L, struct gl_show *show);
extern const struct show_action_kind show_audio_actions;
int show_audio_build(struct gl_show *show, char *err, size_t len);
void show_audio_print(const struct gl_show *show, FILE *out);
void show_audio_free(struct gl_show *show);

/* show_osc.c: the table at idx as options (named values as text, as
 * outputs/options.h reads them) into opts (GL_OPTION_MAX); returns the
 * count, raises at `at` naming `what`. */
int show_read_options(lua_State *L, struct show_where at, const char *what, int idx,
		      struct gl_option *opts);

/* show_effects.c: effect {}, matrix {}, sound_input {} and the run-time
 * functions (register: the env table on top); the fields they add to cues
 * (raise at `at`; the refs live in a userdata left on the stack until
 * show_fx_cue_copy()), to cue lists, and the build. */
void show_fx_register(lua_State *L, struct gl_show *show);
const struct show_fx_ref *show_fx_cue_fields(lua_State *L, struct show_where at, const char *what,
					     int idx, int *count, double *tc_s);
/* A heap copy the cue owns (charged); NULL when there are none or out of memory. */
struct show_fx_ref *show_fx_cue_copy(lua_State *L, const struct show_fx_ref *refs, int count);
void show_fx_list_fields(lua_State *L, struct show_where at, const char *what, int idx,
			 struct show_list *list);
void show_fx_list_cues(lua_State *L, struct gl_show *s, struct show_list *list);
/* After the groups: every effect into the engine. Returns 0 or -1 (err). */
int show_fx_build(struct gl_show *s, const struct look_rig *rig, char *err, size_t len);
/* After list `id`'s cues: its timecode, cue times and cue effects. */
int show_fx_list_build(struct gl_show *s, const struct show_list *l, int id, char *err,
		       size_t len);
void show_fx_print(const struct gl_show *s, FILE *out);
void show_fx_free(struct gl_show *s);

/* show_schedule.c: at(), location {}, schedule {} (register: the env
 * table on top); every("minute"|"hour"|"day", fn) from show_api.c's every
 * (the string on the stack at 1); cancel() of a schedule's id; and the
 * runs: at start (catch-up), from gl_show_run_timers(), and the nearest
 * due one as a monotonic instant for the poll loop (0 none). */
void show_sched_register(lua_State *L, struct gl_show *show);
int show_sched_every(lua_State *L);
bool show_sched_cancel(struct gl_show *s, lua_Integer id);
void show_sched_start(struct gl_show *s);
void show_sched_run(struct gl_show *s);
uint64_t show_sched_next_ns(const struct gl_show *s, uint64_t now_ns);
void show_sched_free(struct gl_show *s);

/* show_action.c */
void show_actions_fire(struct gl_show *show, int list, int cue);
/* A cue's action field at index field: one table, or a list of up to max
 * of them (*list). Returns how many; raises at `at` ("cue 3: mqtt: 1..64
 * messages", "...: a list of messages has only message tables"). */
int show_action_list(lua_State *L, struct show_where at, const char *what, int field,
		     const char *kind, const char *noun, int max, bool *list);
/* Pushes action i of that field: the list's i-th table, or the field
 * itself when it holds one action. */
void show_action_push(lua_State *L, int field, bool list, int i);
/* Pushes a zeroed userdata of `size` bytes for a field's parsed actions
 * and, on top, a table of `slots` items that is its user value: what the
 * parsed actions point into, put there, lives as long as the userdata.
 * Returns the userdata. */
void *show_action_parsed_keep(lua_State *L, size_t size, int slots);
/* The end of a kind's parse(): the parsed userdata on top takes the
 * field's place, and what copy() will allocate is charged. */
void show_action_parsed_done(lua_State *L, int field, size_t bytes);
/* A kind's copy(): one heap block for `count` actions of `size` bytes
 * followed by `bytes` of what they point at, which show_action_put()
 * copies to *pos. NULL when out of memory. */
void *show_action_block(int count, size_t size, size_t bytes, char **pos);
/* Copies len bytes to *pos and moves it on; returns the copy. */
char *show_action_put(char **pos, const void *data, size_t len);
/* Sends msg through the show's sender to the adapter; GL_ENOENT while
 * there is none or the show is not built yet. */
int show_send(struct gl_show *s, const char *adapter, const struct gl_ctl_msg *msg);
/* Before a script sends (osc.send, mqtt.publish, midi.send, rtsp.play):
 * false, with false and not_running pushed (the function returns those
 * 2), when the show's sender is not there yet; raises "what: at most N
 * messages in one handler call" past SHOW_CALL_SENDS_MAX. */
bool show_send_allowed(lua_State *L, struct gl_show *s, const char *what,
		       const char *not_running);
/* The send's result for the script: true, or false and why(rc). Returns
 * how many values it pushed. */
int show_send_result(lua_State *L, int rc, const char *(*why)(int rc));
/* Every engine event, for the kinds that follow lists (show_action_kind.event). */
void show_actions_event(struct gl_show *show, const struct gl_event *ev);
void show_actions_free(struct gl_show *show);

/* show_api.c */
void show_api_register(lua_State *L, struct gl_show *show);
/* Runs the function and `nargs` arguments on the stack as one handler call
 * (budget, SHOW_CALL_* limits); a failure goes to the ring as "what: ...". */
void show_run_handler(struct gl_show *show, int nargs, const char *what);
/* Resolves a command's names against the built engine. Returns 0 or
 * GL_ENOENT with "go(\"X\"): unknown cuelist \"X\"" style text in err. */
int show_cmd_resolve(struct gl_show *show, struct show_cmd *cmd, char *err, size_t len);
/* Resolves an on_cue handler's list and cue against the built engine. */
int show_handler_resolve(struct gl_show *show, struct show_handler *h, char *err, size_t len);
void show_ring_push(struct gl_show *show, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void show_log(void *ud, const char *text);
void show_describe_cmd(const struct show_cmd *cmd, char *buf, size_t len);

#endif
