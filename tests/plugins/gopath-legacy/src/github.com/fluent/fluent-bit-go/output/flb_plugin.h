/*
 * CoreAgent test support: the plugin definition a Go plugin fills in
 * FLBPluginRegister. Written for CoreAgent from the layout documented in
 * /work/shared/REFERENCE.md section 1 (x86-64).
 */
#ifndef COREAGENT_FLBGO_PLUGIN_H
#define COREAGENT_FLBGO_PLUGIN_H

/* Flush / init results */
#define FLB_ERROR 0
#define FLB_OK    1
#define FLB_RETRY 2

/* Plugin kinds and proxy type */
#define FLB_PROXY_INPUT_PLUGIN  1
#define FLB_PROXY_OUTPUT_PLUGIN 2
#define FLB_PROXY_CUSTOM_PLUGIN 3
#define FLB_PROXY_GOLANG        11

/* offsets: type 0, proxy 4, flags 8, name 16, description 24,
 * event_type 32, config_map 40; sizeof 48 */
struct flb_plugin_proxy_def {
    int   type;
    int   proxy;
    int   flags;
    char *name;
    char *description;
    int   event_type;   /* 0 logs, 2 metrics, 4 traces */
    void *config_map;   /* always NULL from Go */
};

#endif
