/*
 * svg.h - small inline-SVG line charts on the unit square, for the HTML
 * report: precision-recall and ROC curves, reliability diagrams.
 */
#ifndef CLF_EVAL_SVG_H
#define CLF_EVAL_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

#define CLF_SVG_MAX_SERIES 4

#define CLF_SVG_LEGEND_TOP_RIGHT 0
#define CLF_SVG_LEGEND_BOTTOM_RIGHT 1
#define CLF_SVG_LEGEND_BOTTOM_LEFT 2

typedef struct clf_svg_series {
    const char *label;       /* legend text (escaped by the writer) */
    const char *color;       /* CSS colour */
    const clf_eval_xy *pts;
    size_t n;
    int steps;               /* draw as a step function (precision-recall) */
    int markers;             /* draw a dot at each point */
} clf_svg_series;

typedef struct clf_svg_chart {
    const char *title;
    const char *xlabel, *ylabel;
    int diagonal;            /* dashed y = x (chance ROC, perfect calibration) */
    int legend_pos;          /* CLF_SVG_LEGEND_*: where the curves are least likely to be */
    size_t n_series;
    clf_svg_series series[CLF_SVG_MAX_SERIES];
    int has_mark;            /* a highlighted operating point */
    clf_eval_xy mark;
    const char *mark_label;
    const double *bars;      /* optional histogram under the plot: n_bars shares in [0,1] */
    size_t n_bars;
    const double *bar_counts; /* optional: the count written above each bar (> 0 only) */
    double bars_height;      /* the share of the plot a bar of 1 fills (0: a quarter) */
    int hide_yticks;         /* the y axis has no scale (a histogram of relative heights) */
    int has_vline;           /* a vertical line at x = vline (a threshold) */
    double vline;
    const char *vline_label;
} clf_svg_chart;

/* clf_svg_write - one chart as an <svg> element of width x height pixels. */
void clf_svg_write(FILE *f, const clf_svg_chart *c, int width, int height);

/* clf_html_escape - write s with &, <, >, " and ' escaped; at most max
 * bytes (cut at a UTF-8 boundary, "…" appended), or all when max is 0. */
void clf_html_escape(FILE *f, const char *s, size_t max);

#endif /* CLF_EVAL_SVG_H */
