/*
 * cmd_serve.c - `classify serve`: options, then the service in cli/serve/.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "args.h"
#include "commands.h"
#include "serve/serve.h"
#include "util.h"

static void help(void)
{
    printf(
        "Usage: classify serve [OPTIONS]\n\n"
        "Serve the model over HTTP: Perspective-compatible POST /v1alpha1/comments:analyze\n"
        "and :suggestscore, OpenAI-compatible POST /v1/moderations, GET /status, /healthz,\n"
        "/readyz. SIGTERM (or SIGINT) drains in-flight requests and exits; SIGHUP reloads\n"
        "the model file atomically (a file that fails to load leaves the old model serving).\n\n"
        "  -m, --model M          model file (default: $CLF_MODEL or the shipped model)\n"
        "  -l, --listen ADDR:PORT numeric address and port (default 127.0.0.1:8080;\n"
        "                         port 0 picks a free one; other addresses are explicit)\n"
        "  -j, --threads N        worker threads, each with its own scorer (default: CPUs)\n"
        "  --max-body BYTES       largest request body (default 1M; above: 413)\n"
        "  --max-doc BYTES        largest text of one comment or input (default 100k; above: 400)\n"
        "  --max-inputs N         most inputs in one /v1/moderations request (default 256)\n"
        "  --timeout SECONDS      close a connection idle that long (default 15)\n"
        "  --max-connections N    concurrent connections (default 1024)\n"
        "  --drain-timeout SECONDS how long SIGTERM waits for requests in flight (default 10)\n"
        "  --feedback FILE        append suggestscore records to FILE (JSON Lines corpus)\n"
        "  --access-log FILE      one line per request to FILE ('-' for stderr)\n"
        "  -h, --help             this help\n\n"
        "Exit status: 0 after a clean shutdown, 2 usage, model or listen error.\n");
}

enum { OPT_MAXBODY = 256, OPT_MAXDOC, OPT_MAXIN, OPT_TIMEOUT, OPT_MAXCONN, OPT_DRAIN, OPT_FEEDBACK,
       OPT_LOG };

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 'j'},
        {"max-body", required_argument, NULL, OPT_MAXBODY},
        {"max-doc", required_argument, NULL, OPT_MAXDOC},
        {"max-inputs", required_argument, NULL, OPT_MAXIN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"max-connections", required_argument, NULL, OPT_MAXCONN},
        {"drain-timeout", required_argument, NULL, OPT_DRAIN},
        {"feedback", required_argument, NULL, OPT_FEEDBACK},
        {"access-log", required_argument, NULL, OPT_LOG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static srv_state st; /* one per process: signals are process-wide */
    memset(&st, 0, sizeof st);
    srv_config *c = &st.cfg;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    c->listen = "127.0.0.1:8080";
    c->threads = ncpu > 0 && ncpu < 64 ? (unsigned)ncpu : 2;
    c->max_body = 1 << 20;
    c->max_doc = 100 << 10;
    c->max_inputs = 256;
    c->timeout = 15;
    c->max_connections = 1024;
    c->drain_timeout = 10;
    int opt;
    unsigned int v;
    size_t sz;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "hm:l:j:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            help();
            return 0;
        case 'm':
            c->model_path = optarg;
            break;
        case 'l':
            c->listen = optarg;
            break;
        case 'j':
            if (clf_cli_opt_uint("serve", "--threads", optarg, 1, 256, NULL, &v))
                return 2;
            c->threads = v;
            break;
        case OPT_MAXBODY:
        case OPT_MAXDOC:
            if (clf_cli_opt_size("serve", opt == OPT_MAXBODY ? "--max-body" : "--max-doc", optarg, 1,
                                 (size_t)1 << 30, &sz))
                return 2;
            *(opt == OPT_MAXBODY ? &c->max_body : &c->max_doc) = sz;
            break;
        case OPT_MAXIN:
            if (clf_cli_opt_uint("serve", "--max-inputs", optarg, 1, 100000, NULL, &v))
                return 2;
            c->max_inputs = v;
            break;
        case OPT_TIMEOUT:
            if (clf_cli_opt_uint("serve", "--timeout", optarg, 1, 86400, "seconds", &v))
                return 2;
            c->timeout = v;
            break;
        case OPT_MAXCONN:
            if (clf_cli_opt_uint("serve", "--max-connections", optarg, 1, 100000, NULL, &v))
                return 2;
            c->max_connections = v;
            break;
        case OPT_DRAIN:
            if (clf_cli_opt_uint("serve", "--drain-timeout", optarg, 0, 3600, "seconds", &v))
                return 2;
            c->drain_timeout = v;
            break;
        case OPT_FEEDBACK:
            c->feedback = optarg;
            break;
        case OPT_LOG:
            c->access_log = optarg;
            break;
        default:
            return clf_cli_usage_error("serve", "unknown option");
        }
    }
    if (optind < argc)
        return clf_cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (!c->model_path && !(c->model_path = clf_cli_default_model()))
        return 2;

    /* signals go to the main thread's sigwait(): block them before any thread starts */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    st.log_fd = -1;
    st.started = time(NULL);
    if (srv_models_init(&st, err, sizeof err)) {
        fprintf(stderr, "classify serve: %s\n", err);
        return 2;
    }
    int status = 2;
    if (srv_feedback_open(&st, err, sizeof err)) {
        fprintf(stderr, "classify serve: --feedback: %s\n", err);
        goto out;
    }
    if (c->access_log) {
        st.log_fd = !strcmp(c->access_log, "-")
                        ? STDERR_FILENO
                        : open(c->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (st.log_fd < 0) {
            perror(c->access_log);
            goto out;
        }
    }
    status = srv_run(&st);
out:
    if (st.log_fd > STDERR_FILENO)
        close(st.log_fd);
    srv_feedback_close(&st);
    srv_models_shutdown(&st);
    return status;
}
