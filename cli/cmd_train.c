/* cmd_train.c - placeholder until the training stage lands. */
#include <stdio.h>
#include "commands.h"
int cmd_train(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "classify train: not built yet\n");
    return 2;
}
