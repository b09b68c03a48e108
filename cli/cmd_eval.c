/* cmd_eval.c - placeholder until the evaluation stage lands. */
#include <stdio.h>
#include "commands.h"
int cmd_eval(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "classify eval: not built yet\n");
    return 2;
}
