// oneDNN's C API from Debian's libdnnl-dev (oneDNN 2.6), and glibc's allocator tuning (mallopt, malloc_trim) used by the CPU backend.
#include <oneapi/dnnl/dnnl.h>
#include <malloc.h>

// GCC's OpenMP runtime (libgomp, from libgcc-12-dev), which Debian's oneDNN runs its kernels on. The backend's own
// parallel loops run on the same team of threads (`parallelFor`): with a second pool, oneDNN's threads, still
// spinning after a kernel, and the pool's threads would take turns on the cores.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
