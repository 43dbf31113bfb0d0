// Open MPI's C API from Debian's libopenmpi-dev (pkg-config ompi-c). MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM…)
// are macros over the addresses of library globals, which Swift cannot import, so these functions return them.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

static inline MPI_Comm plexus_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype plexus_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype plexus_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype plexus_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype plexus_mpi_int(void) { return MPI_INT; }
static inline MPI_Op plexus_mpi_sum(void) { return MPI_SUM; }
static inline void *plexus_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler plexus_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
