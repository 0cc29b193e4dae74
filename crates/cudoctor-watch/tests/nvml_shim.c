/* A stand-in for libnvidia-ml.so.1 with canned values, for the NVML sampler's tests
 * (built by the tests with `cc -shared -fPIC`). Two GPUs. It exports the calls of nvml.h the
 * sampler uses, with their nvml.h signatures, except on purpose:
 *   - no nvmlDeviceGetCurrentClocksEventReasons: the sampler must fall back to
 *     nvmlDeviceGetCurrentClocksThrottleReasons;
 *   - no nvmlDeviceGetComputeRunningProcesses_v3: it must fall back to _v2;
 *   - nvmlDeviceGetPcieThroughput answers NVML_ERROR_NOT_SUPPORTED, as do GPU 1's utilization
 *     rates.
 * SHIM_NO_PROCS=1 in the environment: no compute process on any GPU. */
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct { unsigned gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct {
    unsigned pid;
    unsigned long long usedGpuMemory;
    unsigned gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;

#define OK 0
#define NOT_SUPPORTED 3
#define INSUFFICIENT_SIZE 7
#define MIB (1024ULL * 1024ULL)

static int devices[2] = {0, 1};
static int inits = 0;

static int dev(void *h) { return *(int *)h; }

nvmlReturn_t nvmlInit_v2(void) { inits++; return OK; }
nvmlReturn_t nvmlShutdown(void) { inits--; return OK; }
const char *nvmlErrorString(nvmlReturn_t rc) { return rc == NOT_SUPPORTED ? "Not Supported" : "Shim Error"; }
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *n) { *n = 2; return OK; }
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, void **h) {
    if (i > 1) return 2;
    *h = &devices[i];
    return OK;
}
nvmlReturn_t nvmlDeviceGetName(void *h, char *buf, unsigned len) {
    strncpy(buf, dev(h) == 0 ? "NVIDIA A100-SXM4-80GB" : "NVIDIA H100 80GB HBM3", len - 1);
    return OK;
}
nvmlReturn_t nvmlDeviceGetUUID(void *h, char *buf, unsigned len) {
    strncpy(buf, dev(h) == 0 ? "GPU-00000000-1111-2222-3333-444444444444"
                             : "GPU-55555555-6666-7777-8888-999999999999", len - 1);
    return OK;
}
nvmlReturn_t nvmlDeviceGetUtilizationRates(void *h, nvmlUtilization_t *u) {
    if (dev(h) == 1) return NOT_SUPPORTED;
    u->gpu = 95;
    u->memory = 70;
    return OK;
}
nvmlReturn_t nvmlDeviceGetMemoryInfo(void *h, nvmlMemory_t *m) {
    m->total = 81920 * MIB;
    m->used = dev(h) == 0 ? 30822 * MIB : 0;
    m->free = m->total - m->used;
    return OK;
}
nvmlReturn_t nvmlDeviceGetPowerUsage(void *h, unsigned *mw) { *mw = dev(h) == 0 ? 250500 : 61000; return OK; }
nvmlReturn_t nvmlDeviceGetClockInfo(void *h, int type, unsigned *c) {
    if (type != 1) return NOT_SUPPORTED; /* NVML_CLOCK_SM */
    *c = dev(h) == 0 ? 1410 : 345;
    return OK;
}
nvmlReturn_t nvmlDeviceGetMaxClockInfo(void *h, int type, unsigned *c) {
    if (type != 1) return NOT_SUPPORTED;
    *c = 1980;
    return OK;
}
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(void *h, unsigned long long *mask) {
    *mask = dev(h) == 0 ? 0x24ULL /* sw_power_cap | sw_thermal */ : 0x1ULL /* gpu_idle */;
    return OK;
}
nvmlReturn_t nvmlDeviceGetTemperature(void *h, int sensor, unsigned *t) {
    if (sensor != 0) return NOT_SUPPORTED;
    *t = dev(h) == 0 ? 61 : 30;
    return OK;
}
nvmlReturn_t nvmlDeviceGetPcieThroughput(void *h, int counter, unsigned *v) { return NOT_SUPPORTED; }
/* How many compute processes GPU 0 has; a test raises it with shim_set_procs (more than the
 * sampler's first buffer holds, to make it ask again). */
static unsigned procs_on_gpu0 = 2;
void shim_set_procs(unsigned n) { procs_on_gpu0 = n; }

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(void *h, unsigned *count, nvmlProcessInfo_t *p) {
    const char *none = getenv("SHIM_NO_PROCS");
    unsigned n = (dev(h) == 0 && !(none && none[0] == '1')) ? procs_on_gpu0 : 0;
    if (*count < n) { *count = n; return INSUFFICIENT_SIZE; }
    for (unsigned i = 0; i < n; i++) {
        p[i].pid = 4242 + i;
        p[i].usedGpuMemory = i == 0 ? 30720 * MIB : ~0ULL; /* NVML_VALUE_NOT_AVAILABLE */
        p[i].gpuInstanceId = p[i].computeInstanceId = ~0U;
    }
    *count = n;
    return OK;
}
