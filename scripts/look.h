/*
 * look.h - selections ("wash", "front 3", "front 1-4", "front") and looks
 * (selection -> attribute values) turned into engine cue changes.
 *
 * Pure C on a built (not necessarily finalized) engine; no Lua. Control
 * thread, at load. Values: 0..1 for every attribute but pan and tilt, which
 * are degrees from the centre (-range/2..+range/2) and are normalised here
 * with each fixture's range; a colour is mixed into each fixture's emitters.
 */
#ifndef GL_LOOK_H
#define GL_LOOK_H

#include <stddef.h>

#include "engine/engine.h"
#include "fixtures/fixture_def.h"

#define LOOK_SELECTION_MAX 96
#define LOOK_COLOR GL_ATTR_COUNT      /* a look value that is a colour */
#define LOOK_VALUES_MAX (GL_ATTR_COUNT + 1)

struct look_value {
	int attr;         /* enum gl_attr, or LOOK_COLOR */
	float value[3];   /* value[0]; or r, g, b for LOOK_COLOR */
	const char *range;/* or a named range of the attribute's channel
			   * (gobo = "Star": the middle of that range); owned
			   * by the caller, NULL when value[0] is meant */
};

struct look_entry {
	char selection[LOOK_SELECTION_MAX];
	int value_count;
	struct look_value values[LOOK_VALUES_MAX];
};

/* One patch declaration: `count` instances labelled "base 1".."base N" (or
 * "base" when count is 1), each `parts` engine fixtures with consecutive ids
 * from `first_fixture`. A multi-head instance is its shared channels (when
 * has_shared: the fixture labelled with the instance's own label) and then
 * one fixture per head, labelled "base N.H" ("base.H" when count is 1).
 * Selecting an instance selects all its parts. */
struct look_patch {
	const char *base;
	int first_fixture;
	int count;
	int parts;           /* engine fixtures per instance, >= 1 */
	bool has_shared;     /* the first part is the shared channels */
};

struct look_work;

struct look_rig {
	const struct gl_engine *engine;
	const struct look_patch *patches;   /* sorted by base (strcmp) */
	int patch_count;
	/* per fixture id: its fixture part (colour-wheel slots for looks), or
	 * NULL; the array may be NULL */
	const struct fdef_part *const *fixture_part;
	/* scratch for look_build(), from look_work_create() on this engine
	 * once its patch is complete; NULL: each call makes its own */
	struct look_work *work;
	/* every group id of the engine, sorted by name (strcmp), for a binary
	 * search; NULL: look_select() asks the engine */
	const int *groups;
};

/* Returns NULL when out of memory. */
struct look_work *look_work_create(const struct gl_engine *engine);
void look_work_destroy(struct look_work *work);

/* The patch whose base name is `base`, or NULL. */
const struct look_patch *look_patch_find(const struct look_rig *rig, const char *base);

/* Resolves a selection, in this order: a group name, a fixture label (which
 * is always a patch's "base" or "base N", found through the patch table), a
 * patch's base name (all its fixtures), "base N", "base A-B" (B < A runs
 * backwards), "base N.H" / "base.H" (head H of a multi-head instance). Writes at most `cap` fixture ids to out. Returns how many,
 * or GL_ENOENT / GL_ERANGE with a message in err. */
int look_select(const struct look_rig *rig, const char *selection, int *out, int cap,
		char *err, size_t err_len);

/* Turns a look into changes (malloc'd into *changes, the caller frees; one
 * change per param, in param order). Where selections overlap the smaller
 * one wins (a look can say wash = 0.5 and ["front 1"] = 1); within an entry
 * the explicit attributes win over `color`; a colour goes to a fixture's
 * emitters or, when it has none, to the nearest slot of its colour wheel; a
 * named range goes to the fixtures whose channel has a range of that name
 * (rig->fixture_part). An attribute, colour or named range that no fixture
 * of a selection has is an error; fixtures that lack one another of the
 * selection has are skipped. Returns the change count, or GL_ENOENT /
 * GL_ERANGE / GL_EINVAL / GL_ENOMEM with a message in err. */
int look_build(const struct look_rig *rig, const struct look_entry *entries, int count,
	       struct gl_cue_change **changes, char *err, size_t err_len);

#endif
