/*
 * commands.h - the subcommands of the classify tool. Each takes the
 * arguments after its name (argv[0] is the command name) and returns the
 * process exit status: 0 success, 1 the work ran but some records had errors
 * (or, for eval, a check failed), 2 usage or fatal error.
 */
#ifndef CLF_CLI_COMMANDS_H
#define CLF_CLI_COMMANDS_H

int cmd_normalize(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
