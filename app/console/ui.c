/*
 * ui.c - the console's drawing layer (see ui.h).
 *
 * Text: each font size has one atlas texture; a glyph is rendered by
 * SDL_ttf the first time it is drawn and copied from the atlas after that,
 * so a frame full of cue labels and fixture values costs texture copies,
 * not glyph rasterising. Fonts come from fontconfig (DejaVu, Debian's
 * fonts-dejavu-core), or from Debian's fixed paths when fontconfig finds
 * none. GUI thread only.
 */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fontconfig/fontconfig.h>

/* The dark theme: near-black, text no brighter than needed, one meaning
 * per colour. */
static const SDL_Color dark[UI_COLOR_COUNT] = {
	[UI_BG] = { 0x0c, 0x0d, 0x10, 255 },
	[UI_PANEL] = { 0x15, 0x17, 0x1b, 255 },
	[UI_PANEL_HI] = { 0x22, 0x25, 0x2b, 255 },
	[UI_LINE] = { 0x33, 0x37, 0x3e, 255 },
	[UI_TEXT] = { 0xa8, 0xad, 0xb5, 255 },
	[UI_TEXT_DIM] = { 0x6c, 0x72, 0x7b, 255 },
	[UI_TEXT_BRIGHT] = { 0xdc, 0xe0, 0xe6, 255 },
	[UI_LIVE] = { 0x2e, 0xb8, 0x5c, 255 },
	[UI_LIVE_DIM] = { 0x14, 0x44, 0x25, 255 },
	[UI_NEXT] = { 0xe6, 0xa4, 0x1e, 255 },
	[UI_NEXT_DIM] = { 0x4a, 0x36, 0x10, 255 },
	[UI_ERROR] = { 0xe5, 0x3b, 0x33, 255 },
	[UI_ERROR_DIM] = { 0x50, 0x16, 0x14, 255 },
	[UI_SELECT] = { 0x3f, 0x86, 0xe8, 255 },
	[UI_SELECT_DIM] = { 0x16, 0x2c, 0x50, 255 },
};

void ui_set_red_light(struct ui *ui, bool on)
{
	ui->red_light = on;
	for (int i = 0; i < UI_COLOR_COUNT; i++) {
		SDL_Color c = dark[i];
		if (on) {
			/* brightness only, in red; the signal colours keep their
			 * rank by being brighter than the greys around them */
			int y = (c.r * 30 + c.g * 59 + c.b * 11) / 100;
			if (i == UI_LIVE || i == UI_NEXT || i == UI_ERROR || i == UI_SELECT)
				y = y * 3 / 2 > 255 ? 255 : y * 3 / 2;
			c = (SDL_Color){ (Uint8)y, 0, 0, 255 };
		}
		ui->pal[i] = c;
	}
}

SDL_Color ui_live_color(const struct ui *ui, float r, float g, float b)
{
	float clamp[3] = { r, g, b };
	for (int i = 0; i < 3; i++)
		clamp[i] = clamp[i] < 0 ? 0 : clamp[i] > 1 ? 1 : clamp[i];
	if (ui->red_light) {
		float y = clamp[0] * 0.30f + clamp[1] * 0.59f + clamp[2] * 0.11f;
		return (SDL_Color){ (Uint8)(y * 255 + 0.5f), 0, 0, 255 };
	}
	return (SDL_Color){ (Uint8)(clamp[0] * 255 + 0.5f), (Uint8)(clamp[1] * 255 + 0.5f),
			    (Uint8)(clamp[2] * 255 + 0.5f), 255 };
}

/* ---- fonts -------------------------------------------------------------------------- */

struct font_spec {
	const char *pattern;     /* fontconfig */
	const char *family;      /* what a match must be */
	const char *fallback;    /* Debian's path */
	float px;                /* at 1x */
};

