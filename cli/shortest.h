/*
 * shortest.h - printing a double as the shortest decimal that reads back
 * as the same double, without printf (shortest.c).
 */
#ifndef CLF_CLI_SHORTEST_H
#define CLF_CLI_SHORTEST_H

#include <stddef.h>

/*
 * clf_cli_format_double - the shortest decimal that reads back as the same
 * double (so distinct scores never print alike), always with a '.' or an
 * exponent ("0.0", "1.0", "0.0123", "1.5e-07"). The bytes are those of the
 * first of "%.15g", "%.16g", "%.17g" that strtod reads back as v, with
 * ".0" added when that has neither a '.' nor an exponent (test_shortest
 * checks it against that definition). buf needs 32 bytes; returns the
 * length (buf is NUL-terminated). Thread-safe, no allocation.
 */
size_t clf_cli_format_double(double v, char *buf);

/* clf_cli_format_double_printf - the same bytes through snprintf and strtod
 * (the definition; slower). Every value the fast path does not take. */
size_t clf_cli_format_double_printf(double v, char *buf);

#endif
