/*
 * CoreAgent test support: the structures the engine hands to an output
 * plugin's FLBPluginInit. Layout per /work/shared/REFERENCE.md section 1.
 */
#ifndef COREAGENT_FLBGO_OUTPUT_H
#define COREAGENT_FLBGO_OUTPUT_H

#include <stddef.h>

/* Function pointer table owned by the engine. The ORDER is ABI. */
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

/* The pointer passed to FLBPluginInit. */
struct flbgo_output_plugin {
    char *name;
    struct flb_api *api;
    void *o_ins;
    struct flb_plugin_proxy_context *context;
};

/* Ask the engine for a property of this instance; NULL when unset. */
static inline char *flbgo_output_get_property(char *key,
                                              struct flbgo_output_plugin *p)
{
    if (p == NULL || p->api == NULL || p->api->output_get_property == NULL) {
        return NULL;
    }
    return p->api->output_get_property(key, p->o_ins);
}

#endif