static const struct font_spec specs[UI_FONT_COUNT] = {
	[UI_FONT_SMALL] = { "DejaVu Sans:style=Book", "DejaVu Sans",
			    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 13 },
	[UI_FONT_BODY] = { "DejaVu Sans:style=Book", "DejaVu Sans",
			   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 16 },
	[UI_FONT_MONO] = { "DejaVu Sans Mono:style=Book", "DejaVu Sans Mono",
			   "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 16 },
	[UI_FONT_BIG] = { "DejaVu Sans:style=Bold", "DejaVu Sans",
			  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 22 },
	[UI_FONT_HUGE] = { "DejaVu Sans:style=Bold", "DejaVu Sans",
			   "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 40 },
};

/* The file fontconfig matches for the pattern when it is the family asked
 * for (fontconfig always answers something); else the fixed path. */
static void font_path(const struct font_spec *spec, char *out, size_t len)
{
	snprintf(out, len, "%s", spec->fallback);
	FcPattern *pat = FcNameParse((const FcChar8 *)spec->pattern);
	if (!pat)
		return;
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	FcResult result;
	FcPattern *match = FcFontMatch(NULL, pat, &result);
	FcChar8 *file = NULL, *family = NULL;
	if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
	    FcPatternGetString(match, FC_FAMILY, 0, &family) == FcResultMatch &&
	    strcmp((const char *)family, spec->family) == 0)
		snprintf(out, len, "%s", (const char *)file);
	if (match)
		FcPatternDestroy(match);
	FcPatternDestroy(pat);
}

static int atlas_init(struct ui *ui, struct ui_font_atlas *a, const struct font_spec *spec,
		      char *err, size_t len)
{
	char path[1024];
	font_path(spec, path, sizeof path);
	a->font = TTF_OpenFont(path, ui_px(ui, spec->px));
	if (!a->font) {
		snprintf(err, len, "cannot open the font %s: %s (Debian: fonts-dejavu-core)", path,
			 TTF_GetError());
		return -1;
	}
	a->height = TTF_FontHeight(a->font);
	a->ascent = TTF_FontAscent(a->font);
	int side = 1024 * (ui->scale > 1.0f ? (int)(ui->scale + 0.99f) : 1);
	a->surface = SDL_CreateRGBSurfaceWithFormat(0, side, side, 32, SDL_PIXELFORMAT_ARGB8888);
	a->texture = a->surface ? SDL_CreateTexture(ui->ren, SDL_PIXELFORMAT_ARGB8888,
						    SDL_TEXTUREACCESS_STATIC, side, side)
				: NULL;
	if (!a->surface || !a->texture) {
		snprintf(err, len, "cannot make a glyph atlas: %s", SDL_GetError());
		return -1;
	}
	SDL_FillRect(a->surface, NULL, 0);
	SDL_UpdateTexture(a->texture, NULL, a->surface->pixels, a->surface->pitch);
	SDL_SetTextureBlendMode(a->texture, SDL_BLENDMODE_BLEND);
	for (int i = 0; i < 128; i++)
		a->ascii[i] = -1;
	return 0;
}

int ui_init(struct ui *ui, SDL_Renderer *ren, float scale, char *err, size_t len)
{
	memset(ui, 0, sizeof *ui);
	ui->ren = ren;
	ui->scale = scale;
	ui_set_red_light(ui, false);
	ui->hits = calloc(UI_HITS_MAX, sizeof *ui->hits);
	ui->hits_last = calloc(UI_HITS_MAX, sizeof *ui->hits_last);
	if (!ui->hits || !ui->hits_last) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	if (!TTF_WasInit() && TTF_Init() != 0) {
		snprintf(err, len, "SDL_ttf: %s", TTF_GetError());
		return -1;
	}
	ui->fc_init = FcInit();
	for (int f = 0; f < UI_FONT_COUNT; f++)
		if (atlas_init(ui, &ui->fonts[f], &specs[f], err, len) != 0)
			return -1;
	/* fills are opaque: no blending (the software renderer's blended
	 * fill is several times slower); ui_shade() blends */
	SDL_SetRenderDrawBlendMode(ren, SDL_BLENDMODE_NONE);
	return 0;
}

void ui_free(struct ui *ui)
{
	for (int f = 0; f < UI_FONT_COUNT; f++) {
		struct ui_font_atlas *a = &ui->fonts[f];
		if (a->texture)
			SDL_DestroyTexture(a->texture);
		if (a->surface)
			SDL_FreeSurface(a->surface);
		if (a->font)
			TTF_CloseFont(a->font);
	}
	free(ui->hits);
	free(ui->hits_last);
	if (ui->fc_init)
		FcFini();      /* its caches; nothing else here uses fontconfig */
	memset(ui, 0, sizeof *ui);
}

/* The glyph of codepoint cp, rendered into the atlas on first use; '?'
 * when it cannot be (no room, not in the font). */
static const struct ui_glyph *glyph(struct ui *ui, struct ui_font_atlas *a, uint32_t cp)
{
	if (cp < 128 && a->ascii[cp] >= 0)
		return &a->glyphs[a->ascii[cp]];
	if (cp >= 128)
		for (int i = 0; i < a->glyph_count; i++)
			if (a->glyphs[i].codepoint == cp)
				return &a->glyphs[i];
	SDL_Surface *s = NULL;
	if (a->glyph_count < UI_GLYPHS_MAX && TTF_GlyphIsProvided32(a->font, cp))
		s = TTF_RenderGlyph32_Blended(a->font, cp, (SDL_Color){ 255, 255, 255, 255 });
	if (s && a->pen_x + s->w > a->surface->w) {
		a->pen_x = 0;
		a->pen_y += a->height + 1;
	}
	if (!s || a->pen_y + s->h > a->surface->h) {
		if (s)
			SDL_FreeSurface(s);
		return cp == '?' ? NULL : glyph(ui, a, '?');
	}
	SDL_Rect dst = { a->pen_x, a->pen_y, s->w, s->h };
	SDL_SetSurfaceBlendMode(s, SDL_BLENDMODE_NONE);
	SDL_BlitSurface(s, NULL, a->surface, &dst);
	SDL_FreeSurface(s);
	const uint8_t *px = (const uint8_t *)a->surface->pixels + (size_t)dst.y * a->surface->pitch +
			    (size_t)dst.x * 4;
	SDL_UpdateTexture(a->texture, &dst, px, a->surface->pitch);
	a->pen_x += dst.w + 1;
	struct ui_glyph *g = &a->glyphs[a->glyph_count];
	g->codepoint = cp;
	g->src = dst;
	if (cp < 128)
		a->ascii[cp] = a->glyph_count;
	a->glyph_count++;
	return g;
}

/* Decodes one UTF-8 sequence; a bad byte reads as U+FFFD and moves one. */
static uint32_t utf8_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t cp;
	int n;
	if (s[0] < 0x80) {
		*p += 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		n = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		n = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		n = 3;
	} else {
		*p += 1;
		return 0xfffd;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p += 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*p += n + 1;
	return cp;
}

int ui_font_height(const struct ui *ui, enum ui_font f)
{
	return ui->fonts[f].height;
}

int ui_text_width(struct ui *ui, enum ui_font f, const char *text)
{
	struct ui_font_atlas *a = &ui->fonts[f];
	int w = 0;
	while (*text) {
		const struct ui_glyph *g = glyph(ui, a, utf8_next(&text));
		if (g)
			w += g->src.w;
	}
	return w;
}

int ui_text(struct ui *ui, enum ui_font f, SDL_Rect r, enum ui_align align, enum ui_color c,
	    const char *text)
{
	struct ui_font_atlas *a = &ui->fonts[f];
	int width = ui_text_width(ui, f, text);
	int limit = r.w, dots = 0;
	if (width > r.w) {
		const struct ui_glyph *dot = glyph(ui, a, '.');
		dots = dot ? 2 * dot->src.w : 0;
		limit = r.w - dots;
		align = UI_LEFT;
	}
	int x = r.x;
	if (align == UI_CENTER)
		x = r.x + (r.w - width) / 2;
	else if (align == UI_RIGHT)
		x = r.x + r.w - width;
	int y = r.y + (r.h - a->height) / 2;
	SDL_Color col = ui->pal[c];
	SDL_SetTextureColorMod(a->texture, col.r, col.g, col.b);
	int start = x;
	const char *p = text;
	while (*p) {
		const struct ui_glyph *g = glyph(ui, a, utf8_next(&p));
		if (!g)
			continue;
		if (x + g->src.w - r.x > limit) {
			if (dots) {
				const struct ui_glyph *dot = glyph(ui, a, '.');
				for (int i = 0; i < 2 && dot; i++) {
					SDL_Rect d = { x, y, dot->src.w, dot->src.h };
					SDL_RenderCopy(ui->ren, a->texture, &dot->src, &d);
					x += dot->src.w;
				}
			}
			break;
		}
		SDL_Rect d = { x, y, g->src.w, g->src.h };
		SDL_RenderCopy(ui->ren, a->texture, &g->src, &d);
		x += g->src.w;
	}
	return x - start;
}

/* ---- shapes ------------------------------------------------------------------------- */

void ui_color(struct ui *ui, enum ui_color c)
{
	SDL_Color col = ui->pal[c];
	SDL_SetRenderDrawColor(ui->ren, col.r, col.g, col.b, col.a);
}

void ui_fill(struct ui *ui, SDL_Rect r, enum ui_color c)
{
	ui_color(ui, c);
	SDL_RenderFillRect(ui->ren, &r);
}

void ui_frame(struct ui *ui, SDL_Rect r, enum ui_color c, int t)
{
	ui_color(ui, c);
	SDL_Rect sides[4] = {
		{ r.x, r.y, r.w, t }, { r.x, r.y + r.h - t, r.w, t },
		{ r.x, r.y, t, r.h }, { r.x + r.w - t, r.y, t, r.h },
	};
	SDL_RenderFillRects(ui->ren, sides, 4);
}

void ui_line(struct ui *ui, int x1, int y1, int x2, int y2, enum ui_color c)
{
	ui_color(ui, c);
	SDL_RenderDrawLine(ui->ren, x1, y1, x2, y2);
}

void ui_bar(struct ui *ui, SDL_Rect r, float x, enum ui_color fill, enum ui_color track)
{
	x = x < 0 ? 0 : x > 1 ? 1 : x;
	ui_fill(ui, r, track);
	SDL_Rect f = { r.x, r.y, (int)((float)r.w * x + 0.5f), r.h };
	if (f.w > 0)
		ui_fill(ui, f, fill);
}

void ui_button(struct ui *ui, SDL_Rect r, const char *name, const char *text, const char *key,
	       enum ui_font font, enum ui_color fill, enum ui_color color)
{
	ui_fill(ui, r, fill);
	ui_frame(ui, r, UI_LINE, ui_px(ui, 1) > 0 ? ui_px(ui, 1) : 1);
	SDL_Rect t = r;
	if (key) {
		/* the key, small, under the name */
		SDL_Rect k = { r.x, r.y + r.h / 2, r.w, r.h / 2 };
		ui_text(ui, UI_FONT_SMALL, k, UI_CENTER, UI_TEXT_DIM, key);
		t.y = r.y + r.h / 12;
		t.h = r.h * 2 / 3;
	}
	ui_text(ui, font, t, UI_CENTER, color, text);
	ui_hit_add(ui, name, r);
}

/* ---- hit areas ---------------------------------------------------------------------- */

void ui_hit_add(struct ui *ui, const char *name, SDL_Rect r)
{
	if (ui->hit_count == UI_HITS_MAX)
		return;
	struct ui_hit *h = &ui->hits[ui->hit_count++];
	snprintf(h->name, sizeof h->name, "%s", name);
	h->r = r;
}

void ui_hits_swap(struct ui *ui)
{
	struct ui_hit *t = ui->hits_last;
	ui->hits_last = ui->hits;
	ui->hit_count_last = ui->hit_count;
	ui->hits = t;
	ui->hit_count = 0;
}

const struct ui_hit *ui_hit_at(const struct ui *ui, int x, int y)
{
	for (int i = ui->hit_count_last - 1; i >= 0; i--)
		if (ui_inside(ui->hits_last[i].r, x, y))
			return &ui->hits_last[i];
	return NULL;
}

const struct ui_hit *ui_hit_find(const struct ui *ui, const char *name)
{
	for (int i = ui->hit_count_last - 1; i >= 0; i--)
		if (strcmp(ui->hits_last[i].name, name) == 0)
			return &ui->hits_last[i];
	return NULL;
}
