/*
 * fixture_def.h - the rich, scripts-side definition of a fixture type: modes,
 * each an ordered list of channels (attribute, 8/16/24-bit, default, home,
 * highlight, inverted, named capability ranges), heads of multi-head modes,
 * physical data. Our Lua fixture files (fixture_file.c), the QLC+ importer
 * (import_qxf.c) and the OFL importer (import_ofl.c) all produce one; the
 * writer here emits our Lua format; fixture_def_parts() turns one mode into
 * the engine fixture types a patch makes.
 *
 * Control thread (loading, the `fixture` command); no Lua, no engine state.
 * Invariants of a definition that fdef_check() accepted: at least one mode;
 * mode names unique; every mode 1..512 slots; every head lists channel
 * indices of its mode, each channel in at most one head; capability ranges
 * within 0..255 and min <= max.
 *
 * Layout of a mode (fdef_mode_layout()): channels are listed in slot order
 * by their coarse byte. A fine or ultra byte follows the byte before it
 * unless fine_slot places it elsewhere; the slots so placed are taken first
 * and the channels fill the other slots in order, so a mode's slots are
 * exactly the sum of its channels' bytes, without gaps.
 */
#ifndef GL_FIXTURE_DEF_H
#define GL_FIXTURE_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../engine/engine.h"

#define FDEF_ERR_MAX 512
/* Colour slots a part keeps for looks: a range per value of the coarse
 * byte at most (OFL colour-macro channels have a hundred and more). */
#define FDEF_WHEEL_MAX 256

enum fdef_cap_kind {
	FDEF_CAP_GENERIC,   /* a named range with no meaning we act on */
	FDEF_CAP_NONE,      /* no function */
	FDEF_CAP_OPEN,      /* shutter open */
	FDEF_CAP_CLOSED,    /* shutter closed / blackout */
	FDEF_CAP_STROBE,    /* strobe (any pattern) */
	FDEF_CAP_COLOR,     /* colour wheel slot or colour macro; rgb set */
	FDEF_CAP_GOBO,      /* gobo slot */
	FDEF_CAP_KIND_COUNT
};

struct fdef_cap {
	int min, max;        /* DMX range on the coarse byte, 0..255 */
	enum fdef_cap_kind kind;
	char *name;          /* may be NULL */
	bool has_color;
	float rgb[3];        /* 0..1 when has_color */
};

struct fdef_channel {
	char *name;          /* may be NULL (our files: the attribute name) */
	char *fine_name;     /* importers: the fine slot's own name, NULL default */
	char *ultra_name;
	int attr;            /* enum gl_attr */
	int bytes;           /* resolution: 1..3 bytes, coarse first */
	int fine_slot[2];    /* the fine (0) and ultra (1) byte's slot in the
			      * mode (0-based) when it does not follow the byte
			      * before it (pan fine after tilt); -1: it follows */
	float default_value; /* 0..1 */
	float home;          /* 0..1, < 0: unset (= default) */
	float highlight;     /* 0..1, < 0: unset (= full) */
	bool inverted;       /* 0 on the wire is the top of the range */
	bool fixed;          /* never changed by looks: held at default */
	int cap_count;
	struct fdef_cap *caps;
};

struct fdef_head {
	int count;
	int *channels;       /* indices into the mode's channels */
};

struct fdef_mode {
	char *name;
	int channel_count;
	struct fdef_channel *channels;   /* in slot order */
	int head_count;
	struct fdef_head *heads;
};

struct fdef {
	char *name;
	char *manufacturer;
	char *source;         /* where it came from ("qlcplus", "ofl"), or NULL */
	float pan_range_deg;  /* 0: none */
	float tilt_range_deg;
	float weight_kg;      /* physical data, 0 unknown */
	float power_w;
	float beam_min_deg, beam_max_deg;
	int emitter_count;    /* emitter colours (LED colours, lamp) */
	struct { char *name; float rgb[3]; } *emitters;
	int mode_count;
	struct fdef_mode *modes;
	int default_mode;     /* index patched without mode = ...; -1: must ask */
};

struct fdef *fdef_create(void);
void fdef_destroy(struct fdef *def);   /* NULL: no-op */

/* Appending; each returns the new item (zeroed: attr control, 1 byte,
 * fine_slot -1, home and highlight unset) or NULL when out of memory. */
struct fdef_mode *fdef_add_mode(struct fdef *def, const char *name);
struct fdef_channel *fdef_add_channel(struct fdef_mode *mode);
struct fdef_cap *fdef_add_cap(struct fdef_channel *ch);
struct fdef_head *fdef_add_head(struct fdef_mode *mode, const int *channels, int count);
int fdef_add_emitter(struct fdef *def, const char *name, const float rgb[3]);
/* strdup that the def frees; returns 0 or GL_ENOMEM. */
int fdef_set_str(char **dst, const char *src);

/* Marks, per part (shared channels, each head), every channel whose
 * attribute an earlier channel of the part already has as fixed (a repeated
 * intensity held at full); importers call it so the file they write says
 * what the patch will do. Also drops a pan or tilt range that no channel
 * uses. */
