// oneDNN's C API from Debian's libdnnl-dev (oneDNN 2.6), and glibc's allocator tuning (mallopt) used by the CPU backend.
#include <oneapi/dnnl/dnnl.h>
#include <malloc.h>
