/*
 * ui.h - the console's drawing layer on an SDL renderer: the palette (one
 * meaning per colour, a dark theme and a red-light one), text from a glyph
 * atlas per font size (SDL_ttf renders each glyph once), rectangles, bars,
 * and the registry of named hit areas that mouse, touch and the test
 * script find widgets by.
 *
 * GUI thread only (the thread that owns the SDL renderer). Sizes given to
 * these functions are device pixels; ui->scale turns the design's 1x
 * sizes into them (HiDPI).
 */
#ifndef GL_CONSOLE_UI_H
#define GL_CONSOLE_UI_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>
#include <SDL_ttf.h>

/* Colours by meaning. Green, amber, red and blue carry one meaning each
 * (DESIGN.md "The console"); everything else is greys. */
enum ui_color {
	UI_BG,          /* window background: near black */
	UI_PANEL,       /* a region's background */
	UI_PANEL_HI,    /* a row or button under the pointer, a track */
	UI_LINE,        /* separators, frames */
	UI_TEXT,        /* ordinary text: no brighter than needed */
	UI_TEXT_DIM,    /* secondary text: times, units, hints */
	UI_TEXT_BRIGHT, /* what must be read at arm's length (GO, the active cue) */
	UI_LIVE,        /* green: live / active */
	UI_LIVE_DIM,
	UI_NEXT,        /* amber: standby / next */
	UI_NEXT_DIM,
	UI_ERROR,       /* red: error, panic, blackout */
	UI_ERROR_DIM,
	UI_SELECT,      /* blue: selected for editing */
	UI_SELECT_DIM,
	UI_COLOR_COUNT
};

enum ui_font { UI_FONT_SMALL, UI_FONT_BODY, UI_FONT_MONO, UI_FONT_BIG, UI_FONT_HUGE, UI_FONT_COUNT };

enum ui_align { UI_LEFT, UI_CENTER, UI_RIGHT };

#define UI_GLYPHS_MAX 512          /* distinct glyphs per font */
#define UI_HITS_MAX 4096           /* named areas per frame */
#define UI_HIT_NAME_MAX 48

struct ui_glyph {
	uint32_t codepoint;
	SDL_Rect src;                  /* in the atlas */
};

struct ui_font_atlas {
	TTF_Font *font;
	SDL_Surface *surface;          /* the atlas in memory, ARGB8888 */
	SDL_Texture *texture;
	int height;                    /* line height, px */
	int ascent;
	int pen_x, pen_y;              /* where the next glyph goes in the atlas */
	int glyph_count;
	struct ui_glyph glyphs[UI_GLYPHS_MAX];
	int ascii[128];                /* index into glyphs, -1 none yet */
};

struct ui_hit {
	char name[UI_HIT_NAME_MAX];
	SDL_Rect r;
};

struct ui {
	SDL_Renderer *ren;
	float scale;                   /* device pixels per design pixel */
	bool red_light;
	bool fc_init;                  /* fontconfig was started here */
	SDL_Color pal[UI_COLOR_COUNT];
	struct ui_font_atlas fonts[UI_FONT_COUNT];
	/* named areas of the frame being drawn, and of the last one drawn
	 * (what events are matched against) */
	struct ui_hit *hits, *hits_last;
	int hit_count, hit_count_last;
};

/* Opens the fonts (fontconfig, else Debian's fixed paths) at `scale`.
 * Returns 0, or -1 with the reason in err. */
int ui_init(struct ui *ui, SDL_Renderer *ren, float scale, char *err, size_t err_len);
void ui_free(struct ui *ui);
/* The palette for the theme (dark, or red-light: every colour a shade of
 * red, so that night vision survives; meaning then rides on brightness and
 * shape). */
void ui_set_red_light(struct ui *ui, bool on);

/* Design pixels to device pixels. */
static inline int ui_px(const struct ui *ui, float design)
{
	return (int)(design * ui->scale + 0.5f);
}

/* A live colour (a fixture's) as the theme shows it: unchanged in the dark
 * theme, its brightness in red in the red-light one. */
SDL_Color ui_live_color(const struct ui *ui, float r, float g, float b);

void ui_color(struct ui *ui, enum ui_color c);
void ui_fill(struct ui *ui, SDL_Rect r, enum ui_color c);
void ui_frame(struct ui *ui, SDL_Rect r, enum ui_color c, int thickness);
void ui_line(struct ui *ui, int x1, int y1, int x2, int y2, enum ui_color c);
/* A horizontal bar filled to fraction x (0..1) of r. */
void ui_bar(struct ui *ui, SDL_Rect r, float x, enum ui_color fill, enum ui_color track);

/* Text (UTF-8) in r's height, aligned; clipped to r's width with "..".
 * Returns the width drawn. */
int ui_text(struct ui *ui, enum ui_font f, SDL_Rect r, enum ui_align align, enum ui_color c,
	    const char *text);
int ui_text_width(struct ui *ui, enum ui_font f, const char *text);
int ui_font_height(const struct ui *ui, enum ui_font f);

/* A button: filled, framed, its text centred (its key, when given, small
 * below it), registered as a hit area under `name`. */
void ui_button(struct ui *ui, SDL_Rect r, const char *name, const char *text, const char *key,
	       enum ui_font font, enum ui_color fill, enum ui_color color);

/* Registers a named area for this frame (the last registration of a name
 * wins when areas overlap: draw order). */
void ui_hit_add(struct ui *ui, const char *name, SDL_Rect r);
/* Ends a frame's registrations: they become what ui_hit_at/find see. */
void ui_hits_swap(struct ui *ui);
/* The topmost area at (x, y) of the last frame, or NULL. */
const struct ui_hit *ui_hit_at(const struct ui *ui, int x, int y);
/* The area of that name in the last frame, or NULL. */
const struct ui_hit *ui_hit_find(const struct ui *ui, const char *name);

static inline bool ui_inside(SDL_Rect r, int x, int y)
{
	return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

#endif
