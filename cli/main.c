/*
 * main.c - the classify command: dispatches to one subcommand per stage.
 */
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "commands.h"
#include "util.h"

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} commands[] = {
    {"score", cmd_score, "score documents with a model (default: the shipped model)"},
    {"normalize", cmd_normalize, "print the normalized form of each document"},
    {"features", cmd_features, "print each document's features and weights"},
    {"train", cmd_train, "train a model from a recipe and labeled corpora"},
    {"eval", cmd_eval, "measure a model on labeled corpora"},
    {"info", cmd_info, "describe a model file"},
    {"serve", cmd_serve, "serve the model over HTTP (Perspective/OpenAI-compatible)"},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: classify COMMAND [OPTIONS] [FILE...]\n\n"
                 "Flags extremist propaganda, incitement, hate and offensive content in\n"
                 "Arabic text.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'classify COMMAND --help' describes a command.\n"
                 "'classify --version' prints the version.\n");
}

static int finish(const char *cmd, int status)
{
    /* every command: output that did not reach stdout is a failure */
    if (clf_cli_close_stdout(cmd) != 0)
        status = 2;
    return status;
}

int main(int argc, char **argv)
{
    clf_cli_sanitize_fds();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return finish("help", 0);
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("classify %s (libclassify %s)\n", CLF_VERSION_STRING, clf_version_string());
        return finish("--version", 0);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return finish(commands[i].name, commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "classify: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
