/* The structures an input plugin receives, x86-64 layout as the engine
 * allocates them (REFERENCE 1, "Go input plugins"). */
#ifndef COREAGENT_FLBGO_INPUT_H
#define COREAGENT_FLBGO_INPUT_H

#include <stddef.h>

struct flb_api {
    char *(*output_get_property)(char *key, void *o_ins);
    char *(*input_get_property)(char *key, void *i_ins);
    void *(*output_get_cmt_instance)(void *o_ins);
    void *(*input_get_cmt_instance)(void *i_ins);
    void  (*log_print)(int level, const char *file, int line, const char *fmt, ...);
    int   (*input_log_check)(void *i_ins, int level);
    int   (*output_log_check)(void *o_ins, int level);
    char *(*custom_get_property)(char *key, void *c_ins);
    int   (*custom_log_check)(void *c_ins, int level);
};

struct flb_plugin_proxy_context {
    void *remote_context;   /* set by FLBPluginSetContext, passed back as ctx */
    void *proxy;
};

struct flbgo_input_plugin {
    char *name;
    struct flb_api *api;
    void *i_ins;
    struct flb_plugin_proxy_context *context;
};

static inline char *flbgo_input_get_property(char *key, struct flbgo_input_plugin *p)
{
    if (p == NULL || p->api == NULL || p->api->input_get_property == NULL) {
        return NULL;
    }
    return p->api->input_get_property(key, p->i_ins);
}

/* The message is passed as the format, with no arguments, as Calyptia's SDK does. */
static inline void flbgo_input_log_print(struct flbgo_input_plugin *p, int level, const char *message)
{
    if (p == NULL || p->api == NULL || p->api->log_print == NULL) {
        return;
    }
    if (p->api->input_log_check != NULL && !p->api->input_log_check(p->i_ins, level)) {
        return;
    }
    p->api->log_print(level, NULL, 0, message);
}

#endif