void fdef_mark_repeats(struct fdef *def);

/* Slots a mode spans (the sum of its channels' bytes). */
int fdef_mode_slots(const struct fdef_mode *mode);
/* Lays a mode out (see the top of this file): slot[c * 3 + b] gets the
 * 0-based slot of byte b of channel c (-1 past the channel's bytes); slot
 * holds 3 * channel_count ints. Returns 0, or GL_EINVAL with "mode \"x\":
 * channel 3: ..." in err when a placed byte is outside the mode, on the
 * first slot (the engine cannot express that), or on a slot already taken. */
int fdef_mode_layout(const struct fdef_mode *mode, int *slot, char *err, size_t err_len);
/* Channels of a mode with a fine or ultra byte away from its coarse one. */
int fdef_mode_split_count(const struct fdef_mode *mode);
/* The mode called `name`, or NULL. */
const struct fdef_mode *fdef_find_mode(const struct fdef *def, const char *name);

/* Checks the invariants above (and names, attributes, values 0..1).
 * Returns 0 or GL_EINVAL with "mode \"x\": channel 3: ..." in err. */
int fdef_check(const struct fdef *def, char *err, size_t err_len);

/* ---- patching ------------------------------------------------------------- */

/* A named range of an addressable channel, for looks (gobo = "Star"). */
struct fdef_named {
	const char *name;
	int attr;                      /* enum gl_attr */
	float value;                   /* the middle of the range, 0..1 (as a
					* look value: inversion applied) */
};

/* One engine fixture of a patched mode: the shared channels (head 0) or one
 * head (1..). Channel offsets are explicit, relative to the fixture's
 * address, so heads interleave freely. */
struct fdef_part {
	int head;                      /* 0 shared, 1.. head number */
	struct gl_fixture_type type;
	/* colour-wheel slots of the part's color_wheel channel (for looks):
	 * value 0..1 and colour of each slot */
	int wheel_count;
	float wheel_value[FDEF_WHEEL_MAX];
	float wheel_rgb[FDEF_WHEEL_MAX][3];
	/* named ranges of the part's addressable channels, in channel then
	 * range order; they live in the parts' own allocation */
	int named_count;
	const struct fdef_named *named;
};

/* Turns mode `mode` into parts (one malloc'd block into *parts, named
 * ranges and their names included; the caller frees it with free()):
 * the shared part first (when the mode has channels outside every head),
 * then one per head. The first channel of each attribute in a part is
 * addressable; repeats and unused slots are fixed at their default (a
 * repeated intensity at full, so the addressable one controls). Offsets are
 * explicit (fdef_mode_layout()); a fine or ultra byte elsewhere in the mode
 * becomes the engine channel's fine_offset. Returns the part count, or
 * GL_EINVAL with a message in err (a part with more than GL_MAX_CHANNELS
 * channels), GL_ENOMEM. */
int fdef_parts(const struct fdef *def, const struct fdef_mode *mode, const char *type_name,
	       struct fdef_part **parts, char *err, size_t err_len);

/* The middle of the range called `name` (case-insensitive) of the part's
 * addressable `attr` channel, as a look value. Returns 0, or GL_ENOENT. */
int fdef_part_named(const struct fdef_part *part, int attr, const char *name, float *value);

/* ---- colour wheels ---------------------------------------------------------- */

/* The slot of a wheel nearest to an RGB colour (0..1 each): returns the
 * index, or -1 when count is 0. Distance is Euclidean in RGB after scaling
 * both colours to the same peak, so "#800000" still finds the red slot. */
int fdef_nearest_color(const float (*rgb)[3], int count, float r, float g, float b);

/* Compares the channel maps of two definitions: modes (names, order),
 * channels (attribute, resolution, fine_slot, default, invert, fixed,
 * capability ranges and kinds) and heads. Returns 0 when they match, else
 * GL_EINVAL with the first difference in why. */
int fdef_compare(const struct fdef *a, const struct fdef *b, char *why, size_t why_len);

/* ---- output ----------------------------------------------------------------- */

/* Writes the definition as our Lua fixture format to `out`. Returns 0 or
 * GL_EIO. */
int fdef_write_lua(const struct fdef *def, FILE *out);

/* Writes it to `path` atomically: a temp file beside it, fsync, rename.
 * On any error nothing is left behind. Returns 0, GL_EIO (err says why). */
int fdef_save_lua(const struct fdef *def, const char *path, char *err, size_t err_len);

/* Prints modes and channel maps (`ghostlight fixture show`). */
void fdef_print(const struct fdef *def, FILE *out);

/* Names for our format: "open", "closed"... Returns -1 for an unknown one. */
const char *fdef_cap_kind_name(enum fdef_cap_kind kind);
int fdef_cap_kind_from_name(const char *name);

/* A file name for a definition: "manufacturer-model" lower-cased, letters,
 * digits and '-' only. */
void fdef_file_stem(const struct fdef *def, char *out, size_t len);

#endif
