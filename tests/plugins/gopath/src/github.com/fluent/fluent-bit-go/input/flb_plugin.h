/* CoreAgent's own copy of the definitions fluent-bit-go's input package
 * declares; the layout matches Fluent Bit's struct flb_plugin_proxy_def. */
#ifndef COREAGENT_FLBGO_INPUT_PLUGIN_H
#define COREAGENT_FLBGO_INPUT_PLUGIN_H

#define FLB_ERROR   0
#define FLB_OK      1
#define FLB_RETRY   2

#define FLB_PROXY_INPUT_PLUGIN 1
#define FLB_PROXY_GOLANG       11

struct flb_plugin_proxy_def {
    int type;
    int proxy;
    int flags;
    char *name;
    char *description;
    int event_type;
    void *config_map;
};

#endif
