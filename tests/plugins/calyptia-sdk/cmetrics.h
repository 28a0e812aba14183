/* A minimal counter store with cmetrics' entry points, for tests (see README.md). */
#ifndef COREAGENT_FAKE_CMETRICS_H
#define COREAGENT_FAKE_CMETRICS_H

#include <stdint.h>

struct cmt;
struct cmt_counter;

struct cmt *cmt_create(void);
void cmt_destroy(struct cmt *cmt);
struct cmt_counter *cmt_counter_create(struct cmt *cmt, char *ns, char *subsystem,
                                       char *name, char *help, int label_count, char **label_keys);
int cmt_counter_add(struct cmt_counter *counter, uint64_t timestamp, double value,
                    int labels_count, char **label_vals);
char *cmt_encode_prometheus_create(struct cmt *cmt, int add_timestamp);
void cmt_encode_prometheus_destroy(char *text);
int coreagent_test_cmt_live(void);

#endif
