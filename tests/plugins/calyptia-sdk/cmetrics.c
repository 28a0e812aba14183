/* Test stand-in for the cmetrics copy a Calyptia SDK plugin embeds (see README.md).
 * One label per counter at most, a handful of series: enough to prove the engine uses the
 * plugin's own context and encoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "cmetrics.h"

#define MAX_COUNTERS 8
#define MAX_SERIES 8

struct series { char *label_value; double value; };

struct cmt_counter {
    char *fqname;
    char *help;
    char *label_key;
    int nseries;
    struct series series[MAX_SERIES];
};

struct cmt {
    pthread_mutex_t lock;
    int ncounters;
    struct cmt_counter counters[MAX_COUNTERS];
};

static int live;

struct cmt *cmt_create(void)
{
    struct cmt *cmt = calloc(1, sizeof(struct cmt));
    if (cmt == NULL) return NULL;
    pthread_mutex_init(&cmt->lock, NULL);
    __atomic_add_fetch(&live, 1, __ATOMIC_SEQ_CST);
    return cmt;
}

void cmt_destroy(struct cmt *cmt)
{
    if (cmt == NULL) return;
    for (int i = 0; i < cmt->ncounters; i++) {
        struct cmt_counter *c = &cmt->counters[i];
        free(c->fqname); free(c->help); free(c->label_key);
        for (int s = 0; s < c->nseries; s++) free(c->series[s].label_value);
    }
    pthread_mutex_destroy(&cmt->lock);
    free(cmt);
    __atomic_sub_fetch(&live, 1, __ATOMIC_SEQ_CST);
}

int coreagent_test_cmt_live(void) { return __atomic_load_n(&live, __ATOMIC_SEQ_CST); }

struct cmt_counter *cmt_counter_create(struct cmt *cmt, char *ns, char *subsystem,
                                       char *name, char *help, int label_count, char **label_keys)
{
    if (cmt == NULL || name == NULL) return NULL;
    pthread_mutex_lock(&cmt->lock);
    struct cmt_counter *c = NULL;
    if (cmt->ncounters < MAX_COUNTERS) {
        c = &cmt->counters[cmt->ncounters++];
        size_t len = strlen(ns) + strlen(subsystem) + strlen(name) + 3;
        c->fqname = malloc(len);
        snprintf(c->fqname, len, "%s_%s_%s", ns, subsystem, name);
        c->help = strdup(help ? help : "");
        c->label_key = label_count > 0 ? strdup(label_keys[0]) : NULL;
    }
    pthread_mutex_unlock(&cmt->lock);
    return c;
}

int cmt_counter_add(struct cmt_counter *c, uint64_t timestamp, double value,
                    int labels_count, char **label_vals)
{
    (void)timestamp;
    if (c == NULL) return -1;
    const char *label = labels_count > 0 && c->label_key ? label_vals[0] : "";
    for (int s = 0; s < c->nseries; s++) {
        if (strcmp(c->series[s].label_value, label) == 0) {
            c->series[s].value += value;
            return 0;
        }
    }
    if (c->nseries == MAX_SERIES) return -1;
    c->series[c->nseries].label_value = strdup(label);
    c->series[c->nseries].value = value;
    c->nseries++;
    return 0;
}

char *cmt_encode_prometheus_create(struct cmt *cmt, int add_timestamp)
{
    (void)add_timestamp;
    size_t cap = 4096, used = 0;
    char *out = malloc(cap);
    if (out == NULL) return NULL;
    out[0] = '\0';
    pthread_mutex_lock(&cmt->lock);
    for (int i = 0; i < cmt->ncounters; i++) {
        struct cmt_counter *c = &cmt->counters[i];
        used += snprintf(out + used, cap - used, "# HELP %s %s\n# TYPE %s counter\n", c->fqname, c->help, c->fqname);
        for (int s = 0; s < c->nseries && used < cap; s++) {
            if (c->label_key)
                used += snprintf(out + used, cap - used, "%s{%s=\"%s\"} %.17g\n", c->fqname, c->label_key, c->series[s].label_value, c->series[s].value);
            else
                used += snprintf(out + used, cap - used, "%s %.17g\n", c->fqname, c->series[s].value);
        }
    }
    pthread_mutex_unlock(&cmt->lock);
    return out;
}

void cmt_encode_prometheus_destroy(char *text) { free(text); }
