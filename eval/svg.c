/*
 * svg.c - inline-SVG charts on the unit square and HTML escaping (svg.h).
 * Pure markup: no scripts, fonts or links, so the page works offline.
 */
#include "svg.h"

#include <math.h>
#include <string.h>

void clf_html_escape(FILE *f, const char *s, size_t max)
{
    size_t n = strlen(s), cut = n;
    if (max && n > max) {
        cut = max;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
    }
    for (size_t i = 0; i < cut; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(s[i], f);
        }
    }
    if (cut < n)
        fputs("\xE2\x80\xA6", f); /* … */
}

/* Plot geometry: margins leave room for tick labels and axis titles. */
typedef struct frame {
    double x0, y0, w, h; /* plot area in pixels; y grows downwards */
} frame;

static double px(const frame *fr, double x)
{
    return fr->x0 + fr->w * (x < 0 ? 0 : x > 1 ? 1 : x);
}

static double py(const frame *fr, double y)
{
    return fr->y0 + fr->h * (1 - (y < 0 ? 0 : y > 1 ? 1 : y));
}

static void polyline(FILE *f, const frame *fr, const clf_svg_series *s)
{
    if (s->n == 0)
        return;
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"",
            s->color);
    for (size_t i = 0; i < s->n; i++) {
        double x = s->pts[i].x, y = s->pts[i].y;
        if (isnan(x) || isnan(y))
            continue;
        /* Steps: hold the previous precision until the recall changes (the
         * step-wise curve average precision integrates). */
        if (s->steps && i > 0 && !isnan(s->pts[i - 1].y))
            fprintf(f, "%.1f,%.1f ", px(fr, x), py(fr, s->pts[i - 1].y));
        fprintf(f, "%.1f,%.1f ", px(fr, x), py(fr, y));
    }
    fputs("\"/>\n", f);
    if (s->markers)
        for (size_t i = 0; i < s->n; i++)
            if (!isnan(s->pts[i].x) && !isnan(s->pts[i].y))
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", px(fr, s->pts[i].x),
                        py(fr, s->pts[i].y), s->color);
}

void clf_svg_write(FILE *f, const clf_svg_chart *c, int width, int height)
{
    frame fr = {46, 28, width - 46 - 14, height - 28 - 44};
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\" class=\"chart\">\n", width, height, width, height);
    fputs("<title>", f);
    clf_html_escape(f, c->title, 0);
    fputs("</title>\n", f);
    fprintf(f, "<text x=\"%.1f\" y=\"16\" class=\"ct\">", fr.x0);
    clf_html_escape(f, c->title, 0);
    fputs("</text>\n", f);
    /* grid and ticks every 0.2 */
    for (int i = 0; i <= 5; i++) {
        double v = i / 5.0;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", px(&fr, v), fr.y0,
                px(&fr, v), fr.y0 + fr.h);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", fr.x0, py(&fr, v),
                fr.x0 + fr.w, py(&fr, v));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%.1f</text>\n", px(&fr, v),
                fr.y0 + fr.h + 14, v);
        if (!c->hide_yticks)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.1f</text>\n",
                    fr.x0 - 5, py(&fr, v) + 4, v);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n", fr.x0, fr.y0,
            fr.w, fr.h);
    if (c->bars && c->n_bars) {
        /* Histogram of item counts along the x axis, in the lower quarter. */
        double bw = fr.w / (double)c->n_bars;
        double share = c->bars_height > 0 ? c->bars_height : 0.25;
        for (size_t i = 0; i < c->n_bars; i++) {
            double hgt = fr.h * share * (c->bars[i] > 1 ? 1 : c->bars[i]);
            if (hgt > 0)
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar\"/>\n",
                        fr.x0 + bw * (double)i + 1, fr.y0 + fr.h - hgt, bw - 2, hgt);
            /* the count, so that a short bar still says how many documents it holds */
            if (c->bar_counts && c->bar_counts[i] > 0)
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"bc\" text-anchor=\"middle\">%.0f</text>\n",
                        fr.x0 + bw * ((double)i + 0.5), fr.y0 + fr.h - hgt - 3, c->bar_counts[i]);
        }
    }
    if (c->has_vline && !isnan(c->vline)) {
        double x = px(&fr, c->vline < 0 ? 0 : c->vline > 1 ? 1 : c->vline);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"vline\"/>\n", x, fr.y0, x,
                fr.y0 + fr.h);
        if (c->vline_label) {
            int right = c->vline > 0.7; /* keep the label inside the plot */
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\" text-anchor=\"%s\">", right ? x - 4 : x + 4,
                    fr.y0 + 12, right ? "end" : "start");
            clf_html_escape(f, c->vline_label, 60);
            fputs("</text>\n", f);
        }
    }
    if (c->diagonal)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"diag\"/>\n", px(&fr, 0), py(&fr, 0),
                px(&fr, 1), py(&fr, 1));
    for (size_t i = 0; i < c->n_series; i++)
        polyline(f, &fr, &c->series[i]);
    if (c->has_mark && !isnan(c->mark.x) && !isnan(c->mark.y)) {
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" class=\"mark\"><title>", px(&fr, c->mark.x),
                py(&fr, c->mark.y));
        clf_html_escape(f, c->mark_label ? c->mark_label : "", 0);
        fputs("</title></circle>\n", f);
    }
    /* axis titles */
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">", fr.x0 + fr.w / 2, height - 12);
    clf_html_escape(f, c->xlabel, 0);
    fprintf(f, "</text>\n<text transform=\"translate(12 %.1f) rotate(-90)\" class=\"axis\" "
               "text-anchor=\"middle\">", fr.y0 + fr.h / 2);
    clf_html_escape(f, c->ylabel, 0);
    fputs("</text>\n", f);
    /* legend inside the plot, in the corner the caller chose */
    size_t n_named = 0;
    for (size_t i = 0; i < c->n_series; i++)
        n_named += c->series[i].label != NULL;
    int left = c->legend_pos == CLF_SVG_LEGEND_BOTTOM_LEFT;
    double ly = c->legend_pos == CLF_SVG_LEGEND_TOP_RIGHT ? fr.y0 + 14
                                                          : fr.y0 + fr.h - 8 - 15.0 * (double)(n_named ? n_named - 1 : 0);
    for (size_t i = 0; i < c->n_series; i++) {
        if (!c->series[i].label)
            continue;
        double x1 = left ? fr.x0 + 8 : fr.x0 + fr.w - 22;
        double tx = left ? fr.x0 + 28 : fr.x0 + fr.w - 26;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\" text-anchor=\"%s\">",
                x1, ly - 4, x1 + 14, ly - 4, c->series[i].color, tx, ly, left ? "start" : "end");
        clf_html_escape(f, c->series[i].label, 40);
        fputs("</text>\n", f);
        ly += 15;
    }
    fputs("</svg>\n", f);
}
