// nifticlib's NIfTI-1 library (niftiio) from Debian's libnifti2-dev.
#include <nifti/nifti1_io.h>

/// nifticlib's image for the NIfTI-1 header in the first 348 bytes at `header` (either byte order): sizes, data type,
/// byte order, scaling and the qform and sform matrices, no voxels. NULL when nifticlib rejects the header.
nifti_image *plexus_nifti_header_image(const void *header, const char *path);
